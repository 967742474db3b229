//! What the hostile-server tests share: the raw server ([`server`]), each vendor's public
//! client pointed at it with short attempts, fast retries and a small body cap, credentials
//! whose secrets are long recognisable strings, the calls the tests make, and the check
//! that no secret reaches an error's `Display` or `Debug`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod server;

use std::time::Duration;

use backup_core::credentials::{
    HuaweiCredentials, NcpCredentials, OcpCredentials, StaticEnvironment,
};
use backup_core::{Error, RetryConfig, Timeouts};
// Not every test file uses every helper.
#[allow(unused_imports)]
pub use server::{Act, HostileServer, Reply, head, json, random_bytes, response, xml};

/// The NCP access key id (not a secret, but a header value).
pub const NCP_ACCESS_KEY: &str = "NCPAKHOSTILE0000001";
/// The NCP secret key.
pub const NCP_SECRET: &str = "ncp-secret-HOSTILE-7d1f0c3b9a5e42e8b6";
/// The OCP user of HTTP Basic.
pub const OCP_USER: &str = "ocp-hostile-admin";
/// The OCP password.
pub const OCP_PASSWORD: &str = "ocp-password-HOSTILE-2b8e6a41c9d3f07";
/// The OCP access key id.
pub const OCP_ACCESS_KEY_ID: &str = "ocp-akid-hostile";
/// The OCP access key secret.
pub const OCP_ACCESS_SECRET: &str = "ocp-aksecret-HOSTILE-91c4e7d2a8b5f36";
/// The Huawei access key.
pub const HUAWEI_AK: &str = "HWAKHOSTILE000000001";
/// The Huawei secret key.
pub const HUAWEI_SK: &str = "hw-sk-HOSTILE-5e0a9d3c7b1f4862e4a1";
/// The Huawei temporary-credential security token (`X-Security-Token`).
pub const HUAWEI_TOKEN: &str = "hw-security-token-HOSTILE-c3f8a0e6d2b94175";
/// The `accessKeySecret` of the object storage an OCP backup is written to.
pub const STORAGE_SECRET: &str = "Zq7Wk2StorageSecretHOSTILE6d2e9f0a4c";
/// The GES project in every request path.
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
/// The GES graph.
pub const GRAPH: &str = "graph-hostile";
/// The NCP Cloud DB for Cache instance.
pub const CACHE: &str = "1234567";
/// The OCP cluster.
pub const OCP_CLUSTER: i64 = 7;

/// The response body cap of the NCP and OCP clients: an endless body stops here.
pub const BODY_CAP: usize = 64 * 1024;
/// The per-attempt timeout of every client.
pub const ATTEMPT: Duration = Duration::from_millis(400);
/// The bound on any single test call (3 timed-out attempts and their backoff fit easily).
pub const CALL_BOUND: Duration = Duration::from_secs(10);

/// Every secret the clients hold; none may appear in an error's text.
pub fn secrets() -> Vec<String> {
    vec![
        NCP_SECRET.to_owned(),
        OCP_PASSWORD.to_owned(),
        OCP_ACCESS_SECRET.to_owned(),
        HUAWEI_SK.to_owned(),
        HUAWEI_TOKEN.to_owned(),
        STORAGE_SECRET.to_owned(),
        // What an echoed `Authorization: Basic` header would show.
        backup_core::encoding::base64_encode(format!("{OCP_USER}:{OCP_PASSWORD}").as_bytes()),
    ]
}

/// Asserts that neither `{err}` nor `{err:?}` contains any of [`secrets`].
#[track_caller]
pub fn assert_no_secret(err: &Error) {
    let shown = format!("{err}");
    let debug = format!("{err:?}");
    for secret in secrets() {
        assert!(
            !shown.contains(&secret),
            "Display leaks {secret:?}: {shown}"
        );
        assert!(!debug.contains(&secret), "Debug leaks {secret:?}: {debug}");
    }
}

/// Asserts that neither `{err}` nor `{err:?}` contains any 10 consecutive characters of
/// `secret`: a secret cut at an excerpt or message limit must not leak its first part.
#[track_caller]
pub fn assert_no_secret_fragment(err: &Error, secret: &str) {
    const WINDOW: usize = 10;
    let chars: Vec<char> = secret.chars().collect();
    for text in [format!("{err}"), format!("{err:?}")] {
        for window in chars.windows(WINDOW) {
            let fragment: String = window.iter().collect();
            assert!(
                !text.contains(&fragment),
                "leaks {fragment:?}, part of {secret:?}: {text}"
            );
        }
    }
}

/// Three attempts, 10 ms apart, no jitter: retries are fast and their number exact.
pub fn retry() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(10))
        .with_jitter(false)
}

/// A 500 ms connect timeout and a [`ATTEMPT`] per attempt.
pub fn timeouts() -> Timeouts {
    Timeouts::new(Duration::from_millis(500), ATTEMPT)
}

/// A `/vcache/v2/` client of `server` signing with `secret`.
pub fn vcache_with(
    server: &HostileServer,
    access_key: &str,
    secret: &str,
) -> ncp_vcache::vcache::Client {
    try_vcache_with(server, access_key, secret).unwrap()
}

/// [`vcache_with`], with the build's error: credentials that cannot be sent fail here.
pub fn try_vcache_with(
    server: &HostileServer,
    access_key: &str,
    secret: &str,
) -> Result<ncp_vcache::vcache::Client, Error> {
    ncp_vcache::vcache::Client::builder()
        .endpoint(server.url())
        .credentials(NcpCredentials::new(access_key, secret))
        .environment(StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .max_body_bytes(BODY_CAP)
        .build()
}

/// A `/vcache/v2/` client of `server` with the standard secret.
pub fn vcache(server: &HostileServer) -> ncp_vcache::vcache::Client {
    vcache_with(server, NCP_ACCESS_KEY, NCP_SECRET)
}

/// An OCP client of `server` with `credentials`.
pub fn ocp_with(server: &HostileServer, credentials: OcpCredentials) -> ocp_ob_backup::Client {
    try_ocp_with(server, credentials).unwrap()
}

/// [`ocp_with`], with the build's error: credentials that cannot be sent fail here.
pub fn try_ocp_with(
    server: &HostileServer,
    credentials: OcpCredentials,
) -> Result<ocp_ob_backup::Client, Error> {
    ocp_ob_backup::Client::builder()
        .endpoint(server.url())
        .credentials(credentials)
        .retry(retry())
        .timeouts(timeouts())
        .max_body_bytes(BODY_CAP)
        .build()
}

/// An OCP client of `server` signing `OCP-ACCESS-KEY-HMACSHA1`.
pub fn ocp_hmac(server: &HostileServer) -> ocp_ob_backup::Client {
    ocp_with(
        server,
        OcpCredentials::access_key(OCP_ACCESS_KEY_ID, OCP_ACCESS_SECRET),
    )
}

/// An OCP client of `server` with HTTP Basic.
pub fn ocp_basic(server: &HostileServer) -> ocp_ob_backup::Client {
    ocp_with(server, OcpCredentials::basic(OCP_USER, OCP_PASSWORD))
}

/// A GES client of `server` signing with `credentials`. (The GES builder has no body cap
/// setter: its cap is the 8 MiB default.)
pub fn ges_with(server: &HostileServer, credentials: HuaweiCredentials) -> hw_ges_backup::Client {
    try_ges_with(server, credentials).unwrap()
}

/// [`ges_with`], with the build's error: credentials that cannot be sent fail here.
pub fn try_ges_with(
    server: &HostileServer,
    credentials: HuaweiCredentials,
) -> Result<hw_ges_backup::Client, Error> {
    hw_ges_backup::Client::builder()
        .endpoint(server.url())
        .project_id(PROJECT)
        .credentials(credentials)
        .environment(StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .build()
}

/// A GES client of `server` with temporary credentials (AK/SK and a security token).
pub fn ges(server: &HostileServer) -> hw_ges_backup::Client {
    ges_with(
        server,
        HuaweiCredentials::new(HUAWEI_AK, HUAWEI_SK).with_security_token(HUAWEI_TOKEN),
    )
}

// ---------------------------------------------------------------------------------------
// The calls: one idempotent read and one backup-creating call per vendor

/// Runs `call`, failing the test if it takes longer than [`CALL_BOUND`].
pub async fn bounded<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(CALL_BOUND, call)
        .await
        .expect("the call ends within its bound")
}

/// NCP `getCloudCacheManualBackupDetailList` (a `GET`: idempotent).
pub async fn ncp_read(client: &ncp_vcache::vcache::Client) -> Result<usize, Error> {
    let out = client
        .get_cloud_cache_manual_backup_detail_list()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await?;
    Ok(out.cloud_cache_backup_detail_list.unwrap_or_default().len())
}

/// NCP `createCloudCacheManualBackup` (not idempotent).
pub async fn ncp_create(client: &ncp_vcache::vcache::Client) -> Result<(), Error> {
    client
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .map(drop)
}

/// A successful answer to [`ncp_read`] listing nothing.
pub const NCP_READ_OK: &str = r#"{"getCloudCacheManualBackupDetailListResponse":{"requestId":"req-ok","returnCode":"0","returnMessage":"success","totalRows":0,"cloudCacheBackupDetailList":[]}}"#;
/// A successful answer to [`ncp_create`].
pub const NCP_CREATE_OK: &str = r#"{"createCloudCacheManualBackupResponse":{"requestId":"req-ok","returnCode":"0","returnMessage":"success"}}"#;

/// OCP `getBackupStrategy` (a `GET`: idempotent); returns the strategy's backup mode.
pub async fn ocp_read(client: &ocp_ob_backup::Client) -> Result<Option<String>, Error> {
    let strategy = client.get_backup_strategy().id(OCP_CLUSTER).send().await?;
    Ok(strategy.backup_mode.map(|m| m.as_str().to_owned()))
}

/// The storage configuration a backupNow sends, with [`STORAGE_SECRET`] in it.
pub fn storage_config() -> ocp_ob_backup::BackupStorageConfig {
    serde_json::from_value(serde_json::json!({
        "configName": "hostile-oss",
        "obBackupStorageBaseInfo": {
            "backupStorageType": "BACKUP_STORAGE_OSS",
            "storageUrl": "oss://bucket/backups",
            "ossAccessKey": {
                "accessKeyId": "oss-akid",
                "accessKeySecret": STORAGE_SECRET,
                "endpoint": "oss-cn-hangzhou.aliyuncs.com"
            }
        }
    }))
    .expect("a valid storage configuration")
}

/// OCP `backupNow` (not idempotent), sending [`storage_config`].
pub async fn ocp_create(client: &ocp_ob_backup::Client) -> Result<(), Error> {
    client
        .backup_now()
        .id(OCP_CLUSTER)
        .backup_mode(ocp_ob_backup::BackupMode::PhysicalBackup)
        .data_backup_mode(ocp_ob_backup::DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(storage_config())
        .send()
        .await
        .map(drop)
}

/// A successful answer to [`ocp_read`].
pub const OCP_READ_OK: &str = r#"{"successful":true,"status":200,"traceId":"trace-ok","data":{"id":71,"clusterId":7,"backupMode":"PHYSICAL_BACKUP"}}"#;

/// GES `listGraphBackups` (a `GET`: idempotent); returns how many backups it listed.
pub async fn ges_read(client: &hw_ges_backup::Client) -> Result<usize, Error> {
    let out = client.list_graph_backups().graph_id(GRAPH).send().await?;
    Ok(out.backup_list.unwrap_or_default().len())
}

/// GES `createBackup` (not idempotent).
pub async fn ges_create(client: &hw_ges_backup::Client) -> Result<(), Error> {
    client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .map(drop)
}

/// A successful answer to [`ges_read`] listing nothing.
pub const GES_READ_OK: &str = r#"{"backup_count":0,"backup_list":[]}"#;
