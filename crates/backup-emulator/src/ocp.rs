//! OceanBase Cloud Platform: `/api/v2/...`, the `{data, successful, timestamp, duration,
//! status, traceId, server}` envelope, `error{code, message, ...}` on failure.

use serde_json::{Value, json};

use crate::auth::{Received, verify_ocp};
use crate::config::{ObjectFault, OcpCluster, OcpTenant};
use crate::ops;
use crate::reply::Reply;
use crate::routes::ROUTES;
use crate::state::{Backup, BackupKind, Phase, SUBTASKS, Shared, Throttled};
use crate::vendor::{Api, FaultError, Route, VendorApi, raw_segments, routes_of};

const SERVER: &str = "backup-emulator";

/// Served although the API description does not list them (yet): declared here, by hand.
static UNDESCRIBED_ROUTES: [Route; 2] = [
    Route {
        api: Api::Ocp,
        method: "GET",
        path: "/api/v2/ob/clusters/{id}/tenants/{tenantId}/backup/config/backupStrategy",
        operation_id: "getTenantBackupStrategy",
        name: ops::OCP_GET_TENANT_BACKUP_STRATEGY,
    },
    Route {
        api: Api::Ocp,
        method: "GET",
        path: "/api/v2/ob/clusters/{id}/tenants/{tenantId}/backup/task/dataBackupTasks",
        operation_id: "listTenantDataBackupTasks",
        name: ops::OCP_LIST_TENANT_DATA_BACKUP_TASKS,
    },
];

/// OceanBase Cloud Platform.
pub(crate) struct OcpApi;

impl VendorApi for OcpApi {
    fn claims(&self, path: &str) -> bool {
        path.starts_with("/api/")
    }

    fn routes(&self) -> Vec<&'static Route> {
        routes_of(Api::Ocp, ROUTES, &UNDESCRIBED_ROUTES)
    }

    fn authenticate(&self, shared: &Shared, received: &Received<'_>) -> Result<(), Reply> {
        let credentials = &shared.fixture.credentials;
        verify_ocp(
            received,
            &credentials.ocp_users,
            &credentials.ocp_keys,
            shared.now(),
        )
        .map_err(|failure| {
            let code = if received.header("authorization").is_none() {
                30000
            } else {
                30004
            };
            error_reply(shared, 401, json!(code), &failure.0)
        })
    }

    fn throttled(&self, shared: &Shared, throttled: Throttled) -> Reply {
        error_reply(
            shared,
            429,
            json!(0),
            "Excessive number of requests. You have exceeded the request limit for the current throttling window.",
        )
        .with_header("ratelimit-limit", throttled.limit.to_string())
        .with_header("ratelimit-remaining", "0")
        .with_header("ratelimit-reset", throttled.retry_after_seconds.to_string())
    }

    fn handle(
        &self,
        shared: &Shared,
        route: &'static Route,
        received: &Received<'_>,
        _object_fault: Option<ObjectFault>,
    ) -> Reply {
        // The cluster-level and tenant-level operations come in pairs with one handler each;
        // the cluster and tenant their path names are found before the handler runs.
        let scoped = |tenant_level, handler: ScopedHandler| {
            scope(shared, received, tenant_level).and_then(|scope| handler(shared, received, scope))
        };
        let result = match route.name {
            ops::OCP_BACKUP_NOW => scoped(false, backup_now),
            ops::OCP_TENANT_BACKUP_NOW => scoped(true, backup_now),
            ops::OCP_GET_BACKUP_STRATEGY => scoped(false, strategy),
            ops::OCP_GET_TENANT_BACKUP_STRATEGY => scoped(true, strategy),
            ops::OCP_GET_TASK_INSTANCE => task_instance(shared, received),
            ops::OCP_GET_SUBTASK_LOG => subtask_log(shared, received),
            ops::OCP_LIST_DATA_BACKUP_TASKS => scoped(false, data_backup_tasks),
            ops::OCP_LIST_TENANT_DATA_BACKUP_TASKS => scoped(true, data_backup_tasks),
            _ => Err(error_reply(shared, 404, json!(10002), "No handler found")),
        };
        match result {
            Ok(reply) | Err(reply) => reply,
        }
    }

    fn not_found(&self, shared: &Shared, received: &Received<'_>) -> Reply {
        error_reply(
            shared,
            404,
            json!(10002),
            &format!("No handler found for {} {}", received.method, received.path),
        )
    }

    /// A numeric code is sent as a number, as OCP's own codes are.
    fn error(&self, shared: &Shared, _received: &Received<'_>, fault: FaultError<'_>) -> Reply {
        let code = fault
            .code
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(fault.code));
        error_reply(shared, fault.status, code, fault.message)
    }
}

fn envelope(shared: &Shared, status: u16) -> serde_json::Map<String, Value> {
    let trace_id = shared.lock().hex_id(16);
    let mut map = serde_json::Map::new();
    map.insert("successful".into(), (status < 400).into());
    map.insert(
        "timestamp".into(),
        backup_core::time::format_iso8601(shared.now(), 3, "+00:00").into(),
    );
    map.insert("duration".into(), 1.into());
    map.insert("status".into(), status.into());
    map.insert("traceId".into(), trace_id.into());
    map.insert("server".into(), SERVER.into());
    map
}

fn ok(shared: &Shared, data: Value) -> Reply {
    let mut map = envelope(shared, 200);
    map.insert("data".into(), data);
    Reply::json(200, &Value::Object(map))
}

/// The error envelope.
fn error_reply(shared: &Shared, status: u16, code: Value, message: &str) -> Reply {
    error_with(shared, status, json!({"code": code, "message": message}))
}

fn error_with(shared: &Shared, status: u16, error: Value) -> Reply {
    let mut map = envelope(shared, status);
    map.insert("error".into(), error);
    Reply::json(status, &Value::Object(map))
}

fn illegal(shared: &Shared, message: &str) -> Reply {
    error_reply(shared, 400, json!(10001), message)
}

fn validation(shared: &Shared, field: &str, rejected: &Value, message: &str) -> Reply {
    error_with(
        shared,
        400,
        json!({
            "code": 10001,
            "message": format!("Illegal argument: {field} {message}"),
            "subErrors": [{
                "object": "backupNowParam",
                "field": field,
                "rejectedValue": rejected,
                "message": message,
            }],
        }),
    )
}

/// `parent`'s member `name`, which must be a JSON object: anything else, absent included, is
/// refused as `field` (its path from the body's top) "must not be null".
fn object_member<'v>(
    shared: &Shared,
    parent: &'v Value,
    name: &str,
    field: &str,
) -> Result<&'v Value, Reply> {
    match parent.get(name) {
        Some(value) if value.is_object() => Ok(value),
        value => Err(validation(
            shared,
            field,
            value.unwrap_or(&Value::Null),
            "must not be null",
        )),
    }
}

fn id_at(shared: &Shared, path: &str, index: usize, what: &str) -> Result<i64, Reply> {
    let raw = raw_segments(path).get(index).copied().unwrap_or("");
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(illegal(
            shared,
            &format!("{what} must be a positive integer, got {raw:?}"),
        )),
    }
}

fn cluster(shared: &Shared, id: i64) -> Result<&OcpCluster, Reply> {
    shared
        .fixture
        .resources
        .ocp_clusters
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| {
            error_reply(
                shared,
                404,
                json!(10002),
                &format!("Cluster not found: id={id}"),
            )
        })
}

fn tenant<'a>(shared: &Shared, cluster: &'a OcpCluster, id: i64) -> Result<&'a OcpTenant, Reply> {
    cluster.tenants.iter().find(|t| t.id == id).ok_or_else(|| {
        error_reply(
            shared,
            404,
            json!(10002),
            &format!("Tenant not found: id={id}"),
        )
    })
}

/// The cluster a request's path names (`/api/v2/ob/clusters/{id}/...`) and, for a
/// tenant-level operation, its tenant (`.../tenants/{tenantId}/...`).
#[derive(Debug, Clone, Copy)]
struct Scope<'a> {
    cluster: &'a OcpCluster,
    tenant: Option<&'a OcpTenant>,
}

/// An operation on a cluster or one of its tenants, given the [`Scope`] its path names.
type ScopedHandler = for<'a> fn(&'a Shared, &Received<'_>, Scope<'a>) -> Result<Reply, Reply>;

fn scope<'a>(
    shared: &'a Shared,
    received: &Received<'_>,
    tenant_level: bool,
) -> Result<Scope<'a>, Reply> {
    let cluster_id = id_at(shared, received.path, 4, "cluster id")?;
    let cluster = cluster(shared, cluster_id)?;
    let tenant = if tenant_level {
        let tenant_id = id_at(shared, received.path, 6, "tenant id")?;
        Some(tenant(shared, cluster, tenant_id)?)
    } else {
        None
    };
    Ok(Scope { cluster, tenant })
}

fn backup_now(
    shared: &Shared,
    received: &Received<'_>,
    Scope { cluster, tenant }: Scope<'_>,
) -> Result<Reply, Reply> {
    let cluster_id = cluster.id;
    let body: Value = serde_json::from_slice(received.body)
        .map_err(|e| illegal(shared, &format!("JSON parse error: {e}")))?;
    if !body.is_object() {
        return Err(illegal(shared, "request body must be a JSON object"));
    }
    let null = Value::Null;
    let enum_field = |field: &str, allowed: &[&str]| -> Result<String, Reply> {
        let value = body.get(field).unwrap_or(&null);
        match value.as_str() {
            Some(v) if allowed.contains(&v) => Ok(v.to_owned()),
            None => Err(validation(shared, field, value, "must not be null")),
            Some(_) => Err(validation(
                shared,
                field,
                value,
                &format!("must be one of {}", allowed.join(", ")),
            )),
        }
    };
    let backup_mode = enum_field("backupMode", &["LOGICAL_BACKUP", "PHYSICAL_BACKUP"])?;
    let data_backup_mode = enum_field("dataBackupMode", &["FULL_BACKUP", "INCREMENTAL_BACKUP"])?;
    let storage = object_member(
        shared,
        &body,
        "obBackupServiceStorageConfig",
        "obBackupServiceStorageConfig",
    )?;
    let non_empty = |field: &str, value: &Value| -> Result<(), Reply> {
        match value.as_str() {
            Some(v) if !v.trim().is_empty() => Ok(()),
            _ => Err(validation(shared, field, value, "must not be blank")),
        }
    };
    non_empty(
        "obBackupServiceStorageConfig.configName",
        storage.get("configName").unwrap_or(&null),
    )?;
    let base = object_member(
        shared,
        storage,
        "obBackupStorageBaseInfo",
        "obBackupServiceStorageConfig.obBackupStorageBaseInfo",
    )?;
    let storage_type = base.get("backupStorageType").unwrap_or(&null);
    match storage_type.as_str() {
        Some(
            "BACKUP_STORAGE_FILE"
            | "BACKUP_STORAGE_OSS"
            | "BACKUP_STORAGE_COS"
            | "BACKUP_STORAGE_S3",
        ) => {}
        _ => {
            return Err(validation(
                shared,
                "obBackupServiceStorageConfig.obBackupStorageBaseInfo.backupStorageType",
                storage_type,
                "must be one of BACKUP_STORAGE_FILE, BACKUP_STORAGE_OSS, BACKUP_STORAGE_COS, BACKUP_STORAGE_S3",
            ));
        }
    }
    non_empty(
        "obBackupServiceStorageConfig.obBackupStorageBaseInfo.storageUrl",
        base.get("storageUrl").unwrap_or(&null),
    )?;
    if backup_mode == "LOGICAL_BACKUP" && data_backup_mode == "INCREMENTAL_BACKUP" {
        return Err(illegal(
            shared,
            "Logical backup supports only FULL_BACKUP data backups",
        ));
    }

    let tenant_id = tenant.map(|t| t.id);
    let mut object = json!({
        "clusterId": cluster_id,
        "backupDimension": if tenant_id.is_some() { "TENANT" } else { "CLUSTER" },
    });
    if let (Some(t), Some(map)) = (tenant_id, object.as_object_mut()) {
        map.insert("tenantId".into(), t.into());
    }
    if let Some(refusal) = &cluster.refuse_backups_with {
        return Ok(ok(
            shared,
            json!({
                "obBackupTaskType": "DATA_BACKUP_NOW",
                "backupObjectOpsResultList": [{
                    "beSuccessful": false,
                    "obBackupObjectList": [object],
                    "errorCode": refusal.error_code,
                    "hint": refusal.hint,
                }],
            }),
        ));
    }

    let now = shared.now();
    let mut inner = shared.lock();
    // An incremental backup needs an earlier successful full backup of the same scope.
    let has_full = inner.backups.iter().any(|b| {
        matches!(&b.kind, BackupKind::Ocp { cluster_id: c, tenant_id: t, data_backup_mode: m, .. }
            if *c == cluster_id && *t == tenant_id && m == "FULL_BACKUP")
            && b.phase(now) == Phase::Succeeded
    });
    let (failing_subtask, fail_reason) = if data_backup_mode == "INCREMENTAL_BACKUP" && !has_full {
        (
            Some(0),
            Some("Full data backup needed before incremental data backup".to_owned()),
        )
    } else if let Some(reason) = &cluster.fail_backups_with {
        (Some(SUBTASKS.len() - 1), Some(reason.clone()))
    } else {
        (None, None)
    };
    let task_id = inner.next_task_id();
    let backup_set_id = inner
        .backups
        .iter()
        .filter(|b| matches!(b.kind, BackupKind::Ocp { .. }))
        .count() as i64
        + 1;
    let resource = match tenant_id {
        Some(t) => ops::ocp_tenant_resource(cluster_id, t),
        None => ops::ocp_cluster_resource(cluster_id),
    };
    inner.record_backup(
        resource,
        Backup {
            kind: BackupKind::Ocp {
                cluster_id,
                tenant_id,
                task_id,
                backup_mode,
                data_backup_mode,
                failing_subtask,
                backup_set_id,
            },
            created: now,
            duration: shared.backup_duration(),
            fail_reason,
            size_mb: 128,
        },
    );
    drop(inner);
    Ok(ok(
        shared,
        json!({
            "obBackupTaskType": "DATA_BACKUP_NOW",
            "backupObjectOpsResultList": [{
                "beSuccessful": true,
                "obBackupObjectList": [object],
                "taskIdList": [task_id],
            }],
        }),
    ))
}

fn strategy(
    shared: &Shared,
    _received: &Received<'_>,
    Scope { cluster, tenant }: Scope<'_>,
) -> Result<Reply, Reply> {
    let Some(s) = &cluster.backup_strategy else {
        return Err(error_reply(
            shared,
            404,
            json!(10002),
            &format!("Backup strategy not found for cluster id={}", cluster.id),
        ));
    };
    let started = backup_core::time::format_iso8601(shared.started, 3, "+00:00");
    let service_type = if s.backup_mode == "LOGICAL_BACKUP" {
        "BACKUP_RESTORE_SERVICE"
    } else {
        "OB_CLUSTER"
    };
    let mut data = json!({
        "id": cluster.id * 10 + 1,
        "createTime": started,
        "updateTime": started,
        "clusterName": cluster.name,
        "obClusterId": cluster.ob_cluster_id,
        "clusterId": cluster.id,
        "backupDimension": if tenant.is_some() { "TENANT" } else { "CLUSTER" },
        "type": "BACKUP",
        "backupMode": s.backup_mode,
        "serviceConfigName": s.config_name,
        "obBackupServiceStorageConfig": {
            "configName": s.config_name,
            "storageId": s.storage_id,
            "serviceType": service_type,
            "serviceId": cluster.id,
            "serviceName": s.service_name,
            "alarmStoragePercentageThreshold": 95,
            "obBackupStorageBaseInfo": {
                "backupStorageType": s.storage_type,
                "storageUrl": s.storage_url,
            },
        },
        "obBackupScheduleConfig": {
            "backupScheduleMode": "WEEK",
            "backupScheduleEnabled": true,
            "backupScheduleTime": "02:00:00.000+00:00",
            "dayAndDataBackupModelMap": {"1": "FULL_BACKUP", "4": "INCREMENTAL_BACKUP"},
        },
    });
    if let (Some(t), Some(map)) = (tenant, data.as_object_mut()) {
        map.insert("tenantId".into(), t.id.into());
        map.insert("tenantName".into(), t.name.clone().into());
        map.insert("obTenantId".into(), t.id.into());
    }
    Ok(ok(shared, data))
}

fn find_task(shared: &Shared, task_id: i64) -> Option<Backup> {
    shared
        .lock()
        .backups
        .iter()
        .find(|b| matches!(b.kind, BackupKind::Ocp { task_id: t, .. } if t == task_id))
        .cloned()
}

fn task_not_found(shared: &Shared, id: i64) -> Reply {
    error_reply(
        shared,
        404,
        json!(20000),
        &format!("Task instance not found: id={id}"),
    )
}

/// (status, start, finish) of subtask `index`.
fn subtask_state(
    backup: &Backup,
    index: usize,
    now: std::time::SystemTime,
) -> (
    &'static str,
    Option<std::time::SystemTime>,
    Option<std::time::SystemTime>,
) {
    let n = SUBTASKS.len() as f64;
    let start = backup.created + backup.duration.mul_f64(index as f64 / n);
    let end = backup.created + backup.duration.mul_f64((index as f64 + 1.0) / n);
    let failing = match &backup.kind {
        BackupKind::Ocp {
            failing_subtask, ..
        } => *failing_subtask,
        _ => None,
    };
    if failing.is_some_and(|f| index > f) {
        return ("PENDING", None, None);
    }
    if now >= end {
        let status = if failing == Some(index) {
            "FAILED"
        } else {
            "SUCCESSFUL"
        };
        (status, Some(start), Some(end))
    } else if now >= start {
        ("RUNNING", Some(start), None)
    } else {
        ("PENDING", None, None)
    }
}

fn time(t: Option<std::time::SystemTime>) -> Value {
    t.map(|t| Value::from(backup_core::time::format_iso8601(t, 3, "+00:00")))
        .unwrap_or(Value::Null)
}

fn task_instance(shared: &Shared, received: &Received<'_>) -> Result<Reply, Reply> {
    let id = id_at(shared, received.path, 4, "task instance id")?;
    let Some(backup) = find_task(shared, id) else {
        return Err(task_not_found(shared, id));
    };
    let BackupKind::Ocp {
        cluster_id,
        tenant_id,
        ..
    } = &backup.kind
    else {
        return Err(task_not_found(shared, id));
    };
    let now = shared.now();
    let cluster = cluster(shared, *cluster_id)?;
    let status = match backup.phase(now) {
        Phase::Succeeded => "SUCCESSFUL",
        Phase::Failed => "FAILED",
        Phase::Pending | Phase::Running => "RUNNING",
    };
    let subtasks: Vec<Value> = SUBTASKS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (status, start, finish) = subtask_state(&backup, i, now);
            let sub_id = id * 10 + i as i64 + 1;
            json!({
                "id": sub_id,
                "name": name,
                "seriesId": i + 1,
                "description": name,
                "timeout": 86_400,
                "status": status,
                "operation": "EXECUTE",
                "executor": "127.0.0.1",
                "runTime": 1,
                "nodeType": "JAVA_TASK",
                "parallelIdx": 0,
                "upstreams": if i == 0 { json!([]) } else { json!([sub_id - 1]) },
                "downstreams": if i + 1 == SUBTASKS.len() { json!([]) } else { json!([sub_id + 1]) },
                "prohibitRollback": false,
                "createTime": time(Some(backup.created)),
                "startTime": time(start),
                "finishTime": time(finish),
            })
        })
        .collect();
    let finished = matches!(status, "SUCCESSFUL" | "FAILED").then(|| backup.finished_at());
    let mut data = json!({
        "id": id,
        "name": if tenant_id.is_some() { "Backup tenant now" } else { "Backup cluster now" },
        "taskDefinitionId": 0,
        "cluster": {
            "id": cluster.id,
            "name": cluster.name,
            "obClusterId": cluster.ob_cluster_id,
            "type": "PRIMARY",
        },
        "creator": {"id": 1, "name": "admin"},
        "status": status,
        "type": "MANUAL",
        "operation": "EXECUTE",
        "executor": "127.0.0.1",
        "prohibitRollback": false,
        "createTime": time(Some(backup.created)),
        "startTime": time(Some(backup.created)),
        "finishTime": time(finished),
        "subtasks": subtasks,
    });
    if let (Some(t), Some(map)) = (tenant_id, data.as_object_mut())
        && let Some(t) = cluster.tenants.iter().find(|x| x.id == *t)
    {
        map.insert(
            "tenant".into(),
            json!({"id": t.id, "name": t.name, "obTenantId": t.id, "mode": "MYSQL"}),
        );
    }
    Ok(ok(shared, data))
}

fn subtask_log(shared: &Shared, received: &Received<'_>) -> Result<Reply, Reply> {
    let id = id_at(shared, received.path, 4, "task instance id")?;
    let sub_id = id_at(shared, received.path, 6, "subtask instance id")?;
    let Some(backup) = find_task(shared, id) else {
        return Err(task_not_found(shared, id));
    };
    let index = sub_id - id * 10 - 1;
    if !(0..SUBTASKS.len() as i64).contains(&index) {
        return Err(task_not_found(shared, sub_id));
    }
    let index = index as usize;
    let (status, _, _) = subtask_state(&backup, index, shared.now());
    let name = SUBTASKS.get(index).copied().unwrap_or("");
    let log = match (status, &backup.fail_reason) {
        ("FAILED", Some(reason)) => format!("[{name}] start\n[{name}] failed: {reason}\n"),
        ("SUCCESSFUL", _) => format!("[{name}] start\n[{name}] done\n"),
        ("RUNNING", _) => format!("[{name}] start\n"),
        _ => String::new(),
    };
    Ok(ok(shared, json!({"log": log})))
}

/// Unlike GES's, an empty `page` or `size` takes the default, as a parameter left out does.
fn page_param(
    shared: &Shared,
    received: &Received<'_>,
    name: &str,
    default: i64,
    max: i64,
) -> Result<i64, Reply> {
    if received.raw_query_param(name) == Some("") {
        return Ok(default);
    }
    received.int_query_param(name, default, 1..=max, |raw| {
        illegal(
            shared,
            &format!("{name} must be an integer from 1 to {max}, got {raw:?}"),
        )
    })
}

fn data_backup_tasks(
    shared: &Shared,
    received: &Received<'_>,
    Scope { cluster, tenant }: Scope<'_>,
) -> Result<Reply, Reply> {
    let tenant_filter = tenant.map(|t| t.id);
    let page = page_param(shared, received, "page", 1, i64::from(i32::MAX))?;
    let size = page_param(shared, received, "size", 10, 2000)?;
    let now = shared.now();
    let mut backups: Vec<Backup> = shared
        .lock()
        .backups
        .iter()
        .filter(|b| match &b.kind {
            BackupKind::Ocp {
                cluster_id: c,
                tenant_id: t,
                ..
            } => *c == cluster.id && (tenant_filter.is_none() || *t == tenant_filter),
            _ => false,
        })
        .cloned()
        .collect();
    backups.sort_by_key(|b| std::cmp::Reverse(b.created));
    let total = backups.len() as i64;
    let contents: Vec<Value> = backups
        .iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .filter_map(|b| {
            let BackupKind::Ocp {
                task_id,
                tenant_id,
                backup_mode,
                data_backup_mode,
                backup_set_id,
                ..
            } = &b.kind
            else {
                return None;
            };
            let phase = b.phase(now);
            let (status, finish) = match phase {
                Phase::Succeeded => ("DONE", Some(b.finished_at())),
                Phase::Failed => ("FAILED", Some(b.finished_at())),
                Phase::Pending | Phase::Running => ("DOING", None),
            };
            let tenant = tenant_id.and_then(|t| cluster.tenants.iter().find(|x| x.id == t));
            let storage_url = cluster
                .backup_strategy
                .as_ref()
                .map(|s| s.storage_url.clone())
                .unwrap_or_else(|| "/obbackup/".into());
            Some(json!({
                "taskId": task_id,
                "backupType": "DATA_BACKUP",
                "taskType": data_backup_mode,
                "clusterName": cluster.name,
                "clusterId": cluster.id,
                "obClusterId": cluster.ob_cluster_id,
                "clusterType": "PRIMARY",
                "tenantId": tenant.map(|t| t.id),
                "tenantName": tenant.map(|t| t.name.clone()),
                "obTenantId": tenant.map(|t| t.id),
                "startTime": time(Some(b.created)),
                "finishTime": time(finish),
                "status": status,
                "errorMsg": if phase == Phase::Failed { b.fail_reason.clone() } else { None },
                "backupUri": format!("file://{storage_url}"),
                "backupSetId": backup_set_id,
                "backupMode": backup_mode,
                "dataBackupTaskType": data_backup_mode,
                "dataSecondaryBackupTaskIds": [],
            }))
        })
        .collect();
    let total_pages = (total + size - 1) / size;
    Ok(ok(
        shared,
        json!({
            "contents": contents,
            "page": {
                "totalElements": total,
                "totalPages": total_pages,
                "number": page,
                "size": size,
            },
        }),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use backup_core::clock::SystemClock;

    use super::*;
    use crate::config::Fixture;

    /// The storage configuration and its base info must be JSON objects; anything else is
    /// refused before a backup is made, naming the field by its path from the body's top.
    #[test]
    fn backup_now_refuses_a_storage_configuration_that_is_not_an_object() {
        let shared = Shared::new(Fixture::demo(), Arc::new(SystemClock));
        let Some(route) = OcpApi
            .routes()
            .into_iter()
            .find(|r| r.name == ops::OCP_BACKUP_NOW)
        else {
            panic!("backupNow is not routed");
        };
        let path = "/api/v2/ob/clusters/1/backup/backupNow";
        let top = "obBackupServiceStorageConfig";
        let nested = "obBackupServiceStorageConfig.obBackupStorageBaseInfo";
        let modes = r#""backupMode": "PHYSICAL_BACKUP", "dataBackupMode": "FULL_BACKUP""#;
        let cases = [
            (format!("{{{modes}}}"), top, Value::Null),
            (format!(r#"{{{modes}, "{top}": null}}"#), top, Value::Null),
            (format!(r#"{{{modes}, "{top}": [1]}}"#), top, json!([1])),
            (
                format!(r#"{{{modes}, "{top}": {{"configName": "c"}}}}"#),
                nested,
                Value::Null,
            ),
            (
                format!(
                    r#"{{{modes}, "{top}": {{"configName": "c", "obBackupStorageBaseInfo": "s3"}}}}"#
                ),
                nested,
                json!("s3"),
            ),
        ];
        for (body, field, rejected) in cases {
            let received = Received {
                method: "POST",
                body: body.as_bytes(),
                ..Received::get(path, "")
            };
            let reply = OcpApi.handle(&shared, route, &received, None);
            assert_eq!(reply.status, 400, "{body}");
            let answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            let error = &answer["error"];
            assert_eq!(error["code"], 10001, "{body}");
            assert_eq!(
                error["message"],
                format!("Illegal argument: {field} must not be null"),
                "{body}"
            );
            assert_eq!(error["subErrors"][0]["field"], field, "{body}");
            assert_eq!(error["subErrors"][0]["rejectedValue"], rejected, "{body}");
        }
        assert_eq!(shared.lock().backups.len(), 0);
    }

    /// `page`/`size`: absent or empty takes the default; otherwise a decimal integer from 1
    /// to the maximum, or the answer is 400 code 10001 naming the value.
    #[test]
    fn page_parameters_take_a_default_and_refuse_the_rest_with_10001() {
        let shared = Shared::for_tests();
        let size = |query| {
            page_param(
                &shared,
                &Received::get("/api/v2/ob/clusters/1/backup/task/dataBackupTasks", query),
                "size",
                10,
                2000,
            )
        };
        assert_eq!(size("page=2").ok(), Some(10));
        assert_eq!(size("size=").ok(), Some(10));
        assert_eq!(size("size=1").ok(), Some(1));
        assert_eq!(size("page=1&size=2000").ok(), Some(2000));
        for (bad, raw) in [
            ("size=0", "0"),
            ("size=2001", "2001"),
            ("size=-3", "-3"),
            ("size=ten", "ten"),
        ] {
            let Err(reply) = size(bad) else {
                panic!("{bad} was accepted");
            };
            assert_eq!(reply.status, 400, "{bad}");
            let body: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            assert_eq!(body["error"]["code"], 10001, "{bad}");
            assert_eq!(
                body["error"]["message"],
                format!("size must be an integer from 1 to 2000, got {raw:?}"),
                "{bad}"
            );
        }
    }
}
