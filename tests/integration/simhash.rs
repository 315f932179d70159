//! `neardup scan --method simhash`: the same reports from SimHash candidates.

use crate::util::{Articles, Dir, articles, chrome, doc, rows};

/// A crawl with known copies: the hospital report on three sites (one with placeholders and an ad
/// line, one in traditional Chinese), the district report alone and inside a collection page, an
/// exact copy of a third report, and two reports that share only their site's chrome.
fn crawl() -> Dir {
    let Articles {
        hospital,
        district,
        school,
        company,
        expo,
        plan,
    } = articles();
    let dir = Dir::new();
    dir.write("crawl/a.cn/hospital.txt", chrome("a.cn", &hospital));
    let mut copy: Vec<String> = hospital
        .lines()
        .map(|l| l.replace("2011年", "20xx年"))
        .collect();
    copy.insert(4, "www.xiexiebang.com【xiexiebang.com范文网】".to_string());
    dir.write(
        "crawl/b.cn/hospital-copy.txt",
        chrome("b.cn", &copy.join("\n")),
    );
    dir.write(
        "crawl/tw.example/hospital-tw.txt",
        hanconv::s2twp(chrome("tw.example", &hospital)),
    );
    dir.write("crawl/a.cn/district.txt", chrome("a.cn", &district));
    let collection = format!("{school}\n{district}\n{expo}");
    dir.write("crawl/c.cn/collection.txt", chrome("c.cn", &collection));
    dir.write("crawl/d.cn/report-1.txt", chrome("d.cn", &company));
    dir.write("crawl/d.cn/report-2.txt", chrome("d.cn", &plan));
    dir.write("crawl/e.cn/report-1-mirror.txt", chrome("d.cn", &company));
    dir
}

#[test]
fn simhash_finds_the_known_copies_with_the_same_reports() {
    let dir = crawl();
    let run = dir.scan(&["crawl", "--out", "sim", "--method", "simhash"]);
    run.expect_code(0);
    assert!(
        run.stderr().contains("(SimHash, Hamming ≤ 3)"),
        "{}",
        run.stderr()
    );
    let docs = rows(&dir.join("sim/documents.csv"));
    assert_eq!(docs.len(), 8);

    // The hospital report: one cluster across three sites, simplified and traditional.
    let hospital = [
        "a.cn/hospital.txt",
        "b.cn/hospital-copy.txt",
        "tw.example/hospital-tw.txt",
    ]
    .map(|id| doc(&docs, id));
    assert!(
        hospital
            .iter()
            .all(|r| r["cluster_id"] == hospital[0]["cluster_id"]),
        "{hospital:?}"
    );
    assert_eq!(
        hospital
            .iter()
            .filter(|r| r["role"] == "representative")
            .count(),
        1
    );
    for r in hospital.iter().filter(|r| r["role"] != "representative") {
        assert_eq!(r["role"], "duplicate", "{r:?}");
        assert!(r["jaccard"].parse::<f64>().unwrap() > 0.8, "{r:?}");
    }

    // Containment is not a Hamming property: the line sketches find it, in both methods.
    let district = doc(&docs, "a.cn/district.txt");
    assert_eq!(district["role"], "contained", "{district:?}");
    assert_eq!(district["representative_id"], "c.cn/collection.txt");

    // The exact mirror is a duplicate; the report sharing only chrome stays apart.
    let mirror = doc(&docs, "e.cn/report-1-mirror.txt");
    let r1 = doc(&docs, "d.cn/report-1.txt");
    let r2 = doc(&docs, "d.cn/report-2.txt");
    assert_eq!(mirror["cluster_id"], r1["cluster_id"]);
    assert_eq!(mirror["jaccard"], "1.0000", "{mirror:?}");
    assert_ne!(r1["cluster_id"], r2["cluster_id"]);
    assert_eq!(r2["role"], "unique");

    // Same formats, same answer as MinHash: every document's cluster, role and representative.
    dir.scan(&["crawl", "--out", "min", "--quiet"])
        .expect_code(0);
    let min = rows(&dir.join("min/documents.csv"));
    assert_eq!(docs, min, "documents.csv differs between methods");
    assert_eq!(
        std::fs::read(dir.join("sim/clusters.csv")).unwrap(),
        std::fs::read(dir.join("min/clusters.csv")).unwrap()
    );
    let pairs = rows(&dir.join("sim/pairs.csv"));
    let min_pairs = rows(&dir.join("min/pairs.csv"));
    assert_eq!(pairs.len(), min_pairs.len(), "{pairs:?}");
    for (s, m) in pairs.iter().zip(&min_pairs) {
        assert_eq!(
            s.keys().collect::<Vec<_>>(),
            m.keys().collect::<Vec<_>>(),
            "same columns"
        );
        for column in ["doc_a", "doc_b", "jaccard"] {
            assert_eq!(s[column], m[column]);
        }
        let estimate: f64 = s["jaccard_estimate"].parse().unwrap();
        assert!((0.0..=1.0).contains(&estimate), "{s:?}");
    }
}

#[test]
fn hamming_search_alone_finds_copies_but_not_containment() {
    // Without line sketches, page candidates come only from the Hamming search. The hospital
    // copies (exact Jaccard 0.94 to 0.98) lie about 5 to 7 bits from each other: beyond the
    // default 3, within 8.
    let dir = crawl();
    dir.scan(&[
        "crawl",
        "--out",
        "r",
        "--quiet",
        "--method",
        "simhash",
        "--max-hamming",
        "8",
        "--line-min-chars",
        "1000000",
    ])
    .expect_code(0);
    let docs = rows(&dir.join("r/documents.csv"));
    let hospital = doc(&docs, "a.cn/hospital.txt");
    let copy = doc(&docs, "b.cn/hospital-copy.txt");
    assert_eq!(copy["cluster_id"], hospital["cluster_id"], "{copy:?}");
    assert_eq!(
        doc(&docs, "e.cn/report-1-mirror.txt")["cluster_id"],
        doc(&docs, "d.cn/report-1.txt")["cluster_id"]
    );
    assert_eq!(doc(&docs, "a.cn/district.txt")["role"], "unique");

    // At distance 0 only identical fingerprints remain: the mirror, and the hospital copy, whose
    // placeholders fold to the original's numbers and whose ad line (a web address) is left out.
    dir.scan(&[
        "crawl",
        "--out",
        "k0",
        "--quiet",
        "--method",
        "simhash",
        "--max-hamming",
        "0",
        "--line-min-chars",
        "1000000",
    ])
    .expect_code(0);
    let pairs = rows(&dir.join("k0/pairs.csv"));
    let found: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p["doc_a"].as_str(), p["doc_b"].as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("a.cn/hospital.txt", "b.cn/hospital-copy.txt"),
            ("d.cn/report-1.txt", "e.cn/report-1-mirror.txt")
        ]
    );
    assert!(pairs.iter().all(|p| p["jaccard_estimate"] == "1.0000"));
}

#[test]
fn bad_method_flags_are_usage_errors() {
    let dir = crawl();
    let run = dir.scan(&["crawl", "--method", "simhash", "--max-hamming", "9"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("--max-hamming must be at most 8"),
        "{}",
        run.stderr()
    );
    let run = dir.scan(&["crawl", "--method", "lsh"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("expected minhash or simhash"),
        "{}",
        run.stderr()
    );
}
