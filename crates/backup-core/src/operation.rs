//! The contract between generated operation code and the hand-written vendor clients.
//!
//! `cargo xtask codegen` turns each vendor crate's API description (`api/*.json`) into
//! input types with fluent builders, output types and enums. That generated code knows
//! nothing about signing, envelopes or wire formats: for every call it validates the input,
//! flattens it into [`RequestParts`] and hands those, together with the operation's static
//! [`OperationSpec`], to the client's [`Invoke`] implementation, which is written by hand in
//! each vendor crate and does the protocol work (encoding, signing, unwrapping the response
//! envelope, parsing JSON or XML).
//!
//! The module also holds the validation helpers generated code calls before anything is
//! sent (every failure is an [`Error::InvalidInput`]) and lenient deserializers ([`de`])
//! used by generated output types.

use crate::credentials::BoxFuture;
use crate::redact::{BodySecrets, Secrets, is_secret_name};
use crate::{Error, Method, OperationInfo, PreparedRequest};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt;

/// Where an operation's non-path parameters go according to its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamsIn {
    /// The operation has no query or form parameters.
    None,
    /// The description declares them as query parameters.
    Query,
    /// The description declares them as an `application/x-www-form-urlencoded` body.
    Form,
}

/// The body the description declares for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyKind {
    /// No body, or only a form body (see [`ParamsIn::Form`]).
    None,
    /// An `application/json` body, carried in [`RequestParts::json_body`] as a
    /// [`JsonBody`].
    Json,
}

/// Everything static about one operation, generated from its description.
///
/// Generated code declares one `static` per operation; vendor clients read it to pick the
/// method, fill the path, decide about retries (`info.idempotent`) and unwrap responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationSpec {
    /// The operation's name and idempotency (feeds the retry policy).
    pub info: OperationInfo,
    /// The HTTP method the description gives. A vendor protocol may legitimately send
    /// another one (NCP accepts GET and POST for every operation).
    pub method: Method,
    /// The path with `{name}` placeholders, as written in the description.
    pub path_template: &'static str,
    /// Whether a successful call starts a backup (`x-creates-backup`).
    pub creates_backup: bool,
    /// Where the description puts the non-path parameters.
    pub params_in: ParamsIn,
    /// Whether the operation has a JSON body.
    pub body: BodyKind,
    /// The name of the object that wraps the response (`x-response-wrapper`, or NCP's
    /// `<operation>Response` via `x-ncp-envelope`); the output type describes what is inside.
    pub response_wrapper: Option<&'static str>,
}

impl OperationSpec {
    /// A spec with no parameters location, no body, no wrapper and `creates_backup` false.
    pub const fn new(info: OperationInfo, method: Method, path_template: &'static str) -> Self {
        Self {
            info,
            method,
            path_template,
            creates_backup: false,
            params_in: ParamsIn::None,
            body: BodyKind::None,
            response_wrapper: None,
        }
    }

    /// Sets whether a successful call starts a backup.
    pub const fn with_creates_backup(mut self, creates_backup: bool) -> Self {
        self.creates_backup = creates_backup;
        self
    }

    /// Sets where the non-path parameters go.
    pub const fn with_params_in(mut self, params_in: ParamsIn) -> Self {
        self.params_in = params_in;
        self
    }

    /// Sets the body kind.
    pub const fn with_body(mut self, body: BodyKind) -> Self {
        self.body = body;
        self
    }

    /// Sets the response wrapper's name.
    pub const fn with_response_wrapper(mut self, wrapper: &'static str) -> Self {
        self.response_wrapper = Some(wrapper);
        self
    }

    /// The operation's name.
    pub const fn name(&self) -> &'static str {
        self.info.name
    }
}

/// One call's validated input, flattened for the protocol layer.
///
/// Values are raw (not percent-encoded); the vendor client encodes them as its protocol
/// requires. `Debug` shows parameter names but not their values, which may be secrets.
#[derive(Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestParts {
    /// Path parameters by placeholder name, in the order the description lists them.
    pub path_params: Vec<(&'static str, String)>,
    /// Query or form parameters (see [`OperationSpec::params_in`]) in a deterministic
    /// order: declared parameters in description order, then form fields sorted by name.
    /// Arrays appear as repeated names or as `name.1`, `name.2`, ... (description's choice).
    pub params: Vec<(String, String)>,
    /// The JSON body, for [`BodyKind::Json`] operations: already serialized, member by
    /// member from the typed input (see [`JsonObjectWriter`]).
    pub json_body: Option<JsonBody>,
}

impl RequestParts {
    /// Empty parts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of path parameter `name`.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets path parameter `name` to `value` unless the caller already gave one.
    ///
    /// For parameters the description marks `x-client-supplied` (GES `project_id`):
    /// generated code leaves them out of the parts when the caller did not set them, and
    /// the client's [`Invoke`] implementation fills them from its configuration with this
    /// before rendering the path. A value the caller set wins.
    pub fn fill_path_param(&mut self, name: &'static str, value: &str) {
        if self.path_param(name).is_none() {
            self.path_params.push((name, value.to_owned()));
        }
    }

    /// The first value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Fills `template`'s `{name}` placeholders with the path parameters, each
    /// percent-encoded as one segment (so `a/b` or `..` can never change the path).
    ///
    /// Fails with [`Error::InvalidInput`] on a placeholder with no value, an empty value, a
    /// value of `.` or `..` (a segment the server would resolve), or an unclosed brace.
    pub fn render_path(&self, template: &str) -> Result<String, Error> {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('{') {
            out.push_str(before);
            let (name, after_close) = after.split_once('}').ok_or_else(|| {
                Error::invalid_input(template.to_owned(), "has an unclosed `{` in its path")
            })?;
            let value = self.path_param(name).ok_or_else(|| {
                Error::invalid_input(name.to_owned(), "is required (path parameter)")
            })?;
            match value {
                "" => return Err(Error::invalid_input(name.to_owned(), "must not be empty")),
                "." | ".." => {
                    return Err(Error::invalid_input(
                        name.to_owned(),
                        "must not be `.` or `..` (path parameter)",
                    ));
                }
                _ => crate::encoding::percent_encode_into(value, &mut out),
            }
            rest = after_close;
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.params.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RequestParts")
            .field("path_params", &self.path_params)
            .field("param_names", &names)
            .field("has_json_body", &self.json_body.is_some())
            .finish()
    }
}

/// A JSON object request body, serialized once from the typed input (see
/// [`JsonObjectWriter`]): the bytes a protocol sends as they are, and the secrets they hold,
/// registered while they were written.
///
/// `Debug` shows only the length: a body may hold secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonBody {
    bytes: Vec<u8>,
    secrets: Secrets,
}

impl JsonBody {
    /// The serialized object.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The secrets the body holds: every string and number under a secret-named or
    /// `x-secret` member, at any depth, registered as it was written (see
    /// [`CollectSecrets`]). A protocol adds them to
    /// [`HttpRequest::secrets`](crate::HttpRequest::secrets).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// The serialized object, without copying it.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// `{}`, the body of a JSON operation whose input sets no body member.
impl Default for JsonBody {
    fn default() -> Self {
        JsonObjectWriter::new().finish()
    }
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonBody({} bytes)", self.bytes.len())
    }
}

/// Writes one JSON object member by member, straight from typed values with serde_json's
/// writer: no `serde_json::Value` tree is built, and the members come out in the order
/// they are written (generated code writes them sorted by wire name). The secrets of each
/// member are registered as it is written ([`CollectSecrets`]), so that nothing reads the
/// body back to find them.
pub struct JsonObjectWriter {
    bytes: Vec<u8>,
    secrets: BodySecrets,
}

impl JsonObjectWriter {
    /// An empty object.
    pub fn new() -> Self {
        // Room for a typical backup request without growing.
        let mut bytes = Vec::with_capacity(256);
        bytes.push(b'{');
        Self {
            bytes,
            secrets: BodySecrets::new(),
        }
    }

    /// Writes member `name` with `value`, registering `value`'s secrets as
    /// [`member_with_secrecy`](Self::member_with_secrecy) does, with the member
    /// secret-named when [`is_secret_name`]`(name)`.
    ///
    /// Fails with [`Error::InvalidInput`] on `name` when `value` cannot be serialized; the
    /// object is then left as it was before.
    pub fn member<T: serde::Serialize + CollectSecrets + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member_with_secrecy(name, is_secret_name(name), value)
    }

    /// Writes member `name` with `value` and registers the secrets `value` holds
    /// ([`CollectSecrets::collect_secrets`]), with the member secret-named when
    /// `secret_named`: generated code passes whether the member is `x-secret` or its name
    /// looks secret, decided when the code was generated.
    ///
    /// Fails with [`Error::InvalidInput`] on `name` when `value` cannot be serialized; the
    /// object and its secrets are then left as they were before.
    pub fn member_with_secrecy<T: serde::Serialize + CollectSecrets + ?Sized>(
        &mut self,
        name: &'static str,
        secret_named: bool,
        value: &T,
    ) -> Result<(), Error> {
        self.write_member(name, value)?;
        value.collect_secrets(secret_named, &mut self.secrets);
        Ok(())
    }

    fn write_member<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let before = self.bytes.len();
        if before > 1 {
            self.bytes.push(b',');
        }
        let written = serde_json::to_writer(&mut self.bytes, name)
            .and_then(|()| {
                self.bytes.push(b':');
                serde_json::to_writer(&mut self.bytes, value)
            })
            .map_err(|e| Error::invalid_input(name, format!("could not be serialized: {e}")));
        if written.is_err() {
            self.bytes.truncate(before);
        }
        written
    }

    /// Closes the object.
    pub fn finish(mut self) -> JsonBody {
        self.bytes.push(b'}');
        JsonBody {
            bytes: self.bytes,
            secrets: self.secrets.into_secrets(),
        }
    }
}

impl Default for JsonObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for JsonObjectWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonObjectWriter({} bytes)", self.bytes.len())
    }
}

/// A value that registers its secrets while it is written into a JSON request body by
/// [`JsonObjectWriter`], from the typed value: nothing reads the written bytes back to find
/// them, and no member name is compared at run time that was known when the code was
/// generated.
///
/// What is registered is what [`Secrets::add_json_body`] would find in the value's JSON,
/// with `x-secret` members counting as secret-named whatever their names: a string or a
/// number (as its `Display` text) under a secret-named member; the items of an array as
/// the array's member; an object's members each by its own name (generated structs decide
/// that when generated, map keys and `Value` members with [`is_secret_name`]); nothing for
/// a bool or `null`. At most [`MAX_BODY_SECRETS`](crate::redact::MAX_BODY_SECRETS) values a
/// body ([`BodySecrets`]).
///
/// Implemented here for the types generated code uses and generated for every struct and
/// enum a request body can hold.
pub trait CollectSecrets {
    /// Registers this value's secrets in `secrets`; `secret_named` says whether the member
    /// holding it (or, for an array's item, holding the array) is secret-named.
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets);
}

impl CollectSecrets for str {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        if secret_named {
            secrets.add(self);
        }
    }
}

impl CollectSecrets for String {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        self.as_str().collect_secrets(secret_named, secrets);
    }
}

macro_rules! collect_integer_secrets {
    ($($ty:ty),*) => {$(
        impl CollectSecrets for $ty {
            fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
                if secret_named {
                    secrets.add_number(self);
                }
            }
        }
    )*};
}

collect_integer_secrets!(i32, i64, u32, u64);

impl CollectSecrets for f64 {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        // serde_json writes a NaN or an infinity as `null`: nothing to echo.
        if secret_named && self.is_finite() {
            secrets.add_number(self);
        }
    }
}

impl CollectSecrets for bool {
    fn collect_secrets(&self, _secret_named: bool, _secrets: &mut BodySecrets) {}
}

impl CollectSecrets for serde_json::Value {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        use serde_json::Value;
        match self {
            Value::String(text) => text.collect_secrets(secret_named, secrets),
            // As the walk over the written JSON reads it back: an integer as itself, any
            // other number as an `f64`.
            Value::Number(number) if secret_named => {
                if let Some(n) = number.as_u64() {
                    secrets.add_number(n);
                } else if let Some(n) = number.as_i64() {
                    secrets.add_number(n);
                } else if let Some(n) = number.as_f64() {
                    n.collect_secrets(true, secrets);
                }
            }
            Value::Array(items) => items.collect_secrets(secret_named, secrets),
            Value::Object(members) => {
                for (name, member) in members {
                    member.collect_secrets(is_secret_name(name), secrets);
                }
            }
            Value::Number(_) | Value::Bool(_) | Value::Null => {}
        }
    }
}

impl<T: CollectSecrets> CollectSecrets for [T] {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        for item in self {
            item.collect_secrets(secret_named, secrets);
        }
    }
}

impl<T: CollectSecrets> CollectSecrets for Vec<T> {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        self.as_slice().collect_secrets(secret_named, secrets);
    }
}

/// `None` is skipped or written as `null`: nothing.
impl<T: CollectSecrets> CollectSecrets for Option<T> {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        if let Some(value) = self {
            value.collect_secrets(secret_named, secrets);
        }
    }
}

/// A JSON object whose member names are known only at run time: each key decides.
impl<T: CollectSecrets> CollectSecrets for BTreeMap<String, T> {
    fn collect_secrets(&self, _secret_named: bool, secrets: &mut BodySecrets) {
        for (name, member) in self {
            member.collect_secrets(is_secret_name(name), secrets);
        }
    }
}

impl<T: CollectSecrets + ?Sized> CollectSecrets for &T {
    fn collect_secrets(&self, secret_named: bool, secrets: &mut BodySecrets) {
        (**self).collect_secrets(secret_named, secrets);
    }
}

/// Sends one operation. Implemented by hand by each vendor client; called by generated code.
///
/// The implementation owns the protocol: building the request from `spec` and `parts`,
/// signing, retrying according to `spec.info.idempotent`, checking the vendor's envelope,
/// and deserializing the (unwrapped) response body into `O`.
pub trait Invoke {
    /// Sends the operation and parses its output.
    fn invoke<O>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> BoxFuture<'_, Result<O, Error>>
    where
        O: DeserializeOwned + Send + 'static;

    /// What [`invoke`](Self::invoke) would send for `spec` and `parts`, unsigned and with
    /// secrets redacted (see [`PreparedRequest`]). Sends nothing; fails where `invoke`
    /// would fail before sending.
    fn to_request(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<PreparedRequest, Error>;
}

/// Where a value sits in an operation's input, as error messages name it
/// (`storageConfig.hostIdList[1]`).
///
/// Validation builds one on the stack per level it descends, borrowing its parent, and
/// writes it out as text ([`Display`](fmt::Display)) only when a check fails: valid input
/// costs no allocation. The text is what error messages always showed: `a.b`, `a[0].b`.
#[derive(Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Member(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    /// The path of a top-level member (or of a value the caller names `name`).
    pub const fn new(name: &'a str) -> Self {
        Self {
            parent: None,
            step: Step::Member(name),
        }
    }

    /// Member (or map key) `name` of this value: `parent.name`, or `name` under an empty
    /// parent.
    pub fn member<'s>(&'s self, name: &'s str) -> FieldPath<'s> {
        FieldPath {
            parent: Some(self),
            step: Step::Member(name),
        }
    }

    /// Item `index` of this array: `parent[index]`.
    pub fn index(&self, index: usize) -> FieldPath<'_> {
        FieldPath {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// Whether the path writes out as nothing (a root named ``).
    fn is_empty(&self) -> bool {
        match self.step {
            Step::Member(name) => name.is_empty() && self.parent.is_none_or(FieldPath::is_empty),
            Step::Index(_) => false,
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Step::Member(name) => {
                if let Some(parent) = self.parent.filter(|p| !p.is_empty()) {
                    write!(f, "{parent}.")?;
                }
                f.write_str(name)
            }
            Step::Index(index) => {
                if let Some(parent) = self.parent {
                    write!(f, "{parent}")?;
                }
                write!(f, "[{index}]")
            }
        }
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({:?})", self.to_string())
    }
}

/// Fails with "is required" when `value` is `None`.
pub fn require<'a, T>(field: &str, value: Option<&'a T>) -> Result<&'a T, Error> {
    value.ok_or_else(|| Error::invalid_input(field, "is required"))
}

/// Fails with "must not be empty" when `value` is empty.
pub fn non_empty(field: impl fmt::Display, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::invalid_input(field.to_string(), "must not be empty"))
    } else {
        Ok(())
    }
}

/// Fails when `value` contains a control character (`\0`-`\x1f`, `\x7f`, C1 controls).
pub fn no_control_chars(field: impl fmt::Display, value: &str) -> Result<(), Error> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(Error::invalid_input(
            field.to_string(),
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// Checks the length of `value` in characters against the optional bounds.
pub fn length(
    field: impl fmt::Display,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), Error> {
    let n = value.chars().count();
    check_bounds(field, n, min, max, |bound| {
        format!("must be {bound} characters long (got {n})")
    })
}

/// Checks an integer against the optional inclusive bounds.
pub fn range_i64(
    field: impl fmt::Display,
    value: i64,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<(), Error> {
    check_bounds(field, value, min, max, |bound| {
        format!("must be {bound} (got {value})")
    })
}

/// Checks a number against the optional inclusive bounds; NaN is rejected.
pub fn range_f64(
    field: impl fmt::Display,
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), Error> {
    if value.is_nan() {
        return Err(Error::invalid_input(
            field.to_string(),
            "must be a number (got NaN)",
        ));
    }
    check_bounds(field, value, min, max, |bound| {
        format!("must be {bound} (got {value})")
    })
}

/// Checks that every character of `value` lies in one of the inclusive `ranges`;
/// `shown` is the class as the description wrote it (`A-Za-z0-9_-`), for the message.
pub fn allowed_chars(
    field: impl fmt::Display,
    value: &str,
    ranges: &[(char, char)],
    shown: &str,
) -> Result<(), Error> {
    match value
        .chars()
        .find(|c| !ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(c)))
    {
        Some(_) => Err(Error::invalid_input(
            field.to_string(),
            format!("must contain only the characters [{shown}]"),
        )),
        None => Ok(()),
    }
}

/// Fails unless `value` is one of `allowed` (an enum's `VALUES`): a request carries only
/// the values its description lists, so an `Unknown` value, a differently cased one or an
/// empty one is refused before anything is sent, with the allowed values in the message.
pub fn listed_value(field: impl fmt::Display, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let listed: Vec<String> = allowed.iter().map(|v| format!("`{v}`")).collect();
    let hint = if allowed.iter().any(|v| v.eq_ignore_ascii_case(value)) {
        "; values are case-sensitive"
    } else {
        ""
    };
    Err(Error::invalid_input(
        field.to_string(),
        format!(
            "must be one of {} (got \"{}\"{hint})",
            listed.join(", "),
            crate::redact::escape(&crate::redact::truncate_chars(value, SHOWN_VALUE_CHARS))
        ),
    ))
}

/// How much of a refused enum value its error shows, in characters.
const SHOWN_VALUE_CHARS: usize = 64;

/// Checks the number of items of an array against the optional bounds.
pub fn item_count(
    field: impl fmt::Display,
    len: usize,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), Error> {
    check_bounds(field, len, min, max, |bound| {
        format!("must have {bound} items (got {len})")
    })
}

/// Fails when `value` is below `min` or above `max`, with the message `message` words
/// around the broken bound (`at least 3`, `at most 9`): one comparison for lengths,
/// numbers and item counts.
fn check_bounds<T: PartialOrd + fmt::Display + Copy>(
    field: impl fmt::Display,
    value: T,
    min: Option<T>,
    max: Option<T>,
    message: impl Fn(String) -> String,
) -> Result<(), Error> {
    if let Some(min) = min
        && value < min
    {
        return Err(Error::invalid_input(
            field.to_string(),
            message(format!("at least {min}")),
        ));
    }
    if let Some(max) = max
        && value > max
    {
        return Err(Error::invalid_input(
            field.to_string(),
            message(format!("at most {max}")),
        ));
    }
    Ok(())
}

/// Appends parameter `name` with each of `values`: repeated (`name=a&name=b`) or indexed
/// from 1 (`name.1=a&name.2=b`, NCP's convention).
pub fn push_array_param(
    params: &mut Vec<(String, String)>,
    name: &str,
    values: impl IntoIterator<Item = String>,
    indexed: bool,
) {
    for (i, value) in values.into_iter().enumerate() {
        if indexed {
            params.push((format!("{name}.{}", i + 1), value));
        } else {
            params.push((name.to_owned(), value));
        }
    }
}

pub mod de;

#[cfg(test)]
mod tests {
    use super::de::Lenient;
    use super::*;
    use crate::redact::REDACTED;
    use serde_json::json;

    #[test]
    fn fill_path_param_sets_a_missing_parameter_and_keeps_the_callers() {
        let mut parts = RequestParts::new();
        parts.path_params.push(("graph_id", "g".into()));
        parts.fill_path_param("project_id", "from-client");
        assert_eq!(parts.path_param("project_id"), Some("from-client"));
        parts.fill_path_param("project_id", "second");
        parts.fill_path_param("graph_id", "other");
        assert_eq!(parts.path_param("project_id"), Some("from-client"));
        assert_eq!(parts.path_param("graph_id"), Some("g"));
        assert_eq!(parts.path_params.len(), 2);
    }

    #[test]
    fn render_path_encodes_each_segment() {
        let mut parts = RequestParts::new();
        parts.path_params.push(("project_id", "p1".into()));
        parts.path_params.push(("graph_id", "../x/a b".into()));
        let path = parts
            .render_path("/v2/{project_id}/graphs/{graph_id}/backups")
            .unwrap_or_default();
        assert_eq!(path, "/v2/p1/graphs/..%2Fx%2Fa%20b/backups");
        let missing = RequestParts::new().render_path("/a/{id}");
        assert!(matches!(missing, Err(Error::InvalidInput(_))));
        let mut dots = RequestParts::new();
        dots.path_params.push(("id", "..".into()));
        assert!(dots.render_path("/a/{id}").is_err());
    }

    #[test]
    fn listed_value_refuses_what_the_description_does_not_list() {
        let allowed = &["SYSTEM", "MANUAL"];
        assert!(listed_value("backupTypeMode", "MANUAL", allowed).is_ok());
        for (value, shown) in [
            ("system", "(got \"system\"; values are case-sensitive)"),
            ("", "(got \"\")"),
            ("FULL", "(got \"FULL\")"),
            ("SYS\u{1b}[2J", "(got \"SYS\\u{1b}[2J\")"),
        ] {
            match listed_value("backupTypeMode", value, allowed) {
                Err(Error::InvalidInput(e)) => {
                    assert_eq!(e.field, "backupTypeMode");
                    assert!(
                        e.problem.starts_with("must be one of `SYSTEM`, `MANUAL` "),
                        "{e}"
                    );
                    assert!(e.problem.ends_with(shown), "{e}");
                }
                other => panic!("{value:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn validation_helpers_name_the_field() {
        let e = no_control_chars("fileName", "a\nb").err();
        assert!(matches!(e, Some(Error::InvalidInput(ref i)) if i.field == "fileName"));
        assert!(length("x", "abc", Some(1), Some(3)).is_ok());
        assert!(length("x", "abcd", None, Some(3)).is_err());
        assert!(range_i64("id", 0, Some(1), None).is_err());
        assert!(
            allowed_chars(
                "id",
                "ab-1",
                &[('a', 'z'), ('0', '9'), ('-', '-')],
                "a-z0-9-"
            )
            .is_ok()
        );
        assert!(allowed_chars("id", "a/b", &[('a', 'z')], "a-z").is_err());
        assert!(non_empty("x", "").is_err());
        assert!(require::<u8>("x", None).is_err());
    }

    #[test]
    fn lenient_accepts_strings_for_numbers_and_wrapped_lists() {
        assert_eq!(i64::from_lenient(json!("42")), Ok(42));
        assert_eq!(bool::from_lenient(json!("true")), Ok(true));
        assert_eq!(String::from_lenient(json!(7)), Ok("7".to_owned()));
        assert_eq!(
            Vec::<i64>::from_lenient(json!({"item": ["1", 2]})),
            Ok(vec![1, 2])
        );
        assert_eq!(Vec::<i64>::from_lenient(json!("")), Ok(vec![]));
        assert_eq!(
            Vec::<String>::from_lenient(json!("a")),
            Ok(vec!["a".to_owned()])
        );
        assert_eq!(Option::<i64>::from_lenient(json!(null)), Ok(None));
    }

    /// An output type as the generator writes it.
    #[derive(serde::Deserialize, Debug, Default, PartialEq)]
    #[serde(default)]
    struct Item {
        #[serde(deserialize_with = "de::lenient")]
        name: String,
        #[serde(deserialize_with = "de::lenient")]
        size: i64,
        #[serde(deserialize_with = "de::lenient")]
        detail: Option<serde_json::Value>,
    }

    impl de::Lenient for Item {
        fn deserialize_lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            <Self as serde::Deserialize>::deserialize(d)
        }
    }

    #[derive(serde::Deserialize, Debug, Default, PartialEq)]
    #[serde(default)]
    struct Page {
        #[serde(deserialize_with = "de::lenient")]
        items: Vec<Item>,
    }

    fn item(name: &str, size: i64) -> Item {
        Item {
            name: name.to_owned(),
            size,
            detail: None,
        }
    }

    /// Reads `json` both straight from the text and from a `Value` (as XML is read).
    fn both(json: &str) -> (Result<Page, String>, Result<Page, String>) {
        let streamed = serde_json::from_str::<Page>(json).map_err(|e| e.to_string());
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        let tree = serde_json::from_value::<Page>(value).map_err(|e| e.to_string());
        (streamed, tree)
    }

    #[test]
    fn lists_read_the_same_from_text_and_from_a_tree() {
        let page = |items: Vec<Item>| Ok(Page { items });
        for (json, expected) in [
            (
                r#"{"items":[{"name":"a","size":"1"}]}"#,
                page(vec![item("a", 1)]),
            ),
            // An XML wrapper element around the items, or around the one item.
            (
                r#"{"items":{"item":[{"name":"a"},{"name":"b","size":2}]}}"#,
                page(vec![item("a", 0), item("b", 2)]),
            ),
            (
                r#"{"items":{"item":{"name":"a","size":3}}}"#,
                page(vec![item("a", 3)]),
            ),
            // A single item that is not in an array.
            (
                r#"{"items":{"name":"a","size":4}}"#,
                page(vec![item("a", 4)]),
            ),
            (r#"{"items":{"size":5,"name":"b","detail":{"x":[1]}}}"#, {
                let mut b = item("b", 5);
                b.detail = Some(json!({"x": [1]}));
                page(vec![b])
            }),
            (r#"{"items":{}}"#, page(vec![Item::default()])),
            (r#"{"items":null}"#, page(vec![])),
            (r#"{"items":""}"#, page(vec![])),
        ] {
            let (streamed, tree) = both(json);
            assert_eq!(streamed, expected, "{json} from text");
            assert_eq!(tree, expected, "{json} from a tree");
        }
        for bad in [
            r#"{"items":[1]}"#,
            r#"{"items":"x"}"#,
            r#"{"items":{"item":[true]}}"#,
        ] {
            let (streamed, tree) = both(bad);
            assert!(streamed.is_err() && tree.is_err(), "{bad}");
        }
    }

    fn list_of(count: usize, item: &str) -> String {
        let items = vec![item; count].join(",");
        format!(r#"{{"items":[{items}]}}"#)
    }

    #[test]
    fn a_list_holds_at_most_max_list_items() {
        let full = serde_json::from_str::<Page>(&list_of(de::MAX_LIST_ITEMS, "{}"));
        assert_eq!(full.map(|p| p.items.len()).ok(), Some(de::MAX_LIST_ITEMS));
        let over = serde_json::from_str::<Page>(&list_of(de::MAX_LIST_ITEMS + 1, "{}"))
            .map(|p| p.items.len());
        let message = over.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("more than 10000 items"), "{message}");
        // Wrapped the XML way, too.
        let wrapped = format!(
            r#"{{"items":{{"item":[{}]}}}}"#,
            vec!["{}"; de::MAX_LIST_ITEMS + 1].join(",")
        );
        assert!(serde_json::from_str::<Page>(&wrapped).is_err());
        let tree: serde_json::Value = serde_json::from_str(&wrapped).unwrap_or_default();
        assert!(serde_json::from_value::<Page>(tree).is_err());
    }

    #[test]
    fn one_response_decodes_into_at_most_max_decoded_bytes() {
        // 10 000 items are allowed, but not 10 000 `Value`s of 100 elements each.
        let item = format!(r#"{{"detail":[{}]}}"#, vec!["0"; 100].join(","));
        let body = list_of(de::MAX_LIST_ITEMS, &item);
        let budgeted = de::with_response_budget(|| serde_json::from_str::<Page>(&body));
        let message = budgeted.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("MiB once decoded"), "{message}");
        // The budget is per response: the next one starts afresh.
        let small = de::with_response_budget(|| serde_json::from_str::<Page>(&list_of(3, &item)));
        assert_eq!(small.map(|p| p.items.len()).ok(), Some(3));
        // A lone `Value` member is bounded even outside a response budget.
        let huge = format!(
            r#"{{"detail":[{}]}}"#,
            vec!["[0,0,0,0,0,0,0,0]"; 40_000].join(",")
        );
        assert!(serde_json::from_str::<Item>(&huge).is_err());
    }

    #[test]
    fn request_parts_debug_hides_values() {
        let mut parts = RequestParts::new();
        parts.params.push(("secretKey".into(), "s3cr3t".into()));
        let mut body = JsonObjectWriter::new();
        body.member("accessKeySecret", "s3cr3t").unwrap_or_default();
        parts.json_body = Some(body.finish());
        let shown = format!("{parts:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("secretKey"));
    }

    #[test]
    fn json_object_writer_writes_members_in_order_and_escapes_them() {
        #[derive(serde::Serialize)]
        struct Config {
            #[serde(rename = "accessKeySecret")]
            secret: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            absent: Option<u8>,
            list: Vec<i64>,
        }
        impl CollectSecrets for Config {
            fn collect_secrets(&self, _secret_named: bool, secrets: &mut BodySecrets) {
                self.secret.collect_secrets(true, secrets);
            }
        }
        let mut body = JsonObjectWriter::new();
        body.member("backupMode", "FULL").unwrap_or_default();
        body.member("count", &7).unwrap_or_default();
        body.member(
            "config",
            &Config {
                secret: "s\"3\n",
                absent: None,
                list: vec![1, 2],
            },
        )
        .unwrap_or_default();
        body.member("na\"me", &Some(true)).unwrap_or_default();
        let body = body.finish();
        assert_eq!(
            std::str::from_utf8(body.as_bytes()).unwrap_or_default(),
            r#"{"backupMode":"FULL","count":7,"config":{"accessKeySecret":"s\"3\n","list":[1,2]},"na\"me":true}"#
        );
        // The same bytes serde_json writes for the same object.
        let parsed: serde_json::Value = serde_json::from_slice(body.as_bytes()).unwrap_or_default();
        assert_eq!(parsed["config"]["accessKeySecret"], "s\"3\n");
        assert_eq!(JsonBody::default().as_bytes(), b"{}");
        assert_eq!(
            format!("{body:?}"),
            format!("JsonBody({} bytes)", body.as_bytes().len())
        );
    }

    #[test]
    fn json_object_writer_leaves_the_object_whole_after_a_failed_member() {
        /// A map whose keys serde_json cannot write, holding a secret.
        struct Unserializable(std::collections::BTreeMap<Vec<u8>, &'static str>);
        impl serde::Serialize for Unserializable {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }
        impl CollectSecrets for Unserializable {
            fn collect_secrets(&self, _secret_named: bool, secrets: &mut BodySecrets) {
                for value in self.0.values() {
                    secrets.add(value);
                }
            }
        }
        let unserializable = Unserializable([(vec![1u8], "never-written")].into());
        let mut body = JsonObjectWriter::new();
        body.member("a", &1).unwrap_or_default();
        match body.member_with_secrecy("map", true, &unserializable) {
            Err(Error::InvalidInput(e)) => {
                assert_eq!(e.field, "map");
                assert!(e.problem.starts_with("could not be serialized"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        body.member("b", &2).unwrap_or_default();
        let body = body.finish();
        assert_eq!(body.as_bytes(), br#"{"a":1,"b":2}"#);
        // Nothing of the member that was not written is registered.
        assert!(body.secrets().is_empty());
    }

    #[test]
    fn the_writer_registers_what_the_walk_over_the_written_bytes_finds() {
        let extensions = json!({
            "auth": {"password": "pw-in-value", "pin": 1234567, "user": "public-user"},
            "apiTokens": ["tok-in-array", -7654321, 2.5e20, 0.125, null, true, {"note": "public-note", "secretNote": "nested-secret"}],
            "flag": true
        });
        let options: BTreeMap<String, Vec<String>> = [
            (
                "sessionToken".to_owned(),
                vec!["map-tok-1".to_owned(), "map-tok-2".to_owned()],
            ),
            ("region".to_owned(), vec!["public-region".to_owned()]),
        ]
        .into();
        let mut body = JsonObjectWriter::new();
        body.member("accessKeySecret", "top-secret-value")
            .unwrap_or_default();
        body.member("dbPassword", &987654321_i64)
            .unwrap_or_default();
        body.member("ratioSecret", &12345.678_f64)
            .unwrap_or_default();
        body.member("notANumberSecret", &f64::NAN)
            .unwrap_or_default();
        body.member("enabledSecret", &true).unwrap_or_default();
        body.member("absentToken", &None::<String>)
            .unwrap_or_default();
        body.member("extensions", &extensions).unwrap_or_default();
        body.member("tokenList", &vec![extensions.clone()])
            .unwrap_or_default();
        body.member("options", &options).unwrap_or_default();
        body.member("name", "public-name").unwrap_or_default();
        let body = body.finish();
        let mut walked = Secrets::new();
        walked.add_json_body(body.as_bytes());
        assert_eq!(body.secrets(), &walked);
        let scrubbed = body.secrets().scrub(
            "top-secret-value 987654321 12345.678 pw-in-value tok-in-array -7654321 \
             250000000000000000000 0.125 nested-secret map-tok-1 map-tok-2 \
             public-user 1234567 public-note public-region public-name",
        );
        // `pin` is not secret-named, and `auth` holding it does not make it so: an object
        // decides member by member.
        assert_eq!(
            scrubbed,
            "[redacted] [redacted] [redacted] [redacted] [redacted] [redacted] \
             [redacted] [redacted] [redacted] [redacted] [redacted] \
             public-user 1234567 public-note public-region public-name"
        );
        // A member named innocently but marked secret by its caller (`x-secret`).
        let mut marked = JsonObjectWriter::new();
        marked
            .member_with_secrecy("signingKey", true, "marked-by-x-secret")
            .unwrap_or_default();
        let marked = marked.finish();
        assert_eq!(marked.secrets().scrub("marked-by-x-secret"), REDACTED);
        assert!(!format!("{marked:?}").contains("marked"));
    }

    #[test]
    fn the_writer_stops_registering_at_the_body_limit_as_the_walk_does() {
        let many: BTreeMap<String, String> = (0..crate::redact::MAX_BODY_SECRETS + 5)
            .map(|i| (format!("token{i:03}"), format!("tok-value-{i:03}")))
            .collect();
        let mut body = JsonObjectWriter::new();
        body.member("many", &many).unwrap_or_default();
        body.member("password", "after-the-limit")
            .unwrap_or_default();
        let body = body.finish();
        let mut walked = Secrets::new();
        walked.add_json_body(body.as_bytes());
        assert!(walked.is_incomplete());
        assert_eq!(body.secrets(), &walked);
    }

    #[test]
    fn field_path_names_members_and_indexes_as_messages_always_did() {
        let root = FieldPath::new("storageConfig");
        let list = root.member("hostIdList");
        let item = list.index(1);
        let inner = item.member("name");
        assert_eq!(inner.to_string(), "storageConfig.hostIdList[1].name");
        // An empty root (a caller validating a value on its own) adds no leading dot.
        let unnamed = FieldPath::new("");
        assert_eq!(unnamed.member("id").to_string(), "id");
        assert_eq!(unnamed.index(0).to_string(), "[0]");
        assert_eq!(unnamed.index(0).member("id").to_string(), "[0].id");
        // Helpers take a path as they take a name.
        match non_empty(inner, "") {
            Err(Error::InvalidInput(e)) => {
                assert_eq!(e.field, "storageConfig.hostIdList[1].name");
                assert_eq!(e.problem, "must not be empty");
            }
            other => panic!("{other:?}"),
        }
    }
}
