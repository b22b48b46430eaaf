//! The client against antimony-server on a real TCP socket.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::expect_used
)]
#![allow(unreachable_pub)]

mod chaos;
mod discovery;
mod editor;
mod reference;
mod rest;
mod session;
mod shells;
