//! The signers through the public API: which headers each adds, with a fixed signing time
//! and host, checked against the official vectors where one exists.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials, SecretString};
use backup_core::sign::{
    HuaweiAkSkSigner, HuaweiTokenAuth, NcpSigner, OcpSigner, Sign, SignableRequest, SigningContext,
    huawei, ocp,
};
use backup_core::{HttpRequest, Method};

fn context(unix_seconds: u64, host: &str) -> SigningContext {
    SigningContext {
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(unix_seconds),
        host: host.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// NCP

const NCP_AK: &str = "AKIAEXAMPLEACCESSKEY";
const NCP_SK: &str = "SECRETKEYEXAMPLE0123456789abcdefghijklmn";

fn ncp_signer() -> NcpSigner {
    NcpSigner::new(NcpCredentials::new(NCP_AK, NCP_SK))
}

#[tokio::test]
async fn ncp_signer_adds_timestamp_key_and_signature() {
    let mut request = HttpRequest::new(Method::Post, "/vhadoop/v2/backupClusterConfiguration");
    request.set_header("content-type", "application/x-www-form-urlencoded");
    request.body = b"responseFormatType=json&clusterInstanceNo=1".to_vec();
    let ctx = context(1_700_000_000, "vhadoop.apigw.ntruss.com");

    ncp_signer().sign(&mut request, &ctx).await.unwrap();

    assert_eq!(
        request.header("x-ncp-apigw-timestamp"),
        Some("1700000000000")
    );
    assert_eq!(request.header("x-ncp-iam-access-key"), Some(NCP_AK));
    assert_eq!(
        request.header("x-ncp-apigw-signature-v2"),
        Some("p5v1ACRN2F7FhIJTR1yiZGLAIBn8mPWuQGOUaUqpAt0=")
    );
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn ncp_signer_signs_the_query_as_sent() {
    let mut request = HttpRequest::new(Method::Get, "/vredis/v2/getCloudRedisBackupList");
    request.query = "regionCode=KR&responseFormatType=json".into();
    let ctx = context(1_700_000_000, "ncloud.apigw.ntruss.com");

    ncp_signer().sign(&mut request, &ctx).await.unwrap();

    assert_eq!(
        request.header("x-ncp-apigw-signature-v2"),
        Some("iSblIX9+BKR1mdNkpQAaTe3garIrt0iQu4w8/Xp3sBc=")
    );
}

#[tokio::test]
async fn ncp_signer_resigns_with_a_fresh_timestamp() {
    let mut request = HttpRequest::new(Method::Post, "/vhadoop/v2/backupClusterConfiguration");
    let signer = ncp_signer();
    signer
        .sign(&mut request, &context(1_700_000_000, "h"))
        .await
        .unwrap();
    let first = request
        .header("x-ncp-apigw-signature-v2")
        .unwrap()
        .to_owned();
    signer
        .sign(&mut request, &context(1_700_000_001, "h"))
        .await
        .unwrap();
    assert_eq!(
        request.header("x-ncp-apigw-timestamp"),
        Some("1700000001000")
    );
    assert_ne!(
        request.header("x-ncp-apigw-signature-v2"),
        Some(first.as_str())
    );
    // Each header is present exactly once.
    assert_eq!(
        request
            .headers
            .iter()
            .filter(|(n, _)| n == "x-ncp-apigw-signature-v2")
            .count(),
        1
    );
}

// ---------------------------------------------------------------------------------------
// Huawei

const GES_HOST: &str = "ges.cn-north-4.myhuaweicloud.com";
const GES_PID: &str = "0123456789abcdef0123456789abcdef";
const GES_PATH: &str =
    "/v2/0123456789abcdef0123456789abcdef/graphs/11111111-2222-3333-4444-555555555555/backups";
/// 2024-01-01T00:00:00Z
const GES_TIME: u64 = 1_704_067_200;

fn ges_request() -> HttpRequest {
    let mut request = HttpRequest::new(Method::Post, GES_PATH);
    request.set_header("content-type", "application/json");
    request
}

#[tokio::test]
async fn huawei_signer_reproduces_the_worked_ges_example() {
    let signer = HuaweiAkSkSigner::new(
        HuaweiCredentials::new("AccessKey", "SecretKey").with_project_id(GES_PID),
    );
    let mut request = ges_request();

    signer
        .sign(&mut request, &context(GES_TIME, GES_HOST))
        .await
        .unwrap();

    assert_eq!(request.header("x-sdk-date"), Some("20240101T000000Z"));
    assert_eq!(request.header("x-project-id"), Some(GES_PID));
    assert_eq!(request.header("x-security-token"), None);
    assert_eq!(
        request.header("authorization"),
        Some(
            "SDK-HMAC-SHA256 Access=AccessKey, \
             SignedHeaders=content-type;host;x-project-id;x-sdk-date, \
             Signature=1d86b575436630245a54df309dd1d9d5864e69235860958470b5f43e7b15d47d"
        )
    );
    // The host is signed but not added as a header: the transport sends it.
    assert_eq!(request.header("host"), None);

    // Signing again (a retry) replaces the old Authorization instead of signing it.
    signer
        .sign(&mut request, &context(GES_TIME, GES_HOST))
        .await
        .unwrap();
    assert!(
        request.header("authorization").unwrap().ends_with(
            "Signature=1d86b575436630245a54df309dd1d9d5864e69235860958470b5f43e7b15d47d"
        )
    );
    assert_eq!(
        request
            .headers
            .iter()
            .filter(|(n, _)| n == "authorization")
            .count(),
        1
    );
}

#[tokio::test]
async fn huawei_signer_with_json_body() {
    let signer = HuaweiAkSkSigner::new(
        HuaweiCredentials::new("AccessKey", "SecretKey").with_project_id(GES_PID),
    );
    let mut request = ges_request();
    request.body = b"{}".to_vec();
    signer
        .sign(&mut request, &context(GES_TIME, GES_HOST))
        .await
        .unwrap();
    assert!(
        request.header("authorization").unwrap().ends_with(
            "Signature=c5fd3ffc7bd59ab613be2c59bc5672ac14c9b91a6a67ac2c06b060ceb1ea976e"
        )
    );
}

#[tokio::test]
async fn huawei_signer_sends_and_signs_the_security_token_of_temporary_credentials() {
    let credentials = HuaweiCredentials::new("TEMPAK", "TEMPSK")
        .with_project_id(GES_PID)
        .with_security_token("session-token-value");
    let mut request = ges_request();

    HuaweiAkSkSigner::new(credentials)
        .sign(&mut request, &context(GES_TIME, GES_HOST))
        .await
        .unwrap();

    assert_eq!(
        request.header("x-security-token"),
        Some("session-token-value")
    );
    let authorization = request.header("authorization").unwrap().to_owned();
    assert!(
        authorization
            .contains("SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,"),
        "{authorization}"
    );
    // The signature is the pure function's over the request as it is sent.
    let mut unsigned = request.clone();
    unsigned.remove_header("authorization");
    assert_eq!(
        authorization,
        huawei::authorization(
            &SignableRequest::from(&unsigned),
            Some(GES_HOST),
            "TEMPAK",
            b"TEMPSK"
        )
    );
}

#[tokio::test]
async fn huawei_signer_drops_a_stale_security_token_for_permanent_credentials() {
    let mut request = ges_request();
    request.set_header("x-security-token", "stale");
    HuaweiAkSkSigner::new(HuaweiCredentials::new("AccessKey", "SecretKey"))
        .sign(&mut request, &context(GES_TIME, GES_HOST))
        .await
        .unwrap();
    assert_eq!(request.header("x-security-token"), None);
    assert_eq!(request.header("x-project-id"), None);
    assert!(
        request
            .header("authorization")
            .unwrap()
            .contains("SignedHeaders=content-type;host;x-sdk-date,")
    );
}

#[tokio::test]
async fn huawei_token_auth_sends_the_token_and_does_not_sign() {
    let mut request = ges_request();
    HuaweiTokenAuth::new(SecretString::new("iam-token-value"))
        .with_project_id(GES_PID)
        .sign(&mut request, &context(GES_TIME, GES_HOST))
        .await
        .unwrap();

    assert_eq!(request.header("x-auth-token"), Some("iam-token-value"));
    assert_eq!(request.header("x-project-id"), Some(GES_PID));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("x-sdk-date"), None);
}

#[test]
fn signer_debug_output_hides_secrets() {
    let shown = format!(
        "{:?} {:?} {:?} {:?}",
        ncp_signer(),
        HuaweiAkSkSigner::new(
            HuaweiCredentials::new("AK", "huawei-secret").with_security_token("huawei-token")
        ),
        HuaweiTokenAuth::new(SecretString::new("iam-token")),
        OcpSigner::new(OcpCredentials::basic("admin", "ocp-password")),
    );
    for secret in [
        NCP_SK,
        "huawei-secret",
        "huawei-token",
        "iam-token",
        "ocp-password",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

// ---------------------------------------------------------------------------------------
// OCP

const OCP_HOST: &str = "ocp.alibaba.net:8080";

#[tokio::test]
async fn ocp_basic_sets_authorization_only() {
    let mut request = HttpRequest::new(Method::Get, "/api/v2/ob/clusters/1/tenants");
    OcpSigner::new(OcpCredentials::basic("admin", "root"))
        .sign(&mut request, &context(1_673_946_837, OCP_HOST))
        .await
        .unwrap();
    assert_eq!(
        request.header("authorization"),
        Some("Basic YWRtaW46cm9vdA==")
    );
    assert_eq!(request.header("date"), None);
}

fn ocp_access_key_signer() -> OcpSigner {
    OcpSigner::new(OcpCredentials::access_key(
        "cqammmxBpfGjFlto",
        "2fc0c299cc94c6be266f2ceece765d4d",
    ))
}

#[tokio::test]
async fn ocp_access_key_reproduces_example_1() {
    let mut request = HttpRequest::new(Method::Post, "/api/v2/compute/idcs");
    request.set_header("content-type", "application/json");
    request.set_header("x-ocp-data", "A,1");
    request.body = br#"{"name":"test01","description":"test","regionId":1}"#.to_vec();

    // Tue, 17 Jan 2023 09:13:57 GMT
    ocp_access_key_signer()
        .sign(&mut request, &context(1_673_946_837, OCP_HOST))
        .await
        .unwrap();

    assert_eq!(
        request.header("date"),
        Some("Tue, 17 Jan 2023 09:13:57 GMT")
    );
    assert_eq!(
        request.header("authorization"),
        Some("OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:XN8P+O+v3vUabB16ZCooq5wMJoY=")
    );
}

#[tokio::test]
async fn ocp_access_key_reproduces_example_2() {
    let mut request = HttpRequest::new(Method::Get, "/api/v2/compute/idcs");
    request.query = "size=100".into();
    request.set_header("content-type", "application/json;charset=utf-8");

    // Tue, 17 Jan 2023 04:14:02 GMT
    ocp_access_key_signer()
        .sign(&mut request, &context(1_673_928_842, OCP_HOST))
        .await
        .unwrap();

    assert_eq!(
        request.header("date"),
        Some("Tue, 17 Jan 2023 04:14:02 GMT")
    );
    assert_eq!(
        request.header("authorization"),
        Some("OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:TsQD6HDOuZuJ409m0wdnZPmijlc=")
    );
    let (ak, signature) =
        ocp::parse_authorization(request.header("authorization").unwrap()).unwrap();
    assert_eq!(
        (ak, signature),
        ("cqammmxBpfGjFlto", "TsQD6HDOuZuJ409m0wdnZPmijlc=")
    );
}

// ---------------------------------------------------------------------------------------
// Fixed credentials are lent to the signer; looked-up ones are provided per attempt.

/// A provider that holds its credentials but does not lend them, as one that looks them up.
#[derive(Debug)]
struct LookedUp<C>(C);

impl<C: Clone + Send + Sync + std::fmt::Debug + 'static>
    backup_core::credentials::ProvideCredentials for LookedUp<C>
{
    type Credentials = C;

    fn provide_credentials(
        &self,
    ) -> backup_core::credentials::BoxFuture<'_, Result<C, backup_core::Error>> {
        let credentials = self.0.clone();
        Box::pin(async move { Ok(credentials) })
    }
}

async fn signed(signer: &dyn Sign, ctx: &SigningContext) -> HttpRequest {
    let mut request = ges_request();
    request.body = br#"{"backupName":"b1"}"#.to_vec();
    signer.sign(&mut request, ctx).await.unwrap();
    request
}

#[tokio::test]
async fn lent_and_looked_up_credentials_sign_alike() {
    use backup_core::credentials::ProvideCredentials;
    let ctx = context(1_700_000_000, "ges.cn-north-4.myhuaweicloud.com");
    let ncp = NcpCredentials::new(NCP_AK, NCP_SK);
    let huawei = HuaweiCredentials::new(
        "QTWAOYTTINDUT2QVKYUC",
        "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
    );
    let ocp = OcpCredentials::access_key("ak-example-0001", "secret-example-0001");
    assert!(ncp.fixed_credentials().is_some());
    assert!(LookedUp(ncp.clone()).fixed_credentials().is_none());
    let pairs: [(Box<dyn Sign>, Box<dyn Sign>); 3] = [
        (
            Box::new(NcpSigner::new(ncp.clone())),
            Box::new(NcpSigner::new(LookedUp(ncp))),
        ),
        (
            Box::new(HuaweiAkSkSigner::new(huawei.clone())),
            Box::new(HuaweiAkSkSigner::new(LookedUp(huawei))),
        ),
        (
            Box::new(OcpSigner::new(ocp.clone())),
            Box::new(OcpSigner::new(LookedUp(ocp))),
        ),
    ];
    for (lent, looked_up) in pairs {
        let (a, b) = (signed(&*lent, &ctx).await, signed(&*looked_up, &ctx).await);
        assert!(
            a.headers.len() > ges_request().headers.len(),
            "{lent:?} added headers"
        );
        assert_eq!(a.headers, b.headers, "{lent:?}");
        assert_eq!(a.secrets, b.secrets, "{lent:?}");
    }
}
