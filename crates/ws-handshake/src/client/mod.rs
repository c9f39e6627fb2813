//! The client side: building the opening request, then reading and verifying the response.

pub mod request;
pub mod response;
pub mod verify;
