//! Backup plans: a TOML file of targets, run with bounded concurrency, summarised in a
//! table and a JSON report.
//!
//! ```toml
//! [defaults]
//! wait = true                 # follow every backup to its end (the default)
//!
//! [[target]]
//! name = "hadoop-prod"        # optional, unique; default: kind and resource
//! kind = "ncp-hadoop-config"
//! instance_no = "1000001"
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cli::Shard;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Rendered, Table};
use crate::progress::Board;
use crate::state::{self, Recorder, Resume};
use crate::target::{ErrorReport, Skipped, TargetReport, TargetSpec, TargetStatus};

/// A parsed plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub targets: Vec<PlanTarget>,
}

/// One target of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTarget {
    pub name: String,
    pub wait: bool,
    pub spec: TargetSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    #[serde(default)]
    defaults: Defaults,
    #[serde(default)]
    target: Vec<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    #[serde(default = "yes")]
    wait: bool,
}

impl Default for Defaults {
    fn default() -> Self {
        Self { wait: true }
    }
}

fn yes() -> bool {
    true
}

impl Plan {
    /// Parses a plan, naming the target and the field of any mistake.
    pub fn parse(text: &str) -> Result<Plan, String> {
        let file: PlanFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.target.is_empty() {
            return Err("the plan has no [[target]]".into());
        }
        let mut names = BTreeSet::new();
        let mut targets = Vec::with_capacity(file.target.len());
        for (index, mut table) in file.target.into_iter().enumerate() {
            let number = index + 1;
            let name = match table.remove("name") {
                None => None,
                Some(toml::Value::String(name)) if !name.trim().is_empty() => Some(name),
                Some(_) => return Err(format!("target {number}: name must be a non-empty string")),
            };
            let wait = match table.remove("wait") {
                None => file.defaults.wait,
                Some(toml::Value::Boolean(wait)) => wait,
                Some(_) => return Err(format!("target {number}: wait must be true or false")),
            };
            let label = name.clone().unwrap_or_else(|| format!("target {number}"));
            let spec = TargetSpec::deserialize(toml::Value::Table(table))
                .map_err(|e| format!("{label}: {}", e.message()))?;
            let name = name.unwrap_or_else(|| spec.default_name());
            if !names.insert(name.clone()) {
                return Err(format!(
                    "target {number}: the name {name:?} is used twice; give each target a unique name"
                ));
            }
            targets.push(PlanTarget { name, wait, spec });
        }
        Ok(Plan { targets })
    }

    /// Reads and parses a plan file; returns the plan and its text.
    pub async fn load(path: &Path) -> Result<(Plan, String), CliError> {
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| CliError::Usage(format!("cannot read plan {}: {e}", path.display())))?;
        let plan = Plan::parse(&text)
            .map_err(|e| CliError::Usage(format!("plan {}: {e}", path.display())))?;
        Ok((plan, text))
    }

    /// Slice `shard.index` of `shard.count`: targets are dealt round-robin by their position,
    /// so every target lands in exactly one slice and slices differ in size by at most one.
    pub fn shard(self, shard: Option<Shard>) -> Plan {
        let Some(shard) = shard else { return self };
        Plan {
            targets: self
                .targets
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % shard.count == shard.index - 1)
                .map(|(_, t)| t)
                .collect(),
        }
    }
}

/// What a plan run produced.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The version of this document's shape (`docs/schema/report.schema.json`).
    pub schema_version: u32,
    pub dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The run's id in the `--state` file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    pub succeeded: usize,
    pub failed: usize,
    pub planned: usize,
    pub targets: Vec<TargetReport>,
    /// Each target's last success (this run's, or the `--state` file's), for the metrics.
    #[serde(skip)]
    pub last_success: BTreeMap<String, SystemTime>,
}

impl Report {
    pub fn new(dry_run: bool, shard: Option<Shard>, targets: Vec<TargetReport>) -> Self {
        let count = |s| targets.iter().filter(|t| t.status == s).count();
        Self {
            schema_version: crate::output::SCHEMA_VERSION,
            dry_run,
            shard: shard.map(|s| format!("{}/{}", s.index, s.count)),
            run_id: None,
            last_success: BTreeMap::new(),
            succeeded: count(TargetStatus::Succeeded),
            failed: count(TargetStatus::Failed),
            planned: count(TargetStatus::Planned),
            targets,
        }
    }

    /// The summary: one row per target.
    pub fn render(&self) -> Rendered {
        let mut table = Table::new(&["target", "kind", "status", "time", "detail"]);
        for t in &self.targets {
            let earlier = match &t.skipped {
                Some(skipped) => format!("skipped, succeeded in run {}: ", skipped.run_id),
                None => String::new(),
            };
            let detail = match (&t.error, &t.result) {
                (Some(e), _) => e.message.clone(),
                (None, Value::Array(steps)) => steps
                    .iter()
                    .map(crate::target::step_line)
                    .collect::<Vec<_>>()
                    .join("; "),
                (None, result) => summary(result),
            };
            table.push(vec![
                t.name.clone(),
                t.kind.clone(),
                format!("{:?}", t.status).to_lowercase(),
                format!("{:.1}s", t.elapsed_ms as f64 / 1000.0),
                earlier + &detail,
            ]);
        }
        let json = serde_json::to_value(self).unwrap_or(Value::Null);
        Rendered { json, table }
    }
}

/// The identifiers worth a glance in the summary.
fn summary(result: &Value) -> String {
    let mut parts = Vec::new();
    for (label, pointer) in [
        ("backup", "/backupId"),
        ("job", "/jobId"),
        ("file", "/backup/fileName"),
        ("file", "/fileName"),
        ("tasks", "/taskIds"),
        ("exported to", "/export/bucket"),
        ("cluster", "/cluster/status"),
        ("request", "/requestId"),
    ] {
        if let Some(value) = result.pointer(pointer).filter(|v| !v.is_null()) {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            if !parts.iter().any(|p: &String| p.ends_with(&text)) {
                parts.push(format!("{label} {text}"));
            }
        }
    }
    parts.join(", ")
}

/// Runs (or, with `dry_run`, describes) every target of `plan`, at most `concurrency` at once.
/// With `state`, each target's start and end are recorded before the next step, and a
/// target the state shows as done, or possibly created, is skipped or reconciled.
pub async fn run(
    ctx: Arc<Context>,
    plan: Plan,
    concurrency: usize,
    dry_run: bool,
    shard: Option<Shard>,
    board: Board,
    state: Option<Arc<Recorder>>,
) -> Report {
    if dry_run {
        let mut targets = Vec::with_capacity(plan.targets.len());
        for t in &plan.targets {
            let (status, result, error) = match t.spec.plan_requests(&ctx, t.wait).await {
                Ok(steps) => (TargetStatus::Planned, Value::from(steps), None),
                Err(e) => (
                    TargetStatus::Failed,
                    Value::Null,
                    Some(ErrorReport::from_cli(&e)),
                ),
            };
            targets.push(TargetReport {
                name: t.name.clone(),
                kind: t.spec.kind().to_owned(),
                vendor: t.spec.vendor().to_owned(),
                status,
                elapsed_ms: 0,
                result,
                error,
                skipped: None,
            });
        }
        return Report::new(true, shard, targets);
    }

    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, target) in plan.targets.into_iter().enumerate() {
        let ctx = Arc::clone(&ctx);
        let permits = Arc::clone(&permits);
        let state = state.clone();
        let progress = board.target(&target.name);
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only waits for a free slot.
            let _permit = permits.acquire_owned().await.ok();
            let report = run_target(&ctx, &target, &progress, state.as_deref()).await;
            let last_success = match (&report.skipped, report.status, &state) {
                (Some(skipped), _, _) => Some(state::from_unix_ms(skipped.succeeded_at_ms)),
                (None, TargetStatus::Succeeded, _) => Some(SystemTime::now()),
                (None, _, Some(state)) => state.last_success(&target.name).await,
                (None, _, None) => None,
            };
            (index, report, last_success)
        });
    }
    let mut reports: Vec<(usize, TargetReport)> = Vec::new();
    let mut last_success = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, report, success)) => {
                if let Some(at) = success {
                    last_success.insert(report.name.clone(), at);
                }
                reports.push((index, report));
            }
            // A target's task panicked: the SDK never panics on input, so this is a bug;
            // report it rather than lose the other targets' results.
            Err(e) => reports.push((
                usize::MAX,
                TargetReport {
                    name: "(unknown)".into(),
                    kind: "(unknown)".into(),
                    vendor: "(unknown)".into(),
                    status: TargetStatus::Failed,
                    elapsed_ms: 0,
                    result: Value::Null,
                    error: Some(ErrorReport::from_cli(&CliError::Failed(format!(
                        "internal error: {e}"
                    )))),
                    skipped: None,
                },
            )),
        }
    }
    reports.sort_by_key(|(i, _)| *i);
    let mut report = Report::new(false, shard, reports.into_iter().map(|(_, r)| r).collect());
    report.last_success = last_success;
    if let Some(state) = &state {
        report.run_id = Some(state.run_id().await);
    }
    report
}

/// Runs one target, consulting and updating the state file when there is one.
async fn run_target(
    ctx: &Context,
    target: &PlanTarget,
    progress: &crate::progress::TargetProgress,
    state: Option<&Recorder>,
) -> TargetReport {
    let report = |status, elapsed_ms, result, error| TargetReport {
        name: target.name.clone(),
        kind: target.spec.kind().to_owned(),
        vendor: target.spec.vendor().to_owned(),
        status,
        elapsed_ms,
        result,
        error,
        skipped: None,
    };
    let resume = match state {
        Some(state) => state.resume(&target.name).await,
        None => Resume::Fresh,
    };
    let sent_earlier = match resume {
        Resume::Skip(record) => {
            progress.finish(&format!(
                "succeeded in an earlier run ({}); skipped",
                record.run_id
            ));
            let mut skipped = report(
                TargetStatus::Succeeded,
                u128::from(record.elapsed_ms),
                record.result,
                None,
            );
            skipped.skipped = Some(Skipped {
                reason: "succeeded_earlier",
                run_id: record.run_id,
                succeeded_at_ms: record.finished_at_ms.unwrap_or(record.started_at_ms),
            });
            return skipped;
        }
        Resume::Reconcile(since) => Some(since),
        Resume::Fresh => None,
    };
    let started = Instant::now();
    if let Some(state) = state {
        // Nothing is sent unless the start is on disk: a crash after sending must leave a
        // record that makes the next run reconcile.
        if let Err(e) = state
            .start(&target.name, target.spec.kind(), sent_earlier)
            .await
        {
            let e = CliError::from(e);
            progress.finish(&format!("failed: {e}"));
            return report(
                TargetStatus::Failed,
                0,
                Value::Null,
                Some(ErrorReport::from_cli(&e)),
            );
        }
    }
    progress.note("starting");
    let outcome = target
        .spec
        .resume(ctx, target.wait, progress, sent_earlier)
        .await;
    let elapsed_ms = started.elapsed().as_millis();
    let (mut done, may_have_created) = match outcome {
        Ok(result) => {
            progress.finish("succeeded");
            (
                report(TargetStatus::Succeeded, elapsed_ms, result, None),
                false,
            )
        }
        Err(e) => {
            progress.finish(&format!("failed: {e}"));
            (
                report(
                    TargetStatus::Failed,
                    elapsed_ms,
                    Value::Null,
                    Some(ErrorReport::from_cli(&e)),
                ),
                state::may_have_created(&e),
            )
        }
    };
    if let Some(state) = state {
        if let Err(e) = state.finish(&done, may_have_created).await {
            // The target's outcome stands, but a rerun would not know it: say so, and
            // fail the target so that the run does not look complete.
            let e = CliError::from(e);
            progress.finish(&format!("failed: {e}"));
            let message = match &done.error {
                Some(earlier) => format!("{}; {e}", earlier.message),
                None => format!("the target succeeded, but {e}"),
            };
            done.status = TargetStatus::Failed;
            done.error = Some(ErrorReport::from_cli(&CliError::Failed(message)));
        }
    }
    done
}

/// Writes the JSON report.
pub async fn write_report(path: &Path, report: &Report) -> Result<(), CliError> {
    let mut json = serde_json::to_value(report)
        .map_err(|e| CliError::Failed(format!("cannot encode the report: {e}")))?;
    crate::output::redact(&mut json);
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| CliError::Failed(format!("cannot encode the report: {e}")))?;
    tokio::fs::write(path, text + "\n")
        .await
        .map_err(|e| CliError::Failed(format!("cannot write report {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{OcpDataArg, OcpModeArg};

    const PLAN: &str = r#"
        [defaults]
        wait = false

        [[target]]
        name = "hadoop"
        kind = "ncp-hadoop-config"
        instance_no = 1000001
        wait = true

        [[target]]
        kind = "ncp-cache-backup"
        instance_no = "3000001"
        redis = true

        [[target]]
        kind = "ocp-backup-now"
        cluster_id = 1
        tenant_id = 1001
        mode = "physical"

        [[target]]
        kind = "ges-backup"
        graph_id = "g-1"
    "#;

    #[test]
    fn a_plan_parses_with_defaults_and_generated_names() {
        let plan = Plan::parse(PLAN).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["hadoop", "redis-3000001", "ocp-1-tenant-1001", "ges-g-1"]
        );
        let waits: Vec<bool> = plan.targets.iter().map(|t| t.wait).collect();
        assert_eq!(waits, [true, false, false, false]);
        assert_eq!(
            plan.targets[0].spec,
            TargetSpec::NcpHadoopConfig {
                instance_no: "1000001".into()
            }
        );
        assert_eq!(
            plan.targets[2].spec,
            TargetSpec::OcpBackupNow {
                cluster_id: 1,
                tenant_id: Some(1001),
                mode: Some(OcpModeArg::Physical),
                data: OcpDataArg::Full,
                storage_config: None
            }
        );
    }

    #[test]
    fn mistakes_name_the_target_and_the_field() {
        let cases = [
            (
                "[[target]]\nkind = \"ges-backup\"\ngraph = \"g\"\n",
                "unknown field `graph`",
            ),
            (
                "[[target]]\nkind = \"ges-backup\"\n",
                "missing field `graph_id`",
            ),
            (
                "[[target]]\nkind = \"s3-backup\"\n",
                "unknown variant `s3-backup`",
            ),
            (
                "[[target]]\nname = \"x\"\nkind = \"ocp-backup-now\"\ncluster_id = \"one\"\n",
                "x:",
            ),
            (
                "[[target]]\nwait = 1\nkind = \"ges-backup\"\ngraph_id = \"g\"\n",
                "wait must be",
            ),
            ("", "no [[target]]"),
            (
                "[defaults]\nwiat = true\n[[target]]\nkind = \"ges-backup\"\ngraph_id = \"g\"\n",
                "wiat",
            ),
            (
                "[[target]]\nkind = \"ges-backup\"\ngraph_id = \"g\"\n[[target]]\nkind = \"ges-backup\"\ngraph_id = \"g\"\n",
                "used twice",
            ),
        ];
        for (text, expected) in cases {
            match Plan::parse(text) {
                Ok(plan) => panic!("accepted {text:?}: {plan:?}"),
                Err(e) => assert!(e.contains(expected), "{text:?}: {e:?} lacks {expected:?}"),
            }
        }
    }

    #[test]
    fn shards_cover_every_target_exactly_once() {
        let plan = Plan::parse(PLAN).unwrap_or_else(|e| panic!("{e}"));
        for count in 1..=6 {
            let mut seen: Vec<String> = Vec::new();
            for index in 1..=count {
                let slice = plan.clone().shard(Some(Shard { index, count }));
                seen.extend(slice.targets.into_iter().map(|t| t.name));
            }
            seen.sort();
            let mut all: Vec<String> = plan.targets.iter().map(|t| t.name.clone()).collect();
            all.sort();
            assert_eq!(seen, all, "{count} shards");
        }
    }
}
