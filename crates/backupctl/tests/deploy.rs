//! The deployment files in `deploy/` against the real `backupctl`: every manifest parses,
//! the Indexed Job's shards cover the plan exactly once, each pod's arguments (evaluated by
//! a real shell, as the pod's `/bin/sh -c` does) parse with the CLI's grammar and dry-run
//! the ConfigMap's plan, credentials come only from the Secret, the image is the one the
//! Dockerfile builds, and the alert fires after 26 hours without a successful backup.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use backupctl::cli::{Cli, Command as CliCommand, PlanCommand, Shard};
use clap::Parser;
use serde::Deserialize;
use serde_norway::Value;

/// The image every manifest and the Dockerfile name, at the workspace's version.
fn image() -> String {
    format!("ghcr.io/backup-sdk/backupctl:{}", env!("CARGO_PKG_VERSION"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn read(relative: &str) -> String {
    let path = workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every YAML document of a file.
fn documents(relative: &str) -> Vec<Value> {
    let text = read(relative);
    serde_norway::Deserializer::from_str(&text)
        .map(|document| Value::deserialize(document).unwrap_or_else(|e| panic!("{relative}: {e}")))
        .collect()
}

/// The one document of `kind` named `name` among `relative`'s documents.
fn resource(relative: &str, kind: &str, name: &str) -> Value {
    let mut found: Vec<Value> = documents(relative)
        .into_iter()
        .filter(|d| {
            d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name)
        })
        .collect();
    assert_eq!(found.len(), 1, "{relative}: one {kind} {name}");
    found.remove(0)
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("not a list: {value:?}"))
        .iter()
        .map(|v| text(v).to_owned())
        .collect()
}

/// A string-to-string map (a ConfigMap's or Secret's `data`/`stringData`).
fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_mapping()
        .unwrap_or_else(|| panic!("not a mapping: {value:?}"))
        .iter()
        .map(|(k, v)| (text(k).to_owned(), text(v).to_owned()))
        .collect()
}

struct CronJob {
    resource: Value,
}

impl CronJob {
    fn load() -> Self {
        Self {
            resource: resource(
                "deploy/kubernetes/cronjob.yaml",
                "CronJob",
                "backupctl-nightly",
            ),
        }
    }
    fn job(&self) -> &Value {
        &self.resource["spec"]["jobTemplate"]["spec"]
    }
    fn pod(&self) -> &Value {
        &self.job()["template"]["spec"]
    }
    fn container(&self) -> &Value {
        let containers = self.pod()["containers"].as_sequence().unwrap();
        assert_eq!(containers.len(), 1, "one container");
        &containers[0]
    }
    fn completions(&self) -> u64 {
        self.job()["completions"].as_u64().expect("completions")
    }
    /// The volume mounted at each mount path.
    fn mounts(&self) -> Vec<(String, Value)> {
        let volumes = self.pod()["volumes"].as_sequence().unwrap();
        self.container()["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|mount| {
                let name = text(&mount["name"]);
                let volume = volumes
                    .iter()
                    .find(|v| v["name"].as_str() == Some(name))
                    .unwrap_or_else(|| panic!("no volume {name}"))
                    .clone();
                (text(&mount["mountPath"]).to_owned(), volume)
            })
            .collect()
    }
    /// The environment the pod gets: its `env` (downward API values filled in as
    /// Kubernetes would for pod `index` of an Indexed Job) and every `envFrom` source,
    /// read from the shipped ConfigMap and example Secret.
    fn environment(&self, index: u64) -> BTreeMap<String, String> {
        self.environment_of_night(index, "backupctl-nightly-29430840")
    }
    /// As [`Self::environment`], in the Job the CronJob named `job_name` (one per night).
    fn environment_of_night(&self, index: u64, job_name: &str) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        // Kubernetes sets this in every pod of an Indexed Job.
        env.insert("JOB_COMPLETION_INDEX".to_owned(), index.to_string());
        for source in self.container()["envFrom"].as_sequence().unwrap() {
            let from = if let Some(name) = source["configMapRef"]["name"].as_str() {
                let config = resource("deploy/kubernetes/configmap.yaml", "ConfigMap", name);
                string_map(&config["data"])
            } else if let Some(name) = source["secretRef"]["name"].as_str() {
                let secret = resource("deploy/kubernetes/secret.example.yaml", "Secret", name);
                string_map(&secret["stringData"])
            } else {
                panic!("unexpected envFrom {source:?}")
            };
            env.extend(from);
        }
        for var in self.container()["env"].as_sequence().unwrap() {
            let name = text(&var["name"]).to_owned();
            let value = if let Some(value) = var["value"].as_str() {
                value.to_owned()
            } else {
                match var["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
                    Some("metadata.labels['batch.kubernetes.io/job-name']") => job_name.to_owned(),
                    other => panic!("{name}: the test does not know the value of {other:?}"),
                }
            };
            env.insert(name, value);
        }
        env
    }
}

/// Kubernetes' own expansion of `command` and `args` before the container starts:
/// `$(NAME)` of a defined variable becomes its value, `$$` becomes `$`, anything else
/// (a shell's `$((...))` or `$NAME`) is left for the shell.
fn kubernetes_expand(input: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(reference) = after.strip_prefix('(')
            && let Some(end) = reference.find(')')
            && let Some(value) = env.get(&reference[..end])
        {
            out.push_str(value);
            rest = &reference[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A scratch directory under the target dir, unique per call.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "backupctl-deploy-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What pod `index` would run: its command and args, expanded by Kubernetes and then by
/// a real shell, with a stand-in `backupctl` on the PATH that prints the arguments it got.
#[cfg(unix)]
fn pod_arguments(cron: &CronJob, index: u64) -> Vec<String> {
    pod_arguments_in(cron, &cron.environment(index), index)
}

#[cfg(unix)]
fn pod_arguments_in(cron: &CronJob, env: &BTreeMap<String, String>, index: u64) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;

    let env = env.clone();
    let mut argv: Vec<String> = strings(&cron.container()["command"]);
    argv.extend(strings(&cron.container()["args"]));
    let argv: Vec<String> = argv.iter().map(|a| kubernetes_expand(a, &env)).collect();
    assert!(
        argv.len() == 3 && argv[0] == "/bin/sh" && argv[1] == "-c",
        "the pod runs one shell script: {argv:?}"
    );

    let bin = scratch();
    let stand_in = bin.join("backupctl");
    std::fs::write(&stand_in, "#!/bin/sh\nprintf '%s\\0' \"$@\"\n").unwrap();
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("/bin/sh")
        .args(["-c", &argv[2]])
        .env_clear()
        .envs(&env)
        .env("PATH", &bin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pod {index}'s script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    printed.split_terminator('\0').map(str::to_owned).collect()
}

/// The value after `flag` in `args`.
fn flag_value<'a>(args: &'a [String], flag: &str) -> &'a str {
    let at = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("no {flag} in {args:?}"));
    args.get(at + 1)
        .unwrap_or_else(|| panic!("{flag} has no value in {args:?}"))
}

#[test]
fn every_manifest_parses() {
    for dir in ["deploy/kubernetes", "deploy/prometheus"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(workspace_root().join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{dir} has no manifests");
        for file in files {
            let relative = file
                .strip_prefix(workspace_root())
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let docs = documents(&relative);
            assert!(!docs.is_empty(), "{relative} is empty");
            for doc in docs {
                if dir == "deploy/kubernetes" {
                    for field in ["apiVersion", "kind"] {
                        assert!(doc[field].as_str().is_some(), "{relative}: no {field}");
                    }
                    assert!(
                        doc["metadata"]["name"].as_str().is_some(),
                        "{relative}: no metadata.name"
                    );
                } else {
                    assert!(
                        doc["groups"].as_sequence().is_some(),
                        "{relative}: no groups"
                    );
                }
            }
        }
    }
}

#[test]
fn the_cronjob_is_a_nightly_indexed_job_that_never_overlaps_and_runs_unprivileged() {
    let cron = CronJob::load();
    assert_eq!(cron.resource["apiVersion"].as_str(), Some("batch/v1"));
    let schedule = text(&cron.resource["spec"]["schedule"]);
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    assert!(
        fields.len() == 5 && fields[2..] == ["*", "*", "*"],
        "a daily schedule, not {schedule:?}"
    );
    assert_eq!(
        cron.resource["spec"]["concurrencyPolicy"].as_str(),
        Some("Forbid")
    );
    let job = cron.job();
    assert_eq!(job["completionMode"].as_str(), Some("Indexed"));
    let completions = cron.completions();
    assert!(completions >= 1);
    let parallelism = job["parallelism"].as_u64().expect("parallelism");
    assert!(
        (1..=completions).contains(&parallelism),
        "parallelism {parallelism} of {completions} completions"
    );
    assert!(job["backoffLimitPerIndex"].as_u64().is_some());
    assert!(job["activeDeadlineSeconds"].as_u64().is_some_and(|s| s > 0));
    // Per-index backoff and a pod failure policy both need pods that are not restarted
    // in place.
    assert_eq!(cron.pod()["restartPolicy"].as_str(), Some("Never"));

    let pod_security = &cron.pod()["securityContext"];
    assert_eq!(pod_security["runAsNonRoot"].as_bool(), Some(true));
    let uid = pod_security["runAsUser"].as_u64().expect("runAsUser");
    assert_ne!(uid, 0);
    let security = &cron.container()["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
    // The image's own user is the one the pod asks for.
    let dockerfile = read("Dockerfile");
    assert!(
        dockerfile
            .lines()
            .any(|l| l.trim() == format!("USER {uid}:{uid}")),
        "the Dockerfile's USER is not {uid}"
    );
}

#[cfg(unix)]
#[test]
fn the_shards_cover_one_to_n_exactly_once_and_keep_their_state_on_a_persistent_volume() {
    let cron = CronJob::load();
    let completions = cron.completions();
    let mut seen = BTreeSet::new();
    let mut state_files = BTreeSet::new();
    for index in 0..completions {
        let args = pod_arguments(&cron, index);
        assert_eq!(
            args[..3],
            ["plan", "run", "/plans/nightly.toml"],
            "{args:?}"
        );
        let shard = flag_value(&args, "--shard");
        let (i, n) = shard
            .split_once('/')
            .unwrap_or_else(|| panic!("--shard {shard}"));
        let (i, n): (u64, u64) = (i.parse().unwrap(), n.parse().unwrap());
        assert_eq!(
            n, completions,
            "pod {index} runs --shard {shard}, but the Job has {completions} completions"
        );
        assert!((1..=n).contains(&i), "pod {index}: --shard {shard}");
        assert!(seen.insert(i), "shard {i} runs twice");
        state_files.insert(flag_value(&args, "--state").to_owned());

        // State, report and metrics go to a volume that outlives the pod, so that a
        // retried pod finds its predecessor's state.
        for flag in ["--state", "--report", "--metrics-file"] {
            let path = flag_value(&args, flag);
            let (mount, volume) = cron
                .mounts()
                .into_iter()
                .find(|(mount, _)| path.starts_with(&format!("{mount}/")))
                .unwrap_or_else(|| panic!("{flag} {path} is on no volume"));
            assert!(
                volume["persistentVolumeClaim"]["claimName"]
                    .as_str()
                    .is_some(),
                "{flag} {path} is on {mount}, which is not a PersistentVolumeClaim"
            );
        }
    }
    assert_eq!(seen, (1..=completions).collect());
    assert_eq!(
        state_files.len() as u64,
        completions,
        "every shard needs its own state file"
    );
}

#[cfg(unix)]
#[test]
fn each_pod_runs_the_real_cli_grammar_on_the_configmaps_plan() {
    let cron = CronJob::load();
    assert_eq!(text(&cron.container()["image"]), image());
    let completions = cron.completions();

    // The volumes on disk: the ConfigMap's files where it is mounted, empty directories
    // for the others.
    let root = scratch();
    let mut mounts = Vec::new();
    for (mount, volume) in cron.mounts() {
        let dir = root.join(text(&volume["name"]));
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(name) = volume["configMap"]["name"].as_str() {
            let config = resource("deploy/kubernetes/configmap.yaml", "ConfigMap", name);
            for (file, content) in string_map(&config["data"]) {
                std::fs::write(dir.join(file), content).unwrap();
            }
        }
        mounts.push((mount, dir));
    }
    let on_disk = |arg: &str| -> String {
        for (mount, dir) in &mounts {
            if let Some(rest) = arg.strip_prefix(&format!("{mount}/")) {
                return dir.join(rest).to_str().unwrap().to_owned();
            }
        }
        arg.to_owned()
    };
    let dry_run = |args: &[String], env: &BTreeMap<String, String>| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_backupctl"))
            .args(args)
            .args(["--dry-run", "--output", "json"])
            .env_clear()
            .envs(env)
            .env("HOME", scratch())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "backupctl {args:?} --dry-run exited {:?}:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let planned_names = |report: &serde_json::Value| -> Vec<String> {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                assert_eq!(t["status"], "planned", "{t}");
                t["name"].as_str().unwrap().to_owned()
            })
            .collect()
    };

    // The whole plan, unsharded, with the pod's environment: every target is valid.
    let env = cron.environment(0);
    let plan = on_disk("/plans/nightly.toml");
    let whole = dry_run(&["plan".into(), "run".into(), plan], &env);
    let all: Vec<String> = planned_names(&whole);
    assert!(
        all.len() as u64 >= completions,
        "the sample plan has fewer targets ({}) than shards ({completions})",
        all.len()
    );

    // Each pod's own arguments, as its shell passes them, parse with backupctl's grammar
    // (the library's `Cli`, which the binary parses with) as a sharded plan run that keeps
    // its own state, report and metrics; and its shard of the plan, dry-run by the binary,
    // plans its targets: together every target once.
    let mut sharded = Vec::new();
    let mut files = BTreeSet::new();
    for index in 0..completions {
        let args = pod_arguments(&cron, index);
        let cli = Cli::try_parse_from(std::iter::once("backupctl".to_owned()).chain(args.clone()))
            .unwrap_or_else(|e| panic!("pod {index}: {args:?}:\n{e}"));
        let CliCommand::Plan(PlanCommand::Run(run)) = cli.command else {
            panic!("pod {index} does not run a plan: {args:?}");
        };
        assert_eq!(run.plan, Path::new("/plans/nightly.toml"));
        assert_eq!(
            run.shard,
            Some(Shard {
                index: usize::try_from(index).unwrap() + 1,
                count: usize::try_from(completions).unwrap()
            })
        );
        assert!(!run.dry_run, "the CronJob must really run");
        // The next night (another Job) keeps the shard's state file, whose last successes
        // its metrics carry, and starts a new run in it; a retry tonight continues.
        let tomorrow = pod_arguments_in(
            &cron,
            &cron.environment_of_night(index, "backupctl-nightly-29432280"),
            index,
        );
        let tomorrow =
            Cli::try_parse_from(std::iter::once("backupctl".to_owned()).chain(tomorrow)).unwrap();
        let CliCommand::Plan(PlanCommand::Run(tomorrow)) = tomorrow.command else {
            unreachable!("parsed above")
        };
        assert_eq!(
            tomorrow.state, run.state,
            "the state file must outlive the night"
        );
        assert!(
            run.run_id.is_some() && tomorrow.run_id != run.run_id,
            "each night needs its own --run-id: {:?}, {:?}",
            run.run_id,
            tomorrow.run_id
        );
        for file in [&run.state, &run.report, &run.metrics_file] {
            let file = file.as_ref().unwrap_or_else(|| {
                panic!("pod {index} lacks --state, --report or --metrics-file: {args:?}")
            });
            assert!(
                files.insert(file.clone()),
                "{} is shared by two pods",
                file.display()
            );
        }
        // The dry run needs no state or metrics: it checks which targets the shard plans.
        let shard_args: Vec<String> = [
            "plan".to_owned(),
            "run".to_owned(),
            on_disk(run.plan.to_str().unwrap()),
            "--shard".to_owned(),
            flag_value(&args, "--shard").to_owned(),
            "--report".to_owned(),
            on_disk(run.report.as_ref().unwrap().to_str().unwrap()),
        ]
        .into();
        sharded.extend(planned_names(&dry_run(
            &shard_args,
            &cron.environment(index),
        )));
    }
    sharded.sort();
    let mut all = all;
    all.sort();
    assert_eq!(sharded, all);
}

/// The credential variable names the SDK's default chains read, as written in
/// `backup-core`'s sources.
fn credential_variables() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in ["ncp.rs", "ocp.rs", "huawei.rs"] {
        let source = read(&format!("crates/backup-core/src/credentials/{file}"));
        names.extend(quoted_upper_case_words(&source));
    }
    names
}

/// `"WORDS_LIKE_THIS"` string literals in Rust source.
fn quoted_upper_case_words(source: &str) -> BTreeSet<String> {
    source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            word.len() > 3
                && word.contains('_')
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["KEY", "SECRET", "PASSWORD", "TOKEN", "_AK", "_SK"]
        .iter()
        .any(|word| name.contains(word))
}

#[test]
fn credentials_come_from_the_secret_as_the_vendors_variables_and_never_inline() {
    let cron = CronJob::load();
    let sdk_reads = credential_variables();
    for name in [
        "NCLOUD_ACCESS_KEY_ID",
        "OCP_ACCESS_KEY_SECRET",
        "HUAWEICLOUD_SDK_AK",
    ] {
        assert!(sdk_reads.contains(name), "{name} not found in backup-core");
    }

    // The example Secret: only the variables the SDK reads, and only placeholders.
    let secret_name = cron.container()["envFrom"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|source| source["secretRef"]["name"].as_str())
        .expect("the credentials come from a Secret");
    let secret = resource(
        "deploy/kubernetes/secret.example.yaml",
        "Secret",
        secret_name,
    );
    assert!(
        secret["data"].is_null(),
        "the example Secret uses stringData only"
    );
    let values = string_map(&secret["stringData"]);
    for vendor in ["NCLOUD_", "OCP_", "HUAWEICLOUD_"] {
        assert!(
            values.keys().any(|k| k.starts_with(vendor)),
            "no {vendor}* credentials in the example Secret"
        );
    }
    for (name, value) in &values {
        assert!(
            sdk_reads.contains(name),
            "the Secret sets {name}, which the SDK does not read"
        );
        assert!(
            value.len() > 2 && value.starts_with('<') && value.ends_with('>'),
            "{name} in the example Secret is not a <placeholder>: {value:?}"
        );
    }

    // The pod: no literal value for anything secret-looking, and no secret in the script.
    for var in cron.container()["env"].as_sequence().unwrap() {
        let name = text(&var["name"]);
        if var["value"].as_str().is_some() {
            assert!(
                !looks_secret(name) && !sdk_reads.contains(name),
                "{name} is set inline in the CronJob"
            );
        } else {
            let from = &var["valueFrom"];
            assert!(
                from["secretKeyRef"].is_mapping() || from["fieldRef"].is_mapping(),
                "{name} comes from neither a Secret nor the downward API"
            );
        }
    }
    let script = strings(&cron.container()["args"]).join(" ");
    for name in values.keys() {
        assert!(!script.contains(name.as_str()), "the script names {name}");
    }

    // The settings ConfigMap holds no credential, and only variables backupctl reads.
    let settings = cron.container()["envFrom"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|source| source["configMapRef"]["name"].as_str())
        .expect("settings from a ConfigMap");
    let settings = resource("deploy/kubernetes/configmap.yaml", "ConfigMap", settings);
    let cli_reads = quoted_upper_case_words(&read("crates/backupctl/src/cli.rs"));
    for name in string_map(&settings["data"]).keys() {
        assert!(!looks_secret(name), "{name} is a credential in a ConfigMap");
        assert!(
            cli_reads.contains(name) || sdk_reads.contains(name),
            "the settings set {name}, which backupctl does not read"
        );
    }
}

#[test]
fn the_image_is_the_one_the_dockerfile_builds() {
    let dockerfile = read("Dockerfile");
    let image = image();
    assert!(
        dockerfile.contains(&format!("docker build -t {image} ")),
        "the Dockerfile does not document building {image}"
    );
    assert!(
        dockerfile
            .lines()
            .any(|l| l.trim() == format!("ARG VERSION={}", env!("CARGO_PKG_VERSION"))),
        "the Dockerfile's VERSION label is not the workspace version"
    );
    assert!(
        dockerfile
            .lines()
            .any(|l| l.trim() == r#"ENTRYPOINT ["backupctl"]"#)
    );
    assert!(
        dockerfile.contains("cargo build --release --locked -p backupctl"),
        "a locked release build of backupctl"
    );
    let cron = CronJob::load();
    assert_eq!(text(&cron.container()["image"]), image);
    // The pod's script needs the shell the runtime image keeps.
    assert_eq!(strings(&cron.container()["command"])[0], "/bin/sh");
    assert!(
        !dockerfile.contains("distroless"),
        "a distroless runtime has no /bin/sh for the CronJob's script"
    );
}

/// Seconds in a Prometheus duration like `15m`, `26h` or `1h30m`.
fn prometheus_seconds(duration: &str) -> Option<u64> {
    let mut total = 0;
    let mut number = String::new();
    let mut chars = duration.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                return None; // milliseconds: never an alert's threshold here
            }
            ('s', _) => 1,
            ('m', _) => 60,
            ('h', _) => 3600,
            ('d', _) => 86_400,
            ('w', _) => 604_800,
            _ => return None,
        };
        total += number.parse::<u64>().ok()? * unit;
        number.clear();
    }
    number.is_empty().then_some(total)
}

#[test]
fn the_alert_fires_when_a_target_has_had_no_successful_backup_for_26_hours() {
    let files = documents("deploy/prometheus/backupctl-alerts.yaml");
    assert_eq!(files.len(), 1);
    let rules: Vec<&Value> = files[0]["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|group| group["rules"].as_sequence().unwrap())
        .collect();
    let metric = "backupctl_backup_last_success_timestamp_seconds";
    let staleness = rules
        .iter()
        .find(|rule| {
            rule["expr"]
                .as_str()
                .is_some_and(|e| e.contains(metric) && e.contains("time()"))
        })
        .expect("a rule on the age of the last success");
    assert!(staleness["alert"].as_str().is_some());
    let expr = text(&staleness["expr"]);
    // `time() - metric > THRESHOLD`, the threshold 26 hours in seconds.
    let (age, threshold) = expr.split_once('>').expect("a comparison");
    assert_eq!(
        age.split_whitespace().collect::<Vec<_>>(),
        ["time()", "-", metric],
        "{expr}"
    );
    assert_eq!(
        threshold.trim().parse::<u64>().ok(),
        Some(26 * 3600),
        "{expr}"
    );
    // Waiting before firing is allowed, but not so long that the alert says 26 hours
    // and means 30.
    let wait = staleness["for"]
        .as_str()
        .map_or(Some(0), prometheus_seconds);
    assert!(
        wait.is_some_and(|w| w <= 3600),
        "for: {:?}",
        staleness["for"]
    );
    assert_eq!(prometheus_seconds("26h"), Some(93_600));
    assert_eq!(prometheus_seconds("1h30m"), Some(5400));
}
