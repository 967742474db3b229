//! Error bodies (gateway and service, JSON or XML, read leniently) and their classification.

use super::*;

/// Which layer produced an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorSource {
    /// The API gateway (`{"error":{"errorCode",...}}`): authentication, permission, quota,
    /// routing. The service never saw the request.
    Gateway,
    /// The service (`{"responseError":{"returnCode",...}}`, or an envelope whose
    /// `returnCode` is not `"0"`).
    Service,
}

/// What an error body says, read leniently.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorBody {
    /// Gateway or service.
    pub source: ErrorSource,
    /// `errorCode` or `returnCode` (also read from `responseCode`, `code`).
    pub code: Option<String>,
    /// `message` or `returnMessage` (also `responseMessage`, `errorMessage`).
    pub message: Option<String>,
    /// The gateway's `details`.
    pub details: Option<String>,
    /// `requestId`, when the body carries one.
    pub request_id: Option<String>,
}

pub(super) const CODE_KEYS: [&str; 4] = ["returnCode", "responseCode", "errorCode", "code"];
pub(super) const MESSAGE_KEYS: [&str; 4] = [
    "returnMessage",
    "responseMessage",
    "message",
    "errorMessage",
];
pub(super) const GATEWAY_CODE_KEYS: [&str; 4] = ["errorCode", "code", "returnCode", "responseCode"];
pub(super) const GATEWAY_MESSAGE_KEYS: [&str; 4] = [
    "message",
    "errorMessage",
    "returnMessage",
    "responseMessage",
];

/// Reads an error body (or a success envelope, whose `returnCode` is then `"0"`) from a
/// response body, in JSON or XML.
///
/// A body that parses is read structurally, keeping only the members named above (the
/// rest is skipped, whatever its size). One that does not (a missing comma, a truncated
/// document) is scanned for the known keys, as `"key": "value"` or `<key>value</key>`.
/// `None` when neither finds anything: an HTML error page, an empty body.
pub fn parse_error_body(body: &[u8]) -> Option<ErrorBody> {
    let parsed = body_text(body).and_then(|text| match text {
        BodyText::Json(text) => serde_json::from_str::<ErrorRoot>(text).map_err(|e| e.to_string()),
        BodyText::Xml(text) => {
            let value = xml_to_value(text)?;
            ErrorRoot::deserialize(&value).map_err(|e| e.to_string())
        }
    });
    match parsed {
        Ok(root) => root.into_error_body(),
        Err(_) => scan_error_body(&String::from_utf8_lossy(body)),
    }
}

/// The members of an error object this module reads, by name.
pub(super) const ERROR_FIELDS: [&str; 11] = [
    "returnCode",
    "responseCode",
    "errorCode",
    "code",
    "returnMessage",
    "responseMessage",
    "message",
    "errorMessage",
    "details",
    "detail",
    "requestId",
];

/// The known members of one object of an error body: whether each is present, and its
/// text when it is a string, number or boolean. Other members are skipped unread.
#[derive(Clone, Default)]
pub(super) struct ErrorFields {
    present: [bool; ERROR_FIELDS.len()],
    text: [Option<String>; ERROR_FIELDS.len()],
}

impl ErrorFields {
    fn index(name: &str) -> Option<usize> {
        ERROR_FIELDS.iter().position(|known| *known == name)
    }

    fn has(&self, name: &str) -> bool {
        Self::index(name).is_some_and(|i| self.present.get(i).copied().unwrap_or(false))
    }

    fn mark_present(&mut self, i: usize) {
        if let Some(present) = self.present.get_mut(i) {
            *present = true;
        }
    }

    fn set_text(&mut self, i: usize, text: Option<String>) {
        if let Some(slot) = self.text.get_mut(i) {
            *slot = text;
        }
    }

    /// The text of the first of `names` that has one.
    fn first(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .filter_map(|name| Self::index(name))
            .find_map(|i| self.text.get(i).cloned().flatten())
    }
}

/// A member's value as far as error bodies care: its text, or the known members of an
/// object; anything else (arrays, null) is skipped.
pub(super) enum ErrorValue {
    Text(Option<String>),
    Object(Box<ErrorFields>),
}

impl ErrorValue {
    fn into_text(self) -> Option<String> {
        match self {
            ErrorValue::Text(text) => text,
            ErrorValue::Object(_) => None,
        }
    }

    fn into_object(self) -> Option<ErrorFields> {
        match self {
            ErrorValue::Object(fields) => Some(*fields),
            ErrorValue::Text(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for ErrorValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ErrorValueVisitor)
    }
}

pub(super) struct ErrorValueVisitor;

impl<'de> Visitor<'de> for ErrorValueVisitor {
    type Value = ErrorValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_string())))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_string())))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(
            serde_json::Number::from_f64(v).map(|n| n.to_string()),
        ))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_string())))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ErrorValue::Text(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorValue, A::Error> {
        let mut fields = ErrorFields::default();
        while let Some(key) = map.next_key::<String>()? {
            match ErrorFields::index(&key) {
                Some(i) => {
                    fields.mark_present(i);
                    fields.set_text(i, map.next_value::<ErrorValue>()?.into_text());
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ErrorValue::Object(Box::new(fields)))
    }
}

/// The top level of an error body: its own known members, `error`, `responseError`, and
/// the first member when it is an object (an envelope `{"xResponse": {...}}`).
#[derive(Default)]
pub(super) struct ErrorRoot {
    is_object: bool,
    members: usize,
    fields: ErrorFields,
    error: Option<ErrorValue>,
    response_error: Option<ErrorFields>,
    first_member: Option<ErrorFields>,
}

impl<'de> Deserialize<'de> for ErrorRoot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ErrorRootVisitor)
    }
}

pub(super) struct ErrorRootVisitor;

impl<'de> Visitor<'de> for ErrorRootVisitor {
    type Value = ErrorRoot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorRoot, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ErrorRoot::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorRoot, A::Error> {
        let mut root = ErrorRoot {
            is_object: true,
            ..ErrorRoot::default()
        };
        while let Some(key) = map.next_key::<String>()? {
            root.members += 1;
            let known = ErrorFields::index(&key);
            let wanted =
                root.members == 1 || known.is_some() || key == "error" || key == "responseError";
            if !wanted {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value::<ErrorValue>()?;
            if let Some(i) = known {
                root.fields.mark_present(i);
            }
            if root.members == 1
                && let ErrorValue::Object(fields) = &value
            {
                root.first_member = Some(ErrorFields::clone(fields));
            }
            match (known, key.as_str()) {
                (Some(i), _) => root.fields.set_text(i, value.into_text()),
                (None, "error") => root.error = Some(value),
                (None, "responseError") => root.response_error = value.into_object(),
                _ => {}
            }
        }
        Ok(root)
    }
}

impl ErrorRoot {
    fn into_error_body(self) -> Option<ErrorBody> {
        if !self.is_object {
            return None;
        }
        if let Some(error) = self.error {
            return Some(match error {
                ErrorValue::Object(e) => ErrorBody {
                    source: ErrorSource::Gateway,
                    code: e.first(&GATEWAY_CODE_KEYS),
                    message: e.first(&GATEWAY_MESSAGE_KEYS),
                    details: e.first(&["details", "detail"]),
                    request_id: e
                        .first(&["requestId"])
                        .or_else(|| self.fields.first(&["requestId"])),
                },
                ErrorValue::Text(message) => ErrorBody {
                    source: ErrorSource::Gateway,
                    code: None,
                    message,
                    details: None,
                    request_id: self.fields.first(&["requestId"]),
                },
            });
        }
        if let Some(e) = self.response_error {
            return Some(ErrorBody {
                source: ErrorSource::Service,
                code: e.first(&CODE_KEYS),
                message: e.first(&MESSAGE_KEYS),
                details: None,
                request_id: e
                    .first(&["requestId"])
                    .or_else(|| self.fields.first(&["requestId"])),
            });
        }
        let inner = if self.fields.has("returnCode") || self.fields.has("responseCode") {
            self.fields
        } else if self.members == 1 {
            self.first_member?
        } else {
            return None;
        };
        let code = inner.first(&["returnCode", "responseCode"])?;
        Some(ErrorBody {
            source: ErrorSource::Service,
            code: Some(code),
            message: inner.first(&["returnMessage", "responseMessage"]),
            details: None,
            request_id: inner.first(&["requestId"]),
        })
    }
}

pub(super) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn scan_error_body(text: &str) -> Option<ErrorBody> {
    let gateway = text.contains("\"error\"") || text.contains("<error>");
    let service = text.contains("responseError");
    let (source, code_keys, message_keys): (_, &[&str], &[&str]) = if gateway && !service {
        (
            ErrorSource::Gateway,
            &GATEWAY_CODE_KEYS,
            &GATEWAY_MESSAGE_KEYS,
        )
    } else {
        (ErrorSource::Service, &CODE_KEYS, &MESSAGE_KEYS)
    };
    let code = code_keys.iter().find_map(|k| scan_value(text, k));
    let message = message_keys.iter().find_map(|k| scan_value(text, k));
    if code.is_none() && message.is_none() && !gateway && !service {
        return None;
    }
    Some(ErrorBody {
        source,
        code,
        message,
        details: scan_value(text, "details"),
        request_id: scan_value(text, "requestId"),
    })
}

/// Finds the value of `key` in a body that may not parse: the first `"key": "value"`
/// (or `"key": token`) or `<key>value</key>`. A small hand-written scanner; no regex.
pub fn scan_value(text: &str, key: &str) -> Option<String> {
    scan_json_value(text, key).or_else(|| scan_xml_value(text, key))
}

pub(super) fn scan_json_value(text: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    for (at, _) in text.match_indices(&needle) {
        let rest = text
            .get(at + needle.len()..)
            .unwrap_or_default()
            .trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.chars();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('r') => out.push('\r'),
                        Some('u') => {
                            let hex: String = chars.by_ref().take(4).collect();
                            if let Some(c) =
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                            {
                                out.push(c);
                            }
                        }
                        Some(other) => out.push(other),
                        None => break,
                    },
                    c => out.push(c),
                }
                if out.len() > 4096 {
                    break;
                }
            }
            if closed {
                return Some(out);
            }
            continue;
        }
        let token: String = rest
            .chars()
            .take_while(|c| !matches!(c, ',' | '}' | ']' | '"') && !c.is_whitespace())
            .take(256)
            .collect();
        if !token.is_empty() && token != "null" {
            return Some(token);
        }
    }
    None
}

pub(super) fn scan_xml_value(text: &str, key: &str) -> Option<String> {
    let open = format!("<{key}>");
    let close = format!("</{key}>");
    let (_, after_open) = text.split_once(&open)?;
    let (raw, _) = after_open.split_once(&close)?;
    let raw = raw.trim();
    let raw = raw
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
        .unwrap_or(raw);
    Some(
        quick_xml::escape::unescape(raw)
            .map(Cow::into_owned)
            .unwrap_or_else(|_| raw.to_owned()),
    )
}

/// Classifies an NCP response: `None` for a success, the [`ServiceError`] otherwise.
///
/// | what | kind | retried |
/// |---|---|---|
/// | HTTP 401; gateway `200` Authentication Failed | `Authentication` | never |
/// | gateway `210` Permission Denied, `230` Forbidden; HTTP 403; service `5000020` (sub-account not allowed) | `PermissionDenied` | never |
/// | HTTP 429; gateway `400` Quota Exceeded, `410` Throttle Limited, `420` Rate Limited | `Throttling` | yes (`Safe`: not processed) |
/// | HTTP 503 with gateway `500` Endpoint Error | `Unavailable` | yes (`Safe`: the gateway could not reach the service) |
/// | service `1000` ("Please try your call again later") | `Unavailable` | only idempotent operations (`IfIdempotent`): no public source says it means "not processed" |
/// | service `5001017` (lookup result is 0 or already deleted); gateway `300`; HTTP 404 | `NotFound` | never |
/// | service `900` (required field not specified); gateway `100`, `430`; other 4xx | `InvalidRequest` | never |
/// | gateway `510` Endpoint Timeout, `900` Unexpected Error; other 5xx | `Unavailable`/`Server` | only idempotent operations (`IfIdempotent`) |
/// | a 2xx whose `returnCode` is not `"0"`, with a code not listed above | `Other` | never |
///
/// The service's message, the gateway's `details` and `requestId` are kept; the raw
/// excerpt is always kept.
pub fn classify_error(status: u16, body: &[u8]) -> Option<ServiceError> {
    let success = (200..300).contains(&status);
    let parsed = parse_error_body(body);
    if success {
        match &parsed {
            None => return None,
            Some(b)
                if b.source == ErrorSource::Service && b.code.as_deref().is_none_or(is_zero) =>
            {
                return None;
            }
            Some(_) => {}
        }
    }
    let (kind, retryability) = classify_code(status, parsed.as_ref());
    let mut error = ServiceError::new(status, kind, retryability).with_excerpt(body);
    if let Some(b) = parsed {
        error.code = b.code;
        error.message = match (b.message, b.details) {
            (Some(m), Some(d)) if !d.trim().is_empty() && d != m => Some(format!("{m} ({d})")),
            (Some(m), _) => Some(m),
            (None, Some(d)) if !d.trim().is_empty() => Some(d),
            (None, _) => None,
        };
        error.request_id = b.request_id;
    }
    Some(error)
}

pub(super) fn is_zero(code: &str) -> bool {
    code.trim() == "0"
}

pub(super) fn classify_code(
    status: u16,
    body: Option<&ErrorBody>,
) -> (ServiceErrorKind, Retryability) {
    use Retryability::{IfIdempotent, No, Safe};
    use ServiceErrorKind as K;
    let code = body.and_then(|b| b.code.as_deref()).map(str::trim);
    let source = body.map(|b| b.source);
    match (source, code) {
        (Some(ErrorSource::Gateway), Some("200")) => return (K::Authentication, No),
        (Some(ErrorSource::Gateway), Some("210" | "230")) => return (K::PermissionDenied, No),
        (Some(ErrorSource::Gateway), Some("400" | "410" | "420")) => return (K::Throttling, Safe),
        (Some(ErrorSource::Gateway), Some("500")) if status == 503 => {
            return (K::Unavailable, Safe);
        }
        (Some(ErrorSource::Gateway), Some("500" | "510")) => return (K::Unavailable, IfIdempotent),
        (Some(ErrorSource::Gateway), Some("300")) => return (K::NotFound, No),
        (Some(ErrorSource::Gateway), Some("100" | "430")) => return (K::InvalidRequest, No),
        (Some(ErrorSource::Gateway), Some("900")) => return (K::Server, IfIdempotent),
        (Some(ErrorSource::Service), Some("5001017")) => return (K::NotFound, No),
        (Some(ErrorSource::Service), Some("900")) => return (K::InvalidRequest, No),
        // "Please try your call again later": retryable (terraform-provider-ncloud #298),
        // but nothing public says the request was not processed, so a create answered
        // with it is ambiguous rather than repeated.
        (Some(ErrorSource::Service), Some("1000")) => return (K::Unavailable, IfIdempotent),
        (Some(ErrorSource::Service), Some("5000020")) => return (K::PermissionDenied, No),
        _ => {}
    }
    match status {
        200..=299 => (K::Other, No),
        401 => (K::Authentication, No),
        _ => DefaultClassifier::by_status(status),
    }
}

/// The [`ClassifyResponse`] of NCP: [`classify_error`], and the request id from the body's
/// `requestId` (envelope, `error` or `responseError`), else the `X-Request-Id` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct NcpClassifier;

impl ClassifyResponse for NcpClassifier {
    fn classify(
        &self,
        _operation: &OperationInfo,
        response: &HttpResponse,
    ) -> Option<ServiceError> {
        classify_error(response.status, &response.body)
    }

    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        request_id_of(response)
    }

    /// The gateway answers a timestamp more than [`SIGNATURE_WINDOW`] from its clock with
    /// its generic 401 "Authentication Failed" (code 200), the same as a wrong key: so any
    /// 401 may be skew, and the response's `Date` decides. UNVERIFIED that the gateway has
    /// no more specific answer.
    fn skew_signal(&self, error: &ServiceError) -> Option<SkewSignal> {
        (error.http_status == 401 && error.kind == ServiceErrorKind::Authentication).then_some(
            SkewSignal::Possible {
                window: SIGNATURE_WINDOW,
            },
        )
    }
}

/// How far the API Gateway lets `x-ncp-apigw-timestamp` be from its clock (5 minutes, per
/// the Ncloud API v2 documentation).
pub const SIGNATURE_WINDOW: Duration = Duration::from_secs(5 * 60);

pub(super) fn request_id_of(response: &HttpResponse) -> Option<String> {
    let head = response.body.get(..64 * 1024).unwrap_or(&response.body);
    scan_value(&String::from_utf8_lossy(head), "requestId")
        .filter(|id| !id.is_empty())
        .or_else(|| response.header("x-request-id").map(str::to_owned))
}
