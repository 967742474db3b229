//! Peak memory of a client call whose response is just under the 8 MiB body cap but holds
//! millions of empty items: it must stay under 64 MiB (issue 12, item 5), in JSON and XML,
//! for a list operation and for an error response.
//!
//! One test runs every case in turn: the allocator counts every thread of the process, so
//! cases must not overlap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::protocol::ncp::testing;
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vcache::{Error, RequestStyle, ResponseFormat, vredis};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// What one response may cost, whatever it holds.
const PEAK_LIMIT: usize = 64 * 1024 * 1024;
/// Just under the client's default body cap (8 MiB).
const BODY_BYTES: usize = 8 * 1024 * 1024 - 4096;

/// `head`, then `item` repeated (separated by `separator`) to fill [`BODY_BYTES`], then
/// `tail`.
fn filled(head: &str, item: &str, separator: &str, tail: &str) -> String {
    let room = BODY_BYTES - head.len() - tail.len();
    let count = (room + separator.len()) / (item.len() + separator.len());
    let mut body = String::with_capacity(BODY_BYTES);
    body.push_str(head);
    for i in 0..count {
        if i > 0 {
            body.push_str(separator);
        }
        body.push_str(item);
    }
    body.push_str(tail);
    assert!(body.len() <= BODY_BYTES);
    body
}

/// Calls `getCloudRedisBackupList` against a server answering `step`, and returns the
/// result and the peak of live heap bytes above what was live before the call.
fn measure(step: Step, format: ResponseFormat) -> (Result<usize, Error>, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let server = ScriptedServer::start(vec![step]).await;
        let client: vredis::Client =
            testing::builder(&server.base_url, RequestStyle::PostForm, format)
                .build()
                .unwrap();
        let before = ALLOCATOR.current_usage();
        ALLOCATOR.reset_peak_usage();
        let result = client
            .get_cloud_redis_backup_list()
            .region_code("KR")
            .send()
            .await
            .map(|out| out.cloud_redis_backup_list.map_or(0, |l| l.len()));
        let peak = ALLOCATOR.peak_usage().saturating_sub(before);
        (result, peak)
    })
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[test]
fn an_8_mib_body_of_millions_of_empty_items_costs_under_64_mib() {
    let json_list = filled(
        r#"{"getCloudRedisBackupListResponse":{"returnCode":"0","totalRows":1,"cloudRedisBackupList":["#,
        "{}",
        ",",
        "]}}",
    );
    let (result, peak) = measure(Step::ok(&json_list), ResponseFormat::Json);
    drop(json_list);
    eprintln!("JSON list: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "JSON list: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("2.8 million items are more than a list may hold");
    assert!(
        matches!(error, Error::UnparseableResponse(_)) && error.to_string().contains("items"),
        "{error}"
    );

    let xml_list = filled(
        "<getCloudRedisBackupListResponse><returnCode>0</returnCode><cloudRedisBackupList>",
        "<item/>",
        "",
        "</cloudRedisBackupList></getCloudRedisBackupListResponse>",
    );
    let (result, peak) = measure(testing::xml_ok(&xml_list), ResponseFormat::Xml);
    drop(xml_list);
    eprintln!("XML list: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "XML list: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("a million elements are more than a response may hold");
    assert!(matches!(error, Error::UnparseableResponse(_)), "{error}");

    let json_error = filled(
        r#"{"responseError":{"returnCode":"900","returnMessage":"Required field is not specified.","junk":["#,
        "{}",
        ",",
        "]}}",
    );
    let (result, peak) = measure(Step::status(400, &json_error), ResponseFormat::Json);
    drop(json_error);
    eprintln!("JSON error: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "JSON error: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("an error response");
    assert_eq!(error.code(), Some("900"), "{error}");

    let xml_error = filled(
        "<responseError><returnCode>900</returnCode><returnMessage>Required field is not specified.</returnMessage><junk>",
        "<item/>",
        "",
        "</junk></responseError>",
    );
    let (result, peak) = measure(
        Step::Respond {
            status: 400,
            headers: vec![("content-type", "application/xml".into())],
            body: xml_error.clone(),
        },
        ResponseFormat::Xml,
    );
    drop(xml_error);
    eprintln!("XML error: peak {:.1} MiB", mib(peak));
    assert!(peak <= PEAK_LIMIT, "XML error: peak {:.1} MiB", mib(peak));
    let error = result.expect_err("an error response");
    assert_eq!(error.code(), Some("900"), "{error}");
}
