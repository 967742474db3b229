//! The defects of issue 12 ("hostile servers: no panic, no leaked secret, bounded memory,
//! one clean error line"), each written as the behaviour the SDK must have, through the
//! public clients against the raw loopback server of `hostile::server`:
//!
//! 1. a `startTime` that is not ASCII (`2024-07-0é`) must not panic `parse_timestamp`, nor
//!    the Cloud DB for Cache manual backup waiter that reads it;
//! 2. secrets a server echoes (a Huawei 401 quoting the canonical request with its
//!    `x-security-token`, an OCP strategy with one ill-typed member whose body holds the
//!    storage `accessKeySecret`, a secret cut by the 512-byte excerpt or the 400-character
//!    message limit, an OCP 401 quoting `Authorization: Basic …`) must not reach an
//!    error's `Display` or `Debug`;
//! 3. credentials holding CR, LF or NUL are a credentials error before anything is sent:
//!    no request, no retry;
//! 4. a vendor code, message or request id with newlines and ESC/CSI/OSC sequences still
//!    gives one error line without control characters;
//! 5. an 8 MiB body of millions of empty items ends, without panicking, within a bound;
//! 6. IAM's and GES's echoes of the IAM password and token (found while writing this
//!    suite) leak neither.
//!
//! Only the public API is used: each test failed on the code before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hostile;

use std::time::{Duration, Instant};

use backup_core::credentials::{HuaweiCredentials, OcpCredentials};
use backup_core::{Error, ServiceErrorKind, Timeouts, WaitConfig};
use hostile::*;
use ncp_vcache::{BackupEntry, ManualBackups};

// ---------------------------------------------------------------------------------------
// 1. No panic on a timestamp that is not ASCII

/// Timestamps whose multi-byte characters fall where `parse_timestamp` slices by byte: the
/// day (the issue's case), the minutes, and the zone.
const NON_ASCII_TIMESTAMPS: &[&str] = &[
    "2024-07-0é",
    "2024-07-0éT00:00:00+0900",
    "2024-07-02T00:0é",
    "2024-07-02T00:00+0é9",
    "2024-07-02T00:00:00+0é9",
    "202é-07-02",
    "2024-é-02T00:00",
    "２０２４-07-02",
    "2024-07-02T０0:00",
];

#[test]
fn ncp_parse_timestamp_reads_non_ascii_text_as_unreadable_without_panicking() {
    let panicked: Vec<&str> = NON_ASCII_TIMESTAMPS
        .iter()
        .copied()
        .filter(|text| {
            std::panic::catch_unwind(|| backup_core::protocol::ncp::parse_timestamp(text)).is_err()
        })
        .collect();
    assert!(
        panicked.is_empty(),
        "parse_timestamp panics on {panicked:?}"
    );
    for text in NON_ASCII_TIMESTAMPS {
        assert_eq!(
            backup_core::protocol::ncp::parse_timestamp(text),
            None,
            "{text}"
        );
    }
}

#[test]
fn ocp_parse_timestamp_reads_non_ascii_text_as_unreadable_without_panicking() {
    for text in NON_ASCII_TIMESTAMPS
        .iter()
        .copied()
        .chain(["2024-07-02T00:00:0é", "2024-07-02T00:00:00.é+08:00"])
    {
        let parsed = std::panic::catch_unwind(|| ocp_ob_backup::parse_timestamp(text));
        assert!(matches!(parsed, Ok(None)), "{text}: {parsed:?}");
    }
}

#[tokio::test]
async fn vcache_manual_backup_waiter_survives_a_non_ascii_start_time() {
    let list_empty = NCP_READ_OK;
    let listed = r#"{"getCloudCacheManualBackupDetailListResponse":{"requestId":"req-3","returnCode":"0","returnMessage":"success","totalRows":1,"cloudCacheBackupDetailList":[{"cloudCacheInstanceNo":"1234567","fileName":"manual-1","startTime":"2024-07-0é","endTime":"2024-07-0é","backupSize":1}]}}"#;
    let server = HostileServer::start(vec![
        json(200, list_empty),
        json(200, NCP_CREATE_OK),
        json(200, listed),
    ])
    .await;
    let client = vcache(&server);
    // A task, so that a panic in the waiter is observed as one rather than ending the test.
    let waited = tokio::spawn(async move {
        client
            .create_manual_backup_and_wait(CACHE)
            .config(
                WaitConfig::default()
                    .with_intervals(Duration::from_millis(10), Duration::from_millis(10))
                    .with_timeout(Duration::from_secs(2)),
            )
            .wait()
            .await
    });
    let joined = bounded(waited).await;
    let result = match joined {
        Ok(result) => result,
        Err(e) => panic!("the waiter panicked on startTime \"2024-07-0é\": {e}"),
    };
    // Documented: with a baseline, an entry whose time cannot be read counts as new.
    let backup = result.unwrap();
    assert_eq!(backup.file_name(), Some("manual-1"));
    assert_eq!(backup.start_time(), Some("2024-07-0é"));
    assert_eq!(server.requests(), 3, "list, create, list");
}

// ---------------------------------------------------------------------------------------
// 2. No echoed secret in an error

#[tokio::test]
async fn huawei_401_quoting_the_canonical_request_does_not_leak_the_security_token() {
    let canonical = format!(
        "GET\n/v2/{PROJECT}/graphs/{GRAPH}/backups/\n\ncontent-type:application/json\n\
         host:127.0.0.1\nx-project-id:{PROJECT}\nx-sdk-date:20240702T000000Z\n\
         x-security-token:{HUAWEI_TOKEN}\n\ncontent-type;host;x-project-id;x-sdk-date;\
         x-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let body = serde_json::json!({
        "error_code": "APIGW.0301",
        "error_msg": format!("Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest: {canonical}"),
        "request_id": "req-401",
    })
    .to_string();
    let server = HostileServer::start(vec![json(401, &body)]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("APIGW.0301"));
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
}

#[tokio::test]
async fn ocp_strategy_with_one_ill_typed_member_does_not_leak_the_storage_secret() {
    // `id` is not a number, so `data` does not parse; the storage secret is in the body
    // (the first 512 bytes, which an excerpt keeps).
    let body = serde_json::json!({
        "successful": true,
        "status": 200,
        "traceId": "trace-ill-typed",
        "data": {
            "obBackupServiceStorageConfig": {
                "configName": "oss-config",
                "obBackupStorageBaseInfo": {
                    "backupStorageType": "OSS",
                    "storageUrl": "oss://bucket/backups",
                    "ossAccessKey": {"accessKeyId": "oss-akid", "accessKeySecret": STORAGE_SECRET},
                },
            },
            "id": "seventy-one",
            "backupMode": "PHYSICAL_BACKUP",
        },
    })
    .to_string();
    let server = HostileServer::start(vec![json(200, &body)]).await;
    let err = bounded(ocp_read(&ocp_hmac(&server))).await.unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);

    // The same strategy read by the convenience that goes on to backupNow: nothing more
    // is sent, and the secret stays out of the error.
    let server = HostileServer::start(vec![json(200, &body)]).await;
    let err = bounded(ocp_hmac(&server).backup_now_with_configured_storage(
        OCP_CLUSTER,
        ocp_ob_backup::DataBackupMode::FullBackup,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err:?}");
    assert_eq!(server.requests(), 1, "backupNow is not sent");
    assert_no_secret(&err);
}

/// An OCP 400 error body whose `padding` member places `secret` so that it starts at
/// byte `at` of the body.
fn ocp_error_body_with_secret_at(at: usize, secret: &str) -> String {
    let prefix = r#"{"successful":false,"status":400,"traceId":"trace-cut","error":{"code":10001,"message":"Invalid storage configuration"},"echo":""#;
    assert!(at > prefix.len());
    format!("{prefix}{}{secret}\"}}", "x".repeat(at - prefix.len()))
}

#[tokio::test]
async fn a_secret_cut_by_the_512_byte_excerpt_does_not_leak_its_first_part() {
    // backupNow sends the storage secret; the server echoes it across byte 512.
    let body = ocp_error_body_with_secret_at(500, STORAGE_SECRET);
    assert_eq!(body.find(STORAGE_SECRET), Some(500));
    let server = HostileServer::start(vec![json(400, &body)]).await;
    let err = bounded(ocp_create(&ocp_hmac(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
    assert_no_secret_fragment(&err, STORAGE_SECRET);
}

#[tokio::test]
async fn a_secret_cut_by_the_400_character_message_limit_does_not_leak_its_first_part() {
    // The vendor message echoes the storage secret across its 400th character.
    let message = format!(
        "Invalid storage configuration: {}{STORAGE_SECRET}",
        "y".repeat(390 - "Invalid storage configuration: ".len())
    );
    assert_eq!(message.find(STORAGE_SECRET), Some(390));
    let body = serde_json::json!({
        "successful": false,
        "status": 400,
        "traceId": "trace-message-cut",
        "error": {"code": 10001, "message": message},
    })
    .to_string();
    let server = HostileServer::start(vec![json(400, &body)]).await;
    let err = bounded(ocp_create(&ocp_basic(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
    assert_no_secret_fragment(&err, STORAGE_SECRET);
}

#[tokio::test]
async fn ocp_401_quoting_the_basic_authorization_header_does_not_leak_it() {
    let recorded_authorization = {
        // What the client really sends, captured from a first exchange.
        let server = HostileServer::start(vec![json(200, OCP_READ_OK)]).await;
        bounded(ocp_read(&ocp_basic(&server))).await.unwrap();
        let request = server.recorded().remove(0);
        request
            .head
            .lines()
            .find_map(|line| {
                line.split_once(':')
                    .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                    .map(|(_, value)| value.trim().to_owned())
            })
            .expect("the request carries Authorization")
    };
    let encoded = recorded_authorization
        .strip_prefix("Basic ")
        .expect("HTTP Basic")
        .to_owned();
    let body = serde_json::json!({
        "successful": false,
        "status": 401,
        "traceId": "trace-401",
        "error": {
            "code": 30000,
            "message": format!("Unauthorized request; headers: Authorization: {recorded_authorization}, Accept: application/json"),
        },
    })
    .to_string();
    let server = HostileServer::start(vec![json(401, &body)]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(server.requests(), 1);
    assert_no_secret(&err);
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(
            !text.contains(&encoded),
            "leaks the Basic credentials: {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Credentials with CR, LF or NUL: a credentials error, nothing sent

/// A recognisable part of every bad credential below; it must not be echoed.
const BAD_MARK: &str = "BADCRED-HOSTILE-41f7";

/// What is wrong with the outcome of a call made with a bad credential, if anything: it
/// must be the typed credentials error, raised before anything was sent.
///
/// The issue asks for "a typed credentials error": [`Error::InvalidCredentials`], which
/// says the credentials were found but cannot be sent.
fn credentials_problem<T: std::fmt::Debug>(
    result: &Result<T, Error>,
    server: &HostileServer,
) -> Option<String> {
    let err = match result {
        Ok(value) => {
            return Some(format!(
                "succeeded ({value:?}) after {} request(s)",
                server.requests()
            ));
        }
        Err(err) => err,
    };
    let shown = format!("{err}");
    let debug = format!("{err:?}");
    let problem = if !matches!(err, Error::InvalidCredentials(_)) {
        format!("not a credentials error: {err:?}")
    } else if err.may_have_been_sent() || err.is_retryable() {
        format!("may have been sent or is retryable: {err}")
    } else if server.requests() != 0 || server.connections() != 0 {
        format!(
            "{} request(s), {} connection(s): {err}",
            server.requests(),
            server.connections()
        )
    } else if shown.contains(BAD_MARK) || debug.contains(BAD_MARK) {
        format!("echoes the credential: {debug}")
    } else if secrets()
        .iter()
        .any(|s| shown.contains(s.as_str()) || debug.contains(s.as_str()))
    {
        format!("leaks a secret: {debug}")
    } else {
        return None;
    };
    Some(problem)
}

/// Values with each forbidden character in the middle, and that character's name.
fn bad_values() -> Vec<(&'static str, String)> {
    [("CRLF", "\r\n"), ("LF", "\n"), ("CR", "\r"), ("NUL", "\0")]
        .iter()
        .map(|(name, c)| (*name, format!("{BAD_MARK}{c}X-Injected: yes")))
        .collect()
}

/// Fails listing every case in `problems`.
#[track_caller]
fn assert_no_problems(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} case(s) wrong:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn ncp_credentials_with_control_characters_are_refused_before_sending() {
    let mut problems = Vec::new();
    for (name, bad) in bad_values() {
        for (which, access_key, secret) in [
            ("secret key", NCP_ACCESS_KEY, bad.as_str()),
            ("access key", bad.as_str(), NCP_SECRET),
        ] {
            let server = HostileServer::start(vec![json(200, NCP_READ_OK)]).await;
            let result = match try_vcache_with(&server, access_key, secret) {
                Ok(client) => bounded(ncp_read(&client))
                    .await
                    .map(|out| format!("{out:?}")),
                Err(built) => Err(built),
            };
            if let Some(problem) = credentials_problem(&result, &server) {
                problems.push(format!("{which} with {name}: {problem}"));
            }
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn ocp_credentials_with_control_characters_are_refused_before_sending() {
    let mut problems = Vec::new();
    for (name, bad) in bad_values() {
        for (which, credentials) in [
            ("password", OcpCredentials::basic(OCP_USER, bad.as_str())),
            ("user", OcpCredentials::basic(bad.as_str(), OCP_PASSWORD)),
            (
                "access key secret",
                OcpCredentials::access_key(OCP_ACCESS_KEY_ID, bad.as_str()),
            ),
            (
                "access key id",
                OcpCredentials::access_key(bad.as_str(), OCP_ACCESS_SECRET),
            ),
        ] {
            let server = HostileServer::start(vec![json(200, OCP_READ_OK)]).await;
            let result = match try_ocp_with(&server, credentials) {
                Ok(client) => bounded(ocp_read(&client))
                    .await
                    .map(|out| format!("{out:?}")),
                Err(built) => Err(built),
            };
            if let Some(problem) = credentials_problem(&result, &server) {
                problems.push(format!("{which} with {name}: {problem}"));
            }
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn huawei_credentials_with_control_characters_are_refused_before_sending() {
    let mut problems = Vec::new();
    for (name, bad) in bad_values() {
        for (which, credentials) in [
            (
                "secret key",
                HuaweiCredentials::new(HUAWEI_AK, bad.as_str()),
            ),
            (
                "access key",
                HuaweiCredentials::new(bad.as_str(), HUAWEI_SK),
            ),
            (
                "security token",
                HuaweiCredentials::new(HUAWEI_AK, HUAWEI_SK).with_security_token(bad.as_str()),
            ),
        ] {
            let server = HostileServer::start(vec![json(200, GES_READ_OK)]).await;
            let result = match try_ges_with(&server, credentials) {
                Ok(client) => bounded(ges_read(&client))
                    .await
                    .map(|out| format!("{out:?}")),
                Err(built) => Err(built),
            };
            if let Some(problem) = credentials_problem(&result, &server) {
                problems.push(format!("{which} with {name}: {problem}"));
            }
        }
    }
    assert_no_problems(problems);
}

// ---------------------------------------------------------------------------------------
// 4. One error, one line, no control characters

/// Asserts that `{err}` is one line without control characters (no CR, LF, ESC, BEL, C1).
#[track_caller]
fn assert_one_clean_line(err: &Error) {
    let shown = err.to_string();
    let bad: Vec<char> = shown.chars().filter(|c| c.is_control()).collect();
    assert!(
        bad.is_empty(),
        "Display has control characters {bad:?}: {shown:?}"
    );
}

/// Newlines, a CSI colour, an OSC title (BEL-terminated), an OSC 8 hyperlink, a screen
/// clear and a C1 CSI.
const NASTY: &str = "\r\nforged line\u{1b}[31mred\u{1b}]0;owned title\u{7}\u{1b}]8;;http://evil.example/\u{1b}\\link\u{1b}[2J\u{9b}1m";

#[tokio::test]
async fn ncp_code_message_and_request_id_with_control_sequences_give_one_clean_line() {
    let body = serde_json::json!({
        "responseError": {
            "returnCode": format!("5001{NASTY}"),
            "returnMessage": format!("Something failed{NASTY}"),
            "requestId": format!("req{NASTY}"),
        }
    })
    .to_string();
    let server = HostileServer::start(vec![json(400, &body)]).await;
    let err = bounded(ncp_read(&vcache(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert_one_clean_line(&err);
    assert_no_secret(&err);
}

#[tokio::test]
async fn ocp_code_message_and_trace_id_with_control_sequences_give_one_clean_line() {
    let body = serde_json::json!({
        "successful": false,
        "status": 400,
        "traceId": format!("trace{NASTY}"),
        "error": {
            "code": format!("10001{NASTY}"),
            "message": format!("Invalid argument{NASTY}"),
            "subErrors": [{"field": format!("name{NASTY}"), "message": format!("bad{NASTY}")}],
        },
    })
    .to_string();
    let server = HostileServer::start(vec![json(400, &body)]).await;
    let err = bounded(ocp_read(&ocp_basic(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert_one_clean_line(&err);
    assert_no_secret(&err);
}

#[tokio::test]
async fn ges_code_message_and_request_id_with_control_sequences_give_one_clean_line() {
    let body = serde_json::json!({
        "error_code": format!("GES.7000{NASTY}"),
        "error_msg": format!("Graph not found{NASTY}"),
        "request_id": format!("req{NASTY}"),
    })
    .to_string();
    let server = HostileServer::start(vec![json(404, &body)]).await;
    let err = bounded(ges_read(&ges(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert_one_clean_line(&err);
    assert_no_secret(&err);
}

#[tokio::test]
async fn an_ambiguous_create_with_control_sequences_gives_one_clean_line() {
    // A 500 to a create: the message ends up inside the ambiguous outcome's line.
    let body = serde_json::json!({
        "error_code": format!("GES.9999{NASTY}"),
        "error_msg": format!("Internal error{NASTY}"),
    })
    .to_string();
    let server = HostileServer::start(vec![json(500, &body)]).await;
    let err = bounded(ges_create(&ges(&server))).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert_eq!(server.requests(), 1);
    assert_one_clean_line(&err);
    assert_no_secret(&err);
}

// ---------------------------------------------------------------------------------------
// 5. Bounded memory: millions of empty items

// The call runs on a worker thread, so that the bound is measured even while the
// deserialization keeps that thread busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_8_mib_body_of_millions_of_empty_items_ends_within_a_bound() {
    const BOUND: Duration = Duration::from_secs(5);
    // Just under the default 8 MiB cap: `{},` is 3 bytes, so about 2.8 million items.
    const ITEMS: usize = (8 * 1024 * 1024 - 64) / 3;
    let mut body = String::with_capacity(8 * 1024 * 1024);
    body.push_str(r#"{"backup_count":0,"backup_list":["#);
    for i in 0..ITEMS {
        body.push_str(if i == 0 { "{}" } else { ",{}" });
    }
    body.push_str("]}");
    assert!(body.len() < 8 * 1024 * 1024);
    let server = HostileServer::start(vec![json(200, &body)]).await;
    let client = hw_ges_backup::Client::builder()
        .endpoint(server.url())
        .project_id(PROJECT)
        .credentials(HuaweiCredentials::new(HUAWEI_AK, HUAWEI_SK))
        .environment(backup_core::credentials::StaticEnvironment::new())
        .retry(retry())
        .timeouts(Timeouts::new(Duration::from_millis(500), BOUND))
        .build()
        .unwrap();
    let started = Instant::now();
    // A task, so that a panic (or an allocation failure turned into one) is observed.
    let call = tokio::spawn(async move { ges_read(&client).await });
    let joined = tokio::time::timeout(BOUND, call).await;
    let elapsed = started.elapsed();
    let result = joined
        .unwrap_or_else(|_| {
            panic!("still building millions of items after {BOUND:?} (the test ends when they are built)")
        })
        .expect("the call does not panic");
    assert!(elapsed < BOUND, "took {elapsed:?}");
    if let Err(err) = &result {
        assert_one_clean_line(err);
        assert_no_secret(err);
    }
    assert_eq!(server.requests(), 1);
}

// ---------------------------------------------------------------------------------------
// 6. Found while writing this suite (not in the issue's list)

/// The IAM password of the token-authenticated GES client.
const IAM_PASSWORD: &str = "Kp4Vx9IamPasswordHOSTILE3e7b0c15";

/// A GES client authenticating with IAM tokens from `server` for [`IAM_PASSWORD`].
fn ges_with_iam(server: &HostileServer) -> hw_ges_backup::Client {
    let token = hw_ges_backup::IamTokenProvider::builder()
        .endpoint(server.url())
        .user_name("iam-hostile-user")
        .password(IAM_PASSWORD)
        .domain_name("iam-hostile-domain")
        .project_name("cn-north-4")
        .build()
        .unwrap();
    hw_ges_backup::Client::builder()
        .endpoint(server.url())
        .project_id(PROJECT)
        .token(token)
        .environment(backup_core::credentials::StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .build()
        .unwrap()
}

#[tokio::test]
async fn iam_400_echoing_the_token_request_does_not_leak_the_password() {
    // The IAM password travels in the request body; an IAM that quotes the body it
    // rejected puts it in the error (GES and OCP scrub what they sent; IAM does not).
    let body = serde_json::json!({
        "error": {
            "code": 400,
            "title": "Bad Request",
            "message": format!(
                "The request you have made requires authentication: {{\"auth\":{{\"identity\":{{\"methods\":[\"password\"],\"password\":{{\"user\":{{\"name\":\"iam-hostile-user\",\"password\":\"{IAM_PASSWORD}\"}}}}}}}}}}"
            ),
        }
    })
    .to_string();
    let server = HostileServer::start(vec![json(400, &body)]).await;
    let err = bounded(ges_read(&ges_with_iam(&server))).await.unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(server.requests(), 1, "only the token request");
    assert_no_secret(&err);
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(
            !text.contains(IAM_PASSWORD),
            "leaks the IAM password: {text}"
        );
    }
}

#[tokio::test]
async fn ges_401_echoing_the_iam_token_does_not_leak_it() {
    // The same echo as the AK/SK canonical request above, in token mode: the token is
    // sent in X-Auth-Token and a gateway quotes it back.
    const IAM_TOKEN: &str = "MIIVyQYJKoZIhvcNAQcCoIIVujCCFbYCAQExDTALBglghkgBZQMEAgEwghPbHOSTILE";
    let issued = {
        let mut bytes = head(
            201,
            &[
                "Content-Type: application/json",
                &format!("X-Subject-Token: {IAM_TOKEN}"),
                "Content-Length: 2",
            ],
        );
        bytes.extend_from_slice(b"{}");
        vec![Act::Send(bytes)]
    };
    let rejected = serde_json::json!({
        "error_code": "APIGW.0301",
        "error_msg": format!("Incorrect IAM authentication information: the token in X-Auth-Token: {IAM_TOKEN} has expired"),
    })
    .to_string();
    let server = HostileServer::start(vec![issued, json(401, &rejected)]).await;
    let err = bounded(ges_read(&ges_with_iam(&server))).await.unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication),
        "{err:?}"
    );
    assert_eq!(server.requests(), 2, "the token request, then the GES call");
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(IAM_TOKEN), "leaks the IAM token: {text}");
    }
}
