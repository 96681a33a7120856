//! Building an example, or the `rocket-sealed` tool (feature `cli`), from a test: once per test
//! binary, with the Cargo, target directory and profile the test runs with (a `cargo test
//! --test NAME` builds neither by itself).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// What Cargo sets for the package in the environment of a test (`CARGO_MANIFEST_DIR`,
/// `CARGO_PKG_NAME`, ...), left out of the nested build: ring's build script reruns when they
/// change, so passing them on would rebuild ring, rustls and Rocket on every test run, and
/// again in the next plain `cargo build`.
const SET_BY_CARGO: [&str; 7] = [
    "CARGO_MANIFEST_",
    "CARGO_PKG_",
    "CARGO_BIN_",
    "CARGO_CRATE_",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "OUT_DIR",
];

/// Set when the examples and the tool are already built, with the features of the tests that
/// run them: they are then used as they are.
const PREBUILT: &str = "ROCKET_SEALED_TESTS_PREBUILT";

/// The executable of the example `name`, built on first use.
pub fn example_binary(name: &str) -> PathBuf {
    built_binary(Some("examples"), &["--example", name], &[])
}

/// The `rocket-sealed` operator tool (`src/bin/rocket-sealed`): the one Cargo built for this
/// test when the `cli` feature it requires is on, else built on first use with that feature.
///
/// Cargo's own build is preferred because a nested `cargo build --bin` resolves features
/// without the dev-dependencies (Rocket without `tls`, `cookie` without `private`, ...) and so
/// would compile Rocket and its dependencies a second time.
#[allow(dead_code)] // not every test binary that includes this module runs the tool
pub fn tool_binary() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_rocket-sealed") {
        Some(path) => PathBuf::from(path),
        None => built_binary(None, &["--bin", "rocket-sealed"], &["cli"]),
    }
}

/// Builds `target` (`--example NAME` or `--bin NAME`) unless this test binary already did, and
/// returns its path: `<target>/<profile>/[subdir/]NAME`.
fn built_binary(subdir: Option<&str>, target: &[&str; 2], features: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let name = target[1];
    let exe = std::env::current_exe().expect("the test binary's path");
    // <target>/<profile>/deps/<test binary>; examples go to <target>/<profile>/examples/, bins
    // to <target>/<profile>/.
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <target>/<profile>/deps");
    let mut binary = profile_dir.to_owned();
    if let Some(subdir) = subdir {
        binary.push(subdir);
    }
    binary.push(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    // `.ci/run` has compiled every example and the tool with these tests' features before it
    // runs them, and meanwhile builds the docs in the same target directory: asking Cargo
    // again would only wait for that build's lock.
    if std::env::var_os(PREBUILT).is_some() {
        assert!(
            binary.is_file(),
            "{PREBUILT} is set, but there is no {name} binary at {}",
            binary.display()
        );
        return binary;
    }
    if !built.iter().any(|b| b == name) {
        let mut cmd = Command::new(env!("CARGO"));
        for (var, _) in std::env::vars_os() {
            if SET_BY_CARGO
                .iter()
                .any(|p| var.to_string_lossy().starts_with(p))
            {
                cmd.env_remove(var);
            }
        }
        cmd.args(["build", "--quiet"])
            .args(target)
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(profile_dir.parent().expect("a target directory"));
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        // The target's own features, and those the test was built with (the registry's tests).
        let mut all: Vec<&str> = features.to_vec();
        if cfg!(feature = "redis") {
            all.push("redis");
        }
        if cfg!(feature = "cli") && !all.contains(&"cli") {
            all.push("cli");
        }
        if !all.is_empty() {
            cmd.args(["--features", &all.join(",")]);
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "cargo build {} {name} failed", target[0]);
        assert!(binary.is_file(), "no {name} binary at {}", binary.display());
        built.push(name.to_owned());
    }
    binary
}
