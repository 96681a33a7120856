//! A `redis-server` of the test's own, on a free 127.0.0.1 port with no persistence, stopped
//! when dropped; and `redis-cli` to ask it things.

use std::collections::BTreeMap;
use std::process::Command;

use super::{Proc, TempDir, free_port, tool};

/// A running `redis-server` (killed on drop, with its temporary directory).
pub struct Redis {
    /// The process.
    pub proc: Proc,
    /// Its port.
    pub port: u16,
    _dir: TempDir,
}

impl Redis {
    /// Starts `redis-server` on a free port and waits until it answers as itself (its
    /// `process_id` is the child's). A missing `redis-server` fails the test.
    pub fn start() -> Redis {
        let server = tool("redis-server");
        tool("redis-cli");
        let dir = TempDir::new("redis");
        let port = free_port();
        let mut cmd = Command::new(server);
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path());
        let mut proc = Proc::spawn("redis-server", cmd, dir.path().join("redis.log"));
        let pid = proc.pid().to_string();
        proc.wait_until(&format!("answer as itself on port {port}"), || {
            let info = cli(port, &["INFO", "server"]);
            info.lines()
                .any(|l| l.trim() == format!("process_id:{pid}"))
        });
        Redis {
            proc,
            port,
            _dir: dir,
        }
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// `redis-cli` with `args`; its output.
    pub fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
    }

    /// Commands run per command name since the last `CONFIG RESETSTAT`
    /// (`INFO commandstats`).
    pub fn command_counts(&self) -> BTreeMap<String, u64> {
        self.cli(&["INFO", "commandstats"])
            .lines()
            .filter_map(|l| {
                let (name, rest) = l.trim().strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = rest
                    .strip_prefix("calls=")?
                    .split(',')
                    .next()?
                    .parse()
                    .ok()?;
                Some((name.to_owned(), calls))
            })
            .collect()
    }

    /// Freezes the server (`SIGSTOP`): connections stay open and nothing answers, the
    /// nastiest outage for a client, which must then rely on its own timeout.
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Lets a paused server go on (`SIGCONT`), with its data.
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.proc.pid()).expect("a pid");
        // SAFETY: kill(2) on the child this handle started (not reaped while it exists).
        let done = unsafe { libc::kill(pid, signal) };
        assert_eq!(done, 0, "signal {signal} to redis-server");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        // A stopped process is killed all the same, but let it go first, so nothing waits.
        self.resume();
    }
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new(tool("redis-cli"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("run redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
