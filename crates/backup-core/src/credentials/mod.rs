//! Credentials, the secret type that holds them, and where they are found.
//!
//! Each vendor has a default chain that looks where that vendor's official SDKs look, in
//! the same order; [`ProvideCredentials`] lets a caller plug in a source of their own.
//! Secrets are [`SecretString`]s: never shown by `Debug` or `Display`, zeroed on drop.
//!
//! Every value that travels in an HTTP header (an access key id, a security token, an IAM
//! token) is checked with [`check_header_value`] where it enters: when a provider loads it,
//! when a client is built with fixed credentials, and once more by the signer. A value that
//! fails is an [`Error::InvalidCredentials`], and nothing is sent.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use zeroize::Zeroize;

use crate::{Error, InvalidCredentials};

mod env;
mod huawei;
mod ncp;
mod ocp;

pub use env::{Environment, ProcessEnvironment, StaticEnvironment};
pub use huawei::HuaweiDefaultChain;
pub use ncp::NcpDefaultChain;
pub use ocp::OcpEnvironmentProvider;

/// The vendor name in errors about [`NcpCredentials`].
const NCP: &str = "ncp";
/// The vendor name in errors about [`HuaweiCredentials`] and Huawei IAM tokens.
pub(crate) const HUAWEI: &str = "huaweicloud";
/// The vendor name in errors about [`OcpCredentials`].
const OCP: &str = "ocp";

/// Checks that `value`, the credential `field` of `vendor`, can be sent as an HTTP header
/// value: not empty, and only visible ASCII, space, tab or bytes above 0x7F (the `http`
/// crate's rule). CR and LF would end the header (and could add others), NUL and the other
/// control bytes are refused by every HTTP stack.
///
/// The error names the field and the offending character, never the value.
///
/// ```
/// use backup_core::credentials::check_header_value;
///
/// assert!(check_header_value("ncp", "access_key_id", "AKIDEXAMPLE").is_ok());
/// let error = check_header_value("ncp", "access_key_id", "AKID\r\nX: 1").unwrap_err();
/// assert_eq!(error.field, "access_key_id");
/// assert!(!error.to_string().contains("AKID"));
/// ```
pub fn check_header_value(
    vendor: &'static str,
    field: &str,
    value: &str,
) -> Result<(), InvalidCredentials> {
    if value.is_empty() {
        return Err(InvalidCredentials::new(vendor, field, "is empty"));
    }
    let fits_a_header = |b: u8| (b >= 0x20 && b != 0x7f) || b == b'\t';
    match value.bytes().find(|&b| !fits_a_header(b)) {
        None => Ok(()),
        Some(byte) => Err(InvalidCredentials::new(
            vendor,
            field,
            format!(
                "contains {}, which an HTTP header value cannot carry",
                describe_control_byte(byte)
            ),
        )),
    }
}

/// Checks a signing secret (NCP secret key, Huawei SK, OCP access key secret). It is never
/// sent, but a control character in it is always a mistake (a line break pasted with the
/// key): refusing it says so at once, instead of an authentication error from the vendor.
fn check_signing_secret(
    vendor: &'static str,
    field: &str,
    secret: &SecretString,
) -> Result<(), InvalidCredentials> {
    let value = secret.expose_secret();
    if value.is_empty() {
        return Err(InvalidCredentials::new(vendor, field, "is empty"));
    }
    match value.bytes().find(u8::is_ascii_control) {
        None => Ok(()),
        Some(byte) => Err(InvalidCredentials::new(
            vendor,
            field,
            format!(
                "contains {}, which no signing key has (a pasted line break?)",
                describe_control_byte(byte)
            ),
        )),
    }
}

/// Checks a user name or password for HTTP Basic: RFC 7617 forbids control characters in
/// either, and a `:` in the user name would be read as the start of the password.
fn check_basic_part(field: &str, value: &str) -> Result<(), InvalidCredentials> {
    if let Some(byte) = value.bytes().find(|b| b.is_ascii_control()) {
        return Err(InvalidCredentials::new(
            OCP,
            field,
            format!(
                "contains {}, which HTTP Basic credentials must not (RFC 7617)",
                describe_control_byte(byte)
            ),
        ));
    }
    if field == "username" && value.contains(':') {
        return Err(InvalidCredentials::new(
            OCP,
            field,
            "contains `:`, which HTTP Basic reads as the end of the user name (RFC 7617)",
        ));
    }
    Ok(())
}

fn describe_control_byte(byte: u8) -> String {
    match byte {
        b'\r' => "a carriage return (CR)".to_owned(),
        b'\n' => "a line feed (LF)".to_owned(),
        0 => "a NUL byte".to_owned(),
        other => format!("a control character (0x{other:02X})"),
    }
}

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

    /// Checks that the access key id can be sent in `x-ncp-iam-access-key` (see
    /// [`check_header_value`]) and that the secret key is not empty and has no control
    /// character.
    pub fn validate(&self) -> Result<(), InvalidCredentials> {
        check_header_value(NCP, "access_key_id", &self.access_key_id)?;
        check_signing_secret(NCP, "secret_key", &self.secret_key)
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

    /// Checks that the access key (in `Authorization`), the project id (`X-Project-Id`) and
    /// the security token (`X-Security-Token`) can be sent (see [`check_header_value`]), and
    /// that the secret key is not empty and has no control character.
    pub fn validate(&self) -> Result<(), InvalidCredentials> {
        check_header_value(HUAWEI, "access_key_id", &self.access_key_id)?;
        check_signing_secret(HUAWEI, "secret_access_key", &self.secret_access_key)?;
        if let Some(project_id) = &self.project_id {
            check_header_value(HUAWEI, "project_id", project_id)?;
        }
        if let Some(token) = &self.security_token {
            check_header_value(HUAWEI, "security_token", token.expose_secret())?;
        }
        Ok(())
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

    /// Checks that these credentials can be sent: an access key id must fit the
    /// `Authorization` header (see [`check_header_value`]) and its secret must be non-empty
    /// without control characters; Basic credentials must follow
    /// RFC 7617 (no control characters, no `:` in the user name, a user name at all).
    pub fn validate(&self) -> Result<(), InvalidCredentials> {
        match self {
            OcpCredentials::AccessKey {
                access_key_id,
                access_key_secret,
            } => {
                check_header_value(OCP, "access_key_id", access_key_id)?;
                check_signing_secret(OCP, "access_key_secret", access_key_secret)
            }
            OcpCredentials::Basic { username, password } => {
                if username.is_empty() {
                    return Err(InvalidCredentials::new(OCP, "username", "is empty"));
                }
                check_basic_part("username", username)?;
                check_basic_part("password", password.expose_secret())
            }
        }
    }
}

/// A source of credentials. Implement it to plug in a source of your own (a vault, a
/// metadata service); the SDK calls it before signing each attempt (unless it lends
/// [`fixed_credentials`](Self::fixed_credentials)), so an implementation that does I/O
/// should cache.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The kind of credentials provided.
    type Credentials: Clone + Send + Sync + 'static;

    /// Returns the current credentials, or a [`Error::MissingCredentials`] naming where it
    /// looked (an [`Error::InvalidCredentials`] when what it found cannot be sent).
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>>;

    /// Checks, without I/O, credentials this provider already holds, so that a client
    /// builder can refuse unusable fixed credentials before anything is sent.
    ///
    /// The default does nothing: a provider that looks credentials up later has them checked
    /// when they are provided (and by the signer).
    fn check_fixed(&self) -> Result<(), Error> {
        Ok(())
    }

    /// The credentials themselves, when this provider holds fixed ones: signers then borrow
    /// them on every attempt instead of asking for a copy. The default, `None`, means
    /// [`provide_credentials`](Self::provide_credentials) is asked every time.
    fn fixed_credentials(&self) -> Option<&Self::Credentials> {
        None
    }
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

            fn check_fixed(&self) -> Result<(), Error> {
                self.validate().map_err(Error::from)
            }

            fn fixed_credentials(&self) -> Option<&Self::Credentials> {
                Some(self)
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

    fn check_fixed(&self) -> Result<(), Error> {
        self.inner.check_fixed()
    }
}
