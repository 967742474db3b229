//! The per-vendor commands. Backups go through [`TargetSpec`], the same code a plan runs;
//! the list and status commands call one operation and print what it returned.

use serde_json::{Value, json};

use crate::cli::{CacheCommand, GesCommand, HadoopCommand, NcpCommand, OcpCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Rendered, to_json};
use crate::progress::{Board, TargetProgress};
use crate::target::TargetSpec;

pub async fn ncp(ctx: &Context, command: NcpCommand) -> Result<Rendered, CliError> {
    match command {
        NcpCommand::Hadoop(HadoopCommand::BackupConfig { instance_no, wait }) => {
            backup(ctx, TargetSpec::NcpHadoopConfig { instance_no }, wait.wait).await
        }
        NcpCommand::Hadoop(HadoopCommand::Status { instance_no }) => {
            let out = ctx
                .hadoop()?
                .get_cloud_hadoop_instance_detail()
                .cloud_hadoop_instance_no(instance_no)
                .send()
                .await
                .map_err(|e| CliError::sdk("ncp-vhadoop getCloudHadoopInstanceDetail", e))?;
            let json = to_json(&out);
            Ok(Rendered::rows(
                json.clone(),
                &first_array(&json),
                &[
                    ("instance", "/cloudHadoopInstanceNo"),
                    ("name", "/cloudHadoopClusterName"),
                    ("status", "/cloudHadoopInstanceStatusName"),
                    ("operation", "/cloudHadoopInstanceOperation"),
                    ("bucket", "/objectStorageBucket"),
                ],
            ))
        }
        NcpCommand::Cache(command) => cache(ctx, command).await,
    }
}

async fn cache(ctx: &Context, command: CacheCommand) -> Result<Rendered, CliError> {
    match command {
        CacheCommand::ManualBackup {
            instance_no,
            family,
            wait,
        } => {
            let spec = TargetSpec::NcpCacheBackup {
                instance_no,
                redis: family.redis,
                export_bucket: None,
            };
            backup(ctx, spec, wait.wait).await
        }
        CacheCommand::Export {
            instance_no,
            file_name,
            bucket,
            backup_type,
            family,
        } => {
            let spec = TargetSpec::NcpCacheExport {
                instance_no,
                redis: family.redis,
                file_name,
                bucket,
                backup_type,
            };
            backup(ctx, spec, false).await
        }
        CacheCommand::List { family } => {
            let json = if family.redis {
                let out = ctx.vredis()?.get_cloud_redis_backup_list().send().await;
                to_json(&out.map_err(|e| CliError::sdk("ncp-vredis getCloudRedisBackupList", e))?)
            } else {
                let out = ctx.vcache()?.get_cloud_cache_backup_list().send().await;
                to_json(&out.map_err(|e| CliError::sdk("ncp-vcache getCloudCacheBackupList", e))?)
            };
            let prefix = if family.redis {
                "cloudRedis"
            } else {
                "cloudCache"
            };
            Ok(Rendered::rows(
                json.clone(),
                &first_array(&json),
                &[
                    ("instance", &format!("/{prefix}InstanceNo")),
                    ("service", &format!("/{prefix}ServiceName")),
                    ("backup time", "/backupTime"),
                    ("retention days", "/backupFileRetentionPeriod"),
                    ("last backup", "/lastBackupDate"),
                    ("type", "/backupType"),
                ],
            ))
        }
        CacheCommand::ManualList { family } => {
            let json = if family.redis {
                let out = ctx
                    .vredis()?
                    .get_cloud_redis_manual_backup_list()
                    .send()
                    .await;
                to_json(
                    &out.map_err(|e| CliError::sdk("ncp-vredis getCloudRedisManualBackupList", e))?,
                )
            } else {
                let out = ctx
                    .vcache()?
                    .get_cloud_cache_manual_backup_list()
                    .send()
                    .await;
                to_json(
                    &out.map_err(|e| CliError::sdk("ncp-vcache getCloudCacheManualBackupList", e))?,
                )
            };
            Ok(Rendered::auto(json))
        }
        CacheCommand::ManualBackups {
            instance_no,
            family,
        } => {
            let json = if family.redis {
                let out = ctx
                    .vredis()?
                    .get_cloud_redis_manual_backup_detail_list()
                    .cloud_redis_instance_no(instance_no)
                    .send()
                    .await;
                to_json(&out.map_err(|e| {
                    CliError::sdk("ncp-vredis getCloudRedisManualBackupDetailList", e)
                })?)
            } else {
                let out = ctx
                    .vcache()?
                    .get_cloud_cache_manual_backup_detail_list()
                    .cloud_cache_instance_no(instance_no)
                    .send()
                    .await;
                to_json(&out.map_err(|e| {
                    CliError::sdk("ncp-vcache getCloudCacheManualBackupDetailList", e)
                })?)
            };
            Ok(backup_files(json))
        }
        CacheCommand::Backups {
            instance_no,
            family,
        } => {
            if !family.redis {
                return Err(CliError::Usage(
                    "`ncp cache backups` lists Cloud DB for Redis backups: add --redis (for \
                     Cloud DB for Cache, use `ncp cache manual-backups`)"
                        .into(),
                ));
            }
            let out = ctx
                .vredis()?
                .get_cloud_redis_backup_detail_list()
                .cloud_redis_instance_no(instance_no)
                .send()
                .await
                .map_err(|e| CliError::sdk("ncp-vredis getCloudRedisBackupDetailList", e))?;
            Ok(backup_files(to_json(&out)))
        }
    }
}

fn backup_files(json: Value) -> Rendered {
    Rendered::rows(
        json.clone(),
        &first_array(&json),
        &[
            ("file", "/fileName"),
            ("start", "/startTime"),
            ("end", "/endTime"),
            ("size", "/backupSize"),
        ],
    )
}

pub async fn ocp(ctx: &Context, command: OcpCommand) -> Result<Rendered, CliError> {
    match command {
        OcpCommand::BackupNow {
            cluster_id,
            tenant_id,
            mode,
            data,
            storage_config,
            wait,
        } => {
            let spec = TargetSpec::OcpBackupNow {
                cluster_id,
                tenant_id,
                mode,
                data,
                storage_config,
            };
            backup(ctx, spec, wait.wait).await
        }
        OcpCommand::Strategy { cluster_id } => {
            let out = ctx
                .ocp()?
                .get_backup_strategy()
                .id(cluster_id)
                .send()
                .await
                .map_err(|e| CliError::sdk("ocp getBackupStrategy", e))?;
            Ok(Rendered::flat(to_json(&out)))
        }
        OcpCommand::List { cluster_id } => {
            let sets = ctx
                .ocp()?
                .data_backup_tasks(cluster_id)
                .page_size(100)
                .collect()
                .await
                .map_err(|e| CliError::sdk("ocp listDataBackupTasks", e))?;
            let json = to_json(&sets);
            Ok(Rendered::rows(
                json.clone(),
                json.as_array().map(Vec::as_slice).unwrap_or_default(),
                &[
                    ("backup set", "/backupSetId"),
                    ("tenant", "/tenantName"),
                    ("type", "/dataBackupTaskType"),
                    ("status", "/status"),
                    ("start", "/startTime"),
                    ("finish", "/finishTime"),
                    ("uri", "/backupUri"),
                ],
            ))
        }
        OcpCommand::Task { task_id, wait } => {
            let client = ctx.ocp()?;
            let task = if wait.wait {
                let board = Board::for_stderr(ctx.global.log_format);
                let progress = board.target(&format!("ocp-task-{task_id}"));
                let tasks = client
                    .wait_until_tasks_done(vec![task_id])
                    .config(ctx.wait_config())
                    .on_progress(|p| progress.update(p))
                    .wait()
                    .await
                    .map_err(|e| CliError::sdk("ocp getTaskInstance", e))?;
                progress.finish("done");
                to_json(&tasks.into_iter().next())
            } else {
                let out = client
                    .get_task_instance()
                    .id(task_id)
                    .send()
                    .await
                    .map_err(|e| CliError::sdk("ocp getTaskInstance", e))?;
                to_json(&out)
            };
            let mut rendered = Rendered::record(
                task.clone(),
                &[
                    ("id", "/id"),
                    ("name", "/name"),
                    ("status", "/status"),
                    ("start", "/startTime"),
                    ("finish", "/finishTime"),
                ],
            );
            for subtask in task
                .pointer("/subtasks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                rendered.table.push(vec![
                    format!(
                        "subtask {}",
                        subtask.get("id").map(Value::to_string).unwrap_or_default()
                    ),
                    format!(
                        "{} {}",
                        subtask.get("status").and_then(Value::as_str).unwrap_or(""),
                        subtask.get("name").and_then(Value::as_str).unwrap_or("")
                    ),
                ]);
            }
            Ok(rendered)
        }
        OcpCommand::SubtaskLog {
            task_id,
            subtask_id,
        } => {
            let out = ctx
                .ocp()?
                .get_subtask_log()
                .id(task_id)
                .subtask_instance_id(subtask_id)
                .send()
                .await
                .map_err(|e| CliError::sdk("ocp getSubtaskLog", e))?;
            let json = to_json(&out);
            let log = json
                .get("log")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let mut table = crate::output::Table::new(&["log"]);
            for line in log.lines() {
                table.push(vec![line.to_owned()]);
            }
            Ok(Rendered { json, table })
        }
    }
}

pub async fn ges(ctx: &Context, command: GesCommand) -> Result<Rendered, CliError> {
    match command {
        GesCommand::Backup { graph_id, wait } => {
            backup(ctx, TargetSpec::GesBackup { graph_id }, wait.wait).await
        }
        GesCommand::List { graph_id } => {
            let client = ctx.ges()?;
            let (backups, operation) = match &graph_id {
                Some(graph) => (
                    client.graph_backups(graph).collect().await,
                    "ges listGraphBackups",
                ),
                None => (client.backups().collect().await, "ges listBackups"),
            };
            let backups = backups.map_err(|e| CliError::sdk(operation, e))?;
            let json = to_json(&backups);
            Ok(Rendered::rows(
                json.clone(),
                json.as_array().map(Vec::as_slice).unwrap_or_default(),
                &[
                    ("backup id", "/id"),
                    ("name", "/name"),
                    ("graph", "/graph_name"),
                    ("status", "/status"),
                    ("start", "/start_time"),
                    ("end", "/end_time"),
                    ("size MB", "/size"),
                ],
            ))
        }
        GesCommand::Job {
            graph_id,
            job_id,
            wait,
        } => {
            let client = ctx.ges()?;
            let job = if wait.wait {
                let board = Board::for_stderr(ctx.global.log_format);
                let progress = board.target(&format!("ges-job-{job_id}"));
                let job = client
                    .wait_until_job_done(&graph_id, &job_id)
                    .config(ctx.wait_config())
                    .on_progress(|p| progress.update(p))
                    .wait()
                    .await
                    .map_err(|e| CliError::sdk("ges showJob", e))?;
                progress.finish("done");
                job
            } else {
                client
                    .show_job()
                    .graph_id(&graph_id)
                    .job_id(&job_id)
                    .send()
                    .await
                    .map_err(|e| CliError::sdk("ges showJob", e))?
            };
            Ok(Rendered::flat(to_json(&job)))
        }
        GesCommand::Delete {
            graph_id,
            backup_id,
        } => {
            ctx.ges()?
                .delete_backup()
                .graph_id(&graph_id)
                .backup_id(&backup_id)
                .send()
                .await
                .map_err(|e| CliError::sdk("ges deleteBackup", e))?;
            Ok(Rendered::flat(
                json!({ "deleted": backup_id, "graphId": graph_id }),
            ))
        }
    }
}

/// Runs one backup target, with progress on standard error when waiting.
async fn backup(ctx: &Context, spec: TargetSpec, wait: bool) -> Result<Rendered, CliError> {
    let name = spec.default_name();
    let progress: TargetProgress = if wait {
        Board::for_stderr(ctx.global.log_format).target(&name)
    } else {
        Board::Quiet.target(&name)
    };
    let result = spec.run(ctx, wait, &progress).await;
    match &result {
        Ok(_) => progress.finish(if wait { "succeeded" } else { "accepted" }),
        Err(_) => progress.finish("failed"),
    }
    Ok(Rendered::flat(result?))
}

/// The first array member of an output object: the list an NCP `get…List` returns.
fn first_array(json: &Value) -> Vec<Value> {
    json.as_object()
        .and_then(|map| map.values().find_map(Value::as_array))
        .cloned()
        .unwrap_or_default()
}
