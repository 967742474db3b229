//! Loopback tests: every operation against a scripted server on 127.0.0.1, asserting the
//! exact request (method, target, JSON body, Authorization recomputed here for both auth
//! modes) and the parsed success and error envelopes, including the vendor's samples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::sign::SignableRequest;
use backup_core::test_util::{Recorded, ScriptedServer, Step};
use backup_core::{RetryConfig, ServiceErrorKind, Timeouts};
use ocp_ob_backup::{
    BackupMode, BackupObject, BackupServiceType, BackupStorageBaseInfo, BackupStorageConfig,
    BackupStorageType, BackupTaskType, Client, DataBackupMode, Envelope, Error, OcpCredentials,
    OssAccessKey, TaskStatus, WaitConfig,
};
use serde_json::{Value, json};

/// `Tue, 17 Jan 2023 09:13:57 GMT`, the date of the vendor's signing example 1.
const FROZEN_SECS: u64 = 1_673_946_837;
const FROZEN_DATE: &str = "Tue, 17 Jan 2023 09:13:57 GMT";
/// The vendor's access key example.
const AK: &str = "cqammmxBpfGjFlto";
const SK: &str = "2fc0c299cc94c6be266f2ceece765d4d";
/// `admin:root`, whose Base64 the vendor's documentation shows.
const BASIC_ADMIN_ROOT: &str = "Basic YWRtaW46cm9vdA==";
const OSS_SECRET: &str = "oss-S3cr3t-Value-9f8e7d";

/// The vendor's sample response of backupNow (seed 002), verbatim.
const SAMPLE_RESPONSE: &str = r#"{
    "data": {
        "backupObjectOpsResultList": [
            {
                "beSuccessful": true,
                "obBackupObjectList": [
                    {
                        "backupDimension": "CLUSTER",
                        "clusterId": 1000005
                    }
                ],
                "taskIdList": [
                    3000041
                ]
            }
        ],
        "obBackupTaskType": "DATA_BACKUP_NOW"
    },
    "duration": 51,
    "server": "a83ad33525",
    "status": 200,
    "successful": true,
    "timestamp": "2021-09-07T14:51:41.135+08:00",
    "traceId": "5962f337662d4043"
}"#;

/// The documented 429 body, verbatim.
const THROTTLED: &str = r#"{"duration":0,"error":{"code":0,"message":"Excessive number of requests. You have exceeded the request limit for the current throttling window."},"server":"a83ad33525","status":429,"successful":false,"timestamp":"2020-12-03T09:38:24.194+08:00","traceId":""}"#;

fn basic() -> OcpCredentials {
    OcpCredentials::basic("admin", "root")
}

fn access_key() -> OcpCredentials {
    OcpCredentials::access_key(AK, SK)
}

fn client_with(server: &ScriptedServer, credentials: OcpCredentials, retry: RetryConfig) -> Client {
    Client::builder()
        .endpoint(&server.base_url)
        .credentials(credentials)
        .clock(Arc::new(SteppingClock::frozen(
            SystemTime::UNIX_EPOCH + Duration::from_secs(FROZEN_SECS),
        )))
        .retry(retry)
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(10),
        ))
        .build()
        .unwrap()
}

fn client(server: &ScriptedServer, credentials: OcpCredentials) -> Client {
    client_with(
        server,
        credentials,
        RetryConfig::default()
            .with_backoff(Duration::from_millis(10), Duration::from_millis(10))
            .with_jitter(false),
    )
}

/// The vendor's sample storage configuration (seed 002).
fn sample_storage() -> BackupStorageConfig {
    BackupStorageConfig::builder()
        .alarm_storage_percentage_threshold(95)
        .config_name("ycnfs223_0915")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageFile)
                .storage_url("/obbackup/")
                .build()
                .unwrap(),
        )
        .service_name("ycfor223")
        .storage_id(26)
        .build()
        .unwrap()
}

/// The seed's sample body, plus the required `backupMode` the sample omits.
fn sample_body() -> Value {
    json!({
        "backupMode": "PHYSICAL_BACKUP",
        "obBackupObject": {"clusterId": 8, "backupDimension": "CLUSTER"},
        "dataBackupMode": "FULL_BACKUP",
        "obBackupServiceStorageConfig": {
            "alarmStoragePercentageThreshold": 95,
            "configName": "ycnfs223_0915",
            "obBackupStorageBaseInfo": {
                "backupStorageType": "BACKUP_STORAGE_FILE",
                "storageUrl": "/obbackup/"
            },
            "serviceName": "ycfor223",
            "storageId": 26
        }
    })
}

fn body_json(request: &Recorded) -> Value {
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

/// Recomputes the access key Authorization over the bytes the server received.
fn expected_access_key_authorization(request: &Recorded) -> String {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let signable = SignableRequest {
        method: &request.method,
        path,
        query,
        headers: &request.headers,
        body: &request.body,
    };
    let host = request.header("host").expect("a Host header");
    backup_core::sign::ocp::authorization(&signable, host, AK, SK.as_bytes())
}

fn assert_access_key_auth(request: &Recorded) {
    assert_eq!(request.header("date"), Some(FROZEN_DATE));
    let sent = request
        .header("authorization")
        .expect("an Authorization header");
    assert!(
        sent.starts_with(&format!("OCP-ACCESS-KEY-HMACSHA1 {AK}:")),
        "{sent}"
    );
    assert_eq!(sent, expected_access_key_authorization(request));
}

/// A request as snapshotted: what is asserted about it, nothing that varies (the port).
fn request_snapshot(request: &Recorded) -> Value {
    let body = if request.body.is_empty() {
        Value::Null
    } else {
        body_json(request)
    };
    json!({
        "method": request.method,
        "target": request.target,
        "content-type": request.header("content-type"),
        "accept": request.header("accept"),
        "authorization": request.header("authorization").map(|a| if a.starts_with("Basic ") { a.to_owned() } else { "[access key: recomputed by the test]".to_owned() }),
        "body": body,
    })
}

fn task_json(status: &str, subtasks: &[(i64, &str, &str)]) -> String {
    let subtasks: Vec<Value> = subtasks
        .iter()
        .map(|(id, name, status)| {
            json!({"id": id, "name": name, "status": status, "description": format!("{name} step"),
                   "nodeType": "JAVA_TASK", "upstreams": [], "downstreams": []})
        })
        .collect();
    json!({
        "data": {
            "id": 3000041, "name": "Backup cluster", "status": status, "type": "MANUAL",
            "operation": "EXECUTE", "createTime": "2021-09-07T14:51:41.135+08:00",
            "subtasks": subtasks
        },
        "successful": true, "status": 200, "traceId": "t-task", "duration": 3, "server": "a83ad33525",
        "timestamp": "2021-09-07T14:51:42.000+08:00"
    })
    .to_string()
}

// ---------------------------------------------------------------------------------------
// backupNow

#[tokio::test]
async fn backup_now_sends_the_seed_sample_with_backup_mode_and_basic_auth() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    let out = c
        .backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_object(
            BackupObject::builder()
                .cluster_id(8)
                .backup_dimension(ocp_ob_backup::BackupDimension::Cluster)
                .build()
                .unwrap(),
        )
        .ob_backup_service_storage_config(sample_storage())
        .send()
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/api/v2/ob/clusters/8/backup/backupNow");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), Some(BASIC_ADMIN_ROOT));
    assert_eq!(body_json(r), sample_body());
    insta::assert_json_snapshot!("backup_now_request_basic", request_snapshot(r));

    assert_eq!(out.ob_backup_task_type, Some(BackupTaskType::DataBackupNow));
    assert_eq!(out.task_ids(), vec![3_000_041]);
    let result = &out.backup_object_ops_result_list.as_ref().unwrap()[0];
    assert_eq!(result.be_successful, Some(true));
    let object = &result.ob_backup_object_list.as_ref().unwrap()[0];
    assert_eq!(object.cluster_id, Some(1_000_005));
    insta::assert_debug_snapshot!("backup_now_sample_output", out);
}

#[tokio::test]
async fn backup_now_signs_with_the_access_key_over_the_sent_bytes() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, access_key());
    c.backup_now()
        .id(8)
        .backup_mode(BackupMode::LogicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(sample_storage())
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.target, "/api/v2/ob/clusters/8/backup/backupNow");
    assert_access_key_auth(r);
    let body = body_json(r);
    assert_eq!(body["backupMode"], "LOGICAL_BACKUP");
    assert!(body.get("obBackupObject").is_none(), "{body}");
    insta::assert_json_snapshot!("backup_now_request_access_key", request_snapshot(r));
}

#[tokio::test]
async fn tenant_backup_now_targets_the_tenant_path_and_sends_oss_keys_on_the_wire_only() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, access_key());
    let storage = BackupStorageConfig::builder()
        .config_name("oss_backup")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageOss)
                .storage_url("osstest/backup")
                .oss_access_key(
                    OssAccessKey::builder()
                        .endpoint("oss-cn-hangzhou.aliyuncs.com")
                        .access_key_id("LTAI-id")
                        .access_key_secret(OSS_SECRET)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let builder = c
        .tenant_backup_now()
        .id(3)
        .tenant_id(1002)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::IncrementalBackup)
        .ob_backup_service_storage_config(storage.clone());
    let shown = format!("{:?} {:?}", builder.as_input(), storage);
    assert!(!shown.contains(OSS_SECRET), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    builder.send().await.unwrap();

    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.target,
        "/api/v2/ob/clusters/3/tenants/1002/backup/backupNow"
    );
    assert_access_key_auth(r);
    assert_eq!(
        body_json(r),
        json!({
            "backupMode": "PHYSICAL_BACKUP",
            "dataBackupMode": "INCREMENTAL_BACKUP",
            "obBackupServiceStorageConfig": {
                "configName": "oss_backup",
                "obBackupStorageBaseInfo": {
                    "backupStorageType": "BACKUP_STORAGE_OSS",
                    "storageUrl": "osstest/backup",
                    "ossAccessKey": {
                        "endpoint": "oss-cn-hangzhou.aliyuncs.com",
                        "accessKeyId": "LTAI-id",
                        "accessKeySecret": OSS_SECRET
                    }
                }
            }
        })
    );
}

#[tokio::test]
async fn unknown_storage_types_are_parsed_as_is_but_never_sent() {
    let strategy = json!({
        "data": {"id": 5, "clusterId": 1, "backupMode": "PHYSICAL_BACKUP", "type": "BACKUP",
                 "obBackupServiceStorageConfig": {"configName": "hdfs1", "storageId": 9,
                    "obBackupStorageBaseInfo": {"backupStorageType": "BACKUP_STORAGE_HDFS", "storageUrl": "/b/"}}},
        "successful": true, "status": 200, "traceId": "t1"
    })
    .to_string();
    let server = ScriptedServer::start(vec![Step::ok(&strategy)]).await;
    let c = client(&server, basic());
    let s = c.get_backup_strategy().id(1).send().await.unwrap();
    let storage = s.ob_backup_service_storage_config.unwrap();
    assert_eq!(
        storage.ob_backup_storage_base_info.backup_storage_type,
        BackupStorageType::Unknown("BACKUP_STORAGE_HDFS".into())
    );
    assert_eq!(
        serde_json::to_value(&storage).unwrap()["obBackupStorageBaseInfo"]["backupStorageType"],
        "BACKUP_STORAGE_HDFS"
    );
    // A storage type the description does not list is not sent back in a backupNow.
    let err = c
        .backup_now()
        .id(1)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(storage)
        .send()
        .await
        .unwrap_err();
    match err {
        Error::InvalidInput(e) => assert_eq!(
            e.field,
            "obBackupServiceStorageConfig.obBackupStorageBaseInfo.backupStorageType"
        ),
        other => panic!("expected InvalidInput, got {other}"),
    }
    assert_eq!(server.requests().len(), 1, "only the strategy was read");
}

// ---------------------------------------------------------------------------------------
// backupStrategy and the convenience call

fn strategy_response() -> String {
    json!({
        "data": {
            "id": 11, "createTime": "2021-09-01T10:00:00.000+08:00", "updateTime": "2021-09-02T10:00:00.000+0800",
            "clusterName": "c1", "obClusterId": 1000005, "clusterId": 8, "backupDimension": "CLUSTER",
            "type": "BACKUP", "backupMode": "PHYSICAL_BACKUP", "serviceConfigName": "svc",
            "obBackupServiceStorageConfig": {
                "configName": "oss_0915", "storageId": 26, "serviceName": "ycfor223", "serviceType": "OB_CLUSTER",
                "serviceId": 8,
                "obBackupStorageBaseInfo": {
                    "backupStorageType": "BACKUP_STORAGE_OSS", "storageUrl": "osstest/backup",
                    "ossAccessKey": {"endpoint": "oss.example.com", "accessKeyId": "id-1", "accessKeySecret": OSS_SECRET}
                }
            },
            "obBackupScheduleConfig": {"backupScheduleMode": "WEEK", "dayAndDataBackupModelMap": {"2": "FULL_BACKUP"}}
        },
        "successful": true, "status": 200, "traceId": "t-strategy", "duration": 4, "server": "s1",
        "timestamp": "2021-09-07T14:51:41.135+08:00"
    })
    .to_string()
}

#[tokio::test]
async fn backup_with_configured_storage_reads_the_strategy_then_sends_its_config() {
    let strategy = strategy_response();
    let server = ScriptedServer::start(vec![Step::ok(&strategy), Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, access_key());

    let out = c
        .backup_now_with_configured_storage(8, DataBackupMode::FullBackup)
        .await
        .unwrap();
    assert_eq!(out.task_ids(), vec![3_000_041]);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let (get, post) = (&requests[0], &requests[1]);
    assert_eq!(get.method, "GET");
    assert_eq!(
        get.target,
        "/api/v2/ob/clusters/8/backup/config/backupStrategy"
    );
    assert!(get.body.is_empty());
    assert_access_key_auth(get);
    insta::assert_json_snapshot!("get_backup_strategy_request", request_snapshot(get));

    assert_eq!(post.target, "/api/v2/ob/clusters/8/backup/backupNow");
    assert_access_key_auth(post);
    assert_eq!(
        body_json(post),
        json!({
            "backupMode": "PHYSICAL_BACKUP",
            "dataBackupMode": "FULL_BACKUP",
            "obBackupServiceStorageConfig": {
                "configName": "oss_0915", "storageId": 26, "serviceName": "ycfor223", "serviceType": "OB_CLUSTER",
                "serviceId": 8,
                "obBackupStorageBaseInfo": {
                    "backupStorageType": "BACKUP_STORAGE_OSS", "storageUrl": "osstest/backup",
                    "ossAccessKey": {"endpoint": "oss.example.com", "accessKeyId": "id-1", "accessKeySecret": OSS_SECRET}
                }
            }
        })
    );
}

#[tokio::test]
async fn backup_strategy_output_is_typed_and_its_debug_hides_the_secret() {
    let strategy = strategy_response();
    let server = ScriptedServer::start(vec![Step::ok(&strategy)]).await;
    let c = client(&server, basic());
    let s = c.get_backup_strategy().id(8).send().await.unwrap();
    assert_eq!(s.id, Some(11));
    assert_eq!(s.backup_mode, Some(BackupMode::PhysicalBackup));
    assert_eq!(s.r#type, Some(ocp_ob_backup::StrategyType::Backup));
    let storage = s.ob_backup_service_storage_config.as_ref().unwrap();
    assert_eq!(storage.storage_id, Some(26));
    assert_eq!(storage.config_name, "oss_0915");
    assert_eq!(
        s.update_time
            .as_deref()
            .and_then(ocp_ob_backup::parse_timestamp),
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_630_548_000))
    );
    let shown = format!("{s:?}");
    assert!(!shown.contains(OSS_SECRET), "{shown}");
    insta::assert_debug_snapshot!("backup_strategy_output", s);
}

#[tokio::test]
async fn configured_storage_without_a_strategy_config_sends_no_backup() {
    let empty = r#"{"data":{"id":1,"clusterId":8},"successful":true,"status":200,"traceId":"t"}"#;
    let server = ScriptedServer::start(vec![Step::ok(empty)]).await;
    let c = client(&server, basic());
    let err = c
        .backup_now_with_configured_storage(8, DataBackupMode::FullBackup)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err}");
    assert!(
        err.to_string().contains("obBackupServiceStorageConfig"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Tasks and the waiter

fn fast_wait() -> WaitConfig {
    WaitConfig::default()
        .with_intervals(Duration::from_millis(5), Duration::from_millis(20))
        .with_timeout(Duration::from_secs(20))
}

#[tokio::test]
async fn get_task_instance_sends_a_signed_get_and_parses_subtasks() {
    let body = task_json(
        "RUNNING",
        &[(1, "Prepare", "SUCCESSFUL"), (2, "Backup data", "RUNNING")],
    );
    let server = ScriptedServer::start(vec![Step::ok(&body), Step::ok(&body)]).await;
    let c = client(&server, access_key());
    let task = c.get_task_instance().id(3_000_041).send().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/api/v2/tasks/instances/3000041");
    assert_eq!(r.header("content-type"), None);
    assert_access_key_auth(r);
    assert_eq!(task.status, Some(TaskStatus::Running));
    assert_eq!(task.subtask_progress(), (1, 2));
    assert!(!task.is_finished());

    let c = client(&server, basic());
    c.get_task_instance().id(3_000_041).send().await.unwrap();
    assert_eq!(
        server.requests()[1].header("authorization"),
        Some(BASIC_ADMIN_ROOT)
    );
    insta::assert_json_snapshot!(
        "get_task_instance_request_basic",
        request_snapshot(&server.requests()[1])
    );
}

#[tokio::test]
async fn waiter_walks_a_task_from_running_to_successful_reporting_progress() {
    let server = ScriptedServer::start(vec![
        Step::ok(&task_json(
            "RUNNING",
            &[
                (1, "Prepare", "RUNNING"),
                (2, "Backup data", "PENDING"),
                (3, "Finish", "PENDING"),
            ],
        )),
        Step::ok(&task_json(
            "RUNNING",
            &[
                (1, "Prepare", "SUCCESSFUL"),
                (2, "Backup data", "RUNNING"),
                (3, "Finish", "PENDING"),
            ],
        )),
        Step::ok(&task_json(
            "SUCCESSFUL",
            &[
                (1, "Prepare", "SUCCESSFUL"),
                (2, "Backup data", "SUCCESSFUL"),
                (3, "Finish", "SUCCESSFUL"),
            ],
        )),
    ])
    .await;
    let c = client(&server, basic());
    let started: ocp_ob_backup::BackupCommonResponse = serde_json::from_value(
        serde_json::from_str::<Value>(SAMPLE_RESPONSE).unwrap()["data"].clone(),
    )
    .unwrap();
    let mut seen = Vec::new();
    let tasks = c
        .wait_until_backup_done(&started)
        .config(fast_wait())
        .on_progress(|p| seen.push((p.state.clone(), p.completed, p.total, p.message.clone())))
        .wait()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status, Some(TaskStatus::Successful));
    assert_eq!(
        seen,
        vec![
            (
                "RUNNING".to_owned(),
                Some(0),
                Some(3),
                Some("task 3000041: Prepare".to_owned())
            ),
            (
                "RUNNING".to_owned(),
                Some(1),
                Some(3),
                Some("task 3000041: Backup data".to_owned())
            ),
        ]
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.target == "/api/v2/tasks/instances/3000041" && r.method == "GET")
    );
}

/// A running task that started at `start` whose subtasks have these statuses and finish
/// times.
fn timed_task_json(start: &str, subtasks: &[(&str, Option<&str>)]) -> String {
    let subtasks: Vec<Value> = subtasks
        .iter()
        .enumerate()
        .map(|(i, (status, finish))| {
            json!({"id": i + 1, "name": format!("step {}", i + 1), "status": status,
                   "startTime": start, "finishTime": finish})
        })
        .collect();
    json!({
        "data": {"id": 3000041, "name": "Backup cluster", "status": "RUNNING",
                 "startTime": start, "subtasks": subtasks},
        "successful": true, "status": 200, "traceId": "t-task"
    })
    .to_string()
}

/// Issue 15: the task waiter predicts the end from the pace of the finished subtasks (the
/// task's `startTime` and their `finishTime`s, against the client's clock) and passes the
/// time left on as `Progress::estimated_remaining`, the hint by which backup-core's
/// schedule polls again then. Times that predict nothing give no hint; an overdue
/// prediction gives zero (the schedule's floor bounds it).
#[tokio::test]
async fn the_task_waiter_estimates_the_time_left_from_the_finished_subtasks() {
    // The client's clock is frozen at 09:13:57; the task started a second before.
    let start = "2023-01-17T09:13:56.000Z";
    let server = ScriptedServer::start(vec![
        // 1 of 3 done after 0.5 s: ends at 09:13:57.5, 500 ms from now.
        Step::ok(&timed_task_json(
            start,
            &[
                ("SUCCESSFUL", Some("2023-01-17T09:13:56.500Z")),
                ("RUNNING", None),
                ("PENDING", None),
            ],
        )),
        // 2 of 3 done after 0.8 s: ends at 09:13:57.2, 200 ms from now.
        Step::ok(&timed_task_json(
            start,
            &[
                ("SUCCESSFUL", Some("2023-01-17T09:13:56.500Z")),
                ("SUCCESSFUL", Some("2023-01-17T09:13:56.800Z")),
                ("RUNNING", None),
            ],
        )),
        // 1 of 3 done after 0.2 s: should have ended at 09:13:56.6, overdue.
        Step::ok(&timed_task_json(
            start,
            &[
                ("SUCCESSFUL", Some("2023-01-17T09:13:56.200Z")),
                ("RUNNING", None),
                ("PENDING", None),
            ],
        )),
        // A subtask that finished before its task started, and one with no time: no hint.
        Step::ok(&timed_task_json(
            start,
            &[
                ("SUCCESSFUL", Some("2023-01-17T09:13:55.000Z")),
                ("RUNNING", None),
            ],
        )),
        Step::ok(&timed_task_json(
            start,
            &[("SUCCESSFUL", Some("soon")), ("RUNNING", None)],
        )),
        // Nothing finished yet: no pace to go by.
        Step::ok(&timed_task_json(
            start,
            &[("RUNNING", None), ("PENDING", None)],
        )),
        Step::ok(&task_json("SUCCESSFUL", &[(1, "step 1", "SUCCESSFUL")])),
    ])
    .await;
    let mut seen = Vec::new();
    client(&server, basic())
        .wait_until_tasks_done(vec![3_000_041])
        .config(fast_wait())
        .on_progress(|p| seen.push(p.estimated_remaining.map(|d| d.as_millis())))
        .wait()
        .await
        .unwrap();
    assert_eq!(seen, vec![Some(500), Some(200), Some(0), None, None, None]);
}

#[tokio::test]
async fn waiter_reports_the_failed_subtask_and_its_log() {
    let log = json!({
        "data": {"log": "2021-09-07 14:52:00 INFO start check\n\n2021-09-07 14:52:01 ERROR Check if ready to data backup failed\nFull data backup needed before incremental data backup\n"},
        "successful": true, "status": 200, "traceId": "t-log"
    })
    .to_string();
    let server = ScriptedServer::start(vec![
        Step::ok(&task_json(
            "RUNNING",
            &[
                (71, "Check if ready to data backup", "RUNNING"),
                (72, "Backup data", "PENDING"),
            ],
        )),
        Step::ok(&task_json(
            "FAILED",
            &[
                (71, "Check if ready to data backup", "FAILED"),
                (72, "Backup data", "PENDING"),
            ],
        )),
        Step::ok(&log),
    ])
    .await;
    let c = client(&server, basic());
    let err = c
        .wait_until_tasks_done(vec![3_000_041])
        .config(fast_wait())
        .wait()
        .await
        .unwrap_err();
    let Error::JobFailed(failed) = &err else {
        panic!("expected JobFailed, got {err}");
    };
    assert_eq!(failed.job_id, "3000041");
    assert_eq!(failed.state, "FAILED");
    let reason = failed.reason.as_deref().unwrap();
    assert!(
        reason.contains("\"Check if ready to data backup\""),
        "{reason}"
    );
    assert!(
        reason.ends_with("Full data backup needed before incremental data backup"),
        "{reason}"
    );
    assert_eq!(
        err.to_string(),
        "ocp job 3000041 ended FAILED: Backup cluster failed at subtask \"Check if ready to data backup\" (subtask 71): \
         2021-09-07 14:52:00 INFO start check | 2021-09-07 14:52:01 ERROR Check if ready to data backup failed | \
         Full data backup needed before incremental data backup"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].target,
        "/api/v2/tasks/instances/3000041/subtasks/71/log"
    );
}

#[tokio::test]
async fn waiter_falls_back_to_the_description_when_the_log_is_unreadable() {
    let server = ScriptedServer::start(vec![
        Step::ok(&task_json("FAILED", &[(71, "Backup data", "FAILED")])),
        Step::status(404, r#"{"successful":false,"status":404,"error":{"code":10002,"message":"not found"},"traceId":"x"}"#),
    ])
    .await;
    let c = client(&server, basic());
    let err = c
        .wait_until_tasks_done(vec![9])
        .config(fast_wait())
        .wait()
        .await
        .unwrap_err();
    let Error::JobFailed(failed) = &err else {
        panic!("expected JobFailed, got {err}");
    };
    assert_eq!(failed.job_id, "9");
    assert_eq!(
        failed.reason.as_deref(),
        Some("Backup cluster failed at subtask \"Backup data\" (subtask 71): Backup data step")
    );
}

#[tokio::test]
async fn waiter_follows_every_task_id() {
    let two = json!({
        "data": {"obBackupTaskType": "DATA_BACKUP_NOW", "backupObjectOpsResultList": [
            {"beSuccessful": true, "taskIdList": [11, 12]}, {"beSuccessful": true, "taskIdList": [12, 13]}]},
        "successful": true
    });
    let started: ocp_ob_backup::BackupCommonResponse =
        serde_json::from_value(two["data"].clone()).unwrap();
    assert_eq!(started.task_ids(), vec![11, 12, 13]);
    let done = task_json("SUCCESSFUL", &[(1, "Backup", "SUCCESSFUL")]);
    let running = task_json("RUNNING", &[(1, "Backup", "RUNNING")]);
    // Round 1: 11 done, 12 running, 13 done. Round 2: only 12 is asked again.
    let server = ScriptedServer::start(vec![
        Step::ok(&done),
        Step::ok(&running),
        Step::ok(&done),
        Step::ok(&done),
    ])
    .await;
    let c = client(&server, basic());
    let tasks = c
        .wait_until_backup_done(&started)
        .config(fast_wait())
        .wait()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 3);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        vec![
            "/api/v2/tasks/instances/11",
            "/api/v2/tasks/instances/12",
            "/api/v2/tasks/instances/13",
            "/api/v2/tasks/instances/12",
        ]
    );
}

#[tokio::test]
async fn a_result_that_is_not_successful_fails_before_polling() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let c = client(&server, basic());
    let started: ocp_ob_backup::BackupCommonResponse = serde_json::from_value(json!({
        "backupObjectOpsResultList": [{"beSuccessful": false, "hint": "Cluster compaction needed before full data backup", "errorCode": 50001}]
    }))
    .unwrap();
    let err = c
        .wait_until_backup_done(&started)
        .config(fast_wait())
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::JobFailed(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "ocp job backupNow ended NOT_STARTED: Cluster compaction needed before full data backup (error code 50001)"
    );
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn waiter_gives_up_at_its_deadline() {
    let running = task_json("RUNNING", &[(1, "Backup", "RUNNING")]);
    let server = ScriptedServer::start(vec![Step::ok(&running)]).await;
    let c = client(&server, basic());
    let config = WaitConfig::default()
        .with_intervals(Duration::from_millis(20), Duration::from_millis(20))
        .with_timeout(Duration::from_millis(100));
    let err = c
        .wait_until_tasks_done(vec![5])
        .config(config)
        .wait()
        .await
        .unwrap_err();
    let Error::WaitTimedOut(t) = &err else {
        panic!("expected WaitTimedOut, got {err}");
    };
    assert_eq!(t.last_state.as_deref(), Some("RUNNING"));
    let n = server.requests().len();
    assert!((2..=10).contains(&n), "{n} polls");
}

// ---------------------------------------------------------------------------------------
// The data backup task list

fn tasks_page(ids: &[i64], number: i64, total_pages: i64) -> String {
    let contents: Vec<Value> = ids
        .iter()
        .map(|id| json!({"taskId": id, "clusterId": 1, "status": "DONE", "backupSetId": id * 10,
                         "startTime": "2021-09-16T17:25:05.943+0800", "backupUri": "file:///obbackup/",
                         "backupMode": "PHYSICAL_BACKUP", "dataBackupTaskType": "FULL_BACKUP", "dataVersion": 3}))
        .collect();
    json!({
        "data": {"contents": contents, "page": {"number": number, "size": 2, "totalElements": 3, "totalPages": total_pages}},
        "successful": true, "status": 200, "traceId": format!("t-page-{number}")
    })
    .to_string()
}

#[tokio::test]
async fn data_backup_tasks_are_streamed_page_by_page() {
    let server = ScriptedServer::start(vec![
        Step::ok(&tasks_page(&[1, 2], 1, 2)),
        Step::ok(&tasks_page(&[3], 2, 2)),
        Step::ok(&tasks_page(&[99], 3, 2)),
    ])
    .await;
    let c = client(&server, access_key());
    let mut stream = c
        .data_backup_tasks(1)
        .page_size(2)
        .map_fetcher(|tasks| tasks.backup_set_id(10));
    let mut ids = Vec::new();
    while let Some(task) = stream.next().await {
        ids.push(task.unwrap().task_id.unwrap());
        assert!(ids.len() <= 10, "the stream did not end");
    }
    assert_eq!(ids, vec![1, 2, 3]);
    assert!(stream.next().await.is_none());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].target,
        "/api/v2/ob/clusters/1/backup/task/dataBackupTasks?page=1&size=2&backupSetId=10"
    );
    assert_eq!(
        requests[1].target,
        "/api/v2/ob/clusters/1/backup/task/dataBackupTasks?page=2&size=2&backupSetId=10"
    );
    for r in &requests {
        assert_eq!(r.method, "GET");
        assert_access_key_auth(r);
    }
    insta::assert_json_snapshot!("data_backup_tasks_request", request_snapshot(&requests[0]));
}

#[tokio::test]
async fn a_data_backup_task_page_parses_with_lenient_types() {
    let server = ScriptedServer::start(vec![Step::ok(&tasks_page(&[1], 1, 1))]).await;
    let c = client(&server, basic());
    let page = c
        .list_data_backup_tasks()
        .id(1)
        .page(1)
        .size(2000)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].target,
        "/api/v2/ob/clusters/1/backup/task/dataBackupTasks?page=1&size=2000"
    );
    let task = &page.contents.as_ref().unwrap()[0];
    assert_eq!(task.data_version.as_deref(), Some("3"));
    assert_eq!(task.data_backup_task_type, Some(DataBackupMode::FullBackup));
    assert_eq!(
        task.start_time
            .as_deref()
            .and_then(ocp_ob_backup::parse_timestamp),
        Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_631_784_305_943))
    );
    assert_eq!(page.page.as_ref().unwrap().total_pages, Some(1));
    insta::assert_debug_snapshot!("data_backup_task_page", page);
}

#[tokio::test]
async fn the_stream_ends_after_an_error() {
    let server = ScriptedServer::start(vec![Step::status(403, r#"{"successful":false,"status":403,"error":{"code":30014,"message":"Operation not permitted"},"traceId":"t403"}"#)]).await;
    let c = client(&server, basic());
    let mut stream = c.data_backup_tasks(1);
    let first = stream.next().await.unwrap().unwrap_err();
    assert_eq!(
        first.service_error_kind(),
        Some(&ServiceErrorKind::PermissionDenied)
    );
    assert!(stream.next().await.is_none());
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Errors, retries and the envelope

#[test]
fn the_sample_envelopes_parse() {
    let ok = Envelope::parse(SAMPLE_RESPONSE.as_bytes()).unwrap();
    assert_eq!(ok.successful, Some(true));
    assert_eq!(ok.request_id(), Some("5962f337662d4043"));
    assert_eq!(ok.duration, Some(51));
    assert_eq!(ok.server.as_deref(), Some("a83ad33525"));
    let throttled = Envelope::parse(THROTTLED.as_bytes()).unwrap();
    assert_eq!(throttled.successful, Some(false));
    assert_eq!(throttled.status, Some(429));
    assert_eq!(throttled.request_id(), None);
    let error = throttled.error.as_ref().unwrap();
    assert_eq!(error.code_text().as_deref(), Some("0"));
    assert_eq!(error.code_number(), Some(0));
    insta::assert_debug_snapshot!("throttled_envelope", throttled);
    assert!(Envelope::parse(b"<html>").is_err());
    assert!(Envelope::parse(b"[1]").is_err());
}

#[tokio::test]
async fn throttling_is_retried_after_ratelimit_reset_even_for_backup_now() {
    let server = ScriptedServer::start(vec![
        Step::status(429, THROTTLED)
            .with_header("RateLimit-Reset", "1")
            .with_header("RateLimit-Remaining", "0"),
        Step::ok(SAMPLE_RESPONSE),
    ])
    .await;
    let c = client(&server, access_key());
    let started = Instant::now();
    let out = c
        .backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(sample_storage())
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.task_ids(), vec![3_000_041]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    for r in &requests {
        assert_access_key_auth(r);
    }
}

#[tokio::test]
async fn the_documented_429_body_becomes_a_throttling_error() {
    let server = ScriptedServer::start(vec![
        Step::status(429, THROTTLED).with_header("RateLimit-Reset", "7"),
    ])
    .await;
    let c = client_with(
        &server,
        basic(),
        RetryConfig::default().with_max_attempts(1),
    );
    let err = c.get_backup_strategy().id(1).send().await.unwrap_err();
    assert!(err.is_throttling());
    assert!(err.is_retryable());
    assert_eq!(err.code(), Some("0"));
    assert_eq!(
        err.message(),
        Some(
            "Excessive number of requests. You have exceeded the request limit for the current throttling window."
        )
    );
    assert_eq!(err.request_id(), None);
    assert_eq!(
        err.service_error().unwrap().retry_after,
        Some(Duration::from_secs(7))
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn authentication_and_permission_errors_are_never_retried() {
    for (status, code, kind) in [
        (401, 30000, ServiceErrorKind::Authentication),
        (403, 30014, ServiceErrorKind::PermissionDenied),
    ] {
        let body = json!({"successful": false, "status": status, "traceId": "t-auth",
                          "error": {"code": code, "message": "denied"}})
        .to_string();
        let server =
            ScriptedServer::start(vec![Step::status(status, &body), Step::ok(SAMPLE_RESPONSE)])
                .await;
        let c = client(&server, basic());
        let err = c.get_task_instance().id(1).send().await.unwrap_err();
        assert_eq!(err.service_error_kind(), Some(&kind), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(err.request_id(), Some("t-auth"));
        assert_eq!(server.requests().len(), 1, "HTTP {status} was retried");
    }
}

#[tokio::test]
async fn a_validation_error_keeps_code_message_and_sub_errors_but_no_echoed_secret() {
    let body = json!({
        "successful": false, "status": 400, "traceId": "trace-400", "duration": 2, "server": "s",
        "timestamp": "2021-09-07T14:51:41.135+0800",
        "error": {
            "code": 10001,
            "message": "Invalid argument",
            "debugMessage": format!("accessKeySecret={OSS_SECRET} rejected"),
            "target": {"name": "obBackupServiceStorageConfig"},
            "subErrors": [
                {"object": "backupNowRequest", "field": "obBackupServiceStorageConfig.obBackupStorageBaseInfo.ossAccessKey.accessKeySecret",
                 "rejectedValue": OSS_SECRET, "message": "must match the key id"},
                {"SQLState": "HY000", "code": 4012, "message": "Timeout"}
            ]
        }
    })
    .to_string();
    let server = ScriptedServer::start(vec![Step::status(400, &body)]).await;
    let c = client(&server, basic());
    let storage = BackupStorageConfig::builder()
        .config_name("oss")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageOss)
                .storage_url("b/")
                .oss_access_key(
                    OssAccessKey::builder()
                        .access_key_id("id")
                        .access_key_secret(OSS_SECRET)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let err = c
        .backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(storage)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("10001"));
    assert_eq!(err.request_id(), Some("trace-400"));
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::InvalidRequest)
    );
    assert_eq!(
        err.message(),
        Some(
            "Invalid argument (accessKeySecret=[redacted] rejected); obBackupServiceStorageConfig.obBackupStorageBaseInfo.ossAccessKey.accessKeySecret: must match the key id; OceanBase error 4012 (HY000): Timeout"
        )
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(OSS_SECRET), "{shown}");
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn string_error_codes_and_errors_inside_http_200_are_errors() {
    let body = r#"{"successful":false,"status":500,"traceId":"t-str","error":{"code":"E001R000","message":"boom"}}"#;
    let server = ScriptedServer::start(vec![Step::ok(body)]).await;
    let c = client_with(
        &server,
        basic(),
        RetryConfig::default().with_max_attempts(1),
    );
    let err = c.get_task_instance().id(1).send().await.unwrap_err();
    assert_eq!(err.code(), Some("E001R000"));
    assert_eq!(err.message(), Some("boom"));
    assert_eq!(err.request_id(), Some("t-str"));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.service_error_kind(), Some(&ServiceErrorKind::Server));
}

#[tokio::test]
async fn a_server_error_on_backup_now_is_ambiguous_and_not_retried() {
    let body = r#"{"successful":false,"status":500,"traceId":"t500","error":{"code":10010,"message":"Unexpected error"}}"#;
    let server =
        ScriptedServer::start(vec![Step::status(500, body), Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    let err = c
        .backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(sample_storage())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert_eq!(err.code(), Some("10010"));
    assert_eq!(err.request_id(), Some("t500"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_server_error_on_a_read_is_retried() {
    let body = r#"{"successful":false,"status":503,"traceId":"t503","error":{"code":10010,"message":"Unavailable"}}"#;
    let ok = task_json("RUNNING", &[]);
    let server = ScriptedServer::start(vec![Step::status(503, body), Step::ok(&ok)]).await;
    let c = client(&server, basic());
    let task = c.get_task_instance().id(1).send().await.unwrap();
    assert_eq!(task.status, Some(TaskStatus::Running));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn an_unparseable_success_is_an_error_with_the_trace_id() {
    let server = ScriptedServer::start(vec![
        Step::ok(r#"{"successful":true,"traceId":"t-bad","data":{"id":1,"subtasks":"nope"}}"#),
        Step::ok("<html>proxy</html>"),
    ])
    .await;
    let c = client(&server, basic());
    let err = c.get_task_instance().id(1).send().await.unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err}");
    assert_eq!(err.request_id(), Some("t-bad"));
    assert!(err.to_string().contains("`data` does not parse"), "{err}");
    let err = c.get_task_instance().id(1).send().await.unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err}");
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------
// Validation: nothing is sent

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    let base = |id: i64| {
        c.backup_now()
            .id(id)
            .backup_mode(BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
    };
    let mut empty_name = sample_storage();
    empty_name.config_name = String::new();
    let mut empty_url = sample_storage();
    empty_url.ob_backup_storage_base_info.storage_url = String::new();

    let cases: Vec<(&str, Result<_, Error>)> = vec![
        (
            "id",
            base(0)
                .ob_backup_service_storage_config(sample_storage())
                .send()
                .await,
        ),
        (
            "id",
            base(-5)
                .ob_backup_service_storage_config(sample_storage())
                .send()
                .await,
        ),
        (
            "obBackupServiceStorageConfig.configName",
            base(1)
                .ob_backup_service_storage_config(empty_name)
                .send()
                .await,
        ),
        (
            "obBackupServiceStorageConfig.obBackupStorageBaseInfo.storageUrl",
            base(1)
                .ob_backup_service_storage_config(empty_url)
                .send()
                .await,
        ),
        ("obBackupServiceStorageConfig", base(1).send().await),
        (
            "backupMode",
            c.backup_now()
                .id(1)
                .data_backup_mode(DataBackupMode::FullBackup)
                .ob_backup_service_storage_config(sample_storage())
                .send()
                .await,
        ),
        (
            "tenantId",
            c.tenant_backup_now()
                .id(1)
                .tenant_id(0)
                .backup_mode(BackupMode::PhysicalBackup)
                .data_backup_mode(DataBackupMode::FullBackup)
                .ob_backup_service_storage_config(sample_storage())
                .send()
                .await,
        ),
    ];
    for (field, result) in cases {
        match result {
            Err(Error::InvalidInput(e)) => assert_eq!(e.field, field, "{e}"),
            other => panic!("{field}: expected InvalidInput, got {other:?}"),
        }
    }
    let others: Vec<(&str, Error)> = vec![
        (
            "id",
            c.get_backup_strategy().id(0).send().await.unwrap_err(),
        ),
        ("id", c.get_task_instance().id(-1).send().await.unwrap_err()),
        (
            "size",
            c.list_data_backup_tasks()
                .id(1)
                .size(2001)
                .send()
                .await
                .unwrap_err(),
        ),
        (
            "page",
            c.list_data_backup_tasks()
                .id(1)
                .page(0)
                .send()
                .await
                .unwrap_err(),
        ),
        (
            "id",
            c.backup_now_with_configured_storage(0, DataBackupMode::FullBackup)
                .await
                .unwrap_err(),
        ),
        (
            "taskIdList",
            c.wait_until_tasks_done(vec![1, 0])
                .config(fast_wait())
                .wait()
                .await
                .unwrap_err(),
        ),
        (
            "size",
            c.data_backup_tasks(1)
                .page_size(5000)
                .next()
                .await
                .unwrap()
                .unwrap_err(),
        ),
        (
            "id",
            c.data_backup_tasks(0).next().await.unwrap().unwrap_err(),
        ),
    ];
    for (field, err) in others {
        match err {
            Error::InvalidInput(e) => assert_eq!(e.field, field, "{e}"),
            other => panic!("{field}: expected InvalidInput, got {other}"),
        }
    }
    assert_eq!(
        server.requests().len(),
        0,
        "an invalid request reached the server"
    );
}

#[tokio::test]
async fn enum_values_outside_the_description_are_refused_before_sending() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    let base = || {
        c.backup_now()
            .id(8)
            .backup_mode(BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(sample_storage())
    };
    let mut nfs = sample_storage();
    nfs.ob_backup_storage_base_info.backup_storage_type =
        BackupStorageType::from("BACKUP_STORAGE_NFS");
    let mut service = sample_storage();
    service.service_type = Some(BackupServiceType::from(""));
    let cases = vec![
        (
            "backupMode",
            "`LOGICAL_BACKUP`, `PHYSICAL_BACKUP`",
            base().backup_mode("physical_backup").send().await,
        ),
        (
            "backupMode",
            "`LOGICAL_BACKUP`, `PHYSICAL_BACKUP`",
            base().backup_mode("").send().await,
        ),
        (
            "dataBackupMode",
            "`FULL_BACKUP`, `INCREMENTAL_BACKUP`",
            base().data_backup_mode("FULL").send().await,
        ),
        (
            "obBackupServiceStorageConfig.obBackupStorageBaseInfo.backupStorageType",
            "`BACKUP_STORAGE_FILE`, `BACKUP_STORAGE_OSS`, `BACKUP_STORAGE_COS`, `BACKUP_STORAGE_S3`",
            base().ob_backup_service_storage_config(nfs).send().await,
        ),
        (
            "obBackupServiceStorageConfig.serviceType",
            "`BACKUP_RESTORE_SERVICE`, `OB_CLUSTER`, `OTHERS`",
            base()
                .ob_backup_service_storage_config(service)
                .send()
                .await,
        ),
        (
            "obBackupObject.backupDimension",
            "`CLUSTER`, `TENANT`",
            base()
                .ob_backup_object(
                    BackupObject::builder()
                        .cluster_id(8)
                        .backup_dimension("cluster")
                        .build()
                        .unwrap(),
                )
                .send()
                .await,
        ),
        (
            "backupMode",
            "`LOGICAL_BACKUP`, `PHYSICAL_BACKUP`",
            c.tenant_backup_now()
                .id(8)
                .tenant_id(3)
                .backup_mode(BackupMode::Unknown("PHYSICAL".into()))
                .data_backup_mode(DataBackupMode::FullBackup)
                .ob_backup_service_storage_config(sample_storage())
                .send()
                .await,
        ),
    ];
    for (field, allowed, result) in cases {
        match result {
            Err(Error::InvalidInput(e)) => {
                assert_eq!(e.field, field, "{e}");
                assert!(e.problem.contains(allowed), "{e}");
            }
            other => panic!("{field}: expected InvalidInput, got {other:?}"),
        }
    }
    assert_eq!(
        server.requests().len(),
        0,
        "an invalid enum reached the server"
    );
}

// ---------------------------------------------------------------------------------------
// Transport and hygiene

#[test]
fn plain_http_to_a_remote_host_needs_the_explicit_switch() {
    let refused = Client::builder()
        .endpoint("http://ocp.example.com:8080")
        .credentials(basic())
        .build();
    match refused {
        Err(Error::Config(m)) => assert!(m.contains("ocp.example.com"), "{m}"),
        other => panic!("expected a Config error, got {other:?}"),
    }
    let allowed = Client::builder()
        .endpoint("http://ocp.example.com:8080")
        .credentials(basic())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert_eq!(allowed.endpoint(), "http://ocp.example.com:8080");
    assert!(
        Client::builder()
            .endpoint("https://ocp.example.com")
            .credentials(basic())
            .build()
            .is_ok()
    );
    assert!(
        Client::builder()
            .endpoint("http://127.0.0.1:8080")
            .credentials(basic())
            .build()
            .is_ok()
    );
    assert!(matches!(
        Client::builder().credentials(basic()).build(),
        Err(Error::Config(_))
    ));
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Client>();
    fn assert_send<T: Send>(_: &T) {}
    let c = Client::builder()
        .endpoint("https://ocp.example.com")
        .credentials(basic())
        .build()
        .unwrap();
    let started = ocp_ob_backup::BackupCommonResponse::default();
    let config = WaitConfig::default();
    // The futures of the hand-written calls can be spawned.
    assert_send(&c.wait_until_backup_done(&started).config(config).wait());
    assert_send(&c.backup_now_with_configured_storage(1, DataBackupMode::FullBackup));
    let mut pages = c.data_backup_tasks(1);
    assert_send(&pages.next());
}

#[test]
fn secrets_never_show_in_debug() {
    let client = Client::builder()
        .endpoint("https://ocp.example.com")
        .credentials(OcpCredentials::access_key(AK, SK))
        .build()
        .unwrap();
    let basic_client = Client::builder()
        .endpoint("https://ocp.example.com")
        .credentials(OcpCredentials::basic("admin", "hunter2-password"))
        .build()
        .unwrap();
    let key = OssAccessKey::builder()
        .access_key_id("id")
        .access_key_secret(OSS_SECRET)
        .build()
        .unwrap();
    let cos = ocp_ob_backup::CosAccessKey::builder()
        .access_key_secret(OSS_SECRET)
        .app_id("app")
        .build()
        .unwrap();
    let s3 = ocp_ob_backup::S3AccessKey::builder()
        .access_key_secret(OSS_SECRET)
        .region("us-east-1")
        .build()
        .unwrap();
    let builder = OssAccessKey::builder().access_key_secret(OSS_SECRET);
    let shown = format!("{client:?} {basic_client:?} {key:?} {cos:?} {s3:?} {builder:?}");
    for secret in [SK, "hunter2-password", OSS_SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("app"), "{shown}");
}

/// Captures everything the SDK logs, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_at_trace_level_never_contain_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let echo = json!({"successful": false, "status": 400, "traceId": "t-log",
        "error": {"code": 10001, "message": format!("bad key {OSS_SECRET}")}})
    .to_string();
    let server =
        ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE), Step::status(400, &echo)]).await;
    let c = client(&server, OcpCredentials::basic("admin", "hunter2-password"));
    let storage = BackupStorageConfig::builder()
        .config_name("oss")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageOss)
                .storage_url("b/")
                .oss_access_key(
                    OssAccessKey::builder()
                        .access_key_secret(OSS_SECRET)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    for _ in 0..2 {
        let result = c
            .backup_now()
            .id(8)
            .backup_mode(BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(storage.clone())
            .send()
            .await;
        if let Err(e) = result {
            assert_eq!(e.message(), Some("bad key [redacted]"));
            tracing::error!(error = %e, debug = ?e, "reported by the caller");
        }
    }
    assert_eq!(server.requests().len(), 2);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("backupNow"), "nothing was logged: {logs}");
    assert!(logs.contains("t-log"), "{logs}");
    for secret in [
        OSS_SECRET,
        "hunter2-password",
        "YWRtaW46aHVudGVyMi1wYXNzd29yZA",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Truthful backupNow outcomes (issue 13 item 3)

fn cluster_backup(c: &Client) -> ocp_ob_backup::BackupNowFluentBuilder {
    c.backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(sample_storage())
}

fn envelope_with_data(data: Value) -> String {
    json!({"data": data, "successful": true, "status": 200, "traceId": "t-started"}).to_string()
}

#[tokio::test]
async fn a_refused_backup_is_a_service_error_from_send_with_code_hint_and_object() {
    let body = envelope_with_data(json!({
        "obBackupTaskType": "DATA_BACKUP_NOW",
        "backupObjectOpsResultList": [{
            "beSuccessful": false,
            "obBackupObjectList": [{"backupDimension": "CLUSTER", "clusterId": 8}],
            "errorCode": 50001,
            "hint": "Cluster compaction needed before full data backup"
        }]
    }));
    let server = ScriptedServer::start(vec![Step::ok(&body), Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    let err = cluster_backup(&c).send().await.unwrap_err();
    let Error::Service(service) = &err else {
        panic!("expected a service error, got {err:?}");
    };
    assert_eq!(service.operation, "backupNow");
    assert_eq!(service.code.as_deref(), Some("50001"));
    assert_eq!(
        service.message.as_deref(),
        Some("Cluster compaction needed before full data backup")
    );
    assert_eq!(service.subject.as_deref(), Some("cluster 8"));
    assert!(service.started_job_ids.is_empty());
    assert_eq!(service.request_id.as_deref(), Some("t-started"));
    assert!(!err.is_retryable());
    assert!(!err.is_ambiguous_outcome());
    assert_eq!(
        err.to_string(),
        "ocp backupNow failed: HTTP 200, code 50001: Cluster compaction needed before full data backup (for cluster 8) (request id t-started)"
    );
    assert_eq!(server.requests().len(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn a_partly_refused_tenant_backup_keeps_the_started_task_ids_in_the_error() {
    let body = envelope_with_data(json!({
        "obBackupTaskType": "DATA_BACKUP_NOW",
        "backupObjectOpsResultList": [
            {"beSuccessful": true,
             "obBackupObjectList": [{"backupDimension": "TENANT", "clusterId": 8, "tenantId": 1001}],
             "taskIdList": [11, 12]},
            {"beSuccessful": false,
             "obBackupObjectList": [{"backupDimension": "TENANT", "clusterId": 8, "tenantId": 1002}],
             "errorCode": {"code": "BACKUP_NOT_READY", "message": "no"},
             "hint": "Full data backup needed before incremental data backup"},
            {"beSuccessful": false,
             "obBackupObjectList": [{"backupDimension": "TENANT", "clusterId": 8, "tenantId": 1003}],
             "errorCode": "E2"}
        ]
    }));
    let server = ScriptedServer::start(vec![Step::ok(&body)]).await;
    let c = client(&server, basic());
    let err = c
        .tenant_backup_now()
        .id(8)
        .tenant_id(1001)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::IncrementalBackup)
        .ob_backup_service_storage_config(sample_storage())
        .send()
        .await
        .unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(service.operation, "tenantBackupNow");
    assert_eq!(service.code.as_deref(), Some("BACKUP_NOT_READY"));
    assert_eq!(service.subject.as_deref(), Some("tenant 1002 of cluster 8"));
    assert_eq!(service.started_job_ids, vec!["11", "12"]);
    assert_eq!(
        service.message.as_deref(),
        Some(
            "Full data backup needed before incremental data backup; also not started for \
             tenant 1003 of cluster 8: OCP did not start the backup and gave no hint (error code E2)"
        )
    );
    let shown = err.to_string();
    assert!(shown.contains("started anyway: 11, 12"), "{shown}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_backup_now_answer_that_names_no_task_is_an_error() {
    let answers = [
        json!({"successful": true, "status": 200, "traceId": "t-empty"}).to_string(),
        envelope_with_data(Value::Null),
        envelope_with_data(json!({})),
        envelope_with_data(json!({"obBackupTaskType": "DATA_BACKUP_NOW"})),
        envelope_with_data(json!({"backupObjectOpsResultList": []})),
        envelope_with_data(json!({"backupObjectOpsResultList": [{"beSuccessful": true}]})),
        envelope_with_data(
            json!({"backupObjectOpsResultList": [{"beSuccessful": true, "taskIdList": []}]}),
        ),
    ];
    for answer in answers {
        let server = ScriptedServer::start(vec![Step::ok(&answer), Step::ok(&answer)]).await;
        let c = client(&server, basic());
        let err = cluster_backup(&c).send().await.unwrap_err();
        let Error::UnparseableResponse(e) = &err else {
            panic!("{answer}: expected UnparseableResponse, got {err:?}");
        };
        assert_eq!(e.operation, "backupNow", "{answer}");
        assert!(e.reason.contains("names no task"), "{answer}: {err}");
        assert_eq!(server.requests().len(), 1, "{answer}: sent once");

        let err = c
            .tenant_backup_now()
            .id(8)
            .tenant_id(1001)
            .backup_mode(BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(sample_storage())
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::UnparseableResponse(e) if e.operation == "tenantBackupNow"),
            "{answer}: {err:?}"
        );
    }
}

#[tokio::test]
async fn waiting_on_no_task_fails_at_once() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let c = client(&server, basic());
    let err = c
        .wait_until_tasks_done(Vec::<i64>::new())
        .config(fast_wait())
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "taskIdList"),
        "{err:?}"
    );
    let nothing = ocp_ob_backup::BackupCommonResponse::default();
    let err = c
        .wait_until_backup_done(&nothing)
        .config(fast_wait())
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn the_cluster_backup_now_refuses_the_tenant_dimension_before_sending() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    for (dimension, dimension_is_listed) in [
        (ocp_ob_backup::BackupDimension::Tenant, true),
        (ocp_ob_backup::BackupDimension::from("tenant"), false),
    ] {
        let err = cluster_backup(&c)
            .ob_backup_object(
                BackupObject::builder()
                    .cluster_id(8)
                    .tenant_id(1001)
                    .backup_dimension(dimension)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_err();
        let Error::InvalidInput(invalid) = &err else {
            panic!("expected InvalidInput, got {err:?}");
        };
        assert_eq!(invalid.field, "obBackupObject.backupDimension");
        // `TENANT` is pointed to the tenant call; a misspelling is refused by the
        // description's enum check first (values are case-sensitive).
        let expected = if dimension_is_listed {
            "tenantBackupNow"
        } else {
            "`TENANT`"
        };
        assert!(invalid.problem.contains(expected), "{err}");
    }
    assert_eq!(server.requests().len(), 0);
    // The cluster dimension is still sent.
    cluster_backup(&c)
        .ob_backup_object(
            BackupObject::builder()
                .cluster_id(8)
                .backup_dimension(ocp_ob_backup::BackupDimension::Cluster)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Builders own their client; `to_request` shows a call without sending it (issue 14 items 4, 5)

fn oss_storage() -> BackupStorageConfig {
    BackupStorageConfig::builder()
        .config_name("oss_backup")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageOss)
                .storage_url("osstest/backup")
                .oss_access_key(
                    OssAccessKey::builder()
                        .endpoint("oss-cn-hangzhou.aliyuncs.com")
                        .access_key_id("LTAI-id")
                        .access_key_secret(OSS_SECRET)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn to_request_shows_the_backup_now_body_with_the_storage_secret_redacted() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, access_key());
    let builder = c
        .backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(oss_storage());
    let shown = builder.to_request().unwrap();
    assert_eq!(shown.method, backup_core::Method::Post);
    assert_eq!(
        shown.url,
        format!(
            "{}/api/v2/ob/clusters/8/backup/backupNow",
            server.base_url.trim_end_matches('/')
        )
    );
    assert!(!shown.body.contains(OSS_SECRET), "{}", shown.body);
    assert!(!shown.to_string().contains(OSS_SECRET), "{shown}");
    let body: Value = serde_json::from_str(&shown.body).unwrap();
    let key = &body["obBackupServiceStorageConfig"]["obBackupStorageBaseInfo"]["ossAccessKey"];
    assert_eq!(key["accessKeySecret"], "[redacted]", "{}", shown.body);
    assert_eq!(key["accessKeyId"], "LTAI-id");
    assert_eq!(body["backupMode"], "PHYSICAL_BACKUP");
    // Showing sent nothing; sending still sends the secret on the wire.
    assert_eq!(server.requests().len(), 0);
    builder.send().await.unwrap();
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert!(String::from_utf8_lossy(&sent[0].body).contains(OSS_SECRET));
}

#[tokio::test]
async fn to_request_refuses_bad_input_with_the_error_send_gives_and_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    // No backupMode: a required member is missing.
    let missing = c
        .backup_now()
        .id(8)
        .data_backup_mode(DataBackupMode::FullBackup);
    let shown = missing.to_request().unwrap_err();
    let sent = missing.send().await.unwrap_err();
    assert!(
        matches!(shown, backup_core::Error::InvalidInput(_)),
        "{shown:?}"
    );
    assert_eq!(shown.to_string(), sent.to_string());
    // A value outside the listed ones.
    let unlisted = cluster_backup(&c).backup_mode(BackupMode::Unknown("physical".into()));
    let shown = unlisted.to_request().unwrap_err();
    let sent = unlisted.send().await.unwrap_err();
    assert!(
        matches!(shown, backup_core::Error::InvalidInput(_)),
        "{shown:?}"
    );
    assert_eq!(shown.to_string(), sent.to_string());
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_send_future_owns_its_client_and_can_be_spawned() {
    // Before issue 14 item 4 the builder borrowed `&Client`, so this did not compile: the
    // spawned future must be `'static`, and `c` is dropped before it runs.
    let server = ScriptedServer::start(vec![Step::ok(SAMPLE_RESPONSE)]).await;
    let c = client(&server, basic());
    let call = cluster_backup(&c).send();
    drop(c);
    tokio::spawn(call).await.unwrap().unwrap();
    assert_eq!(server.requests().len(), 1);
}

/// HTTP 200 whose envelope says `successful: false`, or whose `data` names no task: the
/// client reads each answer once, and neither is ever taken for a started backup.
#[tokio::test]
async fn a_200_that_is_not_a_started_backup_is_never_an_output() {
    let refused = json!({"successful": false, "status": 400, "traceId": "t-500",
        "error": {"code": 60018, "message": "backup is running"},
        "data": {"backupObjectOpsResultList": [{"beSuccessful": true, "taskIdList": [7]}]}})
    .to_string();
    let no_task =
        envelope_with_data(json!({"backupObjectOpsResultList": [{"beSuccessful": true}]}));
    // Member names are read without a copy when they can be; an escaped one is still the name.
    let refused_escaped = refused.replacen("\"successful\"", r#""succ\u0065ssful""#, 1);
    assert_ne!(refused_escaped, refused);
    for (body, service_error) in [(refused, true), (refused_escaped, true), (no_task, false)] {
        let server = ScriptedServer::start(vec![Step::ok(&body)]).await;
        let c = client(&server, basic());
        let err = cluster_backup(&c).send().await.unwrap_err();
        if service_error {
            assert!(matches!(err, Error::Service(_)), "{err:?}");
            assert_eq!(err.request_id(), Some("t-500"));
        } else {
            assert!(matches!(err, Error::UnparseableResponse(_)), "{err:?}");
        }
        assert_eq!(server.requests().len(), 1, "{body}");
    }
}
