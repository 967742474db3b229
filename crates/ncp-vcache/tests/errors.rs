//! Gateway and service errors end to end: classification, what is retried for the
//! non-idempotent create and export operations and for the lists, lenient parsing, and
//! snapshots of the resulting errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::credentials::StaticEnvironment;
use backup_core::protocol::ncp::testing;
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vcache::{Error, RequestStyle, ResponseFormat, ServiceErrorKind, Site, vcache, vredis};

const CREATED: &str = r#"{"createCloudCacheManualBackupResponse":{"requestId":"r-ok","returnCode":"0","returnMessage":"success"}}"#;
const LISTED: &str = r#"{"getCloudCacheBackupListResponse":{"requestId":"r-list","returnCode":"0","returnMessage":"success","totalRows":0,"cloudCacheBackupList":[]}}"#;

fn client(server: &ScriptedServer) -> vcache::Client {
    testing::builder(
        &server.base_url,
        RequestStyle::PostForm,
        ResponseFormat::Json,
    )
    .build()
    .unwrap()
}

async fn create(server: &ScriptedServer) -> Result<vcache::CommonResponse, Error> {
    client(server)
        .create_cloud_cache_manual_backup()
        .cloud_cache_instance_no("1234821")
        .send()
        .await
}

async fn list(server: &ScriptedServer) -> Result<vcache::GetCloudCacheBackupListOutput, Error> {
    client(server).get_cloud_cache_backup_list().send().await
}

async fn export(server: &ScriptedServer) -> Result<vcache::CommonResponse, Error> {
    client(server)
        .export_backup_to_object_storage()
        .file_name("20240702")
        .bucket_name("cache-backup")
        .cloud_cache_instance_no("1234821")
        .backup_type_mode(vcache::BackupTypeMode::Manual)
        .send()
        .await
}

#[tokio::test]
async fn throttling_is_retried_even_for_the_create() {
    let server = ScriptedServer::start(vec![
        Step::status(
            429,
            r#"{"error":{"errorCode":"410","message":"Throttle Limited","details":"Rate of traffic exceeds the throttle limit."}}"#,
        ),
        Step::ok(CREATED),
    ])
    .await;
    let out = create(&server).await.unwrap();
    assert_eq!(out.request_id.as_deref(), Some("r-ok"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn persistent_throttling_ends_after_the_attempts() {
    let server = ScriptedServer::start(vec![Step::status(
        429,
        r#"{"error":{"errorCode":"400","message":"Quota Exceeded","details":""}}"#,
    )])
    .await;
    let err = list(&server).await.unwrap_err();
    assert!(err.is_throttling());
    assert_eq!(server.requests().len(), 3);
    insta::assert_json_snapshot!(testing::error_summary(&err));
}

/// Service code 1000 says "Please try your call again later", but nothing public says the
/// request was not processed (issue 13, item 6): a create answered with it is ambiguous,
/// sent once; a read is retried.
#[tokio::test]
async fn service_code_1000_is_retried_for_reads_and_ambiguous_for_creates() {
    let try_again = || {
        Step::status(
            500,
            r#"{"responseError": {"returnCode": "1000", "returnMessage": "Please try your call again later.\nTemporary error."}}"#,
        )
    };
    let server = ScriptedServer::start(vec![try_again(), Step::ok(CREATED)]).await;
    let err = create(&server).await.unwrap_err();
    assert!(err.is_ambiguous_outcome(), "{err:?}");
    assert_eq!(err.code(), Some("1000"));
    assert_eq!(server.requests().len(), 1);

    let server = ScriptedServer::start(vec![try_again(), Step::ok(LISTED)]).await;
    list(&server).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn invalid_parameters_are_final() {
    let server = ScriptedServer::start(vec![Step::status(
        400,
        r#"{"responseError": {"returnCode": "900", "returnMessage": "Required field is not specified. location: [bucketName]"}}"#,
    )])
    .await;
    let err = export(&server).await.unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::InvalidRequest)
    );
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!(testing::error_summary(&err));
}

#[tokio::test]
async fn xml_service_and_gateway_errors() {
    let server = ScriptedServer::start(vec![
        Step::status(
            400,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<responseError>
    <returnCode>5001017</returnCode>
    <returnMessage>lookup result is 0 or already deleted</returnMessage>
</responseError>"#,
        )
        .with_header("content-type", "application/xml"),
    ])
    .await;
    let err = list(&server).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!("xml_not_found", testing::error_summary(&err));

    let server = ScriptedServer::start(vec![Step::status(
        401,
        "<error><errorCode>210</errorCode><message>Permission Denied</message><details>no permission</details></error>",
    )])
    .await;
    let err = create(&server).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!("xml_permission_denied", testing::error_summary(&err));
}

#[tokio::test]
async fn lenient_bodies_keep_code_message_and_excerpt() {
    // Odd key names and a missing comma, as seen in the wild, on an idempotent list: a 500
    // that may have been processed is retried for a list.
    let server = ScriptedServer::start(vec![Step::status(
        500,
        r#"{"responseError": {"responseCode": "3000100" "responseMessage": "External interworking failed."}}"#,
    )])
    .await;
    let err = list(&server).await.unwrap_err();
    assert_eq!(server.requests().len(), 3);
    insta::assert_json_snapshot!("broken_json", testing::error_summary(&err));

    // An HTML page from a proxy, on the create: not retried, outcome unknown.
    let server = ScriptedServer::start(vec![
        Step::status(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
            .with_header("content-type", "text/html"),
    ])
    .await;
    let err = create(&server).await.unwrap_err();
    assert!(err.is_ambiguous_outcome());
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!("html_502_on_create", testing::error_summary(&err));
}

#[tokio::test]
async fn success_statuses_that_are_not_successes() {
    // Not JSON or XML.
    let server = ScriptedServer::start(vec![Step::ok("OK")]).await;
    let err = list(&server).await.unwrap_err();
    insta::assert_json_snapshot!("not_json", testing::error_summary(&err));

    // No envelope.
    let server = ScriptedServer::start(vec![Step::ok(r#"{"something":"else","other":1}"#)]).await;
    let err = list(&server).await.unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err}");

    // A gateway error with a 200.
    let server = ScriptedServer::start(vec![
        Step::ok(r#"{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid authentication information."}}"#),
    ])
    .await;
    let err = list(&server).await.unwrap_err();
    assert_eq!(
        err.service_error_kind(),
        Some(&ServiceErrorKind::Authentication)
    );
    assert_eq!(server.requests().len(), 1);

    // A non-zero returnCode in XML, with the request id from the envelope.
    let server = ScriptedServer::start(vec![Step::ok(
        "<getCloudCacheBackupListResponse><requestId>r-xml</requestId><returnCode>1017013</returnCode><returnMessage>Route Table is setting. Please try again in a moment.</returnMessage></getCloudCacheBackupListResponse>",
    )])
    .await;
    let err = list(&server).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    insta::assert_json_snapshot!("xml_non_zero_return_code", testing::error_summary(&err));

    // The output does not fit: a number where a list of objects belongs.
    let server = ScriptedServer::start(vec![Step::ok(
        r#"{"getCloudCacheBackupListResponse":{"returnCode":"0","cloudCacheBackupList":42}}"#,
    )])
    .await;
    let err = list(&server).await.unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err}");

    // And the ordinary success still works.
    let server = ScriptedServer::start(vec![Step::ok(LISTED)]).await;
    let out = list(&server).await.unwrap();
    assert_eq!(out.cloud_cache_backup_list, Some(Vec::new()));
}

#[tokio::test]
async fn a_create_answered_without_a_return_code_is_an_error_naming_the_operation() {
    // NCP answers every success with `returnCode` "0" (reference ncp-api.md, 3.4); an
    // envelope without one does not say the backup was accepted.
    for (format, body) in [
        (
            ResponseFormat::Json,
            r#"{"createCloudCacheManualBackupResponse":{"requestId":"r-none","returnMessage":"success"}}"#,
        ),
        (
            ResponseFormat::Json,
            r#"{"createCloudCacheManualBackupResponse":{}}"#,
        ),
        (
            ResponseFormat::Json,
            r#"{"createCloudCacheManualBackupResponse":null}"#,
        ),
        (
            ResponseFormat::Json,
            r#"{"createCloudCacheManualBackupResponse":{"requestId":"r-none","returnCode":null}}"#,
        ),
        (
            ResponseFormat::Xml,
            "<createCloudCacheManualBackupResponse><requestId>r-none</requestId><returnMessage>success</returnMessage></createCloudCacheManualBackupResponse>",
        ),
    ] {
        let server = ScriptedServer::start(vec![Step::ok(body)]).await;
        let err =
            testing::builder::<vcache::Client>(&server.base_url, RequestStyle::PostForm, format)
                .build()
                .unwrap()
                .create_cloud_cache_manual_backup()
                .cloud_cache_instance_no("1234821")
                .send()
                .await
                .expect_err(body);
        match &err {
            Error::UnparseableResponse(e) => {
                assert_eq!(e.vendor, "ncp-vcache", "{body}");
                assert_eq!(e.operation, "createCloudCacheManualBackup", "{body}");
                assert!(e.reason.contains("returnCode"), "{body}: {}", e.reason);
            }
            other => panic!("{body}: unexpected {other:?}"),
        }
        assert!(
            err.to_string().contains("createCloudCacheManualBackup"),
            "{err}"
        );
        assert_eq!(server.requests().len(), 1, "{body}");
    }
    // A list answer without one is no more trustworthy.
    let server = ScriptedServer::start(vec![Step::ok(
        r#"{"getCloudCacheBackupListResponse":{"totalRows":0,"cloudCacheBackupList":[]}}"#,
    )])
    .await;
    let err = list(&server).await.unwrap_err();
    assert!(matches!(err, Error::UnparseableResponse(_)), "{err}");
    // The documented success still works.
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    create(&server).await.unwrap();
}

#[tokio::test]
async fn missing_credentials_send_nothing() {
    let server = ScriptedServer::start(vec![Step::ok(CREATED)]).await;
    let c = vredis::Client::builder()
        .endpoint(&server.base_url)
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    let err = c
        .create_cloud_redis_manual_backup()
        .cloud_redis_instance_no("1")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingCredentials(_)), "{err}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn endpoint_from_site_custom_or_ncloud_api_gw() {
    let server = ScriptedServer::start(vec![Step::ok(LISTED)]).await;
    // NCLOUD_API_GW applies when nothing is chosen in code.
    let env = StaticEnvironment::new().with_var("NCLOUD_API_GW", &server.base_url);
    let c = vcache::Client::builder()
        .environment(env.clone())
        .credentials(backup_core::credentials::NcpCredentials::new(
            testing::ACCESS_KEY,
            testing::SECRET_KEY,
        ))
        .build()
        .unwrap();
    assert_eq!(c.gateway().endpoint(), server.base_url);
    c.get_cloud_cache_backup_list().send().await.unwrap();
    assert_eq!(server.requests().len(), 1);

    // An explicit site or endpoint wins over the variable.
    let gov = vcache::Client::builder()
        .environment(env.clone())
        .site(Site::Gov)
        .build()
        .unwrap();
    assert_eq!(
        gov.gateway().endpoint(),
        "https://ncloud.apigw.gov-ntruss.com"
    );
    let fin = vredis::Client::builder()
        .environment(env)
        .site(Site::Fin)
        .build()
        .unwrap();
    assert_eq!(
        fin.gateway().endpoint(),
        "https://fin-ncloud.apigw.fin-ntruss.com"
    );
    let public = vredis::Client::builder()
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    assert_eq!(
        public.gateway().endpoint(),
        "https://ncloud.apigw.ntruss.com"
    );
    // Plain HTTP to a remote host is refused.
    let err = vcache::Client::builder()
        .endpoint("http://gateway.example.com")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}
