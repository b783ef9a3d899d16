#![no_main]
#[path = "../src/notebook.rs"]
mod notebook;
libfuzzer_sys::fuzz_target!(|data: &[u8]| notebook::notebook(data));
