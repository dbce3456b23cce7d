//! sqlparser analysis (next).
