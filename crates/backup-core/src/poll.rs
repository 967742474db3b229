//! Waiting for long-running backups. (Being implemented.)
