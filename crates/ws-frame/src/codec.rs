//! tokio-util [`Decoder`]/[`Encoder`] adapters (feature `codec`, on by default).
//!
//! These are trait impls only: they let `FramedRead`/`FramedWrite` drive the sans-I/O decoder
//! and encoder, and pull in no tokio runtime.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::{Error, Frame, FrameDecoder, FrameEncoder, Limits, Role};

/// A frame decoder and encoder for one side of a connection, as one tokio-util codec.
///
/// ```
/// use bytes::BytesMut;
/// use tokio_util::codec::{Decoder, Encoder};
/// use ws_frame::{Frame, FrameCodec, Role};
///
/// let mut client = FrameCodec::new(Role::Client);
/// let mut server = FrameCodec::new(Role::Server);
/// let mut wire = BytesMut::new();
/// client.encode(Frame::text("hi"), &mut wire).unwrap();
/// let frame = server.decode(&mut wire).unwrap().unwrap();
/// assert_eq!(&frame.payload[..], b"hi");
/// ```
#[derive(Debug, Clone)]
pub struct FrameCodec {
    /// The decoding half.
    pub decoder: FrameDecoder,
    /// The encoding half.
    pub encoder: FrameEncoder,
}

impl FrameCodec {
    /// A codec for `role` with the default limits.
    pub fn new(role: Role) -> Self {
        FrameCodec::with_limits(role, &Limits::default())
    }

    /// A codec for `role` with the given limits.
    pub fn with_limits(role: Role, limits: &Limits) -> Self {
        FrameCodec {
            decoder: FrameDecoder::with_limits(role, limits),
            encoder: FrameEncoder::new(role),
        }
    }
}

impl Decoder for FrameDecoder {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        FrameDecoder::decode(self, src)
    }
}

impl Encoder<Frame> for FrameEncoder {
    type Error = Error;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), Error> {
        FrameEncoder::encode(self, &frame, dst);
        Ok(())
    }
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        self.decoder.decode(src)
    }
}

impl Encoder<Frame> for FrameCodec {
    type Error = Error;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), Error> {
        self.encoder.encode(&frame, dst);
        Ok(())
    }
}
