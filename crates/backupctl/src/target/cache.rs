//! `ncp-cache-backup` and `ncp-cache-export`: manual backups of Cloud DB for Cache (or
//! Redis) instances, and exports of backup files to Object Storage. Both API families go
//! through the SDK's `ManualBackups`, so one code path serves them.

use ncp_vcache::{BackupEntry, BackupExport, BackupFileType, ManualBackups};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Run, request_step};
use crate::cli::BackupTypeArg;
use crate::error::CliError;
use crate::output::to_json;
use crate::reconcile::{Created, create_reconciled, verdicts_json};

/// An `ncp-cache-backup` target.
pub(super) struct Backup<'a> {
    pub instance_no: &'a str,
    pub export_bucket: Option<&'a str>,
    pub wait: bool,
}

/// The export an `ncp-cache-export` target (or a backup's `export_bucket`) asks for.
pub(super) fn export(
    instance_no: &str,
    file_name: &str,
    bucket: &str,
    backup_type: BackupTypeArg,
) -> BackupExport {
    BackupExport::new(instance_no, file_name, bucket).backup_type(match backup_type {
        BackupTypeArg::Manual => BackupFileType::Manual,
        BackupTypeArg::System => BackupFileType::System,
    })
}

fn operation<C: ManualBackups>(name: &str) -> String {
    format!("{} {name}", C::VENDOR)
}

pub(super) fn plan_export<C: ManualBackups>(
    client: &C,
    export: &BackupExport,
) -> Result<Value, CliError> {
    request_step(
        &operation::<C>(C::EXPORT_OPERATION),
        client.export_backup_request(export),
    )
}

pub(super) async fn run_export<C: ManualBackups>(
    client: &C,
    export: &BackupExport,
) -> Result<Option<String>, CliError> {
    client
        .export_backup(export)
        .await
        .map_err(|e| CliError::sdk(operation::<C>(C::EXPORT_OPERATION), e))
}

impl Backup<'_> {
    fn check(&self) -> Result<(), CliError> {
        if self.export_bucket.is_some() && !self.wait {
            return Err(CliError::Usage(
                "export_bucket needs the backup's file name, so it needs wait = true".into(),
            ));
        }
        Ok(())
    }

    pub(super) fn plan<C: ManualBackups>(&self, client: &C) -> Result<Vec<Value>, CliError> {
        self.check()?;
        let list = C::LIST_OPERATION;
        let mut steps = Vec::new();
        if self.wait {
            steps.push(json!(format!("lists {list} (the backups before)")));
        }
        steps.push(request_step(
            &operation::<C>(C::CREATE_OPERATION),
            client.create_manual_backup_request(self.instance_no, None),
        )?);
        if self.wait {
            steps.push(json!(format!(
                "then polls {list} until the new backup has ended"
            )));
        }
        if let Some(bucket) = self.export_bucket {
            steps.push(json!(format!(
                "then {} of the new backup file to bucket {bucket}",
                C::EXPORT_OPERATION
            )));
        }
        Ok(steps)
    }

    pub(super) async fn run<C>(&self, client: &C, run: &Run<'_>) -> Result<Value, CliError>
    where
        C: ManualBackups<Backup: Serialize>,
    {
        self.check()?;
        let progress = run.progress;
        let (mut result, file_name) = self.create(client, run).await?;
        if let Some(bucket) = self.export_bucket {
            let Some(file_name) = file_name else {
                return Err(CliError::Failed(format!(
                    "{}: the new backup is listed without a fileName, so it cannot be exported \
                     by name",
                    C::VENDOR
                )));
            };
            let export = export(self.instance_no, &file_name, bucket, BackupTypeArg::Manual);
            let request_id = run_export(client, &export)
                .await
                .map_err(CliError::after_send)?;
            progress.note(&format!("export of {file_name} to {bucket} requested"));
            result["export"] =
                json!({ "fileName": file_name, "bucket": bucket, "requestId": request_id });
        }
        Ok(result)
    }

    /// Creates the backup (reconciling an ambiguous create) and, with `wait`, waits until
    /// it is listed as ended; returns the result and the backup's file name.
    async fn create<C>(
        &self,
        client: &C,
        run: &Run<'_>,
    ) -> Result<(Value, Option<String>), CliError>
    where
        C: ManualBackups<Backup: Serialize>,
    {
        let (config, progress, policy) = (run.config, run.progress, run.policy);
        let instance_no = self.instance_no;
        let create_operation = operation::<C>(C::CREATE_OPERATION);
        // With --wait, a backup not listed within the wait's deadline would fail the
        // command anyway, so reconciling may watch the list that long before saying
        // `NotCreated`; without it, one listing cannot prove that none was made (see the
        // SDK's docs).
        let watch = if self.wait {
            config.timeout
        } else {
            std::time::Duration::ZERO
        };
        let reconcile = move |attempt| async move {
            client
                .reconcile_manual_backup(instance_no, &attempt, watch)
                .await
        };
        if !self.wait {
            let created = create_reconciled(
                policy,
                &create_operation,
                progress,
                move || client.create_manual_backup(instance_no, None),
                reconcile,
            )
            .await?;
            let (request_id, reconciled) = match created {
                Created::Answered { output, reconciled } => (output, reconciled),
                Created::Found { id, reconciled } => {
                    let result = json!({ "backup": { "id": id }, "reconciliation": verdicts_json(&reconciled) });
                    return Ok((result, None));
                }
            };
            progress.note(&format!(
                "{create_operation} accepted (request id {})",
                request_id.as_deref().unwrap_or("?")
            ));
            let mut result = json!({ "requestId": request_id });
            if let Some(verdicts) = verdicts_json(&reconciled) {
                result["reconciliation"] = verdicts;
            }
            return Ok((result, None));
        }
        let created = create_reconciled(
            policy,
            &create_operation,
            progress,
            move || {
                client
                    .create_manual_backup_and_wait(instance_no)
                    .config(config)
                    .on_progress(move |p| progress.update(p))
                    .wait()
            },
            reconcile,
        )
        .await?;
        let (backup, reconciled) = match created {
            Created::Answered { output, reconciled } => (output, reconciled),
            Created::Found { id, reconciled } => {
                let backup = client
                    .wait_until_manual_backup_id_done(instance_no, id)
                    .config(config)
                    .on_progress(|p| progress.update(p))
                    .wait()
                    .await
                    .map_err(|e| CliError::sdk_after_send(operation::<C>(C::LIST_OPERATION), e))?;
                (backup, reconciled)
            }
        };
        let file_name = backup.file_name().map(str::to_owned);
        let mut result = json!({ "backup": to_json(&backup) });
        if let Some(verdicts) = verdicts_json(&reconciled) {
            result["reconciliation"] = verdicts;
        }
        Ok((result, file_name))
    }
}
