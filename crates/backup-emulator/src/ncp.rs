//! NAVER Cloud: `/vhadoop/v2/`, `/vcache/v2/`, `/vredis/v2/`. Every operation takes GET
//! (query) or POST (form body, or query), answers `{"<op>Response": {...}}` in JSON or XML
//! (`responseFormatType`, XML by default), and fails with the gateway's `{"error":{...}}` or
//! the service's `responseError`.

use serde_json::{Map, Value, json};

use crate::auth::{Received, verify_ncp};
use crate::config::{
    CacheInstance, HADOOP_CONFIG_FILES, HADOOP_CONFIG_PREFIX, HadoopCluster, ObjectFault,
};
use crate::ops;
use crate::reply::Reply;
use crate::routes::ROUTES;
use crate::state::{Backup, BackupKind, Phase, Shared, Throttled, compact};
use crate::vendor::{Api, FaultError, Route, VendorApi, raw_segments, resolve, routes_of};

/// Served although the API descriptions do not list them (yet): declared here, by hand.
static UNDESCRIBED_ROUTES: [Route; 1] = [Route {
    api: Api::Ncp,
    method: "GET",
    path: "/vcache/v2/getCloudCacheBackupDetailList",
    operation_id: "getCloudCacheBackupDetailList",
    name: ops::VCACHE_BACKUP_DETAIL_LIST,
}];

/// The size of an exported backup file in Object Storage.
const EXPORT_OBJECT_BYTES: u64 = 16 * 1024 * 1024;
/// The size of each object of a Hadoop configuration backup.
const HADOOP_CONFIG_OBJECT_BYTES: u64 = 64 * 1024;

/// The NAVER Cloud API Gateway.
pub(crate) struct NcpApi;

impl VendorApi for NcpApi {
    fn claims(&self, path: &str) -> bool {
        ["/vhadoop/", "/vcache/", "/vredis/"]
            .iter()
            .any(|p| path.starts_with(p))
    }

    fn routes(&self) -> Vec<&'static Route> {
        routes_of(Api::Ncp, ROUTES, &UNDESCRIBED_ROUTES)
    }

    /// Every NCP operation takes GET and POST alike, so the path alone names it.
    fn operation(&self, _method: &str, path: &str) -> Option<&'static Route> {
        resolve(self.routes(), None, &raw_segments(path))
    }

    fn authenticate(&self, shared: &Shared, received: &Received<'_>) -> Result<(), Reply> {
        verify_ncp(received, &shared.fixture.credentials.ncp, shared.now())
            .map_err(|failure| gateway_error(401, "200", "Authentication Failed", &failure.0))
    }

    fn throttled(&self, _shared: &Shared, throttled: Throttled) -> Reply {
        gateway_error(
            429,
            "410",
            "Throttle Limited",
            &format!(
                "request rate exceeds the limit of {} requests",
                throttled.limit
            ),
        )
        .with_header("retry-after", throttled.retry_after_seconds.to_string())
    }

    fn handle(
        &self,
        shared: &Shared,
        route: &'static Route,
        received: &Received<'_>,
        object_fault: Option<ObjectFault>,
    ) -> Reply {
        handle(shared, route, received, object_fault)
    }

    fn not_found(&self, _shared: &Shared, _received: &Received<'_>) -> Reply {
        no_such_api()
    }

    /// A gateway error for a gateway-style code (three digits or fewer), a service error
    /// in the format the request asked for otherwise.
    fn error(&self, _shared: &Shared, received: &Received<'_>, fault: FaultError<'_>) -> Reply {
        if fault.code.len() <= 3 {
            gateway_error(fault.status, fault.code, fault.message, "")
        } else {
            service_error(received, fault.status, fault.code, fault.message)
        }
    }
}

fn no_such_api() -> Reply {
    gateway_error(404, "300", "Not Found Exception", "no such API")
}

/// The gateway's error body (always JSON: the gateway does not read `responseFormatType`).
fn gateway_error(status: u16, code: &str, message: &str, details: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"errorCode": code, "message": message, "details": details}}),
    )
}

/// A service error in the format the request asked for.
fn service_error(received: &Received<'_>, status: u16, code: &str, message: &str) -> Reply {
    let format = Params::parse(received)
        .and_then(|p| p.format())
        .unwrap_or(Format::Xml);
    service_error_in(format, status, code, message)
}

fn service_error_in(format: Format, status: u16, code: &str, message: &str) -> Reply {
    let inner = json!({"returnCode": code, "returnMessage": message});
    match format {
        Format::Json => Reply::json(status, &json!({"responseError": inner})),
        Format::Xml => Reply::xml(status, to_xml("responseError", &inner)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

struct Params(Vec<(String, String)>);

impl Params {
    /// Query parameters, then (POST) form-body parameters; the first value of a name wins.
    fn parse(received: &Received<'_>) -> Option<Self> {
        let mut pairs = Vec::new();
        let mut add = |text: &str| -> Option<()> {
            for pair in text.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let k = backup_core::encoding::percent_decode(k, true)?;
                let v = backup_core::encoding::percent_decode(v, true)?;
                pairs.push((k, v));
            }
            Some(())
        };
        add(received.query)?;
        let form = received
            .header("content-type")
            .is_some_and(|ct| ct.contains("application/x-www-form-urlencoded"));
        if form || (received.method == "POST" && !received.body.is_empty()) {
            add(std::str::from_utf8(received.body).ok()?)?;
        }
        Some(Self(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `None` for a value that is neither `json` nor `xml`.
    fn format(&self) -> Option<Format> {
        match self.get("responseFormatType") {
            None | Some("") => Some(Format::Xml),
            Some(v) if v.eq_ignore_ascii_case("json") => Some(Format::Json),
            Some(v) if v.eq_ignore_ascii_case("xml") => Some(Format::Xml),
            Some(_) => None,
        }
    }
}

struct Ctx<'a> {
    shared: &'a Shared,
    route: &'static Route,
    format: Format,
    params: Params,
    /// What happens to the object an export or configuration backup writes.
    object_fault: Option<ObjectFault>,
}

impl Ctx<'_> {
    fn required(&self, name: &str) -> Result<&str, Reply> {
        match self.params.get(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(self.error(
                400,
                "900",
                &format!("Required field is not specified. location: [{name}]"),
            )),
        }
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Reply {
        service_error_in(self.format, status, code, message)
    }

    fn not_found(&self) -> Reply {
        self.error(400, "5001017", "lookup result is 0 or already deleted")
    }

    fn ok(&self, mut body: Map<String, Value>) -> Reply {
        let request_id = self.shared.lock().uuid();
        let mut inner = Map::new();
        inner.insert("requestId".into(), request_id.into());
        inner.insert("returnCode".into(), "0".into());
        inner.insert("returnMessage".into(), "success".into());
        inner.append(&mut body);
        let root = format!("{}Response", self.route.operation_id);
        let inner = Value::Object(inner);
        match self.format {
            Format::Json => Reply::json(200, &json!({ root: inner })),
            Format::Xml => Reply::xml(200, to_xml(&root, &inner)),
        }
    }
}

fn handle(
    shared: &Shared,
    route: &'static Route,
    received: &Received<'_>,
    object_fault: Option<ObjectFault>,
) -> Reply {
    if received.method != "GET" && received.method != "POST" {
        return gateway_error(404, "300", "Not Found Exception", "method not allowed");
    }
    let Some(params) = Params::parse(received) else {
        return gateway_error(
            400,
            "100",
            "Bad Request Exception",
            "malformed percent-encoding or non-UTF-8 parameters",
        );
    };
    let Some(format) = params.format() else {
        return service_error_in(
            Format::Xml,
            400,
            "900",
            "Invalid parameter value. location: [responseFormatType] (xml | json)",
        );
    };
    let ctx = Ctx {
        shared,
        route,
        format,
        params,
        object_fault,
    };
    match dispatch(&ctx) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn dispatch(ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    match ctx.route.name {
        ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION => hadoop_backup(ctx),
        ops::VHADOOP_GET_INSTANCE_DETAIL => hadoop_detail(ctx),
        ops::VCACHE_CREATE_MANUAL_BACKUP => create_manual(ctx, false),
        ops::VREDIS_CREATE_MANUAL_BACKUP => create_manual(ctx, true),
        ops::VCACHE_EXPORT => export(ctx, false),
        ops::VREDIS_EXPORT => export(ctx, true),
        ops::VCACHE_BACKUP_LIST => backup_list(ctx, false, false),
        ops::VREDIS_BACKUP_LIST => backup_list(ctx, true, false),
        ops::VCACHE_MANUAL_BACKUP_LIST => backup_list(ctx, false, true),
        ops::VREDIS_MANUAL_BACKUP_LIST => backup_list(ctx, true, true),
        ops::VCACHE_BACKUP_DETAIL_LIST => detail_list(ctx, false, false),
        ops::VREDIS_BACKUP_DETAIL_LIST => detail_list(ctx, true, false),
        ops::VCACHE_MANUAL_BACKUP_DETAIL_LIST => detail_list(ctx, false, true),
        ops::VREDIS_MANUAL_BACKUP_DETAIL_LIST => detail_list(ctx, true, true),
        _ => Err(no_such_api()),
    }
}

fn ncp_time(time: std::time::SystemTime) -> String {
    backup_core::time::format_iso8601(time, 0, "+0000")
}

fn code(code: &str, name: &str) -> Value {
    json!({"code": code, "codeName": name})
}

fn find_cluster<'a>(ctx: &'a Ctx<'_>, no: &str) -> Result<&'a HadoopCluster, Reply> {
    ctx.shared
        .fixture
        .resources
        .hadoop_clusters
        .iter()
        .find(|c| c.instance_no == no)
        .ok_or_else(|| ctx.not_found())
}

fn hadoop_backup(ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let no = ctx.required("cloudHadoopInstanceNo")?;
    let cluster = find_cluster(ctx, no)?;
    let now = ctx.shared.now();
    let backup = Backup {
        kind: BackupKind::Hadoop {
            instance_no: no.to_owned(),
        },
        created: now,
        duration: ctx.shared.backup_duration(),
        fail_reason: cluster.fail_backups_with.clone(),
        size_mb: 1,
    };
    let written = backup.finished_at();
    let mut inner = ctx.shared.lock();
    inner.record_backup(ops::hadoop_resource(no), backup);
    // Seed 000: the settings go to "the bucket mapped to the cluster"; a failed backup
    // writes nothing. The object names are the emulator's (UNVERIFIED).
    if cluster.fail_backups_with.is_none() {
        let folder = format!("{HADOOP_CONFIG_PREFIX}{}/{}/", cluster.name, compact(now));
        for file in HADOOP_CONFIG_FILES {
            inner.write_object(
                &cluster.bucket,
                format!("{folder}{file}"),
                HADOOP_CONFIG_OBJECT_BYTES,
                written,
                ctx.object_fault,
            );
        }
    }
    drop(inner);
    Ok(ctx.ok(Map::new()))
}

fn hadoop_detail(ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let no = ctx.required("cloudHadoopInstanceNo")?;
    let cluster = find_cluster(ctx, no)?;
    let now = ctx.shared.now();
    let backing_up = || {
        ctx.shared.lock().backups.iter().any(|b| {
            matches!(&b.kind, BackupKind::Hadoop { instance_no } if instance_no == no)
                && matches!(b.phase(now), Phase::Pending | Phase::Running)
        })
    };
    // Seed 000 documents no state for a configuration backup: the cluster shows one only
    // when its fixture asks for it.
    let (operation, status_name) = match &cluster.busy_during_backup {
        Some(busy) if backing_up() => (
            code(&busy.operation, &busy.operation),
            busy.status_name.as_str(),
        ),
        _ => (code("NULL", "Null OP"), "running"),
    };
    let instance = json!({
        "cloudHadoopInstanceNo": cluster.instance_no,
        "cloudHadoopClusterName": cluster.name,
        "cloudHadoopInstanceStatusName": status_name,
        "cloudHadoopInstanceStatus": code("CREAT", "CREATED"),
        "cloudHadoopInstanceOperation": operation,
        "objectStorageBucket": cluster.bucket,
        "createDate": ncp_time(ctx.shared.started),
    });
    let mut body = Map::new();
    body.insert("totalRows".into(), 1.into());
    body.insert("cloudHadoopInstanceList".into(), json!([instance]));
    Ok(ctx.ok(body))
}

fn instance_param(redis: bool) -> &'static str {
    if redis {
        "cloudRedisInstanceNo"
    } else {
        "cloudCacheInstanceNo"
    }
}

/// The instances an API serves, each with whether it is a Redis instance. `/vredis/v2/`
/// serves Redis instances only; `/vcache/v2/` serves Valkey and Redis ones (seed 003,
/// "createCloudCacheManualBackup API: Support for Valkey and Redis DBMS").
fn instances(shared: &Shared, redis_api: bool) -> impl Iterator<Item = (&CacheInstance, bool)> {
    let resources = &shared.fixture.resources;
    let valkey: &[CacheInstance] = if redis_api {
        &[]
    } else {
        &resources.cache_instances
    };
    valkey
        .iter()
        .map(|i| (i, false))
        .chain(resources.redis_instances.iter().map(|i| (i, true)))
}

/// The instance `no` as `redis_api` serves it, with whether it is a Redis instance.
fn find_instance<'a>(
    ctx: &'a Ctx<'_>,
    redis_api: bool,
    no: &str,
) -> Result<(&'a CacheInstance, bool), Reply> {
    instances(ctx.shared, redis_api)
        .find(|(i, _)| i.instance_no == no)
        .ok_or_else(|| ctx.not_found())
}

fn resource(redis: bool, no: &str) -> String {
    if redis {
        ops::redis_resource(no)
    } else {
        ops::cache_resource(no)
    }
}

fn create_manual(ctx: &Ctx<'_>, redis_api: bool) -> Result<Reply, Reply> {
    let no = ctx.required(instance_param(redis_api))?;
    // The backup belongs to the instance, whichever API started it.
    let (instance, redis) = find_instance(ctx, redis_api, no)?;
    let now = ctx.shared.now();
    let mut inner = ctx.shared.lock();
    let seq = inner.backups.len() + 1;
    let backup = Backup {
        kind: BackupKind::Cache {
            redis,
            instance_no: no.to_owned(),
            file_name: format!("{}-{seq}", compact(now)),
        },
        created: now,
        duration: ctx.shared.backup_duration(),
        fail_reason: instance.fail_backups_with.clone(),
        size_mb: 16,
    };
    inner.record_backup(resource(redis, no), backup);
    drop(inner);
    Ok(ctx.ok(Map::new()))
}

fn export(ctx: &Ctx<'_>, redis_api: bool) -> Result<Reply, Reply> {
    let file_name = ctx.required("fileName")?;
    let bucket = ctx.required("bucketName")?;
    let no = ctx.required(instance_param(redis_api))?;
    let mode = ctx.required("backupTypeMode")?;
    if mode != "SYSTEM" && mode != "MANUAL" {
        return Err(ctx.error(
            400,
            "900",
            "Invalid parameter value. location: [backupTypeMode] (SYSTEM | MANUAL)",
        ));
    }
    let (instance, redis) = find_instance(ctx, redis_api, no)?;
    let exists = if mode == "SYSTEM" {
        instance.system_backup_files.iter().any(|f| f == file_name)
    } else {
        let now = ctx.shared.now();
        ctx.shared.lock().backups.iter().any(|b| {
            matches!(&b.kind, BackupKind::Cache { redis: r, instance_no, file_name: f }
                if *r == redis && instance_no == no && f == file_name)
                && b.phase(now) == Phase::Succeeded
        })
    };
    if !exists {
        return Err(ctx.not_found());
    }
    // Seed 001: "Object Storage buckets ... must be created in advance". The vendor's error
    // for one that was not is undocumented; the fixture's (UNVERIFIED) choice answers.
    if !ctx
        .shared
        .fixture
        .resources
        .buckets
        .iter()
        .any(|b| b == bucket)
    {
        let missing = &ctx.shared.fixture.missing_bucket_error;
        return Err(ctx.error(missing.status, &missing.code, &missing.message));
    }
    let written = ctx.shared.now() + ctx.shared.backup_duration();
    let mut inner = ctx.shared.lock();
    *inner
        .counters
        .exports
        .entry(resource(redis, no))
        .or_default() += 1;
    // The key the service gives the exported file is undocumented (seed 001 names only
    // `fileName`): the emulator's choice, UNVERIFIED, is the file name itself.
    inner.write_object(
        bucket,
        file_name.to_owned(),
        EXPORT_OBJECT_BYTES,
        written,
        ctx.object_fault,
    );
    drop(inner);
    Ok(ctx.ok(Map::new()))
}

/// Finished manual backups of an instance: (file name, start, end, size).
fn manual_backups(
    ctx: &Ctx<'_>,
    redis: bool,
    no: &str,
) -> Vec<(String, std::time::SystemTime, std::time::SystemTime, u64)> {
    let now = ctx.shared.now();
    let inner = ctx.shared.lock();
    let mut out: Vec<_> = inner
        .backups
        .iter()
        .filter(|b| b.phase(now) == Phase::Succeeded)
        .filter_map(|b| match &b.kind {
            BackupKind::Cache {
                redis: r,
                instance_no,
                file_name,
            } if *r == redis && instance_no == no => {
                Some((file_name.clone(), b.created, b.finished_at(), b.size_mb))
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.1));
    out
}

/// System backups of an instance, dated one day before the emulator started, an hour apart.
fn system_backups(
    ctx: &Ctx<'_>,
    instance: &CacheInstance,
) -> Vec<(String, std::time::SystemTime, std::time::SystemTime, u64)> {
    let day = std::time::Duration::from_secs(86_400);
    let base = ctx
        .shared
        .started
        .checked_sub(day)
        .unwrap_or(ctx.shared.started);
    instance
        .system_backup_files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let start = base + std::time::Duration::from_secs(3600 * i as u64);
            (
                f.clone(),
                start,
                start + std::time::Duration::from_secs(60),
                16,
            )
        })
        .collect()
}

fn backup_list(ctx: &Ctx<'_>, redis_api: bool, manual: bool) -> Result<Reply, Reply> {
    let filter = ctx
        .params
        .get(instance_param(redis_api))
        .filter(|v| !v.is_empty());
    let (no_key, name_key, list_key) = if redis_api {
        (
            "cloudRedisInstanceNo",
            "cloudRedisServiceName",
            "cloudRedisBackupList",
        )
    } else {
        (
            "cloudCacheInstanceNo",
            "cloudCacheServiceName",
            "cloudCacheBackupList",
        )
    };
    let mut list = Vec::new();
    for (instance, redis) in instances(ctx.shared, redis_api) {
        if filter.is_some_and(|f| f != instance.instance_no) {
            continue;
        }
        let backups = if manual {
            manual_backups(ctx, redis, &instance.instance_no)
        } else {
            system_backups(ctx, instance)
        };
        let Some(latest) = backups.iter().max_by_key(|b| b.1) else {
            continue;
        };
        let size: u64 = backups.iter().map(|b| b.3).sum();
        let (h, m) = {
            let (_, _, _, h, m, _) = backup_core::clock::utc_fields(latest.1);
            (h, m)
        };
        list.push(json!({
            no_key: instance.instance_no,
            name_key: instance.name,
            "backupFileRetentionPeriod": 7,
            "backupTime": format!("{h:02}:{m:02}"),
            "backupSize": size * 1024 * 1024,
            "backupFileCount": backups.len(),
            "lastBackupDate": ncp_time(latest.2),
            "backupType": if manual { code("MANUAL", "Manual backup") } else { code("SYSTEM", "System backup") },
            "shardCount": 0,
        }));
    }
    let mut body = Map::new();
    body.insert("totalRows".into(), list.len().into());
    body.insert(list_key.into(), Value::Array(list));
    Ok(ctx.ok(body))
}

fn detail_list(ctx: &Ctx<'_>, redis_api: bool, manual: bool) -> Result<Reply, Reply> {
    let no = ctx.required(instance_param(redis_api))?;
    let (instance, redis) = find_instance(ctx, redis_api, no)?;
    let backups = if manual {
        manual_backups(ctx, redis, no)
    } else {
        system_backups(ctx, instance)
    };
    let (no_key, list_key) = if redis_api {
        ("cloudRedisInstanceNo", "cloudRedisBackupDetailList")
    } else {
        ("cloudCacheInstanceNo", "cloudCacheBackupDetailList")
    };
    let list: Vec<Value> = backups
        .iter()
        .map(|(file, start, end, size)| {
            json!({
                no_key: no,
                "fileName": file,
                "backupTime": ncp_time(*end),
                "startTime": ncp_time(*start),
                "endTime": ncp_time(*end),
                "backupSize": size * 1024 * 1024,
                "dataStorageSize": size * 1024 * 1024,
            })
        })
        .collect();
    let mut body = Map::new();
    body.insert("totalRows".into(), list.len().into());
    body.insert(list_key.into(), Value::Array(list));
    Ok(ctx.ok(body))
}

/// Renders a JSON object as the NCP XML envelope: one element per field; an array `xyzList`
/// holds one `<xyz>` element per item.
pub(crate) fn to_xml(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_element(&mut out, root, value);
    out
}

fn write_element(out: &mut String, name: &str, value: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Object(map) => {
            // The envelope fields first, as the vendor writes them; the rest in key order.
            const FIRST: [&str; 4] = ["requestId", "returnCode", "returnMessage", "totalRows"];
            for k in FIRST {
                if let Some(v) = map.get(k) {
                    write_element(out, k, v);
                }
            }
            for (k, v) in map.iter().filter(|(k, _)| !FIRST.contains(&k.as_str())) {
                write_element(out, k, v);
            }
        }
        Value::Array(items) => {
            let item = name.strip_suffix("List").unwrap_or("item");
            for v in items {
                write_element(out, item, v);
            }
        }
        Value::String(s) => escape(out, s),
        Value::Null => {}
        other => escape(out, &other.to_string()),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_lists_and_escaping() {
        let v = json!({"requestId": "a<b", "totalRows": 1, "cloudRedisBackupList": [{"backupType": {"code": "X"}}]});
        assert_eq!(
            to_xml("r", &v),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r><requestId>a&lt;b</requestId><totalRows>1</totalRows><cloudRedisBackupList><cloudRedisBackup><backupType><code>X</code></backupType></cloudRedisBackup></cloudRedisBackupList></r>"
        );
    }
}
