//! NCP Object Storage, the S3-compatible subset a backup check needs, on the emulator's one
//! port under [`PATH_PREFIX`] (path-style: `/object-storage/{bucket}/{key}`):
//! `ListObjectsV2` (`GET /object-storage/{bucket}?list-type=2`) and `HeadObject`
//! (`HEAD /object-storage/{bucket}/{key}`), signed with AWS Signature V4 and checked by
//! the emulator's own verifier ([`crate::sigv4`]). The buckets are the fixture's
//! [`Resources::buckets`](crate::Resources::buckets); exports and Hadoop configuration
//! backups write their objects there when they end. Answers and errors are S3's XML
//! (Amazon S3 API Reference, ListObjectsV2, HeadObject, Error Responses).

use std::time::SystemTime;

use backup_core::encoding::{base64_decode, base64_encode, percent_decode, percent_encode};

use crate::auth::Received;
use crate::config::ObjectFault;
use crate::ops;
use crate::reply::Reply;
use crate::state::{Shared, StoredObject, Throttled};
use crate::vendor::{Api, FaultError, Route, VendorApi};

/// Where Object Storage is served: `{emulator}/object-storage` is the endpoint to give an
/// S3 client (`NCLOUD_OBS_ENDPOINT`), with path-style addressing.
pub const PATH_PREFIX: &str = "/object-storage";

/// Declared by hand: S3 has no API description in this workspace.
static ROUTES: [Route; 2] = [
    Route {
        api: Api::ObjectStorage,
        method: "GET",
        path: "/object-storage/{bucket}",
        operation_id: "ListObjectsV2",
        name: ops::OBS_LIST_OBJECTS_V2,
    },
    Route {
        api: Api::ObjectStorage,
        method: "HEAD",
        path: "/object-storage/{bucket}/{key}",
        operation_id: "HeadObject",
        name: ops::OBS_HEAD_OBJECT,
    },
];

/// The most keys one page lists, as S3.
const MAX_KEYS: usize = 1000;

pub(crate) struct ObjectStorageApi;

/// The bucket and (percent-encoded) key of a path under [`PATH_PREFIX`]; the key is
/// empty for a bucket-level request.
fn split_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(PATH_PREFIX)?.strip_prefix('/')?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, key))
}

impl VendorApi for ObjectStorageApi {
    fn claims(&self, path: &str) -> bool {
        path == PATH_PREFIX
            || path
                .strip_prefix(PATH_PREFIX)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    fn routes(&self) -> Vec<&'static Route> {
        ROUTES.iter().collect()
    }

    /// A key may hold `/`, so the route is chosen by method and whether a key follows the
    /// bucket, not by a fixed number of segments.
    fn operation(&self, method: &str, path: &str) -> Option<&'static Route> {
        let (_, key) = split_path(path)?;
        let [list, head] = &ROUTES;
        match (method, key.is_empty()) {
            ("GET", true) => Some(list),
            ("HEAD", false) => Some(head),
            _ => None,
        }
    }

    fn authenticate(&self, shared: &Shared, received: &Received<'_>) -> Result<(), Reply> {
        crate::sigv4::verify(received, &shared.fixture.credentials.ncp, shared.now())
            .map_err(|refusal| s3_error(shared, refusal.status, refusal.code, &refusal.message))
    }

    fn throttled(&self, shared: &Shared, throttled: Throttled) -> Reply {
        s3_error(shared, 503, "SlowDown", "Please reduce your request rate.")
            .with_header("retry-after", throttled.retry_after_seconds.to_string())
    }

    fn handle(
        &self,
        shared: &Shared,
        route: &'static Route,
        received: &Received<'_>,
        _object_fault: Option<ObjectFault>,
    ) -> Reply {
        let Some((bucket, key)) = split_path(received.path) else {
            return self.not_found(shared, received);
        };
        let Some(bucket) = percent_decode(bucket, false) else {
            return s3_error(
                shared,
                400,
                "InvalidBucketName",
                "The specified bucket is not valid.",
            );
        };
        if !bucket_exists(shared, &bucket) {
            return s3_error(
                shared,
                404,
                "NoSuchBucket",
                "The specified bucket does not exist",
            );
        }
        match route.name {
            ops::OBS_LIST_OBJECTS_V2 => list_objects_v2(shared, &bucket, received.query),
            _ => match percent_decode(key, false) {
                Some(key) => head_object(shared, &bucket, &key),
                None => s3_error(
                    shared,
                    404,
                    "NoSuchKey",
                    "The specified key does not exist.",
                ),
            },
        }
    }

    fn not_found(&self, shared: &Shared, received: &Received<'_>) -> Reply {
        let listing_v1 = received.method == "GET"
            && split_path(received.path).is_some_and(|(_, key)| key.is_empty());
        if listing_v1 {
            // A bucket GET without list-type=2 is handled above; anything else on a bucket
            // (another method) or on an object (GetObject, PutObject) is not emulated.
            return s3_error(
                shared,
                501,
                "NotImplemented",
                "Only ListObjectsV2 is emulated.",
            );
        }
        s3_error(
            shared,
            405,
            "MethodNotAllowed",
            "The emulator serves ListObjectsV2 and HeadObject only.",
        )
    }

    fn error(&self, shared: &Shared, _received: &Received<'_>, fault: FaultError<'_>) -> Reply {
        s3_error(shared, fault.status, fault.code, fault.message)
    }
}

fn bucket_exists(shared: &Shared, bucket: &str) -> bool {
    shared.fixture.resources.buckets.iter().any(|b| b == bucket)
        && !shared.lock().missing_buckets.iter().any(|b| b == bucket)
}

/// An S3 error body, with the request id S3 sends in `x-amz-request-id` too.
fn s3_error(shared: &Shared, status: u16, code: &str, message: &str) -> Reply {
    let request_id = shared.lock().hex_id(16).to_ascii_uppercase();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{request_id}</RequestId></Error>",
        escape(code),
        escape(message)
    );
    Reply::xml(status, body).with_header("x-amz-request-id", request_id)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The objects of `bucket` written by now, in key order (S3 lists in UTF-8 binary order).
fn visible_objects(shared: &Shared, bucket: &str) -> Vec<StoredObject> {
    let now = shared.now();
    let mut objects: Vec<StoredObject> = shared
        .lock()
        .objects
        .iter()
        .filter(|o| o.bucket == bucket && o.written <= now)
        .cloned()
        .collect();
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    objects
}

fn list_objects_v2(shared: &Shared, bucket: &str, query: &str) -> Reply {
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(name), Some(value)) = (percent_decode(name, true), percent_decode(value, true))
        else {
            return s3_error(shared, 400, "InvalidArgument", "Malformed query string.");
        };
        params.push((name, value));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if param("list-type") != Some("2") {
        return s3_error(
            shared,
            501,
            "NotImplemented",
            "Only ListObjectsV2 (list-type=2) is emulated.",
        );
    }
    let max_keys = match param("max-keys").map(str::parse::<usize>) {
        None => MAX_KEYS,
        Some(Ok(n)) => n.min(MAX_KEYS),
        Some(Err(_)) => {
            return s3_error(
                shared,
                400,
                "InvalidArgument",
                "Provided max-keys not an integer or within integer range",
            );
        }
    };
    let prefix = param("prefix").unwrap_or("");
    let start_after = param("start-after");
    let token = param("continuation-token");
    // The token is the emulator's own: the last key of the previous page.
    let after = match token {
        Some(token) => match base64_decode(token).and_then(|b| String::from_utf8(b).ok()) {
            Some(key) => Some(key),
            None => {
                return s3_error(
                    shared,
                    400,
                    "InvalidArgument",
                    "The continuation token provided is incorrect",
                );
            }
        },
        None => start_after.map(str::to_owned),
    };
    let url_encoded = param("encoding-type") == Some("url");
    let matching: Vec<StoredObject> = visible_objects(shared, bucket)
        .into_iter()
        .filter(|o| o.key.starts_with(prefix))
        .filter(|o| after.as_deref().is_none_or(|a| o.key.as_str() > a))
        .collect();
    let page: Vec<&StoredObject> = matching.iter().take(max_keys).collect();
    let truncated = matching.len() > page.len();

    let text = |value: &str| {
        if url_encoded {
            percent_encode(value)
        } else {
            escape(value)
        }
    };
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
    );
    body.push_str(&format!("<Name>{}</Name>", escape(bucket)));
    body.push_str(&format!("<Prefix>{}</Prefix>", text(prefix)));
    if let Some(start_after) = start_after {
        body.push_str(&format!("<StartAfter>{}</StartAfter>", text(start_after)));
    }
    if let Some(token) = token {
        body.push_str(&format!(
            "<ContinuationToken>{}</ContinuationToken>",
            escape(token)
        ));
    }
    body.push_str(&format!("<KeyCount>{}</KeyCount>", page.len()));
    body.push_str(&format!("<MaxKeys>{max_keys}</MaxKeys>"));
    if url_encoded {
        body.push_str("<EncodingType>url</EncodingType>");
    }
    body.push_str(&format!("<IsTruncated>{truncated}</IsTruncated>"));
    if truncated && let Some(last) = page.last() {
        body.push_str(&format!(
            "<NextContinuationToken>{}</NextContinuationToken>",
            escape(&base64_encode(last.key.as_bytes()))
        ));
    }
    for object in &page {
        body.push_str(&format!(
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            text(&object.key),
            last_modified(object.written),
            escape(&object.etag),
            object.size
        ));
    }
    body.push_str("</ListBucketResult>");
    let request_id = shared.lock().hex_id(16).to_ascii_uppercase();
    Reply::xml(200, body).with_header("x-amz-request-id", request_id)
}

fn last_modified(time: SystemTime) -> String {
    backup_core::time::format_iso8601(time, 3, "Z")
}

fn head_object(shared: &Shared, bucket: &str, key: &str) -> Reply {
    let request_id = shared.lock().hex_id(16).to_ascii_uppercase();
    let Some(object) = visible_objects(shared, bucket)
        .into_iter()
        .find(|o| o.key == key)
    else {
        // A HEAD answer has no body: S3 sends the bare status.
        return Reply {
            status: 404,
            headers: vec![("x-amz-request-id", request_id)],
            body: Vec::new(),
        };
    };
    Reply {
        status: 200,
        headers: vec![
            ("content-type", "application/octet-stream".to_owned()),
            ("content-length", object.size.to_string()),
            ("etag", object.etag.clone()),
            (
                "last-modified",
                backup_core::time::format_http_date(object.written),
            ),
            ("x-amz-request-id", request_id),
        ],
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_bucket_and_key() {
        assert_eq!(split_path("/object-storage/b"), Some(("b", "")));
        assert_eq!(split_path("/object-storage/b/"), Some(("b", "")));
        assert_eq!(
            split_path("/object-storage/b/d/k%20x"),
            Some(("b", "d/k%20x"))
        );
        assert_eq!(split_path("/object-storage/"), None);
        assert_eq!(split_path("/object-storagex/b"), None);
        let api = ObjectStorageApi;
        assert!(api.claims("/object-storage/b"));
        assert!(!api.claims("/object-storagex"));
        assert_eq!(
            api.operation("HEAD", "/object-storage/b/d/k")
                .map(|r| r.name),
            Some(ops::OBS_HEAD_OBJECT)
        );
        assert_eq!(
            api.operation("GET", "/object-storage/b").map(|r| r.name),
            Some(ops::OBS_LIST_OBJECTS_V2)
        );
        assert_eq!(api.operation("GET", "/object-storage/b/k"), None);
        assert_eq!(api.operation("PUT", "/object-storage/b"), None);
    }
}
