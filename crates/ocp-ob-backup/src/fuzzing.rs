//! **Not part of the API**: the entry point `cargo xtask fuzz` drives. Hidden from the
//! documentation, exempt from semver, and free to change in any release.

use backup_core::operation::OperationSpec;
use backup_core::{Error, HttpResponse};
use serde::de::DeserializeOwned;

use crate::client::{OcpProtocol, VENDOR};
use crate::waiter::log_excerpt;
use crate::*;

/// The client's path after the request, as `Connection::call` runs it (one-pass decode of
/// a 2xx, else classification then the envelope), with a secret registered as it would
/// be after a backup request with storage keys.
fn run<O: DeserializeOwned + 'static>(
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    let mut response = response.clone();
    response.secrets.add("fuzz-storage-secret");
    backup_core::fuzzing::protocol_decode(&OcpProtocol, VENDOR, spec, &response)
}

/// What `wait_until_backup_done` reads from a backupNow answer.
fn started(output: &BackupCommonResponse) -> Result<(), Error> {
    std::hint::black_box(output.task_ids());
    for failed in output.failed_results() {
        std::hint::black_box((&failed.hint, &failed.error_code));
    }
    Ok(())
}

/// What the task waiter reads from one poll.
fn task(task: &TaskInstance) -> Result<(), Error> {
    std::hint::black_box((
        task.is_finished(),
        task.subtask_progress(),
        task.failed_subtask()
            .map(|s| (&s.name, s.id, &s.description)),
        task.running_subtasks(),
        task.status.as_ref().map(TaskStatus::as_str),
    ));
    Ok(())
}

fn subtask_log(log: &SubtaskLog) -> Result<(), Error> {
    std::hint::black_box(log.log.as_deref().and_then(log_excerpt));
    Ok(())
}

backup_core::fuzz_operations! {
    run;
    BACKUP_NOW_SPEC => BackupNowOutput => started,
    GET_BACKUP_STRATEGY_SPEC => GetBackupStrategyOutput,
    GET_SUBTASK_LOG_SPEC => GetSubtaskLogOutput => subtask_log,
    GET_TASK_INSTANCE_SPEC => GetTaskInstanceOutput => task,
    LIST_DATA_BACKUP_TASKS_SPEC => ListDataBackupTasksOutput,
    TENANT_BACKUP_NOW_SPEC => TenantBackupNowOutput => started,
}

/// The OCP timestamp parser (`2024-01-02T03:04:05.123+08:00`, and its variants).
pub fn timestamp(text: &str) -> backup_core::fuzzing::Outcome {
    backup_core::fuzzing::Outcome::of_option(&crate::parse_timestamp(text))
}
