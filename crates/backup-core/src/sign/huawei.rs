//! Huawei SDK-HMAC-SHA256. (Being implemented.)
use super::SignableRequest;
use std::time::SystemTime;

/// `x-sdk-date`
pub const DATE_HEADER: &str = "x-sdk-date";
/// `x-project-id`
pub const PROJECT_ID_HEADER: &str = "x-project-id";
/// `x-security-token`
pub const SECURITY_TOKEN_HEADER: &str = "x-security-token";

/// `YYYYMMDDTHHMMSSZ`
pub fn format_sdk_date(_t: SystemTime) -> String {
    todo!()
}

/// The Authorization header value.
pub fn authorization(_r: &SignableRequest<'_>, _host: Option<&str>, _ak: &str, _sk: &[u8]) -> String {
    todo!()
}
