//! The command line grammar: every subcommand, option and help example.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Start, track and verify backups on NAVER Cloud, OceanBase OCP and Huawei Cloud GES.
#[derive(Debug, Parser)]
#[command(
    name = "backupctl",
    // The package version and the commit, from build.rs.
    version = env!("BACKUPCTL_VERSION"),
    about,
    propagate_version = true,
    after_help = "Examples:
  backupctl demo
  backupctl ncp hadoop backup-config --instance-no 1000001 --wait
  backupctl ocp --endpoint https://ocp.example.com backup-now --cluster-id 1 --wait
  backupctl plan run nightly.toml --concurrency 4 --report report.json
  backupctl --ca-cert internal-ca.pem ocp --ocp-endpoint https://ocp.corp list --cluster-id 1

Credentials come from the same places as the SDK: NCLOUD_ACCESS_KEY_ID and
NCLOUD_SECRET_ACCESS_KEY (or ~/.ncloud/configure); OCP_ACCESS_KEY_ID and
OCP_ACCESS_KEY_SECRET (or OCP_USERNAME and OCP_PASSWORD); HUAWEICLOUD_SDK_AK,
HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID (or the credentials file)."
)]
pub struct Cli {
    /// The options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Send every vendor's requests to this URL (an emulator, a proxy).
    #[arg(long, global = true, value_name = "URL", env = "BACKUPCTL_ENDPOINT")]
    pub endpoint: Option<String>,
    /// The NCP API gateway URL [default: the site's gateway, or NCLOUD_API_GW].
    #[arg(long, global = true, value_name = "URL")]
    pub ncp_endpoint: Option<String>,
    /// The NCP site: public, gov or fin.
    #[arg(long, global = true, value_name = "SITE", env = "NCLOUD_SITE")]
    pub ncp_site: Option<String>,
    /// The NCP region code sent with every NCP request (KR, SGN, JPN, ...).
    #[arg(long, global = true, value_name = "CODE", env = "NCLOUD_REGION")]
    pub ncp_region: Option<String>,
    /// The NCP Object Storage URL that verification lists buckets at [default: the site's
    /// endpoint for the region, or NCLOUD_OBS_ENDPOINT].
    #[arg(long, global = true, value_name = "URL")]
    pub obs_endpoint: Option<String>,
    /// Your OCP server's URL.
    // The help text names an example URL, which rustdoc would flag as a bare link.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "OCP_URL",
        help = "Your OCP server's URL, for example https://ocp.example.com."
    )]
    pub ocp_endpoint: Option<String>,
    /// The Huawei Cloud region of GES (cn-north-4, ap-southeast-1, ...).
    #[arg(
        long,
        global = true,
        value_name = "REGION",
        env = "HUAWEICLOUD_SDK_REGION"
    )]
    pub ges_region: Option<String>,
    /// The GES endpoint URL [default: https://ges.{region}.myhuaweicloud.com].
    #[arg(long, global = true, value_name = "URL")]
    pub ges_endpoint: Option<String>,
    /// The Huawei Cloud project id [default: HUAWEICLOUD_SDK_PROJECT_ID or the credentials file].
    #[arg(long, global = true, value_name = "ID")]
    pub ges_project_id: Option<String>,
    /// How results are printed on standard output.
    #[arg(long, short = 'o', global = true, value_enum, ignore_case = true, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Log to standard error: -v attempts and retries, -vv also what is sent, -vvv everything.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How logs on standard error are written: text for people, json (one object a line)
    /// for log collectors.
    #[arg(long, global = true, value_enum, ignore_case = true, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The first interval between polls while waiting; it grows to 15 times as long.
    #[arg(long, global = true, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// Give up waiting for a backup after this long.
    #[arg(long, global = true, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub wait_timeout: Duration,
    /// Allow plain http:// to a host that is not loopback (secrets then cross the network in clear).
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
    /// After a create whose outcome is unknown, reconciling always lists what the vendor
    /// shows since the attempt; with this flag, when that proves nothing was created, the
    /// create is sent once more (never when the backup may exist).
    #[arg(long, global = true)]
    pub retry_ambiguous: bool,
    /// Do not verify that a backup can be found where it should be (a plan target then
    /// succeeds once its backup call did, and the report says verification was skipped).
    #[arg(long, global = true)]
    pub no_verify: bool,
    /// Also trust the CA certificates in this PEM file (one or more), for a server whose
    /// certificate an internal CA issued, as in many private OCP deployments.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON document for programs.
    Json,
}

/// How logs are written on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per event.
    Json,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// NAVER Cloud Platform: Cloud Hadoop and Cloud DB for Cache.
    #[command(subcommand)]
    Ncp(NcpCommand),
    /// OceanBase Cloud Platform (OCP): cluster and tenant backups.
    #[command(subcommand)]
    Ocp(OcpCommand),
    /// Huawei Cloud Graph Engine Service: graph backups.
    #[command(subcommand)]
    Ges(GesCommand),
    /// Check that one backup can be found where it should be, and show the evidence.
    #[command(subcommand)]
    Verify(VerifyCommand),
    /// Backup plans: many targets across vendors in one run.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Run the bundled example plan against an in-process emulator (no credentials, no network).
    #[command(after_help = "Example:\n  backupctl demo\n  backupctl demo --output json")]
    Demo(DemoArgs),
    /// The local emulator of all four vendor APIs.
    #[command(subcommand)]
    Emulator(EmulatorCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  backupctl completions bash > /etc/bash_completion.d/backupctl\n  backupctl completions zsh > \"${fpath[1]}/_backupctl\""
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// NCP commands.
#[derive(Debug, Subcommand)]
pub enum NcpCommand {
    /// Cloud Hadoop (VPC).
    #[command(subcommand)]
    Hadoop(HadoopCommand),
    /// Cloud DB for Cache (Valkey/Redis, `vcache`), or Cloud DB for Redis with --redis.
    #[command(subcommand)]
    Cache(CacheCommand),
}

/// Cloud Hadoop commands.
#[derive(Debug, Subcommand)]
pub enum HadoopCommand {
    /// Back up the cluster's configuration to its Object Storage bucket (backupClusterConfiguration).
    #[command(
        after_help = "Example:\n  backupctl ncp hadoop backup-config --instance-no 1000001 --wait\n\n\
                      --wait waits for the cluster to be running (status CREAT, operation NULL).\n\
                      No NCP API reports a configuration backup, so its completion and the\n\
                      configuration files in the bucket are not verified."
    )]
    BackupConfig {
        /// The cluster's cloudHadoopInstanceNo.
        #[arg(long)]
        instance_no: String,
        /// `--wait`.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Show the cluster and its state (getCloudHadoopInstanceDetail).
    #[command(
        after_help = "Example:\n  backupctl ncp hadoop status --instance-no 1000001 --output json"
    )]
    Status {
        /// The cluster's cloudHadoopInstanceNo.
        #[arg(long)]
        instance_no: String,
    },
}

/// Cloud DB for Cache commands.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Start a manual backup of an instance (createCloudCacheManualBackup).
    #[command(
        after_help = "Examples:\n  backupctl ncp cache manual-backup --instance-no 2000001 --wait\n  backupctl ncp cache manual-backup --instance-no 3000001 --redis --wait"
    )]
    ManualBackup {
        /// The instance's cloudCacheInstanceNo (cloudRedisInstanceNo with --redis).
        #[arg(long)]
        instance_no: String,
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
        /// `--wait`.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Export a backup file to an Object Storage bucket (exportBackupToObjectStorage).
    #[command(
        after_help = "Example:\n  backupctl ncp cache export --instance-no 2000001 --file-name 20240702 --bucket my-bucket --type system"
    )]
    Export {
        /// The instance's number.
        #[arg(long)]
        instance_no: String,
        /// The backup file's name, as the backup lists show it.
        #[arg(long)]
        file_name: String,
        /// The Object Storage bucket to export to.
        #[arg(long)]
        bucket: String,
        /// Whether the file is a manual or an automatic (system) backup.
        #[arg(long = "type", value_enum, ignore_case = true, default_value_t = BackupTypeArg::Manual)]
        backup_type: BackupTypeArg,
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
    /// The backup settings of every instance (getCloudCacheBackupList).
    #[command(after_help = "Example:\n  backupctl ncp cache list --redis")]
    List {
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
    /// Every instance's manual backup summary (getCloudCacheManualBackupList).
    #[command(after_help = "Example:\n  backupctl ncp cache manual-list")]
    ManualList {
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
    /// One instance's manual backups (getCloudCacheManualBackupDetailList).
    #[command(after_help = "Example:\n  backupctl ncp cache manual-backups --instance-no 2000001")]
    ManualBackups {
        /// The instance's number.
        #[arg(long)]
        instance_no: String,
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
    /// One Redis instance's automatic backups (getCloudRedisBackupDetailList; --redis only).
    #[command(after_help = "Example:\n  backupctl ncp cache backups --instance-no 3000001 --redis")]
    Backups {
        /// The instance's cloudRedisInstanceNo.
        #[arg(long)]
        instance_no: String,
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
}

/// Which NCP cache API family a command uses.
#[derive(Debug, Args, Clone, Copy)]
pub struct FamilyArg {
    /// Use Cloud DB for Redis (`/vredis/v2/`, cloudRedisInstanceNo) instead of Cloud DB for Cache.
    #[arg(long)]
    pub redis: bool,
}

/// The kind of NCP cache backup file. The CLI and plans accept any case (`SYSTEM`, the
/// API's own spelling, as well as `system`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupTypeArg {
    /// A manual backup (MANUAL).
    Manual,
    /// An automatic backup (SYSTEM).
    System,
}

/// OCP commands.
#[derive(Debug, Subcommand)]
pub enum OcpCommand {
    /// Back up a cluster, or one tenant with --tenant-id (backupNow).
    #[command(
        after_help = "Examples:\n  backupctl ocp backup-now --cluster-id 1 --mode physical --data full --wait\n  backupctl ocp backup-now --cluster-id 1 --tenant-id 1001 --data incremental\n  backupctl ocp backup-now --cluster-id 1 --storage-config s3.json --mode physical\n\nWithout --storage-config, the storage (and, without --mode, the backup mode) of the\ncluster's backup strategy is used. The file holds an obBackupServiceStorageConfig object,\nor a whole backup strategy (getBackupStrategy's data) whose backupMode is then\nused; with a bare storage object, --mode is required. Values may be written as the API\nspells them, in any case: --mode PHYSICAL_BACKUP --data incremental_backup."
    )]
    BackupNow {
        /// The cluster id.
        #[arg(long)]
        cluster_id: i64,
        /// Back up only this tenant.
        #[arg(long)]
        tenant_id: Option<i64>,
        /// Physical or logical backup (also PHYSICAL_BACKUP, LOGICAL_BACKUP) [default: the
        /// strategy's, or the file's backupMode with --storage-config].
        #[arg(long, value_enum, ignore_case = true)]
        mode: Option<OcpModeArg>,
        /// Full or incremental data backup (also FULL_BACKUP, INCREMENTAL_BACKUP).
        #[arg(long, value_enum, ignore_case = true, default_value_t = OcpDataArg::Full)]
        data: OcpDataArg,
        /// A JSON file with the storage configuration: an obBackupServiceStorageConfig
        /// object, or a backup strategy holding one (and its backupMode).
        #[arg(long, value_name = "FILE")]
        storage_config: Option<PathBuf>,
        /// `--wait`.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// The cluster's backup strategy, secrets redacted (getBackupStrategy).
    #[command(after_help = "Example:\n  backupctl ocp strategy --cluster-id 1")]
    Strategy {
        /// The cluster id.
        #[arg(long)]
        cluster_id: i64,
    },
    /// The cluster's backup sets, every page (listDataBackupTasks).
    #[command(after_help = "Example:\n  backupctl ocp list --cluster-id 1 --output json")]
    List {
        /// The cluster id.
        #[arg(long)]
        cluster_id: i64,
    },
    /// A task and its subtasks (getTaskInstance); --wait follows it to its end.
    #[command(after_help = "Example:\n  backupctl ocp task --task-id 42 --wait")]
    Task {
        /// The task instance id.
        #[arg(long)]
        task_id: i64,
        /// `--wait`.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// The log of one subtask (getSubtaskLog).
    #[command(after_help = "Example:\n  backupctl ocp subtask-log --task-id 42 --subtask-id 7")]
    SubtaskLog {
        /// The task instance id.
        #[arg(long)]
        task_id: i64,
        /// The subtask instance id.
        #[arg(long)]
        subtask_id: i64,
    },
}

/// OCP backup modes; the API's spellings are aliases, and any case is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OcpModeArg {
    /// PHYSICAL_BACKUP.
    #[value(alias = "PHYSICAL_BACKUP")]
    Physical,
    /// LOGICAL_BACKUP.
    #[value(alias = "LOGICAL_BACKUP")]
    Logical,
}

/// OCP data backup modes; the API's spellings are aliases, and any case is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OcpDataArg {
    /// FULL_BACKUP.
    #[value(alias = "FULL_BACKUP")]
    Full,
    /// INCREMENTAL_BACKUP.
    #[value(alias = "INCREMENTAL_BACKUP")]
    Incremental,
}

/// A plan reads these values as the command line does: by name or alias, in any case.
macro_rules! deserialize_like_the_cli {
    ($($enum:ty),+) => {$(
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                <$enum as ValueEnum>::from_str(&text, true).map_err(serde::de::Error::custom)
            }
        }
    )+};
}

deserialize_like_the_cli!(BackupTypeArg, OcpModeArg, OcpDataArg);

/// GES commands.
#[derive(Debug, Subcommand)]
pub enum GesCommand {
    /// Back up a graph (createBackup).
    #[command(
        after_help = "Example:\n  backupctl ges --ges-region cn-north-4 backup --graph-id 11111111-2222-3333-4444-555555555555 --wait"
    )]
    Backup {
        /// The graph id.
        #[arg(long)]
        graph_id: String,
        /// `--wait`.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// The backups of one graph (listGraphBackups), or of every graph without --graph-id (listBackups).
    #[command(
        after_help = "Example:\n  backupctl ges list --graph-id 11111111-2222-3333-4444-555555555555"
    )]
    List {
        /// Only this graph's backups.
        #[arg(long)]
        graph_id: Option<String>,
    },
    /// A backup job's status (showJob); --wait follows it to its end.
    #[command(
        after_help = "Example:\n  backupctl ges job --graph-id 11111111-2222-3333-4444-555555555555 --job-id ff80808167bb90340167bc3c7b5b0029 --wait"
    )]
    Job {
        /// The graph id.
        #[arg(long)]
        graph_id: String,
        /// The job id createBackup returned.
        #[arg(long)]
        job_id: String,
        /// `--wait`.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Delete a backup (deleteBackup).
    #[command(
        after_help = "Example:\n  backupctl ges delete --graph-id 11111111-2222-3333-4444-555555555555 --backup-id 7a8b..."
    )]
    Delete {
        /// The graph id.
        #[arg(long)]
        graph_id: String,
        /// The backup id.
        #[arg(long)]
        backup_id: String,
    },
}

/// `verify`: one backup, named by the plan kind of the target that made it and the ids
/// that target reported. Exit status 1 when it is not found.
#[derive(Debug, Subcommand)]
pub enum VerifyCommand {
    /// An NCP cache (or, with --redis, Redis) manual backup: its file listed, with an end
    /// time, in the instance's manual backup detail list.
    #[command(
        after_help = "Examples:\n  backupctl verify ncp-cache-backup --instance-no 2000001 --file-name 20240702-0000\n  backupctl verify ncp-cache-backup --instance-no 3000001 --redis --file-name 20240702-0000\n\nA backup listed without a fileName is named by its startTime."
    )]
    NcpCacheBackup {
        /// The instance's number.
        #[arg(long)]
        instance_no: String,
        /// The backup's fileName (else its startTime), as the manual backup list shows it.
        #[arg(long)]
        file_name: String,
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
    /// An NCP cache (or Redis) export: a new, non-empty object for the file in the bucket.
    #[command(
        after_help = "Example:\n  backupctl verify ncp-cache-export --instance-no 2000001 --file-name 20240702 --bucket my-bucket --since 2024-07-02T00:00:00Z\n\nThe key the service writes is not documented: by default any key containing the\nfile name matches; --prefix and --pattern (* and ? globs on the whole key) narrow it."
    )]
    NcpCacheExport {
        /// The instance's number.
        #[arg(long)]
        instance_no: String,
        /// The exported backup file's name.
        #[arg(long)]
        file_name: String,
        /// The bucket it was exported to.
        #[arg(long)]
        bucket: String,
        /// When the export was requested (ISO 8601 or HTTP date, as reports write
        /// `requestedAt`); older objects do not count.
        #[arg(long, value_parser = parse_time)]
        since: std::time::SystemTime,
        /// Only keys under this prefix.
        #[arg(long)]
        prefix: Option<String>,
        /// Only keys matching this glob (default: *FILE_NAME*).
        #[arg(long)]
        pattern: Option<String>,
        /// `--redis`.
        #[command(flatten)]
        family: FamilyArg,
    },
    /// An NCP Cloud Hadoop configuration backup: new, non-empty objects in the cluster's bucket.
    #[command(
        after_help = "Example:\n  backupctl verify ncp-hadoop-config --instance-no 1000001 --since 2024-07-02T00:00:00Z --prefix cluster-configuration-backup/"
    )]
    NcpHadoopConfig {
        /// The cluster's cloudHadoopInstanceNo.
        #[arg(long)]
        instance_no: String,
        /// When backupClusterConfiguration was requested; older objects do not count.
        #[arg(long, value_parser = parse_time)]
        since: std::time::SystemTime,
        /// Only keys under this prefix (default: cluster-configuration-backup/, UNVERIFIED).
        #[arg(long)]
        prefix: Option<String>,
    },
    /// An OCP backup: every task SUCCESSFUL and its backup set listed by dataBackupTasks.
    #[command(
        after_help = "Example:\n  backupctl verify ocp-backup-now --cluster-id 1 --task-id 42"
    )]
    OcpBackupNow {
        /// The cluster.
        #[arg(long)]
        cluster_id: i64,
        /// The tenant, for a tenant backup.
        #[arg(long)]
        tenant_id: Option<i64>,
        /// A task id backupNow returned (repeat for several).
        #[arg(long = "task-id", required = true)]
        task_ids: Vec<i64>,
    },
    /// A Huawei GES backup: listed by listGraphBackups as success, with its size.
    #[command(
        after_help = "Example:\n  backupctl verify ges-backup --graph-id 11111111-2222-3333-4444-555555555555 --backup-id 7a8b..."
    )]
    GesBackup {
        /// The graph id.
        #[arg(long)]
        graph_id: String,
        /// The backup id createBackup returned.
        #[arg(long)]
        backup_id: String,
        /// The job createBackup started, followed first when given.
        #[arg(long)]
        job_id: Option<String>,
    },
}

/// `--wait`.
#[derive(Debug, Args, Clone, Copy)]
pub struct WaitArgs {
    /// Wait until the backup has finished, showing progress on standard error.
    #[arg(long)]
    pub wait: bool,
}

/// Plan commands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Run every target of a plan, wait for each, print a summary.
    #[command(after_help = "Examples:
  backupctl plan run nightly.toml --concurrency 4 --report report.json
  backupctl plan run nightly.toml --dry-run
  backupctl plan run nightly.toml --shard 2/8      # the second of eight slices
  backupctl plan run nightly.toml --state /var/lib/backupctl/state.json \\
      --metrics-file /var/lib/node_exporter/backupctl.prom

A plan is a TOML file with one [[target]] table per backup:

  [[target]]
  name = \"hadoop-prod\"            # optional; unique
  kind = \"ncp-hadoop-config\"      # ncp-hadoop-config | ncp-cache-backup | ncp-cache-export
  instance_no = \"1000001\"         #   | ocp-backup-now | ges-backup

See the README for every kind's fields.")]
    Run(PlanRunArgs),
}

/// `plan run`.
#[derive(Debug, Args)]
pub struct PlanRunArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    /// How many targets run at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Write a JSON report of every target to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Validate the plan and print what each target would request; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run only slice I of N (1-based) of the plan's targets, for splitting across workers.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Record each target's outcome in this file as it completes; a rerun with the same
    /// file skips what succeeded, reconciles what may have started and retries what failed.
    #[arg(long, value_name = "FILE", conflicts_with = "dry_run")]
    pub state: Option<PathBuf>,
    /// Names the run recorded in --state (a scheduler's job name, say): a different id
    /// starts a new run; without it, an unfinished run in the file is continued.
    #[arg(long, value_name = "ID", requires = "state")]
    pub run_id: Option<String>,
    /// Write Prometheus metrics (text format) to this file, atomically, for
    /// node_exporter's textfile collector.
    #[arg(long, value_name = "FILE", conflicts_with = "dry_run")]
    pub metrics_file: Option<PathBuf>,
    /// Push the same metrics to this Prometheus Pushgateway (job `backupctl`, and the
    /// shard as a grouping label).
    #[arg(long, value_name = "URL", conflicts_with = "dry_run")]
    pub pushgateway: Option<String>,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Write the demo's JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Emulator commands.
#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Serve the emulator on 127.0.0.1 until interrupted.
    #[command(
        after_help = "Examples:\n  backupctl emulator serve --port 8080\n  backupctl emulator serve --fixture fixture.json\n\nIt prints its address, the credentials it accepts and its resources."
    )]
    Serve {
        /// The port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// A fixture file (JSON) declaring credentials, resources and faults [default: the demo's].
        #[arg(long, value_name = "FILE")]
        fixture: Option<PathBuf>,
    },
}

/// One slice of a sharded plan: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 1.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected I/N, like 1/4, not {text:?}"))?;
    let index: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("shard index {i:?} is not a number"))?;
    let count: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("shard count {n:?} is not a number"))?;
    if count == 0 || index == 0 || index > count {
        return Err(format!("need 1 <= I <= N, got {index}/{count}"));
    }
    Ok(Shard { index, count })
}

/// Parses `500ms`, `2s`, `5m`, `1h` or a plain number of seconds.
/// A point in time: ISO 8601 (any offset) or an HTTP date.
pub fn parse_time(text: &str) -> Result<std::time::SystemTime, String> {
    backup_core::time::parse(
        text,
        backup_core::time::TimestampFormat::ISO_8601.http_date(true),
    )
    .ok_or_else(|| format!("{text:?} is not a time (use 2024-07-02T00:00:00Z)"))
}

/// A duration as the CLI takes it: `500ms`, `2s`, `5m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 500ms, 2s, 5m or 1h"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_leaf_command_shows_an_example() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_subcommands().next().is_none() {
                let help = cmd
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                if !help.contains("backupctl ") {
                    missing.push(path.clone());
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() != "help" {
                    walk(sub, &path, missing);
                }
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(
            missing.is_empty(),
            "commands without an example: {missing:?}"
        );
    }

    #[test]
    fn value_options_take_the_apis_spellings_in_any_case() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("backupctl").chain(args.iter().copied()))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        };
        let export_type = |spelling: &str| match parse(&[
            "ncp",
            "cache",
            "export",
            "--instance-no",
            "1",
            "--file-name",
            "f",
            "--bucket",
            "b",
            "--type",
            spelling,
        ])
        .command
        {
            Command::Ncp(NcpCommand::Cache(CacheCommand::Export { backup_type, .. })) => {
                backup_type
            }
            other => panic!("{other:?}"),
        };
        for spelling in ["system", "SYSTEM", "System"] {
            assert_eq!(export_type(spelling), BackupTypeArg::System, "{spelling}");
        }
        for spelling in ["manual", "MANUAL"] {
            assert_eq!(export_type(spelling), BackupTypeArg::Manual, "{spelling}");
        }
        let backup_now = |mode: &str, data: &str| match parse(&[
            "ocp",
            "backup-now",
            "--cluster-id",
            "1",
            "--mode",
            mode,
            "--data",
            data,
        ])
        .command
        {
            Command::Ocp(OcpCommand::BackupNow { mode, data, .. }) => (mode, data),
            other => panic!("{other:?}"),
        };
        for (mode, data) in [
            ("physical", "full"),
            ("PHYSICAL_BACKUP", "FULL_BACKUP"),
            ("Physical", "full_backup"),
        ] {
            assert_eq!(
                backup_now(mode, data),
                (Some(OcpModeArg::Physical), OcpDataArg::Full),
                "{mode} {data}"
            );
        }
        assert_eq!(
            backup_now("LOGICAL_BACKUP", "INCREMENTAL_BACKUP"),
            (Some(OcpModeArg::Logical), OcpDataArg::Incremental)
        );
        // Anything else is still refused.
        assert!(
            Cli::try_parse_from([
                "backupctl",
                "ocp",
                "backup-now",
                "--cluster-id",
                "1",
                "--mode",
                "PHYSICAL_BACKUPS"
            ])
            .is_err()
        );
        // Plans read the same spellings.
        assert_eq!(
            serde_json::from_str::<OcpModeArg>("\"physical_BACKUP\"").ok(),
            Some(OcpModeArg::Physical)
        );
        assert_eq!(
            serde_json::from_str::<BackupTypeArg>("\"SYSTEM\"").ok(),
            Some(BackupTypeArg::System)
        );
        assert!(serde_json::from_str::<OcpDataArg>("\"half\"").is_err());
    }

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1e400s").is_err());
    }

    #[test]
    fn plan_run_takes_state_metrics_and_pushgateway_and_a_global_log_format() {
        let cli = Cli::try_parse_from([
            "backupctl",
            "plan",
            "run",
            "nightly.toml",
            "--state",
            "state.json",
            "--metrics-file",
            "backupctl.prom",
            "--pushgateway",
            "http://127.0.0.1:9091",
            "--log-format",
            "json",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cli.global.log_format, LogFormat::Json);
        let Command::Plan(PlanCommand::Run(args)) = cli.command else {
            panic!("not plan run: {:?}", cli.command);
        };
        assert_eq!(args.state, Some(PathBuf::from("state.json")));
        assert_eq!(args.metrics_file, Some(PathBuf::from("backupctl.prom")));
        assert_eq!(args.pushgateway.as_deref(), Some("http://127.0.0.1:9091"));

        let default = Cli::try_parse_from(["backupctl", "demo"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(default.global.log_format, LogFormat::Text);
        assert!(Cli::try_parse_from(["backupctl", "--log-format", "xml", "demo"]).is_err());
    }

    #[test]
    fn shards_are_one_based_and_bounded() {
        assert_eq!(parse_shard("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(parse_shard("4/4"), Ok(Shard { index: 4, count: 4 }));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("1").is_err());
        assert!(parse_shard("a/b").is_err());
    }
}
