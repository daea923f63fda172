//! Prints a run's outcome and exits: pass when it is the host's, bit for bit
//! (`expected.rs`, blessed by `tests/firmware_gru.rs`).

use crate::run::{self, Inferred, Outcome, Probe};
use fw_common::Markers;
use fw_common::out::Line;

/// The kit's instruction/stack markers around each measured region.
#[derive(Debug, Default)]
pub struct Measured(pub Markers);

impl Probe for Measured {
    #[inline(always)]
    fn begin(&mut self) {
        fw_common::xor::Probe::begin(&mut self.0);
    }
    #[inline(always)]
    fn end(&mut self) {
        fw_common::xor::Probe::end(&mut self.0);
    }
}

/// Prints the training memory by design, `<name>: before=.. after=.. of=.. steps=..
/// checksum=0x.. expected=0x.. identical=<0|1>` and the markers, then exits (pass iff
/// identical).
pub fn finish(name: &str, got: &Outcome, want: [u32; 4], probe: &Measured) -> ! {
    let identical = got.as_array() == want;
    let m = run::MEMORY;
    Line::new()
        .text("memory model=")
        .dec(m.model as u32)
        .text(" workspace=")
        .dec(m.workspace as u32)
        .text(" optimizer=")
        .dec(m.optimizer as u32)
        .text(" buffer=")
        .dec(m.buffer as u32)
        .send();
    Line::new()
        .text(name)
        .text(": before=")
        .dec(got.before)
        .text(" after=")
        .dec(got.after)
        .text(" of=")
        .dec(run::HELD_OUT.len() as u32)
        .text(" steps=")
        .dec(got.steps)
        .text(" checksum=0x")
        .hex(got.checksum)
        .text(" expected=0x")
        .hex(want[2])
        .text(" identical=")
        .dec(u32::from(identical))
        .send();
    probe.0.report();
    fw_common::exit(identical)
}

/// Prints `<name>: correct=.. of=.. checksum=0x.. expected=0x.. identical=<0|1>` and the
/// markers, then exits (pass iff every logit is the host's, bit for bit).
pub fn finish_inference(name: &str, got: &Inferred, want: [u32; 2], probe: &Measured) -> ! {
    let identical = [got.correct, got.checksum] == want;
    Line::new()
        .text(name)
        .text(": correct=")
        .dec(got.correct)
        .text(" of=")
        .dec(run::HELD_OUT.len() as u32)
        .text(" checksum=0x")
        .hex(got.checksum)
        .text(" expected=0x")
        .hex(want[1])
        .text(" identical=")
        .dec(u32::from(identical))
        .send();
    probe.0.report();
    fw_common::exit(identical)
}
