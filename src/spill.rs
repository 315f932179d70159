//! Spill: an external sorter of fixed-size records with a memory budget.
//!
//! Input: records of any type implementing [`Record`] (fixed encoded size, totally ordered),
//! pushed one by one into a [`Sorter`] in any order. Output: a [`Merged`] stream of all of them in
//! ascending order, duplicates kept.
//!
//! The sorter keeps records in memory up to its budget; when the buffer is full it is sorted and
//! written to a run file in a [`SpillDir`], and the buffer is reused. [`Sorter::finish`] writes
//! the last buffer as a run too and merges the runs with a binary heap over one read buffer per run
//! (64 KiB each). With more runs than the fan-in (64 by default) the smallest runs are first merged
//! into bigger runs, so at most fan-in files are open at once. If no run was ever written the
//! records are sorted in memory and the disk is never touched.
//!
//! Invariants: the sorter holds at most `budget` bytes of records (counted at their in-memory size,
//! at least one record) plus one encode buffer of 64 KiB; the merge holds one 64 KiB buffer per
//! open run and one heap entry per run, nothing in proportion to the records. A run file is exactly
//! `records × SIZE` bytes, little-endian, with no header; its length is checked when it is opened
//! and every read is exact, so a short or missing file is an [`Error::Read`] naming it, as a failed
//! write (disk full) is an [`Error::Write`] naming it. Run files are removed as soon as they have
//! been merged, and the directory with whatever is left in it when the last of its [`SpillDir`],
//! sorters and merges is dropped.
//!
//! Cost: a sort of each buffer, and I/O of each record written and read once per merge level: one
//! level when there are at most fan-in runs, ⌈log_fan-in(runs)⌉ levels at most otherwise (the
//! merge of the smallest runs first keeps that lower in practice).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::slice::ParallelSliceMut;

use crate::error::{Error, Result};

/// Bytes of the encode buffer of a writer and of the read buffer of each open run.
const IO_BUFFER: usize = 64 * 1024;

/// Runs merged at once by default.
pub const DEFAULT_FAN_IN: usize = 64;

/// A fixed-size record that can be written to and read from a run file.
pub trait Record: Copy + Ord + Send + Sync + 'static {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// Writes the record into `out`; `out.len() == SIZE`.
    fn encode(&self, out: &mut [u8]);
    /// Reads a record written by [`Record::encode`]; `bytes.len() == SIZE`.
    fn decode(bytes: &[u8]) -> Self;
}

macro_rules! int_record {
    ($($t:ty),+) => {$(
        impl Record for $t {
            const SIZE: usize = size_of::<$t>();
            fn encode(&self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            fn decode(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("record of the encoded size"))
            }
        }
    )+};
}

int_record!(u16, u32, u64);

macro_rules! tuple_record {
    ($($t:ident . $i:tt),+) => {
        /// The fields one after the other, each in its own encoding.
        impl<$($t: Record),+> Record for ($($t,)+) {
            const SIZE: usize = 0 $(+ $t::SIZE)+;
            #[allow(unused_assignments)]
            fn encode(&self, out: &mut [u8]) {
                let mut at = 0;
                $(
                    self.$i.encode(&mut out[at..at + $t::SIZE]);
                    at += $t::SIZE;
                )+
            }
            #[allow(unused_assignments)]
            fn decode(bytes: &[u8]) -> Self {
                let mut at = 0;
                ($({
                    let field = $t::decode(&bytes[at..at + $t::SIZE]);
                    at += $t::SIZE;
                    field
                },)+)
            }
        }
    };
}

tuple_record!(A.0, B.1);
tuple_record!(A.0, B.1, C.2);
tuple_record!(A.0, B.1, C.2, D.3);

/// Names of spill directories made by this process.
static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

/// A fresh directory for run files, `neardup-spill-<pid>-<n>`, removed with its files when the
/// last of it and the sorters and merges using it is dropped.
#[derive(Debug)]
pub struct SpillDir {
    inner: Arc<DirInner>,
}

#[derive(Debug)]
struct DirInner {
    path: PathBuf,
    next_run: AtomicU64,
    /// Bytes written to the directory's files.
    written: AtomicU64,
}

impl SpillDir {
    /// Creates the directory inside `parent`, which must exist.
    pub fn new_in(parent: impl AsRef<Path>) -> Result<SpillDir> {
        let parent = parent.as_ref();
        let pid = std::process::id();
        loop {
            let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!("neardup-spill-{pid}-{n}"));
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(SpillDir {
                        inner: Arc::new(DirInner {
                            path,
                            next_run: AtomicU64::new(0),
                            written: AtomicU64::new(0),
                        }),
                    });
                }
                // Left by an earlier process that had the same pid: take the next name.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(Error::Write { path, source }),
            }
        }
    }

    /// Creates the directory inside the system's temporary directory.
    pub fn new() -> Result<SpillDir> {
        SpillDir::new_in(std::env::temp_dir())
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Run and key files written in the directory so far.
    pub fn files_written(&self) -> u64 {
        self.inner.next_run.load(Ordering::Relaxed)
    }

    /// Bytes written to them.
    pub fn bytes_written(&self) -> u64 {
        self.inner.written.load(Ordering::Relaxed)
    }
}

impl DirInner {
    fn next_run_path(&self) -> PathBuf {
        self.next_path("run")
    }

    fn next_path(&self, what: &str) -> PathBuf {
        let n = self.next_run.fetch_add(1, Ordering::Relaxed);
        self.path.join(format!("{what}-{n:06}.bin"))
    }
}

impl Drop for DirInner {
    fn drop(&mut self) {
        // Nothing to report from a destructor; a directory already gone is fine.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A run file: `len` sorted records. Removed when dropped.
#[derive(Debug)]
struct Run {
    path: PathBuf,
    len: u64,
    /// Keeps the directory alive while the file is in it.
    _dir: Arc<DirInner>,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Records per I/O buffer of records of `size` bytes: 64 KiB worth, at least one.
fn buffer_records(size: usize) -> usize {
    (IO_BUFFER / size.max(1)).max(1)
}

/// Writes the records `next` yields, in that order, to a new run file in `dir`, through `enc`.
fn write_run<T: Record>(
    dir: &Arc<DirInner>,
    enc: &mut Vec<u8>,
    mut next: impl FnMut() -> Result<Option<T>>,
) -> Result<Run> {
    let mut run = Run {
        path: dir.next_run_path(),
        len: 0,
        _dir: Arc::clone(dir),
    };
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let mut file = File::create(&run.path).map_err(write_err(&run.path))?;
    enc.resize(buffer_records(T::SIZE) * T::SIZE, 0);
    let mut at = 0;
    while let Some(item) = next()? {
        if at == enc.len() {
            file.write_all(enc).map_err(write_err(&run.path))?;
            at = 0;
        }
        item.encode(&mut enc[at..at + T::SIZE]);
        at += T::SIZE;
        run.len += 1;
    }
    file.write_all(&enc[..at])
        .and_then(|()| file.flush())
        .map_err(write_err(&run.path))?;
    dir.written
        .fetch_add(run.len * T::SIZE as u64, Ordering::Relaxed);
    Ok(run)
}

/// Sorts records of any number within a memory budget, spilling sorted runs to disk.
///
/// A push that fails (the run could not be written) stores nothing: the records pushed before
/// are kept, and the spill is tried again, in a new file, at the next push or at `finish`.
#[derive(Debug)]
pub struct Sorter<T: Record> {
    dir: Arc<DirInner>,
    /// Records held before a run is written.
    capacity: usize,
    fan_in: usize,
    buffer: Vec<T>,
    encode: Vec<u8>,
    runs: Vec<Run>,
    spilled_bytes: u64,
}

impl<T: Record> Sorter<T> {
    /// A sorter holding up to `budget` bytes of records in memory (counted at
    /// `size_of::<T>()`, at least one record) before a sorted run is written to `dir`.
    pub fn new(dir: &SpillDir, budget: usize) -> Self {
        Sorter {
            dir: Arc::clone(&dir.inner),
            capacity: (budget / size_of::<T>().max(1)).max(1),
            fan_in: DEFAULT_FAN_IN,
            buffer: Vec::new(),
            encode: Vec::new(),
            runs: Vec::new(),
            spilled_bytes: 0,
        }
    }

    /// Merges at most `fan_in` runs at once (at least 2), so at most that many files are open.
    pub fn with_fan_in(mut self, fan_in: usize) -> Self {
        self.fan_in = fan_in.max(2);
        self
    }

    pub fn push(&mut self, item: T) -> Result<()> {
        if self.buffer.len() == self.capacity {
            self.spill()?;
        }
        if self.buffer.len() == self.buffer.capacity() {
            // Grow by doubling, but never past the budget.
            let want = (self.buffer.capacity() * 2).max(16).min(self.capacity);
            self.buffer.reserve_exact(want - self.buffer.len());
        }
        self.buffer.push(item);
        Ok(())
    }

    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) -> Result<()> {
        items.into_iter().try_for_each(|item| self.push(item))
    }

    /// Run files written so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Bytes written to run files so far.
    pub fn spilled_bytes(&self) -> u64 {
        self.spilled_bytes
    }

    /// Sorts the buffer and writes it as a run.
    fn spill(&mut self) -> Result<()> {
        self.buffer.par_sort_unstable();
        let mut items = self.buffer.iter().copied();
        let run = write_run(&self.dir, &mut self.encode, || Ok(items.next()))?;
        self.spilled_bytes += run.len * T::SIZE as u64;
        self.runs.push(run);
        self.buffer.clear();
        Ok(())
    }

    /// All records pushed, in sorted order, duplicates kept. With no run written, sorts in memory
    /// and never touches the disk; otherwise writes the last buffer as a run, frees it, merges runs
    /// down to the fan-in and opens the final merge.
    pub fn finish(mut self) -> Result<Merged<T>> {
        if self.runs.is_empty() {
            let mut buffer = std::mem::take(&mut self.buffer);
            buffer.par_sort_unstable();
            return Ok(Merged {
                remaining: buffer.len() as u64,
                state: State::Memory(buffer.into_iter()),
            });
        }
        if !self.buffer.is_empty() {
            self.spill()?;
        }
        self.buffer = Vec::new();
        let mut runs = std::mem::take(&mut self.runs);
        while runs.len() > self.fan_in {
            // Merge just enough of the smallest runs that fan-in remain, or a full fan-in.
            let k = (runs.len() - self.fan_in + 1).min(self.fan_in);
            runs.sort_by_key(|run| Reverse(run.len));
            let group = runs.split_off(runs.len() - k);
            let mut merge = Merge::<T>::open(group)?;
            let run = write_run(&self.dir, &mut self.encode, || merge.next())?;
            runs.push(run);
        }
        self.encode = Vec::new();
        let merge = Merge::open(runs)?;
        Ok(Merged {
            remaining: merge.remaining,
            state: State::Disk(merge),
        })
    }
}

/// Sequential reader of one run file through its own buffer.
struct RunReader<T> {
    /// `None` once exhausted: the file is removed and the buffer freed.
    run: Option<Run>,
    file: File,
    buffer: Vec<u8>,
    at: usize,
    /// Records in the file not yet read into the buffer.
    unread: u64,
    _record: std::marker::PhantomData<T>,
}

impl<T: Record> RunReader<T> {
    fn open(run: Run) -> Result<Self> {
        let read_err = |source| Error::Read {
            path: run.path.clone(),
            source,
        };
        let file = File::open(&run.path).map_err(read_err)?;
        let found = file.metadata().map_err(read_err)?.len();
        let expected = run.len * T::SIZE as u64;
        if found != expected {
            return Err(read_err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("run file has {found} bytes, {expected} were written"),
            )));
        }
        Ok(RunReader {
            file,
            buffer: Vec::new(),
            at: 0,
            unread: run.len,
            run: Some(run),
            _record: std::marker::PhantomData,
        })
    }

    fn next(&mut self) -> Result<Option<T>> {
        if self.at == self.buffer.len() {
            if self.unread == 0 {
                self.run = None;
                self.buffer = Vec::new();
                self.at = 0;
                return Ok(None);
            }
            let n = self.unread.min(buffer_records(T::SIZE) as u64) as usize;
            self.buffer.resize(n * T::SIZE, 0);
            if let Err(source) = self.file.read_exact(&mut self.buffer) {
                let path = self.run.as_ref().map(|run| run.path.clone());
                return Err(Error::Read {
                    path: path.unwrap_or_default(),
                    source,
                });
            }
            self.unread -= n as u64;
            self.at = 0;
        }
        let item = T::decode(&self.buffer[self.at..self.at + T::SIZE]);
        self.at += T::SIZE;
        Ok(Some(item))
    }
}

/// A k-way merge of run files.
struct Merge<T> {
    readers: Vec<RunReader<T>>,
    /// The next record of each run not exhausted, with the run's index.
    heap: BinaryHeap<Reverse<(T, usize)>>,
    /// Records in all runs when opened.
    remaining: u64,
}

impl<T: Record> Merge<T> {
    fn open(runs: Vec<Run>) -> Result<Self> {
        let remaining = runs.iter().map(|run| run.len).sum();
        let mut readers = runs
            .into_iter()
            .map(RunReader::open)
            .collect::<Result<Vec<_>>>()?;
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (i, reader) in readers.iter_mut().enumerate() {
            if let Some(item) = reader.next()? {
                heap.push(Reverse((item, i)));
            }
        }
        Ok(Merge {
            readers,
            heap,
            remaining,
        })
    }

    fn next(&mut self) -> Result<Option<T>> {
        let Some(Reverse((item, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(next) = self.readers[i].next()? {
            self.heap.push(Reverse((next, i)));
        }
        Ok(Some(item))
    }
}

/// All records of a [`Sorter`] in ascending order. Yields `Err` at most once, for the run file
/// that could not be read, and ends after it.
pub struct Merged<T: Record> {
    state: State<T>,
    remaining: u64,
}

enum State<T: Record> {
    Memory(std::vec::IntoIter<T>),
    Disk(Merge<T>),
    Failed,
}

impl<T: Record> Merged<T> {
    /// Runs `f` over the records in order. A run file that cannot be read ends the stream early;
    /// its error is returned instead of what `f` made of the records before it.
    pub fn consume<R>(self, f: impl FnOnce(&mut dyn Iterator<Item = T>) -> R) -> Result<R> {
        let mut failed = None;
        let made = f(&mut self.map_while(|r| r.map_err(|e| failed = Some(e)).ok()));
        failed.map_or(Ok(made), Err)
    }
}

impl<T: Record> Iterator for Merged<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let next = match &mut self.state {
            State::Memory(items) => Ok(items.next()),
            State::Disk(merge) => merge.next(),
            State::Failed => return None,
        };
        match next {
            Ok(Some(item)) => {
                self.remaining -= 1;
                Some(Ok(item))
            }
            Ok(None) => None,
            Err(e) => {
                // Drops the readers, which removes their files.
                self.state = State::Failed;
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = usize::try_from(self.remaining).ok();
        match self.state {
            State::Memory(_) => (remaining.unwrap_or(usize::MAX), remaining),
            // An error takes the place of a record and ends the stream.
            State::Disk(_) => (0, remaining),
            State::Failed => (0, Some(0)),
        }
    }
}

/// 64- or 32-bit words appended to one file of a [`SpillDir`], little-endian, then mapped back for
/// random access: tables read in no particular order (LSH band keys, the shingle sets of a large
/// component) that need not fit in the heap, since the kernel pages a mapping in and out as it is
/// read.
pub struct KeyFile {
    path: PathBuf,
    out: io::BufWriter<File>,
    bytes: u64,
    dir: Arc<DirInner>,
}

impl KeyFile {
    /// A new, empty file named after `name` in `dir`.
    pub fn create(dir: &SpillDir, name: &str) -> Result<KeyFile> {
        let path = dir.inner.next_path(name);
        let file = File::create(&path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        Ok(KeyFile {
            out: io::BufWriter::with_capacity(IO_BUFFER, file),
            path,
            bytes: 0,
            dir: Arc::clone(&dir.inner),
        })
    }

    pub fn append(&mut self, words: &[u64]) -> Result<()> {
        if cfg!(target_endian = "little") {
            return self.write(bytemuck::cast_slice(words));
        }
        let mut bytes = [0u8; 4096];
        for chunk in words.chunks(bytes.len() / 8) {
            for (w, out) in chunk.iter().zip(bytes.chunks_exact_mut(8)) {
                out.copy_from_slice(&w.to_le_bytes());
            }
            self.write(&bytes[..chunk.len() * 8])?;
        }
        Ok(())
    }

    pub fn append_u32(&mut self, words: &[u32]) -> Result<()> {
        // Little-endian words are their own bytes: written as they are, without a copy.
        if cfg!(target_endian = "little") {
            return self.write(bytemuck::cast_slice(words));
        }
        let mut bytes = [0u8; 4096];
        for chunk in words.chunks(bytes.len() / 4) {
            for (w, out) in chunk.iter().zip(bytes.chunks_exact_mut(4)) {
                out.copy_from_slice(&w.to_le_bytes());
            }
            self.write(&bytes[..chunk.len() * 4])?;
        }
        Ok(())
    }

    /// Appends encoded records.
    pub fn append_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.write(bytes)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })?;
        self.bytes += bytes.len() as u64;
        self.dir
            .written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Flushes the file and opens it for positional reads and writes ([`KeyReader`]): words
    /// read at random are copied out of the page cache, never mapped, so they take no room in
    /// the resident set and need no page faults. Unix only (elsewhere the file is mapped).
    #[cfg(unix)]
    pub fn reader(self) -> Result<KeyReader> {
        let (file, bytes, guard) = self.reopen(false, true)?;
        Ok(KeyReader {
            file,
            words: bytes / 4,
            guard,
        })
    }

    /// Flushes the file and maps it (or reads it, where it cannot be mapped). `sync`: first
    /// write it out to the disk, so that its pages in the page cache are clean and can be
    /// dropped under memory pressure (a memory limit) rather than written back then.
    pub fn map(self, sync: bool) -> Result<MappedKeys> {
        let (file, bytes, guard) = self.reopen(sync, false)?;
        let path = guard.path.clone();
        let buffer =
            crate::ingest::mmap::load(file, &path, bytes, crate::ingest::MmapChoice::Always)
                .map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
        if buffer.len() as u64 != bytes {
            return Err(Error::Read {
                path,
                source: io::Error::new(io::ErrorKind::UnexpectedEof, "key file cut short"),
            });
        }
        Ok(MappedKeys {
            buffer,
            _file: guard,
        })
    }

    /// Flushes the writes (and with `sync` writes them out to the disk) and opens the file again
    /// for reading (and with `write` for writing too): the file, its length in bytes, and the
    /// guard that removes it.
    fn reopen(self, sync: bool, write: bool) -> Result<(File, u64, MappedFile)> {
        let KeyFile {
            path,
            out,
            bytes,
            dir,
        } = self;
        let written = out.into_inner().map_err(|e| Error::Write {
            path: path.clone(),
            source: e.into_error(),
        })?;
        if sync {
            written.sync_data().ok();
        }
        drop(written);
        let file = File::options()
            .read(true)
            .write(write)
            .open(&path)
            .map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
        Ok((file, bytes, MappedFile { path, _dir: dir }))
    }
}

/// The words of a [`KeyFile`], read at given positions; the file is removed when this is
/// dropped.
#[cfg(unix)]
pub struct KeyReader {
    file: File,
    words: u64,
    guard: MappedFile,
}

#[cfg(unix)]
impl KeyReader {
    /// `Ok` if the `len` words from word `first` on are within the file; else an error of
    /// `kind` saying that the `what` (read or write) went past its end.
    fn within(&self, first: u64, len: usize, kind: io::ErrorKind, what: &str) -> io::Result<()> {
        if first + len as u64 > self.words {
            return Err(io::Error::new(
                kind,
                format!("{what} past the end of a key file"),
            ));
        }
        Ok(())
    }

    /// Reads `out.len()` words from word `first` on.
    pub fn read_u32(&self, first: u64, out: &mut [u32]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let err = |source| Error::Read {
            path: self.guard.path.clone(),
            source,
        };
        self.within(first, out.len(), io::ErrorKind::UnexpectedEof, "read")
            .map_err(err)?;
        self.file
            .read_exact_at(bytemuck::cast_slice_mut(out), first * 4)
            .map_err(err)?;
        if cfg!(target_endian = "big") {
            for w in out.iter_mut() {
                *w = u32::from_le(*w);
            }
        }
        Ok(())
    }

    /// Writes `words` over the file's words from word `first` on (within the file).
    pub fn write_u32(&self, first: u64, words: &[u32]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let err = |source| Error::Write {
            path: self.guard.path.clone(),
            source,
        };
        self.within(first, words.len(), io::ErrorKind::InvalidInput, "write")
            .map_err(err)?;
        let little: Vec<u32>;
        let words = if cfg!(target_endian = "big") {
            little = words.iter().map(|w| w.to_le()).collect();
            &little
        } else {
            words
        };
        self.file
            .write_all_at(bytemuck::cast_slice(words), first * 4)
            .map_err(err)
    }
}

/// The words of a [`KeyFile`], mapped; the file is removed when this is dropped.
pub struct MappedKeys {
    buffer: crate::ingest::Buffer,
    _file: MappedFile,
}

impl MappedKeys {
    /// The words as little-endian bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buffer
    }

    /// Takes the pages read so far out of the resident set (they stay in the page cache).
    pub fn release(&self) {
        self.buffer.release();
    }

    /// The file will be read at random: no read-ahead ([`crate::ingest::Buffer::read_at_random`]).
    pub fn read_at_random(&self) {
        self.buffer.read_at_random();
    }
}

/// Removes a key file when dropped (after its mapping or handle: fields drop in order).
struct MappedFile {
    path: PathBuf,
    _dir: Arc<DirInner>,
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded records with many duplicates: keys from a small range.
    fn records(n: usize, seed: u64) -> Vec<(u64, u32, u32)> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        (0..n)
            .map(|_| (next() % 97, (next() % 5) as u32, (next() % 3) as u32))
            .collect()
    }

    fn collect<T: Record>(merged: Merged<T>) -> Vec<T> {
        merged
            .collect::<Result<Vec<_>>>()
            .expect("merge reads back")
    }

    fn files_in(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        files
    }

    const RECORD: usize = size_of::<(u64, u32, u32)>();

    /// Sorts `n` records within `budget` bytes, merging `fan_in` runs at once; checks the merged
    /// stream against the plain sort and returns the runs written before `finish`.
    fn check(n: usize, budget: usize, fan_in: usize) -> usize {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let input = records(n, n as u64 ^ budget as u64);
        let mut sorter = Sorter::new(&dir, budget).with_fan_in(fan_in);
        sorter.extend(input.iter().copied()).unwrap();
        let runs = sorter.runs();
        let per_run = (budget / RECORD).max(1);
        let encoded = <(u64, u32, u32)>::SIZE;
        assert_eq!(sorter.spilled_bytes(), (runs * per_run * encoded) as u64);
        let merged = sorter.finish().unwrap();
        assert_eq!(merged.size_hint().1, Some(n));
        // The last buffer made one more run, then runs were merged down to the fan-in.
        let open = if runs == 0 { 0 } else { (runs + 1).min(fan_in) };
        assert_eq!(files_in(dir.path()).len(), open);
        let mut expected = input;
        expected.sort();
        assert_eq!(collect(merged), expected);
        // Every run was removed once merged.
        assert!(files_in(dir.path()).is_empty());
        runs
    }

    #[test]
    fn matches_plain_sort_in_memory() {
        assert_eq!(check(1000, 1000 * RECORD, DEFAULT_FAN_IN), 0);
        assert_eq!(check(1000, 1 << 30, DEFAULT_FAN_IN), 0);
    }

    #[test]
    fn matches_plain_sort_with_one_and_two_runs() {
        // One run when the buffer fills, one more for the rest at finish.
        assert_eq!(check(1000, 999 * RECORD, DEFAULT_FAN_IN), 1);
        assert_eq!(check(1000, 600 * RECORD, DEFAULT_FAN_IN), 1);
        assert_eq!(check(1000, 500 * RECORD, DEFAULT_FAN_IN), 1);
        assert_eq!(check(1000, 400 * RECORD, DEFAULT_FAN_IN), 2);
    }

    #[test]
    fn matches_plain_sort_with_many_runs() {
        assert_eq!(check(1000, 20 * RECORD, DEFAULT_FAN_IN), 49);
        assert_eq!(check(1000, 17 * RECORD + 5, DEFAULT_FAN_IN), 58);
    }

    #[test]
    fn matches_plain_sort_with_more_runs_than_the_fan_in() {
        // 100 and 999 runs of one default fan-in; 3,000 one-record runs merged by twos: 12 levels.
        assert_eq!(check(1000, 10 * RECORD, DEFAULT_FAN_IN), 99);
        assert_eq!(check(1000, RECORD, DEFAULT_FAN_IN), 999);
        assert_eq!(check(3000, RECORD, 2), 2999);
        assert_eq!(check(1000, 7 * RECORD, 5), 142);
    }

    #[test]
    fn budget_smaller_than_a_record_holds_one() {
        assert_eq!(check(10, 1, DEFAULT_FAN_IN), 9);
        assert_eq!(check(10, 0, DEFAULT_FAN_IN), 9);
    }

    #[test]
    fn zero_and_one_record() {
        assert_eq!(check(0, 0, DEFAULT_FAN_IN), 0);
        assert_eq!(check(1, 0, DEFAULT_FAN_IN), 0);
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let mut sorter = Sorter::<(u32, u32)>::new(&dir, 0);
        sorter.push((7, 8)).unwrap();
        assert_eq!(collect(sorter.finish().unwrap()), vec![(7, 8)]);
        assert!(collect(Sorter::<(u32, u32)>::new(&dir, 0).finish().unwrap()).is_empty());
    }

    #[test]
    fn large_runs_cross_read_buffers() {
        // Runs of 40,000 records of 16 bytes fill ten 64 KiB read buffers.
        assert_eq!(check(100_000, 40_000 * RECORD, DEFAULT_FAN_IN), 2);
        // (u64, u32) takes 16 bytes in memory, which the budget counts, and 12 in a run: 5,461
        // records to a buffer.
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let input: Vec<(u64, u32)> = records(50_000, 3)
            .into_iter()
            .map(|(a, b, c)| ((a << 40) | c as u64, b))
            .collect();
        let mut sorter = Sorter::new(&dir, 7_000 * 16);
        sorter.extend(input.iter().copied()).unwrap();
        assert_eq!(sorter.runs(), 7);
        assert_eq!(sorter.spilled_bytes(), 7 * 7_000 * 12);
        let mut expected = input;
        expected.sort();
        assert_eq!(collect(sorter.finish().unwrap()), expected);
    }

    #[test]
    fn records_are_little_endian_fields_in_order() {
        fn bytes<T: Record>(record: T) -> Vec<u8> {
            let mut out = vec![0; T::SIZE];
            record.encode(&mut out);
            assert!(T::decode(&out) == record);
            out
        }
        assert_eq!(<(u64, u32)>::SIZE, 12);
        assert_eq!(<(u64, u32, u32)>::SIZE, 16);
        assert_eq!(<(u64, u32, u32, u32)>::SIZE, 20);
        assert_eq!(<(u32, u32, u32, u32)>::SIZE, 16);
        assert_eq!(<(u32, u32)>::SIZE, 8);
        assert_eq!(
            bytes((0x0102_0304_0506_0708u64, 0x0a0b_0c0du32)),
            [8, 7, 6, 5, 4, 3, 2, 1, 0xd, 0xc, 0xb, 0xa]
        );
        assert_eq!(bytes((1u32, 2u32)), [1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(
            bytes((u64::MAX, 0u32, 1u32, 2u32))[8..],
            [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]
        );
        assert_eq!(
            bytes((4u32, 3u32, 2u32, 1u32)),
            [4, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]
        );
    }

    #[test]
    fn in_memory_sort_writes_no_file() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let mut sorter = Sorter::new(&dir, 1 << 20);
        sorter.extend(records(5000, 1)).unwrap();
        let merged = sorter.finish().unwrap();
        assert!(files_in(dir.path()).is_empty());
        assert_eq!(collect(merged).len(), 5000);
        assert!(files_in(dir.path()).is_empty());
    }

    #[test]
    fn spill_directory_is_named_and_removed_with_its_files() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let other = SpillDir::new_in(parent.path()).unwrap();
        assert_ne!(dir.path(), other.path());
        let name = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            name.starts_with(&format!("neardup-spill-{}-", std::process::id())),
            "{name}"
        );
        assert_eq!(dir.path().parent(), Some(parent.path()));

        let mut sorter = Sorter::new(&dir, 10 * RECORD);
        sorter.extend(records(95, 2)).unwrap();
        assert_eq!(sorter.runs(), 9);
        assert_eq!(files_in(dir.path()).len(), 9);
        let mut merged = sorter.finish().unwrap();
        assert_eq!(files_in(dir.path()).len(), 10);
        let first = merged.next().unwrap().unwrap();
        assert_eq!(first, *records(95, 2).iter().min().unwrap());
        // The directory outlives its handle while a merge still reads from it.
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(path.is_dir());
        assert_eq!(merged.by_ref().count(), 94);
        drop(merged);
        assert!(!path.exists());
        drop(other);
        assert!(files_in(parent.path()).is_empty());
    }

    #[test]
    fn unmerged_runs_are_removed_on_drop() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let mut sorter = Sorter::new(&dir, RECORD);
        sorter.extend(records(5, 2)).unwrap();
        assert_eq!(files_in(dir.path()).len(), 4);
        drop(sorter);
        assert!(files_in(dir.path()).is_empty());
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }

    fn assert_read_error(error: Error, expected: &Path) {
        match error {
            Error::Read { path, .. } => assert_eq!(path, expected),
            other => panic!(
                "expected a read error of {}, got {other:?}",
                expected.display()
            ),
        }
    }

    #[test]
    fn removed_directory_is_a_write_error_naming_the_run() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let mut sorter = Sorter::new(&dir, 2 * RECORD);
        sorter.extend(records(2, 4)).unwrap();
        std::fs::remove_dir_all(dir.path()).unwrap();
        match sorter.push((1, 2, 3)) {
            Err(Error::Write { path, source }) => {
                assert_eq!(path, dir.path().join("run-000000.bin"));
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            other => panic!("expected a write error, got {other:?}"),
        }
        assert_eq!(sorter.runs(), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn full_disk_is_a_write_error_naming_the_run() {
        if !Path::new("/dev/full").exists() {
            return;
        }
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        // Every write to /dev/full fails as on a full disk.
        let run = dir.path().join("run-000001.bin");
        std::os::unix::fs::symlink("/dev/full", &run).unwrap();
        let input = records(250, 5);
        let mut sorter = Sorter::new(&dir, 100 * RECORD);
        match sorter.extend(input.iter().copied()) {
            Err(Error::Write { path, source }) => {
                assert_eq!(path, run);
                assert_eq!(source.raw_os_error(), Some(libc::ENOSPC));
            }
            other => panic!("expected a write error, got {other:?}"),
        }
        // The failed push stored nothing and the failed run was removed; the 200 records pushed
        // before are all kept, and the spill is retried in the next file.
        assert_eq!(sorter.runs(), 1);
        assert!(!run.exists() && !run.is_symlink());
        let mut expected = input[..200].to_vec();
        expected.sort();
        assert_eq!(collect(sorter.finish().unwrap()), expected);
    }

    #[test]
    fn truncated_run_is_a_read_error_naming_it() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let mut sorter = Sorter::new(&dir, 10 * RECORD);
        sorter.extend(records(30, 6)).unwrap();
        let run = dir.path().join("run-000001.bin");
        let file = std::fs::OpenOptions::new().write(true).open(&run).unwrap();
        file.set_len(10 * 16 - 3).unwrap();
        let error = sorter.finish().map(|_| ()).unwrap_err();
        assert_read_error(error, &run);
    }

    #[test]
    fn consume_sees_every_record_or_returns_the_read_error() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        let mut sorter = Sorter::new(&dir, 20_000 * RECORD);
        sorter.extend(records(40_000, 8)).unwrap();
        let mut expected = records(40_000, 8);
        expected.sort_unstable();
        let got: Vec<_> = sorter.finish().unwrap().consume(|r| r.collect()).unwrap();
        assert_eq!(got, expected);

        let mut sorter = Sorter::new(&dir, 20_000 * RECORD);
        sorter.extend(records(40_000, 9)).unwrap();
        let merged = sorter.finish().unwrap();
        let run = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .min()
            .unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&run)
            .unwrap()
            .set_len(5000 * 16)
            .unwrap();
        let mut seen = 0;
        let error = merged.consume(|r| seen = r.count()).unwrap_err();
        assert!(seen < 40_000, "the stream ended at the cut: {seen}");
        assert_read_error(error, &run);
    }

    #[test]
    fn run_truncated_while_merging_is_a_read_error_naming_it() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::new_in(parent.path()).unwrap();
        // Two runs of 20,000 records: 5 read buffers of 4,096 records each.
        let mut sorter = Sorter::new(&dir, 20_000 * RECORD);
        sorter.extend(records(40_000, 7)).unwrap();
        let mut merged = sorter.finish().unwrap();
        let run = dir.path().join("run-000000.bin");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&run)
            .unwrap()
            .set_len(5000 * 16)
            .unwrap();
        let mut ok = 0;
        let error = loop {
            match merged.next().expect("the error comes before the end") {
                Ok(_) => ok += 1,
                Err(e) => break e,
            }
        };
        assert_read_error(error, &run);
        // The first buffer of each run was read before; the run ends inside its second.
        assert!((4095..40_000).contains(&ok), "{ok}");
        assert!(merged.next().is_none());
    }

    #[test]
    fn key_files_map_back_what_was_appended_and_go_away() {
        let dir = SpillDir::new().unwrap();
        let words: Vec<u64> = (0..50_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let mut file = KeyFile::create(&dir, "keys").unwrap();
        for part in words.chunks(777) {
            file.append(part).unwrap();
        }
        let mapped = file.map(true).unwrap();
        let back: Vec<u64> = mapped
            .bytes()
            .chunks(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(back, words);
        assert_eq!(dir.bytes_written(), 8 * words.len() as u64);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(mapped);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "removed with its map"
        );
    }

    #[cfg(unix)]
    #[test]
    fn key_readers_read_what_was_appended_where_it_was_and_go_away() {
        let dir = SpillDir::new().unwrap();
        let words: Vec<u32> = (0..70_000u32)
            .map(|i| i.wrapping_mul(0x9E37_79B9) ^ (i >> 3))
            .collect();
        let mut file = KeyFile::create(&dir, "sets").unwrap();
        for part in words.chunks(1000) {
            file.append_u32(part).unwrap();
        }
        let reader = file.reader().unwrap();
        // Ranges that start and end inside pages and cross them, and the very end.
        for (first, len) in [(0, 1), (3, 1021), (1023, 4097), (50_001, 7), (69_000, 1000)] {
            let mut out = vec![0u32; len];
            reader.read_u32(first as u64, &mut out).unwrap();
            assert_eq!(out, words[first..first + len], "{first}+{len}");
        }
        let mut out = vec![0u32; 2];
        let error = reader.read_u32(69_999, &mut out).unwrap_err().to_string();
        assert!(error.contains("sets-"), "names the file: {error}");
        let error = format!("{:?}", reader.write_u32(69_999, &[1, 2]).unwrap_err());
        assert!(error.contains("write past the end"), "{error}");
        reader.read_u32(69_999, &mut out[..1]).unwrap();
        assert_eq!(out[0], words[69_999], "a refused write changes nothing");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(reader);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
