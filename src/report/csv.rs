//! CSV output, the one module that uses the csv crate.
//!
//! Plain mode writes RFC 4180 CSV with `\n` line ends for programs. Excel mode (`--excel`) writes
//! a UTF-8 byte order mark and `\r\n`, which Excel and WPS on Chinese Windows need to read UTF-8.
//! In both modes, free-text cells are cleaned: control characters and bidirectional overrides
//! become spaces, a cell that would start a formula (`=`, `+`, `-`, `@`, tab, carriage return)
//! gets a leading `'`, and long text is cut. In Excel mode every text cell is treated that way, ids
//! included; otherwise ids and paths are written as given except that control characters, line
//! breaks and bidirectional overrides become spaces. Quotes, commas and line breaks inside a
//! cell are quoted by the csv crate (RFC 4180).

use crate::error::{Error, Result};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Longest cell Excel accepts is 32,767 characters; free text is cut well below.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Rows of one CSV file, formatted into memory as the file has them, to be appended to it in
/// order ([`CsvFile::append`]): pieces of a table can be formatted apart, in parallel.
pub struct CsvSink {
    path: PathBuf,
    writer: csv::Writer<Vec<u8>>,
    excel: bool,
    /// The cells of the row being written, one after the other, and where each ends: kept
    /// from row to row, so that a row allocates nothing.
    cells: Vec<u8>,
    ends: Vec<usize>,
}

impl CsvSink {
    /// Rows for the file at `path` (named in errors).
    pub fn buffer(path: &Path, excel: bool) -> CsvSink {
        let writer = csv::WriterBuilder::new()
            .terminator(if excel {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(Vec::new());
        CsvSink {
            path: path.into(),
            writer,
            excel,
            cells: Vec::new(),
            ends: Vec::new(),
        }
    }

    fn write_raw<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let path = &self.path;
        self.writer
            .write_record(cells)
            .map_err(|source| Error::Csv {
                path: path.clone(),
                source,
            })
    }

    /// Writes a row of cells.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        self.cells.clear();
        self.ends.clear();
        for cell in cells {
            cell.render_into(self.excel, &mut self.cells);
            self.ends.push(self.cells.len());
        }
        let (bytes, ends) = (&self.cells, &self.ends);
        let fields = (0..ends.len()).map(|i| &bytes[if i == 0 { 0 } else { ends[i - 1] }..ends[i]]);
        self.writer
            .write_record(fields)
            .map_err(|source| Error::Csv {
                path: self.path.clone(),
                source,
            })
    }

    /// The rows written.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        let path = self.path;
        self.writer.into_inner().map_err(|e| Error::Write {
            path,
            source: e.into_error(),
        })
    }
}

/// A CSV file: its header, then rows formatted by [`CsvSink`]s, appended in order.
pub struct CsvFile {
    path: PathBuf,
    out: BufWriter<File>,
}

impl CsvFile {
    /// Creates the file (in Excel mode, with its byte order mark) and writes `header`.
    pub fn create(path: &Path, excel: bool, header: &[&str]) -> Result<CsvFile> {
        let err = |source| Error::Write {
            path: path.into(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(err)?);
        if excel {
            out.write_all(b"\xEF\xBB\xBF").map_err(err)?;
        }
        let mut file = CsvFile {
            path: path.into(),
            out,
        };
        let mut first = CsvSink::buffer(path, excel);
        first.write_raw(header.iter().copied())?;
        file.append(&first.into_bytes()?)?;
        Ok(file)
    }

    /// Appends rows formatted by a [`CsvSink`] for this file.
    pub fn append(&mut self, rows: &[u8]) -> Result<()> {
        self.out.write_all(rows).map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|source| Error::Write {
            path: self.path,
            source,
        })
    }
}

/// One cell and how it is cleaned.
pub enum Cell<'a> {
    /// An identifier or path: written as is, cleaned in Excel mode.
    Id(&'a str),
    /// Free text (excerpts, reasons, urls): always cleaned and cut.
    Text(&'a str),
    /// A fixed word, or nothing (`""`), written as is.
    Word(&'a str),
    /// A number.
    Int(u64),
    /// `true` or `false`.
    Bool(bool),
    /// A fraction, with four decimals ([`fraction`]).
    Frac(f64),
    /// Anything else written as is.
    Plain(String),
}

impl Cell<'_> {
    /// A number, or an empty cell.
    pub fn int_or_empty(n: Option<u64>) -> Cell<'static> {
        n.map_or(Cell::Word(""), Cell::Int)
    }

    /// A fraction, or an empty cell.
    pub fn frac_or_empty(x: Option<f64>) -> Cell<'static> {
        x.map_or(Cell::Word(""), Cell::Frac)
    }

    fn render_into(&self, excel: bool, out: &mut Vec<u8>) {
        match self {
            Cell::Id(s) if excel => out.extend_from_slice(clean(s, usize::MAX).as_bytes()),
            Cell::Id(s) => out.extend_from_slice(clean_id(s).as_bytes()),
            Cell::Text(s) => out.extend_from_slice(clean(s, MAX_TEXT_CHARS).as_bytes()),
            Cell::Word(s) => out.extend_from_slice(s.as_bytes()),
            Cell::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Cell::Int(n) => {
                let mut digits = [0u8; 20];
                let mut at = digits.len();
                let mut n = *n;
                loop {
                    at -= 1;
                    digits[at] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                out.extend_from_slice(&digits[at..]);
            }
            Cell::Frac(x) => fraction_into(*x, out),
            Cell::Plain(s) => out.extend_from_slice(s.as_bytes()),
        }
    }
}

/// Characters a cell never carries: control characters (except a line feed in free text) and
/// the bidirectional overrides and isolates that make a cell display other than it reads.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An identifier outside Excel mode: exact, except that unsafe characters (see [`is_unsafe`]) and
/// line breaks become spaces.
pub fn clean_id(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) || c == '\n') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c) || c == '\n' { ' ' } else { c })
            .collect(),
    )
}

/// Cleans free text for a spreadsheet (see the module docs).
pub fn clean(s: &str, max_chars: usize) -> Cow<'_, str> {
    let risky_start = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let has_control = s.chars().any(is_unsafe);
    let too_long = s.len() > max_chars && s.chars().count() > max_chars;
    if !risky_start && !has_control && !too_long {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)) + 1);
    if risky_start {
        out.push('\'');
    }
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        out.push(if is_unsafe(c) { ' ' } else { c });
    }
    Cow::Owned(out)
}

/// A fraction as written in reports: four decimals, as `format!("{x:.4}")` writes them.
///
/// Reports write millions of them. For a value in [+0, 1] that is not within a millionth of a
/// rounding tie, `x * 10000` rounded is the correctly rounded result (the product's error is
/// below 1e-12), and its digits are written directly; the rest go through `format!`, whose
/// exact path is much slower (tested against it).
pub fn fraction(x: f64) -> String {
    let mut out = Vec::with_capacity(6);
    fraction_into(x, &mut out);
    String::from_utf8(out).expect("a formatted number")
}

/// [`fraction`], appended to `out`.
pub fn fraction_into(x: f64, out: &mut Vec<u8>) {
    if x.is_sign_positive() && x <= 1.0 {
        let scaled = x * 10_000.0;
        let rounded = scaled.round();
        if (scaled - rounded).abs() < 0.499_999 {
            let mut n = rounded as u32;
            let mut digits = [b'0', b'.', b'0', b'0', b'0', b'0'];
            for d in digits[2..].iter_mut().rev() {
                *d = b'0' + (n % 10) as u8;
                n /= 10;
            }
            digits[0] = b'0' + n as u8;
            out.extend_from_slice(&digits);
            return;
        }
    }
    use std::io::Write as _;
    write!(out, "{x:.4}").expect("writing to memory");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_formulas_and_controls() {
        assert_eq!(clean("=HYPERLINK(\"x\")", 100), "'=HYPERLINK(\"x\")");
        assert_eq!(clean("-1+2", 100), "'-1+2");
        assert_eq!(clean("@SUM(A1)", 100), "'@SUM(A1)");
        assert_eq!(clean("a\u{7}b\rc\nd", 100), "a b c\nd");
        assert_eq!(clean("工会工作", 2), "工会…");
        assert!(matches!(clean("普通文本", 100), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{202E}gpj.exe", 100), "a gpj.exe");
        assert_eq!(clean_id("id\0\r\n1"), "id   1");
        assert_eq!(clean_id("=exact, \"as given\""), "=exact, \"as given\"");
    }

    #[test]
    fn fractions_are_written_as_format_writes_them() {
        let check = |x: f64| assert_eq!(fraction(x), format!("{x:.4}"), "{x:e}");
        for k in 0..=10_000u32 {
            let x = k as f64 / 10_000.0;
            // Each step, the ties half a step away, and values next to both.
            let tie = (k as f64 + 0.5) / 10_000.0;
            for y in [
                x,
                tie,
                tie.next_up(),
                tie.next_down(),
                x.next_up(),
                x.next_down(),
            ] {
                check(y);
            }
        }
        let mut state = 7u64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            check((state >> 11) as f64 / (1u64 << 53) as f64);
        }
        // Ratios as the reports compute them.
        for (a, b) in [(1u32, 3u32), (2, 3), (5, 8), (1, 16), (7, 20_000), (1, 1)] {
            check(a as f64 / b as f64);
        }
        for x in [0.0, -0.0, 1.0, 0.99995, 0.00005, 1.5, -0.25, f64::NAN] {
            check(x);
        }
    }

    #[test]
    fn excel_mode_has_bom_and_crlf_and_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut file = CsvFile::create(&path, true, &["id", "text"]).unwrap();
        let mut rows = CsvSink::buffer(&path, true);
        rows.row(&[Cell::Id("-id"), Cell::Text("他说：\"好\",\n然后")])
            .unwrap();
        file.append(&rows.into_bytes().unwrap()).unwrap();
        file.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBFid,text\r\n"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "id,text\r\n'-id,\"他说：\"\"好\"\",\n然后\"\r\n");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[1], "他说：\"好\",\n然后");
    }
}
