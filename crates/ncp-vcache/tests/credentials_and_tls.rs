//! What an NCP client refuses before sending, and whom it trusts.
//!
//! Credentials that cannot travel in an HTTP header (CR, LF, NUL, other control bytes) are
//! refused before anything is sent: fixed ones when the client is built, ones from the
//! environment when they are loaded. The loopback server must see no request at all, and
//! the error must name the vendor and the field, never the value, and not invite a retry.
//!
//! A gateway whose certificate an unknown CA issued is refused until the builder is given
//! that CA.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::DispatchKind;
use backup_core::credentials::StaticEnvironment;
use backup_core::protocol::ncp::testing;
use backup_core::test_tls::{TEST_CA_PEM, TlsFront};
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vcache::{Error, NcpCredentials, RequestStyle, ResponseFormat, vcache};

const CREATED: &str = r#"{"createCloudCacheManualBackupResponse":{"requestId":"r-ok","returnCode":"0","returnMessage":"success"}}"#;
/// An access key that would smuggle a header into the request if it were sent raw.
const INJECTING_KEY: &str = "AKIDEXAMPLE\r\nX-Injected: 1";

fn assert_unusable(err: &Error, field: &str) {
    let shown = err.to_string();
    assert!(
        matches!(err, Error::InvalidCredentials(e) if e.vendor == "ncp" && e.field == field),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "{shown}");
    assert!(!err.may_have_been_sent(), "{shown}");
    assert!(shown.contains("ncp") && shown.contains(field), "{shown}");
    assert!(!shown.contains("no ncp credentials found"), "{shown}");
    let debug = format!("{err:?}");
    for part in ["AKIDEXAMPLE", "X-Injected"] {
        assert!(!shown.contains(part), "{shown}");
        assert!(!debug.contains(part), "{debug}");
    }
}

#[tokio::test]
async fn fixed_access_key_with_crlf_is_refused_at_build() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let built = testing::builder::<vcache::Client>(
        &server.base_url,
        RequestStyle::PostForm,
        ResponseFormat::Json,
    )
    .credentials(NcpCredentials::new(INJECTING_KEY, testing::SECRET_KEY))
    .build();
    let err = built.expect_err("a client with an unusable access key must not be built");
    assert_unusable(&err, "access_key_id");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn access_key_with_lf_from_the_environment_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let env = StaticEnvironment::new()
        .with_var("NCLOUD_ACCESS_KEY_ID", "AKIDEXAMPLE\nX-Injected: 1")
        .with_var("NCLOUD_SECRET_KEY", testing::SECRET_KEY);
    let client = vcache::Client::builder()
        .endpoint(&server.base_url)
        .environment(env)
        .build()
        .expect("credentials from the environment are read at the first call");
    let err = client
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no("1234821")
        .send()
        .await
        .expect_err("an unusable access key must fail the call");
    assert_unusable(&err, "access_key_id");
    assert!(err.to_string().contains("NCLOUD_ACCESS_KEY_ID"), "{err}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_gateway_certificate_from_an_internal_ca_needs_that_ca() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let front = TlsFront::start(&server.base_url).await;
    let builder = || {
        testing::builder::<vcache::Client>(
            &front.base_url,
            RequestStyle::PostForm,
            ResponseFormat::Json,
        )
    };
    let create = |client: vcache::Client| async move {
        client
            .create_cloud_cache_manual_backup()
            .cloud_cache_instance_no("1234821")
            .send()
            .await
    };

    let err = create(builder().build().unwrap())
        .await
        .expect_err("the internal CA is not trusted by default");
    assert!(
        matches!(&err, Error::Dispatch(d) if d.kind == DispatchKind::Certificate && d.attempts == 1),
        "{err:?}"
    );
    assert!(!err.may_have_been_sent() && !err.is_retryable(), "{err}");
    assert_eq!(server.requests().len(), 0);

    let client = builder()
        .add_root_certificate_pem(TEST_CA_PEM)
        .build()
        .unwrap();
    create(client).await.expect("the internal CA is trusted");
    assert_eq!(server.requests().len(), 1);
}
