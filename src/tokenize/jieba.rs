//! jieba-rs word segmentation behind the [`Tokenizer`] trait.
//!
//! The dictionary is jieba-rs's own `dict.txt`, embedded at build time (see `build.rs`): the crate's
//! `default-dict` feature would embed the same words but costs most of a clean build. The
//! dictionary is simplified Chinese only, which is why [`crate::normalize`] converts traditional
//! text first. Segmentation runs without the HMM for unknown words: it is faster, and dedup only
//! needs the same cut for the same text, not the linguistically best one.
//!
//! Texts made only of the characters jieba cuts as one block (every normalized line but those
//! with other scripts) are cut by [`WordSegmenter`], jieba's own route over a faster form of the
//! same dictionary, with the same result; jieba-rs cuts the rest, and is built the first time
//! one comes.

use super::Tokenizer;
use super::words::WordSegmenter;
use jieba_rs::Jieba;
use std::io::BufReader;
use std::sync::OnceLock;

/// The jieba dictionary (word, frequency, part of speech per line), as shipped by jieba-rs.
pub const DICTIONARY: &str = include_str!(env!("NEARDUP_JIEBA_DICT"));

/// Word tokenizer backed by jieba-rs.
pub struct JiebaTokenizer {
    words: WordSegmenter,
    jieba: OnceLock<Jieba>,
}

impl JiebaTokenizer {
    pub fn new() -> Self {
        let words =
            WordSegmenter::from_dictionary(DICTIONARY).expect("embedded jieba dictionary parses");
        JiebaTokenizer {
            words,
            jieba: OnceLock::new(),
        }
    }

    /// jieba-rs with the same dictionary.
    fn jieba(&self) -> &Jieba {
        self.jieba.get_or_init(reference)
    }
}

/// jieba-rs loaded with the embedded dictionary: the cut of texts outside the block class, and
/// the reference [`WordSegmenter`] is tested against.
pub fn reference() -> Jieba {
    let mut reader = BufReader::new(DICTIONARY.as_bytes());
    Jieba::with_dict(&mut reader).expect("embedded jieba dictionary parses")
}

impl Default for JiebaTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer for JiebaTokenizer {
    fn token_ends(&self, text: &str, ends: &mut Vec<u32>) {
        if !self.words.try_cut(text, ends) {
            jieba_rs_ends(self.jieba(), text, ends);
        }
    }
}

/// jieba-rs's cut of `text` as end offsets into `ends` (cleared first).
fn jieba_rs_ends(jieba: &Jieba, text: &str, ends: &mut Vec<u32>) {
    ends.clear();
    let base = text.as_ptr() as usize;
    for word in jieba.cut(text, false) {
        // jieba returns contiguous sub-slices of `text`; recover the end offset from the slice.
        let end = word.as_ptr() as usize - base + word.len();
        ends.push(end as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokens;
    use crate::tokenize::words::in_block_class;

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

    /// The end offsets of jieba-rs's own cut.
    fn reference_ends(jieba: &Jieba, text: &str) -> Vec<u32> {
        let mut ends = Vec::new();
        jieba_rs_ends(jieba, text, &mut ends);
        ends
    }

    /// The texts of the seed pages and of the bundled sample that the fast path cuts: every
    /// normalized line, every normalized page, and every stretch of raw text between characters
    /// outside the block class (capitals, digits, `.`, `%`, `-` and the rest of ASCII's class).
    fn real_texts() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut raws = Vec::new();
        for dir in [root.join("../shared/seeds"), root.join("data")] {
            for entry in walkdir::WalkDir::new(dir) {
                let entry = entry.unwrap();
                if entry.path().extension().is_some_and(|e| e == "txt") {
                    raws.push(std::fs::read_to_string(entry.path()).unwrap());
                }
            }
        }
        assert!(raws.len() >= 20, "{} pages", raws.len());
        let mut texts = Vec::new();
        let mut norm = crate::normalize::Normalized::new();
        for raw in &raws {
            crate::normalize::normalize_document(raw, &mut norm);
            for line in &norm.lines {
                texts.push(norm.text[line.start as usize..line.end as usize].to_string());
            }
            texts.push(norm.text.clone());
            texts.extend(
                raw.split(|c| !in_block_class(c))
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            );
        }
        texts
    }

    #[test]
    fn word_segmenter_cuts_real_text_as_jieba_rs_does() {
        let t = JiebaTokenizer::new();
        let jieba = reference();
        let mut ends = Vec::new();
        let (mut fast, mut chars, mut ascii) = (0, 0, 0);
        for text in real_texts() {
            if text.chars().all(in_block_class) {
                fast += 1;
                chars += text.chars().count();
                ascii += text.bytes().filter(u8::is_ascii_alphanumeric).count();
            }
            t.token_ends(&text, &mut ends);
            assert_eq!(ends, reference_ends(&jieba, &text), "{text}");
        }
        // Nearly every text takes the fast path, with letters and digits among the ideographs.
        assert!(
            fast > 2_000 && chars > 500_000 && ascii > 1_000,
            "{fast} {chars} {ascii}"
        );
    }

    #[test]
    fn texts_outside_the_block_class_go_to_jieba_rs() {
        let t = JiebaTokenizer::new();
        let jieba = reference();
        let mut ends = Vec::new();
        for text in [
            "工作总结，2023年 工作计划。",
            "ひらがなと漢字の混在した文",
            "医院 工会\r\n年度报告\n",
            "Рабочий отчёт 工作",
            "*",
        ] {
            assert!(!t.words.try_cut(text, &mut ends) && ends.is_empty());
            t.token_ends(text, &mut ends);
            assert_eq!(ends, reference_ends(&jieba, text), "{text}");
        }
    }

    #[test]
    fn word_segmenter_reads_a_dictionary_as_jieba_rs_does() {
        // A word listed twice keeps its last frequency; a missing frequency is 0; words of
        // frequency 0 weigh -inf, so routes through them tie and the tie goes to the longer word.
        let dictionary = "甲 5\n甲乙 1\n乙 2\n甲乙 40\n乙丙 0\n丙 0\n丙丁\n丁 3 n\n𠀀 7\n𠀀甲 9\n\
                          a 4\nab 2\n1 1\n";
        let words = WordSegmenter::from_dictionary(dictionary).unwrap();
        let jieba = Jieba::with_dict(&mut BufReader::new(dictionary.as_bytes())).unwrap();
        let alphabet: Vec<char> = "甲乙丙丁𠀀ab1戊".chars().collect();
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().unwrap().chars().count())
                .flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        assert!(texts.len() > 60_000, "{}", texts.len());
        let mut ends = Vec::new();
        for text in &texts {
            assert!(words.try_cut(text, &mut ends));
            assert_eq!(ends, reference_ends(&jieba, text), "{text}");
        }
        assert!(WordSegmenter::from_dictionary("甲 x\n").is_err());
        assert!(WordSegmenter::from_dictionary("甲 0\n乙\n").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Strings over the characters of common words, ASCII of the class and ideographs the
        /// dictionary lacks (one beyond the Basic Multilingual Plane) cut as jieba-rs cuts them.
        #[test]
        fn word_segmenter_matches_jieba_rs(picks in proptest::collection::vec(0usize..10_000, 0..80)) {
            let (t, jieba, alphabet) = fixture();
            let text: String = picks.iter().map(|&p| alphabet[p % alphabet.len()]).collect();
            let mut ends = Vec::new();
            proptest::prop_assert!(t.words.try_cut(&text, &mut ends));
            proptest::prop_assert_eq!(ends, reference_ends(jieba, &text), "{}", text);
        }
    }

    fn fixture() -> &'static (JiebaTokenizer, Jieba, Vec<char>) {
        static FIXTURE: OnceLock<(JiebaTokenizer, Jieba, Vec<char>)> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            // Characters of the dictionary's highest-frequency words, so that random strings
            // hold many words and overlapping edges.
            let mut words: Vec<(u64, &str)> = DICTIONARY
                .lines()
                .filter_map(|l| {
                    let mut f = l.split(' ');
                    let w = f.next()?;
                    Some((f.next()?.parse().ok()?, w))
                })
                .collect();
            words.sort_unstable_by(|a, b| b.cmp(a));
            let mut alphabet: Vec<char> = words[..400].iter().flat_map(|w| w.1.chars()).collect();
            alphabet.sort_unstable();
            alphabet.dedup();
            alphabet.retain(|&c| in_block_class(c));
            alphabet.extend("aZ09+#&._%-x1".chars());
            alphabet.extend(['\u{3400}', '\u{20000}', '\u{9FA5}']);
            (JiebaTokenizer::new(), reference(), alphabet)
        })
    }
}
