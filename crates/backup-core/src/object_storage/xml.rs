//! The S3 XML bodies this client reads (a `ListBucketResult` and an `Error`), read as a
//! stream of events with quick-xml: no tree is built, elements and depth are bounded, and
//! members the client does not know are skipped, so an S3-compatible store that adds or
//! reorders members still parses.

use std::time::SystemTime;

use quick_xml::events::Event;

use super::{ListObjectsV2Output, ObjectSummary};
use crate::operation::de::MAX_LIST_ITEMS;
use crate::time::{self, TimestampFormat};

/// How many elements one body may hold: 20 for each of [`MAX_LIST_ITEMS`] objects.
pub(super) const MAX_ELEMENTS: usize = 20 * MAX_LIST_ITEMS;
/// How deep elements may nest (S3 bodies nest three levels).
const MAX_DEPTH: usize = 16;
/// The longest text kept for one element; S3 keys are at most 1024 bytes.
const MAX_TEXT: usize = 8 * 1024;

/// Walks `body`, calling `leaf(path, text)` at the end of each element with the names of
/// its ancestors and itself (`["ListBucketResult", "Contents", "Key"]`) and its text, and
/// `closed(path)` after it. Errors name what is wrong, never the body's text.
fn walk(
    body: &[u8],
    mut leaf: impl FnMut(&[String], String) -> Result<(), String>,
) -> Result<(), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut elements = 0usize;
    let mut seen_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("invalid XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(format!("XML has more than {MAX_ELEMENTS} elements"));
                }
                if path.is_empty() {
                    if seen_root {
                        return Err("invalid XML: more than one root element".to_owned());
                    }
                    seen_root = true;
                }
                if path.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                path.push(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
                current.clear();
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(format!("XML has more than {MAX_ELEMENTS} elements"));
                }
                if path.is_empty() {
                    if seen_root {
                        return Err("invalid XML: more than one root element".to_owned());
                    }
                    seen_root = true;
                }
                path.push(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
                leaf(&path, String::new())?;
                path.pop();
            }
            Event::End(_) => {
                if path.is_empty() {
                    return Err("invalid XML: unmatched end tag".to_owned());
                }
                leaf(&path, std::mem::take(&mut current))?;
                path.pop();
            }
            Event::Text(t) => {
                if path.is_empty() {
                    if !t.iter().all(u8::is_ascii_whitespace) {
                        return Err("invalid XML: text outside the root element".to_owned());
                    }
                } else {
                    let decoded = t
                        .xml10_content()
                        .map_err(|e| format!("invalid XML text: {e}"))?;
                    push_bounded(&mut current, &decoded)?;
                }
            }
            Event::CData(c) => {
                if !path.is_empty() {
                    push_bounded(&mut current, &String::from_utf8_lossy(&c))?;
                }
            }
            Event::GeneralRef(r) => {
                if !path.is_empty() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => push_bounded(&mut current, c.encode_utf8(&mut [0; 4]))?,
                        _ => {
                            let name = String::from_utf8_lossy(&r).into_owned();
                            let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or_else(|| "invalid XML: unknown entity".to_owned())?;
                            push_bounded(&mut current, resolved)?;
                        }
                    }
                }
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if !path.is_empty() {
        return Err("invalid XML: the document ends inside an element".to_owned());
    }
    if !seen_root {
        return Err("invalid XML: no root element".to_owned());
    }
    Ok(())
}

fn push_bounded(out: &mut String, text: &str) -> Result<(), String> {
    if out.len().saturating_add(text.len()) > MAX_TEXT {
        return Err(format!(
            "an XML element holds more than {MAX_TEXT} bytes of text"
        ));
    }
    out.push_str(text);
    Ok(())
}

/// An object's members as read so far.
#[derive(Default)]
struct PartialObject {
    key: Option<String>,
    size: Option<u64>,
    etag: Option<String>,
    last_modified: Option<SystemTime>,
}

/// Reads a `ListBucketResult`. An object without `Key`, `Size` or `LastModified`, or with
/// one that does not parse, is an error, never an object with a made-up value: what a
/// verification reads must be what the store said.
pub(super) fn parse_list(body: &[u8]) -> Result<ListObjectsV2Output, String> {
    let mut out = ListObjectsV2Output::default();
    let mut object: Option<PartialObject> = None;
    let mut root_checked = false;
    walk(body, |path, text| {
        if !root_checked {
            root_checked = true;
            if path.first().map(String::as_str) != Some("ListBucketResult") {
                return Err("the body is not a ListBucketResult".to_owned());
            }
        }
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names.as_slice() {
            ["ListBucketResult", "Contents"] => {
                let done = object.take().unwrap_or_default();
                if out.objects.len() >= MAX_LIST_ITEMS {
                    return Err(format!(
                        "the listing has more than {MAX_LIST_ITEMS} objects"
                    ));
                }
                out.objects.push(ObjectSummary {
                    key: done.key.ok_or("an object has no Key")?,
                    size: done.size.ok_or("an object has no Size")?,
                    etag: done.etag,
                    last_modified: done.last_modified.ok_or("an object has no LastModified")?,
                });
            }
            ["ListBucketResult", "Contents", member] => {
                let o = object.get_or_insert_with(PartialObject::default);
                match *member {
                    "Key" => o.key = Some(text),
                    "Size" => {
                        o.size = Some(
                            text.trim()
                                .parse()
                                .map_err(|_| "an object's Size is not a whole number of bytes")?,
                        )
                    }
                    "ETag" => o.etag = non_empty(text),
                    "LastModified" => {
                        o.last_modified = Some(
                            parse_timestamp(&text)
                                .ok_or("an object's LastModified is not a timestamp")?,
                        )
                    }
                    _ => {}
                }
            }
            ["ListBucketResult", member] => match *member {
                "Name" => out.bucket = non_empty(text),
                "Prefix" => out.prefix = non_empty(text),
                "StartAfter" => out.start_after = non_empty(text),
                "ContinuationToken" => out.continuation_token = non_empty(text),
                "NextContinuationToken" => out.next_continuation_token = non_empty(text),
                "KeyCount" => out.key_count = text.trim().parse().ok(),
                "MaxKeys" => out.max_keys = text.trim().parse().ok(),
                "IsTruncated" => {
                    out.is_truncated = parse_bool(&text).ok_or("IsTruncated is not a boolean")?
                }
                _ => {}
            },
            _ => {}
        }
        Ok(())
    })?;
    if out.is_truncated && out.next_continuation_token.is_none() {
        return Err(
            "the listing is truncated but names no NextContinuationToken to go on from".to_owned(),
        );
    }
    Ok(out)
}

/// The members of an S3 `Error` body that the classifier uses.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
}

/// Reads an S3 `<Error>` body leniently: anything else, or XML that does not parse, gives
/// an empty [`ErrorBody`] (the status then classifies the error).
pub(super) fn parse_error(body: &[u8]) -> ErrorBody {
    let mut out = ErrorBody::default();
    let parsed = walk(body, |path, text| {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names.as_slice() {
            ["Error", "Code"] => out.code = non_empty(text),
            ["Error", "Message"] => out.message = non_empty(text),
            ["Error", "RequestId"] => out.request_id = non_empty(text),
            _ => {}
        }
        Ok(())
    });
    // A body cut short still says what it said before the cut.
    let _ = parsed;
    out
}

fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") => Some(true),
        t if t.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// S3's `LastModified` (`2009-10-12T17:50:30.000Z`), and the other ISO 8601 spellings
/// S3-compatible stores use.
fn parse_timestamp(text: &str) -> Option<SystemTime> {
    time::parse(text.trim(), TimestampFormat::ISO_8601)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_gives_code_message_and_request_id() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName><RequestId>tx1</RequestId></Error>"#;
        assert_eq!(
            parse_error(body),
            ErrorBody {
                code: Some("NoSuchBucket".into()),
                message: Some("The specified bucket does not exist".into()),
                request_id: Some("tx1".into()),
            }
        );
        // Cut short: what came before the cut is kept.
        assert_eq!(
            parse_error(b"<Error><Code>SlowDown</Code><Mess")
                .code
                .as_deref(),
            Some("SlowDown")
        );
        assert_eq!(parse_error(b"<html>502</html>"), ErrorBody::default());
        assert_eq!(parse_error(&[0xff, 0xfe]), ErrorBody::default());
    }
}
