//! `rocket-sealed`: the operator's tool for an app that uses `rocket_sealed`, without this
//! crate's repository.
//!
//! ```text
//! cargo install rocket_sealed --features cli
//! rocket-sealed keys new [--id N]
//! rocket-sealed keys rotate Rocket.toml [--profile NAME]
//! rocket-sealed keys status --config Rocket.toml [--profile NAME] --metrics URL|FILE|-
//! rocket-sealed inspect [--config Rocket.toml] [--key-b64 ID:KEY]... 'COOKIE HEADER' | -
//! ```
//!
//! `keys` makes keys and prints the rings of a rotation (see `keys.rs`); `inspect` opens the
//! session and TempData cookies of a pasted `Cookie:` header (see `inspect.rs`). Both read the
//! app's `Rocket.toml` the way Rocket does, and print key material or user data: keep their
//! output out of logs.

mod inspect;
mod keys;

use std::process::ExitCode;

const USAGE: &str = "\
usage:
  rocket-sealed keys new [--id N]
  rocket-sealed keys rotate <Rocket.toml> [--profile NAME]
  rocket-sealed keys status --config <Rocket.toml> [--profile NAME] --metrics <URL|FILE|->
  rocket-sealed inspect [--config Rocket.toml] [--profile NAME]
                        [--key-b64 ID:KEY]... [--now UNIX_SECONDS] 'COOKIE HEADER' | -";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keys") => keys::main(&args[1..]),
        Some("inspect") => inspect::main(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("rocket-sealed {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("rocket-sealed: unknown command `{other}`\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprintln!("rocket-sealed: no command given\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `3600` → `1h`, `90` → `1m 30s`.
pub(crate) fn human(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}
