#![doc = include_str!("../README.md")]
//!
//! # Modules
//!
//! The operation types ([`BackupClusterConfigurationInput`], [`CloudHadoopInstance`], ...)
//! are generated from `api/vhadoop.json` by `cargo xtask codegen` and re-exported here; the
//! client, its builder and the waiter are written by hand.

// Server text must never be cut by byte index (a multi-byte character panics the slice),
// and no index may panic on what a server sends. Tests may index their own fixtures.
#![deny(clippy::string_slice, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::string_slice, clippy::indexing_slicing))]

#[doc(hidden)]
pub mod fuzzing;
mod generated;
mod reconcile;
#[cfg(feature = "object-storage")]
mod verify;
mod wait;

use backup_core::protocol::ncp::{FromGateway, Gateway, GatewayBuilder};

pub use backup_core;
pub use backup_core::PollState;
/// NCP Object Storage (feature `object-storage`): list and inspect the objects an export
/// or a configuration backup writes, with the same credentials as this crate's clients.
#[cfg(feature = "object-storage")]
pub use backup_core::object_storage;
pub use backup_core::protocol::ncp::exports::*;
pub use generated::*;
pub use reconcile::RECONCILE_MARGIN;
#[cfg(feature = "object-storage")]
pub use verify::{ConfigBackupHandle, ConfigBackupVerified, DEFAULT_CONFIG_BACKUP_PREFIX};
pub use wait::{ClusterRunning, ClusterState};

/// A client for the Cloud Hadoop (VPC) API (`/vhadoop/v2/`).
///
/// Build one with [`Client::builder`]; it is cheap to clone and clones share the connection
/// pool and the retry budget. Each operation is a method that returns a builder: set the
/// input, then `send().await`.
#[derive(Clone, Debug)]
pub struct Client {
    gateway: Gateway,
}

/// Configures a [`Client`]: credentials, site or endpoint, default region, request style,
/// response format, retries, timeouts. See [`GatewayBuilder`] for every option.
pub type ClientBuilder = GatewayBuilder<Client>;

impl Client {
    /// Starts configuring a client. With no options, it signs with credentials from the
    /// environment or `~/.ncloud/configure`, talks to the public site (or `NCLOUD_API_GW`),
    /// sends `POST` form requests and asks for JSON.
    pub fn builder() -> ClientBuilder {
        GatewayBuilder::new()
    }

    /// The NCP gateway this client sends through (endpoint, request options, transport).
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }
}

impl FromGateway for Client {
    const VENDOR: &'static str = "ncp-vhadoop";
    const USER_AGENT: &'static str = concat!("ncp-vhadoop/", env!("CARGO_PKG_VERSION"));

    fn from_gateway(gateway: Gateway) -> Self {
        Self { gateway }
    }

    fn gateway(&self) -> &Gateway {
        &self.gateway
    }
}
