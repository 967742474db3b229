//! Verifying a backup by the object it writes to Object Storage (feature `object-storage`):
//! the one poll both NCP crates' exports and configuration backups use.

use std::time::{Duration, SystemTime};

use crate::Result;
use crate::object_storage::{ObjectStorageClient, ObjectSummary, codes};
use crate::poll::{PollState, Progress};
use crate::verify::{Evidence, Expected, NotFound, NotFoundReason, StoredObject};

/// How much earlier than the attempt an object may say it was written and still count:
/// `LastModified` has one-second resolution.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(2);

/// Which object proves a backup: in `bucket`, under `prefix`, with a key matching
/// `pattern`, written no earlier than `since` less `tolerance`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectQuery {
    /// The bucket.
    pub bucket: String,
    /// Listed with this prefix (`ListObjectsV2` `prefix`).
    pub prefix: String,
    /// A glob on the whole key (`*` any run of characters, `?` one character); `None`
    /// matches every key under the prefix.
    pub pattern: Option<String>,
    /// When the backup was requested, on the service's clock (the client's clock plus
    /// the offset it measured).
    pub since: SystemTime,
    /// How much earlier `LastModified` may be ([`DEFAULT_TOLERANCE`]).
    pub tolerance: Duration,
}

impl ObjectQuery {
    /// Objects of `bucket` under `prefix` written since `since`.
    pub fn new(bucket: impl Into<String>, prefix: impl Into<String>, since: SystemTime) -> Self {
        Self {
            bucket: bucket.into(),
            prefix: prefix.into(),
            pattern: None,
            since,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Only keys matching `pattern` (`*` and `?` globs, on the whole key).
    #[must_use]
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    /// How much earlier than `since` an object may say it was written.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// What this query looks for, for errors: the bucket, and the prefix and pattern.
    pub fn expected(&self) -> Expected {
        let key = match &self.pattern {
            Some(pattern) if self.prefix.is_empty() => pattern.clone(),
            Some(pattern) => format!("{}… matching {pattern}", self.prefix),
            None => format!("{}*", self.prefix),
        };
        Expected::object(&self.bucket, key)
    }

    fn matches(&self, object: &ObjectSummary) -> bool {
        let earliest = self
            .since
            .checked_sub(self.tolerance)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        object.key.starts_with(&self.prefix)
            && object.last_modified >= earliest
            && self
                .pattern
                .as_deref()
                .is_none_or(|pattern| glob_matches(pattern, &object.key))
    }

    /// Lists the bucket once: the newest matching object as evidence, or pending.
    ///
    /// # Errors
    ///
    /// [`Error::VerifyNotFound`](crate::Error::VerifyNotFound) when the bucket does not exist, or when a matching object
    /// is empty (0 bytes: not a backup); the listing's own errors otherwise.
    pub async fn poll(&self, storage: &ObjectStorageClient) -> Result<PollState<Evidence>> {
        let listed = storage
            .list_objects_v2(&self.bucket)
            .prefix(&self.prefix)
            .into_paginator()
            .collect()
            .await;
        let objects = match listed {
            Ok(objects) => objects,
            Err(e) if e.code() == Some(codes::NO_SUCH_BUCKET) => {
                return Err(NotFound::new(self.expected(), NotFoundReason::NoSuchBucket).into());
            }
            Err(e) => return Err(e),
        };
        let listed = objects.len();
        let mut matching: Vec<ObjectSummary> =
            objects.into_iter().filter(|o| self.matches(o)).collect();
        if let Some(empty) = matching.iter().find(|o| o.size == 0) {
            return Err(NotFound::new(
                self.expected(),
                NotFoundReason::EmptyObject {
                    key: empty.key.clone(),
                },
            )
            .into());
        }
        matching.sort_by_key(|o| o.last_modified);
        match matching.pop() {
            Some(object) => Ok(PollState::Done(Evidence::Object(
                StoredObject::new(&self.bucket, object.key, object.size).with_details(
                    object.etag,
                    Some(crate::time::format_http_date(object.last_modified)),
                ),
            ))),
            None => Ok(PollState::Pending(
                Progress::new("not listed")
                    .with_message(format!("{listed} object(s) under the prefix, none new")),
            )),
        }
    }
}

/// Whether `text` matches the glob `pattern` (`*` any run, `?` one character), on chars.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point: linear in practice, never recursive.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '?' || Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_keys() {
        for (pattern, key, expected) in [
            ("*20240702*", "exports/20240702.rdb", true),
            ("*20240702*", "exports/20240703.rdb", false),
            ("a?c", "abc", true),
            ("a?c", "abbc", false),
            ("*", "", true),
            ("", "x", false),
            ("*.tar.gz", "cfg/x/cluster-settings.tar.gz", true),
            ("*.tar.gz", "cfg/x/cluster-settings.tar.gzip", false),
            ("ñ*", "ñandú", true),
        ] {
            assert_eq!(glob_matches(pattern, key), expected, "{pattern} {key}");
        }
    }
}
