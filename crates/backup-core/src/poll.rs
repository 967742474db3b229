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
    /// Delay before the second poll. Default 2 s.
    pub initial_interval: Duration,
    /// Longest delay between polls. Default 30 s.
    pub max_interval: Duration,
    /// Growth of the delay after each poll. Default 1.5.
    pub multiplier: f64,
    /// Give up after this long. Default 30 minutes.
    pub timeout: Duration,
}

impl Default for WaitConfig {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
            timeout: Duration::from_secs(30 * 60),
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Default: [`WaitConfig::default`] (2 s growing to 30 s, 30 minutes).
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
    let mut interval = config.initial_interval;
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
        timeline.sleep(interval.min(remaining)).await;
        interval = interval.mul_f64(config.multiplier).min(config.max_interval);
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
