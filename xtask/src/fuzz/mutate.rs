//! The mutators: each turns a server body into a hostile variant of it.

use fastrand::Rng;

/// The largest input a mutator produces. Bodies the client accepts are capped at 8 MiB;
/// a quarter of a megabyte reaches every limit the parsers have (nesting, excerpts) while
/// keeping a million inputs within minutes.
pub const MAX_INPUT: usize = 256 * 1024;

/// A mutator's name and function.
pub type Mutator = (&'static str, fn(&mut Rng, &[u8], &[u8]) -> Vec<u8>);

/// Every mutator. The second body argument is another sample, for splicing.
pub const MUTATORS: &[Mutator] = &[
    ("flip-bits", flip_bits),
    ("truncate", truncate),
    ("splice", splice),
    ("multi-byte-utf8", multi_byte),
    ("huge-number", huge_number),
    ("deep-nesting", deep_nesting),
    ("xml-entities", xml_entities),
    ("control-chars", control_chars),
    ("swap-value", swap_value),
    ("hostile-timestamp", hostile_timestamp),
    ("repeat-chunk", repeat_chunk),
    ("empty", empty),
    ("garbage-8k", garbage),
];

/// Applies one to three mutators, chosen by `rng`, to `body`.
pub fn mutate(rng: &mut Rng, body: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    for _ in 0..rng.usize(1..=3) {
        let (_, mutator) = MUTATORS[rng.usize(..MUTATORS.len())];
        out = mutator(rng, &out, other);
        out.truncate(MAX_INPUT);
    }
    out
}

fn position(rng: &mut Rng, body: &[u8]) -> usize {
    rng.usize(..=body.len())
}

fn insert(body: &[u8], at: usize, what: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + what.len());
    out.extend_from_slice(&body[..at]);
    out.extend_from_slice(what);
    out.extend_from_slice(&body[at..]);
    out
}

fn flip_bits(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    if out.is_empty() {
        return vec![rng.u8(..)];
    }
    for _ in 0..rng.usize(1..=8) {
        let at = rng.usize(..out.len());
        out[at] ^= 1 << rng.u8(..8);
    }
    out
}

fn truncate(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    body[..rng.usize(..=body.len())].to_vec()
}

fn splice(rng: &mut Rng, body: &[u8], other: &[u8]) -> Vec<u8> {
    let head = &body[..rng.usize(..=body.len())];
    let tail = &other[rng.usize(..=other.len())..];
    [head, tail].concat()
}

const MULTI_BYTE: &[&str] = &[
    "é",
    "한",
    "€",
    "𝄞",
    "\u{feff}",
    "\u{202e}",
    "\u{200b}",
    "\u{fffd}",
    "ǅ",
    "\u{10ffff}",
];

/// Multi-byte characters at random positions, sometimes as a lone lead or continuation
/// byte (what a proxy that cuts a body mid-character leaves).
fn multi_byte(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let c = MULTI_BYTE[rng.usize(..MULTI_BYTE.len())].as_bytes();
        let piece: &[u8] = match rng.u8(..8) {
            0 => &c[..1],
            1 => &c[c.len() - 1..],
            _ => c,
        };
        let at = position(rng, &out);
        out = insert(&out, at, piece);
    }
    out
}

const HUGE_NUMBERS: &[&str] = &[
    "1e400",
    "-1e400",
    "18446744073709551616",
    "18446744073709551615",
    "9223372036854775808",
    "-9223372036854775809",
    "-0",
    "-0.0",
    "99999999999999999999",
    "1e-400",
    "4.9e-324",
    "2147483648",
    "-2147483649",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
];

/// Replaces a run of digits (a number, a code, an id, a time field) with a huge or odd
/// number; inserts one when there is no digit.
fn huge_number(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    let number: Vec<u8> = if rng.u8(..8) == 0 {
        std::iter::repeat_n(b'9', rng.usize(300..2000)).collect()
    } else {
        HUGE_NUMBERS[rng.usize(..HUGE_NUMBERS.len())]
            .as_bytes()
            .to_vec()
    };
    let digits: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, b)| b.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    if digits.is_empty() {
        let at = position(rng, body);
        return insert(body, at, &number);
    }
    let start = digits[rng.usize(..digits.len())];
    let mut end = start;
    while end < body.len() && (body[end].is_ascii_digit() || body[end] == b'.') {
        end += 1;
    }
    [&body[..start], &number[..], &body[end..]].concat()
}

/// A few thousand opening brackets, objects or elements at one position, closed or not.
fn deep_nesting(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    let depth = rng.usize(100..=5000);
    let (open, close): (&[u8], &[u8]) = match rng.u8(..4) {
        0 => (b"[", b"]"),
        1 => (b"{\"a\":", b"}"),
        2 => (b"<a>", b"</a>"),
        _ => (b"{\"data\":[", b"]}"),
    };
    let mut nested = open.repeat(depth);
    nested.extend_from_slice(b"1");
    if rng.bool() {
        nested.extend_from_slice(&close.repeat(depth));
    }
    if rng.u8(..4) == 0 {
        return nested;
    }
    let at = position(rng, body);
    insert(body, at, &nested)
}

const ENTITIES: &[&str] = &[
    "&lt;",
    "&gt;&amp;&quot;&apos;",
    "&#x1b;",
    "&#0;",
    "&#xD800;",
    "&#99999999;",
    "&#x110000;",
    "&undefined;",
    "&",
    "&#x;",
    "&#;",
    "&lol9;",
    "<![CDATA[<x>&amp;]]>",
    "<!-- -- -->",
    "<?pi x?>",
    "<x:a xmlns:x=\"u\" b='1'/>",
    "</unbalanced>",
];

/// A billion-laughs document type: nine levels of tenfold entity expansion.
fn billion_laughs() -> String {
    let mut dtd = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
    for level in 1..10 {
        dtd.push_str(&format!("<!ENTITY lol{level} \""));
        for _ in 0..10 {
            dtd.push_str(&format!("&lol{};", level - 1));
        }
        dtd.push_str("\">");
    }
    dtd.push_str("]>");
    dtd
}

/// XML entities, references, CDATA and a billion-laughs DTD.
fn xml_entities(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    if rng.u8(..4) == 0 {
        let mut out = billion_laughs().into_bytes();
        let start = body
            .windows(2)
            .position(|w| w == b"<g" || w == b"<c" || w == b"<r" || w == b"<M")
            .unwrap_or(0);
        out.extend_from_slice(&body[start..]);
        return insert(&out, out.len().min(out.len() / 2 + 200), b"&lol9;");
    }
    let mut out = body.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let entity = ENTITIES[rng.usize(..ENTITIES.len())].as_bytes();
        let at = position(rng, &out);
        out = insert(&out, at, entity);
    }
    out
}

/// Control characters, escaped (JSON `\u0000`) or raw.
fn control_chars(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    const CONTROLS: &[&[u8]] = &[
        b"\0",
        b"\x1b[31m",
        b"\r",
        b"\n",
        b"\x7f",
        b"\x08",
        b"\t",
        b"\\u0000",
        b"\\u001b",
        b"\\ud800",
        b"\\udfff\\ud800",
        b"\\",
        b"\"",
    ];
    let mut out = body.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let c = CONTROLS[rng.usize(..CONTROLS.len())];
        let at = position(rng, &out);
        out = insert(&out, at, c);
    }
    out
}

/// Replaces one value (JSON after a `:`, XML after a `>`) with another type or a long
/// string.
fn swap_value(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    let starts: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b':' || **b == b'>')
        .map(|(i, _)| i + 1)
        .collect();
    if starts.is_empty() {
        return body.to_vec();
    }
    let start = starts[rng.usize(..starts.len())];
    let json = body[start - 1] == b':';
    let end = body[start..]
        .iter()
        .position(|b| {
            if json {
                *b == b',' || *b == b'}'
            } else {
                *b == b'<'
            }
        })
        .map_or(body.len(), |p| start + p);
    let long = "x".repeat(rng.usize(1000..20_000));
    let replacement: Vec<u8> = if json {
        let choices = [
            "null".to_owned(),
            "[]".to_owned(),
            "{}".to_owned(),
            "true".to_owned(),
            "\"\"".to_owned(),
            "[null,1,\"a\",{}]".to_owned(),
            "\"SUCCESSFUL\"".to_owned(),
            "\"FAILED\"".to_owned(),
            format!("\"{long}\""),
        ];
        choices[rng.usize(..choices.len())].clone().into_bytes()
    } else {
        let choices = ["".to_owned(), " ".to_owned(), "<x/>".to_owned(), long];
        choices[rng.usize(..choices.len())].clone().into_bytes()
    };
    [&body[..start], &replacement[..], &body[end..]].concat()
}

const TIMESTAMPS: &[&str] = &[
    "2024-07-02T00:00:00+0900",
    "2024-07-02T00:00:00+09:00",
    "2024-07-02T00:0é:00+0900",
    "2024-07-0é",
    "2024-07-02T12:3é",
    "2024-07-02T12:30+1é1",
    "2024-07-02T12:30:00+",
    "2024-07-02T12:30:00+-",
    "2024-02-30T25:61:61Z",
    "9999-12-31T23:59:60.999999999999Z",
    "0000-01-01T00:00:00-23:59",
    "2024-07-02T",
    "2024-07-02T1",
    "2024-07-02 ",
    "20240702153000",
    "99999999999999",
    "9999999999999",
    "18446744073709551615",
    "",
    " ",
    "T",
    "-",
];

/// Replaces a quoted or element value with a hostile timestamp.
fn hostile_timestamp(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    let stamp = TIMESTAMPS[rng.usize(..TIMESTAMPS.len())].as_bytes();
    // A value that looks like a time: a digit run of four followed by `-`.
    let times: Vec<usize> = body
        .windows(5)
        .enumerate()
        .filter(|(_, w)| w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'-')
        .map(|(i, _)| i)
        .collect();
    if times.is_empty() {
        if body.is_empty() || rng.bool() {
            return stamp.to_vec();
        }
        let at = position(rng, body);
        return insert(body, at, stamp);
    }
    let start = times[rng.usize(..times.len())];
    let end = body[start..]
        .iter()
        .position(|b| *b == b'"' || *b == b'<')
        .map_or(body.len(), |p| start + p);
    [&body[..start], stamp, &body[end..]].concat()
}

/// Repeats a chunk many times: long lists, long strings.
fn repeat_chunk(rng: &mut Rng, body: &[u8], _: &[u8]) -> Vec<u8> {
    if body.is_empty() {
        return body.to_vec();
    }
    let start = rng.usize(..body.len());
    let len = rng.usize(1..=(body.len() - start).min(512));
    let chunk = &body[start..start + len];
    let times = rng.usize(2..=(MAX_INPUT / len).clamp(2, 2000));
    let mut out = body[..start + len].to_vec();
    for _ in 1..times {
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&body[start + len..]);
    out
}

fn empty(rng: &mut Rng, _: &[u8], _: &[u8]) -> Vec<u8> {
    match rng.u8(..4) {
        0 => b" \r\n\t".to_vec(),
        1 => b"\xef\xbb\xbf".to_vec(),
        _ => Vec::new(),
    }
}

/// 8 KB of random bytes, or of random printable text.
fn garbage(rng: &mut Rng, _: &[u8], _: &[u8]) -> Vec<u8> {
    let printable = rng.bool();
    (0..8 * 1024)
        .map(|_| {
            if printable {
                rng.u8(0x20..0x7f)
            } else {
                rng.u8(..)
            }
        })
        .collect()
}
