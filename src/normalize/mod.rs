//! Normalize: raw page text → the text fingerprints are computed from.
//!
//! Input: a document's raw text. Output: [`Normalized`], the normalized text and the byte range of
//! every non-empty raw line in it (lines are the paragraphs of these pages). Reports keep the raw
//! text; only fingerprints use this one.
//!
//! Steps, in order, per line:
//! 1. NFKC (full-width → half-width), with a fast path for ASCII and common CJK ideographs, which
//!    NFKC leaves alone. Characters are normalized one at a time: combining sequences do not occur
//!    in these pages, and marks are dropped in step 4 anyway.
//! 2. Traditional → simplified at phrase level, Taiwan phrasing back to mainland words
//!    (資訊 → 信息, 專案 → 项目, 社群 → 社区), only on pages detected as traditional ([`zh`]).
//! 3. Lowercase.
//! 4. Everything that is not a letter or digit is dropped (but `*` and a literal `#`):
//!    punctuation, whitespace, symbols, and the stray `` ` `` and `'` that template sites insert.
//! 5. Placeholders fold to one `#`: digit runs, `*`/`***`, `x`/`XX`/`xxxx` not inside a Latin word,
//!    `20xx`, `二Ox`, `二〇一一`. Consecutive placeholders fold to one, so `20xx-xx-xx` is `#`.
//!    Runs are found after step 4, so `二，〇` folds as `二〇` would.
//!
//! Invariants: each line is normalized on its own, so a paragraph normalizes the same alone or
//! inside a page; idempotent per line (normalizing a normalized line changes nothing; the lines of
//! a page are joined without a separator, so placeholders of two lines can meet); traditional and
//! simplified copies of a page come out alike. Cost: one pass that writes the normalized text
//! (stretches of common ideographs are copied as they are; placeholder runs wait for the
//! character after them) and counts the script on the way; a page found traditional is
//! normalized again, converted. About 530 MiB/s in the `normalize/simplified` bench on one core
//! (405 with a pass of its own to detect the script), where traditional pages, with the phrase
//! conversion, normalize at about 110 MiB/s (`normalize/traditional`).

pub mod zh;

use unicode_normalization::UnicodeNormalization;

/// The symbol every placeholder folds to. It is punctuation, so no other text produces it.
pub const PLACEHOLDER: char = '#';

/// One raw line's part of the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Byte range in [`Normalized::text`].
    pub start: u32,
    pub end: u32,
    /// 1-based line number in the raw text.
    pub line: u32,
}

/// A normalized document. Reused across documents to avoid allocation.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    pub text: String,
    /// Non-empty lines only, in order.
    pub lines: Vec<Line>,
    /// Whether the page was detected as traditional Chinese and converted.
    pub traditional: bool,
    /// Characters of the raw text.
    pub raw_chars: u32,
    /// Characters of the normalized text.
    pub chars: u32,
    scratch: zh::Scratch,
    fold: Fold,
}

impl Normalized {
    pub fn new() -> Self {
        Self::default()
    }
}

/// The raw lines of `text`, as `text.split('\n')` gives them, the newlines found with the memchr
/// crate's vectorized search (std's took 2.7 % of a scan's samples; every stage that reads a
/// page reads it line by line).
pub fn raw_lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    ends.map(move |end| {
        // Newlines are ASCII: both ends are character boundaries.
        let line = &text[start..end];
        start = end + 1;
        line
    })
}

/// Normalizes `raw` into `out` (cleared first).
pub fn normalize_document(raw: &str, out: &mut Normalized) {
    normalize_document_skipping(raw, out, |_, _| false);
}

/// Normalizes `raw` into `out` without the raw lines for which `skip(index, line)` is true
/// (boilerplate; `index` counts from 0).
pub fn normalize_document_skipping(
    raw: &str,
    out: &mut Normalized,
    mut skip: impl FnMut(usize, &str) -> bool,
) {
    out.raw_chars = raw.chars().count() as u32;
    let mut scratch = std::mem::take(&mut out.scratch);
    let mut fold = std::mem::take(&mut out.fold);
    // The page is normalized as simplified text, which reads every character, counting the
    // script on the way (skipped lines are counted apart); a page found traditional
    // ([`zh::is_traditional`] of the whole raw text) is normalized again, converted.
    let mut tally = zh::Tally::default();
    for traditional in [false, true] {
        out.text.clear();
        out.lines.clear();
        out.traditional = traditional;
        for (index, line) in raw_lines(raw).enumerate() {
            if skip(index, line) {
                if !traditional {
                    tally.text(line);
                }
                continue;
            }
            let start = out.text.len();
            line_into(
                line,
                traditional,
                &mut scratch,
                &mut fold,
                &mut out.text,
                &mut tally,
            );
            if out.text.len() > start {
                out.lines.push(Line {
                    start: start as u32,
                    end: out.text.len() as u32,
                    line: index as u32 + 1,
                });
            }
        }
        if !tally.traditional() {
            break;
        }
    }
    out.chars = out.text.chars().count() as u32;
    out.scratch = scratch;
    out.fold = fold;
}

/// Normalizes one raw line of a page on its own into `out` (cleared first), exactly as it
/// normalizes inside the page: `traditional` is the page's [`Normalized::traditional`].
pub fn normalize_line(line: &str, traditional: bool, out: &mut String) {
    out.clear();
    line_into(
        line,
        traditional,
        &mut zh::Scratch::default(),
        &mut Fold::default(),
        out,
        &mut zh::Tally::default(),
    );
}

/// Appends the normalized `line` to `out`; a line that is not converted has its characters
/// counted in `tally`.
fn line_into(
    line: &str,
    traditional: bool,
    scratch: &mut zh::Scratch,
    fold: &mut Fold,
    out: &mut String,
    tally: &mut zh::Tally,
) {
    fold.start();
    if traditional {
        nfkc_into(line, scratch.chars());
        // The converted text is NFKC already (the tables map ideographs to ideographs), so
        // the pass for text that is not converted keeps of it what this would keep, with its
        // fast path for plain ideographs.
        nfkc_fold(scratch.convert(), fold, out, &mut zh::Tally::default());
    } else {
        nfkc_fold(line, fold, out, tally);
    }
    fold.finish(out);
}

/// Normalizes a text and returns only the normalized string.
pub fn normalize(raw: &str) -> String {
    let mut out = Normalized::new();
    normalize_document(raw, &mut out);
    out.text
}

fn nfkc_into(line: &str, out: &mut Vec<char>) {
    for c in line.chars() {
        match c {
            '\0'..='\u{7f}' | '\u{4e00}'..='\u{9fff}' => out.push(c),
            // Full-width ASCII forms map to ASCII under NFKC; the ideographic space to a space.
            '\u{ff01}'..='\u{ff5e}' => out.push(char::from_u32(c as u32 - 0xfee0).unwrap()),
            '\u{3000}' => out.push(' '),
            _ => out.extend(std::iter::once(c).nfkc()),
        }
    }
}

/// NFKC of `line` into `fold`, without the characters it drops (pages that are not converted):
/// what [`nfkc_into`] writes and [`is_kept`] keeps, without writing it.
fn nfkc_fold(line: &str, fold: &mut Fold, out: &mut String, tally: &mut zh::Tally) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A stretch of common CJK ideographs that are not numerals, most of the text: copied.
        let start = i;
        // Counted in a local, not through the tally on every character.
        let mut traditional = 0;
        while i + 3 <= bytes.len()
            && let Some(c) = plain_han(&bytes[i..i + 3])
        {
            traditional += tally.is_traditional_only(c) as usize;
            i += 3;
        }
        if i > start {
            tally.ideographs((i - start) / 3, traditional);
            fold.plain(&line[start..i], out);
            continue;
        }
        let c = line[i..].chars().next().expect("within the line");
        i += c.len_utf8();
        tally.char(c);
        match c {
            // Common CJK ideographs, most of the text.
            '\u{4e00}'..='\u{9fff}' => fold.kept(c, out),
            '\0'..='\u{7f}' => {
                if is_kept(c) {
                    fold.kept(c, out);
                }
            }
            '\u{ff01}'..='\u{ff5e}' => {
                let c = char::from_u32(c as u32 - 0xfee0).unwrap();
                if is_kept(c) {
                    fold.kept(c, out);
                }
            }
            // A space, and the commonest CJK and general punctuation: NFKC leaves these as they
            // are and they are dropped (tested), without the decomposition iterator and the
            // Unicode tables of `is_kept`.
            '\u{3000}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{2018}'..='\u{201d}'
            | '\u{2013}'..='\u{2014}' => {}
            _ => {
                for c in std::iter::once(c).nfkc() {
                    if is_kept(c) {
                        fold.kept(c, out);
                    }
                }
            }
        }
    }
}

/// Whether normalization keeps `c`: letters, digits, `*` and a literal `#`.
#[inline]
fn is_kept(c: char) -> bool {
    // Common CJK ideographs first: most of the text, and a slow table lookup otherwise.
    ('\u{4e00}'..='\u{9fff}').contains(&c)
        || c.is_ascii_alphanumeric()
        || c == '*'
        || c == PLACEHOLDER
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Chinese numerals that, next to an `O`/`〇`/`零` or a digit, spell a number (二Ox, 二〇一一).
const fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

fn is_run_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, 'x' | 'X' | '*' | 'o' | 'O' | PLACEHOLDER) || is_cn_numeral(c)
}

/// Placeholder folding and lowercasing of the characters normalization keeps of one line, one
/// character at a time (see the module docs).
///
/// Dropped characters never reach it, so runs are found in what is left and the output, read
/// again, has the same runs with the same neighbours: normalizing is idempotent. A run of
/// placeholder characters is held until the character after it is known (whether it touches a
/// Latin letter decides how it folds); everything else is written at once.
#[derive(Debug, Default, Clone)]
struct Fold {
    /// The run being read.
    run: Vec<char>,
    /// The character before the run is an ASCII letter.
    before_letter: bool,
    /// The last character that is not part of a run is an ASCII letter (and came last).
    last_letter: bool,
    /// The last thing written is a placeholder.
    last_placeholder: bool,
}

/// The code point of the three bytes of UTF-8 at the start of `b` (a character boundary of
/// valid UTF-8) if they are a common CJK ideograph (U+4E00..U+9FFF) that is not a Chinese
/// numeral: one bit of [`PLAIN_HAN`] (comparing with each numeral instead: the
/// `normalize/simplified` bench at 279 MiB/s against 376).
#[inline]
fn plain_han(b: &[u8]) -> Option<usize> {
    let (b0, b1, b2) = (b[0], b[1], b[2]);
    if !(0xe4..=0xe9).contains(&b0) {
        return None;
    }
    let c = ((b0 as usize & 0x0f) << 12) | ((b1 as usize & 0x3f) << 6) | (b2 as usize & 0x3f);
    (PLAIN_HAN[c / 64] >> (c % 64) & 1 != 0).then_some(c)
}

/// One bit per character of the Basic Multilingual Plane: whether it is a common CJK ideograph
/// that is not a Chinese numeral ([`is_cn_numeral`]).
static PLAIN_HAN: [u64; 0x10000 / 64] = {
    let mut bits = [0u64; 0x10000 / 64];
    let mut c = 0x4e00;
    while c <= 0x9fff {
        if let Some(ch) = char::from_u32(c as u32)
            && !is_cn_numeral(ch)
        {
            bits[c / 64] |= 1 << (c % 64);
        }
        c += 1;
    }
    bits
};

impl Fold {
    /// Common CJK ideographs that are not numerals ([`is_plain_han`]), as they are.
    #[inline]
    fn plain(&mut self, text: &str, out: &mut String) {
        if !self.run.is_empty() {
            self.flush(false, out);
        }
        out.push_str(text);
        self.last_placeholder = false;
        self.last_letter = false;
    }

    fn start(&mut self) {
        self.run.clear();
        self.last_letter = false;
        self.last_placeholder = false;
    }

    #[inline]
    fn kept(&mut self, c: char, out: &mut String) {
        if ('\u{4e00}'..='\u{9fff}').contains(&c) && !is_cn_numeral(c) {
            // Common CJK ideographs, most of the text: letters, no case.
            if !self.run.is_empty() {
                self.flush(false, out);
            }
            out.push(c);
            self.last_placeholder = false;
            self.last_letter = false;
            return;
        }
        if is_run_char(c) {
            if self.run.is_empty() {
                self.before_letter = self.last_letter;
            }
            self.run.push(c);
            return;
        }
        let letter = c.is_ascii_alphabetic();
        if !self.run.is_empty() {
            self.flush(letter, out);
        }
        push_lower(c, out);
        self.last_placeholder = false;
        self.last_letter = letter;
    }

    fn finish(&mut self, out: &mut String) {
        if !self.run.is_empty() {
            self.flush(false, out);
        }
    }

    /// Writes the run; `after_letter`: the character after it is an ASCII letter.
    fn flush(&mut self, after_letter: bool, out: &mut String) {
        let run = std::mem::take(&mut self.run);
        let last = &mut self.last_placeholder;
        let placeholder = |out: &mut String, last: &mut bool| {
            if !*last {
                out.push(PLACEHOLDER);
            }
            *last = true;
        };
        let marker = run
            .iter()
            .any(|&c| c.is_ascii_digit() || matches!(c, 'x' | 'X' | '*' | PLACEHOLDER));
        let zero_like = run.iter().any(|c| matches!(c, 'o' | 'O' | '〇' | '零'));
        let numeral = run
            .iter()
            .any(|&c| is_cn_numeral(c) && !matches!(c, '〇' | '零'));
        if self.before_letter || after_letter {
            // Part of a Latin word such as "box" or "mp3": letters stay, digits still fold.
            for &c in &run {
                if c.is_ascii_digit() || matches!(c, '*' | PLACEHOLDER) {
                    placeholder(out, last);
                } else {
                    push_lower(c, out);
                    *last = false;
                }
            }
        } else if marker || (zero_like && numeral && run.len() >= 2) {
            placeholder(out, last);
        } else {
            for &c in &run {
                push_lower(c, out);
            }
            *last = false;
        }
        self.run = run;
        self.run.clear();
        self.last_letter = false;
    }
}

fn push_lower(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if c.is_uppercase() {
        // Lowercasing can add a combining mark (İ → i̇), which a second pass would drop.
        out.extend(c.to_lowercase().filter(|c| c.is_alphanumeric()));
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain reference of normalizing a line that is not converted: NFKC, then the kept
    /// characters, then folding over the whole line at once.
    fn reference_line(line: &str) -> String {
        let mut nfkc = Vec::new();
        nfkc_into(line, &mut nfkc);
        let nfkc: String = nfkc.into_iter().collect();
        let mut chars = Vec::new();
        let mut out = String::new();
        fold_into(&nfkc, &mut chars, &mut out);
        out
    }

    /// Placeholder folding, lowercasing and filtering of one line (see the module docs).
    ///
    /// Characters that are dropped are removed first, and runs are found in what is left, so the
    /// output, read again, has the same runs with the same neighbours: normalizing is idempotent.
    fn fold_into(line: &str, chars: &mut Vec<char>, out: &mut String) {
        chars.clear();
        chars.extend(line.chars().filter(|&c| is_kept(c)));
        fold_chars(chars, out);
    }

    /// [`fold_into`] of the characters it keeps.
    fn fold_chars(chars: &[char], out: &mut String) {
        let mut last_placeholder = false;
        let placeholder = |out: &mut String, last: &mut bool| {
            if !*last {
                out.push(PLACEHOLDER);
            }
            *last = true;
        };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if ('\u{4e00}'..='\u{9fff}').contains(&c) && !is_cn_numeral(c) {
                // Common CJK ideographs, most of the text: letters, no case.
                out.push(c);
                last_placeholder = false;
                i += 1;
                continue;
            }
            if !is_run_char(c) {
                push_lower(c, out);
                last_placeholder = false;
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < chars.len() && is_run_char(chars[j]) {
                j += 1;
            }
            let run = &chars[i..j];
            let in_word = |k: Option<&char>| k.is_some_and(|c| c.is_ascii_alphabetic());
            let touches_letter =
                in_word(i.checked_sub(1).map(|p| &chars[p])) || in_word(chars.get(j));
            let marker = run
                .iter()
                .any(|&c| c.is_ascii_digit() || matches!(c, 'x' | 'X' | '*' | PLACEHOLDER));
            let zero_like = run.iter().any(|c| matches!(c, 'o' | 'O' | '〇' | '零'));
            let numeral = run
                .iter()
                .any(|&c| is_cn_numeral(c) && !matches!(c, '〇' | '零'));
            if touches_letter {
                // Part of a Latin word such as "box" or "mp3": letters stay, digits still fold.
                for &c in run {
                    if c.is_ascii_digit() || matches!(c, '*' | PLACEHOLDER) {
                        placeholder(out, &mut last_placeholder);
                    } else {
                        push_lower(c, out);
                        last_placeholder = false;
                    }
                }
            } else if marker || (zero_like && numeral && run.len() >= 2) {
                placeholder(out, &mut last_placeholder);
            } else {
                for &c in run {
                    push_lower(c, out);
                }
                last_placeholder = false;
            }
            i = j;
        }
    }

    #[test]
    fn a_line_normalizes_alone_as_inside_its_page() {
        let page = "資訊專案：20xx年工作\n第二行 ABC，社群活動\n\n  ";
        let mut doc = Normalized::new();
        normalize_document(page, &mut doc);
        assert!(doc.traditional);
        let mut alone = String::new();
        for line in &doc.lines {
            let raw = page.split('\n').nth(line.line as usize - 1).unwrap();
            normalize_line(raw, doc.traditional, &mut alone);
            assert_eq!(alone, &doc.text[line.start as usize..line.end as usize]);
        }
        assert_eq!(doc.lines.len(), 2);
    }

    #[test]
    fn one_pass_equals_the_plain_reference() {
        let alphabet: Vec<char> = "工会总结二〇一零OoXx*#1２３ＡＢｃ，。！　 \t①ﬁ㈱Å\u{301}İß½ⅧＷ\u{3000}\u{ff5e}\u{ff01}한🙂、。“”《》【】—–‘’〃…ab"
            .chars()
            .collect();
        let mut state = 23u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let mut out = String::new();
        for _ in 0..20_000 {
            let line: String = (0..next(30))
                .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                .collect();
            normalize_line(&line, false, &mut out);
            assert_eq!(out, reference_line(&line), "{line:?}");
        }
        // And every line of the seed pages.
        let mut lines = 0;
        for text in crate::testing::seed_pages() {
            for line in text.lines() {
                normalize_line(line, false, &mut out);
                assert_eq!(out, reference_line(line), "{line:?}");
                lines += 1;
            }
        }
        assert!(lines > 500, "{lines}");
    }

    #[test]
    fn plain_han_bytes_are_the_plain_han_characters() {
        let mut buf = [0u8; 4];
        let mut plain = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let expected = ('\u{4e00}'..='\u{9fff}').contains(&c) && !is_cn_numeral(c);
            let padded = [bytes, &[0, 0][..]].concat();
            assert_eq!(plain_han(&padded).is_some(), expected, "{c:?}");
            plain += expected as u32;
        }
        assert_eq!(plain, 0x9fff - 0x4e00 + 1 - 11);
    }

    #[test]
    fn punctuation_dropped_without_nfkc_is_dropped_by_it() {
        let ranges = [
            '\u{3001}'..='\u{3003}',
            '\u{3008}'..='\u{3011}',
            '\u{2018}'..='\u{201d}',
            '\u{2013}'..='\u{2014}',
        ];
        for c in ranges.into_iter().flatten() {
            let mut scratch = String::new();
            scratch.extend(std::iter::once(c).nfkc());
            assert!(!scratch.chars().any(is_kept), "{c:?} -> {scratch:?}");
            let mut out = String::from("x");
            normalize_line(&c.to_string(), false, &mut out);
            assert!(out.is_empty(), "{c:?}");
        }
    }

    #[test]
    fn full_width_punctuation_and_case() {
        assert_eq!(normalize("Ｗｏｒｄ，工会。ＡＢＣ abc！"), "word工会abcabc");
        assert_eq!(normalize("  工\t会\r\n  "), "工会");
    }

    #[test]
    fn placeholders_fold() {
        assert_eq!(
            normalize("截至11月底，实现业务收入*万余元，同比增长*%"),
            "截至#月底实现业务收入#万余元同比增长#"
        );
        assert_eq!(normalize("20xx年x月x日"), "#年#月#日");
        assert_eq!(normalize("二Ox年XX公司xxxx"), "#年#公司#");
        assert_eq!(normalize("二〇一一年"), normalize("2011年"));
        assert_eq!(normalize("xx-xx"), "#");
        assert_eq!(normalize("***单位"), "#单位");
        // Latin words keep their letters; Chinese numerals in words stay.
        assert_eq!(normalize("Excel box"), "excelbox");
        assert_eq!(
            normalize("十七届三中全会，一是深入开展"),
            "十七届三中全会一是深入开展"
        );
    }

    #[test]
    fn idempotent_where_dropping_makes_neighbours() {
        // Punctuation between parts of a placeholder, marks and symbols inside Latin words.
        for text in [
            "二，〇工工",
            "O\u{301}一",
            "a①x",
            "b-xx",
            "a*x",
            "İx1",
            "x-2-o",
        ] {
            let once = normalize(text);
            assert_eq!(normalize(&once), once, "{text:?}");
        }
        assert_eq!(normalize("二，〇工工"), "#工工");
    }

    #[test]
    fn stray_marks_are_dropped() {
        assert_eq!(
            normalize("加强`医务人员'医德医风建设"),
            "加强医务人员医德医风建设"
        );
    }

    #[test]
    fn lines_map_to_raw_line_numbers() {
        let mut out = Normalized::new();
        normalize_document("标题\n\n  \n第一段，内容。\n第二段", &mut out);
        assert_eq!(out.text, "标题第一段内容第二段");
        let spans: Vec<_> = out
            .lines
            .iter()
            .map(|l| (&out.text[l.start as usize..l.end as usize], l.line))
            .collect();
        assert_eq!(spans, [("标题", 1), ("第一段内容", 4), ("第二段", 5)]);
        assert_eq!(out.raw_chars, 18);
        assert_eq!(out.chars, 10);
    }

    #[test]
    fn traditional_and_simplified_copies_normalize_alike() {
        let seed = std::fs::read_to_string("../shared/seeds/001_27848082a643c5e6.txt").unwrap();
        let article: String = seed
            .lines()
            .filter(|l| l.chars().count() > 40)
            .take(12)
            .collect::<Vec<_>>()
            .join("\n");
        let traditional = hanconv::s2twp(&article);
        let (a, b) = (normalize(&article), normalize(&traditional));
        let same = a.chars().zip(b.chars()).filter(|(x, y)| x == y).count();
        assert!(a.chars().count() > 300);
        assert_eq!(a.chars().count(), b.chars().count(), "{a}\n{b}");
        assert!(same as f64 / a.chars().count() as f64 > 0.99, "{a}\n{b}");
    }

    /// A converted line, normalized by the plain steps: NFKC, conversion, then the characters
    /// kept, one at a time, through the fold.
    fn reference_traditional_line(line: &str) -> String {
        let mut nfkc = Vec::new();
        nfkc_into(line, &mut nfkc);
        let nfkc: String = nfkc.into_iter().collect();
        let (mut fold, mut out) = (Fold::default(), String::new());
        for c in zh::to_simplified(&nfkc).chars() {
            if is_kept(c) {
                fold.kept(c, &mut out);
            }
        }
        fold.finish(&mut out);
        out
    }

    #[test]
    fn converted_lines_normalize_as_the_plain_steps_do() {
        let mut out = String::new();
        let mut lines = 0;
        for text in crate::testing::seed_pages() {
            // Every seed line as if its page were traditional, and converted forward first.
            for line in text.lines().chain(hanconv::s2twp(&text).lines()) {
                normalize_line(line, true, &mut out);
                assert_eq!(out, reference_traditional_line(line), "{line}");
                lines += 1;
            }
        }
        for line in [
            "二Ｏ一一年，資訊ＸＸ專案２０xx",
            "ＡＢｃ１２３ｘ社群",
            "㈱①ﬁ…　",
        ] {
            normalize_line(line, true, &mut out);
            assert_eq!(out, reference_traditional_line(line), "{line}");
        }
        assert!(lines > 1000, "{lines}");
    }

    #[test]
    fn the_script_counted_on_the_way_is_the_script_of_the_page() {
        let mut out = Normalized::new();
        let mut pages = 0;
        for text in crate::testing::seed_pages() {
            // Each page, its forward conversion, and a page of simplified chrome with a
            // traditional article (the script is the whole page's, skipped lines included).
            let converted = hanconv::s2twp(&text);
            let half: String = text
                .lines()
                .take(text.lines().count() / 2)
                .collect::<Vec<_>>()
                .join("\n");
            let mixed = format!("{half}\n{converted}");
            for page in [&text, &converted, &mixed] {
                let script = zh::script(page);
                for every in [0, 2, 3] {
                    let skip = |i: usize, _: &str| every > 0 && i % every == 0;
                    normalize_document_skipping(page, &mut out, skip);
                    assert_eq!(out.traditional, script.traditional);
                    assert_eq!(out.raw_chars, script.chars);
                    let mut expected = String::new();
                    for (i, line) in page.split('\n').enumerate() {
                        if !skip(i, line) {
                            let mut one = String::new();
                            normalize_line(line, script.traditional, &mut one);
                            expected.push_str(&one);
                        }
                    }
                    assert_eq!(out.text, expected);
                }
                pages += script.traditional as usize;
            }
        }
        assert!(pages >= 6, "{pages} traditional pages");
    }

    #[test]
    fn raw_lines_are_the_lines_split_gives() {
        for text in ["", "\n", "a", "a\n", "\na", "一\n\n二\r\n三", "工会\n"] {
            assert_eq!(
                raw_lines(text).collect::<Vec<_>>(),
                text.split('\n').collect::<Vec<_>>(),
                "{text:?}"
            );
        }
        for text in crate::testing::seed_pages() {
            assert!(raw_lines(&text).eq(text.split('\n')));
        }
    }

    #[test]
    fn idempotent_on_every_line_of_the_seed_pages() {
        let mut out = Normalized::new();
        for text in crate::testing::seed_pages() {
            normalize_document(&text, &mut out);
            assert!(out.lines.len() > 50);
            for line in &out.lines {
                let once = &out.text[line.start as usize..line.end as usize];
                assert_eq!(normalize(once), once, "line {}", line.line);
            }
        }
    }
}
