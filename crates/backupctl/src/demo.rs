//! `backupctl demo` and `backupctl emulator serve`: the embedded emulator.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials};
use backup_emulator::Emulator;
use backup_emulator::config::defaults;

use crate::cli::GlobalArgs;
use crate::context::{Context, FixedCredentials};
use crate::error::CliError;
use crate::plan::{self, Plan, Report};
use crate::progress::Board;

/// The plan the demo runs: every seed operation, once.
pub const DEMO_PLAN: &str = include_str!("../plans/demo.toml");

/// Starts the emulator on a free loopback port, runs the demo plan against it with the
/// emulator's own credentials, and returns the report.
pub async fn run(mut global: GlobalArgs) -> Result<Report, CliError> {
    let plan = Plan::parse(DEMO_PLAN)
        .map_err(|e| CliError::Failed(format!("the bundled demo plan is broken: {e}")))?;
    let emulator = Emulator::demo()
        .start()
        .await
        .map_err(|e| CliError::Failed(format!("cannot start the emulator: {e}")))?;
    let base_url = emulator.base_url();
    eprintln!(
        "backupctl demo: emulator of the NCP, OCP and Huawei GES APIs on {base_url}; \
         running {} backup targets",
        plan.targets.len()
    );
    // Every vendor goes to the emulator, whatever the environment says.
    global.endpoint = Some(base_url.clone());
    global.ncp_endpoint = Some(base_url.clone());
    global.ocp_endpoint = Some(base_url.clone());
    global.ges_endpoint = Some(base_url);
    global.ncp_site = None;
    global.ges_project_id = Some(defaults::HUAWEI_PROJECT_ID.to_owned());
    global.poll_interval = Duration::from_millis(200);
    global.wait_timeout = Duration::from_secs(120);
    let credentials = FixedCredentials {
        ncp: Some(NcpCredentials::new(
            defaults::NCP_ACCESS_KEY,
            defaults::NCP_SECRET_KEY,
        )),
        huawei: Some(
            HuaweiCredentials::new(defaults::HUAWEI_ACCESS_KEY, defaults::HUAWEI_SECRET_KEY)
                .with_project_id(defaults::HUAWEI_PROJECT_ID),
        ),
        ocp: Some(OcpCredentials::access_key(
            defaults::OCP_ACCESS_KEY_ID,
            defaults::OCP_ACCESS_KEY_SECRET,
        )),
    };
    let board = Board::for_stderr(global.log_format);
    let ctx = Arc::new(Context::new(global, credentials));
    let report = plan::run(ctx, plan, 4, false, None, board, None).await;
    eprintln!(
        "backupctl demo: the emulator received {} requests and created {} backups",
        emulator.total_requests(),
        emulator.counters().backups_created.values().sum::<u64>()
    );
    emulator.shutdown();
    Ok(report)
}

/// `emulator serve`: serves until interrupted.
pub async fn serve(port: u16, fixture: Option<&Path>) -> Result<(), CliError> {
    let mut builder = Emulator::demo().port(port);
    if let Some(path) = fixture {
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| CliError::Usage(format!("cannot read fixture {}: {e}", path.display())))?;
        builder = Emulator::builder()
            .port(port)
            .fixture_json(&text)
            .map_err(|e| CliError::Usage(format!("fixture {}: {e}", path.display())))?;
    }
    let handle = builder
        .start()
        .await
        .map_err(|e| CliError::Failed(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    print!("{}", handle.banner());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::Failed(format!("cannot wait for Ctrl-C: {e}")))?;
    handle.shutdown();
    Ok(())
}
