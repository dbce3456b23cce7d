//! Helpers shared by several rules.

pub mod group_patterns;
pub mod injection_payloads;
