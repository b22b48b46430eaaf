//! `cluster:` in `config.yml`: several server instances behind one name (docs/scaling-out.md).
//! `cluster.redis` names the Redis server the instances share (Socket.IO's Redis adapter and
//! the forwarding of lab commands to a lab's owner); `cluster.instance` names this instance
//! (default: the host name and a random suffix, so two processes never share one);
//! `cluster.leaseSeconds` is how long a lab stays owned by an instance that stopped renewing
//! its leases (it died) before another one takes it over.
//!
//! Without `cluster.redis` the server is a single instance, exactly as before.

use std::time::Duration;

use serde::Deserialize;

use crate::{Error, Result};

/// The default lease: an owner that has not renewed for this long is taken for dead.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);

/// The settings of an instance among several.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// The Redis server (`redis://host:port/db`, `rediss://…`), with its password if any.
    pub redis: String,
    /// This instance's name, unique among the instances.
    pub instance: String,
    /// How long leases last without renewal (renewed every third of it).
    pub lease: Duration,
}

impl std::fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("ClusterConfig")
            .field("redis", &"<redacted>")
            .field("instance", &self.instance)
            .field("lease", &self.lease)
            .finish()
    }
}

impl ClusterConfig {
    /// Settings for `redis` with a fresh instance name and the default lease.
    pub fn new(redis: impl Into<String>) -> Self {
        ClusterConfig {
            redis: redis.into(),
            instance: default_instance(),
            lease: DEFAULT_LEASE,
        }
    }
}

/// `<host name>-<8 random hex digits>`.
pub(super) fn default_instance() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| valid_instance(h))
        .unwrap_or_else(|| "antimony".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}", &suffix[..8])
}

/// Instance names go into Redis channel names and the database: 1 to 64 characters of
/// `[A-Za-z0-9_.-]`.
pub fn valid_instance(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The `cluster` keys of `config.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct ClusterSection {
    redis: Option<String>,
    instance: Option<String>,
    lease_seconds: Option<u64>,
}

impl ClusterSection {
    /// The settings when `cluster.redis` is set.
    pub(super) fn cluster(self) -> Result<Option<ClusterConfig>> {
        let Some(redis) = self
            .redis
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
        else {
            if self.instance.is_some() || self.lease_seconds.is_some() {
                return Err(Error::Config(
                    "cluster.instance and cluster.leaseSeconds need cluster.redis".into(),
                ));
            }
            return Ok(None);
        };
        if !(redis.starts_with("redis://") || redis.starts_with("rediss://")) {
            return Err(Error::Config(
                "cluster.redis must be a redis:// or rediss:// URL".into(),
            ));
        }
        let mut config = ClusterConfig::new(redis);
        if let Some(instance) = self.instance.map(|i| i.trim().to_owned()) {
            if !valid_instance(&instance) {
                return Err(Error::Config(format!(
                    "cluster.instance {instance:?} must be 1 to 64 characters of letters, \
                     digits, '_', '.' and '-'"
                )));
            }
            config.instance = instance;
        }
        match self.lease_seconds {
            Some(seconds @ 3..=3600) => config.lease = Duration::from_secs(seconds),
            Some(seconds) => {
                return Err(Error::Config(format!(
                    "cluster.leaseSeconds {seconds} must be between 3 and 3600"
                )));
            }
            None => {}
        }
        Ok(Some(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Result<Option<ClusterConfig>> {
        serde_norway::from_str::<ClusterSection>(text)
            .map_err(|e| Error::Config(e.to_string()))?
            .cluster()
    }

    #[test]
    fn no_redis_is_a_single_instance() {
        assert_eq!(section("{}").unwrap(), None);
        assert!(section("instance: a").is_err());
    }

    #[test]
    fn keys_are_read_and_checked() {
        let config = section("redis: redis://127.0.0.1:6379\ninstance: east-1\nleaseSeconds: 6")
            .unwrap()
            .unwrap();
        assert_eq!(config.redis, "redis://127.0.0.1:6379");
        assert_eq!(config.instance, "east-1");
        assert_eq!(config.lease, Duration::from_secs(6));
        assert!(section("redis: http://x").is_err());
        assert!(section("redis: redis://x\ninstance: 'a b'").is_err());
        assert!(section("redis: redis://x\nleaseSeconds: 1").is_err());
        assert!(!format!("{config:?}").contains("127.0.0.1"));
    }

    #[test]
    fn default_names_differ() {
        let (a, b) = (default_instance(), default_instance());
        assert_ne!(a, b);
        assert!(valid_instance(&a), "{a}");
    }
}
