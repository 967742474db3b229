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
//! [`Gateway`] puts this together over a [`ServiceClient`] (a [`Connection`] of
//! [`NcpProtocol`]); the vendor crates wrap it in their own client types through
//! [`GatewayBuilder`] and [`FromGateway`].
//!
//! The module is split by concern: `request` (building), `xml` (bodies), `errors` (error
//! bodies and classification), `envelope` (decoding a success), `client` (protocol,
//! settings, factory), `endpoint` (the endpoint precedence, shared with Object Storage) and
//! `testing` (feature `test-util`).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use std::marker::PhantomData;

use quick_xml::events::Event;
use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::builder::{ClientBuilder, ClientConfig, ClientFactory};
use crate::credentials::{CachedProvider, Environment, NcpCredentials, NcpDefaultChain};
use crate::encoding::encode_pairs;
use crate::operation::de::{self, Lenient};
use crate::operation::{BodyKind, OperationSpec, RequestParts};
use crate::protocol::{Connection, HasConnection, Protocol};
use crate::sign::NcpSigner;
use crate::skew::SkewSignal;
use crate::{
    ClassifyResponse, DefaultClassifier, Error, HttpRequest, HttpResponse, Method, OperationInfo,
    ResponseError, Retryability, ServiceClient, ServiceError, ServiceErrorKind,
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

mod client;
mod endpoint;
mod envelope;
mod errors;
pub mod exports;
mod request;
#[cfg(feature = "test-util")]
pub mod testing;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
mod xml;

pub use client::*;
pub use endpoint::*;
pub use envelope::*;
pub use errors::*;
pub use request::*;
pub use xml::*;

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
