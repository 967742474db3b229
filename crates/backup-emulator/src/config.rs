//! The emulator's configuration: credentials it accepts, the resources it knows, how long a
//! backup takes, and the faults it injects. [`Fixture`] is both the builder's state and the
//! JSON fixture file format (see the crate README).

use serde::{Deserialize, Serialize};

/// Default credentials, accepted unless a fixture or the builder replaces them. They are
/// test values, printed by the binary; never use them anywhere real.
pub mod defaults {
    /// NCP access key id.
    pub const NCP_ACCESS_KEY: &str = "EMULATORNCPACCESSKEY";
    /// NCP secret key.
    pub const NCP_SECRET_KEY: &str = "emulator-ncp-secret-key";
    /// Huawei AK.
    pub const HUAWEI_ACCESS_KEY: &str = "EMULATORHUAWEIAK";
    /// Huawei SK.
    pub const HUAWEI_SECRET_KEY: &str = "emulator-huawei-secret-key";
    /// Huawei IAM user name (password method).
    pub const HUAWEI_USER: &str = "emulator-user";
    /// Huawei IAM user password.
    pub const HUAWEI_PASSWORD: &str = "emulator-password";
    /// Huawei IAM domain (account) name.
    pub const HUAWEI_DOMAIN: &str = "emulator-domain";
    /// Huawei project name (the region) a token is scoped to.
    pub const HUAWEI_PROJECT_NAME: &str = "cn-north-4";
    /// Huawei project id.
    pub const HUAWEI_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
    /// OCP HTTP Basic user.
    pub const OCP_USER: &str = "admin";
    /// OCP HTTP Basic password.
    pub const OCP_PASSWORD: &str = "emulator-ocp-password";
    /// OCP access key id (`OCP-ACCESS-KEY-HMACSHA1`).
    pub const OCP_ACCESS_KEY_ID: &str = "EMULATOROCPAK";
    /// OCP access key secret.
    pub const OCP_ACCESS_KEY_SECRET: &str = "emulator-ocp-secret";
    /// How long a backup takes by default, in milliseconds.
    pub const BACKUP_DURATION_MS: u64 = 2_000;
    /// The default seed of the fault-injection and id generators.
    pub const SEED: u64 = 7;
}

/// The ids of the resources [`Fixture::demo`] declares.
pub mod demo {
    /// Cloud Hadoop instance number.
    pub const HADOOP_INSTANCE_NO: &str = "1000001";
    /// Cloud DB for Cache (`/vcache/v2/`) instance number.
    pub const CACHE_INSTANCE_NO: &str = "2000001";
    /// Cloud DB for Redis (`/vredis/v2/`) instance number.
    pub const REDIS_INSTANCE_NO: &str = "3000001";
    /// The system backup file of the demo cache and redis instances.
    pub const SYSTEM_BACKUP_FILE: &str = "20240702";
    /// OCP cluster id.
    pub const OCP_CLUSTER_ID: i64 = 1;
    /// OCP tenant id (in [`OCP_CLUSTER_ID`]).
    pub const OCP_TENANT_ID: i64 = 1001;
    /// GES graph id (in the default project, [`super::defaults::HUAWEI_PROJECT_ID`]).
    pub const GES_GRAPH_ID: &str = "11111111-2222-3333-4444-555555555555";
}

/// Everything the emulator is configured with. Every field has a default, so a fixture file
/// names only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fixture {
    /// Seed of the generators behind probabilistic faults and generated ids.
    pub seed: u64,
    /// How long a backup takes from creation to its end state, in milliseconds.
    pub backup_duration_ms: u64,
    /// The credentials the emulator accepts.
    pub credentials: Credentials,
    /// The resources that exist.
    pub resources: Resources,
    /// Faults to inject, checked in order.
    pub faults: Vec<FaultRule>,
    /// Token-bucket throttles.
    pub throttles: Vec<ThrottleRule>,
    /// How far the emulator's clock is from the host's, in seconds (negative: behind). It
    /// shifts everything the emulator times: signature freshness, the `Date` it sends,
    /// token expiry and backup progress. For testing clients against a server whose clock
    /// differs from theirs.
    pub clock_offset_seconds: i64,
    /// The answer to `exportBackupToObjectStorage` to a bucket not in
    /// [`Resources::buckets`]. The vendor documents that the bucket must exist (seed 001)
    /// but not the error; the default, HTTP 400 `5001017` "lookup result is 0 or already
    /// deleted" (the service's not-found code in the reference), is UNVERIFIED.
    pub missing_bucket_error: ServiceErrorSpec,
}

/// A vendor error answer: HTTP status, code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceErrorSpec {
    /// HTTP status.
    pub status: u16,
    /// The vendor's error code.
    pub code: String,
    /// The vendor's message.
    pub message: String,
}

impl Default for ServiceErrorSpec {
    /// The missing-bucket default: 400 `5001017` (UNVERIFIED, see
    /// [`Fixture::missing_bucket_error`]).
    fn default() -> Self {
        Self {
            status: 400,
            code: "5001017".into(),
            message: "lookup result is 0 or already deleted".into(),
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self {
            seed: defaults::SEED,
            backup_duration_ms: defaults::BACKUP_DURATION_MS,
            credentials: Credentials::default(),
            resources: Resources::default(),
            faults: Vec::new(),
            throttles: Vec::new(),
            missing_bucket_error: ServiceErrorSpec::default(),
            clock_offset_seconds: 0,
        }
    }
}

impl Fixture {
    /// Parses a JSON fixture.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Default credentials and one resource of every kind (ids in [`demo`]).
    pub fn demo() -> Self {
        Self {
            resources: Resources::demo(),
            ..Self::default()
        }
    }
}

/// Credentials the emulator accepts. A field left out of a fixture keeps its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Credentials {
    /// NCP API Gateway keys.
    pub ncp: Vec<KeyPair>,
    /// Huawei AK/SK pairs (`SDK-HMAC-SHA256`).
    pub huawei: Vec<KeyPair>,
    /// Huawei IAM users that may obtain tokens at `POST /v3/auth/tokens`.
    pub huawei_users: Vec<HuaweiUser>,
    /// OCP HTTP Basic users.
    pub ocp_users: Vec<UserPassword>,
    /// OCP access keys (`OCP-ACCESS-KEY-HMACSHA1`).
    pub ocp_keys: Vec<KeyPair>,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            ncp: vec![KeyPair::new(
                defaults::NCP_ACCESS_KEY,
                defaults::NCP_SECRET_KEY,
            )],
            huawei: vec![KeyPair::new(
                defaults::HUAWEI_ACCESS_KEY,
                defaults::HUAWEI_SECRET_KEY,
            )],
            huawei_users: vec![HuaweiUser {
                name: defaults::HUAWEI_USER.into(),
                password: defaults::HUAWEI_PASSWORD.into(),
                domain: defaults::HUAWEI_DOMAIN.into(),
                project_name: defaults::HUAWEI_PROJECT_NAME.into(),
                project_id: defaults::HUAWEI_PROJECT_ID.into(),
            }],
            ocp_users: vec![UserPassword {
                username: defaults::OCP_USER.into(),
                password: defaults::OCP_PASSWORD.into(),
            }],
            ocp_keys: vec![KeyPair::new(
                defaults::OCP_ACCESS_KEY_ID,
                defaults::OCP_ACCESS_KEY_SECRET,
            )],
        }
    }
}

impl Credentials {
    /// No credentials at all (every request is rejected until some are added).
    pub fn none() -> Self {
        Self {
            ncp: Vec::new(),
            huawei: Vec::new(),
            huawei_users: Vec::new(),
            ocp_users: Vec::new(),
            ocp_keys: Vec::new(),
        }
    }
}

/// An access key and its secret.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPair {
    /// The access key id.
    pub access_key: String,
    /// The secret.
    pub secret_key: String,
}

impl KeyPair {
    /// A key pair.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("access_key", &self.access_key)
            .field("secret_key", &"[redacted]")
            .finish()
    }
}

/// A user name and password (OCP Basic).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPassword {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for UserPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPassword")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// A Huawei IAM user and the one project its tokens are scoped to.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiUser {
    /// IAM user name.
    pub name: String,
    /// Password.
    pub password: String,
    /// Domain (account) name.
    pub domain: String,
    /// Project name (a region id such as `cn-north-4`).
    pub project_name: String,
    /// Project id.
    pub project_id: String,
}

impl std::fmt::Debug for HuaweiUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuaweiUser")
            .field("name", &self.name)
            .field("password", &"[redacted]")
            .field("domain", &self.domain)
            .field("project_name", &self.project_name)
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// The resources that exist in the emulated clouds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Resources {
    /// NCP Cloud Hadoop clusters.
    pub hadoop_clusters: Vec<HadoopCluster>,
    /// NCP Cloud DB for Cache instances of a DBMS other than Redis (Valkey): served by
    /// `/vcache/v2/` only.
    pub cache_instances: Vec<CacheInstance>,
    /// NCP Cloud DB for Cache instances of the Redis DBMS: served by `/vredis/v2/` and, as
    /// seed 003 says ("createCloudCacheManualBackup API: Support for Valkey and Redis
    /// DBMS"), by `/vcache/v2/` too.
    pub redis_instances: Vec<CacheInstance>,
    /// OCP clusters (with their tenants).
    pub ocp_clusters: Vec<OcpCluster>,
    /// Huawei GES graphs.
    pub ges_graphs: Vec<GesGraph>,
    /// The NCP Object Storage buckets that exist: `exportBackupToObjectStorage` to any other
    /// bucket fails with [`Fixture::missing_bucket_error`]. Defaults to [`default_buckets`].
    pub buckets: Vec<String>,
}

impl Default for Resources {
    fn default() -> Self {
        Self {
            hadoop_clusters: Vec::new(),
            cache_instances: Vec::new(),
            redis_instances: Vec::new(),
            ocp_clusters: Vec::new(),
            ges_graphs: Vec::new(),
            buckets: default_buckets(),
        }
    }
}

/// The buckets that exist unless a fixture says otherwise: the demo plan's
/// (`demo-backups`), the Hadoop clusters' default (`emulator-bucket`) and the names in the
/// vendor's examples (`cache-backup`, `redis-backup`).
pub fn default_buckets() -> Vec<String> {
    [
        "demo-backups",
        "emulator-bucket",
        "cache-backup",
        "redis-backup",
    ]
    .map(String::from)
    .to_vec()
}

impl Resources {
    /// One resource of each kind, with the ids in [`demo`].
    pub fn demo() -> Self {
        Self {
            hadoop_clusters: vec![HadoopCluster::new(demo::HADOOP_INSTANCE_NO, "demo-hadoop")],
            cache_instances: vec![
                CacheInstance::new(demo::CACHE_INSTANCE_NO, "demo-cache")
                    .with_system_backup(demo::SYSTEM_BACKUP_FILE),
            ],
            redis_instances: vec![
                CacheInstance::new(demo::REDIS_INSTANCE_NO, "demo-redis")
                    .with_system_backup(demo::SYSTEM_BACKUP_FILE),
            ],
            ocp_clusters: vec![
                OcpCluster::new(demo::OCP_CLUSTER_ID, "demo-ob")
                    .with_tenant(demo::OCP_TENANT_ID, "demo_tenant"),
            ],
            ges_graphs: vec![GesGraph::new(
                defaults::HUAWEI_PROJECT_ID,
                demo::GES_GRAPH_ID,
                "demo-graph",
            )],
            buckets: default_buckets(),
        }
    }
}

/// An NCP Cloud Hadoop cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HadoopCluster {
    /// `cloudHadoopInstanceNo`.
    pub instance_no: String,
    /// Cluster name.
    pub name: String,
    /// The Object Storage bucket configuration backups go to.
    #[serde(default = "default_bucket")]
    pub bucket: String,
    /// When set, every backup of this resource fails with this reason.
    #[serde(default)]
    pub fail_backups_with: Option<String>,
    /// What `getCloudHadoopInstanceDetail` shows while a configuration backup runs. `None`
    /// (the default): nothing, the cluster stays `CREAT`/`NULL` (`running`), because no
    /// vendor document says a configuration backup changes the cluster's state (seed 000;
    /// reference ncp-api.md §4.2, "UNVERIFIED").
    #[serde(default)]
    pub busy_during_backup: Option<ClusterOperation>,
}

/// A Cloud Hadoop operation code and status name, as the instance detail shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterOperation {
    /// `cloudHadoopInstanceOperation.code`, e.g. `SETUP`.
    pub operation: String,
    /// `cloudHadoopInstanceStatusName`, e.g. `settingUp`.
    pub status_name: String,
}

fn default_bucket() -> String {
    "emulator-bucket".into()
}

impl HadoopCluster {
    /// A cluster.
    pub fn new(instance_no: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            instance_no: instance_no.into(),
            name: name.into(),
            bucket: default_bucket(),
            fail_backups_with: None,
            busy_during_backup: None,
        }
    }

    /// Shows `operation` (e.g. `SETUP`) and `status_name` (e.g. `settingUp`) while a
    /// configuration backup of this cluster runs.
    pub fn with_busy_during_backup(
        mut self,
        operation: impl Into<String>,
        status_name: impl Into<String>,
    ) -> Self {
        self.busy_during_backup = Some(ClusterOperation {
            operation: operation.into(),
            status_name: status_name.into(),
        });
        self
    }
}

/// An NCP Cloud DB for Cache or Redis instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheInstance {
    /// `cloudCacheInstanceNo` or `cloudRedisInstanceNo`.
    pub instance_no: String,
    /// Service name.
    pub name: String,
    /// File names of existing system (automatic) backups, exportable with
    /// `backupTypeMode=SYSTEM`.
    #[serde(default)]
    pub system_backup_files: Vec<String>,
    /// When set, every manual backup of this instance fails (and never appears in a list).
    #[serde(default)]
    pub fail_backups_with: Option<String>,
}

impl CacheInstance {
    /// An instance with no system backups.
    pub fn new(instance_no: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            instance_no: instance_no.into(),
            name: name.into(),
            system_backup_files: Vec::new(),
            fail_backups_with: None,
        }
    }

    /// Adds a system backup file.
    pub fn with_system_backup(mut self, file_name: impl Into<String>) -> Self {
        self.system_backup_files.push(file_name.into());
        self
    }
}

/// An OCP cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcpCluster {
    /// The OCP cluster id (the `{id}` of the paths).
    pub id: i64,
    /// Cluster name.
    pub name: String,
    /// The OceanBase cluster id (`obClusterId`).
    #[serde(default = "default_ob_cluster_id")]
    pub ob_cluster_id: i64,
    /// Tenants.
    #[serde(default)]
    pub tenants: Vec<OcpTenant>,
    /// The configured backup strategy; `None` makes `GET .../backupStrategy` answer 404.
    #[serde(default = "default_strategy")]
    pub backup_strategy: Option<BackupStrategy>,
    /// When set, every backup task of this cluster fails at its last subtask with this reason.
    #[serde(default)]
    pub fail_backups_with: Option<String>,
    /// When set, OCP refuses every backupNow of this cluster and of its tenants: the answer
    /// is `200`, `successful: true`, with a result saying `beSuccessful: false` and this
    /// error code and hint (seed 002's `BackupCommonResponse`), and no task is started.
    #[serde(default)]
    pub refuse_backups_with: Option<OcpRefusal>,
}

/// Why OCP refuses a backup: what a `beSuccessful: false` result carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcpRefusal {
    /// `errorCode` (its shape is undocumented, "Object": any JSON value is sent as is).
    #[serde(default)]
    pub error_code: serde_json::Value,
    /// `hint`.
    pub hint: String,
}

impl OcpRefusal {
    /// A refusal with `error_code` and `hint`.
    pub fn new(error_code: impl Into<serde_json::Value>, hint: impl Into<String>) -> Self {
        Self {
            error_code: error_code.into(),
            hint: hint.into(),
        }
    }
}

fn default_ob_cluster_id() -> i64 {
    1_000_005
}

fn default_strategy() -> Option<BackupStrategy> {
    Some(BackupStrategy::default())
}

impl OcpCluster {
    /// A cluster with no tenants and the default backup strategy.
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            ob_cluster_id: default_ob_cluster_id(),
            tenants: Vec::new(),
            backup_strategy: default_strategy(),
            fail_backups_with: None,
            refuse_backups_with: None,
        }
    }

    /// Makes OCP refuse every backupNow of this cluster and its tenants
    /// ([`OcpCluster::refuse_backups_with`]).
    pub fn refusing_backups(mut self, refusal: OcpRefusal) -> Self {
        self.refuse_backups_with = Some(refusal);
        self
    }

    /// Adds a tenant.
    pub fn with_tenant(mut self, id: i64, name: impl Into<String>) -> Self {
        self.tenants.push(OcpTenant {
            id,
            name: name.into(),
        });
        self
    }
}

/// An OCP tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcpTenant {
    /// Tenant id.
    pub id: i64,
    /// Tenant name.
    pub name: String,
}

/// The backup strategy of an OCP cluster, as `GET .../backup/config/backupStrategy` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupStrategy {
    /// `LOGICAL_BACKUP` or `PHYSICAL_BACKUP`.
    pub backup_mode: String,
    /// Storage configuration name.
    pub config_name: String,
    /// Storage configuration id.
    pub storage_id: i64,
    /// `BACKUP_STORAGE_FILE`, `_OSS`, `_COS` or `_S3`.
    pub storage_type: String,
    /// Storage URL.
    pub storage_url: String,
    /// Backup service name.
    pub service_name: String,
}

impl Default for BackupStrategy {
    fn default() -> Self {
        Self {
            backup_mode: "PHYSICAL_BACKUP".into(),
            config_name: "emulator_storage".into(),
            storage_id: 26,
            storage_type: "BACKUP_STORAGE_FILE".into(),
            storage_url: "/obbackup/".into(),
            service_name: "OB".into(),
        }
    }
}

/// A Huawei GES graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GesGraph {
    /// The project the graph belongs to.
    pub project_id: String,
    /// Graph id.
    pub graph_id: String,
    /// Graph name.
    pub name: String,
    /// How many backups the graph may hold before `GES.7019`.
    #[serde(default = "default_max_backups")]
    pub max_backups: u32,
    /// When set, every backup job of this graph fails with this reason.
    #[serde(default)]
    pub fail_backups_with: Option<String>,
}

fn default_max_backups() -> u32 {
    100
}

impl GesGraph {
    /// A graph.
    pub fn new(
        project_id: impl Into<String>,
        graph_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            project_id: project_id.into(),
            graph_id: graph_id.into(),
            name: name.into(),
            max_backups: default_max_backups(),
            fail_backups_with: None,
        }
    }
}

/// A fault injected into the requests of one operation (or `"*"`, all operations).
///
/// With neither `times` nor `probability` the fault fires on every matching request; with
/// `times`, on the first `times` matching requests; with `probability`, on each matching
/// request with that probability (seeded, so a run repeats); with both, with that probability
/// until it has fired `times` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// An operation name (see [`crate::ops`]) or `"*"`.
    pub operation: String,
    /// What happens.
    pub fault: Fault,
    /// Fire at most this many times.
    #[serde(default)]
    pub times: Option<u32>,
    /// Fire with this probability (0.0 to 1.0).
    #[serde(default)]
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule that fires on every request of `operation`.
    pub fn new(operation: impl Into<String>, fault: Fault) -> Self {
        Self {
            operation: operation.into(),
            fault,
            times: None,
            probability: None,
        }
    }

    /// Fire at most `times` times.
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Fire with `probability`.
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = Some(probability);
        self
    }
}

/// What an injected fault does. Written in a fixture as an object with a `type` tag, e.g.
/// `{"type": "close_connection", "after_processing": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with the vendor's error body for `code` and `message`, with HTTP `status`; the
    /// operation is not performed. (NCP: a code of up to three digits is a gateway error
    /// `{"error":{...}}`, a longer one a service `responseError`.)
    Error {
        /// HTTP status.
        status: u16,
        /// The vendor error code.
        code: String,
        /// The vendor error message.
        message: String,
    },
    /// Wait this long before handling the request (combines with other faults). The request
    /// is handled even if the client has given up meanwhile.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Read the request, then close the connection without answering. With
    /// `after_processing`, the operation is performed first (a backup is created), so the
    /// caller cannot know which happened.
    CloseConnection {
        /// Perform the operation before closing.
        #[serde(default)]
        after_processing: bool,
    },
    /// Perform the operation, then answer 200 with a body that is not valid JSON or XML.
    MalformedBody,
    /// Perform the operation, then answer with the first half of the real body (with a
    /// matching `Content-Length`).
    TruncatedBody,
    /// Answer with an HTML error page, as a proxy in front of the API would; not performed.
    HtmlPage {
        /// HTTP status (502 by default).
        #[serde(default = "default_html_status")]
        status: u16,
    },
    /// On `exportBackupToObjectStorage` or `backupClusterConfiguration`: the operation
    /// succeeds, but its object never appears in the bucket.
    ObjectNeverAppears,
    /// On `exportBackupToObjectStorage` or `backupClusterConfiguration`: the operation
    /// succeeds and its object appears after the backup duration, but empty (size 0).
    ObjectEmpty,
    /// On `exportBackupToObjectStorage` or `backupClusterConfiguration`: the operation
    /// succeeds, but Object Storage then answers `NoSuchBucket` for its bucket (as if it
    /// were deleted meanwhile).
    BucketMissing,
}

impl Fault {
    /// The object fault this is, if any.
    pub(crate) fn object_fault(&self) -> Option<ObjectFault> {
        match self {
            Fault::ObjectNeverAppears => Some(ObjectFault::NeverAppears),
            Fault::ObjectEmpty => Some(ObjectFault::Empty),
            Fault::BucketMissing => Some(ObjectFault::BucketMissing),
            _ => None,
        }
    }
}

/// What happens to the object a backup writes to Object Storage (from a [`Fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectFault {
    NeverAppears,
    Empty,
    BucketMissing,
}

/// Where Hadoop configuration backups are written in the cluster's bucket:
/// `{HADOOP_CONFIG_PREFIX}{cluster name}/{YYYYMMDDHHMMSS}/` (UTC, the time of the call),
/// holding [`HADOOP_CONFIG_FILES`]. UNVERIFIED: no vendor document names the objects
/// `backupClusterConfiguration` writes.
pub const HADOOP_CONFIG_PREFIX: &str = "cluster-configuration-backup/";

/// The objects of one Hadoop configuration backup (UNVERIFIED, see
/// [`HADOOP_CONFIG_PREFIX`]).
pub const HADOOP_CONFIG_FILES: [&str; 2] = ["cluster-settings.tar.gz", "client-settings.tar.gz"];

fn default_html_status() -> u16 {
    502
}

/// A token-bucket throttle over one operation (or `"*"`: one bucket shared by every
/// operation). A request finding the bucket empty gets the vendor's 429.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleRule {
    /// An operation name (see [`crate::ops`]) or `"*"`.
    pub operation: String,
    /// Bucket size (requests allowed in a burst).
    pub capacity: u32,
    /// Tokens added per second.
    pub refill_per_second: f64,
    /// The `Retry-After` (NCP, GES) or `RateLimit-Reset` (OCP) value, in seconds.
    #[serde(default = "default_retry_after")]
    pub retry_after_seconds: u64,
}

fn default_retry_after() -> u64 {
    1
}

impl ThrottleRule {
    /// A throttle with a one-second `Retry-After`.
    pub fn new(operation: impl Into<String>, capacity: u32, refill_per_second: f64) -> Self {
        Self {
            operation: operation.into(),
            capacity,
            refill_per_second,
            retry_after_seconds: default_retry_after(),
        }
    }
}
