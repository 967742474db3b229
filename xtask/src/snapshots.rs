//! `cargo xtask snapshots`: insta suites in check mode, plus orphaned-snapshot detection.
//!
//! cargo-insta is not needed. The test suites run under `cargo test --workspace` with
//! `INSTA_UPDATE=no` and `CI=true` (insta then only asserts: it writes neither `.snap` nor
//! `.snap.new` files) and with `INSTA_SNAPSHOT_REFERENCES_FILE` set: insta 1.49 appends the
//! path of every snapshot file an assertion uses to that file (`insta::env::memoize_snapshot_file`,
//! called from `runtime.rs` for every file snapshot, passing or not). That is the mechanism
//! `cargo insta test --unreferenced=reject` uses. Every `*.snap` under a `snapshots/`
//! directory of the repository that is not in the list is an orphan and fails the check, as
//! does any leftover `.snap.new` / `.pending-snap` file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Runs the check from the workspace root.
pub fn run(root: &Path) -> Result<(), String> {
    let target = root.join("target");
    std::fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    let refs = target.join("xtask-snapshot-references.txt");
    if refs.exists() {
        std::fs::remove_file(&refs).map_err(|e| format!("{}: {e}", refs.display()))?;
    }
    eprintln!("running cargo test --workspace with INSTA_UPDATE=no CI=true ...");
    let status = crate::cargo()
        .args(["test", "--workspace"])
        .env("INSTA_UPDATE", "no")
        .env("CI", "true")
        .env("INSTA_SNAPSHOT_REFERENCES_FILE", &refs)
        .env_remove("INSTA_FORCE_PASS")
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not run cargo test: {e}"))?;
    if !status.success() {
        return Err(
            "the test suites failed (snapshot mismatches are reported above); \
                    review with `INSTA_UPDATE=always cargo test` or cargo-insta"
                .into(),
        );
    }
    let referenced = read_references(&refs)?;
    let (snaps, pending) = find_snapshot_files(root)?;
    let problems = compare(root, &referenced, &snaps, &pending);
    if problems.is_empty() {
        eprintln!("{} snapshot file(s), all referenced", snaps.len());
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The canonical paths listed in insta's references file (absent file: none).
pub fn read_references(refs: &Path) -> Result<BTreeSet<PathBuf>, String> {
    let text = match std::fs::read_to_string(refs) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", refs.display())),
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| canonical(Path::new(l.trim())))
        .collect())
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Every `snapshots/*.snap` file and every pending snapshot under `root`, skipping
/// `target`, `.git` and other hidden directories.
pub fn find_snapshot_files(root: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let mut snaps = Vec::new();
    let mut pending = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
                continue;
            }
            if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
                pending.push(canonical(&path));
            } else if name.ends_with(".snap")
                && path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|d| d == "snapshots")
            {
                snaps.push(canonical(&path));
            }
        }
    }
    snaps.sort();
    pending.sort();
    Ok((snaps, pending))
}

/// The problems: orphaned and pending snapshot files, each with what to do.
pub fn compare(
    root: &Path,
    referenced: &BTreeSet<PathBuf>,
    snaps: &[PathBuf],
    pending: &[PathBuf],
) -> Vec<String> {
    let root = canonical(root);
    let show = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    let mut problems = Vec::new();
    for s in snaps.iter().filter(|s| !referenced.contains(*s)) {
        problems.push(format!(
            "unreferenced snapshot {} (no test asserts it any more: delete it)",
            show(s)
        ));
    }
    for p in pending {
        problems.push(format!(
            "pending snapshot {} (review it: accept by renaming over the .snap, or delete it)",
            show(p)
        ));
    }
    problems
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn orphans_and_pending_files_are_reported() {
        let dir = std::env::temp_dir().join(format!("xtask-snap-{}", std::process::id()));
        let snaps_dir = dir.join("crates/a/tests/snapshots");
        std::fs::create_dir_all(&snaps_dir).expect("temp dir");
        std::fs::create_dir_all(dir.join("target/snapshots")).expect("temp dir");
        for f in ["used.snap", "orphan.snap", "new.snap.new"] {
            std::fs::write(snaps_dir.join(f), "x").expect("write");
        }
        std::fs::write(dir.join("target/snapshots/ignored.snap"), "x").expect("write");
        let refs = dir.join("refs.txt");
        std::fs::write(
            &refs,
            format!("{}\n", snaps_dir.join("used.snap").display()),
        )
        .expect("write");
        let referenced = read_references(&refs).expect("refs");
        let (snaps, pending) = find_snapshot_files(&dir).expect("walk");
        assert_eq!(snaps.len(), 2);
        let problems = compare(&dir, &referenced, &snaps, &pending);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("orphan.snap"));
        assert!(problems[1].contains("new.snap.new"));
    }
}
