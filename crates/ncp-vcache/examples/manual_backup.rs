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
    BackupEntry, BackupExport, CachedProvider, Error, ManualBackups, NcpDefaultChain, RegionCode,
    Site, vcache, vredis,
};

/// Creates a manual backup with either family's client, waits until it is listed, and
/// exports it to `bucket` when one is given.
async fn back_up<C: ManualBackups>(
    client: C,
    instance_no: &str,
    bucket: Option<String>,
) -> Result<(), Error> {
    let backup = client
        .create_manual_backup_and_wait(instance_no)
        .timeout(Duration::from_secs(20 * 60))
        .on_progress(|p| {
            println!(
                "  {} after {:?}: {}",
                p.state,
                p.elapsed,
                p.message.as_deref().unwrap_or("")
            )
        })
        .wait()
        .await?;
    println!("new manual backup: {backup:?}");
    let Some(bucket) = bucket else {
        return Ok(());
    };
    let Some(file_name) = backup.file_name() else {
        println!("the listing carries no fileName; export it by name yourself");
        return Ok(());
    };
    client
        .export_backup(&BackupExport::new(instance_no, file_name, bucket))
        .await?;
    println!("export requested; list the bucket to see the file arrive");
    Ok(())
}

/// A client of API family `$family` (`vcache` or `vredis`): both builders take the same
/// settings, from the environment.
macro_rules! client_from_env {
    ($family:ident) => {{
        let mut builder =
            $family::Client::builder().credentials(CachedProvider::new(NcpDefaultChain::new()));
        if let Some(site) = std::env::var("NCLOUD_SITE")
            .ok()
            .as_deref()
            .and_then(Site::from_name)
        {
            builder = builder.site(site);
        }
        if let Ok(region) = std::env::var("NCLOUD_REGION") {
            builder = builder.region(RegionCode::new(region));
        }
        builder.build()?
    }};
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
    match family {
        "vcache" => back_up(client_from_env!(vcache), &instance_no, bucket).await?,
        "vredis" => back_up(client_from_env!(vredis), &instance_no, bucket).await?,
        other => {
            eprintln!("unknown API family {other:?}: use vcache or vredis");
            std::process::exit(2);
        }
    }
    Ok(())
}
