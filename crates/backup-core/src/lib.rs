#![doc = include_str!("../README.md")]
// Server text must never be cut by byte index (a multi-byte character panics the slice),
// and no index may panic on what a server sends. Tests may index their own fixtures.
#![deny(clippy::string_slice, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::string_slice, clippy::indexing_slicing))]

mod builder;
mod client;
pub mod clock;
pub mod credentials;
pub mod encoding;
mod error;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "object-storage")]
pub mod object_storage;
pub mod operation;
pub mod paginate;
pub mod poll;
pub mod protocol;
pub mod reconcile;
pub mod redact;
mod request;
pub mod retry;
pub mod sign;
pub mod skew;
mod stats;
mod target_urls;
#[cfg(feature = "test-util")]
pub mod test_tls;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod time;
pub mod verify;

pub use builder::{ClientBuilder, ClientConfig, ClientFactory};
pub use client::{
    ClassifyResponse, ClientOptions, DefaultClassifier, ServiceClient, ServiceClientBuilder,
    Timeouts,
};
pub use error::{
    AmbiguousOutcome, CredentialsError, DispatchError, DispatchKind, Error, InvalidCredentials,
    InvalidInput, JobFailed, PaginationError, PaginationErrorKind, ResponseError, Retryability,
    ServiceError, ServiceErrorKind, WaitTimedOut,
};
pub use poll::{PollState, Progress, WaitConfig};
pub use protocol::{Connection, HasConnection, Protocol};
pub use request::{HttpRequest, HttpResponse, Method, OperationInfo, PreparedRequest};
pub use retry::RetryConfig;
pub use stats::TransportStats;

/// A result whose error is this crate's [`Error`]; every vendor crate re-exports it.
pub type Result<T, E = Error> = std::result::Result<T, E>;
