//! The hand-written OCP client: configuration, and the [`Invoke`] implementation the
//! generated operations call (request building, envelope unwrapping, secret scrubbing).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use backup_core::clock::Clock;
use backup_core::credentials::{
    BoxFuture, CachedProvider, OcpCredentials, OcpEnvironmentProvider, ProvideCredentials,
    SharedProvider,
};
use backup_core::operation::{Invoke, OperationSpec, RequestParts};
use backup_core::sign::OcpSigner;
use backup_core::{
    ClientOptions, Error, HttpRequest, HttpResponse, PreparedRequest, ResponseError, RetryConfig,
    ServiceClient, Timeouts,
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
    inner: Arc<ServiceClient>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.inner)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.inner.endpoint()
    }
}

/// Configures a [`Client`].
///
/// The endpoint is the user's own OCP URL, for example `https://ocp.example.com` or
/// `http://10.0.0.5:8080`. Plain `http://` to a host that is not loopback is refused unless
/// [`allow_insecure_http`](Self::allow_insecure_http) is set: with HTTP Basic the password
/// would cross the network in clear text (and with an access key, the signed requests and
/// the storage secrets in backup bodies would).
#[derive(Default)]
pub struct ClientBuilder {
    endpoint: Option<String>,
    credentials: Option<SharedProvider<OcpCredentials>>,
    options: ClientOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("allow_insecure_http", &self.options.allow_insecure_http)
            .field("retry", &self.options.retry)
            .field("timeouts", &self.options.timeouts)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The OCP URL: `https://host[:port][/prefix]` (or `http://`, see
    /// [`allow_insecure_http`](Self::allow_insecure_http)). Required.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Fixed credentials: [`OcpCredentials::basic`] (user and password) or
    /// [`OcpCredentials::access_key`] (`OCP-ACCESS-KEY-HMACSHA1`, OCP 4.0.3 and later,
    /// recommended by the vendor).
    ///
    /// Default: `OCP_ACCESS_KEY_ID`/`OCP_ACCESS_KEY_SECRET`, else
    /// `OCP_USERNAME`/`OCP_PASSWORD`, read once ([`OcpEnvironmentProvider`]).
    pub fn credentials(mut self, credentials: OcpCredentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// A credentials source of your own (a vault, a file); consulted before each attempt,
    /// so it should cache.
    pub fn credentials_provider(
        mut self,
        provider: impl ProvideCredentials<Credentials = OcpCredentials> + 'static,
    ) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Allows plain `http://` to a host that is not loopback (`localhost`, `127.0.0.0/8`,
    /// `::1` are always allowed). Off by default.
    ///
    /// Self-hosted OCP often listens on plain HTTP port 8080. Turning this on sends HTTP
    /// Basic passwords, and the storage access keys of backup requests, unencrypted: do it
    /// only on a network you trust, and prefer an access key (which signs instead of
    /// sending a password) or a TLS proxy.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.options.allow_insecure_http = allow;
        self
    }

    /// The retry policy. Default: [`RetryConfig::default`] (3 attempts; backupNow is never
    /// retried after a failure that may have reached OCP).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.options.retry = Some(retry);
        self
    }

    /// Connect and per-attempt timeouts. Default: [`Timeouts::default`].
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.options.timeouts = Some(timeouts);
        self
    }

    /// The clock used for the `Date` of signed requests. Default: the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.options.clock = Some(clock);
        self
    }

    /// Whether a `Date` the server refuses (the local clock is off) is corrected from the
    /// response's own `Date` and the request re-sent once; the learned offset is kept for
    /// later calls. Default: on. Only access-key signing sends a `Date`; HTTP Basic does
    /// not depend on the clock. See [`backup_core::skew`].
    pub fn clock_skew_correction(mut self, correct: bool) -> Self {
        self.options.clock_skew_correction = Some(correct);
        self
    }

    /// The largest response body accepted. Default 8 MiB.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.options.max_body_bytes = Some(bytes);
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more PEM `CERTIFICATE` blocks)
    /// besides the built-in roots: private OCP deployments often serve a certificate from
    /// an internal CA. Can be called more than once; a PEM without a parseable certificate
    /// fails [`build`](Self::build) with [`Error::Config`]. Prefer this to
    /// [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.options.root_certificates_pem.push(pem.into());
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no endpoint is set, it is not a URL, or it is plain `http://`
    /// to a non-loopback host without [`allow_insecure_http`](Self::allow_insecure_http);
    /// [`Error::InvalidCredentials`] for fixed credentials that cannot be sent (see
    /// [`OcpCredentials::validate`]).
    pub fn build(self) -> Result<Client, Error> {
        if let Some(credentials) = &self.credentials {
            credentials.check_fixed()?;
        }
        let credentials = self.credentials.unwrap_or_else(|| {
            Arc::new(CachedProvider::new(OcpEnvironmentProvider::new()))
                as SharedProvider<OcpCredentials>
        });
        let mut builder = ServiceClient::builder(VENDOR)
            .signer(OcpSigner::from_shared(credentials))
            .classifier(OcpClassifier)
            .user_agent(concat!(
                "ocp-ob-backup/",
                env!("CARGO_PKG_VERSION"),
                " backup-core"
            ));
        if let Some(endpoint) = self.endpoint {
            builder = builder.endpoint(endpoint);
        }
        Ok(Client {
            inner: Arc::new(self.options.apply(builder).build()?),
        })
    }
}

impl Invoke for Client {
    fn invoke<O>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> BoxFuture<'_, Result<O, Error>>
    where
        O: DeserializeOwned + Send + 'static,
    {
        Box::pin(async move {
            let request = build_request(spec, &parts)?;
            let response = self.inner.send(&spec.info, request).await?;
            decode_response(spec, &response)
        })
    }

    fn to_request(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<PreparedRequest, Error> {
        self.inner.prepare(build_request(spec, &parts)?)
    }
}

/// The unsigned request of one call: path encoded segment by segment, query parameters,
/// a JSON body whose secret members are registered for scrubbing.
fn build_request(spec: &OperationSpec, parts: &RequestParts) -> Result<HttpRequest, Error> {
    refuse_tenant_dimension_at_cluster_level(spec, parts)?;
    let path = parts.render_path(spec.path_template)?;
    let mut request = HttpRequest::new(spec.method, path);
    if !parts.params.is_empty() {
        request.query = backup_core::encoding::encode_pairs(&parts.params);
    }
    request.set_header("accept", "application/json");
    if let Some(body) = &parts.json_body {
        // OCP may echo them (a validation error's `rejectedValue`, a debug message).
        request.secrets.add_json_members(body);
        request.body = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_input("body", format!("could not be serialized: {e}")))?;
        request.set_header("content-type", "application/json");
    }
    Ok(request)
}

/// The cluster-level backupNow backs up the whole cluster: the vendor's page says tenant
/// backup is not supported there (`backupDimension: TENANT`), and the tenant-level call
/// exists for it. Refused before anything is sent, rather than left to OCP to interpret.
fn refuse_tenant_dimension_at_cluster_level(
    spec: &OperationSpec,
    parts: &RequestParts,
) -> Result<(), Error> {
    if spec.info.name != crate::BACKUP_NOW_SPEC.info.name {
        return Ok(());
    }
    let dimension = parts
        .json_body
        .as_ref()
        .and_then(|body| body.get("obBackupObject"))
        .and_then(|object| object.get("backupDimension"))
        .and_then(serde_json::Value::as_str);
    match dimension {
        Some(d) if d.trim().eq_ignore_ascii_case("TENANT") => Err(Error::invalid_input(
            "obBackupObject.backupDimension",
            "TENANT is not supported by the cluster-level backupNow; back up a tenant with \
             tenantBackupNow (Client::tenant_backup_now)",
        )),
        _ => Ok(()),
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
            Some(started) => !started.task_ids().is_empty(),
            // Every backup-starting operation answers a BackupCommonResponse; should one
            // not, read the same body as one rather than skip the check.
            None => !decode_response::<BackupCommonResponse>(spec, response)?
                .task_ids()
                .is_empty(),
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
