//! The operation half of the generated code: per operation its spec static, the client
//! method, the input with `validate` and `to_request_parts`, and the fluent builder.

use std::fmt::Write as _;

use super::emit::{CORE, OPS, doc_lines, emit_checks, emit_debug, emit_setters, lit, param_string};
use super::ir::{Field, Loc, Op, Ty};
use crate::names::{field_ident, pascal, screaming};

/// Emits `op`'s spec, client method, input and fluent builder into `out`, and its output
/// alias (when the output is a named type) into `types`.
pub(super) fn emit_operation(
    out: &mut String,
    types: &mut String,
    op: &Op,
    client: &str,
    indexed: bool,
) {
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
        "pub(crate) static {spec}: {OPS}::OperationSpec = {OPS}::OperationSpec::new({CORE}::OperationInfo::{info}({}){carrying}, {CORE}::Method::{method}, {})",
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
        let _ = writeln!(types, "/// The output of `{}`.", op.id);
        let _ = writeln!(types, "pub type {output} = {};\n", ty.rust());
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
        // Nested checks name their values through a `FieldPath`, written out only when one
        // fails; a scalar's checks take the member's name as it is.
        let nested = matches!(f.ty, Ty::Struct(_) | Ty::Vec(_) | Ty::Map(_));
        let path_line = if nested {
            format!("let name = {OPS}::FieldPath::new({name});\n")
        } else {
            String::new()
        };
        let name_expr = if nested { "name" } else { name.as_str() };
        if f.client_supplied {
            // The client fills a missing one after validation; one the caller gives is
            // checked like any required member (so not empty either).
            let mut inner = String::new();
            emit_checks(&mut inner, &f.ty, &f.rules, true, "value", name_expr);
            if !inner.is_empty() {
                let _ = writeln!(
                    out,
                    "if let ::std::option::Option::Some(value) = &self.{} {{\n{path_line}{inner}}}",
                    f.ident
                );
            }
        } else if f.required {
            let mut inner = String::new();
            emit_checks(&mut inner, &f.ty, &f.rules, true, "value", name_expr);
            if inner.is_empty() {
                let _ = writeln!(out, "{OPS}::require({name}, self.{}.as_ref())?;", f.ident);
            } else {
                let _ = writeln!(
                    out,
                    "let value = {OPS}::require({name}, self.{}.as_ref())?;\n{path_line}{inner}",
                    f.ident
                );
            }
        } else {
            let mut inner = String::new();
            emit_checks(&mut inner, &f.ty, &f.rules, false, "value", name_expr);
            if !inner.is_empty() {
                let _ = writeln!(
                    out,
                    "if let ::std::option::Option::Some(value) = &self.{} {{\n{path_line}{inner}}}",
                    f.ident
                );
            }
        }
    }
    if let Some(check) = &op.rust_check {
        // What the description cannot state, checked on the typed input like the rest.
        let _ = writeln!(out, "crate::checks::{check}(self)?;");
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
        let mut body_fields: Vec<&Field> =
            op.fields.iter().filter(|f| f.loc == Loc::Json).collect();
        // Sorted by wire name, as the map this body was built in before was: the bytes on
        // the wire (and the signatures over them) stay what they were.
        body_fields.sort_by(|a, b| a.wire.cmp(&b.wire));
        let kw = if body_fields.is_empty() { "" } else { "mut " };
        let _ = writeln!(out, "let {kw}body = {OPS}::JsonObjectWriter::new();");
        for f in body_fields {
            // Whether the member is secret-named is known now: the writer registers its
            // secrets as it writes them, and nothing reads the body back to find them.
            let _ = writeln!(
                out,
                "if let ::std::option::Option::Some(value) = &self.{} {{ body.member_with_secrecy({}, {}, value)?; }}",
                f.ident,
                lit(&f.wire),
                f.secret_named()
            );
        }
        out.push_str("parts.json_body = ::std::option::Option::Some(body.finish());\n");
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
