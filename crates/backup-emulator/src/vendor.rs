//! What the server asks of each vendor API ([`VendorApi`]), and the routes that name its
//! operations ([`Route`]): those of the API descriptions (`routes.rs`, generated from the
//! same `crates/*/api/*.json` the SDK is) and the few each vendor module declares by hand.

use crate::auth::Received;
use crate::config::ObjectFault;
use crate::ops;
use crate::reply::Reply;
use crate::state::{Shared, Throttled};

/// The API a route belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// NAVER Cloud's API Gateway (`/vhadoop/v2/`, `/vcache/v2/`, `/vredis/v2/`).
    Ncp,
    /// OceanBase Cloud Platform (`/api/v2/`).
    Ocp,
    /// Huawei Cloud GES behind APIG (`/v2/`).
    Ges,
    /// Huawei Cloud IAM (`/v3/auth/tokens`).
    Iam,
    /// NCP Object Storage, S3-compatible (`/object-storage/`).
    ObjectStorage,
}

/// One operation: where it is served and the name it is counted, faulted and throttled
/// under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route {
    pub api: Api,
    /// The HTTP method the description gives (NCP serves both GET and POST whatever it says).
    pub method: &'static str,
    /// The path template; a `{placeholder}` matches any one segment.
    pub path: &'static str,
    /// The description's `operationId`.
    pub operation_id: &'static str,
    /// The [`ops`] name.
    pub name: &'static str,
}

impl Route {
    /// Whether `segments` (the request path split at `/`, without the leading one) fit
    /// the template.
    fn fits(&self, segments: &[&str]) -> bool {
        let template = self.path.trim_start_matches('/').split('/');
        template.clone().count() == segments.len()
            && template
                .zip(segments)
                .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == *s)
    }
}

/// The route that `method` (`None`: any method) and `segments` name, among the
/// operations the emulator serves ([`ops::ALL`]): one a description lists but the emulator
/// does not implement resolves to nothing, and gets the vendor's not-found answer.
pub(crate) fn resolve<'r>(
    routes: impl IntoIterator<Item = &'r Route>,
    method: Option<&str>,
    segments: &[&str],
) -> Option<&'r Route> {
    routes.into_iter().find(|r| {
        method.is_none_or(|m| m == r.method) && r.fits(segments) && ops::ALL.contains(&r.name)
    })
}

/// The routes of `api`: those the descriptions give it (`described`, the generated table, which
/// `routes.rs` holds and this module cannot import without a cycle) and then those its
/// vendor module declares by hand.
pub(crate) fn routes_of(
    api: Api,
    described: &'static [Route],
    by_hand: &'static [Route],
) -> Vec<&'static Route> {
    described
        .iter()
        .filter(|r| r.api == api)
        .chain(by_hand)
        .collect()
}

/// The request path split at `/`, without the leading one, as the templates are.
pub(crate) fn raw_segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

/// The error a `Fault::Error` injects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FaultError<'a> {
    pub status: u16,
    pub code: &'a str,
    pub message: &'a str,
}

/// One vendor API as the server's pipeline sees it: count → route → authenticate →
/// throttle → faults → handle, each answer in the vendor's own format.
pub(crate) trait VendorApi: Sync {
    /// Whether `path` is under this API (its gateway answers for it, known operation or not).
    fn claims(&self, path: &str) -> bool;

    /// Every operation of this API: the described ones and those declared by hand.
    fn routes(&self) -> Vec<&'static Route>;

    /// The operation `method` and `path` name, if the emulator serves it.
    fn operation(&self, method: &str, path: &str) -> Option<&'static Route> {
        resolve(self.routes(), Some(method), &raw_segments(path))
    }

    /// Checks the request's credentials as the vendor's gateway does.
    fn authenticate(&self, shared: &Shared, received: &Received<'_>) -> Result<(), Reply>;

    /// The answer to a request over a throttle's limit.
    fn throttled(&self, shared: &Shared, throttled: Throttled) -> Reply;

    /// Runs the operation; `object_fault` is what a fault rule says happens to the object
    /// it writes to Object Storage, if it writes one.
    fn handle(
        &self,
        shared: &Shared,
        route: &'static Route,
        received: &Received<'_>,
        object_fault: Option<ObjectFault>,
    ) -> Reply;

    /// The answer to a path under this API that names no operation it serves.
    fn not_found(&self, shared: &Shared, received: &Received<'_>) -> Reply;

    /// An error in the vendor's format with a fault's status, code and message.
    fn error(&self, shared: &Shared, received: &Received<'_>, fault: FaultError<'_>) -> Reply;
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn route(
        api: Api,
        method: &'static str,
        path: &'static str,
        name: &'static str,
    ) -> Route {
        Route {
            api,
            method,
            path,
            operation_id: "",
            name,
        }
    }

    #[test]
    fn templates_match_whole_segments() {
        let r = route(
            Api::Ges,
            "GET",
            "/v2/{project_id}/graphs/backups",
            ops::GES_LIST_BACKUPS,
        );
        let table = [r];
        let found = |method, path| resolve(&table, method, &raw_segments(path));
        assert_eq!(found(Some("GET"), "/v2/p/graphs/backups"), Some(&r));
        assert_eq!(found(None, "/v2/p/graphs/backups"), Some(&r));
        assert_eq!(found(Some("POST"), "/v2/p/graphs/backups"), None);
        assert_eq!(found(Some("GET"), "/v2/p/graphs/backups/x"), None);
        assert_eq!(found(Some("GET"), "/v2/p/graphs"), None);
        assert_eq!(found(Some("GET"), "/v2/p/graph/backups"), None);
    }

    /// An operation the descriptions list but the emulator does not implement answers
    /// not-found, as a path no description lists does.
    #[test]
    fn an_operation_the_emulator_does_not_serve_resolves_to_nothing() {
        let described = route(
            Api::Ges,
            "GET",
            "/v2/{project_id}/graphs/{graph_id}/metadata",
            "ges/showMetadata",
        );
        assert!(!ops::ALL.contains(&described.name));
        let path = raw_segments("/v2/p/graphs/g/metadata");
        assert_eq!(resolve(&[described], Some("GET"), &path), None);
        // The same route, once the emulator serves an operation of that name, resolves.
        let served = Route {
            name: ops::GES_SHOW_JOB,
            ..described
        };
        assert_eq!(resolve(&[served], Some("GET"), &path), Some(&served));
    }
}
