//! Integration tests for the `tanhui` server: the real router in-process, over a real port,
//! and the real binary, against SQLite and against PostgreSQL.
//!
//! Every scenario runs on both backends (`…::sqlite` and `…::postgres`). The PostgreSQL cases
//! need `TANHUI_TEST_PG_URL` (an admin URL such as `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test gets a fresh database that is dropped afterwards. Without the variable they fail
//! loudly rather than pass: `make test` skips them by name and says so.

mod helpers;

mod access;
mod audit_chain;
mod auth;
mod backup;
mod binary;
mod dashboard;
mod encryption;
mod entry;
mod exports;
mod health;
mod hostile;
mod import;
mod indicators;
mod offline;
mod openapi;
mod operations;
mod pages;
mod privacy;
mod records;
mod review;
mod second_factor;
mod seed;
mod server_fns;
mod setup;
mod snapshots;
mod storage;
