//! The transport's retry rules, proven against a scripted server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::credentials::NcpCredentials;
use backup_core::sign::{NcpSigner, ncp};
use backup_core::test_util::{ScriptedServer, Step, closed_port};
use backup_core::{
    DispatchKind, Error, HttpRequest, Method, OperationInfo, RetryConfig, ServiceClient,
    ServiceErrorKind, Timeouts,
};

const CREATE: OperationInfo = OperationInfo::non_idempotent("createCloudCacheManualBackup");
const LIST: OperationInfo = OperationInfo::idempotent("getCloudCacheBackupList");
const SECRET: &str = "SECRETKEYEXAMPLE0123456789abcdefghijklmn";

/// Fast, deterministic retries so that tests take milliseconds.
fn fast_retry() -> RetryConfig {
    RetryConfig::standard()
        .with_jitter(false)
        .with_backoff(Duration::from_millis(20), Duration::from_millis(20))
}

fn client(endpoint: &str) -> ServiceClient {
    ServiceClient::builder("ncp")
        .endpoint(endpoint)
        .signer(NcpSigner::new(NcpCredentials::new(
            "AKIAEXAMPLEACCESSKEY",
            SECRET,
        )))
        .retry(fast_retry())
        .timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_millis(500),
        ))
        .clock(Arc::new(SteppingClock::stepping(
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000),
            Duration::from_secs(1),
        )))
        .build()
        .unwrap()
}

fn post(path: &str) -> HttpRequest {
    let mut request = HttpRequest::new(Method::Post, path);
    request.set_header("content-type", "application/x-www-form-urlencoded");
    request.body = b"cloudCacheInstanceNo=123&responseFormatType=json".to_vec();
    request
}

#[tokio::test]
async fn the_request_target_on_the_wire_is_the_one_signed() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let mut request = HttpRequest::new(Method::Get, "/vcache/v2/getCloudCacheBackupList");
    request.query = backup_core::encoding::encode_pairs(&[
        ("regionCode", "KR"),
        ("name", "a b&c=d+e%f/g?h#i 一"),
    ]);
    client(&server.base_url)
        .send(&LIST, request.clone())
        .await
        .unwrap();

    let seen = &server.requests()[0];
    assert_eq!(seen.target, request.request_target());
    let timestamp: u64 = seen.header(ncp::TIMESTAMP_HEADER).unwrap().parse().unwrap();
    let expected = ncp::signature(
        SECRET.as_bytes(),
        "GET",
        &seen.target,
        timestamp,
        "AKIAEXAMPLEACCESSKEY",
    );
    assert_eq!(seen.header(ncp::SIGNATURE_HEADER), Some(expected.as_str()));
}

#[tokio::test]
async fn every_retry_is_signed_anew_with_a_fresh_timestamp() {
    let server = ScriptedServer::start(vec![
        Step::status(
            503,
            r#"{"error":{"errorCode":"500","message":"Endpoint Error"}}"#,
        ),
        Step::ok("{}"),
    ])
    .await;
    client(&server.base_url)
        .send(&LIST, HttpRequest::new(Method::Get, "/vhadoop/v2/x"))
        .await
        .unwrap();

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let stamps: Vec<&str> = seen
        .iter()
        .map(|r| r.header(ncp::TIMESTAMP_HEADER).unwrap())
        .collect();
    assert_ne!(stamps[0], stamps[1]);
    let signatures: Vec<&str> = seen
        .iter()
        .map(|r| r.header(ncp::SIGNATURE_HEADER).unwrap())
        .collect();
    assert_ne!(signatures[0], signatures[1]);
    for r in &seen {
        let ts: u64 = r.header(ncp::TIMESTAMP_HEADER).unwrap().parse().unwrap();
        let expected = ncp::signature(
            SECRET.as_bytes(),
            "GET",
            &r.target,
            ts,
            "AKIAEXAMPLEACCESSKEY",
        );
        assert_eq!(r.header(ncp::SIGNATURE_HEADER), Some(expected.as_str()));
    }
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_read_timeout_and_reports_an_ambiguous_outcome() {
    let server =
        ScriptedServer::start(vec![Step::Stall(Duration::from_secs(3)), Step::ok("{}")]).await;
    let err = client(&server.base_url)
        .send(&CREATE, post("/vcache/v2/createCloudCacheManualBackup"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert!(!err.is_retryable());
    match &err {
        Error::AmbiguousOutcome(a) => match &a.cause {
            Error::Dispatch(d) => assert_eq!(d.kind, DispatchKind::Timeout),
            other => panic!("cause should be a timeout, was {other}"),
        },
        _ => unreachable!(),
    }
    assert_eq!(
        server.requests().len(),
        1,
        "a create must not be sent twice"
    );
}

#[tokio::test]
async fn a_create_is_not_retried_after_the_connection_drops_mid_request() {
    let server = ScriptedServer::start(vec![Step::CloseAfterRequest, Step::ok("{}")]).await;
    let err = client(&server.base_url)
        .send(&CREATE, post("/vcache/v2/createCloudCacheManualBackup"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_read_is_retried_after_a_read_timeout() {
    let server =
        ScriptedServer::start(vec![Step::Stall(Duration::from_secs(3)), Step::ok("{}")]).await;
    let response = client(&server.base_url)
        .send(
            &LIST,
            HttpRequest::new(Method::Get, "/vcache/v2/getCloudCacheBackupList"),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_create_is_retried_after_connection_refused() {
    // Nothing listens on the port at first: every attempt is refused, so all are made.
    let port = closed_port().await;
    let err = client(&format!("http://127.0.0.1:{port}"))
        .send(&CREATE, post("/vcache/v2/createCloudCacheManualBackup"))
        .await
        .unwrap_err();
    match &err {
        Error::Dispatch(d) => {
            assert_eq!(d.kind, DispatchKind::Connect);
            assert!(!d.may_have_been_sent);
            assert_eq!(
                d.attempts, 3,
                "connection refused must be retried up to max_attempts"
            );
        }
        other => panic!("expected a connect failure, got {other}"),
    }
    assert!(err.is_retryable());

    // Now a server appears while the client is backing off: the retry reaches it.
    let port = closed_port().await;
    let slow = ServiceClient::builder("ncp")
        .endpoint(format!("http://127.0.0.1:{port}"))
        .retry(
            RetryConfig::standard()
                .with_jitter(false)
                .with_max_attempts(5)
                .with_backoff(Duration::from_millis(150), Duration::from_millis(150)),
        )
        .build()
        .unwrap();
    let call = tokio::spawn(async move {
        slow.send(&CREATE, post("/vcache/v2/createCloudCacheManualBackup"))
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let server = ScriptedServer::serve(listener, vec![Step::ok("{}")]);
    let response = call.await.unwrap().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        server.requests().len(),
        1,
        "exactly one request reached the server"
    );
}

#[tokio::test]
async fn a_5xx_is_retried_for_reads_but_is_ambiguous_for_creates() {
    let server = ScriptedServer::start(vec![Step::status(500, "{}"), Step::ok("{}")]).await;
    client(&server.base_url)
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    let server = ScriptedServer::start(vec![Step::status(500, "{}"), Step::ok("{}")]).await;
    let err = client(&server.base_url)
        .send(&CREATE, post("/x"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err}");
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_429_with_retry_after_waits_at_least_that_long_then_succeeds() {
    let server = ScriptedServer::start(vec![
        Step::status(
            429,
            r#"{"error":{"errorCode":"400","message":"Quota Exceeded"}}"#,
        )
        .with_header("retry-after", "1"),
        Step::ok("{}"),
    ])
    .await;
    let started = Instant::now();
    // Throttling is retried even for a create: the server said it did not process it.
    let response = client(&server.base_url)
        .send(&CREATE, post("/x"))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn ratelimit_reset_is_honoured_too() {
    let server = ScriptedServer::start(vec![
        Step::status(429, "{}").with_header("ratelimit-reset", "1"),
        Step::ok("{}"),
    ])
    .await;
    let started = Instant::now();
    client(&server.base_url)
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_retry_after_longer_than_the_limit_is_returned_not_slept() {
    let server = ScriptedServer::start(vec![
        Step::status(429, "{}").with_header("retry-after", "3600"),
    ])
    .await;
    let started = Instant::now();
    let err = client(&server.base_url)
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap_err();
    assert!(err.is_throttling());
    assert_eq!(
        err.service_error().unwrap().retry_after,
        Some(Duration::from_secs(3600))
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn authentication_failures_are_never_retried() {
    let server = ScriptedServer::start(vec![Step::status(
        401,
        r#"{"error":{"errorCode":"200","message":"Authentication Failed"}}"#,
    )])
    .await;
    let err = client(&server.base_url)
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication)
    );
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_retry_budget_stops_retries_when_spent() {
    let server = ScriptedServer::start(vec![Step::status(503, "{}")]).await;
    let client = ServiceClient::builder("ncp")
        .endpoint(&server.base_url)
        .retry(fast_retry().with_max_attempts(10).with_budget_capacity(10))
        .build()
        .unwrap();
    let err = client
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    // 10 tokens pay for two retries of 5: three attempts, although ten were allowed.
    assert_eq!(server.requests().len(), 3);
    assert_eq!(client.retry_budget_available(), 0);
    // The budget is shared: a second call gets no retries at all.
    let _ = client
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await;
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn an_oversized_body_is_an_error_not_a_crash() {
    let server = ScriptedServer::start(vec![Step::ok(&"x".repeat(4096))]).await;
    let client = ServiceClient::builder("ncp")
        .endpoint(&server.base_url)
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let err = client
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap_err();
    match err {
        Error::Dispatch(d) => assert_eq!(d.kind, DispatchKind::BodyTooLarge),
        other => panic!("{other}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn debug_output_of_the_client_and_errors_holds_no_secret() {
    let server = ScriptedServer::start(vec![Step::status(401, "{}")]).await;
    let client = client(&server.base_url);
    let shown = format!("{client:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    let err = client
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap_err();
    assert!(!format!("{err:?}").contains(SECRET));
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn user_agent_names_the_crate() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    client(&server.base_url)
        .send(&LIST, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap();
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert!(ua.starts_with("backup-core/"), "{ua}");
}

#[tokio::test]
async fn an_ambiguous_create_carries_the_time_its_attempt_was_signed() {
    // Reconciling lists what the vendor shows since just before the attempt, so the error
    // must say when that was, by the client's clock (the one that signed it).
    let server = ScriptedServer::start(vec![Step::CloseAfterRequest]).await;
    let err = client(&server.base_url)
        .send(&CREATE, post("/vcache/v2/createCloudCacheManualBackup"))
        .await
        .unwrap_err();
    let Error::AmbiguousOutcome(outcome) = &err else {
        panic!("expected an ambiguous outcome: {err:?}")
    };
    assert_eq!(
        outcome.attempt_started,
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000)
    );
    assert_eq!(outcome.operation, "createCloudCacheManualBackup");
}

#[tokio::test]
async fn stats_count_requests_retries_and_throttles_across_clones() {
    let server = ScriptedServer::start(vec![
        Step::status(429, "{}"),
        Step::status(503, "{}"),
        Step::ok("{}"),
        Step::status(429, "{}"),
    ])
    .await;
    let client = client(&server.base_url);
    let clone = client.clone();
    assert_eq!(client.stats(), backup_core::TransportStats::default());
    clone
        .send(&LIST, HttpRequest::new(Method::Get, "/vcache/v2/list"))
        .await
        .unwrap();
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.retries, stats.throttles),
        (3, 2, 1),
        "a 429 and a 503 retried, then a success: {stats:?}"
    );
    // A throttled create is retried too (429 says "not processed"), here until its
    // attempts run out: the script repeats its last step.
    let err = client
        .send(&CREATE, post("/vcache/v2/create"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service(e) if e.kind == ServiceErrorKind::Throttling),
        "{err:?}"
    );
    let stats = clone.stats();
    let sent = server.requests().len() as u64;
    assert!(sent > 4, "{sent}");
    assert_eq!(stats.requests, sent, "{stats:?}");
    // Each call's last attempt is not retried; every answer but the 503 and the 200 is a 429.
    assert_eq!(stats.retries, sent - 2, "{stats:?}");
    assert_eq!(stats.throttles, sent - 2, "{stats:?}");
}

/// A header the `http` crate refuses (a value with a line break, a name with a space) is a
/// not-sent dispatch error, never a request with the header dropped, and a create so
/// refused is not ambiguous: nothing reached the server.
#[tokio::test]
async fn an_invalid_header_is_refused_before_anything_is_sent() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    for (name, value) in [("x-note", "line\r\nbreak"), ("bad name", "v")] {
        let mut request = post("/vcache/v2/createCloudCacheManualBackup");
        request.headers.push((name.to_owned(), value.to_owned()));
        let error = client(&server.base_url)
            .send(&CREATE, request)
            .await
            .unwrap_err();
        let Error::Dispatch(dispatch) = &error else {
            panic!("expected a dispatch error, got {error:?}");
        };
        assert_eq!(dispatch.kind, DispatchKind::Other, "{error}");
        assert!(!error.may_have_been_sent(), "{error}");
        assert!(!error.is_ambiguous_outcome(), "{error}");
    }
    assert!(server.requests().is_empty());
}
