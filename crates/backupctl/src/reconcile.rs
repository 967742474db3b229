//! What a backup target does when its create ends in `AmbiguousOutcome`: it asks the
//! vendor crate's `reconcile_*` whether the backup exists, then carries on with the backup
//! found (`Created`), creates once more (`NotCreated` with `--retry-ambiguous`), or fails
//! with the evidence (`NotCreated` without the flag, `Unknown`). Every verdict goes into
//! the target's result or error, and so into `--output json` and the plan report.

use std::future::Future;

use backup_core::poll::wait_until;
use backup_core::reconcile::{Attempt, Reconciliation};
use backup_core::{Error, JobFailed, PollState, Progress, WaitConfig};
use ncp_vcache::{BackupEntry, ManualBackups};
use serde_json::Value;

use crate::error::CliError;
use crate::progress::TargetProgress;

/// How a create ended, after reconciling when its outcome was ambiguous.
pub enum Created<T> {
    /// The vendor answered: at once, or on the one retry after `NotCreated`.
    Answered {
        output: T,
        reconciled: Vec<Reconciliation>,
    },
    /// The answer was lost, but the vendor shows the backup (or task) `id`.
    Found {
        id: String,
        reconciled: Vec<Reconciliation>,
    },
}

/// The verdicts as JSON, for results and reports; `None` when there were none.
pub fn verdicts_json(reconciled: &[Reconciliation]) -> Option<Value> {
    (!reconciled.is_empty())
        .then(|| serde_json::to_value(reconciled).unwrap_or(Value::Null))
        .filter(|v| !v.is_null())
}

/// Runs `create`; after an ambiguous outcome, `reconcile`s and decides (see the module
/// docs). A create is sent at most twice, the second time only after `NotCreated` and
/// with `retry_ambiguous`.
pub async fn create_reconciled<T, C, CF, R, RF>(
    retry_ambiguous: bool,
    context: &str,
    progress: &TargetProgress,
    mut create: C,
    mut reconcile: R,
) -> Result<Created<T>, CliError>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, Error>>,
    R: FnMut(Attempt) -> RF,
    RF: Future<Output = Reconciliation>,
{
    let mut reconciled: Vec<Reconciliation> = Vec::new();
    loop {
        let error = match create().await {
            Ok(output) => return Ok(Created::Answered { output, reconciled }),
            Err(error) => error,
        };
        let Some(attempt) = Attempt::from_error(&error) else {
            return Err(if reconciled.is_empty() {
                CliError::sdk(context, error)
            } else {
                CliError::reconciled(context, error, reconciled, retry_ambiguous)
            });
        };
        progress.note(&format!(
            "{context}: the outcome is unknown; listing what the vendor shows since the attempt"
        ));
        let verdict = reconcile(attempt).await;
        progress.note(&verdict.to_string());
        let may_retry = retry_ambiguous && reconciled.is_empty() && verdict.is_not_created();
        let found = verdict.created_id().map(str::to_owned);
        reconciled.push(verdict);
        if let Some(id) = found {
            return Ok(Created::Found { id, reconciled });
        }
        if !may_retry {
            return Err(CliError::reconciled(
                context,
                error,
                reconciled,
                retry_ambiguous,
            ));
        }
        progress.note(&format!(
            "{context}: nothing was created; sending it once more (--retry-ambiguous)"
        ));
    }
}

/// What the failure line adds after the SDK's error: the last verdict and what to do.
pub fn advice(reconciled: &[Reconciliation], retry_ambiguous: bool) -> String {
    let Some(last) = reconciled.last() else {
        return String::new();
    };
    let what_to_do = match last {
        Reconciliation::NotCreated { .. } if retry_ambiguous => {
            "nothing was created by either attempt; run it again"
        }
        Reconciliation::NotCreated { .. } => {
            "nothing was created; run it again, or pass --retry-ambiguous to retry such a \
             create once automatically"
        }
        _ => "check what the vendor lists before running it again",
    };
    format!("{last}; {what_to_do}")
}

/// Waits until GES lists backup `backup_id` of `graph_id` as `success` (the job that made
/// it is not known when only the listing found it).
pub async fn wait_for_ges_backup(
    client: &hw_ges_backup::Client,
    graph_id: &str,
    backup_id: &str,
    config: &WaitConfig,
    progress: &TargetProgress,
) -> Result<hw_ges_backup::Backup, CliError> {
    use hw_ges_backup::BackupStatus;
    let what = format!("GES backup {backup_id} of graph {graph_id}");
    wait_until(
        &what,
        config,
        move || async move {
            let backups = client.graph_backups(graph_id).collect().await?;
            let Some(backup) = backups
                .into_iter()
                .find(|b| b.id.as_deref() == Some(backup_id))
            else {
                return Ok(PollState::Pending(Progress::new("not listed")));
            };
            match &backup.status {
                Some(BackupStatus::Success) => Ok(PollState::Done(backup)),
                Some(BackupStatus::Failed) => Err(JobFailed::new(
                    hw_ges_backup::VENDOR,
                    backup_id,
                    "failed",
                    Some("listGraphBackups lists the backup as failed".into()),
                )
                .into()),
                other => Ok(PollState::Pending(Progress::new(
                    other.as_ref().map_or("listed", |s| s.as_str()),
                ))),
            }
        },
        |p| progress.update(p),
    )
    .await
    .map_err(|e| CliError::sdk_after_send("ges listGraphBackups", e))
}

/// Waits until OCP lists data backup task `task_id` of `cluster_id` as `DONE`.
pub async fn wait_for_ocp_task(
    client: &ocp_ob_backup::Client,
    cluster_id: i64,
    task_id: &str,
    config: &WaitConfig,
    progress: &TargetProgress,
) -> Result<ocp_ob_backup::DataBackupTask, CliError> {
    let what = format!("OCP data backup task {task_id} of cluster {cluster_id}");
    wait_until(
        &what,
        config,
        move || async move {
            let tasks = client.data_backup_tasks(cluster_id).collect_all().await?;
            let Some(task) = tasks
                .into_iter()
                .find(|t| t.task_id.map(|id| id.to_string()).as_deref() == Some(task_id))
            else {
                return Ok(PollState::Pending(Progress::new("not listed")));
            };
            let status = task.status.clone().unwrap_or_default();
            match status.trim().to_ascii_uppercase().as_str() {
                "DONE" | "SUCCESS" | "SUCCESSFUL" => Ok(PollState::Done(task)),
                "FAILED" => Err(JobFailed::new("ocp", task_id, status, task.error_msg).into()),
                _ => Ok(PollState::Pending(Progress::new(status))),
            }
        },
        |p| progress.update(p),
    )
    .await
    .map_err(|e| CliError::sdk_after_send("ocp listDataBackupTasks", e))
}

/// Waits until the manual backup `id` (its file name, else its start time, as the
/// reconciliation named it) is listed with an end time.
pub async fn wait_for_manual_backup<C: ManualBackups>(
    client: &C,
    list_operation: &str,
    instance_no: &str,
    id: &str,
    config: &WaitConfig,
    progress: &TargetProgress,
) -> Result<C::Backup, CliError> {
    let what = format!("manual backup {id} of {} {instance_no}", C::INSTANCE_PARAM);
    wait_until(
        &what,
        config,
        move || async move {
            let entries = client.list_manual_backups(instance_no, None).await?;
            let found = entries
                .into_iter()
                .find(|e| e.file_name().or_else(|| e.start_time()) == Some(id));
            Ok(match found {
                Some(entry) if entry.has_ended() => PollState::Done(entry),
                Some(_) => PollState::Pending(Progress::new("in progress")),
                None => PollState::Pending(Progress::new("not listed")),
            })
        },
        |p| progress.update(p),
    )
    .await
    .map_err(|e| CliError::sdk_after_send(list_operation, e))
}
