//! OCP (OceanBase Cloud Platform) authentication: HTTP Basic, and the access key signature
//! `OCP-ACCESS-KEY-HMACSHA1` of OCP 4.0.3 and later.
//!
//! The signed message is seven fields joined by `\n` (an empty field still gets its `\n`):
//!
//! ```text
//! METHOD \n Content-MD5 \n Content-Type \n Date \n Host \n x-ocp-headers \n uri query
//! ```
//!
//! - `Content-MD5`: upper-case hex MD5 of the body; empty when there is no body.
//! - `Content-Type`, `Date`: the header values as sent (empty when absent).
//! - `Host`: `host[:port]` as sent.
//! - `x-ocp-headers`: every header whose name starts with `x-ocp-` (any case), sorted by
//!   name, as `name:v1,v2` (repeated headers joined with `,` in the order sent, values not
//!   sorted, as the vendor's Java sample and example 1 do), lines joined by `\n`.
//! - `uri query`: the encoded path, then, when there is a query, `?` and the
//!   [canonical query](canonical_query), with no separator in between.
//!
//! `Authorization: OCP-ACCESS-KEY-HMACSHA1 {AK}:{base64(HMAC-SHA1(SK, message))}`.

use std::time::SystemTime;

use hmac::Mac;
use hmac::digest::Digest;
use md5::Md5;

use super::{SignableRequest, hmac_sha1};
use crate::encoding::{base64_encode, hex_value, percent_encode_bytes_into, push_hex_upper};

/// The scheme word of an access key `Authorization`.
pub const ALGORITHM: &str = "OCP-ACCESS-KEY-HMACSHA1";
/// The prefix of the extension headers that are signed.
pub const OCP_HEADER_PREFIX: &str = "x-ocp-";

/// `Basic base64(user:password)`, the HTTP Basic `Authorization` value.
///
/// ```
/// assert_eq!(backup_core::sign::ocp::basic_authorization("admin", "root"), "Basic YWRtaW46cm9vdA==");
/// ```
pub fn basic_authorization(user: &str, password: &str) -> String {
    let mut credentials = Vec::with_capacity(user.len() + 1 + password.len());
    credentials.extend_from_slice(user.as_bytes());
    credentials.push(b':');
    credentials.extend_from_slice(password.as_bytes());
    let encoded = base64_encode(&credentials);
    // The plain credentials are not left behind in freed memory.
    zeroize::Zeroize::zeroize(&mut credentials);
    let mut out = String::with_capacity(6 + encoded.len());
    out.push_str("Basic ");
    out.push_str(&encoded);
    out
}

/// The `Date` header value: RFC 1123 (IMF-fixdate), e.g. `Tue, 17 Jan 2023 09:13:57 GMT`.
///
/// Times outside what the format can express are clamped: before the Unix epoch to the
/// epoch, after 9999-12-31T23:59:59Z to that instant.
pub fn format_date(time: SystemTime) -> String {
    crate::time::format_http_date(time)
}

/// Upper-case hex MD5 of `body`, or the empty string for an empty body.
pub fn content_md5(body: &[u8]) -> String {
    let mut out = String::with_capacity(32);
    push_content_md5(&mut out, body);
    out
}

/// The canonical query of an encoded `query` (without `?`): `""` for none, otherwise `?`
/// followed by the pairs sorted by key, repeated keys merged into one `key=v1,v2` with
/// their values sorted, keys and values RFC 3986-encoded (`%XX` upper case, space as
/// `%20`), pairs joined by `&`.
///
/// The query is percent-decoded first (`+` as a space, as the Java server does), and
/// sorting is on the decoded text, bytewise (code point order; a prefix sorts first).
///
/// ```
/// use backup_core::sign::ocp::canonical_query;
/// assert_eq!(canonical_query("b=x+y&a=2&a=1"), "?a=1,2&b=x%20y");
/// ```
pub fn canonical_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 8);
    push_canonical_query(&mut out, query);
    out
}

/// The message that is signed for `request` sent to `host` (see the
/// [module documentation](self)).
pub fn string_to_sign(request: &SignableRequest<'_>, host: &str) -> String {
    let mut out = String::with_capacity(
        request.method.len()
            + 32
            + host.len()
            + request.path.len()
            + request.query.len() * 3 / 2
            + request
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>()
            + 16,
    );
    out.push_str(request.method);
    out.push('\n');
    push_content_md5(&mut out, request.body);
    out.push('\n');
    out.push_str(header_value(request.headers, "content-type").unwrap_or(""));
    out.push('\n');
    out.push_str(header_value(request.headers, "date").unwrap_or(""));
    out.push('\n');
    out.push_str(host);
    out.push('\n');
    push_ocp_headers(&mut out, request.headers);
    out.push('\n');
    out.push_str(request.path);
    push_canonical_query(&mut out, request.query);
    out
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub fn signature(secret: &[u8], string_to_sign: &str) -> String {
    let mut mac = hmac_sha1(secret);
    mac.update(string_to_sign.as_bytes());
    base64_encode(&mac.finalize().into_bytes())
}

/// The `Authorization` value `OCP-ACCESS-KEY-HMACSHA1 {access_key_id}:{signature}` for
/// `request`, whose `date` (and `content-type`, if any) header must already be set.
pub fn authorization(
    request: &SignableRequest<'_>,
    host: &str,
    access_key_id: &str,
    secret: &[u8],
) -> String {
    let message = string_to_sign(request, host);
    let signature = signature(secret, &message);
    // Reuse the message buffer for the header value.
    let mut out = message;
    out.clear();
    out.push_str(ALGORITHM);
    out.push(' ');
    out.push_str(access_key_id);
    out.push(':');
    out.push_str(&signature);
    out
}

/// Splits an access key `Authorization` value into the access key id and the signature
/// (for a server-side verifier). `None` for another scheme or a malformed value.
pub fn parse_authorization(value: &str) -> Option<(&str, &str)> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    rest.trim_start().rsplit_once(':')
}

// ---------------------------------------------------------------------------------------
// Internals

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

fn push_content_md5(out: &mut String, body: &[u8]) {
    if body.is_empty() {
        return;
    }
    push_hex_upper(&Md5::digest(body), out);
}

fn is_ocp_header(name: &str) -> bool {
    name.as_bytes()
        .get(..OCP_HEADER_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(OCP_HEADER_PREFIX.as_bytes()))
}

fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

fn push_ocp_headers(out: &mut String, headers: &[(String, String)]) {
    if !headers.iter().any(|(n, _)| is_ocp_header(n)) {
        return;
    }
    let mut ocp: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(n, _)| is_ocp_header(n))
        .map(|(n, v)| (n.as_str(), v.trim()))
        .collect();
    // Stable: repeated headers keep the order they are sent in.
    ocp.sort_by(|a, b| cmp_lowercase(a.0, b.0));
    let mut previous: Option<&str> = None;
    for (name, value) in ocp {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
            out.push(',');
        } else {
            if previous.is_some() {
                out.push('\n');
            }
            out.extend(name.chars().map(|c| c.to_ascii_lowercase()));
            out.push(':');
        }
        out.push_str(value);
        previous = Some(name);
    }
}

fn push_canonical_query(out: &mut String, query: &str) {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(key), decode_component(value))
        })
        .collect();
    if pairs.is_empty() {
        return;
    }
    pairs.sort_unstable();
    out.push('?');
    let mut previous: Option<&[u8]> = None;
    for (key, value) in &pairs {
        if previous == Some(key.as_slice()) {
            out.push(',');
        } else {
            if previous.is_some() {
                out.push('&');
            }
            percent_encode_bytes_into(key, out);
            out.push('=');
        }
        percent_encode_bytes_into(value, out);
        previous = Some(key);
    }
}

/// Percent-decodes a query component to bytes (`+` is a space); an invalid escape is kept
/// as a literal `%`.
fn decode_component(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'%' => match (
                bytes.get(i + 1).and_then(|&b| hex_value(b)),
                bytes.get(i + 2).and_then(|&b| hex_value(b)),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::encoding::{encode_pairs, percent_encode};
    use hmac::Hmac;
    use hmac::digest::KeyInit;
    use sha1::Sha1;
    use std::time::Duration;

    const AK: &str = "cqammmxBpfGjFlto";
    const SK: &[u8] = b"2fc0c299cc94c6be266f2ceece765d4d";
    const HOST: &str = "ocp.alibaba.net:8080";

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn basic_example() {
        assert_eq!(
            basic_authorization("admin", "root"),
            "Basic YWRtaW46cm9vdA=="
        );
        assert_eq!(basic_authorization("foo", "bar"), "Basic Zm9vOmJhcg==");
        assert_eq!(basic_authorization("", ""), "Basic Og==");
    }

    #[test]
    fn example_1_post_with_body_and_ocp_header() {
        let body = br#"{"name":"test01","description":"test","regionId":1}"#;
        assert_eq!(content_md5(body), "186974DB33A090A16D3E2CA35F547B56");
        let h = headers(&[
            ("content-type", "application/json"),
            ("date", "Tue, 17 Jan 2023 09:13:57 GMT"),
            ("x-ocp-data", "A,1"),
        ]);
        let r = SignableRequest {
            method: "POST",
            path: "/api/v2/compute/idcs",
            query: "",
            headers: &h,
            body,
        };
        let message = string_to_sign(&r, HOST);
        assert_eq!(
            message,
            "POST\n186974DB33A090A16D3E2CA35F547B56\napplication/json\n\
             Tue, 17 Jan 2023 09:13:57 GMT\nocp.alibaba.net:8080\nx-ocp-data:A,1\n\
             /api/v2/compute/idcs"
        );
        assert_eq!(signature(SK, &message), "XN8P+O+v3vUabB16ZCooq5wMJoY=");
        assert_eq!(
            authorization(&r, HOST, AK, SK),
            "OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:XN8P+O+v3vUabB16ZCooq5wMJoY="
        );
    }

    #[test]
    fn example_2_get_with_query() {
        let h = headers(&[
            ("content-type", "application/json;charset=utf-8"),
            ("date", "Tue, 17 Jan 2023 04:14:02 GMT"),
        ]);
        let r = SignableRequest {
            method: "GET",
            path: "/api/v2/compute/idcs",
            query: "size=100",
            headers: &h,
            body: b"",
        };
        let message = string_to_sign(&r, HOST);
        assert_eq!(
            message,
            "GET\n\napplication/json;charset=utf-8\nTue, 17 Jan 2023 04:14:02 GMT\n\
             ocp.alibaba.net:8080\n\n/api/v2/compute/idcs?size=100"
        );
        assert_eq!(
            authorization(&r, HOST, AK, SK),
            "OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:TsQD6HDOuZuJ409m0wdnZPmijlc="
        );
        assert_eq!(
            parse_authorization(&authorization(&r, HOST, AK, SK)),
            Some((AK, "TsQD6HDOuZuJ409m0wdnZPmijlc="))
        );
    }

    #[test]
    fn canonical_query_rules() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("&"), "");
        assert_eq!(canonical_query("size=100"), "?size=100");
        assert_eq!(canonical_query("a=2&b=x&a=1"), "?a=1,2&b=x");
        // A key that is a prefix of another sorts first.
        assert_eq!(canonical_query("ab=1&a=2"), "?a=2&ab=1");
        assert_eq!(canonical_query("k"), "?k=");
        assert_eq!(canonical_query("name=a%2Cb%20c+d"), "?name=a%2Cb%20c%20d");
        let ours = encode_pairs(&[("q", "一 *~"), ("p", "/x")]);
        assert_eq!(
            canonical_query(&ours),
            format!("?p={}&q={}", percent_encode("/x"), percent_encode("一 *~"))
        );
    }

    #[test]
    fn ocp_headers_sorted_by_name_values_in_order() {
        let h = headers(&[
            ("x-ocp-z", "1"),
            ("X-OCP-b", "2"),
            ("x-ocp-a", "z"),
            ("x-ocp-a", "y"),
            ("x-other", "no"),
        ]);
        let mut out = String::new();
        push_ocp_headers(&mut out, &h);
        assert_eq!(out, "x-ocp-a:z,y\nx-ocp-b:2\nx-ocp-z:1");
    }

    #[test]
    fn date_format_and_clamping() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_673_946_837);
        assert_eq!(format_date(t), "Tue, 17 Jan 2023 09:13:57 GMT");
        assert_eq!(
            format_date(SystemTime::UNIX_EPOCH - Duration::from_secs(10)),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            format_date(SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000)),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }

    #[test]
    fn keys_of_any_length_match_the_hmac_crate() {
        for len in [0usize, 20, 64, 65, 150] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut reference = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let expected = base64_encode(&reference.finalize().into_bytes());
            assert_eq!(signature(&key, "message"), expected, "key length {len}");
        }
    }
}
