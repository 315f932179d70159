//! JSON Lines records: one document per line, text kept as a byte range into the buffer.

use super::TextSpan;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// Names of the fields read from each record.
#[derive(Debug, Clone)]
pub struct Fields {
    pub id: String,
    pub text: String,
    pub url: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            url: "url".into(),
        }
    }
}

/// One parsed line: fields that were present, or why the line is not a usable record.
#[derive(Debug, PartialEq)]
pub enum Record {
    /// `id` as a string exactly as given (numbers keep their JSON spelling); `text` as a span of
    /// the line's buffer.
    Doc {
        id: Option<String>,
        url: Option<String>,
        text: TextSpan,
    },
    Bad(String),
}

/// Parses one line that starts at byte `offset` of its buffer.
pub fn parse_line(line: &[u8], offset: usize, fields: &Fields) -> Record {
    // Valid UTF-8 is checked with SIMD first, so that serde_json reads a `str` and does not
    // check every string again (std's check was a thirtieth of a page-level scan's CPU time);
    // anything else is parsed from the bytes, for serde_json's own error.
    let parsed = match simdutf8::basic::from_utf8(line) {
        Ok(line) => serde_json::from_str(line),
        Err(_) => serde_json::from_slice(line),
    };
    let map: HashMap<String, &RawValue> = match parsed {
        Ok(map) => map,
        Err(err) => return Record::Bad(format!("malformed JSON: {err}")),
    };
    let text = match map.get(&fields.text) {
        None => return Record::Bad(format!("no text field \"{}\"", fields.text)),
        Some(raw) => match string_span(raw, line, offset) {
            Some(span) => span,
            None => {
                return Record::Bad(format!("text field \"{}\" is not a string", fields.text));
            }
        },
    };
    let id = map.get(&fields.id).and_then(|raw| scalar_string(raw));
    let url = map.get(&fields.url).and_then(|raw| scalar_string(raw));
    Record::Doc { id, url, text }
}

/// The span of a JSON string value inside `line` (without its quotes).
fn string_span(raw: &RawValue, line: &[u8], offset: usize) -> Option<TextSpan> {
    let json = raw.get();
    if !json.starts_with('"') {
        return None;
    }
    let start_in_line = json.as_ptr() as usize - line.as_ptr() as usize + 1;
    let len = json.len() - 2;
    Some(TextSpan {
        start: offset + start_in_line,
        end: offset + start_in_line + len,
        escaped: json.as_bytes()[1..=len].contains(&b'\\'),
    })
}

/// A string value decoded, or a number/bool spelled as in the input; `None` for null and
/// composite values.
fn scalar_string(raw: &RawValue) -> Option<String> {
    let json = raw.get();
    match json.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(json).ok(),
        Some(b'{') | Some(b'[') | None => None,
        _ if json == "null" => None,
        _ => Some(json.to_string()),
    }
}

/// Decodes the escaped JSON string content `raw` (without quotes); `None` where it is not a
/// valid JSON string.
///
/// Every text read from a JSONL page goes through here (boilerplate learning, fingerprints,
/// verification, reports), so the common case is decoded directly: UTF-8 validated once, runs
/// without escapes copied whole, the short escapes and `\uXXXX` outside the surrogates decoded in
/// place. Anything else (surrogate pairs, control characters, a stray quote, a bad escape) is
/// left to serde_json, so the result is always the one serde_json gives ([`unescape_serde`],
/// tested).
pub fn unescape(raw: &[u8]) -> Option<String> {
    fast_unescape(raw).unwrap_or_else(|| unescape_serde(raw))
}

/// The reference decoding: serde_json parses the content as a quoted string.
pub fn unescape_serde(raw: &[u8]) -> Option<String> {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).ok()
}

/// Whether a byte ends a run that is copied as it is: an escape, a quote or a control character.
#[inline]
fn is_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The index of the first special byte of `bytes` at or after `from`, or its length.
#[inline]
fn next_special(bytes: &[u8], from: usize) -> usize {
    const BLOCK: usize = 16;
    let mut i = from;
    // Whole blocks without a special byte are skipped with one (vectorized) test each.
    while i + BLOCK <= bytes.len() {
        let block = &bytes[i..i + BLOCK];
        if block.iter().fold(false, |any, &b| any | is_special(b)) {
            break;
        }
        i += BLOCK;
    }
    while i < bytes.len() && !is_special(bytes[i]) {
        i += 1;
    }
    i
}

/// The value of four hex digits, as serde_json reads them.
fn hex4(digits: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &d in digits {
        n = n * 16 + (d as char).to_digit(16)?;
    }
    Some(n)
}

/// Decodes what needs no judgement; `None` to let serde_json decide (see [`unescape`]).
fn fast_unescape(raw: &[u8]) -> Option<Option<String>> {
    let Ok(text) = simdutf8::basic::from_utf8(raw) else {
        return None;
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut at = 0;
    loop {
        let special = next_special(bytes, at);
        // Special bytes are ASCII, so both ends are character boundaries.
        out.push_str(&text[at..special]);
        if special == bytes.len() {
            return Some(Some(out));
        }
        if bytes[special] != b'\\' {
            return None;
        }
        let escape = *bytes.get(special + 1)?;
        at = special + 2;
        let decoded = match escape {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = hex4(bytes.get(at..at + 4)?)?;
                at += 4;
                // Surrogates (pairs or lone ones) are serde_json's to judge.
                char::from_u32(n)?
            }
            _ => return None,
        };
        out.push(decoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(line: &str) -> Record {
        parse_line(line.as_bytes(), 0, &Fields::default())
    }

    #[test]
    fn plain_text_is_a_span() {
        let line = r#"{"id": 7, "url": "http://a.cn/1", "text": "工会工作总结"}"#;
        match doc(line) {
            Record::Doc { id, url, text } => {
                assert_eq!(id.as_deref(), Some("7"));
                assert_eq!(url.as_deref(), Some("http://a.cn/1"));
                assert!(!text.escaped);
                assert_eq!(&line[text.start..text.end], "工会工作总结");
            }
            bad => panic!("{bad:?}"),
        }
    }

    #[test]
    fn escaped_text_decodes() {
        let line = r#"{"id":"a\"b","text":"第一段\n第二段 \u5de5"}"#;
        match doc(line) {
            Record::Doc { id, text, .. } => {
                assert_eq!(id.as_deref(), Some("a\"b"));
                assert!(text.escaped);
                let raw = &line.as_bytes()[text.start..text.end];
                assert_eq!(unescape(raw).unwrap(), "第一段\n第二段 工");
            }
            bad => panic!("{bad:?}"),
        }
    }

    #[test]
    fn bad_records_say_why() {
        assert!(
            matches!(doc("{\"text\": \"x\""), Record::Bad(r) if r.starts_with("malformed JSON"))
        );
        assert_eq!(
            doc(r#"{"id":1}"#),
            Record::Bad("no text field \"text\"".into())
        );
        assert_eq!(
            doc(r#"{"text":5}"#),
            Record::Bad("text field \"text\" is not a string".into())
        );
        assert!(matches!(
            doc(r#"{"text":"x","id":null}"#),
            Record::Doc { id: None, .. }
        ));
        // Bytes that are not UTF-8 (a GBK page written into JSONL as is): serde_json's error.
        let mut line = br#"{"id":"g","text":""#.to_vec();
        line.extend_from_slice(&[0xb9, 0xa4, 0xd7, 0xf7]);
        line.extend_from_slice(br#""}"#);
        match parse_line(&line, 0, &Fields::default()) {
            Record::Bad(r) => assert!(
                r.starts_with("malformed JSON: invalid unicode code point"),
                "{r}"
            ),
            doc => panic!("{doc:?}"),
        }
    }

    /// Random contents built from the pieces that matter to a JSON string decoder.
    fn random_contents(cases: usize, seed: u64) -> Vec<Vec<u8>> {
        const PIECES: &[&[u8]] = &[
            "工会".as_bytes(),
            "，".as_bytes(),
            b"abc",
            b"0123456789abcdefABCDEF",
            b"\\n",
            b"\\\"",
            b"\\\\",
            b"\\/",
            b"\\b",
            b"\\f",
            b"\\r",
            b"\\t",
            b"\\u5de5",
            b"\\u00e9",
            b"\\u0000",
            b"\\uD83D",
            b"\\uDE00",
            b"\\uDBFF\\uDFFF",
            b"\\u12",
            b"\\uZZZZ",
            b"\\x",
            b"\\",
            b"\"",
            b"\n",
            b"\t",
            b"\x7f",
            b"\xff",
            b"\xe5\xb7",
            b" ",
        ];
        let mut state = seed;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        (0..cases)
            .map(|_| {
                let mut raw = Vec::new();
                for _ in 0..next(24) {
                    // Mostly text, as in real pages, so long runs between escapes occur too.
                    let piece = if next(3) == 0 {
                        PIECES[next(PIECES.len() as u64) as usize]
                    } else {
                        PIECES[next(3) as usize]
                    };
                    for _ in 0..1 + next(12) {
                        raw.extend_from_slice(piece);
                    }
                }
                raw
            })
            .collect()
    }

    #[test]
    fn unescape_equals_serde_json() {
        let mut decoded = 0;
        for raw in random_contents(20_000, 11) {
            let expected = unescape_serde(&raw);
            decoded += expected.is_some() as usize;
            assert_eq!(
                unescape(&raw),
                expected,
                "{:?}",
                String::from_utf8_lossy(&raw)
            );
        }
        assert!(
            decoded > 2_000,
            "valid strings are among the cases: {decoded}"
        );
        for raw in [
            &b""[..],
            b"\\",
            b"\\u",
            b"\\u5de",
            b"\\uD83D\\uDE00",
            b"\\uD83Dx",
            "第一段\\n第二段".as_bytes(),
        ] {
            assert_eq!(unescape(raw), unescape_serde(raw), "{raw:?}");
        }
        assert_eq!(unescape(b"\\uD83D\\uDE00").as_deref(), Some("\u{1F600}"));
    }

    #[test]
    fn custom_field_names() {
        let fields = Fields {
            id: "key".into(),
            text: "body".into(),
            url: "link".into(),
        };
        let line = br#"{"key":"k1","body":"abc","link":"http://x.cn/"}"#;
        match parse_line(line, 100, &fields) {
            Record::Doc { id, url, text } => {
                assert_eq!(id.as_deref(), Some("k1"));
                assert_eq!(url.as_deref(), Some("http://x.cn/"));
                assert_eq!((text.start, text.end), (100 + 20, 100 + 23));
            }
            bad => panic!("{bad:?}"),
        }
    }
}
