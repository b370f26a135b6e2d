//! Tanhui's domain: the programme's vocabulary as types, with no IO and no web framework.
//!
//! Everything here also compiles for `wasm32-unknown-unknown`, so the browser form and the
//! server run the very same rules. Values that have rules are newtypes with one fallible
//! constructor; once built, they are valid.

pub mod lang;
pub mod unit_code;

pub use lang::{Lang, Localized};
pub use unit_code::{UnitCode, UnitCodeError, UnitLevel};
