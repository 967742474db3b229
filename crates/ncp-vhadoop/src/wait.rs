//! Waiting for a Cloud Hadoop cluster to be back in its running state.

use backup_core::poll::{WaitFor, Waiter};
use backup_core::{Error, JobFailed, PollState, Progress};

use crate::{Client, CloudHadoopInstance};

/// What a cluster's status and operation codes say (reference: terraform's waiters).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClusterState {
    /// Status `CREAT`, operation `NULL` (or, without codes, the status name `running`).
    Running,
    /// Status `INIT`: the cluster is being created.
    Creating,
    /// Status `CREAT` with an operation under way (`SETUP`, `UPGD`, ...).
    Busy {
        /// The operation code.
        operation: String,
    },
    /// Status or operation `DEL`: the cluster is being deleted; it will not run again.
    Deleting,
    /// Any other combination, kept as sent.
    Other {
        /// The status code.
        status: String,
        /// The operation code.
        operation: String,
    },
}

impl ClusterState {
    /// The state `instance` reports.
    pub fn of(instance: &CloudHadoopInstance) -> ClusterState {
        let code = |c: &Option<crate::CommonCode>| {
            c.as_ref()
                .and_then(|c| c.code.as_deref())
                .map(|s| s.trim().to_ascii_uppercase())
                .unwrap_or_default()
        };
        let status = code(&instance.cloud_hadoop_instance_status);
        let operation = code(&instance.cloud_hadoop_instance_operation);
        match (status.as_str(), operation.as_str()) {
            ("CREAT", "NULL") => ClusterState::Running,
            ("DEL", _) | (_, "DEL") => ClusterState::Deleting,
            ("INIT", _) => ClusterState::Creating,
            ("CREAT", op) if !op.is_empty() => ClusterState::Busy {
                operation: op.to_owned(),
            },
            ("", "") => {
                let name = instance
                    .cloud_hadoop_instance_status_name
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                if name == "running" {
                    ClusterState::Running
                } else {
                    ClusterState::Other {
                        status: name,
                        operation: String::new(),
                    }
                }
            }
            (status, operation) => ClusterState::Other {
                status: status.to_owned(),
                operation: operation.to_owned(),
            },
        }
    }

    /// `status/operation` as a progress label (`CREAT/SETUP`).
    fn label(instance: &CloudHadoopInstance) -> String {
        let code = |c: &Option<crate::CommonCode>| {
            c.as_ref()
                .and_then(|c| c.code.clone())
                .unwrap_or_else(|| "?".to_owned())
        };
        format!(
            "{}/{}",
            code(&instance.cloud_hadoop_instance_status),
            code(&instance.cloud_hadoop_instance_operation)
        )
    }
}

impl Client {
    /// Waits until cluster `cloud_hadoop_instance_no` is running (status `CREAT`, operation
    /// `NULL`), polling `getCloudHadoopInstanceDetail`. It waits for the **cluster only**:
    /// after [`backup_cluster_configuration`](Client::backup_cluster_configuration), a
    /// successful wait does not mean the configuration backup finished, and the
    /// configuration files themselves are not verified.
    ///
    /// **What it can observe:** only the cluster's own status and operation codes. It returns
    /// the cluster as last read once it is running; it ends with [`Error::JobFailed`] when
    /// the cluster is being deleted or is no longer listed, with the service's `5001017`
    /// [`Error::Service`] (not found) when the cluster does not exist, and with
    /// [`Error::WaitTimedOut`] at the deadline. Progress reports every poll that finds the
    /// cluster not yet running (`state` is `status/operation`, `message` the status name).
    ///
    /// **What it cannot observe:** whether a `backupClusterConfiguration` succeeded, or when
    /// its files reached the bucket. That operation returns no job, and no NCP API reports
    /// its progress; the vendor's page for it (seed 000) documents no cluster state during
    /// the backup, so this waiter may well return at its first poll, with the backup still
    /// under way. A running cluster after the call only means the cluster is usable. To see
    /// the files, list the cluster's
    /// bucket (`objectStorageBucket` of the returned cluster) through the S3-compatible
    /// Object Storage API.
    ///
    /// The region is the client's default region, else the service's; another one is set
    /// with `.map_target(|c| c.region_code("KR"))`.
    pub fn wait_until_cluster_running(
        &self,
        cloud_hadoop_instance_no: impl Into<String>,
    ) -> Waiter<ClusterRunning> {
        Waiter::new(ClusterRunning {
            client: self.clone(),
            instance_no: cloud_hadoop_instance_no.into(),
            region_code: None,
        })
    }
}

/// What [`Client::wait_until_cluster_running`] waits for.
#[derive(Debug, Clone)]
pub struct ClusterRunning {
    client: Client,
    instance_no: String,
    region_code: Option<String>,
}

impl ClusterRunning {
    /// The region of the cluster (default: the client's default region, else the service's).
    pub fn region_code(mut self, region_code: impl Into<String>) -> Self {
        self.region_code = Some(region_code.into());
        self
    }
}

impl WaitFor for ClusterRunning {
    type Output = CloudHadoopInstance;

    fn describe(&self) -> String {
        format!("Cloud Hadoop cluster {} to run", self.instance_no)
    }

    async fn start(&mut self) -> Result<(), Error> {
        if self.instance_no.is_empty() {
            return Err(Error::invalid_input(
                "cloudHadoopInstanceNo",
                "must not be empty",
            ));
        }
        Ok(())
    }

    async fn poll(&self) -> Result<PollState<CloudHadoopInstance>, Error> {
        let output = self
            .client
            .get_cloud_hadoop_instance_detail()
            .cloud_hadoop_instance_no(self.instance_no.clone())
            .set_region_code(self.region_code.clone())
            .send()
            .await?;
        let Some(instance) = output
            .cloud_hadoop_instance_list
            .unwrap_or_default()
            .into_iter()
            .next()
        else {
            return Err(JobFailed::new(
                "ncp-vhadoop",
                &self.instance_no,
                "absent",
                Some("getCloudHadoopInstanceDetail no longer lists the cluster".into()),
            )
            .into());
        };
        let label = ClusterState::label(&instance);
        match ClusterState::of(&instance) {
            ClusterState::Running => Ok(PollState::Done(instance)),
            ClusterState::Deleting => Err(JobFailed::new(
                "ncp-vhadoop",
                &self.instance_no,
                label,
                Some("the cluster is being deleted and will not run again".into()),
            )
            .into()),
            _ => {
                let mut progress = Progress::new(label);
                if let Some(name) = &instance.cloud_hadoop_instance_status_name {
                    progress = progress.with_message(name.clone());
                }
                Ok(PollState::Pending(progress))
            }
        }
    }
}
