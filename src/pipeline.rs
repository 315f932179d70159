//! The pipeline driver: runs the stages in order, in parallel, with progress bars and timings.
//!
//! Stage functions take slices and return values; this is the only module that knows about rayon
//! threads and progress bars. Everything it produces is ordered by document index or by sorted
//! pairs, so the output is identical at any thread count.

use crate::boilerplate::{self, Boilerplate, Patterns};
use crate::cluster::{self, Assignment, Role};
use crate::config::{Config, Level, Method};
use crate::error::{Error, Result};
use crate::hamming;
use crate::ingest::{self, Corpus};
use crate::lsh::{
    self, BandEntry, BandSorter, Bands, BucketPolicy, Entries, EntryOf, KeyedSketches, Keys,
    PieceWalk, SortedVisit, Walked,
};
use crate::normalize::{self, Normalized};
use crate::paragraph::{self, FirstSeen, ParaPrint, ParaScan, SeenKeys};
use crate::shingle;
use crate::signature::{MinHasher, SimHasher, jaccard_estimate, minhash::EMPTY, simhash};
use crate::spill::{self, SpillDir};
use crate::tokenize::Tokenizer;
use crate::verify::{self, Similarity, Thresholds};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::IsTerminal;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Sketch size of a single line (containment candidates).
pub const SEGMENT_PERM: usize = 32;
/// Banding of line sketches: 8 bands of 4 rows catch lines down to about 60 % similarity.
pub const SEGMENT_BANDS: Bands = Bands { bands: 8, rows: 4 };

/// Why a document was not fingerprinted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The record could not be read (bad JSON, binary data, unreadable file, too large): the
    /// document's `skip` says why.
    Unreadable,
    /// Nothing is left after normalization (empty page, only punctuation).
    Empty,
}

impl Skip {
    /// Why `doc` was skipped.
    pub fn reason<'a>(&self, doc: &'a ingest::Document) -> &'a str {
        match self {
            Skip::Unreadable => doc.skip.as_deref().unwrap_or("unreadable"),
            Skip::Empty => "no text after normalization",
        }
    }
}

/// What happened to one input document.
#[derive(Debug, Clone)]
pub struct DocOutcome {
    pub raw_chars: u32,
    pub norm_chars: u32,
    pub skip: Option<Skip>,
    /// 1-based cluster id; 0 for skipped documents.
    pub cluster_id: u32,
    pub assignment: Option<Assignment>,
}

/// A candidate pair that passed exact verification.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedPair {
    pub a: u32,
    pub b: u32,
    pub estimate: f64,
    pub similarity: Similarity,
}

/// The verified pairs of a scan, sorted by `(a, b)`: in memory, or under a memory limit in a
/// mapped file of the spill directory (28 bytes a pair; 126 MB at 1M pages), read in order by
/// the pairs report.
pub enum Pairs {
    Memory(Vec<VerifiedPair>),
    Mapped { file: spill::MappedKeys, len: usize },
}

/// A pair in a run or pairs file: `(a << 32 | b, estimate bits, len_a << 32 | len_b,
/// intersection)`, ordered by `(a, b)`.
type PairRecord = (u64, u64, u64, u32);

/// Pairs read from a mapped pairs file between two releases of its pages.
const PAIRS_RELEASE: usize = 1 << 16;

/// A document pair as one word that sorts as the pair does: `a << 32 | b`.
fn pack_pair(a: u32, b: u32) -> u64 {
    (a as u64) << 32 | b as u64
}

fn unpack_pair(w: u64) -> (u32, u32) {
    ((w >> 32) as u32, w as u32)
}

fn pair_record(p: &VerifiedPair) -> PairRecord {
    let s = p.similarity;
    (
        pack_pair(p.a, p.b),
        p.estimate.to_bits(),
        pack_pair(s.len_a, s.len_b),
        s.intersection,
    )
}

fn record_pair((ab, estimate, lens, intersection): PairRecord) -> VerifiedPair {
    let ((a, b), (len_a, len_b)) = (unpack_pair(ab), unpack_pair(lens));
    VerifiedPair {
        a,
        b,
        estimate: f64::from_bits(estimate),
        similarity: Similarity {
            intersection,
            len_a,
            len_b,
        },
    }
}

impl Pairs {
    pub fn len(&self) -> usize {
        match self {
            Pairs::Memory(pairs) => pairs.len(),
            Pairs::Mapped { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs in `(a, b)` order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = VerifiedPair> + '_> {
        self.range(0..self.len())
    }

    /// The pairs at `range` of the `(a, b)` order.
    pub fn range(&self, range: Range<usize>) -> Box<dyn Iterator<Item = VerifiedPair> + '_> {
        use spill::Record;
        match self {
            Pairs::Memory(pairs) => Box::new(pairs[range].iter().copied()),
            Pairs::Mapped { file, .. } => Box::new(
                file.bytes()[range.start * PairRecord::SIZE..range.end * PairRecord::SIZE]
                    .chunks_exact(PairRecord::SIZE)
                    .enumerate()
                    .map(move |(i, bytes)| {
                        if (range.start + i) % PAIRS_RELEASE == 0 {
                            file.release();
                        }
                        record_pair(PairRecord::decode(bytes))
                    }),
            ),
        }
    }
}

/// Where verified pairs go as batches finish.
enum PairSink {
    Memory(Vec<VerifiedPair>),
    /// Under a memory limit: through run files, merged into a pairs file at the end.
    Spill(spill::Sorter<PairRecord>),
}

impl PairSink {
    fn new(spill: Option<&SpillDir>, budget: usize) -> PairSink {
        match spill {
            Some(dir) => PairSink::Spill(spill::Sorter::new(dir, budget)),
            None => PairSink::Memory(Vec::new()),
        }
    }

    fn extend(&mut self, pairs: Vec<VerifiedPair>) -> Result<()> {
        match self {
            PairSink::Memory(all) => all.extend(pairs),
            PairSink::Spill(sorter) => sorter.extend(pairs.iter().map(pair_record))?,
        }
        Ok(())
    }

    /// The pairs `keep` holds for, sorted.
    fn finish(
        self,
        spill: Option<&SpillDir>,
        keep: impl Fn(&VerifiedPair) -> bool,
    ) -> Result<Pairs> {
        match self {
            PairSink::Memory(mut pairs) => {
                pairs.retain(|p| keep(p));
                pairs.par_sort_unstable_by_key(|p| (p.a, p.b));
                Ok(Pairs::Memory(pairs))
            }
            PairSink::Spill(sorter) => {
                use spill::Record;
                let dir = spill.expect("a spill directory for spilled pairs");
                let mut file = spill::KeyFile::create(dir, "pairs")?;
                let mut len = 0;
                let mut bytes = vec![0u8; PairRecord::SIZE * 1024];
                let mut filled = 0;
                sorter.finish()?.consume(|records| -> Result<()> {
                    for record in records {
                        if !keep(&record_pair(record)) {
                            continue;
                        }
                        record.encode(&mut bytes[filled..filled + PairRecord::SIZE]);
                        filled += PairRecord::SIZE;
                        len += 1;
                        if filled == bytes.len() {
                            file.append_bytes(&bytes)?;
                            filled = 0;
                        }
                    }
                    file.append_bytes(&bytes[..filled])
                })??;
                Ok(Pairs::Mapped {
                    file: file.map(false)?,
                    len,
                })
            }
        }
    }
}

/// A cluster of two or more documents.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    pub id: u32,
    pub representative: u32,
    /// Members other than the representative, in document order.
    pub members: Vec<u32>,
}

/// Wall time of one stage.
#[derive(Debug, Clone, Copy)]
pub struct StageTime {
    pub name: &'static str,
    pub elapsed: Duration,
}

/// The result of a scan, before reports are written.
pub struct Scan {
    pub corpus: Corpus,
    pub outcomes: Vec<DocOutcome>,
    pub pairs: Pairs,
    pub clusters: Vec<ClusterInfo>,
    pub bands: Bands,
    pub candidates: usize,
    /// What was clustered.
    pub level: Level,
    /// With paragraphs: the paragraph clusters.
    pub paragraphs: Option<ParaScan>,
    pub timings: Vec<StageTime>,
    /// Under a memory limit: what went through run files.
    pub spilled: Option<SpillStats>,
}

/// What a scan under a memory limit wrote to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpillStats {
    pub limit: u64,
    /// Run and key files written.
    pub files: u64,
    pub bytes: u64,
}

impl Scan {
    pub fn skipped(&self) -> usize {
        self.outcomes.iter().filter(|o| o.skip.is_some()).count()
    }

    /// Records that could not be read (empty pages do not count).
    pub fn unreadable(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.skip == Some(Skip::Unreadable))
            .count()
    }

    pub fn role_count(&self, role: Role) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.skip.is_none() && o.assignment.is_some_and(|a| a.role == role))
            .count()
    }
}

/// Reusable per-thread buffers.
struct Workspace {
    norm: Normalized,
    ends: Vec<u32>,
    line_ends: Vec<u32>,
    shingles: Vec<u64>,
    segment: Vec<u64>,
    line_sketch: Vec<u32>,
    page_sketch: Vec<u32>,
    sorted: Vec<u64>,
    set: Vec<u32>,
    line: String,
    /// The page was all boilerplate and kept its whole text.
    all_chrome: bool,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            norm: Normalized::new(),
            ends: Vec::new(),
            line_ends: Vec::new(),
            shingles: Vec::new(),
            segment: Vec::new(),
            line_sketch: vec![0; SEGMENT_PERM],
            page_sketch: Vec::new(),
            sorted: Vec::new(),
            set: Vec::new(),
            line: String::new(),
            all_chrome: false,
        }
    }
}

/// The fingerprint of one document.
#[derive(Default)]
struct Print {
    raw_chars: u32,
    norm_chars: u32,
    /// Shingles in text order, repeats included (0: nothing left after normalization).
    shingles: u32,
    /// With `--method simhash`: the page fingerprint (the page sketch is not used).
    simhash: u64,
    /// Band keys of the sketches of long lines, `SEGMENT_BANDS.bands` keys each (moved to the
    /// key store once the page is done).
    line_keys: Vec<u64>,
    /// How many long lines were sketched.
    lines: u32,
    /// With paragraphs: how many paragraphs the page has (kept in its chunk's list).
    paras: u32,
    /// With the page level: the length of the sorted, deduplicated shingle fingerprints for exact
    /// verification and of the MinHash page sketch (the estimate in reports), next in its
    /// chunk's `sets`, in that order.
    set_len: u32,
    sketch_len: u32,
}

/// Bytes every page holds through the scan whatever the memory limit: its `Document` and the
/// allocation of its id and url, its outcome, and the per-page vectors of the later stages (rank,
/// batch, kept-set position, site, owner ids of its long lines). Measured at 1M generated pages:
/// 358–366 MB of anonymous memory while the reports are written, the fixed tables included.
const HELD_PER_PAGE: u64 = 320;

/// The weight of a batch of verification, in bytes of the shingle sets it reads, by default
/// (`--memory-limit` lowers it): about 10,000 pages of 6,000 characters. A quarter of it bounds
/// the paragraph sets held at once.
pub const VERIFY_BUDGET: u64 = 256 << 20;

/// The most bytes of kept sets one window of verification reads into memory (a quarter of the
/// verify budget when that is lower). At 100k pages, page level, 12 windows read 110k sets for
/// the 550k candidate pairs, where reading the two sets of each pair read about a set a pair
/// (a worker kept its first one): verify stage 0.74 -> 0.59 s, medians of three.
const VERIFY_WINDOW: u64 = 64 << 20;

/// Verification and clustering of one batch of whole components of the candidate graph.
struct Verifier<'a> {
    /// The page level's kept sets (batches exist only at the page level).
    sets: Option<&'a KeptSets>,
    rank: &'a [u32],
    thresholds: &'a Thresholds,
    /// With `--method simhash`: the page fingerprints (the estimate in reports).
    simhashes: &'a [u64],
    /// The bytes of sets one window of verification holds in memory (see [`Verifier::batch`]).
    window: u64,
    /// Each document's place in its batch.
    position: &'a [u32],
}

/// What one batch decided besides its pairs: `(document, assignment)` for every document of the
/// batch, and the time clustering took.
struct BatchResult {
    assignments: Vec<(u32, Assignment)>,
    cluster_time: Duration,
}

/// The shingle set and (MinHash) page sketch of every page verification may need, kept from
/// fingerprinting in a key file of the spill directory and read back, so that no page is
/// normalized and shingled a second time.
///
/// Read with positional reads ([`SetFile::Read`]), a page's set is kept as fingerprinting
/// made it, unsorted and with its repeats, and sorted the first time verification reads it
/// ([`KeptSets::prepare`]), which writes it back sorted: a page in no candidate pair is never
/// read (at 100k pages, 54,879 of the 100k sets are). Sorting every set while fingerprinting
/// took 0.27 of its 1.63 s. Mapped (under a memory limit, or off Unix), sets
/// are sorted while fingerprinting ([`sets_sorted_when_kept`]): writes into a file the limit
/// keeps out of memory would go to the disk again.
struct KeptSets {
    file: SetFile,
    /// Per document: where its set is.
    at: Vec<SetAt>,
    /// With unsorted sets: per document, the length of its set once sorted, or [`UNSORTED`].
    distinct: Option<Vec<AtomicU32>>,
}

/// A kept set not sorted yet ([`KeptSets::distinct`]).
const UNSORTED: u32 = u32::MAX;

/// Whether fingerprinting sorts the sets it keeps: under a memory limit, or where the sets are
/// mapped back (off Unix). Otherwise verification sorts the sets it reads ([`KeptSets`]).
fn sets_sorted_when_kept(limited: bool) -> bool {
    limited || !cfg!(unix)
}

/// How the kept sets are read back. Without a memory limit, on Unix, with positional reads: a set
/// is copied out of the page cache, which costs no page faults and no resident memory. Under
/// one, mapped, and released after each window of verification ([`VERIFY_WINDOW`]).
enum SetFile {
    #[cfg(unix)]
    Read(spill::KeyReader),
    Mapped(spill::MappedKeys),
}

/// Candidate pairs read at a time from a mapped candidate file, and comparisons clustering makes
/// between releases of mapped sets (under a memory limit).
const VERIFY_SLICE: usize = 1 << 12;

/// Where clustering reads a kept set and sketch, one after the other: those of `doc`.
#[derive(Default)]
struct SetBuf {
    doc: Option<u32>,
    words: Vec<u32>,
}

/// Writes the sets of [`KeptSets`] a wave of pages at a time.
struct SetWriter {
    chunks: Option<std::sync::mpsc::SyncSender<SetChunk>>,
    /// Appends them on its own thread, so that the scan does not wait while the kernel writes
    /// them out (100k pages, page level: 17.9 -> 16.9 s).
    writer: std::thread::JoinHandle<Result<(spill::KeyFile, Vec<SetAt>)>>,
}

/// A chunk's sets and sketches one after the other, and each page's `(set length, sketch
/// length)`.
type SetChunk = (Vec<u32>, Vec<(u32, u32)>);

/// Where a page's set is in the file: its first 32-bit word, set length, sketch length.
type SetAt = (u64, u32, u32);

/// Chunks of sets queued for the writer thread (about two waves of pages).
const SET_QUEUE: usize = 128;

impl SetWriter {
    fn new(dir: &SpillDir, name: &str, pages: usize) -> Result<SetWriter> {
        let mut file = spill::KeyFile::create(dir, name)?;
        let (chunks, queue) = std::sync::mpsc::sync_channel::<SetChunk>(SET_QUEUE);
        let writer = std::thread::spawn(move || {
            let mut at = Vec::with_capacity(pages);
            let mut next = 0u64;
            for (words, lens) in queue {
                file.append_u32(&words)?;
                for (set, sketch) in lens {
                    at.push((next, set, sketch));
                    next += (set + sketch) as u64;
                }
            }
            Ok((file, at))
        });
        Ok(SetWriter {
            chunks: Some(chunks),
            writer,
        })
    }

    /// The sets and sketches of the next pages, one after the other in `words`, and each page's
    /// `(set length, sketch length)`.
    fn push(&mut self, words: Vec<u32>, lens: Vec<(u32, u32)>) {
        // A failed writer has stopped receiving: its error comes with `finish`.
        if let Some(chunks) = &self.chunks
            && chunks.send((words, lens)).is_err()
        {
            self.chunks = None;
        }
    }

    /// Waits for the writes and opens the file for reads, or (under a memory limit, or off Unix)
    /// maps it back with random-access advice. It is not synced first, unlike band key files
    /// under a memory limit: at 1M pages it is 5.6 GB, which the kernel writes back while LSH
    /// runs instead of the scan waiting for the disk.
    ///
    /// Under a memory limit the mapping is kept: with the page cache dropped first, 100k pages
    /// in a 512 MB cgroup (`--memory-limit 128M`) read 2.0 GB from disk with it and 2.4 GB with
    /// positional reads, whose read-ahead the random advice of a mapping turns off.
    fn finish(self, limited: bool) -> Result<KeptSets> {
        let (file, at) = self.join()?;
        #[cfg(unix)]
        if !sets_sorted_when_kept(limited) {
            let file = SetFile::Read(file.reader()?);
            let distinct = Some(at.iter().map(|_| AtomicU32::new(UNSORTED)).collect());
            return Ok(KeptSets { file, at, distinct });
        }
        #[cfg(not(unix))]
        let _ = limited;
        let file = file.map(false)?;
        file.read_at_random();
        Ok(KeptSets {
            file: SetFile::Mapped(file),
            at,
            distinct: None,
        })
    }

    /// Waits for the writes and opens the file for sets read back once each, as they were
    /// pushed, in file order ([`paragraph_sets`]): with positional reads on Unix, whatever the
    /// memory limit (no resident memory, and the kernel reads ahead), mapped elsewhere.
    fn finish_unsorted(self) -> Result<KeptShingles> {
        let (file, at) = self.join()?;
        #[cfg(unix)]
        let file = SetFile::Read(file.reader()?);
        #[cfg(not(unix))]
        let file = SetFile::Mapped(file.map(false)?);
        Ok(KeptShingles { file, at })
    }

    /// Ends the queue and waits for the writer: the file and where each pushed set is.
    fn join(mut self) -> Result<(spill::KeyFile, Vec<SetAt>)> {
        self.chunks = None;
        self.writer.join().expect("the set writer does not panic")
    }
}

/// The shingles of every paragraph text fingerprinting saw first, in the order it saw them,
/// unsorted, in a key file of the spill directory ([`Chunk::record_first`]); text `f`'s are
/// `at[f]`'s words. Read back by [`paragraph_sets`], each text's once.
struct KeptShingles {
    file: SetFile,
    at: Vec<SetAt>,
}

/// How [`paragraph_sets`] reads the file: sets of up to `span` words from the first one's
/// start in one read, and a set at least `gap` words past the end of the last one wanted in a
/// read of its own.
#[derive(Debug, Clone, Copy)]
struct SetReads {
    span: u64,
    gap: u64,
}

/// Reads of 4 MiB; a gap of 64 KiB read rather than a read of its own.
const PARA_SET_READS: SetReads = SetReads {
    span: 1 << 20,
    gap: 1 << 14,
};

/// A paragraph set to read: its place in the file, its shingles, its place in the request, and
/// the slot it goes to.
type WantedSet<'s> = (u64, u32, u32, &'s mut [u32]);

/// The shingle sets of paragraph `texts` (numbered as fingerprinting saw them first) into their
/// `slots`, from the file of their shingles fingerprinting kept ([`paragraph::SetsOf`]): in file
/// order, the sets that lie near each other read at once, each sorted and deduplicated in its
/// slot. The first read error goes to `failed` and leaves the sets of its read empty.
/// Reads in parallel: in the driver's pool.
fn paragraph_sets(
    store: &KeptShingles,
    texts: &[u32],
    slots: Vec<&mut [u32]>,
    failed: &Mutex<Option<Error>>,
    limits: SetReads,
) -> Vec<u32> {
    // In file order. A text's shingles never outnumber the values its slot has room for
    // ([`paragraph::slot_len`]).
    let mut wanted: Vec<WantedSet<'_>> = texts
        .iter()
        .zip(slots)
        .enumerate()
        .map(|(i, (&f, slot))| {
            let (at, len, _) = store.at[f as usize];
            (at, len.min(slot.len() as u32), i as u32, slot)
        })
        .collect();
    wanted.sort_unstable_by_key(|w| w.0);
    let end = |w: &WantedSet<'_>| w.0 + w.1 as u64;
    let mut reads: Vec<&mut [WantedSet<'_>]> = Vec::new();
    let mut rest = wanted.as_mut_slice();
    while !rest.is_empty() {
        let start = rest[0].0;
        let mut last_end = end(&rest[0]);
        let mut count = 1;
        while count < rest.len()
            && rest[count].0 < last_end + limits.gap
            && end(&rest[count]) <= start + limits.span
        {
            last_end = last_end.max(end(&rest[count]));
            count += 1;
        }
        let (read, tail) = std::mem::take(&mut rest).split_at_mut(count);
        reads.push(read);
        rest = tail;
    }
    let lens: Vec<Vec<(u32, u32)>> = reads
        .par_iter_mut()
        .map_init(Vec::new, |words: &mut Vec<u32>, read| {
            let first = read[0].0;
            let last = read.iter().map(&end).max().unwrap_or(first);
            words.resize((last - first) as usize, 0);
            if let Err(error) = store.file.read_words(first, words) {
                failed
                    .lock()
                    .expect("no reader panics")
                    .get_or_insert(error);
                return read.iter().map(|w| (w.2, 0)).collect();
            }
            read.iter_mut()
                .map(|(at, len, i, slot)| {
                    let slot = &mut slot[..*len as usize];
                    slot.copy_from_slice(&words[(*at - first) as usize..][..slot.len()]);
                    (*i, shingle::sort_dedup(slot) as u32)
                })
                .collect()
        })
        .collect();
    store.file.release();
    let mut out = vec![0; texts.len()];
    for (i, len) in lens.into_iter().flatten() {
        out[i as usize] = len;
    }
    out
}

impl KeptSets {
    /// The set and sketch of document `d`, read into `buf` (unless it holds them already).
    fn load<'a>(&self, d: u32, buf: &'a mut SetBuf) -> Result<(&'a [u32], &'a [u32])> {
        if buf.doc != Some(d) {
            buf.doc = None;
            buf.words.resize(self.words(d), 0);
            self.read(d, &mut buf.words)?;
            self.prepare(d, &mut buf.words)?;
            buf.doc = Some(d);
        }
        Ok(self.split(d, &buf.words))
    }

    /// Makes document `d`'s set and sketch, just read into `words`, ready to compare: an
    /// unsorted set is sorted, its distinct values moved to the front, and written back so
    /// that later reads find it sorted. Reads of one document must not run at once.
    fn prepare(&self, d: u32, words: &mut [u32]) -> Result<()> {
        let Some(distinct) = &self.distinct else {
            return Ok(());
        };
        if distinct[d as usize].load(Ordering::Relaxed) != UNSORTED {
            return Ok(());
        }
        let (first, set, _) = self.at[d as usize];
        let len = shingle::sort_dedup(&mut words[..set as usize]);
        #[cfg(unix)]
        if let SetFile::Read(file) = &self.file {
            file.write_u32(first, &words[..len])?;
        }
        #[cfg(not(unix))]
        let _ = first;
        distinct[d as usize].store(len as u32, Ordering::Relaxed);
        Ok(())
    }

    /// Document `d`'s set and sketch in `words` as read and prepared ([`Self::prepare`]).
    fn split<'a>(&self, d: u32, words: &'a [u32]) -> (&'a [u32], &'a [u32]) {
        let (set, sketch) = words.split_at(self.at[d as usize].1 as usize);
        (&set[..self.set_len(d) as usize], sketch)
    }

    /// Reads document `d`'s set and sketch, one after the other, into `out` ([`Self::words`]
    /// long).
    fn read(&self, d: u32, out: &mut [u32]) -> Result<()> {
        let (first, set, sketch) = self.at[d as usize];
        debug_assert_eq!(out.len(), (set + sketch) as usize);
        self.file.read_words(first, out)
    }

    /// The words of document `d`'s set and sketch.
    fn words(&self, d: u32) -> usize {
        let (_, set, sketch) = self.at[d as usize];
        (set + sketch) as usize
    }

    /// The length of document `d`'s set (once prepared, for unsorted sets).
    fn set_len(&self, d: u32) -> u32 {
        match &self.distinct {
            Some(distinct) => distinct[d as usize].load(Ordering::Relaxed),
            None => self.at[d as usize].1,
        }
    }

    /// The bytes document `d`'s set and sketch take in the file.
    fn weight(&self, d: u32) -> u64 {
        let (_, set, sketch) = self.at[d as usize];
        4 * (set as u64 + sketch as u64)
    }

    /// The pages of mapped sets read so far leave the resident set.
    fn release(&self) {
        self.file.release();
    }
}

impl SetFile {
    /// Reads `out.len()` words of the file from word `first` on.
    fn read_words(&self, first: u64, out: &mut [u32]) -> Result<()> {
        match self {
            #[cfg(unix)]
            SetFile::Read(file) => file.read_u32(first, out)?,
            SetFile::Mapped(file) => {
                let bytes = &file.bytes()[first as usize * 4..][..out.len() * 4];
                for (w, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *w = u32::from_le_bytes(b.try_into().expect("4 bytes"));
                }
            }
        }
        Ok(())
    }

    /// Mapped: the pages read so far leave the resident set.
    fn release(&self) {
        if let SetFile::Mapped(file) = self {
            file.release();
        }
    }
}

impl Verifier<'_> {
    /// Verifies the candidate pairs of `docs` (sorted, whole components) and clusters them.
    /// Documents for which `skipped` holds take part in nothing. The verified pairs go to
    /// `emit` a slice at a time; clustering keeps only their edges and shared shingles.
    fn batch(
        &self,
        bar: &ProgressBar,
        (docs, candidates): (&[u32], (&Candidates, Range<usize>)),
        skipped: &(dyn Fn(u32) -> bool + Sync),
        emit: &mut dyn FnMut(Vec<VerifiedPair>) -> Result<()>,
    ) -> Result<BatchResult> {
        bar.inc(docs.len() as u64);
        let store = self.sets.expect("sets are kept at the page level");
        // Each edge, in local numbers, and its shared shingles (its similarity follows from the
        // set lengths).
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut shared: Vec<u32> = Vec::new();
        let (candidates, range) = candidates;
        // The pairs of a window (local numbers), the documents whose sets it reads, their
        // weight, and for each document the last window that read its set and where it is in
        // the arena.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut window_docs: Vec<u32> = Vec::new();
        let mut weight = 0u64;
        let mut window = 0u32;
        let mut read_in = vec![u32::MAX; docs.len()];
        let mut slot = vec![0usize; docs.len()];
        let mut arena: Vec<u32> = Vec::new();
        let mut verify = |pairs: &[(u32, u32)], window_docs: &mut Vec<u32>| -> Result<()> {
            // Each set of the window read once, in file order (sets are written in document
            // order), the reads in parallel.
            window_docs.sort_unstable();
            let words = |l: u32| store.words(docs[l as usize]);
            arena.resize(window_docs.iter().map(|&l| words(l)).sum(), 0);
            let mut parts: Vec<(u32, &mut [u32])> = Vec::with_capacity(window_docs.len());
            let (mut rest, mut at) = (&mut arena[..], 0);
            for &l in window_docs.iter() {
                let (part, tail) = rest.split_at_mut(words(l));
                slot[l as usize] = at;
                at += part.len();
                parts.push((l, part));
                rest = tail;
            }
            parts.par_iter_mut().try_for_each(|(l, part)| {
                let d = docs[*l as usize];
                store.read(d, part)?;
                store.prepare(d, part)
            })?;
            store.release();
            let arena = &arena;
            let sets_of =
                |l: u32| store.split(docs[l as usize], &arena[slot[l as usize]..][..words(l)]);
            let verified: Vec<(u32, u32, VerifiedPair)> = pairs
                .par_iter()
                .filter_map(|&(x, y)| {
                    let (set_a, sketch_a) = sets_of(x);
                    let (set_b, sketch_b) = sets_of(y);
                    let similarity = verify::compare_pair(set_a, set_b, self.thresholds)?;
                    let (a, b) = (docs[x as usize], docs[y as usize]);
                    let estimate = if self.simhashes.is_empty() {
                        jaccard_estimate(sketch_a, sketch_b)
                    } else {
                        simhash::jaccard_estimate(
                            self.simhashes[a as usize],
                            self.simhashes[b as usize],
                        )
                    };
                    Some((
                        x,
                        y,
                        VerifiedPair {
                            a,
                            b,
                            estimate,
                            similarity,
                        },
                    ))
                })
                .collect();
            // Once a window: a progress bar counts with atomics and reads the clock.
            bar.inc(pairs.len() as u64);
            edges.extend(verified.iter().map(|&(x, y, _)| (x, y)));
            shared.extend(verified.iter().map(|(_, _, p)| p.similarity.intersection));
            emit(verified.into_iter().map(|(_, _, p)| p).collect())
        };
        // Pairs in breadth-first order of the candidate graph ([`graph_order`]), which meets a
        // document's pairs close together, cut into windows whose distinct sets weigh at most
        // `self.window` bytes: each window reads each of its sets once, and verifies its pairs
        // from memory. In candidate order a set was read again for nearly every pair it is in.
        graph_order(docs, self.position, candidates, range, |(x, y)| {
            if skipped(docs[x as usize]) || skipped(docs[y as usize]) {
                return Ok(());
            }
            let adds: u64 = [x, y]
                .into_iter()
                .filter(|&l| read_in[l as usize] != window)
                .map(|l| store.weight(docs[l as usize]))
                .sum();
            if !pairs.is_empty() && weight + adds > self.window {
                verify(&pairs, &mut window_docs)?;
                pairs.clear();
                window_docs.clear();
                weight = 0;
                window += 1;
            }
            for l in [x, y] {
                if read_in[l as usize] != window {
                    read_in[l as usize] = window;
                    window_docs.push(l);
                    weight += store.weight(docs[l as usize]);
                }
            }
            pairs.push((x, y));
            Ok(())
        })?;
        verify(&pairs, &mut window_docs)?;
        // Edges in candidate order (by their documents), as clustering takes them.
        let mut by_edge: Vec<((u32, u32), u32)> = edges.drain(..).zip(shared.drain(..)).collect();
        by_edge.par_sort_unstable();
        (edges, shared) = by_edge.into_iter().unzip();
        let start = Instant::now();
        let rank: Vec<u32> = docs.iter().map(|&d| self.rank[d as usize]).collect();
        // An edge's similarity from its shared shingles and the lengths of the two sets.
        let lens: Vec<u32> = docs.iter().map(|&d| store.set_len(d)).collect();
        let known = |k: usize| {
            let (a, b) = edges[k];
            Similarity {
                intersection: shared[k],
                len_a: lens[a as usize],
                len_b: lens[b as usize],
            }
        };
        let (mut buf_a, mut buf_b) = (SetBuf::default(), SetBuf::default());
        let mut compared = 0usize;
        // The first set that could not be read: clustering goes on without it, and the batch
        // fails.
        let mut unread: Option<Error> = None;
        let assignments = cluster::cluster_known(
            docs.len(),
            &edges,
            &known,
            &rank,
            self.thresholds,
            |a, b| {
                // Mapped sets read leave the resident set as they do in verification.
                compared += 1;
                if compared % VERIFY_SLICE == 0 {
                    store.release();
                }
                let sets = store
                    .load(docs[a as usize], &mut buf_a)
                    .and_then(|(set_a, _)| {
                        let (set_b, _) = store.load(docs[b as usize], &mut buf_b)?;
                        Ok(verify::compare(set_a, set_b))
                    });
                sets.unwrap_or_else(|e| {
                    unread.get_or_insert(e);
                    Similarity::default()
                })
            },
        );
        if let Some(e) = unread {
            return Err(e);
        }
        let assignments = docs
            .iter()
            .zip(assignments)
            .map(|(&d, mut a)| {
                a.representative = docs[a.representative as usize];
                (d, a)
            })
            .collect();
        Ok(BatchResult {
            assignments,
            cluster_time: start.elapsed(),
        })
    }
}

/// Hands `each` the candidate pairs `range` of a batch, each once, as local numbers (positions
/// in `docs`, `a < b`), in breadth-first order of the batch's candidate graph: the pairs of a
/// document with the documents after it in that order, one document after the other.
///
/// Near-duplicates are candidates of each other, so a document and the copies among its
/// candidates are visited close together, and the pairs that read a set come in a few nearby
/// slices: a page cache smaller than the batch's sets still holds it between them. In candidate
/// order (by the first document), the second document of each pair is anywhere in the file: in a
/// 640 MB cgroup, a 1M-page crawl's largest batch (555k pages, 7.3M pairs, 3.3 GB of sets) took
/// 814 s to verify in candidate order, reading about 45 GB from disk (estimated: the run's reads
/// less the other stages' in a sampled run), and 341 to 353 s in this order, reading 19.5 GB.
///
/// `position[d]` is document `d`'s place in `docs`. Cost: two passes over the pairs and the graph
/// in memory, 8 bytes a pair and 12 a document.
fn graph_order(
    docs: &[u32],
    position: &[u32],
    candidates: &Candidates,
    range: Range<usize>,
    mut each: impl FnMut((u32, u32)) -> Result<()>,
) -> Result<()> {
    let n = docs.len();
    let local = |d: u32| {
        let l = position[d as usize] as usize;
        debug_assert_eq!(docs[l], d, "a document of the batch");
        l
    };
    let slices = || {
        range
            .clone()
            .step_by(VERIFY_SLICE)
            .map(|start| candidates.slice(start..(start + VERIFY_SLICE).min(range.end)))
    };
    // The graph in compressed form: the neighbours of `x` at `offsets[x]..offsets[x + 1]`.
    let mut offsets = vec![0u32; n + 1];
    for slice in slices() {
        for &(a, b) in slice.iter() {
            offsets[local(a) + 1] += 1;
            offsets[local(b) + 1] += 1;
        }
    }
    for x in 1..=n {
        offsets[x] += offsets[x - 1];
    }
    let mut fill = offsets.clone();
    let mut adjacent = vec![0u32; offsets[n] as usize];
    for slice in slices() {
        for &(a, b) in slice.iter() {
            let (a, b) = (local(a), local(b));
            adjacent[fill[a] as usize] = b as u32;
            fill[a] += 1;
            adjacent[fill[b] as usize] = a as u32;
            fill[b] += 1;
        }
    }
    drop(fill);
    let neighbours =
        |x: u32| &adjacent[offsets[x as usize] as usize..offsets[x as usize + 1] as usize];
    // Breadth first from each document not yet reached, in document order.
    let mut at = vec![u32::MAX; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for root in 0..n as u32 {
        if at[root as usize] != u32::MAX {
            continue;
        }
        at[root as usize] = order.len() as u32;
        order.push(root);
        let mut next = order.len() - 1;
        while next < order.len() {
            let x = order[next];
            next += 1;
            for &y in neighbours(x) {
                if at[y as usize] == u32::MAX {
                    at[y as usize] = order.len() as u32;
                    order.push(y);
                }
            }
        }
    }
    for &x in &order {
        for &y in neighbours(x) {
            if at[y as usize] > at[x as usize] {
                each((x.min(y), x.max(y)))?;
            }
        }
    }
    Ok(())
}

/// The candidate pairs of verification, grouped by batch: in memory, or under a memory limit in
/// a mapped key file (8 bytes a pair, released a slice at a time).
enum Candidates {
    Memory(Vec<(u32, u32)>),
    Mapped(spill::MappedKeys),
}

impl Candidates {
    /// Under a memory limit, moves `pairs` to a key file of `dir`.
    fn new(pairs: Vec<(u32, u32)>, spill: Option<&SpillDir>) -> Result<Candidates> {
        let Some(dir) = spill else {
            return Ok(Candidates::Memory(pairs));
        };
        let mut file = spill::KeyFile::create(dir, "candidates")?;
        for chunk in pairs.chunks(1 << 12) {
            let words: Vec<u64> = chunk.iter().map(|&(a, b)| pack_pair(a, b)).collect();
            file.append(&words)?;
        }
        drop(pairs);
        Ok(Candidates::Mapped(file.map(false)?))
    }

    /// The pairs at `range` of the grouped list.
    fn slice(&self, range: Range<usize>) -> Cow<'_, [(u32, u32)]> {
        match self {
            Candidates::Memory(pairs) => Cow::Borrowed(&pairs[range]),
            Candidates::Mapped(file) => {
                let pairs = file.bytes()[range.start * 8..range.end * 8]
                    .chunks_exact(8)
                    .map(|w| unpack_pair(u64::from_le_bytes(w.try_into().expect("8 bytes"))))
                    .collect();
                file.release();
                Cow::Owned(pairs)
            }
        }
    }
}

/// Documents fingerprinted by one task: their paragraph data lives in a few large buffers per
/// chunk instead of many small ones per page, which the allocator could not give back.
const FINGERPRINT_CHUNK: usize = 64;

/// What a chunk of pages leaves besides their prints, in a few flat buffers: their paragraphs,
/// the paragraph texts the chunk saw first and their shingles; at the page level their kept sets
/// and sketches (each page's part given by its [`Print`]).
#[derive(Default)]
struct Chunk {
    paras: Vec<ParaPrint>,
    first: FirstSeen,
    /// The shingle fingerprints of each text of `first`, unsorted, one text after the other,
    /// and each text's `(count, 0)` (a [`SetWriter`] chunk without sketches).
    para_sets: Vec<u32>,
    para_lens: Vec<(u32, u32)>,
    sets: Vec<u32>,
}

impl Chunk {
    /// Records a paragraph text seen for the first time, from its shingles alone in text order:
    /// its fingerprints ([`paragraph::record_first`]) and, kept for verification, its shingles.
    fn record_first(
        &mut self,
        shingles: &[u64],
        key: u64,
        engine: &paragraph::Engine,
        scratch: &mut Vec<u64>,
    ) {
        paragraph::record_first(shingles, key, engine, scratch, &mut self.first);
        let sets = &mut self.para_sets;
        sets.extend(shingles.iter().map(|&h| shingle::fingerprint(h)));
        self.para_lens.push((shingles.len() as u32, 0));
    }
}

/// The settings the fingerprint stages share.
pub struct Fingerprinter {
    tokenizer: Box<dyn Tokenizer>,
    ngram: usize,
    method: Method,
    page: MinHasher,
    /// The banding of page sketches (MinHash).
    page_bands: Bands,
    simhash: SimHasher,
    line: MinHasher,
    segment_min_chars: u32,
    /// Boilerplate lines, the site of every document, and whether boilerplate is left out of
    /// page fingerprints.
    boilerplate: Boilerplate,
    sites: Vec<Option<u32>>,
    strip: bool,
    /// With paragraphs: the minimum length of a copy, and the texts already fingerprinted.
    paragraph_min_chars: Option<u32>,
    seen: SeenKeys,
    /// Character tokens: the page is tokenized whole (the same cut as line by line, which other
    /// tokenizers do so that paragraphs reuse the shingles computed for line sketches).
    char_tokens: bool,
    /// Paragraph fingerprints: MinHash or SimHash, as pages.
    para_engine: paragraph::Engine,
    /// Whether prints carry the page's set and sketch (the page level).
    keep_sets: bool,
    /// Whether a kept set is sorted now, or left for verification ([`KeptSets`]).
    sort_sets: bool,
    /// Through the fingerprint stage: the key of every raw line, from the boilerplate stage.
    raw_keys: Option<RawLineKeys>,
}

/// The key of every raw line of every page ([`boilerplate::line_keys_into`]), made by the
/// boilerplate stage and read by the fingerprint stage instead of keying each line again (at 100k
/// pages, 3.5M lines: 28 MB, or a key file under a memory limit).
struct RawLineKeys {
    keys: KeyTable,
    /// Page `d`'s keys are `start[d]..start[d + 1]`.
    start: Vec<u64>,
}

impl Fingerprinter {
    pub fn new(config: &Config) -> Self {
        Fingerprinter {
            tokenizer: config.tokenizer.build(),
            ngram: config.ngram,
            method: config.method,
            page: MinHasher::new(config.num_perm),
            page_bands: config.bands(),
            simhash: SimHasher::new(config.simhash_weighting),
            line: MinHasher::new(SEGMENT_PERM),
            segment_min_chars: config.segment_min_chars,
            boilerplate: Boilerplate::default(),
            sites: Vec::new(),
            strip: false,
            paragraph_min_chars: config
                .level
                .paragraphs()
                .then_some(config.paragraph_min_chars),
            seen: SeenKeys::default(),
            char_tokens: config.tokenizer == crate::tokenize::TokenizerKind::Char,
            para_engine: match config.method {
                Method::MinHash => paragraph::Engine::MinHash(MinHasher::new(paragraph::PARA_PERM)),
                Method::SimHash => {
                    paragraph::Engine::SimHash(SimHasher::new(config.simhash_weighting))
                }
            },
            keep_sets: config.level.pages(),
            sort_sets: sets_sorted_when_kept(config.memory_limit.is_some()),
            raw_keys: None,
        }
    }

    /// Whether raw line `index` of page `doc` is boilerplate: its key kept by the boilerplate
    /// stage, or (after the fingerprint stage, or for a page whose lines no longer match) made
    /// again.
    fn is_boilerplate(&self, doc: u32, site: Option<u32>, index: usize, line: &str) -> bool {
        self.boilerplate.contains_keyed(site, line, || {
            if let Some(raw) = &self.raw_keys {
                let (from, to) = (raw.start[doc as usize], raw.start[doc as usize + 1]);
                if from + (index as u64) < to {
                    return raw.keys.keys().get((from + index as u64) as usize);
                }
            }
            boilerplate::line_key(line).unwrap_or(boilerplate::NO_KEY)
        })
    }

    /// Knows the lines of `boilerplate` (left out of page fingerprints when `strip`);
    /// `sites[doc]` is each page's site.
    pub fn with_boilerplate(
        mut self,
        boilerplate: Boilerplate,
        sites: Vec<Option<u32>>,
        strip: bool,
    ) -> Self {
        self.boilerplate = boilerplate;
        self.sites = sites;
        self.strip = strip;
        self
    }

    /// Normalizes, tokenizes and shingles `raw` into the workspace (shingles in text order).
    fn shingle(&self, doc: u32, raw: &str, ws: &mut Workspace) {
        let site = self.sites.get(doc as usize).copied().flatten();
        let skip = |index, line: &str| self.strip && self.is_boilerplate(doc, site, index, line);
        normalize::normalize_document_skipping(raw, &mut ws.norm, skip);
        ws.all_chrome = false;
        if ws.norm.text.is_empty() && self.strip && !self.boilerplate.is_empty() {
            ws.all_chrome = true;
            // A page of nothing but its site's chrome keeps its whole text.
            normalize::normalize_document(raw, &mut ws.norm);
        }
        // Tokens never cross a line (character tokens cannot): a line's tokens in the page are
        // its tokens alone, so the shingles of a paragraph are a slice of its page's.
        if self.char_tokens {
            self.tokenizer.token_ends(&ws.norm.text, &mut ws.ends);
        } else {
            ws.ends.clear();
            for line in &ws.norm.lines {
                let text = &ws.norm.text[line.start as usize..line.end as usize];
                self.tokenizer.token_ends(text, &mut ws.line_ends);
                ws.ends
                    .extend(ws.line_ends.iter().map(|&end| end + line.start));
            }
        }
        let n = ws.ends.len();
        shingle::shingles_in(&ws.norm.text, &ws.ends, 0, n, self.ngram, &mut ws.shingles);
    }

    /// Fingerprints `raw`: writes the band keys of its page sketch into `keys` (left as is for an
    /// empty text or with SimHash).
    fn print(
        &self,
        doc: u32,
        raw: &str,
        ws: &mut Workspace,
        keys: &mut [u64],
        chunk: &mut Chunk,
    ) -> Print {
        self.shingle(doc, raw, ws);
        let mut print = Print {
            raw_chars: ws.norm.raw_chars,
            norm_chars: ws.norm.chars,
            shingles: ws.shingles.len() as u32,
            ..Print::default()
        };
        if ws.shingles.is_empty() {
            return print;
        }
        match self.method {
            Method::MinHash => {
                ws.page_sketch.resize(self.page.num_perm(), EMPTY);
                self.page.sketch(&ws.shingles, &mut ws.page_sketch);
                for (band, key) in keys.iter_mut().enumerate() {
                    *key = lsh::band_key(&ws.page_sketch, band, self.page_bands.rows);
                }
            }
            Method::SimHash => {
                print.simhash = self.simhash.fingerprint(&ws.shingles, &mut ws.sorted);
            }
        }
        if self.keep_sets {
            if self.sort_sets {
                shingle::fingerprint_set_into(&ws.shingles, &mut ws.set);
                chunk.sets.extend_from_slice(&ws.set);
                print.set_len = ws.set.len() as u32;
            } else {
                // The set's values in text order, repeats included: verification sorts those
                // it reads ([`KeptSets::prepare`]).
                chunk
                    .sets
                    .extend(ws.shingles.iter().map(|&h| shingle::fingerprint(h)));
                print.set_len = ws.shingles.len() as u32;
            }
            if self.method == Method::MinHash {
                chunk.sets.extend_from_slice(&ws.page_sketch);
                print.sketch_len = ws.page_sketch.len() as u32;
            }
        }
        for line in &ws.norm.lines {
            let text = &ws.norm.text[line.start as usize..line.end as usize];
            // Fewer bytes than characters wanted, or enough at four bytes a character, decide
            // without counting (most lines).
            let min = self.segment_min_chars as usize;
            if text.len() < min || text.len() < 4 * min && text.chars().count() < min {
                continue;
            }
            let segment = line_shingles(
                (&ws.norm.text, &ws.ends, &ws.shingles),
                line,
                self.ngram,
                &mut ws.segment,
            );
            if segment.is_empty() {
                continue;
            }
            self.line.sketch(segment, &mut ws.line_sketch);
            lsh::band_keys(&ws.line_sketch, SEGMENT_BANDS, &mut print.line_keys);
            print.lines += 1;
            // A paragraph seen for the first time (lines in a stripped page's text are not
            // boilerplate): its fingerprints from these shingles.
            if self.strip
                && !ws.all_chrome
                && self
                    .paragraph_min_chars
                    .is_some_and(|m| m <= self.segment_min_chars)
            {
                let key = paragraph::text_key(text);
                if self.seen.insert(key) {
                    chunk.record_first(segment, key, &self.para_engine, &mut ws.sorted);
                }
            }
        }
        if let Some(min_chars) = self.paragraph_min_chars {
            let before = chunk.paras.len();
            self.paragraphs(doc, raw, min_chars, ws, chunk);
            print.paras = (chunk.paras.len() - before) as u32;
        }
        print
    }

    /// The paragraphs of a page: every non-blank raw line with text left after normalization.
    /// Boilerplate lines left out of the page text are normalized on their own.
    fn paragraphs(
        &self,
        doc: u32,
        raw: &str,
        min_chars: u32,
        ws: &mut Workspace,
        chunk: &mut Chunk,
    ) {
        let site = self.sites.get(doc as usize).copied().flatten();
        let check = !self.boilerplate.is_empty();
        let mut cursor = 0;
        for (index, raw_line) in normalize::raw_lines(raw).enumerate() {
            let number = index as u32 + 1;
            let in_text = ws
                .norm
                .lines
                .get(cursor)
                .filter(|l| l.line == number)
                .copied();
            if in_text.is_some() {
                cursor += 1;
            } else if raw_line.trim().is_empty() {
                continue;
            }
            // Lines in the text were not boilerplate when boilerplate was stripped.
            let known_text = in_text.is_some() && self.strip && !ws.all_chrome;
            let boilerplate =
                check && !known_text && self.is_boilerplate(doc, site, index, raw_line);
            let text: &str = match in_text {
                Some(l) => &ws.norm.text[l.start as usize..l.end as usize],
                None if boilerplate => {
                    normalize::normalize_line(raw_line, ws.norm.traditional, &mut ws.line);
                    &ws.line
                }
                None => continue,
            };
            if text.is_empty() {
                continue;
            }
            let key = paragraph::text_key(text);
            let chars = text.chars().count() as u32;
            chunk.paras.push(ParaPrint {
                line: number,
                chars,
                key,
                boilerplate,
            });
            // A text not seen before is a line of the page's text (a line left out of it is
            // boilerplate): its shingles are known. They are kept for verification.
            if let Some(l) = in_text
                && !boilerplate
                && chars >= min_chars
                && self.seen.insert(key)
            {
                let shingles = line_shingles(
                    (&ws.norm.text, &ws.ends, &ws.shingles),
                    &l,
                    self.ngram,
                    &mut ws.segment,
                );
                chunk.record_first(shingles, key, &self.para_engine, &mut ws.sorted);
            }
        }
    }
}

/// The shingles of one line of a page, in text order, from the page's text, token ends and
/// shingles: a shingle is the hash of its tokens' bytes alone, so a line of at least `ngram`
/// tokens has the page's shingles that start in it and end in it; a shorter one is shingled
/// into `segment`. Tokens never cross a line, so these are the line's shingles alone.
fn line_shingles<'a>(
    (text, ends, shingles): (&str, &[u32], &'a [u64]),
    line: &normalize::Line,
    ngram: usize,
    segment: &'a mut Vec<u64>,
) -> &'a [u64] {
    let (first, last) = shingle::token_range(ends, line.start, line.end);
    if last >= first + ngram && ends.len() >= ngram {
        &shingles[first..=last - ngram]
    } else {
        shingle::shingles_in(text, ends, first, last, ngram, segment);
        segment
    }
}

/// Pages fingerprinted at a time before their mapped text is released (and, under a memory
/// limit, their keys go to the key files).
const FINGERPRINT_WAVE: usize = 64 * FINGERPRINT_CHUNK;

/// Pages read out of input order (a batch of components, the representatives of paragraph
/// clusters) at a time before their mapped text is released: a page fault maps up to 64 KiB
/// of the page cache around the page, so a wave keeps at most about 64 MiB of the input resident.
const SCATTERED_WAVE: usize = 1024;

/// `f` over `items` in parallel (each thread with its own `init()` state), `wave` items at a
/// time, releasing the mapped text read after each wave; results in item order.
fn in_waves<T: Send, W, R: Send>(
    corpus: &Corpus,
    items: &mut [T],
    wave: usize,
    init: impl Fn() -> W + Sync + Send,
    f: impl Fn(&mut W, &mut T) -> R + Sync + Send,
) -> Vec<R> {
    let mut out = Vec::with_capacity(items.len());
    for part in items.chunks_mut(wave) {
        let done: Vec<R> = part.par_iter_mut().map_init(&init, &f).collect();
        out.extend(done);
        corpus.release_text();
    }
    out
}

/// Where band keys go while pages are fingerprinted: a vector, or a key file of little-endian
/// words in the spill directory.
enum KeyStore {
    Memory(Vec<u64>),
    File(spill::KeyFile),
}

impl KeyStore {
    fn new(spill: Option<&SpillDir>, name: &str) -> Result<KeyStore> {
        Ok(match spill {
            Some(dir) => KeyStore::File(spill::KeyFile::create(dir, name)?),
            None => KeyStore::Memory(Vec::new()),
        })
    }

    fn extend(&mut self, keys: Vec<u64>) -> Result<()> {
        match self {
            KeyStore::Memory(all) if all.is_empty() => *all = keys,
            KeyStore::Memory(all) => all.extend_from_slice(&keys),
            KeyStore::File(file) => file.append(&keys)?,
        }
        Ok(())
    }

    fn finish(self) -> Result<KeyTable> {
        Ok(match self {
            KeyStore::Memory(keys) => KeyTable::Memory(keys),
            KeyStore::File(file) => KeyTable::Mapped(file.map(true)?),
        })
    }
}

/// Band keys once every page is fingerprinted.
enum KeyTable {
    Memory(Vec<u64>),
    Mapped(spill::MappedKeys),
}

impl KeyTable {
    fn keys(&self) -> Keys<'_> {
        match self {
            KeyTable::Memory(keys) => Keys::Words(keys),
            KeyTable::Mapped(map) => Keys::Bytes(map.bytes()),
        }
    }

    /// A mapped table: its pages read so far leave the resident set.
    fn release(&self) {
        if let KeyTable::Mapped(map) = self {
            map.release();
        }
    }
}

/// Sorts band tables through run files, `budget` bytes of entries in memory at a time; the
/// pages of `keys` read for a band are released once its entries are in the runs.
struct SpillSorter<'a> {
    dir: &'a SpillDir,
    budget: usize,
    keys: &'a KeyTable,
}

impl BandSorter for SpillSorter<'_> {
    fn sort(&mut self, entries: &mut Entries<'_>, sorted: &mut SortedVisit<'_>) -> Result<()> {
        // Fields in the order entries sort by.
        let mut sorter = spill::Sorter::<(u64, u32, u64, u16)>::new(self.dir, self.budget);
        for e in entries {
            sorter.push((e.key, e.sketch, e.first_key, e.first_band))?;
            if e.sketch % RELEASE_ENTRIES == RELEASE_ENTRIES - 1 {
                self.keys.release();
            }
        }
        // The bucket walk reads the sorted entries only: the key table can leave the resident
        // set until the next band reads it again, in order.
        self.keys.release();
        sorter.finish()?.consume(|merged| {
            sorted(
                &mut merged.map(|(key, sketch, first_key, first_band)| BandEntry {
                    key,
                    sketch,
                    first_key,
                    first_band,
                }),
            )
        })?
    }
}

/// Band entries read between two releases of the mapped key table.
const RELEASE_ENTRIES: u32 = 1 << 20;

/// Sorts band tables in memory on all threads.
struct ParallelSorter;

impl BandSorter for ParallelSorter {
    fn sort(&mut self, entries: &mut Entries<'_>, sorted: &mut SortedVisit<'_>) -> Result<()> {
        let mut table: Vec<BandEntry> = entries.collect();
        table.par_sort_unstable();
        sorted(&mut table.into_iter())
    }

    fn sorted_table(&mut self, n: usize, entry: &EntryOf<'_>) -> Option<Vec<BandEntry>> {
        let mut table: Vec<BandEntry> = (0..n).into_par_iter().map(entry).collect();
        table.par_sort_unstable();
        Some(table)
    }

    /// In parallel: at 100k pages, page level, walking the line bands' tables one after the
    /// other took about 0.95 of the 1.84 s of the line pass.
    fn walk_pieces(&mut self, pieces: &[&[BandEntry]], walk: &PieceWalk<'_>) -> Vec<Walked> {
        pieces.par_iter().map(|piece| walk(piece)).collect()
    }
}

fn progress_bar(config: &Config, len: u64, stage: &'static str) -> ProgressBar {
    let target = if config.progress && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>12} [{bar:32}] {human_pos}/{human_len} {per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(stage);
    bar
}

/// Runs every stage but the reports, on `config.threads` threads.
pub fn scan(config: &Config) -> Result<Scan> {
    config.validate().map_err(Error::Config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", config.threads)))?;
    pool.install(|| scan_in_pool(config))
}

/// A fresh spill directory in `--spill-dir`, or else the output directory (made if missing).
fn spill_dir(config: &Config) -> Result<SpillDir> {
    let parent = config.spill_dir.as_ref().unwrap_or(&config.out_dir);
    std::fs::create_dir_all(parent).map_err(|source| Error::Write {
        path: parent.clone(),
        source,
    })?;
    SpillDir::new_in(parent)
}

fn scan_in_pool(config: &Config) -> Result<Scan> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<StageTime>| {
        let now = Instant::now();
        timings.push(StageTime {
            name,
            elapsed: now - clock,
        });
        clock = now;
    };

    // Read.
    let inputs = ingest::discover(&config.inputs);
    let bar = progress_bar(config, inputs.len() as u64, "read");
    let loaded: Vec<_> = inputs
        .par_iter()
        .map(|input| {
            let loaded = ingest::load(input, &config.ingest);
            bar.inc(1);
            loaded
        })
        .collect();
    bar.finish_and_clear();
    let mut corpus = Corpus::assemble(inputs, loaded);
    let n = corpus.docs.len();
    if n > u32::MAX as usize - 1 {
        return Err(Error::Config("more than 4 billion documents".into()));
    }
    // Every stage that reads the text of all pages releases the mapped pages it read (they stay
    // in the page cache): the process holds at most a wave of the input at a time.
    corpus.release_text();
    lap("read", &mut timings);
    // What the pages hold whatever the limit comes off it before the tables take their shares.
    let config = &Config {
        held: n as u64 * HELD_PER_PAGE,
        ..config.clone()
    };

    // Normalize, tokenize, shingle, sketch.
    // Boilerplate: lines recurring across the pages of a site.
    let mut fingerprinter = Fingerprinter::new(config);
    let mut site_ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let sites: Vec<Option<u32>> = corpus
        .docs
        .iter()
        .map(|doc| {
            let site = doc.site();
            (!site.is_empty()).then(|| {
                let next = site_ids.len() as u32;
                *site_ids.entry(site).or_insert(next)
            })
        })
        .collect();
    drop(site_ids);
    let patterns = match &config.boilerplate_patterns {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let patterns = Patterns::parse(&text)
                .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
            Some(patterns)
        }
        None => None,
    };
    // Under a memory limit, the large tables of the page level go through run files here.
    let spill = match config.memory_limit {
        Some(_) => Some(spill_dir(config)?),
        None => None,
    };
    if config.strip_boilerplate || config.level.paragraphs() {
        // Every raw line's key, in line order, kept for the fingerprint stage; and each page's
        // distinct keys, to learn from.
        let keys_of = |doc: &ingest::Document| {
            let mut keys = Vec::new();
            if doc.skip.is_none() {
                boilerplate::line_keys_into(&corpus.text(doc), &mut keys);
            }
            let distinct = boilerplate::distinct_keys(&keys);
            (keys, distinct)
        };
        let mut raw_store = KeyStore::new(spill.as_ref(), "raw-line-keys")?;
        let mut raw_start: Vec<u64> = Vec::with_capacity(n + 1);
        raw_start.push(0);
        let mut keep = |keyed: Vec<(Vec<u64>, Vec<u64>)>| -> Result<Vec<Vec<u64>>> {
            let mut wave_keys = Vec::new();
            let mut distinct = Vec::with_capacity(keyed.len());
            for (keys, page) in keyed {
                wave_keys.extend_from_slice(&keys);
                raw_start.push(raw_start.last().copied().unwrap_or(0) + keys.len() as u64);
                distinct.push(page);
            }
            raw_store.extend(wave_keys)?;
            Ok(distinct)
        };
        let learned = match &spill {
            Some(dir) => {
                // The (key, site) table through run files, a wave of pages at a time.
                let mut sorter = spill::Sorter::<(u64, u32)>::new(dir, config.spill_budget(4));
                for (w, docs) in corpus.docs.chunks(FINGERPRINT_WAVE).enumerate() {
                    let keyed: Vec<(Vec<u64>, Vec<u64>)> = docs.par_iter().map(keys_of).collect();
                    corpus.release_text();
                    for (j, keys) in keep(keyed)?.into_iter().enumerate() {
                        if let Some(site) = sites[w * FINGERPRINT_WAVE + j] {
                            sorter.extend(keys.into_iter().map(|k| (k, site)))?;
                        }
                    }
                }
                let pages_of_site = Boilerplate::pages_of_site(&sites);
                sorter
                    .finish()?
                    .consume(|entries| Boilerplate::learn_sorted(entries, &pages_of_site))?
            }
            _ => {
                let mut keys = Vec::with_capacity(n);
                for docs in corpus.docs.chunks(FINGERPRINT_WAVE) {
                    let keyed: Vec<(Vec<u64>, Vec<u64>)> = docs.par_iter().map(keys_of).collect();
                    corpus.release_text();
                    keys.extend(keep(keyed)?);
                }
                // As `Boilerplate::learn`, the (key, site) table sorted on all threads.
                let mut entries = Boilerplate::entries(keys, &sites);
                entries.par_sort_unstable();
                Boilerplate::learn_sorted(entries, &Boilerplate::pages_of_site(&sites))
            }
        };
        fingerprinter.raw_keys = Some(RawLineKeys {
            keys: raw_store.finish()?,
            start: raw_start,
        });
        let learned = learned.with_web_lines(true).with_patterns(patterns);
        fingerprinter = fingerprinter.with_boilerplate(learned, sites, config.strip_boilerplate);
        lap("boilerplate", &mut timings);
    } else {
        fingerprinter = fingerprinter.with_boilerplate(Boilerplate::default(), sites, false);
    }
    normalize::zh::warm_up();
    let bar = progress_bar(config, n as u64, "fingerprint");
    // The band keys of every page sketch (SimHash keeps its fingerprints in `Print` instead) and
    // of every long line: in memory, or under a memory limit appended to key files a wave of
    // pages at a time and mapped back for LSH.
    let use_simhash = config.method == Method::SimHash;
    let bands = config.bands();
    let page_bands = if use_simhash { 0 } else { bands.bands };
    let key_slots = page_bands.max(1);
    let wave = FINGERPRINT_WAVE;
    let mut page_store = KeyStore::new(spill.as_ref(), "page-keys")?;
    let mut line_store = KeyStore::new(spill.as_ref(), "line-keys")?;
    // The page level: each page's set and sketch, kept for verification in a file of the spill
    // directory (one of its own without a memory limit); the paragraph level: the shingles of
    // each paragraph text fingerprinted first, in another.
    let sets_dir = match &spill {
        None if config.level.pages() || config.level.paragraphs() => Some(spill_dir(config)?),
        _ => None,
    };
    let mut set_writer = match spill.as_ref().or(sets_dir.as_ref()) {
        Some(dir) if config.level.pages() => Some(SetWriter::new(dir, "sets", n)?),
        _ => None,
    };
    let mut para_set_writer = match spill.as_ref().or(sets_dir.as_ref()) {
        Some(dir) if config.level.paragraphs() => Some(SetWriter::new(dir, "paragraph-sets", 0)?),
        _ => None,
    };
    let mut prints: Vec<Print> = Vec::with_capacity(n);
    let mut para_chunks: Vec<Chunk> = Vec::new();
    for (w, wave_docs) in corpus.docs.chunks(wave).enumerate() {
        let mut wave_keys = vec![0u64; wave_docs.len() * key_slots];
        let chunks: Vec<(Vec<Print>, Chunk)> = wave_keys
            .par_chunks_mut(key_slots * FINGERPRINT_CHUNK)
            .zip(wave_docs.par_chunks(FINGERPRINT_CHUNK))
            .enumerate()
            .map_init(Workspace::new, |ws, (c, (keys, docs))| {
                let mut chunk = Chunk::default();
                let prints = docs
                    .iter()
                    .enumerate()
                    .map(|(j, doc)| {
                        if doc.skip.is_some() {
                            return Print::default();
                        }
                        let index = (w * wave + c * FINGERPRINT_CHUNK + j) as u32;
                        let keys = &mut keys[j * key_slots..j * key_slots + page_bands];
                        fingerprinter.print(index, &corpus.text(doc), ws, keys, &mut chunk)
                    })
                    .collect();
                bar.inc(docs.len() as u64);
                (prints, chunk)
            })
            .collect();
        corpus.release_text();
        if let Some(raw) = &fingerprinter.raw_keys {
            raw.keys.release();
        }
        page_store.extend(wave_keys)?;
        for (p, mut chunk) in chunks {
            let mut lens = Vec::with_capacity(p.len());
            for mut print in p {
                let keys = std::mem::take(&mut print.line_keys);
                // Lines are banded only for the page level.
                if config.level.pages() {
                    line_store.extend(keys)?;
                }
                lens.push((print.set_len, print.sketch_len));
                prints.push(print);
            }
            if let Some(writer) = &mut set_writer {
                writer.push(std::mem::take(&mut chunk.sets), lens);
            }
            if let Some(writer) = &mut para_set_writer
                && !chunk.para_lens.is_empty()
            {
                let lens = std::mem::take(&mut chunk.para_lens);
                writer.push(std::mem::take(&mut chunk.para_sets), lens);
            }
            para_chunks.push(chunk);
        }
    }
    // Later readers of a page (paragraph sets) key its lines again.
    fingerprinter.raw_keys = None;
    let page_keys = page_store.finish()?;
    let line_keys = line_store.finish()?;
    let kept_sets = set_writer
        .map(|writer| writer.finish(config.memory_limit.is_some()))
        .transpose()?;
    let para_sets = para_set_writer
        .map(SetWriter::finish_unsorted)
        .transpose()?;
    bar.finish_and_clear();
    lap("fingerprint", &mut timings);

    let mut outcomes: Vec<DocOutcome> = corpus
        .docs
        .iter()
        .zip(&prints)
        .map(|(doc, print)| DocOutcome {
            raw_chars: print.raw_chars,
            norm_chars: print.norm_chars,
            skip: match &doc.skip {
                Some(_) => Some(Skip::Unreadable),
                None if print.shingles == 0 => Some(Skip::Empty),
                None => None,
            },
            cluster_id: 0,
            assignment: None,
        })
        .collect();
    let active: Vec<u32> = (0..n as u32)
        .filter(|&d| outcomes[d as usize].skip.is_none() && config.level.pages())
        .collect();

    // Paragraphs: exact, edited and contained copies across and within pages. They need nothing
    // from the page stages, and run first so their memory is free before page verification.
    let mut paragraphs = if config.level.paragraphs() {
        let mut instances = Vec::with_capacity(para_chunks.iter().map(|c| c.paras.len()).sum());
        let mut doc_start = Vec::with_capacity(n + 1);
        let mut first_seen = Vec::with_capacity(para_chunks.len());
        doc_start.push(0u32);
        for (c, chunk) in para_chunks.drain(..).enumerate() {
            let mut at = 0;
            let docs = c * FINGERPRINT_CHUNK..((c + 1) * FINGERPRINT_CHUNK).min(n);
            for doc in docs {
                let count = prints[doc].paras as usize;
                // A page skipped since (its input shrank) has no paragraphs.
                if outcomes[doc].skip.is_none() {
                    for (i, &print) in chunk.paras[at..at + count].iter().enumerate() {
                        instances.push(paragraph::Instance {
                            doc: doc as u32,
                            index: i as u32 + 1,
                            print,
                        });
                    }
                }
                at += count;
                doc_start.push(instances.len() as u32);
            }
            if !chunk.first.keys.is_empty() {
                first_seen.push(chunk.first);
            }
        }
        let para_sets = para_sets.expect("paragraph sets are kept with paragraphs");
        let failed: Mutex<Option<Error>> = Mutex::new(None);
        let sets_of = |texts: &[u32], slots: Vec<&mut [u32]>| {
            paragraph_sets(&para_sets, texts, slots, &failed, PARA_SET_READS)
        };
        let input = paragraph::ParaInput {
            instances,
            doc_start,
            first_seen,
            sets_of: &sets_of,
            sites: &fingerprinter.sites,
            settings: paragraph::ParaSettings {
                min_chars: config.paragraph_min_chars,
                thresholds: Thresholds {
                    jaccard: config.paragraph_threshold,
                    containment: config.paragraph_containment,
                    min_contained_shingles: paragraph::MIN_CONTAINED_SHINGLES,
                },
                max_hamming: config.max_hamming,
                verify_budget: config.paragraph_budget(),
            },
        };
        let mut scan = paragraph::analyze(input, &|count, task| {
            (0..count).into_par_iter().map(task).collect()
        });
        drop(para_sets);
        if let Some(error) = failed.into_inner().expect("no reader panics") {
            return Err(error);
        }
        // The representatives' raw text for the reports, each page decoded once.
        let mut wanted: Vec<(u32, u32, usize)> = scan
            .clusters
            .iter()
            .enumerate()
            .map(|(c, cluster)| {
                let inst = &scan.instances[cluster.representative as usize];
                (inst.doc, inst.print.line, c)
            })
            .collect();
        wanted.sort_unstable();
        let mut by_page: Vec<&[(u32, u32, usize)]> = wanted.chunk_by(|a, b| a.0 == b.0).collect();
        let found: Vec<Vec<(usize, String)>> = in_waves(
            &corpus,
            &mut by_page,
            SCATTERED_WAVE,
            || (),
            |_, group| {
                let text = corpus.text(&corpus.docs[group[0].0 as usize]);
                let lines: Vec<&str> = text.split('\n').collect();
                group
                    .iter()
                    .map(|&(_, line, c)| {
                        let raw = lines.get(line as usize - 1).copied().unwrap_or("");
                        (c, raw.trim().to_string())
                    })
                    .collect()
            },
        );
        scan.texts = vec![String::new(); scan.clusters.len()];
        for (c, text) in found.into_iter().flatten() {
            scan.texts[c] = text;
        }
        lap("paragraphs", &mut timings);
        Some(scan)
    } else {
        None
    };
    drop(para_chunks);

    // Rank: the longest normalized text first, ties by id, then by input order.
    let mut by_rank: Vec<u32> = (0..n as u32).collect();
    by_rank.par_sort_by(|&a, &b| {
        let (oa, ob) = (&outcomes[a as usize], &outcomes[b as usize]);
        (
            oa.skip.is_some(),
            std::cmp::Reverse(oa.norm_chars),
            corpus.docs[a as usize].id(),
            a,
        )
            .cmp(&(
                ob.skip.is_some(),
                std::cmp::Reverse(ob.norm_chars),
                corpus.docs[b as usize].id(),
                b,
            ))
    });
    let mut rank = vec![0u32; n];
    for (r, &d) in by_rank.iter().enumerate() {
        rank[d as usize] = r as u32;
    }

    // LSH over page sketches (or a Hamming search over SimHash fingerprints) and over line
    // sketches.
    let simhashes: Vec<u64> = if use_simhash {
        prints.iter().map(|p| p.simhash).collect()
    } else {
        Vec::new()
    };
    // Lines are banded only for the page level.
    let line_owner: Vec<u32> = if config.level.pages() {
        prints
            .iter()
            .enumerate()
            .flat_map(|(doc, print)| std::iter::repeat_n(doc as u32, print.lines as usize))
            .collect()
    } else {
        Vec::new()
    };
    let lines_of: Vec<u32> = prints.iter().map(|p| p.lines).collect();
    drop(prints);
    let identity: Vec<u32> = (0..n as u32).collect();
    let pages = KeyedSketches {
        keys: page_keys.keys(),
        bands: key_slots,
        owner: &identity,
    };
    let lines = KeyedSketches {
        keys: line_keys.keys(),
        bands: SEGMENT_BANDS.bands,
        owner: &line_owner,
    };
    let bar = progress_bar(config, page_bands as u64 + 1, "lsh");
    // Bands a few at a time, each merged into the pairs so far as it comes: a pair found in
    // many bands is held once, not once per band.
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    let all_bands: Vec<usize> = (0..page_bands).collect();
    for wave in all_bands.chunks(rayon::current_num_threads().max(1)) {
        let found: Vec<Vec<(u32, u32)>> = wave
            .par_iter()
            .map(|&band| {
                let pairs = lsh::keyed_band_pairs(pages, &active, &rank, band, BucketPolicy::PAGES);
                bar.inc(1);
                pairs
            })
            .collect();
        for pairs in found {
            candidates = lsh::merge_unique(&candidates, &pairs);
        }
        // Under a limit the mapped page keys read for these bands leave the resident set.
        page_keys.release();
    }
    let max_bucket = BucketPolicy::LINES.all_pairs_up_to;
    let line_candidates = match &spill {
        Some(dir) => {
            // Under a memory limit: each band's table and the colliding pairs through run files.
            let budget = config.spill_budget(8);
            let mut sorter = SpillSorter {
                dir,
                budget,
                keys: &line_keys,
            };
            let mut found = spill::Sorter::<(u32, u32, u32, u32)>::new(dir, budget);
            lsh::keyed_sketch_pairs(lines, max_bucket, &mut sorter, &mut |pairs| {
                for p in pairs {
                    found.push((p.a, p.b, p.sketch_a, p.sketch_b))?;
                }
                Ok(())
            })?;
            found.finish()?.consume(|found| {
                let pairs = found.map(|(a, b, sketch_a, sketch_b)| lsh::SketchPair {
                    a,
                    b,
                    sketch_a,
                    sketch_b,
                });
                lsh::shared_sketch_pairs(pairs, &lines_of, config.line_share)
            })?
        }
        _ => {
            let mut line_pairs = Vec::new();
            lsh::keyed_sketch_pairs(lines, max_bucket, &mut ParallelSorter, &mut |pairs| {
                line_pairs.extend_from_slice(pairs);
                Ok(())
            })?;
            // Grouped by document pair, which is all `shared_sketch_pairs` needs: one key to
            // compare instead of four fields (6.6M pairs at 100k pages: 157 -> 87 ms).
            line_pairs.par_sort_unstable_by_key(|p| (p.a as u64) << 32 | p.b as u64);
            // Pieces that end where a document pair ends, decided in parallel.
            let pieces = lsh::group_pieces(&line_pairs, 64, |x, y| (x.a, x.b) == (y.a, y.b));
            let decided: Vec<Vec<(u32, u32)>> = pieces
                .par_iter()
                .map(|piece| {
                    lsh::shared_sketch_pairs(piece.iter().copied(), &lines_of, config.line_share)
                })
                .collect();
            decided.concat()
        }
    };
    bar.inc(1);
    candidates.extend(line_candidates);
    if use_simhash {
        candidates.extend(hamming::candidates(
            &simhashes,
            &active,
            &rank,
            config.max_hamming,
        ));
    }
    candidates.par_sort_unstable();
    candidates.dedup();
    drop(line_keys);
    drop(line_owner);
    bar.finish_and_clear();
    lap("lsh", &mut timings);

    drop(page_keys);

    // Verify candidates exactly on the kept shingle sets and cluster, one batch of connected
    // components of the candidate graph at a time: a batch's pairs and clustering are held, its
    // sets are read from the mapped file.
    let thresholds = Thresholds {
        jaccard: config.threshold,
        containment: config.containment,
        min_contained_shingles: config.min_contained_shingles,
    };
    // Batches are weighed by their sets (at most one shingle per character) and sketches.
    let sketch_bytes = if use_simhash {
        0
    } else {
        4 * config.num_perm as u64
    };
    let weight = |d: u32| 4 * (outcomes[d as usize].norm_chars as u64 + 1) + sketch_bytes;
    let batches = cluster::component_batches(
        n,
        &candidates,
        weight,
        config.verify_budget(),
        cluster::BatchOrder::Sorted,
    );

    let mut batch_of = vec![u32::MAX; n];
    let mut position = vec![0u32; n];
    for (i, batch) in batches.iter().enumerate() {
        for (p, &d) in batch.iter().enumerate() {
            batch_of[d as usize] = i as u32;
            position[d as usize] = p as u32;
        }
    }
    // The candidates of each batch together, in their order: sorted in place, not copied.
    let candidate_count = candidates.len();
    candidates.par_sort_unstable_by_key(|&(a, b)| (batch_of[a as usize], a, b));
    let mut batch_start = vec![0usize; batches.len() + 1];
    for &(a, _) in &candidates {
        batch_start[batch_of[a as usize] as usize + 1] += 1;
    }
    for b in 1..batch_start.len() {
        batch_start[b] += batch_start[b - 1];
    }
    let candidates = Candidates::new(candidates, spill.as_ref())?;
    let batch_candidates = |b: usize| (&candidates, batch_start[b]..batch_start[b + 1]);
    let involved: usize = batches.iter().map(Vec::len).sum();
    let bar = progress_bar(config, (involved + candidate_count) as u64, "verify");
    let verifier = Verifier {
        sets: kept_sets.as_ref(),
        rank: &rank,
        thresholds: &thresholds,
        simhashes: &simhashes,
        window: (config.verify_budget() / 4).min(VERIFY_WINDOW),
        position: &position,
    };
    // Every page read is unique until a batch says otherwise. Each batch's pairs and
    // assignments are taken as it is done, so only the pairs accumulate.
    let unique = |d: u32| Assignment {
        representative: d,
        role: Role::Unique,
        similarity: None,
    };
    for (d, outcome) in outcomes.iter_mut().enumerate() {
        if outcome.skip.is_none() {
            outcome.assignment = Some(unique(d as u32));
        }
    }
    let mut pairs = PairSink::new(spill.as_ref(), config.spill_budget(8));
    let mut cluster_time = Duration::ZERO;
    let mut take = |result: BatchResult, outcomes: &mut [DocOutcome]| {
        for (d, a) in result.assignments {
            let outcome = &mut outcomes[d as usize];
            if outcome.skip.is_none() {
                outcome.assignment = Some(a);
            }
        }
        cluster_time += result.cluster_time;
    };
    for (b, docs) in batches.iter().enumerate() {
        let batch = (docs.as_slice(), batch_candidates(b));
        let result = verifier.batch(&bar, batch, &|_| false, &mut |v| pairs.extend(v))?;
        take(result, &mut outcomes);
    }
    bar.finish_and_clear();
    // A mapped input that shrank while the stages above read it showed zeros where its text
    // was: its documents past the new end are skipped, and the batches that held them are
    // decided again without them.
    let vanished = corpus.skip_vanished();
    if !vanished.is_empty() {
        for &d in &vanished {
            outcomes[d as usize] = DocOutcome {
                raw_chars: 0,
                norm_chars: 0,
                skip: Some(Skip::Unreadable),
                cluster_id: 0,
                assignment: None,
            };
        }
        let mut redo: Vec<u32> = vanished
            .iter()
            .map(|&d| batch_of[d as usize])
            .filter(|&b| b != u32::MAX)
            .collect();
        redo.sort_unstable();
        redo.dedup();
        // Their documents' clusters are decided again. Their pairs stay but those of skipped
        // documents: verifying them again gives the same pairs without those.
        for &b in &redo {
            for &d in &batches[b as usize] {
                let outcome = &mut outcomes[d as usize];
                if outcome.skip.is_none() {
                    outcome.assignment = Some(unique(d));
                }
            }
        }
        let skipped: Vec<bool> = outcomes.iter().map(|o| o.skip.is_some()).collect();
        let skipped = |d: u32| skipped[d as usize];
        for b in redo {
            let b = b as usize;
            let hidden = ProgressBar::hidden();
            let batch = (&batches[b][..], batch_candidates(b));
            // Its pairs are those found before, less those of skipped documents.
            let result = verifier.batch(&hidden, batch, &skipped, &mut |_| Ok(()))?;
            take(result, &mut outcomes);
        }
        if let Some(p) = &mut paragraphs {
            // Their paragraphs were read from vanished text: no copies (cluster counts keep them).
            for &d in &vanished {
                let range = p.of_doc(d);
                p.membership[range].fill(None);
            }
        }
    }
    drop(candidates);
    let pairs = pairs.finish(spill.as_ref(), |p| {
        outcomes[p.a as usize].skip.is_none() && outcomes[p.b as usize].skip.is_none()
    })?;
    let spilled = spill.map(|dir| SpillStats {
        limit: config.memory_limit.unwrap_or(0),
        files: dir.files_written(),
        bytes: dir.bytes_written(),
    });
    lap("verify", &mut timings);
    // Clustering ran inside the batches: its time is reported apart.
    let verify = timings.last_mut().expect("verify timed");
    verify.elapsed = verify.elapsed.saturating_sub(cluster_time);
    timings.push(StageTime {
        name: "cluster",
        elapsed: cluster_time,
    });

    // Cluster ids, roles and members.
    let representative = |o: &DocOutcome| o.assignment.map(|a| a.representative);
    let mut next_id = 0u32;
    for (d, outcome) in outcomes.iter_mut().enumerate() {
        if representative(outcome) == Some(d as u32) {
            next_id += 1;
            outcome.cluster_id = next_id;
        }
    }
    // (representative, member), in member order.
    let mut members: Vec<(u32, u32)> = Vec::new();
    for d in 0..n {
        let Some(rep) = representative(&outcomes[d]) else {
            continue;
        };
        outcomes[d].cluster_id = outcomes[rep as usize].cluster_id;
        if rep != d as u32 {
            members.push((rep, d as u32));
        }
    }
    members.sort_by_key(|&(rep, _)| rep);
    let clusters: Vec<ClusterInfo> = members
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| ClusterInfo {
            id: outcomes[group[0].0 as usize].cluster_id,
            representative: group[0].0,
            members: group.iter().map(|&(_, d)| d).collect(),
        })
        .collect();

    Ok(Scan {
        corpus,
        outcomes,
        pairs,
        clusters,
        bands,
        candidates: candidate_count,
        level: config.level,
        paragraphs,
        timings,
        spilled,
    })
}

/// What a finished run reports on stderr.
#[derive(Debug, Clone)]
pub struct Summary {
    pub documents: usize,
    pub skipped: usize,
    pub unreadable: usize,
    pub clusters: usize,
    pub duplicates: usize,
    pub contained: usize,
    pub candidates: usize,
    pub pairs: usize,
    pub bytes: u64,
    pub bands: Bands,
    /// `Some(k)` when page candidates came from a SimHash search within Hamming distance `k`.
    pub max_hamming: Option<u32>,
    /// With paragraphs: paragraphs, copies, clusters (boilerplate ones), distinct texts,
    /// candidate and verified pairs of texts.
    pub paragraphs: Option<ParagraphSummary>,
    pub timings: Vec<StageTime>,
    pub spilled: Option<SpillStats>,
    pub files: Vec<std::path::PathBuf>,
    /// Problems to show on stderr even when quiet: inputs that shrank while being read.
    pub warnings: Vec<String>,
    /// Documents whose input shrank after they were checked, while the reports were written:
    /// their excerpts and kept text may hold zeros instead of text.
    pub changed_late: usize,
}

/// The paragraph level in numbers.
#[derive(Debug, Clone, Copy)]
pub struct ParagraphSummary {
    pub paragraphs: usize,
    pub copies: usize,
    pub clusters: usize,
    pub boilerplate_clusters: usize,
    pub variants: usize,
    pub candidates: usize,
    pub verified: usize,
}

impl ParagraphSummary {
    pub fn of(p: &ParaScan) -> Self {
        ParagraphSummary {
            paragraphs: p.instances.len(),
            copies: p.membership.iter().flatten().count(),
            clusters: p.clusters.len(),
            boilerplate_clusters: p.clusters.iter().filter(|c| c.boilerplate).count(),
            variants: p.variants,
            candidates: p.candidates,
            verified: p.verified,
        }
    }
}

impl Summary {
    pub fn total(&self) -> Duration {
        self.timings.iter().map(|t| t.elapsed).sum()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.total().as_secs_f64().max(1e-9);
        writeln!(
            f,
            "neardup: {} documents read, {} skipped ({} unreadable); {} clusters, {} duplicates, {} contained",
            self.documents,
            self.skipped,
            self.unreadable,
            self.clusters,
            self.duplicates,
            self.contained
        )?;
        let search = match self.max_hamming {
            Some(k) => format!("SimHash, Hamming ≤ {k}"),
            None => format!("{} bands × {} rows", self.bands.bands, self.bands.rows),
        };
        writeln!(
            f,
            "neardup: {} candidate pairs ({search}), {} verified",
            self.candidates, self.pairs
        )?;
        if let Some(p) = &self.paragraphs {
            writeln!(
                f,
                "neardup: {} paragraphs, {} copies in {} paragraph clusters ({} boilerplate); {} distinct texts, {} candidate pairs, {} verified",
                p.paragraphs,
                p.copies,
                p.clusters,
                p.boilerplate_clusters,
                p.variants,
                p.candidates,
                p.verified
            )?;
        }
        if let Some(s) = &self.spilled {
            writeln!(
                f,
                "neardup: spilled {:.1} MB in {} files (--memory-limit {} MiB)",
                s.bytes as f64 / 1e6,
                s.files,
                s.limit >> 20
            )?;
        }
        let stages: Vec<String> = self
            .timings
            .iter()
            .map(|t| format!("{} {:.2}s", t.name, t.elapsed.as_secs_f64()))
            .collect();
        writeln!(
            f,
            "neardup: {:.2}s ({}); {:.1} MB/s, {:.0} pages/s",
            secs,
            stages.join(", "),
            self.bytes as f64 / 1e6 / secs,
            self.documents as f64 / secs
        )?;
        for file in &self.files {
            writeln!(f, "neardup: wrote {}", file.display())?;
        }
        Ok(())
    }
}

/// Scans, writes the reports and returns the summary.
pub fn run(config: &Config) -> Result<Summary> {
    let mut scan = scan(config)?;
    let start = Instant::now();
    let options = crate::report::ReportOptions {
        excel: config.excel,
        emit_kept: config.emit_kept.clone(),
        clean_text: config.clean_text,
        emit_paragraphs: config.emit_paragraphs.clone(),
    };
    // The report files are independent: written in parallel, each in its own order.
    let jobs = crate::report::jobs(&scan, &config.out_dir, &options)?;
    // A table's rows are formatted in parallel pieces, appended in order.
    let pieces = |n: usize, each: &(dyn Fn(usize) -> Result<Vec<u8>> + Sync)| {
        (0..n).into_par_iter().map(each).collect()
    };
    let results: Vec<Result<()>> = jobs.par_iter().map(|job| job.run_with(&pieces)).collect();
    let written = crate::report::finish(jobs, results)?;
    // The reports read text again (excerpts, the kept corpus): say so if any vanished meanwhile.
    let mut changed_late = 0;
    for vanished in scan.corpus.vanished() {
        let docs: Vec<u32> = vanished
            .docs
            .iter()
            .copied()
            .filter(|&d| scan.outcomes[d as usize].skip.is_none())
            .collect();
        let Some(&first) = docs.first() else {
            continue;
        };
        changed_late += docs.len();
        let warning = format!(
            "{}: {}; the excerpts and kept text of {} from here on may be cut",
            scan.corpus.source(&scan.corpus.docs[first as usize]),
            vanished.describe("while the reports were written"),
            ingest::records(docs.len())
        );
        scan.corpus.warnings.push(warning);
    }
    scan.timings.push(StageTime {
        name: "report",
        elapsed: start.elapsed(),
    });
    Ok(Summary {
        documents: scan.outcomes.len(),
        skipped: scan.skipped(),
        unreadable: scan.unreadable(),
        clusters: scan.clusters.len(),
        duplicates: scan.role_count(Role::Duplicate),
        contained: scan.role_count(Role::Contained),
        candidates: scan.candidates,
        pairs: scan.pairs.len(),
        bytes: scan.corpus.total_bytes(),
        bands: scan.bands,
        max_hamming: (config.method == Method::SimHash).then_some(config.max_hamming),
        paragraphs: scan.paragraphs.as_ref().map(ParagraphSummary::of),
        timings: scan.timings,
        spilled: scan.spilled,
        files: written.files,
        warnings: scan.corpus.warnings,
        changed_late,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::TokenizerKind;

    /// For each document, how far apart in `pairs` its first and last pair are.
    fn widest_span(pairs: &[(u32, u32)]) -> usize {
        let mut seen: std::collections::HashMap<u32, (usize, usize)> = Default::default();
        for (i, &(a, b)) in pairs.iter().enumerate() {
            for d in [a, b] {
                seen.entry(d).or_insert((i, i)).1 = i;
            }
        }
        seen.values()
            .map(|&(first, last)| last - first)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn graph_order_gives_each_pair_once_and_a_documents_pairs_together() {
        // 40 groups of 8 copies with interleaved ids (copy j of group g is 40 j + g, times 3
        // plus 1 to leave gaps), each group a clique, and one pair linking group g to g + 1.
        let doc = |g: u32, j: u32| 3 * (40 * j + g) + 1;
        let mut batch: Vec<(u32, u32)> = Vec::new();
        for g in 0..40 {
            for i in 0..8 {
                for j in i + 1..8 {
                    batch.push((doc(g, i), doc(g, j)));
                }
            }
            if g + 1 < 40 {
                batch.push((doc(g, 7).min(doc(g + 1, 0)), doc(g, 7).max(doc(g + 1, 0))));
            }
        }
        batch.sort_unstable();
        let mut docs: Vec<u32> = batch.iter().flat_map(|&(a, b)| [a, b]).collect();
        docs.sort_unstable();
        docs.dedup();
        // Another batch's pairs before and after the range.
        let mut all = vec![(0, 2), (0, 5)];
        let range = all.len()..all.len() + batch.len();
        all.extend(&batch);
        all.push((2000, 2001));
        let candidates = Candidates::Memory(all);
        let mut position = vec![0u32; 2002];
        for (p, &d) in docs.iter().enumerate() {
            position[d as usize] = p as u32;
        }
        let mut got = Vec::new();
        graph_order(&docs, &position, &candidates, range, |(a, b)| {
            got.push((docs[a as usize], docs[b as usize]));
            Ok(())
        })
        .unwrap();
        assert!(got.iter().all(|&(a, b)| a < b), "{got:?}");
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, batch, "each pair of the range once");
        // In candidate order a copy of a late group meets its group's first copies near the start
        // and its own last pairs near the end; in graph order a group's pairs come together.
        assert!(widest_span(&batch) > 600, "{}", widest_span(&batch));
        assert!(widest_span(&got) < 3 * 29, "{}", widest_span(&got));
    }

    /// A verified pair written to a run or pairs file reads back as itself, and records sort
    /// as their pairs do.
    #[test]
    fn a_pair_record_reads_back_as_its_pair() {
        use spill::Record;
        let pair = |a, b, estimate: f64| VerifiedPair {
            a,
            b,
            estimate,
            similarity: Similarity {
                intersection: 7,
                len_a: 9,
                len_b: u32::MAX,
            },
        };
        let pairs = [
            pair(3, u32::MAX - 1, 0.875),
            pair(u32::MAX - 1, 2, 1.0 / 3.0),
            pair(0, 1, 0.0),
        ];
        for p in pairs {
            let mut bytes = vec![0u8; PairRecord::SIZE];
            pair_record(&p).encode(&mut bytes);
            let back = record_pair(PairRecord::decode(&bytes));
            assert_eq!((back.a, back.b, back.similarity), (p.a, p.b, p.similarity));
            assert_eq!(back.estimate.to_bits(), p.estimate.to_bits());
        }
        let mut records: Vec<PairRecord> = pairs.iter().map(pair_record).collect();
        records.sort_unstable();
        let order: Vec<(u32, u32)> = records
            .into_iter()
            .map(record_pair)
            .map(|p| (p.a, p.b))
            .collect();
        assert_eq!(order, [(0, 1), (3, u32::MAX - 1), (u32::MAX - 1, 2)]);
    }

    /// The records held for every page through all stages stay small: at 1M pages each byte
    /// here is a megabyte of the run's memory.
    #[test]
    fn per_page_records_stay_small() {
        use std::mem::size_of;
        assert!(size_of::<ingest::Document>() <= 96);
        assert!(size_of::<DocOutcome>() <= 40);
        assert!(size_of::<VerifiedPair>() <= 32);
        let doc = ingest::Document::new("p1", Some("http://www.a.cn/x.html"));
        assert_eq!(
            (doc.id(), doc.url(), doc.site().as_str()),
            ("p1", Some("http://www.a.cn/x.html"), "www.a.cn")
        );
        let doc = ingest::Document::new("site/a.txt", None);
        assert_eq!(
            (doc.id(), doc.url(), doc.site().as_str()),
            ("site/a.txt", None, "site")
        );
        let doc = ingest::Document::new("", Some(""));
        assert_eq!(
            (doc.id(), doc.url(), doc.site().as_str()),
            ("", Some(""), "")
        );
    }

    /// The paragraph sets read back from the file fingerprinting writes are the sets of the
    /// paragraphs alone ([`paragraph::shingle_set`]), in any order asked for, read in spans of
    /// many sets or one at a time, with both tokenizers.
    #[test]
    fn paragraph_sets_read_back_are_the_sets_of_the_texts_alone() {
        let pages = crate::testing::seed_pages();
        for kind in [TokenizerKind::Char, TokenizerKind::Jieba] {
            let mut config = Config::new(Vec::new());
            config.tokenizer = kind;
            config.ngram = crate::config::default_ngram(kind);
            config.paragraph_min_chars = 10;
            assert!(config.level.paragraphs());
            let fingerprinter = Fingerprinter::new(&config);
            let dir = tempfile::tempdir().unwrap();
            let spill = SpillDir::new_in(dir.path()).unwrap();
            let mut writer = SetWriter::new(&spill, "paragraph-sets", 0).unwrap();
            let mut ws = Workspace::new();
            let mut keys = vec![0u64; config.bands().bands];
            let mut first = Vec::new();
            // Each text's characters and set, by its key, from its line normalized alone.
            let mut expected: std::collections::HashMap<u64, (u32, Vec<u32>)> = Default::default();
            let (mut para, mut text) = (paragraph::ParaWorkspace::default(), String::new());
            // Pages in chunks of two, each chunk's texts pushed as the driver does.
            for (c, two) in pages.chunks(2).enumerate() {
                let mut chunk = Chunk::default();
                for (j, page) in two.iter().enumerate() {
                    let doc = (2 * c + j) as u32;
                    fingerprinter.print(doc, page, &mut ws, &mut keys, &mut chunk);
                    for line in page.lines() {
                        normalize::normalize_line(line, ws.norm.traditional, &mut text);
                        let mut set = Vec::new();
                        let tokenizer = fingerprinter.tokenizer.as_ref();
                        paragraph::shingle_set(&text, tokenizer, config.ngram, &mut para, &mut set);
                        let chars = text.chars().count() as u32;
                        expected.insert(paragraph::text_key(&text), (chars, set));
                    }
                }
                assert_eq!(chunk.para_lens.len(), chunk.first.keys.len());
                first.extend(chunk.first.keys.iter().copied());
                writer.push(chunk.para_sets, chunk.para_lens);
            }
            let store = writer.finish_unsorted().unwrap();
            assert!(first.len() >= 50, "{kind:?}: {} texts", first.len());
            // Every other text, last first: reads skip the others.
            let texts: Vec<u32> = (0..first.len() as u32).rev().step_by(2).collect();
            for limits in [PARA_SET_READS, SetReads { span: 40, gap: 3 }] {
                let sizes: Vec<u32> = texts
                    .iter()
                    .map(|&f| expected[&first[f as usize]].0)
                    .collect();
                let mut values =
                    vec![u32::MAX; sizes.iter().map(|&c| paragraph::slot_len(c)).sum()];
                let mut slots = Vec::new();
                let mut rest = values.as_mut_slice();
                for &c in &sizes {
                    let (slot, tail) =
                        std::mem::take(&mut rest).split_at_mut(paragraph::slot_len(c));
                    slots.push(slot);
                    rest = tail;
                }
                let failed = Mutex::new(None);
                let lens = paragraph_sets(&store, &texts, slots, &failed, limits);
                assert!(failed.lock().unwrap().is_none());
                let mut at = 0;
                for ((&f, &c), &len) in texts.iter().zip(&sizes).zip(&lens) {
                    let set = &expected[&first[f as usize]].1;
                    assert_eq!(
                        &values[at..at + len as usize],
                        set.as_slice(),
                        "{kind:?} {f}"
                    );
                    at += paragraph::slot_len(c);
                }
            }
        }
    }

    /// With word tokens too, the shingles of each line inside its page are the line's shingles
    /// alone, which paragraphs rely on when they reuse the page's.
    #[test]
    fn a_lines_shingles_in_its_page_are_its_shingles_alone() {
        let page = std::fs::read_to_string("../shared/seeds/001_27848082a643c5e6.txt").unwrap();
        for kind in [TokenizerKind::Jieba, TokenizerKind::Char] {
            let mut config = Config::new(Vec::new());
            config.tokenizer = kind;
            config.ngram = crate::config::default_ngram(kind);
            let fingerprinter = Fingerprinter::new(&config);
            let mut ws = Workspace::new();
            fingerprinter.shingle(0, &page, &mut ws);
            let mut checked = 0;
            let (mut short, mut segment) = (0, Vec::new());
            for line in &ws.norm.lines {
                let text = &ws.norm.text[line.start as usize..line.end as usize];
                let (first, last) = shingle::token_range(&ws.ends, line.start, line.end);
                short += (last < first + config.ngram) as usize;
                let mut alone = Vec::new();
                let mut ends = Vec::new();
                fingerprinter.tokenizer.token_ends(text, &mut ends);
                shingle::shingles_in(text, &ends, 0, ends.len(), config.ngram, &mut alone);
                let page = (
                    ws.norm.text.as_str(),
                    ws.ends.as_slice(),
                    ws.shingles.as_slice(),
                );
                let in_page = line_shingles(page, line, config.ngram, &mut segment);
                assert_eq!(in_page, alone.as_slice(), "{kind:?}: {text}");
                checked += 1;
            }
            assert!(checked >= 10, "{kind:?}: {checked} lines");
            if kind == TokenizerKind::Jieba {
                assert!(short >= 1, "lines of fewer tokens than a shingle: {short}");
            }
        }
    }
}
