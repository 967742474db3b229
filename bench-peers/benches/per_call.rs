//! Per-call cost (issue 15): each vendor's create call and aws-sdk-s3 `PutObject` /
//! `HeadObject`, each next to its raw-reqwest floor (the same request bytes, precomputed),
//! one call at a time, against the canned loopback server running as its own process.
//!
//! ```sh
//! cd bench-peers
//! cargo bench --bench per_call -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Two measurements of the same loop: `cpu/*` is the client's CPU time per call
//! (`getrusage(RUSAGE_SELF)` user + system, all threads of this process; the server's work
//! is in the other process), `wall/*` its wall time. At the end a markdown table gives, per
//! call, the median and the min–max over criterion's samples of the time per call, and the
//! SDK ÷ floor ratios of the medians; a second table puts each vendor call next to its floor
//! plus required work (`*_floor_plus`: timed, serialized, signed and parsed per call).
//!
//! The loop runs as a task on a one-worker multi-thread runtime (where a `#[tokio::main]`
//! program runs its calls), the main thread parked in `block_on` meanwhile.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bench_peers::calls::{self, ALL, Call, Clients, FLOOR_PLUS, PAIRS};
use bench_peers::rusage;
use bench_peers::server::ServerProcess;
use bench_peers::stats::Spread;
use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// Client CPU time (user + system) of this process, as a criterion measurement.
struct ClientCpu {
    /// Only for its formatter: CPU time is a duration too.
    wall: WallTime,
}

impl Measurement for ClientCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        rusage::cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        rusage::cpu_time().saturating_sub(start)
    }
    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Meter {
    Cpu,
    Wall,
}

impl Meter {
    fn group(self) -> &'static str {
        match self {
            Meter::Cpu => "cpu",
            Meter::Wall => "wall",
        }
    }
}

/// The benchmark ids that ran in this process (the table must not read a stale sample file
/// left by an earlier, differently filtered run).
static RAN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn sequential<M: Measurement<Value = Duration>>(
    c: &mut Criterion<M>,
    meter: Meter,
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
) {
    let mut group = c.benchmark_group(meter.group());
    for call in ALL {
        group.bench_function(call.name(), |b| {
            RAN.lock()
                .expect("RAN")
                .insert(format!("{}/{}", meter.group(), call.name()));
            b.iter_custom(|iters| {
                let clients = clients.clone();
                let task = runtime.spawn(async move {
                    let (wall, cpu) = (Instant::now(), rusage::cpu_time());
                    for _ in 0..iters {
                        clients.call(call).await;
                    }
                    match meter {
                        Meter::Cpu => rusage::cpu_time().saturating_sub(cpu),
                        Meter::Wall => wall.elapsed(),
                    }
                });
                runtime.block_on(task).expect("bench task")
            })
        });
    }
    group.finish();
}

fn main() {
    let server = ServerProcess::spawn(Path::new(env!("CARGO_BIN_EXE_canned_server")), &[]);
    let runtime = calls::client_runtime();
    let clients = runtime.block_on(Clients::new(server.base()));
    for (_, floor, _) in PAIRS {
        if let Some(summary) = clients.floor_request_summary(floor) {
            eprintln!("{}: {summary}", floor.name());
        }
    }

    let mut cpu = Criterion::default()
        .with_measurement(ClientCpu { wall: WallTime })
        .configure_from_args();
    sequential(&mut cpu, Meter::Cpu, &runtime, &clients);
    let mut wall = Criterion::default().configure_from_args();
    sequential(&mut wall, Meter::Wall, &runtime, &clients);
    wall.final_summary();
    drop(server);
    print_table();
}

/// Where criterion writes its files (its own rule: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else the target directory this bench binary is in).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // target/release/deps/per_call-HASH
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors()
        .nth(3)
        .map(|target| target.join("criterion"))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// Time per call (ns) of each criterion sample of `group/call`, if it ran in this process.
fn per_call_ns(group: &str, call: Call) -> Option<Spread> {
    let id = format!("{group}/{}", call.name());
    if !RAN.lock().expect("RAN").contains(&id) {
        return None;
    }
    let path = criterion_dir().join(&id).join("new/sample.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let sample: serde_json::Value = serde_json::from_str(&text).ok()?;
    let iters = sample["iters"].as_array()?;
    let times = sample["times"].as_array()?;
    let per_call: Vec<f64> = iters
        .iter()
        .zip(times)
        .filter_map(|(n, t)| Some(t.as_f64()? / n.as_f64()?))
        .collect();
    Spread::of(&per_call)
}

fn micros(s: Spread) -> String {
    format!(
        "{:.1} ({:.1}–{:.1})",
        s.median / 1e3,
        s.min / 1e3,
        s.max / 1e3
    )
}

fn print_table() {
    println!();
    println!(
        "Per call, sequential: µs per call, median (min–max) over criterion's samples; ratios of the medians."
    );
    println!();
    println!(
        "| call | floor CPU | SDK CPU | CPU SDK ÷ floor | floor wall | SDK wall | wall SDK ÷ floor |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (label, floor, subject) in PAIRS {
        let cells = |group: &str| match (per_call_ns(group, floor), per_call_ns(group, subject)) {
            (Some(f), Some(s)) => (micros(f), micros(s), format!("{:.2}×", s.median / f.median)),
            _ => ("—".into(), "—".into(), "—".into()),
        };
        let (f_cpu, s_cpu, r_cpu) = cells("cpu");
        let (f_wall, s_wall, r_wall) = cells("wall");
        println!("| {label} | {f_cpu} | {s_cpu} | {r_cpu} | {f_wall} | {s_wall} | {r_wall} |");
    }
    println!();
    println!(
        "Floor plus required work (time, body, signature, typed answer): client CPU per call, µs, median (min–max); ratios of the medians."
    );
    println!();
    println!(
        "| call | floor CPU | floor + required CPU | SDK CPU | floor+required ÷ floor | SDK ÷ floor+required |"
    );
    println!("|---|---|---|---|---|---|");
    for (label, floor, floor_plus, subject) in FLOOR_PLUS {
        let (f, p, s) = (
            per_call_ns("cpu", floor),
            per_call_ns("cpu", floor_plus),
            per_call_ns("cpu", subject),
        );
        let cell = |spread: Option<Spread>| spread.map_or_else(|| "—".into(), micros);
        let ratio = |a: Option<Spread>, b: Option<Spread>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}×", a.median / b.median),
            _ => "—".into(),
        };
        println!(
            "| {label} | {} | {} | {} | {} | {} |",
            cell(f),
            cell(p),
            cell(s),
            ratio(p, f),
            ratio(s, p)
        );
    }
    println!();
    println!(
        "Our create calls next to aws-sdk-s3 (client CPU per call, ours ÷ aws-sdk-s3, medians):"
    );
    println!();
    println!("| ours | ÷ `PutObject` | ÷ `HeadObject` |");
    println!("|---|---|---|");
    let median = |call| per_call_ns("cpu", call).map(|s| s.median);
    for (label, _, subject) in PAIRS.iter().take(3) {
        let ratio = |peer| match (median(*subject), median(peer)) {
            (Some(ours), Some(theirs)) => format!("{:.2}×", ours / theirs),
            _ => "—".into(),
        };
        println!(
            "| {label} | {} | {} |",
            ratio(Call::S3Put),
            ratio(Call::S3Head)
        );
    }
}
