//! What `build.rs` learns from git: the commit the binary is built from, and the files
//! whose change means it must look again. Shared with `tests/version.rs`, which includes
//! this file, so it uses the standard library only.
//!
//! git is run as a program rather than read through a library: the build must not gain a
//! dependency, and a checkout without git (or without `.git`: a source tarball, a
//! container build context) simply has no commit to show.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The commit and the files to watch.
#[derive(Debug, Default)]
pub struct GitState {
    /// The short hash of HEAD, with `-dirty` when a tracked file differs from it.
    pub commit: Option<String>,
    /// HEAD and the ref it points to (or `packed-refs` when the ref is packed): only
    /// existing files, since cargo reruns a build script on every build while a watched
    /// path is missing.
    pub watch: Vec<PathBuf>,
}

/// Reads the repository that contains `dir`, if any.
pub fn read(dir: &Path) -> GitState {
    read_inner(dir, None)
}

/// As [`read`], but never looks for a repository at or above `ceiling`.
pub fn read_with_ceiling(dir: &Path, ceiling: &Path) -> GitState {
    read_inner(dir, Some(ceiling))
}

fn read_inner(dir: &Path, ceiling: Option<&Path>) -> GitState {
    let git = |args: &[&str]| -> Option<String> {
        let mut command = Command::new("git");
        command.arg("-C").arg(dir).args(args);
        if let Some(ceiling) = ceiling {
            command.env("GIT_CEILING_DIRECTORIES", ceiling);
        }
        let output = command.output().ok()?;
        if !output.status.success() {
            return None;
        }
        let text = String::from_utf8(output.stdout).ok()?;
        Some(text.trim_end_matches(['\n', '\r']).to_owned())
    };
    let Some(hash) = git(&["rev-parse", "--short", "HEAD"]) else {
        return GitState::default();
    };
    // Untracked files are not part of what is built; a failed status claims nothing.
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|changes| !changes.is_empty());
    let commit = if dirty { format!("{hash}-dirty") } else { hash };

    // `--git-path` resolves linked worktrees: HEAD is the worktree's own, refs live in
    // the common directory.
    let git_path = |name: &str| git(&["rev-parse", "--git-path", name]).map(|p| dir.join(p));
    let mut watch = Vec::new();
    watch.extend(git_path("HEAD"));
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        match git_path(&reference) {
            Some(loose) if loose.is_file() => watch.push(loose),
            _ => watch.extend(git_path("packed-refs")),
        }
    }
    watch.retain(|path| path.exists());
    GitState {
        commit: Some(commit),
        watch,
    }
}

/// The commit given in `BACKUPCTL_GIT_COMMIT` (a container build passes it as a build
/// argument): `Ok(None)` when empty, an error unless it is one plain word of at most 64
/// letters, digits, `.`, `_`, `+` or `-`, since it is printed in the version line.
pub fn from_override(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let plain = value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'));
    if plain {
        Ok(Some(value.to_owned()))
    } else {
        Err(format!(
            "BACKUPCTL_GIT_COMMIT={value:?} is not a commit (letters, digits, . _ + - only, at most 64)"
        ))
    }
}
