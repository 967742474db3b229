//! Maintainer tasks for the backup SDK workspace. Run `cargo xtask help`.

mod codegen;
mod dist;
mod emulator_routes;
mod fuzz;
mod names;
mod release;
mod snapshots;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check]            generate operation code from crates/*/api/*.json
                               (--check: fail if any generated file is stale)
  snapshots                    run the insta suites in check mode and fail on
                               unreferenced (orphaned) .snap files
  release <version> [--dry-run] [--skip-package]
                               lockstep version bump, CHANGELOG entry, publish
                               order and `cargo publish --dry-run` (never publishes)
  ci                           run exactly what CI runs (.ci/run)
  dist [--profile P] [--target TRIPLE] [--out DIR]
                               build backupctl (--locked; release by default) and pack it
                               with its man pages and bash, zsh and fish completions into
                               <out>/backupctl-<version>-<target>.tar.gz and its .sha256
                               (default out: <target dir>/dist)
  fuzz [--iterations N] [--seed S] [--start I] [--protocol P] [--in-place]
       [--exclude-known-broken TARGET]...
                               mutate the crates' sample bodies and run each through
                               the clients' response path (P: ncp-json, ncp-xml, ocp,
                               ges, iam, timestamps, all); fails on any panic or an
                               input over 100 ms; re-runs itself with the optimised
                               `fuzz` profile unless --in-place. See RELIABILITY.md
  help                         this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("ci") => return run_ci(),
        Some("codegen") => match rest.as_slice() {
            [] => codegen::run(&root, false),
            ["--check"] => codegen::run(&root, true),
            _ => Err(format!("unexpected arguments: {rest:?}\n\n{USAGE}")),
        }
        .and_then(|()| emulator_routes::run(&root, rest == ["--check"])),
        Some("snapshots") if rest.is_empty() => snapshots::run(&root),
        Some("fuzz") => fuzz::run(&root, &rest),
        Some("dist") => dist::Options::parse(&rest).and_then(|o| dist::run(&root, &o).map(drop)),
        Some("release") => release::Options::parse(&rest).and_then(|o| release::run(&root, &o)),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate).
fn workspace_root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    dir.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.to_path_buf())
}

/// The cargo that runs us (`CARGO`), or `cargo`.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `.ci/run`, exactly what CI runs.
fn run_ci() -> ExitCode {
    match Command::new("bash")
        .arg(".ci/run")
        .current_dir(workspace_root())
        .status()
    {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("could not run .ci/run: {e}");
            ExitCode::FAILURE
        }
    }
}
