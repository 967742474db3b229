//! The calls measured, and the clients that make them.
//!
//! Every SDK call has a floor: a plain `reqwest::Client` (the version and features
//! backup-core uses) sending the very request the SDK sends, captured once off the wire at
//! start-up (same method, target, headers and body; only `host` and `content-length` are
//! left to reqwest, which writes the same values), with everything precomputed: URL parsed,
//! headers built, body in memory. The floor checks the status and reads the body; the SDK
//! call additionally validates its input, signs, classifies and parses the answer. The
//! server gives both the same response bytes.
//!
//! Between the two, each vendor call has a "floor plus required work" (`*_floor_plus`, see
//! `src/floor_plus.rs`): the floor's request, but timed, serialized, signed and parsed per
//! call as any correct client of the vendor must, so that the SDK's distance to the floor
//! splits into the vendor's required work and the SDK's own overhead.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::canned::{self, Request, S3_BUCKET, S3_ETAG, S3_KEY, S3_OBJECT};
use crate::floor_plus::{FloorPlus, TIME_DEPENDENT};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const GRAPH: &str = "11111111-2222-3333-4444-555555555555";
/// The access key every client signs with.
pub(crate) const ACCESS_KEY: &str = "AKIDEXAMPLE";
/// The secret key every client signs with.
pub(crate) const SECRET_KEY: &str = "secret-example";

/// One kind of call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    /// Raw reqwest, NCP's request bytes.
    NcpFloor,
    /// The NCP floor, timed, signed and parsed per call.
    NcpFloorPlus,
    /// ncp-vhadoop `backupClusterConfiguration`.
    Ncp,
    /// Raw reqwest, OCP's request bytes.
    OcpFloor,
    /// The OCP floor, timed, serialized, signed and parsed per call.
    OcpFloorPlus,
    /// ocp-ob-backup `backupNow`.
    Ocp,
    /// Raw reqwest, GES's request bytes.
    GesFloor,
    /// The GES floor, timed, serialized, signed and parsed per call.
    GesFloorPlus,
    /// hw-ges-backup create backup.
    Ges,
    /// Raw reqwest, aws-sdk-s3 `PutObject`'s request bytes.
    S3PutFloor,
    /// aws-sdk-s3 `PutObject`.
    S3Put,
    /// Raw reqwest, aws-sdk-s3 `HeadObject`'s request bytes.
    S3HeadFloor,
    /// aws-sdk-s3 `HeadObject`.
    S3Head,
}

/// Every call, floors next to their subjects.
pub const ALL: [Call; 13] = [
    Call::NcpFloor,
    Call::NcpFloorPlus,
    Call::Ncp,
    Call::OcpFloor,
    Call::OcpFloorPlus,
    Call::Ocp,
    Call::GesFloor,
    Call::GesFloorPlus,
    Call::Ges,
    Call::S3PutFloor,
    Call::S3Put,
    Call::S3HeadFloor,
    Call::S3Head,
];

/// The calls with a floor: (row label, floor, subject).
pub const PAIRS: [(&str, Call, Call); 5] = [
    (
        "NCP `backupClusterConfiguration`",
        Call::NcpFloor,
        Call::Ncp,
    ),
    ("OCP `backupNow`", Call::OcpFloor, Call::Ocp),
    ("GES create backup", Call::GesFloor, Call::Ges),
    ("aws-sdk-s3 `PutObject`", Call::S3PutFloor, Call::S3Put),
    ("aws-sdk-s3 `HeadObject`", Call::S3HeadFloor, Call::S3Head),
];

/// The vendor calls with a floor plus required work: (row label, floor, floor plus
/// required work, subject); the first three rows of `PAIRS`, in the same order.
pub const FLOOR_PLUS: [(&str, Call, Call, Call); 3] = [
    (
        "NCP `backupClusterConfiguration`",
        Call::NcpFloor,
        Call::NcpFloorPlus,
        Call::Ncp,
    ),
    (
        "OCP `backupNow`",
        Call::OcpFloor,
        Call::OcpFloorPlus,
        Call::Ocp,
    ),
    (
        "GES create backup",
        Call::GesFloor,
        Call::GesFloorPlus,
        Call::Ges,
    ),
];

impl Call {
    /// The benchmark id (kept from the first per_call bench for the vendor calls).
    pub fn name(self) -> &'static str {
        match self {
            Call::NcpFloor => "ncp_floor",
            Call::NcpFloorPlus => "ncp_floor_plus",
            Call::Ncp => "ncp_vhadoop_backup_cluster_configuration",
            Call::OcpFloor => "ocp_floor",
            Call::OcpFloorPlus => "ocp_floor_plus",
            Call::Ocp => "ocp_backup_now",
            Call::GesFloor => "ges_floor",
            Call::GesFloorPlus => "ges_floor_plus",
            Call::Ges => "ges_create_backup",
            Call::S3PutFloor => "s3_put_floor",
            Call::S3Put => "s3_put_object",
            Call::S3HeadFloor => "s3_head_floor",
            Call::S3Head => "s3_head_object",
        }
    }

    /// The call named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        ALL.into_iter().find(|call| call.name() == name)
    }

    fn is_floor(self) -> bool {
        matches!(
            self,
            Call::NcpFloor | Call::OcpFloor | Call::GesFloor | Call::S3PutFloor | Call::S3HeadFloor
        )
    }

    fn is_floor_plus(self) -> bool {
        matches!(
            self,
            Call::NcpFloorPlus | Call::OcpFloorPlus | Call::GesFloorPlus
        )
    }
}

/// The SDK clients (ours and aws-sdk-s3) for one base URL.
struct Sdk {
    hadoop: ncp_vhadoop::Client,
    ocp: ocp_ob_backup::Client,
    ges: hw_ges_backup::Client,
    s3: aws_sdk_s3::Client,
    storage: ocp_ob_backup::BackupStorageConfig,
}

/// The vendor sample's NFS storage (seed 002).
fn storage() -> ocp_ob_backup::BackupStorageConfig {
    use ocp_ob_backup::{BackupStorageBaseInfo, BackupStorageConfig, BackupStorageType};
    BackupStorageConfig::builder()
        .alarm_storage_percentage_threshold(95)
        .config_name("ycnfs223_0915")
        .ob_backup_storage_base_info(
            BackupStorageBaseInfo::builder()
                .backup_storage_type(BackupStorageType::BackupStorageFile)
                .storage_url("/obbackup/")
                .build()
                .expect("storage base info"),
        )
        .service_name("ycfor223")
        .storage_id(26)
        .build()
        .expect("storage")
}

impl Sdk {
    fn new(base: &str) -> Self {
        let s3_config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                ACCESS_KEY,
                SECRET_KEY,
                None,
                None,
                "bench-peers",
            ))
            .endpoint_url(base)
            .force_path_style(true)
            .build();
        Self {
            hadoop: ncp_vhadoop::Client::builder()
                .endpoint(base)
                .credentials(NcpCredentials::new(ACCESS_KEY, SECRET_KEY))
                .build()
                .expect("ncp client"),
            ocp: ocp_ob_backup::Client::builder()
                .endpoint(base)
                .credentials(OcpCredentials::access_key(ACCESS_KEY, SECRET_KEY))
                .build()
                .expect("ocp client"),
            ges: hw_ges_backup::Client::builder()
                .endpoint(base)
                .project_id(PROJECT)
                .credentials(HuaweiCredentials::new(ACCESS_KEY, SECRET_KEY))
                .build()
                .expect("ges client"),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            storage: storage(),
        }
    }

    async fn call(&self, call: Call) {
        match call {
            Call::Ncp => {
                let out = self
                    .hadoop
                    .backup_cluster_configuration()
                    .cloud_hadoop_instance_no("1000001")
                    .send()
                    .await
                    .expect("ncp create");
                assert!(out.request_id.is_some());
            }
            Call::Ocp => {
                let out = self
                    .ocp
                    .backup_now()
                    .id(1)
                    .backup_mode(ocp_ob_backup::BackupMode::PhysicalBackup)
                    .data_backup_mode(ocp_ob_backup::DataBackupMode::FullBackup)
                    .ob_backup_service_storage_config(self.storage.clone())
                    .send()
                    .await
                    .expect("ocp create");
                assert_eq!(out.task_ids().len(), 1);
            }
            Call::Ges => {
                let out = self
                    .ges
                    .create_backup()
                    .graph_id(GRAPH)
                    .send()
                    .await
                    .expect("ges create");
                assert!(!out.job_id.is_empty());
            }
            Call::S3Put => {
                let out = self
                    .s3
                    .put_object()
                    .bucket(S3_BUCKET)
                    .key(S3_KEY)
                    .body(ByteStream::from_static(S3_OBJECT))
                    .send()
                    .await
                    .expect("s3 put");
                assert_eq!(out.e_tag(), Some(S3_ETAG));
            }
            Call::S3Head => {
                let out = self
                    .s3
                    .head_object()
                    .bucket(S3_BUCKET)
                    .key(S3_KEY)
                    .send()
                    .await
                    .expect("s3 head");
                assert_eq!(out.content_length(), Some(S3_OBJECT.len() as i64));
            }
            other => unreachable!("{other:?} is not an SDK call"),
        }
    }
}

/// A request the floor sends, everything precomputed.
pub(crate) struct Prepared {
    pub(crate) method: reqwest::Method,
    pub(crate) url: reqwest::Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: &'static [u8],
}

impl Prepared {
    pub(crate) fn from_captured(request: Request, base: &str) -> Self {
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            // reqwest writes these itself, with the same values for the same URL and body.
            if matches!(
                name.as_str(),
                "host" | "content-length" | "transfer-encoding" | "connection"
            ) {
                continue;
            }
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("captured header name"),
                HeaderValue::from_str(value).expect("captured header value"),
            );
        }
        Self {
            method: reqwest::Method::from_bytes(request.method.as_bytes()).expect("method"),
            url: format!("{base}{}", request.target)
                .parse()
                .expect("captured target"),
            headers,
            body: Box::leak(request.body.into_boxed_slice()),
        }
    }
}

struct Inner {
    sdk: Sdk,
    floor: reqwest::Client,
    /// Indexed like `PAIRS`.
    prepared: Vec<Prepared>,
    floor_plus: FloorPlus,
}

/// Every client, for one server; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Clients(Arc<Inner>);

impl Clients {
    /// Clients for the server at `base`. Must run inside a tokio runtime: the floor requests
    /// are captured from one SDK call each, made to a listener of this process.
    pub async fn new(base: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("capture bind");
        let capture_base = format!("http://{}", listener.local_addr().expect("capture addr"));
        let (captured_tx, mut captured_rx) = mpsc::unbounded_channel();
        let capturing = tokio::spawn(async move {
            // At most one connection per client (keep-alive), five SDK calls in all.
            while let Ok((mut stream, _)) = listener.accept().await {
                let captured_tx = captured_tx.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    while let Ok(Some(request)) = canned::read_request(&mut stream, &mut buf).await
                    {
                        let response = canned::response_for(&request);
                        captured_tx.send(request).ok();
                        use tokio::io::AsyncWriteExt;
                        if stream.write_all(&response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let capture_sdk = Sdk::new(&capture_base);
        let mut captured = Vec::new();
        for (_, _, subject) in PAIRS {
            capture_sdk.call(subject).await;
            captured.push(captured_rx.recv().await.expect("captured request"));
        }
        let floor = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("floor client");

        let [ncp, ocp, ges, ..] = captured.as_slice() else {
            unreachable!("one captured request per pair");
        };
        let vendors = [ncp, ocp, ges];
        // The floor plus required work sends the SDK's request: checked off the wire, once.
        let capture_floor_plus = FloorPlus::new(vendors, &capture_base);
        capture_floor_plus.assert_signs_like_the_sdk(vendors);
        for ((_, _, floor_plus, _), sdk_request) in FLOOR_PLUS.into_iter().zip(vendors) {
            capture_floor_plus.call(&floor, floor_plus).await;
            let request = captured_rx
                .recv()
                .await
                .expect("captured floor-plus request");
            assert_same_but_time(&request, sdk_request, floor_plus);
        }
        capturing.abort();

        Self(Arc::new(Inner {
            sdk: Sdk::new(base),
            floor,
            floor_plus: FloorPlus::new(vendors, base),
            prepared: captured
                .into_iter()
                .map(|request| Prepared::from_captured(request, base))
                .collect(),
        }))
    }

    /// Makes one call and checks its answer.
    pub async fn call(&self, call: Call) {
        if call.is_floor_plus() {
            return self.0.floor_plus.call(&self.0.floor, call).await;
        }
        if !call.is_floor() {
            return self.0.sdk.call(call).await;
        }
        let index = PAIRS
            .iter()
            .position(|(_, floor, _)| *floor == call)
            .expect("a floor call");
        let request = &self.0.prepared[index];
        let response = self
            .0
            .floor
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone())
            .body(request.body)
            .send()
            .await
            .expect("floor send");
        assert!(
            response.status().is_success(),
            "floor {call:?}: {}",
            response.status()
        );
        let body = response.bytes().await.expect("floor body");
        if request.method != reqwest::Method::HEAD && call != Call::S3PutFloor {
            assert!(!body.is_empty());
        }
    }

    /// The request the floor of `call` sends (for checking that floor and SDK match).
    pub fn floor_request_summary(&self, call: Call) -> Option<String> {
        let index = PAIRS.iter().position(|(_, floor, _)| *floor == call)?;
        let request = &self.0.prepared[index];
        Some(format!(
            "{} {} ({} headers, {} body bytes)",
            request.method,
            request.url.path(),
            request.headers.len(),
            request.body.len()
        ))
    }
}

/// Checks that the floor-plus request of `call` is the SDK's request but for the headers
/// that carry the time or depend on it (which must still be there, under the same names).
fn assert_same_but_time(floor_plus: &Request, sdk: &Request, call: Call) {
    assert_eq!(
        (&floor_plus.method, &floor_plus.target),
        (&sdk.method, &sdk.target),
        "{call:?}"
    );
    assert_eq!(floor_plus.body, sdk.body, "{call:?}: body");
    let comparable = |request: &Request| {
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if TIME_DEPENDENT.contains(&name.as_str()) {
                    "(time-dependent)".to_owned()
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(comparable(floor_plus), comparable(sdk), "{call:?}: headers");
}

/// Makes `calls` calls of one kind through one shared client, with `concurrency` tasks
/// each taking the next call until all are done (exactly `concurrency` in flight, no
/// per-call spawn, no finished tasks piling up).
pub async fn fan_out(clients: &Clients, call: Call, concurrency: usize, calls: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let clients = clients.clone();
        let next = next.clone();
        workers.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                clients.call(call).await;
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.expect("fan-out worker");
    }
}

/// The client runtime every measurement uses: one worker thread (the server has the other
/// core), with the IO and time drivers.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime")
}
