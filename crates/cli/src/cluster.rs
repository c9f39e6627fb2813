//! The adapter of `wsio serve --adapter`: how the servers of a cluster reach each other's
//! clients.

use std::time::Duration;

use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_adapter_redis_streams::{
    ShardedAdapterConfig, ShardedCluster, StreamsAdapterConfig, StreamsCluster,
};
use wsio_server::AdapterFactory;

/// Which adapter the namespaces get.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum AdapterKind {
    /// In memory: a single server.
    #[default]
    Local,
    /// Redis pub/sub, as Node's `@socket.io/redis-adapter` (`createAdapter`).
    Redis,
    /// Redis 7 sharded pub/sub (`SSUBSCRIBE`), as Node's `createShardedAdapter`.
    RedisSharded,
    /// Redis Streams, as Node's `@socket.io/redis-streams-adapter`; connection state
    /// recovery works across servers.
    RedisStreams,
}

/// The cluster settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// The adapter. Default [`AdapterKind::Local`].
    pub adapter: AdapterKind,
    /// The Redis server, `redis://[user:password@]host:port[/db]`; needed by the Redis
    /// adapters.
    pub redis_url: Option<String>,
    /// Prefix of the channels (and of the stream's name), the same on every server of the
    /// cluster. Default `socket.io`, as Node's adapters.
    pub key_prefix: String,
    /// How long requests to the other servers (fetching sockets, server-side emits with
    /// acks) wait for their answers. Default 5 s.
    pub request_timeout: Duration,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            adapter: AdapterKind::Local,
            redis_url: None,
            key_prefix: "socket.io".to_owned(),
            request_timeout: Duration::from_secs(5),
        }
    }
}

impl ClusterOptions {
    /// Connects to Redis for the chosen adapter and returns its factory (`None` for the
    /// in-memory adapter). Fails when Redis cannot be reached now.
    pub async fn connect(&self) -> Result<Option<AdapterFactory>, String> {
        if self.adapter == AdapterKind::Local {
            return Ok(None);
        }
        let url = self
            .redis_url
            .as_deref()
            .ok_or("the Redis adapters need --redis URL")?;
        let failed = |e: &dyn std::fmt::Display| {
            format!("cannot reach Redis at {}: {e}", without_password(url))
        };
        let factory = match self.adapter {
            AdapterKind::Local => return Ok(None),
            AdapterKind::Redis => {
                let config = RedisAdapterConfig {
                    key: self.key_prefix.clone(),
                    requests_timeout: self.request_timeout,
                    ..RedisAdapterConfig::default()
                };
                RedisCluster::connect(url, config)
                    .await
                    .map_err(|e| failed(&e))?
                    .factory()
            }
            AdapterKind::RedisSharded => {
                let config = ShardedAdapterConfig {
                    channel_prefix: self.key_prefix.clone(),
                    requests_timeout: self.request_timeout,
                    ..ShardedAdapterConfig::default()
                };
                ShardedCluster::connect(url, config)
                    .await
                    .map_err(|e| failed(&e))?
                    .factory()
            }
            AdapterKind::RedisStreams => {
                let config = StreamsAdapterConfig {
                    stream_name: self.key_prefix.clone(),
                    channel_prefix: self.key_prefix.clone(),
                    requests_timeout: self.request_timeout,
                    ..StreamsAdapterConfig::default()
                };
                StreamsCluster::connect(url, config)
                    .await
                    .map_err(|e| failed(&e))?
                    .factory()
            }
        };
        Ok(Some(factory))
    }
}

/// `url` with the password of its user information (`redis://user:secret@host`) masked, for
/// messages and logs.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            without_password("redis://app:s3cret@10.0.0.5:6379/2"),
            "redis://app:***@10.0.0.5:6379/2"
        );
        assert_eq!(
            without_password("rediss://:s3cret@cache:6380"),
            "rediss://:***@cache:6380"
        );
        assert_eq!(
            without_password("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
