//! What a GES client and the IAM token provider refuse before sending, and whom they trust.
//!
//! Huawei credentials that cannot travel in an HTTP header are refused before anything is
//! sent: an AK/SK's access key or security token (`X-Security-Token`) and an IAM token
//! (`X-Auth-Token`). Fixed ones fail when the client is built, ones from the environment
//! when they are loaded; the loopback server sees no request, and the error names the
//! field, never the value.
//!
//! An endpoint whose certificate an unknown CA issued is refused until the builder (GES or
//! IAM) is given that CA.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::DispatchKind;
use backup_core::Error;
use backup_core::credentials::{HuaweiCredentials, SecretString, StaticEnvironment};
use backup_core::sign::ProvideToken;
use backup_core::test_tls::{TEST_CA_PEM, TlsFront};
use backup_core::test_util::{ScriptedServer, Step};
use hw_ges_backup::{Client, ClientBuilder, IamTokenProvider};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const GRAPH: &str = "11111111-2222-3333-4444-555555555555";
const CREATED: &str = r#"{"backup_id":"b-1","job_id":"j-1"}"#;

fn assert_unusable(err: &Error, field: &str, value_parts: &[&str]) {
    let shown = err.to_string();
    assert!(
        matches!(err, Error::InvalidCredentials(e) if e.vendor == "huaweicloud" && e.field == field),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "{shown}");
    assert!(!err.may_have_been_sent(), "{shown}");
    assert!(
        shown.contains("huaweicloud") && shown.contains(field),
        "{shown}"
    );
    assert!(
        !shown.contains("no huaweicloud credentials found"),
        "{shown}"
    );
    let debug = format!("{err:?}");
    for part in value_parts {
        assert!(!shown.contains(part), "{shown}");
        assert!(!debug.contains(part), "{debug}");
    }
}

fn builder(server: &ScriptedServer) -> ClientBuilder {
    Client::builder()
        .endpoint(server.base_url.clone())
        .project_id(PROJECT)
        .environment(StaticEnvironment::new())
}

#[tokio::test]
async fn security_token_with_lf_is_refused_at_build() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let credentials = HuaweiCredentials::new("AKEXAMPLE", "sk-value")
        .with_security_token("token-start\nX-Injected: 1");
    let err = builder(&server)
        .credentials(credentials)
        .build()
        .expect_err("an unusable security token must not build a client");
    assert_unusable(
        &err,
        "security_token",
        &["token-start", "X-Injected", "sk-value"],
    );
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn access_key_with_nul_is_refused_at_build() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let err = builder(&server)
        .credentials(HuaweiCredentials::new("AKEX\0AMPLE", "sk-value"))
        .build()
        .expect_err("an unusable access key must not build a client");
    assert_unusable(&err, "access_key_id", &["AKEX", "AMPLE", "sk-value"]);
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn auth_token_with_cr_is_refused_at_build() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let err = builder(&server)
        .token(SecretString::new("MIIauth\rX-Injected: 1"))
        .build()
        .expect_err("an unusable X-Auth-Token must not build a client");
    assert_unusable(&err, "X-Auth-Token", &["MIIauth", "X-Injected"]);
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn security_token_with_crlf_from_the_environment_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let env = StaticEnvironment::new()
        .with_var("HUAWEICLOUD_SDK_AK", "AKEXAMPLE")
        .with_var("HUAWEICLOUD_SDK_SK", "sk-value")
        .with_var(
            "HUAWEICLOUD_SDK_SECURITY_TOKEN",
            "token-start\r\nX-Injected: 1",
        );
    let client = Client::builder()
        .endpoint(server.base_url.clone())
        .project_id(PROJECT)
        .environment(env)
        .build()
        .expect("credentials from the environment are read at the first call");
    let err = client
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .expect_err("an unusable security token must fail the call");
    assert_unusable(
        &err,
        "security_token",
        &["token-start", "X-Injected", "sk-value"],
    );
    assert!(
        err.to_string().contains("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 0);
}

fn assert_certificate_refused(err: &Error) {
    assert!(
        matches!(err, Error::Dispatch(d) if d.kind == DispatchKind::Certificate && d.attempts == 1),
        "{err:?}"
    );
    assert!(!err.may_have_been_sent() && !err.is_retryable(), "{err}");
}

#[tokio::test]
async fn a_ges_certificate_from_an_internal_ca_needs_that_ca() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let front = TlsFront::start(&server.base_url).await;
    let builder = || {
        Client::builder()
            .endpoint(front.base_url.clone())
            .project_id(PROJECT)
            .environment(StaticEnvironment::new())
            .credentials(HuaweiCredentials::new("AKEXAMPLE", "sk-value"))
    };
    let err = builder()
        .build()
        .unwrap()
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .expect_err("the internal CA is not trusted by default");
    assert_certificate_refused(&err);
    assert_eq!(server.requests().len(), 0);

    builder()
        .add_root_certificate_pem(TEST_CA_PEM)
        .build()
        .unwrap()
        .create_backup()
        .graph_id(GRAPH)
        .send()
        .await
        .expect("the internal CA is trusted");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_iam_certificate_from_an_internal_ca_needs_that_ca() {
    let server = ScriptedServer::start(vec![
        Step::status(
            201,
            r#"{"token":{"expires_at":"2099-01-01T00:00:00.000000Z"}}"#,
        )
        .with_header("x-subject-token", "MIIissued-token"),
    ])
    .await;
    let front = TlsFront::start(&server.base_url).await;
    let builder = || {
        IamTokenProvider::builder()
            .endpoint(front.base_url.clone())
            .project_id(PROJECT)
            .user_name("alice")
            .password("iam-password")
            .domain_name("my-account")
    };
    let err = builder()
        .build()
        .unwrap()
        .token()
        .await
        .expect_err("the internal CA is not trusted by default");
    assert_certificate_refused(&err);
    assert!(!err.to_string().contains("iam-password"), "{err}");
    assert_eq!(server.requests().len(), 0);

    let token = builder()
        .add_root_certificate_pem(TEST_CA_PEM)
        .build()
        .unwrap()
        .token()
        .await
        .expect("the internal CA is trusted");
    assert_eq!(token.expose_secret(), "MIIissued-token");
    assert_eq!(server.requests().len(), 1);
}
