//! Bytes → UTF-8: encoding detection, decoding with counted replacements, binary detection.
//!
//! Input: the raw bytes of one input (a text file, or a whole JSON Lines file after
//! decompression). Output: [`Decoded`], which either says the bytes are already UTF-8 (so
//! documents stay byte ranges into the mapped or read buffer) or holds an owned UTF-8 copy.
//!
//! Rules, in order:
//! 1. A byte order mark wins (UTF-8, UTF-16LE, UTF-16BE), as in browsers; it is not part of the
//!    text.
//! 2. Else `--encoding` (any WHATWG label: `gbk`, `gb18030`, `big5`, `utf-16le`, ...) if given.
//! 3. Else bytes that are valid UTF-8 are UTF-8.
//! 4. Else, for text files, chardetng guesses (GBK, Big5, ... are what Chinese crawls hold);
//!    JSON Lines is UTF-8 by definition and is not guessed.
//!
//! Invalid byte sequences never fail a read: each becomes U+FFFD and its offset in the decoded
//! text is recorded, so reports can say how many were replaced in each document.
//!
//! [`binary_reason`] tells binary files saved under text names (NUL or control bytes, image and
//! archive magic numbers) from text; it is only asked about bytes that are not UTF-16.
//! Cost: one UTF-8 validation pass over every input; one decoding pass, and a copy, only for
//! inputs that are not UTF-8; detection looks at the first [`DETECT_BYTES`].

use encoding_rs::{DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How many leading bytes the encoding detector reads.
pub const DETECT_BYTES: usize = 1 << 20;

/// How many leading bytes binary detection looks at.
pub const SNIFF_BYTES: usize = 8192;

/// The result of decoding one input.
#[derive(Debug)]
pub struct Decoded {
    pub encoding: &'static Encoding,
    /// The decoded text, or `None` when `bytes[bom..]` is valid UTF-8 and usable as it is.
    pub owned: Option<String>,
    /// Length of the byte order mark skipped (only meaningful when `owned` is `None`).
    pub bom: usize,
    /// Byte offsets in the decoded text where U+FFFD replaced an invalid sequence, ascending.
    pub replaced: Vec<usize>,
}

impl Decoded {
    /// The decoded text as bytes, given the bytes that were decoded.
    pub fn text<'a>(&'a self, bytes: &'a [u8]) -> &'a [u8] {
        match &self.owned {
            Some(text) => text.as_bytes(),
            None => &bytes[self.bom..],
        }
    }
}

/// Looks up an encoding by WHATWG label (`gbk`, `GB18030`, `big5`, `utf-8`, `utf-16le`, ...).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// The encoding a byte order mark at the start of `bytes` names, and the mark's length.
pub fn bom(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(bytes)
}

/// Whether text in `encoding` is UTF-16 (NUL bytes are normal there).
pub fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == UTF_16LE || encoding == UTF_16BE
}

/// Decodes `bytes` (see the module docs). `guess` enables detection for bytes that are not UTF-8.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>, guess: bool) -> Decoded {
    decode_in_pieces(bytes, forced, guess, &|| {})
}

/// Pieces of a large buffer checked for UTF-8, one per thread at a time, `after_piece` called
/// after each (at most this much of the buffer a thread resident at once).
pub const CHECK_PIECE: usize = 32 << 20;

/// [`decode`], checking UTF-8 in pieces of [`CHECK_PIECE`] bytes with `after_piece` called after
/// each (the caller releases the mapped pages read).
pub fn decode_in_pieces(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
    guess: bool,
    after_piece: &dyn Fn(),
) -> Decoded {
    let (encoding, bom_len) = match bom(bytes) {
        Some((encoding, len)) => (encoding, len),
        None => match forced {
            Some(encoding) => (encoding, 0),
            None if mostly_utf8(bytes) => (UTF_8, 0),
            None if guess => (detect(bytes), 0),
            None => (UTF_8, 0),
        },
    };
    let body = &bytes[bom_len..];
    if encoding == UTF_8 && is_utf8_in_pieces(body, CHECK_PIECE, after_piece) {
        return Decoded {
            encoding,
            owned: None,
            bom: bom_len,
            replaced: Vec::new(),
        };
    }
    let (text, replaced) = decode_counting(encoding, body);
    Decoded {
        encoding,
        owned: Some(text),
        bom: bom_len,
        replaced,
    }
}

/// Whether `bytes` are valid UTF-8, checked in pieces of about `piece` bytes (at least 4) that
/// begin where a character begins, so that the whole is valid exactly when each piece is: as many
/// pieces at a time as the pool the caller installed has threads, checked in parallel, then
/// `after_piece` called for each (the buffer's first 488 MB took 60 ms on one thread).
pub fn is_utf8_in_pieces(bytes: &[u8], piece: usize, after_piece: &dyn Fn()) -> bool {
    use rayon::prelude::*;
    assert!(piece >= 4, "a piece holds a whole UTF-8 sequence");
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut end = piece.min(rest.len());
        // Past the continuation bytes of the character cut (more than three are invalid anyway).
        for _ in 0..3 {
            if end < rest.len() && rest[end] & 0xc0 == 0x80 {
                end += 1;
            }
        }
        let (head, tail) = rest.split_at(end);
        pieces.push(head);
        rest = tail;
    }
    for wave in pieces.chunks(rayon::current_num_threads().max(1)) {
        if !wave
            .par_iter()
            .all(|piece| simdutf8::basic::from_utf8(piece).is_ok())
        {
            return false;
        }
        for _ in wave {
            after_piece();
        }
    }
    true
}

/// Whether `bytes` are UTF-8 with at most a few damaged sequences: valid, or with at least 20
/// valid non-ASCII characters for every invalid sequence (a UTF-8 page with a stray byte or cut
/// mid-character). GBK and Big5 text fails this by far: its byte pairs are rarely valid UTF-8.
pub fn mostly_utf8(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(DETECT_BYTES)];
    let mut invalid = 0usize;
    let mut multibyte = 0usize;
    for chunk in head.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    invalid == 0 || multibyte >= 20 * invalid
}

/// Guesses the encoding of bytes without a BOM that are not valid UTF-8.
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    let head = &bytes[..bytes.len().min(DETECT_BYTES)];
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, head.len() == bytes.len());
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// Decodes `bytes` as `encoding` without BOM handling, replacing each malformed sequence with
/// U+FFFD and recording where.
pub fn decode_counting(encoding: &'static Encoding, bytes: &[u8]) -> (String, Vec<usize>) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len());
    let mut out = String::with_capacity(capacity);
    let mut replaced = Vec::new();
    let mut src = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut out, true);
        src = &src[read..];
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(src.len())
                    .unwrap_or(src.len());
                out.reserve(more.max(16));
            }
            DecoderResult::Malformed(_, _) => {
                replaced.push(out.len());
                out.push('\u{FFFD}');
            }
        }
    }
    (out, replaced)
}

/// Magic numbers of binary formats found saved under text names in crawls.
const MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xFF\xD8\xFF", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"%PDF-", "PDF document"),
    (b"\x1F\x8B", "gzip archive"),
    (b"\x28\xB5\x2F\xFD", "zstd archive"),
    (b"7z\xBC\xAF\x27\x1C", "7z archive"),
    (b"Rar!\x1A\x07", "RAR archive"),
    (b"\xFD7zXZ\x00", "xz archive"),
    (b"\x7FELF", "ELF executable"),
    (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "OLE document"),
    (b"SQLite format 3\x00", "SQLite database"),
];

/// Why `bytes` (the start of a file that is not UTF-16) look binary, if they do: a known magic
/// number, a NUL byte, or more than one in ten control bytes in the first [`SNIFF_BYTES`].
pub fn binary_reason(bytes: &[u8]) -> Option<String> {
    if let Some((_, name)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(format!("binary data ({name})"));
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("binary data (WebP image)".into());
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if head.contains(&0) {
        return Some("binary data (NUL bytes)".into());
    }
    let controls = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)) || b == 0x7F)
        .count();
    if controls * 10 > head.len() {
        return Some("binary data (control bytes)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{BIG5, GBK};

    const TEXT: &str = "医院工会工作总结：全面贯彻落实职工代表大会精神，加强民主管理。";

    #[test]
    fn utf8_is_borrowed_and_bom_skipped() {
        let d = decode(TEXT.as_bytes(), None, true);
        assert!(d.owned.is_none() && d.encoding == UTF_8 && d.bom == 0);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), TEXT.as_bytes()].concat();
        let d = decode(&with_bom, None, true);
        assert!(d.owned.is_none());
        assert_eq!(d.text(&with_bom), TEXT.as_bytes());
    }

    #[test]
    fn legacy_chinese_is_detected() {
        let long = TEXT.repeat(5);
        let (gbk, _, _) = GBK.encode(&long);
        let d = decode(&gbk, None, true);
        assert_eq!(d.encoding, GBK);
        assert_eq!(d.owned.as_deref(), Some(long.as_str()));
        assert!(d.replaced.is_empty());
        let traditional = hanconv::s2twp(&long);
        let (big5, _, _) = BIG5.encode(&traditional);
        let d = decode(&big5, None, true);
        assert_eq!(d.encoding, BIG5);
        assert_eq!(d.owned.as_deref(), Some(traditional.as_str()));
    }

    #[test]
    fn utf16_with_bom() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(TEXT.encode_utf16().flat_map(u16::to_le_bytes));
        let d = decode(&le, None, true);
        assert_eq!((d.encoding, d.owned.as_deref()), (UTF_16LE, Some(TEXT)));
        let mut be = vec![0xFE, 0xFF];
        be.extend(TEXT.encode_utf16().flat_map(u16::to_be_bytes));
        let d = decode(&be, Some(GBK), true);
        assert_eq!((d.encoding, d.owned.as_deref()), (UTF_16BE, Some(TEXT)));
    }

    #[test]
    fn invalid_sequences_are_replaced_and_counted() {
        let bytes = b"ab\xFFcd\xC3";
        let d = decode(bytes, None, false);
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.owned.as_deref(), Some("ab\u{FFFD}cd\u{FFFD}"));
        assert_eq!(d.replaced, [2, 7]);
        // A UTF-8 page with a stray byte and cut mid-character stays UTF-8.
        let damaged = [
            TEXT.as_bytes(),
            b"\xFF",
            TEXT.as_bytes(),
            &TEXT.as_bytes()[..4],
        ]
        .concat();
        let d = decode(&damaged, None, true);
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.replaced.len(), 2);
        let d = decode(b"\xB9\xA4\xFF", Some(GBK), true);
        assert_eq!(d.owned.as_deref(), Some("工\u{FFFD}"));
        assert_eq!(d.replaced.len(), 1);
    }

    #[test]
    fn binary_files() {
        assert_eq!(
            binary_reason(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").as_deref(),
            Some("binary data (PNG image)")
        );
        assert_eq!(
            binary_reason(b"%PDF-1.4\n").as_deref(),
            Some("binary data (PDF document)")
        );
        assert_eq!(
            binary_reason(b"abc\0def").as_deref(),
            Some("binary data (NUL bytes)")
        );
        assert_eq!(
            binary_reason(b"\x01\x02\x03\x04abcdef").as_deref(),
            Some("binary data (control bytes)")
        );
        assert_eq!(binary_reason(TEXT.as_bytes()), None);
        assert_eq!(binary_reason(&GBK.encode(TEXT).0), None);
        assert_eq!(binary_reason(b"line\r\n\tindented\x0c\n"), None);
    }

    #[test]
    fn utf8_checked_in_pieces_agrees_with_std() {
        let text = "工会工作总结 ABC 資訊 🙂 xx年\n".repeat(5);
        let mut cases: Vec<Vec<u8>> = vec![Vec::new(), text.clone().into_bytes()];
        let bytes = text.as_bytes();
        for cut in [1, 2, 5, 17, bytes.len() - 2] {
            cases.push(bytes[..cut].to_vec());
            let mut broken = bytes.to_vec();
            broken[cut] = 0xFF;
            cases.push(broken);
            let mut split = bytes.to_vec();
            split.insert(cut, 0xE5);
            cases.push(split);
        }
        for case in &cases {
            let expected = std::str::from_utf8(case).is_ok();
            for piece in [4, 5, 6, 7, 64, 1 << 20] {
                let calls = std::cell::Cell::new(0);
                let got = is_utf8_in_pieces(case, piece, &|| calls.set(calls.get() + 1));
                assert_eq!(got, expected, "piece {piece} of {case:?}");
                if expected {
                    // A piece may take up to three bytes more, to end where a character ends.
                    assert!(calls.get() >= case.len().div_ceil(piece + 3));
                }
            }
        }
    }
}
