//! Client instructions per call under callgrind (issue 15): a count that does not move with
//! the load on the machine, for locating where the SDK's time goes next to the floor.
//!
//! ```sh
//! cd bench-peers
//! ./instructions.sh            # every call, 2,000 calls each; prints a markdown table
//! ```
//!
//! `instructions CALL N BASE` builds the clients, makes `N` sequential calls of `CALL` to
//! the canned server at `BASE` and exits; the script runs it under callgrind with `N` = 0
//! and `N` = 2,000 and divides the difference, so set-up does not count. Callgrind counts
//! user-space instructions only: the kernel's share of a call (the same socket calls for the
//! floor and the SDK) is not in it, so these ratios overstate the CPU ratios.

use bench_peers::calls::{self, Call, Clients};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(call), Some(count), Some(base)) = (
        args.get(1).and_then(|name| Call::from_name(name)),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: instructions CALL N BASE");
        std::process::exit(2);
    };
    let runtime = calls::client_runtime();
    let clients = runtime.block_on(Clients::new(base));
    // On the worker, as `per_call` runs its calls: no hand-off to a parked main thread.
    let calls = runtime.spawn(async move {
        for _ in 0..count {
            clients.call(call).await;
        }
    });
    runtime.block_on(calls).expect("the calls");
}
