//! The key tool: makes new keys for the `sealed.keys` ring and prints the rings of a rotation.
//!
//! ```text
//! rocket-sealed keys new [--id N]
//! rocket-sealed keys rotate Rocket.toml [--profile NAME]
//! rocket-sealed keys status --config Rocket.toml [--profile NAME] --metrics URL|FILE|-
//! ```
//!
//! `status` reads the ring of a `Rocket.toml` (its `keys`, or its `keys_file`) and a running
//! instance's `/metrics` (as the `shop` example serves them: a URL, a saved file, or `-` for
//! standard input), and says for each key whether it seals, when it last opened a cookie
//! while another key sealed, and from when it is safe to retire: that last open plus the
//! longest cookie life (and no earlier than the longest cookie life after the key that
//! replaced it activated). Ask every instance: each counts only what it served since launch.
//!
//! `new` prints one fresh key (32 bytes from the operating system's random source, base64url)
//! as a `Rocket.toml` ring entry and as a `ROCKET_SEALED` environment variable. The id defaults
//! to 1.
//!
//! `rotate` reads the current ring from the `sealed.keys` of a `Rocket.toml` (the `default`
//! profile merged with `--profile NAME`, as Rocket merges them; default `default`), makes one
//! new key whose id is one above the highest, and prints the ring for each phase of the rolling
//! rotation:
//!
//! 1. add the new key *second* on every instance (everyone can open its cookies; nobody seals
//!    with it yet);
//! 2. once every instance runs phase 1, move it *first* everywhere (it seals from now on, and
//!    cookies sealed with the old key are re-sealed with it when they come back);
//! 3. once every cookie sealed with an old key has expired (the longer of the session's idle
//!    timeout and the TempData lifetime, counted from the moment phase 2 is live everywhere),
//!    drop the old keys.
//!
//! Exit status: 0 on success, 2 with a message on standard error for a bad command line, a
//! missing or unreadable file, a file without keys, or a bad key.
//!
//! The output contains key material: keep it out of logs and version control.

use std::fmt::Write as _;
use std::process::ExitCode;

use rocket::figment::Figment;
use rocket::figment::providers::{Format, Toml};
use rocket_sealed::{Config, KeyConfig, KeyRing};

use crate::human;

const USAGE: &str = "\
usage:
  rocket-sealed keys new [--id N]
  rocket-sealed keys rotate <Rocket.toml> [--profile NAME]
  rocket-sealed keys status --config <Rocket.toml> [--profile NAME] --metrics <URL|FILE|->";

/// Runs the command and says how it went in the exit status.
pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("keys: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("new") => new(&args[1..]),
        Some("rotate") => rotate(&args[1..]),
        Some("status") => status(&args[1..]),
        Some("-h" | "--help" | "help") => Ok(format!("{USAGE}\n")),
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
        None => Err(format!("no command given\n{USAGE}")),
    }
}

/// `new [--id N]`.
fn new(args: &[String]) -> Result<String, String> {
    let mut id: u32 = 1;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--id" => {
                let value = rest.next().ok_or("`--id` needs a number")?;
                id = value.parse().map_err(|_| {
                    format!(
                        "`--id {value}`: the id must be a number from 0 to {}",
                        u32::MAX
                    )
                })?;
            }
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let key = KeyConfig::generate(id);
    let ring = [key];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# A new rocket_sealed key, id {id}. Keep it secret: whoever has it can read and forge cookies."
    );
    let _ = writeln!(
        out,
        "# As an entry of the `keys` array in the `sealed` table of Rocket.toml:"
    );
    let _ = writeln!(out, "{}", toml_entry(&ring[0]));
    let _ = writeln!(out, "# As a ring of this key alone, in Rocket.toml:");
    let _ = writeln!(out, "[default.sealed]");
    let _ = writeln!(out, "{}", toml_keys(&ring));
    let _ = writeln!(out, "# Or in the environment:");
    let _ = writeln!(out, "{}", env_keys(&ring));
    let _ = writeln!(
        out,
        "# To add it to an existing ring, use `rocket-sealed keys rotate Rocket.toml`."
    );
    Ok(out)
}

/// `rotate <Rocket.toml> [--profile NAME]`.
fn rotate(args: &[String]) -> Result<String, String> {
    let mut path: Option<&str> = None;
    let mut profile = "default".to_owned();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--profile" => {
                profile = rest.next().ok_or("`--profile` needs a name")?.clone();
            }
            other if other.starts_with("--") => {
                return Err(format!("unexpected option `{other}`\n{USAGE}"));
            }
            other if path.is_none() => path = Some(other),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let path = path.ok_or_else(|| format!("`rotate` needs the path of a Rocket.toml\n{USAGE}"))?;
    let config = read_config(path, &profile)?;
    if config.keys.is_empty() {
        return Err(format!(
            "{path}: profile `{profile}` has no `sealed.keys`; there is no ring to rotate \
             (`rocket-sealed keys new` makes a first key)"
        ));
    }
    KeyRing::from_config(&config.keys).map_err(|e| format!("{path}: {e}"))?;
    config.validate().map_err(|e| format!("{path}: {e}"))?;

    let old = &config.keys;
    let max = old.iter().map(|k| k.id).max().expect("ring is not empty");
    let new_id = max
        .checked_add(1)
        .ok_or_else(|| format!("{path}: the highest key id is {max}; there is no id above it"))?;
    let new = KeyConfig::generate(new_id);

    let mut phase1: Vec<KeyConfig> = vec![old[0].clone(), new.clone()];
    phase1.extend(old[1..].iter().cloned());
    let mut phase2: Vec<KeyConfig> = vec![new.clone()];
    phase2.extend(old.iter().cloned());
    let phase3 = vec![new];
    for ring in [&phase1, &phase2, &phase3] {
        KeyRing::from_config(ring).map_err(|e| format!("internal error: {e}"))?;
    }

    let ids = |ring: &[KeyConfig]| {
        ring.iter()
            .map(|k| k.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let old_ids = ids(old);
    let wait = wait_before_drop(&config);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Rotation of the key ring in {path} (profile `{profile}`): current ring [{old_ids}], \
         sealing with key {}; new key {new_id}.",
        old[0].id
    );
    if old.len() > 1 {
        let _ = writeln!(
            out,
            "# Note: the current ring already has {} keys; if an earlier rotation is unfinished, \
             finish it first.",
            old.len()
        );
    }
    let _ = writeln!(out, "# The output holds key material: keep it secret.");
    let _ = writeln!(out);
    let phases = [
        (
            "Phase 1: add the new key second, on every instance. It opens cookies but does not \
             seal yet, so instances still on the old ring keep working. Deploy this everywhere \
             before phase 2.",
            &phase1,
        ),
        (
            "Phase 2: move the new key first, on every instance. It seals from now on; cookies \
             sealed with an old key still open and are re-sealed with the new key in the response.",
            &phase2,
        ),
        (
            &format!(
                "Phase 3: drop the old key(s) [{old_ids}], once every cookie sealed with them has \
                 expired: wait at least {} after phase 2 is live on every instance ({}). A cookie \
                 still sealed with an old key after that would have expired anyway.",
                human(wait.0),
                wait.1
            ),
            &phase3,
        ),
    ];
    for (text, ring) in phases {
        let _ = writeln!(out, "# {text}");
        let _ = writeln!(
            out,
            "# Ring [{}]. In Rocket.toml, `sealed` table:",
            ids(ring)
        );
        let _ = writeln!(out, "{}", toml_keys(ring));
        let _ = writeln!(out, "# Or in the environment:");
        let _ = writeln!(out, "{}", env_keys(ring));
        let _ = writeln!(out);
    }
    Ok(out)
}

/// `status --config <Rocket.toml> [--profile NAME] --metrics <URL|FILE|->`.
fn status(args: &[String]) -> Result<String, String> {
    let (mut path, mut metrics, mut profile) = (None, None, "default".to_owned());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or(format!("`{name}` needs a value"))
        };
        match arg.as_str() {
            "--config" => path = Some(value("--config")?),
            "--metrics" => metrics = Some(value("--metrics")?),
            "--profile" => profile = value("--profile")?,
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let path = path.ok_or_else(|| format!("`status` needs `--config <Rocket.toml>`\n{USAGE}"))?;
    let metrics =
        metrics.ok_or_else(|| format!("`status` needs `--metrics <URL|FILE|->`\n{USAGE}"))?;
    let mut config = read_config(&path, &profile)?;
    if let Some(file) = config.keys_file.take() {
        config.keys = KeyConfig::read_file(file.as_ref()).map_err(|e| e.to_string())?;
    }
    let text = read_metrics(&metrics)?;
    Ok(key_status(&config, &text))
}

/// The text of a `/metrics` page: fetched, read from a file, or from standard input.
fn read_metrics(source: &str) -> Result<String, String> {
    if source.starts_with("https://") {
        // The tool carries no TLS stack: `/metrics` is usually served inside the farm.
        return Err(format!(
            "{source}: https is not supported; fetch it yourself and pass `-`: \
             `curl -s {source} | rocket-sealed keys status ... --metrics -`"
        ));
    }
    if source.starts_with("http://") {
        let mut response = ureq::get(source)
            .call()
            .map_err(|e| format!("{source}: {e}"))?;
        return response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{source}: {e}"));
    }
    if source == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))
}

/// One sentence per key of `config`'s ring, from a `/metrics` text.
fn key_status(config: &Config, metrics: &str) -> String {
    let value = |name: &str, id: Option<u32>| -> Option<u64> {
        let wanted = match id {
            Some(id) => format!("{name}{{key=\"{id}\"}}"),
            None => name.to_owned(),
        };
        metrics.lines().find_map(|line| {
            let (n, v) = line.rsplit_once(' ')?;
            (n == wanted).then(|| v.parse().ok()).flatten()
        })
    };
    let life = config.longest_cookie_life();
    let Some(now) = value("rocket_sealed_now_seconds", None) else {
        return "the metrics hold no `rocket_sealed_now_seconds`: not a rocket_sealed /metrics page\n".into();
    };
    // When each key stops sealing: when the next key activates, if the ring has dates.
    let activation = |k: &KeyConfig| k.activates_at.as_deref().and_then(unix);
    let mut out = format!(
        "# As one instance saw it, at {} (longest cookie life {}). Ask every instance.\n",
        utc(now),
        human(life)
    );
    for key in &config.keys {
        let id = key.id;
        if value("rocket_sealed_key_sealing", Some(id)) == Some(1) {
            let _ = writeln!(out, "key {id}: seals");
            continue;
        }
        let from = activation(key).unwrap_or(i64::MIN);
        let replaced = config
            .keys
            .iter()
            .filter_map(activation)
            .filter(|a| *a > from)
            .min()
            .and_then(|a| u64::try_from(a).ok());
        if value("rocket_sealed_key_opened", Some(id)).is_none() {
            let _ = writeln!(out, "key {id}: not in this instance's ring");
            continue;
        }
        let last = value("rocket_sealed_key_last_old_open_seconds", Some(id));
        let safe = last.into_iter().chain(replaced).max().map(|t| t + life);
        let seen = match last {
            Some(t) => format!("no opens for {}", human(now.saturating_sub(t))),
            None => "no opens since this instance started".to_owned(),
        };
        let _ = match safe {
            Some(t) if t <= now => writeln!(
                out,
                "key {id}: {seen}; safe to retire now (since {})",
                utc(t)
            ),
            Some(t) => writeln!(out, "key {id}: {seen}; safe to retire after {}", utc(t)),
            None => writeln!(
                out,
                "key {id}: {seen}; safe to retire {} after the key that replaced it began sealing everywhere",
                human(life)
            ),
        };
    }
    out
}

fn unix(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

fn utc(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("unix time {secs}"))
}

/// The `sealed` table of `profile` (merged over `default`) in the TOML file at `path`, with
/// defaults for what it leaves out.
fn read_config(path: &str, profile: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let figment = Figment::from(Toml::string(&text).nested()).select(profile);
    if figment.find_value("sealed").is_err_and(|e| e.missing()) {
        return Err(format!(
            "{path}: profile `{profile}` has no `sealed` table, so no `sealed.keys` to rotate \
             (`rocket-sealed keys new` makes a first key)"
        ));
    }
    // Its errors quote no key (not even the line of a file that does not parse).
    Config::from_figment(&figment).map_err(|e| format!("{path}: {e}"))
}

/// How long a cookie sealed with an old key can still open after the last instance stopped
/// sealing with it, and a sentence saying where that comes from.
fn wait_before_drop(config: &Config) -> (u64, String) {
    let s = &config.session;
    let session = match s.absolute_timeout_secs {
        Some(abs) if abs < s.idle_timeout_secs => abs,
        _ => s.idle_timeout_secs,
    };
    let tempdata = config.tempdata.lifetime_secs;
    let mut why = format!(
        "session idle timeout {}",
        human(config.session.idle_timeout_secs)
    );
    if let Some(abs) = s.absolute_timeout_secs {
        let _ = write!(why, ", absolute timeout {}", human(abs));
    }
    let _ = write!(
        why,
        "; TempData lifetime {}; plus any clock skew between instances",
        human(tempdata)
    );
    (session.max(tempdata), why)
}

fn toml_entry(key: &KeyConfig) -> String {
    format!("{{ id = {}, key = \"{}\" }}", key.id, key.key)
}

fn toml_keys(ring: &[KeyConfig]) -> String {
    let entries: Vec<String> = ring.iter().map(toml_entry).collect();
    format!("keys = [{}]", entries.join(", "))
}

fn env_keys(ring: &[KeyConfig]) -> String {
    let entries: Vec<String> = ring
        .iter()
        .map(|k| format!("{{id={},key=\"{}\"}}", k.id, k.key))
        .collect();
    format!("ROCKET_SEALED='{{keys=[{}]}}'", entries.join(","))
}
