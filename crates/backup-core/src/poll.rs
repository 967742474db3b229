//! Waiting for long-running backups: poll a status function with backoff until it reports
//! an end state or a deadline passes, reporting progress on the way.
//!
//! Every vendor's waiter is a [`Waiter`]: the vendor crate says what one poll means
//! ([`WaitFor`]), and the waiter owns the schedule, the deadline and the progress callback,
//! so that every vendor is waited on the same way:
//!
//! ```ignore
//! let job = client
//!     .wait_until_job_done(graph_id, job_id)
//!     .timeout(Duration::from_secs(600))
//!     .on_progress(|p| println!("{} after {:?}", p.state, p.elapsed))
//!     .wait()
//!     .await?;
//! ```
//!
//! The schedule is prompt and adaptive: the first poll goes out at once, the pause after it
//! is [`WaitConfig::initial_interval`] and grows by [`WaitConfig::multiplier`] up to
//! [`WaitConfig::max_interval`] while the job runs, and the last pause is cut short so that
//! the last poll is made at the deadline rather than after it.
//!
//! A vendor's progress is a hint that can bring the next poll forward to the end it
//! predicts (plus 5 %): its own estimate ([`Progress::estimated_remaining`]), else its
//! percentage ([`Progress::percent_done`]) read as a rate between polls (on the first
//! percentage seen, as if the job started when the wait did). A hint never pushes a poll
//! back past the backoff, and never brings one closer than [`WaitConfig::min_interval`]
//! after the last; each hint that proves early (the job still running) doubles that floor,
//! so hostile or wrong hints cost a few polls, not a busy loop.
//!
//! The waiter spawns nothing and holds no locks across awaits, so dropping its future
//! (a `select!`, a timeout, Ctrl-C) cancels it cleanly: no poll is sent afterwards.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::{Error, WaitTimedOut};

/// How often to poll and for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WaitConfig {
    /// Delay before the second poll. Default 500 ms.
    pub initial_interval: Duration,
    /// Longest delay between polls. Default 30 s.
    pub max_interval: Duration,
    /// Growth of the delay after each poll. Default 1.25: without hints, a job is seen
    /// done at most a quarter of the time waited late.
    pub multiplier: f64,
    /// Give up after this long. Default 30 minutes.
    pub timeout: Duration,
    /// The shortest delay a vendor's progress hint can bring a poll forward to. Every hint
    /// that proved early (the job was still running when it said it would be done) doubles
    /// it for the rest of the wait, so no hint can make the waiter poll in a tight loop.
    /// Default 100 ms.
    pub min_interval: Duration,
}

impl Default for WaitConfig {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(30),
            multiplier: 1.25,
            timeout: Duration::from_secs(30 * 60),
            min_interval: Duration::from_millis(100),
        }
    }
}

impl WaitConfig {
    /// Sets the overall deadline.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the first and the longest interval between polls.
    pub fn with_intervals(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }

    /// Sets the shortest delay a progress hint can bring a poll forward to (see
    /// [`min_interval`](Self::min_interval)).
    pub fn with_min_interval(mut self, min_interval: Duration) -> Self {
        self.min_interval = min_interval;
        self
    }

    /// Sets how fast the interval grows (at least 1.0).
    pub fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = if multiplier.is_finite() {
            multiplier.max(1.0)
        } else {
            1.0
        };
        self
    }
}

/// How far a job has got, as reported to the progress callback.
///
/// Besides being shown, a vendor's [`percent_done`](Self::percent_done) and
/// [`estimated_remaining`](Self::estimated_remaining) are hints the [`Waiter`] polls by: the
/// next poll may come earlier than the backoff would make it, at the predicted end.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// The vendor's name for the current state (`RUNNING`, `backing_up`, ...).
    pub state: String,
    /// Steps done, when the vendor reports them (OCP subtasks).
    pub completed: Option<u64>,
    /// Steps in all, when known.
    pub total: Option<u64>,
    /// A human-readable detail (the running step's name).
    pub message: Option<String>,
    /// How much of the job is done, in percent, when the vendor reports it (GES
    /// `job_progress`). Only a finite value from 0 to 100 is a hint; the waiter ignores
    /// anything else.
    pub percent_done: Option<f64>,
    /// How long the job still needs, when the vendor's answer says so or its timestamps
    /// predict it (OCP: the subtasks done so far and how long they took).
    pub estimated_remaining: Option<Duration>,
    /// Time since waiting started; filled in by the waiter.
    pub elapsed: Duration,
    /// Polls so far; filled in by the waiter.
    pub polls: u32,
}

impl Progress {
    /// Progress in `state`, with no counts.
    pub fn new(state: impl Into<String>) -> Self {
        Self {
            state: state.into(),
            ..Self::default()
        }
    }

    /// Sets the step counts.
    pub fn with_steps(mut self, completed: u64, total: u64) -> Self {
        self.completed = Some(completed);
        self.total = Some(total);
        self
    }

    /// Sets the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the percentage done; a value that is not a finite number from 0 to 100 (a
    /// server's `NaN`, `-1` or `1e300`) leaves it unset.
    pub fn with_percent_done(mut self, percent: f64) -> Self {
        self.percent_done =
            (percent.is_finite() && (0.0..=100.0).contains(&percent)).then_some(percent);
        self
    }

    /// Sets the estimated time left.
    pub fn with_estimated_remaining(mut self, remaining: Duration) -> Self {
        self.estimated_remaining = Some(remaining);
        self
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PollState<T> {
    /// Still running.
    Pending(Progress),
    /// Finished successfully with this result.
    Done(T),
}

/// What a [`Waiter`] waits for: implemented by each vendor crate for each kind of job.
///
/// The target owns what it needs to poll (a clone of the client, the ids), so a waiter's
/// future can be spawned.
pub trait WaitFor: Send + Sync {
    /// What the wait returns when the job is done (the finished job, task or backup).
    type Output: Send;

    /// Names the job in a [`WaitTimedOut`] error: `GES job 7 of graph g1`.
    fn describe(&self) -> String;

    /// Runs once before the first poll, outside the deadline: checks the input (an error
    /// here means nothing was sent) and, for a waiter that creates what it waits for, sends
    /// the create. Its error ends the wait as it is.
    fn start(&mut self) -> impl Future<Output = Result<(), Error>> + Send {
        std::future::ready(Ok(()))
    }

    /// Polls once: [`PollState::Done`] with the result, [`PollState::Pending`] with the
    /// progress, or an error that ends the wait ([`Error::JobFailed`] for a failed job).
    fn poll(&self) -> impl Future<Output = Result<PollState<Self::Output>, Error>> + Send;
}

/// The progress callback of a [`Waiter`] that has none.
pub type NoProgress = fn(&Progress);

/// Polls a [`WaitFor`] target until it is done, fails, or the deadline passes; see the
/// [module documentation](self). Vendor clients make one with their `wait_until_*`
/// methods; configure it, then [`wait`](Self::wait).
#[must_use = "nothing is polled until `wait` is awaited"]
pub struct Waiter<W, P = NoProgress> {
    target: W,
    config: WaitConfig,
    on_progress: P,
    clock: Option<Arc<dyn Clock>>,
}

impl<W: fmt::Debug, P> fmt::Debug for Waiter<W, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("target", &self.target)
            .field("config", &self.config)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl<W: WaitFor> Waiter<W> {
    /// A waiter for `target` with [`WaitConfig::default`] and no progress callback.
    pub fn new(target: W) -> Self {
        Self {
            target,
            config: WaitConfig::default(),
            on_progress: |_| {},
            clock: None,
        }
    }
}

impl<W: WaitFor, P: FnMut(&Progress)> Waiter<W, P> {
    /// Poll intervals and deadline (replacing a [`timeout`](Self::timeout) set before).
    /// Default: [`WaitConfig::default`] (500 ms growing to 30 s, 30 minutes).
    pub fn config(mut self, config: WaitConfig) -> Self {
        self.config = config;
        self
    }

    /// Gives up after `timeout` with [`Error::WaitTimedOut`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Calls `on_progress` after every poll that finds the job still running, with the
    /// vendor's state, the steps done when known, the time waited and the polls so far.
    pub fn on_progress<Q: FnMut(&Progress)>(self, on_progress: Q) -> Waiter<W, Q> {
        Waiter {
            target: self.target,
            config: self.config,
            on_progress,
            clock: self.clock,
        }
    }

    /// Measures the deadline and sleeps between polls on `clock` instead of tokio's timer
    /// (a [`SteppingClock`](crate::clock::SteppingClock) makes a wait take no real time).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Changes the vendor-specific settings of what is waited for (a region, a baseline).
    pub fn map_target(mut self, change: impl FnOnce(W) -> W) -> Self {
        self.target = change(self.target);
        self
    }

    /// What is waited for.
    pub fn target(&self) -> &W {
        &self.target
    }

    /// The poll intervals and deadline.
    pub fn wait_config(&self) -> &WaitConfig {
        &self.config
    }

    /// Starts the target, then polls it until it is done.
    ///
    /// # Errors
    ///
    /// What the target's start returns (bad input: nothing was sent), the error a poll
    /// returns ([`Error::JobFailed`] for a failed job, or the request's own error), or
    /// [`Error::WaitTimedOut`] at the deadline, with the last state seen.
    pub async fn wait(self) -> Result<W::Output, Error> {
        let Waiter {
            mut target,
            config,
            on_progress,
            clock,
        } = self;
        target.start().await?;
        let what = target.describe();
        let target = &target;
        let timeline = Timeline::new(clock);
        run(
            &timeline,
            &what,
            &config,
            move || target.poll(),
            on_progress,
        )
        .await
    }
}

/// Polls `poll` until it returns [`PollState::Done`] or an error, or `config.timeout` passes,
/// on tokio's timer: the loop every [`Waiter`] runs, for a status function that is not a
/// [`WaitFor`].
///
/// A job that ends in failure is reported by `poll` returning an error
/// ([`Error::JobFailed`]). Every pending state is passed to `on_progress`. `what` names the
/// job in the timeout error.
pub async fn wait_until<T, F, Fut>(
    what: &str,
    config: &WaitConfig,
    poll: F,
    on_progress: impl FnMut(&Progress),
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PollState<T>, Error>>,
{
    run(&Timeline::new(None), what, config, poll, on_progress).await
}

/// Where a wait's time comes from: tokio's timer, or a [`Clock`].
enum Timeline {
    Tokio(tokio::time::Instant),
    Clock(Arc<dyn Clock>, SystemTime),
}

impl Timeline {
    fn new(clock: Option<Arc<dyn Clock>>) -> Self {
        match clock {
            None => Timeline::Tokio(tokio::time::Instant::now()),
            Some(clock) => {
                let started = clock.now();
                Timeline::Clock(clock, started)
            }
        }
    }

    fn elapsed(&self) -> Duration {
        match self {
            Timeline::Tokio(started) => started.elapsed(),
            // A clock set back counts as no time passed, never as a panic.
            Timeline::Clock(clock, started) => {
                clock.now().duration_since(*started).unwrap_or_default()
            }
        }
    }

    async fn sleep(&self, duration: Duration) {
        match self {
            Timeline::Tokio(_) => tokio::time::sleep(duration).await,
            Timeline::Clock(clock, _) => clock.sleep(duration).await,
        }
    }
}

async fn run<T, F, Fut>(
    timeline: &Timeline,
    what: &str,
    config: &WaitConfig,
    mut poll: F,
    mut on_progress: impl FnMut(&Progress),
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PollState<T>, Error>>,
{
    let mut schedule = Schedule::new(config);
    let mut polls = 0u32;
    let mut last_state = None;
    loop {
        polls += 1;
        // A poll whose request hangs (or retries) must not carry the wait past its
        // deadline: the poll is a read, so abandoning it there is harmless.
        let remaining = config.timeout.saturating_sub(timeline.elapsed());
        let Some(answer) = first_of(poll(), timeline.sleep(remaining)).await else {
            return Err(WaitTimedOut::new(what, timeline.elapsed(), last_state).into());
        };
        let mut progress = match answer? {
            PollState::Done(value) => return Ok(value),
            PollState::Pending(progress) => progress,
        };
        last_state = Some(progress.state.clone());
        progress.elapsed = timeline.elapsed();
        progress.polls = polls;
        on_progress(&progress);
        let Some(remaining) = config
            .timeout
            .checked_sub(progress.elapsed)
            .filter(|r| !r.is_zero())
        else {
            return Err(WaitTimedOut::new(what, progress.elapsed, Some(progress.state)).into());
        };
        timeline
            .sleep(schedule.next_pause(&progress).min(remaining))
            .await;
    }
}

/// The pauses between polls: a backoff that grows from `initial_interval` by `multiplier`
/// to `max_interval`, which a vendor's hint can only shorten, to the end it predicts.
///
/// A hint can bring a poll forward, never push one back, so a wrong hint costs a few polls
/// and never a late answer. A hinted pause is at least a floor (`min_interval`), which
/// doubles each time a hinted poll finds the job still running: a server whose hints keep
/// saying "done now" gets about log2(`max_interval` / `min_interval`) extra polls in all,
/// never a tight loop.
struct Schedule {
    backoff: Duration,
    multiplier: f64,
    max_interval: Duration,
    floor: Duration,
    /// Whether the last pause was shortened by a hint: if the job is still running, the
    /// hint was early.
    hinted: bool,
    /// The first time the latest percentage was seen: (percent, time waited).
    last_percent: Option<(f64, Duration)>,
}

/// A hinted poll goes this fraction of the predicted time after the predicted end: one a
/// little late costs that little, one a little early costs a poll and a floor's pause.
const HINT_MARGIN: f64 = 0.05;
/// The floor of a zero `min_interval`.
const SMALLEST_FLOOR: Duration = Duration::from_millis(1);

impl Schedule {
    fn new(config: &WaitConfig) -> Self {
        Self {
            backoff: config.initial_interval.min(config.max_interval),
            // The fields are public: a NaN or shrinking multiplier keeps the interval.
            multiplier: if config.multiplier.is_finite() && config.multiplier >= 1.0 {
                config.multiplier
            } else {
                1.0
            },
            max_interval: config.max_interval,
            floor: config.min_interval.max(SMALLEST_FLOOR),
            hinted: false,
            last_percent: None,
        }
    }

    /// The pause after a poll that found the job still running with `progress`.
    fn next_pause(&mut self, progress: &Progress) -> Duration {
        if self.hinted {
            self.floor = self.floor.saturating_mul(2);
        }
        let backoff = self.backoff;
        self.backoff = Duration::try_from_secs_f64(backoff.as_secs_f64() * self.multiplier)
            .unwrap_or(self.max_interval)
            .min(self.max_interval);
        let hinted = self
            .estimate(progress)
            .map(|left| {
                let margin = Duration::try_from_secs_f64(left.as_secs_f64() * HINT_MARGIN)
                    .unwrap_or(Duration::MAX);
                left.saturating_add(margin).max(self.floor)
            })
            .filter(|pause| *pause < backoff);
        self.hinted = hinted.is_some();
        hinted.unwrap_or(backoff)
    }

    /// How long the job still needs, from the vendor's estimate, else from its percentage:
    /// at the rate it moved since an earlier poll, or (on the first percentage seen) as if
    /// the job started when the wait did. `None` when nothing usable was reported.
    fn estimate(&mut self, progress: &Progress) -> Option<Duration> {
        let now = progress.elapsed;
        let percent = progress
            .percent_done
            .filter(|p| p.is_finite() && *p > 0.0 && *p < 100.0);
        let earlier = self.last_percent;
        if let Some(p) = percent
            && earlier.is_none_or(|(seen, _)| seen != p)
        {
            self.last_percent = Some((p, now));
        }
        if let Some(left) = progress.estimated_remaining {
            return Some(left);
        }
        let p = percent?;
        let seconds = match earlier {
            Some((p0, t0)) if p > p0 && now > t0 => {
                (100.0 - p) * (now - t0).as_secs_f64() / (p - p0)
            }
            _ if !now.is_zero() => now.as_secs_f64() * (100.0 - p) / p,
            _ => return None,
        };
        // Infinite or too large for a `Duration` (a percentage of 1e-300): no hint.
        Duration::try_from_secs_f64(seconds).ok()
    }
}

/// `work`'s output, or `None` when `deadline` ends first. `work` is polled first, so an
/// answer that is ready when the deadline is too still counts.
async fn first_of<O>(
    work: impl Future<Output = O>,
    deadline: impl Future<Output = ()>,
) -> Option<O> {
    let mut work = pin!(work);
    let mut deadline = pin!(deadline);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    /// Issue 13, item 7: a 1 s wait whose poll hangs ended only when the poll's own
    /// timeouts and retries gave up (9 s), with a dispatch error instead of `WaitTimedOut`.
    #[tokio::test(start_paused = true)]
    async fn a_hanging_poll_ends_the_wait_at_its_deadline() {
        let config = WaitConfig::default()
            .with_intervals(Duration::from_millis(100), Duration::from_millis(100))
            .with_timeout(Duration::from_secs(1));
        let polls = Arc::new(AtomicU32::new(0));
        let p = polls.clone();
        let started = Instant::now();
        let waited = tokio::time::timeout(
            Duration::from_secs(30),
            wait_until(
                "job 7",
                &config,
                move || {
                    let n = p.fetch_add(1, Ordering::SeqCst) + 1;
                    async move {
                        if n < 3 {
                            Ok(PollState::<()>::Pending(Progress::new("RUNNING")))
                        } else {
                            std::future::pending().await
                        }
                    }
                },
                |_| {},
            ),
        )
        .await
        .expect("the wait ends by itself");
        let Err(Error::WaitTimedOut(timed_out)) = waited else {
            panic!("not a wait timeout: {waited:?}");
        };
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(timed_out.last_state.as_deref(), Some("RUNNING"));
        assert_eq!(polls.load(Ordering::SeqCst), 3);
    }
    use crate::JobFailed;
    use crate::clock::SteppingClock;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn config() -> WaitConfig {
        WaitConfig::default()
            .with_intervals(Duration::from_secs(1), Duration::from_secs(4))
            .with_multiplier(2.0)
            .with_timeout(Duration::from_secs(60))
    }

    #[tokio::test(start_paused = true)]
    async fn reports_progress_then_returns_the_result() {
        let polls = Arc::new(AtomicU32::new(0));
        let mut seen = Vec::new();
        let p = polls.clone();
        let result = wait_until(
            "job 1",
            &config(),
            move || {
                let n = p.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    Ok(if n < 4 {
                        PollState::Pending(Progress::new("RUNNING").with_steps(u64::from(n), 4))
                    } else {
                        PollState::Done("finished")
                    })
                }
            },
            |progress| seen.push((progress.completed, progress.polls)),
        )
        .await
        .unwrap();
        assert_eq!(result, "finished");
        assert_eq!(polls.load(Ordering::SeqCst), 4);
        assert_eq!(seen, vec![(Some(1), 1), (Some(2), 2), (Some(3), 3)]);
    }

    #[tokio::test(start_paused = true)]
    async fn intervals_back_off_to_the_cap() {
        let started = Instant::now();
        let times = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t = times.clone();
        let _ = wait_until(
            "job",
            &config(),
            move || {
                t.lock().unwrap().push(started.elapsed().as_secs());
                let n = t.lock().unwrap().len();
                async move {
                    Ok(if n < 6 {
                        PollState::Pending(Progress::new("RUNNING"))
                    } else {
                        PollState::Done(())
                    })
                }
            },
            |_| {},
        )
        .await;
        // 1 s, then 2, 4, 4, 4: exponential growth capped at max_interval.
        assert_eq!(*times.lock().unwrap(), vec![0, 1, 3, 7, 11, 15]);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_deadline_with_the_last_state() {
        let err = wait_until::<(), _, _>(
            "backup of graph g1",
            &config().with_timeout(Duration::from_secs(10)),
            || async { Ok(PollState::Pending(Progress::new("backing_up"))) },
            |_| {},
        )
        .await
        .unwrap_err();
        match err {
            Error::WaitTimedOut(t) => {
                assert_eq!(t.last_state.as_deref(), Some("backing_up"));
                assert!(t.waited >= Duration::from_secs(10), "{:?}", t.waited);
                assert!(t.what.contains("g1"));
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_job_ends_the_wait_with_its_reason() {
        let err = wait_until::<(), _, _>(
            "task 7",
            &config(),
            || async {
                Err(JobFailed::new(
                    "ocp",
                    "7",
                    "FAILED",
                    Some("subtask backup: disk full".into()),
                )
                .into())
            },
            |_| {},
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::JobFailed(_)));
        assert!(err.to_string().contains("disk full"));
    }

    /// A job polled on a [`SteppingClock`]: it records the clock's time at every poll, is
    /// done at poll `done_at` (never when 0), and fails on poll `fail_at` (never when 0).
    #[derive(Debug)]
    struct Recorded {
        clock: Arc<SteppingClock>,
        times: Arc<std::sync::Mutex<Vec<u64>>>,
        done_at: usize,
        started: Arc<AtomicU32>,
        refuse_start: bool,
    }

    const T0: u64 = 1_700_000_000;

    fn recorded(done_at: usize) -> (Recorded, Arc<std::sync::Mutex<Vec<u64>>>) {
        let clock = Arc::new(SteppingClock::frozen(
            SystemTime::UNIX_EPOCH + Duration::from_secs(T0),
        ));
        let times = Arc::new(std::sync::Mutex::new(Vec::new()));
        let target = Recorded {
            clock,
            times: times.clone(),
            done_at,
            started: Arc::default(),
            refuse_start: false,
        };
        (target, times)
    }

    impl WaitFor for Recorded {
        type Output = usize;

        fn describe(&self) -> String {
            "recorded job".to_owned()
        }

        async fn start(&mut self) -> Result<(), Error> {
            self.started.fetch_add(1, Ordering::SeqCst);
            if self.refuse_start {
                return Err(Error::invalid_input("jobId", "must not be empty"));
            }
            Ok(())
        }

        async fn poll(&self) -> Result<PollState<usize>, Error> {
            let now = crate::clock::unix_seconds(self.clock.now()) - T0;
            let n = {
                let mut times = self.times.lock().unwrap();
                times.push(now);
                times.len()
            };
            Ok(if n == self.done_at {
                PollState::Done(n)
            } else {
                PollState::Pending(Progress::new("RUNNING").with_steps(n as u64, 10))
            })
        }
    }

    /// Item 3 of issue 14: the schedule, read off a stepping clock with no real or paused
    /// time: a poll at once, pauses of 1, 2, 4, 4 s (capped), and the last poll at the
    /// 13 s deadline, not after it.
    #[tokio::test]
    async fn a_waiter_polls_at_once_backs_off_and_polls_last_at_the_deadline() {
        let (target, times) = recorded(0);
        let clock = target.clock.clone();
        let err = Waiter::new(target)
            .config(config())
            .timeout(Duration::from_secs(13))
            .clock(clock)
            .wait()
            .await
            .unwrap_err();
        assert_eq!(*times.lock().unwrap(), vec![0, 1, 3, 7, 11, 13]);
        let Error::WaitTimedOut(timed_out) = err else {
            panic!("not a wait timeout: {err}");
        };
        assert_eq!(timed_out.waited, Duration::from_secs(13));
        assert_eq!(timed_out.what, "recorded job");
        assert_eq!(timed_out.last_state.as_deref(), Some("RUNNING"));
    }

    #[tokio::test]
    async fn a_waiter_reports_progress_on_its_clock_and_returns_the_result() {
        let (target, times) = recorded(4);
        let clock = target.clock.clone();
        let mut seen = Vec::new();
        let done = Waiter::new(target)
            .config(config())
            .clock(clock)
            .on_progress(|p| seen.push((p.polls, p.completed, p.elapsed.as_secs())))
            .wait()
            .await
            .unwrap();
        assert_eq!(done, 4);
        assert_eq!(*times.lock().unwrap(), vec![0, 1, 3, 7]);
        assert_eq!(
            seen,
            vec![(1, Some(1), 0), (2, Some(2), 1), (3, Some(3), 3)]
        );
    }

    #[tokio::test]
    async fn a_refused_start_ends_the_wait_before_any_poll() {
        let (mut target, times) = recorded(1);
        target.refuse_start = true;
        let started = target.started.clone();
        let err = Waiter::new(target).wait().await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
        assert_eq!(started.load(Ordering::SeqCst), 1);
        assert!(
            times.lock().unwrap().is_empty(),
            "polled after a refused start"
        );
    }

    #[tokio::test]
    async fn map_target_changes_what_is_waited_for() {
        let (target, _) = recorded(0);
        let waiter = Waiter::new(target).map_target(|mut t| {
            t.done_at = 2;
            t
        });
        assert_eq!(waiter.target().done_at, 2);
        let clock = waiter.target().clock.clone();
        assert_eq!(waiter.clock(clock).wait().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_waiter_with_an_owned_callback_can_be_spawned() {
        let (target, _) = recorded(3);
        let clock = target.clock.clone();
        let polls = Arc::new(AtomicU32::new(0));
        let p = polls.clone();
        let waiter = Waiter::new(target).clock(clock).on_progress(move |_| {
            p.fetch_add(1, Ordering::SeqCst);
        });
        let done = tokio::spawn(waiter.wait()).await.unwrap().unwrap();
        assert_eq!(done, 3);
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }

    /// A job polled on a [`SteppingClock`] frozen at `T0`, whose poll number `n` (from 1),
    /// made `at` after the start, is answered by `answer(n, at)`: `None` means done.
    struct Scripted<F> {
        clock: Arc<SteppingClock>,
        times: Arc<std::sync::Mutex<Vec<u128>>>,
        answer: F,
    }

    impl<F: Fn(usize, Duration) -> Option<Progress> + Send + Sync> WaitFor for Scripted<F> {
        type Output = usize;

        fn describe(&self) -> String {
            "scripted job".to_owned()
        }

        async fn poll(&self) -> Result<PollState<usize>, Error> {
            let at = self.clock.now().duration_since(start()).unwrap();
            let n = {
                let mut times = self.times.lock().unwrap();
                times.push(at.as_millis());
                times.len()
            };
            Ok(match (self.answer)(n, at) {
                Some(progress) => PollState::Pending(progress),
                None => PollState::Done(n),
            })
        }
    }

    fn start() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(T0)
    }

    /// Waits for a [`Scripted`] job with `config`; returns the outcome and the poll
    /// instants in milliseconds since the start.
    async fn scripted(
        config: WaitConfig,
        answer: impl Fn(usize, Duration) -> Option<Progress> + Send + Sync,
    ) -> (Result<usize, Error>, Vec<u128>) {
        let clock = Arc::new(SteppingClock::frozen(start()));
        let times = Arc::new(std::sync::Mutex::new(Vec::new()));
        let target = Scripted {
            clock: clock.clone(),
            times: times.clone(),
            answer,
        };
        let outcome = Waiter::new(target).config(config).clock(clock).wait().await;
        let times = times.lock().unwrap().clone();
        (outcome, times)
    }

    fn running() -> Progress {
        Progress::new("RUNNING")
    }

    /// Issue 15: the default schedule starts short (a poll at once, the next after 500 ms)
    /// and grows by 1.25 to 30 s; the old one waited 2 s before the second poll and grew
    /// by 1.5, so a job was seen done up to half the time waited late.
    #[tokio::test]
    async fn the_default_schedule_polls_at_once_then_after_half_a_second_growing_by_a_quarter() {
        let config = WaitConfig::default().with_timeout(Duration::from_secs(120));
        let (outcome, times) = scripted(config, |_, _| Some(running())).await;
        assert!(
            matches!(outcome, Err(Error::WaitTimedOut(_))),
            "{outcome:?}"
        );
        assert_eq!(
            times,
            vec![
                0, 500, 1125, 1906, 2882, 4103, 5629, 7536, 9920, 12901, 16626, 21283, 27103,
                34379, 43474, 54843, 69054, 86817, 109022, 120000
            ]
        );
        // A 30-minute backup with no hints: 20 polls in the first 2.5 minutes, then one
        // every 30 s, and the last at the deadline (the old default: 66).
        let (_, times) = scripted(WaitConfig::default(), |_, _| Some(running())).await;
        assert_eq!(times.len(), 76);
        assert_eq!(times.last(), Some(&1_800_000));
    }

    /// Issue 15: a job reporting 50 % after 1 s is polled again near 2 s (its predicted
    /// end, plus 5 %), not when the backoff says (5 s here).
    #[tokio::test]
    async fn a_job_half_done_after_one_second_is_polled_again_near_two_seconds() {
        let config = WaitConfig::default()
            .with_intervals(Duration::from_secs(1), Duration::from_secs(30))
            .with_multiplier(4.0);
        let (outcome, times) = scripted(config, |n, _| match n {
            1 => Some(running()),
            2 => Some(running().with_percent_done(50.0)),
            _ => None,
        })
        .await;
        assert_eq!(outcome.unwrap(), 3);
        assert_eq!(times, vec![0, 1000, 2050]);
    }

    /// Issue 15: a job that was already half done when the wait began is predicted from
    /// how fast its percentage moves between polls, not from the time waited.
    #[tokio::test]
    async fn a_percentage_is_read_as_a_rate_between_polls() {
        let config = WaitConfig::default()
            .with_intervals(Duration::from_secs(1), Duration::from_secs(30))
            .with_multiplier(10.0);
        // 50 % at 0 s, 60 % at 1 s: 10 % a second, done at 5 s.
        let (outcome, times) = scripted(config, |_, at| {
            let percent = 50.0 + 10.0 * at.as_secs_f64();
            (percent < 100.0).then(|| running().with_percent_done(percent))
        })
        .await;
        assert_eq!(outcome.unwrap(), 3);
        assert_eq!(times, vec![0, 1000, 5200]);
    }

    /// Issue 15: a hostile hint never makes a pause shorter than `min_interval`, longer
    /// than the backoff, or past the deadline, and never panics: 0 %, 100 %, NaN,
    /// negative, infinite and huge percentages and estimates fall back to the backoff.
    #[tokio::test]
    async fn hostile_hints_are_clamped_between_the_floor_and_the_backoff() {
        let config = WaitConfig::default()
            .with_intervals(Duration::from_secs(1), Duration::from_secs(30))
            .with_multiplier(2.0)
            .with_min_interval(Duration::from_millis(100));
        let percent = |p: f64| {
            let mut progress = running();
            progress.percent_done = Some(p); // as a careless vendor crate could set it
            progress
        };
        let cases: Vec<(&str, Progress, u128)> = vec![
            ("no hint", running(), 2000),
            ("0 %", percent(0.0), 2000),
            ("100 % but running", percent(100.0), 2000),
            ("NaN", percent(f64::NAN), 2000),
            ("negative", percent(-5.0), 2000),
            ("above 100", percent(1e300), 2000),
            ("infinite", percent(f64::INFINITY), 2000),
            ("tiniest positive", percent(f64::MIN_POSITIVE), 2000),
            ("all but done", percent(99.99999), 100),
            ("half done", percent(50.0), 1050),
            (
                "no time left",
                running().with_estimated_remaining(Duration::ZERO),
                100,
            ),
            (
                "the longest estimate",
                running().with_estimated_remaining(Duration::MAX),
                2000,
            ),
            (
                "500 ms left",
                running().with_estimated_remaining(Duration::from_millis(500)),
                525,
            ),
        ];
        for (name, hint, expected_gap) in cases {
            let (outcome, times) = scripted(config, move |n, _| match n {
                1 => Some(running()),
                2 => Some(hint.clone()),
                _ => None,
            })
            .await;
            assert_eq!(outcome.unwrap(), 3, "{name}");
            assert_eq!(
                times.get(2).zip(times.get(1)).map(|(b, a)| b - a),
                Some(expected_gap),
                "{name}: {times:?}"
            );
        }
        // An estimate past the deadline: the last poll is at the deadline, not after it.
        let (outcome, times) =
            scripted(config.with_timeout(Duration::from_millis(1500)), |_, _| {
                Some(running().with_estimated_remaining(Duration::from_secs(600)))
            })
            .await;
        assert!(
            matches!(outcome, Err(Error::WaitTimedOut(_))),
            "{outcome:?}"
        );
        assert_eq!(times, vec![0, 1000, 1500]);
    }

    /// Issue 15: hints that keep saying "done now" cannot make a busy loop: polls are at
    /// least `min_interval` apart, and every early hint doubles that floor until the
    /// backoff takes over again.
    #[tokio::test]
    async fn hints_that_keep_proving_early_double_the_floor_up_to_the_backoff() {
        let config = WaitConfig::default()
            .with_intervals(Duration::from_secs(1), Duration::from_secs(30))
            .with_multiplier(2.0)
            .with_min_interval(Duration::from_millis(100))
            .with_timeout(Duration::from_secs(90));
        let (outcome, times) = scripted(config, |_, _| {
            Some(
                running()
                    .with_estimated_remaining(Duration::ZERO)
                    .with_percent_done(99.999),
            )
        })
        .await;
        assert!(
            matches!(outcome, Err(Error::WaitTimedOut(_))),
            "{outcome:?}"
        );
        assert_eq!(
            times,
            vec![
                0, 100, 300, 700, 1500, 3100, 6300, 12700, 25500, 51100, 81100, 90000
            ]
        );
    }

    /// A multiplier set straight on the public field to NaN or below 1 keeps the interval
    /// as it is instead of panicking (`Duration::mul_f64` panics on NaN and negatives).
    #[tokio::test]
    async fn a_nonsense_multiplier_keeps_the_interval_instead_of_panicking() {
        for multiplier in [f64::NAN, -1.0, 0.0, f64::INFINITY] {
            let mut config = WaitConfig::default().with_timeout(Duration::from_secs(2));
            config.multiplier = multiplier;
            let (outcome, times) = scripted(config, |_, _| Some(running())).await;
            assert!(
                matches!(outcome, Err(Error::WaitTimedOut(_))),
                "{multiplier}"
            );
            assert_eq!(times, vec![0, 500, 1000, 1500, 2000], "{multiplier}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_waiter_stops_polling() {
        let polls = Arc::new(AtomicU32::new(0));
        let p = polls.clone();
        let config = config();
        let waiter = wait_until::<(), _, _>(
            "job",
            &config,
            move || {
                p.fetch_add(1, Ordering::SeqCst);
                async { Ok(PollState::Pending(Progress::new("RUNNING"))) }
            },
            |_| {},
        );
        let outcome = tokio::time::timeout(Duration::from_millis(2500), waiter).await;
        assert!(outcome.is_err(), "the waiter should still be pending");
        let after_cancel = polls.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(polls.load(Ordering::SeqCst), after_cancel);
        assert_eq!(after_cancel, 2);
    }
}
