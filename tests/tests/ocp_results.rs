//! OCP answers that say a backup did not start (issue 13 item 3), through the public
//! client against the emulator: a `beSuccessful: false` result is an error from
//! `backupNow`'s `send()` itself, with the vendor's error code, hint and object, nothing
//! is started and nothing is repeated; the cluster-level call refuses the tenant dimension
//! before sending anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backup_emulator::config::{Fixture, Resources, defaults, demo};
use backup_emulator::{Emulator, OcpCluster, OcpRefusal, ops};
use common::*;
use ocp_ob_backup::{BackupDimension, BackupObject, DataBackupMode, Error};

const HINT: &str = "Cluster compaction needed before full data backup";

/// The demo resources, with the OCP cluster refusing every backup.
fn refusing() -> Fixture {
    let mut resources = Resources::demo();
    resources.ocp_clusters = vec![
        OcpCluster::new(demo::OCP_CLUSTER_ID, "refusing-ob")
            .with_tenant(demo::OCP_TENANT_ID, "demo_tenant")
            .refusing_backups(OcpRefusal::new(50001, HINT)),
    ];
    Fixture {
        resources,
        ..Fixture::default()
    }
}

#[tokio::test]
async fn a_refused_cluster_backup_is_an_error_from_send_with_the_vendors_code_and_hint() {
    let emu = start(Emulator::builder().fixture(refusing())).await;
    let client = ocp_hmac(&emu, defaults::OCP_ACCESS_KEY_SECRET);

    let err = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap_err();
    let Error::Service(service) = &err else {
        panic!("expected a service error, got {err:?}");
    };
    assert_eq!(service.operation, "backupNow");
    assert_eq!(service.code.as_deref(), Some("50001"));
    assert_eq!(service.message.as_deref(), Some(HINT));
    assert_eq!(
        service.subject.as_deref(),
        Some(format!("cluster {OCP_CLUSTER}").as_str())
    );
    assert!(service.started_job_ids.is_empty(), "{service:?}");
    assert!(!err.is_retryable() && !err.is_ambiguous_outcome());

    assert_eq!(
        emu.requests(ops::OCP_BACKUP_NOW),
        1,
        "sent once, not retried"
    );
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);
}

#[tokio::test]
async fn a_refused_tenant_backup_is_an_error_naming_the_tenant() {
    let emu = start(Emulator::builder().fixture(refusing())).await;
    let client = ocp_basic(&emu, defaults::OCP_PASSWORD);
    let strategy = client
        .get_backup_strategy()
        .id(OCP_CLUSTER)
        .send()
        .await
        .unwrap();

    let err = client
        .tenant_backup_now()
        .id(OCP_CLUSTER)
        .tenant_id(OCP_TENANT)
        .backup_mode(strategy.backup_mode.unwrap())
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(strategy.ob_backup_service_storage_config.unwrap())
        .send()
        .await
        .unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(service.operation, "tenantBackupNow");
    assert_eq!(
        service.subject.as_deref(),
        Some(format!("tenant {OCP_TENANT} of cluster {OCP_CLUSTER}").as_str())
    );
    assert!(err.to_string().contains(HINT), "{err}");
    assert_eq!(emu.requests(ops::OCP_TENANT_BACKUP_NOW), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);
}

#[tokio::test]
async fn the_cluster_backup_now_never_sends_the_tenant_dimension() {
    let emu = start(Emulator::demo()).await;
    let client = ocp_basic(&emu, defaults::OCP_PASSWORD);
    let strategy = client
        .get_backup_strategy()
        .id(OCP_CLUSTER)
        .send()
        .await
        .unwrap();

    let err = client
        .backup_now()
        .id(OCP_CLUSTER)
        .backup_mode(strategy.backup_mode.unwrap())
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_object(
            BackupObject::builder()
                .cluster_id(OCP_CLUSTER)
                .tenant_id(OCP_TENANT)
                .backup_dimension(BackupDimension::Tenant)
                .build()
                .unwrap(),
        )
        .ob_backup_service_storage_config(strategy.ob_backup_service_storage_config.unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(i) if i.field == "obBackupObject.backupDimension"),
        "{err:?}"
    );
    assert!(!err.may_have_been_sent());
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 0);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 0);
}
