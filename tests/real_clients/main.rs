//! The example apps as separate processes, driven by real clients: headless Chromium, curl, a
//! cookie-jar client, nginx in front of two instances, redis-server behind them. One test
//! binary: each file used to compile and link its own copy of the clients and the support code.
//!
//! Most need outside tools and are `#[ignore]`d in a plain `cargo test`; `.ci/run` installs the
//! tools and runs them with
//! `CI=true cargo test --all-features --test real_clients -- --ignored --test-threads=1`.

#[path = "../real/mod.rs"]
mod real;

mod browser;
mod concurrency;
mod curl;
mod farm;
mod hello;
mod signout;
