//! A raw loopback HTTP server that answers each request with a script of bytes, pauses,
//! drips and resets: whatever a hostile or broken server might send, malformed framing
//! included, which no well-behaved HTTP library would let a test write.
//!
//! Every connection carries exactly one request: the server reads it (bounded), counts it,
//! plays the act list scripted for that request's number (the last one repeats), then
//! closes the connection, with a FIN or, for [`Act::Reset`], an RST. Well-formed answers
//! say `Connection: close`, so the client never reuses a connection and the request count
//! is exact. The accept loop and every connection task end when the [`HostileServer`] is
//! dropped, and every loop in here is bounded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The most bytes the server reads of one request (head and body).
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// How long the server waits for a whole request before giving up on the connection.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The most connections one server accepts; later ones are refused by not accepting.
const MAX_CONNECTIONS: usize = 2048;

/// One thing the server does on a connection, after reading the request.
#[derive(Clone, Debug)]
pub enum Act {
    /// Writes these bytes at once.
    Send(Vec<u8>),
    /// Writes these bytes one at a time, `every` apart (slowloris). Stops when the client
    /// has gone.
    Drip {
        /// What to write.
        bytes: Vec<u8>,
        /// The pause before each byte.
        every: Duration,
    },
    /// Writes `chunk` again and again until `limit` bytes were written or the client has
    /// gone: an endless body, bounded so that the test ends even if the client never stops.
    Flood {
        /// What to repeat.
        chunk: Vec<u8>,
        /// The most bytes to write.
        limit: usize,
    },
    /// Waits.
    Pause(Duration),
    /// Resets the connection (`SO_LINGER` 0, then close: an RST instead of a FIN). Acts
    /// after it are not played.
    Reset,
}

/// What the server plays for one request.
pub type Reply = Vec<Act>;

/// A request as the server read it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request line and headers, as text.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The request line (`POST /path HTTP/1.1`).
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }
}

#[derive(Default)]
struct State {
    connections: AtomicUsize,
    requests: AtomicUsize,
    recorded: Mutex<Vec<Recorded>>,
}

/// A running hostile server on `127.0.0.1`; stops when dropped.
pub struct HostileServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl HostileServer {
    /// Starts a server that plays `script[n]` for the request numbered `n` (from 0), and
    /// the last reply for every request after the script's end.
    pub async fn start(script: Vec<Reply>) -> Self {
        assert!(!script.is_empty(), "a script needs at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds a loopback port");
        let addr = listener.local_addr().expect("the listener has an address");
        let state = Arc::new(State::default());
        let task = tokio::spawn(accept_loop(listener, Arc::new(script), state.clone()));
        Self { addr, state, task }
    }

    /// The base URL: `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many whole requests the server has read.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// How many connections the server has accepted (a connection may carry no request).
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// The requests read so far, in order.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.state
            .recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, script: Arc<Vec<Reply>>, state: Arc<State>) {
    let mut connections = JoinSet::new();
    for _ in 0..MAX_CONNECTIONS {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        state.connections.fetch_add(1, Ordering::SeqCst);
        connections.spawn(serve(stream, script.clone(), state.clone()));
        // Reap finished connections so the set does not grow with every request.
        while connections.try_join_next().is_some() {}
    }
    // Out of connections: keep the running ones alive until the server is dropped.
    while connections.join_next().await.is_some() {}
}

async fn serve(mut stream: TcpStream, script: Arc<Vec<Reply>>, state: Arc<State>) {
    let request = match tokio::time::timeout(REQUEST_READ_TIMEOUT, read_request(&mut stream)).await
    {
        Ok(Some(request)) => request,
        _ => return,
    };
    let number = state.requests.fetch_add(1, Ordering::SeqCst);
    state
        .recorded
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(request);
    let reply = script
        .get(number)
        .or_else(|| script.last())
        .cloned()
        .unwrap_or_default();
    for act in reply {
        match act {
            Act::Send(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Act::Drip { bytes, every } => {
                for byte in bytes {
                    tokio::time::sleep(every).await;
                    if stream.write_all(&[byte]).await.is_err() {
                        return;
                    }
                }
            }
            Act::Flood { chunk, limit } => {
                let mut written = 0;
                while written < limit && !chunk.is_empty() {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                    written += chunk.len();
                }
            }
            Act::Pause(duration) => tokio::time::sleep(duration).await,
            Act::Reset => {
                let _ = stream.set_zero_linger();
                return;
            }
        }
    }
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
/// `None` when the client closes early or the request is larger than the server reads.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > MAX_REQUEST_BYTES {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let content_length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if content_length > MAX_REQUEST_BYTES {
        return None;
    }
    let mut body = buffer.split_off(head_end);
    while body.len() < content_length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(content_length);
    Some(Recorded { head, body })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------
// Building replies

/// The status line and headers of a response with `Connection: close`, ending with the
/// blank line; `extra` is more header lines, each without its CRLF.
pub fn head(status: u16, extra: &[&str]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nConnection: close\r\n",
        reason(status)
    );
    for line in extra {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A complete response with a correct `Content-Length`.
pub fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = head(
        status,
        &[
            &format!("Content-Type: {content_type}"),
            &format!("Content-Length: {}", body.len()),
        ],
    );
    out.extend_from_slice(body);
    out
}

/// A reply that sends one complete JSON response.
pub fn json(status: u16, body: &str) -> Reply {
    vec![Act::Send(response(
        status,
        "application/json",
        body.as_bytes(),
    ))]
}

/// A reply that sends one complete XML response.
pub fn xml(status: u16, body: &str) -> Reply {
    vec![Act::Send(response(
        status,
        "application/xml",
        body.as_bytes(),
    ))]
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// `len` bytes from a fixed-seed xorshift generator: the same "random" body every run.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
