//! `cargo xtask codegen [--check]`: Rust operation code from `crates/*/api/*.json`.
//!
//! The description format (a subset of OpenAPI 3.0 plus `x-` extensions) is documented in
//! `ARCHITECTURE.md, section API descriptions and generated operations`. Output is plain text built with `format!`, then formatted by
//! `rustfmt --edition 2024`. Everything that is iterated is sorted or in description order,
//! so two runs are byte-identical.

use crate::names::{bare, field_ident, pascal, screaming};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
        let g = generate_file(&desc)?;
        if !outputs.insert(g.output.clone()) {
            return Err(format!(
                "{}: output file {} is also generated from another description",
                desc.display(),
                g.output.display()
            ));
        }
        out.push(g);
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

/// Generates the code for one description file (`<crate>/api/<name>.json`).
pub fn generate_file(desc: &Path) -> Result<Generated, String> {
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
    let (output, source) = generate_source(&doc, &format!("api/{file_name}"))
        .map_err(|e| format!("{}: {e}", desc.display()))?;
    let contents = rustfmt(&source, crate_dir)?;
    Ok(Generated {
        description: desc.to_path_buf(),
        output: crate_dir.join(output),
        contents,
    })
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

// ---------------------------------------------------------------------------------------
// Model

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    String,
    I32,
    I64,
    F64,
    Bool,
    Json,
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Struct(String),
    Enum(String),
}

impl Ty {
    fn rust(&self) -> String {
        match self {
            Ty::String => "::std::string::String".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::F64 => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Json => "::serde_json::Value".into(),
            Ty::Vec(t) => format!("::std::vec::Vec<{}>", t.rust()),
            Ty::Map(t) => format!(
                "::std::collections::BTreeMap<::std::string::String, {}>",
                t.rust()
            ),
            Ty::Struct(n) | Ty::Enum(n) => n.clone(),
        }
    }

    /// The type a setter accepts (`impl Into<...>` for scalars and enums).
    fn setter_arg(&self) -> String {
        format!("impl ::std::convert::Into<{}>", self.rust())
    }

    /// Whether validating a value of this type does anything beyond explicit rules.
    fn needs_validation(&self) -> bool {
        match self {
            Ty::String | Ty::Struct(_) | Ty::Enum(_) => true,
            Ty::Vec(t) | Ty::Map(t) => t.needs_validation(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Rules {
    min_len: Option<u64>,
    max_len: Option<u64>,
    min: Option<f64>,
    max: Option<f64>,
    chars: Option<String>,
    min_items: Option<u64>,
    max_items: Option<u64>,
}

impl Rules {
    fn from_schema(s: &Value) -> Result<Rules, String> {
        let u = |k: &str| s.get(k).and_then(Value::as_u64);
        let f = |k: &str| s.get(k).and_then(Value::as_f64);
        if s.get("pattern").is_some() {
            return Err(
                "`pattern` is not supported; use `x-chars` (see ARCHITECTURE.md, section API descriptions and generated operations)".into(),
            );
        }
        if s.get("exclusiveMinimum").is_some() || s.get("exclusiveMaximum").is_some() {
            return Err("exclusiveMinimum/exclusiveMaximum are not supported".into());
        }
        Ok(Rules {
            min_len: u("minLength"),
            max_len: u("maxLength"),
            min: f("minimum"),
            max: f("maximum"),
            chars: s.get("x-chars").and_then(Value::as_str).map(str::to_owned),
            min_items: u("minItems"),
            max_items: u("maxItems"),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Path,
    Query,
    Form,
    Json,
    Member,
}

#[derive(Debug, Clone)]
struct Field {
    wire: String,
    ident: String,
    ty: Ty,
    required: bool,
    doc: String,
    secret: bool,
    rules: Rules,
    loc: Loc,
    /// A path parameter the client fills from its configuration when the caller leaves it
    /// unset (`x-client-supplied`): optional in `validate`, checked when given.
    client_supplied: bool,
}

#[derive(Debug, Clone)]
struct StructDef {
    name: String,
    doc: String,
    fields: Vec<Field>,
}

#[derive(Debug, Clone)]
struct EnumDef {
    name: String,
    doc: String,
    values: Vec<String>,
}

#[derive(Debug, Clone)]
enum TypeDef {
    Struct(StructDef),
    Enum(EnumDef),
    /// Being defined (recursion guard).
    Pending,
}

struct Op {
    id: String,
    method: String,
    path: String,
    doc: String,
    errors_doc: Vec<(String, String)>,
    idempotent: bool,
    creates_backup: bool,
    /// Whether an `x-secret` member is reachable from the inputs or the output.
    carries_secrets: bool,
    wrapper: Option<String>,
    params_in: &'static str,
    json_body: bool,
    fields: Vec<Field>,
    output_alias: Option<Ty>,
}

struct Gen<'a> {
    doc: &'a Value,
    types: BTreeMap<String, TypeDef>,
    /// The schema each type name was made from, to detect two different inline schemas
    /// that would get the same name.
    sources: BTreeMap<String, String>,
}

fn doc_of(v: &Value) -> String {
    let summary = v
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let description = v
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    match (summary.is_empty(), description.is_empty()) {
        (false, false) => format!("{summary}\n\n{description}"),
        (false, true) => summary.to_owned(),
        (true, false) => description.to_owned(),
        (true, true) => String::new(),
    }
}

fn sorted_keys(m: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys
}

impl<'a> Gen<'a> {
    fn component(&self, reference: &str) -> Result<(&'a Value, String), String> {
        let doc: &'a Value = self.doc;
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| {
                format!("unsupported $ref `{reference}` (only #/components/schemas/...)")
            })?;
        let schema = doc
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("$ref `{reference}` points nowhere"))?;
        Ok((schema, name.to_owned()))
    }

    /// Follows `$ref` to the schema it names (for reading rules and docs).
    fn deref(&self, schema: &'a Value) -> Result<&'a Value, String> {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => Ok(self.component(r)?.0),
            None => Ok(schema),
        }
    }

    /// The Rust type of `schema`, defining named structs and enums on the way.
    /// `suggested` names inline objects and enums (unless they carry `x-rust-name`).
    fn ty(&mut self, schema: &'a Value, suggested: &str) -> Result<Ty, String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return self.ref_ty(r);
        }
        let rust_name = schema
            .get("x-rust-name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| pascal(suggested));
        self.ty_named(schema, &rust_name)
    }

    /// The type of `#/components/schemas/<name>`: named by `x-rust-name` or the
    /// component's name in PascalCase.
    fn ref_ty(&mut self, reference: &str) -> Result<Ty, String> {
        let (target, name) = self.component(reference)?;
        let rust_name = target
            .get("x-rust-name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| pascal(&name));
        self.ty_named(target, &rust_name)
    }

    fn ty_named(&mut self, schema: &'a Value, name: &str) -> Result<Ty, String> {
        let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
            if schema.get("properties").is_some() {
                "object"
            } else {
                ""
            },
        );
        match kind {
            "string" if schema.get("enum").is_some() => {
                self.define_enum(schema, name)?;
                Ok(Ty::Enum(name.to_owned()))
            }
            "string" => Ok(Ty::String),
            "integer" => Ok(match schema.get("format").and_then(Value::as_str) {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            }),
            "number" => Ok(Ty::F64),
            "boolean" => Ok(Ty::Bool),
            "array" => {
                let items = schema
                    .get("items")
                    .ok_or_else(|| format!("array schema `{name}` has no `items`"))?;
                let item_name = name.strip_suffix("List").unwrap_or(name);
                let item_name = if item_name == name {
                    format!("{name}Item")
                } else {
                    item_name.to_owned()
                };
                Ok(Ty::Vec(Box::new(self.ty(items, &item_name)?)))
            }
            "object" if schema.get("properties").is_some() => {
                self.define_struct(schema, name)?;
                Ok(Ty::Struct(name.to_owned()))
            }
            "object" => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => {
                    Ok(Ty::Map(Box::new(self.ty(v, &format!("{name}Value"))?)))
                }
                _ => Ok(Ty::Json),
            },
            "" => Ok(Ty::Json),
            other => Err(format!("unsupported schema type `{other}` for `{name}`")),
        }
    }

    fn claim(&mut self, name: &str, schema: &Value) -> Result<bool, String> {
        let source = serde_json::to_string(schema).map_err(|e| e.to_string())?;
        match self.sources.get(name) {
            Some(existing) if *existing == source => Ok(false),
            Some(_) => Err(format!(
                "two different schemas would both be named `{name}`: give one an `x-rust-name` \
                 or move it to components/schemas"
            )),
            None => {
                self.sources.insert(name.to_owned(), source);
                self.types.insert(name.to_owned(), TypeDef::Pending);
                Ok(true)
            }
        }
    }

    fn define_enum(&mut self, schema: &Value, name: &str) -> Result<(), String> {
        if !self.claim(name, schema)? {
            return Ok(());
        }
        let mut values = Vec::new();
        for v in schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = v
                .as_str()
                .ok_or_else(|| format!("enum `{name}`: only string values are supported"))?;
            values.push(s.to_owned());
        }
        let mut variants = BTreeSet::new();
        for v in &values {
            let variant = pascal(v);
            if variant == "Unknown" || !variants.insert(variant.clone()) {
                return Err(format!(
                    "enum `{name}`: value `{v}` gives a duplicate variant `{variant}`"
                ));
            }
        }
        self.types.insert(
            name.to_owned(),
            TypeDef::Enum(EnumDef {
                name: name.to_owned(),
                doc: doc_of(schema),
                values,
            }),
        );
        Ok(())
    }

    fn define_struct(&mut self, schema: &'a Value, name: &str) -> Result<(), String> {
        if !self.claim(name, schema)? {
            return Ok(());
        }
        let fields = self.object_fields(schema, Loc::Member)?;
        self.types.insert(
            name.to_owned(),
            TypeDef::Struct(StructDef {
                name: name.to_owned(),
                doc: doc_of(schema),
                fields,
            }),
        );
        Ok(())
    }

    /// The members of an object schema, sorted by wire name.
    fn object_fields(&mut self, schema: &'a Value, loc: Loc) -> Result<Vec<Field>, String> {
        let schema = self.deref(schema)?;
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut fields = Vec::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for key in sorted_keys(props) {
                let prop = &props[key.as_str()];
                fields.push(self.field(key, prop, required.contains(key.as_str()), loc)?);
            }
        }
        Ok(fields)
    }

    fn field(
        &mut self,
        wire: &str,
        schema: &'a Value,
        required: bool,
        loc: Loc,
    ) -> Result<Field, String> {
        let ty = self.ty(schema, wire)?;
        let target = self.deref(schema)?;
        let mut rules = Rules::from_schema(schema).map_err(|e| format!("`{wire}`: {e}"))?;
        if schema.get("$ref").is_some() && !matches!(ty, Ty::Struct(_) | Ty::Enum(_)) {
            rules = Rules::from_schema(target).map_err(|e| format!("`{wire}`: {e}"))?;
        }
        if let (Ty::Vec(_), Some(items)) = (&ty, schema.get("items")) {
            // Item rules (lengths, x-chars) apply to each element.
            let item_rules = Rules::from_schema(self.deref(items)?)
                .map_err(|e| format!("`{wire}` items: {e}"))?;
            rules.min_len = item_rules.min_len;
            rules.max_len = item_rules.max_len;
            rules.min = item_rules.min;
            rules.max = item_rules.max;
            rules.chars = item_rules.chars;
        }
        if let Some(chars) = &rules.chars {
            char_ranges(chars).map_err(|e| format!("`{wire}`: {e}"))?;
        }
        let mut doc = doc_of(schema);
        if doc.is_empty()
            && schema.get("$ref").is_some()
            && !matches!(ty, Ty::Struct(_) | Ty::Enum(_))
        {
            doc = doc_of(target);
        }
        Ok(Field {
            wire: wire.to_owned(),
            ident: field_ident(wire),
            ty,
            required,
            doc,
            secret: schema
                .get("x-secret")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || target
                    .get("x-secret")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            rules,
            loc,
            client_supplied: false,
        })
    }

    /// Whether a value of `ty` can hold an `x-secret` member, at any depth. `seen` guards
    /// against recursive types.
    fn has_secret(&self, ty: &Ty, seen: &mut BTreeSet<String>) -> bool {
        match ty {
            Ty::Vec(inner) | Ty::Map(inner) => self.has_secret(inner, seen),
            Ty::Struct(name) => {
                if !seen.insert(name.clone()) {
                    return false;
                }
                match self.types.get(name) {
                    Some(TypeDef::Struct(s)) => s
                        .fields
                        .iter()
                        .any(|f| f.secret || self.has_secret(&f.ty, seen)),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn parameter(&self, p: &'a Value) -> Result<&'a Value, String> {
        let doc: &'a Value = self.doc;
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r
                    .strip_prefix("#/components/parameters/")
                    .ok_or_else(|| format!("unsupported parameter $ref `{r}`"))?;
                doc.pointer(&format!("/components/parameters/{name}"))
                    .ok_or_else(|| format!("parameter $ref `{r}` points nowhere"))
            }
            None => Ok(p),
        }
    }

    fn operation(&mut self, path: &str, method: &str, op: &'a Value) -> Result<Op, String> {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{method} {path}: missing operationId"))?
            .to_owned();
        let ctx = |e: String| format!("operation `{id}`: {e}");
        let mut fields = Vec::new();
        let mut has_query = false;
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = self.parameter(p).map_err(ctx)?;
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| ctx("a parameter has no name".into()))?;
            let loc = match p.get("in").and_then(Value::as_str) {
                Some("path") => Loc::Path,
                Some("query") => {
                    has_query = true;
                    Loc::Query
                }
                other => {
                    return Err(ctx(format!(
                        "parameter `{name}`: unsupported location {other:?}"
                    )));
                }
            };
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            if loc == Loc::Path && !required {
                return Err(ctx(format!("path parameter `{name}` must be required")));
            }
            let schema = p
                .get("schema")
                .ok_or_else(|| ctx(format!("parameter `{name}` has no schema")))?;
            let mut f = self.field(name, schema, required, loc).map_err(ctx)?;
            if f.doc.is_empty() {
                f.doc = doc_of(p);
            }
            if p.get("x-secret").and_then(Value::as_bool).unwrap_or(false) {
                f.secret = true;
            }
            match p.get("x-client-supplied") {
                None => {}
                Some(Value::Bool(supplied)) if loc == Loc::Path => f.client_supplied = *supplied,
                Some(Value::Bool(_)) => {
                    return Err(ctx(format!(
                        "parameter `{name}`: `x-client-supplied` is only for path parameters"
                    )));
                }
                Some(_) => {
                    return Err(ctx(format!(
                        "parameter `{name}`: `x-client-supplied` must be `true` or `false`"
                    )));
                }
            }
            check_param_type(&f).map_err(ctx)?;
            fields.push(f);
        }
        let mut params_in = if has_query { "Query" } else { "None" };
        let mut json_body = false;
        if let Some(body) = op.get("requestBody") {
            let content = body
                .get("content")
                .and_then(Value::as_object)
                .ok_or_else(|| ctx("requestBody has no content".into()))?;
            if content.len() != 1 {
                return Err(ctx("requestBody must have exactly one media type".into()));
            }
            let (media, m) = content
                .iter()
                .next()
                .ok_or_else(|| ctx("empty content".into()))?;
            let schema = m
                .get("schema")
                .ok_or_else(|| ctx("requestBody has no schema".into()))?;
            let loc = match media.as_str() {
                "application/json" => {
                    json_body = true;
                    Loc::Json
                }
                "application/x-www-form-urlencoded" => {
                    if has_query {
                        return Err(ctx(
                            "query parameters and a form body cannot be mixed".into()
                        ));
                    }
                    params_in = "Form";
                    Loc::Form
                }
                other => return Err(ctx(format!("unsupported media type `{other}`"))),
            };
            for f in self.object_fields(schema, loc).map_err(ctx)? {
                if loc == Loc::Form {
                    check_param_type(&f).map_err(ctx)?;
                }
                fields.push(f);
            }
        }
        let mut seen = BTreeSet::new();
        for f in &fields {
            if !seen.insert(f.ident.clone()) {
                return Err(ctx(format!("two inputs are both named `{}`", f.ident)));
            }
        }
        // Every placeholder must be a path parameter and vice versa.
        let placeholders: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
            .collect();
        let path_params: BTreeSet<String> = fields
            .iter()
            .filter(|f| f.loc == Loc::Path)
            .map(|f| f.wire.clone())
            .collect();
        if placeholders != path_params {
            return Err(ctx(format!(
                "path placeholders {placeholders:?} do not match path parameters {path_params:?}"
            )));
        }

        let prefix = pascal(&id);
        let mut output_alias = None;
        let mut errors_doc = Vec::new();
        let responses = op.get("responses").and_then(Value::as_object);
        let ok = responses.and_then(|r| r.get("200").or_else(|| r.get("201")));
        let ok_schema = ok.and_then(|r| r.pointer("/content/application~1json/schema"));
        let output_name = format!("{prefix}Output");
        match ok_schema {
            Some(s)
                if s.get("$ref").is_some()
                    || (s.get("type").and_then(Value::as_str) != Some("object")
                        && s.get("properties").is_none()) =>
            {
                output_alias = Some(self.ty(s, &format!("{prefix}OutputItem")).map_err(ctx)?);
            }
            Some(s) => {
                let mut s2 = s.clone();
                if let Some(o) = s2.as_object_mut() {
                    o.insert("x-rust-name".into(), Value::String(output_name.clone()));
                    if !o.contains_key("properties") {
                        o.insert("properties".into(), Value::Object(Map::new()));
                    }
                }
                let leaked: &'a Value = Box::leak(Box::new(s2));
                self.ty(leaked, &output_name).map_err(ctx)?;
            }
            None => {
                let empty: &'a Value = Box::leak(Box::new(serde_json::json!({
                    "type": "object",
                    "properties": {},
                    "description": format!("The output of `{id}`: the operation returns no data."),
                })));
                self.ty_named(empty, &output_name).map_err(ctx)?;
            }
        }
        if let Some(responses) = responses {
            for code in sorted_keys(responses) {
                if code == "200" || code == "201" {
                    continue;
                }
                let r = &responses[code.as_str()];
                let d = r
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim();
                let mut line = d.to_owned();
                if let Some(s) = r
                    .pointer("/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                {
                    let name = s.rsplit('/').next().unwrap_or(s);
                    let _ = write!(line, " (body: `{name}`)");
                }
                errors_doc.push((code.clone(), line));
            }
        }

        let default_idempotent = matches!(method, "get" | "put" | "delete" | "head");
        let wrapper = match op.get("x-ncp-envelope") {
            Some(Value::Bool(true)) => Some(format!("{id}Response")),
            Some(Value::String(s)) => Some(s.clone()),
            _ => op
                .get("x-response-wrapper")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        Ok(Op {
            doc: doc_of(op),
            errors_doc,
            idempotent: op
                .get("x-idempotent")
                .and_then(Value::as_bool)
                .unwrap_or(default_idempotent),
            creates_backup: op
                .get("x-creates-backup")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            carries_secrets: false,
            wrapper,
            params_in,
            json_body,
            fields,
            output_alias,
            method: method.to_owned(),
            path: path.to_owned(),
            id,
        })
    }
}

fn check_param_type(f: &Field) -> Result<(), String> {
    let scalar = |t: &Ty| {
        matches!(
            t,
            Ty::String | Ty::I32 | Ty::I64 | Ty::F64 | Ty::Bool | Ty::Enum(_)
        )
    };
    let ok = match &f.ty {
        Ty::Vec(inner) => f.loc != Loc::Path && scalar(inner),
        t => scalar(t),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "parameter `{}` must be a scalar, an enum or (outside the path) an array of those",
            f.wire
        ))
    }
}

/// Parses an `x-chars` class such as `A-Za-z0-9_-` into inclusive ranges. A `-` that is
/// first or last is literal.
fn char_ranges(class: &str) -> Result<Vec<(char, char)>, String> {
    let cs: Vec<char> = class.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if i + 2 < cs.len() && cs[i + 1] == '-' {
            if cs[i] > cs[i + 2] {
                return Err(format!(
                    "x-chars `{class}`: reversed range {}-{}",
                    cs[i],
                    cs[i + 2]
                ));
            }
            out.push((cs[i], cs[i + 2]));
            i += 3;
        } else {
            out.push((cs[i], cs[i]));
            i += 1;
        }
    }
    if out.is_empty() {
        return Err("x-chars must not be empty".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Emission

fn doc_lines(out: &mut String, doc: &str) {
    for line in doc.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn float_lit(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Generates the unformatted source and the output path of description `doc`.
pub fn generate_source(doc: &Value, source_name: &str) -> Result<(String, String), String> {
    let xr = doc.get("x-rust").ok_or("missing top-level `x-rust`")?;
    let client = xr
        .get("client")
        .and_then(Value::as_str)
        .ok_or("missing `x-rust.client` (the client type path, e.g. `crate::Client`)")?;
    let output = xr
        .get("output")
        .and_then(Value::as_str)
        .ok_or("missing `x-rust.output` (the generated file, relative to the crate)")?;
    let indexed = match xr.get("param-array-style").and_then(Value::as_str) {
        None | Some("repeated") => false,
        Some("indexed") => true,
        Some(other) => return Err(format!("unknown x-rust.param-array-style `{other}`")),
    };
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0") {
        return Err(format!("`openapi` must be 3.0.x, found {version:?}"));
    }

    let mut g = Gen {
        doc,
        types: BTreeMap::new(),
        sources: BTreeMap::new(),
    };
    let mut ops = Vec::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("missing `paths`")?;
    for path in sorted_keys(paths) {
        let item = paths[path.as_str()]
            .as_object()
            .ok_or_else(|| format!("path `{path}` is not an object"))?;
        for method in sorted_keys(item) {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                return Err(format!("path `{path}`: unsupported key `{method}`"));
            }
            ops.push(g.operation(path, method, &item[method.as_str()])?);
        }
    }
    // Components are generated even when no operation uses them (shared shapes).
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for name in sorted_keys(schemas) {
            g.ref_ty(&format!("#/components/schemas/{name}"))?;
        }
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

    let mut out = String::new();
    let _ = writeln!(
        out,
        "// @generated by `cargo xtask codegen` from {source_name}. Do not edit by hand."
    );
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let _ = writeln!(
        out,
        "//! Operations of {title}, generated from `{source_name}`."
    );
    if let Some(d) = doc.pointer("/info/description").and_then(Value::as_str) {
        out.push_str("//!\n");
        for line in d.trim().lines() {
            let _ = writeln!(out, "//! {line}");
        }
    }
    out.push_str("//!\n//! Do not edit: change the description and run `cargo xtask codegen`.\n\n");

    for op in &ops {
        emit_operation(&mut out, op, client, indexed);
    }
    for def in g.types.values() {
        match def {
            TypeDef::Struct(s) => emit_struct(&mut out, s),
            TypeDef::Enum(e) => emit_enum(&mut out, e),
            TypeDef::Pending => {}
        }
    }
    Ok((output.to_owned(), out))
}

const CORE: &str = "::backup_core";
const OPS: &str = "::backup_core::operation";

/// Validation statements for `value` (an expression of type `&T`) named by `name` (an
/// expression of type `&str`).
fn emit_checks(out: &mut String, ty: &Ty, rules: &Rules, required: bool, value: &str, name: &str) {
    match ty {
        Ty::String => {
            if required {
                let _ = writeln!(out, "{OPS}::non_empty({name}, {value})?;");
            }
            let _ = writeln!(out, "{OPS}::no_control_chars({name}, {value})?;");
            if rules.min_len.is_some() || rules.max_len.is_some() {
                let _ = writeln!(
                    out,
                    "{OPS}::length({name}, {value}, {:?}, {:?})?;",
                    rules.min_len.map(|v| v as usize),
                    rules.max_len.map(|v| v as usize)
                );
            }
            if let Some(class) = &rules.chars {
                let ranges: Vec<String> = char_ranges(class)
                    .unwrap_or_default()
                    .iter()
                    .map(|(a, b)| format!("({a:?}, {b:?})"))
                    .collect();
                let _ = writeln!(
                    out,
                    "{OPS}::allowed_chars({name}, {value}, &[{}], {})?;",
                    ranges.join(", "),
                    lit(class)
                );
            }
        }
        Ty::I32 | Ty::I64 => {
            if rules.min.is_some() || rules.max.is_some() {
                let v = if *ty == Ty::I32 {
                    format!("i64::from(*{value})")
                } else {
                    format!("*{value}")
                };
                let _ = writeln!(
                    out,
                    "{OPS}::range_i64({name}, {v}, {:?}, {:?})?;",
                    rules.min.map(|v| v as i64),
                    rules.max.map(|v| v as i64)
                );
            }
        }
        Ty::F64 => {
            if rules.min.is_some() || rules.max.is_some() {
                let _ = writeln!(
                    out,
                    "{OPS}::range_f64({name}, *{value}, {}, {})?;",
                    rules
                        .min
                        .map_or("None".into(), |v| format!("Some({})", float_lit(v))),
                    rules
                        .max
                        .map_or("None".into(), |v| format!("Some({})", float_lit(v)))
                );
            }
        }
        Ty::Struct(_) => {
            let _ = writeln!(out, "{value}.validate({name})?;");
        }
        Ty::Vec(inner) => {
            if rules.min_items.is_some() || rules.max_items.is_some() {
                let _ = writeln!(
                    out,
                    "{OPS}::item_count({name}, {value}.len(), {:?}, {:?})?;",
                    rules.min_items.map(|v| v as usize),
                    rules.max_items.map(|v| v as usize)
                );
            }
            let item_rules = Rules {
                min_items: None,
                max_items: None,
                ..rules.clone()
            };
            if inner.needs_validation() || item_rules.min.is_some() || item_rules.max.is_some() {
                let _ = writeln!(out, "for (i, item) in {value}.iter().enumerate() {{");
                let _ = writeln!(out, "let item_name = format!(\"{{}}[{{i}}]\", {name});");
                emit_checks(out, inner, &item_rules, false, "item", "&item_name");
                out.push_str("}\n");
            }
        }
        Ty::Map(inner) => {
            if inner.needs_validation() {
                let _ = writeln!(out, "for (key, item) in {value} {{");
                let _ = writeln!(out, "let item_name = {OPS}::field_path({name}, key);");
                emit_checks(out, inner, &Rules::default(), false, "item", "&item_name");
                out.push_str("}\n");
            }
        }
        Ty::Enum(enum_name) => {
            // A request carries only the values its description lists: never an
            // `Unknown`, whatever it holds, nor an empty one.
            let _ = writeln!(
                out,
                "{OPS}::listed_value({name}, {value}.as_str(), {enum_name}::VALUES)?;"
            );
        }
        Ty::Bool | Ty::Json => {}
    }
}

fn param_string(ty: &Ty, value: &str) -> String {
    match ty {
        Ty::String => format!("{value}.clone()"),
        Ty::Enum(_) => format!("{value}.as_str().to_owned()"),
        _ => format!("{value}.to_string()"),
    }
}

fn emit_debug(out: &mut String, name: &str, generics: &str, fields: &[Field], optional_all: bool) {
    let _ = writeln!(
        out,
        "impl{generics} ::std::fmt::Debug for {name}{generics} {{"
    );
    out.push_str("fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {\n");
    let _ = writeln!(out, "let mut d = f.debug_struct({});", lit(name));
    for field in fields {
        let ident = &field.ident;
        let label = lit(bare(ident));
        if field.secret {
            if optional_all || !field.required {
                let _ = writeln!(
                    out,
                    "d.field({label}, &self.{ident}.as_ref().map(|_| \"[redacted]\"));"
                );
            } else {
                let _ = writeln!(out, "d.field({label}, &\"[redacted]\");");
            }
        } else {
            let _ = writeln!(out, "d.field({label}, &self.{ident});");
        }
    }
    out.push_str("d.finish()\n}\n}\n\n");
}

fn emit_setters(out: &mut String, fields: &[Field], target: &str) {
    for f in fields {
        let ident = &f.ident;
        let base = bare(ident);
        let ty = f.ty.rust();
        let mut doc = if f.doc.is_empty() {
            format!("Sets `{}`.", f.wire)
        } else {
            f.doc.clone()
        };
        if f.client_supplied {
            doc.push_str(
                "\n\nOptional: when unset, the client fills it in from its configuration.",
            );
        } else if f.required {
            doc.push_str("\n\nRequired.");
        }
        if f.secret {
            doc.push_str("\n\nA secret: never shown by `Debug`.");
        }
        doc_lines(out, &doc);
        let _ = writeln!(
            out,
            "pub fn {ident}(mut self, value: {}) -> Self {{ self.{target}{ident} = ::std::option::Option::Some(value.into()); self }}",
            f.ty.setter_arg()
        );
        let _ = writeln!(out, "/// Sets or clears `{}`.", f.wire);
        let _ = writeln!(
            out,
            "pub fn set_{base}(mut self, value: ::std::option::Option<{ty}>) -> Self {{ self.{target}{ident} = value; self }}"
        );
    }
}

fn emit_operation(out: &mut String, op: &Op, client: &str, indexed: bool) {
    let p = pascal(&op.id);
    let method_ident = field_ident(&op.id);
    let spec = format!("{}_SPEC", screaming(&op.id));
    let input = format!("{p}Input");
    let fluent = format!("{p}FluentBuilder");
    let output = format!("{p}Output");
    let method = pascal(&op.method);
    let summary = op.doc.lines().next().unwrap_or("").to_owned();

    // The spec.
    let _ = writeln!(
        out,
        "/// The static description of `{}` (`{} {}`).",
        op.id,
        op.method.to_uppercase(),
        op.path
    );
    let info = if op.idempotent {
        "idempotent"
    } else {
        "non_idempotent"
    };
    let carrying = if op.carries_secrets {
        ".carrying_secrets()"
    } else {
        ""
    };
    let _ = write!(
        out,
        "pub static {spec}: {OPS}::OperationSpec = {OPS}::OperationSpec::new({CORE}::OperationInfo::{info}({}){carrying}, {CORE}::Method::{method}, {})",
        lit(&op.id),
        lit(&op.path)
    );
    if op.creates_backup {
        out.push_str(".with_creates_backup(true)");
    }
    if op.params_in != "None" {
        let _ = write!(out, ".with_params_in({OPS}::ParamsIn::{})", op.params_in);
    }
    if op.json_body {
        let _ = write!(out, ".with_body({OPS}::BodyKind::Json)");
    }
    if let Some(w) = &op.wrapper {
        let _ = write!(out, ".with_response_wrapper({})", lit(w));
    }
    out.push_str(";\n\n");

    // The output alias, if the response is a named type.
    if let Some(ty) = &op.output_alias {
        let _ = writeln!(out, "/// The output of `{}`.", op.id);
        let _ = writeln!(out, "pub type {output} = {};\n", ty.rust());
    }

    // The client method.
    let mut doc = if op.doc.is_empty() {
        format!("Calls `{}`.", op.id)
    } else {
        op.doc.clone()
    };
    let _ = write!(
        doc,
        "\n\n`{} {}`; {}{}. Set the input on the returned builder, then call `send()`.",
        op.method.to_uppercase(),
        op.path,
        if op.idempotent {
            "idempotent"
        } else {
            "not idempotent"
        },
        if op.creates_backup {
            "; starts a backup"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "impl {client} {{");
    doc_lines(out, &doc);
    let _ = writeln!(
        out,
        "pub fn {method_ident}(&self) -> {fluent} {{ {fluent} {{ client: ::std::clone::Clone::clone(self), input: {input}::default() }} }}\n}}\n"
    );

    // The input.
    let secret = op.fields.iter().any(|f| f.secret);
    let _ = writeln!(
        out,
        "/// The input of `{}`{}",
        op.id,
        if summary.is_empty() {
            ".".to_owned()
        } else {
            format!(": {summary}")
        }
    );
    out.push_str("///\n/// Every member is optional here; `validate` (run by `send`) rejects missing required ones.\n");
    let derives = if secret {
        "Clone, Default, PartialEq"
    } else {
        "Clone, Debug, Default, PartialEq"
    };
    let _ = writeln!(
        out,
        "#[derive({derives})]\n#[non_exhaustive]\npub struct {input} {{"
    );
    for f in &op.fields {
        let mut d = if f.doc.is_empty() {
            format!("`{}`.", f.wire)
        } else {
            f.doc.clone()
        };
        let where_ = match f.loc {
            Loc::Path => "path parameter",
            Loc::Query => "query parameter",
            Loc::Form => "form parameter",
            Loc::Json => "JSON body member",
            Loc::Member => "member",
        };
        let _ = write!(
            d,
            "\n\nSent as {where_} `{}`{}.",
            f.wire,
            if f.client_supplied {
                "; when unset, the client fills it in from its configuration"
            } else if f.required {
                "; required"
            } else {
                ""
            }
        );
        doc_lines(out, &d);
        let _ = writeln!(
            out,
            "pub {}: ::std::option::Option<{}>,",
            f.ident,
            f.ty.rust()
        );
    }
    out.push_str("}\n\n");
    if secret {
        emit_debug(out, &input, "", &op.fields, true);
    }

    let _ = writeln!(out, "impl {input} {{");
    out.push_str("/// Checks required members and constraints; nothing is sent when this fails.\n");
    out.push_str("pub fn validate(&self) -> ::std::result::Result<(), ::backup_core::Error> {\n");
    for f in &op.fields {
        let name = lit(&f.wire);
        if f.client_supplied {
            // The client fills a missing one after validation; one the caller gives is
            // checked like any required member (so not empty either).
            let mut inner = String::new();
            emit_checks(&mut inner, &f.ty, &f.rules, true, "value", name.as_str());
            if !inner.is_empty() {
                let _ = writeln!(
                    out,
                    "if let ::std::option::Option::Some(value) = &self.{} {{\n{inner}}}",
                    f.ident
                );
            }
        } else if f.required {
            let mut inner = String::new();
            emit_checks(&mut inner, &f.ty, &f.rules, true, "value", name.as_str());
            if inner.is_empty() {
                let _ = writeln!(out, "{OPS}::require({name}, self.{}.as_ref())?;", f.ident);
            } else {
                let _ = writeln!(
                    out,
                    "let value = {OPS}::require({name}, self.{}.as_ref())?;\n{inner}",
                    f.ident
                );
            }
        } else {
            let mut inner = String::new();
            emit_checks(&mut inner, &f.ty, &f.rules, false, "value", name.as_str());
            if !inner.is_empty() {
                let _ = writeln!(
                    out,
                    "if let ::std::option::Option::Some(value) = &self.{} {{\n{inner}}}",
                    f.ident
                );
            }
        }
    }
    out.push_str("Ok(())\n}\n\n");
    out.push_str("/// Validates the input and flattens it into the parts the client sends.\n");
    out.push_str("pub fn to_request_parts(&self) -> ::std::result::Result<::backup_core::operation::RequestParts, ::backup_core::Error> {\n");
    out.push_str("self.validate()?;\n");
    let mut_kw = if op.fields.is_empty() && !op.json_body {
        ""
    } else {
        "mut "
    };
    let _ = writeln!(out, "let {mut_kw}parts = {OPS}::RequestParts::new();");
    for f in op.fields.iter().filter(|f| f.loc == Loc::Path) {
        let _ = writeln!(
            out,
            "if let ::std::option::Option::Some(value) = &self.{} {{ parts.path_params.push(({}, {})); }}",
            f.ident,
            lit(&f.wire),
            param_string(&f.ty, "value")
        );
    }
    for f in op
        .fields
        .iter()
        .filter(|f| matches!(f.loc, Loc::Query | Loc::Form))
    {
        match &f.ty {
            Ty::Vec(inner) => {
                let _ = writeln!(
                    out,
                    "if let ::std::option::Option::Some(value) = &self.{} {{ {OPS}::push_array_param(&mut parts.params, {}, value.iter().map(|item| {}), {indexed}); }}",
                    f.ident,
                    lit(&f.wire),
                    param_string(inner, "item")
                );
            }
            ty => {
                let _ = writeln!(
                    out,
                    "if let ::std::option::Option::Some(value) = &self.{} {{ parts.params.push(({}.to_owned(), {})); }}",
                    f.ident,
                    lit(&f.wire),
                    param_string(ty, "value")
                );
            }
        }
    }
    if op.json_body {
        let body_fields: Vec<&Field> = op.fields.iter().filter(|f| f.loc == Loc::Json).collect();
        let kw = if body_fields.is_empty() { "" } else { "mut " };
        let _ = writeln!(out, "let {kw}body = ::serde_json::Map::new();");
        for f in body_fields {
            let _ = writeln!(
                out,
                "if let ::std::option::Option::Some(value) = &self.{} {{ body.insert({}.to_owned(), {OPS}::to_json({}, value)?); }}",
                f.ident,
                lit(&f.wire),
                lit(&f.wire)
            );
        }
        out.push_str(
            "parts.json_body = ::std::option::Option::Some(::serde_json::Value::Object(body));\n",
        );
    }
    out.push_str("Ok(parts)\n}\n}\n\n");

    // The fluent builder.
    let _ = writeln!(
        out,
        "/// Builds and sends `{}`: set the input, then call [`send`]({fluent}::send).",
        op.id
    );
    // The builder owns a clone of the client (a cheap handle), so `send()` borrows
    // nothing and its future can be spawned.
    out.push_str("#[must_use = \"nothing is sent until `send` is awaited\"]\n");
    let _ = writeln!(
        out,
        "pub struct {fluent} {{\nclient: {client},\ninput: {input},\n}}\n"
    );
    let _ = writeln!(out, "impl {fluent} {{");
    emit_setters(out, &op.fields, "input.");
    out.push_str("/// The input as built so far.\n");
    let _ = writeln!(out, "pub fn as_input(&self) -> &{input} {{ &self.input }}");
    out.push_str("/// Replaces the whole input.\n");
    let _ = writeln!(
        out,
        "pub fn with_input(mut self, input: {input}) -> Self {{ self.input = input; self }}"
    );
    let mut send_doc = format!(
        "Validates the input and sends `{}`.\n\n# Errors\n\n[`Error::InvalidInput`](::backup_core::Error::InvalidInput) before anything is sent when a required member is missing or empty, a string contains a control character, an enum member holds a value the description does not list, or a value breaks a constraint of the description; [`Error::UnparseableResponse`](::backup_core::Error::UnparseableResponse) when the answer lacks a member the description requires; otherwise whatever the client returns.",
        op.id
    );
    if !op.errors_doc.is_empty() {
        send_doc.push_str("\n\nError responses the description lists:\n");
        for (code, d) in &op.errors_doc {
            let _ = write!(send_doc, "\n- `{code}`: {d}");
        }
    }
    // `to_request` validates first, so bad input fails it exactly as it fails `send`.
    doc_lines(
        out,
        &format!(
            "What [`send`]({fluent}::send) would send, without sending it: method, URL, headers (credentials redacted) and body (secrets redacted); the signature is added when sent.\n\n# Errors\n\nThe same [`Error::InvalidInput`](::backup_core::Error::InvalidInput) `send` returns for bad input, or an error of the client's request building."
        ),
    );
    let _ = writeln!(
        out,
        "pub fn to_request(&self) -> ::std::result::Result<{CORE}::PreparedRequest, ::backup_core::Error> {{\nlet parts = self.input.to_request_parts()?;\n{OPS}::Invoke::to_request(&self.client, &{spec}, parts)\n}}"
    );
    doc_lines(out, &send_doc);
    let _ = writeln!(
        out,
        "pub async fn send(self) -> ::std::result::Result<{output}, ::backup_core::Error> {{\nlet parts = self.input.to_request_parts()?;\n{OPS}::Invoke::invoke::<{output}>(&self.client, &{spec}, parts).await\n}}\n}}\n"
    );
}

fn emit_struct(out: &mut String, s: &StructDef) {
    let name = &s.name;
    let secret = s.fields.iter().any(|f| f.secret);
    let doc = if s.doc.is_empty() {
        format!("`{name}`.")
    } else {
        s.doc.clone()
    };
    doc_lines(out, &doc);
    let derives = if secret { "" } else { "Debug, " };
    // No container-level `#[serde(default)]`: optional members default one by one, and a
    // required member that is absent (or `null`) is an error naming it, so that an empty
    // answer never decodes into a value with empty required members.
    let _ = writeln!(
        out,
        "#[derive(Clone, {derives}Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]\n#[non_exhaustive]\npub struct {name} {{"
    );
    for f in &s.fields {
        let mut d = if f.doc.is_empty() {
            format!("`{}`.", f.wire)
        } else {
            f.doc.clone()
        };
        if f.secret {
            d.push_str("\n\nA secret: never shown by `Debug`.");
        }
        doc_lines(out, &d);
        let ty = if f.required {
            f.ty.rust()
        } else {
            format!("::std::option::Option<{}>", f.ty.rust())
        };
        let attributes = if f.required {
            format!(
                "deserialize_with = \"{name}::{}\"",
                required_deserializer(f)
            )
        } else {
            "default, skip_serializing_if = \"::std::option::Option::is_none\", deserialize_with = \"::backup_core::operation::de::lenient\"".to_owned()
        };
        let _ = writeln!(
            out,
            "#[serde(rename = {}, {attributes})]\npub {}: {ty},",
            lit(&f.wire),
            f.ident
        );
    }
    out.push_str("}\n\n");
    let required: Vec<&Field> = s.fields.iter().filter(|f| f.required).collect();
    if !required.is_empty() {
        let _ = writeln!(out, "impl {name} {{");
        for f in required {
            let _ = writeln!(
                out,
                "fn {}<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<{}, D::Error> {{ {OPS}::de::required(deserializer, {}) }}",
                required_deserializer(f),
                f.ty.rust(),
                lit(&f.wire)
            );
        }
        out.push_str("}\n\n");
    }
    if secret {
        emit_debug(out, name, "", &s.fields, false);
    }
    let _ = writeln!(
        out,
        "impl {OPS}::de::Lenient for {name} {{\nfn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{ <Self as ::serde::Deserialize>::deserialize(deserializer) }}\n}}\n"
    );
    let builder = format!("{name}Builder");
    let _ = writeln!(out, "impl {name} {{");
    let _ = writeln!(out, "/// Starts building a [`{name}`].");
    let _ = writeln!(
        out,
        "pub fn builder() -> {builder} {{ {builder}::default() }}\n"
    );
    out.push_str("/// Checks constraints of the description; `path` names this value in errors.\n");
    let mut body = String::new();
    for f in &s.fields {
        let mut inner = String::new();
        emit_checks(&mut inner, &f.ty, &f.rules, f.required, "value", "&name");
        if inner.is_empty() {
            continue;
        }
        let name_line = format!("let name = {OPS}::field_path(path, {});\n", lit(&f.wire));
        if f.required {
            let _ = write!(
                body,
                "{{\nlet value = &self.{};\n{name_line}{inner}}}\n",
                f.ident
            );
        } else {
            let _ = write!(
                body,
                "if let ::std::option::Option::Some(value) = &self.{} {{\n{name_line}{inner}}}\n",
                f.ident
            );
        }
    }
    let path_var = if body.is_empty() { "_path" } else { "path" };
    let _ = writeln!(
        out,
        "pub fn validate(&self, {path_var}: &str) -> ::std::result::Result<(), ::backup_core::Error> {{"
    );
    out.push_str(&body);
    out.push_str("Ok(())\n}\n}\n\n");

    let _ = writeln!(out, "/// Builder for [`{name}`].");
    let derives = if secret {
        "Clone, Default"
    } else {
        "Clone, Debug, Default"
    };
    let _ = writeln!(out, "#[derive({derives})]\npub struct {builder} {{");
    for f in &s.fields {
        let _ = writeln!(out, "{}: ::std::option::Option<{}>,", f.ident, f.ty.rust());
    }
    out.push_str("}\n\n");
    if secret {
        emit_debug(out, &builder, "", &s.fields, true);
    }
    let _ = writeln!(out, "impl {builder} {{");
    emit_setters(out, &s.fields, "");
    let _ = writeln!(
        out,
        "/// Builds the [`{name}`].\n///\n/// # Errors\n///\n/// [`Error::InvalidInput`](::backup_core::Error::InvalidInput) when a required member is missing."
    );
    let _ = writeln!(
        out,
        "pub fn build(self) -> ::std::result::Result<{name}, ::backup_core::Error> {{"
    );
    let _ = writeln!(out, "Ok({name} {{");
    for f in &s.fields {
        if f.required {
            let _ = writeln!(
                out,
                "{}: self.{}.ok_or_else(|| ::backup_core::Error::invalid_input({}, \"is required\"))?,",
                f.ident,
                f.ident,
                lit(&f.wire)
            );
        } else {
            let _ = writeln!(out, "{}: self.{},", f.ident, f.ident);
        }
    }
    out.push_str("})\n}\n}\n\n");
}

/// The private function a required member deserializes with: `backup_core::operation::de::required` with the
/// member's wire name, which serde's `deserialize_with` cannot pass itself.
fn required_deserializer(f: &Field) -> String {
    format!("deserialize_required_{}", bare(&f.ident))
}

fn emit_enum(out: &mut String, e: &EnumDef) {
    let name = &e.name;
    let doc = if e.doc.is_empty() {
        format!("`{name}`.")
    } else {
        e.doc.clone()
    };
    doc_lines(out, &doc);
    out.push_str("///\n/// Values this version does not know are kept in `Unknown`, so new vendor values never break parsing.\n/// A request holding a value the description does not list (an `Unknown` one, or an empty one) is\n/// refused before anything is sent.\n");
    let _ = writeln!(
        out,
        "#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[non_exhaustive]\npub enum {name} {{"
    );
    for v in &e.values {
        let _ = writeln!(out, "/// `{v}`\n{},", pascal(v));
    }
    out.push_str("/// A value the description does not list, kept as sent.\nUnknown(::std::string::String),\n}\n\n");
    let list: Vec<String> = e.values.iter().map(|v| lit(v)).collect();
    let _ = writeln!(out, "impl {name} {{");
    out.push_str("/// Every value the description lists, in its order.\n");
    let _ = writeln!(
        out,
        "pub const VALUES: &'static [&'static str] = &[{}];\n",
        list.join(", ")
    );
    out.push_str(
        "/// The value as sent on the wire.\npub fn as_str(&self) -> &str {\nmatch self {\n",
    );
    for v in &e.values {
        let _ = writeln!(out, "Self::{} => {},", pascal(v), lit(v));
    }
    out.push_str("Self::Unknown(value) => value,\n}\n}\n}\n\n");
    let _ = writeln!(
        out,
        "impl ::std::convert::From<&str> for {name} {{\nfn from(value: &str) -> Self {{\nmatch value {{"
    );
    for v in &e.values {
        let _ = writeln!(out, "{} => Self::{},", lit(v), pascal(v));
    }
    out.push_str("other => Self::Unknown(other.to_owned()),\n}\n}\n}\n\n");
    let _ = writeln!(
        out,
        "impl ::std::convert::From<::std::string::String> for {name} {{\nfn from(value: ::std::string::String) -> Self {{ Self::from(value.as_str()) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl ::std::str::FromStr for {name} {{\ntype Err = ::std::convert::Infallible;\nfn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {{ Ok(Self::from(value)) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl ::std::fmt::Display for {name} {{\nfn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{ f.write_str(self.as_str()) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "/// An empty `Unknown` value, used when a lenient parse finds nothing.\nimpl ::std::default::Default for {name} {{\nfn default() -> Self {{ Self::Unknown(::std::string::String::new()) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl ::serde::Serialize for {name} {{\nfn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {{ serializer.serialize_str(self.as_str()) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl<'de> ::serde::Deserialize<'de> for {name} {{\nfn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{\nlet value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;\nOk(Self::from(value))\n}}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl {OPS}::de::Lenient for {name} {{\nfn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{\n<::std::string::String as {OPS}::de::Lenient>::deserialize_lenient(deserializer).map(Self::from)\n}}\n}}\n"
    );
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
        for rel in ["api/fixture.json", "src/generated.rs"] {
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
            err.contains("crates/codegen-fixture/src/generated.rs"),
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
                "x-rust": {"client": "crate::Client", "output": "src/g.rs"},
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
    fn client_supplied_is_only_for_path_parameters() {
        let doc = |param: serde_json::Value| {
            serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "x-rust": {"client": "crate::Client", "output": "src/g.rs"},
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
