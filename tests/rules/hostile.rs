//! Hostile requests (docs/security.md, Hostile requests): a forged cookie far longer than its
//! store's budget is refused before it is decrypted, and a request carrying thousands of
//! made-up chunk cookies gets a bounded number of deletion lines back.

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{App, SESSION, TEMPDATA, pairs};
use rocket::http::Status as HttpStatus;
use rocket_sealed::{Malformed, Rejection, Status};

/// A forged value of about `len` characters (at least `len`): version 1 and key id 1, as a
/// real value of the tests' ring starts, so that only the cipher can tell it is forged.
fn forged(len: usize) -> String {
    let mut raw = vec![1, 0, 0, 0, 1];
    raw.resize(len * 3 / 4 + 1, 0x42);
    let text = URL_SAFE_NO_PAD.encode(raw);
    assert!(text.len() >= len);
    text
}

#[test]
fn a_value_longer_than_the_budget_is_refused_without_decrypting() {
    let config = common::config(&[1]);
    let budget = config.session.budget;
    // Longer than the budget, shorter than what 8 chunks of 4000 bytes carry: before the
    // length was checked against the budget, this was decrypted and found forged.
    assert!(budget < config.chunk_limits().max_value_len());
    let app = App::new(config.clone());
    let long = forged(budget + 1);
    let reply = app.get_with("/s/info", &pairs(&[(SESSION, &long)]));
    assert_eq!(reply.status, HttpStatus::Ok);
    let (status, len, _) = common::info(&reply);
    let too_long = Status::Rejected(Rejection::Malformed(Malformed::TooLong));
    assert_eq!((status, len), (format!("{too_long:?}"), 0));
    let counters = app.counters();
    assert_eq!(counters.decrypted, 0, "{counters:?}");
    assert_eq!(counters.rejected_malformed, 1);
    assert_eq!(reply.deleted(), [SESSION]);

    // The same, chunked: eight chunks that join to more than the budget.
    let piece = forged(budget / 4);
    let mut chunked = vec![(SESSION.to_owned(), "chunks-8".to_owned())];
    chunked.extend((1..=8).map(|i| (format!("{SESSION}C{i}"), piece.clone())));
    let reply = app.get_with("/s/info", &chunked);
    assert_eq!(common::info(&reply).0, format!("{too_long:?}"));
    assert_eq!(app.counters().decrypted, 0);

    // And for TempData, whose budget is its own.
    let long = forged(config.tempdata.budget + 1);
    let reply = app.get_with("/td/info", &pairs(&[(TEMPDATA, &long)]));
    assert_eq!(reply.body, format!("{too_long:?};0"));
    assert_eq!(app.counters().decrypted, 0);

    // A forged value within the budget is decrypted, once, and found forged: the counter
    // counts what it says.
    let short = forged(budget / 2);
    let reply = app.get_with("/s/info", &pairs(&[(SESSION, &short)]));
    let tampered = Status::Rejected(Rejection::Tampered);
    assert_eq!(common::info(&reply).0, format!("{tampered:?}"));
    assert_eq!(app.counters().decrypted, 1);
}

#[test]
fn a_real_session_up_to_its_budget_still_opens() {
    // The longest session the budget allows is written and read back: the length check
    // refuses nothing the store writes.
    let mut config = common::config(&[1]);
    config.open_cache = 0;
    let app = App::new(config);
    let reply = app.get("/s/big/3600/true");
    assert_eq!(reply.status, HttpStatus::Ok, "{}", reply.body);
    assert!(app.jar_store(SESSION).len() > 1, "chunked");
    let before = app.counters();
    let again = app.get("/s/info");
    assert!(
        common::info(&again).0.starts_with("Loaded"),
        "{}",
        again.body
    );
    let after = app.counters();
    assert_eq!(after.decrypted - before.decrypted, 1);
    assert_eq!(after.opened - before.opened, 1);
}

/// `n` stray chunk cookies of the session (no main cookie), `NAMEC1` … `NAMEC<n>`.
fn strays(n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("{SESSION}C{i}"), "x".to_owned()))
        .collect()
}

#[test]
fn thousands_of_stray_chunks_get_a_bounded_number_of_deletions() {
    let config = common::config(&[1]);
    let cap = config.chunk_limits().max_deletions();
    assert_eq!(cap, config.max_chunks + 4);

    // A write deletes the strays it no longer uses: at most `cap` of them, lowest first.
    let app = App::new(config.clone());
    let reply = app.get_with("/s/set/a/1", &strays(3000));
    assert_eq!(reply.written().len(), 1);
    let deleted = reply.deleted();
    let lowest: Vec<String> = (1..=cap).map(|i| format!("{SESSION}C{i}")).collect();
    assert_eq!(deleted, lowest);
    assert!(
        reply.lines.iter().map(String::len).sum::<usize>() < 2_000,
        "{} bytes",
        reply.lines.iter().map(String::len).sum::<usize>()
    );

    // An erasure (a bad main cookie among the strays) deletes it and `cap` strays.
    let app = App::new(config.clone());
    let mut sent = pairs(&[(SESSION, "garbage")]);
    sent.extend(strays(3000));
    let reply = app.get_with("/s/info", &sent);
    let mut expected = vec![SESSION.to_owned()];
    expected.extend(lowest.iter().cloned());
    assert_eq!(reply.deleted(), expected);

    // A few strays are all deleted, as before.
    let app = App::new(config);
    let reply = app.get_with("/s/set/a/1", &strays(3));
    assert_eq!(reply.deleted().len(), 3);
}
