//! The IAM token provider against a scripted loopback IAM server: the exact token request,
//! caching, renewal before expiry, errors and secret hygiene.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use backup_core::clock::Clock;
use backup_core::credentials::StaticEnvironment;
use backup_core::sign::ProvideToken;
use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{Error, ServiceErrorKind};
use common::*;
use hw_ges_backup::{Client, IamTokenProvider};
use serde_json::{Value, json};

const PASSWORD: &str = "iam-password-do-not-print";

/// A clock the test moves by hand.
#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    fn at(t: SystemTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }
    fn set(&self, t: SystemTime) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

fn token_step(token: &str, expires_at: Option<&str>) -> Step {
    let body = match expires_at {
        Some(at) => format!(
            r#"{{"token":{{"expires_at":"{at}","issued_at":"2024-01-01T00:00:00.000000Z","methods":["password"],"user":{{"name":"alice"}}}}}}"#
        ),
        None => r#"{"token":{"methods":["password"]}}"#.to_owned(),
    };
    Step::Respond {
        status: 201,
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-subject-token", token.into()),
        ],
        body,
    }
}

fn provider(iam: &ScriptedServer, clock: Arc<ManualClock>) -> IamTokenProvider {
    IamTokenProvider::builder()
        .endpoint(iam.base_url.clone())
        .user_name("alice")
        .password(PASSWORD)
        .domain_name("example-domain")
        .project_name("cn-north-4")
        .clock(clock)
        .build()
        .unwrap()
}

fn ges_client(ges: &ScriptedServer, token: IamTokenProvider) -> Client {
    Client::builder()
        .endpoint(ges.base_url.clone())
        .project_id(PROJECT)
        .environment(StaticEnvironment::new())
        .token(token)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_token_request_is_the_documented_password_request_and_is_cached() {
    let iam = serve(vec![token_step(
        "token-1",
        Some("2024-01-02T00:00:00.000000Z"),
    )])
    .await;
    let ges = serve(vec![Step::ok(r#"{"backup_count":0,"backup_list":[]}"#)]).await;
    let clock = ManualClock::at(t0());
    let client = ges_client(&ges, provider(&iam, clock.clone()));

    client.list_backups().send().await.unwrap();
    clock.set(t0() + Duration::from_secs(3600));
    client.list_backups().send().await.unwrap();

    let iam_requests = iam.requests();
    assert_eq!(iam_requests.len(), 1, "the token is cached across calls");
    let r = &iam_requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/v3/auth/tokens?nocatalog=true");
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf8")
    );
    assert_eq!(r.header("x-auth-token"), None);
    assert_eq!(r.header("authorization"), None);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "alice", "password": PASSWORD, "domain": {"name": "example-domain"}}}},
            "scope": {"project": {"name": "cn-north-4"}}
        }})
    );

    let ges_requests = ges.requests();
    assert_eq!(ges_requests.len(), 2);
    for g in &ges_requests {
        assert_eq!(g.header("x-auth-token"), Some("token-1"));
        assert_eq!(g.header("x-project-id"), Some(PROJECT));
        assert_eq!(g.header("authorization"), None);
    }
}

#[tokio::test]
async fn the_token_is_renewed_an_hour_before_expires_at() {
    let iam = serve(vec![
        token_step("token-1", Some("2024-01-02T00:00:00.000000Z")),
        token_step("token-2", Some("2024-01-02T23:00:00.000000Z")),
    ])
    .await;
    let clock = ManualClock::at(t0());
    let p = provider(&iam, clock.clone());
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-1");
    assert_eq!(
        p.cached_expiry().await,
        Some(t0() + Duration::from_secs(24 * 3600))
    );
    // 22:59:59 after issue: still more than an hour left.
    clock.set(t0() + Duration::from_secs(23 * 3600 - 1));
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-1");
    assert_eq!(iam.requests().len(), 1);
    // 23:00:00: exactly one hour left, renew.
    clock.set(t0() + Duration::from_secs(23 * 3600));
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-2");
    assert_eq!(iam.requests().len(), 2);
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-2");
    assert_eq!(iam.requests().len(), 2);
}

#[tokio::test]
async fn without_expires_at_the_configured_lifetime_counts_from_the_clock() {
    let iam = serve(vec![
        token_step("token-1", None),
        token_step("token-2", None),
    ])
    .await;
    let clock = ManualClock::at(t0());
    let p = IamTokenProvider::builder()
        .endpoint(iam.base_url.clone())
        .user_name("alice")
        .password(PASSWORD)
        .domain_name("d")
        .project_id("0123456789abcdef")
        .token_lifetime(Duration::from_secs(2 * 3600))
        .refresh_before(Duration::from_secs(30 * 60))
        .clock(clock.clone())
        .build()
        .unwrap();
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-1");
    let body: Value = serde_json::from_slice(&iam.requests()[0].body).unwrap();
    assert_eq!(
        body["auth"]["scope"],
        json!({"project": {"id": "0123456789abcdef"}})
    );
    clock.set(t0() + Duration::from_secs(90 * 60 - 1));
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-1");
    clock.set(t0() + Duration::from_secs(90 * 60));
    assert_eq!(p.token().await.unwrap().expose_secret(), "token-2");
    assert_eq!(iam.requests().len(), 2);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let iam = serve(vec![token_step("token-1", Some("2024-01-02T00:00:00Z"))]).await;
    let p = provider(&iam, ManualClock::at(t0()));
    let (a, b, c) = tokio::join!(p.token(), p.token(), p.token());
    for t in [a, b, c] {
        assert_eq!(t.unwrap().expose_secret(), "token-1");
    }
    assert_eq!(iam.requests().len(), 1);
}

#[tokio::test]
async fn iam_errors_are_service_errors_without_the_password() {
    let iam = serve(vec![Step::status(
        401,
        r#"{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}"#,
    )
    .with_header("x-request-id", "iam-req-1")])
    .await;
    let ges = serve(vec![Step::ok("{}")]).await;
    let p = provider(&iam, ManualClock::at(t0()));
    let client = ges_client(&ges, p.clone());
    let err = client.list_backups().send().await.unwrap_err();
    assert_eq!(err.code(), Some("401"));
    assert_eq!(err.message(), Some("The username or password is wrong."));
    assert_eq!(err.request_id(), Some("iam-req-1"));
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication)
    );
    assert_eq!(iam.requests().len(), 1, "401 is not retried");
    assert_eq!(ges.requests().len(), 0, "nothing is sent without a token");
    let shown = format!("{err} {err:?} {p:?} {client:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::test]
async fn a_response_without_x_subject_token_is_unparseable() {
    let iam = serve(vec![Step::Respond {
        status: 201,
        headers: vec![("content-type", "application/json".into())],
        body: r#"{"token":{}}"#.into(),
    }])
    .await;
    let err = provider(&iam, ManualClock::at(t0()))
        .token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err:?}");
    assert!(err.to_string().contains("X-Subject-Token"));
}

#[tokio::test]
async fn tokens_never_appear_in_debug_output() {
    let iam = serve(vec![token_step("secret-subject-token", None)]).await;
    let p = provider(&iam, ManualClock::at(t0()));
    let token = p.token().await.unwrap();
    let shown = format!("{p:?} {token:?} {token}");
    assert!(!shown.contains("secret-subject-token"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[test]
fn the_builder_requires_user_password_domain_and_a_scope() {
    let base = || {
        IamTokenProvider::builder()
            .region("cn-north-4")
            .user_name("u")
            .password("p")
            .domain_name("d")
    };
    assert!(base().build().is_ok());
    for (field, builder) in [
        ("user_name", base().user_name("")),
        ("password", base().password("")),
        ("domain_name", base().domain_name("")),
    ] {
        match builder.build() {
            Err(Error::InvalidInput(i)) => assert_eq!(i.field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let no_scope = IamTokenProvider::builder()
        .endpoint("https://iam.myhuaweicloud.com")
        .user_name("u")
        .password("p")
        .domain_name("d")
        .build();
    assert!(matches!(no_scope, Err(Error::InvalidInput(_))));
}
