//! Tokenize: normalized text → token boundaries.
//!
//! Input: the normalized text of one document (see [`crate::normalize`]), which has no whitespace
//! or punctuation. Output: the byte offsets where tokens end, in order, so that token `i` is
//! `text[ends[i-1]..ends[i]]` (token 0 starts at 0). Tokens are contiguous and cover the text, so a
//! shingle of `k` consecutive tokens is one contiguous byte slice and can be hashed without
//! allocating.
//!
//! Two tokenizers: [`CharTokenizer`] (one token per character, ~1 GB/s) and
//! [`jieba::JiebaTokenizer`] (jieba-rs words, 15–30 MB/s per core). Both are deterministic.

pub mod jieba;

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
        ends.reserve(text.len() / 3 + 1);
        let bytes = text.as_bytes();
        // A character ends where the next byte is not a UTF-8 continuation byte.
        for (i, &b) in bytes.iter().enumerate().skip(1) {
            if b & 0xC0 != 0x80 {
                ends.push(i as u32);
            }
        }
        if !bytes.is_empty() {
            ends.push(bytes.len() as u32);
        }
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

    #[test]
    fn tokenizer_kind_parses() {
        assert_eq!("char".parse::<TokenizerKind>(), Ok(TokenizerKind::Char));
        assert_eq!("jieba".parse::<TokenizerKind>(), Ok(TokenizerKind::Jieba));
        assert!("words".parse::<TokenizerKind>().is_err());
    }
}
