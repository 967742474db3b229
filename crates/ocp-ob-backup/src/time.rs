//! OCP timestamps, parsed leniently: the generated types keep them as sent, because OCP
//! writes the offset both as `+08:00` and as `+0800`.

use std::time::SystemTime;

/// Parses an OCP timestamp into a point in time.
///
/// Accepts `YYYY-MM-DDThh:mm:ss` (or a space instead of `T`), optional fractional seconds
/// after `.` (any number of digits; nanoseconds are kept), and an offset `Z`, `±hh:mm`, `±hhmm` or
/// `±hh`. A timestamp without an offset is taken as UTC. `None` when the text is not such
/// a timestamp or names an impossible date or time. This is [`backup_core::time::parse`]
/// with [`TimestampFormat::ISO_8601`](backup_core::time::TimestampFormat::ISO_8601), the
/// parser NCP's timestamps go through too.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let t = ocp_ob_backup::parse_timestamp("2021-09-16T17:25:05.943+0800");
/// assert_eq!(t, Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_631_784_305_943)));
/// assert_eq!(t, ocp_ob_backup::parse_timestamp("2021-09-16T09:25:05.943Z"));
/// ```
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    backup_core::time::parse(text, backup_core::time::TimestampFormat::ISO_8601)
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;
    use std::time::{Duration, SystemTime};

    fn at_millis(ms: i64) -> Option<SystemTime> {
        let d = Duration::from_millis(ms.unsigned_abs());
        Some(if ms >= 0 {
            SystemTime::UNIX_EPOCH + d
        } else {
            SystemTime::UNIX_EPOCH - d
        })
    }

    /// Expected values computed with Python's `datetime.fromisoformat(...).timestamp()`.
    #[test]
    fn both_offset_spellings_and_utc_parse_to_the_same_instant() {
        let cases = [
            ("2021-09-16T17:25:05.943+08:00", 1_631_784_305_943),
            ("2021-09-16T17:25:05.943+0800", 1_631_784_305_943),
            ("2021-09-16T09:25:05.943Z", 1_631_784_305_943),
            ("2021-09-07T14:51:41.135+08:00", 1_630_997_501_135),
            ("2020-12-03T09:38:24.194+08:00", 1_606_959_504_194),
            ("2024-02-29T00:00:00-05:30", 1_709_184_600_000),
            ("2024-02-29 00:00:00-0530", 1_709_184_600_000),
            ("1969-12-31T23:59:59.5Z", -500),
            ("2021-09-16T09:25:05", 1_631_784_305_000),
            ("2021-09-16T17:25:05+08", 1_631_784_305_000),
        ];
        for (text, millis) in cases {
            assert_eq!(parse_timestamp(text), at_millis(millis), "{text}");
        }
        assert_eq!(
            parse_timestamp("2021-09-16T17:25:05.123456789+08:00"),
            Some(SystemTime::UNIX_EPOCH + Duration::new(1_631_784_305, 123_456_789))
        );
    }

    #[test]
    fn malformed_or_impossible_timestamps_are_none() {
        for text in [
            "",
            "2021-09-16",
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-09-16T24:00:00Z",
            "2021-09-16T17:25:05.+08:00",
            "2021-09-16T17:25:05+8",
            "2021-09-16T17:25:05+08:0",
            "2021-09-16T17:25:05 GMT",
            "2021/09/16T17:25:05Z",
            "2021-09-16T17:25:05+25:00",
            "２０２１-09-16T17:25:05Z",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }
}
