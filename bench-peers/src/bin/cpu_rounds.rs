//! Client CPU per call in interleaved rounds (issue 15): the per-call target's measurement,
//! made robust to the load on a shared machine.
//!
//! ```sh
//! cd bench-peers
//! cargo run --release --bin cpu_rounds                       # 30 rounds x 2,000 calls
//! cargo run --release --bin cpu_rounds -- --rounds 30 --calls 2000
//! ```
//!
//! One process builds every client once, then runs rounds: in each, every vendor's floor,
//! floor plus required work and SDK call makes `--calls` sequential calls to the canned
//! server (its own process), and the client's CPU time (`getrusage`: user + system, all
//! threads) is read around each batch. The order within a round rotates from round to
//! round. Load from elsewhere moves whole rounds, and a round's three batches of one vendor
//! run within a second of each other, so each round gives a ratio of its own; the table
//! reports the median of those ratios with their min–max, next to the median CPU per call.
//! Separate processes timed with `/usr/bin/time` spread ±10% on this machine; these ratios
//! move by a few percent.

use std::time::Duration;

use bench_peers::calls::{self, Call, Clients, FLOOR_PLUS};
use bench_peers::rusage;
use bench_peers::server::ServerProcess;
use bench_peers::stats::Spread;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        bench_peers::canned::run_server_process().expect("canned server");
        return;
    }
    let mut rounds = 30usize;
    let mut calls = 2_000usize;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = rest
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rounds N")
            }
            "--calls" => calls = rest.next().and_then(|v| v.parse().ok()).expect("--calls N"),
            other => {
                panic!("unknown argument {other:?}; usage: cpu_rounds [--rounds N] [--calls N]")
            }
        }
    }
    let exe = std::env::current_exe().expect("current exe");
    let server = ServerProcess::spawn(&exe, &["--serve"]);
    let order: Vec<Call> = FLOOR_PLUS
        .iter()
        .flat_map(|&(_, floor, plus, sdk)| [floor, plus, sdk])
        .collect();
    eprintln!(
        "cpu_rounds: server pid {} at {}; {rounds} rounds x {} calls x {calls} calls each",
        server.pid(),
        server.base(),
        order.len()
    );
    let runtime = calls::client_runtime();
    let clients = runtime.block_on(Clients::new(server.base()));
    // Warm-up: connections open, allocator and caches settle.
    for &call in &order {
        batch(&runtime, &clients, call, calls / 4);
    }
    // us_per_call[i][round], indexed like `order`.
    let mut us_per_call = vec![Vec::with_capacity(rounds); order.len()];
    for round in 0..rounds {
        for offset in 0..order.len() {
            let i = (round + offset) % order.len();
            let cpu = batch(&runtime, &clients, order[i], calls);
            us_per_call[i].push(cpu.as_secs_f64() * 1e6 / calls as f64);
        }
    }
    print_table(&us_per_call, rounds, calls);
}

/// The client CPU time of `count` sequential calls of `call`, made on the runtime's worker
/// (where a `#[tokio::main]` program makes them), the main thread parked meanwhile.
fn batch(
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
    call: Call,
    count: usize,
) -> Duration {
    let clients = clients.clone();
    let before = rusage::cpu_time();
    runtime
        .block_on(runtime.spawn(async move {
            for _ in 0..count {
                clients.call(call).await;
            }
        }))
        .expect("the calls");
    rusage::cpu_time().saturating_sub(before)
}

fn print_table(us_per_call: &[Vec<f64>], rounds: usize, calls: usize) {
    let spread = |values: &[f64]| Spread::of(values).expect("at least one round");
    let ratios =
        |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(a, b)| a / b).collect() };
    println!(
        "Client CPU per call, µs (median of {rounds} rounds of {calls} calls); ratios are the median of the rounds' own ratios, min–max in brackets."
    );
    println!();
    println!(
        "| call | floor | floor + required | SDK | SDK ÷ floor | floor + required ÷ floor | SDK ÷ floor + required |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (row, (label, ..)) in FLOOR_PLUS.iter().enumerate() {
        let [floor, plus, sdk] = [0, 1, 2].map(|k| us_per_call[row * 3 + k].as_slice());
        let ratio = |a, b| {
            let s = spread(&ratios(a, b));
            format!("**{:.2}×** ({:.2}–{:.2})", s.median, s.min, s.max)
        };
        println!(
            "| {label} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            spread(floor).median,
            spread(plus).median,
            spread(sdk).median,
            ratio(sdk, floor),
            ratio(plus, floor),
            ratio(sdk, plus),
        );
    }
}
