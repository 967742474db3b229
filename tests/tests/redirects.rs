//! Only a 2xx answer is a success (issue 13, item 2): a redirect is never followed, and it
//! is a typed error naming the status and the host the server pointed at, for reads and
//! creates of every vendor, whatever the body says. A create answered with a redirect was
//! not performed by that answer, so it is a plain error, sent once, not an ambiguous one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hostile;

use backup_core::{Error, ServiceErrorKind};
use hostile::*;

/// Where every redirect below points: a host no test may reach, with credentials in the
/// URL that must not be shown.
const LOCATION: &str = "https://mirror-user:mirror-pass@elsewhere.example:8443/moved?x=1";

/// An answer with `status`, the redirect's `Location`, and `body` (JSON, or none).
fn redirect(status: u16, body: &str) -> Reply {
    let location = format!("Location: {LOCATION}");
    let length = format!("Content-Length: {}", body.len());
    let mut bytes = head(
        status,
        &[&location, "Content-Type: application/json", &length],
    );
    bytes.extend_from_slice(body.as_bytes());
    vec![Act::Send(bytes)]
}

/// The redirect statuses a server may answer with.
const STATUSES: [u16; 6] = [301, 302, 303, 304, 307, 308];

/// What is wrong with `result` for a redirect answered with `status`, if anything.
fn redirect_problem<T: std::fmt::Debug>(
    status: u16,
    result: &Result<T, Error>,
    server: &HostileServer,
) -> Option<String> {
    let err = match result {
        Ok(value) => return Some(format!("succeeded: {value:?}")),
        Err(err) => err,
    };
    let shown = err.to_string();
    if err.is_ambiguous_outcome() {
        return Some(format!("ambiguous: {shown}"));
    }
    if err.service_error_kind() != Some(&ServiceErrorKind::Redirect) {
        return Some(format!("not a redirect error: {err:?}"));
    }
    if err.http_status() != Some(status) {
        return Some(format!("status {:?}, not {status}", err.http_status()));
    }
    if !shown.contains("elsewhere.example:8443") {
        return Some(format!("does not name the Location host: {shown}"));
    }
    if shown.contains("mirror-pass") || format!("{err:?}").contains("mirror-pass") {
        return Some(format!("shows the Location's credentials: {err:?}"));
    }
    if err.is_retryable() || server.requests() != 1 {
        return Some(format!(
            "retryable {} after {} request(s)",
            err.is_retryable(),
            server.requests()
        ));
    }
    None
}

#[track_caller]
fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn ges_redirects_are_errors_for_create_delete_and_show_job() {
    let mut problems = Vec::new();
    for status in STATUSES {
        for body in ["", r#"{"job_id":"j-1","backup_id":"b-1"}"#] {
            let server = HostileServer::start(vec![redirect(status, body)]).await;
            let result = bounded(ges_create(&ges(&server))).await;
            if let Some(p) = redirect_problem(status, &result, &server) {
                problems.push(format!("createBackup {status} {body:?}: {p}"));
            }
            let server = HostileServer::start(vec![redirect(status, body)]).await;
            let result = bounded(
                ges(&server)
                    .delete_backup()
                    .graph_id(GRAPH)
                    .backup_id("b-1")
                    .send(),
            )
            .await;
            if let Some(p) = redirect_problem(status, &result, &server) {
                problems.push(format!("deleteBackup {status} {body:?}: {p}"));
            }
            let server = HostileServer::start(vec![redirect(status, body)]).await;
            let result =
                bounded(ges(&server).show_job().graph_id(GRAPH).job_id("j-1").send()).await;
            if let Some(p) = redirect_problem(status, &result, &server) {
                problems.push(format!("showJob {status} {body:?}: {p}"));
            }
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn ocp_redirects_with_a_successful_envelope_are_errors() {
    let envelope = r#"{"successful":true,"status":200,"data":{"backupObjectOpsResultList":[{"beSuccessful":true,"taskInstanceId":9}]}}"#;
    let mut problems = Vec::new();
    for status in STATUSES {
        let server = HostileServer::start(vec![redirect(status, envelope)]).await;
        let result = bounded(ocp_create(&ocp_hmac(&server))).await;
        if let Some(p) = redirect_problem(status, &result, &server) {
            problems.push(format!("backupNow {status}: {p}"));
        }
        let server = HostileServer::start(vec![redirect(status, OCP_READ_OK)]).await;
        let result = bounded(ocp_read(&ocp_basic(&server))).await;
        if let Some(p) = redirect_problem(status, &result, &server) {
            problems.push(format!("getBackupStrategy {status}: {p}"));
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn ncp_redirects_with_a_successful_envelope_are_errors() {
    let mut problems = Vec::new();
    for status in STATUSES {
        let server = HostileServer::start(vec![redirect(status, NCP_CREATE_OK)]).await;
        let result = bounded(ncp_create(&vcache(&server))).await;
        if let Some(p) = redirect_problem(status, &result, &server) {
            problems.push(format!("createCloudCacheManualBackup {status}: {p}"));
        }
        let server = HostileServer::start(vec![redirect(status, NCP_READ_OK)]).await;
        let result = bounded(ncp_read(&vcache(&server))).await;
        if let Some(p) = redirect_problem(status, &result, &server) {
            problems.push(format!("getCloudCacheManualBackupDetailList {status}: {p}"));
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn a_relative_location_is_named_as_the_same_host() {
    let mut bytes = head(302, &["Location: /elsewhere", "Content-Length: 0"]);
    bytes.extend_from_slice(b"");
    let server = HostileServer::start(vec![vec![Act::Send(bytes)]]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Redirect),
        "{err:?}"
    );
    assert!(err.to_string().contains("the same host"), "{err}");
}
