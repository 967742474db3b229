//! Waiting for a backup job, and listing backups as a stream of items.

use std::collections::VecDeque;

use backup_core::poll::{PollState, Progress, WaitConfig, wait_until};
use backup_core::{Error, JobFailed, ResponseError};

use crate::generated::{Backup, Job, JobStatus};
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
                progress = progress.with_message(format!("{p}%"));
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
    /// Polls `GET .../graphs/{graph_id}/jobs/{job_id}/status` until the job ends.
    ///
    /// Returns the job on `success`; fails with [`Error::JobFailed`] (state `failed` or
    /// `partiallyFailed`, reason from `fail_reason`) or [`Error::WaitTimedOut`] after
    /// `config.timeout`. `pending` and `running` (and states this version does not know)
    /// are passed to `on_progress`. Dropping the future stops polling.
    pub async fn wait_for_job(
        &self,
        graph_id: &str,
        job_id: &str,
        config: &WaitConfig,
        on_progress: impl FnMut(&Progress),
    ) -> Result<Job, Error> {
        let what = format!("GES job {job_id} of graph {graph_id}");
        wait_until(
            &what,
            config,
            || async {
                let job = self
                    .show_job()
                    .graph_id(graph_id)
                    .job_id(job_id)
                    .send()
                    .await?;
                job_state(job_id, job)
            },
            on_progress,
        )
        .await
    }

    /// All backups of the project, fetched page by page (`offset`/`limit`) as they are
    /// consumed.
    pub fn backups(&self) -> BackupPaginator {
        BackupPaginator::new(self.clone(), None)
    }

    /// All backups of `graph_id`, fetched page by page as they are consumed.
    pub fn graph_backups(&self, graph_id: impl Into<String>) -> BackupPaginator {
        BackupPaginator::new(self.clone(), Some(graph_id.into()))
    }
}

/// A stream of backups over the paged list operations: call [`next`](Self::next) until it
/// returns `None`.
///
/// Pages are requested with `offset` and `limit` (default 100 per page). The stream ends
/// when the service reports no more (`backup_count` reached, or an empty or short page),
/// and stops after an error. It never requests more than `max_pages` pages (default
/// 1000), so a service that keeps answering cannot make it loop forever.
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
#[derive(Debug)]
pub struct BackupPaginator {
    client: Client,
    graph_id: Option<String>,
    page_size: i32,
    max_pages: u32,
    offset: i64,
    pages: u32,
    buffer: VecDeque<Backup>,
    done: bool,
}

impl BackupPaginator {
    fn new(client: Client, graph_id: Option<String>) -> Self {
        Self {
            client,
            graph_id,
            page_size: 100,
            max_pages: 1000,
            offset: 0,
            pages: 0,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    /// How many backups to ask for per page (1 to 1000; default 100).
    pub fn page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size;
        self
    }

    /// The most pages to request (default 1000).
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The next backup, `None` at the end, or the error that ended the stream.
    pub async fn next(&mut self) -> Option<Result<Backup, Error>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done || self.pages >= self.max_pages {
                return None;
            }
            let Ok(offset) = i32::try_from(self.offset) else {
                self.done = true;
                return None;
            };
            self.pages += 1;
            let page = match &self.graph_id {
                Some(graph_id) => {
                    self.client
                        .list_graph_backups()
                        .graph_id(graph_id.clone())
                        .offset(offset)
                        .limit(self.page_size)
                        .send()
                        .await
                }
                None => {
                    self.client
                        .list_backups()
                        .offset(offset)
                        .limit(self.page_size)
                        .send()
                        .await
                }
            };
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let items = page.backup_list.unwrap_or_default();
            let received = items.len() as i64;
            self.offset += received;
            let total = page.backup_count;
            if received == 0
                || received < i64::from(self.page_size)
                || total.is_some_and(|t| self.offset >= t)
            {
                self.done = true;
            }
            self.buffer.extend(items);
        }
    }

    /// Collects the remaining backups.
    pub async fn collect(mut self) -> Result<Vec<Backup>, Error> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}
