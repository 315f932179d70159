//! 64-bit SimHash fingerprints (Charikar, STOC 2002), 8 bytes per page.
//!
//! Input: the shingle hashes of a document in text order, repeats included (the same `u64` xxh3
//! values the MinHash sketch takes). Output: one `u64`. Every shingle votes on each of the 64 bits
//! with its weight: `+w` where its own hash has a 1, `-w` where it has a 0 (the xxh3 bits are
//! already uniform and independent, so the hash is the random hyperplane projection); a fingerprint
//! bit is 1 where the sum is positive.
//!
//! Invariant: equal shingle multisets give equal fingerprints, whatever their order; for two
//! weighted shingle vectors at angle θ, `Pr[bit differs] = θ / π`, so the Hamming distance
//! estimates the cosine similarity ([`cosine_estimate`]). Cost: the sort of the page's shingles
//! (for term frequencies, as shingle sets are sorted anyway) plus one flat 64-lane
//! add per distinct shingle, which the compiler vectorizes (compare-and-mask on 32-bit halves).
//!
//! Weights ([`Weighting`]). A template page repeats chrome (related-article titles, "优秀范文"
//! lines) many times, while an article's own 5-character shingles rarely repeat. Raw term
//! frequency lets repeated chrome outvote the article; a set (every distinct shingle weight 1)
//! ignores repetition altogether; `1 + ln tf` sits between them. An IDF factor would push chrome
//! down further but needs corpus document frequencies, that is a first pass over every page (the
//! normalization that dominates the cost of a scan) or the shingles of every page held in memory
//! until the second; the measurements in the README compare the three in-page weightings.

/// Bits per fingerprint.
pub const BITS: u32 = 64;

/// How a shingle's occurrences within one page weigh in its fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// Every distinct shingle weighs 1 (the shingle set, as MinHash sees it).
    Set,
    /// Every occurrence weighs 1 (raw term frequency).
    Tf,
    /// A shingle occurring `tf` times weighs `1 + ln tf` (log-damped term frequency).
    LogTf,
}

/// Fixed-point scale of weights: `1 + ln tf` is kept in units of 1/16.
const SCALE: f64 = 16.0;
/// Items accumulated in `i32` lanes before they are flushed to `i64` (no overflow: 65,536 ×
/// the largest weight, 16 × (1 + ln 2³²) ≈ 371, stays below 2³¹).
const FLUSH_EVERY: usize = 1 << 16;

/// Computes SimHash fingerprints with one weighting.
#[derive(Debug, Clone, Copy)]
pub struct SimHasher {
    weighting: Weighting,
}

impl Default for SimHasher {
    /// The weighting `neardup scan --method simhash` uses (chosen by measurement, see README).
    fn default() -> Self {
        SimHasher::new(Weighting::LogTf)
    }
}

impl std::str::FromStr for Weighting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "set" => Ok(Weighting::Set),
            "tf" => Ok(Weighting::Tf),
            "log-tf" => Ok(Weighting::LogTf),
            other => Err(format!(
                "unknown weighting {other:?} (expected log-tf, tf or set)"
            )),
        }
    }
}

impl SimHasher {
    pub fn new(weighting: Weighting) -> Self {
        SimHasher { weighting }
    }

    pub fn weighting(&self) -> Weighting {
        self.weighting
    }

    /// The fingerprint of a document's shingle hashes (text order, repeats included). `scratch`
    /// is reused between calls to sort a copy of them. An empty input gives 0.
    pub fn fingerprint(&self, shingles: &[u64], scratch: &mut Vec<u64>) -> u64 {
        let mut acc = Accumulator::new();
        match self.weighting {
            Weighting::Tf => {
                for &h in shingles {
                    acc.add(h, SCALE as i32);
                }
            }
            Weighting::Set | Weighting::LogTf => {
                scratch.clear();
                scratch.extend_from_slice(shingles);
                scratch.sort_unstable();
                let log = self.weighting == Weighting::LogTf;
                for run in scratch.chunk_by(|a, b| a == b) {
                    let w = if log {
                        log_weight(run.len())
                    } else {
                        SCALE as i32
                    };
                    acc.add(run[0], w);
                }
            }
        }
        acc.finish()
    }
}

/// `16 × (1 + ln tf)`, rounded.
fn log_weight(tf: usize) -> i32 {
    const TABLE: [i32; 9] = [0, 16, 27, 34, 38, 42, 45, 47, 49];
    match TABLE.get(tf) {
        Some(&w) => w,
        None => (SCALE * (1.0 + (tf as f64).ln())).round() as i32,
    }
}

/// Per-bit sums of the weights of the shingles whose hash has that bit set, and the total weight.
/// A bit of the fingerprint is 1 where its set-bit weight exceeds half the total, which is the
/// sign of the ±weight sum.
struct Accumulator {
    lanes: [i32; 64],
    total: i32,
    items: usize,
    wide: [i64; 64],
    wide_total: i64,
}

impl Accumulator {
    fn new() -> Self {
        Accumulator {
            lanes: [0; 64],
            total: 0,
            items: 0,
            wide: [0; 64],
            wide_total: 0,
        }
    }

    #[inline(always)]
    fn add(&mut self, h: u64, w: i32) {
        // Two 32-lane halves of mask-and-add with constant masks: vector compares, no shifts by
        // variable amounts, so SSE2 already vectorizes it (AVX2 twice as wide).
        let (lo, hi) = (h as u32, (h >> 32) as u32);
        let (low_lanes, high_lanes) = self.lanes.split_at_mut(32);
        for (b, lane) in low_lanes.iter_mut().enumerate() {
            *lane += if lo & (1 << b) != 0 { w } else { 0 };
        }
        for (b, lane) in high_lanes.iter_mut().enumerate() {
            *lane += if hi & (1 << b) != 0 { w } else { 0 };
        }
        self.total += w;
        self.items += 1;
        if self.items == FLUSH_EVERY {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (wide, lane) in self.wide.iter_mut().zip(&mut self.lanes) {
            *wide += *lane as i64;
            *lane = 0;
        }
        self.wide_total += self.total as i64;
        self.total = 0;
        self.items = 0;
    }

    fn finish(mut self) -> u64 {
        self.flush();
        let mut print = 0u64;
        for (b, &set) in self.wide.iter().enumerate() {
            print |= ((2 * set > self.wide_total) as u64) << b;
        }
        print
    }
}

/// Number of differing bits.
#[inline]
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Cosine similarity of the two weighted shingle vectors, estimated from the Hamming distance of
/// their fingerprints: `cos(π · d / 64)`.
pub fn cosine_estimate(a: u64, b: u64) -> f64 {
    (std::f64::consts::PI * hamming(a, b) as f64 / BITS as f64).cos()
}

/// Jaccard similarity estimated from two fingerprints, for the `jaccard_estimate` column: for two
/// sets of equal size, `J = c / (2 - c)` where `c` is their cosine. Only an estimate (weights and
/// unequal sizes bend it); like the MinHash estimate, it never decides a pair.
pub fn jaccard_estimate(a: u64, b: u64) -> f64 {
    let c = cosine_estimate(a, b).max(0.0);
    c / (2.0 - c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle;
    use crate::tokenize::{CharTokenizer, Tokenizer};

    fn splitmix64(mut x: u64) -> u64 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    /// The plain definition: a ±weight sum per bit in floating point.
    fn reference(shingles: &[u64], weighting: Weighting) -> u64 {
        let mut counts = std::collections::BTreeMap::new();
        for &h in shingles {
            *counts.entry(h).or_insert(0usize) += 1;
        }
        let mut sums = [0f64; 64];
        for (&h, &tf) in &counts {
            let w = match weighting {
                Weighting::Set => 1.0,
                Weighting::Tf => tf as f64,
                Weighting::LogTf => log_weight(tf) as f64 / SCALE,
            };
            for (b, sum) in sums.iter_mut().enumerate() {
                *sum += if (h >> b) & 1 == 1 { w } else { -w };
            }
        }
        sums.iter()
            .enumerate()
            .fold(0, |p, (b, &s)| p | (((s > 0.0) as u64) << b))
    }

    fn text_shingles(text: &str) -> Vec<u64> {
        let mut norm = crate::normalize::Normalized::new();
        crate::normalize::normalize_document(text, &mut norm);
        let mut ends = Vec::new();
        CharTokenizer.token_ends(&norm.text, &mut ends);
        let mut out = Vec::new();
        shingle::shingles_in(&norm.text, &ends, 0, ends.len(), 5, &mut out);
        out
    }

    fn seed(prefix: &str) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
        let path = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .unwrap_or_else(|| panic!("no seed {prefix}"));
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn matches_the_plain_definition() {
        let mut scratch = Vec::new();
        for n in [1usize, 2, 7, 300, 5000] {
            // Repeats: every third shingle is drawn again.
            let shingles: Vec<u64> = (0..n as u64)
                .map(|i| splitmix64(if i % 3 == 2 { i / 3 } else { i }))
                .collect();
            for w in [Weighting::Set, Weighting::Tf, Weighting::LogTf] {
                assert_eq!(
                    SimHasher::new(w).fingerprint(&shingles, &mut scratch),
                    reference(&shingles, w),
                    "n={n} {w:?}"
                );
            }
        }
        assert_eq!(SimHasher::default().fingerprint(&[], &mut scratch), 0);
    }

    #[test]
    fn order_does_not_matter_and_tf_counts() {
        let mut scratch = Vec::new();
        let a: Vec<u64> = (0..500).map(splitmix64).collect();
        let mut b = a.clone();
        b.reverse();
        let h = SimHasher::default();
        assert_eq!(
            h.fingerprint(&a, &mut scratch),
            h.fingerprint(&b, &mut scratch)
        );
        // Doubling every shingle changes no sign.
        let doubled: Vec<u64> = a.iter().chain(&a).copied().collect();
        for w in [Weighting::Set, Weighting::Tf, Weighting::LogTf] {
            let s = SimHasher::new(w);
            assert_eq!(
                s.fingerprint(&a, &mut scratch),
                s.fingerprint(&doubled, &mut scratch)
            );
        }
    }

    #[test]
    fn distance_tracks_the_angle() {
        // Sets of 4,000 with overlap o: cosine o / 4000, expected distance 64 θ / π.
        let mut scratch = Vec::new();
        let h = SimHasher::new(Weighting::Set);
        let base: Vec<u64> = (0..4000).map(splitmix64).collect();
        for overlap in [4000u64, 3960, 3600, 2000, 0] {
            let other: Vec<u64> = (4000 - overlap..8000 - overlap).map(splitmix64).collect();
            let d = hamming(
                h.fingerprint(&base, &mut scratch),
                h.fingerprint(&other, &mut scratch),
            ) as f64;
            let cos = overlap as f64 / 4000.0;
            let expected = 64.0 * cos.acos() / std::f64::consts::PI;
            // Binomial(64, p): standard deviation at most 4 bits.
            assert!(
                (d - expected).abs() <= 12.0,
                "overlap {overlap}: {d} vs {expected}"
            );
        }
    }

    #[test]
    fn near_duplicate_seed_text_is_close_and_unrelated_text_is_far() {
        let mut scratch = Vec::new();
        let h = SimHasher::default();
        let original = seed("000_");
        // A copy: one ad line in, a few characters out, the year a placeholder.
        let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
        lines.insert(5, "www.xiexiebang.com【xiexiebang.com范文网】".to_string());
        let mid = lines.len() / 2;
        lines[mid] = lines[mid].chars().skip(6).collect();
        let copy = lines.join("\n").replace("2011年", "20xx年");
        let (a, b) = (text_shingles(&original), text_shingles(&copy));
        let (fa, fb) = (
            h.fingerprint(&a, &mut scratch),
            h.fingerprint(&b, &mut scratch),
        );
        // A copy changing about 2 % of the shingles has cosine ≈ 0.98: about 4 bits expected.
        assert!(
            hamming(fa, fb) <= 8,
            "near copy at distance {}",
            hamming(fa, fb)
        );
        assert!(jaccard_estimate(fa, fb) > 0.7);
        for other in ["001_", "002_", "003_", "004_"] {
            let fo = h.fingerprint(&text_shingles(&seed(other)), &mut scratch);
            let d = hamming(fa, fo);
            assert!(d >= 16, "unrelated seed {other} at distance {d}");
            assert!(jaccard_estimate(fa, fo) < 0.5);
        }
    }
}
