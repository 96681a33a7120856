//! A stored value read after its type changed between deploys gives the right value or a
//! typed error, never a wrong value: one row per kind of change, each written with the type of
//! one deploy and read, through a sealed cookie, with the type of the next.

use rocket_sealed::chunk::SentCookies;
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::store::SessionState;
use rocket_sealed::{Config, Error, KeyConfig, KeyRing, Status};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What reading a changed value must give.
#[derive(Debug)]
enum Expect<T> {
    /// This value: the change is compatible.
    Reads(T),
    /// `Err(Error::SchemaChanged { .. })`.
    SchemaChanged,
}

/// Seals `before` in a session cookie, opens it as a later deploy would, and reads it as `T`.
fn write_then_read<B: Serialize, T: DeserializeOwned>(before: &B) -> Result<Option<T>, Error> {
    let config = Config::default();
    let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    let spec = StoreSpec {
        name: "s".into(),
        ..config.session_spec(false)
    };
    let mut session = SessionState::new(1_000, Status::New);
    session.set("v", before).unwrap();
    let nothing = SentCookies::collect("s", []);
    let commit = session
        .commit(&ring, &spec, &config.session, &nothing, 1_000)
        .unwrap()
        .unwrap();
    let sent = SentCookies::collect("s", commit.written.sent_back());
    let next = SessionState::load(&ring, &spec, &config.session, &sent, 1_010);
    assert!(next.status().is_loaded());
    next.get::<T>("v")
}

/// Runs one row; a failure names the row.
fn check<B, T>(row: &str, before: B, expect: Expect<T>) -> &'static str
where
    B: Serialize,
    T: DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let got = write_then_read::<B, T>(&before);
    match (&expect, got) {
        (Expect::Reads(want), Ok(Some(value))) => {
            assert_eq!(&value, want, "{row}: read a wrong value");
            "reads"
        }
        (Expect::SchemaChanged, Err(Error::SchemaChanged { key, .. })) => {
            assert_eq!(key, "v", "{row}");
            "SchemaChanged"
        }
        (expect, got) => panic!("{row}: expected {expect:?}, got {got:?}"),
    }
}

mod v1 {
    use super::*;

    #[derive(Serialize)]
    pub struct Prefs {
        pub visits: u32,
        pub theme: String,
    }

    #[derive(Serialize)]
    pub struct Pair {
        pub a: u32,
        pub b: u32,
    }

    #[derive(Serialize)]
    pub struct Signed {
        pub n: u32,
    }

    #[derive(Serialize)]
    pub enum Level {
        Low,
        High,
    }

    #[derive(Serialize)]
    pub struct Line {
        pub product: u32,
        pub qty: u32,
    }

    #[derive(Serialize)]
    pub struct Cart {
        pub lines: Vec<Line>,
    }

    #[derive(Serialize)]
    pub enum Shape {
        Circle {
            r: u32,
        },
        #[allow(dead_code)]
        Square(u32),
    }
}

mod v2 {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct WithDefault {
        pub visits: u32,
        #[serde(default)]
        pub font_size: u32,
        pub theme: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct WithOption {
        pub lang: Option<String>,
        pub visits: u32,
        pub theme: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct WithRequired {
        pub visits: u32,
        pub theme: String,
        pub font_size: u32,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct Removed {
        pub theme: String,
    }

    /// `visits` renamed to `font_size`: same type, same position.
    #[derive(Debug, PartialEq, Deserialize)]
    pub struct Renamed {
        pub font_size: u32,
        pub theme: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct Reordered {
        pub b: u32,
        pub a: u32,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct SignedI32 {
        pub n: i32,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct AsText {
        pub n: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub enum LevelAdded {
        Low,
        Medium,
        High,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub enum LevelRemoved {
        Low,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub enum LevelRenamed {
        Low,
        Highest,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct Visits(pub u32);

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct Line {
        pub product: u32,
        pub quantity: u32,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct Cart {
        pub lines: Vec<Line>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct LineWithNote {
        pub product: u32,
        pub qty: u32,
        #[serde(default)]
        pub note: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub struct CartWithNotes {
        pub lines: Vec<LineWithNote>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub enum Shape {
        Circle { radius: u32 },
        Square(u32),
    }
}

#[test]
fn every_schema_change_reads_right_or_is_a_typed_error() {
    let prefs = || v1::Prefs {
        visits: 3,
        theme: "dark".into(),
    };
    let low_high = || vec![v1::Level::Low, v1::Level::High];
    let cart = || v1::Cart {
        lines: vec![v1::Line { product: 7, qty: 2 }],
    };
    let results = [
        (
            "add a field with #[serde(default)]",
            check(
                "add default",
                prefs(),
                Expect::Reads(v2::WithDefault {
                    visits: 3,
                    font_size: 0,
                    theme: "dark".into(),
                }),
            ),
        ),
        (
            "add an Option field, first",
            check(
                "add option",
                prefs(),
                Expect::Reads(v2::WithOption {
                    lang: None,
                    visits: 3,
                    theme: "dark".into(),
                }),
            ),
        ),
        (
            "add a field without default",
            check(
                "add required",
                prefs(),
                Expect::<v2::WithRequired>::SchemaChanged,
            ),
        ),
        (
            "remove a field",
            check(
                "remove",
                prefs(),
                Expect::Reads(v2::Removed {
                    theme: "dark".into(),
                }),
            ),
        ),
        (
            "rename a field of the same type",
            check("rename", prefs(), Expect::<v2::Renamed>::SchemaChanged),
        ),
        (
            "reorder fields",
            check(
                "reorder",
                v1::Pair { a: 1, b: 2 },
                Expect::Reads(v2::Reordered { b: 2, a: 1 }),
            ),
        ),
        (
            "u32 to i32, value in range",
            check(
                "u32 -> i32",
                v1::Signed { n: 3 },
                Expect::Reads(v2::SignedI32 { n: 3 }),
            ),
        ),
        (
            "u32 to i32, value out of range",
            check(
                "u32 -> i32 overflow",
                v1::Signed { n: u32::MAX },
                Expect::<v2::SignedI32>::SchemaChanged,
            ),
        ),
        (
            "u32 to String",
            check(
                "u32 -> String",
                v1::Signed { n: 3 },
                Expect::<v2::AsText>::SchemaChanged,
            ),
        ),
        (
            "add an enum variant",
            check(
                "variant added",
                low_high(),
                Expect::Reads(vec![v2::LevelAdded::Low, v2::LevelAdded::High]),
            ),
        ),
        (
            "remove an enum variant in use",
            check(
                "variant removed",
                low_high(),
                Expect::<Vec<v2::LevelRemoved>>::SchemaChanged,
            ),
        ),
        (
            "rename an enum variant",
            check(
                "variant renamed",
                low_high(),
                Expect::<Vec<v2::LevelRenamed>>::SchemaChanged,
            ),
        ),
        (
            "rename a field of a struct variant",
            check(
                "struct variant field renamed",
                v1::Shape::Circle { r: 2 },
                Expect::<v2::Shape>::SchemaChanged,
            ),
        ),
        (
            "wrap in a newtype",
            check("newtype wrap", 5u32, Expect::Reads(v2::Visits(5))),
        ),
        (
            "Vec to array of the same length",
            check("Vec -> array", vec![1u8, 2, 3], Expect::Reads([1u8, 2, 3])),
        ),
        (
            "Vec to array of another length",
            check(
                "Vec -> short array",
                vec![1u8, 2, 3],
                Expect::<[u8; 2]>::SchemaChanged,
            ),
        ),
        (
            "array to Vec",
            check("array -> Vec", [4u16, 5], Expect::Reads(vec![4u16, 5])),
        ),
        (
            "rename a field of a nested struct",
            check("nested rename", cart(), Expect::<v2::Cart>::SchemaChanged),
        ),
        (
            "add a defaulted field to a nested struct",
            check(
                "nested add default",
                cart(),
                Expect::Reads(v2::CartWithNotes {
                    lines: vec![v2::LineWithNote {
                        product: 7,
                        qty: 2,
                        note: String::new(),
                    }],
                }),
            ),
        ),
        (
            "a struct read as a plain value",
            check("struct -> u32", prefs(), Expect::<u32>::SchemaChanged),
        ),
        (
            "Option<T> to T, Some",
            check("Option -> T", Some(4u32), Expect::Reads(4u32)),
        ),
        (
            "Option<T> to T, None",
            check("None -> T", None::<u32>, Expect::<u32>::SchemaChanged),
        ),
    ];
    assert!(results.len() >= 12);
    let compatible = results.iter().filter(|(_, r)| *r == "reads").count();
    assert_eq!(compatible, 11, "{results:#?}");
}
