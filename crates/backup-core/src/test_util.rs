//! Test helpers for crates built on backup-core (feature `test-util`; never enable it in
//! production builds).
//!
//! [`ScriptedServer`] is an HTTP/1.1 server on 127.0.0.1: each accepted connection plays the
//! next [`Step`] of a script (answer, drop the connection after reading the request, or
//! stall) and records the raw request it read, so a test can assert the exact bytes a client
//! sent, signature included, and prove how many requests reached the server.

// A test helper that cannot bind a loopback port has nothing sensible to return: it panics
// with a message, as test code does.
#![allow(clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one connection.
/// What the server does with one connection.
#[derive(Clone, Debug)]
pub enum Step {
    /// Reads the request and answers.
    Respond {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(&'static str, String)>,
        /// The body.
        body: String,
    },
    /// Reads the request, then closes the connection without answering.
    CloseAfterRequest,
    /// Reads the request, then waits this long before closing.
    Stall(Duration),
}

impl Step {
    /// A 200 with a JSON content type and `body`.
    pub fn ok(body: &str) -> Self {
        Step::Respond {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }

    /// An answer with `status` and `body`.
    pub fn status(status: u16, body: &str) -> Self {
        Step::Respond {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }

    /// Adds a header to an answer.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Step::Respond { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }
}

/// A request as the server read it off the wire.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The request-target, exactly as on the request line.
    pub target: String,
    /// Headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted server; stops when dropped.
pub struct ScriptedServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedServer {
    /// Serves `script`, one step per connection; when it runs out, repeats the last step.
    ///
    /// # Panics
    /// If no loopback port can be bound, or `script` is empty.
    pub async fn start(script: Vec<Step>) -> Self {
        assert!(!script.is_empty(), "a script needs at least one step");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        Self::serve(listener, script)
    }

    /// Serves `script` on an already bound listener.
    pub fn serve(listener: TcpListener, script: Vec<Step>) -> Self {
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            let mut index = 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let Some(step) = script.get(index).or_else(|| script.last()).cloned() else {
                    return;
                };
                index += 1;
                let recorded = recorded.clone();
                tokio::spawn(async move { handle(stream, step, recorded).await });
            }
        });
        Self {
            base_url,
            requests,
            task,
        }
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

async fn handle(mut stream: TcpStream, step: Step, recorded: Arc<Mutex<Vec<Recorded>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    recorded
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(request);
    match step {
        Step::Respond {
            status,
            headers,
            body,
        } => {
            let mut response = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            response.push_str(&body);
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Step::CloseAfterRequest => drop(stream),
        Step::Stall(duration) => {
            tokio::time::sleep(duration).await;
            drop(stream);
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buffer.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(buffer.get(..header_end)?).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer.get(header_end + 4..).unwrap_or_default().to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// A loopback port with nothing listening on it.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}
