//! A small harness for running the `neardup` binary on fixture directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory of fixture files.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Runs `neardup scan` with `args`, from this directory.
    pub fn scan(&self, args: &[&str]) -> Run {
        self.scan_with_stdin(args, None)
    }

    pub fn scan_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_neardup"));
        cmd.arg("scan").args(args).current_dir(self.path());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run neardup");
        if let Some(bytes) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        Run { output }
    }
}

/// The outcome of one run.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Asserts the exit code, showing stderr when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), code, "stderr:\n{}", self.stderr());
        self
    }
}

/// Rows of a CSV report as column → value maps (a leading BOM is ignored).
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The row of `documents.csv` whose doc_id is `id`.
pub fn doc<'a>(rows: &'a [BTreeMap<String, String>], id: &str) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["doc_id"] == id)
        .unwrap_or_else(|| panic!("no document {id}"))
}

/// Lines `from..=to` (1-based) of a seed page in `../shared/seeds`, non-empty ones only.
pub fn seed_lines(prefix: &str, from: usize, to: usize) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the seed pages sit beside the repository)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed {prefix}"));
    let text = std::fs::read_to_string(entry).unwrap();
    text.lines()
        .skip(from - 1)
        .take(to + 1 - from)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Site chrome as template sites print it: search line, breadcrumb, meta line, a related-articles
/// footer and a download prompt.
pub fn chrome(site: &str, body: &str) -> String {
    let related: Vec<String> = (1..=8)
        .map(|i| format!("{i}. 20{}年度{site}优秀工作总结范文精选第{i}篇", 10 + i))
        .collect();
    format!(
        "搜索\n当前位置:首页>工作总结>工会工作总结>{site}\n发布时间: 2019.08.17 阅读(8.86K)\n\n{body}\n\n相关范文推荐\n{}\n下载本文档 【{site}】更多精选范文阅读\n",
        related.join("\n")
    )
}

/// Articles cut from the seed pages.
pub struct Articles {
    pub hospital: String,
    pub district: String,
    pub school: String,
    pub company: String,
    pub expo: String,
    pub plan: String,
}

pub fn articles() -> Articles {
    Articles {
        hospital: seed_lines("000_", 3, 48),
        district: seed_lines("002_", 6, 44),
        school: seed_lines("001_", 3, 46),
        company: seed_lines("000_", 87, 143),
        expo: seed_lines("002_", 104, 133),
        plan: seed_lines("002_", 136, 176),
    }
}
