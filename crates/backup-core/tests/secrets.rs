//! Hostile servers that echo secrets or send terminal control sequences: the errors the
//! client returns carry neither, whatever the vendor classifier and wherever the 512-byte
//! excerpt is cut.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use backup_core::credentials::{HuaweiCredentials, OcpCredentials};
use backup_core::protocol::ncp::NcpClassifier;
use backup_core::sign::{HuaweiAkSkSigner, OcpSigner, Sign, SigningContext};
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{Error, HttpRequest, Method, OperationInfo, RetryConfig, ServiceClient};

const READ: OperationInfo = OperationInfo::idempotent("showJob");
const SECRET_KEY: &str = "HuaweiSecretKeyExample0123456789";
const TOKEN: &str = "TOKEN-gQpJb2tlbkV4YW1wbGUwMTIzNDU2Nzg5";
const PASSWORD: &str = "ocp-Passw0rd-example";

fn builder(endpoint: &str) -> backup_core::ServiceClientBuilder {
    ServiceClient::builder("test")
        .endpoint(endpoint)
        .retry(RetryConfig::standard().with_max_attempts(1))
}

/// Every text an error shows: `Display`, `Debug`.
fn shown(error: &Error) -> String {
    format!("{error}\n{error:?}")
}

/// No part of `secret` longer than five characters is visible in `text`.
fn assert_no_piece_of(secret: &str, text: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(6) {
        let piece: String = window.iter().collect();
        assert!(!text.contains(&piece), "`{piece}` of a secret in: {text}");
    }
}

/// `pad` bytes of filler, then `secret`: the secret starts a few bytes before the 512-byte
/// excerpt cut.
fn straddling(prefix: &str, secret: &str) -> String {
    let pad = 505usize.saturating_sub(prefix.len());
    format!("{prefix}{}{secret}\"}}", "x".repeat(pad))
}

#[tokio::test]
async fn a_canonical_request_echo_with_the_security_token_is_scrubbed() {
    let canonical = format!(
        "POST\\n/v2/p/graphs/g/backups/\\n\\ncontent-type:application/json\\nhost:127.0.0.1\\nx-sdk-date:20240101T000000Z\\nx-security-token:{TOKEN}\\n"
    );
    let body = format!(
        r#"{{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest: {canonical}","request_id":"r-1"}}"#
    );
    let straddle = straddling(r#"{"error_code":"APIGW.0301","error_msg":""#, TOKEN);
    for body in [body, straddle] {
        let server = ScriptedServer::start(vec![Step::status(401, &body)]).await;
        let client = builder(&server.base_url)
            .signer(HuaweiAkSkSigner::new(
                HuaweiCredentials::new("AKEXAMPLE", SECRET_KEY).with_security_token(TOKEN),
            ))
            .build()
            .unwrap();
        let error = client
            .send(
                &READ,
                HttpRequest::new(Method::Post, "/v2/p/graphs/g/backups"),
            )
            .await
            .unwrap_err();
        assert_eq!(error.http_status(), Some(401));
        assert_no_piece_of(TOKEN, &shown(&error));
    }
}

#[tokio::test]
async fn an_echoed_basic_authorization_is_scrubbed_in_every_form() {
    let recorded_authorization = {
        // Learn the exact value the signer sends, to echo it back.
        let probe = ScriptedServer::start(vec![Step::ok("{}")]).await;
        let client = builder(&probe.base_url)
            .signer(OcpSigner::new(OcpCredentials::basic("admin", PASSWORD)))
            .build()
            .unwrap();
        client
            .send(&READ, HttpRequest::new(Method::Get, "/api/v2/info"))
            .await
            .unwrap();
        probe.requests()[0]
            .header("authorization")
            .unwrap()
            .to_owned()
    };
    let base64 = recorded_authorization
        .strip_prefix("Basic ")
        .unwrap()
        .to_owned();
    for body in [
        format!(
            r#"{{"successful":false,"error":{{"message":"bad header Authorization: {recorded_authorization} for admin:{PASSWORD}"}}}}"#
        ),
        straddling(r#"{"message":""#, &base64),
        straddling(r#"{"message":""#, &recorded_authorization),
        straddling(r#"{"message":""#, PASSWORD),
    ] {
        let server = ScriptedServer::start(vec![Step::status(401, &body)]).await;
        let client = builder(&server.base_url)
            .signer(OcpSigner::new(OcpCredentials::basic("admin", PASSWORD)))
            .build()
            .unwrap();
        let error = client
            .send(&READ, HttpRequest::new(Method::Get, "/api/v2/info"))
            .await
            .unwrap_err();
        let text = shown(&error);
        assert_no_piece_of(PASSWORD, &text);
        assert_no_piece_of(&base64, &text);
    }
}

/// HMAC signers register the signature rather than the whole `Authorization` value: an
/// echo of the whole value, as is, JSON-escaped or percent-encoded, still shows no piece of
/// the signature nor of the secret key once scrubbed.
#[tokio::test]
async fn an_echoed_hmac_authorization_shows_no_signature_in_any_form() {
    let signers: [(Box<dyn Sign>, &str); 2] = [
        (
            Box::new(HuaweiAkSkSigner::new(HuaweiCredentials::new(
                "AKEXAMPLE",
                SECRET_KEY,
            ))),
            "Signature=",
        ),
        (
            Box::new(OcpSigner::new(OcpCredentials::access_key(
                "AKIDOCP", PASSWORD,
            ))),
            ":",
        ),
    ];
    for (signer, marker) in signers {
        let mut request = HttpRequest::new(Method::Post, "/api/v2/ob/clusters/1/backup");
        request.body = br#"{"backupMode":"FULL"}"#.to_vec();
        let context = SigningContext {
            now: std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200),
            host: "127.0.0.1:8080".into(),
        };
        signer.sign(&mut request, &context).await.unwrap();
        let authorization = request.header("authorization").unwrap().to_owned();
        let signature = authorization.rsplit_once(marker).unwrap().1;
        assert!(signature.len() >= 20, "{authorization}");
        let json_escaped = serde_json::to_string(&authorization).unwrap();
        let percent = backup_core::encoding::percent_encode(&authorization);
        for echo in [
            format!("bad Authorization: {authorization}"),
            format!(r#"{{"error_msg":{json_escaped}}}"#),
            format!("see /x?auth={percent}"),
        ] {
            let scrubbed = request.secrets.scrub(&echo);
            assert_no_piece_of(signature, &scrubbed);
            assert_no_piece_of(PASSWORD, &scrubbed);
            assert_no_piece_of(SECRET_KEY, &scrubbed);
        }
    }
}

/// A character a terminal would act on: C0 (ESC among them), DEL, C1 (CSI, OSC) and the
/// bidirectional overrides.
fn is_terminal_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[tokio::test]
async fn server_text_with_control_sequences_is_one_escaped_line() {
    let body = r#"{"responseError":{"returnCode":"1000","returnMessage":"try\nagain \u001b]0;owned\u0007 \u009b2J \u202etxt.exe","requestId":"req\r\n\u001b[31m-1"}}"#;
    let server = ScriptedServer::start(vec![Step::status(400, body)]).await;
    let client = builder(&server.base_url)
        .classifier(NcpClassifier)
        .retry(RetryConfig::standard().with_max_attempts(1))
        .build()
        .unwrap();
    let error = client
        .send(&READ, HttpRequest::new(Method::Get, "/vcache/v2/x"))
        .await
        .unwrap_err();
    let line = error.to_string();
    assert!(
        !line.chars().any(is_terminal_control),
        "control character in: {line:?}"
    );
    assert!(line.contains("\\u{1b}]0;owned"), "{line}");
    assert!(line.contains("req \\u{1b}[31m-1"), "{line}");
    // The accessors keep the server's text as it was.
    assert!(error.message().unwrap().contains('\u{1b}'));
}

#[tokio::test]
async fn a_read_timeout_error_text_is_one_line() {
    let server = ScriptedServer::start(vec![Step::Stall(Duration::from_secs(2))]).await;
    let client = builder(&server.base_url)
        .timeouts(backup_core::Timeouts::new(
            Duration::from_secs(1),
            Duration::from_millis(200),
        ))
        .build()
        .unwrap();
    let error = client
        .send(&READ, HttpRequest::new(Method::Get, "/x"))
        .await
        .unwrap_err();
    assert!(!error.to_string().chars().any(is_terminal_control));
}
