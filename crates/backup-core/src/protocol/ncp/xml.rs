//! Bodies in JSON or XML, and XML turned into a value tree.

use super::*;

/// A body's text and which of the two formats it is in (by its first non-blank byte).
pub(super) enum BodyText<'a> {
    Json(&'a str),
    Xml(&'a str),
}

pub(super) fn body_text(body: &[u8]) -> Result<BodyText<'_>, String> {
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

pub(super) fn local_name(raw: &[u8]) -> String {
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
