//! Sans-I/O RFC 6455 frames.
