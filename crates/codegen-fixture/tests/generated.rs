//! Tests of the code `cargo xtask codegen` generates, on the fixture description.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use backup_core::Error;
use backup_core::Method;
use backup_core::operation::{BodyKind, ParamsIn};
use codegen_fixture::*;
use serde_json::json;

fn invalid(result: Result<impl std::fmt::Debug, Error>) -> (String, String) {
    match result {
        Err(Error::InvalidInput(e)) => (e.field, e.problem),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn storage() -> StorageConfig {
    StorageConfig::builder()
        .config_name("nightly")
        .storage_type(StorageType::BackupStorageS3)
        .access_key_secret("s3cr3t-key")
        .host_id_list(vec![1, 2])
        .build()
        .expect("required members set")
}

#[tokio::test]
async fn json_operation_builds_path_params_and_body() {
    let client = Client::new(json!({"job_id": "j-1", "backup_id": "b-1"}));
    let out = client
        .create_backup()
        .project_id("p1")
        .graph_id("g_1")
        .backup_mode(BackupMode::LogicalBackup)
        .storage_config(storage())
        .retention_days(7)
        .tags(vec!["a".to_owned()])
        .send()
        .await
        .expect("sent");
    assert_eq!(out.job_id, "j-1");
    assert_eq!(out.backup_id.as_deref(), Some("b-1"));

    let calls = client.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.spec.name(), "createBackup");
    assert_eq!(call.spec.method, Method::Post);
    assert!(!call.spec.info.idempotent);
    assert!(call.spec.creates_backup);
    assert_eq!(call.spec.body, BodyKind::Json);
    assert_eq!(
        call.parts.path_params,
        vec![
            ("project_id", "p1".to_owned()),
            ("graph_id", "g_1".to_owned())
        ]
    );
    assert_eq!(
        call.parts
            .render_path(call.spec.path_template)
            .expect("path"),
        "/v2/p1/graphs/g_1/backups"
    );
    let body = call
        .parts
        .json_body
        .as_ref()
        .map(|body| String::from_utf8_lossy(body.as_bytes()).into_owned());
    // The bytes are those of the map the body was built in before (members sorted by wire
    // name at every depth), so what is signed and sent did not change.
    let expected = json!({
        "backupMode": "LOGICAL_BACKUP",
        "retentionDays": 7,
        "tags": ["a"],
        "storageConfig": {
            "configName": "nightly",
            "storageType": "BACKUP_STORAGE_S3",
            "accessKeySecret": "s3cr3t-key",
            "hostIdList": [1, 2]
        }
    });
    assert_eq!(body, Some(expected.to_string()));
    assert_eq!(
        body.as_deref(),
        Some(
            r#"{"backupMode":"LOGICAL_BACKUP","retentionDays":7,"storageConfig":{"accessKeySecret":"s3cr3t-key","configName":"nightly","hostIdList":[1,2],"storageType":"BACKUP_STORAGE_S3"},"tags":["a"]}"#
        )
    );
}

#[tokio::test]
async fn query_params_keep_description_order_and_index_arrays() {
    let client = Client::new(json!({
        "backupCount": "2",
        "backupList": {"backup": [{"id": "b1", "status": "success", "sizeBytes": "10"}, {"id": "b2", "status": "archived"}]},
        "somethingNew": true
    }));
    let builder = client
        .list_graph_backups()
        .project_id("p1")
        .graph_id("g1")
        .limit(10)
        .offset(0)
        .status_list(vec![BackupStatus::Success, BackupStatus::PartiallyFailed]);
    assert_eq!(builder.as_input().limit, Some(10));
    let out = builder.send().await.expect("sent");
    // Lenient output: numbers as strings, an XML-style wrapped list, unknown fields ignored,
    // unknown enum values kept.
    assert_eq!(out.backup_count, 2);
    assert_eq!(out.backup_list.as_ref().map(Vec::len), Some(2));
    let list = out.backup_list.unwrap();
    assert_eq!(list[0].size_bytes, Some(10));
    assert_eq!(
        list[1].status,
        Some(BackupStatus::Unknown("archived".into()))
    );

    let call = &client.calls()[0];
    assert!(call.spec.info.idempotent);
    assert_eq!(call.spec.params_in, ParamsIn::Query);
    let params: Vec<(&str, &str)> = call
        .parts
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        params,
        [
            ("offset", "0"),
            ("limit", "10"),
            ("statusList.1", "success"),
            ("statusList.2", "partiallyFailed")
        ]
    );
    assert_eq!(call.parts.json_body, None);
}

#[tokio::test]
async fn form_operation_carries_envelope_and_sorted_fields() {
    let client = Client::new(json!({"requestId": "r", "returnCode": 0}));
    let out = client
        .create_manual_backup()
        .instance_no("123")
        .region_code("KR")
        .dry_run(true)
        .send()
        .await
        .expect("sent");
    assert_eq!(out.return_code.as_deref(), Some("0"));
    let call = &client.calls()[0];
    assert_eq!(call.spec.params_in, ParamsIn::Form);
    assert_eq!(
        call.spec.response_wrapper,
        Some("createManualBackupResponse")
    );
    assert!(call.spec.creates_backup);
    assert_eq!(
        call.parts.params,
        vec![
            ("dryRun".to_owned(), "true".to_owned()),
            ("instanceNo".to_owned(), "123".to_owned()),
            ("regionCode".to_owned(), "KR".to_owned()),
        ]
    );
}

#[tokio::test]
async fn delete_is_idempotent_and_has_an_empty_output() {
    let client = Client::new(json!({}));
    client
        .delete_backup()
        .project_id("p")
        .graph_id("g")
        .backup_id("b")
        .send()
        .await
        .expect("sent");
    let call = &client.calls()[0];
    assert_eq!(call.spec.method, Method::Delete);
    assert!(call.spec.info.idempotent);
    assert!(!call.spec.creates_backup);
}

#[test]
fn operations_with_a_secret_in_their_input_or_output_are_marked() {
    // The specs are crate-private; the fixture lists them by operation name.
    let spec = |name: &str| {
        operation_specs()
            .into_iter()
            .find(|s| s.name() == name)
            .unwrap_or_else(|| panic!("no spec for {name}"))
    };
    // A secret member of a request body, two levels down.
    assert!(spec("createBackup").info.carries_secrets);
    // A secret member of the response only (an array of a struct holding one).
    assert!(spec("getStorageConfig").info.carries_secrets);
    for name in ["listGraphBackups", "deleteBackup", "createManualBackup"] {
        assert!(!spec(name).info.carries_secrets, "{name}");
    }
}

#[tokio::test]
async fn invalid_input_is_rejected_and_nothing_is_sent() {
    let client = Client::new(json!({"job_id": "j-1"}));
    let base = || {
        client
            .create_backup()
            .project_id("p1")
            .graph_id("g1")
            .backup_mode("PHYSICAL_BACKUP")
            .storage_config(storage())
    };
    // Missing required path parameter.
    let r = client.create_backup().graph_id("g").send().await;
    assert_eq!(invalid(r), ("project_id".into(), "is required".into()));
    // Empty.
    let r = base().project_id("").send().await;
    assert_eq!(invalid(r).1, "must not be empty");
    // Control character.
    let r = base().graph_id("g\n1").send().await;
    assert_eq!(invalid(r).0, "graph_id");
    // Character class (path traversal attempt).
    let r = base().graph_id("../x").send().await;
    let (field, problem) = invalid(r);
    assert_eq!(field, "graph_id");
    assert!(problem.contains("A-Za-z0-9_-"), "{problem}");
    // Length.
    let r = base().project_id("x".repeat(65)).send().await;
    assert!(invalid(r).1.contains("at most 64"));
    // Range.
    let r = base().retention_days(0).send().await;
    assert_eq!(invalid(r).0, "retentionDays");
    let r = base().retention_days(366).send().await;
    assert_eq!(invalid(r).0, "retentionDays");
    // Array items and counts.
    let r = base().tags(vec!["x".repeat(17)]).send().await;
    assert_eq!(invalid(r).0, "tags[0]");
    let r = base().tags(vec!["a".into(); 4]).send().await;
    assert_eq!(invalid(r).0, "tags");
    // Nested member: the field path names it.
    let mut bad = storage();
    bad.config_name = String::new();
    let r = base().storage_config(bad).send().await;
    assert_eq!(invalid(r).0, "storageConfig.configName");
    let mut bad = storage();
    bad.storage_url = Some("s3://b\u{7}".into());
    let r = base().storage_config(bad).send().await;
    assert_eq!(invalid(r).0, "storageConfig.storageUrl");
    // Missing required nested member at build time.
    let r = StorageConfig::builder().config_name("x").build();
    assert_eq!(invalid(r).0, "storageType");
    // Form operation: digits only.
    let r = client
        .create_manual_backup()
        .instance_no("12a")
        .send()
        .await;
    assert_eq!(invalid(r).0, "instanceNo");
    let r = client
        .create_manual_backup()
        .instance_no("1")
        .memo("m".repeat(21))
        .send()
        .await;
    assert_eq!(invalid(r).0, "memo");

    assert!(client.calls().is_empty(), "nothing may be sent");
    // And a valid call does go through.
    base().send().await.expect("valid");
    assert_eq!(client.calls().len(), 1);
}

#[test]
fn enums_round_trip_including_unknown_values() {
    for v in BackupStatus::VALUES {
        let parsed = BackupStatus::from(*v);
        assert!(!matches!(parsed, BackupStatus::Unknown(_)), "{v}");
        assert_eq!(parsed.as_str(), *v);
        assert_eq!(parsed.to_string(), *v);
    }
    assert_eq!(
        BackupStatus::from("partiallyFailed"),
        BackupStatus::PartiallyFailed
    );
    let unknown: BackupStatus = "frozen".parse().expect("infallible");
    assert_eq!(unknown, BackupStatus::Unknown("frozen".into()));
    assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("frozen"));
    let back: BackupStatus = serde_json::from_value(json!("frozen")).unwrap();
    assert_eq!(back, unknown);
    let known: StorageType = serde_json::from_value(json!("BACKUP_STORAGE_FILE")).unwrap();
    assert_eq!(known, StorageType::BackupStorageFile);
    assert_eq!(
        serde_json::to_value(StorageType::BackupStorageS3).unwrap(),
        json!("BACKUP_STORAGE_S3")
    );
}

#[test]
fn secrets_are_redacted_from_debug() {
    let config = storage();
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cr3t-key"), "{shown}");
    assert!(shown.contains("[redacted]"));
    let shown = format!(
        "{:?}",
        StorageConfig::builder().access_key_secret("s3cr3t-key")
    );
    assert!(!shown.contains("s3cr3t-key"), "{shown}");
    let mut input = CreateBackupInput::default();
    input.storage_config = Some(storage());
    let shown = format!("{input:?}");
    assert!(!shown.contains("s3cr3t-key"), "{shown}");
}

#[test]
fn generated_source_has_header_and_docs_from_the_description() {
    let header =
        "// @generated by `cargo xtask codegen` from api/fixture.json. Do not edit by hand.\n";
    let files = [
        include_str!("../src/generated/mod.rs"),
        include_str!("../src/generated/operation.rs"),
        include_str!("../src/generated/types.rs"),
    ];
    for file in files {
        assert!(file.starts_with(header));
    }
    let src = files.concat();
    assert!(src.contains("/// Starts a backup of a graph.\n"));
    assert!(src.contains("/// The backup runs asynchronously; follow the returned job.\n"));
    assert!(src.contains("/// The graph to back up.\n"));
    assert!(src.contains("/// - `400`: The graph is already being backed up. (body: `ErrorBody`)"));
    assert!(src.contains("/// Where the backup is stored.\n"));
}

fn unparseable(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::UnparseableResponse(e)) => e.reason,
        other => panic!("expected UnparseableResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn an_output_without_a_required_member_is_an_error_naming_it() {
    // `createBackup` answers a `BackupJob`, whose `job_id` is required; an empty answer
    // must not become a job with an empty id.
    for answer in [
        json!({}),
        json!({"backup_id": "b-1"}),
        json!({"job_id": null}),
    ] {
        let client = Client::new(answer.clone());
        let r = client
            .create_backup()
            .project_id("p1")
            .graph_id("g1")
            .backup_mode(BackupMode::PhysicalBackup)
            .storage_config(storage())
            .send()
            .await;
        let reason = unparseable(r);
        assert!(reason.contains("job_id"), "{answer}: {reason}");
    }
    // An inline output object (`backupCount` is required), and a number written as a
    // string still counts as present.
    let list = |answer| async move {
        Client::new(answer)
            .list_graph_backups()
            .project_id("p1")
            .graph_id("g1")
            .send()
            .await
    };
    let reason = unparseable(list(json!({"backupList": []})).await);
    assert!(reason.contains("backupCount"), "{reason}");
    assert_eq!(
        list(json!({"backupCount": "0"}))
            .await
            .expect("present")
            .backup_count,
        0
    );
    // A required member of a list item, one level down.
    let storage = |answer| async move {
        Client::new(answer)
            .get_storage_config()
            .project_id("p1")
            .send()
            .await
    };
    let reason = unparseable(storage(json!([{"configName": "a"}])).await);
    assert!(reason.contains("storageType"), "{reason}");
    let out = storage(json!([{"configName": "a", "storageType": "BACKUP_STORAGE_NFS"}]))
        .await
        .expect("every required member present; an unknown enum value is kept");
    assert_eq!(
        out[0].storage_type,
        StorageType::Unknown("BACKUP_STORAGE_NFS".into())
    );
    // Optional members may still be absent or null.
    let out = Client::new(json!({"job_id": "j-1", "backup_id": null}))
        .create_backup()
        .project_id("p1")
        .graph_id("g1")
        .backup_mode(BackupMode::PhysicalBackup)
        .storage_config(storage_config_with(StorageType::BackupStorageFile))
        .send()
        .await
        .expect("optional member null");
    assert_eq!(out.backup_id, None);
}

fn storage_config_with(storage_type: StorageType) -> StorageConfig {
    let mut config = storage();
    config.storage_type = storage_type;
    config
}

#[tokio::test]
async fn a_request_enum_outside_its_listed_values_is_rejected_before_sending() {
    let client = Client::new(json!({"job_id": "j-1"}));
    let create = || {
        client
            .create_backup()
            .project_id("p1")
            .graph_id("g1")
            .backup_mode(BackupMode::PhysicalBackup)
            .storage_config(storage())
    };
    for (value, field, allowed) in [
        (
            "physical_backup",
            "backupMode",
            "`LOGICAL_BACKUP`, `PHYSICAL_BACKUP`",
        ),
        ("", "backupMode", "`LOGICAL_BACKUP`, `PHYSICAL_BACKUP`"),
        ("FULL", "backupMode", "`LOGICAL_BACKUP`, `PHYSICAL_BACKUP`"),
    ] {
        let (f, problem) = invalid(create().backup_mode(value).send().await);
        assert_eq!(f, field);
        assert!(problem.contains(allowed), "{problem}");
        assert!(problem.contains(&format!("\"{value}\"")), "{problem}");
    }
    // A variant built by hand as `Unknown` is refused too, nested members name their path,
    // and so are list items.
    let r = create()
        .backup_mode(BackupMode::Unknown("PHYSICAL".into()))
        .send()
        .await;
    assert_eq!(invalid(r).0, "backupMode");
    let r = create()
        .storage_config(storage_config_with(StorageType::from("BACKUP_STORAGE_NFS")))
        .send()
        .await;
    let (field, problem) = invalid(r);
    assert_eq!(field, "storageConfig.storageType");
    assert!(
        problem.contains("`BACKUP_STORAGE_FILE`, `BACKUP_STORAGE_S3`"),
        "{problem}"
    );
    let r = client
        .list_graph_backups()
        .project_id("p1")
        .graph_id("g1")
        .status_list(vec![BackupStatus::Success, BackupStatus::from("archived")])
        .send()
        .await;
    assert_eq!(invalid(r).0, "statusList[1]");
    assert!(client.calls().is_empty(), "nothing may be sent");
    // An `Unknown` holding a listed value is that value.
    create()
        .backup_mode(BackupMode::Unknown("LOGICAL_BACKUP".into()))
        .send()
        .await
        .expect("a listed value");
    assert_eq!(client.calls().len(), 1);
}

#[tokio::test]
async fn a_client_supplied_path_parameter_is_optional_and_filled_by_the_client() {
    // Left unset, it is neither required nor in the parts: the client fills it.
    let mut input = ShowJobInput::default();
    input.job_id = Some("j-1".into());
    input.validate().expect("project_id is not required");
    let parts = input.to_request_parts().expect("valid");
    assert_eq!(parts.path_params, vec![("job_id", "j-1".to_owned())]);

    let client = Client::new(json!({"status": "done"})).with_project_id("fromclient");
    let out = client.show_job().job_id("j-1").send().await.expect("sent");
    assert_eq!(out.status.as_deref(), Some("done"));
    // A caller's value wins over the client's.
    client
        .show_job()
        .project_id("fromcaller")
        .job_id("j-2")
        .send()
        .await
        .expect("sent");
    let calls = client.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].parts.path_param("project_id"), Some("fromclient"));
    assert_eq!(calls[1].parts.path_param("project_id"), Some("fromcaller"));

    // A value the caller gives is checked like any path parameter, before sending.
    for bad in ["", "a/b", "a\nb"] {
        let (field, _) = invalid(client.show_job().project_id(bad).job_id("j").send().await);
        assert_eq!(field, "project_id", "{bad:?}");
    }
    // The other path parameter stays required.
    let (field, problem) = invalid(client.show_job().send().await);
    assert_eq!(
        (field.as_str(), problem.as_str()),
        ("job_id", "is required")
    );
    assert_eq!(client.calls().len(), 2);
}

#[test]
fn to_request_redacts_the_secret_members_of_the_written_body() {
    let client = Client::new(json!({}));
    let prepared = client
        .create_backup()
        .project_id("p1")
        .graph_id("g_1")
        .backup_mode(BackupMode::LogicalBackup)
        .storage_config(storage())
        .to_request()
        .expect("valid");
    // Registered from the serialized bytes, as the vendor protocols register them.
    assert!(!prepared.body.contains("s3cr3t-key"), "{}", prepared.body);
    assert_eq!(
        prepared.body,
        r#"{"backupMode":"LOGICAL_BACKUP","storageConfig":{"accessKeySecret":"[redacted]","configName":"nightly","hostIdList":[1,2],"storageType":"BACKUP_STORAGE_S3"}}"#
    );
}

// Secrets at every depth of the body: a struct member (`x-secret`, one with a secret-looking
// name and one without), an array of structs, a map and a free-form `Value`.
const TOP_ACCESS: &str = "top-access-S3cret";
const TOP_SIGNING: &str = "top-signing-K3y";
const REPLICA_ACCESS: &str = "replica-access-S3cret";
const REPLICA_SIGNING: &str = "replica-signing-K3y";
const OPTION_TOKEN: &str = "opt-session-T0ken";
const EXTENSION_PASSWORD: &str = "ext-Passw0rd\"quoted";
const EXTENSION_TOKEN: &str = "ext-tok-1111";
const EXTENSION_PIN: i64 = 987654;
const EXTENSION_RATIO: f64 = 12345.5;
const SECRETS: [&str; 10] = [
    TOP_ACCESS,
    TOP_SIGNING,
    REPLICA_ACCESS,
    REPLICA_SIGNING,
    OPTION_TOKEN,
    EXTENSION_PASSWORD,
    EXTENSION_TOKEN,
    "987654",
    "42424242",
    "12345.5",
];
// Under innocent names: never registered.
const PUBLIC: [&str; 4] = ["nightly", "kr-public", "public-user", "11223344"];

fn storage_with(access: &str, signing: &str) -> StorageConfig {
    StorageConfig::builder()
        .config_name("nightly")
        .storage_type(StorageType::BackupStorageS3)
        .access_key_secret(access)
        .signing_key(signing)
        .host_id_list(vec![11223344])
        .build()
        .expect("required members set")
}

fn create_backup_with_secrets_everywhere(client: &Client) -> CreateBackupFluentBuilder {
    client
        .create_backup()
        .project_id("p1")
        .graph_id("g_1")
        .backup_mode(BackupMode::PhysicalBackup)
        .storage_config(storage_with(TOP_ACCESS, TOP_SIGNING))
        .replica_storage_configs(vec![storage_with(REPLICA_ACCESS, REPLICA_SIGNING)])
        .storage_options(std::collections::BTreeMap::from([
            ("sessionToken".to_owned(), OPTION_TOKEN.to_owned()),
            ("region".to_owned(), "kr-public".to_owned()),
        ]))
        .vendor_extensions(json!({
            "auth": {"password": EXTENSION_PASSWORD, "pin": 1, "userName": "public-user"},
            "apiTokens": [EXTENSION_TOKEN, 42424242, null, true],
            "secretPin": EXTENSION_PIN,
            "secretRatio": EXTENSION_RATIO,
            "enabled": true
        }))
}

/// Whether `a` and `b` hold the same secrets: adding either to the other changes nothing.
fn same_secrets(a: &backup_core::redact::Secrets, b: &backup_core::redact::Secrets) -> bool {
    let (mut a_and_b, mut b_and_a) = (a.clone(), b.clone());
    a_and_b.extend(b);
    b_and_a.extend(a);
    a_and_b == *a && b_and_a == *b
}

#[test]
fn a_body_registers_while_written_what_the_walk_over_its_bytes_finds_and_its_x_secret_members() {
    use backup_core::redact::Secrets;
    let parts = create_backup_with_secrets_everywhere(&Client::new(json!({})))
        .as_input()
        .to_request_parts()
        .expect("valid");
    let body = parts.json_body.expect("a JSON body");
    let mut walked = Secrets::new();
    walked.add_json_body(body.as_bytes());
    // The walk misses the `x-secret` members whose names do not look secret; the writer
    // knows them from the description.
    for innocent in [TOP_SIGNING, REPLICA_SIGNING] {
        assert_eq!(walked.scrub(innocent), innocent);
    }
    let mut expected = walked.clone();
    expected.add(TOP_SIGNING);
    expected.add(REPLICA_SIGNING);
    assert!(same_secrets(body.secrets(), &expected));
    for secret in SECRETS {
        assert_eq!(body.secrets().scrub(secret), "[redacted]", "{secret}");
    }
    // The JSON-escaped form a server echoing the body would show, too.
    assert_eq!(
        body.secrets().scrub(r#"ext-Passw0rd\"quoted"#),
        "[redacted]"
    );
    for public in PUBLIC {
        assert_eq!(body.secrets().scrub(public), public);
    }
    assert!(!format!("{body:?}").contains("S3cret"));
}

#[test]
fn a_body_with_more_secrets_than_the_limit_is_incomplete_as_the_walk_finds_it() {
    use backup_core::redact::{MAX_BODY_SECRETS, Secrets};
    let options: std::collections::BTreeMap<String, String> = (0..MAX_BODY_SECRETS + 10)
        .map(|i| (format!("token{i:03}"), format!("tok-value-{i:03}")))
        .collect();
    let parts = Client::new(json!({}))
        .create_backup()
        .project_id("p1")
        .graph_id("g_1")
        .backup_mode(BackupMode::PhysicalBackup)
        .storage_config(storage())
        .storage_options(options)
        .as_input()
        .to_request_parts()
        .expect("valid");
    let body = parts.json_body.expect("a JSON body");
    let mut walked = Secrets::new();
    walked.add_json_body(body.as_bytes());
    assert!(walked.is_incomplete());
    assert!(body.secrets().is_incomplete());
    assert!(same_secrets(body.secrets(), &walked));
}

/// A vendor-like classifier that puts the whole error body into the message, as a server
/// echoing the request in its error text would have it shown.
#[derive(Debug)]
struct EchoingClassifier;

impl backup_core::ClassifyResponse for EchoingClassifier {
    fn classify(
        &self,
        _operation: &backup_core::OperationInfo,
        response: &backup_core::HttpResponse,
    ) -> Option<backup_core::ServiceError> {
        (response.status >= 400).then(|| {
            backup_core::ServiceError::new(
                response.status,
                backup_core::ServiceErrorKind::InvalidRequest,
                backup_core::Retryability::No,
            )
            .with_message(String::from_utf8_lossy(&response.body))
        })
    }
}

#[tokio::test]
async fn an_error_echoing_every_secret_of_the_body_shows_none_of_them() {
    use backup_core::test_util::{ScriptedServer, Step};
    let echo = format!("rejected: {}", SECRETS.join(" | "));
    let server = ScriptedServer::start(vec![Step::status(400, &echo)]).await;
    let client = Client::new(json!({}));
    let builder = create_backup_with_secrets_everywhere(&client);
    let parts = builder.as_input().to_request_parts().expect("valid");
    let spec = operation_specs()
        .into_iter()
        .find(|spec| spec.name() == "createBackup")
        .expect("createBackup");
    let request = client.build_request(spec, parts).expect("request");
    let transport = backup_core::ServiceClient::builder("fixture")
        .endpoint(&server.base_url)
        .classifier(EchoingClassifier)
        .retry(backup_core::RetryConfig::default().with_max_attempts(1))
        .build()
        .expect("client");
    let error = transport.send(&spec.info, request).await.unwrap_err();
    let shown = format!("{error}\n{error:?}");
    assert!(
        shown.contains("rejected: [redacted] | [redacted]"),
        "{shown}"
    );
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
