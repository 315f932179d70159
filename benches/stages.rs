//! Throughput of each pipeline stage, on pages generated from the real seed pages.
//!
//! Input: the seed pages in `../shared/seeds/*.txt` (relative to the repository root, the working
//! directory of `cargo bench`). A seeded ChaCha generator recombines their lines into template-site
//! pages: each site keeps the header and footer of one seed page, the body is paragraphs of random
//! sentences of all seed pages. Two corpora are generated once, outside every timed closure:
//!
//! - `pages`: ~2 MB of ~5 KB pages with planted near-duplicates (another site's chrome, two lines
//!   paragraphs swapped, a few characters deleted), exact copies on another site, and traditional-Chinese
//!   copies (`hanconv::s2twp`). Used by read, boilerplate, normalize, tokenize, shingle, minhash,
//!   verify, scan and report.
//! - `sketch corpus`: ~5k pages of ~1.2 KB with planted near-duplicates and exact copies, so that
//!   LSH and clustering see a realistic number of sketches. Used by lsh and cluster.
//!
//! Every benchmark asserts its result inside the measured closure, so a stage that gets faster by
//! doing the wrong thing fails instead of looking good.
//!
//! Throughput units: read, boilerplate and normalize count raw page bytes; tokenize, shingle, minhash, lsh,
//! verify and cluster count the bytes of the normalized text their input was derived from; scan
//! and report count raw page bytes. The paragraph group sorts a seeded table of 4M (key, text)
//! pairs, as the paragraph level sorts its anchors, and counts the bytes of the pairs.

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use neardup::boilerplate;
use neardup::cluster;
use neardup::ingest::{Corpus, IngestOptions, MmapChoice};
use neardup::lsh::{self, Bands, BucketPolicy, Sketches};
use neardup::normalize::{self, Normalized, PLACEHOLDER};
use neardup::paragraph;
use neardup::report::{self, ReportOptions};
use neardup::shingle;
use neardup::signature::{MinHasher, jaccard_estimate};
use neardup::tokenize::{CharTokenizer, Tokenizer, TokenizerKind};
use neardup::verify::{self, Thresholds};
use neardup::{Config, pipeline};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SEEDS_DIR: &str = "../shared/seeds";
/// Shingle length of the default (char) tokenizer.
const K_CHAR: usize = 5;
/// Shingle length of the jieba tokenizer.
const K_JIEBA: usize = 3;
const NUM_PERM: usize = 128;
/// Default Jaccard threshold of `neardup scan`.
const THRESHOLD: f64 = 0.7;

// ---------------------------------------------------------------------------------------------
// Input generation
// ---------------------------------------------------------------------------------------------

/// The seed pages cut into site chrome and a pool of body lines (all simplified Chinese).
struct Seeds {
    /// Per site: the first non-empty lines of its seed page.
    headers: Vec<Vec<String>>,
    /// Per site: the last non-empty lines of its seed page.
    footers: Vec<Vec<String>>,
    /// Distinct sentences of the bodies of all seed pages.
    pool: Vec<String>,
}

fn load_seeds() -> Seeds {
    let dir = Path::new(SEEDS_DIR);
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "benches need the seed pages in {} (relative to the repository root, {}): {e}",
            SEEDS_DIR,
            std::env::current_dir().unwrap().display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("readable seed directory").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no *.txt seed pages in {SEEDS_DIR}: the benches generate their input from them"
    );
    let mut seeds = Seeds {
        headers: Vec::new(),
        footers: Vec::new(),
        pool: Vec::new(),
    };
    let mut seen = HashSet::new();
    for path in &paths {
        let raw = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read seed page {}: {e}", path.display()));
        // One seed page is traditional; the pool is simplified so that "simplified pages" are.
        let text = if normalize::zh::is_traditional(&raw) {
            hanconv::tw2sp(&raw)
        } else {
            raw
        };
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert!(
            lines.len() > 20,
            "seed page {} is too short",
            path.display()
        );
        seeds
            .headers
            .push(lines[..3].iter().map(|l| l.to_string()).collect());
        seeds.footers.push(
            lines[lines.len() - 2..]
                .iter()
                .map(|l| l.to_string())
                .collect(),
        );
        // Sentences, not lines: some seed lines are a whole 1 KB article, which would make
        // every page that draws them a near-duplicate of every other. Run-on text without
        // sentence ends is left out for the same reason.
        for line in &lines[3..lines.len() - 2] {
            let mut sentence = String::new();
            for c in line.trim().chars() {
                sentence.push(c);
                if matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';') {
                    let done = std::mem::take(&mut sentence);
                    if (8..=150).contains(&done.chars().count()) && seen.insert(done.clone()) {
                        seeds.pool.push(done);
                    }
                }
            }
            if (8..=150).contains(&sentence.chars().count()) && seen.insert(sentence.clone()) {
                seeds.pool.push(sentence);
            }
        }
    }
    assert!(
        seeds.pool.len() > 1000,
        "too few seed sentences: {}",
        seeds.pool.len()
    );
    seeds
}

/// How a planted copy was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plant {
    /// Another site's chrome, two paragraphs swapped, a few characters deleted.
    Near,
    /// The same text on another site.
    Exact,
    /// The page converted to traditional Chinese with Taiwan phrasing.
    Traditional,
}

struct Generated {
    pages: Vec<String>,
    /// Site of each page (index into `Seeds::headers`).
    sites: Vec<usize>,
    /// (original, copy, how).
    planted: Vec<(usize, usize, Plant)>,
}

impl Generated {
    fn bytes(&self) -> u64 {
        self.pages.iter().map(|p| p.len() as u64).sum()
    }
}

struct Recipe {
    originals: usize,
    page_bytes: usize,
    /// Whether pages carry their site's header and footer (long pages) or only its title.
    chrome: bool,
    near_every: (usize, usize),
    exact_every: (usize, usize),
    traditional_every: Option<(usize, usize)>,
}

fn assemble(seeds: &Seeds, site: usize, body: &[String], chrome: bool) -> String {
    let mut page = String::new();
    let header = &seeds.headers[site];
    let header = if chrome { &header[..] } else { &header[..1] };
    for line in header {
        page.push_str(line);
        page.push_str("\n\n");
    }
    for line in body {
        page.push_str(line);
        page.push('\n');
    }
    if chrome {
        for line in &seeds.footers[site] {
            page.push('\n');
            page.push_str(line);
        }
        page.push('\n');
    }
    page
}

fn generate(seeds: &Seeds, recipe: &Recipe, seed: u64) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sites = seeds.headers.len();
    let mut bodies: Vec<Vec<String>> = Vec::with_capacity(recipe.originals);
    let mut out = Generated {
        pages: Vec::new(),
        sites: Vec::new(),
        planted: Vec::new(),
    };
    for _ in 0..recipe.originals {
        let site = rng.random_range(0..sites);
        // Paragraphs of one to four distinct sentences.
        let mut used = HashSet::new();
        let mut body = Vec::new();
        let mut bytes = 0;
        while bytes < recipe.page_bytes || body.len() < 2 {
            let mut paragraph = String::new();
            for _ in 0..rng.random_range(1..=4) {
                let index = rng.random_range(0..seeds.pool.len());
                if used.insert(index) {
                    paragraph.push_str(&seeds.pool[index]);
                }
            }
            bytes += paragraph.len() + 1;
            body.push(paragraph);
        }
        out.pages.push(assemble(seeds, site, &body, recipe.chrome));
        out.sites.push(site);
        bodies.push(body);
    }
    let hits = |every: (usize, usize), i: usize| i % every.0 == every.1;
    for (i, original) in bodies.iter().enumerate() {
        let other_site = (out.sites[i] + 1 + rng.random_range(0..sites - 1)) % sites;
        let plant = if hits(recipe.near_every, i) {
            Plant::Near
        } else if hits(recipe.exact_every, i) {
            Plant::Exact
        } else if recipe.traditional_every.is_some_and(|e| hits(e, i)) {
            Plant::Traditional
        } else {
            continue;
        };
        let (page, site) = match plant {
            Plant::Near => {
                let mut body = original.clone();
                let swap = rng.random_range(0..body.len() - 1);
                body.swap(swap, swap + 1);
                let long: Vec<usize> = (0..body.len())
                    .filter(|&l| body[l].chars().count() >= 30)
                    .collect();
                if let Some(&line) = long.get(rng.random_range(0..long.len().max(1))) {
                    let chars: Vec<char> = body[line].chars().collect();
                    let len = rng.random_range(5..12);
                    let at = rng.random_range(0..chars.len() - len);
                    body[line] = chars[..at].iter().chain(&chars[at + len..]).collect();
                }
                (
                    assemble(seeds, other_site, &body, recipe.chrome),
                    other_site,
                )
            }
            Plant::Exact => (out.pages[i].clone(), other_site),
            Plant::Traditional => (hanconv::s2twp(&out.pages[i]), out.sites[i]),
        };
        out.planted.push((i, out.pages.len(), plant));
        out.pages.push(page);
        out.sites.push(site);
    }
    // Copies interleaved with originals, as in a crawl, not all at the end.
    let mut order: Vec<usize> = (0..out.pages.len()).collect();
    order.shuffle(&mut rng);
    let mut position = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    out.pages = order.iter().map(|&old| out.pages[old].clone()).collect();
    out.sites = order.iter().map(|&old| out.sites[old]).collect();
    for (a, b, _) in &mut out.planted {
        (*a, *b) = (position[*a], position[*b]);
    }
    out
}

/// The normalized text, char tokens and char shingles of every page.
struct Prints {
    norm: Vec<String>,
    /// Byte ranges of the non-empty lines of each normalized text: the pipeline cuts a page
    /// line by line.
    lines: Vec<Vec<std::ops::Range<usize>>>,
    ends: Vec<Vec<u32>>,
    shingles: Vec<Vec<u64>>,
    norm_bytes: u64,
}

fn fingerprint(pages: &[String]) -> Prints {
    let mut out = Normalized::new();
    let mut prints = Prints {
        norm: Vec::new(),
        lines: Vec::new(),
        ends: Vec::new(),
        shingles: Vec::new(),
        norm_bytes: 0,
    };
    for page in pages {
        normalize::normalize_document(page, &mut out);
        let mut ends = Vec::new();
        CharTokenizer.token_ends(&out.text, &mut ends);
        let mut set = Vec::new();
        shingle::shingle_set(&out.text, &ends, K_CHAR, &mut set);
        prints.norm_bytes += out.text.len() as u64;
        prints.norm.push(out.text.clone());
        let lines = out.lines.iter();
        prints
            .lines
            .push(lines.map(|l| l.start as usize..l.end as usize).collect());
        prints.ends.push(ends);
        prints.shingles.push(set);
    }
    prints
}

/// Intersection size computed the plain way, as the reference for `verify::compare`.
fn reference_intersection<T: Copy + Eq + std::hash::Hash>(a: &[T], b: &[T]) -> u32 {
    let a: HashSet<T> = a.iter().copied().collect();
    b.iter().filter(|h| a.contains(h)).count() as u32
}

fn reference_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let inter = reference_intersection(a, b) as f64;
    inter / (a.len() as f64 + b.len() as f64 - inter)
}

fn sketch_all(sets: &[Vec<u64>]) -> Vec<u32> {
    let hasher = MinHasher::new(NUM_PERM);
    let mut values = vec![0u32; sets.len() * NUM_PERM];
    for (set, out) in sets.iter().zip(values.chunks_exact_mut(NUM_PERM)) {
        hasher.sketch(set, out);
    }
    values
}

fn sketch_of(values: &[u32], doc: usize) -> &[u32] {
    &values[doc * NUM_PERM..(doc + 1) * NUM_PERM]
}

/// Rank as the pipeline does it: the longest normalized text first, ties by index.
fn rank_by_length(norm: &[String]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..norm.len() as u32).collect();
    order.sort_by_key(|&d| (std::cmp::Reverse(norm[d as usize].chars().count()), d));
    let mut rank = vec![0u32; norm.len()];
    for (r, &d) in order.iter().enumerate() {
        rank[d as usize] = r as u32;
    }
    rank
}

fn thresholds() -> Thresholds {
    Thresholds {
        jaccard: THRESHOLD,
        containment: 0.8,
        min_contained_shingles: 50,
    }
}

/// Everything the benches share, built once.
struct Fixture {
    pages: Generated,
    prints: Prints,
    sketch_corpus: Generated,
    sketch_prints: Prints,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let seeds = load_seeds();
        let pages = generate(
            &seeds,
            &Recipe {
                originals: 300,
                page_bytes: 4800,
                chrome: true,
                near_every: (10, 3),
                exact_every: (30, 11),
                traditional_every: Some((40, 7)),
            },
            0x6e65_6172,
        );
        let sketch_corpus = generate(
            &seeds,
            &Recipe {
                originals: 4750,
                page_bytes: 1200,
                chrome: false,
                near_every: (20, 3),
                exact_every: (50, 7),
                traditional_every: None,
            },
            0x6475_7031,
        );
        let prints = fingerprint(&pages.pages);
        let sketch_prints = fingerprint(&sketch_corpus.pages);
        // The generator must plant what the benches claim: near-duplicates above the threshold.
        let mut near_min = [1.0f64; 2];
        for (k, (corpus, prints)) in [(&pages, &prints), (&sketch_corpus, &sketch_prints)]
            .into_iter()
            .enumerate()
        {
            for &(a, b, how) in &corpus.planted {
                let j = reference_jaccard(&prints.shingles[a], &prints.shingles[b]);
                assert!(j >= 0.75, "planted {how:?} copy {a}/{b} has Jaccard {j:.3}");
                near_min[k] = near_min[k].min(j);
            }
        }
        eprintln!(
            "neardup benches: {} pages, {:.2} MB ({} planted copies); sketch corpus {} pages, \
             {:.2} MB ({} planted); lowest planted Jaccard {:.3} / {:.3}; normalized/raw bytes \
             {:.2}",
            pages.pages.len(),
            pages.bytes() as f64 / 1e6,
            pages.planted.len(),
            sketch_corpus.pages.len(),
            sketch_corpus.bytes() as f64 / 1e6,
            sketch_corpus.planted.len(),
            near_min[0],
            near_min[1],
            prints.norm_bytes as f64 / pages.bytes() as f64,
        );
        Fixture {
            pages,
            prints,
            sketch_corpus,
            sketch_prints,
        }
    })
}

/// The pages written to disk: one `.txt` per page under a directory per site, and one `.jsonl`.
struct OnDisk {
    _tmp: tempfile::TempDir,
    txt_dir: PathBuf,
    txt_bytes: u64,
    jsonl: PathBuf,
    jsonl_bytes: u64,
}

fn on_disk() -> &'static OnDisk {
    static ON_DISK: std::sync::OnceLock<OnDisk> = std::sync::OnceLock::new();
    ON_DISK.get_or_init(|| {
        let f = fixture();
        let tmp = tempfile::tempdir().expect("temporary directory");
        let txt_dir = tmp.path().join("crawl");
        let mut jsonl = String::new();
        for (i, page) in f.pages.pages.iter().enumerate() {
            let site = format!("site{}.example.cn", f.pages.sites[i]);
            let dir = txt_dir.join(&site);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{i:05}.txt")), page).unwrap();
            let record = serde_json::json!({
                "id": format!("p{i:05}"),
                "url": format!("http://{site}/{i}.html"),
                "text": page,
            });
            jsonl.push_str(&record.to_string());
            jsonl.push('\n');
        }
        let jsonl_path = tmp.path().join("crawl.jsonl");
        std::fs::write(&jsonl_path, &jsonl).unwrap();
        OnDisk {
            txt_bytes: f.pages.bytes(),
            jsonl_bytes: jsonl.len() as u64,
            txt_dir,
            jsonl: jsonl_path,
            _tmp: tmp,
        }
    })
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        // Most iterations process a whole corpus (tens of milliseconds): equal-sized samples.
        .sampling_mode(SamplingMode::Flat);
    g
}

// ---------------------------------------------------------------------------------------------
// Benchmarks, one group per stage
// ---------------------------------------------------------------------------------------------

fn bench_read(c: &mut Criterion) {
    let f = fixture();
    let disk = on_disk();
    let n = f.pages.pages.len();
    let mut g = group(c, "read");
    for (name, mmap) in [("never", MmapChoice::Never), ("always", MmapChoice::Always)] {
        let opts = IngestOptions {
            mmap,
            ..IngestOptions::default()
        };
        g.throughput(Throughput::Bytes(disk.txt_bytes));
        g.bench_function(format!("txt-dir/mmap-{name}"), |b| {
            b.iter(|| {
                let corpus = Corpus::read(std::slice::from_ref(&disk.txt_dir), &opts);
                assert_eq!(corpus.docs.len(), n);
                assert!(corpus.docs.iter().all(|d| d.skip.is_none()));
                assert_eq!(corpus.total_bytes(), disk.txt_bytes);
                assert_eq!(
                    corpus.mapped_inputs(),
                    if mmap == MmapChoice::Always { n } else { 0 }
                );
                corpus
            })
        });
        g.throughput(Throughput::Bytes(disk.jsonl_bytes));
        g.bench_function(format!("jsonl/mmap-{name}"), |b| {
            b.iter(|| {
                let corpus = Corpus::read(std::slice::from_ref(&disk.jsonl), &opts);
                assert_eq!(corpus.docs.len(), n);
                assert!(
                    corpus
                        .docs
                        .iter()
                        .all(|d| d.skip.is_none() && d.span.escaped)
                );
                assert_eq!(corpus.docs[n - 1].id(), format!("p{:05}", n - 1));
                assert_eq!(corpus.text(&corpus.docs[n / 2]), f.pages.pages[n / 2]);
                corpus
            })
        });
    }
    g.finish();
}

/// Normalized text is non-empty and has no ASCII punctuation but the placeholder.
fn assert_clean(text: &str) {
    assert!(!text.is_empty());
    assert!(
        !text.bytes().any(
            |b| (b.is_ascii_punctuation() && b != PLACEHOLDER as u8) || b.is_ascii_whitespace()
        ),
        "{text}"
    );
}

fn bench_boilerplate(c: &mut Criterion) {
    let f = fixture();
    let pages = &f.pages.pages;
    let bytes: u64 = pages.iter().map(|p| p.len() as u64).sum();
    let lines: usize = pages.iter().map(|p| normalize::raw_lines(p).count()).sum();
    let mut g = group(c, "boilerplate");
    g.throughput(Throughput::Bytes(bytes));
    // Every raw line's key, as the boilerplate stage makes them before it learns.
    let mut keys = Vec::new();
    g.bench_function("line_keys", |b| {
        b.iter(|| {
            keys.clear();
            for page in pages {
                boilerplate::line_keys_into(black_box(page), &mut keys);
            }
            assert_eq!(keys.len(), lines);
            // Headers and footers recur on every page of a site: far fewer distinct keys.
            assert!(boilerplate::distinct_keys(&keys).len() < lines / 2);
        })
    });
    g.finish();
}

fn bench_normalize(c: &mut Criterion) {
    let f = fixture();
    // The simplified pages: all but the planted traditional copies.
    let traditional_copies: HashSet<usize> = f
        .pages
        .planted
        .iter()
        .filter(|p| p.2 == Plant::Traditional)
        .map(|p| p.1)
        .collect();
    let simplified: Vec<(&str, &str)> = (0..f.pages.pages.len())
        .filter(|i| !traditional_copies.contains(i))
        .map(|i| (f.pages.pages[i].as_str(), f.prints.norm[i].as_str()))
        .collect();
    let traditional: Vec<String> = simplified.iter().map(|(p, _)| hanconv::s2twp(p)).collect();
    let simplified_bytes: u64 = simplified.iter().map(|(p, _)| p.len() as u64).sum();
    let simplified_chars: u64 = simplified
        .iter()
        .map(|(_, n)| n.chars().count() as u64)
        .sum();
    let traditional_bytes: u64 = traditional.iter().map(|p| p.len() as u64).sum();
    let mut g = group(c, "normalize");
    let mut out = Normalized::new();
    g.throughput(Throughput::Bytes(simplified_bytes));
    g.bench_function("simplified", |b| {
        b.iter(|| {
            let mut chars = 0u64;
            for &(page, expected) in &simplified {
                normalize::normalize_document(page, &mut out);
                assert!(!out.traditional, "simplified page detected as traditional");
                assert_clean(&out.text);
                assert_eq!(out.text.len(), expected.len());
                chars += out.chars as u64;
            }
            assert_eq!(chars, simplified_chars);
        })
    });
    g.throughput(Throughput::Bytes(traditional_bytes));
    g.bench_function("traditional", |b| {
        b.iter(|| {
            let mut chars = 0u64;
            for page in &traditional {
                normalize::normalize_document(page, &mut out);
                assert!(out.traditional, "s2twp page not detected as traditional");
                assert_clean(&out.text);
                chars += out.chars as u64;
            }
            // Traditional copies normalize to (almost) the same text as the simplified pages.
            let drift = (chars as f64 - simplified_chars as f64).abs() / simplified_chars as f64;
            assert!(drift < 0.01, "{chars} vs {simplified_chars} characters");
        })
    });
    g.finish();
}

fn bench_tokenize(c: &mut Criterion) {
    let f = fixture();
    let texts = &f.prints.norm;
    let chars: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
    let jieba = TokenizerKind::Jieba.build();
    let char_tok = TokenizerKind::Char.build();
    let mut ends = Vec::new();
    let jieba_tokens: usize = texts
        .iter()
        .map(|t| {
            jieba.token_ends(t, &mut ends);
            ends.len()
        })
        .sum();
    let mut g = group(c, "tokenize");
    g.throughput(Throughput::Bytes(f.prints.norm_bytes));
    g.bench_function("char", |b| {
        b.iter(|| {
            for (text, &n) in texts.iter().zip(&chars) {
                char_tok.token_ends(text, &mut ends);
                assert_eq!(ends.len(), n);
                assert_eq!(*ends.last().unwrap() as usize, text.len());
            }
        })
    });
    // Line by line, as the pipeline cuts a page: most lines are a few dozen characters.
    let line_bytes: u64 = f
        .prints
        .lines
        .iter()
        .flatten()
        .map(|r| r.len() as u64)
        .sum();
    let line_chars: usize = texts
        .iter()
        .zip(&f.prints.lines)
        .flat_map(|(t, lines)| lines.iter().map(|r| t[r.clone()].chars().count()))
        .sum();
    g.throughput(Throughput::Bytes(line_bytes));
    g.bench_function("char-lines", |b| {
        b.iter(|| {
            let mut total = 0;
            for (text, lines) in texts.iter().zip(&f.prints.lines) {
                for r in lines {
                    char_tok.token_ends(&text[r.clone()], &mut ends);
                    assert_eq!(*ends.last().unwrap() as usize, r.len());
                    total += ends.len();
                }
            }
            assert_eq!(total, line_chars);
        })
    });
    g.throughput(Throughput::Bytes(f.prints.norm_bytes));
    g.bench_function("jieba", |b| {
        b.iter(|| {
            let mut total = 0;
            for (text, &n) in texts.iter().zip(&chars) {
                jieba.token_ends(text, &mut ends);
                assert_eq!(*ends.last().unwrap() as usize, text.len());
                assert!(
                    ends.len() < n && ends.len() > n / 4,
                    "words, not characters"
                );
                total += ends.len();
            }
            assert_eq!(total, jieba_tokens);
        })
    });
    g.finish();
}

fn bench_shingle(c: &mut Criterion) {
    let f = fixture();
    let texts = &f.prints.norm;
    let jieba = TokenizerKind::Jieba.build();
    let jieba_ends: Vec<Vec<u32>> = texts
        .iter()
        .map(|t| {
            let mut ends = Vec::new();
            jieba.token_ends(t, &mut ends);
            ends
        })
        .collect();
    let mut g = group(c, "shingle");
    g.throughput(Throughput::Bytes(f.prints.norm_bytes));
    let mut out = Vec::new();
    for (name, all_ends, k) in [
        ("char-k5", &f.prints.ends, K_CHAR),
        ("jieba-k3", &jieba_ends, K_JIEBA),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                for (text, ends) in texts.iter().zip(all_ends) {
                    shingle::shingle_set(text, ends, k, &mut out);
                    // Sorted, unique, at most one per window; template text repeats little.
                    let windows = ends.len() + 1 - k;
                    assert!(out.len() <= windows && out.len() * 10 >= windows * 8);
                    assert!(out.windows(2).all(|w| w[0] < w[1]));
                }
            })
        });
    }
    // The set verification compares: the upper halves of the char shingles, sorted and
    // distinct (`sort_u32`), as each page's kept set is sorted when verification first reads it.
    let hashes: Vec<Vec<u64>> = texts
        .iter()
        .zip(&f.prints.ends)
        .map(|(text, ends)| {
            let mut h = Vec::new();
            shingle::shingles_in(text, ends, 0, ends.len(), K_CHAR, &mut h);
            h
        })
        .collect();
    let distinct: Vec<usize> = hashes
        .iter()
        .map(|h| {
            let mut v: Vec<u32> = h.iter().map(|&x| shingle::fingerprint(x)).collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        })
        .collect();
    let mut set = Vec::new();
    g.bench_function("fingerprint-set", |b| {
        b.iter(|| {
            for (h, &want) in hashes.iter().zip(&distinct) {
                shingle::fingerprint_set_into(black_box(h), &mut set);
                assert_eq!(set.len(), want);
                assert!(set.windows(2).all(|w| w[0] < w[1]));
            }
        })
    });
    g.finish();
}

fn bench_minhash(c: &mut Criterion) {
    let f = fixture();
    let sets = &f.prints.shingles;
    let planted = &f.pages.planted;
    let hasher = MinHasher::new(NUM_PERM);
    let mut values = vec![0u32; sets.len() * NUM_PERM];
    let is_planted: HashSet<(usize, usize)> = planted
        .iter()
        .map(|&(a, b, _)| (a.min(b), a.max(b)))
        .collect();
    let unrelated: Vec<(usize, usize)> = (0..sets.len() - 1)
        .map(|d| (d, d + 1))
        .filter(|p| !is_planted.contains(p))
        .take(planted.len())
        .collect();
    let mut g = group(c, "minhash");
    g.throughput(Throughput::Bytes(f.prints.norm_bytes));
    g.bench_function("sketch-128", |b| {
        b.iter(|| {
            for (set, out) in sets.iter().zip(values.chunks_exact_mut(NUM_PERM)) {
                hasher.sketch(set, out);
            }
            for &(a, b, how) in planted {
                let estimate = jaccard_estimate(sketch_of(&values, a), sketch_of(&values, b));
                assert!(estimate > 0.6, "planted {how:?} pair estimated {estimate}");
            }
            // Unrelated pages (neighbours in crawl order that are no planted pair) look unrelated.
            for &(a, b) in &unrelated {
                let estimate = jaccard_estimate(sketch_of(&values, a), sketch_of(&values, b));
                assert!(
                    estimate < 0.3,
                    "unrelated pair {a}/{b} estimated {estimate}"
                );
            }
        })
    });
    g.finish();
}

fn bench_lsh(c: &mut Criterion) {
    let f = fixture();
    let values = sketch_all(&f.sketch_prints.shingles);
    let n = f.sketch_corpus.pages.len();
    let owner: Vec<u32> = (0..n as u32).collect();
    let rank = rank_by_length(&f.sketch_prints.norm);
    let sketches = Sketches {
        values: &values,
        width: NUM_PERM,
        owner: &owner,
    };
    let bands = Bands::optimal(THRESHOLD, NUM_PERM);
    let pair = |a: usize, b: usize| (a.min(b) as u32, a.max(b) as u32);
    let planted: Vec<(u32, u32)> = f
        .sketch_corpus
        .planted
        .iter()
        .map(|&(a, b, _)| pair(a, b))
        .collect();
    let exact: Vec<(u32, u32)> = f
        .sketch_corpus
        .planted
        .iter()
        .filter(|p| p.2 == Plant::Exact)
        .map(|&(a, b, _)| pair(a, b))
        .collect();
    let mut g = group(c, "lsh");
    g.throughput(Throughput::Bytes(f.sketch_prints.norm_bytes));
    g.bench_function(
        format!("band_pairs-1-of-{}x{}", bands.bands, bands.rows),
        |b| {
            b.iter(|| {
                let pairs = lsh::band_pairs(sketches, &owner, &rank, bands, 0, BucketPolicy::PAGES);
                // Exact copies have equal sketches: they share every band.
                assert!(exact.iter().all(|p| pairs.contains(p)));
                pairs
            })
        },
    );
    // LSH is exact about what it promises: a pair is a candidate iff some band of the two
    // sketches is equal. Planted pairs below ~0.85 Jaccard may legitimately miss every band.
    let collides = |&(a, b): &(u32, u32)| {
        let (sa, sb) = (
            sketch_of(&values, a as usize),
            sketch_of(&values, b as usize),
        );
        (0..bands.bands).any(|band| {
            let r = band * bands.rows..(band + 1) * bands.rows;
            sa[r.clone()] == sb[r]
        })
    };
    let found: Vec<bool> = planted.iter().map(collides).collect();
    let recall = found.iter().filter(|&&f| f).count() as f64 / planted.len() as f64;
    eprintln!(
        "lsh: {bands:?} find {:.1} % of {} planted pairs",
        100.0 * recall,
        planted.len()
    );
    assert!(recall > 0.95, "planted recall {recall}");
    g.bench_function(format!("candidates-{}x{}", bands.bands, bands.rows), |b| {
        b.iter(|| {
            let pairs = lsh::candidates(sketches, &owner, &rank, bands, BucketPolicy::PAGES);
            for (p, &expected) in planted.iter().zip(&found) {
                assert_eq!(
                    pairs.binary_search(p).is_ok(),
                    expected,
                    "planted pair {p:?}"
                );
            }
            // Candidates are a small multiple of the planted pairs, not all pairs.
            assert!(pairs.len() < 20 * n, "{} candidates", pairs.len());
            pairs
        })
    });
    g.finish();
}

fn bench_verify(c: &mut Criterion) {
    let f = fixture();
    let sets: Vec<Vec<u32>> = f
        .prints
        .shingles
        .iter()
        .map(|s| shingle::fingerprint_set(s))
        .collect();
    let norm = &f.prints.norm;
    // The planted pairs and as many unrelated neighbours.
    let mut pairs: Vec<(usize, usize)> = f.pages.planted.iter().map(|&(a, b, _)| (a, b)).collect();
    let planted: HashSet<(usize, usize)> =
        pairs.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let mut d = 0;
    while pairs.len() < 2 * planted.len() {
        if !planted.contains(&(d, d + 1)) {
            pairs.push((d, d + 1));
        }
        d += 1;
    }
    let expected: Vec<u32> = pairs
        .iter()
        .map(|&(a, b)| reference_intersection(&sets[a], &sets[b]))
        .collect();
    let bytes: u64 = pairs
        .iter()
        .map(|&(a, b)| (norm[a].len() + norm[b].len()) as u64)
        .sum();
    let mut g = group(c, "verify");
    g.sampling_mode(SamplingMode::Auto);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("compare-{}-pairs", pairs.len()), |b| {
        b.iter(|| {
            for (&(a, b), &inter) in pairs.iter().zip(&expected) {
                let s = verify::compare(black_box(&sets[a]), black_box(&sets[b]));
                assert_eq!(s.intersection, inter);
                assert_eq!(
                    (s.len_a as usize, s.len_b as usize),
                    (sets[a].len(), sets[b].len())
                );
            }
        })
    });
    g.finish();
}

fn bench_cluster(c: &mut Criterion) {
    let f = fixture();
    let sets = &f.sketch_prints.shingles;
    let n = sets.len();
    let values = sketch_all(sets);
    let sets: Vec<Vec<u32>> = sets.iter().map(|s| shingle::fingerprint_set(s)).collect();
    let owner: Vec<u32> = (0..n as u32).collect();
    let rank = rank_by_length(&f.sketch_prints.norm);
    let sketches = Sketches {
        values: &values,
        width: NUM_PERM,
        owner: &owner,
    };
    let t = thresholds();
    let candidates = lsh::candidates(
        sketches,
        &owner,
        &rank,
        Bands::optimal(THRESHOLD, NUM_PERM),
        BucketPolicy::PAGES,
    );
    let edges: Vec<(u32, u32)> = candidates
        .into_iter()
        .filter(|&(a, b)| t.is_pair(&verify::compare(&sets[a as usize], &sets[b as usize])))
        .collect();
    // Planted pairs that LSH found and verification kept must end up together.
    let linked: Vec<(usize, usize, Plant)> = f
        .sketch_corpus
        .planted
        .iter()
        .copied()
        .filter(|&(a, b, _)| {
            edges
                .binary_search(&(a.min(b) as u32, a.max(b) as u32))
                .is_ok()
        })
        .collect();
    assert!(linked.len() * 100 > f.sketch_corpus.planted.len() * 95);
    let mut g = group(c, "cluster");
    g.throughput(Throughput::Bytes(f.sketch_prints.norm_bytes));
    g.bench_function(format!("{n}-docs-{}-edges", edges.len()), |b| {
        b.iter(|| {
            let assignments = cluster::cluster(n, &edges, &rank, &t, |a, b| {
                verify::compare(&sets[a as usize], &sets[b as usize])
            });
            for &(a, b, how) in &linked {
                assert_eq!(
                    assignments[a].representative, assignments[b].representative,
                    "planted {how:?} copy {b} of {a} not clustered with it"
                );
            }
            let dropped = assignments.iter().filter(|a| !a.role.kept()).count();
            assert!(dropped >= linked.len(), "{dropped} dropped");
            assignments
        })
    });
    g.finish();
}

fn scan_config(dir: &Path, threads: usize) -> Config {
    let mut config = Config::new(vec![dir.to_path_buf()]);
    config.threads = threads;
    config
}

/// The planted copies share their original's cluster in a finished scan.
fn assert_planted_clustered(scan: &pipeline::Scan, f: &Fixture) {
    assert_eq!(scan.outcomes.len(), f.pages.pages.len());
    assert_eq!(scan.skipped(), 0);
    // Documents are read in walk order (site directory, then file name): map back by id.
    let index_of = |page: usize| {
        let suffix = format!("/{page:05}.txt");
        scan.corpus
            .docs
            .iter()
            .position(|d| d.id().ends_with(&suffix))
            .expect("every page read")
    };
    for &(a, b, how) in &f.pages.planted {
        let (a, b) = (index_of(a), index_of(b));
        let (ca, cb) = (scan.outcomes[a].cluster_id, scan.outcomes[b].cluster_id);
        assert!(
            ca != 0 && ca == cb,
            "planted {how:?} pair {a}/{b} in clusters {ca}/{cb}"
        );
    }
}

/// The paragraph level's sort of (key, text) tables: 4M pairs of a hash-like key and a text
/// number below 2^20, as its anchors are (11.2M of them at 100k pages). Counts the bytes of the
/// pairs; asserts the result is sorted and whole.
fn bench_paragraph(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let pairs: Vec<(u32, u32)> = (0..4_000_000)
        .map(|_| (rng.random::<u32>(), rng.random_range(0..1 << 20)))
        .collect();
    let sum: u64 = pairs.iter().map(|&(a, b)| a as u64 + b as u64).sum();
    let mut g = group(c, "paragraph");
    g.throughput(Throughput::Bytes(8 * pairs.len() as u64));
    g.bench_function("sort-pairs", |b| {
        b.iter_batched_ref(
            || pairs.clone(),
            |sorted| {
                paragraph::sort_pairs(sorted);
                assert!(sorted.is_sorted());
                assert_eq!(
                    sorted
                        .iter()
                        .map(|&(a, b)| a as u64 + b as u64)
                        .sum::<u64>(),
                    sum
                );
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_scan_and_report(c: &mut Criterion) {
    let f = fixture();
    let disk = on_disk();
    let mut g = group(c, "scan");
    g.throughput(Throughput::Bytes(disk.txt_bytes));
    for threads in [1, 2] {
        let config = scan_config(&disk.txt_dir, threads);
        g.bench_function(format!("char-{threads}-threads"), |b| {
            b.iter(|| {
                let scan = pipeline::scan(&config).expect("scan succeeds");
                assert_planted_clustered(&scan, f);
                scan
            })
        });
    }
    g.finish();

    let scan = pipeline::scan(&scan_config(&disk.txt_dir, 1)).expect("scan succeeds");
    assert_planted_clustered(&scan, f);
    let stages: Vec<String> = scan
        .timings
        .iter()
        .map(|t| format!("{} {:.1} ms", t.name, t.elapsed.as_secs_f64() * 1e3))
        .collect();
    eprintln!(
        "scan (1 thread): {} candidates, {} verified pairs, {} clusters; {}",
        scan.candidates,
        scan.pairs.len(),
        scan.clusters.len(),
        stages.join(", ")
    );
    let out = tempfile::tempdir().expect("temporary directory");
    let options = ReportOptions::default();
    let mut g = group(c, "report");
    g.throughput(Throughput::Bytes(disk.txt_bytes));
    g.bench_function("write_all", |b| {
        b.iter(|| {
            let written = report::write_all(&scan, out.path(), &options).expect("reports written");
            assert_eq!(written.files.len(), 3);
            let clusters = std::fs::read(&written.files[1]).unwrap();
            let rows = clusters.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(
                rows,
                scan.clusters.len() + 1,
                "header and one row per cluster"
            );
            written
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_read,
    bench_boilerplate,
    bench_normalize,
    bench_tokenize,
    bench_shingle,
    bench_minhash,
    bench_lsh,
    bench_verify,
    bench_cluster,
    bench_paragraph,
    bench_scan_and_report
);
criterion_main!(benches);
