//! The shop in a real browser: Debian's headless chromium driven through chromedriver
//! (WebDriver) with fantoccini. Checks what only a browser can show: that it stores and sends
//! the chunk cookies, deletes the stale ones, shows a flash once, carries TempData through a
//! wizard, recovers from a tampered cookie with a fresh session and a normal page, and posts a
//! form with its CSRF token while a same-site page of another origin cannot.
//!
//! Needs `chromium` and `chromedriver` (Debian package `chromium-driver`); run with
//! `cargo test --test real_clients -- --ignored browser::` (or `bash .ci/run`).

use crate::real;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use real::{HOST_PREFIXED, Proc, Shop, TempDir, TestCert, raw_get, tool};
use rocket_sealed::KeyConfig;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// chromedriver on a free port, killed on drop, with a fresh chromium profile directory.
struct Driver {
    _proc: Proc,
    port: u16,
    profile: TempDir,
    _logs: TempDir,
}

impl Driver {
    fn start() -> Driver {
        let chromedriver = tool("chromedriver");
        tool("chromium");
        let port = real::free_port();
        let logs = TempDir::new("chromedriver");
        let mut cmd = Command::new(chromedriver);
        cmd.arg(format!("--port={port}"));
        let mut proc = Proc::spawn("chromedriver", cmd, logs.path().join("chromedriver.log"));
        proc.wait_tcp(port);
        Driver {
            _proc: proc,
            port,
            profile: TempDir::new("chromium-profile"),
            _logs: logs,
        }
    }

    /// A chromium session; `self_signed` accepts the test's own certificate (WebDriver's
    /// `acceptInsecureCerts`): the page is still https, so `Secure` cookies are kept.
    async fn connect(&self, self_signed: bool) -> Client {
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            // Nothing leaves 127.0.0.1: no proxy, and every host name fails to resolve (the
            // app is reached by its address, which is not looked up).
            "--no-proxy-server".to_owned(),
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1200,900".to_owned(),
            format!("--user-data-dir={}", self.profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert("acceptInsecureCerts".into(), self_signed.into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": tool("chromium").display().to_string(),
                "args": args,
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromedriver starts a chromium session")
    }
}

/// The browser plus the shop's address and its cookie names.
struct Browser {
    client: Client,
    base: String,
    /// The session's cookie name.
    session: String,
    /// TempData's cookie name.
    tempdata: String,
    /// The shop's port when it serves plain HTTP (a raw request is sent there too).
    http_port: Option<u16>,
}

impl Browser {
    async fn goto(&self, path: &str) -> Res<()> {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn path(&self) -> Res<String> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    async fn text(&self, css: &str) -> Res<String> {
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    async fn count(&self, css: &str) -> Res<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    async fn click(&self, css: &str) -> Res<()> {
        self.client.find(Locator::Css(css)).await?.click().await?;
        Ok(())
    }

    /// Clicks a submit button and waits until the browser has left `from` (the form's
    /// POST answers with a redirect) and the new page is there.
    async fn submit(&self, css: &str) -> Res<()> {
        let marker = self.client.find(Locator::Css("main")).await?;
        self.click(css).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        // The old page's <main> goes stale once the next page has loaded.
        while marker.text().await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "the form submit never loaded a page"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.client.find(Locator::Css("main")).await?;
        Ok(())
    }

    /// Sets a form field's value directly (long gift notes type slowly through keys).
    async fn set_value(&self, css: &str, value: &str) -> Res<()> {
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![css.into(), value.into()],
            )
            .await?;
        Ok(())
    }

    /// The flash messages on the current page, as (level, text).
    async fn flashes(&self) -> Res<Vec<(String, String)>> {
        let mut out = Vec::new();
        for li in self.client.find_all(Locator::Css("#flashes li")).await? {
            let class = li.attr("class").await?.unwrap_or_default();
            let level = class.trim_start_matches("flash ").to_owned();
            out.push((level, li.text().await?));
        }
        Ok(out)
    }

    /// The browser's cookies for the shop: name → value.
    async fn cookies(&self) -> Res<BTreeMap<String, String>> {
        Ok(self
            .client
            .get_all_cookies()
            .await?
            .into_iter()
            .map(|c| (c.name().to_owned(), c.value().to_owned()))
            .collect())
    }

    async fn user(&self) -> Res<String> {
        self.text("#user").await
    }

    async fn cart_count(&self) -> Res<usize> {
        Ok(self.text("#cart-count").await?.parse()?)
    }
}

/// A page of another origin on the shop's own site (another port of 127.0.0.1), where a
/// same-site attacker's page would be: at load, its form posts `fields` to `target`. Served
/// until the test process ends.
struct ForgedPage {
    url: String,
}

impl ForgedPage {
    fn serve(target: &str, fields: &[(&str, &str)]) -> ForgedPage {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let url = format!("http://{}/", listener.local_addr().expect("its address"));
        let inputs: String = fields
            .iter()
            .map(|(name, value)| {
                format!("<input type=\"hidden\" name=\"{name}\" value=\"{value}\">")
            })
            .collect();
        let html = format!(
            "<!doctype html><title>forged</title><form id=\"f\" method=\"post\" \
             action=\"{target}\">{inputs}</form><script>document.getElementById('f').submit()</script>"
        );
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = [0u8; 8192];
                let _ = stream.read(&mut request);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{html}",
                    html.len()
                );
            }
        });
        ForgedPage { url }
    }
}

/// Opens `page`, waits until its form has posted and the browser is back on the shop, and
/// says at which path it landed.
async fn forged_post(b: &Browser, page: &ForgedPage) -> Res<String> {
    b.client.goto(&page.url).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !b.client.current_url().await?.as_str().starts_with(&b.base) {
        assert!(Instant::now() < deadline, "the forged form never posted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.client.find(Locator::Css("body")).await?;
    b.path().await
}

fn chunked(cookies: &BTreeMap<String, String>, session: &str) -> bool {
    cookies.contains_key(&format!("{session}C1"))
}

#[test]
#[ignore = "needs chromium and chromium-driver; run with: cargo test --test real_clients -- --ignored browser:: (or bash .ci/run)"]
fn a_real_browser_keeps_chunks_flashes_tempdata_and_survives_tampering() {
    tool("chromium");
    tool("chromedriver");
    let key = KeyConfig::generate(1);
    let shop = Shop::start(real::free_port(), "browser", &[&key]);
    in_browser(&shop, "sealed_session", "sealed_tempdata");
}

/// README, Production checklist: the same visit with the `__Host-` names the README
/// recommends, over HTTPS. Chromium applies the prefix rules: a line that were not Secure,
/// `Path=/` and host-only would be dropped, and the cart, the flash or the wizard would fail.
#[test]
#[ignore = "needs chromium, chromium-driver and openssl; run with: cargo test --test real_clients -- --ignored browser:: (or bash .ci/run)"]
fn a_real_browser_over_https_keeps_host_prefixed_cookies() {
    tool("chromium");
    tool("chromedriver");
    let key = KeyConfig::generate(1);
    let cert = TestCert::new();
    let sealed = real::sealed_env_with(&[&key], HOST_PREFIXED);
    let shop = Shop::start_tls_with(real::free_port(), "browser-tls", &sealed, &cert);
    assert!(shop.url("").starts_with("https://"));
    in_browser(&shop, "__Host-session", "__Host-tempdata");
}

/// Runs [`scenario`] in a fresh chromium against `shop`, whose stores use these cookie names.
fn in_browser(shop: &Shop, session: &str, tempdata: &str) {
    let driver = Driver::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let https = shop.url("").starts_with("https://");
    runtime.block_on(async {
        let client = driver.connect(https).await;
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("set WebDriver timeouts");
        let browser = Browser {
            client: client.clone(),
            base: shop.url(""),
            session: session.to_owned(),
            tempdata: tempdata.to_owned(),
            http_port: (!https).then_some(shop.port),
        };
        // On its own task, so that a failed assertion still lets the session (and chromium)
        // be closed before the test fails.
        let outcome = tokio::spawn(async move {
            scenario(&browser)
                .await
                .map_err(|e| format!("WebDriver: {e}"))
        })
        .await;
        let _ = client.close().await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("{e}"),
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    });
}

async fn scenario(b: &Browser) -> Res<()> {
    let (session, tempdata) = (b.session.as_str(), b.tempdata.as_str());
    let chunk = |i: usize| format!("{session}C{i}");
    // Sign in.
    b.goto("/login").await?;
    b.set_value("#name", "ivy").await?;
    b.submit("#login-button").await?;
    assert_eq!(b.path().await?, "/");
    assert_eq!(b.user().await?, "ivy");
    assert_eq!(
        b.flashes().await?,
        vec![("success".to_owned(), "Welcome, ivy!".to_owned())]
    );

    // Add items until the cart spans several cookie chunks.
    let note = "please wrap this one in the blue paper with the silver ribbon. ".repeat(8);
    let mut added = 0;
    while !chunked(&b.cookies().await?, session) {
        assert!(added < 20, "20 lines and still one cookie");
        b.goto("/products").await?;
        b.set_value("#product-4 input[name=note]", &note).await?;
        b.submit("#product-4 .add-button").await?;
        added += 1;
        assert_eq!(b.cart_count().await?, added, "line {added} kept");
    }
    let cookies = b.cookies().await?;
    assert_eq!(cookies.get(session).map(String::as_str), Some("chunks-2"));
    // Chrome kept both chunks the marker names (it drops a cookie over its 4096-byte limit
    // rather than refuse the response, so a missing chunk is how an oversized one shows).
    assert!(
        cookies.contains_key(&chunk(1))
            && cookies.contains_key(&chunk(2))
            && !cookies.contains_key(&chunk(3)),
        "{:?}",
        cookies.keys()
    );

    // Browse: the cart is intact on every page.
    for path in ["/", "/products", "/checkout/1", "/cart"] {
        b.goto(path).await?;
        assert_eq!(b.user().await?, "ivy", "{path}");
        assert_eq!(b.cart_count().await?, added, "{path}");
    }
    assert_eq!(b.count("table#cart tr.item").await?, added);

    // Remove lines until the session fits one cookie: the browser drops the stale chunks.
    let mut left = added;
    while chunked(&b.cookies().await?, session) {
        assert!(left > 1, "one line left and still chunked");
        b.submit("#item-0 .remove-button").await?;
        left -= 1;
        assert_eq!(b.path().await?, "/cart");
        assert_eq!(b.count("table#cart tr.item").await?, left);
    }
    let cookies = b.cookies().await?;
    assert!(
        !cookies
            .keys()
            .any(|n| n.starts_with(&format!("{session}C"))),
        "stale chunks left in the browser: {:?}",
        cookies.keys()
    );
    assert!(
        cookies
            .get(session)
            .is_some_and(|v| !v.starts_with("chunks-"))
    );
    b.goto("/").await?;
    assert_eq!(b.cart_count().await?, left);
    assert_eq!(b.user().await?, "ivy");

    // A flash after POST-redirect-GET appears once, and not after a reload.
    b.goto("/lab").await?;
    b.submit("#flash-button").await?;
    assert_eq!(b.path().await?, "/");
    let levels: Vec<String> = b.flashes().await?.into_iter().map(|f| f.0).collect();
    assert_eq!(levels, ["debug", "info", "success", "warning", "error"]);
    b.client.refresh().await?;
    assert_eq!(b.path().await?, "/");
    assert_eq!(b.user().await?, "ivy", "the reload shows the shop's page");
    assert!(b.flashes().await?.is_empty(), "shown again after a reload");

    // Rocket's own `Flash` (its plaintext `_flash` cookie) shows once on the templated page,
    // and its cookie is gone from the browser.
    b.goto("/lab").await?;
    b.submit("#rocket-flash-button").await?;
    assert_eq!(b.path().await?, "/lab");
    assert_eq!(
        b.flashes().await?,
        [(
            "warning".to_owned(),
            "A message from Rocket's own Flash".to_owned()
        )]
    );
    assert!(!b.cookies().await?.contains_key("_flash"));
    b.client.refresh().await?;
    assert!(
        b.flashes().await?.is_empty(),
        "Rocket's shown again after a reload"
    );

    // The wizard: the draft survives its steps (and reloads), and is gone after finishing.
    b.goto("/checkout/1").await?;
    b.set_value("#address", "7 Chromium Court").await?;
    b.submit("#next-1").await?;
    assert_eq!(b.path().await?, "/checkout/2");
    assert_eq!(b.text("#draft-address").await?, "7 Chromium Court");
    b.click("#shipping-express").await?;
    b.submit("#next-2").await?;
    assert_eq!(b.path().await?, "/checkout/3");
    assert_eq!(b.text("#draft-shipping").await?, "Express (next day)");
    b.client.refresh().await?;
    assert_eq!(
        b.text("#draft-address").await?,
        "7 Chromium Court",
        "peek keeps it"
    );
    assert!(b.cookies().await?.contains_key(tempdata));
    b.submit("#place-order").await?;
    assert_eq!(b.path().await?, "/");
    assert!(
        b.flashes()
            .await?
            .contains(&("success".to_owned(), "Order placed".to_owned()))
    );
    assert_eq!(b.cart_count().await?, 0);
    assert!(
        !b.cookies().await?.contains_key(tempdata),
        "TempData is empty after the order, so its cookie is gone"
    );
    b.goto("/checkout/3").await?;
    assert_eq!(b.path().await?, "/checkout/1", "no draft: back to step 1");
    assert_eq!(b.count("#draft-address").await?, 0);

    // Tamper with the session cookie through WebDriver: delete it, add it back changed.
    let cookies = b.cookies().await?;
    let value = cookies.get(session).expect("signed in").clone();
    let mut bytes = value.into_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes)?;
    b.client.delete_cookie(session).await?;
    let mut cookie = fantoccini::cookies::Cookie::new(session.to_owned(), tampered.clone());
    // chromedriver refuses `null` for an attribute fantoccini leaves unset, so every one is
    // given, as the shop sets them.
    cookie.set_path("/");
    cookie.set_domain("127.0.0.1");
    cookie.set_same_site(cookie::SameSite::Lax);
    cookie.set_http_only(true);
    cookie.set_secure(b.http_port.is_none());
    b.client.add_cookie(cookie).await?;
    assert_eq!(b.cookies().await?.get(session), Some(&tampered));

    // The same cookie over plain HTTP gets a 200 page.
    if let Some(port) = b.http_port {
        let raw = raw_get(port, "/status", Some(&format!("{session}={tampered}")))?;
        assert_eq!(raw.status, 200);
    }
    // In the browser: a normal page, a fresh session that says why, the bad cookie deleted.
    b.goto("/status").await?;
    assert_eq!(b.client.title().await?, "Status · Sealed Shop");
    let status = b.text("#session-status").await?;
    assert!(
        status.starts_with("rejected") && status.contains("authentication failed"),
        "{status}"
    );
    assert_eq!(b.user().await?, "");
    assert!(!b.cookies().await?.contains_key(session));
    // And the fresh session works.
    b.goto("/login").await?;
    b.set_value("#name", "ivy").await?;
    b.submit("#login-button").await?;
    assert_eq!(b.user().await?, "ivy");
    b.goto("/status").await?;
    assert_eq!(b.text("#session-status").await?, "loaded");

    // CSRF (over plain HTTP, where a page on another port of 127.0.0.1 is the same site, so
    // `SameSite=Lax` lets its post carry the shop's cookies; over HTTPS an http:// page is
    // another site and its post carries none).
    if b.http_port.is_some() {
        b.goto("/products").await?;
        b.submit("#product-4 .add-button").await?;
        let lines = b.cart_count().await?;
        assert!(lines > 0);
        // Without the token: 403, and the cart is untouched.
        let forged = ForgedPage::serve(&b.url("/cart/clear"), &[("confirm", "true")]);
        assert_eq!(
            forged_post(b, &forged).await?,
            "/cart/clear",
            "the post without a token was answered with a redirect, not refused"
        );
        let body = b.text("body").await?;
        assert!(body.contains("403"), "{body}");
        b.goto("/cart").await?;
        assert_eq!(
            b.cart_count().await?,
            lines,
            "a forged post emptied the cart"
        );
        // The same page with the session's token (as if it had leaked) is let through: the
        // browser did send the cookies, so the token alone stopped the first post.
        let token = b
            .client
            .find(Locator::Css("#clear-cart input[name=csrf_token]"))
            .await?
            .attr("value")
            .await?
            .expect("the cart page's form carries the token");
        let leaked = ForgedPage::serve(
            &b.url("/cart/clear"),
            &[("confirm", "true"), ("csrf_token", &token)],
        );
        assert_eq!(forged_post(b, &leaked).await?, "/cart");
        assert_eq!(b.cart_count().await?, 0);
        // The shop's own form carries the token: it works.
        b.goto("/products").await?;
        b.submit("#product-4 .add-button").await?;
        b.goto("/cart").await?;
        assert_eq!(b.cart_count().await?, 1);
        b.submit("#clear-button").await?;
        assert_eq!(b.path().await?, "/cart");
        assert_eq!(b.cart_count().await?, 0);
        assert!(
            b.flashes()
                .await?
                .contains(&("info".to_owned(), "Your cart is empty".to_owned()))
        );
        // The sign-out button is a form of the token alone: a forged sign-out is refused,
        // the shop's own button signs out.
        let forged = ForgedPage::serve(&b.url("/logout"), &[]);
        assert_eq!(
            forged_post(b, &forged).await?,
            "/logout",
            "the forged sign-out was answered with a redirect, not refused"
        );
        let body = b.text("body").await?;
        assert!(body.contains("403"), "{body}");
        b.goto("/").await?;
        assert_eq!(b.user().await?, "ivy", "a forged post signed the user out");
        b.submit("#logout").await?;
        assert_eq!(b.user().await?, "", "the shop's sign-out button");
    }
    Ok(())
}
