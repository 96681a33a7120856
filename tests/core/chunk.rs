//! Chunked cookies end to end: `StoreSpec::write` → the browser's cookie jar → `SentCookies` →
//! `StoreSpec::read`, and every way the chunk set can be broken being refused with the right
//! reason. Also the per-cookie size limit with every attribute set, and a no-panic property
//! over arbitrary cookie input.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use proptest::collection::vec;
use proptest::prelude::*;
use rocket_sealed::attrs::CookieAttrs;
use rocket_sealed::chunk::{self, ChunkLimits, SentCookies, stale_chunks};
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::seal::{self, Envelope};
use rocket_sealed::{Error, KeyConfig, KeyRing, Malformed, Rejection};

const NAME: &str = "s";

fn ring() -> KeyRing {
    KeyRing::from_config(&[KeyConfig::new(
        1,
        URL_SAFE_NO_PAD.encode(std::array::from_fn::<u8, 32, _>(|i| i as u8)),
    )])
    .unwrap()
}

fn spec(chunk_size: usize, max_chunks: usize) -> StoreSpec {
    StoreSpec {
        name: NAME.into(),
        limits: ChunkLimits {
            chunk_size,
            max_chunks,
        },
        budget: 1 << 20,
        attrs: CookieAttrs::default(),
    }
}

/// An envelope whose entries hold about `bytes` bytes.
fn envelope_of(bytes: usize) -> Envelope {
    Envelope {
        issued_at: 10,
        refreshed_at: 20,
        session_id: Some([3; 16]),
        entries: (0..bytes.div_ceil(100))
            .map(|i| (format!("k{i:04}"), vec![i as u8; 100]))
            .collect(),
    }
}

/// A browser's cookie jar for one host and path: applies `Set-Cookie` lines (a line with
/// `Max-Age=0` deletes) and sends back `name=value` pairs.
#[derive(Default, Debug, Clone)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn apply(&mut self, lines: &[String]) {
        for line in lines {
            let c = Cookie::parse(line.as_str()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
            if c.max_age() == Some(time::Duration::ZERO) {
                self.0.remove(c.name());
            } else {
                self.0.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
    }

    fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    fn sent(&self) -> SentCookies<'_> {
        SentCookies::collect(NAME, self.pairs())
    }
}

/// The cookies for `env` as a browser would send them after the response.
fn written(spec: &StoreSpec, env: &Envelope) -> Vec<(String, String)> {
    let mut jar = Jar::default();
    jar.apply(
        &spec
            .write(&ring(), &SentCookies::default(), env)
            .unwrap()
            .lines,
    );
    jar.0.into_iter().collect()
}

fn read(spec: &StoreSpec, pairs: &[(String, String)]) -> Result<Option<Envelope>, Rejection> {
    let sent = SentCookies::collect(NAME, pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    spec.read(&ring(), &sent)
        .map(|opened| opened.map(|o| o.envelope))
}

fn set(pairs: &mut [(String, String)], name: &str, value: &str) {
    pairs.iter_mut().find(|(n, _)| n == name).unwrap().1 = value.to_owned();
}

fn envelopes() -> impl Strategy<Value = Envelope> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<Option<[u8; 16]>>(),
        vec((".{0,16}", vec(any::<u8>(), 0..400)), 0..10),
    )
        .prop_map(|(issued_at, refreshed_at, session_id, entries)| Envelope {
            issued_at,
            refreshed_at,
            session_id,
            entries,
        })
}

fn attrs() -> impl Strategy<Value = CookieAttrs> {
    (
        "/[a-z0-9/_-]{0,40}",
        proptest::option::of("[a-z0-9-]{1,20}(\\.[a-z0-9-]{1,20}){0,4}"),
        prop_oneof![
            Just(SameSite::Lax),
            Just(SameSite::Strict),
            Just(SameSite::None)
        ],
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(any::<u64>()),
        any::<bool>(),
    )
        .prop_map(
            |(path, domain, same_site, http_only, secure, max_age, partitioned)| CookieAttrs {
                path,
                domain,
                same_site,
                http_only,
                secure,
                max_age,
                partitioned,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_envelope_round_trips_through_the_browser(
        env in envelopes(),
        attrs in attrs(),
        chunk_size in 300usize..1500,
        other in vec(("[a-zA-Z_]{1,8}", "[a-zA-Z0-9]{0,20}"), 0..4),
    ) {
        let ring = ring();
        let spec = StoreSpec { attrs, ..spec(chunk_size, 100) };
        let written = spec.write(&ring, &SentCookies::default(), &env).unwrap();
        for line in &written.lines {
            prop_assert!(line.len() <= chunk_size, "{} > {}: {}", line.len(), chunk_size, line);
        }
        let mut jar = Jar::default();
        jar.apply(&written.lines);
        prop_assert_eq!(jar.0.len(), written.cookies);
        // What the store's cookies take in the Cookie header is what the writer reported,
        // and what `check_size` predicts without sealing.
        let sent = jar.sent();
        prop_assert_eq!(sent.header_len(), written.header_len);
        let plaintext = postcard::to_allocvec(&env).unwrap();
        prop_assert_eq!(spec.check_size(plaintext.len()).unwrap(), written.header_len);
        // Other cookies of the site ride along and are ignored.
        for (n, v) in &other {
            if n != NAME && chunk::chunk_index(NAME, n).is_none() {
                jar.0.insert(n.clone(), v.clone());
            }
        }
        let opened = spec.read(&ring, &jar.sent()).unwrap().unwrap();
        prop_assert_eq!(opened.envelope, env);
        prop_assert!(!opened.needs_reseal);
    }

    #[test]
    fn rewriting_a_jar_never_leaves_stale_chunks(
        sizes in vec(0usize..6000, 1..5),
    ) {
        // A store that grows and shrinks across responses: after each, the jar holds exactly
        // the cookies of the newest value, and it opens.
        let ring = ring();
        let spec = spec(1000, 20);
        let mut jar = Jar::default();
        for size in sizes {
            let env = envelope_of(size);
            let written = spec.write(&ring, &jar.sent(), &env).unwrap();
            jar.apply(&written.lines);
            prop_assert_eq!(jar.0.len(), written.cookies);
            prop_assert_eq!(spec.read(&ring, &jar.sent()).unwrap().unwrap().envelope, env);
        }
        jar.apply(&spec.erase(&jar.sent()).lines);
        prop_assert!(jar.0.is_empty());
    }
}

/// The smallest of the test envelopes that `spec` writes as exactly `chunks` chunks (0: one
/// unchunked cookie).
fn size_for(spec: &StoreSpec, chunks: usize) -> usize {
    (1..200)
        .map(|i| i * 50)
        .find(|&size| {
            let w = spec
                .write(&ring(), &SentCookies::default(), &envelope_of(size))
                .unwrap();
            w.cookies == if chunks == 0 { 1 } else { chunks + 1 }
        })
        .unwrap_or_else(|| panic!("no envelope makes {chunks} chunks"))
}

fn three_chunks() -> (StoreSpec, Vec<(String, String)>, Envelope) {
    let spec = spec(400, 10);
    let env = envelope_of(size_for(&spec, 3));
    let pairs = written(&spec, &env);
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["s", "sC1", "sC2", "sC3"]);
    assert_eq!(pairs[0].1, "chunks-3");
    (spec, pairs, env)
}

#[test]
fn three_chunks_open() {
    let (spec, pairs, env) = three_chunks();
    assert_eq!(read(&spec, &pairs).unwrap(), Some(env.clone()));
    // The browser's order does not matter.
    let mut reversed = pairs.clone();
    reversed.reverse();
    assert_eq!(read(&spec, &reversed).unwrap(), Some(env.clone()));
}

/// What opening `joined` must report when it is a genuine value's pieces out of order: the
/// header may now come from another piece, and the text may not even decode.
fn expected_for(joined: &str) -> Rejection {
    // The versions this build opens: its own and 0.1's (docs/security.md, "The wire
    // format"). A piece that happens to start with either goes on to the key id.
    let readable = [seal::VERSION, 1];
    match URL_SAFE_NO_PAD.decode(joined) {
        Err(_) => Rejection::Malformed(Malformed::NotBase64),
        Ok(raw) if raw.len() < seal::OVERHEAD => Rejection::Malformed(Malformed::TooShort),
        Ok(raw) if !readable.contains(&raw[0]) => Rejection::WrongVersion { found: raw[0] },
        Ok(raw) if raw[1..5] != 1u32.to_be_bytes() => Rejection::UnknownKey {
            key_id: u32::from_be_bytes(raw[1..5].try_into().unwrap()),
        },
        Ok(_) => Rejection::Tampered,
    }
}

#[test]
fn swapped_chunks_are_rejected() {
    let (spec, pairs, _) = three_chunks();
    let mut seen = Vec::new();
    for order in [[2, 1, 3], [1, 3, 2], [3, 2, 1], [2, 3, 1], [3, 1, 2]] {
        let mut swapped = pairs.clone();
        for (slot, from) in order.iter().enumerate() {
            swapped[slot + 1].1 = pairs[*from].1.clone();
        }
        let joined: String = swapped[1..].iter().map(|(_, v)| v.as_str()).collect();
        let got = read(&spec, &swapped).unwrap_err();
        assert_eq!(got, expected_for(&joined), "order {order:?}");
        seen.push(got);
    }
    assert!(
        seen.iter()
            .all(|r| *r != Rejection::Malformed(Malformed::TooShort))
    );

    // Four chunks: swapping the two full-length middle pieces keeps the header and the
    // length, so only the tag catches it.
    let pairs = written(&spec, &envelope_of(size_for(&spec, 4)));
    assert_eq!(pairs[0].1, "chunks-4");
    let mut middle = pairs.clone();
    middle[2].1 = pairs[3].1.clone();
    middle[3].1 = pairs[2].1.clone();
    assert_ne!(middle, pairs);
    assert_eq!(read(&spec, &middle).unwrap_err(), Rejection::Tampered);
}

#[test]
fn missing_chunks_are_reported() {
    let (spec, pairs, _) = three_chunks();
    for missing in ["sC1", "sC2", "sC3"] {
        let rest: Vec<_> = pairs
            .iter()
            .filter(|(n, _)| n != missing)
            .cloned()
            .collect();
        assert_eq!(
            read(&spec, &rest).unwrap_err(),
            Rejection::Malformed(Malformed::MissingChunk),
            "{missing}"
        );
    }
    // Chunks without their main cookie are no store at all (and are stale).
    let orphans = pairs[1..].to_vec();
    assert_eq!(read(&spec, &orphans).unwrap(), None);
    let sent = SentCookies::collect(NAME, orphans.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(stale_chunks(&sent, 0), ["sC1", "sC2", "sC3"]);
}

#[test]
fn duplicated_chunks_are_tampered() {
    let (spec, pairs, env) = three_chunks();
    let c1 = pairs[1].1.clone();
    let mut dup = pairs.clone();
    set(&mut dup, "sC2", &c1);
    assert_eq!(read(&spec, &dup).unwrap_err(), Rejection::Tampered);

    // The same name sent twice (say, by a cookie of another path): the first one counts, and a
    // foreign first one fails authentication rather than being silently skipped.
    let mut shadowed = pairs.clone();
    shadowed.insert(2, ("sC2".into(), c1));
    assert_eq!(read(&spec, &shadowed).unwrap_err(), Rejection::Tampered);

    // A genuine copy of a chunk is harmless.
    let mut repeated = pairs.clone();
    repeated.push(pairs[1].clone());
    assert_eq!(read(&spec, &repeated).unwrap(), Some(env.clone()));
}

#[test]
fn chunks_spliced_from_two_genuine_values_are_tampered() {
    // Two values of the same store, the same size, sealed separately: both are two chunks.
    let spec = spec(400, 10);
    let size = size_for(&spec, 2);
    let first_env = envelope_of(size);
    let second_env = Envelope {
        issued_at: 11,
        entries: first_env
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|b| b ^ 0x5a).collect()))
            .collect(),
        ..first_env.clone()
    };
    let first = written(&spec, &first_env);
    let second = written(&spec, &second_env);
    for pairs in [&first, &second] {
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["s", "sC1", "sC2"]);
        assert_eq!(pairs[0].1, "chunks-2");
    }
    assert_eq!(
        first[1].1.len(),
        second[1].1.len(),
        "same-length first chunks"
    );
    assert_eq!(
        first[2].1.len(),
        second[2].1.len(),
        "same-length second chunks"
    );
    assert_eq!(read(&spec, &first).unwrap(), Some(first_env));
    assert_eq!(read(&spec, &second).unwrap(), Some(second_env));

    // Either way round, the header (version, key id) is genuine, the joined text decodes and
    // has the right length: only the tag can tell, and it does.
    for (head, tail) in [(&first, &second), (&second, &first)] {
        let spliced = vec![head[0].clone(), head[1].clone(), tail[2].clone()];
        let joined = format!("{}{}", spliced[1].1, spliced[2].1);
        let raw = URL_SAFE_NO_PAD.decode(&joined).expect("the splice decodes");
        assert_eq!(raw[0], seal::VERSION);
        assert_eq!(raw[1..5], 1u32.to_be_bytes());
        assert_eq!(read(&spec, &spliced).unwrap_err(), Rejection::Tampered);
    }
}

#[test]
fn a_changed_count_is_rejected() {
    let (spec, pairs, env) = three_chunks();
    let mut fewer = pairs.clone();
    set(&mut fewer, "s", "chunks-2");
    // Two pieces of base64 may not even decode (their last character carries bits of the
    // next byte); either way the value is refused.
    let got = read(&spec, &fewer).unwrap_err();
    assert!(
        matches!(
            got,
            Rejection::Tampered | Rejection::Malformed(Malformed::NotBase64)
        ),
        "{got:?}"
    );
    let mut more = pairs.clone();
    set(&mut more, "s", "chunks-4");
    assert_eq!(
        read(&spec, &more).unwrap_err(),
        Rejection::Malformed(Malformed::MissingChunk)
    );
    // A stale extra chunk beyond the count is ignored (and deleted at the next write).
    let mut extra = pairs.clone();
    extra.push(("sC4".into(), "AAAA".into()));
    assert_eq!(read(&spec, &extra).unwrap(), Some(env.clone()));
}

#[test]
fn a_count_above_the_maximum_is_refused() {
    let spec = spec(400, 10);
    for count in [
        "11",
        "1000",
        "999999",
        "1000000",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999999999999999999999",
    ] {
        let pairs = vec![("s".to_string(), format!("chunks-{count}"))];
        assert_eq!(
            read(&spec, &pairs).unwrap_err(),
            Rejection::Malformed(Malformed::TooManyChunks),
            "{count}"
        );
    }
    // The maximum itself is allowed: with all ten chunks missing, the complaint is the chunk.
    let pairs = vec![("s".to_string(), "chunks-10".to_string())];
    assert_eq!(
        read(&spec, &pairs).unwrap_err(),
        Rejection::Malformed(Malformed::MissingChunk)
    );
}

#[test]
fn malformed_counts_are_refused() {
    let spec = spec(400, 10);
    for count in [
        "", "0", "00", "01", "-1", "--1", "+2", " 2", "2 ", "1.0", "1e1", "0x2", "٣", "２", "3a",
        "chunks-3",
    ] {
        let pairs = vec![
            ("s".to_string(), format!("chunks-{count}")),
            ("sC1".to_string(), "AAAA".to_string()),
            ("sC2".to_string(), "AAAA".to_string()),
            ("sC3".to_string(), "AAAA".to_string()),
        ];
        assert_eq!(
            read(&spec, &pairs).unwrap_err(),
            Rejection::Malformed(Malformed::BadChunkCount),
            "chunks-{count:?}"
        );
    }
}

#[test]
fn joined_chunks_longer_than_the_limit_are_refused() {
    let spec = spec(400, 3);
    let long = "A".repeat(1000);
    let pairs = vec![
        ("s".to_string(), "chunks-2".to_string()),
        ("sC1".to_string(), long.clone()),
        ("sC2".to_string(), long.clone()),
    ];
    assert_eq!(
        read(&spec, &pairs).unwrap_err(),
        Rejection::Malformed(Malformed::TooLong)
    );
    let single = vec![("s".to_string(), "A".repeat(1201))];
    assert_eq!(
        read(&spec, &single).unwrap_err(),
        Rejection::Malformed(Malformed::TooLong)
    );
}

#[test]
fn stale_chunks_are_deleted_when_a_value_shrinks() {
    let ring = ring();
    let (spec, pairs, _) = three_chunks();
    let mut jar = Jar(pairs.into_iter().collect());

    // 3 chunks → 2 chunks: only sC3 goes.
    let two = envelope_of(size_for(&spec, 2));
    let w = spec.write(&ring, &jar.sent(), &two).unwrap();
    assert_eq!(w.cookies, 3);
    let deleted: Vec<String> = w.lines[3..].iter().map(|l| deleted_name(l)).collect();
    assert_eq!(deleted, ["sC3"]);
    let mut jar2 = jar.clone();
    jar2.apply(&w.lines);
    assert_eq!(jar2.0.keys().collect::<Vec<_>>(), ["s", "sC1", "sC2"]);
    assert_eq!(
        spec.read(&ring, &jar2.sent()).unwrap().unwrap().envelope,
        two
    );

    // 3 chunks → one unchunked cookie: every chunk goes, the main cookie is overwritten.
    let one = envelope_of(size_for(&spec, 0));
    let w = spec.write(&ring, &jar.sent(), &one).unwrap();
    assert_eq!(w.cookies, 1);
    let deleted: Vec<String> = w.lines[1..].iter().map(|l| deleted_name(l)).collect();
    assert_eq!(deleted, ["sC1", "sC2", "sC3"]);
    let mut jar1 = jar.clone();
    jar1.apply(&w.lines);
    assert_eq!(jar1.0.keys().collect::<Vec<_>>(), ["s"]);
    assert_eq!(
        spec.read(&ring, &jar1.sent()).unwrap().unwrap().envelope,
        one
    );

    // 3 chunks → nothing: erase deletes the main cookie and every chunk.
    let w = spec.erase(&jar.sent());
    let mut deleted: Vec<String> = w.lines.iter().map(|l| deleted_name(l)).collect();
    deleted.sort();
    assert_eq!(deleted, ["s", "sC1", "sC2", "sC3"]);
    jar.apply(&w.lines);
    assert!(jar.0.is_empty());
    assert_eq!(spec.read(&ring, &jar.sent()).unwrap(), None);
}

/// The name a deletion line removes, checking it really is a deletion with the store's
/// Path (a browser only replaces a cookie whose name, path and domain match).
fn deleted_name(line: &str) -> String {
    let c = Cookie::parse(line).unwrap();
    assert_eq!(c.value(), "");
    assert_eq!(c.max_age(), Some(time::Duration::ZERO), "{line}");
    assert_eq!(c.path(), Some("/"), "{line}");
    c.name().to_owned()
}

#[test]
fn stale_chunks_ignores_foreign_and_non_canonical_names() {
    let sent = SentCookies::collect(
        NAME,
        [
            ("s", "chunks-2"),
            ("sC1", "a"),
            ("sC2", "b"),
            ("sC3", "c"),
            ("sC01", "x"),
            ("sC0", "x"),
            ("sc3", "x"),
            ("tC3", "x"),
            ("ssC3", "x"),
        ],
    );
    assert_eq!(stale_chunks(&sent, 2), ["sC3"]);
    assert_eq!(stale_chunks(&sent, 0), ["sC1", "sC2", "sC3"]);
    assert!(stale_chunks(&sent, 3).is_empty());
}

#[test]
fn every_set_cookie_line_for_20_kib_with_every_attribute_fits_4096_bytes() {
    let ring = ring();
    let domain = format!(
        "{}.{}.{}.example.com",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(60)
    );
    assert_eq!(domain.len(), 200);
    let attrs = CookieAttrs {
        path: "/app/v1/accounts/settings".into(),
        domain: Some(domain.clone()),
        same_site: SameSite::None,
        http_only: true,
        secure: true,
        max_age: Some(60 * 60 * 24 * 400),
        partitioned: true,
    };
    let env = envelope_of(20 * 1024);
    for chunk_size in [4000, 4096] {
        let spec = StoreSpec {
            name: "sealed_session".into(),
            limits: ChunkLimits {
                chunk_size,
                max_chunks: 12,
            },
            budget: 64 * 1024,
            attrs: attrs.clone(),
        };
        // A browser that held a bigger value before: the deletions must fit too.
        let before: Vec<String> = (1..=12).map(|i| format!("sealed_sessionC{i}")).collect();
        let sent = SentCookies::collect("sealed_session", before.iter().map(|n| (n.as_str(), "x")));
        let w = spec.write(&ring, &sent, &env).unwrap();
        assert!(w.cookies >= 7, "{} cookies", w.cookies);
        assert!(w.lines.len() > w.cookies, "no deletions emitted");
        for line in &w.lines {
            assert!(line.len() <= 4096, "{} bytes: {line}", line.len());
            assert!(line.len() <= chunk_size, "{} > {chunk_size}", line.len());
            for attr in [
                "HttpOnly",
                "Secure",
                "SameSite=None",
                "Path=/app/v1/accounts/settings",
                &format!("Domain={domain}"),
            ] {
                assert!(line.contains(attr), "{attr} missing");
            }
        }
        // The chunks are filled close to the limit (no wasted cookies).
        let longest = w.lines[1..w.cookies].iter().map(String::len).max().unwrap();
        assert!(longest + 8 >= chunk_size, "{longest} vs {chunk_size}");

        let mut jar = Jar::default();
        jar.apply(&w.lines);
        let sent = SentCookies::collect("sealed_session", jar.pairs());
        assert_eq!(spec.read(&ring, &sent).unwrap().unwrap().envelope, env);
    }
}

#[test]
fn a_state_over_the_chunk_limit_or_budget_is_too_large() {
    let ring = ring();
    let env = envelope_of(20 * 1024);
    let few = spec(4000, 3);
    assert!(matches!(
        few.write(&ring, &SentCookies::default(), &env),
        Err(Error::TooLarge { .. })
    ));
    let plaintext = postcard::to_allocvec(&env).unwrap().len();
    assert!(matches!(
        few.check_size(plaintext),
        Err(Error::TooLarge { .. })
    ));
    let small_budget = StoreSpec {
        budget: 5120,
        ..spec(4000, 20)
    };
    let Err(Error::TooLarge { needed, limit }) =
        small_budget.write(&ring, &SentCookies::default(), &env)
    else {
        panic!("expected TooLarge");
    };
    assert_eq!(limit, 5120);
    assert!(needed > 20 * 1024);
    assert_eq!(
        small_budget.check_size(plaintext).unwrap_err(),
        Error::TooLarge { needed, limit }
    );
}

/// When the chunk limit binds before the budget, the error still speaks in header bytes,
/// as a budget does: `needed` is what the cookies would take with no chunk limit and `limit`
/// what the allowed chunks hold, below the budget, so `needed > limit` as documented.
#[test]
fn the_chunk_limit_reports_header_bytes_below_the_budget() {
    let ring = ring();
    let env = envelope_of(9000);
    let plaintext = postcard::to_allocvec(&env).unwrap().len();
    let two_chunks = StoreSpec {
        budget: 20_000,
        ..spec(4000, 2)
    };
    let Err(Error::TooLarge { needed, limit }) = two_chunks.check_size(plaintext) else {
        panic!("two chunks of 4000 bytes cannot carry 9000");
    };
    assert!(needed > limit, "needed {needed}, limit {limit}");
    assert!(limit < 20_000 && limit > 2 * 3500, "limit {limit}");
    // `needed` is the header length the same value takes where enough chunks are allowed
    // (same digit count for the chunk numbers, so the same piece length).
    let enough = StoreSpec {
        budget: 20_000,
        ..spec(4000, 9)
    };
    assert_eq!(enough.check_size(plaintext).unwrap(), needed);
    assert_eq!(
        two_chunks
            .write(&ring, &SentCookies::default(), &env)
            .unwrap_err(),
        Error::TooLarge { needed, limit }
    );
    let Error::TooLarge { needed, limit } = chunk::split(
        "sealed_session",
        &"x".repeat(9000),
        20,
        ChunkLimits {
            chunk_size: 4000,
            max_chunks: 2,
        },
    )
    .unwrap_err() else {
        panic!("expected TooLarge");
    };
    assert!(
        needed > 9000 && needed > limit && limit > 7000,
        "{needed} {limit}"
    );
}

/// `split` is public and cuts by bytes: a value that is not ASCII is an error, not a panic
/// on a character boundary.
#[test]
fn splitting_a_value_that_is_not_ascii_is_an_error() {
    let limits = ChunkLimits {
        chunk_size: 100,
        max_chunks: 9,
    };
    let value = format!("a{}", "é".repeat(200));
    assert!(matches!(
        chunk::split("s", &value, 20, limits),
        Err(Error::Encode { key, .. }) if key == "s"
    ));
    assert!(matches!(
        chunk::split("s", "é", 20, limits),
        Err(Error::Encode { .. })
    ));
}

/// Chunk cookies a browser might send: real-looking names with arbitrary values, and
/// arbitrary names.
fn chunk_cookies() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(
        (
            prop_oneof![
                "sC[1-9]",
                "sC[0-9]{1,3}",
                Just("s".to_string()),
                "s[A-Za-z0-9]{0,3}",
                ".{0,6}",
            ],
            prop_oneof![
                "[A-Za-z0-9_-]{0,120}",
                "chunks-.{0,4}",
                "chunks-[0-9]{1,3}",
                ".{0,64}",
            ],
        ),
        0..8,
    )
}

/// Real sealed values of a few sizes, as a browser holds them (one cookie to many chunks),
/// sealed once for all cases.
fn real_values() -> &'static [Vec<(String, String)>] {
    static VALUES: OnceLock<Vec<Vec<(String, String)>>> = OnceLock::new();
    VALUES.get_or_init(|| {
        [0, 150, 400, 900, 1500]
            .into_iter()
            .map(|size| written(&spec(300, 30), &envelope_of(size)))
            .collect()
    })
}

/// A real sealed value, split into chunks, and a few edits to make to it.
type Edits = Vec<(usize, usize, String)>;

fn edited_real_value() -> impl Strategy<Value = (Vec<(String, String)>, Edits)> {
    (
        0..real_values().len(),
        vec(
            (
                0usize..12,
                0usize..4000,
                prop_oneof![Just(String::new()), ".{0,3}"],
            ),
            0..3,
        ),
    )
        .prop_map(|(which, edits)| (real_values()[which].clone(), edits))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn no_cookie_input_panics(
        main in prop_oneof![
            ".*",
            "chunks-.{0,8}",
            "chunks-[1-9]",
            "[A-Za-z0-9_-]{0,200}",
            "A[A-Za-z0-9_-]{59,120}",
        ],
        chunks in chunk_cookies(),
    ) {
        let ring = ring();
        let spec = spec(300, 8);
        let mut pairs: Vec<(&str, &str)> = vec![("s", main.as_str())];
        pairs.extend(chunks.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let sent = SentCookies::collect(NAME, pairs.iter().copied());

        let joined = chunk::join(&sent, spec.limits);
        if let Ok(Some(value)) = &joined {
            prop_assert!(seal::open(&ring, NAME, value, 1 << 16).is_err());
        }
        prop_assert!(seal::open(&ring, NAME, &main, 1 << 16).is_err());
        // Random text never opens; it may only be "no store" when no main cookie counts.
        let read = spec.read(&ring, &sent);
        prop_assert!(!matches!(read, Ok(Some(_))), "opened: {:?}", read);
        let _ = stale_chunks(&sent, chunks.len());
        let _ = spec.erase(&sent);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn an_edited_real_value_opens_only_as_itself((pairs, edits) in edited_real_value()) {
        let spec = spec(300, 30);
        let original = read(&spec, &pairs).unwrap().unwrap();
        let mut edited = pairs.clone();
        for (which, at, text) in &edits {
            let value = &mut edited[which % pairs.len()].1;
            let at = at % (value.len() + 1);
            let end = (at + text.len()).min(value.len());
            if value.is_char_boundary(at) && value.is_char_boundary(end) {
                value.replace_range(at..end, text);
            }
        }
        match read(&spec, &edited) {
            Ok(Some(env)) => prop_assert_eq!(env, original),
            Ok(None) => prop_assert!(false, "main cookie is always present"),
            Err(_) => prop_assert!(edited != pairs, "an unedited value was refused"),
        }
    }
}
