//! The import's XLSX reader on any bytes (started from real workbooks): read or refused with
//! a message, never a panic, an abort or an allocation past libFuzzer's limit.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = server::import::xlsx::read(data);
});
