//! Sans-I/O Engine.IO v4 and Socket.IO v5 packets.
