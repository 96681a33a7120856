//! TempData (README, TempData rules): arbitrary sequences of requests against a model of
//! ASP.NET Core's rules.
//!
//! The model is ASP.NET Core's `TempDataDictionary`: entries loaded from the cookie start as
//! "initial"; `get` takes an entry out of that set, `set` puts it back, `keep(key)` retains the
//! key (present or not) and `keep_all` every present one, `remove` takes the key out of both
//! sets, and at the end of the request the entries still initial or retained survive (all of
//! them when the response is a redirect). Each request's commit is written to
//! a cookie jar and the next request loads from it, through the real sealing and chunking.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rocket_sealed::chunk::SentCookies;
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::store::TempDataState;
use rocket_sealed::{Config, KeyConfig, KeyRing};

#[derive(Debug, Clone)]
enum Op {
    Get(usize),
    Peek(usize),
    Set(usize, u8),
    Keep(usize),
    KeepAll,
    Remove(usize),
}

const KEYS: [&str; 3] = ["a", "b", "c"];

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    prop_oneof![
        key.clone().prop_map(Op::Get),
        key.clone().prop_map(Op::Peek),
        (key.clone(), any::<u8>()).prop_map(|(k, v)| Op::Set(k, v)),
        key.clone().prop_map(Op::Keep),
        Just(Op::KeepAll),
        key.prop_map(Op::Remove),
    ]
}

/// One request: its operations, and whether its response is a redirect.
fn request() -> impl Strategy<Value = (Vec<Op>, bool)> {
    (proptest::collection::vec(op(), 0..6), any::<bool>())
}

/// The `name=value` pairs a browser would send after applying `lines` to `jar`.
fn apply(jar: &mut BTreeMap<String, String>, lines: &[String]) {
    for line in lines {
        let pair = line.split(';').next().unwrap();
        let (name, value) = pair.split_once('=').unwrap();
        if line.contains("Max-Age=0") {
            jar.remove(name);
        } else {
            jar.insert(name.to_owned(), value.to_owned());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn tempdata_follows_asp_net_cores_rules(requests in proptest::collection::vec(request(), 1..6)) {
        let config = Config::default();
        let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
        let spec = StoreSpec {
            name: "t".into(),
            limits: config.chunk_limits(),
            budget: 4000,
            attrs: config.cookie_attrs(false, 100),
        };
        let mut jar: BTreeMap<String, String> = BTreeMap::new();
        let mut model: BTreeMap<String, u8> = BTreeMap::new();
        let mut now = 1_000;
        for (ops, redirect) in requests {
            now += 1;
            let sent = SentCookies::collect("t", jar.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            let mut temp = TempDataState::load(&ring, &spec, &config.tempdata, &sent, now);

            let mut data = model.clone();
            let mut initial: BTreeSet<String> = data.keys().cloned().collect();
            let mut retained: BTreeSet<String> = BTreeSet::new();
            for op in &ops {
                match *op {
                    Op::Get(k) => {
                        let got: Option<u8> = temp.get(KEYS[k]).unwrap();
                        prop_assert_eq!(got, data.get(KEYS[k]).copied());
                        initial.remove(KEYS[k]);
                    }
                    Op::Peek(k) => {
                        let got: Option<u8> = temp.peek(KEYS[k]).unwrap();
                        prop_assert_eq!(got, data.get(KEYS[k]).copied());
                    }
                    Op::Set(k, v) => {
                        temp.set(KEYS[k], &v).unwrap();
                        data.insert(KEYS[k].to_owned(), v);
                        initial.insert(KEYS[k].to_owned());
                    }
                    Op::Keep(k) => {
                        temp.keep(KEYS[k]);
                        retained.insert(KEYS[k].to_owned());
                    }
                    Op::KeepAll => {
                        temp.keep_all();
                        retained = data.keys().cloned().collect();
                    }
                    Op::Remove(k) => {
                        temp.remove(KEYS[k]);
                        data.remove(KEYS[k]);
                        initial.remove(KEYS[k]);
                        retained.remove(KEYS[k]);
                    }
                }
            }
            if redirect {
                retained = data.keys().cloned().collect();
            }
            model = data
                .into_iter()
                .filter(|(k, _)| initial.contains(k) || retained.contains(k))
                .collect();

            if let Some(commit) = temp.commit(&ring, &spec, &sent, redirect, now).unwrap() {
                apply(&mut jar, &commit.written.lines);
            }
            let sent = SentCookies::collect("t", jar.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            let next = TempDataState::load(&ring, &spec, &config.tempdata, &sent, now);
            let stored: BTreeMap<String, u8> = next
                .keys()
                .into_iter()
                .map(|k| {
                    let v = next.peek::<u8>(&k).unwrap().unwrap();
                    (k, v)
                })
                .collect();
            prop_assert_eq!(&stored, &model, "ops {:?}, redirect {}", ops, redirect);
        }
    }
}
