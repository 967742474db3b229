//! Following a backup: the task ids backupNow returns, polled until each is `SUCCESSFUL` or
//! `FAILED`; and backing up with the storage the cluster's strategy configures.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use backup_core::poll::{WaitFor, Waiter};
use backup_core::{Error, HasConnection, JobFailed, PollState, Progress};

use crate::client::{VENDOR, response_error};
use crate::{
    BackupCommonResponse, BackupMode, BackupObjectOpsResult, Client, DataBackupMode,
    DataBackupTask, Subtask, SubtaskStatus, TaskInstance, TaskStatus,
};

/// How many log lines of a failed subtask go into the failure reason.
const LOG_LINES: usize = 3;
/// The longest log excerpt in a failure reason, in characters.
const LOG_CHARS: usize = 300;

impl BackupCommonResponse {
    /// Every task id of every result, in order, without duplicates.
    pub fn task_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = Vec::new();
        for id in self
            .backup_object_ops_result_list
            .iter()
            .flatten()
            .flat_map(|r| r.task_id_list.iter().flatten())
        {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        ids
    }

    /// Whether any result names a task: [`task_ids`](Self::task_ids) is not empty. Every
    /// backup-starting answer is checked for one, so this collects nothing.
    pub(crate) fn names_a_task(&self) -> bool {
        self.backup_object_ops_result_list
            .iter()
            .flatten()
            .flat_map(|r| r.task_id_list.iter().flatten())
            .next()
            .is_some()
    }

    /// The results that report `beSuccessful: false`.
    pub fn failed_results(&self) -> impl Iterator<Item = &BackupObjectOpsResult> {
        self.backup_object_ops_result_list
            .iter()
            .flatten()
            .filter(|r| r.be_successful == Some(false))
    }
}

impl TaskInstance {
    /// Whether the task reached `SUCCESSFUL` or `FAILED`.
    pub fn is_finished(&self) -> bool {
        matches!(
            self.status,
            Some(TaskStatus::Successful | TaskStatus::Failed)
        )
    }

    /// Subtasks that succeeded, and subtasks in all.
    pub fn subtask_progress(&self) -> (u64, u64) {
        let subtasks = self.subtasks.as_deref().unwrap_or_default();
        let done = subtasks
            .iter()
            .filter(|s| s.status == Some(SubtaskStatus::Successful))
            .count();
        (done as u64, subtasks.len() as u64)
    }

    /// When the task should end at the pace of its finished subtasks: its `startTime`
    /// (else `createTime`) plus the time they took, scaled to all its subtasks. `None`
    /// before a subtask has finished, once all have, or when the times cannot be read or
    /// make no sense (a subtask finished before its task started).
    ///
    /// Subtasks differ in length (a check, then the backup itself), so this is a hint to
    /// poll by, not a promise: the waiter only ever polls earlier because of it.
    pub(crate) fn projected_end(&self) -> Option<SystemTime> {
        let (done, total) = self.subtask_progress();
        if done == 0 || done >= total {
            return None;
        }
        let start = self
            .start_time
            .as_deref()
            .or(self.create_time.as_deref())
            .and_then(crate::parse_timestamp)?;
        let last_finished = self
            .subtasks
            .iter()
            .flatten()
            .filter(|s| s.status == Some(SubtaskStatus::Successful))
            .filter_map(|s| s.finish_time.as_deref().and_then(crate::parse_timestamp))
            .max()?;
        let taken = last_finished.duration_since(start).ok()?;
        let whole = taken
            .checked_mul(u32::try_from(total).ok()?)?
            .checked_div(u32::try_from(done).ok()?)?;
        start.checked_add(whole)
    }

    /// The first subtask in state `FAILED`.
    pub fn failed_subtask(&self) -> Option<&Subtask> {
        self.subtasks
            .iter()
            .flatten()
            .find(|s| s.status == Some(SubtaskStatus::Failed))
    }

    /// The names of the subtasks in state `RUNNING`.
    pub(crate) fn running_subtasks(&self) -> Vec<&str> {
        self.subtasks
            .iter()
            .flatten()
            .filter(|s| s.status == Some(SubtaskStatus::Running))
            .filter_map(|s| s.name.as_deref())
            .collect()
    }
}

impl Client {
    /// Waits until every task in `task_ids` is `SUCCESSFUL`; the wait returns them in that
    /// order.
    ///
    /// Polls `GET /api/v2/tasks/instances/{id}` for each unfinished task. The progress
    /// callback sees, after each poll that finds work left, the subtasks done and in all
    /// (summed over the tasks) and the running subtasks' names. Once a subtask of every
    /// unfinished task has finished, the progress also carries
    /// [`estimated_remaining`](Progress::estimated_remaining): the end the finished
    /// subtasks' pace predicts (from the task's `startTime` and their `finishTime`s, against
    /// the client's clock), by which the waiter polls again then. Dropping the future stops
    /// polling.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] for no task ids at all, or a task id that is not positive
    ///   (nothing is sent);
    /// - [`Error::JobFailed`] when a task is `FAILED`: the reason names the failed subtask
    ///   and ends with the last lines of its log (or its description when the log cannot be
    ///   read);
    /// - [`Error::WaitTimedOut`] at the deadline, with the last state;
    /// - any error of the polls themselves.
    pub fn wait_until_tasks_done(&self, task_ids: impl Into<Vec<i64>>) -> Waiter<TasksDone> {
        Waiter::new(TasksDone {
            client: self.clone(),
            ids: task_ids.into(),
            not_started: None,
            finished: Mutex::default(),
        })
    }

    /// Waits for a backup that [`backup_now`](Client::backup_now) (or the tenant variant)
    /// started: checks that every result is successful, then follows every task id as
    /// [`wait_until_tasks_done`](Client::wait_until_tasks_done) does.
    ///
    /// `send()` itself already fails on a refused result or an answer without task ids;
    /// these checks are for a response built or stored by the caller.
    ///
    /// ```no_run
    /// # async fn run(client: ocp_ob_backup::Client) -> Result<(), backup_core::Error> {
    /// let started = client.backup_now_with_configured_storage(1, "FULL_BACKUP").await?;
    /// let tasks = client
    ///     .wait_until_backup_done(&started)
    ///     .timeout(std::time::Duration::from_secs(3600))
    ///     .on_progress(|p| println!("{:?}/{:?} subtasks", p.completed, p.total))
    ///     .wait()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::JobFailed`] (state `NOT_STARTED`) when a result says `beSuccessful: false`,
    /// with its hint and error code; [`Error::InvalidInput`] when the response names no
    /// task (nothing is sent); otherwise as
    /// [`wait_until_tasks_done`](Client::wait_until_tasks_done).
    pub fn wait_until_backup_done(&self, started: &BackupCommonResponse) -> Waiter<TasksDone> {
        let not_started = started.failed_results().next().map(|failed| {
            let mut reason = failed
                .hint
                .clone()
                .filter(|h| !h.trim().is_empty())
                .unwrap_or_else(|| "the backup was not started".to_owned());
            if let Some(code) = crate::protocol::error_code_text(failed) {
                reason.push_str(&format!(" (error code {code})"));
            }
            reason
        });
        Waiter::new(TasksDone {
            client: self.clone(),
            ids: started.task_ids(),
            not_started,
            finished: Mutex::default(),
        })
    }

    /// Waits until `listDataBackupTasks` of cluster `cluster_id` lists data backup task
    /// `task_id` as done (`DONE`, `SUCCESS` or `SUCCESSFUL`): for a backup known only from
    /// the listing (a backupNow whose answer was lost and that
    /// [`reconcile_backup_now`](Client::reconcile_backup_now) found).
    ///
    /// Each poll lists every task of the cluster. A task not listed (yet) is progress
    /// `not listed`; one listed as `FAILED` ends the wait with [`Error::JobFailed`] carrying
    /// its `errorMsg`.
    pub fn wait_until_data_backup_task_done(
        &self,
        cluster_id: i64,
        task_id: i64,
    ) -> Waiter<DataBackupTaskDone> {
        Waiter::new(DataBackupTaskDone {
            client: self.clone(),
            cluster_id,
            task_id,
        })
    }
}

/// What [`Client::wait_until_tasks_done`] and [`Client::wait_until_backup_done`] wait for.
#[derive(Debug)]
pub struct TasksDone {
    client: Client,
    ids: Vec<i64>,
    /// Why backupNow said a result was not started: the wait fails with it at once.
    not_started: Option<String>,
    /// Tasks seen `SUCCESSFUL`, not polled again.
    finished: Mutex<BTreeMap<i64, TaskInstance>>,
}

impl WaitFor for TasksDone {
    type Output = Vec<TaskInstance>;

    fn describe(&self) -> String {
        format!(
            "OCP task{} {}",
            if self.ids.len() == 1 { "" } else { "s" },
            self.ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    async fn start(&mut self) -> Result<(), Error> {
        if let Some(reason) = self.not_started.take() {
            return Err(JobFailed::new(VENDOR, "backupNow", "NOT_STARTED", Some(reason)).into());
        }
        if let Some(bad) = self.ids.iter().find(|id| **id < 1) {
            return Err(Error::invalid_input(
                "taskIdList",
                format!("must contain only positive ids (got {bad})"),
            ));
        }
        if self.ids.is_empty() {
            // Succeeding on nothing would report a backup done that nobody saw running.
            return Err(Error::invalid_input(
                "taskIdList",
                "is empty: there is no task to wait for (a backupNow answer without task \
                 ids started nothing that can be followed)",
            ));
        }
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<Vec<TaskInstance>>, Error> {
        self.client.poll_tasks(&self.ids, &self.finished).await
    }
}

/// What [`Client::wait_until_data_backup_task_done`] waits for.
#[derive(Debug, Clone)]
pub struct DataBackupTaskDone {
    client: Client,
    cluster_id: i64,
    task_id: i64,
}

impl WaitFor for DataBackupTaskDone {
    type Output = DataBackupTask;

    fn describe(&self) -> String {
        format!(
            "OCP data backup task {} of cluster {}",
            self.task_id, self.cluster_id
        )
    }

    async fn poll(&self) -> Result<PollState<DataBackupTask>, Error> {
        let tasks = self
            .client
            .data_backup_tasks(self.cluster_id)
            .collect()
            .await?;
        let Some(task) = tasks.into_iter().find(|t| t.task_id == Some(self.task_id)) else {
            return Ok(PollState::Pending(Progress::new("not listed")));
        };
        let status = task.status.clone().unwrap_or_default();
        match status.trim().to_ascii_uppercase().as_str() {
            "DONE" | "SUCCESS" | "SUCCESSFUL" => Ok(PollState::Done(task)),
            "FAILED" => {
                Err(JobFailed::new(VENDOR, self.task_id.to_string(), status, task.error_msg).into())
            }
            _ => Ok(PollState::Pending(Progress::new(status))),
        }
    }
}

impl Client {
    /// One round of polling: every unfinished task once.
    pub(crate) async fn poll_tasks(
        &self,
        ids: &[i64],
        finished: &Mutex<BTreeMap<i64, TaskInstance>>,
    ) -> Result<PollState<Vec<TaskInstance>>, Error> {
        let (mut done, mut total) = (0u64, 0u64);
        let mut message = None;
        // The time left of the slowest unfinished task; `None` once one predicts nothing.
        let now = self.connection().service_client().server_time();
        let mut time_left = Some(Duration::ZERO);
        let mut state = "RUNNING".to_owned();
        for &id in ids {
            let known = lock(finished).get(&id).cloned();
            let task = match known {
                Some(task) => task,
                None => self.get_task_instance().id(id).send().await?,
            };
            let (d, t) = task.subtask_progress();
            done += d;
            total += t;
            match &task.status {
                Some(TaskStatus::Successful) => {
                    lock(finished).insert(id, task);
                }
                Some(TaskStatus::Failed) => return Err(self.task_failure(id, &task).await),
                other => {
                    // An overdue prediction is zero: the waiter's floor bounds it.
                    time_left = time_left
                        .zip(task.projected_end())
                        .map(|(left, end)| left.max(end.duration_since(now).unwrap_or_default()));
                    if message.is_none() {
                        let running = task.running_subtasks();
                        message = Some(if running.is_empty() {
                            format!("task {id}")
                        } else {
                            format!("task {id}: {}", running.join(", "))
                        });
                        if let Some(status) = other {
                            state = status.as_str().to_owned();
                        }
                    }
                }
            }
        }
        let finished = lock(finished);
        if ids.iter().all(|id| finished.contains_key(id)) {
            return Ok(PollState::Done(
                ids.iter()
                    .filter_map(|id| finished.get(id).cloned())
                    .collect(),
            ));
        }
        let mut progress = Progress::new(state).with_steps(done, total);
        if let Some(message) = message {
            progress = progress.with_message(message);
        }
        if let Some(left) = time_left {
            progress = progress.with_estimated_remaining(left);
        }
        Ok(PollState::Pending(progress))
    }

    /// The error for a `FAILED` task: its failed subtask and why.
    async fn task_failure(&self, id: i64, task: &TaskInstance) -> Error {
        let task_name = task.name.as_deref().unwrap_or("task");
        let reason = match task.failed_subtask() {
            Some(subtask) => {
                let name = subtask.name.as_deref().unwrap_or("unnamed");
                let mut reason = format!("{task_name} failed at subtask {name:?}");
                if let Some(subtask_id) = subtask.id {
                    reason.push_str(&format!(" (subtask {subtask_id})"));
                }
                let detail = match subtask.id.filter(|s| *s > 0) {
                    Some(subtask_id) => self.log_tail(id, subtask_id).await,
                    None => None,
                };
                let detail = detail.or_else(|| {
                    subtask
                        .description
                        .as_deref()
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned)
                });
                if let Some(detail) = detail {
                    reason.push_str(": ");
                    reason.push_str(&detail);
                }
                reason
            }
            None => format!("{task_name} failed (no subtask is marked FAILED)"),
        };
        JobFailed::new(VENDOR, id.to_string(), "FAILED", Some(reason)).into()
    }

    /// The last lines of a subtask's log, or `None` when it cannot be read or is empty.
    async fn log_tail(&self, id: i64, subtask_id: i64) -> Option<String> {
        let log = match self
            .get_subtask_log()
            .id(id)
            .subtask_instance_id(subtask_id)
            .send()
            .await
        {
            Ok(log) => log.log?,
            Err(e) => {
                tracing::debug!(task = id, subtask = subtask_id, error = %e, "could not read the subtask log");
                return None;
            }
        };
        log_excerpt(&log)
    }

    /// Backs up cluster `cluster_id` to the storage its backup strategy configures: reads
    /// the strategy (`GET .../backup/config/backupStrategy`), then calls
    /// [`backup_now`](Client::backup_now) with the strategy's `backupMode` and
    /// `obBackupServiceStorageConfig` as OCP returned them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a cluster id that is not positive (nothing is sent);
    /// [`Error::UnparseableResponse`] when the strategy has no storage configuration or no
    /// backup mode (backupNow is then not sent); otherwise the errors of the two calls.
    pub async fn backup_now_with_configured_storage(
        &self,
        cluster_id: i64,
        data_backup_mode: impl Into<DataBackupMode>,
    ) -> Result<BackupCommonResponse, Error> {
        backup_core::operation::range_i64("id", cluster_id, Some(1), None)?;
        let data_backup_mode = data_backup_mode.into();
        let strategy = self.get_backup_strategy().id(cluster_id).send().await?;
        let storage = strategy.ob_backup_service_storage_config.ok_or_else(|| {
            response_error(
                "getBackupStrategy",
                "the cluster's backup strategy has no obBackupServiceStorageConfig",
                None,
            )
        })?;
        let backup_mode = strategy
            .backup_mode
            .filter(|m| *m != BackupMode::Unknown(String::new()))
            .ok_or_else(|| {
                response_error(
                    "getBackupStrategy",
                    "the cluster's backup strategy has no backupMode",
                    None,
                )
            })?;
        self.backup_now()
            .id(cluster_id)
            .backup_mode(backup_mode)
            .data_backup_mode(data_backup_mode)
            .ob_backup_service_storage_config(storage)
            .send()
            .await
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The last lines of a subtask log, bounded, for a failure reason; `None` when it has none.
pub(crate) fn log_excerpt(log: &str) -> Option<String> {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines
        .get(lines.len().saturating_sub(LOG_LINES)..)
        .unwrap_or_default()
        .join(" | ");
    if tail.is_empty() {
        return None;
    }
    let chars = tail.chars().count();
    Some(if chars > LOG_CHARS {
        let skip = chars - LOG_CHARS;
        format!("…{}", tail.chars().skip(skip).collect::<String>())
    } else {
        tail
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_names_a_task_exactly_when_it_lists_a_task_id() {
        for (data, named) in [
            (r#"{}"#, false),
            (r#"{"backupObjectOpsResultList":null}"#, false),
            (r#"{"backupObjectOpsResultList":[]}"#, false),
            (
                r#"{"backupObjectOpsResultList":[{"beSuccessful":true}]}"#,
                false,
            ),
            (
                r#"{"backupObjectOpsResultList":[{"taskIdList":[]},{"taskIdList":null}]}"#,
                false,
            ),
            (
                r#"{"backupObjectOpsResultList":[{"taskIdList":[]},{"taskIdList":[7]}]}"#,
                true,
            ),
            (
                r#"{"backupObjectOpsResultList":[{"taskIdList":[3,3]}]}"#,
                true,
            ),
        ] {
            let answer: BackupCommonResponse = serde_json::from_str(data).unwrap();
            assert_eq!(answer.names_a_task(), named, "{data}");
            assert_eq!(
                answer.names_a_task(),
                !answer.task_ids().is_empty(),
                "{data}"
            );
        }
    }
}
