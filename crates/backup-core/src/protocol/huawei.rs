//! The settings only Huawei clients have (region, project id, IAM token), and their
//! setters on the one [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;

use crate::ClientFactory;
use crate::builder::ClientBuilder;
use crate::credentials::{HuaweiCredentials, SharedProvider};
use crate::sign::ProvideToken;

/// How a Huawei client authenticates.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// APIG `SDK-HMAC-SHA256` signing with an AK/SK (temporary credentials add
    /// `X-Security-Token`). The default, with the vendor's default credential chain.
    AkSk(SharedProvider<HuaweiCredentials>),
    /// An IAM token in `X-Auth-Token`: a fixed
    /// [`SecretString`](crate::credentials::SecretString) or a provider that obtains and
    /// renews one.
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

/// A Huawei client's own settings: what `ClientBuilder::region`, `project_id` and `token`
/// set. AK/SK credentials are the shared [`ClientBuilder::credentials`].
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct HuaweiSettings {
    /// The region the endpoint is derived from, unless an endpoint is set.
    pub region: Option<String>,
    /// The project id; the vendor crate reads its environment variable when unset.
    pub project_id: Option<String>,
    /// An IAM token that replaces AK/SK signing.
    pub token: Option<Arc<dyn ProvideToken>>,
}

impl fmt::Debug for HuaweiSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiSettings")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("token", &self.token)
            .finish()
    }
}

impl<C: ClientFactory<HuaweiSettings, Credentials = HuaweiCredentials>>
    ClientBuilder<C, HuaweiSettings>
{
    /// The region (`cn-north-4`, `eu-west-101`, ...); the endpoint is derived from it,
    /// unless one is set with [`endpoint`](Self::endpoint).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.settings_mut().region = Some(region.into());
        self
    }

    /// The project id (letters and digits, up to 64), which calls fill in when their
    /// builder is given none. Default: the vendor's environment variable.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.settings_mut().project_id = Some(project_id.into());
        self
    }

    /// Authenticates with an IAM token in `X-Auth-Token` instead of signing: a fixed
    /// [`SecretString`](crate::credentials::SecretString), or a provider that obtains and
    /// renews one. Replaces AK/SK credentials.
    pub fn token(mut self, token: impl ProvideToken + 'static) -> Self {
        self.config_mut().credentials = None;
        self.settings_mut().token = Some(Arc::new(token));
        self
    }

    /// Sets the authentication mode directly.
    pub fn auth(mut self, auth: Auth) -> Self {
        match auth {
            Auth::AkSk(provider) => {
                self.settings_mut().token = None;
                self.config_mut().credentials = Some(provider);
            }
            Auth::Token(token) => {
                self.config_mut().credentials = None;
                self.settings_mut().token = Some(token);
            }
        }
        self
    }
}

impl HuaweiSettings {
    /// The authentication mode: the token when one was set, else the AK/SK `credentials`
    /// when set, else `None` (use the default chain).
    pub fn auth(&self, credentials: Option<SharedProvider<HuaweiCredentials>>) -> Option<Auth> {
        match (&self.token, credentials) {
            (Some(token), _) => Some(Auth::Token(Arc::clone(token))),
            (None, Some(provider)) => Some(Auth::AkSk(provider)),
            (None, None) => None,
        }
    }
}
