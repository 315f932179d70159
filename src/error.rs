//! Typed errors of the library. The binary adds context with anyhow at the edge.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write CSV {path}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("no input documents: every input was empty, skipped or unreadable")]
    NoInput,
    #[error("invalid configuration: {0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
