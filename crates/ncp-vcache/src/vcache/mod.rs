//! Cloud DB for Cache under `/vcache/v2/`: Valkey and Redis instances
//! (`cloudCacheInstanceNo`).

mod generated;

pub use generated::*;

crate::ncp_client! {
    /// A client for Cloud DB for Cache's `/vcache/v2/` API (Valkey and Redis).
    ///
    /// Build one with [`Client::builder`]; it is cheap to clone and clones share the
    /// connection pool and the retry budget. Each operation is a method that returns a
    /// builder: set the input, then `send().await`.
    vendor: "ncp-vcache"
}

crate::manual::manual_backups! {
    vendor: "ncp-vcache",
    instance_param: "cloudCacheInstanceNo",
    backup: CloudCacheBackupDetail,
    operations: "createCloudCacheManualBackup", "getCloudCacheManualBackupDetailList",
    list: get_cloud_cache_manual_backup_detail_list => cloud_cache_backup_detail_list,
    create: create_cloud_cache_manual_backup => CreateCloudCacheManualBackupFluentBuilder,
    instance_no: cloud_cache_instance_no,
}
