//! The emulator's own AWS Signature Version 4 verifier for its Object Storage subset,
//! written from AWS's documents ("Authenticating Requests (AWS Signature Version 4)" in
//! the Amazon S3 API Reference), not from the SDK's signer: a request as aws-sdk-go-v2
//! (terraform), boto3 or the AWS CLI sends it is accepted, with `x-amz-content-sha256` the
//! body's hash or `UNSIGNED-PAYLOAD`, and whatever region its credential scope names (NCP
//! documents `kr-standard`; terraform signs with the NCP region code).

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::auth::Received;
use crate::config::KeyPair;

/// How far a signing time may be from the server's clock (S3: 15 minutes).
const WINDOW: Duration = Duration::from_secs(15 * 60);
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Why a request was refused: the S3 error to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

fn refuse(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        message: message.into(),
    }
}

/// The parts of `AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..`.
struct Authorization<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        match name.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let mut scope = credential?.split('/');
    let access_key = scope.next()?;
    let date = scope.next()?;
    let region = scope.next()?;
    let service = scope.next()?;
    if scope.next()? != "aws4_request" || scope.next().is_some() {
        return None;
    }
    Some(Authorization {
        access_key,
        date,
        region,
        service,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

/// Checks the SigV4 `Authorization` of `request` against `keys` at `now`.
pub(crate) fn verify(
    request: &Received<'_>,
    keys: &[KeyPair],
    now: SystemTime,
) -> Result<(), Refusal> {
    let Some(header) = request.header("authorization") else {
        return Err(refuse(
            403,
            "AccessDenied",
            "Anonymous access is forbidden for this operation",
        ));
    };
    let Some(auth) = parse_authorization(header) else {
        return Err(refuse(
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed",
        ));
    };
    let Some(key) = keys.iter().find(|k| k.access_key == auth.access_key) else {
        return Err(refuse(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ));
    };
    let Some(amz_date) = request.header("x-amz-date").map(str::trim) else {
        return Err(refuse(403, "AccessDenied", "x-amz-date header is missing"));
    };
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(refuse(
            403,
            "AccessDenied",
            "x-amz-date is not YYYYMMDDTHHMMSSZ",
        ));
    };
    let skew = now
        .duration_since(signed_at)
        .unwrap_or_else(|e| e.duration());
    if skew > WINDOW {
        return Err(refuse(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ));
    }
    if amz_date.get(..8) != Some(auth.date) || auth.service != "s3" || auth.region.is_empty() {
        return Err(refuse(
            400,
            "AuthorizationHeaderMalformed",
            "The credential scope does not match the request date or service s3",
        ));
    }
    let Some(payload_hash) = request.header("x-amz-content-sha256").map(str::trim) else {
        return Err(refuse(
            400,
            "InvalidRequest",
            "Missing required header for this request: x-amz-content-sha256",
        ));
    };
    if payload_hash != UNSIGNED_PAYLOAD && payload_hash != hex(&Sha256::digest(request.body)) {
        return Err(refuse(
            400,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ));
    }
    if !auth.signed_headers.contains(&"host") {
        return Err(refuse(
            400,
            "AuthorizationHeaderMalformed",
            "SignedHeaders must include host",
        ));
    }

    let mut canonical = String::new();
    canonical.push_str(request.method);
    canonical.push('\n');
    canonical.push_str(&canonical_path(request.path));
    canonical.push('\n');
    canonical.push_str(&canonical_query(request.query));
    canonical.push('\n');
    for name in &auth.signed_headers {
        let values: Vec<String> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(signature_mismatch());
        }
        canonical.push_str(&name.to_ascii_lowercase());
        canonical.push(':');
        canonical.push_str(&values.join(","));
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&auth.signed_headers.join(";"));
    canonical.push('\n');
    canonical.push_str(payload_hash);

    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut signing_key = hmac(
        format!("AWS4{}", key.secret_key).as_bytes(),
        auth.date.as_bytes(),
    );
    for part in [auth.region, auth.service, "aws4_request"] {
        signing_key = hmac(&signing_key, part.as_bytes());
    }
    let expected = hex(&hmac(&signing_key, to_sign.as_bytes()));
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(signature_mismatch())
    }
}

fn signature_mismatch() -> Refusal {
    refuse(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length; this is not reached.
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `YYYYMMDDTHHMMSSZ` as a time.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    backup_core::time::parse_basic_utc(text)
}

/// URI-encodes `bytes` as SigV4 does: unreserved characters as they are, every other
/// byte `%XX` in upper case.
fn uri_encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Decodes the `%XX` escapes of `text` (a malformed one is kept as it is).
fn uri_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// S3's canonical URI: each segment of the path as received, decoded and encoded once
/// (S3 neither normalises the path nor encodes it twice).
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode(&uri_decode(segment), &mut out);
    }
    out
}

/// The canonical query: each name and value decoded and encoded again, sorted by name and
/// then value; a name without `=` has an empty value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut n = String::new();
            uri_encode(&uri_decode(name), &mut n);
            let mut v = String::new();
            uri_encode(&uri_decode(value), &mut v);
            (n, v)
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The S3 API Reference's "GET Bucket (List Objects)" example
    /// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html),
    /// received as sent: the verifier accepts it with the documented key, and refuses it
    /// with another secret, another query or outside the time window.
    #[test]
    fn the_published_list_objects_example_verifies() {
        let headers: Vec<(String, String)> = vec![
            ("host".into(), "examplebucket.s3.amazonaws.com".into()),
            ("x-amz-date".into(), "20130524T000000Z".into()),
            (
                "x-amz-content-sha256".into(),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            ),
            (
                "authorization".into(),
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7".into(),
            ),
        ];
        let request = |query| Received {
            method: "GET",
            path: "/",
            query,
            headers: &headers,
            body: b"",
        };
        let keys = [KeyPair::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )];
        let signed_at = parse_amz_date("20130524T000000Z").unwrap();
        let now = signed_at + Duration::from_secs(60);
        assert_eq!(verify(&request("max-keys=2&prefix=J"), &keys, now), Ok(()));
        assert_eq!(verify(&request("prefix=J&max-keys=2"), &keys, now), Ok(()));
        let refused = |r: Result<(), Refusal>| r.unwrap_err().code;
        assert_eq!(
            refused(verify(&request("max-keys=3&prefix=J"), &keys, now)),
            "SignatureDoesNotMatch"
        );
        let other = [KeyPair::new("AKIAIOSFODNN7EXAMPLE", "another")];
        assert_eq!(
            refused(verify(&request("max-keys=2&prefix=J"), &other, now)),
            "SignatureDoesNotMatch"
        );
        assert_eq!(
            refused(verify(
                &request("max-keys=2&prefix=J"),
                &keys,
                signed_at + Duration::from_secs(16 * 60)
            )),
            "RequestTimeTooSkewed"
        );
        assert_eq!(
            refused(verify(&request("max-keys=2&prefix=J"), &[], now)),
            "InvalidAccessKeyId"
        );
    }

    #[test]
    fn canonical_forms_follow_the_s3_rules() {
        assert_eq!(canonical_path("/b/a%2fb/c d"), "/b/a%2Fb/c%20d");
        assert_eq!(canonical_path("/b/./k"), "/b/./k");
        assert_eq!(
            canonical_query("prefix=a/b&list-type=2&x"),
            "list-type=2&prefix=a%2Fb&x="
        );
        assert_eq!(parse_amz_date("2013-05-24T00"), None);
    }
}
