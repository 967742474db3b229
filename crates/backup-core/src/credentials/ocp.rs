//! OCP credentials from the environment: an access key pair, or a user name and password.

use std::fmt;
use std::sync::Arc;

use super::env::{Search, non_empty_var};
use super::{BoxFuture, Environment, OcpCredentials, ProcessEnvironment, ProvideCredentials};
use crate::Error;

/// The vendor name in [`CredentialsError`](crate::CredentialsError)s of this provider.
const VENDOR: &str = "ocp";
const ACCESS_KEY_ID_VAR: &str = "OCP_ACCESS_KEY_ID";
const ACCESS_KEY_SECRET_VAR: &str = "OCP_ACCESS_KEY_SECRET";
const USERNAME_VAR: &str = "OCP_USERNAME";
const PASSWORD_VAR: &str = "OCP_PASSWORD";

/// Finds [`OcpCredentials`] in the environment. OCP has no official SDK and no credentials
/// file; these are the variables the vendor's own tools read.
///
/// 1. `OCP_ACCESS_KEY_ID` and `OCP_ACCESS_KEY_SECRET` give
///    [`OcpCredentials::AccessKey`] (the vendor's recommended method, OCP 4.0.3 and later).
/// 2. Otherwise `OCP_USERNAME` and `OCP_PASSWORD` give [`OcpCredentials::Basic`].
///
/// A pair is used only when both of its variables are set and not empty. When an access key
/// pair is half set but the user and password are complete, Basic credentials are used and a
/// warning is logged through `tracing`; when nothing complete is found, the error's detail
/// names the half-set pair. The provider reads the environment on every call.
#[derive(Clone)]
pub struct OcpEnvironmentProvider {
    env: Arc<dyn Environment>,
}

impl OcpEnvironmentProvider {
    /// A provider over the process environment.
    pub fn new() -> Self {
        Self::with_environment(ProcessEnvironment)
    }

    /// A provider over `env` instead of the process environment (for example a
    /// [`StaticEnvironment`](super::StaticEnvironment)).
    pub fn with_environment(env: impl Environment + 'static) -> Self {
        Self { env: Arc::new(env) }
    }

    fn resolve(&self) -> Result<OcpCredentials, Error> {
        let env = &*self.env;
        let mut search = Search::default();
        for name in [
            ACCESS_KEY_ID_VAR,
            ACCESS_KEY_SECRET_VAR,
            USERNAME_VAR,
            PASSWORD_VAR,
        ] {
            search.looked(format!("env {name}"));
        }

        let id = non_empty_var(env, ACCESS_KEY_ID_VAR, &mut search);
        let secret = non_empty_var(env, ACCESS_KEY_SECRET_VAR, &mut search);
        let half_access_key = match (id, secret) {
            (Some(id), Some(secret)) => {
                let credentials = OcpCredentials::access_key(id, secret);
                credentials
                    .validate()
                    .map_err(|e| e.with_origin(format!("env {ACCESS_KEY_ID_VAR}")))?;
                tracing::debug!("using OCP access key credentials from the environment");
                return Ok(credentials);
            }
            (Some(_), None) => Some(format!(
                "{ACCESS_KEY_ID_VAR} is set but {ACCESS_KEY_SECRET_VAR} is not"
            )),
            (None, Some(_)) => Some(format!(
                "{ACCESS_KEY_SECRET_VAR} is set but {ACCESS_KEY_ID_VAR} is not"
            )),
            (None, None) => None,
        };

        let username = non_empty_var(env, USERNAME_VAR, &mut search);
        let password = non_empty_var(env, PASSWORD_VAR, &mut search);
        match (username, password) {
            (Some(username), Some(password)) => {
                let credentials = OcpCredentials::basic(username, password);
                credentials.validate().map_err(|e| {
                    let variable = match e.field.as_str() {
                        "password" => PASSWORD_VAR,
                        _ => USERNAME_VAR,
                    };
                    e.with_origin(format!("env {variable}"))
                })?;
                if let Some(half) = &half_access_key {
                    tracing::warn!("{half}; using {USERNAME_VAR} and {PASSWORD_VAR} instead");
                } else {
                    tracing::debug!("using OCP user and password from the environment");
                }
                return Ok(credentials);
            }
            (Some(_), None) => {
                search.note(format!("{USERNAME_VAR} is set but {PASSWORD_VAR} is not"))
            }
            (None, Some(_)) => {
                search.note(format!("{PASSWORD_VAR} is set but {USERNAME_VAR} is not"))
            }
            (None, None) => {}
        }
        if let Some(half) = half_access_key {
            search.note(half);
        }
        Err(search.into_error(VENDOR))
    }
}

impl Default for OcpEnvironmentProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for OcpEnvironmentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OcpEnvironmentProvider")
            .field("env", &self.env)
            .finish()
    }
}

impl ProvideCredentials for OcpEnvironmentProvider {
    type Credentials = OcpCredentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>> {
        let result = self.resolve();
        Box::pin(async move { result })
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::super::StaticEnvironment;
    use super::*;
    use crate::CredentialsError;

    async fn provide(env: StaticEnvironment) -> Result<OcpCredentials, Error> {
        OcpEnvironmentProvider::with_environment(env)
            .provide_credentials()
            .await
    }

    fn missing(result: Result<OcpCredentials, Error>) -> CredentialsError {
        match result {
            Err(Error::MissingCredentials(e)) => e,
            other => panic!("expected missing credentials, got {other:?}"),
        }
    }

    fn everything() -> StaticEnvironment {
        StaticEnvironment::new()
            .with_var("OCP_ACCESS_KEY_ID", "ak-id")
            .with_var("OCP_ACCESS_KEY_SECRET", "ak-secret")
            .with_var("OCP_USERNAME", "admin")
            .with_var("OCP_PASSWORD", "pw")
    }

    #[tokio::test]
    async fn access_key_is_preferred_over_basic() {
        let c = provide(everything()).await.expect("credentials");
        assert_eq!(c, OcpCredentials::access_key("ak-id", "ak-secret"));
    }

    #[tokio::test]
    async fn basic_when_no_access_key() {
        let env = StaticEnvironment::new()
            .with_var("OCP_USERNAME", "admin")
            .with_var("OCP_PASSWORD", "pw");
        assert_eq!(
            provide(env).await.expect("credentials"),
            OcpCredentials::basic("admin", "pw")
        );
    }

    #[tokio::test]
    async fn half_access_key_falls_back_to_basic() {
        let env = everything().with_var("OCP_ACCESS_KEY_SECRET", "");
        assert_eq!(
            provide(env).await.expect("credentials"),
            OcpCredentials::basic("admin", "pw")
        );
    }

    #[tokio::test]
    async fn half_pairs_are_reported() {
        let env = StaticEnvironment::new()
            .with_var("OCP_ACCESS_KEY_ID", "ak-id")
            .with_var("OCP_PASSWORD", "pw-secret-value");
        let e = missing(provide(env).await);
        assert_eq!(e.vendor, "ocp");
        assert_eq!(
            e.looked_in,
            [
                "env OCP_ACCESS_KEY_ID",
                "env OCP_ACCESS_KEY_SECRET",
                "env OCP_USERNAME",
                "env OCP_PASSWORD"
            ]
        );
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "OCP_PASSWORD is set but OCP_USERNAME is not; \
                 OCP_ACCESS_KEY_ID is set but OCP_ACCESS_KEY_SECRET is not"
            )
        );
        assert!(!e.to_string().contains("pw-secret-value"));
    }

    #[tokio::test]
    async fn empty_values_are_absent_and_noted() {
        let env = StaticEnvironment::new()
            .with_var("OCP_ACCESS_KEY_ID", "")
            .with_var("OCP_ACCESS_KEY_SECRET", "");
        let e = missing(provide(env).await);
        assert_eq!(
            e.detail.as_deref(),
            Some("OCP_ACCESS_KEY_ID is set but empty; OCP_ACCESS_KEY_SECRET is set but empty")
        );
        let e = missing(provide(StaticEnvironment::new()).await);
        assert_eq!(e.detail, None);
    }
}
