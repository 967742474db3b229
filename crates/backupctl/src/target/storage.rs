//! `--storage-config` files: where an OCP backup goes when the cluster's backup strategy
//! is not used.

use std::path::Path;

use clap::ValueEnum;
use ocp_ob_backup::{BackupMode, BackupStorageConfig};
use serde::Deserialize;

use super::ocp::backup_mode;
use crate::cli::OcpModeArg;
use crate::error::CliError;

/// What a `--storage-config` file holds: the storage, and the backup mode when the file
/// names one.
#[derive(Debug)]
pub struct StorageFile {
    pub storage: BackupStorageConfig,
    pub backup_mode: Option<BackupMode>,
}

impl StorageFile {
    /// The mode to send: `explicit` (`--mode`) first, then the file's. A file without one
    /// gives no mode to fall back on, and guessing PHYSICAL_BACKUP would back up in a mode
    /// the operator never chose: a usage error, before anything is sent.
    pub fn mode_or(
        &self,
        explicit: Option<BackupMode>,
        path: &Path,
    ) -> Result<BackupMode, CliError> {
        explicit
            .or_else(|| self.backup_mode.clone())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "storage config {} names no backupMode: pass --mode (physical or logical), or \
                 give a backup strategy file that has one",
                    path.display()
                ))
            })
    }
}

/// Reads a `--storage-config` file: an `obBackupServiceStorageConfig` object, or a backup
/// strategy holding one (with its `backupMode`).
pub async fn read_storage_config(path: &Path) -> Result<StorageFile, CliError> {
    let text = tokio::fs::read_to_string(path).await.map_err(|e| {
        CliError::Usage(format!(
            "cannot read storage config {}: {e}",
            path.display()
        ))
    })?;
    parse_storage_config(path, &text)
}

fn parse_storage_config(path: &Path, text: &str) -> Result<StorageFile, CliError> {
    /// The members of a backup strategy (or of a storage object) that matter here.
    #[derive(Deserialize)]
    struct Outer {
        #[serde(default, rename = "obBackupServiceStorageConfig")]
        storage: Option<BackupStorageConfig>,
        #[serde(default, rename = "backupMode")]
        backup_mode: Option<String>,
    }
    // serde_json's messages name a line and column, never the value.
    let not_storage = |e: serde_json::Error| {
        CliError::Usage(format!(
            "storage config {} is not an obBackupServiceStorageConfig object: {e}",
            path.display()
        ))
    };
    let outer: Outer = serde_json::from_str(text).map_err(not_storage)?;
    let backup_mode = match outer.backup_mode.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(backup_mode(OcpModeArg::from_str(text, true).map_err(
            |_| {
                CliError::Usage(format!(
                    "storage config {}: backupMode must be PHYSICAL_BACKUP or LOGICAL_BACKUP",
                    path.display()
                ))
            },
        )?)),
    };
    let storage = match outer.storage {
        Some(storage) => storage,
        None => serde_json::from_str(text).map_err(not_storage)?,
    };
    Ok(StorageFile {
        storage,
        backup_mode,
    })
}
