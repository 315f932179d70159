//! Locates jieba-rs's own `dict.txt` so `tokenize/jieba.rs` can embed it.
//!
//! jieba-rs's `default-dict` feature embeds the same file but pulls in a compression build that
//! dominates compile time; asking cargo where the crate's sources are is cheap and exact.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NEARDUP_JIEBA_DICT");
    let dict = match env::var_os("NEARDUP_JIEBA_DICT") {
        Some(path) => PathBuf::from(path),
        None => locate_jieba_dict(),
    };
    assert!(
        dict.is_file(),
        "jieba dictionary not found at {}; set NEARDUP_JIEBA_DICT to a dict.txt",
        dict.display()
    );
    println!("cargo:rerun-if-changed={}", dict.display());
    println!("cargo:rustc-env=NEARDUP_JIEBA_DICT={}", dict.display());
}

fn locate_jieba_dict() -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let manifest = PathBuf::from(manifest_dir).join("Cargo.toml");
    let mut last_err = String::new();
    // Offline first: the build has already resolved and downloaded every dependency.
    for extra in [&["--offline"][..], &[][..]] {
        let output = Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(&manifest)
            .args(extra)
            .output()
            .expect("running cargo metadata");
        if !output.status.success() {
            last_err = String::from_utf8_lossy(&output.stderr).into_owned();
            continue;
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
        let packages = meta["packages"].as_array().expect("packages array");
        for package in packages {
            if package["name"] == "jieba-rs" {
                let manifest_path = package["manifest_path"].as_str().expect("manifest_path");
                let root = PathBuf::from(manifest_path);
                return root.parent().unwrap().join("src/data/dict.txt");
            }
        }
        panic!("jieba-rs is not among the resolved packages");
    }
    panic!("cargo metadata failed: {last_err}");
}
