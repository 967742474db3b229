//! `ges-backup`: createBackup of a Huawei GES graph; waiting follows the job, then checks
//! that the backup is listed.

use hw_ges_backup::{Client, CreateBackupFluentBuilder};
use serde_json::{Value, json};

use super::{Run, request_step};
use crate::error::CliError;
use crate::output::to_json;
use crate::reconcile::{Created, create_reconciled, verdicts_json};

const CREATE: &str = "ges createBackup";

/// The one create call this target makes.
fn create_call(client: &Client, graph_id: &str) -> CreateBackupFluentBuilder {
    client.create_backup().graph_id(graph_id)
}

pub(super) fn plan(client: &Client, graph_id: &str, wait: bool) -> Result<Vec<Value>, CliError> {
    let mut steps = vec![request_step(
        CREATE,
        create_call(client, graph_id).to_request(),
    )?];
    if wait {
        steps.push(json!(
            "then polls showJob until the job ends, and listGraphBackups"
        ));
    }
    Ok(steps)
}

pub(super) async fn run(client: &Client, graph_id: &str, run: &Run<'_>) -> Result<Value, CliError> {
    let (progress, config) = (run.progress, run.config);
    let created = create_reconciled(
        run.policy,
        CREATE,
        progress,
        move || create_call(client, graph_id).send(),
        move |attempt| async move { client.reconcile_create_backup(graph_id, &attempt).await },
    )
    .await?;
    let (started, reconciliation) = match created {
        Created::Answered { output, reconciled } => (output, verdicts_json(&reconciled)),
        Created::Found { id, reconciled } => {
            progress.note(&format!("createBackup made backup {id}, found by listing"));
            let mut result =
                json!({ "backupId": id, "reconciliation": verdicts_json(&reconciled) });
            if run.wait {
                let backup = client
                    .wait_until_backup_done(graph_id, &id)
                    .config(config)
                    .on_progress(|p| progress.update(p))
                    .wait()
                    .await
                    .map_err(|e| CliError::sdk_after_send("ges listGraphBackups", e))?;
                result["backup"] = to_json(&backup);
            }
            return Ok(result);
        }
    };
    progress.note(&format!("createBackup started job {}", started.job_id));
    let mut result = json!({ "jobId": started.job_id, "backupId": started.backup_id });
    if let Some(verdicts) = reconciliation {
        result["reconciliation"] = verdicts;
    }
    if run.wait {
        let job = client
            .wait_until_job_done(graph_id, &started.job_id)
            .config(config)
            .on_progress(|p| progress.update(p))
            .wait()
            .await
            .map_err(|e| CliError::sdk_after_send("ges showJob", e))?;
        result["jobStatus"] = to_json(&job.status);
        let backups = client
            .graph_backups(graph_id)
            .collect()
            .await
            .map_err(|e| CliError::sdk_after_send("ges listGraphBackups", e))?;
        let listed = backups
            .iter()
            .find(|b| started.backup_id.is_some() && b.id == started.backup_id);
        match (&started.backup_id, listed) {
            (Some(id), None) => {
                return Err(CliError::Failed(format!(
                    "ges listGraphBackups: job {} succeeded but backup {id} is not listed",
                    started.job_id
                )));
            }
            (_, Some(backup)) => result["backup"] = to_json(backup),
            (None, None) => {}
        }
    }
    Ok(result)
}
