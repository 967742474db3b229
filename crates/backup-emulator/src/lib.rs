#![doc = include_str!("../README.md")]

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use backup_core::clock::{Clock, SystemClock};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

mod auth;
mod banner;
pub mod config;
mod ges;
mod ncp;
mod obs;
mod ocp;
pub mod ops;
mod reply;
mod routes;
mod server;
mod sigv4;
mod state;
mod vendor;

pub use config::{
    BackupStrategy, CacheInstance, ClusterOperation, Credentials, Fault, FaultRule, Fixture,
    GesGraph, HADOOP_CONFIG_FILES, HADOOP_CONFIG_PREFIX, HadoopCluster, HuaweiUser, KeyPair,
    OcpCluster, OcpRefusal, OcpTenant, Resources, ServiceErrorSpec, ThrottleRule, UserPassword,
};
pub use obs::PATH_PREFIX as OBJECT_STORAGE_PATH;
pub use state::Counters;

/// Entry point: `Emulator::builder()…start().await`.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// A builder with the default credentials ([`config::defaults`]) and no resources but
    /// the default buckets ([`config::default_buckets`]).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            fixture: Fixture::default(),
            clock: Arc::new(SystemClock),
            port: 0,
        }
    }

    /// A builder with the default credentials and the demo resources ([`config::demo`]).
    pub fn demo() -> EmulatorBuilder {
        Self::builder().fixture(Fixture::demo())
    }
}

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    fixture: Fixture,
    clock: Arc<dyn Clock>,
    port: u16,
}

impl EmulatorBuilder {
    /// Replaces the whole configuration.
    pub fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = fixture;
        self
    }

    /// Replaces the whole configuration with a JSON fixture (see the README).
    pub fn fixture_json(self, json: &str) -> Result<Self, serde_json::Error> {
        Ok(self.fixture(Fixture::from_json(json)?))
    }

    /// Adds the demo resources ([`config::demo`]).
    pub fn demo_resources(mut self) -> Self {
        let demo = Resources::demo();
        let r = &mut self.fixture.resources;
        r.hadoop_clusters.extend(demo.hadoop_clusters);
        r.cache_instances.extend(demo.cache_instances);
        r.redis_instances.extend(demo.redis_instances);
        r.ocp_clusters.extend(demo.ocp_clusters);
        r.ges_graphs.extend(demo.ges_graphs);
        for bucket in demo.buckets {
            if !r.buckets.contains(&bucket) {
                r.buckets.push(bucket);
            }
        }
        self
    }

    /// The loopback port to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The clock used for signature freshness, token expiry, throttle refill and backup
    /// progress (the system clock by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Shifts the emulator's clock by `seconds` (negative: behind) from its
    /// [clock](Self::clock): see [`Fixture::clock_offset_seconds`].
    pub fn clock_offset_seconds(mut self, seconds: i64) -> Self {
        self.fixture.clock_offset_seconds = seconds;
        self
    }

    /// Seed of the fault-probability and id generators.
    pub fn seed(mut self, seed: u64) -> Self {
        self.fixture.seed = seed;
        self
    }

    /// How long a backup takes to reach its end state.
    pub fn backup_duration(mut self, duration: Duration) -> Self {
        self.fixture.backup_duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Replaces all accepted credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.fixture.credentials = credentials;
        self
    }

    /// Also accepts this NCP key.
    pub fn ncp_key(mut self, access_key: &str, secret_key: &str) -> Self {
        self.fixture
            .credentials
            .ncp
            .push(KeyPair::new(access_key, secret_key));
        self
    }

    /// Also accepts this Huawei AK/SK.
    pub fn huawei_key(mut self, access_key: &str, secret_key: &str) -> Self {
        self.fixture
            .credentials
            .huawei
            .push(KeyPair::new(access_key, secret_key));
        self
    }

    /// Also accepts this Huawei IAM user.
    pub fn huawei_user(mut self, user: HuaweiUser) -> Self {
        self.fixture.credentials.huawei_users.push(user);
        self
    }

    /// Also accepts this OCP Basic user.
    pub fn ocp_user(mut self, username: &str, password: &str) -> Self {
        self.fixture.credentials.ocp_users.push(UserPassword {
            username: username.into(),
            password: password.into(),
        });
        self
    }

    /// Also accepts this OCP access key.
    pub fn ocp_key(mut self, access_key_id: &str, secret: &str) -> Self {
        self.fixture
            .credentials
            .ocp_keys
            .push(KeyPair::new(access_key_id, secret));
        self
    }

    /// Adds a Cloud Hadoop cluster.
    pub fn hadoop_cluster(mut self, cluster: HadoopCluster) -> Self {
        self.fixture.resources.hadoop_clusters.push(cluster);
        self
    }

    /// Adds a Cloud DB for Cache instance (`/vcache/v2/`).
    pub fn cache_instance(mut self, instance: CacheInstance) -> Self {
        self.fixture.resources.cache_instances.push(instance);
        self
    }

    /// Adds a Cloud DB for Redis instance (`/vredis/v2/`).
    pub fn redis_instance(mut self, instance: CacheInstance) -> Self {
        self.fixture.resources.redis_instances.push(instance);
        self
    }

    /// Adds an OCP cluster.
    pub fn ocp_cluster(mut self, cluster: OcpCluster) -> Self {
        self.fixture.resources.ocp_clusters.push(cluster);
        self
    }

    /// Adds a GES graph.
    pub fn ges_graph(mut self, graph: GesGraph) -> Self {
        self.fixture.resources.ges_graphs.push(graph);
        self
    }

    /// Adds a fault rule (rules are checked in the order added).
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.fixture.faults.push(rule);
        self
    }

    /// Adds a throttle.
    pub fn throttle(mut self, rule: ThrottleRule) -> Self {
        self.fixture.throttles.push(rule);
        self
    }

    /// Binds `127.0.0.1:{port}` and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(state::Shared::new(self.fixture, self.clock));
        let task = tokio::spawn(server::serve(listener, server::router(shared.clone())));
        Ok(EmulatorHandle { addr, shared, task })
    }
}

/// A running emulator. Dropping it stops the server and closes its connections.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<state::Shared>,
    task: JoinHandle<()>,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:{port}`: the endpoint for every vendor client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:{port}/object-storage`: the Object Storage endpoint (path-style
    /// buckets under it), what `NCLOUD_OBS_ENDPOINT` should name.
    pub fn object_storage_url(&self) -> String {
        format!("http://{}{OBJECT_STORAGE_PATH}", self.addr)
    }

    /// The objects Object Storage lists in `bucket` now: (key, size), in key order.
    pub fn objects(&self, bucket: &str) -> Vec<(String, u64)> {
        let now = self.shared.now();
        let mut objects: Vec<(String, u64)> = self
            .shared
            .lock()
            .objects
            .iter()
            .filter(|o| o.bucket == bucket && o.written <= now)
            .map(|o| (o.key.clone(), o.size))
            .collect();
        objects.sort();
        objects
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration in force (credentials accepted, resources, faults).
    pub fn fixture(&self) -> &Fixture {
        &self.shared.fixture
    }

    /// A snapshot of all counters.
    pub fn counters(&self) -> Counters {
        self.shared.lock().counters.clone()
    }

    /// Requests received for `operation` (an [`ops`] name), authenticated or not.
    pub fn requests(&self, operation: &str) -> u64 {
        self.count(|c| &c.requests, operation)
    }

    /// Requests received in total.
    pub fn total_requests(&self) -> u64 {
        self.shared.lock().counters.requests.values().sum()
    }

    /// Backups created for `resource` (see the `*_resource` functions in [`ops`]).
    pub fn backups_created(&self, resource: &str) -> u64 {
        self.count(|c| &c.backups_created, resource)
    }

    /// Exports accepted for `resource`.
    pub fn exports(&self, resource: &str) -> u64 {
        self.count(|c| &c.exports, resource)
    }

    fn count(&self, counter: impl FnOnce(&Counters) -> &BTreeMap<String, u64>, key: &str) -> u64 {
        counter(&self.shared.lock().counters)
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Zeroes the counters (backups themselves stay).
    pub fn reset_counters(&self) {
        self.shared.lock().counters = Counters::default();
    }

    /// Stops the server now (also done on drop).
    pub fn shutdown(&self) {
        self.task.abort();
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
