//! Peak memory of a client call whose response is just under the 8 MiB body cap but holds
//! millions of empty items: it must stay under 64 MiB (issue 12, item 5), for a list
//! operation and for error envelopes.
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

use backup_core::{RetryConfig, Timeouts};
use ocp_ob_backup::{Client, Error, OcpCredentials};

/// Lists data backup tasks against a server answering `step`; returns the number of tasks
/// and the peak of live heap bytes above what was live before the call.
fn measure(step: Step) -> (Result<usize, Error>, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let server = ScriptedServer::start(vec![step]).await;
        let client = Client::builder()
            .endpoint(&server.base_url)
            .credentials(OcpCredentials::basic("admin", "root"))
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
            .list_data_backup_tasks()
            .id(1)
            .send()
            .await
            .map(|page| page.contents.map_or(0, |c| c.len()));
        let peak = ALLOCATOR.peak_usage().saturating_sub(before);
        (result, peak)
    })
}

#[test]
fn an_8_mib_body_of_millions_of_empty_items_costs_under_64_mib() {
    let list = filled(
        r#"{"successful":true,"status":200,"traceId":"t-1","data":{"contents":["#,
        "{}",
        "]}}",
    );
    let (result, peak) = measure(Step::ok(&list));
    drop(list);
    eprintln!("list: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "list: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("2.8 million items are more than a list may hold");
    assert!(
        matches!(error, Error::UnparseableResponse(_)) && error.to_string().contains("items"),
        "{error}"
    );

    let error_with_junk = filled(
        r#"{"successful":false,"status":400,"traceId":"t-2","error":{"code":10001,"message":"bad request"},"junk":["#,
        "{}",
        "]}",
    );
    let (result, peak) = measure(Step::status(400, &error_with_junk));
    drop(error_with_junk);
    eprintln!("error with junk: peak {:.1} MiB", mib(peak));
    assert!(
        peak <= PEAK_LIMIT,
        "error with junk: peak {:.1} MiB",
        mib(peak)
    );
    let error = result.expect_err("an error envelope");
    assert_eq!(error.code(), Some("10001"), "{error}");
    assert_eq!(error.request_id(), Some("t-2"), "{error}");

    let many_sub_errors = filled(
        r#"{"successful":false,"status":400,"traceId":"t-3","error":{"code":10001,"message":"bad request","subErrors":["#,
        "{}",
        "]}}",
    );
    let (result, peak) = measure(Step::status(400, &many_sub_errors));
    drop(many_sub_errors);
    eprintln!("many sub-errors: peak {:.1} MiB", mib(peak));
    assert!(
        peak <= PEAK_LIMIT,
        "many sub-errors: peak {:.1} MiB",
        mib(peak)
    );
    let error = result.expect_err("an error envelope");
    assert!(matches!(error, Error::Service(_)), "{error}");
}
