//! What a backup target does when its create ends in `AmbiguousOutcome`: it asks the
//! vendor crate's `reconcile_*` whether the backup exists, then carries on with the backup
//! found (`Created`), creates once more (`NotCreated` with `--retry-ambiguous`), or fails
//! with the evidence (`NotCreated` without the flag, `Unknown`). Every verdict goes into
//! the target's result or error, and so into `--output json` and the plan report. A backup
//! found by listing is then followed with the SDK's waiter for listed backups
//! (`wait_until_backup_done`, `wait_until_data_backup_task_done`,
//! `wait_until_manual_backup_id_done`).
//!
//! A create that an earlier run recorded as started in its `--state` file, and never as
//! ended, is just as ambiguous: that run may have been killed between sending it and
//! hearing the answer. It is reconciled first, from the recorded start, and sent only when
//! the vendor shows nothing since then.

use std::future::Future;
use std::time::SystemTime;

use backup_core::Error;
use backup_core::reconcile::{Attempt, Reconciliation};
use serde_json::Value;

use crate::error::CliError;
use crate::progress::TargetProgress;

/// How a create ended, after reconciling when its outcome was ambiguous.
pub enum Created<T> {
    /// The vendor answered: at once, or on the one retry after `NotCreated`.
    Answered {
        output: T,
        reconciled: Vec<Reconciliation>,
    },
    /// The answer was lost, but the vendor shows the backup (or task) `id`.
    Found {
        id: String,
        reconciled: Vec<Reconciliation>,
    },
}

/// How a target may send its create.
#[derive(Debug, Clone, Copy, Default)]
pub struct CreatePolicy {
    /// `--retry-ambiguous`: after an ambiguous create that reconciles to `NotCreated`,
    /// send it once more.
    pub retry_ambiguous: bool,
    /// When an earlier run (the `--state` file) started this create without recording
    /// its end: reconcile from then before sending anything.
    pub sent_earlier: Option<SystemTime>,
}

/// The verdicts as JSON, for results and reports; `None` when there were none.
pub fn verdicts_json(reconciled: &[Reconciliation]) -> Option<Value> {
    (!reconciled.is_empty())
        .then(|| serde_json::to_value(reconciled).unwrap_or(Value::Null))
        .filter(|v| !v.is_null())
}

/// Runs `create`; after an ambiguous outcome, `reconcile`s and decides (see the module
/// docs). A create is sent at most twice, the second time only after `NotCreated` and
/// with `retry_ambiguous`. With `sent_earlier`, the vendor is asked first, and the create
/// is sent (at most once) only on `NotCreated`.
pub async fn create_reconciled<T, C, CF, R, RF>(
    policy: CreatePolicy,
    context: &str,
    progress: &TargetProgress,
    mut create: C,
    mut reconcile: R,
) -> Result<Created<T>, CliError>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, Error>>,
    R: FnMut(Attempt) -> RF,
    RF: Future<Output = Reconciliation>,
{
    let retry_ambiguous = policy.retry_ambiguous;
    let mut reconciled: Vec<Reconciliation> = Vec::new();
    if let Some(since) = policy.sent_earlier {
        progress.note(&format!(
            "{context}: an earlier run may have sent this create; listing what the vendor \
             shows since then"
        ));
        let verdict = reconcile(Attempt::new(since)).await;
        progress.note(&verdict.to_string());
        let found = verdict.created_id().map(str::to_owned);
        let not_created = verdict.is_not_created();
        reconciled.push(verdict);
        if let Some(id) = found {
            return Ok(Created::Found { id, reconciled });
        }
        if !not_created {
            return Err(CliError::Reconciled(Box::new(crate::error::Unreconciled {
                context: context.to_owned(),
                error: None,
                reconciled,
                retry_ambiguous,
            })));
        }
        progress.note(&format!("{context}: nothing was created; sending it"));
    }
    loop {
        let error = match create().await {
            Ok(output) => return Ok(Created::Answered { output, reconciled }),
            Err(error) => error,
        };
        let Some(attempt) = Attempt::from_error(&error) else {
            return Err(if reconciled.is_empty() {
                CliError::sdk(context, error)
            } else {
                CliError::reconciled(context, error, reconciled, retry_ambiguous)
            });
        };
        progress.note(&format!(
            "{context}: the outcome is unknown; listing what the vendor shows since the attempt"
        ));
        let verdict = reconcile(attempt).await;
        progress.note(&verdict.to_string());
        let may_retry = retry_ambiguous && reconciled.is_empty() && verdict.is_not_created();
        let found = verdict.created_id().map(str::to_owned);
        reconciled.push(verdict);
        if let Some(id) = found {
            return Ok(Created::Found { id, reconciled });
        }
        if !may_retry {
            return Err(CliError::reconciled(
                context,
                error,
                reconciled,
                retry_ambiguous,
            ));
        }
        progress.note(&format!(
            "{context}: nothing was created; sending it once more (--retry-ambiguous)"
        ));
    }
}

/// What the failure line adds after the SDK's error: the last verdict and what to do.
pub fn advice(reconciled: &[Reconciliation], retry_ambiguous: bool) -> String {
    let Some(last) = reconciled.last() else {
        return String::new();
    };
    let what_to_do = match last {
        Reconciliation::NotCreated { .. } if retry_ambiguous => {
            "nothing was created by either attempt; run it again"
        }
        Reconciliation::NotCreated { .. } => {
            "nothing was created; run it again, or pass --retry-ambiguous to retry such a \
             create once automatically"
        }
        _ => "check what the vendor lists before running it again",
    };
    format!("{last}; {what_to_do}")
}
