//! Cross-crate integration tests of the backup SDK: each vendor crate's public client
//! against the in-process `backup-emulator`, on loopback only.
//!
//! The tests live in `tests/tests/`, their shared set-up (emulator, clients, fast waits) in
//! `tests/tests/common/mod.rs`:
//!
//! - `end_to_end.rs`: one backup per vendor API, started, waited for and seen in the
//!   vendor's list, in both auth modes where a vendor has two;
//! - `authentication.rs`: a wrong secret gives the vendor's authentication error, once,
//!   and creates nothing;
//! - `resilience.rs`: throttled creates complete after the announced delay with one backup;
//!   a create whose connection dies is an ambiguous outcome, sent once, and leaves exactly
//!   the backups the emulator's fault implies (0 before processing, 1 after);
//! - `timestamps.rs`: NCP and OCP read the same timestamp text as the same instant, and
//!   refuse the same impossible dates;
//! - `hostile_server.rs`: the public clients against a raw loopback server
//!   (`tests/tests/hostile/server.rs`) that sends malformed, endless, slow or reset answers:
//!   each ends in the typed error, after the right number of requests, without a secret in
//!   its text;
//! - `redirects.rs`: a redirect answered to any vendor call is a typed error naming the
//!   host it points at, sent once and never followed, whatever the body says;
//! - `hostile_items.rs`: the defects of issue 12 (panics, echoed secrets, control
//!   characters, credentials with CR/LF/NUL, millions of empty items) as the behaviour the
//!   SDK must have.
//!
//! This library itself has no code.
