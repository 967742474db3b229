//! OCP's wire protocol around the generated operations: the response envelope and error
//! classification. Storage secrets are kept out of errors by backup-core's
//! [`Secrets`](backup_core::redact::Secrets): the client registers those of each request
//! body.

use backup_core::{
    ClassifyResponse, DefaultClassifier, HttpResponse, OperationInfo, ResponseError, Retryability,
    ServiceError, ServiceErrorKind, redact,
};
use std::fmt;
use std::marker::PhantomData;

use backup_core::operation::de;
use backup_core::skew::SkewSignal;
use serde::Deserialize;
use serde::de::value::MapDeserializer;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::{ApiError, BackupCommonResponse, BackupObjectOpsResult, Envelope};

/// How many sub-errors are summarised in an error message.
const SUB_ERROR_LIMIT: usize = 5;

impl Envelope {
    /// Parses an OCP response body (success or error).
    ///
    /// # Errors
    ///
    /// A human-readable reason when the body is not a JSON object.
    pub fn parse(body: &[u8]) -> Result<Envelope, String> {
        starts_as_object(body)?;
        de::with_response_budget(|| serde_json::from_slice(body)).map_err(|e: serde_json::Error| {
            if e.is_syntax() || e.is_eof() {
                format!("the body is not JSON: {e}")
            } else {
                format!("the envelope is malformed: {e}")
            }
        })
    }

    /// The trace id (OCP's request id), when present and not empty.
    pub fn request_id(&self) -> Option<&str> {
        self.trace_id.as_deref().filter(|id| !id.is_empty())
    }
}

impl ApiError {
    /// The error code as text: OCP sends a number, some clients and proxies a string.
    pub fn code_text(&self) -> Option<String> {
        value_text(self.code.as_ref()?)
    }

    /// The code as a number, when it is one (or a string of digits).
    pub fn code_number(&self) -> Option<i64> {
        match self.code.as_ref()? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A summary: the message, the debug message when it adds something, and the
    /// sub-errors' fields and messages. Rejected values are never included: they may echo
    /// a secret. It is not cut: the client scrubs secrets first, then cuts.
    pub fn summary(&self) -> Option<String> {
        let mut out = String::new();
        if let Some(message) = self.message.as_deref().filter(|m| !m.trim().is_empty()) {
            out.push_str(message.trim());
        }
        if let Some(debug) = self.debug_message.as_deref().map(str::trim)
            && !debug.is_empty()
            && Some(debug) != self.message.as_deref().map(str::trim)
        {
            if out.is_empty() {
                out.push_str(debug);
            } else {
                out.push_str(" (");
                out.push_str(debug);
                out.push(')');
            }
        }
        let subs: Vec<String> = self
            .sub_errors
            .iter()
            .flatten()
            .take(SUB_ERROR_LIMIT)
            .filter_map(|s| {
                let message = s.message.as_deref().unwrap_or("").trim();
                let subject = match (s.object.as_deref(), s.field.as_deref()) {
                    (_, Some(field)) if !field.is_empty() => field.to_owned(),
                    (Some(object), _) if !object.is_empty() => object.to_owned(),
                    _ => {
                        let code = s.code.as_ref().and_then(value_text);
                        match (code, s.sql_state.as_deref()) {
                            (Some(code), Some(state)) => {
                                format!("OceanBase error {code} ({state})")
                            }
                            (Some(code), None) => format!("OceanBase error {code}"),
                            (None, Some(state)) => format!("SQLState {state}"),
                            (None, None) => String::new(),
                        }
                    }
                };
                match (subject.is_empty(), message.is_empty()) {
                    (true, true) => None,
                    (true, false) => Some(message.to_owned()),
                    (false, true) => Some(subject),
                    (false, false) => Some(format!("{subject}: {message}")),
                }
            })
            .collect();
        if !subs.is_empty() {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&subs.join("; "));
        }
        if out.is_empty() { None } else { Some(out) }
    }
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// Classifies OCP responses: an HTTP error status, or a body with `successful: false`, is
/// an error whose code, message and trace id come from the error envelope.
///
/// - 429 is throttling: retried for every operation, after `RateLimit-Reset` seconds.
/// - 401 and 403 (and codes 30000-30004, 30014) are authentication and permission errors:
///   never retried.
/// - 400 and 404 (codes 10001, 10002, 20000) are final.
/// - Other 5xx may have been processed: retried only for idempotent operations (never for
///   backupNow).
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct OcpClassifier;

impl ClassifyResponse for OcpClassifier {
    fn classify(&self, operation: &OperationInfo, response: &HttpResponse) -> Option<ServiceError> {
        // A backup-starting answer is read once, head and `data` together, for both the
        // envelope's verdict and the refusals; any other answer's `data` is skipped unread.
        let (envelope, started) = if response.status < 400 && starts_backup(operation.name) {
            match StartedEnvelope::parse(&response.body) {
                Some(parsed) => (Some(parsed.head), parsed.data),
                // `data` may be what does not parse: the head alone still gives the verdict.
                None => (EnvelopeHead::parse(&response.body), None),
            }
        } else {
            (EnvelopeHead::parse(&response.body), None)
        };
        let flagged = envelope.as_ref().and_then(|e| e.successful) == Some(false);
        if response.status < 400 && !flagged {
            return backup_refusal(response.status, started?).map(|error| {
                error.with_request_id(
                    envelope
                        .as_ref()
                        .and_then(|e| e.request_id())
                        .map(str::to_owned),
                )
            });
        }
        let body_status = envelope
            .as_ref()
            .and_then(|e| e.status)
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| *s >= 400);
        let effective = if response.status >= 400 {
            response.status
        } else {
            body_status.unwrap_or(0)
        };
        let (mut kind, mut retryability) = if effective >= 400 {
            DefaultClassifier::by_status(effective)
        } else {
            (ServiceErrorKind::Other, Retryability::No)
        };
        let api_error = envelope.as_ref().and_then(|e| e.error.as_ref());
        if let Some(code) = api_error.and_then(ApiError::code_number) {
            match code {
                30000..=30004 => {
                    (kind, retryability) = (ServiceErrorKind::Authentication, Retryability::No)
                }
                30014 => {
                    (kind, retryability) = (ServiceErrorKind::PermissionDenied, Retryability::No)
                }
                10001 if effective < 500 => {
                    (kind, retryability) = (ServiceErrorKind::InvalidRequest, Retryability::No)
                }
                10002 | 20000 if effective < 500 => {
                    (kind, retryability) = (ServiceErrorKind::NotFound, Retryability::No)
                }
                _ => {}
            }
        }
        // Whatever the body says, 401 and 403 are never retried.
        if matches!(effective, 401 | 403) {
            retryability = Retryability::No;
        }
        let mut error = ServiceError::new(response.status, kind, retryability)
            .with_excerpt(&response.body)
            .with_request_id(
                envelope
                    .as_ref()
                    .and_then(|e| e.request_id())
                    .map(str::to_owned),
            );
        if let Some(api_error) = api_error {
            if let Some(code) = api_error.code_text() {
                error = error.with_code(code);
            }
            if let Some(summary) = api_error.summary() {
                error = error.with_message(summary);
            }
        }
        Some(error)
    }

    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        EnvelopeHead::parse(&response.body)
            .and_then(|e| e.request_id().map(str::to_owned))
            .or_else(|| response.header("x-request-id").map(str::to_owned))
    }

    /// OCP documents no error for a `Date` out of its 15-minute window (UNVERIFIED: OCP
    /// Express answers bad credentials with 401 and codes 30000 to 30004), so any 401 may
    /// be skew, and the response's `Date` decides.
    fn skew_signal(&self, error: &ServiceError) -> Option<SkewSignal> {
        (error.http_status == 401).then_some(SkewSignal::Possible {
            window: SIGNATURE_WINDOW,
        })
    }
}

/// How far OCP lets a signed request's `Date` be from its clock ("less than 15 minutes",
/// per the AK/SK signing documentation).
pub(crate) const SIGNATURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// Whether `operation` starts a backup and answers with a [`BackupCommonResponse`]
/// (`backupNow`, `tenantBackupNow`).
pub(crate) fn starts_backup(operation: &str) -> bool {
    [&crate::BACKUP_NOW_SPEC, &crate::TENANT_BACKUP_NOW_SPEC]
        .iter()
        .any(|spec| spec.info.name == operation)
}

/// The error for a backup-starting answer in which OCP refused some backup objects
/// (`beSuccessful: false`), or `None` when it refused none (or `data` does not parse:
/// decoding reports that).
///
/// The error carries the first refusal's `errorCode` (as text) and `hint`, the object it
/// concerns as [`ServiceError::subject`], the other refusals in the message, and every
/// task id of the answer as [`ServiceError::started_job_ids`]: when OCP started backups
/// of some objects and refused others, those tasks run and must not be lost. Never
/// retried: OCP answered, and repeating the call would start the started ones again.
fn backup_refusal(status: u16, started: BackupCommonResponse) -> Option<ServiceError> {
    let mut refused = started.failed_results();
    let first = refused.next()?;
    let mut message = refusal_text(first);
    for other in refused.take(SUB_ERROR_LIMIT) {
        message.push_str(&format!(
            "; also not started for {}: {}",
            objects_text(other),
            refusal_text(other)
        ));
        if let Some(code) = error_code_text(other) {
            message.push_str(&format!(" (error code {code})"));
        }
    }
    let mut error = ServiceError::new(status, ServiceErrorKind::Other, Retryability::No)
        .with_message(message)
        .with_subject(objects_text(first))
        .with_started_job_ids(started.task_ids().iter().map(i64::to_string).collect());
    if let Some(code) = error_code_text(first) {
        error = error.with_code(code);
    }
    Some(error)
}

/// A refused result's hint, or a sentence saying there is none.
fn refusal_text(result: &BackupObjectOpsResult) -> String {
    result
        .hint
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or("OCP did not start the backup and gave no hint")
        .to_owned()
}

/// The longest `errorCode` kept when OCP sends it as an object, in characters.
const ERROR_CODE_CHARS: usize = 120;

/// `errorCode` as text. Its shape is undocumented ("Object"): a number or string is taken
/// as is, an object's `code` member when it has a plain one, anything else as compact JSON.
pub(crate) fn error_code_text(result: &BackupObjectOpsResult) -> Option<String> {
    let code = result.error_code.as_ref()?;
    if let Some(text) = value_text(code) {
        return Some(text);
    }
    match code {
        Value::Null => None,
        Value::Object(map) => map.get("code").and_then(value_text).or_else(|| {
            Some(redact::truncate_chars(&code.to_string(), ERROR_CODE_CHARS).into_owned())
        }),
        other => Some(redact::truncate_chars(&other.to_string(), ERROR_CODE_CHARS).into_owned()),
    }
}

/// The backup objects a result names: `cluster 8`, `tenant 1002 of cluster 8`.
fn objects_text(result: &BackupObjectOpsResult) -> String {
    let objects: Vec<String> = result
        .ob_backup_object_list
        .iter()
        .flatten()
        .take(SUB_ERROR_LIMIT)
        .map(|object| match (object.tenant_id, object.cluster_id) {
            (Some(tenant), Some(cluster)) => format!("tenant {tenant} of cluster {cluster}"),
            (Some(tenant), None) => format!("tenant {tenant}"),
            (None, Some(cluster)) => format!("cluster {cluster}"),
            (None, None) => "an unnamed backup object".to_owned(),
        })
        .collect();
    if objects.is_empty() {
        "an unnamed backup object".to_owned()
    } else {
        objects.join(", ")
    }
}

/// Unwraps a successful envelope and parses its `data` into `O` (a missing or null `data`
/// parses as an empty object), in one pass over the body and without an intermediate
/// value tree. Parse errors are scrubbed of the request's secrets and of the response's
/// secret-named members, and keep no excerpt for an operation that carries secrets.
pub(crate) fn unwrap_envelope<O: DeserializeOwned>(
    operation: &OperationInfo,
    response: &HttpResponse,
) -> Result<O, ResponseError> {
    let fail = |reason: String, request_id: Option<String>| {
        let mut e = ResponseError::for_response(operation, response, reason);
        e.request_id = request_id;
        e
    };
    if let Err(reason) = starts_as_object(&response.body) {
        return Err(fail(reason, None));
    }
    let mut data_failed = false;
    let parsed = de::with_response_budget(|| {
        let mut deserializer = serde_json::Deserializer::from_slice(&response.body);
        Deserializer::deserialize_map(
            &mut deserializer,
            DataEnvelopeVisitor::<O> {
                data_failed: &mut data_failed,
                output: PhantomData,
            },
        )
        .and_then(|envelope| deserializer.end().map(|()| envelope))
    });
    let envelope = match parsed {
        Ok(envelope) => envelope,
        Err(e) => {
            // Only on this error path is the body read a second time, for the trace id.
            let request_id = EnvelopeHead::parse(&response.body)
                .and_then(|head| head.trace_id)
                .filter(|id| !id.is_empty());
            let reason = if data_failed {
                format!("`data` does not parse: {e}")
            } else if e.is_syntax() || e.is_eof() {
                format!("the body is not JSON: {e}")
            } else {
                format!("the envelope is malformed: {e}")
            };
            return Err(fail(reason, request_id));
        }
    };
    let request_id = envelope.trace_id.filter(|id| !id.is_empty());
    if envelope.successful.is_none() && envelope.data.is_none() {
        return Err(fail(
            "not an OCP envelope (neither `successful` nor `data`)".into(),
            request_id,
        ));
    }
    if envelope.successful == Some(false) {
        return Err(fail(
            "the envelope says `successful: false`".into(),
            request_id,
        ));
    }
    tracing::debug!(
        trace_id = redact::escape(request_id.as_deref().unwrap_or("")).as_str(),
        "ocp response"
    );
    match envelope.data {
        Some(data) => Ok(data),
        None => O::deserialize(empty_object())
            .map_err(|e| fail(format!("`data` does not parse: {e}"), request_id)),
    }
}

fn empty_object()
-> MapDeserializer<'static, std::iter::Empty<(&'static str, &'static str)>, serde_json::Error> {
    MapDeserializer::new(std::iter::empty())
}

/// `Ok` when `body` starts (after blanks) as a JSON object; the reason otherwise.
fn starts_as_object(body: &[u8]) -> Result<(), String> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Ok(());
    }
    match serde_json::from_slice::<IgnoredAny>(body) {
        Ok(_) => Err("the body is not a JSON object".into()),
        Err(e) => Err(format!("the body is not JSON: {e}")),
    }
}

/// What the classifier needs of an envelope; `data` and anything else are skipped unread.
#[derive(Deserialize)]
struct EnvelopeHead {
    #[serde(default, deserialize_with = "de::lenient")]
    successful: Option<bool>,
    #[serde(default, deserialize_with = "de::lenient")]
    status: Option<i32>,
    #[serde(default, deserialize_with = "de::lenient")]
    error: Option<ApiError>,
    #[serde(default, rename = "traceId", deserialize_with = "de::lenient")]
    trace_id: Option<String>,
}

/// A backup-starting answer: the head the classifier needs and `data` as the answer it is.
struct StartedEnvelope {
    head: EnvelopeHead,
    data: Option<BackupCommonResponse>,
}

impl StartedEnvelope {
    fn parse(body: &[u8]) -> Option<StartedEnvelope> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default, deserialize_with = "de::lenient")]
            successful: Option<bool>,
            #[serde(default, deserialize_with = "de::lenient")]
            status: Option<i32>,
            #[serde(default, deserialize_with = "de::lenient")]
            error: Option<ApiError>,
            #[serde(default, rename = "traceId", deserialize_with = "de::lenient")]
            trace_id: Option<String>,
            #[serde(default, deserialize_with = "de::lenient")]
            data: Option<BackupCommonResponse>,
        }
        starts_as_object(body).ok()?;
        let wire: Wire = de::with_response_budget(|| serde_json::from_slice(body)).ok()?;
        Some(StartedEnvelope {
            head: EnvelopeHead {
                successful: wire.successful,
                status: wire.status,
                error: wire.error,
                trace_id: wire.trace_id,
            },
            data: wire.data,
        })
    }
}

/// The envelope's trace id (OCP's request id), when present and not empty.
pub(crate) fn trace_id(body: &[u8]) -> Option<String> {
    EnvelopeHead::parse(body).and_then(|head| head.request_id().map(str::to_owned))
}

impl EnvelopeHead {
    fn parse(body: &[u8]) -> Option<EnvelopeHead> {
        starts_as_object(body).ok()?;
        de::with_response_budget(|| serde_json::from_slice(body)).ok()
    }

    fn request_id(&self) -> Option<&str> {
        self.trace_id.as_deref().filter(|id| !id.is_empty())
    }
}

/// A success envelope with `data` read straight into the operation's output.
struct DataEnvelope<O> {
    successful: Option<bool>,
    data: Option<O>,
    trace_id: Option<String>,
}

struct DataEnvelopeVisitor<'a, O> {
    data_failed: &'a mut bool,
    output: PhantomData<O>,
}

impl<'de, O: DeserializeOwned> Visitor<'de> for DataEnvelopeVisitor<'_, O> {
    type Value = DataEnvelope<O>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OCP envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DataEnvelope<O>, A::Error> {
        let mut envelope = DataEnvelope {
            successful: None,
            data: None,
            trace_id: None,
        };
        while let Some(key) = map.next_key::<de::MemberName<'de>>()? {
            match key.as_str() {
                "successful" => {
                    envelope.successful =
                        map.next_value_seed(de::LenientSeed::<Option<bool>>::new())?;
                }
                "traceId" => {
                    envelope.trace_id =
                        map.next_value_seed(de::LenientSeed::<Option<String>>::new())?;
                }
                "data" => {
                    *self.data_failed = true;
                    envelope.data = map.next_value::<Option<O>>()?;
                    *self.data_failed = false;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}
