//! Fan-out (issue 15): 10,000 calls through one shared client at concurrency 64 and 256,
//! each configuration in a fresh process, so that its peak RSS is its own.
//!
//! ```sh
//! cd bench-peers
//! cargo run --release --bin fanout            # every configuration, 5 runs, markdown table
//! cargo run --release --bin fanout -- --runs 3 --calls 10000
//! ```
//!
//! Modes of this one binary (the driver runs the other two as child processes):
//! - no mode: the driver. Starts the canned server (`fanout --serve`), then runs every
//!   (call, concurrency) configuration `--runs` times, interleaved (run 1 of every
//!   configuration, then run 2, ...) so that load from elsewhere spreads over all of them,
//!   and prints the medians (with min–max) as a markdown table.
//! - `--one CALL CONCURRENCY CALLS BASE`: one configuration. Builds the clients, warms up
//!   (CALLS/10 calls at the same concurrency, which also opens the connections), then times
//!   CALLS calls and prints `calls_per_s=… cpu_us_per_call=… max_rss_kib=…`.
//! - `--serve`: the canned server.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use bench_peers::calls::{self, ALL, Call, Clients, FLOOR_PLUS, PAIRS};
use bench_peers::rusage;
use bench_peers::server::ServerProcess;
use bench_peers::stats::Spread;

const CONCURRENCIES: [usize; 2] = [64, 256];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--serve") => bench_peers::canned::run_server_process().expect("canned server"),
        Some("--one") => one(&args[1..]),
        _ => drive(&args),
    }
}

/// One configuration, in this process.
fn one(args: &[String]) {
    let [call, concurrency, calls, base] = args else {
        panic!("usage: fanout --one CALL CONCURRENCY CALLS BASE");
    };
    let call = Call::from_name(call).unwrap_or_else(|| panic!("unknown call {call}"));
    let concurrency: usize = concurrency.parse().expect("concurrency");
    let calls: usize = calls.parse().expect("calls");
    let runtime = calls::client_runtime();
    runtime.block_on(async {
        let clients = Clients::new(base).await;
        calls::fan_out(&clients, call, concurrency, calls / 10).await;
        let cpu_before = rusage::cpu_time();
        let start = Instant::now();
        calls::fan_out(&clients, call, concurrency, calls).await;
        let wall = start.elapsed();
        let cpu = rusage::cpu_time() - cpu_before;
        println!(
            "calls_per_s={:.1} cpu_us_per_call={:.3} max_rss_kib={}",
            calls as f64 / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / calls as f64,
            rusage::max_rss_kib()
        );
    });
}

#[derive(Default)]
struct Runs {
    calls_per_s: Vec<f64>,
    cpu_us_per_call: Vec<f64>,
    max_rss_mib: Vec<f64>,
}

fn drive(args: &[String]) {
    let mut runs = 5usize;
    let mut calls = 10_000usize;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--runs" => runs = rest.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--calls" => calls = rest.next().and_then(|v| v.parse().ok()).expect("--calls N"),
            other => panic!("unknown argument {other}; see the doc comment of src/bin/fanout.rs"),
        }
    }
    let exe = std::env::current_exe().expect("current exe");
    let server = ServerProcess::spawn(&exe, &["--serve"]);
    eprintln!(
        "fanout: server pid {} at {}; {runs} runs x {} configurations x {calls} calls",
        server.pid(),
        server.base(),
        ALL.len() * CONCURRENCIES.len()
    );

    let mut results: HashMap<(Call, usize), Runs> = HashMap::new();
    for run in 1..=runs {
        for concurrency in CONCURRENCIES {
            for call in ALL {
                let output = Command::new(&exe)
                    .args([
                        "--one",
                        call.name(),
                        &concurrency.to_string(),
                        &calls.to_string(),
                        server.base(),
                    ])
                    .output()
                    .expect("run one configuration");
                let stdout = String::from_utf8_lossy(&output.stdout);
                assert!(
                    output.status.success(),
                    "{} c={concurrency} failed: {}{}",
                    call.name(),
                    stdout,
                    String::from_utf8_lossy(&output.stderr)
                );
                let field = |name: &str| -> f64 {
                    stdout
                        .split_whitespace()
                        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                        .unwrap_or_else(|| panic!("no {name} in {stdout:?}"))
                };
                let entry = results.entry((call, concurrency)).or_default();
                entry.calls_per_s.push(field("calls_per_s"));
                entry.cpu_us_per_call.push(field("cpu_us_per_call"));
                entry.max_rss_mib.push(field("max_rss_kib") / 1024.0);
                eprintln!(
                    "run {run}/{runs} c={concurrency:<3} {:<42} {}",
                    call.name(),
                    stdout.trim()
                );
            }
        }
    }
    print_tables(&results, runs, calls);
}

fn spread(values: &[f64]) -> Spread {
    Spread::of(values).expect("at least one run")
}

/// `median (min–max)` with `decimals` decimals.
fn cell(s: Spread, decimals: usize) -> String {
    format!(
        "{:.d$} ({:.d$}–{:.d$})",
        s.median,
        s.min,
        s.max,
        d = decimals
    )
}

fn print_tables(results: &HashMap<(Call, usize), Runs>, runs: usize, calls: usize) {
    let get = |call: Call, concurrency: usize| &results[&(call, concurrency)];
    println!();
    println!(
        "Fan-out: {calls} calls through one shared client; median (min–max) of {runs} runs, each in a fresh process."
    );
    println!();
    println!(
        "| call | c | floor calls/s | SDK calls/s | throughput SDK ÷ floor | floor CPU µs/call | SDK CPU µs/call | CPU SDK ÷ floor |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for concurrency in CONCURRENCIES {
        for (label, floor, subject) in PAIRS {
            let (f, s) = (get(floor, concurrency), get(subject, concurrency));
            let (f_tp, s_tp) = (spread(&f.calls_per_s), spread(&s.calls_per_s));
            let (f_cpu, s_cpu) = (spread(&f.cpu_us_per_call), spread(&s.cpu_us_per_call));
            println!(
                "| {label} | {concurrency} | {} | {} | {:.2}× | {} | {} | {:.2}× |",
                cell(f_tp, 0),
                cell(s_tp, 0),
                s_tp.median / f_tp.median,
                cell(f_cpu, 1),
                cell(s_cpu, 1),
                s_cpu.median / f_cpu.median,
            );
        }
    }
    println!();
    println!(
        "Floor plus required work (time, body, signature, typed answer): median (min–max) of {runs} runs."
    );
    println!();
    println!(
        "| call | c | floor + required calls/s | SDK ÷ floor+required throughput | floor + required CPU µs/call | floor+required ÷ floor CPU | SDK ÷ floor+required CPU |"
    );
    println!("|---|---|---|---|---|---|---|");
    for concurrency in CONCURRENCIES {
        for (label, floor, floor_plus, subject) in FLOOR_PLUS {
            let median_of =
                |call: Call, runs: fn(&Runs) -> &Vec<f64>| spread(runs(get(call, concurrency)));
            let (p_tp, s_tp) = (
                median_of(floor_plus, |r| &r.calls_per_s),
                median_of(subject, |r| &r.calls_per_s),
            );
            let (f_cpu, p_cpu, s_cpu) = (
                median_of(floor, |r| &r.cpu_us_per_call),
                median_of(floor_plus, |r| &r.cpu_us_per_call),
                median_of(subject, |r| &r.cpu_us_per_call),
            );
            println!(
                "| {label} | {concurrency} | {} | {:.2}× | {} | {:.2}× | {:.2}× |",
                cell(p_tp, 0),
                s_tp.median / p_tp.median,
                cell(p_cpu, 1),
                p_cpu.median / f_cpu.median,
                s_cpu.median / p_cpu.median,
            );
        }
    }
    println!();
    println!("Peak RSS (`ru_maxrss` of the whole process) at c=256, MiB:");
    println!();
    println!("| call | floor | SDK | SDK ÷ floor |");
    println!("|---|---|---|---|");
    for (label, floor, subject) in PAIRS {
        let (f, s) = (
            spread(&get(floor, 256).max_rss_mib),
            spread(&get(subject, 256).max_rss_mib),
        );
        println!(
            "| {label} | {} | {} | {:.2}× |",
            cell(f, 1),
            cell(s, 1),
            s.median / f.median
        );
    }
    println!();
    println!("Our create calls next to aws-sdk-s3 (throughput ours ÷ aws-sdk-s3, medians):");
    println!();
    println!("| c | ours | ÷ `PutObject` | ÷ `HeadObject` |");
    println!("|---|---|---|---|");
    for concurrency in CONCURRENCIES {
        let put = spread(&get(Call::S3Put, concurrency).calls_per_s).median;
        let head = spread(&get(Call::S3Head, concurrency).calls_per_s).median;
        for (label, _, subject) in PAIRS.iter().take(3) {
            let ours = spread(&get(*subject, concurrency).calls_per_s).median;
            println!(
                "| {concurrency} | {label} | {:.2}× | {:.2}× |",
                ours / put,
                ours / head
            );
        }
    }
}
