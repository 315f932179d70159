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
    let map: HashMap<String, &RawValue> = match serde_json::from_slice(line) {
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

/// Decodes the escaped JSON string content `raw` (without quotes).
pub fn unescape(raw: &[u8]) -> Option<String> {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).ok()
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
