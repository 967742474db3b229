//! The `dataBackupTasks` paginator against servers whose pages would never end: it stops
//! after a bounded number of requests with a typed error, never a silent truncation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::paginate::Stream;
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{PaginationErrorKind, RetryConfig, Timeouts};
use ocp_ob_backup::{Client, DataBackupTask, Error, OcpCredentials};
use serde_json::json;

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .endpoint(&server.base_url)
        .credentials(OcpCredentials::basic("admin", "root"))
        .clock(std::sync::Arc::new(SteppingClock::frozen(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_673_946_837),
        )))
        .retry(RetryConfig::default().with_max_attempts(1))
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(10),
        ))
        .build()
        .unwrap()
}

/// A page of tasks `ids`, which OCP numbers `number` of `total_pages`.
fn page(ids: &[i64], number: i64, total_pages: i64) -> Step {
    let contents: Vec<_> = ids
        .iter()
        .map(|id| json!({"taskId": id, "status": "DONE", "backupSetId": id * 10}))
        .collect();
    Step::ok(
        &json!({
            "successful": true,
            "data": {"contents": contents, "page": {"number": number, "size": ids.len(), "totalElements": i64::from(i32::MAX), "totalPages": total_pages}}
        })
        .to_string(),
    )
}

/// Drains `tasks` (at most `bound` items, so that a paginator that never ends fails the
/// test instead of hanging it): the task ids listed and the error that ended the listing.
async fn drain(
    tasks: &mut ocp_ob_backup::DataBackupTasks,
    bound: usize,
) -> (Vec<i64>, Option<Error>) {
    let mut ids = Vec::new();
    while ids.len() <= bound {
        match tasks.next().await {
            Some(Ok(task)) => ids.push(task.task_id.unwrap_or_default()),
            Some(Err(e)) => return (ids, Some(e)),
            None => return (ids, None),
        }
    }
    (ids, None)
}

fn ids(tasks: &[DataBackupTask]) -> Vec<i64> {
    tasks
        .iter()
        .map(|t| t.task_id.unwrap_or_default())
        .collect()
}

/// The issue's reproducer: a server that always answers the same page and always has
/// `i32::MAX` pages. The old paginator requested page after page (16,915 requests in
/// 20 s); now the second answer, which repeats the first, ends the listing.
#[tokio::test]
async fn a_server_repeating_one_page_ends_the_listing_with_an_error() {
    let body = r#"{"successful":true,"data":{"contents":[{"id":1,"status":"SUCCESSFUL"}],"page":{"number":1,"size":1,"totalElements":2147483647,"totalPages":2147483647}}}"#;
    let server = ScriptedServer::start(vec![Step::ok(body)]).await;
    let mut tasks = client(&server).data_backup_tasks(7).page_size(1);
    let ended = tokio::time::timeout(Duration::from_secs(20), drain(&mut tasks, 1000)).await;
    let (listed, error) = ended.expect("the paginator did not stop");
    assert_eq!(listed.len(), 1, "only the first page is listed");
    let error = error.expect("a listing that never ends is an error, not a truncation");
    assert_eq!(server.requests().len(), 2, "{error}");
    assert_eq!(kind(&error), &PaginationErrorKind::RepeatedPage);
    assert_eq!(
        error.to_string(),
        "ocp listDataBackupTasks: paging stopped after 2 pages: page 2 repeats the page before it"
    );
    assert!(!error.is_retryable());
    assert!(tasks.next().await.is_none(), "the listing ended");
    assert_eq!(server.requests().len(), 2);
    let targets: Vec<_> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/api/v2/ob/clusters/7/backup/task/dataBackupTasks?page=1&size=1",
            "/api/v2/ob/clusters/7/backup/task/dataBackupTasks?page=2&size=1",
        ]
    );
}

fn kind(error: &Error) -> &PaginationErrorKind {
    match error {
        Error::Pagination(e) => {
            assert_eq!((e.vendor, e.operation), ("ocp", "listDataBackupTasks"));
            &e.kind
        }
        other => panic!("not a pagination error: {other}"),
    }
}

/// A server that ignores `page` but numbers its answer as asked: the tasks repeat.
#[tokio::test]
async fn a_page_with_the_previous_tasks_under_a_new_number_is_a_repeat() {
    let server = ScriptedServer::start(vec![page(&[1, 2], 1, 1000), page(&[1, 2], 2, 1000)]).await;
    let mut tasks = client(&server).data_backup_tasks(7).page_size(2);
    let (listed, error) = drain(&mut tasks, 1000).await;
    assert_eq!(listed, [1, 2]);
    assert_eq!(kind(&error.unwrap()), &PaginationErrorKind::RepeatedPage);
    assert_eq!(server.requests().len(), 2);
}

/// A server that always says there are more pages, each one new: the page cap ends the
/// listing with an error after delivering the pages it allowed, and `collect` returns
/// the error rather than a shortened list.
#[tokio::test]
async fn reaching_max_pages_is_an_error_not_a_truncation() {
    let script = || (1..=5).map(|n| page(&[n], n, 1000)).collect::<Vec<_>>();
    let server = ScriptedServer::start(script()).await;
    let mut tasks = client(&server)
        .data_backup_tasks(7)
        .page_size(1)
        .max_pages(3);
    let (listed, error) = drain(&mut tasks, 1000).await;
    assert_eq!(listed, [1, 2, 3]);
    let error = error.unwrap();
    assert_eq!(
        kind(&error),
        &PaginationErrorKind::PageCapReached { max_pages: 3 }
    );
    assert_eq!(server.requests().len(), 3);

    let server = ScriptedServer::start(script()).await;
    let collected = client(&server)
        .data_backup_tasks(7)
        .page_size(1)
        .max_pages(3)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(
        kind(&collected),
        &PaginationErrorKind::PageCapReached { max_pages: 3 }
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_collect_over_max_items_is_an_error() {
    let server = ScriptedServer::start(vec![
        page(&[1, 2], 1, 3),
        page(&[3, 4], 2, 3),
        page(&[5], 3, 3),
    ])
    .await;
    let error = client(&server)
        .data_backup_tasks(7)
        .page_size(2)
        .max_items(4)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(
        kind(&error),
        &PaginationErrorKind::ItemCapReached { max_items: 4 }
    );
    assert_eq!(server.requests().len(), 3);
}

/// An honest listing of several pages is complete, through every way of reading it.
#[tokio::test]
async fn a_multi_page_listing_is_complete() {
    let script = || {
        vec![
            page(&[1, 2], 1, 3),
            page(&[3, 4], 2, 3),
            page(&[5], 3, 3),
            page(&[99], 4, 3),
        ]
    };
    let server = ScriptedServer::start(script()).await;
    let all = client(&server)
        .data_backup_tasks(7)
        .page_size(2)
        .collect()
        .await
        .unwrap();
    assert_eq!(ids(&all), [1, 2, 3, 4, 5]);
    assert_eq!(server.requests().len(), 3);

    let server = ScriptedServer::start(script()).await;
    let mut pages = client(&server).data_backup_tasks(7).page_size(2);
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        sizes.push(page.unwrap().len());
        assert!(sizes.len() <= 10, "did not end");
    }
    assert_eq!(sizes, [2, 2, 1]);

    let server = ScriptedServer::start(script()).await;
    let mut stream = client(&server)
        .data_backup_tasks(7)
        .page_size(2)
        .into_stream();
    let mut streamed = Vec::new();
    while let Some(task) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut stream).poll_next(cx)).await
    {
        streamed.push(task.unwrap());
        assert!(streamed.len() <= 10, "did not end");
    }
    assert_eq!(ids(&streamed), [1, 2, 3, 4, 5]);
    assert_eq!(server.requests().len(), 3);
}

/// One page listing tasks with these statuses.
fn tasks_with_status(tasks: &[(i64, &str)]) -> Step {
    let contents: Vec<_> = tasks
        .iter()
        .map(|(id, status)| json!({"taskId": id, "status": status, "errorMsg": "disk full"}))
        .collect();
    Step::ok(
        &json!({
            "successful": true,
            "data": {"contents": contents, "page": {"number": 1, "size": tasks.len(), "totalElements": tasks.len(), "totalPages": 1}}
        })
        .to_string(),
    )
}

fn fast_wait() -> backup_core::WaitConfig {
    backup_core::WaitConfig::default()
        .with_intervals(Duration::from_millis(5), Duration::from_millis(10))
        .with_timeout(Duration::from_secs(10))
}

/// Issue 14 item 3: the wait for a task found by listing (backupctl's own
/// `wait_for_ocp_task` before) is the SDK's, over the one paginator, with the same waiter
/// shape as every other.
#[tokio::test]
async fn the_data_backup_task_waiter_follows_a_listed_task_to_done() {
    let server = ScriptedServer::start(vec![
        tasks_with_status(&[(1, "DONE")]),
        tasks_with_status(&[(1, "DONE"), (7, "RUNNING")]),
        tasks_with_status(&[(1, "DONE"), (7, "DONE")]),
    ])
    .await;
    let mut seen = Vec::new();
    let task = client(&server)
        .wait_until_data_backup_task_done(3, 7)
        .config(fast_wait())
        .on_progress(|p| seen.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(task.task_id, Some(7));
    assert_eq!(seen, ["not listed", "RUNNING"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[0]
            .target
            .starts_with("/api/v2/ob/clusters/3/backup/task/dataBackupTasks?"),
        "{}",
        requests[0].target
    );

    let server = ScriptedServer::start(vec![tasks_with_status(&[(7, "FAILED")])]).await;
    let err = client(&server)
        .wait_until_data_backup_task_done(3, 7)
        .config(fast_wait())
        .wait()
        .await
        .unwrap_err();
    match &err {
        Error::JobFailed(f) => {
            assert_eq!((f.job_id.as_str(), f.state.as_str()), ("7", "FAILED"));
            assert_eq!(f.reason.as_deref(), Some("disk full"));
        }
        other => panic!("{other:?}"),
    }
}
