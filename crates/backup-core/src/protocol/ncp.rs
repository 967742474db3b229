//! The NAVER Cloud Platform API Gateway protocol, shared by `ncp-vhadoop` and `ncp-vcache`.
//!
//! Every Ncloud API v2 operation (`/vhadoop/v2/...`, `/vcache/v2/...`, `/vredis/v2/...`)
//! works the same way on the wire:
//!
//! - **Request.** `GET` or `POST` to `/{service}/v2/{operation}`, parameters as
//!   `name=value` pairs, signed with [`crate::sign::ncp`]. By default this module sends a
//!   `POST` with an `application/x-www-form-urlencoded` body: the gateway does not sign the
//!   body, so only the fixed ASCII path is signed and no query-encoding question can arise.
//!   [`RequestStyle::GetQuery`] sends a `GET` instead and signs the encoded query exactly as
//!   it is sent. `responseFormatType` is always sent ([`ResponseFormat::Json`] by default;
//!   the service's own default would be XML).
//! - **Success.** A 2xx whose body wraps the output in `<operation>Response`, in JSON
//!   (`{"getCloudRedisBackupListResponse": {...}}`) or XML (a root element of that name).
//!   XML is turned into a [`serde_json::Value`] tree by [`xml_to_value`] (elements become
//!   objects, text becomes strings, repeated elements become arrays), so the generated output
//!   types deserialize from both formats through the same serde path. A 2xx whose
//!   `returnCode` is not `"0"` is an error, not a success.
//! - **Errors.** Gateway errors (`{"error":{"errorCode","message","details"}}`, raised
//!   before the service is reached: authentication, permission, quota, routing) and service
//!   errors (`{"responseError":{"returnCode","returnMessage"}}`), in JSON or XML. Bodies are
//!   read leniently ([`parse_error_body`]): odd key names (`responseCode`), a missing comma or
//!   a body that is not JSON at all never hide the HTTP status, and the raw excerpt is kept.
//!   [`NcpClassifier`] maps them onto [`ServiceErrorKind`] and [`Retryability`]; see
//!   [`classify_error`] for the table.
//!
//! [`Gateway`] puts this together over a [`ServiceClient`]; the vendor crates wrap it in
//! their own client types through [`GatewayBuilder`] and [`FromGateway`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use std::marker::PhantomData;

use quick_xml::events::Event;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, StringDeserializer};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::credentials::{
    BoxFuture, CachedProvider, Environment, NcpCredentials, NcpDefaultChain, ProcessEnvironment,
    ProvideCredentials, SharedProvider,
};
use crate::encoding::encode_pairs;
use crate::operation::de::{self, Lenient};
use crate::operation::{BodyKind, Invoke, OperationSpec, RequestParts};
use crate::sign::NcpSigner;
use crate::skew::SkewSignal;
use crate::{
    ClassifyResponse, ClientOptions, DefaultClassifier, Error, HttpRequest, HttpResponse, Method,
    OperationInfo, PreparedRequest, ResponseError, RetryConfig, Retryability, ServiceClient,
    ServiceError, ServiceErrorKind, Timeouts,
};

/// The environment variable the official SDKs read to override the gateway's base URL.
pub const API_GW_ENV: &str = "NCLOUD_API_GW";
/// The parameter that selects the response format.
pub const RESPONSE_FORMAT_PARAM: &str = "responseFormatType";
/// The parameter that selects the region.
pub const REGION_CODE_PARAM: &str = "regionCode";

// ---------------------------------------------------------------------------------------
// Sites, regions, formats

/// A NAVER Cloud Platform site: each has its own API gateway, with the same paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Site {
    /// The public site, `https://ncloud.apigw.ntruss.com`.
    #[default]
    Public,
    /// The public-sector (government) site, `https://ncloud.apigw.gov-ntruss.com`.
    Gov,
    /// The financial site, `https://fin-ncloud.apigw.fin-ntruss.com`.
    Fin,
}

impl Site {
    /// The site's API gateway base URL (no trailing slash).
    pub const fn endpoint(self) -> &'static str {
        match self {
            Site::Public => "https://ncloud.apigw.ntruss.com",
            Site::Gov => "https://ncloud.apigw.gov-ntruss.com",
            Site::Fin => "https://fin-ncloud.apigw.fin-ntruss.com",
        }
    }

    /// The site named `public`, `gov` or `fin` (as terraform's `NCLOUD_SITE`), any case.
    pub fn from_name(name: &str) -> Option<Site> {
        match name.trim().to_ascii_lowercase().as_str() {
            "public" | "pub" => Some(Site::Public),
            "gov" => Some(Site::Gov),
            "fin" => Some(Site::Fin),
            _ => None,
        }
    }

    /// The site's short name: `public`, `gov` or `fin`.
    pub const fn name(self) -> &'static str {
        match self {
            Site::Public => "public",
            Site::Gov => "gov",
            Site::Fin => "fin",
        }
    }
}

/// An NCP region code (`regionCode`), such as `KR`.
///
/// It is a string: the constants name the regions known when this was written, and
/// [`RegionCode::new`] takes any other. `String: From<RegionCode>`, so a constant can be
/// passed straight to a generated `region_code(...)` setter.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(Cow<'static, str>);

impl RegionCode {
    /// Korea (public and public-sector sites).
    pub const KR: RegionCode = RegionCode(Cow::Borrowed("KR"));
    /// Singapore.
    pub const SGN: RegionCode = RegionCode(Cow::Borrowed("SGN"));
    /// Japan.
    pub const JPN: RegionCode = RegionCode(Cow::Borrowed("JPN"));
    /// US West.
    pub const USWN: RegionCode = RegionCode(Cow::Borrowed("USWN"));
    /// Germany.
    pub const DEN: RegionCode = RegionCode(Cow::Borrowed("DEN"));
    /// Korea on the financial site.
    pub const FKR: RegionCode = RegionCode(Cow::Borrowed("FKR"));

    /// Any region code.
    pub fn new(code: impl Into<String>) -> Self {
        RegionCode(Cow::Owned(code.into()))
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({:?})", self.as_str())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for RegionCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for RegionCode {
    fn from(code: &str) -> Self {
        RegionCode::new(code)
    }
}

impl From<String> for RegionCode {
    fn from(code: String) -> Self {
        RegionCode::new(code)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.0.into_owned()
    }
}

/// The format the service is asked to answer in (`responseFormatType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResponseFormat {
    /// `json` (this SDK's default).
    #[default]
    Json,
    /// `xml` (the service's default when the parameter is absent).
    Xml,
}

impl ResponseFormat {
    /// The parameter value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResponseFormat::Json => "json",
            ResponseFormat::Xml => "xml",
        }
    }
}

/// How parameters are sent. Every NCP operation accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RequestStyle {
    /// `POST` with an `application/x-www-form-urlencoded` body; only the path is signed.
    #[default]
    PostForm,
    /// `GET` with the parameters in the query, which is signed exactly as sent.
    GetQuery,
}

/// What is added to every request besides the operation's own parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// `POST` form (default) or `GET` query.
    pub style: RequestStyle,
    /// The `responseFormatType` sent.
    pub format: ResponseFormat,
    /// The `regionCode` sent when the input does not set one.
    pub default_region: Option<RegionCode>,
}

// ---------------------------------------------------------------------------------------
// Requests

/// Builds the request for `spec` with `parts`: nothing is signed yet.
///
/// Parameters keep the order of `parts` (the description's order); a default region, when
/// the input has none, comes first and `responseFormatType` last. Every parameter value is
/// checked again here, whatever produced `parts`: an empty value, a control character or a
/// caller-supplied `responseFormatType` is an [`Error::InvalidInput`], so nothing is sent.
pub fn build_request(
    spec: &OperationSpec,
    parts: &RequestParts,
    options: &RequestOptions,
) -> Result<HttpRequest, Error> {
    if spec.body == BodyKind::Json {
        return Err(Error::Config(format!(
            "{}: NCP operations take parameters, not a JSON body (check the API description)",
            spec.name()
        )));
    }
    let path = parts.render_path(spec.path_template)?;
    let mut params: Vec<(&str, &str)> = Vec::with_capacity(parts.params.len() + 2);
    if let Some(region) = &options.default_region
        && parts.param(REGION_CODE_PARAM).is_none()
    {
        params.push((REGION_CODE_PARAM, region.as_str()));
    }
    for (name, value) in &parts.params {
        params.push((name.as_str(), value.as_str()));
    }
    for (name, value) in &params {
        check_param(name, value)?;
    }
    params.push((RESPONSE_FORMAT_PARAM, options.format.as_str()));
    let encoded = encode_pairs(&params);
    let request = match options.style {
        RequestStyle::PostForm => {
            let mut request = HttpRequest::new(Method::Post, path);
            request.set_header("content-type", "application/x-www-form-urlencoded");
            request.body = encoded.into_bytes();
            request
        }
        RequestStyle::GetQuery => {
            let mut request = HttpRequest::new(Method::Get, path);
            request.query = encoded;
            request
        }
    };
    Ok(request)
}

fn check_param(name: &str, value: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid_input(
            "(parameter name)",
            "must not be empty",
        ));
    }
    if name == RESPONSE_FORMAT_PARAM {
        return Err(Error::invalid_input(
            name,
            "is set by the client (choose the response format when building it)",
        ));
    }
    crate::operation::no_control_chars(name, name)?;
    if value.is_empty() {
        return Err(Error::invalid_input(name, "must not be empty"));
    }
    crate::operation::no_control_chars(name, value)
}

// ---------------------------------------------------------------------------------------
// Bodies: JSON or XML

/// A body's text and which of the two formats it is in (by its first non-blank byte).
enum BodyText<'a> {
    Json(&'a str),
    Xml(&'a str),
}

fn body_text(body: &[u8]) -> Result<BodyText<'_>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("body is not UTF-8: {e}"))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    match trimmed.as_bytes().first() {
        None => Err("body is empty".to_owned()),
        Some(b'{' | b'[') => Ok(BodyText::Json(trimmed)),
        Some(b'<') => Ok(BodyText::Xml(trimmed)),
        Some(_) => Err("body is neither JSON nor XML".to_owned()),
    }
}

/// Parses a response body as JSON or XML, whichever it is (by its first non-blank byte),
/// into one value tree.
///
/// The tree is bounded like every decoded response ([`de::with_response_budget`], and
/// [`MAX_XML_ELEMENTS`] for XML); the client itself decodes responses straight into their
/// output types and never builds this tree for JSON.
///
/// The error is a short reason; the caller keeps the excerpt.
pub fn parse_body(body: &[u8]) -> Result<Value, String> {
    match body_text(body)? {
        BodyText::Json(text) => de::with_response_budget(|| {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            Value::deserialize_lenient(&mut deserializer)
                .and_then(|value| deserializer.end().map(|()| value))
                .map_err(|e| format!("invalid JSON: {e}"))
        }),
        BodyText::Xml(text) => xml_to_value(text),
    }
}

/// Turns an XML document into a JSON value: `{root: content}`.
///
/// - An element with child elements becomes an object of its children; a child name that
///   repeats becomes an array of its values, in document order. Text mixed with child
///   elements is dropped.
/// - An element with only text becomes that text, trimmed, as a string (numbers and booleans
///   stay strings; the lenient deserializers of generated types accept them).
/// - An empty element (`<a/>`, `<a></a>`, or only whitespace) becomes `null`, which every
///   generated optional field reads as absent and every list as empty.
/// - Attributes, comments, processing instructions and the document type are ignored;
///   namespace prefixes are dropped from names. Character references and the five
///   predefined entities are resolved; any other entity is kept as written (no DTD
///   expansion, so no entity bombs).
///
/// Elements nest at most [`MAX_XML_DEPTH`] deep (serde_json's own limit for JSON), so a
/// hostile document cannot overflow the stack when the tree is used or dropped, and a
/// document holds at most [`MAX_XML_ELEMENTS`] elements, so that the tree of any body under
/// the size cap stays small; past either limit the document is an error.
pub fn xml_to_value(text: &str) -> Result<Value, String> {
    struct Frame {
        name: String,
        children: Map<String, Value>,
        text: String,
    }

    // Values are strings, objects or null, never arrays: an array found among the
    // children can only be one this function made for a repeated name.
    fn attach(children: &mut Map<String, Value>, name: String, value: Value) {
        match children.get_mut(&name) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                children.insert(name, value);
            }
        }
    }

    fn finish(frame: Frame) -> (String, Value) {
        let value = if !frame.children.is_empty() {
            Value::Object(frame.children)
        } else {
            let text = frame.text.trim();
            if text.is_empty() {
                Value::Null
            } else {
                Value::String(text.to_owned())
            }
        };
        (frame.name, value)
    }

    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    let mut elements = 0usize;
    let mut count_element = || {
        elements += 1;
        if elements > MAX_XML_ELEMENTS {
            Err(format!("XML has more than {MAX_XML_ELEMENTS} elements"))
        } else {
            Ok(())
        }
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("invalid XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                count_element()?;
                if root.is_some() {
                    return Err("invalid XML: more than one root element".to_owned());
                }
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_XML_DEPTH} elements"));
                }
                stack.push(Frame {
                    name: local_name(start.local_name().as_ref()),
                    children: Map::new(),
                    text: String::new(),
                });
            }
            Event::Empty(start) => {
                count_element()?;
                let name = local_name(start.local_name().as_ref());
                match stack.last_mut() {
                    Some(parent) => attach(&mut parent.children, name, Value::Null),
                    None if root.is_none() => root = Some((name, Value::Null)),
                    None => return Err("invalid XML: more than one root element".to_owned()),
                }
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err("invalid XML: unmatched end tag".to_owned());
                };
                let (name, value) = finish(frame);
                match stack.last_mut() {
                    Some(parent) => attach(&mut parent.children, name, value),
                    None => root = Some((name, value)),
                }
            }
            Event::Text(t) => {
                if let Some(frame) = stack.last_mut() {
                    let decoded = t
                        .xml10_content()
                        .map_err(|e| format!("invalid XML text: {e}"))?;
                    frame.text.push_str(&decoded);
                } else if !t.iter().all(u8::is_ascii_whitespace) {
                    return Err("invalid XML: text outside the root element".to_owned());
                }
            }
            Event::CData(c) => {
                if let Some(frame) = stack.last_mut() {
                    frame.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(frame) = stack.last_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => frame.text.push(c),
                        _ => {
                            let name = String::from_utf8_lossy(&r).into_owned();
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(resolved) => frame.text.push_str(resolved),
                                None => {
                                    frame.text.push('&');
                                    frame.text.push_str(&name);
                                    frame.text.push(';');
                                }
                            }
                        }
                    }
                }
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("invalid XML: the document ends inside an element".to_owned());
    }
    let (name, value) = root.ok_or_else(|| "invalid XML: no root element".to_owned())?;
    let mut object = Map::new();
    object.insert(name, value);
    Ok(Value::Object(object))
}

/// How deep [`xml_to_value`] lets elements nest.
pub const MAX_XML_DEPTH: usize = 128;

/// How many elements [`xml_to_value`] reads: 20 members for each of
/// [`de::MAX_LIST_ITEMS`] items.
pub const MAX_XML_ELEMENTS: usize = 200_000;

fn local_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// The object inside the `<operation>Response` envelope of `value`.
///
/// Accepts, in this order: a member named `wrapper`; the only member of the root when its
/// name ends in `Response` (a server that spells the operation differently); the root
/// itself when it carries `returnCode` (no envelope at all). `None` when none applies.
pub fn unwrap_envelope<'a>(value: &'a Value, wrapper: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    if let Some(inner) = object.get(wrapper) {
        return Some(inner);
    }
    if object.len() == 1
        && let Some((name, inner)) = object.iter().next()
        && name.ends_with("Response")
    {
        return Some(inner);
    }
    if object.contains_key("returnCode") {
        return Some(value);
    }
    None
}

// ---------------------------------------------------------------------------------------
// Errors

/// Which layer produced an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorSource {
    /// The API gateway (`{"error":{"errorCode",...}}`): authentication, permission, quota,
    /// routing. The service never saw the request.
    Gateway,
    /// The service (`{"responseError":{"returnCode",...}}`, or an envelope whose
    /// `returnCode` is not `"0"`).
    Service,
}

/// What an error body says, read leniently.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorBody {
    /// Gateway or service.
    pub source: ErrorSource,
    /// `errorCode` or `returnCode` (also read from `responseCode`, `code`).
    pub code: Option<String>,
    /// `message` or `returnMessage` (also `responseMessage`, `errorMessage`).
    pub message: Option<String>,
    /// The gateway's `details`.
    pub details: Option<String>,
    /// `requestId`, when the body carries one.
    pub request_id: Option<String>,
}

const CODE_KEYS: [&str; 4] = ["returnCode", "responseCode", "errorCode", "code"];
const MESSAGE_KEYS: [&str; 4] = [
    "returnMessage",
    "responseMessage",
    "message",
    "errorMessage",
];
const GATEWAY_CODE_KEYS: [&str; 4] = ["errorCode", "code", "returnCode", "responseCode"];
const GATEWAY_MESSAGE_KEYS: [&str; 4] = [
    "message",
    "errorMessage",
    "returnMessage",
    "responseMessage",
];

/// Reads an error body (or a success envelope, whose `returnCode` is then `"0"`) from a
/// response body, in JSON or XML.
///
/// A body that parses is read structurally, keeping only the members named above (the
/// rest is skipped, whatever its size). One that does not (a missing comma, a truncated
/// document) is scanned for the known keys, as `"key": "value"` or `<key>value</key>`.
/// `None` when neither finds anything: an HTML error page, an empty body.
pub fn parse_error_body(body: &[u8]) -> Option<ErrorBody> {
    let parsed = body_text(body).and_then(|text| match text {
        BodyText::Json(text) => serde_json::from_str::<ErrorRoot>(text).map_err(|e| e.to_string()),
        BodyText::Xml(text) => {
            let value = xml_to_value(text)?;
            ErrorRoot::deserialize(&value).map_err(|e| e.to_string())
        }
    });
    match parsed {
        Ok(root) => root.into_error_body(),
        Err(_) => scan_error_body(&String::from_utf8_lossy(body)),
    }
}

/// The members of an error object this module reads, by name.
const ERROR_FIELDS: [&str; 11] = [
    "returnCode",
    "responseCode",
    "errorCode",
    "code",
    "returnMessage",
    "responseMessage",
    "message",
    "errorMessage",
    "details",
    "detail",
    "requestId",
];

/// The known members of one object of an error body: whether each is present, and its
/// text when it is a string, number or boolean. Other members are skipped unread.
#[derive(Clone, Default)]
struct ErrorFields {
    present: [bool; ERROR_FIELDS.len()],
    text: [Option<String>; ERROR_FIELDS.len()],
}

impl ErrorFields {
    fn index(name: &str) -> Option<usize> {
        ERROR_FIELDS.iter().position(|known| *known == name)
    }

    fn has(&self, name: &str) -> bool {
        Self::index(name).is_some_and(|i| self.present.get(i).copied().unwrap_or(false))
    }

    fn mark_present(&mut self, i: usize) {
        if let Some(present) = self.present.get_mut(i) {
            *present = true;
        }
    }

    fn set_text(&mut self, i: usize, text: Option<String>) {
        if let Some(slot) = self.text.get_mut(i) {
            *slot = text;
        }
    }

    /// The text of the first of `names` that has one.
    fn first(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .filter_map(|name| Self::index(name))
            .find_map(|i| self.text.get(i).cloned().flatten())
    }
}

/// A member's value as far as error bodies care: its text, or the known members of an
/// object; anything else (arrays, null) is skipped.
enum ErrorValue {
    Text(Option<String>),
    Object(Box<ErrorFields>),
}

impl ErrorValue {
    fn into_text(self) -> Option<String> {
        match self {
            ErrorValue::Text(text) => text,
            ErrorValue::Object(_) => None,
        }
    }

    fn into_object(self) -> Option<ErrorFields> {
        match self {
            ErrorValue::Object(fields) => Some(*fields),
            ErrorValue::Text(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for ErrorValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ErrorValueVisitor)
    }
}

struct ErrorValueVisitor;

impl<'de> Visitor<'de> for ErrorValueVisitor {
    type Value = ErrorValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_string())))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_string())))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(
            serde_json::Number::from_f64(v).map(|n| n.to_string()),
        ))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(Some(v.to_string())))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<ErrorValue, E> {
        Ok(ErrorValue::Text(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ErrorValue::Text(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorValue, A::Error> {
        let mut fields = ErrorFields::default();
        while let Some(key) = map.next_key::<String>()? {
            match ErrorFields::index(&key) {
                Some(i) => {
                    fields.mark_present(i);
                    fields.set_text(i, map.next_value::<ErrorValue>()?.into_text());
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ErrorValue::Object(Box::new(fields)))
    }
}

/// The top level of an error body: its own known members, `error`, `responseError`, and
/// the first member when it is an object (an envelope `{"xResponse": {...}}`).
#[derive(Default)]
struct ErrorRoot {
    is_object: bool,
    members: usize,
    fields: ErrorFields,
    error: Option<ErrorValue>,
    response_error: Option<ErrorFields>,
    first_member: Option<ErrorFields>,
}

impl<'de> Deserialize<'de> for ErrorRoot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ErrorRootVisitor)
    }
}

struct ErrorRootVisitor;

impl<'de> Visitor<'de> for ErrorRootVisitor {
    type Value = ErrorRoot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorRoot, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ErrorRoot::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorRoot, A::Error> {
        let mut root = ErrorRoot {
            is_object: true,
            ..ErrorRoot::default()
        };
        while let Some(key) = map.next_key::<String>()? {
            root.members += 1;
            let known = ErrorFields::index(&key);
            let wanted =
                root.members == 1 || known.is_some() || key == "error" || key == "responseError";
            if !wanted {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value::<ErrorValue>()?;
            if let Some(i) = known {
                root.fields.mark_present(i);
            }
            if root.members == 1
                && let ErrorValue::Object(fields) = &value
            {
                root.first_member = Some(ErrorFields::clone(fields));
            }
            match (known, key.as_str()) {
                (Some(i), _) => root.fields.set_text(i, value.into_text()),
                (None, "error") => root.error = Some(value),
                (None, "responseError") => root.response_error = value.into_object(),
                _ => {}
            }
        }
        Ok(root)
    }
}

impl ErrorRoot {
    fn into_error_body(self) -> Option<ErrorBody> {
        if !self.is_object {
            return None;
        }
        if let Some(error) = self.error {
            return Some(match error {
                ErrorValue::Object(e) => ErrorBody {
                    source: ErrorSource::Gateway,
                    code: e.first(&GATEWAY_CODE_KEYS),
                    message: e.first(&GATEWAY_MESSAGE_KEYS),
                    details: e.first(&["details", "detail"]),
                    request_id: e
                        .first(&["requestId"])
                        .or_else(|| self.fields.first(&["requestId"])),
                },
                ErrorValue::Text(message) => ErrorBody {
                    source: ErrorSource::Gateway,
                    code: None,
                    message,
                    details: None,
                    request_id: self.fields.first(&["requestId"]),
                },
            });
        }
        if let Some(e) = self.response_error {
            return Some(ErrorBody {
                source: ErrorSource::Service,
                code: e.first(&CODE_KEYS),
                message: e.first(&MESSAGE_KEYS),
                details: None,
                request_id: e
                    .first(&["requestId"])
                    .or_else(|| self.fields.first(&["requestId"])),
            });
        }
        let inner = if self.fields.has("returnCode") || self.fields.has("responseCode") {
            self.fields
        } else if self.members == 1 {
            self.first_member?
        } else {
            return None;
        };
        let code = inner.first(&["returnCode", "responseCode"])?;
        Some(ErrorBody {
            source: ErrorSource::Service,
            code: Some(code),
            message: inner.first(&["returnMessage", "responseMessage"]),
            details: None,
            request_id: inner.first(&["requestId"]),
        })
    }
}

fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scan_error_body(text: &str) -> Option<ErrorBody> {
    let gateway = text.contains("\"error\"") || text.contains("<error>");
    let service = text.contains("responseError");
    let (source, code_keys, message_keys): (_, &[&str], &[&str]) = if gateway && !service {
        (
            ErrorSource::Gateway,
            &GATEWAY_CODE_KEYS,
            &GATEWAY_MESSAGE_KEYS,
        )
    } else {
        (ErrorSource::Service, &CODE_KEYS, &MESSAGE_KEYS)
    };
    let code = code_keys.iter().find_map(|k| scan_value(text, k));
    let message = message_keys.iter().find_map(|k| scan_value(text, k));
    if code.is_none() && message.is_none() && !gateway && !service {
        return None;
    }
    Some(ErrorBody {
        source,
        code,
        message,
        details: scan_value(text, "details"),
        request_id: scan_value(text, "requestId"),
    })
}

/// Finds the value of `key` in a body that may not parse: the first `"key": "value"`
/// (or `"key": token`) or `<key>value</key>`. A small hand-written scanner; no regex.
pub fn scan_value(text: &str, key: &str) -> Option<String> {
    scan_json_value(text, key).or_else(|| scan_xml_value(text, key))
}

fn scan_json_value(text: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    for (at, _) in text.match_indices(&needle) {
        let rest = text
            .get(at + needle.len()..)
            .unwrap_or_default()
            .trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.chars();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('r') => out.push('\r'),
                        Some('u') => {
                            let hex: String = chars.by_ref().take(4).collect();
                            if let Some(c) =
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                            {
                                out.push(c);
                            }
                        }
                        Some(other) => out.push(other),
                        None => break,
                    },
                    c => out.push(c),
                }
                if out.len() > 4096 {
                    break;
                }
            }
            if closed {
                return Some(out);
            }
            continue;
        }
        let token: String = rest
            .chars()
            .take_while(|c| !matches!(c, ',' | '}' | ']' | '"') && !c.is_whitespace())
            .take(256)
            .collect();
        if !token.is_empty() && token != "null" {
            return Some(token);
        }
    }
    None
}

fn scan_xml_value(text: &str, key: &str) -> Option<String> {
    let open = format!("<{key}>");
    let close = format!("</{key}>");
    let (_, after_open) = text.split_once(&open)?;
    let (raw, _) = after_open.split_once(&close)?;
    let raw = raw.trim();
    let raw = raw
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
        .unwrap_or(raw);
    Some(
        quick_xml::escape::unescape(raw)
            .map(Cow::into_owned)
            .unwrap_or_else(|_| raw.to_owned()),
    )
}

/// Classifies an NCP response: `None` for a success, the [`ServiceError`] otherwise.
///
/// | what | kind | retried |
/// |---|---|---|
/// | HTTP 401; gateway `200` Authentication Failed | `Authentication` | never |
/// | gateway `210` Permission Denied, `230` Forbidden; HTTP 403; service `5000020` (sub-account not allowed) | `PermissionDenied` | never |
/// | HTTP 429; gateway `400` Quota Exceeded, `410` Throttle Limited, `420` Rate Limited | `Throttling` | yes (`Safe`: not processed) |
/// | HTTP 503 with gateway `500` Endpoint Error | `Unavailable` | yes (`Safe`: the gateway could not reach the service) |
/// | service `1000` ("Please try your call again later") | `Unavailable` | only idempotent operations (`IfIdempotent`): no public source says it means "not processed" |
/// | service `5001017` (lookup result is 0 or already deleted); gateway `300`; HTTP 404 | `NotFound` | never |
/// | service `900` (required field not specified); gateway `100`, `430`; other 4xx | `InvalidRequest` | never |
/// | gateway `510` Endpoint Timeout, `900` Unexpected Error; other 5xx | `Unavailable`/`Server` | only idempotent operations (`IfIdempotent`) |
/// | a 2xx whose `returnCode` is not `"0"`, with a code not listed above | `Other` | never |
///
/// The service's message, the gateway's `details` and `requestId` are kept; the raw
/// excerpt is always kept.
pub fn classify_error(status: u16, body: &[u8]) -> Option<ServiceError> {
    let success = (200..300).contains(&status);
    let parsed = parse_error_body(body);
    if success {
        match &parsed {
            None => return None,
            Some(b)
                if b.source == ErrorSource::Service && b.code.as_deref().is_none_or(is_zero) =>
            {
                return None;
            }
            Some(_) => {}
        }
    }
    let (kind, retryability) = classify_code(status, parsed.as_ref());
    let mut error = ServiceError::new(status, kind, retryability).with_excerpt(body);
    if let Some(b) = parsed {
        error.code = b.code;
        error.message = match (b.message, b.details) {
            (Some(m), Some(d)) if !d.trim().is_empty() && d != m => Some(format!("{m} ({d})")),
            (Some(m), _) => Some(m),
            (None, Some(d)) if !d.trim().is_empty() => Some(d),
            (None, _) => None,
        };
        error.request_id = b.request_id;
    }
    Some(error)
}

fn is_zero(code: &str) -> bool {
    code.trim() == "0"
}

fn classify_code(status: u16, body: Option<&ErrorBody>) -> (ServiceErrorKind, Retryability) {
    use Retryability::{IfIdempotent, No, Safe};
    use ServiceErrorKind as K;
    let code = body.and_then(|b| b.code.as_deref()).map(str::trim);
    let source = body.map(|b| b.source);
    match (source, code) {
        (Some(ErrorSource::Gateway), Some("200")) => return (K::Authentication, No),
        (Some(ErrorSource::Gateway), Some("210" | "230")) => return (K::PermissionDenied, No),
        (Some(ErrorSource::Gateway), Some("400" | "410" | "420")) => return (K::Throttling, Safe),
        (Some(ErrorSource::Gateway), Some("500")) if status == 503 => {
            return (K::Unavailable, Safe);
        }
        (Some(ErrorSource::Gateway), Some("500" | "510")) => return (K::Unavailable, IfIdempotent),
        (Some(ErrorSource::Gateway), Some("300")) => return (K::NotFound, No),
        (Some(ErrorSource::Gateway), Some("100" | "430")) => return (K::InvalidRequest, No),
        (Some(ErrorSource::Gateway), Some("900")) => return (K::Server, IfIdempotent),
        (Some(ErrorSource::Service), Some("5001017")) => return (K::NotFound, No),
        (Some(ErrorSource::Service), Some("900")) => return (K::InvalidRequest, No),
        // "Please try your call again later": retryable (terraform-provider-ncloud #298),
        // but nothing public says the request was not processed, so a create answered
        // with it is ambiguous rather than repeated.
        (Some(ErrorSource::Service), Some("1000")) => return (K::Unavailable, IfIdempotent),
        (Some(ErrorSource::Service), Some("5000020")) => return (K::PermissionDenied, No),
        _ => {}
    }
    match status {
        200..=299 => (K::Other, No),
        401 => (K::Authentication, No),
        _ => DefaultClassifier::by_status(status),
    }
}

/// The [`ClassifyResponse`] of NCP: [`classify_error`], and the request id from the body's
/// `requestId` (envelope, `error` or `responseError`), else the `X-Request-Id` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct NcpClassifier;

impl ClassifyResponse for NcpClassifier {
    fn classify(
        &self,
        _operation: &OperationInfo,
        response: &HttpResponse,
    ) -> Option<ServiceError> {
        classify_error(response.status, &response.body)
    }

    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        request_id_of(response)
    }

    /// The gateway answers a timestamp more than [`SIGNATURE_WINDOW`] from its clock with
    /// its generic 401 "Authentication Failed" (code 200), the same as a wrong key: so any
    /// 401 may be skew, and the response's `Date` decides. UNVERIFIED that the gateway has
    /// no more specific answer.
    fn skew_signal(&self, error: &ServiceError) -> Option<SkewSignal> {
        (error.http_status == 401 && error.kind == ServiceErrorKind::Authentication).then_some(
            SkewSignal::Possible {
                window: SIGNATURE_WINDOW,
            },
        )
    }
}

/// How far the API Gateway lets `x-ncp-apigw-timestamp` be from its clock (5 minutes, per
/// the Ncloud API v2 documentation).
pub const SIGNATURE_WINDOW: Duration = Duration::from_secs(5 * 60);

fn request_id_of(response: &HttpResponse) -> Option<String> {
    let head = response.body.get(..64 * 1024).unwrap_or(&response.body);
    scan_value(&String::from_utf8_lossy(head), "requestId")
        .filter(|id| !id.is_empty())
        .or_else(|| response.header("x-request-id").map(str::to_owned))
}

/// Decodes a successful response of `spec`: unwraps the envelope, checks `returnCode`,
/// and deserializes the inside into `O`.
///
/// JSON is read once, straight into `O` (no intermediate value tree); XML goes through
/// [`xml_to_value`]. Either way the decoded response stays within
/// [`de::MAX_DECODED_BYTES`] and lists within [`de::MAX_LIST_ITEMS`] items.
///
/// Errors: [`Error::UnparseableResponse`] (with the excerpt) for a body that is neither
/// JSON nor XML, lacks the envelope or its `returnCode`, does not fit `O` (a member the
/// description requires is missing) or is past a size limit;
/// [`Error::Service`] for a `returnCode` other than `"0"` (normally caught earlier by
/// [`NcpClassifier`]).
pub fn decode_success<O: DeserializeOwned>(
    vendor: &'static str,
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    let unparseable = |reason: String| {
        let mut e = ResponseError::for_response(&spec.info, response, reason);
        e.vendor = vendor;
        e.request_id = request_id_of(response);
        Error::from(e)
    };
    let default_wrapper;
    let wrapper = match spec.response_wrapper {
        Some(w) => w,
        None => {
            default_wrapper = format!("{}Response", spec.name());
            &default_wrapper
        }
    };
    let mut return_code = None;
    let decoded = de::with_response_budget(|| match body_text(&response.body)? {
        BodyText::Json(text) => decode_json_envelope::<O>(text, wrapper, &mut return_code),
        BodyText::Xml(text) => {
            let value = xml_to_value(text)?;
            let inner = unwrap_envelope(&value, wrapper)
                .ok_or_else(|| format!("the response has no `{wrapper}` envelope"))?;
            return_code = inner.get("returnCode").and_then(scalar_string);
            let output = if inner.is_null() {
                O::deserialize(empty_object())
            } else {
                O::deserialize(inner)
            };
            output.map_err(|e| format!("the `{wrapper}` content does not fit the output type: {e}"))
        }
    });
    // A non-zero code is the answer even when the rest does not fit `O`.
    if let Some(code) = &return_code
        && !is_zero(code)
        && let Some(mut error) = classify_error(response.status, &response.body)
    {
        error.vendor = vendor;
        error.operation = spec.name();
        let mut secrets = response.secrets.clone();
        secrets.add_json_body(&response.body);
        crate::error::seal_service_error(&mut error, &spec.info, &response.body, &secrets);
        return Err(error.into());
    }
    let output = decoded.map_err(unparseable)?;
    // NCP answers every success with `returnCode` "0" (both formats): an answer without
    // one, or with a code no error body explains, does not say the request was accepted.
    match return_code.as_deref() {
        Some(code) if is_zero(code) => Ok(output),
        Some(code) => Err(unparseable(format!(
            "the `{wrapper}` has returnCode \"{}\", which is not success, and no error to go with it",
            crate::redact::truncate_chars(code, 40)
        ))),
        None => Err(unparseable(format!(
            "the `{wrapper}` has no `returnCode`: NCP answers every success with returnCode \"0\""
        ))),
    }
}

fn empty_object() -> serde::de::value::MapDeserializer<
    'static,
    std::iter::Empty<(&'static str, &'static str)>,
    serde_json::Error,
> {
    serde::de::value::MapDeserializer::new(std::iter::empty())
}

/// Reads a JSON success body into `O` through its envelope, as [`unwrap_envelope`] would
/// find it: the member named `wrapper`, else the only member when its name ends in
/// `Response`, else the root itself when it carries `returnCode`.
fn decode_json_envelope<O: DeserializeOwned>(
    text: &str,
    wrapper: &str,
    return_code: &mut Option<String>,
) -> Result<O, String> {
    let reason = |e: serde_json::Error| {
        if e.is_syntax() || e.is_eof() {
            format!("invalid JSON: {e}")
        } else {
            format!("the `{wrapper}` content does not fit the output type: {e}")
        }
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = EnvelopeSeed {
        wrapper,
        return_code: &mut *return_code,
        output: PhantomData::<O>,
    }
    .deserialize(&mut deserializer)
    .and_then(|found| deserializer.end().map(|()| found))
    .map_err(reason)?;
    match found {
        Envelope::Found(output) => Ok(output),
        Envelope::Missing => Err(format!("the response has no `{wrapper}` envelope")),
        // A bare envelope: the root's members are the output's. Rare enough (no NCP
        // service answers so) that reading the body a second time is fine.
        Envelope::Root => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let output = InnerSeed {
                return_code,
                output: PhantomData::<O>,
            }
            .deserialize(&mut deserializer)
            .and_then(|output| deserializer.end().map(|()| output))
            .map_err(reason)?;
            Ok(output)
        }
    }
}

/// Where the output of a JSON body is.
enum Envelope<O> {
    Found(O),
    Root,
    Missing,
}

struct EnvelopeSeed<'a, O> {
    wrapper: &'a str,
    return_code: &'a mut Option<String>,
    output: PhantomData<O>,
}

impl<'de, O: DeserializeOwned> DeserializeSeed<'de> for EnvelopeSeed<'_, O> {
    type Value = Envelope<O>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Envelope<O>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, O: DeserializeOwned> Visitor<'de> for EnvelopeSeed<'_, O> {
    type Value = Envelope<O>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` member", self.wrapper)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Envelope<O>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Envelope::Missing)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<O>, A::Error> {
        let mut exact = None;
        let mut only_member = None;
        let mut members = 0usize;
        let mut has_return_code = false;
        while let Some(key) = map.next_key::<String>()? {
            members += 1;
            // Either one's code is noted as soon as it is read, so that a non-zero code
            // still answers when the rest does not fit `O` (`decode_success` then asks
            // `classify_error`, which reads the body as a whole, before believing it).
            if key == self.wrapper {
                exact = Some(map.next_value_seed(InnerSeed {
                    return_code: &mut *self.return_code,
                    output: PhantomData::<O>,
                })?);
            } else if members == 1 && key.ends_with("Response") {
                // Kept in case it turns out to be the only member.
                only_member = Some(map.next_value_seed(InnerSeed {
                    return_code: &mut *self.return_code,
                    output: PhantomData::<O>,
                })?);
            } else {
                has_return_code |= key == "returnCode";
                map.next_value::<IgnoredAny>()?;
            }
        }
        let found = match (exact, only_member) {
            (Some(output), _) => Envelope::Found(output),
            (None, Some(output)) if members == 1 => Envelope::Found(output),
            _ if has_return_code => Envelope::Root,
            _ => Envelope::Missing,
        };
        if !matches!(found, Envelope::Found(_)) {
            *self.return_code = None;
        }
        Ok(found)
    }
}

/// Reads the inside of an envelope into `O`, noting its `returnCode` on the way.
struct InnerSeed<'a, O> {
    return_code: &'a mut Option<String>,
    output: PhantomData<O>,
}

impl<'de, O: DeserializeOwned> DeserializeSeed<'de> for InnerSeed<'_, O> {
    type Value = O;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<O, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, O: DeserializeOwned> Visitor<'de> for InnerSeed<'_, O> {
    type Value = O;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<O, E> {
        O::deserialize(empty_object()).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<O, A::Error> {
        O::deserialize(MapAccessDeserializer::new(NoteReturnCode {
            map,
            return_code: self.return_code,
            at_return_code: false,
        }))
    }
}

/// Hands a map on unchanged, keeping a copy of its `returnCode`.
struct NoteReturnCode<'a, A> {
    map: A,
    return_code: &'a mut Option<String>,
    at_return_code: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for NoteReturnCode<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<String>()? else {
            return Ok(None);
        };
        self.at_return_code = key == "returnCode";
        seed.deserialize(StringDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if !std::mem::take(&mut self.at_return_code) {
            return self.map.next_value_seed(seed);
        }
        let value = self.map.next_value_seed(de::LenientSeed::<Value>::new())?;
        *self.return_code = scalar_string(&value);
        seed.deserialize(value).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------
// Timestamps

/// Parses an NCP timestamp leniently into a [`SystemTime`]: [`crate::time::parse`] with
/// [`TimestampFormat::NCP`](crate::time::TimestampFormat::NCP).
///
/// Accepts `2024-07-02T00:00:00+0900` (what the services send), `+09:00`, `+09`, `Z`, a
/// space instead of `T`, fractional seconds (kept), no seconds, a bare date `2024-07-02`,
/// the compact `20240702` and `20240702153000`, and Unix times in seconds (10 digits) or
/// milliseconds (13 digits). A time without a zone is taken as Korea Standard Time
/// (UTC+9), the zone every NCP example uses. `None` for anything else, including a day
/// its month does not have (`2024-02-31`).
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    crate::time::parse(text, crate::time::TimestampFormat::NCP)
}

// ---------------------------------------------------------------------------------------
// The client

/// A configured connection to the NCP API gateway for one service: builds, signs, sends,
/// retries and decodes. Cheap to clone.
///
/// Vendor crates wrap it (see [`FromGateway`]); it implements [`Invoke`], the interface
/// generated operation code calls.
#[derive(Clone, Debug)]
pub struct Gateway {
    vendor: &'static str,
    service: ServiceClient,
    options: RequestOptions,
}

impl Gateway {
    /// Starts configuring a bare gateway (vendor name `ncp`).
    pub fn builder() -> GatewayBuilder<Gateway> {
        GatewayBuilder::new()
    }

    /// The vendor name used in errors and traces (`ncp-vcache`, ...).
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        self.service.endpoint()
    }

    /// What is added to every request (style, format, default region).
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// The underlying transport.
    pub fn service_client(&self) -> &ServiceClient {
        &self.service
    }

    /// The unsigned request this gateway would send for `spec` and `parts`.
    pub fn request_for(
        &self,
        spec: &OperationSpec,
        parts: &RequestParts,
    ) -> Result<HttpRequest, Error> {
        build_request(spec, parts, &self.options)
    }

    /// Sends `spec` with `parts` and decodes the output.
    ///
    /// Nothing is sent when the request cannot be built (invalid input). Retries follow
    /// `spec.info.idempotent` and the classification of [`classify_error`].
    pub async fn call<O: DeserializeOwned>(
        &self,
        spec: &OperationSpec,
        parts: RequestParts,
    ) -> Result<O, Error> {
        let request = self.request_for(spec, &parts)?;
        let response = self.service.send(&spec.info, request).await?;
        decode_success(self.vendor, spec, &response)
    }
}

impl Invoke for Gateway {
    fn invoke<O>(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> BoxFuture<'_, Result<O, Error>>
    where
        O: DeserializeOwned + Send + 'static,
    {
        Box::pin(self.call(spec, parts))
    }

    fn to_request(
        &self,
        spec: &'static OperationSpec,
        parts: RequestParts,
    ) -> Result<PreparedRequest, Error> {
        self.service.prepare(self.request_for(spec, &parts)?)
    }
}

/// A client type built from a [`Gateway`]: what [`GatewayBuilder::build`] produces.
pub trait FromGateway: Sized {
    /// The vendor name used in errors and traces, such as `ncp-vcache`.
    const VENDOR: &'static str;
    /// The crate's `name/version`, put in front of the `User-Agent`.
    const USER_AGENT: &'static str;
    /// Wraps the gateway.
    fn from_gateway(gateway: Gateway) -> Self;
}

impl FromGateway for Gateway {
    const VENDOR: &'static str = "ncp";
    const USER_AGENT: &'static str = concat!("backup-core/", env!("CARGO_PKG_VERSION"));

    fn from_gateway(gateway: Gateway) -> Self {
        gateway
    }
}

/// Where the endpoint of a built client came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSource {
    /// [`GatewayBuilder::endpoint`].
    Custom,
    /// [`GatewayBuilder::site`].
    Site(Site),
    /// The `NCLOUD_API_GW` environment variable.
    Environment,
    /// Nothing was configured: the public site.
    Default,
}

/// Picks the gateway base URL: an explicit endpoint, else an explicit site, else
/// `NCLOUD_API_GW` (when set and not empty), else the public site.
///
/// Explicit configuration in code wins over the environment, so a program that chooses
/// the `gov` site is never redirected by a stray variable; `NCLOUD_API_GW` (what the
/// official SDKs read) applies to clients that leave the choice open.
pub fn resolve_endpoint(
    endpoint: Option<&str>,
    site: Option<Site>,
    env: &dyn Environment,
) -> (String, EndpointSource) {
    if let Some(endpoint) = endpoint {
        return (
            endpoint.trim().trim_end_matches('/').to_owned(),
            EndpointSource::Custom,
        );
    }
    if let Some(site) = site {
        return (site.endpoint().to_owned(), EndpointSource::Site(site));
    }
    if let Some(value) = env.var(API_GW_ENV)
        && !value.trim().is_empty()
    {
        return (
            value.trim().trim_end_matches('/').to_owned(),
            EndpointSource::Environment,
        );
    }
    (Site::Public.endpoint().to_owned(), EndpointSource::Default)
}

/// Configures a [`Gateway`], or a vendor client `C` wrapping one.
///
/// Defaults: credentials from [`NcpDefaultChain`] (environment, then
/// `~/.ncloud/configure`), read once; the endpoint from [`resolve_endpoint`]; `POST` form
/// requests; JSON responses; no default region (the service then uses the first region of
/// `getRegionList`); the transport's default retries and timeouts.
pub struct GatewayBuilder<C = Gateway> {
    credentials: Option<SharedProvider<NcpCredentials>>,
    endpoint: Option<String>,
    site: Option<Site>,
    env: Arc<dyn Environment>,
    options: RequestOptions,
    client: ClientOptions,
    target: std::marker::PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for GatewayBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayBuilder")
            .field("credentials", &self.credentials)
            .field("endpoint", &self.endpoint)
            .field("site", &self.site)
            .field("options", &self.options)
            .field("retry", &self.client.retry)
            .field("timeouts", &self.client.timeouts)
            .finish_non_exhaustive()
    }
}

impl<C: FromGateway> Default for GatewayBuilder<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: FromGateway> GatewayBuilder<C> {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self {
            credentials: None,
            endpoint: None,
            site: None,
            env: Arc::new(ProcessEnvironment),
            options: RequestOptions::default(),
            client: ClientOptions::default(),
            target: std::marker::PhantomData,
        }
    }

    /// Fixed credentials or any provider (a vault, a custom chain).
    pub fn credentials(
        mut self,
        credentials: impl ProvideCredentials<Credentials = NcpCredentials> + 'static,
    ) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// A provider shared with other clients.
    pub fn shared_credentials(mut self, credentials: SharedProvider<NcpCredentials>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The site (public, gov, fin). Overrides `NCLOUD_API_GW`; overridden by
    /// [`endpoint`](Self::endpoint).
    pub fn site(mut self, site: Site) -> Self {
        self.site = Some(site);
        self
    }

    /// A custom gateway base URL (`https://host[:port][/prefix]`), for a private
    /// deployment or an emulator. Plain `http://` is accepted for loopback hosts only,
    /// unless [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Where `NCLOUD_API_GW` and the default credential chain read from. Default: the
    /// process environment.
    pub fn environment(mut self, env: impl Environment + 'static) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// The `regionCode` sent when an operation's input leaves it unset.
    pub fn region(mut self, region: impl Into<RegionCode>) -> Self {
        self.options.default_region = Some(region.into());
        self
    }

    /// JSON (default) or XML responses.
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.options.format = format;
        self
    }

    /// `POST` with a form body (default) or `GET` with a query.
    pub fn request_style(mut self, style: RequestStyle) -> Self {
        self.options.style = style;
        self
    }

    /// The retry policy. Default: [`RetryConfig::standard`].
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.client.retry = Some(retry);
        self
    }

    /// Connect and per-attempt timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.client.timeouts = Some(timeouts);
        self
    }

    /// The clock that stamps signatures (tests freeze it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.client.clock = Some(clock);
        self
    }

    /// Whether a signing time the server refuses (the local clock is off) is corrected
    /// from the response's `Date` and the request re-sent once; the learned offset is kept
    /// for later calls. Default: on. See [`crate::skew`].
    pub fn clock_skew_correction(mut self, correct: bool) -> Self {
        self.client.clock_skew_correction = Some(correct);
        self
    }

    /// Replaces the `User-Agent` (default: the crate's `name/version` and backup-core's).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.client.user_agent = Some(user_agent.into());
        self
    }

    /// The largest response body accepted. Default 8 MiB.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.client.max_body_bytes = Some(bytes);
        self
    }

    /// Allows plain `http://` to a non-loopback custom endpoint.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.client.allow_insecure_http = allow;
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more PEM `CERTIFICATE` blocks)
    /// besides the built-in roots, for a server whose certificate an internal CA issued.
    /// Can be called more than once; a PEM without a parseable certificate fails `build`
    /// with [`Error::Config`]. See
    /// [`ServiceClientBuilder::add_root_certificate_pem`](crate::ServiceClientBuilder::add_root_certificate_pem).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client.root_certificates_pem.push(pem.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an endpoint that is not an `https://` URL (or `http://` to
    /// loopback), or one with a query, fragment or user info; [`Error::InvalidCredentials`]
    /// for fixed credentials that cannot be sent (an access key with CR, LF, NUL...).
    /// Credentials from a provider are not looked up here but before the first request, so
    /// a missing key surfaces as [`Error::MissingCredentials`] from the first call.
    pub fn build(self) -> Result<C, Error> {
        let (endpoint, _source) = resolve_endpoint(self.endpoint.as_deref(), self.site, &*self.env);
        let credentials = match self.credentials {
            Some(c) => {
                c.check_fixed()?;
                c
            }
            None => Arc::new(CachedProvider::new(NcpDefaultChain::with_environment(
                self.env.clone(),
            ))),
        };
        let user_agent = if C::USER_AGENT.starts_with("backup-core/") {
            C::USER_AGENT.to_owned()
        } else {
            format!(
                "{} backup-core/{}",
                C::USER_AGENT,
                env!("CARGO_PKG_VERSION")
            )
        };
        let builder = ServiceClient::builder(C::VENDOR)
            .endpoint(endpoint)
            .signer(NcpSigner::from_shared(credentials))
            .classifier(NcpClassifier)
            .user_agent(user_agent);
        let service = self.client.apply(builder).build()?;
        Ok(C::from_gateway(Gateway {
            vendor: C::VENDOR,
            service,
            options: self.options,
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Test support

/// Helpers for testing NCP clients against [`crate::test_util::ScriptedServer`]
/// (feature `test-util`).
#[cfg(feature = "test-util")]
pub mod testing {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use super::{FromGateway, GatewayBuilder, RESPONSE_FORMAT_PARAM, RequestStyle, ResponseFormat};
    use crate::clock::SteppingClock;
    use crate::credentials::{NcpCredentials, StaticEnvironment};
    use crate::encoding::{encode_pairs, percent_decode};
    use crate::sign::ncp::{self, ACCESS_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
    use crate::test_util::{Recorded, Step};
    use crate::{Error, RetryConfig, Timeouts};

    /// The access key of the signature vectors in the NCP reference notes (section 1.5).
    pub const ACCESS_KEY: &str = "AKIAEXAMPLEACCESSKEY";
    /// The secret key of those vectors.
    pub const SECRET_KEY: &str = "SECRETKEYEXAMPLE0123456789abcdefghijklmn";
    /// The timestamp of those vectors, in milliseconds.
    pub const TIMESTAMP_MS: u64 = 1_700_000_000_000;

    /// A 200 answer with `body` as `application/xml`.
    pub fn xml_ok(body: &str) -> Step {
        Step::Respond {
            status: 200,
            headers: vec![("content-type", "application/xml;charset=UTF-8".into())],
            body: body.into(),
        }
    }

    /// A builder for tests against a loopback server at `base_url`: the vector credentials,
    /// time frozen at [`TIMESTAMP_MS`], an empty environment (no `NCLOUD_API_GW`), fast
    /// retries without jitter, short timeouts.
    pub fn builder<C: FromGateway>(
        base_url: &str,
        style: RequestStyle,
        format: ResponseFormat,
    ) -> GatewayBuilder<C> {
        GatewayBuilder::new()
            .endpoint(base_url)
            .credentials(NcpCredentials::new(ACCESS_KEY, SECRET_KEY))
            .environment(StaticEnvironment::new())
            .request_style(style)
            .response_format(format)
            .clock(Arc::new(SteppingClock::frozen(
                SystemTime::UNIX_EPOCH + Duration::from_millis(TIMESTAMP_MS),
            )))
            .retry(
                RetryConfig::standard()
                    .with_jitter(false)
                    .with_backoff(Duration::from_millis(5), Duration::from_millis(5)),
            )
            .timeouts(Timeouts::new(
                Duration::from_secs(5),
                Duration::from_secs(5),
            ))
    }

    /// The parts of an error a test compares or snapshots, as JSON: variant, HTTP status,
    /// code, message, request id, kind, retryability, whether it may be retried, the
    /// excerpt (for unparseable and service errors) and the one-line `Display`.
    pub fn error_summary(error: &Error) -> serde_json::Value {
        let variant = match error {
            Error::InvalidInput(_) => "InvalidInput",
            Error::MissingCredentials(_) => "MissingCredentials",
            Error::InvalidCredentials(_) => "InvalidCredentials",
            Error::Config(_) => "Config",
            Error::Dispatch(_) => "Dispatch",
            Error::Service(_) => "Service",
            Error::UnparseableResponse(_) => "UnparseableResponse",
            Error::AmbiguousOutcome(_) => "AmbiguousOutcome",
            Error::WaitTimedOut(_) => "WaitTimedOut",
            Error::JobFailed(_) => "JobFailed",
            Error::Pagination(_) => "Pagination",
        };
        let service = error.service_error();
        let excerpt = match error {
            Error::UnparseableResponse(e) => Some(e.excerpt.clone()),
            _ => service.map(|e| e.excerpt.clone()),
        };
        serde_json::json!({
            "variant": variant,
            "http_status": error.http_status(),
            "code": error.code(),
            "message": error.message(),
            "request_id": error.request_id(),
            "kind": service.map(|e| format!("{:?}", e.kind)),
            "retryability": service.map(|e| format!("{:?}", e.retryability)),
            "is_retryable": error.is_retryable(),
            "excerpt": excerpt,
            "display": error.to_string(),
        })
    }

    /// A request as the server received it, with its NCP parts picked apart.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[non_exhaustive]
    pub struct WireRequest {
        /// `GET` or `POST`.
        pub method: String,
        /// The request-target as on the request line.
        pub target: String,
        /// The path part of the target.
        pub path: String,
        /// The query part of the target (without `?`).
        pub query: String,
        /// Every header name, lower case, sorted.
        pub header_names: Vec<String>,
        /// `content-type`, when sent.
        pub content_type: Option<String>,
        /// `x-ncp-apigw-timestamp`.
        pub timestamp: Option<String>,
        /// `x-ncp-iam-access-key`.
        pub access_key: Option<String>,
        /// `x-ncp-apigw-signature-v2`.
        pub signature: Option<String>,
        /// The body as text.
        pub body: String,
    }

    impl WireRequest {
        /// Picks `recorded` apart.
        pub fn from_recorded(recorded: &Recorded) -> Self {
            let (path, query) = match recorded.target.split_once('?') {
                Some((p, q)) => (p.to_owned(), q.to_owned()),
                None => (recorded.target.clone(), String::new()),
            };
            let mut header_names: Vec<String> =
                recorded.headers.iter().map(|(n, _)| n.clone()).collect();
            header_names.sort();
            header_names.dedup();
            let header = |name: &str| recorded.header(name).map(str::to_owned);
            Self {
                method: recorded.method.clone(),
                target: recorded.target.clone(),
                path,
                query,
                header_names,
                content_type: header("content-type"),
                timestamp: header(ncp::TIMESTAMP_HEADER),
                access_key: header(ncp::ACCESS_KEY_HEADER),
                signature: header(ncp::SIGNATURE_HEADER),
                body: String::from_utf8_lossy(&recorded.body).into_owned(),
            }
        }

        /// The parameters, decoded: from the form body of a `POST`, else from the query.
        pub fn params(&self) -> Vec<(String, String)> {
            let source = if self.method == "POST" {
                &self.body
            } else {
                &self.query
            };
            decode_pairs(source)
        }

        /// The signature recomputed with `secret` over what was received: the method, the
        /// request-target, the timestamp header and the access key header.
        pub fn expected_signature(&self, secret: &str) -> Option<String> {
            let timestamp: u64 = self.timestamp.as_deref()?.parse().ok()?;
            Some(ncp::signature(
                secret.as_bytes(),
                &self.method,
                &self.target,
                timestamp,
                self.access_key.as_deref()?,
            ))
        }

        /// Whether the received signature is the one `secret` gives.
        pub fn signature_matches(&self, secret: &str) -> bool {
            self.signature.is_some() && self.signature == self.expected_signature(secret)
        }

        /// Checks that this is the request a [`builder`] client sends in `style`, asking for
        /// `format`, for the operation at `path` with `params` (in this order): method,
        /// request-target, header names, content type, body, and [the
        /// signature](Self::check_signed).
        pub fn check(
            &self,
            style: RequestStyle,
            format: ResponseFormat,
            path: &str,
            params: &[(&str, &str)],
        ) -> Result<(), String> {
            let params: Vec<_> = params
                .iter()
                .copied()
                .chain([(RESPONSE_FORMAT_PARAM, format.as_str())])
                .collect();
            let encoded = encode_pairs(&params);
            let signed = [SIGNATURE_HEADER, TIMESTAMP_HEADER, ACCESS_KEY_HEADER];
            let (method, target, mut headers, content_type, body) = match style {
                RequestStyle::PostForm => (
                    "POST",
                    path.to_owned(),
                    vec![
                        "accept",
                        "content-length",
                        "content-type",
                        "host",
                        "user-agent",
                    ],
                    Some("application/x-www-form-urlencoded"),
                    encoded.as_str(),
                ),
                RequestStyle::GetQuery => (
                    "GET",
                    format!("{path}?{encoded}"),
                    vec!["accept", "host", "user-agent"],
                    None,
                    "",
                ),
            };
            headers.extend(signed);
            let got = (
                self.method.as_str(),
                self.target.as_str(),
                self.header_names.iter().map(String::as_str).collect(),
                self.content_type.as_deref(),
                self.body.as_str(),
            );
            let expected = (method, target.as_str(), headers, content_type, body);
            if got != expected {
                return Err(format!(
                    "(method, target, header names, content type, body) are {got:?}, expected {expected:?}"
                ));
            }
            self.check_signed()
        }

        /// Checks that the request was signed by a [`builder`] client: at [`TIMESTAMP_MS`],
        /// with [`ACCESS_KEY`], and a signature [`SECRET_KEY`] gives over what was received.
        pub fn check_signed(&self) -> Result<(), String> {
            let timestamp = TIMESTAMP_MS.to_string();
            if self.timestamp.as_deref() != Some(timestamp.as_str())
                || self.access_key.as_deref() != Some(ACCESS_KEY)
                || !self.signature_matches(SECRET_KEY)
            {
                return Err(format!(
                    "timestamp {:?}, access key {:?}, signature {:?}: expected {timestamp}, \
                     {ACCESS_KEY} and {:?}",
                    self.timestamp,
                    self.access_key,
                    self.signature,
                    self.expected_signature(SECRET_KEY)
                ));
            }
            Ok(())
        }
    }

    /// Decodes `a=1&b=x%20y` (with `+` as a space, as form bodies allow).
    pub fn decode_pairs(encoded: &str) -> Vec<(String, String)> {
        encoded
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (
                    percent_decode(k, true).unwrap_or_else(|| k.to_owned()),
                    percent_decode(v, true).unwrap_or_else(|| v.to_owned()),
                )
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::credentials::StaticEnvironment;
    use serde_json::json;

    static SPEC: OperationSpec = OperationSpec::new(
        OperationInfo::non_idempotent("exportBackupToObjectStorage"),
        Method::Get,
        "/vcache/v2/exportBackupToObjectStorage",
    )
    .with_response_wrapper("exportBackupToObjectStorageResponse");

    fn parts(pairs: &[(&str, &str)]) -> RequestParts {
        let mut parts = RequestParts::new();
        for (k, v) in pairs {
            parts.params.push(((*k).to_owned(), (*v).to_owned()));
        }
        parts
    }

    #[test]
    fn post_form_signs_only_the_path() {
        let request = build_request(
            &SPEC,
            &parts(&[("fileName", "a b&c"), ("regionCode", "KR")]),
            &RequestOptions::default(),
        )
        .unwrap();
        assert_eq!(request.method, Method::Post);
        assert_eq!(
            request.request_target(),
            "/vcache/v2/exportBackupToObjectStorage"
        );
        assert_eq!(
            String::from_utf8(request.body).unwrap(),
            "fileName=a%20b%26c&regionCode=KR&responseFormatType=json"
        );
        assert_eq!(
            request.headers,
            vec![(
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            )]
        );
    }

    #[test]
    fn get_query_puts_default_region_first_and_format_last() {
        let options = RequestOptions {
            style: RequestStyle::GetQuery,
            format: ResponseFormat::Xml,
            default_region: Some(RegionCode::KR),
        };
        let request = build_request(&SPEC, &parts(&[("fileName", "x")]), &options).unwrap();
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.query,
            "regionCode=KR&fileName=x&responseFormatType=xml"
        );
        assert!(request.body.is_empty());
        // An explicit region wins over the default.
        let request = build_request(&SPEC, &parts(&[("regionCode", "SGN")]), &options).unwrap();
        assert_eq!(request.query, "regionCode=SGN&responseFormatType=xml");
    }

    #[test]
    fn bad_values_are_refused_before_anything_is_built() {
        for bad in [
            parts(&[("fileName", "")]),
            parts(&[("fileName", "a\nb")]),
            parts(&[("fileName", "a\u{7f}")]),
            parts(&[("responseFormatType", "xml")]),
            parts(&[("", "x")]),
        ] {
            let err = build_request(&SPEC, &bad, &RequestOptions::default()).unwrap_err();
            assert!(matches!(err, Error::InvalidInput(_)), "{err}");
        }
    }

    #[test]
    fn xml_becomes_the_same_tree_as_json() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<getCloudRedisBackupListResponse>
    <requestId>r-1</requestId>
    <returnCode>0</returnCode>
    <totalRows>2</totalRows>
    <cloudRedisBackupList>
        <cloudRedisBackup><cloudRedisInstanceNo>1</cloudRedisInstanceNo><backupType><code>CLUSTER</code></backupType></cloudRedisBackup>
        <cloudRedisBackup><cloudRedisInstanceNo>2</cloudRedisInstanceNo><empty/></cloudRedisBackup>
    </cloudRedisBackupList>
    <note>a &amp; b &#x4e00; &custom; <![CDATA[<raw>]]></note>
</getCloudRedisBackupListResponse>"#;
        let value = xml_to_value(xml).unwrap();
        assert_eq!(
            value,
            json!({"getCloudRedisBackupListResponse": {
                "requestId": "r-1",
                "returnCode": "0",
                "totalRows": "2",
                "cloudRedisBackupList": {"cloudRedisBackup": [
                    {"cloudRedisInstanceNo": "1", "backupType": {"code": "CLUSTER"}},
                    {"cloudRedisInstanceNo": "2", "empty": null}
                ]},
                "note": "a & b \u{4e00} &custom; <raw>"
            }})
        );
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        for bad in ["<a><b></a>", "<a>", "<a></a><b></b>", "", "</a>", "x<a/>"] {
            assert!(xml_to_value(bad).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(100_000) + &"</a>".repeat(100_000);
        assert!(xml_to_value(&deep).unwrap_err().contains("deeper"));
        let fine = "<a>".repeat(MAX_XML_DEPTH) + &"</a>".repeat(MAX_XML_DEPTH);
        assert!(xml_to_value(&fine).is_ok());
    }

    #[test]
    fn xml_has_at_most_max_xml_elements() {
        let document = |count: usize| format!("<r>{}</r>", "<i/>".repeat(count - 1));
        assert!(xml_to_value(&document(MAX_XML_ELEMENTS)).is_ok());
        let error = xml_to_value(&document(MAX_XML_ELEMENTS + 1)).unwrap_err();
        assert!(error.contains("more than 200000 elements"), "{error}");
    }

    #[test]
    fn json_envelopes_are_found_as_unwrap_envelope_finds_them() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Out {
            #[serde(rename = "requestId")]
            request_id: Option<String>,
        }
        let decode = |body: &str| {
            let response = HttpResponse {
                status: 200,
                body: body.as_bytes().to_vec(),
                ..HttpResponse::default()
            };
            decode_success::<Out>("ncp", &SPEC, &response).map(|o| o.request_id)
        };
        let r = |id: &str| Some(id.to_owned());
        // By name, wherever it is; by suffix when alone; the root when it has returnCode.
        let named =
            r#"{"x":[1],"exportBackupToObjectStorageResponse":{"requestId":"a","returnCode":"0"}}"#;
        assert_eq!(decode(named).ok(), Some(r("a")));
        assert_eq!(
            decode(r#"{"otherResponse":{"requestId":"b","returnCode":0}}"#).ok(),
            Some(r("b"))
        );
        assert_eq!(
            decode(r#"{"requestId":"c","returnCode":"0"}"#).ok(),
            Some(r("c"))
        );
        // Found, but without the `returnCode` every success carries: not a success.
        for no_code in [
            r#"{"exportBackupToObjectStorageResponse":null}"#,
            r#"{"exportBackupToObjectStorageResponse":{"requestId":"a"}}"#,
            r#"{"exportBackupToObjectStorageResponse":{"requestId":"a","returnCode":null}}"#,
        ] {
            let err = decode(no_code).unwrap_err();
            assert!(
                matches!(err, Error::UnparseableResponse(_))
                    && err.to_string().contains("no `returnCode`"),
                "{no_code}: {err}"
            );
        }
        let two = decode(r#"{"otherResponse":{"requestId":"d"},"b":2}"#).unwrap_err();
        assert!(two.to_string().contains("envelope"), "{two}");
        let broken = decode(r#"{"exportBackupToObjectStorageResponse":{"requestId":"#);
        assert!(broken.unwrap_err().to_string().contains("invalid JSON"));
        let misfit = decode(r#"{"exportBackupToObjectStorageResponse":{"requestId":[1]}}"#);
        assert!(misfit.unwrap_err().to_string().contains("does not fit"));
        // A non-zero code is the answer even when the rest does not fit.
        let code =
            decode(r#"{"exportBackupToObjectStorageResponse":{"returnCode":"5","requestId":[1]}}"#);
        assert_eq!(code.unwrap_err().code(), Some("5"));
    }

    #[test]
    fn error_bodies_keep_only_the_known_members() {
        let junk = vec!["{}"; 100_000].join(",");
        let body = format!(
            r#"{{"junk":[{junk}],"responseError":{{"returnCode":900,"more":[{junk}],"returnMessage":"m"}},"requestId":"r"}}"#
        );
        let parsed = parse_error_body(body.as_bytes()).unwrap();
        assert_eq!(parsed.code.as_deref(), Some("900"));
        assert_eq!(parsed.message.as_deref(), Some("m"));
        assert_eq!(parsed.request_id.as_deref(), Some("r"));
        // The only member wrapping an envelope, a scalar `error`, no known member at all.
        let wrapped = parse_error_body(br#"{"xResponse":{"returnCode":"7","requestId":"w"}}"#);
        assert_eq!(wrapped.and_then(|b| b.request_id).as_deref(), Some("w"));
        let scalar = parse_error_body(br#"{"error":"Forbidden","requestId":"s"}"#).unwrap();
        assert_eq!(scalar.source, ErrorSource::Gateway);
        assert_eq!(scalar.message.as_deref(), Some("Forbidden"));
        assert_eq!(parse_error_body(br#"{"a":{"returnCode":"1"},"b":2}"#), None);
        assert_eq!(parse_error_body(b"[1,2]"), None);
    }

    #[test]
    fn envelopes_unwrap_by_name_by_suffix_or_not_at_all() {
        let v = json!({"fooResponse": {"returnCode": "0"}});
        assert_eq!(
            unwrap_envelope(&v, "fooResponse"),
            Some(&json!({"returnCode": "0"}))
        );
        assert_eq!(
            unwrap_envelope(&v, "barResponse"),
            Some(&json!({"returnCode": "0"}))
        );
        let bare = json!({"returnCode": "0", "x": 1});
        assert_eq!(unwrap_envelope(&bare, "fooResponse"), Some(&bare));
        assert_eq!(
            unwrap_envelope(&json!({"a": 1, "b": 2}), "fooResponse"),
            None
        );
    }

    fn classified(status: u16, body: &str) -> ServiceError {
        classify_error(status, body.as_bytes()).unwrap()
    }

    #[test]
    fn gateway_errors_are_classified_by_code() {
        let e = classified(
            401,
            r#"{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid authentication information."}}"#,
        );
        assert_eq!(
            (e.kind.clone(), e.retryability),
            (ServiceErrorKind::Authentication, Retryability::No)
        );
        assert_eq!(e.code.as_deref(), Some("200"));
        assert_eq!(
            e.message.as_deref(),
            Some("Authentication Failed (Invalid authentication information.)")
        );
        let cases = [
            (
                401,
                "210",
                ServiceErrorKind::PermissionDenied,
                Retryability::No,
            ),
            (
                403,
                "230",
                ServiceErrorKind::PermissionDenied,
                Retryability::No,
            ),
            (429, "400", ServiceErrorKind::Throttling, Retryability::Safe),
            (429, "410", ServiceErrorKind::Throttling, Retryability::Safe),
            (429, "420", ServiceErrorKind::Throttling, Retryability::Safe),
            (
                503,
                "500",
                ServiceErrorKind::Unavailable,
                Retryability::Safe,
            ),
            (
                500,
                "500",
                ServiceErrorKind::Unavailable,
                Retryability::IfIdempotent,
            ),
            (
                504,
                "510",
                ServiceErrorKind::Unavailable,
                Retryability::IfIdempotent,
            ),
            (404, "300", ServiceErrorKind::NotFound, Retryability::No),
            (
                400,
                "100",
                ServiceErrorKind::InvalidRequest,
                Retryability::No,
            ),
        ];
        for (status, code, kind, retry) in cases {
            let e = classified(
                status,
                &format!(r#"{{"error":{{"errorCode":"{code}","message":"m","details":""}}}}"#),
            );
            assert_eq!((e.kind, e.retryability), (kind, retry), "{status} {code}");
            assert_eq!(e.message.as_deref(), Some("m"));
        }
    }

    #[test]
    fn service_errors_are_classified_by_return_code() {
        let cases = [
            (400, "5001017", ServiceErrorKind::NotFound, Retryability::No),
            (
                400,
                "900",
                ServiceErrorKind::InvalidRequest,
                Retryability::No,
            ),
            (
                500,
                "1000",
                ServiceErrorKind::Unavailable,
                Retryability::IfIdempotent,
            ),
            (
                400,
                "5000020",
                ServiceErrorKind::PermissionDenied,
                Retryability::No,
            ),
            (
                400,
                "1017013",
                ServiceErrorKind::InvalidRequest,
                Retryability::No,
            ),
            (
                500,
                "5000009",
                ServiceErrorKind::Server,
                Retryability::IfIdempotent,
            ),
            (200, "1234", ServiceErrorKind::Other, Retryability::No),
        ];
        for (status, code, kind, retry) in cases {
            let e = classified(
                status,
                &format!(
                    r#"{{"responseError": {{"returnCode": "{code}", "returnMessage": "msg"}}}}"#
                ),
            );
            assert_eq!((e.kind, e.retryability), (kind, retry), "{status} {code}");
            assert_eq!(e.code.as_deref(), Some(code));
        }
    }

    #[test]
    fn lenient_error_bodies() {
        // Odd key names and a missing comma (seen in the wild).
        let e = classified(
            500,
            r#"{"responseError": {"responseCode": "3000100" "responseMessage": "External interworking failed."}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("3000100"));
        assert_eq!(e.message.as_deref(), Some("External interworking failed."));
        // Odd key names in valid JSON.
        let e = classified(
            400,
            r#"{"responseError":{"responseCode":5001017,"responseMessage":"gone"}}"#,
        );
        assert_eq!(e.kind, ServiceErrorKind::NotFound);
        // XML.
        let e = classified(
            400,
            "<responseError><returnCode>900</returnCode><returnMessage>Required field is not specified. location: [cloudCacheInstanceNo]</returnMessage></responseError>",
        );
        assert_eq!(e.kind, ServiceErrorKind::InvalidRequest);
        // Not JSON at all: status classification, excerpt kept.
        let e = classified(502, "<html><body>Bad Gateway</body></html>");
        assert_eq!(e.code, None);
        assert_eq!(e.kind, ServiceErrorKind::Unavailable);
        assert!(e.excerpt.contains("Bad Gateway"));
        // A success envelope with a non-zero code is an error; with "0" it is not.
        assert!(classify_error(200, br#"{"xResponse":{"returnCode":"0"}}"#).is_none());
        assert!(
            classify_error(
                200,
                br#"{"xResponse":{"returnCode":"7","returnMessage":"no"}}"#
            )
            .is_some()
        );
        assert!(
            classify_error(200, b"<xResponse><returnCode>0</returnCode></xResponse>").is_none()
        );
        // A 2xx carrying a gateway error is an error.
        let e = classified(
            200,
            r#"{"error":{"errorCode":"410","message":"Throttle Limited"}}"#,
        );
        assert_eq!(e.kind, ServiceErrorKind::Throttling);
    }

    #[test]
    fn scanner_reads_broken_json_and_xml() {
        let text = r#"{"a": {"requestId" : "r-\"1\"" "returnCode": 42, "x": null}"#;
        assert_eq!(scan_value(text, "requestId").as_deref(), Some("r-\"1\""));
        assert_eq!(scan_value(text, "returnCode").as_deref(), Some("42"));
        assert_eq!(scan_value(text, "x"), None);
        assert_eq!(
            scan_value("<a><b>x &amp; y</b>", "b").as_deref(),
            Some("x & y")
        );
        assert_eq!(scan_value("nothing", "b"), None);
    }

    #[test]
    fn timestamps_are_parsed_leniently() {
        let t = |s: &str| parse_timestamp(s).map(crate::clock::unix_seconds);
        // 2024-07-02T00:00:00+0900 = 2024-07-01T15:00:00Z = 1719846000.
        assert_eq!(t("2024-07-02T00:00:00+0900"), Some(1_719_846_000));
        assert_eq!(t("2024-07-02T00:00:00+09:00"), Some(1_719_846_000));
        assert_eq!(t("2024-07-01T15:00:00Z"), Some(1_719_846_000));
        assert_eq!(t("2024-07-02 00:00:00"), Some(1_719_846_000));
        assert_eq!(t("2024-07-02T00:00:00.123+0900"), Some(1_719_846_000));
        assert_eq!(t("2024-07-02T00:00"), Some(1_719_846_000));
        assert_eq!(t("2024-07-02"), Some(1_719_846_000));
        assert_eq!(t("20240702"), Some(1_719_846_000));
        assert_eq!(t("20240702000000"), Some(1_719_846_000));
        assert_eq!(t("1719846000"), Some(1_719_846_000));
        assert_eq!(t("1719846000000"), Some(1_719_846_000));
        assert_eq!(t("2024-07-01T10:00:00-0500"), Some(1_719_846_000));
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-07-02X",
            "2024-07-02T25:00",
            "2024-07-02T00:00:00+9",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    /// Every form the parser knows, each with a multi-byte character put in place of (and
    /// before) each of its characters, whole and cut short after it: none may panic, and
    /// none is a timestamp.
    #[test]
    fn multi_byte_characters_at_any_position_are_rejected_without_panicking() {
        let forms = [
            "2024-07-02T00:00:00.123+09:00",
            "2024-07-02 00:00:00+0900",
            "2024-07-02T00:00Z",
            "2024-07-02",
            "20240702000000",
            "1719846000000",
        ];
        let mut panicked = Vec::new();
        let mut accepted = Vec::new();
        for form in forms {
            let chars: Vec<char> = form.chars().collect();
            for position in 0..chars.len() {
                for wide in ['é', '한', '𝟘', '\u{FF10}'] {
                    let mut replaced = chars.clone();
                    replaced[position] = wide;
                    let mut inserted = chars.clone();
                    inserted.insert(position, wide);
                    for variant in [replaced, inserted] {
                        for end in position + 1..=variant.len() {
                            let text: String = variant[..end].iter().collect();
                            match std::panic::catch_unwind(|| parse_timestamp(&text)) {
                                Err(_) => panicked.push(text),
                                Ok(Some(_)) => accepted.push(text),
                                Ok(None) => {}
                            }
                        }
                    }
                }
            }
        }
        assert!(panicked.is_empty(), "panicked on {panicked:?}");
        assert!(accepted.is_empty(), "accepted {accepted:?}");
    }

    #[test]
    fn endpoint_resolution_order() {
        let env = StaticEnvironment::new().with_var(API_GW_ENV, "https://gw.example.com/");
        let none = StaticEnvironment::new();
        assert_eq!(
            resolve_endpoint(Some("https://x.example.com/"), Some(Site::Gov), &env),
            ("https://x.example.com".to_owned(), EndpointSource::Custom)
        );
        assert_eq!(
            resolve_endpoint(None, Some(Site::Fin), &env),
            (
                Site::Fin.endpoint().to_owned(),
                EndpointSource::Site(Site::Fin)
            )
        );
        assert_eq!(
            resolve_endpoint(None, None, &env),
            (
                "https://gw.example.com".to_owned(),
                EndpointSource::Environment
            )
        );
        assert_eq!(
            resolve_endpoint(None, None, &none),
            (
                "https://ncloud.apigw.ntruss.com".to_owned(),
                EndpointSource::Default
            )
        );
        let empty = StaticEnvironment::new().with_var(API_GW_ENV, " ");
        assert_eq!(
            resolve_endpoint(None, None, &empty).1,
            EndpointSource::Default
        );
        assert_eq!(Site::Gov.endpoint(), "https://ncloud.apigw.gov-ntruss.com");
        assert_eq!(
            Site::Fin.endpoint(),
            "https://fin-ncloud.apigw.fin-ntruss.com"
        );
        assert_eq!(Site::from_name("GOV"), Some(Site::Gov));
        assert_eq!(Site::from_name("moon"), None);
    }

    #[test]
    fn region_codes_are_strings() {
        let s: String = RegionCode::KR.into();
        assert_eq!(s, "KR");
        assert_eq!(RegionCode::new("XYZ").as_str(), "XYZ");
        assert_eq!(RegionCode::from("FKR"), RegionCode::FKR);
        assert_eq!(RegionCode::SGN.to_string(), "SGN");
    }

    #[test]
    fn decode_success_unwraps_and_checks_the_code() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Out {
            #[serde(rename = "requestId")]
            request_id: String,
        }
        let response = |status: u16, body: &str| HttpResponse {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            ..HttpResponse::default()
        };
        let ok: Out = decode_success(
            "ncp",
            &SPEC,
            &response(
                200,
                r#"{"exportBackupToObjectStorageResponse":{"requestId":"r","returnCode":"0"}}"#,
            ),
        )
        .unwrap();
        assert_eq!(ok.request_id, "r");
        let xml: Out = decode_success(
            "ncp",
            &SPEC,
            &response(200, "<exportBackupToObjectStorageResponse><requestId>r</requestId><returnCode>0</returnCode></exportBackupToObjectStorageResponse>"),
        )
        .unwrap();
        assert_eq!(xml, ok);
        let err = decode_success::<Out>("ncp", &SPEC, &response(200, "OK")).unwrap_err();
        assert!(
            matches!(err, Error::UnparseableResponse(ref e) if e.excerpt == "OK"),
            "{err}"
        );
        let err =
            decode_success::<Out>("ncp", &SPEC, &response(200, r#"{"a":1,"b":2}"#)).unwrap_err();
        assert!(err.to_string().contains("envelope"), "{err}");
        let err = decode_success::<Out>(
            "ncp",
            &SPEC,
            &response(
                200,
                r#"{"exportBackupToObjectStorageResponse":{"requestId":"r9","returnCode":"77"}}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(err.code(), Some("77"));
        assert_eq!(err.request_id(), Some("r9"));
    }
}
