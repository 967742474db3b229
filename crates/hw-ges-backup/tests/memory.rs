//! Peak memory of a client call whose response is just under the 8 MiB body cap but holds
//! millions of empty items: it must stay under 64 MiB (issue 12, item 5), for a list
//! operation, an error response and the IAM token response.
//!
//! One test runs every case in turn: the allocator counts every thread of the process, so
//! cases must not overlap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use backup_core::test_util::{ScriptedServer, Step};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// What one response may cost, whatever it holds.
const PEAK_LIMIT: usize = 64 * 1024 * 1024;
/// Just under the client's default body cap (8 MiB).
const BODY_BYTES: usize = 8 * 1024 * 1024 - 4096;

/// `head`, then `item` repeated (separated by `,`) to fill [`BODY_BYTES`], then `tail`.
fn filled(head: &str, item: &str, tail: &str) -> String {
    let room = BODY_BYTES - head.len() - tail.len();
    let count = (room + 1) / (item.len() + 1);
    let mut body = String::with_capacity(BODY_BYTES);
    body.push_str(head);
    for i in 0..count {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str(tail);
    assert!(body.len() <= BODY_BYTES);
    body
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

use backup_core::Error;
use backup_core::credentials::{HuaweiCredentials, StaticEnvironment};
use backup_core::sign::ProvideToken;
use backup_core::{RetryConfig, Timeouts};
use hw_ges_backup::{Client, IamTokenProvider};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Lists backups against a server answering `step`; returns the number of backups and the
/// peak of live heap bytes above what was live before the call.
fn measure(step: Step) -> (Result<usize, Error>, usize) {
    runtime().block_on(async move {
        let server = ScriptedServer::start(vec![step]).await;
        let client = Client::builder()
            .endpoint(server.base_url.clone())
            .project_id(PROJECT)
            .environment(StaticEnvironment::new())
            .credentials(HuaweiCredentials::new("AccessKey", "SecretKey"))
            .retry(RetryConfig::default().with_max_attempts(1))
            .timeouts(Timeouts::new(
                Duration::from_secs(5),
                Duration::from_secs(30),
            ))
            .build()
            .unwrap();
        let before = ALLOCATOR.current_usage();
        ALLOCATOR.reset_peak_usage();
        let result = client
            .list_backups()
            .send()
            .await
            .map(|page| page.backup_list.map_or(0, |l| l.len()));
        let peak = ALLOCATOR.peak_usage().saturating_sub(before);
        (result, peak)
    })
}

#[test]
fn an_8_mib_body_of_millions_of_empty_items_costs_under_64_mib() {
    let list = filled(r#"{"backup_count":1,"backup_list":["#, "{}", "]}");
    let (result, peak) = measure(Step::ok(&list));
    drop(list);
    eprintln!("list: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "list: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("2.8 million items are more than a list may hold");
    assert!(
        matches!(error, Error::UnparseableResponse(_)) && error.to_string().contains("items"),
        "{error}"
    );

    let error_body = filled(
        r#"{"error_code":"GES.7002","error_msg":"The graph is being backed up.","junk":["#,
        "{}",
        "]}",
    );
    let (result, peak) = measure(Step::status(400, &error_body));
    drop(error_body);
    eprintln!("error: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "error: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("an error response");
    assert_eq!(error.code(), Some("GES.7002"), "{error}");

    let token_body = filled(
        r#"{"token":{"expires_at":"2099-01-01T00:00:00.000000Z","catalog":["#,
        "{}",
        "]}}",
    );
    let (token, expiry, peak) = runtime().block_on(async move {
        let iam = ScriptedServer::start(vec![
            Step::status(201, &token_body).with_header("x-subject-token", "token-1"),
        ])
        .await;
        drop(token_body);
        let provider = IamTokenProvider::builder()
            .endpoint(iam.base_url.clone())
            .user_name("alice")
            .password("password-do-not-print")
            .domain_name("example-domain")
            .project_name("cn-north-4")
            .build()
            .unwrap();
        let before = ALLOCATOR.current_usage();
        ALLOCATOR.reset_peak_usage();
        let token = provider.token().await.map(|t| t.expose_secret().to_owned());
        let peak = ALLOCATOR.peak_usage().saturating_sub(before);
        (token, provider.cached_expiry().await, peak)
    });
    eprintln!("IAM token: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "IAM token: peak {:.1} MiB", mib(peak));
    assert_eq!(token.ok().as_deref(), Some("token-1"));
    // 2099-01-01T00:00:00Z: the expiry was read from the body, not defaulted.
    assert_eq!(
        expiry,
        Some(std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(4_070_908_800))
    );
}
