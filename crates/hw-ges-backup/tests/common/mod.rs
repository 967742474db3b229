//! Helpers shared by the loopback tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::clock::SteppingClock;
use backup_core::credentials::{HuaweiCredentials, SecretString, StaticEnvironment};
use backup_core::sign::SignableRequest;
use backup_core::sign::huawei;
use backup_core::test_util::{Recorded, ScriptedServer, Step};
use backup_core::{RetryConfig, Timeouts};
use hw_ges_backup::Client;
use serde_json::{Value, json};

pub const AK: &str = "AccessKey";
pub const SK: &str = "SecretKey-do-not-print";
pub const SECURITY_TOKEN: &str = "temporary-security-token-do-not-print";
pub const AUTH_TOKEN: &str = "MIIauth-token-do-not-print";
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const GRAPH: &str = "11111111-2222-3333-4444-555555555555";

/// 2024-01-01T00:00:00Z.
pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200)
}

pub fn frozen() -> Arc<SteppingClock> {
    Arc::new(SteppingClock::frozen(t0()))
}

/// Fast retries so that retry tests do not sleep long.
pub fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_jitter(false)
}

fn base(server: &ScriptedServer) -> hw_ges_backup::ClientBuilder {
    Client::builder()
        .endpoint(server.base_url.clone())
        .project_id(PROJECT)
        .environment(StaticEnvironment::new())
        .clock(frozen())
        .retry(fast_retry())
        .timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_secs(5),
        ))
}

pub fn aksk_client(server: &ScriptedServer) -> Client {
    base(server)
        .credentials(HuaweiCredentials::new(AK, SK))
        .build()
        .unwrap()
}

pub fn temporary_aksk_client(server: &ScriptedServer) -> Client {
    base(server)
        .credentials(HuaweiCredentials::new(AK, SK).with_security_token(SECURITY_TOKEN))
        .build()
        .unwrap()
}

pub fn token_client(server: &ScriptedServer) -> Client {
    base(server)
        .token(SecretString::new(AUTH_TOKEN))
        .build()
        .unwrap()
}

/// Recomputes the `SDK-HMAC-SHA256` Authorization over what the server received (method,
/// request-target, the headers `SignedHeaders` names, body) with backup-core's pure
/// signing functions, and asserts it equals the one sent.
pub fn assert_signature(recorded: &Recorded, ak: &str, sk: &str) {
    let sent = recorded
        .header("authorization")
        .expect("an Authorization header");
    let parsed = huawei::parse_authorization(sent).expect("an SDK-HMAC-SHA256 Authorization");
    assert_eq!(parsed.access_key, ak);
    let names: Vec<&str> = parsed.signed_header_names().collect();
    for required in ["host", "x-project-id", "x-sdk-date"] {
        assert!(
            names.contains(&required),
            "{required} is not signed: {sent}"
        );
    }
    let headers: Vec<(String, String)> = recorded
        .headers
        .iter()
        .filter(|(n, _)| names.contains(&n.as_str()))
        .cloned()
        .collect();
    let (path, query) = recorded
        .target
        .split_once('?')
        .unwrap_or((recorded.target.as_str(), ""));
    let request = SignableRequest {
        method: &recorded.method,
        path,
        query,
        headers: &headers,
        body: &recorded.body,
    };
    let expected = huawei::authorization(&request, None, ak, sk.as_bytes());
    assert_eq!(
        sent, expected,
        "the signature does not match what was received"
    );
}

/// A recorded request as JSON for snapshots: the port, the library version and the
/// signature (which covers the port; `assert_signature` checks it) are replaced,
/// everything else is kept as received.
pub fn request_json(recorded: &Recorded) -> Value {
    let headers: Vec<Value> = recorded
        .headers
        .iter()
        .map(|(n, v)| {
            let v = match n.as_str() {
                "host" => "127.0.0.1:[port]".to_owned(),
                "user-agent" => v
                    .split('/')
                    .next()
                    .map(|p| format!("{p}/[version]"))
                    .unwrap_or_default(),
                "authorization" => match v.split_once("Signature=") {
                    Some((head, _)) => format!("{head}Signature=[checked by assert_signature]"),
                    None => v.clone(),
                },
                _ => v.clone(),
            };
            json!([n, v])
        })
        .collect();
    json!({
        "method": recorded.method,
        "target": recorded.target,
        "headers": headers,
        "body": String::from_utf8_lossy(&recorded.body),
    })
}

pub async fn serve(steps: Vec<Step>) -> ScriptedServer {
    ScriptedServer::start(steps).await
}
