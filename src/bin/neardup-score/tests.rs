use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fs;

/// A page carrying `arts`: (article, kind, paragraphs printed, article length).
fn page(
    id: &str,
    site: &str,
    traditional: bool,
    arts: &[(u32, &str, std::ops::Range<u32>, u32)],
) -> TruthPage {
    let mut paragraphs = vec![TruthPara {
        line: 1,
        source: None,
        edited: false,
    }];
    let total: u32 = arts.iter().map(|(_, _, r, _)| r.len() as u32).sum();
    let mut articles = Vec::new();
    for (a, kind, r, len) in arts {
        for k in r.clone() {
            paragraphs.push(TruthPara {
                line: paragraphs.len() as u32 + 1,
                source: Some(format!("{a}:{k}")),
                edited: false,
            });
        }
        articles.push(TruthArticle {
            article: *a,
            kind: kind.to_string(),
            kept: r.len() as f64 / *len as f64,
            share: Some(r.len() as f64 / total as f64),
        });
    }
    TruthPage {
        id: id.to_string(),
        site: site.to_string(),
        url: None,
        traditional,
        articles,
        paragraphs,
    }
}

fn hand_made() -> Vec<TruthPage> {
    vec![
        page("p0", "s1", false, &[(1, "original", 0..10, 10)]),
        page("p1", "s2", false, &[(1, "plain", 0..9, 10)]),
        page("p2", "s2", false, &[(1, "truncated", 0..5, 10)]),
        page(
            "p3",
            "s3",
            false,
            &[
                (2, "collection", 0..10, 10),
                (1, "collection", 0..10, 10),
                (3, "collection", 0..10, 10),
            ],
        ),
        page(
            "p4",
            "s3",
            false,
            &[(1, "collection", 0..10, 10), (4, "collection", 0..8, 8)],
        ),
        page("p5", "s1", false, &[(5, "original", 0..10, 10)]),
        page("p6", "s4", true, &[(1, "traditional", 0..10, 10)]),
        page(
            "p7",
            "s1",
            false,
            &[(6, "original", 0..10, 10), (1, "borrowed", 3..5, 10)],
        ),
    ]
}

#[test]
fn pair_rule_on_hand_made_truth() {
    let pages = hand_made();
    let pairs = true_pairs(&pages);
    let carriers = [0u32, 1, 2, 3, 4, 6];
    let mut expected = HashSet::new();
    for (i, &a) in carriers.iter().enumerate() {
        for &b in &carriers[i + 1..] {
            if (a, b) != (3, 4) {
                expected.insert((a, b));
            }
        }
    }
    let got: HashSet<(u32, u32)> = pairs.keys().copied().collect();
    assert_eq!(got, expected);
    assert_eq!(pairs[&(0, 1)], 1, "plain");
    assert_eq!(pairs[&(0, 6)], TRADITIONAL);
    assert_eq!(pairs[&(0, 2)], TRUNCATED);
    assert_eq!(pairs[&(0, 3)], CONTAINED);
    assert_eq!(pairs[&(2, 6)], TRUNCATED | TRADITIONAL);
}

#[test]
fn near_duplicates_need_both_sides_mostly_the_article() {
    // q is 60 % article 1: no near-duplicate; and p (all of 1) is only partly in q.
    let pages = vec![
        page("p", "s", false, &[(1, "original", 0..10, 10)]),
        page(
            "q",
            "s",
            false,
            &[(1, "collection", 0..6, 10), (2, "collection", 0..4, 10)],
        ),
    ];
    assert!(true_pairs(&pages).is_empty());
}

#[test]
fn scores_a_report_with_bom_and_reordered_columns() {
    let pages = hand_made();
    let truth = true_pairs(&pages);
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("documents.csv"),
        "\u{feff}role,doc_id,source,url,site,chars,cluster_id,representative_id,jaccard,containment,reason\n\
         representative,p0,x,,s1,1,c1,p0,,,\n\
         duplicate,p1,x,,s2,1,c1,p0,0.9,,\n\
         duplicate,txt/s4/p6.txt,x,,s4,1,c1,p0,0.9,,\n\
         contained,p2,x,,s2,1,c1,p0,,1.0,\n\
         representative,p5,x,,s1,1,c2,p5,,,\n\
         duplicate,p7,x,,s1,1,c2,p5,,,\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("pairs.csv"),
        "doc_a,doc_b,jaccard_estimate,jaccard,containment_a_in_b,containment_b_in_a\n\
         p3,p4,0.3,0.3,0.5,0.5\np0,p3,0.3,0.3,1.0,0.3\n",
    )
    .unwrap();
    let ids = Ids::new(&pages);
    let predicted = read_predicted(dir.path(), &ids).unwrap();
    assert_eq!(predicted.unmatched_ids, 0);
    // (0,1) (0,6) (0,2) (1,6) (5,7) (3,4) (0,3)
    assert_eq!(predicted.pairs.len(), 7);
    let s = score(&pages, &truth, &predicted);
    assert_eq!(s.tp, 5);
    assert_eq!(s.false_positives["partial_overlap"], 1);
    assert_eq!(s.false_positives["same_site_chrome"], 1);
    assert_eq!(s.false_positives["other"], 0);
    let trad = s
        .recall_by_kind
        .iter()
        .find(|k| k.kind == "traditional")
        .unwrap();
    assert_eq!((trad.found, trad.true_pairs), (2, 5));
}

#[test]
fn combinatorial_paragraph_counts_match_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..20 {
        let n = 60;
        // Instance i: truth group (or none) and predicted cluster (or none).
        let truth: Vec<Option<u64>> = (0..n)
            .map(|_| rng.random_bool(0.8).then(|| rng.random_range(0..6)))
            .collect();
        let pred: Vec<Option<u64>> = (0..n)
            .map(|_| rng.random_bool(0.7).then(|| rng.random_range(0..8)))
            .collect();
        let mut sizes: HashMap<u64, u64> = HashMap::new();
        for t in truth.iter().flatten() {
            *sizes.entry(*t).or_default() += 1;
        }
        let members: Vec<(u64, Option<u64>)> = (0..n)
            .filter_map(|i| pred[i].map(|c| (c, truth[i])))
            .collect();
        let (mut bp, mut bt, mut bb) = (0, 0, 0);
        for i in 0..n {
            for j in i + 1..n {
                let same_pred = pred[i].is_some() && pred[i] == pred[j];
                let same_truth = truth[i].is_some() && truth[i] == truth[j];
                bp += same_pred as u64;
                bt += same_truth as u64;
                bb += (same_pred && same_truth) as u64;
            }
        }
        assert_eq!(pair_counts(&members, &sizes), (bp, bt, bb));
    }
}

#[test]
fn paragraph_score_reads_members() {
    let pages = hand_made();
    let ids = Ids::new(&pages);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paragraph_members.csv");
    // Lines 2 of p0 and p1 are 1:0; line 1 is chrome.
    fs::write(
        &path,
        "doc_id,cluster_id,paragraph,line,similarity\np0,k,1,2,1\np1,k,1,2,1\np5,k,0,1,0.5\n",
    )
    .unwrap();
    let s = paragraph_score(&path, &pages, &ids, &Default::default()).unwrap();
    // The chrome row is left out of the article pairs.
    assert_eq!((s.predicted_pairs, s.tp_pairs, s.chrome_rows), (1, 1, 1));
    assert_eq!(s.found_by_kind[2].found, 2);
    assert!(s.true_pairs > 100);
}
