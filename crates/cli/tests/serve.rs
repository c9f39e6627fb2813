//! `wsio serve` as a load balancer sees it: `/healthz` answers while it accepts connections,
//! the demo page at `/`, 404 elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use binary::{get, serve, stop};

#[test]
fn healthz_the_page_and_unknown_paths() {
    let (child, port) = serve(&["--backlog", "2048"]);
    let health = get(port, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("\r\n\r\nok"), "{health}");
    assert!(get(port, "/").starts_with("HTTP/1.1 200"));
    assert!(get(port, "/nowhere").starts_with("HTTP/1.1 404"));
    stop(child);
}
