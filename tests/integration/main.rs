//! Integration tests: the `neardup` binary on fixture directories built from the real seed pages.

mod util;

mod dirty;
mod memory;
mod paragraphs;
mod props;
mod scan;
mod simhash;
