//! The credential sources through the public API: chains, a caller's own provider, caching,
//! and that no secret reaches `Debug`, `Display` or an error.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use backup_core::credentials::{
    BoxFuture, CachedProvider, HuaweiCredentials, HuaweiDefaultChain, NcpCredentials,
    NcpDefaultChain, OcpCredentials, OcpEnvironmentProvider, ProcessEnvironment,
    ProvideCredentials, SecretString, SharedProvider, StaticEnvironment,
};
use backup_core::{CredentialsError, Error};

const SECRET: &str = "s3cr3t-VALUE-never-shown";
const TOKEN: &str = "t0ken-VALUE-never-shown";

/// A unique temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "backup-core-credentials-it-{tag}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
        std::fs::write(&path, contents).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn missing<T: std::fmt::Debug>(result: Result<T, Error>) -> CredentialsError {
    match result {
        Err(Error::MissingCredentials(e)) => e,
        other => panic!("expected missing credentials, got {other:?}"),
    }
}

fn assert_hidden(what: &str, shown: &str) {
    for secret in [SECRET, TOKEN] {
        assert!(!shown.contains(secret), "{what} shows a secret: {shown}");
    }
}

#[test]
fn debug_of_credentials_never_shows_secrets() {
    let secret = SecretString::new(SECRET);
    assert_eq!(format!("{secret:?}"), "[redacted]");
    assert_eq!(format!("{secret}"), "[redacted]");
    assert_hidden(
        "NcpCredentials",
        &format!("{:?}", NcpCredentials::new("AKID", SECRET)),
    );
    assert_hidden(
        "HuaweiCredentials",
        &format!(
            "{:?}",
            HuaweiCredentials::new("AKID", SECRET)
                .with_project_id("project")
                .with_security_token(TOKEN)
        ),
    );
    assert_hidden(
        "OcpCredentials::AccessKey",
        &format!("{:?}", OcpCredentials::access_key("AKID", SECRET)),
    );
    assert_hidden(
        "OcpCredentials::Basic",
        &format!("{:#?}", OcpCredentials::basic("admin", SECRET)),
    );
}

fn secret_environment(home: &Path) -> StaticEnvironment {
    StaticEnvironment::new()
        .with_home(home)
        .with_var("NCLOUD_ACCESS_KEY_ID", "AKID")
        .with_var("NCLOUD_SECRET_KEY", SECRET)
        .with_var("HUAWEICLOUD_SDK_AK", "AKID")
        .with_var("HUAWEICLOUD_SDK_SK", SECRET)
        .with_var("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
        .with_var("OCP_ACCESS_KEY_ID", "AKID")
        .with_var("OCP_ACCESS_KEY_SECRET", SECRET)
        .with_var("OCP_PASSWORD", SECRET)
}

#[tokio::test]
async fn debug_of_providers_never_shows_secrets() {
    let home = TempDir::new("debug");
    let env = secret_environment(home.path());
    assert_hidden("StaticEnvironment", &format!("{env:?}"));
    assert_hidden("ProcessEnvironment", &format!("{:?}", ProcessEnvironment));

    let ncp = CachedProvider::new(NcpDefaultChain::with_environment(env.clone()));
    let huawei = CachedProvider::new(HuaweiDefaultChain::with_environment(env.clone()));
    let ocp = CachedProvider::new(OcpEnvironmentProvider::with_environment(env));
    // Resolve first, so that the caches hold the secrets while they are printed.
    let n = ncp.provide_credentials().await.expect("ncp");
    let h = huawei.provide_credentials().await.expect("huawei");
    let o = ocp.provide_credentials().await.expect("ocp");
    assert_eq!(n.secret_key.expose_secret(), SECRET);
    assert_eq!(
        h.security_token.as_ref().map(SecretString::expose_secret),
        Some(TOKEN)
    );
    assert_eq!(o, OcpCredentials::access_key("AKID", SECRET));

    for (what, shown) in [
        ("NcpDefaultChain", format!("{ncp:?} {ncp:#?}")),
        ("HuaweiDefaultChain", format!("{huawei:?} {huawei:#?}")),
        ("OcpEnvironmentProvider", format!("{ocp:?} {ocp:#?}")),
        ("resolved credentials", format!("{n:?} {h:?} {o:?}")),
    ] {
        assert_hidden(what, &shown);
    }
    assert!(format!("{ncp:?}").contains("NCLOUD_SECRET_KEY"));
}

#[tokio::test]
async fn errors_never_show_secrets_found_on_the_way() {
    let home = TempDir::new("error-secrets");
    home.write(
        ".ncloud/configure",
        &format!("ncloud_secret_access_key = {SECRET}\n"),
    );
    home.write(
        ".huaweicloud/credentials",
        &format!("[basic]\nsk = {SECRET}\nsecurity_token = {TOKEN}\n{SECRET}\n"),
    );
    let env = StaticEnvironment::new()
        .with_home(home.path())
        .with_var("NCLOUD_SECRET_ACCESS_KEY", SECRET)
        .with_var("HUAWEICLOUD_SDK_SK", SECRET)
        .with_var("OCP_PASSWORD", SECRET)
        .with_var("OCP_ACCESS_KEY_SECRET", SECRET);
    let errors = [
        Error::from(missing(
            NcpDefaultChain::with_environment(env.clone())
                .provide_credentials()
                .await,
        )),
        Error::from(missing(
            HuaweiDefaultChain::with_environment(env.clone())
                .provide_credentials()
                .await,
        )),
        Error::from(missing(
            OcpEnvironmentProvider::with_environment(env)
                .provide_credentials()
                .await,
        )),
    ];
    for error in errors {
        assert_hidden("error", &format!("{error} {error:?}"));
        assert!(!error.may_have_been_sent());
        assert!(!error.is_retryable());
    }
}

#[tokio::test]
async fn display_of_the_error_lists_every_place() {
    let home = TempDir::new("display");
    let hw_file = home.write("custom/hw.ini", "[global]\nak = a\nsk = b\n");
    let env = StaticEnvironment::new().with_home(home.path()).with_var(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        hw_file.to_string_lossy(),
    );
    let ncp_file = home.path().join(".ncloud").join("configure");

    let ncp = NcpDefaultChain::with_environment(env.clone())
        .provide_credentials()
        .await
        .expect_err("no ncp credentials");
    assert_eq!(
        ncp.to_string(),
        format!(
            "no ncp credentials found; looked in: env NCLOUD_ACCESS_KEY_ID/NCLOUD_ACCESS_KEY, \
             env NCLOUD_SECRET_ACCESS_KEY/NCLOUD_SECRET_KEY, file {} (not found)",
            ncp_file.display()
        )
    );

    let huawei = HuaweiDefaultChain::with_environment(env.clone())
        .provide_credentials()
        .await
        .expect_err("no huawei credentials");
    assert_eq!(
        huawei.to_string(),
        format!(
            "no huaweicloud credentials found; looked in: env HUAWEICLOUD_SDK_AK, \
             env HUAWEICLOUD_SDK_SK, file {0} [basic] (from HUAWEICLOUD_SDK_CREDENTIALS_FILE) \
             ({0} has no [basic] section)",
            hw_file.display()
        )
    );

    let ocp = OcpEnvironmentProvider::with_environment(env)
        .provide_credentials()
        .await
        .expect_err("no ocp credentials");
    assert_eq!(
        ocp.to_string(),
        "no ocp credentials found; looked in: env OCP_ACCESS_KEY_ID, env OCP_ACCESS_KEY_SECRET, \
         env OCP_USERNAME, env OCP_PASSWORD"
    );
}

#[tokio::test]
async fn chains_read_files_from_the_given_home() {
    let home = TempDir::new("files");
    home.write(
        ".ncloud/configure",
        "[DEFAULT]\nncloud_access_key_id = ncp-id\nncloud_secret_access_key = ncp-secret\n",
    );
    home.write(
        ".huaweicloud/credentials",
        "[basic]\nak = hw-ak\nsk = hw-sk\nproject_id = hw-project\n",
    );
    let env = StaticEnvironment::new().with_home(home.path());
    assert_eq!(
        NcpDefaultChain::with_environment(env.clone())
            .provide_credentials()
            .await
            .expect("ncp"),
        NcpCredentials::new("ncp-id", "ncp-secret")
    );
    assert_eq!(
        HuaweiDefaultChain::with_environment(env)
            .provide_credentials()
            .await
            .expect("huawei"),
        HuaweiCredentials::new("hw-ak", "hw-sk").with_project_id("hw-project")
    );
}

/// A caller's own source: counts its calls.
#[derive(Debug, Default)]
struct Vault {
    calls: AtomicUsize,
}

impl ProvideCredentials for Vault {
    type Credentials = NcpCredentials;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<NcpCredentials, Error>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(NcpCredentials::new("vault-id", "vault-secret"))
        })
    }
}

#[tokio::test]
async fn a_caller_can_plug_in_a_source_and_cache_it() {
    let cached = CachedProvider::new(Vault::default());
    for _ in 0..3 {
        let c = cached.provide_credentials().await.expect("vault");
        assert_eq!(c.access_key_id, "vault-id");
    }
    assert!(format!("{cached:?}").contains("calls: 1"));

    let providers: Vec<SharedProvider<NcpCredentials>> = vec![
        Arc::new(Vault::default()),
        Arc::new(NcpCredentials::new("static-id", "static-secret")),
        Arc::new(NcpDefaultChain::with_environment(
            StaticEnvironment::new()
                .with_var("NCLOUD_ACCESS_KEY", "env-id")
                .with_var("NCLOUD_SECRET_KEY", "env-secret"),
        )),
    ];
    let mut ids = Vec::new();
    for provider in &providers {
        ids.push(
            provider
                .provide_credentials()
                .await
                .expect("provider")
                .access_key_id,
        );
    }
    assert_eq!(ids, ["vault-id", "static-id", "env-id"]);
}

#[tokio::test]
async fn cached_chain_does_not_cache_failures() {
    let home = TempDir::new("cache-failure");
    let cached = CachedProvider::new(NcpDefaultChain::with_environment(
        StaticEnvironment::new().with_home(home.path()),
    ));
    assert!(cached.provide_credentials().await.is_err());
    home.write(
        ".ncloud/configure",
        "ncloud_access_key_id = later-id\nncloud_secret_access_key = later-secret\n",
    );
    let c = cached.provide_credentials().await.expect("found on retry");
    assert_eq!(c.access_key_id, "later-id");
}

/// A value that would add a header if it were written raw.
const INJECTING: &str = "AKID-start\r\nX-Injected: 1";

/// The error of credentials that were found but cannot be sent: typed, naming the vendor,
/// the field and where it came from, never the value, and not worth retrying.
fn assert_unusable(error: &Error, vendor: &str, field: &str, origin: &str) {
    let shown = error.to_string();
    match error {
        Error::InvalidCredentials(e) => {
            assert_eq!(e.vendor, vendor, "{shown}");
            assert_eq!(e.field, field, "{shown}");
        }
        other => panic!("expected invalid credentials, got {other:?}"),
    }
    assert!(!error.is_retryable(), "{shown}");
    assert!(!error.may_have_been_sent(), "{shown}");
    assert!(shown.contains(vendor) && shown.contains(field), "{shown}");
    assert!(shown.contains(origin), "{shown}");
    assert!(!shown.contains("credentials found"), "{shown}");
    assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown}");
    let debug = format!("{error:?}");
    for part in ["AKID-start", "X-Injected", SECRET, TOKEN] {
        assert!(!shown.contains(part), "Display shows {part}: {shown}");
        assert!(!debug.contains(part), "Debug shows {part}: {debug}");
    }
}

#[tokio::test]
async fn ncp_chain_refuses_an_access_key_with_crlf_from_env_or_file() {
    let env = StaticEnvironment::new()
        .with_var("NCLOUD_ACCESS_KEY_ID", INJECTING)
        .with_var("NCLOUD_SECRET_KEY", SECRET);
    let error = NcpDefaultChain::with_environment(env)
        .provide_credentials()
        .await
        .expect_err("an access key with CR LF must not be provided");
    assert_unusable(&error, "ncp", "access_key_id", "env NCLOUD_ACCESS_KEY_ID");

    let home = TempDir::new("ncp-crlf");
    let file = home.write(
        ".ncloud/configure",
        &format!("ncloud_access_key_id = AKID-start\rX-Injected: 1\nncloud_secret_access_key = {SECRET}\n"),
    );
    let error = NcpDefaultChain::with_environment(StaticEnvironment::new().with_home(home.path()))
        .provide_credentials()
        .await
        .expect_err("an access key with CR must not be provided");
    assert_unusable(
        &error,
        "ncp",
        "access_key_id",
        &format!("file {}", file.display()),
    );
}

#[tokio::test]
async fn huawei_chain_refuses_a_security_token_with_lf_and_an_ak_with_nul() {
    let env = StaticEnvironment::new()
        .with_var("HUAWEICLOUD_SDK_AK", "AKEXAMPLE")
        .with_var("HUAWEICLOUD_SDK_SK", SECRET)
        .with_var(
            "HUAWEICLOUD_SDK_SECURITY_TOKEN",
            "AKID-start\nX-Injected: 1",
        );
    let error = HuaweiDefaultChain::with_environment(env)
        .provide_credentials()
        .await
        .expect_err("a security token with LF must not be provided");
    assert_unusable(
        &error,
        "huaweicloud",
        "security_token",
        "env HUAWEICLOUD_SDK_SECURITY_TOKEN",
    );

    let home = TempDir::new("hw-nul");
    home.write(
        ".huaweicloud/credentials",
        &format!("[basic]\nak = AKID-start\u{0}X-Injected\nsk = {SECRET}\n"),
    );
    let error =
        HuaweiDefaultChain::with_environment(StaticEnvironment::new().with_home(home.path()))
            .provide_credentials()
            .await
            .expect_err("an AK with NUL must not be provided");
    assert_unusable(&error, "huaweicloud", "access_key_id", "[basic]");
}

#[tokio::test]
async fn ocp_provider_refuses_an_access_key_id_with_a_control_byte() {
    let env = StaticEnvironment::new()
        .with_var("OCP_ACCESS_KEY_ID", "AKID-start\u{1b}X-Injected")
        .with_var("OCP_ACCESS_KEY_SECRET", SECRET)
        .with_var("OCP_USERNAME", "admin")
        .with_var("OCP_PASSWORD", SECRET);
    let error = OcpEnvironmentProvider::with_environment(env)
        .provide_credentials()
        .await
        .expect_err("an access key id with ESC must not be provided");
    assert_unusable(&error, "ocp", "access_key_id", "env OCP_ACCESS_KEY_ID");
}

#[test]
fn header_values_follow_the_http_crate_rules() {
    use backup_core::credentials::check_header_value;
    for fine in [
        "AKIDEXAMPLE",
        "with space",
        "tab\there",
        "obs-text-é",
        "~!@#$%^&*()",
    ] {
        assert!(
            check_header_value("ncp", "access_key_id", fine).is_ok(),
            "{fine:?}"
        );
    }
    for (bad, problem) in [
        ("a\rb", "carriage return"),
        ("a\nb", "line feed"),
        ("a\0b", "NUL"),
        ("a\u{7f}b", "control character"),
        ("a\u{1}b", "control character"),
        ("", "empty"),
    ] {
        let error = check_header_value("ncp", "access_key_id", bad).expect_err(bad);
        assert!(error.problem.contains(problem), "{bad:?}: {error}");
        assert_eq!(error.field, "access_key_id");
    }
}

/// A caller's source that hands out whatever it holds, unchecked.
#[derive(Debug)]
struct Unchecked<C>(C);

impl<C: Clone + Send + Sync + std::fmt::Debug + 'static> ProvideCredentials for Unchecked<C> {
    type Credentials = C;

    fn provide_credentials(&self) -> BoxFuture<'_, Result<C, Error>> {
        let credentials = self.0.clone();
        Box::pin(async move { Ok(credentials) })
    }
}

#[derive(Debug)]
struct UncheckedToken(&'static str);

impl backup_core::sign::ProvideToken for UncheckedToken {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let token = SecretString::new(self.0);
        Box::pin(async move { Ok(token) })
    }
}

/// The signers are the last guard: whatever a caller's provider returns, a value a header
/// cannot carry never reaches the request.
#[tokio::test]
async fn signers_refuse_unusable_values_from_any_provider() {
    use backup_core::sign::{
        HuaweiAkSkSigner, HuaweiTokenAuth, NcpSigner, OcpSigner, Sign, SigningContext,
    };
    use backup_core::{HttpRequest, Method};

    let context = SigningContext {
        now: std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        host: "example.com".into(),
    };
    let signers: Vec<(Box<dyn Sign>, &str, &str)> = vec![
        (
            Box::new(NcpSigner::new(Unchecked(NcpCredentials::new(
                INJECTING, SECRET,
            )))),
            "ncp",
            "access_key_id",
        ),
        (
            Box::new(HuaweiAkSkSigner::new(Unchecked(
                HuaweiCredentials::new("AKEXAMPLE", SECRET).with_security_token(INJECTING),
            ))),
            "huaweicloud",
            "security_token",
        ),
        (
            Box::new(HuaweiTokenAuth::new(UncheckedToken(INJECTING))),
            "huaweicloud",
            "X-Auth-Token",
        ),
        (
            Box::new(OcpSigner::new(Unchecked(OcpCredentials::access_key(
                INJECTING, SECRET,
            )))),
            "ocp",
            "access_key_id",
        ),
    ];
    for (signer, vendor, field) in signers {
        let mut request = HttpRequest::new(Method::Get, "/x");
        let error = signer
            .sign(&mut request, &context)
            .await
            .expect_err("an unusable value must not be signed");
        assert_unusable(&error, vendor, field, "");
        assert!(
            request.headers.iter().all(|(_, v)| !v.contains('\n')),
            "{vendor} {field}: a raw value reached the request"
        );
    }
}
