//! `neardup-gen sample`: the bundled sample built from the real seed pages.
//!
//! The five seed pages are copied unchanged to `data/<host>/<file>`. Their articles (found at the
//! title lines listed in [`SEEDS`]) are then reprinted on other sites with other chrome, ads,
//! placeholders, truncation, traditional/simplified conversion, word edits and inside a
//! collection; synthetic articles fill collections, the chrome-only pair and the unique pages.
//! `data/truth.tsv` records the groups a dedup tool should find and `data/README.md` where every
//! file came from.

use crate::corpus::{self, rng_for};
use crate::site::{self, Site};
use crate::text::{self, Style};
use crate::vocab::VOCAB;
use anyhow::{Context, Result};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

struct Seed {
    file: &'static str,
    host: &'static str,
    about: &'static str,
    /// (title line, first body line, last body line), 1-based, inclusive.
    articles: &'static [(usize, usize, usize)],
}

const SEEDS: &[Seed] = &[
    Seed {
        file: "000_e9c4ce73eb525934.txt",
        host: "www.gz85.com",
        about: "hospital union report printed twice (second copy shorter), then two unrelated reports",
        articles: &[(3, 7, 48), (52, 56, 80), (82, 85, 145), (147, 150, 184)],
    },
    Seed {
        file: "001_27848082a643c5e6.txt",
        host: "www.gz85.com",
        about: "four school and company union half-year reports",
        articles: &[(7, 11, 45), (49, 52, 68), (70, 73, 92), (94, 97, 108)],
    },
    Seed {
        file: "002_879e6cfc3f7b6c52.txt",
        host: "www.xiexiebang.com",
        about: "five health-union reports (第一篇 and 第二篇 are the same text), ads, download footer",
        articles: &[
            (6, 8, 44),
            (46, 48, 76),
            (80, 82, 102),
            (104, 106, 132),
            (136, 138, 176),
            (178, 180, 204),
        ],
    },
    Seed {
        file: "003_269fc68bffaa19a3.txt",
        host: "www.fwsir.com",
        about: "six school union reports under a repeated page title, placeholders",
        articles: &[
            (9, 11, 45),
            (47, 49, 87),
            (89, 91, 161),
            (163, 165, 181),
            (183, 185, 215),
            (217, 219, 241),
        ],
    },
    Seed {
        file: "004_aa19e0c5a9823563.txt",
        host: "www.cnfla.com",
        about: "fourteen union reports machine-converted to traditional Chinese (Taiwan phrasing)",
        articles: &[
            (11, 12, 68),
            (69, 70, 98),
            (99, 100, 152),
            (153, 154, 196),
            (197, 198, 228),
            (229, 230, 238),
            (239, 240, 324),
            (325, 326, 358),
            (359, 360, 380),
            (381, 382, 466),
            (467, 468, 492),
            (493, 494, 522),
            (523, 524, 548),
            (549, 550, 576),
        ],
    },
];

struct SeedArticle {
    title: String,
    paras: Vec<String>,
}

fn seed_articles(text: &str, spec: &[(usize, usize, usize)]) -> Vec<SeedArticle> {
    let lines: Vec<&str> = text.lines().collect();
    spec.iter()
        .map(|&(t, a, b)| SeedArticle {
            title: strip_ordinal(lines[t - 1].trim().trim_end_matches('。')).to_string(),
            paras: lines[a - 1..b.min(lines.len())]
                .iter()
                .map(|l| l.trim())
                // Site tags and ads are chrome, not article text.
                .filter(|l| !l.is_empty() && !l.starts_with("【www.") && !l.starts_with("www."))
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

/// `第一篇:title` → `title`.
fn strip_ordinal(t: &str) -> &str {
    match t.split_once('篇') {
        Some((head, rest)) if head.starts_with('第') && head.chars().count() <= 3 => {
            rest.trim_start_matches([':', '：'])
        }
        _ => t,
    }
}

/// Noise for real text: placeholders for digit runs, the site's punctuation, stray characters.
fn noisy(s: &str, site: &Site, placeholder: f64, rng: &mut ChaCha8Rng) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let year = run.len() == 4 && chars.get(j) == Some(&'年');
            if placeholder > 0.0 && rng.random_bool(placeholder) {
                out.push_str(if year {
                    ["20xx", "二Ox", "xxxx"].choose(rng).unwrap()
                } else {
                    ["*", "X", "XX", "xx", "***"].choose(rng).unwrap()
                });
            } else {
                out.push_str(&run);
            }
            i = j;
            continue;
        }
        out.push(match (c, site.ascii_punct) {
            ('，', true) => ',',
            ('；', true) => ';',
            (',', false) => '，',
            (';', false) => '；',
            _ => c,
        });
        if site.stray > 0.0 && c == '，' && rng.random_bool(site.stray * 2.0) {
            out.push(if rng.random_bool(0.5) { '`' } else { '\'' });
        }
        i += 1;
    }
    out
}

/// Heavy word edits on real text: ~25 % of sentences get a two-character span replaced by a
/// dictionary word, or a word inserted.
fn edit_real(s: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::new();
    for sent in s.split_inclusive('。') {
        let chars: Vec<char> = sent.chars().collect();
        if chars.len() > 8 && rng.random_bool(0.25) {
            let at = rng.random_range(0..chars.len() - 4);
            let w = VOCAB.nouns.sample(rng);
            let cut = if rng.random_bool(0.5) { 2 } else { 0 };
            out.extend(&chars[..at]);
            out.push_str(w);
            out.extend(&chars[at + cut..]);
        } else {
            out.push_str(sent);
        }
    }
    out
}

/// A page on `site`: header chrome, the body blocks (title, paragraphs), ads, footer.
fn page(
    site: &Site,
    page_title: &str,
    blocks: &[(Option<String>, Vec<String>)],
    seed: u64,
    rng: &mut ChaCha8Rng,
) -> String {
    let mut lines: Vec<String> = Vec::new();
    if let Some(s) = site.search {
        lines.push(s.to_string());
    }
    if site.breadcrumb {
        lines.push(format!("当前位置:首页>{}>{page_title}", site.cat));
    }
    lines.push(page_title.to_string());
    if site.tag {
        lines.push(format!("【{} - {}范文】", site.host, site.cat));
    }
    let (y, m, d) = (
        rng.random_range(2012..=2023),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    );
    match site.meta {
        0 => lines.push(format!(
            "时间:{y}-{m:02}-{d:02} 09:{m:02}:{d:02} 作者:{}",
            site.author
        )),
        1 => lines.push(format!("发布时间: {y}.{m:02}.{d:02}")),
        2 => lines.push(format!("{} 阅读({}.{}K)", site.cat, m, d)),
        _ => {}
    }
    if let Some(intro) = &site.intro {
        lines.push(format!(
            "{intro}下面是小编为大家整理的《{page_title}》,仅供参考,希望能够帮助到大家。"
        ));
    }
    for (i, (title, paras)) in blocks.iter().enumerate() {
        if let Some(t) = title {
            if i > 0 || blocks.len() > 1 {
                lines.push(format!("第{}篇:{t}", text::cn_number(i + 1)));
            }
        }
        for p in paras {
            lines.push(p.clone());
            if site.ad_rate > 0.0 && rng.random_bool(site.ad_rate) {
                lines.push(site.ads.choose(rng).unwrap().clone());
            }
        }
    }
    lines.push("相关范文推荐".to_string());
    for _ in 0..3 {
        let id = rng.random_range(1000..2000);
        let a = corpus::article(seed, id);
        lines.push(format!("    {}", text::plain(&a.paras[0])));
        let e: String = text::plain(&a.paras[1]).chars().take(60).collect();
        lines.push(format!("    {e}......"));
    }
    if site.traditional {
        for l in &mut lines {
            *l = hanconv::s2twp(&*l);
        }
    }
    let sep = if site.blank_lines { "\n\n" } else { "\n" };
    lines.join(sep) + "\n"
}

/// A synthetic article rendered with `site`'s style: (title, paragraphs).
fn synthetic(seed: u64, id: u32, site: &Site, rng: &mut ChaCha8Rng) -> (String, Vec<String>) {
    let a = corpus::article(seed, id);
    let style = Style {
        placeholder: 0.3,
        ..site.style()
    };
    (
        text::plain(&a.paras[0]),
        a.paras[1..]
            .iter()
            .map(|p| text::render_para(p, &style, rng))
            .collect(),
    )
}

struct Entry {
    path: String,
    derived_from: String,
    kind: &'static str,
    group: &'static str,
    note: String,
}

/// Writes the sample; returns the number of pages.
pub fn write(seeds: &Path, out: &Path, seed: u64) -> Result<usize> {
    let mut rng = rng_for(seed, 100, 0);
    let mut entries: Vec<Entry> = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut arts: Vec<Vec<SeedArticle>> = Vec::new();
    let groups = [
        "hospital-2011",
        "",
        "health-2012",
        "school-2023",
        "union-tw",
    ];
    for (i, s) in SEEDS.iter().enumerate() {
        let text = fs::read_to_string(seeds.join(s.file))
            .with_context(|| format!("reading seed {}", s.file))?;
        arts.push(seed_articles(&text, s.articles));
        let path = format!("{}/{}", s.host, s.file);
        entries.push(Entry {
            path: path.clone(),
            derived_from: "seed".to_string(),
            kind: "seed",
            group: if i == 1 { "midschool-2012" } else { groups[i] },
            note: format!("real seed page, unchanged: {}", s.about),
        });
        files.push((path, text));
    }

    let mut sites = site::sites(&mut rng, 8, 0.0);
    for s in &mut sites {
        s.traditional = false;
    }
    // Sites 0..6 are generated; 6 mimics gz85.com's chrome, 7 is cnfla.com (traditional).
    {
        let gz = &mut sites[6];
        gz.host = "www.gz85.com".into();
        gz.brand = "Gz85.com".into();
        gz.search = Some("搜索");
        gz.tag = true;
        gz.cat = "工会工作总结";
        gz.breadcrumb = false;
    }
    {
        let tw = &mut sites[7];
        tw.host = "www.cnfla.com".into();
        tw.traditional = true;
        tw.breadcrumb = true;
        tw.cat = "工作总结";
    }
    sites[0].ad_rate = 0.2;
    sites[1].stray = 0.1;

    let add = |entries: &mut Vec<Entry>,
               files: &mut Vec<(String, String)>,
               site: &Site,
               name: &str,
               text: String,
               derived_from: String,
               kind: &'static str,
               group: &'static str,
               note: &str| {
        let path = format!("{}/{name}.txt", site.host);
        entries.push(Entry {
            path: path.clone(),
            derived_from,
            kind,
            group,
            note: note.to_string(),
        });
        files.push((path, text));
    };
    let src = |i: usize, a: usize| format!("{}#{}", SEEDS[i].file, a + 1);

    // Group hospital-2011: seed 000 article 1.
    let a = &arts[0][0];
    let body: Vec<String> = a
        .paras
        .iter()
        .map(|p| noisy(p, &sites[0], 0.6, &mut rng))
        .collect();
    let t = page(&sites[0], &a.title, &[(None, body)], seed, &mut rng);
    add(
        &mut entries,
        &mut files,
        &sites[0],
        "hospital_union_copy",
        t,
        src(0, 0),
        "plain",
        "hospital-2011",
        "copy on another site: other chrome, ads between paragraphs, placeholders for numbers",
    );
    let keep = a.paras.len() * 55 / 100;
    let body: Vec<String> = a.paras[..keep]
        .iter()
        .map(|p| noisy(p, &sites[2], 0.0, &mut rng))
        .collect();
    let t = page(&sites[2], &a.title, &[(None, body)], seed, &mut rng);
    add(
        &mut entries,
        &mut files,
        &sites[2],
        "hospital_union_truncated",
        t,
        src(0, 0),
        "truncated",
        "hospital-2011",
        "first 55 % of the paragraphs",
    );

    // Group health-2012: seed 002 article 1 (printed twice there).
    let a = &arts[2][0];
    let t = page(
        &sites[7],
        &a.title,
        &[(None, a.paras.clone())],
        seed,
        &mut rng,
    );
    add(
        &mut entries,
        &mut files,
        &sites[7],
        "health_union_traditional",
        t,
        src(2, 0),
        "traditional",
        "health-2012",
        "whole page converted to traditional Chinese with hanconv::s2twp (Taiwan phrasing)",
    );
    let x = synthetic(seed, 3001, &sites[3], &mut rng);
    let y = synthetic(seed, 3002, &sites[3], &mut rng);
    let mid: Vec<String> = a
        .paras
        .iter()
        .map(|p| noisy(p, &sites[3], 0.0, &mut rng))
        .collect();
    let t = page(
        &sites[3],
        &format!("{}3篇", a.title),
        &[
            (Some(x.0), x.1),
            (Some(a.title.clone()), mid),
            (Some(y.0), y.1),
        ],
        seed,
        &mut rng,
    );
    add(
        &mut entries,
        &mut files,
        &sites[3],
        "health_union_collection",
        t,
        format!("{} + synthetic 3001, 3002", src(2, 0)),
        "collection",
        "health-2012",
        "collection of three articles: the whole seed article between two unrelated synthetic ones",
    );

    // Group school-2023: seed 003 article 1.
    let a = &arts[3][0];
    let body: Vec<String> = a
        .paras
        .iter()
        .map(|p| noisy(p, &sites[1], 1.0, &mut rng))
        .collect();
    let t = page(&sites[1], &a.title, &[(None, body)], seed, &mut rng);
    add(
        &mut entries,
        &mut files,
        &sites[1],
        "school_union_copy",
        t,
        src(3, 0),
        "plain",
        "school-2023",
        "copy with every number replaced by a placeholder and stray ` ' characters",
    );
    let keep = a.paras.len() * 70 / 100;
    let body: Vec<String> = a.paras[..keep]
        .iter()
        .map(|p| noisy(p, &sites[0], 0.3, &mut rng))
        .collect();
    let t = page(&sites[0], &a.title, &[(None, body)], seed, &mut rng);
    add(
        &mut entries,
        &mut files,
        &sites[0],
        "school_union_truncated",
        t,
        src(3, 0),
        "truncated",
        "school-2023",
        "first 70 % of the paragraphs, ads, some placeholders",
    );

    // Group union-tw: seed 004 (traditional) article 1 back in simplified Chinese.
    let a = &arts[4][0];
    let body: Vec<String> = a
        .paras
        .iter()
        .map(|p| noisy(&hanconv::tw2sp(p), &sites[4], 0.0, &mut rng))
        .collect();
    let t = page(
        &sites[4],
        &hanconv::tw2sp(&a.title),
        &[(None, body)],
        seed,
        &mut rng,
    );
    add(
        &mut entries,
        &mut files,
        &sites[4],
        "union_report_simplified",
        t,
        src(4, 0),
        "traditional",
        "union-tw",
        "traditional seed article converted to simplified Chinese with hanconv::tw2sp",
    );

    // Group midschool-2012: seed 001 article 2.
    let a = &arts[1][1];
    let body: Vec<String> = a
        .paras
        .iter()
        .map(|p| noisy(p, &sites[6], 0.5, &mut rng))
        .collect();
    let t = page(&sites[6], &a.title, &[(None, body)], seed, &mut rng);
    add(
        &mut entries,
        &mut files,
        &sites[6],
        "midschool_union_copy",
        t,
        src(1, 1),
        "plain",
        "midschool-2012",
        "copy on the same site as the seed with placeholders",
    );
    let body: Vec<String> = a
        .paras
        .iter()
        .map(|p| noisy(&edit_real(p, &mut rng), &sites[5], 0.0, &mut rng))
        .collect();
    let t = page(&sites[5], &a.title, &[(None, body)], seed, &mut rng);
    add(
        &mut entries,
        &mut files,
        &sites[5],
        "midschool_union_edited",
        t,
        src(1, 1),
        "edited",
        "midschool-2012",
        "heavily edited copy: ~25 % of sentences have a word replaced or inserted",
    );

    // Two different reports on one site: only chrome in common.
    for (k, id) in [(0, 4001u32), (1, 4002)] {
        let (title, body) = synthetic(seed, id, &sites[5], &mut rng);
        let t = page(&sites[5], &title, &[(None, body)], seed, &mut rng);
        add(
            &mut entries,
            &mut files,
            &sites[5],
            &format!("chrome_only_{}", k + 1),
            t,
            format!("synthetic {id}"),
            "chrome-only",
            "",
            "different synthetic report on the same site as its sibling: shares only chrome",
        );
    }
    // Unique pages (two on gz85.com, which also shares chrome with the seed pages there).
    for (k, id) in (5001u32..5011).enumerate() {
        let s = &sites[[6, 6, 0, 1, 2, 3, 4, 5, 7, 2][k]];
        let (title, body) = synthetic(seed, id, s, &mut rng);
        let t = page(s, &title, &[(None, body)], seed, &mut rng);
        add(
            &mut entries,
            &mut files,
            s,
            &format!("unique_{:02}", k + 1),
            t,
            format!("synthetic {id}"),
            "unique",
            "",
            "synthetic report found on no other page",
        );
    }
    // An article printed twice on its own page (like seed 000): one page, no pair.
    let (title, body) = synthetic(seed, 6001, &sites[2], &mut rng);
    let half = body[..body.len() * 6 / 10].to_vec();
    let t = page(
        &sites[2],
        &title,
        &[(None, body), (None, half)],
        seed,
        &mut rng,
    );
    add(
        &mut entries,
        &mut files,
        &sites[2],
        "repeat_on_page",
        t,
        "synthetic 6001".into(),
        "repeat",
        "",
        "one synthetic article printed twice on the page (second copy shorter); a page, not a pair",
    );

    if out.exists() {
        for s in SEEDS
            .iter()
            .map(|s| s.host)
            .chain(sites.iter().map(|s| s.host.as_str()))
        {
            let d = out.join(s);
            if d.exists() {
                fs::remove_dir_all(&d)?;
            }
        }
    }
    for (path, text) in &files {
        let p = out.join(path);
        fs::create_dir_all(p.parent().unwrap())?;
        fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    let mut tsv = String::from("doc_id\tderived_from\tkind\texpected_group\n");
    for e in &entries {
        writeln!(
            tsv,
            "{}\t{}\t{}\t{}",
            e.path, e.derived_from, e.kind, e.group
        )?;
    }
    fs::write(out.join("truth.tsv"), tsv)?;
    let mut md = String::from(README_HEAD);
    for e in &entries {
        let group = if e.group.is_empty() { "—" } else { e.group };
        writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            e.path, e.derived_from, e.kind, group, e.note
        )?;
    }
    md.push_str(README_TAIL);
    fs::write(out.join("README.md"), md)?;
    Ok(files.len())
}

const README_HEAD: &str = "# Sample crawl\n\n\
Generated by `neardup-gen sample --seeds /work/shared/seeds --out data/` (seeded: the same command \
writes the same bytes). One page per `.txt` file, one paragraph per line, under `data/<site host>/`.\n\n\
- The five `0NN_*.txt` files are real pages scraped from Chinese template sites (范文网), copied \
unchanged.\n\
- The other pages are derived from them: a seed article is a span of a seed page starting at its \
title (`file#n` = the n-th article of that page). Synthetic articles (`synthetic <id>`) are \
sentences of jieba dictionary words drawn by frequency (see `neardup-gen corpus`): they share \
nothing with any other article.\n\
- Every generated page has its site's chrome (search line, breadcrumb, tag, meta line, intro, \
「相关范文推荐」 footer with titles and excerpts of synthetic articles), some have ads between \
paragraphs.\n\n\
`truth.tsv`: `doc_id` (path relative to `data/`), `derived_from`, `kind`, `expected_group`. Pages \
with the same group should be clustered together (as duplicates, or one contained in the other); \
pages with an empty group should not be merged with anything.\n\n\
| file | derived from | kind | group | transformation |\n|---|---|---|---|---|\n";

const README_TAIL: &str = "\nNotes on the seeds themselves: `000` prints its first article twice; \
`002` prints one article as 第一篇 and 第二篇; `001` and `003` share a few paragraphs (some verbatim, \
some with words changed) but no article, so they are not a pair.\n";

#[cfg(test)]
mod tests {
    use super::*;

    const SEEDS_DIR: &str = "/work/shared/seeds";

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, fs::read(e.path()).unwrap()));
            }
        }
        out
    }

    #[test]
    fn sample_is_deterministic_and_truth_lists_every_page() {
        if !Path::new(SEEDS_DIR).exists() {
            eprintln!("no seeds at {SEEDS_DIR}; skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let n = write(Path::new(SEEDS_DIR), &a, 2024).unwrap();
        write(Path::new(SEEDS_DIR), &b, 2024).unwrap();
        let fa = files(&a);
        assert_eq!(fa, files(&b));
        let tsv = fs::read_to_string(a.join("truth.tsv")).unwrap();
        let rows: Vec<&str> = tsv.lines().skip(1).collect();
        assert_eq!(rows.len(), n);
        assert_eq!(fa.iter().filter(|(p, _)| p.ends_with(".txt")).count(), n);
        for r in rows {
            let path = r.split('\t').next().unwrap();
            assert!(a.join(path).is_file(), "{path}");
        }
        let total: usize = fa.iter().map(|(_, b)| b.len()).sum();
        assert!(total < 1_000_000, "{total}");
        // Seeds are copied unchanged.
        let seed = fs::read(Path::new(SEEDS_DIR).join(SEEDS[0].file)).unwrap();
        assert_eq!(
            fs::read(a.join(SEEDS[0].host).join(SEEDS[0].file)).unwrap(),
            seed
        );
    }

    #[test]
    fn seed_titles_lose_their_ordinal() {
        assert_eq!(
            strip_ordinal("第一篇:2012年全区卫生工会工作总结"),
            "2012年全区卫生工会工作总结"
        );
        assert_eq!(
            strip_ordinal("年度工會工作總結 篇1"),
            "年度工會工作總結 篇1"
        );
    }
}
