//! neardup: near-duplicate detection for crawls of Chinese template sites.
//!
//! The pipeline, one module per stage (see `ARCHITECTURE.md`):
//! [`ingest`] → [`normalize`] → [`tokenize`] → [`shingle`] → [`signature`] → [`lsh`] →
//! [`verify`] → [`cluster`] → [`report`], driven by [`pipeline`].

pub mod error;
pub mod ingest;
pub mod normalize;
pub mod tokenize;

pub use error::{Error, Result};
