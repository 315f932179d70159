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
//!
//! A slow tokenizer's cut is kept as a bitmap over the characters of the text, one bit each
//! ([`encode_cut`], [`decode_cut`]), so that a page is cut once per scan however many stages
//! shingle it.

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

/// 64-bit words of a cut of a text of `chars` characters ([`encode_cut`]).
pub fn cut_words(chars: usize) -> usize {
    chars.div_ceil(64)
}

/// Appends the cut of `text` into tokens (`ends`, as [`Tokenizer::token_ends`] gives them) to
/// `words` as a bitmap over its characters: bit `k` is set when a token ends after character
/// `k`. One bit a character, so a slow tokenizer's cut of every page can be kept from
/// fingerprinting and replayed by verification instead of cutting again.
pub fn encode_cut(text: &str, ends: &[u32], words: &mut Vec<u64>) {
    let first = words.len();
    let mut next = ends.iter().peekable();
    let mut chars = 0usize;
    for (k, (i, c)) in text.char_indices().enumerate() {
        if k % 64 == 0 {
            words.push(0);
        }
        if next
            .peek()
            .is_some_and(|&&e| e as usize == i + c.len_utf8())
        {
            next.next();
            words[first + k / 64] |= 1 << (k % 64);
        }
        chars = k + 1;
    }
    debug_assert_eq!(words.len() - first, cut_words(chars));
    debug_assert!(next.next().is_none(), "token ends are character ends");
}

/// The token ends of `text` from its cut, `word(i)` being the cut's word `i` (of
/// [`cut_words`]`(chars)`); `false` (and `ends` unspecified) when the cut is not one of this
/// text: the wrong length, or the last token not ending with the text.
pub fn decode_cut(
    text: &str,
    words: usize,
    word: impl Fn(usize) -> u64,
    ends: &mut Vec<u32>,
) -> bool {
    ends.clear();
    let mut bits = 0u64;
    let mut chars = 0usize;
    for (k, (i, c)) in text.char_indices().enumerate() {
        if k % 64 == 0 {
            if k / 64 >= words {
                return false;
            }
            bits = word(k / 64);
        }
        if bits & (1 << (k % 64)) != 0 {
            ends.push((i + c.len_utf8()) as u32);
        }
        chars = k + 1;
    }
    cut_words(chars) == words
        && ends
            .last()
            .map_or(text.is_empty(), |&e| e as usize == text.len())
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
    fn a_cut_decodes_to_the_tokens_it_encodes() {
        let jieba = TokenizerKind::Jieba.build();
        let mut texts: Vec<String> = vec![String::new(), "工".into(), "ab".into()];
        for entry in std::fs::read_dir("../shared/seeds").unwrap() {
            let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            texts.extend(raw.lines().map(crate::normalize::normalize));
            texts.push(crate::normalize::normalize(&raw));
        }
        let (mut ends, mut decoded, mut words) = (Vec::new(), Vec::new(), Vec::new());
        let mut tokens = 0;
        for text in &texts {
            for tokenizer in [jieba.as_ref(), &CharTokenizer] {
                tokenizer.token_ends(text, &mut ends);
                words.clear();
                words.push(u64::MAX); // words before the cut are not read
                encode_cut(text, &ends, &mut words);
                let n = words.len() - 1;
                assert_eq!(n, cut_words(text.chars().count()));
                assert!(decode_cut(text, n, |i| words[1 + i], &mut decoded));
                assert_eq!(decoded, ends, "{text}");
                tokens += ends.len();
            }
        }
        assert!(tokens > 50_000, "{tokens}");
        // A cut of another text is not taken for this one's.
        let (a, b) = ("工会工作总结", "工会工作总结报告");
        jieba.token_ends(a, &mut ends);
        words.clear();
        encode_cut(a, &ends, &mut words);
        assert!(!decode_cut(b, words.len(), |i| words[i], &mut decoded));
        let long = "工".repeat(65);
        assert!(!decode_cut(&long, words.len(), |i| words[i], &mut decoded));
    }

    #[test]
    fn tokenizer_kind_parses() {
        assert_eq!("char".parse::<TokenizerKind>(), Ok(TokenizerKind::Char));
        assert_eq!("jieba".parse::<TokenizerKind>(), Ok(TokenizerKind::Jieba));
        assert!("words".parse::<TokenizerKind>().is_err());
    }
}
