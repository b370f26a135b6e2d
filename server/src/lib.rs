//! The `tanhui` server: settings, storage, the axum application and the CLI commands.
//!
//! `main.rs` only parses arguments and calls into here, so integration tests drive the very
//! same [`http::build`] router in-process and over a real port.

pub mod api;
pub mod auth;
pub mod cli;
pub mod entry;
pub mod export;
pub mod http;
pub mod import;
pub mod indicators;
pub mod records;
pub mod review;
pub mod seed;
pub mod serve;
pub mod settings;
pub mod storage;
pub mod telemetry;
pub mod views;
