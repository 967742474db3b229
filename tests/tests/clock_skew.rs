//! Clock skew is survived (issue 13 item 9): with the emulator's clock 10 or 20 minutes
//! from the client's, past the vendor's tolerance (NCP 5 minutes, Huawei APIG and OCP 15),
//! the first signed request is rejected; the client learns the server's time from the
//! rejection's `Date`, re-signs and sends once more. The create succeeds with at most two
//! requests, exactly one backup exists, and later calls (on the client or a clone) are
//! signed right the first time. A wrong secret still fails, after at most one re-send,
//! and never loops.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backup_core::credentials::OcpCredentials;
use backup_emulator::config::defaults;
use backup_emulator::{Emulator, EmulatorHandle, ops};
use common::*;
use hw_ges_backup::JobStatus;
use ncp_vcache::{BackupEntry, ManualBackups};
use ocp_ob_backup::{DataBackupMode, TaskStatus};

const TEN_MINUTES: i64 = 10 * 60;
const TWENTY_MINUTES: i64 = 20 * 60;

async fn skewed(offset_seconds: i64) -> EmulatorHandle {
    start(Emulator::demo().clock_offset_seconds(offset_seconds)).await
}

/// The first request on a 5-minute vendor with the clocks 10 minutes apart is refused;
/// one re-send fixes it; the offset is then kept.
#[tokio::test]
async fn ncp_hadoop_backup_survives_a_ten_minute_skew_either_way() {
    for offset in [TEN_MINUTES, -TEN_MINUTES] {
        let emu = skewed(offset).await;
        let client = vhadoop(&emu);

        let out = client
            .backup_cluster_configuration()
            .cloud_hadoop_instance_no(HADOOP)
            .send()
            .await
            .unwrap_or_else(|e| panic!("offset {offset}: {e}"));
        assert_eq!(out.return_code.as_deref(), Some("0"));
        assert_eq!(
            emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION),
            2,
            "offset {offset}: one refused, one accepted"
        );
        assert_eq!(emu.backups_created(&ops::hadoop_resource(HADOOP)), 1);

        // The learned offset signs every later request right the first time.
        client
            .wait_until_cluster_running(HADOOP)
            .config(wait())
            .wait()
            .await
            .unwrap();
        let polls = emu.requests(ops::VHADOOP_GET_INSTANCE_DETAIL);
        assert!(polls >= 1);
        assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
    }
}

#[tokio::test]
async fn ncp_cache_and_redis_manual_backups_survive_a_ten_minute_skew() {
    for offset in [TEN_MINUTES, -TEN_MINUTES] {
        let emu = skewed(offset).await;
        let cache = vcache(&emu);
        let backup = cache
            .create_manual_backup_and_wait(CACHE)
            .config(wait())
            .wait()
            .await
            .unwrap_or_else(|e| panic!("offset {offset}: {e}"));
        assert!(backup.has_ended(), "{backup:?}");
        // The waiter lists first (and learns the offset there), so the create is sent once.
        assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 1);
        assert_eq!(emu.backups_created(&ops::cache_resource(CACHE)), 1);

        let redis = vredis(&emu);
        let out = redis
            .create_cloud_redis_manual_backup()
            .cloud_redis_instance_no(REDIS)
            .send()
            .await
            .unwrap_or_else(|e| panic!("offset {offset}: {e}"));
        assert_eq!(out.return_code.as_deref(), Some("0"));
        assert!(emu.requests(ops::VREDIS_CREATE_MANUAL_BACKUP) <= 2);
        assert_eq!(emu.backups_created(&ops::redis_resource(REDIS)), 1);
        assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 2);
    }
}

/// The storage the demo cluster's strategy names, read with HTTP Basic (which signs no
/// time), so that backupNow is the first signed request of the client under test.
async fn ocp_backup_now(
    client: &ocp_ob_backup::Client,
    emu: &EmulatorHandle,
) -> Result<ocp_ob_backup::BackupCommonResponse, backup_core::Error> {
    let strategy = ocp_basic(emu, defaults::OCP_PASSWORD)
        .get_backup_strategy()
        .id(OCP_CLUSTER)
        .send()
        .await
        .unwrap();
    client
        .backup_now()
        .id(OCP_CLUSTER)
        .backup_mode(strategy.backup_mode.unwrap())
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(strategy.ob_backup_service_storage_config.unwrap())
        .send()
        .await
}

#[tokio::test]
async fn ocp_hmac_backup_now_survives_ten_and_twenty_minute_skews() {
    for offset in [TEN_MINUTES, -TEN_MINUTES, TWENTY_MINUTES, -TWENTY_MINUTES] {
        let emu = skewed(offset).await;
        let client = ocp_hmac(&emu, defaults::OCP_ACCESS_KEY_SECRET);
        let started = ocp_backup_now(&client, &emu)
            .await
            .unwrap_or_else(|e| panic!("offset {offset}: {e}"));
        let expected = if offset.abs() > 15 * 60 { 2 } else { 1 };
        assert_eq!(
            emu.requests(ops::OCP_BACKUP_NOW),
            expected,
            "offset {offset}"
        );
        assert_eq!(
            emu.backups_created(&ops::ocp_cluster_resource(OCP_CLUSTER)),
            1
        );

        let tasks = client
            .wait_until_backup_done(&started)
            .config(wait())
            .wait()
            .await
            .unwrap();
        assert!(
            tasks
                .iter()
                .all(|t| t.status == Some(TaskStatus::Successful))
        );
        // Every poll was signed with the learned time: one request per poll, no refusals.
        let polls = emu.requests(ops::OCP_GET_TASK_INSTANCE);
        let before = emu.total_requests();
        client
            .get_task_instance()
            .id(started.task_ids()[0])
            .send()
            .await
            .unwrap();
        assert_eq!(emu.total_requests(), before + 1, "after {polls} polls");
        assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
    }
}

#[tokio::test]
async fn ges_create_backup_survives_ten_and_twenty_minute_skews() {
    for offset in [TEN_MINUTES, -TEN_MINUTES, TWENTY_MINUTES, -TWENTY_MINUTES] {
        let emu = skewed(offset).await;
        let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
        let started = client
            .create_backup()
            .graph_id(GRAPH)
            .send()
            .await
            .unwrap_or_else(|e| panic!("offset {offset}: {e}"));
        let expected = if offset.abs() > 15 * 60 { 2 } else { 1 };
        assert_eq!(
            emu.requests(ops::GES_CREATE_BACKUP),
            expected,
            "offset {offset}"
        );
        assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 1);

        let job = client
            .wait_until_job_done(GRAPH, &started.job_id)
            .config(wait())
            .wait()
            .await
            .unwrap();
        assert_eq!(job.status, Some(JobStatus::Success));

        // A clone shares the learned offset: its first request is accepted.
        let clone = client.clone();
        let before = emu.requests(ops::GES_LIST_GRAPH_BACKUPS);
        let backups = clone.graph_backups(GRAPH).collect().await.unwrap();
        assert_eq!(backups.len(), 1, "{backups:?}");
        assert_eq!(emu.requests(ops::GES_LIST_GRAPH_BACKUPS), before + 1);
        assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
    }
}

/// A wrong secret with skewed clocks: one re-send with the corrected time (the rejection
/// looked like skew), then the authentication error. Never more.
#[tokio::test]
async fn a_wrong_secret_behind_a_skewed_clock_is_sent_at_most_twice() {
    let emu = skewed(-TWENTY_MINUTES).await;
    let err = ges_aksk(&emu, WRONG_SECRET)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "APIGW.0301");
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 2);

    let emu = skewed(TEN_MINUTES).await;
    let err = ncp(ncp_vhadoop::Client::builder(), &emu, WRONG_SECRET)
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "200");
    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 2);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);
}

/// With the clocks agreeing, a wrong secret fails after one request, as before: a generic
/// authentication failure is not taken for skew.
#[tokio::test]
async fn a_wrong_secret_with_agreeing_clocks_is_sent_once() {
    let emu = skewed(0).await;
    let err = ocp_backup_now(&ocp_hmac(&emu, WRONG_SECRET), &emu)
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "30004");
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 1);

    let err = ncp(ncp_vhadoop::Client::builder(), &emu, WRONG_SECRET)
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "200");
    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);

    // Basic signs no time: a wrong password is sent once whatever the clocks say.
    let emu = skewed(TWENTY_MINUTES).await;
    let err = ocp_backup_now(
        &ocp(
            &emu,
            OcpCredentials::basic(defaults::OCP_USER, WRONG_SECRET),
        ),
        &emu,
    )
    .await
    .unwrap_err();
    assert_auth_error(&err, 401, "30004");
    assert!(emu.requests(ops::OCP_BACKUP_NOW) <= 2);
}
