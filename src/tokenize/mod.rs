//! Tokenize: normalized text → token boundaries.
//!
//! Input: the normalized text of one document (see [`crate::normalize`]), which has no whitespace
//! or punctuation. Output: the byte offsets where tokens end, in order, so that token `i` is
//! `text[ends[i-1]..ends[i]]` (token 0 starts at 0). Tokens are contiguous and cover the text, so a
//! shingle of `k` consecutive tokens is one contiguous byte slice and can be hashed without
//! allocating.
//!
//! Two tokenizers: [`CharTokenizer`] (one token per character, found eight bytes at a time;
//! about 1.5 GiB/s in the `tokenize/char` bench on an AVX2 machine) and [`jieba::JiebaTokenizer`]
//! (jieba's words, cut by [`words::WordSegmenter`] as jieba-rs cuts them, about 4× faster than
//! jieba-rs itself; see the `tokenize/jieba` bench). Both are deterministic.

pub mod jieba;
pub mod words;

use std::str::FromStr;

/// Splits normalized text into contiguous tokens.
pub trait Tokenizer: Send + Sync {
    /// Appends the end offset of every token of `text` to `ends` (cleared first).
    fn token_ends(&self, text: &str, ends: &mut Vec<u32>);
}

/// Which tokenizer a scan uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenizerKind {
    Char,
    Jieba,
}

impl FromStr for TokenizerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "char" => Ok(TokenizerKind::Char),
            "jieba" => Ok(TokenizerKind::Jieba),
            other => Err(format!(
                "unknown tokenizer {other:?} (expected char or jieba)"
            )),
        }
    }
}

impl TokenizerKind {
    pub fn name(self) -> &'static str {
        match self {
            TokenizerKind::Char => "char",
            TokenizerKind::Jieba => "jieba",
        }
    }

    /// Builds the tokenizer. Jieba loads its dictionary once (about a second); share the result.
    pub fn build(self) -> Box<dyn Tokenizer> {
        match self {
            TokenizerKind::Char => Box::new(CharTokenizer),
            TokenizerKind::Jieba => Box::new(jieba::JiebaTokenizer::new()),
        }
    }
}

/// One token per Unicode scalar value.
#[derive(Debug, Default, Clone, Copy)]
pub struct CharTokenizer;

impl Tokenizer for CharTokenizer {
    fn token_ends(&self, text: &str, ends: &mut Vec<u32>) {
        ends.clear();
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return;
        }
        ends.reserve(bytes.len());
        // A character ends where the next byte is not a UTF-8 continuation byte (10xxxxxx).
        // Eight bytes at a time: bit 7 of each byte of `starts` is set where a character starts,
        // and the set bits are read off lowest first.
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut push_starts = |word: [u8; 8], at: u32| {
            let w = u64::from_le_bytes(word);
            let mut starts = !(w & !(w << 1)) & HIGH;
            while starts != 0 {
                ends.push(at + starts.trailing_zeros() / 8);
                starts &= starts - 1;
            }
        };
        let mut words = bytes[1..].chunks_exact(8);
        let mut at = 1u32;
        for word in &mut words {
            push_starts(word.try_into().expect("eight bytes"), at);
            at += 8;
        }
        // The last bytes, padded with continuation bytes, which start nothing.
        let rest = words.remainder();
        let mut last = [0x80u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        push_starts(last, at);
        ends.push(bytes.len() as u32);
    }
}

/// Collects the tokens of `text` as string slices (tests and reports; the pipeline uses offsets).
pub fn tokens<'a>(tokenizer: &dyn Tokenizer, text: &'a str) -> Vec<&'a str> {
    let mut ends = Vec::new();
    tokenizer.token_ends(text, &mut ends);
    let mut start = 0usize;
    ends.iter()
        .map(|&end| {
            let token = &text[start..end as usize];
            start = end as usize;
            token
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_tokens_are_characters() {
        assert_eq!(
            tokens(&CharTokenizer, "工会abc"),
            ["工", "会", "a", "b", "c"]
        );
        assert!(tokens(&CharTokenizer, "").is_empty());
    }

    /// The word-at-a-time scan against `char_indices`: on the seed pages whole and cut at every
    /// character boundary of their first 100 characters, and on every suffix of a string with
    /// characters of one to four bytes (so that characters fall across and at the ends of the
    /// eight-byte words, and in the padded last word).
    #[test]
    fn char_token_ends_are_the_ends_of_chars() {
        let reference = |text: &str| -> Vec<u32> {
            text.char_indices()
                .map(|(i, c)| (i + c.len_utf8()) as u32)
                .collect()
        };
        let pages = crate::testing::seed_pages();
        let mut texts = pages.clone();
        let mixed = "a工\u{10348}é会b\u{1F600}cd工会\u{2003}xyz123中文。，！ ";
        for start in mixed.char_indices().map(|(i, _)| i) {
            texts.push(mixed[start..].to_string());
        }
        for page in &pages {
            let head: String = page.chars().take(100).collect();
            for start in head.char_indices().map(|(i, _)| i) {
                texts.push(head[start..].to_string());
            }
        }
        let mut ends = Vec::new();
        let mut multibyte = 0;
        for text in &texts {
            CharTokenizer.token_ends(text, &mut ends);
            assert_eq!(ends, reference(text), "{text:?}");
            multibyte += (text.len() > text.chars().count()) as usize;
        }
        assert!(
            multibyte > 500,
            "{multibyte} texts with multi-byte characters"
        );
    }

    #[test]
    fn tokenizer_kind_parses() {
        assert_eq!("char".parse::<TokenizerKind>(), Ok(TokenizerKind::Char));
        assert_eq!("jieba".parse::<TokenizerKind>(), Ok(TokenizerKind::Jieba));
        assert!("words".parse::<TokenizerKind>().is_err());
    }
}
