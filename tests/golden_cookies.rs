//! Golden cookies: session and TempData cookies sealed by earlier builds, kept as fixtures in
//! `tests/fixtures/`, must open and read back exactly in every later build. A change of the
//! value encoding or of the wire format that would strand values already in browsers fails
//! here.
//!
//! Each `tests/fixtures/cookies-*.txt` file holds the cookies one build sealed from the values
//! of [`session_values`] and [`tempdata_values`], with the test key. To add the cookies of the
//! build at hand (after a change of format, say), run
//!
//! ```text
//! GOLDEN_WRITE=cookies-vN cargo test --test golden_cookies -- --ignored write_fixtures
//! ```
//!
//! and commit the file; never rewrite an existing one. The types below are part of the
//! fixtures: their paths (`golden_cookies::…`) and shapes must not change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rocket_sealed::chunk::SentCookies;
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::store::{FLASH_KEY, SessionState, TempDataState};
use rocket_sealed::{Config, FlashMessage, KeyConfig, KeyRing, Level, Status};
use serde::{Deserialize, Serialize};

/// The fixtures' key: test-only, never use it anywhere else.
const KEY_ID: u32 = 21;
const KEY: &str = "Z29sZGVuIGNvb2tpZXMgb2Ygcm9ja2V0X3NlYWxlZCE";
/// When the fixtures were sealed; they are read a minute later.
const SEALED_AT: u64 = 1_700_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    product: u32,
    qty: u32,
    note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cart {
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Theme {
    Light,
    Dark,
    Custom { accent: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Prefs {
    font_size: u8,
    lang: Option<String>,
    theme: Theme,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct UserId(u64);

fn cart(lines: u32) -> Cart {
    Cart {
        items: (1..=lines)
            .map(|i| Item {
                product: i,
                qty: i % 3 + 1,
                note: format!("note {i}: gift wrap, ribbon"),
            })
            .collect(),
    }
}

fn lorem(n: usize) -> String {
    "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(n)
        .collect()
}

/// The values every build seals into the session fixtures; `chunked` makes the session large
/// enough to take two chunk cookies.
fn session_values(chunked: bool) -> Vec<(&'static str, Value)> {
    let mut tags = BTreeMap::new();
    tags.insert("new".to_string(), 1u32);
    tags.insert("sale".to_string(), 7);
    let mut values = vec![
        ("user", Value::Text("ada".into())),
        ("visits", Value::Count(3)),
        ("cart", Value::Cart(cart(if chunked { 16 } else { 2 }))),
        (
            "prefs",
            Value::Prefs(Prefs {
                font_size: 14,
                lang: Some("en".into()),
                theme: Theme::Custom {
                    accent: "teal".into(),
                },
            }),
        ),
        ("theme", Value::Theme(Theme::Dark)),
        ("tags", Value::Tags(tags)),
        ("recent", Value::Words(vec!["tea".into(), "kettle".into()])),
        ("pair", Value::Pair(("x".into(), -5))),
        ("uid", Value::UserId(UserId(0xDEAD_BEEF))),
        ("maybe", Value::Maybe(None)),
    ];
    if chunked {
        values.push(("essay", Value::Text(lorem(2500))));
    }
    values
}

fn tempdata_values() -> Vec<(&'static str, Value)> {
    vec![
        (
            FLASH_KEY,
            Value::Flashes(vec![
                FlashMessage {
                    level: Level::Success,
                    text: "Saved".into(),
                },
                FlashMessage {
                    level: Level::Warning,
                    text: "Disk almost full".into(),
                },
            ]),
        ),
        ("notice", Value::Text("Welcome back".into())),
        ("draft", Value::Cart(cart(1))),
        ("step", Value::Count(2)),
    ]
}

/// One stored value, of one of the fixtures' types.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Count(u32),
    Cart(Cart),
    Prefs(Prefs),
    Theme(Theme),
    Tags(BTreeMap<String, u32>),
    Words(Vec<String>),
    Pair((String, i64)),
    UserId(UserId),
    Maybe(Option<u32>),
    Flashes(Vec<FlashMessage>),
}

/// Calls `$then` with `$value`'s inner value, whatever its type.
macro_rules! with_inner {
    ($value:expr, |$v:ident| $then:expr) => {
        match $value {
            Value::Text($v) => $then,
            Value::Count($v) => $then,
            Value::Cart($v) => $then,
            Value::Prefs($v) => $then,
            Value::Theme($v) => $then,
            Value::Tags($v) => $then,
            Value::Words($v) => $then,
            Value::Pair($v) => $then,
            Value::UserId($v) => $then,
            Value::Maybe($v) => $then,
            Value::Flashes($v) => $then,
        }
    };
}

fn ring() -> KeyRing {
    KeyRing::from_config(&[KeyConfig::new(KEY_ID, KEY)]).unwrap()
}

fn spec(config: &Config, tempdata: bool) -> StoreSpec {
    if tempdata {
        config.tempdata_spec(false)
    } else {
        config.session_spec(false)
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// One fixture file: its name and its sections (`session`, `session-chunked`, `tempdata`),
/// each the cookies (`name=value`) that section's store wrote.
struct Fixture {
    file: String,
    sections: BTreeMap<String, Vec<(String, String)>>,
}

fn fixtures() -> Vec<Fixture> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("cookies-") && name.ends_with(".txt")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            let mut current = None;
            for line in text
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                if let Some(section) = line.strip_prefix("[").and_then(|l| l.strip_suffix("]")) {
                    current = Some(section.to_owned());
                    continue;
                }
                if let Some(key) = line.strip_prefix("key ") {
                    assert_eq!(key, format!("{KEY_ID} {KEY}"), "{}", path.display());
                    continue;
                }
                let (name, value) = line.split_once('=').unwrap();
                let section = current.clone().expect("a cookie line inside a section");
                sections
                    .entry(section)
                    .or_default()
                    .push((name.to_owned(), value.to_owned()));
            }
            Fixture {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                sections,
            }
        })
        .collect()
}

fn sent<'a>(name: &'a str, cookies: &'a [(String, String)]) -> SentCookies<'a> {
    SentCookies::collect(name, cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

#[test]
fn every_golden_cookie_reads_back_exactly() {
    let config = Config::default();
    let ring = ring();
    let now = SEALED_AT + 60;
    let fixtures = fixtures();
    assert!(
        !fixtures.is_empty(),
        "no fixtures in {}",
        fixtures_dir().display()
    );
    for fixture in &fixtures {
        let file = &fixture.file;
        for (section, chunked) in [("session", false), ("session-chunked", true)] {
            let spec = spec(&config, false);
            let cookies = &fixture.sections[section];
            assert_eq!(cookies.len() > 1, chunked, "{file} [{section}]");
            let sent = sent(&spec.name, cookies);
            let session = SessionState::load(&ring, &spec, &config.session, &sent, now);
            assert_eq!(session.status(), &Status::Loaded, "{file} [{section}]");
            let expected = session_values(chunked);
            assert_eq!(session.len(), expected.len(), "{file} [{section}]");
            for (key, value) in &expected {
                let mut got = value.clone();
                with_inner!(&mut got, |v| {
                    *v = session
                        .get(key)
                        .unwrap_or_else(|e| panic!("{file} [{section}] `{key}`: {e}"))
                        .expect("present")
                });
                assert_eq!(&got, value, "{file} [{section}] `{key}`");
            }
        }
        let spec = spec(&config, true);
        let cookies = &fixture.sections["tempdata"];
        let sent = sent(&spec.name, cookies);
        let mut temp = TempDataState::load(&ring, &spec, &config.tempdata, &sent, now);
        assert_eq!(temp.status(), &Status::Loaded, "{file} [tempdata]");
        let expected = tempdata_values();
        assert_eq!(temp.len(), expected.len(), "{file} [tempdata]");
        for (key, value) in &expected {
            let mut got = value.clone();
            with_inner!(&mut got, |v| {
                *v = temp
                    .peek(key)
                    .unwrap_or_else(|e| panic!("{file} [tempdata] `{key}`: {e}"))
                    .expect("present")
            });
            assert_eq!(&got, value, "{file} [tempdata] `{key}`");
        }
        let Value::Flashes(flashes) = &expected[0].1 else {
            unreachable!()
        };
        assert_eq!(&temp.take_flashes().unwrap(), flashes, "{file} flashes");
    }
}

/// Writes the cookies this build seals as a new fixture file (see the module docs).
#[test]
#[ignore = "writes a fixture file; run by hand after a change of format"]
fn write_fixtures() {
    let Ok(stem) = std::env::var("GOLDEN_WRITE") else {
        panic!("set GOLDEN_WRITE to the new file's name, e.g. cookies-v2");
    };
    let path = fixtures_dir().join(format!("{stem}.txt"));
    assert!(
        !path.exists(),
        "{} exists: never rewrite a fixture",
        path.display()
    );
    let config = Config::default();
    let ring = ring();
    let mut text = format!(
        "# Cookies sealed by rocket_sealed {} (written by tests/golden_cookies.rs).\n\
         # The key is a test key: never use it anywhere else.\n\
         key {KEY_ID} {KEY}\n",
        env!("CARGO_PKG_VERSION")
    );
    for (section, chunked) in [("session", false), ("session-chunked", true)] {
        let spec = spec(&config, false);
        let mut session = SessionState::new(SEALED_AT, Status::New);
        for (key, value) in session_values(chunked) {
            with_inner!(&value, |v| session.set(key, v).unwrap());
        }
        let nothing = SentCookies::collect(&spec.name, []);
        let commit = session
            .commit(&ring, &spec, &config.session, &nothing, SEALED_AT)
            .unwrap()
            .unwrap();
        assert_eq!(commit.written.cookies > 1, chunked);
        text += &format!("\n[{section}]\n");
        for line in &commit.written.lines {
            text += line.split(';').next().unwrap();
            text += "\n";
        }
    }
    let spec = spec(&config, true);
    let mut temp = TempDataState::new(Status::New);
    for (key, value) in tempdata_values() {
        with_inner!(&value, |v| temp.set(key, v).unwrap());
    }
    let nothing = SentCookies::collect(&spec.name, []);
    let commit = temp
        .commit(&ring, &spec, &nothing, false, SEALED_AT)
        .unwrap()
        .unwrap();
    text += "\n[tempdata]\n";
    for line in &commit.written.lines {
        text += line.split(';').next().unwrap();
        text += "\n";
    }
    std::fs::write(&path, text).unwrap();
}

/// A flash list keeps its stored form now that `Level` and `FlashMessage` serialize for
/// templates (lower-case levels, `kind`/`message`) in human-readable formats: the bytes this
/// build stores are those the derived impls wrote, so lists pending in browsers and
/// instances of an earlier release in the same farm read them, and both spellings read back.
#[test]
fn flash_lists_are_stored_as_before_and_read_in_both_spellings() {
    #[derive(Serialize)]
    enum EarlierLevel {
        Success,
        Warning,
    }
    #[derive(Serialize)]
    struct EarlierFlashMessage {
        level: EarlierLevel,
        text: String,
    }
    fn named<T: Serialize>(value: &T) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut serializer = rmp_serde::Serializer::new(&mut buf).with_struct_map();
        value.serialize(&mut serializer).unwrap();
        buf
    }
    let earlier = named(&vec![
        EarlierFlashMessage {
            level: EarlierLevel::Success,
            text: "Saved".into(),
        },
        EarlierFlashMessage {
            level: EarlierLevel::Warning,
            text: "Disk almost full".into(),
        },
    ]);
    let Value::Flashes(flashes) = &tempdata_values()[0].1 else {
        unreachable!()
    };
    assert_eq!(named(flashes), earlier, "stored byte for byte as before");
    let read: Vec<FlashMessage> = rmp_serde::from_slice(&earlier).unwrap();
    assert_eq!(&read, flashes);

    let json = serde_json::to_value(flashes).unwrap();
    assert_eq!(json[0]["level"], "success");
    assert_eq!(json[1]["kind"], "warning");
    assert_eq!(json[1]["message"], "Disk almost full");
    let back: Vec<FlashMessage> = serde_json::from_value(json).unwrap();
    assert_eq!(&back, flashes);
    let capitalised: FlashMessage =
        serde_json::from_str(r#"{"level":"Warning","text":"Disk almost full"}"#).unwrap();
    assert_eq!(capitalised, flashes[1]);
}
