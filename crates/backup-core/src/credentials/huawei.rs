//! The Huawei Cloud default chain: `HUAWEICLOUD_SDK_*` variables, then the `[basic]`
//! profile of the credentials file.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::env::{FileRead, Search, file_place, non_empty_var, read_text_file};
use super::{BoxFuture, Environment, HuaweiCredentials, ProcessEnvironment, ProvideCredentials};
use crate::Error;

/// The vendor name in [`CredentialsError`](crate::CredentialsError)s of this chain.
const VENDOR: &str = "huaweicloud";
const AK_VAR: &str = "HUAWEICLOUD_SDK_AK";
const SK_VAR: &str = "HUAWEICLOUD_SDK_SK";
const PROJECT_ID_VAR: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
const SECURITY_TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
const CREDENTIALS_FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// The profile section of regional (project-scoped) credentials.
const SECTION: &str = "basic";
/// The section whose keys every other section inherits (as in Python's `configparser`).
const DEFAULT_SECTION: &str = "DEFAULT";

/// Finds [`HuaweiCredentials`] where the official Huawei Cloud SDKs (v3) look, in their
/// order:
///
/// 1. The environment: `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`, with the optional
///    `HUAWEICLOUD_SDK_PROJECT_ID` and `HUAWEICLOUD_SDK_SECURITY_TOKEN` (temporary
///    credentials). The environment is used only when it supplies both AK and SK; an empty
///    variable counts as unset.
/// 2. The `[basic]` section of the INI file named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or
///    when that is unset, of `~/.huaweicloud/credentials`: keys `ak`, `sk` and the optional
///    `project_id` and `security_token`. As in the SDKs' `configparser`, key names are case
///    insensitive, `=` or `:` separates key and value, whole-line `#` and `;` comments are
///    skipped, keys of `[DEFAULT]` apply to `[basic]`, and a malformed line, a repeated
///    section or a repeated key makes the file unusable. Unlike `configparser`, `%`
///    interpolation and indented continuation lines are not supported.
///
/// Each source supplies its own project id and token: `HUAWEICLOUD_SDK_PROJECT_ID` does not
/// apply to credentials from the file. [`with_project_id`](Self::with_project_id) overrides
/// the project id whichever source is used.
///
/// The metadata (ECS) and pod-identity sources and federated identities (`idp_id`,
/// `id_token_file`) of the official SDKs are not supported. The chain reads the environment
/// and the file on every call: wrap it in a [`CachedProvider`](super::CachedProvider) to
/// read them once. When nothing is found, the [`Error::MissingCredentials`] names every
/// variable and file that was looked at.
#[derive(Clone)]
pub struct HuaweiDefaultChain {
    env: Arc<dyn Environment>,
    project_id: Option<String>,
}

impl HuaweiDefaultChain {
    /// A chain over the process environment.
    pub fn new() -> Self {
        Self::with_environment(ProcessEnvironment)
    }

    /// A chain over `env` instead of the process environment (for example a
    /// [`StaticEnvironment`](super::StaticEnvironment)).
    pub fn with_environment(env: impl Environment + 'static) -> Self {
        Self {
            env: Arc::new(env),
            project_id: None,
        }
    }

    /// Uses `project_id` for the credentials found, replacing any project id that the
    /// environment or the file gives.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    fn finish(&self, mut credentials: HuaweiCredentials) -> HuaweiCredentials {
        if let Some(project_id) = &self.project_id {
            credentials.project_id = Some(project_id.clone());
        }
        credentials
    }

    async fn resolve(&self) -> Result<HuaweiCredentials, Error> {
        let env = &*self.env;
        let mut search = Search::default();

        search.looked(format!("env {AK_VAR}"));
        search.looked(format!("env {SK_VAR}"));
        let ak = non_empty_var(env, AK_VAR, &mut search);
        let sk = non_empty_var(env, SK_VAR, &mut search);
        match (ak, sk) {
            (Some(ak), Some(sk)) => {
                let mut credentials = HuaweiCredentials::new(ak, sk);
                credentials.project_id = non_empty_var(env, PROJECT_ID_VAR, &mut search);
                credentials.security_token =
                    non_empty_var(env, SECURITY_TOKEN_VAR, &mut search).map(Into::into);
                credentials.validate().map_err(|e| {
                    let variable = match e.field.as_str() {
                        "project_id" => PROJECT_ID_VAR,
                        "security_token" => SECURITY_TOKEN_VAR,
                        _ => AK_VAR,
                    };
                    e.with_origin(format!("env {variable}"))
                })?;
                tracing::debug!("using Huawei Cloud credentials from the environment");
                return Ok(self.finish(credentials));
            }
            (Some(_), None) => search.note(format!("{AK_VAR} is set but {SK_VAR} is not")),
            (None, Some(_)) => search.note(format!("{SK_VAR} is set but {AK_VAR} is not")),
            (None, None) => {}
        }

        let (path, origin) = match non_empty_var(env, CREDENTIALS_FILE_VAR, &mut search) {
            Some(file) => (
                PathBuf::from(file),
                Some("from HUAWEICLOUD_SDK_CREDENTIALS_FILE"),
            ),
            None => match env.home_dir() {
                Some(home) => (home.join(".huaweicloud").join("credentials"), None),
                None => {
                    search
                        .looked("file ~/.huaweicloud/credentials [basic] (home directory unknown)");
                    return Err(search.into_error(VENDOR));
                }
            },
        };
        let remarks = |status: Option<&'static str>| -> Vec<&'static str> {
            origin.into_iter().chain(status).collect()
        };
        let shown = path.display();
        match read_text_file(&path).await {
            FileRead::NotFound => {
                search.looked(file_place(
                    &path,
                    Some(SECTION),
                    &remarks(Some("not found")),
                ));
            }
            FileRead::Unreadable(reason) => {
                search.looked(file_place(
                    &path,
                    Some(SECTION),
                    &remarks(Some("unreadable")),
                ));
                search.note(format!("could not read {shown}: {reason}"));
            }
            FileRead::NotText => {
                search.looked(file_place(&path, Some(SECTION), &remarks(None)));
                search.note(format!("{shown} is not UTF-8 text"));
            }
            FileRead::Text(text) => {
                search.looked(file_place(&path, Some(SECTION), &remarks(None)));
                match Ini::parse(&text) {
                    Err(problem) => search.note(format!("{shown} cannot be parsed: {problem}")),
                    Ok(ini) if !ini.has_section(SECTION) => {
                        search.note(format!("{shown} has no [{SECTION}] section"));
                    }
                    Ok(ini) => {
                        let get = |key: &str| ini.get(SECTION, key).filter(|v| !v.is_empty());
                        if let (Some(ak), Some(sk)) = (get("ak"), get("sk")) {
                            let mut credentials = HuaweiCredentials::new(ak, sk);
                            credentials.project_id = get("project_id").map(str::to_owned);
                            credentials.security_token = get("security_token").map(Into::into);
                            credentials.validate().map_err(|e| {
                                e.with_origin(file_place(&path, Some(SECTION), &[]))
                            })?;
                            tracing::debug!(file = %shown, "using Huawei Cloud credentials from the credentials file");
                            return Ok(self.finish(credentials));
                        }
                        for key in ["ak", "sk"] {
                            match ini.get(SECTION, key) {
                                None => search.note(format!("[{SECTION}] of {shown} has no {key}")),
                                Some("") => search.note(format!(
                                    "[{SECTION}] of {shown} sets {key} to an empty value"
                                )),
                                Some(_) => {}
                            }
                        }
                    }
                }
            }
        }
        Err(search.into_error(VENDOR))
    }
}

impl Default for HuaweiDefaultChain {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HuaweiDefaultChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiDefaultChain")
            .field("env", &self.env)
            .field("project_id", &self.project_id)
            .finish()
    }
}

impl ProvideCredentials for HuaweiDefaultChain {
    type Credentials = HuaweiCredentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<Self::Credentials, Error>> {
        Box::pin(self.resolve())
    }
}

/// An INI file, parsed the way Python's `configparser` reads Huawei credentials files.
/// Values borrow from the text (so no secret is copied until it is used). Deliberately
/// not `Debug`: it holds secrets.
struct Ini<'a> {
    /// Sections in file order; keys lower-cased.
    sections: Vec<(&'a str, Vec<(String, &'a str)>)>,
}

impl<'a> Ini<'a> {
    /// Parses `text`; the error names the line (never its content).
    fn parse(text: &'a str) -> Result<Self, String> {
        let mut sections: Vec<(&'a str, Vec<(String, &'a str)>)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(format!("line {number}: a section header must end with `]`"));
                };
                let name = name.trim();
                if sections.iter().any(|(existing, _)| *existing == name) {
                    return Err(format!("line {number}: section [{name}] appears twice"));
                }
                sections.push((name, Vec::new()));
                continue;
            }
            let Some((_, entries)) = sections.last_mut() else {
                return Err(format!("line {number}: a key before any [section] header"));
            };
            let Some((key, value)) = line.split_once(['=', ':']) else {
                return Err(format!("line {number}: expected `key = value`"));
            };
            let key = key.trim().to_lowercase();
            let value = value.trim();
            if key.is_empty() {
                return Err(format!("line {number}: a value without a key"));
            }
            if entries.iter().any(|(existing, _)| *existing == key) {
                return Err(format!("line {number}: a key appears twice in its section"));
            }
            entries.push((key, value));
        }
        Ok(Self { sections })
    }

    fn has_section(&self, section: &str) -> bool {
        self.sections.iter().any(|(name, _)| *name == section)
    }

    fn lookup(&self, section: &str, key: &str) -> Option<&'a str> {
        self.sections
            .iter()
            .find(|(name, _)| *name == section)
            .and_then(|(_, entries)| entries.iter().find(|(k, _)| k == key))
            .map(|(_, value)| *value)
    }

    /// The value of `key` in `section`, or else in `[DEFAULT]`.
    fn get(&self, section: &str, key: &str) -> Option<&'a str> {
        self.lookup(section, key)
            .or_else(|| self.lookup(DEFAULT_SECTION, key))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::super::StaticEnvironment;
    use super::super::env::test_support::TempHome;
    use super::*;
    use crate::CredentialsError;

    fn missing(result: Result<HuaweiCredentials, Error>) -> CredentialsError {
        match result {
            Err(Error::MissingCredentials(e)) => e,
            other => panic!("expected missing credentials, got {other:?}"),
        }
    }

    const PROFILE: &str = "[global]\nak = global-ak\nsk = global-sk\n\n\
                           [basic]\nAK = file-ak\nsk: file-sk\nproject_id = file-project\n\
                           security_token = file-token\n";

    #[tokio::test]
    async fn env_credentials_with_project_and_token() {
        let env = StaticEnvironment::new()
            .with_var("HUAWEICLOUD_SDK_AK", "env-ak")
            .with_var("HUAWEICLOUD_SDK_SK", "env-sk")
            .with_var("HUAWEICLOUD_SDK_PROJECT_ID", "env-project")
            .with_var("HUAWEICLOUD_SDK_SECURITY_TOKEN", "env-token");
        let c = HuaweiDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(
            c,
            HuaweiCredentials::new("env-ak", "env-sk")
                .with_project_id("env-project")
                .with_security_token("env-token")
        );
    }

    #[tokio::test]
    async fn env_beats_file_and_empty_optionals_are_absent() {
        let home = TempHome::new("hw-env-beats-file");
        home.write(".huaweicloud/credentials", PROFILE);
        let env = StaticEnvironment::new()
            .with_home(home.path())
            .with_var("HUAWEICLOUD_SDK_AK", "env-ak")
            .with_var("HUAWEICLOUD_SDK_SK", "env-sk")
            .with_var("HUAWEICLOUD_SDK_SECURITY_TOKEN", "");
        let c = HuaweiDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c, HuaweiCredentials::new("env-ak", "env-sk"));
    }

    #[tokio::test]
    async fn default_profile_basic_section() {
        let home = TempHome::new("hw-profile");
        home.write(".huaweicloud/credentials", PROFILE);
        let env = StaticEnvironment::new()
            .with_home(home.path())
            .with_var("HUAWEICLOUD_SDK_AK", "half-configured")
            .with_var("HUAWEICLOUD_SDK_PROJECT_ID", "env-project-not-used");
        let c = HuaweiDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(
            c,
            HuaweiCredentials::new("file-ak", "file-sk")
                .with_project_id("file-project")
                .with_security_token("file-token")
        );
    }

    #[tokio::test]
    async fn credentials_file_variable_replaces_the_default_path() {
        let home = TempHome::new("hw-file-var");
        home.write(".huaweicloud/credentials", PROFILE);
        let other = home.write("elsewhere.ini", "[basic]\nak = other-ak\nsk = other-sk\n");
        let env = StaticEnvironment::new()
            .with_home(home.path())
            .with_var("HUAWEICLOUD_SDK_CREDENTIALS_FILE", other.to_string_lossy());
        let c = HuaweiDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c, HuaweiCredentials::new("other-ak", "other-sk"));

        // Named but missing: no fallback to the default file, as in the official SDKs.
        let missing_path = home.path().join("nope.ini");
        let env = StaticEnvironment::new().with_home(home.path()).with_var(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            missing_path.to_string_lossy(),
        );
        let e = missing(
            HuaweiDefaultChain::with_environment(env)
                .provide_credentials()
                .await,
        );
        assert_eq!(
            e.looked_in,
            vec![
                "env HUAWEICLOUD_SDK_AK".to_owned(),
                "env HUAWEICLOUD_SDK_SK".to_owned(),
                format!(
                    "file {} [basic] (from HUAWEICLOUD_SDK_CREDENTIALS_FILE, not found)",
                    missing_path.display()
                ),
            ]
        );
    }

    #[tokio::test]
    async fn project_id_override_applies_to_every_source() {
        let env = StaticEnvironment::new()
            .with_var("HUAWEICLOUD_SDK_AK", "a")
            .with_var("HUAWEICLOUD_SDK_SK", "s")
            .with_var("HUAWEICLOUD_SDK_PROJECT_ID", "env-project");
        let c = HuaweiDefaultChain::with_environment(env)
            .with_project_id("chosen")
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(c.project_id.as_deref(), Some("chosen"));

        let home = TempHome::new("hw-override");
        home.write(".huaweicloud/credentials", PROFILE);
        let c =
            HuaweiDefaultChain::with_environment(StaticEnvironment::new().with_home(home.path()))
                .with_project_id("chosen")
                .provide_credentials()
                .await
                .expect("credentials");
        assert_eq!(c.project_id.as_deref(), Some("chosen"));
    }

    #[tokio::test]
    async fn nothing_found_lists_every_place() {
        let home = TempHome::new("hw-nothing");
        let env = StaticEnvironment::new().with_home(home.path());
        let e = missing(
            HuaweiDefaultChain::with_environment(env)
                .provide_credentials()
                .await,
        );
        let file = home.path().join(".huaweicloud").join("credentials");
        assert_eq!(e.vendor, "huaweicloud");
        assert_eq!(
            e.looked_in,
            vec![
                "env HUAWEICLOUD_SDK_AK".to_owned(),
                "env HUAWEICLOUD_SDK_SK".to_owned(),
                format!("file {} [basic] (not found)", file.display()),
            ]
        );
        assert_eq!(e.detail, None);
    }

    #[tokio::test]
    async fn incomplete_or_broken_profiles_are_explained() {
        let cases: [(&str, &[u8], &str); 5] = [
            (
                "no-section",
                b"[global]\nak = a\nsk = s\n",
                "has no [basic] section",
            ),
            (
                "no-sk",
                b"[basic]\nak = a\nproject_id = p\n",
                "of FILE has no sk",
            ),
            (
                "empty-ak",
                b"[basic]\nak =\nsk = s\n",
                "of FILE sets ak to an empty value",
            ),
            (
                "no-header",
                b"ak = a\n[basic]\n",
                "cannot be parsed: line 1: a key before any [section] header",
            ),
            ("not-utf8", &[0x5b, 0xff, 0x5d], "is not UTF-8 text"),
        ];
        for (tag, contents, expected) in cases {
            let home = TempHome::new(&format!("hw-{tag}"));
            let file = home.write(".huaweicloud/credentials", contents);
            let env = StaticEnvironment::new().with_home(home.path());
            let e = missing(
                HuaweiDefaultChain::with_environment(env)
                    .provide_credentials()
                    .await,
            );
            assert_eq!(
                e.looked_in[2],
                format!("file {} [basic]", file.display()),
                "{tag}"
            );
            let detail = e.detail.expect("detail");
            let expected = expected.replace("FILE", &file.display().to_string());
            assert!(detail.contains(&expected), "{tag}: {detail}");
        }
    }

    #[test]
    fn ini_parsing_rules() {
        let ini = Ini::parse(
            "; comment\n[DEFAULT]\nproject_id = default-project\n\n[basic]\n  Ak = a = b  \n# sk = no\nsk:s\nempty =\n",
        )
        .expect("parses");
        assert_eq!(ini.get("basic", "ak"), Some("a = b"));
        assert_eq!(ini.get("basic", "sk"), Some("s"));
        assert_eq!(ini.get("basic", "empty"), Some(""));
        assert_eq!(ini.get("basic", "project_id"), Some("default-project"));
        assert_eq!(ini.get("basic", "security_token"), None);
        assert!(!ini.has_section("Basic"));

        for (text, problem) in [
            (
                "[basic\nak = a\n",
                "line 1: a section header must end with `]`",
            ),
            ("[basic]\njust-a-word\n", "line 2: expected `key = value`"),
            ("[basic]\n= v\n", "line 2: a value without a key"),
            (
                "[basic]\nak = a\nAK = b\n",
                "line 3: a key appears twice in its section",
            ),
            (
                "[basic]\n[basic]\n",
                "line 2: section [basic] appears twice",
            ),
        ] {
            assert_eq!(
                Ini::parse(text).map(|_| ()),
                Err(problem.to_owned()),
                "{text:?}"
            );
        }
    }
}
