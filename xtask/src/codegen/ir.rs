//! The generator's intermediate form, between the typed description and the emitted
//! Rust: types, fields with their validation rules, and operations.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ty {
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
    pub(super) fn rust(&self) -> String {
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
    pub(super) fn setter_arg(&self) -> String {
        format!("impl ::std::convert::Into<{}>", self.rust())
    }

    /// Whether writing a value of this type into a JSON body can register a secret, under a
    /// member that is (`secret_named`) or is not secret-named: a scalar only under a
    /// secret-named member, an object, map or `Value` always (each of their members decides
    /// from its own name), never a bool. Members for which this is false get no
    /// `collect_secrets` call at all.
    pub(super) fn may_hold_secrets(&self, secret_named: bool) -> bool {
        match self {
            Ty::Bool => false,
            Ty::Struct(_) | Ty::Map(_) | Ty::Json => true,
            Ty::Vec(inner) => inner.may_hold_secrets(secret_named),
            Ty::String | Ty::I32 | Ty::I64 | Ty::F64 | Ty::Enum(_) => secret_named,
        }
    }

    /// Whether validating a value of this type does anything beyond explicit rules.
    pub(super) fn needs_validation(&self) -> bool {
        match self {
            Ty::String | Ty::Struct(_) | Ty::Enum(_) => true,
            Ty::Vec(t) | Ty::Map(t) => t.needs_validation(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Rules {
    pub(super) min_len: Option<u64>,
    pub(super) max_len: Option<u64>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    pub(super) chars: Option<String>,
    pub(super) min_items: Option<u64>,
    pub(super) max_items: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Loc {
    Path,
    Query,
    Form,
    Json,
    Member,
}

#[derive(Debug, Clone)]
pub(super) struct Field {
    pub(super) wire: String,
    pub(super) ident: String,
    pub(super) ty: Ty,
    pub(super) required: bool,
    pub(super) doc: String,
    pub(super) secret: bool,
    pub(super) rules: Rules,
    pub(super) loc: Loc,
    /// A path parameter the client fills from its configuration when the caller leaves it
    /// unset (`x-client-supplied`): optional in `validate`, checked when given.
    pub(super) client_supplied: bool,
}

impl Field {
    /// Whether the member's value is registered as a secret when it is written into a JSON
    /// body: it is `x-secret`, or its wire name looks secret. Decided here, when the code is
    /// generated, so that no call compares member names at run time.
    pub(super) fn secret_named(&self) -> bool {
        self.secret || backup_core::redact::is_secret_name(&self.wire)
    }
}

#[derive(Debug, Clone)]
pub(super) struct StructDef {
    pub(super) name: String,
    pub(super) doc: String,
    pub(super) fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub(super) struct EnumDef {
    pub(super) name: String,
    pub(super) doc: String,
    pub(super) values: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) enum TypeDef {
    Struct(StructDef),
    Enum(EnumDef),
    /// Being defined (recursion guard).
    Pending,
}

pub(super) struct Op {
    pub(super) id: String,
    pub(super) method: String,
    pub(super) path: String,
    pub(super) doc: String,
    pub(super) errors_doc: Vec<(String, String)>,
    pub(super) idempotent: bool,
    pub(super) creates_backup: bool,
    /// `x-rust-check`: a hand-written `crate::checks::<name>` the input's `validate` calls last.
    pub(super) rust_check: Option<String>,
    /// Whether an `x-secret` member is reachable from the inputs or the output.
    pub(super) carries_secrets: bool,
    pub(super) wrapper: Option<String>,
    pub(super) params_in: &'static str,
    pub(super) json_body: bool,
    pub(super) fields: Vec<Field>,
    pub(super) output_alias: Option<Ty>,
}
