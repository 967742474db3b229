//! OCP Basic and HMAC-SHA1. (Being implemented.)
use super::SignableRequest;
use std::time::SystemTime;

/// Basic header value.
pub fn basic_authorization(_u: &str, _p: &str) -> String {
    todo!()
}

/// RFC 1123 date.
pub fn format_date(_t: SystemTime) -> String {
    todo!()
}

/// The Authorization header value.
pub fn authorization(_r: &SignableRequest<'_>, _host: &str, _ak: &str, _sk: &[u8]) -> String {
    todo!()
}
