//! `backupctl --version` names the commit it was built from, and the build script's git
//! reading (`build/git_commit.rs`, included here as it is in `build.rs`) falls back cleanly
//! where there is no repository: a source tarball, a container build context.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../build/git_commit.rs"]
#[allow(dead_code)]
mod git_commit;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scratch directory under the target dir, unique per call.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "backupctl-version-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn git_available() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs git in `dir`, isolated from the user's and the machine's configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A repository with one commit of one file, on branch `main`.
fn repository() -> PathBuf {
    let dir = scratch();
    git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("a.txt"), "one\n").unwrap();
    git(&dir, &["add", "a.txt"]);
    git(&dir, &["commit", "-q", "-m", "one"]);
    dir
}

#[test]
fn version_shows_the_package_version_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_backupctl"))
        .arg("--version")
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    let shown = shown.trim_end();
    let version = env!("CARGO_PKG_VERSION");
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if option_env!("BACKUPCTL_GIT_COMMIT").is_some() || !git_available() {
        // Built with an explicit commit or without git: the version at least.
        assert!(
            shown.starts_with(&format!("backupctl {version}")),
            "{shown}"
        );
        return;
    }
    let Ok(head) = Command::new("git")
        .arg("-C")
        .arg(manifest_dir)
        .args(["rev-parse", "--short", "HEAD"])
        .output()
    else {
        unreachable!("git ran above")
    };
    if !head.status.success() {
        // A source tree outside any repository (a tarball): the version alone.
        assert_eq!(shown, format!("backupctl {version}"));
        return;
    }
    let head = String::from_utf8(head.stdout).unwrap();
    let head = head.trim();
    // Whether the tree is dirty depends on when the build script last ran, so either
    // form is right; the commit must be this one.
    assert!(
        shown == format!("backupctl {version} ({head})")
            || shown == format!("backupctl {version} ({head}-dirty)"),
        "`backupctl --version` printed {shown:?}, expected the commit {head}"
    );
}

#[test]
fn a_clean_checkout_shows_its_short_hash() {
    if !git_available() {
        eprintln!("skipped: no git on this machine");
        return;
    }
    let repo = repository();
    let state = git_commit::read(&repo);
    assert_eq!(
        state.commit.as_deref(),
        Some(git(&repo, &["rev-parse", "--short", "HEAD"]).as_str())
    );
    // Rebuilt when HEAD moves or the branch it names gets a new commit.
    let watched: Vec<PathBuf> = state
        .watch
        .iter()
        .map(|p| p.canonicalize().unwrap())
        .collect();
    let git_dir = repo.join(".git").canonicalize().unwrap();
    assert!(watched.contains(&git_dir.join("HEAD")), "{watched:?}");
    assert!(
        watched.contains(&git_dir.join("refs/heads/main")),
        "{watched:?}"
    );
}

#[test]
fn a_modified_tracked_file_marks_the_commit_dirty() {
    if !git_available() {
        eprintln!("skipped: no git on this machine");
        return;
    }
    let repo = repository();
    std::fs::write(repo.join("a.txt"), "two\n").unwrap();
    let head = git(&repo, &["rev-parse", "--short", "HEAD"]);
    assert_eq!(
        git_commit::read(&repo).commit,
        Some(format!("{head}-dirty"))
    );
    // An untracked file is not a change to what was built.
    git(&repo, &["checkout", "--", "a.txt"]);
    std::fs::write(repo.join("notes.txt"), "scratch\n").unwrap();
    assert_eq!(git_commit::read(&repo).commit, Some(head));
}

#[test]
fn a_packed_branch_is_watched_through_packed_refs() {
    if !git_available() {
        eprintln!("skipped: no git on this machine");
        return;
    }
    let repo = repository();
    git(&repo, &["pack-refs", "--all"]);
    let state = git_commit::read(&repo);
    assert!(state.commit.is_some());
    let git_dir = repo.join(".git").canonicalize().unwrap();
    let watched: Vec<PathBuf> = state
        .watch
        .iter()
        .map(|p| p.canonicalize().unwrap())
        .collect();
    assert!(
        watched.contains(&git_dir.join("packed-refs")),
        "{watched:?}"
    );
    assert!(
        state.watch.iter().all(|p| p.exists()),
        "a watched path that does not exist reruns the build script every time: {:?}",
        state.watch
    );
}

#[test]
fn no_repository_means_no_commit_and_nothing_to_watch() {
    let dir = scratch();
    // Stop git's search for a repository at the scratch directory's parent, so the
    // workspace's own repository above the target dir is not found.
    let state = git_commit::read_with_ceiling(&dir, dir.parent().unwrap());
    assert_eq!(state.commit, None);
    assert!(state.watch.is_empty(), "{:?}", state.watch);
}

#[test]
fn an_explicit_commit_is_used_only_when_it_is_a_plain_word() {
    assert_eq!(
        git_commit::from_override("0a1b2c3"),
        Ok(Some("0a1b2c3".to_owned()))
    );
    assert_eq!(
        git_commit::from_override(" 0a1b2c3-dirty\n"),
        Ok(Some("0a1b2c3-dirty".to_owned()))
    );
    // Set but empty (a build arg left at its default): no commit, and no error.
    assert_eq!(git_commit::from_override(""), Ok(None));
    // Anything that could break the version line, or is not a revision, is refused.
    assert!(git_commit::from_override("abc\ndef").is_err());
    assert!(git_commit::from_override("$(rm -rf /)").is_err());
    assert!(git_commit::from_override(&"a".repeat(65)).is_err());
}
