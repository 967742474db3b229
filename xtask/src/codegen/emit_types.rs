//! The type half of the generated code: structs (serde, lenient members, builders,
//! `validate`) and enums (listed values plus `Unknown`).

use std::fmt::Write as _;

use super::emit::{OPS, doc_lines, emit_checks, emit_debug, emit_setters, lit};
use super::ir::{EnumDef, Field, StructDef};
use crate::names::{bare, pascal};

/// Emits struct `s`; with `written_in_bodies`, also its `CollectSecrets` impl (see
/// [`emit_collect_secrets`]).
pub(super) fn emit_struct(out: &mut String, s: &StructDef, written_in_bodies: bool) {
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
    if written_in_bodies {
        emit_collect_secrets(out, s);
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
    let mut body = String::new();
    for f in &s.fields {
        let mut inner = String::new();
        emit_checks(&mut inner, &f.ty, &f.rules, f.required, "value", "name");
        if inner.is_empty() {
            continue;
        }
        let name_line = format!("let name = path.member({});\n", lit(&f.wire));
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
    out.push_str("/// Checks constraints of the description; `path` names this value in errors.\n");
    let _ = writeln!(
        out,
        "pub fn validate(&self, path: &str) -> ::std::result::Result<(), ::backup_core::Error> {{ self.validate_at(&{OPS}::FieldPath::new(path)) }}\n"
    );
    out.push_str("/// Checks constraints of the description; `path` names this value in errors and is\n/// written out only when a check fails.\n");
    let _ = writeln!(
        out,
        "pub fn validate_at(&self, {path_var}: &{OPS}::FieldPath<'_>) -> ::std::result::Result<(), ::backup_core::Error> {{"
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

/// `CollectSecrets` for struct `s`: in the order serde writes the members (declaration
/// order), each member that can hold a secret registers it, told whether the member is
/// secret-named, as decided at generation time ([`Field::secret_named`]). Whether the
/// member holding the struct is secret-named does not matter: like the walk over written
/// JSON (`Secrets::add_json_body`), an object decides member by member.
fn emit_collect_secrets(out: &mut String, s: &StructDef) {
    let mut calls = String::new();
    for f in &s.fields {
        let secret_named = f.secret_named();
        if f.ty.may_hold_secrets(secret_named) {
            let _ = writeln!(
                calls,
                "{OPS}::CollectSecrets::collect_secrets(&self.{}, {secret_named}, secrets);",
                f.ident
            );
        }
    }
    let secrets = if calls.is_empty() {
        "_secrets"
    } else {
        "secrets"
    };
    let _ = writeln!(
        out,
        "impl {OPS}::CollectSecrets for {} {{\nfn collect_secrets(&self, _secret_named: bool, {secrets}: &mut ::backup_core::redact::BodySecrets) {{\n{calls}}}\n}}\n",
        s.name
    );
}

/// The private function a required member deserializes with: `backup_core::operation::de::required` with the
/// member's wire name, which serde's `deserialize_with` cannot pass itself.
pub(super) fn required_deserializer(f: &Field) -> String {
    format!("deserialize_required_{}", bare(&f.ident))
}

/// Emits enum `e`; with `written_in_bodies`, also its `CollectSecrets` impl (a value is
/// written as its string).
pub(super) fn emit_enum(out: &mut String, e: &EnumDef, written_in_bodies: bool) {
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
    if written_in_bodies {
        let _ = writeln!(
            out,
            "impl {OPS}::CollectSecrets for {name} {{\nfn collect_secrets(&self, secret_named: bool, secrets: &mut ::backup_core::redact::BodySecrets) {{ {OPS}::CollectSecrets::collect_secrets(self.as_str(), secret_named, secrets) }}\n}}\n"
        );
    }
    let _ = writeln!(
        out,
        "impl {OPS}::de::Lenient for {name} {{\nfn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{\n<::std::string::String as {OPS}::de::Lenient>::deserialize_lenient(deserializer).map(Self::from)\n}}\n}}\n"
    );
}
