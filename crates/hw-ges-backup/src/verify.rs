//! "Verify this backup" for GES: the backup listed as `success`, with its size.

use std::sync::atomic::{AtomicBool, Ordering};

use backup_core::poll::{PollState, Progress, WaitFor};
use backup_core::verify::{Evidence, Expected, ListedBackup, Verification, VerifyFor};
use backup_core::{Error, JobFailed};

use crate::generated::{BackupStatus, CreateBackupOutput};
use crate::waiter::job_state;
use crate::{Client, VENDOR};

/// Which GES backup to verify: a graph's backup by id, and the job that makes it when
/// known.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupHandle {
    /// The graph.
    pub graph_id: String,
    /// The backup's id; `None` when the create answer named none (older GES versions).
    pub backup_id: Option<String>,
    /// The job `createBackup` started, followed first when known.
    pub job_id: Option<String>,
}

impl BackupHandle {
    /// Backup `backup_id` of graph `graph_id`.
    pub fn new(graph_id: impl Into<String>, backup_id: impl Into<String>) -> Self {
        Self {
            graph_id: graph_id.into(),
            backup_id: Some(backup_id.into()),
            job_id: None,
        }
    }

    /// Follows job `job_id` (what `createBackup` returned) before listing the backups.
    #[must_use]
    pub fn job(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// The backup a `createBackup` of graph `graph_id` answered with.
    pub fn created(graph_id: impl Into<String>, created: &CreateBackupOutput) -> Self {
        Self {
            graph_id: graph_id.into(),
            backup_id: created.backup_id.clone().filter(|id| !id.is_empty()),
            job_id: Some(created.job_id.clone()),
        }
    }
}

impl Client {
    /// Verifies a backup: waits until its job (when known) is `success` and
    /// `listGraphBackups` lists the backup as `success`; the evidence is the listed
    /// backup, with its id, name, status and size (MB, as GES lists it).
    ///
    /// ```no_run
    /// # async fn run(client: hw_ges_backup::Client) -> Result<(), backup_core::Error> {
    /// use hw_ges_backup::BackupHandle;
    /// let started = client.create_backup().graph_id("my-graph").send().await?;
    /// let evidence = client
    ///     .verify_backup(&BackupHandle::created("my-graph", &started))
    ///     .timeout(std::time::Duration::from_secs(600))
    ///     .wait()
    ///     .await?;
    /// println!("verified: {}", evidence.id());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] (nothing sent) when the handle names no backup id: the
    ///   list cannot tell which backup the create made;
    /// - [`Error::JobFailed`] when the job or the listed backup failed;
    /// - [`Error::VerifyTimedOut`] naming the backup and graph when it is not listed as
    ///   `success` by the deadline.
    pub fn verify_backup(&self, handle: &BackupHandle) -> Verification<BackupVerified> {
        Verification::new(BackupVerified {
            client: self.clone(),
            handle: handle.clone(),
            job_done: AtomicBool::new(handle.job_id.is_none()),
        })
    }
}

/// What [`Client::verify_backup`] waits for.
#[derive(Debug)]
pub struct BackupVerified {
    client: Client,
    handle: BackupHandle,
    job_done: AtomicBool,
}

impl BackupVerified {
    fn location(&self) -> String {
        format!("graph {}", self.handle.graph_id)
    }
}

impl WaitFor for BackupVerified {
    type Output = Evidence;

    fn describe(&self) -> String {
        self.expected().to_string()
    }

    async fn start(&mut self) -> Result<(), Error> {
        if self.handle.graph_id.is_empty() {
            return Err(Error::invalid_input("graph_id", "must not be empty"));
        }
        if self.handle.backup_id.is_none() {
            return Err(Error::invalid_input(
                "backup_id",
                "is unknown (the create answer named none): the backup list cannot tell \
                 which backup to verify",
            ));
        }
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<Evidence>, Error> {
        let graph_id = &self.handle.graph_id;
        if let (Some(job_id), false) = (&self.handle.job_id, self.job_done.load(Ordering::SeqCst)) {
            let job = self
                .client
                .show_job()
                .graph_id(graph_id)
                .job_id(job_id)
                .send()
                .await?;
            match job_state(job_id, job)? {
                PollState::Done(_) => self.job_done.store(true, Ordering::SeqCst),
                PollState::Pending(progress) => return Ok(PollState::Pending(progress)),
                // A state this version of backup-core does not know: not done.
                _ => return Ok(PollState::Pending(Progress::new("running"))),
            }
        }
        let wanted = self.handle.backup_id.as_deref().unwrap_or_default();
        let backups = self.client.graph_backups(graph_id).collect().await?;
        let Some(backup) = backups
            .into_iter()
            .find(|b| b.id.as_deref() == Some(wanted))
        else {
            return Ok(PollState::Pending(Progress::new("not listed")));
        };
        match &backup.status {
            Some(BackupStatus::Success) => Ok(PollState::Done(Evidence::Listed(
                ListedBackup::new(VENDOR, wanted, self.location(), "listGraphBackups")
                    .with_name(backup.name.clone())
                    .with_size(backup.size, "MB")
                    .with_status(Some("success".to_owned())),
            ))),
            Some(BackupStatus::Failed) => Err(JobFailed::new(
                VENDOR,
                wanted,
                "failed",
                Some("listGraphBackups lists the backup as failed".into()),
            )
            .into()),
            other => Ok(PollState::Pending(Progress::new(
                other.as_ref().map_or("listed", |s| s.as_str()),
            ))),
        }
    }
}

impl VerifyFor for BackupVerified {
    fn expected(&self) -> Expected {
        Expected::listed(
            VENDOR,
            self.handle
                .backup_id
                .clone()
                .unwrap_or_else(|| "(unknown id)".into()),
            self.location(),
        )
    }
}
