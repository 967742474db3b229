//! `cargo xtask dist --profile dev` (quick, the same steps as a release): the archive holds
//! the binary, which runs and shows its version, the man pages and the bash, zsh and fish
//! completions of the real grammar, and its `.sha256` is right.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

fn host_triple() -> String {
    let out = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn dist_packs_the_binary_man_pages_and_completions_with_a_checksum() {
    let out =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["dist", "--profile", "dev", "--out"])
        .arg(&out)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .unwrap();
    assert!(status.success(), "cargo xtask dist failed");

    let version = env!("CARGO_PKG_VERSION");
    let name = format!("backupctl-{version}-{}", host_triple());
    let archive = out.join(format!("{name}.tar.gz"));
    let bytes = std::fs::read(&archive).unwrap();

    // The checksum file is `sha256sum` format, and right.
    let checksum = std::fs::read_to_string(out.join(format!("{name}.tar.gz.sha256"))).unwrap();
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(checksum, format!("{expected}  {name}.tar.gz\n"));

    // Every entry under one top directory, with its mode.
    let mut entries: BTreeMap<String, (u32, Vec<u8>)> = BTreeMap::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_str().unwrap().to_owned();
        let mode = entry.header().mode().unwrap();
        assert_eq!(entry.header().uid().unwrap(), 0, "{path}");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        assert!(
            path == name || path.starts_with(&format!("{name}/")),
            "{path} is outside {name}/"
        );
        entries.insert(path, (mode, data));
    }
    let file = |relative: &str| -> &(u32, Vec<u8>) {
        entries
            .get(&format!("{name}/{relative}"))
            .unwrap_or_else(|| panic!("no {relative} in {:?}", entries.keys()))
    };
    let text = |relative: &str| String::from_utf8(file(relative).1.clone()).unwrap();

    // The binary: executable, and it runs.
    let (mode, binary) = file("backupctl");
    assert_eq!(mode & 0o777, 0o755);
    let extracted = out.join("backupctl-extracted");
    std::fs::write(&extracted, binary).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&extracted, std::fs::Permissions::from_mode(0o755)).unwrap();
        let shown = Command::new(&extracted).arg("--version").output().unwrap();
        let shown = String::from_utf8(shown.stdout).unwrap();
        assert!(
            shown.starts_with(&format!("backupctl {version}")),
            "{shown}"
        );
    }

    assert!(text("README.md").contains("# backupctl"));

    // Man pages: the top one and one per command, from the real grammar.
    let top = text("man/man1/backupctl.1");
    assert!(top.contains(".TH backupctl 1"), "{top}");
    assert!(top.contains("plan"), "{top}");
    let plan_run = text("man/man1/backupctl-plan-run.1");
    assert!(plan_run.contains("shard"), "{plan_run}");
    assert_eq!(file("man/man1/backupctl.1").0 & 0o777, 0o644);

    // Completions for bash, zsh and fish, knowing the real options.
    let bash = text("completions/backupctl.bash");
    assert!(bash.contains("complete -F _backupctl"), "{bash}");
    assert!(bash.contains("--shard"));
    let zsh = text("completions/_backupctl");
    assert!(zsh.starts_with("#compdef backupctl"), "{zsh}");
    let fish = text("completions/backupctl.fish");
    assert!(fish.contains("complete -c backupctl"), "{fish}");
    assert!(fish.contains("-l shard"), "{fish}");

    let _ = std::fs::remove_dir_all(&out);
}
