//! Waiting for a backup job, and listing backups as a stream of items.

use backup_core::paginate::{FetchPage, Page, Paginator};
use backup_core::poll::{PollState, Progress, WaitFor, Waiter};
use backup_core::{Error, JobFailed, ResponseError};

use crate::generated::{Backup, BackupStatus, Job, JobStatus};
use crate::{Client, VENDOR};

/// What one poll of a job means.
pub(crate) fn job_state(job_id: &str, job: Job) -> Result<PollState<Job>, Error> {
    match &job.status {
        Some(JobStatus::Success) => Ok(PollState::Done(job)),
        Some(status @ (JobStatus::Failed | JobStatus::PartiallyFailed)) => Err(JobFailed::new(
            VENDOR,
            job_id,
            status.as_str(),
            job.fail_reason.clone().filter(|r| !r.is_empty()),
        )
        .into()),
        Some(status) => {
            let mut progress = Progress::new(status.as_str());
            if let Some(p) = job.job_progress {
                // The vendor documents the field as reserved: as a hint it can only bring
                // a poll forward, and the waiter ignores values outside 0 to 100.
                progress = progress.with_message(format!("{p}%")).with_percent_done(p);
            }
            Ok(PollState::Pending(progress))
        }
        None => {
            let mut e = ResponseError::new(200, "the job status has no `status`", b"");
            e.vendor = VENDOR;
            e.operation = "showJob";
            Err(e.into())
        }
    }
}

impl Client {
    /// Waits for job `job_id` of graph `graph_id` (what
    /// [`create_backup`](Client::create_backup) returns) by polling
    /// `GET .../graphs/{graph_id}/jobs/{job_id}/status`.
    ///
    /// The wait returns the job on `success`; fails with [`Error::JobFailed`] (state
    /// `failed` or `partiallyFailed`, reason from `fail_reason`) or [`Error::WaitTimedOut`]
    /// at the deadline. `pending` and `running` (and states this version does not know) go
    /// to the progress callback, with `job_progress` as the message and as
    /// [`Progress::percent_done`], the hint by which the waiter polls again near the end it
    /// predicts (the vendor documents the field as reserved: without it the backoff
    /// rules). Dropping the future stops polling.
    ///
    /// ```no_run
    /// # async fn run(client: hw_ges_backup::Client) -> Result<(), backup_core::Error> {
    /// let job = client
    ///     .wait_until_job_done("my-graph", "ff8080816")
    ///     .timeout(std::time::Duration::from_secs(600))
    ///     .on_progress(|p| println!("{} {:?}", p.state, p.message))
    ///     .wait()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_until_job_done(
        &self,
        graph_id: impl Into<String>,
        job_id: impl Into<String>,
    ) -> Waiter<JobDone> {
        Waiter::new(JobDone {
            client: self.clone(),
            graph_id: graph_id.into(),
            job_id: job_id.into(),
        })
    }

    /// Waits until `listGraphBackups` lists backup `backup_id` of graph `graph_id` as
    /// `success`: for a backup known only from the listing (a create whose answer was lost
    /// and that [`reconcile_create_backup`](Client::reconcile_create_backup) found), whose
    /// job is not known.
    ///
    /// Each poll lists every backup of the graph. A backup not listed (yet) is progress
    /// `not listed`; one listed as `failed` ends the wait with [`Error::JobFailed`].
    pub fn wait_until_backup_done(
        &self,
        graph_id: impl Into<String>,
        backup_id: impl Into<String>,
    ) -> Waiter<BackupDone> {
        Waiter::new(BackupDone {
            client: self.clone(),
            graph_id: graph_id.into(),
            backup_id: backup_id.into(),
        })
    }
}

/// What [`Client::wait_until_job_done`] waits for.
#[derive(Debug, Clone)]
pub struct JobDone {
    client: Client,
    graph_id: String,
    job_id: String,
}

impl WaitFor for JobDone {
    type Output = Job;

    fn describe(&self) -> String {
        format!("GES job {} of graph {}", self.job_id, self.graph_id)
    }

    async fn poll(&self) -> Result<PollState<Job>, Error> {
        let job = self
            .client
            .show_job()
            .graph_id(&self.graph_id)
            .job_id(&self.job_id)
            .send()
            .await?;
        job_state(&self.job_id, job)
    }
}

/// What [`Client::wait_until_backup_done`] waits for.
#[derive(Debug, Clone)]
pub struct BackupDone {
    client: Client,
    graph_id: String,
    backup_id: String,
}

impl WaitFor for BackupDone {
    type Output = Backup;

    fn describe(&self) -> String {
        format!("GES backup {} of graph {}", self.backup_id, self.graph_id)
    }

    async fn poll(&self) -> Result<PollState<Backup>, Error> {
        let backups = self.client.graph_backups(&self.graph_id).collect().await?;
        let Some(backup) = backups
            .into_iter()
            .find(|b| b.id.as_deref() == Some(self.backup_id.as_str()))
        else {
            return Ok(PollState::Pending(Progress::new("not listed")));
        };
        match &backup.status {
            Some(BackupStatus::Success) => Ok(PollState::Done(backup)),
            Some(BackupStatus::Failed) => Err(JobFailed::new(
                VENDOR,
                &self.backup_id,
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

impl Client {
    /// All backups of the project, fetched page by page (`offset`/`limit`, 100 per page
    /// unless [`page_size`](Paginator::page_size) says otherwise) as they are consumed.
    pub fn backups(&self) -> BackupPaginator {
        Paginator::new(
            VENDOR,
            "listBackups",
            0,
            BackupPages::new(self.clone(), None),
        )
    }

    /// All backups of `graph_id`, fetched page by page as they are consumed.
    ///
    /// The listing ends when the service reports no more (`backup_count` reached, or an
    /// empty or short page), and stops after an error. A listing that would not end is an
    /// [`Error::Pagination`](backup_core::Error::Pagination) after a bounded number of
    /// requests: a page repeating the previous one, or more than
    /// [`max_pages`](Paginator::max_pages) pages (default 1000). It is never cut short
    /// silently.
    ///
    /// ```no_run
    /// # async fn run(client: hw_ges_backup::Client) -> Result<(), backup_core::Error> {
    /// let mut backups = client.graph_backups("my-graph").page_size(50);
    /// while let Some(backup) = backups.next().await {
    ///     let backup = backup?;
    ///     println!("{:?} {:?}", backup.id, backup.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn graph_backups(&self, graph_id: impl Into<String>) -> BackupPaginator {
        let pages = BackupPages::new(self.clone(), Some(graph_id.into()));
        Paginator::new(VENDOR, "listGraphBackups", 0, pages)
    }
}

/// Every backup of a project or a graph: backup-core's [`Paginator`] over the paged list
/// operations (`listBackups`, `listGraphBackups`), offset from 0.
pub type BackupPaginator = Paginator<BackupPages>;

/// Fetches the page of `listBackups` or `listGraphBackups` at an offset (see
/// [`BackupPaginator`]).
#[derive(Debug)]
pub struct BackupPages {
    client: Client,
    graph_id: Option<String>,
}

impl BackupPages {
    fn new(client: Client, graph_id: Option<String>) -> Self {
        Self { client, graph_id }
    }
}

impl FetchPage for BackupPages {
    type Item = Backup;
    type Cursor = i64;
    const DEFAULT_PAGE_SIZE: u32 = 100;

    async fn fetch(&mut self, offset: i64, page_size: u32) -> Result<Page<Backup, i64>, Error> {
        // Unreachable under the page cap (1000 pages of at most 1000 backups).
        let request_offset = i32::try_from(offset)
            .map_err(|_| Error::invalid_input("offset", "must be at most 2147483647"))?;
        let limit = i32::try_from(page_size)
            .map_err(|_| Error::invalid_input("limit", "must be at most 2147483647"))?;
        let page = match &self.graph_id {
            Some(graph_id) => {
                self.client
                    .list_graph_backups()
                    .graph_id(graph_id.clone())
                    .offset(request_offset)
                    .limit(limit)
                    .send()
                    .await?
            }
            None => {
                self.client
                    .list_backups()
                    .offset(request_offset)
                    .limit(limit)
                    .send()
                    .await?
            }
        };
        let items = page.backup_list.unwrap_or_default();
        let received = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let next_offset = offset.saturating_add(received);
        let last = received == 0
            || received < i64::from(limit)
            || page.backup_count.is_some_and(|total| next_offset >= total);
        Ok(Page::new(items, (!last).then_some(next_offset)))
    }
}
