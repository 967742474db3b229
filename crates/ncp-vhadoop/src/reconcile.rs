//! Whether a `backupClusterConfiguration` that ended in [`Error::AmbiguousOutcome`] took
//! effect: no public NCP API can tell.
//!
//! [`Error::AmbiguousOutcome`]: backup_core::Error::AmbiguousOutcome

use std::time::Duration;

use backup_core::reconcile::{Attempt, Evidence, Reconciliation};

use crate::Client;

/// The default margin before the attempt: the NCP API gateway's limit on clock skew.
pub const RECONCILE_MARGIN: Duration = Duration::from_secs(5 * 60);

impl Client {
    /// Reports what can be seen of a `backupClusterConfiguration` of cluster
    /// `cloud_hadoop_instance_no` attempted at `attempt`: always
    /// [`Reconciliation::Unknown`], with the cluster's state
    /// (`getCloudHadoopInstanceDetail`) in the evidence.
    ///
    /// The operation returns no job, the service lists no configuration backups, and
    /// whether it changes the cluster's state is not documented; its files go to the
    /// cluster's Object Storage bucket, which only the S3-compatible Object Storage API
    /// lists. So no NCP API proves that it did or did not run: list the bucket
    /// (`objectStorageBucket` in the evidence) for files newer than the attempt before
    /// running it again. (A configuration backup only copies settings, so running it twice
    /// costs little.) Never sends a backup request.
    pub async fn reconcile_backup_cluster_configuration(
        &self,
        cloud_hadoop_instance_no: &str,
        attempt: &Attempt,
    ) -> Reconciliation {
        let mut evidence = Evidence::new(
            "ncp-vhadoop",
            "backupClusterConfiguration",
            format!("cloudHadoopInstanceNo {cloud_hadoop_instance_no}"),
            attempt,
            RECONCILE_MARGIN,
        );
        evidence.listed_with("getCloudHadoopInstanceDetail");
        match self
            .get_cloud_hadoop_instance_detail()
            .cloud_hadoop_instance_no(cloud_hadoop_instance_no)
            .send()
            .await
        {
            Ok(output) => {
                for cluster in output.cloud_hadoop_instance_list.unwrap_or_default() {
                    evidence.skip();
                    let code = |c: &Option<crate::CommonCode>| {
                        c.as_ref()
                            .and_then(|c| c.code.clone())
                            .unwrap_or_else(|| "?".to_owned())
                    };
                    evidence.note(format!(
                        "cluster state {}/{}, objectStorageBucket {}",
                        code(&cluster.cloud_hadoop_instance_status),
                        code(&cluster.cloud_hadoop_instance_operation),
                        cluster.object_storage_bucket.as_deref().unwrap_or("?")
                    ));
                }
            }
            Err(e) => evidence.note(format!("reading the cluster failed: {e}")),
        }
        evidence.unknown(
            "no NCP API lists configuration backups or reports one running; list the \
             cluster's Object Storage bucket for files newer than the attempt",
        )
    }
}
