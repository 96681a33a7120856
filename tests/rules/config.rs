//! Configuration from Rocket's figment and the launch failures (README, Quick start and
//! Configuration), and the Sentinel: a route that takes a guard or returns a `Flash` without
//! the fairing attached fails launch.
//!
//! No test here sets real environment variables (tests run in parallel); the `ROCKET_SEALED=...`
//! form is parsed the way figment's `Env` provider parses it and merged into a figment.
//! `rules_env.rs`, a test binary of its own, sets the real variable.

use crate::common;

use common::T0;
use rocket::error::ErrorKind;
use rocket::figment::Figment;
use rocket::figment::value::Value;
use rocket::local::blocking::Client;
use rocket::response::Redirect;
use rocket::{Route, get, routes};
use rocket_sealed::{
    Config, Error, Flash, Flashes, GuardError, KeyConfig, KeyRing, ManualClock, Sealed, Session,
    TempData,
};

/// Launches the test routes with the fairing reading `figment`'s `sealed` table.
fn launch(figment: Figment) -> Result<Client, Box<rocket::Error>> {
    Client::tracked(
        rocket::custom(figment)
            .attach(Sealed::fairing().with_clock(ManualClock::new(T0)))
            .mount("/", common::all_routes()),
    )
    .map_err(Box::new)
}

fn keys(list: &[(u32, &str)]) -> Vec<KeyConfig> {
    list.iter().map(|(id, k)| KeyConfig::new(*id, *k)).collect()
}

/// `true` when launch failed because our fairing refused to ignite.
fn fairing_failed(result: Result<Client, Box<rocket::Error>>) -> bool {
    match result {
        Ok(_) => false,
        Err(e) => matches!(
            e.kind(),
            ErrorKind::FailedFairings(f) if f.iter().any(|i| i.name == "rocket_sealed")
        ),
    }
}

#[test]
fn bad_config_in_figment_fails_launch() {
    let good_key = common::key(1).key.clone();
    let cases: Vec<(&str, Figment)> = vec![
        (
            "budget not a number",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.session.budget", "x")),
        ),
        (
            "bad key base64",
            common::figment().merge(("sealed.keys", keys(&[(1, "***not base64***")]))),
        ),
        (
            "key of the wrong length",
            common::figment().merge(("sealed.keys", keys(&[(1, "AAAA")]))),
        ),
        (
            "duplicate key ids",
            common::figment().merge(("sealed.keys", keys(&[(1, &good_key), (1, &good_key)]))),
        ),
        (
            "unknown field",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.sesion.budget", 4000)),
        ),
        (
            "chunk size above the browser limit",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.chunk_size", 9000)),
        ),
        (
            "unknown SameSite",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.cookie.same_site", "sideways")),
        ),
        (
            "a refresh share at which sliding never happens",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.session.refresh_share", 1.0)),
        ),
        (
            "SameSite=None with Secure turned off",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.cookie.same_site", "none"))
                .merge(("sealed.cookie.secure", false)),
        ),
        (
            "an open cache above its maximum",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.open_cache", 1 << 20)),
        ),
        (
            "same cookie name for both stores",
            common::figment()
                .merge(("sealed.keys", keys(&[(1, &good_key)])))
                .merge(("sealed.tempdata.cookie_name", "sealed_session")),
        ),
    ];
    for (what, figment) in cases {
        assert!(fairing_failed(launch(figment)), "{what} must abort launch");
    }
    // The same checks with Sealed::custom.
    let mut config = common::config(&[1]);
    config.keys.push(common::key(1));
    let rocket = common::rocket_with(Sealed::custom(config));
    assert!(fairing_failed(Client::tracked(rocket).map_err(Box::new)));
}

#[test]
fn key_errors_name_the_key_and_the_reason() {
    let good = common::key(1).key.clone();
    let err = KeyRing::from_config(&keys(&[(1, &good), (1, &good)])).unwrap_err();
    let Error::Config { field, reason } = err else {
        panic!("not a config error")
    };
    assert_eq!(field, "sealed.keys[1] (id 1)");
    assert!(reason.contains("more than once"), "{reason}");
    let err = KeyRing::from_config(&keys(&[(1, &good), (7, "AAAA")])).unwrap_err();
    assert!(err.to_string().contains("sealed.keys[1] (id 7)"), "{err}");
    assert!(err.to_string().contains("32"), "{err}");
    // The message never carries key material.
    assert!(!err.to_string().contains(&good));
}

#[test]
fn no_keys_in_release_profile_fails_launch() {
    let figment = common::figment().select(rocket::Config::RELEASE_PROFILE);
    assert!(fairing_failed(launch(figment)));
}

#[test]
fn an_empty_key_list_fails_launch_in_every_profile() {
    // (The release profile fails without keys anyway; rules_logs checks the reason given.)
    for profile in [
        rocket::Config::DEBUG_PROFILE,
        rocket::Config::RELEASE_PROFILE,
    ] {
        let figment = common::figment()
            .merge(("sealed.keys", Vec::<KeyConfig>::new()))
            .select(profile.clone());
        assert!(
            fairing_failed(launch(figment)),
            "`keys = []` launched in {profile}"
        );
    }
}

#[test]
fn default_config_merged_into_the_figment_still_means_no_keys() {
    // The usual figment pattern for defaults: they must not read as an empty ring written out.
    let figment = common::figment()
        .merge(rocket::figment::providers::Serialized::default(
            "sealed",
            rocket_sealed::Config::default(),
        ))
        .select(rocket::Config::DEBUG_PROFILE);
    let client = launch(figment).expect("debug launches with an ephemeral key");
    let sealed = client.rocket().state::<Sealed>().unwrap();
    assert_eq!(sealed.key_ring().key_ids().count(), 1);
}

#[test]
fn no_keys_in_debug_profile_gives_an_ephemeral_key() {
    let figment = common::figment().select(rocket::Config::DEBUG_PROFILE);
    let client = launch(figment).expect("debug profile launches without keys");
    let sealed = client.rocket().state::<Sealed>().unwrap();
    assert_eq!(sealed.key_ring().key_ids().count(), 1);
    // It works for the life of the process.
    let set = common::dispatch(client.get("/s/set/a/1"));
    assert_eq!(set.written().len(), 1);
    let got = common::dispatch(client.get("/s/get/a"));
    assert_eq!(got.body, r#"Some("1")"#);
    // Two launches get two different keys: a cookie of one does not open in the other.
    let other = launch(common::figment().select(rocket::Config::DEBUG_PROFILE)).unwrap();
    let value = set.value_of(common::SESSION).unwrap();
    let reply = common::dispatch(
        other
            .get("/s/info")
            .cookie(rocket::http::Cookie::new(common::SESSION, value)),
    );
    assert!(
        reply.body.starts_with("Rejected(Tampered)"),
        "{}",
        reply.body
    );
}

#[test]
fn config_from_figment_is_used() {
    let figment = common::figment()
        .merge(("sealed.keys", keys(&[(9, &common::key(9).key)])))
        .merge(("sealed.session.cookie_name", "my_session"))
        .merge(("sealed.session.idle_timeout_secs", 100))
        .merge(("sealed.cookie.same_site", "strict"))
        .merge(("sealed.cookie.persistent", true));
    let client = launch(figment).unwrap();
    let sealed = client.rocket().state::<Sealed>().unwrap();
    assert_eq!(sealed.config().session.cookie_name, "my_session");
    assert_eq!(sealed.key_ring().sealing_key_id(), 9);
    let set = common::dispatch(client.get("/s/set/a/1"));
    let c = &set.cookies[0];
    assert_eq!(c.name(), "my_session");
    assert_eq!(c.same_site(), Some(rocket::http::SameSite::Strict));
    assert_eq!(c.max_age(), Some(rocket::time::Duration::seconds(100)));
    assert_eq!(common::key_id_of(c.value()), 9);
}

/// Browsers drop a `SameSite=None` cookie that is not `Secure`, so with `secure` left unset
/// "none" makes the cookies `Secure` even when Rocket serves no TLS itself (the usual case
/// behind a TLS-terminating proxy).
#[test]
fn same_site_none_makes_the_cookies_secure_without_tls() {
    let figment = common::figment()
        .merge(("sealed.keys", keys(&[(1, &common::key(1).key)])))
        .merge(("sealed.cookie.same_site", "none"));
    let client = launch(figment).unwrap();
    let set = common::dispatch(client.get("/s/set/a/1"));
    let c = &set.cookies[0];
    assert_eq!(c.same_site(), Some(rocket::http::SameSite::None));
    // The raw line: the `cookie` crate's Display adds `Secure` to `SameSite=None` by itself.
    assert_eq!(c.secure(), Some(true), "{}", set.lines[0]);
    // The default (lax) keeps following TLS, which this client does not use.
    let client =
        launch(common::figment().merge(("sealed.keys", keys(&[(1, &common::key(1).key)]))))
            .unwrap();
    let set = common::dispatch(client.get("/s/set/a/1"));
    assert_ne!(set.cookies[0].secure(), Some(true), "{}", set.lines[0]);
}

#[test]
fn rocket_sealed_env_style_value_works_through_a_figment() {
    // What `ROCKET_SEALED='{...}'` would carry, parsed as figment's Env provider parses it.
    let text = format!(
        r#"{{keys=[{{id=4,key="{}"}},{{id=3,key="{}"}}],session={{idle_timeout_secs=60,cookie_name="envsess"}},tempdata={{keep_on_redirect=false}}}}"#,
        common::key(4).key,
        common::key(3).key,
    );
    let value: Value = text.parse().unwrap();
    let clock = ManualClock::new(T0);
    let client = Client::tracked(
        rocket::custom(common::figment().merge(("sealed", value)))
            .attach(Sealed::fairing().with_clock(clock.clone()))
            .mount("/", common::all_routes()),
    )
    .unwrap();
    let sealed = client.rocket().state::<Sealed>().unwrap();
    // Handlers see the ring's ids, not its key text.
    let expected = Config {
        keys: vec![
            KeyConfig::new(4, "<redacted>"),
            KeyConfig::new(3, "<redacted>"),
        ],
        session: rocket_sealed::SessionConfig {
            idle_timeout_secs: 60,
            cookie_name: "envsess".into(),
            ..Default::default()
        },
        tempdata: rocket_sealed::TempDataConfig {
            keep_on_redirect: false,
            ..Default::default()
        },
        ..Config::default()
    };
    assert_eq!(sealed.config(), &expected);
    let set = common::dispatch(client.get("/s/set/a/1"));
    assert_eq!(set.cookies[0].name(), "envsess");
    clock.advance(61);
    let info = common::dispatch(client.get("/s/info"));
    assert!(info.body.starts_with("Expired(Idle)"), "{}", info.body);
}

#[test]
fn custom_config_ignores_the_figment_table() {
    let figment = common::figment().merge(("sealed.session.cookie_name", "from_figment"));
    let client = Client::tracked(
        rocket::custom(figment)
            .attach(Sealed::custom(common::config(&[1])))
            .mount("/", common::all_routes()),
    )
    .unwrap();
    let set = common::dispatch(client.get("/s/set/a/1"));
    assert_eq!(set.cookies[0].name(), common::SESSION);
}

#[get("/session")]
fn needs_session(_s: Session<'_>) {}

#[get("/tempdata")]
fn needs_tempdata(_t: TempData<'_>) {}

#[get("/flashes")]
fn needs_flashes(_f: Flashes) {}

#[get("/flash")]
fn returns_flash() -> Flash<Redirect> {
    Flash::success(Redirect::to("/"), "x")
}

#[test]
fn guard_without_the_fairing_fails_launch() {
    let cases: Vec<(&str, Vec<Route>)> = vec![
        ("Session", routes![needs_session]),
        ("TempData", routes![needs_tempdata]),
        ("Flashes", routes![needs_flashes]),
        ("Flash<R>", routes![returns_flash]),
    ];
    for (what, routes) in cases {
        let rocket = rocket::custom(common::figment()).mount("/", routes.clone());
        match Client::tracked(rocket) {
            Ok(_) => panic!("{what} without the fairing launched"),
            Err(e) => assert!(
                matches!(e.kind(), ErrorKind::SentinelAborts(_)),
                "{what}: {:?}",
                e.kind()
            ),
        }
        // With the fairing, the same routes launch.
        let rocket = rocket::custom(common::figment())
            .attach(Sealed::custom(common::config(&[1])))
            .mount("/", routes);
        assert!(Client::tracked(rocket).is_ok(), "{what}");
    }
}

/// A guard that reaches the three guards from inside its own `from_request`, where launch
/// cannot see them.
struct Indirect;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Indirect {
    type Error = GuardError;
    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, GuardError> {
        use rocket::request::Outcome;
        let which = req.query_value::<&str>("guard").unwrap().unwrap();
        let outcome = match which {
            "session" => req.guard::<Session<'_>>().await.map(|_| Indirect),
            "tempdata" => req.guard::<TempData<'_>>().await.map(|_| Indirect),
            _ => req.guard::<Flashes>().await.map(|_| Indirect),
        };
        match outcome {
            Outcome::Error((status, e)) => {
                assert_eq!(e, GuardError::FairingMissing);
                Outcome::Error((status, e))
            }
            other => other,
        }
    }
}

#[get("/indirect?<guard>")]
fn indirect(guard: &str, _i: Indirect) -> String {
    format!("{guard}: served")
}

#[get("/indirect?<guard>", rank = 2)]
fn indirect_fallback(guard: &str) -> String {
    format!("{guard}: fallback")
}

/// Without the fairing, a guard reached from another guard fails the request with a 500,
/// as Rocket's `&State<T>` does; it must not forward to a lower-ranked route, which would
/// quietly serve the request without any session.
#[test]
fn guard_reached_from_another_guard_without_the_fairing_is_a_500() {
    let rocket = rocket::custom(common::figment()).mount("/", routes![indirect, indirect_fallback]);
    let client = Client::tracked(rocket).unwrap();
    for guard in ["session", "tempdata", "flashes"] {
        let reply = client.get(format!("/indirect?guard={guard}")).dispatch();
        assert_eq!(
            reply.status(),
            rocket::http::Status::InternalServerError,
            "{guard}"
        );
    }
    // With the fairing, the same guard serves.
    let rocket = rocket::custom(common::figment())
        .attach(Sealed::custom(common::config(&[1])))
        .mount("/", routes![indirect, indirect_fallback]);
    let client = Client::tracked(rocket).unwrap();
    let reply = client.get("/indirect?guard=session").dispatch();
    assert_eq!(reply.into_string().unwrap(), "session: served");
}

/// README, Configuration and Production checklist: a `__Host-` or `__Secure-` name, or
/// `Partitioned`, that browsers would drop as configured fails launch, and the message says
/// which option conflicts.
#[test]
fn cookie_prefixes_and_partitioned_that_browsers_would_drop_fail_launch() {
    let host = |config: &mut Config| config.session.cookie_name = "__Host-sid".into();
    let secure = |config: &mut Config| config.tempdata.cookie_name = "__Secure-td".into();
    type Change = fn(&mut Config);
    let cases: Vec<(&str, Vec<Change>, &str, &str)> = vec![
        (
            "__Host- not Secure",
            vec![host, |c| c.cookie.secure = Some(false)],
            "sealed.session.cookie_name",
            "`__Host-sid` starts with `__Host-`, which browsers accept only Secure, with Path=/ and no Domain; but sealed.cookie.secure is false",
        ),
        (
            "__Host- with a path",
            vec![host, |c| c.cookie.path = "/app".into()],
            "sealed.session.cookie_name",
            "but sealed.cookie.path is `/app`",
        ),
        (
            "__Host- with a domain",
            vec![host, |c| c.cookie.domain = Some("example.com".into())],
            "sealed.session.cookie_name",
            "but sealed.cookie.domain is set",
        ),
        (
            "__Secure- not Secure",
            vec![secure, |c| c.cookie.secure = Some(false)],
            "sealed.tempdata.cookie_name",
            "`__Secure-td` starts with `__Secure-`, which browsers accept only Secure; but sealed.cookie.secure is false",
        ),
        (
            "__host- in another case",
            vec![|c| c.session.cookie_name = "__host-sid".into(), |c| {
                c.cookie.path = "/app".into()
            }],
            "sealed.session.cookie_name",
            "starts with `__Host-`",
        ),
        (
            "Partitioned not Secure",
            vec![|c| c.cookie.partitioned = true, |c| {
                c.cookie.secure = Some(false)
            }],
            "sealed.cookie.partitioned",
            "Partitioned requires Secure",
        ),
        (
            "a forwarded-proto header with secure set",
            vec![
                |c| c.cookie.forwarded_proto_header = Some("X-Forwarded-Proto".into()),
                |c| c.cookie.secure = Some(true),
            ],
            "sealed.cookie.forwarded_proto_header",
            "has no effect while sealed.cookie.secure is set",
        ),
        (
            "a forwarded-proto header that is no header name",
            vec![|c| c.cookie.forwarded_proto_header = Some("X Proto:".into())],
            "sealed.cookie.forwarded_proto_header",
            "is not a valid header name",
        ),
    ];
    for (case, changes, expected_field, expected_reason) in cases {
        let mut config = common::config(&[1]);
        for change in changes {
            change(&mut config);
        }
        let Err(Error::Config { field, reason }) = config.validate() else {
            panic!("{case}: accepted");
        };
        assert_eq!(field, expected_field, "{case}");
        assert!(reason.contains(expected_reason), "{case}: {reason}");
        let launched = Client::tracked(common::rocket_with(Sealed::custom(config)));
        assert!(fairing_failed(launched.map_err(Box::new)), "{case}");
    }

    // What browsers accept launches: `__Host-` with the defaults (Secure then implied),
    // `__Secure-` with a path and a domain, `Partitioned`.
    for change in [
        host as fn(&mut Config),
        |c| {
            c.session.cookie_name = "__Secure-sid".into();
            c.cookie.path = "/app".into();
            c.cookie.domain = Some("example.com".into());
        },
        |c| c.cookie.partitioned = true,
        |c| c.cookie.forwarded_proto_header = Some("Forwarded".into()),
    ] {
        let mut config = common::config(&[1]);
        change(&mut config);
        assert_eq!(config.validate(), Ok(()), "{config:?}");
        Client::tracked(common::rocket_with(Sealed::custom(config))).expect("launches");
    }
}
