//! `ocp-backup-now`: backupNow of an OCP cluster, or tenantBackupNow of one tenant; waiting
//! follows the tasks it starts.

use std::path::Path;

use backup_core::{Error, PreparedRequest};
use ocp_ob_backup::{
    BackupCommonResponse, BackupMode, BackupNowFluentBuilder, BackupStorageConfig, Client,
    DataBackupMode, GetBackupStrategyFluentBuilder, TenantBackupNowFluentBuilder,
};
use serde_json::{Value, json};

use super::storage::read_storage_config;
use super::{Run, request_step};
use crate::cli::{OcpDataArg, OcpModeArg};
use crate::error::CliError;
use crate::output::to_json;
use crate::reconcile::{Created, create_reconciled, verdicts_json};

const STRATEGY: &str = "ocp getBackupStrategy";

/// One `ocp-backup-now` target.
pub(super) struct BackupNow<'a> {
    pub cluster_id: i64,
    pub tenant_id: Option<i64>,
    pub mode: Option<OcpModeArg>,
    pub data: OcpDataArg,
    pub storage_config: Option<&'a Path>,
}

/// The backup-starting call, cluster-level or tenant-level: built in one place
/// ([`BackupNow::call`]) for the dry run and the run.
enum BackupNowCall {
    Cluster(BackupNowFluentBuilder),
    Tenant(TenantBackupNowFluentBuilder),
}

impl BackupNowCall {
    fn to_request(&self) -> Result<PreparedRequest, Error> {
        match self {
            BackupNowCall::Cluster(call) => call.to_request(),
            BackupNowCall::Tenant(call) => call.to_request(),
        }
    }

    async fn send(self) -> Result<BackupCommonResponse, Error> {
        match self {
            BackupNowCall::Cluster(call) => call.send().await,
            BackupNowCall::Tenant(call) => call.send().await,
        }
    }
}

impl BackupNow<'_> {
    fn operation(&self) -> &'static str {
        if self.tenant_id.is_some() {
            "ocp tenantBackupNow"
        } else {
            "ocp backupNow"
        }
    }

    /// Reads the cluster's backup strategy, when no storage file is given.
    fn strategy_call(&self, client: &Client) -> GetBackupStrategyFluentBuilder {
        client.get_backup_strategy().id(self.cluster_id)
    }

    fn call(
        &self,
        client: &Client,
        mode: BackupMode,
        storage: BackupStorageConfig,
    ) -> BackupNowCall {
        let data = data_mode(self.data);
        match self.tenant_id {
            Some(tenant) => BackupNowCall::Tenant(
                client
                    .tenant_backup_now()
                    .id(self.cluster_id)
                    .tenant_id(tenant)
                    .backup_mode(mode)
                    .data_backup_mode(data)
                    .ob_backup_service_storage_config(storage),
            ),
            None => BackupNowCall::Cluster(
                client
                    .backup_now()
                    .id(self.cluster_id)
                    .backup_mode(mode)
                    .data_backup_mode(data)
                    .ob_backup_service_storage_config(storage),
            ),
        }
    }

    pub(super) async fn plan(&self, client: &Client, wait: bool) -> Result<Vec<Value>, CliError> {
        let mode = self.mode.map(backup_mode);
        let mut steps = Vec::new();
        match self.storage_config {
            Some(path) => {
                let file = read_storage_config(path).await?;
                let mode = file.mode_or(mode, path)?;
                let call = self.call(client, mode, file.storage);
                steps.push(request_step(self.operation(), call.to_request())?);
            }
            None => {
                // The backup call's body is only known once the strategy is read: check the
                // ids and describe the rest.
                if let Some(tenant) = self.tenant_id {
                    backup_core::operation::range_i64("tenantId", tenant, Some(1), None)
                        .map_err(|e| CliError::sdk(self.operation(), e))?;
                }
                steps.push(request_step(
                    STRATEGY,
                    self.strategy_call(client).to_request(),
                )?);
                steps.push(json!(format!(
                    "then {} with the strategy's storage, backupMode {}, dataBackupMode {}",
                    self.operation().trim_start_matches("ocp "),
                    mode.as_ref().map_or("from the strategy", |m| m.as_str()),
                    data_mode(self.data).as_str()
                )));
            }
        }
        if wait {
            steps.push(json!("then polls getTaskInstance for every task it starts"));
        }
        Ok(steps)
    }

    pub(super) async fn run(&self, client: &Client, run: &Run<'_>) -> Result<Value, CliError> {
        let (wait, config, progress) = (run.wait, run.config, run.progress);
        // Errors after the strategy was read exit 1: something was sent.
        let (storage, mode, sent) = match self.storage_config {
            Some(path) => {
                let file = read_storage_config(path).await?;
                let mode = file.mode_or(self.mode.map(backup_mode), path)?;
                (file.storage, mode, false)
            }
            None => {
                let (storage, mode) = self.storage_from_strategy(client).await?;
                (storage, mode, true)
            }
        };
        let (cluster_id, tenant_id) = (self.cluster_id, self.tenant_id);
        let created = create_reconciled(
            run.policy,
            self.operation(),
            progress,
            move || self.call(client, mode.clone(), storage.clone()).send(),
            move |attempt| async move {
                client
                    .reconcile_backup_now(cluster_id, tenant_id, &attempt)
                    .await
            },
        )
        .await
        .map_err(|e| if sent { e.after_send() } else { e })?;
        let (started, reconciliation) = match created {
            Created::Answered { output, reconciled } => (output, verdicts_json(&reconciled)),
            Created::Found { id, reconciled } => {
                progress.note(&format!("backupNow started task {id}, found by listing"));
                let mut result =
                    json!({ "taskIds": [id], "reconciliation": verdicts_json(&reconciled) });
                if wait {
                    let task_id = id.parse::<i64>().map_err(|_| {
                        CliError::Failed(format!(
                            "ocp listDataBackupTasks: the task found, {id:?}, is not a task id"
                        ))
                    })?;
                    let task = client
                        .wait_until_data_backup_task_done(cluster_id, task_id)
                        .config(config)
                        .on_progress(|p| progress.update(p))
                        .wait()
                        .await
                        .map_err(|e| CliError::sdk_after_send("ocp listDataBackupTasks", e))?;
                    result["task"] = to_json(&task);
                }
                return Ok(result);
            }
        };
        let task_ids = started.task_ids();
        progress.note(&format!("backupNow started tasks {task_ids:?}"));
        let mut result = json!({ "taskIds": task_ids, "started": to_json(&started) });
        if let Some(verdicts) = reconciliation {
            result["reconciliation"] = verdicts;
        }
        if wait {
            let tasks = client
                .wait_until_backup_done(&started)
                .config(config)
                .on_progress(|p| progress.update(p))
                .wait()
                .await
                .map_err(|e| CliError::sdk_after_send("ocp getTaskInstance", e))?;
            result["tasks"] = tasks
                .iter()
                .map(|t| json!({"id": t.id, "name": t.name, "status": t.status, "finishTime": t.finish_time}))
                .collect();
        }
        Ok(result)
    }

    /// The storage and mode of the cluster's backup strategy (`--mode` wins over the
    /// strategy's).
    async fn storage_from_strategy(
        &self,
        client: &Client,
    ) -> Result<(BackupStorageConfig, BackupMode), CliError> {
        let cluster_id = self.cluster_id;
        let strategy = self
            .strategy_call(client)
            .send()
            .await
            .map_err(|e| CliError::sdk(STRATEGY, e))?;
        let storage = strategy.ob_backup_service_storage_config.ok_or_else(|| {
            CliError::Failed(format!(
                "ocp getBackupStrategy: cluster {cluster_id}'s backup strategy configures no \
                 storage; pass --storage-config FILE"
            ))
        })?;
        let strategy_mode = strategy
            .backup_mode
            .filter(|m| !matches!(m, BackupMode::Unknown(text) if text.is_empty()));
        let mode = match (self.mode, strategy_mode) {
            (Some(m), _) => backup_mode(m),
            (None, Some(m)) => m,
            (None, None) => {
                return Err(CliError::Failed(format!(
                    "ocp getBackupStrategy: cluster {cluster_id}'s backup strategy names no \
                     backupMode; pass --mode"
                )));
            }
        };
        Ok((storage, mode))
    }
}

pub fn backup_mode(mode: OcpModeArg) -> BackupMode {
    match mode {
        OcpModeArg::Physical => BackupMode::PhysicalBackup,
        OcpModeArg::Logical => BackupMode::LogicalBackup,
    }
}

fn data_mode(data: OcpDataArg) -> DataBackupMode {
    match data {
        OcpDataArg::Full => DataBackupMode::FullBackup,
        OcpDataArg::Incremental => DataBackupMode::IncrementalBackup,
    }
}
