//! Issue 13 item 8, through the public clients against the raw loopback server of
//! `hostile::server`: a server that always has one more page, and always the same one,
//! ends every paginator with a typed error after a bounded number of requests. Before the
//! fix the OCP paginator did not stop (16,915 requests in 20 s) and GES returned the first
//! 1,000 pages as the whole listing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hostile;

use std::time::Duration;

use backup_core::{Error, PaginationErrorKind};
use hostile::*;

/// One past the old GES cap: enough to show a paginator does not stop by itself.
const MAX_PAGES: usize = 1000;

fn repeated_page(error: &Error) -> bool {
    matches!(error, Error::Pagination(e) if e.kind == PaginationErrorKind::RepeatedPage)
}

#[tokio::test]
async fn ocp_data_backup_tasks_stop_after_a_bounded_number_of_pages() {
    let page = r#"{"successful":true,"data":{"contents":[{"id":1,"status":"SUCCESSFUL"}],"page":{"number":1,"size":1,"totalElements":2147483647,"totalPages":2147483647}}}"#;
    let server = HostileServer::start(vec![json(200, page)]).await;
    let client = ocp_hmac(&server);
    let mut tasks = client.data_backup_tasks(OCP_CLUSTER).page_size(1);
    let mut listed = 0usize;
    let mut error = None;
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while listed <= MAX_PAGES {
            match tasks.next().await {
                Some(Ok(_)) => listed += 1,
                Some(Err(err)) => {
                    assert_no_secret(&err);
                    error = Some(err);
                    break;
                }
                None => break,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "stuck after {listed} task(s)");
    let error = error.expect("an endless listing is an error, not a truncation");
    assert!(repeated_page(&error), "{error}");
    assert_eq!(listed, 1);
    assert_eq!(server.requests(), 2, "{error}");
}

#[tokio::test]
async fn ges_graph_backups_stop_after_a_bounded_number_of_pages() {
    let page = r#"{"backup_count":2147483647,"backup_list":[{"id":"b1","status":"success"}]}"#;
    let server = HostileServer::start(vec![json(200, page)]).await;
    let client = ges(&server);
    let ended = tokio::time::timeout(
        Duration::from_secs(20),
        client.graph_backups(GRAPH).page_size(1).collect(),
    )
    .await;
    let error = ended
        .expect("stuck")
        .expect_err("an endless listing is an error, not a truncation");
    assert_no_secret(&error);
    assert!(repeated_page(&error), "{error}");
    assert_eq!(server.requests(), 2, "{error}");
}
