//! neardup-score: scores a neardup report against a generator's ground truth.
//!
//! `neardup-score --truth DIR/truth.jsonl --report REPORTDIR [--json OUT.json]`
//!
//! # What counts as a true pair (the definition the tool is measured by)
//!
//! For a page `p` and an article `A` it carries, the truth gives `share(p, A)`, the fraction of
//! `p`'s article text (characters of lines whose `source` is not null) that belongs to `A`,
//! `kept(p, A)`, the fraction of `A`'s paragraphs (title included) that `p` prints, and `S(p, A)`,
//! the set of `A`'s paragraphs that `p` prints. Two pages `p ≠ q` are a **true pair** when, for
//! some article `A` both carry:
//!
//! 1. **near-duplicate**: `share(p, A) ≥ 0.7`, `share(q, A) ≥ 0.7`, `kept(p, A) ≥ 0.7` and
//!    `kept(q, A) ≥ 0.7` (both pages are mostly `A`, and both keep most of it); or
//! 2. **containment**: `share(p, A) ≥ 0.8` and `|S(p, A) ∩ S(q, A)| ≥ 0.8 · |S(p, A)|` (`p` is
//!    essentially `A`, and `q` prints at least 80 % of what `p` printed of it: `p` is contained in
//!    `q`, e.g. `q` is a collection carrying `A`, or `p` is a truncated copy of `q`), or the same
//!    with `p` and `q` exchanged.
//!
//! Only article paragraphs count: chrome, ads and footers (lines with a null `source`) never make
//! a pair, whatever text they share. Two collections that share one article among several are not
//! a pair; if a tool pairs them it is counted as a *partial overlap* false positive.
//!
//! # Predicted pairs
//!
//! The rows of `pairs.csv`, plus `(representative_id, doc_id)` for every document whose role is
//! `duplicate` or `contained`, plus every two `duplicate` documents of the same cluster; unordered
//! and deduplicated. Document ids are matched to truth ids exactly, else by file stem
//! (`txt/www.x.com/000001_ab.txt` → `000001_ab`), else by URL.
//!
//! # Breakdowns
//!
//! Recall by kind of true pair (a pair can be in several): `traditional` (exactly one page is
//! traditional Chinese), `contained` (one side carries `A` as part of a collection), `truncated`,
//! `edited` (heavily edited), `repeat` (printed twice on one page), and `plain` (none of these: two
//! simplified or two traditional pages with only chrome, ads, placeholder and punctuation noise).
//! False positives by source: `partial_overlap` (the pages share an article or borrowed
//! paragraphs, but not enough to be a pair), `same_site_chrome` (same site, no shared article:
//! only chrome in common), `other`.
//!
//! Paragraph level (when `paragraph_members.csv` exists): truth groups are the paragraph
//! instances `(doc, line)` with the same `source`; predicted groups are the rows with the same
//! `cluster_id`. Pair precision and recall are counted combinatorially, `Σ C(n, 2)` over the
//! intersections of predicted and truth groups, without enumerating pairs.

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(about = "Score a neardup report against generator ground truth")]
struct Cli {
    /// truth.jsonl written by `neardup-gen corpus`.
    #[arg(long)]
    truth: PathBuf,
    /// The report directory (documents.csv, pairs.csv, maybe paragraph_members.csv).
    #[arg(long)]
    report: PathBuf,
    /// Also write the scores as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the missed true pairs and the false positives as TSV (id_a, id_b, what, kinds).
    #[arg(long)]
    errors: Option<PathBuf>,
    /// The corpus (pages.jsonl): with it, paragraphs with fewer than --paragraph-min-chars letters
    /// and digits are left out of paragraph scoring, as neardup leaves them out of copies.
    #[arg(long)]
    pages: Option<PathBuf>,
    /// See --pages.
    #[arg(long, default_value_t = 16)]
    paragraph_min_chars: usize,
}

/// The (page, line) of truth paragraphs shorter than `min_chars` letters and digits.
fn short_paragraphs(
    corpus: &Path,
    pages: &[TruthPage],
    ids: &Ids,
    min_chars: usize,
) -> Result<HashSet<(u32, u32)>> {
    #[derive(Deserialize)]
    struct Page {
        id: String,
        text: String,
    }
    let f = File::open(corpus).with_context(|| format!("opening {}", corpus.display()))?;
    let mut short = HashSet::new();
    for (n, line) in BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let page: Page = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}", corpus.display(), n + 1))?;
        let Some(i) = ids.get(&page.id, None) else {
            continue;
        };
        let lines: Vec<&str> = page.text.split('\n').collect();
        for p in &pages[i as usize].paragraphs {
            let text = lines.get(p.line as usize - 1).copied().unwrap_or("");
            if text.chars().filter(|c| c.is_alphanumeric()).count() < min_chars {
                short.insert((i, p.line));
            }
        }
    }
    Ok(short)
}

#[derive(Deserialize, Debug, Clone)]
pub struct TruthArticle {
    pub article: u32,
    pub kind: String,
    pub kept: f64,
    #[serde(default)]
    pub share: Option<f64>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct TruthPara {
    pub line: u32,
    pub source: Option<String>,
    #[serde(default)]
    pub edited: bool,
}

#[derive(Deserialize, Debug, Clone)]
pub struct TruthPage {
    pub id: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub traditional: bool,
    pub articles: Vec<TruthArticle>,
    pub paragraphs: Vec<TruthPara>,
}

pub fn read_truth(path: &Path) -> Result<Vec<TruthPage>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut pages = Vec::new();
    for (n, line) in BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        pages.push(
            serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), n + 1))?,
        );
    }
    Ok(pages)
}

/// Kinds of true pair (bits).
pub const KINDS: [&str; 6] = [
    "plain",
    "traditional",
    "contained",
    "truncated",
    "edited",
    "repeat",
];
const TRADITIONAL: u8 = 1 << 1;
const CONTAINED: u8 = 1 << 2;
const TRUNCATED: u8 = 1 << 3;
const EDITED: u8 = 1 << 4;
const REPEAT: u8 = 1 << 5;

fn kind_bits(kind: &str) -> u8 {
    match kind {
        "collection" => CONTAINED,
        "truncated" => TRUNCATED,
        "edited" => EDITED,
        "repeat" => REPEAT,
        _ => 0,
    }
}

/// One page's carriage of one article.
struct Carry {
    page: u32,
    share: f64,
    kept: f64,
    kind: u8,
    paras: Vec<u32>,
}

fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The pair rule of the module documentation, for two carriages of the same article.
fn is_pair(p: &Carry, q: &Carry) -> bool {
    let near = p.share >= 0.7 && q.share >= 0.7 && p.kept >= 0.7 && q.kept >= 0.7;
    let common = intersection(&p.paras, &q.paras) as f64;
    let p_in_q = p.share >= 0.8 && common >= 0.8 * p.paras.len() as f64;
    let q_in_p = q.share >= 0.8 && common >= 0.8 * q.paras.len() as f64;
    near || p_in_q || q_in_p
}

fn parse_source(s: &str) -> Option<(u32, u32)> {
    let (a, p) = s.split_once(':')?;
    Some((a.parse().ok()?, p.parse().ok()?))
}

/// True pairs (page indices, smaller first) with their kind bits.
pub fn true_pairs(pages: &[TruthPage]) -> HashMap<(u32, u32), u8> {
    let mut by_article: HashMap<u32, Vec<Carry>> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        let mut paras: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut line_count: HashMap<u32, usize> = HashMap::new();
        let mut lines = 0usize;
        for p in &page.paragraphs {
            if let Some((a, k)) = p.source.as_deref().and_then(parse_source) {
                paras.entry(a).or_default().push(k);
                *line_count.entry(a).or_default() += 1;
                lines += 1;
            }
        }
        for a in &page.articles {
            let mut ps = paras.remove(&a.article).unwrap_or_default();
            ps.sort_unstable();
            ps.dedup();
            // Without a recorded share, fall back to the share of article lines.
            let share = a.share.unwrap_or_else(|| {
                line_count.get(&a.article).copied().unwrap_or(0) as f64 / lines.max(1) as f64
            });
            let kind = kind_bits(&a.kind) | if page.traditional { TRADITIONAL } else { 0 };
            by_article.entry(a.article).or_default().push(Carry {
                page: i as u32,
                share,
                kept: a.kept,
                kind,
                paras: ps,
            });
        }
    }
    let mut pairs: HashMap<(u32, u32), u8> = HashMap::new();
    for carries in by_article.values() {
        for (x, p) in carries.iter().enumerate() {
            for q in &carries[x + 1..] {
                if p.page == q.page || !is_pair(p, q) {
                    continue;
                }
                let mut bits = (p.kind | q.kind) & !TRADITIONAL;
                if (p.kind ^ q.kind) & TRADITIONAL != 0 {
                    bits |= TRADITIONAL;
                }
                if bits == 0 {
                    bits = 1; // plain
                }
                let key = (p.page.min(q.page), p.page.max(q.page));
                *pairs.entry(key).or_default() |= bits;
            }
        }
    }
    pairs
}

/// Maps report document ids to truth page indices.
struct Ids {
    exact: HashMap<String, u32>,
    url: HashMap<String, u32>,
}

fn stem(id: &str) -> &str {
    let base = id.rsplit(['/', '\\']).next().unwrap_or(id);
    base.strip_suffix(".txt").unwrap_or(base)
}

impl Ids {
    fn new(pages: &[TruthPage]) -> Self {
        let mut exact = HashMap::new();
        let mut url = HashMap::new();
        for (i, p) in pages.iter().enumerate() {
            exact.insert(p.id.clone(), i as u32);
            if let Some(u) = &p.url {
                url.insert(u.clone(), i as u32);
            }
        }
        Ids { exact, url }
    }

    fn get(&self, id: &str, url: Option<&str>) -> Option<u32> {
        self.exact
            .get(id)
            .or_else(|| self.exact.get(stem(id)))
            .or_else(|| url.and_then(|u| self.url.get(u)))
            .copied()
    }
}

/// A CSV file read as rows of named columns (header names, BOM stripped).
struct Table {
    cols: HashMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> Result<Table> {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .with_context(|| format!("opening {}", path.display()))?;
        let cols = r
            .headers()?
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').trim().to_string(), i))
            .collect();
        let rows = r
            .records()
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(Table { cols, rows })
    }

    fn col(&self, name: &str) -> Result<usize> {
        self.cols
            .get(name)
            .copied()
            .with_context(|| format!("no column {name}"))
    }
}

fn get(row: &csv::StringRecord, col: Option<usize>) -> &str {
    col.and_then(|c| row.get(c)).unwrap_or("").trim()
}

pub struct Predicted {
    pub pairs: HashSet<(u32, u32)>,
    pub unmatched_ids: usize,
}

fn read_predicted(report: &Path, ids: &Ids) -> Result<Predicted> {
    let mut pairs = HashSet::new();
    let mut unmatched: HashSet<String> = HashSet::new();
    let mut add = |a: Option<u32>, b: Option<u32>| {
        if let (Some(a), Some(b)) = (a, b)
            && a != b
        {
            pairs.insert((a.min(b), a.max(b)));
        }
    };
    let docs_path = report.join("documents.csv");
    let mut doc_index: HashMap<String, u32> = HashMap::new();
    if docs_path.exists() {
        let t = Table::read(&docs_path)?;
        let (id_c, role_c, rep_c, cl_c) = (
            t.col("doc_id")?,
            t.col("role")?,
            t.col("representative_id")?,
            t.col("cluster_id")?,
        );
        let url_c = t.cols.get("url").copied();
        let lookup = |id: &str, url: Option<&str>, unmatched: &mut HashSet<String>| {
            let r = ids.get(id, url);
            if r.is_none() && !id.is_empty() {
                unmatched.insert(id.to_string());
            }
            r
        };
        for row in &t.rows {
            let id = get(row, Some(id_c));
            let url = get(row, url_c);
            if let Some(i) = lookup(id, Some(url), &mut unmatched) {
                doc_index.insert(id.to_string(), i);
            }
        }
        let resolve = |id: &str| doc_index.get(id).copied().or_else(|| ids.get(id, None));
        let mut clusters: HashMap<&str, Vec<u32>> = HashMap::new();
        for row in &t.rows {
            let role = get(row, Some(role_c));
            if role != "duplicate" && role != "contained" {
                continue;
            }
            let d = resolve(get(row, Some(id_c)));
            add(resolve(get(row, Some(rep_c))), d);
            if role == "duplicate"
                && let Some(d) = d
            {
                clusters.entry(get(row, Some(cl_c))).or_default().push(d);
            }
        }
        for members in clusters.values() {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    add(Some(a), Some(b));
                }
            }
        }
    }
    let pairs_path = report.join("pairs.csv");
    if pairs_path.exists() {
        let t = Table::read(&pairs_path)?;
        let (a_c, b_c) = (t.col("doc_a")?, t.col("doc_b")?);
        for row in &t.rows {
            let (a, b) = (get(row, Some(a_c)), get(row, Some(b_c)));
            let (ia, ib) = (
                doc_index.get(a).copied().or_else(|| ids.get(a, None)),
                doc_index.get(b).copied().or_else(|| ids.get(b, None)),
            );
            for (x, i) in [(a, ia), (b, ib)] {
                if i.is_none() {
                    unmatched.insert(x.to_string());
                }
            }
            add(ia, ib);
        }
    }
    if !docs_path.exists() && !pairs_path.exists() {
        bail!(
            "{} has neither documents.csv nor pairs.csv",
            report.display()
        );
    }
    Ok(Predicted {
        pairs,
        unmatched_ids: unmatched.len(),
    })
}

fn c2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pair counts of a clustering of instances against a truth grouping: `(predicted pairs, true
/// pairs, pairs in both)`. `pred[i]` is instance `i`'s predicted cluster, `truth[i]` its truth
/// group (`None`: in no truth group, e.g. chrome); instances in no predicted cluster are simply
/// absent from `pred` but counted in `truth_sizes`.
pub fn pair_counts(
    members: &[(u64, Option<u64>)],
    truth_sizes: &HashMap<u64, u64>,
) -> (u64, u64, u64) {
    let mut pred: HashMap<u64, u64> = HashMap::new();
    let mut both: HashMap<(u64, u64), u64> = HashMap::new();
    for &(c, t) in members {
        *pred.entry(c).or_default() += 1;
        if let Some(t) = t {
            *both.entry((c, t)).or_default() += 1;
        }
    }
    (
        pred.values().map(|&n| c2(n)).sum(),
        truth_sizes.values().map(|&n| c2(n)).sum(),
        both.values().map(|&n| c2(n)).sum(),
    )
}

#[derive(Debug, Default, serde::Serialize)]
pub struct ParagraphScore {
    pub rows: usize,
    pub unmatched_rows: usize,
    /// Rows on chrome lines (no source): left out of the pair counts.
    pub chrome_rows: usize,
    /// Truth paragraphs left out as too short (`--pages`), and rows on them.
    pub short_excluded: usize,
    pub short_rows: usize,
    /// ... of which the report flags as boilerplate (when it has a `boilerplate` column).
    pub chrome_rows_flagged: usize,
    /// Rows on article paragraphs flagged as boilerplate (mistakes).
    pub article_rows_flagged: usize,
    /// Instance recall: copies of a source paragraph found in a cluster with another copy of it,
    /// by kind (edited copies, copies on traditional pages, the rest).
    pub found_by_kind: Vec<KindRecall>,
    pub predicted_pairs: u64,
    pub true_pairs: u64,
    pub tp_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

const PARAGRAPH_KINDS: [&str; 3] = ["edited", "traditional", "plain"];

fn paragraph_score(
    path: &Path,
    pages: &[TruthPage],
    ids: &Ids,
    short: &HashSet<(u32, u32)>,
) -> Result<ParagraphScore> {
    // Truth groups: one per source string; chrome lines have none.
    let mut group_of_source: HashMap<&str, u64> = HashMap::new();
    let mut instance: HashMap<(u32, u32), (u64, usize)> = HashMap::new();
    let mut chrome: HashSet<(u32, u32)> = HashSet::new();
    let mut truth_sizes: HashMap<u64, u64> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        for p in &page.paragraphs {
            if short.contains(&(i as u32, p.line)) {
                continue;
            }
            if let Some(s) = p.source.as_deref() {
                let next = group_of_source.len() as u64;
                let g = *group_of_source.entry(s).or_insert(next);
                let kind = if p.edited {
                    0
                } else if page.traditional {
                    1
                } else {
                    2
                };
                instance.insert((i as u32, p.line), (g, kind));
                *truth_sizes.entry(g).or_default() += 1;
            } else {
                chrome.insert((i as u32, p.line));
            }
        }
    }
    let t = Table::read(path)?;
    let (d_c, c_c, l_c) = (t.col("doc_id")?, t.col("cluster_id")?, t.col("line")?);
    let flag_c = t.col("boilerplate").ok();
    let mut cluster_ids: HashMap<String, u64> = HashMap::new();
    let mut seen: HashSet<(u64, u32, u32)> = HashSet::new();
    let mut members = Vec::with_capacity(t.rows.len());
    let mut placed: Vec<(u64, u64, (u32, u32))> = Vec::new();
    let (mut unmatched, mut chrome_rows, mut chrome_flagged, mut article_flagged) = (0, 0, 0, 0);
    let mut short_rows = 0;
    for row in &t.rows {
        let (Some(doc), Ok(line)) = (
            ids.get(get(row, Some(d_c)), None),
            get(row, Some(l_c)).parse::<u32>(),
        ) else {
            unmatched += 1;
            continue;
        };
        let flagged = flag_c.is_some_and(|c| get(row, Some(c)) == "true");
        if short.contains(&(doc, line)) {
            short_rows += 1;
            continue;
        }
        if chrome.contains(&(doc, line)) {
            chrome_rows += 1;
            chrome_flagged += flagged as usize;
            continue;
        }
        let Some(&(g, _)) = instance.get(&(doc, line)) else {
            unmatched += 1;
            continue;
        };
        article_flagged += flagged as usize;
        let next = cluster_ids.len() as u64;
        let c = *cluster_ids
            .entry(get(row, Some(c_c)).to_string())
            .or_insert(next);
        if seen.insert((c, doc, line)) {
            members.push((c, Some(g)));
            placed.push((c, g, (doc, line)));
        }
    }
    let (pred, truth, tp) = pair_counts(&members, &truth_sizes);
    let (precision, recall, f1) = prf(tp, pred, truth);
    // Instance recall: a copy (of a source with two or more copies) is found when its cluster
    // holds another copy of the same source.
    let mut per_cluster_group: HashMap<(u64, u64), u64> = HashMap::new();
    for &(c, g, _) in &placed {
        *per_cluster_group.entry((c, g)).or_default() += 1;
    }
    let mut found_at: HashSet<(u32, u32)> = HashSet::new();
    for &(c, g, at) in &placed {
        if per_cluster_group[&(c, g)] >= 2 {
            found_at.insert(at);
        }
    }
    let mut found_by_kind: Vec<KindRecall> = PARAGRAPH_KINDS
        .iter()
        .map(|&kind| KindRecall {
            kind,
            true_pairs: 0,
            found: 0,
            recall: 0.0,
        })
        .collect();
    for (at, &(g, kind)) in &instance {
        if truth_sizes[&g] >= 2 {
            found_by_kind[kind].true_pairs += 1;
            found_by_kind[kind].found += found_at.contains(at) as usize;
        }
    }
    for k in &mut found_by_kind {
        k.recall = if k.true_pairs == 0 {
            1.0
        } else {
            k.found as f64 / k.true_pairs as f64
        };
    }
    Ok(ParagraphScore {
        rows: t.rows.len(),
        unmatched_rows: unmatched,
        chrome_rows,
        short_rows,
        short_excluded: short.len(),
        chrome_rows_flagged: chrome_flagged,
        article_rows_flagged: article_flagged,
        found_by_kind,
        predicted_pairs: pred,
        true_pairs: truth,
        tp_pairs: tp,
        precision,
        recall,
        f1,
    })
}

fn prf(tp: u64, pred: u64, truth: u64) -> (f64, f64, f64) {
    let p = if pred == 0 {
        1.0
    } else {
        tp as f64 / pred as f64
    };
    let r = if truth == 0 {
        1.0
    } else {
        tp as f64 / truth as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

#[derive(Debug, serde::Serialize)]
pub struct KindRecall {
    pub kind: &'static str,
    pub true_pairs: usize,
    pub found: usize,
    pub recall: f64,
}

#[derive(Debug, serde::Serialize)]
pub struct Score {
    pub pages: usize,
    pub predicted: usize,
    #[serde(rename = "true")]
    pub truth: usize,
    pub tp: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub unmatched_doc_ids: usize,
    pub recall_by_kind: Vec<KindRecall>,
    pub false_positives: HashMap<&'static str, usize>,
    pub paragraphs: Option<ParagraphScore>,
}

pub fn score(pages: &[TruthPage], truth: &HashMap<(u32, u32), u8>, predicted: &Predicted) -> Score {
    let tp = predicted
        .pairs
        .iter()
        .filter(|p| truth.contains_key(p))
        .count();
    let (precision, recall, f1) = prf(tp as u64, predicted.pairs.len() as u64, truth.len() as u64);
    let recall_by_kind = KINDS
        .iter()
        .enumerate()
        .map(|(bit, &kind)| {
            let mask = 1u8 << bit;
            let of_kind: Vec<&(u32, u32)> = truth
                .iter()
                .filter(|(_, k)| *k & mask != 0)
                .map(|(p, _)| p)
                .collect();
            let found = of_kind
                .iter()
                .filter(|p| predicted.pairs.contains(p))
                .count();
            KindRecall {
                kind,
                true_pairs: of_kind.len(),
                found,
                recall: if of_kind.is_empty() {
                    1.0
                } else {
                    found as f64 / of_kind.len() as f64
                },
            }
        })
        .collect();
    let articles: Vec<HashSet<u32>> = pages
        .iter()
        .map(|p| p.articles.iter().map(|a| a.article).collect())
        .collect();
    let mut fps: HashMap<&'static str, usize> = [
        ("partial_overlap", 0),
        ("same_site_chrome", 0),
        ("other", 0),
    ]
    .into_iter()
    .collect();
    for &(a, b) in predicted.pairs.iter().filter(|p| !truth.contains_key(p)) {
        let (pa, pb) = (&pages[a as usize], &pages[b as usize]);
        let key = if !articles[a as usize].is_disjoint(&articles[b as usize]) {
            "partial_overlap"
        } else if !pa.site.is_empty() && pa.site == pb.site {
            "same_site_chrome"
        } else {
            "other"
        };
        *fps.get_mut(key).unwrap() += 1;
    }
    Score {
        pages: pages.len(),
        predicted: predicted.pairs.len(),
        truth: truth.len(),
        tp,
        precision,
        recall,
        f1,
        unmatched_doc_ids: predicted.unmatched_ids,
        recall_by_kind,
        false_positives: fps,
        paragraphs: None,
    }
}

/// The scores as printed.
fn render(s: &Score) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pages {}  predicted pairs {}  true pairs {}  TP {}",
        s.pages, s.predicted, s.truth, s.tp
    );
    let _ = writeln!(
        out,
        "precision {:.4}  recall {:.4}  F1 {:.4}",
        s.precision, s.recall, s.f1
    );
    if s.unmatched_doc_ids > 0 {
        let _ = writeln!(
            out,
            "warning: {} report doc ids not found in the truth",
            s.unmatched_doc_ids
        );
    }
    let _ = writeln!(out, "recall by kind:");
    for k in &s.recall_by_kind {
        let _ = writeln!(
            out,
            "  {:<12} {:>8} / {:<8} {:.4}",
            k.kind, k.found, k.true_pairs, k.recall
        );
    }
    let _ = writeln!(out, "false positives:");
    for k in ["partial_overlap", "same_site_chrome", "other"] {
        let _ = writeln!(out, "  {:<16} {}", k, s.false_positives[k]);
    }
    if let Some(p) = &s.paragraphs {
        let _ = writeln!(
            out,
            "paragraphs: rows {} (unmatched {}, chrome {} of which {} flagged boilerplate, articles flagged {}, on short paragraphs {}); short paragraphs left out {}",
            p.rows,
            p.unmatched_rows,
            p.chrome_rows,
            p.chrome_rows_flagged,
            p.article_rows_flagged,
            p.short_rows,
            p.short_excluded
        );
        let _ = writeln!(
            out,
            "  article pairs: predicted {}  true {}  TP {}  precision {:.4}  recall {:.4}  F1 {:.4}",
            p.predicted_pairs, p.true_pairs, p.tp_pairs, p.precision, p.recall, p.f1
        );
        let _ = writeln!(out, "  copies found, by kind:");
        for k in &p.found_by_kind {
            let _ = writeln!(
                out,
                "    {:<12} {:>8} / {:<8} {:.4}",
                k.kind, k.found, k.true_pairs, k.recall
            );
        }
    }
    out
}

/// Missed true pairs and false positives, sorted, one per line.
fn write_errors(
    path: &Path,
    pages: &[TruthPage],
    truth: &HashMap<(u32, u32), u8>,
    predicted: &Predicted,
) -> Result<()> {
    let kinds = |bits: u8| -> String {
        let names: Vec<&str> = KINDS
            .iter()
            .enumerate()
            .filter(|(bit, _)| bits & (1 << bit) != 0)
            .map(|(_, k)| *k)
            .collect();
        names.join("+")
    };
    let mut lines: Vec<String> = truth
        .iter()
        .filter(|(p, _)| !predicted.pairs.contains(p))
        .map(|(&(a, b), &bits)| {
            format!(
                "{}\t{}\tmissed\t{}",
                pages[a as usize].id,
                pages[b as usize].id,
                kinds(bits)
            )
        })
        .chain(
            predicted
                .pairs
                .iter()
                .filter(|p| !truth.contains_key(p))
                .map(|&(a, b)| {
                    format!(
                        "{}\t{}\tfalse_positive\t",
                        pages[a as usize].id, pages[b as usize].id
                    )
                }),
        )
        .collect();
    lines.sort();
    let mut out = String::from("id_a\tid_b\twhat\tkinds\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let pages = read_truth(&cli.truth)?;
    let ids = Ids::new(&pages);
    let truth = true_pairs(&pages);
    let predicted = read_predicted(&cli.report, &ids)?;
    let mut s = score(&pages, &truth, &predicted);
    let pm = cli.report.join("paragraph_members.csv");
    if pm.exists() {
        let short = match &cli.pages {
            Some(corpus) => short_paragraphs(corpus, &pages, &ids, cli.paragraph_min_chars)?,
            None => HashSet::new(),
        };
        s.paragraphs = Some(paragraph_score(&pm, &pages, &ids, &short)?);
    }
    // A closed pipe (`neardup-score ... | head`) is not an error.
    if let Err(err) = std::io::Write::write_all(&mut std::io::stdout(), render(&s).as_bytes())
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(err.into());
    }
    if let Some(path) = &cli.errors {
        write_errors(path, &pages, &truth, &predicted)?;
    }
    if let Some(path) = &cli.json {
        let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        serde_json::to_writer_pretty(f, &s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
