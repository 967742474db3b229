//! Timestamps as the vendors write them, read by one parser.
//!
//! Every vendor writes ISO 8601 (`2024-07-02T00:00:00+0900`, `2021-09-16T17:25:05.943+08:00`,
//! `2020-06-08T02:39:00.000000Z`), and some add forms of their own: NCP also sends compact
//! dates (`20240702`, `20240702153000`) and Unix times. They differ too in what a time
//! without an offset means. A [`TimestampFormat`] says which forms to accept and which zone
//! a zoneless time is in; [`parse`] reads them all with the same rules: the day must exist
//! in its month (`2024-02-29` does, `2023-02-29` and `2024-02-31` do not), fractions of a
//! second are kept to the nanosecond, and anything else, including text that merely starts
//! like a timestamp, is `None`.
//!
//! The text comes from servers, so the parser walks it as bytes with checked splits:
//! whatever it holds (a multi-byte character anywhere, a cut-off value), the answer is
//! `None`, never a panic.
//!
//! ```
//! use backup_core::time::{self, TimestampFormat};
//! use std::time::{Duration, SystemTime};
//!
//! let kst = time::parse("2024-07-02T00:00:00+0900", TimestampFormat::ISO_8601);
//! assert_eq!(kst, Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_719_846_000)));
//! assert_eq!(kst, time::parse("2024-07-01T15:00:00Z", TimestampFormat::ISO_8601));
//! assert_eq!(kst, time::parse("20240702", TimestampFormat::NCP));
//! assert_eq!(time::parse("2024-02-31T00:00:00Z", TimestampFormat::ISO_8601), None);
//! assert_eq!(time::parse("2024-07-0é", TimestampFormat::NCP), None);
//! ```

use std::time::{Duration, SystemTime};

/// Which timestamp forms [`parse`] accepts, and the zone of a time written without one.
///
/// Always accepted: `YYYY-MM-DDThh:mm:ss` (`T`, `t` or a space between date and time), an
/// optional fraction of a second after a `.` (at least one digit, kept to the nanosecond;
/// ISO 8601's `,` is refused, as RFC 3339 does), and an optional offset `Z`, `z`,
/// `±hh:mm`, `±hhmm` or `±hh` (hours up to 23, minutes up to 59), with nothing after it.
/// Leading and trailing whitespace is ignored. The other forms are opt-in through the
/// builder methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimestampFormat {
    zoneless_offset_seconds: i32,
    date_only: bool,
    without_seconds: bool,
    compact: bool,
    unix: bool,
    http_date: bool,
}

impl TimestampFormat {
    /// ISO 8601 date and time, seconds required; a time without an offset is UTC. What OCP
    /// and Huawei IAM send.
    pub const ISO_8601: Self = Self {
        zoneless_offset_seconds: 0,
        date_only: false,
        without_seconds: false,
        compact: false,
        unix: false,
        http_date: false,
    };

    /// What NCP services send: ISO 8601, also without seconds or as a bare date, compact
    /// (`20240702`, `20240702153000`), or Unix time in seconds (10 digits) or milliseconds
    /// (13 digits). A time without an offset is Korea Standard Time (UTC+9), the zone every
    /// NCP example uses.
    pub const NCP: Self = Self::ISO_8601
        .zoneless_offset(9 * 3600)
        .date_only(true)
        .without_seconds(true)
        .compact(true)
        .unix(true);

    /// The offset east of UTC, in seconds, of a time written without one (and of a bare or
    /// compact date, which is taken at midnight). `0` is UTC.
    #[must_use]
    pub const fn zoneless_offset(mut self, seconds_east_of_utc: i32) -> Self {
        self.zoneless_offset_seconds = seconds_east_of_utc;
        self
    }

    /// Whether a bare date `YYYY-MM-DD` is accepted (as midnight).
    #[must_use]
    pub const fn date_only(mut self, accept: bool) -> Self {
        self.date_only = accept;
        self
    }

    /// Whether `hh:mm` without seconds is accepted.
    #[must_use]
    pub const fn without_seconds(mut self, accept: bool) -> Self {
        self.without_seconds = accept;
        self
    }

    /// Whether the compact `YYYYMMDD` and `YYYYMMDDhhmmss` are accepted (no offset).
    #[must_use]
    pub const fn compact(mut self, accept: bool) -> Self {
        self.compact = accept;
        self
    }

    /// Whether Unix time is accepted: 10 digits of seconds or 13 of milliseconds.
    #[must_use]
    pub const fn unix(mut self, accept: bool) -> Self {
        self.unix = accept;
        self
    }

    /// Whether an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 and
    /// asctime forms) is accepted.
    #[must_use]
    pub const fn http_date(mut self, accept: bool) -> Self {
        self.http_date = accept;
        self
    }
}

impl Default for TimestampFormat {
    /// [`TimestampFormat::ISO_8601`].
    fn default() -> Self {
        Self::ISO_8601
    }
}

/// `time` as an HTTP-date (RFC 7231's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`): what a
/// `Date` header holds.
///
/// Times outside what the format can express are clamped: before the Unix epoch to the
/// epoch, after 9999-12-31T23:59:59Z to that instant.
pub fn format_http_date(time: SystemTime) -> String {
    const LAST: Duration = Duration::from_secs(253_402_300_799);
    let time = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) if since <= LAST => time,
        Ok(_) => SystemTime::UNIX_EPOCH + LAST,
        Err(_) => SystemTime::UNIX_EPOCH,
    };
    httpdate::fmt_http_date(time)
}

/// Reads an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) and nothing
/// else; surrounding whitespace is ignored. For a header that may hold other forms too, use
/// [`parse`] with [`TimestampFormat::http_date`].
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(text.trim()).ok()
}

/// Reads ISO 8601's basic format in UTC, `YYYYMMDDThhmmssZ` (`20240101T000000Z`): Huawei's
/// `X-Sdk-Date`, as [`crate::sign::huawei::format_sdk_date`] writes it. Nothing else is
/// accepted; surrounding whitespace is ignored.
pub fn parse_basic_utc(text: &str) -> Option<SystemTime> {
    let (date, time) = text.trim().split_once('T')?;
    let time = time.strip_suffix('Z')?;
    if date.len() != 8 || time.len() != 6 {
        return None;
    }
    let digits = format!("{date}{time}");
    parse_all_digits(digits.as_bytes(), TimestampFormat::ISO_8601.compact(true))
}

/// `time` in ISO 8601's extended format, UTC, with `fraction_digits` digits of the second
/// (0 to 9; more are written as 9) and `utc_suffix` after it: `"Z"`, `"+00:00"`, `"+0000"`,
/// or `""` for a zoneless time, as a vendor spells it.
///
/// ```
/// use backup_core::time::format_iso8601;
/// use std::time::{Duration, SystemTime};
///
/// let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_591_583_940_123);
/// assert_eq!(format_iso8601(t, 0, "Z"), "2020-06-08T02:39:00Z");
/// assert_eq!(format_iso8601(t, 3, "+00:00"), "2020-06-08T02:39:00.123+00:00");
/// assert_eq!(format_iso8601(t, 6, "Z"), "2020-06-08T02:39:00.123000Z");
/// ```
pub fn format_iso8601(time: SystemTime, fraction_digits: usize, utc_suffix: &str) -> String {
    let (year, month, day, hour, minute, second) = crate::clock::utc_fields(time);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if fraction_digits > 0 {
        let nanos = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let all = format!("{nanos:09}");
        out.push('.');
        out.extend(all.chars().take(fraction_digits.min(9)));
    }
    out.push_str(utc_suffix);
    out
}

/// Reads `text` as a point in time in one of the forms `format` accepts; `None` when it is
/// none of them or names a date or time that does not exist. See the [module](self) docs.
pub fn parse(text: &str, format: TimestampFormat) -> Option<SystemTime> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return if format.http_date {
            parse_http_date(text)
        } else {
            None
        };
    }
    if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
        return parse_all_digits(bytes, format);
    }
    parse_iso_8601(bytes, format)
}

/// The compact and Unix forms: `text` is all ASCII digits.
fn parse_all_digits(text: &[u8], format: TimestampFormat) -> Option<SystemTime> {
    let mut cursor = Cursor(text);
    match text.len() {
        10 | 13 if format.unix => {
            let number: u64 = std::str::from_utf8(text).ok()?.parse().ok()?;
            let since_epoch = if text.len() == 13 {
                Duration::from_millis(number)
            } else {
                Duration::from_secs(number)
            };
            SystemTime::UNIX_EPOCH.checked_add(since_epoch)
        }
        8 | 14 if format.compact => {
            let date = Date::new(cursor.digits(4)?, cursor.digits(2)?, cursor.digits(2)?)?;
            let time = if cursor.is_empty() {
                TimeOfDay::MIDNIGHT
            } else {
                TimeOfDay::new(cursor.digits(2)?, cursor.digits(2)?, cursor.digits(2)?, 0)?
            };
            instant(date, time, format.zoneless_offset_seconds)
        }
        _ => None,
    }
}

fn parse_iso_8601(text: &[u8], format: TimestampFormat) -> Option<SystemTime> {
    let mut cursor = Cursor(text);
    let year = cursor.digits(4)?;
    cursor.expect(b"-")?;
    let month = cursor.digits(2)?;
    cursor.expect(b"-")?;
    let date = Date::new(year, month, cursor.digits(2)?)?;
    if cursor.is_empty() {
        if !format.date_only {
            return None;
        }
        return instant(date, TimeOfDay::MIDNIGHT, format.zoneless_offset_seconds);
    }
    cursor.expect(b"Tt ")?;
    let hour = cursor.digits(2)?;
    cursor.expect(b":")?;
    let minute = cursor.digits(2)?;
    let time = if cursor.expect(b":").is_some() {
        let second = cursor.digits(2)?;
        let nanos = if cursor.expect(b".").is_some() {
            cursor.fraction_as_nanos()?
        } else {
            0
        };
        TimeOfDay::new(hour, minute, second, nanos)?
    } else if format.without_seconds {
        TimeOfDay::new(hour, minute, 0, 0)?
    } else {
        return None;
    };
    let offset = match cursor.expect(b"Zz+-") {
        None => format.zoneless_offset_seconds,
        Some(b'Z' | b'z') => 0,
        Some(sign) => {
            let hours = cursor.digits(2)?;
            let minutes = if cursor.is_empty() {
                0
            } else {
                // `+hh:mm` and `+hhmm`.
                let _ = cursor.expect(b":");
                cursor.digits(2)?
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let east = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if sign == b'-' { -east } else { east }
        }
    };
    if !cursor.is_empty() {
        return None;
    }
    instant(date, time, offset)
}

/// The unread rest of the text. Every step splits it with checked operations, so no input
/// can make one read out of bounds.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next byte if it is one of `allowed`, consumed.
    fn expect(&mut self, allowed: &[u8]) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        if !allowed.contains(&first) {
            return None;
        }
        self.0 = rest;
        Some(first)
    }

    /// Exactly `count` ASCII digits (at most 9), consumed, as a number.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let (digits, rest) = self.0.split_at_checked(count)?;
        if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = rest;
        Some(
            digits
                .iter()
                .fold(0, |number, digit| number * 10 + u32::from(digit - b'0')),
        )
    }

    /// One or more digits of a decimal fraction, consumed, in nanoseconds (digits past the
    /// ninth are read and dropped).
    fn fraction_as_nanos(&mut self) -> Option<u32> {
        let count = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        let (digits, rest) = self.0.split_at_checked(count)?;
        if digits.is_empty() {
            return None;
        }
        self.0 = rest;
        let mut nanos = 0;
        let mut scale = 100_000_000;
        for digit in digits.iter().take(9) {
            nanos += u32::from(digit - b'0') * scale;
            scale /= 10;
        }
        Some(nanos)
    }
}

/// A date of the proleptic Gregorian calendar that exists.
#[derive(Clone, Copy)]
struct Date {
    year: u32,
    month: u32,
    day: u32,
}

impl Date {
    fn new(year: u32, month: u32, day: u32) -> Option<Self> {
        let last_day = days_in_month(year, month)?;
        (1..=last_day)
            .contains(&day)
            .then_some(Self { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn days_since_epoch(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

/// The number of days of `month` (1 to 12) in `year`; `None` for another month.
fn days_in_month(year: u32, month: u32) -> Option<u32> {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => Some(29),
        2 => Some(28),
        4 | 6 | 9 | 11 => Some(30),
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        _ => None,
    }
}

/// A time of day; a second of 60 (a leap second) is allowed and counts as the next
/// minute's first.
#[derive(Clone, Copy)]
struct TimeOfDay {
    seconds: u32,
    nanos: u32,
}

impl TimeOfDay {
    const MIDNIGHT: Self = Self {
        seconds: 0,
        nanos: 0,
    };

    fn new(hour: u32, minute: u32, second: u32, nanos: u32) -> Option<Self> {
        (hour <= 23 && minute <= 59 && second <= 60).then_some(Self {
            seconds: hour * 3600 + minute * 60 + second,
            nanos,
        })
    }
}

/// The instant of `date` at `time` in the zone `offset_seconds` east of UTC.
fn instant(date: Date, time: TimeOfDay, offset_seconds: i32) -> Option<SystemTime> {
    let seconds =
        date.days_since_epoch() * 86_400 + i64::from(time.seconds) - i64::from(offset_seconds);
    let whole = Duration::from_secs(seconds.unsigned_abs());
    let fraction = Duration::from_nanos(u64::from(time.nanos));
    if seconds >= 0 {
        SystemTime::UNIX_EPOCH
            .checked_add(whole)?
            .checked_add(fraction)
    } else {
        SystemTime::UNIX_EPOCH
            .checked_sub(whole)?
            .checked_add(fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64, nanos: u32) -> Option<SystemTime> {
        SystemTime::UNIX_EPOCH.checked_add(Duration::new(seconds, nanos))
    }

    /// 2024-07-02T00:00:00+09:00.
    fn kst_2024_07_02() -> Option<SystemTime> {
        at(1_719_846_000, 0)
    }

    #[test]
    fn iso_8601_with_every_offset_spelling() {
        for text in [
            "2024-07-02T00:00:00+0900",
            "2024-07-02T00:00:00+09:00",
            "2024-07-02T00:00:00+09",
            "2024-07-01T15:00:00Z",
            "2024-07-01t15:00:00z",
            "2024-07-01 15:00:00-00:00",
            "2024-07-01T10:00:00-05:00",
            "2024-07-01T09:30:00-0530",
            "  2024-07-01T15:00:00Z\n",
        ] {
            assert_eq!(
                parse(text, TimestampFormat::ISO_8601),
                kst_2024_07_02(),
                "{text}"
            );
        }
        assert_eq!(
            parse("2024-07-01T15:00:00", TimestampFormat::ISO_8601),
            kst_2024_07_02()
        );
        assert_eq!(
            parse("2024-07-02T00:00:00", TimestampFormat::NCP),
            kst_2024_07_02()
        );
    }

    #[test]
    fn fractions_are_kept_to_the_nanosecond() {
        let iso = |text| parse(text, TimestampFormat::ISO_8601);
        assert_eq!(
            iso("2024-07-01T15:00:00.5Z"),
            at(1_719_846_000, 500_000_000)
        );
        assert_eq!(iso("2024-07-01T15:00:00,25Z"), None);
        assert_eq!(
            iso("2024-07-01T15:00:00.123456789999Z"),
            at(1_719_846_000, 123_456_789)
        );
        assert_eq!(iso("1969-12-31T23:59:59.5Z"), {
            SystemTime::UNIX_EPOCH.checked_sub(Duration::from_millis(500))
        });
        for bad in [
            "2024-07-01T15:00:00.Z",
            "2024-07-01T15:00:00.",
            "2024-07-01T15:00.5Z",
        ] {
            assert_eq!(parse(bad, TimestampFormat::NCP), None, "{bad}");
        }
    }

    #[test]
    fn only_days_that_exist_are_accepted() {
        let iso = |text: &str| parse(&format!("{text}T00:00:00Z"), TimestampFormat::ISO_8601);
        for good in [
            "2024-02-29",
            "2000-02-29",
            "2023-02-28",
            "2024-01-31",
            "2024-04-30",
            "2024-12-31",
            "0001-01-01",
        ] {
            assert!(iso(good).is_some(), "{good}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2100-02-29",
            "2024-02-30",
            "2024-02-31",
            "2024-04-31",
            "2024-06-31",
            "2024-09-31",
            "2024-11-31",
            "2024-01-32",
            "2024-00-01",
            "2024-13-01",
            "2024-01-00",
        ] {
            assert_eq!(iso(bad), None, "{bad}");
            assert_eq!(parse(bad, TimestampFormat::NCP), None, "{bad}");
            let compact: String = bad.chars().filter(|c| *c != '-').collect();
            assert_eq!(parse(&compact, TimestampFormat::NCP), None, "{compact}");
        }
    }

    #[test]
    fn impossible_times_and_offsets_are_none() {
        for bad in [
            "2024-07-02T24:00:00Z",
            "2024-07-02T00:60:00Z",
            "2024-07-02T00:00:61Z",
            "2024-07-02T00:00:00+24:00",
            "2024-07-02T00:00:00+09:60",
            "2024-07-02T00:00:00+9",
            "2024-07-02T00:00:00+090",
            "2024-07-02T00:00:00+09:0",
            "2024-07-02T00:00:00+09:",
            "2024-07-02T00:00:00+0:900",
            "2024-07-02T00:00:00 +09:00",
            "2024-07-02T00:00:00 GMT",
            "2024-07-02T00:00:00ZZ",
            "2024-07-02T00:00:00+09:00junk",
            "2024/07/02T00:00:00Z",
            "2024-7-02T00:00:00Z",
            "24-07-02T00:00:00Z",
            "2024-07-02X00:00:00Z",
            "2024-07-02T0:00:00Z",
            "+2024-07-02T00:00:00Z",
            "",
            "   ",
        ] {
            assert_eq!(parse(bad, TimestampFormat::ISO_8601), None, "{bad}");
            assert_eq!(parse(bad, TimestampFormat::NCP), None, "{bad}");
        }
    }

    #[test]
    fn a_leap_second_counts_as_the_next_minute() {
        assert_eq!(
            parse("2016-12-31T23:59:60Z", TimestampFormat::ISO_8601),
            parse("2017-01-01T00:00:00Z", TimestampFormat::ISO_8601)
        );
    }

    #[test]
    fn the_ncp_forms_are_opt_in() {
        for text in [
            "2024-07-02T00:00",
            "2024-07-02",
            "20240702",
            "20240702000000",
            "1719846000",
            "1719846000000",
        ] {
            assert_eq!(
                parse(text, TimestampFormat::NCP),
                kst_2024_07_02(),
                "{text}"
            );
            assert_eq!(parse(text, TimestampFormat::ISO_8601), None, "{text}");
        }
        let utc = TimestampFormat::NCP.zoneless_offset(0);
        assert_eq!(parse("20240701150000", utc), kst_2024_07_02());
        for not_a_form in ["202407021", "123456789", "12345678901", "17198460000000"] {
            assert_eq!(
                parse(not_a_form, TimestampFormat::NCP),
                None,
                "{not_a_form}"
            );
        }
    }

    #[test]
    fn http_dates_when_asked_for() {
        let http = TimestampFormat::ISO_8601.http_date(true);
        let text = "Mon, 01 Jul 2024 15:00:00 GMT";
        assert_eq!(parse(text, http), kst_2024_07_02());
        assert_eq!(parse(text, TimestampFormat::ISO_8601), None);
        assert_eq!(parse("2024-07-01T15:00:00Z", http), kst_2024_07_02());
        assert_eq!(parse("Mon, 01 Jul 2024 15:00:0é GMT", http), None);
    }

    /// RFC 7231 section 7.1.1.1's example, both ways; what a server's `Date` and an OCP
    /// signature's `Date` are written in.
    #[test]
    fn basic_format_reads_what_the_huawei_signer_writes_and_nothing_else() {
        for (text, seconds) in [
            ("20200608T023900Z", 1_591_583_940),
            ("20060102T150405Z", 1_136_214_245),
            ("19700101T000000Z", 0),
            (" 20240229T235959Z ", 1_709_251_199),
        ] {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
            assert_eq!(parse_basic_utc(text), Some(at), "{text}");
            assert_eq!(
                crate::sign::huawei::format_sdk_date(at),
                text.trim(),
                "{text}"
            );
        }
        for bad in [
            "",
            "20200608T023900",
            "20200608 023900Z",
            "2020-06-08T02:39:00Z",
            "20230229T000000Z",
            "20200608T246000Z",
            "2020060éT023900Z",
            "20200608T0239000Z",
        ] {
            assert_eq!(parse_basic_utc(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn http_date_round_trips_the_rfc_7231_example() {
        let example = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(format_http_date(example), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(example)
        );
        assert_eq!(
            parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT "),
            Some(example)
        );
        // Only HTTP-dates: an ISO 8601 time is not one.
        assert_eq!(parse_http_date("1994-11-06T08:49:37Z"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:3é GMT"), None);
        // Outside what the format can write: clamped, not a panic.
        assert_eq!(
            format_http_date(SystemTime::UNIX_EPOCH - Duration::from_secs(10)),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            format_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000)),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }

    /// Server text with a multi-byte character anywhere, cut off anywhere: `None`, no panic.
    #[test]
    fn no_text_makes_the_parser_panic() {
        let all = TimestampFormat::NCP.http_date(true);
        for form in [
            "2024-07-02T00:00:00.123456+09:00",
            "20240702000000",
            "1719846000000",
            "Mon, 01 Jul 2024 15:00:00 GMT",
        ] {
            let chars: Vec<char> = form.chars().collect();
            for position in 0..=chars.len() {
                for wide in ['é', '한', '𝟘', '\u{FF10}'] {
                    let mut inserted = chars.clone();
                    inserted.insert(position, wide);
                    for end in 0..=inserted.len() {
                        let text: String = inserted.iter().take(end).collect();
                        let parsed = parse(&text, all);
                        if end > position {
                            assert_eq!(parsed, None, "{text}");
                        }
                    }
                }
            }
        }
    }
}
