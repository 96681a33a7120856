//! The cookie inspector: opens the session and TempData cookies of a pasted `Cookie:` header
//! and shows what is inside, for debugging a user's problem.
//!
//! ```text
//! rocket-sealed inspect --config Rocket.toml 'sealed_session=...; sealed_tempdata=...'
//! rocket-sealed inspect --key-b64 1:BASE64URLKEY - < header.txt
//! ```
//!
//! Options:
//!
//! - `--config PATH`: a `Rocket.toml`; its `sealed` table (the `default` profile merged with
//!   `--profile NAME`, default `default`) gives the keys, cookie names, limits and timeouts.
//!   Whatever it leaves out takes the library's defaults.
//! - `--key-b64 ID:KEY`: a key to open with, added after the configured ones (repeatable).
//! - `--now UNIX_SECONDS`: judge expiry at this time instead of the system clock.
//! - the header, with or without its `Cookie:` prefix; `-` reads it from standard input.
//!
//! The cookies are opened by the library's own code: the cookies of each store are collected
//! and joined (`SentCookies::collect`, `chunk::join`), opened (`seal::open`) and judged
//! the way the request guards judge them, so a refused cookie shows the same reason a guard's
//! `status()` reports. For each store it prints the key id, whether the cookie will be
//! re-sealed with a newer key, the timestamps in UTC, the time left before expiry, the session
//! id, and every entry's name, size and value: shown as JSON (values are MessagePack, which
//! says its own shape); a value an earlier version wrote (type tag + postcard) is decoded when
//! its type is one of the common ones (strings, numbers, flash messages), else shown as text
//! when it looks like text, else in hex.
//!
//! Exit status: 0 when every store cookie sent opened, 1 when one was refused or had expired
//! or none was found, 2 for a bad command line, configuration or key.
//!
//! The output shows the content of the user's cookies: treat it as the user's data.

use std::fmt::Write as _;
use std::io::Read as _;
use std::process::ExitCode;

use rocket::figment::Figment;
use rocket::figment::providers::{Format, Toml};
use rocket_sealed::chunk::{self, SentCookies};
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::seal::Opened;
use rocket_sealed::store::{SessionState, TempDataState};
use rocket_sealed::{
    Clock, Config, FlashMessage, KeyConfig, KeyRing, Malformed, ManualClock, Rejection, Status,
    SystemClock,
};

use crate::human;

const USAGE: &str = "\
usage: rocket-sealed inspect [--config Rocket.toml] [--profile NAME]
           [--key-b64 ID:KEY]... [--now UNIX_SECONDS] 'COOKIE HEADER' | -";

/// Longest text shown for one value, in characters.
const MAX_TEXT: usize = 160;
/// Most bytes shown in hex for one value.
const MAX_HEX: usize = 48;

/// Runs the command and says how it went in the exit status.
pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok((out, ok)) => {
            print!("{out}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("inspect: {message}");
            ExitCode::from(2)
        }
    }
}

/// What the command line asks for.
struct Options {
    config: Option<String>,
    profile: String,
    extra_keys: Vec<KeyConfig>,
    now: Option<u64>,
    header: String,
}

fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        config: None,
        profile: "default".into(),
        extra_keys: Vec::new(),
        now: None,
        header: String::new(),
    };
    let mut header: Option<&str> = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--config" => options.config = Some(value("--config")?),
            "--profile" => options.profile = value("--profile")?,
            "--now" => {
                let v = value("--now")?;
                options.now = Some(
                    v.parse()
                        .map_err(|_| format!("`--now {v}`: expected unix seconds"))?,
                );
            }
            "--key-b64" => {
                let v = value("--key-b64")?;
                let (id, key) = v
                    .split_once(':')
                    // What was given may be a key: it is not repeated.
                    .ok_or("`--key-b64`: expected ID:KEY (the key id, a colon, the key)")?;
                let id = id
                    .trim()
                    .parse()
                    .map_err(|_| format!("`--key-b64`: `{id}` is not a key id (a number)"))?;
                options.extra_keys.push(KeyConfig::new(id, key.trim()));
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`\n{USAGE}"));
            }
            other if header.is_none() => header = Some(other),
            _ => {
                return Err(format!(
                    "more than one header given; quote the whole header as one argument\n{USAGE}"
                ));
            }
        }
    }
    options.header = match header {
        None => return Err(format!("no cookie header given\n{USAGE}")),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the header from standard input: {e}"))?;
            text
        }
        Some(text) => text.to_owned(),
    };
    Ok(Some(options))
}

/// Returns the report and whether every store cookie that was sent opened.
fn run(args: &[String]) -> Result<(String, bool), String> {
    let Some(options) = parse_args(args)? else {
        return Ok((format!("{USAGE}\n"), true));
    };
    let mut config = match &options.config {
        Some(path) => read_config(path, &options.profile)?,
        None => Config::default(),
    };
    if let Some(path) = config.keys_file.take() {
        config.keys = KeyConfig::read_file(path.as_ref()).map_err(|e| e.to_string())?;
    }
    config.keys.extend(options.extra_keys.iter().cloned());
    config.validate().map_err(|e| e.to_string())?;
    if config.keys.is_empty() {
        return Err(format!(
            "no keys: give a --config whose `sealed.keys` holds the app's keys, or --key-b64 ID:KEY\n{USAGE}"
        ));
    }
    let now = options.now.unwrap_or_else(|| SystemClock.now());
    // Key dates are judged at the same time as expiry.
    let clock = std::sync::Arc::new(ManualClock::new(now));
    let ring = KeyRing::from_config_with_clock(&config.keys, clock)
        .map_err(|e| e.to_string())?
        .with_context(&config.context);

    let cookies = parse_cookie_header(&options.header);
    let pairs = || cookies.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Key ring: [{}] (key {} seals); now {}",
        ring.key_ids()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ring.sealing_key_id(),
        utc(now)
    );

    // Only read: the attributes, which would follow TLS, are never written here.
    let session_spec = config.session_spec(false);
    let tempdata_spec = config.tempdata_spec(false);

    let session_sent = SentCookies::collect(&session_spec.name, pairs());
    let session_status =
        SessionState::load(&ring, &session_spec, &config.session, &session_sent, now)
            .status()
            .clone();
    let tempdata_sent = SentCookies::collect(&tempdata_spec.name, pairs());
    let tempdata_status =
        TempDataState::load(&ring, &tempdata_spec, &config.tempdata, &tempdata_sent, now)
            .status()
            .clone();

    let mut ok = true;
    let mut found = false;
    for (store, spec, sent, status) in [
        ("session", &session_spec, &session_sent, &session_status),
        ("tempdata", &tempdata_spec, &tempdata_sent, &tempdata_status),
    ] {
        let _ = writeln!(out);
        let _ = writeln!(out, "store: {store} (cookie `{}`)", spec.name);
        if sent.is_empty() {
            let _ = writeln!(out, "  no cookie of this store in the header");
            continue;
        }
        let starts_empty = matches!(status, Status::Rejected(_) | Status::Expired(_));
        ok &= !starts_empty;
        describe_sent(&mut out, spec, sent);
        let _ = writeln!(out, "  status: {status}");
        let read = spec.read(&ring, sent);
        // Chunks without their main cookie are not a store cookie: found only with it.
        found |= !matches!(read, Ok(None));
        match read {
            Ok(None) => {
                let _ = writeln!(
                    out,
                    "  only chunk cookies, without the main cookie `{}`: ignored as a new store",
                    spec.name
                );
            }
            Ok(Some(opened)) => describe_opened(&mut out, store, &config, &ring, &opened, now),
            Err(reason) => describe_refused(&mut out, spec, sent, &reason),
        }
        if starts_empty {
            let _ = writeln!(
                out,
                "  a guard would start this store empty and delete these cookies when it next writes"
            );
        }
    }
    if !found {
        ok = false;
        let _ = writeln!(
            out,
            "\nneither `{}` nor `{}` is in the header (cookies seen: {})",
            session_spec.name,
            tempdata_spec.name,
            if cookies.is_empty() {
                "none".to_owned()
            } else {
                cookies
                    .iter()
                    .map(|(n, _)| format!("{:?}", n))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    Ok((out, ok))
}

/// The `sealed` table of `profile` (merged over `default`) in the TOML file at `path`; the
/// defaults if there is none.
fn read_config(path: &str, profile: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let figment = Figment::from(Toml::string(&text).nested()).select(profile);
    // The defaults without a `sealed` table; errors quote no key.
    Config::from_figment(&figment).map_err(|e| format!("{path}: {e}"))
}

/// The cookies of a `Cookie` header as Rocket reads them: `;`-separated, trimmed,
/// percent-decoded, and the last of two cookies with the same name wins.
fn parse_cookie_header(header: &str) -> Vec<(String, String)> {
    let header = header.trim();
    let header = match header.split_once(':') {
        Some((prefix, rest)) if prefix.trim().eq_ignore_ascii_case("cookie") => rest,
        _ => header,
    };
    let mut cookies: Vec<(String, String)> = Vec::new();
    for part in header.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Ok(cookie) = rocket::http::Cookie::parse_encoded(part) {
            let (name, value) = (cookie.name().to_owned(), cookie.value().to_owned());
            cookies.retain(|(n, _)| *n != name);
            cookies.push((name, value));
        }
    }
    cookies
}

fn describe_sent(out: &mut String, spec: &StoreSpec, sent: &SentCookies) {
    let list: Vec<String> = sent
        .iter()
        .map(|(n, v)| {
            if n == spec.name && v.starts_with("chunks-") {
                format!("{n}={}", shown(v))
            } else {
                format!("{n} ({} bytes)", v.len())
            }
        })
        .collect();
    let _ = writeln!(out, "  cookies: {}", list.join(", "));
    let _ = writeln!(
        out,
        "  size: {} bytes in the Cookie header (budget {})",
        sent.header_len(),
        spec.budget
    );
}

fn describe_opened(
    out: &mut String,
    store: &str,
    config: &Config,
    ring: &KeyRing,
    opened: &Opened,
    now: u64,
) {
    let env = &opened.envelope;
    let _ = writeln!(out, "  key id: {}", opened.key_id);
    let _ = writeln!(
        out,
        "  needs re-seal: {}",
        if opened.needs_reseal {
            format!(
                "yes (key {} is not the sealing key; the next response re-seals it with key {})",
                opened.key_id,
                ring.sealing_key_id()
            )
        } else {
            "no".to_owned()
        }
    );
    let _ = writeln!(out, "  issued at: {}", utc(env.issued_at));
    let _ = writeln!(out, "  refreshed at: {}", utc(env.refreshed_at));
    if store == "session" {
        let s = &config.session;
        let idle_end = env.refreshed_at.saturating_add(s.idle_timeout_secs);
        let _ = writeln!(
            out,
            "  idle expiry: {} ({}; idle timeout {})",
            utc(idle_end),
            left(idle_end, now),
            human(s.idle_timeout_secs)
        );
        match s.absolute_timeout_secs {
            Some(abs) => {
                let end = env.issued_at.saturating_add(abs);
                let _ = writeln!(
                    out,
                    "  absolute expiry: {} ({}; absolute timeout {})",
                    utc(end),
                    left(end, now),
                    human(abs)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  absolute expiry: none (no absolute timeout configured)"
                );
            }
        }
        let _ = writeln!(
            out,
            "  session id: {}",
            match env.session_id {
                Some(id) => id.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                None => "(none: not a session envelope)".to_owned(),
            }
        );
    } else {
        let end = env
            .refreshed_at
            .saturating_add(config.tempdata.lifetime_secs);
        let _ = writeln!(
            out,
            "  lifetime expiry: {} ({}; lifetime {})",
            utc(end),
            left(end, now),
            human(config.tempdata.lifetime_secs)
        );
    }
    // The crate's own entries (README, "Signing out and revocation"): shown as what they
    // mean, and not counted, as `keys()` and `len()` do not count them.
    let reserved = |name: &str| name.starts_with("_sealed.");
    for (name, bytes) in env.entries.iter().filter(|(n, _)| reserved(n)) {
        let line = match (name.as_str(), bytes.len()) {
            ("_sealed.validated_at", 8) => {
                let at = u64::from_be_bytes(bytes[..].try_into().expect("8 bytes"));
                format!("validated at: {}", utc(at))
            }
            ("_sealed.session", 16) => format!("written under session: {}", hex(bytes)),
            _ => format!(
                "{} ({} bytes): hex {}",
                shown(name),
                bytes.len(),
                hex(bytes)
            ),
        };
        let _ = writeln!(out, "  {line}");
    }
    let entries: Vec<_> = env.entries.iter().filter(|(n, _)| !reserved(n)).collect();
    let _ = writeln!(out, "  entries: {}", entries.len());
    for (name, bytes) in entries {
        let _ = writeln!(
            out,
            "    {} ({} bytes): {}",
            shown(name),
            bytes.len(),
            decode_value(bytes)
        );
    }
}

fn describe_refused(out: &mut String, spec: &StoreSpec, sent: &SentCookies, reason: &Rejection) {
    if *reason == Rejection::Malformed(Malformed::MissingChunk) {
        let count = sent
            .get(&spec.name)
            .and_then(|v| v.strip_prefix("chunks-"))
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(0);
        let missing: Vec<String> = (1..=count)
            .map(|i| chunk::chunk_name(&spec.name, i))
            .filter(|n| sent.get(n).is_none())
            .collect();
        let _ = writeln!(
            out,
            "  missing chunk(s): {} (of {count} named by `{}`)",
            missing.join(", "),
            spec.name
        );
    }
    // The header is readable even when the value does not authenticate: show which key
    // it claims, which tells a stale key from a tampered value.
    if let Ok(Some(value)) = chunk::join(sent, spec.limits) {
        use base64::Engine as _;
        if let Ok(raw) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value.as_bytes())
            && raw.len() >= 5
        {
            let _ = writeln!(
                out,
                "  header: format version {}, key id {} ({} bytes sealed)",
                raw[0],
                u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]),
                raw.len()
            );
        }
    }
}

/// A value as the library stores it: a format byte, then MessagePack with field names (2),
/// or, for a value an earlier version wrote, a 4-byte type tag and postcard (1).
fn decode_value(bytes: &[u8]) -> String {
    match bytes.split_first() {
        Some((2, body)) => decode_msgpack(body),
        Some((1, tagged)) => decode_tagged(tagged),
        Some((format, _)) => format!("unknown value format {format}, hex {}", hex(bytes)),
        None => "empty value".to_owned(),
    }
}

/// MessagePack is self-describing: any value shows, as JSON, without knowing its type.
fn decode_msgpack(body: &[u8]) -> String {
    match rmp_serde::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::String(s)) => format!("string {}", shown(&s)),
        Ok(value) => {
            let json = value.to_string();
            let count = json.chars().count();
            if count <= MAX_TEXT {
                format!("MessagePack {json}")
            } else {
                let cut: String = json.chars().take(MAX_TEXT).collect();
                format!("MessagePack {cut}… ({count} characters)")
            }
        }
        Err(_) => format!("MessagePack that does not decode, hex {}", hex(body)),
    }
}

/// A value of the earlier format: a 4-byte type tag, then postcard.
fn decode_tagged(bytes: &[u8]) -> String {
    let Some((tag, body)) = bytes.split_at_checked(4) else {
        return format!("truncated value, hex {}", hex(bytes));
    };
    if let Some(text) = decode_known(tag, body) {
        return text;
    }
    let tag_hex = hex(tag);
    if let Ok((s, [])) = postcard::take_from_bytes::<String>(body) {
        return format!("(type tag {tag_hex}) string {}", shown(&s));
    }
    let text = String::from_utf8_lossy(body);
    let printable = text
        .chars()
        .filter(|c| !c.is_control() && *c != char::REPLACEMENT_CHARACTER)
        .count();
    if !body.is_empty() && printable * 10 >= text.chars().count() * 9 {
        return format!("(type tag {tag_hex}) text {}", shown(&text));
    }
    format!("(type tag {tag_hex}) hex {}", hex(body))
}

/// Decodes values of common types, recognised by their type tag.
fn decode_known(tag: &[u8], body: &[u8]) -> Option<String> {
    fn exact<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
        match postcard::take_from_bytes::<T>(body) {
            Ok((v, [])) => Some(v),
            _ => None,
        }
    }
    macro_rules! known {
        ($($ty:ty => $show:expr),* $(,)?) => {
            $(
                if tag == rocket_sealed::store::type_tag::<$ty>() {
                    let name = std::any::type_name::<$ty>()
                        .replace("alloc::string::", "")
                        .replace("alloc::vec::", "")
                        .replace("rocket_sealed::store::tempdata::", "");
                    return Some(match exact::<$ty>(body) {
                        Some(v) => format!("{name} {}", ($show)(v)),
                        None => format!("{name} that does not decode, hex {}", hex(body)),
                    });
                }
            )*
        };
    }
    known! {
        String => |v: String| shown(&v),
        bool => |v: bool| v.to_string(),
        u8 => |v: u8| v.to_string(),
        u16 => |v: u16| v.to_string(),
        u32 => |v: u32| v.to_string(),
        u64 => |v: u64| v.to_string(),
        u128 => |v: u128| v.to_string(),
        i8 => |v: i8| v.to_string(),
        i16 => |v: i16| v.to_string(),
        i32 => |v: i32| v.to_string(),
        i64 => |v: i64| v.to_string(),
        i128 => |v: i128| v.to_string(),
        f32 => |v: f32| v.to_string(),
        f64 => |v: f64| v.to_string(),
        char => |v: char| format!("{v:?}"),
        Vec<u8> => |v: Vec<u8>| hex(&v),
        Vec<String> => |v: Vec<String>| list(v.iter().map(|s| shown(s))),
        Vec<u32> => |v: Vec<u32>| list(v.iter().map(u32::to_string)),
        Vec<u64> => |v: Vec<u64>| list(v.iter().map(u64::to_string)),
        Vec<i32> => |v: Vec<i32>| list(v.iter().map(i32::to_string)),
        Vec<i64> => |v: Vec<i64>| list(v.iter().map(i64::to_string)),
        Vec<FlashMessage> => |v: Vec<FlashMessage>| list(
            v.iter().map(|m| format!("[{}] {}", m.level.as_str(), shown(&m.text)))
        ),
    }
    None
}

fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    let total = items.len();
    let mut text = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if text.len() + item.len() > MAX_TEXT {
            let _ = write!(text, "… {} more", total - i);
            break;
        }
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&item);
    }
    text.push(']');
    text
}

/// A string quoted and escaped (cookie content is not trusted to be terminal-safe), cut to
/// `MAX_TEXT` characters.
fn shown(s: &str) -> String {
    let count = s.chars().count();
    if count <= MAX_TEXT {
        format!("{s:?}")
    } else {
        let cut: String = s.chars().take(MAX_TEXT).collect();
        format!("{cut:?}… ({count} characters)")
    }
}

fn hex(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(MAX_HEX)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > MAX_HEX {
        format!("{shown}… ({} bytes)", bytes.len())
    } else {
        shown
    }
}

/// Unix seconds as `2023-11-14 22:13:20 UTC`.
fn utc(secs: u64) -> String {
    let parsed = i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok());
    match parsed {
        Some(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => format!("unix {secs} (out of range)"),
    }
}

/// `in 20m` or `expired 3m ago`.
fn left(end: u64, now: u64) -> String {
    if end >= now {
        format!("in {}", human(end - now))
    } else {
        format!("expired {} ago", human(now - end))
    }
}
