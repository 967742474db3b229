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
    print_banner(&handle);
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

/// The emulator's own test credentials are printed on purpose: they are what a user needs
/// to point a client at it. They are never real secrets.
fn print_banner(handle: &backup_emulator::EmulatorHandle) {
    let f = handle.fixture();
    let c = &f.credentials;
    println!("backup-emulator listening on {}", handle.base_url());
    println!("backup duration: {} ms", f.backup_duration_ms);
    for k in &c.ncp {
        println!(
            "NCP        NCLOUD_ACCESS_KEY_ID={} NCLOUD_SECRET_ACCESS_KEY={}",
            k.access_key, k.secret_key
        );
    }
    for k in &c.huawei {
        println!(
            "Huawei     HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={}",
            k.access_key, k.secret_key
        );
    }
    for u in &c.huawei_users {
        println!(
            "Huawei IAM user={} password={} domain={} project={} ({})",
            u.name, u.password, u.domain, u.project_name, u.project_id
        );
    }
    for u in &c.ocp_users {
        println!("OCP Basic  user={} password={}", u.username, u.password);
    }
    for k in &c.ocp_keys {
        println!(
            "OCP AK/SK  OCP_ACCESS_KEY_ID={} OCP_ACCESS_KEY_SECRET={}",
            k.access_key, k.secret_key
        );
    }
    let r = &f.resources;
    for h in &r.hadoop_clusters {
        println!("resource   vhadoop cloudHadoopInstanceNo={}", h.instance_no);
    }
    for i in &r.cache_instances {
        println!("resource   vcache cloudCacheInstanceNo={}", i.instance_no);
    }
    for i in &r.redis_instances {
        println!("resource   vredis cloudRedisInstanceNo={}", i.instance_no);
    }
    for o in &r.ocp_clusters {
        let tenants: Vec<String> = o.tenants.iter().map(|t| t.id.to_string()).collect();
        println!(
            "resource   ocp cluster id={} tenants=[{}]",
            o.id,
            tenants.join(",")
        );
    }
    for g in &r.ges_graphs {
        println!(
            "resource   ges project_id={} graph_id={}",
            g.project_id, g.graph_id
        );
    }
}
