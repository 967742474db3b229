//! Turning the global options into SDK clients.
//!
//! Clients are built lazily, once per vendor, so that a command (or a plan) for one vendor
//! never needs another vendor's endpoint or credentials.

use std::sync::OnceLock;
use std::time::Duration;

use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials};
use backup_core::protocol::ncp::{FromGateway, GatewayBuilder, RegionCode, Site};
use backup_core::{ClientBuilder, ClientFactory, HasConnection, TransportStats, WaitConfig};

use crate::cli::GlobalArgs;
use crate::error::CliError;

/// Credentials that replace the SDK's default lookup (the demo uses the emulator's).
#[derive(Clone, Debug, Default)]
pub struct FixedCredentials {
    pub ncp: Option<NcpCredentials>,
    pub huawei: Option<HuaweiCredentials>,
    pub ocp: Option<OcpCredentials>,
}

/// Everything a command needs to reach the vendors: resolved options and the clients.
#[derive(Debug)]
pub struct Context {
    pub global: GlobalArgs,
    credentials: FixedCredentials,
    /// The PEM of `--ca-cert`, read once, trusted by every client.
    root_certificate_pem: Option<Vec<u8>>,
    hadoop: OnceLock<Result<ncp_vhadoop::Client, String>>,
    vcache: OnceLock<Result<ncp_vcache::vcache::Client, String>>,
    vredis: OnceLock<Result<ncp_vcache::vredis::Client, String>>,
    ocp: OnceLock<Result<ocp_ob_backup::Client, String>>,
    ges: OnceLock<Result<hw_ges_backup::Client, String>>,
    object_storage: OnceLock<Result<ncp_vcache::object_storage::ObjectStorageClient, String>>,
}

/// A client could not be configured (no endpoint, bad URL): a usage problem.
#[derive(Debug, Clone)]
pub struct ClientSetupError {
    pub vendor: &'static str,
    pub message: String,
}

impl std::fmt::Display for ClientSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.vendor, self.message)
    }
}

impl Context {
    pub fn new(global: GlobalArgs, credentials: FixedCredentials) -> Self {
        Self {
            global,
            credentials,
            root_certificate_pem: None,
            hadoop: OnceLock::new(),
            vcache: OnceLock::new(),
            vredis: OnceLock::new(),
            ocp: OnceLock::new(),
            ges: OnceLock::new(),
            object_storage: OnceLock::new(),
        }
    }

    /// A context whose clients also trust the `--ca-cert` file, read here without blocking
    /// the runtime. A file that cannot be read is a usage error; one that is not PEM fails
    /// when a client is built.
    pub async fn load(global: GlobalArgs, credentials: FixedCredentials) -> Result<Self, CliError> {
        let root_certificate_pem = match &global.ca_cert {
            Some(path) => Some(tokio::fs::read(path).await.map_err(|e| {
                CliError::Usage(format!("cannot read --ca-cert {}: {e}", path.display()))
            })?),
            None => None,
        };
        Ok(Self {
            root_certificate_pem,
            ..Self::new(global, credentials)
        })
    }

    /// How long to wait for a backup, and how often to look.
    pub fn wait_config(&self) -> WaitConfig {
        let initial = self.global.poll_interval.max(Duration::from_millis(10));
        WaitConfig::default()
            .with_intervals(initial, initial.saturating_mul(15))
            .with_timeout(self.global.wait_timeout)
    }

    fn ncp_endpoint(&self) -> Option<&str> {
        self.global
            .ncp_endpoint
            .as_deref()
            .or(self.global.endpoint.as_deref())
    }

    pub fn ocp_endpoint(&self) -> Option<&str> {
        self.global
            .ocp_endpoint
            .as_deref()
            .or(self.global.endpoint.as_deref())
    }

    fn ges_endpoint(&self) -> Option<&str> {
        self.global
            .ges_endpoint
            .as_deref()
            .or(self.global.endpoint.as_deref())
    }

    /// The transport options every vendor's client takes from the global arguments
    /// (`--allow-insecure-http`, `--ca-cert`), written once so that no vendor misses one.
    fn with_transport<C: ClientFactory<S>, S>(
        &self,
        builder: ClientBuilder<C, S>,
    ) -> ClientBuilder<C, S> {
        let builder = builder.allow_insecure_http(self.global.allow_insecure_http);
        match &self.root_certificate_pem {
            Some(pem) => builder.add_root_certificate_pem(pem.clone()),
            None => builder,
        }
    }

    fn ncp_builder<C: FromGateway>(&self) -> Result<GatewayBuilder<C>, String> {
        let mut builder = self.with_transport(GatewayBuilder::<C>::new());
        if let Some(credentials) = &self.credentials.ncp {
            builder = builder.credentials(credentials.clone());
        }
        if let Some(site) = &self.global.ncp_site {
            let site = Site::from_name(site)
                .ok_or_else(|| format!("unknown NCP site {site:?}: use public, gov or fin"))?;
            builder = builder.site(site);
        }
        if let Some(endpoint) = self.ncp_endpoint() {
            builder = builder.endpoint(endpoint);
        }
        if let Some(region) = &self.global.ncp_region {
            builder = builder.region(RegionCode::new(region.clone()));
        }
        Ok(builder)
    }

    /// The NCP Object Storage client verification lists buckets with: the NCP
    /// credentials, site and region, at `--obs-endpoint` (else NCLOUD_OBS_ENDPOINT, else
    /// the site's endpoint).
    pub fn object_storage(
        &self,
    ) -> Result<&ncp_vcache::object_storage::ObjectStorageClient, ClientSetupError> {
        get_or_build(&self.object_storage, "ncp-object-storage", || {
            let mut builder =
                self.with_transport(ncp_vcache::object_storage::ObjectStorageClient::builder());
            if let Some(credentials) = &self.credentials.ncp {
                builder = builder.credentials(credentials.clone());
            }
            if let Some(site) = &self.global.ncp_site {
                let site = Site::from_name(site)
                    .ok_or_else(|| format!("unknown NCP site {site:?}: use public, gov or fin"))?;
                builder = builder.site(site);
            }
            if let Some(endpoint) = &self.global.obs_endpoint {
                builder = builder.endpoint(endpoint);
            }
            if let Some(region) = &self.global.ncp_region {
                builder = builder.region(region.clone());
            }
            builder.build().map_err(|e| e.to_string())
        })
    }

    /// What each vendor client built so far has sent (requests, retries, throttled
    /// answers), by the vendor label the metrics use.
    pub fn transport_stats(&self) -> Vec<(&'static str, TransportStats)> {
        fn stats<C: HasConnection>(cell: &OnceLock<Result<C, String>>) -> Option<TransportStats> {
            cell.get()?
                .as_ref()
                .ok()
                .map(|c| c.connection().service_client().stats())
        }
        [
            ("ncp-vhadoop", stats(&self.hadoop)),
            ("ncp-vcache", stats(&self.vcache)),
            ("ncp-vredis", stats(&self.vredis)),
            ("ocp", stats(&self.ocp)),
            ("ges", stats(&self.ges)),
            (
                "ncp-object-storage",
                self.object_storage
                    .get()
                    .and_then(|c| c.as_ref().ok())
                    .map(|c| c.service_client().stats()),
            ),
        ]
        .into_iter()
        .filter_map(|(vendor, stats)| Some((vendor, stats?)))
        .collect()
    }

    pub fn hadoop(&self) -> Result<&ncp_vhadoop::Client, ClientSetupError> {
        get_or_build(&self.hadoop, "ncp-vhadoop", || {
            self.ncp_builder()?.build().map_err(|e| e.to_string())
        })
    }

    pub fn vcache(&self) -> Result<&ncp_vcache::vcache::Client, ClientSetupError> {
        get_or_build(&self.vcache, "ncp-vcache", || {
            self.ncp_builder()?.build().map_err(|e| e.to_string())
        })
    }

    pub fn vredis(&self) -> Result<&ncp_vcache::vredis::Client, ClientSetupError> {
        get_or_build(&self.vredis, "ncp-vredis", || {
            self.ncp_builder()?.build().map_err(|e| e.to_string())
        })
    }

    pub fn ocp(&self) -> Result<&ocp_ob_backup::Client, ClientSetupError> {
        get_or_build(&self.ocp, "ocp", || {
            let endpoint = self.ocp_endpoint().ok_or(
                "no OCP server given: pass --ocp-endpoint URL (or set OCP_URL)".to_owned(),
            )?;
            let mut builder =
                self.with_transport(ocp_ob_backup::Client::builder().endpoint(endpoint));
            if let Some(credentials) = &self.credentials.ocp {
                builder = builder.credentials(credentials.clone());
            }
            builder.build().map_err(|e| e.to_string())
        })
    }

    pub fn ges(&self) -> Result<&hw_ges_backup::Client, ClientSetupError> {
        get_or_build(&self.ges, "ges", || {
            let mut builder = self.with_transport(hw_ges_backup::Client::builder());
            match (self.ges_endpoint(), &self.global.ges_region) {
                (Some(endpoint), _) => builder = builder.endpoint(endpoint),
                (None, Some(region)) => builder = builder.region(region.clone()),
                (None, None) => {
                    return Err("no GES region given: pass --ges-region REGION (or set \
                                HUAWEICLOUD_SDK_REGION), or --ges-endpoint URL"
                        .to_owned());
                }
            }
            if let Some(project_id) = &self.global.ges_project_id {
                builder = builder.project_id(project_id.clone());
            }
            if let Some(credentials) = &self.credentials.huawei {
                if let Some(project_id) = &credentials.project_id
                    && self.global.ges_project_id.is_none()
                {
                    builder = builder.project_id(project_id.clone());
                }
                builder = builder.credentials(credentials.clone());
            }
            let client = builder.build().map_err(|e| e.to_string())?;
            if client.project_id().is_none() {
                return Err(
                    "no Huawei Cloud project id: pass --ges-project-id ID (or set \
                            HUAWEICLOUD_SDK_PROJECT_ID)"
                        .to_owned(),
                );
            }
            Ok(client)
        })
    }
}

fn get_or_build<'a, T>(
    cell: &'a OnceLock<Result<T, String>>,
    vendor: &'static str,
    build: impl FnOnce() -> Result<T, String>,
) -> Result<&'a T, ClientSetupError> {
    cell.get_or_init(build)
        .as_ref()
        .map_err(|message| ClientSetupError {
            vendor,
            message: message.clone(),
        })
}

/// The SDK's configuration errors are usage problems, reported the same way.
impl From<ClientSetupError> for crate::error::CliError {
    fn from(e: ClientSetupError) -> Self {
        crate::error::CliError::Usage(e.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    fn context(extra: &[&str]) -> Context {
        let mut args = vec![
            "backupctl",
            "--endpoint",
            "http://backup.example.com:8080",
            "--ges-project-id",
            "p1",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["ocp", "list", "--cluster-id", "1"]);
        let cli = crate::cli::Cli::try_parse_from(args).unwrap();
        let credentials = FixedCredentials {
            ncp: Some(NcpCredentials::new("ak", "sk")),
            huawei: Some(HuaweiCredentials::new("ak", "sk")),
            ocp: Some(OcpCredentials::access_key("ak", "sk")),
        };
        Context::new(cli.global, credentials)
    }

    /// Every vendor's client is refused plain HTTP to a remote host, and every vendor's
    /// client takes `--allow-insecure-http` (GES used to ignore it).
    #[test]
    fn allow_insecure_http_reaches_every_vendor() {
        let refused = context(&[]);
        let allowed = context(&["--allow-insecure-http"]);
        let outcomes = [
            (
                "ncp-vhadoop",
                refused.hadoop().map(drop),
                allowed.hadoop().map(drop),
            ),
            (
                "ncp-vcache",
                refused.vcache().map(drop),
                allowed.vcache().map(drop),
            ),
            (
                "ncp-vredis",
                refused.vredis().map(drop),
                allowed.vredis().map(drop),
            ),
            ("ocp", refused.ocp().map(drop), allowed.ocp().map(drop)),
            ("ges", refused.ges().map(drop), allowed.ges().map(drop)),
        ];
        for (vendor, without, with) in outcomes {
            let refusal = without.err().map(|e| e.message).unwrap_or_default();
            assert!(
                refusal.contains("refusing plain http://"),
                "{vendor} without the flag: {refusal:?}"
            );
            assert!(with.is_ok(), "{vendor} with the flag: {:?}", with.err());
        }
    }
}
