//! One builder, every vendor (issue 14 item 1): each vendor's `Client::builder()` is walked
//! over every shared setting, and each setting is shown to take effect on the wire or at
//! `build()`. A setting a vendor lacked (GES had no `user_agent`, `max_body_bytes` or
//! `allow_insecure_http`) would not compile here, and one it ignored would fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::credentials::{
    HuaweiCredentials, NcpCredentials, OcpCredentials, StaticEnvironment,
};
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{DispatchKind, Error, RetryConfig, Timeouts};

/// The frozen signing time of the `clock` case: 2023-11-14T22:13:20Z.
const SIGNED_AT_SECS: u64 = 1_700_000_000;

fn fast_retry(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_jitter(false)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(1))
}

fn dispatch_kind(result: &Result<(), Error>) -> Option<DispatchKind> {
    match result {
        Err(Error::Dispatch(d)) => Some(d.kind),
        _ => None,
    }
}

/// Walks one vendor's builder. `$builder` is `Client::builder()` with whatever the vendor
/// needs besides the shared settings (a GES project id); `$credentials` are fixed valid
/// credentials and `$bad_credentials` ones that cannot be sent; `$probe` sends one read;
/// `$env` sets the vendor's credential variables to the access key `ENVKEY`;
/// `$clock_header` is where the signing time shows, and how.
macro_rules! walk_builder {
    (
        $test:ident,
        builder: $builder:expr,
        credentials: $credentials:expr,
        bad_credentials: $bad_credentials:expr,
        env: [$(($var:expr, $value:expr)),* $(,)?],
        clock_header: ($clock_header:expr, $clock_value:expr),
        probe: $probe:path $(,)?
    ) => {
        #[tokio::test]
        async fn $test() {
            let quick = || {
                $builder
                    .credentials($credentials)
                    .retry(fast_retry(1))
                    .timeouts(Timeouts::new(Duration::from_secs(2), Duration::from_secs(2)))
            };

            // endpoint + user_agent: the server sees the caller's User-Agent.
            let server = ScriptedServer::start(vec![Step::status(400, "{}")]).await;
            let client = quick()
                .endpoint(&server.base_url)
                .user_agent("builder-walk/1")
                .build()
                .unwrap();
            let _ = $probe(&client).await;
            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            assert_eq!(requests[0].header("user-agent"), Some("builder-walk/1"));

            // clock: the signature carries the frozen time.
            let server = ScriptedServer::start(vec![Step::status(400, "{}")]).await;
            let frozen = SystemTime::UNIX_EPOCH + Duration::from_secs(SIGNED_AT_SECS);
            let client = quick()
                .endpoint(&server.base_url)
                .clock(Arc::new(SteppingClock::frozen(frozen)))
                .build()
                .unwrap();
            let _ = $probe(&client).await;
            assert_eq!(
                server.requests()[0].header($clock_header),
                Some($clock_value),
                "signing time"
            );

            // max_body_bytes: a longer answer is refused.
            let long = format!("{{\"padding\":\"{}\"}}", "x".repeat(256));
            let server = ScriptedServer::start(vec![Step::ok(&long)]).await;
            let client = quick()
                .endpoint(&server.base_url)
                .max_body_bytes(64)
                .build()
                .unwrap();
            let result = $probe(&client).await;
            assert_eq!(dispatch_kind(&result), Some(DispatchKind::BodyTooLarge), "{result:?}");

            // retry: a throttled read is tried exactly as often as configured.
            for attempts in [1, 3] {
                let server = ScriptedServer::start(vec![Step::status(429, "{}")]).await;
                let client = quick()
                    .endpoint(&server.base_url)
                    .retry(fast_retry(attempts))
                    .build()
                    .unwrap();
                assert!($probe(&client).await.is_err());
                assert_eq!(server.requests().len() as u32, attempts, "retry");
            }

            // timeouts: an answer slower than the attempt timeout is a timeout.
            let server =
                ScriptedServer::start(vec![Step::Stall(Duration::from_secs(3))]).await;
            let client = quick()
                .endpoint(&server.base_url)
                .timeouts(Timeouts::new(
                    Duration::from_secs(1),
                    Duration::from_millis(200),
                ))
                .build()
                .unwrap();
            let result = $probe(&client).await;
            assert_eq!(dispatch_kind(&result), Some(DispatchKind::Timeout), "{result:?}");

            // allow_insecure_http: plain HTTP to a remote host only when allowed.
            let remote = "http://backup.example.com:8080";
            let refused = quick().endpoint(remote).build();
            assert!(
                matches!(&refused, Err(Error::Config(m)) if m.contains("plain http")),
                "{:?}",
                refused.err()
            );
            assert!(quick().endpoint(remote).allow_insecure_http(true).build().is_ok());

            // add_root_certificate_pem: a PEM without a certificate fails build.
            let bad_pem = quick()
                .endpoint(remote)
                .allow_insecure_http(true)
                .add_root_certificate_pem("not a certificate")
                .build();
            assert!(matches!(bad_pem, Err(Error::Config(_))), "{:?}", bad_pem.err());

            // credentials: fixed ones that cannot be sent fail build.
            let bad = $builder
                .endpoint("https://backup.example.com")
                .credentials($bad_credentials)
                .build();
            assert!(matches!(bad, Err(Error::InvalidCredentials(_))), "{:?}", bad.err());

            // environment: without credentials, the default chain reads the builder's
            // environment, not the process's.
            let server = ScriptedServer::start(vec![Step::status(400, "{}")]).await;
            let env = StaticEnvironment::new()$(.with_var($var, $value))*;
            let client = $builder
                .endpoint(&server.base_url)
                .environment(env)
                .retry(fast_retry(1))
                .build()
                .unwrap();
            let _ = $probe(&client).await;
            let requests = server.requests();
            assert_eq!(requests.len(), 1);
            let sent_key = requests[0]
                .headers
                .iter()
                .any(|(_, value)| value.contains("ENVKEY"));
            assert!(sent_key, "the environment's key was not used: {:?}", requests[0].headers);
        }
    };
}

async fn probe_vhadoop(client: &ncp_vhadoop::Client) -> Result<(), Error> {
    client
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no("1")
        .send()
        .await
        .map(drop)
}

async fn probe_vcache(client: &ncp_vcache::vcache::Client) -> Result<(), Error> {
    client
        .get_cloud_cache_manual_backup_detail_list()
        .cloud_cache_instance_no("1")
        .send()
        .await
        .map(drop)
}

async fn probe_vredis(client: &ncp_vcache::vredis::Client) -> Result<(), Error> {
    client
        .get_cloud_redis_manual_backup_detail_list()
        .cloud_redis_instance_no("1")
        .send()
        .await
        .map(drop)
}

async fn probe_ocp(client: &ocp_ob_backup::Client) -> Result<(), Error> {
    client.get_backup_strategy().id(1).send().await.map(drop)
}

async fn probe_ges(client: &hw_ges_backup::Client) -> Result<(), Error> {
    client
        .show_job()
        .graph_id("g1")
        .job_id("j1")
        .send()
        .await
        .map(drop)
}

const NCP_ENV: [(&str, &str); 2] = [
    ("NCLOUD_ACCESS_KEY_ID", "ENVKEY"),
    ("NCLOUD_SECRET_ACCESS_KEY", "env-secret"),
];

walk_builder!(
    ncp_vhadoop_builder_applies_every_setting,
    builder: ncp_vhadoop::Client::builder(),
    credentials: NcpCredentials::new("ak", "sk"),
    bad_credentials: NcpCredentials::new("a\nk", "sk"),
    env: [(NCP_ENV[0].0, NCP_ENV[0].1), (NCP_ENV[1].0, NCP_ENV[1].1)],
    clock_header: ("x-ncp-apigw-timestamp", "1700000000000"),
    probe: probe_vhadoop,
);

walk_builder!(
    ncp_vcache_builder_applies_every_setting,
    builder: ncp_vcache::vcache::Client::builder(),
    credentials: NcpCredentials::new("ak", "sk"),
    bad_credentials: NcpCredentials::new("a\nk", "sk"),
    env: [(NCP_ENV[0].0, NCP_ENV[0].1), (NCP_ENV[1].0, NCP_ENV[1].1)],
    clock_header: ("x-ncp-apigw-timestamp", "1700000000000"),
    probe: probe_vcache,
);

walk_builder!(
    ncp_vredis_builder_applies_every_setting,
    builder: ncp_vcache::vredis::Client::builder(),
    credentials: NcpCredentials::new("ak", "sk"),
    bad_credentials: NcpCredentials::new("a\nk", "sk"),
    env: [(NCP_ENV[0].0, NCP_ENV[0].1), (NCP_ENV[1].0, NCP_ENV[1].1)],
    clock_header: ("x-ncp-apigw-timestamp", "1700000000000"),
    probe: probe_vredis,
);

walk_builder!(
    ocp_builder_applies_every_setting,
    builder: ocp_ob_backup::Client::builder(),
    credentials: OcpCredentials::access_key("ak", "sk"),
    bad_credentials: OcpCredentials::access_key("a\nk", "sk"),
    env: [("OCP_ACCESS_KEY_ID", "ENVKEY"), ("OCP_ACCESS_KEY_SECRET", "env-secret")],
    clock_header: ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
    probe: probe_ocp,
);

walk_builder!(
    ges_builder_applies_every_setting,
    builder: hw_ges_backup::Client::builder().project_id("p1"),
    credentials: HuaweiCredentials::new("ak", "sk"),
    bad_credentials: HuaweiCredentials::new("a\nk", "sk"),
    env: [("HUAWEICLOUD_SDK_AK", "ENVKEY"), ("HUAWEICLOUD_SDK_SK", "env-secret")],
    clock_header: ("x-sdk-date", "20231114T221320Z"),
    probe: probe_ges,
);

async fn probe_object_storage(
    client: &ncp_vcache::object_storage::ObjectStorageClient,
) -> Result<(), Error> {
    client.list_objects_v2("bucket").send().await.map(drop)
}

walk_builder!(
    ncp_object_storage_builder_applies_every_setting,
    builder: ncp_vcache::object_storage::ObjectStorageClient::builder(),
    credentials: NcpCredentials::new("ak", "sk"),
    bad_credentials: NcpCredentials::new("a\nk", "sk"),
    env: [(NCP_ENV[0].0, NCP_ENV[0].1), (NCP_ENV[1].0, NCP_ENV[1].1)],
    clock_header: ("x-amz-date", "20231114T221320Z"),
    probe: probe_object_storage,
);
