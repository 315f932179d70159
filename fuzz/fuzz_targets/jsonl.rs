//! The JSON Lines reader: one line, and a whole buffer split into records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neardup::ingest::{self, Buffer, Corpus, Fields, Format, IngestOptions, Input, Origin, jsonl};

fuzz_target!(|data: &[u8]| {
    if let jsonl::Record::Doc { text, .. } = jsonl::parse_line(data, 7, &Fields::default()) {
        assert!(7 <= text.start && text.start <= text.end && text.end <= 7 + data.len());
        let raw = &data[text.start - 7..text.end - 7];
        if text.escaped {
            let _ = jsonl::unescape(raw);
        } else {
            assert!(std::str::from_utf8(raw).is_ok());
        }
    }
    let input = Input {
        origin: Origin::Stdin,
        display: "-".into(),
        id: "fuzz.jsonl".into(),
        format: Format::Jsonl,
        problem: None,
    };
    let opts = IngestOptions {
        max_doc_bytes: 1 << 12,
        ..IngestOptions::default()
    };
    let loaded = ingest::load_buffer(&input, Buffer::Owned(data.to_vec()), Format::Jsonl, &opts);
    let corpus = Corpus::assemble(vec![input], vec![loaded]);
    for doc in &corpus.docs {
        let _ = corpus.text(doc);
        assert!(doc.line >= 1 || doc.skip.is_some());
    }
});
