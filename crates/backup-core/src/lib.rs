//! Shared runtime of the backup SDK: request signing for every vendor, credentials and
//! their sources, the HTTP transport, retries with backoff and a retry budget, typed
//! errors, and a waiter for long-running backups.
//!
//! This is the only crate of the workspace that talks HTTP. Vendor crates describe a
//! request ([`HttpRequest`]), pick a signer from [`sign`] and a response classifier, and
//! hand both to a [`ServiceClient`], which signs every attempt anew, retries what is safe
//! to retry and turns everything else into an [`Error`].
//!
//! ```
//! use backup_core::{ServiceClient, sign::NcpSigner, credentials::NcpCredentials};
//!
//! # fn main() -> Result<(), backup_core::Error> {
//! let credentials = NcpCredentials::new("AKIAEXAMPLE", "example-secret");
//! let client = ServiceClient::builder("ncp")
//!     .endpoint("https://ncloud.apigw.ntruss.com")
//!     .signer(NcpSigner::new(credentials))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```

mod client;
pub mod clock;
pub mod credentials;
pub mod encoding;
mod error;
pub mod operation;
pub mod poll;
mod request;
pub mod retry;
pub mod sign;

pub use client::{
    ClassifyResponse, DefaultClassifier, ServiceClient, ServiceClientBuilder, Timeouts,
};
pub use error::{
    AmbiguousOutcome, CredentialsError, DispatchError, DispatchKind, Error, InvalidInput,
    JobFailed, ResponseError, Retryability, ServiceError, ServiceErrorKind, WaitTimedOut,
};
pub use poll::{PollState, Progress, WaitConfig};
pub use request::{HttpRequest, HttpResponse, Method, OperationInfo};
pub use retry::RetryConfig;
