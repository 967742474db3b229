//! The aws-sdk-s3 equivalent of one-call-ncp: build a client (static credentials,
//! path-style, an endpoint URL; no aws-config), make one `PutObject` call.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:9".to_owned());
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "secret-example",
            None,
            None,
            "one-call-s3",
        ))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    let out = client
        .put_object()
        .bucket("bench-bucket")
        .key("backups/2026-11-29/manifest.json")
        .body(ByteStream::from_static(b"{\"backup\":\"full\"}"))
        .send()
        .await?;
    println!("etag {:?}", out.e_tag());
    Ok(())
}
