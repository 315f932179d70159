//! The validated settings of a scan, built by `cli.rs` from the command line.

use crate::ingest::IngestOptions;
use crate::lsh::Bands;
use crate::signature::{SimHasher, Weighting};
use crate::tokenize::TokenizerKind;
use std::path::PathBuf;

/// Everything a scan needs to know. Plain data: the library never parses flags.
#[derive(Debug, Clone)]
pub struct Config {
    pub inputs: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub ingest: IngestOptions,
    pub tokenizer: TokenizerKind,
    /// Tokens per shingle.
    pub ngram: usize,
    pub num_perm: usize,
    /// Jaccard threshold for near-duplicates.
    pub threshold: f64,
    /// Containment threshold for a page inside another.
    pub containment: f64,
    /// A page counts as contained only with at least this many shingles.
    pub min_contained_shingles: u32,
    /// Where page-level candidates come from: MinHash LSH or SimHash Hamming search.
    pub method: Method,
    /// With [`Method::SimHash`]: pages whose fingerprints differ in at most this many bits are
    /// candidates.
    pub max_hamming: u32,
    /// With [`Method::SimHash`]: how repeated shingles weigh in a page's fingerprint.
    pub simhash_weighting: Weighting,
    /// LSH banding; `None` chooses it from the threshold.
    pub bands: Option<Bands>,
    /// Lines with at least this many normalized characters are sketched on their own to find
    /// pages contained in longer pages.
    pub segment_min_chars: u32,
    /// Pages become candidates through their lines when colliding lines make up this share of the
    /// sketched lines of the page with fewer.
    pub line_share: f64,
    /// Leave boilerplate lines (learned per site, short lines with a web address, user patterns)
    /// out of page fingerprints.
    pub strip_boilerplate: bool,
    /// A file of regular expressions for lines that are boilerplate on every site.
    pub boilerplate_patterns: Option<PathBuf>,
    /// Pages, paragraphs or both.
    pub level: Level,
    /// Paragraphs with fewer normalized characters do not count as copies (unless boilerplate).
    pub paragraph_min_chars: u32,
    /// Jaccard at or above which two paragraphs are copies.
    pub paragraph_threshold: f64,
    /// Share of a paragraph found in a longer one at or above which it is a contained copy.
    pub paragraph_containment: f64,
    /// Write every paragraph cluster with its full text as JSON Lines.
    pub emit_paragraphs: Option<PathBuf>,
    /// With `emit_kept`: boilerplate removed and paragraphs repeated on a page kept once.
    pub clean_text: bool,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub excel: bool,
    pub emit_kept: Option<PathBuf>,
    /// Show progress bars (only on a terminal).
    pub progress: bool,
    /// A bound, in bytes, on the memory of the large tables of the page level: LSH band tables
    /// spill to sorted run files in `spill_dir` and verification holds fewer shingle sets.
    pub memory_limit: Option<u64>,
    /// Where run files go under a memory limit (a fresh directory inside it, removed after the
    /// scan); `None`: the output directory.
    pub spill_dir: Option<PathBuf>,
    /// Bytes of records each sorter holds before it writes a run file; `None`: a share of the
    /// memory limit. Small values make a small input spill (tests).
    pub spill_run_bytes: Option<usize>,
    /// Bytes the scan holds for its pages whatever the limit (their records and per-page
    /// vectors), set by the pipeline once it knows how many pages there are: the shares of
    /// the memory limit are taken from what is left, at least a quarter of the limit.
    pub held: u64,
}

impl Config {
    /// The defaults of `neardup scan`, chosen by measurement (see README).
    pub fn new(inputs: Vec<PathBuf>) -> Config {
        Config {
            inputs,
            out_dir: PathBuf::from("neardup-report"),
            ingest: IngestOptions::default(),
            tokenizer: TokenizerKind::Char,
            ngram: default_ngram(TokenizerKind::Char),
            num_perm: 128,
            threshold: 0.5,
            containment: 0.6,
            min_contained_shingles: 50,
            method: Method::MinHash,
            max_hamming: 3,
            simhash_weighting: SimHasher::default().weighting(),
            bands: None,
            segment_min_chars: 30,
            line_share: 0.25,
            strip_boilerplate: true,
            boilerplate_patterns: None,
            level: Level::Both,
            paragraph_min_chars: 16,
            paragraph_threshold: 0.5,
            paragraph_containment: 0.55,
            emit_paragraphs: None,
            clean_text: false,
            threads: 0,
            excel: false,
            emit_kept: None,
            progress: false,
            memory_limit: None,
            spill_dir: None,
            spill_run_bytes: None,
            held: 0,
        }
    }

    /// Bytes of records a sorter holds before it writes a run file, under a memory limit: what
    /// the pages leave of the limit divided by `share`.
    pub fn spill_budget(&self, share: u64) -> usize {
        let limit = self.limit_left().unwrap_or(crate::pipeline::VERIFY_BUDGET);
        self.spill_run_bytes.unwrap_or((limit / share) as usize)
    }

    /// The memory limit less what the pages hold ([`Config::held`]), at least a quarter of it.
    fn limit_left(&self) -> Option<u64> {
        self.memory_limit
            .map(|m| m.saturating_sub(self.held).max(m / 4))
    }

    /// Bytes of shingle sets in one batch of page verification: a quarter of what the pages leave
    /// of the memory limit, at most [`crate::pipeline::VERIFY_BUDGET`] (the run size, when set).
    /// A connected component heavier than that is a batch of its own; page sets are read from
    /// the kept-set file.
    pub fn verify_budget(&self) -> u64 {
        let budget = crate::pipeline::VERIFY_BUDGET;
        match (self.limit_left(), self.spill_run_bytes) {
            (Some(_), Some(run)) => run as u64,
            (Some(m), None) => (m / 4).min(budget),
            (None, _) => budget,
        }
    }

    /// Bytes of paragraph shingle sets one batch of paragraph verification holds in memory: a
    /// quarter of the verify budget. A batch reads its sets from the file fingerprinting kept
    /// them in, in file order, so more batches cost little: at 100k pages, the 180 MB of sets
    /// of texts with a candidate in batches of 64 MB instead of one lowered the scan's peak RSS,
    /// reached in the paragraph stage, from 911 to 808 MB (medians of three runs), and the
    /// stage took no longer.
    pub fn paragraph_budget(&self) -> u64 {
        self.verify_budget() / 4
    }

    pub fn bands(&self) -> Bands {
        self.bands
            .unwrap_or_else(|| Bands::optimal(self.threshold, self.num_perm))
    }

    /// Checks the settings that flags can get wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.inputs.is_empty() {
            return Err("no input paths".into());
        }
        if self.memory_limit.is_some_and(|m| m < 16 << 20) {
            return Err("--memory-limit must be at least 16M".into());
        }
        if self.ngram == 0 {
            return Err("--ngram must be at least 1".into());
        }
        if !(8..=crate::signature::minhash::MAX_PERM).contains(&self.num_perm) {
            return Err(format!(
                "--num-perm must be between 8 and {}",
                crate::signature::minhash::MAX_PERM
            ));
        }
        for (name, v) in [
            ("--threshold", self.threshold),
            ("--containment", self.containment),
            ("--paragraph-threshold", self.paragraph_threshold),
            ("--paragraph-containment", self.paragraph_containment),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(format!("{name} must be in (0, 1], got {v}"));
            }
        }
        if !(1..=30).contains(&self.paragraph_min_chars) {
            return Err(format!(
                "--paragraph-min-chars must be between 1 and 30, got {}",
                self.paragraph_min_chars
            ));
        }
        if self.clean_text && self.emit_kept.is_none() {
            return Err("--clean-text needs --emit-kept FILE".into());
        }
        if self.clean_text && !self.level.paragraphs() {
            return Err("--clean-text needs paragraphs: --level both or paragraph".into());
        }
        if self.emit_paragraphs.is_some() && !self.level.paragraphs() {
            return Err("--emit-paragraphs needs --level both or paragraph".into());
        }
        if self.emit_kept.is_some() && !self.level.pages() {
            return Err("--emit-kept needs page decisions: --level both or page".into());
        }
        if self.max_hamming > crate::hamming::MAX_K {
            return Err(format!(
                "--max-hamming must be at most {}",
                crate::hamming::MAX_K
            ));
        }
        if let Some(b) = self.bands
            && (b.bands == 0 || b.rows == 0 || b.bands * b.rows > self.num_perm)
        {
            return Err(format!(
                "--bands {} × --rows {} must be at least 1 each and at most --num-perm {}",
                b.bands, b.rows, self.num_perm
            ));
        }
        Ok(())
    }
}

/// The engine that finds page-level candidate pairs. Both feed the same exact verification and
/// clustering, and both keep the line sketches that find pages contained in longer ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `num_perm` MinHash values per page, banded into LSH buckets (Jaccard).
    MinHash,
    /// One 64-bit SimHash per page, searched by Hamming distance (weighted cosine).
    SimHash,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::MinHash => "minhash",
            Method::SimHash => "simhash",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "minhash" => Ok(Method::MinHash),
            "simhash" => Ok(Method::SimHash),
            other => Err(format!(
                "unknown method {other:?} (expected minhash or simhash)"
            )),
        }
    }
}

/// What a scan clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Pages only: documents.csv, clusters.csv, pairs.csv.
    Page,
    /// Paragraphs only: documents.csv (without page clusters), paragraphs.csv,
    /// paragraph_members.csv.
    Paragraph,
    /// Both.
    Both,
}

impl Level {
    pub fn pages(self) -> bool {
        self != Level::Paragraph
    }

    pub fn paragraphs(self) -> bool {
        self != Level::Page
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Page => "page",
            Level::Paragraph => "paragraph",
            Level::Both => "both",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "page" => Ok(Level::Page),
            "paragraph" => Ok(Level::Paragraph),
            "both" => Ok(Level::Both),
            other => Err(format!(
                "unknown level {other:?} (expected page, paragraph or both)"
            )),
        }
    }
}

/// Shingle length in tokens when `--ngram` is not given.
pub fn default_ngram(tokenizer: TokenizerKind) -> usize {
    match tokenizer {
        TokenizerKind::Char => 5,
        TokenizerKind::Jieba => 3,
    }
}
