//! Waiting for a backup job, and listing backups as a stream of items.

use backup_core::paginate::{FetchPage, Page, Paginator, Stream};
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
}

impl Client {
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

/// Fetches the page of `listBackups` or `listGraphBackups` at an offset.
#[derive(Debug)]
struct BackupPages {
    client: Client,
    graph_id: Option<String>,
    page_size: i32,
}

impl FetchPage for BackupPages {
    type Item = Backup;
    type Cursor = i64;

    async fn fetch(&mut self, offset: i64) -> Result<Page<Backup, i64>, Error> {
        // Unreachable under the page cap (1000 pages of at most 1000 backups).
        let request_offset = i32::try_from(offset)
            .map_err(|_| Error::invalid_input("offset", "must be at most 2147483647"))?;
        let page = match &self.graph_id {
            Some(graph_id) => {
                self.client
                    .list_graph_backups()
                    .graph_id(graph_id.clone())
                    .offset(request_offset)
                    .limit(self.page_size)
                    .send()
                    .await?
            }
            None => {
                self.client
                    .list_backups()
                    .offset(request_offset)
                    .limit(self.page_size)
                    .send()
                    .await?
            }
        };
        let items = page.backup_list.unwrap_or_default();
        let received = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let next_offset = offset.saturating_add(received);
        let last = received == 0
            || received < i64::from(self.page_size)
            || page.backup_count.is_some_and(|total| next_offset >= total);
        Ok(Page::new(items, (!last).then_some(next_offset)))
    }
}

/// A stream of backups over the paged list operations: call [`next`](Self::next) until it
/// returns `None`, or take a [`Stream`] ([`into_stream`](Self::into_stream)).
///
/// Pages are requested with `offset` and `limit` (default 100 per page). The stream ends
/// when the service reports no more (`backup_count` reached, or an empty or short page),
/// and stops after an error. A listing that would not end is an
/// [`Error::Pagination`](backup_core::Error::Pagination) after a bounded number of
/// requests: a page repeating the previous one, or more than
/// [`max_pages`](Self::max_pages) pages (default 1000). It is never cut short silently.
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
    inner: Paginator<BackupPages>,
}

impl BackupPaginator {
    fn new(client: Client, graph_id: Option<String>) -> Self {
        let operation = if graph_id.is_some() {
            "listGraphBackups"
        } else {
            "listBackups"
        };
        let pages = BackupPages {
            client,
            graph_id,
            page_size: 100,
        };
        Self {
            inner: Paginator::new(VENDOR, operation, 0, pages),
        }
    }

    /// How many backups to ask for per page (1 to 1000; default 100).
    pub fn page_size(mut self, page_size: i32) -> Self {
        self.inner.fetcher_mut().page_size = page_size;
        self
    }

    /// The most pages to request (default 1000). When the service reports more, the
    /// stream ends with an [`Error::Pagination`](backup_core::Error::Pagination) after the
    /// backups of these pages.
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.inner = self.inner.max_pages(max_pages);
        self
    }

    /// The most backups [`collect`](Self::collect) holds (default
    /// [`DEFAULT_MAX_ITEMS`](backup_core::paginate::DEFAULT_MAX_ITEMS)); more is an error.
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.inner = self.inner.max_items(max_items);
        self
    }

    /// The next backup, `None` at the end, or the error that ended the stream.
    pub async fn next(&mut self) -> Option<Result<Backup, Error>> {
        self.inner.next().await
    }

    /// The next page's backups (the rest of a page [`next`](Self::next) started, first),
    /// `None` after the last page, or the error that ended the stream.
    pub async fn next_page(&mut self) -> Option<Result<Vec<Backup>, Error>> {
        self.inner.next_page().await
    }

    /// The remaining backups as a [`Stream`].
    pub fn into_stream(self) -> impl Stream<Item = Result<Backup, Error>> + Send + Unpin {
        self.inner.into_stream()
    }

    /// Collects the remaining backups.
    ///
    /// # Errors
    ///
    /// The first error of a page request, or an
    /// [`Error::Pagination`](backup_core::Error::Pagination) for a listing that would not
    /// end or holds more than [`max_items`](Self::max_items) backups.
    pub async fn collect(self) -> Result<Vec<Backup>, Error> {
        self.inner.collect().await
    }
}
