//! "Verify this backup" for NCP Cloud DB for Cache and Redis: the manual backup's file
//! listed, with an end time, in the instance's manual backup detail list.

use std::fmt;

use backup_core::Error;
use backup_core::poll::{PollState, Progress, WaitFor};
use backup_core::verify::{Evidence, Expected, ListedBackup, VerifyFor};

use crate::manual::{BackupEntry, ManualBackups, list_or_empty};

/// Which manual backup to verify: an instance's backup by its `fileName` (else its
/// `startTime`, for a service that sends no file name).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManualBackupHandle {
    /// The instance.
    pub instance_no: String,
    /// The backup's `fileName`, else its `startTime`.
    pub backup_id: String,
    /// The region, when not the client's default.
    pub region_code: Option<String>,
}

impl ManualBackupHandle {
    /// Backup `backup_id` (its `fileName`, else its `startTime`) of `instance_no`.
    pub fn new(instance_no: impl Into<String>, backup_id: impl Into<String>) -> Self {
        Self {
            instance_no: instance_no.into(),
            backup_id: backup_id.into(),
            region_code: None,
        }
    }

    /// The listed backup `entry` of `instance_no` (what
    /// [`create_manual_backup_and_wait`](ManualBackups::create_manual_backup_and_wait)
    /// returns). `None` when the entry has neither a file name nor a start time.
    pub fn listed<E: BackupEntry>(instance_no: impl Into<String>, entry: &E) -> Option<Self> {
        let id = entry
            .file_name()
            .or_else(|| entry.start_time())
            .filter(|id| !id.trim().is_empty())?;
        Some(Self::new(instance_no, id))
    }

    /// The region, when not the client's default.
    #[must_use]
    pub fn region_code(mut self, region_code: impl Into<String>) -> Self {
        self.region_code = Some(region_code.into());
        self
    }
}

/// What [`ManualBackups::verify_backup`] waits for.
pub struct ManualBackupVerified<C: ManualBackups> {
    pub(crate) client: C,
    pub(crate) handle: ManualBackupHandle,
}

impl<C: ManualBackups> fmt::Debug for ManualBackupVerified<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualBackupVerified")
            .field("vendor", &C::VENDOR)
            .field("handle", &self.handle)
            .finish()
    }
}

impl<C: ManualBackups> ManualBackupVerified<C> {
    fn location(&self) -> String {
        format!("{} {}", C::INSTANCE_PARAM, self.handle.instance_no)
    }
}

impl<C: ManualBackups> WaitFor for ManualBackupVerified<C> {
    type Output = Evidence;

    fn describe(&self) -> String {
        self.expected().to_string()
    }

    async fn start(&mut self) -> Result<(), Error> {
        if self.handle.instance_no.is_empty() {
            return Err(Error::invalid_input(C::INSTANCE_PARAM, "must not be empty"));
        }
        backup_core::operation::no_control_chars(C::INSTANCE_PARAM, &self.handle.instance_no)?;
        if self.handle.backup_id.trim().is_empty() {
            return Err(Error::invalid_input("fileName", "must not be empty"));
        }
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<Evidence>, Error> {
        let region = self.handle.region_code.as_deref();
        let entries = list_or_empty(&self.client, &self.handle.instance_no, region).await?;
        let id = self.handle.backup_id.as_str();
        let Some(entry) = entries
            .into_iter()
            .find(|e| e.file_name().or_else(|| e.start_time()) == Some(id))
        else {
            return Ok(PollState::Pending(Progress::new("not listed")));
        };
        if !entry.has_ended() {
            return Ok(PollState::Pending(Progress::new("in progress")));
        }
        Ok(PollState::Done(Evidence::Listed(
            ListedBackup::new(C::VENDOR, id, self.location(), C::LIST_OPERATION)
                .with_name(entry.file_name().map(str::to_owned))
                .with_size(entry.backup_size(), "bytes")
                .with_status(entry.end_time().map(|end| format!("ended {end}"))),
        )))
    }
}

impl<C: ManualBackups> VerifyFor for ManualBackupVerified<C> {
    fn expected(&self) -> Expected {
        Expected::listed(C::VENDOR, &self.handle.backup_id, self.location())
    }
}

/// Which export to verify ([`ManualBackups::verify_export`], feature `object-storage`):
/// an object for the exported backup file in the export's bucket, written after the
/// export was requested.
///
/// The key the service writes is not documented (UNVERIFIED): by default any key under
/// no prefix that contains the file name (`*{fileName}*`) matches; set
/// [`prefix`](Self::prefix) and [`pattern`](Self::pattern) to what your exports look like.
#[cfg(feature = "object-storage")]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportHandle {
    /// The Object Storage client that lists the bucket.
    pub storage: backup_core::object_storage::ObjectStorageClient,
    /// The export: its bucket and backup file.
    pub export: crate::BackupExport,
    /// Which objects count.
    pub query: backup_core::verify::object::ObjectQuery,
}

#[cfg(feature = "object-storage")]
impl ExportHandle {
    /// The export `export`, requested at `since` on the service's clock (take
    /// [`ManualBackups::server_time`] just before calling
    /// [`export_backup`](ManualBackups::export_backup): the client's clock plus the offset
    /// it measured), whose bucket `storage` lists.
    pub fn new(
        storage: backup_core::object_storage::ObjectStorageClient,
        export: &crate::BackupExport,
        since: std::time::SystemTime,
    ) -> Self {
        let query = backup_core::verify::object::ObjectQuery::new(&export.bucket_name, "", since)
            .pattern(format!("*{}*", glob_escape(&export.file_name)));
        Self {
            storage,
            export: export.clone(),
            query,
        }
    }

    /// Lists only keys under `prefix`.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.query.prefix = prefix.into();
        self
    }

    /// Matches keys against `pattern` (`*`, `?` globs on the whole key) instead of
    /// `*{fileName}*`.
    #[must_use]
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.query.pattern = Some(pattern.into());
        self
    }

    /// How much earlier than `since` an object may say it was written (default 2 s).
    #[must_use]
    pub fn tolerance(mut self, tolerance: std::time::Duration) -> Self {
        self.query.tolerance = tolerance;
        self
    }
}

/// A file name as a glob that matches only itself: `*` and `?` in it become `?` (any one
/// character), the closest a `*`/`?` glob can say.
#[cfg(feature = "object-storage")]
fn glob_escape(name: &str) -> String {
    name.chars()
        .map(|c| if c == '*' { '?' } else { c })
        .collect()
}

/// What [`ManualBackups::verify_export`] waits for.
#[cfg(feature = "object-storage")]
#[derive(Debug)]
pub struct ExportVerified {
    pub(crate) handle: ExportHandle,
}

#[cfg(feature = "object-storage")]
impl WaitFor for ExportVerified {
    type Output = Evidence;

    fn describe(&self) -> String {
        self.expected().to_string()
    }

    async fn start(&mut self) -> Result<(), Error> {
        if self.handle.query.bucket.is_empty() {
            return Err(Error::invalid_input("bucketName", "must not be empty"));
        }
        if self.handle.export.file_name.trim().is_empty() {
            return Err(Error::invalid_input("fileName", "must not be empty"));
        }
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<Evidence>, Error> {
        self.handle.query.poll(&self.handle.storage).await
    }
}

#[cfg(feature = "object-storage")]
impl VerifyFor for ExportVerified {
    fn expected(&self) -> Expected {
        self.handle.query.expected()
    }
}
