//! Property tests: the normalizer is idempotent (per line) and script-blind; the readers never
//! panic.
//!
//! Simplified/traditional: windows of the seed pages are converted with `hanconv::s2twp` (Taiwan
//! phrasing) and both copies must normalize alike. Excluded, because no normalizer can undo them:
//! windows whose conversion the phrase tables cannot round-trip (`to_simplified(s2twp(s))` does
//! not normalize like `s`: one-to-many characters such as 后/後/后, 干/乾/幹, and Taiwan words
//! whose mainland form differs from the original), and windows the detector rightly leaves alone
//! (fewer than 3 traditional-only characters, see `normalize::zh::is_traditional`).

use neardup::ingest::{self, Buffer, Corpus, Fields, Format, IngestOptions, Input, Origin, jsonl};
use neardup::normalize::{self, zh};
use proptest::prelude::*;
use std::sync::LazyLock;

/// Characters of all seed pages.
static SEED: LazyLock<Vec<char>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .chars()
                .collect::<Vec<_>>()
        })
        .collect()
});

/// A window of the seed pages.
fn seed_window(min: usize, max: usize) -> impl Strategy<Value = String> {
    (0..1_000_000usize, min..max).prop_map(|(at, len)| {
        let seed = &*SEED;
        let start = at % seed.len().saturating_sub(len).max(1);
        seed[start..(start + len).min(seed.len())].iter().collect()
    })
}

/// Text in the normalizer's range: Chinese (simplified and traditional), Latin, digits,
/// placeholders, full-width forms, punctuation, whitespace and the odd symbol.
fn messy_text() -> impl Strategy<Value = String> {
    const ALPHABET: &[char] = &[
        '工', '会', '总', '结', '年', '度', '計', '劃', '資', '訊', '專', '案', '后', '後', '干',
        '二', '〇', '零', '一', '十', 'O', 'o', 'x', 'X', '*', '0', '7', 'a', 'B', 'z', '#', '，',
        '。', '、', '“', '”', '`', '\'', ' ', '\n', '\t', '\r', 'Ａ', '１', '＊', '　', 'ⅰ', 'ﬁ',
        '①', '㈠', '\u{301}', '\u{200b}', '🙂', '-', '_', '.',
    ];
    prop_oneof![
        prop::collection::vec(prop::sample::select(ALPHABET), 0..120)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
        seed_window(1, 300),
        any::<String>(),
    ]
}

/// Bytes that look like input often enough to reach past the first check.
fn input_bytes() -> impl Strategy<Value = Vec<u8>> {
    const PIECES: &[&[u8]] = &[
        b"{\"id\":",
        b"\"text\":\"",
        b"\"url\":\"http://a.cn/x\"",
        b"\\u5de5\\n\\\"",
        b"\\ud800",
        b"\"}",
        b",",
        b"\n",
        b"\r\n",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xFE\xFF",
        "工会工作".as_bytes(),
        b"\xB9\xA4\xBB\xE1",
        b"\xA4\x75",
        b"\0",
        b"\xFF",
        b"\x89PNG\r\n\x1a\n",
        b"\x1F\x8B\x08",
        b"123",
        b"null",
        b"[",
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|ps| ps.concat()),
    ]
}

fn check_corpus(corpus: &Corpus) {
    for doc in &corpus.docs {
        let text = corpus.text(doc);
        if doc.skip.is_none() {
            assert!(doc.encoding.is_some());
        }
        if doc.skip.is_none() && doc.line == 0 {
            let fffd = text.matches('\u{FFFD}').count();
            assert!(doc.replaced as usize <= fffd, "{} > {fffd}", doc.replaced);
        }
        let _ = corpus.source(doc);
        let _ = doc.encoding_label();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn normalizing_is_idempotent_per_line(text in messy_text()) {
        // Normalized text is a fixed point of normalization. Conversion to simplified is decided
        // once per page, so it is not redone: a simplified page may quote a few traditional
        // characters (當前位置:才華齋) that a line alone would be taken for traditional by, and
        // the Taiwan phrase tables applied to simplified text change it (文件 → 文档).
        let mut out = normalize::Normalized::new();
        normalize::normalize_document(&text, &mut out);
        let mut again = String::new();
        for line in &out.lines {
            let once = &out.text[line.start as usize..line.end as usize];
            normalize::normalize_line(once, false, &mut again);
            prop_assert_eq!(&again, once);
        }
    }

    #[test]
    fn traditional_copies_normalize_alike(simplified in seed_window(60, 400)) {
        let traditional = hanconv::s2twp(&simplified);
        prop_assume!(zh::is_traditional(&traditional));
        let expected = normalize::normalize(&simplified);
        prop_assume!(normalize::normalize(&zh::to_simplified(&traditional)) == expected);
        prop_assert_eq!(normalize::normalize(&traditional), expected);
    }

    #[test]
    fn parse_line_never_panics_and_spans_stay_inside(line in input_bytes(), offset in 0..100usize) {
        if let jsonl::Record::Doc { text, .. } = jsonl::parse_line(&line, offset, &Fields::default()) {
            prop_assert!(offset <= text.start && text.start <= text.end);
            prop_assert!(text.end <= offset + line.len());
            let raw = &line[text.start - offset..text.end - offset];
            if text.escaped {
                let _ = jsonl::unescape(raw);
            }
        }
    }

    #[test]
    fn load_never_panics_on_arbitrary_files(bytes in input_bytes(), kind in 0..4usize, mmap in any::<bool>()) {
        let name = ["page.txt", "pages.jsonl", "pages.jsonl.gz", "pages.jsonl.zst"][kind];
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let opts = IngestOptions {
            mmap: if mmap { ingest::MmapChoice::Always } else { ingest::MmapChoice::Never },
            max_doc_bytes: 400,
            ..IngestOptions::default()
        };
        let corpus = Corpus::read(&[path], &opts);
        prop_assert!(!corpus.docs.is_empty() || kind > 0, "a text file is always one record");
        check_corpus(&corpus);
    }

    #[test]
    fn load_buffer_never_panics(bytes in input_bytes(), jsonl in any::<bool>(), forced in 0..4usize) {
        let input = Input {
            origin: Origin::Stdin,
            display: "-".into(),
            id: "-".into(),
            format: Format::Text,
            problem: None,
        };
        let format = if jsonl { Format::Jsonl } else { Format::Text };
        let opts = IngestOptions {
            encoding: [None, Some(encoding_rs::GBK), Some(encoding_rs::BIG5), Some(encoding_rs::UTF_16LE)][forced],
            ..IngestOptions::default()
        };
        let loaded = ingest::load_buffer(&input, Buffer::Owned(bytes), format, &opts);
        let corpus = Corpus::assemble(vec![input], vec![loaded]);
        check_corpus(&corpus);
    }
}
