//! Throughput of the SimHash engine (`--method simhash`): fingerprinting and Hamming search.
//!
//! Input: the seed pages in `../shared/seeds/*.txt` (relative to the repository root, the working
//! directory of `cargo bench`), cut into overlapping 40-line pages, each with a planted copy (one
//! line dropped, another cut short); and seeded random fingerprints with planted near neighbours
//! for the search. Everything is built once, outside the timed closures; every closure asserts its
//! result, so a faster wrong answer fails instead of looking good.
//!
//! Throughput: fingerprinting counts the normalized bytes behind the shingles; the search counts
//! fingerprints.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use neardup::hamming;
use neardup::normalize::{self, Normalized};
use neardup::shingle;
use neardup::signature::simhash::{SimHasher, Weighting, hamming as distance};
use neardup::tokenize::{CharTokenizer, Tokenizer};
use std::path::PathBuf;
use std::time::Duration;

const SEEDS_DIR: &str = "../shared/seeds";

/// Shingles (text order, repeats kept) of every page and of its planted copy.
struct Pages {
    shingles: Vec<Vec<u64>>,
    /// (page, copy) indices.
    planted: Vec<(usize, usize)>,
    norm_bytes: u64,
}

fn pages() -> Pages {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(SEEDS_DIR)
        .unwrap_or_else(|e| panic!("benches need the seed pages in {SEEDS_DIR}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let mut norm = Normalized::new();
    let mut ends = Vec::new();
    let mut out = Pages {
        shingles: Vec::new(),
        planted: Vec::new(),
        norm_bytes: 0,
    };
    let mut add = |text: &str, out: &mut Pages| {
        normalize::normalize_document(text, &mut norm);
        CharTokenizer.token_ends(&norm.text, &mut ends);
        let mut s = Vec::new();
        shingle::shingles_in(&norm.text, &ends, 0, ends.len(), 5, &mut s);
        out.norm_bytes += norm.text.len() as u64;
        out.shingles.push(s);
        out.shingles.len() - 1
    };
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        for start in (0..lines.len().saturating_sub(40)).step_by(8) {
            let page = &lines[start..start + 40];
            let original = add(&page.join("\n"), &mut out);
            let mut copy: Vec<String> = page.iter().map(|l| l.to_string()).collect();
            copy.remove(20);
            copy[10] = copy[10].chars().skip(4).collect();
            let copy = add(&copy.join("\n"), &mut out);
            out.planted.push((original, copy));
        }
    }
    assert!(out.planted.len() > 50, "{} pages", out.planted.len());
    out
}

fn bench_fingerprint(c: &mut Criterion) {
    let pages = pages();
    let mut g = c.benchmark_group("simhash");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Bytes(pages.norm_bytes));
    let mut scratch = Vec::new();
    let mut prints = vec![0u64; pages.shingles.len()];
    for weighting in [Weighting::Set, Weighting::Tf, Weighting::LogTf] {
        let hasher = SimHasher::new(weighting);
        g.bench_function(format!("fingerprint-{weighting:?}"), |b| {
            b.iter(|| {
                for (set, out) in pages.shingles.iter().zip(prints.iter_mut()) {
                    *out = hasher.fingerprint(set, &mut scratch);
                }
                // Copies missing one line of 40 (cosine ≈ 0.95, about 7 bits expected) land close.
                let close = pages
                    .planted
                    .iter()
                    .filter(|&&(a, b)| distance(prints[a], prints[b]) <= 12)
                    .count();
                assert!(
                    close * 10 >= pages.planted.len() * 9,
                    "{weighting:?}: {close} of {} copies within 12 bits",
                    pages.planted.len()
                );
            })
        });
    }
    g.finish();
}

/// `n` random fingerprints; every tenth has a neighbour at a distance from 0 to `k`.
fn random_prints(n: usize, k: u32) -> (Vec<u64>, Vec<(u32, u32)>) {
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = state;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    let mut prints = Vec::with_capacity(n);
    let mut planted = Vec::new();
    while prints.len() < n {
        let x = next();
        prints.push(x);
        if prints.len() % 10 == 0 && prints.len() < n {
            let d = (next() % (k as u64 + 1)) as u32;
            let mut mask = 0u64;
            while mask.count_ones() < d {
                mask |= 1 << (next() % 64);
            }
            let at = prints.len() as u32;
            planted.push((at - 1, at));
            prints.push(x ^ mask);
        }
    }
    (prints, planted)
}

fn bench_search(c: &mut Criterion) {
    let n = 200_000;
    let mut g = c.benchmark_group("hamming");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(n as u64));
    for k in [3u32, 5] {
        let (prints, planted) = random_prints(n, k);
        let ids: Vec<u32> = (0..n as u32).collect();
        let expected = hamming::pairs_within(&prints, &ids, k).len();
        g.bench_function(format!("pairs_within-{n}-k{k}"), |b| {
            b.iter(|| {
                let pairs = hamming::pairs_within(&prints, &ids, k);
                assert_eq!(pairs.len(), expected);
                for p in &planted {
                    assert!(pairs.binary_search(p).is_ok(), "planted {p:?}");
                }
                pairs
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_fingerprint, bench_search);
criterion_main!(benches);
