//! Huawei Cloud GES (`/v2/{project_id}/graphs/...`) behind an APIG gateway, and the IAM
//! token endpoint (`POST /v3/auth/tokens`). Errors are `{"error_code", "error_msg"}`; every
//! response carries `X-Request-Id`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::auth::{Received, verify_huawei_aksk};
use crate::config::{GesGraph, ObjectFault};
use crate::ops;
use crate::reply::Reply;
use crate::routes::ROUTES;
use crate::state::{Backup, BackupKind, IssuedToken, Phase, Shared, Throttled, compact};
use crate::vendor::{Api, FaultError, Route, VendorApi, resolve, routes_of};

const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// IAM is not among the API descriptions (the SDK's token call is written by hand too):
/// its one operation is declared here.
static IAM_ROUTES: [Route; 1] = [Route {
    api: Api::Iam,
    method: "POST",
    path: "/v3/auth/tokens",
    operation_id: "createToken",
    name: ops::IAM_CREATE_TOKEN,
}];

/// Path segments, percent-decoded (`None` if one does not decode).
fn segments(path: &str) -> Option<Vec<String>> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| backup_core::encoding::percent_decode(s, false))
        .collect()
}

/// Huawei Cloud GES behind APIG.
pub(crate) struct GesApi;

impl VendorApi for GesApi {
    fn claims(&self, path: &str) -> bool {
        path.starts_with("/v2/")
    }

    fn routes(&self) -> Vec<&'static Route> {
        routes_of(Api::Ges, ROUTES, &[])
    }

    /// APIG matches the path with its segments decoded.
    fn operation(&self, method: &str, path: &str) -> Option<&'static Route> {
        let s = segments(path)?;
        let s: Vec<&str> = s.iter().map(String::as_str).collect();
        resolve(self.routes(), Some(method), &s)
    }

    /// `X-Auth-Token` (issued by [`IamApi`], unexpired, scoped to the path's project) or
    /// `SDK-HMAC-SHA256`.
    fn authenticate(&self, shared: &Shared, received: &Received<'_>) -> Result<(), Reply> {
        authenticate(shared, received)
    }

    fn throttled(&self, shared: &Shared, throttled: Throttled) -> Reply {
        apig_throttled(shared, throttled)
    }

    fn handle(
        &self,
        shared: &Shared,
        route: &'static Route,
        received: &Received<'_>,
        _object_fault: Option<ObjectFault>,
    ) -> Reply {
        handle(shared, route.name, received)
    }

    fn not_found(&self, shared: &Shared, _received: &Received<'_>) -> Reply {
        api_not_found(shared)
    }

    fn error(&self, shared: &Shared, _received: &Received<'_>, fault: FaultError<'_>) -> Reply {
        error_reply(shared, fault.status, fault.code, fault.message)
    }
}

/// Huawei Cloud IAM's token endpoint, behind the same APIG as GES (its throttling and
/// not-found answers are APIG's).
pub(crate) struct IamApi;

impl VendorApi for IamApi {
    fn claims(&self, path: &str) -> bool {
        path.starts_with("/v3/")
    }

    fn routes(&self) -> Vec<&'static Route> {
        routes_of(Api::Iam, ROUTES, &IAM_ROUTES)
    }

    /// Getting a token is what authenticates.
    fn authenticate(&self, _shared: &Shared, _received: &Received<'_>) -> Result<(), Reply> {
        Ok(())
    }

    fn throttled(&self, shared: &Shared, throttled: Throttled) -> Reply {
        GesApi.throttled(shared, throttled)
    }

    fn handle(
        &self,
        shared: &Shared,
        _route: &'static Route,
        received: &Received<'_>,
        _object_fault: Option<ObjectFault>,
    ) -> Reply {
        handle_iam(shared, received)
    }

    fn not_found(&self, shared: &Shared, received: &Received<'_>) -> Reply {
        GesApi.not_found(shared, received)
    }

    fn error(&self, shared: &Shared, received: &Received<'_>, fault: FaultError<'_>) -> Reply {
        GesApi.error(shared, received, fault)
    }
}

/// The APIG/GES error body.
fn error_reply(shared: &Shared, status: u16, code: &str, message: &str) -> Reply {
    let request_id = shared.lock().hex_id(32);
    Reply::json(
        status,
        &json!({"error_code": code, "error_msg": message, "request_id": request_id}),
    )
    .with_header("x-request-id", request_id)
}

fn api_not_found(shared: &Shared) -> Reply {
    error_reply(
        shared,
        404,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment.",
    )
}

fn ok(shared: &Shared, status: u16, body: &Value) -> Reply {
    let request_id = shared.lock().hex_id(32);
    Reply::json(status, body).with_header("x-request-id", request_id)
}

fn apig_throttled(shared: &Shared, throttled: Throttled) -> Reply {
    error_reply(
        shared,
        429,
        "APIGW.0308",
        &format!(
            "The throttling threshold has been reached: policy user over ratelimit,limit:{},time:1 second",
            throttled.limit
        ),
    )
    .with_header("retry-after", throttled.retry_after_seconds.to_string())
}

fn unauthorized(shared: &Shared, detail: &str) -> Reply {
    error_reply(
        shared,
        401,
        "APIGW.0301",
        &format!("Incorrect IAM authentication information: {detail}"),
    )
}

fn authenticate(shared: &Shared, received: &Received<'_>) -> Result<(), Reply> {
    let now = shared.now();
    if let Some(token) = received.header("x-auth-token") {
        let project = segments(received.path)
            .and_then(|s| s.get(1).cloned())
            .unwrap_or_default();
        let inner = shared.lock();
        let verdict = match inner.tokens.get(token.trim()) {
            None => Err((401, "decrypt token fail")),
            Some(t) if t.expires <= now => Err((401, "token expires")),
            Some(t) if t.project_id != project => Err((403, "")),
            Some(_) => Ok(()),
        };
        drop(inner);
        return verdict.map_err(|(status, detail)| {
            if status == 403 {
                error_reply(
                    shared,
                    403,
                    "APIGW.0302",
                    "The IAM user is not authorized to access the API.",
                )
            } else {
                unauthorized(shared, detail)
            }
        });
    }
    let Some(authorization) = received.header("authorization") else {
        return Err(unauthorized(shared, "x-auth-token not found"));
    };
    verify_huawei_aksk(
        received,
        authorization,
        &shared.fixture.credentials.huawei,
        now,
    )
    .map(|_| ())
    .map_err(|failure| unauthorized(shared, &failure.0))
}

fn handle(shared: &Shared, operation: &'static str, received: &Received<'_>) -> Reply {
    let Some(s) = segments(received.path) else {
        return error_reply(shared, 400, "GES.0001", "Parameter error!");
    };
    let project = s.get(1).map(String::as_str).unwrap_or("");
    let graph = s.get(3).map(String::as_str).unwrap_or("");
    let result = match operation {
        ops::GES_CREATE_BACKUP => create_backup(shared, received, project, graph),
        ops::GES_SHOW_JOB => show_job(shared, project, graph, s.get(5).map_or("", |v| v)),
        ops::GES_LIST_GRAPH_BACKUPS => find_graph(shared, project, graph)
            .and_then(|g| list_backups(shared, received, project, Some(&g.graph_id))),
        ops::GES_LIST_BACKUPS => list_backups(shared, received, project, None),
        ops::GES_DELETE_BACKUP => delete_backup(shared, project, graph, s.get(5).map_or("", |v| v)),
        _ => Err(api_not_found(shared)),
    };
    match result {
        Ok(reply) | Err(reply) => reply,
    }
}

fn find_graph<'a>(shared: &'a Shared, project: &str, graph: &str) -> Result<&'a GesGraph, Reply> {
    shared
        .fixture
        .resources
        .ges_graphs
        .iter()
        .find(|g| g.project_id == project && g.graph_id == graph)
        .ok_or_else(|| {
            // Seed 004, the newest "Adding a Backup" page: 404 `GES.0047`, not the older
            // table's 400 `GES.7000`; every operation that names a graph answers alike.
            error_reply(
                shared,
                404,
                "GES.0047",
                "Cluster does not exist or has been deleted.",
            )
        })
}

fn create_backup(
    shared: &Shared,
    received: &Received<'_>,
    project: &str,
    graph_id: &str,
) -> Result<Reply, Reply> {
    if !received.body.iter().all(u8::is_ascii_whitespace)
        && serde_json::from_slice::<Value>(received.body).map_or(true, |v| !v.is_object())
    {
        return Err(error_reply(
            shared,
            400,
            "GES.7016",
            "The request body or header is invalid.",
        ));
    }
    let graph = find_graph(shared, project, graph_id)?;
    let now = shared.now();
    let mut inner = shared.lock();
    let mut live = 0u32;
    for b in &inner.backups {
        if let BackupKind::Ges {
            project_id,
            graph_id: g,
            deleted,
            ..
        } = &b.kind
            && project_id == project
            && g == graph_id
            && !deleted
        {
            if matches!(b.phase(now), Phase::Pending | Phase::Running) {
                drop(inner);
                return Err(error_reply(
                    shared,
                    400,
                    "GES.7002",
                    "The graph is being backed up.",
                ));
            }
            live += 1;
        }
    }
    if live >= graph.max_backups {
        drop(inner);
        return Err(error_reply(
            shared,
            400,
            "GES.7019",
            "The number of graph backups reaches the upper limit.",
        ));
    }
    let job_id = inner.hex_id(32);
    let backup_id = inner.uuid();
    inner.record_backup(
        ops::ges_resource(project, graph_id),
        Backup {
            kind: BackupKind::Ges {
                project_id: project.to_owned(),
                graph_id: graph_id.to_owned(),
                job_id: job_id.clone(),
                backup_id: backup_id.clone(),
                deleted: false,
            },
            created: now,
            duration: shared.backup_duration(),
            fail_reason: graph.fail_backups_with.clone(),
            size_mb: 64,
        },
    );
    drop(inner);
    Ok(ok(
        shared,
        200,
        &json!({"job_id": job_id, "backup_id": backup_id}),
    ))
}

fn ges_time(t: std::time::SystemTime) -> String {
    backup_core::time::format_iso8601(t, 0, "")
}

fn show_job(shared: &Shared, project: &str, graph_id: &str, job: &str) -> Result<Reply, Reply> {
    let graph = find_graph(shared, project, graph_id)?;
    let now = shared.now();
    let backup = shared
        .lock()
        .backups
        .iter()
        .find(|b| {
            matches!(&b.kind, BackupKind::Ges { project_id, graph_id: g, job_id, .. }
                if project_id == project && g == graph_id && job_id == job)
        })
        .cloned();
    let Some(backup) = backup else {
        return Err(error_reply(
            shared,
            400,
            "GES.7007",
            "The job does not exist.",
        ));
    };
    let phase = backup.phase(now);
    let status = match phase {
        Phase::Pending => "pending",
        Phase::Running => "running",
        Phase::Succeeded => "success",
        Phase::Failed => "failed",
    };
    let finished = matches!(phase, Phase::Succeeded | Phase::Failed);
    // A percentage, as the SDK reads it; the vendor documents the field as reserved.
    let fraction =
        (backup.elapsed(now).as_secs_f64() / backup.duration.as_secs_f64().max(1e-9)).min(1.0);
    let progress = (fraction * 1000.0).round() / 10.0;
    Ok(ok(
        shared,
        200,
        &json!({
            "job_id": job,
            "status": status,
            "job_type": "BackupGraph",
            "job_name": "BackupGraph",
            "related_graph": graph.name,
            "begin_time": ges_time(backup.created),
            "end_time": if finished { Value::from(ges_time(backup.finished_at())) } else { Value::Null },
            "job_progress": progress,
            "fail_reason": if phase == Phase::Failed { backup.fail_reason.clone() } else { None },
        }),
    ))
}

fn query_int(
    shared: &Shared,
    received: &Received<'_>,
    name: &str,
    default: u64,
    min: u64,
) -> Result<u64, Reply> {
    received.int_query_param(name, default, min..=u64::MAX, |_| {
        error_reply(
            shared,
            400,
            "GES.0001",
            &format!("Parameter error! {name} must be an integer of at least {min}"),
        )
    })
}

fn list_backups(
    shared: &Shared,
    received: &Received<'_>,
    project: &str,
    graph_filter: Option<&str>,
) -> Result<Reply, Reply> {
    let offset = query_int(shared, received, "offset", 0, 0)?;
    let limit = query_int(shared, received, "limit", 10, 1)?;
    let now = shared.now();
    let mut backups: Vec<Backup> = shared
        .lock()
        .backups
        .iter()
        .filter(|b| match &b.kind {
            BackupKind::Ges {
                project_id,
                graph_id,
                deleted,
                ..
            } => project_id == project && !deleted && graph_filter.is_none_or(|g| g == graph_id),
            _ => false,
        })
        .cloned()
        .collect();
    backups.sort_by_key(|b| std::cmp::Reverse(b.created));
    let count = backups.len();
    let list: Vec<Value> = backups
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .filter_map(|b| {
            let BackupKind::Ges {
                graph_id,
                backup_id,
                ..
            } = &b.kind
            else {
                return None;
            };
            let graph = shared
                .fixture
                .resources
                .ges_graphs
                .iter()
                .find(|g| g.project_id == project && &g.graph_id == graph_id)?;
            let phase = b.phase(now);
            let (status, end) = match phase {
                Phase::Succeeded => ("success", Some(b.finished_at())),
                Phase::Failed => ("failed", Some(b.finished_at())),
                _ => ("backing_up", None),
            };
            let millis = |t: std::time::SystemTime| backup_core::clock::unix_millis(t);
            Some(json!({
                "id": backup_id,
                "name": format!("{}_{}", graph.name, compact(b.created)),
                "backup_method": "manual",
                "graph_id": graph_id,
                "graph_name": graph.name,
                "graph_status": "200",
                "graph_size_type_index": "1",
                "data_store_version": "2.3.18",
                "arch": "x86_64",
                "status": status,
                "start_timestamp": millis(b.created),
                "start_time": ges_time(b.created),
                "end_timestamp": end.map(millis),
                "end_time": end.map(ges_time),
                "size": if phase == Phase::Succeeded { b.size_mb } else { 0 },
                "duration": end.map(|e| e.duration_since(b.created).unwrap_or_default().as_secs()),
                "encrypted": false,
            }))
        })
        .collect();
    Ok(ok(
        shared,
        200,
        &json!({"backup_count": count, "backup_list": list}),
    ))
}

fn delete_backup(
    shared: &Shared,
    project: &str,
    graph_id: &str,
    backup: &str,
) -> Result<Reply, Reply> {
    find_graph(shared, project, graph_id)?;
    let now = shared.now();
    let mut inner = shared.lock();
    let found = inner.backups.iter_mut().find(|b| {
        matches!(&b.kind, BackupKind::Ges { project_id, graph_id: g, backup_id, deleted: false, .. }
            if project_id == project && g == graph_id && backup_id == backup)
    });
    let outcome = match found {
        None => Err((
            "GES.7024",
            "The graph backup does not exist or has been deleted.",
        )),
        Some(b) if matches!(b.phase(now), Phase::Pending | Phase::Running) => {
            Err(("GES.7048", "Invalid operation: the backup is in progress."))
        }
        Some(b) => {
            if let BackupKind::Ges { deleted, .. } = &mut b.kind {
                *deleted = true;
            }
            Ok(())
        }
    };
    drop(inner);
    match outcome {
        Ok(()) => Ok(ok(shared, 200, &json!({}))),
        Err((code, message)) => Err(error_reply(shared, 400, code, message)),
    }
}

/// `POST /v3/auth/tokens`, password method, project scope: `201` with the token in
/// `X-Subject-Token`.
fn handle_iam(shared: &Shared, received: &Received<'_>) -> Reply {
    let denied = |message: &str| {
        Reply::json(
            401,
            &json!({"error": {"code": 401, "message": message, "title": "Unauthorized"}}),
        )
    };
    let bad = |message: &str| {
        Reply::json(
            400,
            &json!({"error": {"code": 400, "message": message, "title": "Bad Request"}}),
        )
    };
    let Ok(body) = serde_json::from_slice::<Value>(received.body) else {
        return bad("The request body is not valid JSON.");
    };
    let identity = &body["auth"]["identity"];
    let password_method = identity["methods"]
        .as_array()
        .is_some_and(|m| m.iter().any(|v| v == "password"));
    if !password_method {
        return bad("auth.identity.methods must include \"password\".");
    }
    let user = &identity["password"]["user"];
    let (Some(name), Some(password)) = (user["name"].as_str(), user["password"].as_str()) else {
        return bad("auth.identity.password.user.name and .password are required.");
    };
    let domain = user["domain"]["name"].as_str().unwrap_or("");
    let project = &body["auth"]["scope"]["project"];
    let (project_name, project_id) = (project["name"].as_str(), project["id"].as_str());
    if project_name.is_none() && project_id.is_none() {
        return bad("auth.scope.project.name or .id is required.");
    }
    let Some(account) = shared.fixture.credentials.huawei_users.iter().find(|u| {
        u.name == name
            && u.domain == domain
            && crate::auth::constant_time_eq(u.password.as_bytes(), password.as_bytes())
    }) else {
        return denied("The username or password is wrong.");
    };
    if project_name.is_some_and(|p| p != account.project_name)
        || project_id.is_some_and(|p| p != account.project_id)
    {
        return denied("The project does not exist or the user has no access to it.");
    }
    let now = shared.now();
    let expires = now + TOKEN_LIFETIME;
    let mut inner = shared.lock();
    let token = format!("MII{}", inner.hex_id(96));
    inner.tokens.insert(
        token.clone(),
        IssuedToken {
            project_id: account.project_id.clone(),
            expires,
        },
    );
    drop(inner);
    let body = json!({
        "token": {
            "expires_at": backup_core::time::format_iso8601(expires, 6, "Z"),
            "issued_at": backup_core::time::format_iso8601(now, 6, "Z"),
            "methods": ["password"],
            "project": {
                "id": account.project_id,
                "name": account.project_name,
                "domain": {"name": account.domain},
            },
            "user": {"name": account.name, "domain": {"name": account.domain}},
        }
    });
    ok(shared, 201, &body).with_header("x-subject-token", token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `offset`/`limit`: absent takes the default; present, even empty, must be a decimal
    /// integer of at least the minimum, or the answer is 400 `GES.0001`.
    #[test]
    fn integer_query_parameters_take_a_default_and_refuse_the_rest_with_ges_0001() {
        let shared = Shared::for_tests();
        let limit = |query| {
            query_int(
                &shared,
                &Received::get("/v2/p/graphs/backups", query),
                "limit",
                10,
                1,
            )
        };
        assert_eq!(limit("offset=3").ok(), Some(10));
        assert_eq!(limit("limit=1").ok(), Some(1));
        assert_eq!(limit("offset=0&limit=25").ok(), Some(25));
        for bad in ["limit=", "limit=0", "limit=-1", "limit=x", "limit=1.5"] {
            let Err(reply) = limit(bad) else {
                panic!("{bad} was accepted");
            };
            assert_eq!(reply.status, 400, "{bad}");
            let body: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            assert_eq!(body["error_code"], "GES.0001", "{bad}");
            assert_eq!(
                body["error_msg"], "Parameter error! limit must be an integer of at least 1",
                "{bad}"
            );
        }
        let offset = |query| {
            query_int(
                &shared,
                &Received::get("/v2/p/graphs/backups", query),
                "offset",
                0,
                0,
            )
        };
        assert_eq!(offset("limit=5").ok(), Some(0));
        assert_eq!(offset("offset=0").ok(), Some(0));
        assert!(offset("offset=").is_err());
    }
}
