//! Traditional → simplified conversion, the one module that uses hanconv (OpenCC tables).
//!
//! hanconv's `tw2sp` reverses OpenCC's Taiwan phrase table only for phrases spelled with the
//! traditional variants of the table (社羣), while machine-converted pages use the Taiwan variants
//! (社群), so 社群 → 社区 was lost. This converter adds every Taiwan phrase of the forward table
//! both ways spelled. It is applied only to pages detected as traditional: on simplified text the
//! Taiwan tables do harm (文件 → 文档).
//!
//! s2twp is not one-to-one, and the OpenCC tables take a Taiwan form back to the rarer of the
//! mainland words it comes from (建立 → 创建, 執行 → 运行, 資料 → 数据). [`INVERSE_TABLE`], made
//! from jieba's word frequencies, gives those forms the most frequent word instead; it is matched
//! first, and the OpenCC chain converts the text between its words.

use hanconv::Dictionary;
#[cfg(test)]
use hanconv::Trie;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Taiwan phrases and variants back to standard traditional characters: hanconv's tables, plus
/// the reverse of every Taiwan phrase of the forward table in both spellings, in insertion order
/// (a later key replaces an earlier one).
fn tw_to_trad_pairs() -> Vec<(String, &'static str)> {
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
    let mut pairs: Vec<(String, &'static str)> = Dictionary::TWVariantsRev
        .iter()
        .chain(Dictionary::TWVariantsRevPhrases.iter())
        .chain(Dictionary::TWPhrasesRev.iter())
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    // Reverse of the forward Taiwan phrase table, in both spellings of the Taiwan phrase.
    for (mainland, taiwans) in hanconv::RawDictionary::TWPhrases.var_iter() {
        for taiwan in taiwans {
            if mainland != taiwan {
                for key in [to_tw_variant(taiwan), taiwan.to_string()] {
                    if key.chars().count() > 1 {
                        pairs.push((key, mainland));
                    }
                }
            }
        }
    }
    pairs
}

#[cfg(test)]
static TW_TO_TRAD: LazyLock<Trie<&'static str>> = LazyLock::new(|| {
    let mut trie = Trie::default();
    for (key, value) in tw_to_trad_pairs() {
        trie.insert(&key, value);
    }
    trie
});

#[cfg(test)]
static TRAD_TO_SIMP: LazyLock<Trie<&'static str>> = LazyLock::new(|| {
    Dictionary::TSPhrases
        .iter()
        .chain(Dictionary::TSCharacters.iter())
        .collect()
});

/// The OpenCC chain alone (Taiwan phrases and variants back, then traditional → simplified):
/// what [`to_simplified`] does outside the words of [`INVERSE_TABLE`].
#[cfg(test)]
static CONVERTER: LazyLock<hanconv::Converter> =
    LazyLock::new(|| hanconv::Converter::new(vec![&*TW_TO_TRAD, &*TRAD_TO_SIMP]));

/// Words whose conversion back is ambiguous, with the simplified word chosen (`tw\tsimplified`
/// a line), generated from jieba's dictionary by [`tests::inverse_table`]. s2twp maps several
/// mainland words to one Taiwan form (建立 and 创建 → 建立, 执行 and 运行 → 執行, 资料 and 数据 →
/// 資料), and leaves traditional characters already in simplified text alone (簡, or 鐨 of
/// mojibake); the OpenCC tables take the rarer word back (建立 → 创建, 鐨 → 镄). For every word of
/// the dictionary, the table gives its Taiwan form the most frequent mainland word with that
/// form, where the OpenCC chain gives another, plus the longer words and phrases that contain
/// such a form (so that 執行緒 still becomes 线程 and 簡單 简单).
const INVERSE_TABLE: &str = include_str!("zh_inverse.tsv");

/// One pass of a phrase table: longest match at every character, other characters copied.
///
/// Most characters are decided without the trie and without a branch that depends on them:
/// where no key of two or more characters begins with the character and the next one (a bit of
/// [`Stage::longer`] and one of the trie's pair bits), the longest key is the character alone,
/// and [`Stage::one`] gives what it becomes. In the seed pages converted to Taiwan phrasing, the
/// branch to the trie is then taken at 12 % of the characters for the table of words, 2 % and
/// under 0.1 % for the OpenCC tables, where the bit of the characters that begin a key sent 64 %,
/// 27 % and 37 % to it, a branch mispredicted about as often as taken
/// (`normalize/traditional`: 62 -> 95 MiB/s; with a line decoded once, 110).
struct Stage<V: 'static> {
    trie: Phrases<V>,
    /// The characters below U+10000 that begin a key of two or more characters.
    longer: Vec<u64>,
    /// The characters below U+10000 that are a key by themselves.
    single: Vec<u64>,
    /// For each character below U+10000: what it becomes by itself (its one-character key's
    /// value, or itself), or 0 where that is not one character of the plane (the trie decides).
    one: Vec<u16>,
}

/// Whether bit `i` of `bits` is set.
#[inline]
fn bit(bits: &[u64], i: usize) -> bool {
    bits[i / 64] >> (i % 64) & 1 != 0
}

impl<V: AsRef<str> + 'static> Stage<V> {
    fn new<K: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let trie = Phrases::new(pairs.into_iter().collect());
        let mut longer = vec![0u64; 0x10000 / 64];
        let mut single = vec![0u64; 0x10000 / 64];
        let mut one: Vec<u16> = (0..=u16::MAX)
            .map(|c| {
                if char::from_u32(c as u32).is_some() {
                    c
                } else {
                    0
                }
            })
            .collect();
        for c in (0..0x10000u32).filter_map(char::from_u32) {
            let node = trie.root(c);
            let i = c as usize;
            if node.len > 0 {
                longer[i / 64] |= 1 << (i % 64);
            }
            if node.value != Phrases::<V>::NONE {
                single[i / 64] |= 1 << (i % 64);
                one[i] = match trie.value_chars(node.value) {
                    &[v] => u16::try_from(v as u32).unwrap_or(0),
                    _ => 0,
                };
            }
        }
        Stage {
            trie,
            longer,
            single,
            one,
        }
    }

    /// Whether a key of two or more characters may begin with `c` followed by `next`.
    #[inline]
    fn may_be_longer(&self, c: char, next: char) -> bool {
        // Both bits read, no branch between them.
        bit(&self.longer, c as usize) & bit(&self.trie.pairs, pair_bit(c, next))
    }

    /// What `c`, followed by `next`, becomes when no key longer than it begins there; `None`
    /// when the trie must decide (a longer key may begin there, or `c` is beyond the plane).
    #[inline]
    fn alone(&self, c: char, next: char) -> Option<char> {
        if (c as usize) >= 0x10000 {
            return None;
        }
        let one = self.one[c as usize];
        if self.may_be_longer(c, next) | (one == 0) {
            return None;
        }
        char::from_u32(one as u32)
    }

    /// Whether no key begins at `c` followed by `next` (certain; `false` may still be none).
    #[inline]
    fn no_key(&self, c: char, next: char) -> bool {
        (c as usize) < 0x10000 && !(self.may_be_longer(c, next) | bit(&self.single, c as usize))
    }

    /// The longest key at the start of `text`: its value's characters and its length in
    /// characters.
    #[inline]
    fn match_at(&self, text: &[char]) -> Option<(&[char], usize)> {
        let (value, len) = self.trie.longest_in(text)?;
        Some((self.trie.value_chars(value), len))
    }

    /// Appends `text` converted to `out`, as `Trie::convert` would.
    fn convert_into(&self, text: &[char], out: &mut Vec<char>) {
        out.reserve(text.len());
        let mut i = 0;
        while i < text.len() {
            let c = text[i];
            let next = text.get(i + 1).copied().unwrap_or('\0');
            if let Some(alone) = self.alone(c, next) {
                out.push(alone);
                i += 1;
            } else if let Some((value, len)) = self.match_at(&text[i..]) {
                out.extend_from_slice(value);
                i += len;
            } else {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// The keys of a phrase table in a trie of flat arrays (hanconv's trie keeps a hash map per
/// node, which made lookups most of the conversion's cost): the children of a node are a run of
/// `edges` sorted by character, and the root's children are indexed directly for the Basic
/// Multilingual Plane, with the node itself in the index (one memory load less per lookup).
/// Longest-match lookups give what hanconv's `Trie::match` gives (tested).
struct Phrases<V> {
    /// For each first character below U+10000, its node in `roots` (0: none, the absent node).
    /// Two bytes a character instead of the node's twelve: the index stays in the cache (the
    /// `normalize/traditional` bench 61 -> 62 MiB/s).
    root_of: Vec<u16>,
    roots: Vec<PhraseNode>,
    /// First characters beyond the Basic Multilingual Plane, sorted, with their nodes.
    astral: Vec<(char, u32)>,
    nodes: Vec<PhraseNode>,
    edges: Vec<(char, u32)>,
    values: Vec<V>,
    /// The characters of every value, one after the other: value `v`'s are
    /// `value_chars[value_at[v]..value_at[v + 1]]`.
    value_chars: Vec<char>,
    value_at: Vec<u32>,
    /// Bit [`pair_bit`] of the first two characters of every key of two or more: where it is
    /// clear, no key longer than one character begins there. The `normalize/traditional` bench
    /// ran at 56 MiB/s with a search of the first character's children instead, 61 with this.
    pairs: Vec<u64>,
}

/// Bits of [`Phrases::pairs`]: 8 KiB, which the tables fill to 7 % (4,745 pairs of the table of
/// words, 501 and 246 of the OpenCC ones).
const PAIR_BITS: usize = 1 << 16;

/// The bit of two characters in [`Phrases::pairs`].
#[inline]
fn pair_bit(a: char, b: char) -> usize {
    let h = ((a as u64) << 21 | b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> (64 - PAIR_BITS.trailing_zeros())) as usize
}

#[derive(Clone, Copy)]
struct PhraseNode {
    /// Index into `values`, or [`Phrases::NONE`].
    value: u32,
    /// The node's children: `edges[start..start + len]`.
    start: u32,
    len: u32,
}

impl PhraseNode {
    /// No key begins here: no value and no children (every node of a key has one or the other).
    const ABSENT: PhraseNode = PhraseNode {
        value: u32::MAX,
        start: 0,
        len: 0,
    };
}

impl<V: AsRef<str>> Phrases<V> {
    const NONE: u32 = u32::MAX;

    /// The trie of `pairs`; a later pair with the same key replaces an earlier one, and the
    /// empty key is left out.
    fn new<K: AsRef<str>>(pairs: Vec<(K, V)>) -> Self {
        #[derive(Default)]
        struct Build {
            value: Option<usize>,
            children: std::collections::BTreeMap<char, Build>,
        }
        let mut top = Build::default();
        let mut values: Vec<Option<V>> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            if key.as_ref().is_empty() {
                continue;
            }
            let mut node = &mut top;
            for c in key.as_ref().chars() {
                node = node.children.entry(c).or_default();
            }
            node.value = Some(values.len());
            values.push(Some(value));
        }
        // Values are renumbered in the order their nodes are laid out; replaced ones dropped.
        fn lay_out<V: AsRef<str>>(
            build: Build,
            values: &mut [Option<V>],
            trie: &mut Phrases<V>,
        ) -> u32 {
            let at = trie.nodes.len();
            let value = match build.value {
                Some(v) => {
                    trie.values
                        .push(values[v].take().expect("each value laid out once"));
                    trie.values.len() as u32 - 1
                }
                None => Phrases::<V>::NONE,
            };
            let start = trie.edges.len();
            let len = build.children.len();
            trie.nodes.push(PhraseNode {
                value,
                start: start as u32,
                len: len as u32,
            });
            trie.edges
                .extend(build.children.keys().map(|&c| (c, Phrases::<V>::NONE)));
            for (k, child) in build.children.into_values().enumerate() {
                let node = lay_out(child, values, trie);
                trie.edges[start + k].1 = node;
            }
            at as u32
        }
        let mut trie = Phrases {
            root_of: vec![0; 0x10000],
            roots: vec![PhraseNode::ABSENT],
            astral: Vec::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
            values: Vec::new(),
            value_chars: Vec::new(),
            value_at: Vec::new(),
            pairs: vec![0; PAIR_BITS / 64],
        };
        let top = lay_out(top, &mut values, &mut trie);
        for value in &trie.values {
            trie.value_at.push(trie.value_chars.len() as u32);
            trie.value_chars.extend(value.as_ref().chars());
        }
        trie.value_at.push(trie.value_chars.len() as u32);
        let PhraseNode { start, len, .. } = trie.nodes[top as usize];
        for &(c, node) in &trie.edges[start as usize..(start + len) as usize] {
            if (c as usize) < 0x10000 {
                trie.root_of[c as usize] =
                    u16::try_from(trie.roots.len()).expect("fewer first characters than 2^16");
                trie.roots.push(trie.nodes[node as usize]);
            } else {
                trie.astral.push((c, node));
            }
            // The first two characters of every longer key.
            let first = trie.nodes[node as usize];
            for &(second, _) in
                &trie.edges[first.start as usize..(first.start + first.len) as usize]
            {
                let bit = pair_bit(c, second);
                trie.pairs[bit / 64] |= 1 << (bit % 64);
            }
        }
        trie
    }

    /// The characters of value `v`.
    fn value_chars(&self, v: u32) -> &[char] {
        &self.value_chars
            [self.value_at[v as usize] as usize..self.value_at[v as usize + 1] as usize]
    }

    /// The root node of the keys that begin with `c`.
    #[inline]
    fn root(&self, c: char) -> PhraseNode {
        if (c as usize) < 0x10000 {
            self.roots[self.root_of[c as usize] as usize]
        } else {
            self.astral
                .binary_search_by_key(&c, |&(k, _)| k)
                .map_or(PhraseNode::ABSENT, |i| {
                    self.nodes[self.astral[i].1 as usize]
                })
        }
    }

    /// The index of the value of the longest key that begins `text`, and that key's length in
    /// characters: what hanconv's `Trie::match` gives (tested). The three tables of a
    /// conversion read one line decoded once.
    #[inline]
    fn longest_in(&self, text: &[char]) -> Option<(u32, usize)> {
        let &first = text.first()?;
        let mut node = self.root(first);
        let mut best = None;
        // `node` is that of the key `text[..len]`.
        let mut len = 1;
        loop {
            if node.value != Self::NONE {
                best = Some((node.value, len));
            }
            let Some(&c) = text.get(len) else {
                break;
            };
            if node.len == 0 {
                break;
            }
            // After the first character, most text begins no longer key: one bit says so
            // without a search of the children.
            if len == 1 && !bit(&self.pairs, pair_bit(first, c)) {
                break;
            }
            match self.child(node, c) {
                Some(next) => {
                    node = next;
                    len += 1;
                }
                None => break,
            }
        }
        best
    }

    /// The child of `node` for character `c`.
    fn child(&self, node: PhraseNode, c: char) -> Option<PhraseNode> {
        let edges = &self.edges[node.start as usize..(node.start + node.len) as usize];
        edges
            .binary_search_by_key(&c, |&(k, _)| k)
            .ok()
            .map(|i| self.nodes[edges[i].1 as usize])
    }
}

struct Simplifier {
    inverse: Stage<&'static str>,
    tw_to_trad: Stage<&'static str>,
    trad_to_simp: Stage<&'static str>,
}

static SIMPLIFIER: LazyLock<Simplifier> = LazyLock::new(|| Simplifier {
    inverse: Stage::new(
        INVERSE_TABLE
            .lines()
            .filter_map(|line| line.split_once('\t')),
    ),
    tw_to_trad: Stage::new(tw_to_trad_pairs()),
    trad_to_simp: Stage::new(
        Dictionary::TSPhrases
            .iter()
            .chain(Dictionary::TSCharacters.iter()),
    ),
});

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

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Loads the tables now (they are otherwise built on first use, about 50 ms).
pub fn warm_up() {
    LazyLock::force(&SIMPLIFIER);
    LazyLock::force(&TRADITIONAL_ONLY);
}

/// What one pass over a text tells: its characters, and whether it is written in traditional
/// characters ([`is_traditional`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Script {
    pub chars: u32,
    pub traditional: bool,
}

/// [`Script`] of `text`, one character at a time. Normalization counts the same while it
/// writes a page ([`Tally`], tested against this).
pub fn script(text: &str) -> Script {
    let mut tally = Tally::default();
    tally.text(text);
    Script {
        chars: text.chars().count() as u32,
        traditional: tally.traditional(),
    }
}

/// Counts the characters that decide a text's script, handed to it one at a time or as
/// stretches of plain ideographs, so that a pass that decodes them anyway decides the script
/// on the way.
pub struct Tally {
    han: usize,
    trad: usize,
    bits: &'static [u64],
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            han: 0,
            trad: 0,
            bits: &TRADITIONAL_ONLY,
        }
    }
}

impl Tally {
    /// Counts character `c`.
    #[inline]
    pub fn char(&mut self, c: char) {
        if c >= '\u{3400}' {
            self.han += 1;
            let i = c as usize;
            self.trad += (i < 0x10000 && self.bits[i / 64] >> (i % 64) & 1 != 0) as usize;
        }
    }

    /// Whether common CJK ideograph `c` (U+4E00..U+9FFF, a code point) is traditional-only: a
    /// stretch of them is counted with [`Tally::ideographs`].
    #[inline]
    pub fn is_traditional_only(&self, c: usize) -> bool {
        self.bits[c / 64] >> (c % 64) & 1 != 0
    }

    /// Counts `count` common CJK ideographs, `traditional` of them traditional-only.
    #[inline]
    pub fn ideographs(&mut self, count: usize, traditional: usize) {
        self.han += count;
        self.trad += traditional;
    }

    /// Counts every character of `text`.
    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.char(c);
        }
    }

    /// Whether what was counted is traditional ([`is_traditional`]).
    pub fn traditional(&self) -> bool {
        self.trad >= 3 && self.trad * 50 >= self.han
    }
}

/// Whether `text` is written in traditional characters: at least 3 traditional-only characters,
/// and at least 1 in 50 of its Han characters. Simplified pages quoting a traditional name or
/// using a character shared by both scripts stay below.
pub fn is_traditional(text: &str) -> bool {
    script(text).traditional
}

/// Converts traditional text (including Taiwan phrasing) to simplified mainland text.
///
/// Longest match of [`INVERSE_TABLE`] first; the text between its words goes through the OpenCC
/// chain (Taiwan phrases back, then traditional → simplified).
pub fn to_simplified(text: &str) -> String {
    let mut scratch = Scratch::default();
    scratch.chars().extend(text.chars());
    scratch.convert().to_string()
}

/// The buffers of a conversion, kept from one line to the next: the text is decoded once into
/// characters for the three tables ([`Scratch::chars`]) and encoded once at the end.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    chars: Vec<char>,
    traditional: Vec<char>,
    simplified: Vec<char>,
    text: String,
}

impl Scratch {
    /// The text to convert, as characters (cleared by [`Scratch::convert`]).
    pub fn chars(&mut self) -> &mut Vec<char> {
        &mut self.chars
    }

    /// The characters of [`Scratch::chars`] converted, as [`to_simplified`] converts them.
    pub fn convert(&mut self) -> &str {
        let simplifier = &*SIMPLIFIER;
        let Scratch {
            chars,
            traditional,
            simplified,
            text,
        } = self;
        simplified.clear();
        let mut flush = |part: &[char], out: &mut Vec<char>| {
            if !part.is_empty() {
                traditional.clear();
                simplifier.tw_to_trad.convert_into(part, traditional);
                simplifier.trad_to_simp.convert_into(traditional, out);
            }
        };
        let mut copied = 0;
        let mut i = 0;
        while i < chars.len() {
            let next = chars.get(i + 1).copied().unwrap_or('\0');
            if simplifier.inverse.no_key(chars[i], next) {
                i += 1;
            } else if let Some((value, len)) = simplifier.inverse.match_at(&chars[i..]) {
                flush(&chars[copied..i], simplified);
                simplified.extend_from_slice(value);
                i += len;
                copied = i;
            } else {
                i += 1;
            }
        }
        flush(&chars[copied..], simplified);
        chars.clear();
        text.clear();
        text.extend(simplified.iter());
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The lines of [`INVERSE_TABLE`], from jieba's dictionary (word frequencies of mainland
    /// text) and the OpenCC tables: see the table's documentation.
    pub(super) fn inverse_table() -> String {
        let is_han =
            |w: &str| !w.is_empty() && w.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        // Taiwan form → the most frequent word with it (ties: the smaller word).
        let mut best: HashMap<String, (u64, &str)> = HashMap::new();
        for line in crate::tokenize::jieba::DICTIONARY.lines() {
            let mut fields = line.split_whitespace();
            let (Some(word), Some(Ok(freq))) = (fields.next(), fields.next().map(str::parse))
            else {
                continue;
            };
            if !is_han(word) {
                continue;
            }
            let entry = best.entry(hanconv::s2twp(word)).or_insert((freq, word));
            if (freq, std::cmp::Reverse(word)) > (entry.0, std::cmp::Reverse(entry.1)) {
                *entry = (freq, word);
            }
        }
        let overrides: HashSet<&str> = best
            .iter()
            .filter(|(tw, (_, word))| CONVERTER.convert(tw) != *word)
            .map(|(tw, _)| tw.as_str())
            .collect();
        let longest = overrides
            .iter()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        let contains_override = |text: &str| {
            let chars: Vec<char> = text.chars().collect();
            (0..chars.len()).any(|i| {
                (i + 1..=chars.len().min(i + longest))
                    .any(|j| overrides.contains(chars[i..j].iter().collect::<String>().as_str()))
            })
        };
        let mut table: Vec<(String, String)> = best
            .iter()
            .filter(|(tw, _)| overrides.contains(tw.as_str()) || contains_override(tw))
            .map(|(tw, (_, word))| (tw.clone(), word.to_string()))
            .collect();
        // Phrases of the OpenCC tables around such a word keep their conversion.
        let phrases = tw_to_trad_pairs()
            .into_iter()
            .map(|(k, _)| k)
            .chain(Dictionary::TSPhrases.iter().map(|(k, _)| k.to_string()));
        for phrase in phrases {
            if !best.contains_key(&phrase) && contains_override(&phrase) {
                let converted = CONVERTER.convert(&phrase);
                table.push((phrase, converted));
            }
        }
        table.sort();
        table.dedup_by(|a, b| a.0 == b.0);
        table.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect()
    }

    /// Regenerate with `NEARDUP_WRITE_ZH_TABLE=1 cargo test -p neardup --lib zh::`.
    #[test]
    fn inverse_table_is_what_the_dictionaries_give() {
        let table = inverse_table();
        if std::env::var_os("NEARDUP_WRITE_ZH_TABLE").is_some() {
            std::fs::write("src/normalize/zh_inverse.tsv", &table).unwrap();
        }
        assert!(table.lines().count() > 1000);
        assert!(
            table == INVERSE_TABLE,
            "src/normalize/zh_inverse.tsv is stale"
        );
    }

    /// The OpenCC chain with the table's words first, by hanconv's own converters.
    fn reference(text: &str) -> String {
        let inverse: Trie<&str> = INVERSE_TABLE
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect();
        let chars: Vec<char> = text.chars().collect();
        let (mut out, mut pending) = (String::new(), String::new());
        let mut i = 0;
        while i < chars.len() {
            if let Some((value, n)) = inverse.r#match(chars[i..].iter().copied()) {
                out.push_str(&CONVERTER.convert(&pending));
                pending.clear();
                out.push_str(value);
                i += n;
            } else {
                pending.push(chars[i]);
                i += 1;
            }
        }
        out + &CONVERTER.convert(&pending)
    }

    #[test]
    fn same_output_as_hanconv_converters() {
        for text in crate::testing::seed_pages() {
            for text in [hanconv::s2twp(&text), text] {
                assert_eq!(to_simplified(&text), reference(&text));
            }
        }
        // Outside the Basic Multilingual Plane, and a key that ends the text.
        for text in ["𠮷野家資訊", "軟體", "", "a"] {
            assert_eq!(to_simplified(text), reference(text));
        }
        let words: String = INVERSE_TABLE.lines().map(|l| l.replace('\t', "")).collect();
        assert_eq!(to_simplified(&words), reference(&words));
        // Every key of the two OpenCC tables, one after the other: keys of every length begin
        // there, and end where others begin (the table path and the trie meet at each).
        let keys: String = tw_to_trad_pairs()
            .into_iter()
            .map(|(key, _)| key)
            .chain(
                Dictionary::TSPhrases
                    .iter()
                    .chain(Dictionary::TSCharacters.iter())
                    .map(|(key, _)| key.to_string()),
            )
            .collect();
        assert!(keys.chars().count() > 5_000);
        assert_eq!(to_simplified(&keys), reference(&keys));
    }

    #[test]
    fn common_words_are_not_taken_for_their_rare_homographs() {
        // Lines of the machine-converted seed 004: s2twp leaves 建立 and 执行 alone and also
        // turns 创建 into 建立 and 运行 into 執行; the OpenCC tables gave 创建健全, 严格运行.
        let seed = std::fs::read_to_string("../shared/seeds/004_aa19e0c5a9823563.txt").unwrap();
        for (traditional, simplified) in [
            ("建立健全工會組織", "建立健全工会组织"),
            ("嚴格執行各項規章制度", "严格执行各项规章制度"),
            ("完善各類臺賬資料", "完善各类台账资料"),
        ] {
            assert!(seed.contains(traditional), "{traditional}");
            assert_eq!(to_simplified(traditional), simplified);
        }
        // Longer Taiwan words that contain one keep their own conversion.
        assert_eq!(to_simplified("執行緒，簡單"), "线程，简单");
    }

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

    #[test]
    fn flat_trie_matches_as_hanconvs_trie() {
        let pairs = tw_to_trad_pairs();
        let ours = Phrases::new(pairs.clone());
        let mut theirs: Trie<&str> = Trie::default();
        for (key, value) in &pairs {
            theirs.insert(key, value);
        }
        let mut texts: Vec<String> = crate::testing::seed_pages()
            .iter()
            .map(hanconv::s2twp)
            .collect();
        let keys: String = pairs
            .iter()
            .rev()
            .take(3000)
            .map(|(k, _)| k.as_str())
            .collect();
        texts.extend([keys, "𠮷野家資訊軟體".to_string(), String::new()]);
        let mut matched = 0;
        for text in &texts {
            let chars: Vec<char> = text.chars().collect();
            for i in 0..chars.len() {
                let rest = &chars[i..];
                let expected = theirs
                    .r#match(rest.iter().copied())
                    .map(|(v, len)| (*v, len));
                let got = ours.longest_in(rest);
                if let Some((v, _)) = got {
                    let value: String = ours.value_chars(v).iter().collect();
                    assert_eq!(value, ours.values[v as usize]);
                }
                let got = got.map(|(v, len)| (ours.values[v as usize], len));
                let shown: String = rest.iter().take(20).collect();
                assert_eq!(got, expected, "at {i} of {shown}");
                matched += got.is_some() as usize;
            }
        }
        assert!(matched > 1000, "{matched} matches");
    }
}
