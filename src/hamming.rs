//! Hamming search: 64-bit SimHash fingerprints → candidate pairs within Hamming distance `k`.
//!
//! Input: one fingerprint per document (`prints[doc]`, a flat slice), the documents to search,
//! a rank per document (lower is a better representative) and `k` ≤ [`MAX_K`]. Output: candidate
//! document pairs `(a, b)` with `a < b`, sorted and unique, which the pipeline verifies exactly
//! like LSH candidates.
//!
//! Method: block partitioning (Manku, Jain, Das Sarma, WWW 2007). The 64 bits are cut into `k + 1`
//! contiguous blocks; two fingerprints within distance `k` differ in at most `k` blocks, so they
//! agree exactly on at least one (pigeonhole). For each block the documents are sorted by that
//! block's bits, and only documents in the same run are compared, with one popcount of their XOR.
//! A pair is emitted only by the *first* block it agrees on, so no pair is produced twice and
//! [`pairs_within`] equals brute force exactly (tested for every `k` up to [`MAX_K`]).
//!
//! Bulk copies: documents with the same fingerprint are collapsed first, around their best-ranked
//! member. A group of up to [`ALL_PAIRS_UP_TO`] yields all its pairs, a larger one a star around
//! that member plus a chain (as LSH page buckets do), so a page copied 10,000 times costs 20,000
//! pairs, not 50 million. The search runs on one member per group; a pair of groups both within the
//! limit expands to all their member pairs (then the output is exactly every pair within `k`),
//! otherwise it stays the pair of best-ranked members, through which clustering reaches the rest.
//!
//! Cost: `k + 1` sorts of `n` (block, doc) pairs, plus one XOR and popcount per pair sharing a
//! block. For random fingerprints that is about `(k + 1) · n² / 2 / 2^(64 / (k + 1))` popcounts:
//! negligible for `k` = 3 (16-bit blocks) up to millions of pages, quadratic in practice for
//! `k` = 8 (7-bit blocks: n² / 28), which is why 3 is the default. Memory: 12 bytes per document
//! and block being sorted, plus the output.

/// The largest supported distance (9 blocks of 7 or 8 bits).
pub const MAX_K: u32 = 8;

/// Documents sharing one fingerprint yield all their pairs up to this many.
pub const ALL_PAIRS_UP_TO: usize = 64;

/// The `k + 1` blocks as `(shift, mask)`: contiguous, covering all 64 bits, sizes differing by at
/// most one bit.
pub fn blocks(k: u32) -> Vec<(u32, u64)> {
    assert!(k <= MAX_K, "k must be at most {MAX_K}");
    let count = k + 1;
    let (base, extra) = (64 / count, 64 % count);
    let mut shift = 0;
    (0..count)
        .map(|j| {
            let width = base + (j < extra) as u32;
            let mask = if width == 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            let block = (shift, mask);
            shift += width;
            block
        })
        .collect()
}

/// The index of the first block on which two fingerprints with XOR `diff` agree.
fn first_equal_block(diff: u64, blocks: &[(u32, u64)]) -> usize {
    blocks
        .iter()
        .position(|&(shift, mask)| (diff >> shift) & mask == 0)
        .unwrap_or(blocks.len())
}

/// Every pair of `ids` (distinct indices into `prints`) whose fingerprints differ in at most `k`
/// bits, as `(a, b)` with `a < b`, sorted. Exact: no pair is missed or repeated.
pub fn pairs_within(prints: &[u64], ids: &[u32], k: u32) -> Vec<(u32, u32)> {
    let blocks = blocks(k);
    let mut out = Vec::new();
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(ids.len());
    for (j, &(shift, mask)) in blocks.iter().enumerate() {
        keyed.clear();
        keyed.extend(
            ids.iter()
                .map(|&d| ((prints[d as usize] >> shift) & mask, d)),
        );
        keyed.sort_unstable();
        for run in keyed.chunk_by(|x, y| x.0 == y.0) {
            for (i, &(_, a)) in run.iter().enumerate() {
                let fa = prints[a as usize];
                for &(_, b) in &run[i + 1..] {
                    let diff = fa ^ prints[b as usize];
                    if diff.count_ones() <= k && first_equal_block(diff, &blocks) == j {
                        out.push((a.min(b), a.max(b)));
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Candidate pairs of the documents `include`: equal fingerprints collapsed (see the module docs),
/// then [`pairs_within`] over one member per fingerprint. Sorted and unique.
pub fn candidates(prints: &[u64], include: &[u32], rank: &[u32], k: u32) -> Vec<(u32, u32)> {
    let mut by_print: Vec<(u64, u32, u32)> = include
        .iter()
        .map(|&d| (prints[d as usize], rank[d as usize], d))
        .collect();
    by_print.sort_unstable();
    let groups: Vec<&[(u64, u32, u32)]> = by_print.chunk_by(|x, y| x.0 == y.0).collect();
    let mut pairs = Vec::new();
    let mut push = |a: u32, b: u32| pairs.push((a.min(b), a.max(b)));
    let mut group_of = vec![u32::MAX; prints.len()];
    let mut leaders = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        let leader = group[0].2;
        group_of[leader as usize] = g as u32;
        leaders.push(leader);
        if group.len() <= ALL_PAIRS_UP_TO {
            for (i, x) in group.iter().enumerate() {
                for y in &group[i + 1..] {
                    push(x.2, y.2);
                }
            }
        } else {
            for w in group.windows(2) {
                push(leader, w[1].2);
                push(w[0].2, w[1].2);
            }
        }
    }
    for (x, y) in pairs_within(prints, &leaders, k) {
        let (gx, gy) = (
            groups[group_of[x as usize] as usize],
            groups[group_of[y as usize] as usize],
        );
        if gx.len() <= ALL_PAIRS_UP_TO && gy.len() <= ALL_PAIRS_UP_TO {
            for a in gx {
                for b in gy {
                    push(a.2, b.2);
                }
            }
        } else {
            push(x, y);
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = self.0;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        }

        /// `x` with `d` distinct random bits flipped.
        fn flip(&mut self, x: u64, d: u32) -> u64 {
            let mut mask = 0u64;
            while mask.count_ones() < d {
                mask |= 1 << (self.next() % 64);
            }
            x ^ mask
        }
    }

    /// Random fingerprints with planted neighbours at every distance from 0 to 10 (so some lie
    /// just inside and some just outside every `k`), and a few exact copies.
    fn planted(n: usize, seed: u64) -> Vec<u64> {
        let mut rng = Rng(seed);
        let mut prints = Vec::with_capacity(n);
        while prints.len() < n {
            let base = rng.next();
            prints.push(base);
            let copies = rng.next() % 4;
            for _ in 0..copies {
                let d = (rng.next() % 11) as u32;
                prints.push(rng.flip(base, d));
            }
        }
        prints.truncate(n);
        prints
    }

    fn brute_force(prints: &[u64], ids: &[u32], k: u32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                if (prints[a as usize] ^ prints[b as usize]).count_ones() <= k {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn blocks_cover_all_bits() {
        for k in 0..=MAX_K {
            let blocks = blocks(k);
            assert_eq!(blocks.len(), k as usize + 1);
            let mut covered = 0u64;
            for &(shift, mask) in &blocks {
                assert_eq!(covered & (mask << shift), 0, "k={k}: blocks overlap");
                covered |= mask << shift;
            }
            assert_eq!(covered, u64::MAX, "k={k}");
            let widths: Vec<u32> = blocks.iter().map(|b| b.1.count_ones()).collect();
            assert!(widths.iter().max().unwrap() - widths.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn pairs_within_equals_brute_force_for_every_k() {
        let prints = planted(1500, 11);
        // Every other document, in a scrambled order: ids need not be sorted or dense.
        let mut ids: Vec<u32> = (0..prints.len() as u32).step_by(2).collect();
        ids.reverse();
        ids.swap(3, 300);
        for k in 0..=MAX_K {
            let expected = brute_force(&prints, &ids, k);
            assert!(
                expected.len() >= 10,
                "k={k}: {} planted pairs",
                expected.len()
            );
            assert_eq!(pairs_within(&prints, &ids, k), expected, "k={k}");
        }
    }

    #[test]
    fn candidates_equal_brute_force_with_small_groups_of_copies() {
        let mut prints = planted(1200, 5);
        // Groups of identical fingerprints (2 to 40 members), some near other groups.
        let mut rng = Rng(99);
        for g in 0..20 {
            let at = (rng.next() % 1000) as usize;
            let (len, copy) = (prints.len(), prints[at]);
            for c in 1..=(2 + g * 2) {
                prints[(at + c * 7) % len] = copy;
            }
        }
        let include: Vec<u32> = (0..prints.len() as u32).collect();
        let rank: Vec<u32> = include.iter().rev().copied().collect();
        for k in [0, 1, 3, 5, MAX_K] {
            assert_eq!(
                candidates(&prints, &include, &rank, k),
                brute_force(&prints, &include, k),
                "k={k}"
            );
        }
    }

    #[test]
    fn bulk_copies_are_a_star_around_the_best_rank() {
        let n = 500u32;
        let mut prints = vec![0xdead_beef_u64; n as usize];
        prints[0] = 0xdead_beef ^ 0b101; // a near neighbour of the copies
        prints[1] = 0x1234_5678_9abc_def0; // unrelated
        let include: Vec<u32> = (0..n).collect();
        let rank: Vec<u32> = (0..n).map(|d| (d + n - 100) % n).collect(); // doc 100 ranks best
        let pairs = candidates(&prints, &include, &rank, 3);
        assert!(pairs.len() < 2 * n as usize, "{} pairs", pairs.len());
        for d in (2..n).filter(|&d| d != 100) {
            assert!(
                pairs.binary_search(&(d.min(100), d.max(100))).is_ok(),
                "{d}"
            );
        }
        assert!(
            pairs.binary_search(&(0, 100)).is_ok(),
            "near neighbour linked"
        );
        assert!(!pairs.iter().any(|&(a, b)| a == 1 || b == 1));
    }

    #[test]
    fn nothing_to_search() {
        assert!(pairs_within(&[], &[], 3).is_empty());
        assert!(candidates(&[7], &[0], &[0], 3).is_empty());
    }
}
