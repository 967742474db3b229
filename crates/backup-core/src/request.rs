use std::fmt;

use crate::redact::Secrets;

/// An HTTP method the vendor APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD` (S3 `HeadObject`): the answer has headers and no body.
    Head,
}

impl Method {
    /// The method as it appears on the request line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the transport needs to know about an operation to retry it safely and to name it
/// in errors and traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The vendor's operation name, for example `createCloudCacheManualBackup`.
    pub name: &'static str,
    /// Whether sending the request twice has the same effect as sending it once. Only
    /// idempotent operations are retried after a failure that may have reached the server.
    pub idempotent: bool,
    /// Whether the request or the response carries secrets (`x-secret` members, a
    /// password): errors of such an operation keep no excerpt of the response body.
    pub carries_secrets: bool,
}

impl OperationInfo {
    /// An operation that is safe to repeat (reads, deletes by id).
    pub const fn idempotent(name: &'static str) -> Self {
        Self {
            name,
            idempotent: true,
            carries_secrets: false,
        }
    }

    /// An operation that must not be repeated blindly (creating a backup, starting an export).
    pub const fn non_idempotent(name: &'static str) -> Self {
        Self {
            name,
            idempotent: false,
            carries_secrets: false,
        }
    }

    /// Marks the operation as carrying secrets in its request or response: its errors
    /// keep no body excerpt.
    pub const fn carrying_secrets(mut self) -> Self {
        self.carries_secrets = true;
        self
    }
}

/// A request as it will be signed and sent.
///
/// `path` and `query` are already percent-encoded: they are the exact bytes of the
/// request-target on the wire, so what a signer signs is what the server receives.
/// Header names are stored in lower case.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The encoded path, starting with `/`.
    pub path: String,
    /// The encoded query string without the leading `?`; empty for none.
    pub query: String,
    /// Headers in the order they will be sent, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body bytes; empty for none.
    pub body: Vec<u8>,
    /// The secrets this request carries or is signed with: protocol code registers those
    /// of the body, signers those they used. Errors of the call are scrubbed of them.
    pub secrets: Secrets,
}

impl HttpRequest {
    /// A request with no query, headers or body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            secrets: Secrets::new(),
        }
    }

    /// The request-target: the path, plus `?` and the query when there is one.
    pub fn request_target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            let mut target = String::with_capacity(self.path.len() + 1 + self.query.len());
            target.push_str(&self.path);
            target.push('?');
            target.push_str(&self.query);
            target
        }
    }

    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets header `name` to `value`, replacing any earlier value.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        let name = name.to_ascii_lowercase();
        match self.headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
    }

    /// Removes header `name` (case-insensitive).
    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
}

/// Headers whose values are credentials and must never be printed.
pub(crate) const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "x-auth-token",
    "x-security-token",
    "x-ncp-apigw-signature-v2",
    "x-subject-token",
    "cookie",
];

pub(crate) fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(n, v)| {
                let shown: &str = if is_sensitive_header(n) {
                    "[redacted]"
                } else {
                    v
                };
                (n, shown)
            }))
            .finish()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies can carry storage access keys (OCP), so only their size is shown.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// What one call would send, for a dry run or a log: method, full URL, headers and body,
/// with every credential header and every secret the request carries replaced by
/// `[redacted]`.
///
/// It is the request before signing: the signer adds its headers (`Authorization`, the
/// signing date) when the call is sent, with a fresh time for each attempt.
/// [`Display`](fmt::Display) prints it as HTTP/1.1 would (request line, headers, a blank
/// line and the body).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreparedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The full URL: endpoint, encoded path and query.
    pub url: String,
    /// Headers in the order they will be sent, names in lower case, credentials redacted.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), secrets redacted; empty for none.
    pub body: String,
}

impl PreparedRequest {
    /// Shows `request` sent to `origin` (`https://host[:port]`, no trailing `/`), with
    /// its credential headers and registered secrets redacted.
    pub fn new(origin: &str, request: &HttpRequest) -> Self {
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if is_sensitive_header(name) {
                    "[redacted]".to_owned()
                } else {
                    request.secrets.scrub(value).into_owned()
                };
                (name.clone(), shown)
            })
            .collect();
        Self {
            method: request.method,
            url: format!("{origin}{}", request.request_target()),
            headers,
            body: request.secrets.scrub_bytes(&request.body).into_owned(),
        }
    }
}

impl fmt::Display for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            write!(f, "\n{name}: {value}")?;
        }
        if !self.body.is_empty() {
            write!(f, "\n\n{}", self.body)?;
        }
        Ok(())
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A response as received, with its body read in full (up to the client's size cap).
#[derive(Clone, Default)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The secrets of the request this answers, so that an error built from the response
    /// ([`ResponseError::for_response`](crate::ResponseError::for_response)) is scrubbed
    /// of them.
    pub secrets: Secrets,
}

impl HttpResponse {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_target_joins_path_and_query() {
        let mut r = HttpRequest::new(Method::Get, "/a/b");
        assert_eq!(r.request_target(), "/a/b");
        r.query = "x=1&y=%20".into();
        assert_eq!(r.request_target(), "/a/b?x=1&y=%20");
    }

    #[test]
    fn debug_redacts_credentials_and_body() {
        let mut r = HttpRequest::new(Method::Post, "/x");
        r.set_header("Authorization", "Basic c2VjcmV0");
        r.set_header("X-Auth-Token", "tok-secret");
        r.body = b"{\"accessKeySecret\":\"s3cr3t\"}".to_vec();
        let shown = format!("{r:?}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(!shown.contains("tok-secret"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn set_header_replaces_case_insensitively() {
        let mut r = HttpRequest::new(Method::Get, "/");
        r.set_header("Content-Type", "a");
        r.set_header("content-type", "b");
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.header("CONTENT-TYPE"), Some("b"));
    }
}
