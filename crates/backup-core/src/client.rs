//! The HTTP transport and the retry loop: the only place in the workspace that sends a request.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderName, HeaderValue};
use tracing::Instrument;

use crate::clock::{Clock, SystemClock};
use crate::error::seal_service_error;
use crate::redact::{self, Secrets};
use crate::retry::{AttemptFailure, RetryBudget, RetryConfig, SUCCESS_REFUND, Verdict, verdict};
use crate::sign::{NoAuth, Sign, SigningContext};
use crate::skew::{self, ClockOffset, SkewSignal};
use crate::stats::{StatsCounters, TransportStats};
use crate::target_urls::TargetUrls;
use crate::{
    AmbiguousOutcome, DispatchError, DispatchKind, Error, HttpRequest, HttpResponse, Method,
    OperationInfo, PreparedRequest, Retryability, ServiceError, ServiceErrorKind,
};

/// The default cap on a response body: vendor responses are small JSON or XML documents.
const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Turns a vendor response into a [`ServiceError`] when it is one.
///
/// Each vendor crate implements this for its error bodies and codes; the classification it
/// returns (kind and [`Retryability`]) is what the retry loop acts on. Hand over the whole
/// message: the client scrubs secrets from it, then cuts it to 400 characters, and replaces
/// the excerpt with one of the scrubbed body.
pub trait ClassifyResponse: Send + Sync + fmt::Debug {
    /// `Some` when `response` is an error. The client fills in the vendor, the operation and,
    /// when missing, the request id and `Retry-After`.
    fn classify(&self, operation: &OperationInfo, response: &HttpResponse) -> Option<ServiceError>;

    /// The vendor's request id in `response`, for traces and errors. The default reads
    /// `X-Request-Id`.
    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        response.header("x-request-id").map(str::to_owned)
    }

    /// Whether `error` (what [`classify`](Self::classify) returned, completed and scrubbed)
    /// may be the vendor refusing the request's signing time, and how sure it is. The
    /// client then compares the response's `Date` with the signing time and, when they
    /// disagree enough, learns the offset, re-signs and sends once more (see
    /// [`crate::skew`]). The default, `None`, never takes an error for skew.
    fn skew_signal(&self, _error: &ServiceError) -> Option<SkewSignal> {
        None
    }
}

/// Classifies by HTTP status alone: what a vendor classifier falls back to.
///
/// 429 is throttling (always retried); 408, 500, 502, 503 and 504 are server failures that
/// may have been processed (retried only for idempotent operations); other 4xx are final.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl DefaultClassifier {
    /// The classification of a failed `status`, without code or message.
    pub fn by_status(status: u16) -> (ServiceErrorKind, Retryability) {
        match status {
            401 => (ServiceErrorKind::Authentication, Retryability::No),
            403 => (ServiceErrorKind::PermissionDenied, Retryability::No),
            404 => (ServiceErrorKind::NotFound, Retryability::No),
            408 => (ServiceErrorKind::Unavailable, Retryability::IfIdempotent),
            429 => (ServiceErrorKind::Throttling, Retryability::Safe),
            400..=499 => (ServiceErrorKind::InvalidRequest, Retryability::No),
            502..=504 => (ServiceErrorKind::Unavailable, Retryability::IfIdempotent),
            _ => (ServiceErrorKind::Server, Retryability::IfIdempotent),
        }
    }
}

impl ClassifyResponse for DefaultClassifier {
    fn classify(
        &self,
        _operation: &OperationInfo,
        response: &HttpResponse,
    ) -> Option<ServiceError> {
        if response.status < 400 {
            return None;
        }
        let (kind, retryability) = Self::by_status(response.status);
        Some(ServiceError::new(response.status, kind, retryability).with_excerpt(&response.body))
    }
}

/// How long to wait for a connection and for each attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing the TCP and TLS connection. Default 5 s.
    pub connect: Duration,
    /// One attempt, from connecting until the response body is read. Default 30 s.
    pub attempt: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    /// Timeouts with the given connect and per-attempt limits.
    pub fn new(connect: Duration, attempt: Duration) -> Self {
        Self { connect, attempt }
    }
}

/// A configured connection to one vendor endpoint: signs, sends, retries and classifies.
///
/// Cheap to clone (one `Arc`), `Send + Sync`; clones share the connection pool and the
/// retry budget.
#[derive(Clone)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

struct Inner {
    vendor: &'static str,
    http: reqwest::Client,
    /// Scheme, host and port, without a trailing slash: `https://host:8443`.
    origin: String,
    /// `origin` parsed once, and the URLs of the latest request-targets over it: the host
    /// is not parsed again on every call, nor a repeated path.
    target_urls: TargetUrls,
    /// A path prefix from the endpoint (`/gateway`), prepended to every request path.
    path_prefix: String,
    /// `Host` as sent: host plus a non-default port.
    host: String,
    signer: Arc<dyn Sign>,
    classifier: Arc<dyn ClassifyResponse>,
    retry: RetryConfig,
    budget: RetryBudget,
    clock: Arc<dyn Clock>,
    /// Learned from the server's `Date` after a skew rejection; added to `clock` when
    /// signing. Shared by clones, since they share `Inner`.
    clock_offset: ClockOffset,
    skew_correction: bool,
    max_body_bytes: usize,
    stats: StatsCounters,
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClient")
            .field("vendor", &self.inner.vendor)
            .field(
                "endpoint",
                &format_args!("{}{}", self.inner.origin, self.inner.path_prefix),
            )
            .field("signer", &self.inner.signer)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl ServiceClient {
    /// Starts configuring a client for `vendor` (a short name used in errors and traces).
    pub fn builder(vendor: &'static str) -> ServiceClientBuilder {
        ServiceClientBuilder {
            vendor,
            endpoint: None,
            signer: Arc::new(NoAuth),
            classifier: Arc::new(DefaultClassifier),
            retry: RetryConfig::default(),
            timeouts: Timeouts::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            user_agent: None,
            allow_insecure_http: false,
            root_certificates_pem: Vec::new(),
            clock: Arc::new(SystemClock),
            skew_correction: true,
        }
    }

    /// The vendor name this client was built for.
    pub fn vendor(&self) -> &'static str {
        self.inner.vendor
    }

    /// The endpoint requests go to (scheme, host, port and path prefix).
    pub fn endpoint(&self) -> String {
        format!("{}{}", self.inner.origin, self.inner.path_prefix)
    }

    /// Tokens left in this client's retry budget.
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.budget.available()
    }

    /// How far the server's clock is from this client's, in milliseconds (positive: the
    /// server is ahead), as learned from the `Date` of a response that refused a signing
    /// time; 0 until then. Added to the clock for every signature. Clones share it.
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.clock_offset.millis()
    }

    /// The client's best estimate of the server's current time: its clock plus
    /// [`clock_offset_millis`](Self::clock_offset_millis). For comparing with times the
    /// server reports (when a backup started, say).
    pub fn server_time(&self) -> SystemTime {
        skew::shifted(self.inner.clock.now(), self.clock_offset_millis())
    }

    /// What this client (and its clones) sent: requests, retries, throttled answers.
    pub fn stats(&self) -> TransportStats {
        self.inner.stats.snapshot()
    }

    /// Sends `request` for `operation`: signs each attempt anew, retries what the rules in
    /// [`crate::retry`] allow, and returns the response, which the classifier found to be
    /// a success, or the error.
    pub async fn send(
        &self,
        operation: &OperationInfo,
        request: HttpRequest,
    ) -> Result<HttpResponse, Error> {
        self.send_accepting(operation, request, &mut |_| false)
            .await
    }

    /// [`send`](Self::send), offering each 2xx answer to `accept` before the classifier:
    /// when `accept` takes it (it decoded the body in the pass that also found no error
    /// envelope in it), the classifier does not read the body again. Anything `accept`
    /// declines goes through the classifier as in `send`.
    pub(crate) async fn send_accepting(
        &self,
        operation: &OperationInfo,
        request: HttpRequest,
        accept: &mut (dyn FnMut(&HttpResponse) -> bool + Send),
    ) -> Result<HttpResponse, Error> {
        let inner = &*self.inner;
        let request = self.with_path_prefix(request);
        let url = self.url_for(&request)?;
        let mut attempt = 0u32;
        // A re-send with a corrected clock is not a retry: it neither counts against
        // `max_attempts` nor spends the budget, and happens at most once per call.
        let mut skew_resent = false;
        loop {
            attempt += 1;
            let mut signed = request.clone();
            let offset = inner.clock_offset.millis();
            let signed_at = skew::shifted(inner.clock.now(), offset);
            let context = SigningContext {
                now: signed_at,
                host: inner.host.clone(),
            };
            inner.signer.sign(&mut signed, &context).await?;
            let secrets = std::mem::take(&mut signed.secrets);

            let span = tracing::info_span!(
                "attempt",
                vendor = inner.vendor,
                operation = operation.name,
                attempt,
                request_id = tracing::field::Empty,
                http_status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            inner.stats.request();
            let outcome = self.dispatch(&url, signed).instrument(span.clone()).await;
            span.record("latency_ms", started.elapsed().as_millis() as u64);

            let failure = match outcome {
                Ok(response) => {
                    span.record("http_status", response.status);
                    let (request_id, error) =
                        if (200..300).contains(&response.status) && accept(&response) {
                            let request_id = (!span.is_disabled())
                                .then(|| inner.classifier.request_id(&response))
                                .flatten();
                            (request_id, None)
                        } else {
                            classify_response(
                                &*inner.classifier,
                                inner.vendor,
                                operation,
                                &response,
                                &secrets,
                                SystemTime::now(),
                                !span.is_disabled(),
                            )
                        };
                    if let Some(id) = &request_id {
                        // Request ids come from the server: `-vvv` prints them.
                        span.record("request_id", redact::escape(&secrets.scrub(id)).as_str());
                    }
                    match error {
                        None => {
                            inner.budget.refund(SUCCESS_REFUND);
                            tracing::debug!(parent: &span, "succeeded");
                            let mut response = response;
                            response.secrets = secrets;
                            return Ok(response);
                        }
                        Some(error) => {
                            if !skew_resent
                                && self.learn_clock_offset(
                                    operation, &error, &response, signed_at, offset,
                                )
                            {
                                skew_resent = true;
                                continue;
                            }
                            inner.stats.service_error(&error);
                            Failed::Service(error)
                        }
                    }
                }
                Err(mut dispatch) => {
                    secrets.scrub_dispatch(&mut dispatch);
                    Failed::Dispatch(dispatch)
                }
            };

            let attempt_failure = match &failure {
                Failed::Service(e) => AttemptFailure::Service(e),
                Failed::Dispatch(d)
                    if matches!(
                        d.kind,
                        DispatchKind::BodyTooLarge | DispatchKind::Certificate
                    ) =>
                {
                    // Retrying cannot make the body smaller, nor the certificate trusted.
                    return Err(self.finish(operation, failure, attempt, signed_at, false));
                }
                Failed::Dispatch(d) if !d.may_have_been_sent => AttemptFailure::NotSent,
                Failed::Dispatch(d) => AttemptFailure::MaybeSent {
                    timeout: d.kind == DispatchKind::Timeout,
                },
            };
            let decision = verdict(attempt_failure, operation.idempotent);
            tracing::debug!(parent: &span, ?decision, "attempt failed");
            match decision {
                Verdict::Fail => {
                    return Err(self.finish(operation, failure, attempt, signed_at, false));
                }
                Verdict::Ambiguous => {
                    return Err(self.finish(operation, failure, attempt, signed_at, true));
                }
                Verdict::Retry { cost, throttled } => {
                    let retries_counted = attempt - u32::from(skew_resent);
                    if retries_counted >= inner.retry.max_attempts {
                        return Err(self.finish(operation, failure, attempt, signed_at, false));
                    }
                    let hint = match &failure {
                        Failed::Service(e) => e.retry_after,
                        Failed::Dispatch(_) => None,
                    };
                    let Some(delay) = inner.retry.delay(attempt, throttled, hint) else {
                        return Err(self.finish(operation, failure, attempt, signed_at, false));
                    };
                    if !inner.budget.try_acquire(cost) {
                        tracing::warn!(parent: &span, "retry budget exhausted; not retrying");
                        return Err(self.finish(operation, failure, attempt, signed_at, false));
                    }
                    tracing::debug!(parent: &span, delay_ms = delay.as_millis() as u64, "retrying");
                    inner.stats.retry();
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// After `error`, answered to a request signed at `signed_at` with `offset`: when the
    /// vendor's classifier says it may be a refused signing time and the response's `Date`
    /// confirms the clocks disagree, stores the corrected offset and says to re-send. A
    /// refused signature means the request was not processed, so this is safe for creates.
    fn learn_clock_offset(
        &self,
        operation: &OperationInfo,
        error: &ServiceError,
        response: &HttpResponse,
        signed_at: SystemTime,
        offset: i64,
    ) -> bool {
        let inner = &*self.inner;
        if !inner.skew_correction {
            return false;
        }
        let Some(signal) = inner.classifier.skew_signal(error) else {
            return false;
        };
        let received_at = skew::shifted(inner.clock.now(), offset);
        let Some(discrepancy) = skew::correction_millis(signal, response, signed_at, received_at)
        else {
            return false;
        };
        let learned = offset.saturating_add(discrepancy);
        inner.clock_offset.set_millis(learned);
        tracing::warn!(
            vendor = inner.vendor,
            operation = operation.name,
            clock_offset_seconds = learned / 1000,
            "the server refused the signing time and its clock differs from ours; re-signing with its time"
        );
        true
    }

    /// The final error for a failed call.
    fn finish(
        &self,
        operation: &OperationInfo,
        failure: Failed,
        attempts: u32,
        signed_at: SystemTime,
        ambiguous: bool,
    ) -> Error {
        let error = match failure {
            Failed::Service(e) => Error::Service(Box::new(e)),
            Failed::Dispatch(mut d) => {
                d.vendor = self.inner.vendor;
                d.operation = operation.name;
                d.attempts = attempts;
                Error::Dispatch(d)
            }
        };
        let ambiguous = ambiguous
            || (!operation.idempotent
                && error.may_have_been_sent()
                && !matches!(error, Error::Service(_)));
        if ambiguous {
            Error::AmbiguousOutcome(Box::new(AmbiguousOutcome {
                vendor: self.inner.vendor,
                operation: operation.name,
                attempt_started: signed_at,
                cause: error,
            }))
        } else {
            error
        }
    }

    /// What [`send`](Self::send) would put on the wire for `request` before signing: the
    /// full URL (endpoint prefix included) and the headers and body, credentials and
    /// registered secrets redacted. Fails as `send` would, with nothing sent, when the
    /// path or query would not survive URL parsing unchanged.
    pub fn prepare(&self, request: HttpRequest) -> Result<PreparedRequest, Error> {
        let request = self.with_path_prefix(request);
        self.url_for(&request)?;
        Ok(PreparedRequest::new(&self.inner.origin, &request))
    }

    fn with_path_prefix(&self, mut request: HttpRequest) -> HttpRequest {
        if !self.inner.path_prefix.is_empty() {
            request.path.insert_str(0, &self.inner.path_prefix);
        }
        request
    }

    /// The URL for `request`, checked to carry exactly the signed path and query.
    fn url_for(&self, request: &HttpRequest) -> Result<reqwest::Url, Error> {
        self.inner
            .target_urls
            .url(&request.path, &request.query, &request.secrets)
    }

    async fn dispatch(
        &self,
        url: &reqwest::Url,
        request: HttpRequest,
    ) -> Result<HttpResponse, Box<DispatchError>> {
        let inner = &*self.inner;
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
        };
        let mut headers = reqwest::header::HeaderMap::with_capacity(request.headers.len());
        for (name, value) in request.headers {
            // The value's bytes move into the header (`TryFrom<String>` takes the buffer):
            // no copy per header on every attempt.
            let name = header_name(&name);
            let value = header_value(value);
            let (Ok(name), Ok(value)) = (name, value) else {
                return Err(Box::new(DispatchError {
                    vendor: "",
                    operation: "",
                    kind: DispatchKind::Other,
                    may_have_been_sent: false,
                    attempts: 0,
                    source: Some("a request header name or value is not valid HTTP".into()),
                }));
            };
            headers.append(name, value);
        }
        let mut builder = inner.http.request(method, url.clone()).headers(headers);
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        tracing::trace!(method = %request.method, path = %request.path, "sending");
        let mut response = builder.send().await.map_err(dispatch_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            let mut d = dispatch_error(e);
            // The server answered, so it certainly received the request.
            d.may_have_been_sent = true;
            if d.kind == DispatchKind::Connect {
                d.kind = DispatchKind::Io;
            }
            d
        })? {
            if body.len() + chunk.len() > inner.max_body_bytes {
                return Err(Box::new(DispatchError {
                    vendor: "",
                    operation: "",
                    kind: DispatchKind::BodyTooLarge,
                    may_have_been_sent: true,
                    attempts: 0,
                    source: Some(
                        format!(
                            "response body exceeds {} bytes (HTTP {status})",
                            inner.max_body_bytes
                        )
                        .into(),
                    ),
                }));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            secrets: Secrets::new(),
        })
    }
}

/// The non-standard header names the signers and protocols set, built (and checked) at
/// compile time. `HeaderName::from_bytes` copies such a name into a new allocation on every
/// request; a clone of one of these copies nothing.
static EXTENSION_HEADER_NAMES: [HeaderName; 10] = [
    HeaderName::from_static(crate::sign::ncp::TIMESTAMP_HEADER),
    HeaderName::from_static(crate::sign::ncp::ACCESS_KEY_HEADER),
    HeaderName::from_static(crate::sign::ncp::SIGNATURE_HEADER),
    HeaderName::from_static(crate::sign::huawei::DATE_HEADER),
    HeaderName::from_static(crate::sign::huawei::PROJECT_ID_HEADER),
    HeaderName::from_static(crate::sign::huawei::SECURITY_TOKEN_HEADER),
    HeaderName::from_static(crate::sign::huawei::CONTENT_SHA256_HEADER),
    HeaderName::from_static("x-auth-token"),
    HeaderName::from_static("x-amz-date"),
    HeaderName::from_static("x-amz-content-sha256"),
];

/// `name` as reqwest's header name, without a copy when it is one of the SDK's own.
fn header_name(name: &str) -> Result<HeaderName, reqwest::header::InvalidHeaderName> {
    match EXTENSION_HEADER_NAMES
        .iter()
        .find(|known| known.as_str() == name)
    {
        Some(known) => Ok(known.clone()),
        None => HeaderName::from_bytes(name.as_bytes()),
    }
}

/// Header values the protocols set on every request, built at compile time. reqwest copies
/// each request's header map once; a value built from a `String` is then moved into shared
/// storage, an allocation, while one of these is shared as it is.
static CONSTANT_HEADER_VALUES: [HeaderValue; 2] = [
    HeaderValue::from_static("application/json"),
    HeaderValue::from_static("application/x-www-form-urlencoded"),
];

/// `value` as reqwest's header value, taking the `String`'s buffer, or a shared constant
/// when it is one of the protocols' constant values.
fn header_value(value: String) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    match CONSTANT_HEADER_VALUES
        .iter()
        .find(|known| known.as_bytes() == value.as_bytes())
    {
        Some(known) => Ok(known.clone()),
        None => HeaderValue::try_from(value),
    }
}

enum Failed {
    Service(ServiceError),
    Dispatch(Box<DispatchError>),
}

fn dispatch_error(error: reqwest::Error) -> Box<DispatchError> {
    // reqwest marks failures to establish the connection (refused, DNS, TLS handshake,
    // connect timeout) with is_connect: nothing was written. Anything later may have been.
    let (kind, may_have_been_sent) = if error.is_connect() && is_certificate_refusal(&error) {
        (DispatchKind::Certificate, false)
    } else if error.is_connect() {
        (DispatchKind::Connect, false)
    } else if error.is_timeout() {
        (DispatchKind::Timeout, true)
    } else if error.is_builder() {
        (DispatchKind::Other, false)
    } else {
        (DispatchKind::Io, true)
    };
    Box::new(DispatchError {
        vendor: "",
        operation: "",
        kind,
        may_have_been_sent,
        attempts: 0,
        source: Some(Box::new(error.without_url())),
    })
}

/// Whether a connect failure is this client refusing the server's TLS certificate (unknown
/// issuer, expired, wrong name), which no retry can change.
#[cfg(feature = "rustls")]
fn is_certificate_refusal(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        current = match e.downcast_ref::<std::io::Error>() {
            // rustls reports through (nested) io::Errors, whose `source()` skips the error
            // they wrap.
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// Without rustls the cause is not inspected: a refused certificate stays a retried
/// connect failure.
#[cfg(not(feature = "rustls"))]
fn is_certificate_refusal(_error: &reqwest::Error) -> bool {
    false
}

/// What the attempt loop reads from a response that arrived: the request id (read from
/// the body only when an error needs it or `want_request_id` says a trace will show it),
/// and the service error when the classifier finds one, completed with the vendor, operation,
/// request id and server delay, and sealed: scrubbed of `secrets` and of the response's
/// secret-named members, then cut. One function, so that the fuzz harness
/// ([`crate::fuzzing`]) runs exactly the client's code.
pub(crate) fn classify_response(
    classifier: &dyn ClassifyResponse,
    vendor: &'static str,
    operation: &OperationInfo,
    response: &HttpResponse,
    secrets: &Secrets,
    now: SystemTime,
    want_request_id: bool,
) -> (Option<String>, Option<ServiceError>) {
    let error = redirect_error(response).or_else(|| classifier.classify(operation, response));
    // Finding the request id may mean reading the body again: on a success nobody
    // traces, nothing would see it.
    let request_id = if want_request_id || error.is_some() {
        classifier.request_id(response)
    } else {
        None
    };
    let error = error.map(|mut error| {
        error.vendor = vendor;
        error.operation = operation.name;
        if error.request_id.is_none() {
            error.request_id = request_id.clone();
        }
        if error.retry_after.is_none() {
            error.retry_after = retry_after(response, now);
        }
        let mut secrets = secrets.clone();
        secrets.add_json_body(&response.body);
        seal_service_error(&mut error, operation, &response.body, &secrets);
        error
    });
    (request_id, error)
}

/// A redirect, or any other answer below 400 that is not a 2xx, as an error: only a 2xx is
/// a success, whatever its body says, and a redirect is never followed (a vendor API that
/// answers with one did not perform the request; following it could send the credentials
/// elsewhere). Checked before the vendor's classifier, so that every vendor gets it.
fn redirect_error(response: &HttpResponse) -> Option<ServiceError> {
    if (200..300).contains(&response.status) || response.status >= 400 {
        return None;
    }
    let target = match response.header("location").map(location_host) {
        Some(Some(host)) => format!("to {host}"),
        Some(None) => "to another path on the same host".to_owned(),
        None => "without a Location".to_owned(),
    };
    Some(
        ServiceError::new(response.status, ServiceErrorKind::Redirect, Retryability::No)
            .with_message(format!(
                "the server redirected {target}; only a 2xx answer is a success and redirects are not followed"
            )),
    )
}

/// The host and port of an absolute `Location`, without any user name or password in it;
/// `None` for a relative one.
fn location_host(location: &str) -> Option<String> {
    let (_, rest) = location.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    Some(if host.is_empty() {
        "an unnamed host".to_owned()
    } else {
        host.to_owned()
    })
}

/// The server's requested delay: `Retry-After` (seconds or an HTTP date) or
/// `RateLimit-Reset` (seconds).
pub(crate) fn retry_after(response: &HttpResponse, now: SystemTime) -> Option<Duration> {
    if let Some(value) = response.header("retry-after").map(str::trim) {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Some(at) = crate::time::parse_http_date(value) {
            return Some(at.duration_since(now).unwrap_or_default());
        }
    }
    response
        .header("ratelimit-reset")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The transport settings every vendor client builder offers, applied to a
/// [`ServiceClientBuilder`] by [`apply`](Self::apply).
///
/// Vendor builders embed one and write their `retry`, `timeouts`, `clock`,
/// `clock_skew_correction`, `max_body_bytes`, `user_agent`, `allow_insecure_http` and
/// `add_root_certificate_pem` setters into it. A setting left unset keeps the [`ServiceClientBuilder`] default.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The retry policy. Default: [`RetryConfig::standard`].
    pub retry: Option<RetryConfig>,
    /// Connect and per-attempt timeouts. Default: [`Timeouts::default`].
    pub timeouts: Option<Timeouts>,
    /// The clock used for signing times. Default: the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// Whether a signing time the server refuses is corrected from its `Date` and the
    /// request re-sent once (see [`crate::skew`]). Default: on.
    pub clock_skew_correction: Option<bool>,
    /// The largest response body accepted. Default 8 MiB.
    pub max_body_bytes: Option<usize>,
    /// The `User-Agent`, replacing the one the vendor builder sets.
    pub user_agent: Option<String>,
    /// Allows plain `http://` to a host that is not loopback. Default: off (`false`
    /// leaves the builder's setting as it is).
    pub allow_insecure_http: bool,
    /// Extra trusted root certificates, each a PEM bundle (see
    /// [`ServiceClientBuilder::add_root_certificate_pem`]). Default: none, only the
    /// built-in roots.
    pub root_certificates_pem: Vec<Vec<u8>>,
}

impl ClientOptions {
    /// Writes the settings that were set into `builder`, after whatever it already holds.
    pub fn apply(self, builder: ServiceClientBuilder) -> ServiceClientBuilder {
        let mut builder = builder;
        if self.allow_insecure_http {
            builder = builder.allow_insecure_http(true);
        }
        if let Some(retry) = self.retry {
            builder = builder.retry(retry);
        }
        if let Some(timeouts) = self.timeouts {
            builder = builder.timeouts(timeouts);
        }
        if let Some(clock) = self.clock {
            builder = builder.clock(clock);
        }
        if let Some(correct) = self.clock_skew_correction {
            builder = builder.clock_skew_correction(correct);
        }
        if let Some(bytes) = self.max_body_bytes {
            builder = builder.max_body_bytes(bytes);
        }
        if let Some(user_agent) = self.user_agent {
            builder = builder.user_agent(user_agent);
        }
        for pem in self.root_certificates_pem {
            builder = builder.add_root_certificate_pem(pem);
        }
        builder
    }
}

/// Configures a [`ServiceClient`].
pub struct ServiceClientBuilder {
    vendor: &'static str,
    endpoint: Option<String>,
    signer: Arc<dyn Sign>,
    classifier: Arc<dyn ClassifyResponse>,
    retry: RetryConfig,
    timeouts: Timeouts,
    max_body_bytes: usize,
    user_agent: Option<String>,
    allow_insecure_http: bool,
    root_certificates_pem: Vec<Vec<u8>>,
    clock: Arc<dyn Clock>,
    skew_correction: bool,
}

impl fmt::Debug for ServiceClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClientBuilder")
            .field("vendor", &self.vendor)
            .field("endpoint", &self.endpoint)
            .field("signer", &self.signer)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl ServiceClientBuilder {
    /// The endpoint: `https://host[:port][/prefix]`. Required.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How requests are authenticated. Default: not at all.
    pub fn signer(mut self, signer: impl Sign + 'static) -> Self {
        self.signer = Arc::new(signer);
        self
    }

    /// A shared signer.
    pub fn shared_signer(mut self, signer: Arc<dyn Sign>) -> Self {
        self.signer = signer;
        self
    }

    /// How responses are classified. Default: [`DefaultClassifier`].
    pub fn classifier(mut self, classifier: impl ClassifyResponse + 'static) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// The retry policy. Default: [`RetryConfig::standard`].
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Connect and per-attempt timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The largest response body accepted. Default 8 MiB.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The `User-Agent`. Default `backup-core/<version>`; vendor crates prepend their own name.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Allows plain `http://` to a host that is not loopback. Off by default: credentials
    /// (an OCP password, say) would cross the network unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The clock used for signing times. Default: the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether a refused signing time is corrected: when the vendor's classifier calls an
    /// error a possible clock-skew rejection and the response's `Date` confirms it, the
    /// client learns the server's offset, keeps it (clones share it), re-signs and sends
    /// the request once more. Default: on. Off, such an error is returned at once.
    pub fn clock_skew_correction(mut self, correct: bool) -> Self {
        self.skew_correction = correct;
        self
    }

    /// Also trusts the CA certificates in `pem`, one or more `-----BEGIN CERTIFICATE-----`
    /// blocks, besides the built-in web PKI roots: for a server whose certificate an
    /// internal CA issued, as in many private OCP deployments. Can be called more than once.
    ///
    /// [`build`](Self::build) fails with [`Error::Config`] when `pem` holds no certificate
    /// or one that does not parse.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Checks the configuration and builds the client with its connection pool.
    pub fn build(self) -> Result<ServiceClient, Error> {
        let endpoint = self
            .endpoint
            .ok_or_else(|| Error::Config(format!("{}: no endpoint configured", self.vendor)))?;
        let url = reqwest::Url::parse(endpoint.trim())
            .map_err(|e| Error::Config(format!("endpoint {endpoint:?} is not a URL: {e}")))?;
        let host = url
            .host_str()
            .ok_or_else(|| Error::Config(format!("endpoint {endpoint:?} has no host")))?
            .to_owned();
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&host) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "refusing plain http:// to non-loopback host {host}: use https, or allow insecure HTTP explicitly"
                )));
            }
            other => return Err(Error::Config(format!("unsupported URL scheme {other:?}"))),
        }
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(Error::Config(
                "the endpoint must not carry a query, fragment or user info".into(),
            ));
        }
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        let origin = format!("{}://{}", url.scheme(), host_header);
        let base_url = reqwest::Url::parse(&origin)
            .map_err(|e| Error::Config(format!("endpoint {endpoint:?} is not a URL: {e}")))?;
        let path_prefix = url.path().trim_end_matches('/').to_owned();
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("backup-core/", env!("CARGO_PKG_VERSION")).to_owned());
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(self.timeouts.connect)
            .timeout(self.timeouts.attempt)
            .redirect(reqwest::redirect::Policy::none())
            // Retrying is this client's job (`RetryConfig`, with its idempotency rules).
            // reqwest's own policy retries only HTTP/2 and HTTP/3 refusals, which this
            // HTTP/1.1-only client never sees, yet it copies every request (headers and
            // extensions) in case it might: a limit of zero copies nothing.
            .retry(reqwest::retry::never().max_retries_per_request(0));
        // Cargo features add up: when another crate turns on `native-tls` too, reqwest would
        // pick it, and this client's recognition of a refused certificate (rustls errors)
        // would miss. With `rustls` on, rustls is the back end.
        #[cfg(feature = "rustls")]
        let http = http.use_rustls_tls();
        let http = with_root_certificates(http, &self.root_certificates_pem, url.scheme())?;
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(ServiceClient {
            inner: Arc::new(Inner {
                vendor: self.vendor,
                http,
                origin,
                target_urls: TargetUrls::new(base_url),
                path_prefix,
                host: host_header,
                signer: self.signer,
                classifier: self.classifier,
                budget: RetryBudget::new(self.retry.budget_capacity),
                retry: self.retry,
                clock: self.clock,
                clock_offset: ClockOffset::default(),
                skew_correction: self.skew_correction,
                max_body_bytes: self.max_body_bytes,
                stats: StatsCounters::default(),
            }),
        })
    }
}

/// `http` trusting the extra root certificates too.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn with_root_certificates(
    mut http: reqwest::ClientBuilder,
    bundles: &[Vec<u8>],
    _scheme: &str,
) -> Result<reqwest::ClientBuilder, Error> {
    for (index, pem) in bundles.iter().enumerate() {
        let bundle = index + 1;
        let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            Error::Config(format!(
                "extra root certificate bundle {bundle} is not PEM: {e}"
            ))
        })?;
        if certificates.is_empty() {
            return Err(Error::Config(format!(
                "extra root certificate bundle {bundle} holds no PEM certificate"
            )));
        }
        for certificate in certificates {
            http = http.add_root_certificate(certificate);
        }
    }
    Ok(http)
}

/// Without a TLS feature there is no TLS to trust certificates in, nor to reach an
/// `https` endpoint with: both are configuration errors, found before anything is sent.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn with_root_certificates(
    http: reqwest::ClientBuilder,
    bundles: &[Vec<u8>],
    scheme: &str,
) -> Result<reqwest::ClientBuilder, Error> {
    if !bundles.is_empty() {
        return Err(Error::Config(
            "extra root certificates need TLS: build backup-core with the `rustls` or `native-tls` feature".into(),
        ));
    }
    if scheme == "https" {
        return Err(Error::Config(
            "an https endpoint needs TLS: build backup-core with the `rustls` or `native-tls` feature".into(),
        ));
    }
    Ok(http)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::encoding::encode_pairs;
    use proptest::prelude::*;

    fn client(endpoint: &str) -> ServiceClient {
        ServiceClient::builder("test")
            .endpoint(endpoint)
            .build()
            .unwrap()
    }

    proptest! {
        /// Whatever the query values, the URL that is sent carries byte for byte the
        /// request-target that is signed.
        #[test]
        fn sent_target_equals_signed_target(
            key in "[a-zA-Z][a-zA-Z0-9]{0,10}",
            values in proptest::collection::vec(any::<String>(), 1..4),
            special in proptest::sample::select(vec!["&", "=", "+", "%", "/", "?", "#", " ", "一", "%2F", "a b"]),
        ) {
            let c = client("https://ncloud.apigw.ntruss.com");
            let mut pairs: Vec<(String, String)> = values.iter().map(|v| (key.clone(), v.clone())).collect();
            pairs.push(("special".into(), format!("x{special}y")));
            let mut request = HttpRequest::new(Method::Get, "/vcache/v2/getCloudCacheBackupList");
            request.query = encode_pairs(&pairs);
            let url = c.url_for(&request).unwrap();
            let sent = &url.as_str()[url.origin().ascii_serialization().len()..];
            prop_assert_eq!(sent, request.request_target());
        }
    }

    #[test]
    fn dot_segments_are_refused_before_sending() {
        let c = client("https://example.com");
        for path in [
            "/v2/p/graphs/../backups",
            "/v2/p/graphs/./backups",
            "/v2/p/graphs/%2E%2E/backups",
        ] {
            let request = HttpRequest::new(Method::Get, path);
            let err = c.url_for(&request).unwrap_err();
            assert!(matches!(err, Error::InvalidInput(_)), "{path}: {err}");
        }
        let fine = HttpRequest::new(Method::Get, "/v2/p/graphs/..%2Fx/backups");
        assert!(c.url_for(&fine).is_ok());
    }

    #[test]
    fn plain_http_is_refused_for_remote_hosts_only() {
        let remote = ServiceClient::builder("ocp")
            .endpoint("http://ocp.example.com:8080")
            .build();
        assert!(matches!(remote, Err(Error::Config(ref m)) if m.contains("ocp.example.com")));
        let allowed = ServiceClient::builder("ocp")
            .endpoint("http://ocp.example.com:8080")
            .allow_insecure_http(true)
            .build();
        assert!(allowed.is_ok());
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(
                ServiceClient::builder("x").endpoint(local).build().is_ok(),
                "{local}"
            );
        }
        assert!(
            ServiceClient::builder("x")
                .endpoint("ftp://example.com")
                .build()
                .is_err()
        );
        assert!(ServiceClient::builder("x").build().is_err());
    }

    #[test]
    fn host_and_prefix_come_from_the_endpoint() {
        let c = client("https://example.com:8443/gateway/");
        assert_eq!(c.inner.host, "example.com:8443");
        assert_eq!(c.inner.path_prefix, "/gateway");
        let c = client("https://example.com:443");
        assert_eq!(c.inner.host, "example.com");
    }

    #[test]
    fn prepare_shows_the_full_url_and_redacts_credentials_and_secrets() {
        let c = client("https://example.com:8443/gateway/");
        let mut request = HttpRequest::new(Method::Post, "/v2/a%20b");
        request.query = "x=1".into();
        request.set_header("x-auth-token", "tok-en-value");
        request.set_header("content-type", "application/json");
        request.body = br#"{"secretKey":"s3cr3t-value","name":"n"}"#.to_vec();
        request.secrets.add("s3cr3t-value");
        let prepared = c.prepare(request).unwrap();
        assert_eq!(
            prepared.url,
            "https://example.com:8443/gateway/v2/a%20b?x=1"
        );
        let shown = prepared.to_string();
        assert!(shown.starts_with("POST https://example.com:8443/gateway/v2/a%20b?x=1\n"));
        assert!(shown.contains("x-auth-token: [redacted]"), "{shown}");
        assert!(shown.contains("content-type: application/json"), "{shown}");
        assert!(
            !shown.contains("s3cr3t-value") && !shown.contains("tok-en-value"),
            "{shown}"
        );
        assert!(
            shown.ends_with(r#"{"secretKey":"[redacted]","name":"n"}"#),
            "{shown}"
        );
        assert_eq!(format!("{prepared:?}"), shown);

        let dotted = HttpRequest::new(Method::Get, "/v2/../x");
        assert!(matches!(c.prepare(dotted), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_ratelimit_reset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let response = |name: &str, value: &str| HttpResponse {
            status: 429,
            headers: vec![(name.to_owned(), value.to_owned())],
            ..HttpResponse::default()
        };
        assert_eq!(
            retry_after(&response("retry-after", "7"), now),
            Some(Duration::from_secs(7))
        );
        let date = crate::time::format_http_date(now + Duration::from_secs(30));
        assert_eq!(
            retry_after(&response("retry-after", &date), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&response("ratelimit-reset", "12"), now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(retry_after(&response("retry-after", "soon"), now), None);
    }

    #[test]
    fn the_sdks_own_header_names_and_values_are_valid() {
        for name in &EXTENSION_HEADER_NAMES {
            assert_eq!(header_name(name.as_str()).ok().as_ref(), Some(name));
        }
        assert_eq!(
            header_name("X-Custom")
                .map(|n| n.as_str().to_owned())
                .ok()
                .as_deref(),
            Some("x-custom")
        );
        assert!(header_name("bad name").is_err());
        for value in &CONSTANT_HEADER_VALUES {
            let text = value.to_str().unwrap_or_default().to_owned();
            assert_eq!(header_value(text).ok().as_ref(), Some(value));
        }
        assert!(header_value("line\nbreak".to_owned()).is_err());
    }

    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn without_tls_https_and_extra_roots_are_configuration_errors() {
        let https = ServiceClient::builder("t")
            .endpoint("https://api.example.com")
            .build();
        assert!(
            matches!(&https, Err(Error::Config(m)) if m.contains("needs TLS")),
            "{https:?}"
        );
        let extra_roots = ServiceClient::builder("t")
            .endpoint("http://127.0.0.1:1")
            .add_root_certificate_pem(b"-----BEGIN CERTIFICATE-----".to_vec())
            .build();
        assert!(
            matches!(&extra_roots, Err(Error::Config(m)) if m.contains("need TLS")),
            "{extra_roots:?}"
        );
        assert!(
            ServiceClient::builder("t")
                .endpoint("http://127.0.0.1:1")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<ServiceClient>();
    }
}
