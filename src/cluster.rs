//! Cluster: verified pairs → clusters around representatives, without chaining.
//!
//! Input: the verified pairs (edges), a rank per document (lower is a better representative: the
//! longest normalized text, ties by id) and a way to compare any two documents exactly. Output: for
//! every document its representative and its [`Role`].
//!
//! Union-find groups documents into connected components; within a component, documents are taken
//! in rank order and each joins the best representative it matches *directly* (verified against
//! that representative, not through a chain), else becomes a representative itself. Two reports
//! that only share site chrome, or each resemble a third page, stay apart. Only representatives
//! that are neighbours of the document, or representatives of its neighbours, are tried, so the
//! cost is bounded by the degree. With every matching pair as an edge this equals the greedy
//! reference that tries every representative (tested).

use crate::verify::{Match, Similarity, Thresholds};

/// Union-find as two vectors, with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// What a document is in its cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Kept: the best page of a cluster of two or more.
    Representative,
    /// Dropped: a near-duplicate of its representative.
    Duplicate,
    /// Dropped: its text is inside its representative's.
    Contained,
    /// Kept: no near-duplicate.
    Unique,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Representative => "representative",
            Role::Duplicate => "duplicate",
            Role::Contained => "contained",
            Role::Unique => "unique",
        }
    }

    pub fn kept(self) -> bool {
        matches!(self, Role::Representative | Role::Unique)
    }
}

/// A document's place in the clustering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    pub representative: u32,
    pub role: Role,
    /// Similarity to the representative (member = A); `None` for representatives.
    pub similarity: Option<Similarity>,
}

/// Clusters documents `0..n`. `sim(a, b)` compares two documents exactly (a = member).
pub fn cluster(
    n: usize,
    edges: &[(u32, u32)],
    rank: &[u32],
    thresholds: &Thresholds,
    sim: impl FnMut(u32, u32) -> Similarity,
) -> Vec<Assignment> {
    cluster_impl(n, edges, None, rank, thresholds, sim)
}

/// [`cluster`] with the similarity of every edge already known: `known(k)` is
/// `sim(edges[k].0, edges[k].1)` (a function, so that a caller can keep less than a
/// [`Similarity`] per edge). A document is compared with a representative it has an edge to
/// from `known`; `sim` is asked only about the others (a neighbour's representative).
pub fn cluster_known(
    n: usize,
    edges: &[(u32, u32)],
    known: &dyn Fn(usize) -> Similarity,
    rank: &[u32],
    thresholds: &Thresholds,
    sim: impl FnMut(u32, u32) -> Similarity,
) -> Vec<Assignment> {
    cluster_impl(n, edges, Some(known), rank, thresholds, sim)
}

fn cluster_impl(
    n: usize,
    edges: &[(u32, u32)],
    known: Option<&dyn Fn(usize) -> Similarity>,
    rank: &[u32],
    thresholds: &Thresholds,
    mut sim: impl FnMut(u32, u32) -> Similarity,
) -> Vec<Assignment> {
    let mut uf = UnionFind::new(n);
    for &(a, b) in edges {
        uf.union(a, b);
    }
    // Adjacency in compressed form.
    let mut degree = vec![0u32; n + 1];
    for &(a, b) in edges {
        degree[a as usize + 1] += 1;
        degree[b as usize + 1] += 1;
    }
    for i in 1..=n {
        degree[i] += degree[i - 1];
    }
    let offsets = degree;
    let mut fill = offsets.clone();
    // Without known similarities: each document's neighbours in edge order. With them: its
    // neighbours sorted by id, each with its edge, to find a representative among them (the
    // choice below does not depend on the order neighbours are seen in: each representative is
    // tried once and the best is a strict maximum over distinct ranks).
    let mut adjacent = vec![0u32; if known.is_none() { edges.len() * 2 } else { 0 }];
    let mut by_id: Vec<(u32, u32)> =
        vec![(0, 0); if known.is_some() { edges.len() * 2 } else { 0 }];
    for (k, &(a, b)) in edges.iter().enumerate() {
        let (at_a, at_b) = (fill[a as usize] as usize, fill[b as usize] as usize);
        if known.is_some() {
            by_id[at_a] = (b, k as u32);
            by_id[at_b] = (a, k as u32);
        } else {
            adjacent[at_a] = b;
            adjacent[at_b] = a;
        }
        fill[a as usize] += 1;
        fill[b as usize] += 1;
    }
    drop(fill);
    if known.is_some() {
        for d in 0..n {
            by_id[offsets[d] as usize..offsets[d + 1] as usize].sort_unstable();
        }
    }

    // Process every document in rank order: within a component, better ranks come first.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&d| (rank[d as usize], d));
    let mut assignment: Vec<Option<Assignment>> = vec![None; n];
    let mut members = vec![0u32; n];
    let mut tried: Vec<u32> = Vec::new();
    for &doc in &order {
        tried.clear();
        let mut best: Option<(u32, Match, Similarity)> = None;
        let range = offsets[doc as usize] as usize..offsets[doc as usize + 1] as usize;
        let neighbours: &mut dyn Iterator<Item = u32> = if known.is_some() {
            &mut by_id[range].iter().map(|&(nb, _)| nb)
        } else {
            &mut adjacent[range].iter().copied()
        };
        for nb in neighbours {
            let Some(nb_assignment) = assignment[nb as usize] else {
                continue;
            };
            let rep = nb_assignment.representative;
            if tried.contains(&rep) {
                continue;
            }
            tried.push(rep);
            let edge = known.and_then(|known| {
                let mine =
                    &by_id[offsets[doc as usize] as usize..offsets[doc as usize + 1] as usize];
                let at = mine.binary_search_by_key(&rep, |&(nb, _)| nb).ok()?;
                let k = mine[at].1 as usize;
                Some(if edges[k].0 == doc {
                    known(k)
                } else {
                    known(k).swapped()
                })
            });
            let s = edge.unwrap_or_else(|| sim(doc, rep));
            let Some(kind) = thresholds.member_match(&s) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((best_rep, best_kind, best_sim)) => {
                    let key = |k: Match, s: &Similarity, r: u32| {
                        (
                            k == Match::Duplicate,
                            s.jaccard(),
                            s.a_in_b(),
                            std::cmp::Reverse(rank[r as usize]),
                        )
                    };
                    key(kind, &s, rep).partial_cmp(&key(*best_kind, best_sim, *best_rep))
                        == Some(std::cmp::Ordering::Greater)
                }
            };
            if better {
                best = Some((rep, kind, s));
            }
        }
        assignment[doc as usize] = Some(match best {
            Some((rep, kind, s)) => {
                members[rep as usize] += 1;
                let role = if kind == Match::Duplicate {
                    Role::Duplicate
                } else {
                    Role::Contained
                };
                Assignment {
                    representative: rep,
                    role,
                    similarity: Some(s),
                }
            }
            None => Assignment {
                representative: doc,
                role: Role::Unique,
                similarity: None,
            },
        });
    }
    assignment
        .into_iter()
        .enumerate()
        .map(|(doc, a)| {
            let mut a = a.expect("every document assigned");
            if a.representative == doc as u32 && members[doc] > 0 {
                a.role = Role::Representative;
            }
            a
        })
        .collect()
}

/// The documents of `edges` in batches of whole connected components, for verification and
/// clustering a batch at a time: every pair and every comparison [`cluster`] makes lies within
/// one component. A batch holds components in order of their smallest document until their
/// `weight` reaches `budget`; a component heavier than `budget` is a batch of its own. Documents in
/// a batch are in `order`; documents without an edge are in none.
pub fn component_batches(
    n: usize,
    edges: &[(u32, u32)],
    weight: impl Fn(u32) -> u64,
    budget: u64,
    order: BatchOrder,
) -> Vec<Vec<u32>> {
    let mut uf = UnionFind::new(n);
    let mut involved = vec![false; n];
    for &(a, b) in edges {
        uf.union(a, b);
        involved[a as usize] = true;
        involved[b as usize] = true;
    }
    // Components numbered in order of their smallest document.
    let mut component_of_root = vec![u32::MAX; n];
    let mut components: Vec<(u64, Vec<u32>)> = Vec::new();
    for d in (0..n as u32).filter(|&d| involved[d as usize]) {
        let root = uf.find(d) as usize;
        if component_of_root[root] == u32::MAX {
            component_of_root[root] = components.len() as u32;
            components.push((0, Vec::new()));
        }
        let c = &mut components[component_of_root[root] as usize];
        c.0 += weight(d);
        c.1.push(d);
    }
    let mut batches: Vec<Vec<u32>> = Vec::new();
    let mut held = 0u64;
    for (w, docs) in components {
        if batches.is_empty() || held.saturating_add(w) > budget {
            batches.push(Vec::new());
            held = 0;
        }
        held += w;
        batches.last_mut().expect("a batch").extend(docs);
    }
    if order == BatchOrder::Sorted {
        for batch in &mut batches {
            batch.sort_unstable();
        }
    }
    batches
}

/// The order of the documents of a batch of [`component_batches`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOrder {
    /// Sorted: the order of a file that holds them by document.
    Sorted,
    /// Each component's documents together and sorted, components in order of their smallest
    /// document: the documents a pair or a cluster compares are near each other.
    Components,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::compare;
    use std::collections::VecDeque;

    fn rng(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn batches_hold_whole_components_within_the_budget() {
        let mut seed = 5;
        let n = 400usize;
        let edges: Vec<(u32, u32)> = (0..300)
            .map(|_| {
                let a = (rng(&mut seed) % n as u64) as u32;
                // Mostly near neighbours: many small components, a few larger ones.
                let b = (a as u64 + 1 + rng(&mut seed) % 6).min(n as u64 - 1) as u32;
                (a.min(b), a.max(b))
            })
            .filter(|(a, b)| a != b)
            .collect();
        let weight = |d: u32| 1 + d as u64 % 3;
        let mut uf = UnionFind::new(n);
        for &(a, b) in &edges {
            uf.union(a, b);
        }
        for (budget, order) in [1, 10, 50, 1_000_000, u64::MAX]
            .into_iter()
            .flat_map(|b| [(b, BatchOrder::Sorted), (b, BatchOrder::Components)])
        {
            let batches = component_batches(n, &edges, weight, budget, order);
            let mut batch_of = vec![usize::MAX; n];
            for (i, batch) in batches.iter().enumerate() {
                if order == BatchOrder::Sorted {
                    assert!(batch.windows(2).all(|w| w[0] < w[1]), "sorted");
                } else {
                    // Components one after the other, each sorted, in order of their first.
                    let runs: Vec<&[u32]> =
                        batch.chunk_by(|&a, &b| uf.find(a) == uf.find(b)).collect();
                    let mut roots: Vec<u32> = runs.iter().map(|r| uf.find(r[0])).collect();
                    assert!(runs.iter().all(|r| r.windows(2).all(|w| w[0] < w[1])));
                    assert!(runs.windows(2).all(|w| w[0][0] < w[1][0]), "by first");
                    roots.sort_unstable();
                    roots.dedup();
                    assert_eq!(roots.len(), runs.len(), "each component in one run");
                }
                for &d in batch {
                    assert_eq!(batch_of[d as usize], usize::MAX, "{d} in one batch");
                    batch_of[d as usize] = i;
                }
                let held: u64 = batch.iter().map(|&d| weight(d)).sum();
                // Over the budget only as one whole component.
                if held > budget {
                    let root = uf.find(batch[0]);
                    assert!(batch.iter().all(|&d| uf.find(d) == root), "budget {budget}");
                }
            }
            for &(a, b) in &edges {
                assert_ne!(batch_of[a as usize], usize::MAX);
                assert_eq!(batch_of[a as usize], batch_of[b as usize], "edge {a}-{b}");
            }
            let involved = batch_of.iter().filter(|&&b| b != usize::MAX).count();
            let expected = (0..n as u32)
                .filter(|&d| edges.iter().any(|&(a, b)| a == d || b == d))
                .count();
            assert_eq!(involved, expected);
            if budget >= 1_000_000 {
                assert_eq!(batches.len(), 1);
            }
            if budget == 10 {
                assert!(batches.len() > 5, "{} batches", batches.len());
            }
        }
    }

    #[test]
    fn union_find_matches_bfs_components() {
        let mut seed = 1;
        let n = 300;
        let edges: Vec<(u32, u32)> = (0..250)
            .map(|_| ((rng(&mut seed) % n) as u32, (rng(&mut seed) % n) as u32))
            .collect();
        let mut uf = UnionFind::new(n as usize);
        for &(a, b) in &edges {
            uf.union(a, b);
        }
        // BFS reference.
        let mut adj = vec![Vec::new(); n as usize];
        for &(a, b) in &edges {
            adj[a as usize].push(b);
            adj[b as usize].push(a);
        }
        let mut comp = vec![u32::MAX; n as usize];
        for start in 0..n as u32 {
            if comp[start as usize] != u32::MAX {
                continue;
            }
            let mut queue = VecDeque::from([start]);
            comp[start as usize] = start;
            while let Some(x) = queue.pop_front() {
                for &y in &adj[x as usize] {
                    if comp[y as usize] == u32::MAX {
                        comp[y as usize] = start;
                        queue.push_back(y);
                    }
                }
            }
        }
        for a in 0..n as u32 {
            for b in 0..n as u32 {
                assert_eq!(
                    uf.find(a) == uf.find(b),
                    comp[a as usize] == comp[b as usize]
                );
            }
        }
    }

    /// The plain reference: every document, in rank order, against every representative so far.
    fn greedy_reference(sets: &[Vec<u32>], rank: &[u32], t: &Thresholds) -> Vec<(u32, Role)> {
        let n = sets.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&d| (rank[d as usize], d));
        let mut reps: Vec<u32> = Vec::new();
        let mut out = vec![(0, Role::Unique); n];
        for &d in &order {
            let mut best: Option<(u32, Match, Similarity)> = None;
            for &r in &reps {
                let s = compare(&sets[d as usize], &sets[r as usize]);
                if let Some(kind) = t.member_match(&s) {
                    let key = |k: Match, s: &Similarity, r: u32| {
                        (
                            k == Match::Duplicate,
                            s.jaccard(),
                            s.a_in_b(),
                            std::cmp::Reverse(rank[r as usize]),
                        )
                    };
                    if best
                        .as_ref()
                        .is_none_or(|(br, bk, bs)| key(kind, &s, r) > key(*bk, bs, *br))
                    {
                        best = Some((r, kind, s));
                    }
                }
            }
            out[d as usize] = match best {
                Some((r, Match::Duplicate, _)) => (r, Role::Duplicate),
                Some((r, Match::Contained, _)) => (r, Role::Contained),
                None => {
                    reps.push(d);
                    (d, Role::Unique)
                }
            };
        }
        for d in 0..n {
            if out
                .iter()
                .any(|&(r, role)| r == d as u32 && role != Role::Unique)
            {
                out[d].1 = Role::Representative;
            }
        }
        out
    }

    #[test]
    fn equals_greedy_reference_with_all_matching_edges() {
        let t = Thresholds {
            jaccard: 0.6,
            containment: 0.8,
            min_contained_shingles: 5,
        };
        let mut seed = 42;
        // Families of sets: an original, edited copies, truncated copies and collections.
        let mut sets: Vec<Vec<u32>> = Vec::new();
        for _family in 0..12 {
            let original: Vec<u32> = (0..60).map(|_| rng(&mut seed) as u32).collect();
            sets.push(original.clone());
            for _ in 0..(rng(&mut seed) % 5) {
                let mut copy = original.clone();
                let edits = (rng(&mut seed) % 30) as usize;
                for v in copy.iter_mut().take(edits) {
                    *v = rng(&mut seed) as u32;
                }
                let keep = 20 + (rng(&mut seed) % 41) as usize;
                copy.truncate(keep);
                sets.push(copy);
            }
        }
        let n_single = sets.len();
        for _ in 0..6 {
            let a = (rng(&mut seed) as usize) % n_single;
            let b = (rng(&mut seed) as usize) % n_single;
            let mut collection = sets[a].clone();
            collection.extend_from_slice(&sets[b]);
            sets.push(collection);
        }
        for s in &mut sets {
            s.sort_unstable();
            s.dedup();
        }
        let n = sets.len();
        // Rank: longest first, ties by index.
        let mut by_len: Vec<u32> = (0..n as u32).collect();
        by_len.sort_by_key(|&d| (std::cmp::Reverse(sets[d as usize].len()), d));
        let mut rank = vec![0u32; n];
        for (r, &d) in by_len.iter().enumerate() {
            rank[d as usize] = r as u32;
        }
        let mut edges = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if t.is_pair(&compare(&sets[a], &sets[b])) {
                    edges.push((a as u32, b as u32));
                }
            }
        }
        let got = cluster(n, &edges, &rank, &t, |a, b| {
            compare(&sets[a as usize], &sets[b as usize])
        });
        let expected = greedy_reference(&sets, &rank, &t);
        let got: Vec<(u32, Role)> = got.iter().map(|a| (a.representative, a.role)).collect();
        assert!(
            got.iter().any(|(_, r)| *r == Role::Contained),
            "collections contain copies"
        );
        assert!(got.iter().any(|(_, r)| *r == Role::Duplicate));
        assert_eq!(got, expected);
    }

    #[test]
    fn known_similarities_give_the_same_clusters() {
        let t = Thresholds {
            jaccard: 0.5,
            containment: 0.7,
            min_contained_shingles: 5,
        };
        let mut seed = 7;
        for _round in 0..20 {
            // Edited copies of a few originals, so components have chains and several
            // representatives.
            let mut sets: Vec<Vec<u32>> = Vec::new();
            for _ in 0..6 {
                let original: Vec<u32> = (0..50).map(|_| (rng(&mut seed) % 5000) as u32).collect();
                for _ in 0..1 + rng(&mut seed) % 8 {
                    let mut copy = original.clone();
                    for v in copy.iter_mut().take((rng(&mut seed) % 35) as usize) {
                        *v = (rng(&mut seed) % 5000) as u32;
                    }
                    copy.truncate(10 + (rng(&mut seed) % 41) as usize);
                    sets.push(copy);
                }
            }
            for s in &mut sets {
                s.sort_unstable();
                s.dedup();
            }
            let n = sets.len();
            let rank: Vec<u32> = {
                let mut order: Vec<u32> = (0..n as u32).collect();
                order.sort_by_key(|&d| (std::cmp::Reverse(sets[d as usize].len()), d));
                let mut rank = vec![0u32; n];
                for (r, &d) in order.iter().enumerate() {
                    rank[d as usize] = r as u32;
                }
                rank
            };
            // A random part of the matching pairs, in either orientation.
            let mut edges = Vec::new();
            for a in 0..n as u32 {
                for b in a + 1..n as u32 {
                    let s = compare(&sets[a as usize], &sets[b as usize]);
                    if t.is_pair(&s) && rng(&mut seed) % 3 != 0 {
                        edges.push(if rng(&mut seed) % 2 == 0 {
                            (a, b)
                        } else {
                            (b, a)
                        });
                    }
                }
            }
            let known: Vec<Similarity> = edges
                .iter()
                .map(|&(a, b)| compare(&sets[a as usize], &sets[b as usize]))
                .collect();
            let compare_sets = |a: u32, b: u32| compare(&sets[a as usize], &sets[b as usize]);
            let plain = cluster(n, &edges, &rank, &t, compare_sets);
            let mut asked = 0;
            let reused = cluster_known(n, &edges, &|k| known[k], &rank, &t, |a, b| {
                asked += 1;
                compare_sets(a, b)
            });
            assert_eq!(plain, reused);
            let mut all = 0;
            cluster(n, &edges, &rank, &t, |a, b| {
                all += 1;
                compare_sets(a, b)
            });
            assert!(asked < all || all == 0, "{asked} of {all}");
        }
    }

    #[test]
    fn no_chaining_through_a_middle_page() {
        // A ~ B and B ~ C, but A and C are not alike: C must not join A through B.
        let a: Vec<u32> = (0..100).collect();
        let b: Vec<u32> = (20..120).collect();
        let c: Vec<u32> = (40..140).collect();
        let sets = [a, b, c];
        let t = Thresholds {
            jaccard: 0.6,
            containment: 0.9,
            min_contained_shingles: 5,
        };
        let edges = [(0, 1), (1, 2)];
        let got = cluster(3, &edges, &[0, 1, 2], &t, |x, y| {
            compare(&sets[x as usize], &sets[y as usize])
        });
        assert_eq!(got[0].role, Role::Representative);
        assert_eq!((got[1].representative, got[1].role), (0, Role::Duplicate));
        assert_eq!((got[2].representative, got[2].role), (2, Role::Unique));
    }
}
