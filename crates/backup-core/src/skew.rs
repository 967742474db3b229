//! Clock-skew correction: learning how far the local clock is from a vendor's, from the
//! `Date` of a response that rejected a request's signing time.
//!
//! Every signing scheme but HTTP Basic and IAM tokens stamps the request with the local
//! time, and the gateways refuse a time too far from theirs (NCP 5 minutes, Huawei APIG and
//! OCP 15). A rejected signature means the request was not processed, so
//! [`ServiceClient`](crate::ServiceClient) may re-sign it with the server's time and send it
//! once more, even a create. It does so at most once per call, when the vendor's classifier
//! calls the error a possible skew rejection ([`SkewSignal`]) and the response's `Date`
//! confirms the clocks disagree, and keeps the offset for later calls (clones share it).
//!
//! The offset is measured as smithy-rs and aws-sdk-js-v3 do: the server's `Date` minus the
//! midpoint of the local send and receive times, and not at all when the response carries
//! an `Age` (a cache answered) or the round trip took too long to tell.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use crate::HttpResponse;
use crate::time::{self, TimestampFormat};

/// What a vendor's error says about the request's signing time; see
/// [`ClassifyResponse::skew_signal`](crate::ClassifyResponse::skew_signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkewSignal {
    /// The error says in so many words that the signing time is out of the server's range
    /// (Huawei APIG's "signature expired"). The clock is corrected when the response's
    /// `Date` is more than [`STATED_MIN_DISCREPANCY`] from the signing time.
    Stated,
    /// A generic authentication failure that a skewed clock also causes (NCP's gateway code
    /// 200, OCP's 401). It counts as skew only when the response's `Date` is further from
    /// the signing time than `window` (the vendor's documented tolerance) less
    /// [`WINDOW_MARGIN`]: with clocks that agree, a wrong secret fails as before.
    Possible {
        /// How far the vendor lets a signing time be from its clock.
        window: Duration,
    },
}

/// The least discrepancy corrected after a [`SkewSignal::Stated`] rejection: a `Date` has a
/// resolution of one second, and a discrepancy this small cannot have caused the rejection.
pub const STATED_MIN_DISCREPANCY: Duration = Duration::from_secs(60);

/// How much less than a vendor's window a discrepancy must be to rule out skew after a
/// [`SkewSignal::Possible`] rejection (AWS's SDKs use 4 minutes for a 5-minute window).
pub const WINDOW_MARGIN: Duration = Duration::from_secs(60);

/// A round trip longer than this says nothing reliable about the server's clock.
const MAX_ROUND_TRIP: Duration = Duration::from_secs(15 * 60);

/// The correction added to the local clock when signing, in milliseconds (positive: the
/// server is ahead). Shared by a client's clones.
#[derive(Debug, Default)]
pub(crate) struct ClockOffset(AtomicI64);

impl ClockOffset {
    pub(crate) fn millis(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn set_millis(&self, millis: i64) {
        self.0.store(millis, Ordering::Relaxed);
    }
}

/// `time` moved by `offset_millis`, saturating at the epoch and far future.
pub(crate) fn shifted(time: SystemTime, offset_millis: i64) -> SystemTime {
    let by = Duration::from_millis(offset_millis.unsigned_abs());
    if offset_millis >= 0 {
        time.checked_add(by).unwrap_or(time)
    } else {
        time.checked_sub(by)
            .filter(|t| *t >= SystemTime::UNIX_EPOCH)
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// The server's time minus the midpoint of `sent` and `received` (both on the clock the
/// request was signed with), in milliseconds, when `response` has a usable `Date`.
pub(crate) fn discrepancy_millis(
    response: &HttpResponse,
    sent: SystemTime,
    received: SystemTime,
) -> Option<i64> {
    if response.header("age").is_some() {
        // A cache answered: its Date is when the response was first made, not now.
        return None;
    }
    let round_trip = received.duration_since(sent).unwrap_or_default();
    if round_trip > MAX_ROUND_TRIP {
        return None;
    }
    let server = time::parse(
        response.header("date")?,
        TimestampFormat::ISO_8601.http_date(true),
    )?;
    let midpoint = sent + round_trip / 2;
    Some(match server.duration_since(midpoint) {
        Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
        Err(behind) => i64::try_from(behind.duration().as_millis())
            .map(|m| -m)
            .unwrap_or(i64::MIN),
    })
}

/// The discrepancy to correct after a rejection with `signal`, or `None` when it is too
/// small to have caused the rejection (or cannot be measured).
pub(crate) fn correction_millis(
    signal: SkewSignal,
    response: &HttpResponse,
    sent: SystemTime,
    received: SystemTime,
) -> Option<i64> {
    let discrepancy = discrepancy_millis(response, sent, received)?;
    let threshold = match signal {
        SkewSignal::Stated => STATED_MIN_DISCREPANCY,
        SkewSignal::Possible { window } => window.saturating_sub(WINDOW_MARGIN),
    };
    let threshold = i64::try_from(threshold.as_millis()).unwrap_or(i64::MAX);
    (discrepancy.unsigned_abs() > threshold.unsigned_abs()).then_some(discrepancy)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn with_date(date: SystemTime, extra: &[(&str, &str)]) -> HttpResponse {
        let mut headers = vec![("date".to_owned(), crate::time::format_http_date(date))];
        headers.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        HttpResponse {
            status: 401,
            headers,
            ..HttpResponse::default()
        }
    }

    #[test]
    fn discrepancy_is_the_server_date_minus_the_round_trip_midpoint() {
        // Sent at T0, received 4 s later: the midpoint is T0 + 2.
        let response = with_date(at(T0 + 600 + 2), &[]);
        assert_eq!(
            discrepancy_millis(&response, at(T0), at(T0 + 4)),
            Some(600_000)
        );
        let behind = with_date(at(T0 - 600 + 2), &[]);
        assert_eq!(
            discrepancy_millis(&behind, at(T0), at(T0 + 4)),
            Some(-600_000)
        );
    }

    #[test]
    fn no_discrepancy_without_a_usable_date() {
        let sent = at(T0);
        let no_date = HttpResponse::default();
        assert_eq!(discrepancy_millis(&no_date, sent, sent), None);
        let garbage = HttpResponse {
            headers: vec![("date".into(), "yesterday".into())],
            ..HttpResponse::default()
        };
        assert_eq!(discrepancy_millis(&garbage, sent, sent), None);
        let cached = with_date(at(T0 + 600), &[("age", "30")]);
        assert_eq!(discrepancy_millis(&cached, sent, sent), None);
        let slow = with_date(at(T0 + 600), &[]);
        assert_eq!(discrepancy_millis(&slow, sent, at(T0 + 16 * 60)), None);
    }

    #[test]
    fn a_possible_rejection_is_skew_only_near_the_window() {
        let five = SkewSignal::Possible {
            window: Duration::from_secs(300),
        };
        let sent = at(T0);
        // 4 min 30 s is past the 5-minute window less the one-minute margin.
        let skewed = with_date(at(T0 + 270), &[]);
        assert_eq!(correction_millis(five, &skewed, sent, sent), Some(270_000));
        // 3 minutes cannot explain a rejection by a 5-minute window.
        let agreeing = with_date(at(T0 + 180), &[]);
        assert_eq!(correction_millis(five, &agreeing, sent, sent), None);
        let fifteen = SkewSignal::Possible {
            window: Duration::from_secs(900),
        };
        let ten_minutes = with_date(at(T0 - 600), &[]);
        assert_eq!(correction_millis(fifteen, &ten_minutes, sent, sent), None);
        let twenty = with_date(at(T0 - 1200), &[]);
        assert_eq!(
            correction_millis(fifteen, &twenty, sent, sent),
            Some(-1_200_000)
        );
    }

    #[test]
    fn a_stated_rejection_needs_a_real_discrepancy() {
        let sent = at(T0);
        let same = with_date(at(T0), &[]);
        assert_eq!(
            correction_millis(SkewSignal::Stated, &same, sent, sent),
            None
        );
        let off = with_date(at(T0 + 120), &[]);
        assert_eq!(
            correction_millis(SkewSignal::Stated, &off, sent, sent),
            Some(120_000)
        );
    }

    #[test]
    fn shifting_saturates() {
        assert_eq!(shifted(at(10), -20_000), SystemTime::UNIX_EPOCH);
        assert_eq!(shifted(at(10), 5_000), at(15));
        assert_eq!(shifted(at(10), -5_000), at(5));
    }
}
