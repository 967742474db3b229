//! The HTTP side: a small accept loop (so that a fault can drop a connection without
//! answering), the axum router, and the request pipeline shared by every vendor:
//! count → route → authenticate → throttle → faults → handle.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
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
use crate::state::Shared;
use crate::{ges, ncp, ocp, ops};

/// The largest request body read (bigger ones get 413).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A response under construction.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json;charset=UTF-8".into())],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    pub(crate) fn xml(status: u16, text: String) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/xml;charset=UTF-8".into())],
            body: text.into_bytes(),
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn is_xml(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, v)| *n == "content-type" && v.contains("xml"))
    }

    fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        builder.body(Body::from(self.body)).unwrap_or_else(|_| {
            let mut response = Response::new(Body::from("invalid response"));
            *response.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
    }
}

/// Closes the connection a request arrived on, without a response.
#[derive(Clone, Debug)]
struct Killer(Arc<Notify>);

/// Which vendor a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vendor {
    Ncp,
    Ocp,
    Ges,
    Iam,
    Other,
}

impl Vendor {
    fn of(path: &str) -> Self {
        if ["/vhadoop/", "/vcache/", "/vredis/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            Vendor::Ncp
        } else if path.starts_with("/api/") {
            Vendor::Ocp
        } else if path.starts_with("/v2/") {
            Vendor::Ges
        } else if path.starts_with("/v3/") {
            Vendor::Iam
        } else {
            Vendor::Other
        }
    }
}

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
        Err(_) => plain(500, "the emulator failed while handling this request"),
    }
}

/// What handling a request came to.
enum Outcome {
    /// Send this response.
    Respond(Response),
    /// Close the connection without answering (a `close_connection` fault).
    Close,
}

impl From<Response> for Outcome {
    fn from(response: Response) -> Self {
        Outcome::Respond(response)
    }
}

async fn process(shared: Arc<Shared>, request: Request) -> Outcome {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_REQUEST_BODY).await else {
        return plain(413, "request body too large or unreadable").into();
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
    let vendor = Vendor::of(received.path);
    let operation = match vendor {
        Vendor::Ncp => ncp::operation(received.path),
        Vendor::Ocp => ocp::operation(received.method, received.path),
        Vendor::Ges => ges::operation(received.method, received.path),
        Vendor::Iam => ges::iam_operation(received.method, received.path),
        Vendor::Other => None,
    };
    shared.count_request(operation.unwrap_or(ops::UNKNOWN));
    let Some(operation) = operation else {
        return not_found(vendor, &shared, &received).into_response().into();
    };

    let authenticated = match vendor {
        Vendor::Ncp => ncp::authenticate(&shared, &received),
        Vendor::Ocp => ocp::authenticate(&shared, &received),
        Vendor::Ges => ges::authenticate(&shared, &received),
        Vendor::Iam | Vendor::Other => Ok(()),
    };
    if let Err(reply) = authenticated {
        return reply.into_response().into();
    }

    if let Some(throttled) = shared.throttle(operation) {
        return match vendor {
            Vendor::Ncp => ncp::throttled(throttled),
            Vendor::Ocp => ocp::throttled(&shared, throttled),
            _ => ges::throttled(&shared, throttled),
        }
        .into_response()
        .into();
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
            return vendor_error(vendor, &shared, &received, *status, code, message)
                .into_response()
                .into();
        }
        Some(Fault::HtmlPage { status }) => return html_page(*status).into(),
        Some(Fault::CloseConnection {
            after_processing: false,
        }) => return Outcome::Close,
        _ => {}
    }

    let reply = match vendor {
        Vendor::Ncp => ncp::handle(&shared, operation, &received),
        Vendor::Ocp => ocp::handle(&shared, operation, &received),
        Vendor::Ges => ges::handle(&shared, operation, &received),
        Vendor::Iam => ges::handle_iam(&shared, &received),
        Vendor::Other => not_found(vendor, &shared, &received),
    };

    let response = match plan.fault {
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
            .into_response()
        }
        Some(Fault::TruncatedBody) => {
            let mut reply = reply;
            let half = reply.body.len() / 2;
            reply.body.truncate(half);
            reply.into_response()
        }
        _ => reply.into_response(),
    };
    response.into()
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
        None => plain(
            500,
            "connection cannot be closed outside the emulator's server",
        ),
    }
}

fn plain(status: u16, text: &str) -> Response {
    Reply {
        status,
        headers: vec![("content-type", "text/plain;charset=UTF-8".into())],
        body: text.as_bytes().to_vec(),
    }
    .into_response()
}

fn html_page(status: u16) -> Response {
    let reason = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    Reply {
        status,
        headers: vec![("content-type", "text/html".into())],
        body: body.into_bytes(),
    }
    .into_response()
}

fn not_found(vendor: Vendor, shared: &Shared, received: &Received<'_>) -> Reply {
    match vendor {
        Vendor::Ncp => ncp::gateway_error(404, "300", "Not Found Exception", "no such API"),
        Vendor::Ocp => ocp::error_reply(
            shared,
            404,
            serde_json::json!(10002),
            &format!("No handler found for {} {}", received.method, received.path),
        ),
        Vendor::Ges | Vendor::Iam => ges::error_reply(
            shared,
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment.",
        ),
        Vendor::Other => Reply {
            status: 404,
            headers: vec![("content-type", "text/plain;charset=UTF-8".into())],
            body: b"not found: this emulator serves /vhadoop/v2/, /vcache/v2/, /vredis/v2/, /api/v2/, /v2/ and /v3/auth/tokens".to_vec(),
        },
    }
}

fn vendor_error(
    vendor: Vendor,
    shared: &Shared,
    received: &Received<'_>,
    status: u16,
    code: &str,
    message: &str,
) -> Reply {
    match vendor {
        Vendor::Ncp => {
            if code.len() <= 3 {
                ncp::gateway_error(status, code, message, "")
            } else {
                ncp::service_error(received, status, code, message)
            }
        }
        Vendor::Ocp => {
            let code = code
                .parse::<i64>()
                .map(serde_json::Value::from)
                .unwrap_or_else(|_| serde_json::Value::from(code));
            ocp::error_reply(shared, status, code, message)
        }
        _ => ges::error_reply(shared, status, code, message),
    }
}
