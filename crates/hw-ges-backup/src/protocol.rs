//! The GES protocol: how a call's request is built (the client's project id filled in,
//! `X-Project-Id` from the path) and its answer decoded, behind backup-core's one invoke
//! path ([`Connection`](backup_core::Connection)).

use std::sync::Arc;

use backup_core::encoding::encode_pairs;
use backup_core::operation::{self, OperationSpec, RequestParts};
use backup_core::sign::huawei::PROJECT_ID_HEADER;
use backup_core::{Error, HttpRequest, HttpResponse, Protocol, ResponseError};
use serde::de::DeserializeOwned;

use crate::VENDOR;
use crate::client::PROJECT_ID_VAR;
use crate::errors::GesClassifier;

/// The path parameter every GES operation has and the client supplies
/// (`x-client-supplied` in `api/ges.json`).
const PROJECT_ID_PARAM: &str = "project_id";

/// The GES protocol of one client: its configured project id.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GesProtocol {
    project_id: Option<Arc<str>>,
    /// Whether the configured id keeps the description's rule, checked once here rather
    /// than on every call (a bad one is still refused at each call that would use it).
    project_id_valid: bool,
}

impl GesProtocol {
    /// The protocol of a client acting in `project_id`, when one is configured.
    pub fn new(project_id: Option<String>) -> Self {
        let project_id_valid = project_id
            .as_deref()
            .is_some_and(|id| check_project_id(id).is_ok());
        Self {
            project_id: project_id.map(Arc::from),
            project_id_valid,
        }
    }

    /// The configured project id.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }
}

impl Protocol for GesProtocol {
    type Classifier = GesClassifier;

    fn classifier(&self) -> GesClassifier {
        GesClassifier
    }

    /// Fills `project_id` from the configuration unless the caller set one. The configured
    /// id is held to the description's rule (letters and digits, 1 to 64), as a caller's
    /// is by `validate`, so a bad one is refused before signing whichever way it came.
    fn fill_client_params(&self, parts: &mut RequestParts) -> Result<(), Error> {
        if parts.path_param(PROJECT_ID_PARAM).is_none() {
            let configured = self.project_id().ok_or_else(|| {
                Error::invalid_input(
                    PROJECT_ID_PARAM,
                    format!(
                        "is required: set it on the call, with `ClientBuilder::project_id` or in {PROJECT_ID_VAR}"
                    ),
                )
            })?;
            if !self.project_id_valid {
                check_project_id(configured)?;
            }
            parts.fill_path_param(PROJECT_ID_PARAM, configured);
        }
        Ok(())
    }

    /// Builds the HTTP request of one call (path encoded segment by segment, query in
    /// description order, `{}` body for JSON operations, `X-Project-Id` from the path).
    fn build_request(
        &self,
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error> {
        let path = parts.render_path(spec.path_template)?;
        let mut request = HttpRequest::new(spec.method, path);
        request.query = encode_pairs(&parts.params);
        if let Some(project_id) = parts.path_param(PROJECT_ID_PARAM) {
            request.set_header(PROJECT_ID_HEADER, project_id);
        }
        if let Some(body) = &parts.json_body {
            request.set_header("content-type", "application/json");
            // None of GES's bodies has a secret member today; one added to the description
            // is registered as the body is written, like OCP's, so an echo of it never
            // reaches an error.
            request.secrets.extend(body.secrets());
            request.body = body.as_bytes().to_vec();
        }
        Ok(request)
    }

    fn decode<O: DeserializeOwned + 'static>(
        &self,
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Result<O, Error> {
        decode_response(spec, response)
    }

    /// Any 2xx that decodes: [`GesClassifier`](crate::errors::GesClassifier) calls no 2xx an error.
    fn decode_in_one_pass<O: DeserializeOwned + 'static>(
        &self,
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Option<O> {
        decode_response(spec, response).ok()
    }
}

/// The description's rule for a project id (`components/parameters/ProjectId`).
fn check_project_id(value: &str) -> Result<(), Error> {
    operation::non_empty(PROJECT_ID_PARAM, value)?;
    operation::length(PROJECT_ID_PARAM, value, Some(1), Some(64))?;
    operation::allowed_chars(
        PROJECT_ID_PARAM,
        value,
        &[('A', 'Z'), ('a', 'z'), ('0', '9')],
        "A-Za-z0-9",
    )
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
        parts.json_body = Some(backup_core::operation::JsonBody::default());
        let mut request = GesProtocol::default()
            .build_request(&CREATE_BACKUP_SPEC, &parts)
            .unwrap();
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
