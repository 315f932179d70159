//! The paragraph level end to end: `paragraphs.csv`, `paragraph_members.csv`, `--emit-paragraphs`,
//! `--clean-text`, `--boilerplate-patterns`, `--level`, and `shared_paragraphs` in `pairs.csv`, on
//! the bundled sample (`data/`, built from the five real seed pages) and on fixtures cut from them.
//!
//! Expected copies are found here by reading the page texts (identical lines, lines named by what
//! they say), never by asking the tool.

use crate::util::{Dir, articles, chrome, doc, rows, seed_lines};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Row = BTreeMap<String, String>;

const HOSPITAL: &str = "www.gz85.com/000_e9c4ce73eb525934.txt";
const SCHOOL_2012: &str = "www.gz85.com/001_27848082a643c5e6.txt";
const HEALTH: &str = "www.xiexiebang.com/002_879e6cfc3f7b6c52.txt";
const SCHOOL_2023: &str = "www.fwsir.com/003_269fc68bffaa19a3.txt";
const TRADITIONAL: &str = "www.cnfla.com/004_aa19e0c5a9823563.txt";

/// Paragraphs with fewer normalized characters than this (`--paragraph-min-chars` default) are not
/// copies unless they are boilerplate.
const MIN_CHARS: usize = 16;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The raw lines of a page of `data/` (1-based: `lines[0]` is line 1).
fn data_lines(id: &str) -> Vec<String> {
    let text = std::fs::read_to_string(data_dir().join(id)).unwrap();
    text.split('\n').map(str::to_string).collect()
}

/// The raw lines of every page of `data/`, by doc id.
fn all_pages() -> BTreeMap<String, Vec<String>> {
    walk_txt(&data_dir())
        .into_iter()
        .map(|id| {
            let lines = data_lines(&id);
            (id, lines)
        })
        .collect()
}

/// Letters and digits of a line: a lower bound of its normalized length (digit runs fold to one).
fn letters(line: &str) -> usize {
    line.chars().filter(|c| c.is_alphanumeric()).count()
}

/// The 1-based lines of `lines` containing `needle`.
fn lines_with(lines: &[String], needle: &str) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Scans `data/` into `report/` with `extra` flags.
fn scan_data(extra: &[&str]) -> Dir {
    let dir = Dir::new();
    let data = data_dir();
    let mut args = vec![data.to_str().unwrap(), "--out", "report", "--quiet"];
    args.extend_from_slice(extra);
    dir.scan(&args).expect_code(0);
    dir
}

/// The rows of `paragraph_members.csv` by (doc_id, line).
struct Members {
    by_line: BTreeMap<(String, usize), Row>,
}

impl Members {
    fn read(path: &Path) -> Members {
        let mut by_line = BTreeMap::new();
        for r in rows(path) {
            let key = (r["doc_id"].clone(), r["line"].parse().unwrap());
            assert!(
                by_line.insert(key, r.clone()).is_none(),
                "one row per copy: {r:?}"
            );
        }
        Members { by_line }
    }

    fn get(&self, id: &str, line: usize) -> Option<&Row> {
        self.by_line.get(&(id.to_string(), line))
    }

    /// The row of a line that must be a copy.
    fn of(&self, id: &str, line: usize) -> &Row {
        self.get(id, line)
            .unwrap_or_else(|| panic!("{id}:{line} is not in paragraph_members.csv"))
    }

    fn cluster(&self, id: &str, line: usize) -> &str {
        &self.of(id, line)["cluster_id"]
    }

    /// The rows of one page.
    fn of_doc<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.by_line.values().filter(move |r| r["doc_id"] == id)
    }

    /// The distinct clusters of a page.
    fn clusters_of(&self, id: &str) -> BTreeSet<String> {
        self.of_doc(id).map(|r| r["cluster_id"].clone()).collect()
    }
}

/// The row of `paragraphs.csv` of a cluster.
fn para_cluster<'a>(list: &'a [Row], id: &str) -> &'a Row {
    list.iter()
        .find(|r| r["cluster_id"] == id)
        .unwrap_or_else(|| panic!("no paragraph cluster {id}"))
}

fn similarity(r: &Row) -> f64 {
    r["similarity"].parse().unwrap()
}

/// The records of a JSON Lines file.
fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The texts of `--emit-kept` records by id.
fn kept_texts(path: &Path) -> BTreeMap<String, String> {
    jsonl(path)
        .into_iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `raw` without the 1-based lines in `drop`, as `--clean-text` should write it: every other line
/// kept, blank ones included (blank lines before the first kept non-blank line excepted: the
/// cleaned text starts at its first paragraph).
fn without_lines(raw: &str, drop: &BTreeSet<usize>) -> Vec<String> {
    let kept: Vec<String> = raw
        .split('\n')
        .enumerate()
        .filter(|(i, _)| !drop.contains(&(i + 1)))
        .map(|(_, l)| l.to_string())
        .collect();
    let first = kept.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
    kept[first..].to_vec()
}

/// Asserts that `cleaned` is `raw` without the lines in `drop`, showing the first difference.
fn assert_cleaned(id: &str, raw: &str, cleaned: &str, drop: &BTreeSet<usize>) {
    let expected = without_lines(raw, drop);
    let got: Vec<&str> = cleaned.split('\n').collect();
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(e, g, "{id}: line {} of the cleaned text", i + 1);
    }
    assert_eq!(expected.len(), got.len(), "{id}: lines of the cleaned text");
}

// ---------------------------------------------------------------------------------------------
// The seed pages in the bundled sample.
// ---------------------------------------------------------------------------------------------

/// Every line of the sample printed word for word more than once (on one page or on several) is
/// one paragraph cluster: the hospital article that seed 000 prints twice, 第一篇 and 第二篇 of seed
/// 002, the two paragraphs of 001 that 003 prints again, and the copies on the derived pages.
#[test]
fn paragraphs_repeated_word_for_word_share_a_cluster() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));

    let mut places: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for (id, lines) in all_pages() {
        for (i, line) in lines.iter().enumerate() {
            let text = line.trim();
            if letters(text) >= MIN_CHARS {
                places
                    .entry(text.to_string())
                    .or_default()
                    .push((id.clone(), i + 1));
            }
        }
    }
    let repeated: Vec<(&String, &Vec<(String, usize)>)> =
        places.iter().filter(|(_, at)| at.len() >= 2).collect();
    for (text, at) in &repeated {
        let clusters: BTreeSet<&str> = at
            .iter()
            .map(|(id, line)| members.cluster(id, *line))
            .collect();
        assert_eq!(clusters.len(), 1, "{text} at {at:?}: clusters {clusters:?}");
        for (id, line) in at.iter() {
            let r = members.of(id, *line);
            assert!(
                ["exact", "edited", "contained"].contains(&r["kind"].as_str()),
                "{r:?}"
            );
        }
    }
    // The ones the seeds are known for are among them.
    let on = |at: &[(String, usize)], id: &str| at.iter().filter(|p| p.0 == id).count();
    let repeated_on = |a: &str, b: &str| {
        repeated
            .iter()
            .filter(|(_, at)| {
                if a == b {
                    on(at, a) >= 2
                } else {
                    on(at, a) >= 1 && on(at, b) >= 1
                }
            })
            .count()
    };
    assert!(repeated_on(HOSPITAL, HOSPITAL) >= 19, "seed 000 repeats");
    assert!(repeated_on(HEALTH, HEALTH) >= 15, "seed 002 repeats");
    assert_eq!(
        repeated_on(SCHOOL_2012, SCHOOL_2023),
        2,
        "two paragraphs of 001 reappear word for word in 003"
    );
}

/// Seed 000 prints its hospital article twice (the second copy from line 56, shorter and with one
/// word added): every paragraph of the second copy is in the cluster of its first copy, the
/// page counts them as repeated, and each of their clusters has a repeat page.
#[test]
fn the_article_printed_twice_on_seed_000_is_a_repeat() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    let docs = rows(&dir.join("report/documents.csv"));
    let lines = data_lines(HOSPITAL);

    // The two copies, found by their text: the opening paragraph and the cut-off last one.
    let opening = lines_with(
        &lines,
        "年,在上级主管部门和各级党委政府的正确领导和大力支持下",
    );
    assert_eq!(opening.len(), 2, "{opening:?}");
    let (first, second) = (opening[0], opening[1]);
    let offset = second - first;
    let end = lines_with(&lines, "大力加强医院环境建设")[1];
    let mut repeats = 0;
    for line in second..=end {
        let text = lines[line - 1].trim();
        if letters(text) < MIN_CHARS {
            continue;
        }
        let original = line - offset;
        let head: String = text.chars().take(12).collect();
        assert!(
            lines[original - 1].trim().starts_with(&head),
            "line {line} is the copy of line {original}"
        );
        assert_eq!(
            members.cluster(HOSPITAL, line),
            members.cluster(HOSPITAL, original),
            "line {line} and line {original}"
        );
        let cluster = para_cluster(&list, members.cluster(HOSPITAL, line));
        assert!(
            cluster["repeat_pages"].parse::<u32>().unwrap() >= 1,
            "{cluster:?}"
        );
        repeats += 1;
    }
    assert!(repeats >= 20, "{repeats}");
    assert_eq!(
        doc(&docs, HOSPITAL)["repeated_paragraphs"],
        repeats.to_string()
    );
    // The cut-off copies are not exact.
    for line in [second, end] {
        let r = members.of(HOSPITAL, line);
        assert_ne!(r["kind"], "exact", "{r:?}");
        assert!(similarity(r) < 1.0, "{r:?}");
    }
}

/// Seed 002 prints one article as 第一篇 and again as 第二篇: every paragraph of 第二篇 is a repeat
/// of its first copy.
#[test]
fn first_and_second_article_of_seed_002_are_repeats() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    let docs = rows(&dir.join("report/documents.csv"));
    let lines = data_lines(HEALTH);
    let second = lines_with(&lines, "第二篇")[0];
    let third = lines_with(&lines, "第三篇")[0];
    let mut repeats = 0;
    for line in second + 1..third {
        let text = lines[line - 1].trim();
        if text.is_empty() {
            continue;
        }
        let earlier = lines[..second]
            .iter()
            .position(|l| l.trim() == text)
            .unwrap_or_else(|| panic!("line {line} is not in 第一篇"))
            + 1;
        assert_eq!(
            members.cluster(HEALTH, line),
            members.cluster(HEALTH, earlier)
        );
        assert_eq!(members.of(HEALTH, line)["kind"], "exact");
        let cluster = para_cluster(&list, members.cluster(HEALTH, line));
        assert_eq!(cluster["repeat_pages"], "1", "{cluster:?}");
        repeats += 1;
    }
    assert_eq!(repeats, 15);
    // ... and the `….doc` download prompt, a contained near-repeat of the `…word格式文档` line above.
    assert_eq!(doc(&docs, HEALTH)["repeated_paragraphs"], "16");
}

/// 003 prints two paragraphs of 001 word for word and one with words changed (新形势下中等技术人才
/// → 新时期的人才): the verbatim ones share a cluster with the same relation to its representative,
/// the changed one is an edited copy.
#[test]
fn paragraphs_of_seed_001_in_seed_003() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let a = data_lines(SCHOOL_2012);
    let b = data_lines(SCHOOL_2023);

    let mut verbatim = 0;
    for (i, line) in a.iter().enumerate() {
        let text = line.trim();
        if letters(text) < MIN_CHARS {
            continue;
        }
        if let Some(j) = b.iter().position(|l| l.trim() == text) {
            let (ra, rb) = (
                members.of(SCHOOL_2012, i + 1),
                members.of(SCHOOL_2023, j + 1),
            );
            assert_eq!(ra["cluster_id"], rb["cluster_id"]);
            // The same text, so the same relation to the representative (the longest variant:
            // for one of them, the edited traditional copy of seed 004, which contains it).
            assert_eq!(
                (ra["kind"].as_str(), similarity(ra)),
                (rb["kind"].as_str(), similarity(rb))
            );
            assert!(similarity(ra) >= 0.55, "{ra:?}");
            verbatim += 1;
        }
    }
    assert_eq!(verbatim, 2);

    let old = lines_with(&a, "新形势下中等技术人才");
    let new = lines_with(&b, "新时期的人才");
    assert_eq!((old.len(), new.len()), (1, 1));
    let (ro, rn) = (
        members.of(SCHOOL_2012, old[0]),
        members.of(SCHOOL_2023, new[0]),
    );
    assert_eq!(ro["cluster_id"], rn["cluster_id"]);
    // The longer one represents the cluster; the other is an edited copy.
    let edited = [ro, rn]
        .into_iter()
        .find(|r| r["kind"] != "exact")
        .expect("one of them is edited");
    assert_eq!(edited["kind"], "edited", "{edited:?}");
    let s = similarity(edited);
    assert!((0.5..1.0).contains(&s), "{edited:?}");
}

/// More paragraphs of 001 reappear in 003 with words changed than the one above: the report on
/// 校务公开 (001, 学校工会全面贯彻、执行省工会文卫委员会… → 003, …市政府、教育局、教育工会…) and the closing
/// 总之 paragraph (…把工会办成教工最温馨的家 → …教工温馨的家). Their Jaccard on 5-character shingles
/// is 0.36 and 0.39, below the paragraph threshold, and neither is 80 % inside the other.
#[test]
fn more_edited_paragraphs_of_seed_001_in_seed_003() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let a = data_lines(SCHOOL_2012);
    let b = data_lines(SCHOOL_2023);
    for (old, new) in [
        (
            "执行省工会文卫委员会关于“校务公开”",
            "执行市政府、教育局、教育工会关于“校务公开”",
        ),
        ("把工会办成教工最温馨的家", "把工会办成教工温馨的家"),
    ] {
        let (o, n) = (lines_with(&a, old), lines_with(&b, new));
        assert_eq!((o.len(), n.len()), (1, 1), "{old} / {new}");
        let ro = members.get(SCHOOL_2012, o[0]);
        let rn = members.get(SCHOOL_2023, n[0]);
        assert!(
            ro.is_some() && rn.is_some() && ro.unwrap()["cluster_id"] == rn.unwrap()["cluster_id"],
            "001:{} and 003:{} are one cluster: {ro:?} {rn:?}",
            o[0],
            n[0]
        );
    }
}

/// Seed 004 (traditional, Taiwan phrasing) has a paragraph that takes 001's (and 003's)
/// 要发挥教师的主观能动性… with 教师 → 職工 and 教职工之家 → 職工之家, inside a longer paragraph
/// (要發揮職工的主觀能動性…). 58 % of the shorter one's shingles are in the longer one, below the
/// default --paragraph-containment 0.8 (found at 0.55).
#[test]
fn traditional_paragraph_of_seed_004_is_a_copy_of_seed_001() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let simplified = lines_with(&data_lines(SCHOOL_2012), "要发挥教师的主观能动性");
    let traditional = lines_with(&data_lines(TRADITIONAL), "要發揮職工的主觀能動性");
    assert_eq!((simplified.len(), traditional.len()), (1, 1));
    let r = members.get(TRADITIONAL, traditional[0]);
    assert_eq!(
        r.map(|r| r["cluster_id"].as_str()),
        Some(members.cluster(SCHOOL_2012, simplified[0])),
        "004:{} is in the cluster of 001:{}",
        traditional[0],
        simplified[0]
    );
}

/// Site lines are boilerplate where the sample gives a basis: `搜索` on www.gz85.com (five pages),
/// `相关范文推荐` on the sites with four pages, and wherever else it is printed as a copy of that
/// boilerplate; short lines with a web address on any page. `--clean-text` leaves them out of the
/// seed pages, which keep their other paragraphs.
#[test]
fn site_lines_are_boilerplate() {
    let dir = scan_data(&["--emit-kept", "report/kept.jsonl", "--clean-text"]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    let docs = rows(&dir.join("report/documents.csv"));
    let pages_of = |site: &str| docs.iter().filter(|r| r["site"] == site).count();

    // The pages printing 搜索 or 相关范文推荐: one cluster each, boilerplate; flagged on the page
    // where at least four pages of its site print it (and at least a fifth of them).
    let pages = all_pages();
    let mut found: BTreeMap<&str, Vec<(&str, &str, usize)>> = BTreeMap::new();
    for d in &docs {
        let id = d["doc_id"].as_str();
        for (i, line) in pages[id].iter().enumerate() {
            let name = match line.trim() {
                "搜索" => "搜索",
                "相关范文推荐" | "相關範文推薦" => "相关范文推荐",
                _ => continue,
            };
            found
                .entry(name)
                .or_default()
                .push((d["site"].as_str(), id, i + 1));
        }
    }
    let mut clusters: BTreeMap<&str, String> = BTreeMap::new();
    let mut flagged_on_site = BTreeMap::new();
    for (name, at) in &found {
        let ids: BTreeSet<&str> = at
            .iter()
            .map(|(_, id, line)| members.cluster(id, *line))
            .collect();
        assert_eq!(ids.len(), 1, "{name}: one cluster, {ids:?}");
        let c = para_cluster(&list, ids.first().unwrap());
        assert_eq!(c["boilerplate"], "true", "{c:?}");
        assert_eq!(c["copies"], at.len().to_string(), "{c:?}");
        clusters.insert(name, ids.first().unwrap().to_string());
        for (site, id, line) in at {
            let printing = at.iter().filter(|p| p.0 == *site).count();
            if printing >= 4 && printing * 5 >= pages_of(site) {
                assert_eq!(members.of(id, *line)["boilerplate"], "true", "{id}:{line}");
                *flagged_on_site.entry(*name).or_insert(0) += 1;
            }
        }
    }
    assert_eq!(
        flagged_on_site["搜索"], 5,
        "搜索 on the five pages of www.gz85.com"
    );
    assert_eq!(
        flagged_on_site["相关范文推荐"], 8,
        "on www.haibao.net and www.longyou.com"
    );
    // 相关范文推荐 on the seed pages alone on their site joins the cluster.
    for id in [HEALTH, SCHOOL_2023] {
        let lines = data_lines(id);
        let line = lines_with(&lines, "相关范文推荐")[0];
        assert_eq!(members.cluster(id, line), clusters["相关范文推荐"]);
        assert_eq!(members.of(id, line)["boilerplate"], "false");
    }

    // Short lines with a web address are boilerplate on any page.
    let mut web = 0;
    for r in members.by_line.values() {
        let line = &pages[r["doc_id"].as_str()][r["line"].parse::<usize>().unwrap() - 1];
        let text = line.trim().to_lowercase();
        if text.chars().count() <= 40 && (text.contains("www.") || text.contains(".com")) {
            assert_eq!(r["boilerplate"], "true", "{r:?} {line}");
            web += 1;
        }
    }
    assert!(web >= 25, "{web}");

    // --clean-text: the seed pages without their site lines and without the second copies.
    let kept = kept_texts(&dir.join("report/kept.jsonl"));
    let lines = data_lines(HEALTH);
    let raw = lines.join("\n");
    let mut drop: BTreeSet<usize> = BTreeSet::new();
    drop.extend(lines_with(
        &lines,
        "www.xiexiebang.com【xiexiebang.com范文网】",
    ));
    drop.extend(lines_with(&lines, "相关范文推荐"));
    let second = lines_with(&lines, "第二篇")[0];
    let third = lines_with(&lines, "第三篇")[0];
    drop.extend((second + 1..third).filter(|&l| !lines[l - 1].trim().is_empty()));
    // The second download prompt (`….doc`) is inside the first (`…word格式文档`), right above it:
    // a near-repeat on the page.
    let prompt = lines_with(&lines, "工作总结word格式文档")[0];
    assert!(lines[prompt].ends_with(".doc"), "{}", lines[prompt]);
    drop.insert(prompt + 1);
    assert_eq!(drop.len(), 18);
    assert_cleaned(HEALTH, &raw, &kept[HEALTH], &drop);

    let lines = data_lines(HOSPITAL);
    let cleaned = &kept[HOSPITAL];
    for line in [
        "搜索",
        "【www.gz85.com - 工会工作总结范文】",
        "Gz85.com更多 精选总结阅读",
    ] {
        assert!(lines.iter().any(|l| l.trim() == line));
        assert!(!cleaned.split('\n').any(|l| l.trim() == line), "{line}");
    }
}

/// No paragraph of the seed articles is boilerplate: in www.jiaren.net/hospital_union_copy.txt the
/// last paragraph of the hospital report (组织职工积极为地震灾区进行捐款… with the placeholder
/// `xx.XX万余元`) is flagged as a short line with a web address (`xx.XX` taken for a host name);
/// its cluster, shared with line 48 of seed 000, is then boilerplate, and `--clean-text` drops
/// that paragraph from seed 000.
#[test]
fn report_paragraphs_are_not_boilerplate() {
    let dir = scan_data(&["--emit-kept", "report/kept.jsonl", "--clean-text"]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    for id in [HOSPITAL, SCHOOL_2012, HEALTH, SCHOOL_2023, TRADITIONAL] {
        let lines = data_lines(id);
        for r in members.of_doc(id) {
            let text = lines[r["line"].parse::<usize>().unwrap() - 1].trim();
            if letters(text) >= 40 {
                let c = para_cluster(&list, &r["cluster_id"]);
                assert_eq!(c["boilerplate"], "false", "{id}:{} {text}", r["line"]);
            }
        }
    }
    let kept = kept_texts(&dir.join("report/kept.jsonl"));
    let lines = data_lines(HOSPITAL);
    let last = lines_with(&lines, "组织职工积极为地震灾区进行捐款")[0];
    assert!(kept[HOSPITAL].contains(lines[last - 1].trim()));
}

/// A paragraph printed once on a page and then inside a longer paragraph later on the same page is
/// not a repeat of the longer one: `--clean-text` keeps the longer paragraph (seed 004 prints the
/// heading 二、積極參加醫院開展的各項活動,豐富職工的生活 and then a 160-character paragraph starting
/// with the same words; the cleaned text loses the paragraph).
#[test]
fn clean_text_keeps_a_paragraph_that_contains_an_earlier_one() {
    let dir = scan_data(&["--emit-kept", "report/kept.jsonl", "--clean-text"]);
    let kept = kept_texts(&dir.join("report/kept.jsonl"));
    let lines = data_lines(TRADITIONAL);
    let both = lines_with(&lines, "積極參加醫院開展的各項活動,豐富職工的生活");
    assert_eq!(both.len(), 2);
    let cleaned = &kept[TRADITIONAL];
    for line in both {
        assert!(
            cleaned.split('\n').any(|l| l == lines[line - 1]),
            "line {line} kept"
        );
    }
}

/// The two pages of www.haibao.net with different synthetic reports share only their site's chrome,
/// which includes an intro paragraph naming the page's title (…下面是小编为大家整理的《…》): it
/// clusters across the pages of the site but is not boilerplate, since its text differs on each
/// page.
#[test]
fn chrome_only_pages_of_the_sample_share_only_boilerplate() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    let (a, b) = (
        "www.haibao.net/chrome_only_1.txt",
        "www.haibao.net/chrome_only_2.txt",
    );
    for id in members.clusters_of(a).intersection(&members.clusters_of(b)) {
        let c = para_cluster(&list, id);
        assert_eq!(c["boilerplate"], "true", "{c:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------------

/// Four different reports on one site (named without a dot, so only learning can flag its
/// chrome): the chrome lines cluster across the four pages and are boilerplate, the report
/// paragraphs do not cluster across pages, and no two of the pages are a pair.
#[test]
fn reports_sharing_only_chrome() {
    let a = articles();
    let dir = Dir::new();
    let bodies = [
        ("report-1", &a.company),
        ("report-2", &a.plan),
        ("report-3", &a.expo),
        ("report-4", &a.school),
    ];
    for (name, body) in bodies {
        dir.write(&format!("crawl/site-d/{name}.txt"), chrome("site-d", body));
    }
    dir.scan(&["crawl", "--out", "report", "--quiet"])
        .expect_code(0);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    let docs = rows(&dir.join("report/documents.csv"));

    let mut chrome_clusters = BTreeSet::new();
    for (name, body) in bodies {
        let id = format!("site-d/{name}.txt");
        assert_eq!(doc(&docs, &id)["role"], "unique");
        let body_lines: BTreeSet<&str> = body.lines().map(str::trim).collect();
        let page = chrome("site-d", body);
        for (i, line) in page.split('\n').enumerate() {
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            if body_lines.contains(text) {
                if let Some(r) = members.get(&id, i + 1) {
                    assert_eq!(r["boilerplate"], "false", "{r:?}");
                    let c = para_cluster(&list, &r["cluster_id"]);
                    assert_eq!(c["pages"], "1", "report paragraph {text} on another page");
                }
            } else {
                let r = members.of(&id, i + 1);
                assert_eq!(r["boilerplate"], "true", "{r:?} {text}");
                let c = para_cluster(&list, &r["cluster_id"]);
                assert_eq!(
                    (c["pages"].as_str(), c["boilerplate"].as_str()),
                    ("4", "true"),
                    "{c:?}"
                );
                chrome_clusters.insert(r["cluster_id"].clone());
            }
        }
    }
    // 搜索, breadcrumb, meta line, 相关范文推荐, the eight related titles (alike once numbers
    // fold), download line.
    assert_eq!(chrome_clusters.len(), 6, "{chrome_clusters:?}");
    assert!(rows(&dir.join("report/pairs.csv")).is_empty());
}

/// Lines the sample's download footer prints on every page of a site are learned as boilerplate
/// once the site has four pages; the same prompt on a page alone on its site joins their cluster.
#[test]
fn download_prompts_of_a_site_are_boilerplate() {
    let a = articles();
    let footer = seed_lines("002_", 208, 209);
    assert_eq!(footer.lines().count(), 2, "{footer}");
    let dir = Dir::new();
    for (name, body) in [
        ("p1", &a.company),
        ("p2", &a.plan),
        ("p3", &a.expo),
        ("p4", &a.school),
    ] {
        dir.write(
            &format!("crawl/site-x/{name}.txt"),
            format!("{body}\n\n{footer}\n"),
        );
    }
    dir.write(
        "crawl/site-y/alone.txt",
        format!("{}\n\n{footer}\n", a.hospital),
    );
    dir.scan(&["crawl", "--out", "report", "--quiet"])
        .expect_code(0);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));
    for prompt in footer.lines() {
        let mut clusters = BTreeSet::new();
        for id in [
            "site-x/p1.txt",
            "site-x/p2.txt",
            "site-x/p3.txt",
            "site-x/p4.txt",
            "site-y/alone.txt",
        ] {
            let text = std::fs::read_to_string(dir.join("crawl").join(id)).unwrap();
            let line = text.split('\n').position(|l| l == prompt).unwrap() + 1;
            let r = members.of(id, line);
            let expected = if id.starts_with("site-x") {
                "true"
            } else {
                "false"
            };
            assert_eq!(r["boilerplate"], expected, "{r:?}");
            clusters.insert(r["cluster_id"].clone());
        }
        assert_eq!(clusters.len(), 1, "{prompt}");
        let c = para_cluster(&list, clusters.first().unwrap());
        assert_eq!(
            (c["copies"].as_str(), c["boilerplate"].as_str()),
            ("5", "true"),
            "{c:?}"
        );
    }
}

/// A paragraph pasted inside a longer paragraph on a page of another site is a contained copy.
#[test]
fn paragraph_inside_a_longer_one_is_contained() {
    let a = articles();
    let pasted = seed_lines("000_", 18, 18);
    let long = format!(
        "{}{}{}{}",
        seed_lines("000_", 13, 13),
        pasted,
        seed_lines("000_", 23, 23),
        seed_lines("000_", 24, 24)
    );
    let dir = Dir::new();
    let mut plan: Vec<&str> = a.plan.lines().collect();
    plan.insert(6, &pasted);
    dir.write("crawl/a.cn/plan.txt", chrome("a.cn", &plan.join("\n")));
    let mut expo: Vec<&str> = a.expo.lines().collect();
    expo.insert(4, &long);
    dir.write("crawl/b.cn/expo.txt", chrome("b.cn", &expo.join("\n")));
    dir.scan(&["crawl", "--out", "report", "--quiet"])
        .expect_code(0);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let list = rows(&dir.join("report/paragraphs.csv"));

    let line_of = |id: &str, text: &str| {
        let page = std::fs::read_to_string(dir.join("crawl").join(id)).unwrap();
        page.split('\n').position(|l| l == text).unwrap() + 1
    };
    let inner = members.of("a.cn/plan.txt", line_of("a.cn/plan.txt", &pasted));
    let outer = members.of("b.cn/expo.txt", line_of("b.cn/expo.txt", &long));
    assert_eq!(inner["cluster_id"], outer["cluster_id"]);
    assert_eq!(inner["kind"], "contained", "{inner:?}");
    assert!(similarity(inner) >= 0.8, "{inner:?}");
    assert_eq!((outer["kind"].as_str(), similarity(outer)), ("exact", 1.0));
    let c = para_cluster(&list, &inner["cluster_id"]);
    assert_eq!(
        (
            c["copies"].as_str(),
            c["contained"].as_str(),
            c["boilerplate"].as_str()
        ),
        ("2", "1", "false"),
        "{c:?}"
    );
    assert_eq!(c["chars"].parse::<usize>().unwrap(), letters(&long));
}

/// `--clean-text` leaves out the lines that are boilerplate (the site's chrome, learned on four
/// pages; short lines with a web address) and the second copy of a paragraph printed twice on the
/// page, and keeps every other line, a paragraph also printed on another page included.
#[test]
fn clean_text_drops_boilerplate_and_repeats_only() {
    let a = articles();
    let twice = seed_lines("000_", 18, 18);
    let shared = seed_lines("000_", 21, 21);
    let ad = seed_lines("002_", 14, 14);
    assert!(ad.contains("www."), "{ad}");
    let mut hospital: Vec<&str> = a.hospital.lines().collect();
    hospital.insert(10, &ad);
    hospital.push(&twice);
    let hospital = hospital.join("\n");
    let company = format!("{}\n{shared}", a.company);
    let dir = Dir::new();
    let pages = [
        ("hospital", hospital.as_str()),
        ("company", company.as_str()),
        ("plan", a.plan.as_str()),
        ("expo", a.expo.as_str()),
    ];
    for (name, body) in pages {
        dir.write(&format!("crawl/site-c/{name}.txt"), chrome("site-c", body));
    }
    dir.scan(&[
        "crawl",
        "--out",
        "report",
        "--quiet",
        "--emit-kept",
        "report/kept.jsonl",
        "--clean-text",
    ])
    .expect_code(0);
    let kept = kept_texts(&dir.join("report/kept.jsonl"));
    assert_eq!(kept.len(), 4, "{:?}", kept.keys());

    for (name, body) in pages {
        let id = format!("site-c/{name}.txt");
        let raw = chrome("site-c", body);
        let body_lines: BTreeSet<&str> = body.lines().collect();
        let mut drop = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for (i, line) in raw.split('\n').enumerate() {
            let chrome_line = !line.trim().is_empty() && !body_lines.contains(line);
            let second_copy = line == twice && !seen.insert(line);
            // The ad line, and the site's name under the hospital report's title.
            let web = line.contains("www.") && line.chars().count() < 60;
            if chrome_line || web || second_copy {
                drop.insert(i + 1);
            }
        }
        let expected_drops = if name == "hospital" { 13 + 3 } else { 13 };
        assert_eq!(drop.len(), expected_drops, "{id}");
        assert_cleaned(&id, &raw, &kept[&id], &drop);
    }
    // The paragraph on two pages is kept on both.
    assert!(kept["site-c/hospital.txt"].contains(&shared));
    assert!(kept["site-c/company.txt"].contains(&shared));
}

/// Lines matching `--boilerplate-patterns` are boilerplate on every site, also where nothing is
/// learned; a bad pattern stops the scan with an error naming the file and the line.
#[test]
fn boilerplate_patterns() {
    let a = articles();
    let dir = Dir::new();
    let sites = [
        ("alpha", [&a.hospital, &a.district]),
        ("beta", [&a.school, &a.company]),
        ("gamma", [&a.expo, &a.plan]),
    ];
    for (site, bodies) in sites {
        for (i, body) in bodies.iter().enumerate() {
            dir.write(&format!("crawl/{site}/{i}.txt"), chrome(site, body));
        }
    }
    dir.write(
        "patterns.txt",
        "# breadcrumb and download line\n\n^当前位置:首页>\n^下载本文档\\s\n",
    );
    dir.scan(&[
        "crawl",
        "--out",
        "with",
        "--quiet",
        "--boilerplate-patterns",
        "patterns.txt",
    ])
    .expect_code(0);
    dir.scan(&["crawl", "--out", "without", "--quiet"])
        .expect_code(0);
    let with = Members::read(&dir.join("with/paragraph_members.csv"));
    let without = Members::read(&dir.join("without/paragraph_members.csv"));

    let mut matched = 0;
    for (site, bodies) in sites {
        for (i, body) in bodies.iter().enumerate() {
            let id = format!("{site}/{i}.txt");
            let page = chrome(site, body);
            for (n, line) in page.split('\n').enumerate() {
                let matches = line.starts_with("当前位置:首页>") || line.starts_with("下载本文档 ");
                match with.get(&id, n + 1) {
                    Some(r) => assert_eq!(r["boilerplate"], matches.to_string(), "{r:?} {line}"),
                    None => assert!(!matches, "{id}:{} {line} is a copy", n + 1),
                }
                if matches {
                    matched += 1;
                    // Without the patterns nothing flags it: three sites of two pages learn nothing.
                    if let Some(r) = without.get(&id, n + 1) {
                        assert_eq!(r["boilerplate"], "false", "{r:?}");
                    }
                }
            }
        }
    }
    assert_eq!(matched, 12);

    dir.write("bad.txt", "# ok\n^当前位置\n(unclosed\n");
    let run = dir.scan(&[
        "crawl",
        "--out",
        "bad",
        "--quiet",
        "--boilerplate-patterns",
        "bad.txt",
    ]);
    run.expect_code(1);
    let err = run.stderr();
    assert!(err.contains("bad.txt") && err.contains("line 3"), "{err}");
    assert!(!dir.join("bad/documents.csv").exists());
}

/// `--level page` writes no paragraph reports; `--level paragraph` writes no page reports, and
/// documents.csv still has every record, with its paragraph counts and no page cluster.
#[test]
fn levels_write_their_own_reports() {
    let page = scan_data(&["--level", "page"]);
    let report = page.join("report");
    assert!(report.join("clusters.csv").exists() && report.join("pairs.csv").exists());
    assert!(!report.join("paragraphs.csv").exists());
    assert!(!report.join("paragraph_members.csv").exists());
    for r in rows(&report.join("documents.csv")) {
        assert!(!r["cluster_id"].is_empty(), "{r:?}");
        assert_eq!(r["paragraphs"], "", "{r:?}");
    }
    for r in rows(&report.join("pairs.csv")) {
        assert_eq!(r["shared_paragraphs"], "", "{r:?}");
    }

    let para = scan_data(&["--level", "paragraph"]);
    let both = scan_data(&[]);
    let report = para.join("report");
    assert!(!report.join("clusters.csv").exists());
    assert!(!report.join("pairs.csv").exists());
    let docs = rows(&report.join("documents.csv"));
    let inputs = walk_txt(&data_dir());
    assert_eq!(docs.len(), inputs.len());
    let ids: BTreeSet<&str> = docs.iter().map(|r| r["doc_id"].as_str()).collect();
    for id in &inputs {
        assert!(ids.contains(id.as_str()), "{id}");
    }
    let both_docs = rows(&both.join("report/documents.csv"));
    for r in &docs {
        assert_eq!((r["cluster_id"].as_str(), r["role"].as_str()), ("", ""));
        let b = doc(&both_docs, &r["doc_id"]);
        for col in ["paragraphs", "copied_paragraphs", "repeated_paragraphs"] {
            assert!(!r[col].is_empty());
            assert_eq!(r[col], b[col], "{col} of {}", r["doc_id"]);
        }
    }
    for file in ["paragraphs.csv", "paragraph_members.csv"] {
        assert_eq!(
            std::fs::read(report.join(file)).unwrap(),
            std::fs::read(both.join("report").join(file)).unwrap(),
            "{file}"
        );
    }
}

/// The `.txt` files under `root`, relative to it.
fn walk_txt(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                let rel = path.strip_prefix(root).unwrap().to_str().unwrap();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// `shared_paragraphs` of a pair is the number of distinct paragraph clusters both pages have.
#[test]
fn shared_paragraphs_count_the_clusters_both_pages_have() {
    let dir = scan_data(&[]);
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let pairs = rows(&dir.join("report/pairs.csv"));
    assert!(pairs.len() >= 10, "{pairs:?}");
    for p in &pairs {
        let (a, b) = (
            members.clusters_of(&p["doc_a"]),
            members.clusters_of(&p["doc_b"]),
        );
        let shared = a.intersection(&b).count();
        assert!(shared > 0, "{p:?}");
        assert_eq!(p["shared_paragraphs"], shared.to_string(), "{p:?}");
    }
}

/// `paragraphs.csv` is ranked by copies; `--emit-paragraphs` has one record per row, with the full
/// text of a copy where the CSV has an excerpt.
#[test]
fn paragraph_list_and_texts() {
    let dir = scan_data(&["--emit-paragraphs", "report/paragraphs.jsonl"]);
    let list = rows(&dir.join("report/paragraphs.csv"));
    let members = Members::read(&dir.join("report/paragraph_members.csv"));
    let records = jsonl(&dir.join("report/paragraphs.jsonl"));
    assert!(list.len() > 50);
    assert_eq!(records.len(), list.len());

    let copies: Vec<u32> = list.iter().map(|r| r["copies"].parse().unwrap()).collect();
    assert!(
        copies.windows(2).all(|w| w[0] >= w[1]),
        "ranked by copies: {copies:?}"
    );
    let mut copies_of: BTreeMap<&str, u32> = BTreeMap::new();
    for r in members.by_line.values() {
        *copies_of.entry(r["cluster_id"].as_str()).or_default() += 1;
    }
    assert_eq!(copies_of.len(), list.len());

    let pages = all_pages();
    let mut long = 0;
    for (i, (row, rec)) in list.iter().zip(&records).enumerate() {
        assert_eq!(row["cluster_id"], (i + 1).to_string());
        assert_eq!(
            rec["cluster_id"].as_u64().unwrap().to_string(),
            row["cluster_id"]
        );
        for field in ["copies", "pages", "sites", "variants"] {
            assert_eq!(
                rec[field].as_u64().unwrap().to_string(),
                row[field],
                "{field}"
            );
        }
        assert_eq!(
            rec["boilerplate"].as_bool().unwrap().to_string(),
            row["boilerplate"]
        );
        assert_eq!(rec["first_doc_id"].as_str().unwrap(), row["first_doc_id"]);
        assert_eq!(
            copies_of[row["cluster_id"].as_str()].to_string(),
            row["copies"]
        );
        let text = rec["text"].as_str().unwrap();
        // The text is a whole line of one of the copies.
        assert!(
            members
                .by_line
                .values()
                .filter(|m| m["cluster_id"] == row["cluster_id"])
                .any(
                    |m| pages[m["doc_id"].as_str()][m["line"].parse::<usize>().unwrap() - 1].trim()
                        == text
                ),
            "{text}"
        );
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let excerpt = row["excerpt"].trim_end_matches('…');
        assert!(folded.starts_with(excerpt), "{excerpt} / {text}");
        if folded.chars().count() > 200 {
            assert!(row["excerpt"].ends_with('…'));
            long += 1;
        }
    }
    assert!(long > 0, "some paragraphs are longer than the excerpt");
}

/// With paragraphs on, every report is byte-identical at one and at four threads.
#[test]
fn paragraph_reports_are_identical_at_any_thread_count() {
    let flags = |out: &str| {
        vec![
            "--out".to_string(),
            out.to_string(),
            "--emit-paragraphs".to_string(),
            format!("{out}/paragraphs.jsonl"),
            "--emit-kept".to_string(),
            format!("{out}/kept.jsonl"),
            "--clean-text".to_string(),
        ]
    };
    let dir = Dir::new();
    let data = data_dir();
    for (out, threads) in [("one", "1"), ("four", "4")] {
        let mut args: Vec<String> = vec![
            data.to_str().unwrap().to_string(),
            "--quiet".into(),
            "-j".into(),
            threads.into(),
        ];
        args.extend(flags(out));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        dir.scan(&args).expect_code(0);
    }
    for file in [
        "documents.csv",
        "clusters.csv",
        "pairs.csv",
        "paragraphs.csv",
        "paragraph_members.csv",
        "paragraphs.jsonl",
        "kept.jsonl",
    ] {
        let one = std::fs::read(dir.join("one").join(file)).unwrap();
        assert!(!one.is_empty(), "{file}");
        assert_eq!(
            one,
            std::fs::read(dir.join("four").join(file)).unwrap(),
            "{file}"
        );
    }
}
