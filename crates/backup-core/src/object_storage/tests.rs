use super::*;
use crate::credentials::StaticEnvironment;

const LISTING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>demo-backups</Name>
  <Prefix>exports/</Prefix>
  <KeyCount>2</KeyCount>
  <MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>exports/a&amp;b.rdb</Key>
    <LastModified>2024-07-02T00:00:01.000Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>
    <Size>434234</Size>
    <StorageClass>STANDARD</StorageClass>
    <Owner><ID>x</ID><DisplayName>y</DisplayName></Owner>
  </Contents>
  <Contents>
    <Key>exports/b</Key>
    <LastModified>2024-07-02T09:00:01+09:00</LastModified>
    <Size>0</Size>
  </Contents>
</ListBucketResult>"#;

#[test]
fn a_listing_parses_into_typed_objects() {
    let page = xml::parse_list(LISTING.as_bytes()).unwrap();
    assert_eq!(page.bucket.as_deref(), Some("demo-backups"));
    assert_eq!(page.prefix.as_deref(), Some("exports/"));
    assert!(page.is_truncated);
    assert_eq!(
        page.next_continuation_token.as_deref(),
        Some("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
    );
    assert_eq!(page.key_count, Some(2));
    assert_eq!(page.objects.len(), 2);
    let first = &page.objects[0];
    assert_eq!(first.key, "exports/a&b.rdb");
    assert_eq!(first.size, 434_234);
    assert_eq!(
        first.etag.as_deref(),
        Some("\"9b2cf535f27731c974343645a3985328\"")
    );
    let expected = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_719_878_401);
    assert_eq!(first.last_modified, expected);
    // Another offset spelling of the same instant.
    assert_eq!(page.objects[1].last_modified, expected);
    assert_eq!(page.objects[1].etag, None);
}

#[test]
fn an_empty_listing_parses() {
    let page = xml::parse_list(
        b"<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>",
    )
    .unwrap();
    assert!(page.objects.is_empty());
    assert!(!page.is_truncated);
}

/// Hostile or broken listings are errors with a reason, never a panic nor a listing with
/// made-up members.
#[test]
fn hostile_listings_are_errors() {
    let cut = &LISTING[..LISTING.len() / 2];
    let huge_count = format!(
        "<ListBucketResult>{}</ListBucketResult>",
        "<Contents><Key>k</Key><Size>1</Size><LastModified>2024-07-02T00:00:00Z</LastModified></Contents>"
            .repeat(crate::operation::de::MAX_LIST_ITEMS + 1)
    );
    let many_elements = format!(
        "<ListBucketResult>{}</ListBucketResult>",
        "<x/>".repeat(xml::MAX_ELEMENTS + 1)
    );
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let long_key = format!(
        "<ListBucketResult><Contents><Key>{}</Key></Contents></ListBucketResult>",
        "k".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", cut.as_bytes().to_vec()),
        ("empty", Vec::new()),
        ("not UTF-8", vec![0xff, 0xfe, b'<']),
        ("HTML", b"<html><body>502</body></html>".to_vec()),
        ("an error body", b"<Error><Code>x</Code></Error>".to_vec()),
        (
            "size not a number",
            b"<ListBucketResult><Contents><Key>k</Key><Size>big</Size><LastModified>2024-07-02T00:00:00Z</LastModified></Contents></ListBucketResult>".to_vec(),
        ),
        (
            "negative size",
            b"<ListBucketResult><Contents><Key>k</Key><Size>-1</Size><LastModified>2024-07-02T00:00:00Z</LastModified></Contents></ListBucketResult>".to_vec(),
        ),
        (
            "no key",
            b"<ListBucketResult><Contents><Size>1</Size><LastModified>2024-07-02T00:00:00Z</LastModified></Contents></ListBucketResult>".to_vec(),
        ),
        (
            "bad time",
            b"<ListBucketResult><Contents><Key>k</Key><Size>1</Size><LastModified>yesterday</LastModified></Contents></ListBucketResult>".to_vec(),
        ),
        (
            "truncated without a token",
            b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>".to_vec(),
        ),
        (
            "IsTruncated not a boolean",
            b"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>".to_vec(),
        ),
        ("two roots", b"<ListBucketResult/><ListBucketResult/>".to_vec()),
        ("unknown entity", b"<ListBucketResult><Name>&bogus;</Name></ListBucketResult>".to_vec()),
        ("too many objects", huge_count.into_bytes()),
        ("too many elements", many_elements.into_bytes()),
        ("too deep", deep.into_bytes()),
        ("a huge key", long_key.into_bytes()),
    ];
    for (name, body) in cases {
        let result = std::panic::catch_unwind(|| xml::parse_list(&body));
        match result {
            Ok(Err(reason)) => assert!(!reason.is_empty(), "{name}"),
            Ok(Ok(page)) => panic!("{name}: parsed as {page:?}"),
            Err(_) => panic!("{name}: panicked"),
        }
    }
}

#[test]
fn endpoints_follow_terraform() {
    let env = StaticEnvironment::new();
    assert_eq!(
        resolve_endpoint(None, None, "KR", &env),
        (
            "https://kr.object.ncloudstorage.com".to_owned(),
            EndpointSource::Default
        )
    );
    assert_eq!(
        resolve_endpoint(None, Some(Site::Gov), "KR", &env).0,
        "https://kr.object.gov-ncloudstorage.com"
    );
    assert_eq!(
        resolve_endpoint(None, Some(Site::Fin), "FKR", &env).0,
        "https://kr.object.fin-ncloudstorage.com"
    );
    let env = StaticEnvironment::new().with_var(ENDPOINT_ENV, "http://127.0.0.1:9/object-storage/");
    assert_eq!(
        resolve_endpoint(None, None, "KR", &env),
        (
            "http://127.0.0.1:9/object-storage".to_owned(),
            EndpointSource::Environment
        )
    );
    // Code wins over the environment.
    assert_eq!(
        resolve_endpoint(None, Some(Site::Public), "JPN", &env).0,
        "https://jp.object.ncloudstorage.com"
    );
    assert_eq!(
        resolve_endpoint(Some("https://x.example/"), Some(Site::Gov), "KR", &env),
        ("https://x.example".to_owned(), EndpointSource::Custom)
    );
    assert_eq!(default_signing_region("KR"), "kr-standard");
    assert_eq!(default_signing_region("SGN"), "sg-standard");
}

#[test]
fn bad_input_is_refused_before_sending() {
    let input = |f: fn(&mut ListObjectsV2Input)| {
        let mut input = ListObjectsV2Input {
            bucket: "b".into(),
            ..Default::default()
        };
        f(&mut input);
        input.to_request()
    };
    assert!(input(|_| {}).is_ok());
    for (name, result) in [
        ("empty bucket", input(|i| i.bucket.clear())),
        ("slash", input(|i| i.bucket = "a/b".into())),
        ("dot-dot", input(|i| i.bucket = "..".into())),
        ("space", input(|i| i.bucket = "a b".into())),
        ("max_keys 0", input(|i| i.max_keys = Some(0))),
        ("max_keys 1001", input(|i| i.max_keys = Some(1001))),
        ("long prefix", input(|i| i.prefix = Some("p".repeat(1025)))),
        ("control", input(|i| i.start_after = Some("a\nb".into()))),
        (
            "empty token",
            input(|i| i.continuation_token = Some(String::new())),
        ),
    ] {
        assert!(
            matches!(result, Err(Error::InvalidInput(_))),
            "{name}: {result:?}"
        );
    }
}

#[test]
fn a_listing_request_encodes_its_parameters() {
    let request = ListObjectsV2Input {
        bucket: "demo-backups".into(),
        prefix: Some("exports/a b".into()),
        start_after: Some("exports/0".into()),
        continuation_token: Some("1ue/X=".into()),
        max_keys: Some(2),
    }
    .to_request()
    .unwrap();
    assert_eq!(request.method, Method::Get);
    assert_eq!(request.path, "/demo-backups");
    assert_eq!(
        request.query,
        "list-type=2&continuation-token=1ue%2FX%3D&max-keys=2&prefix=exports%2Fa%20b&start-after=exports%2F0"
    );
    let mut key = String::new();
    encode_key_into("dir/a b+c", &mut key);
    assert_eq!(key, "dir/a%20b%2Bc");
}

fn service_error(status: u16, body: &str) -> ServiceError {
    let response = HttpResponse {
        status,
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    };
    ObjectStorageClassifier
        .classify(&LIST_OBJECTS_V2, &response)
        .unwrap()
}

#[test]
fn s3_error_codes_map_onto_kinds_and_unknown_codes_are_kept() {
    let body = |code: &str| format!("<Error><Code>{code}</Code><Message>m</Message></Error>");
    let cases = [
        (
            404,
            "NoSuchBucket",
            ServiceErrorKind::NotFound,
            Retryability::No,
        ),
        (
            404,
            "NoSuchKey",
            ServiceErrorKind::NotFound,
            Retryability::No,
        ),
        (
            403,
            "AccessDenied",
            ServiceErrorKind::PermissionDenied,
            Retryability::No,
        ),
        (
            403,
            "SignatureDoesNotMatch",
            ServiceErrorKind::Authentication,
            Retryability::No,
        ),
        (
            403,
            "InvalidAccessKeyId",
            ServiceErrorKind::Authentication,
            Retryability::No,
        ),
        (
            403,
            "RequestTimeTooSkewed",
            ServiceErrorKind::Authentication,
            Retryability::No,
        ),
        (
            503,
            "SlowDown",
            ServiceErrorKind::Throttling,
            Retryability::Safe,
        ),
        (
            503,
            "ServiceUnavailable",
            ServiceErrorKind::Throttling,
            Retryability::Safe,
        ),
        (
            500,
            "InternalError",
            ServiceErrorKind::Server,
            Retryability::IfIdempotent,
        ),
        (
            400,
            "InvalidArgument",
            ServiceErrorKind::InvalidRequest,
            Retryability::No,
        ),
        (
            409,
            "SomethingNew",
            ServiceErrorKind::InvalidRequest,
            Retryability::No,
        ),
    ];
    for (status, code, kind, retryability) in cases {
        let error = service_error(status, &body(code));
        assert_eq!(error.code.as_deref(), Some(code));
        assert_eq!(error.message.as_deref(), Some("m"));
        assert_eq!(
            (error.kind, error.retryability),
            (kind, retryability),
            "{code}"
        );
    }
    // A HEAD 404 has no body.
    let error = service_error(404, "");
    assert_eq!(error.code.as_deref(), Some(codes::NOT_FOUND));
    assert_eq!(error.kind, ServiceErrorKind::NotFound);
    // A proxy's page: classified by status, nothing invented.
    let error = service_error(502, "<html>bad gateway</html>");
    assert_eq!(error.code, None);
    assert_eq!(error.kind, ServiceErrorKind::Unavailable);
    assert_eq!(
        ObjectStorageClassifier.skew_signal(&service_error(403, &body("RequestTimeTooSkewed"))),
        Some(SkewSignal::Stated)
    );
    assert_eq!(
        ObjectStorageClassifier.skew_signal(&service_error(403, &body("AccessDenied"))),
        None
    );
}

#[test]
fn a_head_answer_needs_a_content_length() {
    let response = |headers: &[(&str, &str)]| HttpResponse {
        status: 200,
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        ..HttpResponse::default()
    };
    let head = ObjectHead::from_response(&response(&[
        ("content-length", "42"),
        ("etag", "\"abc\""),
        ("last-modified", "Tue, 02 Jul 2024 00:00:01 GMT"),
    ]))
    .unwrap();
    assert_eq!(head.size, 42);
    assert_eq!(head.etag.as_deref(), Some("\"abc\""));
    assert_eq!(
        head.last_modified,
        Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_719_878_401))
    );
    assert!(ObjectHead::from_response(&response(&[])).is_err());
    assert!(ObjectHead::from_response(&response(&[("content-length", "-3")])).is_err());
}

#[test]
fn the_client_is_cheap_to_clone_send_sync_and_keeps_its_secret() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<ObjectStorageClient>();
    let client = ObjectStorageClient::builder()
        .credentials(NcpCredentials::new("AK-visible", "SK-very-secret"))
        .environment(StaticEnvironment::new())
        .build()
        .unwrap();
    assert_eq!(client.endpoint(), "https://kr.object.ncloudstorage.com");
    assert_eq!(client.signing_region(), "kr-standard");
    let shown = format!("{client:?}");
    assert!(!shown.contains("SK-very-secret"), "{shown}");
    let err = ObjectStorageClient::builder()
        .credentials(NcpCredentials::new("AK", "SK"))
        .signing_region("kr/standard")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}
