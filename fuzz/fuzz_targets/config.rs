//! Any text as `ormlint.toml`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = ormlint::config::Config::parse(&text, std::path::Path::new("ormlint.toml"))
    {
        std::hint::black_box((config.schema_path(), config.tables.len()));
    }
});
