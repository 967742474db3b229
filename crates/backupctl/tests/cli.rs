//! Runs the real `backupctl` binary against an in-process emulator on 127.0.0.1 and checks
//! its exit status, its output and what the emulator received.
//!
//! The child's environment is cleared and given only the emulator's credentials and a
//! scratch HOME, so nothing from the machine running the tests (real keys,
//! `~/.ncloud/configure`) can leak in, and no vendor endpoint can be reached.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backup_core::test_tls::{TEST_CA_PEM, TlsFront};
use backup_core::test_util::{ScriptedServer, Step};
use backup_emulator::config::defaults;
use backup_emulator::{Emulator, EmulatorHandle, Fault, FaultRule, ops};
use serde_json::Value;

const GRAPH: &str = "11111111-2222-3333-4444-555555555555";

async fn emulator() -> EmulatorHandle {
    Emulator::demo()
        .backup_duration(Duration::from_millis(300))
        .start()
        .await
        .expect("emulator starts")
}

/// A scratch directory under the target dir, unique per call.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "backupctl-cli-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary, pointed at `emulator`, with only the emulator's credentials.
fn backupctl(emulator: &EmulatorHandle) -> Command {
    backupctl_waiting(emulator, "20s")
}

/// [`backupctl`] giving up waiting (and verifying) after `wait_timeout`.
fn backupctl_waiting(emulator: &EmulatorHandle, wait_timeout: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backupctl"));
    cmd.env_clear()
        .env("HOME", scratch())
        .env("NCLOUD_ACCESS_KEY_ID", defaults::NCP_ACCESS_KEY)
        .env("NCLOUD_SECRET_ACCESS_KEY", defaults::NCP_SECRET_KEY)
        .env("OCP_ACCESS_KEY_ID", defaults::OCP_ACCESS_KEY_ID)
        .env("OCP_ACCESS_KEY_SECRET", defaults::OCP_ACCESS_KEY_SECRET)
        .env("HUAWEICLOUD_SDK_AK", defaults::HUAWEI_ACCESS_KEY)
        .env("HUAWEICLOUD_SDK_SK", defaults::HUAWEI_SECRET_KEY)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", defaults::HUAWEI_PROJECT_ID)
        .args(["--endpoint", &emulator.base_url()])
        .args(["--obs-endpoint", &emulator.object_storage_url()])
        .args(["--poll-interval", "50ms", "--wait-timeout", wait_timeout])
        .stdin(Stdio::null());
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

fn run(cmd: &mut Command, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.args(args).output().expect("backupctl runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn ok(emulator: &EmulatorHandle, args: &[&str]) -> Run {
    let out = run(&mut backupctl(emulator), args);
    assert_eq!(
        out.code, 0,
        "backupctl {args:?} failed\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ncp_hadoop_backup_config_waits_until_running() {
    let emu = emulator().await;
    let out = ok(
        &emu,
        &[
            "ncp",
            "hadoop",
            "backup-config",
            "--instance-no",
            "1000001",
            "--wait",
            "-o",
            "json",
        ],
    );
    let json = out.json();
    assert!(json["requestId"].is_string(), "{json}");
    assert_eq!(json["cluster"]["status"], "running", "{json}");
    // It says what it waited for: the cluster, not the backup, which no NCP API reports
    // (seed 000 documents no state for it).
    let waited_for = json["waitedFor"].as_str().unwrap_or_default();
    assert!(
        waited_for.contains("cluster to be running") && waited_for.contains("not verified"),
        "{json}"
    );
    assert!(
        out.stderr.contains("waited for the cluster to be running"),
        "{}",
        out.stderr
    );
    assert_eq!(emu.backups_created(&ops::hadoop_resource("1000001")), 1);
    assert!(emu.requests(ops::VHADOOP_GET_INSTANCE_DETAIL) >= 1);
    // Not a terminal: progress is plain lines on stderr, results alone on stdout.
    assert!(out.stderr.contains("[hadoop-1000001]"), "{}", out.stderr);
    assert!(out.stderr.contains("succeeded"), "{}", out.stderr);

    let status = ok(
        &emu,
        &["ncp", "hadoop", "status", "--instance-no", "1000001"],
    );
    assert!(status.stdout.starts_with("INSTANCE"), "{}", status.stdout);
    assert!(
        status.stdout.contains("1000001") && status.stdout.contains("demo-hadoop"),
        "{}",
        status.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ncp_cache_and_redis_manual_backups_are_listed_and_exported() {
    let emu = emulator().await;
    for (family, instance, resource) in [
        (None, "2000001", ops::cache_resource("2000001")),
        (Some("--redis"), "3000001", ops::redis_resource("3000001")),
    ] {
        let mut args = vec![
            "ncp",
            "cache",
            "manual-backup",
            "--instance-no",
            instance,
            "--wait",
            "-o",
            "json",
        ];
        args.extend(family);
        let created = ok(&emu, &args).json();
        let file = created["backup"]["fileName"]
            .as_str()
            .unwrap_or_else(|| panic!("no fileName in {created}"))
            .to_owned();
        assert_eq!(emu.backups_created(&resource), 1, "{resource}");

        let mut args = vec!["ncp", "cache", "manual-backups", "--instance-no", instance];
        args.extend(family);
        let listed = ok(&emu, &args);
        assert!(
            listed.stdout.contains(&file),
            "{file} not listed:\n{}",
            listed.stdout
        );

        let mut args = vec![
            "ncp",
            "cache",
            "export",
            "--instance-no",
            instance,
            "--file-name",
            &file,
            "--bucket",
            "demo-backups",
        ];
        args.extend(family);
        let exported = ok(&emu, &args);
        assert!(exported.stdout.contains("requestId"), "{}", exported.stdout);
        assert_eq!(emu.exports(&resource), 1, "{resource}");

        let mut args = vec!["ncp", "cache", "list", "-o", "json"];
        args.extend(family);
        let settings = ok(&emu, &args).json();
        assert!(settings.to_string().contains(instance), "{settings}");

        let mut args = vec!["ncp", "cache", "manual-list"];
        args.extend(family);
        ok(&emu, &args);
    }
    let system = ok(
        &emu,
        &[
            "ncp",
            "cache",
            "backups",
            "--redis",
            "--instance-no",
            "3000001",
        ],
    );
    assert!(system.stdout.contains("20240702"), "{}", system.stdout);
    // Without --redis, `backups` is a usage error and sends nothing.
    let before = emu.total_requests();
    let misuse = run(
        &mut backupctl(&emu),
        &["ncp", "cache", "backups", "--instance-no", "2000001"],
    );
    assert_eq!(misuse.code, 2, "{}", misuse.stderr);
    assert_eq!(emu.total_requests(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocp_backup_now_waits_for_its_tasks_and_lists_the_backup_set() {
    let emu = emulator().await;
    let out = ok(
        &emu,
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--mode",
            "physical",
            "--data",
            "full",
            "--wait",
            "-o",
            "json",
        ],
    );
    let json = out.json();
    let task_id = json["taskIds"][0]
        .as_i64()
        .unwrap_or_else(|| panic!("no task id in {json}"));
    assert_eq!(json["tasks"][0]["status"], "SUCCESSFUL", "{json}");
    assert_eq!(emu.backups_created(&ops::ocp_cluster_resource(1)), 1);

    let sets = ok(&emu, &["ocp", "list", "--cluster-id", "1", "-o", "json"]).json();
    assert!(
        sets["items"].as_array().is_some_and(|a| !a.is_empty()),
        "{sets}"
    );
    assert_eq!(sets["schema_version"], 1);

    let task = ok(&emu, &["ocp", "task", "--task-id", &task_id.to_string()]);
    assert!(task.stdout.contains("SUCCESSFUL"), "{}", task.stdout);

    let strategy = ok(
        &emu,
        &["ocp", "strategy", "--cluster-id", "1", "-o", "json"],
    );
    assert!(
        strategy.stdout.contains("obBackupServiceStorageConfig"),
        "{}",
        strategy.stdout
    );

    // A tenant backup, with the storage from a file.
    let dir = scratch();
    let storage = dir.join("storage.json");
    std::fs::write(
        &storage,
        strategy.json()["obBackupServiceStorageConfig"].to_string(),
    )
    .unwrap();
    let tenant = ok(
        &emu,
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--tenant-id",
            "1001",
            "--storage-config",
            storage.to_str().unwrap(),
            // A bare storage object names no mode: it must be given (issue 13 item 4).
            "--mode",
            "PHYSICAL_BACKUP",
            "--wait",
        ],
    );
    assert!(tenant.stdout.contains("taskIds"), "{}", tenant.stdout);
    assert_eq!(emu.backups_created(&ops::ocp_tenant_resource(1, 1001)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ges_backup_waits_for_the_job_and_the_backup_is_listed_then_deleted() {
    let emu = emulator().await;
    let json = ok(
        &emu,
        &["ges", "backup", "--graph-id", GRAPH, "--wait", "-o", "json"],
    )
    .json();
    let backup_id = json["backupId"]
        .as_str()
        .unwrap_or_else(|| panic!("{json}"))
        .to_owned();
    let job_id = json["jobId"]
        .as_str()
        .unwrap_or_else(|| panic!("{json}"))
        .to_owned();
    assert_eq!(json["backup"]["id"], backup_id.as_str(), "{json}");
    assert_eq!(
        emu.backups_created(&ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH)),
        1
    );

    let listed = ok(&emu, &["ges", "list", "--graph-id", GRAPH]);
    assert!(listed.stdout.contains(&backup_id), "{}", listed.stdout);
    let all = ok(&emu, &["ges", "list", "-o", "json"]).json();
    assert!(all.to_string().contains(&backup_id), "{all}");

    let job = ok(
        &emu,
        &[
            "ges",
            "job",
            "--graph-id",
            GRAPH,
            "--job-id",
            &job_id,
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(job["status"], "success", "{job}");

    ok(
        &emu,
        &[
            "ges",
            "delete",
            "--graph-id",
            GRAPH,
            "--backup-id",
            &backup_id,
        ],
    );
    let after = ok(&emu, &["ges", "list", "--graph-id", GRAPH]);
    assert!(!after.stdout.contains(&backup_id), "{}", after.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_error_is_one_line_with_code_and_request_id_and_no_secret() {
    let emu = emulator().await;
    let wrong_secret = "wrong-secret-value-1234";
    let out = run(
        backupctl(&emu).env("HUAWEICLOUD_SDK_SK", wrong_secret),
        &["-vvv", "ges", "backup", "--graph-id", GRAPH],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {}", out.stderr));
    for part in ["ges", "createBackup", "code ", "request id"] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
    let everything = format!("{}{}", out.stdout, out.stderr);
    for secret in [
        wrong_secret,
        defaults::NCP_SECRET_KEY,
        defaults::OCP_ACCESS_KEY_SECRET,
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
    assert!(
        out.stderr.lines().count() > 1,
        "-vvv should log the attempt: {}",
        out.stderr
    );
    assert_eq!(
        emu.backups_created(&ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH)),
        0
    );

    // A vendor error about the resource, not the caller.
    let missing = run(
        &mut backupctl(&emu),
        &["ncp", "hadoop", "backup-config", "--instance-no", "999"],
    );
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("ncp-vhadoop backupClusterConfiguration"),
        "{}",
        missing.stderr
    );
}

/// The binary with a cleared environment plus `vars`, pointed at a scripted server.
fn backupctl_at(server: &ScriptedServer, vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backupctl"));
    cmd.env_clear()
        .env("HOME", scratch())
        .envs(vars.iter().copied())
        .args(["--endpoint", &server.base_url])
        .stdin(Stdio::null());
    cmd
}

/// Asserts that `out` shows one error line, no piece (six characters or more) of any of
/// `secrets`, and no character a terminal would act on.
fn assert_clean(out: &Run, secrets: &[&str]) {
    assert_eq!(out.code, 1, "{}", out.stderr);
    let error_lines = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .count();
    assert_eq!(error_lines, 1, "{}", out.stderr);
    let everything = format!("{}{}", out.stdout, out.stderr);
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(6) {
            let piece: String = window.iter().collect();
            assert!(
                !everything.contains(&piece),
                "`{piece}` of {secret} leaked:\n{everything}"
            );
        }
    }
    let control = everything.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert_eq!(
        control, None,
        "a control character reached the terminal:\n{everything:?}"
    );
    assert!(
        out.stderr.lines().count() > 1,
        "-vvv should log the attempt: {}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_that_echo_secrets_and_control_sequences_show_neither_at_vvv() {
    const TOKEN: &str = "TOKEN-gQpJb2tlbkV4YW1wbGUwMTIzNDU2Nzg5";
    const HUAWEI_SK: &str = "hwSK-7Qz9xK2mP4vN8rT1wYb3";
    const OSS_SECRET: &str = "oss-S3cr3t-Value-9f8e7d";
    const PASSWORD: &str = "ocp-Passw0rd-example";
    let hostile = r"\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e";

    // Huawei's gateway answers a bad signature with its canonical request, temporary
    // credentials' token included; the request id carries escape sequences.
    let canonical = format!(
        "POST\\n/v2/p/graphs/{GRAPH}/backups\\n\\ncontent-type:application/json\\nx-security-token:{TOKEN}\\n"
    );
    let body = format!(
        r#"{{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail {hostile}, canonicalRequest: {canonical}","request_id":"r{hostile}-1"}}"#
    );
    let server = ScriptedServer::start(vec![Step::status(401, &body)]).await;
    let huawei = [
        ("HUAWEICLOUD_SDK_AK", "AKEXAMPLE"),
        ("HUAWEICLOUD_SDK_SK", HUAWEI_SK),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN),
        (
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "0123456789abcdef0123456789abcdef",
        ),
    ];
    let out = run(
        &mut backupctl_at(&server, &huawei),
        &["-vvv", "ges", "backup", "--graph-id", GRAPH],
    );
    assert_clean(&out, &[TOKEN, HUAWEI_SK]);
    assert!(out.stderr.contains("APIGW.0301"), "{}", out.stderr);

    // An OCP strategy with one ill-typed member, its storage secret in the body and in
    // the ill-typed member (serde quotes it), and a trace id with escape sequences.
    let body = format!(
        r#"{{"data":{{"id":11,"clusterId":"{OSS_SECRET}","obBackupScheduleConfig":"weekly","obBackupServiceStorageConfig":{{"configName":"c","obBackupStorageBaseInfo":{{"backupStorageType":"BACKUP_STORAGE_OSS","storageUrl":"b/","ossAccessKey":{{"accessKeyId":"id-1","accessKeySecret":"{OSS_SECRET}"}}}}}}}},"successful":true,"status":200,"traceId":"t{hostile}"}}"#
    );
    let server = ScriptedServer::start(vec![Step::ok(&body)]).await;
    let ocp = [("OCP_USERNAME", "admin"), ("OCP_PASSWORD", PASSWORD)];
    let out = run(
        &mut backupctl_at(&server, &ocp),
        &["-vvv", "ocp", "strategy", "--cluster-id", "8"],
    );
    assert_clean(&out, &[OSS_SECRET, PASSWORD]);
    assert!(out.stderr.contains("getBackupStrategy"), "{}", out.stderr);

    // An OCP 401 that echoes the Basic credentials, encoded and decoded.
    let basic = "YWRtaW46b2NwLVBhc3N3MHJkLWV4YW1wbGU="; // admin:ocp-Passw0rd-example
    let body = format!(
        r#"{{"successful":false,"status":401,"traceId":"t-401","error":{{"code":30000,"message":"Authorization: Basic {basic} {hostile}","debugMessage":"user admin:{PASSWORD}"}}}}"#
    );
    let server = ScriptedServer::start(vec![Step::status(401, &body)]).await;
    let out = run(
        &mut backupctl_at(&server, &ocp),
        &["-vvv", "ocp", "strategy", "--cluster-id", "8"],
    );
    assert_clean(&out, &[PASSWORD, basic]);
    assert!(out.stderr.contains("30000"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_send_nothing() {
    let emu = emulator().await;
    for args in [
        &["ncp", "hadoop", "backup-config"][..],
        &["ocp", "backup-now", "--cluster-id", "0"],
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--mode",
            "sideways",
        ],
        &["ges", "backup", "--graph-id", ""],
        &["plan", "run", "/nonexistent/plan.toml"],
        &["plan", "run", "x.toml", "--shard", "3/2"],
        &["--ges-project-id", "", "ges", "backup", "--graph-id", GRAPH],
    ] {
        let out = run(&mut backupctl(&emu), args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.trim().is_empty(), "{args:?} said nothing");
    }
    // No credentials anywhere: nothing can be signed, so nothing is sent.
    let out = run(
        backupctl(&emu)
            .env_remove("NCLOUD_ACCESS_KEY_ID")
            .env_remove("NCLOUD_SECRET_ACCESS_KEY"),
        &["ncp", "hadoop", "status", "--instance-no", "1000001"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no ncp credentials found"),
        "{}",
        out.stderr
    );
    let out = run(
        backupctl(&emu).env_remove("HUAWEICLOUD_SDK_PROJECT_ID"),
        &["ges", "list"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--ges-project-id"), "{}", out.stderr);
    assert_eq!(emu.total_requests(), 0);
}

/// An emulator whose first GES create has its connection closed, before or after the
/// backup is made.
async fn closing_ges_emulator(after_processing: bool) -> EmulatorHandle {
    Emulator::demo()
        .backup_duration(Duration::from_millis(300))
        .fault(
            FaultRule::new(
                ops::GES_CREATE_BACKUP,
                Fault::CloseConnection { after_processing },
            )
            .times(1),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_create_that_was_processed_is_found_by_reconciling_and_sent_once() {
    let emu = closing_ges_emulator(true).await;
    let out = ok(
        &emu,
        &[
            "ges",
            "backup",
            "--graph-id",
            GRAPH,
            "--wait",
            "--output",
            "json",
        ],
    );
    assert_eq!(
        emu.requests(ops::GES_CREATE_BACKUP),
        1,
        "a create must not be retried"
    );
    assert_eq!(
        emu.backups_created(&ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH)),
        1
    );
    let json = out.json();
    let verdicts = json["reconciliation"].as_array().unwrap();
    assert_eq!(verdicts.len(), 1, "{json}");
    assert_eq!(verdicts[0]["outcome"], "created", "{json}");
    assert_eq!(verdicts[0]["id"], json["backupId"], "{json}");
    let evidence = &verdicts[0]["evidence"];
    assert_eq!(evidence["listedWith"][0], "listGraphBackups", "{json}");
    assert_eq!(evidence["inWindow"][0]["id"], json["backupId"], "{json}");
    // It waited for the backup it found.
    assert_eq!(json["backup"]["status"], "success", "{json}");
    assert!(out.stderr.contains("took effect"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_create_that_was_not_processed_is_retried_once_with_the_flag() {
    let emu = closing_ges_emulator(false).await;
    let out = ok(
        &emu,
        &[
            "ges",
            "backup",
            "--graph-id",
            GRAPH,
            "--wait",
            "--retry-ambiguous",
            "--output",
            "json",
        ],
    );
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 2);
    assert_eq!(
        emu.backups_created(&ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH)),
        1
    );
    let json = out.json();
    assert_eq!(
        json["reconciliation"][0]["outcome"], "not_created",
        "{json}"
    );
    assert!(json["jobId"].is_string(), "the retry's answer: {json}");
    assert_eq!(json["jobStatus"], "success", "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_create_that_was_not_processed_fails_without_the_flag() {
    let emu = closing_ges_emulator(false).await;
    let out = run(
        &mut backupctl(&emu),
        &["ges", "backup", "--graph-id", GRAPH, "--output", "json"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 1);
    assert_eq!(
        emu.backups_created(&ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH)),
        0
    );
    assert!(out.stderr.contains("nothing was created"), "{}", out.stderr);
    assert!(out.stderr.contains("--retry-ambiguous"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let json = out.json();
    assert_eq!(
        json["reconciliation"][0]["outcome"], "not_created",
        "{json}"
    );
    assert_eq!(json["reconciliation"][0]["evidence"]["listed"], 0, "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_reconciles_an_ambiguous_create_and_reports_the_evidence() {
    let emu = Emulator::demo()
        .backup_duration(Duration::from_millis(300))
        .fault(
            FaultRule::new(
                ops::OCP_BACKUP_NOW,
                Fault::CloseConnection {
                    after_processing: true,
                },
            )
            .times(1),
        )
        .fault(
            FaultRule::new(
                ops::GES_CREATE_BACKUP,
                Fault::CloseConnection {
                    after_processing: false,
                },
            )
            .times(1),
        )
        .start()
        .await
        .unwrap();
    let plan = write_plan(&format!(
        "[[target]]\nname = \"ocp\"\nkind = \"ocp-backup-now\"\ncluster_id = 1\n\n\
         [[target]]\nname = \"ges\"\nkind = \"ges-backup\"\ngraph_id = \"{GRAPH}\"\n"
    ));
    let report_path = plan.with_file_name("report.json");
    ok(
        &emu,
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--retry-ambiguous",
            "--report",
            report_path.to_str().unwrap(),
        ],
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let targets = report["targets"].as_array().unwrap();
    let ocp = &targets[0];
    assert_eq!(ocp["status"], "succeeded", "{ocp}");
    let verdict = &ocp["result"]["reconciliation"][0];
    assert_eq!(verdict["outcome"], "created", "{ocp}");
    assert_eq!(
        verdict["evidence"]["listedWith"][0], "listDataBackupTasks",
        "{ocp}"
    );
    assert_eq!(ocp["result"]["task"]["status"], "DONE", "{ocp}");
    let ges = &targets[1];
    assert_eq!(ges["status"], "succeeded", "{ges}");
    assert_eq!(
        ges["result"]["reconciliation"][0]["outcome"], "not_created",
        "{ges}"
    );
    // Exactly one backup each: the processed create was not repeated, the other was
    // repeated once.
    assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), 1);
    assert_eq!(emu.backups_created(&ops::ocp_cluster_resource(1)), 1);
    assert_eq!(emu.requests(ops::GES_CREATE_BACKUP), 2);
    assert_eq!(
        emu.backups_created(&ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH)),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_report_marks_an_ambiguous_create() {
    let emu = Emulator::demo()
        .backup_duration(Duration::from_millis(300))
        .fault(FaultRule::new(
            ops::VCACHE_CREATE_MANUAL_BACKUP,
            Fault::CloseConnection {
                after_processing: false,
            },
        ))
        .start()
        .await
        .unwrap();
    let plan = write_plan(MIXED_PLAN);
    let report_path = plan.with_file_name("report.json");
    let out = run(
        &mut backupctl(&emu),
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--report",
            report_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    for target in report["targets"].as_array().unwrap() {
        let ambiguous = target["name"] == "cache";
        assert_eq!(
            target["status"],
            if ambiguous { "failed" } else { "succeeded" },
            "{target}"
        );
        if ambiguous {
            assert_eq!(target["error"]["ambiguous"], true, "{target}");
            // Every create closed before processing: the list showed nothing while the
            // wait could have lasted, and without --retry-ambiguous nothing is resent.
            assert_eq!(
                target["error"]["reconciliation"][0]["outcome"], "not_created",
                "{target}"
            );
        }
    }
    assert_eq!(
        emu.requests(ops::VCACHE_CREATE_MANUAL_BACKUP),
        1,
        "a create must not be retried"
    );
}

/// The targets of [`RESUMABLE_PLAN`], a literal so that [`MIXED_PLAN`] can extend it.
macro_rules! resumable_targets {
    () => {
        r#"
[[target]]
name = "cache"
kind = "ncp-cache-backup"
instance_no = "2000001"

[[target]]
name = "redis"
kind = "ncp-cache-backup"
redis = true
instance_no = "3000001"

[[target]]
name = "ocp"
kind = "ocp-backup-now"
cluster_id = 1

[[target]]
name = "ges"
kind = "ges-backup"
graph_id = "11111111-2222-3333-4444-555555555555"
"#
    };
}

fn write_plan(text: &str) -> PathBuf {
    let path = scratch().join("plan.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Every kind of target, one of each vendor's backups.
const MIXED_PLAN: &str = concat!(
    r#"
[[target]]
name = "hadoop"
kind = "ncp-hadoop-config"
instance_no = "1000001"
"#,
    resumable_targets!()
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_with_a_failing_target_exits_1_and_reports_the_failure() {
    let emu = emulator().await;
    let plan = write_plan(&format!(
        "{MIXED_PLAN}\n[[target]]\nname = \"missing-graph\"\nkind = \"ges-backup\"\ngraph_id = \"no-such-graph\"\n"
    ));
    let report_path = plan.with_file_name("report.json");
    let out = run(
        &mut backupctl(&emu),
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--concurrency",
            "3",
            "--report",
            report_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("missing-graph") && out.stdout.contains("failed"),
        "{}",
        out.stdout
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(report["succeeded"], 5, "{report}");
    assert_eq!(report["failed"], 1, "{report}");
    let failed = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "missing-graph")
        .unwrap();
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"]["code"].is_string(), "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("createBackup"),
        "{failed}"
    );
    assert!(
        out.stderr.contains("1 of 6 targets failed"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_validates_and_describes_but_sends_nothing() {
    let emu = emulator().await;
    let plan = write_plan(MIXED_PLAN);
    let out = ok(&emu, &["plan", "run", plan.to_str().unwrap(), "--dry-run"]);
    assert_eq!(emu.total_requests(), 0, "a dry run sent requests");
    for expected in [
        "/vhadoop/v2/backupClusterConfiguration",
        "cloudCacheInstanceNo=2000001",
        "/vredis/v2/createCloudRedisManualBackup",
        "/api/v2/ob/clusters/1/backup/config/backupStrategy",
        "/v2/0123456789abcdef0123456789abcdef/graphs/11111111-2222-3333-4444-555555555555/backups",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected} missing:\n{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("planned"), "{}", out.stdout);

    // With a storage file, the whole backupNow body is shown, its secret redacted.
    let storage = plan.with_file_name("s3.json");
    std::fs::write(
        &storage,
        r#"{"configName": "s3", "obBackupStorageBaseInfo": {"backupStorageType": "BACKUP_STORAGE_S3",
            "storageUrl": "s3://bucket/ob", "s3AccessKey": {"accessKeyId": "AKID",
            "accessKeySecret": "dry-run-secret-value", "region": "r1"}}}"#,
    )
    .unwrap();
    let with_storage = write_plan(&format!(
        "[[target]]\nkind = \"ocp-backup-now\"\ncluster_id = 1\nmode = \"physical\"\nstorage_config = {:?}\n",
        storage.to_str().unwrap()
    ));
    let out = ok(
        &emu,
        &[
            "plan",
            "run",
            with_storage.to_str().unwrap(),
            "--dry-run",
            "-o",
            "json",
        ],
    );
    assert!(
        out.stdout
            .contains("/api/v2/ob/clusters/1/backup/backupNow"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("s3://bucket/ob") && out.stdout.contains("[redacted]"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("dry-run-secret-value"),
        "{}",
        out.stdout
    );
    assert_eq!(emu.total_requests(), 0, "a dry run sent requests");

    let bad = write_plan("[[target]]\nkind = \"ocp-backup-now\"\ncluster_id = 0\n");
    let invalid = run(
        &mut backupctl(&emu),
        &["plan", "run", bad.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(invalid.code, 2, "{}{}", invalid.stdout, invalid.stderr);
    assert!(invalid.stdout.contains("id"), "{}", invalid.stdout);
    assert_eq!(emu.total_requests(), 0, "an invalid dry run sent requests");
}

/// The dry run shows each request as the SDK would send it (`to_request()`): method, the
/// full URL with every path segment encoded, the headers and the body, and the same
/// request whichever cache family or command builds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_shows_the_sdks_own_request_with_headers_and_body() {
    let emu = emulator().await;
    let plan = write_plan(
        "[[target]]\nname = \"ges\"\nkind = \"ges-backup\"\ngraph_id = \"a/b c\"\n\n\
         [[target]]\nname = \"redis-export\"\nkind = \"ncp-cache-export\"\nredis = true\n\
         instance_no = \"3000001\"\nfile_name = \"f1\"\nbucket = \"b1\"\nbackup_type = \"system\"\n",
    );
    let report = ok(
        &emu,
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--dry-run",
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(emu.total_requests(), 0, "a dry run sent requests");
    let first_step = |name: &str| {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {report}"))["result"][0]
            .clone()
    };
    let ges = first_step("ges");
    assert_eq!(ges["method"], "POST", "{ges}");
    let url = ges["url"].as_str().unwrap();
    assert!(
        url.ends_with("/v2/0123456789abcdef0123456789abcdef/graphs/a%2Fb%20c/backups"),
        "{url}"
    );
    assert_eq!(ges["headers"]["content-type"], "application/json", "{ges}");
    assert_eq!(
        ges["headers"]["x-project-id"], "0123456789abcdef0123456789abcdef",
        "{ges}"
    );
    assert_eq!(ges["body"], serde_json::json!({}), "{ges}");

    let export = first_step("redis-export");
    assert_eq!(export["method"], "POST", "{export}");
    assert!(
        export["url"]
            .as_str()
            .unwrap()
            .ends_with("/vredis/v2/exportBackupToObjectStorage"),
        "{export}"
    );
    let body = export["body"].as_str().unwrap();
    for pair in [
        "cloudRedisInstanceNo=3000001",
        "fileName=f1",
        "bucketName=b1",
        "backupTypeMode=SYSTEM",
    ] {
        assert!(body.contains(pair), "{pair} missing from {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_run_every_target_exactly_once() {
    let emu = emulator().await;
    let plan = write_plan(MIXED_PLAN);
    let shards = 3;
    let mut names = Vec::new();
    for index in 1..=shards {
        let report_path = plan.with_file_name(format!("report-{index}.json"));
        ok(
            &emu,
            &[
                "plan",
                "run",
                plan.to_str().unwrap(),
                "--shard",
                &format!("{index}/{shards}"),
                "--report",
                report_path.to_str().unwrap(),
            ],
        );
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
        assert_eq!(report["shard"], format!("{index}/{shards}"));
        for target in report["targets"].as_array().unwrap() {
            assert_eq!(target["status"], "succeeded", "{target}");
            names.push(target["name"].as_str().unwrap().to_owned());
        }
    }
    names.sort();
    assert_eq!(names, ["cache", "ges", "hadoop", "ocp", "redis"]);
    let created: u64 = emu.counters().backups_created.values().sum();
    assert_eq!(created, 5, "each target's backup is created exactly once");
}

#[test]
fn the_demo_exits_0_with_every_target_succeeded() {
    let out = Command::new(env!("CARGO_BIN_EXE_backupctl"))
        .env_clear()
        .env("HOME", scratch())
        .args(["demo", "--output", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let targets = report["targets"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<&str> = targets
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "ges-backup",
            "ncp-cache-backup",
            "ncp-cache-export",
            "ncp-hadoop-config",
            "ocp-backup-now"
        ]
    );
    for target in targets {
        assert_eq!(target["status"], "succeeded", "{target}");
        // Issue 17: the demo verifies every target and shows the evidence.
        assert_eq!(target["verification"]["status"], "verified", "{target}");
    }
    assert_eq!(report["failed"], 0);
    assert_eq!(report["unverified"], 0);
    let object_keys = targets
        .iter()
        .filter(|t| t["verification"]["evidence"]["kind"] == "object")
        .filter(|t| t["verification"]["evidence"]["etag"].is_string())
        .count();
    assert_eq!(
        object_keys, 4,
        "hadoop, two exports of new backups, one system export"
    );
    // The exports of the new manual backups are part of the demo.
    assert!(stdout.matches("\"export\"").count() >= 2, "{stdout}");
}

#[test]
fn emulator_serve_prints_its_address_and_credentials() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backupctl"))
        .env_clear()
        .args(["emulator", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    // The banner is finite; stop at the first resource line or after 40 lines.
    for line in lines.by_ref().take(40) {
        let line = line.unwrap();
        let done = line.contains("ges project_id=");
        banner.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = banner.join("\n");
    let address = text
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {text}"));
    assert!(address.len() > "http://127.0.0.1:".len(), "{text}");
    assert!(text.contains(defaults::NCP_ACCESS_KEY), "{text}");
    assert!(text.contains(GRAPH), "{text}");
}

#[test]
fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_backupctl"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("backupctl") && text.contains("backup-now"),
            "{shell}: {text}"
        );
    }
}

/// `ncp hadoop backup-config --help` does not promise that `--wait` waits for the backup:
/// it waits for the cluster (issue 13 item 11).
#[test]
fn hadoop_backup_config_help_says_what_wait_waits_for() {
    let out = Command::new(env!("CARGO_BIN_EXE_backupctl"))
        .args(["ncp", "hadoop", "backup-config", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("cluster to be running") && text.contains("not verified"),
        "{text}"
    );
}

#[test]
fn every_command_help_shows_an_example() {
    for args in [
        &["ncp", "hadoop", "backup-config", "--help"][..],
        &["ncp", "cache", "export", "--help"],
        &["ocp", "backup-now", "--help"],
        &["ges", "backup", "--help"],
        &["plan", "run", "--help"],
        &["demo", "--help"],
        &["emulator", "serve", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_backupctl"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Example") && text.contains("backupctl "),
            "{args:?}: {text}"
        );
    }
}

/// A private OCP behind a certificate from an internal CA: refused without `--ca-cert`
/// (exit 1, nothing reached the server), reached with it; a CA file that cannot be used is
/// a usage error (exit 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_cert_trusts_an_internal_ca() {
    let emu = emulator().await;
    let front = TlsFront::start(&emu.base_url()).await;
    let dir = scratch();
    let ca = dir.join("internal-ca.pem");
    std::fs::write(&ca, TEST_CA_PEM).unwrap();
    let not_pem = dir.join("not-a-ca.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let strategy = [
        "ocp",
        "--ocp-endpoint",
        &front.base_url,
        "strategy",
        "--cluster-id",
        "1",
        "-o",
        "json",
    ];
    let with_ca = |file: &std::path::Path| {
        let mut args = vec!["--ca-cert", file.to_str().unwrap()];
        args.extend(strategy);
        run(&mut backupctl(&emu), &args)
    };

    let refused = run(&mut backupctl(&emu), &strategy);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("server certificate not trusted")
            && refused.stderr.lines().count() == 1,
        "{}",
        refused.stderr
    );
    assert_eq!(front.handshakes(), 0);
    assert_eq!(emu.total_requests(), 0);

    let trusted = with_ca(&ca);
    assert_eq!(trusted.code, 0, "{}", trusted.stderr);
    assert!(
        trusted.json()["obBackupServiceStorageConfig"].is_object(),
        "{}",
        trusted.stdout
    );
    assert!(front.handshakes() >= 1);
    assert!(emu.total_requests() >= 1);

    let before = emu.total_requests();
    for unusable in [dir.join("missing.pem"), not_pem] {
        let out = with_ca(&unusable);
        assert_eq!(out.code, 2, "{unusable:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("certificate") || out.stderr.contains("--ca-cert"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(emu.total_requests(), before);
}

/// Issue 13 item 9: with the emulator's clock 10 minutes ahead (NCP refuses a timestamp 5
/// minutes off), `ncp hadoop backup-config --wait` still succeeds: the client learns the
/// offset from the refusal's `Date` and re-sends once; exactly one backup exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_survives_a_skewed_server_clock() {
    let emu = Emulator::demo()
        .backup_duration(Duration::from_millis(300))
        .clock_offset_seconds(600)
        .start()
        .await
        .unwrap();
    let out = ok(
        &emu,
        &[
            "ncp",
            "hadoop",
            "backup-config",
            "--instance-no",
            "1000001",
            "--wait",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.json()["cluster"]["status"], "running", "{}", out.stdout);
    assert_eq!(emu.requests(ops::VHADOOP_BACKUP_CLUSTER_CONFIGURATION), 2);
    assert_eq!(emu.backups_created(&ops::hadoop_resource("1000001")), 1);
    assert_eq!(emu.counters().backups_created.values().sum::<u64>(), 1);
}

/// `emulator serve --fixture` takes `clock_offset_seconds`: against a served emulator 20
/// minutes behind (past Huawei's 15), `ges backup --wait` succeeds and one backup is listed.
#[test]
fn emulator_serve_with_a_clock_offset_and_a_ges_backup() {
    let fixture = scratch().join("skewed.json");
    std::fs::write(
        &fixture,
        serde_json::json!({
            "clock_offset_seconds": -1200,
            "backup_duration_ms": 300,
            "resources": {"ges_graphs": [{
                "project_id": defaults::HUAWEI_PROJECT_ID,
                "graph_id": GRAPH,
                "name": "skewed-graph"
            }]}
        })
        .to_string(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_backupctl"))
        .env_clear()
        .args(["emulator", "serve", "--port", "0", "--fixture"])
        .arg(&fixture)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut address = None;
    for line in BufReader::new(stdout).lines().take(40) {
        let line = line.unwrap();
        if let Some(word) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
        {
            address = Some(word.to_owned());
            break;
        }
    }
    let address = address.expect("the banner names the address");
    let ges = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_backupctl"));
        cmd.env_clear()
            .env("HOME", scratch())
            .env("HUAWEICLOUD_SDK_AK", defaults::HUAWEI_ACCESS_KEY)
            .env("HUAWEICLOUD_SDK_SK", defaults::HUAWEI_SECRET_KEY)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", defaults::HUAWEI_PROJECT_ID)
            .args(["--endpoint", &address])
            .args(["--poll-interval", "50ms", "--wait-timeout", "20s"])
            .stdin(Stdio::null());
        run(&mut cmd, args)
    };
    let backup = ges(&["ges", "backup", "--graph-id", GRAPH, "--wait", "-o", "json"]);
    let listed = ges(&["ges", "list", "--graph-id", GRAPH, "-o", "json"]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(backup.code, 0, "{}\n{}", backup.stdout, backup.stderr);
    let backup_id = backup.json()["backupId"].as_str().unwrap().to_owned();
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let text = listed.json().to_string();
    assert_eq!(text.matches("\"id\":").count(), 1, "{text}");
    assert!(text.contains(&backup_id), "{text}");
}

// ---------------------------------------------------------------------------------------
// Issue 13 item 4: the mode of a storage file, exit 2 only when nothing was sent, and the
// API's own spellings.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocp_backup_now_with_a_storage_file_uses_its_mode_or_requires_one() {
    let emu = emulator().await;
    let strategy = ok(
        &emu,
        &["ocp", "strategy", "--cluster-id", "1", "-o", "json"],
    )
    .json();
    let dir = scratch();

    // A bare storage object names no mode: refused before anything is sent.
    let bare = dir.join("storage.json");
    std::fs::write(&bare, strategy["obBackupServiceStorageConfig"].to_string()).unwrap();
    let before = emu.total_requests();
    let out = run(
        &mut backupctl(&emu),
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--storage-config",
            bare.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("--mode"), "{}", out.stderr);
    assert_eq!(emu.total_requests(), before, "nothing may be sent");

    // A strategy file: its backupMode is sent, not PHYSICAL_BACKUP.
    let mut logical = strategy.clone();
    logical["backupMode"] = "LOGICAL_BACKUP".into();
    let whole = dir.join("strategy.json");
    std::fs::write(&whole, logical.to_string()).unwrap();
    let started = ok(
        &emu,
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--storage-config",
            whole.to_str().unwrap(),
            "--wait",
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(started["tasks"][0]["status"], "SUCCESSFUL", "{started}");
    let sets = ok(&emu, &["ocp", "list", "--cluster-id", "1", "-o", "json"]).json();
    let modes: Vec<&Value> = sets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|set| &set["backupMode"])
        .collect();
    assert_eq!(modes, vec!["LOGICAL_BACKUP"], "{sets}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_ocp_backup_exits_1_with_the_hint() {
    let mut fixture = backup_emulator::Fixture::demo();
    fixture.resources.ocp_clusters[0].refuse_backups_with = Some(backup_emulator::OcpRefusal::new(
        50001,
        "Cluster compaction needed before full data backup",
    ));
    let emu = Emulator::builder()
        .fixture(fixture)
        .backup_duration(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    // Without --wait too: the refusal is the answer to backupNow itself, not something
    // only the waiter notices.
    for (index, wait) in [false, true].into_iter().enumerate() {
        let mut args = vec!["ocp", "backup-now", "--cluster-id", "1"];
        if wait {
            args.push("--wait");
        }
        let out = run(&mut backupctl(&emu), &args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("Cluster compaction needed") && out.stderr.contains("50001"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert_eq!(emu.requests(ops::OCP_BACKUP_NOW), index as u64 + 1);
    }
    assert_eq!(emu.requests(ops::OCP_GET_TASK_INSTANCE), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_sent_its_create_never_exits_2() {
    // GES: the create is answered with a job id no showJob request can carry.
    let server =
        ScriptedServer::start(vec![Step::ok(r#"{"job_id": "..", "backup_id": "b-1"}"#)]).await;
    let huawei = [
        ("HUAWEICLOUD_SDK_AK", "AKEXAMPLE"),
        ("HUAWEICLOUD_SDK_SK", "sk-example"),
        (
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "0123456789abcdef0123456789abcdef",
        ),
    ];
    let out = run(
        &mut backupctl_at(&server, &huawei),
        &["ges", "backup", "--graph-id", GRAPH, "--wait"],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(server.requests().len(), 1, "the create was sent");

    // OCP: backupNow names a task id the waiter refuses.
    let server = ScriptedServer::start(vec![Step::ok(
        r#"{"data": {"obBackupTaskType": "DATA_BACKUP_NOW", "backupObjectOpsResultList": [{"beSuccessful": true, "taskIdList": [0]}]}, "successful": true}"#,
    )])
    .await;
    let storage = scratch().join("storage.json");
    std::fs::write(
        &storage,
        r#"{"configName": "c", "obBackupStorageBaseInfo": {"backupStorageType": "BACKUP_STORAGE_FILE", "storageUrl": "/obbackup/"}}"#,
    )
    .unwrap();
    let ocp = [("OCP_USERNAME", "admin"), ("OCP_PASSWORD", "pw-example")];
    let out = run(
        &mut backupctl_at(&server, &ocp),
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--mode",
            "physical",
            "--storage-config",
            storage.to_str().unwrap(),
            "--wait",
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(server.requests().len(), 1, "backupNow was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_options_accept_the_apis_spellings_in_any_case() {
    let emu = emulator().await;
    let dir = scratch();
    let storage = dir.join("storage.json");
    std::fs::write(
        &storage,
        r#"{"configName": "c", "obBackupStorageBaseInfo": {"backupStorageType": "BACKUP_STORAGE_FILE", "storageUrl": "/obbackup/"}}"#,
    )
    .unwrap();
    let ocp_target = |name: &str, mode: &str, data: &str| {
        format!(
            "[[target]]\nname = \"{name}\"\nkind = \"ocp-backup-now\"\ncluster_id = 1\nmode = \"{mode}\"\ndata = \"{data}\"\nstorage_config = {:?}\n",
            storage.to_str().unwrap()
        )
    };
    let export_target = |name: &str, backup_type: &str| {
        format!(
            "[[target]]\nname = \"{name}\"\nkind = \"ncp-cache-export\"\ninstance_no = \"2000001\"\nfile_name = \"20240702\"\nbucket = \"cache-backup\"\nbackup_type = \"{backup_type}\"\n"
        )
    };
    let plan = write_plan(
        &[
            ocp_target("ocp-short", "physical", "full"),
            ocp_target("ocp-api", "PHYSICAL_BACKUP", "FULL_BACKUP"),
            ocp_target("ocp-mixed", "Physical_Backup", "Full"),
            ocp_target("ocp-incr-short", "logical", "incremental"),
            ocp_target("ocp-incr-api", "logical_backup", "INCREMENTAL_BACKUP"),
            export_target("export-short", "system"),
            export_target("export-api", "SYSTEM"),
            export_target("export-manual-short", "manual"),
            export_target("export-manual-api", "MANUAL"),
        ]
        .concat(),
    );
    let report = ok(
        &emu,
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--dry-run",
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(emu.total_requests(), 0, "a dry run sent requests");
    let requests = |name: &str| {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {report}"))["result"]
            .clone()
    };
    for (a, b) in [
        ("ocp-short", "ocp-api"),
        ("ocp-short", "ocp-mixed"),
        ("ocp-incr-short", "ocp-incr-api"),
        ("export-short", "export-api"),
        ("export-manual-short", "export-manual-api"),
    ] {
        assert_eq!(requests(a), requests(b), "{a} and {b} differ");
    }
    let shown = report.to_string();
    assert!(
        shown.contains("PHYSICAL_BACKUP") && shown.contains("INCREMENTAL_BACKUP"),
        "{shown}"
    );
    assert!(shown.contains("backupTypeMode=SYSTEM"), "{shown}");

    // The command line takes the same spellings.
    for args in [
        &[
            "ncp",
            "cache",
            "export",
            "--instance-no",
            "2000001",
            "--file-name",
            "20240702",
            "--bucket",
            "cache-backup",
            "--type",
            "SYSTEM",
        ][..],
        &[
            "ncp",
            "cache",
            "export",
            "--instance-no",
            "2000001",
            "--file-name",
            "20240702",
            "--bucket",
            "cache-backup",
            "--type",
            "sYsTeM",
        ],
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--mode",
            "PHYSICAL_BACKUP",
            "--data",
            "FULL_BACKUP",
        ],
        &[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--mode",
            "logical",
            "--data",
            "Full_Backup",
        ],
    ] {
        ok(&emu, args);
    }
}

/// Issue 17: `verify` shows the evidence of a backup that exists, and exits 1 naming what
/// it looked for and where when the backup is not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_shows_the_evidence_or_exits_1_naming_what_is_missing() {
    let emu = emulator().await;
    let made = ok(
        &emu,
        &["ges", "backup", "--graph-id", GRAPH, "--wait", "-o", "json"],
    )
    .json();
    let backup_id = made["backupId"].as_str().unwrap().to_owned();

    let verified = ok(
        &emu,
        &[
            "verify",
            "ges-backup",
            "--graph-id",
            GRAPH,
            "--backup-id",
            &backup_id,
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(verified["status"], "verified", "{verified}");
    assert_eq!(verified["evidence"]["kind"], "listed", "{verified}");
    assert_eq!(verified["evidence"]["backup_id"], backup_id.as_str());
    assert!(
        verified["evidence"]["size"].as_u64().is_some_and(|s| s > 0),
        "{verified}"
    );

    let cache = ok(
        &emu,
        &[
            "ncp",
            "cache",
            "manual-backup",
            "--instance-no",
            "2000001",
            "--wait",
            "-o",
            "json",
        ],
    )
    .json();
    let file_name = cache["backup"]["fileName"].as_str().unwrap().to_owned();
    let verified = ok(
        &emu,
        &[
            "verify",
            "ncp-cache-backup",
            "--instance-no",
            "2000001",
            "--file-name",
            &file_name,
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(
        verified["evidence"]["backup_id"],
        file_name.as_str(),
        "{verified}"
    );

    // An export, verified by its object, from the `requestedAt` the run reported.
    let exported = ok(
        &emu,
        &[
            "ncp",
            "cache",
            "export",
            "--instance-no",
            "2000001",
            "--file-name",
            "20240702",
            "--bucket",
            "demo-backups",
            "--type",
            "system",
            "-o",
            "json",
        ],
    )
    .json();
    let since = exported["requestedAt"].as_str().unwrap().to_owned();
    let verified = ok(
        &emu,
        &[
            "verify",
            "ncp-cache-export",
            "--instance-no",
            "2000001",
            "--file-name",
            "20240702",
            "--bucket",
            "demo-backups",
            "--since",
            &since,
            "-o",
            "json",
        ],
    )
    .json();
    assert_eq!(verified["evidence"]["kind"], "object", "{verified}");
    assert_eq!(verified["evidence"]["bucket"], "demo-backups", "{verified}");
    assert!(verified["evidence"]["etag"].is_string(), "{verified}");
    // The same export asked for a minute later than it was: no object is that new.
    let later = httpdate_plus_minute(&since);
    let missing = run(
        &mut backupctl_waiting(&emu, "1s"),
        &[
            "verify",
            "ncp-cache-export",
            "--instance-no",
            "2000001",
            "--file-name",
            "20240702",
            "--bucket",
            "demo-backups",
            "--since",
            &later,
        ],
    );
    assert_eq!(missing.code, 1, "{}\n{}", missing.stdout, missing.stderr);
    assert!(
        missing.stderr.contains("demo-backups") && missing.stderr.contains("*20240702*"),
        "{}",
        missing.stderr
    );

    let lists_before = emu.requests(ops::GES_LIST_GRAPH_BACKUPS);
    let missing = run(
        &mut backupctl_waiting(&emu, "1s"),
        &[
            "verify",
            "ges-backup",
            "--graph-id",
            GRAPH,
            "--backup-id",
            "no-such-backup",
        ],
    );
    assert_eq!(missing.code, 1, "{}\n{}", missing.stdout, missing.stderr);
    assert!(
        missing.stderr.contains("no-such-backup")
            && missing.stderr.contains(&format!("graph {GRAPH}"))
            && missing.stderr.contains("did not appear"),
        "{}",
        missing.stderr
    );
    assert!(emu.requests(ops::GES_LIST_GRAPH_BACKUPS) > lists_before);
}

/// Issue 17: a plan target succeeds only when verified, and the report carries the
/// evidence; an export whose object never arrives is `unverified` (exit 1); with
/// `--no-verify` (or `verify = false`) the report says verification was skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_report_carries_evidence_and_an_unverified_target_exits_1() {
    let emu = Emulator::demo()
        .backup_duration(Duration::from_millis(300))
        .fault(FaultRule::new(
            ops::VCACHE_EXPORT,
            Fault::ObjectNeverAppears,
        ))
        .start()
        .await
        .unwrap();
    let plan = write_plan(
        r#"
[[target]]
name = "ges"
kind = "ges-backup"
graph_id = "11111111-2222-3333-4444-555555555555"

[[target]]
name = "ocp"
kind = "ocp-backup-now"
cluster_id = 1

[[target]]
name = "export"
kind = "ncp-cache-export"
instance_no = "2000001"
file_name = "20240702"
backup_type = "system"
bucket = "demo-backups"

[[target]]
name = "hadoop"
kind = "ncp-hadoop-config"
instance_no = "1000001"
verify = false
"#,
    );
    let report_path = plan.with_file_name("report.json");
    let out = run(
        &mut backupctl_waiting(&emu, "3s"),
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--report",
            report_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("1 of 4 targets are unverified"),
        "{}",
        out.stderr
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(report["succeeded"], 3, "{report}");
    assert_eq!(report["unverified"], 1, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    let target = |name: &str| {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone()
    };
    let ges = target("ges");
    assert_eq!(ges["status"], "succeeded");
    assert_eq!(ges["verification"]["status"], "verified", "{ges}");
    assert_eq!(
        ges["verification"]["evidence"]["backup_id"],
        ges["result"]["backupId"]
    );
    let ocp = target("ocp");
    assert_eq!(
        ocp["verification"]["evidence"]["kind"], "backup_set",
        "{ocp}"
    );
    assert!(
        ocp["verification"]["evidence"]["backup_set_id"].is_i64(),
        "{ocp}"
    );
    let export = target("export");
    assert_eq!(export["status"], "unverified", "{export}");
    assert_eq!(export["verification"]["status"], "unverified", "{export}");
    let message = export["verification"]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("demo-backups") && message.contains("*20240702*"),
        "{message}"
    );
    let hadoop = target("hadoop");
    assert_eq!(hadoop["status"], "succeeded");
    assert_eq!(hadoop["verification"]["status"], "skipped", "{hadoop}");
    assert_eq!(
        hadoop["verification"]["reason"], "verify = false",
        "{hadoop}"
    );

    let skipped = run(
        &mut backupctl_waiting(&emu, "3s"),
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--no-verify",
            "-o",
            "json",
        ],
    );
    assert_eq!(skipped.code, 0, "{}\n{}", skipped.stdout, skipped.stderr);
    let report = skipped.json();
    assert_eq!(report["succeeded"], 4, "{report}");
    for t in report["targets"].as_array().unwrap() {
        assert_eq!(t["verification"]["status"], "skipped", "{t}");
    }
    assert!(
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["verification"]["reason"] == "--no-verify"),
        "{report}"
    );
}

/// `since` (an HTTP date) one minute later, as an ISO 8601 time.
fn httpdate_plus_minute(since: &str) -> String {
    let at = backup_core::time::parse_http_date(since).unwrap() + Duration::from_secs(60);
    backup_core::time::format_iso8601(at, 0, "Z")
}

/// Four backups across three vendors (no Cloud Hadoop: no NCP API lists its configuration
/// backups, so a killed one could not be reconciled).
const RESUMABLE_PLAN: &str = resumable_targets!();

fn resumable_resources() -> [String; 4] {
    [
        ops::cache_resource("2000001"),
        ops::redis_resource("3000001"),
        ops::ocp_cluster_resource(1),
        ops::ges_resource(defaults::HUAWEI_PROJECT_ID, GRAPH),
    ]
}

/// The statuses the state file records, by target name.
fn recorded_statuses(path: &std::path::Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: Value = serde_json::from_str(&text).ok()?;
    Some(
        json["targets"]
            .as_object()?
            .iter()
            .map(|(name, t)| (name.clone(), t["status"].as_str().unwrap_or("").to_owned()))
            .collect(),
    )
}

fn validate(schema_file: &str, document: &Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schema")
        .join(schema_file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{schema_file} is not a valid schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{schema_file}: {errors:#?}\n{document:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_killed_mid_run_loses_no_result_and_starts_no_duplicate_backup() {
    // Long enough backups that the kill lands while one is being waited for.
    let emu = Emulator::demo()
        .backup_duration(Duration::from_millis(1500))
        .start()
        .await
        .unwrap();
    let plan = write_plan(RESUMABLE_PLAN);
    let state = plan.with_file_name("state.json");
    let args = [
        "plan",
        "run",
        plan.to_str().unwrap(),
        "--concurrency",
        "1",
        "--state",
        state.to_str().unwrap(),
    ];
    let mut child = backupctl(&emu)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let at_kill = loop {
        if let Some(statuses) = recorded_statuses(&state) {
            let has = |s: &str| statuses.iter().any(|(_, status)| status == s);
            if has("succeeded") && has("started") {
                break statuses;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no finished and started target in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    child.kill().unwrap(); // SIGKILL on Unix: no cleanup runs
    child.wait().unwrap();
    let succeeded_before: Vec<String> = recorded_statuses(&state)
        .unwrap()
        .into_iter()
        .filter(|(_, status)| status == "succeeded")
        .map(|(name, _)| name)
        .collect();
    assert!(!succeeded_before.is_empty(), "{at_kill:?}");

    let report_path = plan.with_file_name("report.json");
    let rerun = ok(
        &emu,
        &[
            &args[..],
            &[
                "--output",
                "json",
                "--report",
                report_path.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert!(rerun.stderr.contains("continuing run"), "{}", rerun.stderr);
    let report = rerun.json();
    validate("report.schema.json", &report);
    for target in report["targets"].as_array().unwrap() {
        let name = target["name"].as_str().unwrap();
        assert_eq!(target["status"], "succeeded", "{target}");
        let was_done = succeeded_before.iter().any(|n| n == name);
        assert_eq!(
            target["skipped"]["reason"] == "succeeded_earlier",
            was_done,
            "{target}"
        );
        if was_done {
            // The earlier result, reported again.
            assert!(target["result"].is_object(), "{target}");
        }
    }
    // The target killed mid-run was reconciled and its backup followed, not re-created.
    for resource in resumable_resources() {
        assert_eq!(emu.backups_created(&resource), 1, "{resource}");
    }
    for (_, status) in recorded_statuses(&state).unwrap() {
        assert_eq!(status, "succeeded");
    }

    // The run is complete: the next invocation is a new run, which backs up again.
    let next = ok(&emu, &[&args[..], &["--output", "json"]].concat());
    assert!(next.stderr.contains("recorded in"), "{}", next.stderr);
    assert_eq!(next.json()["succeeded"], 4);
    for resource in resumable_resources() {
        assert_eq!(emu.backups_created(&resource), 2, "{resource}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_or_foreign_state_file_is_refused_before_anything_is_sent() {
    let emu = emulator().await;
    let plan = write_plan(RESUMABLE_PLAN);
    let state = plan.with_file_name("state.json");
    for content in [
        "{\"format\": \"backupctl-plan-state\", \"vers",
        "{\"kind\": \"ConfigMap\"}",
    ] {
        std::fs::write(&state, content).unwrap();
        let out = run(
            &mut backupctl(&emu),
            &[
                "plan",
                "run",
                plan.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
            ],
        );
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("state.json"), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    assert_eq!(emu.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_go_to_the_file_and_the_pushgateway_and_count_every_request() {
    let emu = emulator().await;
    let gateway = ScriptedServer::start(vec![Step::ok("")]).await;
    let plan = write_plan(MIXED_PLAN);
    let metrics = plan.with_file_name("backupctl.prom");
    ok(
        &emu,
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--shard",
            "1/2",
            "--metrics-file",
            metrics.to_str().unwrap(),
            "--pushgateway",
            &gateway.base_url,
        ],
    );
    let text = std::fs::read_to_string(&metrics).unwrap();
    let pushed = gateway.requests();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].method, "PUT");
    assert_eq!(pushed[0].target, "/metrics/job/backupctl/shard/1_2");
    assert_eq!(
        pushed[0].header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(String::from_utf8_lossy(&pushed[0].body), text);

    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    assert_eq!(
        scrape.samples.len(),
        text.lines().filter(|l| !l.starts_with('#')).count(),
        "{text}"
    );
    let value = |metric: &str, labels: &[(&str, &str)]| -> f64 {
        let found: Vec<f64> = scrape
            .samples
            .iter()
            .filter(|s| {
                s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Counter(v) => v,
                ref other => panic!("{metric}: {other:?}"),
            })
            .collect();
        assert_eq!(found.len(), 1, "{metric} {labels:?}\n{text}");
        found[0]
    };
    // Shard 1 of 2 of the mixed plan: its first, third and fifth targets.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    for (vendor, target) in [
        ("ncp-vhadoop", "hadoop"),
        ("ncp-vredis", "redis"),
        ("ges", "ges"),
    ] {
        let labels = [("vendor", vendor), ("target", target)];
        let at = value("backupctl_backup_last_success_timestamp_seconds", &labels);
        assert!(now - 120.0 < at && at <= now + 1.0, "{target}: {at}");
        assert!(value("backupctl_backup_duration_seconds", &labels) > 0.0);
        let status = |s| {
            value(
                "backupctl_backup_status",
                &[("vendor", vendor), ("target", target), ("status", s)],
            )
        };
        assert_eq!(
            (status("succeeded"), status("failed")),
            (1.0, 0.0),
            "{target}"
        );
        assert_eq!(value("backupctl_ambiguous_creates_total", &labels), 0.0);
    }
    // Every request the emulator received was counted, by the client that sent it (the
    // Object Storage listings that verify the Hadoop backup included).
    let counted: f64 = ["ncp-vhadoop", "ncp-vredis", "ges", "ncp-object-storage"]
        .iter()
        .map(|vendor| value("backupctl_requests_total", &[("vendor", vendor)]))
        .sum();
    assert_eq!(counted, emu.total_requests() as f64, "{text}");
    assert_eq!(value("backupctl_retries_total", &[("vendor", "ges")]), 0.0);
    assert_eq!(
        value("backupctl_throttles_total", &[("vendor", "ges")]),
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_documents_match_their_schemas() {
    let emu = emulator().await;
    // A plan run (its stdout and its --report file), with a target that fails.
    let plan = write_plan(&format!(
        "{MIXED_PLAN}\n[[target]]\nname = \"missing\"\nkind = \"ges-backup\"\ngraph_id = \"no-such-graph\"\n"
    ));
    let report_path = plan.with_file_name("report.json");
    let out = run(
        &mut backupctl(&emu),
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--report",
            report_path.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let printed = out.json();
    assert_eq!(printed["failed"], 1, "{printed}");
    assert_eq!(printed["schema_version"], 1);
    validate("report.schema.json", &printed);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    validate("report.schema.json", &written);
    // A dry run.
    let dry = ok(
        &emu,
        &[
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--dry-run",
            "-o",
            "json",
        ],
    );
    validate("report.schema.json", &dry.json());
    // A vendor command's result.
    let listed = ok(&emu, &["ges", "list", "--graph-id", GRAPH, "-o", "json"]);
    assert_eq!(listed.json()["schema_version"], 1);
    validate("output.schema.json", &listed.json());
    // The schema is not a rubber stamp.
    let mut wrong = printed.clone();
    wrong["targets"][0]["status"] = Value::from("fine");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../docs/schema/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(!jsonschema::validator_for(&schema).unwrap().is_valid(&wrong));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreconciled_create_prints_a_failure_document_that_matches_its_schema() {
    let emu = closing_ges_emulator(false).await;
    let out = run(
        &mut backupctl(&emu),
        &["ges", "backup", "--graph-id", GRAPH, "--output", "json"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["schema_version"], 1);
    validate("output.schema.json", &json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_and_no_color_keep_stderr_machine_readable() {
    let emu = emulator().await;
    let plan = write_plan(MIXED_PLAN);
    for (format, verbose) in [("json", None), ("json", Some("-v")), ("text", Some("-vv"))] {
        let stderr_path = plan.with_file_name(format!("stderr-{format}-{verbose:?}.log"));
        let stderr_file = std::fs::File::create(&stderr_path).unwrap();
        let mut cmd = backupctl(&emu);
        cmd.env("NO_COLOR", "1")
            .stderr(stderr_file)
            .stdout(Stdio::null());
        cmd.args([
            "plan",
            "run",
            plan.to_str().unwrap(),
            "--log-format",
            format,
        ]);
        cmd.args(verbose);
        let status = cmd.status().unwrap();
        assert!(status.success());
        let stderr = std::fs::read_to_string(&stderr_path).unwrap();
        assert!(
            !stderr.contains('\u{1b}'),
            "an escape sequence on stderr: {stderr:?}"
        );
        if format == "json" {
            let events: Vec<Value> = stderr
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
                .collect();
            // The progress of every target is there, as events.
            for target in ["hadoop", "cache", "redis", "ocp", "ges"] {
                assert!(
                    events.iter().any(|e| e["fields"]["plan_target"] == target
                        && e["fields"]["message"]
                            .as_str()
                            .is_some_and(|m| m.starts_with("succeeded"))),
                    "{target}: {stderr}"
                );
            }
            if verbose.is_some() {
                // -v adds the SDK's attempts, with their span fields.
                assert!(stderr.contains("\"operation\""), "{stderr}");
            }
        } else {
            assert!(stderr.contains("[hadoop] succeeded"), "{stderr}");
        }
    }
}
