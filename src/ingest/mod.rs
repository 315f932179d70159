//! Ingest: paths on the command line → a [`Corpus`] of documents.
//!
//! Input: files, directories (walked recursively in name order, hidden entries skipped, only
//! text and JSON Lines files taken) and `-` for standard input. Output: every document found, in a
//! deterministic order (argument order, then walk order, then line order), each a byte range into
//! its input's [`Buffer`] — mapped, read, decompressed, or decoded to UTF-8 from a legacy encoding
//! ([`decode`]) — never a copied `String` per document.
//!
//! Invariants: every record of every input appears exactly once in [`Corpus::docs`], either as a
//! readable document or with a `skip` reason (unreadable file, malformed JSON line, binary data,
//! oversized document), so reports can account for all of them. Every buffer the rest of the
//! pipeline sees is UTF-8: text files are decoded from their detected (or `--encoding`) encoding,
//! JSON Lines is UTF-8 by definition and its invalid bytes are replaced; either way each document
//! records its encoding and how many invalid sequences were replaced. Cost: one read or map per
//! file, one UTF-8 validation per file, one JSON parse per JSONL line; one allocation per document,
//! for its id and url together (a [`Document`] is 96 bytes besides).
//!
//! A mapped input may shrink while it is mapped (another program truncates it); reading its lost
//! pages then yields zeros instead of killing the run ([`mmap`] says how). Two checks keep zeros
//! out of the results: [`load`] checks a mapped input once it is split into records and, if it
//! shrank, reads it again and turns the records past the new end into skipped records ("file
//! shrank from N to M bytes while being read"); [`Corpus::skip_vanished`], which the pipeline
//! calls once fingerprints and verification have read the text, skips the documents whose text
//! vanished after that ("... after it was read"). Either way the record stays in
//! [`Corpus::docs`], and [`Corpus::warnings`] names the file and the first line affected.

pub mod decode;
pub mod jsonl;
pub mod mmap;
pub mod site;

pub use jsonl::Fields;
pub use mmap::{Buffer, MmapChoice, Shrink};

use encoding_rs::Encoding;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A byte range of an input buffer holding a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextSpan {
    pub start: usize,
    pub end: usize,
    /// The range is the inside of a JSON string with escapes, to be decoded before use.
    pub escaped: bool,
}

/// One input document (or a record that could not be read, with `skip` saying why).
///
/// A crawl holds millions of these, so a document is small: its id and url share one
/// allocation, and its site is derived from them when asked for.
#[derive(Debug, Clone)]
pub struct Document {
    /// The id followed by the url.
    names: Box<str>,
    id_len: u32,
    /// `NO_URL` when the record has none.
    url_len: u32,
    /// Index into [`Corpus::inputs`].
    pub input: u32,
    /// 1-based line of a JSONL record; 0 for a whole-file document.
    pub line: u32,
    pub span: TextSpan,
    pub skip: Option<String>,
    /// The encoding the text was decoded from; `None` when the bytes were never decoded (an
    /// unreadable file, binary data, a file too large).
    pub encoding: Option<&'static Encoding>,
    /// Invalid byte sequences replaced by U+FFFD in this document (a JSONL record counts its
    /// whole line).
    pub replaced: u32,
}

const NO_URL: u32 = u32::MAX;

impl Document {
    /// A document named `id` (the id as given in the record, or the path of a text file
    /// relative to the directory given), with its url if the record has one; no text yet.
    pub fn new(id: &str, url: Option<&str>) -> Document {
        let mut names = String::with_capacity(id.len() + url.map_or(0, str::len));
        names.push_str(id);
        names.push_str(url.unwrap_or(""));
        Document {
            names: names.into_boxed_str(),
            id_len: id.len() as u32,
            url_len: url.map_or(NO_URL, |u| u.len() as u32),
            input: 0,
            line: 0,
            span: TextSpan::default(),
            skip: None,
            encoding: None,
            replaced: 0,
        }
    }

    pub fn id(&self) -> &str {
        &self.names[..self.id_len as usize]
    }

    pub fn url(&self) -> Option<&str> {
        (self.url_len != NO_URL).then(|| &self.names[self.id_len as usize..])
    }

    /// The site: the host of the url, else the first directory of the id ([`site::site_of`]).
    pub fn site(&self) -> String {
        site::site_of(self.url(), self.id())
    }

    /// The encoding as shown in reports: `GBK`, `UTF-8`, `Big5`, ..., followed by
    /// ` (N replaced)` when invalid sequences were replaced; empty when never decoded.
    pub fn encoding_label(&self) -> String {
        match self.encoding {
            None => String::new(),
            Some(e) if self.replaced == 0 => e.name().to_string(),
            Some(e) => format!("{} ({} replaced)", e.name(), self.replaced),
        }
    }
}

/// How an input file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Jsonl,
    JsonlGz,
    JsonlZst,
}

impl Format {
    /// The format a path's name says, or `None` for a file a directory walk does not take.
    pub fn of_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".jsonl") {
            Some(Format::Jsonl)
        } else if lower.ends_with(".jsonl.gz") {
            Some(Format::JsonlGz)
        } else if lower.ends_with(".jsonl.zst") {
            Some(Format::JsonlZst)
        } else if lower.ends_with(".txt") || lower.ends_with(".text") {
            Some(Format::Text)
        } else {
            None
        }
    }
}

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Stdin,
}

/// One input found on the command line or in a directory walk.
#[derive(Debug, Clone)]
pub struct Input {
    pub origin: Origin,
    /// The path as shown in reports (the argument, or the argument joined with the walked path).
    pub display: String,
    /// The id of a whole-file document: the path relative to the directory given, or as given.
    pub id: String,
    pub format: Format,
    /// Set when the input cannot be opened (walk error, symlink loop): it becomes a skipped record.
    pub problem: Option<String>,
}

/// Reading options.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub mmap: MmapChoice,
    pub fields: Fields,
    /// Documents larger than this are skipped with a reason instead of processed.
    pub max_doc_bytes: usize,
    /// Decode inputs without a byte order mark in this encoding instead of detecting one.
    pub encoding: Option<&'static Encoding>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            mmap: MmapChoice::Auto,
            fields: Fields::default(),
            max_doc_bytes: 64 << 20,
            encoding: None,
        }
    }
}

/// Expands command-line paths into inputs, in a deterministic order.
pub fn discover(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                origin: Origin::Stdin,
                display: "-".into(),
                id: "-".into(),
                format: Format::Text, // decided from the first byte when read
                problem: None,
            });
            continue;
        }
        let display = path.to_string_lossy().into_owned();
        if path.is_dir() {
            walk(path, &mut inputs);
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let problem = match std::fs::metadata(path) {
                Ok(_) => None,
                Err(err) => Some(format!("cannot read: {err}")),
            };
            inputs.push(Input {
                origin: Origin::File(path.clone()),
                id: display.clone(),
                display,
                format: Format::of_name(&name).unwrap_or(Format::Text),
                problem,
            });
        }
    }
    inputs
}

fn walk(root: &Path, inputs: &mut Vec<Input>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy();
                let Some(format) = Format::of_name(&name) else {
                    continue;
                };
                let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                inputs.push(Input {
                    origin: Origin::File(entry.path().to_path_buf()),
                    display: entry.path().to_string_lossy().into_owned(),
                    id: slash_path(rel),
                    format,
                    problem: None,
                });
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let reason = if err.loop_ancestor().is_some() {
                    "symlink loop".to_string()
                } else {
                    match err.io_error() {
                        Some(io) => format!("cannot read: {io}"),
                        None => format!("cannot read: {err}"),
                    }
                };
                inputs.push(Input {
                    origin: Origin::File(path.clone()),
                    display: path.to_string_lossy().into_owned(),
                    id: slash_path(rel),
                    format: Format::Text,
                    problem: Some(reason),
                });
            }
        }
    }
}

fn slash_path(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

/// One input read into memory, with its documents (their `input` field not yet set).
pub struct Loaded {
    pub buffer: Buffer,
    pub docs: Vec<Document>,
    /// Problems worth a line on stderr beyond the skipped records (a file that shrank).
    pub warnings: Vec<String>,
}

/// Reads one input and splits it into documents. Never fails: problems become skipped records.
pub fn load(input: &Input, opts: &IngestOptions) -> Loaded {
    let skipped = |reason: String| Loaded {
        buffer: Buffer::Owned(Vec::new()),
        docs: vec![skipped_doc(input.id.clone(), 0, reason)],
        warnings: Vec::new(),
    };
    if let Some(problem) = &input.problem {
        return skipped(problem.clone());
    }
    let (buffer, format) = match read_input(input, opts.mmap) {
        Ok(read) => read,
        Err(err) => return skipped(format!("cannot read: {err}")),
    };
    let mapping = buffer.mapping();
    let loaded = load_buffer(input, buffer, format, opts);
    match mapping {
        Some(mapping) => recheck(input, format, &mapping, loaded, opts),
        None => loaded,
    }
}

/// Checks a mapped input once it has been split into records. If the file shrank meanwhile (or
/// a page of it vanished and read as zeros), the mapped bytes are not trusted: the file is read
/// again and split from what is there now. When it is now shorter than it was mapped, a record
/// cut off at the new end is not kept, and every record the first pass saw past the last
/// complete line becomes a skipped record saying the file shrank, so none is lost; the last of
/// them also stands for any records after it that the first pass could not see.
fn recheck(
    input: &Input,
    format: Format,
    mapping: &mmap::Mapping,
    loaded: Loaded,
    opts: &IngestOptions,
) -> Loaded {
    let Some(shrink) = mapping.shrink() else {
        return loaded;
    };
    let seen = loaded.docs;
    drop(loaded.buffer);
    let bytes = match std::fs::read(mapping.path()) {
        Ok(bytes) => bytes,
        Err(err) => {
            let reason = format!(
                "file changed while being read (bytes from offset {} of {} vanished) and cannot be read again: {err}",
                shrink.intact, shrink.mapped
            );
            let docs: Vec<Document> = seen
                .into_iter()
                .map(|doc| lost_doc(doc, reason.clone()))
                .collect();
            let warning = format!(
                "{}: {reason}; {} skipped",
                input.display,
                records(docs.len())
            );
            return Loaded {
                buffer: Buffer::Owned(Vec::new()),
                docs,
                warnings: vec![warning],
            };
        }
    };
    let (from, to) = (shrink.mapped, bytes.len() as u64);
    if to >= from {
        // It grew back: what is there now is read as any file is.
        return load_buffer(input, Buffer::Owned(bytes), format, opts);
    }
    let shrank = format!("file shrank from {from} to {to} bytes while being read");
    if format == Format::Text {
        return Loaded {
            buffer: Buffer::Owned(Vec::new()),
            docs: vec![skipped_doc(input.id.clone(), 0, shrank.clone())],
            warnings: vec![format!("{}: {shrank}; skipped", input.display)],
        };
    }
    let mut loaded = load_buffer(input, Buffer::Owned(bytes), format, opts);
    let complete = loaded.buffer.iter().filter(|&&b| b == b'\n').count() as u32;
    let cut = loaded.docs.iter().any(|d| d.line > complete);
    loaded.docs.retain(|d| d.line <= complete);
    let beyond: Vec<Document> = seen.into_iter().filter(|d| d.line > complete).collect();
    // The first pass saw every record only if it read the last one whole; a last record it
    // could not read may have been read from vanished bytes, so more may have followed.
    let open_end = beyond.last().is_some_and(|d| d.skip.is_some());
    let count = beyond.len();
    let mut lost: Vec<Document> = beyond
        .into_iter()
        .enumerate()
        .map(|(index, doc)| {
            let reason = if open_end && index + 1 == count {
                format!("{shrank}; records from this line on are lost")
            } else {
                format!("{shrank}; the record was past the new end")
            };
            lost_doc(doc, reason)
        })
        .collect();
    if lost.is_empty() && cut {
        let line = complete + 1;
        let reason = format!("{shrank}; records from this line on are lost");
        lost.push(skipped_doc(format!("{}:{line}", input.id), line, reason));
    }
    if let Some(first) = lost.first() {
        loaded.warnings.push(format!(
            "{}:{}: {shrank}; {} from this line on skipped",
            input.display,
            first.line,
            records(lost.len())
        ));
    }
    loaded.docs.append(&mut lost);
    loaded
}

/// `1 record`, `2 records`.
pub(crate) fn records(n: usize) -> String {
    if n == 1 {
        "1 record".to_string()
    } else {
        format!("{n} records")
    }
}

/// A record the first pass saw, whose bytes are gone.
fn lost_doc(doc: Document, reason: String) -> Document {
    Document {
        span: TextSpan::default(),
        skip: Some(reason),
        ..doc
    }
}

/// Splits the bytes of one input, read as `format`, into documents (decompressing and decoding
/// first). Never fails: problems become skipped records.
pub fn load_buffer(input: &Input, buffer: Buffer, format: Format, opts: &IngestOptions) -> Loaded {
    let (buffer, tail_problem) = match format {
        Format::Text | Format::Jsonl => (buffer, None),
        Format::JsonlGz => decompress(&buffer, |b| Box::new(flate2::read::MultiGzDecoder::new(b))),
        Format::JsonlZst => {
            decompress(&buffer, |b| {
                match ruzstd::decoding::StreamingDecoder::new(b) {
                    Ok(dec) => Box::new(dec),
                    Err(err) => Box::new(FailingReader(err.to_string())),
                }
            })
        }
    };
    let mut docs = Vec::new();
    let buffer = match format {
        Format::Text => {
            let (buffer, doc) = text_document(input, buffer, opts);
            docs.push(doc);
            buffer
        }
        _ => jsonl_documents(input, buffer, opts, &mut docs),
    };
    if let Some(reason) = tail_problem {
        // The buffer holds the complete lines before the damage; the damaged record is the next.
        let line = buffer.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        docs.push(skipped_doc(format!("{}:{line}", input.id), line, reason));
    }
    Loaded {
        buffer,
        docs,
        warnings: Vec::new(),
    }
}

fn skipped_doc(id: String, line: u32, reason: String) -> Document {
    Document {
        line,
        skip: Some(reason),
        ..Document::new(&id, None)
    }
}

fn read_input(input: &Input, mmap: MmapChoice) -> io::Result<(Buffer, Format)> {
    match &input.origin {
        Origin::Stdin => {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes)?;
            let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
            let format = if first == Some(&b'{') {
                Format::Jsonl
            } else {
                Format::Text
            };
            Ok((Buffer::Owned(bytes), format))
        }
        Origin::File(path) => {
            let file = File::open(path)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                return Err(io::Error::other("is a directory"));
            }
            Ok((mmap::load(file, path, meta.len(), mmap)?, input.format))
        }
    }
}

struct FailingReader(String);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other(self.0.clone()))
    }
}

/// Decompresses a whole archive. On a corrupt or truncated archive, keeps the complete lines
/// decoded so far and returns the problem, so the records before it are not lost.
fn decompress<'a>(
    compressed: &'a [u8],
    open: impl FnOnce(&'a [u8]) -> Box<dyn Read + 'a>,
) -> (Buffer, Option<String>) {
    let mut out = Vec::new();
    let mut reader = open(compressed);
    match reader.read_to_end(&mut out) {
        Ok(_) => (Buffer::Owned(out), None),
        Err(err) => {
            let keep = out.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            out.truncate(keep);
            (
                Buffer::Owned(out),
                Some(format!("truncated or corrupt archive: {err}")),
            )
        }
    }
}

/// The one document of a text file: checked for size and binary data on its raw bytes, then
/// decoded (the buffer is replaced by the decoded text when it was not UTF-8).
fn text_document(input: &Input, buffer: Buffer, opts: &IngestOptions) -> (Buffer, Document) {
    let mut doc = Document::new(&input.id, None);
    let bom = decode::bom(&buffer);
    let body = &buffer[bom.map_or(0, |(_, len)| len)..];
    let utf16 = bom
        .map(|(e, _)| e)
        .or(opts.encoding)
        .is_some_and(decode::is_utf16);
    doc.skip = too_large(body.len(), opts).or_else(|| {
        if utf16 {
            None
        } else {
            decode::binary_reason(body)
        }
    });
    if doc.skip.is_some() {
        // Nothing will read these bytes: do not keep them.
        return (Buffer::Owned(Vec::new()), doc);
    }
    let decoded = decode::decode(&buffer, opts.encoding, true);
    doc.encoding = Some(decoded.encoding);
    doc.replaced = decoded.replaced.len() as u32;
    let (buffer, start) = match decoded.owned {
        Some(text) => (Buffer::Owned(text.into_bytes()), 0),
        None => (buffer, decoded.bom),
    };
    doc.span = TextSpan {
        start,
        end: buffer.len(),
        escaped: false,
    };
    (buffer, doc)
}

fn too_large(len: usize, opts: &IngestOptions) -> Option<String> {
    (len > opts.max_doc_bytes).then(|| {
        format!(
            "document of {len} bytes exceeds --max-doc-bytes {}",
            opts.max_doc_bytes
        )
    })
}

/// Why a document's raw bytes cannot be processed, if they cannot.
fn check_bytes(bytes: &[u8], opts: &IngestOptions) -> Option<String> {
    if let Some(reason) = too_large(bytes.len(), opts) {
        return Some(reason);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Some("binary data (NUL bytes)".to_string());
    }
    None
}

/// The records of a JSON Lines buffer, which is returned decoded to UTF-8 (invalid sequences
/// replaced and counted per line) unless it already was UTF-8.
fn jsonl_documents(
    input: &Input,
    buffer: Buffer,
    opts: &IngestOptions,
    docs: &mut Vec<Document>,
) -> Buffer {
    let utf16 = decode::bom(&buffer)
        .map(|(e, _)| e)
        .or(opts.encoding)
        .is_some_and(decode::is_utf16);
    if !utf16 && let Some(reason) = decode::binary_reason(&buffer) {
        docs.push(skipped_doc(input.id.clone(), 0, reason));
        return Buffer::Owned(Vec::new());
    }
    // Each pass over a mapped input releases the pages it read (see `Mapping::release`).
    let decoded = decode::decode_in_pieces(&buffer, opts.encoding, false, &|| buffer.release());
    let encoding = decoded.encoding;
    let (buffer, replaced) = match decoded.owned {
        Some(text) => (Buffer::Owned(text.into_bytes()), decoded.replaced),
        None => (buffer, Vec::new()),
    };
    buffer.release();
    let records = jsonl_records(
        input,
        &buffer,
        &replaced,
        encoding,
        opts,
        CHUNK_BYTES,
        &|| buffer.release(),
    );
    if docs.is_empty() {
        *docs = records;
    } else {
        docs.extend(records);
    }
    buffer
}

/// Bytes of JSON Lines parsed by one task: a large input is cut at newlines into pieces of
/// about this size, parsed in parallel (on the caller's rayon pool) and put back in order.
const CHUNK_BYTES: usize = 1 << 20;

/// The records of a decoded JSON Lines buffer, in line order. The buffer is cut after a
/// newline every `chunk_bytes` or so, and the pieces are parsed in parallel: each knows the
/// number of its first line and the replacements before it, so the records are those of one
/// sequential pass ([`chunk_records`] over the whole buffer; tested). `read` is called after
/// each pass over the buffer and each wave of [`WAVE_PIECES`] pieces.
fn jsonl_records(
    input: &Input,
    buffer: &[u8],
    replaced: &[usize],
    encoding: &'static Encoding,
    opts: &IngestOptions,
    chunk_bytes: usize,
    read: &(dyn Fn() + Sync),
) -> Vec<Document> {
    use rayon::prelude::*;
    let mut cuts = vec![0usize];
    let mut at = chunk_bytes;
    while at < buffer.len() {
        match memchr::memchr(b'\n', &buffer[at..]) {
            Some(i) if at + i + 1 < buffer.len() => {
                cuts.push(at + i + 1);
                at += i + 1 + chunk_bytes.max(1);
            }
            _ => break,
        }
    }
    if cuts.len() == 1 {
        return chunk_records(input, buffer, 0, buffer.len(), 1, replaced, encoding, opts);
    }
    cuts.push(buffer.len());
    let mut newlines: Vec<u32> = Vec::with_capacity(cuts.len() - 1);
    for wave in cuts.windows(2).collect::<Vec<_>>().chunks(WAVE_PIECES) {
        let counted: Vec<u32> = wave
            .par_iter()
            .map(|w| memchr::memchr_iter(b'\n', &buffer[w[0]..w[1]]).count() as u32)
            .collect();
        newlines.extend(counted);
        read();
    }
    let mut first_line = Vec::with_capacity(newlines.len());
    let mut line = 1u32;
    for n in newlines {
        first_line.push(line);
        line += n;
    }
    let windows: Vec<(usize, usize, u32)> = cuts
        .windows(2)
        .zip(first_line)
        .map(|(w, first)| (w[0], w[1], first))
        .collect();
    // Every record is a line: the documents are put in place wave by wave, so no more than a
    // wave's pieces are held twice.
    let mut docs = Vec::with_capacity(line as usize);
    for wave in windows.chunks(WAVE_PIECES) {
        let parsed: Vec<Vec<Document>> = wave
            .par_iter()
            .map(|&(start, end, first)| {
                chunk_records(input, buffer, start, end, first, replaced, encoding, opts)
            })
            .collect();
        for piece in parsed {
            docs.extend(piece);
        }
        read();
    }
    docs.shrink_to_fit();
    docs
}

/// Pieces of [`CHUNK_BYTES`] parsed between two calls of `read` in [`jsonl_records`].
const WAVE_PIECES: usize = 64;

/// The records of the lines in `buffer[start..end]` (`start` is 0 or just after a newline,
/// `end` the buffer's end or just after a newline), the first of them line `first_line`;
/// `replaced` are the offsets in the whole buffer where U+FFFD replaced invalid bytes.
#[allow(clippy::too_many_arguments)]
fn chunk_records(
    input: &Input,
    buffer: &[u8],
    start: usize,
    end: usize,
    first_line: u32,
    replaced: &[usize],
    encoding: &'static Encoding,
    opts: &IngestOptions,
) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut next_replaced = replaced.partition_point(|&r| r < start);
    let mut offset = start;
    let piece = &buffer[start..end];
    // A piece that ends before the buffer does ends with a newline, and its last line there:
    // the next piece starts with the next line.
    let piece = if end < buffer.len() {
        &piece[..piece.len() - 1]
    } else {
        piece
    };
    // Lines found with the memchr crate's vectorized search: a byte at a time, the search was
    // 2 % of a page-level scan's CPU time.
    let mut line_start_in_piece = 0;
    let lines = memchr::memchr_iter(b'\n', piece)
        .chain(std::iter::once(piece.len()))
        .map(|end| {
            let line = &piece[line_start_in_piece..end];
            line_start_in_piece = end + 1;
            line
        });
    for (index, raw_line) in lines.enumerate() {
        let line_no = first_line + index as u32;
        let line_start = offset;
        offset += raw_line.len() + 1;
        let first_replaced = next_replaced;
        while next_replaced < replaced.len() && replaced[next_replaced] < offset {
            next_replaced += 1;
        }
        let line_replaced = (next_replaced - first_replaced) as u32;
        let mut line = raw_line;
        let mut start = line_start;
        if line_start == 0 && line.starts_with(b"\xEF\xBB\xBF") {
            line = &line[3..];
            start += 3;
        }
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let fallback_id = || format!("{}:{line_no}", input.id);
        match jsonl::parse_line(line, start, &opts.fields) {
            jsonl::Record::Bad(reason) => docs.push(Document {
                encoding: Some(encoding),
                replaced: line_replaced,
                ..skipped_doc(fallback_id(), line_no, reason)
            }),
            jsonl::Record::Doc { id, url, text } => {
                let id = id.unwrap_or_else(fallback_id);
                let skip = check_bytes(&buffer[text.start..text.end], opts);
                docs.push(Document {
                    line: line_no,
                    span: text,
                    skip,
                    encoding: Some(encoding),
                    replaced: line_replaced,
                    ..Document::new(&id, url.as_deref())
                });
            }
        }
    }
    docs
}

/// `String::from_utf8_lossy`, with a SIMD check of the common case that `bytes` are valid.
pub fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// All documents of a scan with the buffers their text lives in.
pub struct Corpus {
    pub inputs: Vec<Input>,
    buffers: Vec<Buffer>,
    pub docs: Vec<Document>,
    /// Problems worth a line on stderr beyond the skipped records (inputs that shrank).
    pub warnings: Vec<String>,
}

/// The documents of one mapped input whose bytes vanished after it was read.
#[derive(Debug, Clone)]
pub struct Vanished {
    pub input: u32,
    pub shrink: Shrink,
    /// Documents not yet skipped whose text reaches past `shrink.intact`, in order.
    pub docs: Vec<u32>,
}

impl Vanished {
    /// What happened to the file, `when` (`after it was read`).
    pub fn describe(&self, when: &str) -> String {
        let Shrink {
            mapped,
            now,
            intact,
        } = self.shrink;
        match now {
            Some(now) if now < mapped => {
                format!("file shrank from {mapped} to {now} bytes {when}")
            }
            _ => format!(
                "file changed {when}: its bytes from offset {intact} of {mapped} vanished while mapped"
            ),
        }
    }

    /// Why each of these documents is skipped.
    pub fn reason(&self) -> String {
        self.describe("after it was read")
    }
}

impl Corpus {
    /// Assembles loaded inputs (in input order) into one corpus with dense document ids.
    pub fn assemble(inputs: Vec<Input>, loaded: Vec<Loaded>) -> Corpus {
        let mut buffers = Vec::with_capacity(loaded.len());
        let mut docs = Vec::with_capacity(match &loaded[..] {
            // One input's documents are moved, not copied.
            [_] => 0,
            _ => loaded.iter().map(|l| l.docs.len()).sum(),
        });
        let mut warnings = Vec::new();
        for (index, mut file) in loaded.into_iter().enumerate() {
            for doc in &mut file.docs {
                doc.input = index as u32;
            }
            if docs.is_empty() {
                docs = std::mem::take(&mut file.docs);
            } else {
                docs.append(&mut file.docs);
            }
            buffers.push(file.buffer);
            warnings.append(&mut file.warnings);
        }
        Corpus {
            inputs,
            buffers,
            docs,
            warnings,
        }
    }

    /// Mapped inputs that shrank (or lost pages) since they were read, with the documents whose
    /// text is no longer all there. Costs one `stat` per mapped input.
    pub fn vanished(&self) -> Vec<Vanished> {
        let mut found: Vec<Vanished> = self
            .buffers
            .iter()
            .enumerate()
            .filter_map(|(input, buffer)| {
                let shrink = buffer.mapping()?.shrink()?;
                Some(Vanished {
                    input: input as u32,
                    shrink,
                    docs: Vec::new(),
                })
            })
            .collect();
        if found.is_empty() {
            return found;
        }
        let mut at = vec![usize::MAX; self.buffers.len()];
        for (index, v) in found.iter().enumerate() {
            at[v.input as usize] = index;
        }
        for (d, doc) in self.docs.iter().enumerate() {
            let index = at[doc.input as usize];
            if index != usize::MAX
                && doc.skip.is_none()
                && doc.span.end as u64 > found[index].shrink.intact
            {
                found[index].docs.push(d as u32);
            }
        }
        found.retain(|v| !v.docs.is_empty());
        found
    }

    /// Takes the pages of mapped inputs out of the resident set once a stage has read them
    /// (see [`mmap::Mapping::release`]); documents read the same text afterwards.
    pub fn release_text(&self) {
        for buffer in &self.buffers {
            buffer.release();
        }
    }

    /// Skips the documents whose bytes vanished since they were read (see [`Corpus::vanished`]),
    /// with the reason, and adds a warning per input. Returns them in order.
    pub fn skip_vanished(&mut self) -> Vec<u32> {
        let mut skipped = Vec::new();
        for vanished in self.vanished() {
            let reason = vanished.reason();
            let first = &self.docs[vanished.docs[0] as usize];
            self.warnings.push(format!(
                "{}: {reason}; {} from here on skipped",
                self.source(first),
                records(vanished.docs.len())
            ));
            for &d in &vanished.docs {
                self.docs[d as usize].skip = Some(reason.clone());
            }
            skipped.extend(vanished.docs);
        }
        skipped.sort_unstable();
        skipped
    }

    /// Reads every input sequentially (the pipeline driver reads in parallel).
    pub fn read(paths: &[PathBuf], opts: &IngestOptions) -> Corpus {
        let inputs = discover(paths);
        let loaded = inputs.iter().map(|input| load(input, opts)).collect();
        Corpus::assemble(inputs, loaded)
    }

    /// The raw text of a document: borrowed from the buffer when it is valid UTF-8 without
    /// escapes; decoded (JSON escapes) or repaired (invalid bytes → U+FFFD) otherwise.
    ///
    /// Stages read a text several times, and the bytes of a mapped input could change between
    /// reads, so each read validates them again: with SIMD (simdutf8), a small part of the cost
    /// of `String::from_utf8_lossy`, which gives the same text.
    pub fn text(&self, doc: &Document) -> Cow<'_, str> {
        let bytes = self.raw_bytes(doc);
        if doc.span.escaped {
            return match jsonl::unescape(bytes) {
                Some(text) => Cow::Owned(text),
                None => String::from_utf8_lossy(bytes),
            };
        }
        utf8_lossy(bytes)
    }

    /// The document's bytes as stored in its buffer (JSON escapes not decoded).
    pub fn raw_bytes(&self, doc: &Document) -> &[u8] {
        &self.buffers[doc.input as usize][doc.span.start..doc.span.end]
    }

    /// `file` or `file:line`, as shown in reports.
    pub fn source(&self, doc: &Document) -> String {
        let display = &self.inputs[doc.input as usize].display;
        if doc.line == 0 {
            display.clone()
        } else {
            format!("{display}:{}", doc.line)
        }
    }

    /// Total bytes of all input buffers (after decompression).
    pub fn total_bytes(&self) -> u64 {
        self.buffers.iter().map(|b| b.len() as u64).sum()
    }

    /// How many inputs are memory-mapped.
    pub fn mapped_inputs(&self) -> usize {
        self.buffers.iter().filter(|b| b.is_mapped()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, rel: &str, bytes: &[u8]) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn ids(corpus: &Corpus) -> Vec<String> {
        corpus.docs.iter().map(|d| d.id().to_string()).collect()
    }

    #[test]
    fn walks_directories_in_order_and_skips_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "b.cn/2.txt", "第二".as_bytes());
        write(tmp.path(), "a.cn/1.txt", "\u{feff}第一".as_bytes());
        write(tmp.path(), "README.md", b"not a page");
        write(tmp.path(), ".hidden/x.txt", b"hidden");
        write(
            tmp.path(),
            "c.jsonl",
            "{\"id\":\"j1\",\"url\":\"http://z.cn/a\",\"text\":\"甲\"}\n\n{\"text\":\"乙\"}\n"
                .as_bytes(),
        );
        let corpus = Corpus::read(&[tmp.path().to_path_buf()], &IngestOptions::default());
        assert_eq!(
            ids(&corpus),
            ["a.cn/1.txt", "b.cn/2.txt", "j1", "c.jsonl:3"]
        );
        let texts: Vec<_> = corpus
            .docs
            .iter()
            .map(|d| corpus.text(d).into_owned())
            .collect();
        assert_eq!(texts, ["第一", "第二", "甲", "乙"]);
        let sites: Vec<_> = corpus.docs.iter().map(|d| d.site()).collect();
        assert_eq!(sites, ["a.cn", "b.cn", "z.cn", ""]);
        assert_eq!(
            corpus.source(&corpus.docs[3]),
            format!("{}:3", tmp.path().join("c.jsonl").display())
        );
    }

    #[test]
    fn problems_become_skipped_records() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "bad.jsonl",
            b"{\"text\":\"ok\"}\n{\"text\": oops}\n{\"id\":3}\n",
        );
        write(tmp.path(), "bin.txt", b"PK\x03\x04\x00\x00binary");
        let missing = tmp.path().join("missing.txt");
        let corpus = Corpus::read(
            &[
                tmp.path().join("bad.jsonl"),
                tmp.path().join("bin.txt"),
                missing,
            ],
            &IngestOptions::default(),
        );
        let reasons: Vec<_> = corpus
            .docs
            .iter()
            .map(|d| d.skip.clone().unwrap_or_default())
            .collect();
        assert_eq!(corpus.docs.len(), 5);
        assert_eq!(reasons[0], "");
        assert!(reasons[1].starts_with("malformed JSON"), "{}", reasons[1]);
        assert_eq!(reasons[2], "no text field \"text\"");
        assert_eq!(reasons[3], "binary data (ZIP archive)");
        assert!(reasons[4].starts_with("cannot read"), "{}", reasons[4]);
        assert!(corpus.docs[1].id().ends_with("bad.jsonl:2"));
    }

    #[test]
    fn gzip_and_zstd_and_truncation() {
        use std::io::Write;
        let tmp = tempfile::tempdir().unwrap();
        let lines: String = (0..50)
            .map(|i| format!("{{\"id\":{i},\"text\":\"第{i}篇\"}}\n"))
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(lines.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        write(tmp.path(), "a.jsonl.gz", &gz);
        write(tmp.path(), "cut.jsonl.gz", &gz[..gz.len() / 2]);
        let corpus = Corpus::read(&[tmp.path().to_path_buf()], &IngestOptions::default());
        let whole: Vec<_> = corpus.docs.iter().filter(|d| d.input == 0).collect();
        assert_eq!(whole.len(), 50);
        assert_eq!(corpus.text(whole[49]), "第49篇");
        let cut: Vec<_> = corpus.docs.iter().filter(|d| d.input == 1).collect();
        let last = cut.last().unwrap();
        assert!(
            last.skip
                .as_deref()
                .unwrap()
                .starts_with("truncated or corrupt archive")
        );
        assert!(cut[..cut.len() - 1].iter().all(|d| d.skip.is_none()));
    }

    /// A JSON Lines file of `n` records (`d0`, `d1`, ...) of growing length, large enough to
    /// span many pages; returns the byte offset where each line starts.
    #[cfg(unix)]
    fn write_records(path: &Path, n: usize) -> Vec<usize> {
        let mut text = String::new();
        let mut starts = Vec::new();
        for i in 0..n {
            starts.push(text.len());
            let body = "工会工作总结".repeat(1 + i % 7);
            text.push_str(&format!("{{\"id\":\"d{i}\",\"text\":\"第{i}篇{body}\"}}\n"));
        }
        fs::write(path, text).unwrap();
        starts
    }

    #[cfg(unix)]
    fn truncate(path: &Path, len: usize) {
        fs::OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(len as u64)
            .unwrap();
    }

    #[cfg(unix)]
    fn mapped_opts() -> IngestOptions {
        IngestOptions {
            mmap: MmapChoice::Always,
            ..IngestOptions::default()
        }
    }

    /// Maps the one input at `path`, runs `between_map_and_parse`, parses it, runs
    /// `between_parse_and_check`, then checks it as `load` does.
    #[cfg(unix)]
    fn load_with(
        path: &Path,
        between_map_and_parse: impl FnOnce(),
        between_parse_and_check: impl FnOnce(&Loaded),
    ) -> (Corpus, Option<u64>) {
        let opts = mapped_opts();
        let input = discover(&[path.to_path_buf()]).remove(0);
        let (buffer, format) = read_input(&input, opts.mmap).unwrap();
        let mapping = buffer.mapping().expect("mapped");
        between_map_and_parse();
        let loaded = load_buffer(&input, buffer, format, &opts);
        between_parse_and_check(&loaded);
        let vanished = mapping.vanished_from();
        let loaded = recheck(&input, format, &mapping, loaded, &opts);
        (Corpus::assemble(vec![input], vec![loaded]), vanished)
    }

    #[cfg(unix)]
    #[test]
    fn records_past_the_end_of_a_file_cut_after_parsing_are_skipped_by_id() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cut.jsonl");
        let starts = write_records(&path, 3000);
        let len = fs::metadata(&path).unwrap().len();
        // Cut in the middle of line 1201 (record d1200).
        let cut = starts[1200] + 5;
        let (corpus, vanished) = load_with(&path, || {}, |_| truncate(&path, cut));
        assert_eq!(vanished, None, "the parse ran before the cut");
        assert_eq!(corpus.docs.len(), 3000, "every record is still there");
        for (i, doc) in corpus.docs.iter().enumerate() {
            assert_eq!(doc.id(), format!("d{i}"));
            assert_eq!(doc.line, i as u32 + 1);
            if i < 1200 {
                assert_eq!(doc.skip, None, "{doc:?}");
                assert!(corpus.text(doc).starts_with(&format!("第{i}篇")));
            } else {
                assert_eq!(
                    doc.skip.as_deref(),
                    Some(
                        format!(
                            "file shrank from {len} to {cut} bytes while being read; the record was past the new end"
                        )
                        .as_str()
                    )
                );
            }
        }
        assert_eq!(corpus.mapped_inputs(), 0, "read again, not mapped");
        assert_eq!(corpus.warnings.len(), 1);
        assert!(
            corpus.warnings[0].starts_with(&format!("{}:1201: file shrank", path.display())),
            "{}",
            corpus.warnings[0]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_cut_before_parsing_reads_zeros_and_ends_in_one_lost_record() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cut.jsonl");
        let starts = write_records(&path, 3000);
        let len = fs::metadata(&path).unwrap().len();
        let cut = starts[1200] + 5;
        let (corpus, vanished) = load_with(
            &path,
            || truncate(&path, cut),
            |loaded| {
                // The first pass read zeros: its record 1201 is the cut line run into them.
                assert_eq!(loaded.docs.len(), 1201);
                assert!(loaded.docs[1200].skip.is_some());
            },
        );
        assert!(vanished.is_some_and(|offset| offset > cut as u64));
        assert_eq!(corpus.docs.len(), 1201);
        assert!(corpus.docs[..1200].iter().all(|d| d.skip.is_none()));
        let last = &corpus.docs[1200];
        assert_eq!(last.id(), format!("{}:1201", path.display()));
        assert_eq!(last.line, 1201);
        assert_eq!(
            last.skip.as_deref(),
            Some(
                format!(
                    "file shrank from {len} to {cut} bytes while being read; records from this line on are lost"
                )
                .as_str()
            )
        );
        assert_eq!(
            corpus.text(&corpus.docs[1199]),
            format!("第1199篇{}", "工会工作总结".repeat(1 + 1199 % 7))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_text_file_cut_while_mapped_is_skipped_and_one_grown_back_is_read_again() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("page.txt");
        let text = "医院工会工作总结\n".repeat(20_000);
        fs::write(&path, &text).unwrap();
        let (corpus, _) = load_with(&path, || truncate(&path, 100), |_| {});
        assert_eq!(corpus.docs.len(), 1);
        assert_eq!(
            corpus.docs[0].skip.as_deref(),
            Some(
                format!(
                    "file shrank from {} to 100 bytes while being read",
                    text.len()
                )
                .as_str()
            )
        );
        assert_eq!(corpus.warnings.len(), 1);

        // Emptied, then written back whole before the check: the parse read vanished pages,
        // so what is there now is read.
        let (corpus, vanished) = load_with(
            &path,
            || truncate(&path, 0),
            |_| fs::write(&path, &text).unwrap(),
        );
        assert!(vanished.is_some(), "the parse read vanished pages");
        assert_eq!(corpus.docs.len(), 1);
        assert_eq!(corpus.docs[0].skip, None);
        assert_eq!(corpus.text(&corpus.docs[0]), text);
        assert_eq!(corpus.mapped_inputs(), 0);
        assert!(corpus.warnings.is_empty());
    }

    #[test]
    fn jsonl_pieces_parsed_in_parallel_give_the_sequential_records() {
        // Good, bad, blank and whitespace lines, escapes, CRLF, invalid bytes (replaced and
        // counted per line), a BOM, and no newline at the end.
        let mut bytes = b"\xEF\xBB\xBF{\"id\":\"first\",\"text\":\"\xe5\xb7\xa5\"}\n".to_vec();
        let kinds: [&[u8]; 8] = [
            b"{\"id\":\"d\",\"url\":\"http://a.cn/x\",\"text\":\"\xe5\xb7\xa5\xe4\xbc\x9a\\n\xe6\x80\xbb\"}",
            b"{\"text\": oops}",
            b"",
            b"  \t ",
            b"{\"text\":\"bad \xff byte\",\"id\":7}\r",
            b"{\"id\":3}",
            b"{\"text\":\"\xe2\x82\"}",
            b"{\"text\":\"x\\u5de5\"}",
        ];
        for i in 0..400 {
            bytes.extend_from_slice(kinds[(i * 7 + i / 5) % kinds.len()]);
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b"{\"text\":\"last\"}");
        let input = Input {
            origin: Origin::Stdin,
            display: "mixed.jsonl".into(),
            id: "mixed.jsonl".into(),
            format: Format::Jsonl,
            problem: None,
        };
        let opts = IngestOptions::default();
        let decoded = decode::decode(&bytes, None, false);
        assert!(!decoded.replaced.is_empty());
        let text = decoded.text(&bytes);
        let show = |docs: Vec<Document>| format!("{docs:#?}");
        let docs = chunk_records(
            &input,
            text,
            0,
            text.len(),
            1,
            &decoded.replaced,
            decoded.encoding,
            &opts,
        );
        // A record for every line that std's split finds and that is not blank, with its number.
        let lines: Vec<u32> = (1..)
            .zip(text.split(|&b| b == b'\n'))
            .filter(|(_, line)| !line.iter().all(|b| b.is_ascii_whitespace()))
            .map(|(number, _)| number)
            .collect();
        assert_eq!(docs.iter().map(|d| d.line).collect::<Vec<_>>(), lines);
        let sequential = show(docs);
        assert!(sequential.contains("malformed JSON"));
        for chunk in [
            0,
            1,
            2,
            7,
            64,
            300,
            4096,
            text.len() - 1,
            text.len(),
            usize::MAX / 2,
        ] {
            let parallel = jsonl_records(
                &input,
                text,
                &decoded.replaced,
                decoded.encoding,
                &opts,
                chunk,
                &|| {},
            );
            assert_eq!(parallel.last().unwrap().line, 402, "chunk {chunk}");
            assert_eq!(show(parallel), sequential, "chunk {chunk}");
        }
    }

    #[test]
    fn utf8_lossy_equals_std() {
        let mut state = 5u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let pieces: [&[u8]; 7] = [
            "工会工作总结".as_bytes(),
            b"abc\n",
            b"\xff",
            b"\xe5\xb7",
            b"\xf0\x9f\x98\x80",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
        ];
        for _ in 0..5_000 {
            let mut bytes = Vec::new();
            for _ in 0..next(40) {
                let piece = pieces[if next(4) == 0 { next(7) } else { next(2) } as usize];
                bytes.extend_from_slice(piece);
            }
            let (got, expected) = (utf8_lossy(&bytes), String::from_utf8_lossy(&bytes));
            assert_eq!(got, expected);
            assert_eq!(
                matches!(got, Cow::Borrowed(_)),
                matches!(expected, Cow::Borrowed(_))
            );
        }
    }

    #[test]
    fn mmap_and_read_give_identical_documents() {
        let tmp = tempfile::tempdir().unwrap();
        let mut big = String::new();
        for i in 0..30_000 {
            big.push_str(&format!(
                "{{\"id\":\"d{i}\",\"text\":\"工会工作总结第{i}篇，\\n全面贯彻落实\"}}\n"
            ));
        }
        write(tmp.path(), "big.jsonl", big.as_bytes());
        write(tmp.path(), "small.txt", "医院工会工作总结".as_bytes());
        let read = |mmap| {
            let opts = IngestOptions {
                mmap,
                ..IngestOptions::default()
            };
            Corpus::read(&[tmp.path().to_path_buf()], &opts)
        };
        let mapped = read(MmapChoice::Always);
        let plain = read(MmapChoice::Never);
        assert_eq!(mapped.mapped_inputs(), 2);
        assert_eq!(plain.mapped_inputs(), 0);
        assert_eq!(mapped.docs.len(), 30_001);
        assert_eq!(mapped.docs.len(), plain.docs.len());
        for (a, b) in mapped.docs.iter().zip(&plain.docs) {
            assert_eq!((a.id(), a.line, a.span), (b.id(), b.line, b.span));
            assert_eq!(mapped.text(a), plain.text(b));
        }
        assert_eq!(
            mapped.text(&mapped.docs[7]),
            "工会工作总结第7篇，\n全面贯彻落实"
        );
        // Released pages read the same again, from the page cache.
        let before: Vec<String> = mapped.docs.iter().map(|d| mapped.text(d).into()).collect();
        mapped.release_text();
        plain.release_text();
        for ((a, b), text) in mapped.docs.iter().zip(&plain.docs).zip(&before) {
            assert_eq!(mapped.text(a), text.as_str());
            assert_eq!(plain.text(b), text.as_str());
        }
    }
}
