//! A key ring kept in a file (`sealed.keys_file`): read at launch, checked for a change every
//! `keys_file_poll_secs`, and swapped in whole. A version that does not read or validate
//! keeps the ring in force.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use figment::Figment;
use figment::providers::{Format, Json, Toml};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::counters::Counters;
use crate::figment_config::config_error;
use crate::{Clock, Error, KeyConfig, KeyRing};

/// The file's shape: the `keys` array of the `sealed` table, alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    keys: Vec<KeyConfig>,
}

/// What tells one version of the file from another: where its path leads (through every
/// symlink, so a swapped Kubernetes `..data` link counts) and its size and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

fn version(path: &Path) -> Option<Version> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt as _;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some(Version {
        dev,
        ino,
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

/// Reads the keys of the file at `path`. Errors name the file and the field and never quote
/// a key.
pub(crate) fn read_keys(path: &Path) -> Result<Vec<KeyConfig>, Error> {
    let shown = path.display();
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::config("sealed.keys_file", format!("cannot read `{shown}`: {e}"))
        })?);
    let figment = if text.trim_start().starts_with('{') {
        Figment::from(Json::string(&text))
    } else {
        Figment::from(Toml::string(&text))
    };
    figment
        .extract::<KeysFile>()
        .map(|file| file.keys)
        .map_err(|e| in_file(path, config_error(e)))
}

impl KeyConfig {
    /// The keys of a `keys_file`: a TOML `keys = [{ id, key, activates_at, retires_at }, …]`
    /// or the JSON `{"keys": [...]}`. Errors name the file and the field, never a key's text.
    /// The ring is checked only when it is built ([`KeyRing::from_config`]).
    ///
    /// ```
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let key = KeyConfig::generate(1);
    /// let path = std::env::temp_dir().join(format!("keys-doc-{}.toml", std::process::id()));
    /// std::fs::write(&path, format!("keys = [{{ id = 1, key = \"{}\" }}]", key.key)).unwrap();
    /// let keys = KeyConfig::read_file(&path).unwrap();
    /// assert_eq!(KeyRing::from_config(&keys).unwrap().sealing_key_id(), 1);
    ///
    /// std::fs::write(&path, format!("keys = [{{ id = \"one\", key = \"{}\" }}]", key.key)).unwrap();
    /// let err = KeyConfig::read_file(&path).unwrap_err().to_string();
    /// assert!(err.contains("sealed.keys.0.id") && !err.contains(&key.key), "{err}");
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn read_file(path: &Path) -> Result<Vec<KeyConfig>, Error> {
        read_keys(path)
    }
}

/// `e`, said of the file at `path`.
fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Config { field, reason } => Error::config(
            format!("sealed.keys_file `{}`: {field}", path.display()),
            reason,
        ),
        other => other,
    }
}

/// Watches one keys file and swaps the ring it holds into `ring`.
pub(crate) struct Watch {
    pub(crate) path: PathBuf,
    pub(crate) interval: Duration,
    pub(crate) ring: Arc<ArcSwap<KeyRing>>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) context: String,
    pub(crate) open_cache: usize,
    pub(crate) longest_life: u64,
    seen: Option<Version>,
}

impl Watch {
    /// Reads the file at launch: the ring it holds, and a watch that knows this version.
    pub(crate) fn start(path: &str, clock: Arc<dyn Clock>) -> Result<(KeyRing, WatchSeed), Error> {
        let path = PathBuf::from(path);
        // The version is taken first: a change while reading is read again at the next check.
        let seen = version(&path);
        let keys = read_keys(&path)?;
        let ring = KeyRing::from_config_with_clock(&keys, clock).map_err(|e| in_file(&path, e))?;
        Ok((ring, WatchSeed { path, seen }))
    }

    /// The watch of `seed`, swapping rings into `ring`.
    pub(crate) fn new(seed: WatchSeed, config: &crate::Config, sealed: &crate::Sealed) -> Watch {
        Watch {
            path: seed.path,
            interval: Duration::from_secs_f64(config.keys_file_poll_secs),
            ring: Arc::clone(&sealed.ring),
            counters: Arc::clone(&sealed.counters),
            clock: Arc::clone(&sealed.clock),
            context: config.context.clone(),
            open_cache: config.open_cache,
            longest_life: config.longest_cookie_life(),
            seen: seed.seen,
        }
    }

    /// Looks at the file once; if it changed, reads it and swaps its ring in, or keeps the
    /// ring in force and says why. Returns whether a new ring went in.
    pub(crate) fn check(&mut self) -> bool {
        let now = version(&self.path);
        if now == self.seen {
            return false;
        }
        self.seen = now;
        match self.read() {
            Ok(ring) => {
                log::info!(
                    "rocket_sealed: key ring reloaded from `{}`: keys {:?}, sealing with key {}",
                    self.path.display(),
                    ring.key_ids().collect::<Vec<_>>(),
                    ring.sealing_key_id()
                );
                for warning in ring.retirement_warnings(self.longest_life) {
                    log::warn!("rocket_sealed: {warning}");
                }
                self.ring.store(Arc::new(ring));
                self.counters.keys_reloaded(true);
                true
            }
            Err(e) => {
                self.counters.keys_reloaded(false);
                log::error!("rocket_sealed: key ring NOT reloaded, the ring in force stays: {e}");
                false
            }
        }
    }

    fn read(&self) -> Result<KeyRing, Error> {
        let keys = read_keys(&self.path)?;
        let ring = KeyRing::from_config_with_clock(&keys, Arc::clone(&self.clock))
            .map_err(|e| in_file(&self.path, e))?;
        // A fresh open cache: no plaintext of a key that left the ring can be found again.
        Ok(ring
            .with_context(&self.context)
            .with_open_cache(self.open_cache, self.counters.reopened_handle())
            .counting_decryptions(self.counters.decrypted_handle())
            .with_figures_of(&self.ring.load()))
    }

    /// Checks every interval until `shutdown`.
    pub(crate) async fn run(mut self, shutdown: rocket::Shutdown) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            rocket::tokio::select! {
                _ = &mut shutdown => break,
                _ = rocket::tokio::time::sleep(self.interval) => {
                    self.check();
                }
            }
        }
    }
}

/// What launch learnt of the file, for the watch that starts at liftoff.
pub(crate) struct WatchSeed {
    path: PathBuf,
    seen: Option<Version>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::seal::{Envelope, open, seal};
    use crate::{Config, KeyConfig, ManualClock, Rejection, Sealed};

    use super::Watch;

    /// Points `link` at `target` by renaming a new symlink over it, as Kubernetes swaps the
    /// `..data` link of a mounted secret.
    #[cfg(unix)]
    fn swap(dir: &std::path::Path, target: &str) {
        let tmp = dir.join("keys.toml.new");
        std::os::unix::fs::symlink(dir.join(target), &tmp).unwrap();
        std::fs::rename(&tmp, dir.join("keys.toml")).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_swapped_file_replaces_the_ring_and_a_broken_one_keeps_it() {
        let dir = std::env::temp_dir().join(format!("keys-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (k1, k2) = (KeyConfig::generate(1), KeyConfig::generate(2));
        let ring_file =
            |k: &KeyConfig| format!("keys = [{{ id = {}, key = \"{}\" }}]", k.id, k.key);
        std::fs::write(dir.join("a.toml"), ring_file(&k1)).unwrap();
        std::fs::write(dir.join("b.toml"), ring_file(&k2)).unwrap();
        std::fs::write(
            dir.join("broken.toml"),
            "keys = [{ id = 3, key = \"short\" }]",
        )
        .unwrap();
        swap(&dir, "a.toml");

        let path = dir.join("keys.toml").display().to_string();
        let config = Config {
            keys_file: Some(path.clone()),
            ..Config::default()
        };
        let clock = Arc::new(ManualClock::new(1_735_689_600));
        let (ring, seed) = Watch::start(&path, clock.clone()).unwrap();
        let sealed = Sealed::new(config, ring, false, clock, None, Some(seed)).unwrap();
        let mut watch = sealed.watch.lock().unwrap().take().unwrap();
        assert!(!watch.check(), "nothing changed");

        // A value sealed under key 1 and remembered by the open cache.
        let value = seal(&sealed.key_ring(), "s", &Envelope::default()).unwrap();
        open(&sealed.key_ring(), "s", &value, 4096).unwrap();
        open(&sealed.key_ring(), "s", &value, 4096).unwrap();
        assert_eq!(sealed.counters().snapshot().reopened, 1);

        swap(&dir, "b.toml");
        assert!(watch.check());
        assert_eq!(sealed.key_ring().sealing_key_id(), 2);
        // Key 1 left the ring: its value is refused, not served from memory.
        assert_eq!(
            open(&sealed.key_ring(), "s", &value, 4096).unwrap_err(),
            Rejection::UnknownKey { key_id: 1 }
        );
        let counts = sealed.counters().snapshot();
        assert_eq!((counts.reopened, counts.keys_reloaded), (1, 1));

        swap(&dir, "broken.toml");
        assert!(!watch.check());
        assert_eq!(sealed.key_ring().key_ids().collect::<Vec<_>>(), [2]);
        let counts = sealed.counters().snapshot();
        assert_eq!((counts.keys_reloaded, counts.keys_reload_failed), (1, 1));
        // Counted once, not on every check that finds the same broken file.
        assert!(!watch.check());
        assert_eq!(sealed.counters().snapshot().keys_reload_failed, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
