//! Credentials, the secret type that holds them, and where they are found.
//!
//! Each vendor has a default chain that looks where that vendor's official SDKs look, in
//! the same order; [`ProvideCredentials`] lets a caller plug in a source of their own.
//! Secrets are [`SecretString`]s: never shown by `Debug` or `Display`, zeroed on drop.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use zeroize::Zeroize;

use crate::Error;

mod env;
mod huawei;
mod ncp;
mod ocp;

pub use env::{Environment, ProcessEnvironment, StaticEnvironment};
pub use huawei::HuaweiDefaultChain;
pub use ncp::NcpDefaultChain;
pub use ocp::OcpEnvironmentProvider;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A secret: a key, password or token. `Debug` and `Display` print `[redacted]`, and the
/// memory is zeroed when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call this only where the secret is used (signing, a header).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// NAVER Cloud Platform API credentials (an access key and its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NcpCredentials {
    /// The access key id (sent in `x-ncp-iam-access-key`).
    pub access_key_id: String,
    /// The secret key (never sent; it keys the signature).
    pub secret_key: SecretString,
}

impl NcpCredentials {
    /// Credentials from an access key id and secret key.
    pub fn new(access_key_id: impl Into<String>, secret_key: impl Into<SecretString>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_key: secret_key.into(),
        }
    }
}

/// Huawei Cloud AK/SK credentials, optionally temporary (with a security token), and the
/// project they act in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HuaweiCredentials {
    /// The access key (AK).
    pub access_key_id: String,
    /// The secret key (SK).
    pub secret_access_key: SecretString,
    /// The project id, sent as `X-Project-Id` when set.
    pub project_id: Option<String>,
    /// The security token of temporary credentials, sent as `X-Security-Token`.
    pub security_token: Option<SecretString>,
}

impl HuaweiCredentials {
    /// Permanent AK/SK credentials.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<SecretString>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            project_id: None,
            security_token: None,
        }
    }

    /// Sets the project id.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Makes these temporary credentials with `token`.
    pub fn with_security_token(mut self, token: impl Into<SecretString>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

/// OceanBase Cloud Platform credentials: a user and password (HTTP Basic) or an access key
/// pair (`OCP-ACCESS-KEY-HMACSHA1`, OCP 4.0.3 and later, recommended by the vendor).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OcpCredentials {
    /// HTTP Basic authentication.
    Basic {
        /// The OCP user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// Access key authentication.
    AccessKey {
        /// The access key id.
        access_key_id: String,
        /// The access key secret.
        access_key_secret: SecretString,
    },
}

impl OcpCredentials {
    /// HTTP Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        OcpCredentials::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Access key credentials.
    pub fn access_key(access_key_id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        OcpCredentials::AccessKey {
            access_key_id: access_key_id.into(),
            access_key_secret: secret.into(),
        }
    }
}

/// A source of credentials. Implement it to plug in a source of your own (a vault, a
/// metadata service); the SDK calls it before signing each attempt, so an implementation
/// that does I/O should cache.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The kind of credentials provided.
    type Credentials: Clone + Send + Sync + 'static;

    /// Returns the current credentials, or a [`Error::MissingCredentials`] naming where it looked.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>>;
}

/// A shared, type-erased credentials provider.
pub type SharedProvider<C> = Arc<dyn ProvideCredentials<Credentials = C>>;

macro_rules! static_provider {
    ($ty:ty) => {
        impl ProvideCredentials for $ty {
            type Credentials = $ty;

            fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>> {
                let credentials = self.clone();
                Box::pin(async move { Ok(credentials) })
            }
        }
    };
}

static_provider!(NcpCredentials);
static_provider!(HuaweiCredentials);
static_provider!(OcpCredentials);

/// Wraps a provider so that it is consulted once; later calls return the first success.
///
/// The default chains read environment variables and files: doing that once per client
/// keeps I/O off the per-request path.
pub struct CachedProvider<P: ProvideCredentials> {
    inner: P,
    cache: tokio::sync::OnceCell<P::Credentials>,
}

impl<P: ProvideCredentials> CachedProvider<P> {
    /// Caches `inner`.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            cache: tokio::sync::OnceCell::new(),
        }
    }
}

impl<P: ProvideCredentials> fmt::Debug for CachedProvider<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedProvider")
            .field("inner", &self.inner)
            .field("resolved", &self.cache.initialized())
            .finish()
    }
}

impl<P: ProvideCredentials> ProvideCredentials for CachedProvider<P> {
    type Credentials = P::Credentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>> {
        Box::pin(async move {
            self.cache
                .get_or_try_init(|| self.inner.provide_credentials())
                .await
                .cloned()
        })
    }
}
