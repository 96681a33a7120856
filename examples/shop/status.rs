//! Looking inside without consuming anything: `/status`, `/metrics` and `/state.json`.

use rocket::http::{ContentType, CookieJar};
use rocket::response::content::RawHtml;
use rocket::{Route, State, get, routes};
use rocket_sealed::chunk::{chunk_index, header_len};
use rocket_sealed::store::{FLASH_KEY, FlashMessage};
use rocket_sealed::{Sealed, Session, TempData};

use crate::model::{cart, user};
use crate::pages::{esc, instance, page};

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

#[get("/status")]
fn status(
    session: Session<'_>,
    temp: TempData<'_>,
    jar: &CookieJar<'_>,
    sealed: &State<Sealed>,
) -> RawHtml<String> {
    let config = sealed.config();
    let (issued, refreshed) = session.timestamps();
    let entries: String = session
        .keys()
        .iter()
        .map(|k| {
            format!(
                r#"<tr class="entry" data-key="{k}"><td class="key">{k}</td><td class="bytes">{}</td></tr>"#,
                size_or_unknown(session.entry_len(k)),
                k = esc(k)
            )
        })
        .collect();
    // Only `keys`, `entry_len` and `peek`: looking must not consume anything.
    let temp_keys = temp.keys();
    let temp_entries: String = temp_keys
        .iter()
        .map(|k| {
            format!(
                r#"<tr class="entry" data-key="{k}"><td class="key">{k}</td><td class="bytes">{}</td></tr>"#,
                size_or_unknown(temp.entry_len(k)),
                k = esc(k)
            )
        })
        .collect();
    let pending: String = temp
        .peek::<Vec<FlashMessage>>(FLASH_KEY)
        .ok()
        .flatten()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            format!(
                r#"<li class="pending {}">{}</li>"#,
                m.level.as_str(),
                esc(&m.text)
            )
        })
        .collect();
    let ours = |name: &str| {
        [&config.session.cookie_name, &config.tempdata.cookie_name]
            .iter()
            .any(|store| name == store.as_str() || chunk_index(store, name).is_some())
    };
    let mut sent: Vec<(String, usize)> = jar
        .iter()
        .filter(|c| ours(c.name()))
        .map(|c| (c.name().to_owned(), c.name().len() + 1 + c.value().len()))
        .collect();
    sent.sort();
    let cookie_rows: String = sent
        .iter()
        .map(|(name, len)| {
            format!(
                r#"<tr class="cookie" data-name="{n}"><td class="name">{n}</td><td class="bytes">{len}</td></tr>"#,
                n = esc(name)
            )
        })
        .collect();
    let header = header_len(jar.iter().map(|c| (c.name(), c.value())));
    let counters: String = counter_lines(sealed)
        .iter()
        .map(|(name, value)| {
            format!(r#"<tr class="counter" data-name="{name}"><td class="name">{name}</td><td class="value">{value}</td></tr>"#)
        })
        .collect();
    let body = format!(
        r#"<h2>Session</h2>
<p>Status <span id="session-status">{s_status}</span>, id <span id="session-id">{s_id}</span>,
issued <span id="session-issued">{issued}</span>, sealed <span id="session-refreshed">{refreshed}</span> (unix seconds).</p>
<p>Needs <span id="session-bytes">{s_bytes}</span> of <span id="session-budget">{s_budget}</span> bytes.</p>
<table id="session-entries"><tr><th>entry</th><th>bytes</th></tr>{entries}</table>
<h2>TempData</h2>
<p>Status <span id="tempdata-status">{t_status}</span>, keys <span id="tempdata-keys">{t_keys}</span>.
Needs <span id="tempdata-bytes">{t_bytes}</span> of <span id="tempdata-budget">{t_budget}</span> bytes.</p>
<table id="tempdata-entries"><tr><th>entry</th><th>bytes</th></tr>{temp_entries}</table>
<p>Flash messages waiting for the next page:</p><ul id="pending-flashes">{pending}</ul>
<h2>Cookies your browser sent</h2>
<table id="cookies"><tr><th>cookie</th><th>bytes (name=value)</th></tr>{cookie_rows}</table>
<p>The whole <code>Cookie</code> header: <span id="cookie-header-bytes">{header}</span> bytes.</p>
<h2>Counters (this instance)</h2>
<table id="counters">{counters}</table>"#,
        s_status = esc(&session.status().to_string()),
        s_id = session.id(),
        s_bytes = session_bytes(&session),
        s_budget = config.session.budget,
        t_status = esc(&temp.status().to_string()),
        t_keys = esc(&temp_keys.join(",")),
        t_bytes = tempdata_bytes(&temp),
        t_budget = config.tempdata.budget,
    );
    page("Status", &session, None, &body)
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
