//! "Verify this backup": one vocabulary for every vendor.
//!
//! A backup call that returned `Ok` proves only that the vendor accepted the request. Each
//! vendor crate offers `verify_backup(&handle)`, which waits (with the one
//! [`Waiter`]) until the backup can be found where it should be and
//! returns typed [`Evidence`] of what was found:
//!
//! ```ignore
//! let evidence = client
//!     .verify_backup(&handle)
//!     .timeout(Duration::from_secs(600))
//!     .wait()
//!     .await?;
//! ```
//!
//! It fails with [`Error::VerifyNotFound`] when the vendor shows that the backup is not
//! there (a bucket that does not exist, an empty object) and with
//! [`Error::VerifyTimedOut`] when it did not appear before the deadline; both name what
//! was looked for and where ([`Expected`]).

#[cfg(feature = "object-storage")]
pub mod object;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::clock::Clock;
use crate::poll::{NoProgress, PollState, Progress, WaitConfig, WaitFor, Waiter};
use crate::redact::escape;
use crate::{Error, Result};

/// What a verification looks for, and where: named by its errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Expected {
    /// A backup (or backup set) that a vendor API lists.
    Listed {
        /// The vendor.
        vendor: &'static str,
        /// The backup's id as the vendor names it (backup id, file name, task id).
        backup_id: String,
        /// Where it is listed: the resource (`graph g1`, `cluster 1`).
        location: String,
    },
    /// An object in an Object Storage bucket.
    Object {
        /// The bucket.
        bucket: String,
        /// The expected key, or the prefix and pattern a key must match.
        key: String,
    },
}

impl Expected {
    /// A backup listed by `vendor` under `backup_id` at `location`.
    pub fn listed(
        vendor: &'static str,
        backup_id: impl Into<String>,
        location: impl Into<String>,
    ) -> Self {
        Expected::Listed {
            vendor,
            backup_id: backup_id.into(),
            location: location.into(),
        }
    }

    /// An object in `bucket` whose key is (or matches) `key`.
    pub fn object(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Expected::Object {
            bucket: bucket.into(),
            key: key.into(),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Listed {
                vendor,
                backup_id,
                location,
            } => write!(
                f,
                "{vendor} backup {} of {}",
                escape(backup_id),
                escape(location)
            ),
            Expected::Object { bucket, key } => {
                write!(f, "object {} in bucket {}", escape(key), escape(bucket))
            }
        }
    }
}

/// What a verification found: the proof that the backup exists. Serialisable, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Evidence {
    /// The vendor lists the backup as finished (GES backups, NCP manual backup files).
    Listed(ListedBackup),
    /// OCP: the backup task is `SUCCESSFUL` and its backup set is listed.
    BackupSet(BackupSet),
    /// An object in an Object Storage bucket, written after the backup was requested.
    Object(StoredObject),
}

impl Evidence {
    /// The identifier worth showing in one line: the backup id, backup set id or key.
    pub fn id(&self) -> String {
        match self {
            Evidence::Listed(b) => b.backup_id.clone(),
            Evidence::BackupSet(s) => s
                .backup_set_id
                .map_or_else(|| format!("task {}", s.task_id), |id| format!("set {id}")),
            Evidence::Object(o) => format!("{}/{}", o.bucket, o.key),
        }
    }
}

/// A backup the vendor lists as finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListedBackup {
    /// The vendor.
    pub vendor: &'static str,
    /// The backup's id (GES backup id; NCP file name, else start time).
    pub backup_id: String,
    /// Where it is listed (`graph g1`, `cloudCacheInstanceNo 2000001`).
    pub location: String,
    /// The listing operation that showed it (`listGraphBackups`).
    pub listed_by: &'static str,
    /// The backup's name, when the vendor gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The size the vendor lists, in [`size_unit`](Self::size_unit), when it lists one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The unit of `size` as the vendor documents it (`bytes`, `MB`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_unit: Option<&'static str>,
    /// The status the vendor lists, as it spells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl ListedBackup {
    /// A backup `backup_id` at `location`, shown by `listed_by`.
    pub fn new(
        vendor: &'static str,
        backup_id: impl Into<String>,
        location: impl Into<String>,
        listed_by: &'static str,
    ) -> Self {
        Self {
            vendor,
            backup_id: backup_id.into(),
            location: location.into(),
            listed_by,
            name: None,
            size: None,
            size_unit: None,
            status: None,
        }
    }

    /// Sets the listed name.
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    /// Sets the listed size and its unit; a negative size is not a size.
    pub fn with_size(mut self, size: Option<i64>, unit: &'static str) -> Self {
        self.size = size.and_then(|s| u64::try_from(s).ok());
        self.size_unit = self.size.map(|_| unit);
        self
    }

    /// Sets the listed status.
    pub fn with_status(mut self, status: Option<String>) -> Self {
        self.status = status;
        self
    }
}

/// OCP: a finished backup task and the backup set it made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BackupSet {
    /// The vendor.
    pub vendor: &'static str,
    /// The cluster (and tenant) backed up.
    pub location: String,
    /// The task that made it, `SUCCESSFUL`.
    pub task_id: i64,
    /// The backup set id the data backup task list shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_set_id: Option<i64>,
    /// Where the backup was written (`backupUri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_uri: Option<String>,
    /// The listed status (`DONE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl BackupSet {
    /// Task `task_id` at `location`, its set not yet described.
    pub fn new(vendor: &'static str, location: impl Into<String>, task_id: i64) -> Self {
        Self {
            vendor,
            location: location.into(),
            task_id,
            backup_set_id: None,
            backup_uri: None,
            status: None,
        }
    }

    /// Sets the backup set id, URI and status the listing shows.
    pub fn listed(
        mut self,
        backup_set_id: Option<i64>,
        backup_uri: Option<String>,
        status: Option<String>,
    ) -> Self {
        self.backup_set_id = backup_set_id;
        self.backup_uri = backup_uri;
        self.status = status;
        self
    }
}

/// An object found in a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoredObject {
    /// The bucket.
    pub bucket: String,
    /// The object's key.
    pub key: String,
    /// Its size in bytes (never zero: an empty object is not a backup).
    pub size: u64,
    /// Its ETag, without quotes, when the listing gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Its `LastModified`, as the service wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl StoredObject {
    /// Object `key` of `bucket`, `size` bytes.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>, size: u64) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            size,
            etag: None,
            last_modified: None,
        }
    }

    /// Sets the ETag (quotes removed) and `LastModified`.
    pub fn with_details(mut self, etag: Option<String>, last_modified: Option<String>) -> Self {
        self.etag = etag.map(|e| e.trim_matches('"').to_owned());
        self.last_modified = last_modified;
        self
    }
}

/// Why a backup is known not to be where it should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotFoundReason {
    /// The bucket the backup should be in does not exist.
    NoSuchBucket,
    /// An object matched, but it holds nothing.
    EmptyObject {
        /// The empty object's key.
        key: String,
    },
    /// The resource that should list the backup does not exist.
    NoSuchResource,
}

/// The backup is known not to be where it should be: [`Error::VerifyNotFound`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct NotFound {
    /// What was looked for, and where.
    pub expected: Expected,
    /// Why it cannot be there.
    pub reason: NotFoundReason,
}

impl NotFound {
    /// `expected` is not there, for `reason`.
    pub fn new(expected: Expected, reason: NotFoundReason) -> Self {
        Self { expected, reason }
    }
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backup not verified: {} ", self.expected)?;
        match &self.reason {
            NotFoundReason::NoSuchBucket => f.write_str("not found: the bucket does not exist"),
            NotFoundReason::EmptyObject { key } => {
                write!(f, "not found: object {} is empty (0 bytes)", escape(key))
            }
            NotFoundReason::NoSuchResource => {
                f.write_str("not found: the resource that lists it does not exist")
            }
        }
    }
}

/// The backup did not appear before the deadline: [`Error::VerifyTimedOut`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct TimedOut {
    /// What was looked for, and where.
    pub expected: Expected,
    /// How long.
    pub waited: Duration,
    /// The last thing seen (`not listed`, `task SUCCESSFUL, backup set not listed`).
    pub last_seen: Option<String>,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "backup not verified: {} did not appear within {:?}",
            self.expected, self.waited
        )?;
        if let Some(last) = &self.last_seen {
            write!(f, " (last seen: {})", escape(last))?;
        }
        Ok(())
    }
}

impl From<NotFound> for Error {
    fn from(e: NotFound) -> Self {
        Error::VerifyNotFound(Box::new(e))
    }
}

impl From<TimedOut> for Error {
    fn from(e: TimedOut) -> Self {
        Error::VerifyTimedOut(Box::new(e))
    }
}

/// What a [`Verification`] waits for: a [`WaitFor`] whose result is [`Evidence`], and
/// that says what it looks for. Implemented by each vendor crate.
pub trait VerifyFor: WaitFor<Output = Evidence> {
    /// What is looked for and where, as known now; read again after `start` (which may
    /// learn it, as the Hadoop cluster's bucket), so a timeout names the final answer.
    fn expected(&self) -> Expected;
}

/// Waits until a backup can be found, then returns the [`Evidence`]; see the
/// [module documentation](self). A [`Waiter`] whose timeout is a [`TimedOut`] naming
/// what was expected.
#[must_use = "nothing is checked until `wait` is awaited"]
pub struct Verification<W, P = NoProgress> {
    waiter: Waiter<Tracked<W>, P>,
    expected: Arc<Mutex<Expected>>,
}

impl<W: fmt::Debug, P> fmt::Debug for Verification<W, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verification")
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

impl<W: VerifyFor> Verification<W> {
    /// A verification of `target` with [`WaitConfig::default`].
    pub fn new(target: W) -> Self {
        let expected = Arc::new(Mutex::new(target.expected()));
        Self {
            waiter: Waiter::new(Tracked {
                inner: target,
                expected: Arc::clone(&expected),
            }),
            expected,
        }
    }
}

impl<W: VerifyFor, P: FnMut(&Progress)> Verification<W, P> {
    /// Poll intervals and deadline, as [`Waiter::config`].
    pub fn config(mut self, config: WaitConfig) -> Self {
        self.waiter = self.waiter.config(config);
        self
    }

    /// Gives up after `timeout` with [`Error::VerifyTimedOut`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.waiter = self.waiter.timeout(timeout);
        self
    }

    /// Calls `on_progress` after every poll that has not found the backup yet.
    pub fn on_progress<Q: FnMut(&Progress)>(self, on_progress: Q) -> Verification<W, Q> {
        Verification {
            waiter: self.waiter.on_progress(on_progress),
            expected: self.expected,
        }
    }

    /// Measures the deadline and sleeps on `clock`, as [`Waiter::clock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.waiter = self.waiter.clock(clock);
        self
    }

    /// Changes the vendor-specific settings of what is verified (a prefix, a pattern).
    pub fn map_target(mut self, change: impl FnOnce(W) -> W) -> Self {
        self.waiter = self.waiter.map_target(|tracked| Tracked {
            inner: change(tracked.inner),
            expected: tracked.expected,
        });
        *lock(&self.expected) = self.waiter.target().inner.expected();
        self
    }

    /// What is verified.
    pub fn target(&self) -> &W {
        &self.waiter.target().inner
    }

    /// Waits until the backup is found.
    ///
    /// # Errors
    ///
    /// [`Error::VerifyNotFound`] when the vendor shows it is not there,
    /// [`Error::VerifyTimedOut`] at the deadline, [`Error::JobFailed`] when the backup
    /// failed, or the error of a request.
    pub async fn wait(self) -> Result<Evidence> {
        let Verification { waiter, expected } = self;
        match waiter.wait().await {
            Err(Error::WaitTimedOut(timeout)) => Err(TimedOut {
                expected: lock(&expected).clone(),
                waited: timeout.waited,
                last_seen: timeout.last_state,
            }
            .into()),
            other => other,
        }
    }
}

/// A [`VerifyFor`] target that records what it expects once it has started.
#[derive(Debug)]
struct Tracked<W> {
    inner: W,
    expected: Arc<Mutex<Expected>>,
}

impl<W: VerifyFor> WaitFor for Tracked<W> {
    type Output = Evidence;

    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn start(&mut self) -> Result<()> {
        self.inner.start().await?;
        *lock(&self.expected) = self.inner.expected();
        Ok(())
    }

    fn poll(&self) -> impl Future<Output = Result<PollState<Evidence>>> + Send {
        self.inner.poll()
    }
}

fn lock(expected: &Mutex<Expected>) -> std::sync::MutexGuard<'_, Expected> {
    expected
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::SystemTime;

    use super::*;
    use crate::clock::SteppingClock;

    /// Finds an object after `found_after` polls; learns its bucket when it starts.
    #[derive(Debug)]
    struct Bucketed {
        bucket: Option<String>,
        found_after: Option<u32>,
        polls: AtomicU32,
    }

    impl WaitFor for Bucketed {
        type Output = Evidence;
        fn describe(&self) -> String {
            "an object".into()
        }
        async fn start(&mut self) -> Result<()> {
            self.bucket = Some("learned-bucket".into());
            Ok(())
        }
        async fn poll(&self) -> Result<PollState<Evidence>> {
            let polls = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
            match self.found_after {
                Some(n) if polls >= n => Ok(PollState::Done(Evidence::Object(
                    StoredObject::new("learned-bucket", "backups/a.rdb", 10)
                        .with_details(Some("\"abc\"".into()), None),
                ))),
                _ => Ok(PollState::Pending(Progress::new("not listed"))),
            }
        }
    }

    impl VerifyFor for Bucketed {
        fn expected(&self) -> Expected {
            Expected::object(
                self.bucket.clone().unwrap_or_else(|| "(unknown)".into()),
                "backups/*.rdb",
            )
        }
    }

    fn target(found_after: Option<u32>) -> Bucketed {
        Bucketed {
            bucket: None,
            found_after,
            polls: AtomicU32::new(0),
        }
    }

    #[tokio::test]
    async fn a_backup_that_never_appears_times_out_naming_bucket_and_key() {
        let clock = Arc::new(SteppingClock::stepping(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            Duration::from_secs(1),
        ));
        let error = Verification::new(target(None))
            .timeout(Duration::from_secs(60))
            .clock(clock)
            .wait()
            .await
            .unwrap_err();
        let Error::VerifyTimedOut(timeout) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            timeout.expected,
            Expected::object("learned-bucket", "backups/*.rdb")
        );
        assert_eq!(timeout.last_seen.as_deref(), Some("not listed"));
        assert!(timeout.waited >= Duration::from_secs(60));
        let text = error.to_string();
        assert!(
            text.contains("learned-bucket") && text.contains("backups/*.rdb"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_found_backup_returns_its_evidence() {
        let clock = Arc::new(SteppingClock::stepping(
            SystemTime::UNIX_EPOCH,
            Duration::from_secs(1),
        ));
        let evidence = Verification::new(target(Some(3)))
            .clock(clock)
            .wait()
            .await
            .unwrap();
        let Evidence::Object(object) = &evidence else {
            panic!("{evidence:?}")
        };
        assert_eq!(object.etag.as_deref(), Some("abc"));
        assert_eq!(
            serde_json::to_value(&evidence).unwrap(),
            serde_json::json!({
                "kind": "object", "bucket": "learned-bucket", "key": "backups/a.rdb",
                "size": 10, "etag": "abc"
            })
        );
    }

    #[test]
    fn not_found_names_what_and_where_on_one_line() {
        let error: Error = NotFound::new(
            Expected::object("b\nx", "k"),
            NotFoundReason::EmptyObject { key: "k".into() },
        )
        .into();
        let text = error.to_string();
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("empty") && text.contains("bucket"), "{text}");
        assert!(error.may_have_been_sent());
    }
}
