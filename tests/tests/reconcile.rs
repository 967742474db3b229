//! Reconciling ambiguous creates, through every vendor crate's public client against the
//! emulator: the emulator reads a create and closes the connection, *before* performing
//! it (no backup) the first time and *after* performing it (one backup) the second. Each
//! create ends in `Error::AmbiguousOutcome` after one request; the vendor's `reconcile_*`
//! then lists what the vendor shows since the attempt and must say `NotCreated` for the
//! first and `Created` with the backup's id for the second, sending no create itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use backup_core::Error;
use backup_core::reconcile::{Attempt, Reconciliation};
use backup_emulator::config::defaults;
use backup_emulator::{Emulator, EmulatorHandle, Fault, FaultRule, ops};
use common::*;
use ncp_vcache::ManualBackups;
use ocp_ob_backup::DataBackupMode;

/// The emulator closes the connection of the first request of `op` before performing it,
/// and that of the second after performing it.
async fn closing_emulator(op: &str) -> EmulatorHandle {
    let close =
        |after_processing| FaultRule::new(op, Fault::CloseConnection { after_processing }).times(1);
    start(Emulator::demo().fault(close(false)).fault(close(true))).await
}

/// The attempt an ambiguous create describes.
fn attempt_of(err: &Error) -> Attempt {
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    Attempt::from_error(err).expect("an ambiguous outcome names its attempt")
}

fn assert_not_created(verdict: &Reconciliation) {
    assert!(verdict.is_not_created(), "{verdict:?}");
    assert!(verdict.evidence().in_window.is_empty(), "{verdict:?}");
}

/// `Created` with `id`, which the evidence shows in the window.
fn assert_created(verdict: &Reconciliation, id: &str) {
    assert_eq!(verdict.created_id(), Some(id), "{verdict:?}");
    let evidence = verdict.evidence();
    assert_eq!(evidence.in_window_count, 1, "{evidence:?}");
    assert_eq!(evidence.in_window[0].id.as_deref(), Some(id));
}

#[tokio::test]
async fn ges_reconcile_tells_a_create_closed_before_processing_from_one_closed_after() {
    let emu = closing_emulator(ops::GES_CREATE_BACKUP).await;
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let resource = ops::ges_resource(PROJECT, GRAPH);

    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    let verdict = client
        .reconcile_create_backup(GRAPH, &attempt_of(&err))
        .await;
    assert_not_created(&verdict);
    assert_eq!(verdict.evidence().listed_with, ["listGraphBackups"]);
    assert_eq!(emu.backups_created(&resource), 0);

    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    let verdict = client
        .reconcile_create_backup(GRAPH, &attempt_of(&err))
        .await;
    let listed = client.graph_backups(GRAPH).collect().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_created(&verdict, listed[0].id.as_deref().unwrap());
    // Reconciling sends no create: one request per create call, one backup.
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 2);
    assert_eq!(emu.backups_created(&resource), 1);
}

/// Items 9 and 10 together: the local clock is 20 minutes ahead of the server's (past
/// Huawei's 15-minute window). The create is refused for its time, re-signed with the
/// learned offset, then performed and its connection closed. The attempt it names must be
/// on the server's clock: on the local one, the window (attempt minus 15 minutes) would
/// start 5 minutes after the backup did, and reconciling would say `NotCreated`, inviting a
/// second backup.
#[tokio::test]
async fn ges_reconcile_after_a_skew_correction_finds_the_backup_on_the_servers_clock() {
    let emu = start(
        Emulator::demo().clock_offset_seconds(-20 * 60).fault(
            FaultRule::new(
                ops::GES_CREATE_BACKUP,
                Fault::CloseConnection {
                    after_processing: true,
                },
            )
            .times(1),
        ),
    )
    .await;
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let resource = ops::ges_resource(PROJECT, GRAPH);

    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(emu.backups_created(&resource), 1);
    let verdict = client
        .reconcile_create_backup(GRAPH, &attempt_of(&err))
        .await;
    let listed = client.graph_backups(GRAPH).collect().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_created(&verdict, listed[0].id.as_deref().unwrap());
    assert_eq!(emu.backups_created(&resource), 1);
}

#[tokio::test]
async fn ges_reconcile_of_a_failed_listing_is_unknown() {
    let emu = start(Emulator::demo()).await;
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let verdict = client
        .reconcile_create_backup("no-such-graph", &Attempt::new(std::time::SystemTime::now()))
        .await;
    assert!(
        matches!(verdict, Reconciliation::Unknown { ref reason, .. } if reason.contains("listing")),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn ocp_reconcile_finds_the_cluster_task_only_when_backup_now_was_processed() {
    let emu = closing_emulator(ops::OCP_BACKUP_NOW).await;
    let client = ocp_basic(&emu, defaults::OCP_PASSWORD);
    let resource = ops::ocp_cluster_resource(OCP_CLUSTER);

    let err = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap_err();
    let verdict = client
        .reconcile_backup_now(OCP_CLUSTER, None, &attempt_of(&err))
        .await;
    assert_not_created(&verdict);
    assert_eq!(emu.backups_created(&resource), 0);

    let err = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap_err();
    let verdict = client
        .reconcile_backup_now(OCP_CLUSTER, None, &attempt_of(&err))
        .await;
    let tasks = client
        .data_backup_tasks(OCP_CLUSTER)
        .collect()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_created(&verdict, &tasks[0].task_id.unwrap().to_string());
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 2);
    assert_eq!(emu.backups_created(&resource), 1);
}

#[tokio::test]
async fn ocp_reconcile_of_a_tenant_backup_counts_only_that_tenant() {
    let emu = closing_emulator(ops::OCP_TENANT_BACKUP_NOW).await;
    let client = ocp_basic(&emu, defaults::OCP_PASSWORD);
    let storage = client
        .get_backup_strategy()
        .id(OCP_CLUSTER)
        .send()
        .await
        .unwrap()
        .ob_backup_service_storage_config
        .unwrap();
    let tenant_backup = || {
        client
            .tenant_backup_now()
            .id(OCP_CLUSTER)
            .tenant_id(OCP_TENANT)
            .backup_mode(ocp_ob_backup::BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(storage.clone())
            .send()
    };

    let err = tenant_backup().await.unwrap_err();
    let verdict = client
        .reconcile_backup_now(OCP_CLUSTER, Some(OCP_TENANT), &attempt_of(&err))
        .await;
    assert_not_created(&verdict);

    let err = tenant_backup().await.unwrap_err();
    let attempt = attempt_of(&err);
    let verdict = client
        .reconcile_backup_now(OCP_CLUSTER, Some(OCP_TENANT), &attempt)
        .await;
    let tasks = client
        .data_backup_tasks(OCP_CLUSTER)
        .collect()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_created(&verdict, &tasks[0].task_id.unwrap().to_string());
    assert_eq!(
        emu.backups_created(&ops::ocp_tenant_resource(OCP_CLUSTER, OCP_TENANT)),
        1
    );
    // Another tenant's reconciliation does not take this tenant's task for its own.
    let other = client
        .reconcile_backup_now(OCP_CLUSTER, Some(OCP_TENANT + 1), &attempt)
        .await;
    assert_not_created(&other);
    assert_eq!(other.evidence().listed, 1);
}

#[tokio::test]
async fn ncp_cache_reconcile_watches_the_list_before_saying_not_created() {
    let emu = closing_emulator(ops::VCACHE_CREATE_MANUAL_BACKUP).await;
    let client = vcache(&emu);
    let resource = ops::cache_resource(CACHE);
    // Longer than an emulated backup takes to be listed (it lists only ended ones).
    let watch = BACKUP_DURATION * 3;

    let err = client
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap_err();
    let attempt = attempt_of(&err);
    // One listing proves nothing: a running backup may not be listed yet.
    let verdict = client
        .reconcile_manual_backup(CACHE, &attempt, Duration::ZERO)
        .await;
    assert!(
        matches!(verdict, Reconciliation::Unknown { .. }),
        "{verdict:?}"
    );
    let verdict = client.reconcile_manual_backup(CACHE, &attempt, watch).await;
    assert_not_created(&verdict);
    assert_eq!(emu.backups_created(&resource), 0);

    let err = client
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap_err();
    let verdict = client
        .reconcile_manual_backup(CACHE, &attempt_of(&err), watch)
        .await;
    let listed = client
        .get_cloud_cache_manual_backup_detail_list()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap()
        .cloud_cache_backup_detail_list
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_created(&verdict, listed[0].file_name.as_deref().unwrap());
    assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 2);
    assert_eq!(emu.backups_created(&resource), 1);
}

#[tokio::test]
async fn ncp_redis_reconcile_finds_a_backup_made_before_the_connection_closed() {
    let emu = closing_emulator(ops::VREDIS_CREATE_MANUAL_BACKUP).await;
    let client = vredis(&emu);
    let watch = BACKUP_DURATION * 3;
    let create = || {
        client
            .create_cloud_redis_manual_backup()
            .cloud_redis_instance_no(REDIS)
            .send()
    };
    let err = create().await.unwrap_err();
    let verdict = client
        .reconcile_manual_backup(REDIS, &attempt_of(&err), watch)
        .await;
    assert_not_created(&verdict);
    let err = create().await.unwrap_err();
    let verdict = client
        .reconcile_manual_backup(REDIS, &attempt_of(&err), watch)
        .await;
    assert!(verdict.created_id().is_some(), "{verdict:?}");
    assert_eq!(emu.backups_created(&ops::redis_resource(REDIS)), 1);
}

#[tokio::test]
async fn ncp_hadoop_reconcile_says_unknown_either_way_with_the_cluster_state() {
    let emu = closing_emulator(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION).await;
    let client = vhadoop(&emu);
    for _ in 0..2 {
        let err = client
            .backup_cluster_configuration()
            .cloud_hadoop_instance_no(HADOOP)
            .send()
            .await
            .unwrap_err();
        let verdict = client
            .reconcile_backup_cluster_configuration(HADOOP, &attempt_of(&err))
            .await;
        let Reconciliation::Unknown { reason, evidence } = &verdict else {
            panic!("nothing public proves either way: {verdict:?}")
        };
        assert!(reason.contains("Object Storage bucket"), "{reason}");
        assert!(
            evidence.notes.iter().any(|n| n.contains("cluster state")),
            "{evidence:?}"
        );
    }
    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 2);
}
