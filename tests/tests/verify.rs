//! "Verify this backup" (issue 17) per seed operation, through each vendor crate's public
//! `verify_backup` against the emulator: a backup that was made is verified with typed
//! evidence; one that never arrives ends in a typed timeout naming what was looked for and
//! where (on a clock that skips the pauses, so no test waits for its deadline in real time); bad handles are refused
//! before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use backup_core::clock::Clock;
use backup_core::verify::{Evidence, Expected};
use backup_core::{Error, WaitConfig};
use backup_emulator::{Emulator, ops};
use common::*;
use ncp_vcache::{ManualBackupHandle, ManualBackups};
use ocp_ob_backup::DataBackupMode;

/// A waiter's clock for deadlines that must pass without waiting for them in real time,
/// while every poll that was sent still gets its answer: a pause of any length moves the
/// clock only once it has ended, after [`REAL_PAUSE`] of real time. A poll (a loopback
/// request, well under that) therefore wins its race against the deadline, and a 30 s
/// deadline passes after a few polls. (backup-core's `SteppingClock` moves when a pause
/// starts, so the deadline would win against every poll that does real I/O.)
#[derive(Debug)]
struct FastClock(Arc<Mutex<SystemTime>>);

const REAL_PAUSE: Duration = Duration::from_millis(300);

impl Clock for FastClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let now = Arc::clone(&self.0);
        Box::pin(async move {
            tokio::time::sleep(REAL_PAUSE).await;
            *now.lock().unwrap() += duration;
        })
    }
}

fn fast_clock() -> Arc<FastClock> {
    Arc::new(FastClock(Arc::new(Mutex::new(SystemTime::now()))))
}

/// 30 s of polling, every 10 s: four polls on a [`FastClock`].
fn short_wait() -> WaitConfig {
    WaitConfig::default()
        .with_intervals(Duration::from_secs(10), Duration::from_secs(10))
        .with_timeout(Duration::from_secs(30))
}

/// The timeout a never-arriving backup must end in, naming `expected`.
fn assert_timed_out(error: &Error, expected: &Expected) {
    let Error::VerifyTimedOut(timeout) = error else {
        panic!("expected VerifyTimedOut, got {error:?}");
    };
    assert_eq!(&timeout.expected, expected);
    assert!(timeout.waited >= Duration::from_secs(30), "{timeout:?}");
    let text = error.to_string();
    let (id, place) = match expected {
        Expected::Listed {
            backup_id,
            location,
            ..
        } => (backup_id.as_str(), location.as_str()),
        Expected::Object { bucket, key } => (key.as_str(), bucket.as_str()),
        other => panic!("{other:?}"),
    };
    assert!(text.contains(id) && text.contains(place), "{text}");
}

#[tokio::test]
async fn ges_backup_is_verified_listed_with_its_size() {
    let emu = start(Emulator::demo()).await;
    let client = ges_aksk(&emu, backup_emulator::config::defaults::HUAWEI_SECRET_KEY);
    let started = client.create_backup().graph_id(GRAPH).send().await.unwrap();
    let backup_id = started.backup_id.clone().unwrap();

    let evidence = client
        .verify_backup(&hw_ges_backup::BackupHandle::created(GRAPH, &started))
        .config(wait())
        .wait()
        .await
        .unwrap();

    let Evidence::Listed(listed) = &evidence else {
        panic!("{evidence:?}");
    };
    assert_eq!(listed.backup_id, backup_id);
    assert_eq!(listed.location, format!("graph {GRAPH}"));
    assert_eq!(listed.listed_by, "listGraphBackups");
    assert_eq!(listed.status.as_deref(), Some("success"));
    assert!(listed.size.is_some_and(|s| s > 0), "{listed:?}");
    assert_eq!(listed.size_unit, Some("MB"));
    // The job was followed before the list was read.
    assert!(emu.requests(ops::GES_SHOW_JOB) >= 1);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    let json = serde_json::to_value(&evidence).unwrap();
    assert_eq!(json["kind"], "listed");
    assert_eq!(json["backup_id"], backup_id.as_str());
}

#[tokio::test]
async fn ges_backup_that_never_appears_times_out_naming_backup_and_graph() {
    let emu = start(Emulator::demo()).await;
    let client = ges_aksk(&emu, backup_emulator::config::defaults::HUAWEI_SECRET_KEY);

    let error = client
        .verify_backup(&hw_ges_backup::BackupHandle::new(GRAPH, "no-such-backup"))
        .config(short_wait())
        .clock(fast_clock())
        .wait()
        .await
        .unwrap_err();

    assert_timed_out(
        &error,
        &Expected::listed(
            hw_ges_backup::VENDOR,
            "no-such-backup",
            format!("graph {GRAPH}"),
        ),
    );
    // Every poll was answered: the list was read at 0, 10, 20 and 30 s.
    assert_eq!(
        emu.requests(ops::GES_LIST_GRAPH_BACKUPS),
        4,
        "{:?}",
        emu.counters()
    );
}

#[tokio::test]
async fn ges_backup_without_an_id_is_refused_before_sending() {
    let emu = start(Emulator::demo()).await;
    let client = ges_aksk(&emu, backup_emulator::config::defaults::HUAWEI_SECRET_KEY);
    let mut started = client.create_backup().graph_id(GRAPH).send().await.unwrap();
    started.backup_id = None;
    emu.reset_counters();

    let error = client
        .verify_backup(&hw_ges_backup::BackupHandle::created(GRAPH, &started))
        .config(wait())
        .wait()
        .await
        .unwrap_err();

    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert_eq!(emu.total_requests(), 0);
}

#[tokio::test]
async fn ocp_backup_is_verified_by_its_successful_task_and_listed_backup_set() {
    let emu = start(Emulator::demo()).await;
    let client = ocp_hmac(
        &emu,
        backup_emulator::config::defaults::OCP_ACCESS_KEY_SECRET,
    );
    let started = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap();
    let task_id = started.task_ids()[0];

    let evidence = client
        .verify_backup(&ocp_ob_backup::BackupHandle::started(OCP_CLUSTER, &started))
        .config(wait())
        .wait()
        .await
        .unwrap();

    let Evidence::BackupSet(set) = &evidence else {
        panic!("{evidence:?}");
    };
    assert_eq!(set.task_id, task_id);
    assert_eq!(set.location, format!("cluster {OCP_CLUSTER}"));
    assert_eq!(set.status.as_deref(), Some("DONE"));
    assert!(set.backup_set_id.is_some(), "{set:?}");
    assert!(set.backup_uri.is_some(), "{set:?}");
    assert!(emu.requests(ops::OCP_GET_TASK_INSTANCE) >= 1);
}

#[tokio::test]
async fn ocp_backup_still_running_at_the_deadline_times_out_naming_task_and_cluster() {
    // The backup takes an hour of real time; the verification's 30 s pass on the
    // fast clock in four polls.
    let emu = Emulator::demo()
        .backup_duration(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let client = ocp_hmac(
        &emu,
        backup_emulator::config::defaults::OCP_ACCESS_KEY_SECRET,
    );
    let started = client
        .backup_now_with_configured_storage(OCP_CLUSTER, DataBackupMode::FullBackup)
        .await
        .unwrap();
    let task_id = started.task_ids()[0];

    let error = client
        .verify_backup(&ocp_ob_backup::BackupHandle::started(OCP_CLUSTER, &started))
        .config(short_wait())
        .clock(fast_clock())
        .wait()
        .await
        .unwrap_err();

    assert_timed_out(
        &error,
        &Expected::listed(
            "ocp",
            format!("set of task {task_id}"),
            format!("cluster {OCP_CLUSTER}"),
        ),
    );
    assert_eq!(
        emu.requests(ops::OCP_GET_TASK_INSTANCE),
        4,
        "{:?}",
        emu.counters()
    );
}

#[tokio::test]
async fn ocp_handle_without_tasks_is_refused_before_sending() {
    let emu = start(Emulator::demo()).await;
    let client = ocp_hmac(
        &emu,
        backup_emulator::config::defaults::OCP_ACCESS_KEY_SECRET,
    );
    let error = client
        .verify_backup(&ocp_ob_backup::BackupHandle::new(OCP_CLUSTER, Vec::new()))
        .wait()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert_eq!(emu.total_requests(), 0);
}

/// Both cache families: the manual backup's file listed with an end time and its size.
#[tokio::test]
async fn ncp_cache_and_redis_manual_backups_are_verified_by_their_listed_file() {
    let emu = start(Emulator::demo()).await;
    let cache = vcache(&emu);
    let backup = cache
        .create_manual_backup_and_wait(CACHE)
        .config(wait())
        .wait()
        .await
        .unwrap();
    let handle = ManualBackupHandle::listed(CACHE, &backup).unwrap();
    let evidence = cache
        .verify_backup(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap();
    let Evidence::Listed(listed) = &evidence else {
        panic!("{evidence:?}");
    };
    assert_eq!(listed.backup_id, handle.backup_id);
    assert_eq!(listed.name, backup.file_name);
    assert_eq!(listed.location, format!("cloudCacheInstanceNo {CACHE}"));
    assert_eq!(listed.listed_by, "getCloudCacheManualBackupDetailList");
    assert_eq!(listed.size_unit, Some("bytes"));
    assert_eq!(
        listed.size,
        backup.backup_size.and_then(|s| u64::try_from(s).ok())
    );

    let redis = vredis(&emu);
    let backup = redis
        .create_manual_backup_and_wait(REDIS)
        .config(wait())
        .wait()
        .await
        .unwrap();
    let evidence = redis
        .verify_backup(&ManualBackupHandle::listed(REDIS, &backup).unwrap())
        .config(wait())
        .wait()
        .await
        .unwrap();
    let Evidence::Listed(listed) = &evidence else {
        panic!("{evidence:?}");
    };
    assert_eq!(listed.location, format!("cloudRedisInstanceNo {REDIS}"));
    assert_eq!(listed.listed_by, "getCloudRedisManualBackupDetailList");
}

#[tokio::test]
async fn ncp_cache_backup_file_that_never_appears_times_out_naming_file_and_instance() {
    let emu = start(Emulator::demo()).await;
    let error = vcache(&emu)
        .verify_backup(&ManualBackupHandle::new(CACHE, "no-such-file"))
        .config(short_wait())
        .clock(fast_clock())
        .wait()
        .await
        .unwrap_err();
    assert_timed_out(
        &error,
        &Expected::listed(
            "ncp-vcache",
            "no-such-file",
            format!("cloudCacheInstanceNo {CACHE}"),
        ),
    );
    assert_eq!(
        emu.requests(ops::VCACHE_MANUAL_BACKUP_DETAIL_LIST),
        4,
        "{:?}",
        emu.counters()
    );
}

/// The Object Storage client of the emulator's S3 subset.
fn storage(
    emu: &backup_emulator::EmulatorHandle,
) -> ncp_vcache::object_storage::ObjectStorageClient {
    ncp_vcache::object_storage::ObjectStorageClient::builder()
        .endpoint(emu.object_storage_url())
        .credentials(backup_core::credentials::NcpCredentials::new(
            backup_emulator::config::defaults::NCP_ACCESS_KEY,
            backup_emulator::config::defaults::NCP_SECRET_KEY,
        ))
        .environment(backup_core::credentials::StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .build()
        .unwrap()
}

const EXPORT_BUCKET: &str = "cache-backup";

/// Exports the demo cache's system backup through `client` and returns the handle to
/// verify it by, with the time taken before the export.
async fn export_system_backup<C: ManualBackups>(
    client: &C,
    emu: &backup_emulator::EmulatorHandle,
    instance_no: &str,
) -> ncp_vcache::ExportHandle {
    let export = ncp_vcache::BackupExport::new(
        instance_no,
        backup_emulator::config::demo::SYSTEM_BACKUP_FILE,
        EXPORT_BUCKET,
    )
    .backup_type(ncp_vcache::BackupFileType::System);
    let since = client.server_time();
    client.export_backup(&export).await.unwrap();
    ncp_vcache::ExportHandle::new(storage(emu), &export, since)
}

fn export_expected() -> Expected {
    Expected::object(
        EXPORT_BUCKET,
        format!("*{}*", backup_emulator::config::demo::SYSTEM_BACKUP_FILE),
    )
}

#[tokio::test]
async fn ncp_cache_and_redis_exports_are_verified_by_their_object() {
    let emu = start(Emulator::demo()).await;
    let cache = vcache(&emu);
    let handle = export_system_backup(&cache, &emu, CACHE).await;
    let evidence = cache
        .verify_export(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap();
    let Evidence::Object(object) = &evidence else {
        panic!("{evidence:?}");
    };
    assert_eq!(object.bucket, EXPORT_BUCKET);
    assert!(
        object
            .key
            .contains(backup_emulator::config::demo::SYSTEM_BACKUP_FILE),
        "{object:?}"
    );
    assert!(object.size > 0);
    assert!(
        object.etag.as_deref().is_some_and(|e| !e.contains('"')),
        "{object:?}"
    );
    let listed = emu.objects(EXPORT_BUCKET);
    assert!(
        listed
            .iter()
            .any(|(key, size)| *key == object.key && *size == object.size),
        "{listed:?}"
    );
    let json = serde_json::to_value(&evidence).unwrap();
    assert_eq!(json["kind"], "object");
    assert_eq!(json["key"], object.key.as_str());

    let redis = vredis(&emu);
    let handle = export_system_backup(&redis, &emu, REDIS).await;
    let evidence = redis
        .verify_export(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap();
    assert!(matches!(evidence, Evidence::Object(_)), "{evidence:?}");
}

#[tokio::test]
async fn ncp_export_that_never_arrives_times_out_naming_bucket_and_key() {
    let emu = start(Emulator::demo().fault(backup_emulator::FaultRule::new(
        ops::VCACHE_EXPORT,
        backup_emulator::Fault::ObjectNeverAppears,
    )))
    .await;
    let cache = vcache(&emu);
    let handle = export_system_backup(&cache, &emu, CACHE).await;
    let error = cache
        .verify_export(&handle)
        .config(short_wait())
        .clock(fast_clock())
        .wait()
        .await
        .unwrap_err();
    assert_timed_out(&error, &export_expected());
    assert_eq!(
        emu.requests(ops::OBS_LIST_OBJECTS_V2),
        4,
        "{:?}",
        emu.counters()
    );
}

/// Exports a cache's system backup with `fault` injected into the export, verifies it, and
/// returns the emulator and the `VerifyNotFound` error, after checking it names the
/// expected object.
async fn export_not_found_under(
    fault: backup_emulator::Fault,
) -> (backup_emulator::EmulatorHandle, Error) {
    let emu =
        start(Emulator::demo().fault(backup_emulator::FaultRule::new(ops::VCACHE_EXPORT, fault)))
            .await;
    let cache = vcache(&emu);
    let handle = export_system_backup(&cache, &emu, CACHE).await;
    let error = cache
        .verify_export(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap_err();
    let Error::VerifyNotFound(not_found) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(not_found.expected, export_expected());
    (emu, error)
}

#[tokio::test]
async fn ncp_export_of_an_empty_object_is_not_found_naming_the_key() {
    let (emu, error) = export_not_found_under(backup_emulator::Fault::ObjectEmpty).await;
    let Error::VerifyNotFound(not_found) = &error else {
        panic!("{error:?}");
    };
    let backup_core::verify::NotFoundReason::EmptyObject { key } = &not_found.reason else {
        panic!("{not_found:?}");
    };
    assert!(
        emu.objects(EXPORT_BUCKET)
            .iter()
            .any(|(k, size)| k == key && *size == 0)
    );
    assert!(error.to_string().contains("empty"), "{error}");
}

#[tokio::test]
async fn ncp_export_to_a_missing_bucket_is_not_found_naming_the_bucket() {
    let (_emu, error) = export_not_found_under(backup_emulator::Fault::BucketMissing).await;
    let Error::VerifyNotFound(not_found) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        not_found.reason,
        backup_core::verify::NotFoundReason::NoSuchBucket
    );
    assert!(error.to_string().contains(EXPORT_BUCKET), "{error}");
}

/// Backs up the demo cluster's configuration; the handle to verify it, from before.
async fn backup_hadoop_config(
    client: &ncp_vhadoop::Client,
    emu: &backup_emulator::EmulatorHandle,
) -> ncp_vhadoop::ConfigBackupHandle {
    let since = client.server_time();
    client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(HADOOP)
        .send()
        .await
        .unwrap();
    ncp_vhadoop::ConfigBackupHandle::new(storage(emu), HADOOP, since)
}

fn hadoop_expected(bucket: &str) -> Expected {
    Expected::object(
        bucket,
        format!("{}*", ncp_vhadoop::DEFAULT_CONFIG_BACKUP_PREFIX),
    )
}

#[tokio::test]
async fn ncp_hadoop_configuration_backup_is_verified_in_the_clusters_bucket() {
    let emu = start(Emulator::demo()).await;
    let client = vhadoop(&emu);
    let handle = backup_hadoop_config(&client, &emu).await;
    let evidence = client
        .verify_backup(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap();
    let Evidence::Object(object) = &evidence else {
        panic!("{evidence:?}");
    };
    assert_eq!(object.bucket, "emulator-bucket");
    assert!(
        object
            .key
            .starts_with(ncp_vhadoop::DEFAULT_CONFIG_BACKUP_PREFIX),
        "{object:?}"
    );
    assert!(object.size > 0);
    assert!(
        emu.objects("emulator-bucket")
            .iter()
            .any(|(key, _)| *key == object.key)
    );
}

#[tokio::test]
async fn ncp_hadoop_faults_end_in_typed_errors_naming_the_bucket() {
    let with = |fault| {
        Emulator::demo().fault(backup_emulator::FaultRule::new(
            ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION,
            fault,
        ))
    };

    let emu = start(with(backup_emulator::Fault::ObjectNeverAppears)).await;
    let client = vhadoop(&emu);
    let handle = backup_hadoop_config(&client, &emu).await;
    let error = client
        .verify_backup(&handle)
        .config(short_wait())
        .clock(fast_clock())
        .wait()
        .await
        .unwrap_err();
    assert_timed_out(&error, &hadoop_expected("emulator-bucket"));

    let emu = start(with(backup_emulator::Fault::ObjectEmpty)).await;
    let client = vhadoop(&emu);
    let handle = backup_hadoop_config(&client, &emu).await;
    let error = client
        .verify_backup(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::VerifyNotFound(e) if matches!(e.reason, backup_core::verify::NotFoundReason::EmptyObject { .. })),
        "{error:?}"
    );

    let emu = start(with(backup_emulator::Fault::BucketMissing)).await;
    let client = vhadoop(&emu);
    let handle = backup_hadoop_config(&client, &emu).await;
    let error = client
        .verify_backup(&handle)
        .config(wait())
        .wait()
        .await
        .unwrap_err();
    let Error::VerifyNotFound(not_found) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(not_found.expected, hadoop_expected("emulator-bucket"));
    assert_eq!(
        not_found.reason,
        backup_core::verify::NotFoundReason::NoSuchBucket
    );
}
