//! Cloud DB for Cache under `/vredis/v2/`: Redis instances only
//! (`cloudRedisInstanceNo`).

mod generated;

pub use generated::*;

crate::ncp_client! {
    /// A client for Cloud DB for Cache's `/vredis/v2/` API (Redis only).
    ///
    /// Build one with [`Client::builder`]; it is cheap to clone and clones share the
    /// connection pool and the retry budget. Each operation is a method that returns a
    /// builder: set the input, then `send().await`.
    vendor: "ncp-vredis"
}

crate::manual::manual_backups! {
    vendor: "ncp-vredis",
    instance_param: "cloudRedisInstanceNo",
    backup: CloudRedisBackupDetail,
    operations: "createCloudRedisManualBackup", "getCloudRedisManualBackupDetailList",
    list: get_cloud_redis_manual_backup_detail_list => cloud_redis_backup_detail_list,
    create: create_cloud_redis_manual_backup => CreateCloudRedisManualBackupFluentBuilder,
    instance_no: cloud_redis_instance_no,
}
