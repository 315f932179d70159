//! Command-line flags (clap derive), turned into a validated [`Config`].

use clap::{Args, Parser, Subcommand};
use neardup::Config;
use neardup::config::{Level, Method, default_ngram};
use neardup::ingest::{Fields, IngestOptions, MmapChoice};
use neardup::lsh::Bands;
use neardup::signature::Weighting;
use neardup::tokenize::TokenizerKind;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "neardup",
    version,
    about = "Find near-duplicate pages in crawls of Chinese template sites"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find near-duplicate pages and write reports.
    Scan(ScanArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, directories (walked recursively for .txt, .jsonl, .jsonl.gz, .jsonl.zst) or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Directory for the reports.
    #[arg(long, short, default_value = "neardup-report", value_name = "DIR")]
    pub out: PathBuf,

    /// Tokens: characters (char) or jieba words (jieba).
    #[arg(long, default_value = "char", value_parser = parse_tokenizer)]
    pub tokenizer: TokenizerKind,

    /// Tokens per shingle [default: 5 for char, 3 for jieba].
    #[arg(long, value_name = "K")]
    pub ngram: Option<usize>,

    /// Page-level candidates: MinHash LSH (minhash) or SimHash Hamming search (simhash).
    #[arg(long, default_value = "minhash", value_parser = parse_method)]
    pub method: Method,

    /// With --method simhash: pages whose 64-bit fingerprints differ in at most this many bits
    /// are candidates (0 to 8).
    #[arg(long, default_value_t = 3, value_name = "BITS")]
    pub max_hamming: u32,

    /// With --method simhash: weight of a shingle repeated tf times in a page: 1 + ln tf (log-tf),
    /// tf, or 1 (set).
    #[arg(long, default_value = "log-tf", value_parser = parse_weighting, value_name = "W")]
    pub simhash_weight: Weighting,

    /// MinHash sketch size.
    #[arg(long, default_value_t = 128, value_name = "N")]
    pub num_perm: usize,

    /// Jaccard similarity at or above which two pages are near-duplicates.
    #[arg(long, default_value_t = 0.5, value_name = "T")]
    pub threshold: f64,

    /// Share of a page's shingles found in a longer page at or above which it is contained.
    #[arg(long, default_value_t = 0.6, value_name = "C")]
    pub containment: f64,

    /// A page counts as contained in another only with at least this many shingles.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub min_contained_shingles: u32,

    /// LSH bands (with --rows); chosen from --threshold when omitted.
    #[arg(long, requires = "rows", value_name = "B")]
    pub bands: Option<usize>,

    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands", value_name = "R")]
    pub rows: Option<usize>,

    /// Lines with at least this many characters are sketched alone to find contained pages.
    #[arg(long, default_value_t = 30, value_name = "CHARS")]
    pub line_min_chars: u32,

    /// Pages become candidates through their lines when the lines they share make up this share of
    /// the long lines of the page with fewer.
    #[arg(long, default_value_t = 0.25, value_name = "S")]
    pub line_share: f64,

    /// Leave lines that recur on many pages of a site (search boxes, meta lines, download prompts,
    /// injected ads) out of fingerprints: true or false.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub strip_boilerplate: bool,

    /// A file of regular expressions, one per line (# starts a comment): lines matching one are
    /// boilerplate on every site.
    #[arg(long, value_name = "FILE")]
    pub boilerplate_patterns: Option<PathBuf>,

    /// What to cluster: page, paragraph or both.
    #[arg(long, default_value = "both", value_parser = parse_level)]
    pub level: Level,

    /// Paragraphs with fewer normalized characters are kept in their page but are not counted as
    /// copies, unless they are boilerplate (1 to 30).
    #[arg(long, default_value_t = 16, value_name = "CHARS")]
    pub paragraph_min_chars: u32,

    /// Jaccard similarity at or above which two paragraphs are copies.
    #[arg(long, default_value_t = 0.5, value_name = "T")]
    pub paragraph_threshold: f64,

    /// Share of a paragraph found in a longer one at or above which it is a contained copy.
    #[arg(long, default_value_t = 0.55, value_name = "C")]
    pub paragraph_containment: f64,

    /// Write every paragraph cluster with its full representative text as JSON Lines.
    #[arg(long, value_name = "FILE")]
    pub emit_paragraphs: Option<PathBuf>,

    /// With --emit-kept: write the text without boilerplate lines and with paragraphs repeated on
    /// a page kept once.
    #[arg(long)]
    pub clean_text: bool,

    /// Worker threads [default: one per core].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Write CSV for Excel and WPS: UTF-8 with BOM, CRLF, every text cell guarded against formulas.
    #[arg(long)]
    pub excel: bool,

    /// Write the deduplicated corpus (representatives and unique pages) as JSON Lines.
    #[arg(long, value_name = "FILE")]
    pub emit_kept: Option<PathBuf>,

    /// JSONL field holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,

    /// JSONL field holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,

    /// JSONL field holding the url.
    #[arg(long, default_value = "url", value_name = "NAME")]
    pub url_field: String,

    /// Memory-map inputs: auto (files of 1 MiB or more), always, never.
    #[arg(long, default_value = "auto", value_parser = parse_mmap)]
    pub mmap: MmapChoice,

    /// Bound the memory of the page level's large tables to about SIZE (e.g. 512M, 2G): LSH band
    /// tables spill to sorted run files on disk, verification holds fewer shingle sets. Same
    /// reports as without.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,

    /// Directory for temporary files: the shingles kept for page and paragraph verification,
    /// and the run files of --memory-limit [default: the output directory].
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,

    /// Bytes of records held before a run file is written (tests: makes a small input spill).
    #[arg(long, hide = true, value_name = "BYTES", requires = "memory_limit")]
    pub spill_run_bytes: Option<usize>,

    /// Skip documents larger than this many bytes (with a reason in documents.csv).
    #[arg(long, default_value_t = 64 << 20, value_name = "BYTES")]
    pub max_doc_bytes: usize,

    /// Encoding of inputs without a byte order mark: auto (UTF-8, else detected for text files),
    /// or a label such as utf-8, gbk, gb18030, big5, utf-16le, utf-16be.
    #[arg(long, default_value = "auto", value_name = "NAME", value_parser = parse_encoding)]
    pub encoding: EncodingChoice,

    /// No progress bars and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_tokenizer(s: &str) -> Result<TokenizerKind, String> {
    s.parse()
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

fn parse_method(s: &str) -> Result<Method, String> {
    s.parse()
}

fn parse_weighting(s: &str) -> Result<Weighting, String> {
    s.parse()
}

/// `--encoding`: `None` for auto.
#[derive(Debug, Clone, Copy)]
pub struct EncodingChoice(Option<&'static encoding_rs::Encoding>);

fn parse_encoding(s: &str) -> Result<EncodingChoice, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(EncodingChoice(None));
    }
    match neardup::ingest::decode::encoding_for_label(s) {
        Some(encoding) => Ok(EncodingChoice(Some(encoding))),
        None => Err(format!(
            "unknown encoding {s:?} (expected auto or a label such as utf-8, gbk, gb18030, big5, utf-16le)"
        )),
    }
}

/// A size in bytes: a number with an optional K, M, G or T suffix (powers of 1024), e.g. `512M`.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, suffix) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], Some(c.to_ascii_uppercase())),
        _ => (t, None),
    };
    let value: f64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {s:?} (e.g. 512M, 2G, 1048576)"))?;
    let shift = match suffix {
        None => 0,
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some('T') => 40,
        Some(_) => {
            return Err(format!(
                "unknown size suffix in {s:?} (expected K, M, G or T)"
            ));
        }
    };
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("size out of range: {s:?}"));
    }
    Ok(bytes as u64)
}

fn parse_mmap(s: &str) -> Result<MmapChoice, String> {
    match s {
        "auto" => Ok(MmapChoice::Auto),
        "always" => Ok(MmapChoice::Always),
        "never" => Ok(MmapChoice::Never),
        other => Err(format!(
            "unknown mmap choice {other:?} (expected auto, always or never)"
        )),
    }
}

impl ScanArgs {
    /// The validated configuration, or what is wrong with the flags.
    pub fn into_config(self) -> Result<Config, String> {
        let mut config = Config::new(self.paths);
        config.out_dir = self.out;
        config.tokenizer = self.tokenizer;
        config.ngram = self.ngram.unwrap_or_else(|| default_ngram(self.tokenizer));
        config.method = self.method;
        config.max_hamming = self.max_hamming;
        config.simhash_weighting = self.simhash_weight;
        config.num_perm = self.num_perm;
        config.threshold = self.threshold;
        config.containment = self.containment;
        config.min_contained_shingles = self.min_contained_shingles;
        config.bands = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => Some(Bands { bands, rows }),
            _ => None,
        };
        config.segment_min_chars = self.line_min_chars;
        config.line_share = self.line_share;
        config.strip_boilerplate = self.strip_boilerplate;
        config.boilerplate_patterns = self.boilerplate_patterns;
        config.level = self.level;
        config.paragraph_min_chars = self.paragraph_min_chars;
        config.paragraph_threshold = self.paragraph_threshold;
        config.paragraph_containment = self.paragraph_containment;
        config.emit_paragraphs = self.emit_paragraphs;
        config.clean_text = self.clean_text;
        config.threads = self.threads.unwrap_or(0);
        config.excel = self.excel;
        config.emit_kept = self.emit_kept;
        config.ingest = IngestOptions {
            mmap: self.mmap,
            fields: Fields {
                id: self.id_field,
                text: self.text_field,
                url: self.url_field,
            },
            max_doc_bytes: self.max_doc_bytes,
            encoding: self.encoding.0,
        };
        config.progress = !self.quiet;
        config.memory_limit = self.memory_limit;
        config.spill_dir = self.spill_dir;
        config.spill_run_bytes = self.spill_run_bytes;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size(" 64K "), Ok(64 << 10));
        for bad in ["", "M", "12Q", "-1G", "0", "many"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }
}
