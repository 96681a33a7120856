//! Bad cookies (docs/stores.md, Bad cookies): whatever cookie bytes arrive, the guard succeeds
//! with an empty store whose status says why, and the bad cookies are deleted in that response.

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{App, Cookies, SESSION, TEMPDATA, bad_config, info, one, pairs, samples, tamper};
use rocket::http::Status as HttpStatus;
use rocket_sealed::{KeyConfig, Malformed, Rejection, Status};

/// The session sealed under key id 1 of another ring.
fn sealed_with_another_key_of_the_same_id() -> String {
    let config = rocket_sealed::Config {
        keys: vec![KeyConfig::new(
            1,
            URL_SAFE_NO_PAD.encode(std::array::from_fn::<u8, 32, _>(|i| 0x42 ^ i as u8)),
        )],
        ..common::config(&[])
    };
    let app = App::new(config);
    app.get("/s/set/a/1");
    app.jar_store(SESSION)[0].1.clone()
}

/// `plaintext` sealed for the session's cookie under key 1 of the tests' ring, with the wire
/// format's AAD built here: bytes that authenticate but that the crate never writes.
fn sealed_plaintext(plaintext: &[u8]) -> String {
    use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};

    let key = common::key(1);
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key.key.as_str())
        .unwrap()
        .try_into()
        .unwrap();
    let mut aad = b"rocket_sealed\x01".to_vec();
    aad.extend(1u32.to_be_bytes());
    aad.extend(SESSION.as_bytes());
    let nonce = [0x5a; 24];
    let sealed = chacha20poly1305::XChaCha20Poly1305::new(&bytes.into())
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap();
    let mut raw = vec![1];
    raw.extend(1u32.to_be_bytes());
    raw.extend(nonce);
    raw.extend(sealed);
    URL_SAFE_NO_PAD.encode(raw)
}

/// A session envelope of this test's clock, with `session_id`.
fn session_envelope(session_id: Option<[u8; 16]>) -> Vec<u8> {
    postcard::to_allocvec(&rocket_sealed::seal::Envelope {
        issued_at: common::T0,
        refreshed_at: common::T0,
        session_id,
        entries: vec![("a".into(), vec![0; 5])],
    })
    .unwrap()
}

#[test]
fn each_bad_cookie_class_gives_an_empty_session_with_the_right_status() {
    let s = samples();
    let chunk_count = s.chunked.len() - 1;
    let mut reordered = s.chunked.clone();
    // C2 and C3: both full pieces, after the header (which C1 carries).
    let (c2, c3) = (reordered[2].1.clone(), reordered[3].1.clone());
    reordered[2].1 = c3;
    reordered[3].1 = c2;
    assert!(chunk_count >= 4, "two full chunks to swap");

    let malformed = |m| Status::Rejected(Rejection::Malformed(m));
    // One of each class (shared with the log test), then the finer cases.
    let mut cases: Vec<(&str, Cookies, Status)> = common::bad_session_cookies(&s);
    cases.extend([
        (
            "truncated by one block",
            one(&s.session[..s.session.len() - (s.session.len() % 4) - 4]),
            Status::Rejected(Rejection::Tampered),
        ),
        (
            "truncated mid-character",
            one(&s.session[..s.session.len() - (s.session.len() % 4) - 3]),
            malformed(Malformed::NotBase64),
        ),
        (
            "wrong key",
            one(&sealed_with_another_key_of_the_same_id()),
            Status::Rejected(Rejection::Tampered),
        ),
        (
            "chunks swapped",
            reordered,
            Status::Rejected(Rejection::Tampered),
        ),
        (
            "authentic, but a session envelope without a session id",
            one(&sealed_plaintext(&session_envelope(None))),
            malformed(Malformed::BadEnvelope),
        ),
        (
            "authentic, but not an envelope",
            one(&sealed_plaintext(b"\xffnot postcard")),
            malformed(Malformed::BadEnvelope),
        ),
        (
            "authentic, but bytes after the envelope",
            one(&sealed_plaintext(
                &[session_envelope(Some([3; 16])), vec![0]].concat(),
            )),
            malformed(Malformed::BadEnvelope),
        ),
    ]);

    for (class, cookies, expected) in cases {
        let app = App::new(bad_config());
        let reply = app.get_with("/s/info", &cookies);
        assert_eq!(reply.status, HttpStatus::Ok, "{class}");
        let (status, len, _) = info(&reply);
        assert_eq!(status, format!("{expected:?}"), "{class}");
        assert_eq!(len, 0, "{class}");
        assert_eq!(app.counters().rejected(), 1, "{class}");

        // Every cookie of the store that was sent is deleted in this response.
        let mut sent: Vec<String> = cookies.iter().map(|(n, _)| n.clone()).collect();
        let mut deleted = reply.deleted();
        sent.sort();
        deleted.sort();
        assert_eq!(deleted, sent, "{class}");
        assert!(reply.written().is_empty(), "{class}: {:?}", reply.lines);

        // The store works normally afterwards.
        app.get("/s/set/b/2");
        assert_eq!(app.get("/s/get/b").body, r#"Some("2")"#, "{class}");
    }
}

#[test]
fn bad_cookie_replaced_by_a_write_in_the_same_response() {
    let s = samples();
    let app = App::new(bad_config());
    // A chunked cookie with one chunk damaged, then a handler that writes a small session.
    let mut damaged = s.chunked.clone();
    damaged[1].1 = tamper(&damaged[1].1);
    let reply = app.get_with("/s/set/b/2", &damaged);
    assert_eq!(reply.written().len(), 1);
    let chunks: Vec<String> = damaged[1..].iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(reply.deleted(), chunks, "the unused chunks go");
    assert_eq!(app.jar_names(), vec![SESSION]);
    assert_eq!(app.get("/s/get/b").body, r#"Some("2")"#);
}

#[test]
fn bad_tempdata_cookie_gives_empty_tempdata_and_is_deleted() {
    let s = samples();
    let cases: Vec<(&str, String, Status)> = vec![
        (
            "session cookie pasted into the tempdata slot",
            s.session.clone(),
            Status::Rejected(Rejection::Tampered),
        ),
        (
            "tampered",
            tamper(&s.tempdata),
            Status::Rejected(Rejection::Tampered),
        ),
        (
            "garbage",
            "not*base64!".into(),
            Status::Rejected(Rejection::Malformed(Malformed::NotBase64)),
        ),
    ];
    for (class, value, expected) in cases {
        let app = App::new(common::config(&[1]));
        let reply = app.get_with("/td/info", &pairs(&[(TEMPDATA, &value)]));
        assert_eq!(reply.status, HttpStatus::Ok, "{class}");
        assert_eq!(reply.body, format!("{expected:?};0"), "{class}");
        assert_eq!(reply.deleted(), vec![TEMPDATA], "{class}");
        // Flashes read from a bad cookie are simply none.
        let flashes = app.get_with("/flashes", &pairs(&[(TEMPDATA, &value)]));
        assert_eq!(flashes.status, HttpStatus::Ok);
        assert_eq!(flashes.body, "", "{class}");
    }
}
