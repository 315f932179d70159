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
        // A file that changed size since it was looked at is being written: read it instead of
        // mapping pages that may vanish.
        if map.len() as u64 == len && file.metadata().is_ok_and(|m| m.len() == len) {
            return Ok(Buffer::Mapped(map));
        }
    }
    let mut bytes = Vec::with_capacity(len.min(1 << 30) as usize);
    file.read_to_end(&mut bytes)?;
    Ok(Buffer::Owned(bytes))
}

fn map_file(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private to this process. If another process truncates
    // the file while it is mapped, reading the lost pages raises SIGBUS; that is the accepted risk
    // of mapping crawl files, which are not written while a scan runs. `load` reads instead of
    // mapping a file whose size changed since it was looked at (one being written), and callers
    // that cannot accept the risk at all choose `MmapChoice::Never`, which always reads.
    let map = unsafe { memmap2::Mmap::map(file)? };
    // Documents are read front to back: tell the kernel to read ahead.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
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
        let buffer = load(File::open(&path).unwrap(), len, MmapChoice::Always).unwrap();
        assert!(!buffer.is_mapped());
        assert_eq!(&buffer[..], b"short");
        let buffer = load(File::open(&path).unwrap(), 5, MmapChoice::Always).unwrap();
        assert!(buffer.is_mapped());
        assert_eq!(&buffer[..], b"short");
    }
}
