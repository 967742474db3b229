//! Every operation of both API families against a scripted loopback server: the exact wire
//! request (method, path, header names, form body or query, signature recomputed), and the
//! parsed output of the JSON and the XML response.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::credentials::BoxFuture;
use backup_core::protocol::ncp::FromGateway;
use backup_core::protocol::ncp::testing::{self, WireRequest};
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vcache::{Error, RegionCode, RequestStyle, ResponseFormat, vcache, vredis};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn client<C: FromGateway>(
    server: &ScriptedServer,
    style: RequestStyle,
    format: ResponseFormat,
) -> C {
    testing::builder::<C>(&server.base_url, style, format)
        .build()
        .unwrap()
}

fn to_value<T: serde::Serialize>(output: T) -> Value {
    serde_json::to_value(output).unwrap()
}

/// One operation called with every parameter set.
struct Case<C> {
    /// `vcache` or `vredis`: the fixture prefix.
    family: &'static str,
    op: &'static str,
    path: &'static str,
    /// The parameters the call sets, in the order they must be sent.
    params: &'static [(&'static str, &'static str)],
    call: fn(C) -> BoxFuture<'static, Result<Value, Error>>,
}

const VCACHE: &[Case<vcache::Client>] = &[
    Case {
        family: "vcache",
        op: "createCloudCacheManualBackup",
        path: "/vcache/v2/createCloudCacheManualBackup",
        params: &[("regionCode", "KR"), ("cloudCacheInstanceNo", "1234821")],
        call: |c| {
            Box::pin(async move {
                c.create_cloud_cache_manual_backup()
                    .region_code(RegionCode::KR)
                    .cloud_cache_instance_no("1234821")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vcache",
        op: "exportBackupToObjectStorage",
        path: "/vcache/v2/exportBackupToObjectStorage",
        params: &[
            ("regionCode", "KR"),
            ("fileName", "2021 07/02+a&b"),
            ("bucketName", "cache-backup"),
            ("cloudCacheInstanceNo", "1234821"),
            ("backupTypeMode", "MANUAL"),
        ],
        call: |c| {
            Box::pin(async move {
                c.export_backup_to_object_storage()
                    .region_code("KR")
                    .file_name("2021 07/02+a&b")
                    .bucket_name("cache-backup")
                    .cloud_cache_instance_no("1234821")
                    .backup_type_mode(vcache::BackupTypeMode::Manual)
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vcache",
        op: "getCloudCacheBackupList",
        path: "/vcache/v2/getCloudCacheBackupList",
        params: &[("regionCode", "KR")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_cache_backup_list()
                    .region_code("KR")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vcache",
        op: "getCloudCacheManualBackupList",
        path: "/vcache/v2/getCloudCacheManualBackupList",
        params: &[("regionCode", "SGN")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_cache_manual_backup_list()
                    .region_code(RegionCode::SGN)
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vcache",
        op: "getCloudCacheManualBackupDetailList",
        path: "/vcache/v2/getCloudCacheManualBackupDetailList",
        params: &[("regionCode", "KR"), ("cloudCacheInstanceNo", "1234821")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_cache_manual_backup_detail_list()
                    .region_code("KR")
                    .cloud_cache_instance_no("1234821")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
];

const VREDIS: &[Case<vredis::Client>] = &[
    Case {
        family: "vredis",
        op: "createCloudRedisManualBackup",
        path: "/vredis/v2/createCloudRedisManualBackup",
        params: &[("regionCode", "KR"), ("cloudRedisInstanceNo", "1234511")],
        call: |c| {
            Box::pin(async move {
                c.create_cloud_redis_manual_backup()
                    .region_code("KR")
                    .cloud_redis_instance_no("1234511")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vredis",
        op: "exportBackupToObjectStorage",
        path: "/vredis/v2/exportBackupToObjectStorage",
        params: &[
            ("regionCode", "KR"),
            ("fileName", "20240702"),
            ("bucketName", "redis-backup"),
            ("cloudRedisInstanceNo", "1234511"),
            ("backupTypeMode", "SYSTEM"),
        ],
        call: |c| {
            Box::pin(async move {
                c.export_backup_to_object_storage()
                    .region_code("KR")
                    .file_name("20240702")
                    .bucket_name("redis-backup")
                    .cloud_redis_instance_no("1234511")
                    .backup_type_mode(vredis::BackupTypeMode::System)
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vredis",
        op: "getCloudRedisBackupList",
        path: "/vredis/v2/getCloudRedisBackupList",
        params: &[("regionCode", "KR")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_redis_backup_list()
                    .region_code("KR")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vredis",
        op: "getCloudRedisBackupDetailList",
        path: "/vredis/v2/getCloudRedisBackupDetailList",
        params: &[("regionCode", "KR"), ("cloudRedisInstanceNo", "1234511")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_redis_backup_detail_list()
                    .region_code("KR")
                    .cloud_redis_instance_no("1234511")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vredis",
        op: "getCloudRedisManualBackupList",
        path: "/vredis/v2/getCloudRedisManualBackupList",
        params: &[("regionCode", "KR")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_redis_manual_backup_list()
                    .region_code("KR")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        family: "vredis",
        op: "getCloudRedisManualBackupDetailList",
        path: "/vredis/v2/getCloudRedisManualBackupDetailList",
        params: &[("regionCode", "KR"), ("cloudRedisInstanceNo", "1234511")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_redis_manual_backup_detail_list()
                    .region_code("KR")
                    .cloud_redis_instance_no("1234511")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
];

async fn check<C: FromGateway>(case: &Case<C>) {
    let name = format!("{}_{}", case.family, case.op);

    // POST with a form body, JSON response.
    let server = ScriptedServer::start(vec![Step::ok(&fixture(&format!("{name}.json")))]).await;
    let from_json = (case.call)(client(
        &server,
        RequestStyle::PostForm,
        ResponseFormat::Json,
    ))
    .await
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{name}");
    let wire = WireRequest::from_recorded(&requests[0]);
    wire.check(
        RequestStyle::PostForm,
        ResponseFormat::Json,
        case.path,
        case.params,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    insta::assert_json_snapshot!(format!("{name}__post_json__request"), wire);
    insta::assert_json_snapshot!(format!("{name}__output"), from_json);

    // GET with a query, XML response: the same output.
    let server =
        ScriptedServer::start(vec![testing::xml_ok(&fixture(&format!("{name}.xml")))]).await;
    let from_xml = (case.call)(client(&server, RequestStyle::GetQuery, ResponseFormat::Xml))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(from_xml, from_json, "{name}: XML and JSON outputs differ");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{name}");
    let wire = WireRequest::from_recorded(&requests[0]);
    wire.check(
        RequestStyle::GetQuery,
        ResponseFormat::Xml,
        case.path,
        case.params,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    insta::assert_json_snapshot!(format!("{name}__get_xml__request"), wire);
}

#[tokio::test]
async fn every_vcache_operation_post_form_json_and_get_query_xml() {
    for case in VCACHE {
        check(case).await;
    }
}

#[tokio::test]
async fn every_vredis_operation_post_form_json_and_get_query_xml() {
    for case in VREDIS {
        check(case).await;
    }
}

/// The second and third vectors of the NCP reference notes (section 1.5), sent by the
/// clients: the expected signatures are the vectors', not values computed by the code under
/// test.
#[tokio::test]
async fn reference_vectors_get_with_query() {
    let server = ScriptedServer::start(vec![Step::ok(&fixture(
        "vredis_getCloudRedisBackupList.json",
    ))])
    .await;
    client::<vredis::Client>(&server, RequestStyle::GetQuery, ResponseFormat::Json)
        .get_cloud_redis_backup_list()
        .region_code(RegionCode::KR)
        .send()
        .await
        .unwrap();
    let wire = WireRequest::from_recorded(&server.requests()[0]);
    assert_eq!(
        wire.target,
        "/vredis/v2/getCloudRedisBackupList?regionCode=KR&responseFormatType=json"
    );
    assert_eq!(
        wire.signature.as_deref(),
        Some("iSblIX9+BKR1mdNkpQAaTe3garIrt0iQu4w8/Xp3sBc=")
    );

    let server = ScriptedServer::start(vec![Step::ok(&fixture(
        "vcache_exportBackupToObjectStorage.json",
    ))])
    .await;
    client::<vcache::Client>(&server, RequestStyle::GetQuery, ResponseFormat::Json)
        .export_backup_to_object_storage()
        .region_code("KR")
        .file_name("20240702")
        .bucket_name("cache-backup")
        .cloud_cache_instance_no("1234567")
        .backup_type_mode(vcache::BackupTypeMode::System)
        .send()
        .await
        .unwrap();
    let wire = WireRequest::from_recorded(&server.requests()[0]);
    assert_eq!(
        wire.target,
        "/vcache/v2/exportBackupToObjectStorage?regionCode=KR&fileName=20240702&bucketName=cache-backup&cloudCacheInstanceNo=1234567&backupTypeMode=SYSTEM&responseFormatType=json"
    );
    assert_eq!(wire.timestamp.as_deref(), Some("1700000000000"));
    assert_eq!(wire.access_key.as_deref(), Some("AKIAEXAMPLEACCESSKEY"));
    assert_eq!(
        wire.signature.as_deref(),
        Some("mRuTBYTPsPxu/VqRgVXFQoZkQtUB0iDviRG0JRAKG8k=")
    );
}

fn expect_invalid(field: &str, result: Result<Value, Error>) {
    match result {
        Err(Error::InvalidInput(e)) => assert_eq!(e.field, field, "{e}"),
        other => panic!("expected invalid input on {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_backup_type_mode_outside_system_and_manual_is_refused_before_sending() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let cache: vcache::Client = client(&server, RequestStyle::PostForm, ResponseFormat::Json);
    let redis: vredis::Client = client(&server, RequestStyle::GetQuery, ResponseFormat::Json);
    for value in ["system", "Manual", "FULL", " SYSTEM"] {
        let results = [
            cache
                .export_backup_to_object_storage()
                .file_name("20240702")
                .bucket_name("cache-backup")
                .cloud_cache_instance_no("1234821")
                .backup_type_mode(value)
                .send()
                .await
                .map(to_value),
            redis
                .export_backup_to_object_storage()
                .file_name("20240702")
                .bucket_name("cache-backup")
                .cloud_redis_instance_no("1234821")
                .backup_type_mode(vredis::BackupTypeMode::Unknown(value.into()))
                .send()
                .await
                .map(to_value),
        ];
        for result in results {
            match result {
                Err(Error::InvalidInput(e)) => {
                    assert_eq!(e.field, "backupTypeMode", "{e}");
                    assert!(e.problem.contains("`SYSTEM`, `MANUAL`"), "{e}");
                }
                other => panic!("{value:?}: expected invalid input, got {other:?}"),
            }
        }
    }
    assert_eq!(server.requests().len(), 0, "nothing may be sent");
}

#[tokio::test]
async fn vcache_missing_empty_or_control_character_input_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let c: vcache::Client = client(&server, RequestStyle::PostForm, ResponseFormat::Json);
    let export = || {
        c.export_backup_to_object_storage()
            .file_name("20240702")
            .bucket_name("cache-backup")
            .cloud_cache_instance_no("1234821")
            .backup_type_mode(vcache::BackupTypeMode::System)
    };
    expect_invalid(
        "cloudCacheInstanceNo",
        c.create_cloud_cache_manual_backup()
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "cloudCacheInstanceNo",
        c.create_cloud_cache_manual_backup()
            .cloud_cache_instance_no("")
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "cloudCacheInstanceNo",
        c.create_cloud_cache_manual_backup()
            .cloud_cache_instance_no("1\n2")
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "regionCode",
        c.create_cloud_cache_manual_backup()
            .cloud_cache_instance_no("1")
            .region_code("K\u{1b}R")
            .send()
            .await
            .map(to_value),
    );
    for (field, input) in [
        ("fileName", export().set_file_name(None)),
        ("bucketName", export().set_bucket_name(None)),
        (
            "cloudCacheInstanceNo",
            export().set_cloud_cache_instance_no(None),
        ),
        ("backupTypeMode", export().set_backup_type_mode(None)),
        ("fileName", export().file_name("")),
        ("bucketName", export().bucket_name("")),
        ("fileName", export().file_name("a\u{0}b")),
        ("bucketName", export().bucket_name("bucket\t")),
        ("fileName", export().file_name("x\u{85}")),
        ("backupTypeMode", export().backup_type_mode("")),
        ("backupTypeMode", export().backup_type_mode("SYSTEM\n")),
        ("regionCode", export().region_code("")),
    ] {
        expect_invalid(field, input.send().await.map(to_value));
    }
    expect_invalid(
        "cloudCacheInstanceNo",
        c.get_cloud_cache_manual_backup_detail_list()
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "cloudCacheInstanceNo",
        c.get_cloud_cache_manual_backup_detail_list()
            .cloud_cache_instance_no("\u{7f}")
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "regionCode",
        c.get_cloud_cache_backup_list()
            .region_code("KR\r")
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "regionCode",
        c.get_cloud_cache_manual_backup_list()
            .region_code("")
            .send()
            .await
            .map(to_value),
    );
    assert_eq!(server.requests().len(), 0, "nothing may be sent");
}

#[tokio::test]
async fn vredis_missing_empty_or_control_character_input_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let c: vredis::Client = client(&server, RequestStyle::GetQuery, ResponseFormat::Json);
    let export = || {
        c.export_backup_to_object_storage()
            .file_name("20240702")
            .bucket_name("redis-backup")
            .cloud_redis_instance_no("1234511")
            .backup_type_mode(vredis::BackupTypeMode::System)
    };
    expect_invalid(
        "cloudRedisInstanceNo",
        c.create_cloud_redis_manual_backup()
            .send()
            .await
            .map(to_value),
    );
    expect_invalid(
        "cloudRedisInstanceNo",
        c.create_cloud_redis_manual_backup()
            .cloud_redis_instance_no(" \n")
            .send()
            .await
            .map(to_value),
    );
    for (field, input) in [
        ("fileName", export().set_file_name(None)),
        ("bucketName", export().set_bucket_name(None)),
        (
            "cloudRedisInstanceNo",
            export().set_cloud_redis_instance_no(None),
        ),
        ("backupTypeMode", export().set_backup_type_mode(None)),
        ("fileName", export().file_name("")),
        ("cloudRedisInstanceNo", export().cloud_redis_instance_no("")),
        ("bucketName", export().bucket_name("b\u{9b}")),
    ] {
        expect_invalid(field, input.send().await.map(to_value));
    }
    for (field, result) in [
        (
            "cloudRedisInstanceNo",
            c.get_cloud_redis_backup_detail_list()
                .send()
                .await
                .map(to_value),
        ),
        (
            "cloudRedisInstanceNo",
            c.get_cloud_redis_manual_backup_detail_list()
                .cloud_redis_instance_no("")
                .send()
                .await
                .map(to_value),
        ),
        (
            "regionCode",
            c.get_cloud_redis_backup_list()
                .region_code("\u{0}")
                .send()
                .await
                .map(to_value),
        ),
        (
            "regionCode",
            c.get_cloud_redis_manual_backup_list()
                .region_code("KR\n")
                .send()
                .await
                .map(to_value),
        ),
    ] {
        expect_invalid(field, result);
    }
    assert_eq!(server.requests().len(), 0, "nothing may be sent");
}
