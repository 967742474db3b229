//! NCP API Gateway v2 signing (`x-ncp-apigw-signature-v2`).
//!
//! The string to sign is
//!
//! ```text
//! {METHOD} {request-target}\n{timestamp in ms}\n{access key}
//! ```
//!
//! where the request-target is the encoded path plus `?` and the encoded query exactly as
//! sent (the gateway does not canonicalise; the body is not signed). The signature is the
//! standard, padded base64 of `HMAC-SHA256(key = secret key, message = string to sign)`.
//!
//! ```
//! use backup_core::sign::ncp;
//!
//! let signature = ncp::signature(
//!     b"SECRETKEYEXAMPLE0123456789abcdefghijklmn",
//!     "POST",
//!     "/vhadoop/v2/backupClusterConfiguration",
//!     1_700_000_000_000,
//!     "AKIAEXAMPLEACCESSKEY",
//! );
//! assert_eq!(signature, "p5v1ACRN2F7FhIJTR1yiZGLAIBn8mPWuQGOUaUqpAt0=");
//! ```

use hmac::Mac;

use super::hmac_sha256;
use crate::encoding::base64_encode;

/// Header carrying the timestamp in milliseconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "x-ncp-apigw-timestamp";
/// Header carrying the access key id.
pub const ACCESS_KEY_HEADER: &str = "x-ncp-iam-access-key";
/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-ncp-apigw-signature-v2";

/// The string to sign: `"{method} {request_target}\n{timestamp_ms}\n{access_key}"`.
///
/// `request_target` is the encoded path, plus `?` and the encoded query when there is one,
/// byte for byte as it goes on the wire. [`signature`] computes the same bytes without
/// building this string; it is public so that tests and a server-side verifier can compare
/// the intermediate result.
pub fn string_to_sign(
    method: &str,
    request_target: &str,
    timestamp_ms: u64,
    access_key: &str,
) -> String {
    let mut digits = [0u8; 20];
    let timestamp = format_u64(timestamp_ms, &mut digits);
    string_to_sign_parts(method, request_target, timestamp, access_key).concat()
}

/// `base64(HMAC-SHA256(secret, string_to_sign(method, request_target, timestamp_ms, access_key)))`,
/// the value of [`SIGNATURE_HEADER`].
///
/// The message is fed to the MAC piece by piece, so no string is built.
pub fn signature(
    secret: &[u8],
    method: &str,
    request_target: &str,
    timestamp_ms: u64,
    access_key: &str,
) -> String {
    let mut digits = [0u8; 20];
    let timestamp = format_u64(timestamp_ms, &mut digits);
    let mut mac = hmac_sha256(secret);
    for part in string_to_sign_parts(method, request_target, timestamp, access_key) {
        mac.update(part.as_bytes());
    }
    base64_encode(&mac.finalize().into_bytes())
}

/// The pieces of the string to sign, in order: the one statement of its layout, which
/// [`string_to_sign`] joins and [`signature`] feeds to the MAC without joining.
fn string_to_sign_parts<'a>(
    method: &'a str,
    request_target: &'a str,
    timestamp: &'a str,
    access_key: &'a str,
) -> [&'a str; 7] {
    [
        method,
        " ",
        request_target,
        "\n",
        timestamp,
        "\n",
        access_key,
    ]
}

/// Writes the decimal digits of `n` at the end of `buf` and returns them.
#[allow(clippy::indexing_slicing)] // a u64 has at most 20 digits, the buffer's length
fn format_u64(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use hmac::Hmac;
    use hmac::digest::KeyInit;
    use sha2::Sha256;

    const AK: &str = "AKIAEXAMPLEACCESSKEY";
    const SK: &[u8] = b"SECRETKEYEXAMPLE0123456789abcdefghijklmn";
    const TS: u64 = 1_700_000_000_000;

    /// The three vectors of ncp-api.md section 1.5.
    const VECTORS: [(&str, &str, &str); 3] = [
        (
            "POST",
            "/vhadoop/v2/backupClusterConfiguration",
            "p5v1ACRN2F7FhIJTR1yiZGLAIBn8mPWuQGOUaUqpAt0=",
        ),
        (
            "GET",
            "/vredis/v2/getCloudRedisBackupList?regionCode=KR&responseFormatType=json",
            "iSblIX9+BKR1mdNkpQAaTe3garIrt0iQu4w8/Xp3sBc=",
        ),
        (
            "GET",
            "/vcache/v2/exportBackupToObjectStorage?regionCode=KR&fileName=20240702&bucketName=cache-backup&cloudCacheInstanceNo=1234567&backupTypeMode=SYSTEM&responseFormatType=json",
            "mRuTBYTPsPxu/VqRgVXFQoZkQtUB0iDviRG0JRAKG8k=",
        ),
    ];

    #[test]
    fn official_vectors() {
        for (method, target, expected) in VECTORS {
            assert_eq!(
                signature(SK, method, target, TS, AK),
                expected,
                "{method} {target}"
            );
        }
    }

    #[test]
    fn string_to_sign_layout() {
        assert_eq!(
            string_to_sign("POST", "/vhadoop/v2/backupClusterConfiguration", TS, AK),
            "POST /vhadoop/v2/backupClusterConfiguration\n1700000000000\nAKIAEXAMPLEACCESSKEY"
        );
        assert_eq!(string_to_sign("GET", "/", 0, ""), "GET /\n0\n");
        assert_eq!(
            string_to_sign("GET", "/", u64::MAX, "k"),
            format!("GET /\n{}\nk", u64::MAX)
        );
    }

    #[test]
    fn streamed_mac_equals_mac_of_the_string_to_sign() {
        for (method, target, _) in VECTORS {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SK).unwrap();
            mac.update(string_to_sign(method, target, TS, AK).as_bytes());
            let expected = base64_encode(&mac.finalize().into_bytes());
            assert_eq!(signature(SK, method, target, TS, AK), expected);
        }
    }

    #[test]
    fn keys_of_any_length_match_the_hmac_crate() {
        for len in [0usize, 1, 40, 63, 64, 65, 100, 200] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
            reference.update(b"message");
            let mut ours = hmac_sha256(&key);
            ours.update(b"message");
            assert_eq!(
                ours.finalize().into_bytes(),
                reference.finalize().into_bytes(),
                "key length {len}"
            );
        }
    }
}
