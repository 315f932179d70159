//! The normalizer: any UTF-8 text, line ranges inside the normalized text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neardup::normalize::{Normalized, normalize_document};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut out = Normalized::new();
    normalize_document(&text, &mut out);
    let mut end = 0;
    for line in &out.lines {
        assert!(end <= line.start && line.start < line.end);
        assert!(out.text.is_char_boundary(line.start as usize));
        assert!(out.text.is_char_boundary(line.end as usize));
        end = line.end;
    }
    assert_eq!(out.chars as usize, out.text.chars().count());
});
