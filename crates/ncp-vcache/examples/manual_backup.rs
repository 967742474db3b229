//! Creates a manual backup of a Cloud DB for Cache instance, waits for it to be listed,
//! and optionally exports it to an Object Storage bucket.
//!
//! ```sh
//! export NCLOUD_ACCESS_KEY_ID=...        # or ~/.ncloud/configure
//! export NCLOUD_SECRET_ACCESS_KEY=...
//! cargo run -p ncp-vcache --example manual_backup -- vcache <cloudCacheInstanceNo> [bucket]
//! cargo run -p ncp-vcache --example manual_backup -- vredis <cloudRedisInstanceNo> [bucket]
//! ```
//!
//! `NCLOUD_SITE` (`public`, `gov`, `fin`) picks the site and `NCLOUD_REGION` the default
//! region; `NCLOUD_API_GW` overrides the gateway URL when no site is given.

use std::time::Duration;

use ncp_vcache::{
    BackupEntry, CachedProvider, NcpDefaultChain, RegionCode, Site, WaitConfig, vcache, vredis,
};

fn config() -> WaitConfig {
    WaitConfig::default().with_timeout(Duration::from_secs(20 * 60))
}

fn report(p: &ncp_vcache::Progress) {
    println!(
        "  {} after {:?}: {}",
        p.state,
        p.elapsed,
        p.message.as_deref().unwrap_or("")
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (family, instance_no, bucket) = match args.as_slice() {
        [family, no] => (family.as_str(), no.clone(), None),
        [family, no, bucket] => (family.as_str(), no.clone(), Some(bucket.clone())),
        _ => {
            eprintln!("usage: manual_backup vcache|vredis <instanceNo> [bucket]");
            std::process::exit(2);
        }
    };
    let site = std::env::var("NCLOUD_SITE")
        .ok()
        .as_deref()
        .and_then(Site::from_name);
    let region = std::env::var("NCLOUD_REGION").ok().map(RegionCode::new);

    match family {
        "vcache" => {
            let mut builder =
                vcache::Client::builder().credentials(CachedProvider::new(NcpDefaultChain::new()));
            if let Some(site) = site {
                builder = builder.site(site);
            }
            if let Some(region) = region {
                builder = builder.region(region);
            }
            let client = builder.build()?;
            let backup = client
                .create_manual_backup_and_wait(&instance_no)
                .config(config())
                .wait_with_progress(report)
                .await?;
            println!("new manual backup: {backup:?}");
            if let Some(bucket) = bucket {
                let Some(file_name) = backup.file_name() else {
                    println!("the listing carries no fileName; export it by name yourself");
                    return Ok(());
                };
                client
                    .export_backup_to_object_storage()
                    .cloud_cache_instance_no(&instance_no)
                    .file_name(file_name)
                    .bucket_name(bucket)
                    .backup_type_mode(vcache::BackupTypeMode::Manual)
                    .send()
                    .await?;
                println!("export requested; list the bucket to see the file arrive");
            }
        }
        "vredis" => {
            let mut builder =
                vredis::Client::builder().credentials(CachedProvider::new(NcpDefaultChain::new()));
            if let Some(site) = site {
                builder = builder.site(site);
            }
            if let Some(region) = region {
                builder = builder.region(region);
            }
            let client = builder.build()?;
            let backup = client
                .create_manual_backup_and_wait(&instance_no)
                .config(config())
                .wait_with_progress(report)
                .await?;
            println!("new manual backup: {backup:?}");
            if let Some(bucket) = bucket {
                let Some(file_name) = backup.file_name() else {
                    println!("the listing carries no fileName; export it by name yourself");
                    return Ok(());
                };
                client
                    .export_backup_to_object_storage()
                    .cloud_redis_instance_no(&instance_no)
                    .file_name(file_name)
                    .bucket_name(bucket)
                    .backup_type_mode(vredis::BackupTypeMode::Manual)
                    .send()
                    .await?;
                println!("export requested; list the bucket to see the file arrive");
            }
        }
        other => {
            eprintln!("unknown API family {other:?}: use vcache or vredis");
            std::process::exit(2);
        }
    }
    Ok(())
}
