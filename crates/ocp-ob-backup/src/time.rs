//! OCP timestamps, parsed leniently: the generated types keep them as sent, because OCP
//! writes the offset both as `+08:00` and as `+0800`.

use std::time::{Duration, SystemTime};

/// Parses an OCP timestamp into a point in time.
///
/// Accepts `YYYY-MM-DDThh:mm:ss` (or a space instead of `T`), optional fractional seconds
/// (any number of digits; nanoseconds are kept), and an offset `Z`, `±hh:mm`, `±hhmm` or
/// `±hh`. A timestamp without an offset is taken as UTC. `None` when the text is not such
/// a timestamp or names an impossible date or time.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let t = ocp_ob_backup::parse_timestamp("2021-09-16T17:25:05.943+0800");
/// assert_eq!(t, Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_631_784_305_943)));
/// assert_eq!(t, ocp_ob_backup::parse_timestamp("2021-09-16T09:25:05.943Z"));
/// ```
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let s = text.trim().as_bytes();
    if s.len() < 19 {
        return None;
    }
    let year = digits(&s[0..4])?;
    let month = digits(&s[5..7])?;
    let day = digits(&s[8..10])?;
    let hour = digits(&s[11..13])?;
    let minute = digits(&s[14..16])?;
    let second = digits(&s[17..19])?;
    if s[4] != b'-' || s[7] != b'-' || !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    if s[13] != b':' || s[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos: u64 = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut scale = 100_000_000u64;
        for &b in &fraction[..n] {
            nanos += u64::from(b - b'0') * scale;
            scale /= 10;
        }
        rest = &fraction[n..];
    }
    let offset_seconds: i64 = match rest {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let magnitude = i64::from(h) * 3600 + i64::from(m) * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    let utc = local - offset_seconds;
    let whole = Duration::from_secs(utc.unsigned_abs());
    if utc >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(whole + Duration::from_nanos(nanos))
    } else {
        SystemTime::UNIX_EPOCH
            .checked_sub(whole)?
            .checked_add(Duration::from_nanos(nanos))
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
