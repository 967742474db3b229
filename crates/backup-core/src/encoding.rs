//! Percent-encoding, base64 and hex: the few byte encodings signing and request building need.

/// Whether `b` is an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`).
#[inline]
#[allow(clippy::indexing_slicing)] // a byte always indexes the 256-entry table
pub fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] as a table: every signed request percent-encodes its query or
/// canonical URI byte by byte, so the test is on the per-call path.
#[allow(clippy::indexing_slicing)] // `b` < 256
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

pub(crate) const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
pub(crate) const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Percent-encodes every byte of `input` that is not unreserved, with upper-case hex
/// (`/` becomes `%2F`, space `%20`). This is the encoding of a single path segment or
/// query key/value: the output never contains `/ ? # & = + %` unescaped.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    percent_encode_into(input, &mut out);
    out
}

/// [`percent_encode`], appending to `out`.
pub fn percent_encode_into(input: &str, out: &mut String) {
    percent_encode_bytes_into(input.as_bytes(), out);
}

/// [`percent_encode_into`] for bytes that need not be UTF-8 (the signers' decoded query
/// pieces).
pub(crate) fn percent_encode_bytes_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len());
    let mut rest = bytes;
    loop {
        // Copy each run of unreserved bytes at once: most values are all unreserved.
        let run = rest
            .iter()
            .position(|&b| !is_unreserved(b))
            .unwrap_or(rest.len());
        let (plain, escaped) = rest.split_at(run);
        // Unreserved bytes are ASCII, so the run is always UTF-8.
        out.push_str(std::str::from_utf8(plain).unwrap_or_default());
        let Some((&b, after)) = escaped.split_first() else {
            return;
        };
        out.push('%');
        push_hex_byte(UPPER_HEX, b, out);
        rest = after;
    }
}

/// Appends `b` itself when it is unreserved, otherwise its `%XX` escape.
#[inline]
pub(crate) fn percent_encode_byte_into(b: u8, out: &mut String) {
    if is_unreserved(b) {
        out.push(char::from(b));
    } else {
        out.push('%');
        push_hex_byte(UPPER_HEX, b, out);
    }
}

/// Encodes `pairs` as `k1=v1&k2=v2` in the given order, each key and value through
/// [`percent_encode`]. Used for query strings and `application/x-www-form-urlencoded` bodies.
pub fn encode_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(k.as_ref(), &mut out);
        out.push('=');
        percent_encode_into(v.as_ref(), &mut out);
    }
    out
}

/// Decodes `%XX` escapes (and, when `plus_as_space`, `+` as a space). Returns `None` for a
/// malformed escape or bytes that are not UTF-8.
pub fn percent_decode(input: &str, plus_as_space: bool) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The value of one hex digit, either case.
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Lower-case hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(LOWER_HEX, bytes, &mut out);
    out
}

/// Upper-case hex of `bytes`.
pub fn hex_upper(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex_upper(bytes, &mut out);
    out
}

/// [`hex_upper`], appending to `out`.
pub(crate) fn push_hex_upper(bytes: &[u8], out: &mut String) {
    push_hex(UPPER_HEX, bytes, out);
}

fn push_hex(digits: &[u8; 16], bytes: &[u8], out: &mut String) {
    for &b in bytes {
        push_hex_byte(digits, b, out);
    }
}

#[inline]
#[allow(clippy::indexing_slicing)] // a nibble (4 bits) always indexes the 16-entry table
fn push_hex_byte(digits: &[u8; 16], b: u8, out: &mut String) {
    out.push(char::from(digits[usize::from(b >> 4)]));
    out.push(char::from(digits[usize::from(b & 0x0f)]));
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648 section 4) with `=` padding.
// `chunks(3)` never yields an empty chunk, and a 6-bit value always indexes the 64-entry
// table.
#[allow(clippy::indexing_slicing)]
pub fn base64_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Decodes standard, padded base64. Returns `None` on any malformed input.
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index + 1 == bytes.len() / 4;
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if last && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = n << 6 | u32::from(v);
        }
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_matches_rfc3986() {
        assert_eq!(
            percent_encode("a b/c?d#e&f=g+h%i~j"),
            "a%20b%2Fc%3Fd%23e%26f%3Dg%2Bh%25i~j"
        );
        assert_eq!(percent_encode("一"), "%E4%B8%80");
        assert_eq!(percent_decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%zz", false), None);
    }

    /// The run-copying encoder against the definition, byte by byte: every byte value, alone
    /// and between unreserved runs, at the start, the end and back to back.
    #[test]
    fn percent_encoding_escapes_exactly_the_reserved_bytes() {
        fn by_definition(bytes: &[u8]) -> String {
            bytes
                .iter()
                .map(|&b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        }
        for b in 0..=u8::MAX {
            assert_eq!(
                is_unreserved(b),
                b.is_ascii_alphanumeric() || b"-._~".contains(&b)
            );
            for input in [
                vec![b],
                vec![b, b],
                b"ab".iter().chain([b, b'c', b].iter()).copied().collect(),
            ] {
                let mut out = String::from("x");
                percent_encode_bytes_into(&input, &mut out);
                assert_eq!(out, format!("x{}", by_definition(&input)), "{input:?}");
            }
        }
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64_decode("Zm9=v"), None);
        assert_eq!(base64_decode("Zm9"), None);
    }

    #[test]
    fn hex_both_cases() {
        assert_eq!(hex_lower(&[0x0a, 0xff]), "0aff");
        assert_eq!(hex_upper(&[0x0a, 0xff]), "0AFF");
    }
}
