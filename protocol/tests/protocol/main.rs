//! Integration tests of the wire contract, against JSON fixtures written from the shapes in
//! PROTOCOL.md (quirks of the Go server included).

// Test helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod bindings;
mod claims;
mod commands;
mod fixtures;
mod frozen;
mod hostile;
mod names;
mod query;
mod rejection;
mod round_trip;
mod tolerant;
