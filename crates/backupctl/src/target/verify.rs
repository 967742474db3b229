//! Verifying what a target produced: the SDK's `verify_backup` for each kind, fed with the
//! identifiers the run reported, and what the report says about it.

use backup_core::verify::Evidence;
use serde::Serialize;
use serde_json::Value;

use super::{ErrorReport, Job, TargetSpec, TargetStatus};
use crate::context::Context;
use crate::error::CliError;
use crate::progress::TargetProgress;

/// What the report says about a target's verification.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Verification {
    /// The backup was found: the evidence says where and what.
    Verified { evidence: Evidence },
    /// Verification was not run; the reason says why (`--no-verify`, `verify = false`).
    Skipped { reason: String },
    /// The backup could not be found (not listed, an empty object, a deadline passed).
    Unverified { error: ErrorReport },
}

impl Verification {
    /// The target's status once it ran: `succeeded` unless the backup was looked for and
    /// not found.
    pub fn status(&self) -> TargetStatus {
        match self {
            Verification::Verified { .. } | Verification::Skipped { .. } => TargetStatus::Succeeded,
            Verification::Unverified { .. } => TargetStatus::Unverified,
        }
    }

    /// One line for progress and the summary.
    pub fn summary(&self) -> String {
        match self {
            Verification::Verified { evidence } => format!("verified {}", evidence_line(evidence)),
            Verification::Skipped { reason } => format!("verification skipped ({reason})"),
            Verification::Unverified { error } => format!("unverified: {}", error.message),
        }
    }
}

/// The evidence in one line: what was found, and its size.
fn evidence_line(evidence: &Evidence) -> String {
    match evidence {
        Evidence::Listed(listed) => {
            let mut line = format!("backup {} listed by {}", listed.backup_id, listed.listed_by);
            if let (Some(size), Some(unit)) = (listed.size, listed.size_unit) {
                line.push_str(&format!(", {size} {unit}"));
            }
            line
        }
        Evidence::BackupSet(set) => {
            let mut line = format!("task {} SUCCESSFUL", set.task_id);
            if let Some(id) = set.backup_set_id {
                line.push_str(&format!(", backup set {id} listed"));
            }
            line
        }
        Evidence::Object(object) => {
            let mut line = format!(
                "object {}/{}, {} bytes",
                object.bucket, object.key, object.size
            );
            if let Some(etag) = &object.etag {
                line.push_str(&format!(", ETag {etag}"));
            }
            line
        }
        other => evidence_fallback(other),
    }
}

fn evidence_fallback(evidence: &Evidence) -> String {
    format!("backup {}", evidence.id())
}

/// The backup a target's run reported, as the SDK's verification takes it.
pub enum Handle {
    Ges(hw_ges_backup::BackupHandle),
    Ocp(ocp_ob_backup::BackupHandle),
    Cache {
        redis: bool,
        handle: ncp_vcache::ManualBackupHandle,
    },
    Export {
        redis: bool,
        handle: Box<ncp_vcache::ExportHandle>,
    },
    Hadoop(Box<ncp_vhadoop::ConfigBackupHandle>),
}

impl Handle {
    /// Waits until the backup is found; the evidence, or the error naming what was looked
    /// for.
    pub async fn verify(
        &self,
        ctx: &Context,
        progress: &TargetProgress,
    ) -> Result<Evidence, CliError> {
        let config = ctx.wait_config();
        match self {
            Handle::Ges(handle) => ctx
                .ges()?
                .verify_backup(handle)
                .config(config)
                .on_progress(|p| progress.update(p))
                .wait()
                .await
                .map_err(|e| CliError::sdk("ges verify", e)),
            Handle::Ocp(handle) => ctx
                .ocp()?
                .verify_backup(handle)
                .config(config)
                .on_progress(|p| progress.update(p))
                .wait()
                .await
                .map_err(|e| CliError::sdk("ocp verify", e)),
            Handle::Cache { redis, handle } => {
                use ncp_vcache::ManualBackups as _;
                with_cache_client!(ctx, *redis, |client| client
                    .verify_backup(handle)
                    .config(config)
                    .on_progress(|p| progress.update(p))
                    .wait()
                    .await
                    .map_err(|e| CliError::sdk(format!("{} verify", super::family(*redis)), e)))
            }
            Handle::Export { redis, handle } => {
                use ncp_vcache::ManualBackups as _;
                with_cache_client!(ctx, *redis, |client| client
                    .verify_export(handle)
                    .config(config)
                    .on_progress(|p| progress.update(p))
                    .wait()
                    .await
                    .map_err(|e| CliError::sdk(
                        format!("{} verify export", super::family(*redis)),
                        e
                    )))
            }
            Handle::Hadoop(handle) => ctx
                .hadoop()?
                .verify_backup(handle)
                .config(config)
                .on_progress(|p| progress.update(p))
                .wait()
                .await
                .map_err(|e| CliError::sdk("ncp-vhadoop verify", e)),
        }
    }
}

impl TargetSpec {
    /// Verifies what the run reported in `result` (unless `verify` is off: then the
    /// report says it was skipped, and why).
    pub async fn verification(
        &self,
        ctx: &Context,
        verify: bool,
        result: &Value,
        progress: &TargetProgress,
    ) -> Verification {
        if ctx.global.no_verify {
            return Verification::Skipped {
                reason: "--no-verify".into(),
            };
        }
        if !verify {
            return Verification::Skipped {
                reason: "verify = false".into(),
            };
        }
        progress.note("verifying");
        let verified = match self.verify_handle(ctx, result) {
            Ok(handle) => handle.verify(ctx, progress).await,
            Err(e) => Err(e),
        };
        match verified {
            Ok(evidence) => Verification::Verified { evidence },
            Err(e) => Verification::Unverified {
                error: ErrorReport::from_cli(&e),
            },
        }
    }

    /// The backup to verify, from what [`run`](TargetSpec::run) reported.
    ///
    /// # Errors
    ///
    /// [`CliError::Failed`] when the run reported nothing that names the backup (a cache
    /// backup not waited for has no file name yet) or the kind cannot be verified.
    pub fn verify_handle(&self, ctx: &Context, result: &Value) -> Result<Handle, CliError> {
        let text = |pointer: &str| {
            result
                .pointer(pointer)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        match self.job(true) {
            Job::Ges { graph_id } => {
                let Some(backup_id) = text("/backupId") else {
                    return Err(CliError::Failed(format!(
                        "ges verify: createBackup named no backup id for graph {graph_id}, so \
                         the backup list cannot show which backup it made"
                    )));
                };
                let mut handle = hw_ges_backup::BackupHandle::new(graph_id, backup_id);
                if let Some(job_id) = text("/jobId") {
                    handle = handle.job(job_id);
                }
                Ok(Handle::Ges(handle))
            }
            Job::Ocp(target) => {
                let task_ids: Vec<i64> = result
                    .get("taskIds")
                    .and_then(Value::as_array)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| {
                                id.as_i64()
                                    .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let mut handle = ocp_ob_backup::BackupHandle::new(target.cluster_id, task_ids);
                if let Some(tenant) = target.tenant_id {
                    handle = handle.tenant(tenant);
                }
                Ok(Handle::Ocp(handle))
            }
            Job::CacheBackup { redis, backup } => {
                let id = text("/backup/fileName")
                    .or_else(|| text("/backup/startTime"))
                    .or_else(|| text("/backup/id"));
                let Some(id) = id else {
                    return Err(CliError::Failed(format!(
                        "{} verify: the backup of instance {} is not known by name (set \
                         `wait = true`, so the target waits until it is listed)",
                        super::family(redis),
                        backup.instance_no
                    )));
                };
                if let Some(bucket) = backup.export_bucket {
                    // The target's result is the export: its object is what proves it.
                    let since = requested_at(result, "/export/requestedAt")?;
                    let export = super::cache::export(
                        backup.instance_no,
                        &id,
                        bucket,
                        crate::cli::BackupTypeArg::Manual,
                    );
                    return Ok(Handle::Export {
                        redis,
                        handle: Box::new(ncp_vcache::ExportHandle::new(
                            ctx.object_storage()?.clone(),
                            &export,
                            since,
                        )),
                    });
                }
                Ok(Handle::Cache {
                    redis,
                    handle: ncp_vcache::ManualBackupHandle::new(backup.instance_no, id),
                })
            }
            Job::CacheExport { redis, export } => {
                let since = requested_at(result, "/requestedAt")?;
                Ok(Handle::Export {
                    redis,
                    handle: Box::new(ncp_vcache::ExportHandle::new(
                        ctx.object_storage()?.clone(),
                        &export,
                        since,
                    )),
                })
            }
            Job::Hadoop { instance_no } => {
                let since = requested_at(result, "/requestedAt")?;
                Ok(Handle::Hadoop(Box::new(
                    ncp_vhadoop::ConfigBackupHandle::new(
                        ctx.object_storage()?.clone(),
                        instance_no,
                        since,
                    ),
                )))
            }
        }
    }
}

/// When the run asked for the backup, on the service's clock, as it reported it.
fn requested_at(result: &Value, pointer: &str) -> Result<std::time::SystemTime, CliError> {
    result
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(backup_core::time::parse_http_date)
        .ok_or_else(|| {
            CliError::Failed(format!(
                "verify: the run did not report when it asked for the backup ({pointer})"
            ))
        })
}
