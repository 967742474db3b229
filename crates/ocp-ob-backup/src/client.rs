//! The hand-written OCP client: its [`Protocol`] (request building, envelope unwrapping,
//! the backup-starting checks) over backup-core's one invoke path, and how the one
//! [`ClientBuilder`](backup_core::ClientBuilder) makes it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use backup_core::credentials::{CachedProvider, OcpCredentials, OcpEnvironmentProvider};
use backup_core::operation::{OperationSpec, RequestParts};
use backup_core::sign::OcpSigner;
use backup_core::{
    ClientConfig, ClientFactory, Connection, Error, HasConnection, HttpRequest, HttpResponse,
    Protocol, ResponseError, ServiceClient,
};
use serde::de::DeserializeOwned;

use crate::BackupCommonResponse;
use crate::protocol::{self, OcpClassifier};

/// The vendor name used in errors and traces.
pub(crate) const VENDOR: &str = "ocp";

/// A client for one OCP (OceanBase Cloud Platform) server.
///
/// Cheap to clone (one `Arc`) and `Send + Sync`: clones share the connection pool and the
/// retry budget. Build one with [`Client::builder`]; every operation is a method that
/// returns a fluent builder (see the crate documentation).
#[derive(Clone)]
pub struct Client {
    connection: Connection<OcpProtocol>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("service", self.connection.service_client())
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.connection.endpoint()
    }
}

/// Configures a [`Client`]: the one [`backup_core::ClientBuilder`], with no settings of
/// OCP's own.
///
/// The endpoint is the user's own OCP URL, for example `https://ocp.example.com` or
/// `http://10.0.0.5:8080`; it is required. Plain `http://` to a host that is not loopback
/// is refused unless `allow_insecure_http(true)`: with HTTP Basic the password would cross
/// the network in clear text (and with an access key, the signed requests and the storage
/// secrets in backup bodies would). Self-hosted OCP often listens on plain HTTP port 8080:
/// prefer an access key, a TLS proxy or `add_root_certificate_pem`.
///
/// Credentials: [`OcpCredentials::basic`] (user and password) or
/// [`OcpCredentials::access_key`] (`OCP-ACCESS-KEY-HMACSHA1`, OCP 4.0.3 and later,
/// recommended by the vendor). Default: `OCP_ACCESS_KEY_ID`/`OCP_ACCESS_KEY_SECRET`, else
/// `OCP_USERNAME`/`OCP_PASSWORD`, from the builder's environment ([`OcpEnvironmentProvider`]).
/// The default retry policy never retries backupNow after a failure that may have reached
/// OCP; only access-key signing sends a `Date`, so only it depends on the clock.
pub type ClientBuilder = backup_core::ClientBuilder<Client>;

impl ClientFactory<()> for Client {
    type Credentials = OcpCredentials;

    fn build(config: ClientConfig<OcpCredentials>, _settings: ()) -> Result<Self, Error> {
        let credentials = config.credentials.unwrap_or_else(|| {
            Arc::new(CachedProvider::new(
                OcpEnvironmentProvider::with_environment(config.environment.clone()),
            ))
        });
        let mut builder = ServiceClient::builder(VENDOR)
            .signer(OcpSigner::from_shared(credentials))
            .classifier(OcpProtocol.classifier())
            .user_agent(concat!(
                "ocp-ob-backup/",
                env!("CARGO_PKG_VERSION"),
                " backup-core"
            ));
        if let Some(endpoint) = config.endpoint {
            builder = builder.endpoint(endpoint);
        }
        let service = config.options.apply(builder).build()?;
        Ok(Client {
            connection: Connection::new(service, OcpProtocol),
        })
    }
}

impl HasConnection for Client {
    type Protocol = OcpProtocol;

    fn connection(&self) -> &Connection<OcpProtocol> {
        &self.connection
    }
}

/// The OCP protocol: JSON bodies with their secrets registered, the `data` envelope, the
/// checks a backup-starting call makes before and after sending.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct OcpProtocol;

impl Protocol for OcpProtocol {
    type Classifier = OcpClassifier;

    fn classifier(&self) -> OcpClassifier {
        OcpClassifier
    }

    /// The unsigned request of one call: path encoded segment by segment, query parameters,
    /// a JSON body whose secrets (registered as it was written) are kept for scrubbing.
    fn build_request(
        &self,
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error> {
        let path = parts.render_path(spec.path_template)?;
        let mut request = HttpRequest::new(spec.method, path);
        if !parts.params.is_empty() {
            request.query = backup_core::encoding::encode_pairs(&parts.params);
        }
        request.set_header("accept", "application/json");
        if let Some(body) = &parts.json_body {
            // OCP may echo them (a validation error's `rejectedValue`, a debug message);
            // the body registered them while it was written.
            request.secrets.extend(body.secrets());
            request.body = body.as_bytes().to_vec();
            request.set_header("content-type", "application/json");
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

    /// The envelope's `data`, when `successful` is not false and, for a backup-starting
    /// call, the answer names a task and refuses no object: exactly the answers
    /// [`OcpClassifier`] lets through and [`decode`](Protocol::decode) accepts.
    fn decode_in_one_pass<O: DeserializeOwned + 'static>(
        &self,
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Option<O> {
        let output = protocol::unwrap_envelope::<O>(&spec.info, response).ok()?;
        if spec.creates_backup || protocol::starts_backup(spec.info.name) {
            let started = (&output as &dyn Any).downcast_ref::<BackupCommonResponse>()?;
            if !started.names_a_task() || started.failed_results().next().is_some() {
                return None;
            }
        }
        Some(output)
    }
}

/// What the client makes of a response [`ServiceClient::send`] accepted: the envelope's
/// `data` as `O`, or the parse error, scrubbed of the secrets the response carries.
///
/// An operation that starts a backup must name at least one task to follow: an answer
/// whose `data` is missing, `null` or `{}`, or lists no task id, is
/// [`Error::UnparseableResponse`], never an `Ok` with nothing to wait for. (Refusals,
/// `beSuccessful: false`, are service errors from the classifier, before this.)
pub(crate) fn decode_response<O: DeserializeOwned + 'static>(
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    let output = protocol::unwrap_envelope::<O>(&spec.info, response).map_err(|mut e| {
        e.vendor = VENDOR;
        Error::UnparseableResponse(Box::new(e))
    })?;
    if spec.creates_backup {
        let named_tasks = match (&output as &dyn Any).downcast_ref::<BackupCommonResponse>() {
            Some(started) => started.names_a_task(),
            // Every backup-starting operation answers a BackupCommonResponse; should one
            // not, read the same body as one rather than skip the check.
            None => decode_response::<BackupCommonResponse>(spec, response)?.names_a_task(),
        };
        if !named_tasks {
            let mut e = ResponseError::for_response(
                &spec.info,
                response,
                "the answer names no task (`data.backupObjectOpsResultList[].taskIdList` is \
                 missing or empty), so there is no backup to follow: OCP may not have started one",
            );
            e.vendor = VENDOR;
            e.request_id = protocol::trace_id(&response.body);
            return Err(Error::UnparseableResponse(Box::new(e)));
        }
    }
    Ok(output)
}

/// Builds a parse error for a response of `operation`.
pub(crate) fn response_error(
    operation: &'static str,
    reason: impl Into<String>,
    request_id: Option<String>,
) -> Error {
    let mut e = ResponseError::new(200, reason, b"");
    e.vendor = VENDOR;
    e.operation = operation;
    e.request_id = request_id;
    Error::UnparseableResponse(Box::new(e))
}
