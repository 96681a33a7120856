//! The `ROCKET_SEALED` environment variable (README, Quick start) read by Rocket's own
//! configuration provider (`rocket::build()`), together with a `Rocket.toml`.
//!
//! This file is a test binary of its own with a single test: it changes the process's
//! environment and working directory (inside figment's `Jail`, which restores both), which
//! would race any other test of the same binary.

mod common;

use figment::Jail;
use rocket::local::blocking::Client;
use rocket_sealed::Sealed;

#[test]
// `Jail::expect_with` takes a closure returning figment's own (large) error type.
#[allow(clippy::result_large_err)]
fn rocket_sealed_env_var_is_read_and_merged_with_rocket_toml() {
    Jail::expect_with(|jail| {
        // The file: a key the environment replaces, a session setting and a TempData cookie
        // name the environment leaves alone.
        jail.create_file(
            "Rocket.toml",
            &format!(
                "[default]\nlog_level = \"critical\"\n\
                 [default.sealed]\nkeys = [{{ id = 1, key = \"{}\" }}]\n\
                 [default.sealed.session]\nidle_timeout_secs = 90\n\
                 [default.sealed.tempdata]\ncookie_name = \"tomlnotes\"\n",
                common::key(1).key
            ),
        )?;
        jail.set_env(
            "ROCKET_SEALED",
            format!(
                r#"{{keys=[{{id=4,key="{}"}}],session={{cookie_name="envsess"}}}}"#,
                common::key(4).key
            ),
        );

        let rocket = rocket::build()
            .attach(Sealed::fairing())
            .mount("/", common::all_routes());
        let client = Client::tracked(rocket).expect("launches with the configured keys");
        let sealed = client.rocket().state::<Sealed>().unwrap();
        let config = sealed.config();
        assert_eq!(config.session.cookie_name, "envsess");
        // The variable merges into the file's table, down to the nested tables ...
        assert_eq!(config.session.idle_timeout_secs, 90);
        assert_eq!(config.tempdata.cookie_name, "tomlnotes");
        // ... and a list it sets replaces the file's.
        assert_eq!(sealed.key_ring().sealing_key_id(), 4);
        assert_eq!(sealed.key_ring().key_ids().collect::<Vec<_>>(), vec![4]);

        let set = common::dispatch(client.get("/s/set/a/1"));
        assert_eq!(set.cookies.len(), 1, "{:?}", set.lines);
        assert_eq!(set.cookies[0].name(), "envsess");
        assert_eq!(common::key_id_of(set.cookies[0].value()), 4);
        let got = common::dispatch(client.get("/s/get/a"));
        assert_eq!(got.body, r#"Some("1")"#);
        let temp = common::dispatch(client.get("/td/act/set/ok"));
        let names: Vec<String> = temp.written().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["tomlnotes"]);
        Ok(())
    });
}
