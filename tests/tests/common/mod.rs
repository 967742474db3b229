//! What every integration test shares: an emulator with short backups, and each vendor's
//! public client pointed at it with fast (but otherwise standard) retries and short waiter
//! intervals, so that every loop is bounded and no test takes more than about two seconds.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use backup_core::credentials::{
    HuaweiCredentials, NcpCredentials, OcpCredentials, StaticEnvironment,
};
use backup_core::protocol::ncp::{FromGateway, GatewayBuilder};
use backup_core::{Error, RetryConfig, ServiceErrorKind, Timeouts, WaitConfig};
use backup_emulator::config::{defaults, demo};
use backup_emulator::{EmulatorBuilder, EmulatorHandle};

/// How long an emulated backup takes to finish.
pub const BACKUP_DURATION: Duration = Duration::from_millis(300);

/// The demo resources every test uses.
pub const HADOOP: &str = demo::HADOOP_INSTANCE_NO;
/// The demo Cloud DB for Cache instance.
pub const CACHE: &str = demo::CACHE_INSTANCE_NO;
/// The demo Cloud DB for Redis instance.
pub const REDIS: &str = demo::REDIS_INSTANCE_NO;
/// The demo OCP cluster.
pub const OCP_CLUSTER: i64 = demo::OCP_CLUSTER_ID;
/// The demo OCP tenant.
pub const OCP_TENANT: i64 = demo::OCP_TENANT_ID;
/// The demo GES graph.
pub const GRAPH: &str = demo::GES_GRAPH_ID;
/// The project of the default Huawei credentials.
pub const PROJECT: &str = defaults::HUAWEI_PROJECT_ID;

/// A secret the emulator does not accept.
pub const WRONG_SECRET: &str = "not-the-secret";

/// Starts `builder` (normally `Emulator::demo()` plus faults or throttles) with short backups.
pub async fn start(builder: EmulatorBuilder) -> EmulatorHandle {
    builder
        .backup_duration(BACKUP_DURATION)
        .start()
        .await
        .expect("the emulator binds a loopback port")
}

/// The standard retry policy (3 attempts, jitter, budget) with short base delays: a
/// server's `Retry-After` still sets the floor of every delay.
pub fn retry() -> RetryConfig {
    RetryConfig::standard().with_backoff(Duration::from_millis(20), Duration::from_millis(20))
}

/// Short timeouts: nothing on loopback takes longer unless a fault says so.
pub fn timeouts() -> Timeouts {
    Timeouts::new(Duration::from_secs(2), Duration::from_secs(5))
}

/// Polls every 25 ms growing to 100 ms, for at most 10 s.
pub fn wait() -> WaitConfig {
    WaitConfig::default()
        .with_intervals(Duration::from_millis(25), Duration::from_millis(100))
        .with_timeout(Duration::from_secs(10))
}

/// An NCP client (`ncp_vhadoop::Client::builder()`, `vcache::Client::builder()`, ...) for
/// the emulator, signing with the default access key and `secret`.
pub fn ncp<C: FromGateway>(builder: GatewayBuilder<C>, emu: &EmulatorHandle, secret: &str) -> C {
    builder
        .endpoint(emu.base_url())
        .credentials(NcpCredentials::new(defaults::NCP_ACCESS_KEY, secret))
        .environment(StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .build()
        .unwrap()
}

/// A Cloud Hadoop client with the right secret.
pub fn vhadoop(emu: &EmulatorHandle) -> ncp_vhadoop::Client {
    ncp(
        ncp_vhadoop::Client::builder(),
        emu,
        defaults::NCP_SECRET_KEY,
    )
}

/// A `/vcache/v2/` client with the right secret.
pub fn vcache(emu: &EmulatorHandle) -> ncp_vcache::vcache::Client {
    ncp(
        ncp_vcache::vcache::Client::builder(),
        emu,
        defaults::NCP_SECRET_KEY,
    )
}

/// A `/vredis/v2/` client with the right secret.
pub fn vredis(emu: &EmulatorHandle) -> ncp_vcache::vredis::Client {
    ncp(
        ncp_vcache::vredis::Client::builder(),
        emu,
        defaults::NCP_SECRET_KEY,
    )
}

/// An OCP client with these credentials.
pub fn ocp(emu: &EmulatorHandle, credentials: OcpCredentials) -> ocp_ob_backup::Client {
    ocp_ob_backup::Client::builder()
        .endpoint(emu.base_url())
        .credentials(credentials)
        .retry(retry())
        .timeouts(timeouts())
        .build()
        .unwrap()
}

/// OCP `OCP-ACCESS-KEY-HMACSHA1` with the default access key and `secret`.
pub fn ocp_hmac(emu: &EmulatorHandle, secret: &str) -> ocp_ob_backup::Client {
    ocp(
        emu,
        OcpCredentials::access_key(defaults::OCP_ACCESS_KEY_ID, secret),
    )
}

/// OCP HTTP Basic with the default user and `password`.
pub fn ocp_basic(emu: &EmulatorHandle, password: &str) -> ocp_ob_backup::Client {
    ocp(emu, OcpCredentials::basic(defaults::OCP_USER, password))
}

/// A GES client signing `SDK-HMAC-SHA256` with the default AK and `secret`.
pub fn ges_aksk(emu: &EmulatorHandle, secret: &str) -> hw_ges_backup::Client {
    ges_aksk_with(emu, secret, retry(), timeouts())
}

/// [`ges_aksk`] with other retries or timeouts.
pub fn ges_aksk_with(
    emu: &EmulatorHandle,
    secret: &str,
    retry: RetryConfig,
    timeouts: Timeouts,
) -> hw_ges_backup::Client {
    hw_ges_backup::Client::builder()
        .endpoint(emu.base_url())
        .project_id(PROJECT)
        .credentials(HuaweiCredentials::new(defaults::HUAWEI_ACCESS_KEY, secret))
        .environment(StaticEnvironment::new())
        .retry(retry)
        .timeouts(timeouts)
        .build()
        .unwrap()
}

/// A GES client authenticating with IAM tokens that an [`hw_ges_backup::IamTokenProvider`]
/// obtains from the emulator's `POST /v3/auth/tokens` for the default user and `password`.
pub fn ges_iam(emu: &EmulatorHandle, password: &str) -> hw_ges_backup::Client {
    let token = hw_ges_backup::IamTokenProvider::builder()
        .endpoint(emu.base_url())
        .user_name(defaults::HUAWEI_USER)
        .password(password)
        .domain_name(defaults::HUAWEI_DOMAIN)
        .project_name(defaults::HUAWEI_PROJECT_NAME)
        .build()
        .unwrap();
    hw_ges_backup::Client::builder()
        .endpoint(emu.base_url())
        .project_id(PROJECT)
        .token(token)
        .environment(StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .build()
        .unwrap()
}

/// Asserts that `err` is the vendor's authentication error: an [`Error::Service`] of kind
/// [`ServiceErrorKind::Authentication`] with HTTP `status` and vendor code `code`.
pub fn assert_auth_error(err: &Error, status: u16, code: &str) {
    assert!(
        matches!(err, Error::Service(_)),
        "expected a service error, got {err:?}"
    );
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication),
        "{err}"
    );
    assert_eq!(err.http_status(), Some(status), "{err}");
    assert_eq!(err.code(), Some(code), "{err}");
    assert!(!err.is_retryable(), "{err}");
    assert!(!err.is_ambiguous_outcome(), "{err}");
}
