//! neardup: near-duplicate detection for crawls of Chinese template sites.
//!
//! The pipeline, one module per stage (see `ARCHITECTURE.md`):
//! [`ingest`] → [`normalize`] → [`tokenize`] → [`shingle`] → [`signature`] → [`lsh`] (or, with
//! `--method simhash`, [`hamming`]) → [`verify`] → [`cluster`] → [`report`], driven by
//! [`pipeline`] from a [`Config`].
//!
//! [`spill`] sorts streams of fixed-size records larger than memory through run files on disk.

pub mod boilerplate;
pub mod cluster;
pub mod config;
pub mod error;
pub mod hamming;
pub mod ingest;
pub mod lsh;
pub mod normalize;
pub mod paragraph;
pub mod pipeline;
pub mod report;
pub mod shingle;
pub mod signature;
pub mod spill;
pub mod tokenize;
pub mod verify;

#[cfg(test)]
mod testing;

pub use config::Config;
pub use error::{Error, Result};
pub use pipeline::{Summary, run, scan};
