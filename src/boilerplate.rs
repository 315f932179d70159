//! Boilerplate: lines that recur on many pages of one site, learned from the corpus itself.
//!
//! Input: every page's raw lines and its site. Output: the set of (site, line key) pairs that are
//! boilerplate: a line found on at least [`MIN_PAGES`] pages of its site and on at least
//! [`MIN_SHARE`] of them (search boxes, breadcrumbs, meta lines, download prompts, ad lines that a
//! site injects into its pages). The pipeline leaves these lines out of page fingerprints, so
//! copies on different sites stop looking different because of their chrome. Nothing is matched
//! by literal strings.
//!
//! The line key ignores whitespace and folds digit runs, so a meta line with a date
//! (`时间:2017-08-14 19:57:58 作者:小编`) has one key on every page. Invariant: a line is
//! boilerplate only on its own site; pages without a site learn nothing. Cost: one xxh3 per raw
//! line and a sort of (site, key, page) triples.
//!
//! Two rules need no learning: a short line with a web address ([`has_web_address`]: a site's
//! name in its header, an ad for another site) and a line matching one of the user's
//! `--boilerplate-patterns`.

use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_64;

/// A line must be on at least this many pages of its site to be boilerplate.
pub const MIN_PAGES: u32 = 4;
/// ... and on at least this share of the site's pages.
pub const MIN_SHARE: f64 = 0.2;

/// The key of a raw line: whitespace removed, digit runs folded; `None` for a blank line.
///
/// Chinese text is mostly bytes of multi-byte characters: blocks of 16 bytes without one that
/// could be whitespace or a digit are passed with one (vectorized) test each. A line of such
/// blocks and a clean rest is hashed where it lies; any other is folded into the thread's
/// buffer, its clean blocks copied whole. Against a buffer on the stack zeroed for every line
/// and a vector allocated for every line longer than it: 0.97 -> 1.10 GiB/s in the
/// `boilerplate` bench (criterion medians).
pub fn line_key(line: &str) -> Option<u64> {
    const BLOCK: usize = 16;
    let clean = |bytes: &[u8]| {
        !bytes
            .iter()
            .fold(false, |any, &b| any | (b <= b' ') | b.is_ascii_digit())
    };
    let bytes = line.as_bytes();
    let mut prefix = 0;
    while prefix + BLOCK <= bytes.len() && clean(&bytes[prefix..prefix + BLOCK]) {
        prefix += BLOCK;
    }
    let rest = &bytes[prefix..];
    if rest.len() < BLOCK && clean(rest) {
        return (!bytes.is_empty()).then(|| xxh3_64(bytes));
    }
    FOLDED.with_borrow_mut(|folded| {
        folded.clear();
        folded.reserve(bytes.len());
        folded.extend_from_slice(&bytes[..prefix]);
        let mut last_digit = false;
        let mut blocks = rest.chunks_exact(BLOCK);
        for block in &mut blocks {
            if clean(block) {
                folded.extend_from_slice(block);
                last_digit = false;
            } else {
                fold_bytes(block, folded, &mut last_digit);
            }
        }
        fold_bytes(blocks.remainder(), folded, &mut last_digit);
        (!folded.is_empty()).then(|| xxh3_64(folded))
    })
}

thread_local! {
    /// A line being folded by [`line_key`].
    static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Appends `bytes` to `folded` without whitespace, a digit run as one `0`.
#[inline]
fn fold_bytes(bytes: &[u8], folded: &mut Vec<u8>, last_digit: &mut bool) {
    for &b in bytes {
        if b.is_ascii_whitespace() {
            continue;
        }
        if b.is_ascii_digit() {
            if !*last_digit {
                folded.push(b'0');
            }
            *last_digit = true;
        } else {
            folded.push(b);
            *last_digit = false;
        }
    }
}

/// The distinct line keys of a page.
pub fn page_keys(text: &str) -> Vec<u64> {
    let mut keys = Vec::new();
    line_keys_into(text, &mut keys);
    distinct_keys(&keys)
}

/// The key of a blank line where keys are kept for every line ([`line_keys_into`]). A line whose
/// key is this value (once in 2^64 lines) is taken for a blank one: it is never learned.
pub const NO_KEY: u64 = 0;

/// Appends the key of every raw line of `text`, in order, [`NO_KEY`] for a blank line.
pub fn line_keys_into(text: &str, out: &mut Vec<u64>) {
    out.extend(crate::normalize::raw_lines(text).map(|line| line_key(line).unwrap_or(NO_KEY)));
}

/// The distinct keys of a page from its [`line_keys_into`], as [`page_keys`] gives them.
pub fn distinct_keys(line_keys: &[u64]) -> Vec<u64> {
    let mut keys: Vec<u64> = line_keys.iter().copied().filter(|&k| k != NO_KEY).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Lines with a web address and at most this many characters are site chrome: a site's name in
/// a header, a footer link, an ad for another site (`www.x.com【x.com范文网】`).
pub const WEB_LINE_MAX_CHARS: usize = 60;

/// Whether `line` contains a host name such as `www.gz85.com` or `Gz85.com`: ASCII labels of
/// letters, digits and `-` joined by dots, the last one 2–6 letters long.
pub fn has_web_address(line: &str) -> bool {
    let bytes = line.as_bytes();
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let mut i = 0;
    while i < bytes.len() {
        if !label(bytes[i]) {
            i += 1;
            continue;
        }
        // A run of labels and dots.
        let start = i;
        while i < bytes.len() && (label(bytes[i]) || bytes[i] == b'.') {
            i += 1;
        }
        let token = line[start..i].trim_matches('.');
        let Some(tld) = token.rsplit('.').next() else {
            continue;
        };
        // Placeholders (`xx.XX万元`) are not names: a name has a letter other than x.
        let named = |label: &str| {
            label
                .bytes()
                .any(|b| b.is_ascii_alphabetic() && b != b'x' && b != b'X')
        };
        let mut labels = token.split('.');
        let first = labels.next().unwrap_or("");
        if token.contains('.')
            && !first.is_empty()
            && (2..=6).contains(&tld.len())
            && tld.bytes().all(|b| b.is_ascii_alphabetic())
            && named(tld)
            && token.split('.').all(|p| !p.is_empty())
            && token.split('.').rev().skip(1).any(named)
        {
            return true;
        }
    }
    false
}

/// Patterns a user gives for lines that are boilerplate on every site (`--boilerplate-patterns`).
#[derive(Debug, Clone)]
pub struct Patterns {
    set: regex::RegexSet,
}

impl Patterns {
    /// Reads one regular expression per line; blank lines and lines starting with `#` are skipped.
    /// An error names the line of the bad pattern.
    pub fn parse(text: &str) -> Result<Patterns, String> {
        let mut patterns = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            regex::Regex::new(line).map_err(|e| format!("line {}: {e}", index + 1))?;
            patterns.push(line.to_string());
        }
        let set = regex::RegexSet::new(&patterns).map_err(|e| e.to_string())?;
        Ok(Patterns { set })
    }

    pub fn is_match(&self, line: &str) -> bool {
        self.set.is_match(line.trim())
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// The boilerplate lines of a corpus: learned per site, lines with a web address, and the user's
/// patterns.
#[derive(Debug, Default, Clone)]
pub struct Boilerplate {
    /// Looked up for every raw line of every page, several times a scan: a fast hash (the keys
    /// are xxh3 values already).
    lines: FxHashSet<(u32, u64)>,
    /// Short lines with a web address are boilerplate on every site.
    pub web_lines: bool,
    pub patterns: Option<Patterns>,
}

impl Boilerplate {
    /// Learns from `keys[page]` (distinct line keys) and `site[page]` (`None`: no site).
    pub fn learn(keys: Vec<Vec<u64>>, site: &[Option<u32>]) -> Boilerplate {
        let mut entries = Boilerplate::entries(keys, site);
        entries.sort_unstable();
        Boilerplate::learn_sorted(entries, &Boilerplate::pages_of_site(site))
    }

    /// The `(key, site)` table [`Boilerplate::learn_sorted`] learns from, unsorted: each page's
    /// distinct line keys (`keys[page]`) with its site, pages without a site left out.
    pub fn entries(keys: Vec<Vec<u64>>, site: &[Option<u32>]) -> Vec<(u64, u32)> {
        keys.into_iter()
            .zip(site)
            .filter_map(|(keys, &site)| Some((keys, site?)))
            .flat_map(|(keys, site)| keys.into_iter().map(move |k| (k, site)))
            .collect()
    }

    /// How many pages each site has.
    pub fn pages_of_site(site: &[Option<u32>]) -> Vec<u32> {
        let mut pages: Vec<u32> = Vec::new();
        for &site in site.iter().flatten() {
            if pages.len() <= site as usize {
                pages.resize(site as usize + 1, 0);
            }
            pages[site as usize] += 1;
        }
        pages
    }

    /// Learns from `(key, site)` for the distinct line keys of every page with a site, in sorted
    /// order (as a run-file merge yields them), and the [`Boilerplate::pages_of_site`].
    pub fn learn_sorted(
        entries: impl IntoIterator<Item = (u64, u32)>,
        pages_of_site: &[u32],
    ) -> Boilerplate {
        let mut lines = FxHashSet::default();
        // Keys are distinct within a page, so equal (key, site) entries are distinct pages.
        let mut decide = |(key, site): (u64, u32), pages: u32| {
            let of_site = pages_of_site[site as usize];
            if pages >= MIN_PAGES && pages as f64 >= MIN_SHARE * of_site as f64 {
                lines.insert((site, key));
            }
        };
        let mut current = None;
        let mut pages = 0;
        for entry in entries {
            if current == Some(entry) {
                pages += 1;
                continue;
            }
            if let Some(done) = current {
                decide(done, pages);
            }
            current = Some(entry);
            pages = 1;
        }
        if let Some(done) = current {
            decide(done, pages);
        }
        Boilerplate {
            lines,
            web_lines: false,
            patterns: None,
        }
    }

    /// Also counts short lines with a web address ([`has_web_address`]) as boilerplate.
    pub fn with_web_lines(mut self, on: bool) -> Self {
        self.web_lines = on;
        self
    }

    /// Also counts lines matching one of `patterns` as boilerplate.
    pub fn with_patterns(mut self, patterns: Option<Patterns>) -> Self {
        self.patterns = patterns;
        self
    }

    /// Whether a raw line of a page of `site` is boilerplate.
    pub fn contains(&self, site: Option<u32>, line: &str) -> bool {
        self.contains_keyed(site, line, || line_key(line).unwrap_or(NO_KEY))
    }

    /// [`Boilerplate::contains`], with the line's key ([`NO_KEY`] for a blank line) from `key`,
    /// called only when the key is looked up: a key kept from the boilerplate stage, not made
    /// again.
    pub fn contains_keyed(&self, site: Option<u32>, line: &str, key: impl FnOnce() -> u64) -> bool {
        if let (Some(site), false) = (site, self.lines.is_empty()) {
            let key = key();
            if key != NO_KEY && self.lines.contains(&(site, key)) {
                return true;
            }
        }
        if self.web_lines
            && line.len() <= WEB_LINE_MAX_CHARS * 4
            && line.chars().count() <= WEB_LINE_MAX_CHARS
            && has_web_address(line)
        {
            return true;
        }
        self.patterns.as_ref().is_some_and(|p| p.is_match(line))
    }

    /// How many (site, line) pairs were learned.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line can be boilerplate.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
            && !self.web_lines
            && self.patterns.as_ref().is_none_or(|p| p.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_whitespace_and_numbers() {
        assert_eq!(
            line_key("时间:2017-08-14 19:57:58 作者:小编"),
            line_key("时间:2019-5-1 9:00:01  作者:小编")
        );
        assert_ne!(
            line_key("时间:2017 作者:小编"),
            line_key("时间:2017 作者:编辑")
        );
        assert_eq!(line_key("  \t "), None);
    }

    /// The plain reference: one byte at a time into a `Vec`.
    fn line_key_reference(line: &str) -> Option<u64> {
        let mut folded = Vec::new();
        let mut last_digit = false;
        for &b in line.as_bytes() {
            if b.is_ascii_whitespace() {
                continue;
            }
            if b.is_ascii_digit() {
                if !last_digit {
                    folded.push(b'0');
                }
                last_digit = true;
            } else {
                folded.push(b);
                last_digit = false;
            }
        }
        (!folded.is_empty()).then(|| xxh3_64(&folded))
    }

    #[test]
    fn block_keys_equal_the_plain_reference() {
        let pieces = [
            "工会工作总结",
            "，",
            " ",
            "\t",
            "\u{b}",
            "\r",
            "12",
            "7",
            "ab",
            "\u{c}",
            "!",
        ];
        let mut state = 17u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for _ in 0..5_000 {
            let mut line = String::new();
            // Up to about 1,400 bytes: past the stack buffer too.
            for _ in 0..next(80) {
                let piece = pieces[if next(3) == 0 { next(11) } else { 0 } as usize];
                for _ in 0..1 + next(4) {
                    line.push_str(piece);
                }
            }
            assert_eq!(line_key(&line), line_key_reference(&line), "{line:?}");
        }
    }

    #[test]
    fn kept_line_keys_give_the_page_keys_and_the_same_answers() {
        let pages = crate::testing::seed_pages();
        let sites = vec![Some(0); pages.len()];
        let mut keyed = Vec::new();
        for text in &pages {
            let mut keys = Vec::new();
            line_keys_into(text, &mut keys);
            assert_eq!(keys.len(), text.split('\n').count());
            assert!(keys.contains(&NO_KEY), "blank lines have no key");
            let mut plain: Vec<u64> = text.split('\n').filter_map(line_key).collect();
            plain.sort_unstable();
            plain.dedup();
            assert_eq!(distinct_keys(&keys), plain);
            keyed.push(keys);
        }
        // Every page on one site: lines on four of the five pages are learned.
        let learned = Boilerplate::learn(pages.iter().map(|t| page_keys(t)).collect(), &sites)
            .with_web_lines(true);
        let mut boilerplate = 0;
        for (text, keys) in pages.iter().zip(&keyed) {
            for (line, &key) in text.split('\n').zip(keys) {
                let plain = learned.contains(Some(0), line);
                assert_eq!(
                    learned.contains_keyed(Some(0), line, || key),
                    plain,
                    "{line}"
                );
                boilerplate += plain as usize;
            }
        }
        assert!(boilerplate > 0, "{boilerplate}");
    }

    #[test]
    fn learns_lines_repeated_across_a_site() {
        let page = |body: &str| {
            page_keys(&format!(
                "搜索\n{body}\n将本文档下载到自己电脑,方便修改和收藏。\n"
            ))
        };
        // Site 0: five pages with the same chrome, different bodies; one body copied twice.
        let mut keys: Vec<Vec<u64>> = (0..5)
            .map(|i| {
                page(&format!(
                    "第{}篇报告正文{}",
                    "甲乙丙丁戊".chars().nth(i).unwrap(),
                    "内容"
                ))
            })
            .collect();
        keys.push(page("重复的正文段落"));
        keys.push(page("重复的正文段落"));
        let mut site: Vec<Option<u32>> = vec![Some(0); 7];
        // Site 1: two pages only; a page with no site.
        keys.push(page("别的网站"));
        keys.push(page("别的网站二"));
        site.push(Some(1));
        site.push(Some(1));
        keys.push(page("无站点"));
        site.push(None);
        let b = Boilerplate::learn(keys, &site);
        assert!(b.contains(Some(0), "搜索"));
        assert!(b.contains(Some(0), "  将本文档下载到自己电脑,方便修改和收藏。"));
        assert!(
            !b.contains(Some(0), "重复的正文段落"),
            "two copies on a site are not chrome"
        );
        assert!(
            !b.contains(Some(1), "搜索"),
            "too few pages on site 1 to learn from"
        );
        assert!(!b.contains(None, "搜索"));
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn web_addresses() {
        for line in [
            "www.xiexiebang.com【xiexiebang.com范文网】",
            "【www.gz85.com - 工会工作总结范文】",
            "Gz85.com更多 精选总结阅读",
            "来源:fanwen.cn",
        ] {
            assert!(has_web_address(line), "{line}");
        }
        for line in [
            "增长3.5%,完成率98.2%",
            "2019.05.11",
            "一、业务量不断提高.",
            "word格式文档",
            "...",
            "a.b",
            "先后捐款xx.XX万余元",
            "XX.xx",
        ] {
            assert!(!has_web_address(line), "{line}");
        }
        let b = Boilerplate::default().with_web_lines(true);
        assert!(b.contains(None, "www.xiexiebang.com【xiexiebang.com范文网】"));
        let long = format!("{}见www.gov.cn。", "各单位认真学习文件精神,".repeat(6));
        assert!(
            !b.contains(None, &long),
            "a long paragraph citing a site is text"
        );
        assert!(!Boilerplate::default().contains(None, "www.x.com"));
    }

    #[test]
    fn user_patterns() {
        let p = Patterns::parse("# chrome\n\n^当前位置\n下载.*文档$\n").unwrap();
        assert_eq!(p.len(), 2);
        let b = Boilerplate::default().with_patterns(Some(p));
        assert!(b.contains(Some(3), "  当前位置:首页>工作总结 "));
        assert!(b.contains(None, "下载2012年全区卫生工会工作总结word格式文档"));
        assert!(!b.contains(None, "我们的当前位置很重要"));
        let err = Patterns::parse("ok\n(unclosed\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
