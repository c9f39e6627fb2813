//! Which sockets an operation addresses: rooms, and the options and flags of a broadcast.

use std::time::Duration;

use wsio_engine::Sid;

/// A room name. Every socket is also in the room named after its id.
pub type Room = String;

/// One room or several: what [`Socket::join`](crate::Socket::join), the `to`, `within` and
/// `except` of a [`BroadcastOperator`](crate::BroadcastOperator) and their kin take. One room
/// is a `&str`, a `String` (a [`Room`]) or a socket id ([`Sid`], the socket's own room);
/// several are an array, a `Vec` or a slice of anything that converts into a `Room`.
///
/// ```
/// # async fn demo(socket: wsio_server::Socket) -> wsio_server::Result<()> {
/// socket.join("lobby").await?;
/// socket.join(["red", "blue"]).await?;
/// socket.join(vec![String::from("green")]).await?;
/// let rooms = ["a", "b"];
/// socket.within(&rooms[..]).emit("hello", &()).await?;
/// # Ok(()) }
/// ```
pub trait IntoRooms {
    /// Appends the rooms to `rooms`.
    fn extend_rooms(self, rooms: &mut Vec<Room>);

    /// The rooms as a list.
    fn into_rooms(self) -> Vec<Room>
    where
        Self: Sized,
    {
        let mut rooms = Vec::new();
        self.extend_rooms(&mut rooms);
        rooms
    }
}

impl IntoRooms for &str {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.push(self.to_owned());
    }
}

impl IntoRooms for String {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.push(self);
    }
}

impl IntoRooms for &String {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.push(self.clone());
    }
}

impl IntoRooms for &Sid {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.push(self.as_str().to_owned());
    }
}

impl IntoRooms for Sid {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        (&self).extend_rooms(rooms);
    }
}

impl<T: Into<Room>, const N: usize> IntoRooms for [T; N] {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.extend(self.into_iter().map(Into::into));
    }
}

impl<T: Into<Room>> IntoRooms for Vec<T> {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.extend(self.into_iter().map(Into::into));
    }
}

impl<T: Into<Room> + Clone> IntoRooms for &[T] {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        rooms.extend(self.iter().cloned().map(Into::into));
    }
}

impl<T: Into<Room> + Clone> IntoRooms for &Vec<T> {
    fn extend_rooms(self, rooms: &mut Vec<Room>) {
        self.as_slice().extend_rooms(rooms);
    }
}

/// Flags of a broadcast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Drop the packet for recipients whose queue is full instead of closing them; volatile
    /// packets are never kept for connection state recovery.
    pub volatile: bool,
    /// Deliver on this server only, even with an adapter spanning several servers.
    pub local: bool,
    /// How long the emitter waits for acknowledgements (broadcasts with acks only).
    pub timeout: Option<Duration>,
}

/// Which sockets an operation addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Sockets in any of these rooms; all sockets of the namespace when empty.
    pub rooms: Vec<Room>,
    /// Minus the sockets in any of these rooms.
    pub except: Vec<Room>,
    /// Delivery flags.
    pub flags: BroadcastFlags,
}
