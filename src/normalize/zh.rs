//! Traditional → simplified conversion, the one module that uses hanconv (OpenCC tables).
//!
//! hanconv's `tw2sp` reverses OpenCC's Taiwan phrase table only for phrases spelled with the
//! traditional variants of the table (社羣), while machine-converted pages use the Taiwan variants
//! (社群), so 社群 → 社区 was lost. This converter adds every Taiwan phrase of the forward table
//! both ways spelled. It is applied only to pages detected as traditional: on simplified text the
//! Taiwan tables do harm (文件 → 文档).

use hanconv::{Converter, Dictionary, Trie};
use std::collections::HashSet;
use std::sync::LazyLock;

static TW_TO_TRAD: LazyLock<Trie<&'static str>> = LazyLock::new(|| {
    let variants: Vec<(&'static str, &'static str)> = Dictionary::TWVariants.iter().collect();
    let to_tw_variant = |s: &str| -> String {
        let mut out = s.to_string();
        for (from, to) in &variants {
            if out.contains(from) {
                out = out.replace(from, to);
            }
        }
        out
    };
    let mut pairs: Vec<(String, &'static str)> = Vec::new();
    // Reverse of the forward Taiwan phrase table, in both spellings of the Taiwan phrase.
    for (mainland, taiwans) in hanconv::RawDictionary::TWPhrases.var_iter() {
        for taiwan in taiwans {
            if mainland != taiwan {
                pairs.push((to_tw_variant(taiwan), mainland));
                pairs.push((taiwan.to_string(), mainland));
            }
        }
    }
    let mut trie: Trie<&'static str> = Dictionary::TWVariantsRev
        .iter()
        .chain(Dictionary::TWVariantsRevPhrases.iter())
        .chain(Dictionary::TWPhrasesRev.iter())
        .collect();
    for (key, value) in pairs {
        if key.chars().count() > 1 {
            trie.insert(&key, value);
        }
    }
    trie
});

static TRAD_TO_SIMP: LazyLock<Trie<&'static str>> = LazyLock::new(|| {
    Dictionary::TSPhrases
        .iter()
        .chain(Dictionary::TSCharacters.iter())
        .collect()
});

static CONVERTER: LazyLock<Converter> =
    LazyLock::new(|| Converter::new(vec![&*TW_TO_TRAD, &*TRAD_TO_SIMP]));

/// Characters that occur only in traditional text: they have a simplified form and are not
/// themselves a simplified character. A bitset over the Basic Multilingual Plane.
static TRADITIONAL_ONLY: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let simplified: HashSet<char> = Dictionary::STCharacters
        .iter()
        .filter_map(|(s, _)| single_char(s))
        .collect();
    let mut bits = vec![0u64; 0x10000 / 64];
    for c in Dictionary::TSCharacters
        .iter()
        .filter(|(t, s)| t != s)
        .filter_map(|(t, _)| single_char(t))
        .filter(|c| !simplified.contains(c) && (*c as u32) < 0x10000)
    {
        bits[c as usize / 64] |= 1 << (c as usize % 64);
    }
    bits
});

fn traditional_only(c: char) -> bool {
    let i = c as usize;
    i < 0x10000 && TRADITIONAL_ONLY[i / 64] & (1 << (i % 64)) != 0
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Loads the tables now (they are otherwise built on first use, about 50 ms).
pub fn warm_up() {
    LazyLock::force(&CONVERTER);
    LazyLock::force(&TRADITIONAL_ONLY);
}

/// Whether `text` is written in traditional characters: at least 3 traditional-only characters,
/// and at least 1 in 50 of its Han characters. Simplified pages quoting a traditional name or
/// using a character shared by both scripts stay below.
pub fn is_traditional(text: &str) -> bool {
    let mut han = 0usize;
    let mut trad = 0usize;
    for c in text.chars() {
        if c >= '\u{3400}' {
            han += 1;
            if traditional_only(c) {
                trad += 1;
            }
        }
    }
    trad >= 3 && trad * 50 >= han
}

/// Converts traditional text (including Taiwan phrasing) to simplified mainland text.
pub fn to_simplified(text: &str) -> String {
    CONVERTER.convert(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taiwan_phrasing_back_to_mainland() {
        let converted = to_simplified("資訊，專案，社群服務，全域性規劃，軟體檔案");
        assert_eq!(converted, "信息，项目，社区服务，全局规划，软件文件");
    }

    #[test]
    fn machine_converted_text_round_trips() {
        let simplified = "加强社区卫生服务中心建设，完善信息系统，推进重点项目落实，全局统筹";
        let traditional = hanconv::s2twp(simplified);
        assert_ne!(traditional, simplified);
        assert!(is_traditional(&traditional));
        assert_eq!(to_simplified(&traditional), simplified);
    }

    #[test]
    fn simplified_pages_are_not_traditional() {
        for path in [
            "000_e9c4ce73eb525934",
            "001_27848082a643c5e6",
            "003_269fc68bffaa19a3",
        ] {
            let text = std::fs::read_to_string(format!("../shared/seeds/{path}.txt")).unwrap();
            assert!(!is_traditional(&text), "{path}");
        }
        let text = std::fs::read_to_string("../shared/seeds/004_aa19e0c5a9823563.txt").unwrap();
        assert!(is_traditional(&text));
    }
}
