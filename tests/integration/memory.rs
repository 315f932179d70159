//! `--memory-limit`: band tables through run files on disk, the same reports as in memory.

use crate::util::Dir;
use std::path::Path;
use std::process::Command;

/// A generated crawl of `pages` pages in `dir/corpus/pages.jsonl`.
fn generated(dir: &Dir, pages: usize) -> String {
    let out = dir.join("corpus");
    let status = Command::new(env!("CARGO_BIN_EXE_neardup-gen"))
        .args([
            "corpus",
            "--pages",
            &pages.to_string(),
            "--seed",
            "7",
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run neardup-gen");
    assert!(status.success());
    "corpus/pages.jsonl".to_string()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn spilled_scan_writes_the_same_reports_as_in_memory() {
    let dir = Dir::new();
    let pages = generated(&dir, 400);
    let reports = [
        "documents.csv",
        "clusters.csv",
        "pairs.csv",
        "paragraphs.csv",
        "paragraph_members.csv",
    ];
    dir.scan(&[&pages, "--out", "mem", "-q"]).expect_code(0);
    // Tiny runs: every table of the page level is written in many run files and merged.
    let spilled = dir.scan(&[
        &pages,
        "--out",
        "disk",
        "--memory-limit",
        "64M",
        "--spill-run-bytes",
        "4096",
    ]);
    spilled.expect_code(0);
    let stderr = spilled.stderr();
    let runs: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("neardup: spilled "))
        .and_then(|l| l.split(" in ").nth(1))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no spill line in\n{stderr}"));
    assert!(
        runs > 64,
        "more runs than one merge takes: {runs}\n{stderr}"
    );
    for name in reports {
        let (a, b) = (read(&dir.join("mem"), name), read(&dir.join("disk"), name));
        assert!(a == b, "{name} differs with --memory-limit");
    }
    let pairs = crate::util::rows(&dir.join("disk/pairs.csv"));
    assert!(
        pairs.len() > 50,
        "the crawl has copies: {} pairs",
        pairs.len()
    );
    // The run files went with the scan.
    assert_eq!(entries(&dir.join("disk")), {
        let mut r: Vec<String> = reports.iter().map(|s| s.to_string()).collect();
        r.sort();
        r
    });
}

#[test]
fn spill_dir_is_used_and_left_empty() {
    let dir = Dir::new();
    let pages = generated(&dir, 120);
    std::fs::create_dir(dir.join("tmp")).unwrap();
    // Without a limit, the page sets kept for verification go to the output directory, or to
    // --spill-dir, and are removed.
    let mem = dir.scan(&[&pages, "--out", "mem", "-q", "--level", "page"]);
    mem.expect_code(0);
    let left: Vec<String> = entries(&dir.join("mem"))
        .into_iter()
        .filter(|name| !name.ends_with(".csv"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let args = [
        &pages,
        "--out",
        "mem2",
        "-q",
        "--level",
        "page",
        "--spill-dir",
        "tmp",
    ];
    dir.scan(&args).expect_code(0);
    assert!(read(&dir.join("mem"), "pairs.csv") == read(&dir.join("mem2"), "pairs.csv"));
    dir.scan(&[
        &pages,
        "--out",
        "disk",
        "-q",
        "--level",
        "page",
        "--memory-limit",
        "16M",
        "--spill-dir",
        "tmp",
        "--spill-run-bytes",
        "2048",
    ])
    .expect_code(0);
    for name in ["documents.csv", "clusters.csv", "pairs.csv"] {
        assert!(
            read(&dir.join("mem"), name) == read(&dir.join("disk"), name),
            "{name}"
        );
    }
    assert!(
        entries(&dir.join("tmp")).is_empty(),
        "{:?}",
        entries(&dir.join("tmp"))
    );
}

#[test]
fn bad_memory_limits_are_refused() {
    let dir = Dir::new();
    dir.write("a.txt", "今天天气很好，我们去公园散步。");
    for (limit, says) in [
        ("1M", "at least 16M"),
        ("lots", "not a size"),
        ("5Q", "suffix"),
    ] {
        let run = dir.scan(&["a.txt", "--memory-limit", limit]);
        run.expect_code(2);
        assert!(run.stderr().contains(says), "{limit}: {}", run.stderr());
    }
    // A spill directory that cannot be made is named.
    dir.write("file", "not a directory");
    let run = dir.scan(&["a.txt", "--memory-limit", "64M", "--spill-dir", "file/sub"]);
    assert_ne!(run.code(), 0);
    assert!(run.stderr().contains("file/sub"), "{}", run.stderr());
}
