//! Replays the committed seeds of the `deflate_message` fuzz target through its body.
#![cfg(feature = "deflate")]

#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[path = "../../../fuzz/bodies/deflate_message.rs"]
mod deflate_message;

#[test]
fn deflate_message_seeds() {
    replay::replay("deflate_message", deflate_message::run);
}
