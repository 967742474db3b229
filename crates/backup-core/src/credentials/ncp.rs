//! The NAVER Cloud Platform default chain: environment variables, then `~/.ncloud/configure`.

use std::fmt;
use std::sync::Arc;

use super::env::{FileRead, Search, file_place, first_var, read_text_file};
use super::{BoxFuture, Environment, NcpCredentials, ProcessEnvironment, ProvideCredentials};
use crate::Error;

/// The vendor name in [`CredentialsError`](crate::CredentialsError)s of this chain.
const VENDOR: &str = "ncp";
/// Access key variables, in the Go SDK's order of precedence.
const ACCESS_KEY_VARS: [&str; 2] = ["NCLOUD_ACCESS_KEY_ID", "NCLOUD_ACCESS_KEY"];
/// Secret key variables, in the Go SDK's order of precedence.
const SECRET_KEY_VARS: [&str; 2] = ["NCLOUD_SECRET_ACCESS_KEY", "NCLOUD_SECRET_KEY"];
/// The access key's name in the configure file.
const FILE_ACCESS_KEY: &str = "ncloud_access_key_id";
/// The secret key's name in the configure file.
const FILE_SECRET_KEY: &str = "ncloud_secret_access_key";

/// Finds [`NcpCredentials`] where the official NCP SDKs look, in their order:
///
/// 1. The environment: the access key from `NCLOUD_ACCESS_KEY_ID`, or else
///    `NCLOUD_ACCESS_KEY`; the secret key from `NCLOUD_SECRET_ACCESS_KEY`, or else
///    `NCLOUD_SECRET_KEY` (the Go SDK's precedence). The environment is used only when it
///    supplies both; an empty variable counts as unset.
/// 2. The file `~/.ncloud/configure` (`%USERPROFILE%\.ncloud\configure` on Windows): lines
///    of `key = value` with the keys `ncloud_access_key_id` and `ncloud_secret_access_key`.
///    `[section]` lines, `#` and `;` comments and other keys (such as `ncloud_api_url`)
///    are ignored; when a key appears twice the last value counts, as in the official SDKs.
///
/// The server-role (instance metadata) source of the official SDKs is not consulted. The
/// chain reads the environment and the file on every call: wrap it in a
/// [`CachedProvider`](super::CachedProvider) to read them once. When nothing is found, the
/// [`Error::MissingCredentials`] names every variable and file that was looked at.
///
/// ```no_run
/// use backup_core::credentials::{CachedProvider, NcpDefaultChain, ProvideCredentials};
///
/// # async fn demo() -> Result<(), backup_core::Error> {
/// let provider = CachedProvider::new(NcpDefaultChain::new());
/// let credentials = provider.provide_credentials().await?;
/// println!("using access key {}", credentials.access_key_id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct NcpDefaultChain {
    env: Arc<dyn Environment>,
}

impl NcpDefaultChain {
    /// A chain over the process environment.
    pub fn new() -> Self {
        Self::with_environment(ProcessEnvironment)
    }

    /// A chain over `env` instead of the process environment (for example a
    /// [`StaticEnvironment`](super::StaticEnvironment)).
    pub fn with_environment(env: impl Environment + 'static) -> Self {
        Self { env: Arc::new(env) }
    }

    async fn resolve(&self) -> Result<NcpCredentials, Error> {
        let env = &*self.env;
        let mut search = Search::default();

        search.looked(format!("env {}", ACCESS_KEY_VARS.join("/")));
        search.looked(format!("env {}", SECRET_KEY_VARS.join("/")));
        let access_key = first_var(env, &ACCESS_KEY_VARS, &mut search);
        let secret_key = first_var(env, &SECRET_KEY_VARS, &mut search);
        match (access_key, secret_key) {
            (Some((name, access_key)), Some((_, secret_key))) => {
                let credentials = NcpCredentials::new(access_key, secret_key);
                credentials
                    .validate()
                    .map_err(|e| e.with_origin(format!("env {name}")))?;
                tracing::debug!("using NCP credentials from the environment");
                return Ok(credentials);
            }
            (Some((name, _)), None) => search.note(format!(
                "{name} is set but neither {} nor {} is",
                SECRET_KEY_VARS[0], SECRET_KEY_VARS[1]
            )),
            (None, Some((name, _))) => search.note(format!(
                "{name} is set but neither {} nor {} is",
                ACCESS_KEY_VARS[0], ACCESS_KEY_VARS[1]
            )),
            (None, None) => {}
        }

        let Some(home) = env.home_dir() else {
            search.looked("file ~/.ncloud/configure (home directory unknown)");
            return Err(search.into_error(VENDOR));
        };
        let path = home.join(".ncloud").join("configure");
        match read_text_file(&path).await {
            FileRead::NotFound => search.looked(file_place(&path, None, &["not found"])),
            FileRead::Unreadable(reason) => {
                search.looked(file_place(&path, None, &["unreadable"]));
                search.note(format!("could not read {}: {reason}", path.display()));
            }
            FileRead::NotText => {
                search.looked(file_place(&path, None, &[]));
                search.note(format!("{} is not UTF-8 text", path.display()));
            }
            FileRead::Text(text) => {
                search.looked(file_place(&path, None, &[]));
                let (access_key, secret_key) = parse_configure(&text);
                let shown = path.display();
                if let (Some(access_key), Some(secret_key)) =
                    (non_empty(access_key), non_empty(secret_key))
                {
                    let credentials = NcpCredentials::new(access_key, secret_key);
                    credentials
                        .validate()
                        .map_err(|e| e.with_origin(file_place(&path, None, &[])))?;
                    tracing::debug!(file = %shown, "using NCP credentials from the configure file");
                    return Ok(credentials);
                }
                for (key, value) in [(FILE_ACCESS_KEY, access_key), (FILE_SECRET_KEY, secret_key)] {
                    match value {
                        None => search.note(format!("{shown} has no {key}")),
                        Some("") => search.note(format!("{shown} sets {key} to an empty value")),
                        Some(_) => {}
                    }
                }
            }
        }
        Err(search.into_error(VENDOR))
    }
}

impl Default for NcpDefaultChain {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for NcpDefaultChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NcpDefaultChain")
            .field("env", &self.env)
            .finish()
    }
}

impl ProvideCredentials for NcpDefaultChain {
    type Credentials = NcpCredentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>> {
        Box::pin(self.resolve())
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// The access key id and secret key of a configure file: the last value of each key.
fn parse_configure(text: &str) -> (Option<&str>, Option<&str>) {
    let mut access_key = None;
    let mut secret_key = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';', '[']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key.trim() {
            FILE_ACCESS_KEY => access_key = Some(value.trim()),
            FILE_SECRET_KEY => secret_key = Some(value.trim()),
            _ => {}
        }
    }
    (access_key, secret_key)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::super::StaticEnvironment;
    use super::super::env::test_support::TempHome;
    use super::*;
    use crate::CredentialsError;

    fn missing(result: Result<NcpCredentials, Error>) -> CredentialsError {
        match result {
            Err(Error::MissingCredentials(e)) => e,
            other => panic!("expected missing credentials, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn primary_env_names_win_over_fallbacks() {
        let env = StaticEnvironment::new()
            .with_var("NCLOUD_ACCESS_KEY_ID", "id-primary")
            .with_var("NCLOUD_ACCESS_KEY", "id-fallback")
            .with_var("NCLOUD_SECRET_ACCESS_KEY", "secret-primary")
            .with_var("NCLOUD_SECRET_KEY", "secret-fallback");
        let c = NcpDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c, NcpCredentials::new("id-primary", "secret-primary"));
    }

    #[tokio::test]
    async fn fallback_env_names_are_used() {
        let env = StaticEnvironment::new()
            .with_var("NCLOUD_ACCESS_KEY", "id-fallback")
            .with_var("NCLOUD_SECRET_KEY", "secret-fallback");
        let c = NcpDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c, NcpCredentials::new("id-fallback", "secret-fallback"));
    }

    #[tokio::test]
    async fn empty_primary_falls_back_to_the_other_name() {
        let env = StaticEnvironment::new()
            .with_var("NCLOUD_ACCESS_KEY_ID", "")
            .with_var("NCLOUD_ACCESS_KEY", "id-fallback")
            .with_var("NCLOUD_SECRET_ACCESS_KEY", "s");
        let c = NcpDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c.access_key_id, "id-fallback");
    }

    #[tokio::test]
    async fn env_beats_file() {
        let home = TempHome::new("ncp-env-beats-file");
        home.write(
            ".ncloud/configure",
            "ncloud_access_key_id = file-id\nncloud_secret_access_key = file-secret\n",
        );
        let env = StaticEnvironment::new()
            .with_home(home.path())
            .with_var("NCLOUD_ACCESS_KEY_ID", "env-id")
            .with_var("NCLOUD_SECRET_KEY", "env-secret");
        let c = NcpDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c, NcpCredentials::new("env-id", "env-secret"));
    }

    #[tokio::test]
    async fn half_env_falls_to_file_without_mixing() {
        let home = TempHome::new("ncp-half-env");
        home.write(
            ".ncloud/configure",
            "[DEFAULT]\n# a comment\n; another\nncloud_access_key_id = file-id\n\
             ncloud_secret_access_key=file-secret\nncloud_api_url = https://ncloud.apigw.ntruss.com\n",
        );
        let env = StaticEnvironment::new()
            .with_home(home.path())
            .with_var("NCLOUD_ACCESS_KEY_ID", "env-id");
        let c = NcpDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c, NcpCredentials::new("file-id", "file-secret"));
    }

    #[test]
    fn configure_parsing_rules() {
        let text = "  ncloud_access_key_id   =  a1  \n\
                    #ncloud_secret_access_key = commented\n\
                    [profile]\n\
                    not a pair\n\
                    ncloud_secret_access_key = s=with=equals\n\
                    ncloud_access_key_id = a2\r\n";
        assert_eq!(parse_configure(text), (Some("a2"), Some("s=with=equals")));
        assert_eq!(parse_configure(""), (None, None));
    }

    #[tokio::test]
    async fn nothing_found_lists_every_place() {
        let home = TempHome::new("ncp-nothing");
        let env = StaticEnvironment::new().with_home(home.path());
        let e = missing(
            NcpDefaultChain::with_environment(env)
                .provide_credentials()
                .await,
        );
        let file = home.path().join(".ncloud").join("configure");
        assert_eq!(e.vendor, "ncp");
        assert_eq!(
            e.looked_in,
            vec![
                "env NCLOUD_ACCESS_KEY_ID/NCLOUD_ACCESS_KEY".to_owned(),
                "env NCLOUD_SECRET_ACCESS_KEY/NCLOUD_SECRET_KEY".to_owned(),
                format!("file {} (not found)", file.display()),
            ]
        );
        assert_eq!(e.detail, None);
    }

    #[tokio::test]
    async fn file_without_secret_is_explained() {
        let home = TempHome::new("ncp-no-secret");
        let file = home.write(
            ".ncloud/configure",
            "ncloud_access_key_id = file-id\nncloud_secret_access_key =\n",
        );
        let env = StaticEnvironment::new()
            .with_home(home.path())
            .with_var("NCLOUD_SECRET_KEY", "env-secret-value");
        let e = missing(
            NcpDefaultChain::with_environment(env)
                .provide_credentials()
                .await,
        );
        assert_eq!(e.looked_in[2], format!("file {}", file.display()));
        let detail = e.detail.clone().expect("detail");
        assert!(
            detail.contains("NCLOUD_SECRET_KEY is set but neither"),
            "{detail}"
        );
        assert!(
            detail.contains(&format!(
                "{} sets ncloud_secret_access_key to an empty value",
                file.display()
            )),
            "{detail}"
        );
        assert!(!e.to_string().contains("env-secret-value"));
        assert!(!e.to_string().contains("file-id"));
    }

    #[tokio::test]
    async fn unparseable_and_unreadable_files_are_explained() {
        let home = TempHome::new("ncp-bad-file");
        let file = home.write(".ncloud/configure", [0xffu8, 0x00, 0xfe]);
        let env = StaticEnvironment::new().with_home(home.path());
        let e = missing(
            NcpDefaultChain::with_environment(env)
                .provide_credentials()
                .await,
        );
        assert_eq!(e.looked_in[2], format!("file {}", file.display()));
        assert!(
            e.detail
                .as_deref()
                .unwrap_or_default()
                .contains("not UTF-8")
        );

        let home = TempHome::new("ncp-dir-file");
        std::fs::create_dir_all(home.path().join(".ncloud/configure")).expect("mkdir");
        let env = StaticEnvironment::new().with_home(home.path());
        let e = missing(
            NcpDefaultChain::with_environment(env)
                .provide_credentials()
                .await,
        );
        assert!(
            e.looked_in[2].ends_with("(unreadable)"),
            "{:?}",
            e.looked_in
        );
        assert!(
            e.detail
                .as_deref()
                .unwrap_or_default()
                .starts_with("could not read")
        );
    }

    #[tokio::test]
    async fn unknown_home_is_listed() {
        let e = missing(
            NcpDefaultChain::with_environment(StaticEnvironment::new())
                .provide_credentials()
                .await,
        );
        assert_eq!(
            e.looked_in[2],
            "file ~/.ncloud/configure (home directory unknown)"
        );
    }
}
