//! Report: a finished [`Scan`] → files in the output directory.
//!
//! Writes `documents.csv` (one row per input record, skipped ones included), and at page level
//! `clusters.csv` (one row per cluster of two or more, largest first), `pairs.csv` (every verified
//! pair, with the paragraphs the two pages share) and, when asked, the deduplicated corpus as JSON
//! Lines, raw or cleaned of boilerplate and repeats. At paragraph level `paragraphs.csv` (one row
//! per paragraph cluster, most copies first), `paragraph_members.csv` (one row per copy) and, when
//! asked, every paragraph cluster with its full text as JSON Lines. File names are fixed, so nothing taken from the
//! input can place a file outside the output directory. Each file is a [`Job`]; a CSV table's
//! rows are formatted in pieces of [`PIECE_ROWS`] that the driver runs in parallel and that are
//! appended in order, so the bytes do not depend on the threads (tested). Cost: one pass over
//! documents and pairs, plus reading the excerpts of representatives.

pub mod csv;

use self::csv::{Cell, CsvFile, CsvSink};
use crate::cluster::Role;
use crate::error::{Error, Result};
use crate::paragraph::ParaScan;
use crate::pipeline::Scan;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Characters of text shown in an excerpt.
pub const EXCERPT_CHARS: usize = 100;
/// Characters of a paragraph shown in `paragraphs.csv`.
pub const PARAGRAPH_EXCERPT_CHARS: usize = 200;

/// How reports are written.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub excel: bool,
    pub emit_kept: Option<PathBuf>,
    /// With `emit_kept`: boilerplate lines removed, paragraphs repeated on a page kept once.
    pub clean_text: bool,
    pub emit_paragraphs: Option<PathBuf>,
}

/// The files a report run wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub files: Vec<PathBuf>,
}

pub const DOCUMENTS_HEADER: &[&str] = &[
    "doc_id",
    "source",
    "url",
    "site",
    "chars",
    "encoding",
    "cluster_id",
    "role",
    "representative_id",
    "jaccard",
    "containment",
    "paragraphs",
    "copied_paragraphs",
    "repeated_paragraphs",
    "reason",
];

pub const CLUSTERS_HEADER: &[&str] = &[
    "cluster_id",
    "size",
    "representative_id",
    "representative_url",
    "sites",
    "duplicates",
    "contained",
    "min_similarity",
    "mean_similarity",
    "excerpt",
];

pub const PAIRS_HEADER: &[&str] = &[
    "doc_a",
    "doc_b",
    "jaccard_estimate",
    "jaccard",
    "containment_a_in_b",
    "containment_b_in_a",
    "shared_paragraphs",
];

pub const PARAGRAPHS_HEADER: &[&str] = &[
    "cluster_id",
    "copies",
    "pages",
    "sites",
    "variants",
    "contained",
    "repeat_pages",
    "first_doc_id",
    "boilerplate",
    "chars",
    "excerpt",
];

pub const PARAGRAPH_MEMBERS_HEADER: &[&str] = &[
    "doc_id",
    "cluster_id",
    "paragraph",
    "line",
    "kind",
    "similarity",
    "boilerplate",
];

/// Writes every report of `scan` into `dir` (created if missing).
pub fn write_all(scan: &Scan, dir: &Path, options: &ReportOptions) -> Result<Written> {
    let jobs = jobs(scan, dir, options)?;
    let results: Vec<Result<()>> = jobs.iter().map(Job::run).collect();
    finish(jobs, results)
}

/// One report file to write: its path and how it is written. The files are independent, so the
/// driver may write them in parallel, and the rows of a CSV table may be formatted in parallel
/// pieces ([`Job::run_with`]).
pub struct Job<'a> {
    pub path: PathBuf,
    work: Work<'a>,
}

enum Work<'a> {
    /// Written whole, in one pass.
    Whole(WriteFn<'a>),
    /// A CSV table: made ready (orders, excerpts), then its rows written piece by piece.
    Table { excel: bool, prepare: PrepareFn<'a> },
}

/// Writes one report file at the path given.
type WriteFn<'a> = Box<dyn Fn(&Path) -> Result<()> + Send + Sync + 'a>;

/// Makes a table ready to be written.
type PrepareFn<'a> = Box<dyn Fn() -> Table<'a> + Send + Sync + 'a>;

/// The rows of a CSV report: its header, how many rows, and a writer of any range of them.
struct Table<'a> {
    header: &'static [&'static str],
    rows: usize,
    write: RowsFn<'a>,
}

type RowsFn<'a> = Box<dyn Fn(Range<usize>, &mut CsvSink) -> Result<()> + Sync + 'a>;

/// Rows of a table formatted as one piece.
pub const PIECE_ROWS: usize = 1 << 14;
/// Pieces formatted before they are written: about 10 MB of rows held at once.
const WAVE_PIECES: usize = 8;

/// The driver's map over the pieces of a wave: `each(i)` for `i` in `0..n`, the results in
/// order of `i` (in parallel, or one after the other).
pub type PieceMap<'m> =
    dyn Fn(usize, &(dyn Fn(usize) -> Result<Vec<u8>> + Sync)) -> Vec<Result<Vec<u8>>> + Sync + 'm;

impl Job<'_> {
    /// Writes the file, its pieces one after the other.
    pub fn run(&self) -> Result<()> {
        self.run_with(&|n, each| (0..n).map(each).collect())
    }

    /// Writes the file: a table's rows formatted in pieces through `map`, a wave at a time,
    /// and appended in order, so the file is the same whatever `map` runs them on.
    pub fn run_with(&self, map: &PieceMap<'_>) -> Result<()> {
        let (excel, prepare) = match &self.work {
            Work::Whole(write) => return write(&self.path),
            Work::Table { excel, prepare } => (*excel, prepare),
        };
        let table = prepare();
        let mut file = CsvFile::create(&self.path, excel, table.header)?;
        let pieces = table.rows.div_ceil(PIECE_ROWS);
        for wave in (0..pieces).step_by(WAVE_PIECES) {
            let formatted = map(WAVE_PIECES.min(pieces - wave), &|i| {
                let start = (wave + i) * PIECE_ROWS;
                let mut rows = CsvSink::buffer(&self.path, excel);
                (table.write)(start..(start + PIECE_ROWS).min(table.rows), &mut rows)?;
                rows.into_bytes()
            });
            for rows in formatted {
                file.append(&rows?)?;
            }
        }
        file.finish()
    }
}

/// The report files of `scan` in `dir`, in the order [`Written::files`] lists them (the
/// directory is created first).
pub fn jobs<'a>(scan: &'a Scan, dir: &Path, options: &'a ReportOptions) -> Result<Vec<Job<'a>>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.into(),
        source,
    })?;
    let excel = options.excel;
    let mut jobs: Vec<Job<'a>> = Vec::new();
    let mut table = |name: &str, prepare: PrepareFn<'a>| {
        jobs.push(Job {
            path: dir.join(name),
            work: Work::Table { excel, prepare },
        })
    };
    table("documents.csv", Box::new(move || documents(scan)));
    if scan.level.pages() {
        table("clusters.csv", Box::new(move || clusters(scan)));
        table("pairs.csv", Box::new(move || pairs(scan)));
    }
    if let Some(paragraphs) = &scan.paragraphs {
        table(
            "paragraphs.csv",
            Box::new(move || paragraph_clusters(scan, paragraphs)),
        );
        table(
            "paragraph_members.csv",
            Box::new(move || paragraph_members(scan, paragraphs)),
        );
    }
    let mut whole = |path: PathBuf, write: WriteFn<'a>| {
        jobs.push(Job {
            path,
            work: Work::Whole(write),
        })
    };
    if let (Some(paragraphs), Some(path)) = (&scan.paragraphs, &options.emit_paragraphs) {
        whole(
            path.clone(),
            Box::new(move |p| write_paragraph_texts(scan, paragraphs, p)),
        );
    }
    if let Some(path) = &options.emit_kept {
        let clean = options.clean_text;
        whole(path.clone(), Box::new(move |p| write_kept(scan, p, clean)));
    }
    Ok(jobs)
}

/// The files written, or the first error in the order of `jobs`.
pub fn finish(jobs: Vec<Job<'_>>, results: Vec<Result<()>>) -> Result<Written> {
    results.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(Written {
        files: jobs.into_iter().map(|job| job.path).collect(),
    })
}

/// The first [`EXCERPT_CHARS`] characters of a text, whitespace runs folded to one space.
pub fn excerpt(text: &str) -> String {
    excerpt_of(text, EXCERPT_CHARS)
}

/// The first `max` characters of a text, whitespace runs folded to one space.
pub fn excerpt_of(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        if count == max {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// The similarity score of a member to its representative: Jaccard for duplicates, containment
/// for contained pages.
fn member_score(scan: &Scan, doc: u32) -> Option<f64> {
    let a = scan.outcomes[doc as usize].assignment?;
    let s = a.similarity?;
    Some(if a.role == Role::Contained {
        s.a_in_b()
    } else {
        s.jaccard()
    })
}

fn documents(scan: &Scan) -> Table<'_> {
    let write = move |range: Range<usize>, sink: &mut CsvSink| {
        for index in range {
            let doc = &scan.corpus.docs[index];
            let outcome = &scan.outcomes[index];
            let source = scan.corpus.source(doc);
            let url = doc.url().unwrap_or("");
            let (cluster, role, rep, jaccard, containment) =
                match (&outcome.skip, outcome.assignment) {
                    (None, Some(a)) if scan.level.pages() => {
                        let rep = if a.representative == index as u32 {
                            ""
                        } else {
                            scan.corpus.docs[a.representative as usize].id()
                        };
                        let (j, c) = match a.similarity {
                            Some(s) => (Some(s.jaccard()), Some(s.a_in_b())),
                            None => (None, None),
                        };
                        (Some(outcome.cluster_id as u64), a.role.name(), rep, j, c)
                    }
                    (None, _) => (None, "", "", None, None),
                    _ => (None, "skipped", "", None, None),
                };
            let counts = |f: fn(&ParaScan, u32) -> u32| match (&scan.paragraphs, &outcome.skip) {
                (Some(p), None) => Cell::Int(f(p, index as u32) as u64),
                _ => Cell::Word(""),
            };
            let reason = outcome.skip.map(|s| s.reason(doc)).unwrap_or("");
            sink.row(&[
                Cell::Id(doc.id()),
                Cell::Id(&source),
                Cell::Text(url),
                Cell::Id(&doc.site()),
                Cell::Int(outcome.raw_chars as u64),
                Cell::Plain(doc.encoding_label()),
                Cell::int_or_empty(cluster),
                Cell::Word(role),
                Cell::Id(rep),
                Cell::frac_or_empty(jaccard),
                Cell::frac_or_empty(containment),
                counts(|p, d| p.of_doc(d).len() as u32),
                counts(|p, d| p.membership[p.of_doc(d)].iter().flatten().count() as u32),
                counts(ParaScan::repeats_in),
                Cell::Text(reason),
            ])?;
        }
        Ok(())
    };
    Table {
        header: DOCUMENTS_HEADER,
        rows: scan.corpus.docs.len(),
        write: Box::new(write),
    }
}

fn clusters(scan: &Scan) -> Table<'_> {
    let mut order: Vec<usize> = (0..scan.clusters.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(scan.clusters[i].members.len()),
            scan.clusters[i].id,
        )
    });
    let excerpts = representative_excerpts(scan);
    let rows = order.len();
    let write = move |range: Range<usize>, sink: &mut CsvSink| {
        for &i in &order[range] {
            let cluster = &scan.clusters[i];
            let docs = &scan.corpus.docs;
            let rep = &docs[cluster.representative as usize];
            let sites: BTreeSet<String> = std::iter::once(cluster.representative)
                .chain(cluster.members.iter().copied())
                .map(|d| docs[d as usize].site())
                .collect();
            let scores: Vec<f64> = cluster
                .members
                .iter()
                .filter_map(|&d| member_score(scan, d))
                .collect();
            let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
            let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
            let role_count = |role: Role| {
                cluster
                    .members
                    .iter()
                    .filter(|&&d| {
                        scan.outcomes[d as usize]
                            .assignment
                            .is_some_and(|a| a.role == role)
                    })
                    .count()
            };
            sink.row(&[
                Cell::Int(cluster.id as u64),
                Cell::Int(cluster.members.len() as u64 + 1),
                Cell::Id(rep.id()),
                Cell::Text(rep.url().unwrap_or("")),
                Cell::Int(sites.len() as u64),
                Cell::Int(role_count(Role::Duplicate) as u64),
                Cell::Int(role_count(Role::Contained) as u64),
                Cell::Frac(min),
                Cell::Frac(mean),
                Cell::Text(&excerpts[i]),
            ])?;
        }
        Ok(())
    };
    Table {
        header: CLUSTERS_HEADER,
        rows,
        write: Box::new(write),
    }
}

/// The excerpt of each cluster's representative, by cluster index. The pages are read in input
/// order, not in the report's order (largest cluster first), so that the input is read once from
/// front to back: read at random, a mapped input advised for sequential reading brings its
/// read-ahead with every page, and an input larger than the page cache is read many times over
/// (in a 640 MB cgroup, the 71,602 excerpts of a 1M-page crawl read about 55 GB from disk in
/// 142 s; in input order, 3.7 GB in 14 s).
fn representative_excerpts(scan: &Scan) -> Vec<String> {
    let mut by_doc: Vec<(u32, usize)> = scan
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (c.representative, i))
        .collect();
    by_doc.sort_unstable();
    let mut excerpts = vec![String::new(); by_doc.len()];
    for (row, (rep, i)) in by_doc.into_iter().enumerate() {
        if row % 1024 == 0 {
            // Excerpts read need not stay resident (see `Corpus::release_text`).
            scan.corpus.release_text();
        }
        excerpts[i] = excerpt(&scan.corpus.text(&scan.corpus.docs[rep as usize]));
    }
    excerpts
}

fn pairs(scan: &Scan) -> Table<'_> {
    // The paragraph clusters of each page in a pair, computed once per page.
    let mut of_doc: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
    if let Some(p) = &scan.paragraphs {
        for pair in scan.pairs.iter() {
            for d in [pair.a, pair.b] {
                of_doc.entry(d).or_insert_with(|| p.clusters_of(d));
            }
        }
    }
    let write = move |range: Range<usize>, sink: &mut CsvSink| {
        for pair in scan.pairs.range(range) {
            let s = pair.similarity;
            let shared = match (of_doc.get(&pair.a), of_doc.get(&pair.b)) {
                (Some(a), Some(b)) => Some(crate::verify::intersect(a, b) as u64),
                _ => None,
            };
            sink.row(&[
                Cell::Id(scan.corpus.docs[pair.a as usize].id()),
                Cell::Id(scan.corpus.docs[pair.b as usize].id()),
                Cell::Frac(pair.estimate),
                Cell::Frac(s.jaccard()),
                Cell::Frac(s.a_in_b()),
                Cell::Frac(s.b_in_a()),
                Cell::int_or_empty(shared),
            ])?;
        }
        Ok(())
    };
    Table {
        header: PAIRS_HEADER,
        rows: scan.pairs.len(),
        write: Box::new(write),
    }
}

fn paragraph_clusters<'a>(scan: &'a Scan, p: &'a ParaScan) -> Table<'a> {
    let write = move |range: Range<usize>, sink: &mut CsvSink| {
        for (c, text) in p.clusters[range.clone()].iter().zip(&p.texts[range]) {
            let rep = c.representative as usize;
            sink.row(&[
                Cell::Int(c.id as u64),
                Cell::Int(c.copies as u64),
                Cell::Int(c.pages as u64),
                Cell::Int(c.sites as u64),
                Cell::Int(c.variants as u64),
                Cell::Int(c.contained as u64),
                Cell::Int(c.repeat_pages as u64),
                Cell::Id(scan.corpus.docs[c.first_doc as usize].id()),
                Cell::Bool(c.boilerplate),
                Cell::Int(p.instances[rep].print.chars as u64),
                Cell::Text(&excerpt_of(text, PARAGRAPH_EXCERPT_CHARS)),
            ])?;
        }
        Ok(())
    };
    Table {
        header: PARAGRAPHS_HEADER,
        rows: p.clusters.len(),
        write: Box::new(write),
    }
}

fn paragraph_members<'a>(scan: &'a Scan, p: &'a ParaScan) -> Table<'a> {
    let mut members: Vec<(u32, usize)> = p
        .membership
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.map(|m| (m.cluster, i)))
        .collect();
    members.sort_unstable();
    let rows = members.len();
    let write = move |range: Range<usize>, sink: &mut CsvSink| {
        for &(cluster, i) in &members[range] {
            let inst = &p.instances[i];
            let m = p.membership[i].expect("a member");
            sink.row(&[
                Cell::Id(scan.corpus.docs[inst.doc as usize].id()),
                Cell::Int(cluster as u64),
                Cell::Int(inst.index as u64),
                Cell::Int(inst.print.line as u64),
                Cell::Word(m.kind.name()),
                Cell::Frac(m.similarity),
                Cell::Bool(inst.print.boilerplate),
            ])?;
        }
        Ok(())
    };
    Table {
        header: PARAGRAPH_MEMBERS_HEADER,
        rows,
        write: Box::new(write),
    }
}

#[derive(serde::Serialize)]
struct ParagraphRecord<'a> {
    cluster_id: u32,
    copies: u32,
    pages: u32,
    sites: u32,
    variants: u32,
    boilerplate: bool,
    first_doc_id: &'a str,
    text: &'a str,
}

fn create_jsonl(path: &Path) -> Result<BufWriter<File>> {
    let werr = |source| Error::Write {
        path: path.into(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(werr)?;
    }
    Ok(BufWriter::new(File::create(path).map_err(werr)?))
}

fn write_record(out: &mut impl Write, path: &Path, record: &impl serde::Serialize) -> Result<()> {
    let werr = |source| Error::Write {
        path: path.into(),
        source,
    };
    serde_json::to_writer(&mut *out, record).map_err(|e| werr(std::io::Error::other(e)))?;
    out.write_all(b"\n").map_err(werr)
}

/// Every paragraph cluster with the full raw text of its representative.
fn write_paragraph_texts(scan: &Scan, p: &ParaScan, path: &Path) -> Result<()> {
    let mut out = create_jsonl(path)?;
    for (c, text) in p.clusters.iter().zip(&p.texts) {
        let record = ParagraphRecord {
            cluster_id: c.id,
            copies: c.copies,
            pages: c.pages,
            sites: c.sites,
            variants: c.variants,
            boilerplate: c.boilerplate,
            first_doc_id: scan.corpus.docs[c.first_doc as usize].id(),
            text,
        };
        write_record(&mut out, path, &record)?;
    }
    out.flush().map_err(|source| Error::Write {
        path: path.into(),
        source,
    })
}

/// A page's text without its boilerplate lines and without paragraphs that repeat an earlier one
/// of the same page.
pub fn clean_text(text: &str, p: &ParaScan, doc: u32) -> String {
    let range = p.of_doc(doc);
    let mut drop: Vec<u32> = range
        .clone()
        .filter(|&i| p.is_boilerplate(i) || p.membership[i].is_some_and(|m| m.repeat))
        .map(|i| p.instances[i].print.line)
        .collect();
    drop.sort_unstable();
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split('\n').enumerate() {
        if drop.binary_search(&(index as u32 + 1)).is_ok() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[derive(serde::Serialize)]
struct KeptRecord<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    cluster_id: u32,
    text: &'a str,
}

/// The deduplicated corpus: representatives and unique pages, input order; raw text, or cleaned.
fn write_kept(scan: &Scan, path: &Path, clean: bool) -> Result<()> {
    let werr = |source| Error::Write {
        path: path.into(),
        source,
    };
    let mut out = create_jsonl(path)?;
    for (index, doc) in scan.corpus.docs.iter().enumerate() {
        let outcome = &scan.outcomes[index];
        if outcome.skip.is_some() || !outcome.assignment.is_some_and(|a| a.role.kept()) {
            continue;
        }
        if index % 4096 == 0 {
            // Pages written need not stay resident (see `Corpus::release_text`).
            scan.corpus.release_text();
        }
        let text = scan.corpus.text(doc);
        let cleaned = match (&scan.paragraphs, clean) {
            (Some(p), true) => Some(clean_text(&text, p, index as u32)),
            _ => None,
        };
        let record = KeptRecord {
            id: doc.id(),
            url: doc.url(),
            cluster_id: outcome.cluster_id,
            text: cleaned.as_deref().unwrap_or(&text),
        };
        write_record(&mut out, path, &record)?;
    }
    out.flush().map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of `rows` rows that name their index, and quote a comma now and then.
    fn counting_table(dir: &Path, rows: usize, excel: bool) -> Job<'static> {
        let prepare: PrepareFn<'static> = Box::new(move || Table {
            header: &["row", "text"],
            rows,
            write: Box::new(|range, sink| {
                for i in range {
                    let text = if i % 7 == 0 { "a, b" } else { "=1+1" };
                    sink.row(&[Cell::Int(i as u64), Cell::Text(text)])?;
                }
                Ok(())
            }),
        });
        Job {
            path: dir.join(format!("table-{rows}-{excel}.csv")),
            work: Work::Table { excel, prepare },
        }
    }

    #[test]
    fn tables_in_pieces_are_written_in_order_however_the_pieces_run() {
        let dir = tempfile::tempdir().unwrap();
        // Pieces of a wave made last first, as a parallel map may finish them.
        let backwards = |n: usize, each: &(dyn Fn(usize) -> Result<Vec<u8>> + Sync)| {
            let mut out: Vec<Result<Vec<u8>>> = (0..n).rev().map(each).collect();
            out.reverse();
            out
        };
        for excel in [false, true] {
            // More rows than a wave of pieces holds, and a last piece cut short.
            let rows = 2 * WAVE_PIECES * PIECE_ROWS + 5;
            let job = counting_table(dir.path(), rows, excel);
            job.run_with(&backwards).unwrap();
            let bytes = std::fs::read(&job.path).unwrap();
            job.run().unwrap();
            assert_eq!(std::fs::read(&job.path).unwrap(), bytes);
            let text = String::from_utf8(bytes).unwrap();
            let newline = if excel { "\r\n" } else { "\n" };
            let mut expected = String::from(if excel { "\u{feff}" } else { "" });
            expected.push_str(&format!("row,text{newline}"));
            for i in 0..rows {
                let text = if i % 7 == 0 { "\"a, b\"" } else { "'=1+1" };
                expected.push_str(&format!("{i},{text}{newline}"));
            }
            assert_eq!(text, expected);
        }
    }

    #[test]
    fn excerpts_fold_whitespace_and_cut() {
        assert_eq!(excerpt("  第一段\n\n  第二段\t内容 "), "第一段 第二段 内容");
        let long: String = "字".repeat(150);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }
}
