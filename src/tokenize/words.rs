//! Dictionary word segmentation: jieba's maximum-probability route over a character trie.
//!
//! Input: a text made only of the characters jieba cuts as one block (its Han-and-word class:
//! CJK ideographs, ASCII letters and digits, `+#&._%-`; see [`in_block_class`]); normalized
//! lines are such texts. Output: the byte offsets where the words end, exactly the cut of
//! jieba-rs's `Jieba::cut(text, false)` with the same dictionary ([`super::jieba`] sends every
//! other text to jieba-rs itself).
//!
//! The algorithm is jieba's: every dictionary word starting at a character is an edge of a DAG,
//! a word weighs `ln(freq) - ln(total)` (a character that starts no word weighs `-ln(total)`),
//! and the cut is the route of greatest weight, found from the end of the text backwards, ties
//! going to the longer word. Single ASCII letters or digits left alone on the route are joined
//! into one token. The floating-point operations are jieba-rs's, in its order, so the route is
//! bit for bit the same.
//!
//! What differs is the dictionary's shape. jieba-rs walks a double-array trie byte by byte (three
//! steps per ideograph, each a likely cache miss in a table of several MB) to list a
//! character's edges, then looks each edge's word up again from the root for its frequency:
//! `cedarwood::Cedar::find` was half of a jieba scan's samples. Here the trie steps by
//! character: the first step is a dense table over the Basic Multilingual Plane, the later ones
//! one probe each into an open-addressing hash table; an entry carries the word's weight and
//! whether the node has children (a walk stops at a leaf without probing), and
//! the edges are scored while they are walked, so there is no DAG to store and no second lookup.
//!
//! Cost: building from jieba's 349k-word dictionary (498k trie nodes) takes 0.2–0.3 s, about
//! what jieba-rs takes to load it, and about 30 MB (a table of 1M 24-byte slots). Cutting
//! normalized text runs at about 4× jieba-rs's speed: 20.1 MiB/s per core in the
//! `tokenize/jieba` bench, where jieba-rs ran at 4.5.

use std::cell::RefCell;

/// Code points below this have their first trie step in a dense table.
const DENSE: usize = 0x1_0000;
/// An empty hash table slot.
const EMPTY: u64 = u64::MAX;

/// Where one trie step leads.
#[derive(Clone, Copy)]
struct Step {
    /// The weight of the word ending at the child, NaN when the child ends no word.
    weight: f64,
    /// The child node (0: none, in the dense table).
    child: u32,
    /// Whether the child has children: a walk stops at a leaf without probing.
    inner: bool,
}

const NO_STEP: Step = Step {
    weight: f64::NAN,
    child: 0,
    inner: false,
};

/// One trie edge in the hash table: `key` is the parent node and the character.
#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    step: Step,
}

/// jieba's dictionary as a character trie with word weights.
pub struct WordSegmenter {
    /// First step: where each BMP character leads (child 0: no word starts with it).
    dense: Vec<Step>,
    slots: Vec<Slot>,
    shift: u32,
    /// Occupied slots.
    edges: usize,
    /// `-ln(total)`: the weight of a character no word starts with.
    unknown: f64,
}

/// The reused buffers of one thread.
#[derive(Default)]
struct Scratch {
    /// Byte offset and character of each character of the text.
    chars: Vec<(u32, char)>,
    /// Per character position: the best route's weight from there and where its first word ends
    /// (a character index).
    route: Vec<(f64, u32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl WordSegmenter {
    /// Builds the trie from a jieba dictionary (`word freq [tag]` per line), reading it as
    /// jieba-rs does: a word listed twice keeps its last frequency, a missing frequency is 0.
    pub fn from_dictionary(dictionary: &str) -> Result<Self, String> {
        let mut segmenter = WordSegmenter {
            dense: vec![NO_STEP; DENSE],
            slots: Vec::new(),
            shift: 0,
            edges: 0,
            unknown: 0.0,
        };
        segmenter.resize(16);
        // Each node's word frequency (None: the node ends no word) until the total is known.
        let mut freqs: Vec<Option<u64>> = vec![None];
        for (number, line) in dictionary.lines().enumerate() {
            let mut fields = line.split_whitespace();
            let Some(word) = fields.next() else { continue };
            let freq = match fields.next() {
                Some(f) => f
                    .parse::<u64>()
                    .map_err(|e| format!("dictionary line {}: frequency {f:?}: {e}", number + 1))?,
                None => 0,
            };
            let mut node = 0;
            for c in word.chars() {
                node = segmenter.child_or_insert(node, c, &mut freqs);
            }
            freqs[node as usize] = Some(freq);
        }
        let total: u64 = freqs.iter().flatten().sum();
        if total == 0 {
            // Every weight would be NaN or infinite: no route is better than another.
            return Err("dictionary has no word with a frequency above 0".to_string());
        }
        let logtotal = (total as f64).ln();
        segmenter.unknown = 0.0 - logtotal;
        let mut inner = vec![false; freqs.len()];
        for slot in segmenter.slots.iter().filter(|s| s.key != EMPTY) {
            inner[(slot.key >> 21) as usize] = true;
        }
        let finish = |step: &mut Step| {
            if step.child != 0 {
                let node = step.child as usize;
                step.weight = freqs[node].map_or(f64::NAN, |f| (f as f64).ln() - logtotal);
                step.inner = inner[node];
            }
        };
        segmenter.dense.iter_mut().for_each(finish);
        segmenter
            .slots
            .iter_mut()
            .filter(|s| s.key != EMPTY)
            .for_each(|s| finish(&mut s.step));
        Ok(segmenter)
    }

    /// Rehashes the edges into a table of `1 << bits` slots.
    fn resize(&mut self, bits: u32) {
        let empty = Slot {
            key: EMPTY,
            step: NO_STEP,
        };
        let old = std::mem::replace(&mut self.slots, vec![empty; 1 << bits]);
        self.shift = 64 - bits;
        for slot in old.into_iter().filter(|s| s.key != EMPTY) {
            let at = self.probe(slot.key);
            self.slots[at] = slot;
        }
    }

    /// The node under `parent` by `c`, created (ending no word) if missing.
    fn child_or_insert(&mut self, parent: u32, c: char, freqs: &mut Vec<Option<u64>>) -> u32 {
        let fresh = |freqs: &mut Vec<Option<u64>>| {
            freqs.push(None);
            freqs.len() as u32 - 1
        };
        if parent == 0 && (c as usize) < DENSE {
            let step = &mut self.dense[c as usize];
            if step.child == 0 {
                step.child = fresh(freqs);
            }
            return step.child;
        }
        let key = edge_key(parent, c);
        let at = self.probe(key);
        if self.slots[at].key == key {
            return self.slots[at].step.child;
        }
        let child = fresh(freqs);
        self.slots[at] = Slot {
            key,
            step: Step { child, ..NO_STEP },
        };
        self.edges += 1;
        if self.edges * 2 > self.slots.len() {
            // At most half full, so that probes stay short.
            self.resize(self.slots.len().trailing_zeros() + 1);
        }
        child
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline]
    fn probe(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        while self.slots[at].key != key && self.slots[at].key != EMPTY {
            at = (at + 1) & mask;
        }
        at
    }

    /// Where `c` leads from `parent`.
    #[inline]
    fn step(&self, parent: u32, c: char) -> Option<Step> {
        if parent == 0 && (c as usize) < DENSE {
            let step = self.dense[c as usize];
            return (step.child != 0).then_some(step);
        }
        let slot = &self.slots[self.probe(edge_key(parent, c))];
        (slot.key != EMPTY).then_some(slot.step)
    }

    /// Appends the end offset of every word of `text` to `ends` (cleared first) and returns
    /// true, or returns false (and leaves `ends` empty) when a character of `text` is outside
    /// jieba's block class ([`in_block_class`]): jieba-rs cuts such a text differently.
    pub fn try_cut(&self, text: &str, ends: &mut Vec<u32>) -> bool {
        ends.clear();
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            scratch.chars.clear();
            for (i, c) in text.char_indices() {
                if !in_block_class(c) {
                    return false;
                }
                scratch.chars.push((i as u32, c));
            }
            let chars = &scratch.chars;
            let n = chars.len();
            let route = &mut scratch.route;
            route.clear();
            route.resize(n + 1, (0.0, n as u32));
            for i in (0..n).rev() {
                // jieba-rs takes the greatest (weight, end) by `Iterator::max_by` over the
                // edges in increasing end: a later edge wins unless the best so far is greater
                // (weights are finite or -inf, never NaN, so equal weights go to the longer word).
                let mut best: Option<(f64, u32)> = None;
                let mut node = 0;
                let mut j = i;
                while j < n {
                    let Some(step) = self.step(node, chars[j].1) else {
                        break;
                    };
                    j += 1;
                    node = step.child;
                    if !step.weight.is_nan() {
                        let candidate = (step.weight + route[j].0, j as u32);
                        best = match best {
                            Some(b)
                                if b.partial_cmp(&candidate)
                                    == Some(std::cmp::Ordering::Greater) =>
                            {
                                Some(b)
                            }
                            _ => Some(candidate),
                        };
                    }
                    if !step.inner {
                        break;
                    }
                }
                route[i] = best.unwrap_or((self.unknown + route[i + 1].0, i as u32 + 1));
            }
            let byte = |j: usize| {
                if j == n {
                    text.len() as u32
                } else {
                    chars[j].0
                }
            };
            // Single ASCII letters and digits on the route are joined, as jieba-rs does.
            let mut run = false;
            let mut x = 0;
            while x < n {
                let y = route[x].1 as usize;
                if y == x + 1 && chars[x].1.is_ascii_alphanumeric() {
                    run = true;
                } else {
                    if run {
                        ends.push(byte(x));
                        run = false;
                    }
                    ends.push(byte(y));
                }
                x = y;
            }
            if run {
                ends.push(byte(n));
            }
            true
        })
    }
}

fn edge_key(parent: u32, c: char) -> u64 {
    (parent as u64) << 21 | c as u64
}

/// Whether jieba-rs keeps `c` inside a block it cuts with the dictionary (its default Han
/// pattern): CJK ideographs of the unified blocks, extensions and compatibility blocks, ASCII
/// letters and digits, and `+#&._%-`.
pub fn in_block_class(c: char) -> bool {
    matches!(c,
        'a'..='z' | 'A'..='Z' | '0'..='9' | '+' | '#' | '&' | '.' | '_' | '%' | '-'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}')
}
