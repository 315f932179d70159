//! The one place that maps files into memory, and the only `unsafe` in the crate.
//!
//! Large inputs are memory-mapped so documents can be byte ranges into the page cache instead of
//! copies; small files are read, since a mapping costs a system call and a kernel object each and
//! a crawl of 100k pages would exceed the per-process map limit. The read path is also the fallback
//! whenever mapping fails, and both give byte-identical buffers (tested in `ingest`).
//!
//! # Files that shrink while mapped
//!
//! On unix, reading a page of a mapping that lies wholly past the end of its file raises SIGBUS,
//! which kills the process. Another program may truncate an input at any time, so every mapping is
//! guarded (`guard` below):
//!
//! - While at least one input is mapped, a process-wide SIGBUS handler is installed (once, with
//!   `sigaction`). Each live mapping is registered in a fixed table of address ranges (lock-free
//!   atomics, so the handler can read it). When a fault lies in a registered mapping, the handler
//!   maps anonymous zero pages over the rest of that mapping, from the faulting page on (every
//!   page past it is past the file's end too), notes the offset of the first vanished page, and
//!   returns: the faulting read is retried and sees zeros. Any other SIGBUS goes back to whatever
//!   handled SIGBUS before (the default kills the process), so real crashes are not swallowed.
//! - Zeros are not the file's bytes. [`Mapping::shrink`] says whether a mapping can still be
//!   trusted: it compares the file's current length (when its path still names the mapped file)
//!   with the mapped length, and looks at the vanished-page offset. `ingest::load` asks after
//!   parsing and reads the file again if it shrank; `Corpus::skip_vanished` asks once every stage
//!   that decides something has read the text, and skips the documents whose bytes are gone.
//! - A file that cannot be guarded is read, not mapped: when the table is full
//!   ([`MAX_MAPPINGS`] inputs mapped at once) or the handler cannot be installed.
//!
//! Limits: bytes past the new end of the file but on the same page as it read as zeros without
//! any fault, so only the length check finds those; a file truncated and then written back to at
//! least its old length between two checks, or rewritten in place without changing its length,
//! is not detected (the mapping shows the new bytes). Zero pages are mapped from a signal handler
//! with `mmap`, which POSIX does not list as async-signal-safe but which is a plain system call
//! on the supported systems. On other platforms files are mapped without a guard (Windows does
//! not let a mapped file be truncated).

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files at least this large are mapped under [`MmapChoice::Auto`].
pub const MMAP_MIN_BYTES: u64 = 1 << 20;

/// At most this many inputs are mapped at once; further ones are read.
pub const MAX_MAPPINGS: usize = 16_384;

/// Whether to memory-map input files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MmapChoice {
    /// Map files of at least [`MMAP_MIN_BYTES`], read smaller ones.
    #[default]
    Auto,
    /// Map every non-empty regular file (falls back to reading when mapping fails).
    Always,
    /// Never map; read every file.
    Never,
}

/// The bytes of one input: mapped, owned (read or decompressed), or empty.
pub enum Buffer {
    Mapped(Arc<Mapping>),
    Owned(Vec<u8>),
}

impl Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buffer::Mapped(mapping) => &mapping.map,
            Buffer::Owned(bytes) => bytes,
        }
    }
}

impl Buffer {
    pub fn is_mapped(&self) -> bool {
        matches!(self, Buffer::Mapped(_))
    }

    /// The mapping behind a mapped buffer (shared, so it can be checked after the buffer is
    /// consumed).
    pub fn mapping(&self) -> Option<Arc<Mapping>> {
        match self {
            Buffer::Mapped(mapping) => Some(Arc::clone(mapping)),
            Buffer::Owned(_) => None,
        }
    }

    /// A mapped buffer: [`Mapping::read_at_random`]. An owned one: nothing.
    pub fn read_at_random(&self) {
        if let Buffer::Mapped(mapping) = self {
            mapping.read_at_random();
        }
    }

    /// A mapped buffer: [`Mapping::release`]. An owned one: nothing.
    pub fn release(&self) {
        if let Buffer::Mapped(mapping) = self {
            mapping.release();
        }
    }
}

/// A file mapped read-only, guarded against SIGBUS while it lives.
pub struct Mapping {
    map: memmap2::Mmap,
    path: PathBuf,
    /// Device and inode of the mapped file, to tell it from a file put at its path later.
    #[cfg(unix)]
    file_id: (u64, u64),
    /// Its entry in the guard's table.
    #[cfg(unix)]
    slot: usize,
}

#[cfg(unix)]
impl Drop for Mapping {
    fn drop(&mut self) {
        // Leave the table before `map` is unmapped (fields drop after this), so the handler
        // never treats a fault in a reused address range as ours.
        guard::unregister(self.slot);
    }
}

/// How much of a mapping no longer holds its file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shrink {
    /// Bytes mapped: the file's length when it was mapped.
    pub mapped: u64,
    /// The file's length now, when its path still names the mapped file.
    pub now: Option<u64>,
    /// The mapping's bytes below this offset are still the file's: it is the least of the
    /// mapped length, the current length and the first page that vanished while mapped.
    pub intact: u64,
}

impl Mapping {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The path the file was mapped from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tells the kernel that the mapping will be read at random: a page read from disk brings
    /// no read-ahead with it. Files are mapped for sequential reading (large read-ahead); a file
    /// read a few pages here and there, such as the kept sets in verification, would otherwise
    /// read many times its bytes from disk once the page cache cannot hold it. Failure leaves
    /// the advice as it was, which is harmless.
    pub fn read_at_random(&self) {
        #[cfg(unix)]
        let _ = self.map.advise(memmap2::Advice::Random);
    }

    /// Takes the mapping's pages out of this process's resident set once a stage has read them:
    /// they stay in the page cache, where the next read finds them again (a minor fault, or a
    /// read from disk if the kernel needed the memory). The bytes read are unchanged.
    pub fn release(&self) {
        #[cfg(unix)]
        {
            // SAFETY: the map is a read-only shared file mapping (`Mmap::map`), which nothing
            // writes to. MADV_DONTNEED on such a mapping only drops page-table entries: the next
            // access faults the page in again from the page cache or the file, with the same
            // bytes, and pages the guard replaced with anonymous zero pages read as zeros again.
            // References into the map stay valid (the range stays mapped). Failure leaves the
            // pages resident, which is harmless, so it is ignored.
            let _ = unsafe {
                self.map
                    .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
            };
        }
    }

    /// The offset of the first page that was read after it had vanished from the file (and now
    /// reads as zeros), if any.
    pub fn vanished_from(&self) -> Option<u64> {
        #[cfg(unix)]
        {
            guard::vanished_from(self.slot).map(|offset| offset as u64)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// `Some` when part of the mapping no longer holds the file's bytes: the file is shorter than
    /// when it was mapped, or a page of it vanished while mapped. `None` while it is intact.
    pub fn shrink(&self) -> Option<Shrink> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mapped = self.map.len() as u64;
            let now = std::fs::metadata(&self.path)
                .ok()
                .filter(|meta| (meta.dev(), meta.ino()) == self.file_id)
                .map(|meta| meta.len());
            let intact = mapped
                .min(now.unwrap_or(mapped))
                .min(self.vanished_from().unwrap_or(mapped));
            (intact < mapped).then_some(Shrink {
                mapped,
                now,
                intact,
            })
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

/// Opens `file` (at `path`, of length `len`) as a buffer, mapping it if `choice` says so.
pub fn load(mut file: File, path: &Path, len: u64, choice: MmapChoice) -> io::Result<Buffer> {
    let want_map = match choice {
        MmapChoice::Never => false,
        MmapChoice::Auto => len >= MMAP_MIN_BYTES,
        MmapChoice::Always => len > 0,
    };
    if want_map && let Ok(mapping) = map_file(&file, path) {
        // A file that changed size since it was looked at is being written: read it instead of
        // mapping pages that may vanish.
        if mapping.len() as u64 == len && file.metadata().is_ok_and(|m| m.len() == len) {
            return Ok(Buffer::Mapped(Arc::new(mapping)));
        }
    }
    let mut bytes = Vec::with_capacity(len.min(1 << 30) as usize);
    file.read_to_end(&mut bytes)?;
    Ok(Buffer::Owned(bytes))
}

#[cfg(unix)]
fn map_file(file: &File, path: &Path) -> io::Result<Mapping> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata()?;
    // SAFETY: the mapping is read-only and private to this process, and Rust code only ever
    // sees it as `&[u8]`. If another process truncates the file while it is mapped, reading the
    // lost pages raises SIGBUS; the mapping is registered with the guard below before anything
    // reads it, so such a read sees zeros instead (and `Mapping::shrink` reports it). If the
    // guard cannot take it, the mapping is dropped unread and the file is read instead.
    let map = unsafe { memmap2::Mmap::map(file)? };
    let slot = guard::register(map.as_ptr() as usize, map.len())
        .ok_or_else(|| io::Error::other("no room to guard another mapping"))?;
    let mapping = Mapping {
        map,
        path: path.to_path_buf(),
        file_id: (meta.dev(), meta.ino()),
        slot,
    };
    // Documents are read front to back: tell the kernel to read ahead.
    let _ = mapping.map.advise(memmap2::Advice::Sequential);
    Ok(mapping)
}

#[cfg(not(unix))]
fn map_file(file: &File, path: &Path) -> io::Result<Mapping> {
    // SAFETY: the mapping is read-only, and Rust code only ever sees it as `&[u8]`. Windows does
    // not let another process truncate a file while it is mapped, so its pages cannot vanish.
    let map = unsafe { memmap2::Mmap::map(file)? };
    Ok(Mapping {
        map,
        path: path.to_path_buf(),
    })
}

/// The SIGBUS guard: a table of live mappings and the handler that reads it.
#[cfg(unix)]
mod guard {
    use super::MAX_MAPPINGS;
    use std::ffi::{c_int, c_void};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};

    /// One live mapping. `start` and `len` are guarded by a sequence lock (`seq` is odd while
    /// they are written), so the handler never acts on half of an update.
    struct Slot {
        used: AtomicBool,
        seq: AtomicUsize,
        start: AtomicUsize,
        len: AtomicUsize,
        /// Offset of the first page zero-filled by the handler; `usize::MAX` while none.
        vanished: AtomicUsize,
    }

    impl Slot {
        const fn new() -> Slot {
            Slot {
                used: AtomicBool::new(false),
                seq: AtomicUsize::new(0),
                start: AtomicUsize::new(0),
                len: AtomicUsize::new(0),
                vanished: AtomicUsize::new(usize::MAX),
            }
        }

        /// Writes the range; only the slot's owner calls this.
        fn write(&self, start: usize, len: usize) {
            let seq = self.seq.load(Ordering::Relaxed);
            self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
            fence(Ordering::Release);
            self.start.store(start, Ordering::Relaxed);
            self.len.store(len, Ordering::Relaxed);
            self.seq.store(seq.wrapping_add(2), Ordering::Release);
        }

        /// The range, unless it is being written.
        fn read(&self) -> Option<(usize, usize)> {
            let before = self.seq.load(Ordering::Acquire);
            if before % 2 == 1 {
                return None;
            }
            let start = self.start.load(Ordering::Relaxed);
            let len = self.len.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            (self.seq.load(Ordering::Relaxed) == before).then_some((start, len))
        }
    }

    static SLOTS: [Slot; MAX_MAPPINGS] = [const { Slot::new() }; MAX_MAPPINGS];
    /// Every slot ever used lies below this, so the handler scans only those.
    static HIGH: AtomicUsize = AtomicUsize::new(0);
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    /// How SIGBUS was handled before the guard was installed.
    static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();
    static INSTALLED: OnceLock<bool> = OnceLock::new();

    /// Registers a live mapping; `None` when it cannot be guarded (table full, no handler).
    pub fn register(start: usize, len: usize) -> Option<usize> {
        if !install() {
            return None;
        }
        for (index, slot) in SLOTS.iter().enumerate() {
            if slot.used.load(Ordering::Relaxed)
                || slot
                    .used
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            slot.vanished.store(usize::MAX, Ordering::Relaxed);
            slot.write(start, len);
            HIGH.fetch_max(index + 1, Ordering::AcqRel);
            return Some(index);
        }
        None
    }

    /// Removes a mapping before it is unmapped.
    pub fn unregister(index: usize) {
        let slot = &SLOTS[index];
        slot.write(0, 0);
        slot.used.store(false, Ordering::Release);
    }

    pub fn vanished_from(index: usize) -> Option<usize> {
        let offset = SLOTS[index].vanished.load(Ordering::Acquire);
        (offset != usize::MAX).then_some(offset)
    }

    /// Installs the handler once per process; false if it could not be.
    fn install() -> bool {
        *INSTALLED.get_or_init(|| {
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            if page <= 0 || !(page as usize).is_power_of_two() {
                return false;
            }
            PAGE.store(page as usize, Ordering::Relaxed);
            // SAFETY: an all-zero sigaction is a valid value (SIG_DFL, empty mask, no flags).
            let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: a null new action only queries; `previous` is valid for writing.
            if unsafe { libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut previous) } != 0 {
                return false;
            }
            let _ = PREVIOUS.set(previous);
            // SAFETY: as above.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            let handler: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) = on_sigbus;
            action.sa_sigaction = handler as libc::sighandler_t;
            // SA_ONSTACK: run on the thread's alternate stack when it has one (as the standard
            // library's stack-overflow handler, which this one may hand signals to, expects).
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            // SAFETY: `action.sa_mask` is valid for writing.
            unsafe { libc::sigemptyset(&mut action.sa_mask) };
            // SAFETY: `action` is fully initialized and `on_sigbus` has the signature
            // SA_SIGINFO requires; the old action was saved in PREVIOUS first.
            unsafe { libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()) == 0 }
        })
    }

    /// Zero-fills a registered mapping from the page holding `fault` to its end; false if
    /// `fault` lies in no registered mapping (or the zero pages cannot be mapped).
    fn zero_fill(fault: usize) -> bool {
        let page = PAGE.load(Ordering::Relaxed);
        let high = HIGH.load(Ordering::Acquire).min(MAX_MAPPINGS);
        for slot in &SLOTS[..high] {
            let Some((start, len)) = slot.read() else {
                continue;
            };
            if len == 0 || fault < start {
                continue;
            }
            let end = start.saturating_add(len.div_ceil(page) * page);
            if fault >= end {
                continue;
            }
            let from = fault & !(page - 1);
            // SAFETY: [from, end) lies inside a live read-only mapping of ours: the slot is
            // registered from before anything reads the mapping until before it is unmapped, and
            // the faulting thread is reading it, so it cannot be unmapped meanwhile. MAP_FIXED
            // replaces those pages atomically with private zero pages, read-only like the
            // mapping, and touches nothing outside it; the mapping's own munmap later removes
            // them with the rest. Every page from `from` on lies past the file's end (the fault
            // says so for `from`; after an I/O error the pages are not trusted either), so their
            // bytes were gone already. That bytes behind a `&[u8]` change is the risk every file
            // mapping takes (another process may write the file); here they become zeros, which
            // `Mapping::shrink` reports so that no result is taken from them.
            let zeros = unsafe {
                libc::mmap(
                    from as *mut c_void,
                    end - from,
                    libc::PROT_READ,
                    libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if zeros == libc::MAP_FAILED {
                return false;
            }
            slot.vanished.fetch_min(from - start, Ordering::AcqRel);
            return true;
        }
        false
    }

    /// The SIGBUS handler. Uses only atomics, `mmap`, `sigaction` and `raise`.
    extern "C" fn on_sigbus(signal: c_int, info: *mut libc::siginfo_t, _context: *mut c_void) {
        // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t. Its fault address is
        // meaningful only for signals raised by a fault (si_code > 0), the only ones read here;
        // a signal sent with kill or raise has si_code <= 0.
        let fault = if info.is_null() || unsafe { (*info).si_code } <= 0 {
            None
        } else {
            // SAFETY: as above, for a fault.
            Some(unsafe { (*info).si_addr() } as usize)
        };
        if fault.is_some_and(zero_fill) {
            // The faulting read is retried and now sees zeros.
            return;
        }
        // Not ours: give SIGBUS back to whoever handled it before. A fault re-raises when the
        // faulting instruction is retried; a sent signal is raised again, and stays pending
        // until this handler returns.
        match PREVIOUS.get() {
            // SAFETY: `previous` is the action sigaction itself returned.
            Some(previous) => unsafe {
                libc::sigaction(signal, previous, std::ptr::null_mut());
            },
            None => {
                // SAFETY: SIG_DFL with an empty mask is a valid action.
                unsafe {
                    let mut default: libc::sigaction = std::mem::zeroed();
                    default.sa_sigaction = libc::SIG_DFL;
                    libc::sigaction(signal, &default, std::ptr::null_mut());
                }
            }
        }
        if fault.is_none() {
            // SAFETY: raise is async-signal-safe and has no preconditions.
            unsafe { libc::raise(signal) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_shrank_since_it_was_looked_at_is_read_not_mapped() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("shrinking.txt");
        std::fs::write(&path, vec![b'a'; 4096]).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::write(&path, b"short").unwrap();
        let buffer = load(File::open(&path).unwrap(), &path, len, MmapChoice::Always).unwrap();
        assert!(!buffer.is_mapped());
        assert_eq!(&buffer[..], b"short");
        let buffer = load(File::open(&path).unwrap(), &path, 5, MmapChoice::Always).unwrap();
        assert!(buffer.is_mapped());
        assert_eq!(&buffer[..], b"short");
        assert_eq!(buffer.mapping().unwrap().shrink(), None);
    }

    #[cfg(unix)]
    fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
    }

    /// Truncates `path` to `len` bytes while it may be mapped.
    #[cfg(unix)]
    fn truncate(path: &Path, len: u64) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(len)
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_mapped_file_truncated_underneath_reads_as_zeros_instead_of_crashing() {
        let page = page_size();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cut.jsonl");
        std::fs::write(&path, vec![b'a'; 8 * page]).unwrap();
        let len = (8 * page) as u64;
        let buffer = load(File::open(&path).unwrap(), &path, len, MmapChoice::Always).unwrap();
        let mapping = buffer.mapping().expect("mapped");
        assert_eq!(mapping.shrink(), None);
        assert_eq!(mapping.vanished_from(), None);

        let keep = page + 10;
        truncate(&path, keep as u64);
        // Past the new end on its last page: zeros without a fault.
        assert_eq!(buffer[keep], 0);
        assert_eq!(mapping.vanished_from(), None);
        // Whole pages past the end: each read would raise SIGBUS.
        assert_eq!(std::hint::black_box(&buffer[..])[5 * page + 7], 0);
        assert_eq!(mapping.vanished_from(), Some(5 * page as u64));
        assert!(buffer[5 * page..].iter().all(|&b| b == 0));
        assert_eq!(std::hint::black_box(&buffer[..])[2 * page], 0);
        assert_eq!(mapping.vanished_from(), Some(2 * page as u64));
        assert!(buffer[2 * page..].iter().all(|&b| b == 0));
        // What is left of the file is still there.
        assert!(buffer[..keep].iter().all(|&b| b == b'a'));
        assert_eq!(
            mapping.shrink(),
            Some(Shrink {
                mapped: len,
                now: Some(keep as u64),
                intact: keep as u64,
            })
        );
        // Growing back does not make the zeros trustworthy.
        truncate(&path, len);
        assert_eq!(
            mapping.shrink(),
            Some(Shrink {
                mapped: len,
                now: Some(len),
                intact: 2 * page as u64,
            })
        );
    }

    /// Runs one test of this module in a child process with `NEARDUP_CHILD` set; returns how
    /// it ended.
    #[cfg(unix)]
    fn run_child(test: &str) -> std::process::ExitStatus {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env("NEARDUP_CHILD", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // A handler that returns without curing a fault would retry it forever.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("the child process hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_sigbus_outside_our_mappings_still_kills_the_process() {
        use std::os::unix::process::ExitStatusExt;
        if std::env::var_os("NEARDUP_CHILD").is_none() {
            let status = run_child(
                "ingest::mmap::tests::a_sigbus_outside_our_mappings_still_kills_the_process",
            );
            assert_eq!(status.signal(), Some(libc::SIGBUS), "{status:?}");
            return;
        }
        // In the child: no core file for the crash this test wants.
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `no_core` is a valid rlimit.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
        let page = page_size();
        let tmp = tempfile::tempdir().unwrap();
        let ours = tmp.path().join("ours.txt");
        let theirs = tmp.path().join("theirs.txt");
        std::fs::write(&ours, vec![b'a'; 4 * page]).unwrap();
        std::fs::write(&theirs, vec![b'b'; 4 * page]).unwrap();
        // Install the guard by mapping a file of ours.
        let guarded = load(
            File::open(&ours).unwrap(),
            &ours,
            (4 * page) as u64,
            MmapChoice::Always,
        )
        .unwrap();
        assert!(guarded.is_mapped());
        // SAFETY: this mapping is not registered with the guard; reading it after the
        // truncation below is meant to raise a SIGBUS that kills this child process.
        let unguarded = unsafe { memmap2::Mmap::map(&File::open(&theirs).unwrap()).unwrap() };
        truncate(&theirs, 0);
        let byte = std::hint::black_box(&unguarded[..])[3 * page];
        panic!("read {byte} from a vanished page of an unguarded mapping and lived");
    }
}
