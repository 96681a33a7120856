//! The rules users read in the README and docs/, through Rocket's local client: one test
//! binary, one module per rule. (Separate binaries each compiled and linked Rocket's client and
//! routes again; the tests that set environment variables or a global logger, `rules_env` and
//! `rules_logs`, keep a process of their own.)

#[path = "../common/mod.rs"]
mod common;

mod attributes;
mod bad_cookies;
mod cache_control;
mod commit;
mod config;
mod csrf;
mod duplicates;
mod flashes;
mod hostile;
mod open_cache;
mod rocket_flash;
mod session;
mod tempdata;
mod tempdata_model;
mod templates;
