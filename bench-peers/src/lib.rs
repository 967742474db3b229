//! Shared pieces of the issue 15 benchmarks: the canned loopback server (run as its own
//! process, so that its work is never on the client's CPU account), the calls measured (each
//! vendor's create call, aws-sdk-s3 `PutObject`/`HeadObject`, a raw-reqwest floor for each
//! sending the same request bytes, and for the vendor calls that floor plus the per-call
//! work any correct client of the vendor must do), and `getrusage(2)` readings.
//!
//! - `benches/per_call.rs`: client CPU and wall time per sequential call (criterion).
//! - `src/bin/fanout.rs`: 10,000 calls at c=64 and c=256, one fresh process per run, for
//!   throughput and peak RSS.
//! - `src/bin/canned_server.rs`: the server on its own.
//! - `benches/huawei_vs_sigv4.rs`: signing next to `aws-sigv4`.
//!
//! Not a library anyone should depend on: `expect` is used freely, since a failed call is a
//! broken benchmark, never something to measure around.

pub mod calls;
pub mod canned;
mod floor_plus;
pub mod rusage;
pub mod server;
pub mod stats;
