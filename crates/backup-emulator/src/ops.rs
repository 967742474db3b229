//! Operation names: the keys of the request counters and of fault and throttle rules.
//!
//! NCP operations are `{service}/{operationName}`; OCP ones `ocp/...`, Huawei GES ones
//! `ges/...`, the IAM token call `iam/createToken`, and Object Storage ones `obs/...`. A request that matches no operation
//! is counted under [`UNKNOWN`].

/// `POST|GET /vhadoop/v2/backupClusterConfiguration`
pub const VHADOOP_BACKUP_CLUSTER_CONFIGURATION: &str = "vhadoop/backupClusterConfiguration";
/// `POST|GET /vhadoop/v2/getCloudHadoopInstanceDetail`
pub const VHADOOP_GET_INSTANCE_DETAIL: &str = "vhadoop/getCloudHadoopInstanceDetail";
/// `POST|GET /vcache/v2/createCloudCacheManualBackup`
pub const VCACHE_CREATE_MANUAL_BACKUP: &str = "vcache/createCloudCacheManualBackup";
/// `POST|GET /vcache/v2/exportBackupToObjectStorage`
pub const VCACHE_EXPORT: &str = "vcache/exportBackupToObjectStorage";
/// `POST|GET /vcache/v2/getCloudCacheBackupList`
pub const VCACHE_BACKUP_LIST: &str = "vcache/getCloudCacheBackupList";
/// `POST|GET /vcache/v2/getCloudCacheBackupDetailList`
pub const VCACHE_BACKUP_DETAIL_LIST: &str = "vcache/getCloudCacheBackupDetailList";
/// `POST|GET /vcache/v2/getCloudCacheManualBackupList`
pub const VCACHE_MANUAL_BACKUP_LIST: &str = "vcache/getCloudCacheManualBackupList";
/// `POST|GET /vcache/v2/getCloudCacheManualBackupDetailList`
pub const VCACHE_MANUAL_BACKUP_DETAIL_LIST: &str = "vcache/getCloudCacheManualBackupDetailList";
/// `POST|GET /vredis/v2/createCloudRedisManualBackup`
pub const VREDIS_CREATE_MANUAL_BACKUP: &str = "vredis/createCloudRedisManualBackup";
/// `POST|GET /vredis/v2/exportBackupToObjectStorage`
pub const VREDIS_EXPORT: &str = "vredis/exportBackupToObjectStorage";
/// `POST|GET /vredis/v2/getCloudRedisBackupList`
pub const VREDIS_BACKUP_LIST: &str = "vredis/getCloudRedisBackupList";
/// `POST|GET /vredis/v2/getCloudRedisBackupDetailList`
pub const VREDIS_BACKUP_DETAIL_LIST: &str = "vredis/getCloudRedisBackupDetailList";
/// `POST|GET /vredis/v2/getCloudRedisManualBackupList`
pub const VREDIS_MANUAL_BACKUP_LIST: &str = "vredis/getCloudRedisManualBackupList";
/// `POST|GET /vredis/v2/getCloudRedisManualBackupDetailList`
pub const VREDIS_MANUAL_BACKUP_DETAIL_LIST: &str = "vredis/getCloudRedisManualBackupDetailList";
/// `POST /api/v2/ob/clusters/{id}/backup/backupNow`
pub const OCP_BACKUP_NOW: &str = "ocp/backupNow";
/// `POST /api/v2/ob/clusters/{id}/tenants/{tenantId}/backup/backupNow`
pub const OCP_TENANT_BACKUP_NOW: &str = "ocp/tenantBackupNow";
/// `GET /api/v2/ob/clusters/{id}/backup/config/backupStrategy`
pub const OCP_GET_BACKUP_STRATEGY: &str = "ocp/getBackupStrategy";
/// `GET /api/v2/ob/clusters/{id}/tenants/{tenantId}/backup/config/backupStrategy`
pub const OCP_GET_TENANT_BACKUP_STRATEGY: &str = "ocp/getTenantBackupStrategy";
/// `GET /api/v2/tasks/instances/{id}`
pub const OCP_GET_TASK_INSTANCE: &str = "ocp/getTaskInstance";
/// `GET /api/v2/tasks/instances/{id}/subtasks/{subtaskId}/log`
pub const OCP_GET_SUBTASK_LOG: &str = "ocp/getSubtaskLog";
/// `GET /api/v2/ob/clusters/{id}/backup/task/dataBackupTasks`
pub const OCP_LIST_DATA_BACKUP_TASKS: &str = "ocp/listDataBackupTasks";
/// `GET /api/v2/ob/clusters/{id}/tenants/{tenantId}/backup/task/dataBackupTasks`
pub const OCP_LIST_TENANT_DATA_BACKUP_TASKS: &str = "ocp/listTenantDataBackupTasks";
/// `POST /v2/{project_id}/graphs/{graph_id}/backups`
pub const GES_CREATE_BACKUP: &str = "ges/createBackup";
/// `GET /v2/{project_id}/graphs/{graph_id}/jobs/{job_id}/status`
pub const GES_SHOW_JOB: &str = "ges/showJob";
/// `GET /v2/{project_id}/graphs/{graph_id}/backups`
pub const GES_LIST_GRAPH_BACKUPS: &str = "ges/listGraphBackups";
/// `GET /v2/{project_id}/graphs/backups`
pub const GES_LIST_BACKUPS: &str = "ges/listBackups";
/// `DELETE /v2/{project_id}/graphs/{graph_id}/backups/{backup_id}`
pub const GES_DELETE_BACKUP: &str = "ges/deleteBackup";
/// `POST /v3/auth/tokens`
pub const IAM_CREATE_TOKEN: &str = "iam/createToken";
/// `GET /object-storage/{bucket}?list-type=2` (S3 `ListObjectsV2`)
pub const OBS_LIST_OBJECTS_V2: &str = "obs/ListObjectsV2";
/// `HEAD /object-storage/{bucket}/{key}` (S3 `HeadObject`)
pub const OBS_HEAD_OBJECT: &str = "obs/HeadObject";
/// Requests that match no operation.
pub const UNKNOWN: &str = "unknown";

/// Every operation name (without [`UNKNOWN`]).
pub const ALL: &[&str] = &[
    VHADOOP_BACKUP_CLUSTER_CONFIGURATION,
    VHADOOP_GET_INSTANCE_DETAIL,
    VCACHE_CREATE_MANUAL_BACKUP,
    VCACHE_EXPORT,
    VCACHE_BACKUP_LIST,
    VCACHE_BACKUP_DETAIL_LIST,
    VCACHE_MANUAL_BACKUP_LIST,
    VCACHE_MANUAL_BACKUP_DETAIL_LIST,
    VREDIS_CREATE_MANUAL_BACKUP,
    VREDIS_EXPORT,
    VREDIS_BACKUP_LIST,
    VREDIS_BACKUP_DETAIL_LIST,
    VREDIS_MANUAL_BACKUP_LIST,
    VREDIS_MANUAL_BACKUP_DETAIL_LIST,
    OCP_BACKUP_NOW,
    OCP_TENANT_BACKUP_NOW,
    OCP_GET_BACKUP_STRATEGY,
    OCP_GET_TENANT_BACKUP_STRATEGY,
    OCP_GET_TASK_INSTANCE,
    OCP_GET_SUBTASK_LOG,
    OCP_LIST_DATA_BACKUP_TASKS,
    OCP_LIST_TENANT_DATA_BACKUP_TASKS,
    GES_CREATE_BACKUP,
    GES_SHOW_JOB,
    GES_LIST_GRAPH_BACKUPS,
    GES_LIST_BACKUPS,
    GES_DELETE_BACKUP,
    IAM_CREATE_TOKEN,
    OBS_LIST_OBJECTS_V2,
    OBS_HEAD_OBJECT,
];

/// The key of [`crate::Counters::backups_created`] for an NCP Cloud Hadoop cluster.
pub fn hadoop_resource(instance_no: &str) -> String {
    format!("vhadoop/{instance_no}")
}

/// The key of [`crate::Counters::backups_created`] for a Cloud DB for Cache instance.
pub fn cache_resource(instance_no: &str) -> String {
    format!("vcache/{instance_no}")
}

/// The key of [`crate::Counters::backups_created`] for a Cloud DB for Redis instance.
pub fn redis_resource(instance_no: &str) -> String {
    format!("vredis/{instance_no}")
}

/// The key of [`crate::Counters::backups_created`] for an OCP cluster (cluster-level
/// backups).
pub fn ocp_cluster_resource(cluster_id: i64) -> String {
    format!("ocp/{cluster_id}")
}

/// The key of [`crate::Counters::backups_created`] for an OCP tenant.
pub fn ocp_tenant_resource(cluster_id: i64, tenant_id: i64) -> String {
    format!("ocp/{cluster_id}/{tenant_id}")
}

/// The key of [`crate::Counters::backups_created`] for a GES graph.
pub fn ges_resource(project_id: &str, graph_id: &str) -> String {
    format!("ges/{project_id}/{graph_id}")
}
