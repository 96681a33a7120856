//! Shared helpers for the tests that drive real clients — a browser, curl, nginx and plain
//! HTTP — against the `shop` example running as its own process.
//!
//! These tests are `#[ignore]`d in a plain `cargo test` because they need tools from the
//! system (`chromium`, `chromedriver`, `nginx`, `curl`, `openssl`); `.ci/run` installs the tools and runs
//! them with `--ignored`. A missing tool is a test failure, never a silent skip.
//!
//! Every process a test starts is killed when its handle is dropped, every wait is bounded,
//! and all traffic goes to 127.0.0.1.
#![allow(dead_code)]

pub mod redis;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rocket_sealed::KeyConfig;

#[path = "../example_bin/mod.rs"]
mod example_bin;
pub use example_bin::example_binary;

/// How long a started process may take to answer its first request.
pub const STARTUP: Duration = Duration::from_secs(60);

/// Finds `name` on `PATH` (and in the `sbin` directories, where Debian puts nginx), or fails
/// the test saying how to get it. Under `CI=true` this is the rule the issue asks for: a
/// missing tool fails, it does not skip; outside CI these tests only run when asked for.
pub fn tool(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from));
    if let Some(found) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) {
        return found;
    }
    let ci = std::env::var("CI").map(|v| v == "true").unwrap_or(false);
    panic!(
        "`{name}` is not installed. The real-client tests need chromium, chromium-driver, nginx, \
         curl and openssl: `apt-get install chromium chromium-driver nginx curl openssl` (bash \
         .ci/run does this).{}",
        if ci {
            " CI=true: a missing tool is a failure, not a skip."
        } else {
            ""
        }
    );
}

/// A directory under the system's temporary directory, removed (with its contents) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory whose name contains `label`.
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "rocket-sealed-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A token no other process on this machine uses: this process's id, a counter and the
/// clock. A server started with one proves it is the one the test started by echoing it.
pub fn unique_token(label: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{label}-{}-{n}-{nanos:x}", std::process::id())
}

/// `n` distinct free TCP ports on 127.0.0.1 (all bound at once, then released). Another
/// process may take one before the server does, so every start waits for an answer that
/// carries the server's own token (see [`Proc::wait_identity`]), not for any answer.
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local address").port())
        .collect()
}

/// One free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    free_ports(1)[0]
}

/// The `shop` example's binary, built once per test process with the same Cargo, target
/// directory and profile as the running test (a `cargo test --test real_x` does not build
/// examples by itself).
pub fn shop_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| example_binary("shop"))
}

/// A key ring as the `ROCKET_SEALED` environment variable spells it.
pub fn sealed_env(ring: &[&KeyConfig]) -> String {
    sealed_env_with(ring, "")
}

/// A key ring and more settings (`extra`, such as `session={cookie_name="__Host-s"}`) as the
/// `ROCKET_SEALED` environment variable spells them.
pub fn sealed_env_with(ring: &[&KeyConfig], extra: &str) -> String {
    let keys: Vec<String> = ring
        .iter()
        .map(|k| format!("{{id={},key=\"{}\"}}", k.id, k.key))
        .collect();
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(",{extra}")
    };
    format!("{{keys=[{}]{extra}}}", keys.join(","))
}

/// The `sealed` table of the production configuration the README recommends, over HTTPS:
/// `__Host-` cookie names for both stores.
pub const HOST_PREFIXED: &str =
    "session={cookie_name=\"__Host-session\"},tempdata={cookie_name=\"__Host-tempdata\"}";

/// A child process that is killed (and reaped) when dropped; its output goes to a log file,
/// which is printed if the test is failing.
pub struct Proc {
    child: Child,
    name: String,
    log: PathBuf,
    stopped: bool,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: PathBuf) -> Proc {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("open a log file");
        let err = out.try_clone().expect("clone the log file handle");
        // A process group of its own, so that stopping it also stops what it started
        // (chromedriver's chromium, nginx's workers).
        use std::os::unix::process::CommandExt as _;
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Proc {
            child,
            name: name.to_owned(),
            log,
            stopped: false,
        }
    }

    /// The process's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails the test if the process has exited.
    pub fn assert_running(&mut self) {
        if self.has_exited() {
            // Reaped only now, after its group was signalled: until then its id, and so its
            // group's, could not be given to another process.
            self.stop();
            let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
            panic!(
                "{} exited ({status}); its output:\n{}",
                self.name,
                tail(&self.log(), 4000)
            );
        }
    }

    /// `true` once the process has exited, looked at without reaping it (`WNOWAIT`).
    fn has_exited(&self) -> bool {
        if self.stopped {
            return true;
        }
        let pid: libc::id_t = self.child.id();
        // SAFETY: waitid(2) writes only into `info`, a zeroed siginfo_t we own.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
            libc::waitid(libc::P_PID, pid, &mut info, flags) == 0 && info.si_pid() != 0
        }
    }

    /// Waits until `port` on 127.0.0.1 answers `GET path` with a response that `is_ours`
    /// accepts (one that proves it comes from the server this process started), or fails. A
    /// different server on the port (a port taken between [`free_ports`] and the start) is a
    /// failure that names what answered, never a silent success.
    pub fn wait_identity(
        &mut self,
        port: u16,
        path: &str,
        is_ours: impl Fn(&RawResponse) -> bool,
    ) -> RawResponse {
        let deadline = Instant::now() + STARTUP;
        let mut last = None;
        loop {
            self.assert_running();
            if let Ok(res) = raw_get(port, path, None) {
                if is_ours(&res) {
                    return res;
                }
                last = Some(res);
            }
            assert!(
                Instant::now() < deadline,
                "{} did not answer as itself on port {port} within {STARTUP:?}; last answer \
                 there: {last:?}; output:\n{}",
                self.name,
                tail(&self.log(), 4000)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `ready` returns `true` (polled every 50 ms for up to [`STARTUP`]), or fails
    /// saying the process did not `what`.
    pub fn wait_until(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + STARTUP;
        loop {
            self.assert_running();
            if ready() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not {what} within {STARTUP:?}; output:\n{}",
                self.name,
                tail(&self.log(), 4000)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `port` on 127.0.0.1 accepts a TCP connection, or fails.
    pub fn wait_tcp(&mut self, port: u16) {
        self.wait_until(&format!("listen on port {port}"), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process and everything it started (its process group), and waits for it.
    /// Once stopped, it is not signalled again (its id may then belong to another process).
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "---- {} output (tail) ----\n{}",
                self.name,
                tail(&self.log(), 3000)
            );
        }
    }
}

fn tail(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// One running `shop` instance on 127.0.0.1.
pub struct Shop {
    /// The process (killed on drop).
    pub proc: Proc,
    /// Its port.
    pub port: u16,
    /// The `SHOP_INSTANCE` name it reports in `/state.json` and on every page: the name the
    /// test gave plus a token unique to this start.
    pub instance: String,
    scheme: &'static str,
    _dir: TempDir,
}

impl Shop {
    /// Starts the shop on `port`, sealing with the first key of `ring`, and waits until it
    /// answers.
    pub fn start(port: u16, instance: &str, ring: &[&KeyConfig]) -> Shop {
        Shop::start_with(port, instance, &sealed_env(ring))
    }

    /// Starts the shop on `port` with `sealed` as its `ROCKET_SEALED` (a `keys_file`, or a
    /// registry, say), and waits until it answers.
    pub fn start_with(port: u16, instance: &str, sealed: &str) -> Shop {
        let (dir, instance, cmd) = Shop::command(port, instance, sealed);
        let mut proc = Proc::spawn(
            &format!("shop {instance} (port {port})"),
            cmd,
            dir.path().join("shop.log"),
        );
        proc.wait_identity(port, "/state.json", |res| {
            res.status == 200 && Shop::is_state_of(&res.body, &instance)
        });
        Shop {
            proc,
            port,
            instance,
            scheme: "http",
            _dir: dir,
        }
    }

    /// Starts the shop serving HTTPS on `port` with `cert` (Rocket's `tls` configuration),
    /// and waits until curl, trusting `cert`, gets its `/state.json`.
    pub fn start_tls(port: u16, instance: &str, ring: &[&KeyConfig], cert: &TestCert) -> Shop {
        Shop::start_tls_with(port, instance, &sealed_env(ring), cert)
    }

    /// [`Shop::start_tls`] with the whole `sealed` table given, as `ROCKET_SEALED` spells it
    /// (see [`sealed_env_with`]).
    pub fn start_tls_with(port: u16, instance: &str, sealed: &str, cert: &TestCert) -> Shop {
        let (dir, instance, mut cmd) = Shop::command(port, instance, sealed);
        cmd.env(
            "ROCKET_TLS",
            format!(
                "{{certs={:?},key={:?}}}",
                cert.cert.display().to_string(),
                cert.key.display().to_string()
            ),
        );
        let mut proc = Proc::spawn(
            &format!("shop {instance} (https, port {port})"),
            cmd,
            dir.path().join("shop.log"),
        );
        let url = format!("https://127.0.0.1:{port}/state.json");
        let curl = tool("curl");
        proc.wait_until(&format!("answer as itself at {url}"), || {
            Command::new(&curl)
                .args(["--silent", "--max-time", "10", "--noproxy", "*", "--cacert"])
                .arg(&cert.cert)
                .arg(&url)
                .output()
                .is_ok_and(|out| {
                    out.status.success()
                        && Shop::is_state_of(&String::from_utf8_lossy(&out.stdout), &instance)
                })
        });
        Shop {
            proc,
            port,
            instance,
            scheme: "https",
            _dir: dir,
        }
    }

    /// The shop's command line with nothing of the environment's Rocket configuration: no
    /// inherited ROCKET_ variables, and a config file path that does not exist (Rocket would
    /// otherwise look for a Rocket.toml in the working directory and every directory above
    /// it). Returns the directory it runs in and its unique instance name too.
    fn command(port: u16, instance: &str, sealed: &str) -> (TempDir, String, Command) {
        let dir = TempDir::new(&format!("shop-{instance}"));
        let instance = unique_token(instance);
        let mut cmd = Command::new(shop_binary());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ROCKET_") {
                cmd.env_remove(name);
            }
        }
        cmd.current_dir(dir.path())
            .env("ROCKET_CONFIG", dir.path().join("no-Rocket.toml"))
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_PROFILE", "release")
            .env("ROCKET_LOG_LEVEL", "normal")
            .env("ROCKET_CLI_COLORS", "false")
            .env("ROCKET_SEALED", sealed)
            .env_remove("REDIS_URL")
            .env("SHOP_INSTANCE", &instance);
        (dir, instance, cmd)
    }

    /// `true` if `body` is the `/state.json` of the shop started as `instance`.
    fn is_state_of(body: &str, instance: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(body)
            .is_ok_and(|state| state["instance"] == instance)
    }

    /// `http://127.0.0.1:PORT` + `path` (`https://` for a shop started with TLS).
    pub fn url(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{path}", self.scheme, self.port)
    }
}

/// A self-signed certificate for `127.0.0.1` (an `IP` subject alternative name) and its
/// private key, made with `openssl` for one test and removed with it.
pub struct TestCert {
    /// The certificate, PEM: the shop serves it, and curl is told to trust it.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS #8, ECDSA P-256).
    pub key: PathBuf,
    _dir: TempDir,
}

impl TestCert {
    /// Makes a fresh certificate, valid for two days.
    pub fn new() -> TestCert {
        let dir = TempDir::new("cert");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let out = Command::new(tool("openssl"))
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success() && cert.is_file() && key.is_file(),
            "openssl made no certificate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TestCert {
            cert,
            key,
            _dir: dir,
        }
    }
}

/// nginx in front of some upstream ports: round-robin, default header buffers, everything in
/// a temporary directory, run as a foreground child process.
pub struct Nginx {
    /// The process (killed on drop).
    pub proc: Proc,
    /// The port nginx listens on.
    pub port: u16,
    dir: TempDir,
}

/// Extra directives for the `server` block (used to show what nginx's defaults do).
#[derive(Default, Clone)]
pub struct NginxTuning {
    /// Lines added inside `location /`.
    pub location: Vec<String>,
}

impl Nginx {
    /// Starts nginx on a free port with round-robin upstreams `upstreams`, and waits until it
    /// proxies a request.
    pub fn start(upstreams: &[u16], tuning: &NginxTuning) -> Nginx {
        let nginx = tool("nginx");
        let dir = TempDir::new("nginx");
        let port = free_port();
        let token = unique_token("nginx");
        let d = dir.path().display();
        let mut servers = String::new();
        for p in upstreams {
            // max_fails=0: a backend restarting during a rolling deploy is never marked down
            // for later requests (nginx still retries the next one on a refused connection).
            let _ = writeln!(servers, "        server 127.0.0.1:{p} max_fails=0;");
        }
        let extra: String = tuning
            .location
            .iter()
            .map(|l| format!("            {l}\n"))
            .collect();
        // No header-buffer directives: large_client_header_buffers stays at nginx's default
        // (4 buffers of 8k), which is the limit the default budgets are designed for.
        let conf = format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{
    worker_connections 512;
}}
http {{
    log_format farm '$request_method $request_uri $status upstream=$upstream_addr';
    access_log {d}/access.log farm;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream shop {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://shop;
            proxy_set_header Host $http_host;
            add_header X-Upstream $upstream_addr always;
            add_header X-Proxy-Token {token} always;
{extra}        }}
    }}
}}
"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let mut cmd = Command::new(nginx);
        cmd.arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.path().join("error.log"));
        let mut proc = Proc::spawn("nginx", cmd, dir.path().join("stdout.log"));
        // Any status will do (an upstream may still be starting); the header proves that this
        // nginx, with this configuration, answered.
        proc.wait_identity(port, "/state.json", |res| {
            res.all("x-proxy-token") == [token.as_str()]
        });
        Nginx { proc, port, dir }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The access log so far (`METHOD URI STATUS upstream=ADDR` lines).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    /// The error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

/// A minimal HTTP/1.1 response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Header lines as (lower-cased name, value), in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl RawResponse {
    /// All values of header `name` (lower case).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// `GET path` over a fresh connection, with an optional `Cookie` header. No client library,
/// so nothing rewrites the request; the body must not use chunked encoding for `body` to be
/// clean (Rocket sends a `Content-Length` for the shop's pages).
pub fn raw_get(port: u16, path: &str, cookie: Option<&str>) -> std::io::Result<RawResponse> {
    raw_request(port, "GET", path, cookie, None)
}

/// A request over a fresh connection (`Connection: close`), with an optional `Cookie` header
/// and an optional url-encoded form body.
pub fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> std::io::Result<RawResponse> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nUser-Agent: rocket-sealed-tests\r\n"
    );
    if let Some(c) = cookie {
        let _ = write!(req, "Cookie: {c}\r\n");
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        let _ = write!(
            req,
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes())?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(RawResponse {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// The text between `start` and the next `end` after it.
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// The CSRF token of the sign-out buttons on a shop page a signed-in user sees (the shop's
/// `/logout` and `/logout-everywhere` take it, as `CsrfForm<NoFields>`).
pub fn sign_out_token(html: &str) -> String {
    between(
        html,
        "action=\"/logout\"><input type=\"hidden\" name=\"csrf_token\" value=\"",
        "\"",
    )
    .unwrap_or_else(|| panic!("no sign-out button with a token on the page: {html}"))
    .to_owned()
}

/// The flash messages a shop page shows, as (level, text).
pub fn flashes(html: &str) -> Vec<(String, String)> {
    let Some(list) = between(html, "<ul id=\"flashes\">", "</ul>") else {
        return Vec::new();
    };
    list.split("<li class=\"flash ")
        .skip(1)
        .filter_map(|item| {
            let (level, rest) = item.split_once("\">")?;
            let (text, _) = rest.split_once("</li>")?;
            Some((level.to_owned(), unescape(text)))
        })
        .collect()
}

/// Undoes the HTML escaping of the few characters a page escapes.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Form encoding of `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// One response as the cookie-jar client saw it, with every redirect hop.
#[derive(Debug, Clone)]
pub struct Page {
    /// Status of the final response.
    pub status: u16,
    /// Body of the final response.
    pub body: String,
    /// Status and serving upstream (nginx's `X-Upstream`, if any) of every hop, in order.
    pub hops: Vec<(u16, Option<String>)>,
    /// Names of the cookies any hop set or deleted.
    pub set_cookies: Vec<String>,
}

/// A cookie-jar HTTP client (reqwest's cookie store) that follows redirects itself so that
/// every hop's status and upstream are recorded.
pub struct Agent {
    client: reqwest::blocking::Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: String,
}

impl Agent {
    /// A client with an empty jar, talking to `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Agent {
        Agent::with_jar(base, Arc::new(reqwest::cookie::Jar::default()))
    }

    /// A client with the cookies of `saved` (see [`Agent::cookie_header`]).
    pub fn with_cookies(base: &str, saved: &str) -> Agent {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = base.parse().expect("base url");
        for pair in saved.split("; ").filter(|p| !p.is_empty()) {
            jar.add_cookie_str(&format!("{pair}; Path=/"), &url);
        }
        Agent::with_jar(base, jar)
    }

    fn with_jar(base: &str, jar: Arc<reqwest::cookie::Jar>) -> Agent {
        let client = reqwest::blocking::Client::builder()
            // Only 127.0.0.1 is ever asked, and never through a proxy from the environment.
            .no_proxy()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build an HTTP client");
        Agent {
            client,
            jar,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The `Cookie` header the jar would send now (`name=value; …`), empty if none.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore as _;
        let url: reqwest::Url = self.base.parse().expect("base url");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Cookie names in the jar and their `name=value` lengths.
    pub fn cookies(&self) -> BTreeMap<String, usize> {
        self.cookie_header()
            .split("; ")
            .filter(|p| !p.is_empty())
            .map(|p| {
                let name = p.split_once('=').map_or(p, |(n, _)| n);
                (name.to_owned(), p.len())
            })
            .collect()
    }

    /// `GET path`, following redirects.
    pub fn get(&self, path: &str) -> Page {
        self.run(self.client.get(self.url(path)))
    }

    /// `POST path` with a url-encoded form, following redirects (as `GET`, as browsers do).
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.run(
            self.client
                .post(self.url(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form(fields)),
        )
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn run(&self, first: reqwest::blocking::RequestBuilder) -> Page {
        let mut hops = Vec::new();
        let mut set_cookies = Vec::new();
        let mut request = first;
        for _ in 0..8 {
            let res = request
                .send()
                .unwrap_or_else(|e| panic!("request failed: {e}"));
            let status = res.status().as_u16();
            let upstream = res
                .headers()
                .get("x-upstream")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            for v in res.headers().get_all("set-cookie") {
                if let Some(name) = v.to_str().ok().and_then(|s| s.split_once('=')) {
                    set_cookies.push(name.0.to_owned());
                }
            }
            hops.push((status, upstream));
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            match (status, location) {
                (301..=303 | 307 | 308, Some(to)) => {
                    let to = if to.starts_with('/') {
                        self.url(&to)
                    } else {
                        // Traffic stays on this machine: a redirect elsewhere is a failure.
                        assert!(
                            to.starts_with("http://127.0.0.1:"),
                            "redirected off 127.0.0.1, to {to}"
                        );
                        to
                    };
                    request = self.client.get(to);
                }
                _ => {
                    let body = res.text().unwrap_or_default();
                    return Page {
                        status,
                        body,
                        hops,
                        set_cookies,
                    };
                }
            }
        }
        panic!("more than 8 redirects: {hops:?}");
    }
}
