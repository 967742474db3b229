//! Clients for the emulator built on backup-core's `ServiceClient` and signers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use backup_core::ClassifyResponse;
use backup_core::clock::Clock;
use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials, SecretString};
use backup_core::sign::{HuaweiAkSkSigner, HuaweiTokenAuth, NcpSigner, NoAuth, OcpSigner, Sign};
use backup_core::{
    Error, HttpRequest, HttpResponse, Method, OperationInfo, RetryConfig, ServiceClient,
    ServiceError,
};
use backup_emulator::config::{defaults, demo};
use backup_emulator::{EmulatorBuilder, EmulatorHandle};

/// Treats every response as a success, so tests can read error bodies.
#[derive(Debug)]
pub struct Raw;

impl ClassifyResponse for Raw {
    fn classify(&self, _: &OperationInfo, _: &HttpResponse) -> Option<ServiceError> {
        None
    }
}

/// Starts the emulator `builder` configures.
pub async fn start(builder: EmulatorBuilder) -> EmulatorHandle {
    builder.start().await.expect("the emulator starts")
}

pub fn client(base: &str, signer: impl Sign + 'static, raw: bool) -> ServiceClient {
    let mut b = ServiceClient::builder("test")
        .endpoint(base)
        .signer(signer)
        .retry(RetryConfig::disabled());
    if raw {
        b = b.classifier(Raw);
    }
    b.build().unwrap()
}

pub fn with_clock(base: &str, signer: impl Sign + 'static, clock: Arc<dyn Clock>) -> ServiceClient {
    ServiceClient::builder("test")
        .endpoint(base)
        .signer(signer)
        .classifier(Raw)
        .retry(RetryConfig::disabled())
        .clock(clock)
        .build()
        .unwrap()
}

pub fn ncp_signer() -> NcpSigner {
    NcpSigner::new(NcpCredentials::new(
        defaults::NCP_ACCESS_KEY,
        defaults::NCP_SECRET_KEY,
    ))
}

pub fn huawei_signer() -> HuaweiAkSkSigner {
    HuaweiAkSkSigner::new(
        HuaweiCredentials::new(defaults::HUAWEI_ACCESS_KEY, defaults::HUAWEI_SECRET_KEY)
            .with_project_id(defaults::HUAWEI_PROJECT_ID),
    )
}

pub fn token_auth(token: &str) -> HuaweiTokenAuth {
    HuaweiTokenAuth::new(SecretString::new(token)).with_project_id(defaults::HUAWEI_PROJECT_ID)
}

pub fn ocp_basic() -> OcpSigner {
    OcpSigner::new(OcpCredentials::basic(
        defaults::OCP_USER,
        defaults::OCP_PASSWORD,
    ))
}

pub fn ocp_ak() -> OcpSigner {
    OcpSigner::new(OcpCredentials::access_key(
        defaults::OCP_ACCESS_KEY_ID,
        defaults::OCP_ACCESS_KEY_SECRET,
    ))
}

pub fn no_auth() -> NoAuth {
    NoAuth
}

/// An NCP POST with a form body.
pub fn ncp_post(path: &str, form: &[(&str, &str)]) -> HttpRequest {
    let mut r = HttpRequest::new(Method::Post, path);
    r.set_header("content-type", "application/x-www-form-urlencoded");
    r.body = backup_core::encoding::encode_pairs(form).into_bytes();
    r
}

/// An NCP GET with a query.
pub fn ncp_get(path: &str, query: &[(&str, &str)]) -> HttpRequest {
    let mut r = HttpRequest::new(Method::Get, path);
    r.query = backup_core::encoding::encode_pairs(query);
    r
}

pub fn json_request(method: Method, path: &str, body: serde_json::Value) -> HttpRequest {
    let mut r = HttpRequest::new(method, path);
    r.set_header("content-type", "application/json");
    r.body = serde_json::to_vec(&body).unwrap();
    r
}

pub async fn send(client: &ServiceClient, request: HttpRequest) -> HttpResponse {
    client
        .send(&OperationInfo::idempotent("test"), request)
        .await
        .unwrap()
}

pub async fn send_create(
    client: &ServiceClient,
    request: HttpRequest,
) -> Result<HttpResponse, Error> {
    client
        .send(&OperationInfo::non_idempotent("create"), request)
        .await
}

pub fn json(response: &HttpResponse) -> serde_json::Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", response.text()))
}

/// Polls `check` every 50 ms, at most `tries` times, until it returns `Some`.
pub async fn eventually<T, F, Fut>(tries: u32, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..tries {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached after {tries} tries");
}

/// `POST /v2/{project}/graphs/{graph}/backups` for the default project and the demo graph.
pub fn ges_create() -> HttpRequest {
    json_request(
        Method::Post,
        &format!(
            "/v2/{}/graphs/{}/backups",
            defaults::HUAWEI_PROJECT_ID,
            demo::GES_GRAPH_ID
        ),
        serde_json::json!({}),
    )
}

/// The backup counter key of the demo graph.
pub fn ges_key() -> String {
    backup_emulator::ops::ges_resource(defaults::HUAWEI_PROJECT_ID, demo::GES_GRAPH_ID)
}
