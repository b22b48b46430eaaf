//! Integration tests of the REST API: in-process through the router, and over real TCP
//! sockets against the `antimony-server` binary.

// Test helpers outside `#[test]` functions may fail loudly too.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::expect_used
)]
// `pub` items in test modules are for their sibling modules.
#![allow(unreachable_pub)]

mod auth;
#[cfg(feature = "clabernetes")]
mod clabernetes;
#[cfg(feature = "clabernetes")]
mod clabernetes_failures;
mod collections;
mod database;
mod harness;
mod hostile;
mod instances;
mod labs;
mod misc;
mod policy;
mod process;
mod security;
mod shells;
mod sockets;
mod ssh;
mod stack;
mod storage;
mod team;
mod topologies;
