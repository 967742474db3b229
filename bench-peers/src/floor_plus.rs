//! The floor plus the work every correct client of the vendor must do on every call: take
//! the time, serialize the typed input (OCP and GES send JSON; NCP's form body stays the
//! captured one), sign with the vendor's scheme through backup-core's public pure functions
//! (pinned by the vendors' own test vectors), and parse the answer into a typed struct.
//! What the SDK spends beyond this is its own overhead, not the vendor's protocol.
//!
//! Kept as lean as a careful hand-written client: the floor's precomputed request (URL,
//! headers, NCP's body), a clone of its header map with the time-dependent headers set, no
//! retries, timeouts, tracing or secret registry.

use std::time::{SystemTime, UNIX_EPOCH};

use backup_core::sign::{SignableRequest, huawei, ncp, ocp};
use reqwest::header::{AUTHORIZATION, DATE, HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::calls::{ACCESS_KEY, Call, Prepared, SECRET_KEY};
use crate::canned::Request;

/// Header names whose values change with the signing time: everything else of a
/// floor-plus request is byte for byte the SDK's.
pub(crate) const TIME_DEPENDENT: [&str; 5] = [
    "date",
    "authorization",
    ncp::TIMESTAMP_HEADER,
    ncp::SIGNATURE_HEADER,
    huawei::DATE_HEADER,
];

/// The three floor-plus calls, for one base URL.
pub(crate) struct FloorPlus {
    ncp: NcpPlus,
    ocp: OcpPlus,
    ges: GesPlus,
}

impl FloorPlus {
    /// From the SDK's captured NCP, OCP and GES requests, sent to `base`. Checks that the
    /// typed inputs serialize to the SDK's body bytes.
    pub(crate) fn new(captured: [&Request; 3], base: &str) -> Self {
        let [ncp, ocp, ges] = captured;
        let floor_plus = Self {
            ncp: NcpPlus::new(Prepared::from_captured(ncp.clone(), base)),
            ocp: OcpPlus::new(Prepared::from_captured(ocp.clone(), base), ocp),
            ges: GesPlus::new(Prepared::from_captured(ges.clone(), base), ges),
        };
        assert_eq!(
            serde_json::to_string(&floor_plus.ocp.input).expect("OCP body"),
            String::from_utf8_lossy(floor_plus.ocp.prepared.body),
            "the floor-plus OCP body differs from the SDK's"
        );
        assert_eq!(
            serde_json::to_string(&floor_plus.ges.input).expect("GES body"),
            String::from_utf8_lossy(floor_plus.ges.prepared.body),
            "the floor-plus GES body differs from the SDK's"
        );
        floor_plus
    }

    /// Signs at the time the SDK's captured requests carry and checks that every header,
    /// signature and authorization included, is what the SDK sent. Only meaningful when
    /// `self` was built for the base URL the requests were captured from (the host is
    /// signed by OCP and GES).
    pub(crate) fn assert_signs_like_the_sdk(&self, captured: [&Request; 3]) {
        let [ncp, ocp, ges] = captured;
        let timestamp: u64 = header(ncp, ncp::TIMESTAMP_HEADER)
            .parse()
            .expect("captured NCP timestamp");
        assert_eq!(
            self.ncp.headers(timestamp),
            self.ncp.prepared.headers,
            "NCP floor plus signs differently from the SDK"
        );
        let body = serde_json::to_vec(&self.ocp.input).expect("OCP body");
        assert_eq!(
            self.ocp.headers(header(ocp, "date").to_owned(), &body),
            self.ocp.prepared.headers,
            "OCP floor plus signs differently from the SDK"
        );
        let body = serde_json::to_vec(&self.ges.input).expect("GES body");
        assert_eq!(
            self.ges
                .headers(header(ges, huawei::DATE_HEADER).to_owned(), &body),
            self.ges.prepared.headers,
            "GES floor plus signs differently from the SDK"
        );
    }

    /// Makes one floor-plus call through `client` and checks its answer.
    pub(crate) async fn call(&self, client: &reqwest::Client, call: Call) {
        let now = SystemTime::now();
        match call {
            Call::NcpFloorPlus => {
                let timestamp = now
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis() as u64);
                let headers = self.ncp.headers(timestamp);
                let body = send(client, &self.ncp.prepared, headers, self.ncp.prepared.body).await;
                let answer: NcpAnswer = serde_json::from_slice(&body).expect("NCP answer");
                let response = answer.response;
                assert_eq!(response.return_code.as_deref(), Some("0"));
                assert!(response.request_id.is_some());
            }
            Call::OcpFloorPlus => {
                let body = serde_json::to_vec(&self.ocp.input).expect("OCP body");
                let headers = self.ocp.headers(ocp::format_date(now), &body);
                let answer = send(client, &self.ocp.prepared, headers, body).await;
                let answer: OcpEnvelope = serde_json::from_slice(&answer).expect("OCP answer");
                assert!(answer.successful);
                let results = answer.data.backup_object_ops_result_list;
                assert!(results.iter().all(|result| result.be_successful));
                assert_eq!(
                    results
                        .iter()
                        .flat_map(|result| &result.task_id_list)
                        .count(),
                    1
                );
            }
            Call::GesFloorPlus => {
                let body = serde_json::to_vec(&self.ges.input).expect("GES body");
                let headers = self.ges.headers(huawei::format_sdk_date(now), &body);
                let answer = send(client, &self.ges.prepared, headers, body).await;
                let answer: GesCreateBackupAnswer =
                    serde_json::from_slice(&answer).expect("GES answer");
                assert!(!answer.job_id.is_empty());
            }
            other => unreachable!("{other:?} is not a floor-plus call"),
        }
    }
}

/// Sends `request` with `headers` and `body` and returns the answer's body, as the floor
/// does.
async fn send(
    client: &reqwest::Client,
    request: &Prepared,
    headers: HeaderMap,
    body: impl Into<reqwest::Body>,
) -> impl std::ops::Deref<Target = [u8]> {
    let response = client
        .request(request.method.clone(), request.url.clone())
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("floor-plus send");
    assert!(
        response.status().is_success(),
        "floor plus {} {}: {}",
        request.method,
        request.url.path(),
        response.status()
    );
    response.bytes().await.expect("floor-plus body")
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("captured request has no {name} header"))
}

/// `host[:port]` as reqwest writes it for `url` (the port only when not the default).
fn host_header(url: &reqwest::Url) -> String {
    let host = url.host_str().expect("base URL host");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The captured headers a vendor's signature covers that do not depend on the time,
/// as the signing functions take them.
fn signed_constant_headers(
    request: &Request,
    signed: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    request
        .headers
        .iter()
        .filter(|(name, _)| signed(name) && !TIME_DEPENDENT.contains(&name.as_str()))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------
// NCP: API Gateway v2 over `METHOD target`, the timestamp and the access key.

struct NcpPlus {
    prepared: Prepared,
    /// The signed request-target: the path, and `?query` when there is one.
    target: String,
    timestamp_header: HeaderName,
    signature_header: HeaderName,
}

impl NcpPlus {
    fn new(prepared: Prepared) -> Self {
        let url = &prepared.url;
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Self {
            target,
            timestamp_header: HeaderName::from_static(ncp::TIMESTAMP_HEADER),
            signature_header: HeaderName::from_static(ncp::SIGNATURE_HEADER),
            prepared,
        }
    }

    fn headers(&self, timestamp_ms: u64) -> HeaderMap {
        let signature = ncp::signature(
            SECRET_KEY.as_bytes(),
            self.prepared.method.as_str(),
            &self.target,
            timestamp_ms,
            ACCESS_KEY,
        );
        let mut headers = self.prepared.headers.clone();
        headers.insert(
            self.timestamp_header.clone(),
            HeaderValue::from(timestamp_ms),
        );
        headers.insert(
            self.signature_header.clone(),
            HeaderValue::try_from(signature).expect("NCP signature header"),
        );
        headers
    }
}

/// The NCP answer, as much as the SDK's `CommonResponse` holds.
#[derive(Deserialize)]
struct NcpAnswer {
    #[serde(rename = "backupClusterConfigurationResponse")]
    response: NcpCommonResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NcpCommonResponse {
    request_id: Option<String>,
    return_code: Option<String>,
    // Parsed as the SDK's output holds it; this benchmark asserts the other two.
    #[allow(dead_code)]
    return_message: Option<String>,
}

// ---------------------------------------------------------------------------------------
// OCP: Content-MD5 of the body, `Date`, HMAC-SHA1 (`OCP-ACCESS-KEY-HMACSHA1`).

struct OcpPlus {
    prepared: Prepared,
    input: BackupNowInput,
    host: String,
    /// `content-type` (and `x-ocp-*`, none here): the headers besides `Date` the signature reads.
    signed_headers: Vec<(String, String)>,
}

impl OcpPlus {
    fn new(prepared: Prepared, captured: &Request) -> Self {
        Self {
            host: host_header(&prepared.url),
            signed_headers: signed_constant_headers(captured, |name| {
                name == "content-type" || name.starts_with(ocp::OCP_HEADER_PREFIX)
            }),
            input: BackupNowInput::vendor_sample(),
            prepared,
        }
    }

    fn headers(&self, date: String, body: &[u8]) -> HeaderMap {
        let date_value = HeaderValue::from_str(&date).expect("OCP date header");
        let mut signed = self.signed_headers.clone();
        signed.push(("date".to_owned(), date));
        let url = &self.prepared.url;
        let authorization = ocp::authorization(
            &SignableRequest {
                method: self.prepared.method.as_str(),
                path: url.path(),
                query: url.query().unwrap_or(""),
                headers: &signed,
                body,
            },
            &self.host,
            ACCESS_KEY,
            SECRET_KEY.as_bytes(),
        );
        let mut headers = self.prepared.headers.clone();
        headers.insert(DATE, date_value);
        headers.insert(
            AUTHORIZATION,
            HeaderValue::try_from(authorization).expect("OCP authorization header"),
        );
        headers
    }
}

/// `backupNow`'s body: the members the SDK call sets (`id` is in the path).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BackupNowInput {
    backup_mode: &'static str,
    data_backup_mode: &'static str,
    ob_backup_service_storage_config: BackupStorageConfig,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BackupStorageConfig {
    alarm_storage_percentage_threshold: i32,
    config_name: String,
    ob_backup_storage_base_info: BackupStorageBaseInfo,
    service_name: String,
    storage_id: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BackupStorageBaseInfo {
    backup_storage_type: &'static str,
    storage_url: String,
}

impl BackupNowInput {
    /// The input of the SDK call in `calls.rs` (the vendor sample's NFS storage, seed 002).
    fn vendor_sample() -> Self {
        Self {
            backup_mode: "PHYSICAL_BACKUP",
            data_backup_mode: "FULL_BACKUP",
            ob_backup_service_storage_config: BackupStorageConfig {
                alarm_storage_percentage_threshold: 95,
                config_name: "ycnfs223_0915".to_owned(),
                ob_backup_storage_base_info: BackupStorageBaseInfo {
                    backup_storage_type: "BACKUP_STORAGE_FILE",
                    storage_url: "/obbackup/".to_owned(),
                },
                service_name: "ycfor223".to_owned(),
                storage_id: 26,
            },
        }
    }
}

/// The OCP envelope and the members of `data` the SDK reads (`successful`, every
/// `beSuccessful`, the task ids) or returns (the objects, the task type).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OcpEnvelope {
    successful: bool,
    data: BackupCommonResponse,
    #[allow(dead_code)] // the SDK keeps it as the request id of errors
    trace_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BackupCommonResponse {
    backup_object_ops_result_list: Vec<BackupObjectOpsResult>,
    #[allow(dead_code)] // returned by the SDK, not asserted here
    ob_backup_task_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BackupObjectOpsResult {
    be_successful: bool,
    task_id_list: Vec<i64>,
    #[allow(dead_code)] // returned by the SDK, not asserted here
    ob_backup_object_list: Vec<BackupObject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // returned by the SDK, not asserted here
struct BackupObject {
    backup_dimension: String,
    cluster_id: Option<i64>,
    tenant_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------
// GES: SDK-HMAC-SHA256 over a canonical request with the body's SHA-256.

struct GesPlus {
    prepared: Prepared,
    input: CreateBackupInput,
    host: String,
    /// The signed headers besides `host` and `x-sdk-date` (`content-type`, `x-project-id`).
    signed_headers: Vec<(String, String)>,
    date_header: HeaderName,
}

impl GesPlus {
    fn new(prepared: Prepared, captured: &Request) -> Self {
        let authorization = header(captured, "authorization");
        let parsed =
            huawei::parse_authorization(authorization).expect("captured GES authorization");
        let signed: Vec<&str> = parsed.signed_header_names().collect();
        Self {
            host: host_header(&prepared.url),
            signed_headers: signed_constant_headers(captured, |name| {
                name != "host" && signed.contains(&name)
            }),
            input: CreateBackupInput {},
            date_header: HeaderName::from_static(huawei::DATE_HEADER),
            prepared,
        }
    }

    fn headers(&self, sdk_date: String, body: &[u8]) -> HeaderMap {
        let date_value = HeaderValue::from_str(&sdk_date).expect("GES date header");
        let mut signed = self.signed_headers.clone();
        signed.push((huawei::DATE_HEADER.to_owned(), sdk_date));
        let url = &self.prepared.url;
        let authorization = huawei::authorization(
            &SignableRequest {
                method: self.prepared.method.as_str(),
                path: url.path(),
                query: url.query().unwrap_or(""),
                headers: &signed,
                body,
            },
            Some(&self.host),
            ACCESS_KEY,
            SECRET_KEY.as_bytes(),
        );
        let mut headers = self.prepared.headers.clone();
        headers.insert(self.date_header.clone(), date_value);
        headers.insert(
            AUTHORIZATION,
            HeaderValue::try_from(authorization).expect("GES authorization header"),
        );
        headers
    }
}

/// The create-backup body: GES takes no member (graph and project are in the path).
#[derive(Serialize)]
struct CreateBackupInput {}

/// GES's answer, as the SDK's `CreateBackupResp` holds it.
#[derive(Deserialize)]
struct GesCreateBackupAnswer {
    job_id: String,
    #[allow(dead_code)] // returned by the SDK, not asserted here
    backup_id: Option<String>,
}
