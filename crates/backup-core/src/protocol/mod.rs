//! Vendor protocols shared by more than one vendor crate.
//!
//! NCP's API Gateway protocol (parameters as a form body or query, the `<operation>Response`
//! envelope in JSON or XML, gateway and service error bodies) serves both `ncp-vhadoop` and
//! `ncp-vcache`, which may depend on nothing of ours but backup-core, so it lives here,
//! behind the `ncp` feature.

#[cfg(feature = "ncp")]
pub mod ncp;
