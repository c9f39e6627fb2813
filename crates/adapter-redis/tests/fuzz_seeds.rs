//! Replays the committed fuzz seeds of the Redis message decoder.

#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[path = "../../../fuzz/bodies/redis_message.rs"]
mod redis_message;

#[test]
fn redis_message_seeds() {
    replay::replay("redis_message", redis_message::run);
}
