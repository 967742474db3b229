//! A backup target: one backup of one resource at one vendor, as a plan lists it or a
//! vendor command names it. It can be described without sending anything (`--dry-run`) and
//! run, optionally waiting for the backup to finish.

//!
//! Each kind lives in its own module, which builds each SDK call in one place: the dry run
//! shows that call's `to_request()` (what the SDK would send, secrets redacted) and the run
//! sends the same call.

mod cache;
mod ges;
mod hadoop;
mod ocp;
mod storage;

use std::path::PathBuf;
use std::time::SystemTime;

use backup_core::{Error, PreparedRequest, WaitConfig};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

use crate::cli::{BackupTypeArg, OcpDataArg, OcpModeArg};
use crate::context::Context;
use crate::error::CliError;
use crate::output::redact;
use crate::progress::TargetProgress;
use crate::reconcile::{CreatePolicy, verdicts_json};

/// Binds `$client` to the NCP cache family's client (`vredis` or `vcache`) and evaluates
/// `$body` with it: both families go through one generic code path over the SDK's
/// `ManualBackups`, and only the client type differs.
macro_rules! with_cache_client {
    ($ctx:expr, $redis:expr, |$client:ident| $body:expr) => {
        if $redis {
            let $client = $ctx.vredis()?;
            $body
        } else {
            let $client = $ctx.vcache()?;
            $body
        }
    };
}

/// What to back up. In a plan, `kind` picks the variant and the other keys are its fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TargetSpec {
    /// NCP Cloud Hadoop: backupClusterConfiguration; waiting means until the cluster is
    /// running, which says nothing about the backup ([`HADOOP_WAITED_FOR`](hadoop::HADOOP_WAITED_FOR)).
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
    /// The API the target calls, as the metrics label it ([`TargetSpec::vendor`]).
    pub vendor: String,
    pub status: TargetStatus,
    pub elapsed_ms: u128,
    /// What the vendor returned: request ids, job and task ids, the listed backup.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub result: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    /// Set when the target was not run because an earlier run of the same plan (the
    /// `--state` file) recorded its success; `result` is that run's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
}

/// Why a target was not run again.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Always `succeeded_earlier` for now.
    pub reason: &'static str,
    pub run_id: String,
    /// When the earlier run recorded the success (Unix milliseconds).
    pub succeeded_at_ms: u64,
}

/// `succeeded`, `failed`, or `planned` in a dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetStatus {
    Succeeded,
    Failed,
    Planned,
}

impl TargetStatus {
    /// Every status, in the order the metrics list them.
    pub const ALL: [TargetStatus; 3] = [
        TargetStatus::Succeeded,
        TargetStatus::Failed,
        TargetStatus::Planned,
    ];

    /// The name reports and metrics use.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Succeeded => "succeeded",
            TargetStatus::Failed => "failed",
            TargetStatus::Planned => "planned",
        }
    }
}

/// A failure, with the vendor's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
                code: failure
                    .error
                    .as_ref()
                    .and_then(|e| e.code())
                    .map(backup_core::redact::escape),
                request_id: failure
                    .error
                    .as_ref()
                    .and_then(|e| e.request_id())
                    .map(backup_core::redact::escape),
                http_status: failure.error.as_ref().and_then(|e| e.http_status()),
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

    /// The API this target calls, as metrics and reports label it.
    pub fn vendor(&self) -> &'static str {
        match self {
            TargetSpec::NcpHadoopConfig { .. } => "ncp-vhadoop",
            TargetSpec::NcpCacheBackup { redis, .. } | TargetSpec::NcpCacheExport { redis, .. } => {
                if *redis {
                    "ncp-vredis"
                } else {
                    "ncp-vcache"
                }
            }
            TargetSpec::OcpBackupNow { .. } => "ocp",
            TargetSpec::GesBackup { .. } => "ges",
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

    /// The target in the shape its module works with, made once for the dry run and the
    /// run.
    fn job(&self, wait: bool) -> Job<'_> {
        match self {
            TargetSpec::NcpHadoopConfig { instance_no } => Job::Hadoop { instance_no },
            TargetSpec::NcpCacheBackup {
                instance_no,
                redis,
                export_bucket,
            } => Job::CacheBackup {
                redis: *redis,
                backup: cache::Backup {
                    instance_no,
                    export_bucket: export_bucket.as_deref(),
                    wait,
                },
            },
            TargetSpec::NcpCacheExport {
                instance_no,
                redis,
                file_name,
                bucket,
                backup_type,
            } => Job::CacheExport {
                redis: *redis,
                export: cache::export(instance_no, file_name, bucket, *backup_type),
            },
            TargetSpec::OcpBackupNow {
                cluster_id,
                tenant_id,
                mode,
                data,
                storage_config,
            } => Job::Ocp(ocp::BackupNow {
                cluster_id: *cluster_id,
                tenant_id: *tenant_id,
                mode: *mode,
                data: *data,
                storage_config: storage_config.as_deref(),
            }),
            TargetSpec::GesBackup { graph_id } => Job::Ges { graph_id },
        }
    }

    /// Checks what can be checked without sending (the SDK's own validation of every
    /// request, files that must exist) and returns the steps the target would take: each
    /// request as the SDK would send it (see [`request_step`]), and notes for the rest.
    pub async fn plan_requests(&self, ctx: &Context, wait: bool) -> Result<Vec<Value>, CliError> {
        match self.job(wait) {
            Job::Hadoop { instance_no } => hadoop::plan(ctx.hadoop()?, instance_no, wait),
            Job::CacheBackup { redis, backup } => {
                with_cache_client!(ctx, redis, |client| backup.plan(client))
            }
            Job::CacheExport { redis, export } => {
                with_cache_client!(ctx, redis, |client| Ok(vec![cache::plan_export(
                    client, &export
                )?]))
            }
            Job::Ocp(target) => target.plan(ctx.ocp()?, wait).await,
            Job::Ges { graph_id } => ges::plan(ctx.ges()?, graph_id, wait),
        }
    }

    /// Runs the target. `wait` follows the backup to its end.
    pub async fn run(
        &self,
        ctx: &Context,
        wait: bool,
        progress: &TargetProgress,
    ) -> Result<Value, CliError> {
        self.resume(ctx, wait, progress, None).await
    }

    /// Runs the target; with `sent_earlier` (an earlier run recorded its create as
    /// started then, and never its end), reconciles before sending a create.
    pub async fn resume(
        &self,
        ctx: &Context,
        wait: bool,
        progress: &TargetProgress,
        sent_earlier: Option<SystemTime>,
    ) -> Result<Value, CliError> {
        let run = Run {
            wait,
            config: ctx.wait_config(),
            progress,
            policy: CreatePolicy {
                retry_ambiguous: ctx.global.retry_ambiguous,
                sent_earlier,
            },
        };
        match self.job(wait) {
            Job::Hadoop { instance_no } => hadoop::run(ctx.hadoop()?, instance_no, &run).await,
            Job::CacheBackup { redis, backup } => {
                with_cache_client!(ctx, redis, |client| backup.run(client, &run).await)
            }
            Job::CacheExport { redis, export } => {
                // No NCP API lists exports to reconcile with, and an export copies a file
                // that exists: it starts no backup, so it is requested again.
                if sent_earlier.is_some() {
                    progress
                        .note("an earlier run may have requested this export; requesting it again");
                }
                let request_id =
                    with_cache_client!(ctx, redis, |client| cache::run_export(client, &export)
                        .await)?;
                progress.note(&format!(
                    "export of {} to {} requested",
                    export.file_name, export.bucket_name
                ));
                Ok(json!({
                    "requestId": request_id,
                    "fileName": export.file_name,
                    "bucket": export.bucket_name,
                }))
            }
            Job::Ocp(target) => target.run(ctx.ocp()?, &run).await,
            Job::Ges { graph_id } => ges::run(ctx.ges()?, graph_id, &run).await,
        }
    }
}

/// A target with its fields borrowed: what [`TargetSpec::plan_requests`] and
/// [`TargetSpec::run`] dispatch on.
enum Job<'a> {
    Hadoop {
        instance_no: &'a str,
    },
    CacheBackup {
        redis: bool,
        backup: cache::Backup<'a>,
    },
    CacheExport {
        redis: bool,
        export: ncp_vcache::BackupExport,
    },
    Ocp(ocp::BackupNow<'a>),
    Ges {
        graph_id: &'a str,
    },
}

/// What running a target needs besides the target: whether to wait and how, where
/// progress goes, and whether an ambiguous create that made nothing is sent again.
struct Run<'a> {
    wait: bool,
    config: WaitConfig,
    progress: &'a TargetProgress,
    policy: CreatePolicy,
}

/// The NCP cache API family's name in default target names.
fn family(redis: bool) -> &'static str {
    if redis { "redis" } else { "cache" }
}

/// One request of a dry run, from the SDK's own `to_request()`: method, URL, headers and
/// body as they would be sent (before signing). A JSON body is shown as JSON and passes
/// through [`redact`] on top of the SDK's own redaction.
fn request_step(
    operation: &str,
    prepared: Result<PreparedRequest, Error>,
) -> Result<Value, CliError> {
    let prepared = prepared.map_err(|e| CliError::sdk(operation, e))?;
    let headers: Map<String, Value> = prepared
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    let mut step = json!({
        "method": prepared.method.as_str(),
        "url": prepared.url,
        "headers": headers,
    });
    if !prepared.body.is_empty() {
        step["body"] = match serde_json::from_str::<Value>(&prepared.body) {
            Ok(mut json) => {
                redact(&mut json);
                json
            }
            Err(_) => Value::from(prepared.body),
        };
    }
    Ok(step)
}

/// A dry-run step in one line, for the summary table: the request line and the body.
pub fn step_line(step: &Value) -> String {
    match step {
        Value::String(note) => note.clone(),
        Value::Object(request) => {
            let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("");
            let mut line = format!("{} {}", text("method"), text("url"));
            match request.get("body") {
                Some(Value::String(body)) => line.push_str(&format!("  body: {body}")),
                Some(body) => line.push_str(&format!("  body: {body}")),
                None => {}
            }
            line
        }
        other => other.to_string(),
    }
}
