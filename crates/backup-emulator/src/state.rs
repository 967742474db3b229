//! Shared state: counters, backups, issued tokens, fault and throttle bookkeeping.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use backup_core::clock::{Clock, utc_fields};

use crate::config::{Fault, Fixture, ObjectFault};

/// A snapshot of the emulator's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests received per operation name (see [`crate::ops`]), whether or not they were
    /// authenticated, throttled or faulted.
    pub requests: BTreeMap<String, u64>,
    /// Backups created per resource key (see the `*_resource` functions in [`crate::ops`]).
    pub backups_created: BTreeMap<String, u64>,
    /// Exports to Object Storage accepted, per resource key.
    pub exports: BTreeMap<String, u64>,
}

/// Where a backup is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone)]
pub(crate) enum BackupKind {
    Hadoop {
        instance_no: String,
    },
    /// vcache (`redis == false`) or vredis.
    Cache {
        redis: bool,
        instance_no: String,
        file_name: String,
    },
    Ocp {
        cluster_id: i64,
        tenant_id: Option<i64>,
        task_id: i64,
        backup_mode: String,
        data_backup_mode: String,
        /// The subtask that fails (index), when the task fails.
        failing_subtask: Option<usize>,
        backup_set_id: i64,
    },
    Ges {
        project_id: String,
        graph_id: String,
        job_id: String,
        backup_id: String,
        deleted: bool,
    },
}

/// The subtasks of an OCP backup task, in order: a task failing at one ends there.
pub(crate) const SUBTASKS: [&str; 3] = [
    "Check if ready to data backup",
    "Start data backup",
    "Wait for data backup to finish",
];

#[derive(Debug, Clone)]
pub(crate) struct Backup {
    pub kind: BackupKind,
    pub created: SystemTime,
    pub duration: Duration,
    pub fail_reason: Option<String>,
    pub size_mb: u64,
}

impl Backup {
    pub(crate) fn elapsed(&self, now: SystemTime) -> Duration {
        now.duration_since(self.created).unwrap_or_default()
    }

    /// The end of the backup: its full duration, or earlier for an OCP task failing at an
    /// earlier subtask.
    pub(crate) fn end(&self) -> Duration {
        match &self.kind {
            BackupKind::Ocp {
                failing_subtask: Some(i),
                ..
            } => self
                .duration
                .mul_f64((*i as f64 + 1.0) / SUBTASKS.len() as f64),
            _ => self.duration,
        }
    }

    pub(crate) fn finished_at(&self) -> SystemTime {
        self.created + self.end()
    }

    pub(crate) fn phase(&self, now: SystemTime) -> Phase {
        let elapsed = self.elapsed(now);
        if elapsed >= self.end() {
            if self.fail_reason.is_some() {
                Phase::Failed
            } else {
                Phase::Succeeded
            }
        } else if elapsed < self.duration / 5 {
            Phase::Pending
        } else {
            Phase::Running
        }
    }
}

#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub project_id: String,
    pub expires: SystemTime,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: SystemTime,
}

/// An object in an Object Storage bucket, written by a backup. It is listed from
/// `written` on: a backup's file appears when the backup ends, not when it is asked for.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    /// Quoted, as S3 sends it.
    pub etag: String,
    pub written: SystemTime,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub counters: Counters,
    pub backups: Vec<Backup>,
    /// Objects written by exports and configuration backups, in any order.
    pub objects: Vec<StoredObject>,
    /// Buckets of the fixture that Object Storage no longer has (a `bucket_missing` fault).
    pub missing_buckets: Vec<String>,
    pub tokens: HashMap<String, IssuedToken>,
    fault_fired: Vec<u32>,
    buckets: Vec<Bucket>,
    fault_rng: fastrand::Rng,
    id_rng: fastrand::Rng,
    next_task_id: i64,
}

impl Inner {
    /// A random lower-case hex string of `len` characters.
    pub(crate) fn hex_id(&mut self, len: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..len)
            .map(|_| char::from(HEX[self.id_rng.usize(..16)]))
            .collect()
    }

    /// A UUID-shaped random id.
    pub(crate) fn uuid(&mut self) -> String {
        let h = self.hex_id(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }

    pub(crate) fn next_task_id(&mut self) -> i64 {
        self.next_task_id += 1;
        self.next_task_id
    }

    /// Writes `key` (of `size` bytes) into `bucket` at `written`, as `fault` says: not at
    /// all, empty, or into a bucket that then disappears.
    pub(crate) fn write_object(
        &mut self,
        bucket: &str,
        key: String,
        size: u64,
        written: SystemTime,
        fault: Option<ObjectFault>,
    ) {
        let size = match fault {
            Some(ObjectFault::NeverAppears) => return,
            Some(ObjectFault::Empty) => 0,
            Some(ObjectFault::BucketMissing) => {
                if !self.missing_buckets.iter().any(|b| b == bucket) {
                    self.missing_buckets.push(bucket.to_owned());
                }
                return;
            }
            None => size,
        };
        let etag = format!("\"{}\"", self.hex_id(32));
        self.objects
            .retain(|o| !(o.bucket == bucket && o.key == key));
        self.objects.push(StoredObject {
            bucket: bucket.to_owned(),
            key,
            size,
            etag,
            written,
        });
    }

    pub(crate) fn record_backup(&mut self, resource: String, backup: Backup) {
        *self.counters.backups_created.entry(resource).or_default() += 1;
        self.backups.push(backup);
    }
}

/// What the fault rules decided for one request.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pub latency: Duration,
    pub fault: Option<Fault>,
}

/// A throttled request: the bucket's capacity, and the delay to announce.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throttled {
    pub limit: u32,
    pub retry_after_seconds: u64,
}

/// A clock `seconds` away from another: the emulator's clock with a
/// [`Fixture::clock_offset_seconds`].
#[derive(Debug)]
struct ShiftedClock {
    clock: Arc<dyn Clock>,
    seconds: i64,
}

impl Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        let now = self.clock.now();
        let by = Duration::from_secs(self.seconds.unsigned_abs());
        let shifted = if self.seconds >= 0 {
            now.checked_add(by)
        } else {
            now.checked_sub(by)
        };
        shifted.unwrap_or(now)
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub fixture: Fixture,
    pub clock: Arc<dyn Clock>,
    pub started: SystemTime,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(fixture: Fixture, clock: Arc<dyn Clock>) -> Self {
        let clock: Arc<dyn Clock> = match fixture.clock_offset_seconds {
            0 => clock,
            seconds => Arc::new(ShiftedClock { clock, seconds }),
        };
        let now = clock.now();
        let inner = Inner {
            counters: Counters::default(),
            backups: Vec::new(),
            objects: Vec::new(),
            missing_buckets: Vec::new(),
            tokens: HashMap::new(),
            fault_fired: vec![0; fixture.faults.len()],
            buckets: fixture
                .throttles
                .iter()
                .map(|t| Bucket {
                    tokens: f64::from(t.capacity),
                    last: now,
                })
                .collect(),
            fault_rng: fastrand::Rng::with_seed(fixture.seed),
            id_rng: fastrand::Rng::with_seed(fixture.seed.wrapping_add(0x9e37_79b9_7f4a_7c15)),
            next_task_id: 3_000_040,
        };
        Self {
            fixture,
            clock,
            started: now,
            inner: Mutex::new(inner),
        }
    }

    /// The default fixture on the system clock, for tests.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        Self::new(
            Fixture::default(),
            Arc::new(backup_core::clock::SystemClock),
        )
    }

    /// Locks the state. A panic elsewhere never leaves it unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub(crate) fn backup_duration(&self) -> Duration {
        Duration::from_millis(self.fixture.backup_duration_ms)
    }

    pub(crate) fn count_request(&self, operation: &str) {
        *self
            .lock()
            .counters
            .requests
            .entry(operation.to_owned())
            .or_default() += 1;
    }

    /// Takes a token from every bucket that covers `operation`.
    pub(crate) fn throttle(&self, operation: &str) -> Option<Throttled> {
        let now = self.now();
        let mut inner = self.lock();
        let mut throttled = None;
        for (rule, bucket) in self.fixture.throttles.iter().zip(inner.buckets.iter_mut()) {
            if rule.operation != "*" && rule.operation != operation {
                continue;
            }
            let elapsed = now.duration_since(bucket.last).unwrap_or_default();
            bucket.last = now;
            bucket.tokens = (bucket.tokens + elapsed.as_secs_f64() * rule.refill_per_second)
                .min(f64::from(rule.capacity));
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
            } else if throttled.is_none() {
                throttled = Some(Throttled {
                    limit: rule.capacity,
                    retry_after_seconds: rule.retry_after_seconds,
                });
            }
        }
        throttled
    }

    /// Decides which faults apply to this request of `operation`.
    pub(crate) fn plan_faults(&self, operation: &str) -> FaultPlan {
        let mut plan = FaultPlan::default();
        let mut inner = self.lock();
        let inner = &mut *inner;
        for (index, rule) in self.fixture.faults.iter().enumerate() {
            if rule.operation != "*" && rule.operation != operation {
                continue;
            }
            let is_latency = matches!(rule.fault, Fault::Latency { .. });
            if !is_latency && plan.fault.is_some() {
                continue;
            }
            let fired = inner.fault_fired.get(index).copied().unwrap_or(0);
            if rule.times.is_some_and(|times| fired >= times) {
                continue;
            }
            if let Some(p) = rule.probability
                && inner.fault_rng.f64() >= p
            {
                continue;
            }
            if let Some(slot) = inner.fault_fired.get_mut(index) {
                *slot += 1;
            }
            match &rule.fault {
                Fault::Latency { ms } => plan.latency += Duration::from_millis(*ms),
                other => plan.fault = Some(other.clone()),
            }
        }
        plan
    }
}

/// `YYYYMMDDHHMMSS` (UTC).
pub(crate) fn compact(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = utc_fields(time);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}
