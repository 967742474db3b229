//! Request signing for every vendor: pure functions over a request description (no I/O, the
//! time passed in), and the [`Sign`] implementations the client calls before each attempt.
//!
//! | scheme | module | signer |
//! |---|---|---|
//! | NCP API Gateway v2 (`x-ncp-apigw-signature-v2`) | [`ncp`] | [`NcpSigner`] |
//! | Huawei `SDK-HMAC-SHA256` (APIG AK/SK) | [`huawei`] | [`HuaweiAkSkSigner`] |
//! | Huawei IAM token (`X-Auth-Token`) | — | [`HuaweiTokenAuth`] |
//! | OCP HTTP Basic and `OCP-ACCESS-KEY-HMACSHA1` | [`ocp`] | [`OcpSigner`] |
//! | AWS Signature V4 (S3, NCP Object Storage; feature `object-storage`) | `sigv4` | `SigV4Signer` |

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

#[cfg(feature = "ocp")]
use crate::credentials::OcpCredentials;
use crate::credentials::{
    BoxFuture, HUAWEI, HuaweiCredentials, NcpCredentials, ProvideCredentials, SecretString,
    SharedProvider, check_header_value,
};
use crate::{Error, HttpRequest};

pub mod huawei;
pub mod ncp;
#[cfg(feature = "ocp")]
pub mod ocp;
#[cfg(feature = "object-storage")]
pub mod sigv4;

/// A view of a request for the pure signing functions. `path` and `query` are the encoded
/// forms that are sent; header names are lower case.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The encoded path.
    pub path: &'a str,
    /// The encoded query, without `?`.
    pub query: &'a str,
    /// The headers that will be sent (lower-case names).
    pub headers: &'a [(String, String)],
    /// The exact body bytes.
    pub body: &'a [u8],
}

impl<'a> From<&'a HttpRequest> for SignableRequest<'a> {
    fn from(r: &'a HttpRequest) -> Self {
        Self {
            method: r.method.as_str(),
            path: &r.path,
            query: &r.query,
            headers: &r.headers,
            body: &r.body,
        }
    }
}

/// What a signer knows about the attempt besides the request.
#[derive(Debug, Clone)]
pub struct SigningContext {
    /// The signing time; the client takes a fresh one for every attempt.
    pub now: SystemTime,
    /// The `Host` header as it will be sent: host, plus `:port` when the port is not the
    /// scheme's default.
    pub host: String,
}

/// Defines an HMAC constructor keyed with a secret of any length: the key is brought to
/// the digest's block size the way HMAC itself does (zero-padded, or hashed first when
/// longer), so construction cannot fail and no error has to be discarded. One definition
/// for the vendors' digests.
macro_rules! block_keyed_hmac {
    ($(#[$doc:meta])* $name:ident, $digest:ty) => {
        $(#[$doc])*
        pub(crate) fn $name(secret: &[u8]) -> hmac::Hmac<$digest> {
            use hmac::digest::{Digest, Key, KeyInit};
            let mut key = Key::<hmac::Hmac<$digest>>::default();
            if secret.len() <= key.len() {
                key.iter_mut().zip(secret).for_each(|(k, s)| *k = *s);
            } else {
                let digest = <$digest>::digest(secret);
                key.iter_mut().zip(digest).for_each(|(k, d)| *k = d);
            }
            <hmac::Hmac<$digest> as KeyInit>::new(&key)
        }
    };
}

block_keyed_hmac! {
    /// HMAC-SHA256 (NCP and Huawei signatures).
    hmac_sha256, sha2::Sha256
}

#[cfg(feature = "ocp")]
block_keyed_hmac! {
    /// HMAC-SHA1 (OCP access-key signatures).
    hmac_sha1, sha1::Sha1
}

/// A signer over a shared provider of credentials: the struct, its constructors, a
/// `Debug` that shows only the provider (which redacts), and a `Sign` that fetches and
/// validates the credentials before each attempt and hands them to `$sign`, the same for
/// every vendor.
macro_rules! provider_signer {
    ($(#[$doc:meta])* $name:ident, $credentials:ty, $sign:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            credentials: SharedProvider<$credentials>,
        }

        impl $name {
            /// A signer with fixed credentials or any provider.
            pub fn new(
                credentials: impl ProvideCredentials<Credentials = $credentials> + 'static,
            ) -> Self {
                Self {
                    credentials: Arc::new(credentials),
                }
            }

            /// A signer over an already shared provider.
            pub fn from_shared(credentials: SharedProvider<$credentials>) -> Self {
                Self { credentials }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("credentials", &self.credentials)
                    .finish()
            }
        }

        impl Sign for $name {
            fn sign<'a>(
                &'a self,
                request: &'a mut HttpRequest,
                context: &'a SigningContext,
            ) -> BoxFuture<'a, Result<(), Error>> {
                Box::pin(async move {
                    // Fixed credentials are borrowed: no copy of the secret per attempt.
                    if let Some(credentials) = self.credentials.fixed_credentials() {
                        credentials.validate()?;
                        return $sign(credentials, request, context);
                    }
                    let credentials = self.credentials.provide_credentials().await?;
                    // The last guard for providers that do not check what they hand out.
                    credentials.validate()?;
                    $sign(&credentials, request, context)
                })
            }
        }
    };
}

/// Adds authentication to a request. Called once per attempt, so every retry carries a
/// fresh timestamp and signature.
pub trait Sign: Send + Sync + fmt::Debug {
    /// Signs `request` in place, and registers in [`HttpRequest::secrets`] every secret it
    /// used (keys, passwords, tokens) and the credential headers it set, so that errors are
    /// scrubbed of them.
    fn sign<'a>(
        &'a self,
        request: &'a mut HttpRequest,
        context: &'a SigningContext,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// Sends requests unauthenticated; for endpoints that need no credentials.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Sign for NoAuth {
    fn sign<'a>(
        &'a self,
        _request: &'a mut HttpRequest,
        _context: &'a SigningContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }
}

provider_signer! {
    /// Signs with NCP API Gateway v2: `x-ncp-apigw-timestamp`, `x-ncp-iam-access-key` and
    /// `x-ncp-apigw-signature-v2` over `METHOD request-target`, the timestamp and the key.
    NcpSigner, NcpCredentials, sign_ncp
}

/// Signs `request` for NCP API Gateway v2 with `credentials` at `context.now`.
fn sign_ncp(
    credentials: &NcpCredentials,
    request: &mut HttpRequest,
    context: &SigningContext,
) -> Result<(), Error> {
    let timestamp = crate::clock::unix_millis(context.now);
    let signature = ncp::signature(
        credentials.secret_key.expose_secret().as_bytes(),
        request.method.as_str(),
        &request.request_target(),
        timestamp,
        &credentials.access_key_id,
    );
    request.secrets.add(credentials.secret_key.expose_secret());
    request.secrets.add(&signature);
    request.set_header(ncp::TIMESTAMP_HEADER, timestamp.to_string());
    request.set_header(ncp::ACCESS_KEY_HEADER, credentials.access_key_id.clone());
    request.set_header(ncp::SIGNATURE_HEADER, signature);
    Ok(())
}

/// Signs with AWS Signature Version 4 for one region and service (S3-compatible Object
/// Storage), with NCP credentials: sets `x-amz-date`, `x-amz-content-sha256` (the hex
/// SHA-256 of the body, unless the request already carries one such as
/// `UNSIGNED-PAYLOAD`) and `Authorization`. See [`sigv4`].
#[cfg(feature = "object-storage")]
#[derive(Clone)]
pub struct SigV4Signer {
    credentials: SharedProvider<NcpCredentials>,
    region: Arc<str>,
    service: &'static str,
}

#[cfg(feature = "object-storage")]
impl SigV4Signer {
    /// A signer for `region` and `service` (`s3`) over a shared credentials provider.
    pub fn new(
        credentials: SharedProvider<NcpCredentials>,
        region: impl Into<Arc<str>>,
        service: &'static str,
    ) -> Self {
        Self {
            credentials,
            region: region.into(),
            service,
        }
    }

    /// The region signatures are scoped to.
    pub fn region(&self) -> &str {
        &self.region
    }
}

#[cfg(feature = "object-storage")]
impl fmt::Debug for SigV4Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Signer")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish()
    }
}

#[cfg(feature = "object-storage")]
impl Sign for SigV4Signer {
    fn sign<'a>(
        &'a self,
        request: &'a mut HttpRequest,
        context: &'a SigningContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let credentials = self.credentials.provide_credentials().await?;
            credentials.validate()?;
            request.remove_header("authorization");
            request.set_header(sigv4::DATE_HEADER, sigv4::format_amz_date(context.now));
            if request.header(sigv4::CONTENT_SHA256_HEADER).is_none() {
                let hash = sigv4::body_sha256(&request.body);
                request.set_header(sigv4::CONTENT_SHA256_HEADER, hash);
            }
            let secret = credentials.secret_key.expose_secret();
            let authorization = sigv4::authorization(
                &SignableRequest::from(&*request),
                Some(&context.host),
                &credentials.access_key_id,
                secret.as_bytes(),
                &self.region,
                self.service,
            );
            request.secrets.add(secret);
            request.secrets.add_authorization(&authorization);
            // S3 echoes the signature it received in a `SignatureDoesNotMatch` body.
            if let Some((_, signature)) = authorization.rsplit_once("Signature=") {
                request.secrets.add(signature);
            }
            request.set_header("authorization", authorization);
            Ok(())
        })
    }
}

provider_signer! {
    /// Signs with Huawei Cloud APIG `SDK-HMAC-SHA256`. Adds `X-Sdk-Date`, `X-Project-Id` (when
    /// the credentials name a project) and `X-Security-Token` (temporary credentials), then
    /// signs every header of the request plus `host`.
    HuaweiAkSkSigner, HuaweiCredentials, sign_huawei_ak_sk
}

/// Signs `request` with Huawei `SDK-HMAC-SHA256`.
fn sign_huawei_ak_sk(
    credentials: &HuaweiCredentials,
    request: &mut HttpRequest,
    context: &SigningContext,
) -> Result<(), Error> {
    request.remove_header("authorization");
    request.set_header(huawei::DATE_HEADER, huawei::format_sdk_date(context.now));
    if let Some(project_id) = &credentials.project_id {
        request.set_header(huawei::PROJECT_ID_HEADER, project_id.clone());
    }
    match &credentials.security_token {
        Some(token) => {
            request.secrets.add(token.expose_secret());
            request.set_header(
                huawei::SECURITY_TOKEN_HEADER,
                token.expose_secret().to_owned(),
            );
        }
        None => request.remove_header(huawei::SECURITY_TOKEN_HEADER),
    }
    let authorization = huawei::authorization(
        &SignableRequest::from(&*request),
        Some(&context.host),
        &credentials.access_key_id,
        credentials.secret_access_key.expose_secret().as_bytes(),
    );
    request
        .secrets
        .add(credentials.secret_access_key.expose_secret());
    // `…, Signature=<hex>`: hex holds no `=`, so the last one ends the marker.
    register_signature(&mut request.secrets, &authorization, '=');
    request.set_header("authorization", authorization);
    Ok(())
}

/// Registers the signature of an HMAC `authorization` value: what follows the last
/// `marker`. The rest of such a value (scheme, access key id, signed header names) is not
/// secret, and every form a server could echo the whole value in (as is, JSON-escaped,
/// percent-encoded) still contains the signature, so scrubbing it covers them all; this
/// spares registering the long value and its escaped copies on every attempt. A value
/// without the marker is registered whole, as [`Secrets::add_authorization`] does.
///
/// The marker is one character, which the signature cannot hold: a string pattern would
/// build a substring searcher on every attempt (800 instructions).
fn register_signature(secrets: &mut crate::redact::Secrets, authorization: &str, marker: char) {
    match authorization.rsplit_once(marker) {
        Some((_, signature)) if !signature.is_empty() => secrets.add(signature),
        _ => secrets.add_authorization(authorization),
    }
}

/// A source of Huawei IAM tokens for [`HuaweiTokenAuth`].
pub trait ProvideToken: Send + Sync + fmt::Debug {
    /// A currently valid token.
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>>;

    /// Checks, without I/O, a token this source already holds, so that a client builder can
    /// refuse an unusable fixed token before anything is sent. The default does nothing
    /// (a token obtained later is checked when it is sent).
    fn check_fixed(&self) -> Result<(), Error> {
        Ok(())
    }
}

impl ProvideToken for SecretString {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let token = self.clone();
        Box::pin(async move { Ok(token) })
    }

    fn check_fixed(&self) -> Result<(), Error> {
        Ok(check_header_value(
            HUAWEI,
            TOKEN_FIELD,
            self.expose_secret(),
        )?)
    }
}

/// The field named in errors about an IAM token.
const TOKEN_FIELD: &str = "X-Auth-Token";

/// Authenticates Huawei requests with an IAM token in `X-Auth-Token` instead of signing.
#[derive(Clone)]
pub struct HuaweiTokenAuth {
    token: Arc<dyn ProvideToken>,
    project_id: Option<String>,
}

impl HuaweiTokenAuth {
    /// Sends `token` (a fixed token, or a provider that renews it).
    pub fn new(token: impl ProvideToken + 'static) -> Self {
        Self {
            token: Arc::new(token),
            project_id: None,
        }
    }

    /// Also sends `X-Project-Id`.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }
}

impl fmt::Debug for HuaweiTokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiTokenAuth")
            .field("token", &self.token)
            .field("project_id", &self.project_id)
            .finish()
    }
}

impl Sign for HuaweiTokenAuth {
    fn sign<'a>(
        &'a self,
        request: &'a mut HttpRequest,
        _context: &'a SigningContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let token = self.token.token().await?;
            check_header_value(HUAWEI, TOKEN_FIELD, token.expose_secret())?;
            if let Some(project_id) = &self.project_id {
                check_header_value(HUAWEI, "project_id", project_id)?;
            }
            request.secrets.add(token.expose_secret());
            request.set_header("x-auth-token", token.expose_secret().to_owned());
            if let Some(project_id) = &self.project_id {
                request.set_header(huawei::PROJECT_ID_HEADER, project_id.clone());
            }
            Ok(())
        })
    }
}

#[cfg(feature = "ocp")]
provider_signer! {
    /// Authenticates OCP requests: HTTP Basic, or `OCP-ACCESS-KEY-HMACSHA1` with a `Date` header.
    OcpSigner, OcpCredentials, sign_ocp
}

/// Authenticates `request` for OCP (Basic or access key).
#[cfg(feature = "ocp")]
fn sign_ocp(
    credentials: &OcpCredentials,
    request: &mut HttpRequest,
    context: &SigningContext,
) -> Result<(), Error> {
    match credentials {
        OcpCredentials::Basic { username, password } => {
            let authorization = ocp::basic_authorization(username, password.expose_secret());
            request.secrets.add(password.expose_secret());
            request.secrets.add_authorization(&authorization);
            request.set_header("authorization", authorization);
        }
        OcpCredentials::AccessKey {
            access_key_id,
            access_key_secret,
        } => {
            request.set_header("date", ocp::format_date(context.now));
            let authorization = ocp::authorization(
                &SignableRequest::from(&*request),
                &context.host,
                access_key_id,
                access_key_secret.expose_secret().as_bytes(),
            );
            request.secrets.add(access_key_secret.expose_secret());
            // `OCP-ACCESS-KEY-HMACSHA1 <key id>:<base64>`: base64 holds no `:`.
            register_signature(&mut request.secrets, &authorization, ':');
            request.set_header("authorization", authorization);
        }
    }
    Ok(())
}
