//! The API description as typed structs: the subset of OpenAPI 3.0 plus `x-` extensions
//! that `ARCHITECTURE.md` documents.
//!
//! Keys the generator does not read are ignored, as they always were (OpenAPI allows
//! `x-` extensions anywhere; only a path item rejects keys other than its methods, see
//! [`Description::paths`]). Scalars are read leniently: a member of the wrong JSON type
//! reads as absent, which is what the generator did when it looked values up in a
//! `serde_json::Value`, so a description that generated before still generates the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole `api/*.json` file.
#[derive(Debug, Deserialize)]
pub struct Description {
    #[serde(default, deserialize_with = "string")]
    pub openapi: Option<String>,
    #[serde(default)]
    pub info: Info,
    #[serde(rename = "x-rust")]
    pub x_rust: Option<XRust>,
    /// Path → path item. Kept as JSON: a path item may only hold operations under the
    /// five method keys, and any other key (an `x-` extension included) is refused with
    /// its name, in sorted order, after the operations before it.
    pub paths: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub components: Components,
}

#[derive(Debug, Default, Deserialize)]
pub struct Info {
    #[serde(default, deserialize_with = "string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub description: Option<String>,
}

/// `x-rust`: where the generated code goes and what it hangs off.
#[derive(Debug, Deserialize)]
pub struct XRust {
    #[serde(default, deserialize_with = "string")]
    pub client: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub output: Option<String>,
    #[serde(rename = "param-array-style", default, deserialize_with = "string")]
    pub param_array_style: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Components {
    #[serde(default)]
    pub schemas: BTreeMap<String, Schema>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Parameter>,
}

/// One operation (the value under `get`, `post`, ... of a path item).
#[derive(Debug, Default, Deserialize)]
pub struct Operation {
    #[serde(rename = "operationId", default, deserialize_with = "string")]
    pub operation_id: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    #[serde(rename = "requestBody")]
    pub request_body: Option<RequestBody>,
    pub responses: Option<BTreeMap<String, Response>>,
    /// `true` (the wrapper is `<operationId>Response`) or the wrapper's name.
    #[serde(rename = "x-ncp-envelope")]
    pub x_ncp_envelope: Option<Value>,
    #[serde(rename = "x-response-wrapper", default, deserialize_with = "string")]
    pub x_response_wrapper: Option<String>,
    #[serde(rename = "x-idempotent", default, deserialize_with = "boolean")]
    pub x_idempotent: Option<bool>,
    #[serde(rename = "x-creates-backup", default, deserialize_with = "boolean")]
    pub x_creates_backup: Option<bool>,
    /// A check the description cannot state, written by hand in the vendor crate:
    /// `crate::checks::<name>(&input)`, called last by the generated `validate`.
    #[serde(rename = "x-rust-check", default, deserialize_with = "string")]
    pub x_rust_check: Option<String>,
}

/// A parameter, inline or a `$ref` to `components/parameters`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Parameter {
    #[serde(rename = "$ref", default, deserialize_with = "string")]
    pub reference: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub name: Option<String>,
    #[serde(rename = "in", default, deserialize_with = "string")]
    pub location: Option<String>,
    #[serde(default, deserialize_with = "boolean")]
    pub required: Option<bool>,
    pub schema: Option<Schema>,
    #[serde(default, deserialize_with = "string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub description: Option<String>,
    #[serde(rename = "x-secret", default, deserialize_with = "boolean")]
    pub x_secret: Option<bool>,
    /// Kept as JSON so that a value other than a boolean is refused by name.
    #[serde(rename = "x-client-supplied")]
    pub x_client_supplied: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestBody {
    pub content: Option<BTreeMap<String, MediaType>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MediaType {
    pub schema: Option<Schema>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Response {
    #[serde(default, deserialize_with = "string")]
    pub description: Option<String>,
    pub content: Option<BTreeMap<String, MediaType>>,
}

impl Response {
    /// The `application/json` schema, if any.
    pub fn json_schema(&self) -> Option<&Schema> {
        self.content
            .as_ref()?
            .get("application/json")?
            .schema
            .as_ref()
    }
}

/// A schema. `other` keeps every key the generator does not read, so that two inline
/// schemas that differ only there still count as different when they would get the same
/// type name.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Schema {
    #[serde(rename = "$ref", default, deserialize_with = "string")]
    pub reference: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub format: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub description: Option<String>,
    /// Kept as JSON: a value that is not a string is refused with the enum's name.
    #[serde(rename = "enum")]
    pub values: Option<Value>,
    pub properties: Option<BTreeMap<String, Schema>>,
    #[serde(default, deserialize_with = "strings")]
    pub required: Vec<String>,
    pub items: Option<Box<Schema>>,
    /// Only an object schema counts (`true`/`false` mean a free-form object).
    #[serde(
        rename = "additionalProperties",
        default,
        deserialize_with = "object_schema"
    )]
    pub additional_properties: Option<Box<Schema>>,
    #[serde(rename = "minLength", default, deserialize_with = "unsigned")]
    pub min_length: Option<u64>,
    #[serde(rename = "maxLength", default, deserialize_with = "unsigned")]
    pub max_length: Option<u64>,
    #[serde(default, deserialize_with = "float")]
    pub minimum: Option<f64>,
    #[serde(default, deserialize_with = "float")]
    pub maximum: Option<f64>,
    #[serde(rename = "minItems", default, deserialize_with = "unsigned")]
    pub min_items: Option<u64>,
    #[serde(rename = "maxItems", default, deserialize_with = "unsigned")]
    pub max_items: Option<u64>,
    #[serde(rename = "x-chars", default, deserialize_with = "string")]
    pub x_chars: Option<String>,
    #[serde(rename = "x-rust-name", default, deserialize_with = "string")]
    pub x_rust_name: Option<String>,
    #[serde(rename = "x-secret", default, deserialize_with = "boolean")]
    pub x_secret: Option<bool>,
    /// Unsupported keywords, refused by `check::rules` when present.
    pub pattern: Option<Value>,
    #[serde(rename = "exclusiveMinimum")]
    pub exclusive_minimum: Option<Value>,
    #[serde(rename = "exclusiveMaximum")]
    pub exclusive_maximum: Option<Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The summary and description of an item, joined by a blank line.
pub fn doc_text(summary: Option<&str>, description: Option<&str>) -> String {
    let summary = summary.unwrap_or("").trim();
    let description = description.unwrap_or("").trim();
    match (summary.is_empty(), description.is_empty()) {
        (false, false) => format!("{summary}\n\n{description}"),
        (false, true) => summary.to_owned(),
        (true, false) => description.to_owned(),
        (true, true) => String::new(),
    }
}

fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Value::deserialize(d)?.as_bool())
}

fn unsigned<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Value::deserialize(d)?.as_u64())
}

fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Value::deserialize(d)?.as_f64())
}

/// The string items of an array (anything else is skipped, as before).
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

fn object_schema<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Schema>>, D::Error> {
    match Value::deserialize(d)? {
        v @ Value::Object(_) => serde_json::from_value(v)
            .map(|s| Some(Box::new(s)))
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}
