//! Every operation against a scripted loopback server: the exact wire request (method,
//! path, header names, form body or query, signature recomputed), and the parsed output of
//! the JSON and the XML response.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_core::credentials::BoxFuture;
use backup_core::protocol::ncp::testing::{self, WireRequest};
use backup_core::test_util::{ScriptedServer, Step};
use ncp_vhadoop::{Client, Error, RequestStyle, ResponseFormat};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn client(server: &ScriptedServer, style: RequestStyle, format: ResponseFormat) -> Client {
    testing::builder(&server.base_url, style, format)
        .build()
        .unwrap()
}

type Call = fn(Client) -> BoxFuture<'static, Result<Value, Error>>;

/// One operation called with every parameter set.
struct Case {
    op: &'static str,
    path: &'static str,
    /// The parameters the call sets, in the order they must be sent.
    params: &'static [(&'static str, &'static str)],
    call: Call,
}

fn to_value<T: serde::Serialize>(output: T) -> Value {
    serde_json::to_value(output).unwrap()
}

const CASES: &[Case] = &[
    Case {
        op: "backupClusterConfiguration",
        path: "/vhadoop/v2/backupClusterConfiguration",
        params: &[("regionCode", "KR"), ("cloudHadoopInstanceNo", "2707123")],
        call: |c| {
            Box::pin(async move {
                c.backup_cluster_configuration()
                    .region_code("KR")
                    .cloud_hadoop_instance_no("2707123")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
    Case {
        op: "getCloudHadoopInstanceDetail",
        path: "/vhadoop/v2/getCloudHadoopInstanceDetail",
        params: &[("regionCode", "KR"), ("cloudHadoopInstanceNo", "2707123")],
        call: |c| {
            Box::pin(async move {
                c.get_cloud_hadoop_instance_detail()
                    .region_code(ncp_vhadoop::RegionCode::KR)
                    .cloud_hadoop_instance_no("2707123")
                    .send()
                    .await
                    .map(to_value)
            })
        },
    },
];

#[tokio::test]
async fn every_operation_post_form_json_and_get_query_xml() {
    for case in CASES {
        // POST with a form body, JSON response.
        let server =
            ScriptedServer::start(vec![Step::ok(&fixture(&format!("{}.json", case.op)))]).await;
        let from_json = (case.call)(client(
            &server,
            RequestStyle::PostForm,
            ResponseFormat::Json,
        ))
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.op));
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{}", case.op);
        let wire = WireRequest::from_recorded(&requests[0]);
        wire.check(
            RequestStyle::PostForm,
            ResponseFormat::Json,
            case.path,
            case.params,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.op));
        insta::assert_json_snapshot!(format!("{}__post_json__request", case.op), wire);
        insta::assert_json_snapshot!(format!("{}__output", case.op), from_json);

        // GET with a query, XML response: the same output.
        let server =
            ScriptedServer::start(vec![testing::xml_ok(&fixture(&format!("{}.xml", case.op)))])
                .await;
        let from_xml = (case.call)(client(&server, RequestStyle::GetQuery, ResponseFormat::Xml))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.op));
        assert_eq!(
            from_xml, from_json,
            "{}: XML and JSON outputs differ",
            case.op
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{}", case.op);
        let wire = WireRequest::from_recorded(&requests[0]);
        wire.check(
            RequestStyle::GetQuery,
            ResponseFormat::Xml,
            case.path,
            case.params,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.op));
        insta::assert_json_snapshot!(format!("{}__get_xml__request", case.op), wire);
    }
}

/// The first vector of the NCP reference notes (section 1.5), sent by the client: the
/// expected signature is the vector's, not one computed by the code under test.
#[tokio::test]
async fn reference_vector_post_backup_cluster_configuration() {
    let server =
        ScriptedServer::start(vec![Step::ok(&fixture("backupClusterConfiguration.json"))]).await;
    client(&server, RequestStyle::PostForm, ResponseFormat::Json)
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no("1234")
        .send()
        .await
        .unwrap();
    let recorded = &server.requests()[0];
    let user_agent = recorded.header("user-agent").unwrap_or_default();
    assert!(
        user_agent.starts_with(concat!(
            "ncp-vhadoop/",
            env!("CARGO_PKG_VERSION"),
            " backup-core/"
        )),
        "{user_agent}"
    );
    let wire = WireRequest::from_recorded(recorded);
    assert_eq!(wire.target, "/vhadoop/v2/backupClusterConfiguration");
    assert_eq!(wire.timestamp.as_deref(), Some("1700000000000"));
    assert_eq!(wire.access_key.as_deref(), Some("AKIAEXAMPLEACCESSKEY"));
    assert_eq!(
        wire.signature.as_deref(),
        Some("p5v1ACRN2F7FhIJTR1yiZGLAIBn8mPWuQGOUaUqpAt0=")
    );
}

#[tokio::test]
async fn missing_empty_or_control_character_input_sends_nothing() {
    let server = ScriptedServer::start(vec![Step::ok("{}")]).await;
    let c = client(&server, RequestStyle::PostForm, ResponseFormat::Json);
    let cases: Vec<(&str, Result<Value, Error>)> = vec![
        (
            "cloudHadoopInstanceNo",
            c.backup_cluster_configuration().send().await.map(to_value),
        ),
        (
            "cloudHadoopInstanceNo",
            c.backup_cluster_configuration()
                .cloud_hadoop_instance_no("")
                .send()
                .await
                .map(to_value),
        ),
        (
            "cloudHadoopInstanceNo",
            c.backup_cluster_configuration()
                .cloud_hadoop_instance_no("27\n07")
                .send()
                .await
                .map(to_value),
        ),
        (
            "regionCode",
            c.backup_cluster_configuration()
                .cloud_hadoop_instance_no("2707")
                .region_code("K\u{0}R")
                .send()
                .await
                .map(to_value),
        ),
        (
            "regionCode",
            c.backup_cluster_configuration()
                .cloud_hadoop_instance_no("2707")
                .region_code("")
                .send()
                .await
                .map(to_value),
        ),
        (
            "cloudHadoopInstanceNo",
            c.get_cloud_hadoop_instance_detail()
                .send()
                .await
                .map(to_value),
        ),
        (
            "cloudHadoopInstanceNo",
            c.get_cloud_hadoop_instance_detail()
                .cloud_hadoop_instance_no("")
                .send()
                .await
                .map(to_value),
        ),
        (
            "cloudHadoopInstanceNo",
            c.get_cloud_hadoop_instance_detail()
                .cloud_hadoop_instance_no("2707\u{7f}")
                .send()
                .await
                .map(to_value),
        ),
        (
            "regionCode",
            c.get_cloud_hadoop_instance_detail()
                .cloud_hadoop_instance_no("2707")
                .region_code("KR\r\n")
                .send()
                .await
                .map(to_value),
        ),
    ];
    for (field, result) in cases {
        match result {
            Err(Error::InvalidInput(e)) => assert_eq!(e.field, field, "{e}"),
            other => panic!("expected invalid input on {field}, got {other:?}"),
        }
    }
    assert_eq!(server.requests().len(), 0, "nothing may be sent");
}

#[tokio::test]
async fn default_region_and_custom_endpoint_prefix() {
    let server =
        ScriptedServer::start(vec![Step::ok(&fixture("backupClusterConfiguration.json"))]).await;
    let c: Client = testing::builder(
        &format!("{}/gw/", server.base_url),
        RequestStyle::GetQuery,
        ResponseFormat::Json,
    )
    .region(ncp_vhadoop::RegionCode::FKR)
    .build()
    .unwrap();
    c.backup_cluster_configuration()
        .cloud_hadoop_instance_no("1")
        .send()
        .await
        .unwrap();
    let wire = WireRequest::from_recorded(&server.requests()[0]);
    assert_eq!(
        wire.target,
        "/gw/vhadoop/v2/backupClusterConfiguration?regionCode=FKR&cloudHadoopInstanceNo=1&responseFormatType=json"
    );
    wire.check_signed().unwrap();
}
