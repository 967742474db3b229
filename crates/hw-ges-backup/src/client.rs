//! The GES client, and how the one builder makes it.

use std::fmt;
use std::sync::Arc;

use backup_core::credentials::{
    BoxFuture, CachedProvider, HuaweiCredentials, HuaweiDefaultChain, ProvideCredentials,
    SharedProvider,
};
use backup_core::protocol::huawei::{Auth, HuaweiSettings};
use backup_core::sign::{HuaweiAkSkSigner, HuaweiTokenAuth, ProvideToken, Sign};
use backup_core::{
    ClientConfig, ClientFactory, ClientOptions, Connection, Error, HasConnection, ServiceClient,
};

use crate::VENDOR;
use crate::errors::GesClassifier;
use crate::protocol::GesProtocol;

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
    connection: Connection<GesProtocol>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("service", self.connection.service_client())
            .field("project_id", &self.project_id())
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The project id calls are made in, if one was configured or found in the environment.
    pub fn project_id(&self) -> Option<&str> {
        self.connection.protocol().project_id()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.connection.endpoint()
    }
}

/// The operation methods (generated from `api/ges.json`) send through this.
impl HasConnection for Client {
    type Protocol = GesProtocol;

    fn connection(&self) -> &Connection<GesProtocol> {
        &self.connection
    }
}

/// Configures a [`Client`]: the one [`backup_core::ClientBuilder`] with
/// [`HuaweiSettings`].
///
/// GES's own settings: `region(..)` (the endpoint is derived from it with
/// [`endpoint_for_region`] unless `endpoint(..)` is set; one of the two is required),
/// `project_id(..)` (letters and digits, up to 64; default `HUAWEICLOUD_SDK_PROJECT_ID`
/// from the builder's environment; without one, every call fails with
/// [`Error::InvalidInput`] unless its builder is given a project id) and `token(..)` or
/// `auth(..)`: an IAM token in `X-Auth-Token` (a fixed
/// [`SecretString`](backup_core::credentials::SecretString) or an
/// [`IamTokenProvider`](crate::IamTokenProvider)) instead of AK/SK signing; a token, once
/// set, wins over `credentials(..)`. Default credentials: [`HuaweiDefaultChain`] over the
/// builder's environment. `build()` reads no file and sends nothing; it fails with
/// [`Error::Config`] without a region or endpoint, [`Error::InvalidInput`] for a malformed
/// region and [`Error::InvalidCredentials`] for fixed credentials or a fixed token that
/// cannot be sent (CR, LF, NUL...).
pub type ClientBuilder = backup_core::ClientBuilder<Client, HuaweiSettings>;

impl ClientFactory<HuaweiSettings> for Client {
    type Credentials = HuaweiCredentials;

    fn build(
        config: ClientConfig<HuaweiCredentials>,
        settings: HuaweiSettings,
    ) -> Result<Self, Error> {
        let endpoint = match (config.endpoint, &settings.region) {
            (Some(endpoint), _) => endpoint,
            (None, Some(region)) => endpoint_for_region(region)?,
            (None, None) => {
                return Err(Error::Config(format!(
                    "{VENDOR}: set a region or an endpoint"
                )));
            }
        };
        let project_id = settings.project_id.clone().or_else(|| {
            config
                .environment
                .var(PROJECT_ID_VAR)
                .filter(|v| !v.is_empty())
        });
        let environment = config.environment.clone();
        let auth = settings.auth(config.credentials).unwrap_or_else(|| {
            Auth::AkSk(Arc::new(CachedProvider::new(
                HuaweiDefaultChain::with_environment(environment),
            )))
        });
        let signer: Arc<dyn Sign> = match auth {
            Auth::Token(token) => {
                token.check_fixed()?;
                Arc::new(HuaweiTokenAuth::new(SharedToken(token)))
            }
            Auth::AkSk(provider) => {
                Arc::new(HuaweiAkSkSigner::new(WithoutProjectId::new(provider)))
            }
            _ => {
                return Err(Error::Config(format!(
                    "{VENDOR}: unsupported authentication"
                )));
            }
        };
        let service = service_client(VENDOR, endpoint, signer, config.options)?;
        Ok(Client {
            connection: Connection::new(service, GesProtocol::new(project_id)),
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
struct WithoutProjectId {
    provider: SharedProvider<HuaweiCredentials>,
    /// The provider's fixed credentials without their project id, made once, so that the
    /// signer can borrow them on every attempt.
    fixed: Option<HuaweiCredentials>,
}

impl WithoutProjectId {
    fn new(provider: SharedProvider<HuaweiCredentials>) -> Self {
        let fixed = provider
            .fixed_credentials()
            .cloned()
            .map(|mut credentials| {
                credentials.project_id = None;
                credentials
            });
        Self { provider, fixed }
    }
}

impl ProvideCredentials for WithoutProjectId {
    type Credentials = HuaweiCredentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<HuaweiCredentials, Error>> {
        Box::pin(async move {
            if let Some(fixed) = &self.fixed {
                return Ok(fixed.clone());
            }
            let mut credentials = self.provider.provide_credentials().await?;
            credentials.project_id = None;
            Ok(credentials)
        })
    }

    fn fixed_credentials(&self) -> Option<&HuaweiCredentials> {
        self.fixed.as_ref()
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A provider that looks its credentials up each time (holds none fixed).
    #[derive(Debug)]
    struct LookedUp(HuaweiCredentials);

    impl ProvideCredentials for LookedUp {
        type Credentials = HuaweiCredentials;

        fn provide_credentials(&self) -> BoxFuture<'_, Result<HuaweiCredentials, Error>> {
            let credentials = self.0.clone();
            Box::pin(async move { Ok(credentials) })
        }
    }

    #[tokio::test]
    async fn the_signer_never_sees_the_credentials_project_id_fixed_or_looked_up() {
        let mut with_project = HuaweiCredentials::new("AKIDEXAMPLE00000", "sk-example-0000000000");
        with_project.project_id = Some("project-of-the-credentials".into());
        let providers: [(SharedProvider<HuaweiCredentials>, bool); 2] = [
            (Arc::new(with_project.clone()), true),
            (Arc::new(LookedUp(with_project.clone())), false),
        ];
        for (provider, fixed) in providers {
            let without = WithoutProjectId::new(provider);
            assert_eq!(without.fixed_credentials().is_some(), fixed);
            if let Some(lent) = without.fixed_credentials() {
                assert_eq!(lent.project_id, None);
                assert_eq!(lent.access_key_id, with_project.access_key_id);
            }
            let provided = without.provide_credentials().await.unwrap();
            assert_eq!(provided.project_id, None);
            assert_eq!(provided.access_key_id, with_project.access_key_id);
        }
    }
}
