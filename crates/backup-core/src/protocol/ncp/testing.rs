//! Helpers for testing NCP clients against [`crate::test_util::ScriptedServer`]
//! (feature `test-util`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{FromGateway, GatewayBuilder, RESPONSE_FORMAT_PARAM, RequestStyle, ResponseFormat};
use crate::clock::SteppingClock;
use crate::credentials::{NcpCredentials, StaticEnvironment};
use crate::encoding::{encode_pairs, percent_decode};
use crate::sign::ncp::{self, ACCESS_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::test_util::{Recorded, Step};
use crate::{Error, RetryConfig, Timeouts};

/// The access key of the signature vectors in the NCP reference notes (section 1.5).
pub const ACCESS_KEY: &str = "AKIAEXAMPLEACCESSKEY";
/// The secret key of those vectors.
pub const SECRET_KEY: &str = "SECRETKEYEXAMPLE0123456789abcdefghijklmn";
/// The timestamp of those vectors, in milliseconds.
pub const TIMESTAMP_MS: u64 = 1_700_000_000_000;

/// A 200 answer with `body` as `application/xml`.
pub fn xml_ok(body: &str) -> Step {
    Step::Respond {
        status: 200,
        headers: vec![("content-type", "application/xml;charset=UTF-8".into())],
        body: body.into(),
    }
}

/// A builder for tests against a loopback server at `base_url`: the vector credentials,
/// time frozen at [`TIMESTAMP_MS`], an empty environment (no `NCLOUD_API_GW`), fast
/// retries without jitter, short timeouts.
pub fn builder<C: FromGateway>(
    base_url: &str,
    style: RequestStyle,
    format: ResponseFormat,
) -> GatewayBuilder<C> {
    GatewayBuilder::new()
        .endpoint(base_url)
        .credentials(NcpCredentials::new(ACCESS_KEY, SECRET_KEY))
        .environment(StaticEnvironment::new())
        .request_style(style)
        .response_format(format)
        .clock(Arc::new(SteppingClock::frozen(
            SystemTime::UNIX_EPOCH + Duration::from_millis(TIMESTAMP_MS),
        )))
        .retry(
            RetryConfig::standard()
                .with_jitter(false)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(5)),
        )
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(5),
        ))
}

/// The parts of an error a test compares or snapshots, as JSON: variant, HTTP status,
/// code, message, request id, kind, retryability, whether it may be retried, the
/// excerpt (for unparseable and service errors) and the one-line `Display`.
pub fn error_summary(error: &Error) -> serde_json::Value {
    let variant = match error {
        Error::InvalidInput(_) => "InvalidInput",
        Error::MissingCredentials(_) => "MissingCredentials",
        Error::InvalidCredentials(_) => "InvalidCredentials",
        Error::Config(_) => "Config",
        Error::Dispatch(_) => "Dispatch",
        Error::Service(_) => "Service",
        Error::UnparseableResponse(_) => "UnparseableResponse",
        Error::AmbiguousOutcome(_) => "AmbiguousOutcome",
        Error::WaitTimedOut(_) => "WaitTimedOut",
        Error::JobFailed(_) => "JobFailed",
        Error::Pagination(_) => "Pagination",
        Error::VerifyNotFound(_) => "VerifyNotFound",
        Error::VerifyTimedOut(_) => "VerifyTimedOut",
    };
    let service = error.service_error();
    let excerpt = match error {
        Error::UnparseableResponse(e) => Some(e.excerpt.clone()),
        _ => service.map(|e| e.excerpt.clone()),
    };
    serde_json::json!({
        "variant": variant,
        "http_status": error.http_status(),
        "code": error.code(),
        "message": error.message(),
        "request_id": error.request_id(),
        "kind": service.map(|e| format!("{:?}", e.kind)),
        "retryability": service.map(|e| format!("{:?}", e.retryability)),
        "is_retryable": error.is_retryable(),
        "excerpt": excerpt,
        "display": error.to_string(),
    })
}

/// A request as the server received it, with its NCP parts picked apart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct WireRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The request-target as on the request line.
    pub target: String,
    /// The path part of the target.
    pub path: String,
    /// The query part of the target (without `?`).
    pub query: String,
    /// Every header name, lower case, sorted.
    pub header_names: Vec<String>,
    /// `content-type`, when sent.
    pub content_type: Option<String>,
    /// `x-ncp-apigw-timestamp`.
    pub timestamp: Option<String>,
    /// `x-ncp-iam-access-key`.
    pub access_key: Option<String>,
    /// `x-ncp-apigw-signature-v2`.
    pub signature: Option<String>,
    /// The body as text.
    pub body: String,
}

impl WireRequest {
    /// Picks `recorded` apart.
    pub fn from_recorded(recorded: &Recorded) -> Self {
        let (path, query) = match recorded.target.split_once('?') {
            Some((p, q)) => (p.to_owned(), q.to_owned()),
            None => (recorded.target.clone(), String::new()),
        };
        let mut header_names: Vec<String> =
            recorded.headers.iter().map(|(n, _)| n.clone()).collect();
        header_names.sort();
        header_names.dedup();
        let header = |name: &str| recorded.header(name).map(str::to_owned);
        Self {
            method: recorded.method.clone(),
            target: recorded.target.clone(),
            path,
            query,
            header_names,
            content_type: header("content-type"),
            timestamp: header(ncp::TIMESTAMP_HEADER),
            access_key: header(ncp::ACCESS_KEY_HEADER),
            signature: header(ncp::SIGNATURE_HEADER),
            body: String::from_utf8_lossy(&recorded.body).into_owned(),
        }
    }

    /// The parameters, decoded: from the form body of a `POST`, else from the query.
    pub fn params(&self) -> Vec<(String, String)> {
        let source = if self.method == "POST" {
            &self.body
        } else {
            &self.query
        };
        decode_pairs(source)
    }

    /// The signature recomputed with `secret` over what was received: the method, the
    /// request-target, the timestamp header and the access key header.
    pub fn expected_signature(&self, secret: &str) -> Option<String> {
        let timestamp: u64 = self.timestamp.as_deref()?.parse().ok()?;
        Some(ncp::signature(
            secret.as_bytes(),
            &self.method,
            &self.target,
            timestamp,
            self.access_key.as_deref()?,
        ))
    }

    /// Whether the received signature is the one `secret` gives.
    pub fn signature_matches(&self, secret: &str) -> bool {
        self.signature.is_some() && self.signature == self.expected_signature(secret)
    }

    /// Checks that this is the request a [`builder`] client sends in `style`, asking for
    /// `format`, for the operation at `path` with `params` (in this order): method,
    /// request-target, header names, content type, body, and [the
    /// signature](Self::check_signed).
    pub fn check(
        &self,
        style: RequestStyle,
        format: ResponseFormat,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<(), String> {
        let params: Vec<_> = params
            .iter()
            .copied()
            .chain([(RESPONSE_FORMAT_PARAM, format.as_str())])
            .collect();
        let encoded = encode_pairs(&params);
        let signed = [SIGNATURE_HEADER, TIMESTAMP_HEADER, ACCESS_KEY_HEADER];
        let (method, target, mut headers, content_type, body) = match style {
            RequestStyle::PostForm => (
                "POST",
                path.to_owned(),
                vec![
                    "accept",
                    "content-length",
                    "content-type",
                    "host",
                    "user-agent",
                ],
                Some("application/x-www-form-urlencoded"),
                encoded.as_str(),
            ),
            RequestStyle::GetQuery => (
                "GET",
                format!("{path}?{encoded}"),
                vec!["accept", "host", "user-agent"],
                None,
                "",
            ),
        };
        headers.extend(signed);
        let got = (
            self.method.as_str(),
            self.target.as_str(),
            self.header_names.iter().map(String::as_str).collect(),
            self.content_type.as_deref(),
            self.body.as_str(),
        );
        let expected = (method, target.as_str(), headers, content_type, body);
        if got != expected {
            return Err(format!(
                "(method, target, header names, content type, body) are {got:?}, expected {expected:?}"
            ));
        }
        self.check_signed()
    }

    /// Checks that the request was signed by a [`builder`] client: at [`TIMESTAMP_MS`],
    /// with [`ACCESS_KEY`], and a signature [`SECRET_KEY`] gives over what was received.
    pub fn check_signed(&self) -> Result<(), String> {
        let timestamp = TIMESTAMP_MS.to_string();
        if self.timestamp.as_deref() != Some(timestamp.as_str())
            || self.access_key.as_deref() != Some(ACCESS_KEY)
            || !self.signature_matches(SECRET_KEY)
        {
            return Err(format!(
                "timestamp {:?}, access key {:?}, signature {:?}: expected {timestamp}, \
                 {ACCESS_KEY} and {:?}",
                self.timestamp,
                self.access_key,
                self.signature,
                self.expected_signature(SECRET_KEY)
            ));
        }
        Ok(())
    }
}

/// Decodes `a=1&b=x%20y` (with `+` as a space, as form bodies allow).
pub fn decode_pairs(encoded: &str) -> Vec<(String, String)> {
    encoded
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(k, true).unwrap_or_else(|| k.to_owned()),
                percent_decode(v, true).unwrap_or_else(|| v.to_owned()),
            )
        })
        .collect()
}
