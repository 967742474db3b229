//! Hand-written, NOT generated: the type the generated operations hang off
//! (`x-rust.client` in `api/ges.json`), and its [`Invoke`] implementation, the GES protocol.
//!
//! Why a separate type: every GES path starts with `{project_id}`, which the generator
//! treats as a required per-call input. The public [`Client`](crate::Client) fills it in
//! from its configuration before handing out the generated builders (see its methods), so
//! callers never repeat it. Once the generator can mark a path parameter as supplied by
//! the client, this indirection can go.

use std::sync::Arc;

use backup_core::credentials::BoxFuture;
use backup_core::encoding::encode_pairs;
use backup_core::operation::{Invoke, OperationSpec, RequestParts};
use backup_core::sign::huawei::PROJECT_ID_HEADER;
use backup_core::{Error, HttpRequest, ResponseError, ServiceClient};
use serde::de::DeserializeOwned;

use crate::VENDOR;

/// The protocol half of the client: builds, signs (through the [`ServiceClient`]) and
/// parses GES requests. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Operations {
    pub(crate) service: ServiceClient,
    pub(crate) project_id: Option<Arc<str>>,
}

impl Operations {
    /// Builds the HTTP request of one call (path encoded segment by segment, query in
    /// description order, `{}` body for JSON operations, `X-Project-Id` from the path).
    pub(crate) fn build_request(
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error> {
        let path = parts.render_path(spec.path_template)?;
        let mut request = HttpRequest::new(spec.method, path);
        request.query = encode_pairs(&parts.params);
        if let Some(project_id) = parts.path_param("project_id") {
            request.set_header(PROJECT_ID_HEADER, project_id);
        }
        if let Some(body) = &parts.json_body {
            request.set_header("content-type", "application/json");
            request.body = serde_json::to_vec(body)
                .map_err(|e| Error::invalid_input("body", format!("could not be encoded: {e}")))?;
        }
        Ok(request)
    }

    async fn call<O: DeserializeOwned>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<O, Error> {
        let request = Self::build_request(spec, &parts)?;
        let response = self.service.send(&spec.info, request).await?;
        // DELETE answers `{ }` or nothing at all; both mean "no data".
        let body: &[u8] = if response.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &response.body
        };
        serde_json::from_slice(body).map_err(|e| {
            let mut error = ResponseError::new(response.status, e.to_string(), &response.body);
            error.vendor = VENDOR;
            error.operation = spec.info.name;
            error.request_id = response.header("x-request-id").map(str::to_owned);
            Error::from(error)
        })
    }
}

impl Invoke for Operations {
    fn invoke<O>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> BoxFuture<'_, Result<O, Error>>
    where
        O: DeserializeOwned + Send + 'static,
    {
        Box::pin(self.call(spec, parts))
    }
}
