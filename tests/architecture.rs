//! The layering ARCHITECTURE.md promises: the framework-free core never names `rocket` nor
//! imports a module of the Rocket layer, the cipher imports nothing of the crate, and the
//! managed state does not import the fairing that builds it.

use std::path::{Path, PathBuf};

/// The core: everything from the state model down.
const CORE: &[&str] = &[
    "store", // the whole folder
    "codec.rs",
    "chunk.rs",
    "attrs.rs",
    "config.rs",
    "registry_config.rs",
    "seal.rs",
    "envelope.rs",
    "cipher.rs",
    "keys.rs",
    "open_cache.rs",
    "error.rs",
    "clock.rs",
    "counters.rs",
    "random.rs",
];

/// The Rocket layer's modules, and the public items they define (which the core could also
/// reach through the crate root's re-exports).
const ROCKET_LAYER_MODULES: &[&str] = &[
    "fairing",
    "sealed",
    "request",
    "guards",
    "flash",
    "validator",
    "figment_config",
    "keys_file",
    "registry",
];
const ROCKET_LAYER_ITEMS: &[&str] = &[
    "SealedFairing",
    "Sealed",
    "Session",
    "TempData",
    "GuardError",
    "Flash",
    "Flashes",
    "Validator",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .flat_map(|entry| rust_files(&entry.unwrap().path()))
            .collect();
        files.sort();
        files
    } else if path.extension().is_some_and(|e| e == "rs") {
        vec![path.to_owned()]
    } else {
        vec![]
    }
}

/// The file's code: comment lines (docs and their examples included) left out, and the
/// `use` statements joined into one line each so a group import can be read whole.
fn code_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = Vec::new();
    let mut pending_use = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("//") {
            continue;
        }
        if !pending_use.is_empty() || line.contains("use crate::") || line.starts_with("use ") {
            pending_use.push_str(line);
            if line.ends_with(';') {
                lines.push(std::mem::take(&mut pending_use));
            }
            continue;
        }
        lines.push(line.to_owned());
    }
    lines
}

fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// Each offending line of the core, with its file, for one rule.
fn core_violations(offends: impl Fn(&str) -> bool) -> Vec<String> {
    CORE.iter()
        .flat_map(|entry| rust_files(&src().join(entry)))
        .flat_map(|file| {
            let name = file.strip_prefix(src()).unwrap().display().to_string();
            code_lines(&file)
                .into_iter()
                .filter(|line| offends(line))
                .map(move |line| format!("{name}: {line}"))
        })
        .collect()
}

#[test]
fn the_core_never_names_rocket() {
    let found = core_violations(|line| words(line).any(|w| w == "rocket"));
    assert!(
        found.is_empty(),
        "the core names rocket:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_never_imports_the_rocket_layer() {
    let found = core_violations(|line| {
        let mut words = words(line).peekable();
        let mut hit = false;
        while let Some(w) = words.next() {
            if w == "crate" {
                // `crate::fairing::…`, or `crate::{Sealed, …}` through the root's re-exports.
                hit |= words
                    .peek()
                    .is_some_and(|next| ROCKET_LAYER_MODULES.contains(next));
            }
            hit |= line.contains("use crate::") && ROCKET_LAYER_ITEMS.contains(&w);
        }
        hit
    });
    assert!(
        found.is_empty(),
        "the core imports the Rocket layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cipher_imports_nothing_of_the_crate() {
    let found: Vec<String> = code_lines(&src().join("cipher.rs"))
        .into_iter()
        .filter(|line| line.contains("crate::") || line.contains("super::"))
        .filter(|line| !line.starts_with("use super::*"))
        .collect();
    assert!(found.is_empty(), "cipher.rs imports: {found:?}");
}

#[test]
fn the_managed_state_does_not_import_the_fairing() {
    let found: Vec<String> = code_lines(&src().join("sealed.rs"))
        .into_iter()
        .filter(|line| line.starts_with("use ") || line.starts_with("pub use "))
        .filter(|line| words(line).any(|w| w == "fairing" || w == "SealedFairing"))
        .collect();
    assert!(found.is_empty(), "sealed.rs imports the fairing: {found:?}");
}

/// The checks above read every file they should: a renamed folder or file would otherwise
/// leave a rule checking nothing.
#[test]
fn every_core_entry_exists_and_has_code() {
    for entry in CORE {
        let files = rust_files(&src().join(entry));
        assert!(!files.is_empty(), "src/{entry} is gone: update CORE");
        assert!(files.iter().all(|f| !code_lines(f).is_empty()));
    }
    for module in ROCKET_LAYER_MODULES {
        let file = src().join(format!("{module}.rs"));
        let folder = src().join(module).join("mod.rs");
        assert!(
            file.exists() || folder.exists(),
            "src/{module} is gone: update ROCKET_LAYER_MODULES"
        );
    }
}
