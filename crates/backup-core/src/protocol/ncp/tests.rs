use super::*;
use crate::credentials::StaticEnvironment;
use serde_json::json;

static SPEC: OperationSpec = OperationSpec::new(
    OperationInfo::non_idempotent("exportBackupToObjectStorage"),
    Method::Get,
    "/vcache/v2/exportBackupToObjectStorage",
)
.with_response_wrapper("exportBackupToObjectStorageResponse");

fn parts(pairs: &[(&str, &str)]) -> RequestParts {
    let mut parts = RequestParts::new();
    for (k, v) in pairs {
        parts.params.push(((*k).to_owned(), (*v).to_owned()));
    }
    parts
}

#[test]
fn post_form_signs_only_the_path() {
    let request = build_request(
        &SPEC,
        &parts(&[("fileName", "a b&c"), ("regionCode", "KR")]),
        &RequestOptions::default(),
    )
    .unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.request_target(),
        "/vcache/v2/exportBackupToObjectStorage"
    );
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        "fileName=a%20b%26c&regionCode=KR&responseFormatType=json"
    );
    assert_eq!(
        request.headers,
        vec![(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned()
        )]
    );
}

#[test]
fn get_query_puts_default_region_first_and_format_last() {
    let options = RequestOptions {
        style: RequestStyle::GetQuery,
        format: ResponseFormat::Xml,
        default_region: Some(RegionCode::KR),
    };
    let request = build_request(&SPEC, &parts(&[("fileName", "x")]), &options).unwrap();
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.query,
        "regionCode=KR&fileName=x&responseFormatType=xml"
    );
    assert!(request.body.is_empty());
    // An explicit region wins over the default.
    let request = build_request(&SPEC, &parts(&[("regionCode", "SGN")]), &options).unwrap();
    assert_eq!(request.query, "regionCode=SGN&responseFormatType=xml");
}

#[test]
fn bad_values_are_refused_before_anything_is_built() {
    for bad in [
        parts(&[("fileName", "")]),
        parts(&[("fileName", "a\nb")]),
        parts(&[("fileName", "a\u{7f}")]),
        parts(&[("responseFormatType", "xml")]),
        parts(&[("", "x")]),
    ] {
        let err = build_request(&SPEC, &bad, &RequestOptions::default()).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    }
}

#[test]
fn xml_becomes_the_same_tree_as_json() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<getCloudRedisBackupListResponse>
<requestId>r-1</requestId>
<returnCode>0</returnCode>
<totalRows>2</totalRows>
<cloudRedisBackupList>
    <cloudRedisBackup><cloudRedisInstanceNo>1</cloudRedisInstanceNo><backupType><code>CLUSTER</code></backupType></cloudRedisBackup>
    <cloudRedisBackup><cloudRedisInstanceNo>2</cloudRedisInstanceNo><empty/></cloudRedisBackup>
</cloudRedisBackupList>
<note>a &amp; b &#x4e00; &custom; <![CDATA[<raw>]]></note>
</getCloudRedisBackupListResponse>"#;
    let value = xml_to_value(xml).unwrap();
    assert_eq!(
        value,
        json!({"getCloudRedisBackupListResponse": {
            "requestId": "r-1",
            "returnCode": "0",
            "totalRows": "2",
            "cloudRedisBackupList": {"cloudRedisBackup": [
                {"cloudRedisInstanceNo": "1", "backupType": {"code": "CLUSTER"}},
                {"cloudRedisInstanceNo": "2", "empty": null}
            ]},
            "note": "a & b \u{4e00} &custom; <raw>"
        }})
    );
}

#[test]
fn broken_xml_is_an_error_not_a_panic() {
    for bad in ["<a><b></a>", "<a>", "<a></a><b></b>", "", "</a>", "x<a/>"] {
        assert!(xml_to_value(bad).is_err(), "{bad:?}");
    }
    let deep = "<a>".repeat(100_000) + &"</a>".repeat(100_000);
    assert!(xml_to_value(&deep).unwrap_err().contains("deeper"));
    let fine = "<a>".repeat(MAX_XML_DEPTH) + &"</a>".repeat(MAX_XML_DEPTH);
    assert!(xml_to_value(&fine).is_ok());
}

#[test]
fn xml_has_at_most_max_xml_elements() {
    let document = |count: usize| format!("<r>{}</r>", "<i/>".repeat(count - 1));
    assert!(xml_to_value(&document(MAX_XML_ELEMENTS)).is_ok());
    let error = xml_to_value(&document(MAX_XML_ELEMENTS + 1)).unwrap_err();
    assert!(error.contains("more than 200000 elements"), "{error}");
}

#[test]
fn json_envelopes_are_found_as_unwrap_envelope_finds_them() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Out {
        #[serde(rename = "requestId")]
        request_id: Option<String>,
    }
    let decode = |body: &str| {
        let response = HttpResponse {
            status: 200,
            body: body.as_bytes().to_vec(),
            ..HttpResponse::default()
        };
        decode_success::<Out>("ncp", &SPEC, &response).map(|o| o.request_id)
    };
    let r = |id: &str| Some(id.to_owned());
    // By name, wherever it is; by suffix when alone; the root when it has returnCode.
    let named =
        r#"{"x":[1],"exportBackupToObjectStorageResponse":{"requestId":"a","returnCode":"0"}}"#;
    assert_eq!(decode(named).ok(), Some(r("a")));
    assert_eq!(
        decode(r#"{"otherResponse":{"requestId":"b","returnCode":0}}"#).ok(),
        Some(r("b"))
    );
    assert_eq!(
        decode(r#"{"requestId":"c","returnCode":"0"}"#).ok(),
        Some(r("c"))
    );
    // Found, but without the `returnCode` every success carries: not a success.
    for no_code in [
        r#"{"exportBackupToObjectStorageResponse":null}"#,
        r#"{"exportBackupToObjectStorageResponse":{"requestId":"a"}}"#,
        r#"{"exportBackupToObjectStorageResponse":{"requestId":"a","returnCode":null}}"#,
    ] {
        let err = decode(no_code).unwrap_err();
        assert!(
            matches!(err, Error::UnparseableResponse(_))
                && err.to_string().contains("no `returnCode`"),
            "{no_code}: {err}"
        );
    }
    let two = decode(r#"{"otherResponse":{"requestId":"d"},"b":2}"#).unwrap_err();
    assert!(two.to_string().contains("envelope"), "{two}");
    let broken = decode(r#"{"exportBackupToObjectStorageResponse":{"requestId":"#);
    assert!(broken.unwrap_err().to_string().contains("invalid JSON"));
    let misfit = decode(r#"{"exportBackupToObjectStorageResponse":{"requestId":[1]}}"#);
    assert!(misfit.unwrap_err().to_string().contains("does not fit"));
    // A non-zero code is the answer even when the rest does not fit.
    let code =
        decode(r#"{"exportBackupToObjectStorageResponse":{"returnCode":"5","requestId":[1]}}"#);
    assert_eq!(code.unwrap_err().code(), Some("5"));
}

#[test]
fn error_bodies_keep_only_the_known_members() {
    let junk = vec!["{}"; 100_000].join(",");
    let body = format!(
        r#"{{"junk":[{junk}],"responseError":{{"returnCode":900,"more":[{junk}],"returnMessage":"m"}},"requestId":"r"}}"#
    );
    let parsed = parse_error_body(body.as_bytes()).unwrap();
    assert_eq!(parsed.code.as_deref(), Some("900"));
    assert_eq!(parsed.message.as_deref(), Some("m"));
    assert_eq!(parsed.request_id.as_deref(), Some("r"));
    // The only member wrapping an envelope, a scalar `error`, no known member at all.
    let wrapped = parse_error_body(br#"{"xResponse":{"returnCode":"7","requestId":"w"}}"#);
    assert_eq!(wrapped.and_then(|b| b.request_id).as_deref(), Some("w"));
    let scalar = parse_error_body(br#"{"error":"Forbidden","requestId":"s"}"#).unwrap();
    assert_eq!(scalar.source, ErrorSource::Gateway);
    assert_eq!(scalar.message.as_deref(), Some("Forbidden"));
    assert_eq!(parse_error_body(br#"{"a":{"returnCode":"1"},"b":2}"#), None);
    assert_eq!(parse_error_body(b"[1,2]"), None);
}

#[test]
fn envelopes_unwrap_by_name_by_suffix_or_not_at_all() {
    let v = json!({"fooResponse": {"returnCode": "0"}});
    assert_eq!(
        unwrap_envelope(&v, "fooResponse"),
        Some(&json!({"returnCode": "0"}))
    );
    assert_eq!(
        unwrap_envelope(&v, "barResponse"),
        Some(&json!({"returnCode": "0"}))
    );
    let bare = json!({"returnCode": "0", "x": 1});
    assert_eq!(unwrap_envelope(&bare, "fooResponse"), Some(&bare));
    assert_eq!(
        unwrap_envelope(&json!({"a": 1, "b": 2}), "fooResponse"),
        None
    );
}

fn classified(status: u16, body: &str) -> ServiceError {
    classify_error(status, body.as_bytes()).unwrap()
}

#[test]
fn gateway_errors_are_classified_by_code() {
    let e = classified(
        401,
        r#"{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid authentication information."}}"#,
    );
    assert_eq!(
        (e.kind.clone(), e.retryability),
        (ServiceErrorKind::Authentication, Retryability::No)
    );
    assert_eq!(e.code.as_deref(), Some("200"));
    assert_eq!(
        e.message.as_deref(),
        Some("Authentication Failed (Invalid authentication information.)")
    );
    let cases = [
        (
            401,
            "210",
            ServiceErrorKind::PermissionDenied,
            Retryability::No,
        ),
        (
            403,
            "230",
            ServiceErrorKind::PermissionDenied,
            Retryability::No,
        ),
        (429, "400", ServiceErrorKind::Throttling, Retryability::Safe),
        (429, "410", ServiceErrorKind::Throttling, Retryability::Safe),
        (429, "420", ServiceErrorKind::Throttling, Retryability::Safe),
        (
            503,
            "500",
            ServiceErrorKind::Unavailable,
            Retryability::Safe,
        ),
        (
            500,
            "500",
            ServiceErrorKind::Unavailable,
            Retryability::IfIdempotent,
        ),
        (
            504,
            "510",
            ServiceErrorKind::Unavailable,
            Retryability::IfIdempotent,
        ),
        (404, "300", ServiceErrorKind::NotFound, Retryability::No),
        (
            400,
            "100",
            ServiceErrorKind::InvalidRequest,
            Retryability::No,
        ),
    ];
    for (status, code, kind, retry) in cases {
        let e = classified(
            status,
            &format!(r#"{{"error":{{"errorCode":"{code}","message":"m","details":""}}}}"#),
        );
        assert_eq!((e.kind, e.retryability), (kind, retry), "{status} {code}");
        assert_eq!(e.message.as_deref(), Some("m"));
    }
}

#[test]
fn service_errors_are_classified_by_return_code() {
    let cases = [
        (400, "5001017", ServiceErrorKind::NotFound, Retryability::No),
        (
            400,
            "900",
            ServiceErrorKind::InvalidRequest,
            Retryability::No,
        ),
        (
            500,
            "1000",
            ServiceErrorKind::Unavailable,
            Retryability::IfIdempotent,
        ),
        (
            400,
            "5000020",
            ServiceErrorKind::PermissionDenied,
            Retryability::No,
        ),
        (
            400,
            "1017013",
            ServiceErrorKind::InvalidRequest,
            Retryability::No,
        ),
        (
            500,
            "5000009",
            ServiceErrorKind::Server,
            Retryability::IfIdempotent,
        ),
        (200, "1234", ServiceErrorKind::Other, Retryability::No),
    ];
    for (status, code, kind, retry) in cases {
        let e = classified(
            status,
            &format!(r#"{{"responseError": {{"returnCode": "{code}", "returnMessage": "msg"}}}}"#),
        );
        assert_eq!((e.kind, e.retryability), (kind, retry), "{status} {code}");
        assert_eq!(e.code.as_deref(), Some(code));
    }
}

#[test]
fn lenient_error_bodies() {
    // Odd key names and a missing comma (seen in the wild).
    let e = classified(
        500,
        r#"{"responseError": {"responseCode": "3000100" "responseMessage": "External interworking failed."}}"#,
    );
    assert_eq!(e.code.as_deref(), Some("3000100"));
    assert_eq!(e.message.as_deref(), Some("External interworking failed."));
    // Odd key names in valid JSON.
    let e = classified(
        400,
        r#"{"responseError":{"responseCode":5001017,"responseMessage":"gone"}}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::NotFound);
    // XML.
    let e = classified(
        400,
        "<responseError><returnCode>900</returnCode><returnMessage>Required field is not specified. location: [cloudCacheInstanceNo]</returnMessage></responseError>",
    );
    assert_eq!(e.kind, ServiceErrorKind::InvalidRequest);
    // Not JSON at all: status classification, excerpt kept.
    let e = classified(502, "<html><body>Bad Gateway</body></html>");
    assert_eq!(e.code, None);
    assert_eq!(e.kind, ServiceErrorKind::Unavailable);
    assert!(e.excerpt.contains("Bad Gateway"));
    // A success envelope with a non-zero code is an error; with "0" it is not.
    assert!(classify_error(200, br#"{"xResponse":{"returnCode":"0"}}"#).is_none());
    assert!(
        classify_error(
            200,
            br#"{"xResponse":{"returnCode":"7","returnMessage":"no"}}"#
        )
        .is_some()
    );
    assert!(classify_error(200, b"<xResponse><returnCode>0</returnCode></xResponse>").is_none());
    // A 2xx carrying a gateway error is an error.
    let e = classified(
        200,
        r#"{"error":{"errorCode":"410","message":"Throttle Limited"}}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::Throttling);
}

#[test]
fn scanner_reads_broken_json_and_xml() {
    let text = r#"{"a": {"requestId" : "r-\"1\"" "returnCode": 42, "x": null}"#;
    assert_eq!(scan_value(text, "requestId").as_deref(), Some("r-\"1\""));
    assert_eq!(scan_value(text, "returnCode").as_deref(), Some("42"));
    assert_eq!(scan_value(text, "x"), None);
    assert_eq!(
        scan_value("<a><b>x &amp; y</b>", "b").as_deref(),
        Some("x & y")
    );
    assert_eq!(scan_value("nothing", "b"), None);
}

#[test]
fn timestamps_are_parsed_leniently() {
    let t = |s: &str| parse_timestamp(s).map(crate::clock::unix_seconds);
    // 2024-07-02T00:00:00+0900 = 2024-07-01T15:00:00Z = 1719846000.
    assert_eq!(t("2024-07-02T00:00:00+0900"), Some(1_719_846_000));
    assert_eq!(t("2024-07-02T00:00:00+09:00"), Some(1_719_846_000));
    assert_eq!(t("2024-07-01T15:00:00Z"), Some(1_719_846_000));
    assert_eq!(t("2024-07-02 00:00:00"), Some(1_719_846_000));
    assert_eq!(t("2024-07-02T00:00:00.123+0900"), Some(1_719_846_000));
    assert_eq!(t("2024-07-02T00:00"), Some(1_719_846_000));
    assert_eq!(t("2024-07-02"), Some(1_719_846_000));
    assert_eq!(t("20240702"), Some(1_719_846_000));
    assert_eq!(t("20240702000000"), Some(1_719_846_000));
    assert_eq!(t("1719846000"), Some(1_719_846_000));
    assert_eq!(t("1719846000000"), Some(1_719_846_000));
    assert_eq!(t("2024-07-01T10:00:00-0500"), Some(1_719_846_000));
    for bad in [
        "",
        "yesterday",
        "2024-13-01",
        "2024-07-02X",
        "2024-07-02T25:00",
        "2024-07-02T00:00:00+9",
    ] {
        assert_eq!(t(bad), None, "{bad}");
    }
}

/// Every form the parser knows, each with a multi-byte character put in place of (and
/// before) each of its characters, whole and cut short after it: none may panic, and
/// none is a timestamp.
#[test]
fn multi_byte_characters_at_any_position_are_rejected_without_panicking() {
    let forms = [
        "2024-07-02T00:00:00.123+09:00",
        "2024-07-02 00:00:00+0900",
        "2024-07-02T00:00Z",
        "2024-07-02",
        "20240702000000",
        "1719846000000",
    ];
    let mut panicked = Vec::new();
    let mut accepted = Vec::new();
    for form in forms {
        let chars: Vec<char> = form.chars().collect();
        for position in 0..chars.len() {
            for wide in ['é', '한', '𝟘', '\u{FF10}'] {
                let mut replaced = chars.clone();
                replaced[position] = wide;
                let mut inserted = chars.clone();
                inserted.insert(position, wide);
                for variant in [replaced, inserted] {
                    for end in position + 1..=variant.len() {
                        let text: String = variant[..end].iter().collect();
                        match std::panic::catch_unwind(|| parse_timestamp(&text)) {
                            Err(_) => panicked.push(text),
                            Ok(Some(_)) => accepted.push(text),
                            Ok(None) => {}
                        }
                    }
                }
            }
        }
    }
    assert!(panicked.is_empty(), "panicked on {panicked:?}");
    assert!(accepted.is_empty(), "accepted {accepted:?}");
}

/// The one resolver serves every NCP service: the gateway and Object Storage differ only in
/// the variable read and the site's URL, and report the same `EndpointSource`.
#[test]
fn one_endpoint_resolver_for_every_ncp_service() {
    const VAR: &str = "NCLOUD_TEST_ENDPOINT";
    let site_url = |site: Site| format!("https://{}.svc.example", site.name());
    let env = StaticEnvironment::new().with_var(VAR, " https://env.example/base/ ");
    let none = StaticEnvironment::new();
    let blank = StaticEnvironment::new().with_var(VAR, "  ");
    let other_var = StaticEnvironment::new().with_var(API_GW_ENV, "https://gw.example");
    let resolved = |endpoint, site, env: &StaticEnvironment| {
        resolve_endpoint_with(endpoint, site, env, VAR, site_url)
    };
    let url = |url: &str, source| (url.to_owned(), source);
    assert_eq!(
        resolved(Some(" https://x.example/ "), Some(Site::Gov), &env),
        url("https://x.example", EndpointSource::Custom)
    );
    assert_eq!(
        resolved(None, Some(Site::Fin), &env),
        url("https://fin.svc.example", EndpointSource::Site(Site::Fin))
    );
    assert_eq!(
        resolved(None, None, &env),
        url("https://env.example/base", EndpointSource::Environment)
    );
    for unset in [&none, &blank, &other_var] {
        // Only the service's own variable counts, and only when it is not blank.
        assert_eq!(
            resolved(None, None, unset),
            url("https://public.svc.example", EndpointSource::Default)
        );
    }
    // Object Storage reports its endpoint with the same type as the gateway.
    #[cfg(feature = "object-storage")]
    {
        let (_, source): (String, EndpointSource) =
            crate::object_storage::resolve_endpoint(None, None, "KR", &none);
        assert_eq!(source, EndpointSource::Default);
    }
}

#[test]
fn endpoint_resolution_order() {
    let env = StaticEnvironment::new().with_var(API_GW_ENV, "https://gw.example.com/");
    let none = StaticEnvironment::new();
    assert_eq!(
        resolve_endpoint(Some("https://x.example.com/"), Some(Site::Gov), &env),
        ("https://x.example.com".to_owned(), EndpointSource::Custom)
    );
    assert_eq!(
        resolve_endpoint(None, Some(Site::Fin), &env),
        (
            Site::Fin.endpoint().to_owned(),
            EndpointSource::Site(Site::Fin)
        )
    );
    assert_eq!(
        resolve_endpoint(None, None, &env),
        (
            "https://gw.example.com".to_owned(),
            EndpointSource::Environment
        )
    );
    assert_eq!(
        resolve_endpoint(None, None, &none),
        (
            "https://ncloud.apigw.ntruss.com".to_owned(),
            EndpointSource::Default
        )
    );
    let empty = StaticEnvironment::new().with_var(API_GW_ENV, " ");
    assert_eq!(
        resolve_endpoint(None, None, &empty).1,
        EndpointSource::Default
    );
    assert_eq!(Site::Gov.endpoint(), "https://ncloud.apigw.gov-ntruss.com");
    assert_eq!(
        Site::Fin.endpoint(),
        "https://fin-ncloud.apigw.fin-ntruss.com"
    );
    assert_eq!(Site::from_name("GOV"), Some(Site::Gov));
    assert_eq!(Site::from_name("moon"), None);
}

#[test]
fn region_codes_are_strings() {
    let s: String = RegionCode::KR.into();
    assert_eq!(s, "KR");
    assert_eq!(RegionCode::new("XYZ").as_str(), "XYZ");
    assert_eq!(RegionCode::from("FKR"), RegionCode::FKR);
    assert_eq!(RegionCode::SGN.to_string(), "SGN");
}

#[test]
fn decode_success_unwraps_and_checks_the_code() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Out {
        #[serde(rename = "requestId")]
        request_id: String,
    }
    let response = |status: u16, body: &str| HttpResponse {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    };
    let ok: Out = decode_success(
        "ncp",
        &SPEC,
        &response(
            200,
            r#"{"exportBackupToObjectStorageResponse":{"requestId":"r","returnCode":"0"}}"#,
        ),
    )
    .unwrap();
    assert_eq!(ok.request_id, "r");
    let xml: Out = decode_success(
        "ncp",
        &SPEC,
        &response(200, "<exportBackupToObjectStorageResponse><requestId>r</requestId><returnCode>0</returnCode></exportBackupToObjectStorageResponse>"),
    )
    .unwrap();
    assert_eq!(xml, ok);
    let err = decode_success::<Out>("ncp", &SPEC, &response(200, "OK")).unwrap_err();
    assert!(
        matches!(err, Error::UnparseableResponse(ref e) if e.excerpt == "OK"),
        "{err}"
    );
    let err = decode_success::<Out>("ncp", &SPEC, &response(200, r#"{"a":1,"b":2}"#)).unwrap_err();
    assert!(err.to_string().contains("envelope"), "{err}");
    let err = decode_success::<Out>(
        "ncp",
        &SPEC,
        &response(
            200,
            r#"{"exportBackupToObjectStorageResponse":{"requestId":"r9","returnCode":"77"}}"#,
        ),
    )
    .unwrap_err();
    assert_eq!(err.code(), Some("77"));
    assert_eq!(err.request_id(), Some("r9"));
}

/// The one-pass decode of a 2xx takes an answer only where the classifier finds no error:
/// an envelope with returnCode "0" beside a gateway `error`, a `responseError`, or a root
/// `returnCode` that is not zero is the classifier's to report, and the whole client path
/// (as `Connection::call` runs it) reports it as a service error, never as an output.
#[test]
fn one_pass_decode_leaves_every_error_shape_to_the_classifier() {
    #[derive(serde::Deserialize, Debug)]
    struct Out {
        #[serde(rename = "requestId")]
        _request_id: String,
    }
    let response = |body: &str| HttpResponse {
        status: 200,
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    };
    let clean = r#"{"exportBackupToObjectStorageResponse":{"requestId":"r","returnCode":"0"}}"#;
    assert!(decode_clean_json::<Out>(&SPEC, &response(clean)).is_some());
    let inner = r#""exportBackupToObjectStorageResponse":{"requestId":"r","returnCode":"0"}"#;
    for hostile in [
        format!(r#"{{{inner},"error":{{"errorCode":"300","message":"Not Found"}}}}"#),
        format!(r#"{{"error":{{"errorCode":"210","message":"Permission Denied"}},{inner}}}"#),
        format!(r#"{{{inner},"responseError":{{"returnCode":"1000","returnMessage":"later"}}}}"#),
        format!(r#"{{{inner},"returnCode":"5001017","returnMessage":"gone"}}"#),
        format!(r#"{{"responseCode":"900",{inner}}}"#),
        "<exportBackupToObjectStorageResponse><requestId>r</requestId><returnCode>0</returnCode></exportBackupToObjectStorageResponse>".into(),        r#"{"exportBackupToObjectStorageResponse":{"requestId":"r","returnCode":"77"}}"#.into(),
        r#"{"exportBackupToObjectStorageResponse":{"requestId":"r"}}"#.into(),
    ] {
        let response = response(&hostile);
        assert!(
            decode_clean_json::<Out>(&SPEC, &response).is_none(),
            "one pass took {hostile}"
        );
        if NcpClassifier.classify(&SPEC.info, &response).is_some() {
            let error = crate::fuzzing::ncp_decode::<Out>("ncp", &SPEC, &response).unwrap_err();
            assert!(matches!(error, Error::Service(_)), "{hostile}: {error}");
        }
    }
}
