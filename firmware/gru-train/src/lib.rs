//! GRU training firmware (issue 18): the BasicMotions GRU classifier, pre-trained on the
//! host, sits in flash as a `static`; the device meets the same activities through an IMU
//! mounted upside down, keeps the latest windows in a `ReplayBuffer` and fine-tunes a RAM
//! copy with per-sample Adam, then measures held-out accuracy before and after. `run` is
//! the experiment (shared with the host test), `report` prints and checks its outcome.
#![no_std]

pub mod expected;
#[rustfmt::skip]
pub mod model;
pub mod report;
pub mod run;
#[rustfmt::skip]
pub mod samples;
