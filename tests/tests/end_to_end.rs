//! End to end, per vendor API, through each vendor crate's public client against the
//! in-process emulator: start a backup, wait for it with the crate's waiter, and see it
//! where the vendor lists backups. Each test also checks the emulator's own record (one
//! create request, one backup created for that resource and none for the others), so a
//! client that skips the create, sends it twice, or a waiter that returns before the
//! backup finished, fails the test. Both auth modes are covered for OCP (HMAC, Basic) and
//! GES (AK/SK, IAM token); NCP signs with API Gateway v2 (JSON and XML responses).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use backup_emulator::{Emulator, HadoopCluster, ops};
use common::*;
use hw_ges_backup::{BackupStatus, JobStatus};
use ncp_vcache::{BackupEntry, ManualBackups, ResponseFormat, vcache, vredis};
use ncp_vhadoop::ClusterState;
use ocp_ob_backup::{DataBackupMode, TaskStatus};

/// A cluster whose fixture shows a busy state during a configuration backup (the vendor
/// documents none, seed 000): the waiter sees it and returns only once it has ended.
#[tokio::test]
async fn ncp_hadoop_backup_cluster_configuration_then_running_again() {
    const HADOOP: &str = "1000002";
    let emu = start(
        Emulator::demo().hadoop_cluster(
            HadoopCluster::new(HADOOP, "busy-during-backup")
                .with_busy_during_backup("SETUP", "settingUp"),
        ),
    )
    .await;
    let client = vhadoop(&emu);

    let before = client
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap()
        .cloud_hadoop_instance_list
        .unwrap_or_default();
    assert_eq!(before.len(), 1);
    assert_eq!(ClusterState::of(&before[0]), ClusterState::Running);

    let started = Instant::now();
    let out = client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap();
    assert_eq!(out.return_code.as_deref(), Some("0"));

    let mut states = Vec::new();
    let cluster = client
        .wait_until_cluster_running(HADOOP)
        .config(wait())
        .on_progress(|p| states.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(ClusterState::of(&cluster), ClusterState::Running);
    // The waiter saw the backup in progress and only returned once it had finished.
    assert!(
        states.iter().any(|s| s == "CREAT/SETUP"),
        "progress reported: {states:?}"
    );
    assert!(started.elapsed() >= BACKUP_DURATION);

    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 1);
    assert_eq!(emu.backups_created(&ops::hadoop_resource(HADOOP)), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
}

/// Seed 000 documents no cluster state for a configuration backup, so by default the
/// cluster never leaves `CREAT`/`NULL`: the waiter returns at its first poll, having seen
/// nothing of the backup, which is all `wait_until_cluster_running` promises.
#[tokio::test]
async fn ncp_hadoop_wait_sees_only_the_cluster_when_the_backup_shows_no_state() {
    let emu = start(Emulator::demo()).await;
    let client = vhadoop(&emu);
    client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap();
    let mut states = Vec::new();
    let cluster = client
        .wait_until_cluster_running(HADOOP)
        .config(wait())
        .on_progress(|p| states.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(ClusterState::of(&cluster), ClusterState::Running);
    assert!(states.is_empty(), "progress reported: {states:?}");
    assert_eq!(emu.requests(ops::VHADOOP_GET_INSTANCE_DETAIL), 1);
    assert_eq!(emu.backups_created(&ops::hadoop_resource(HADOOP)), 1);
}

#[tokio::test]
async fn ncp_vcache_manual_backup_is_listed_and_exported() {
    let emu = start(Emulator::demo()).await;
    let client = vcache(&emu);

    let backup = client
        .create_manual_backup_and_wait(CACHE)
        .config(wait())
        .wait()
        .await
        .unwrap();
    assert!(backup.has_ended(), "{backup:?}");
    let file_name = backup.file_name().expect("the emulator lists a fileName");
    assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 1);
    assert_eq!(emu.backups_created(&ops::cache_resource(CACHE)), 1);

    // The manual backup list (of every instance) now has this one, as a manual backup.
    let list = client
        .get_cloud_cache_manual_backup_list()
        .send()
        .await
        .unwrap()
        .cloud_cache_backup_list
        .unwrap_or_default();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].cloud_cache_instance_no.as_deref(), Some(CACHE));
    assert_eq!(
        list[0].backup_type.as_ref().and_then(|c| c.code.as_deref()),
        Some("MANUAL")
    );
    // ... and the detail list names exactly the file the waiter returned.
    let details = client
        .get_cloud_cache_manual_backup_detail_list()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap()
        .cloud_cache_backup_detail_list
        .unwrap_or_default();
    let files: Vec<_> = details.iter().filter_map(|d| d.file_name()).collect();
    assert_eq!(files, [file_name]);

    // Export that file; a file that does not exist is refused and not counted.
    client
        .export_backup_to_object_storage()
        .cloud_cache_instance_no(CACHE)
        .file_name(file_name)
        .bucket_name("cache-backup")
        .backup_type_mode(vcache::BackupTypeMode::Manual)
        .send()
        .await
        .unwrap();
    let missing = client
        .export_backup_to_object_storage()
        .cloud_cache_instance_no(CACHE)
        .file_name("no-such-file")
        .bucket_name("cache-backup")
        .backup_type_mode(vcache::BackupTypeMode::Manual)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        missing.service_error_kind(),
        Some(&ncp_vcache::ServiceErrorKind::NotFound),
        "{missing}"
    );
    assert_eq!(emu.exports(&ops::cache_resource(CACHE)), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
}

#[tokio::test]
async fn ncp_vredis_manual_backup_is_listed_with_xml_responses() {
    let emu = start(Emulator::demo()).await;
    let client = ncp(
        vredis::Client::builder().response_format(ResponseFormat::Xml),
        &emu,
        backup_emulator::config::defaults::NCP_SECRET_KEY,
    );

    let before = client
        .get_cloud_redis_manual_backup_detail_list()
        .cloud_redis_instance_no(REDIS)
        .send()
        .await
        .unwrap()
        .cloud_redis_backup_detail_list
        .unwrap_or_default();
    assert!(before.is_empty(), "{before:?}");

    let backup = client
        .create_manual_backup_and_wait(REDIS)
        .config(wait())
        .wait()
        .await
        .unwrap();
    let file_name = backup.file_name().expect("the emulator lists a fileName");
    assert_eq!(emu.requests(ops::VREDIS_CREATE_MANUAL_BACKUP), 1);
    assert_eq!(emu.backups_created(&ops::redis_resource(REDIS)), 1);
    assert_eq!(emu.backups_created(&ops::cache_resource(CACHE)), 0);

    let list = client
        .get_cloud_redis_manual_backup_list()
        .send()
        .await
        .unwrap()
        .cloud_redis_backup_list
        .unwrap_or_default();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].cloud_redis_instance_no.as_deref(), Some(REDIS));

    client
        .export_backup_to_object_storage()
        .cloud_redis_instance_no(REDIS)
        .file_name(file_name)
        .bucket_name("cache-backup")
        .backup_type_mode(vredis::BackupTypeMode::Manual)
        .send()
        .await
        .unwrap();
    assert_eq!(emu.exports(&ops::redis_resource(REDIS)), 1);
}

#[tokio::test]
async fn ocp_hmac_backup_now_tasks_succeed_and_the_backup_set_is_listed() {
    let emu = start(Emulator::demo()).await;
    let client = ocp_hmac(
        &emu,
        backup_emulator::config::defaults::OCP_ACCESS_KEY_SECRET,
    );

    let started = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap();
    let task_ids = started.task_ids();
    assert_eq!(task_ids.len(), 1, "{started:?}");

    let mut progress = Vec::new();
    let tasks = client
        .wait_until_backup_done(&started)
        .config(wait())
        .on_progress(|p| {
            progress.push((p.completed, p.total));
        })
        .wait()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].id, Some(task_ids[0]));
    assert_eq!(tasks[0].status, Some(TaskStatus::Successful));
    assert_eq!(tasks[0].subtask_progress(), (3, 3));
    assert!(
        !progress.is_empty(),
        "the waiter never saw the task running"
    );

    let sets = client
        .data_backup_tasks(OCP_CLUSTER)
        .collect()
        .await
        .unwrap();
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert_eq!(sets[0].task_id, Some(task_ids[0]));
    assert_eq!(sets[0].status.as_deref(), Some("DONE"));
    assert_eq!(
        sets[0].data_backup_task_type,
        Some(DataBackupMode::FullBackup)
    );
    assert!(sets[0].backup_set_id.is_some(), "{:?}", sets[0]);

    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 1);
    assert_eq!(
        emu.backups_created(&ops::ocp_cluster_resource(OCP_CLUSTER)),
        1
    );
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
}

#[tokio::test]
async fn ocp_basic_tenant_backup_now_with_the_cluster_strategy() {
    let emu = start(Emulator::demo()).await;
    let client = ocp_basic(&emu, backup_emulator::config::defaults::OCP_PASSWORD);

    let strategy = client
        .get_backup_strategy()
        .id(OCP_CLUSTER)
        .send()
        .await
        .unwrap();
    let started = client
        .tenant_backup_now()
        .id(OCP_CLUSTER)
        .tenant_id(OCP_TENANT)
        .backup_mode(strategy.backup_mode.clone().unwrap())
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(strategy.ob_backup_service_storage_config.unwrap())
        .send()
        .await
        .unwrap();
    let tasks = client
        .wait_until_backup_done(&started)
        .config(wait())
        .wait()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(
        tasks
            .iter()
            .all(|t| t.status == Some(TaskStatus::Successful))
    );

    assert_eq!(emu.requests(ops::OCP_TENANT_BACKUP_NOW), 1);
    assert_eq!(
        emu.backups_created(&ops::ocp_tenant_resource(OCP_CLUSTER, OCP_TENANT)),
        1
    );
    assert_eq!(
        emu.backups_created(&ops::ocp_cluster_resource(OCP_CLUSTER)),
        0
    );
}

/// Seed 004: an unknown graph is 404 `GES.0047`; the SDK reads it as `NotFound`, sends the
/// create once and nothing is created.
#[tokio::test]
async fn ges_unknown_graph_is_not_found_through_the_sdk() {
    let emu = start(Emulator::demo()).await;
    let client = ges_aksk(&emu, backup_emulator::config::defaults::HUAWEI_SECRET_KEY);
    let err = client
        .create_backup()
        .graph_id("99999999-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&backup_core::ServiceErrorKind::NotFound),
        "{err}"
    );
    assert_eq!(err.http_status(), Some(404), "{err}");
    assert_eq!(err.code(), Some("GES.0047"), "{err}");
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);
}

/// Creates a GES backup, waits for its job and finds it, finished, in the graph's list.
async fn ges_backup_end_to_end(client: &hw_ges_backup::Client) -> String {
    let started = client.create_backup().graph_id(GRAPH).send().await.unwrap();
    let backup_id = started
        .backup_id
        .clone()
        .expect("the emulator returns a backup id");

    let mut states = Vec::new();
    let job = client
        .wait_until_job_done(GRAPH, &started.job_id)
        .config(wait())
        .on_progress(|p| states.push(p.state.clone()))
        .wait()
        .await
        .unwrap();
    assert_eq!(job.status, Some(JobStatus::Success));
    assert!(
        !states.is_empty(),
        "the waiter never saw the job unfinished"
    );

    let backups = client.graph_backups(GRAPH).collect().await.unwrap();
    let listed: Vec<_> = backups
        .iter()
        .filter(|b| b.id.as_deref() == Some(backup_id.as_str()))
        .collect();
    assert_eq!(listed.len(), 1, "{backups:?}");
    assert_eq!(listed[0].status, Some(BackupStatus::Success));
    assert_eq!(listed[0].graph_id.as_deref(), Some(GRAPH));
    backup_id
}

#[tokio::test]
async fn ges_aksk_create_backup_job_succeeds_and_backup_is_listed() {
    let emu = start(Emulator::demo()).await;
    let client = ges_aksk(&emu, backup_emulator::config::defaults::HUAWEI_SECRET_KEY);

    ges_backup_end_to_end(&client).await;

    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
    assert_eq!(emu.requests(ops::IAM_CREATE_TOKEN), 0);
}

#[tokio::test]
async fn ges_iam_token_create_backup_job_succeeds_and_backup_is_listed() {
    let emu = start(Emulator::demo()).await;
    let client = ges_iam(&emu, backup_emulator::config::defaults::HUAWEI_PASSWORD);

    ges_backup_end_to_end(&client).await;

    // One token, obtained before the first call and reused for every later one.
    assert_eq!(emu.requests(ops::IAM_CREATE_TOKEN), 1);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert!(emu.requests(ops::GES_SHOW_JOB) >= 2);
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 1);
}

#[tokio::test]
async fn every_vendor_in_one_emulator_at_once() {
    // All four APIs share one port: run one backup of each concurrently and check that
    // each resource got exactly its own backup.
    let emu = start(Emulator::demo()).await;
    let defaults = backup_emulator::config::defaults::NCP_SECRET_KEY;
    let (hadoop, cache, ocp, ges) = (
        vhadoop(&emu),
        ncp(vcache::Client::builder(), &emu, defaults),
        ocp_hmac(
            &emu,
            backup_emulator::config::defaults::OCP_ACCESS_KEY_SECRET,
        ),
        ges_aksk(&emu, backup_emulator::config::defaults::HUAWEI_SECRET_KEY),
    );
    let deadline = Duration::from_secs(10);
    let (h, c, o, g) = tokio::time::timeout(deadline, async {
        tokio::join!(
            async {
                hadoop
                    .backup_cluster_configuration()
                    .cloud_hadoop_instance_no(HADOOP)
                    .send()
                    .await?;
                hadoop
                    .wait_until_cluster_running(HADOOP)
                    .config(wait())
                    .wait()
                    .await
            },
            cache
                .create_manual_backup_and_wait(CACHE)
                .config(wait())
                .wait(),
            async {
                let started = ocp
                    .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
                    .await?;
                ocp.wait_until_backup_done(&started)
                    .config(wait())
                    .wait()
                    .await
            },
            async {
                let started = ges.create_backup().graph_id(GRAPH).send().await?;
                ges.wait_until_job_done(GRAPH, &started.job_id)
                    .config(wait())
                    .wait()
                    .await
            },
        )
    })
    .await
    .expect("all four backups finish well within the deadline");
    h.unwrap();
    c.unwrap();
    o.unwrap();
    g.unwrap();
    for resource in [
        ops::hadoop_resource(HADOOP),
        ops::cache_resource(CACHE),
        ops::ocp_cluster_resource(OCP_CLUSTER),
        ops::ges_resource(PROJECT, GRAPH),
    ] {
        assert_eq!(emu.backups_created(&resource), 1, "{resource}");
    }
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 4);
    assert_eq!(emu.requests(ops::UNKNOWN), 0);
}
