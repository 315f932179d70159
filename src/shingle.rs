//! Shingle: tokens → the set of hashed k-token shingles.
//!
//! Input: normalized text and its token end offsets ([`crate::tokenize`]). Output: the xxh3 hashes
//! (seeded) of every run of `k` consecutive tokens, as a sequence (for sketches) or as a sorted,
//! deduplicated set (for exact verification). Tokens are contiguous,
//! so a shingle is one byte slice of the text and hashing it allocates nothing.
//!
//! Invariant: a non-empty text always has at least one shingle. A text of fewer than `k` tokens
//! gets one shingle, the hash of its whole text, so short pages get a real fingerprint instead of
//! the empty set that would make all short pages equal. Cost: one xxh3 per token (~4 ns) plus a
//! sort of the hashes.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed of the shingle hash; changing it changes every fingerprint.
pub const SHINGLE_SEED: u64 = 0x6e65_6172_6475_7031;

/// Writes the shingle hashes of the tokens `ends[first..last]` of `text`, in text order, repeats
/// included: all a MinHash sketch needs. [`shingle_set`] sorts and deduplicates them.
///
/// `ends` are token end offsets in `text`; the first token of the range starts at the end of token
/// `first - 1` (or at 0).
pub fn shingles_in(
    text: &str,
    ends: &[u32],
    first: usize,
    last: usize,
    k: usize,
    out: &mut Vec<u64>,
) {
    out.clear();
    let bytes = text.as_bytes();
    let start_of = |i: usize| if i == 0 { 0 } else { ends[i - 1] as usize };
    let n = last - first;
    if n == 0 {
        return;
    }
    if n < k {
        out.push(xxh3_64_with_seed(
            &bytes[start_of(first)..ends[last - 1] as usize],
            SHINGLE_SEED,
        ));
        return;
    }
    out.reserve(n + 1 - k);
    for i in first..=last - k {
        let slice = &bytes[start_of(i)..ends[i + k - 1] as usize];
        out.push(xxh3_64_with_seed(slice, SHINGLE_SEED));
    }
}

/// The shingle set of a whole text: sorted and deduplicated 64-bit hashes.
pub fn shingle_set(text: &str, ends: &[u32], k: usize, out: &mut Vec<u64>) {
    shingles_in(text, ends, 0, ends.len(), k, out);
    out.sort_unstable();
    out.dedup();
}

/// The set verification compares: the high 32 bits of each shingle hash, sorted and deduplicated.
pub fn fingerprint_set(hashes: &[u64]) -> Vec<u32> {
    let mut set = Vec::new();
    fingerprint_set_into(hashes, &mut set);
    set
}

/// [`fingerprint_set`] into `set` (cleared first), reusing its allocation.
pub fn fingerprint_set_into(hashes: &[u64], set: &mut Vec<u32>) {
    set.clear();
    set.extend(hashes.iter().map(|&h| fingerprint(h)));
    let len = sort_dedup(set);
    set.truncate(len);
}

/// The value a shingle hash has in a set: its high 32 bits.
#[inline]
pub fn fingerprint(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// Sorts `values` ([`sort_u32`]) and moves the distinct ones to the front, in order: returns
/// how many there are. What follows them is left unspecified.
pub fn sort_dedup(values: &mut [u32]) -> usize {
    sort_u32(values);
    let mut len = 0;
    for i in 0..values.len() {
        if len == 0 || values[i] != values[len - 1] {
            values[len] = values[i];
            len += 1;
        }
    }
    len
}

/// Sorts `values`, which are hashes (spread evenly over the 32 bits): a bucket sort for 64 or
/// more ([`spread_sort`]), `sort_unstable` below. Values that are not spread evenly sort as fast
/// as before: a bucket that holds many is a sign of them, and they go to a radix sort instead.
pub fn sort_u32(values: &mut [u32]) {
    if values.len() < 64 {
        values.sort_unstable();
        return;
    }
    // The buffers of the passes are the thread's, kept from one call to the next: a page's set
    // is sorted once per page, and allocating them each time cost as much as a pass.
    let (mut other, mut counts) = SORT_BUFFERS.take();
    if !spread_sort(values, &mut other, &mut counts) {
        radix_sort_by::<_, 2048, 3>(values, &mut other, false, |&x, d| {
            (x >> (11 * d)) as usize & 2047
        });
    }
    SORT_BUFFERS.set((other, counts));
}

thread_local! {
    static SORT_BUFFERS: std::cell::Cell<(Vec<u32>, Vec<u32>)> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// The most values one bucket of [`spread_sort`] may hold: an insertion sort of a bucket
/// costs the square of its size.
const SPREAD_BUCKET_MAX: u32 = 32;

/// Sorts `values` if they are spread evenly enough, and returns whether it did (`values` are
/// left as they were otherwise): one pass counts the values in each of the next power of two
/// at or above their number of buckets, by their high bits; one moves them to `other`, bucket
/// by bucket; and one moves them back, each bucket sorted by insertion on the way (a bucket
/// holds about one value). Three passes where [`radix_sort_by`] with 11-bit digits makes
/// four, and no more than one bucket's values out of order at once. The `shingle/fingerprint-set`
/// bench (the sets of the bench pages, sorted and deduplicated), three alternating runs against
/// the radix sorts it replaced (8-bit passes from 500 values, 11-bit from 1,000): 281 against
/// 198 MiB/s, medians.
fn spread_sort(values: &mut [u32], other: &mut Vec<u32>, counts: &mut Vec<u32>) -> bool {
    let n = values.len();
    if n < 2 {
        return true;
    }
    let bits = usize::BITS - (n - 1).leading_zeros();
    let shift = 32 - bits;
    let bucket = |v: u32| (v >> shift) as usize;
    // `counts[b + 1]` counts bucket `b`, then `counts[b]` is where it starts.
    counts.clear();
    counts.resize((1 << bits) + 1, 0);
    for &v in values.iter() {
        counts[bucket(v) + 1] += 1;
    }
    let mut sum = 0;
    for c in counts.iter_mut() {
        if *c > SPREAD_BUCKET_MAX {
            return false;
        }
        sum += *c;
        *c = sum;
    }
    // Every slot of `other[..n]` is written below: only new ones are filled here.
    if other.len() < n {
        other.resize(n, 0);
    }
    let other = &mut other[..n];
    for &v in values.iter() {
        let next = &mut counts[bucket(v)];
        other[*next as usize] = v;
        *next += 1;
    }
    // Buckets in order of their high bits: a value only passes smaller ones of its own bucket.
    for (i, &v) in other.iter().enumerate() {
        let mut j = i;
        while j > 0 && values[j - 1] > v {
            values[j] = values[j - 1];
            j -= 1;
        }
        values[j] = v;
    }
    true
}

/// Sorts `values` by a least-significant-digit radix sort over `PASSES` digits of `BUCKETS`
/// values each, `digit(value, d)` being digit `d` from the least significant; with
/// `skip_shared`, a pass whose digit every value shares is skipped (for small numbers; on
/// hashes the check cost a sixth of the sort). Each pass is stable, so the values end in the
/// order of their digits read together. `other` is the second buffer of the passes (what it
/// holds is lost).
#[inline]
pub fn radix_sort_by<T: Copy, const BUCKETS: usize, const PASSES: usize>(
    values: &mut [T],
    other: &mut Vec<T>,
    skip_shared: bool,
    digit: impl Fn(&T, usize) -> usize,
) {
    let Some(&first) = values.first() else {
        return;
    };
    let n = u32::try_from(values.len()).expect("fewer than 2^32 values");
    let mut counts = [[0u32; BUCKETS]; PASSES];
    for v in values.iter() {
        for (d, count) in counts.iter_mut().enumerate() {
            count[digit(v, d)] += 1;
        }
    }
    // Every slot is written by the first pass: only new ones are filled here.
    other.resize(values.len(), first);
    // Whether the values, sorted so far, are in `other`.
    let mut moved = false;
    for (d, count) in counts.iter_mut().enumerate() {
        if skip_shared && count[digit(&first, d)] == n {
            continue;
        }
        let mut sum = 0;
        for c in count.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        let (from, to): (&[T], &mut [T]) = if moved {
            (other, values)
        } else {
            (values, other)
        };
        for v in from {
            let slot = &mut count[digit(v, d)];
            to[*slot as usize] = *v;
            *slot += 1;
        }
        moved = !moved;
    }
    if moved {
        values.copy_from_slice(other);
    }
}

/// The token index range `[first, last)` of tokens lying wholly inside bytes `[start, end)`.
pub fn token_range(ends: &[u32], start: u32, end: u32) -> (usize, usize) {
    // Token i starts at ends[i-1] (or 0). The tokens ending before `start` and the one after them
    // start before `start`; the next one is the first inside.
    let first = if start == 0 {
        0
    } else {
        ends.partition_point(|&e| e < start) + 1
    };
    let last = ends.partition_point(|&e| e <= end);
    (first.min(last), last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::{CharTokenizer, Tokenizer};
    use std::collections::HashSet;

    fn char_shingles(text: &str, k: usize) -> Vec<u64> {
        let mut ends = Vec::new();
        CharTokenizer.token_ends(text, &mut ends);
        let mut out = Vec::new();
        shingle_set(text, &ends, k, &mut out);
        out
    }

    #[test]
    fn matches_a_plain_reference() {
        let text = "工会工作总结工会工作总结范文";
        let chars: Vec<char> = text.chars().collect();
        let expected: HashSet<u64> = chars
            .windows(3)
            .map(|w| xxh3_64_with_seed(w.iter().collect::<String>().as_bytes(), SHINGLE_SEED))
            .collect();
        let got = char_shingles(text, 3);
        assert_eq!(got.len(), expected.len());
        assert_eq!(got.iter().copied().collect::<HashSet<_>>(), expected);
        assert!(got.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }

    #[test]
    fn sorts_equal_sort_unstable() {
        let mut state = 3u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 29) % m
        };
        for len in [0, 1, 5, 63, 64, 65, 499, 500, 1000, 1025, 3000, 20_000] {
            // Few values, values crowded into the low buckets (a radix sort takes them), and
            // values crowding some buckets a little (sorted by insertion), and hashes.
            for range in [3u64, 1 << 12, 1 << 28, 1 << 32] {
                let mut v: Vec<u32> = (0..len).map(|_| next(range) as u32).collect();
                let mut expected = v.clone();
                expected.sort_unstable();
                let mut distinct = v.clone();
                sort_u32(&mut v);
                assert_eq!(v, expected, "len {len} range {range}");
                // The distinct values in front, as `dedup` leaves them (repeats at small ranges).
                let n = sort_dedup(&mut distinct);
                expected.dedup();
                assert_eq!(distinct[..n], expected, "len {len} range {range}");
            }
        }
        let hashes: Vec<u64> = (0..5000).map(|_| next(1 << 40) << 20).collect();
        let mut plain: Vec<u32> = hashes.iter().map(|&h| (h >> 32) as u32).collect();
        plain.sort_unstable();
        plain.dedup();
        assert_eq!(fingerprint_set(&hashes), plain);
    }

    #[test]
    fn short_texts_get_a_real_fingerprint() {
        assert_eq!(char_shingles("工会", 5).len(), 1);
        assert_ne!(char_shingles("工会", 5), char_shingles("总结", 5));
        assert!(char_shingles("", 5).is_empty());
    }

    #[test]
    fn token_ranges_inside_byte_ranges() {
        // tokens: ab | cd | ef | g  (ends 2,4,6,7)
        let ends = [2, 4, 6, 7];
        assert_eq!(token_range(&ends, 0, 7), (0, 4));
        assert_eq!(token_range(&ends, 2, 6), (1, 3));
        assert_eq!(token_range(&ends, 3, 6), (2, 3)); // "cd" straddles the start
        assert_eq!(token_range(&ends, 2, 5), (1, 2)); // "ef" straddles the end
        assert_eq!(token_range(&ends, 6, 7), (3, 4));
    }
}
