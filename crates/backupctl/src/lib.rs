//! The grammar of the `backupctl` command line, as a library so that `cargo xtask dist`
//! can write its man pages and shell completions without running the binary (for any
//! target) and without adding a man page generator to `backupctl` itself.
//!
//! Not a stable API: the command line is. Install the binary with
//! `cargo install backupctl`.

pub mod cli;
