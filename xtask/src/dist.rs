//! `cargo xtask dist [--profile P] [--target TRIPLE] [--out DIR]`: one archive with the
//! `backupctl` binary, its man pages and its shell completions.
//!
//! The binary is built with `--locked` and the commit it shows in `--version` is read
//! here and passed as `BACKUPCTL_GIT_COMMIT`, so that it is exact even when the build
//! script last ran on another tree. Man pages and completions come from the
//! `backupctl::cli` grammar linked into xtask, not from running the binary, so a
//! cross-compiled `--target` gets them too.
//!
//! Layout of `<out>/backupctl-<version>-<target>.tar.gz` (and its `.sha256`, in
//! `sha256sum` format):
//!
//! ```text
//! backupctl-<version>-<target>/backupctl
//! backupctl-<version>-<target>/README.md
//! backupctl-<version>-<target>/man/man1/backupctl.1, backupctl-<command>.1, ...
//! backupctl-<version>-<target>/completions/backupctl.bash, _backupctl, backupctl.fish
//! ```

// Shared with backupctl's build script, so that both read the commit the same way; only
// `read` is needed here.
#[allow(dead_code)]
#[path = "../../crates/backupctl/build/git_commit.rs"]
mod git_commit;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use clap_complete::Shell;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The shells whose completions the archive carries.
pub const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// What `cargo xtask dist` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The cargo profile (`release` by default; `dev` for a quick check).
    pub profile: String,
    /// The target triple to build for (default: the host's).
    pub target: Option<String>,
    /// Where the archive goes (default: `<target dir>/dist`).
    pub out: Option<PathBuf>,
}

impl Options {
    /// Parses `[--profile P] [--target TRIPLE] [--out DIR]`.
    pub fn parse(args: &[&str]) -> Result<Options, String> {
        let mut options = Options {
            profile: "release".to_owned(),
            target: None,
            out: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .map(|v| (*v).to_owned())
                    .ok_or_else(|| format!("{arg} needs a value"))
            };
            match *arg {
                "--profile" => options.profile = value()?,
                "--target" => options.target = Some(value()?),
                "--out" => options.out = Some(PathBuf::from(value()?)),
                other => {
                    return Err(format!(
                        "unexpected argument {other:?}\nusage: cargo xtask dist [--profile P] [--target TRIPLE] [--out DIR]"
                    ));
                }
            }
        }
        for (name, value) in [
            ("--profile", Some(&options.profile)),
            ("--target", options.target.as_ref()),
        ] {
            if let Some(value) = value
                && (value.is_empty()
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            {
                return Err(format!("{name} {value:?} is not a profile or target name"));
            }
        }
        Ok(options)
    }
}

/// Builds the binary and writes the archive and its checksum; returns the archive's path.
pub fn run(root: &Path, options: &Options) -> Result<PathBuf, String> {
    let meta = crate::release::metadata(root)?;
    let version = package_version(&meta, "backupctl")?;
    let target_dir = meta
        .get("target_directory")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .ok_or("cargo metadata names no target_directory")?;
    let triple = match &options.target {
        Some(triple) => triple.clone(),
        None => host_triple()?,
    };
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| target_dir.join("dist"));

    let state = git_commit::read(root);
    let binary = build(root, options, &target_dir, state.commit.as_deref())?;

    let name = format!("backupctl-{version}-{triple}");
    let stage = out.join(&name);
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    }
    let man = stage.join("man").join("man1");
    let completions = stage.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let binary_name = if triple.contains("windows") {
        "backupctl.exe"
    } else {
        "backupctl"
    };
    copy(&binary, &stage.join(binary_name))?;
    copy(
        &root.join("crates/backupctl/README.md"),
        &stage.join("README.md"),
    )?;
    clap_mangen::generate_to(backupctl::cli::Cli::command(), &man)
        .map_err(|e| format!("man pages: {e}"))?;
    for shell in SHELLS {
        clap_complete::generate_to(
            shell,
            &mut backupctl::cli::Cli::command(),
            "backupctl",
            &completions,
        )
        .map_err(|e| format!("{shell} completions: {e}"))?;
    }

    let archive = out.join(format!("{name}.tar.gz"));
    write_archive(&stage, &name, &archive, source_date(root))?;
    let digest = sha256_file(&archive)?;
    let checksum = out.join(format!("{name}.tar.gz.sha256"));
    std::fs::write(&checksum, format!("{digest}  {name}.tar.gz\n"))
        .map_err(|e| format!("{}: {e}", checksum.display()))?;
    std::fs::remove_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    println!("{}", archive.display());
    println!("{}", checksum.display());
    Ok(archive)
}

fn package_version(meta: &Value, name: &str) -> Result<String, String> {
    meta.get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|p| p.get("version").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| format!("cargo metadata has no package {name}"))
}

/// The host's target triple, as rustc reports it.
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("could not run rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|host| host.trim().to_owned())
        .ok_or_else(|| "rustc -vV names no host".to_owned())
}

/// `cargo build --locked -p backupctl`; returns the binary's path.
fn build(
    root: &Path,
    options: &Options,
    target_dir: &Path,
    commit: Option<&str>,
) -> Result<PathBuf, String> {
    let mut cargo = crate::cargo();
    cargo
        .args(["build", "--locked", "-p", "backupctl", "--bin", "backupctl"])
        .args(["--profile", &options.profile])
        .current_dir(root)
        // Set even when empty: the build script then shows no commit rather than
        // reading a tree that may differ from the one read here.
        .env("BACKUPCTL_GIT_COMMIT", commit.unwrap_or(""));
    if let Some(target) = &options.target {
        cargo.args(["--target", target]);
    }
    eprintln!(
        "building backupctl ({} profile{}) ...",
        options.profile,
        options
            .target
            .as_ref()
            .map(|t| format!(", {t}"))
            .unwrap_or_default()
    );
    let status = cargo
        .status()
        .map_err(|e| format!("could not run cargo build: {e}"))?;
    if !status.success() {
        return Err("cargo build failed (see above)".into());
    }
    // The profile's output directory: `dev` and `test` build into `debug`, `release`
    // and `bench` into `release`, a custom profile into its own name.
    let profile_dir = match options.profile.as_str() {
        "dev" | "test" => "debug",
        "release" | "bench" => "release",
        other => other,
    };
    let mut dir = target_dir.to_path_buf();
    if let Some(target) = &options.target {
        dir.push(target);
    }
    dir.push(profile_dir);
    let exe = if options
        .target
        .as_deref()
        .unwrap_or(std::env::consts::OS)
        .contains("windows")
    {
        "backupctl.exe"
    } else {
        "backupctl"
    };
    let binary = dir.join(exe);
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!("cargo build made no {}", binary.display()))
    }
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("copy {} to {}: {e}", from.display(), to.display()))
}

/// The time stamped on every archive entry: `SOURCE_DATE_EPOCH`, else the commit's time,
/// else 0, so that the same tree gives the same archive.
fn source_date(root: &Path) -> u64 {
    if let Some(epoch) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return epoch;
    }
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["log", "-1", "--format=%ct"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(0)
}

/// A gzipped tar of `stage` under the top directory `name`: entries in name order, owned
/// by root, mode 0755 for directories and the binary and 0644 for the rest.
fn write_archive(stage: &Path, name: &str, archive: &Path, mtime: u64) -> Result<(), String> {
    let file = File::create(archive).map_err(|e| format!("{}: {e}", archive.display()))?;
    let gzip = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::best());
    let mut tar = tar::Builder::new(gzip);
    let mut entries = Vec::new();
    collect(stage, Path::new(name), &mut entries)?;
    entries.sort();
    for (path_in_archive, source) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        let is_binary = source.file_stem().is_some_and(|stem| stem == "backupctl")
            && source.parent() == Some(stage);
        if source.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            tar.append_data(&mut header, &path_in_archive, std::io::empty())
        } else {
            let data = std::fs::read(&source).map_err(|e| format!("{}: {e}", source.display()))?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(if is_binary { 0o755 } else { 0o644 });
            header.set_size(data.len() as u64);
            tar.append_data(&mut header, &path_in_archive, data.as_slice())
        }
        .map_err(|e| format!("{}: {e}", archive.display()))?;
    }
    let gzip = tar
        .into_inner()
        .map_err(|e| format!("{}: {e}", archive.display()))?;
    let mut writer = gzip
        .finish()
        .map_err(|e| format!("{}: {e}", archive.display()))?;
    writer
        .flush()
        .map_err(|e| format!("{}: {e}", archive.display()))
}

/// Every directory and file under `dir`, as (path in the archive, path on disk).
fn collect(dir: &Path, prefix: &Path, entries: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), String> {
    entries.push((prefix.to_path_buf(), dir.to_path_buf()));
    let listing = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in listing {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let inner = prefix.join(entry.file_name());
        if path.is_dir() {
            collect(&path, &inner, entries)?;
        } else {
            entries.push((inner, path));
        }
    }
    Ok(())
}

/// The SHA-256 of a file, in lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, String> {
    let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if read == 0 {
            break;
        }
        hasher.update(buffer.get(..read).unwrap_or_default());
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_default_to_a_release_build_and_refuse_odd_names() {
        assert_eq!(
            Options::parse(&[]),
            Ok(Options {
                profile: "release".into(),
                target: None,
                out: None
            })
        );
        assert_eq!(
            Options::parse(&[
                "--profile",
                "dev",
                "--out",
                "d",
                "--target",
                "x86_64-unknown-linux-musl"
            ]),
            Ok(Options {
                profile: "dev".into(),
                target: Some("x86_64-unknown-linux-musl".into()),
                out: Some(PathBuf::from("d"))
            })
        );
        assert!(Options::parse(&["--profile"]).is_err());
        assert!(Options::parse(&["--profile", "../x"]).is_err());
        assert!(Options::parse(&["--release"]).is_err());
    }
}
