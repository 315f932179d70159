//! Words sampled from jieba's dictionary by frequency.
//!
//! # Why generated articles cannot be near-duplicates by accident
//!
//! Every word of a generated sentence is drawn independently from the 349k words of jieba's
//! dictionary with probability proportional to their corpus frequency (a Zipf-like law: 了, 是,
//! 在 … head a very long tail). The Shannon entropy of that distribution is ~12.8 bits per word and
//! its collision (Rényi-2) entropy is ~9.5 bits: two independently drawn words are equal with
//! probability `Σ p² ≈ 2^-9.5`. A shingle of `k` consecutive words therefore coincides with another
//! independently drawn shingle with probability `≈ 2^(-9.5·k)`: `2^-47` for `k = 5`. A corpus of
//! 100k pages holds ~10^8 word shingles, i.e. ~10^16 ≈ 2^53 cross pairs, so a handful of shared
//! 5-shingles are expected in the whole corpus (mostly runs of the commonest function words),
//! against the hundreds a single copied paragraph shares. Character shingles behave alike (words
//! average 1.66 characters, so a 5-word shingle is ~8 characters of text). Two articles that were
//! not derived from one another thus share essentially nothing, and every near-duplicate in the
//! corpus is one the generator put there and recorded in the truth.

use neardup::tokenize::jieba::DICTIONARY;
use rand::Rng;
use std::sync::LazyLock;

/// A frequency-weighted word table: cumulative counts for sampling by binary search.
pub struct Table {
    words: Vec<&'static str>,
    cum: Vec<u64>,
}

impl Table {
    fn new() -> Self {
        Table {
            words: Vec::new(),
            cum: Vec::new(),
        }
    }

    fn push(&mut self, word: &'static str, freq: u64) {
        let last = self.cum.last().copied().unwrap_or(0);
        self.words.push(word);
        self.cum.push(last + freq.max(1));
    }

    /// Draws a word with probability proportional to its frequency.
    pub fn sample<R: Rng>(&self, rng: &mut R) -> &'static str {
        let total = *self.cum.last().expect("non-empty table");
        let r = rng.random_range(0..total);
        let i = self.cum.partition_point(|&c| c <= r);
        self.words[i]
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.words.len()
    }
}

/// All words, plus the person and place names (jieba tags `nr`, `ns`) used as placeholder targets.
pub struct Vocab {
    pub all: Table,
    pub names: Table,
    pub places: Table,
    pub nouns: Table,
}

fn is_cjk_word(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

pub static VOCAB: LazyLock<Vocab> = LazyLock::new(|| {
    let mut v = Vocab {
        all: Table::new(),
        names: Table::new(),
        places: Table::new(),
        nouns: Table::new(),
    };
    for line in DICTIONARY.lines() {
        let mut it = line.split_whitespace();
        let (Some(word), Some(freq)) = (it.next(), it.next()) else {
            continue;
        };
        let pos = it.next().unwrap_or("");
        let Ok(freq) = freq.parse::<u64>() else {
            continue;
        };
        if !is_cjk_word(word) {
            continue;
        }
        v.all.push(word, freq);
        match pos {
            "nr" if word.chars().count() >= 2 => v.names.push(word, freq),
            "ns" => v.places.push(word, freq),
            "n" | "vn" if word.chars().count() >= 2 => v.nouns.push(word, freq),
            _ => {}
        }
    }
    v
});

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn tables_are_large_and_sampling_is_frequency_weighted() {
        let v = &*VOCAB;
        assert!(v.all.len() > 300_000);
        assert!(v.names.len() > 1000 && v.places.len() > 1000 && v.nouns.len() > 1000);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut hits = 0;
        for _ in 0..10_000 {
            if matches!(v.all.sample(&mut rng), "了" | "是" | "在" | "和") {
                hits += 1;
            }
        }
        // Together these four carry ~5 % of the frequency mass.
        assert!((200..1000).contains(&hits), "{hits}");
    }
}
