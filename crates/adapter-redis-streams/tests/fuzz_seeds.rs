//! Replays the committed fuzz seeds of the cluster message decoder.

#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[path = "../../../fuzz/bodies/cluster_message.rs"]
mod cluster_message;

#[test]
fn cluster_message_seeds() {
    replay::replay("cluster_message", cluster_message::run);
}
