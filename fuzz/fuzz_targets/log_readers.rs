//! Any bytes through format detection, every log reader and the
//! pg_stat_statements export reader.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ormlint::replay::{LogReader, ReaderOptions};

fuzz_target!(|data: &[u8]| {
    let r = std::io::BufReader::new(std::io::Cursor::new(data.to_vec()));
    if let Ok(reader) = LogReader::from_reader(Box::new(r), &ReaderOptions::default()) {
        for ev in reader.take(100_000) {
            std::hint::black_box(ev);
        }
    }
    std::hint::black_box(ormlint::replay::pgss::parse(data).map(|f| f.rows.len()));
});
