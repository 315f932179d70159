//! Report: a finished [`Scan`] → files in the output directory.
//!
//! Writes `documents.csv` (one row per input record, skipped ones included), `clusters.csv` (one
//! row per cluster of two or more, largest first), `pairs.csv` (every verified pair) and, when
//! asked, the deduplicated corpus as JSON Lines. File names are fixed, so nothing taken from the
//! input can place a file outside the output directory. Cost: one pass over documents and pairs,
//! plus reading the excerpts of representatives.

pub mod csv;

use self::csv::{Cell, CsvSink, fraction};
use crate::cluster::Role;
use crate::error::{Error, Result};
use crate::pipeline::Scan;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Characters of text shown in an excerpt.
pub const EXCERPT_CHARS: usize = 100;

/// How reports are written.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub excel: bool,
    pub emit_kept: Option<PathBuf>,
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
];

/// Writes every report of `scan` into `dir` (created if missing).
pub fn write_all(scan: &Scan, dir: &Path, options: &ReportOptions) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.into(),
        source,
    })?;
    let mut files = vec![
        dir.join("documents.csv"),
        dir.join("clusters.csv"),
        dir.join("pairs.csv"),
    ];
    write_documents(scan, &files[0], options.excel)?;
    write_clusters(scan, &files[1], options.excel)?;
    write_pairs(scan, &files[2], options.excel)?;
    if let Some(path) = &options.emit_kept {
        write_kept(scan, path)?;
        files.push(path.clone());
    }
    Ok(Written { files })
}

/// The first [`EXCERPT_CHARS`] characters of a text, whitespace runs folded to one space.
pub fn excerpt(text: &str) -> String {
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
        if count == EXCERPT_CHARS {
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

fn write_documents(scan: &Scan, path: &Path, excel: bool) -> Result<()> {
    let mut sink = CsvSink::create(path, excel, DOCUMENTS_HEADER)?;
    for (index, doc) in scan.corpus.docs.iter().enumerate() {
        let outcome = &scan.outcomes[index];
        let source = scan.corpus.source(doc);
        let url = doc.url.as_deref().unwrap_or("");
        let (cluster, role, rep, jaccard, containment) = match (&outcome.skip, outcome.assignment) {
            (None, Some(a)) => {
                let rep = if a.representative == index as u32 {
                    ""
                } else {
                    scan.corpus.docs[a.representative as usize].id.as_str()
                };
                let (j, c) = match a.similarity {
                    Some(s) => (fraction(s.jaccard()), fraction(s.a_in_b())),
                    None => (String::new(), String::new()),
                };
                (outcome.cluster_id.to_string(), a.role.name(), rep, j, c)
            }
            _ => (String::new(), "skipped", "", String::new(), String::new()),
        };
        let reason = outcome.skip.as_ref().map(|s| s.reason()).unwrap_or("");
        sink.row(&[
            Cell::Id(&doc.id),
            Cell::Id(&source),
            Cell::Text(url),
            Cell::Id(&doc.site),
            Cell::Plain(outcome.raw_chars.to_string()),
            Cell::Plain(doc.encoding_label()),
            Cell::Plain(cluster),
            Cell::Plain(role.to_string()),
            Cell::Id(rep),
            Cell::Plain(jaccard),
            Cell::Plain(containment),
            Cell::Text(reason),
        ])?;
    }
    sink.finish()
}

fn write_clusters(scan: &Scan, path: &Path, excel: bool) -> Result<()> {
    let mut sink = CsvSink::create(path, excel, CLUSTERS_HEADER)?;
    let mut order: Vec<usize> = (0..scan.clusters.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(scan.clusters[i].members.len()),
            scan.clusters[i].id,
        )
    });
    for i in order {
        let cluster = &scan.clusters[i];
        let docs = &scan.corpus.docs;
        let rep = &docs[cluster.representative as usize];
        let sites: BTreeSet<&str> = std::iter::once(cluster.representative)
            .chain(cluster.members.iter().copied())
            .map(|d| docs[d as usize].site.as_str())
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
        let text = scan.corpus.text(rep);
        sink.row(&[
            Cell::Plain(cluster.id.to_string()),
            Cell::Plain((cluster.members.len() + 1).to_string()),
            Cell::Id(&rep.id),
            Cell::Text(rep.url.as_deref().unwrap_or("")),
            Cell::Plain(sites.len().to_string()),
            Cell::Plain(role_count(Role::Duplicate).to_string()),
            Cell::Plain(role_count(Role::Contained).to_string()),
            Cell::Plain(fraction(min)),
            Cell::Plain(fraction(mean)),
            Cell::Text(&excerpt(&text)),
        ])?;
    }
    sink.finish()
}

fn write_pairs(scan: &Scan, path: &Path, excel: bool) -> Result<()> {
    let mut sink = CsvSink::create(path, excel, PAIRS_HEADER)?;
    for pair in &scan.pairs {
        let s = pair.similarity;
        sink.row(&[
            Cell::Id(&scan.corpus.docs[pair.a as usize].id),
            Cell::Id(&scan.corpus.docs[pair.b as usize].id),
            Cell::Plain(fraction(pair.estimate)),
            Cell::Plain(fraction(s.jaccard())),
            Cell::Plain(fraction(s.a_in_b())),
            Cell::Plain(fraction(s.b_in_a())),
        ])?;
    }
    sink.finish()
}

#[derive(serde::Serialize)]
struct KeptRecord<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    cluster_id: u32,
    text: &'a str,
}

/// The deduplicated corpus: representatives and unique pages, raw text, input order.
fn write_kept(scan: &Scan, path: &Path) -> Result<()> {
    let werr = |source| Error::Write {
        path: path.into(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(werr)?;
    }
    let mut out = BufWriter::new(File::create(path).map_err(werr)?);
    for (index, doc) in scan.corpus.docs.iter().enumerate() {
        let outcome = &scan.outcomes[index];
        if outcome.skip.is_some() || !outcome.assignment.is_some_and(|a| a.role.kept()) {
            continue;
        }
        let text = scan.corpus.text(doc);
        let record = KeptRecord {
            id: &doc.id,
            url: doc.url.as_deref(),
            cluster_id: outcome.cluster_id,
            text: &text,
        };
        serde_json::to_writer(&mut out, &record).map_err(|e| werr(std::io::Error::other(e)))?;
        out.write_all(b"\n").map_err(werr)?;
    }
    out.flush().map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_fold_whitespace_and_cut() {
        assert_eq!(excerpt("  第一段\n\n  第二段\t内容 "), "第一段 第二段 内容");
        let long: String = "字".repeat(150);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }
}
