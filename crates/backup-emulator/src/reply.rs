//! A response under construction, and the replies every vendor shares. A leaf: it knows
//! nothing of the vendors or of the server, which both build on it.

use axum::body::Body;
use axum::response::Response;

/// A response under construction.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::with_body(
            status,
            "application/json;charset=UTF-8",
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    pub(crate) fn xml(status: u16, text: String) -> Self {
        Self::with_body(status, "application/xml;charset=UTF-8", text.into_bytes())
    }

    /// A `text/plain` answer: what the emulator says outside any vendor's format.
    pub(crate) fn plain(status: u16, text: &str) -> Self {
        Self::with_body(status, "text/plain;charset=UTF-8", text.as_bytes().to_vec())
    }

    /// The page a front proxy (nginx) answers with instead of the vendor's envelope.
    pub(crate) fn html_page(status: u16) -> Self {
        let reason = axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let body = format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        );
        Self::with_body(status, "text/html", body.into_bytes())
    }

    fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body,
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn is_xml(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, v)| *n == "content-type" && v.contains("xml"))
    }

    pub(crate) fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        builder.body(Body::from(self.body)).unwrap_or_else(|_| {
            let mut response = Response::new(Body::from("invalid response"));
            *response.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
    }
}
