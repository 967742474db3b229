//! Nothing to build here: this package only holds `benches/huawei_vs_sigv4.rs`, which
//! measures backup-core's Huawei `SDK-HMAC-SHA256` signing next to `aws-sigv4` in one run.
//!
//! `cargo bench -- --warm-up-time 1 --measurement-time 3`
