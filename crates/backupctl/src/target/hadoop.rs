//! `ncp-hadoop-config`: backupClusterConfiguration of a Cloud Hadoop cluster.

use ncp_vhadoop::{BackupClusterConfigurationFluentBuilder, Client};
use serde_json::{Value, json};

use super::{Run, request_step};
use crate::error::CliError;
use crate::reconcile::{Created, create_reconciled};

const CREATE: &str = "ncp-vhadoop backupClusterConfiguration";

/// What waiting for a Cloud Hadoop configuration backup can truthfully claim: the
/// operation returns no job and no NCP API reports its progress (seed 000), so the wait is
/// for the cluster alone.
pub const HADOOP_WAITED_FOR: &str = "the cluster to be running (status CREAT, operation NULL); \
     no NCP API reports a configuration backup, so its completion and the configuration \
     files in the bucket are not verified";

/// The one call this target makes.
fn backup_call(client: &Client, instance_no: &str) -> BackupClusterConfigurationFluentBuilder {
    client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(instance_no)
}

pub(super) fn plan(client: &Client, instance_no: &str, wait: bool) -> Result<Vec<Value>, CliError> {
    let call = backup_call(client, instance_no);
    let mut steps = vec![request_step(CREATE, call.to_request())?];
    if wait {
        steps.push(json!(
            "then polls getCloudHadoopInstanceDetail until the cluster is running"
        ));
    }
    Ok(steps)
}

pub(super) async fn run(
    client: &Client,
    instance_no: &str,
    run: &Run<'_>,
) -> Result<Value, CliError> {
    let progress = run.progress;
    // No NCP API shows a configuration backup, so an ambiguous one reconciles to
    // `Unknown` and fails with the cluster's state as evidence.
    let created = create_reconciled(
        run.policy,
        CREATE,
        progress,
        move || backup_call(client, instance_no).send(),
        move |attempt| async move {
            client
                .reconcile_backup_cluster_configuration(instance_no, &attempt)
                .await
        },
    )
    .await?;
    let out = match created {
        Created::Answered { output, .. } => output,
        Created::Found { id, .. } => {
            return Err(CliError::Failed(format!(
                "{CREATE}: unexpected reconciliation to {id}"
            )));
        }
    };
    progress.note(&format!(
        "backupClusterConfiguration accepted (request id {})",
        out.request_id.as_deref().unwrap_or("?")
    ));
    let mut result = json!({ "requestId": out.request_id });
    if run.wait {
        let cluster = client
            .wait_until_cluster_running(instance_no)
            .config(run.config)
            .on_progress(|p| progress.update(p))
            .wait()
            .await
            .map_err(|e| CliError::sdk_after_send("ncp-vhadoop getCloudHadoopInstanceDetail", e))?;
        result["cluster"] = json!({
            "status": cluster.cloud_hadoop_instance_status_name,
            "objectStorageBucket": cluster.object_storage_bucket,
        });
        progress.note(&format!("waited for {HADOOP_WAITED_FOR}"));
        result["waitedFor"] = json!(HADOOP_WAITED_FOR);
    }
    Ok(result)
}
