//! `neardup scan` end to end.

use crate::util::{Dir, articles, chrome, doc, rows};

/// A crawl with known copies: the hospital report on three sites (one in traditional Chinese with
/// stray marks, one with placeholders and an ad line), the district report alone and inside a
/// collection page, and two different reports that share only their site's chrome.
fn crawl() -> Dir {
    let a = articles();
    let dir = Dir::new();
    dir.write("crawl/a.cn/hospital.txt", chrome("a.cn", &a.hospital));
    let mut copy: Vec<String> = a
        .hospital
        .lines()
        .map(|l| l.replace("2011年", "20xx年"))
        .collect();
    copy.insert(4, "www.xiexiebang.com【xiexiebang.com范文网】".to_string());
    copy.truncate(copy.len() - 2);
    dir.write(
        "crawl/b.cn/hospital-copy.txt",
        chrome("b.cn", &copy.join("\n")),
    );
    let traditional = hanconv::s2twp(&a.hospital)
        .replace("，", "，`")
        .replace("。", "'。");
    dir.write(
        "crawl/tw.example/hospital-tw.txt",
        hanconv::s2twp(chrome("tw.example", &traditional)),
    );
    dir.write("crawl/a.cn/district.txt", chrome("a.cn", &a.district));
    let collection = format!("{}\n{}\n{}", a.school, a.district, a.expo);
    dir.write("crawl/c.cn/collection.txt", chrome("c.cn", &collection));
    dir.write("crawl/d.cn/report-1.txt", chrome("d.cn", &a.company));
    dir.write("crawl/d.cn/report-2.txt", chrome("d.cn", &a.plan));
    dir.write("crawl/d.cn/empty.txt", " \n，。\n");
    dir
}

#[test]
fn finds_the_known_copies_and_nothing_else() {
    let dir = crawl();
    dir.scan(&["crawl", "--out", "report", "--quiet"])
        .expect_code(0);
    let docs = rows(&dir.join("report/documents.csv"));
    assert_eq!(docs.len(), 8, "every input document has a row");

    // The hospital report: one cluster across three sites, simplified and traditional.
    let hospital = doc(&docs, "a.cn/hospital.txt");
    let copy = doc(&docs, "b.cn/hospital-copy.txt");
    let tw = doc(&docs, "tw.example/hospital-tw.txt");
    assert_eq!(hospital["cluster_id"], copy["cluster_id"]);
    assert_eq!(
        hospital["cluster_id"], tw["cluster_id"],
        "traditional copy found: {tw:?}"
    );
    let members = [hospital, copy, tw];
    assert_eq!(
        members
            .iter()
            .filter(|r| r["role"] == "representative")
            .count(),
        1
    );
    for r in members.iter().filter(|r| r["role"] != "representative") {
        assert!(
            ["duplicate", "contained"].contains(&r["role"].as_str()),
            "{r:?}"
        );
        assert!(!r["representative_id"].is_empty());
        assert!(r["jaccard"].parse::<f64>().unwrap() > 0.5, "{r:?}");
    }

    // The district report pasted inside a three-article collection page.
    let district = doc(&docs, "a.cn/district.txt");
    assert_eq!(district["role"], "contained", "{district:?}");
    assert_eq!(district["representative_id"], "c.cn/collection.txt");
    assert!(district["containment"].parse::<f64>().unwrap() >= 0.6);
    assert!(
        district["jaccard"].parse::<f64>().unwrap() < 0.5,
        "found by containment, not Jaccard"
    );
    assert_eq!(doc(&docs, "c.cn/collection.txt")["role"], "representative");

    // Two different reports sharing only the site's chrome stay apart.
    let r1 = doc(&docs, "d.cn/report-1.txt");
    let r2 = doc(&docs, "d.cn/report-2.txt");
    assert_ne!(r1["cluster_id"], r2["cluster_id"]);
    assert_eq!(
        (r1["role"].as_str(), r2["role"].as_str()),
        ("unique", "unique")
    );

    // The empty page is accounted for, with its reason.
    let empty = doc(&docs, "d.cn/empty.txt");
    assert_eq!(empty["role"], "skipped");
    assert_eq!(empty["reason"], "no text after normalization");
    assert_eq!(empty["cluster_id"], "");

    // Sites, sources and sizes.
    assert_eq!(tw["site"], "tw.example");
    assert!(
        copy["source"].ends_with("crawl/b.cn/hospital-copy.txt"),
        "{copy:?}"
    );
    assert!(hospital["chars"].parse::<usize>().unwrap() > 1000);

    // clusters.csv: the two clusters, the larger first, with sites and an excerpt.
    let clusters = rows(&dir.join("report/clusters.csv"));
    assert_eq!(clusters.len(), 2, "{clusters:?}");
    assert_eq!(clusters[0]["size"], "3");
    assert_eq!(clusters[0]["sites"], "3");
    assert_eq!(clusters[0]["cluster_id"], hospital["cluster_id"]);
    assert!(
        clusters[0]["excerpt"].starts_with("搜"),
        "{:?}",
        clusters[0]
    );
    assert!(clusters[0]["excerpt"].chars().count() <= 101);
    assert_eq!(clusters[1]["representative_id"], "c.cn/collection.txt");
    assert_eq!(
        (
            clusters[1]["duplicates"].as_str(),
            clusters[1]["contained"].as_str()
        ),
        ("0", "1")
    );

    // pairs.csv: every verified pair, with exact figures.
    let pairs = rows(&dir.join("report/pairs.csv"));
    let has = |a: &str, b: &str| {
        pairs
            .iter()
            .any(|p| (p["doc_a"] == a && p["doc_b"] == b) || (p["doc_a"] == b && p["doc_b"] == a))
    };
    assert!(has("a.cn/hospital.txt", "b.cn/hospital-copy.txt"));
    assert!(has("a.cn/hospital.txt", "tw.example/hospital-tw.txt"));
    assert!(has("a.cn/district.txt", "c.cn/collection.txt"));
    assert!(!has("d.cn/report-1.txt", "d.cn/report-2.txt"));
    assert_eq!(pairs.len(), 4, "{pairs:?}");
}

#[test]
fn output_is_identical_at_any_thread_count() {
    let dir = crawl();
    dir.scan(&[
        "crawl",
        "--out",
        "one",
        "-j",
        "1",
        "--quiet",
        "--emit-kept",
        "one/kept.jsonl",
    ])
    .expect_code(0);
    dir.scan(&[
        "crawl",
        "--out",
        "two",
        "-j",
        "2",
        "--quiet",
        "--emit-kept",
        "two/kept.jsonl",
    ])
    .expect_code(0);
    dir.scan(&[
        "crawl",
        "--out",
        "four",
        "-j",
        "4",
        "--quiet",
        "--emit-kept",
        "four/kept.jsonl",
    ])
    .expect_code(0);
    for file in ["documents.csv", "clusters.csv", "pairs.csv", "kept.jsonl"] {
        let one = std::fs::read(dir.join("one").join(file)).unwrap();
        assert!(!one.is_empty());
        assert_eq!(
            one,
            std::fs::read(dir.join("two").join(file)).unwrap(),
            "{file}"
        );
        assert_eq!(
            one,
            std::fs::read(dir.join("four").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn kept_corpus_has_representatives_and_unique_pages() {
    let dir = crawl();
    dir.scan(&[
        "crawl",
        "--out",
        "report",
        "--quiet",
        "--emit-kept",
        "kept/kept.jsonl",
    ])
    .expect_code(0);
    let kept = std::fs::read_to_string(dir.join("kept/kept.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = kept
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs = rows(&dir.join("report/documents.csv"));
    let expected: Vec<&str> = docs
        .iter()
        .filter(|r| r["role"] == "representative" || r["role"] == "unique")
        .map(|r| r["doc_id"].as_str())
        .collect();
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected);
    assert_eq!(ids.len(), 4, "two representatives and two unique reports");
    let collection = records
        .iter()
        .find(|r| r["id"] == "c.cn/collection.txt")
        .unwrap();
    let raw = std::fs::read_to_string(dir.join("crawl/c.cn/collection.txt")).unwrap();
    assert_eq!(collection["text"], raw.as_str(), "raw text, not normalized");
}

#[test]
fn excel_reports_have_bom_crlf_and_no_formulas() {
    let dir = Dir::new();
    let a = articles();
    dir.write("pages.jsonl", format!(
        "{}\n{}\n",
        serde_json::json!({"id": "=cmd|' /C calc'!A0", "url": "http://x.cn/1", "text": a.hospital}),
        serde_json::json!({"id": "+copy", "url": "http://y.cn/2", "text": a.hospital}),
    ));
    dir.scan(&["pages.jsonl", "--out", "xl", "--excel", "--quiet"])
        .expect_code(0);
    let bytes = std::fs::read(dir.join("xl/documents.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFdoc_id,source,"));
    assert!(bytes.windows(2).filter(|w| w == b"\r\n").count() >= 3);
    let docs = rows(&dir.join("xl/documents.csv"));
    assert_eq!(docs[0]["doc_id"], "'=cmd|' /C calc'!A0");
    assert_eq!(docs[1]["doc_id"], "'+copy");
    // Equal texts: the representative is the smaller id.
    assert_eq!(docs[0]["representative_id"], "'+copy");
    assert_eq!(docs[1]["site"], "y.cn");
    // Without --excel, ids stay exactly as given.
    dir.scan(&["pages.jsonl", "--out", "plain", "--quiet"])
        .expect_code(0);
    assert_eq!(
        rows(&dir.join("plain/documents.csv"))[0]["doc_id"],
        "=cmd|' /C calc'!A0"
    );
}

#[test]
fn jsonl_fields_ids_and_bad_lines() {
    let dir = Dir::new();
    let a = articles();
    let good =
        serde_json::json!({"key": 17, "link": "https://www.gz85.com/a.html", "body": a.school});
    let no_id = serde_json::json!({"link": "https://m.gz85.com/b.html", "body": a.school});
    let no_text = serde_json::json!({"key": "x"});
    dir.write(
        "in.jsonl",
        format!("{good}\n{{\"key\": broken\n{no_id}\n\n{no_text}\n"),
    );
    let run = dir.scan(&[
        "in.jsonl",
        "--out",
        "r",
        "--id-field",
        "key",
        "--text-field",
        "body",
        "--url-field",
        "link",
    ]);
    run.expect_code(3);
    assert!(
        run.stderr().contains("2 input records could not be read"),
        "{}",
        run.stderr()
    );
    let docs = rows(&dir.join("r/documents.csv"));
    let ids: Vec<&str> = docs.iter().map(|r| r["doc_id"].as_str()).collect();
    assert_eq!(ids, ["17", "in.jsonl:2", "in.jsonl:3", "in.jsonl:5"]);
    assert_eq!(docs[0]["site"], "www.gz85.com");
    assert_eq!(docs[0]["source"], "in.jsonl:1");
    assert_eq!(docs[2]["role"], "duplicate");
    assert_eq!(docs[2]["representative_id"], "17");
    assert!(
        docs[1]["reason"].starts_with("malformed JSON"),
        "{:?}",
        docs[1]
    );
    assert_eq!(docs[3]["reason"], "no text field \"body\"");
    assert_eq!(docs[3]["role"], "skipped");
}

#[test]
fn short_pages_are_not_all_duplicates() {
    let dir = Dir::new();
    dir.write("p/1.txt", "工会工作总结");
    dir.write("p/2.txt", "医院年度计划");
    dir.write("p/3.txt", "工会工作总结！");
    dir.scan(&["p", "--out", "r", "--quiet"]).expect_code(0);
    let docs = rows(&dir.join("r/documents.csv"));
    assert_eq!(
        docs[0]["cluster_id"], docs[2]["cluster_id"],
        "same short text"
    );
    assert_ne!(
        docs[0]["cluster_id"], docs[1]["cluster_id"],
        "different short texts"
    );
    assert_eq!(docs[1]["role"], "unique");
}

#[test]
fn reads_standard_input() {
    let dir = Dir::new();
    let a = articles();
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "s1", "text": a.company}),
        serde_json::json!({"id": "s2", "text": format!("{}\n", a.company)}),
    );
    dir.scan_with_stdin(&["-", "--out", "r", "--quiet"], Some(input.as_bytes()))
        .expect_code(0);
    let docs = rows(&dir.join("r/documents.csv"));
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["source"], "-:1");
    assert_eq!(docs[1]["role"], "duplicate");
}

#[test]
fn bad_usage_and_summary() {
    let dir = crawl();
    let run = dir.scan(&["crawl", "--threshold", "1.5"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("--threshold must be in (0, 1]"),
        "{}",
        run.stderr()
    );
    let run = dir.scan(&["crawl", "--out", "r"]);
    run.expect_code(0);
    let err = run.stderr();
    assert!(
        err.contains("8 documents read, 1 skipped (0 unreadable); 2 clusters"),
        "{err}"
    );
    assert!(err.contains("MB/s"), "{err}");
    let run = dir.scan(&["crawl", "--out", "q", "--quiet"]);
    assert_eq!(run.stderr(), "");
}

#[test]
fn bundled_sample_matches_its_truth() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let dir = Dir::new();
    dir.scan(&[data.to_str().unwrap(), "--out", "r", "--quiet"])
        .expect_code(0);
    let docs = rows(&dir.join("r/documents.csv"));
    let truth = std::fs::read_to_string(data.join("truth.tsv")).unwrap();
    let mut expected = std::collections::BTreeMap::new();
    for line in truth.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        expected.insert(cols[0].to_string(), cols[3].to_string());
    }
    assert_eq!(
        docs.len(),
        expected.len(),
        "every sample page read, README and truth not"
    );
    let cluster_of = |id: &str| doc(&docs, id)["cluster_id"].clone();
    let mut apart = Vec::new();
    for (id, group) in &expected {
        let row = doc(&docs, id);
        if group.is_empty() {
            assert_eq!(row["role"], "unique", "{id} has no copy: {row:?}");
            continue;
        }
        // A page with a group shares its cluster with another page of that group ...
        let mut mates = expected
            .iter()
            .filter(|(other, g)| *g == group && *other != id);
        if !mates.any(|(other, _)| cluster_of(other) == row["cluster_id"]) {
            apart.push(id.as_str());
        }
        // ... and never with a page of another group or of none.
        for (other, g) in &expected {
            if other != id && cluster_of(other) == row["cluster_id"] {
                assert_eq!(g, group, "{id} clustered with {other}");
            }
        }
    }
    // The five-article seed page shares one article with the three-article collection: a partial
    // overlap, which is not a copy either way (the derived pages of that article are clustered).
    assert_eq!(apart, ["www.xiexiebang.com/002_879e6cfc3f7b6c52.txt"]);
    let derived_traditional = doc(&docs, "www.cnfla.com/health_union_traditional.txt");
    assert_ne!(derived_traditional["role"], "unique");
}

#[test]
fn boilerplate_learned_per_site_is_left_out_of_fingerprints() {
    // Two sites of six pages each, every page in its site's chrome; the hospital report is on both.
    let a = articles();
    let bodies = [&a.district, &a.school, &a.company, &a.expo, &a.plan];
    let short: String = a.hospital.lines().take(6).collect::<Vec<_>>().join("\n");
    // Site b's own chrome: other navigation, other related titles, a download prompt.
    let other_chrome = |site: &str, body: &str| {
        let related: Vec<String> = (1..=8)
            .map(|i| format!("{i}、{site}精选年终个人述职报告模板下载第{i}套"))
            .collect();
        format!(
            "首页 > 范文大全 > 总结报告\n{body}\n猜你喜欢\n{}\n点击下载本文完整版Word文档\n",
            related.join("\n")
        )
    };
    let wrap = |site: &str, body: &str| {
        if site == "a.cn" {
            chrome(site, body)
        } else {
            other_chrome(site, body)
        }
    };
    let dir = Dir::new();
    for (site, prefix) in [("a.cn", "甲"), ("b.cn", "乙")] {
        for (i, body) in bodies.iter().enumerate() {
            // Each site prints only part of the other reports, so no page is a copy across sites.
            let part: Vec<&str> = body
                .lines()
                .skip(if prefix == "甲" { 0 } else { 8 })
                .take(6)
                .collect();
            dir.write(
                &format!("crawl/{site}/{i}.txt"),
                wrap(site, &part.join("\n")),
            );
        }
        dir.write(&format!("crawl/{site}/hospital.txt"), wrap(site, &short));
    }
    let jaccard = |out: &str| {
        let docs = rows(&dir.join(out).join("documents.csv"));
        let copy = doc(&docs, "b.cn/hospital.txt");
        assert_eq!(copy["representative_id"], "a.cn/hospital.txt", "{copy:?}");
        let others = docs.iter().filter(|r| !r["doc_id"].contains("hospital"));
        let roles: Vec<String> = others
            .clone()
            .map(|r| format!("{} {}", r["doc_id"], r["role"]))
            .collect();
        assert!(
            others.clone().all(|r| r["role"] == "unique"),
            "{out}: chrome alone makes no copy {roles:?}"
        );
        assert_eq!(others.count(), 10);
        copy["jaccard"].parse::<f64>().unwrap()
    };
    dir.scan(&["crawl", "--out", "strip", "--quiet"])
        .expect_code(0);
    dir.scan(&[
        "crawl",
        "--out",
        "keep",
        "--quiet",
        "--strip-boilerplate",
        "false",
    ])
    .expect_code(0);
    let (stripped, kept) = (jaccard("strip"), jaccard("keep"));
    assert!(stripped > kept + 0.05, "stripped {stripped} vs kept {kept}");
    assert!(
        stripped > 0.95 && kept < 0.8,
        "stripped {stripped} vs kept {kept}"
    );
}

/// Each cluster's excerpt is its own representative's text, also when the clusters (largest
/// first) come in another order than their representatives (input order), as the excerpts are
/// read in input order.
#[test]
fn cluster_excerpts_belong_to_their_representatives() {
    let a = articles();
    let dir = Dir::new();
    // The plan twice, first in the input; the company report three times, after it.
    dir.write("crawl/a.cn/plan.txt", &a.plan);
    dir.write("crawl/b.cn/plan.txt", &a.plan);
    for site in ["c.cn", "d.cn", "e.cn"] {
        dir.write(&format!("crawl/{site}/company.txt"), &a.company);
    }
    dir.write("crawl/f.cn/district.txt", &a.district);
    dir.scan(&["crawl", "--out", "report", "--level", "page", "--quiet"])
        .expect_code(0);
    let clusters = rows(&dir.join("report/clusters.csv"));
    let firsts: Vec<(&str, &str)> = clusters
        .iter()
        .map(|c| (c["size"].as_str(), c["representative_id"].as_str()))
        .collect();
    assert_eq!(firsts, [("3", "c.cn/company.txt"), ("2", "a.cn/plan.txt")]);
    let folded = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (cluster, text) in clusters.iter().zip([&a.company, &a.plan]) {
        let excerpt = cluster["excerpt"].trim_end_matches('…');
        assert!(excerpt.chars().count() >= 50, "{cluster:?}");
        assert!(folded(text).starts_with(excerpt), "{excerpt} / {text}");
    }
}
