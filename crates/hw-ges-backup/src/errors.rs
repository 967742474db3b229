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

use backup_core::skew::SkewSignal;
use backup_core::{
    ClassifyResponse, DefaultClassifier, HttpResponse, OperationInfo, Retryability, ServiceError,
    ServiceErrorKind,
};
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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
    fn classify(&self, operation: &OperationInfo, response: &HttpResponse) -> Option<ServiceError> {
        // The default decides what failed and keeps the excerpt; GES refines the kind by code.
        let mut error = DefaultClassifier.classify(operation, response)?;
        let body = parse_error_body(&response.body);
        (error.kind, error.retryability) = classify_code(response.status, body.code.as_deref());
        error = error.with_request_id(
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

    /// APIG refuses a stale `X-Sdk-Date` with 401 `APIGW.0301` "... signature expired,
    /// signature time:...,server time:..." (huaweicloud-sdk-java-v3 issue 44). Other
    /// `APIGW.0301` answers (a wrong key, a bad signature) may still be skew with a reworded
    /// message: the response's `Date` decides those against the 15-minute window.
    fn skew_signal(&self, error: &ServiceError) -> Option<SkewSignal> {
        if error.http_status != 401 || error.code.as_deref() != Some("APIGW.0301") {
            return None;
        }
        let stated = error
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("signature expired"));
        Some(if stated {
            SkewSignal::Stated
        } else {
            SkewSignal::Possible {
                window: SIGNATURE_WINDOW,
            }
        })
    }
}

/// How far APIG lets `X-Sdk-Date` be from its clock (15 minutes, per the API signing
/// guide).
pub(crate) const SIGNATURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

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
/// object and then in nested objects, level by level, four levels deep: the shallowest
/// object carrying a code key wins (the first one, in document order, at that depth), and
/// `request_id` is taken from the shallowest object having one, no deeper than the code.
/// The body is read once; only those members are kept, the rest is skipped unread. A body
/// that is not JSON gives an empty result.
pub fn parse_error_body(body: &[u8]) -> ErrorBody {
    let mut search = Search::default();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let read = MemberSeed {
        depth: 0,
        search: &mut search,
    }
    .deserialize(&mut deserializer)
    .and_then(|_| deserializer.end());
    if read.is_err() {
        return ErrorBody::default();
    }
    search.into_error_body()
}

/// The code keys, each with its message keys, in the order they are tried.
const CODE_KEYS: [(&str, &[&str]); 3] = [
    ("error_code", &["error_msg", "error_message"]),
    ("errorCode", &["errorMessage", "errorMsg"]),
    ("code", &["message", "msg"]),
];

/// Every member name [`parse_error_body`] keeps the text of.
const KEPT: [&str; 10] = [
    "request_id",
    "error_code",
    "error_msg",
    "error_message",
    "errorCode",
    "errorMessage",
    "errorMsg",
    "code",
    "message",
    "msg",
];

/// The best findings so far, each with the depth it was found at.
#[derive(Default)]
struct Search {
    code: Option<(usize, String, Option<String>)>,
    request_id: Option<(usize, String)>,
}

impl Search {
    /// Takes what the object at `depth` holds. Objects are finished children first, but
    /// two objects at the same depth finish in document order, which is the order a
    /// level-by-level search meets them: only a strictly shallower finding replaces one.
    fn offer(&mut self, depth: usize, kept: &[Option<String>; KEPT.len()]) {
        let text = |name: &str| {
            KEPT.iter()
                .position(|k| *k == name)
                .and_then(|i| kept.get(i).cloned().flatten())
        };
        if self.request_id.as_ref().is_none_or(|(d, _)| depth < *d)
            && let Some(id) = text("request_id")
        {
            self.request_id = Some((depth, id));
        }
        if self.code.as_ref().is_none_or(|(d, _, _)| depth < *d) {
            for (code_key, message_keys) in CODE_KEYS {
                if let Some(code) = text(code_key) {
                    let message = message_keys.iter().find_map(|k| text(k));
                    self.code = Some((depth, code, message));
                    break;
                }
            }
        }
    }

    fn into_error_body(self) -> ErrorBody {
        let code_depth = self.code.as_ref().map_or(usize::MAX, |(d, _, _)| *d);
        let (code, message) = match self.code {
            Some((_, code, message)) => (Some(code), message),
            None => (None, None),
        };
        ErrorBody {
            code,
            message,
            request_id: self
                .request_id
                .filter(|(d, _)| *d <= code_depth)
                .map(|(_, id)| id),
        }
    }
}

/// Reads one value: its text when it is a non-empty string or a number; an object at
/// `depth` is searched (and its objects, down to [`MAX_DEPTH`] levels); anything else is
/// skipped.
struct MemberSeed<'a> {
    depth: usize,
    search: &'a mut Search,
}

impl<'de> DeserializeSeed<'de> for MemberSeed<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok((!v.is_empty()).then(|| v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Option<String>, E> {
        Ok((!v.is_empty()).then_some(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Option<String>, E> {
        Ok(serde_json::Number::from_f64(v).map(|n| n.to_string()))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut kept: [Option<String>; KEPT.len()] = Default::default();
        let descend = self.depth + 1 < MAX_DEPTH;
        while let Some(key) = map.next_key::<String>()? {
            let slot = KEPT.iter().position(|k| *k == key);
            if slot.is_none() && !descend {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let text = map.next_value_seed(MemberSeed {
                depth: if descend { self.depth + 1 } else { MAX_DEPTH },
                search: &mut *self.search,
            })?;
            if let Some(kept_text) = slot.and_then(|i| kept.get_mut(i)) {
                *kept_text = text;
            }
        }
        if self.depth < MAX_DEPTH {
            self.search.offer(self.depth, &kept);
        }
        Ok(None)
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

    /// The level-by-level search over a whole `Value` tree that `parse_error_body` replaced.
    fn breadth_first(body: &[u8]) -> ErrorBody {
        use serde_json::Value;
        let scalar = |v: &Value| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
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
                    for (code_key, message_keys) in CODE_KEYS {
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

    #[test]
    fn reads_what_a_breadth_first_search_of_the_whole_tree_reads() {
        for body in [
            r#"{"a":{"b":{"code":"deep","message":"m3"}},"c":{"error_code":"E1","error_msg":"m1"}}"#,
            r#"{"a":{"code":"first"},"b":{"code":"second"},"request_id":"top"}"#,
            r#"{"a":{"request_id":"r1","x":{"code":"c2"}},"b":{"request_id":"r2"}}"#,
            r#"{"a":{"x":{"request_id":"deep"}},"code":"top"}"#,
            r#"{"a":{"b":{"c":{"d":{"code":"too deep"}}}},"e":{"f":{"g":{"code":"deepest kept"}}}}"#,
            r#"{"code":"","errorCode":7,"errorMsg":"m","message":"ignored"}"#,
            r#"{"list":[{"code":"in an array"}],"error":{"code":true,"msg":"x"}}"#,
            r#"{"error":{"error_code":"APIGW.0301","error_msg":"m","request_id":"r"}}"#,
            r#"[{"code":"x"}]"#,
            r#"{"code":1.5e3}"#,
            r#"{"code":"x""#,
        ] {
            assert_eq!(
                parse_error_body(body.as_bytes()),
                breadth_first(body.as_bytes()),
                "{body}"
            );
        }
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
