//! From the typed description to the generator's intermediate form: Rust types for
//! schemas (naming inline objects and enums on the way), fields with their rules, and one
//! [`Op`] per operation. Every rejection of a construct the format does not support is
//! made here or in [`check`](super::check), with a message naming where it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::check::{char_ranges, check_param_type, rules, rust_check_name};
use super::ir::{EnumDef, Field, Loc, Op, StructDef, Ty, TypeDef};
use super::model::{Components, Operation, Parameter, Schema, doc_text};
use crate::names::{field_ident, pascal};

/// The state of one description's resolution.
pub(super) struct Gen<'a> {
    pub(super) components: &'a Components,
    /// Every named type, by Rust name.
    pub(super) types: BTreeMap<String, TypeDef>,
    /// The schema each type name was made from, to detect two different inline schemas
    /// that would get the same name.
    sources: BTreeMap<String, Schema>,
}

fn schema_doc(s: &Schema) -> String {
    doc_text(s.summary.as_deref(), s.description.as_deref())
}

impl<'a> Gen<'a> {
    pub(super) fn new(components: &'a Components) -> Self {
        Self {
            components,
            types: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    fn component(&self, reference: &str) -> Result<(&'a Schema, String), String> {
        let components: &'a Components = self.components;
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| {
                format!("unsupported $ref `{reference}` (only #/components/schemas/...)")
            })?;
        let schema = components
            .schemas
            .get(name)
            .ok_or_else(|| format!("$ref `{reference}` points nowhere"))?;
        Ok((schema, name.to_owned()))
    }

    /// Follows `$ref` to the schema it names (for reading rules and docs).
    fn deref<'s>(&self, schema: &'s Schema) -> Result<&'s Schema, String>
    where
        'a: 's,
    {
        match &schema.reference {
            Some(r) => Ok(self.component(r)?.0),
            None => Ok(schema),
        }
    }

    /// The Rust type of `schema`, defining named structs and enums on the way.
    /// `suggested` names inline objects and enums (unless they carry `x-rust-name`).
    fn ty(&mut self, schema: &Schema, suggested: &str) -> Result<Ty, String> {
        if let Some(r) = &schema.reference {
            return self.ref_ty(r);
        }
        let rust_name = schema
            .x_rust_name
            .clone()
            .unwrap_or_else(|| pascal(suggested));
        self.ty_named(schema, &rust_name)
    }

    /// The type of `#/components/schemas/<name>`: named by `x-rust-name` or the
    /// component's name in PascalCase.
    pub(super) fn ref_ty(&mut self, reference: &str) -> Result<Ty, String> {
        let (target, name) = self.component(reference)?;
        let rust_name = target.x_rust_name.clone().unwrap_or_else(|| pascal(&name));
        self.ty_named(target, &rust_name)
    }

    fn ty_named(&mut self, schema: &Schema, name: &str) -> Result<Ty, String> {
        // A schema with properties but no type is an object (common in vendor documents).
        let kind = schema
            .kind
            .as_deref()
            .unwrap_or(if schema.properties.is_some() {
                "object"
            } else {
                ""
            });
        match kind {
            "string" if schema.values.is_some() => {
                self.define_enum(schema, name)?;
                Ok(Ty::Enum(name.to_owned()))
            }
            "string" => Ok(Ty::String),
            "integer" => Ok(match schema.format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            }),
            "number" => Ok(Ty::F64),
            "boolean" => Ok(Ty::Bool),
            "array" => {
                let items = schema
                    .items
                    .as_deref()
                    .ok_or_else(|| format!("array schema `{name}` has no `items`"))?;
                let item_name = name.strip_suffix("List").unwrap_or(name);
                let item_name = if item_name == name {
                    format!("{name}Item")
                } else {
                    item_name.to_owned()
                };
                Ok(Ty::Vec(Box::new(self.ty(items, &item_name)?)))
            }
            "object" if schema.properties.is_some() => {
                self.define_struct(schema, name)?;
                Ok(Ty::Struct(name.to_owned()))
            }
            "object" => match &schema.additional_properties {
                Some(values) => Ok(Ty::Map(Box::new(self.ty(values, &format!("{name}Value"))?))),
                None => Ok(Ty::Json),
            },
            "" => Ok(Ty::Json),
            other => Err(format!("unsupported schema type `{other}` for `{name}`")),
        }
    }

    /// Reserves `name` for `schema`: false when the same schema already has it (nothing
    /// to define again), an error when a different one does.
    fn claim(&mut self, name: &str, schema: &Schema) -> Result<bool, String> {
        match self.sources.get(name) {
            Some(existing) if existing == schema => Ok(false),
            Some(_) => Err(format!(
                "two different schemas would both be named `{name}`: give one an `x-rust-name` \
                 or move it to components/schemas"
            )),
            None => {
                self.sources.insert(name.to_owned(), schema.clone());
                self.types.insert(name.to_owned(), TypeDef::Pending);
                Ok(true)
            }
        }
    }

    fn define_enum(&mut self, schema: &Schema, name: &str) -> Result<(), String> {
        if !self.claim(name, schema)? {
            return Ok(());
        }
        let mut values = Vec::new();
        for v in schema.values.iter().filter_map(|v| v.as_array()).flatten() {
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
                doc: schema_doc(schema),
                values,
            }),
        );
        Ok(())
    }

    fn define_struct(&mut self, schema: &Schema, name: &str) -> Result<(), String> {
        if !self.claim(name, schema)? {
            return Ok(());
        }
        let fields = self.object_fields(schema, Loc::Member)?;
        self.types.insert(
            name.to_owned(),
            TypeDef::Struct(StructDef {
                name: name.to_owned(),
                doc: schema_doc(schema),
                fields,
            }),
        );
        Ok(())
    }

    /// The members of an object schema, sorted by wire name.
    fn object_fields(&mut self, schema: &Schema, loc: Loc) -> Result<Vec<Field>, String> {
        let schema = self.deref(schema)?;
        let required: BTreeSet<&str> = schema.required.iter().map(String::as_str).collect();
        let mut fields = Vec::new();
        for (key, prop) in schema.properties.iter().flatten() {
            fields.push(self.field(key, prop, required.contains(key.as_str()), loc)?);
        }
        Ok(fields)
    }

    fn field(
        &mut self,
        wire: &str,
        schema: &Schema,
        required: bool,
        loc: Loc,
    ) -> Result<Field, String> {
        let ty = self.ty(schema, wire)?;
        let target = self.deref(schema)?;
        let mut field_rules = rules(schema).map_err(|e| format!("`{wire}`: {e}"))?;
        // A `$ref` to a scalar carries its rules in the component.
        if schema.reference.is_some() && !matches!(ty, Ty::Struct(_) | Ty::Enum(_)) {
            field_rules = rules(target).map_err(|e| format!("`{wire}`: {e}"))?;
        }
        if let (Ty::Vec(_), Some(items)) = (&ty, &schema.items) {
            // Item rules (lengths, x-chars) apply to each element.
            let item_rules =
                rules(self.deref(items)?).map_err(|e| format!("`{wire}` items: {e}"))?;
            field_rules.min_len = item_rules.min_len;
            field_rules.max_len = item_rules.max_len;
            field_rules.min = item_rules.min;
            field_rules.max = item_rules.max;
            field_rules.chars = item_rules.chars;
        }
        if let Some(chars) = &field_rules.chars {
            char_ranges(chars).map_err(|e| format!("`{wire}`: {e}"))?;
        }
        let mut doc = schema_doc(schema);
        if doc.is_empty()
            && schema.reference.is_some()
            && !matches!(ty, Ty::Struct(_) | Ty::Enum(_))
        {
            doc = schema_doc(target);
        }
        Ok(Field {
            wire: wire.to_owned(),
            ident: field_ident(wire),
            ty,
            required,
            doc,
            secret: schema.x_secret.unwrap_or(false) || target.x_secret.unwrap_or(false),
            rules: field_rules,
            loc,
            client_supplied: false,
        })
    }

    /// Whether a value of `ty` can hold an `x-secret` member, at any depth. `seen` guards
    /// against recursive types.
    pub(super) fn has_secret(&self, ty: &Ty, seen: &mut BTreeSet<String>) -> bool {
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

    /// Adds to `names` every struct and enum a value of `ty` can hold, at any depth.
    pub(super) fn named_types_in(&self, ty: &Ty, names: &mut BTreeSet<String>) {
        match ty {
            Ty::Vec(inner) | Ty::Map(inner) => self.named_types_in(inner, names),
            Ty::Struct(name) => {
                if names.insert(name.clone())
                    && let Some(TypeDef::Struct(s)) = self.types.get(name)
                {
                    for f in &s.fields {
                        self.named_types_in(&f.ty, names);
                    }
                }
            }
            Ty::Enum(name) => {
                names.insert(name.clone());
            }
            _ => {}
        }
    }

    /// `p` itself, or the `components/parameters` entry it refers to.
    fn parameter<'p>(&self, p: &'p Parameter) -> Result<&'p Parameter, String>
    where
        'a: 'p,
    {
        match &p.reference {
            Some(r) => {
                let name = r
                    .strip_prefix("#/components/parameters/")
                    .ok_or_else(|| format!("unsupported parameter $ref `{r}`"))?;
                self.components
                    .parameters
                    .get(name)
                    .ok_or_else(|| format!("parameter $ref `{r}` points nowhere"))
            }
            None => Ok(p),
        }
    }

    pub(super) fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &Operation,
    ) -> Result<Op, String> {
        let id = op
            .operation_id
            .clone()
            .ok_or_else(|| format!("{method} {path}: missing operationId"))?;
        let ctx = |e: String| format!("operation `{id}`: {e}");
        let mut fields = Vec::new();
        let mut has_query = false;
        for p in &op.parameters {
            let p = self.parameter(p).map_err(ctx)?;
            let name = p
                .name
                .as_deref()
                .ok_or_else(|| ctx("a parameter has no name".into()))?;
            let loc = match p.location.as_deref() {
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
            let required = p.required.unwrap_or(false);
            if loc == Loc::Path && !required {
                return Err(ctx(format!("path parameter `{name}` must be required")));
            }
            let schema = p
                .schema
                .as_ref()
                .ok_or_else(|| ctx(format!("parameter `{name}` has no schema")))?;
            let mut f = self.field(name, schema, required, loc).map_err(ctx)?;
            if f.doc.is_empty() {
                f.doc = doc_text(p.summary.as_deref(), p.description.as_deref());
            }
            if p.x_secret.unwrap_or(false) {
                f.secret = true;
            }
            match &p.x_client_supplied {
                None => {}
                Some(serde_json::Value::Bool(supplied)) if loc == Loc::Path => {
                    f.client_supplied = *supplied;
                }
                Some(serde_json::Value::Bool(_)) => {
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
        if let Some(body) = &op.request_body {
            let content = body
                .content
                .as_ref()
                .ok_or_else(|| ctx("requestBody has no content".into()))?;
            if content.len() != 1 {
                return Err(ctx("requestBody must have exactly one media type".into()));
            }
            let (media, m) = content
                .iter()
                .next()
                .ok_or_else(|| ctx("empty content".into()))?;
            let schema = m
                .schema
                .as_ref()
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
        let ok = op
            .responses
            .as_ref()
            .and_then(|r| r.get("200").or_else(|| r.get("201")));
        let output_name = format!("{prefix}Output");
        match ok.and_then(|r| r.json_schema()) {
            // A named or non-object output is an alias of that type.
            Some(s)
                if s.reference.is_some()
                    || (s.kind.as_deref() != Some("object") && s.properties.is_none()) =>
            {
                output_alias = Some(self.ty(s, &format!("{prefix}OutputItem")).map_err(ctx)?);
            }
            // An inline object is the `<Op>Output` struct itself.
            Some(s) => {
                let mut output = s.clone();
                output.x_rust_name = Some(output_name.clone());
                output.properties.get_or_insert_with(BTreeMap::new);
                self.ty(&output, &output_name).map_err(ctx)?;
            }
            None => {
                let empty = Schema {
                    kind: Some("object".into()),
                    properties: Some(BTreeMap::new()),
                    description: Some(format!(
                        "The output of `{id}`: the operation returns no data."
                    )),
                    ..Schema::default()
                };
                self.ty_named(&empty, &output_name).map_err(ctx)?;
            }
        }
        for (code, r) in op.responses.iter().flatten() {
            if code == "200" || code == "201" {
                continue;
            }
            let mut line = r.description.as_deref().unwrap_or("").trim().to_owned();
            if let Some(s) = r.json_schema().and_then(|s| s.reference.as_deref()) {
                let name = s.rsplit('/').next().unwrap_or(s);
                let _ = write!(line, " (body: `{name}`)");
            }
            errors_doc.push((code.clone(), line));
        }

        let default_idempotent = matches!(method, "get" | "put" | "delete" | "head");
        let wrapper = match &op.x_ncp_envelope {
            Some(serde_json::Value::Bool(true)) => Some(format!("{id}Response")),
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => op.x_response_wrapper.clone(),
        };
        let rust_check = op
            .x_rust_check
            .as_deref()
            .map(rust_check_name)
            .transpose()
            .map_err(ctx)?;
        Ok(Op {
            doc: doc_text(op.summary.as_deref(), op.description.as_deref()),
            rust_check,
            errors_doc,
            idempotent: op.x_idempotent.unwrap_or(default_idempotent),
            creates_backup: op.x_creates_backup.unwrap_or(false),
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
