//! Every operation against a scripted loopback server: the exact request (signature
//! recomputed), the parsed output, snapshots with time frozen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backup_core::test_util::Step;
use common::*;
use hw_ges_backup::{BackupMethod, BackupStatus, JobStatus};

/// The documented 200 example of "Adding a Backup" (seed 004) with the comma the page
/// leaves out between the two members.
const CREATE_SAMPLE: &str = r#"{
"job_id" : "ff8080815f9a3c84015f9a438ff70001",
"backup_id":"0000b54f-2f1d-47a5-94bc-04f0d8a2e2db"
}"#;

const BACKUP_PAGE: &str = r#"{"backup_count":2,"backup_list":[
 {"id":"ada3e720-ab86-4c8c-a1cf-3a2e2d5e7ef5","name":"demo_20200210151452","backup_method":"manual",
  "graph_id":"d1b1b4a2-4b2b-4cd6-bd9b-0d9f4bd5c5f2","graph_name":"demo","graph_status":"200",
  "graph_size_type_index":"1","data_store_version":"2.2.21","arch":"x86_64","status":"success",
  "start_timestamp":1581318892000,"start_time":"2020-02-10T07:14:52","end_timestamp":1581318914000,
  "end_time":"2020-02-10T07:15:14","size":1,"duration":22,"encrypted":false},
 {"id":"7ed3e720-0000-4c8c-a1cf-3a2e2d5e7ef5","name":"demo_auto","backup_method":"auto",
  "graph_id":"d1b1b4a2-4b2b-4cd6-bd9b-0d9f4bd5c5f2","graph_name":"demo","status":"backing_up",
  "start_timestamp":1581318992000,"encrypted":true}
]}"#;

#[tokio::test]
async fn create_backup_sends_the_documented_request_and_parses_the_sample() {
    let server = serve(vec![
        Step::ok(CREATE_SAMPLE).with_header("x-request-id", "req-create-1"),
    ])
    .await;
    let client = aksk_client(&server);
    let out = client.create_backup().graph_id(GRAPH).send().await.unwrap();
    assert_eq!(out.job_id, "ff8080815f9a3c84015f9a438ff70001");
    assert_eq!(
        out.backup_id.as_deref(),
        Some("0000b54f-2f1d-47a5-94bc-04f0d8a2e2db")
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, format!("/v2/{PROJECT}/graphs/{GRAPH}/backups"));
    assert_eq!(r.body, b"{}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("x-sdk-date"), Some("20240101T000000Z"));
    assert_eq!(r.header("x-auth-token"), None);
    assert_eq!(r.header("x-security-token"), None);
    assert_signature(r, AK, SK);
    assert!(
        r.header("authorization").unwrap().starts_with(
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature="
        ),
        "{:?}",
        r.header("authorization")
    );
    insta::assert_json_snapshot!("create_backup_request_aksk", request_json(r));
    insta::assert_debug_snapshot!("create_backup_output", out);
}

#[tokio::test]
async fn create_backup_without_backup_id_as_older_api_versions_answer() {
    let server = serve(vec![Step::ok(
        r#"{"job_id":"ff8080815f9a3c84015f9a438ff70001"}"#,
    )])
    .await;
    let out = aksk_client(&server)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap();
    assert_eq!(out.job_id, "ff8080815f9a3c84015f9a438ff70001");
    assert_eq!(out.backup_id, None);
}

#[tokio::test]
async fn create_backup_answered_without_a_job_id_is_an_error_not_a_started_backup() {
    // `200 {}`, an empty body, and answers whose `job_id` is absent or null: nothing says
    // a backup started, so none of them may be `Ok` with an empty job id.
    for body in [
        "{}",
        "",
        "  \n",
        r#"{"backup_id":"0000b54f-2f1d-47a5-94bc-04f0d8a2e2db"}"#,
        r#"{"job_id":null}"#,
    ] {
        let server = serve(vec![
            Step::ok(body).with_header("x-request-id", "req-empty"),
        ])
        .await;
        let err = aksk_client(&server)
            .create_backup()
            .graph_id(GRAPH)
            .send()
            .await
            .expect_err(body);
        match &err {
            backup_core::Error::UnparseableResponse(e) => {
                assert_eq!(e.vendor, "huawei-ges", "{body:?}");
                assert_eq!(e.operation, "createBackup", "{body:?}");
                assert_eq!(e.http_status, 200, "{body:?}");
                assert_eq!(e.request_id.as_deref(), Some("req-empty"), "{body:?}");
                assert!(e.reason.contains("job_id"), "{body:?}: {}", e.reason);
            }
            other => panic!("{body:?}: unexpected {other:?}"),
        }
        let shown = err.to_string();
        assert!(
            shown.contains("huawei-ges createBackup") && shown.contains("job_id"),
            "{shown}"
        );
        // Sent once: a create is never repeated.
        assert_eq!(server.requests().len(), 1, "{body:?}");
    }
}

#[tokio::test]
async fn the_verbatim_sample_without_its_comma_is_an_unparseable_response() {
    // Seed 004 prints the sample without a comma between the members: not JSON.
    let verbatim = "{\n\"job_id\" : \"ff8080815f9a3c84015f9a438ff70001\"\n\"backup_id\":\"0000b54f-2f1d-47a5-94bc-04f0d8a2e2db\"\n}";
    let server = serve(vec![
        Step::ok(verbatim).with_header("x-request-id", "req-bad"),
    ])
    .await;
    let err = aksk_client(&server)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    match &err {
        backup_core::Error::UnparseableResponse(e) => {
            assert_eq!(e.http_status, 200);
            assert_eq!(e.operation, "createBackup");
            assert_eq!(e.request_id.as_deref(), Some("req-bad"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn create_backup_with_temporary_credentials_sends_and_signs_the_security_token() {
    let server = serve(vec![Step::ok(CREATE_SAMPLE)]).await;
    let client = temporary_aksk_client(&server);
    client.create_backup().graph_id(GRAPH).send().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-security-token"), Some(SECURITY_TOKEN));
    let parsed =
        backup_core::sign::huawei::parse_authorization(r.header("authorization").unwrap()).unwrap();
    assert!(
        parsed
            .signed_header_names()
            .any(|n| n == "x-security-token")
    );
    assert_signature(r, AK, SK);
}

#[tokio::test]
async fn create_backup_with_a_token_sends_x_auth_token_and_no_signature() {
    let server = serve(vec![Step::ok(CREATE_SAMPLE)]).await;
    let client = token_client(&server);
    client.create_backup().graph_id(GRAPH).send().await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.target, format!("/v2/{PROJECT}/graphs/{GRAPH}/backups"));
    assert_eq!(r.header("x-auth-token"), Some(AUTH_TOKEN));
    assert_eq!(r.header("x-project-id"), Some(PROJECT));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("x-sdk-date"), None);
    assert_eq!(r.body, b"{}");
    insta::assert_json_snapshot!("create_backup_request_token", request_json(r));
}

#[tokio::test]
async fn show_job_request_and_output() {
    let body = r#"{"job_id":"ff8080815f9a3c84015f9a438ff70001","status":"success","job_type":"BackupGraph",
        "job_name":"BackupGraph","related_graph":"demo","begin_time":"2020-02-10T07:14:52","end_time":"2020-02-10T07:15:14",
        "job_progress":100.0}"#;
    for token in [false, true] {
        let server = serve(vec![Step::ok(body)]).await;
        let client = if token {
            token_client(&server)
        } else {
            aksk_client(&server)
        };
        let job = client
            .show_job()
            .graph_id(GRAPH)
            .job_id("ff8080815f9a3c84015f9a438ff70001")
            .send()
            .await
            .unwrap();
        assert_eq!(job.status, Some(JobStatus::Success));
        assert_eq!(job.related_graph.as_deref(), Some("demo"));
        assert_eq!(job.job_progress, Some(100.0));
        let r = &server.requests()[0];
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.target,
            format!("/v2/{PROJECT}/graphs/{GRAPH}/jobs/ff8080815f9a3c84015f9a438ff70001/status")
        );
        assert!(r.body.is_empty());
        assert_eq!(r.header("content-type"), None);
        if token {
            assert_eq!(r.header("x-auth-token"), Some(AUTH_TOKEN));
            assert_eq!(r.header("authorization"), None);
        } else {
            assert_signature(r, AK, SK);
            insta::assert_json_snapshot!("show_job_request_aksk", request_json(r));
            insta::assert_debug_snapshot!("show_job_output", job);
        }
    }
}

#[tokio::test]
async fn list_graph_backups_request_and_output() {
    let server = serve(vec![Step::ok(BACKUP_PAGE)]).await;
    let client = aksk_client(&server);
    let page = client
        .list_graph_backups()
        .graph_id(GRAPH)
        .offset(0)
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(page.backup_count, Some(2));
    let list = page.backup_list.clone().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].backup_method, Some(BackupMethod::Manual));
    assert_eq!(list[0].status, Some(BackupStatus::Success));
    assert_eq!(list[0].size, Some(1));
    assert_eq!(list[1].status, Some(BackupStatus::BackingUp));
    assert_eq!(list[1].encrypted, Some(true));
    let r = &server.requests()[0];
    assert_eq!(
        r.target,
        format!("/v2/{PROJECT}/graphs/{GRAPH}/backups?offset=0&limit=10")
    );
    assert_signature(r, AK, SK);
    insta::assert_json_snapshot!("list_graph_backups_request_aksk", request_json(r));
    insta::assert_debug_snapshot!("list_graph_backups_output", page);
}

#[tokio::test]
async fn list_backups_request_with_token() {
    let server = serve(vec![Step::ok(BACKUP_PAGE)]).await;
    let client = token_client(&server);
    let page = client
        .list_backups()
        .offset(20)
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.backup_list.map(|l| l.len()), Some(2));
    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target,
        format!("/v2/{PROJECT}/graphs/backups?offset=20&limit=5")
    );
    assert_eq!(r.header("x-auth-token"), Some(AUTH_TOKEN));
    insta::assert_json_snapshot!("list_backups_request_token", request_json(r));
}

#[tokio::test]
async fn list_backups_request_with_aksk_signs_the_query() {
    let server = serve(vec![Step::ok(BACKUP_PAGE)]).await;
    aksk_client(&server)
        .list_backups()
        .limit(100)
        .offset(3)
        .send()
        .await
        .unwrap();
    let r = &server.requests()[0];
    // Description order, not builder order.
    assert_eq!(
        r.target,
        format!("/v2/{PROJECT}/graphs/backups?offset=3&limit=100")
    );
    assert_signature(r, AK, SK);
}

#[tokio::test]
async fn delete_backup_accepts_an_empty_object_or_an_empty_body() {
    for body in ["{ }", ""] {
        for token in [false, true] {
            let server = serve(vec![Step::ok(body)]).await;
            let client = if token {
                token_client(&server)
            } else {
                aksk_client(&server)
            };
            client
                .delete_backup()
                .graph_id(GRAPH)
                .backup_id("ada3e720-ab86-4c8c-a1cf-3a2e2d5e7ef5")
                .send()
                .await
                .unwrap();
            let r = &server.requests()[0];
            assert_eq!(r.method, "DELETE");
            assert_eq!(
                r.target,
                format!(
                    "/v2/{PROJECT}/graphs/{GRAPH}/backups/ada3e720-ab86-4c8c-a1cf-3a2e2d5e7ef5"
                )
            );
            assert!(r.body.is_empty());
            if token {
                assert_eq!(r.header("x-auth-token"), Some(AUTH_TOKEN));
            } else {
                assert_signature(r, AK, SK);
            }
        }
    }
}

#[tokio::test]
async fn delete_backup_is_retried_after_a_5xx_because_it_is_idempotent() {
    let server = serve(vec![
        Step::status(500, r#"{"error_code":"GES.9999","error_msg":"internal"}"#),
        Step::ok("{ }"),
    ])
    .await;
    aksk_client(&server)
        .delete_backup()
        .graph_id(GRAPH)
        .backup_id("b1")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_hostile_graph_id_stays_one_segment_and_the_signature_covers_it() {
    let server = serve(vec![Step::ok(CREATE_SAMPLE)]).await;
    let client = aksk_client(&server);
    for (graph, encoded) in [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a b?c#d", "a%20b%3Fc%23d"),
        ("urn:x*y", "urn%3Ax%2Ay"),
    ] {
        client.create_backup().graph_id(graph).send().await.unwrap();
        let r = server.requests().pop().unwrap();
        assert_eq!(r.target, format!("/v2/{PROJECT}/graphs/{encoded}/backups"));
        assert_signature(&r, AK, SK);
    }
    assert_eq!(server.requests().len(), 4);
}
