//! Cloud DB for Cache under `/vcache/v2/`: Valkey and Redis instances
//! (`cloudCacheInstanceNo`).

mod generated;

use std::time::SystemTime;

use backup_core::credentials::BoxFuture;
use backup_core::reconcile::{Attempt, Reconciliation};

pub use generated::*;

use crate::manual::{BackupEntry, ManualBackupWaiter, ManualBackups, sealed};

crate::ncp_client! {
    /// A client for Cloud DB for Cache's `/vcache/v2/` API (Valkey and Redis).
    ///
    /// Build one with [`Client::builder`]; it is cheap to clone and clones share the
    /// connection pool and the retry budget. Each operation is a method that returns a
    /// builder: set the input, then `send().await`.
    vendor: "ncp-vcache"
}

impl Client {
    /// Waits for a manual backup of instance `cloud_cache_instance_no` newer than `since` to
    /// appear in `getCloudCacheManualBackupDetailList`; see [`ManualBackupWaiter`] for what
    /// it can and cannot observe.
    pub fn wait_for_manual_backup(
        &self,
        cloud_cache_instance_no: impl Into<String>,
        since: SystemTime,
    ) -> ManualBackupWaiter<'_, Client> {
        ManualBackupWaiter::new(self, cloud_cache_instance_no.into(), Some(since))
    }

    /// Lists the instance's manual backups, calls `createCloudCacheManualBackup`, then waits
    /// for a backup that was not listed before to appear; see [`ManualBackupWaiter`].
    pub fn create_manual_backup_and_wait(
        &self,
        cloud_cache_instance_no: impl Into<String>,
    ) -> ManualBackupWaiter<'_, Client> {
        ManualBackupWaiter::new(self, cloud_cache_instance_no.into(), None)
    }
}

impl Client {
    /// Finds out whether a `createCloudCacheManualBackup` of instance
    /// `cloud_cache_instance_no` attempted at `attempt` (for example
    /// [`Attempt::from_error`] of its [`AmbiguousOutcome`](backup_core::Error::AmbiguousOutcome))
    /// made a backup, by listing `getCloudCacheManualBackupDetailList`; never sends a create.
    ///
    /// - `Created { id }`: exactly one manual backup starts at or after the attempt minus
    ///   the margin ([`RECONCILE_MARGIN`](crate::RECONCILE_MARGIN), NCP's 5-minute skew
    ///   limit, unless the attempt sets one); `id` is its `fileName` (else its `startTime`).
    /// - `NotCreated`: only after watching the list for `watch` (polling it) without such
    ///   a backup appearing. Whether the service lists a manual backup while it runs or only
    ///   once it has ended is not documented, so one listing cannot prove that none was
    ///   made: with `watch` zero, an empty window is `Unknown`. Pick a `watch` at least as
    ///   long as a backup of the instance takes; the evidence says how long was watched.
    /// - `Unknown`: the listing failed, several backups are in the window, or an entry has
    ///   no readable time.
    pub async fn reconcile_manual_backup(
        &self,
        cloud_cache_instance_no: &str,
        attempt: &Attempt,
        watch: std::time::Duration,
    ) -> Reconciliation {
        crate::reconcile::reconcile_manual_backup(
            self,
            "createCloudCacheManualBackup",
            "getCloudCacheManualBackupDetailList",
            cloud_cache_instance_no,
            attempt,
            watch,
        )
        .await
    }
}

impl sealed::Sealed for Client {}

impl ManualBackups for Client {
    type Backup = CloudCacheBackupDetail;
    const INSTANCE_PARAM: &'static str = "cloudCacheInstanceNo";
    const VENDOR: &'static str = "ncp-vcache";

    fn list_manual_backups<'a>(
        &'a self,
        instance_no: &'a str,
        region_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Self::Backup>, backup_core::Error>> {
        Box::pin(async move {
            let output = self
                .get_cloud_cache_manual_backup_detail_list()
                .cloud_cache_instance_no(instance_no)
                .set_region_code(region_code.map(str::to_owned))
                .send()
                .await?;
            Ok(output.cloud_cache_backup_detail_list.unwrap_or_default())
        })
    }

    fn server_time(&self) -> std::time::SystemTime {
        self.gateway().service_client().server_time()
    }

    fn create_manual_backup<'a>(
        &'a self,
        instance_no: &'a str,
        region_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, backup_core::Error>> {
        Box::pin(async move {
            let output = self
                .create_cloud_cache_manual_backup()
                .cloud_cache_instance_no(instance_no)
                .set_region_code(region_code.map(str::to_owned))
                .send()
                .await?;
            Ok(output.request_id)
        })
    }
}

impl BackupEntry for CloudCacheBackupDetail {
    fn start_time(&self) -> Option<&str> {
        self.start_time.as_deref()
    }
    fn end_time(&self) -> Option<&str> {
        self.end_time.as_deref()
    }
    fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }
}
