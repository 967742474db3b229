//! `backupctl`: start, track and verify backups on NAVER Cloud Platform (Cloud Hadoop,
//! Cloud DB for Cache), OceanBase Cloud Platform and Huawei Cloud GES.
//!
//! Standard output carries results (a table, or JSON with `--output json`); standard error
//! carries progress, logs (`-v`) and the one-line error. Exit status: 0 success, 1 a failed
//! operation or target, 2 a command that could not be attempted as given.

mod commands;
mod context;
mod demo;
mod error;
mod metrics;
mod output;
mod plan;
mod progress;
mod reconcile;
mod state;
mod target;

use std::process::ExitCode;
use std::sync::Arc;

use backupctl::cli;
use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, EmulatorCommand, PlanCommand};
use crate::context::{Context, FixedCredentials};
use crate::error::CliError;
use crate::progress::Board;

fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 for --help and --version.
    let cli = Cli::parse();
    init_tracing(cli.global.verbose, cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let format = cli.global.output;
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if format == cli::OutputFormat::Json {
                print_reconciliation(&e);
            }
            e.exit_code()
        }
    }
}

/// With `--output json`, a create that failed after reconciling still prints one JSON
/// document on standard output: the error and every verdict with its evidence.
fn print_reconciliation(error: &CliError) {
    let CliError::Reconciled(failure) = error else {
        return;
    };
    let mut json = serde_json::json!({
        "schema_version": output::SCHEMA_VERSION,
        "error": error.to_string(),
        "reconciliation": reconcile::verdicts_json(&failure.reconciled),
    });
    output::redact(&mut json);
    println!(
        "{}",
        serde_json::to_string_pretty(&json).unwrap_or_default()
    );
}

/// `-v`: each attempt's outcome, retries and where credentials came from; `-vv`: also
/// what is sent and the HTTP stack's own notes; `-vvv`: everything. The SDK's logs carry
/// no secret at any level.
///
/// `--log-format json` writes one JSON object per event (tracing-subscriber's JSON
/// formatter) and, even without `-v`, the plan's progress as events, so that standard
/// error holds nothing else.
fn init_tracing(verbose: u8, format: cli::LogFormat) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;

    let json = format == cli::LogFormat::Json;
    let (ours, others) = match verbose {
        0 if json => (LevelFilter::INFO, LevelFilter::WARN),
        0 => return,
        1 => (LevelFilter::DEBUG, LevelFilter::WARN),
        2 => (LevelFilter::TRACE, LevelFilter::INFO),
        _ => (LevelFilter::TRACE, LevelFilter::TRACE),
    };
    let filter = [
        "backupctl",
        "backup_core",
        "ncp_vhadoop",
        "ncp_vcache",
        "ocp_ob_backup",
        "hw_ges_backup",
    ]
    .into_iter()
    .fold(Targets::new().with_default(others), |targets, name| {
        targets.with_target(name, ours)
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    if json {
        tracing_subscriber::registry()
            .with(layer.json().with_filter(filter))
            .init();
    } else {
        tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .init();
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let format = cli.global.output;
    match cli.command {
        Command::Ncp(command) => {
            let ctx = Context::load(cli.global, FixedCredentials::default()).await?;
            commands::ncp(&ctx, command).await?.print(format)?;
        }
        Command::Ocp(command) => {
            let ctx = Context::load(cli.global, FixedCredentials::default()).await?;
            commands::ocp(&ctx, command).await?.print(format)?;
        }
        Command::Ges(command) => {
            let ctx = Context::load(cli.global, FixedCredentials::default()).await?;
            commands::ges(&ctx, command).await?.print(format)?;
        }
        Command::Verify(command) => {
            let ctx = Context::load(cli.global, FixedCredentials::default()).await?;
            commands::verify(&ctx, command).await?.print(format)?;
        }
        Command::Plan(PlanCommand::Run(args)) => {
            let (plan, text) = plan::Plan::load(&args.plan).await?;
            let plan = plan.shard(args.shard);
            let recorder = match &args.state {
                Some(path) => {
                    let names: Vec<&str> = plan.targets.iter().map(|t| t.name.as_str()).collect();
                    let identity = state::PlanIdentity::new(&args.plan, &text, args.shard);
                    let opened =
                        state::State::load(path, identity, &names, args.run_id.as_deref()).await?;
                    match opened.resumed() {
                        Some(done) => eprintln!(
                            "backupctl: continuing run {} from {} ({done} of {} targets succeeded already)",
                            opened.run_id(),
                            path.display(),
                            names.len()
                        ),
                        None => eprintln!(
                            "backupctl: run {} recorded in {}",
                            opened.run_id(),
                            path.display()
                        ),
                    }
                    Some(Arc::new(state::Recorder::new(opened)))
                }
                None => None,
            };
            let format_of_logs = cli.global.log_format;
            let ctx = Arc::new(Context::load(cli.global, FixedCredentials::default()).await?);
            let board = if args.dry_run {
                Board::Quiet
            } else {
                Board::for_stderr(format_of_logs)
            };
            let report = plan::run(
                Arc::clone(&ctx),
                plan,
                usize::from(args.concurrency),
                args.dry_run,
                args.shard,
                board,
                recorder,
            )
            .await;
            let metrics_error = publish_metrics(&args, &report, &ctx).await.err();
            let code = finish_plan(&report, args.report.as_deref(), format).await?;
            if let Some(e) = metrics_error {
                eprintln!("error: {e}");
                if code == ExitCode::SUCCESS {
                    return Ok(ExitCode::from(1));
                }
            }
            return Ok(code);
        }
        Command::Demo(args) => {
            let report = demo::run(cli.global).await?;
            return finish_plan(&report, args.report.as_deref(), format).await;
        }
        Command::Emulator(EmulatorCommand::Serve { port, fixture }) => {
            demo::serve(port, fixture.as_deref()).await?;
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "backupctl",
                &mut std::io::stdout(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `--metrics-file` and pushes to `--pushgateway`, both when both are given.
async fn publish_metrics(
    args: &cli::PlanRunArgs,
    report: &plan::Report,
    ctx: &Context,
) -> Result<(), CliError> {
    if args.metrics_file.is_none() && args.pushgateway.is_none() {
        return Ok(());
    }
    let text = metrics::render(report, &report.last_success, &ctx.transport_stats());
    if let Some(path) = &args.metrics_file {
        metrics::write_file(path, text.clone()).await?;
    }
    if let Some(url) = &args.pushgateway {
        metrics::push(url, report.shard.as_deref(), text).await?;
    }
    Ok(())
}

/// Prints the summary, writes the report, and fails when any target failed.
async fn finish_plan(
    report: &plan::Report,
    report_path: Option<&std::path::Path>,
    format: cli::OutputFormat,
) -> Result<ExitCode, CliError> {
    if let Some(path) = report_path {
        plan::write_report(path, report).await?;
    }
    report.render().print(format)?;
    if report.failed > 0 && report.dry_run {
        eprintln!(
            "error: {} of {} targets are invalid",
            report.failed,
            report.targets.len()
        );
        return Ok(ExitCode::from(2));
    }
    if report.failed > 0 {
        eprintln!(
            "error: {} of {} targets failed",
            report.failed,
            report.targets.len()
        );
        return Ok(ExitCode::from(1));
    }
    if report.unverified > 0 {
        eprintln!(
            "error: {} of {} targets are unverified: their backups were not found where \
             they should be (--no-verify skips the check)",
            report.unverified,
            report.targets.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
