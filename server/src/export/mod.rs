//! Exports for researchers and scripts: indicator tables and pseudonymised micro-data with a
//! codebook. Everything streams: rows go from the database cursor to CSV and out in chunks,
//! so memory does not grow with the data.

pub mod csv;
pub mod indicators;
pub mod microdata;
pub mod pseudonym;
pub mod run;
pub mod xlsx;
