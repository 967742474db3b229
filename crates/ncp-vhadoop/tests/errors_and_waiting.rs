//! Gateway and service errors end to end (classification, retries, snapshots of the
//! errors), and the running-state waiter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use backup_core::protocol::ncp::testing;
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vhadoop::{Client, ClusterState, Error, RequestStyle, ResponseFormat, WaitConfig};

fn client(server: &ScriptedServer) -> Client {
    testing::builder(
        &server.base_url,
        RequestStyle::PostForm,
        ResponseFormat::Json,
    )
    .build()
    .unwrap()
}

const OK: &str = r#"{"backupClusterConfigurationResponse":{"requestId":"r-ok","returnCode":"0","returnMessage":"success"}}"#;

async fn backup(server: &ScriptedServer) -> Result<ncp_vhadoop::CommonResponse, Error> {
    client(server)
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no("2707123")
        .send()
        .await
}

#[tokio::test]
async fn authentication_failure_is_not_retried() {
    let server = ScriptedServer::start(vec![Step::status(
        401,
        r#"{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid authentication information."}}"#,
    )])
    .await;
    let err = backup(&server).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!(testing::error_summary(&err));
}

#[tokio::test]
async fn endpoint_error_503_is_retried_even_for_the_backup() {
    let server = ScriptedServer::start(vec![
        Step::status(
            503,
            r#"{"error":{"errorCode":"500","message":"Endpoint Error","details":""}}"#,
        ),
        Step::ok(OK),
    ])
    .await;
    let out = backup(&server).await.unwrap();
    assert_eq!(out.request_id.as_deref(), Some("r-ok"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_500_on_the_backup_is_an_ambiguous_outcome_sent_once() {
    let server = ScriptedServer::start(vec![Step::status(
        500,
        r#"{"responseError": {"returnCode": "5000009", "returnMessage": "An error occurred while processing the internal system."}}"#,
    )])
    .await;
    let err = backup(&server).await.unwrap_err();
    assert!(err.is_ambiguous_outcome());
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!(testing::error_summary(&err));
}

#[tokio::test]
async fn a_500_on_the_detail_is_retried_then_returned() {
    let body = r#"{"responseError": {"returnCode": "5000009", "returnMessage": "internal"}}"#;
    let server = ScriptedServer::start(vec![Step::status(500, body)]).await;
    let err = client(&server)
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no("1")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err}");
    assert_eq!(server.requests().len(), 3, "three attempts");
}

#[tokio::test]
async fn not_found_and_non_zero_return_codes() {
    let server = ScriptedServer::start(vec![Step::status(
        400,
        r#"{"responseError": {"returnCode": "5001017", "returnMessage": "lookup result is 0 or already deleted", "requestId": "r-404"}}"#,
    )])
    .await;
    let err = client(&server)
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no("1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!("not_found", testing::error_summary(&err));

    let server = ScriptedServer::start(vec![Step::ok(
        r#"{"backupClusterConfigurationResponse":{"requestId":"r-2","returnCode":"5000020","returnMessage":"SubAccount authentication failed."}}"#,
    )])
    .await;
    let err = backup(&server).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!("non_zero_return_code_on_200", testing::error_summary(&err));
}

fn detail(status: &str, op: &str) -> Step {
    Step::ok(&format!(
        r#"{{"getCloudHadoopInstanceDetailResponse":{{"requestId":"r","returnCode":"0","returnMessage":"success","totalRows":1,
            "cloudHadoopInstanceList":[{{"cloudHadoopInstanceNo":"2707123","cloudHadoopInstanceStatusName":"{status}-{op}",
            "cloudHadoopInstanceStatus":{{"code":"{status}"}},"cloudHadoopInstanceOperation":{{"code":"{op}"}},
            "objectStorageBucket":"analytics-bucket"}}]}}}}"#
    ))
}

fn fast() -> WaitConfig {
    WaitConfig::default()
        .with_intervals(Duration::from_millis(5), Duration::from_millis(10))
        .with_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn waits_until_the_cluster_runs_again() {
    let server = ScriptedServer::start(vec![
        detail("CREAT", "SETUP"),
        detail("CREAT", "UPGD"),
        detail("CREAT", "NULL"),
    ])
    .await;
    let c = client(&server);
    let mut seen = Vec::new();
    let cluster = c
        .wait_until_cluster_running("2707123")
        .config(fast())
        .on_progress(|p| seen.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(ClusterState::of(&cluster), ClusterState::Running);
    assert_eq!(
        cluster.object_storage_bucket.as_deref(),
        Some("analytics-bucket")
    );
    assert_eq!(seen, vec!["CREAT/SETUP", "CREAT/UPGD"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.target == "/vhadoop/v2/getCloudHadoopInstanceDetail")
    );
}

#[tokio::test]
async fn a_cluster_being_deleted_or_gone_ends_the_wait() {
    let server = ScriptedServer::start(vec![detail("CREAT", "SETUP"), detail("DEL", "DEL")]).await;
    let err = client(&server)
        .wait_until_cluster_running("2707123")
        .config(fast())
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::JobFailed(_)), "{err}");
    insta::assert_json_snapshot!("deleting", testing::error_summary(&err));

    let server = ScriptedServer::start(vec![Step::ok(
        r#"{"getCloudHadoopInstanceDetailResponse":{"returnCode":"0","totalRows":0,"cloudHadoopInstanceList":[]}}"#,
    )])
    .await;
    let err = client(&server)
        .wait_until_cluster_running("2707123")
        .config(fast())
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::JobFailed(_)), "{err}");
}

#[tokio::test]
async fn gives_up_at_the_deadline_with_the_last_state() {
    let server = ScriptedServer::start(vec![detail("CREAT", "SETUP")]).await;
    let err = client(&server)
        .wait_until_cluster_running("2707123")
        .config(fast().with_timeout(Duration::from_millis(60)))
        .wait()
        .await
        .unwrap_err();
    match err {
        Error::WaitTimedOut(t) => assert_eq!(t.last_state.as_deref(), Some("CREAT/SETUP")),
        other => panic!("{other}"),
    }
}

#[test]
fn cluster_states() {
    let of = |status: &str, op: &str, name: &str| {
        let json = serde_json::json!({
            "cloudHadoopInstanceStatus": {"code": status},
            "cloudHadoopInstanceOperation": {"code": op},
            "cloudHadoopInstanceStatusName": name,
        });
        let mut value = json;
        if status.is_empty() {
            value
                .as_object_mut()
                .unwrap()
                .remove("cloudHadoopInstanceStatus");
            value
                .as_object_mut()
                .unwrap()
                .remove("cloudHadoopInstanceOperation");
        }
        ClusterState::of(&serde_json::from_value(value).unwrap())
    };
    assert_eq!(of("CREAT", "NULL", ""), ClusterState::Running);
    assert_eq!(of("creat", "null", ""), ClusterState::Running);
    assert_eq!(of("INIT", "CREAT", ""), ClusterState::Creating);
    assert_eq!(
        of("CREAT", "SETUP", ""),
        ClusterState::Busy {
            operation: "SETUP".into()
        }
    );
    assert_eq!(of("DEL", "DEL", ""), ClusterState::Deleting);
    assert_eq!(of("", "", "running"), ClusterState::Running);
    assert!(matches!(of("STOP", "NULL", ""), ClusterState::Other { .. }));
}
