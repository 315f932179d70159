//! Verify: candidate pairs → exact similarities.
//!
//! Input: two sorted, deduplicated shingle sets. Output: the size of their intersection, from which
//! Jaccard and both containments follow. LSH estimates never decide a pair; this does.
//! Cost: one merge over both sets, O(|A| + |B|).

/// Exact overlap of two shingle sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Similarity {
    pub intersection: u32,
    pub len_a: u32,
    pub len_b: u32,
}

impl Similarity {
    pub fn jaccard(&self) -> f64 {
        let union = self.len_a + self.len_b - self.intersection;
        if union == 0 {
            0.0
        } else {
            self.intersection as f64 / union as f64
        }
    }

    /// Share of A's shingles that are in B.
    pub fn a_in_b(&self) -> f64 {
        if self.len_a == 0 {
            0.0
        } else {
            self.intersection as f64 / self.len_a as f64
        }
    }

    /// Share of B's shingles that are in A.
    pub fn b_in_a(&self) -> f64 {
        if self.len_b == 0 {
            0.0
        } else {
            self.intersection as f64 / self.len_b as f64
        }
    }

    /// The same overlap seen from B.
    pub fn swapped(&self) -> Similarity {
        Similarity {
            intersection: self.intersection,
            len_a: self.len_b,
            len_b: self.len_a,
        }
    }
}

/// Compares two sorted, deduplicated sets.
pub fn compare(a: &[u64], b: &[u64]) -> Similarity {
    // Branch-free merge: the order of two random hashes is a coin toss, which a branch predictor
    // cannot learn; advancing by comparison results keeps the loop free of mispredictions.
    let (mut i, mut j, mut inter) = (0, 0, 0u32);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        inter += (x == y) as u32;
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    Similarity {
        intersection: inter,
        len_a: a.len() as u32,
        len_b: b.len() as u32,
    }
}

/// When two documents are near-duplicates.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Jaccard at or above this: near-duplicates.
    pub jaccard: f64,
    /// Containment of the smaller in the larger at or above this: contained.
    pub containment: f64,
    /// A document counts as contained only if it has at least this many shingles, so a page of
    /// a few words is not "contained" in every page that uses them.
    pub min_contained_shingles: u32,
}

/// How a member relates to its representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Duplicate,
    /// The member's text is (mostly) inside the representative's.
    Contained,
}

impl Thresholds {
    /// How `member` (A of `sim`) matches `rep` (B of `sim`), if it does.
    pub fn member_match(&self, sim: &Similarity) -> Option<Match> {
        if sim.jaccard() >= self.jaccard {
            Some(Match::Duplicate)
        } else if sim.len_a >= self.min_contained_shingles && sim.a_in_b() >= self.containment {
            Some(Match::Contained)
        } else {
            None
        }
    }

    /// Whether a pair is reported: near-duplicates, or either one contained in the other.
    pub fn is_pair(&self, sim: &Similarity) -> bool {
        self.member_match(sim).is_some() || self.member_match(&sim.swapped()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarities() {
        let a = [1, 2, 3, 4];
        let b = [3, 4, 5, 6, 7, 8, 9, 10];
        let s = compare(&a, &b);
        assert_eq!(
            s,
            Similarity {
                intersection: 2,
                len_a: 4,
                len_b: 8
            }
        );
        assert!((s.jaccard() - 0.2).abs() < 1e-12);
        assert_eq!(s.a_in_b(), 0.5);
        assert_eq!(s.b_in_a(), 0.25);
        assert_eq!(compare(&[], &[]).jaccard(), 0.0);
    }

    #[test]
    fn matches_and_pairs() {
        let t = Thresholds {
            jaccard: 0.7,
            containment: 0.8,
            min_contained_shingles: 3,
        };
        let inside = compare(&[1, 2, 3, 4, 5], &(1..=20).collect::<Vec<_>>());
        assert_eq!(t.member_match(&inside), Some(Match::Contained));
        assert_eq!(t.member_match(&inside.swapped()), None);
        assert!(t.is_pair(&inside.swapped()));
        let tiny = compare(&[1, 2], &(1..=20).collect::<Vec<_>>());
        assert!(!t.is_pair(&tiny), "too small to count as contained");
        let near = compare(&(1..=10).collect::<Vec<_>>(), &(2..=11).collect::<Vec<_>>());
        assert_eq!(t.member_match(&near), Some(Match::Duplicate));
    }
}
