//! What a handler may return: nothing (a plain closure) or a future (an `async` one).

/// Marks plain handlers, which return nothing: they run to their end at once, in arrival
/// order.
#[derive(Debug)]
pub struct Plain(());

/// Marks `async` handlers: the part before their first `.await` that is not ready runs at
/// once, in arrival order; the rest runs as a task, concurrently with later events.
#[derive(Debug)]
pub struct Async(());

/// What a handler returns: `()` for a plain closure, or a future (an `async` block or
/// function) for an `async` one. `M` is [`Plain`] or [`Async`]; it only tells the two
/// implementations apart and is always inferred, so closure parameter types still are too.
///
/// Every handler the server takes accepts both kinds: [`Socket::on`](crate::Socket::on),
/// [`Socket::on_disconnecting`](crate::Socket::on_disconnecting),
/// [`Socket::on_disconnect`](crate::Socket::on_disconnect), the connection handler of
/// [`Server::ns`](crate::Server::ns) and [`Server::dynamic_ns`](crate::Server::dynamic_ns),
/// and [`Namespace::on_server_side`](crate::Namespace::on_server_side).
///
/// ```
/// use std::time::Duration;
/// use wsio_server::{Config, Server};
///
/// let io = Server::new(Config::default());
/// io.ns("/", |socket| {
///     // Either kind of handler, registered the same way.
///     socket.on("plain", |socket, (text,): (String,), _ack| {
///         let _ = socket.emit("plain", &(text,));
///     });
///     socket.on("slow", |socket, (ms,): (u64,), _ack| async move {
///         tokio::time::sleep(Duration::from_millis(ms)).await;
///         let _ = socket.emit("done", &(ms,));
///     });
/// });
/// ```
pub trait HandlerOutput<M>: Send + 'static {
    /// Runs what is left of the handler after its call returned.
    fn finish(self);
}

impl HandlerOutput<Plain> for () {
    #[inline]
    fn finish(self) {}
}

/// Names the never type `!` on stable Rust: the return type of a `fn() -> !`.
pub trait Returns {
    /// What the function returns.
    type Output;
}

impl<T> Returns for fn() -> T {
    type Output = T;
}

/// A handler whose body never returns (it panics or loops): a plain one.
impl HandlerOutput<Plain> for <fn() -> ! as Returns>::Output {
    fn finish(self) {}
}

impl<F> HandlerOutput<Async> for F
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    fn finish(self) {
        crate::eager::run(self);
    }
}
