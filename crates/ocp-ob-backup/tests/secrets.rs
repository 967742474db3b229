//! OCP servers that echo secrets: the storage secret of a backup strategy, the storage
//! secret of a backupNow request across the message and excerpt cuts, every storage secret
//! of both backupNow bodies (registered while the body is written, as the walk over its
//! bytes would find them), and the Basic credentials of a 401. No error shows any piece of
//! them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use backup_core::test_util::{ScriptedServer, Step};
use backup_core::{RetryConfig, Timeouts};
use ocp_ob_backup::{
    BackupDimension, BackupMode, BackupObject, BackupStorageBaseInfo, BackupStorageConfig,
    BackupStorageType, Client, CosAccessKey, DataBackupMode, Error, OcpCredentials, OssAccessKey,
    S3AccessKey,
};
use serde_json::json;

const OSS_SECRET: &str = "oss-S3cr3t-Value-9f8e7d";
const PASSWORD: &str = "ocp-Passw0rd-example";

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .endpoint(&server.base_url)
        .credentials(OcpCredentials::basic("admin", PASSWORD))
        .retry(RetryConfig::default().with_max_attempts(1))
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(10),
        ))
        .build()
        .unwrap()
}

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

fn strategy_with(ill_typed: serde_json::Value) -> String {
    let mut body = json!({
        "data": {
            "id": 11, "clusterId": 8, "backupMode": "PHYSICAL_BACKUP",
            "obBackupServiceStorageConfig": {
                "configName": "oss_0915", "storageId": 26,
                "obBackupStorageBaseInfo": {
                    "backupStorageType": "BACKUP_STORAGE_OSS", "storageUrl": "osstest/backup",
                    "ossAccessKey": {"endpoint": "oss.example.com", "accessKeyId": "id-1", "accessKeySecret": OSS_SECRET}
                }
            }
        },
        "successful": true, "status": 200, "traceId": "t-strategy"
    });
    if let (Some(data), Some(members)) = (body["data"].as_object_mut(), ill_typed.as_object()) {
        for (name, value) in members {
            data.insert(name.clone(), value.clone());
        }
    }
    body.to_string()
}

#[tokio::test]
async fn a_strategy_with_an_ill_typed_member_does_not_show_its_storage_secret() {
    for ill_typed in [
        // Another member is wrong: the secret is only in the body.
        json!({"id": "eleven"}),
        // The server put the secret where a number belongs: serde quotes it.
        json!({"clusterId": OSS_SECRET}),
    ] {
        let server = ScriptedServer::start(vec![Step::ok(&strategy_with(ill_typed))]).await;
        let error = client(&server)
            .get_backup_strategy()
            .id(8)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::UnparseableResponse(_)), "{error:?}");
        assert_eq!(error.request_id(), Some("t-strategy"));
        assert_no_piece_of(OSS_SECRET, &shown(&error));
    }
}

fn storage() -> BackupStorageConfig {
    BackupStorageConfig::builder()
        .config_name("oss")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageOss)
                .storage_url("b/")
                .oss_access_key(
                    OssAccessKey::builder()
                        .access_key_id("id")
                        .access_key_secret(OSS_SECRET)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

async fn backup_now_error(server: &ScriptedServer) -> Error {
    client(server)
        .backup_now()
        .id(8)
        .backup_mode(BackupMode::PhysicalBackup)
        .data_backup_mode(DataBackupMode::FullBackup)
        .ob_backup_service_storage_config(storage())
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_request_secret_echoed_across_the_message_cut_is_not_partly_visible() {
    // The message is cut at 400 characters; the secret starts just before.
    let message = format!("{}{OSS_SECRET} rejected", "m".repeat(392));
    let body = json!({
        "successful": false, "status": 400, "traceId": "trace-400",
        "error": {"code": 10001, "message": message}
    })
    .to_string();
    let server = ScriptedServer::start(vec![Step::status(400, &body)]).await;
    let error = backup_now_error(&server).await;
    assert_eq!(error.code(), Some("10001"));
    assert_no_piece_of(OSS_SECRET, &shown(&error));
    assert!(error.message().unwrap().chars().count() <= 401);
}

#[tokio::test]
async fn a_request_secret_echoed_across_the_excerpt_cut_is_not_partly_visible() {
    // Not an OCP envelope: only the excerpt could show the body.
    let body = format!("<html>{}{OSS_SECRET}</html>", "x".repeat(500));
    let server = ScriptedServer::start(vec![Step::status(400, &body)]).await;
    let error = backup_now_error(&server).await;
    assert_eq!(error.http_status(), Some(400));
    assert_no_piece_of(OSS_SECRET, &shown(&error));
}

#[tokio::test]
async fn a_401_echoing_the_basic_authorization_shows_no_credentials() {
    let basic = backup_core::encoding::base64_encode(format!("admin:{PASSWORD}").as_bytes());
    let body = json!({
        "successful": false, "status": 401, "traceId": "trace-401",
        "error": {
            "code": 30000,
            "message": format!("Authentication failed for header Authorization: Basic {basic}"),
            "debugMessage": format!("decoded admin:{PASSWORD}")
        }
    })
    .to_string();
    let server = ScriptedServer::start(vec![Step::status(401, &body)]).await;
    let error = client(&server)
        .get_backup_strategy()
        .id(8)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("30000"));
    let text = shown(&error);
    assert_no_piece_of(PASSWORD, &text);
    assert_no_piece_of(&basic, &text);
}

const COS_SECRET: &str = "cos-S3cr3t-Value-1a2b3c";
const S3_SECRET: &str = "s3-S3cr3t-Value-4d5e6f";

/// A storage configuration holding every access key the description has, each with its
/// `x-secret` secret, three levels down the body.
fn storage_with_every_key() -> BackupStorageConfig {
    BackupStorageConfig::builder()
        .config_name("every-key")
        .service_name("svc-public")
        .host_id_list(vec![31, 32])
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageOss)
                .storage_url("b/")
                .oss_access_key(
                    OssAccessKey::builder()
                        .access_key_id("oss-id-public")
                        .access_key_secret(OSS_SECRET)
                        .build()
                        .unwrap(),
                )
                .cos_access_key(
                    CosAccessKey::builder()
                        .access_key_id("cos-id-public")
                        .access_key_secret(COS_SECRET)
                        .app_id("app-public")
                        .build()
                        .unwrap(),
                )
                .s3_access_key(
                    S3AccessKey::builder()
                        .access_key_id("s3-id-public")
                        .access_key_secret(S3_SECRET)
                        .region("region-public")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// Both operations with a JSON body (every generated input that writes one), each with
/// every secret the description allows.
fn bodies_with_every_key(
    client: &Client,
) -> Vec<(&'static str, backup_core::operation::RequestParts)> {
    let object = BackupObject::builder()
        .cluster_id(8)
        .tenant_id(1002)
        .backup_dimension(BackupDimension::Cluster)
        .build()
        .unwrap();
    vec![
        (
            "backupNow",
            client
                .backup_now()
                .id(8)
                .backup_mode(BackupMode::PhysicalBackup)
                .data_backup_mode(DataBackupMode::FullBackup)
                .ob_backup_service_storage_config(storage_with_every_key())
                .ob_backup_object(object.clone())
                .as_input()
                .to_request_parts()
                .unwrap(),
        ),
        (
            "tenantBackupNow",
            client
                .tenant_backup_now()
                .id(8)
                .tenant_id(1002)
                .backup_mode(BackupMode::PhysicalBackup)
                .data_backup_mode(DataBackupMode::IncrementalBackup)
                .ob_backup_service_storage_config(storage_with_every_key())
                .ob_backup_object(object)
                .as_input()
                .to_request_parts()
                .unwrap(),
        ),
    ]
}

/// Whether `a` and `b` hold the same secrets: adding either to the other changes nothing.
fn same_secrets(a: &backup_core::redact::Secrets, b: &backup_core::redact::Secrets) -> bool {
    let (mut a_and_b, mut b_and_a) = (a.clone(), b.clone());
    a_and_b.extend(b);
    b_and_a.extend(a);
    a_and_b == *a && b_and_a == *b
}

#[tokio::test]
async fn a_body_registers_while_written_exactly_what_the_walk_over_its_bytes_finds() {
    // Nothing is sent: the parts are what generated code hands the protocol.
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(OcpCredentials::basic("admin", PASSWORD))
        .build()
        .unwrap();
    for (operation, parts) in bodies_with_every_key(&client) {
        let body = parts.json_body.expect("a JSON body");
        let mut walked = backup_core::redact::Secrets::new();
        walked.add_json_body(body.as_bytes());
        // Every `x-secret` member of OCP's description has a secret-looking name: the walk
        // and the writer agree exactly.
        assert!(same_secrets(body.secrets(), &walked), "{operation}");
        for secret in [OSS_SECRET, COS_SECRET, S3_SECRET] {
            assert_eq!(body.secrets().scrub(secret), "[redacted]", "{operation}");
        }
        for public in [
            "every-key",
            "svc-public",
            "oss-id-public",
            "app-public",
            "1002",
        ] {
            assert_eq!(body.secrets().scrub(public), public, "{operation}");
        }
    }
}

#[tokio::test]
async fn an_error_echoing_every_storage_secret_shows_none_of_them() {
    let echo = format!("keys {OSS_SECRET}, {COS_SECRET} and {S3_SECRET} rejected");
    let body = json!({
        "successful": false, "status": 400, "traceId": "trace-keys",
        "error": {"code": 10001, "message": echo, "debugMessage": echo}
    })
    .to_string();
    let server =
        ScriptedServer::start(vec![Step::status(400, &body), Step::status(400, &body)]).await;
    let client = client(&server);
    let errors = [
        client
            .backup_now()
            .id(8)
            .backup_mode(BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(storage_with_every_key())
            .send()
            .await
            .unwrap_err(),
        client
            .tenant_backup_now()
            .id(8)
            .tenant_id(1002)
            .backup_mode(BackupMode::PhysicalBackup)
            .data_backup_mode(DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(storage_with_every_key())
            .send()
            .await
            .unwrap_err(),
    ];
    for error in errors {
        assert_eq!(error.code(), Some("10001"));
        let text = shown(&error);
        assert!(
            text.contains("keys [redacted], [redacted] and [redacted] rejected"),
            "{text}"
        );
        for secret in [OSS_SECRET, COS_SECRET, S3_SECRET] {
            assert_no_piece_of(secret, &text);
        }
    }
}
