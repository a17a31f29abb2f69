//! The r3270 binary.
fn main() {}
