//! Backs up a Cloud Hadoop cluster's configuration, then waits for the cluster to be
//! running again.
//!
//! ```sh
//! export NCLOUD_ACCESS_KEY_ID=...        # or ~/.ncloud/configure
//! export NCLOUD_SECRET_ACCESS_KEY=...
//! cargo run -p ncp-vhadoop --example backup_hadoop_cluster -- <cloudHadoopInstanceNo> [regionCode]
//! ```
//!
//! `NCLOUD_SITE` (`public`, `gov`, `fin`) picks the site; `NCLOUD_API_GW` overrides the
//! gateway URL when no site is given.

use std::time::Duration;

use ncp_vhadoop::{CachedProvider, Client, ClusterState, NcpDefaultChain, RegionCode, Site};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(instance_no) = args.next() else {
        eprintln!("usage: backup_hadoop_cluster <cloudHadoopInstanceNo> [regionCode]");
        std::process::exit(2);
    };
    let mut builder = Client::builder()
        // Environment (NCLOUD_ACCESS_KEY_ID / NCLOUD_SECRET_ACCESS_KEY), then
        // ~/.ncloud/configure; looked up once, before the first request.
        .credentials(CachedProvider::new(NcpDefaultChain::new()));
    if let Some(site) = std::env::var("NCLOUD_SITE")
        .ok()
        .as_deref()
        .and_then(Site::from_name)
    {
        builder = builder.site(site);
    }
    if let Some(region) = args.next() {
        builder = builder.region(RegionCode::new(region));
    }
    let client = builder.build()?;

    let cluster = client
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no(&instance_no)
        .send()
        .await?
        .cloud_hadoop_instance_list
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or("the cluster is not listed")?;
    println!(
        "cluster {} ({}) is {:?}; configuration goes to bucket {}",
        instance_no,
        cluster.cloud_hadoop_cluster_name.as_deref().unwrap_or("?"),
        ClusterState::of(&cluster),
        cluster.object_storage_bucket.as_deref().unwrap_or("?"),
    );

    match client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no(&instance_no)
        .send()
        .await
    {
        Ok(out) => println!(
            "backupClusterConfiguration accepted (request id {})",
            out.request_id.as_deref().unwrap_or("?")
        ),
        // Not retried: a second call could start a second backup. Look before retrying.
        Err(e) if e.is_ambiguous_outcome() => {
            eprintln!("the backup may or may not have started: {e}");
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    }

    let cluster = client
        .wait_until_cluster_running(&instance_no)
        .timeout(Duration::from_secs(15 * 60))
        .on_progress(|p| println!("  {} after {:?} ({} polls)", p.state, p.elapsed, p.polls))
        .wait()
        .await?;
    println!(
        "cluster {} is running; list bucket {} through the Object Storage API to see the files",
        instance_no,
        cluster.object_storage_bucket.as_deref().unwrap_or("?")
    );
    Ok(())
}
