//! How the SDK behaves when the service is unhelpful, through every vendor crate's public
//! client against the emulator's throttling and fault injection.
//!
//! - **Throttling** (a token bucket over all of a vendor's operations, refilled at one
//!   request per second, announcing `Retry-After`/`RateLimit-Reset: 1`): a flow that reads
//!   and then creates finds the create throttled (NCP 429 `410`, OCP 429 code 0, GES 429
//!   `APIGW.0308`). The SDK retries it after the announced delay and the flow completes;
//!   the emulator saw the create twice yet created exactly one backup, and the run took at
//!   least the announced second.
//! - **Ambiguous creates**: the emulator reads a create request and closes the connection
//!   without answering. The SDK returns `Error::AmbiguousOutcome` after exactly one request
//!   (a create is not idempotent, so it is never repeated). Whether a backup exists then
//!   depends on where the connection died, and the emulator makes both cases exact:
//!   `close_connection` *before* processing leaves **0** backups, `close_connection` with
//!   `after_processing` leaves **1**, which the caller then finds by listing — the check the
//!   error asks for before trying again. A create whose answer comes later than the
//!   client's attempt timeout is ambiguous in the same way (the emulator finishes the
//!   request it was handling, so the backup exists: **1**).
//! - An idempotent read whose connection is closed is retried and succeeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant, SystemTime};

use backup_core::{DispatchKind, Error, Timeouts};
use backup_emulator::config::defaults;
use backup_emulator::{Emulator, EmulatorHandle, Fault, FaultRule, ThrottleRule, ops};
use common::*;
use ncp_vcache::{BackupEntry, ManualBackups};
use ocp_ob_backup::DataBackupMode;

// ---------------------------------------------------------------------------------------
// Throttling

/// One request per second for every operation (capacity 1, refill 1/s, `Retry-After: 1`).
async fn throttled_emulator() -> EmulatorHandle {
    start(Emulator::demo().throttle(ThrottleRule::new("*", 1, 1.0))).await
}

/// What every throttled run must show: the create was sent more than once (the first was
/// throttled), exactly one backup exists, and the client waited the announced second.
fn assert_throttled_create(
    emu: &EmulatorHandle,
    create_op: &str,
    resource: &str,
    started: Instant,
) {
    assert_eq!(
        emu.requests(create_op),
        2,
        "the create is throttled once, then retried: {:?}",
        emu.counters().requests
    );
    assert_eq!(emu.backups_created(resource), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the retry came before the announced Retry-After: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ncp_hadoop_throttled_backup_completes_after_backoff() {
    let emu = throttled_emulator().await;
    let client = vhadoop(&emu);
    let started = Instant::now();

    let cluster = client
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cluster.cloud_hadoop_instance_list.unwrap_or_default().len(),
        1
    );
    client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap();
    client
        .wait_until_cluster_running(HADOOP)
        .config(wait())
        .wait()
        .await
        .unwrap();

    assert_throttled_create(
        &emu,
        ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION,
        &ops::hadoop_resource(HADOOP),
        started,
    );
}

#[tokio::test]
async fn ncp_vcache_throttled_manual_backup_completes_after_backoff() {
    let emu = throttled_emulator().await;
    let started = Instant::now();
    // Lists (baseline), creates (throttled, retried), then polls the list.
    let backup = vcache(&emu)
        .create_manual_backup_and_wait(CACHE)
        .config(wait())
        .wait()
        .await
        .unwrap();
    assert!(backup.file_name().is_some(), "{backup:?}");
    assert_throttled_create(
        &emu,
        ops::VCACHE_CREATE_MANUAL_BACKUP,
        &ops::cache_resource(CACHE),
        started,
    );
}

#[tokio::test]
async fn ocp_throttled_backup_now_completes_after_backoff() {
    let emu = throttled_emulator().await;
    let client = ocp_hmac(&emu, defaults::OCP_ACCESS_KEY_SECRET);
    let started = Instant::now();
    // Reads the strategy, then backupNow (throttled, retried after RateLimit-Reset).
    let response = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap();
    client
        .wait_until_backup_done(&response)
        .config(wait())
        .wait()
        .await
        .unwrap();
    assert_throttled_create(
        &emu,
        ops::OCP_BACKUP_NOW,
        &ops::ocp_cluster_resource(OCP_CLUSTER),
        started,
    );
}

#[tokio::test]
async fn ges_throttled_create_backup_completes_after_backoff() {
    let emu = throttled_emulator().await;
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let started = Instant::now();

    let before = client.graph_backups(GRAPH).collect().await.unwrap();
    assert!(before.is_empty(), "{before:?}");
    let created = client.create_backup().graph_id(GRAPH).send().await.unwrap();
    client
        .wait_until_job_done(GRAPH, &created.job_id)
        .config(wait())
        .wait()
        .await
        .unwrap();

    assert_throttled_create(
        &emu,
        ops::GES_CREATE_BACKUP,
        &ops::ges_resource(PROJECT, GRAPH),
        started,
    );
}

#[tokio::test]
async fn throttling_that_outlasts_the_attempts_is_returned_as_throttling() {
    // An empty bucket that never refills: every attempt is throttled. The SDK gives up
    // after its attempts with the vendor's throttling error, having created nothing.
    let emu =
        start(Emulator::demo().throttle(ThrottleRule::new(ops::GES_CREATE_BACKUP, 0, 0.0))).await;
    let client = ges_aksk_with(
        &emu,
        defaults::HUAWEI_SECRET_KEY,
        retry().with_max_attempts(2),
        timeouts(),
    );
    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_throttling(), "{err:?}");
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.code(), Some("APIGW.0308"));
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 2);
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 0);
}

// ---------------------------------------------------------------------------------------
// Ambiguous outcomes of creates

/// The emulator closes the connection of the first request of `op` before performing it,
/// and that of the second after performing it.
async fn closing_emulator(op: &str) -> EmulatorHandle {
    start(
        Emulator::demo()
            .fault(
                FaultRule::new(
                    op,
                    Fault::CloseConnection {
                        after_processing: false,
                    },
                )
                .times(1),
            )
            .fault(
                FaultRule::new(
                    op,
                    Fault::CloseConnection {
                        after_processing: true,
                    },
                )
                .times(1),
            ),
    )
    .await
}

/// An ambiguous outcome caused by the connection dying after the request went out.
fn assert_ambiguous(err: &Error) {
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert!(!err.is_retryable(), "{err}");
    assert!(err.may_have_been_sent(), "{err}");
    let Error::AmbiguousOutcome(outcome) = err else {
        unreachable!()
    };
    assert!(
        matches!(outcome.cause, Error::Dispatch(_)),
        "caused by the transport: {:?}",
        outcome.cause
    );
}

#[tokio::test]
async fn ges_create_with_connection_closed_is_ambiguous_and_not_repeated() {
    let emu = closing_emulator(ops::GES_CREATE_BACKUP).await;
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let resource = ops::ges_resource(PROJECT, GRAPH);

    // Closed before processing: one request, no backup, and the list says so.
    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_ambiguous(&err);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(emu.backups_created(&resource), 0);
    assert!(
        client
            .graph_backups(GRAPH)
            .collect()
            .await
            .unwrap()
            .is_empty()
    );

    // Closed after processing: one more request, one backup, which the list shows.
    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_ambiguous(&err);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 2);
    assert_eq!(emu.backups_created(&resource), 1);
    let listed = client.graph_backups(GRAPH).collect().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
}

#[tokio::test]
async fn ncp_vcache_create_with_connection_closed_is_ambiguous_and_not_repeated() {
    let emu = closing_emulator(ops::VCACHE_CREATE_MANUAL_BACKUP).await;
    let client = vcache(&emu);
    let resource = ops::cache_resource(CACHE);

    let err = client
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap_err();
    assert_ambiguous(&err);
    assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 1);
    assert_eq!(emu.backups_created(&resource), 0);

    // The waiter's create path returns the same error and polls nothing.
    let since = SystemTime::now();
    let polls_before = emu.requests(ops::VCACHE_MANUAL_BACKUP_DETAIL_LIST);
    let err = client
        .create_manual_backup_and_wait(CACHE)
        .config(wait())
        .wait()
        .await
        .unwrap_err();
    assert_ambiguous(&err);
    assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 2);
    assert_eq!(emu.backups_created(&resource), 1);
    // Only the baseline listing was sent, before the create.
    assert_eq!(
        emu.requests(ops::VCACHE_MANUAL_BACKUP_DETAIL_LIST),
        polls_before + 1
    );

    // The documented recovery: wait for a backup newer than the failed call, rather than
    // creating again. It is there.
    let found = client
        .wait_until_manual_backup_done(CACHE, since)
        .config(wait())
        .wait()
        .await
        .unwrap();
    assert!(found.has_ended(), "{found:?}");
    assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 2);
    assert_eq!(emu.backups_created(&resource), 1);
}

#[tokio::test]
async fn ncp_hadoop_backup_with_connection_closed_is_ambiguous_and_not_repeated() {
    let emu = closing_emulator(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION).await;
    let client = vhadoop(&emu);
    let resource = ops::hadoop_resource(HADOOP);
    for (sent, created) in [(1, 0), (2, 1)] {
        let err = client
            .backup_cluster_configuration()
            .cloud_hadoop_instance_no(HADOOP)
            .send()
            .await
            .unwrap_err();
        assert_ambiguous(&err);
        assert_eq!(
            emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION),
            sent
        );
        assert_eq!(emu.backups_created(&resource), created);
    }
}

#[tokio::test]
async fn ocp_backup_now_with_connection_closed_is_ambiguous_and_not_repeated() {
    let emu = closing_emulator(ops::OCP_BACKUP_NOW).await;
    let client = ocp_basic(&emu, defaults::OCP_PASSWORD);
    let resource = ops::ocp_cluster_resource(OCP_CLUSTER);

    let err = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap_err();
    assert_ambiguous(&err);
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 1);
    assert_eq!(emu.backups_created(&resource), 0);
    let sets = client
        .data_backup_tasks(OCP_CLUSTER)
        .collect()
        .await
        .unwrap();
    assert!(sets.is_empty(), "{sets:?}");

    let err = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap_err();
    assert_ambiguous(&err);
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 2);
    assert_eq!(emu.backups_created(&resource), 1);
    // The backup the caller could not see started is in the backup task list.
    let sets = client
        .data_backup_tasks(OCP_CLUSTER)
        .collect()
        .await
        .unwrap();
    assert_eq!(sets.len(), 1, "{sets:?}");
}

#[tokio::test]
async fn ges_create_answered_after_the_attempt_timeout_is_ambiguous() {
    let latency = Duration::from_millis(600);
    let emu = start(
        Emulator::demo().fault(
            FaultRule::new(
                ops::GES_CREATE_BACKUP,
                Fault::Latency {
                    ms: latency.as_millis() as u64,
                },
            )
            .times(1),
        ),
    )
    .await;
    // Retries stay on: the timeout must still not make the SDK send the create again.
    let client = ges_aksk_with(
        &emu,
        defaults::HUAWEI_SECRET_KEY,
        retry(),
        Timeouts::new(Duration::from_secs(2), Duration::from_millis(200)),
    );

    let started = Instant::now();
    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    let Error::AmbiguousOutcome(outcome) = &err else {
        unreachable!()
    };
    let Error::Dispatch(dispatch) = &outcome.cause else {
        panic!("caused by the transport: {:?}", outcome.cause)
    };
    assert_eq!(dispatch.kind, DispatchKind::Timeout);
    assert!(started.elapsed() < latency, "{:?}", started.elapsed());
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);

    // The emulator was still handling the request when the client gave up; once it is
    // done, the backup exists, and the list shows it.
    tokio::time::sleep(latency + Duration::from_millis(200)).await;
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 1);
    let listed = client.graph_backups(GRAPH).collect().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
}

#[tokio::test]
async fn idempotent_list_with_connection_closed_is_retried() {
    let emu = start(
        Emulator::demo().fault(
            FaultRule::new(
                ops::GES_LIST_GRAPH_BACKUPS,
                Fault::CloseConnection {
                    after_processing: false,
                },
            )
            .times(1),
        ),
    )
    .await;
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let listed = client.graph_backups(GRAPH).collect().await.unwrap();
    assert!(listed.is_empty(), "{listed:?}");
    assert_eq!(emu.requests(ops::GES_LIST_GRAPH_BACKUPS), 2);
}
