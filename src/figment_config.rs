//! Reading the `sealed` table from a figment, with errors that name the field and never quote
//! a key.

use rocket::figment::Figment;
use rocket::figment::error::{Actual, Kind};

use crate::config::is_key_like_text;
use crate::{Config, Error};

// Beside the figment error mapping it uses, so that `config.rs` stays free of Rocket.
impl Config {
    /// The `sealed` table of `figment` (as the fairing reads it from Rocket's figment), or the
    /// defaults when there is none. An error names the field; a value under `keys`, which may
    /// be a key, is not quoted, and neither is the line of a configuration that does not parse.
    ///
    /// ```
    /// use rocket::figment::{providers::Serialized, Figment};
    /// use rocket_sealed::{Config, Error};
    ///
    /// let figment = Figment::from(Serialized::global("sealed.chunk_size", 3000));
    /// assert_eq!(Config::from_figment(&figment).unwrap().chunk_size, 3000);
    /// assert_eq!(Config::from_figment(&Figment::new()).unwrap(), Config::default());
    ///
    /// let key = "pKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKQ";
    /// let figment = Figment::from(Serialized::global("sealed.keys", [key]));
    /// let Err(Error::Config { field, reason }) = Config::from_figment(&figment) else { panic!() };
    /// assert_eq!(field, "sealed.keys.0");
    /// assert!(reason.contains("found a string (not shown), expected struct KeyConfig"));
    /// assert!(!reason.contains(key));
    /// ```
    pub fn from_figment(figment: &Figment) -> Result<Config, Error> {
        match figment.find_value("sealed") {
            Ok(_) => figment
                .extract_inner::<Config>("sealed")
                .map_err(config_error),
            Err(e) if e.missing() => Ok(Config::default()),
            // The configuration does not parse at all (a TOML syntax error, say).
            Err(e) => Err(config_error(e)),
        }
    }
}

/// A figment error about the `sealed` table as this crate's error, naming the field.
///
/// figment quotes the value it was given, and under `keys` (or for the table itself, such as
/// `ROCKET_SEALED` set to a bare key) that value may be a key: there the value is left out.
pub(crate) fn config_error(e: rocket::figment::Error) -> Error {
    let mut field = None;
    let text = e
        .into_iter()
        .map(|mut one| {
            hide_what_may_be_a_key(&mut one);
            field.get_or_insert_with(|| sealed_path(&one));
            sealed_first(&mut one);
            one.to_string()
        })
        .collect::<Vec<_>>()
        .join("; ");
    Error::config(field.unwrap_or_else(|| "sealed".into()), text)
}

/// Leaves out the text of an error about the `sealed` table itself or its key ring, where any
/// text may be a key: the values figment quotes, and an unknown field's name (which figment
/// also puts in the error's path).
fn hide_what_may_be_a_key(e: &mut rocket::figment::Error) {
    let inner = inner_path(e);
    let unknown = match &e.kind {
        Kind::UnknownField(name, _) if inner.last() == Some(name) => Some(inner.len() - 1),
        _ => None,
    };
    let table = &inner[..unknown.unwrap_or(inner.len())];
    if !matches!(table.first().map(String::as_str), None | Some("keys")) {
        // Elsewhere the texts are the options' own (a cookie name, a misspelt option) and are
        // quoted as figment gives them, which helps, unless one looks like a pasted key.
        let pasted = match &e.kind {
            Kind::UnknownField(name, _) => looks_like_a_key(name),
            kind => quoted_text(kind).is_some_and(is_key_like_text),
        };
        if !pasted {
            return;
        }
    } else if let (Kind::UnknownField(name, _), true) = (&e.kind, table.is_empty()) {
        // An unknown field at the top of the table is most likely a misspelt option
        // (`chunksize`, `[sealed.sesion]`): named, unless it looks like key material.
        if !looks_like_a_key(name) {
            return;
        }
    }
    if let Some(at) = unknown {
        // `inner` is the front of the path (see `inner_path`).
        e.path.remove(at);
    }
    e.kind = without_values(std::mem::replace(&mut e.kind, Kind::Message(String::new())));
}

/// Anything but an option-like name (lowercase letters and underscores, as every option
/// is; a random key is almost never only those) may be key material.
fn looks_like_a_key(name: &str) -> bool {
    !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// Text of the configuration an error would quote.
fn quoted_text(kind: &Kind) -> Option<&str> {
    match kind {
        Kind::InvalidType(Actual::Str(s), _)
        | Kind::InvalidValue(Actual::Str(s), _)
        | Kind::Unsupported(Actual::Str(s))
        | Kind::UnknownVariant(s, _) => Some(s),
        _ => None,
    }
}

/// Moves the `sealed` that `extract_inner` appends to the end of the error's path to its
/// front, where it belongs, so the key figment prints is the one in the configuration.
fn sealed_first(e: &mut rocket::figment::Error) {
    if e.path.last().is_some_and(|last| last == "sealed") {
        e.path.pop();
        e.path.insert(0, "sealed".into());
    }
}

/// `kind` with every text the configuration held replaced by a note that it is not shown.
fn without_values(kind: Kind) -> Kind {
    let hidden = |actual: Actual| match actual {
        Actual::Str(_) => Actual::Other("a string (not shown)".into()),
        Actual::Bytes(_) => Actual::Other("bytes (not shown)".into()),
        Actual::Char(_) => Actual::Other("a character (not shown)".into()),
        Actual::Other(_) => Actual::Other("a value (not shown)".into()),
        other => other,
    };
    match kind {
        Kind::InvalidType(actual, expected) => Kind::InvalidType(hidden(actual), expected),
        Kind::InvalidValue(actual, expected) => Kind::InvalidValue(hidden(actual), expected),
        Kind::Unsupported(actual) => Kind::Unsupported(hidden(actual)),
        Kind::UnsupportedKey(actual, key) => Kind::UnsupportedKey(hidden(actual), key),
        Kind::UnknownVariant(_, expected) => Kind::UnknownVariant("(not shown)".into(), expected),
        Kind::UnknownField(_, expected) => Kind::UnknownField("(not shown)".into(), expected),
        // A parse error's first line says where; the others quote the line.
        Kind::Message(message) if message.starts_with("TOML parse error at line ") => {
            Kind::Message(format!(
                "{} (the line is not shown)",
                message.lines().next().unwrap_or_default()
            ))
        }
        Kind::Message(_) => Kind::Message("the value is not valid here (not shown)".into()),
        other => other,
    }
}

/// The error's path inside the `sealed` table.
fn inner_path(e: &rocket::figment::Error) -> &[String] {
    // `extract_inner("sealed")` appends "sealed" to the end of the error's path, not the front.
    match e.path.split_last() {
        Some((last, inner)) if last == "sealed" => inner,
        _ => &e.path[..],
    }
}

/// The field a figment error is about, as `sealed.…`.
fn sealed_path(e: &rocket::figment::Error) -> String {
    std::iter::once("sealed")
        .chain(inner_path(e).iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use rocket::figment::Figment;
    use rocket::figment::providers::{Format, Serialized, Toml};

    use super::{config_error, sealed_path};
    use crate::{Config, KeyConfig};

    fn path_of_error(key: &str, value: rocket::figment::value::Value) -> String {
        let figment = Figment::from(Serialized::global(key, value));
        let e = figment.extract_inner::<Config>("sealed").unwrap_err();
        sealed_path(&e)
    }

    #[test]
    fn figment_errors_name_the_field() {
        assert_eq!(
            path_of_error("sealed.session.idle_timeout_secs", "abc".into()),
            "sealed.session.idle_timeout_secs"
        );
        assert_eq!(
            path_of_error("sealed.keys", vec![1u8].into()),
            "sealed.keys.0"
        );
        assert_eq!(path_of_error("sealed", 7.into()), "sealed");
    }

    fn error_of(figment: Figment) -> String {
        config_error(figment.extract_inner::<Config>("sealed").unwrap_err()).to_string()
    }

    #[test]
    fn the_key_figment_prints_starts_with_sealed() {
        let toml = "[default.sealed.session]\nidle_timeout_secs = \"soon\"\n";
        let figment = Figment::from(Toml::string(toml).nested());
        let text = Config::from_figment(&figment).unwrap_err().to_string();
        assert!(
            text.contains("\"default.sealed.session.idle_timeout_secs\""),
            "{text}"
        );
        assert!(!text.contains(".sealed\""), "{text}");
    }

    #[test]
    fn figment_errors_do_not_quote_a_key() {
        let key = KeyConfig::generate(1).key.clone();
        // `keys = ["…"]` instead of `keys = [{ id = 1, key = "…" }]`, a bare key for the ring or
        // the table, a key whose id is text, an unknown field next to a key.
        let mistakes: Vec<Figment> = vec![
            Figment::from(Serialized::global("sealed.keys", vec![key.clone()])),
            Figment::from(Serialized::global("sealed.keys", key.clone())),
            Figment::from(Serialized::global("sealed", key.clone())),
            Figment::from(Serialized::global(
                "sealed.keys",
                vec![[key.clone(), key.clone()]],
            )),
            Figment::from(Serialized::global(
                "sealed.keys",
                vec![std::collections::BTreeMap::from([
                    ("id", key.clone()),
                    ("key", key.clone()),
                ])],
            )),
        ];
        // A key pasted as a field name, at the top of the table or in a ring entry.
        let mut mistakes = mistakes;
        mistakes.push(Figment::from(Serialized::global(
            &format!("sealed.{key}"),
            1,
        )));
        mistakes.push(Figment::from(Serialized::global(
            "sealed.keys",
            vec![std::collections::BTreeMap::from([(key.clone(), 1)])],
        )));
        for figment in mistakes {
            let text = error_of(figment);
            assert!(text.starts_with("invalid configuration `sealed"), "{text}");
            assert!(!text.contains(&key), "{text}");
            assert!(!text.contains(&key[..8]), "{text}");
        }
        let text = error_of(Figment::from(Serialized::global(
            "sealed.keys",
            vec![key.clone()],
        )));
        assert!(text.contains("`sealed.keys.0`"), "{text}");
        assert!(
            text.contains("found a string (not shown), expected"),
            "{text}"
        );
        // A configuration that does not parse says where, not what the line holds; it is an
        // error, not the defaults.
        let toml = format!("[default.sealed]\nkeys = [{{ id = 1, key = {key} }}]\n");
        let figment = Figment::from(Toml::string(&toml).nested());
        let text = Config::from_figment(&figment).unwrap_err().to_string();
        assert!(!text.contains(&key[..8]), "{text}");
        assert!(text.contains("TOML parse error at line 2"), "{text}");
        // An unknown field elsewhere is named: it is no key.
        let text = error_of(Figment::from(Serialized::global("sealed.session.idle", 5)));
        assert!(text.contains("`idle`"), "{text}");
        // So is a misspelt option at the top of the table (the key pasted as a field name
        // above is not).
        for typo in [
            "chunksize",
            "sesion",
            "cookies",
            "tempdata_keep_on_redirect",
        ] {
            let text = error_of(Figment::from(Serialized::global(
                &format!("sealed.{typo}"),
                1,
            )));
            assert!(text.contains(&format!("`{typo}`")), "{text}");
        }
        // A key pasted as a field name or given as a value in another table is not shown.
        let pasted: Vec<Figment> = vec![
            Figment::from(Serialized::global(&format!("sealed.session.{key}"), 1)),
            Figment::from(Serialized::global(&format!("sealed.cookie.{key}"), 1)),
            Figment::from(Serialized::global("sealed.session", key.clone())),
            Figment::from(Serialized::global(
                "sealed.session.idle_timeout_secs",
                key.clone(),
            )),
        ];
        for figment in pasted {
            let text = error_of(figment);
            assert!(text.starts_with("invalid configuration `sealed"), "{text}");
            assert!(!text.contains(&key[..8]), "{text}");
        }
        let mut config = Config::default();
        config.cookie.same_site = key.clone();
        let text = config.validate().unwrap_err().to_string();
        assert!(
            text.contains("sealed.cookie.same_site") && !text.contains(&key[..8]),
            "{text}"
        );
        let mut with_name = Config::default();
        // Standard base64 (`/`, `+`, `=`) is no valid cookie name.
        with_name.session.cookie_name = format!("{key}/+=");
        let text = with_name.validate().unwrap_err().to_string();
        assert!(
            text.contains("cookie_name") && !text.contains(&key[..8]),
            "{text}"
        );
        config.cookie.same_site = "lex".into();
        let text = config.validate().unwrap_err().to_string();
        assert!(text.contains("`lex`"), "{text}");
        // Outside the key ring the value is quoted as figment gives it: it helps.
        let text = error_of(Figment::from(Serialized::global(
            "sealed.session.idle_timeout_secs",
            "soon",
        )));
        assert!(text.contains("\"soon\""), "{text}");
    }
}
