//! A wrong secret fails with the vendor's authentication error, through every vendor
//! crate's public client against the emulator: an [`Error::Service`] of kind
//! [`ServiceErrorKind::Authentication`] carrying the vendor's status and code (NCP 401
//! `200`, OCP 401 `30004` for both HMAC and Basic, GES 401 `APIGW.0301` for AK/SK, IAM 401
//! for a wrong password). The request is sent exactly once (an auth error is never
//! retried) and nothing is created. The right secret on the same emulator works, so the
//! failure is the secret's and not the set-up's.
//!
//! [`Error::Service`]: backup_core::Error::Service
//! [`ServiceErrorKind::Authentication`]: backup_core::ServiceErrorKind::Authentication
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backup_core::ServiceErrorKind;
use backup_emulator::config::defaults;
use backup_emulator::{Emulator, ops};
use common::*;
use ncp_vcache::{ManualBackups, vcache, vredis};
use ocp_ob_backup::DataBackupMode;

#[tokio::test]
async fn ncp_hadoop_wrong_secret_is_authentication_failed() {
    let emu = start(Emulator::demo()).await;
    let bad = ncp(ncp_vhadoop::Client::builder(), &emu, WRONG_SECRET);
    let err = bad
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "200");
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("Authentication Failed")),
        "{err}"
    );
    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 1);
    assert_eq!(emu.backups_created(&ops::hadoop_resource(HADOOP)), 0);

    vhadoop(&emu)
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap();
    assert_eq!(emu.backups_created(&ops::hadoop_resource(HADOOP)), 1);
}

#[tokio::test]
async fn ncp_vcache_and_vredis_wrong_secret_is_authentication_failed() {
    let emu = start(Emulator::demo()).await;
    let cache = ncp(vcache::Client::builder(), &emu, WRONG_SECRET);
    let err = cache
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "200");

    let redis = ncp(vredis::Client::builder(), &emu, WRONG_SECRET);
    let err = redis
        .create_cloud_redis_manual_backup()
        .cloud_redis_instance_no(REDIS)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "200");

    // The waiter's own create path stops at its first (listing) request.
    let err = cache
        .create_manual_backup_and_wait(CACHE)
        .config(wait())
        .wait()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "200");

    assert_eq!(emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP), 1);
    assert_eq!(emu.requests(ops::VREDIS_CREATE_MANUAL_BACKUP), 1);
    assert_eq!(emu.requests(ops::VCACHE_MANUAL_BACKUP_DETAIL_LIST), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);

    vcache(&emu)
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no(CACHE)
        .send()
        .await
        .unwrap();
    assert_eq!(emu.backups_created(&ops::cache_resource(CACHE)), 1);
}

/// Calls backupNow on the demo cluster with `client`, with the storage the strategy
/// configures (read with working credentials, so that backupNow is the call that fails).
async fn ocp_backup_now(
    client: &ocp_ob_backup::Client,
    emu: &backup_emulator::EmulatorHandle,
) -> Result<ocp_ob_backup::BackupCommonResponse, backup_core::Error> {
    let strategy = ocp_hmac(emu, defaults::OCP_ACCESS_KEY_SECRET)
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
async fn ocp_wrong_hmac_secret_and_wrong_password_are_authentication_errors() {
    let emu = start(Emulator::demo()).await;

    let err = ocp_backup_now(&ocp_hmac(&emu, WRONG_SECRET), &emu)
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "30004");

    let err = ocp_backup_now(&ocp_basic(&emu, WRONG_SECRET), &emu)
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "30004");

    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 2);
    assert_eq!(
        emu.backups_created(&ops::ocp_cluster_resource(OCP_CLUSTER)),
        0
    );

    ocp_backup_now(&ocp_basic(&emu, defaults::OCP_PASSWORD), &emu)
        .await
        .unwrap();
    assert_eq!(
        emu.backups_created(&ops::ocp_cluster_resource(OCP_CLUSTER)),
        1
    );
}

#[tokio::test]
async fn ges_wrong_secret_key_is_apigw_0301() {
    let emu = start(Emulator::demo()).await;
    let err = ges_aksk(&emu, WRONG_SECRET)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_auth_error(&err, 401, "APIGW.0301");
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 0);

    ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap();
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 1);
}

#[tokio::test]
async fn ges_iam_wrong_password_gets_no_token_and_sends_no_backup() {
    let emu = start(Emulator::demo()).await;
    let err = ges_iam(&emu, WRONG_SECRET)
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication),
        "{err:?}"
    );
    assert_eq!(err.http_status(), Some(401), "{err}");
    assert!(!err.is_ambiguous_outcome(), "{err}");
    // The token request failed once; the backup request was never sent.
    assert_eq!(emu.requests(ops::IAM_CREATE_TOKEN), 1);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 0);
    assert_eq!(emu.backups_created(&ops::ges_resource(PROJECT, GRAPH)), 0);
}
