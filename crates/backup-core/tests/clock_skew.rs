//! Clock-skew correction in the attempt loop (issue 13 item 9), against a scripted server:
//! when the classifier calls an error a possible skew rejection and the response's `Date`
//! confirms the clocks disagree, the client learns the offset, re-signs and sends once
//! more; never twice in a call, never when the clocks agree, never when turned off. The
//! offset is kept and shared by clones (its trace: `clock_skew_trace.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::credentials::NcpCredentials;
use backup_core::sign::{NcpSigner, ncp};
use backup_core::skew::SkewSignal;
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{
    ClassifyResponse, DefaultClassifier, Error, HttpRequest, HttpResponse, Method, OperationInfo,
    RetryConfig, ServiceClient, ServiceError, ServiceErrorKind,
};

const CREATE: OperationInfo = OperationInfo::non_idempotent("createCloudCacheManualBackup");
const LIST: OperationInfo = OperationInfo::idempotent("getCloudCacheBackupList");
const SECRET: &str = "SECRETKEYEXAMPLE0123456789abcdefghijklmn";
/// The local clock, frozen: every signature carries this time unless corrected.
const LOCAL_SECONDS: u64 = 1_700_000_000;

fn local() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(LOCAL_SECONDS)
}

fn date(offset_seconds: i64) -> String {
    let at = if offset_seconds >= 0 {
        local() + Duration::from_secs(offset_seconds as u64)
    } else {
        local() - Duration::from_secs(offset_seconds.unsigned_abs())
    };
    httpdate::fmt_http_date(at)
}

/// What a vendor classifier says about a 401: `signal`.
#[derive(Debug)]
struct Vendor {
    signal: SkewSignal,
}

impl ClassifyResponse for Vendor {
    fn classify(&self, operation: &OperationInfo, response: &HttpResponse) -> Option<ServiceError> {
        DefaultClassifier.classify(operation, response)
    }

    fn skew_signal(&self, error: &ServiceError) -> Option<SkewSignal> {
        (error.http_status == 401).then_some(self.signal)
    }
}

const FIVE_MINUTES: SkewSignal = SkewSignal::Possible {
    window: Duration::from_secs(5 * 60),
};

fn client_with(endpoint: &str, signal: SkewSignal, correct: Option<bool>) -> ServiceClient {
    let mut builder = ServiceClient::builder("ncp")
        .endpoint(endpoint)
        .signer(NcpSigner::new(NcpCredentials::new(
            "AKIAEXAMPLEACCESSKEY",
            SECRET,
        )))
        .classifier(Vendor { signal })
        .retry(
            RetryConfig::standard()
                .with_jitter(false)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(5)),
        )
        .clock(Arc::new(SteppingClock::frozen(local())));
    if let Some(correct) = correct {
        builder = builder.clock_skew_correction(correct);
    }
    builder.build().unwrap()
}

fn client(endpoint: &str) -> ServiceClient {
    client_with(endpoint, FIVE_MINUTES, None)
}

fn request() -> HttpRequest {
    HttpRequest::new(Method::Post, "/vcache/v2/createCloudCacheManualBackup")
}

fn refused(server_offset_seconds: i64) -> Step {
    Step::status(
        401,
        r#"{"error":{"errorCode":"200","message":"Authentication Failed"}}"#,
    )
    .with_header("date", &date(server_offset_seconds))
}

/// The signing time of each request the server received, in seconds from the local clock.
fn signed_offsets(server: &ScriptedServer) -> Vec<i64> {
    server
        .requests()
        .iter()
        .map(|r| {
            let millis: i64 = r.header(ncp::TIMESTAMP_HEADER).unwrap().parse().unwrap();
            millis / 1000 - LOCAL_SECONDS as i64
        })
        .collect()
}

fn assert_authentication(err: &Error) {
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication),
        "{err}"
    );
    assert!(!err.is_ambiguous_outcome(), "{err}");
}

#[tokio::test]
async fn a_refused_create_is_re_signed_with_the_servers_time_and_sent_once_more() {
    for offset in [600, -600] {
        let server = ScriptedServer::start(vec![refused(offset), Step::ok("{}")]).await;
        let client = client(&server.base_url);
        client.send(&CREATE, request()).await.unwrap();
        assert_eq!(signed_offsets(&server), [0, offset]);
        assert_eq!(client.clock_offset_millis(), offset * 1000);
        assert_eq!(
            client.server_time(),
            SystemTime::UNIX_EPOCH + Duration::from_secs((LOCAL_SECONDS as i64 + offset) as u64)
        );
        // A correction is not a retry: the budget is untouched.
        assert_eq!(client.retry_budget_available(), 500);
    }
}

#[tokio::test]
async fn the_offset_is_kept_and_shared_by_clones() {
    let server = ScriptedServer::start(vec![refused(-1200), Step::ok("{}")]).await;
    let client = client(&server.base_url);
    let clone = client.clone();
    client.send(&LIST, request()).await.unwrap();
    assert_eq!(clone.clock_offset_millis(), -1_200_000);
    clone.send(&CREATE, request()).await.unwrap();
    client.send(&LIST, request()).await.unwrap();
    // Once learned, every request is signed right the first time.
    assert_eq!(signed_offsets(&server), [0, -1200, -1200, -1200]);
}

#[tokio::test]
async fn at_most_one_re_send_per_call() {
    // A server that keeps refusing (a wrong secret behind a skewed clock): two requests.
    let server = ScriptedServer::start(vec![refused(600)]).await;
    let client = client(&server.base_url);
    let err = client.send(&CREATE, request()).await.unwrap_err();
    assert_authentication(&err);
    assert_eq!(signed_offsets(&server), [0, 600]);

    // Nor for a read whose server moves its clock again after the correction.
    let server = ScriptedServer::start(vec![refused(600), refused(1500)]).await;
    let client = client_with(&server.base_url, FIVE_MINUTES, None);
    let err = client.send(&LIST, request()).await.unwrap_err();
    assert_authentication(&err);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_wrong_secret_with_agreeing_clocks_is_sent_once() {
    // Within the window less its margin, a generic 401 is not skew: 0 s, 3 min, -3 min.
    for offset in [0, 180, -180] {
        let server = ScriptedServer::start(vec![refused(offset), Step::ok("{}")]).await;
        let client = client(&server.base_url);
        let err = client.send(&CREATE, request()).await.unwrap_err();
        assert_authentication(&err);
        assert_eq!(server.requests().len(), 1, "offset {offset}");
        assert_eq!(client.clock_offset_millis(), 0);
    }
}

#[tokio::test]
async fn no_usable_date_no_correction() {
    let cached = refused(600).with_header("age", "12");
    let garbage = Step::status(401, "{}").with_header("date", "not a date");
    let missing = Step::status(401, "{}");
    for step in [cached, garbage, missing] {
        let server = ScriptedServer::start(vec![step, Step::ok("{}")]).await;
        let err = client(&server.base_url)
            .send(&CREATE, request())
            .await
            .unwrap_err();
        assert_authentication(&err);
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn turned_off_a_skew_rejection_is_returned_at_once() {
    let server = ScriptedServer::start(vec![refused(600), Step::ok("{}")]).await;
    let client = client_with(&server.base_url, FIVE_MINUTES, Some(false));
    let err = client.send(&CREATE, request()).await.unwrap_err();
    assert_authentication(&err);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(client.clock_offset_millis(), 0);
}

#[tokio::test]
async fn a_stated_rejection_corrects_smaller_discrepancies() {
    // Two minutes would not explain a generic 401 against a 5-minute window, but the
    // vendor said the time was the problem.
    let server = ScriptedServer::start(vec![refused(120), Step::ok("{}")]).await;
    let client = client_with(&server.base_url, SkewSignal::Stated, None);
    client.send(&CREATE, request()).await.unwrap();
    assert_eq!(signed_offsets(&server), [0, 120]);

    // ... and nothing when the Date agrees with the signing time.
    let server = ScriptedServer::start(vec![refused(0), Step::ok("{}")]).await;
    let client = client_with(&server.base_url, SkewSignal::Stated, None);
    assert!(client.send(&CREATE, request()).await.is_err());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_classifier_without_a_skew_signal_never_re_sends() {
    let server = ScriptedServer::start(vec![refused(1200), Step::ok("{}")]).await;
    let client = ServiceClient::builder("plain")
        .endpoint(&server.base_url)
        .clock(Arc::new(SteppingClock::frozen(local())))
        .build()
        .unwrap();
    assert!(client.send(&CREATE, request()).await.is_err());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_correction_does_not_count_as_an_attempt() {
    // Standard policy: 3 attempts. The skew re-send comes on top of them.
    let server = ScriptedServer::start(vec![
        refused(600),
        Step::status(503, "{}"),
        Step::status(503, "{}"),
        Step::ok("{}"),
    ])
    .await;
    let client = client(&server.base_url);
    client.send(&LIST, request()).await.unwrap();
    assert_eq!(signed_offsets(&server), [0, 600, 600, 600]);
}
