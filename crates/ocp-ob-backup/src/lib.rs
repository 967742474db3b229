#![doc = include_str!("../README.md")]

mod client;
#[doc(hidden)]
pub mod fuzzing;
mod generated;
mod paginator;
mod protocol;
mod time;
mod waiter;

pub use client::{Client, ClientBuilder};
pub use generated::*;
pub use paginator::{DEFAULT_PAGE_SIZE, DataBackupTasks, MAX_PAGE_SIZE};
pub use protocol::OcpClassifier;
pub use time::parse_timestamp;

/// Re-exported from `backup-core` for convenience.
pub use backup_core::credentials::OcpCredentials;
pub use backup_core::{Error, Progress, WaitConfig};
