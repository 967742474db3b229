#![doc = include_str!("../README.md")]
//!
//! # Modules
//!
//! [`vcache`] and [`vredis`] each hold a client and the operation types of one API family,
//! generated from `api/vcache.json` and `api/vredis.json` by `cargo xtask codegen`. The
//! clients, their builders and the manual-backup waiters ([`ManualBackups`], [`ManualBackupDone`]) are
//! written by hand.

// Server text must never be cut by byte index (a multi-byte character panics the slice),
// and no index may panic on what a server sends. Tests may index their own fixtures.
#![deny(clippy::string_slice, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::string_slice, clippy::indexing_slicing))]

#[doc(hidden)]
pub mod fuzzing;
mod manual;
mod reconcile;
pub mod vcache;
mod verify;
pub mod vredis;

pub use backup_core;
/// NCP Object Storage (feature `object-storage`): list and inspect the objects an export
/// or a configuration backup writes, with the same credentials as this crate's clients.
#[cfg(feature = "object-storage")]
pub use backup_core::object_storage;
pub use backup_core::protocol::ncp::exports::*;
pub use manual::{BackupEntry, BackupExport, BackupFileType, ManualBackupDone, ManualBackups};
pub use reconcile::RECONCILE_MARGIN;
#[cfg(feature = "object-storage")]
pub use verify::{ExportHandle, ExportVerified};
pub use verify::{ManualBackupHandle, ManualBackupVerified};

/// Defines a client type over the NCP gateway, with its builder alias and [`FromGateway`]
/// implementation (which gives it `Invoke`).
///
/// [`FromGateway`]: backup_core::protocol::ncp::FromGateway
macro_rules! ncp_client {
    ($(#[$doc:meta])* vendor: $vendor:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct Client {
            gateway: backup_core::protocol::ncp::Gateway,
        }

        /// Configures a [`Client`]: credentials, site or endpoint, default region, request
        /// style, response format, retries, timeouts. See
        /// [`GatewayBuilder`](backup_core::protocol::ncp::GatewayBuilder) for every option.
        pub type ClientBuilder = backup_core::protocol::ncp::GatewayBuilder<Client>;

        impl Client {
            /// Starts configuring a client. With no options, it signs with credentials from
            /// the environment or `~/.ncloud/configure`, talks to the public site (or
            /// `NCLOUD_API_GW`), sends `POST` form requests and asks for JSON.
            pub fn builder() -> ClientBuilder {
                backup_core::protocol::ncp::GatewayBuilder::new()
            }

            /// The NCP gateway this client sends through (endpoint, request options,
            /// transport).
            pub fn gateway(&self) -> &backup_core::protocol::ncp::Gateway {
                &self.gateway
            }
        }

        impl backup_core::protocol::ncp::FromGateway for Client {
            const VENDOR: &'static str = $vendor;
            const USER_AGENT: &'static str = concat!("ncp-vcache/", env!("CARGO_PKG_VERSION"));

            fn from_gateway(gateway: backup_core::protocol::ncp::Gateway) -> Self {
                Self { gateway }
            }

            fn gateway(&self) -> &backup_core::protocol::ncp::Gateway {
                &self.gateway
            }
        }
    };
}
pub(crate) use ncp_client;
