#![doc = include_str!("../README.md")]
// Server text must never be cut by byte index (a multi-byte character panics the slice),
// and no index may panic on what a server sends. Tests may index their own fixtures.
#![deny(clippy::string_slice, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::string_slice, clippy::indexing_slicing))]

mod checks;
mod client;
#[doc(hidden)]
pub mod fuzzing;
mod generated;
mod paginator;
mod protocol;
mod reconcile;
mod time;
mod verify;
mod waiter;

pub use client::{Client, ClientBuilder, OcpProtocol};
pub use generated::*;
pub use paginator::{DEFAULT_PAGE_SIZE, DataBackupTaskPages, DataBackupTasks, MAX_PAGE_SIZE};
pub use protocol::OcpClassifier;
pub use reconcile::RECONCILE_MARGIN;
pub use time::parse_timestamp;
pub use verify::{BackupHandle, BackupVerified};
pub use waiter::{DataBackupTaskDone, TasksDone};

/// Re-exported from `backup-core` for convenience.
pub use backup_core::credentials::OcpCredentials;
pub use backup_core::{Error, Progress, Result, ServiceErrorKind, WaitConfig};
