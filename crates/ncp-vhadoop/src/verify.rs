//! "Verify this backup" for Cloud Hadoop (feature `object-storage`): after
//! `backupClusterConfiguration`, new objects in the cluster's bucket.

use std::time::{Duration, SystemTime};

use backup_core::Error;
use backup_core::object_storage::ObjectStorageClient;
use backup_core::poll::{PollState, WaitFor};
use backup_core::verify::object::ObjectQuery;
use backup_core::verify::{Evidence, Expected, NotFound, NotFoundReason, Verification, VerifyFor};

use crate::Client;

/// Where a configuration backup is looked for by default: the prefix the emulator
/// writes under. What the service writes is not documented (UNVERIFIED); set
/// [`ConfigBackupHandle::prefix`] to what your cluster's backups look like.
pub const DEFAULT_CONFIG_BACKUP_PREFIX: &str = "cluster-configuration-backup/";

/// Which configuration backup to verify: objects in the bucket mapped to the cluster
/// (`objectStorageBucket`), under a prefix, written after the backup was requested.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConfigBackupHandle {
    /// The Object Storage client that lists the bucket.
    pub storage: ObjectStorageClient,
    /// The cluster (`cloudHadoopInstanceNo`).
    pub instance_no: String,
    /// Listed with this prefix ([`DEFAULT_CONFIG_BACKUP_PREFIX`]).
    pub prefix: String,
    /// A glob on the whole key, when only some keys count.
    pub pattern: Option<String>,
    /// When the backup was requested, on the service's clock.
    pub since: SystemTime,
    /// How much earlier an object may say it was written (2 s).
    pub tolerance: Duration,
}

impl ConfigBackupHandle {
    /// The configuration backup of `instance_no` requested at `since` (take
    /// [`Client::server_time`] just before calling `backupClusterConfiguration`).
    pub fn new(
        storage: ObjectStorageClient,
        instance_no: impl Into<String>,
        since: SystemTime,
    ) -> Self {
        Self {
            storage,
            instance_no: instance_no.into(),
            prefix: DEFAULT_CONFIG_BACKUP_PREFIX.to_owned(),
            pattern: None,
            since,
            tolerance: backup_core::verify::object::DEFAULT_TOLERANCE,
        }
    }

    /// Lists only keys under `prefix` (an empty prefix lists the whole bucket).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Counts only keys matching `pattern` (`*`, `?` globs on the whole key).
    #[must_use]
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }
}

impl Client {
    /// The client's estimate of the service's current time (its clock plus the offset
    /// learned from a refused signature): the `since` of a [`ConfigBackupHandle`].
    pub fn server_time(&self) -> SystemTime {
        self.gateway.service_client().server_time()
    }

    /// Verifies a configuration backup: reads the cluster's bucket
    /// (`objectStorageBucket` of `getCloudHadoopInstanceDetail`), then waits until it lists
    /// a new, non-empty object under the handle's prefix. The evidence is the newest such
    /// object's key, size and ETag.
    ///
    /// ```no_run
    /// # async fn run(
    /// #     client: ncp_vhadoop::Client,
    /// #     storage: ncp_vhadoop::object_storage::ObjectStorageClient,
    /// # ) -> Result<(), backup_core::Error> {
    /// use ncp_vhadoop::ConfigBackupHandle;
    /// let since = client.server_time();
    /// client.backup_cluster_configuration().cloud_hadoop_instance_no("1000001").send().await?;
    /// let evidence = client
    ///     .verify_backup(&ConfigBackupHandle::new(storage, "1000001", since))
    ///     .wait()
    ///     .await?;
    /// println!("verified: {}", evidence.id());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::VerifyNotFound`] when the cluster names no bucket, the bucket does not
    /// exist or a new object is empty; [`Error::VerifyTimedOut`], naming the bucket and
    /// prefix, when nothing new appears by the deadline.
    pub fn verify_backup(&self, handle: &ConfigBackupHandle) -> Verification<ConfigBackupVerified> {
        Verification::new(ConfigBackupVerified {
            client: self.clone(),
            handle: handle.clone(),
            bucket: None,
        })
    }
}

/// What [`Client::verify_backup`] waits for.
#[derive(Debug)]
pub struct ConfigBackupVerified {
    client: Client,
    handle: ConfigBackupHandle,
    /// The cluster's bucket, read when the verification starts.
    bucket: Option<String>,
}

impl ConfigBackupVerified {
    fn query(&self) -> ObjectQuery {
        let bucket = self
            .bucket
            .clone()
            .unwrap_or_else(|| format!("(the bucket of cluster {})", self.handle.instance_no));
        let mut query = ObjectQuery::new(bucket, &self.handle.prefix, self.handle.since)
            .tolerance(self.handle.tolerance);
        if let Some(pattern) = &self.handle.pattern {
            query = query.pattern(pattern);
        }
        query
    }
}

impl WaitFor for ConfigBackupVerified {
    type Output = Evidence;

    fn describe(&self) -> String {
        self.expected().to_string()
    }

    async fn start(&mut self) -> Result<(), Error> {
        if self.handle.instance_no.is_empty() {
            return Err(Error::invalid_input(
                "cloudHadoopInstanceNo",
                "must not be empty",
            ));
        }
        let detail = self
            .client
            .get_cloud_hadoop_instance_detail()
            .cloud_hadoop_instance_no(self.handle.instance_no.clone())
            .send()
            .await?;
        let bucket = detail
            .cloud_hadoop_instance_list
            .unwrap_or_default()
            .into_iter()
            .next()
            .and_then(|cluster| cluster.object_storage_bucket)
            .filter(|bucket| !bucket.trim().is_empty());
        match bucket {
            Some(bucket) => {
                self.bucket = Some(bucket);
                Ok(())
            }
            None => Err(NotFound::new(self.expected(), NotFoundReason::NoSuchBucket).into()),
        }
    }

    async fn poll(&self) -> Result<PollState<Evidence>, Error> {
        self.query().poll(&self.handle.storage).await
    }
}

impl VerifyFor for ConfigBackupVerified {
    fn expected(&self) -> Expected {
        self.query().expected()
    }
}
