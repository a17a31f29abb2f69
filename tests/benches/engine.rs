//! Benches (filled in later).
fn main() {}
