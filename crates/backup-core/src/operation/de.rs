//! Lenient deserialization for generated output types.
//!
//! Vendors are inconsistent: NCP sends numbers as strings, XML has no types at all, and
//! lists arrive as arrays, as a single object, or wrapped in an element named after the
//! item. Generated fields use `#[serde(deserialize_with = "...::de::lenient")]`, which
//! accepts:
//!
//! - `null` for any field (it becomes the default);
//! - numbers and booleans written as strings (`"42"`, `"true"`), and strings written as
//!   numbers or booleans;
//! - for lists: an array, an empty string, a single item, or an object with exactly one
//!   member whose value is an array or an item (an XML wrapper such as
//!   `{"backupList": {"backup": [...]}}`).
//!
//! A vendor client that reads XML can therefore turn the document into a
//! [`serde_json::Value`] (elements become objects, text becomes strings, repeated elements
//! become arrays) and deserialize the generated types from that.
//!
//! Everything is read straight from the deserializer, without an intermediate
//! [`serde_json::Value`] (except for members whose type *is* a `Value`). Memory stays
//! bounded for any body: a list holds at most [`MAX_LIST_ITEMS`] items, a `Value` member
//! at most about [`MAX_DECODED_BYTES`], and inside [`with_response_budget`] (which vendor
//! clients wrap around each response they decode) everything decoded from one response
//! together stays within about [`MAX_DECODED_BYTES`]. Past a limit the value is an error
//! saying so, never a silently shortened list.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::value::{MapAccessDeserializer, MapDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected,
    Visitor,
};
use serde_json::{Map, Number, Value};

/// The most items one list (or one map) of a response may hold.
///
/// Ten times the largest page any of the vendors' APIs documents (GES `limit`: 1000); a
/// longer list is an error, not a truncation.
pub const MAX_LIST_ITEMS: usize = 10_000;

/// About how many bytes the structures decoded from one response may take (list items
/// and `Value` members), on top of the strings copied out of the body, which the body cap
/// already bounds.
pub const MAX_DECODED_BYTES: usize = 16 * 1024 * 1024;

/// What one `Value` node is charged: its own size, the slot in its parent and allocator
/// slack.
const VALUE_NODE_BYTES: usize = 64;
/// What a non-empty object is charged on top of its members: a map node is allocated for
/// the first member.
const OBJECT_BYTES: usize = 512;

thread_local! {
    /// The bytes left to the response being decoded on this thread, when one is.
    static RESPONSE_BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `decode` (a synchronous deserialization of one response) with a budget of
/// [`MAX_DECODED_BYTES`] shared by every list and `Value` it builds, so that no body under
/// the size cap can cost more than that much memory once decoded, however it is nested.
///
/// Budgets do not nest: an inner call starts a fresh budget and the outer one resumes
/// afterwards.
pub fn with_response_budget<R>(decode: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            RESPONSE_BUDGET.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(RESPONSE_BUDGET.with(|b| b.replace(Some(MAX_DECODED_BYTES))));
    decode()
}

/// Spends `bytes` of the response budget, or of `local` outside a response budget.
fn charge<E: de::Error>(bytes: usize, local: Option<&Cell<usize>>) -> Result<(), E> {
    let spend = |left: usize| left.checked_sub(bytes);
    let within = RESPONSE_BUDGET.with(|budget| match budget.get() {
        Some(left) => {
            let rest = spend(left);
            budget.set(Some(rest.unwrap_or(0)));
            rest.is_some()
        }
        None => match local {
            Some(local) => {
                let rest = spend(local.get());
                local.set(rest.unwrap_or(0));
                rest.is_some()
            }
            None => true,
        },
    });
    if within {
        Ok(())
    } else {
        Err(E::custom(format!(
            "the response would take more than {} MiB once decoded",
            MAX_DECODED_BYTES / (1024 * 1024)
        )))
    }
}

fn too_many_items<E: de::Error>() -> E {
    E::custom(format!("a list holds more than {MAX_LIST_ITEMS} items"))
}

/// A type that can be read leniently (see the [module](self) documentation).
pub trait Lenient: Sized {
    /// Reads the value from `deserializer`, accepting what the module documentation lists.
    ///
    /// # Errors
    ///
    /// The deserializer's error, for input no leniency covers or past a size limit.
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Builds the value from a JSON value; the error is a human-readable reason.
    ///
    /// # Errors
    ///
    /// The reason, as for [`Lenient::deserialize_lenient`].
    fn from_lenient(value: Value) -> Result<Self, String> {
        Self::deserialize_lenient(value).map_err(|e| e.to_string())
    }
}

/// The `deserialize_with` function generated output fields use.
///
/// # Errors
///
/// As [`Lenient::deserialize_lenient`].
pub fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    T::deserialize_lenient(deserializer)
}

/// The `deserialize_with` function of a required member, called through the private
/// function generated code defines for each one (serde cannot pass `member` itself).
///
/// As [`lenient`], except that `null` is an error naming `member`, as absence already is
/// (serde's "missing field"): an answer without a member its description requires does
/// not say what that member would, so it must not decode into an empty one (a GES job id
/// of `""`, a backup that never started).
///
/// # Errors
///
/// As [`lenient`], and "required member `..` is null".
pub fn required<'de, D, T>(deserializer: D, member: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    Option::<T>::deserialize_lenient(deserializer)?
        .ok_or_else(|| de::Error::custom(format_args!("required member `{member}` is null")))
}

/// Deserializes `value` with `T`'s own `Deserialize`.
///
/// # Errors
///
/// The reason `value` does not fit `T`.
pub fn strict<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Reads a `T` leniently, as a [`DeserializeSeed`] (for list items, map values, envelopes).
pub struct LenientSeed<T>(PhantomData<fn() -> T>);

impl<T> LenientSeed<T> {
    /// The seed.
    pub fn new() -> Self {
        LenientSeed(PhantomData)
    }
}

impl<T> Default for LenientSeed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: Lenient> DeserializeSeed<'de> for LenientSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize_lenient(deserializer)
    }
}

// ---------------------------------------------------------------------------------------
// Scalars

fn float_text(v: f64) -> String {
    // The same digits `serde_json::Number` prints, as the `Value`-based reader gave.
    Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())
}

struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(float_text(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringVisitor)
    }
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim() {
            "true" | "TRUE" | "True" => Ok(true),
            "false" | "FALSE" | "False" | "" => Ok(false),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl Lenient for bool {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor)
    }
}

struct IntVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for IntVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64> + FromStr + Default,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer that fits {}", std::any::type_name::<T>())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            return Ok(T::default());
        }
        trimmed
            .parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl Lenient for i32 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor(PhantomData))
    }
}

impl Lenient for i64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor(PhantomData))
    }
}

struct FloatVisitor;

impl<'de> Visitor<'de> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    #[allow(clippy::cast_precision_loss)] // what `Number::as_f64` did
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            return Ok(0.0);
        }
        trimmed
            .parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
        Ok(0.0)
    }

    fn visit_none<E: de::Error>(self) -> Result<f64, E> {
        Ok(0.0)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        d.deserialize_any(self)
    }
}

impl Lenient for f64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FloatVisitor)
    }
}

/// A visitor as a seed: reads whatever the input holds (`deserialize_any`) with it, so a
/// stateful visitor needs no `DeserializeSeed` impl of its own.
pub(crate) struct AnySeed<V>(pub(crate) V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for AnySeed<V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Values, bounded

/// Builds a [`Value`], charging each node to the response budget (or to `local`).
#[derive(Clone, Copy)]
struct ValueSeed<'a> {
    local: &'a Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES + v.len(), Some(self.local))?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES + v.len(), Some(self.local))?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            if items.len() >= MAX_LIST_ITEMS {
                return Err(too_many_items());
            }
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        charge(VALUE_NODE_BYTES, Some(self.local))?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.is_empty() {
                charge(OBJECT_BYTES, Some(self.local))?;
            }
            if object.len() >= MAX_LIST_ITEMS {
                return Err(too_many_items());
            }
            charge(key.len(), Some(self.local))?;
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

fn bounded_value<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    let local = Cell::new(MAX_DECODED_BYTES);
    ValueSeed { local: &local }.deserialize(d)
}

impl Lenient for Value {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bounded_value(d)
    }
}

// ---------------------------------------------------------------------------------------
// Options, lists, maps

struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        T::deserialize_lenient(d).map(Some)
    }

    // Deserializers without a notion of `null` (serde's own value deserializers) hand the
    // value over directly.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        T::deserialize_lenient(de::value::BoolDeserializer::new(v)).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        T::deserialize_lenient(de::value::I64Deserializer::new(v)).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        T::deserialize_lenient(de::value::U64Deserializer::new(v)).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        T::deserialize_lenient(de::value::F64Deserializer::new(v)).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        T::deserialize_lenient(de::value::StrDeserializer::new(v)).map(Some)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<T>, E> {
        T::deserialize_lenient(StringDeserializer::new(v)).map(Some)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<T>, A::Error> {
        T::deserialize_lenient(de::value::SeqAccessDeserializer::new(seq)).map(Some)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::deserialize_lenient(MapAccessDeserializer::new(map)).map(Some)
    }
}

impl<T: Lenient> Lenient for Option<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(OptionVisitor(PhantomData))
    }
}

/// Reads the items of an array, within [`MAX_LIST_ITEMS`] and the response budget.
fn read_items<'de, T: Lenient, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
    while let Some(item) = seq.next_element_seed(LenientSeed::<T>::new())? {
        if items.len() >= MAX_LIST_ITEMS {
            return Err(too_many_items());
        }
        charge(std::mem::size_of::<T>(), None)?;
        items.push(item);
    }
    Ok(items)
}

/// One item given where a list was expected: a scalar, read as `T`.
fn one<'de, T: Lenient, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    T::deserialize_lenient(d).map(|item| vec![item])
}

/// The first member of an object given where a list was expected: the items, when it is
/// an array (an XML wrapper element); otherwise its value, kept until the next key shows
/// whether the object is a wrapper (one member) or itself the single item.
enum FirstMember<T> {
    Items(Vec<T>),
    Kept(Value),
}

struct FirstMemberVisitor<'a, T> {
    local: &'a Cell<usize>,
    item: PhantomData<T>,
}

impl<'de, T: Lenient> Visitor<'de> for FirstMemberVisitor<'_, T> {
    type Value = FirstMember<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or an item")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        read_items(seq).map(FirstMember::Items)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.value().visit_map(map).map(FirstMember::Kept)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.value().visit_bool(v).map(FirstMember::Kept)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.value().visit_i64(v).map(FirstMember::Kept)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.value().visit_u64(v).map(FirstMember::Kept)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.value().visit_f64(v).map(FirstMember::Kept)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.value().visit_str(v).map(FirstMember::Kept)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.value().visit_string(v).map(FirstMember::Kept)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FirstMember::Kept(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FirstMember::Kept(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'a, T> FirstMemberVisitor<'a, T> {
    fn value(&self) -> ValueSeed<'a> {
        ValueSeed { local: self.local }
    }
}

/// A map whose first member (and second key) were already read: replays them, then reads
/// the rest from the original map.
struct ResumedMap<A> {
    first: Option<(String, Value)>,
    second_key: Option<String>,
    kept_value: Option<Value>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for ResumedMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.first.take() {
            self.kept_value = Some(value);
            return seed.deserialize(StringDeserializer::new(key)).map(Some);
        }
        if let Some(key) = self.second_key.take() {
            return seed.deserialize(StringDeserializer::new(key)).map(Some);
        }
        self.rest.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.kept_value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }
}

struct VecVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for VecVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, an item, or an object wrapping them")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        if v.trim().is_empty() {
            return Ok(Vec::new());
        }
        one(de::value::StrDeserializer::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<T>, E> {
        if v.trim().is_empty() {
            return Ok(Vec::new());
        }
        one(StringDeserializer::new(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        one(de::value::BoolDeserializer::new(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        one(de::value::I64Deserializer::new(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        one(de::value::U64Deserializer::new(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        one(de::value::F64Deserializer::new(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        read_items(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        // A map that says how many members it has (a `Value` tree, e.g. from XML) and has
        // more than one is the single item itself.
        if map.size_hint().is_some_and(|members| members != 1) {
            return one(MapAccessDeserializer::new(map));
        }
        let Some(first_key) = map.next_key::<String>()? else {
            return one(MapDeserializer::<_, A::Error>::new(std::iter::empty::<(
                String,
                String,
            )>()));
        };
        let local = Cell::new(MAX_DECODED_BYTES);
        let first = map.next_value_seed(AnySeed(FirstMemberVisitor::<T> {
            local: &local,
            item: PhantomData,
        }))?;
        match (first, map.next_key::<String>()?) {
            // The only member wraps the list, or the one item.
            (FirstMember::Items(items), None) => Ok(items),
            (FirstMember::Kept(value), None) => T::deserialize_lenient(value)
                .map(|item| vec![item])
                .map_err(de::Error::custom),
            // More members: the object is the single item.
            (FirstMember::Kept(value), Some(second_key)) => {
                one(MapAccessDeserializer::new(ResumedMap {
                    first: Some((first_key, value)),
                    second_key: Some(second_key),
                    kept_value: None,
                    rest: map,
                }))
            }
            (FirstMember::Items(_), Some(_)) => Err(de::Error::custom(format!(
                "expected a list, found an object whose first member `{first_key}` is a list \
                 and which has more members"
            ))),
        }
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(VecVisitor(PhantomData))
    }
}

struct MapVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for MapVisitor<T> {
    type Value = std::collections::BTreeMap<String, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Self::Value::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Self::Value::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Self::Value::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.len() >= MAX_LIST_ITEMS {
                return Err(too_many_items());
            }
            charge(std::mem::size_of::<(String, T)>() + key.len(), None)?;
            let value = map.next_value_seed(LenientSeed::<T>::new())?;
            out.insert(key, value);
        }
        Ok(out)
    }
}

impl<T: Lenient> Lenient for std::collections::BTreeMap<String, T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MapVisitor(PhantomData))
    }
}

/// A member name, borrowed from the body when it holds no escape: reading an answer's
/// names costs no allocation per member. For hand-written visitors of vendor envelopes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberName<'de> {
    /// Borrowed from the body.
    Borrowed(&'de str),
    /// Unescaped into a copy.
    Owned(String),
}

impl MemberName<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        match self {
            MemberName::Borrowed(key) => key,
            MemberName::Owned(key) => key,
        }
    }
}

impl<'de> serde::Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<MemberName<'de>, E> {
                Ok(MemberName::Borrowed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MemberName<'de>, E> {
                Ok(MemberName::Owned(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<MemberName<'de>, E> {
                Ok(MemberName::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}
