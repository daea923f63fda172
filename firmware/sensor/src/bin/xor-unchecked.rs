//! XOR 2-4-1 SGD training as in `firmware/xor-train`'s `xor-sgd`, with stacknet's step
//! minus its checks ([`sensor::unchecked_step`]): must end with the host's checksum
//! (`SGD_CHECKSUM`); the instruction difference to `xor-sgd` is the checks' cost.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::xor::{self, Probe, Xor};
use fw_common::{Markers, out};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use sensor::unchecked_step;
use stacknet::optim::Sgd;
use stacknet::{Layer, Zero};

#[entry]
fn main() -> ! {
    let mut net = xor::init_model();
    let mut cache = <Xor as Layer>::Cache::ZERO;
    let mut markers = Markers::new();
    let Ok(mut opt) = Sgd::new(xor::SGD_LR) else {
        fw_common::exit(false)
    };
    for _ in 0..xor::SGD_EPOCHS {
        for (x, t) in xor::INPUTS.iter().zip(&xor::TARGETS) {
            markers.begin();
            unchecked_step(&mut net, &mut cache, &mut opt, x, t);
            markers.end();
        }
    }
    let outputs = xor::outputs(&net);
    let sum = xor::checksum(&net);
    out::Line::new()
        .text("xor-unchecked: checksum=0x")
        .hex(sum)
        .text(" classifies=")
        .dec(u32::from(xor::classifies(&outputs)))
        .send();
    markers.report();
    fw_common::exit(sum == xor::SGD_CHECKSUM)
}
