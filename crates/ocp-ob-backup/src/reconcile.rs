//! Whether a `backupNow` or `tenantBackupNow` that ended in [`Error::AmbiguousOutcome`]
//! took effect.
//!
//! [`Error::AmbiguousOutcome`]: backup_core::Error::AmbiguousOutcome

use std::time::Duration;

use backup_core::reconcile::{Attempt, Evidence, Reconciliation};

use crate::client::VENDOR;
use crate::{Client, parse_timestamp};

/// The default margin before the attempt: the skew OCP's `OCP-ACCESS-KEY-HMACSHA1`
/// signatures tolerate (15 minutes), within which any request it accepted was signed.
pub const RECONCILE_MARGIN: Duration = Duration::from_secs(15 * 60);

impl Client {
    /// Finds out whether a `backupNow` of cluster `cluster_id` (`tenant_id` `None`) or a
    /// `tenantBackupNow` of one tenant, attempted at `attempt` (for example
    /// [`Attempt::from_error`] of its
    /// [`AmbiguousOutcome`](backup_core::Error::AmbiguousOutcome)), started a backup, by
    /// listing the cluster's data backup tasks (`dataBackupTasks`, every page).
    ///
    /// - `Created { id }`: exactly one task of the cluster (of the tenant, for a tenant
    ///   backup) starts at or after the attempt minus the margin ([`RECONCILE_MARGIN`]
    ///   unless the attempt sets one); `id` is its `taskId`, and it may still be `DOING`.
    /// - `NotCreated`: the complete list holds no such task, and every task is dated.
    /// - `Unknown`: the listing failed, several tasks are in the window, or a task has no
    ///   readable `startTime`.
    ///
    /// For a tenant backup, tasks of other tenants do not count; tasks that name no tenant
    /// do, since nothing rules them out. The list is filtered here, not by OCP's
    /// `startTime` parameter, whose zone handling is not documented. Whether OCP lists a
    /// task as soon as `backupNow` accepts it (rather than once the backup set starts) is
    /// not documented either (UNVERIFIED); the emulator lists it at once. Never sends a
    /// backup request.
    pub async fn reconcile_backup_now(
        &self,
        cluster_id: i64,
        tenant_id: Option<i64>,
        attempt: &Attempt,
    ) -> Reconciliation {
        let (operation, resource) = match tenant_id {
            Some(tenant) => (
                "tenantBackupNow",
                format!("cluster {cluster_id} tenant {tenant}"),
            ),
            None => ("backupNow", format!("cluster {cluster_id}")),
        };
        let mut evidence = Evidence::new(VENDOR, operation, resource, attempt, RECONCILE_MARGIN);
        evidence.listed_with("listDataBackupTasks");
        let tasks = match self
            .data_backup_tasks(cluster_id)
            .page_size(crate::MAX_PAGE_SIZE)
            .collect()
            .await
        {
            Ok(tasks) => tasks,
            Err(e) => {
                return evidence.unknown(format!("listing the data backup tasks failed: {e}"));
            }
        };
        let mut other_tenants = 0usize;
        for task in tasks {
            if let (Some(wanted), Some(listed)) = (tenant_id, task.tenant_id)
                && wanted != listed
            {
                other_tenants += 1;
                evidence.skip();
                continue;
            }
            let at = task.start_time.as_deref().and_then(parse_timestamp);
            evidence.observe(
                task.task_id.map(|id| id.to_string()),
                at,
                task.start_time,
                task.status,
            );
        }
        if other_tenants > 0 {
            evidence.note(format!(
                "{other_tenants} task(s) of other tenants not counted"
            ));
        }
        evidence.conclude()
    }
}
