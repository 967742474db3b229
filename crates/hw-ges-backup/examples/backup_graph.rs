//! Backs up a GES graph, waits for the job, lists the graph's backups and deletes the
//! oldest ones beyond a count to keep.
//!
//! ```sh
//! export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_PROJECT_ID=...
//! cargo run -p hw-ges-backup --example backup_graph -- cn-north-4 <graph-id> [keep]
//! ```

use std::time::Duration;

use hw_ges_backup::{Client, Error, ServiceErrorKind};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (Some(region), Some(graph)) = (args.next(), args.next()) else {
        eprintln!("usage: backup_graph <region> <graph-id> [keep]");
        std::process::exit(2);
    };
    let keep: usize = args.next().and_then(|k| k.parse().ok()).unwrap_or(5);

    let client = Client::builder().region(region).build()?;

    let started = match client.create_backup().graph_id(&graph).send().await {
        Ok(started) => started,
        Err(e) if e.service_error_kind() == Some(&ServiceErrorKind::BackupInProgress) => {
            eprintln!("graph {graph} is already being backed up");
            return Ok(());
        }
        Err(e) if e.service_error_kind() == Some(&ServiceErrorKind::BackupQuotaExceeded) => {
            eprintln!("backup quota reached: delete old backups first ({e})");
            return Err(e);
        }
        Err(e) if e.is_ambiguous_outcome() => {
            eprintln!("the backup may or may not have started; check the list: {e}");
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    println!(
        "backup job {} started (backup id {:?})",
        started.job_id, started.backup_id
    );

    let job = client
        .wait_until_job_done(&graph, &started.job_id)
        .timeout(Duration::from_secs(60 * 60))
        .on_progress(|p| println!("  {} after {:?}", p.state, p.elapsed))
        .wait()
        .await?;
    println!("job ended {:?}", job.status);

    let mut backups = client.graph_backups(&graph).collect().await?;
    backups.sort_by_key(|b| std::cmp::Reverse(b.start_timestamp.unwrap_or(0)));
    for old in backups.iter().skip(keep) {
        let Some(id) = &old.id else { continue };
        client
            .delete_backup()
            .graph_id(&graph)
            .backup_id(id)
            .send()
            .await?;
        println!("deleted backup {id} ({:?})", old.name);
    }
    Ok(())
}
