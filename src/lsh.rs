//! LSH: sketches → candidate pairs.
//!
//! Input: a flat array of sketches (`width` u32 values each), the document owning each sketch, and
//! a rank per document (lower ranks are better representatives). Output: candidate document pairs
//! `(a, b)` with `a < b`, sorted and unique.
//!
//! Each sketch is cut into `bands` bands of `rows` values; sketches whose band hashes to the same
//! 64-bit key share a bucket. Small buckets yield all their pairs; what larger ones yield depends
//! on the [`BucketPolicy`]: for pages (bulk copies) a star around the best-ranked member plus a
//! chain, so the cost stays linear while every member stays connected to the member most likely
//! to be its representative. Each band's pairs are sorted and deduplicated before they are merged. Cost: `bands` hashes per sketch and a sort of
//! `(key, sketch)` pairs per band, plus the pairs of each bucket.

use crate::error::Result;
use std::sync::atomic::{AtomicU8, Ordering};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What a bucket yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketPolicy {
    /// Buckets up to this size yield all their pairs.
    pub all_pairs_up_to: usize,
    /// Larger buckets yield a star and a chain (`true`), or nothing (`false`: a line found on so
    /// many pages is boilerplate and says nothing about which pages copy which).
    pub star_beyond: bool,
}

impl BucketPolicy {
    /// Whole pages: bulk copies of one page form large buckets, and their members are
    /// near-duplicates of each other, so a star around the best-ranked page keeps them connected.
    pub const PAGES: BucketPolicy = BucketPolicy {
        all_pairs_up_to: 64,
        star_beyond: true,
    };
    /// Lines: every pair of pages sharing a line is a candidate for containment, up to lines found
    /// on 600 pages; a line on more pages is chrome or a stock phrase. (In the 100k-page generated
    /// corpus the paragraphs of the most copied article are on up to 325 pages, once its
    /// traditional copies normalize like the simplified ones.)
    pub const LINES: BucketPolicy = BucketPolicy {
        all_pairs_up_to: 600,
        star_beyond: false,
    };
}

/// A banding of a sketch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bands {
    pub bands: usize,
    pub rows: usize,
}

impl Bands {
    /// Probability that two sketches of Jaccard similarity `s` share at least one bucket.
    pub fn collision_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The banding of `num_perm` values that minimises the weighted sum of the false-positive
    /// probability (integrated below `threshold`) and the false-negative probability (integrated
    /// above it), as datasketch does. False negatives weigh more: verification removes false
    /// positives, nothing recovers a missed pair.
    pub fn optimal(threshold: f64, num_perm: usize) -> Bands {
        const FP_WEIGHT: f64 = 0.3;
        const FN_WEIGHT: f64 = 0.7;
        let mut best = Bands {
            bands: 1,
            rows: num_perm,
        };
        let mut best_cost = f64::INFINITY;
        for bands in 1..=num_perm {
            let rows = num_perm / bands;
            let candidate = Bands { bands, rows };
            let fp = integrate(|s| candidate.collision_probability(s), 0.0, threshold);
            let fneg = integrate(|s| 1.0 - candidate.collision_probability(s), threshold, 1.0);
            let cost = FP_WEIGHT * fp + FN_WEIGHT * fneg;
            if cost < best_cost - 1e-12 {
                best_cost = cost;
                best = candidate;
            }
        }
        best
    }
}

fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    // Composite Simpson's rule; the integrands are smooth polynomials.
    const N: usize = 200;
    let h = (b - a) / N as f64;
    let mut sum = f(a) + f(b);
    for i in 1..N {
        let x = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 * f(x) } else { 2.0 * f(x) };
    }
    sum * h / 3.0
}

/// The bucket key of band `band` of `sketch`: xxh3 of the band's values in memory, seeded by
/// the band (keys are compared within a run only, so their byte order does not matter).
#[inline]
pub fn band_key(sketch: &[u32], band: usize, rows: usize) -> u64 {
    xxh3_64_with_seed(
        bytemuck::cast_slice(&sketch[band * rows..(band + 1) * rows]),
        band as u64,
    )
}

/// The sketches taking part in LSH: a flat array, `width` values per sketch, and the document
/// owning each sketch (a document may own several, one per paragraph).
#[derive(Debug, Clone, Copy)]
pub struct Sketches<'a> {
    pub values: &'a [u32],
    pub width: usize,
    pub owner: &'a [u32],
}

/// A colliding pair of sketches: documents `a < b` and the sketch of each that collided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SketchPair {
    pub a: u32,
    pub b: u32,
    pub sketch_a: u32,
    pub sketch_b: u32,
}

/// Colliding sketch pairs of one band, sorted and unique. `include` lists the sketches to bucket;
/// `rank[doc]` orders documents (lower is better). Pairs within one document are dropped.
pub fn band_sketch_pairs(
    sketches: Sketches<'_>,
    include: &[u32],
    rank: &[u32],
    bands: Bands,
    band: usize,
    policy: BucketPolicy,
) -> Vec<SketchPair> {
    let width = sketches.width;
    // (key, rank, doc, sketch): sorting puts each bucket's best-ranked document first.
    let mut keyed: Vec<(u64, u32, u32, u32)> = include
        .iter()
        .map(|&i| {
            let doc = sketches.owner[i as usize];
            let sketch = &sketches.values[i as usize * width..(i as usize + 1) * width];
            let key = band_key(sketch, band, bands.rows);
            (key, rank[doc as usize], doc, i)
        })
        .collect();
    keyed.sort_unstable();
    sorted_table_pairs(&keyed, policy)
}

/// The band keys of `sketch`, one per band, appended to `out`.
pub fn band_keys(sketch: &[u32], bands: Bands, out: &mut Vec<u64>) {
    out.extend((0..bands.bands).map(|band| band_key(sketch, band, bands.rows)));
}

/// Band keys, `bands` per sketch, flat: in memory, or little-endian in a mapped run file.
#[derive(Debug, Clone, Copy)]
pub enum Keys<'a> {
    Words(&'a [u64]),
    Bytes(&'a [u8]),
}

impl Keys<'_> {
    #[inline]
    pub fn get(&self, i: usize) -> u64 {
        match self {
            Keys::Words(w) => w[i],
            Keys::Bytes(b) => u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes")),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Keys::Words(w) => w.len(),
            Keys::Bytes(b) => b.len() / 8,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sketches known by their band keys only: `bands` keys per sketch and the document owning each
/// sketch. A sketch's values are not needed once its keys are known.
#[derive(Debug, Clone, Copy)]
pub struct KeyedSketches<'a> {
    pub keys: Keys<'a>,
    pub bands: usize,
    pub owner: &'a [u32],
}

impl KeyedSketches<'_> {
    #[inline]
    pub fn key(&self, sketch: usize, band: usize) -> u64 {
        self.keys.get(sketch * self.bands + band)
    }
}

/// One entry of a band's table: the sketch's key in this band, the sketch, and the first earlier
/// band whose bucket yielded the sketch's pairs, with the sketch's key there (`first_band` is
/// [`BandEntry::NO_BAND`] when no earlier bucket of the sketch yielded). Entries sort by key, then
/// sketch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BandEntry {
    pub key: u64,
    pub sketch: u32,
    pub first_key: u64,
    pub first_band: u16,
}

impl BandEntry {
    pub const NO_BAND: u16 = u16::MAX;

    /// Whether the two sketches were in one yielding bucket of an earlier band, as far as the
    /// entries tell: both first yielded in the same band, in the same bucket. `false` may still
    /// be an earlier shared bucket (a later one than the first of either).
    #[inline]
    fn shared_first(&self, other: &BandEntry) -> bool {
        self.first_band != Self::NO_BAND
            && self.first_band == other.first_band
            && self.first_key == other.first_key
    }
}

/// One band's entries.
pub type Entries<'a> = dyn Iterator<Item = BandEntry> + 'a;

/// Entry `s` of one band's table, for sketch `s`.
pub type EntryOf<'a> = dyn Fn(usize) -> BandEntry + Sync + 'a;

/// What a [`BandSorter`] hands the sorted entries to.
pub type SortedVisit<'a> = dyn FnMut(&mut Entries<'_>) -> Result<()> + 'a;

/// Sorts one band's table of entries: in memory, or through run files on disk under a memory
/// limit. The driver decides (and parallelizes).
pub trait BandSorter {
    /// The entries in sorted order.
    fn sort(&mut self, entries: &mut Entries<'_>, sorted: &mut SortedVisit<'_>) -> Result<()>;

    /// The `n` entries (`entry(0..n)`) sorted into a table in memory, where this sorter keeps
    /// them there; `None` for a sorter that only streams them to [`BandSorter::sort`]'s
    /// visitor. The driver may make the entries in parallel.
    fn sorted_table(&mut self, _n: usize, _entry: &EntryOf<'_>) -> Option<Vec<BandEntry>> {
        None
    }

    /// `walk` applied to every piece, the results in piece order: the driver may walk pieces in
    /// parallel.
    fn walk_pieces(&mut self, pieces: &[&[BandEntry]], walk: &PieceWalk<'_>) -> Vec<Walked> {
        pieces.iter().map(|piece| walk(piece)).collect()
    }
}

/// Walks one piece of a sorted band table that begins and ends at bucket boundaries.
pub type PieceWalk<'a> = dyn Fn(&[BandEntry]) -> Walked + Sync + 'a;

/// The pairs a piece of a band table yielded, in the order a walk of the whole table yields them.
pub type Walked = Vec<SketchPair>;

/// Pieces of a sorted table for [`BandSorter::walk_pieces`]: about `count` of them, each ending
/// where a key ends, so that no bucket is split.
fn bucket_pieces(table: &[BandEntry], count: usize) -> Vec<&[BandEntry]> {
    group_pieces(table, count, |a, b| a.key == b.key)
}

/// Pieces of `table` to be handled apart (in parallel, by the driver): about `count` of them,
/// each ending where a run of items for which `same` holds ends, so that no run is split.
pub fn group_pieces<T>(table: &[T], count: usize, same: impl Fn(&T, &T) -> bool) -> Vec<&[T]> {
    let target = table.len().div_ceil(count.max(1)).max(1);
    let mut pieces = Vec::with_capacity(count + 1);
    let mut rest = table;
    while !rest.is_empty() {
        let mut end = target.min(rest.len());
        while end < rest.len() && same(&rest[end - 1], &rest[end]) {
            end += 1;
        }
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Sorts in memory with `sort_unstable` (sequential; the driver uses a parallel sort).
pub struct MemorySorter;

impl BandSorter for MemorySorter {
    fn sort(&mut self, entries: &mut Entries<'_>, sorted: &mut SortedVisit<'_>) -> Result<()> {
        let mut table: Vec<BandEntry> = entries.collect();
        table.sort_unstable();
        sorted(&mut table.into_iter())
    }
}

/// Colliding sketch pairs over all bands, handed to `emit` a few at a time in no particular
/// order. A bucket
/// yields all its pairs up to `max_bucket` members and none beyond (a line on that many pages is
/// a stock phrase). Pairs within one document are dropped.
///
/// Bands are taken in order, and a bucket does not yield a pair of sketches that an earlier
/// band's bucket yielded: two identical lines share every band, and would otherwise be found once
/// per band and sorted away again. The set of pairs is the union of what [`band_sketch_pairs`]
/// yields for every band with [`BucketPolicy`] `{ all_pairs_up_to: max_bucket, star_beyond:
/// false }` (tested).
///
/// With each entry travel the first earlier band whose bucket yielded for its sketch and the
/// sketch's key there, read in sketch order from the same row of the key table as the entry's
/// key. Two sketches whose first yielding buckets are one are skipped on that alone (in the
/// generated 100k crawl, 87 % of the skips). Other pairs are checked against the earlier bands'
/// keys when the keys are in memory ([`Keys::Words`]), so each pair is yielded once. A mapped
/// table ([`Keys::Bytes`], under a memory limit) is not looked up: in key order those lookups
/// read it at random, and with little page cache nearly each one is a read from disk. There a
/// pair that met in an earlier bucket other than the first yielding one of both is yielded again
/// (about half as many pairs again in that crawl); callers count distinct sketches
/// ([`shared_sketch_pairs`]), so the duplicates change nothing. Cost: per band one pass in order
/// over the key table and one sort of all sketches by `sorter`; one byte per sketch.
pub fn keyed_sketch_pairs(
    sketches: KeyedSketches<'_>,
    max_bucket: usize,
    sorter: &mut dyn BandSorter,
    emit: &mut dyn FnMut(&[SketchPair]) -> Result<()>,
) -> Result<()> {
    let (bands, owner) = (sketches.bands, sketches.owner);
    assert!(bands <= 8, "at most 8 bands");
    let n = owner.len();
    debug_assert_eq!(sketches.keys.len(), n * bands);
    // Bit `band` of `yields[s]`: the bucket of sketch `s` in that band yielded its pairs. A band's
    // bits are set while its sorted entries are walked, after its entries were read, and only by
    // the walk of the sketch's own bucket (pieces of a table never split a bucket), so relaxed
    // loads and stores suffice.
    let yields: Vec<AtomicU8> = (0..n).map(|_| AtomicU8::new(0)).collect();
    // Keys in memory are cheap to look up at random; a mapped table is not.
    let exact = matches!(sketches.keys, Keys::Words(_));
    for band in 0..bands {
        let entry = |s: usize| {
            let first = yields[s].load(Ordering::Relaxed).trailing_zeros() as usize;
            let (first_band, first_key) = if first < band {
                (first as u16, sketches.key(s, first))
            } else {
                (BandEntry::NO_BAND, 0)
            };
            BandEntry {
                key: sketches.key(s, band),
                sketch: s as u32,
                first_key,
                first_band,
            }
        };
        let walk = BucketWalk {
            sketches,
            yields: &yields,
            band,
            max_bucket,
            exact,
        };
        if let Some(table) = sorter.sorted_table(n, &entry) {
            let pieces = bucket_pieces(&table, PIECES);
            let walked = sorter.walk_pieces(&pieces, &|piece| {
                let mut pairs = Vec::new();
                let mut bucket = Vec::new();
                walk.walk(piece.iter().copied(), &mut bucket, &mut |pair| {
                    pairs.push(pair);
                    Ok(())
                })
                .expect("collecting pairs does not fail");
                pairs
            });
            for pairs in &walked {
                emit(pairs)?;
            }
        } else {
            let mut bucket: Vec<BandEntry> = Vec::with_capacity(max_bucket + 1);
            sorter.sort(&mut (0..n).map(entry), &mut |sorted| {
                walk.walk(sorted, &mut bucket, &mut |pair| {
                    emit(std::slice::from_ref(&pair))
                })
            })?;
        }
    }
    Ok(())
}

/// Pieces a band table held in memory is cut into for [`BandSorter::walk_pieces`]: enough for
/// a few threads to share evenly.
const PIECES: usize = 64;

/// The walk of one band's sorted entries in [`keyed_sketch_pairs`].
struct BucketWalk<'a> {
    sketches: KeyedSketches<'a>,
    yields: &'a [AtomicU8],
    band: usize,
    max_bucket: usize,
    exact: bool,
}

impl BucketWalk<'_> {
    /// Yields the pairs of the buckets of `sorted` (whole buckets) to `emit`, and marks their
    /// sketches as yielding in this band.
    fn walk(
        &self,
        sorted: impl Iterator<Item = BandEntry>,
        bucket: &mut Vec<BandEntry>,
        emit: &mut impl FnMut(SketchPair) -> Result<()>,
    ) -> Result<()> {
        let (band, max_bucket, owner) = (self.band, self.max_bucket, self.sketches.owner);
        let (sketches, yields) = (self.sketches, self.yields);
        // Whether the two sketches were in one yielding bucket of a band before this one.
        let earlier = |x: &BandEntry, y: &BandEntry| {
            let (xs, ys) = (x.sketch as usize, y.sketch as usize);
            (0..band).any(|e| {
                yields[xs].load(Ordering::Relaxed) >> e & 1 == 1
                    && sketches.key(xs, e) == sketches.key(ys, e)
            })
        };
        let mut sorted = sorted.peekable();
        while let Some(first) = sorted.next() {
            bucket.clear();
            bucket.push(first);
            let mut size = 1;
            while let Some(next) = sorted.peek() {
                if next.key != first.key {
                    break;
                }
                size += 1;
                if size <= max_bucket {
                    bucket.push(*next);
                }
                sorted.next();
            }
            if size < 2 || size > max_bucket {
                continue;
            }
            for e in bucket.iter() {
                let bits = &yields[e.sketch as usize];
                bits.store(bits.load(Ordering::Relaxed) | 1 << band, Ordering::Relaxed);
            }
            for (i, x) in bucket.iter().enumerate() {
                for y in &bucket[i + 1..] {
                    let (dx, dy) = (owner[x.sketch as usize], owner[y.sketch as usize]);
                    if dx == dy || x.shared_first(y) || self.exact && earlier(x, y) {
                        continue;
                    }
                    let (a, b, sketch_a, sketch_b) = if dx < dy {
                        (dx, dy, x.sketch, y.sketch)
                    } else {
                        (dy, dx, y.sketch, x.sketch)
                    };
                    emit(SketchPair {
                        a,
                        b,
                        sketch_a,
                        sketch_b,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// Candidate document pairs of one band of page keys, sorted and unique: as [`band_pairs`] on
/// the sketches the keys were made from (tested).
pub fn keyed_band_pairs(
    sketches: KeyedSketches<'_>,
    include: &[u32],
    rank: &[u32],
    band: usize,
    policy: BucketPolicy,
) -> Vec<(u32, u32)> {
    let mut keyed: Vec<(u64, u32, u32, u32)> = include
        .iter()
        .map(|&i| {
            let doc = sketches.owner[i as usize];
            (sketches.key(i as usize, band), rank[doc as usize], doc, i)
        })
        .collect();
    keyed.sort_unstable();
    let mut pairs: Vec<(u32, u32)> = sorted_table_pairs(&keyed, policy)
        .into_iter()
        .map(|p| (p.a, p.b))
        .collect();
    pairs.dedup();
    pairs
}

/// The pairs of every bucket of a sorted `(key, rank, doc, sketch)` table, sorted and unique.
fn sorted_table_pairs(keyed: &[(u64, u32, u32, u32)], policy: BucketPolicy) -> Vec<SketchPair> {
    let mut pairs = Vec::new();
    for bucket in keyed.chunk_by(|x, y| x.0 == y.0) {
        bucket_pairs(bucket, policy, &mut pairs);
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Candidate document pairs of one band, sorted and unique.
pub fn band_pairs(
    sketches: Sketches<'_>,
    include: &[u32],
    rank: &[u32],
    bands: Bands,
    band: usize,
    policy: BucketPolicy,
) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> =
        band_sketch_pairs(sketches, include, rank, bands, band, policy)
            .into_iter()
            .map(|p| (p.a, p.b))
            .collect();
    pairs.dedup();
    pairs
}

fn bucket_pairs(
    bucket: &[(u64, u32, u32, u32)],
    policy: BucketPolicy,
    pairs: &mut Vec<SketchPair>,
) {
    let mut push = |x: &(u64, u32, u32, u32), y: &(u64, u32, u32, u32)| {
        if x.2 != y.2 {
            let (x, y) = if x.2 < y.2 { (x, y) } else { (y, x) };
            pairs.push(SketchPair {
                a: x.2,
                b: y.2,
                sketch_a: x.3,
                sketch_b: y.3,
            });
        }
    };
    if bucket.len() <= policy.all_pairs_up_to {
        for i in 0..bucket.len() {
            for j in i + 1..bucket.len() {
                push(&bucket[i], &bucket[j]);
            }
        }
    } else if policy.star_beyond {
        let center = &bucket[0];
        for w in bucket.windows(2) {
            push(center, &w[1]);
            push(&w[0], &w[1]);
        }
    }
}

/// Document pairs whose sketches collided for at least `min_share` of the sketches of the
/// document with fewer of them (`sketches_of[doc]`), and at least one. `pairs` must come
/// grouped by document pair, the groups in increasing order (as sorting them gives).
///
/// Used for line sketches: a page inside another shares most of its lines with it, while pages
/// that share one paragraph (a borrowed sentence, one article of several) do not, and verifying
/// them all would cost most of a scan.
pub fn shared_sketch_pairs(
    pairs: impl IntoIterator<Item = SketchPair>,
    sketches_of: &[u32],
    min_share: f64,
) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut seen_a: Vec<u32> = Vec::new();
    let mut seen_b: Vec<u32> = Vec::new();
    let mut decide = |a: u32, b: u32, seen_a: &mut Vec<u32>, seen_b: &mut Vec<u32>| {
        seen_a.sort_unstable();
        seen_a.dedup();
        seen_b.sort_unstable();
        seen_b.dedup();
        let shared = seen_a.len().min(seen_b.len()) as f64;
        let fewer = sketches_of[a as usize].min(sketches_of[b as usize]) as f64;
        if shared >= (min_share * fewer).max(1.0) - 1e-9 {
            out.push((a, b));
        }
        seen_a.clear();
        seen_b.clear();
    };
    let mut current: Option<(u32, u32)> = None;
    for p in pairs {
        if let Some((a, b)) = current
            && (a, b) != (p.a, p.b)
        {
            debug_assert!((a, b) < (p.a, p.b), "pairs sorted");
            decide(a, b, &mut seen_a, &mut seen_b);
        }
        current = Some((p.a, p.b));
        seen_a.push(p.sketch_a);
        seen_b.push(p.sketch_b);
    }
    if let Some((a, b)) = current {
        decide(a, b, &mut seen_a, &mut seen_b);
    }
    out
}

/// All candidate pairs over every band, sorted and unique (sequential; the driver runs
/// [`band_pairs`] in parallel).
pub fn candidates(
    sketches: Sketches<'_>,
    include: &[u32],
    rank: &[u32],
    bands: Bands,
    policy: BucketPolicy,
) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = (0..bands.bands)
        .flat_map(|b| band_pairs(sketches, include, rank, bands, b, policy))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The sorted union of two sorted, unique lists of pairs. Cost: one pass over both.
pub fn merge_unique(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn merging_sorted_pairs_is_sorting_their_union() {
        // Seeded lists with many shared pairs, against sorting the concatenation.
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as u32 % 50
        };
        for round in 0..200 {
            let mut lists: Vec<Vec<(u32, u32)>> = (0..2)
                .map(|_| (0..round % 40).map(|_| (next(), next())).collect())
                .collect();
            for list in &mut lists {
                list.sort_unstable();
                list.dedup();
            }
            let mut expected: Vec<(u32, u32)> = lists.concat();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(merge_unique(&lists[0], &lists[1]), expected);
        }
    }
    use super::*;
    use crate::signature::MinHasher;

    #[test]
    fn optimal_bands_fit_the_threshold() {
        for (t, k) in [(0.5, 128), (0.7, 128), (0.8, 256), (0.9, 128)] {
            let b = Bands::optimal(t, k);
            assert!(b.bands * b.rows <= k);
            // The S-curve's steepest point (1/b)^(1/r) lies near the threshold, a bit below it.
            let knee = (1.0 / b.bands as f64).powf(1.0 / b.rows as f64);
            assert!(
                knee < t + 0.05 && knee > t - 0.25,
                "t={t} {b:?} knee={knee}"
            );
            assert!(
                b.collision_probability((t + 0.15f64).min(0.99)) > 0.9,
                "t={t} {b:?}"
            );
        }
    }

    #[test]
    fn candidates_equal_brute_force_band_collisions() {
        // Sketches of random sets with planted near-duplicates.
        let mh = MinHasher::new(64);
        let bands = Bands { bands: 16, rows: 4 };
        let n = 120;
        let mut sketches = vec![0u32; n * 64];
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 11
        };
        let base: Vec<Vec<u64>> = (0..30)
            .map(|_| (0..200).map(|_| next()).collect())
            .collect();
        for d in 0..n {
            let mut set = base[d % 30].clone();
            let keep = 200 - (d / 30) * 25; // 0, 25, 50, 75 shingles replaced
            for v in set.iter_mut().skip(keep) {
                *v = next();
            }
            set.sort_unstable();
            mh.sketch(&set, &mut sketches[d * 64..(d + 1) * 64]);
        }
        let owner: Vec<u32> = (0..n as u32).collect();
        let rank = owner.clone();
        let sk = Sketches {
            values: &sketches,
            width: 64,
            owner: &owner,
        };
        let got = candidates(sk, &owner, &rank, bands, BucketPolicy::PAGES);
        let mut expected = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                let sa = &sketches[a * 64..(a + 1) * 64];
                let sb = &sketches[b * 64..(b + 1) * 64];
                if (0..16).any(|band| sa[band * 4..band * 4 + 4] == sb[band * 4..band * 4 + 4]) {
                    expected.push((a as u32, b as u32));
                }
            }
        }
        assert!(
            expected.len() > 60,
            "planted duplicates collide: {}",
            expected.len()
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn keyed_pairs_equal_the_union_of_every_band() {
        // Lines of 40 documents, 3–6 each: copies of 12 source lines, some edited, some
        // repeated within a document, and one line on more pages than a bucket yields.
        let mh = MinHasher::new(32);
        let bands = Bands { bands: 8, rows: 4 };
        let mut state = 11u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 11
        };
        let sources: Vec<Vec<u64>> = (0..12).map(|_| (0..40).map(|_| next()).collect()).collect();
        let (mut values, mut owner) = (Vec::new(), Vec::new());
        for doc in 0..40u32 {
            let lines = 3 + next() % 4;
            for l in 0..lines {
                let mut set = if l == 0 {
                    sources[0].clone() // on every page: over the bucket limit below
                } else {
                    sources[(next() % 12) as usize].clone()
                };
                for v in set.iter_mut().take((next() % 3 * 8) as usize) {
                    *v = next(); // 0, 8 or 16 of 40 shingles edited
                }
                set.sort_unstable();
                let at = values.len();
                values.resize(at + 32, 0);
                mh.sketch(&set, &mut values[at..]);
                owner.push(doc);
            }
        }
        let rank: Vec<u32> = (0..40).collect();
        let all: Vec<u32> = (0..owner.len() as u32).collect();
        let sketches = Sketches {
            values: &values,
            width: 32,
            owner: &owner,
        };
        let mut keys = Vec::new();
        for s in values.chunks(32) {
            band_keys(s, bands, &mut keys);
        }
        let keyed = KeyedSketches {
            keys: Keys::Words(&keys),
            bands: bands.bands,
            owner: &owner,
        };
        let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
        let mapped = KeyedSketches {
            keys: Keys::Bytes(&bytes),
            ..keyed
        };
        for max_bucket in [2, 5, 30, 1000] {
            let policy = BucketPolicy {
                all_pairs_up_to: max_bucket,
                star_beyond: false,
            };
            let mut expected: Vec<SketchPair> = (0..bands.bands)
                .flat_map(|b| band_sketch_pairs(sketches, &all, &rank, bands, b, policy))
                .collect();
            expected.sort_unstable();
            expected.dedup();
            // Every band's pairs, each as often as a band yields it.
            let every_band: usize = (0..bands.bands)
                .map(|b| band_sketch_pairs(sketches, &all, &rank, bands, b, policy).len())
                .sum();
            for (sketches, once) in [(keyed, true), (mapped, false)] {
                let mut got = Vec::new();
                keyed_sketch_pairs(sketches, max_bucket, &mut MemorySorter, &mut |p| {
                    got.extend_from_slice(p);
                    Ok(())
                })
                .unwrap();
                // A table walked in pieces yields the same pairs in the same order.
                let mut pieces = 0;
                let mut in_pieces = Vec::new();
                keyed_sketch_pairs(
                    sketches,
                    max_bucket,
                    &mut TableSorter(&mut pieces),
                    &mut |p| {
                        in_pieces.extend_from_slice(p);
                        Ok(())
                    },
                )
                .unwrap();
                assert_eq!(in_pieces, got, "max_bucket {max_bucket}");
                assert!(pieces > bands.bands * 8, "{pieces} pieces");
                let yielded = got.len();
                got.sort_unstable();
                got.dedup();
                if once {
                    assert_eq!(got.len(), yielded, "keys in memory: each pair once");
                } else {
                    // Mapped keys: pairs first met in one bucket are yielded once.
                    assert!(yielded >= got.len());
                    if max_bucket == 30 {
                        assert!(
                            yielded < every_band,
                            "earlier bands skipped: {yielded} of {every_band}"
                        );
                    }
                }
                assert_eq!(got, expected, "max_bucket {max_bucket}");
            }
            // Page banding on keys equals banding on the sketches.
            for band in 0..bands.bands {
                assert_eq!(
                    keyed_band_pairs(keyed, &all, &rank, band, BucketPolicy::PAGES),
                    band_pairs(sketches, &all, &rank, bands, band, BucketPolicy::PAGES)
                );
            }
            if max_bucket == 30 {
                assert!(expected.len() > 100, "copies collide: {}", expected.len());
            }
        }
    }

    /// Sorts into a table, and walks its pieces in reverse order (results put back in order),
    /// counting them.
    struct TableSorter<'a>(&'a mut usize);

    impl BandSorter for TableSorter<'_> {
        fn sort(&mut self, _: &mut Entries<'_>, _: &mut SortedVisit<'_>) -> Result<()> {
            unreachable!("the table is walked in pieces")
        }

        fn sorted_table(&mut self, n: usize, entry: &EntryOf<'_>) -> Option<Vec<BandEntry>> {
            let mut table: Vec<BandEntry> = (0..n).map(entry).collect();
            table.sort_unstable();
            Some(table)
        }

        fn walk_pieces(&mut self, pieces: &[&[BandEntry]], walk: &PieceWalk<'_>) -> Vec<Walked> {
            *self.0 += pieces.len();
            let mut walked: Vec<Walked> = pieces.iter().rev().map(|piece| walk(piece)).collect();
            walked.reverse();
            walked
        }
    }

    #[test]
    fn bucket_pieces_cover_the_table_and_split_no_bucket() {
        let entry = |key| BandEntry {
            key,
            sketch: 0,
            first_key: 0,
            first_band: BandEntry::NO_BAND,
        };
        let table: Vec<BandEntry> = [1, 1, 1, 2, 3, 3, 3, 3, 3, 4, 5, 5]
            .into_iter()
            .map(entry)
            .collect();
        for count in [1, 2, 3, 5, 12, 100] {
            let pieces = bucket_pieces(&table, count);
            assert_eq!(pieces.concat(), table, "{count}");
            for pair in pieces.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                assert!(!a.is_empty() && !b.is_empty());
                assert_ne!(a.last().unwrap().key, b[0].key, "{count}: a bucket split");
            }
        }
        assert_eq!(bucket_pieces(&table, 3).len(), 3);
        assert!(bucket_pieces(&[], 4).is_empty());
    }

    #[test]
    fn shared_sketches_count_distinct_lines() {
        let p = |a, b, sa, sb| SketchPair {
            a,
            b,
            sketch_a: sa,
            sketch_b: sb,
        };
        // Doc 0 has 4 lines, doc 1 has 10, doc 2 has 2.
        let sketches_of = [4, 10, 2];
        let mut pairs = [
            p(0, 1, 0, 10),
            p(0, 1, 0, 11), // the same line of doc 0 twice: counts once
            p(0, 1, 1, 12),
            p(0, 2, 3, 20),
            p(1, 2, 12, 21),
            p(1, 2, 13, 21),
        ];
        pairs.sort_unstable();
        // 0–1: 2 distinct lines on each side of 4 → share 0.5; 0–2: 1 of 2; 1–2: 1 of 2 on b's side.
        assert_eq!(
            shared_sketch_pairs(pairs.iter().copied(), &sketches_of, 0.5),
            [(0, 1), (0, 2), (1, 2)]
        );
        assert_eq!(
            shared_sketch_pairs(pairs.iter().copied(), &sketches_of, 0.6),
            Vec::<(u32, u32)>::new()
        );
    }

    #[test]
    fn large_buckets_are_stars_around_the_best_rank() {
        let n = 200u32;
        let sketches = vec![5u32; n as usize * 4];
        let owner: Vec<u32> = (0..n).collect();
        let rank: Vec<u32> = (0..n).map(|d| (d + 50) % n).collect(); // doc 150 ranks best
        let sk = Sketches {
            values: &sketches,
            width: 4,
            owner: &owner,
        };
        let one_band = Bands { bands: 1, rows: 4 };
        let pairs = candidates(sk, &owner, &rank, one_band, BucketPolicy::PAGES);
        assert!(pairs.len() < 2 * n as usize);
        for d in (0..n).filter(|&d| d != 150) {
            assert!(
                pairs.contains(&(d.min(150), d.max(150))),
                "{d} linked to the best-ranked"
            );
        }
    }
}
