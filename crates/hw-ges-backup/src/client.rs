//! The GES client and its builder.

use std::fmt;
use std::sync::Arc;

use backup_core::clock::Clock;
use backup_core::credentials::{
    BoxFuture, CachedProvider, Environment, HuaweiCredentials, HuaweiDefaultChain,
    ProcessEnvironment, ProvideCredentials, SharedProvider,
};
use backup_core::operation::{self, Invoke, OperationSpec, RequestParts};
use backup_core::sign::{HuaweiAkSkSigner, HuaweiTokenAuth, ProvideToken, Sign};
use backup_core::{ClientOptions, Error, PreparedRequest, RetryConfig, ServiceClient, Timeouts};
use serde::de::DeserializeOwned;

use crate::VENDOR;
use crate::bridge::Operations;
use crate::errors::GesClassifier;

/// The environment variable the project id is read from when the builder is given none.
pub const PROJECT_ID_VAR: &str = "HUAWEICLOUD_SDK_PROJECT_ID";

/// The GES endpoint of `region`: `https://ges.{region}.myhuaweicloud.com`, except
/// `eu-west-101`, which is served from `https://ges.eu-west-101.myhuaweicloud.eu`.
///
/// Fails when `region` is empty or contains anything but ASCII letters, digits and `-`
/// (it becomes part of a host name).
///
/// ```
/// assert_eq!(
///     hw_ges_backup::endpoint_for_region("cn-north-4").unwrap(),
///     "https://ges.cn-north-4.myhuaweicloud.com"
/// );
/// assert_eq!(
///     hw_ges_backup::endpoint_for_region("eu-west-101").unwrap(),
///     "https://ges.eu-west-101.myhuaweicloud.eu"
/// );
/// ```
pub fn endpoint_for_region(region: &str) -> Result<String, Error> {
    host_for_region("ges", region)
}

pub(crate) fn host_for_region(service: &str, region: &str) -> Result<String, Error> {
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::invalid_input(
            "region",
            "must be non-empty and contain only ASCII letters, digits and `-`",
        ));
    }
    Ok(match region {
        "eu-west-101" => format!("https://{service}.{region}.myhuaweicloud.eu"),
        _ => format!("https://{service}.{region}.myhuaweicloud.com"),
    })
}

/// How requests are authenticated.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// APIG `SDK-HMAC-SHA256` signing with an AK/SK (temporary credentials add
    /// `X-Security-Token`). The default, with [`HuaweiDefaultChain`] credentials.
    AkSk(SharedProvider<HuaweiCredentials>),
    /// An IAM token in `X-Auth-Token`: a fixed [`SecretString`](backup_core::credentials::SecretString)
    /// or a provider such as [`IamTokenProvider`](crate::IamTokenProvider).
    Token(Arc<dyn ProvideToken>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::AkSk(p) => f.debug_tuple("AkSk").field(p).finish(),
            Auth::Token(t) => f.debug_tuple("Token").field(t).finish(),
        }
    }
}

/// A GES client: adds, follows, lists and deletes graph backups.
///
/// Cheap to clone (one `Arc`), `Send + Sync`; clones share the connection pool and the
/// retry budget. Build one with [`Client::builder`].
///
/// The operation methods (`create_backup`, `show_job`, `list_graph_backups`,
/// `list_backups`, `delete_backup`) return builders generated from the crate's API
/// description; the project id is filled in from the client's configuration when a call is
/// sent (set it on a builder to act in another project). `create_backup` is not
/// idempotent: a failure that may have reached the server comes back as
/// [`Error::AmbiguousOutcome`] (list the backups before trying again); match
/// [`ServiceErrorKind::BackupInProgress`](backup_core::ServiceErrorKind::BackupInProgress)
/// (`GES.7002`) and
/// [`ServiceErrorKind::BackupQuotaExceeded`](backup_core::ServiceErrorKind::BackupQuotaExceeded)
/// (`GES.7019`).
#[derive(Clone)]
pub struct Client {
    ops: Operations,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.ops.service)
            .field("project_id", &self.ops.project_id)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The project id calls are made in, if one was configured or found in the environment.
    pub fn project_id(&self) -> Option<&str> {
        self.ops.project_id.as_deref()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.ops.service.endpoint()
    }

    /// The call's parts with `project_id` (`x-client-supplied` in `api/ges.json`) filled
    /// from the configuration unless the caller set one. The configured id is held to the
    /// description's rule (letters and digits, 1 to 64), as a caller's is by `validate`, so
    /// a bad one is refused before signing whichever way it came.
    fn with_project_id(&self, mut parts: RequestParts) -> Result<RequestParts, Error> {
        if parts.path_param(PROJECT_ID_PARAM).is_none() {
            let configured = self.project_id().ok_or_else(|| {
                Error::invalid_input(
                    PROJECT_ID_PARAM,
                    format!(
                        "is required: set it on the call, with `ClientBuilder::project_id` or in {PROJECT_ID_VAR}"
                    ),
                )
            })?;
            check_project_id(configured)?;
            parts.fill_path_param(PROJECT_ID_PARAM, configured);
        }
        Ok(parts)
    }
}

/// The path parameter every GES operation has and the client supplies.
const PROJECT_ID_PARAM: &str = "project_id";

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

/// The operation methods (generated from `api/ges.json`) send through this.
impl Invoke for Client {
    fn invoke<O>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> BoxFuture<'_, Result<O, Error>>
    where
        O: DeserializeOwned + Send + 'static,
    {
        Box::pin(async move { self.ops.call(spec, self.with_project_id(parts)?).await })
    }

    fn to_request(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<PreparedRequest, Error> {
        self.ops.prepare(spec, &self.with_project_id(parts)?)
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    project_id: Option<String>,
    auth: Option<Auth>,
    env: Arc<dyn Environment>,
    options: ClientOptions,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            project_id: None,
            auth: None,
            env: Arc::new(ProcessEnvironment),
            options: ClientOptions::default(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("project_id", &self.project_id)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The region (`cn-north-4`, `eu-west-101`, ...); the endpoint is derived from it
    /// with [`endpoint_for_region`].
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An explicit endpoint (`https://host[:port]`), overriding the region's.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The project id (letters and digits, up to 64). Default: `HUAWEICLOUD_SDK_PROJECT_ID`
    /// from the [environment](Self::environment). Without one, every call fails with
    /// [`Error::InvalidInput`] unless its builder is given a project id.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Signs with these AK/SK credentials (fixed [`HuaweiCredentials`] or any provider).
    pub fn credentials(
        mut self,
        credentials: impl ProvideCredentials<Credentials = HuaweiCredentials> + 'static,
    ) -> Self {
        self.auth = Some(Auth::AkSk(Arc::new(credentials)));
        self
    }

    /// Authenticates with an IAM token in `X-Auth-Token` instead of signing: a fixed
    /// [`SecretString`](backup_core::credentials::SecretString), or an
    /// [`IamTokenProvider`](crate::IamTokenProvider) that obtains and renews one.
    pub fn token(mut self, token: impl ProvideToken + 'static) -> Self {
        self.auth = Some(Auth::Token(Arc::new(token)));
        self
    }

    /// Sets the authentication mode directly.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Where `HUAWEICLOUD_SDK_*` variables are read from (default: the process).
    pub fn environment(mut self, env: impl Environment + 'static) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// The retry policy (default: backup-core's standard policy).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.options.retry = Some(retry);
        self
    }

    /// Connect and per-attempt timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.options.timeouts = Some(timeouts);
        self
    }

    /// The clock signing times come from (tests freeze it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.options.clock = Some(clock);
        self
    }

    /// Whether a signing time the server refuses (the local clock is off) is corrected
    /// from the response's `Date` and the request re-sent once; the learned offset is kept
    /// for later calls. Default: on. See [`backup_core::skew`].
    pub fn clock_skew_correction(mut self, correct: bool) -> Self {
        self.options.clock_skew_correction = Some(correct);
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more PEM `CERTIFICATE` blocks)
    /// besides the built-in roots, for a server whose certificate an internal CA issued.
    /// Can be called more than once; a PEM without a parseable certificate fails `build`
    /// with [`Error::Config`]. See
    /// [`ServiceClientBuilder::add_root_certificate_pem`](backup_core::ServiceClientBuilder::add_root_certificate_pem).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.options.root_certificates_pem.push(pem.into());
        self
    }

    /// Builds the client. Reads no file and sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without a region or endpoint, or with an unusable endpoint;
    /// [`Error::InvalidInput`] for a malformed region; [`Error::InvalidCredentials`] for
    /// fixed credentials or a fixed token that cannot be sent (CR, LF, NUL...).
    pub fn build(self) -> Result<Client, Error> {
        let endpoint = match (self.endpoint, &self.region) {
            (Some(endpoint), _) => endpoint,
            (None, Some(region)) => endpoint_for_region(region)?,
            (None, None) => {
                return Err(Error::Config(format!(
                    "{VENDOR}: set a region or an endpoint"
                )));
            }
        };
        let project_id = self
            .project_id
            .or_else(|| self.env.var(PROJECT_ID_VAR).filter(|v| !v.is_empty()));
        let auth = self.auth.unwrap_or_else(|| {
            Auth::AkSk(Arc::new(CachedProvider::new(
                HuaweiDefaultChain::with_environment(self.env.clone()),
            )))
        });
        match &auth {
            Auth::AkSk(provider) => provider.check_fixed()?,
            Auth::Token(token) => token.check_fixed()?,
        }
        let signer: Arc<dyn Sign> = match auth {
            Auth::AkSk(provider) => Arc::new(HuaweiAkSkSigner::new(WithoutProjectId(provider))),
            Auth::Token(token) => Arc::new(HuaweiTokenAuth::new(SharedToken(token))),
        };
        Ok(Client {
            ops: Operations {
                service: service_client(VENDOR, endpoint, signer, self.options)?,
                project_id: project_id.map(Arc::from),
            },
        })
    }
}

/// The transport of GES and IAM requests: `endpoint`, `signer`, GES error classification,
/// this crate's `User-Agent`, then `options`.
pub(crate) fn service_client(
    vendor: &'static str,
    endpoint: String,
    signer: Arc<dyn Sign>,
    options: ClientOptions,
) -> Result<ServiceClient, Error> {
    let builder = ServiceClient::builder(vendor)
        .endpoint(endpoint)
        .shared_signer(signer)
        .classifier(GesClassifier)
        .user_agent(concat!("hw-ges-backup/", env!("CARGO_PKG_VERSION")));
    options.apply(builder).build()
}

/// Hands the signer credentials without a project id: the client sets `X-Project-Id`
/// itself from the request's path, so header and path always agree.
#[derive(Debug)]
struct WithoutProjectId(SharedProvider<HuaweiCredentials>);

impl ProvideCredentials for WithoutProjectId {
    type Credentials = HuaweiCredentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<HuaweiCredentials, Error>> {
        Box::pin(async move {
            let mut credentials = self.0.provide_credentials().await?;
            credentials.project_id = None;
            Ok(credentials)
        })
    }
}

#[derive(Debug)]
struct SharedToken(Arc<dyn ProvideToken>);

impl ProvideToken for SharedToken {
    fn token(&self) -> BoxFuture<'_, Result<backup_core::credentials::SecretString, Error>> {
        self.0.token()
    }

    fn check_fixed(&self) -> Result<(), Error> {
        self.0.check_fixed()
    }
}
