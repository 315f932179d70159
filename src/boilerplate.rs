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

use std::collections::HashSet;
use xxhash_rust::xxh3::xxh3_64;

/// A line must be on at least this many pages of its site to be boilerplate.
pub const MIN_PAGES: u32 = 4;
/// ... and on at least this share of the site's pages.
pub const MIN_SHARE: f64 = 0.2;

/// The key of a raw line: whitespace removed, digit runs folded; `None` for a blank line.
pub fn line_key(line: &str) -> Option<u64> {
    let mut folded = Vec::with_capacity(line.len());
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

/// The distinct line keys of a page.
pub fn page_keys(text: &str) -> Vec<u64> {
    let mut keys: Vec<u64> = text.split('\n').filter_map(line_key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The boilerplate lines of a corpus.
#[derive(Debug, Default, Clone)]
pub struct Boilerplate {
    lines: HashSet<(u32, u64)>,
}

impl Boilerplate {
    /// Learns from `keys[page]` (distinct line keys) and `site[page]` (`None`: no site).
    pub fn learn(keys: &[Vec<u64>], site: &[Option<u32>]) -> Boilerplate {
        let mut pages_of_site: Vec<u32> = Vec::new();
        let mut triples: Vec<(u32, u64)> = Vec::new();
        for (page_keys, &site) in keys.iter().zip(site) {
            let Some(site) = site else { continue };
            if pages_of_site.len() <= site as usize {
                pages_of_site.resize(site as usize + 1, 0);
            }
            pages_of_site[site as usize] += 1;
            triples.extend(page_keys.iter().map(|&k| (site, k)));
        }
        // Keys are distinct within a page, so equal (site, key) entries are distinct pages.
        triples.sort_unstable();
        let mut lines = HashSet::new();
        let mut start = 0;
        while start < triples.len() {
            let mut end = start + 1;
            while end < triples.len() && triples[end] == triples[start] {
                end += 1;
            }
            let (site, key) = triples[start];
            let pages = (end - start) as u32;
            let of_site = pages_of_site[site as usize];
            if pages >= MIN_PAGES && pages as f64 >= MIN_SHARE * of_site as f64 {
                lines.insert((site, key));
            }
            start = end;
        }
        Boilerplate { lines }
    }

    /// Whether a raw line of a page of `site` is boilerplate.
    pub fn contains(&self, site: Option<u32>, line: &str) -> bool {
        match (site, self.lines.is_empty()) {
            (Some(site), false) => line_key(line).is_some_and(|k| self.lines.contains(&(site, k))),
            _ => false,
        }
    }

    /// How many (site, line) pairs are boilerplate.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
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
        let b = Boilerplate::learn(&keys, &site);
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
}
