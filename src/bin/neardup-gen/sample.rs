//! `neardup-gen sample`: the bundled sample built from the real seed pages.

use anyhow::Result;
use std::path::Path;

pub fn write(_seeds: &Path, _out: &Path, _seed: u64) -> Result<usize> {
    anyhow::bail!("not yet")
}
