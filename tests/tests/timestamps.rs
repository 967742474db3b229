//! NCP and OCP read ISO 8601 timestamps the same way: the same instant for the same text
//! with an offset, the same dates refused (a 31st of February, a 29th in a common year),
//! and a zoneless time taken in each vendor's zone (KST for NCP, UTC for OCP).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use backup_core::protocol::ncp::parse_timestamp as ncp;
use ocp_ob_backup::parse_timestamp as ocp;

fn at_millis(millis: u64) -> Option<SystemTime> {
    Some(SystemTime::UNIX_EPOCH + Duration::from_millis(millis))
}

/// Expected instants computed with Python's `datetime.fromisoformat(...).timestamp()`.
#[test]
fn ncp_and_ocp_agree_on_timestamps_with_an_offset() {
    let table: &[(&str, Option<SystemTime>)] = &[
        ("2024-07-02T00:00:00+0900", at_millis(1_719_846_000_000)),
        ("2024-07-02T00:00:00+09:00", at_millis(1_719_846_000_000)),
        ("2024-07-01T15:00:00Z", at_millis(1_719_846_000_000)),
        ("2024-07-01T10:00:00-05:00", at_millis(1_719_846_000_000)),
        ("2024-07-02T00:00:00-05:30", at_millis(1_719_898_200_000)),
        ("2024-07-02 00:00:00+0900", at_millis(1_719_846_000_000)),
        // Leap days: every fourth year, not every hundredth, every four-hundredth.
        ("2024-02-29T12:00:00+09:00", at_millis(1_709_175_600_000)),
        ("2000-02-29T00:00:00Z", at_millis(951_782_400_000)),
        ("2023-02-29T00:00:00Z", None),
        ("1900-02-29T00:00:00Z", None),
        ("2100-02-29T00:00:00+0900", None),
        // Days past the end of the month.
        ("2024-02-30T00:00:00+0900", None),
        ("2024-02-31T00:00:00+0900", None),
        ("2024-04-31T00:00:00+09:00", None),
        ("2024-06-31T00:00:00Z", None),
        ("2024-00-10T00:00:00Z", None),
        ("2024-07-00T00:00:00Z", None),
        // Fractions are kept, to the millisecond and beyond.
        ("2021-09-16T17:25:05.943+0800", at_millis(1_631_784_305_943)),
        (
            "2024-12-31T23:59:59.999+09:00",
            at_millis(1_735_657_199_999),
        ),
        (
            "2024-07-02T00:00:00.123456789+09:00",
            Some(SystemTime::UNIX_EPOCH + Duration::new(1_719_846_000, 123_456_789)),
        ),
        ("2024-07-02T00:00:00.+09:00", None),
        ("2024-07-02T00:00:00,5+09:00", None),
        // Impossible times and offsets.
        ("2024-07-02T24:00:00Z", None),
        ("2024-07-02T00:60:00Z", None),
        ("2024-07-02T00:00:00+24:00", None),
        ("2024-07-02T00:00:00+09:60", None),
        ("2024-07-02T00:00:00+9", None),
        ("2024-07-02T00:00:00+0:900", None),
        ("2024-07-02T00:00:00 +09:00", None),
        ("2024-07-02T00:00:00+09:00junk", None),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in table {
        let (n, o) = (ncp(text), ocp(text));
        if n != *expected || o != *expected {
            wrong.push(format!(
                "{text}: expected {expected:?}, NCP {n:?}, OCP {o:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_zoneless_time_is_kst_for_ncp_and_utc_for_ocp() {
    for text in [
        "2024-07-02T00:00:00",
        "2024-02-29 23:59:59",
        "2024-07-02T00:00:00.250",
    ] {
        assert_eq!(ncp(text), ocp(&format!("{text}+09:00")), "{text}");
        assert_eq!(ocp(text), ocp(&format!("{text}Z")), "{text}");
        assert!(ncp(text).is_some(), "{text}");
    }
    for text in ["2023-02-29T00:00:00", "2024-02-31 00:00:00"] {
        assert_eq!((ncp(text), ocp(text)), (None, None), "{text}");
    }
}
