//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`) in the `Authorization` header, as S3 and
//! S3-compatible stores (NCP Object Storage) check it. Pure functions: the time, the
//! region and the credentials are passed in.
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//!                    SignedHeaders \n PayloadHash
//! StringToSign     = "AWS4-HMAC-SHA256" \n X-Amz-Date \n Scope \n HexSha256(CanonicalRequest)
//! Scope            = YYYYMMDD/region/service/aws4_request
//! SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, YYYYMMDD), region), service), "aws4_request")
//! Authorization    = "AWS4-HMAC-SHA256 Credential={AK}/{Scope}, SignedHeaders={h1;h2}, Signature={sig}"
//! ```
//!
//! The canonical URI is S3's: each segment of the path as sent, re-encoded once (RFC 3986
//! unreserved characters kept, everything else `%XX` in upper case), never normalised
//! (`.` segments stay) nor encoded twice, as S3 requires. The payload hash is the
//! `x-amz-content-sha256` header when the request has one (S3 requires it: the hex SHA-256
//! of the body, or `UNSIGNED-PAYLOAD`), otherwise the hex SHA-256 of the body.

use hmac::Mac;
use sha2::{Digest, Sha256};

use super::{SignableRequest, hmac_sha256};
use crate::encoding::{hex_lower, hex_value, percent_encode_byte_into};

/// The algorithm name, first line of the string to sign and first word of `Authorization`.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// `x-amz-date`: the signing time, `YYYYMMDDTHHMMSSZ` in UTC.
pub const DATE_HEADER: &str = "x-amz-date";
/// `x-amz-content-sha256`: the payload hash S3 requires on every request.
pub const CONTENT_SHA256_HEADER: &str = "x-amz-content-sha256";
/// The payload hash of a request whose body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// Hex SHA-256 of the empty body: the payload hash of a `GET` or `HEAD`.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The last element of every credential scope.
pub const TERMINATOR: &str = "aws4_request";

/// Headers that are never signed: the signature itself, and headers that proxies and
/// the HTTP stack may change on the way (the AWS SDKs leave the same ones out).
const UNSIGNED_HEADERS: [&str; 4] = ["authorization", "user-agent", "expect", "x-amzn-trace-id"];

/// Formats `time` as the `X-Amz-Date` value: UTC `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(time: std::time::SystemTime) -> String {
    super::huawei::format_sdk_date(time)
}

/// Where a signature is valid: the date (`YYYYMMDD`), the region and the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    /// `YYYYMMDD`, the first 8 characters of `X-Amz-Date`.
    pub date: &'a str,
    /// The region the signature is for (`us-east-1`, NCP's `kr-standard`).
    pub region: &'a str,
    /// The service (`s3`).
    pub service: &'a str,
}

impl std::fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{TERMINATOR}",
            self.date, self.region, self.service
        )
    }
}

/// The S3 canonical URI of an encoded `path`: each byte that is not unreserved or `/`
/// becomes `%XX` (upper-case hex); a valid escape already in the path is decoded first, so
/// it is neither encoded twice nor left in lower case. An empty path gives `/`.
///
/// ```
/// use backup_core::sign::sigv4::canonical_uri;
/// assert_eq!(canonical_uri("/bucket/a%2fb/c d"), "/bucket/a%2Fb/c%20d");
/// ```
pub fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(path.len() + 8);
    let bytes = path.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'/' {
            out.push('/');
            i += 1;
        } else if let Some(decoded) = escape_at(bytes, i) {
            percent_encode_byte_into(decoded, &mut out);
            i += 3;
        } else {
            percent_encode_byte_into(b, &mut out);
            i += 1;
        }
    }
    out
}

/// The canonical query of an encoded `query` (without `?`): pairs split at the first `=`
/// (a bare name has an empty value), each key and value percent-decoded (`+` stays a
/// literal `+`, as the AWS signers read it) and re-encoded like [`canonical_uri`]
/// segments (a `/` becomes `%2F`), sorted by encoded key and then value, joined with `&`.
///
/// ```
/// use backup_core::sign::sigv4::canonical_query;
/// assert_eq!(canonical_query("prefix=a/b&list-type=2&uploads"), "list-type=2&prefix=a%2Fb&uploads=");
/// ```
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencode(key), reencode(value))
        })
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 8);
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The headers [`canonical_request`] signs: every header of `request` but
/// [`UNSIGNED_HEADERS`], plus `host: {host}` when `host` is `Some` and the request has no
/// `host` header of its own. Lower-case names, sorted; the values of a repeated header
/// joined with `,` in the order sent; each value trimmed, inner runs of spaces made one.
fn signed_header_list(request: &SignableRequest<'_>, host: Option<&str>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(request.headers.len() + 1);
    for (name, value) in request.headers {
        let name = name.to_ascii_lowercase();
        if UNSIGNED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let value = collapse_spaces(value);
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    if let Some(host) = host
        && !headers.iter().any(|(n, _)| n == "host")
    {
        headers.push(("host".to_owned(), host.trim().to_owned()));
    }
    headers.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    headers
}

/// The `SignedHeaders` value for `request`: the names [`canonical_request`] signs, sorted,
/// `;`-joined.
pub fn signed_headers(request: &SignableRequest<'_>, host: Option<&str>) -> String {
    join_names(&signed_header_list(request, host))
}

fn join_names(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// The payload hash of `request`: its `x-amz-content-sha256` header when it has one,
/// otherwise the hex SHA-256 of its body.
pub fn payload_hash(request: &SignableRequest<'_>) -> String {
    match header_value(request.headers, CONTENT_SHA256_HEADER) {
        Some(hash) => hash.to_owned(),
        None => body_sha256(request.body),
    }
}

/// The hex SHA-256 of `body` ([`EMPTY_SHA256`] for none): the `x-amz-content-sha256` of a
/// signed payload.
pub fn body_sha256(body: &[u8]) -> String {
    hex_lower(&Sha256::digest(body))
}

/// The canonical request of `request`; see the [module documentation](self) and
/// [`canonical_uri`], [`canonical_query`] and [`payload_hash`]. A server-side verifier
/// passes only the headers that the `SignedHeaders` it received names, and `host: None`.
pub fn canonical_request(request: &SignableRequest<'_>, host: Option<&str>) -> String {
    let headers = signed_header_list(request, host);
    let mut out = String::with_capacity(256);
    out.push_str(request.method);
    out.push('\n');
    out.push_str(&canonical_uri(request.path));
    out.push('\n');
    out.push_str(&canonical_query(request.query));
    out.push('\n');
    for (name, value) in &headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&join_names(&headers));
    out.push('\n');
    out.push_str(&payload_hash(request));
    out
}

/// The string to sign: `AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hex sha256(canonical_request)}`.
pub fn string_to_sign(amz_date: &str, scope: &Scope<'_>, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex_lower(&Sha256::digest(canonical_request.as_bytes()))
    )
}

/// The signing key derived from `secret` for `scope`.
pub fn signing_key(secret: &[u8], scope: &Scope<'_>) -> [u8; 32] {
    let mut prefixed = Vec::with_capacity(secret.len() + 4);
    prefixed.extend_from_slice(b"AWS4");
    prefixed.extend_from_slice(secret);
    let mut key = hmac(&prefixed, scope.date.as_bytes());
    // The prefixed secret is a copy of the secret: do not leave it in freed memory.
    zeroize::Zeroize::zeroize(&mut prefixed);
    for part in [scope.region, scope.service, TERMINATOR] {
        key = hmac(&key, part.as_bytes());
    }
    key
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = hmac_sha256(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The signature: lower-case hex of `HMAC-SHA256(signing_key, string_to_sign)`.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex_lower(&hmac(signing_key, string_to_sign.as_bytes()))
}

/// The `Authorization` header value for `request`, signed with `secret` for `region` and
/// `service`. The time is the request's `x-amz-date` header (set it first; empty when
/// missing, which every server refuses).
pub fn authorization(
    request: &SignableRequest<'_>,
    host: Option<&str>,
    access_key: &str,
    secret: &[u8],
    region: &str,
    service: &str,
) -> String {
    let amz_date = header_value(request.headers, DATE_HEADER).unwrap_or("");
    let scope = Scope {
        date: amz_date.get(..8).unwrap_or(amz_date),
        region,
        service,
    };
    let canonical = canonical_request(request, host);
    let to_sign = string_to_sign(amz_date, &scope, &canonical);
    let signature = signature(&signing_key(secret, &scope), &to_sign);
    format!(
        "{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={}, Signature={signature}",
        signed_headers(request, host)
    )
}

/// Decodes the valid escapes of a query component (a `+` stays a `+`) and encodes the
/// bytes again with upper-case hex.
fn reencode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = String::with_capacity(component.len() + 8);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if let Some(decoded) = escape_at(bytes, i) {
            percent_encode_byte_into(decoded, &mut out);
            i += 3;
        } else {
            percent_encode_byte_into(b, &mut out);
            i += 1;
        }
    }
    out
}

/// The byte that a valid `%XX` escape at `bytes[i]` stands for.
fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    if *bytes.get(i)? != b'%' {
        return None;
    }
    let hi = hex_value(*bytes.get(i + 1)?)?;
    let lo = hex_value(*bytes.get(i + 2)?)?;
    Some((hi << 4) | lo)
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
