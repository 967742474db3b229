//! An IAM token source: obtains a project-scoped token with the password method, caches
//! it, and renews it before it expires.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::clock::{Clock, SystemClock};
use backup_core::credentials::{BoxFuture, SecretString, check_header_value};
use backup_core::sign::{NoAuth, ProvideToken};
use backup_core::{
    ClientOptions, Error, HttpRequest, HttpResponse, Method, OperationInfo, ResponseError,
    ServiceClient,
};
use serde_json::json;

use crate::client::{host_for_region, service_client};

/// IAM tokens are valid for 24 hours.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Tokens are renewed this long before they expire.
pub const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(60 * 60);

/// Asking for a token twice is harmless ("obtaining a new token does not affect the
/// validity of the existing token"), so the request may be retried. It carries the
/// password, so its errors keep no excerpt of the response.
pub(crate) const OPERATION: OperationInfo =
    OperationInfo::idempotent("iamCreateToken").carrying_secrets();

/// Obtains IAM tokens (`POST {iam}/v3/auth/tokens`, password method, project scope) for
/// `X-Auth-Token` authentication, caches the token and renews it
/// [`refresh_before`](IamTokenProviderBuilder::refresh_before) (default 1 hour) its
/// expiry.
///
/// The expiry is the response's `token.expires_at`; when that is missing or unreadable, the
/// issue time (from the provider's [`Clock`]) plus
/// [`token_lifetime`](IamTokenProviderBuilder::token_lifetime) (default 24 hours).
/// Concurrent callers share one request. The request goes through a backup-core
/// [`ServiceClient`] (timeouts, retries, body cap); the password is never shown by
/// `Debug` or in errors.
///
/// ```no_run
/// use hw_ges_backup::{Client, IamTokenProvider};
///
/// # fn run() -> Result<(), backup_core::Error> {
/// let token = IamTokenProvider::builder()
///     .region("cn-north-4")
///     .user_name("alice")
///     .password(std::env::var("IAM_PASSWORD").unwrap_or_default())
///     .domain_name("my-account")
///     .build()?;
/// let client = Client::builder().region("cn-north-4").token(token).build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct IamTokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    client: ServiceClient,
    user_name: String,
    password: SecretString,
    domain_name: String,
    scope: Scope,
    lifetime: Duration,
    refresh_before: Duration,
    clock: Arc<dyn Clock>,
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

#[derive(Debug, Clone)]
enum Scope {
    Name(String),
    Id(String),
}

pub(crate) struct CachedToken {
    token: SecretString,
    expires_at: SystemTime,
}

impl fmt::Debug for IamTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamTokenProvider")
            .field("endpoint", &self.inner.client.endpoint())
            .field("user_name", &self.inner.user_name)
            .field("password", &self.inner.password)
            .field("domain_name", &self.inner.domain_name)
            .field("scope", &self.inner.scope)
            .finish_non_exhaustive()
    }
}

impl IamTokenProvider {
    /// Starts configuring a provider.
    pub fn builder() -> IamTokenProviderBuilder {
        IamTokenProviderBuilder::default()
    }

    /// When the cached token expires, if one is cached.
    pub async fn cached_expiry(&self) -> Option<SystemTime> {
        self.inner.cache.lock().await.as_ref().map(|t| t.expires_at)
    }

    async fn current(&self) -> Result<SecretString, Error> {
        let inner = &*self.inner;
        let mut cache = inner.cache.lock().await;
        let now = inner.clock.now();
        if let Some(cached) = &*cache
            && now + inner.refresh_before < cached.expires_at
        {
            return Ok(cached.token.clone());
        }
        tracing::debug!("requesting a new IAM token");
        let fresh = self.request(now).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    async fn request(&self, now: SystemTime) -> Result<CachedToken, Error> {
        let inner = &*self.inner;
        let scope = match &inner.scope {
            Scope::Name(name) => json!({ "project": { "name": name } }),
            Scope::Id(id) => json!({ "project": { "id": id } }),
        };
        let body = json!({
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": inner.user_name,
                            "password": inner.password.expose_secret(),
                            "domain": { "name": inner.domain_name }
                        }
                    }
                },
                "scope": scope
            }
        });
        let mut request = HttpRequest::new(Method::Post, "/v3/auth/tokens");
        request.query = "nocatalog=true".to_owned();
        request.set_header("content-type", "application/json;charset=utf8");
        request.body = serde_json::to_vec(&body)
            .map_err(|e| Error::invalid_input("auth", format!("could not be encoded: {e}")))?;
        request.secrets.add(inner.password.expose_secret());
        let response = inner.client.send(&OPERATION, request).await?;
        token_from_response(&response, now, inner.lifetime)
    }
}

/// The IAM client's name in errors and traces.
pub(crate) const IAM_VENDOR: &str = "huawei-iam";

/// Reads the token (`X-Subject-Token`) and its expiry (`token.expires_at`, else `now +
/// lifetime`) from a response `send` accepted.
pub(crate) fn token_from_response(
    response: &HttpResponse,
    now: SystemTime,
    lifetime: Duration,
) -> Result<CachedToken, Error> {
    let unparseable = |reason: &str| {
        let mut e = ResponseError::for_response(&OPERATION, response, reason);
        e.vendor = IAM_VENDOR;
        e.request_id = response.header("x-request-id").map(str::to_owned);
        Error::from(e)
    };
    let token = response
        .header("x-subject-token")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unparseable("the response has no X-Subject-Token header"))?;
    // The token is sent back in X-Auth-Token: refuse one no header can carry now, once,
    // rather than on every request that would use it.
    check_subject_token(token)?;
    // Only `token.expires_at` is read; the catalog and the rest are skipped unread.
    #[derive(serde::Deserialize)]
    struct TokenBody {
        token: TokenPart,
    }
    #[derive(serde::Deserialize)]
    struct TokenPart {
        expires_at: String,
    }
    let expires_at = serde_json::from_slice::<TokenBody>(&response.body)
        .ok()
        .and_then(|body| parse_rfc3339(&body.token.expires_at))
        .unwrap_or(now + lifetime);
    Ok(CachedToken {
        token: SecretString::new(token),
        expires_at,
    })
}

impl ProvideToken for IamTokenProvider {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(self.current())
    }
}

/// Configures an [`IamTokenProvider`].
pub struct IamTokenProviderBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    user_name: Option<String>,
    password: Option<SecretString>,
    domain_name: Option<String>,
    project_name: Option<String>,
    project_id: Option<String>,
    lifetime: Duration,
    refresh_before: Duration,
    clock: Arc<dyn Clock>,
    root_certificates_pem: Vec<Vec<u8>>,
}

impl Default for IamTokenProviderBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            user_name: None,
            password: None,
            domain_name: None,
            project_name: None,
            project_id: None,
            lifetime: DEFAULT_TOKEN_LIFETIME,
            refresh_before: DEFAULT_REFRESH_BEFORE,
            clock: Arc::new(SystemClock),
            root_certificates_pem: Vec::new(),
        }
    }
}

impl fmt::Debug for IamTokenProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamTokenProviderBuilder")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("user_name", &self.user_name)
            .field("password", &self.password)
            .field("domain_name", &self.domain_name)
            .finish_non_exhaustive()
    }
}

impl IamTokenProviderBuilder {
    /// The region: the IAM endpoint is `https://iam.{region}.myhuaweicloud.com` and the
    /// token is scoped to the project named after the region (the default project).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An explicit IAM endpoint (`https://iam.myhuaweicloud.com`, a loopback test server).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The IAM user name. Required.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = Some(name.into());
        self
    }

    /// The IAM user's password. Required; never shown.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The account (domain) the user belongs to. Required.
    pub fn domain_name(mut self, name: impl Into<String>) -> Self {
        self.domain_name = Some(name.into());
        self
    }

    /// Scopes the token to the project with this name (default: the region's name).
    pub fn project_name(mut self, name: impl Into<String>) -> Self {
        self.project_name = Some(name.into());
        self
    }

    /// Scopes the token to the project with this id instead of a name.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// How long a token lives when the response does not say (default 24 hours).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// How long before its expiry a token is renewed (default 1 hour).
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// The clock that decides when the cached token is too old (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more PEM `CERTIFICATE` blocks)
    /// besides the built-in roots, for a server whose certificate an internal CA issued.
    /// Can be called more than once; a PEM without a parseable certificate fails [`build`](Self::build)
    /// with [`Error::Config`]. See
    /// [`ServiceClientBuilder::add_root_certificate_pem`](backup_core::ServiceClientBuilder::add_root_certificate_pem).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Builds the provider. Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the user name, password or domain name is missing or
    /// empty, or when neither a region nor both an endpoint and a project are given;
    /// [`Error::Config`] for an unusable endpoint.
    pub fn build(self) -> Result<IamTokenProvider, Error> {
        let required = |field: &str, v: Option<String>| {
            v.filter(|v| !v.is_empty())
                .ok_or_else(|| Error::invalid_input(field, "is required"))
        };
        let user_name = required("user_name", self.user_name)?;
        let domain_name = required("domain_name", self.domain_name)?;
        let password = self
            .password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| Error::invalid_input("password", "is required"))?;
        let scope = match (self.project_id, self.project_name, &self.region) {
            (Some(id), _, _) if !id.is_empty() => Scope::Id(id),
            (_, Some(name), _) if !name.is_empty() => Scope::Name(name),
            (_, _, Some(region)) => Scope::Name(region.clone()),
            _ => {
                return Err(Error::invalid_input(
                    "project_name",
                    "is required when no region is given",
                ));
            }
        };
        let endpoint = match (self.endpoint, &self.region) {
            (Some(e), _) => e,
            (None, Some(region)) => host_for_region("iam", region)?,
            (None, None) => return Err(Error::invalid_input("region", "is required")),
        };
        let mut options = ClientOptions::default();
        options.root_certificates_pem = self.root_certificates_pem;
        let client = service_client(IAM_VENDOR, endpoint, Arc::new(NoAuth), options)?;
        Ok(IamTokenProvider {
            inner: Arc::new(Inner {
                client,
                user_name,
                password,
                domain_name,
                scope,
                lifetime: self.lifetime,
                refresh_before: self.refresh_before,
                clock: self.clock,
                cache: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

/// Checks that a token IAM returned can be sent in `X-Auth-Token`.
fn check_subject_token(token: &str) -> Result<(), Error> {
    Ok(check_header_value(IAM_VENDOR, "X-Subject-Token", token)?)
}

/// Parses an IAM time such as `2024-01-02T03:04:05.123000Z` (IAM writes UTC; another
/// offset is honoured).
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    backup_core::time::parse(s, backup_core::time::TimestampFormat::ISO_8601)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_tokens_that_no_header_can_carry_are_refused() {
        assert!(check_subject_token("MIIexample-token").is_ok());
        for bad in ["MII\u{7f}example", "MII\rexample", "MII\u{0}x"] {
            match check_subject_token(bad) {
                Err(Error::InvalidCredentials(e)) => {
                    assert_eq!(
                        (e.vendor, e.field.as_str()),
                        ("huawei-iam", "X-Subject-Token")
                    );
                    assert!(!e.to_string().contains("MII"), "{e}");
                }
                other => panic!("{bad:?}: expected invalid credentials, got {other:?}"),
            }
        }
    }

    #[test]
    fn parses_iam_times() {
        // 2020-06-08T02:39:00Z is 1591583940.
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_591_583_940);
        assert_eq!(parse_rfc3339("2020-06-08T02:39:00.000000Z"), Some(expected));
        assert_eq!(parse_rfc3339("2020-06-08T02:39:00Z"), Some(expected));
        assert_eq!(parse_rfc3339("2020-06-08T02:39:00+00:00"), Some(expected));
        assert_eq!(
            parse_rfc3339("2000-03-01T00:00:00Z"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(951_868_800))
        );
        assert_eq!(
            parse_rfc3339("2020-06-08T10:39:00+08:00"),
            Some(expected),
            "an offset other than UTC is honoured, not refused"
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2020-13-08T02:39:00Z"), None);
    }
}
