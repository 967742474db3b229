//! Errors, validation, the job waiter, pagination and secret hygiene, against a scripted
//! loopback server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use backup_core::credentials::{HuaweiCredentials, SecretString, StaticEnvironment};
use backup_core::paginate::Stream;
use backup_core::test_util::Step;
use backup_core::{Error, PaginationErrorKind, Retryability, ServiceErrorKind, WaitConfig};
use common::*;
use hw_ges_backup::{Client, JobStatus};

fn service(err: &Error) -> &backup_core::ServiceError {
    err.service_error()
        .unwrap_or_else(|| panic!("not a service error: {err:?}"))
}

// ---------------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn the_documented_404_sample_is_parsed_with_the_request_id() {
    let server = serve(vec![
        Step::status(
            404,
            r#"{
"error_msg": "Cluster does not exist or has been deleted.",
"error_code": "GES.0047"
}"#,
        )
        .with_header("x-request-id", "04f7c6f3a4f6bb2cf8d8e9b4f1a2b3c4"),
    ])
    .await;
    let err = aksk_client(&server)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    let e = service(&err);
    assert_eq!(e.http_status, 404);
    assert_eq!(e.code.as_deref(), Some("GES.0047"));
    assert_eq!(
        e.message.as_deref(),
        Some("Cluster does not exist or has been deleted.")
    );
    assert_eq!(
        e.request_id.as_deref(),
        Some("04f7c6f3a4f6bb2cf8d8e9b4f1a2b3c4")
    );
    assert_eq!(e.kind, ServiceErrorKind::NotFound);
    assert_eq!(e.operation, "createBackup");
    assert_eq!(e.vendor, "huawei-ges");
    assert_eq!(server.requests().len(), 1);
    insta::assert_snapshot!("error_display_ges_0047", err.to_string());
}

#[tokio::test]
async fn backup_in_progress_and_quota_exceeded_are_distinct_kinds_and_not_retried() {
    for (code, message, kind) in [
        (
            "GES.7002",
            "The graph is being backed up.",
            ServiceErrorKind::BackupInProgress,
        ),
        (
            "GES.7019",
            "The number of graph backups reaches the upper limit.",
            ServiceErrorKind::BackupQuotaExceeded,
        ),
    ] {
        let body = format!(r#"{{"error_code":"{code}","error_msg":"{message}"}}"#);
        let server = serve(vec![Step::status(400, &body)]).await;
        let err = aksk_client(&server)
            .create_backup()
            .graph_id(GRAPH)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.service_error_kind(), Some(&kind), "{code}");
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.message(), Some(message));
        assert!(!err.is_retryable());
        assert_eq!(server.requests().len(), 1, "{code} must not be retried");
    }
}

#[tokio::test]
async fn v1_and_nested_error_shapes_are_understood() {
    let server = serve(vec![Step::status(
        400,
        r#"{"errorCode":"GES.7000","errorMessage":"The graph does not exist or has been deleted."}"#,
    )])
    .await;
    let err = aksk_client(&server)
        .show_job()
        .graph_id(GRAPH)
        .job_id("j")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("GES.7000"));
    assert_eq!(err.service_error_kind(), Some(&ServiceErrorKind::NotFound));

    let server2 = serve(vec![Step::status(
        403,
        r#"{"error":{"code":"APIGW.0306","message":"API access denied."}}"#,
    )])
    .await;
    let err = aksk_client(&server2)
        .list_backups()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0306"));
    assert_eq!(err.message(), Some("API access denied."));
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::PermissionDenied)
    );
    assert_eq!(server2.requests().len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_even_for_create_backup() {
    let server = serve(vec![
        Step::status(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 second","request_id":"r-429"}"#,
        ),
        Step::ok(r#"{"job_id":"j-after-throttle"}"#),
    ])
    .await;
    let out = aksk_client(&server)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap();
    assert_eq!(out.job_id, "j-after-throttle");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // Each attempt is signed anew and the second is as valid as the first.
    assert_signature(&requests[1], AK, SK);
}

#[tokio::test]
async fn exhausted_throttling_reports_apigw_0308_with_the_body_request_id() {
    let server = serve(vec![Step::status(
        429,
        r#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached","request_id":"r-429"}"#,
    )])
    .await;
    let err = aksk_client(&server)
        .list_backups()
        .send()
        .await
        .unwrap_err();
    let e = service(&err);
    assert_eq!(e.code.as_deref(), Some("APIGW.0308"));
    assert_eq!(e.kind, ServiceErrorKind::Throttling);
    assert_eq!(e.retryability, Retryability::Safe);
    assert_eq!(e.request_id.as_deref(), Some("r-429"));
    assert_eq!(server.requests().len(), 3, "three attempts");
}

#[tokio::test]
async fn vendor_retry_codes_are_retried_for_create_backup() {
    for (status, code) in [(408, "GES.7005"), (400, "GES.7006"), (400, "GES.7051")] {
        let body = format!(r#"{{"error_code":"{code}","error_msg":"try again"}}"#);
        let server = serve(vec![
            Step::status(status, &body),
            Step::ok(r#"{"job_id":"j2"}"#),
        ])
        .await;
        let out = aksk_client(&server)
            .create_backup()
            .graph_id(GRAPH)
            .send()
            .await
            .unwrap();
        assert_eq!(out.job_id, "j2");
        assert_eq!(server.requests().len(), 2, "{code}");
    }
}

#[tokio::test]
async fn authentication_errors_are_never_retried() {
    for (status, body) in [
        (
            401,
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#,
        ),
        (401, ""),
        (403, r#"{"error_code":"APIGW.0302","error_msg":"no"}"#),
    ] {
        let server = serve(vec![Step::status(status, body)]).await;
        let err = aksk_client(&server)
            .delete_backup()
            .graph_id(GRAPH)
            .backup_id("b")
            .send()
            .await
            .unwrap_err();
        assert!(!err.is_retryable(), "{status} {body}");
        assert_eq!(server.requests().len(), 1, "{status} {body}");
    }
}

#[tokio::test]
async fn a_5xx_on_create_backup_is_an_ambiguous_outcome_and_not_retried() {
    let server = serve(vec![Step::status(
        500,
        r#"{"error_code":"GES.9999","error_msg":"x"}"#,
    )])
    .await;
    let err = aksk_client(&server)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Validation: nothing is sent

#[tokio::test]
async fn bad_project_or_graph_ids_are_refused_before_sending() {
    let server = serve(vec![Step::ok(r#"{"job_id":"j"}"#)]).await;
    let client = aksk_client(&server);
    let long = "a".repeat(65);
    for bad_project in ["", "abc-def", "abc/def", "ab cd", "ünïcode", long.as_str()] {
        let err = client
            .create_backup()
            .project_id(bad_project)
            .graph_id(GRAPH)
            .send()
            .await
            .unwrap_err();
        match &err {
            Error::InvalidInput(i) => assert_eq!(i.field, "project_id", "{bad_project:?}"),
            other => panic!("{bad_project:?}: {other:?}"),
        }
    }
    for bad_graph in ["", ".", "..", "a\nb"] {
        let err = client
            .create_backup()
            .graph_id(bad_graph)
            .send()
            .await
            .unwrap_err();
        match &err {
            Error::InvalidInput(i) => assert_eq!(i.field, "graph_id", "{bad_graph:?}"),
            other => panic!("{bad_graph:?}: {other:?}"),
        }
    }
    let missing = client.create_backup().send().await.unwrap_err();
    assert!(matches!(missing, Error::InvalidInput(ref i) if i.field == "graph_id"));
    let err = client
        .delete_backup()
        .graph_id(GRAPH)
        .backup_id("..")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    let err = client.list_backups().limit(0).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(ref i) if i.field == "limit"));
    assert_eq!(server.requests().len(), 0);
    // 64 letters and digits are fine.
    client
        .create_backup()
        .project_id("A".repeat(64))
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn without_a_project_id_calls_fail_before_sending() {
    let server = serve(vec![Step::ok("{}")]).await;
    let client = Client::builder()
        .endpoint(server.base_url.clone())
        .environment(StaticEnvironment::new())
        .credentials(HuaweiCredentials::new(AK, SK))
        .build()
        .unwrap();
    assert_eq!(client.project_id(), None);
    let err = client.list_backups().send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(ref i) if i.field == "project_id"));
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_configured_project_id_is_held_to_the_same_rule_as_a_callers() {
    // The client fills `project_id` after `validate` ran, so it checks its own value too.
    let server = serve(vec![Step::ok("{}")]).await;
    for bad in ["abc-def", "a/b", "ünïcode"] {
        let client = Client::builder()
            .endpoint(server.base_url.clone())
            .environment(StaticEnvironment::new())
            .credentials(HuaweiCredentials::new(AK, SK))
            .project_id(bad)
            .build()
            .unwrap();
        let err = client.list_backups().send().await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(ref i) if i.field == "project_id"),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn project_id_and_credentials_come_from_the_environment() {
    let server = serve(vec![Step::ok(r#"{"job_id":"j"}"#)]).await;
    let env = StaticEnvironment::new()
        .with_var("HUAWEICLOUD_SDK_AK", "EnvAccessKey")
        .with_var("HUAWEICLOUD_SDK_SK", "EnvSecret")
        .with_var("HUAWEICLOUD_SDK_PROJECT_ID", "envproject42");
    let client = Client::builder()
        .endpoint(server.base_url.clone())
        .environment(env)
        .clock(frozen())
        .build()
        .unwrap();
    assert_eq!(client.project_id(), Some("envproject42"));
    client.create_backup().graph_id("g").send().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.target, "/v2/envproject42/graphs/g/backups");
    assert_eq!(r.header("x-project-id"), Some("envproject42"));
    assert_signature(r, "EnvAccessKey", "EnvSecret");
}

#[test]
fn endpoints_follow_the_region_with_the_eu_exception() {
    let c = Client::builder()
        .region("ap-southeast-1")
        .project_id("p")
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ges.ap-southeast-1.myhuaweicloud.com");
    let c = Client::builder()
        .region("eu-west-101")
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ges.eu-west-101.myhuaweicloud.eu");
    let c = Client::builder()
        .region("cn-north-4")
        .endpoint("https://ges.example.test:8443")
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://ges.example.test:8443");
    assert!(Client::builder().region("evil.com/x").build().is_err());
    assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Client>();
    assert_traits::<hw_ges_backup::IamTokenProvider>();
}

// ---------------------------------------------------------------------------------------
// The waiter

fn job(status: &str, extra: &str) -> Step {
    Step::ok(&format!(
        r#"{{"job_id":"j1","status":"{status}","job_type":"BackupGraph"{extra}}}"#
    ))
}

fn wait_config() -> WaitConfig {
    WaitConfig::default()
        .with_intervals(Duration::from_millis(5), Duration::from_millis(10))
        .with_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn the_waiter_reports_progress_and_returns_the_successful_job() {
    let server = serve(vec![
        job("pending", ""),
        job("running", r#","job_progress":40.0"#),
        job("success", r#","end_time":"2020-02-10T07:15:14""#),
    ])
    .await;
    let client = aksk_client(&server);
    let mut seen = Vec::new();
    let done = client
        .wait_until_job_done(GRAPH, "j1")
        .config(wait_config())
        .on_progress(|p| seen.push((p.state.clone(), p.message.clone(), p.polls)))
        .wait()
        .await
        .unwrap();
    assert_eq!(done.status, Some(JobStatus::Success));
    assert_eq!(done.end_time.as_deref(), Some("2020-02-10T07:15:14"));
    assert_eq!(
        seen,
        vec![
            ("pending".to_owned(), None, 1),
            ("running".to_owned(), Some("40%".to_owned()), 2)
        ]
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(
            r.target,
            format!("/v2/{PROJECT}/graphs/{GRAPH}/jobs/j1/status")
        );
        assert_signature(r, AK, SK);
    }
}

/// Issue 15: `job_progress` reaches the waiter as `percent_done`, the hint by which
/// backup-core's schedule polls again at the end it predicts (pinned on a stepping clock
/// in `backup_core::poll`'s tests); values that are no percentage are dropped.
#[tokio::test]
async fn the_waiter_reads_job_progress_as_its_percent_done_hint() {
    let server = serve(vec![
        job("running", r#","job_progress":0.0"#),
        job("running", r#","job_progress":50.0"#),
        job("running", r#","job_progress":1e300"#),
        job("running", r#","job_progress":-3"#),
        job("success", ""),
    ])
    .await;
    let mut seen = Vec::new();
    aksk_client(&server)
        .wait_until_job_done(GRAPH, "j1")
        .config(wait_config())
        .on_progress(|p| seen.push(p.percent_done))
        .wait()
        .await
        .unwrap();
    assert_eq!(seen, vec![Some(0.0), Some(50.0), None, None]);
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn the_waiter_fails_with_the_reason_for_failed_and_partially_failed() {
    for status in ["failed", "partiallyFailed"] {
        let server = serve(vec![
            job("running", ""),
            job(
                status,
                r#","fail_reason":"Insufficient disk space on the backup node.""#,
            ),
        ])
        .await;
        let err = aksk_client(&server)
            .wait_until_job_done(GRAPH, "j1")
            .config(wait_config())
            .wait()
            .await
            .unwrap_err();
        match &err {
            Error::JobFailed(f) => {
                assert_eq!(f.state, status);
                assert_eq!(f.job_id, "j1");
                assert_eq!(
                    f.reason.as_deref(),
                    Some("Insufficient disk space on the backup node.")
                );
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(server.requests().len(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn the_waiter_gives_up_at_its_deadline() {
    let server = serve(vec![job("running", "")]).await;
    let client = token_client(&server);
    let config = WaitConfig::default()
        .with_intervals(Duration::from_secs(1), Duration::from_secs(2))
        .with_timeout(Duration::from_secs(5));
    let err = client
        .wait_until_job_done(GRAPH, "j1")
        .config(config)
        .wait()
        .await
        .unwrap_err();
    match &err {
        Error::WaitTimedOut(t) => assert_eq!(t.last_state.as_deref(), Some("running")),
        other => panic!("{other:?}"),
    }
    let polls = server.requests().len();
    assert!((3..=6).contains(&polls), "{polls} polls");
}

#[tokio::test]
async fn the_waiter_stops_on_a_service_error() {
    let server = serve(vec![Step::status(
        400,
        r#"{"error_code":"GES.7007","error_msg":"The job does not exist."}"#,
    )])
    .await;
    let err = aksk_client(&server)
        .wait_until_job_done(GRAPH, "nope")
        .config(wait_config())
        .wait()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("GES.7007"));
    assert_eq!(server.requests().len(), 1);
}

fn listed(backups: &[(&str, &str)]) -> Step {
    let items: Vec<String> = backups
        .iter()
        .map(|(id, status)| format!(r#"{{"id":"{id}","status":"{status}"}}"#))
        .collect();
    Step::ok(&format!(
        r#"{{"backup_count":{},"backup_list":[{}]}}"#,
        backups.len(),
        items.join(",")
    ))
}

/// Issue 14 item 3: the wait for a backup found by listing (backupctl's own
/// `wait_for_ges_backup` before) is the SDK's, with the same waiter shape.
#[tokio::test]
async fn the_backup_waiter_follows_a_listed_backup_to_success() {
    let server = serve(vec![
        listed(&[("other", "success")]),
        listed(&[("other", "success"), ("b7", "backing_up")]),
        listed(&[("other", "success"), ("b7", "success")]),
    ])
    .await;
    let mut seen = Vec::new();
    let backup = aksk_client(&server)
        .wait_until_backup_done(GRAPH, "b7")
        .config(wait_config())
        .on_progress(|p| seen.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.id.as_deref(), Some("b7"));
    assert_eq!(seen, ["not listed", "backing_up"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[0]
            .target
            .starts_with(&format!("/v2/{PROJECT}/graphs/{GRAPH}/backups?")),
        "{}",
        requests[0].target
    );

    let server = serve(vec![listed(&[("b7", "failed")])]).await;
    let err = aksk_client(&server)
        .wait_until_backup_done(GRAPH, "b7")
        .config(wait_config())
        .wait()
        .await
        .unwrap_err();
    match &err {
        Error::JobFailed(f) => assert_eq!((f.job_id.as_str(), f.state.as_str()), ("b7", "failed")),
        other => panic!("{other:?}"),
    }
}

/// A waiter owns a clone of the client, so its wait can be spawned.
#[tokio::test]
async fn a_waiter_can_be_spawned() {
    let server = serve(vec![job("success", "")]).await;
    let waiter = aksk_client(&server)
        .wait_until_job_done(GRAPH, "j1")
        .timeout(Duration::from_secs(10));
    let job = tokio::spawn(waiter.wait()).await.unwrap().unwrap();
    assert_eq!(job.status, Some(JobStatus::Success));
}

// ---------------------------------------------------------------------------------------
// Pagination

fn page(count: usize, ids: &[&str]) -> Step {
    let items: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","status":"success"}}"#))
        .collect();
    Step::ok(&format!(
        r#"{{"backup_count":{count},"backup_list":[{}]}}"#,
        items.join(",")
    ))
}

#[tokio::test]
async fn graph_backups_walks_every_page_with_offset_and_limit() {
    let server = serve(vec![
        page(5, &["b1", "b2"]),
        page(5, &["b3", "b4"]),
        page(5, &["b5"]),
    ])
    .await;
    let client = aksk_client(&server);
    let all = client
        .graph_backups(GRAPH)
        .page_size(2)
        .collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|b| b.id.clone().unwrap()).collect();
    assert_eq!(ids, ["b1", "b2", "b3", "b4", "b5"]);
    let targets: Vec<_> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            format!("/v2/{PROJECT}/graphs/{GRAPH}/backups?offset=0&limit=2"),
            format!("/v2/{PROJECT}/graphs/{GRAPH}/backups?offset=2&limit=2"),
            format!("/v2/{PROJECT}/graphs/{GRAPH}/backups?offset=4&limit=2"),
        ]
    );
}

#[tokio::test]
async fn backups_stops_at_backup_count_on_a_full_page_and_at_max_pages() {
    let first = serve(vec![page(2, &["b1", "b2"])]).await;
    let client = token_client(&first);
    let mut stream = client.backups().page_size(2);
    assert_eq!(
        stream.next().await.unwrap().unwrap().id.as_deref(),
        Some("b1")
    );
    assert_eq!(
        stream.next().await.unwrap().unwrap().id.as_deref(),
        Some("b2")
    );
    assert!(stream.next().await.is_none());
    assert_eq!(first.requests().len(), 1);
    assert_eq!(
        first.requests()[0].target,
        format!("/v2/{PROJECT}/graphs/backups?offset=0&limit=2")
    );

    // A server that always answers the same full page and lies about the count: the
    // repeat ends the listing with an error, where it used to be cut at `max_pages` and
    // returned as complete.
    let server = server_always_full().await;
    let error = token_client(&server)
        .backups()
        .page_size(1)
        .max_pages(3)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(pagination_kind(&error), &PaginationErrorKind::RepeatedPage);
    assert_eq!(server.requests().len(), 2);
}

fn pagination_kind(error: &Error) -> &PaginationErrorKind {
    match error {
        Error::Pagination(e) => {
            assert_eq!(e.vendor, "huawei-ges");
            assert!(
                ["listBackups", "listGraphBackups"].contains(&e.operation),
                "{error}"
            );
            &e.kind
        }
        other => panic!("not a pagination error: {other}"),
    }
}

async fn server_always_full() -> backup_core::test_util::ScriptedServer {
    serve(vec![page(1_000_000, &["x"])]).await
}

#[tokio::test]
async fn a_page_error_ends_the_stream_after_yielding_it() {
    let server = serve(vec![
        page(4, &["b1", "b2"]),
        Step::status(403, r#"{"error_code":"APIGW.0302","error_msg":"no"}"#),
    ])
    .await;
    let mut stream = aksk_client(&server).graph_backups(GRAPH).page_size(2);
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_ok());
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0302"));
    assert!(stream.next().await.is_none());
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------
// Secrets

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let server = serve(vec![Step::status(
        401,
        r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#,
    )])
    .await;
    let clients = [
        temporary_aksk_client(&server),
        token_client(&server),
        Client::builder()
            .endpoint(server.base_url.clone())
            .project_id(PROJECT)
            .environment(StaticEnvironment::new())
            .credentials(HuaweiCredentials::new(AK, SK).with_security_token(SECURITY_TOKEN))
            .build()
            .unwrap(),
    ];
    for client in &clients {
        let err = client.list_backups().send().await.unwrap_err();
        let shown = format!(
            "{client:?} {err} {err:?} {:?}",
            Client::builder().token(SecretString::new(AUTH_TOKEN))
        );
        for secret in [SK, SECURITY_TOKEN, AUTH_TOKEN] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("APIGW.0301"));
    }
}

#[tokio::test]
async fn a_job_without_status_is_an_unparseable_response() {
    let server = serve(vec![Step::ok(r#"{"job_id":"j1"}"#)]).await;
    let err = aksk_client(&server)
        .wait_until_job_done(GRAPH, "j1")
        .config(wait_config())
        .wait()
        .await
        .unwrap_err();
    match &err {
        Error::UnparseableResponse(e) => {
            assert_eq!(e.operation, "showJob");
            assert_eq!(e.vendor, "huawei-ges");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

/// The issue's reproducer for GES: a server that always answers the same full page and
/// says there are a million backups. The old paginator requested 1,000 pages and returned
/// them as if the listing were complete.
#[tokio::test]
async fn a_server_repeating_one_page_ends_the_listing_with_an_error() {
    let server = server_always_full().await;
    let mut backups = aksk_client(&server).graph_backups(GRAPH).page_size(1);
    let mut listed = 0usize;
    let mut error = None;
    while listed <= 1000 {
        match backups.next().await {
            Some(Ok(_)) => listed += 1,
            Some(Err(e)) => {
                error = Some(e);
                break;
            }
            None => break,
        }
    }
    let error = error.expect("a listing that never ends is an error, not a truncation");
    assert_eq!(listed, 1, "only the first page is listed");
    assert_eq!(server.requests().len(), 2, "{error}");
    assert_eq!(pagination_kind(&error), &PaginationErrorKind::RepeatedPage);
    assert_eq!(
        error.to_string(),
        "huawei-ges listGraphBackups: paging stopped after 2 pages: page 2 repeats the page before it"
    );
    assert!(backups.next().await.is_none(), "the listing ended");
}

/// Reaching the page cap while the service reports more is an error, never a silent
/// truncation; the pages before it are still delivered.
#[tokio::test]
async fn reaching_max_pages_is_an_error_after_the_pages_it_allowed() {
    let server = serve(vec![
        page(10, &["b1"]),
        page(10, &["b2"]),
        page(10, &["b3"]),
        page(10, &["b4"]),
    ])
    .await;
    let mut backups = aksk_client(&server).backups().page_size(1).max_pages(3);
    let mut ids = Vec::new();
    let mut error = None;
    while ids.len() <= 10 {
        match backups.next().await {
            Some(Ok(b)) => ids.push(b.id.unwrap()),
            Some(Err(e)) => {
                error = Some(e);
                break;
            }
            None => break,
        }
    }
    assert_eq!(ids, ["b1", "b2", "b3"]);
    let error = error.expect("a cap reached is an error");
    assert_eq!(server.requests().len(), 3, "{error}");
    assert_eq!(
        pagination_kind(&error),
        &PaginationErrorKind::PageCapReached { max_pages: 3 }
    );
    assert!(backups.next().await.is_none());
    assert_eq!(server.requests().len(), 3);

    let server = serve(vec![
        page(10, &["b1"]),
        page(10, &["b2"]),
        page(10, &["b3"]),
        page(10, &["b4"]),
    ])
    .await;
    let collected = aksk_client(&server)
        .backups()
        .page_size(1)
        .max_pages(3)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(
        pagination_kind(&collected),
        &PaginationErrorKind::PageCapReached { max_pages: 3 }
    );
    assert_eq!(server.requests().len(), 3);
}

/// A server that answers an empty page but counts more backups than it listed ends the
/// listing (an empty page is the last), and one that ignores `offset` repeats its page.
#[tokio::test]
async fn an_offset_that_does_not_move_the_listing_ends_it() {
    let server = serve(vec![page(5, &["b1", "b2"]), page(5, &[])]).await;
    let all = aksk_client(&server)
        .graph_backups(GRAPH)
        .page_size(2)
        .collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(server.requests().len(), 2);

    let server = serve(vec![page(5, &["b1", "b2"]), page(5, &["b1", "b2"])]).await;
    let error = aksk_client(&server)
        .graph_backups(GRAPH)
        .page_size(2)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(pagination_kind(&error), &PaginationErrorKind::RepeatedPage);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn backups_come_as_pages_and_as_a_stream() {
    let script = || {
        vec![
            page(5, &["b1", "b2"]),
            page(5, &["b3", "b4"]),
            page(5, &["b5"]),
        ]
    };
    let server = serve(script()).await;
    let mut pages = aksk_client(&server).graph_backups(GRAPH).page_size(2);
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        sizes.push(page.unwrap().len());
        assert!(sizes.len() <= 10, "did not end");
    }
    assert_eq!(sizes, [2, 2, 1]);

    let server = serve(script()).await;
    let mut stream = aksk_client(&server)
        .graph_backups(GRAPH)
        .page_size(2)
        .into_stream();
    let mut ids = Vec::new();
    while let Some(backup) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut stream).poll_next(cx)).await
    {
        ids.push(backup.unwrap().id.unwrap());
        assert!(ids.len() <= 10, "did not end");
    }
    assert_eq!(ids, ["b1", "b2", "b3", "b4", "b5"]);
    assert_eq!(server.requests().len(), 3);
}

// ---------------------------------------------------------------------------------------
// `to_request` shows a call without sending it (issue 14 item 5)

#[tokio::test]
async fn to_request_shows_the_encoded_path_with_the_clients_project_id() {
    let server = serve(vec![Step::ok(r#"{"job_id":"j"}"#)]).await;
    let client = aksk_client(&server);
    let shown = client
        .create_backup()
        .graph_id("a/b c")
        .to_request()
        .unwrap();
    assert_eq!(shown.method, backup_core::Method::Post);
    assert_eq!(
        shown.url,
        format!(
            "{}/v2/{PROJECT}/graphs/a%2Fb%20c/backups",
            server.base_url.trim_end_matches('/')
        )
    );
    assert!(
        shown
            .headers
            .iter()
            .any(|(name, value)| name == "x-project-id" && value == PROJECT),
        "{shown}"
    );
    assert_eq!(shown.body, "{}");
    // A project set on the call wins over the client's.
    let other = client
        .list_backups()
        .project_id("otherproject")
        .to_request()
        .unwrap();
    assert!(
        other.url.contains("/v2/otherproject/graphs/backups"),
        "{other}"
    );
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn to_request_refuses_what_send_refuses_and_sends_nothing() {
    let server = serve(vec![Step::ok("{}")]).await;
    let client = aksk_client(&server);
    let bad_graph = client.create_backup().graph_id("..");
    let shown = bad_graph.to_request().unwrap_err();
    let sent = bad_graph.send().await.unwrap_err();
    assert!(
        matches!(shown, Error::InvalidInput(ref i) if i.field == "graph_id"),
        "{shown:?}"
    );
    assert_eq!(shown.to_string(), sent.to_string());
    let bad_project = client
        .show_job()
        .graph_id(GRAPH)
        .job_id("j")
        .project_id("a-b");
    let shown = bad_project.to_request().unwrap_err();
    let sent = bad_project.send().await.unwrap_err();
    assert!(
        matches!(shown, Error::InvalidInput(ref i) if i.field == "project_id"),
        "{shown:?}"
    );
    assert_eq!(shown.to_string(), sent.to_string());
    // No project id anywhere: refused by the client, the same way.
    let bare = Client::builder()
        .endpoint(server.base_url.clone())
        .environment(StaticEnvironment::new())
        .credentials(HuaweiCredentials::new(AK, SK))
        .build()
        .unwrap();
    let shown = bare.list_backups().to_request().unwrap_err();
    let sent = bare.list_backups().send().await.unwrap_err();
    assert!(
        matches!(shown, Error::InvalidInput(ref i) if i.field == "project_id"),
        "{shown:?}"
    );
    assert_eq!(shown.to_string(), sent.to_string());
    assert_eq!(server.requests().len(), 0);
}
