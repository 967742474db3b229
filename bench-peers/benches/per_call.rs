//! Per-call cost of each vendor's backup-creating call next to the raw-reqwest floor, in one
//! run against one loopback server (issue 15).
//!
//! The server answers every request at once with the vendor's canned success body, so what
//! differs between a vendor call and its floor is the client: validation, signing, the
//! request built from the description, the classification and parsing of the answer. The
//! floor is a plain `reqwest::Client` (the version and features backup-core uses) sending the
//! same method, path and body with precomputed headers and reading the body.
//!
//! ```sh
//! cd bench-peers
//! cargo bench --bench per_call -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! `sequential/*` is one call at a time; `fanout_c64/*` and `fanout_c256/*` time 10,000
//! calls through one shared client at that concurrency (one sample = 10,000 calls).

use std::sync::Arc;
use std::time::{Duration, Instant};

use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const GRAPH: &str = "11111111-2222-3333-4444-555555555555";

const NCP_BODY: &str = r#"{"backupClusterConfigurationResponse":{"requestId":"0c4e5bd2-6d5f-4b0e-9c3a-2f1c9a1d6b7e","returnCode":"0","returnMessage":"success"}}"#;
const OCP_BODY: &str = r#"{"data":{"backupObjectOpsResultList":[{"beSuccessful":true,"obBackupObjectList":[{"backupDimension":"CLUSTER","clusterId":1}],"taskIdList":[3000041]}],"obBackupTaskType":"DATA_BACKUP_NOW"},"duration":51,"server":"a83ad33525","status":200,"successful":true,"timestamp":"2021-09-07T14:51:41.135+08:00","traceId":"5962f337662d4043"}"#;
const GES_BODY: &str = r#"{"job_id":"ff8080816025a0a1016025a5a2700007","backup_id":"ada3e720-ab91-4cc2-a5b6-aa7fb8b9cfc2"}"#;

/// The canned answer for a request path.
fn answer(path: &str) -> &'static str {
    if path.starts_with("/vhadoop/") {
        NCP_BODY
    } else if path.starts_with("/api/v2/ob/") {
        OCP_BODY
    } else {
        GES_BODY
    }
}

/// A keep-alive HTTP/1.1 server on its own thread and runtime; returns its base URL.
fn start_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                stream.set_nodelay(true).ok();
                tokio::spawn(serve(stream));
            }
        });
    });
    let addr = rx.recv().expect("server address");
    format!("http://{addr}")
}

async fn serve(mut stream: tokio::net::TcpStream) {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Read until the end of the headers, then the body its content-length names.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        buf.drain(..head_end + length);
        let body = answer(&path);
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// One vendor's create call and its floor.
#[derive(Clone)]
struct Clients {
    hadoop: ncp_vhadoop::Client,
    ocp: ocp_ob_backup::Client,
    ges: hw_ges_backup::Client,
    storage: ocp_ob_backup::BackupStorageConfig,
    /// The body the OCP call sends, taken from its `to_request()`, for the floor to send.
    ocp_body: &'static str,
    floor: reqwest::Client,
    base: Arc<str>,
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

impl Clients {
    fn new(base: &str) -> Self {
        let mut clients = Self {
            hadoop: ncp_vhadoop::Client::builder()
                .endpoint(base)
                .credentials(NcpCredentials::new("AKIDEXAMPLE", "secret-example"))
                .build()
                .expect("ncp client"),
            ocp: ocp_ob_backup::Client::builder()
                .endpoint(base)
                .credentials(OcpCredentials::access_key("AKIDEXAMPLE", "secret-example"))
                .build()
                .expect("ocp client"),
            ges: hw_ges_backup::Client::builder()
                .endpoint(base)
                .project_id(PROJECT)
                .credentials(HuaweiCredentials::new("AKIDEXAMPLE", "secret-example"))
                .build()
                .expect("ges client"),
            storage: storage(),
            ocp_body: "",
            floor: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("floor client"),
            base: Arc::from(base),
        };
        let prepared = clients
            .ocp
            .backup_now()
            .id(1)
            .backup_mode(ocp_ob_backup::BackupMode::PhysicalBackup)
            .data_backup_mode(ocp_ob_backup::DataBackupMode::FullBackup)
            .ob_backup_service_storage_config(clients.storage.clone())
            .to_request()
            .expect("ocp request");
        clients.ocp_body = Box::leak(prepared.body.into_boxed_str());
        clients
    }

    async fn ncp(&self) {
        let out = self
            .hadoop
            .backup_cluster_configuration()
            .cloud_hadoop_instance_no("1000001")
            .send()
            .await
            .expect("ncp create");
        assert!(out.request_id.is_some());
    }

    async fn ocp(&self) {
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

    async fn ges(&self) {
        let out = self
            .ges
            .create_backup()
            .graph_id(GRAPH)
            .send()
            .await
            .expect("ges create");
        assert!(!out.job_id.is_empty());
    }

    /// The floor: the same method, path and body, headers precomputed, body read.
    async fn raw(&self, path: &str, content_type: &str, body: &'static str) {
        let response = self
            .floor
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .header("authorization", "precomputed")
            .header("x-sdk-date", "20240101T000000Z")
            .body(body)
            .send()
            .await
            .expect("floor send");
        let bytes = response.bytes().await.expect("floor body");
        assert!(!bytes.is_empty());
    }

    async fn ncp_floor(&self) {
        self.raw(
            "/vhadoop/v2/backupClusterConfiguration",
            "application/x-www-form-urlencoded",
            "cloudHadoopInstanceNo=1000001&responseFormatType=json",
        )
        .await;
    }

    async fn ocp_floor(&self) {
        self.raw(
            "/api/v2/ob/clusters/1/backup/backupNow",
            "application/json",
            self.ocp_body,
        )
        .await;
    }

    async fn ges_floor(&self) {
        self.raw(
            "/v2/0123456789abcdef0123456789abcdef/graphs/11111111-2222-3333-4444-555555555555/backups",
            "application/json",
            "{}",
        )
        .await;
    }

    async fn call(&self, which: Which) {
        match which {
            Which::NcpFloor => self.ncp_floor().await,
            Which::Ncp => self.ncp().await,
            Which::OcpFloor => self.ocp_floor().await,
            Which::Ocp => self.ocp().await,
            Which::GesFloor => self.ges_floor().await,
            Which::Ges => self.ges().await,
        }
    }
}

#[derive(Clone, Copy)]
enum Which {
    NcpFloor,
    Ncp,
    OcpFloor,
    Ocp,
    GesFloor,
    Ges,
}

const ALL: [(&str, Which); 6] = [
    ("ncp_floor", Which::NcpFloor),
    ("ncp_vhadoop_backup_cluster_configuration", Which::Ncp),
    ("ocp_floor", Which::OcpFloor),
    ("ocp_backup_now", Which::Ocp),
    ("ges_floor", Which::GesFloor),
    ("ges_create_backup", Which::Ges),
];

fn bench(c: &mut Criterion) {
    let base = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let clients = rt.block_on(async { Clients::new(&base) });

    let mut sequential = c.benchmark_group("sequential");
    for (name, which) in ALL {
        sequential.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        clients.call(which).await;
                    }
                    start.elapsed()
                })
            })
        });
    }
    sequential.finish();

    for concurrency in [64usize, 256] {
        let mut group = c.benchmark_group(format!("fanout_c{concurrency}"));
        group.sample_size(10);
        for (name, which) in ALL {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            total += fan_out(&clients, which, concurrency, 10_000).await;
                        }
                        total
                    })
                })
            });
        }
        group.finish();
    }
}

/// Times `calls` calls with at most `concurrency` in flight through one shared client.
async fn fan_out(clients: &Clients, which: Which, concurrency: usize, calls: usize) -> Duration {
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    for _ in 0..calls {
        let permit = permits.clone().acquire_owned().await.expect("semaphore");
        let clients = clients.clone();
        tasks.spawn(async move {
            clients.call(which).await;
            drop(permit);
        });
    }
    while tasks.join_next().await.is_some() {}
    start.elapsed()
}

criterion_group!(benches, bench);
criterion_main!(benches);
