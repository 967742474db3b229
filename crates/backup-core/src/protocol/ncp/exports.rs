//! What every NCP crate re-exports from backup-core, written once: `pub use
//! backup_core::protocol::ncp::exports::*;` gives a program the error, result, waiting,
//! credential and gateway-setting types without a dependency on backup-core.

pub use crate::credentials::{CachedProvider, NcpCredentials, NcpDefaultChain};
pub use crate::protocol::ncp::{RegionCode, RequestStyle, ResponseFormat, Site};
pub use crate::{Error, Progress, Result, ServiceErrorKind, WaitConfig};
