//! "Verify this backup" for OCP: the backup task `SUCCESSFUL`, and its backup set listed
//! by `dataBackupTasks` as done.

use std::collections::BTreeMap;
use std::sync::Mutex;

use backup_core::poll::{PollState, Progress, WaitFor};
use backup_core::verify::{BackupSet, Evidence, Expected, Verification, VerifyFor};
use backup_core::{Error, JobFailed};

use crate::client::VENDOR;
use crate::{BackupCommonResponse, Client, TaskInstance};

/// Which OCP backup to verify: the tasks a `backupNow` (or tenant backupNow) of a cluster
/// started.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupHandle {
    /// The cluster backed up.
    pub cluster_id: i64,
    /// The tenant, for a tenant backup.
    pub tenant_id: Option<i64>,
    /// The task ids backupNow returned.
    pub task_ids: Vec<i64>,
}

impl BackupHandle {
    /// The backup that tasks `task_ids` of cluster `cluster_id` make.
    pub fn new(cluster_id: i64, task_ids: impl Into<Vec<i64>>) -> Self {
        Self {
            cluster_id,
            tenant_id: None,
            task_ids: task_ids.into(),
        }
    }

    /// The backup a backupNow of `cluster_id` answered with (its task ids).
    pub fn started(cluster_id: i64, started: &BackupCommonResponse) -> Self {
        Self::new(cluster_id, started.task_ids())
    }

    /// The tenant backed up, for a tenant backup.
    #[must_use]
    pub fn tenant(mut self, tenant_id: i64) -> Self {
        self.tenant_id = Some(tenant_id);
        self
    }
}

impl Client {
    /// Verifies a backup: waits until every task of the handle is `SUCCESSFUL`
    /// (`GET /api/v2/tasks/instances/{id}`) and `dataBackupTasks` of the cluster lists the
    /// backup set one of them made (same `taskId`) as done (`DONE`, `SUCCESS`,
    /// `SUCCESSFUL`). The evidence is the task id, backup set id, `backupUri` and status.
    ///
    /// That the data backup task list names a backup by the id of the task backupNow
    /// returned is UNVERIFIED (the emulator does so); a set that is never listed ends
    /// in [`Error::VerifyTimedOut`], never in a success.
    ///
    /// ```no_run
    /// # async fn run(client: ocp_ob_backup::Client) -> Result<(), backup_core::Error> {
    /// use ocp_ob_backup::BackupHandle;
    /// let started = client.backup_now_with_configured_storage(1, "FULL_BACKUP").await?;
    /// let evidence = client
    ///     .verify_backup(&BackupHandle::started(1, &started))
    ///     .timeout(std::time::Duration::from_secs(3600))
    ///     .wait()
    ///     .await?;
    /// println!("verified: {}", evidence.id());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] (nothing sent) for no task id, or one that is not
    ///   positive;
    /// - [`Error::JobFailed`] when a task is `FAILED` or the set is listed as `FAILED`;
    /// - [`Error::VerifyTimedOut`] naming the task and cluster at the deadline.
    pub fn verify_backup(&self, handle: &BackupHandle) -> Verification<BackupVerified> {
        Verification::new(BackupVerified {
            client: self.clone(),
            handle: handle.clone(),
            finished: Mutex::default(),
        })
    }
}

/// What [`Client::verify_backup`] waits for.
#[derive(Debug)]
pub struct BackupVerified {
    client: Client,
    handle: BackupHandle,
    /// Tasks seen `SUCCESSFUL`, not polled again.
    finished: Mutex<BTreeMap<i64, TaskInstance>>,
}

impl BackupVerified {
    fn location(&self) -> String {
        match self.handle.tenant_id {
            Some(tenant) => format!("cluster {} tenant {tenant}", self.handle.cluster_id),
            None => format!("cluster {}", self.handle.cluster_id),
        }
    }
}

impl WaitFor for BackupVerified {
    type Output = Evidence;

    fn describe(&self) -> String {
        self.expected().to_string()
    }

    async fn start(&mut self) -> Result<(), Error> {
        backup_core::operation::range_i64("id", self.handle.cluster_id, Some(1), None)?;
        if let Some(bad) = self.handle.task_ids.iter().find(|id| **id < 1) {
            return Err(Error::invalid_input(
                "taskIdList",
                format!("must contain only positive ids (got {bad})"),
            ));
        }
        if self.handle.task_ids.is_empty() {
            return Err(Error::invalid_input(
                "taskIdList",
                "is empty: there is no backup task to verify",
            ));
        }
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<Evidence>, Error> {
        match self
            .client
            .poll_tasks(&self.handle.task_ids, &self.finished)
            .await?
        {
            PollState::Done(_) => {}
            PollState::Pending(progress) => return Ok(PollState::Pending(progress)),
            // A state this version of backup-core does not know: not done.
            _ => return Ok(PollState::Pending(Progress::new("RUNNING"))),
        }
        let sets = self
            .client
            .data_backup_tasks(self.handle.cluster_id)
            .page_size(crate::MAX_PAGE_SIZE)
            .collect()
            .await?;
        let Some(set) = sets.into_iter().find(|t| {
            t.task_id
                .is_some_and(|id| self.handle.task_ids.contains(&id))
        }) else {
            return Ok(PollState::Pending(Progress::new(
                "task SUCCESSFUL, backup set not listed",
            )));
        };
        let task_id = set.task_id.unwrap_or_default();
        let status = set.status.clone().unwrap_or_default();
        match status.trim().to_ascii_uppercase().as_str() {
            "DONE" | "SUCCESS" | "SUCCESSFUL" => Ok(PollState::Done(Evidence::BackupSet(
                BackupSet::new(VENDOR, self.location(), task_id).listed(
                    set.backup_set_id,
                    set.backup_uri,
                    Some(status),
                ),
            ))),
            "FAILED" => {
                Err(JobFailed::new(VENDOR, task_id.to_string(), status, set.error_msg).into())
            }
            _ => Ok(PollState::Pending(Progress::new(format!(
                "task SUCCESSFUL, backup set {status}"
            )))),
        }
    }
}

impl VerifyFor for BackupVerified {
    fn expected(&self) -> Expected {
        let tasks = self
            .handle
            .task_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Expected::listed(VENDOR, format!("set of task {tasks}"), self.location())
    }
}
