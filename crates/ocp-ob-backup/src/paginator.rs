//! The data backup task list as a stream of items, page after page.

use std::collections::VecDeque;

use backup_core::Error;

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
        DataBackupTasks {
            client: self.clone(),
            input,
            page_size: DEFAULT_PAGE_SIZE,
            next_page: 1,
            buffered: VecDeque::new(),
            done: false,
        }
    }
}

/// A paginator over `GET .../backup/task/dataBackupTasks`: an async stream of
/// [`DataBackupTask`]s driven by [`next`](Self::next) (no `futures` dependency).
///
/// It requests page 1, 2, ... and stops after the page OCP reports as the last
/// (`page.totalPages`), after an empty page, or, when OCP sends no page information, after
/// a page shorter than the page size. After an error it ends.
#[derive(Debug)]
pub struct DataBackupTasks {
    client: Client,
    input: ListDataBackupTasksInput,
    page_size: i32,
    next_page: i32,
    buffered: VecDeque<DataBackupTask>,
    done: bool,
}

impl DataBackupTasks {
    /// Items per request, 1 to [`MAX_PAGE_SIZE`] (checked when the first page is requested).
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = size;
        self
    }

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

    /// The next task, `None` after the last, or the error that ended the listing.
    ///
    /// A validation error (cluster id not positive, page size out of range) is returned
    /// before anything is sent.
    pub async fn next(&mut self) -> Option<Result<DataBackupTask, Error>> {
        loop {
            if let Some(task) = self.buffered.pop_front() {
                return Some(Ok(task));
            }
            if self.done {
                return None;
            }
            let mut input = self.input.clone();
            input.page = Some(self.next_page);
            input.size = Some(self.page_size);
            let page = match self
                .client
                .list_data_backup_tasks()
                .with_input(input)
                .send()
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let contents = page.contents.unwrap_or_default();
            let count = contents.len();
            let total_pages = page.page.as_ref().and_then(|p| p.total_pages);
            let last = match total_pages {
                Some(total) => i64::from(self.next_page) >= total,
                None => count < usize::try_from(self.page_size).unwrap_or(usize::MAX),
            };
            if count == 0 || last || self.next_page == i32::MAX {
                self.done = true;
            } else {
                self.next_page += 1;
            }
            self.buffered.extend(contents);
        }
    }

    /// Collects every remaining task.
    ///
    /// # Errors
    ///
    /// The first error of a page request.
    pub async fn collect_all(mut self) -> Result<Vec<DataBackupTask>, Error> {
        let mut out = Vec::new();
        while let Some(task) = self.next().await {
            out.push(task?);
        }
        Ok(out)
    }
}
