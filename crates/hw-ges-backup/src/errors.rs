//! How GES, API Gateway and IAM error responses become [`ServiceError`]s.
//!
//! The bodies come in several shapes, all understood here:
//!
//! | shape | who sends it |
//! |---|---|
//! | `{"error_code": "GES.7002", "error_msg": "..."}` | GES v2, API Gateway (`APIGW.xxxx`, with `request_id`) |
//! | `{"errorCode": "...", "errorMessage": "..."}` (or `errorMsg`) | GES v1 |
//! | `{"code": "...", "message": "..."}`, also nested: `{"error": {"code": 401, "message": "..."}}` | IAM, some gateways |
//!
//! The request id comes from the `X-Request-Id` response header (the body's `request_id`
//! when the header is missing).
//!
//! # The error kinds to match on
//!
//! | code / status | [`ServiceErrorKind`] | [`Retryability`] |
//! |---|---|---|
//! | `GES.7002` (the graph is being backed up) | [`BackupInProgress`](ServiceErrorKind::BackupInProgress) | `No` |
//! | `GES.7019` (backup quota reached) | [`BackupQuotaExceeded`](ServiceErrorKind::BackupQuotaExceeded) | `No` |
//! | `APIGW.0308`, HTTP 429 | `Throttling` | `Safe` (retried for every operation) |
//! | `GES.7005`, `GES.7006`, `GES.7051` (the vendor says retry) | `Unavailable` | `Safe` |
//! | `APIGW.0301`, `APIGW.0303`, `APIGW.0305`, `APIGW.0307`, HTTP 401 | `Authentication` | `No` |
//! | `APIGW.0302`, `APIGW.0304`, `APIGW.0306`, HTTP 403 | `PermissionDenied` | `No` |
//! | `GES.7000`, `GES.7007`, `GES.7024`, `GES.0047`, HTTP 404 | `NotFound` | `No` |
//! | anything else | by HTTP status ([`DefaultClassifier::by_status`]) | |
//!
//! ```
//! use backup_core::{Error, ServiceErrorKind};
//!
//! fn explain(e: &Error) -> &'static str {
//!     match e.service_error_kind() {
//!         Some(ServiceErrorKind::BackupInProgress) => "a backup of this graph is already running",
//!         Some(ServiceErrorKind::BackupQuotaExceeded) => "delete old backups first",
//!         _ => "something else",
//!     }
//! }
//! # let _ = explain;
//! ```

use backup_core::{
    ClassifyResponse, DefaultClassifier, HttpResponse, OperationInfo, Retryability, ServiceError,
    ServiceErrorKind,
};
use serde_json::Value;

/// `GES.7002`: the graph is being backed up.
pub const BACKUP_IN_PROGRESS: &str = "GES.7002";
/// `GES.7019`: the number of graph backups reached the upper limit.
pub const BACKUP_QUOTA_EXCEEDED: &str = "GES.7019";
/// `APIGW.0308`: the API Gateway throttling threshold was reached.
pub const THROTTLED: &str = "APIGW.0308";
/// `APIGW.0301`: incorrect IAM authentication information (bad signature, expired token).
pub const AUTHENTICATION_FAILED: &str = "APIGW.0301";

/// How many levels of nested objects are searched for an error code.
const MAX_DEPTH: usize = 4;

/// Classifies GES, API Gateway and IAM responses (see the [module docs](self)).
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct GesClassifier;

impl ClassifyResponse for GesClassifier {
    fn classify(
        &self,
        _operation: &OperationInfo,
        response: &HttpResponse,
    ) -> Option<ServiceError> {
        if response.status < 400 {
            return None;
        }
        let body = parse_error_body(&response.body);
        let (kind, retryability) = classify_code(response.status, body.code.as_deref());
        let mut error = ServiceError::new(response.status, kind, retryability)
            .with_excerpt(&response.body)
            .with_request_id(
                self.request_id(response)
                    .or_else(|| body.request_id.clone()),
            );
        if let Some(code) = body.code {
            error = error.with_code(code);
        }
        if let Some(message) = body.message {
            error = error.with_message(message);
        }
        Some(error)
    }
}

/// The parts of an error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorBody {
    /// The vendor's code (`GES.7002`, `APIGW.0308`, `401` for IAM's numeric codes).
    pub code: Option<String>,
    /// The vendor's message.
    pub message: Option<String>,
    /// A `request_id` member (API Gateway errors carry one).
    pub request_id: Option<String>,
}

/// Finds the code and message in an error body: the first of `error_code`/`error_msg`,
/// `errorCode`/`errorMessage` (or `errorMsg`), `code`/`message`, searched in the top-level
/// object and then in nested objects (breadth first, a few levels deep). A body that is
/// not JSON gives an empty result.
pub fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::default();
    };
    let mut out = ErrorBody::default();
    let mut level = vec![&value];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for v in &level {
            let Value::Object(map) = v else { continue };
            if out.request_id.is_none() {
                out.request_id = map.get("request_id").and_then(scalar);
            }
            if out.code.is_none() {
                for (code_key, message_keys) in [
                    ("error_code", &["error_msg", "error_message"][..]),
                    ("errorCode", &["errorMessage", "errorMsg"][..]),
                    ("code", &["message", "msg"][..]),
                ] {
                    if let Some(code) = map.get(code_key).and_then(scalar) {
                        out.code = Some(code);
                        out.message = message_keys
                            .iter()
                            .find_map(|k| map.get(*k).and_then(scalar));
                        break;
                    }
                }
            }
            next.extend(map.values().filter(|v| v.is_object()));
        }
        if out.code.is_some() || next.is_empty() {
            break;
        }
        level = next;
    }
    out
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The kind and retryability of an error response with `status` and vendor `code`.
pub fn classify_code(status: u16, code: Option<&str>) -> (ServiceErrorKind, Retryability) {
    use Retryability::{No, Safe};
    use ServiceErrorKind as K;
    match code {
        Some(BACKUP_IN_PROGRESS) => (K::BackupInProgress, No),
        Some(BACKUP_QUOTA_EXCEEDED) => (K::BackupQuotaExceeded, No),
        Some(THROTTLED) => (K::Throttling, Safe),
        Some("GES.7005" | "GES.7006" | "GES.7051") => (K::Unavailable, Safe),
        Some("APIGW.0301" | "APIGW.0303" | "APIGW.0305" | "APIGW.0307") => (K::Authentication, No),
        Some("APIGW.0302" | "APIGW.0304" | "APIGW.0306") => (K::PermissionDenied, No),
        Some("GES.7000" | "GES.7007" | "GES.7024" | "GES.0047") => (K::NotFound, No),
        _ => DefaultClassifier::by_status(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_documented_shape() {
        let v2 = parse_error_body(
            br#"{"error_msg": "Cluster does not exist or has been deleted.", "error_code": "GES.0047"}"#,
        );
        assert_eq!(v2.code.as_deref(), Some("GES.0047"));
        assert_eq!(
            v2.message.as_deref(),
            Some("Cluster does not exist or has been deleted.")
        );
        let v1 = parse_error_body(br#"{"errorCode":"GES.7002","errorMessage":"busy"}"#);
        assert_eq!(
            (v1.code.as_deref(), v1.message.as_deref()),
            (Some("GES.7002"), Some("busy"))
        );
        let nested =
            parse_error_body(br#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#);
        assert_eq!(nested.code.as_deref(), Some("401"));
        assert_eq!(
            nested.message.as_deref(),
            Some("The request you have made requires authentication.")
        );
        let apig = parse_error_body(
            br#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached","request_id":"r-1"}"#,
        );
        assert_eq!(apig.request_id.as_deref(), Some("r-1"));
        assert_eq!(parse_error_body(b"<html>oops</html>"), ErrorBody::default());
    }

    #[test]
    fn codes_map_to_documented_kinds() {
        use Retryability::*;
        use ServiceErrorKind as K;
        let cases: &[(u16, Option<&str>, K, Retryability)] = &[
            (400, Some("GES.7002"), K::BackupInProgress, No),
            (400, Some("GES.7019"), K::BackupQuotaExceeded, No),
            (429, Some("APIGW.0308"), K::Throttling, Safe),
            (429, None, K::Throttling, Safe),
            (408, Some("GES.7005"), K::Unavailable, Safe),
            (400, Some("GES.7006"), K::Unavailable, Safe),
            (400, Some("GES.7051"), K::Unavailable, Safe),
            (401, Some("APIGW.0301"), K::Authentication, No),
            (401, None, K::Authentication, No),
            (403, None, K::PermissionDenied, No),
            (400, Some("GES.7000"), K::NotFound, No),
            (400, Some("GES.0001"), K::InvalidRequest, No),
            (500, None, K::Server, IfIdempotent),
        ];
        for (status, code, kind, retry) in cases {
            assert_eq!(
                classify_code(*status, *code),
                (kind.clone(), *retry),
                "{status} {code:?}"
            );
        }
    }
}
