//! Finding out whether a create that ended in [`Error::AmbiguousOutcome`] took effect.
//!
//! A create whose connection dropped after the request was written, that timed out, or
//! that was answered with an undocumented 5xx may or may not have started a backup. Sending
//! it again could start a second one; not sending it could leave none. Each vendor crate
//! offers a `reconcile_*` method for its creates that lists what the vendor shows since
//! just before the attempt and answers with a [`Reconciliation`]:
//!
//! - [`Reconciliation::Created`] needs positive evidence: exactly one backup (or task) of
//!   the resource that the vendor dates at or after the attempt's start minus a margin.
//! - [`Reconciliation::NotCreated`] needs a successful, complete listing that shows none,
//!   from a listing that is known to show backups while they run.
//! - [`Reconciliation::Unknown`] is everything else (a listing that failed, several
//!   candidates, entries whose time cannot be read, a vendor that lists nothing), with the
//!   reason.
//!
//! Every answer carries its [`Evidence`]: what was listed, the window, and what was seen in
//! it, serialisable for reports.
//!
//! **Clocks.** The attempt's start is the client's clock ([`AmbiguousOutcome::attempt_started`],
//! the time the attempt was signed with); the vendor dates its backups by its own. A
//! gateway accepts a signature only within its skew limit, so a request that reached the
//! service was signed within that limit of the service's time: each vendor's default margin
//! is that limit (NCP 5 minutes, Huawei and OCP 15 minutes). A wider margin admits older
//! backups as candidates; [`Attempt::with_margin`] narrows or widens it.
//!
//! [`AmbiguousOutcome::attempt_started`]: crate::AmbiguousOutcome::attempt_started

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::Error;
use crate::redact::escape;

/// How many candidates the evidence keeps; more are counted, not kept.
pub const MAX_SIGHTINGS: usize = 20;

/// When the create was attempted, and how much earlier a vendor's time may be and still
/// count as "since the attempt".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// When the attempt was signed, by the client's clock.
    pub started: SystemTime,
    /// The margin before `started`; `None` uses the vendor's default (its skew limit).
    pub margin: Option<Duration>,
}

impl Attempt {
    /// An attempt started at `started` (the client's clock), with the vendor's default margin.
    pub fn new(started: SystemTime) -> Self {
        Self {
            started,
            margin: None,
        }
    }

    /// The attempt an [`Error::AmbiguousOutcome`] describes; `None` for any other error.
    pub fn from_error(error: &Error) -> Option<Self> {
        match error {
            Error::AmbiguousOutcome(outcome) => Some(Self::new(outcome.attempt_started)),
            _ => None,
        }
    }

    /// Sets the margin before the attempt's start.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    /// The earliest vendor time that counts as "since the attempt".
    pub fn window_start(&self, default_margin: Duration) -> SystemTime {
        self.started
            .checked_sub(self.margin.unwrap_or(default_margin))
            .unwrap_or(SystemTime::UNIX_EPOCH)
            .max(SystemTime::UNIX_EPOCH)
    }
}

/// One backup or task seen in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Sighting {
    /// Its id as the vendor names it (a backup id, a task id, a file name); `None` when the
    /// vendor listed it without one.
    pub id: Option<String>,
    /// Its time as the vendor sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Its state as the vendor sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// What a reconciliation looked at and saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Evidence {
    /// The vendor.
    pub vendor: &'static str,
    /// The create operation that was ambiguous.
    pub operation: &'static str,
    /// The resource it was for (`graph g-1`, `cluster 1 tenant 1001`).
    pub resource: String,
    /// When the attempt was signed (client clock), RFC 3339 UTC.
    pub attempt_started: String,
    /// The earliest vendor time that counted (the attempt's start minus the margin).
    pub window_start: String,
    /// The operations that were called to list.
    pub listed_with: Vec<&'static str>,
    /// How many entries the listings returned in all.
    pub listed: usize,
    /// The entries dated in the window (at most [`MAX_SIGHTINGS`]).
    pub in_window: Vec<Sighting>,
    /// How many entries were dated in the window in all.
    pub in_window_count: usize,
    /// Entries whose time could not be read, so that they can be neither counted nor ruled out.
    pub undated: usize,
    /// Entries left out on purpose (scheduled backups, other tenants), and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip)]
    window: SystemTime,
}

impl Evidence {
    /// Starts the evidence for `operation` of `vendor` on `resource`, with the window that
    /// `attempt` and the vendor's `default_margin` give.
    pub fn new(
        vendor: &'static str,
        operation: &'static str,
        resource: impl Into<String>,
        attempt: &Attempt,
        default_margin: Duration,
    ) -> Self {
        let window = attempt.window_start(default_margin);
        Self {
            vendor,
            operation,
            resource: resource.into(),
            attempt_started: rfc3339(attempt.started),
            window_start: rfc3339(window),
            listed_with: Vec::new(),
            listed: 0,
            in_window: Vec::new(),
            in_window_count: 0,
            undated: 0,
            notes: Vec::new(),
            window,
        }
    }

    /// Records that `operation` was called to list.
    pub fn listed_with(&mut self, operation: &'static str) {
        if !self.listed_with.contains(&operation) {
            self.listed_with.push(operation);
        }
    }

    /// Records one listed entry: `at` is its time as parsed (`None`: unreadable), `time`
    /// and `status` as the vendor sent them.
    pub fn observe(
        &mut self,
        id: Option<String>,
        at: Option<SystemTime>,
        time: Option<String>,
        status: Option<String>,
    ) {
        self.listed += 1;
        match at {
            None => self.undated += 1,
            Some(at) if at >= self.window => {
                self.in_window_count += 1;
                if self.in_window.len() < MAX_SIGHTINGS {
                    self.in_window.push(Sighting { id, time, status });
                }
            }
            Some(_) => {}
        }
    }

    /// Records one listed entry that does not count (a scheduled backup, another tenant's).
    pub fn skip(&mut self) {
        self.listed += 1;
    }

    /// Adds a note.
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// The verdict after a successful, complete listing: one candidate with an id is
    /// `Created`; none, with every entry dated, is `NotCreated`; anything else `Unknown`.
    pub fn conclude(self) -> Reconciliation {
        match (self.in_window_count, self.in_window.first()) {
            (1, Some(Sighting { id: Some(id), .. })) => Reconciliation::Created {
                id: id.clone(),
                evidence: self,
            },
            (1, _) => self.unknown("the one entry in the window was listed without an id"),
            (0, _) if self.undated > 0 => {
                let reason = format!(
                    "none of the entries is dated in the window, but {} could not be dated",
                    self.undated
                );
                self.unknown(reason)
            }
            (0, _) => Reconciliation::NotCreated { evidence: self },
            (n, _) => self.unknown(format!(
                "{n} entries are dated in the window; which of them, if any, this attempt made cannot be told"
            )),
        }
    }

    /// An `Unknown` verdict for `reason`.
    pub fn unknown(self, reason: impl Into<String>) -> Reconciliation {
        Reconciliation::Unknown {
            reason: reason.into(),
            evidence: self,
        }
    }
}

/// Whether an ambiguous create took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reconciliation {
    /// The vendor shows one backup (or task) of the resource since the attempt: it exists,
    /// do not create again.
    Created {
        /// Its id (a backup id, a task id, a file name).
        id: String,
        /// What was seen.
        evidence: Evidence,
    },
    /// A complete listing shows nothing since the attempt: the create did not take effect,
    /// and creating again starts one backup.
    NotCreated {
        /// What was seen.
        evidence: Evidence,
    },
    /// Nothing proves either: do not create again without looking yourself.
    Unknown {
        /// Why.
        reason: String,
        /// What was seen.
        evidence: Evidence,
    },
}

impl Reconciliation {
    /// What was seen.
    pub fn evidence(&self) -> &Evidence {
        match self {
            Reconciliation::Created { evidence, .. }
            | Reconciliation::NotCreated { evidence }
            | Reconciliation::Unknown { evidence, .. } => evidence,
        }
    }

    /// The id of the backup found, for `Created`.
    pub fn created_id(&self) -> Option<&str> {
        match self {
            Reconciliation::Created { id, .. } => Some(id),
            _ => None,
        }
    }

    /// Whether a complete listing showed the create did not take effect.
    pub fn is_not_created(&self) -> bool {
        matches!(self, Reconciliation::NotCreated { .. })
    }
}

impl fmt::Display for Reconciliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.evidence();
        let lists = e.listed_with.join(", ");
        let listed_with = if lists.is_empty() {
            "the vendor"
        } else {
            &lists
        };
        match self {
            Reconciliation::Created { id, .. } => write!(
                f,
                "{} {} of {} took effect: {} lists {} since {}",
                e.vendor,
                e.operation,
                escape(&e.resource),
                listed_with,
                escape(id),
                e.window_start
            ),
            Reconciliation::NotCreated { .. } => write!(
                f,
                "{} {} of {} did not take effect: {} lists {} entries, none since {}",
                e.vendor,
                e.operation,
                escape(&e.resource),
                listed_with,
                e.listed,
                e.window_start
            ),
            Reconciliation::Unknown { reason, .. } => write!(
                f,
                "{} {} of {}: whether it took effect is unknown: {}",
                e.vendor,
                e.operation,
                escape(&e.resource),
                escape(reason)
            ),
        }
    }
}

/// `time` as RFC 3339 UTC to the second (`2024-07-02T01:00:00Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let (year, month, day, hour, minute, second) = crate::clock::utc_fields(time);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn evidence() -> Evidence {
        // Attempt at 1_000_000 s, margin 5 min: the window starts at 999_700 s.
        Evidence::new(
            "ges",
            "createBackup",
            "graph g",
            &Attempt::new(at(1_000_000)),
            5 * MIN,
        )
    }

    #[test]
    fn one_entry_in_the_window_is_created_with_its_id() {
        let mut e = evidence();
        e.listed_with("listGraphBackups");
        e.observe(Some("old".into()), Some(at(999_699)), None, None);
        e.observe(
            Some("new".into()),
            Some(at(999_700)),
            None,
            Some("success".into()),
        );
        let verdict = e.conclude();
        assert_eq!(verdict.created_id(), Some("new"));
        assert_eq!(verdict.evidence().listed, 2);
        assert_eq!(verdict.evidence().window_start, "1970-01-12T13:41:40Z");
        assert_eq!(
            verdict.to_string(),
            "ges createBackup of graph g took effect: listGraphBackups lists new since 1970-01-12T13:41:40Z"
        );
    }

    #[test]
    fn none_in_the_window_is_not_created_only_when_everything_was_dated() {
        let mut e = evidence();
        e.observe(Some("old".into()), Some(at(10)), None, None);
        assert!(e.clone().conclude().is_not_created());
        e.observe(Some("odd".into()), None, Some("soon".into()), None);
        let verdict = e.conclude();
        assert!(
            matches!(verdict, Reconciliation::Unknown { ref reason, .. } if reason.contains("could not be dated")),
            "{verdict:?}"
        );
    }

    #[test]
    fn several_candidates_or_one_without_an_id_are_unknown() {
        let mut e = evidence();
        e.observe(Some("a".into()), Some(at(1_000_001)), None, None);
        e.observe(Some("b".into()), Some(at(1_000_002)), None, None);
        assert!(matches!(e.conclude(), Reconciliation::Unknown { .. }));
        let mut e = evidence();
        e.observe(None, Some(at(1_000_001)), None, None);
        assert!(matches!(e.conclude(), Reconciliation::Unknown { .. }));
    }

    #[test]
    fn the_margin_is_the_vendor_default_unless_set() {
        let attempt = Attempt::new(at(1_000));
        assert_eq!(attempt.window_start(MIN), at(940));
        assert_eq!(
            attempt.with_margin(Duration::ZERO).window_start(MIN),
            at(1_000)
        );
        assert_eq!(
            Attempt::new(at(10)).window_start(MIN),
            SystemTime::UNIX_EPOCH
        );
    }

    #[test]
    fn the_verdict_serialises_with_its_evidence_and_shows_on_one_line() {
        let mut e = evidence();
        e.observe(
            Some("x".into()),
            None,
            Some("bad\ntime".into()),
            Some("\u{1b}[2J".into()),
        );
        let verdict = e.unknown("listing failed:\nHTTP 500");
        let json = serde_json::to_value(&verdict).unwrap_or_default();
        assert_eq!(json["outcome"], "unknown");
        assert_eq!(json["evidence"]["undated"], 1);
        assert_eq!(json["evidence"]["attemptStarted"], "1970-01-12T13:46:40Z");
        assert!(!verdict.to_string().contains('\n'), "{verdict}");
        let json = serde_json::to_value(evidence().conclude()).unwrap_or_default();
        assert_eq!(json["outcome"], "not_created");
    }
}
