//! TEMPORARY stand-in until the real lexer lands (same API).
pub struct Fingerprint {
    pub hash: u64,
    pub text: String,
    pub tags: Vec<(String, String)>,
}
pub fn fingerprint(sql: &str) -> Fingerprint {
    let text = sql
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Fingerprint {
        hash: crate::report::stable_hash(&[&text]),
        text,
        tags: Vec::new(),
    }
}
pub fn hash_hex(h: u64) -> String {
    format!("{h:016x}")
}
