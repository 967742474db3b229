//! The URLs of the request-targets a client sent lately, parsed and checked once.
//!
//! Setting a URL's path makes the `url` crate walk and re-encode it character by
//! character: 1,200 to 3,700 instructions a call for the vendors' paths, more than signing.
//! A client sends the same few targets again and again (a create, then the same status
//! path polled until the backup ends), so each client keeps the last few it built.

use std::borrow::Cow;
use std::sync::Mutex;

use crate::Error;
use crate::redact::Secrets;

/// How many targets a client keeps: a vendor client's operations on a handful of
/// resources, with room to spare. Past it, the oldest entry is replaced.
const CAPACITY: usize = 16;

/// A bounded memo of `target → URL` over one base URL (scheme, host and port).
///
/// Only URLs that carry exactly the path and query they were built from are kept, so a hit
/// is a target already checked; a refused target is refused again on every call. A target
/// holding one of its request's secrets is never kept: it lives no longer than its call.
/// Deliberately not `Debug`: targets may name resources.
pub(crate) struct TargetUrls {
    base: reqwest::Url,
    recent: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    urls: Vec<reqwest::Url>,
    /// Where the next entry goes once `urls` is full.
    next: usize,
    #[cfg(test)]
    built: usize,
}

impl TargetUrls {
    pub(crate) fn new(base: reqwest::Url) -> Self {
        Self {
            base,
            recent: Mutex::new(Recent::default()),
        }
    }

    /// The base URL with `path` and `query` (without `?`, empty for none), checked to
    /// carry exactly them: URL parsing normalises `.`/`..` segments and escapes some
    /// bytes, and either would make the server see a request-target other than the one
    /// that was signed, or reach another resource. `secrets` are the request's: a target
    /// holding one is built for this call only.
    pub(crate) fn url(
        &self,
        path: &str,
        query: &str,
        secrets: &Secrets,
    ) -> Result<reqwest::Url, Error> {
        if !path.starts_with('/') {
            return Err(Error::invalid_input("path", "must start with `/`"));
        }
        // A busy lock means another task is looking: building the URL is cheaper than
        // waiting for it, and never blocks an executor thread.
        if let Ok(recent) = self.recent.try_lock()
            && let Some(url) = recent.urls.iter().find(|url| carries(url, path, query))
        {
            return Ok(url.clone());
        }
        let mut url = self.base.clone();
        url.set_path(path);
        url.set_query((!query.is_empty()).then_some(query));
        if !carries(&url, path, query) {
            return Err(Error::invalid_input(
                "path",
                "would be rewritten by URL normalisation (a `.` or `..` segment, or an unencoded byte)",
            ));
        }
        let holds_a_secret = [path, query]
            .into_iter()
            .any(|part| matches!(secrets.scrub(part), Cow::Owned(_)));
        if !holds_a_secret && let Ok(mut recent) = self.recent.try_lock() {
            recent.keep(url.clone());
        }
        Ok(url)
    }

    #[cfg(test)]
    fn built(&self) -> usize {
        self.recent.lock().map(|r| r.built).unwrap_or_default()
    }
}

impl Recent {
    fn keep(&mut self, url: reqwest::Url) {
        #[cfg(test)]
        {
            self.built += 1;
        }
        if self.urls.len() < CAPACITY {
            self.urls.push(url);
        } else if let Some(slot) = self.urls.get_mut(self.next) {
            *slot = url;
            self.next = (self.next + 1) % CAPACITY;
        }
    }
}

/// Whether `url` carries exactly `path` and `query`.
fn carries(url: &reqwest::Url, path: &str, query: &str) -> bool {
    url.path() == path && url.query().unwrap_or("") == query
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn urls() -> TargetUrls {
        TargetUrls::new(reqwest::Url::parse("https://api.example.com:8443").unwrap())
    }

    #[test]
    fn a_repeated_target_is_built_once_and_each_answer_is_its_own() {
        let urls = urls();
        let targets = [
            ("/v2/p/graphs/g/backups", ""),
            ("/v2/p/graphs/g/backups", "limit=10"),
            ("/v2/p/graphs/g/backups", "limit=10&offset=10"),
            ("/v2/p/graphs/h/backups", ""),
        ];
        for round in 0..3 {
            for (path, query) in targets {
                let url = urls.url(path, query, &Secrets::new()).unwrap();
                let expected = match query {
                    "" => format!("https://api.example.com:8443{path}"),
                    q => format!("https://api.example.com:8443{path}?{q}"),
                };
                assert_eq!(url.as_str(), expected, "round {round}");
            }
        }
        assert_eq!(urls.built(), targets.len());
    }

    #[test]
    fn a_refused_target_is_refused_every_time() {
        let urls = urls();
        for _ in 0..3 {
            for (path, query) in [
                ("/a/../b", ""),
                ("/a/./b", ""),
                ("/a b", ""),
                ("/a", "x=#"),
                ("relative", ""),
            ] {
                let refused = urls.url(path, query, &Secrets::new());
                assert!(
                    matches!(refused, Err(Error::InvalidInput(_))),
                    "{path:?} {query:?}: {refused:?}"
                );
            }
        }
        assert_eq!(urls.built(), 0);
    }

    #[test]
    fn a_target_holding_a_secret_of_its_request_is_never_kept() {
        let urls = urls();
        let mut secrets = Secrets::new();
        secrets.add("s3cr3t-t0ken-value");
        for _ in 0..3 {
            for (path, query) in [
                ("/a/s3cr3t-t0ken-value", ""),
                ("/a", "token=s3cr3t-t0ken-value"),
            ] {
                let url = urls.url(path, query, &secrets).unwrap();
                assert_eq!(url.path(), path);
                assert_eq!(url.query().unwrap_or(""), query);
            }
        }
        assert_eq!(urls.built(), 0);
        assert!(urls.recent.lock().unwrap().urls.is_empty());
        // The same request's other targets are kept as usual.
        urls.url("/a", "limit=1", &secrets).unwrap();
        assert_eq!(urls.built(), 1);
    }

    #[test]
    fn past_capacity_the_oldest_targets_make_room_and_answers_stay_right() {
        let urls = urls();
        let paths: Vec<String> = (0..CAPACITY * 2 + 3).map(|i| format!("/r/{i}")).collect();
        for path in paths.iter().chain(paths.iter().rev()) {
            let url = urls.url(path, "", &Secrets::new()).unwrap();
            assert_eq!(url.path(), path);
        }
        let recent = urls.recent.lock().unwrap();
        assert_eq!(recent.urls.len(), CAPACITY);
    }
}
