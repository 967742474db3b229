//! The smallest useful program on one vendor crate: build a client, make one create call.
//! `footprint.sh` measures how long it takes to build and how big it is; run it against the
//! canned server (`cargo run --release --bin canned_server`) with its URL as the argument.

use ncp_vhadoop::backup_core::credentials::NcpCredentials;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:9".to_owned());
    let client = ncp_vhadoop::Client::builder()
        .endpoint(&endpoint)
        .credentials(NcpCredentials::new("AKIDEXAMPLE", "secret-example"))
        .build()?;
    let out = client
        .backup_cluster_configuration()
        .cloud_hadoop_instance_no("1000001")
        .send()
        .await?;
    println!("request id {:?}", out.request_id);
    Ok(())
}
