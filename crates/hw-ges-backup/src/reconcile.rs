//! Whether a `createBackup` that ended in [`Error::AmbiguousOutcome`] took effect.
//!
//! [`Error::AmbiguousOutcome`]: backup_core::Error::AmbiguousOutcome

use std::time::{Duration, SystemTime};

use backup_core::reconcile::{Attempt, Evidence, Reconciliation};
use backup_core::time::{TimestampFormat, parse};

use crate::{Backup, BackupMethod, Client, VENDOR};

/// The default margin before the attempt: the Huawei API gateway's limit on clock skew
/// (15 minutes), within which any request it accepted was signed.
pub const RECONCILE_MARGIN: Duration = Duration::from_secs(15 * 60);

impl Client {
    /// Finds out whether a `createBackup` of `graph_id` attempted at `attempt` (for example
    /// [`Attempt::from_error`] of its [`AmbiguousOutcome`](backup_core::Error::AmbiguousOutcome))
    /// made a backup, by listing the graph's backups (`listGraphBackups`, every page).
    ///
    /// - `Created { id }`: exactly one backup made by hand (`backup_method` `manual`, or
    ///   none given) starts at or after the attempt minus the margin ([`RECONCILE_MARGIN`]
    ///   unless the attempt sets one); its status may still be `backing_up`.
    /// - `NotCreated`: the complete list holds no such backup, and every entry is dated.
    ///   GES lists a backup while it is `backing_up`, so a running one is seen.
    /// - `Unknown`: the listing failed, several backups are in the window, or an entry has
    ///   no readable time.
    ///
    /// Scheduled (`auto`) and imported backups never count. The job list
    /// (`GET /v2/{project_id}/graphs/jobs`) is not consulted: this SDK has no operation for
    /// it. Never sends a create.
    pub async fn reconcile_create_backup(
        &self,
        graph_id: &str,
        attempt: &Attempt,
    ) -> Reconciliation {
        let mut evidence = Evidence::new(
            VENDOR,
            "createBackup",
            format!("graph {graph_id}"),
            attempt,
            RECONCILE_MARGIN,
        );
        evidence.listed_with("listGraphBackups");
        let backups = match self.graph_backups(graph_id).collect().await {
            Ok(backups) => backups,
            Err(e) => return evidence.unknown(format!("listing the graph's backups failed: {e}")),
        };
        let mut scheduled = 0usize;
        for backup in backups {
            if matches!(
                backup.backup_method,
                Some(BackupMethod::Auto | BackupMethod::Import)
            ) {
                scheduled += 1;
                evidence.skip();
                continue;
            }
            let (at, time) = started_at(&backup);
            evidence.observe(
                backup.id,
                at,
                time,
                backup.status.map(|s| s.as_str().to_owned()),
            );
        }
        if scheduled > 0 {
            evidence.note(format!(
                "{scheduled} scheduled or imported backup(s) not counted"
            ));
        }
        evidence.conclude()
    }
}

/// When `backup` started: `start_timestamp` (milliseconds), else `start_time` (UTC), and
/// the text to show for it.
fn started_at(backup: &Backup) -> (Option<SystemTime>, Option<String>) {
    if let Some(millis) = backup.start_timestamp.and_then(|m| u64::try_from(m).ok()) {
        return (
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis)),
            Some(millis.to_string()),
        );
    }
    let text = backup.start_time.clone();
    let at = text
        .as_deref()
        .and_then(|t| parse(t, TimestampFormat::ISO_8601));
    (at, text)
}
