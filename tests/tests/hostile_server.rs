//! Hostile servers at the transport level, through each vendor's public client against a
//! raw loopback server ([`hostile::server`]) that writes whatever bytes a test scripts.
//!
//! Each test asserts the typed error (the `Error` variant, the `DispatchKind`, whether the
//! outcome is ambiguous), how many requests the server saw (reads are retried up to the
//! three attempts; creates are sent once), and that no secret is in the error's `Display`
//! or `Debug`. Attempts time out after 400 ms and retries wait 10 ms, so the whole file
//! runs in a few seconds.
//!
//! | what the server does | read (idempotent) | create |
//! |---|---|---|
//! | random bytes as a 200 body; truncated JSON or XML; `Content-Length` shorter than the body | `UnparseableResponse`, 1 request | |
//! | random bytes as a 500 body | `Service`, retried: 3 requests | `AmbiguousOutcome`, 1 request |
//! | `Content-Length` longer than the body, then close; chunked encoding cut mid-chunk; a status line that is not HTTP | `Dispatch(Io)`, retried: 3 requests | `AmbiguousOutcome`, 1 request |
//! | an endless body | `Dispatch(BodyTooLarge)`, not retried: 1 request | `AmbiguousOutcome` (body too large), 1 request |
//! | headers or body dripped a byte at a time (slowloris) | `Dispatch(Timeout)`, retried: 3 requests | `AmbiguousOutcome` (timeout), 1 request |
//! | a reset mid-body, then a good answer | retried and succeeds: 2 requests | `AmbiguousOutcome`, 1 request |
//! | endless headers; conflicting `Content-Length`s | `Dispatch`, retried: 3 requests | `AmbiguousOutcome`, 1 request |
//! | `100 Continue` heads forever | | `AmbiguousOutcome`, 1 request, within the bound |
//! | a `307` to another server | `Service` (`Redirect`, 307), not followed: the other server sees nothing | |
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hostile;

use std::time::{Duration, Instant};

use backup_core::{DispatchKind, Error, Timeouts};
use hostile::*;

// ---------------------------------------------------------------------------------------
// Helpers

/// The dispatch kind of a dispatch error, or of the dispatch error that made an outcome
/// ambiguous.
fn dispatch_kind(err: &Error) -> Option<DispatchKind> {
    match err {
        Error::Dispatch(d) => Some(d.kind),
        Error::AmbiguousOutcome(a) => match &a.cause {
            Error::Dispatch(d) => Some(d.kind),
            _ => None,
        },
        _ => None,
    }
}

/// Asserts `err` is a plain (not ambiguous) dispatch error of `kind` that may have been sent.
#[track_caller]
fn assert_dispatch(err: &Error, kind: DispatchKind) {
    assert!(
        matches!(err, Error::Dispatch(d) if d.kind == kind),
        "expected a {kind:?} dispatch error, got {err:?}"
    );
    assert!(err.may_have_been_sent(), "{err}");
    assert!(!err.is_ambiguous_outcome(), "{err}");
}

/// Asserts `err` is an ambiguous outcome caused by a dispatch error of `kind`.
#[track_caller]
fn assert_ambiguous_dispatch(err: &Error, kind: DispatchKind) {
    assert!(
        err.is_ambiguous_outcome(),
        "expected ambiguous, got {err:?}"
    );
    assert_eq!(dispatch_kind(err), Some(kind), "{err:?}");
    assert!(!err.is_retryable(), "{err}");
    assert!(err.may_have_been_sent(), "{err}");
}

/// Asserts `err` is an unparseable-response error for an HTTP 200.
#[track_caller]
fn assert_unparseable(err: &Error) {
    assert!(
        matches!(err, Error::UnparseableResponse(e) if e.http_status == 200),
        "expected an unparseable 200, got {err:?}"
    );
    assert!(!err.is_retryable(), "{err}");
}

/// A head announcing `len` bytes of JSON body.
fn json_head(status: u16, len: usize) -> Vec<u8> {
    head(
        status,
        &[
            "Content-Type: application/json",
            &format!("Content-Length: {len}"),
        ],
    )
}

/// Announces `body.len() + 200` bytes, sends `body`, and closes (FIN).
fn short_body(body: &str) -> Reply {
    let mut bytes = json_head(200, body.len() + 200);
    bytes.extend_from_slice(body.as_bytes());
    vec![Act::Send(bytes)]
}

/// Announces 4 KiB, sends the head and 100 bytes of `body`, waits for the client to read
/// them, and resets the connection.
fn reset_mid_body(body: &str) -> Reply {
    let mut bytes = json_head(200, 4096);
    bytes.extend_from_slice(&body.as_bytes()[..100.min(body.len())]);
    vec![
        Act::Send(bytes),
        Act::Pause(Duration::from_millis(50)),
        Act::Reset,
    ]
}

/// A chunked body whose first chunk announces 64 bytes and delivers 17, then close.
fn chunked_cut_mid_chunk() -> Reply {
    let mut bytes = head(
        200,
        &[
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        ],
    );
    bytes.extend_from_slice(b"40\r\n{\"backup_count\":0");
    vec![Act::Send(bytes)]
}

/// A chunked body that never ends: 16 KiB chunks, up to 8 MiB.
fn endless_chunked() -> Reply {
    let payload = vec![b' '; 16 * 1024];
    let mut chunk = format!("{:x}\r\n", payload.len()).into_bytes();
    chunk.extend_from_slice(&payload);
    chunk.extend_from_slice(b"\r\n");
    let mut start = head(
        200,
        &[
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        ],
    );
    start.extend_from_slice(b"1\r\n[\r\n");
    vec![
        Act::Send(start),
        Act::Flood {
            chunk,
            limit: 8 * 1024 * 1024,
        },
    ]
}

/// A `Content-Length` of a terabyte, then 16 KiB writes up to 8 MiB.
fn endless_content_length() -> Reply {
    let mut start = json_head(200, 1 << 40);
    start.push(b'[');
    vec![
        Act::Send(start),
        Act::Flood {
            chunk: b"{},".repeat(4096),
            limit: 8 * 1024 * 1024,
        },
    ]
}

/// A status line, then the headers one byte every 25 ms (4 s in all: ten attempt timeouts).
fn slowloris_headers() -> Reply {
    vec![
        Act::Send(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Act::Drip {
            bytes: format!(
                "Content-Type: application/json\r\nX-Slow: {}\r\n",
                "z".repeat(110)
            )
            .into_bytes(),
            every: Duration::from_millis(25),
        },
    ]
}

/// A complete head announcing `body`, then the body one byte every 25 ms.
fn slowloris_body(body: &str) -> Reply {
    vec![
        Act::Send(json_head(200, body.len())),
        Act::Drip {
            bytes: body.as_bytes().to_vec(),
            every: Duration::from_millis(25),
        },
    ]
}

/// Something that is not HTTP at all, then close.
fn not_http() -> Reply {
    vec![Act::Send(
        b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n".to_vec(),
    )]
}

// ---------------------------------------------------------------------------------------
// Random, truncated and mis-framed bodies

#[tokio::test]
async fn random_bytes_as_a_200_body_are_unparseable_and_not_retried() {
    let body = random_bytes(0x5eed, 2048);
    let reply = vec![Act::Send(response(200, "application/json", &body))];

    let server = HostileServer::start(vec![reply.clone()]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    let server = HostileServer::start(vec![reply.clone()]).await;
    let err = bounded(ocp_read(&ocp_hmac(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    let server = HostileServer::start(vec![reply]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn random_bytes_as_a_500_body_are_retried_for_a_read_and_ambiguous_for_a_create() {
    let body = random_bytes(0xbad5eed, 700);
    let reply = vec![Act::Send(response(500, "text/html", &body))];

    let server = HostileServer::start(vec![reply.clone()]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(err.http_status(), Some(500));
    assert!(err.is_retryable(), "{err}");
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![reply.clone()]).await;
    let err = bounded(ocp_create(&ocp_basic(&server))).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![reply]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);
}

#[tokio::test]
async fn truncated_json_and_xml_bodies_are_unparseable() {
    let cut = |body: &str| body[..body.len() / 2].to_owned();

    let server = HostileServer::start(vec![json(200, &cut(NCP_READ_OK))]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    let xml_body = "<?xml version=\"1.0\"?><getCloudCacheManualBackupDetailListResponse>\
        <requestId>req-xml</requestId><returnCode>0</returnCode><totalRows>1</totalRows>\
        <cloudCacheBackupDetailList><cloudCacheBackupDetail><fileName>f</fileNa";
    let server = HostileServer::start(vec![xml(200, xml_body)]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    let server = HostileServer::start(vec![json(200, &cut(OCP_READ_OK))]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    let server = HostileServer::start(vec![json(200, &cut(GES_READ_OK))]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_is_an_io_error_retried_for_a_read() {
    let server = HostileServer::start(vec![short_body(NCP_READ_OK)]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![short_body(GES_READ_OK)]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 3);
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_makes_a_create_ambiguous_sent_once() {
    let server = HostileServer::start(vec![short_body(NCP_CREATE_OK)]).await;
    let err = bounded(ncp_create(&vcache(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![short_body(r#"{"successful":true,"data":{}}"#)]).await;
    let err = bounded(ocp_create(&ocp_hmac(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_cuts_the_body_and_is_unparseable() {
    let body = OCP_READ_OK;
    let mut bytes = json_head(200, body.len() - 10);
    bytes.extend_from_slice(body.as_bytes());
    bytes.extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\n");
    let server = HostileServer::start(vec![vec![Act::Send(bytes)]]).await;
    let err = bounded(ocp_read(&ocp_hmac(&server))).await.unwrap_err();
    assert_unparseable(&err);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn chunked_encoding_broken_mid_chunk_is_an_io_error() {
    let server = HostileServer::start(vec![chunked_cut_mid_chunk()]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![chunked_cut_mid_chunk()]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);

    // A chunk size that is not hexadecimal.
    let mut bytes = head(200, &["Transfer-Encoding: chunked"]);
    bytes.extend_from_slice(b"zz\r\n{}\r\n0\r\n\r\n");
    let server = HostileServer::start(vec![vec![Act::Send(bytes)]]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 3);
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_status_line_that_is_not_http_is_a_dispatch_error() {
    let server = HostileServer::start(vec![not_http()]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert!(err.may_have_been_sent(), "{err}");
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![not_http()]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert!(dispatch_kind(&err).is_some(), "{err:?}");
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);

    // Random bytes where the status line should be.
    let server = HostileServer::start(vec![vec![Act::Send(random_bytes(0xdead, 512))]]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert_eq!(server.requests(), 3);
    assert_no_secret(&err);
}

// ---------------------------------------------------------------------------------------
// Endless bodies

#[tokio::test]
async fn an_endless_body_stops_at_the_cap_and_is_not_retried() {
    let server = HostileServer::start(vec![endless_chunked()]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::BodyTooLarge);
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(
        server.requests(),
        1,
        "retrying cannot make the body smaller"
    );
    assert_no_secret(&err);

    let server = HostileServer::start(vec![endless_content_length()]).await;
    let err = bounded(ocp_read(&ocp_hmac(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::BodyTooLarge);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn an_endless_body_makes_a_create_ambiguous_sent_once() {
    let server = HostileServer::start(vec![endless_content_length()]).await;
    let err = bounded(ocp_create(&ocp_basic(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::BodyTooLarge);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn an_endless_body_stops_at_the_default_8_mib_cap() {
    // The GES builder has no body cap setter; the default is 8 MiB. A longer attempt
    // timeout leaves time to read that much.
    let server = HostileServer::start(vec![{
        let mut reply = endless_chunked();
        if let Some(Act::Flood { limit, .. }) = reply.last_mut() {
            *limit = 16 * 1024 * 1024;
        }
        reply
    }])
    .await;
    let client = hw_ges_backup::Client::builder()
        .endpoint(server.url())
        .project_id(PROJECT)
        .credentials(backup_core::credentials::HuaweiCredentials::new(
            HUAWEI_AK, HUAWEI_SK,
        ))
        .environment(backup_core::credentials::StaticEnvironment::new())
        .retry(retry())
        .timeouts(Timeouts::new(
            Duration::from_millis(500),
            Duration::from_secs(8),
        ))
        .build()
        .unwrap();
    let err = bounded(ges_read(&client)).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::BodyTooLarge);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

// ---------------------------------------------------------------------------------------
// Slowloris

#[tokio::test]
async fn headers_dripped_beyond_the_attempt_timeout_time_out_and_a_read_is_retried() {
    let server = HostileServer::start(vec![slowloris_headers()]).await;
    let started = Instant::now();
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Timeout);
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert!(
        started.elapsed() >= ATTEMPT * 3,
        "each attempt waited its timeout: {:?}",
        started.elapsed()
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn headers_dripped_beyond_the_attempt_timeout_make_a_create_ambiguous() {
    let server = HostileServer::start(vec![slowloris_headers()]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Timeout);
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_body_dripped_beyond_the_attempt_timeout_times_out() {
    let server = HostileServer::start(vec![slowloris_body(OCP_READ_OK)]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Timeout);
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![slowloris_body(NCP_CREATE_OK)]).await;
    let err = bounded(ncp_create(&vcache(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Timeout);
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);
}

// ---------------------------------------------------------------------------------------
// Resets

#[tokio::test]
async fn a_read_reset_mid_body_is_retried_and_succeeds() {
    let server =
        HostileServer::start(vec![reset_mid_body(NCP_READ_OK), json(200, NCP_READ_OK)]).await;
    assert_eq!(bounded(ncp_read(&vcache(&server))).await.unwrap(), 0);
    assert_eq!(server.requests(), 2, "the reset attempt, then the good one");

    let server =
        HostileServer::start(vec![reset_mid_body(OCP_READ_OK), json(200, OCP_READ_OK)]).await;
    assert_eq!(
        bounded(ocp_read(&ocp_hmac(&server)))
            .await
            .unwrap()
            .as_deref(),
        Some("PHYSICAL_BACKUP")
    );
    assert_eq!(server.requests(), 2);

    let server =
        HostileServer::start(vec![reset_mid_body(GES_READ_OK), json(200, GES_READ_OK)]).await;
    assert_eq!(bounded(ges_read(&ges(&server))).await.unwrap(), 0);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_read_reset_every_time_gives_up_after_three_attempts() {
    let server = HostileServer::start(vec![reset_mid_body(OCP_READ_OK)]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 3);
    assert_no_secret(&err);

    // Reset before a single byte of the answer.
    let server = HostileServer::start(vec![vec![Act::Reset]]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 3);
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_create_reset_mid_body_is_ambiguous_and_sent_once() {
    // The script would answer well the second time: a create must not get there.
    let server = HostileServer::start(vec![
        reset_mid_body(NCP_CREATE_OK),
        json(200, NCP_CREATE_OK),
    ])
    .await;
    let err = bounded(ncp_create(&vcache(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);

    let ocp_ok = r#"{"successful":true,"data":{"backupObjectOpsResultList":[]}}"#;
    let server = HostileServer::start(vec![reset_mid_body(ocp_ok), json(200, ocp_ok)]).await;
    let err = bounded(ocp_create(&ocp_hmac(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    let ges_ok = r#"{"job_id":"job-1","backup_id":"backup-1"}"#;
    let server = HostileServer::start(vec![reset_mid_body(ges_ok), json(200, ges_ok)]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    // Reset right after the request was read, before any answer.
    let server = HostileServer::start(vec![vec![Act::Reset], json(200, ges_ok)]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert_ambiguous_dispatch(&err, DispatchKind::Io);
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

// ---------------------------------------------------------------------------------------
// Endless heads, informational floods, redirects, conflicting framing

#[tokio::test]
async fn endless_headers_are_a_dispatch_error_not_a_hang() {
    // A status line, then header lines forever (up to 8 MiB): the client's head limit ends it.
    let reply = vec![
        Act::Send(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Act::Flood {
            chunk: b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                .to_vec(),
            limit: 8 * 1024 * 1024,
        },
    ];
    let server = HostileServer::start(vec![reply.clone()]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert!(err.may_have_been_sent(), "{err}");
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);

    let server = HostileServer::start(vec![reply]).await;
    let err = bounded(ocp_create(&ocp_hmac(&server))).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert_no_secret(&err);
}

#[tokio::test]
async fn endless_informational_responses_end_at_the_attempt_timeout() {
    // `100 Continue` heads forever, never a final response.
    let reply = vec![Act::Flood {
        chunk: b"HTTP/1.1 100 Continue\r\n\r\n".repeat(64),
        limit: 64 * 1024 * 1024,
    }];
    let server = HostileServer::start(vec![reply]).await;
    let started = Instant::now();
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert!(dispatch_kind(&err).is_some(), "{err:?}");
    assert_eq!(server.requests(), 1, "a create is sent once");
    assert!(started.elapsed() < CALL_BOUND, "{:?}", started.elapsed());
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_redirect_to_another_server_is_not_followed() {
    // Following it would send the signed request, and an OCP Basic password, elsewhere.
    let elsewhere = HostileServer::start(vec![json(200, OCP_READ_OK)]).await;
    let location = format!(
        "Location: {}/api/v2/ob/clusters/7/backup/config/backupStrategy",
        elsewhere.url()
    );
    let redirect = head(307, &[&location, "Content-Length: 0"]);
    let server = HostileServer::start(vec![vec![Act::Send(redirect)]]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert!(
        err.service_error_kind() == Some(&backup_core::ServiceErrorKind::Redirect)
            && err.http_status() == Some(307),
        "{err:?}"
    );
    assert_eq!(server.requests(), 1);
    assert_eq!(elsewhere.connections(), 0, "the redirect was followed");
    assert_no_secret(&err);
}

#[tokio::test]
async fn conflicting_content_lengths_are_refused() {
    let mut bytes = head(
        200,
        &[
            "Content-Type: application/json",
            "Content-Length: 2",
            "Content-Length: 36",
        ],
    );
    bytes.extend_from_slice(GES_READ_OK.as_bytes());
    let server = HostileServer::start(vec![vec![Act::Send(bytes)]]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert_eq!(server.requests(), 3, "a read is retried up to 3 attempts");
    assert_no_secret(&err);
}
