//! The operator tool, `rocket-sealed` (feature `cli`), run as a process: `keys` and `inspect`.
//! One test binary; each test builds the tool once, with the features the tests run with.

#[path = "../ops_support/mod.rs"]
mod ops_support;

mod inspect;
mod keys;
