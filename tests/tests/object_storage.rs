//! NCP Object Storage through the public SDK (the `object_storage` module each NCP crate
//! re-exports with its `object-storage` feature) against the emulator's S3 subset: the
//! objects an export and a Hadoop configuration backup write, listed page by page and
//! headed, each fault typed, a wrong signature refused, and hostile listings from a
//! scripted server ending in typed errors.
//!
//! The emulator runs on a frozen clock that the tests move past the backup duration, so
//! nothing sleeps and every loop is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::clock::{Clock, SteppingClock};
use backup_core::credentials::{NcpCredentials, StaticEnvironment};
use backup_core::test_util::{ScriptedServer, Step};
use backup_emulator::config::{defaults, demo};
use backup_emulator::{
    Emulator, EmulatorBuilder, EmulatorHandle, Fault, FaultRule, HADOOP_CONFIG_FILES,
    HADOOP_CONFIG_PREFIX, HadoopCluster, ops,
};
use common::{retry, timeouts};
use ncp_vcache::object_storage::{ObjectStorageClient, codes, is_not_found};
use ncp_vcache::{Error, ServiceErrorKind, vcache};

/// How long an emulated backup takes; the tests move the emulator's clock past it.
const DURATION: Duration = Duration::from_secs(60);
/// The bucket the exports go to (one of the emulator's default buckets).
const BUCKET: &str = "cache-backup";

struct Setup {
    emu: EmulatorHandle,
    clock: Arc<SteppingClock>,
}

impl Setup {
    async fn start(builder: EmulatorBuilder) -> Self {
        let clock = Arc::new(SteppingClock::frozen(SystemTime::now()));
        let emu = builder
            .clock(clock.clone())
            .backup_duration(DURATION)
            .start()
            .await
            .unwrap();
        Self { emu, clock }
    }

    /// Moves the emulator's clock forward by `by`.
    async fn advance(&self, by: Duration) {
        self.clock.sleep(by).await;
    }

    fn storage(&self) -> ObjectStorageClient {
        storage_with_secret(&self.emu, defaults::NCP_SECRET_KEY)
    }

    fn vcache(&self) -> vcache::Client {
        common::vcache(&self.emu)
    }

    /// Exports the demo cache's system backup to `bucket`.
    async fn export(&self, bucket: &str) {
        self.vcache()
            .export_backup_to_object_storage()
            .cloud_cache_instance_no(demo::CACHE_INSTANCE_NO)
            .file_name(demo::SYSTEM_BACKUP_FILE)
            .bucket_name(bucket)
            .backup_type_mode(vcache::BackupTypeMode::System)
            .send()
            .await
            .unwrap();
    }
}

fn storage_with_secret(emu: &EmulatorHandle, secret: &str) -> ObjectStorageClient {
    ObjectStorageClient::builder()
        .endpoint(emu.object_storage_url())
        .credentials(NcpCredentials::new(defaults::NCP_ACCESS_KEY, secret))
        .environment(StaticEnvironment::new())
        .retry(retry())
        .timeouts(timeouts())
        .build()
        .unwrap()
}

fn code(error: &Error) -> Option<&str> {
    error.service_error().and_then(|e| e.code.as_deref())
}

/// Seed 001: the exported file appears in the bucket when the export ends (not before),
/// under its file name (the emulator's UNVERIFIED choice), with a size, an ETag and a
/// modification time after the request.
#[tokio::test]
async fn an_export_appears_after_the_backup_duration_listed_and_headed() {
    let s = Setup::start(Emulator::demo()).await;
    let storage = s.storage();
    let asked_at = s.clock.now();
    s.export(BUCKET).await;

    let before = storage.list_objects_v2(BUCKET).send().await.unwrap();
    assert!(before.objects.is_empty(), "{before:?}");
    let early = storage
        .head_object(BUCKET, demo::SYSTEM_BACKUP_FILE)
        .await
        .unwrap_err();
    assert!(is_not_found(&early), "{early}");
    assert_eq!(code(&early), Some(codes::NOT_FOUND));

    s.advance(DURATION + Duration::from_secs(1)).await;
    let page = storage
        .list_objects_v2(BUCKET)
        .prefix(demo::SYSTEM_BACKUP_FILE)
        .send()
        .await
        .unwrap();
    assert_eq!(page.bucket.as_deref(), Some(BUCKET));
    assert!(!page.is_truncated);
    let [object] = page.objects.as_slice() else {
        panic!("one object: {page:?}");
    };
    assert_eq!(object.key, demo::SYSTEM_BACKUP_FILE);
    assert!(object.size > 0);
    assert!(object.last_modified > asked_at);
    let etag = object.etag.clone().expect("S3 lists an ETag");
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let head = storage
        .head_object(BUCKET, demo::SYSTEM_BACKUP_FILE)
        .await
        .unwrap();
    assert_eq!(head.size, object.size);
    assert_eq!(head.etag.as_deref(), Some(etag.as_str()));
    // HTTP dates have whole seconds.
    let listed = object
        .last_modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let headed = head
        .last_modified
        .unwrap()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(listed, headed);
    assert_eq!(s.emu.requests(ops::OBS_LIST_OBJECTS_V2), 2);
    assert_eq!(s.emu.requests(ops::OBS_HEAD_OBJECT), 2);
}

/// Seed 000: a configuration backup writes into the bucket the instance detail names
/// (`objectStorageBucket`), under the emulator's documented prefix, when it ends.
#[tokio::test]
async fn a_hadoop_configuration_backup_writes_into_the_clusters_bucket() {
    let s = Setup::start(Emulator::demo()).await;
    let hadoop = common::vhadoop(&s.emu);
    hadoop
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(demo::HADOOP_INSTANCE_NO)
        .send()
        .await
        .unwrap();
    let detail = hadoop
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no(demo::HADOOP_INSTANCE_NO)
        .send()
        .await
        .unwrap();
    let bucket = detail
        .cloud_hadoop_instance_list
        .unwrap_or_default()
        .into_iter()
        .next()
        .and_then(|i| i.object_storage_bucket)
        .expect("the instance detail names the cluster's bucket");

    // Through the vhadoop crate's own re-export.
    let storage: ncp_vhadoop::object_storage::ObjectStorageClient = s.storage();
    let empty = storage.list_objects_v2(&bucket).send().await.unwrap();
    assert!(empty.objects.is_empty());

    s.advance(DURATION).await;
    let objects = storage
        .list_objects_v2(&bucket)
        .prefix(HADOOP_CONFIG_PREFIX)
        .into_paginator()
        .collect()
        .await
        .unwrap();
    assert_eq!(objects.len(), HADOOP_CONFIG_FILES.len(), "{objects:?}");
    for (object, file) in objects.iter().zip({
        let mut files = HADOOP_CONFIG_FILES;
        files.sort_unstable();
        files
    }) {
        assert!(
            object.key.starts_with(HADOOP_CONFIG_PREFIX),
            "{}",
            object.key
        );
        assert!(object.key.ends_with(file), "{}", object.key);
        assert!(object.size > 0);
    }
}

/// Three configuration backups a second apart: six objects in three folders, listed in key
/// order across pages, filtered by prefix and by start-after.
#[tokio::test]
async fn listings_page_filter_by_prefix_and_start_after() {
    let s = Setup::start(Emulator::demo()).await;
    let hadoop = common::vhadoop(&s.emu);
    for _ in 0..3 {
        hadoop
            .backup_cluster_configuration()
            .cloud_hadoop_instance_no(demo::HADOOP_INSTANCE_NO)
            .send()
            .await
            .unwrap();
        s.advance(Duration::from_secs(1)).await;
    }
    s.advance(DURATION).await;
    let bucket = "emulator-bucket";
    let storage = s.storage();

    // The paginator: three pages of two.
    let mut paginator = storage.list_objects_v2(bucket).max_keys(2).into_paginator();
    let mut all = Vec::new();
    while let Some(object) = paginator.next().await {
        all.push(object.unwrap());
        assert!(all.len() <= 6, "the listing does not end");
    }
    assert_eq!(paginator.pages_requested(), 3);
    let keys: Vec<String> = all.iter().map(|o| o.key.clone()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "in key order, no repeats");
    assert_eq!(keys.len(), 6);
    assert_eq!(
        keys,
        s.emu
            .objects(bucket)
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>()
    );

    // By hand, with the continuation token.
    let first = storage
        .list_objects_v2(bucket)
        .max_keys(4)
        .send()
        .await
        .unwrap();
    assert!(first.is_truncated);
    assert_eq!(first.key_count, Some(4));
    let token = first.next_continuation_token.clone().unwrap();
    let second = storage
        .list_objects_v2(bucket)
        .max_keys(4)
        .continuation_token(&token)
        .send()
        .await
        .unwrap();
    assert!(!second.is_truncated);
    assert_eq!(second.continuation_token.as_deref(), Some(token.as_str()));
    let by_hand: Vec<&str> = first
        .objects
        .iter()
        .chain(&second.objects)
        .map(|o| o.key.as_str())
        .collect();
    assert_eq!(by_hand, keys);

    // One folder by prefix; the keys after the fourth by start-after.
    let folder = keys[2].rsplit_once('/').unwrap().0.to_owned() + "/";
    let in_folder = storage
        .list_objects_v2(bucket)
        .prefix(&folder)
        .send()
        .await
        .unwrap();
    assert_eq!(in_folder.prefix.as_deref(), Some(folder.as_str()));
    assert_eq!(
        in_folder.objects.iter().map(|o| &o.key).collect::<Vec<_>>(),
        keys.iter()
            .filter(|k| k.starts_with(&folder))
            .collect::<Vec<_>>()
    );
    assert_eq!(in_folder.objects.len(), 2);
    let after = storage
        .list_objects_v2(bucket)
        .start_after(&keys[3])
        .into_paginator()
        .collect()
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|o| &o.key).collect::<Vec<_>>(),
        keys[4..].iter().collect::<Vec<_>>()
    );
}

/// The three object faults, each a typed answer: nothing listed and a 404 on HEAD, an
/// empty object, and a bucket that is gone (`NoSuchBucket`).
#[tokio::test]
async fn object_faults_are_typed() {
    let with = |fault| Emulator::demo().fault(FaultRule::new(ops::VCACHE_EXPORT, fault));

    let never = Setup::start(with(Fault::ObjectNeverAppears)).await;
    never.export(BUCKET).await;
    never.advance(DURATION * 2).await;
    let page = never
        .storage()
        .list_objects_v2(BUCKET)
        .send()
        .await
        .unwrap();
    assert!(page.objects.is_empty(), "{page:?}");
    let missing = never
        .storage()
        .head_object(BUCKET, demo::SYSTEM_BACKUP_FILE)
        .await
        .unwrap_err();
    assert!(is_not_found(&missing), "{missing}");

    let empty = Setup::start(with(Fault::ObjectEmpty)).await;
    empty.export(BUCKET).await;
    empty.advance(DURATION).await;
    let page = empty
        .storage()
        .list_objects_v2(BUCKET)
        .send()
        .await
        .unwrap();
    assert_eq!(page.objects.len(), 1);
    assert_eq!(page.objects[0].size, 0);
    let head = empty
        .storage()
        .head_object(BUCKET, demo::SYSTEM_BACKUP_FILE)
        .await
        .unwrap();
    assert_eq!(head.size, 0);

    let gone = Setup::start(with(Fault::BucketMissing)).await;
    gone.export(BUCKET).await;
    gone.advance(DURATION).await;
    let error = gone
        .storage()
        .list_objects_v2(BUCKET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), Some(codes::NO_SUCH_BUCKET), "{error}");
    assert_eq!(
        error.service_error_kind(),
        Some(&ServiceErrorKind::NotFound)
    );
    assert_eq!(error.http_status(), Some(404));
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("NoSuchBucket"), "{error}");
}

/// A Hadoop cluster whose mapped bucket Object Storage does not have: the backup is
/// accepted (seed 000 takes no bucket), and listing it says `NoSuchBucket`.
#[tokio::test]
async fn a_cluster_bucket_that_does_not_exist_is_no_such_bucket() {
    let mut cluster = HadoopCluster::new("1000009", "no-bucket");
    cluster.bucket = "not-declared".into();
    let s = Setup::start(Emulator::demo().hadoop_cluster(cluster)).await;
    common::vhadoop(&s.emu)
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no("1000009")
        .send()
        .await
        .unwrap();
    s.advance(DURATION).await;
    let error = s
        .storage()
        .list_objects_v2("not-declared")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), Some(codes::NO_SUCH_BUCKET), "{error}");
}

/// A wrong secret: the emulator's verifier refuses the signature, typed, not retried, and
/// the secret is in no error text.
#[tokio::test]
async fn a_wrong_signature_is_refused() {
    let s = Setup::start(Emulator::demo()).await;
    let secret = "wrong-secret-value-7f3a";
    let error = storage_with_secret(&s.emu, secret)
        .list_objects_v2(BUCKET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&error),
        Some(codes::SIGNATURE_DOES_NOT_MATCH),
        "{error}"
    );
    assert_eq!(
        error.service_error_kind(),
        Some(&ServiceErrorKind::Authentication)
    );
    assert_eq!(s.emu.requests(ops::OBS_LIST_OBJECTS_V2), 1, "not retried");
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(secret), "{shown}");
    }

    let unknown = ObjectStorageClient::builder()
        .endpoint(s.emu.object_storage_url())
        .credentials(NcpCredentials::new("NO-SUCH-KEY", defaults::NCP_SECRET_KEY))
        .environment(StaticEnvironment::new())
        .build()
        .unwrap()
        .list_objects_v2(BUCKET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&unknown),
        Some(codes::INVALID_ACCESS_KEY_ID),
        "{unknown}"
    );
}

/// `NCLOUD_OBS_ENDPOINT` with a path prefix (the emulator's `/object-storage`) is where
/// requests go, signed over the full path.
#[tokio::test]
async fn the_endpoint_override_with_a_path_prefix_is_used() {
    let s = Setup::start(Emulator::demo()).await;
    let storage = ObjectStorageClient::builder()
        .credentials(NcpCredentials::new(
            defaults::NCP_ACCESS_KEY,
            defaults::NCP_SECRET_KEY,
        ))
        .environment(
            StaticEnvironment::new().with_var("NCLOUD_OBS_ENDPOINT", s.emu.object_storage_url()),
        )
        .build()
        .unwrap();
    assert_eq!(storage.endpoint(), s.emu.object_storage_url());
    storage.list_objects_v2(BUCKET).send().await.unwrap();
    assert_eq!(s.emu.requests(ops::OBS_LIST_OBJECTS_V2), 1);
}

/// S3's 503 `SlowDown` is throttling: retried, and the listing then succeeds.
#[tokio::test]
async fn slow_down_is_retried() {
    let s = Setup::start(
        Emulator::demo().fault(
            FaultRule::new(
                ops::OBS_LIST_OBJECTS_V2,
                Fault::Error {
                    status: 503,
                    code: "SlowDown".into(),
                    message: "Please reduce your request rate.".into(),
                },
            )
            .times(1),
        ),
    )
    .await;
    s.storage().list_objects_v2(BUCKET).send().await.unwrap();
    assert_eq!(s.emu.requests(ops::OBS_LIST_OBJECTS_V2), 2);
}

/// A listing request as the AWS SDKs send it (`x-amz-content-sha256: UNSIGNED-PAYLOAD`,
/// SDK headers signed, `User-Agent` not), written on the wire by hand: the emulator
/// accepts it.
#[tokio::test]
async fn the_emulator_accepts_unsigned_payload_requests() {
    use backup_core::sign::SignableRequest;
    use backup_core::sign::sigv4;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = Setup::start(Emulator::demo()).await;
    let host = s.emu.addr().to_string();
    let path = format!("{}/{BUCKET}", backup_emulator::OBJECT_STORAGE_PATH);
    let query = "list-type=2&prefix=2024&encoding-type=url";
    let headers: Vec<(String, String)> = vec![
        ("host".into(), host.clone()),
        (
            "amz-sdk-invocation-id".into(),
            "6b3fbc3e-1bb3-4b54-8d3e-0a4b8d1d7f4e".into(),
        ),
        ("amz-sdk-request".into(), "attempt=1; max=3".into()),
        (
            sigv4::CONTENT_SHA256_HEADER.into(),
            sigv4::UNSIGNED_PAYLOAD.into(),
        ),
        (
            sigv4::DATE_HEADER.into(),
            sigv4::format_amz_date(SystemTime::now()),
        ),
    ];
    let authorization = sigv4::authorization(
        &SignableRequest {
            method: "GET",
            path: &path,
            query,
            headers: &headers,
            body: b"",
        },
        None,
        defaults::NCP_ACCESS_KEY,
        defaults::NCP_SECRET_KEY.as_bytes(),
        "kr-standard",
        "s3",
    );
    let mut raw = format!("GET {path}?{query} HTTP/1.1\r\n");
    for (name, value) in &headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("user-agent: aws-sdk-go-v2/1.30.0\r\n");
    raw.push_str(&format!(
        "authorization: {authorization}\r\nconnection: close\r\n\r\n"
    ));
    let mut stream = tokio::net::TcpStream::connect(s.emu.addr()).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("<EncodingType>url</EncodingType>"),
        "{answer}"
    );
}

/// Hostile listings from a scripted server: typed errors through the public client, no
/// panic, and no endless listing.
#[tokio::test]
async fn hostile_listings_end_in_typed_errors() {
    let listing = |inner: &str| format!("<ListBucketResult>{inner}</ListBucketResult>");
    let object = "<Contents><Key>k</Key><Size>1</Size><LastModified>2024-07-02T00:00:00Z</LastModified></Contents>";
    let cases: Vec<(&str, String)> = vec![
        ("truncated", listing(object)[..40].to_owned()),
        (
            "wrong types",
            listing(
                "<Contents><Key>k</Key><Size>lots</Size><LastModified>2024-07-02T00:00:00Z</LastModified></Contents>",
            ),
        ),
        (
            "truncated without a token",
            listing("<IsTruncated>true</IsTruncated>"),
        ),
        ("huge", listing(&"<x/>".repeat(300_000))),
        ("JSON", "{\"Contents\": []}".to_owned()),
    ];
    for (name, body) in cases {
        let server = ScriptedServer::start(vec![Step::ok(&body)]).await;
        let storage = ObjectStorageClient::builder()
            .endpoint(&server.base_url)
            .credentials(NcpCredentials::new("AK", "SK"))
            .environment(StaticEnvironment::new())
            .retry(retry())
            .timeouts(timeouts())
            .build()
            .unwrap();
        let error = storage.list_objects_v2("b").send().await.unwrap_err();
        assert!(
            matches!(error, Error::UnparseableResponse(_)),
            "{name}: {error:?}"
        );
    }

    // A store that hands back the same token forever: the paginator stops.
    let looping = listing(&format!(
        "<IsTruncated>true</IsTruncated><NextContinuationToken>again</NextContinuationToken>{object}"
    ));
    let looping2 = looping.replace("<Key>k</Key>", "<Key>l</Key>");
    let server = ScriptedServer::start(vec![Step::ok(&looping), Step::ok(&looping2)]).await;
    let storage = ObjectStorageClient::builder()
        .endpoint(&server.base_url)
        .credentials(NcpCredentials::new("AK", "SK"))
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    let error = storage
        .list_objects_v2("b")
        .into_paginator()
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Pagination(_)), "{error:?}");

    // An error body with a code this client does not know keeps it.
    let server = ScriptedServer::start(vec![Step::status(
        409,
        "<Error><Code>BrandNewCode</Code><Message>m</Message></Error>",
    )])
    .await;
    let storage = ObjectStorageClient::builder()
        .endpoint(&server.base_url)
        .credentials(NcpCredentials::new("AK", "SK"))
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    let error = storage.list_objects_v2("b").send().await.unwrap_err();
    assert_eq!(code(&error), Some("BrandNewCode"));
    assert_eq!(
        error.service_error_kind(),
        Some(&ServiceErrorKind::InvalidRequest)
    );
}
