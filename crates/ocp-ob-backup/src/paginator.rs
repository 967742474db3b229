//! The data backup task list as a stream of items, page after page, on backup-core's
//! paginator.

use backup_core::Error;
use backup_core::paginate::{FetchPage, Page, Paginator, Stream};

use crate::client::VENDOR;
use crate::{Client, DataBackupTask, ListDataBackupTasksInput};

/// The largest page OCP serves.
pub const MAX_PAGE_SIZE: i32 = 2000;
/// The page size [`Client::data_backup_tasks`] asks for.
pub const DEFAULT_PAGE_SIZE: i32 = 100;

impl Client {
    /// Every data backup task of cluster `cluster_id`, fetched a page at a time
    /// ([`DEFAULT_PAGE_SIZE`] per page, pages from 1) as the returned paginator is
    /// advanced with [`next`](DataBackupTasks::next).
    ///
    /// ```no_run
    /// # async fn run(client: ocp_ob_backup::Client) -> Result<(), backup_core::Error> {
    /// let mut tasks = client.data_backup_tasks(1).page_size(500);
    /// while let Some(task) = tasks.next().await {
    ///     let task = task?;
    ///     println!("{:?} {:?} {:?}", task.backup_set_id, task.status, task.finish_time);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn data_backup_tasks(&self, cluster_id: i64) -> DataBackupTasks {
        let input = ListDataBackupTasksInput {
            id: Some(cluster_id),
            ..ListDataBackupTasksInput::default()
        };
        let pages = TaskPages {
            client: self.clone(),
            input,
            page_size: DEFAULT_PAGE_SIZE,
        };
        DataBackupTasks {
            inner: Paginator::new(VENDOR, "listDataBackupTasks", 1, pages),
        }
    }
}

/// Fetches page `n` of `listDataBackupTasks`.
#[derive(Debug)]
struct TaskPages {
    client: Client,
    input: ListDataBackupTasksInput,
    page_size: i32,
}

impl FetchPage for TaskPages {
    type Item = DataBackupTask;
    type Cursor = i32;

    async fn fetch(&mut self, number: i32) -> Result<Page<DataBackupTask, i32>, Error> {
        let mut input = self.input.clone();
        input.page = Some(number);
        input.size = Some(self.page_size);
        let page = self
            .client
            .list_data_backup_tasks()
            .with_input(input)
            .send()
            .await?;
        let contents = page.contents.unwrap_or_default();
        let info = page.page.unwrap_or_default();
        let last = match info.total_pages {
            Some(total) => i64::from(number) >= total,
            // Without page information, a short page is the last.
            None => contents.len() < usize::try_from(self.page_size).unwrap_or(usize::MAX),
        };
        let next = if contents.is_empty() || last {
            None
        } else {
            number.checked_add(1)
        };
        Ok(Page::new(contents, next).with_number(info.number))
    }
}

/// A paginator over `GET .../backup/task/dataBackupTasks`: an async stream of
/// [`DataBackupTask`]s driven by [`next`](Self::next), or a
/// [`Stream`] ([`into_stream`](Self::into_stream)).
///
/// It requests page 1, 2, ... and stops after the page OCP reports as the last
/// (`page.totalPages`), after an empty page, or, when OCP sends no page information, after
/// a page shorter than the page size. A listing that would not end is an
/// [`Error::Pagination`](backup_core::Error::Pagination) after a bounded number of
/// requests: a page repeating the previous one (the same `page.number` or the same
/// tasks), or more than [`max_pages`](Self::max_pages) pages. After an error it ends.
#[derive(Debug)]
pub struct DataBackupTasks {
    inner: Paginator<TaskPages>,
}

impl DataBackupTasks {
    /// Items per request, 1 to [`MAX_PAGE_SIZE`] (checked when the first page is requested).
    pub fn page_size(mut self, size: i32) -> Self {
        self.inner.fetcher_mut().page_size = size;
        self
    }

    /// Only tasks started at or after `time` (ISO 8601, as OCP expects it).
    pub fn start_time(mut self, time: impl Into<String>) -> Self {
        self.inner.fetcher_mut().input.start_time = Some(time.into());
        self
    }

    /// Only tasks started at or before `time`.
    pub fn end_time(mut self, time: impl Into<String>) -> Self {
        self.inner.fetcher_mut().input.end_time = Some(time.into());
        self
    }

    /// Only the tasks of backup set `id`.
    pub fn backup_set_id(mut self, id: i64) -> Self {
        self.inner.fetcher_mut().input.backup_set_id = Some(id);
        self
    }

    /// The most pages to request (default
    /// [`DEFAULT_MAX_PAGES`](backup_core::paginate::DEFAULT_MAX_PAGES)); more is an
    /// error, not a shortened listing.
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.inner = self.inner.max_pages(max_pages);
        self
    }

    /// The most tasks [`collect_all`](Self::collect_all) holds (default
    /// [`DEFAULT_MAX_ITEMS`](backup_core::paginate::DEFAULT_MAX_ITEMS)); more is an error.
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.inner = self.inner.max_items(max_items);
        self
    }

    /// The next task, `None` after the last, or the error that ended the listing.
    ///
    /// A validation error (cluster id not positive, page size out of range) is returned
    /// before anything is sent.
    pub async fn next(&mut self) -> Option<Result<DataBackupTask, Error>> {
        self.inner.next().await
    }

    /// The next page's tasks (the rest of a page [`next`](Self::next) started, first),
    /// `None` after the last page, or the error that ended the listing.
    pub async fn next_page(&mut self) -> Option<Result<Vec<DataBackupTask>, Error>> {
        self.inner.next_page().await
    }

    /// The remaining tasks as a [`Stream`].
    pub fn into_stream(self) -> impl Stream<Item = Result<DataBackupTask, Error>> + Send + Unpin {
        self.inner.into_stream()
    }

    /// Collects every remaining task.
    ///
    /// # Errors
    ///
    /// The first error of a page request, or an
    /// [`Error::Pagination`](backup_core::Error::Pagination) for a listing that would not
    /// end or holds more than [`max_items`](Self::max_items) tasks.
    pub async fn collect_all(self) -> Result<Vec<DataBackupTask>, Error> {
        self.inner.collect().await
    }
}
