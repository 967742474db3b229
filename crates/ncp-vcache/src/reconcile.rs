//! Whether a `createCloud…ManualBackup` that ended in [`Error::AmbiguousOutcome`] took
//! effect: the reconciliation shared by the `vcache` and `vredis` clients.
//!
//! [`Error::AmbiguousOutcome`]: backup_core::Error::AmbiguousOutcome

use std::time::Duration;

use backup_core::poll::wait_until;
use backup_core::reconcile::{Attempt, Evidence, Reconciliation};
use backup_core::{PollState, Progress, WaitConfig};

use crate::manual::{BackupEntry, ManualBackups, list_or_empty};

/// The default margin before the attempt: the NCP API gateway's limit on clock skew
/// (5 minutes), within which any request it accepted was signed.
pub const RECONCILE_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The longest pause between two listings while watching.
const MAX_WATCH_INTERVAL: Duration = Duration::from_secs(5);

/// What one listing shows.
struct Listing<'a> {
    create_operation: &'static str,
    list_operation: &'static str,
    instance_no: &'a str,
    attempt: &'a Attempt,
}

impl Listing<'_> {
    async fn verdict<C: ManualBackups>(&self, client: &C) -> Reconciliation {
        let mut evidence = Evidence::new(
            C::VENDOR,
            self.create_operation,
            format!("{} {}", C::INSTANCE_PARAM, self.instance_no),
            self.attempt,
            RECONCILE_MARGIN,
        );
        evidence.listed_with(self.list_operation);
        let entries = match list_or_empty(client, self.instance_no, None).await {
            Ok(entries) => entries,
            Err(e) => {
                return evidence.unknown(format!("listing the manual backups failed: {e}"));
            }
        };
        for entry in &entries {
            evidence.observe(
                entry
                    .file_name()
                    .or_else(|| entry.start_time())
                    .map(str::to_owned),
                entry.started_at(),
                entry.start_time().map(str::to_owned),
                Some(
                    if entry.has_ended() {
                        "ended"
                    } else {
                        "running"
                    }
                    .to_owned(),
                ),
            );
        }
        evidence.conclude()
    }
}

/// See [`ManualBackups::reconcile_manual_backup`].
pub(crate) async fn reconcile_manual_backup<C: ManualBackups>(
    client: &C,
    instance_no: &str,
    attempt: &Attempt,
    watch: Duration,
) -> Reconciliation {
    let listing = Listing {
        create_operation: C::CREATE_OPERATION,
        list_operation: C::LIST_OPERATION,
        instance_no,
        attempt,
    };
    if watch.is_zero() {
        return match listing.verdict(client).await {
            Reconciliation::NotCreated { evidence } => evidence.unknown(
                "no manual backup is listed since the attempt, but the service may list one \
                 only once it has ended (not documented), so a running one is not seen; \
                 watch the list for as long as a backup of this instance takes",
            ),
            other => other,
        };
    }
    let interval = (watch / 10).clamp(Duration::from_millis(50), MAX_WATCH_INTERVAL);
    let config = WaitConfig::default()
        .with_intervals(interval, interval)
        .with_timeout(watch);
    let watched = wait_until(
        "a manual backup since the attempt",
        &config,
        || async {
            Ok(match listing.verdict(client).await {
                Reconciliation::NotCreated { .. } => {
                    PollState::Pending(Progress::new("none listed"))
                }
                other => PollState::Done(other),
            })
        },
        |_| {},
    )
    .await;
    if let Ok(verdict) = watched {
        return verdict;
    }
    // The watch ended: the last word is one more listing's.
    match listing.verdict(client).await {
        Reconciliation::NotCreated { mut evidence } => {
            evidence.note(format!(
                "none listed while watching for {watch:?}: a backup listed only later would \
                 not be seen"
            ));
            Reconciliation::NotCreated { evidence }
        }
        other => other,
    }
}
