//! Placeholder until the shop example lands.
fn main() {}
