//! The decoder: detection, forced encodings, replacement counting and binary sniffing.
#![no_main]

use encoding_rs::{BIG5, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};
use libfuzzer_sys::fuzz_target;
use neardup::ingest::decode;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let forced = [
        None,
        Some(UTF_8),
        Some(GBK),
        Some(GB18030),
        Some(BIG5),
        Some(UTF_16LE),
        Some(UTF_16BE),
    ][choice as usize % 7];
    let decoded = decode::decode(bytes, forced, choice & 0x80 != 0);
    let text = decoded.text(bytes);
    let text = std::str::from_utf8(text).expect("decoded text is UTF-8");
    let mut last = None;
    for &at in &decoded.replaced {
        assert!(last < Some(at), "ascending offsets");
        assert!(
            text[at..].starts_with('\u{FFFD}'),
            "an offset points at U+FFFD"
        );
        last = Some(at);
    }
    if decoded.owned.is_none() {
        assert!(decoded.replaced.is_empty());
    }
    let _ = decode::binary_reason(bytes);
});
