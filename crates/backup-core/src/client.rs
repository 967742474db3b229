//! (Being implemented.)
use crate::{Error, HttpResponse, OperationInfo, ServiceError};

/// Turns a response into a service error when it is one.
pub trait ClassifyResponse: Send + Sync + std::fmt::Debug {
    /// `Some` when `response` is an error.
    fn classify(&self, operation: &OperationInfo, response: &HttpResponse) -> Option<ServiceError>;
}
/// Default classifier.
#[derive(Debug)]
pub struct DefaultClassifier;
/// Client.
#[derive(Debug, Clone)]
pub struct ServiceClient;
/// Builder.
#[derive(Debug)]
pub struct ServiceClientBuilder;
/// Timeouts.
#[derive(Debug)]
pub struct Timeouts;
impl ServiceClient {
    /// Builder.
    pub fn builder(_vendor: &'static str) -> ServiceClientBuilder { ServiceClientBuilder }
}
impl ServiceClientBuilder {
    /// Endpoint.
    pub fn endpoint(self, _e: &str) -> Self { self }
    /// Signer.
    pub fn signer(self, _s: impl crate::sign::Sign + 'static) -> Self { self }
    /// Build.
    pub fn build(self) -> Result<ServiceClient, Error> { Ok(ServiceClient) }
}
