//! The key tool (`rocket-sealed keys`), run as a process: what it prints parses back into a key
//! ring, and a rotation follows the order of steps 1, 2 and 3 in docs/operations.md, Key
//! rotation.

use std::process::Output;
use std::str::FromStr;

use rocket::figment::Figment;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::value::Value;
use rocket_sealed::{Config, KeyConfig, KeyRing};

use crate::ops_support;
use ops_support::{TempDir, run_tool, stderr, stdout};

/// Runs `rocket-sealed keys ARGS`.
fn keys(args: &[&str]) -> Output {
    run_tool("keys", args, None)
}

/// The ring in a `keys = [...]` line, read as Rocket reads the `sealed` table of Rocket.toml.
fn ring_of_toml_line(line: &str) -> Vec<KeyConfig> {
    let figment = Figment::from(Toml::string(&format!("[default.sealed]\n{line}\n")).nested());
    let config: Config = figment
        .extract_inner("sealed")
        .expect("a valid sealed table");
    KeyRing::from_config(&config.keys).expect("a valid ring");
    config.keys
}

/// The ring in a `ROCKET_SEALED='...'` line, read as Rocket reads that environment variable.
fn ring_of_env_line(line: &str) -> Vec<KeyConfig> {
    let value = line
        .strip_prefix("ROCKET_SEALED='")
        .and_then(|v| v.strip_suffix('\''))
        .expect("ROCKET_SEALED='...'");
    let config: Config = Value::from_str(value)
        .unwrap()
        .deserialize()
        .expect("a valid sealed table");
    KeyRing::from_config(&config.keys).expect("a valid ring");
    config.keys
}

fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn new_prints_a_key_that_parses_back_into_a_ring_in_every_form() {
    let out = keys(&["new"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);

    let entry = lines_starting(&text, "{ id = ");
    assert_eq!(entry.len(), 1, "{text}");
    let from_entry = ring_of_toml_line(&format!("keys = [{}]", entry[0]));
    let from_keys = ring_of_toml_line(lines_starting(&text, "keys = ")[0]);
    let from_env = ring_of_env_line(lines_starting(&text, "ROCKET_SEALED=")[0]);
    assert_eq!(from_entry.len(), 1);
    assert_eq!(from_entry[0].id, 1, "the default id is 1");
    assert_eq!(from_entry, from_keys);
    assert_eq!(from_entry, from_env);
    assert_eq!(
        from_entry[0].key.len(),
        43,
        "32 bytes in base64url without padding"
    );
    assert!(text.contains("[default.sealed]"));

    let again = stdout(&keys(&["new"]));
    let other = ring_of_toml_line(lines_starting(&again, "keys = ")[0]);
    assert_ne!(other[0].key, from_entry[0].key, "two runs give two keys");
}

#[test]
fn new_takes_an_id_and_refuses_a_bad_one() {
    let text = stdout(&keys(&["new", "--id", "42"]));
    let ring = ring_of_toml_line(lines_starting(&text, "keys = ")[0]);
    assert_eq!(ring[0].id, 42);

    for args in [
        &["new", "--id", "x"][..],
        &["new", "--id"],
        &["new", "--what"],
        &["nonsense"],
        &[],
    ] {
        let out = keys(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr(&out).starts_with("keys: "),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

const OLD_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const OLD_B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA";

#[test]
fn rotate_prints_the_three_phases_in_runbook_order() {
    let dir = TempDir::new("rotate");
    // The chosen profile's table merges over `default`, as Rocket merges them.
    let path = dir.write(
        "Rocket.toml",
        &format!(
            "[default.sealed]\n\
             keys = [{{ id = 1, key = \"{OLD_A}\" }}]\n\
             [default.sealed.session]\n\
             idle_timeout_secs = 7200\n\
             [production.sealed]\n\
             keys = [{{ id = 5, key = \"{OLD_A}\" }}, {{ id = 4, key = \"{OLD_B}\" }}]\n\
             [production.sealed.tempdata]\n\
             lifetime_secs = 3600\n"
        ),
    );
    let out = keys(&["rotate", &path, "--profile", "production"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);

    let toml: Vec<Vec<KeyConfig>> = lines_starting(&text, "keys = ")
        .into_iter()
        .map(ring_of_toml_line)
        .collect();
    let env: Vec<Vec<KeyConfig>> = lines_starting(&text, "ROCKET_SEALED=")
        .into_iter()
        .map(ring_of_env_line)
        .collect();
    assert_eq!(toml.len(), 3, "{text}");
    assert_eq!(toml, env, "both forms give the same rings");

    let ids = |ring: &[KeyConfig]| ring.iter().map(|k| k.id).collect::<Vec<_>>();
    assert_eq!(ids(&toml[0]), vec![5, 6, 4], "phase 1: new key second");
    assert_eq!(ids(&toml[1]), vec![6, 5, 4], "phase 2: new key first");
    assert_eq!(ids(&toml[2]), vec![6], "phase 3: old keys dropped");

    let new_key = &toml[0][1];
    assert_eq!(&toml[1][0], new_key, "one new key across the phases");
    assert_eq!(&toml[2][0], new_key);
    assert!(new_key.key != OLD_A && new_key.key != OLD_B);
    assert_eq!(
        toml[0][0].key, OLD_A,
        "old keys are carried over as they were"
    );
    assert_eq!(toml[0][2].key, OLD_B);
    assert_eq!(toml[1][1..], [toml[0][0].clone(), toml[0][2].clone()]);

    let phase1 = text.find("Phase 1").unwrap();
    let phase2 = text.find("Phase 2").unwrap();
    let phase3 = text.find("Phase 3").unwrap();
    assert!(phase1 < phase2 && phase2 < phase3);
    // Session idle 2h (from `default`) beats the TempData lifetime of 1h (from `production`).
    assert!(
        text[phase3..].contains("wait at least 2h after phase 2"),
        "{text}"
    );

    // The `default` profile alone has one key: the next id is 2.
    let text = stdout(&keys(&["rotate", &path]));
    let rings: Vec<Vec<KeyConfig>> = lines_starting(&text, "keys = ")
        .into_iter()
        .map(ring_of_toml_line)
        .collect();
    assert_eq!(ids(&rings[0]), vec![1, 2]);
    assert_eq!(ids(&rings[1]), vec![2, 1]);
    assert_eq!(ids(&rings[2]), vec![2]);
    // Without the `production` table the TempData lifetime is the default 10 minutes, below
    // the session's 2h idle timeout, which decides the wait.
    assert!(text.contains("TempData lifetime 10m"), "{text}");
    assert!(text.contains("wait at least 2h after phase 2"), "{text}");
}

#[test]
fn rotate_refuses_bad_input_with_a_message_and_exit_code_2() {
    let dir = TempDir::new("bad");
    let missing = dir.0.join("nope.toml");
    let no_table = dir.write("no_table.toml", "[default]\nport = 8000\n");
    let no_keys = dir.write(
        "no_keys.toml",
        "[default.sealed.session]\nidle_timeout_secs = 60\n",
    );
    let short_key = dir.write(
        "short.toml",
        "[default.sealed]\nkeys = [{ id = 1, key = \"c2hvcnQ\" }]\n",
    );
    let dup = dir.write(
        "dup.toml",
        &format!("[default.sealed]\nkeys = [{{ id = 1, key = \"{OLD_A}\" }}, {{ id = 1, key = \"{OLD_B}\" }}]\n"),
    );
    let not_toml = dir.write("broken.toml", "[default.sealed\nkeys = \n");
    let cases: [(&str, &str); 6] = [
        (missing.to_str().unwrap(), "cannot read"),
        (&no_table, "no `sealed` table"),
        (&no_keys, "no `sealed.keys`"),
        (&short_key, "sealed.keys[0] (id 1)"),
        (&dup, "appears more than once"),
        (&not_toml, "broken.toml"),
    ];
    for (path, expected) in cases {
        let out = keys(&["rotate", path]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(out.stdout.is_empty(), "{path}");
        assert!(err.contains(expected), "{path}: {err}");
    }
    let err = stderr(&keys(&["rotate", &short_key]));
    assert!(err.contains("must be exactly 32"), "{err}");
    let out = keys(&["rotate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs the path"));
}

/// The `/metrics` lines `keys status` reads, as the `shop` example serves them.
fn metrics(now: u64, keys: &[(u32, bool, Option<u64>)]) -> String {
    let mut text = format!("rocket_sealed_now_seconds {now}\n");
    for (id, sealing, last_old_open) in keys {
        text += &format!(
            "rocket_sealed_key_sealing{{key=\"{id}\"}} {}\n",
            u8::from(*sealing)
        );
        text += &format!("rocket_sealed_key_opened{{key=\"{id}\"}} 7\n");
        if let Some(at) = last_old_open {
            text += &format!("rocket_sealed_key_last_old_open_seconds{{key=\"{id}\"}} {at}\n");
        }
    }
    text
}

fn rfc3339(secs: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[test]
fn status_says_which_key_seals_and_when_each_other_may_retire() {
    let dir = TempDir::new("status");
    let path = dir.write(
        "Rocket.toml",
        &format!(
            "[default.sealed]\n\
             keys = [{{ id = 2, key = \"{OLD_B}\" }}, {{ id = 1, key = \"{OLD_A}\" }}, \
             {{ id = 4, key = \"{OLD_A}\" }}, {{ id = 3, key = \"{OLD_B}\" }}]\n\
             [default.sealed.session]\n\
             idle_timeout_secs = 1800\n\
             absolute_timeout_secs = 7200\n"
        ),
    );
    let life = Figment::from(Toml::file(&path).nested())
        .extract_inner::<Config>("sealed")
        .unwrap()
        .longest_cookie_life();
    // A cookie unused for its idle timeout is refused, and one that comes back is re-sealed with
    // the sealing key: the idle timeout bounds how long an old key's cookie can come back.
    assert_eq!(life, 1800);
    let now = 1_800_000_000;
    // Key 2 seals; key 1 opened an old cookie 100 s ago; key 4's last such open is older than
    // the longest cookie life; key 3 is not in the instance's ring.
    let page = metrics(
        now,
        &[
            (2, true, None),
            (1, false, Some(now - 100)),
            (4, false, Some(now - life - 10)),
        ],
    );
    let file = dir.write("metrics.txt", &page);

    let out = keys(&["status", "--config", &path, "--metrics", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("key 2: seals\n"), "{text}");
    assert!(
        text.contains(&format!(
            "key 1: no opens for 1m 40s; safe to retire after {}\n",
            rfc3339(now - 100 + life)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "key 4: no opens for 30m 10s; safe to retire now (since {})\n",
            rfc3339(now - 10)
        )),
        "{text}"
    );
    assert!(
        text.contains("key 3: not in this instance's ring\n"),
        "{text}"
    );

    // The same page from standard input and over HTTP says the same.
    let piped = run_tool(
        "keys",
        &["status", "--config", &path, "--metrics", "-"],
        Some(&page),
    );
    assert_eq!(stdout(&piped), text);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let n = stream.read(&mut request).unwrap();
        assert!(request[..n].starts_with(b"GET /metrics HTTP/1.1\r\n"));
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            page.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(page.as_bytes()).unwrap();
    });
    let fetched = keys(&["status", "--config", &path, "--metrics", &url]);
    server.join().unwrap();
    assert_eq!(stdout(&fetched), text, "{}", stderr(&fetched));

    // A page that is not a rocket_sealed /metrics page is said to be one.
    let other = dir.write("other.txt", "up 1\n");
    let text = stdout(&keys(&["status", "--config", &path, "--metrics", &other]));
    assert!(text.contains("not a rocket_sealed /metrics page"), "{text}");
    // https needs a TLS stack the tool does not carry: it says what to do instead.
    let out = keys(&[
        "status",
        "--config",
        &path,
        "--metrics",
        "https://127.0.0.1:1/metrics",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--metrics -"), "{}", stderr(&out));
}

#[test]
fn the_tool_names_its_commands() {
    let out = run_tool("--version", &[], None);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!("rocket-sealed {}\n", env!("CARGO_PKG_VERSION"))
    );
    for command in ["nonsense", "--keys"] {
        let out = run_tool(command, &[], None);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.starts_with("rocket-sealed: unknown command"), "{err}");
        assert!(err.contains("rocket-sealed keys new") && err.contains("rocket-sealed inspect"));
    }
}
