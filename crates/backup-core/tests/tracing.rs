//! One span per attempt with the fields operators need, and nothing secret at any level.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backup_core::credentials::HuaweiCredentials;
use backup_core::sign::HuaweiAkSkSigner;
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{HttpRequest, Method, OperationInfo, RetryConfig, ServiceClient};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

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
async fn attempts_are_traced_without_secrets() {
    const SK: &str = "huawei-secret-key-value-0123456789";
    const TOKEN: &str = "temporary-security-token-value";
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = ScriptedServer::start(vec![
        Step::status(503, "{}").with_header("x-request-id", "req-first"),
        Step::ok("{}").with_header("x-request-id", "req-second"),
    ])
    .await;
    let credentials = HuaweiCredentials::new("AKEXAMPLE", SK)
        .with_project_id("0123456789abcdef")
        .with_security_token(TOKEN);
    let client = ServiceClient::builder("huawei-ges")
        .endpoint(&server.base_url)
        .signer(HuaweiAkSkSigner::new(credentials))
        .retry(
            RetryConfig::standard()
                .with_jitter(false)
                .with_backoff(Duration::from_millis(10), Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    client
        .send(
            &OperationInfo::idempotent("ListBackups"),
            HttpRequest::new(Method::Get, "/v2/p/graphs/backups"),
        )
        .await
        .unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for field in [
        "vendor=\"huawei-ges\"",
        "operation=\"ListBackups\"",
        "attempt=1",
        "attempt=2",
        "http_status=503",
        "http_status=200",
        "request_id=\"req-second\"",
        "latency_ms=",
    ] {
        assert!(log.contains(field), "missing {field} in:\n{log}");
    }
    let sent = &server.requests()[1];
    let authorization = sent.header("authorization").unwrap();
    let signature = authorization.rsplit("Signature=").next().unwrap();
    for secret in [SK, TOKEN, signature] {
        assert!(!log.contains(secret), "secret {secret} leaked into:\n{log}");
    }
}
