//! Every fault kind, throttling, seeded repeatability and counters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use backup_core::{Method, OperationInfo, RetryConfig, ServiceClient};
use backup_emulator::config::{defaults, demo};
use backup_emulator::{Emulator, Fault, FaultRule, ThrottleRule, ops};
use common::*;
use serde_json::json;

#[tokio::test]
async fn vendor_error_n_times_then_success() {
    let emu = start(
        Emulator::demo()
            .fault(
                FaultRule::new(
                    ops::GES_CREATE_BACKUP,
                    Fault::Error {
                        status: 400,
                        code: "GES.7006".into(),
                        message: "internal error".into(),
                    },
                )
                .times(2),
            )
            .fault(
                FaultRule::new(
                    ops::VCACHE_CREATE_MANUAL_BACKUP,
                    Fault::Error {
                        status: 503,
                        code: "500".into(),
                        message: "Endpoint Error".into(),
                    },
                )
                .times(1),
            ),
    )
    .await;
    let c = client(&emu.base_url(), huawei_signer(), true);
    for _ in 0..2 {
        let r = send(&c, ges_create()).await;
        assert_eq!(r.status, 400);
        assert_eq!(json(&r)["error_code"], "GES.7006");
        assert_eq!(json(&r)["error_msg"], "internal error");
    }
    assert_eq!(send(&c, ges_create()).await.status, 200);
    assert_eq!(emu.backups_created(&ges_key()), 1);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 3);

    let n = client(&emu.base_url(), ncp_signer(), true);
    let form = [("cloudCacheInstanceNo", demo::CACHE_INSTANCE_NO)];
    let r = send(
        &n,
        ncp_post("/vcache/v2/createCloudCacheManualBackup", &form),
    )
    .await;
    assert_eq!(r.status, 503);
    assert_eq!(
        json(&r),
        json!({"error": {"errorCode": "500", "message": "Endpoint Error", "details": ""}})
    );
    assert_eq!(
        send(
            &n,
            ncp_post("/vcache/v2/createCloudCacheManualBackup", &form)
        )
        .await
        .status,
        200
    );
}

async fn statuses_with_seed(seed: u64) -> Vec<u16> {
    let emu = start(
        Emulator::demo().seed(seed).fault(
            FaultRule::new(
                "*",
                Fault::Error {
                    status: 500,
                    code: "1000".into(),
                    message: "Please try your call again later.".into(),
                },
            )
            .probability(0.5),
        ),
    )
    .await;
    let c = client(&emu.base_url(), ncp_signer(), true);
    let mut out = Vec::new();
    for _ in 0..20 {
        let r = send(
            &c,
            ncp_post(
                "/vhadoop/v2/getCloudHadoopInstanceDetail",
                &[
                    ("cloudHadoopInstanceNo", demo::HADOOP_INSTANCE_NO),
                    ("responseFormatType", "json"),
                ],
            ),
        )
        .await;
        if r.status == 500 {
            assert_eq!(json(&r)["responseError"]["returnCode"], "1000");
        }
        out.push(r.status);
    }
    out
}

#[tokio::test]
async fn probabilistic_faults_repeat_with_the_same_seed() {
    let a = statuses_with_seed(11).await;
    let b = statuses_with_seed(11).await;
    assert_eq!(a, b);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    let c = statuses_with_seed(12).await;
    assert_ne!(a, c);
}

#[tokio::test]
async fn latency_is_added() {
    let emu = start(Emulator::demo().fault(FaultRule::new(
        ops::GES_LIST_BACKUPS,
        Fault::Latency { ms: 300 },
    )))
    .await;
    let c = client(&emu.base_url(), huawei_signer(), true);
    let started = Instant::now();
    let r = send(
        &c,
        backup_core::HttpRequest::new(
            Method::Get,
            format!("/v2/{}/graphs/backups", defaults::HUAWEI_PROJECT_ID),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_slow_create_still_creates_after_the_client_gave_up() {
    // A client whose read timeout is shorter than the latency closes the connection; like
    // a real server, the emulator finishes the request anyway, so the backup exists.
    let emu = start(
        Emulator::demo()
            .fault(FaultRule::new(ops::GES_CREATE_BACKUP, Fault::Latency { ms: 400 }).times(1)),
    )
    .await;
    let c = ServiceClient::builder("test")
        .endpoint(emu.base_url())
        .signer(huawei_signer())
        .retry(RetryConfig::disabled())
        .timeouts(backup_core::Timeouts::new(
            Duration::from_secs(2),
            Duration::from_millis(100),
        ))
        .build()
        .unwrap();
    let err = send_create(&c, ges_create()).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert_eq!(emu.backups_created(&ges_key()), 0, "not yet: still waiting");
    eventually(40, || async {
        (emu.backups_created(&ges_key()) == 1).then_some(())
    })
    .await;
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
}

#[tokio::test]
async fn closed_connection_before_processing_is_ambiguous_and_creates_nothing() {
    let emu = start(
        Emulator::demo().fault(
            FaultRule::new(
                ops::GES_CREATE_BACKUP,
                Fault::CloseConnection {
                    after_processing: false,
                },
            )
            .times(1),
        ),
    )
    .await;
    let c = client(&emu.base_url(), huawei_signer(), false);
    let err = send_create(&c, ges_create()).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(emu.backups_created(&ges_key()), 0);
    // The next attempt is answered.
    assert_eq!(send_create(&c, ges_create()).await.unwrap().status, 200);
}

#[tokio::test]
async fn closed_connection_after_processing_leaves_exactly_one_backup() {
    let emu = start(Emulator::demo().fault(FaultRule::new(
        ops::OCP_BACKUP_NOW,
        Fault::CloseConnection {
            after_processing: true,
        },
    )))
    .await;
    // Even with retries enabled, a non-idempotent create is not repeated.
    let c = ServiceClient::builder("ocp")
        .endpoint(emu.base_url())
        .signer(ocp_basic())
        .retry(RetryConfig::standard())
        .build()
        .unwrap();
    let body = json!({
        "backupMode": "PHYSICAL_BACKUP", "dataBackupMode": "FULL_BACKUP",
        "obBackupServiceStorageConfig": {"configName": "c",
            "obBackupStorageBaseInfo": {"backupStorageType": "BACKUP_STORAGE_FILE", "storageUrl": "/b/"}}});
    let err = c
        .send(
            &OperationInfo::non_idempotent("backupNow"),
            json_request(Method::Post, "/api/v2/ob/clusters/1/backup/backupNow", body),
        )
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 1);
    assert_eq!(emu.backups_created(&ops::ocp_cluster_resource(1)), 1);
}

#[tokio::test]
async fn malformed_truncated_and_html_bodies() {
    let emu = start(
        Emulator::demo()
            .fault(FaultRule::new(
                ops::VCACHE_BACKUP_LIST,
                Fault::MalformedBody,
            ))
            .fault(FaultRule::new(
                ops::VREDIS_BACKUP_LIST,
                Fault::TruncatedBody,
            ))
            .fault(FaultRule::new(
                ops::VHADOOP_GET_INSTANCE_DETAIL,
                Fault::HtmlPage { status: 502 },
            )),
    )
    .await;
    let c = client(&emu.base_url(), ncp_signer(), true);
    let json_form = [("responseFormatType", "json")];

    let malformed = send(
        &c,
        ncp_post("/vcache/v2/getCloudCacheBackupList", &json_form),
    )
    .await;
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&malformed.body).is_err());

    let truncated = send(
        &c,
        ncp_post("/vredis/v2/getCloudRedisBackupList", &json_form),
    )
    .await;
    assert_eq!(truncated.status, 200);
    assert!(
        truncated
            .text()
            .starts_with("{\"getCloudRedisBackupListResponse\"")
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&truncated.body).is_err());

    let html = send(
        &c,
        ncp_post(
            "/vhadoop/v2/getCloudHadoopInstanceDetail",
            &[("cloudHadoopInstanceNo", demo::HADOOP_INSTANCE_NO)],
        ),
    )
    .await;
    assert_eq!(html.status, 502);
    assert_eq!(html.header("content-type"), Some("text/html"));
    assert!(html.text().contains("<h1>502 Bad Gateway</h1>"));
}

#[tokio::test]
async fn throttled_run_completes_after_backoff() {
    let emu =
        start(Emulator::demo().throttle(ThrottleRule::new(ops::GES_LIST_BACKUPS, 1, 2.0))).await;
    // Default classifier and retries: 429 is retried after Retry-After (1 s).
    let c = ServiceClient::builder("ges")
        .endpoint(emu.base_url())
        .signer(huawei_signer())
        .build()
        .unwrap();
    let list = || {
        backup_core::HttpRequest::new(
            Method::Get,
            format!("/v2/{}/graphs/backups", defaults::HUAWEI_PROJECT_ID),
        )
    };
    let started = Instant::now();
    for _ in 0..2 {
        c.send(&OperationInfo::idempotent("list"), list())
            .await
            .unwrap();
    }
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(emu.requests(ops::GES_LIST_BACKUPS), 3);

    // The 429 bodies and headers themselves.
    let raw = client(&emu.base_url(), huawei_signer(), true);
    let r = eventually(20, || async {
        let r = send(&raw, list()).await;
        (r.status == 429).then_some(r)
    })
    .await;
    assert_eq!(json(&r)["error_code"], "APIGW.0308");
    assert_eq!(r.header("retry-after"), Some("1"));
}

#[tokio::test]
async fn throttle_bodies_for_ncp_and_ocp() {
    let emu = start(Emulator::demo().throttle(ThrottleRule::new("*", 1, 0.001))).await;
    let n = client(&emu.base_url(), ncp_signer(), true);
    let form = [("responseFormatType", "json")];
    assert_eq!(
        send(&n, ncp_post("/vcache/v2/getCloudCacheBackupList", &form))
            .await
            .status,
        200
    );
    let r = send(&n, ncp_post("/vcache/v2/getCloudCacheBackupList", &form)).await;
    assert_eq!(r.status, 429);
    assert_eq!(json(&r)["error"]["errorCode"], "410");
    assert_eq!(r.header("retry-after"), Some("1"));

    let o = client(&emu.base_url(), ocp_basic(), true);
    let r = send(
        &o,
        backup_core::HttpRequest::new(Method::Get, "/api/v2/tasks/instances/1"),
    )
    .await;
    assert_eq!(r.status, 429);
    assert_eq!(json(&r)["error"]["code"], 0);
    assert_eq!(json(&r)["successful"], false);
    assert_eq!(r.header("ratelimit-limit"), Some("1"));
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("ratelimit-reset"), Some("1"));
}

#[tokio::test]
async fn fixture_json_configures_everything() {
    let fixture = r#"{
        "seed": 3,
        "backup_duration_ms": 100,
        "credentials": {"ncp": [{"access_key": "AK1", "secret_key": "SK1"}]},
        "resources": {"hadoop_clusters": [{"instance_no": "9", "name": "h"}]},
        "faults": [{"operation": "vhadoop/backupClusterConfiguration",
                    "fault": {"type": "error", "status": 400, "code": "5000009", "message": "boom"},
                    "times": 1}],
        "throttles": []
    }"#;
    let emu = start(Emulator::builder().fixture_json(fixture).unwrap()).await;
    let signer = backup_core::sign::NcpSigner::new(backup_core::credentials::NcpCredentials::new(
        "AK1", "SK1",
    ));
    let c = client(&emu.base_url(), signer, true);
    let form = [
        ("cloudHadoopInstanceNo", "9"),
        ("responseFormatType", "json"),
    ];
    let r = send(
        &c,
        ncp_post("/vhadoop/v2/backupClusterConfiguration", &form),
    )
    .await;
    assert_eq!(json(&r)["responseError"]["returnCode"], "5000009");
    let r = send(
        &c,
        ncp_post("/vhadoop/v2/backupClusterConfiguration", &form),
    )
    .await;
    assert_eq!(r.status, 200);
    // The default key is no longer accepted.
    let d = client(&emu.base_url(), ncp_signer(), true);
    assert_eq!(
        send(
            &d,
            ncp_post("/vhadoop/v2/backupClusterConfiguration", &form)
        )
        .await
        .status,
        401
    );
    let counters = emu.counters();
    assert_eq!(
        counters.requests[ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION],
        3
    );
    assert_eq!(counters.backups_created[&ops::hadoop_resource("9")], 1);
    emu.reset_counters();
    assert_eq!(emu.total_requests(), 0);

    assert!(backup_emulator::Fixture::from_json(r#"{"sede": 1}"#).is_err());
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let emu = start(Emulator::demo()).await;
    let base = emu.base_url();
    drop(emu);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let c = client(&base, huawei_signer(), true);
    let err = c
        .send(&OperationInfo::idempotent("list"), ges_create())
        .await
        .unwrap_err();
    assert!(!err.may_have_been_sent(), "{err}");
}
