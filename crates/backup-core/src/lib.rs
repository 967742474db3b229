#![doc = include_str!("../README.md")]

mod client;
pub mod clock;
pub mod credentials;
pub mod encoding;
mod error;
pub mod operation;
pub mod poll;
pub mod protocol;
pub mod redact;
mod request;
pub mod retry;
pub mod sign;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use client::{
    ClassifyResponse, ClientOptions, DefaultClassifier, ServiceClient, ServiceClientBuilder,
    Timeouts,
};
pub use error::{
    AmbiguousOutcome, CredentialsError, DispatchError, DispatchKind, Error, InvalidInput,
    JobFailed, ResponseError, Retryability, ServiceError, ServiceErrorKind, WaitTimedOut,
};
pub use poll::{PollState, Progress, WaitConfig};
pub use request::{HttpRequest, HttpResponse, Method, OperationInfo};
pub use retry::RetryConfig;
