//! The emulator follows the vendors' documents (`/work/shared/seeds`, the reference notes),
//! not this workspace's SDK. Each test cites the seed lines it follows; where our SDK and
//! the documents disagree, the documents win.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use backup_core::Method;
use backup_core::sign::{SignableRequest, huawei, ncp};
use backup_emulator::config::{defaults, demo};
use backup_emulator::{CacheInstance, Emulator, EmulatorHandle, HadoopCluster, ops};
use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FAST: Duration = Duration::from_millis(300);

// --- seed 004: an unknown graph is 404 GES.0047 ------------------------------------------

/// Seed 004 (l.78-83): "Status code: 404 ... `"error_msg": "Cluster does not exist or has
/// been deleted."`, `"error_code": "GES.0047"`". Every operation that names a graph answers
/// so for a graph that does not exist.
#[tokio::test]
async fn ges_unknown_graph_is_404_ges_0047_for_every_graph_operation() {
    let emu = Emulator::demo().start().await.unwrap();
    let c = client(&emu.base_url(), huawei_signer(), true);
    let unknown = |rest: &str| {
        format!(
            "/v2/{}/graphs/99999999-0000-0000-0000-000000000000{rest}",
            defaults::HUAWEI_PROJECT_ID
        )
    };
    let requests = [
        (
            "createBackup",
            json_request(Method::Post, &unknown("/backups"), json!({})),
        ),
        (
            "listGraphBackups",
            backup_core::HttpRequest::new(Method::Get, unknown("/backups")),
        ),
        (
            "showJob",
            backup_core::HttpRequest::new(Method::Get, unknown("/jobs/ff80808167bb9034/status")),
        ),
        (
            "deleteBackup",
            backup_core::HttpRequest::new(
                Method::Delete,
                unknown("/backups/0000b54f-2f1d-47a5-94bc-04f0d8a2e2db"),
            ),
        ),
    ];
    for (name, request) in requests {
        let r = send(&c, request).await;
        assert_eq!(r.status, 404, "{name}: {}", r.text());
        let body = json(&r);
        assert_eq!(body["error_code"], "GES.0047", "{name}: {body}");
        assert_eq!(
            body["error_msg"], "Cluster does not exist or has been deleted.",
            "{name}"
        );
        assert!(r.header("x-request-id").is_some(), "{name}");
    }
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);
}

// --- seeds 001 and 003: /vcache/v2 serves Redis instances too ----------------------------

/// Seed 003 (l.3-5): "createCloudCacheManualBackup API: Support for Valkey and Redis DBMS;
/// createCloudRedisManualBackup API: Support for Redis DBMS". Seed 001 (l.13, l.44):
/// `/vcache/v2/exportBackupToObjectStorage` sends "Cloud DB for Cache backup files" by
/// `cloudCacheInstanceNo`. So a Redis instance is backed up, listed and exported through
/// `/vcache/v2/` as well; `/vredis/v2/` still knows only Redis instances.
#[tokio::test]
async fn vcache_serves_redis_instances_as_well_as_valkey() {
    let emu = Emulator::demo()
        .backup_duration(FAST)
        .start()
        .await
        .unwrap();
    let c = client(&emu.base_url(), ncp_signer(), true);
    let redis = demo::REDIS_INSTANCE_NO;

    let r = send(
        &c,
        ncp_post(
            "/vcache/v2/createCloudCacheManualBackup",
            &[
                ("responseFormatType", "json"),
                ("cloudCacheInstanceNo", redis),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        json(&r)["createCloudCacheManualBackupResponse"]["returnCode"],
        "0"
    );
    // The backup belongs to the instance, whichever API started it.
    assert_eq!(emu.backups_created(&ops::redis_resource(redis)), 1);

    let detail = |path: &'static str, param: &'static str| {
        let c = c.clone();
        async move {
            json(
                &send(
                    &c,
                    ncp_post(path, &[("responseFormatType", "json"), (param, redis)]),
                )
                .await,
            )
        }
    };
    let listed = eventually(40, || async {
        let d = detail(
            "/vcache/v2/getCloudCacheManualBackupDetailList",
            "cloudCacheInstanceNo",
        )
        .await;
        (d["getCloudCacheManualBackupDetailListResponse"]["totalRows"] == 1).then_some(d)
    })
    .await;
    let file = listed["getCloudCacheManualBackupDetailListResponse"]["cloudCacheBackupDetailList"]
        [0]["fileName"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same instance seen through /vredis/v2/ has the same backup.
    let via_vredis = detail(
        "/vredis/v2/getCloudRedisManualBackupDetailList",
        "cloudRedisInstanceNo",
    )
    .await;
    assert_eq!(
        via_vredis["getCloudRedisManualBackupDetailListResponse"]["cloudRedisBackupDetailList"][0]
            ["fileName"],
        file.as_str()
    );

    // The vcache lists name the Redis instance too.
    for path in [
        "/vcache/v2/getCloudCacheManualBackupList",
        "/vcache/v2/getCloudCacheBackupList",
    ] {
        let list = json(&send(&c, ncp_post(path, &[("responseFormatType", "json")])).await);
        let text = list.to_string();
        assert!(text.contains(redis), "{path}: {text}");
    }

    // Exports through /vcache/v2/ by cloudCacheInstanceNo, manual and system.
    for (file_name, mode) in [
        (file.as_str(), "MANUAL"),
        (demo::SYSTEM_BACKUP_FILE, "SYSTEM"),
    ] {
        let r = send(
            &c,
            ncp_post(
                "/vcache/v2/exportBackupToObjectStorage",
                &[
                    ("responseFormatType", "json"),
                    ("fileName", file_name),
                    ("bucketName", "cache-backup"),
                    ("cloudCacheInstanceNo", redis),
                    ("backupTypeMode", mode),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, 200, "{mode}: {}", r.text());
    }
    assert_eq!(emu.exports(&ops::redis_resource(redis)), 2);

    // /vredis/v2/ is Redis only: the Valkey (cache) instance is unknown there.
    let r = send(
        &c,
        ncp_post(
            "/vredis/v2/createCloudRedisManualBackup",
            &[
                ("responseFormatType", "json"),
                ("cloudRedisInstanceNo", demo::CACHE_INSTANCE_NO),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["responseError"]["returnCode"], "5001017");
    assert_eq!(
        emu.backups_created(&ops::cache_resource(demo::CACHE_INSTANCE_NO)),
        0
    );
}

// --- seed 001: the bucket must exist --------------------------------------------------------

fn export_form<'a>(bucket: &'a str, instance: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("responseFormatType", "json"),
        ("fileName", demo::SYSTEM_BACKUP_FILE),
        ("bucketName", bucket),
        ("cloudCacheInstanceNo", instance),
        ("backupTypeMode", "SYSTEM"),
    ]
}

/// Seed 001 (l.14): "To send backup files to Object Storage, Object Storage buckets ... must
/// be created in advance." An export to a bucket that does not exist fails with the
/// service's error (the code is UNVERIFIED: `5001017`, the documented "lookup result is 0"
/// code, by default) and exports nothing.
#[tokio::test]
async fn export_to_a_bucket_that_does_not_exist_fails() {
    let emu = Emulator::demo().start().await.unwrap();
    let c = client(&emu.base_url(), ncp_signer(), true);
    let cache = demo::CACHE_INSTANCE_NO;
    let r = send(
        &c,
        ncp_post(
            "/vcache/v2/exportBackupToObjectStorage",
            &export_form("no-such-bucket", cache),
        ),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["responseError"]["returnCode"], "5001017");
    let r = send(
        &c,
        ncp_get(
            "/vredis/v2/exportBackupToObjectStorage",
            &[
                ("fileName", demo::SYSTEM_BACKUP_FILE),
                ("bucketName", "no-such-bucket"),
                ("cloudRedisInstanceNo", demo::REDIS_INSTANCE_NO),
                ("backupTypeMode", "SYSTEM"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("<returnCode>5001017</returnCode>"),
        "{}",
        r.text()
    );
    assert_eq!(emu.counters().exports.values().sum::<u64>(), 0);

    // The default buckets exist (the demo plan exports to `demo-backups`).
    for bucket in [
        "demo-backups",
        "cache-backup",
        "redis-backup",
        "emulator-bucket",
    ] {
        let r = send(
            &c,
            ncp_post(
                "/vcache/v2/exportBackupToObjectStorage",
                &export_form(bucket, cache),
            ),
        )
        .await;
        assert_eq!(r.status, 200, "{bucket}: {}", r.text());
    }
    assert_eq!(emu.exports(&ops::cache_resource(cache)), 4);
}

/// A fixture declares which buckets exist, and may override the (UNVERIFIED) error.
#[tokio::test]
async fn fixture_declares_buckets_and_the_missing_bucket_error() {
    let fixture = json!({
        "resources": {
            "cache_instances": [{"instance_no": "2000001", "name": "c",
                                 "system_backup_files": ["20240702"]}],
            "buckets": ["mine"]
        },
        "missing_bucket_error": {"status": 404, "code": "1234567", "message": "Bucket not found."}
    });
    let emu = Emulator::builder()
        .fixture_json(&fixture.to_string())
        .unwrap()
        .start()
        .await
        .unwrap();
    let c = client(&emu.base_url(), ncp_signer(), true);
    let r = send(
        &c,
        ncp_post(
            "/vcache/v2/exportBackupToObjectStorage",
            &export_form("demo-backups", "2000001"),
        ),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        json(&r),
        json!({"responseError": {"returnCode": "1234567", "returnMessage": "Bucket not found."}})
    );
    let r = send(
        &c,
        ncp_post(
            "/vcache/v2/exportBackupToObjectStorage",
            &export_form("mine", "2000001"),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(emu.exports(&ops::cache_resource("2000001")), 1);
}

// --- seed 000: a configuration backup shows no cluster state ----------------------------

async fn hadoop_operation(c: &backup_core::ServiceClient, no: &str) -> (String, String) {
    let r = send(
        c,
        ncp_post(
            "/vhadoop/v2/getCloudHadoopInstanceDetail",
            &[
                ("responseFormatType", "json"),
                ("cloudHadoopInstanceNo", no),
            ],
        ),
    )
    .await;
    let instance = &json(&r)["getCloudHadoopInstanceDetailResponse"]["cloudHadoopInstanceList"][0];
    (
        instance["cloudHadoopInstanceOperation"]["code"]
            .as_str()
            .unwrap()
            .to_owned(),
        instance["cloudHadoopInstanceStatusName"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// Seed 000 (l.60-67): the response of `backupClusterConfiguration` is `requestId`,
/// `returnCode` and `returnMessage`; nothing documents a cluster state during the backup
/// (reference ncp-api.md §4.2: "Which operation code appears during a backup is
/// UNVERIFIED"). So the cluster stays running (`CREAT`/`NULL`) unless a fixture asks for a
/// busy operation.
#[tokio::test]
async fn hadoop_configuration_backup_invents_no_busy_state() {
    let emu = Emulator::demo()
        .backup_duration(Duration::from_secs(60))
        .hadoop_cluster(
            HadoopCluster::new("1000002", "busy-one").with_busy_during_backup("SETUP", "settingUp"),
        )
        .start()
        .await
        .unwrap();
    let c = client(&emu.base_url(), ncp_signer(), true);
    for no in [demo::HADOOP_INSTANCE_NO, "1000002"] {
        let r = send(
            &c,
            ncp_post(
                "/vhadoop/v2/backupClusterConfiguration",
                &[
                    ("responseFormatType", "json"),
                    ("cloudHadoopInstanceNo", no),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(emu.backups_created(&ops::hadoop_resource(no)), 1);
    }
    // The backup runs for a minute; the demo cluster shows no state for it...
    assert_eq!(
        hadoop_operation(&c, demo::HADOOP_INSTANCE_NO).await,
        ("NULL".to_owned(), "running".to_owned())
    );
    // ... the cluster whose fixture asks for one shows it.
    assert_eq!(
        hadoop_operation(&c, "1000002").await,
        ("SETUP".to_owned(), "settingUp".to_owned())
    );
}

// --- requests exactly as the official clients send them ----------------------------------

/// Sends `request` as is over a fresh connection and returns the status and the body.
async fn raw_exchange(emu: &EmulatorHandle, request: &[u8]) -> (u16, Vec<u8>) {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed before a full response");
            received.extend_from_slice(&chunk[..n]);
            let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if received.len() >= end + 4 + length {
                let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
                return (status, received[end + 4..end + 4 + length].to_vec());
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("the emulator answers within 10 s")
}

/// A request as the Huawei Cloud Python SDK (`huaweicloudsdkges` v2 over `requests`)
/// sends it: `Content-Type: application/json` even with no body, `User-Agent:
/// huaweicloud-usdk-python/3.0`, `X-Project-Id` from `BasicCredentials`, `Host` added by
/// the signer, which signs every header it set (`content-type;host;user-agent;
/// x-project-id;x-sdk-date`, reference huawei-ges-api.md §1.2 l.58); `requests` then adds
/// its own unsigned headers.
fn huawei_python_request(emu: &EmulatorHandle, method: &str, path: &str, query: &str) -> Vec<u8> {
    let host = emu.addr().to_string();
    let date = huawei::format_sdk_date(SystemTime::now());
    let signed: Vec<(String, String)> = [
        ("content-type", "application/json"),
        ("host", host.as_str()),
        ("user-agent", "huaweicloud-usdk-python/3.0"),
        ("x-project-id", defaults::HUAWEI_PROJECT_ID),
        ("x-sdk-date", date.as_str()),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    let authorization = huawei::authorization(
        &SignableRequest {
            method,
            path,
            query,
            headers: &signed,
            body: b"",
        },
        None,
        defaults::HUAWEI_ACCESS_KEY,
        defaults::HUAWEI_SECRET_KEY.as_bytes(),
    );
    let target = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    // `requests` sends `Content-Length: 0` for a POST without a body, nothing for a GET.
    let length = if method == "POST" {
        "Content-Length: 0\r\n"
    } else {
        ""
    };
    format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: huaweicloud-usdk-python/3.0\r\n\
         Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\
         Content-Type: application/json\r\nX-Project-Id: {}\r\nX-Sdk-Date: {date}\r\n\
         Authorization: {authorization}\r\n{length}\r\n",
        defaults::HUAWEI_PROJECT_ID
    )
    .into_bytes()
}

/// Reference huawei-ges-api.md §4.4: `create_backup2` (POST `.../{graph_id}/backups`, no
/// body), `show_job2` (GET `.../{graph_id}/jobs/{job_id}/status`) and `list_graph_backups2`
/// (GET `.../{graph_id}/backups?offset=&limit=`), byte for byte as the Python SDK sends them.
#[tokio::test]
async fn huawei_python_sdk_requests_are_accepted() {
    let emu = Emulator::demo()
        .backup_duration(FAST)
        .start()
        .await
        .unwrap();
    let base = format!(
        "/v2/{}/graphs/{}",
        defaults::HUAWEI_PROJECT_ID,
        demo::GES_GRAPH_ID
    );
    let (status, body) = raw_exchange(
        &emu,
        &huawei_python_request(&emu, "POST", &format!("{base}/backups"), ""),
    )
    .await;
    let created: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "create_backup2: {created}");
    let job = created["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        emu.backups_created(&ops::ges_resource(
            defaults::HUAWEI_PROJECT_ID,
            demo::GES_GRAPH_ID
        )),
        1
    );

    let (status, body) = raw_exchange(
        &emu,
        &huawei_python_request(&emu, "GET", &format!("{base}/jobs/{job}/status"), ""),
    )
    .await;
    let job_status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "show_job2: {job_status}");
    assert_eq!(job_status["job_id"], job.as_str());

    let (status, body) = raw_exchange(
        &emu,
        &huawei_python_request(&emu, "GET", &format!("{base}/backups"), "offset=0&limit=10"),
    )
    .await;
    let list: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "list_graph_backups2: {list}");
    assert_eq!(list["backup_count"], 1);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
}

/// Reference ncp-api.md §1.2 (l.40-43) and §1.4 (l.62-63): the NCP Python SDK puts
/// `responseFormatType=json` in the query and the parameters in a form body, and sends the
/// v2 string to sign under `x-ncp-apigw-signature-v1`; its string to sign joins query pairs
/// **unencoded** (`key + "=" + value`) while urllib3 sends them encoded (l.59).
#[tokio::test]
async fn ncp_python_sdk_requests_are_accepted() {
    let emu = Emulator::demo()
        .cache_instance(
            CacheInstance::new("2000002", "spaced").with_system_backup("nightly 2024-07-02 00:15"),
        )
        .start()
        .await
        .unwrap();
    let host = emu.addr().to_string();
    let signed = |method: &str, signed_target: &str| {
        let millis = backup_core::clock::unix_millis(SystemTime::now());
        let signature = ncp::signature(
            defaults::NCP_SECRET_KEY.as_bytes(),
            method,
            signed_target,
            millis,
            defaults::NCP_ACCESS_KEY,
        );
        format!(
            "x-ncp-apigw-timestamp: {millis}\r\nx-ncp-iam-access-key: {}\r\n\
             x-ncp-apigw-signature-v1: {signature}\r\n",
            defaults::NCP_ACCESS_KEY
        )
    };

    // A POST as `V2Api` sends it: query `responseFormatType=json`, the form body encoded
    // with `quote()`, the signature over the path and that query.
    let path = "/vcache/v2/exportBackupToObjectStorage?responseFormatType=json";
    let body = format!(
        "fileName={}&bucketName=cache-backup&cloudCacheInstanceNo={}&backupTypeMode=SYSTEM",
        demo::SYSTEM_BACKUP_FILE,
        demo::CACHE_INSTANCE_NO
    );
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\
         Content-Length: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         User-Agent: Swagger-Codegen/1.0.1/python\r\n{}\r\n{body}",
        body.len(),
        signed("POST", path)
    );
    let (status, response) = raw_exchange(&emu, request.as_bytes()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));

    // A GET whose query value needs encoding: signed unencoded, sent encoded by urllib3
    // (`urlencode`: space as `+`, `:` as `%3A`).
    let signed_target = "/vcache/v2/exportBackupToObjectStorage?responseFormatType=json\
        &fileName=nightly 2024-07-02 00:15&bucketName=cache-backup\
        &cloudCacheInstanceNo=2000002&backupTypeMode=SYSTEM";
    let wire_target = "/vcache/v2/exportBackupToObjectStorage?responseFormatType=json\
        &fileName=nightly+2024-07-02+00%3A15&bucketName=cache-backup\
        &cloudCacheInstanceNo=2000002&backupTypeMode=SYSTEM";
    let request = format!(
        "GET {wire_target} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\
         User-Agent: Swagger-Codegen/1.0.1/python\r\n{}\r\n",
        signed("GET", signed_target)
    );
    let (status, response) = raw_exchange(&emu, request.as_bytes()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
    assert_eq!(emu.exports(&ops::cache_resource("2000002")), 1);

    // Still no signature over anything else: a changed value is refused.
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\n{}\r\n",
        wire_target.replace("00%3A15", "00%3A16"),
        signed("GET", signed_target)
    );
    let (status, _) = raw_exchange(&emu, request.as_bytes()).await;
    assert_eq!(status, 401);
    assert_eq!(emu.counters().exports.values().sum::<u64>(), 2);
}
