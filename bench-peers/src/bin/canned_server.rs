//! The canned loopback server on its own (the per_call bench starts it as a child process):
//! prints `port=N`, then serves until killed.

fn main() -> std::io::Result<()> {
    bench_peers::canned::run_server_process()
}
