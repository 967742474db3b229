//! Sets `BACKUPCTL_VERSION`, which `backupctl --version` prints: the package version and,
//! when known, the commit it was built from (`0.1.0 (1a2b3c4)`, `0.1.0 (1a2b3c4-dirty)`).
//!
//! The commit is `BACKUPCTL_GIT_COMMIT` when set (the Dockerfile passes it, since the
//! build context has no `.git`), else read from git; without either, the version alone.

// `read_with_ceiling` is for the tests, which include the same file.
#[allow(dead_code)]
#[path = "build/git_commit.rs"]
mod git_commit;

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/git_commit.rs");
    println!("cargo:rerun-if-env-changed=BACKUPCTL_GIT_COMMIT");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = match std::env::var("BACKUPCTL_GIT_COMMIT") {
        Ok(value) => git_commit::from_override(&value).unwrap_or_else(|message| {
            println!("cargo:warning={message}; building without a commit");
            None
        }),
        Err(_) => {
            let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
            let state = git_commit::read(&dir);
            // Moving HEAD or committing on its branch changes the commit shown. Whether
            // the tree is dirty is as of the last time this script ran; `cargo xtask
            // dist` passes BACKUPCTL_GIT_COMMIT so that a release is always exact.
            for path in &state.watch {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            state.commit
        }
    };
    let shown = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=BACKUPCTL_VERSION={shown}");
}
