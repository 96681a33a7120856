//! Building an example from a test: once per test binary, with the Cargo, target directory and
//! profile the test runs with (a `cargo test --test NAME` builds no example by itself).

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

/// The executable of the example `name`, built on first use.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let exe = std::env::current_exe().expect("the test binary's path");
    // <target>/<profile>/deps/<test binary>; examples go to <target>/<profile>/examples/.
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <target>/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
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
        cmd.args(["build", "--quiet", "--example", name, "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(profile_dir.parent().expect("a target directory"));
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        // The example has the features the test was built with (the registry's tests).
        if cfg!(feature = "redis") {
            cmd.args(["--features", "redis"]);
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "cargo build --example {name} failed");
        assert!(binary.is_file(), "no {name} binary at {}", binary.display());
        built.push(name.to_owned());
    }
    binary
}
