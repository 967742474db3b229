//! Checks on operation inputs that the API description cannot state. The generated
//! `validate` of an operation whose description names one (`x-rust-check`) calls it last,
//! on the typed input, so a refusal comes before anything is written or sent.

use backup_core::Error;

use crate::{BackupDimension, BackupNowInput};

/// The cluster-level backupNow backs up the whole cluster: the vendor's page says tenant
/// backup is not supported there (`backupDimension: TENANT`), and the tenant-level call
/// exists for it. Refused before anything is sent, rather than left to OCP to interpret.
pub(crate) fn cluster_level_backup_now(input: &BackupNowInput) -> Result<(), Error> {
    let dimension = input
        .ob_backup_object
        .as_ref()
        .and_then(|object| object.backup_dimension.as_ref());
    // Validation before this allows only listed values, so comparing the wire value also
    // catches an `Unknown("TENANT")` built by hand.
    match dimension.map(BackupDimension::as_str) {
        Some("TENANT") => Err(Error::invalid_input(
            "obBackupObject.backupDimension",
            "TENANT is not supported by the cluster-level backupNow; back up a tenant with \
             tenantBackupNow (Client::tenant_backup_now)",
        )),
        _ => Ok(()),
    }
}
