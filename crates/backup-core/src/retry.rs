//! When to retry, how long to wait, and how much retrying one client may do.
//!
//! The rules, in order of precedence:
//! 1. A failure before the request was sent (connection refused, DNS, TLS handshake) and
//!    an explicit "not processed" answer (throttling, a vendor's documented "try again")
//!    are retried for every operation.
//! 2. A failure that may have reached the server (a read timeout, a connection reset
//!    after sending, a 5xx not documented as "not processed") is retried only for
//!    idempotent operations. For other operations it becomes
//!    [`Error::AmbiguousOutcome`](crate::Error::AmbiguousOutcome) at once: repeating a
//!    backup request that may have worked could start a second backup.
//! 3. Everything else (authentication, bad input, not found) is never retried.
//!
//! Retries wait with exponential backoff and full jitter, at least as long as a
//! `Retry-After`/`RateLimit-Reset` the server sent, and draw from a token bucket shared by
//! the client, so a failing endpoint is not hammered by many concurrent callers.

use std::sync::Mutex;
use std::time::Duration;

use crate::{Retryability, ServiceError, ServiceErrorKind};

/// How many attempts, how long between them, and how much retry budget a client has.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, the first included. `1` disables retries. Default 3.
    pub max_attempts: u32,
    /// Base delay before the first retry of a non-throttling failure. Default 200 ms.
    pub initial_backoff: Duration,
    /// Base delay before the first retry after throttling. Default 1 s.
    pub throttling_backoff: Duration,
    /// Cap on any computed backoff. Default 20 s.
    pub max_backoff: Duration,
    /// The longest server-requested delay (`Retry-After`) the client will honour; a longer
    /// one ends the retries and returns the throttling error. Default 60 s.
    pub max_server_delay: Duration,
    /// Whether to randomise delays (full jitter). Turn off only in tests.
    pub jitter: bool,
    /// Capacity of the client's retry budget, in tokens. Default 500.
    pub budget_capacity: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            throttling_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            max_server_delay: Duration::from_secs(60),
            jitter: true,
            budget_capacity: 500,
        }
    }
}

impl RetryConfig {
    /// The defaults.
    pub fn standard() -> Self {
        Self::default()
    }

    /// One attempt, no retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the base delays for ordinary and throttling failures.
    pub fn with_backoff(mut self, initial: Duration, throttling: Duration) -> Self {
        self.initial_backoff = initial;
        self.throttling_backoff = throttling;
        self
    }

    /// Sets the cap on computed delays.
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// Sets the longest server-requested delay to honour.
    pub fn with_max_server_delay(mut self, max: Duration) -> Self {
        self.max_server_delay = max;
        self
    }

    /// Turns jitter on or off.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the retry budget's capacity in tokens.
    pub fn with_budget_capacity(mut self, tokens: u32) -> Self {
        self.budget_capacity = tokens;
        self
    }

    /// The delay before retry number `retry` (1 for the first retry), honouring a server
    /// hint. `None` means the hint is longer than [`RetryConfig::max_server_delay`]: do not retry.
    pub fn delay(
        &self,
        retry: u32,
        throttled: bool,
        server_hint: Option<Duration>,
    ) -> Option<Duration> {
        if let Some(hint) = server_hint
            && hint > self.max_server_delay
        {
            return None;
        }
        let base = if throttled {
            self.throttling_backoff
        } else {
            self.initial_backoff
        };
        let exponent = retry.saturating_sub(1).min(30);
        let capped = base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        let backoff = if self.jitter {
            capped.mul_f64(unit_random())
        } else {
            capped
        };
        Some(match server_hint {
            Some(hint) => hint.max(backoff),
            None => backoff,
        })
    }
}

/// A number in `[0, 1)` for full jitter. std's `RandomState` is seeded at random once per
/// process and gives every new instance other keys, which is all jitter needs: no
/// random-number crate in every user's build for one call site.
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    // The top 53 bits, as many as an f64 mantissa holds exactly.
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Tokens a retry costs, by what failed.
pub(crate) const RETRY_COST: u32 = 5;
/// Timeouts cost more: they hold connections and may mean an overloaded server.
pub(crate) const TIMEOUT_RETRY_COST: u32 = 10;
/// Tokens a success returns.
pub(crate) const SUCCESS_REFUND: u32 = 1;

/// A token bucket shared by one client: each retry takes tokens, each success returns one.
/// When it runs dry, failures are returned instead of retried.
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    tokens: Mutex<u32>,
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            capacity,
            tokens: Mutex::new(capacity),
        }
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_acquire(&self, cost: u32) -> bool {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if *tokens >= cost {
            *tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Returns `amount` tokens, up to the capacity.
    pub fn refund(&self, amount: u32) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        *tokens = (*tokens + amount).min(self.capacity);
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AttemptFailure<'a> {
    /// Nothing reached the server.
    NotSent,
    /// The request may have reached the server; `timeout` when a timer fired.
    MaybeSent { timeout: bool },
    /// The server answered with an error.
    Service(&'a ServiceError),
}

/// The verdict on a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Retry, if attempts and budget allow, paying this many tokens.
    Retry { cost: u32, throttled: bool },
    /// Stop: the outcome of a non-idempotent operation is unknown.
    Ambiguous,
    /// Stop and return the failure.
    Fail,
}

pub(crate) fn verdict(failure: AttemptFailure<'_>, idempotent: bool) -> Verdict {
    match failure {
        AttemptFailure::NotSent => Verdict::Retry {
            cost: RETRY_COST,
            throttled: false,
        },
        AttemptFailure::MaybeSent { timeout } if idempotent => Verdict::Retry {
            cost: if timeout {
                TIMEOUT_RETRY_COST
            } else {
                RETRY_COST
            },
            throttled: false,
        },
        AttemptFailure::MaybeSent { .. } => Verdict::Ambiguous,
        AttemptFailure::Service(e) => match e.retryability {
            Retryability::No => Verdict::Fail,
            Retryability::Safe => Verdict::Retry {
                cost: RETRY_COST,
                throttled: e.kind == ServiceErrorKind::Throttling,
            },
            Retryability::IfIdempotent if idempotent => Verdict::Retry {
                cost: RETRY_COST,
                throttled: false,
            },
            Retryability::IfIdempotent => Verdict::Ambiguous,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(kind: ServiceErrorKind, retryability: Retryability) -> ServiceError {
        ServiceError::new(500, kind, retryability)
    }

    #[test]
    fn not_sent_is_always_retried() {
        for idempotent in [true, false] {
            assert!(matches!(
                verdict(AttemptFailure::NotSent, idempotent),
                Verdict::Retry { .. }
            ));
        }
    }

    #[test]
    fn maybe_sent_is_retried_only_when_idempotent() {
        assert_eq!(
            verdict(AttemptFailure::MaybeSent { timeout: true }, true),
            Verdict::Retry {
                cost: TIMEOUT_RETRY_COST,
                throttled: false
            }
        );
        assert_eq!(
            verdict(AttemptFailure::MaybeSent { timeout: true }, false),
            Verdict::Ambiguous
        );
    }

    #[test]
    fn service_errors_follow_their_retryability() {
        let throttled = service(ServiceErrorKind::Throttling, Retryability::Safe);
        assert_eq!(
            verdict(AttemptFailure::Service(&throttled), false),
            Verdict::Retry {
                cost: RETRY_COST,
                throttled: true
            }
        );
        let server = service(ServiceErrorKind::Server, Retryability::IfIdempotent);
        assert!(matches!(
            verdict(AttemptFailure::Service(&server), true),
            Verdict::Retry { .. }
        ));
        assert_eq!(
            verdict(AttemptFailure::Service(&server), false),
            Verdict::Ambiguous
        );
        let auth = service(ServiceErrorKind::Authentication, Retryability::No);
        assert_eq!(verdict(AttemptFailure::Service(&auth), true), Verdict::Fail);
    }

    #[test]
    fn delay_grows_exponentially_to_the_cap_and_honours_hints() {
        let c = RetryConfig::default()
            .with_jitter(false)
            .with_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .with_max_backoff(Duration::from_millis(350));
        assert_eq!(c.delay(1, false, None), Some(Duration::from_millis(100)));
        assert_eq!(c.delay(2, false, None), Some(Duration::from_millis(200)));
        assert_eq!(c.delay(3, false, None), Some(Duration::from_millis(350)));
        assert_eq!(c.delay(40, false, None), Some(Duration::from_millis(350)));
        // A server hint is a floor...
        assert_eq!(
            c.delay(1, true, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        // ...unless it is longer than we are willing to wait.
        assert_eq!(c.delay(1, true, Some(Duration::from_secs(3600))), None);
    }

    #[test]
    fn jitter_is_spread_over_the_unit_interval() {
        let samples: Vec<f64> = (0..400).map(|_| unit_random()).collect();
        assert!(samples.iter().all(|x| (0.0..1.0).contains(x)));
        let mut tenths = [0usize; 10];
        for x in &samples {
            tenths[(x * 10.0) as usize] += 1;
        }
        // 40 expected per tenth; a stuck or biased source leaves some nearly empty.
        assert!(tenths.iter().all(|&n| n >= 15), "{tenths:?}");
    }

    #[test]
    fn jittered_delay_stays_within_the_exponential_bound() {
        let c =
            RetryConfig::default().with_backoff(Duration::from_millis(100), Duration::from_secs(1));
        for retry in 1..6 {
            let bound = Duration::from_millis(100 * (1 << (retry - 1))).min(c.max_backoff);
            for _ in 0..100 {
                let d = c.delay(retry, false, None).unwrap_or_default();
                assert!(d <= bound, "{d:?} > {bound:?}");
            }
        }
    }

    #[test]
    fn budget_runs_dry_and_refills_to_capacity() {
        let b = RetryBudget::new(10);
        assert!(b.try_acquire(5));
        assert!(b.try_acquire(5));
        assert!(!b.try_acquire(5));
        b.refund(100);
        assert_eq!(b.available(), 10);
    }
}
