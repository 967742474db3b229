//! The manual-backup waiter: baseline, create call, polls, and what ends the wait.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use backup_core::clock::utc_fields;
use backup_core::protocol::ncp::testing::{self, WireRequest};
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vcache::{Error, ManualBackups, RequestStyle, ResponseFormat, WaitConfig, vcache, vredis};

/// `t` as the services write it: `2024-07-02T00:00:00+0900`.
fn kst(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = utc_fields(t + Duration::from_secs(9 * 3600));
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+0900")
}

const OLD: (&str, Option<&str>) = ("2024-07-01T09:00:00+0900", Some("2024-07-01T09:00:41+0900"));

fn cache_details(entries: &[(String, Option<String>)]) -> Step {
    let items: Vec<String> = entries
        .iter()
        .map(|(start, end)| match end {
            Some(end) => format!(
                r#"{{"startTime":"{start}","endTime":"{end}","backupSize":530,"dataStorageSize":10737418240}}"#
            ),
            None => format!(r#"{{"startTime":"{start}","backupSize":0}}"#),
        })
        .collect();
    Step::ok(&format!(
        r#"{{"getCloudCacheManualBackupDetailListResponse":{{"requestId":"r","returnCode":"0","returnMessage":"success","totalRows":{},"cloudCacheBackupDetailList":[{}]}}}}"#,
        entries.len(),
        items.join(",")
    ))
}

fn old() -> (String, Option<String>) {
    (OLD.0.to_owned(), OLD.1.map(str::to_owned))
}

fn fast() -> WaitConfig {
    WaitConfig::default()
        .with_intervals(Duration::from_millis(5), Duration::from_millis(10))
        .with_timeout(Duration::from_secs(10))
}

const CREATED: &str = r#"{"createCloudCacheManualBackupResponse":{"requestId":"r-create","returnCode":"0","returnMessage":"success"}}"#;

fn vcache_client(server: &ScriptedServer) -> vcache::Client {
    testing::builder(
        &server.base_url,
        RequestStyle::PostForm,
        ResponseFormat::Json,
    )
    .build()
    .unwrap()
}

#[tokio::test]
async fn create_and_wait_lists_creates_then_sees_the_new_backup_through() {
    let start = kst(SystemTime::now() + Duration::from_secs(2));
    let end = kst(SystemTime::now() + Duration::from_secs(40));
    let server = ScriptedServer::start(vec![
        cache_details(&[old()]),
        Step::ok(CREATED),
        cache_details(&[old()]),
        cache_details(&[old(), (start.clone(), None)]),
        cache_details(&[old(), (start.clone(), Some(end.clone()))]),
    ])
    .await;
    let mut states = Vec::new();
    let backup = vcache_client(&server)
        .create_manual_backup_and_wait("1234821")
        .map_target(|backup| backup.region_code("KR"))
        .config(fast())
        .on_progress(|p| states.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.start_time.as_deref(), Some(start.as_str()));
    assert_eq!(backup.end_time.as_deref(), Some(end.as_str()));
    assert_eq!(states, vec!["waiting", "in progress"]);

    let targets: Vec<(String, Vec<(String, String)>)> = server
        .requests()
        .iter()
        .map(|r| {
            let w = WireRequest::from_recorded(r);
            (w.target.clone(), w.params())
        })
        .collect();
    let detail = "/vcache/v2/getCloudCacheManualBackupDetailList";
    let paths: Vec<&str> = targets.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            detail,
            "/vcache/v2/createCloudCacheManualBackup",
            detail,
            detail,
            detail
        ]
    );
    for (_, params) in &targets {
        assert_eq!(
            params[..2],
            [
                ("regionCode".to_owned(), "KR".to_owned()),
                ("cloudCacheInstanceNo".to_owned(), "1234821".to_owned())
            ]
        );
    }
}

/// Issue 15: the manual backups listed before the create tell how long one takes (the
/// newest with both times: `OLD` took 41 s); until that has passed, the waiter's progress
/// carries the time left as `Progress::estimated_remaining`, the hint by which
/// backup-core's schedule polls again then. No history, no hint.
#[tokio::test]
async fn create_and_wait_estimates_the_time_left_from_the_last_backup() {
    let start = kst(SystemTime::now());
    let end = kst(SystemTime::now() + Duration::from_secs(40));
    let older = (
        "2024-06-30T09:00:00+0900".to_owned(),
        Some("2024-06-30T09:10:00+0900".to_owned()),
    );
    let server = ScriptedServer::start(vec![
        cache_details(&[older.clone(), old()]),
        Step::ok(CREATED),
        cache_details(&[older, old()]),
        cache_details(&[old(), (start.clone(), Some(end))]),
        // Another instance, with no backup before.
        cache_details(&[]),
        Step::ok(CREATED),
        cache_details(&[]),
        cache_details(&[(
            start,
            Some(kst(SystemTime::now() + Duration::from_secs(40))),
        )]),
    ])
    .await;
    let client = vcache_client(&server);
    let mut hints = Vec::new();
    client
        .create_manual_backup_and_wait("1234821")
        .config(fast())
        .on_progress(|p| hints.push(p.estimated_remaining))
        .wait()
        .await
        .unwrap();
    let [Some(left)] = hints[..] else {
        panic!("one hint expected: {hints:?}");
    };
    // 41 s less the few milliseconds since the create was sent.
    assert!(
        left <= Duration::from_secs(41) && left > Duration::from_secs(31),
        "{left:?}"
    );
    let mut hints = Vec::new();
    client
        .create_manual_backup_and_wait("1234822")
        .config(fast())
        .on_progress(|p| hints.push(p.estimated_remaining))
        .wait()
        .await
        .unwrap();
    assert_eq!(hints, vec![None]);
}

#[tokio::test]
async fn an_empty_lookup_5001017_counts_as_no_backup_yet() {
    let not_found = Step::status(
        400,
        r#"{"responseError": {"returnCode": "5001017", "returnMessage": "lookup result is 0 or already deleted"}}"#,
    );
    let start = kst(SystemTime::now());
    let end = kst(SystemTime::now() + Duration::from_secs(30));
    let server = ScriptedServer::start(vec![
        not_found.clone(),
        Step::ok(CREATED),
        not_found,
        cache_details(&[(start.clone(), Some(end))]),
    ])
    .await;
    let backup = vcache_client(&server)
        .create_manual_backup_and_wait("1234821")
        .config(fast())
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.start_time.as_deref(), Some(start.as_str()));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_failed_create_ends_before_any_poll() {
    let server = ScriptedServer::start(vec![
        cache_details(&[old()]),
        Step::status(
            401,
            r#"{"error":{"errorCode":"210","message":"Permission Denied","details":""}}"#,
        ),
    ])
    .await;
    let err = vcache_client(&server)
        .create_manual_backup_and_wait("1234821")
        .config(fast())
        .wait()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("210"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn wait_until_manual_backup_done_after_your_own_create() {
    let since = SystemTime::now() - Duration::from_secs(10);
    let start = kst(since + Duration::from_secs(3));
    let end = kst(since + Duration::from_secs(50));
    let server =
        ScriptedServer::start(vec![cache_details(&[old(), (start.clone(), Some(end))])]).await;
    let backup = vcache_client(&server)
        .wait_until_manual_backup_done("1234821", since)
        .config(fast())
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.start_time.as_deref(), Some(start.as_str()));
    assert_eq!(server.requests().len(), 1, "no create call");

    // A baseline rules out an entry that the time alone would admit.
    let server = ScriptedServer::start(vec![cache_details(&[(
        start.clone(),
        Some(kst(since + Duration::from_secs(50))),
    )])])
    .await;
    let listed = vcache_client(&server)
        .get_cloud_cache_manual_backup_detail_list()
        .cloud_cache_instance_no("1234821")
        .send()
        .await
        .unwrap()
        .cloud_cache_backup_detail_list
        .unwrap_or_default();
    let err = vcache_client(&server)
        .wait_until_manual_backup_done("1234821", since)
        .map_target(|backup| backup.baseline(&listed))
        .config(fast().with_timeout(Duration::from_millis(50)))
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WaitTimedOut(_)), "{err}");
}

#[tokio::test]
async fn gives_up_at_the_deadline_when_nothing_new_appears() {
    let server = ScriptedServer::start(vec![cache_details(&[old()])]).await;
    let err = vcache_client(&server)
        .wait_until_manual_backup_done("1234821", SystemTime::now())
        .config(fast().with_timeout(Duration::from_millis(60)))
        .wait()
        .await
        .unwrap_err();
    match &err {
        Error::WaitTimedOut(t) => assert_eq!(t.last_state.as_deref(), Some("waiting")),
        other => panic!("{other}"),
    }
    assert!(
        err.to_string().contains("cloudCacheInstanceNo 1234821"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_instance_numbers_send_nothing() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let c = vcache_client(&server);
    for bad in ["", "12\n"] {
        let err = c
            .create_manual_backup_and_wait(bad)
            .config(fast())
            .wait()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    }
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn vredis_create_and_wait_over_get_and_xml() {
    let start = kst(SystemTime::now() + Duration::from_secs(1));
    let end = kst(SystemTime::now() + Duration::from_secs(20));
    let xml = |entries: &[(&str, &str)]| {
        let items: String = entries
            .iter()
            .map(|(s, e)| {
                format!(
                    "<cloudRedisBackupDetail><startTime>{s}</startTime><endTime>{e}</endTime><backupSize>540</backupSize></cloudRedisBackupDetail>"
                )
            })
            .collect();
        Step::ok(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><getCloudRedisManualBackupDetailListResponse><requestId>r</requestId><returnCode>0</returnCode><totalRows>{}</totalRows><cloudRedisBackupDetailList>{items}</cloudRedisBackupDetailList></getCloudRedisManualBackupDetailListResponse>",
            entries.len()
        ))
    };
    let server = ScriptedServer::start(vec![
        xml(&[("2024-07-01T00:15:00+0900", "2024-07-01T00:15:31+0900")]),
        Step::ok(
            "<createCloudRedisManualBackupResponse><requestId>r-c</requestId><returnCode>0</returnCode><returnMessage>success</returnMessage></createCloudRedisManualBackupResponse>",
        ),
        xml(&[
            ("2024-07-01T00:15:00+0900", "2024-07-01T00:15:31+0900"),
            (&start, &end),
        ]),
    ])
    .await;
    let c: vredis::Client = testing::builder(
        &server.base_url,
        RequestStyle::GetQuery,
        ResponseFormat::Xml,
    )
    .build()
    .unwrap();
    let backup = c
        .create_manual_backup_and_wait("1234511")
        .config(fast())
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.start_time.as_deref(), Some(start.as_str()));
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        vec![
            "/vredis/v2/getCloudRedisManualBackupDetailList?cloudRedisInstanceNo=1234511&responseFormatType=xml",
            "/vredis/v2/createCloudRedisManualBackup?cloudRedisInstanceNo=1234511&responseFormatType=xml",
            "/vredis/v2/getCloudRedisManualBackupDetailList?cloudRedisInstanceNo=1234511&responseFormatType=xml",
        ]
    );
}

#[tokio::test]
async fn a_wrong_path_fails_at_once_instead_of_waiting() {
    let server = ScriptedServer::start(vec![Step::status(
        404,
        r#"{"error":{"errorCode":"300","message":"Not Found Exception","details":""}}"#,
    )])
    .await;
    let err = vcache_client(&server)
        .wait_until_manual_backup_done("1234821", SystemTime::now())
        .config(fast())
        .wait()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("300"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_multi_byte_character_in_a_listed_time_is_an_unreadable_entry_not_a_panic() {
    let since = SystemTime::now() - Duration::from_secs(10);
    let start = kst(since + Duration::from_secs(3));
    let end = kst(since + Duration::from_secs(50));
    let hostile = ("2024-07-0é".to_owned(), Some("2024-07-02T00:0é".to_owned()));
    let server =
        ScriptedServer::start(vec![cache_details(&[hostile, (start.clone(), Some(end))])]).await;
    let backup = vcache_client(&server)
        .wait_until_manual_backup_done("1234821", since)
        .config(fast())
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.start_time.as_deref(), Some(start.as_str()));
}

/// Issue 14 item 3: the wait for a manual backup known by its id (backupctl's own
/// `wait_for_manual_backup` before 0.2.0) is the SDK's: the entry whose `fileName`, else
/// `startTime`, is the id, once it has an end time.
#[tokio::test]
async fn the_id_waiter_follows_the_named_backup_until_it_ends() {
    let start = "2024-07-02T10:00:05+0900".to_owned();
    let end = "2024-07-02T10:01:00+0900".to_owned();
    let server = ScriptedServer::start(vec![
        cache_details(&[old()]),
        cache_details(&[old(), (start.clone(), None)]),
        cache_details(&[old(), (start.clone(), Some(end.clone()))]),
    ])
    .await;
    let mut seen = Vec::new();
    let backup = vcache_client(&server)
        .wait_until_manual_backup_id_done("1234821", start.clone())
        .config(fast())
        .on_progress(|p| seen.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(backup.end_time.as_deref(), Some(end.as_str()));
    assert_eq!(seen, ["not listed", "in progress"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "no create call");
    assert!(
        requests
            .iter()
            .all(|r| r.target.contains("getCloudCacheManualBackupDetailList")),
        "{:?}",
        requests.iter().map(|r| &r.target).collect::<Vec<_>>()
    );
}
