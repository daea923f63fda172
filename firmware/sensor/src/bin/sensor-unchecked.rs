//! `sensor-sgd` with stacknet's step minus its checks ([`sensor::unchecked_step`]): must
//! end with the same weights' checksum; the instruction difference is the checks' cost.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::xor::{Probe, checksum};
use fw_common::{Markers, out};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use sensor::{EPOCHS, LR, Sensor, init, unchecked_step};
use stacknet::optim::Sgd;
use stacknet::{Layer, Zero};

#[entry]
fn main() -> ! {
    let (mut net, xs, ts) = init();
    let mut cache = <Sensor as Layer>::Cache::ZERO;
    let mut markers = Markers::new();
    let Ok(mut opt) = Sgd::new(LR) else {
        fw_common::exit(false)
    };
    let (mut first, mut last) = (0.0, 0.0);
    for epoch in 0..EPOCHS {
        let mut sum = 0.0;
        for (x, t) in xs.iter().zip(&ts) {
            markers.begin();
            sum += unchecked_step(&mut net, &mut cache, &mut opt, x, t);
            markers.end();
        }
        if epoch == 0 {
            first = sum;
        }
        last = sum;
    }
    let falls = last < first;
    out::Line::new()
        .text("sensor-unchecked: checksum=0x")
        .hex(checksum(&net))
        .text(" loss_falls=")
        .dec(u32::from(falls))
        .send();
    markers.report();
    fw_common::exit(falls)
}
