//! Signature: shingle sets → fixed-size sketches.
//!
//! [`minhash`]: one-permutation MinHash with optimal densification, `num_perm` u32 values per
//! document, stored in one flat vector (`doc * num_perm ..`). Its estimate of Jaccard similarity is
//! the fraction of equal positions.
//!
//! [`simhash`]: a 64-bit SimHash fingerprint per document (`--method simhash`), stored in one flat
//! `Vec<u64>`; near neighbours are the fingerprints within a small Hamming distance
//! ([`crate::hamming`]).

pub mod minhash;
pub mod simhash;

pub use minhash::{MinHasher, jaccard_estimate};
pub use simhash::{SimHasher, Weighting};
