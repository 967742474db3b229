//! Waiting for long-running backups: poll a status function with backoff until it reports
//! an end state or a deadline passes, reporting progress on the way.
//!
//! The waiter spawns nothing and holds no locks across awaits, so dropping its future
//! (a `select!`, a timeout, Ctrl-C) cancels it cleanly: no poll is sent afterwards.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

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
pub enum PollState<T> {
    /// Still running.
    Pending(Progress),
    /// Finished successfully with this result.
    Done(T),
}

/// Polls `poll` until it returns [`PollState::Done`] or an error, or `config.timeout` passes.
///
/// A job that ends in failure is reported by `poll` returning an error
/// ([`Error::JobFailed`]). Every pending state is passed to `on_progress`. `what` names the
/// job in the timeout error.
pub async fn wait_until<T, F, Fut>(
    what: &str,
    config: &WaitConfig,
    mut poll: F,
    mut on_progress: impl FnMut(&Progress),
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PollState<T>, Error>>,
{
    let started = Instant::now();
    let deadline = started + config.timeout;
    let mut interval = config.initial_interval;
    let mut polls = 0u32;
    let mut last_state = None;
    loop {
        polls += 1;
        // A poll whose request hangs (or retries) must not carry the wait past its
        // deadline: the poll is a read, so abandoning it there is harmless.
        let Ok(answer) = tokio::time::timeout_at(deadline, poll()).await else {
            return Err(WaitTimedOut::new(what, started.elapsed(), last_state).into());
        };
        let mut progress = match answer? {
            PollState::Done(value) => return Ok(value),
            PollState::Pending(progress) => progress,
        };
        last_state = Some(progress.state.clone());
        progress.elapsed = started.elapsed();
        progress.polls = polls;
        on_progress(&progress);
        let now = Instant::now();
        if now >= deadline {
            return Err(WaitTimedOut::new(what, progress.elapsed, Some(progress.state)).into());
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = interval.mul_f64(config.multiplier).min(config.max_interval);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

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
    use std::sync::Arc;
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
