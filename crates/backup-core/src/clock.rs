//! Where signing time comes from. Production uses the system clock; tests freeze it so
//! that signatures and snapshots are reproducible.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// A source of wall-clock time for signing, and of the pauses between a waiter's polls.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// Waits for `duration` to pass on this clock. The default sleeps on tokio's timer; a
    /// [`SteppingClock`] moves itself forward instead, so that a test of waiting takes no
    /// real time.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that starts at a fixed instant and advances by a fixed step each time it is read.
///
/// A step of zero freezes time (for snapshots); a non-zero step gives every signing attempt
/// a distinct timestamp (for proving that retries re-sign). [`Clock::sleep`] on it returns
/// at once, having moved the clock forward by the duration: a waiter driven by it polls on
/// the clock's time alone.
#[derive(Debug)]
pub struct SteppingClock {
    next: Mutex<SystemTime>,
    step: Duration,
}

impl SteppingClock {
    /// A clock frozen at `at`.
    pub fn frozen(at: SystemTime) -> Self {
        Self::stepping(at, Duration::ZERO)
    }

    /// A clock that returns `start`, then `start + step`, and so on.
    pub fn stepping(start: SystemTime, step: Duration) -> Self {
        Self {
            next: Mutex::new(start),
            step,
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> SystemTime {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = *next;
        *next = now + self.step;
        now
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *next += duration;
        Box::pin(std::future::ready(()))
    }
}

/// Milliseconds since the Unix epoch; times before the epoch count as zero.
pub fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch; times before the epoch count as zero.
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The civil UTC date and time of `time`: (year, month, day, hour, minute, second).
pub fn utc_fields(time: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = unix_seconds(time) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_fields_match_known_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_591_583_940); // 2020-06-08T02:39:00Z
        assert_eq!(utc_fields(t), (2020, 6, 8, 2, 39, 0));
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29T00:00:00Z
        assert_eq!(utc_fields(t), (2000, 2, 29, 0, 0, 0));
        assert_eq!(utc_fields(SystemTime::UNIX_EPOCH), (1970, 1, 1, 0, 0, 0));
    }

    #[test]
    fn stepping_clock_advances_and_frozen_does_not() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        let c = SteppingClock::stepping(start, Duration::from_millis(5));
        assert_eq!(unix_millis(c.now()), 10_000);
        assert_eq!(unix_millis(c.now()), 10_005);
        let f = SteppingClock::frozen(start);
        assert_eq!(f.now(), f.now());
    }

    #[tokio::test]
    async fn sleeping_on_a_stepping_clock_moves_it_instead_of_waiting() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        let c = SteppingClock::frozen(start);
        let real = std::time::Instant::now();
        c.sleep(Duration::from_secs(3600)).await;
        assert_eq!(c.now(), start + Duration::from_secs(3600));
        assert!(
            real.elapsed() < Duration::from_secs(60),
            "it slept for real"
        );
    }
}
