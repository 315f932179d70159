//! Signature: shingle sets → fixed-size sketches.
//!
//! [`minhash`]: one-permutation MinHash with optimal densification, `num_perm` u32 values per
//! document, stored in one flat vector (`doc * num_perm ..`). Its estimate of Jaccard similarity is
//! the fraction of equal positions.

pub mod minhash;

pub use minhash::{MinHasher, jaccard_estimate};
