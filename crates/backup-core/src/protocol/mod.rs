//! The one path every call takes: a vendor [`Protocol`] (how a request is shaped and an
//! answer decoded) over a [`ServiceClient`] (signing, retries, classification), joined in a
//! [`Connection`] that vendor clients wrap ([`HasConnection`]) and that implements
//! [`Invoke`] for all of them.
//!
//! NCP's API Gateway protocol (parameters as a form body or query, the `<operation>Response`
//! envelope in JSON or XML, gateway and service error bodies) serves both `ncp-vhadoop` and
//! `ncp-vcache`, which may depend on nothing of ours but backup-core, so it lives here,
//! behind the `ncp` feature. The Huawei builder settings ([`huawei`]) live here for the
//! same reason: the one builder's setters must be written in this crate.

pub mod huawei;
#[cfg(feature = "ncp")]
pub mod ncp;

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::credentials::BoxFuture;
use crate::operation::{Invoke, OperationSpec, RequestParts};
use crate::{ClassifyResponse, Error, HttpRequest, HttpResponse, PreparedRequest, ServiceClient};

/// What is the vendor's own in a call: shaping the unsigned request, filling the path
/// parameters the client supplies, classifying errors and decoding a success.
///
/// Everything else (signing, retries, the body cap, secret scrubbing) is the
/// [`ServiceClient`]'s, so a protocol cannot bypass it.
pub trait Protocol: Send + Sync + fmt::Debug + 'static {
    /// How the vendor's error answers map onto error kinds; the [`ServiceClient`] of a
    /// [`Connection`] is built with it.
    type Classifier: ClassifyResponse + 'static;

    /// The classifier for this vendor.
    fn classifier(&self) -> Self::Classifier;

    /// Fills the path parameters the client supplies from its configuration (a GES project
    /// id) where the caller left them unset, with
    /// [`RequestParts::fill_path_param`]. Fails, before anything is sent, when one is
    /// missing from both or the configured value is not valid input. The default fills
    /// none.
    fn fill_client_params(&self, _parts: &mut RequestParts) -> Result<(), Error> {
        Ok(())
    }

    /// The unsigned request for `spec` with `parts`. Bad input is an
    /// [`Error::InvalidInput`], and nothing is sent.
    fn build_request(
        &self,
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error>;

    /// The output of a response the [`ServiceClient`] accepted (a 2xx its classifier did
    /// not call an error).
    fn decode<O: DeserializeOwned + 'static>(
        &self,
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Result<O, Error>;

    /// A 2xx answer's output, read in the same pass that looks for an error in it: `Some`
    /// only when the body holds nothing the classifier would call an error, so that the
    /// classifier need not read it again. `None` (anything unusual: an error envelope, a
    /// body that does not decode, a shape this pass does not check) hands the answer to the
    /// classifier and then [`decode`](Self::decode), which report it exactly as before.
    ///
    /// **Invariant:** `Some` implies the classifier returns `None` for the same response.
    /// Breaking it would turn an error answer into a success; every vendor's fuzz entry
    /// point asserts it on every input. The default reads nothing and returns `None`.
    fn decode_in_one_pass<O: DeserializeOwned + 'static>(
        &self,
        _spec: &OperationSpec,
        _response: &HttpResponse,
    ) -> Option<O> {
        None
    }
}

/// A vendor [`Protocol`] over a [`ServiceClient`]: the one invoke path.
///
/// Cheap to clone; clones share the connection pool, the retry budget and the learned
/// clock offset.
pub struct Connection<P> {
    service: ServiceClient,
    protocol: Arc<P>,
}

impl<P> Clone for Connection<P> {
    fn clone(&self) -> Self {
        Self {
            service: self.service.clone(),
            protocol: Arc::clone(&self.protocol),
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for Connection<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("service", &self.service)
            .field("protocol", &self.protocol)
            .finish()
    }
}

impl<P: Protocol> Connection<P> {
    /// Joins `protocol` to `service`, which should have been built with
    /// [`Protocol::classifier`].
    pub fn new(service: ServiceClient, protocol: P) -> Self {
        Self {
            service,
            protocol: Arc::new(protocol),
        }
    }

    /// The transport.
    pub fn service_client(&self) -> &ServiceClient {
        &self.service
    }

    /// The vendor protocol.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.service.endpoint()
    }

    /// The unsigned request a call of `spec` with `parts` sends, client-supplied path
    /// parameters filled in.
    pub fn request_for(
        &self,
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error> {
        self.unsigned_request(spec, parts.clone())
    }

    fn unsigned_request(
        &self,
        spec: &OperationSpec,
        mut parts: RequestParts,
    ) -> Result<HttpRequest, Error> {
        self.protocol.fill_client_params(&mut parts)?;
        self.protocol.build_request(spec, &parts)
    }

    /// Sends `spec` with `parts` and decodes the output. Nothing is sent when the request
    /// cannot be built; retries follow `spec.info.idempotent` and the classifier.
    pub async fn call<O: DeserializeOwned + Send + 'static>(
        &self,
        spec: &OperationSpec,
        parts: RequestParts,
    ) -> Result<O, Error> {
        let request = self.unsigned_request(spec, parts)?;
        let mut output = None;
        let protocol = &*self.protocol;
        let mut accept = |response: &HttpResponse| {
            output = protocol.decode_in_one_pass::<O>(spec, response);
            output.is_some()
        };
        let response = self
            .service
            .send_accepting(&spec.info, request, &mut accept)
            .await?;
        match output {
            Some(output) => Ok(output),
            None => self.protocol.decode(spec, &response),
        }
    }

    /// What [`call`](Self::call) would send, unsigned and with secrets redacted.
    pub fn prepare(
        &self,
        spec: &OperationSpec,
        parts: RequestParts,
    ) -> Result<PreparedRequest, Error> {
        self.service.prepare(self.unsigned_request(spec, parts)?)
    }
}

/// A vendor client that sends through a [`Connection`]. Implementing it is all a client
/// does to get [`Invoke`], which generated operations call.
pub trait HasConnection: Send + Sync {
    /// The vendor protocol.
    type Protocol: Protocol;

    /// The connection calls go through.
    fn connection(&self) -> &Connection<Self::Protocol>;
}

impl<P: Protocol> HasConnection for Connection<P> {
    type Protocol = P;

    fn connection(&self) -> &Connection<P> {
        self
    }
}

impl<T: HasConnection> Invoke for T {
    fn invoke<O>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> BoxFuture<'_, Result<O, Error>>
    where
        O: DeserializeOwned + Send + 'static,
    {
        Box::pin(self.connection().call(spec, parts))
    }

    fn to_request(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<PreparedRequest, Error> {
        self.connection().prepare(spec, parts)
    }
}
