//! The HTTP side: a small accept loop (so that a fault can drop a connection without
//! answering), the axum router, and the request pipeline shared by every vendor:
//! count → route → authenticate → throttle → faults → handle.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower_service::Service;

use crate::auth::Received;
use crate::config::Fault;
use crate::reply::Reply;
use crate::state::Shared;
use crate::vendor::{FaultError, VendorApi};
use crate::{ges, ncp, obs, ocp, ops};

/// The largest request body read (bigger ones get 413).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Closes the connection a request arrived on, without a response.
#[derive(Clone, Debug)]
struct Killer(Arc<Notify>);

/// The APIs the emulator serves, each on paths of its own.
static APIS: [&dyn VendorApi; 5] = [
    &ncp::NcpApi,
    &ocp::OcpApi,
    &ges::GesApi,
    &ges::IamApi,
    &obs::ObjectStorageApi,
];

/// What a path outside every API gets.
const NOT_SERVED: &str = "not found: this emulator serves /vhadoop/v2/, /vcache/v2/, /vredis/v2/, /api/v2/, /v2/, /v3/auth/tokens and /object-storage/";

/// The router: every request goes through [`pipeline`].
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(pipeline).with_state(shared)
}

/// Serves `router` on `listener` until the task is aborted; aborting drops every connection.
pub(crate) async fn serve(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, router.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let killer = Killer(Arc::new(Notify::new()));
    let for_requests = killer.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        let mut router = router.clone();
        async move {
            let response: Result<Response, Infallible> = router.call(request).await;
            response
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket: the client sees EOF, no response.
        _ = killer.0.notified() => {}
    }
}

async fn pipeline(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let killer = request.extensions().get::<Killer>().cloned();
    // The request is handled in a task of its own that this future only awaits. A client
    // that gives up (a read timeout) closes the connection, and the connection then drops
    // this future, but not the task: as on a real server, work that has started runs to its
    // end, so a create delayed by a latency fault still creates its backup.
    let clock = shared.clone();
    match tokio::spawn(process(shared, request)).await {
        Ok(Outcome::Respond(response)) => with_date(response, &clock),
        Ok(Outcome::Close) => close(killer).await,
        Err(_) => {
            Reply::plain(500, "the emulator failed while handling this request").into_response()
        }
    }
}

/// What handling a request came to.
enum Outcome {
    /// Send this response.
    Respond(Response),
    /// Close the connection without answering (a `close_connection` fault).
    Close,
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Outcome::Respond(reply.into_response())
    }
}

async fn process(shared: Arc<Shared>, request: Request) -> Outcome {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_REQUEST_BODY).await else {
        return Reply::plain(413, "request body too large or unreadable").into();
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let received = Received {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    let Some(api) = APIS.iter().copied().find(|api| api.claims(received.path)) else {
        shared.count_request(ops::UNKNOWN);
        return Reply::plain(404, NOT_SERVED).into();
    };
    let route = api.operation(received.method, received.path);
    shared.count_request(route.map_or(ops::UNKNOWN, |r| r.name));
    let Some(route) = route else {
        return api.not_found(&shared, &received).into();
    };
    let operation = route.name;

    if let Err(reply) = api.authenticate(&shared, &received) {
        return reply.into();
    }

    if let Some(throttled) = shared.throttle(operation) {
        return api.throttled(&shared, throttled).into();
    }

    let plan = shared.plan_faults(operation);
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    match &plan.fault {
        Some(Fault::Error {
            status,
            code,
            message,
        }) => {
            let fault = FaultError {
                status: *status,
                code,
                message,
            };
            return api.error(&shared, &received, fault).into();
        }
        Some(Fault::HtmlPage { status }) => return Reply::html_page(*status).into(),
        Some(Fault::CloseConnection {
            after_processing: false,
        }) => return Outcome::Close,
        _ => {}
    }

    let object_fault = plan.fault.as_ref().and_then(Fault::object_fault);
    let reply = api.handle(&shared, route, &received, object_fault);

    let reply = match plan.fault {
        Some(Fault::CloseConnection {
            after_processing: true,
        }) => return Outcome::Close,
        Some(Fault::MalformedBody) => {
            let body: &[u8] = if reply.is_xml() {
                b"<?xml version=\"1.0\"?><response><returnCode>0</return"
            } else {
                b"{\"successful\": tru, \"data\": {"
            };
            Reply {
                status: 200,
                body: body.to_vec(),
                ..reply
            }
        }
        Some(Fault::TruncatedBody) => {
            let mut reply = reply;
            let half = reply.body.len() / 2;
            reply.body.truncate(half);
            reply
        }
        _ => reply,
    };
    reply.into()
}

/// Every answer carries a `Date` from the emulator's clock, as the vendors' gateways send
/// theirs: what a client learns the server's time from (hyper would otherwise stamp the
/// host's time, ignoring a `clock_offset_seconds`).
fn with_date(mut response: Response, shared: &Shared) -> Response {
    if let Ok(value) =
        axum::http::HeaderValue::from_str(&backup_core::time::format_http_date(shared.now()))
    {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    response
}

async fn close(killer: Option<Killer>) -> Response {
    match killer {
        Some(killer) => {
            killer.0.notify_one();
            // The connection task drops this future with the connection.
            std::future::pending::<Response>().await
        }
        None => Reply::plain(
            500,
            "connection cannot be closed outside the emulator's server",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path the route's template gives, every placeholder filled.
    fn sample_path(template: &str) -> String {
        template
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The operation a request names: the API that claims its path resolves it.
    fn operation(method: &str, path: &str) -> Option<&'static str> {
        let api = APIS.iter().find(|api| api.claims(path))?;
        api.operation(method, path).map(|r| r.name)
    }

    #[test]
    fn operations_resolve_by_method_and_path() {
        let cases = [
            // NCP: the path alone, GET or POST.
            (
                "POST",
                "/vhadoop/v2/backupClusterConfiguration",
                Some(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION),
            ),
            (
                "GET",
                "/vredis/v2/exportBackupToObjectStorage",
                Some(ops::VREDIS_EXPORT),
            ),
            (
                "GET",
                "/vcache/v2/getCloudCacheBackupDetailList",
                Some(ops::VCACHE_BACKUP_DETAIL_LIST),
            ),
            ("GET", "/vredis/v2/createCloudCacheManualBackup", None),
            ("GET", "/vhadoop/v2/", None),
            // OCP: method and path.
            (
                "POST",
                "/api/v2/ob/clusters/1/backup/backupNow",
                Some(ops::OCP_BACKUP_NOW),
            ),
            ("GET", "/api/v2/ob/clusters/1/backup/backupNow", None),
            (
                "GET",
                "/api/v2/tasks/instances/5",
                Some(ops::OCP_GET_TASK_INSTANCE),
            ),
            (
                "GET",
                "/api/v2/ob/clusters/1/tenants/2/backup/task/dataBackupTasks",
                Some(ops::OCP_LIST_TENANT_DATA_BACKUP_TASKS),
            ),
            ("GET", "/api/v2/ob/clusters", None),
            // GES: method and decoded path.
            (
                "POST",
                "/v2/p/graphs/g/backups",
                Some(ops::GES_CREATE_BACKUP),
            ),
            (
                "GET",
                "/v2/p/graphs/g/backups",
                Some(ops::GES_LIST_GRAPH_BACKUPS),
            ),
            ("GET", "/v2/p/graphs/backups", Some(ops::GES_LIST_BACKUPS)),
            (
                "DELETE",
                "/v2/p/graphs/g/backups/b",
                Some(ops::GES_DELETE_BACKUP),
            ),
            (
                "GET",
                "/v2/p/graphs/g/jobs/j/status",
                Some(ops::GES_SHOW_JOB),
            ),
            ("PUT", "/v2/p/graphs/g/backups", None),
            ("GET", "/v2/p/graphs/g%ZZ/backups", None),
            // IAM: the token call is a POST.
            ("POST", "/v3/auth/tokens", Some(ops::IAM_CREATE_TOKEN)),
            ("GET", "/v3/auth/tokens", None),
            ("POST", "/v3/auth/tokens/", None),
            // No API.
            ("GET", "/v1/anything", None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(operation(method, path), expected, "{method} {path}");
        }
    }

    /// Every operation the emulator serves has exactly one route, and a request on that
    /// route reaches it through the one API that claims its path.
    #[test]
    fn every_served_operation_is_routed_once() {
        let mut routed = Vec::new();
        for api in APIS {
            for route in api.routes() {
                let path = sample_path(route.path);
                let claimed: Vec<_> = APIS.iter().filter(|a| a.claims(&path)).collect();
                assert_eq!(claimed.len(), 1, "{path}");
                assert!(api.claims(&path), "{path}");
                if ops::ALL.contains(&route.name) {
                    assert_eq!(api.operation(route.method, &path), Some(route), "{path}");
                    routed.push(route.name);
                }
            }
        }
        routed.sort_unstable();
        let mut served = ops::ALL.to_vec();
        served.sort_unstable();
        assert_eq!(routed, served);
    }
}
