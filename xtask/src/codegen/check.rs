//! The constructs the format refuses, and the checks on what it accepts: rules of a
//! schema (no `pattern`, no exclusive bounds), parameter types, `x-chars` classes.

use super::ir::{Field, Loc, Rules, Ty};
use super::model::Schema;

/// The validation rules of `s`; fails on the keywords the generator does not support, so
/// that a constraint is never silently dropped.
pub(super) fn rules(s: &Schema) -> Result<Rules, String> {
    if s.pattern.is_some() {
        return Err(
            "`pattern` is not supported; use `x-chars` (see docs/api-descriptions.md)".into(),
        );
    }
    if s.exclusive_minimum.is_some() || s.exclusive_maximum.is_some() {
        return Err("exclusiveMinimum/exclusiveMaximum are not supported".into());
    }
    Ok(Rules {
        min_len: s.min_length,
        max_len: s.max_length,
        min: s.minimum,
        max: s.maximum,
        chars: s.x_chars.clone(),
        min_items: s.min_items,
        max_items: s.max_items,
    })
}

pub(super) fn check_param_type(f: &Field) -> Result<(), String> {
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
pub(super) fn char_ranges(class: &str) -> Result<Vec<(char, char)>, String> {
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

/// An `x-rust-check` value: the name of a function in the vendor crate's `checks` module, a
/// snake-case Rust identifier (it is written into the generated code as it is).
pub(super) fn rust_check_name(name: &str) -> Result<String, String> {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if starts_well && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "x-rust-check `{name}` must name a function of the crate's `checks` module in snake case"
        ))
    }
}
