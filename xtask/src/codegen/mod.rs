//! `cargo xtask codegen [--check]`: Rust operation code from `crates/*/api/*.json`.
//!
//! The description format (a subset of OpenAPI 3.0 plus `x-` extensions) is documented in
//! `docs/api-descriptions.md`. Output is plain text built with `format!`, then formatted by
//! `rustfmt --edition 2024`. Everything that is iterated is sorted or in description order,
//! so two runs are byte-identical.
//!
//! The pipeline, one module per stage: [`model`] reads the JSON into typed structs,
//! [`resolve`] turns them into the intermediate form of [`ir`] (Rust types, fields,
//! operations), refusing what the format does not support with [`check`]; then
//! [`emit_operation`](mod@emit_operation) and [`emit_types`](mod@emit_types) write the two generated files, sharing [`emit`](mod@emit).

mod check;
mod emit;
mod emit_operation;
mod emit_types;
mod ir;
mod model;
mod resolve;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::names::pascal;
use emit_operation::emit_operation;
use emit_types::{emit_enum, emit_struct};
use ir::{Loc, Ty, TypeDef};
use model::{Description, Operation};
use resolve::Gen;

/// The hint printed when generated code is stale.
pub const STALE_HINT: &str = "run `cargo xtask codegen` and commit the result";

/// One generated file: where it goes and what it must contain.
#[derive(Debug)]
pub struct Generated {
    /// The description it comes from.
    pub description: PathBuf,
    /// The output file.
    pub output: PathBuf,
    /// The formatted contents.
    pub contents: String,
}

/// Every `crates/*/api/*.json` under `root`, sorted.
pub fn find_descriptions(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let crates = root.join("crates");
    let entries = std::fs::read_dir(&crates).map_err(|e| format!("{}: {e}", crates.display()))?;
    for entry in entries.flatten() {
        let api = entry.path().join("api");
        let Ok(files) = std::fs::read_dir(&api) else {
            continue;
        };
        for file in files.flatten() {
            let p = file.path();
            if p.extension().is_some_and(|e| e == "json") {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Generates the code of every description under `root`.
pub fn generate_all(root: &Path) -> Result<Vec<Generated>, String> {
    let mut out = Vec::new();
    let mut outputs = BTreeSet::new();
    for desc in find_descriptions(root)? {
        for g in generate_file(&desc)? {
            if !outputs.insert(g.output.clone()) {
                return Err(format!(
                    "{}: output file {} is also generated from another description",
                    desc.display(),
                    g.output.display()
                ));
            }
            out.push(g);
        }
    }
    Ok(out)
}

/// Writes (or, with `check`, compares) every generated file. With `check`, the error names
/// each stale file and says which command to run.
pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let generated = generate_all(root)?;
    let mut stale = Vec::new();
    for g in &generated {
        let current = std::fs::read_to_string(&g.output)
            .ok()
            .map(|s| s.replace("\r\n", "\n"));
        if current.as_deref() == Some(g.contents.as_str()) {
            continue;
        }
        if check {
            stale.push(format!(
                "{} is not up to date with {}",
                rel(root, &g.output),
                rel(root, &g.description)
            ));
        } else {
            if let Some(dir) = g.output.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&g.output, &g.contents)
                .map_err(|e| format!("{}: {e}", g.output.display()))?;
            eprintln!("wrote {}", rel(root, &g.output));
        }
    }
    if stale.is_empty() {
        if check {
            eprintln!("{} generated file(s) up to date", generated.len());
        }
        Ok(())
    } else {
        Err(format!("{}\n{STALE_HINT}", stale.join("\n")))
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// Generates the code for one description file (`<crate>/api/<name>.json`): the files of
/// its module folder (`mod.rs`, `operation.rs`, `types.rs`).
pub fn generate_file(desc: &Path) -> Result<Vec<Generated>, String> {
    let text = std::fs::read_to_string(desc).map_err(|e| format!("{}: {e}", desc.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid JSON: {e}", desc.display()))?;
    let crate_dir = desc
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{}: not in a crate's api/ directory", desc.display()))?;
    let file_name = desc
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (folder, files) = generate_source(&doc, &format!("api/{file_name}"))
        .map_err(|e| format!("{}: {e}", desc.display()))?;
    files
        .into_iter()
        .map(|(name, source)| {
            Ok(Generated {
                description: desc.to_path_buf(),
                output: crate_dir.join(&folder).join(name),
                contents: rustfmt(&source, crate_dir)?,
            })
        })
        .collect()
}

/// Formats `source` with `rustfmt --edition 2024`, run in `dir` so the workspace's
/// rustfmt configuration (if any) applies as it does for `cargo fmt`.
pub fn rustfmt(source: &str, dir: &Path) -> Result<String, String> {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2024"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run rustfmt: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(source.as_bytes())
            .map_err(|e| format!("writing to rustfmt: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt rejected the generated code (a generator bug):\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt output is not UTF-8: {e}"))
}

/// One generated file before formatting: its name in the module folder and its source.
type SourceFile = (&'static str, String);

/// Generates the unformatted files of description `doc`: the module folder (relative to the
/// crate) and each file's name and source. Operations (specs, client methods, inputs,
/// fluent builders) and types (structs, enums, outputs) go to separate files, so a reader
/// of either sees one concern; `mod.rs` re-exports both.
pub fn generate_source(
    doc: &Value,
    source_name: &str,
) -> Result<(String, Vec<SourceFile>), String> {
    // Read leniently (see `model`), so a description is refused only for what the
    // generator refuses, with its own message.
    let desc: Description =
        serde_json::from_value(doc.clone()).map_err(|e| format!("invalid description: {e}"))?;
    let xr = desc.x_rust.as_ref().ok_or("missing top-level `x-rust`")?;
    let client = xr
        .client
        .as_deref()
        .ok_or("missing `x-rust.client` (the client type path, e.g. `crate::Client`)")?;
    let output = xr
        .output
        .as_deref()
        .ok_or("missing `x-rust.output` (the generated module's folder, relative to the crate)")?;
    if output.ends_with(".rs") {
        return Err(format!(
            "`x-rust.output` names the generated module's folder (e.g. `src/generated`), not a file: `{output}`"
        ));
    }
    let indexed = match xr.param_array_style.as_deref() {
        None | Some("repeated") => false,
        Some("indexed") => true,
        Some(other) => return Err(format!("unknown x-rust.param-array-style `{other}`")),
    };
    let version = desc.openapi.as_deref().unwrap_or("");
    if !version.starts_with("3.0") {
        return Err(format!("`openapi` must be 3.0.x, found {version:?}"));
    }

    let mut g = Gen::new(&desc.components);
    let mut ops = Vec::new();
    let paths = desc.paths.as_ref().ok_or("missing `paths`")?;
    for (path, item) in paths {
        let item = item
            .as_object()
            .ok_or_else(|| format!("path `{path}` is not an object"))?;
        let mut methods: Vec<&String> = item.keys().collect();
        methods.sort();
        for method in methods {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                return Err(format!("path `{path}`: unsupported key `{method}`"));
            }
            let op: Operation = serde_json::from_value(item[method.as_str()].clone())
                .map_err(|e| format!("{method} {path}: invalid operation: {e}"))?;
            ops.push(g.operation(path, method, &op)?);
        }
    }
    // Components are generated even when no operation uses them (shared shapes).
    for name in desc.components.schemas.keys() {
        g.ref_ty(&format!("#/components/schemas/{name}"))?;
    }
    ops.sort_by(|a, b| a.id.cmp(&b.id));
    for op in &mut ops {
        let output = op
            .output_alias
            .clone()
            .unwrap_or_else(|| Ty::Struct(format!("{}Output", pascal(&op.id))));
        op.carries_secrets = op
            .fields
            .iter()
            .any(|f| f.secret || g.has_secret(&f.ty, &mut BTreeSet::new()))
            || g.has_secret(&output, &mut BTreeSet::new());
    }
    let mut names = BTreeSet::new();
    for op in &ops {
        let p = pascal(&op.id);
        for n in [format!("{p}Input"), format!("{p}FluentBuilder")] {
            if g.types.contains_key(&n) || !names.insert(n.clone()) {
                return Err(format!("generated name `{n}` is used twice"));
            }
        }
    }

    let header = format!(
        "// @generated by `cargo xtask codegen` from {source_name}. Do not edit by hand.\n"
    );
    let title = desc.info.title.as_deref().unwrap_or("API");

    let mut module = header.clone();
    let _ = writeln!(
        module,
        "//! Operations of {title}, generated from `{source_name}`."
    );
    if let Some(d) = &desc.info.description {
        module.push_str("//!\n");
        for line in d.trim().lines() {
            let _ = writeln!(module, "//! {line}");
        }
    }
    module.push_str(
        "//!\n//! Do not edit: change the description and run `cargo xtask codegen`.\n\n",
    );
    module.push_str(
        "pub mod operation;\npub mod types;\n\npub use operation::*;\npub use types::*;\n",
    );

    let mut operations = header.clone();
    let _ = writeln!(
        operations,
        "//! The operations of {title}: their specs, the client methods, inputs and fluent builders.\n"
    );
    operations.push_str("use super::types::*;\n\n");
    let mut types = header;
    let _ = writeln!(
        types,
        "//! The types of {title}: structs, enums and operation outputs.\n"
    );
    for op in &ops {
        emit_operation(&mut operations, &mut types, op, client, indexed);
    }
    // Only the types a request body can hold are written by `JsonObjectWriter`, so only they
    // get a `CollectSecrets` impl: output-only types stay as small as they were.
    let mut written_in_bodies = BTreeSet::new();
    for op in &ops {
        for f in op.fields.iter().filter(|f| f.loc == Loc::Json) {
            g.named_types_in(&f.ty, &mut written_in_bodies);
        }
    }
    for (name, def) in &g.types {
        let written = written_in_bodies.contains(name);
        match def {
            TypeDef::Struct(s) => emit_struct(&mut types, s, written),
            TypeDef::Enum(e) => emit_enum(&mut types, e, written),
            TypeDef::Pending => {}
        }
    }
    Ok((
        output.to_owned(),
        vec![
            ("mod.rs", module),
            ("operation.rs", operations),
            ("types.rs", types),
        ],
    ))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        crate::workspace_root()
    }

    /// The same check as `cargo xtask codegen --check`, so `cargo test --workspace` fails
    /// on stale generated code.
    #[test]
    fn generated_code_is_up_to_date() {
        if let Err(e) = run(&root(), true) {
            panic!("generated code is stale:\n{e}");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let a = generate_all(&root()).expect("generate");
        let b = generate_all(&root()).expect("generate");
        assert!(!a.is_empty());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.output, y.output);
            assert!(
                x.contents == y.contents,
                "{} differs between runs",
                x.output.display()
            );
        }
    }

    fn temp_copy() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xtask-codegen-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let src = root().join("crates/codegen-fixture");
        let dst = dir.join("crates/codegen-fixture");
        for rel in [
            "api/fixture.json",
            "src/generated/mod.rs",
            "src/generated/operation.rs",
            "src/generated/types.rs",
        ] {
            std::fs::create_dir_all(dst.join(rel).parent().unwrap()).unwrap();
            std::fs::copy(src.join(rel), dst.join(rel)).unwrap();
        }
        dir
    }

    #[test]
    fn stale_code_fails_the_check_with_the_command_to_run() {
        let dir = temp_copy();
        run(&dir, true).expect("an unmodified copy is up to date");
        let desc = dir.join("crates/codegen-fixture/api/fixture.json");
        let text = std::fs::read_to_string(&desc).unwrap();
        std::fs::write(
            &desc,
            text.replace("Deletes one backup.", "Deletes a backup."),
        )
        .unwrap();
        let err = run(&dir, true).expect_err("stale");
        assert!(
            err.contains("crates/codegen-fixture/src/generated/operation.rs"),
            "{err}"
        );
        assert!(
            err.contains("run `cargo xtask codegen` and commit the result"),
            "{err}"
        );
        // Regenerating fixes it.
        run(&dir, false).expect("regenerate");
        run(&dir, true).expect("fresh");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn gen_err(doc: serde_json::Value) -> String {
        generate_source(&doc, "api/t.json").expect_err("should be rejected")
    }

    #[test]
    fn unsupported_descriptions_are_rejected_with_a_reason() {
        let base = |paths: serde_json::Value| {
            serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "x-rust": {"client": "crate::Client", "output": "src/g"},
                "paths": paths
            })
        };
        let e = gen_err(base(
            serde_json::json!({"/a/{id}": {"get": {"operationId": "a", "responses": {}}}}),
        ));
        assert!(e.contains("placeholders"), "{e}");
        let e = gen_err(base(
            serde_json::json!({"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "h", "in": "header", "schema": {"type": "string"}}], "responses": {}}}}),
        ));
        assert!(e.contains("unsupported location"), "{e}");
        let e = gen_err(base(
            serde_json::json!({"/a": {"get": {"operationId": "a", "parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^a$"}}], "responses": {}}}}),
        ));
        assert!(e.contains("x-chars"), "{e}");
        let e = gen_err(base(serde_json::json!({"/a": {"get": {"responses": {}}}})));
        assert!(e.contains("operationId"), "{e}");
    }

    #[test]
    fn unknown_extensions_are_ignored_except_in_a_path_item() {
        let doc = |extension_at: &str| {
            let mut doc = serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1", "x-logo": "l"},
                "x-rust": {"client": "crate::Client", "output": "src/g"},
                "x-top": 1,
                "paths": {"/a/{id}": {"get": {
                    "operationId": "a",
                    "x-op": true,
                    "parameters": [{"name": "id", "in": "path", "required": true,
                        "x-param": "p", "schema": {"type": "string", "x-schema": [1]}}],
                    "responses": {"200": {"description": "ok", "x-response": {}}}
                }}}
            });
            if extension_at == "path item" {
                doc["paths"]["/a/{id}"]["x-item"] = serde_json::json!(true);
            }
            doc
        };
        generate_source(&doc("operation"), "api/t.json").expect("x- keys are ignored");
        let e = gen_err(doc("path item"));
        assert!(e.contains("unsupported key `x-item`"), "{e}");
    }

    #[test]
    fn a_rust_check_is_called_last_by_validate_and_must_be_a_plain_name() {
        let doc = |check: &str| {
            serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "x-rust": {"client": "crate::Client", "output": "src/g"},
                "paths": {"/a": {"get": {"operationId": "a", "x-rust-check": check,
                    "parameters": [{"name": "q", "in": "query", "required": true,
                        "schema": {"type": "string", "minLength": 1}}],
                    "responses": {}}}}
            })
        };
        let (_, files) = generate_source(&doc("only_on_weekdays"), "api/t.json").expect("generate");
        let operation = files
            .iter()
            .find(|(name, _)| name.ends_with("operation.rs"))
            .map(|(_, text)| text.as_str())
            .expect("operation.rs");
        let validate = operation
            .split("pub fn validate(&self)")
            .nth(1)
            .and_then(|rest| rest.split("pub fn to_request_parts").next())
            .expect("a validate method");
        let check = validate
            .find("crate::checks::only_on_weekdays(self)?;")
            .expect("the check is called");
        let length = validate
            .find("length(")
            .expect("the description's own check");
        assert!(
            length < check,
            "the description's checks come first:\n{validate}"
        );
        for bad in ["", "Checks", "a::b", "x(); y", "1st"] {
            let e = gen_err(doc(bad));
            assert!(e.contains("x-rust-check"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn client_supplied_is_only_for_path_parameters() {
        let doc = |param: serde_json::Value| {
            serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "x-rust": {"client": "crate::Client", "output": "src/g"},
                "paths": {"/a": {"get": {"operationId": "a", "parameters": [param], "responses": {}}}}
            })
        };
        let e = gen_err(doc(serde_json::json!(
            {"name": "q", "in": "query", "x-client-supplied": true, "schema": {"type": "string"}}
        )));
        assert!(e.contains("only for path parameters"), "{e}");
        let e = gen_err(doc(serde_json::json!(
            {"name": "q", "in": "query", "x-client-supplied": "yes", "schema": {"type": "string"}}
        )));
        assert!(e.contains("`true` or `false`"), "{e}");
    }
}
