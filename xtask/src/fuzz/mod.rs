//! `cargo xtask fuzz`: mutates the crates' own sample bodies and runs each variant through
//! the code the clients run on a response (each crate's `fuzzing` module), on stable Rust.
//!
//! Every input is derived from `(seed, protocol, iteration)` alone, so any one of them can
//! be replayed with `--start ITERATION --iterations 1`. Each runs under `catch_unwind` and
//! is timed; the run fails on any panic, and on any input slower than 100 ms when the
//! harness is optimised (`cargo xtask fuzz` re-executes itself with the `fuzz` profile).

mod corpus;
mod mutate;

use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

use backup_core::fuzzing::Outcome;
use fastrand::Rng;

pub use corpus::Suite;

/// The slowest an input may be in an optimised build.
const SLOW_LIMIT: Duration = Duration::from_millis(100);

/// The vendor protocols (and the timestamp formats) the harness covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    NcpJson,
    NcpXml,
    Ocp,
    Ges,
    Iam,
    Timestamps,
}

impl Protocol {
    pub const ALL: [Protocol; 6] = [
        Protocol::NcpJson,
        Protocol::NcpXml,
        Protocol::Ocp,
        Protocol::Ges,
        Protocol::Iam,
        Protocol::Timestamps,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Protocol::NcpJson => "ncp-json",
            Protocol::NcpXml => "ncp-xml",
            Protocol::Ocp => "ocp",
            Protocol::Ges => "ges",
            Protocol::Iam => "iam",
            Protocol::Timestamps => "timestamps",
        }
    }

    fn parse(name: &str) -> Result<Vec<Protocol>, String> {
        if name == "all" {
            return Ok(Protocol::ALL.to_vec());
        }
        Protocol::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .map(|p| vec![p])
            .ok_or_else(|| {
                format!(
                    "unknown protocol {name:?} (ncp-json, ncp-xml, ocp, ges, iam, timestamps, all)"
                )
            })
    }
}

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub iterations: u64,
    pub seed: u64,
    pub start: u64,
    pub protocols: Vec<Protocol>,
    /// Functions (`backup_core::protocol::ncp::parse_timestamp`) with a known panic that is
    /// being fixed elsewhere: a panic whose backtrace passes through one is counted and
    /// reported as known, and does not fail the run, so the rest can be measured.
    pub known_panic_in: Vec<String>,
    /// Run in this process even when it is not optimised.
    pub in_place: bool,
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Options, String> {
        let mut options = Options {
            iterations: 100_000,
            seed: 1,
            start: 0,
            protocols: Protocol::ALL.to_vec(),
            known_panic_in: Vec::new(),
            in_place: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .copied()
                    .ok_or_else(|| format!("{arg} needs a value"))
            };
            let number = |v: &str| {
                v.replace('_', "")
                    .parse::<u64>()
                    .map_err(|e| format!("{arg} {v:?}: {e}"))
            };
            match *arg {
                "--iterations" => options.iterations = number(value()?)?,
                "--seed" => options.seed = number(value()?)?,
                "--start" => options.start = number(value()?)?,
                "--protocol" => options.protocols = Protocol::parse(value()?)?,
                "--known-panic-in" => options.known_panic_in.push(value()?.to_owned()),
                "--in-place" => options.in_place = true,
                other => {
                    return Err(format!(
                        "unexpected argument {other:?} (see `cargo xtask help`)"
                    ));
                }
            }
        }
        Ok(options)
    }
}

/// Set by `cargo xtask fuzz` on the optimised process it re-executes: that process runs
/// the inputs and enforces the time limit.
const REEXEC_MARKER: &str = "XTASK_FUZZ_OPTIMISED";

/// `cargo xtask fuzz ...`: re-executes itself optimised, then runs.
pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let options = Options::parse(args)?;
    if !options.in_place && std::env::var_os(REEXEC_MARKER).is_none() {
        eprintln!("building the harness with the optimised `fuzz` profile (cargo --profile fuzz)");
        let status = crate::cargo()
            .args([
                "run",
                "--quiet",
                "--profile",
                "fuzz",
                "--package",
                "xtask",
                "--",
                "fuzz",
            ])
            .args(args)
            .env(REEXEC_MARKER, "1")
            .current_dir(root)
            .status()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        return if status.success() {
            Ok(())
        } else {
            Err("the fuzz run failed (see above)".to_owned())
        };
    }
    let optimised = std::env::var_os(REEXEC_MARKER).is_some();
    let mut failed = Vec::new();
    let started = Instant::now();
    for protocol in &options.protocols {
        let suite = Suite::load(root, *protocol)?;
        let report = fuzz_on_client_stack(&suite, &options)?;
        report.print(&suite, &options);
        let unknown = report.panics - report.known_panics;
        if unknown > 0 {
            failed.push(format!("{}: {unknown} panics", protocol.name()));
        }
        if optimised && report.slowest.0 > SLOW_LIMIT {
            failed.push(format!(
                "{}: an input took {:?} (limit {SLOW_LIMIT:?})",
                protocol.name(),
                report.slowest.0
            ));
        }
    }
    println!(
        "fuzz: {} protocol(s) x {} inputs, seed {}, {:.1} s{}",
        options.protocols.len(),
        options.iterations,
        options.seed,
        started.elapsed().as_secs_f64(),
        if optimised {
            ""
        } else {
            " (unoptimised: times not checked)"
        }
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// Where a panic happened, and the first input that made it happen there.
#[derive(Debug, Clone)]
pub struct PanicSite {
    pub count: u64,
    /// Whether its backtrace passes through a `--known-panic-in` function.
    pub known: bool,
    pub iteration: u64,
    pub target: String,
    pub message: String,
    pub input: Vec<u8>,
}

/// What a run of one protocol found.
#[derive(Debug, Default)]
pub struct Report {
    pub inputs: u64,
    pub panics: u64,
    /// Panics in `--known-panic-in` functions (included in `panics`).
    pub known_panics: u64,
    /// Panics by place (`file:line`).
    pub panic_sites: BTreeMap<String, PanicSite>,
    /// The slowest input that did not panic (the fastest of three runs): time, iteration,
    /// target, length.
    pub slowest: (Duration, u64, String, usize),
    pub outcomes: BTreeMap<&'static str, u64>,
    /// Inputs that differ from the sample they were made from.
    pub mutated: u64,
    pub elapsed: Duration,
}

impl Report {
    fn print(&self, suite: &Suite, options: &Options) {
        let name = suite.protocol.name();
        println!(
            "{name}: {} inputs ({} mutated) over {} targets and {} samples in {:.1} s: {} panics ({} known); slowest {:.2} ms (iteration {}, {}, {} bytes)",
            self.inputs,
            self.mutated,
            suite.targets.len(),
            suite.samples.len(),
            self.elapsed.as_secs_f64(),
            self.panics,
            self.known_panics,
            self.slowest.0.as_secs_f64() * 1000.0,
            self.slowest.1,
            self.slowest.2,
            self.slowest.3,
        );
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("{name}: outcomes: {}", outcomes.join(", "));
        const SHOWN: usize = 2048;
        for (place, site) in &self.panic_sites {
            println!(
                "{name}: {}{} panics at {place}, first at iteration {} in {}: {}\n  input ({} bytes{}): {}\n  reproduce: cargo xtask fuzz --protocol {name} --seed {} --start {} --iterations 1",
                site.count,
                if site.known { " known" } else { "" },
                site.iteration,
                site.target,
                site.message,
                site.input.len(),
                if site.input.len() > SHOWN {
                    ", first 2 KiB shown"
                } else {
                    ""
                },
                hex(&site.input[..site.input.len().min(SHOWN)]),
                options.seed,
                site.iteration,
            );
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stack of a Tokio worker thread (2 MiB), where the clients parse responses: a
/// recursion that would overflow it must be found here, not hidden by a bigger stack.
const CLIENT_STACK: usize = 2 * 1024 * 1024;

fn fuzz_on_client_stack(suite: &Suite, options: &Options) -> Result<Report, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("fuzz".into())
            .stack_size(CLIENT_STACK)
            .spawn_scoped(scope, || fuzz(suite, options))
            .map_err(|e| format!("could not start the fuzz thread: {e}"))?
            .join()
            .map_err(|_| "the fuzz thread panicked outside an input".to_owned())
    })
}

/// A panic as the hook records it.
struct Caught {
    message: String,
    place: String,
    known: bool,
}

thread_local! {
    /// Whether this thread is running inputs: its panics are recorded, not printed.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The `--known-panic-in` functions of this thread's run.
    static KNOWN_PANIC_IN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The last panic on this thread.
    static LAST_PANIC: RefCell<Option<Caught>> = const { RefCell::new(None) };
}

/// Installs, once per process, a panic hook that records the panics of threads running
/// inputs and hands every other panic to the hook it replaced (so test failures still
/// print, whatever runs in parallel).
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CAPTURING.with(Cell::get) {
                return previous(info);
            }
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            // Only with known functions to look for: resolving a backtrace is slow.
            let known = KNOWN_PANIC_IN.with(|known| {
                let known = known.borrow();
                !known.is_empty() && {
                    let trace = Backtrace::force_capture().to_string();
                    known
                        .iter()
                        .any(|function| trace.contains(function.as_str()))
                }
            });
            LAST_PANIC.with(|last| {
                *last.borrow_mut() = Some(Caught {
                    message,
                    place,
                    known,
                })
            });
        }));
    });
}

/// One input: the target index, status, headers and body.
pub struct Input {
    pub target: usize,
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub mutated: bool,
}

/// Input `iteration` of `suite` for `seed`: a function of those three alone.
pub fn input(suite: &Suite, seed: u64, iteration: u64) -> Input {
    let mut rng = Rng::with_seed(
        seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ (suite.protocol as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            ^ iteration.wrapping_mul(0x1656_67b1_9e37_79f9),
    );
    let sample = &suite.samples[rng.usize(..suite.samples.len())];
    let other = &suite.samples[rng.usize(..suite.samples.len())];
    let target = match sample.target {
        Some(t) if rng.u8(..8) != 0 => t,
        _ => rng.usize(..suite.targets.len()),
    };
    let status = match rng.u8(..16) {
        0 => [
            200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504,
        ][rng.usize(..15)],
        1 => rng.u16(100..1000),
        _ => sample.status,
    };
    let headers = suite.headers(&mut rng);
    let mutated = rng.u8(..16) != 0;
    let body = if mutated {
        mutate::mutate(&mut rng, &sample.body, &other.body)
    } else {
        sample.body.clone()
    };
    let mutated = mutated && body != sample.body;
    Input {
        target,
        status,
        headers,
        body,
        mutated,
    }
}

/// Runs `options.iterations` inputs of `suite`, each under `catch_unwind`, timed.
pub fn fuzz(suite: &Suite, options: &Options) -> Report {
    install_panic_hook();
    KNOWN_PANIC_IN.with(|known| known.borrow_mut().clone_from(&options.known_panic_in));
    CAPTURING.with(|c| c.set(true));
    let mut report = Report::default();
    let started = Instant::now();
    for iteration in options.start..options.start.saturating_add(options.iterations) {
        let input = input(suite, options.seed, iteration);
        let target = &suite.targets[input.target];
        let headers: Vec<(&str, &str)> = input
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        let before = Instant::now();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            (target.run)(input.status, &headers, &input.body)
        }));
        let took = before.elapsed();
        report.inputs += 1;
        report.mutated += u64::from(input.mutated);
        match result {
            Ok(outcome) => {
                *report.outcomes.entry(outcome.as_str()).or_default() += 1;
                if took > report.slowest.0 {
                    // On a shared machine one run can be descheduled mid-input: a new
                    // slowest input is timed twice more, and its fastest run counts.
                    let took = (0..2).fold(took, |fastest, _| {
                        let again = Instant::now();
                        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                            (target.run)(input.status, &headers, &input.body)
                        }));
                        fastest.min(again.elapsed())
                    });
                    if took > report.slowest.0 {
                        report.slowest = (took, iteration, target.name.clone(), input.body.len());
                    }
                }
            }
            Err(_) => {
                let caught = LAST_PANIC.with(|last| last.borrow_mut().take());
                let caught = caught.unwrap_or(Caught {
                    message: "(no message)".to_owned(),
                    place: "(unknown place)".to_owned(),
                    known: false,
                });
                report.panics += 1;
                report.known_panics += u64::from(caught.known);
                report
                    .panic_sites
                    .entry(caught.place)
                    .and_modify(|site| site.count += 1)
                    .or_insert_with(|| PanicSite {
                        count: 1,
                        known: caught.known,
                        iteration,
                        target: target.name.clone(),
                        message: caught.message,
                        input: input.body.clone(),
                    });
            }
        }
    }
    report.elapsed = started.elapsed();
    CAPTURING.with(|c| c.set(false));
    report
}

/// What a target is called with, and what it returns.
pub type TargetFn = Box<dyn Fn(u16, &[(&str, &str)], &[u8]) -> Outcome + Send + Sync>;

/// Something the harness runs inputs through: a vendor operation, the IAM token, a
/// timestamp parser.
pub struct Target {
    pub name: String,
    pub run: TargetFn,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
