//! jieba-rs word segmentation behind the [`Tokenizer`] trait.
//!
//! The dictionary is jieba-rs's own `dict.txt`, embedded at build time (see `build.rs`): the crate's
//! `default-dict` feature would embed the same words but costs most of a clean build. The
//! dictionary is simplified Chinese only, which is why [`crate::normalize`] converts traditional
//! text first. Segmentation runs without the HMM for unknown words: it is faster, and dedup only
//! needs the same cut for the same text, not the linguistically best one.

use super::Tokenizer;
use jieba_rs::Jieba;
use std::io::BufReader;

/// The jieba dictionary (word, frequency, part of speech per line), as shipped by jieba-rs.
pub const DICTIONARY: &str = include_str!(env!("NEARDUP_JIEBA_DICT"));

/// Word tokenizer backed by jieba-rs.
pub struct JiebaTokenizer {
    jieba: Jieba,
}

impl JiebaTokenizer {
    pub fn new() -> Self {
        let mut reader = BufReader::new(DICTIONARY.as_bytes());
        let jieba = Jieba::with_dict(&mut reader).expect("embedded jieba dictionary parses");
        JiebaTokenizer { jieba }
    }
}

impl Default for JiebaTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer for JiebaTokenizer {
    fn token_ends(&self, text: &str, ends: &mut Vec<u32>) {
        ends.clear();
        let base = text.as_ptr() as usize;
        for word in self.jieba.cut(text, false) {
            // jieba returns contiguous sub-slices of `text`; recover the end offset from the slice.
            let end = word.as_ptr() as usize - base + word.len();
            ends.push(end as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokens;

    #[test]
    fn segments_words_and_covers_text() {
        let t = JiebaTokenizer::new();
        let text = "我院全体干部职工以党的十七届三中全会精神为指导";
        let words = tokens(&t, text);
        assert_eq!(words.concat(), text);
        assert!(words.contains(&"三中全会"), "{words:?}");
        assert!(
            words.len() < text.chars().count(),
            "words, not characters: {words:?}"
        );
    }

    #[test]
    fn dictionary_has_frequencies() {
        let first = DICTIONARY.lines().next().unwrap();
        assert_eq!(first.split(' ').count(), 3, "{first}");
    }
}
