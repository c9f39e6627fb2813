//! The `cluster` example against the Redis server of `WSIO_REDIS_URL` (which `cargo xtask
//! test` sets): two nodes in one process, a client on each, a broadcast crossing nodes.
//! Without it the test passes after printing a notice.

#[path = "../examples/cluster.rs"]
#[allow(dead_code)]
mod cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_the_client_of_the_other_node() {
    let Some(url) = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!("WSIO_REDIS_URL is not set: skipped (cargo xtask test sets it)");
        return;
    };
    let (io_a, a) = cluster::start_node("a", &url, "127.0.0.1:0")
        .await
        .expect("node a");
    let (io_b, b) = cluster::start_node("b", &url, "127.0.0.1:0")
        .await
        .expect("node b");
    cluster::until_nodes(&io_a, 2).await.expect("a sees b");
    cluster::until_nodes(&io_b, 2).await.expect("b sees a");
    let heard = cluster::chat_across(a, b, "hello from a")
        .await
        .expect("heard");
    assert_eq!(heard, ("a".to_owned(), "hello from a".to_owned()));
}
