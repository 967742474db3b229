//! **Not part of the API**: the entry points `cargo xtask fuzz` drives, one module per
//! service (`vcache` and `vredis` share operation names). Hidden from the documentation,
//! exempt from semver, and free to change in any release.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use backup_core::Error;

use crate::manual::{BackupEntry, identity, pick_new};

/// What the manual backup waiter reads from one listing: the new entry or the progress,
/// without and with a baseline (the first entry taken as already known).
fn waiter_reads<T: BackupEntry + Clone>(entries: &[T]) -> Result<(), Error> {
    let earliest = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    std::hint::black_box(pick_new(entries.to_vec(), earliest, None));
    let baseline: BTreeSet<String> = entries.iter().take(1).map(identity).collect();
    std::hint::black_box(pick_new(entries.to_vec(), earliest, Some(&baseline)));
    Ok(())
}

/// `/vcache/v2/` operations.
pub mod vcache {
    use backup_core::operation::OperationSpec;
    use backup_core::protocol::ncp::FromGateway;
    use backup_core::{Error, HttpResponse};
    use serde::de::DeserializeOwned;

    use crate::vcache::*;

    fn run<O: DeserializeOwned + 'static>(
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Result<O, Error> {
        backup_core::fuzzing::ncp_decode(Client::VENDOR, spec, response)
    }

    backup_core::fuzz_operations! {
        run;
        CREATE_CLOUD_CACHE_MANUAL_BACKUP_SPEC => CreateCloudCacheManualBackupOutput,
        EXPORT_BACKUP_TO_OBJECT_STORAGE_SPEC => ExportBackupToObjectStorageOutput,
        GET_CLOUD_CACHE_BACKUP_LIST_SPEC => GetCloudCacheBackupListOutput,
        GET_CLOUD_CACHE_MANUAL_BACKUP_DETAIL_LIST_SPEC => GetCloudCacheManualBackupDetailListOutput
            => |output| super::waiter_reads(output.cloud_cache_backup_detail_list.as_deref().unwrap_or_default()),
        GET_CLOUD_CACHE_MANUAL_BACKUP_LIST_SPEC => GetCloudCacheManualBackupListOutput,
    }
}

/// `/vredis/v2/` operations.
pub mod vredis {
    use backup_core::operation::OperationSpec;
    use backup_core::protocol::ncp::FromGateway;
    use backup_core::{Error, HttpResponse};
    use serde::de::DeserializeOwned;

    use crate::vredis::*;

    fn run<O: DeserializeOwned + 'static>(
        spec: &OperationSpec,
        response: &HttpResponse,
    ) -> Result<O, Error> {
        backup_core::fuzzing::ncp_decode(Client::VENDOR, spec, response)
    }

    backup_core::fuzz_operations! {
        run;
        CREATE_CLOUD_REDIS_MANUAL_BACKUP_SPEC => CreateCloudRedisManualBackupOutput,
        EXPORT_BACKUP_TO_OBJECT_STORAGE_SPEC => ExportBackupToObjectStorageOutput,
        GET_CLOUD_REDIS_BACKUP_DETAIL_LIST_SPEC => GetCloudRedisBackupDetailListOutput,
        GET_CLOUD_REDIS_BACKUP_LIST_SPEC => GetCloudRedisBackupListOutput,
        GET_CLOUD_REDIS_MANUAL_BACKUP_DETAIL_LIST_SPEC => GetCloudRedisManualBackupDetailListOutput
            => |output| super::waiter_reads(output.cloud_redis_backup_detail_list.as_deref().unwrap_or_default()),
        GET_CLOUD_REDIS_MANUAL_BACKUP_LIST_SPEC => GetCloudRedisManualBackupListOutput,
    }
}
