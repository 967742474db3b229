//! TLS on loopback: a server whose certificate a private CA issued is refused by default
//! (typed, nothing sent, not retried), and reached once the client trusts that CA through
//! `add_root_certificate_pem`. A PEM that is not a certificate fails at build.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use backup_core::test_tls::{OTHER_CA_PEM, TEST_CA_PEM, TlsFront};
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{
    ClientOptions, DispatchKind, Error, HttpRequest, Method, OperationInfo, RetryConfig,
    ServiceClient, ServiceClientBuilder, Timeouts,
};

const LIST: OperationInfo = OperationInfo::idempotent("listThings");

fn builder(endpoint: &str) -> ServiceClientBuilder {
    ServiceClient::builder("test")
        .endpoint(endpoint)
        .retry(
            RetryConfig::standard()
                .with_jitter(false)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(5)),
        )
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(5),
        ))
}

async fn list(client: &ServiceClient) -> Result<backup_core::HttpResponse, Error> {
    client
        .send(&LIST, HttpRequest::new(Method::Get, "/things"))
        .await
}

/// The call fails because the certificate is not trusted: typed, nothing reached the
/// server, and only one connection was made.
fn assert_refused(error: &Error, front: &TlsFront, server: &ScriptedServer) {
    match error {
        Error::Dispatch(d) => {
            assert_eq!(d.kind, DispatchKind::Certificate, "{error}");
            assert!(!d.may_have_been_sent, "{error}");
            assert_eq!(
                d.attempts, 1,
                "a refused certificate is not retried: {error}"
            );
        }
        other => panic!("expected a certificate failure, got {other:?}"),
    }
    assert!(!error.is_retryable(), "{error}");
    assert!(!error.may_have_been_sent(), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");
    assert_eq!(front.handshakes(), 0);
    assert_eq!(front.connections(), 1, "one attempt, no retries");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_and_not_retried() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let front = TlsFront::start(&server.base_url).await;
    let client = builder(&front.base_url).build().unwrap();
    let error = list(&client)
        .await
        .expect_err("the test CA is not trusted by default");
    assert_refused(&error, &front, &server);
}

#[tokio::test]
async fn trusting_another_ca_does_not_trust_this_one() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let front = TlsFront::start(&server.base_url).await;
    let client = builder(&front.base_url)
        .add_root_certificate_pem(OTHER_CA_PEM)
        .build()
        .unwrap();
    let error = list(&client)
        .await
        .expect_err("only an unrelated CA is trusted");
    assert_refused(&error, &front, &server);
}

#[tokio::test]
async fn a_trusted_extra_root_reaches_the_server() {
    let server = ScriptedServer::start(vec![Step::ok(r#"{"ok":true}"#)]).await;
    let front = TlsFront::start(&server.base_url).await;
    let client = builder(&front.base_url)
        .add_root_certificate_pem(TEST_CA_PEM)
        .build()
        .unwrap();
    let response = list(&client).await.expect("the test CA is trusted");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"{"ok":true}"#);
    assert_eq!(front.handshakes(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, "/things");
}

#[tokio::test]
async fn a_bundle_of_several_certificates_is_read_whole_and_options_carry_it() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let front = TlsFront::start(&server.base_url).await;
    // The CA that matters comes second in the file.
    let bundle = [OTHER_CA_PEM, TEST_CA_PEM].concat();
    let mut options = ClientOptions::default();
    options.root_certificates_pem.push(bundle);
    let client = options.apply(builder(&front.base_url)).build().unwrap();
    list(&client)
        .await
        .expect("the second certificate of the bundle is trusted");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_pem_without_a_usable_certificate_is_a_config_error() {
    let garbled = String::from_utf8(TEST_CA_PEM.to_vec())
        .unwrap()
        .replacen("MII", "M!I", 1);
    let truncated = &TEST_CA_PEM[..TEST_CA_PEM.len() / 2];
    let cases: [(&str, &[u8]); 4] = [
        ("empty", b""),
        ("not PEM", b"this is not a certificate"),
        ("garbled base64", garbled.as_bytes()),
        ("truncated", truncated),
    ];
    for (what, pem) in cases {
        let built = builder("https://ocp.example.com")
            .add_root_certificate_pem(pem)
            .build();
        match built {
            Err(Error::Config(message)) => {
                assert!(message.contains("certificate"), "{what}: {message}")
            }
            Err(other) => panic!("{what}: expected a configuration error, got {other:?}"),
            Ok(_) => panic!("{what}: a client was built"),
        }
    }
}

#[test]
fn plain_http_rules_are_unchanged_by_an_extra_root() {
    let remote = builder("http://ocp.example.com:8080")
        .add_root_certificate_pem(TEST_CA_PEM)
        .build();
    assert!(matches!(remote, Err(Error::Config(ref m)) if m.contains("ocp.example.com")));
    assert!(
        builder("http://127.0.0.1:8080")
            .add_root_certificate_pem(TEST_CA_PEM)
            .build()
            .is_ok()
    );
}
