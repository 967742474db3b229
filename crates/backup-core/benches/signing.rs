//! Placeholder until the signing benchmarks land.
fn main() {}
