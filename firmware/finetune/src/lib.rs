//! Fine-tuning firmware (issue 12): a LeNet-style CNN pre-trained on MNIST on the host sits
//! in flash as a `static`; the device adapts it to shifted digits three ways and reports
//! held-out accuracy before and after. `run` is the experiment (shared with the host test),
//! `report` prints and checks its outcome on the device.
#![no_std]

pub use fw_common::shift;

pub mod expected;
#[rustfmt::skip]
pub mod lenet;
pub mod report;
pub mod run;
#[rustfmt::skip]
pub mod samples;
