//! The applications behind the `wsio` command line, as a library so that tests (and the load
//! benchmark's cluster nodes) run them in-process.
//!
//! * [`serve`] and [`demo`]: `wsio serve`, the Socket.IO chat demo with its page at `/` (on
//!   socket.io-client, see [`page`]), and
//!   with `--test-events` the interop test contract of `interop/README.md`.
//! * [`suite`]: `wsio serve --protocol-suite`, the application the official socket.io-protocol
//!   test suite drives.
//! * [`engine_echo`]: `wsio engine-echo`, an Engine.IO-only echo at `/engine.io/`, the server
//!   the official engine.io-protocol test suite drives.
//! * [`ws_echo`]: `wsio echo`, a raw WebSocket echo server, the one Autobahn tests.
//! * [`tls`] and [`cluster`]: what `wsio serve` needs behind a load balancer, its
//!   certificate (`--tls-cert`, `--tls-key`, read again on `SIGHUP`) and its adapter
//!   (`--adapter`, `--redis`); [`serve`] documents the drain on SIGTERM.
//! * `cert` (feature `webtransport`, on by default): `wsio cert`, the short-lived self-signed
//!   certificate that browsers pin for `wsio serve --webtransport`.
//!
//! The binary allocates with jemalloc (default feature `jemalloc`); the libraries it is built
//! on set no global allocator.

#[cfg(feature = "webtransport")]
pub mod cert;
pub mod cluster;
pub mod demo;
pub mod engine_echo;
pub mod metrics;
pub mod page;
pub mod serve;
mod shutdown;
pub mod suite;
pub mod tls;
pub mod ws_echo;
