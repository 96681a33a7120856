//! The cookie inspector (`rocket-sealed inspect`), run as a process on real cookies: an app made
//! with the library writes a session (small, then large enough to chunk) and TempData; the
//! inspector opens what the browser would send back, and refuses altered or incomplete
//! headers with the reasons the guards give.

use std::process::Output;

use rocket::http::Cookie;
use rocket::local::blocking::{Client, LocalResponse};
use rocket::{get, routes};
use rocket_sealed::{
    Config, KeyConfig, Level, Malformed, ManualClock, Rejection, Sealed, Session, TempData,
};

use crate::ops_support;
use ops_support::{TempDir, run_tool, stderr, stdout};

/// 2023-11-14 22:13:20 UTC.
const T0: u64 = 1_700_000_000;
const NOTES_LEN: usize = 3300;

#[get("/login/<user>")]
fn login(session: Session<'_>, user: &str) -> String {
    session.set("user", user).unwrap();
    session.set("visits", &1u32).unwrap();
    session.commit().unwrap();
    session.id().to_string()
}

/// A type the inspector does not know: shown by its type tag and bytes.
#[derive(serde::Serialize)]
struct Cart {
    sku: String,
    qty: u32,
}

#[get("/big")]
fn big(session: Session<'_>) -> String {
    let notes: String = "lorem ipsum ".repeat(NOTES_LEN / 12);
    session.set("notes", &notes).unwrap();
    let cart = Cart {
        sku: "abc-123".into(),
        qty: 2,
    };
    session.set("cart", &cart).unwrap();
    // Must fit the budget, or the cookie would not be written.
    session.commit().unwrap().to_string()
}

#[get("/flash")]
fn flash(tempdata: TempData<'_>) -> &'static str {
    tempdata.set("notice", "Saved!").unwrap();
    tempdata.flash(Level::Success, "Profile updated").unwrap();
    "ok"
}

/// The app's configuration: a session cookie name of its own, so the test also shows that the
/// inspector takes names and timeouts from the file.
fn app_config(keys: Vec<KeyConfig>) -> Config {
    let mut config = Config {
        keys,
        ..Config::default()
    };
    config.session.cookie_name = "app_session".into();
    config.session.absolute_timeout_secs = Some(3600);
    config
}

/// The same configuration, as a Rocket.toml.
fn rocket_toml(keys: &[KeyConfig]) -> String {
    let keys: Vec<String> = keys
        .iter()
        .map(|k| format!("{{ id = {}, key = \"{}\" }}", k.id, k.key))
        .collect();
    format!(
        "[default]\nport = 8000\n\n[default.sealed]\nkeys = [{}]\n\n\
         [default.sealed.session]\ncookie_name = \"app_session\"\nabsolute_timeout_secs = 3600\n",
        keys.join(", ")
    )
}

/// What the browser holds, updated from `Set-Cookie` lines as a browser would.
#[derive(Default, Clone)]
struct Browser(Vec<(String, String)>);

impl Browser {
    fn absorb(&mut self, res: &LocalResponse<'_>) {
        for line in res.headers().get("Set-Cookie") {
            let cookie = Cookie::parse_encoded(line).expect("a well-formed Set-Cookie");
            let name = cookie.name().to_owned();
            self.0.retain(|(n, _)| *n != name);
            if cookie.max_age() != Some(rocket::time::Duration::ZERO) {
                self.0.push((name, cookie.value().to_owned()));
            }
        }
    }

    fn cookies(&self) -> Vec<Cookie<'static>> {
        self.0
            .iter()
            .map(|(n, v)| Cookie::new(n.clone(), v.clone()))
            .collect()
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn get(&self, name: &str) -> &str {
        &self.0.iter().find(|(n, _)| n == name).expect(name).1
    }

    fn without(&self, name: &str) -> Browser {
        Browser(self.0.iter().filter(|(n, _)| n != name).cloned().collect())
    }

    fn with(&self, name: &str, value: &str) -> Browser {
        let mut b = self.without(name);
        b.0.push((name.to_owned(), value.to_owned()));
        b
    }
}

/// Real cookies from the library: a small session; then TempData; then a chunked session.
struct Fixture {
    key: KeyConfig,
    session_id: String,
    small: Browser,
    big: Browser,
}

fn fixture() -> Fixture {
    let key = KeyConfig::generate(7);
    let rocket = rocket::build()
        .attach(Sealed::custom(app_config(vec![key.clone()])).with_clock(ManualClock::new(T0)))
        .mount("/", routes![login, big, flash]);
    let client = Client::untracked(rocket).expect("valid rocket");
    let mut browser = Browser::default();

    let res = client.get("/login/alice").dispatch();
    browser.absorb(&res);
    let session_id = res.into_string().unwrap();
    let small = browser.clone();
    assert_eq!(small.0.len(), 1, "one session cookie");

    let res = client.get("/flash").cookies(browser.cookies()).dispatch();
    browser.absorb(&res);
    let res = client.get("/big").cookies(browser.cookies()).dispatch();
    browser.absorb(&res);
    assert_eq!(
        browser.get("app_session"),
        "chunks-2",
        "the large session is chunked"
    );
    browser.0.push(("other".into(), "x".into()));
    Fixture {
        key,
        session_id,
        small,
        big: browser,
    }
}

fn inspect(config_path: &str, extra: &[&str], header: &str) -> Output {
    let mut args = vec!["--config", config_path];
    args.extend_from_slice(extra);
    args.push(header);
    run_tool("inspect", &args, None)
}

fn reason(r: Rejection) -> String {
    r.to_string()
}

#[test]
fn opens_a_chunked_session_and_tempdata_and_shows_their_entries() {
    let f = fixture();
    let dir = TempDir::new("ops-inspect");
    let config = dir.write("Rocket.toml", &rocket_toml(std::slice::from_ref(&f.key)));
    let now = (T0 + 60).to_string();
    let out = inspect(&config, &["--now", &now], &f.big.header());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));

    let session =
        &text[text.find("store: session").unwrap()..text.find("store: tempdata").unwrap()];
    let tempdata = &text[text.find("store: tempdata").unwrap()..];
    for expected in [
        "(cookie `app_session`)",
        "app_session=\"chunks-2\"",
        "app_sessionC1 (",
        "app_sessionC2 (",
        "status: loaded",
        "key id: 7",
        "needs re-seal: no",
        "issued at: 2023-11-14 22:13:20 UTC",
        "refreshed at: 2023-11-14 22:13:20 UTC",
        "idle expiry: 2023-11-14 22:33:20 UTC (in 19m; idle timeout 20m)",
        "absolute expiry: 2023-11-14 23:13:20 UTC (in 59m; absolute timeout 1h)",
        &format!("session id: {}", f.session_id),
        "entries: 4",
        // MessagePack says its own shape: any type shows, by its field names.
        "\"cart\" (19 bytes): MessagePack {\"qty\":2,\"sku\":\"abc-123\"}",
        "\"user\" (7 bytes): string \"alice\"",
        "\"visits\" (2 bytes): MessagePack 1",
        "\"notes\" (3304 bytes)",
        "string \"lorem ipsum lorem ipsum",
        &format!("({NOTES_LEN} characters)"),
    ] {
        assert!(
            session.contains(expected),
            "missing {expected:?} in:\n{session}"
        );
    }
    for expected in [
        "(cookie `sealed_tempdata`)",
        "status: loaded",
        "key id: 7",
        "lifetime expiry: 2023-11-14 22:23:20 UTC (in 9m; lifetime 10m)",
        // The session it opens under, shown as such and not counted as an entry.
        &format!("written under session: {}", f.session_id),
        "entries: 2",
        "\"notice\" (",
        "string \"Saved!\"",
        "\"_flash\" (",
        "MessagePack [{\"level\":\"Success\",\"text\":\"Profile updated\"}]",
    ] {
        assert!(
            tempdata.contains(expected),
            "missing {expected:?} in:\n{tempdata}"
        );
    }
    assert!(!tempdata.contains("session id"));
    assert_eq!(f.session_id.len(), 32, "the id is 16 bytes in hex");

    // The same header from standard input, with its `Cookie:` prefix, reads the same.
    let piped = run_tool(
        "inspect",
        &["--config", &config, "--now", &now, "-"],
        Some(&format!("Cookie: {}\n", f.big.header())),
    );
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(stdout(&piped), text);
}

#[test]
fn a_tampered_or_misplaced_cookie_is_refused_with_the_guards_reason() {
    let f = fixture();
    let dir = TempDir::new("ops-inspect");
    let config = dir.write("Rocket.toml", &rocket_toml(std::slice::from_ref(&f.key)));
    let tampered_reason = reason(Rejection::Tampered);
    assert!(tampered_reason.starts_with("authentication failed"));

    // One character in the middle of the sealed value changed.
    let value = f.small.get("app_session");
    let mut bytes = value.as_bytes().to_vec();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    let tampered = f
        .small
        .with("app_session", std::str::from_utf8(&bytes).unwrap());
    let out = inspect(&config, &["--now", &T0.to_string()], &tampered.header());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("status: rejected ({tampered_reason})")),
        "{text}"
    );
    assert!(
        text.contains("header: format version 2, key id 7"),
        "{text}"
    );
    assert!(
        !text.contains("alice"),
        "nothing of a refused value is shown"
    );

    // A TempData value pasted into the session's cookie does not open: the name is in the AAD.
    let misplaced = f.small.with("app_session", f.big.get("sealed_tempdata"));
    let out = inspect(&config, &["--now", &T0.to_string()], &misplaced.header());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&tampered_reason), "{}", stdout(&out));

    // Not even base64: still a reason, not a panic.
    let out = inspect(&config, &[], "app_session=!!!; sealed_tempdata=chunks-0");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(&reason(Malformed::NotBase64.into())),
        "{text}"
    );
    assert!(
        text.contains(&reason(Malformed::BadChunkCount.into())),
        "{text}"
    );

    // Chunks without their main cookie are no store cookie: nothing was found.
    let out = inspect(&config, &[], "app_sessionC1=abc; app_sessionC2=def");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("only chunk cookies, without the main cookie `app_session`"),
        "{text}"
    );
}

#[test]
fn a_chunked_header_with_a_missing_chunk_names_the_chunk() {
    let f = fixture();
    let dir = TempDir::new("ops-inspect");
    let config = dir.write("Rocket.toml", &rocket_toml(std::slice::from_ref(&f.key)));
    let header = f.big.without("app_sessionC2").header();
    let out = inspect(&config, &["--now", &T0.to_string()], &header);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let session = &text[..text.find("store: tempdata").unwrap()];
    assert!(
        session.contains(&format!(
            "status: rejected ({})",
            reason(Malformed::MissingChunk.into())
        )),
        "{session}"
    );
    assert!(
        session.contains("missing chunk(s): app_sessionC2 (of 2 named by `app_session`)"),
        "{session}"
    );
    // The other store is unaffected.
    assert!(text[text.find("store: tempdata").unwrap()..].contains("status: loaded"));
}

#[test]
fn expiry_and_rotation_are_judged_as_the_guards_judge_them() {
    let f = fixture();
    let dir = TempDir::new("ops-inspect");
    let config = dir.write("Rocket.toml", &rocket_toml(std::slice::from_ref(&f.key)));

    // Three hours on, the session is past its idle timeout; its content still shows.
    let later = (T0 + 3 * 3600).to_string();
    let out = inspect(&config, &["--now", &later], &f.small.header());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("status: expired (past its idle timeout)"),
        "{text}"
    );
    assert!(
        text.contains("(expired 2h 40m ago; idle timeout 20m)"),
        "{text}"
    );
    assert!(text.contains("string \"alice\""), "{text}");

    // Phase 2 of a rotation: a new key seals, the old one still opens and is re-sealed.
    let new = KeyConfig::generate(8);
    let rotated = dir.write("Rotated.toml", &rocket_toml(&[new.clone(), f.key.clone()]));
    let out = inspect(&rotated, &["--now", &T0.to_string()], &f.small.header());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Key ring: [8, 7] (key 8 seals)"), "{text}");
    assert!(text.contains("key id: 7"), "{text}");
    assert!(text.contains("needs re-seal: yes"), "{text}");

    // Phase 3 too early: the old key is gone.
    let dropped = dir.write("Dropped.toml", &rocket_toml(&[new]));
    let out = inspect(&dropped, &["--now", &T0.to_string()], &f.small.header());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&reason(Rejection::UnknownKey { key_id: 7 })),
        "{text}"
    );
}

#[test]
fn keys_can_come_from_the_command_line_and_bad_usage_exits_2() {
    let f = fixture();
    let dir = TempDir::new("ops-inspect");
    // Names from the file, key from `--key-b64`.
    let names_only = dir.write(
        "Names.toml",
        "[default.sealed.session]\ncookie_name = \"app_session\"\nabsolute_timeout_secs = 3600\n",
    );
    let key_arg = format!("{}:{}", f.key.id, f.key.key);
    let out = inspect(
        &names_only,
        &["--key-b64", &key_arg, "--now", &T0.to_string()],
        &f.small.header(),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains(&format!("session id: {}", f.session_id)),
        "{text}"
    );

    // No keys at all, a bad key, a missing file, no header: exit 2 with a message.
    let missing = dir.0.join("missing.toml");
    let cases: [(Vec<&str>, &str); 4] = [
        (vec!["--config", &names_only, "a=b"], "no keys"),
        (vec!["--key-b64", "1:c2hvcnQ", "a=b"], "must be exactly 32"),
        (
            vec!["--config", missing.to_str().unwrap(), "a=b"],
            "cannot read",
        ),
        (vec!["--key-b64", &key_arg], "no cookie header"),
    ];
    for (args, expected) in cases {
        let out = run_tool("inspect", &args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    // A key given without its `ID:` is refused without being repeated: it may be a real key,
    // and the message lands in terminals and logs.
    let out = run_tool("inspect", &["--key-b64", &f.key.key, "a=b"], None);
    assert_eq!(out.status.code(), Some(2));
    let (said, err) = (stdout(&out), stderr(&out));
    assert!(err.contains("expected ID:KEY"), "{err}");
    assert!(
        !said.contains(&f.key.key) && !err.contains(&f.key.key),
        "{said}{err}"
    );

    // A header without any store cookie is reported, with exit 1.
    let out = run_tool("inspect", &["--key-b64", &key_arg, "theme=dark"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("neither `sealed_session` nor `sealed_tempdata`"));
}
