//! Fuzzes the int8 import paths with arbitrary bytes: `stacknet::std::tflite::import`
//! (the hand-written FlatBuffers reader) and `QModelSpec::from_bytes` (the `SNQ8` file).
//!
//! Checked properties:
//! - no input makes either reader panic;
//! - an accepted `SNQ8` file writes back to the very same bytes;
//! - an imported `.tflite` model survives its own `SNQ8` round trip unchanged.
//!
//! Random bytes almost never carry a valid CRC-32, so each input is also tried as an
//! `SNQ8` file "resealed" (its last four bytes replaced by the CRC of the rest), which
//! lets the fuzzer reach the layer records behind the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacknet::format::crc32;
use stacknet::std::quantized_model::QModelSpec;
use stacknet::std::tflite::import;

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = import(data) {
        let bytes = spec.to_bytes();
        assert_eq!(QModelSpec::from_bytes(&bytes).as_ref(), Ok(&spec));
    }
    if let Ok(spec) = QModelSpec::from_bytes(data) {
        assert_eq!(spec.to_bytes(), data);
    }
    if data.len() >= 4 {
        let mut sealed = data.to_vec();
        let n = sealed.len() - 4;
        let crc = crc32(&sealed[..n]);
        sealed[n..].copy_from_slice(&crc.to_le_bytes());
        if let Ok(spec) = QModelSpec::from_bytes(&sealed) {
            assert_eq!(spec.to_bytes(), sealed);
        }
    }
});
