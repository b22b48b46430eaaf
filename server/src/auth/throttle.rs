//! Login throttling: failed logins are counted per client address and per user name; after
//! [`FREE_FAILURES`] in a row, each further attempt must wait, twice as long after every
//! failure (1 s, 2 s, 4 s … at most [`MAX_WAIT`]). A success clears both counts. While one
//! must wait, attempts are answered 429 with `Retry-After` and are not checked at all, so a
//! guesser learns nothing and costs nothing. Memory is bounded: at most [`MAX_ENTRIES`] keys
//! are kept, the least recently failed go first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waits begin.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// Keys kept at most (addresses and user names together).
const MAX_ENTRIES: usize = 10_000;
/// A key with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// What a count is kept for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    User(String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    until: Option<Instant>,
}

/// Failed-login counts.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<Key, Entry>>,
}

fn keys(address: Option<IpAddr>, user: &str) -> impl Iterator<Item = Key> {
    // User names are compared as given, bounded so a long one costs nothing to keep.
    let user: String = user.chars().take(256).collect();
    address
        .map(Key::Address)
        .into_iter()
        .chain(std::iter::once(Key::User(user)))
}

impl LoginThrottle {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long a login from `address` as `user` must wait, at `now`; `None` if it may go on.
    pub fn wait(&self, address: Option<IpAddr>, user: &str, now: Instant) -> Option<Duration> {
        let entries = self.entries();
        keys(address, user)
            .filter_map(|key| entries.get(&key)?.until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failed login.
    pub fn failed(&self, address: Option<IpAddr>, user: &str, now: Instant) {
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| now.saturating_duration_since(e.last) < FORGET_AFTER);
        }
        while entries.len() >= MAX_ENTRIES {
            let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.last)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
        for key in keys(address, user) {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                last: now,
                until: None,
            });
            entry.failures = entry.failures.saturating_add(1);
            entry.last = now;
            if entry.failures > FREE_FAILURES {
                let doublings = (entry.failures - FREE_FAILURES - 1).min(16);
                let wait = Duration::from_secs(1u64 << doublings).min(MAX_WAIT);
                entry.until = Some(now + wait);
            }
        }
    }

    /// Clears the counts after a successful login.
    pub fn succeeded(&self, address: Option<IpAddr>, user: &str) {
        let mut entries = self.entries();
        for key in keys(address, user) {
            entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const AWAY: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn waits_begin_after_the_free_failures_and_double() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait(HOME, "admin", t0), None);
            throttle.failed(HOME, "admin", t0);
        }
        assert_eq!(throttle.wait(HOME, "admin", t0), None);
        throttle.failed(HOME, "admin", t0);
        assert_eq!(
            throttle.wait(HOME, "admin", t0),
            Some(Duration::from_secs(1))
        );
        // The user is throttled from another address too, and the address for another user.
        assert_eq!(
            throttle.wait(AWAY, "admin", t0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            throttle.wait(HOME, "root", t0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(throttle.wait(AWAY, "root", t0), None);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(throttle.wait(HOME, "admin", t1), None);
        throttle.failed(HOME, "admin", t1);
        assert_eq!(
            throttle.wait(HOME, "admin", t1),
            Some(Duration::from_secs(2))
        );
        for _ in 0..40 {
            throttle.failed(HOME, "admin", t1);
        }
        assert_eq!(throttle.wait(HOME, "admin", t1), Some(MAX_WAIT));
        throttle.succeeded(HOME, "admin");
        assert_eq!(throttle.wait(HOME, "admin", t1), None);
    }

    #[test]
    fn memory_stays_bounded_under_a_spray_of_names() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..(MAX_ENTRIES + 500) {
            throttle.failed(None, &format!("user-{i}-{}", "x".repeat(1000)), now);
        }
        assert!(throttle.entries().len() <= MAX_ENTRIES);
        assert!(throttle.entries().keys().all(|k| match k {
            Key::User(u) => u.chars().count() <= 256,
            Key::Address(_) => true,
        }));
    }
}
