//! Hand-written, NOT generated: the GES protocol behind the client's
//! [`Invoke`](backup_core::operation::Invoke) implementation (building a request from an
//! operation's spec and parts, sending it, decoding the answer).

use std::sync::Arc;

use backup_core::encoding::encode_pairs;
use backup_core::operation::{OperationSpec, RequestParts};
use backup_core::sign::huawei::PROJECT_ID_HEADER;
use backup_core::{
    Error, HttpRequest, HttpResponse, PreparedRequest, ResponseError, ServiceClient,
};
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

    /// Sends one call whose client-supplied path parameters are already filled.
    pub(crate) async fn call<O: DeserializeOwned>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<O, Error> {
        let request = Self::build_request(spec, &parts)?;
        let response = self.service.send(&spec.info, request).await?;
        decode_response(spec, &response)
    }

    /// What [`call`](Self::call) would send, unsigned and redacted.
    pub(crate) fn prepare(
        &self,
        spec: &'static OperationSpec,
        parts: &RequestParts,
    ) -> Result<PreparedRequest, Error> {
        self.service.prepare(Self::build_request(spec, parts)?)
    }
}

/// What the client makes of a response [`ServiceClient::send`] accepted: the body as `O`.
pub(crate) fn decode_response<O: DeserializeOwned>(
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    // DELETE answers `{ }` or nothing at all; both mean "no data".
    let body: &[u8] = if response.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &response.body
    };
    // Straight into the output type, within the decoding budget of one response.
    backup_core::operation::de::with_response_budget(|| serde_json::from_slice(body)).map_err(|e| {
        let mut error = ResponseError::for_response(&spec.info, response, e.to_string());
        error.vendor = VENDOR;
        error.request_id = response.header("x-request-id").map(str::to_owned);
        Error::from(error)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::generated::CREATE_BACKUP_SPEC;
    use backup_core::credentials::HuaweiCredentials;
    use backup_core::sign::{HuaweiAkSkSigner, Sign, SigningContext};
    use std::time::{Duration, SystemTime};

    /// The worked GES example of the reference notes (computed there independently):
    /// POST, host `ges.cn-north-4.myhuaweicloud.com`, body `{}`, 2024-01-01T00:00:00Z.
    #[tokio::test]
    async fn create_backup_signature_matches_the_reference_worked_example() {
        let mut parts = RequestParts::new();
        parts
            .path_params
            .push(("project_id", "0123456789abcdef0123456789abcdef".into()));
        parts
            .path_params
            .push(("graph_id", "11111111-2222-3333-4444-555555555555".into()));
        parts.json_body = Some(serde_json::json!({}));
        let mut request = Operations::build_request(&CREATE_BACKUP_SPEC, &parts).unwrap();
        let signer = HuaweiAkSkSigner::new(HuaweiCredentials::new("AccessKey", "SecretKey"));
        let context = SigningContext {
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200),
            host: "ges.cn-north-4.myhuaweicloud.com".into(),
        };
        signer.sign(&mut request, &context).await.unwrap();
        assert_eq!(
            request.header("authorization"),
            Some(
                "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date, \
                 Signature=c5fd3ffc7bd59ab613be2c59bc5672ac14c9b91a6a67ac2c06b060ceb1ea976e"
            )
        );
        assert_eq!(
            request.path,
            "/v2/0123456789abcdef0123456789abcdef/graphs/11111111-2222-3333-4444-555555555555/backups"
        );
    }
}
