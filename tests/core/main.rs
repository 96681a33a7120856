//! The framework-free core end to end (chunking, the sealed envelope, the key ring and its
//! dates) and the first round trip through Rocket: one test binary, which CI also runs with the
//! pure-Rust cipher (`--no-default-features`).

mod chunk;
mod key_dates;
mod keys;
mod roundtrip;
mod seal;
