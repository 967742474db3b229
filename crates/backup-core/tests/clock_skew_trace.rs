//! The offset learned from a refused signing time is traced (vendor, operation, offset in
//! seconds) and nothing secret is. In a binary of its own: tracing caches a callsite's
//! interest, and tests running on threads without a subscriber would turn this one off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::credentials::NcpCredentials;
use backup_core::sign::{NcpSigner, ncp};
use backup_core::skew::SkewSignal;
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{
    ClassifyResponse, DefaultClassifier, HttpRequest, HttpResponse, Method, OperationInfo,
    ServiceClient, ServiceError,
};
use tracing_subscriber::fmt::MakeWriter;

const CREATE: OperationInfo = OperationInfo::non_idempotent("createCloudCacheManualBackup");
const SECRET: &str = "SECRETKEYEXAMPLE0123456789abcdefghijklmn";

#[derive(Debug)]
struct Vendor;

impl ClassifyResponse for Vendor {
    fn classify(&self, operation: &OperationInfo, response: &HttpResponse) -> Option<ServiceError> {
        DefaultClassifier.classify(operation, response)
    }

    fn skew_signal(&self, error: &ServiceError) -> Option<SkewSignal> {
        (error.http_status == 401).then_some(SkewSignal::Possible {
            window: Duration::from_secs(300),
        })
    }
}

fn client(endpoint: &str, local: SystemTime) -> ServiceClient {
    ServiceClient::builder("ncp")
        .endpoint(endpoint)
        .signer(NcpSigner::new(NcpCredentials::new(
            "AKIAEXAMPLEACCESSKEY",
            SECRET,
        )))
        .classifier(Vendor)
        .clock(Arc::new(SteppingClock::frozen(local)))
        .build()
        .unwrap()
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_learned_offset_is_traced_without_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let refused = Step::status(401, r#"{"error":{"errorCode":"200"}}"#).with_header(
        "date",
        &httpdate::fmt_http_date(local - Duration::from_secs(600)),
    );
    let server = ScriptedServer::start(vec![refused, Step::ok("{}")]).await;
    client(&server.base_url, local)
        .send(
            &CREATE,
            HttpRequest::new(Method::Post, "/vcache/v2/createCloudCacheManualBackup"),
        )
        .await
        .unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("clock_offset_seconds"))
        .unwrap_or_else(|| panic!("no offset traced:\n{log}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("clock_offset_seconds=-600"), "{line}");
    assert!(line.contains("vendor=\"ncp\""), "{line}");
    assert!(!log.contains(SECRET));
    let signature = server.requests()[0]
        .header(ncp::SIGNATURE_HEADER)
        .unwrap()
        .to_owned();
    assert!(!log.contains(&signature));
}
