//! `cargo xtask release <version> [--dry-run] [--skip-package]`.
//!
//! Lockstep release preparation. Nothing is ever published: the last step is
//! `cargo publish --dry-run --workspace`-style packaging of every publishable crate, given
//! to one cargo invocation in dependency order so that cargo's multi-package mode packages
//! dependents against the not-yet-published new version of `backup-core` (a local overlay
//! registry) instead of looking it up on crates.io.
//!
//! Steps: refuse on a dirty git tree; read `cargo metadata --no-deps`; order the publishable
//! crates (not `publish = false`) topologically by their normal and build dependencies;
//! bump `[workspace.package] version` and the `version` of every path dependency (and any
//! literal `[package] version`) and the container image tag (`Dockerfile`, its
//! `ARG VERSION`, `deploy/kubernetes/cronjob.yaml`, README); move the CHANGELOG's `## [Unreleased]` notes under
//! `## [<version>] - <date>`; package. `--dry-run` writes nothing and packages the tree as
//! it is; `--skip-package` (for tests) skips packaging.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The new version.
    pub version: String,
    /// Write nothing; show what would change.
    pub dry_run: bool,
    /// Skip `cargo publish --dry-run` (tests only: packaging compiles every crate).
    pub skip_package: bool,
    /// The date of the changelog heading (`YYYY-MM-DD`); today (UTC) when `None`.
    pub date: Option<String>,
}

impl Options {
    /// Parses `<version> [--dry-run] [--skip-package] [--date YYYY-MM-DD]`.
    pub fn parse(args: &[&str]) -> Result<Options, String> {
        let mut version = None;
        let mut o = Options {
            version: String::new(),
            dry_run: false,
            skip_package: false,
            date: None,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match *a {
                "--dry-run" => o.dry_run = true,
                "--skip-package" => o.skip_package = true,
                "--date" => o.date = it.next().map(|d| (*d).to_owned()),
                v if !v.starts_with('-') && version.is_none() => version = Some(v.to_owned()),
                other => return Err(format!("unexpected argument `{other}`")),
            }
        }
        o.version = version.ok_or("usage: cargo xtask release <version> [--dry-run]")?;
        check_version(&o.version)?;
        Ok(o)
    }
}

fn check_version(v: &str) -> Result<(), String> {
    let (core, pre) = v.split_once('-').unwrap_or((v, ""));
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        });
    let pre_ok = pre
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if numeric && pre_ok && (pre.is_empty() != v.contains('-')) {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not a semantic version like 1.2.3 or 1.2.3-rc.1"
        ))
    }
}

/// What a release did (or would do).
#[derive(Debug)]
pub struct Plan {
    /// Publishable crates in publish order.
    pub order: Vec<String>,
    /// The version before.
    pub old_version: String,
    /// The changelog section written.
    pub changelog_entry: String,
    /// Files changed (or that would change).
    pub changed: Vec<PathBuf>,
}

/// Runs the release preparation and prints what was done.
pub fn run(root: &Path, o: &Options) -> Result<(), String> {
    let plan = prepare(root, o)?;
    println!("version {} -> {}", plan.old_version, o.version);
    println!("publish order: {}", plan.order.join(", "));
    for f in &plan.changed {
        println!(
            "{} {}",
            if o.dry_run { "would change" } else { "changed" },
            f.display()
        );
    }
    println!("\nCHANGELOG entry:\n{}", plan.changelog_entry);
    if o.skip_package {
        println!("packaging skipped (--skip-package)");
    } else {
        package(root, &plan.order)?;
    }
    if !o.dry_run {
        println!(
            "\nnext (by a maintainer, elsewhere): review, `git commit -am \"Release {v}\"`, \
             `git tag v{v}`, then `cargo publish --workspace`. Nothing was published.",
            v = o.version
        );
    }
    Ok(())
}

/// Everything but packaging: checks, order, version bump and changelog.
pub fn prepare(root: &Path, o: &Options) -> Result<Plan, String> {
    check_version(&o.version)?;
    ensure_clean(root)?;
    let meta = metadata(root)?;
    let (order, old_version) = publish_order(&meta)?;
    if old_version == o.version {
        return Err(format!("the crates are already at version {old_version}"));
    }
    let mut changed = Vec::new();
    let mut writes: Vec<(PathBuf, String)> = Vec::new();

    let mut manifests = vec![root.join("Cargo.toml")];
    for p in packages(&meta) {
        if let Some(m) = p.get("manifest_path").and_then(Value::as_str) {
            manifests.push(PathBuf::from(m));
        }
    }
    manifests.sort();
    manifests.dedup();
    for m in manifests {
        let text = std::fs::read_to_string(&m).map_err(|e| format!("{}: {e}", m.display()))?;
        let bumped = bump_manifest(&text, &old_version, &o.version);
        if bumped != text {
            changed.push(m.clone());
            writes.push((m, bumped));
        }
    }

    for (rel, must_name_image) in IMAGE_TAG_FILES {
        let path = root.join(rel);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // a workspace without a container image
        };
        let old_image = format!("{IMAGE}:{old_version}");
        let bumped = bump_image_tag(&text, &old_version, &o.version);
        if *must_name_image && !names_image(&text, &old_version) {
            return Err(format!(
                "{rel} does not name `{old_image}`: bring it to the workspace version \
                 (crates/backupctl/tests/deploy.rs) before releasing"
            ));
        }
        if bumped != text {
            changed.push(path.clone());
            writes.push((path, bumped));
        }
    }

    let changelog = root.join("CHANGELOG.md");
    let text = std::fs::read_to_string(&changelog).map_err(|e| {
        format!(
            "{}: {e} (a CHANGELOG.md with an `## [Unreleased]` section is required)",
            changelog.display()
        )
    })?;
    let date = match &o.date {
        Some(d) => d.clone(),
        None => today_utc(),
    };
    let (new_text, entry) = changelog_release(&text, &o.version, &date)?;
    changed.push(changelog.clone());
    writes.push((changelog, new_text));

    if !o.dry_run {
        for (path, text) in writes {
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        // Check the lockstep result the way cargo sees it.
        let meta = metadata(root)?;
        let (_, now) = publish_order(&meta)?;
        if now != o.version {
            return Err(format!(
                "after the bump cargo reports version {now}, not {}",
                o.version
            ));
        }
    }
    Ok(Plan {
        order,
        old_version,
        changelog_entry: entry,
        changed,
    })
}

fn ensure_clean(root: &Path) -> Result<(), String> {
    let out = std::process::Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git status failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let dirty = String::from_utf8_lossy(&out.stdout);
    if dirty.trim().is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the git tree is dirty; commit or stash first:\n{}",
            dirty.trim_end()
        ))
    }
}

pub(crate) fn metadata(root: &Path) -> Result<Value, String> {
    let out = crate::cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

fn packages(meta: &Value) -> impl Iterator<Item = &Value> {
    meta.get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Whether cargo may publish the package (`publish` absent, or a non-empty registry list).
fn publishable(p: &Value) -> bool {
    match p.get("publish") {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => false,
    }
}

/// The publishable crates in dependency order (dependencies first, ties by name) and
/// their common version.
pub fn publish_order(meta: &Value) -> Result<(Vec<String>, String), String> {
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut versions = BTreeMap::new();
    for p in packages(meta).filter(|p| publishable(p)) {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let version = p
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        versions.insert(name.clone(), version);
        deps.insert(name, BTreeSet::new());
    }
    for p in packages(meta).filter(|p| publishable(p)) {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        for d in p
            .get("dependencies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let dev = d.get("kind").and_then(Value::as_str) == Some("dev");
            let dep = d.get("name").and_then(Value::as_str).unwrap_or_default();
            if !dev && d.get("path").is_some() {
                if !deps.contains_key(dep) {
                    return Err(format!("{name} depends on {dep}, which is not publishable"));
                }
                if let Some(set) = deps.get_mut(name) {
                    set.insert(dep.to_owned());
                }
            }
        }
    }
    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    while done.len() < deps.len() {
        let ready: Vec<String> = deps
            .iter()
            .filter(|(n, ds)| !done.contains(*n) && ds.iter().all(|d| done.contains(d)))
            .map(|(n, _)| n.clone())
            .collect();
        if ready.is_empty() {
            return Err("the crates' dependencies form a cycle".into());
        }
        for n in ready {
            done.insert(n.clone());
            order.push(n);
        }
    }
    let all: BTreeSet<&String> = versions.values().collect();
    if all.len() > 1 {
        return Err(format!(
            "publishable crates are not in lockstep: {versions:?}"
        ));
    }
    let version = all
        .into_iter()
        .next()
        .cloned()
        .ok_or("no publishable crates")?;
    Ok((order, version))
}

/// Bumps `version = "old"` in `[workspace.package]` and `[package]`, and on every
/// dependency line that has a `path`.
pub fn bump_manifest(text: &str, old: &str, new: &str) -> String {
    let old_kv = format!("version = \"{old}\"");
    let new_kv = format!("version = \"{new}\"");
    let mut section = String::new();
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_owned();
        }
        let package_section = section == "[workspace.package]" || section == "[package]";
        let is_version_line = t.starts_with("version") && t.contains(&old_kv);
        let dep_line =
            section.contains("dependencies") && t.contains("path") && t.contains(&old_kv);
        if (package_section && is_version_line) || dep_line {
            out.push_str(&line.replacen(&old_kv, &new_kv, 1));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The container image the release's version tags.
const IMAGE: &str = "ghcr.io/backup-sdk/backupctl";

/// Files that carry the image tag (and the Dockerfile's `ARG VERSION`), and whether they
/// must name the image at the old version: `crates/backupctl/tests/deploy.rs` checks the
/// Dockerfile and the CronJob against the workspace version; the README only shows it.
const IMAGE_TAG_FILES: &[(&str, bool)] = &[
    ("Dockerfile", true),
    ("deploy/kubernetes/cronjob.yaml", true),
    ("README.md", false),
];

/// The byte offsets just past each `{IMAGE}:{version}` that is a whole tag (not the start
/// of a longer one such as `0.1.0-rc.1` or `0.1.01`).
fn image_tag_ends(text: &str, version: &str) -> Vec<(usize, usize)> {
    let needle = format!("{IMAGE}:{version}");
    text.match_indices(&needle)
        .map(|(start, m)| (start, start + m.len()))
        .filter(|&(_, end)| {
            !text[end..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        })
        .collect()
}

fn names_image(text: &str, version: &str) -> bool {
    !image_tag_ends(text, version).is_empty()
}

/// Replaces the image tag `old` with `new` wherever the image is named, and a line
/// `ARG VERSION=old` (the Dockerfile's label) with `ARG VERSION=new`.
pub fn bump_image_tag(text: &str, old: &str, new: &str) -> String {
    let mut tagged = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in image_tag_ends(text, old) {
        tagged.push_str(&text[copied..start]);
        tagged.push_str(&format!("{IMAGE}:{new}"));
        copied = end;
    }
    tagged.push_str(&text[copied..]);
    let old_arg = format!("ARG VERSION={old}");
    tagged
        .split_inclusive('\n')
        .map(|line| {
            if line.trim() == old_arg {
                line.replacen(&old_arg, &format!("ARG VERSION={new}"), 1)
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// Moves the notes under `## [Unreleased]` into a new `## [version] - date` section;
/// returns the new text and the new section.
pub fn changelog_release(
    text: &str,
    version: &str,
    date: &str,
) -> Result<(String, String), String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| {
            let l = l.trim().to_ascii_lowercase();
            l.starts_with("## ") && l.contains("unreleased")
        })
        .ok_or("CHANGELOG.md has no `## [Unreleased]` section")?;
    let end = lines
        .iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, l)| l.starts_with("## "))
        .map_or(lines.len(), |(i, _)| i);
    let notes: String = lines[start + 1..end].concat();
    if notes.trim().is_empty() {
        return Err(
            "CHANGELOG.md has nothing under `## [Unreleased]`; write the release notes first"
                .into(),
        );
    }
    if lines
        .iter()
        .any(|l| l.starts_with(&format!("## [{version}]")))
    {
        return Err(format!("CHANGELOG.md already has a section for {version}"));
    }
    let entry = format!("## [{version}] - {date}\n\n{}\n", notes.trim());
    let mut out = String::new();
    out.push_str(&lines[..=start].concat());
    out.push('\n');
    out.push_str(&entry);
    if end < lines.len() {
        out.push('\n');
        out.push_str(&lines[end..].concat());
    }
    Ok((out, entry))
}

/// Today's date in UTC, `YYYY-MM-DD`.
fn today_utc() -> String {
    let (year, month, day, ..) = backup_core::clock::utc_fields(std::time::SystemTime::now());
    format!("{year:04}-{month:02}-{day:02}")
}

/// `cargo publish --dry-run` of every crate in one invocation, in `order`.
fn package(root: &Path, order: &[String]) -> Result<(), String> {
    let mut cmd = crate::cargo();
    cmd.args(["publish", "--dry-run", "--allow-dirty"])
        .current_dir(root);
    for name in order {
        cmd.args(["--package", name]);
    }
    eprintln!(
        "running cargo publish --dry-run for {} crate(s) ...",
        order.len()
    );
    let status = cmd
        .status()
        .map_err(|e| format!("could not run cargo publish: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("cargo publish --dry-run failed (see above)".into())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::process::Command;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }

    fn git(root: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args([
                "-c",
                "user.name=xtask",
                "-c",
                "user.email=xtask@example.invalid",
            ])
            .args(args)
            .current_dir(root)
            .output()
            .expect("git")
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    /// A small copy of the workspace's shape: a core crate, a crate on top of it, a crate
    /// on top of both (alphabetically first, so order must come from the graph), and an
    /// unpublished fixture.
    fn workspace() -> PathBuf {
        let root = std::env::temp_dir().join(format!(
            "xtask-release-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        write(
            &root,
            "Cargo.toml",
            "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n\n[workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\nlicense = \"MIT\"\n\n[workspace.dependencies]\nbackup-core = { path = \"crates/backup-core\", version = \"0.1.0\" }\nmid-vendor = { path = \"crates/mid-vendor\", version = \"0.1.0\" }\nserde = \"1.0.1\"\n",
        );
        let pkg = |name: &str, deps: &str, publish: bool| {
            format!(
                "[package]\nname = \"{name}\"\ndescription = \"x\"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\n{}\n[dependencies]\n{deps}",
                if publish { "" } else { "publish = false\n" }
            )
        };
        write(
            &root,
            "crates/backup-core/Cargo.toml",
            &pkg("backup-core", "", true),
        );
        write(
            &root,
            "crates/mid-vendor/Cargo.toml",
            &pkg("mid-vendor", "backup-core.workspace = true\n", true),
        );
        write(
            &root,
            "crates/a-vendor/Cargo.toml",
            &pkg(
                "a-vendor",
                "mid-vendor.workspace = true\nbackup-core.workspace = true\n",
                true,
            ),
        );
        write(
            &root,
            "crates/aa-fixture/Cargo.toml",
            &pkg("aa-fixture", "backup-core.workspace = true\n", false),
        );
        for c in ["backup-core", "mid-vendor", "a-vendor", "aa-fixture"] {
            write(&root, &format!("crates/{c}/src/lib.rs"), "//! x\n");
        }
        write(
            &root,
            "CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\n- Added backups.\n\n## [0.1.0] - 2025-01-01\n\n- First.\n",
        );
        write(&root, "Dockerfile", DOCKERFILE);
        write(&root, "deploy/kubernetes/cronjob.yaml", CRONJOB);
        write(&root, "README.md", README);
        git(&root, &["init", "-q"]);
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "init"]);
        root
    }

    /// The lines of the real Dockerfile, CronJob and README that carry the version, with
    /// neighbours that must not change (another image, a longer version, the build stage's
    /// own `ARG`).
    const DOCKERFILE: &str = "\
#   docker build -t ghcr.io/backup-sdk/backupctl:0.1.0 \\
#   docker run --rm ghcr.io/backup-sdk/backupctl:0.1.0 --version
# 0.1.0-rc.1 was ghcr.io/backup-sdk/backupctl:0.1.0-rc.1; ghcr.io/other/backupctl:0.1.0
ARG RUST_IMAGE=rust:1.95-slim-trixie
FROM ${RUST_IMAGE} AS builder
ARG VERSION=0.1.0
LABEL org.opencontainers.image.version=\"${VERSION}\"
";
    const CRONJOB: &str = "\
          containers:
            - name: backupctl
              image: ghcr.io/backup-sdk/backupctl:0.1.0
            - name: sidecar
              image: ghcr.io/backup-sdk/backupctl:0.1.01
";
    const README: &str =
        "1. **The image.** `docker build -t ghcr.io/backup-sdk/backupctl:0.1.0 --build-arg\n";

    fn opts(dry_run: bool) -> Options {
        Options {
            version: "0.2.0".into(),
            dry_run,
            skip_package: true,
            date: Some("2026-05-01".into()),
        }
    }

    #[test]
    fn release_bumps_versions_orders_crates_and_writes_the_changelog() {
        let root = workspace();
        let plan = prepare(&root, &opts(false)).expect("release");
        assert_eq!(plan.order, ["backup-core", "mid-vendor", "a-vendor"]);
        assert_eq!(plan.old_version, "0.1.0");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
        assert!(
            manifest.contains("[workspace.package]\nversion = \"0.2.0\""),
            "{manifest}"
        );
        assert!(
            manifest
                .contains("backup-core = { path = \"crates/backup-core\", version = \"0.2.0\" }")
        );
        assert!(
            manifest.contains("mid-vendor = { path = \"crates/mid-vendor\", version = \"0.2.0\" }")
        );
        assert!(manifest.contains("serde = \"1.0.1\""));
        let log = std::fs::read_to_string(root.join("CHANGELOG.md")).expect("read");
        assert_eq!(
            log,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-05-01\n\n- Added backups.\n\n## [0.1.0] - 2025-01-01\n\n- First.\n"
        );
        // Now dirty: a second run is refused.
        let err = prepare(
            &root,
            &Options {
                version: "0.3.0".into(),
                ..opts(false)
            },
        )
        .expect_err("dirty");
        assert!(err.contains("dirty"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn release_bumps_the_container_image_tag() {
        let root = workspace();
        let plan = prepare(&root, &opts(false)).expect("release");
        let read = |rel: &str| std::fs::read_to_string(root.join(rel)).expect("read");
        assert_eq!(
            read("Dockerfile"),
            DOCKERFILE
                .replace(
                    "-t ghcr.io/backup-sdk/backupctl:0.1.0 ",
                    "-t ghcr.io/backup-sdk/backupctl:0.2.0 "
                )
                .replace(
                    "--rm ghcr.io/backup-sdk/backupctl:0.1.0 ",
                    "--rm ghcr.io/backup-sdk/backupctl:0.2.0 "
                )
                .replace("ARG VERSION=0.1.0\n", "ARG VERSION=0.2.0\n")
        );
        assert_eq!(
            read("deploy/kubernetes/cronjob.yaml"),
            CRONJOB.replace(
                "backupctl:0.1.0\n            - name: sidecar",
                "backupctl:0.2.0\n            - name: sidecar"
            )
        );
        assert_eq!(read("README.md"), README.replace(":0.1.0 ", ":0.2.0 "));
        for rel in ["Dockerfile", "deploy/kubernetes/cronjob.yaml", "README.md"] {
            assert!(
                plan.changed.contains(&root.join(rel)),
                "{rel} not in {:?}",
                plan.changed
            );
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    /// A Dockerfile or CronJob whose image is not at the old version would fail
    /// `tests/deploy.rs` after the release: refused before anything is written.
    #[test]
    fn an_image_tag_out_of_step_is_refused_before_writing() {
        let root = workspace();
        write(
            &root,
            "deploy/kubernetes/cronjob.yaml",
            &CRONJOB.replace("backupctl:0.1.0\n", "backupctl:0.0.9\n"),
        );
        git(&root, &["commit", "-q", "-am", "drift"]);
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
        let err = prepare(&root, &opts(false)).expect_err("out of step");
        assert!(
            err.contains("cronjob.yaml") && err.contains("ghcr.io/backup-sdk/backupctl:0.1.0"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("Cargo.toml")).expect("read"),
            manifest
        );
        assert_eq!(
            std::fs::read_to_string(root.join("Dockerfile")).expect("read"),
            DOCKERFILE
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn dry_run_writes_nothing_and_bad_input_is_refused() {
        let root = workspace();
        let before = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
        let plan = prepare(&root, &opts(true)).expect("dry run");
        assert_eq!(plan.order, ["backup-core", "mid-vendor", "a-vendor"]);
        assert!(plan.changelog_entry.starts_with("## [0.2.0] - 2026-05-01"));
        assert_eq!(
            std::fs::read_to_string(root.join("Cargo.toml")).expect("read"),
            before
        );
        assert!(
            prepare(
                &root,
                &Options {
                    version: "0.1.0".into(),
                    ..opts(true)
                }
            )
            .is_err()
        );
        assert!(Options::parse(&["1.2"]).is_err());
        assert!(Options::parse(&["1.2.3-rc.1", "--dry-run"]).is_ok_and(|o| o.dry_run));
        let _ = std::fs::remove_dir_all(&root);
    }
}
