//! **Not part of the API**: entry points for `cargo xtask fuzz`. Hidden from the
//! documentation, exempt from semver, and free to change in any release.
//!
//! Each function runs, on bytes a server could send, the code a client runs after a
//! response arrives (classification, request id, server delay, decoding), and reduces the
//! result to an [`Outcome`], so that the harness can count panics and slow inputs without
//! knowing any output type.

use std::time::{Duration, SystemTime};

use crate::client::{ClassifyResponse, classify_response};
use crate::operation::OperationSpec;
use crate::protocol::Protocol;
use crate::{Error, HttpResponse, OperationInfo};

/// What one input came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Decoded into the operation's output type.
    Ok,
    /// [`Error::Service`]: the classifier found an error response.
    Service,
    /// [`Error::UnparseableResponse`].
    Unparseable,
    /// [`Error::JobFailed`]: a waiter read a failed job.
    JobFailed,
    /// Any other error.
    OtherError,
    /// A timestamp or header value was read as a time (or duration).
    Parsed,
    /// A timestamp or header value was refused.
    Refused,
}

impl Outcome {
    /// The outcome's name, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Service => "service-error",
            Outcome::Unparseable => "unparseable",
            Outcome::JobFailed => "job-failed",
            Outcome::OtherError => "other-error",
            Outcome::Parsed => "parsed",
            Outcome::Refused => "refused",
        }
    }

    /// The outcome of a client call. Renders the error as the command line would (its
    /// `Display`), since formatting server text is part of what a hostile body reaches.
    pub fn of<T>(result: &Result<T, Error>) -> Outcome {
        match result {
            Ok(_) => Outcome::Ok,
            Err(error) => {
                std::hint::black_box(error.to_string());
                match error {
                    Error::Service(_) => Outcome::Service,
                    Error::UnparseableResponse(_) => Outcome::Unparseable,
                    Error::JobFailed(_) => Outcome::JobFailed,
                    _ => Outcome::OtherError,
                }
            }
        }
    }

    /// [`Outcome::Parsed`] for `Some`, [`Outcome::Refused`] for `None`.
    pub fn of_option<T>(value: &Option<T>) -> Outcome {
        match value {
            Some(_) => Outcome::Parsed,
            None => Outcome::Refused,
        }
    }
}

/// A response with `status`, `headers` (names as given; lookups ignore case) and `body`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect(),
        body: body.to_vec(),
        ..HttpResponse::default()
    }
}

/// What `ServiceClient::send` makes of `response` once it has arrived: `Ok` when
/// `classifier` finds no error, else the completed [`Error::Service`].
pub fn classify(
    classifier: &dyn ClassifyResponse,
    vendor: &'static str,
    operation: &OperationInfo,
    response: &HttpResponse,
) -> Result<(), Error> {
    match classify_response(
        classifier,
        vendor,
        operation,
        response,
        &response.secrets,
        SystemTime::now(),
        true,
    )
    .1
    {
        None => Ok(()),
        Some(error) => Err(Error::Service(Box::new(error))),
    }
}

/// The server delay the client reads from `Retry-After` (seconds or an HTTP date) or
/// `RateLimit-Reset`.
pub fn retry_after(response: &HttpResponse) -> Option<Duration> {
    crate::client::retry_after(response, SystemTime::now())
}

/// A client's whole path for operation `spec` with output `O` once `response` has
/// arrived, as [`Connection::call`](crate::protocol::Connection::call) runs it: a 2xx that
/// `protocol` decodes in one pass, else the classifier, then the protocol's decoder.
///
/// # Panics
///
/// When the one-pass decode accepts an answer the classifier calls an error: that breaks
/// the invariant of [`Protocol::decode_in_one_pass`] (an error answer taken for a success),
/// and the fuzz harness counts it as a crash.
pub fn protocol_decode<P: Protocol, O: serde::de::DeserializeOwned + 'static>(
    protocol: &P,
    vendor: &'static str,
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    let classifier = protocol.classifier();
    if (200..300).contains(&response.status)
        && let Some(output) = protocol.decode_in_one_pass::<O>(spec, response)
    {
        let classified = classify(&classifier, vendor, &spec.info, response);
        assert!(
            classified.is_ok(),
            "{vendor} {}: the one-pass decode accepted an answer the classifier calls an error: {classified:?}",
            spec.name()
        );
        return Ok(output);
    }
    classify(&classifier, vendor, &spec.info, response)?;
    protocol.decode(spec, response)
}

/// The NCP client's whole path for operation `spec` with output `O`
/// ([`protocol_decode`] with [`NcpProtocol`](crate::protocol::ncp::NcpProtocol)).
#[cfg(feature = "ncp")]
pub fn ncp_decode<O: serde::de::DeserializeOwned + 'static>(
    vendor: &'static str,
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    let protocol = crate::protocol::ncp::NcpProtocol::new(vendor, Default::default());
    protocol_decode(&protocol, vendor, spec, response)
}

/// The NCP timestamp parser the cache waiters use on `startTime`/`endTime`.
#[cfg(feature = "ncp")]
pub fn ncp_timestamp(text: &str) -> Outcome {
    Outcome::of_option(&crate::protocol::ncp::parse_timestamp(text))
}

/// Defines a vendor crate's `operations()` and `decode(operation, status, headers, body)`
/// from a table of `SPEC => Output [=> interpret]` rows: `decode` runs
/// `run::<Output>(&SPEC, &response)` (the crate's client path after `send`), then
/// `interpret(&output)` (what the crate's waiters read from it), and returns the
/// [`Outcome`]. One macro, so that no crate can forget the `Display` of its errors or
/// decode an operation with another's output type.
#[doc(hidden)]
#[macro_export]
macro_rules! fuzz_operations {
    ($run:ident; $($spec:path => $output:ty $(=> $interpret:expr)?),+ $(,)?) => {
        /// Every operation of the crate, by its vendor name.
        pub fn operations() -> ::std::vec::Vec<&'static str> {
            ::std::vec![$($spec.info.name),+]
        }

        /// Runs a response of `operation` through the client's own path (classification,
        /// request id, decoding into the operation's output type) and what the crate's
        /// waiters read from the output. `None` for an operation the crate does not have.
        pub fn decode(
            operation: &str,
            status: u16,
            headers: &[(&str, &str)],
            body: &[u8],
        ) -> ::std::option::Option<$crate::fuzzing::Outcome> {
            let response = $crate::fuzzing::response(status, headers, body);
            $(
                if operation == $spec.info.name {
                    let result = $run::<$output>(&$spec, &response);
                    $(
                        let result = result.and_then(|output| {
                            let interpret: fn(&$output) -> ::std::result::Result<(), $crate::Error> =
                                $interpret;
                            interpret(&output)
                        });
                    )?
                    return ::std::option::Option::Some($crate::fuzzing::Outcome::of(&result));
                }
            )+
            ::std::option::Option::None
        }
    };
}
