//! neardup: near-duplicate detection for crawls of Chinese template sites.
//!
//! The pipeline, one module per stage (see `ARCHITECTURE.md`):
//! [`ingest`] → [`normalize`] → [`tokenize`] → [`shingle`] → [`signature`] → [`lsh`] →
//! [`verify`] → [`cluster`] → [`report`], driven by [`pipeline`].

pub mod cluster;
pub mod error;
pub mod ingest;
pub mod lsh;
pub mod normalize;
pub mod shingle;
pub mod signature;
pub mod tokenize;
pub mod verify;

pub use error::{Error, Result};
