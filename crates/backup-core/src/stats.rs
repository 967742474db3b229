//! What a client's transport did: requests sent, retries, throttled answers.
//!
//! Counted by [`ServiceClient::send`](crate::ServiceClient::send) with one relaxed atomic
//! add per event, in counters shared by the client's clones, and read with
//! [`ServiceClient::stats`](crate::ServiceClient::stats) (for metrics such as
//! `backupctl`'s Prometheus output). Nothing else is kept, so a program that never reads
//! them pays for three uncontended atomic adds at most per attempt.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ServiceError, ServiceErrorKind};

/// A snapshot of one client's counters, since it was built (clones share them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportStats {
    /// Attempts sent (or tried: a connection refused counts), including retries and the
    /// one re-send after a clock-skew correction.
    pub requests: u64,
    /// Attempts made again after a retryable failure (not the skew re-send).
    pub retries: u64,
    /// Answers the vendor classified as throttling (HTTP 429 and the vendors' own
    /// "too many requests" codes), retried or not.
    pub throttles: u64,
}

/// The counters behind [`TransportStats`].
#[derive(Debug, Default)]
pub(crate) struct StatsCounters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttles: AtomicU64,
}

impl StatsCounters {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn service_error(&self, error: &ServiceError) {
        if error.kind == ServiceErrorKind::Throttling {
            self.throttles.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> TransportStats {
        TransportStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttles: self.throttles.load(Ordering::Relaxed),
        }
    }
}
