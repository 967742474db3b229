//! What the operation and the type emitters share: doc comments, literals, the
//! validation calls of a value, `Debug` that hides secrets, and setters.

use std::fmt::Write as _;

use super::check::char_ranges;
use super::ir::{Field, Rules, Ty};
use crate::names::bare;

pub(super) fn doc_lines(out: &mut String, doc: &str) {
    for line in doc.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

pub(super) fn lit(s: &str) -> String {
    format!("{s:?}")
}

pub(super) fn float_lit(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

pub(super) const CORE: &str = "::backup_core";
pub(super) const OPS: &str = "::backup_core::operation";

/// Validation statements for `value` (an expression of type `&T`) named by `name` (an
/// expression of type `FieldPath`, written out only when a check fails; a `&str` will do
/// for a value with no members or items).
pub(super) fn emit_checks(
    out: &mut String,
    ty: &Ty,
    rules: &Rules,
    required: bool,
    value: &str,
    name: &str,
) {
    match ty {
        Ty::String => {
            if required {
                let _ = writeln!(out, "{OPS}::non_empty({name}, {value})?;");
            }
            let _ = writeln!(out, "{OPS}::no_control_chars({name}, {value})?;");
            push_bounds_check(
                out,
                "length",
                name,
                value,
                rules.min_len.map(|v| v as usize),
                rules.max_len.map(|v| v as usize),
            );
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
            let v = if *ty == Ty::I32 {
                format!("i64::from(*{value})")
            } else {
                format!("*{value}")
            };
            push_bounds_check(
                out,
                "range_i64",
                name,
                &v,
                rules.min.map(|v| v as i64),
                rules.max.map(|v| v as i64),
            );
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
            let _ = writeln!(out, "{value}.validate_at(&{name})?;");
        }
        Ty::Vec(inner) => {
            push_bounds_check(
                out,
                "item_count",
                name,
                &format!("{value}.len()"),
                rules.min_items.map(|v| v as usize),
                rules.max_items.map(|v| v as usize),
            );
            let item_rules = Rules {
                min_items: None,
                max_items: None,
                ..rules.clone()
            };
            if inner.needs_validation() || item_rules.min.is_some() || item_rules.max.is_some() {
                let _ = writeln!(out, "for (i, item) in {value}.iter().enumerate() {{");
                let _ = writeln!(out, "let item_name = {name}.index(i);");
                emit_checks(out, inner, &item_rules, false, "item", "item_name");
                out.push_str("}\n");
            }
        }
        Ty::Map(inner) => {
            if inner.needs_validation() {
                let _ = writeln!(out, "for (key, item) in {value} {{");
                let _ = writeln!(out, "let item_name = {name}.member(key);");
                emit_checks(out, inner, &Rules::default(), false, "item", "item_name");
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

/// Writes `{OPS}::{check}(name, value, min, max)?;` when the description sets either bound:
/// the one shape of the length, range and item-count checks.
fn push_bounds_check<T: std::fmt::Debug>(
    out: &mut String,
    check: &str,
    name: &str,
    value: &str,
    min: Option<T>,
    max: Option<T>,
) {
    if min.is_some() || max.is_some() {
        let _ = writeln!(out, "{OPS}::{check}({name}, {value}, {min:?}, {max:?})?;");
    }
}

pub(super) fn param_string(ty: &Ty, value: &str) -> String {
    match ty {
        Ty::String => format!("{value}.clone()"),
        Ty::Enum(_) => format!("{value}.as_str().to_owned()"),
        _ => format!("{value}.to_string()"),
    }
}

pub(super) fn emit_debug(
    out: &mut String,
    name: &str,
    generics: &str,
    fields: &[Field],
    optional_all: bool,
) {
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

pub(super) fn emit_setters(out: &mut String, fields: &[Field], target: &str) {
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
