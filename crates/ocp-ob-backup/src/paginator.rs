//! The data backup task list as a stream of items, page after page, on backup-core's
//! paginator.

use backup_core::Error;
use backup_core::paginate::{FetchPage, Page, Paginator};

use crate::client::VENDOR;
use crate::{Client, DataBackupTask, ListDataBackupTasksInput};

/// The largest page OCP serves.
pub const MAX_PAGE_SIZE: u32 = 2000;
/// The page size [`Client::data_backup_tasks`] asks for unless told otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

impl Client {
    /// Every data backup task of cluster `cluster_id`, fetched a page at a time
    /// ([`DEFAULT_PAGE_SIZE`] per page, pages from 1) as the returned paginator is
    /// advanced.
    ///
    /// The listing stops after the page OCP reports as the last (`page.totalPages`), after
    /// an empty page, or, when OCP sends no page information, after a page shorter than the
    /// page size. A listing that would not end is an
    /// [`Error::Pagination`](backup_core::Error::Pagination) after a bounded number of
    /// requests: a page repeating the previous one (the same `page.number` or the same
    /// tasks), or more than [`max_pages`](Paginator::max_pages) pages. After an error it
    /// ends. A validation error (cluster id not positive, page size out of range) is
    /// returned at the first page, before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(client: ocp_ob_backup::Client) -> Result<(), backup_core::Error> {
    /// let mut tasks = client
    ///     .data_backup_tasks(1)
    ///     .page_size(500)
    ///     .map_fetcher(|tasks| tasks.start_time("2024-07-01T00:00:00+08:00"));
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
        let pages = DataBackupTaskPages {
            client: self.clone(),
            input,
        };
        Paginator::new(VENDOR, "listDataBackupTasks", 1, pages)
    }
}

/// A paginator over `GET .../backup/task/dataBackupTasks`: backup-core's [`Paginator`]
/// (see [`Client::data_backup_tasks`]).
pub type DataBackupTasks = Paginator<DataBackupTaskPages>;

/// Fetches page `n` of `listDataBackupTasks`; its filters are set with
/// [`Paginator::map_fetcher`].
#[derive(Debug)]
pub struct DataBackupTaskPages {
    client: Client,
    input: ListDataBackupTasksInput,
}

impl DataBackupTaskPages {
    /// Only tasks started at or after `time` (ISO 8601, as OCP expects it).
    pub fn start_time(mut self, time: impl Into<String>) -> Self {
        self.input.start_time = Some(time.into());
        self
    }

    /// Only tasks started at or before `time`.
    pub fn end_time(mut self, time: impl Into<String>) -> Self {
        self.input.end_time = Some(time.into());
        self
    }

    /// Only the tasks of backup set `id`.
    pub fn backup_set_id(mut self, id: i64) -> Self {
        self.input.backup_set_id = Some(id);
        self
    }
}

impl FetchPage for DataBackupTaskPages {
    type Item = DataBackupTask;
    type Cursor = i32;
    const DEFAULT_PAGE_SIZE: u32 = DEFAULT_PAGE_SIZE;

    async fn fetch(
        &mut self,
        number: i32,
        page_size: u32,
    ) -> Result<Page<DataBackupTask, i32>, Error> {
        let size = i32::try_from(page_size).map_err(|_| {
            Error::invalid_input("size", format!("must be at most {MAX_PAGE_SIZE}"))
        })?;
        let mut input = self.input.clone();
        input.page = Some(number);
        input.size = Some(size);
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
            None => contents.len() < usize::try_from(page_size).unwrap_or(usize::MAX),
        };
        let next = if contents.is_empty() || last {
            None
        } else {
            number.checked_add(1)
        };
        Ok(Page::new(contents, next).with_number(info.number))
    }
}
