//! Shared test app: a Rocket with a `ManualClock`, fixed keys, and routes that exercise every
//! method of the guards. Each test file builds its own instance, so counters are per test.
#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rocket::figment::Figment;
use rocket::http::{Cookie, CookieJar, Status as HttpStatus};
use rocket::local::blocking::{Client, LocalRequest};
use rocket::response::Redirect;
use rocket::response::status::Custom;
use rocket::{Build, Either, Rocket, Route, get, post, routes};
use rocket_sealed::{
    Config, CounterSnapshot, Error, Flash, Flashes, KeyConfig, Level, Malformed, ManualClock,
    Rejection, Sealed, SealedFairing, Session, Status, TempData,
};

/// The time every test starts at (unix seconds).
pub const T0: u64 = 1_700_000_000;

/// Default session cookie name.
pub const SESSION: &str = "sealed_session";
/// Default TempData cookie name.
pub const TEMPDATA: &str = "sealed_tempdata";

// ---------------------------------------------------------------- routes

#[get("/plain")]
fn plain() -> &'static str {
    "plain"
}

#[get("/s/touch")]
fn s_touch(_session: Session<'_>) -> &'static str {
    "touched"
}

#[get("/s/get/<key>")]
fn s_get(session: Session<'_>, key: &str) -> String {
    format!("{:?}", session.get::<String>(key).unwrap())
}

#[get("/s/set/<key>/<value>")]
fn s_set(session: Session<'_>, key: &str, value: &str) -> &'static str {
    session.set(key, value).unwrap();
    "set"
}

/// Sets a cookie through Rocket's own jar as well as a session value.
#[get("/s/with_jar")]
fn s_with_jar(session: Session<'_>, jar: &CookieJar<'_>) -> &'static str {
    jar.add(("app", "1"));
    session.set("a", "1").unwrap();
    "both"
}

#[get("/s/remove/<key>")]
fn s_remove(session: Session<'_>, key: &str) -> String {
    session.remove(key).to_string()
}

/// `status;len;id`
#[get("/s/info")]
fn s_info(session: Session<'_>) -> String {
    format!("{:?};{};{}", session.status(), session.len(), session.id())
}

#[get("/s/fail/<key>/<value>")]
fn s_fail(session: Session<'_>, temp: TempData<'_>, key: &str, value: &str) -> HttpStatus {
    session.set(key, value).unwrap();
    temp.set(key, value).unwrap();
    HttpStatus::InternalServerError
}

/// As `/s/fail`, answering 400: a 4xx the handler chose.
#[get("/s/reject/<key>/<value>")]
fn s_reject(session: Session<'_>, temp: TempData<'_>, key: &str, value: &str) -> HttpStatus {
    session.set(key, value).unwrap();
    temp.set(key, value).unwrap();
    HttpStatus::BadRequest
}

/// A guard that writes `guard = "set"` into the session, then fails with 401: Rocket's
/// catcher answers, the handler never runs.
pub struct SetsThenDenies;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for SetsThenDenies {
    type Error = ();
    async fn from_request(req: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let session = req.guard::<Session<'_>>().await.unwrap();
        session.set("guard", "set").unwrap();
        rocket::request::Outcome::Error((HttpStatus::Unauthorized, ()))
    }
}

#[get("/s/set_then_denied")]
fn s_set_then_denied(_guard: SetsThenDenies) -> &'static str {
    "unreachable"
}

/// Consumes TempData entry `key` with `get`, then answers 500 with what it read.
#[get("/td/fail_get/<key>")]
fn td_fail_get(temp: TempData<'_>, key: &str) -> Custom<String> {
    let read = temp.get::<String>(key).unwrap();
    Custom(HttpStatus::InternalServerError, format!("{read:?}"))
}

/// Clears the session, then answers 500 with how many entries are left.
#[get("/s/fail_clear")]
fn s_fail_clear(session: Session<'_>) -> Custom<String> {
    session.clear();
    Custom(HttpStatus::InternalServerError, session.len().to_string())
}

/// Stores `n` bytes under `big`; with `check`, asks `commit()` and reports what it says.
#[get("/s/big/<n>/<check>")]
fn s_big(session: Session<'_>, n: usize, check: bool) -> String {
    session.set("big", &"y".repeat(n)).unwrap();
    if !check {
        return "unchecked".into();
    }
    match session.commit() {
        Ok(bytes) => format!("ok {bytes}"),
        Err(Error::TooLarge { needed, limit }) => format!("too-large {needed} {limit}"),
        Err(e) => format!("error {e}"),
    }
}

/// What `commit()` says about the session as it is.
#[get("/s/commit")]
fn s_commit(session: Session<'_>) -> String {
    format!("{:?}", session.commit())
}

/// What `commit()` says about TempData as it is.
#[get("/td/commit")]
fn td_commit(temp: TempData<'_>) -> String {
    format!("{:?}", temp.commit())
}

/// A cart of `count` items of 32 bytes each.
#[get("/cart/fill/<count>")]
fn cart_fill(session: Session<'_>, count: usize) -> &'static str {
    let cart: Vec<String> = (0..count)
        .map(|i| format!("item-{i:05}-{}", "z".repeat(21)))
        .collect();
    session.set("cart", &cart).unwrap();
    "filled"
}

#[get("/cart/len")]
fn cart_len(session: Session<'_>) -> String {
    let cart: Option<Vec<String>> = session.get("cart").unwrap();
    cart.map_or(0, |c| c.len()).to_string()
}

/// `old new`
#[get("/s/renew")]
fn s_renew(session: Session<'_>) -> String {
    let old = session.id();
    session.renew();
    format!("{old} {}", session.id())
}

#[get("/s/id")]
fn s_id(session: Session<'_>) -> String {
    session.id().to_string()
}

/// Reads `key` as a `u64` and says which outcome it got.
#[get("/s/get_u64/<key>")]
fn s_get_u64(session: Session<'_>, key: &str) -> String {
    match session.get::<u64>(key) {
        Ok(v) => format!("Ok({v:?})"),
        Err(Error::Decode { key, .. }) => format!("Decode({key})"),
        Err(Error::SchemaChanged { key, .. }) => format!("SchemaChanged({key})"),
        Err(e) => format!("Other({e})"),
    }
}

/// Increments counter `n` through `update`, `times` times in one request.
#[get("/s/update/<times>")]
fn s_update(session: Session<'_>, times: u32) -> String {
    let mut last = 0;
    for _ in 0..times {
        session
            .update::<u32>("n", |n| {
                *n += 1;
                last = *n;
            })
            .unwrap();
    }
    last.to_string()
}

#[get("/s/set_remove")]
fn s_set_remove(session: Session<'_>) -> String {
    session.set("x", "1").unwrap();
    session.remove("x").to_string()
}

#[get("/s/clear")]
fn s_clear(session: Session<'_>) -> &'static str {
    session.clear();
    "cleared"
}

/// Two sessions and two TempData guards in one request: `seen;same-id;peeked`.
#[get("/s/shared")]
fn s_shared(
    first: Session<'_>,
    second: Session<'_>,
    temp_a: TempData<'_>,
    temp_b: TempData<'_>,
) -> String {
    first.set("a", "shared").unwrap();
    let seen: Option<String> = second.get("a").unwrap();
    temp_a.set("t", &7u8).unwrap();
    let peeked: Option<u8> = temp_b.peek("t").unwrap();
    format!("{seen:?};{};{peeked:?}", first.id() == second.id())
}

/// One TempData step: `action` on entry `k`, answering 200 or a redirect.
#[get("/td/act/<action>/<kind>")]
fn td_act(temp: TempData<'_>, action: &str, kind: &str) -> Either<Redirect, String> {
    let out = match action {
        "none" => String::new(),
        "set" => {
            temp.set("k", "v").unwrap();
            String::new()
        }
        "set_get" => {
            temp.set("k", "v").unwrap();
            format!("{:?}", temp.get::<String>("k").unwrap())
        }
        "set_peek" => {
            temp.set("k", "v").unwrap();
            format!("{:?}", temp.peek::<String>("k").unwrap())
        }
        "get" => format!("{:?}", temp.get::<String>("k").unwrap()),
        "peek" => format!("{:?}", temp.peek::<String>("k").unwrap()),
        "get_keep" => {
            let v = temp.get::<String>("k").unwrap();
            temp.keep("k");
            format!("{v:?}")
        }
        "get_keep_all" => {
            let v = temp.get::<String>("k").unwrap();
            temp.keep_all();
            format!("{v:?}")
        }
        "remove" => temp.remove("k").to_string(),
        other => panic!("unknown action {other}"),
    };
    match kind {
        "redirect" => Either::Left(Redirect::to("/plain")),
        "ok" => Either::Right(out),
        other => panic!("unknown kind {other}"),
    }
}

/// Reads TempData `k` and answers with status `code` (what the fairing decides by).
#[get("/td/get_answering/<code>")]
fn td_get_answering(temp: TempData<'_>, code: u16) -> (HttpStatus, &'static str) {
    temp.get::<String>("k").unwrap();
    (
        HttpStatus::from_code(code).expect("a known status code"),
        "",
    )
}

/// Stores `n` bytes under TempData `big` and reports what `commit()` says.
#[get("/td/big/<n>")]
fn td_big(temp: TempData<'_>, n: usize) -> String {
    temp.set("big", &"t".repeat(n)).unwrap();
    match temp.commit() {
        Ok(bytes) => format!("ok {bytes}"),
        Err(Error::TooLarge { needed, limit }) => format!("too-large {needed} {limit}"),
        Err(e) => format!("error {e}"),
    }
}

#[get("/td/peek/<key>")]
fn td_peek(temp: TempData<'_>, key: &str) -> String {
    format!("{:?}", temp.peek::<String>(key).unwrap())
}

/// `status;len`
#[get("/td/info")]
fn td_info(temp: TempData<'_>) -> String {
    format!("{:?};{}", temp.status(), temp.len())
}

#[post("/flash/one")]
fn flash_one() -> Flash<Redirect> {
    Flash::success(Redirect::to("/flashes"), "Saved")
}

/// One message from the handler, then one of every level from the responder.
#[post("/flash/all")]
fn flash_all(temp: TempData<'_>) -> Flash<Redirect> {
    temp.flash(Level::Info, "from the handler").unwrap();
    Flash::debug(Redirect::to("/flashes"), "d")
        .and(Level::Info, "i")
        .and(Level::Success, "s")
        .and(Level::Warning, "w")
        .and(Level::Error, "e")
}

/// `level:text` per line.
#[get("/flashes")]
fn flashes(flashes: Flashes) -> String {
    flashes
        .iter()
        .map(|m| format!("{}:{}\n", m.level.as_str(), m.text))
        .collect()
}

/// A guard that always fails with 401, as a sign-in guard does for a visitor.
pub struct Denied;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Denied {
    type Error = ();
    async fn from_request(_: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::request::Outcome::Error((HttpStatus::Unauthorized, ()))
    }
}

/// A guard that always forwards, to the next route of the same path.
pub struct Forwarded;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Forwarded {
    type Error = ();
    async fn from_request(_: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::request::Outcome::Forward(HttpStatus::Unauthorized)
    }
}

/// Takes the flashes, then a guard fails: the handler never runs.
#[get("/flashes/denied")]
fn flashes_denied(flashes: Flashes, _denied: Denied) -> String {
    format!("{}", flashes.len())
}

/// Takes the flashes, then a guard forwards to the route below.
#[get("/flashes/forwarded")]
fn flashes_forwarded(flashes: Flashes, _forwarded: Forwarded) -> String {
    format!("{}", flashes.len())
}

#[get("/flashes/forwarded", rank = 2)]
fn flashes_forwarded_fallback() -> &'static str {
    "fallback"
}

/// Takes the flashes and answers without looking at them.
#[get("/flashes/unseen")]
fn flashes_unseen(_flashes: Flashes) -> &'static str {
    "nothing shown"
}

/// Takes the pending flashes, adds a new one, and answers with a redirect (`kind` =
/// `redirect`) or a page listing what it took.
#[get("/flashes/then_flash/<kind>")]
fn flashes_then_flash(
    flashes: Flashes,
    temp: TempData<'_>,
    kind: &str,
) -> Either<Redirect, String> {
    temp.flash(Level::Warning, "new").unwrap();
    match kind {
        "redirect" => Either::Left(Redirect::to("/flashes")),
        _ => Either::Right(flashes.iter().map(|m| format!("{}\n", m.text)).collect()),
    }
}

/// Every test route.
pub fn all_routes() -> Vec<Route> {
    routes![
        plain,
        s_touch,
        s_get,
        s_set,
        s_remove,
        s_with_jar,
        s_info,
        s_fail,
        s_reject,
        s_set_then_denied,
        td_fail_get,
        s_fail_clear,
        s_big,
        cart_fill,
        cart_len,
        s_renew,
        s_id,
        s_get_u64,
        s_update,
        s_set_remove,
        s_clear,
        s_shared,
        td_act,
        td_get_answering,
        td_peek,
        td_big,
        s_commit,
        td_commit,
        td_info,
        flash_one,
        flash_all,
        flashes,
        flashes_then_flash,
        flashes_denied,
        flashes_forwarded,
        flashes_forwarded_fallback,
        flashes_unseen,
    ]
}

/// A validator that revokes the session of the user `mallory`.
pub struct NoMallory;

#[rocket::async_trait]
impl rocket_sealed::Validator for NoMallory {
    async fn validate(
        &self,
        session: &rocket_sealed::store::SessionState,
        _req: &rocket::Request<'_>,
    ) -> bool {
        session.get::<String>("user").ok().flatten().as_deref() != Some("mallory")
    }
}

// ---------------------------------------------------------------- building

/// A fixed key for `id` (its bytes depend only on the id).
pub fn key(id: u32) -> KeyConfig {
    KeyConfig::new(
        id,
        URL_SAFE_NO_PAD.encode(std::array::from_fn::<u8, 32, _>(|i| {
            id as u8 ^ 0xa5 ^ i as u8
        })),
    )
}

/// The default config with the fixed keys `ids`, first one sealing.
pub fn config(ids: &[u32]) -> Config {
    Config {
        keys: ids.iter().map(|&id| key(id)).collect(),
        ..Config::default()
    }
}

/// Rocket's defaults without `Rocket.toml` or `ROCKET_*` variables, so tests are hermetic and
/// can run in parallel; quiet logs.
pub fn figment() -> Figment {
    Figment::from(rocket::Config::default()).merge(("log_level", "critical"))
}

/// A Rocket with `fairing` attached and every test route mounted.
pub fn rocket_with(fairing: SealedFairing) -> Rocket<Build> {
    rocket::custom(figment())
        .attach(fairing)
        .mount("/", all_routes())
}

/// A Rocket with `fairing` and only `routes`, for tests that bring their own routes.
pub fn rocket_of(fairing: SealedFairing, routes: Vec<Route>) -> Rocket<Build> {
    rocket::custom(figment()).attach(fairing).mount("/", routes)
}

/// A tracked client and the clock its Rocket reads.
pub struct App {
    pub client: Client,
    pub clock: ManualClock,
}

/// One response, taken apart.
#[derive(Debug)]
pub struct Reply {
    pub status: HttpStatus,
    /// The raw `Set-Cookie` values.
    pub lines: Vec<String>,
    /// The same, parsed.
    pub cookies: Vec<Cookie<'static>>,
    pub body: String,
}

impl Reply {
    /// Cookies this response sets to a value (not deletions).
    pub fn written(&self) -> Vec<(String, String)> {
        self.cookies
            .iter()
            .filter(|c| !is_deletion(c))
            .map(|c| (c.name().to_owned(), c.value().to_owned()))
            .collect()
    }

    /// Names of the cookies this response deletes.
    pub fn deleted(&self) -> Vec<String> {
        self.cookies
            .iter()
            .filter(|c| is_deletion(c))
            .map(|c| c.name().to_owned())
            .collect()
    }

    /// The value this response writes for `name`.
    pub fn value_of(&self, name: &str) -> Option<String> {
        self.written()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// A deletion: empty value, `Max-Age=0`, `Expires` in the past.
pub fn is_deletion(c: &Cookie<'_>) -> bool {
    let past = c
        .expires_datetime()
        .is_some_and(|t| t < rocket::time::OffsetDateTime::now_utc());
    c.value().is_empty() && c.max_age() == Some(rocket::time::Duration::ZERO) && past
}

impl App {
    /// A tracked client over the test routes with `config`, a clock at [`T0`].
    pub fn new(config: Config) -> App {
        App::with_clock(config, ManualClock::new(T0))
    }

    /// As [`App::new`] with a given (possibly shared) clock.
    pub fn with_clock(config: Config, clock: ManualClock) -> App {
        App::from_fairing(Sealed::custom(config).with_clock(clock.clone()), clock)
    }

    /// A tracked client over the test routes with `fairing` (which must read `clock`).
    pub fn from_fairing(fairing: SealedFairing, clock: ManualClock) -> App {
        let client = Client::tracked(rocket_with(fairing)).expect("valid rocket");
        App { client, clock }
    }

    /// The counters of this app's `Sealed` state.
    pub fn counters(&self) -> CounterSnapshot {
        self.client
            .rocket()
            .state::<Sealed>()
            .expect("fairing attached")
            .counters()
            .snapshot()
    }

    /// GET `uri` with the jar's cookies.
    pub fn get(&self, uri: &str) -> Reply {
        dispatch(self.client.get(uri.to_owned()))
    }

    /// POST `uri` with the jar's cookies.
    pub fn post(&self, uri: &str) -> Reply {
        dispatch(self.client.post(uri.to_owned()))
    }

    /// GET `uri` with the jar's cookies plus `extra` (name, value) cookies.
    pub fn get_with(&self, uri: &str, extra: &[(String, String)]) -> Reply {
        let mut req = self.client.get(uri.to_owned());
        for (n, v) in extra {
            req = req.cookie(Cookie::new(n.clone(), v.clone()));
        }
        dispatch(req)
    }

    /// Names of the cookies in the client's jar, sorted.
    pub fn jar_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .client
            .cookies()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        names.sort();
        names
    }

    /// The jar's cookies of the store `name` (main cookie and chunks) as (name, value) pairs.
    pub fn jar_store(&self, name: &str) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .client
            .cookies()
            .iter()
            .filter(|c| {
                c.name() == name
                    || c.name()
                        .strip_prefix(name)
                        .and_then(|r| r.strip_prefix('C'))
                        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|c| (c.name().to_owned(), c.value().to_owned()))
            .collect();
        pairs.sort();
        pairs
    }
}

/// Dispatches and takes the response apart.
pub fn dispatch(req: LocalRequest<'_>) -> Reply {
    let res = req.dispatch();
    let status = res.status();
    let lines: Vec<String> = res.headers().get("Set-Cookie").map(str::to_owned).collect();
    let cookies = lines
        .iter()
        .map(|l| Cookie::parse(l.clone()).expect("well-formed Set-Cookie"))
        .collect();
    let body = res.into_string().unwrap_or_default();
    Reply {
        status,
        lines,
        cookies,
        body,
    }
}

/// The key id in a sealed value's header (bytes 1..5, big endian).
pub fn key_id_of(value: &str) -> u32 {
    let raw = URL_SAFE_NO_PAD.decode(value).expect("base64url value");
    u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]])
}

/// Splits the `status;len;id` body of `/s/info`.
pub fn info(reply: &Reply) -> (String, usize, String) {
    let mut parts = reply.body.split(';');
    let status = parts.next().unwrap().to_owned();
    let len = parts.next().unwrap().parse().unwrap();
    let id = parts.next().unwrap().to_owned();
    (status, len, id)
}

// ---------------------------------------------------------------- bad cookies

/// Cookies as (name, value) pairs.
pub type Cookies = Vec<(String, String)>;

/// `list` as owned (name, value) pairs.
pub fn pairs(list: &[(&str, &str)]) -> Cookies {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// `value` as the session's single cookie.
pub fn one(value: &str) -> Cookies {
    pairs(&[(SESSION, value)])
}

/// Flips one base64 character in the middle of the value (inside the ciphertext).
pub fn tamper(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// A value with a valid shape whose version byte is `version`.
pub fn with_version(value: &str, version: u8) -> String {
    let mut raw = URL_SAFE_NO_PAD.decode(value).unwrap();
    raw[0] = version;
    URL_SAFE_NO_PAD.encode(raw)
}

/// Small chunks, so a sample spans several of them, and room in the budget for them; the
/// ring is key 1 alone.
pub fn bad_config() -> Config {
    let mut config = config(&[1]);
    config.chunk_size = 1000;
    config.max_chunks = 8;
    config.session.budget = 8000;
    config
}

/// Real cookies to damage, sealed under [`bad_config`]: a small session, a chunked session
/// (its `chunks-N` marker first, then the chunks in order), and a TempData cookie.
pub struct Samples {
    pub session: String,
    pub chunked: Cookies,
    pub tempdata: String,
}

/// Seals the [`Samples`].
pub fn samples() -> Samples {
    let app = App::new(bad_config());
    app.get("/s/set/a/1");
    let session = app.jar_store(SESSION)[0].1.clone();
    app.get("/td/act/set/ok");
    let tempdata = app.jar_store(TEMPDATA)[0].1.clone();
    app.get("/s/big/3000/false");
    let chunked = app.jar_store(SESSION);
    assert!(chunked.len() >= 3, "{chunked:?}");
    Samples {
        session,
        chunked,
        tempdata,
    }
}

/// A session sealed under key id 9, which [`bad_config`]'s ring does not have.
pub fn sealed_under_an_unknown_key() -> String {
    let app = App::new(Config {
        keys: vec![key(9)],
        ..bad_config()
    });
    app.get("/s/set/a/1");
    app.jar_store(SESSION)[0].1.clone()
}

/// One session cookie (or set of chunk cookies) of each class of bad input, as a client of
/// an app with [`bad_config`] would send it, and the status the session then has.
pub fn bad_session_cookies(s: &Samples) -> Vec<(&'static str, Cookies, Status)> {
    let missing_chunk: Cookies = s
        .chunked
        .iter()
        .filter(|(n, _)| *n != format!("{SESSION}C2"))
        .cloned()
        .collect();
    let mut too_many = pairs(&[(SESSION, "chunks-9")]);
    too_many.extend((1..=9).map(|i| (format!("{SESSION}C{i}"), "AAAA".to_string())));
    let malformed = |m| Status::Rejected(Rejection::Malformed(m));
    vec![
        (
            "not base64",
            one("not*base64!at~all"),
            malformed(Malformed::NotBase64),
        ),
        (
            "too short (truncated to almost nothing)",
            one(&s.session[..20]),
            malformed(Malformed::TooShort),
        ),
        (
            "too long (an oversized single value)",
            one(&"A".repeat(40_000)),
            malformed(Malformed::TooLong),
        ),
        (
            "too many chunks",
            too_many,
            malformed(Malformed::TooManyChunks),
        ),
        (
            "missing chunk",
            missing_chunk,
            malformed(Malformed::MissingChunk),
        ),
        (
            "bad chunk count",
            pairs(&[(SESSION, "chunks-x")]),
            malformed(Malformed::BadChunkCount),
        ),
        (
            "unknown key",
            one(&sealed_under_an_unknown_key()),
            Status::Rejected(Rejection::UnknownKey { key_id: 9 }),
        ),
        (
            "wrong version",
            one(&with_version(&s.session, 3)),
            Status::Rejected(Rejection::WrongVersion { found: 3 }),
        ),
        (
            "tampered",
            one(&tamper(&s.session)),
            Status::Rejected(Rejection::Tampered),
        ),
        (
            "wrong store (a TempData cookie pasted into the session slot)",
            one(&s.tempdata),
            Status::Rejected(Rejection::Tampered),
        ),
    ]
}
