//! Trains the 16-32-4 net with stacknet's per-sample SGD step, markers around every step;
//! prints the weights' checksum (FNV-1a of the parameter bits, compared with the C
//! yardstick's by scripts/yardstick.sh) and passes when the epoch loss fell.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::xor::{Probe, checksum};
use fw_common::{Markers, out};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use sensor::{EPOCHS, LR, Sensor, init, step};
use stacknet::StepWorkspace;
use stacknet::optim::Sgd;

#[entry]
fn main() -> ! {
    let (mut net, xs, ts) = init();
    let mut ws = StepWorkspace::<Sensor>::new();
    let mut markers = Markers::new();
    let Ok(mut opt) = Sgd::new(LR) else {
        fw_common::exit(false)
    };
    let (mut first, mut last, mut refused) = (0.0, 0.0, false);
    for epoch in 0..EPOCHS {
        let mut sum = 0.0;
        for (x, t) in xs.iter().zip(&ts) {
            markers.begin();
            let done = step(&mut net, &mut ws, &mut opt, x, t);
            markers.end();
            match done {
                Ok(loss) => sum += loss,
                Err(_) => refused = true,
            }
        }
        if epoch == 0 {
            first = sum;
        }
        last = sum;
    }
    let falls = !refused && last < first;
    out::Line::new()
        .text("sensor-sgd: checksum=0x")
        .hex(checksum(&net))
        .text(" loss_falls=")
        .dec(u32::from(falls))
        .send();
    markers.report();
    fw_common::exit(falls)
}
