//! The one place that maps files into memory.
//!
//! Large inputs are memory-mapped so documents can be byte ranges into the page cache instead of
//! copies; small files are read, since a mapping costs a system call and a kernel object each and
//! a crawl of 100k pages would exceed the per-process map limit. The read path is also the fallback
//! whenever mapping fails, and both give byte-identical buffers (tested in `ingest`).

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;

/// Files at least this large are mapped under [`MmapChoice::Auto`].
pub const MMAP_MIN_BYTES: u64 = 1 << 20;

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
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buffer::Mapped(map) => map,
            Buffer::Owned(bytes) => bytes,
        }
    }
}

impl Buffer {
    pub fn is_mapped(&self) -> bool {
        matches!(self, Buffer::Mapped(_))
    }
}

/// Opens `file` (of length `len`) as a buffer, mapping it if `choice` says so.
pub fn load(mut file: File, len: u64, choice: MmapChoice) -> io::Result<Buffer> {
    let want_map = match choice {
        MmapChoice::Never => false,
        MmapChoice::Auto => len >= MMAP_MIN_BYTES,
        MmapChoice::Always => len > 0,
    };
    if want_map && let Ok(map) = map_file(&file) {
        return Ok(Buffer::Mapped(map));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes)?;
    Ok(Buffer::Owned(bytes))
}

fn map_file(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private to this process. If another process truncates
    // the file while it is mapped, reading the lost pages raises SIGBUS; that is the accepted risk
    // of mapping crawl files, which are not written while a scan runs. Callers that cannot accept
    // it choose `MmapChoice::Never`, which reads the file instead.
    let map = unsafe { memmap2::Mmap::map(file)? };
    // Documents are read front to back: tell the kernel to read ahead.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}
