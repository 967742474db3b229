//! Where an NCP client sends its requests: one precedence for every NCP service (the API
//! gateway, Object Storage), which differ only in the environment variable they read and
//! the URL of each site.

use super::*;

/// Where the endpoint of a built NCP client (API gateway or Object Storage) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSource {
    /// [`ClientBuilder::endpoint`].
    Custom,
    /// The builder's `site` (for Object Storage, with its region).
    Site(Site),
    /// The service's environment variable: [`API_GW_ENV`] for the gateway,
    /// `NCLOUD_OBS_ENDPOINT` for Object Storage.
    Environment,
    /// Nothing was configured: the public site.
    Default,
}

/// Picks the gateway base URL: [`resolve_endpoint_with`] over [`API_GW_ENV`] and
/// [`Site::endpoint`].
///
/// Explicit configuration in code wins over the environment, so a program that chooses
/// the `gov` site is never redirected by a stray variable; `NCLOUD_API_GW` (what the
/// official SDKs read) applies to clients that leave the choice open.
pub fn resolve_endpoint(
    endpoint: Option<&str>,
    site: Option<Site>,
    env: &dyn Environment,
) -> (String, EndpointSource) {
    resolve_endpoint_with(endpoint, site, env, API_GW_ENV, |site| {
        site.endpoint().to_owned()
    })
}

/// Picks the base URL of an NCP service: an explicit endpoint, else an explicit site
/// (`site_endpoint` of it), else the variable `env_var` (when set and not empty), else
/// `site_endpoint` of the public site. Endpoints are trimmed of white space and trailing
/// `/`; they may carry a path prefix.
pub fn resolve_endpoint_with(
    endpoint: Option<&str>,
    site: Option<Site>,
    env: &dyn Environment,
    env_var: &str,
    site_endpoint: impl FnOnce(Site) -> String,
) -> (String, EndpointSource) {
    if let Some(endpoint) = endpoint {
        return (
            endpoint.trim().trim_end_matches('/').to_owned(),
            EndpointSource::Custom,
        );
    }
    if let Some(site) = site {
        return (site_endpoint(site), EndpointSource::Site(site));
    }
    if let Some(value) = env.var(env_var)
        && !value.trim().is_empty()
    {
        return (
            value.trim().trim_end_matches('/').to_owned(),
            EndpointSource::Environment,
        );
    }
    (site_endpoint(Site::Public), EndpointSource::Default)
}
