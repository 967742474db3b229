#![doc = include_str!("../README.md")]

mod client;
pub mod clock;
pub mod credentials;
pub mod encoding;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod operation;
pub mod poll;
pub mod protocol;
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
