//! Keeping secrets and terminal control sequences out of error texts.
//!
//! [`Secrets`] is the set of secret strings one request used or carried: the signer
//! registers the keys, passwords and tokens it signed with and the `Authorization` value it
//! set, the request body brings the secrets registered while it was written
//! ([`BodySecrets`], filled by [`JsonObjectWriter`](crate::operation::JsonObjectWriter)
//! through [`CollectSecrets`](crate::operation::CollectSecrets)), and the response brings
//! the set back so that a parse error can be scrubbed too. [`ServiceClient`](crate::ServiceClient)
//! scrubs every error it returns with it, before any text is cut to its limit, so that no
//! prefix of a secret survives a cut.
//!
//! [`escape`] makes server-supplied text safe for one terminal line: `Display` of every
//! error passes code, message, request id, reason and excerpt through it.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::encoding::{base64_decode, is_unreserved, percent_encode};
use crate::error::{DispatchError, Error};

/// What replaces a secret in a text.
pub const REDACTED: &str = "[redacted]";

/// At most this many values under secret-named members of one body (a response read back,
/// or a request body as it is written) are registered. A body with more is hostile or not
/// what it claims: past the limit the set is marked [incomplete](Secrets::is_incomplete)
/// and errors keep no excerpt of it. The limit also keeps registering and scrubbing cheap
/// (both grow with the number of secrets).
pub const MAX_BODY_SECRETS: usize = 64;

/// Secrets shorter than this are not scrubbed: replacing two or three characters
/// everywhere would destroy the text without protecting anything worth protecting.
pub const MIN_SECRET_CHARS: usize = 4;

/// The secret strings a request used or carried, with the forms derived from them.
///
/// `Debug` shows only how many there are; the strings are zeroed when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Kept sorted longest first, so that a whole `Authorization` value is replaced
    /// before the password inside it.
    values: Vec<String>,
    /// A body held more secret-named members than [`MAX_BODY_SECRETS`].
    incomplete: bool,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.values.len())
    }
}

impl Drop for Secrets {
    fn drop(&mut self) {
        for value in &mut self.values {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

impl Secrets {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether a response body held more secret-named members than were registered: text
    /// taken from that body cannot be shown safely.
    pub fn is_incomplete(&self) -> bool {
        self.incomplete
    }

    /// Registers `secret` and the forms a server may echo it in (JSON-escaped,
    /// percent-encoded). Strings shorter than [`MIN_SECRET_CHARS`] are ignored.
    pub fn add(&mut self, secret: &str) {
        // A char is at most 4 bytes: a long key's characters need no counting.
        if secret.len() < 4 * MIN_SECRET_CHARS && secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        self.insert(secret.to_owned());
        // Most keys and signatures need no escaping: checking first saves building two
        // strings on every attempt.
        let json_escaped = secret
            .bytes()
            .any(|b| b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f);
        if json_escaped
            && let Ok(quoted) = serde_json::to_string(secret)
            && let Some(escaped) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"'))
            && escaped != secret
        {
            self.insert(escaped.to_owned());
        }
        if !secret.bytes().all(is_unreserved) {
            self.insert(percent_encode(secret));
        }
    }

    /// Registers an `Authorization` header value: the whole value, its credentials part
    /// after the scheme, and for `Basic` the decoded `user:password` and the password.
    pub fn add_authorization(&mut self, value: &str) {
        self.add(value);
        let Some((scheme, credentials)) = value.trim().split_once(' ') else {
            return;
        };
        let credentials = credentials.trim();
        self.add(credentials);
        if scheme.eq_ignore_ascii_case("basic")
            && let Some(decoded) = base64_decode(credentials)
        {
            let mut decoded = String::from_utf8_lossy(&decoded).into_owned();
            if let Some((_, password)) = decoded.split_once(':') {
                self.add(password);
            }
            self.add(&decoded);
            zeroize::Zeroize::zeroize(&mut decoded);
        }
    }

    /// Registers every string or number under a JSON member whose name looks secret
    /// (contains `secret`, `password`, `token` or `credential`, in any case), at any depth.
    pub fn add_json_members(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    if is_secret_name(key) {
                        match member {
                            Value::String(s) => self.add(s),
                            Value::Number(n) => self.add(&n.to_string()),
                            other => self.add_json_members(other),
                        }
                    } else {
                        self.add_json_members(member);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.add_json_members(item)),
            _ => {}
        }
    }

    /// Registers the secret-named members of `body` when it is JSON (see
    /// [`add_json_members`](Self::add_json_members)), reading it as a stream: no tree of the
    /// body is built, so a huge body costs no memory here. Members before a syntax error are
    /// still registered; anything else is left alone. At most [`MAX_BODY_SECRETS`] values are
    /// registered, as by [`BodySecrets`].
    ///
    /// For response bodies: a request body written by
    /// [`JsonObjectWriter`](crate::operation::JsonObjectWriter) already carries its secrets
    /// ([`JsonBody::secrets`](crate::operation::JsonBody::secrets)).
    pub fn add_json_body(&mut self, body: &[u8]) {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let mut found = BodySecrets::adding_to(std::mem::take(self));
        // A body that is not JSON, or breaks off, has registered what came before the break;
        // one with too many secrets stops the walk at the limit.
        let _ = serde::de::DeserializeSeed::deserialize(
            SecretMembers {
                found: &mut found,
                secret_named: false,
            },
            &mut deserializer,
        );
        *self = found.into_secrets();
    }

    /// The length in bytes of the longest registered secret, 0 for none.
    pub fn longest_len(&self) -> usize {
        self.values.first().map_or(0, String::len)
    }

    /// Adds every secret of `other`; the set is [incomplete](Self::is_incomplete) when either
    /// was.
    pub fn extend(&mut self, other: &Secrets) {
        self.incomplete |= other.incomplete;
        if self.values.is_empty() {
            // Already sorted and free of duplicates: a request's body secrets usually come
            // first.
            self.values.clone_from(&other.values);
            return;
        }
        for value in &other.values {
            self.insert(value.clone());
        }
    }

    fn insert(&mut self, value: String) {
        if self.values.contains(&value) {
            return;
        }
        let at = self
            .values
            .iter()
            .position(|v| v.len() < value.len())
            .unwrap_or(self.values.len());
        self.values.insert(at, value);
    }

    /// `text` with every registered secret replaced by [`REDACTED`].
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        out
    }

    /// Scrubs `text` in place.
    pub fn scrub_in_place(&self, text: &mut String) {
        if let Cow::Owned(scrubbed) = self.scrub(text) {
            zeroize::Zeroize::zeroize(text);
            *text = scrubbed;
        }
    }

    /// Scrubs `body` (lossily decoded as UTF-8).
    pub fn scrub_bytes<'a>(&self, body: &'a [u8]) -> Cow<'a, str> {
        match String::from_utf8_lossy(body) {
            Cow::Borrowed(text) => self.scrub(text),
            Cow::Owned(text) => Cow::Owned(self.scrub(&text).into_owned()),
        }
    }

    /// `error` with every registered secret removed from the texts it carries (code,
    /// message, request id, subject, started job ids, excerpt, reason, transport error, job and wait texts).
    pub fn scrub_error(&self, error: Error) -> Error {
        if self.values.is_empty() {
            return error;
        }
        match error {
            Error::Service(mut e) => {
                for text in [
                    &mut e.code,
                    &mut e.message,
                    &mut e.request_id,
                    &mut e.subject,
                ]
                .into_iter()
                .flatten()
                .chain(e.started_job_ids.iter_mut())
                {
                    self.scrub_in_place(text);
                }
                self.scrub_in_place(&mut e.excerpt);
                Error::Service(e)
            }
            Error::UnparseableResponse(mut e) => {
                if let Some(id) = e.request_id.as_mut() {
                    self.scrub_in_place(id);
                }
                self.scrub_in_place(&mut e.reason);
                self.scrub_in_place(&mut e.excerpt);
                Error::UnparseableResponse(e)
            }
            Error::Dispatch(mut e) => {
                self.scrub_dispatch(&mut e);
                Error::Dispatch(e)
            }
            Error::AmbiguousOutcome(mut e) => {
                let cause = std::mem::replace(&mut e.cause, Error::Config(String::new()));
                e.cause = self.scrub_error(cause);
                Error::AmbiguousOutcome(e)
            }
            Error::JobFailed(mut e) => {
                self.scrub_in_place(&mut e.job_id);
                self.scrub_in_place(&mut e.state);
                if let Some(reason) = e.reason.as_mut() {
                    self.scrub_in_place(reason);
                }
                Error::JobFailed(e)
            }
            Error::WaitTimedOut(mut e) => {
                self.scrub_in_place(&mut e.what);
                if let Some(state) = e.last_state.as_mut() {
                    self.scrub_in_place(state);
                }
                Error::WaitTimedOut(e)
            }
            Error::Config(mut text) => {
                self.scrub_in_place(&mut text);
                Error::Config(text)
            }
            other => other,
        }
    }
}

impl Secrets {
    /// Replaces the transport error's text when it holds a secret.
    pub(crate) fn scrub_dispatch(&self, error: &mut DispatchError) {
        if let Some(source) = &error.source {
            let text = source.to_string();
            if let Cow::Owned(scrubbed) = self.scrub(&text) {
                error.source = Some(scrubbed.into());
            }
        }
    }
}

/// The secrets of one body, registered value by value as its secret-named members are met:
/// while the body is written ([`CollectSecrets`](crate::operation::CollectSecrets), from
/// typed values) or read back ([`Secrets::add_json_body`]). At most [`MAX_BODY_SECRETS`]
/// values are registered; past the limit the set is marked
/// [incomplete](Secrets::is_incomplete) and nothing more is registered.
///
/// `Debug` shows only how many secrets there are.
#[derive(Clone, PartialEq, Eq)]
pub struct BodySecrets {
    secrets: Secrets,
    /// How many more values this body may register.
    remaining: usize,
}

impl BodySecrets {
    /// An empty set with the whole budget.
    pub fn new() -> Self {
        Self::adding_to(Secrets::new())
    }

    /// `secrets`, to which one body's secrets are added with the whole budget.
    fn adding_to(secrets: Secrets) -> Self {
        Self {
            secrets,
            remaining: MAX_BODY_SECRETS,
        }
    }

    /// Registers `value`, found under a secret-named member (see [`Secrets::add`]). Returns
    /// false, registering nothing and marking the set incomplete, once the body has had
    /// [`MAX_BODY_SECRETS`] values.
    pub fn add(&mut self, value: &str) -> bool {
        if self.remaining == 0 {
            self.secrets.incomplete = true;
            return false;
        }
        self.remaining -= 1;
        self.secrets.add(value);
        true
    }

    /// Registers a number found under a secret-named member, as its `Display` text (what a
    /// server echoing it would most likely write). See [`add`](Self::add).
    pub fn add_number(&mut self, value: impl fmt::Display) -> bool {
        self.add(&value.to_string())
    }

    /// The secrets registered so far.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// The secrets registered.
    pub fn into_secrets(self) -> Secrets {
        self.secrets
    }
}

impl Default for BodySecrets {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for BodySecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BodySecrets({} redacted)", self.secrets.values.len())
    }
}

/// Whether a member name looks like it holds a secret: it contains `secret`, `password`,
/// `token` or `credential` in any ASCII case.
pub fn is_secret_name(name: &str) -> bool {
    // Called for every member of every request and response body: compared in place,
    // without a lowercase copy of the name.
    const WORDS: [&[u8]; 4] = [b"secret", b"password", b"token", b"credential"];
    let name = name.as_bytes();
    name.iter().enumerate().any(|(at, first)| {
        // One pass over the name: only where a word can start is it compared further.
        let first = first.to_ascii_lowercase();
        matches!(first, b's' | b'p' | b't' | b'c')
            && WORDS.iter().any(|word| {
                word.first() == Some(&first)
                    && name
                        .get(at..at.saturating_add(word.len()))
                        .is_some_and(|candidate| candidate.eq_ignore_ascii_case(word))
            })
    })
}

/// Whether `c` must not reach a terminal as is: C0 controls (ESC among them), DEL, C1
/// controls (U+0080–U+009F, CSI and OSC among them) and the bidirectional formatting
/// characters that can reorder what a terminal shows.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `text` as one safe line: runs of whitespace (newlines among them) become one space, and
/// every other [unsafe character](is_unsafe_char) is written as `\u{…}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if is_unsafe_char(c) {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// The first `max_chars` characters of `text`, with `…` when something was cut.
pub fn truncate_chars(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => Cow::Owned(format!("{}…", text.get(..cut).unwrap_or_default())),
        None => Cow::Borrowed(text),
    }
}

/// Walks a JSON document and registers the strings and numbers under secret-named members
/// (and in arrays under them) without keeping anything else.
struct SecretMembers<'a> {
    found: &'a mut BodySecrets,
    secret_named: bool,
}

impl SecretMembers<'_> {
    /// A number is registered as its `Display` text, and only under a secret-named member
    /// (formatting it costs more than the check).
    fn visit_number<E: serde::de::Error>(self, value: impl fmt::Display) -> Result<(), E> {
        if self.secret_named && !self.found.add_number(value) {
            return Err(E::custom("too many secret-named members"));
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for SecretMembers<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for SecretMembers<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
        if self.secret_named && !self.found.add(value) {
            return Err(E::custom("too many secret-named members"));
        }
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<(), E> {
        self.visit_number(value)
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<(), E> {
        self.visit_number(value)
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<(), E> {
        self.visit_number(value)
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(SecretMembers {
                found: &mut *self.found,
                secret_named: self.secret_named,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<crate::operation::de::MemberName<'de>>()? {
            map.next_value_seed(SecretMembers {
                found: &mut *self.found,
                secret_named: is_secret_name(key.as_str()),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::encoding::base64_encode;

    #[test]
    fn scrubs_secrets_and_their_derived_forms_longest_first() {
        let mut secrets = Secrets::new();
        secrets.add("pa\"ss/word");
        let basic = format!("Basic {}", base64_encode(b"admin:pa\"ss/word"));
        secrets.add_authorization(&basic);
        secrets.add("abc");
        let text = format!(
            "raw pa\"ss/word json {} url {} basic {basic} b64 {} pair admin:pa\"ss/word abc",
            r#"pa\"ss/word"#,
            "pa%22ss%2Fword",
            base64_encode(b"admin:pa\"ss/word"),
        );
        let scrubbed = secrets.scrub(&text);
        for leaked in ["ss/word", "ss%2Fword", "YWRtaW4", "admin:"] {
            assert!(!scrubbed.contains(leaked), "{leaked} in {scrubbed}");
        }
        assert!(
            scrubbed.ends_with("abc"),
            "short strings are left: {scrubbed}"
        );
        assert!(!format!("{secrets:?}").contains("word"));
    }

    #[test]
    fn the_shortest_secret_is_counted_in_characters_not_bytes() {
        // Three characters are left even when they take 9 bytes; four are scrubbed even
        // when they take only 4.
        for (secret, scrubbed) in [
            ("abc", false),
            ("ééé", false),
            ("€€€", false),
            ("abcd", true),
            ("éééé", true),
            ("𝄞𝄞𝄞𝄞", true),
        ] {
            let mut secrets = Secrets::new();
            secrets.add(secret);
            assert_eq!(secrets.is_empty(), !scrubbed, "{secret}");
        }
    }

    #[test]
    fn collects_secret_named_json_members_at_any_depth() {
        let mut secrets = Secrets::new();
        secrets.add_json_body(
            br#"{"data":{"storage":[{"accessKeySecret":"s3cr3t-value","accessKeyId":"AKID-public"}],"dbPassword":123456}}"#,
        );
        let scrubbed = secrets.scrub("s3cr3t-value AKID-public 123456");
        assert_eq!(scrubbed, "[redacted] AKID-public [redacted]");
    }

    #[test]
    fn a_body_of_many_secrets_is_marked_incomplete_and_its_excerpt_withheld() {
        // 500,000 distinct tokens: registering them all would take quadratic time.
        let mut body = String::from("[");
        for i in 0..500_000 {
            body.push_str(&format!("{{\"token\":\"tok-{i:08}\"}},"));
        }
        body.push_str("{}]");
        let mut secrets = Secrets::new();
        secrets.add_json_body(body.as_bytes());
        assert!(secrets.is_incomplete());
        assert_eq!(secrets.values.len(), MAX_BODY_SECRETS);
        let excerpt = crate::error::excerpt_of(body.as_bytes(), &secrets);
        assert!(!excerpt.contains("tok-"), "{excerpt}");
    }

    #[test]
    fn a_body_that_breaks_off_still_registers_the_secrets_before_the_break() {
        let mut secrets = Secrets::new();
        secrets.add_json_body(br#"{"items":[{"password":"pw-before-the-cut"},{"password":"pw-af"#);
        assert_eq!(secrets.scrub("pw-before-the-cut"), REDACTED);
    }

    #[test]
    fn escape_makes_one_line_without_control_sequences() {
        let hostile = "a\nb\r\n\tc \u{1b}[31mred\u{1b}]0;title\u{7}\u{9b}2J\u{202e}x\u{7f}";
        let shown = escape(hostile);
        assert_eq!(
            shown,
            "a b c \\u{1b}[31mred\\u{1b}]0;title\\u{7}\\u{9b}2J\\u{202e}x\\u{7f}"
        );
        assert!(!shown.chars().any(is_unsafe_char));
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("héllo", 2), "hé…");
        assert_eq!(truncate_chars("hé", 2), "hé");
    }

    #[test]
    fn secret_names_match_in_any_ascii_case_anywhere_in_the_name() {
        for name in [
            "accessKeySecret",
            "ACCESS_KEY_SECRET",
            "SeCrEt",
            "dbPassword",
            "PASSWORD",
            "x-Auth-Token",
            "refreshTOKENs",
            "Credentials",
            "clientCREDENTIAL_id",
            "ünïcode-Secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "",
            "secre",
            "pass_word",
            "tokn",
            "configName",
            "SECRE T",
            "crédential",
            "ſecret",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
