//! A backup target: one backup of one resource at one vendor, as a plan lists it or a
//! vendor command names it. It can be described without sending anything (`--dry-run`) and
//! run, optionally waiting for the backup to finish.

use std::path::{Path, PathBuf};

use backup_core::Error;
use backup_core::operation::{OperationSpec, RequestParts};
use clap::ValueEnum;
use ncp_vcache::{BackupEntry, ManualBackups};
use ocp_ob_backup::{BackupMode, BackupStorageConfig, DataBackupMode};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::cli::{BackupTypeArg, OcpDataArg, OcpModeArg};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{redact, to_json};
use crate::progress::TargetProgress;
use crate::reconcile::{Created, create_reconciled, verdicts_json};

/// What to back up. In a plan, `kind` picks the variant and the other keys are its fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TargetSpec {
    /// NCP Cloud Hadoop: backupClusterConfiguration; waiting means until the cluster is
    /// running, which says nothing about the backup ([`HADOOP_WAITED_FOR`]).
    NcpHadoopConfig {
        #[serde(deserialize_with = "string_or_number")]
        instance_no: String,
    },
    /// NCP Cloud DB for Cache (or Redis): a manual backup; waiting means until it is listed
    /// as finished. With `export_bucket`, the finished backup is then exported there.
    NcpCacheBackup {
        #[serde(deserialize_with = "string_or_number")]
        instance_no: String,
        #[serde(default)]
        redis: bool,
        #[serde(default)]
        export_bucket: Option<String>,
    },
    /// NCP Cloud DB for Cache (or Redis): export a backup file to Object Storage.
    NcpCacheExport {
        #[serde(deserialize_with = "string_or_number")]
        instance_no: String,
        #[serde(default)]
        redis: bool,
        #[serde(deserialize_with = "string_or_number")]
        file_name: String,
        bucket: String,
        #[serde(default = "manual")]
        backup_type: BackupTypeArg,
    },
    /// OCP: backupNow of a cluster, or of one tenant; waiting follows its tasks.
    OcpBackupNow {
        cluster_id: i64,
        #[serde(default)]
        tenant_id: Option<i64>,
        #[serde(default)]
        mode: Option<OcpModeArg>,
        #[serde(default = "full")]
        data: OcpDataArg,
        #[serde(default)]
        storage_config: Option<PathBuf>,
    },
    /// Huawei GES: createBackup of a graph; waiting follows the job, then checks that the
    /// backup is listed.
    GesBackup { graph_id: String },
}

/// What waiting for a Cloud Hadoop configuration backup can truthfully claim: the
/// operation returns no job and no NCP API reports its progress (seed 000), so the wait is
/// for the cluster alone.
pub const HADOOP_WAITED_FOR: &str = "the cluster to be running (status CREAT, operation NULL); \
     no NCP API reports a configuration backup, so its completion and the configuration \
     files in the bucket are not verified";

fn manual() -> BackupTypeArg {
    BackupTypeArg::Manual
}

fn full() -> OcpDataArg {
    OcpDataArg::Full
}

/// Instance numbers are strings on the wire but easy to write as TOML integers.
fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(i64),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::Text(s) => s,
        Either::Number(n) => n.to_string(),
    })
}

/// How a target ended.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub name: String,
    pub kind: String,
    pub status: TargetStatus,
    pub elapsed_ms: u128,
    /// What the vendor returned: request ids, job and task ids, the listed backup.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub result: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// `succeeded`, `failed`, or `planned` in a dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetStatus {
    Succeeded,
    Failed,
    Planned,
}

/// A failure, with the vendor's words.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The backup may have started although the call failed: check before running again.
    pub ambiguous: bool,
    /// What reconciling the ambiguous create found, with the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<Value>,
}

impl ErrorReport {
    pub fn from_cli(error: &CliError) -> Self {
        match error {
            CliError::Sdk { error: sdk, .. } => Self {
                message: error.to_string(),
                // Server text: escaped like the message, so no control sequence reaches
                // a terminal that shows the report.
                code: sdk.code().map(backup_core::redact::escape),
                request_id: sdk.request_id().map(backup_core::redact::escape),
                http_status: sdk.http_status(),
                ambiguous: sdk.is_ambiguous_outcome(),
                reconciliation: None,
            },
            CliError::Reconciled(failure) => Self {
                message: error.to_string(),
                code: failure.error.code().map(backup_core::redact::escape),
                request_id: failure.error.request_id().map(backup_core::redact::escape),
                http_status: failure.error.http_status(),
                ambiguous: true,
                reconciliation: verdicts_json(&failure.reconciled),
            },
            other => Self {
                message: other.to_string(),
                code: None,
                request_id: None,
                http_status: None,
                ambiguous: false,
                reconciliation: None,
            },
        }
    }
}

impl TargetSpec {
    /// The plan's `kind` of this target.
    pub fn kind(&self) -> &'static str {
        match self {
            TargetSpec::NcpHadoopConfig { .. } => "ncp-hadoop-config",
            TargetSpec::NcpCacheBackup { .. } => "ncp-cache-backup",
            TargetSpec::NcpCacheExport { .. } => "ncp-cache-export",
            TargetSpec::OcpBackupNow { .. } => "ocp-backup-now",
            TargetSpec::GesBackup { .. } => "ges-backup",
        }
    }

    /// A name for reports when the plan gives none: the kind and the resource.
    pub fn default_name(&self) -> String {
        match self {
            TargetSpec::NcpHadoopConfig { instance_no } => format!("hadoop-{instance_no}"),
            TargetSpec::NcpCacheBackup {
                instance_no, redis, ..
            } => format!("{}-{instance_no}", family(*redis)),
            TargetSpec::NcpCacheExport {
                instance_no,
                redis,
                file_name,
                ..
            } => format!("{}-{instance_no}-export-{file_name}", family(*redis)),
            TargetSpec::OcpBackupNow {
                cluster_id,
                tenant_id,
                ..
            } => match tenant_id {
                Some(t) => format!("ocp-{cluster_id}-tenant-{t}"),
                None => format!("ocp-{cluster_id}"),
            },
            TargetSpec::GesBackup { graph_id } => format!("ges-{graph_id}"),
        }
    }

    /// Checks what can be checked without sending (the SDK's own validation of every
    /// request, files that must exist) and returns the requests the target would send.
    pub async fn plan_requests(&self, ctx: &Context, wait: bool) -> Result<Vec<String>, CliError> {
        let mut steps = Vec::new();
        match self {
            TargetSpec::NcpHadoopConfig { instance_no } => {
                let client = ctx.hadoop()?;
                let op = client
                    .backup_cluster_configuration()
                    .cloud_hadoop_instance_no(instance_no);
                steps.push(ncp_request(
                    client.gateway(),
                    &ncp_vhadoop::BACKUP_CLUSTER_CONFIGURATION_SPEC,
                    op.as_input().to_request_parts(),
                )?);
                if wait {
                    steps.push(
                        "then polls getCloudHadoopInstanceDetail until the cluster is running"
                            .into(),
                    );
                }
            }
            TargetSpec::NcpCacheBackup {
                instance_no,
                redis,
                export_bucket,
            } => {
                if export_bucket.is_some() && !wait {
                    return Err(CliError::Usage(
                        "export_bucket needs the backup's file name, so it needs wait = true"
                            .into(),
                    ));
                }
                let (gateway, spec, parts) = if *redis {
                    let client = ctx.vredis()?;
                    let op = client
                        .create_cloud_redis_manual_backup()
                        .cloud_redis_instance_no(instance_no);
                    (
                        client.gateway(),
                        &ncp_vcache::vredis::CREATE_CLOUD_REDIS_MANUAL_BACKUP_SPEC,
                        op.as_input().to_request_parts(),
                    )
                } else {
                    let client = ctx.vcache()?;
                    let op = client
                        .create_cloud_cache_manual_backup()
                        .cloud_cache_instance_no(instance_no);
                    (
                        client.gateway(),
                        &ncp_vcache::vcache::CREATE_CLOUD_CACHE_MANUAL_BACKUP_SPEC,
                        op.as_input().to_request_parts(),
                    )
                };
                let list = if *redis {
                    "getCloudRedisManualBackupDetailList"
                } else {
                    "getCloudCacheManualBackupDetailList"
                };
                if wait {
                    steps.push(format!("lists {list} (the backups before)"));
                }
                steps.push(ncp_request(gateway, spec, parts)?);
                if wait {
                    steps.push(format!("then polls {list} until the new backup has ended"));
                }
                if let Some(bucket) = export_bucket {
                    steps.push(format!(
                        "then exportBackupToObjectStorage of the new backup file to bucket {bucket}"
                    ));
                }
            }
            TargetSpec::NcpCacheExport {
                instance_no,
                redis,
                file_name,
                bucket,
                backup_type,
            } => {
                let step = if *redis {
                    let client = ctx.vredis()?;
                    let op = client
                        .export_backup_to_object_storage()
                        .cloud_redis_instance_no(instance_no)
                        .file_name(file_name)
                        .bucket_name(bucket)
                        .backup_type_mode(redis_backup_type(*backup_type));
                    ncp_request(
                        client.gateway(),
                        &ncp_vcache::vredis::EXPORT_BACKUP_TO_OBJECT_STORAGE_SPEC,
                        op.as_input().to_request_parts(),
                    )?
                } else {
                    let client = ctx.vcache()?;
                    let op = client
                        .export_backup_to_object_storage()
                        .cloud_cache_instance_no(instance_no)
                        .file_name(file_name)
                        .bucket_name(bucket)
                        .backup_type_mode(cache_backup_type(*backup_type));
                    ncp_request(
                        client.gateway(),
                        &ncp_vcache::vcache::EXPORT_BACKUP_TO_OBJECT_STORAGE_SPEC,
                        op.as_input().to_request_parts(),
                    )?
                };
                steps.push(step);
            }
            TargetSpec::OcpBackupNow {
                cluster_id,
                tenant_id,
                mode,
                data,
                storage_config,
            } => {
                let client = ctx.ocp()?;
                let endpoint = client.endpoint();
                let mode = mode.map(backup_mode);
                let spec = if tenant_id.is_some() {
                    &ocp_ob_backup::TENANT_BACKUP_NOW_SPEC
                } else {
                    &ocp_ob_backup::BACKUP_NOW_SPEC
                };
                match storage_config {
                    Some(path) => {
                        let file = read_storage_config(path).await?;
                        let mode = file.mode_or(mode, path)?;
                        let parts = match tenant_id {
                            Some(tenant) => client
                                .tenant_backup_now()
                                .id(*cluster_id)
                                .tenant_id(*tenant)
                                .backup_mode(mode)
                                .data_backup_mode(data_mode(*data))
                                .ob_backup_service_storage_config(file.storage)
                                .as_input()
                                .to_request_parts(),
                            None => client
                                .backup_now()
                                .id(*cluster_id)
                                .backup_mode(mode)
                                .data_backup_mode(data_mode(*data))
                                .ob_backup_service_storage_config(file.storage)
                                .as_input()
                                .to_request_parts(),
                        };
                        steps.push(plain_request(&endpoint, spec, parts, "ocp")?);
                    }
                    None => {
                        // The request body is only known once the strategy is read: check
                        // the ids and describe the rest.
                        if let Some(tenant) = tenant_id {
                            backup_core::operation::range_i64("tenantId", *tenant, Some(1), None)
                                .map_err(|e| CliError::sdk("ocp tenantBackupNow", e))?;
                        }
                        let op = client.get_backup_strategy().id(*cluster_id);
                        steps.push(plain_request(
                            &endpoint,
                            &ocp_ob_backup::GET_BACKUP_STRATEGY_SPEC,
                            op.as_input().to_request_parts(),
                            "ocp",
                        )?);
                        let mut path = spec.path_template.replace("{id}", &cluster_id.to_string());
                        if let Some(tenant) = tenant_id {
                            path = path.replace("{tenantId}", &tenant.to_string());
                        }
                        steps.push(format!(
                            "then {} {}{path} with the strategy's storage, backupMode {}, \
                             dataBackupMode {}",
                            spec.method.as_str(),
                            endpoint.trim_end_matches('/'),
                            mode.as_ref().map_or("from the strategy", |m| m.as_str()),
                            data_mode(*data).as_str()
                        ));
                    }
                }
                if wait {
                    steps.push("then polls getTaskInstance for every task it starts".into());
                }
            }
            TargetSpec::GesBackup { graph_id } => {
                let client = ctx.ges()?;
                let op = client.create_backup().graph_id(graph_id);
                steps.push(plain_request(
                    &client.endpoint(),
                    &hw_ges_backup::CREATE_BACKUP_SPEC,
                    // `project_id` is filled by the client when sent (`x-client-supplied`).
                    op.as_input().to_request_parts().map(|mut parts| {
                        if let Some(project_id) = client.project_id() {
                            parts.fill_path_param("project_id", project_id);
                        }
                        parts
                    }),
                    "ges",
                )?);
                if wait {
                    steps
                        .push("then polls showJob until the job ends, and listGraphBackups".into());
                }
            }
        }
        Ok(steps)
    }

    /// Runs the target. `wait` follows the backup to its end.
    pub async fn run(
        &self,
        ctx: &Context,
        wait: bool,
        progress: &TargetProgress,
    ) -> Result<Value, CliError> {
        let config = ctx.wait_config();
        match self {
            TargetSpec::NcpHadoopConfig { instance_no } => {
                let client = ctx.hadoop()?;
                // No NCP API shows a configuration backup, so an ambiguous one reconciles
                // to `Unknown` and fails with the cluster's state as evidence.
                let created = create_reconciled(
                    ctx.global.retry_ambiguous,
                    "ncp-vhadoop backupClusterConfiguration",
                    progress,
                    move || {
                        client
                            .backup_cluster_configuration()
                            .cloud_hadoop_instance_no(instance_no)
                            .send()
                    },
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
                            "ncp-vhadoop backupClusterConfiguration: unexpected reconciliation to {id}"
                        )));
                    }
                };
                progress.note(&format!(
                    "backupClusterConfiguration accepted (request id {})",
                    out.request_id.as_deref().unwrap_or("?")
                ));
                let mut result = json!({ "requestId": out.request_id });
                if wait {
                    let cluster = client
                        .wait_until_running(instance_no)
                        .config(config)
                        .wait_with_progress(|p| progress.update(p))
                        .await
                        .map_err(|e| {
                            CliError::sdk_after_send("ncp-vhadoop getCloudHadoopInstanceDetail", e)
                        })?;
                    result["cluster"] = json!({
                        "status": cluster.cloud_hadoop_instance_status_name,
                        "objectStorageBucket": cluster.object_storage_bucket,
                    });
                    progress.note(&format!("waited for {HADOOP_WAITED_FOR}"));
                    result["waitedFor"] = json!(HADOOP_WAITED_FOR);
                }
                Ok(result)
            }
            TargetSpec::NcpCacheBackup {
                instance_no,
                redis,
                export_bucket,
            } => {
                if export_bucket.is_some() && !wait {
                    return Err(CliError::Usage(
                        "export_bucket needs the backup's file name, so it needs wait = true"
                            .into(),
                    ));
                }
                let retry = ctx.global.retry_ambiguous;
                let (mut result, file_name) = if *redis {
                    cache_backup(ctx.vredis()?, instance_no, wait, config, progress, retry).await?
                } else {
                    cache_backup(ctx.vcache()?, instance_no, wait, config, progress, retry).await?
                };
                if let Some(bucket) = export_bucket {
                    let Some(file_name) = file_name else {
                        return Err(CliError::Failed(format!(
                            "{}: the new backup is listed without a fileName, so it cannot be \
                             exported by name",
                            family(*redis)
                        )));
                    };
                    let request_id = export(
                        ctx,
                        *redis,
                        instance_no,
                        &file_name,
                        bucket,
                        BackupTypeArg::Manual,
                    )
                    .await
                    .map_err(CliError::after_send)?;
                    progress.note(&format!("export of {file_name} to {bucket} requested"));
                    result["export"] =
                        json!({ "fileName": file_name, "bucket": bucket, "requestId": request_id });
                }
                Ok(result)
            }
            TargetSpec::NcpCacheExport {
                instance_no,
                redis,
                file_name,
                bucket,
                backup_type,
            } => {
                let request_id =
                    export(ctx, *redis, instance_no, file_name, bucket, *backup_type).await?;
                progress.note(&format!("export of {file_name} to {bucket} requested"));
                Ok(json!({ "requestId": request_id, "fileName": file_name, "bucket": bucket }))
            }
            TargetSpec::OcpBackupNow {
                cluster_id,
                tenant_id,
                mode,
                data,
                storage_config,
            } => {
                let client = ctx.ocp()?;
                // Errors after the strategy was read exit 1: something was sent.
                let (storage, mode, sent) = match storage_config {
                    Some(path) => {
                        let file = read_storage_config(path).await?;
                        let mode = file.mode_or(mode.map(backup_mode), path)?;
                        (file.storage, mode, false)
                    }
                    None => {
                        let strategy = client
                            .get_backup_strategy()
                            .id(*cluster_id)
                            .send()
                            .await
                            .map_err(|e| CliError::sdk("ocp getBackupStrategy", e))?;
                        let storage =
                            strategy.ob_backup_service_storage_config.ok_or_else(|| {
                                CliError::Failed(format!(
                                    "ocp getBackupStrategy: cluster {cluster_id}'s backup strategy \
                                 configures no storage; pass --storage-config FILE"
                                ))
                            })?;
                        let strategy_mode = strategy
                            .backup_mode
                            .filter(|m| !matches!(m, BackupMode::Unknown(text) if text.is_empty()));
                        let mode = match (mode, strategy_mode) {
                            (Some(m), _) => backup_mode(*m),
                            (None, Some(m)) => m,
                            (None, None) => {
                                return Err(CliError::Failed(format!(
                                    "ocp getBackupStrategy: cluster {cluster_id}'s backup strategy \
                                     names no backupMode; pass --mode"
                                )));
                            }
                        };
                        (storage, mode, true)
                    }
                };
                let (cluster_id, tenant_id) = (*cluster_id, *tenant_id);
                let created = create_reconciled(
                    ctx.global.retry_ambiguous,
                    if tenant_id.is_some() {
                        "ocp tenantBackupNow"
                    } else {
                        "ocp backupNow"
                    },
                    progress,
                    move || {
                        let (storage, mode) = (storage.clone(), mode.clone());
                        async move {
                            match tenant_id {
                                Some(tenant) => {
                                    client
                                        .tenant_backup_now()
                                        .id(cluster_id)
                                        .tenant_id(tenant)
                                        .backup_mode(mode)
                                        .data_backup_mode(data_mode(*data))
                                        .ob_backup_service_storage_config(storage)
                                        .send()
                                        .await
                                }
                                None => {
                                    client
                                        .backup_now()
                                        .id(cluster_id)
                                        .backup_mode(mode)
                                        .data_backup_mode(data_mode(*data))
                                        .ob_backup_service_storage_config(storage)
                                        .send()
                                        .await
                                }
                            }
                        }
                    },
                    move |attempt| async move {
                        client
                            .reconcile_backup_now(cluster_id, tenant_id, &attempt)
                            .await
                    },
                )
                .await
                .map_err(|e| if sent { e.after_send() } else { e })?;
                let (started, reconciliation) = match created {
                    Created::Answered { output, reconciled } => {
                        (output, verdicts_json(&reconciled))
                    }
                    Created::Found { id, reconciled } => {
                        progress.note(&format!("backupNow started task {id}, found by listing"));
                        let mut result = json!({ "taskIds": [id], "reconciliation": verdicts_json(&reconciled) });
                        if wait {
                            let task = crate::reconcile::wait_for_ocp_task(
                                client, cluster_id, &id, &config, progress,
                            )
                            .await?;
                            result["task"] = to_json(&task);
                        }
                        return Ok(result);
                    }
                };
                let task_ids = started.task_ids();
                progress.note(&format!("backupNow started tasks {task_ids:?}"));
                let mut result = json!({ "taskIds": task_ids, "started": to_json(&started) });
                if let Some(verdicts) = reconciliation {
                    result["reconciliation"] = verdicts;
                }
                if wait {
                    let tasks = client
                        .wait_for_backup(&started, &config, |p| progress.update(p))
                        .await
                        .map_err(|e| CliError::sdk_after_send("ocp getTaskInstance", e))?;
                    result["tasks"] = tasks
                        .iter()
                        .map(|t| json!({"id": t.id, "name": t.name, "status": t.status, "finishTime": t.finish_time}))
                        .collect();
                }
                Ok(result)
            }
            TargetSpec::GesBackup { graph_id } => {
                let client = ctx.ges()?;
                let created = create_reconciled(
                    ctx.global.retry_ambiguous,
                    "ges createBackup",
                    progress,
                    move || client.create_backup().graph_id(graph_id).send(),
                    move |attempt| async move {
                        client.reconcile_create_backup(graph_id, &attempt).await
                    },
                )
                .await?;
                let (started, reconciliation) = match created {
                    Created::Answered { output, reconciled } => {
                        (output, verdicts_json(&reconciled))
                    }
                    Created::Found { id, reconciled } => {
                        progress.note(&format!("createBackup made backup {id}, found by listing"));
                        let mut result =
                            json!({ "backupId": id, "reconciliation": verdicts_json(&reconciled) });
                        if wait {
                            let backup = crate::reconcile::wait_for_ges_backup(
                                client, graph_id, &id, &config, progress,
                            )
                            .await?;
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
                if wait {
                    let job = client
                        .wait_for_job(graph_id, &started.job_id, &config, |p| progress.update(p))
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
        }
    }
}

fn family(redis: bool) -> &'static str {
    if redis { "redis" } else { "cache" }
}

async fn cache_backup<C>(
    client: &C,
    instance_no: &str,
    wait: bool,
    config: backup_core::WaitConfig,
    progress: &TargetProgress,
    retry_ambiguous: bool,
) -> Result<(Value, Option<String>), CliError>
where
    C: CacheClient,
{
    // With --wait, a backup not listed within the wait's deadline would fail the command
    // anyway, so reconciling may watch the list that long before saying `NotCreated`;
    // without it, one listing cannot prove that none was made (see the SDK's docs).
    let watch = if wait {
        config.timeout
    } else {
        std::time::Duration::ZERO
    };
    let reconcile = move |attempt| async move {
        client
            .reconcile_manual_backup(instance_no, &attempt, watch)
            .await
    };
    if !wait {
        let created = create_reconciled(
            retry_ambiguous,
            C::CREATE,
            progress,
            move || client.create_manual_backup(instance_no, None),
            reconcile,
        )
        .await?;
        let (request_id, reconciled) = match created {
            Created::Answered { output, reconciled } => (output, reconciled),
            Created::Found { id, reconciled } => {
                let result =
                    json!({ "backup": { "id": id }, "reconciliation": verdicts_json(&reconciled) });
                return Ok((result, None));
            }
        };
        progress.note(&format!(
            "{} accepted (request id {})",
            C::CREATE,
            request_id.as_deref().unwrap_or("?")
        ));
        let mut result = json!({ "requestId": request_id });
        if let Some(verdicts) = verdicts_json(&reconciled) {
            result["reconciliation"] = verdicts;
        }
        return Ok((result, None));
    }
    let created = create_reconciled(
        retry_ambiguous,
        C::CREATE,
        progress,
        move || client.create_and_wait(instance_no, config, progress),
        reconcile,
    )
    .await?;
    let (backup, reconciled) = match created {
        Created::Answered { output, reconciled } => (output, reconciled),
        Created::Found { id, reconciled } => {
            let backup = crate::reconcile::wait_for_manual_backup(
                client,
                C::LIST,
                instance_no,
                &id,
                &config,
                progress,
            )
            .await?;
            (backup, reconciled)
        }
    };
    let file_name = backup.file_name().map(str::to_owned);
    let mut result = json!({ "backup": to_json(&backup) });
    if let Some(verdicts) = verdicts_json(&reconciled) {
        result["reconciliation"] = verdicts;
    }
    Ok((result, file_name))
}

/// The two NCP cache API families, as the target runner uses them: the SDK's
/// `ManualBackups`, plus the waiter each client builds for itself.
trait CacheClient: ManualBackups<Backup: Serialize> {
    const CREATE: &'static str;
    const LIST: &'static str;
    async fn reconcile_manual_backup(
        &self,
        instance_no: &str,
        attempt: &backup_core::reconcile::Attempt,
        watch: std::time::Duration,
    ) -> backup_core::reconcile::Reconciliation;
    async fn create_and_wait(
        &self,
        instance_no: &str,
        config: backup_core::WaitConfig,
        progress: &TargetProgress,
    ) -> Result<<Self as ManualBackups>::Backup, Error>;
}

impl CacheClient for ncp_vcache::vcache::Client {
    const CREATE: &'static str = "ncp-vcache createCloudCacheManualBackup";
    const LIST: &'static str = "ncp-vcache getCloudCacheManualBackupDetailList";

    async fn reconcile_manual_backup(
        &self,
        instance_no: &str,
        attempt: &backup_core::reconcile::Attempt,
        watch: std::time::Duration,
    ) -> backup_core::reconcile::Reconciliation {
        ncp_vcache::vcache::Client::reconcile_manual_backup(self, instance_no, attempt, watch).await
    }

    async fn create_and_wait(
        &self,
        instance_no: &str,
        config: backup_core::WaitConfig,
        progress: &TargetProgress,
    ) -> Result<<Self as ManualBackups>::Backup, Error> {
        self.create_manual_backup_and_wait(instance_no)
            .config(config)
            .wait_with_progress(|p| progress.update(p))
            .await
    }
}

impl CacheClient for ncp_vcache::vredis::Client {
    const CREATE: &'static str = "ncp-vredis createCloudRedisManualBackup";
    const LIST: &'static str = "ncp-vredis getCloudRedisManualBackupDetailList";

    async fn reconcile_manual_backup(
        &self,
        instance_no: &str,
        attempt: &backup_core::reconcile::Attempt,
        watch: std::time::Duration,
    ) -> backup_core::reconcile::Reconciliation {
        ncp_vcache::vredis::Client::reconcile_manual_backup(self, instance_no, attempt, watch).await
    }

    async fn create_and_wait(
        &self,
        instance_no: &str,
        config: backup_core::WaitConfig,
        progress: &TargetProgress,
    ) -> Result<<Self as ManualBackups>::Backup, Error> {
        self.create_manual_backup_and_wait(instance_no)
            .config(config)
            .wait_with_progress(|p| progress.update(p))
            .await
    }
}

async fn export(
    ctx: &Context,
    redis: bool,
    instance_no: &str,
    file_name: &str,
    bucket: &str,
    backup_type: BackupTypeArg,
) -> Result<Option<String>, CliError> {
    if redis {
        let out = ctx
            .vredis()?
            .export_backup_to_object_storage()
            .cloud_redis_instance_no(instance_no)
            .file_name(file_name)
            .bucket_name(bucket)
            .backup_type_mode(redis_backup_type(backup_type))
            .send()
            .await
            .map_err(|e| CliError::sdk("ncp-vredis exportBackupToObjectStorage", e))?;
        Ok(out.request_id)
    } else {
        let out = ctx
            .vcache()?
            .export_backup_to_object_storage()
            .cloud_cache_instance_no(instance_no)
            .file_name(file_name)
            .bucket_name(bucket)
            .backup_type_mode(cache_backup_type(backup_type))
            .send()
            .await
            .map_err(|e| CliError::sdk("ncp-vcache exportBackupToObjectStorage", e))?;
        Ok(out.request_id)
    }
}

pub fn cache_backup_type(t: BackupTypeArg) -> ncp_vcache::vcache::BackupTypeMode {
    match t {
        BackupTypeArg::Manual => ncp_vcache::vcache::BackupTypeMode::Manual,
        BackupTypeArg::System => ncp_vcache::vcache::BackupTypeMode::System,
    }
}

pub fn redis_backup_type(t: BackupTypeArg) -> ncp_vcache::vredis::BackupTypeMode {
    match t {
        BackupTypeArg::Manual => ncp_vcache::vredis::BackupTypeMode::Manual,
        BackupTypeArg::System => ncp_vcache::vredis::BackupTypeMode::System,
    }
}

pub fn backup_mode(mode: OcpModeArg) -> BackupMode {
    match mode {
        OcpModeArg::Physical => BackupMode::PhysicalBackup,
        OcpModeArg::Logical => BackupMode::LogicalBackup,
    }
}

pub fn data_mode(data: OcpDataArg) -> DataBackupMode {
    match data {
        OcpDataArg::Full => DataBackupMode::FullBackup,
        OcpDataArg::Incremental => DataBackupMode::IncrementalBackup,
    }
}

/// What a `--storage-config` file holds: the storage, and the backup mode when the file
/// names one.
#[derive(Debug)]
pub struct StorageFile {
    pub storage: BackupStorageConfig,
    pub backup_mode: Option<BackupMode>,
}

impl StorageFile {
    /// The mode to send: `explicit` (`--mode`) first, then the file's. A file without one
    /// gives no mode to fall back on, and guessing PHYSICAL_BACKUP would back up in a mode
    /// the operator never chose: a usage error, before anything is sent.
    pub fn mode_or(
        &self,
        explicit: Option<BackupMode>,
        path: &Path,
    ) -> Result<BackupMode, CliError> {
        explicit
            .or_else(|| self.backup_mode.clone())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "storage config {} names no backupMode: pass --mode (physical or logical), or \
                 give a backup strategy file that has one",
                    path.display()
                ))
            })
    }
}

/// Reads a `--storage-config` file: an `obBackupServiceStorageConfig` object, or a backup
/// strategy holding one (with its `backupMode`).
pub async fn read_storage_config(path: &Path) -> Result<StorageFile, CliError> {
    let text = tokio::fs::read_to_string(path).await.map_err(|e| {
        CliError::Usage(format!(
            "cannot read storage config {}: {e}",
            path.display()
        ))
    })?;
    parse_storage_config(path, &text)
}

fn parse_storage_config(path: &Path, text: &str) -> Result<StorageFile, CliError> {
    /// The members of a backup strategy (or of a storage object) that matter here.
    #[derive(Deserialize)]
    struct Outer {
        #[serde(default, rename = "obBackupServiceStorageConfig")]
        storage: Option<BackupStorageConfig>,
        #[serde(default, rename = "backupMode")]
        backup_mode: Option<String>,
    }
    // serde_json's messages name a line and column, never the value.
    let not_storage = |e: serde_json::Error| {
        CliError::Usage(format!(
            "storage config {} is not an obBackupServiceStorageConfig object: {e}",
            path.display()
        ))
    };
    let outer: Outer = serde_json::from_str(text).map_err(not_storage)?;
    let backup_mode = match outer.backup_mode.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(backup_mode(OcpModeArg::from_str(text, true).map_err(
            |_| {
                CliError::Usage(format!(
                    "storage config {}: backupMode must be PHYSICAL_BACKUP or LOGICAL_BACKUP",
                    path.display()
                ))
            },
        )?)),
    };
    let storage = match outer.storage {
        Some(storage) => storage,
        None => serde_json::from_str(text).map_err(not_storage)?,
    };
    Ok(StorageFile {
        storage,
        backup_mode,
    })
}

/// An NCP request as the gateway would send it: method, URL and form body.
fn ncp_request(
    gateway: &backup_core::protocol::ncp::Gateway,
    spec: &OperationSpec,
    parts: Result<RequestParts, Error>,
) -> Result<String, CliError> {
    let parts = parts.map_err(|e| CliError::sdk(format!("ncp {}", spec.info.name), e))?;
    let request = gateway
        .request_for(spec, &parts)
        .map_err(|e| CliError::sdk(format!("ncp {}", spec.info.name), e))?;
    let mut line = format!(
        "{} {}{}",
        request.method.as_str(),
        gateway.endpoint().trim_end_matches('/'),
        request.request_target()
    );
    if !request.body.is_empty() {
        line.push_str(&format!(
            "  body: {}",
            String::from_utf8_lossy(&request.body)
        ));
    }
    Ok(line)
}

/// A request of a JSON API: method, URL with path parameters filled in, query, body.
fn plain_request(
    endpoint: &str,
    spec: &OperationSpec,
    parts: Result<RequestParts, Error>,
    vendor: &str,
) -> Result<String, CliError> {
    let parts = parts.map_err(|e| CliError::sdk(format!("{vendor} {}", spec.info.name), e))?;
    let mut path = spec.path_template.to_owned();
    for (name, value) in &parts.path_params {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    let mut line = format!(
        "{} {}{}",
        spec.method.as_str(),
        endpoint.trim_end_matches('/'),
        path
    );
    if !parts.params.is_empty() {
        let query: Vec<String> = parts
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        line.push('?');
        line.push_str(&query.join("&"));
    }
    if let Some(mut body) = parts.json_body {
        redact(&mut body);
        line.push_str(&format!("  body: {body}"));
    }
    Ok(line)
}
