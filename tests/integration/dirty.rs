//! Dirty crawls: legacy encodings, binary files under text names, broken JSON Lines, truncated
//! archives, unreadable entries, huge documents and text crafted against spreadsheets. The scan
//! keeps going, says what it could not read, and loses no record.

use crate::util::{Articles, Dir, articles, doc, rows, seed_lines};
use encoding_rs::{BIG5, GB18030, GBK};
use std::collections::BTreeMap;
use std::io::Write;

type Row = BTreeMap<String, String>;

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

fn jsonl(records: &[serde_json::Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// Counts from the summary line `N documents read, S skipped (U unreadable)`.
fn summary_counts(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains("documents read"))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse().unwrap())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

/// Every row is accounted for in the summary: documents, skipped, unreadable.
fn assert_complete(docs: &[Row], stderr: &str, expected_records: usize) {
    assert_eq!(docs.len(), expected_records, "{docs:#?}");
    let skipped = docs.iter().filter(|r| r["role"] == "skipped").count();
    let unreadable = docs
        .iter()
        .filter(|r| r["role"] == "skipped" && r["reason"] != "no text after normalization")
        .count();
    assert_eq!(summary_counts(stderr), (docs.len(), skipped, unreadable));
    for r in docs {
        assert_eq!(r["role"] == "skipped", !r["reason"].is_empty(), "{r:?}");
    }
}

fn by_source<'a>(docs: &'a [Row], suffix: &str) -> Vec<&'a Row> {
    docs.iter()
        .filter(|r| r["source"].contains(suffix))
        .collect()
}

#[test]
fn legacy_encodings_are_detected_and_decoded() {
    let Articles {
        hospital,
        district,
        school,
        company,
        expo,
        plan,
    } = articles();
    let district = format!("{district}\n附：𠀀字（GB18030 四字节）");
    let dir = Dir::new();
    dir.write("enc/utf8.txt", &hospital);
    dir.write("enc/gbk.txt", GBK.encode(&hospital).0);
    dir.write("enc/gb18030.txt", GB18030.encode(&district).0);
    dir.write("enc/big5.txt", BIG5.encode(&hanconv::s2twp(&school)).0);
    dir.write("enc/utf16le.txt", utf16(&company, false));
    dir.write("enc/utf16be.txt", utf16(&company, true));
    dir.write("enc/utf8bom.txt", format!("\u{feff}{plan}"));
    // A UTF-8 page with one stray byte, cut in the middle of its last character.
    let mut damaged = expo.as_bytes().to_vec();
    damaged.insert(expo.char_indices().nth(10).unwrap().0, 0xFF);
    damaged.extend_from_slice(&"工".as_bytes()[..2]);
    dir.write("enc/damaged.txt", damaged);
    // JSON Lines is UTF-8: a record written in GBK by mistake is kept, its bad bytes counted.
    let mut lines = jsonl(&[serde_json::json!({"id": "school", "text": school})]).into_bytes();
    lines.extend_from_slice(b"{\"id\":\"gbk-line\",\"text\":\"");
    lines.extend_from_slice(&GBK.encode("工会工作").0);
    lines.extend_from_slice(b"\"}\n");
    dir.write("enc/records.jsonl", lines);

    let run = dir.scan(&["enc", "--out", "r"]);
    run.expect_code(0);
    let docs = rows(&dir.join("r/documents.csv"));
    assert_complete(&docs, &run.stderr(), 10);
    let encoding = |id: &str| doc(&docs, id)["encoding"].clone();
    assert_eq!(encoding("utf8.txt"), "UTF-8");
    assert_eq!(encoding("gbk.txt"), "GBK");
    // The GBK decoder is the GB18030 decoder: four-byte sequences decode too.
    assert_eq!(encoding("gb18030.txt"), "GBK");
    assert_eq!(encoding("big5.txt"), "Big5");
    assert_eq!(encoding("utf16le.txt"), "UTF-16LE");
    assert_eq!(encoding("utf16be.txt"), "UTF-16BE");
    assert_eq!(encoding("utf8bom.txt"), "UTF-8");
    assert_eq!(encoding("damaged.txt"), "UTF-8 (2 replaced)");
    assert_eq!(encoding("school"), "UTF-8");
    // Replacements are counted as the UTF-8 decoder sees them (maximal invalid subparts).
    let gbk_in_utf8 = String::from_utf8_lossy(&GBK.encode("工会工作").0)
        .matches('\u{FFFD}')
        .count();
    assert_eq!(
        encoding("gbk-line"),
        format!("UTF-8 ({gbk_in_utf8} replaced)")
    );

    let chars = |id: &str| doc(&docs, id)["chars"].parse::<usize>().unwrap();
    assert_eq!(chars("gbk.txt"), hospital.chars().count());
    assert_eq!(chars("gb18030.txt"), district.chars().count());
    assert_eq!(chars("utf16le.txt"), company.chars().count());
    assert_eq!(chars("utf8bom.txt"), plan.chars().count());
    assert_eq!(chars("damaged.txt"), expo.chars().count() + 2);
    // Decoded copies cluster with their UTF-8 originals.
    let cluster = |id: &str| doc(&docs, id)["cluster_id"].clone();
    assert_eq!(cluster("gbk.txt"), cluster("utf8.txt"));
    assert_eq!(cluster("big5.txt"), cluster("school"));
    assert_eq!(cluster("utf16le.txt"), cluster("utf16be.txt"));
    assert_eq!(doc(&docs, "gbk-line")["role"], "unique");

    // Forcing an encoding: a BOM still wins, other files are decoded as told.
    let run = dir.scan(&["enc", "--out", "forced", "--encoding", "gb18030"]);
    run.expect_code(0);
    let forced = rows(&dir.join("forced/documents.csv"));
    assert_eq!(doc(&forced, "gb18030.txt")["encoding"], "gb18030");
    assert_eq!(
        doc(&forced, "gb18030.txt")["chars"],
        district.chars().count().to_string()
    );
    assert_eq!(doc(&forced, "utf16be.txt")["encoding"], "UTF-16BE");
    assert_eq!(doc(&forced, "gbk-line")["encoding"], "gb18030");
    let run = dir.scan(&["enc", "--out", "bad", "--encoding", "klingon"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("unknown encoding"),
        "{}",
        run.stderr()
    );
}

#[test]
fn binary_files_under_text_names_are_skipped_with_a_reason() {
    let dir = Dir::new();
    dir.write("bin/image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0");
    dir.write("bin/photo.txt", b"\xFF\xD8\xFF\xE0\0\x10JFIF\0");
    dir.write("bin/archive.txt", b"PK\x03\x04\x14\0\0\0\x08\0");
    dir.write("bin/paper.txt", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj");
    dir.write("bin/nul.txt", "正文\0正文".as_bytes());
    dir.write("bin/controls.txt", b"\x01\x02\x03\x04\x05\x06\x07\x08abc");
    dir.write("bin/packed.jsonl", b"\x1F\x8B\x08\0\0\0\0\0\0\x03");
    dir.write("bin/text.txt", "工会工作总结，全面贯彻落实。");
    let run = dir.scan(&["bin", "--out", "r"]);
    run.expect_code(3);
    let docs = rows(&dir.join("r/documents.csv"));
    assert_complete(&docs, &run.stderr(), 8);
    let reason = |id: &str| doc(&docs, id)["reason"].clone();
    assert_eq!(reason("image.txt"), "binary data (PNG image)");
    assert_eq!(reason("photo.txt"), "binary data (JPEG image)");
    assert_eq!(reason("archive.txt"), "binary data (ZIP archive)");
    assert_eq!(reason("paper.txt"), "binary data (PDF document)");
    assert_eq!(reason("nul.txt"), "binary data (NUL bytes)");
    assert_eq!(reason("controls.txt"), "binary data (control bytes)");
    assert_eq!(reason("packed.jsonl"), "binary data (gzip archive)");
    assert_eq!(reason("text.txt"), "");
    assert_eq!(doc(&docs, "image.txt")["encoding"], "");
    assert!(
        run.stderr()
            .contains("7 input records could not be read; see the reason column"),
        "{}",
        run.stderr()
    );
}

#[test]
fn broken_json_lines_and_truncated_archives_lose_no_record() {
    let school = articles().school;
    let dir = Dir::new();
    let mut half = jsonl(&[
        serde_json::json!({"id": "a", "text": school}),
        serde_json::json!({"id": "b", "text": "第二篇，另一篇范文的正文。"}),
        serde_json::json!({"id": "c", "body": "没有 text 字段"}),
        serde_json::json!({"id": "d", "text": 42}),
    ]);
    half.push_str("{\"id\": \"e\", \"text\": \"写到一半");
    dir.write("j/half.jsonl", half);

    let full = jsonl(
        &(0..200)
            .map(|i| serde_json::json!({"id": format!("z{i}"), "text": format!("第{i}篇：{school}")}))
            .collect::<Vec<_>>(),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(full.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    dir.write("j/cut.jsonl.gz", &gz[..gz.len() * 2 / 3]);
    let zst = ruzstd::encoding::compress_to_vec(
        full.as_bytes(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    dir.write("j/cut.jsonl.zst", &zst[..zst.len() * 2 / 3]);
    dir.write("j/garbage.jsonl.zst", b"not zstd at all");

    let run = dir.scan(&["j", "--out", "r"]);
    run.expect_code(3);
    let docs = rows(&dir.join("r/documents.csv"));
    let half_rows = by_source(&docs, "half.jsonl:");
    assert_eq!(half_rows.len(), 5);
    assert_ne!(half_rows[0]["role"], "skipped");
    assert_eq!(half_rows[1]["role"], "unique");
    assert_eq!(half_rows[2]["reason"], "no text field \"text\"");
    assert!(half_rows[2]["source"].ends_with("half.jsonl:3"));
    assert_eq!(
        half_rows[3]["reason"],
        "text field \"text\" is not a string"
    );
    assert!(
        half_rows[4]["reason"].starts_with("malformed JSON: EOF while parsing"),
        "{:?}",
        half_rows[4]
    );
    assert!(half_rows[4]["source"].ends_with("half.jsonl:5"));
    assert_eq!(half_rows[4]["doc_id"], "half.jsonl:5");

    for name in ["cut.jsonl.gz", "cut.jsonl.zst"] {
        let cut = by_source(&docs, name);
        let (last, read) = cut.split_last().unwrap();
        assert!(
            last["reason"].starts_with("truncated or corrupt archive"),
            "{name}: {last:?}"
        );
        assert!(
            !read.is_empty() && read.len() < 200,
            "{name}: {}",
            read.len()
        );
        for (i, r) in read.iter().enumerate() {
            assert_eq!(
                r["doc_id"],
                format!("z{i}"),
                "{name}: records before the cut, in order"
            );
            assert_ne!(r["role"], "skipped");
        }
        assert!(last["source"].ends_with(&format!("{name}:{}", read.len() + 1)));
    }
    let garbage = by_source(&docs, "garbage.jsonl.zst");
    assert_eq!(garbage.len(), 1);
    assert!(garbage[0]["reason"].starts_with("truncated or corrupt archive"));
    let expected =
        5 + by_source(&docs, "cut.jsonl.gz").len() + by_source(&docs, "cut.jsonl.zst").len() + 1;
    assert_complete(&docs, &run.stderr(), expected);
}

/// Another program cuts a mapped input short after it was read (a crawler rewriting its output):
/// reading the vanished text does not kill the run (SIGBUS), the documents whose text is gone are
/// skipped with the reason, and none is lost. The cut cannot be timed inside a scan, so this
/// drives the library the way the pipeline does: read, let stages read the text, check.
#[cfg(unix)]
#[test]
fn a_mapped_file_cut_short_after_it_was_read_loses_no_record() {
    use neardup::ingest::{Corpus, IngestOptions, mmap::MMAP_MIN_BYTES};
    let Articles {
        hospital, school, ..
    } = articles();
    let dir = Dir::new();
    let records: Vec<serde_json::Value> = (0..600)
        .map(|i| {
            let text = if i % 2 == 0 { &hospital } else { &school };
            serde_json::json!({"id": format!("p{i}"), "text": format!("第{i}篇\n{text}")})
        })
        .collect();
    let text = jsonl(&records);
    assert!(
        text.len() as u64 >= MMAP_MIN_BYTES,
        "mapped under --mmap auto"
    );
    dir.write("crawl.jsonl", &text);
    let path = dir.join("crawl.jsonl");
    let mut corpus = Corpus::read(std::slice::from_ref(&path), &IngestOptions::default());
    assert_eq!(corpus.mapped_inputs(), 1);
    assert_eq!(corpus.docs.len(), 600);
    assert!(corpus.skip_vanished().is_empty(), "nothing vanished yet");

    // Cut inside record p400 (line 401).
    let line_start = |n: usize| -> usize { text.lines().take(n).map(|l| l.len() + 1).sum() };
    let cut = line_start(400) + 30;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(cut as u64)
        .unwrap();
    // Later stages read every text again: past the cut they see zeros, and live.
    let zeroed = corpus
        .docs
        .iter()
        .filter(|d| corpus.text(d).contains('\0'))
        .count();
    assert_eq!(zeroed, 200, "texts past the cut read as zeros");

    let skipped = corpus.skip_vanished();
    assert_eq!(skipped, (400..600).collect::<Vec<u32>>());
    assert_eq!(corpus.docs.len(), 600, "every record is still there");
    let reason = format!(
        "file shrank from {} to {cut} bytes after it was read",
        text.len()
    );
    for (i, d) in corpus.docs.iter().enumerate() {
        assert_eq!(d.id(), format!("p{i}"));
        if i < 400 {
            assert_eq!(d.skip, None, "{d:?}");
            assert!(corpus.text(d).starts_with(&format!("第{i}篇\n")));
        } else {
            assert_eq!(d.skip.as_deref(), Some(reason.as_str()), "{d:?}");
        }
    }
    assert_eq!(
        corpus.source(&corpus.docs[400]),
        format!("{}:401", path.display())
    );
    assert_eq!(
        corpus.warnings,
        [format!(
            "{}:401: {reason}; 200 records from here on skipped",
            path.display()
        )]
    );
    // Checked again, nothing more is found.
    assert!(corpus.skip_vanished().is_empty());
    assert!(corpus.vanished().is_empty());
}

#[cfg(unix)]
#[test]
fn unreadable_entries_and_symlink_loops_are_reported() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = Dir::new();
    dir.write("w/site/page.txt", "工会工作总结，全面贯彻落实。");
    symlink(dir.join("w"), dir.join("w/site/loop")).unwrap();
    symlink(dir.join("w/nowhere.txt"), dir.join("w/site/dangling.txt")).unwrap();
    dir.write("w/locked/secret.txt", "锁住的文件");
    std::fs::set_permissions(dir.join("w/locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: the locked directory is then an ordinary one.
    let locked_out = std::fs::read_dir(dir.join("w/locked")).is_err();

    let run = dir.scan(&["w", "missing.txt", "--out", "r"]);
    std::fs::set_permissions(dir.join("w/locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    run.expect_code(3);
    let docs = rows(&dir.join("r/documents.csv"));
    assert_complete(&docs, &run.stderr(), 5);
    let reason = |id: &str| doc(&docs, id)["reason"].clone();
    assert_eq!(reason("site/page.txt"), "");
    assert_eq!(reason("site/loop"), "symlink loop");
    assert!(
        reason("site/dangling.txt").starts_with("cannot read"),
        "{docs:?}"
    );
    assert!(reason("missing.txt").starts_with("cannot read"));
    if locked_out {
        assert!(reason("locked").starts_with("cannot read"), "{docs:?}");
    } else {
        assert_eq!(reason("locked/secret.txt"), "");
    }
}

#[test]
fn huge_documents_are_skipped_by_max_doc_bytes() {
    let dir = Dir::new();
    let line = "工会工作总结全面贯彻落实".repeat(250_000); // 9 MB on one line
    dir.write(
        "big/huge.jsonl",
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "huge", "text": line}),
            serde_json::json!({"id": "small", "text": "一篇短文"}),
        ),
    );
    dir.write("big/huge.txt", &line);
    let run = dir.scan(&["big", "--out", "r", "--max-doc-bytes", "1000000"]);
    run.expect_code(3);
    let docs = rows(&dir.join("r/documents.csv"));
    assert_complete(&docs, &run.stderr(), 3);
    let expected = format!(
        "document of {} bytes exceeds --max-doc-bytes 1000000",
        line.len()
    );
    assert_eq!(doc(&docs, "huge")["reason"], expected);
    assert_eq!(doc(&docs, "huge.txt")["reason"], expected);
    assert_eq!(doc(&docs, "small")["role"], "unique");
    // With room for it, the same line is a document.
    dir.scan(&["big/huge.jsonl", "--out", "ok", "--quiet"])
        .expect_code(0);
    let ok = rows(&dir.join("ok/documents.csv"));
    assert_eq!(doc(&ok, "huge")["chars"], line.chars().count().to_string());
}

#[test]
fn reports_resist_quotes_formulas_controls_and_paths() {
    let text = seed_lines("000_", 3, 20);
    let ids = [
        "say \"hi\"",
        "a,b",
        "two\nlines",
        "=1+2",
        "bell\u{7}\u{202E}txt",
        "../../outside.csv",
        "/tmp/neardup-absolute.csv",
    ];
    let records: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "id": id,
                "url": if i == 0 { "=HYPERLINK(\"http://evil.example\")" } else { "http://a.cn/x" },
                "text": format!("{text}\n第{i}篇"),
            })
        })
        .collect();
    let dir = Dir::new();
    dir.write("in/pages.jsonl", jsonl(&records));
    dir.write("in/-cmd.txt", "=cmd|' /C calc'!A0\n@SUM(1)");
    let run = dir.scan(&["in", "--out", "out/r"]);
    run.expect_code(0);

    let bytes = std::fs::read(dir.join("out/r/documents.csv")).unwrap();
    assert!(
        bytes.iter().all(|&b| b >= 0x20 || b == b'\n'),
        "no control bytes but line ends"
    );
    let docs = rows(&dir.join("out/r/documents.csv"));
    assert_complete(&docs, &run.stderr(), ids.len() + 1);
    let got: Vec<&str> = docs.iter().map(|r| r["doc_id"].as_str()).collect();
    assert_eq!(
        got,
        [
            "-cmd.txt",
            "say \"hi\"",
            "a,b",
            "two lines",
            "=1+2",
            "bell  txt",
            "../../outside.csv",
            "/tmp/neardup-absolute.csv"
        ]
    );
    assert_eq!(docs[1]["url"], "'=HYPERLINK(\"http://evil.example\")");
    // Nothing but the fixed report files, all inside --out.
    let mut written: Vec<_> = std::fs::read_dir(dir.join("out/r"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "clusters.csv",
            "documents.csv",
            "pairs.csv",
            "paragraph_members.csv",
            "paragraphs.csv"
        ]
    );
    let mut top: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    top.sort();
    assert_eq!(top, ["in", "out"]);
    assert!(!dir.join("outside.csv").exists());

    // Excel mode guards ids and paths too.
    dir.scan(&["in", "--out", "xl", "--excel", "--quiet"])
        .expect_code(0);
    let xl = rows(&dir.join("xl/documents.csv"));
    assert_eq!(xl[0]["doc_id"], "'-cmd.txt");
    assert_eq!(xl[4]["doc_id"], "'=1+2");
    let clusters = rows(&dir.join("xl/clusters.csv"));
    assert!(
        clusters
            .iter()
            .all(|c| !c["excerpt"].starts_with(['=', '+', '-', '@']))
    );
}
