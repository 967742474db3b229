//! Seeing a manual backup through: the waiter shared by the `vcache` and `vredis` clients.

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, SystemTime};

use backup_core::credentials::BoxFuture;
use backup_core::poll::{WaitFor, Waiter};
use backup_core::protocol::ncp::parse_timestamp;
use backup_core::reconcile::{Attempt, Reconciliation};
use backup_core::{Error, PollState, PreparedRequest, Progress, ServiceErrorKind};

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// One entry of a manual backup detail list, as the waiter reads it.
pub trait BackupEntry {
    /// `startTime`, as sent (`2024-07-02T00:00:00+0900`).
    fn start_time(&self) -> Option<&str>;
    /// `endTime`, as sent; absent or empty while the service reports none.
    fn end_time(&self) -> Option<&str>;
    /// `fileName`, when the service sends it (UNVERIFIED that it does).
    fn file_name(&self) -> Option<&str>;
    /// `backupSize` in bytes, when the service sends it.
    fn backup_size(&self) -> Option<i64> {
        None
    }

    /// When the backup started: `startTime`, else `endTime`, parsed leniently
    /// ([`parse_timestamp`]).
    fn started_at(&self) -> Option<SystemTime> {
        self.start_time()
            .and_then(parse_timestamp)
            .or_else(|| self.end_time().and_then(parse_timestamp))
    }

    /// Whether the entry reports an end time.
    fn has_ended(&self) -> bool {
        self.end_time().is_some_and(|t| !t.trim().is_empty())
    }
}

/// A client whose instances have manual backups: the `vcache` and `vredis` clients.
/// Sealed; it exists so that one waiter ([`ManualBackupDone`]) serves both, and its waiting
/// methods are written once for both.
pub trait ManualBackups: sealed::Sealed + Clone + Send + Sync + 'static {
    /// The entry type of the manual backup detail list.
    type Backup: BackupEntry + Clone + fmt::Debug + Send + 'static;
    /// The instance number parameter (`cloudCacheInstanceNo`, `cloudRedisInstanceNo`).
    const INSTANCE_PARAM: &'static str;
    /// The vendor name in errors.
    const VENDOR: &'static str;
    /// The create operation (`createCloudCacheManualBackup`, `createCloudRedisManualBackup`).
    const CREATE_OPERATION: &'static str;
    /// The list operation (`getCloudCacheManualBackupDetailList`, ...).
    const LIST_OPERATION: &'static str;
    /// The export operation (`exportBackupToObjectStorage`).
    const EXPORT_OPERATION: &'static str = "exportBackupToObjectStorage";

    /// The instance's manual backups (`getCloud…ManualBackupDetailList`).
    fn list_manual_backups<'a>(
        &'a self,
        instance_no: &'a str,
        region_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Self::Backup>, Error>>;

    /// Starts a manual backup (`createCloud…ManualBackup`); returns the request id.
    fn create_manual_backup<'a>(
        &'a self,
        instance_no: &'a str,
        region_code: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<String>, Error>>;

    /// What [`create_manual_backup`](Self::create_manual_backup) would send (a dry run):
    /// the same call's `to_request()`.
    fn create_manual_backup_request(
        &self,
        instance_no: &str,
        region_code: Option<&str>,
    ) -> Result<PreparedRequest, Error>;

    /// Exports a backup file to an Object Storage bucket (`exportBackupToObjectStorage`);
    /// returns the request id. No NCP API reports the export's progress: list the bucket
    /// to see the file.
    fn export_backup<'a>(
        &'a self,
        export: &'a BackupExport,
    ) -> BoxFuture<'a, Result<Option<String>, Error>>;

    /// What [`export_backup`](Self::export_backup) would send (a dry run): the same call's
    /// `to_request()`.
    fn export_backup_request(&self, export: &BackupExport) -> Result<PreparedRequest, Error>;

    /// Finds out whether a manual-backup create of `instance_no` attempted at `attempt`
    /// (for example [`Attempt::from_error`] of its
    /// [`AmbiguousOutcome`](backup_core::Error::AmbiguousOutcome)) made a backup, by
    /// listing the manual backups; never sends a create.
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
    fn reconcile_manual_backup<'a>(
        &'a self,
        instance_no: &'a str,
        attempt: &'a Attempt,
        watch: Duration,
    ) -> BoxFuture<'a, Reconciliation> {
        Box::pin(crate::reconcile::reconcile_manual_backup(
            self,
            instance_no,
            attempt,
            watch,
        ))
    }

    /// The client's estimate of the service's current time (its clock plus the offset
    /// learned from a refused signature), which the service's backup times are compared
    /// with.
    fn server_time(&self) -> SystemTime;

    /// Waits for a manual backup of `instance_no` newer than `since` (after you called
    /// `createCloud…ManualBackup` yourself) to appear in the manual backup detail list with
    /// an end time; see [`ManualBackupDone`] for what it can and cannot observe.
    fn wait_until_manual_backup_done(
        &self,
        instance_no: impl Into<String>,
        since: SystemTime,
    ) -> Waiter<ManualBackupDone<Self>> {
        ManualBackupDone::waiter(self, instance_no.into(), Find::Since(since))
    }

    /// Lists the instance's manual backups, calls `createCloud…ManualBackup` when the wait
    /// starts, then waits for a backup that was not listed before to appear with an end
    /// time; see [`ManualBackupDone`].
    fn create_manual_backup_and_wait(
        &self,
        instance_no: impl Into<String>,
    ) -> Waiter<ManualBackupDone<Self>> {
        ManualBackupDone::waiter(self, instance_no.into(), Find::AfterCreate)
    }

    /// Waits until the manual backup `id` of `instance_no` (its `fileName`, else its
    /// `startTime`: the id a reconciliation's `Created` names) is listed with an end time.
    /// A backup not listed is progress `not listed`, one without an end time
    /// `in progress`.
    fn wait_until_manual_backup_id_done(
        &self,
        instance_no: impl Into<String>,
        id: impl Into<String>,
    ) -> Waiter<ManualBackupDone<Self>> {
        ManualBackupDone::waiter(self, instance_no.into(), Find::Id(id.into()))
    }

    /// Verifies a manual backup: waits until the manual backup detail list shows its file
    /// (`fileName`, else `startTime`) with an end time. The evidence is the listed backup:
    /// its file name, size in bytes (`backupSize`) and end time. A file that is not listed
    /// by the deadline is [`Error::VerifyTimedOut`](backup_core::Error::VerifyTimedOut)
    /// naming the file and instance.
    ///
    /// ```no_run
    /// # async fn run(client: ncp_vcache::vcache::Client) -> Result<(), backup_core::Error> {
    /// use ncp_vcache::{ManualBackupHandle, ManualBackups};
    /// let backup = client.create_manual_backup_and_wait("2000001").wait().await?;
    /// if let Some(handle) = ManualBackupHandle::listed("2000001", &backup) {
    ///     let evidence = client.verify_backup(&handle).wait().await?;
    ///     println!("verified: {}", evidence.id());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn verify_backup(
        &self,
        handle: &crate::ManualBackupHandle,
    ) -> backup_core::verify::Verification<crate::ManualBackupVerified<Self>> {
        backup_core::verify::Verification::new(crate::ManualBackupVerified {
            client: self.clone(),
            handle: handle.clone(),
        })
    }

    /// Verifies an export (feature `object-storage`): waits until the export's bucket
    /// lists an object for the backup file, written after the export was requested, and
    /// not empty. The evidence is the object's key, size and ETag.
    ///
    /// ```no_run
    /// # async fn run(
    /// #     client: ncp_vcache::vcache::Client,
    /// #     storage: ncp_vcache::object_storage::ObjectStorageClient,
    /// # ) -> Result<(), backup_core::Error> {
    /// use ncp_vcache::{BackupExport, ExportHandle, ManualBackups};
    /// let export = BackupExport::new("2000001", "20240702-0000", "my-bucket");
    /// let since = client.server_time();
    /// client.export_backup(&export).await?;
    /// let evidence = client
    ///     .verify_export(&ExportHandle::new(storage, &export, since))
    ///     .wait()
    ///     .await?;
    /// println!("verified: {}", evidence.id());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::VerifyNotFound`](backup_core::Error::VerifyNotFound) when the bucket does
    /// not exist or the object is empty;
    /// [`Error::VerifyTimedOut`](backup_core::Error::VerifyTimedOut), naming the bucket and
    /// the expected key, when no object appears by the deadline.
    #[cfg(feature = "object-storage")]
    fn verify_export(
        &self,
        handle: &crate::ExportHandle,
    ) -> backup_core::verify::Verification<crate::ExportVerified> {
        backup_core::verify::Verification::new(crate::ExportVerified {
            handle: handle.clone(),
        })
    }
}

/// Which backup file [`ManualBackups::export_backup`] exports: `backupTypeMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BackupFileType {
    /// A manual backup's file (`MANUAL`).
    #[default]
    Manual,
    /// An automatic (system) backup's file (`SYSTEM`).
    System,
}

/// One export of a backup file to an Object Storage bucket
/// ([`ManualBackups::export_backup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupExport {
    /// The instance whose backup is exported.
    pub instance_no: String,
    /// The backup file (`fileName` of the listed backup).
    pub file_name: String,
    /// The Object Storage bucket it goes to.
    pub bucket_name: String,
    /// Manual (default) or system backup.
    pub backup_type: BackupFileType,
    /// The region, when not the client's default.
    pub region_code: Option<String>,
}

impl BackupExport {
    /// Exports manual backup `file_name` of `instance_no` to `bucket_name`.
    pub fn new(
        instance_no: impl Into<String>,
        file_name: impl Into<String>,
        bucket_name: impl Into<String>,
    ) -> Self {
        Self {
            instance_no: instance_no.into(),
            file_name: file_name.into(),
            bucket_name: bucket_name.into(),
            backup_type: BackupFileType::Manual,
            region_code: None,
        }
    }

    /// Which backup file: manual (default) or system.
    #[must_use]
    pub fn backup_type(mut self, backup_type: BackupFileType) -> Self {
        self.backup_type = backup_type;
        self
    }

    /// The region, when not the client's default.
    #[must_use]
    pub fn region_code(mut self, region_code: impl Into<String>) -> Self {
        self.region_code = Some(region_code.into());
        self
    }
}

/// Which manual backup a [`ManualBackupDone`] looks for.
#[derive(Debug, Clone)]
enum Find {
    /// A new one, after a create the waiter sends itself when it starts.
    AfterCreate,
    /// A new one, started no earlier than this (less the tolerance).
    Since(SystemTime),
    /// The one with this `fileName` (else `startTime`).
    Id(String),
}

/// What the manual-backup waiters of the `vcache` and `vredis` clients wait for: a manual
/// backup of one instance listed with an end time in its manual backup detail list
/// (`getCloudCacheManualBackupDetailList` or `getCloudRedisManualBackupDetailList`).
///
/// Made by [`wait_until_manual_backup_done(instance, since)`](ManualBackups::wait_until_manual_backup_done)
/// (after you called `createCloud…ManualBackup` yourself), by
/// [`create_manual_backup_and_wait(instance)`](ManualBackups::create_manual_backup_and_wait),
/// which lists the backups, records the time, calls `createCloud…ManualBackup` and then
/// waits, or by [`wait_until_manual_backup_id_done`](ManualBackups::wait_until_manual_backup_id_done)
/// for a backup known by name. Its settings ([`region_code`](Self::region_code),
/// [`tolerance`](Self::tolerance), [`baseline`](Self::baseline)) are set through
/// [`Waiter::map_target`].
///
/// **What counts as new.** An entry whose start time (`startTime`, else `endTime`, parsed
/// leniently: `2024-07-02T00:00:00+0900`, `+09:00`, `Z`, no zone = KST) is no earlier than
/// `since` minus the [`tolerance`](Self::tolerance), and that is not in the
/// [`baseline`](Self::baseline) (entries listed before the call; matched by `fileName` and
/// `startTime`). With a baseline, an entry whose time cannot be read counts as new; without
/// one it is ignored, since nothing tells it apart from an old backup.
///
/// **When it returns.** As soon as a new entry reports an `endTime`, with that entry. A new
/// entry with a `startTime` but no `endTime` is reported as progress (`in progress`) and
/// waited on. A `5001017` (lookup result is 0) answer while polling counts as "no backup
/// listed yet", because the service answers an empty lookup that way; any other error ends
/// the wait. At the deadline: [`Error::WaitTimedOut`] with the last state.
///
/// **When the create call fails** (`create_manual_backup_and_wait`), its error is returned
/// and nothing is polled. An [`Error::AmbiguousOutcome`] means the backup may have started
/// anyway: take the time before your next step and call `wait_until_manual_backup_done`
/// with a `since` from before the failed call (and a baseline, if you listed the backups
/// before) to find out, rather than creating again.
///
/// **What it can observe:** that the service lists a manual backup of the instance that
/// started after the call, and its start and end times, size and (if sent) file name.
///
/// **What it cannot observe:** which call produced the backup (the create operation returns
/// no id, so two concurrent creates on one instance are indistinguishable); a backup that
/// failed (the service lists no failed entries, so a failure looks like a timeout); whether
/// the service lists a backup while it is still running or only once it is done (not
/// documented: the waiter handles both); and anything about an `exportBackupToObjectStorage`
/// of it: no NCP API reports an export's progress, so list the bucket through the
/// S3-compatible Object Storage API to see the exported file.
///
/// **Polling sooner.** The service lists no running backup and reports no progress, so
/// the only hint is history: the newest manual backup listed before the create (or in the
/// [`baseline`](Self::baseline)) with both times says how long one takes, and until that
/// much time has passed the progress carries the rest as
/// [`Progress::estimated_remaining`], by which the waiter polls again then.
///
/// **Clocks.** `since` is your clock; the entries carry the service's. The gateway rejects
/// requests whose timestamp is more than 5 minutes off, so a working client is within
/// 5 minutes of the service: `create_manual_backup_and_wait` therefore uses a 5-minute
/// tolerance together with a baseline (which rules out the older backups the tolerance
/// would let in). `wait_until_manual_backup_done` defaults to 1 second (the lists have
/// one-second resolution); give it a baseline and a larger tolerance if your clock may be
/// ahead of the service's.
pub struct ManualBackupDone<C: ManualBackups> {
    client: C,
    instance_no: String,
    region_code: Option<String>,
    find: Find,
    tolerance: Option<Duration>,
    baseline: Option<BTreeSet<String>>,
    /// The earliest start time of a new entry; set when the wait starts.
    earliest: SystemTime,
    /// When the backup was requested, on the service's clock; set when the wait starts.
    since: SystemTime,
    /// How long the newest earlier backup took: the time a backup of this instance takes.
    typical: Option<Duration>,
}

impl<C: ManualBackups> fmt::Debug for ManualBackupDone<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualBackupDone")
            .field("vendor", &C::VENDOR)
            .field("instance_no", &self.instance_no)
            .field("region_code", &self.region_code)
            .field("find", &self.find)
            .field("tolerance", &self.tolerance)
            .field("baseline", &self.baseline.as_ref().map(BTreeSet::len))
            .finish()
    }
}

/// The tolerance of `create_manual_backup_and_wait`: the gateway's limit on clock skew.
const CREATE_TOLERANCE: Duration = Duration::from_secs(5 * 60);
/// The default tolerance of `wait_until_manual_backup_done`: the lists' resolution.
const WAIT_TOLERANCE: Duration = Duration::from_secs(1);

impl<C: ManualBackups> ManualBackupDone<C> {
    fn waiter(client: &C, instance_no: String, find: Find) -> Waiter<Self> {
        Waiter::new(Self {
            client: client.clone(),
            instance_no,
            region_code: None,
            find,
            tolerance: None,
            baseline: None,
            earliest: SystemTime::UNIX_EPOCH,
            since: SystemTime::UNIX_EPOCH,
            typical: None,
        })
    }

    /// The instance's region (default: the client's default region, else the service's).
    pub fn region_code(mut self, region_code: impl Into<String>) -> Self {
        self.region_code = Some(region_code.into());
        self
    }

    /// How much earlier than `since` an entry may say it started and still count as new.
    /// Default: 1 second for `wait_until_manual_backup_done`, 5 minutes (with a baseline)
    /// for `create_manual_backup_and_wait`.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Entries listed before the backup was requested: none of them counts as new.
    /// (`create_manual_backup_and_wait` takes its own.)
    pub fn baseline<'b>(mut self, entries: impl IntoIterator<Item = &'b C::Backup>) -> Self {
        let entries: Vec<&C::Backup> = entries.into_iter().collect();
        self.typical = typical_duration(entries.iter().copied());
        self.baseline = Some(entries.into_iter().map(identity).collect());
        self
    }
}

impl<C: ManualBackups> WaitFor for ManualBackupDone<C> {
    type Output = C::Backup;

    fn describe(&self) -> String {
        match &self.find {
            Find::Id(id) => format!(
                "manual backup {id} of {} {}",
                C::INSTANCE_PARAM,
                self.instance_no
            ),
            _ => format!(
                "a new manual backup of {} {}",
                C::INSTANCE_PARAM,
                self.instance_no
            ),
        }
    }

    async fn start(&mut self) -> Result<(), Error> {
        if self.instance_no.is_empty() {
            return Err(Error::invalid_input(C::INSTANCE_PARAM, "must not be empty"));
        }
        backup_core::operation::no_control_chars(C::INSTANCE_PARAM, &self.instance_no)?;
        let since = match self.find {
            Find::Id(_) => return Ok(()),
            Find::Since(since) => since,
            Find::AfterCreate => {
                let region = self.region_code.as_deref();
                if self.baseline.is_none() {
                    let before = list_or_empty(&self.client, &self.instance_no, region).await?;
                    self.typical = typical_duration(&before);
                    self.baseline = Some(before.iter().map(identity).collect());
                }
                // On the service's clock, which its backup times are written in: the
                // list above has taught the client any offset from ours.
                let since = self.client.server_time();
                self.client
                    .create_manual_backup(&self.instance_no, region)
                    .await?;
                self.tolerance.get_or_insert(CREATE_TOLERANCE);
                since
            }
        };
        let tolerance = self.tolerance.unwrap_or(WAIT_TOLERANCE);
        self.since = since;
        self.earliest = since
            .checked_sub(tolerance)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<C::Backup>, Error> {
        let region = self.region_code.as_deref();
        if let Find::Id(id) = &self.find {
            let entries = self
                .client
                .list_manual_backups(&self.instance_no, region)
                .await?;
            let found = entries
                .into_iter()
                .find(|e| e.file_name().or_else(|| e.start_time()) == Some(id.as_str()));
            return Ok(match found {
                Some(entry) if entry.has_ended() => PollState::Done(entry),
                Some(_) => PollState::Pending(Progress::new("in progress")),
                None => PollState::Pending(Progress::new("not listed")),
            });
        }
        let entries = list_or_empty(&self.client, &self.instance_no, region).await?;
        Ok(
            match pick_new(entries, self.earliest, self.baseline.as_ref()) {
                PollState::Pending(progress) => PollState::Pending(self.with_time_left(progress)),
                done => done,
            },
        )
    }
}

impl<C: ManualBackups> ManualBackupDone<C> {
    /// `progress` with the time left by the typical duration, while it has not passed.
    /// The service lists no running backup, so there is nothing better to go by; once the
    /// typical duration has passed, no hint (the backoff rules) rather than a stream of
    /// early polls.
    fn with_time_left(&self, progress: Progress) -> Progress {
        let waited = self
            .client
            .server_time()
            .duration_since(self.since)
            .unwrap_or_default();
        match self.typical.and_then(|t| t.checked_sub(waited)) {
            Some(left) if !left.is_zero() => progress.with_estimated_remaining(left),
            _ => progress,
        }
    }
}

/// How long the newest entry with a readable start and end took.
fn typical_duration<'e, T: BackupEntry + 'e>(
    entries: impl IntoIterator<Item = &'e T>,
) -> Option<Duration> {
    entries
        .into_iter()
        .filter_map(|e| {
            let start = e.start_time().and_then(parse_timestamp)?;
            let end = e.end_time().and_then(parse_timestamp)?;
            Some((start, end.duration_since(start).ok()?))
        })
        .max_by_key(|(start, _)| *start)
        .map(|(_, took)| took)
}

/// Implements [`ManualBackups`] (and [`BackupEntry`] for its entries) for the client of one
/// API family, from the names of its generated operations.
macro_rules! manual_backups {
    (
        vendor: $vendor:literal,
        instance_param: $param:literal,
        backup: $backup:ident,
        operations: $create_operation:literal, $list_operation:literal,
        list: $list:ident => $listed:ident,
        create: $create:ident => $create_builder:ident,
        instance_no: $instance_no:ident,
    ) => {
        impl Client {
            /// The create call, built once for [`ManualBackups::create_manual_backup`] and
            /// its dry run.
            fn manual_backup_call(
                &self,
                instance_no: &str,
                region_code: Option<&str>,
            ) -> $create_builder {
                self.$create()
                    .$instance_no(instance_no)
                    .set_region_code(region_code.map(str::to_owned))
            }

            /// The export call, built once for [`ManualBackups::export_backup`] and its
            /// dry run.
            fn export_call(
                &self,
                export: &$crate::manual::BackupExport,
            ) -> ExportBackupToObjectStorageFluentBuilder {
                self.export_backup_to_object_storage()
                    .$instance_no(export.instance_no.as_str())
                    .file_name(export.file_name.as_str())
                    .bucket_name(export.bucket_name.as_str())
                    .backup_type_mode(match export.backup_type {
                        $crate::manual::BackupFileType::Manual => BackupTypeMode::Manual,
                        $crate::manual::BackupFileType::System => BackupTypeMode::System,
                    })
                    .set_region_code(export.region_code.clone())
            }
        }

        impl $crate::manual::sealed::Sealed for Client {}

        impl $crate::manual::ManualBackups for Client {
            type Backup = $backup;
            const INSTANCE_PARAM: &'static str = $param;
            const VENDOR: &'static str = $vendor;
            const CREATE_OPERATION: &'static str = $create_operation;
            const LIST_OPERATION: &'static str = $list_operation;

            fn list_manual_backups<'a>(
                &'a self,
                instance_no: &'a str,
                region_code: Option<&'a str>,
            ) -> backup_core::credentials::BoxFuture<'a, Result<Vec<$backup>, backup_core::Error>>
            {
                Box::pin(async move {
                    let output = self
                        .$list()
                        .$instance_no(instance_no)
                        .set_region_code(region_code.map(str::to_owned))
                        .send()
                        .await?;
                    Ok(output.$listed.unwrap_or_default())
                })
            }

            fn create_manual_backup<'a>(
                &'a self,
                instance_no: &'a str,
                region_code: Option<&'a str>,
            ) -> backup_core::credentials::BoxFuture<'a, Result<Option<String>, backup_core::Error>>
            {
                let call = self.manual_backup_call(instance_no, region_code);
                Box::pin(async move { Ok(call.send().await?.request_id) })
            }

            fn create_manual_backup_request(
                &self,
                instance_no: &str,
                region_code: Option<&str>,
            ) -> Result<backup_core::PreparedRequest, backup_core::Error> {
                self.manual_backup_call(instance_no, region_code)
                    .to_request()
            }

            fn export_backup<'a>(
                &'a self,
                export: &'a $crate::manual::BackupExport,
            ) -> backup_core::credentials::BoxFuture<'a, Result<Option<String>, backup_core::Error>>
            {
                let call = self.export_call(export);
                Box::pin(async move { Ok(call.send().await?.request_id) })
            }

            fn export_backup_request(
                &self,
                export: &$crate::manual::BackupExport,
            ) -> Result<backup_core::PreparedRequest, backup_core::Error> {
                self.export_call(export).to_request()
            }

            fn server_time(&self) -> std::time::SystemTime {
                self.gateway().service_client().server_time()
            }
        }

        impl $crate::manual::BackupEntry for $backup {
            fn start_time(&self) -> Option<&str> {
                self.start_time.as_deref()
            }
            fn end_time(&self) -> Option<&str> {
                self.end_time.as_deref()
            }
            fn file_name(&self) -> Option<&str> {
                self.file_name.as_deref()
            }
            fn backup_size(&self) -> Option<i64> {
                self.backup_size
            }
        }
    };
}
pub(crate) use manual_backups;

/// The listed entries, with the service's "lookup result is 0" (`5001017`) read as none.
/// Other not-found answers (the gateway's `300`, a bare 404: a wrong path or site) stay
/// errors, so a misconfigured client fails at once instead of waiting for its deadline.
pub(crate) async fn list_or_empty<C: ManualBackups>(
    client: &C,
    instance_no: &str,
    region: Option<&str>,
) -> Result<Vec<C::Backup>, Error> {
    match client.list_manual_backups(instance_no, region).await {
        Err(e)
            if e.service_error_kind() == Some(&ServiceErrorKind::NotFound)
                && e.code() == Some(EMPTY_LOOKUP) =>
        {
            Ok(Vec::new())
        }
        other => other,
    }
}

/// The service's code for "lookup result is 0 or already deleted".
const EMPTY_LOOKUP: &str = "5001017";

/// What identifies an entry across polls, even when it gains an `endTime`.
pub(crate) fn identity<T: BackupEntry>(entry: &T) -> String {
    format!(
        "{}|{}",
        entry.file_name().unwrap_or_default(),
        entry
            .start_time()
            .or_else(|| entry.end_time())
            .unwrap_or_default()
    )
}

/// The finished new entry, or the progress to report.
pub(crate) fn pick_new<T: BackupEntry>(
    entries: Vec<T>,
    earliest: SystemTime,
    baseline: Option<&BTreeSet<String>>,
) -> PollState<T> {
    let listed = entries.len();
    let mut in_progress: Option<T> = None;
    let mut newest_done: Option<(Option<SystemTime>, T)> = None;
    for entry in entries {
        if baseline.is_some_and(|b| b.contains(&identity(&entry))) {
            continue;
        }
        let started = entry.started_at();
        let is_new = match started {
            Some(t) => t >= earliest,
            None => baseline.is_some(),
        };
        if !is_new {
            continue;
        }
        if entry.has_ended() {
            if newest_done.as_ref().is_none_or(|(t, _)| started > *t) {
                newest_done = Some((started, entry));
            }
        } else if in_progress.is_none() {
            in_progress = Some(entry);
        }
    }
    if let Some((_, entry)) = newest_done {
        return PollState::Done(entry);
    }
    match in_progress {
        Some(entry) => PollState::Pending(Progress::new("in progress").with_message(format!(
            "a new manual backup started at {} has no end time yet",
            entry.start_time().unwrap_or("?")
        ))),
        None => PollState::Pending(
            Progress::new("waiting")
                .with_message(format!("{listed} manual backup(s) listed, none new yet")),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct E(Option<&'static str>, Option<&'static str>);

    impl BackupEntry for E {
        fn start_time(&self) -> Option<&str> {
            self.0
        }
        fn end_time(&self) -> Option<&str> {
            self.1
        }
        fn file_name(&self) -> Option<&str> {
            None
        }
    }

    fn at(s: &str) -> SystemTime {
        parse_timestamp(s).unwrap()
    }

    #[test]
    fn only_entries_after_the_call_count() {
        let old = E(
            Some("2024-07-02T00:00:00+0900"),
            Some("2024-07-02T00:01:00+0900"),
        );
        let new = E(
            Some("2024-07-02T10:00:05+0900"),
            Some("2024-07-02T10:01:00+0900"),
        );
        let earliest = at("2024-07-02T10:00:00+0900");
        assert_eq!(
            pick_new(vec![old.clone(), new.clone()], earliest, None),
            PollState::Done(new)
        );
        assert!(matches!(
            pick_new(vec![old], earliest, None),
            PollState::Pending(ref p) if p.state == "waiting"
        ));
    }

    #[test]
    fn a_started_entry_without_end_is_in_progress() {
        let running = E(Some("2024-07-02T10:00:05+0900"), None);
        let state = pick_new(vec![running], at("2024-07-02T10:00:00+0900"), None);
        assert!(matches!(state, PollState::Pending(ref p) if p.state == "in progress"));
        let empty_end = E(Some("2024-07-02T10:00:05+0900"), Some(""));
        let state = pick_new(vec![empty_end], at("2024-07-02T10:00:00+0900"), None);
        assert!(matches!(state, PollState::Pending(ref p) if p.state == "in progress"));
    }

    #[test]
    fn the_baseline_rules_out_old_entries_and_admits_unreadable_new_ones() {
        let old = E(
            Some("2024-07-02T09:58:00+0900"),
            Some("2024-07-02T09:59:00+0900"),
        );
        let unreadable = E(Some("soon"), Some("later"));
        let baseline: BTreeSet<String> = [identity(&old)].into();
        // The tolerance lets `old` in by time; the baseline keeps it out.
        let earliest = at("2024-07-02T09:55:00+0900");
        assert!(matches!(
            pick_new(vec![old.clone()], earliest, Some(&baseline)),
            PollState::Pending(_)
        ));
        assert_eq!(
            pick_new(
                vec![old.clone(), unreadable.clone()],
                earliest,
                Some(&baseline)
            ),
            PollState::Done(unreadable.clone())
        );
        // Without a baseline an unreadable entry proves nothing.
        assert!(matches!(
            pick_new(vec![unreadable], earliest, None),
            PollState::Pending(_)
        ));
    }

    #[test]
    fn identity_survives_the_end_time_appearing() {
        let running = E(Some("2024-07-02T10:00:05+0900"), None);
        let done = E(
            Some("2024-07-02T10:00:05+0900"),
            Some("2024-07-02T10:01:00+0900"),
        );
        assert_eq!(identity(&running), identity(&done));
    }
}
