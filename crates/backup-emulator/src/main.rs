//! `backup-emulator [--port N] [--fixture FILE]`: serves the emulator on 127.0.0.1 until
//! interrupted, after printing its address and the credentials it accepts.

use std::process::ExitCode;

use backup_emulator::{Emulator, Fixture};

const USAGE: &str = "usage: backup-emulator [--port N] [--fixture FILE.json]\n\
    Serves the NCP, OCP and Huawei GES backup APIs on 127.0.0.1 (port 0 picks a free one).\n\
    Without --fixture, the demo resources and default credentials are used.";

#[tokio::main]
async fn main() -> ExitCode {
    let mut port = 0u16;
    let mut fixture = Fixture::demo();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|v| v.parse().ok()) {
                Some(p) => port = p,
                None => return usage("--port needs a number"),
            },
            "--fixture" => {
                let Some(path) = args.next() else {
                    return usage("--fixture needs a file");
                };
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) => return usage(&format!("cannot read {path}: {e}")),
                };
                fixture = match Fixture::from_json(&text) {
                    Ok(f) => f,
                    Err(e) => return usage(&format!("invalid fixture {path}: {e}")),
                };
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    let handle = match Emulator::builder()
        .fixture(fixture)
        .port(port)
        .start()
        .await
    {
        Ok(h) => h,
        Err(e) => {
            eprintln!("backup-emulator: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", handle.banner());
    match tokio::signal::ctrl_c().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backup-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("backup-emulator: {problem}\n{USAGE}");
    ExitCode::from(2)
}
