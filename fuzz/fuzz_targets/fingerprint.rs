//! Any text through the fingerprint lexer and normalizer.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sql = String::from_utf8_lossy(data);
    let f = ormlint::sql::fingerprint::fingerprint(&sql);
    std::hint::black_box(f);
    let mut fp = ormlint::sql::fingerprint::Fingerprinter::new();
    let h = fp.run(&sql);
    for r in fp.literals() {
        assert!(
            sql.get(r.clone()).is_some(),
            "literal range off a char boundary"
        );
    }
    std::hint::black_box((h, fp.text().len(), fp.tags().len(), fp.param_count()));
});
