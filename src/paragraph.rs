//! Paragraph level: the paragraphs of every page → clusters of copied paragraphs.
//!
//! Input: for every page, its paragraphs as fingerprinting saw them ([`ParaPrint`]: raw line,
//! normalized length, a hash of the normalized text, the boilerplate flag), for every
//! paragraph text seen for the first time anywhere in the corpus the band keys of its MinHash
//! sketch and its anchors ([`FirstSeen`]), and a way to read back the shingle set fingerprinting
//! kept of each such text ([`SetsOf`]). Output: [`ParaScan`], a cluster id and a similarity for every copied
//! paragraph instance, and one [`ParaCluster`] per cluster of two or more copies.
//!
//! A paragraph is a non-blank line of a page (these pages print one paragraph per line) that has
//! text left after normalization; paragraphs of fewer than `min_chars` normalized characters
//! (headings, `搜索`) are kept in the page but count as copies only when they are boilerplate, on
//! their own site or as the same text as a line that is boilerplate on another site. A cluster is
//! boilerplate when at least [`BOILERPLATE_SHARE`] of its copies are boilerplate on their site, or
//! when its copies recur on many pages of one site as boilerplate lines must (in any variants: an
//! intro that names each page's title). A copy *repeats* when an earlier copy on its page is at
//! least [`REPEAT_LENGTH`] of its length.
//! Steps:
//! 1. **Exact**: instances with the same normalized text are one *variant* (one unique text); all
//!    later steps work on variants, so a paragraph printed on 500 pages costs what one costs.
//! 2. **Candidates** between variants: MinHash LSH over 32-value sketches (8 bands of 4 rows:
//!    edited copies) and shared *anchor pairs* (two consecutive shingles whose hash is 0 mod
//!    [`ANCHOR_EVERY`]: a stretch of about a dozen identical characters, which is how a paragraph
//!    inside a longer one or one that kept some sentences is found).
//! 3. **Verify** candidates exactly on their shingle sets, one batch of whole connected components
//!    of the candidate graph at a time ([`cluster::component_batches`]): the sets of a batch's
//!    texts are read back from where fingerprinting kept them (the driver's file), so only the
//!    sets of one batch are in memory. The sets are written into one vector, each text's in a
//!    slot sized by its length, with the texts of a component side by side: a pair's two sets lie
//!    near each other, not anywhere in the batch's hundreds of megabytes.
//! 4. **Cluster** variants around representatives (the longest variant first), as pages are; a
//!    cluster is every instance of its variants. Every comparison clustering makes lies within
//!    one component, so clustering batch by batch equals clustering all at once.
//!
//! Invariants: a paragraph normalizes alone exactly as inside its page, so a variant's sketch,
//! anchors and shingle set depend only on its text, whichever page computed them first; output
//! is identical at any thread count. Cost: one hash per paragraph and, per distinct paragraph
//! text, one tokenization, a sketch and the anchors (memory: 8 band keys and about one anchor in
//! eight characters, 8 bytes each); then a sort of anchors and bands, a read and a sort of the
//! set of each text with a candidate, and the verification of candidate variant pairs.

use crate::cluster::{self, Role};
use crate::hamming;
use crate::lsh::{self, Bands, BucketPolicy};
use crate::shingle;
use crate::signature::{MinHasher, SimHasher};
use crate::tokenize::Tokenizer;
use crate::verify::{self, Similarity, Thresholds};
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Mutex;
use xxhash_rust::xxh3::xxh3_64;

/// Sketch size of a paragraph.
pub const PARA_PERM: usize = 32;
/// Banding of paragraph sketches: 8 bands of 4 rows.
pub const PARA_BANDS: Bands = Bands { bands: 8, rows: 4 };
/// A shingle is an anchor when its hash is 0 modulo this (one in about 8 characters).
pub const ANCHOR_EVERY: u64 = 8;
/// Buckets of variants: all pairs of small buckets, a star around the longest beyond.
pub const PARA_BUCKETS: BucketPolicy = BucketPolicy {
    all_pairs_up_to: 64,
    star_beyond: true,
};
/// A later copy on a page repeats an earlier one at least this share of its length.
pub const REPEAT_LENGTH: f64 = 0.8;

/// A paragraph counts as contained in a longer one only with at least this many shingles.
pub const MIN_CONTAINED_SHINGLES: u32 = 8;
/// Anchor pairs shared by more texts than this are stock phrases and give no candidates.
pub const MAX_ANCHOR_BUCKET: usize = 1024;

/// A paragraph cluster is boilerplate when at least this share (numerator, denominator) of its
/// copies are boilerplate on their own site: chrome that one site prints on every page and other
/// sites on a few.
pub const BOILERPLATE_SHARE: (u32, u32) = (1, 4);

/// The settings of the paragraph level.
#[derive(Debug, Clone, Copy)]
pub struct ParaSettings {
    /// Paragraphs with fewer normalized characters are not copies (unless boilerplate).
    pub min_chars: u32,
    pub thresholds: Thresholds,
    /// With SimHash fingerprints: texts within this Hamming distance are candidates.
    pub max_hamming: u32,
    /// Verification holds the shingle sets of components up to this weight (4 bytes per
    /// character) at once; a heavier component is a batch of its own.
    pub verify_budget: u64,
}

/// The hash of a normalized paragraph text: instances with the same hash are exact copies.
pub fn text_key(normalized: &str) -> u64 {
    xxh3_64(normalized.as_bytes())
}

/// One paragraph of a page, as fingerprinting saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParaPrint {
    /// 1-based line of the raw page text.
    pub line: u32,
    /// Characters of the normalized text.
    pub chars: u32,
    /// [`text_key`] of the normalized text.
    pub key: u64,
    /// Boilerplate on its page's site (learned, web address or user pattern).
    pub boilerplate: bool,
}

/// The paragraph texts a worker saw first: their keys, band keys and anchors.
#[derive(Debug, Default, Clone)]
pub struct FirstSeen {
    pub keys: Vec<u64>,
    /// [`PARA_BANDS`]`.bands` band keys of the [`PARA_PERM`]-value MinHash sketch per key (each
    /// the two halves of [`lsh::band_key`] xored), or none.
    pub bands: Vec<u32>,
    /// One 64-bit fingerprint per key (SimHash), or none.
    pub simhashes: Vec<u64>,
    /// (anchor pair, index into `keys`).
    pub anchors: Vec<(u32, u32)>,
}

impl FirstSeen {
    /// The band keys of the `i`-th key (MinHash).
    pub fn bands_of(&self, i: usize) -> &[u32] {
        &self.bands[i * PARA_BANDS.bands..(i + 1) * PARA_BANDS.bands]
    }
}

/// The shingle sets of paragraph texts, kept from fingerprinting: given texts by their number in
/// [`ParaInput::first_seen`] (numbered across its lists in order) and a slot for each
/// ([`slot_len`] of its characters), writes each text's set, as [`shingle_set`] makes it from the
/// shingles [`record_first`] saw, to the front of its slot and returns the sets' lengths, in the
/// same order.
pub type SetsOf<'a> = &'a (dyn Fn(&[u32], Vec<&mut [u32]>) -> Vec<u32> + Sync);

/// The room a set of a text of `chars` normalized characters may need: a shingle starts at a
/// token and a token holds at least one character (and a text too short for one n-gram is one
/// shingle).
pub fn slot_len(chars: u32) -> usize {
    chars as usize + 1
}

/// The shingle set of a normalized paragraph text for exact verification: the upper halves of
/// its shingle hashes (tokenized alone, as [`first_seen`] does), sorted and distinct.
pub fn shingle_set(
    text: &str,
    tokenizer: &dyn Tokenizer,
    ngram: usize,
    ws: &mut ParaWorkspace,
    out: &mut Vec<u32>,
) {
    shingle_alone(text, tokenizer, ngram, ws);
    shingle::fingerprint_set_into(&ws.shingles, out);
}

/// Paragraph texts already fingerprinted by some worker, so each distinct text is done once.
pub struct SeenKeys {
    /// Keys are hashes already: a multiply mixes them enough, where SipHash hashed each again.
    shards: Vec<Mutex<FxHashSet<u64>>>,
}

impl Default for SeenKeys {
    fn default() -> Self {
        SeenKeys {
            shards: (0..64).map(|_| Mutex::new(FxHashSet::default())).collect(),
        }
    }
}

impl SeenKeys {
    /// Whether `key` is new (and marks it seen).
    pub fn insert(&self, key: u64) -> bool {
        let shard = &self.shards[(key >> 58) as usize];
        shard.lock().expect("no panics while locked").insert(key)
    }
}

/// The shingles of a paragraph text tokenized alone, in text order, into `ws.shingles`.
fn shingle_alone(text: &str, tokenizer: &dyn Tokenizer, ngram: usize, ws: &mut ParaWorkspace) {
    tokenizer.token_ends(text, &mut ws.ends);
    let n = ws.ends.len();
    shingle::shingles_in(text, &ws.ends, 0, n, ngram, &mut ws.shingles);
}

/// Reusable buffers for [`first_seen`].
#[derive(Debug, Default)]
pub struct ParaWorkspace {
    ends: Vec<u32>,
    shingles: Vec<u64>,
    scratch: Vec<u64>,
}

/// Where edited copies come from: MinHash LSH over [`PARA_PERM`]-value sketches, or a Hamming
/// search over 64-bit SimHash fingerprints (`--method`). Anchors find contained copies either way.
#[derive(Debug, Clone)]
pub enum Engine {
    MinHash(MinHasher),
    SimHash(SimHasher),
}

/// Records the sketch and anchors of a paragraph text seen for the first time.
pub fn first_seen(
    text: &str,
    key: u64,
    tokenizer: &dyn Tokenizer,
    ngram: usize,
    engine: &Engine,
    ws: &mut ParaWorkspace,
    out: &mut FirstSeen,
) {
    shingle_alone(text, tokenizer, ngram, ws);
    record_first(&ws.shingles, key, engine, &mut ws.scratch, out);
}

/// [`first_seen`] for a text whose shingles (in text order) are known.
pub fn record_first(
    hashes: &[u64],
    key: u64,
    engine: &Engine,
    scratch: &mut Vec<u64>,
    out: &mut FirstSeen,
) {
    let index = out.keys.len() as u32;
    out.keys.push(key);
    match engine {
        Engine::MinHash(hasher) => {
            let mut sketch = [0u32; PARA_PERM];
            hasher.sketch(hashes, &mut sketch);
            out.bands.extend((0..PARA_BANDS.bands).map(|band| {
                let key = lsh::band_key(&sketch, band, PARA_BANDS.rows);
                (key >> 32) as u32 ^ key as u32
            }));
        }
        Engine::SimHash(hasher) => out.simhashes.push(hasher.fingerprint(hashes, scratch)),
    }
    let start = out.anchors.len();
    let mut previous: Option<u64> = None;
    for &h in hashes {
        // Bits the MinHash buckets do not use, so anchors are independent of the sketch.
        if h.rotate_left(23) % ANCHOR_EVERY != 0 {
            continue;
        }
        if let Some(p) = previous {
            let pair = p.rotate_left(29) ^ h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            out.anchors.push(((pair >> 32) as u32, index));
        }
        previous = Some(h);
    }
    out.anchors[start..].sort_unstable();
    let mut kept = start;
    for i in start..out.anchors.len() {
        if i == start || out.anchors[i] != out.anchors[kept - 1] {
            out.anchors[kept] = out.anchors[i];
            kept += 1;
        }
    }
    out.anchors.truncate(kept);
}

/// One paragraph of one page.
#[derive(Debug, Clone, Copy)]
pub struct Instance {
    pub doc: u32,
    /// 1-based paragraph number in the page.
    pub index: u32,
    pub print: ParaPrint,
}

/// How a paragraph instance relates to its cluster's representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The same normalized text as the representative.
    Exact,
    /// An edited copy: Jaccard at or above the paragraph threshold.
    Edited,
    /// Contained in the representative.
    Contained,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::Edited => "edited",
            Kind::Contained => "contained",
        }
    }
}

/// What a copied paragraph instance belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Membership {
    /// 1-based paragraph cluster id.
    pub cluster: u32,
    pub kind: Kind,
    /// Jaccard (exact and edited) or containment (contained) to the representative.
    pub similarity: f64,
    /// An earlier paragraph of the same page, of at least [`REPEAT_LENGTH`] of its length, is in
    /// the same cluster.
    pub repeat: bool,
}

/// A cluster of two or more paragraph copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParaCluster {
    pub id: u32,
    /// The instance whose text represents the cluster (the first copy of the longest variant).
    pub representative: u32,
    pub copies: u32,
    pub pages: u32,
    pub sites: u32,
    /// Distinct normalized texts.
    pub variants: u32,
    /// Copies that are contained in the representative.
    pub contained: u32,
    /// Pages that print the paragraph more than once.
    pub repeat_pages: u32,
    /// The first page (in input order) with a copy.
    pub first_doc: u32,
    /// At least [`BOILERPLATE_SHARE`] of the copies are boilerplate on their site, or the cluster
    /// has copies on [`crate::boilerplate::MIN_PAGES`] pages of one site and on
    /// [`crate::boilerplate::MIN_SHARE`] of its pages.
    pub boilerplate: bool,
}

/// The result of the paragraph level.
#[derive(Debug, Default)]
pub struct ParaScan {
    /// Every paragraph of every page, in page order, then paragraph order.
    pub instances: Vec<Instance>,
    /// `instances[doc_start[d]..doc_start[d + 1]]` are the paragraphs of document `d`.
    pub doc_start: Vec<u32>,
    /// Per instance: its cluster, if it is a copy.
    pub membership: Vec<Option<Membership>>,
    /// Ordered by id: most copies first.
    pub clusters: Vec<ParaCluster>,
    /// The raw text of each cluster's representative (trimmed), filled in by the driver.
    pub texts: Vec<String>,
    pub variants: usize,
    pub candidates: usize,
    pub verified: usize,
}

impl ParaScan {
    pub fn of_doc(&self, doc: u32) -> std::ops::Range<usize> {
        self.doc_start[doc as usize] as usize..self.doc_start[doc as usize + 1] as usize
    }

    /// The sorted, distinct paragraph clusters of a page.
    pub fn clusters_of(&self, doc: u32) -> Vec<u32> {
        let mut ids: Vec<u32> = self.membership[self.of_doc(doc)]
            .iter()
            .flatten()
            .map(|m| m.cluster)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Paragraphs of a page that repeat an earlier paragraph of the same page.
    pub fn repeats_in(&self, doc: u32) -> u32 {
        self.membership[self.of_doc(doc)]
            .iter()
            .flatten()
            .filter(|m| m.repeat)
            .count() as u32
    }

    /// Whether an instance is boilerplate: on its own site, or as a copy of a boilerplate cluster.
    pub fn is_boilerplate(&self, instance: usize) -> bool {
        self.instances[instance].print.boilerplate
            || self.membership[instance]
                .is_some_and(|m| self.clusters[m.cluster as usize - 1].boilerplate)
    }
}

/// What the paragraph level needs besides the instances.
pub struct ParaInput<'a> {
    pub instances: Vec<Instance>,
    pub doc_start: Vec<u32>,
    /// Everything workers saw first (in any order).
    pub first_seen: Vec<FirstSeen>,
    /// The shingle sets of the texts of `first_seen` with a candidate, a batch at a time.
    pub sets_of: SetsOf<'a>,
    /// Site of every document (`None`: none).
    pub sites: &'a [Option<u32>],
    pub settings: ParaSettings,
}

/// Runs `task(0..count)`, maybe in parallel, and returns the results in task order. The driver
/// passes a rayon one; tests a plain loop.
pub type Tasks<'a> =
    &'a (dyn Fn(usize, &(dyn Fn(usize) -> Vec<(u32, u32)> + Sync)) -> Vec<Vec<(u32, u32)>> + Sync);

/// Runs tasks one after the other.
pub fn sequential(
    count: usize,
    task: &(dyn Fn(usize) -> Vec<(u32, u32)> + Sync),
) -> Vec<Vec<(u32, u32)>> {
    (0..count).map(task).collect()
}

/// What candidates of edited copies are found from.
pub enum Signatures<'a, 's> {
    /// `bands(text)` is a text's [`PARA_BANDS`] band keys ([`FirstSeen::bands`]).
    MinHash(&'a (dyn Fn(u32) -> &'s [u32] + Sync)),
    /// One fingerprint per text, and the largest Hamming distance of a candidate.
    SimHash(&'a [u64], u32),
}

/// Sorts `pairs` as `sort_unstable` does, by a radix sort over the bytes of `(a, b)` read as one
/// 64-bit number ([`shingle::radix_sort_by`], which skips the bytes all pairs share: the high
/// bytes of small numbers); short lists by `sort_unstable`. The tables of paragraph candidates
/// hold millions of pairs (11.2M anchors at 100k pages), where this takes about a fifth of the
/// time of a comparison sort. From [`SPLIT_FROM`] pairs on, an in-place pass by the leading
/// digit of `a` comes first, and the radix sort runs bucket by bucket: the `paragraph/sort-pairs`
/// bench (4M pairs) 211 -> 252 MiB/s, and the second buffer is a bucket's, not the table's.
pub fn sort_pairs(pairs: &mut [(u32, u32)]) {
    if pairs.len() < RADIX_FROM {
        pairs.sort_unstable();
        return;
    }
    if pairs.len() >= SPLIT_FROM
        && let Some(shift) = leading_digit(pairs)
    {
        // One pass in place puts the pairs in buckets by the eight highest bits of `a` that
        // differ; each bucket, a few hundred KB, is then sorted with one second buffer for all.
        let digit = |&(a, _): &(u32, u32)| (a >> shift) as u8 as usize;
        let mut starts = [0usize; 257];
        for p in pairs.iter() {
            starts[digit(p) + 1] += 1;
        }
        for d in 0..256 {
            starts[d + 1] += starts[d];
        }
        let mut next = starts;
        for d in 0..256 {
            while next[d] < starts[d + 1] {
                let mut p = pairs[next[d]];
                let mut to = digit(&p);
                while to != d {
                    std::mem::swap(&mut p, &mut pairs[next[to]]);
                    next[to] += 1;
                    to = digit(&p);
                }
                pairs[next[d]] = p;
                next[d] += 1;
            }
        }
        let mut other = Vec::new();
        for w in starts.windows(2) {
            let bucket = &mut pairs[w[0]..w[1]];
            if bucket.len() < RADIX_FROM {
                bucket.sort_unstable();
            } else {
                radix_sort_pairs(bucket, &mut other);
            }
        }
        return;
    }
    radix_sort_pairs(pairs, &mut Vec::new());
}

/// Shorter lists of pairs are sorted by `sort_unstable` ([`sort_pairs`]).
const RADIX_FROM: usize = 1 << 12;

/// Lists of at least this many pairs are put in buckets by their leading digit first
/// ([`sort_pairs`]): the radix passes then run over buckets that stay in the cache, and the
/// second buffer is a bucket's, not the list's (90 MB of fresh memory for the 11.2M anchors).
const SPLIT_FROM: usize = 1 << 20;

/// The shift of the eight bits of `a` that end with the highest bit in which the pairs' `a`
/// differ, or none if every `a` is the same.
fn leading_digit(pairs: &[(u32, u32)]) -> Option<u32> {
    let first = pairs.first()?.0;
    let differ = pairs.iter().fold(0, |acc, p| acc | (p.0 ^ first));
    (differ != 0).then(|| (31 - differ.leading_zeros()).saturating_sub(7))
}

/// [`sort_pairs`]'s radix sort: over the bytes of `(a, b)` read as one 64-bit number, skipping
/// the bytes all pairs share; `other` is its second buffer.
fn radix_sort_pairs(pairs: &mut [(u32, u32)], other: &mut Vec<(u32, u32)>) {
    // Byte `d` of the number: bytes 0..4 of `b`, then bytes 0..4 of `a`.
    let byte = |&(a, b): &(u32, u32), d: usize| {
        (if d < 4 {
            b >> (8 * d)
        } else {
            a >> (8 * (d - 4))
        }) as u8 as usize
    };
    shingle::radix_sort_by::<_, 256, 8>(pairs, other, true, byte);
}

/// Pairs of texts to verify, sorted and unique. `include` lists the texts taking part, `anchors`
/// are (anchor pair, text) and `rank[text]` orders texts (lower is better).
pub fn variant_candidates(
    signatures: Signatures<'_, '_>,
    include: &[u32],
    anchors: &mut [(u32, u32)],
    rank: &[u32],
    tasks: Tasks<'_>,
) -> Vec<(u32, u32)> {
    // Texts numbered in (rank, text) order: tables of (key, text) sort by key, rank and text as
    // plain pairs of words, without a rank lookup in each comparison.
    let mut by_rank: Vec<u32> = (0..rank.len() as u32).collect();
    by_rank.sort_unstable_by_key(|&t| (rank[t as usize], t));
    let mut place = vec![0u32; rank.len()];
    for (p, &t) in by_rank.iter().enumerate() {
        place[t as usize] = p as u32;
    }
    let sort_by_rank = |keyed: &mut [(u32, u32)]| {
        for x in keyed.iter_mut() {
            x.1 = place[x.1 as usize];
        }
        sort_pairs(keyed);
        for x in keyed.iter_mut() {
            x.1 = by_rank[x.1 as usize];
        }
    };
    let bands = match signatures {
        Signatures::MinHash(_) => PARA_BANDS.bands,
        Signatures::SimHash(..) => 1,
    };
    // Task 0, the largest, sorts the anchors while the others take the bands.
    let anchors = Mutex::new(anchors);
    let mut lists: Vec<Vec<(u32, u32)>> = tasks(bands + 1, &|task| {
        let mut pairs = Vec::new();
        if task == 0 {
            let mut anchors = anchors.lock().expect("no task panics");
            sort_by_rank(&mut anchors);
            buckets(&anchors, &mut pairs);
        } else if let Signatures::SimHash(prints, k) = signatures {
            pairs = hamming::candidates(prints, include, rank, k);
        } else if let Signatures::MinHash(band_keys) = signatures {
            let band = task - 1;
            let mut keyed: Vec<(u32, u32)> =
                include.iter().map(|&t| (band_keys(t)[band], t)).collect();
            sort_by_rank(&mut keyed);
            buckets(&keyed, &mut pairs);
        }
        sort_pairs(&mut pairs);
        pairs.dedup();
        pairs
    });
    // The sorted lists merged two by two, the merges of a round as tasks: at 100k pages, the
    // 8M pairs of the tasks sorted again at once took 180 ms on one thread.
    while lists.len() > 1 {
        let round = std::mem::take(&mut lists);
        lists = tasks(round.len().div_ceil(2), &|i| match round.get(2 * i + 1) {
            Some(b) => crate::lsh::merge_unique(&round[2 * i], b),
            None => round[2 * i].clone(),
        });
    }
    lists.pop().unwrap_or_default()
}

/// The pairs of each bucket of `keyed` (key, text), sorted by key then rank: all pairs of buckets
/// up to [`PARA_BUCKETS`]'s size, a star around the best-ranked text and a chain beyond, nothing
/// past [`MAX_ANCHOR_BUCKET`] (a stock phrase).
fn buckets(keyed: &[(u32, u32)], pairs: &mut Vec<(u32, u32)>) {
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0 == keyed[start].0 {
            end += 1;
        }
        let bucket = &keyed[start..end];
        let mut push = |a: u32, b: u32| {
            if a != b {
                pairs.push((a.min(b), a.max(b)));
            }
        };
        if bucket.len() <= PARA_BUCKETS.all_pairs_up_to {
            for i in 0..bucket.len() {
                for j in i + 1..bucket.len() {
                    push(bucket[i].1, bucket[j].1);
                }
            }
        } else if bucket.len() <= MAX_ANCHOR_BUCKET {
            for w in bucket.windows(2) {
                push(bucket[0].1, w[1].1);
                push(w[0].1, w[1].1);
            }
        }
        start = end;
    }
}

/// The variants: distinct keys of the instances that count as copies.
struct Variants {
    /// The variant of each normalized text's key; variants are numbered in key order.
    index: FxHashMap<u64, u32>,
    /// Per instance: its variant, or `u32::MAX`.
    of_instance: Vec<u32>,
    /// Per variant: its first instance and its normalized length.
    first: Vec<u32>,
    chars: Vec<u32>,
    copies: Vec<u32>,
}

fn variants(instances: &[Instance], min_chars: u32) -> Variants {
    // A short line that is boilerplate on some site (`搜索`, `相关范文推荐`) counts wherever it is.
    let flagged: FxHashSet<u64> = instances
        .iter()
        .filter(|i| i.print.boilerplate)
        .map(|i| i.print.key)
        .collect();
    let counts = |p: &ParaPrint| p.boilerplate || p.chars >= min_chars || flagged.contains(&p.key);
    // The instances that count, by key and then instance: each run of one key is a variant, its
    // first entry the variant's first instance. (Looking each instance up in the map below took
    // 0.47 s of the 100k crawl's 2.4M paragraphs; sorting them, about half of that.)
    let mut by_key: Vec<(u64, u32)> = instances
        .iter()
        .enumerate()
        .filter(|(_, inst)| counts(&inst.print))
        .map(|(i, inst)| (inst.print.key, i as u32))
        .collect();
    by_key.sort_unstable();
    let mut of_instance = vec![u32::MAX; instances.len()];
    let (mut keys, mut first, mut chars, mut copies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in by_key.chunk_by(|a, b| a.0 == b.0) {
        let v = keys.len() as u32;
        let (key, i) = run[0];
        keys.push(key);
        first.push(i);
        chars.push(instances[i as usize].print.chars);
        copies.push(run.len() as u32);
        for &(_, i) in run {
            of_instance[i as usize] = v;
        }
    }
    drop(by_key);
    // Variants are numbered in key order; a map finds them.
    let index: FxHashMap<u64, u32> = keys
        .iter()
        .enumerate()
        .map(|(v, &k)| (k, v as u32))
        .collect();
    Variants {
        index,
        of_instance,
        first,
        chars,
        copies,
    }
}

/// The shingle sets of a batch in one vector, in the batch's order, each at the front of a slot
/// of [`slot_len`] values: written where they are read, with no allocation of their own.
struct FlatSets {
    values: Vec<u32>,
    /// Set `i` is `values[starts[i]..][..lens[i]]`.
    starts: Vec<usize>,
    lens: Vec<u32>,
}

impl FlatSets {
    /// The sets of texts of `chars` characters, as `sets_of` writes them for `texts`.
    fn new(texts: &[u32], chars: impl Iterator<Item = u32>, sets_of: SetsOf<'_>) -> Self {
        let mut starts = vec![0];
        for c in chars {
            starts.push(starts[starts.len() - 1] + slot_len(c));
        }
        let mut values = vec![0u32; starts[starts.len() - 1]];
        let mut slots = Vec::with_capacity(texts.len());
        let mut rest = values.as_mut_slice();
        for w in starts.windows(2) {
            let (slot, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
            slots.push(slot);
            rest = tail;
        }
        let lens = sets_of(texts, slots);
        assert_eq!(lens.len(), texts.len(), "one set per text");
        FlatSets {
            values,
            starts,
            lens,
        }
    }

    fn get(&self, i: u32) -> &[u32] {
        &self.values[self.starts[i as usize]..][..self.lens[i as usize] as usize]
    }
}

/// Runs the paragraph level; `tasks` runs independent parts (bands, slices of candidates).
pub fn analyze(input: ParaInput<'_>, tasks: Tasks<'_>) -> ParaScan {
    let ParaInput {
        instances,
        doc_start,
        first_seen,
        sets_of,
        sites,
        settings,
    } = input;
    let mut v = variants(&instances, settings.min_chars);
    let n = v.first.len();

    // Rank: longest first, then most copies, then first seen.
    // (Sorted as plain tuples, the keys complemented for the descending ones.)
    let mut order: Vec<(u32, u32, u32, u32)> = (0..n)
        .map(|x| (!v.chars[x], !v.copies[x], v.first[x], x as u32))
        .collect();
    order.sort_unstable();
    let mut rank = vec![0u32; n];
    for (r, &(.., x)) in order.iter().enumerate() {
        rank[x as usize] = r as u32;
    }
    drop(order);

    // Texts fingerprinted first (f, numbered across the workers' lists in order) and variants
    // (x) map to each other; candidates come in f. Nothing is copied but the anchors.
    let mut first_seen = first_seen;
    let mut offsets: Vec<u32> = Vec::with_capacity(first_seen.len() + 1);
    offsets.push(0);
    for part in &first_seen {
        offsets.push(offsets[offsets.len() - 1] + part.keys.len() as u32);
    }
    let locate = |f: u32| {
        let w = offsets.partition_point(|&o| o <= f) - 1;
        (w, (f - offsets[w]) as usize)
    };
    let texts = offsets[offsets.len() - 1] as usize;
    let mut variant_of: Vec<u32> = Vec::with_capacity(texts);
    // Per variant: the text fingerprinted first with its key, if any (each key is once).
    let mut text_of = vec![u32::MAX; n];
    let mut anchors: Vec<(u32, u32)> =
        Vec::with_capacity(first_seen.iter().map(|p| p.anchors.len()).sum());
    for (w, part) in first_seen.iter_mut().enumerate() {
        variant_of.extend(
            part.keys
                .iter()
                .map(|k| v.index.get(k).copied().unwrap_or(u32::MAX)),
        );
        let base = offsets[w];
        anchors.extend(
            std::mem::take(&mut part.anchors)
                .into_iter()
                .map(|(a, i)| (a, i + base)),
        );
    }
    // Held no longer than needed: at 100k pages it is 32 MB.
    drop(std::mem::take(&mut v.index));
    for (f, &x) in variant_of.iter().enumerate() {
        if x != u32::MAX {
            text_of[x as usize] = f as u32;
        }
    }
    let include: Vec<u32> = (0..texts as u32)
        .filter(|&f| variant_of[f as usize] != u32::MAX)
        .collect();
    let text_rank: Vec<u32> = variant_of
        .iter()
        .map(|&x| {
            if x == u32::MAX {
                u32::MAX
            } else {
                rank[x as usize]
            }
        })
        .collect();
    anchors.retain(|&(_, f)| variant_of[f as usize] != u32::MAX);
    let band_keys = |f: u32| {
        let (w, i) = locate(f);
        first_seen[w].bands_of(i)
    };
    let simhashes: Vec<u64> = first_seen
        .iter()
        .flat_map(|p| p.simhashes.iter().copied())
        .collect();
    let signatures = if simhashes.len() == texts && texts > 0 {
        Signatures::SimHash(&simhashes, settings.max_hamming)
    } else {
        Signatures::MinHash(&band_keys)
    };
    let mut candidates: Vec<(u32, u32)> =
        variant_candidates(signatures, &include, &mut anchors, &text_rank, tasks)
            .into_iter()
            .map(|(f, g)| {
                let (a, b) = (variant_of[f as usize], variant_of[g as usize]);
                (a.min(b), a.max(b))
            })
            .collect();
    drop((anchors, include, text_rank, variant_of));
    sort_pairs(&mut candidates);
    drop(simhashes);
    drop(first_seen);

    // Verify and cluster a batch of whole components at a time, on sets shingled again.
    let thresholds = settings.thresholds;
    // A text weighs the slot its set is written to (`FlatSets`).
    let weight = |x: u32| 4 * slot_len(v.chars[x as usize]) as u64;
    // Texts of a component side by side, and their sets laid out in that order below: a pair's
    // two sets are near each other in memory, not two reads from anywhere in the batch's.
    let batches = cluster::component_batches(
        n,
        &candidates,
        weight,
        settings.verify_budget,
        cluster::BatchOrder::Components,
    );
    // Candidates go to their batch with the variants' places in it.
    let mut batch_of = vec![(u32::MAX, u32::MAX); n];
    for (b, batch) in batches.iter().enumerate() {
        for (place, &x) in batch.iter().enumerate() {
            batch_of[x as usize] = (b as u32, place as u32);
        }
    }
    let mut batch_candidates: Vec<Vec<(u32, u32)>> = vec![Vec::new(); batches.len()];
    for &(a, b) in &candidates {
        let (batch, a) = batch_of[a as usize];
        batch_candidates[batch as usize].push((a, batch_of[b as usize].1));
    }
    drop(batch_of);
    let candidate_count = candidates.len();
    drop(candidates);
    let mut assignments: Vec<cluster::Assignment> = (0..n as u32)
        .map(|x| cluster::Assignment {
            representative: x,
            role: Role::Unique,
            similarity: None,
        })
        .collect();
    let mut verified = 0;
    const SLICE: usize = 4096;
    for (batch, candidates) in batches.iter().zip(batch_candidates) {
        // Every variant with a candidate has a text: candidates come from texts.
        let texts: Vec<u32> = batch.iter().map(|&x| text_of[x as usize]).collect();
        let chars = batch.iter().map(|&x| v.chars[x as usize]);
        let sets = FlatSets::new(&texts, chars, sets_of);
        drop(texts);
        // Each verified pair comes out as two entries: the pair, then (its intersection, 0).
        let found: Vec<(u32, u32)> = tasks(candidates.len().div_ceil(SLICE), &|task| {
            let slice = &candidates[task * SLICE..((task + 1) * SLICE).min(candidates.len())];
            let mut found = Vec::new();
            for &(a, b) in slice {
                let (sa, sb) = (sets.get(a), sets.get(b));
                if let Some(sim) = verify::compare_pair(sa, sb, &thresholds) {
                    found.extend([(a, b), (sim.intersection, 0)]);
                }
            }
            found
        })
        .into_iter()
        .flatten()
        .collect();
        let edges: Vec<(u32, u32)> = found.iter().step_by(2).copied().collect();
        let known: Vec<Similarity> = found
            .chunks_exact(2)
            .map(|e| {
                let (a, b) = e[0];
                Similarity {
                    intersection: e[1].0,
                    len_a: sets.get(a).len() as u32,
                    len_b: sets.get(b).len() as u32,
                }
            })
            .collect();
        drop(found);
        verified += edges.len();
        let local_rank: Vec<u32> = batch.iter().map(|&x| rank[x as usize]).collect();
        let local_assignments = cluster::cluster_known(
            batch.len(),
            &edges,
            &|k| known[k],
            &local_rank,
            &thresholds,
            |a, b| verify::compare(sets.get(a), sets.get(b)),
        );
        for (&x, mut a) in batch.iter().zip(local_assignments) {
            a.representative = batch[a.representative as usize];
            assignments[x as usize] = a;
        }
    }

    // Clusters: every instance of the variants of one representative.
    // Instances grouped by representative, in instance order within each group.
    let mut by_rep: Vec<(u32, u32)> = v
        .of_instance
        .iter()
        .enumerate()
        .filter(|&(_, &x)| x != u32::MAX)
        .map(|(i, &x)| (assignments[x as usize].representative, i as u32))
        .collect();
    sort_pairs(&mut by_rep);
    let members: Vec<u32> = by_rep.iter().map(|&(_, i)| i).collect();
    struct Pending<'a> {
        rep: u32,
        members: &'a [u32],
        pages: u32,
    }
    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut start = 0;
    let mut docs: Vec<u32> = Vec::new();
    for group in by_rep.chunk_by(|a, b| a.0 == b.0) {
        let of_group = &members[start..start + group.len()];
        start += group.len();
        if of_group.len() < 2 {
            continue;
        }
        docs.clear();
        docs.extend(of_group.iter().map(|&i| instances[i as usize].doc));
        docs.dedup();
        docs.sort_unstable();
        docs.dedup();
        pending.push(Pending {
            rep: group[0].0,
            members: of_group,
            pages: docs.len() as u32,
        });
    }
    drop(by_rep);
    pending.sort_by_key(|p| {
        (
            std::cmp::Reverse(p.members.len()),
            std::cmp::Reverse(p.pages),
            p.members[0],
        )
    });
    let mut membership: Vec<Option<Membership>> = vec![None; instances.len()];
    let mut clusters = Vec::with_capacity(pending.len());
    let mut site_pages: Vec<u32> = Vec::new();
    for &s in sites.iter().flatten() {
        if site_pages.len() <= s as usize {
            site_pages.resize(s as usize + 1, 0);
        }
        site_pages[s as usize] += 1;
    }
    for (c, p) in pending.into_iter().enumerate() {
        let id = c as u32 + 1;
        let mut docs: Vec<u32> = Vec::with_capacity(p.members.len());
        let mut site_ids: Vec<u32> = Vec::new();
        let mut variants: Vec<u32> = Vec::new();
        let mut contained = 0;
        let mut flagged = 0;
        let mut repeat_pages: Vec<u32> = Vec::new();
        let mut last_doc = u32::MAX;
        // The longest copy seen so far on the current page.
        let mut longest_here = 0u32;
        for &i in p.members {
            let inst = &instances[i as usize];
            let x = v.of_instance[i as usize];
            variants.push(x);
            let a = assignments[x as usize];
            let (kind, similarity) = if x == p.rep {
                (Kind::Exact, 1.0)
            } else {
                let s = a.similarity.expect("members have a similarity");
                match a.role {
                    Role::Contained => (Kind::Contained, s.a_in_b()),
                    _ => (Kind::Edited, s.jaccard()),
                }
            };
            contained += (kind == Kind::Contained) as u32;
            flagged += inst.print.boilerplate as u32;
            // Members are in instance order, so copies on one page are adjacent. A copy repeats
            // an earlier one of its page of comparable length (a heading a paragraph contains
            // does not make the paragraph a repeat; an edited second printing does).
            if inst.doc != last_doc {
                longest_here = 0;
            }
            let repeat = inst.doc == last_doc
                && longest_here as f64 >= REPEAT_LENGTH * inst.print.chars as f64;
            if repeat {
                repeat_pages.push(inst.doc);
            }
            longest_here = longest_here.max(inst.print.chars);
            last_doc = inst.doc;
            docs.push(inst.doc);
            if let Some(s) = sites[inst.doc as usize] {
                site_ids.push(s);
            }
            membership[i as usize] = Some(Membership {
                cluster: id,
                kind,
                similarity,
                repeat,
            });
        }
        for list in [&mut docs, &mut site_ids, &mut variants, &mut repeat_pages] {
            list.sort_unstable();
            list.dedup();
        }
        let copies = p.members.len() as u32;
        // Recurring on many pages of one site, in whatever variants: chrome with the page title
        // in it (an intro naming the article), which no single line key catches.
        let mut per_site: Vec<(u32, u32)> = docs
            .iter()
            .filter_map(|&d| sites[d as usize].map(|s| (s, d)))
            .collect();
        per_site.sort_unstable();
        let recurs_on_a_site = per_site.chunk_by(|a, b| a.0 == b.0).any(|g| {
            let pages = g.len() as u32;
            pages >= crate::boilerplate::MIN_PAGES
                && pages as f64
                    >= crate::boilerplate::MIN_SHARE * site_pages[g[0].0 as usize] as f64
        });
        clusters.push(ParaCluster {
            id,
            representative: v.first[p.rep as usize],
            copies,
            pages: docs.len() as u32,
            sites: site_ids.len() as u32,
            variants: variants.len() as u32,
            contained,
            repeat_pages: repeat_pages.len() as u32,
            first_doc: instances[p.members[0] as usize].doc,
            boilerplate: flagged * BOILERPLATE_SHARE.1 >= copies * BOILERPLATE_SHARE.0
                || recurs_on_a_site,
        });
    }
    ParaScan {
        instances,
        doc_start,
        membership,
        clusters,
        texts: Vec::new(),
        variants: n,
        candidates: candidate_count,
        verified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sorted_pairs_equal_sort_unstable() {
        let mut next = crate::testing::numbers(13);
        for len in [
            0,
            1,
            4095,
            4096,
            5000,
            70_000,
            SPLIT_FROM,
            SPLIT_FROM + 4097,
        ] {
            // Hashes and small numbers (bytes they all share), with repeats.
            for (ra, rb) in [
                (1u64 << 32, 1u64 << 20),
                (3, 1 << 32),
                (1 << 32, 1 << 32),
                (1, 1),
            ] {
                let mut pairs: Vec<(u32, u32)> = (0..len)
                    .map(|_| (next(ra) as u32, next(rb) as u32))
                    .collect();
                let mut expected = pairs.clone();
                expected.sort_unstable();
                sort_pairs(&mut pairs);
                assert_eq!(pairs, expected, "{len} pairs below ({ra}, {rb})");
            }
        }
    }
    use crate::normalize::normalize;
    use crate::tokenize::CharTokenizer;

    #[test]
    fn flat_sets_hold_each_texts_set_in_its_slot() {
        // Every line of the seed pages, with the number of characters fingerprinting counts.
        let texts: Vec<String> = crate::testing::seed_pages()
            .iter()
            .flat_map(|page| page.lines().map(normalize).collect::<Vec<_>>())
            .collect();
        let numbers: Vec<u32> = (0..texts.len() as u32).collect();
        let set_of = |text: &str| {
            let mut set = Vec::new();
            shingle_set(
                text,
                &CharTokenizer,
                5,
                &mut ParaWorkspace::default(),
                &mut set,
            );
            set
        };
        let sets_of = |numbers: &[u32], slots: Vec<&mut [u32]>| -> Vec<u32> {
            // Written in reverse, as a pipeline writes them in its own order.
            let mut lens: Vec<u32> = numbers
                .iter()
                .zip(slots)
                .rev()
                .map(|(&i, slot)| {
                    let set = set_of(&texts[i as usize]);
                    slot[..set.len()].copy_from_slice(&set);
                    set.len() as u32
                })
                .collect();
            lens.reverse();
            lens
        };
        // The texts in another order than their numbers, as a batch lists them.
        let order: Vec<u32> = numbers.iter().rev().copied().collect();
        let chars = order
            .iter()
            .map(|&i| texts[i as usize].chars().count() as u32);
        let flat = FlatSets::new(&order, chars, &sets_of);
        let mut nonempty = 0;
        for (place, &i) in order.iter().enumerate() {
            let text = &texts[i as usize];
            assert_eq!(flat.get(place as u32), set_of(text).as_slice(), "{text}");
            nonempty += !text.is_empty() as usize;
        }
        assert!(nonempty > 100, "{nonempty} lines with text");
    }

    const T: Thresholds = Thresholds {
        jaccard: 0.5,
        containment: 0.8,
        min_contained_shingles: 10,
    };

    /// Builds the input of `pages` (lists of raw paragraphs) the way the pipeline does.
    fn run(pages: &[&[&str]], sites: &[Option<u32>]) -> (ParaScan, Vec<String>) {
        run_with(pages, sites, &Engine::MinHash(MinHasher::new(PARA_PERM)))
    }

    fn run_with(
        pages: &[&[&str]],
        sites: &[Option<u32>],
        hasher: &Engine,
    ) -> (ParaScan, Vec<String>) {
        run_batched(pages, sites, hasher, u64::MAX)
    }

    /// [`run_with`] verifying components in batches of at most `verify_budget` weight.
    fn run_batched(
        pages: &[&[&str]],
        sites: &[Option<u32>],
        hasher: &Engine,
        verify_budget: u64,
    ) -> (ParaScan, Vec<String>) {
        let seen = SeenKeys::default();
        let mut first = FirstSeen::default();
        let mut ws = ParaWorkspace::default();
        let mut instances = Vec::new();
        let mut doc_start = vec![0u32];
        let mut texts = Vec::new();
        // The set of each text fingerprinted first, as the pipeline keeps it.
        let mut kept: Vec<Vec<u32>> = Vec::new();
        for (d, page) in pages.iter().enumerate() {
            for (i, raw) in page.iter().enumerate() {
                let text = normalize(raw);
                let key = text_key(&text);
                let chars = text.chars().count() as u32;
                let boilerplate = raw.starts_with('!');
                if !boilerplate && chars >= 10 && seen.insert(key) {
                    first_seen(&text, key, &CharTokenizer, 5, hasher, &mut ws, &mut first);
                    let mut set = Vec::new();
                    shingle_set(&text, &CharTokenizer, 5, &mut ws, &mut set);
                    kept.push(set);
                }
                instances.push(Instance {
                    doc: d as u32,
                    index: i as u32 + 1,
                    print: ParaPrint {
                        line: i as u32 + 1,
                        chars,
                        key,
                        boilerplate,
                    },
                });
                texts.push(text);
            }
            doc_start.push(instances.len() as u32);
        }
        let sets_of = |numbers: &[u32], slots: Vec<&mut [u32]>| -> Vec<u32> {
            numbers
                .iter()
                .zip(slots)
                .map(|(&f, slot)| {
                    let set = &kept[f as usize];
                    slot[..set.len()].copy_from_slice(set);
                    set.len() as u32
                })
                .collect()
        };
        let input = ParaInput {
            instances,
            doc_start,
            first_seen: vec![first],
            sets_of: &sets_of,
            sites,
            settings: ParaSettings {
                min_chars: 10,
                thresholds: T,
                max_hamming: 3,
                verify_budget,
            },
        };
        let scan = analyze(input, &sequential);
        (scan, texts)
    }

    const A: &str = "在上级主管部门和各级党委政府的正确领导和大力支持下,我院全体干部职工以党的十七届三中全会精神为指导,全面贯彻落实科学发展观。";
    const A_EDITED: &str = "在上级主管部门和各级党委政府的正确领导和支持下,我院全体干部职工以党的十七届三中全会精神为指导,全面贯彻落实科学发展观。";
    const B: &str = "组织全体职工进行自查自纠,开展金点子活动,集思广益,征求对医院发展和提高服务水平有价值的意见和建议。";
    const C: &str = "职代会民主评议领导班子是实行民主管理和加强民主监督的关键措施,有效地促进了领导班子在群众中的号召力。";
    const D: &str = "按照省市区卫生主管部门统一部署和要求,结合本单位实际,制定切实可行的实施方案,确保活动取得实效。";

    #[test]
    fn exact_edited_contained_and_repeated_copies() {
        let long = format!("{C}{B}{D}");
        let page2 = [
            long.as_str(),
            "!相关范文推荐",
            "无关的一段文字,讲的是别的事情,完全不同的内容在这里。",
        ];
        let pages: Vec<&[&str]> = vec![
            &[A, B, "搜索", A, "相关范文推荐"],
            &[A_EDITED, "!相关范文推荐"],
            &page2,
        ];
        let (scan, _) = run(&pages, &[Some(0), Some(1), Some(1)]);
        let m = |i: usize| scan.membership[i];
        // A, its repeat on page 0 and the edited copy on page 1.
        let a = m(0).expect("A is copied");
        assert_eq!(a.kind, Kind::Exact);
        let repeat = m(3).unwrap();
        assert_eq!((repeat.cluster, repeat.repeat), (a.cluster, true));
        let edited = m(5).unwrap();
        assert_eq!((edited.cluster, edited.kind), (a.cluster, Kind::Edited));
        assert!(edited.similarity >= 0.5 && edited.similarity < 1.0);
        // B is inside the longer paragraph of page 2.
        let b = m(1).unwrap();
        assert_eq!(b.kind, Kind::Contained);
        assert!(b.similarity >= 0.8);
        assert_eq!(m(7).unwrap().cluster, b.cluster);
        // Short, not boilerplate: not a copy; boilerplate: clustered and flagged, and a short line
        // that is boilerplate elsewhere joins them.
        assert!(m(2).is_none());
        let chrome = m(6).unwrap();
        assert_eq!(m(8).unwrap().cluster, chrome.cluster);
        assert_eq!(m(4).unwrap().cluster, chrome.cluster);
        assert!(scan.clusters[chrome.cluster as usize - 1].boilerplate);
        assert!(scan.is_boilerplate(4) && !scan.instances[4].print.boilerplate);
        assert!(m(9).is_none());
        let ca = &scan.clusters[a.cluster as usize - 1];
        assert_eq!(
            (
                ca.copies,
                ca.pages,
                ca.sites,
                ca.variants,
                ca.repeat_pages,
                ca.first_doc
            ),
            (3, 2, 2, 2, 1, 0)
        );
        assert!(scan.clusters.windows(2).all(|w| w[0].copies >= w[1].copies));
        assert_eq!(scan.repeats_in(0), 1);
        assert_eq!(scan.clusters_of(2).len(), 2);
    }

    #[test]
    fn simhash_finds_the_same_copies() {
        let long = format!("{C}{B}{D}");
        let page2 = [long.as_str(), C];
        let pages: Vec<&[&str]> = vec![&[A, B, A], &[A_EDITED], &page2];
        let engine = Engine::SimHash(SimHasher::default());
        let (scan, _) = run_with(&pages, &[None, None, None], &engine);
        let (min, _) = run(&pages, &[None, None, None]);
        let m = |s: &ParaScan, i: usize| s.membership[i].map(|m| (m.cluster, m.kind));
        for i in 0..scan.instances.len() {
            assert_eq!(m(&scan, i), m(&min, i), "instance {i}");
        }
        assert_eq!(m(&scan, 3).map(|m| m.1), Some(Kind::Edited));
        assert_eq!(m(&scan, 1).map(|m| m.1), Some(Kind::Contained));
    }

    #[test]
    fn unrelated_paragraphs_stay_apart() {
        let pages: Vec<&[&str]> = vec![&[A, B], &[C]];
        let (scan, _) = run(&pages, &[None, None]);
        assert!(scan.membership.iter().all(|m| m.is_none()));
        assert!(scan.clusters.is_empty());
    }

    #[test]
    fn candidate_buckets_are_ordered_by_rank_as_a_plain_sort_orders_them() {
        // 400 texts, band keys and anchors from small ranges: buckets of every size, most past
        // the all-pairs limit (stars around the best-ranked text), ranks with ties.
        let texts = 400u32;
        let mut state = 5u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % m) as u32
        };
        let bands: Vec<u32> = (0..texts as usize * PARA_BANDS.bands)
            .map(|_| next(6))
            .collect();
        let rank: Vec<u32> = (0..texts).map(|_| next(150)).collect();
        let include: Vec<u32> = (0..texts).filter(|t| t % 7 != 3).collect();
        let anchors: Vec<(u32, u32)> = (0..3000)
            .map(|_| (next(40), include[next(include.len() as u64) as usize]))
            .collect();
        let bands_of = |t: u32| &bands[t as usize * PARA_BANDS.bands..][..PARA_BANDS.bands];
        let got = variant_candidates(
            Signatures::MinHash(&bands_of),
            &include,
            &mut anchors.clone(),
            &rank,
            &sequential,
        );
        let by_rank = |keyed: &mut Vec<(u32, u32)>| {
            keyed.sort_by_key(|&(k, t)| (k, rank[t as usize], t));
        };
        let mut expected = Vec::new();
        for band in 0..PARA_BANDS.bands {
            let mut keyed: Vec<(u32, u32)> =
                include.iter().map(|&t| (bands_of(t)[band], t)).collect();
            by_rank(&mut keyed);
            buckets(&keyed, &mut expected);
        }
        let mut sorted = anchors.clone();
        by_rank(&mut sorted);
        buckets(&sorted, &mut expected);
        expected.sort_unstable();
        expected.dedup();
        assert!(expected.len() > 1000, "{} pairs", expected.len());
        assert_eq!(got, expected);
    }

    #[test]
    fn anchors_find_a_paragraph_inside_a_longer_one_that_lsh_misses() {
        // The short paragraph is a fifth of the long one: Jaccard about 0.2, far below what
        // banding catches, but its anchors are all in the long one.
        let long = format!("{A}{B}{C}{A_EDITED}");
        let hasher = Engine::MinHash(MinHasher::new(PARA_PERM));
        let mut first = FirstSeen::default();
        let mut ws = ParaWorkspace::default();
        for (i, t) in [normalize(B), normalize(&long)].iter().enumerate() {
            first_seen(t, i as u64, &CharTokenizer, 5, &hasher, &mut ws, &mut first);
        }
        let short_anchors: Vec<u32> = first
            .anchors
            .iter()
            .filter(|a| a.1 == 0)
            .map(|a| a.0)
            .collect();
        assert!(!short_anchors.is_empty());
        assert!(
            short_anchors
                .iter()
                .all(|a| first.anchors.contains(&(*a, 1)))
        );
        let bands = first.bands.clone();
        let band_keys = |t: u32| &bands[t as usize * PARA_BANDS.bands..][..PARA_BANDS.bands];
        let pairs = variant_candidates(
            Signatures::MinHash(&band_keys),
            &[0, 1],
            &mut first.anchors,
            &[1, 0],
            &sequential,
        );
        assert_eq!(pairs, vec![(0, 1)]);
    }

    #[test]
    fn verifying_a_component_at_a_time_equals_verifying_all_at_once() {
        // Pages built from a pool of paragraphs, copied with a character changed or cut short,
        // and glued into longer ones: many components of several sizes.
        let pool = [A, B, C, D, A_EDITED];
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let mut owned: Vec<Vec<String>> = Vec::new();
        for _ in 0..40 {
            let mut page = Vec::new();
            for _ in 0..1 + next(5) {
                let base: Vec<char> = pool[next(5) as usize].chars().collect();
                let text: String = match next(4) {
                    0 => base.iter().collect(),
                    1 => {
                        let cut = base.len() / 2 + next(base.len() as u64 / 2) as usize;
                        base[..cut].iter().collect()
                    }
                    2 => {
                        let mut edited = base.clone();
                        let at = next(edited.len() as u64) as usize;
                        edited[at] = '改';
                        edited.into_iter().collect()
                    }
                    _ => format!("{}{}", pool[next(5) as usize], pool[next(5) as usize]),
                };
                page.push(text);
            }
            owned.push(page);
        }
        let pages: Vec<Vec<&str>> = owned
            .iter()
            .map(|p| p.iter().map(String::as_str).collect())
            .collect();
        let pages: Vec<&[&str]> = pages.iter().map(Vec::as_slice).collect();
        let sites: Vec<Option<u32>> = (0..pages.len() as u32).map(|d| Some(d % 3)).collect();
        let engine = Engine::MinHash(MinHasher::new(PARA_PERM));
        let (all, _) = run_batched(&pages, &sites, &engine, u64::MAX);
        let (one, _) = run_batched(&pages, &sites, &engine, 1);
        assert!(all.clusters.len() >= 3, "{} clusters", all.clusters.len());
        assert_eq!(all.membership, one.membership);
        assert_eq!(all.clusters, one.clusters);
        assert_eq!(
            (all.candidates, all.verified),
            (one.candidates, one.verified)
        );
    }
}
