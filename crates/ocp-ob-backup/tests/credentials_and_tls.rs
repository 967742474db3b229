//! What an OCP client refuses before sending, and whom it trusts.
//!
//! Credentials that cannot be sent are refused before anything is sent, in both auth modes:
//! an access key id that cannot travel in the `Authorization` header, and HTTP Basic
//! credentials that RFC 7617 forbids (a control character, a `:` in the user name). Fixed
//! credentials fail when the client is built, ones from the environment when they are
//! loaded; the loopback server sees no request, and the error names the field, never
//! the value.
//!
//! Private OCP deployments serve certificates from internal CAs: such a server is refused
//! until the builder is given that CA, and then reached.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::DispatchKind;
use backup_core::credentials::{OcpEnvironmentProvider, StaticEnvironment};
use backup_core::test_tls::{OTHER_CA_PEM, TEST_CA_PEM, TlsFront};
use backup_core::test_util::{ScriptedServer, Step};
use ocp_ob_backup::{Client, Error, OcpCredentials};

const TASK: &str = r#"{"data":{"id":1,"status":"RUNNING"},"successful":true,"status":200}"#;

fn assert_unusable(err: &Error, field: &str, value_parts: &[&str]) {
    let shown = err.to_string();
    assert!(
        matches!(err, Error::InvalidCredentials(e) if e.vendor == "ocp" && e.field == field),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "{shown}");
    assert!(!err.may_have_been_sent(), "{shown}");
    assert!(shown.contains("ocp") && shown.contains(field), "{shown}");
    assert!(!shown.contains("no ocp credentials found"), "{shown}");
    let debug = format!("{err:?}");
    for part in value_parts {
        assert!(!shown.contains(part), "{shown}");
        assert!(!debug.contains(part), "{debug}");
    }
}

fn build(server: &ScriptedServer, credentials: OcpCredentials) -> Result<Client, Error> {
    Client::builder()
        .endpoint(&server.base_url)
        .credentials(credentials)
        .build()
}

#[tokio::test]
async fn access_key_id_with_crlf_is_refused_at_build() {
    let server = ScriptedServer::start(vec![Step::ok(TASK)]).await;
    let err = build(
        &server,
        OcpCredentials::access_key("cqammmx\r\nX-Injected: 1", "secret-value"),
    )
    .expect_err("an unusable access key id must not build a client");
    assert_unusable(
        &err,
        "access_key_id",
        &["cqammmx", "X-Injected", "secret-value"],
    );
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn basic_credentials_that_rfc_7617_forbids_are_refused_at_build() {
    let server = ScriptedServer::start(vec![Step::ok(TASK)]).await;
    let err = build(&server, OcpCredentials::basic("adm\nin", "root-password"))
        .expect_err("a user name with a line feed must not build a client");
    assert_unusable(&err, "username", &["adm", "root-password"]);

    let err = build(&server, OcpCredentials::basic("admin:ops", "root-password"))
        .expect_err("a user name with `:` cannot be told apart from the password");
    assert_unusable(&err, "username", &["admin:ops", "root-password"]);

    let err = build(&server, OcpCredentials::basic("admin", "Pa55\0W0rd"))
        .expect_err("a password with NUL must not build a client");
    assert_unusable(&err, "password", &["Pa55", "W0rd"]);
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn access_key_id_with_nul_from_the_environment_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok(TASK)]).await;
    let env = StaticEnvironment::new()
        .with_var("OCP_ACCESS_KEY_ID", "cqammmx\0X")
        .with_var("OCP_ACCESS_KEY_SECRET", "secret-value");
    let client = Client::builder()
        .endpoint(&server.base_url)
        .credentials(OcpEnvironmentProvider::with_environment(env))
        .build()
        .expect("a provider is consulted at the first call");
    let err = client
        .get_task_instance()
        .id(1)
        .send()
        .await
        .expect_err("an unusable access key id must fail the call");
    assert_unusable(&err, "access_key_id", &["cqammmx", "secret-value"]);
    assert!(err.to_string().contains("OCP_ACCESS_KEY_ID"), "{err}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn an_ocp_certificate_from_an_internal_ca_needs_that_ca() {
    let server = ScriptedServer::start(vec![Step::ok(TASK)]).await;
    let front = TlsFront::start(&server.base_url).await;
    let builder = || {
        Client::builder()
            .endpoint(&front.base_url)
            .credentials(OcpCredentials::basic("admin", "root-password"))
    };

    let err = builder()
        .build()
        .unwrap()
        .get_task_instance()
        .id(1)
        .send()
        .await
        .expect_err("the internal CA is not trusted by default");
    assert!(
        matches!(&err, Error::Dispatch(d) if d.kind == DispatchKind::Certificate && d.attempts == 1),
        "{err:?}"
    );
    assert!(!err.to_string().contains("root-password"), "{err}");
    assert_eq!(server.requests().len(), 0);
    assert_eq!(front.handshakes(), 0);

    // A bundle file with the internal CA among others, as operators keep them.
    let client = builder()
        .add_root_certificate_pem([OTHER_CA_PEM, TEST_CA_PEM].concat())
        .build()
        .unwrap();
    client
        .get_task_instance()
        .id(1)
        .send()
        .await
        .expect("the internal CA is trusted");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_ca_file_that_is_not_pem_fails_the_build() {
    let built = Client::builder()
        .endpoint("https://ocp.example.com")
        .credentials(OcpCredentials::basic("admin", "root-password"))
        .add_root_certificate_pem(&b"not a certificate"[..])
        .build();
    assert!(matches!(built, Err(Error::Config(_))), "{built:?}");
}
