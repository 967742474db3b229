//! NCP API Gateway v2 signing. (Being implemented.)

/// Header carrying the timestamp in milliseconds.
pub const TIMESTAMP_HEADER: &str = "x-ncp-apigw-timestamp";
/// Header carrying the access key id.
pub const ACCESS_KEY_HEADER: &str = "x-ncp-iam-access-key";
/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-ncp-apigw-signature-v2";

/// Base64(HMAC-SHA256(secret, "METHOD target\nts\nak")).
pub fn signature(_secret: &[u8], _method: &str, _target: &str, _ts: u64, _ak: &str) -> String {
    todo!()
}
