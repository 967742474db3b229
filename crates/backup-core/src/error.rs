use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::redact::{Secrets, escape, truncate_chars};
use crate::{HttpResponse, OperationInfo};

/// The longest body excerpt an error keeps, in bytes.
pub(crate) const EXCERPT_LIMIT: usize = 512;
/// The longest vendor message an error keeps, in characters.
pub(crate) const MESSAGE_LIMIT: usize = 400;
/// How many of [`ServiceError::started_job_ids`] an error line shows, and how many
/// characters of each.
const STARTED_IDS_SHOWN: usize = 3;
const ID_LIMIT: usize = 40;

/// Every way an SDK call can fail.
///
/// The variants separate what a caller handles differently: bad input (fix the call),
/// missing credentials (fix the environment), a dispatch failure (network; see
/// [`Error::may_have_been_sent`]), a service error (the vendor said no), an unparseable
/// response, an ambiguous outcome (a non-idempotent operation may or may not have taken
/// effect: check before trying again), and the outcomes of waiting for a backup.
///
/// `Display` is one line and never contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was rejected before anything was sent.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// No credentials could be found.
    #[error(transparent)]
    MissingCredentials(#[from] CredentialsError),
    /// Credentials were found but cannot be sent (a value that goes into a header holds a
    /// byte no header can carry). Nothing was sent.
    #[error(transparent)]
    InvalidCredentials(#[from] InvalidCredentials),
    /// The client was configured in a way that cannot work (bad endpoint, refused plain HTTP).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// No response was received.
    #[error(transparent)]
    Dispatch(Box<DispatchError>),
    /// The vendor answered with an error.
    #[error(transparent)]
    Service(Box<ServiceError>),
    /// A response arrived but could not be understood.
    #[error(transparent)]
    UnparseableResponse(Box<ResponseError>),
    /// A non-idempotent operation failed in a way that may have reached the server.
    #[error(transparent)]
    AmbiguousOutcome(Box<AmbiguousOutcome>),
    /// A waiter gave up at its deadline.
    #[error(transparent)]
    WaitTimedOut(Box<WaitTimedOut>),
    /// A backup job reached a failed end state.
    #[error(transparent)]
    JobFailed(Box<JobFailed>),
    /// A paged listing would not end (a repeated page, a cursor that does not advance) or
    /// reached its page or item cap; what it listed so far is incomplete.
    #[error(transparent)]
    Pagination(Box<PaginationError>),
    /// Verifying a backup showed it is not where it should be (no such bucket, an empty
    /// object): see [`crate::verify`].
    #[error(transparent)]
    VerifyNotFound(Box<crate::verify::NotFound>),
    /// Verifying a backup gave up at its deadline without finding it; names what was
    /// looked for and where.
    #[error(transparent)]
    VerifyTimedOut(Box<crate::verify::TimedOut>),
}

impl Error {
    /// The vendor's error code, for service errors (and ambiguous outcomes caused by one).
    pub fn code(&self) -> Option<&str> {
        self.service_error().and_then(|e| e.code.as_deref())
    }

    /// The vendor's error message, for service errors.
    pub fn message(&self) -> Option<&str> {
        self.service_error().and_then(|e| e.message.as_deref())
    }

    /// The request id the vendor assigned, when a response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id.as_deref(),
            Error::UnparseableResponse(e) => e.request_id.as_deref(),
            Error::AmbiguousOutcome(e) => e.cause.request_id(),
            _ => None,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.http_status),
            Error::UnparseableResponse(e) => Some(e.http_status),
            Error::AmbiguousOutcome(e) => e.cause.http_status(),
            _ => None,
        }
    }

    /// The service error, if this is one (or an ambiguous outcome caused by one).
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            Error::AmbiguousOutcome(e) => e.cause.service_error(),
            _ => None,
        }
    }

    /// The kind of service error, if this is one.
    pub fn service_error_kind(&self) -> Option<&ServiceErrorKind> {
        self.service_error().map(|e| &e.kind)
    }

    /// Whether the vendor asked us to slow down.
    pub fn is_throttling(&self) -> bool {
        matches!(
            self.service_error_kind(),
            Some(ServiceErrorKind::Throttling)
        )
    }

    /// Whether trying the same call again later can succeed without changing it.
    ///
    /// This is false for an [`Error::AmbiguousOutcome`]: the first call may have worked, so
    /// check before repeating it.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Dispatch(e) => {
                e.kind != DispatchKind::Certificate
                    && (!e.may_have_been_sent || e.kind == DispatchKind::Connect)
            }
            Error::Service(e) => e.retryability != Retryability::No,
            Error::UnparseableResponse(e) => e.http_status >= 500,
            _ => false,
        }
    }

    /// Whether the request may have reached the server: false only when it certainly did not.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Error::InvalidInput(_)
            | Error::MissingCredentials(_)
            | Error::InvalidCredentials(_)
            | Error::Config(_) => false,
            Error::Dispatch(e) => e.may_have_been_sent,
            _ => true,
        }
    }

    /// Whether this is an ambiguous outcome of a non-idempotent operation.
    pub fn is_ambiguous_outcome(&self) -> bool {
        matches!(self, Error::AmbiguousOutcome(_))
    }

    /// A convenience for building [`Error::InvalidInput`].
    pub fn invalid_input(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput(InvalidInput::new(field, problem))
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

impl From<ResponseError> for Error {
    fn from(e: ResponseError) -> Self {
        Error::UnparseableResponse(Box::new(e))
    }
}

impl From<DispatchError> for Error {
    fn from(e: DispatchError) -> Self {
        Error::Dispatch(Box::new(e))
    }
}

impl From<JobFailed> for Error {
    fn from(e: JobFailed) -> Self {
        Error::JobFailed(Box::new(e))
    }
}

impl From<PaginationError> for Error {
    fn from(e: PaginationError) -> Self {
        Error::Pagination(Box::new(e))
    }
}

impl From<WaitTimedOut> for Error {
    fn from(e: WaitTimedOut) -> Self {
        Error::WaitTimedOut(Box::new(e))
    }
}

/// Input rejected before sending: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: `{field}` {problem}")]
#[non_exhaustive]
pub struct InvalidInput {
    /// The parameter's name as the vendor spells it.
    pub field: String,
    /// What is wrong, phrased to follow the field name ("must not be empty").
    pub problem: String,
}

impl InvalidInput {
    /// A new validation error.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// No credentials were found; names every place that was looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct CredentialsError {
    /// Which vendor's credentials were looked for.
    pub vendor: &'static str,
    /// Every source consulted, in order (environment variables, files).
    pub looked_in: Vec<String>,
    /// A problem found on the way, such as a file that exists but lacks a key.
    pub detail: Option<String>,
}

impl CredentialsError {
    /// A new error for `vendor` after consulting `looked_in`.
    pub fn new(vendor: &'static str, looked_in: Vec<String>) -> Self {
        Self {
            vendor,
            looked_in,
            detail: None,
        }
    }

    /// Adds a detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no {} credentials found; looked in: {}",
            self.vendor,
            self.looked_in.join(", ")
        )?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// Credentials that were found but cannot be used: which vendor's, which field, where it
/// came from and what is wrong with it. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct InvalidCredentials {
    /// Which vendor's credentials.
    pub vendor: &'static str,
    /// The field (`access_key_id`, `security_token`, `X-Auth-Token`, ...).
    pub field: String,
    /// Where the value was read (`env NCLOUD_ACCESS_KEY_ID`, `file ~/.ncloud/configure`),
    /// when a provider read it.
    pub origin: Option<String>,
    /// What is wrong, phrased to follow the field name ("contains a line feed (LF), ...").
    pub problem: String,
}

impl InvalidCredentials {
    /// A new error for `field` of `vendor`'s credentials.
    pub fn new(vendor: &'static str, field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            vendor,
            field: field.into(),
            origin: None,
            problem: problem.into(),
        }
    }

    /// Names where the value was read.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }
}

impl fmt::Display for InvalidCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unusable {} credentials: `{}`", self.vendor, self.field)?;
        if let Some(origin) = &self.origin {
            write!(f, " (from {origin})")?;
        }
        write!(f, " {}; nothing was sent", self.problem)
    }
}

/// How a request failed to get a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DispatchKind {
    /// The connection could not be established (refused, DNS, TLS handshake): nothing was sent.
    Connect,
    /// The TLS handshake failed because the server's certificate is not trusted (unknown
    /// issuer, expired, wrong name): nothing was sent, and trying again cannot help until
    /// the client trusts the issuer (see `add_root_certificate_pem` on the client builders).
    Certificate,
    /// A timeout after the connection was made.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The response body exceeded the client's size cap.
    BodyTooLarge,
    /// Anything else.
    Other,
}

/// No usable response was received.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct DispatchError {
    /// The vendor.
    pub vendor: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// What went wrong.
    pub kind: DispatchKind,
    /// Whether the request may have reached the server.
    pub may_have_been_sent: bool,
    /// How many attempts were made.
    pub attempts: u32,
    /// The underlying transport error.
    #[source]
    pub source: Option<Box<dyn StdError + Send + Sync>>,
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DispatchKind::Connect => "could not connect",
            DispatchKind::Certificate => "server certificate not trusted",
            DispatchKind::Timeout => "timed out",
            DispatchKind::Io => "connection failed",
            DispatchKind::BodyTooLarge => "response body too large",
            DispatchKind::Other => "request failed",
        };
        write!(
            f,
            "{} {}: {what} after {} attempt(s)",
            self.vendor, self.operation, self.attempts
        )?;
        if let Some(source) = &self.source {
            write!(f, ": {}", escape(&source.to_string()))?;
        }
        Ok(())
    }
}

/// What a service error means, so that callers can match on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceErrorKind {
    /// The credentials or signature were rejected (bad key, bad signature, skewed clock).
    Authentication,
    /// Authenticated, but not allowed to do this.
    PermissionDenied,
    /// Too many requests.
    Throttling,
    /// The resource does not exist.
    NotFound,
    /// The request was invalid (missing or bad parameter).
    InvalidRequest,
    /// A backup of this resource is already running.
    BackupInProgress,
    /// The backup quota of this resource is used up.
    BackupQuotaExceeded,
    /// A temporary failure on the vendor's side.
    Unavailable,
    /// An error on the vendor's side.
    Server,
    /// The server answered with a redirect (a 3xx, or another status that is neither a
    /// success nor an error). Only a 2xx is a success, and redirects are never followed:
    /// the message names the host the server pointed at. Not retried.
    Redirect,
    /// Anything else.
    Other,
}

/// Whether a service error may be retried, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retryability {
    /// Never retried: repeating cannot help (auth, bad input, not found).
    No,
    /// The vendor documents that the request was not processed (throttling, "try again"):
    /// retried for every operation.
    Safe,
    /// The request may have been processed (most 5xx): retried only for idempotent operations.
    IfIdempotent,
}

/// An error the vendor returned.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub struct ServiceError {
    /// The vendor.
    pub vendor: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The HTTP status.
    pub http_status: u16,
    /// The vendor's error code (`APIGW.0308`, `5001017`, ...).
    pub code: Option<String>,
    /// The vendor's message.
    pub message: Option<String>,
    /// The vendor's request id.
    pub request_id: Option<String>,
    /// What the error means.
    pub kind: ServiceErrorKind,
    /// Whether it may be retried.
    pub retryability: Retryability,
    /// How long the server asked us to wait (`Retry-After`, `RateLimit-Reset`).
    pub retry_after: Option<Duration>,
    /// The start of the response body, for diagnosis.
    pub excerpt: String,
    /// What the error concerns, when the vendor answered about several objects at once
    /// and named the one that failed (an OCP backup object: `tenant 1002 of cluster 8`).
    pub subject: Option<String>,
    /// Jobs or tasks the vendor started although the call failed as a whole (a backup of
    /// several objects refused for some of them). They run: follow or cancel them rather
    /// than repeating the call. Empty when nothing was started.
    pub started_job_ids: Vec<String>,
}

impl ServiceError {
    /// A service error with the given status and classification; the operation is filled
    /// in by the client.
    pub fn new(http_status: u16, kind: ServiceErrorKind, retryability: Retryability) -> Self {
        Self {
            vendor: "",
            operation: "",
            http_status,
            code: None,
            message: None,
            request_id: None,
            kind,
            retryability,
            retry_after: None,
            excerpt: String::new(),
            subject: None,
            started_job_ids: Vec::new(),
        }
    }

    /// Names what the error concerns ([`subject`](Self::subject)).
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Records the jobs or tasks started despite the error
    /// ([`started_job_ids`](Self::started_job_ids)).
    pub fn with_started_job_ids(mut self, ids: Vec<String>) -> Self {
        self.started_job_ids = ids;
        self
    }

    /// Sets the vendor code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the vendor message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Sets the server's requested delay.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Keeps a bounded excerpt of `body`. (The client replaces it with an excerpt of the
    /// body scrubbed of the request's secrets.)
    pub fn with_excerpt(mut self, body: &[u8]) -> Self {
        self.excerpt = excerpt(body);
        self
    }
}

/// Scrubs `error`'s texts of `secrets` first, then cuts the message to [`MESSAGE_LIMIT`]
/// characters and replaces the excerpt with one of the scrubbed `body` (none at all for an
/// operation that carries secrets): a cut made before scrubbing would leave a secret's
/// first characters visible.
pub(crate) fn seal_service_error(
    error: &mut ServiceError,
    operation: &OperationInfo,
    body: &[u8],
    secrets: &Secrets,
) {
    for text in [
        &mut error.code,
        &mut error.message,
        &mut error.request_id,
        &mut error.subject,
    ]
    .into_iter()
    .flatten()
    .chain(error.started_job_ids.iter_mut())
    {
        secrets.scrub_in_place(text);
    }
    if let Some(message) = error.message.as_mut()
        && let std::borrow::Cow::Owned(cut) = truncate_chars(message, MESSAGE_LIMIT)
    {
        *message = cut;
    }
    error.excerpt = if operation.carries_secrets {
        String::new()
    } else {
        excerpt_of(body, secrets)
    };
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed: HTTP {}",
            self.vendor, self.operation, self.http_status
        )?;
        if let Some(code) = &self.code {
            write!(f, ", code {}", escape(code))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", escape(&truncate_chars(message, MESSAGE_LIMIT)))?;
        }
        if let Some(subject) = &self.subject {
            write!(f, " (for {})", escape(subject))?;
        }
        if !self.started_job_ids.is_empty() {
            // The ids come from the server, which may list thousands: the line shows a few,
            // cut, and the field keeps them all.
            let shown: Vec<_> = self
                .started_job_ids
                .iter()
                .take(STARTED_IDS_SHOWN)
                .map(|id| truncate_chars(id, ID_LIMIT))
                .collect();
            write!(f, "; started anyway: {}", escape(&shown.join(", ")))?;
            let more = self.started_job_ids.len().saturating_sub(STARTED_IDS_SHOWN);
            if more > 0 {
                write!(f, " and {more} more")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", escape(id))?;
        }
        Ok(())
    }
}

/// A response that could not be understood.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub struct ResponseError {
    /// The vendor.
    pub vendor: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The HTTP status.
    pub http_status: u16,
    /// The request id, if a header carried one.
    pub request_id: Option<String>,
    /// Why it could not be parsed.
    pub reason: String,
    /// The start of the body.
    pub excerpt: String,
}

impl ResponseError {
    /// A new parse error for a response with `http_status` and `body`; the vendor and
    /// operation are filled in by the client.
    pub fn new(http_status: u16, reason: impl Into<String>, body: &[u8]) -> Self {
        Self {
            vendor: "",
            operation: "",
            http_status,
            request_id: None,
            reason: reason.into(),
            excerpt: excerpt(body),
        }
    }

    /// A parse error for `response` of `operation`, scrubbed: the reason (serde quotes the
    /// values it rejects) and the excerpt hold none of the request's secrets
    /// ([`HttpResponse::secrets`]) nor of the values of the response's secret-named JSON
    /// members, and an operation that carries secrets keeps no excerpt at all. The
    /// operation name is filled in; the vendor and request id are the caller's.
    pub fn for_response(
        operation: &OperationInfo,
        response: &HttpResponse,
        reason: impl Into<String>,
    ) -> Self {
        let mut secrets = response.secrets.clone();
        secrets.add_json_body(&response.body);
        let mut reason = reason.into();
        secrets.scrub_in_place(&mut reason);
        Self {
            vendor: "",
            operation: operation.name,
            http_status: response.status,
            request_id: None,
            reason,
            excerpt: if operation.carries_secrets {
                String::new()
            } else {
                excerpt_of(&response.body, &secrets)
            },
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: unparseable response (HTTP {}): {}",
            self.vendor,
            self.operation,
            self.http_status,
            escape(&self.reason),
        )?;
        if !self.excerpt.is_empty() {
            write!(f, "; body starts: \"{}\"", escape(&self.excerpt))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", escape(id))?;
        }
        Ok(())
    }
}

/// A non-idempotent operation failed after its request may have reached the server: it may
/// or may not have taken effect. Check (list the backups) before trying again: each vendor
/// crate's `reconcile_*` does, from [`attempt_started`](Self::attempt_started) (see
/// [`crate::reconcile`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct AmbiguousOutcome {
    /// The vendor.
    pub vendor: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// When the attempt that may have taken effect was signed, by the client's
    /// [`Clock`](crate::clock::Clock): what the vendor shows since (less a margin for clock
    /// skew) is what the attempt may have made.
    pub attempt_started: std::time::SystemTime,
    /// The failure that made the outcome unknown.
    #[source]
    pub cause: Error,
}

impl fmt::Display for AmbiguousOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: outcome unknown, the request may have taken effect; check before retrying ({})",
            self.vendor, self.operation, self.cause
        )
    }
}

/// A waiter reached its deadline before the job finished.
#[derive(Debug, Clone, thiserror::Error)]
#[error("gave up waiting for {} after {waited:?}; last state: {}", escape(what), escape(last_state.as_deref().unwrap_or("unknown")))]
#[non_exhaustive]
pub struct WaitTimedOut {
    /// What was waited for.
    pub what: String,
    /// How long.
    pub waited: Duration,
    /// The last state observed.
    pub last_state: Option<String>,
}

impl WaitTimedOut {
    /// A new timeout error.
    pub fn new(what: impl Into<String>, waited: Duration, last_state: Option<String>) -> Self {
        Self {
            what: what.into(),
            waited,
            last_state,
        }
    }
}

/// A backup job ended in a failed state.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{vendor} job {} ended {}{}", escape(job_id), escape(state), reason.as_deref().map(|r| format!(": {}", escape(r))).unwrap_or_default())]
#[non_exhaustive]
pub struct JobFailed {
    /// The vendor.
    pub vendor: &'static str,
    /// The job, task or backup id.
    pub job_id: String,
    /// The final state as the vendor names it.
    pub state: String,
    /// The vendor's reason, with the failed step when known.
    pub reason: Option<String>,
}

impl JobFailed {
    /// A new job failure.
    pub fn new(
        vendor: &'static str,
        job_id: impl Into<String>,
        state: impl Into<String>,
        reason: Option<String>,
    ) -> Self {
        Self {
            vendor,
            job_id: job_id.into(),
            state: state.into(),
            reason,
        }
    }
}

/// A paged listing stopped before its end: see [`crate::paginate`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaginationError {
    /// The vendor.
    pub vendor: &'static str,
    /// The list operation.
    pub operation: &'static str,
    /// How many pages were requested, the last one included.
    pub pages: u32,
    /// Why paging stopped.
    pub kind: PaginationErrorKind,
}

impl PaginationError {
    /// A new pagination error.
    pub fn new(
        vendor: &'static str,
        operation: &'static str,
        pages: u32,
        kind: PaginationErrorKind,
    ) -> Self {
        Self {
            vendor,
            operation,
            pages,
            kind,
        }
    }
}

impl StdError for PaginationError {}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: paging stopped after {} pages: ",
            self.vendor, self.operation, self.pages
        )?;
        match &self.kind {
            PaginationErrorKind::RepeatedPage => {
                write!(f, "page {} repeats the page before it", self.pages)
            }
            PaginationErrorKind::CursorNotAdvancing { cursor } => write!(
                f,
                "the next page, at `{}`, was already requested",
                escape(&truncate_chars(cursor, CURSOR_LIMIT))
            ),
            PaginationErrorKind::PageCapReached { max_pages } => write!(
                f,
                "the vendor reports more pages than the limit of {max_pages}"
            ),
            PaginationErrorKind::ItemCapReached { max_items } => {
                write!(f, "more than {max_items} items to collect")
            }
        }
    }
}

/// The longest cursor (a server's token) a pagination error shows, in characters.
const CURSOR_LIMIT: usize = 100;

/// Why a paged listing stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationErrorKind {
    /// The last page repeats the one before it: the same page number as the vendor
    /// reports it, or the same items. Its items are not delivered.
    RepeatedPage,
    /// The vendor pointed to a page already requested (an offset or page number that does
    /// not advance, a token that loops). The items of the page that pointed there were
    /// delivered.
    CursorNotAdvancing {
        /// The cursor (page number, offset or token) pointed to again.
        cursor: String,
    },
    /// The page cap was reached and the vendor reports more pages. The items of the pages
    /// requested were delivered.
    PageCapReached {
        /// The cap.
        max_pages: u32,
    },
    /// Collecting the listing would hold more items than the cap.
    ItemCapReached {
        /// The cap.
        max_items: usize,
    },
}

/// A bounded excerpt of a body (not scrubbed: see [`excerpt_of`]).
pub(crate) fn excerpt(body: &[u8]) -> String {
    excerpt_of(body, &Secrets::new())
}

/// The first [`EXCERPT_LIMIT`] bytes of `body` scrubbed of `secrets`, cut after scrubbing
/// on a character boundary, with `…` when something was cut. Nothing of a body that held
/// more secrets than were registered ([`Secrets::is_incomplete`]).
pub(crate) fn excerpt_of(body: &[u8], secrets: &Secrets) -> String {
    if secrets.is_incomplete() {
        return String::from(
            "[withheld: the body holds more secret-named members than are tracked]",
        );
    }
    // Only a secret that starts inside the excerpt matters, so the scrubbed window need
    // not be longer than the excerpt plus the longest secret.
    let window = body
        .get(..body.len().min(EXCERPT_LIMIT + secrets.longest_len()))
        .unwrap_or(body);
    let scrubbed = secrets.scrub_bytes(window);
    let mut cut = scrubbed.len().min(EXCERPT_LIMIT);
    while !scrubbed.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = scrubbed.get(..cut).unwrap_or_default().to_owned();
    if window.len() < body.len() || cut < scrubbed.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_error_display_is_one_line_with_code_message_and_id() {
        let mut e = ServiceError::new(429, ServiceErrorKind::Throttling, Retryability::Safe)
            .with_code("APIGW.0308")
            .with_message("The throttling threshold\nhas been reached")
            .with_request_id(Some("req-1".into()));
        e.vendor = "huawei-ges";
        e.operation = "CreateBackup";
        let err = Error::from(e);
        let shown = err.to_string();
        assert_eq!(
            shown,
            "huawei-ges CreateBackup failed: HTTP 429, code APIGW.0308: The throttling threshold has been reached (request id req-1)"
        );
        assert!(err.is_throttling());
        assert!(err.is_retryable());
        assert_eq!(err.code(), Some("APIGW.0308"));
        assert_eq!(err.request_id(), Some("req-1"));
        assert_eq!(err.http_status(), Some(429));
    }

    #[test]
    fn a_partial_failure_shows_its_subject_and_the_jobs_it_started_and_seals_them() {
        let mut e = ServiceError::new(200, ServiceErrorKind::Other, Retryability::No)
            .with_code("50001")
            .with_message("Cluster compaction needed before full data backup")
            .with_subject("tenant 1002 of cluster 8 key-S3CRET")
            .with_started_job_ids(vec!["11".into(), "12".into()]);
        e.vendor = "ocp";
        e.operation = "backupNow";
        let mut secrets = Secrets::new();
        secrets.add("key-S3CRET");
        let info = OperationInfo::non_idempotent("backupNow");
        seal_service_error(&mut e, &info, b"", &secrets);
        let shown = Error::from(e).to_string();
        assert_eq!(
            shown,
            "ocp backupNow failed: HTTP 200, code 50001: Cluster compaction needed before full data backup (for tenant 1002 of cluster 8 [redacted]); started anyway: 11, 12"
        );
    }

    #[test]
    fn a_server_that_lists_thousands_of_started_jobs_cannot_make_the_error_line_endless() {
        let ids: Vec<String> = (0..5_000).map(|i| format!("{i:0>200}")).collect();
        let e = ServiceError::new(200, ServiceErrorKind::Other, Retryability::No)
            .with_code("50001")
            .with_started_job_ids(ids);
        let shown = Error::from(e).to_string();
        assert!(
            shown.chars().count() < 2 * MESSAGE_LIMIT,
            "{} chars",
            shown.len()
        );
        assert!(shown.ends_with("and 4997 more"), "{shown}");
        assert!(
            shown.contains(&format!("{:0>200}", 0).chars().take(40).collect::<String>()),
            "{shown}"
        );
    }

    /// What a terminal would act on: C0 (ESC among them), DEL, C1 (CSI, OSC) and the
    /// bidirectional overrides.
    fn is_terminal_control(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }

    #[test]
    fn server_text_in_every_error_is_shown_on_one_line_without_control_sequences() {
        const HOSTILE: &str = "a\n\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\u{202e}exe\u{7f}\r\nz";
        let mut service = ServiceError::new(400, ServiceErrorKind::Other, Retryability::No)
            .with_code(HOSTILE)
            .with_message(HOSTILE)
            .with_request_id(Some(HOSTILE.into()));
        service.vendor = "ocp";
        service.operation = "backupNow";
        let mut response = ResponseError::new(200, HOSTILE, HOSTILE.as_bytes());
        response.request_id = Some(HOSTILE.into());
        let dispatch = DispatchError {
            vendor: "ocp",
            operation: "backupNow",
            kind: DispatchKind::Io,
            may_have_been_sent: true,
            attempts: 1,
            source: Some(HOSTILE.into()),
        };
        let errors: Vec<Error> = vec![
            service.clone().into(),
            response.into(),
            dispatch.into(),
            JobFailed::new("ocp", HOSTILE, HOSTILE, Some(HOSTILE.into())).into(),
            WaitTimedOut::new(HOSTILE, Duration::from_secs(1), Some(HOSTILE.into())).into(),
            Error::AmbiguousOutcome(Box::new(AmbiguousOutcome {
                vendor: "ocp",
                operation: "backupNow",
                attempt_started: std::time::SystemTime::UNIX_EPOCH,
                cause: service.into(),
            })),
        ];
        for error in errors {
            let line = error.to_string();
            assert!(
                !line.chars().any(is_terminal_control),
                "control character in {line:?}"
            );
            assert!(line.contains("\\u{1b}]0;owned"), "{line}");
        }
    }

    #[test]
    fn excerpt_is_bounded() {
        let body = vec![b'x'; 10_000];
        let e = excerpt(&body);
        assert!(e.len() <= EXCERPT_LIMIT + '…'.len_utf8());
    }

    #[test]
    fn ambiguous_outcome_is_not_retryable_and_keeps_cause_details() {
        let mut inner =
            ServiceError::new(500, ServiceErrorKind::Server, Retryability::IfIdempotent);
        inner.request_id = Some("r-9".into());
        let err = Error::AmbiguousOutcome(Box::new(AmbiguousOutcome {
            vendor: "ocp",
            operation: "backupNow",
            attempt_started: std::time::SystemTime::UNIX_EPOCH,
            cause: inner.into(),
        }));
        assert!(!err.is_retryable());
        assert!(err.is_ambiguous_outcome());
        assert_eq!(err.request_id(), Some("r-9"));
        assert!(err.to_string().contains("check before retrying"));
    }
}
