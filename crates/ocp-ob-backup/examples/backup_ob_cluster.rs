//! Backs up an OceanBase cluster to the storage its backup strategy configures, follows the
//! tasks until they finish, and lists the cluster's backup sets.
//!
//! ```text
//! OCP_URL=https://ocp.example.com OCP_ACCESS_KEY_ID=... OCP_ACCESS_KEY_SECRET=... \
//!     cargo run -p ocp-ob-backup --example backup_ob_cluster -- <cluster-id> [full|incremental]
//! ```
//!
//! Credentials come from `OCP_ACCESS_KEY_ID`/`OCP_ACCESS_KEY_SECRET`, else
//! `OCP_USERNAME`/`OCP_PASSWORD`. Set `OCP_ALLOW_INSECURE_HTTP=1` to use a plain `http://`
//! URL to another machine (the password and storage keys then cross the network in clear).

use std::process::ExitCode;
use std::time::Duration;

use ocp_ob_backup::{Client, DataBackupMode, Error};

async fn run() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let cluster_id: i64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| Error::invalid_input("cluster-id", "must be given as a number"))?;
    let mode = match args.next().as_deref() {
        None | Some("full") => DataBackupMode::FullBackup,
        Some("incremental") => DataBackupMode::IncrementalBackup,
        Some(other) => {
            return Err(Error::invalid_input(
                "mode",
                format!("must be `full` or `incremental`, not {other:?}"),
            ));
        }
    };
    let endpoint = std::env::var("OCP_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = Client::builder()
        .endpoint(endpoint)
        .allow_insecure_http(std::env::var("OCP_ALLOW_INSECURE_HTTP").is_ok_and(|v| v == "1"))
        .build()?;

    let started = match client
        .backup_now_with_configured_storage(cluster_id, mode)
        .await
    {
        Ok(started) => started,
        Err(e) if e.is_ambiguous_outcome() => {
            eprintln!("the backup may have started; check the task list before retrying: {e}");
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    println!("started tasks {:?}", started.task_ids());

    let tasks = client
        .wait_until_backup_done(&started)
        .timeout(Duration::from_secs(2 * 3600))
        .on_progress(|p| {
            println!(
                "[{:>4}s] {} {}/{} {}",
                p.elapsed.as_secs(),
                p.state,
                p.completed.unwrap_or(0),
                p.total.unwrap_or(0),
                p.message.as_deref().unwrap_or("")
            );
        })
        .wait()
        .await?;
    for task in &tasks {
        println!(
            "task {:?} {:?} finished at {:?}",
            task.id, task.name, task.finish_time
        );
    }

    let mut sets = client.data_backup_tasks(cluster_id).page_size(200);
    while let Some(set) = sets.next().await {
        let set = set?;
        println!(
            "backup set {:?}: {:?} {:?} {:?}",
            set.backup_set_id, set.status, set.data_backup_task_type, set.backup_uri
        );
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
