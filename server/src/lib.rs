//! The `tanhui` server: settings, storage, the axum application and the CLI commands.
//!
//! Layers, arrows pointing down: `http` and `api` (and `cli`) → [`service`] (the app-facing
//! use cases) → `storage`, `auth`, `indicators` (the live engine) → `domain`.
//!
//! `main.rs` only parses arguments and calls into here, so integration tests drive the very
//! same [`http::build`] router in-process and over a real port.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod export;
pub mod http;
pub mod import;
pub mod indicators;
mod layers;
pub mod metrics;
pub mod net;
pub mod records;
pub mod seed;
pub mod serve;
pub mod service;
pub mod settings;
pub mod state;
pub mod storage;
pub mod telemetry;
