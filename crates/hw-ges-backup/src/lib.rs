//! Huawei Cloud Graph Engine Service (GES) graph backups: add a backup, follow its job to
//! the end, list backups and delete old ones.
//!
//! ```no_run
//! use hw_ges_backup::{Client, Result, ServiceErrorKind, WaitConfig};
//!
//! # async fn run() -> Result<()> {
//! // AK/SK from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (or ~/.huaweicloud/credentials),
//! // the project id from HUAWEICLOUD_SDK_PROJECT_ID unless given here.
//! let client = Client::builder().region("cn-north-4").build()?;
//!
//! let started = match client.create_backup().graph_id("my-graph").send().await {
//!     Ok(started) => started,
//!     Err(e) if e.service_error_kind() == Some(&ServiceErrorKind::BackupInProgress) => {
//!         println!("a backup of this graph is already running");
//!         return Ok(());
//!     }
//!     Err(e) => return Err(e),
//! };
//! let job = client
//!     .wait_until_job_done("my-graph", &started.job_id)
//!     .on_progress(|p| println!("{} after {:?}", p.state, p.elapsed))
//!     .wait()
//!     .await?;
//! println!("job {:?} ended {:?}", job.job_id, job.status);
//!
//! let mut backups = client.graph_backups("my-graph");
//! while let Some(backup) = backups.next().await {
//!     let backup = backup?;
//!     println!("{:?} {:?} {:?}", backup.id, backup.status, backup.start_time);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! See the crate's README for authentication (AK/SK or IAM token), endpoints, errors and
//! retries.

// Server text must never be cut by byte index (a multi-byte character panics the slice),
// and no index may panic on what a server sends. Tests may index their own fixtures.
#![deny(clippy::string_slice, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::string_slice, clippy::indexing_slicing))]

mod client;
pub mod errors;
#[doc(hidden)]
pub mod fuzzing;
mod generated;
mod iam;
mod protocol;
mod reconcile;
mod verify;
mod waiter;

pub use client::{Client, ClientBuilder, PROJECT_ID_VAR, endpoint_for_region};
pub use generated::*;
pub use iam::{
    DEFAULT_REFRESH_BEFORE, DEFAULT_TOKEN_LIFETIME, IamTokenProvider, IamTokenProviderBuilder,
};
pub use protocol::GesProtocol;
pub use reconcile::RECONCILE_MARGIN;
pub use verify::{BackupHandle, BackupVerified};
pub use waiter::{BackupDone, BackupPages, BackupPaginator, JobDone};

/// Re-exported from `backup-core`, so that a program depends on this crate alone.
pub use backup_core::credentials::HuaweiCredentials;
pub use backup_core::protocol::huawei::{Auth, HuaweiSettings};
pub use backup_core::{Error, Progress, Result, ServiceErrorKind, WaitConfig};

/// The vendor name in errors and traces.
pub const VENDOR: &str = "huawei-ges";

/// Compiles the README's examples as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
