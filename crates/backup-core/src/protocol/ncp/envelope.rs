//! Successes: the `<operation>Response` envelope, its `returnCode`, and the output inside.

use super::*;
use crate::operation::de::{AnySeed, MemberName};

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
    let wrapper = wrapper_name(spec);
    let wrapper = wrapper.as_ref();
    let mut return_code = None;
    let decoded = de::with_response_budget(|| match body_text(&response.body)? {
        BodyText::Json(text) => {
            decode_json_envelope::<O>(text, wrapper, &mut return_code, &mut false)
        }
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

/// The JSON success answer's output, read in the one pass that also shows the classifier
/// would find no error in it (see [`Protocol::decode_in_one_pass`](crate::protocol::Protocol::decode_in_one_pass)):
/// the envelope holds `returnCode` zero and the root holds none of the members
/// [`classify_error`] reads an error from (`error`, `responseError`, a root `returnCode`
/// or `responseCode`). Anything else, XML included, is `None`: the classifier and
/// [`decode_success`] then read the body as before.
pub(crate) fn decode_clean_json<O: DeserializeOwned>(
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Option<O> {
    let Ok(BodyText::Json(text)) = body_text(&response.body) else {
        return None;
    };
    let wrapper = wrapper_name(spec);
    let mut return_code = None;
    let mut error_members_at_root = false;
    let output = de::with_response_budget(|| {
        decode_json_envelope::<O>(text, &wrapper, &mut return_code, &mut error_members_at_root)
    })
    .ok()?;
    (!error_members_at_root && return_code.as_deref().is_some_and(is_zero)).then_some(output)
}

/// The name of the member that wraps `spec`'s answer: the description's, else
/// `<operation>Response`.
fn wrapper_name(spec: &OperationSpec) -> Cow<'static, str> {
    match spec.response_wrapper {
        Some(wrapper) => Cow::Borrowed(wrapper),
        None => Cow::Owned(format!("{}Response", spec.name())),
    }
}

pub(super) fn empty_object() -> serde::de::value::MapDeserializer<
    'static,
    std::iter::Empty<(&'static str, &'static str)>,
    serde_json::Error,
> {
    serde::de::value::MapDeserializer::new(std::iter::empty())
}

/// Reads a JSON success body into `O` through its envelope, as [`unwrap_envelope`] would
/// find it: the member named `wrapper`, else the only member when its name ends in
/// `Response`, else the root itself when it carries `returnCode`.
///
/// `error_members_at_root` is set when the root has a member [`classify_error`] reads an
/// error from; the bare-envelope case (the root is the envelope) counts as one.
pub(super) fn decode_json_envelope<O: DeserializeOwned>(
    text: &str,
    wrapper: &str,
    return_code: &mut Option<String>,
    error_members_at_root: &mut bool,
) -> Result<O, String> {
    let reason = |e: serde_json::Error| {
        if e.is_syntax() || e.is_eof() {
            format!("invalid JSON: {e}")
        } else {
            format!("the `{wrapper}` content does not fit the output type: {e}")
        }
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = Deserializer::deserialize_any(
        &mut deserializer,
        EnvelopeVisitor {
            wrapper,
            return_code: &mut *return_code,
            error_members_at_root: &mut *error_members_at_root,
            output: PhantomData::<O>,
        },
    )
    .and_then(|found| deserializer.end().map(|()| found))
    .map_err(reason)?;
    match found {
        Envelope::Found(output) => Ok(output),
        Envelope::Missing => Err(format!("the response has no `{wrapper}` envelope")),
        // A bare envelope: the root's members are the output's. Rare enough (no NCP
        // service answers so) that reading the body a second time is fine.
        Envelope::Root => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let output = Deserializer::deserialize_any(
                &mut deserializer,
                InnerVisitor {
                    return_code,
                    output: PhantomData::<O>,
                },
            )
            .and_then(|output| deserializer.end().map(|()| output))
            .map_err(reason)?;
            Ok(output)
        }
    }
}

/// Where the output of a JSON body is.
pub(super) enum Envelope<O> {
    Found(O),
    Root,
    Missing,
}

pub(super) struct EnvelopeVisitor<'a, O> {
    wrapper: &'a str,
    return_code: &'a mut Option<String>,
    error_members_at_root: &'a mut bool,
    output: PhantomData<O>,
}

impl<'de, O: DeserializeOwned> Visitor<'de> for EnvelopeVisitor<'_, O> {
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
        while let Some(key) = map.next_key::<MemberName<'de>>()? {
            let key = key.as_str();
            members += 1;
            // Either one's code is noted as soon as it is read, so that a non-zero code
            // still answers when the rest does not fit `O` (`decode_success` then asks
            // `classify_error`, which reads the body as a whole, before believing it).
            if key == self.wrapper {
                exact = Some(map.next_value_seed(AnySeed(InnerVisitor {
                    return_code: &mut *self.return_code,
                    output: PhantomData::<O>,
                }))?);
            } else if members == 1 && key.ends_with("Response") {
                // Kept in case it turns out to be the only member.
                only_member = Some(map.next_value_seed(AnySeed(InnerVisitor {
                    return_code: &mut *self.return_code,
                    output: PhantomData::<O>,
                }))?);
            } else {
                has_return_code |= key == "returnCode";
                *self.error_members_at_root |= matches!(
                    key,
                    "error" | "responseError" | "returnCode" | "responseCode"
                );
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
pub(super) struct InnerVisitor<'a, O> {
    return_code: &'a mut Option<String>,
    output: PhantomData<O>,
}

impl<'de, O: DeserializeOwned> Visitor<'de> for InnerVisitor<'_, O> {
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
pub(super) struct NoteReturnCode<'a, A> {
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
        let Some(key) = self.map.next_key::<MemberName<'de>>()? else {
            return Ok(None);
        };
        self.at_return_code = key.as_str() == "returnCode";
        match key {
            MemberName::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::new(key)),
            MemberName::Owned(key) => seed.deserialize(StringDeserializer::new(key)),
        }
        .map(Some)
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
