//! neardup: near-duplicate detection for crawls of Chinese template sites.
//!
//! The pipeline, one module per stage (see `ARCHITECTURE.md`):
//! [`ingest`] → [`normalize`] → [`tokenize`] → [`shingle`] → [`signature`] → [`lsh`] →
//! [`verify`] → [`cluster`] → [`report`], driven by [`pipeline`].

pub mod tokenize;
