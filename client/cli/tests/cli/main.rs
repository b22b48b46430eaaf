//! The `antimony` command line, run as a process against antimony-server (on a real TCP
//! socket, with the fake containerlab and fake Docker): one test per command, with its error
//! exits. The keychain is made unreachable for every run here (commands use --user and
//! --password); `login`/`logout` with a real keychain are in tests/keychain.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::expect_used
)]
#![allow(unreachable_pub)]

mod commands;
mod harness;
mod openid;
mod schedule;
mod sharing;
mod shell;
mod tls;
