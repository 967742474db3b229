//! Every vendor end to end through backup-core's client and signers: start a backup, watch
//! it progress, see it listed; authentication and validation errors in the vendors' shapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::credentials::{NcpCredentials, OcpCredentials};
use backup_core::sign::{NcpSigner, OcpSigner};
use backup_core::{HttpRequest, Method};
use backup_emulator::config::{defaults, demo};
use backup_emulator::{Emulator, ops};
use common::*;
use serde_json::json;

const FAST: Duration = Duration::from_millis(300);

#[tokio::test]
async fn ncp_cache_manual_backup_appears_in_lists_and_exports() {
    let emu = start(Emulator::demo().backup_duration(FAST)).await;
    let c = client(&emu.base_url(), ncp_signer(), true);
    let no = demo::CACHE_INSTANCE_NO;

    let r = send(
        &c,
        ncp_post(
            "/vcache/v2/createCloudCacheManualBackup",
            &[("responseFormatType", "json"), ("cloudCacheInstanceNo", no)],
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(
        body["createCloudCacheManualBackupResponse"]["returnCode"],
        "0"
    );
    assert_eq!(emu.backups_created(&ops::cache_resource(no)), 1);

    let detail = || async {
        let r = send(
            &c,
            ncp_post(
                "/vcache/v2/getCloudCacheManualBackupDetailList",
                &[("responseFormatType", "json"), ("cloudCacheInstanceNo", no)],
            ),
        )
        .await;
        json(&r)["getCloudCacheManualBackupDetailListResponse"].clone()
    };
    // Not listed while it runs.
    assert_eq!(detail().await["totalRows"], 0);
    let listed = eventually(40, || async {
        let d = detail().await;
        (d["totalRows"] == 1).then_some(d)
    })
    .await;
    let entry = &listed["cloudCacheBackupDetailList"][0];
    let file = entry["fileName"].as_str().unwrap().to_owned();
    assert!(entry["startTime"].as_str().unwrap().ends_with("+0000"));
    assert!(entry["endTime"].is_string());

    let list = json(
        &send(
            &c,
            ncp_get(
                "/vcache/v2/getCloudCacheManualBackupList",
                &[("responseFormatType", "json")],
            ),
        )
        .await,
    );
    let list = &list["getCloudCacheManualBackupListResponse"];
    assert_eq!(list["totalRows"], 1);
    assert_eq!(list["cloudCacheBackupList"][0]["cloudCacheInstanceNo"], no);

    let export = |file: String, mode: &'static str| {
        let c = &c;
        async move {
            send(
                c,
                ncp_post(
                    "/vcache/v2/exportBackupToObjectStorage",
                    &[
                        ("responseFormatType", "json"),
                        ("fileName", &file),
                        ("bucketName", "cache-backup"),
                        ("cloudCacheInstanceNo", no),
                        ("backupTypeMode", mode),
                    ],
                ),
            )
            .await
        }
    };
    assert_eq!(export(file.clone(), "MANUAL").await.status, 200);
    assert_eq!(
        export(demo::SYSTEM_BACKUP_FILE.into(), "SYSTEM")
            .await
            .status,
        200
    );
    let unknown = export("nope".into(), "MANUAL").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(json(&unknown)["responseError"]["returnCode"], "5001017");
    let bad_mode = export(file, "DAILY").await;
    assert_eq!(json(&bad_mode)["responseError"]["returnCode"], "900");
    assert_eq!(emu.exports(&ops::cache_resource(no)), 2);
    assert_eq!(emu.requests(ops::VCACHE_EXPORT), 4);
}

#[tokio::test]
async fn ncp_redis_in_xml_by_default_with_get() {
    let emu = start(Emulator::demo().backup_duration(FAST)).await;
    let c = client(&emu.base_url(), ncp_signer(), true);
    let no = demo::REDIS_INSTANCE_NO;
    let r = send(
        &c,
        ncp_get(
            "/vredis/v2/createCloudRedisManualBackup",
            &[("regionCode", "KR"), ("cloudRedisInstanceNo", no)],
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(text.contains("<createCloudRedisManualBackupResponse><requestId>"));
    assert!(text.contains("<returnCode>0</returnCode>"));

    let xml = eventually(40, || async {
        let r = send(
            &c,
            ncp_get(
                "/vredis/v2/getCloudRedisManualBackupDetailList",
                &[("cloudRedisInstanceNo", no)],
            ),
        )
        .await;
        let t = r.text().into_owned();
        t.contains("<totalRows>1</totalRows>").then_some(t)
    })
    .await;
    assert!(xml.contains("<cloudRedisBackupDetailList><cloudRedisBackupDetail>"));
    assert!(xml.contains("<fileName>"));

    // The system list shows the fixture's system backup.
    let sys = send(
        &c,
        ncp_get(
            "/vredis/v2/getCloudRedisBackupList",
            &[("responseFormatType", "json")],
        ),
    )
    .await;
    assert_eq!(
        json(&sys)["getCloudRedisBackupListResponse"]["cloudRedisBackupList"][0]["cloudRedisInstanceNo"],
        no
    );
}

/// A cluster whose fixture asks for a busy state shows it while the backup runs (without
/// one, nothing changes: see `seeds.rs`).
#[tokio::test]
async fn ncp_hadoop_cluster_is_busy_then_running() {
    let no = "1000002";
    let emu = start(
        Emulator::demo().backup_duration(FAST).hadoop_cluster(
            backup_emulator::HadoopCluster::new(no, "busy")
                .with_busy_during_backup("SETUP", "settingUp"),
        ),
    )
    .await;
    let c = client(&emu.base_url(), ncp_signer(), true);
    let form = [
        ("responseFormatType", "json"),
        ("cloudHadoopInstanceNo", no),
    ];
    let r = send(
        &c,
        ncp_post("/vhadoop/v2/backupClusterConfiguration", &form),
    )
    .await;
    assert_eq!(
        json(&r)["backupClusterConfigurationResponse"]["returnMessage"],
        "success"
    );
    let op = |c: &backup_core::ServiceClient| {
        let c = c.clone();
        async move {
            let r = send(
                &c,
                ncp_post("/vhadoop/v2/getCloudHadoopInstanceDetail", &form),
            )
            .await;
            json(&r)["getCloudHadoopInstanceDetailResponse"]["cloudHadoopInstanceList"][0]
                ["cloudHadoopInstanceOperation"]["code"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(op(&c).await, "SETUP");
    eventually(40, || async { (op(&c).await == "NULL").then_some(()) }).await;
    assert_eq!(emu.backups_created(&ops::hadoop_resource(no)), 1);
}

#[tokio::test]
async fn ncp_validation_and_auth_errors() {
    let emu = start(Emulator::demo()).await;
    let c = client(&emu.base_url(), ncp_signer(), true);
    let missing = send(
        &c,
        ncp_post(
            "/vhadoop/v2/backupClusterConfiguration",
            &[("responseFormatType", "json")],
        ),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        json(&missing),
        json!({"responseError": {"returnCode": "900", "returnMessage": "Required field is not specified. location: [cloudHadoopInstanceNo]"}})
    );
    let unknown = send(
        &c,
        ncp_post(
            "/vhadoop/v2/backupClusterConfiguration",
            &[("cloudHadoopInstanceNo", "42")],
        ),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.text().contains("<returnCode>5001017</returnCode>"));

    let wrong = client(
        &emu.base_url(),
        NcpSigner::new(NcpCredentials::new(defaults::NCP_ACCESS_KEY, "wrong")),
        true,
    );
    let r = send(
        &wrong,
        ncp_post("/vhadoop/v2/backupClusterConfiguration", &[]),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(json(&r)["error"]["errorCode"], "200");
    assert_eq!(json(&r)["error"]["message"], "Authentication Failed");

    let stale = with_clock(
        &emu.base_url(),
        ncp_signer(),
        Arc::new(SteppingClock::frozen(
            SystemTime::now() - Duration::from_secs(6 * 60),
        )),
    );
    let r = send(
        &stale,
        ncp_post("/vhadoop/v2/backupClusterConfiguration", &[]),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(
        json(&r)["error"]["details"]
            .as_str()
            .unwrap()
            .contains("5 minutes")
    );
    // Nothing was created by rejected requests, but every one was counted.
    assert_eq!(
        emu.backups_created(&ops::hadoop_resource(demo::HADOOP_INSTANCE_NO)),
        0
    );
    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 4);

    let nowhere = send(&c, ncp_post("/vhadoop/v2/deleteEverything", &[])).await;
    assert_eq!(nowhere.status, 404);
    assert_eq!(emu.requests(ops::UNKNOWN), 1);
}

fn backup_now_body(mode: &str) -> serde_json::Value {
    json!({
        "backupMode": "PHYSICAL_BACKUP",
        "dataBackupMode": mode,
        "obBackupServiceStorageConfig": {
            "configName": "emulator_storage",
            "storageId": 26,
            "obBackupStorageBaseInfo": {"backupStorageType": "BACKUP_STORAGE_FILE", "storageUrl": "/obbackup/"},
        },
    })
}

#[tokio::test]
async fn ocp_backup_now_task_succeeds_and_is_listed() {
    let emu = start(Emulator::demo().backup_duration(FAST)).await;
    let basic = client(&emu.base_url(), ocp_basic(), true);
    let ak = client(&emu.base_url(), ocp_ak(), true);

    let strategy = json(
        &send(
            &ak,
            backup_core::HttpRequest::new(
                Method::Get,
                "/api/v2/ob/clusters/1/backup/config/backupStrategy",
            ),
        )
        .await,
    );
    assert_eq!(strategy["successful"], true);
    assert_eq!(
        strategy["data"]["obBackupServiceStorageConfig"]["storageId"],
        26
    );

    let r = send(
        &basic,
        json_request(
            Method::Post,
            "/api/v2/ob/clusters/1/backup/backupNow",
            backup_now_body("FULL_BACKUP"),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["data"]["obBackupTaskType"], "DATA_BACKUP_NOW");
    let task = body["data"]["backupObjectOpsResultList"][0]["taskIdList"][0]
        .as_i64()
        .unwrap();
    let path = format!("/api/v2/tasks/instances/{task}");
    let status = |c: &backup_core::ServiceClient| {
        let (c, path) = (c.clone(), path.clone());
        async move {
            json(&send(&c, backup_core::HttpRequest::new(Method::Get, path)).await)["data"].clone()
        }
    };
    let first = status(&ak).await;
    assert_eq!(first["status"], "RUNNING");
    assert_eq!(first["subtasks"].as_array().unwrap().len(), 3);
    eventually(40, || async {
        (status(&ak).await["status"] == "SUCCESSFUL").then_some(())
    })
    .await;

    let mut list = backup_core::HttpRequest::new(
        Method::Get,
        "/api/v2/ob/clusters/1/backup/task/dataBackupTasks",
    );
    list.query = "page=1&size=2000".into();
    let list = json(&send(&ak, list).await);
    assert_eq!(list["data"]["page"]["totalElements"], 1);
    assert_eq!(list["data"]["contents"][0]["status"], "DONE");
    assert_eq!(list["data"]["contents"][0]["taskId"], task);
    assert_eq!(emu.backups_created(&ops::ocp_cluster_resource(1)), 1);

    // The tenant-level variant.
    let r = send(
        &ak,
        json_request(
            Method::Post,
            "/api/v2/ob/clusters/1/tenants/1001/backup/backupNow",
            backup_now_body("FULL_BACKUP"),
        ),
    )
    .await;
    assert_eq!(
        json(&r)["data"]["backupObjectOpsResultList"][0]["obBackupObjectList"][0]["backupDimension"],
        "TENANT"
    );
    assert_eq!(emu.backups_created(&ops::ocp_tenant_resource(1, 1001)), 1);
}

#[tokio::test]
async fn ocp_incremental_without_full_fails_with_a_reason() {
    let emu = start(Emulator::demo().backup_duration(FAST)).await;
    let c = client(&emu.base_url(), ocp_ak(), true);
    let r = send(
        &c,
        json_request(
            Method::Post,
            "/api/v2/ob/clusters/1/backup/backupNow",
            backup_now_body("INCREMENTAL_BACKUP"),
        ),
    )
    .await;
    let task = json(&r)["data"]["backupObjectOpsResultList"][0]["taskIdList"][0]
        .as_i64()
        .unwrap();
    let data = eventually(40, || async {
        let d = json(
            &send(
                &c,
                backup_core::HttpRequest::new(
                    Method::Get,
                    format!("/api/v2/tasks/instances/{task}"),
                ),
            )
            .await,
        )["data"]
            .clone();
        (d["status"] == "FAILED").then_some(d)
    })
    .await;
    let failed = &data["subtasks"][0];
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(data["subtasks"][2]["status"], "PENDING");
    let log = json(
        &send(
            &c,
            backup_core::HttpRequest::new(
                Method::Get,
                format!(
                    "/api/v2/tasks/instances/{task}/subtasks/{}/log",
                    failed["id"]
                ),
            ),
        )
        .await,
    );
    assert!(
        log["data"]["log"]
            .as_str()
            .unwrap()
            .contains("Full data backup needed before incremental data backup")
    );
}

#[tokio::test]
async fn ocp_validation_not_found_and_auth_errors() {
    let emu = start(Emulator::demo()).await;
    let c = client(&emu.base_url(), ocp_basic(), true);
    let mut body = backup_now_body("FULL_BACKUP");
    body.as_object_mut().unwrap().remove("backupMode");
    let r = send(
        &c,
        json_request(Method::Post, "/api/v2/ob/clusters/1/backup/backupNow", body),
    )
    .await;
    assert_eq!(r.status, 400);
    let b = json(&r);
    assert_eq!(b["successful"], false);
    assert_eq!(b["error"]["code"], 10001);
    assert_eq!(b["error"]["subErrors"][0]["field"], "backupMode");

    let r = send(
        &c,
        json_request(
            Method::Post,
            "/api/v2/ob/clusters/99/backup/backupNow",
            backup_now_body("FULL_BACKUP"),
        ),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(json(&r)["status"], 404);

    let r = send(
        &c,
        backup_core::HttpRequest::new(Method::Get, "/api/v2/tasks/instances/5"),
    )
    .await;
    assert_eq!(r.status, 404);

    for signer in [
        OcpSigner::new(OcpCredentials::basic(defaults::OCP_USER, "wrong")),
        OcpSigner::new(OcpCredentials::access_key(
            defaults::OCP_ACCESS_KEY_ID,
            "wrong",
        )),
    ] {
        let bad = client(&emu.base_url(), signer, true);
        let r = send(
            &bad,
            backup_core::HttpRequest::new(Method::Get, "/api/v2/tasks/instances/5"),
        )
        .await;
        assert_eq!(r.status, 401);
        let b = json(&r);
        assert_eq!(b["successful"], false);
        assert!(b["error"]["code"].is_number());
        assert!(b["error"]["message"].is_string());
    }
    let stale = with_clock(
        &emu.base_url(),
        ocp_ak(),
        Arc::new(SteppingClock::frozen(
            SystemTime::now() - Duration::from_secs(16 * 60),
        )),
    );
    let r = send(
        &stale,
        backup_core::HttpRequest::new(Method::Get, "/api/v2/tasks/instances/5"),
    )
    .await;
    assert_eq!(r.status, 401);
}

fn ges_path(rest: &str) -> String {
    format!(
        "/v2/{}/graphs/{}{rest}",
        defaults::HUAWEI_PROJECT_ID,
        demo::GES_GRAPH_ID
    )
}

#[tokio::test]
async fn ges_backup_job_succeeds_lists_and_deletes() {
    let emu = start(Emulator::demo().backup_duration(FAST)).await;
    let c = client(&emu.base_url(), huawei_signer(), true);
    let r = send(
        &c,
        json_request(Method::Post, &ges_path("/backups"), json!({})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("x-request-id").is_some());
    let created = json(&r);
    let job = created["job_id"].as_str().unwrap().to_owned();
    let backup = created["backup_id"].as_str().unwrap().to_owned();

    // A second backup while the first runs: GES.7002.
    let again = send(
        &c,
        json_request(Method::Post, &ges_path("/backups"), json!({})),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(json(&again)["error_code"], "GES.7002");

    let job_path = ges_path(&format!("/jobs/{job}/status"));
    let first = json(
        &send(
            &c,
            backup_core::HttpRequest::new(Method::Get, job_path.clone()),
        )
        .await,
    );
    assert!(
        first["status"] == "pending" || first["status"] == "running",
        "{first}"
    );
    let done = eventually(40, || async {
        let s = json(
            &send(
                &c,
                backup_core::HttpRequest::new(Method::Get, job_path.clone()),
            )
            .await,
        );
        (s["status"] == "success").then_some(s)
    })
    .await;
    assert!(done["end_time"].is_string());

    let mut all = backup_core::HttpRequest::new(
        Method::Get,
        format!("/v2/{}/graphs/backups", defaults::HUAWEI_PROJECT_ID),
    );
    all.query = "offset=0&limit=10".into();
    let list = json(&send(&c, all).await);
    assert_eq!(list["backup_count"], 1);
    assert_eq!(list["backup_list"][0]["id"], backup.as_str());
    assert_eq!(list["backup_list"][0]["status"], "success");

    let del = send(
        &c,
        backup_core::HttpRequest::new(Method::Delete, ges_path(&format!("/backups/{backup}"))),
    )
    .await;
    assert_eq!(del.status, 200);
    let gone = send(
        &c,
        backup_core::HttpRequest::new(Method::Delete, ges_path(&format!("/backups/{backup}"))),
    )
    .await;
    assert_eq!(json(&gone)["error_code"], "GES.7024");
    let list = json(
        &send(
            &c,
            backup_core::HttpRequest::new(Method::Get, ges_path("/backups")),
        )
        .await,
    );
    assert_eq!(list["backup_count"], 0);
    assert_eq!(
        emu.backups_created(&ops::ges_resource(
            defaults::HUAWEI_PROJECT_ID,
            demo::GES_GRAPH_ID
        )),
        1
    );
}

#[tokio::test]
async fn ges_iam_token_auth_and_errors() {
    let emu = start(Emulator::demo()).await;
    let iam = client(&emu.base_url(), no_auth(), true);
    let token_request = |password: &str| {
        json_request(
            Method::Post,
            "/v3/auth/tokens",
            json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": defaults::HUAWEI_USER, "password": password,
                    "domain": {"name": defaults::HUAWEI_DOMAIN}}}},
                "scope": {"project": {"name": defaults::HUAWEI_PROJECT_NAME}}}}),
        )
    };
    let r = send(&iam, token_request(defaults::HUAWEI_PASSWORD)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let token = r.header("x-subject-token").unwrap().to_owned();
    assert_eq!(
        json(&r)["token"]["project"]["id"],
        defaults::HUAWEI_PROJECT_ID
    );
    let denied = send(&iam, token_request("nope")).await;
    assert_eq!(denied.status, 401);

    let with_token = client(&emu.base_url(), token_auth(&token), true);
    let ok = send(
        &with_token,
        backup_core::HttpRequest::new(Method::Get, ges_path("/backups")),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    let bogus = client(&emu.base_url(), token_auth("MIIbogus"), true);
    let r = send(
        &bogus,
        backup_core::HttpRequest::new(Method::Get, ges_path("/backups")),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(json(&r)["error_code"], "APIGW.0301");

    let other_project = send(
        &with_token,
        backup_core::HttpRequest::new(Method::Get, "/v2/otherproject/graphs/backups"),
    )
    .await;
    assert_eq!(other_project.status, 403);

    let wrong_sk = client(
        &emu.base_url(),
        backup_core::sign::HuaweiAkSkSigner::new(backup_core::credentials::HuaweiCredentials::new(
            defaults::HUAWEI_ACCESS_KEY,
            "wrong",
        )),
        true,
    );
    let r = send(
        &wrong_sk,
        backup_core::HttpRequest::new(Method::Get, ges_path("/backups")),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(json(&r)["error_code"], "APIGW.0301");

    let stale = with_clock(
        &emu.base_url(),
        huawei_signer(),
        Arc::new(SteppingClock::frozen(
            SystemTime::now() - Duration::from_secs(16 * 60),
        )),
    );
    let r = send(
        &stale,
        backup_core::HttpRequest::new(Method::Get, ges_path("/backups")),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(json(&r)["error_msg"].as_str().unwrap().contains("expired"));

    // Graph ids are percent-decoded per segment: an encoded slash is one (unknown) graph.
    let c = client(&emu.base_url(), huawei_signer(), true);
    let r = send(
        &c,
        backup_core::HttpRequest::new(
            Method::Get,
            format!("/v2/{}/graphs/a%2Fb/backups", defaults::HUAWEI_PROJECT_ID),
        ),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(json(&r)["error_code"], "GES.0047");
}

/// A path under a vendor's API that names no operation the emulator serves gets that
/// vendor's not-found answer (before any authentication), and is counted as unknown;
/// a path under no API gets a plain 404.
#[tokio::test]
async fn unknown_operations_get_each_vendors_not_found_answer() {
    let emu = start(Emulator::demo()).await;
    let c = client(&emu.base_url(), no_auth(), true);
    let get = |path: &str| HttpRequest::new(Method::Get, path);

    let ncp = send(&c, get("/vcache/v2/deleteCloudCacheInstance")).await;
    assert_eq!(ncp.status, 404);
    assert_eq!(
        json(&ncp),
        json!({"error": {"errorCode": "300", "message": "Not Found Exception", "details": "no such API"}})
    );

    // The method is part of an OCP or GES operation.
    let ocp = send(&c, get("/api/v2/ob/clusters/1/backup/backupNow")).await;
    assert_eq!(ocp.status, 404);
    let ocp = json(&ocp);
    assert_eq!(ocp["successful"], false);
    assert_eq!(ocp["error"]["code"], 10002);
    assert_eq!(
        ocp["error"]["message"],
        "No handler found for GET /api/v2/ob/clusters/1/backup/backupNow"
    );

    for path in [
        "/v2/p/graphs/g/backups/b",
        "/v2/p/graphs/g/metadata",
        "/v3/auth/tokens",
    ] {
        let r = send(&c, get(path)).await;
        assert_eq!(r.status, 404, "{path}");
        let body = json(&r);
        assert_eq!(body["error_code"], "APIGW.0101", "{path}");
        assert_eq!(
            body["error_msg"],
            "The API does not exist or has not been published in the environment."
        );
        assert_eq!(r.header("x-request-id"), body["request_id"].as_str());
    }

    let elsewhere = send(&c, get("/v1/anything")).await;
    assert_eq!(elsewhere.status, 404);
    assert!(
        elsewhere
            .text()
            .starts_with("not found: this emulator serves")
    );

    assert_eq!(emu.requests(ops::UNKNOWN), 6);
    assert_eq!(emu.total_requests(), 6);
}
