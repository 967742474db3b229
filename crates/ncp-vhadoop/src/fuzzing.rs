//! **Not part of the API**: the entry point `cargo xtask fuzz` drives. Hidden from the
//! documentation, exempt from semver, and free to change in any release.

use backup_core::operation::OperationSpec;
use backup_core::protocol::ncp::FromGateway;
use backup_core::{Error, HttpResponse};
use serde::de::DeserializeOwned;

use crate::{
    BACKUP_CLUSTER_CONFIGURATION_SPEC, BackupClusterConfigurationOutput, Client, ClusterState,
    GET_CLOUD_HADOOP_INSTANCE_DETAIL_SPEC, GetCloudHadoopInstanceDetailOutput,
};

fn run<O: DeserializeOwned + 'static>(
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    backup_core::fuzzing::ncp_decode(Client::VENDOR, spec, response)
}

backup_core::fuzz_operations! {
    run;
    BACKUP_CLUSTER_CONFIGURATION_SPEC => BackupClusterConfigurationOutput,
    GET_CLOUD_HADOOP_INSTANCE_DETAIL_SPEC => GetCloudHadoopInstanceDetailOutput => |output| {
        for instance in output.cloud_hadoop_instance_list.iter().flatten() {
            std::hint::black_box(ClusterState::of(instance));
        }
        Ok(())
    },
}
