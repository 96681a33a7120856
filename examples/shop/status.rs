//! Looking inside without consuming anything: `/status`, `/metrics` and `/state.json`.

use rocket::http::{ContentType, CookieJar};
use rocket::{Route, State, get, routes};
use rocket_dyn_templates::{Template, context};
use rocket_sealed::chunk::{chunk_index, header_len};
use rocket_sealed::store::{FLASH_KEY, FlashMessage};
use rocket_sealed::{Sealed, Session, TempData};
use serde::Serialize;

use crate::model::{cart, user};
use crate::pages::{instance, render};

pub fn routes() -> Vec<Route> {
    routes![status, metrics, state_json]
}

fn size_or_unknown(len: Option<usize>) -> String {
    len.map_or_else(|| "?".into(), |n| n.to_string())
}

/// Bytes a store needs in the `Cookie` header (0 when it stores nothing).
pub fn session_bytes(session: &Session<'_>) -> String {
    match session.is_empty() {
        true => "0".into(),
        false => session
            .commit()
            .map_or_else(|e| e.to_string(), |n| n.to_string()),
    }
}

pub fn tempdata_bytes(temp: &TempData<'_>) -> String {
    match temp.is_empty() {
        true => "0".into(),
        false => temp
            .commit()
            .map_or_else(|e| e.to_string(), |n| n.to_string()),
    }
}

/// A row of the status page's tables: a name and a size or count.
#[derive(Serialize)]
struct Row {
    name: String,
    value: String,
}

#[get("/status")]
fn status(
    session: Session<'_>,
    temp: TempData<'_>,
    jar: &CookieJar<'_>,
    sealed: &State<Sealed>,
) -> Template {
    let config = sealed.config();
    let (issued, refreshed) = session.timestamps();
    let entries: Vec<Row> = session
        .keys()
        .into_iter()
        .map(|k| Row {
            value: size_or_unknown(session.entry_len(&k)),
            name: k,
        })
        .collect();
    // Only `keys`, `entry_len` and `peek`: looking must not consume anything.
    let temp_keys = temp.keys();
    let temp_entries: Vec<Row> = temp_keys
        .iter()
        .map(|k| Row {
            name: k.clone(),
            value: size_or_unknown(temp.entry_len(k)),
        })
        .collect();
    let pending: Vec<FlashMessage> = temp
        .peek::<Vec<FlashMessage>>(FLASH_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    let ours = |name: &str| {
        [&config.session.cookie_name, &config.tempdata.cookie_name]
            .iter()
            .any(|store| name == store.as_str() || chunk_index(store, name).is_some())
    };
    let mut cookies: Vec<Row> = jar
        .iter()
        .filter(|c| ours(c.name()))
        .map(|c| Row {
            name: c.name().to_owned(),
            value: (c.name().len() + 1 + c.value().len()).to_string(),
        })
        .collect();
    cookies.sort_by(|a, b| a.name.cmp(&b.name));
    let counters: Vec<Row> = counter_lines(sealed)
        .into_iter()
        .map(|(name, value)| Row {
            name,
            value: value.to_string(),
        })
        .collect();
    render(
        "status",
        "Status",
        &session,
        None,
        context! {
            session_status: session.status().to_string(),
            session_id: session.id().to_string(),
            issued,
            refreshed,
            session_bytes: session_bytes(&session),
            session_budget: config.session.budget,
            entries,
            tempdata_status: temp.status().to_string(),
            tempdata_keys: temp_keys.join(","),
            tempdata_bytes: tempdata_bytes(&temp),
            tempdata_budget: config.tempdata.budget,
            temp_entries,
            pending,
            cookies,
            cookie_header_bytes: header_len(jar.iter().map(|c| (c.name(), c.value()))),
            counters,
        },
    )
}

/// The counters as (`rocket_sealed_<name>`, value) pairs, in name order.
fn counter_lines(sealed: &Sealed) -> Vec<(String, u64)> {
    let snapshot = sealed.counters().snapshot();
    let mut lines: Vec<(String, u64)> = match serde_json::to_value(snapshot) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| Some((format!("rocket_sealed_{k}"), v.as_u64()?)))
            .collect(),
        _ => Vec::new(),
    };
    lines.push(("rocket_sealed_rejected".into(), snapshot.rejected()));
    lines.sort();
    lines
}

#[get("/metrics")]
fn metrics(sealed: &State<Sealed>) -> (ContentType, String) {
    let mut text: String = counter_lines(sealed)
        .iter()
        .map(|(name, value)| format!("{name} {value}\n"))
        .collect();
    // Per key, what `rocket-sealed keys status` reads to say when a key may retire.
    text.push_str(&format!("rocket_sealed_now_seconds {}\n", sealed.now()));
    for key in sealed.key_ring().key_figures() {
        let id = key.id;
        text.push_str(&format!(
            "rocket_sealed_key_sealing{{key=\"{id}\"}} {}\n",
            u8::from(key.sealing)
        ));
        text.push_str(&format!(
            "rocket_sealed_key_opened{{key=\"{id}\"}} {}\n",
            key.opened
        ));
        text.push_str(&format!(
            "rocket_sealed_key_resealed{{key=\"{id}\"}} {}\n",
            key.resealed
        ));
        if let Some(at) = key.last_old_open {
            text.push_str(&format!(
                "rocket_sealed_key_last_old_open_seconds{{key=\"{id}\"}} {at}\n"
            ));
        }
    }
    (ContentType::Plain, text)
}

#[get("/state.json")]
fn state_json(session: Session<'_>, temp: TempData<'_>) -> (ContentType, String) {
    let value = serde_json::json!({
        "instance": instance(),
        "user": user(&session),
        "cart_count": cart(&session).lines.len(),
        "session_id": session.id().to_string(),
        "session_status": session.status().to_string(),
        "session_keys": session.keys(),
        "tempdata_status": temp.status().to_string(),
        "tempdata_keys": temp.keys(),
    });
    (ContentType::JSON, value.to_string())
}
