//! `plan run --state FILE`: each target's outcome, recorded as it happens, so that a rerun
//! after a crash (a killed pod, a lost node) finishes the run instead of repeating it.
//!
//! The file is JSON, rewritten whole after every change: written to a temporary file in
//! the same directory, flushed to disk, renamed over the old one, and the directory
//! flushed, so a reader (or a rerun after `SIGKILL` or a power cut) sees the previous
//! version or the new one, never a mix. It holds the plan's identity (the SHA-256 of the
//! plan's text and the shard; the path is kept for messages), a run id, and per target
//! name the run it belongs to and what happened:
//!
//! - `started`, written before the target sends anything: a rerun treats its create as
//!   ambiguous and reconciles (lists what the vendor shows since the recorded start)
//!   before sending, so a crash between sending and hearing the answer never makes a
//!   second backup;
//! - `succeeded`, with the result: a rerun skips it and reports the earlier result;
//! - `failed`, with the error and whether a create may have been made (`may_have_created`):
//!   a rerun retries it, reconciling first when one may have been.
//!
//! A rerun continues the file's run while any target of it is unfinished; once every
//! target succeeded, the next invocation starts a new run (a nightly schedule reusing the
//! file). `--run-id` names the run explicitly: a different id starts a new run. The time of
//! each target's last success is carried from run to run, for the metrics.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::cli::Shard;
use crate::error::CliError;
use crate::target::{ErrorReport, TargetReport, TargetStatus};

/// What the file's `format` member says, so that a file of something else is refused.
const FORMAT: &str = "backupctl-plan-state";
/// The version of the file's layout this build writes and reads.
const VERSION: u32 = 1;

/// Which plan a state file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanIdentity {
    /// The plan file, as given, made absolute; informational: a moved plan is the same plan.
    pub path: String,
    /// SHA-256 of the plan's text, hex.
    pub sha256: String,
    /// `I/N` when the run is one shard of the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl PlanIdentity {
    pub fn new(path: &Path, text: &str, shard: Option<Shard>) -> Self {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        Self {
            path: path.display().to_string(),
            sha256: sha256_hex(text),
            shard: shard.map(|s| format!("{}/{}", s.index, s.count)),
        }
    }

    fn same_plan(&self, other: &PlanIdentity) -> bool {
        self.sha256 == other.sha256 && self.shard == other.shard
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a state file cannot be used. Nothing is sent when opening fails.
#[derive(Debug)]
#[non_exhaustive]
pub enum StateError {
    /// The file exists but cannot be read.
    Read { path: PathBuf, reason: String },
    /// The file is not a backupctl state file (another program's JSON, or not JSON).
    NotAStateFile { path: PathBuf, reason: String },
    /// A backupctl state file, written by a newer backupctl.
    UnsupportedVersion { path: PathBuf, version: u64 },
    /// A backupctl state file whose content does not make sense (truncated, edited).
    Corrupt { path: PathBuf, reason: String },
    /// The file belongs to another plan (or shard) and has unfinished targets: applying
    /// it could skip the wrong targets, dropping it could duplicate a backup in flight.
    OtherPlan {
        path: PathBuf,
        recorded: PlanIdentity,
        current: PlanIdentity,
    },
    /// The file cannot be written.
    Write { path: PathBuf, reason: String },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Read { path, reason } => {
                write!(f, "cannot read state file {}: {reason}", path.display())
            }
            StateError::NotAStateFile { path, reason } => write!(
                f,
                "{} is not a backupctl state file ({reason}); give --state a new path",
                path.display()
            ),
            StateError::UnsupportedVersion { path, version } => write!(
                f,
                "state file {} has version {version}, newer than this backupctl reads ({VERSION})",
                path.display()
            ),
            StateError::Corrupt { path, reason } => write!(
                f,
                "state file {} is damaged: {reason}; check what the vendors list, then \
                 remove it to start afresh",
                path.display()
            ),
            StateError::OtherPlan {
                path,
                recorded,
                current,
            } => write!(
                f,
                "state file {} belongs to another plan ({}, sha256 {}, shard {}) than this one \
                 ({}, sha256 {}, shard {}) and has unfinished targets; use one state file per \
                 plan and shard",
                path.display(),
                recorded.path,
                recorded.sha256,
                recorded.shard.as_deref().unwrap_or("none"),
                current.path,
                current.sha256,
                current.shard.as_deref().unwrap_or("none"),
            ),
            StateError::Write { path, reason } => {
                write!(f, "cannot write state file {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for StateError {}

impl From<StateError> for CliError {
    fn from(error: StateError) -> Self {
        match error {
            StateError::Write { .. } => CliError::Failed(error.to_string()),
            _ => CliError::Usage(error.to_string()),
        }
    }
}

/// The file, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StateFile {
    format: String,
    version: u32,
    plan: PlanIdentity,
    run_id: String,
    run_started_at_ms: u64,
    #[serde(default)]
    targets: BTreeMap<String, TargetRecord>,
}

/// What is known of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRecord {
    /// The run this record belongs to.
    pub run_id: String,
    pub status: RecordStatus,
    pub kind: String,
    /// When the target was (first, in this run) started: the start of the window a rerun
    /// reconciles over.
    pub started_at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<u64>,
    #[serde(default)]
    pub elapsed_ms: u64,
    /// A failure after which a backup may exist (the create was sent, or its answer lost).
    #[serde(default)]
    pub may_have_created: bool,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub result: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    /// The last time this target succeeded, in any run of this plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at_ms: Option<u64>,
}

/// A target's state in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    Started,
    Succeeded,
    Failed,
}

/// What a target of this run does, given the state file.
#[derive(Debug, Clone, PartialEq)]
pub enum Resume {
    /// Nothing recorded in this run, or a failure that made nothing: run it.
    Fresh,
    /// It succeeded earlier in this run: report that, send nothing.
    Skip(Box<TargetRecord>),
    /// An earlier attempt may have created a backup since then: reconcile before
    /// creating.
    Reconcile(SystemTime),
}

/// An opened state file: the run in progress, written back after every change.
#[derive(Debug)]
pub struct State {
    path: PathBuf,
    file: StateFile,
    /// Whether this run continues one the file held.
    resumed: bool,
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub fn from_unix_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

fn new_run_id(now: SystemTime) -> String {
    format!("run-{}-{}", unix_ms(now), std::process::id())
}

impl State {
    /// Reads `path` (a missing file starts a new run) for the plan `plan` whose targets are
    /// named `targets`. `run_id`, when given, names the run: the file's run continues
    /// only under the same id.
    pub async fn load(
        path: &Path,
        plan: PlanIdentity,
        targets: &[&str],
        run_id: Option<&str>,
    ) -> Result<State, StateError> {
        let existing = match tokio::fs::read(path).await {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(StateError::Read {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
            }
        };
        State::open(
            path,
            existing.as_deref(),
            plan,
            targets,
            run_id,
            SystemTime::now(),
        )
    }

    /// [`load`](Self::load) with the file's content (`None`: no file) and the time given.
    pub fn open(
        path: &Path,
        existing: Option<&[u8]>,
        plan: PlanIdentity,
        targets: &[&str],
        run_id: Option<&str>,
        now: SystemTime,
    ) -> Result<State, StateError> {
        let text = existing;
        let fresh = |carried: BTreeMap<String, TargetRecord>| {
            let run_id = run_id.map_or_else(|| new_run_id(now), str::to_owned);
            State {
                path: path.to_owned(),
                file: StateFile {
                    format: FORMAT.to_owned(),
                    version: VERSION,
                    plan: plan.clone(),
                    run_id,
                    run_started_at_ms: unix_ms(now),
                    targets: carried,
                },
                resumed: false,
            }
        };
        let Some(bytes) = text else {
            return Ok(fresh(BTreeMap::new()));
        };
        let stored = parse(path, bytes)?;
        let unfinished = stored
            .targets
            .values()
            .any(|r| r.run_id == stored.run_id && r.status != RecordStatus::Succeeded);
        if !stored.plan.same_plan(&plan) {
            if unfinished {
                return Err(StateError::OtherPlan {
                    path: path.to_owned(),
                    recorded: stored.plan,
                    current: plan,
                });
            }
            // A finished run of another plan: nothing of it applies here.
            return Ok(fresh(BTreeMap::new()));
        }
        let complete = targets.iter().all(|name| {
            stored
                .targets
                .get(*name)
                .is_some_and(|r| r.run_id == stored.run_id && r.status == RecordStatus::Succeeded)
        });
        let continues = match run_id {
            Some(id) => id == stored.run_id,
            None => !complete,
        };
        if continues {
            return Ok(State {
                path: path.to_owned(),
                file: stored,
                resumed: true,
            });
        }
        // A new run of the same plan: only each target's last success carries over.
        let carried = stored
            .targets
            .into_iter()
            .filter_map(|(name, record)| {
                record.last_success_at_ms.map(|at| {
                    let mut carried = record;
                    carried.run_id = String::new();
                    carried.last_success_at_ms = Some(at);
                    (name, carried)
                })
            })
            .collect();
        Ok(fresh(carried))
    }

    pub fn run_id(&self) -> &str {
        &self.file.run_id
    }

    /// Whether this run continues one the file held, and how many of its targets
    /// succeeded already.
    pub fn resumed(&self) -> Option<usize> {
        self.resumed.then(|| {
            self.file
                .targets
                .values()
                .filter(|r| r.run_id == self.file.run_id && r.status == RecordStatus::Succeeded)
                .count()
        })
    }

    /// What `target` does in this run.
    pub fn resume(&self, target: &str) -> Resume {
        let Some(record) = self
            .file
            .targets
            .get(target)
            .filter(|r| r.run_id == self.file.run_id)
        else {
            return Resume::Fresh;
        };
        match record.status {
            RecordStatus::Succeeded => Resume::Skip(Box::new(record.clone())),
            RecordStatus::Started => Resume::Reconcile(from_unix_ms(record.started_at_ms)),
            RecordStatus::Failed if record.may_have_created => {
                Resume::Reconcile(from_unix_ms(record.started_at_ms))
            }
            RecordStatus::Failed => Resume::Fresh,
        }
    }

    /// The last success of `target` recorded in any run, for the metrics.
    pub fn last_success(&self, target: &str) -> Option<SystemTime> {
        self.file
            .targets
            .get(target)
            .and_then(|r| r.last_success_at_ms)
            .map(from_unix_ms)
    }

    /// Records that `target` starts now, before it sends anything. `since`: the start of
    /// an earlier attempt that may have created a backup, kept as the record's start so
    /// that a crash now still reconciles over both attempts.
    pub fn start(&mut self, target: &str, kind: &str, now: SystemTime, since: Option<SystemTime>) {
        let last_success_at_ms = self
            .file
            .targets
            .get(target)
            .and_then(|r| r.last_success_at_ms);
        let started_at_ms = unix_ms(since.unwrap_or(now).min(now));
        self.file.targets.insert(
            target.to_owned(),
            TargetRecord {
                run_id: self.file.run_id.clone(),
                status: RecordStatus::Started,
                kind: kind.to_owned(),
                started_at_ms,
                finished_at_ms: None,
                elapsed_ms: 0,
                may_have_created: true,
                result: Value::Null,
                error: None,
                last_success_at_ms,
            },
        );
    }

    /// Records how `report`'s target ended. `may_have_created`: for a failure, whether a
    /// backup may exist.
    pub fn finish(&mut self, report: &TargetReport, may_have_created: bool, now: SystemTime) {
        let Some(record) = self.file.targets.get_mut(&report.name) else {
            return;
        };
        record.finished_at_ms = Some(unix_ms(now));
        record.elapsed_ms = u64::try_from(report.elapsed_ms).unwrap_or(u64::MAX);
        record.result = report.result.clone();
        record.error = report.error.clone();
        if report.status == TargetStatus::Succeeded {
            record.status = RecordStatus::Succeeded;
            record.may_have_created = false;
            record.last_success_at_ms = Some(unix_ms(now));
        } else {
            record.status = RecordStatus::Failed;
            record.may_have_created = may_have_created;
        }
    }

    /// The file's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, StateError> {
        let mut text = serde_json::to_vec_pretty(&self.file).map_err(|e| StateError::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        text.push(b'\n');
        Ok(text)
    }
}

/// A [`State`] shared by a run's concurrent targets: every change is written (atomically,
/// off the async threads) before the call returns, one change at a time.
#[derive(Debug)]
pub struct Recorder {
    state: tokio::sync::Mutex<State>,
}

impl Recorder {
    pub fn new(state: State) -> Self {
        Self {
            state: tokio::sync::Mutex::new(state),
        }
    }

    pub async fn resume(&self, target: &str) -> Resume {
        self.state.lock().await.resume(target)
    }

    pub async fn last_success(&self, target: &str) -> Option<SystemTime> {
        self.state.lock().await.last_success(target)
    }

    pub async fn run_id(&self) -> String {
        self.state.lock().await.run_id().to_owned()
    }

    /// Records the start of `target` (see [`State::start`]) and writes the file: when this
    /// returns `Ok`, a crash from here on is seen by the next run.
    pub async fn start(
        &self,
        target: &str,
        kind: &str,
        since: Option<SystemTime>,
    ) -> Result<(), StateError> {
        let mut state = self.state.lock().await;
        state.start(target, kind, SystemTime::now(), since);
        persist(&state).await
    }

    /// Records how a target ended (see [`State::finish`]) and writes the file.
    pub async fn finish(
        &self,
        report: &TargetReport,
        may_have_created: bool,
    ) -> Result<(), StateError> {
        let mut state = self.state.lock().await;
        state.finish(report, may_have_created, SystemTime::now());
        persist(&state).await
    }
}

/// Writes `state` on a blocking thread (fsync can take long); the caller holds the lock,
/// so writes happen in the order of the changes.
async fn persist(state: &State) -> Result<(), StateError> {
    let bytes = state.encode()?;
    let path = state.path.clone();
    let write_error = |reason: String| StateError::Write {
        path: state.path.clone(),
        reason,
    };
    tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
        .await
        .map_err(|e| write_error(e.to_string()))?
        .map_err(|e| write_error(e.to_string()))
}

fn parse(path: &Path, bytes: &[u8]) -> Result<StateFile, StateError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        // Ours, cut short (a disk that lied about fsync, a hand edit), or something else.
        let ours = bytes.windows(FORMAT.len()).any(|w| w == FORMAT.as_bytes());
        let reason = format!("not JSON: {e}");
        if ours {
            StateError::Corrupt {
                path: path.to_owned(),
                reason,
            }
        } else {
            StateError::NotAStateFile {
                path: path.to_owned(),
                reason,
            }
        }
    })?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(StateError::NotAStateFile {
            path: path.to_owned(),
            reason: format!("no \"format\": \"{FORMAT}\""),
        });
    }
    match value.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(version) if version > u64::from(VERSION) => {
            return Err(StateError::UnsupportedVersion {
                path: path.to_owned(),
                version,
            });
        }
        _ => {
            return Err(StateError::Corrupt {
                path: path.to_owned(),
                reason: "no valid \"version\"".into(),
            });
        }
    }
    serde_json::from_value(value).map_err(|e| StateError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Writes `bytes` to `path` so that readers see the old content or the new, never a part:
/// a temporary file in the same directory (a rename is atomic only within one file
/// system), flushed, renamed over `path`, then the directory flushed so the rename itself
/// survives a power cut.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;

    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Windows cannot open a directory as a file; its renames are flushed with the file.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Whether a backup may exist after a target failed with `error`: anything but a failure
/// that proves nothing was made (input refused before sending, a create the vendor
/// refused, an ambiguous create reconciled to `NotCreated`, a backup the vendor reports
/// failed). When in doubt, yes: the rerun then reconciles instead of creating.
pub fn may_have_created(error: &CliError) -> bool {
    match error {
        CliError::Usage(_) => false,
        CliError::Sdk {
            error: backup_core::Error::JobFailed(_),
            ..
        } => false,
        CliError::Sdk {
            error, after_send, ..
        } => *after_send || error.is_ambiguous_outcome(),
        CliError::Reconciled(failure) => !failure
            .reconciled
            .last()
            .is_some_and(|verdict| verdict.is_not_created()),
        CliError::Failed(_) => true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["cache", "ocp", "ges"];

    fn plan(text: &str) -> PlanIdentity {
        PlanIdentity::new(Path::new("nightly.toml"), text, None)
    }

    fn at(ms: u64) -> SystemTime {
        from_unix_ms(ms)
    }

    fn open(
        existing: Option<&[u8]>,
        identity: PlanIdentity,
        run_id: Option<&str>,
    ) -> Result<State, StateError> {
        State::open(
            Path::new("state.json"),
            existing,
            identity,
            &NAMES,
            run_id,
            at(5_000_000),
        )
    }

    fn report(name: &str, status: TargetStatus) -> TargetReport {
        TargetReport {
            name: name.into(),
            kind: "ges-backup".into(),
            vendor: "ges".into(),
            status,
            elapsed_ms: 1500,
            result: serde_json::json!({ "backupId": format!("b-{name}") }),
            error: None,
            skipped: None,
        }
    }

    /// A run of plan "A": cache succeeded, ocp started, ges failed with nothing created.
    fn half_done() -> Vec<u8> {
        let mut state = open(None, plan("A"), None).unwrap();
        state.start("cache", "ncp-cache-backup", at(1_000), None);
        state.finish(&report("cache", TargetStatus::Succeeded), false, at(2_000));
        state.start("ocp", "ocp-backup-now", at(3_000), None);
        state.start("ges", "ges-backup", at(4_000), None);
        state.finish(&report("ges", TargetStatus::Failed), false, at(4_500));
        state.encode().unwrap()
    }

    #[test]
    fn a_rerun_skips_successes_reconciles_starts_and_retries_safe_failures() {
        let bytes = half_done();
        let state = open(Some(&bytes), plan("A"), None).unwrap();
        assert_eq!(state.resumed(), Some(1));
        match state.resume("cache") {
            Resume::Skip(record) => {
                assert_eq!(record.result["backupId"], "b-cache");
                assert_eq!(record.finished_at_ms, Some(2_000));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(state.resume("ocp"), Resume::Reconcile(at(3_000)));
        assert_eq!(state.resume("ges"), Resume::Fresh);
        assert_eq!(state.last_success("cache"), Some(at(2_000)));
    }

    #[test]
    fn a_failure_that_may_have_created_a_backup_is_reconciled_from_its_first_start() {
        let mut state = open(None, plan("A"), None).unwrap();
        state.start("ocp", "ocp-backup-now", at(1_000), None);
        state.finish(&report("ocp", TargetStatus::Failed), true, at(2_000));
        let bytes = state.encode().unwrap();
        let mut state = open(Some(&bytes), plan("A"), None).unwrap();
        assert_eq!(state.resume("ocp"), Resume::Reconcile(at(1_000)));
        // Reconciling again later keeps the window from the first attempt.
        state.start("ocp", "ocp-backup-now", at(9_000), Some(at(1_000)));
        assert_eq!(state.resume("ocp"), Resume::Reconcile(at(1_000)));
    }

    #[test]
    fn a_complete_run_or_another_run_id_starts_a_new_run_carrying_last_successes() {
        let mut state = open(None, plan("A"), Some("night-1")).unwrap();
        for name in NAMES {
            state.start(name, "ges-backup", at(1_000), None);
            state.finish(&report(name, TargetStatus::Succeeded), false, at(2_000));
        }
        let bytes = state.encode().unwrap();
        let next = open(Some(&bytes), plan("A"), None).unwrap();
        assert_eq!(next.resumed(), None);
        assert_ne!(next.run_id(), "night-1");
        for name in NAMES {
            assert_eq!(next.resume(name), Resume::Fresh, "{name}");
            assert_eq!(next.last_success(name), Some(at(2_000)), "{name}");
        }
        // The same id continues it, even complete; another id starts afresh.
        let same = open(Some(&bytes), plan("A"), Some("night-1")).unwrap();
        assert!(matches!(same.resume("ges"), Resume::Skip(_)));
        let half = half_done();
        let other = open(Some(&half), plan("A"), Some("night-2")).unwrap();
        assert_eq!(other.resume("cache"), Resume::Fresh);
        assert_eq!(other.resume("ocp"), Resume::Fresh);
    }

    #[test]
    fn state_from_another_plan_or_shard_is_not_applied() {
        let half = half_done();
        for other in [
            plan("B"),
            PlanIdentity::new(
                Path::new("nightly.toml"),
                "A",
                Some(Shard { index: 1, count: 2 }),
            ),
        ] {
            match open(Some(&half), other.clone(), None) {
                Err(StateError::OtherPlan {
                    recorded, current, ..
                }) => {
                    assert_eq!(recorded, plan("A"));
                    assert_eq!(current, other);
                }
                other => panic!("{other:?}"),
            }
        }
        let error = CliError::from(open(Some(&half), plan("B"), None).unwrap_err());
        assert!(matches!(error, CliError::Usage(_)), "{error:?}");
        assert!(error.to_string().contains("another plan"), "{error}");

        // A finished run of another plan: a new run, nothing skipped, nothing carried.
        let mut state = open(None, plan("A"), None).unwrap();
        state.start("cache", "ncp-cache-backup", at(1_000), None);
        state.finish(&report("cache", TargetStatus::Succeeded), false, at(2_000));
        let bytes = state.encode().unwrap();
        let state = open(Some(&bytes), plan("B"), None).unwrap();
        assert_eq!(state.resume("cache"), Resume::Fresh);
        assert_eq!(state.last_success("cache"), None);
        // The path is not the identity: the same text elsewhere is the same plan.
        let moved = PlanIdentity::new(Path::new("/elsewhere/plan.toml"), "A", None);
        let state = open(Some(&half_done()), moved, None).unwrap();
        assert!(matches!(state.resume("cache"), Resume::Skip(_)));
    }

    #[test]
    fn damaged_or_foreign_files_are_typed_errors() {
        let good = half_done();
        let truncated = &good[..good.len() / 2];
        let mut wrong_type: Value = serde_json::from_slice(&good).unwrap();
        wrong_type["targets"]["cache"]["status"] = Value::from("exploded");
        let wrong_type = serde_json::to_vec(&wrong_type).unwrap();
        let mut newer: Value = serde_json::from_slice(&good).unwrap();
        newer["version"] = Value::from(99);
        let newer = serde_json::to_vec(&newer).unwrap();
        let cases: [(&[u8], fn(&StateError) -> bool); 6] = [
            (truncated, |e| matches!(e, StateError::Corrupt { .. })),
            (b"", |e| matches!(e, StateError::NotAStateFile { .. })),
            (b"\xff\xfe\x00garbage", |e| {
                matches!(e, StateError::NotAStateFile { .. })
            }),
            (br#"{"apiVersion": "v1", "kind": "ConfigMap"}"#, |e| {
                matches!(e, StateError::NotAStateFile { .. })
            }),
            (&wrong_type, |e| matches!(e, StateError::Corrupt { .. })),
            (&newer, |e| {
                matches!(e, StateError::UnsupportedVersion { version: 99, .. })
            }),
        ];
        for (bytes, expected) in cases {
            match open(Some(bytes), plan("A"), None) {
                Err(e) => {
                    assert!(expected(&e), "{e:?}");
                    assert!(e.to_string().contains("state.json"), "{e}");
                    assert!(matches!(CliError::from(e), CliError::Usage(_)));
                }
                Ok(state) => panic!("accepted {:?}: {state:?}", String::from_utf8_lossy(bytes)),
            }
        }
    }

    #[test]
    fn files_are_replaced_whole_and_leave_no_temporary_behind() {
        let dir = std::env::temp_dir().join(format!("backupctl-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, &half_done()).unwrap();
        let read = std::fs::read(&path).unwrap();
        assert_eq!(read, half_done());
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("state.json")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_failures_that_prove_nothing_was_made_are_retried_without_reconciling() {
        let refused =
            backup_core::Error::InvalidInput(backup_core::InvalidInput::new("x", "is bad"));
        assert!(!may_have_created(&CliError::Usage("bad".into())));
        assert!(!may_have_created(&CliError::sdk("create", refused)));
        assert!(may_have_created(&CliError::Failed("listed nothing".into())));
        let waited =
            backup_core::Error::InvalidInput(backup_core::InvalidInput::new("x", "is bad"));
        assert!(may_have_created(&CliError::sdk_after_send("wait", waited)));
    }
}
