//! Prints one setting's outcome and exits: pass when it is the host's, bit for bit
//! (`expected.rs`, blessed by `tests/firmware_finetune.rs`).

use crate::run::{self, Memory, Outcome, Probe};
use fw_common::Markers;
use fw_common::out::Line;

/// The kit's instruction/stack markers around each training step.
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

/// Prints `finetune: setting=<name> before=.. after=.. of=.. steps=.. checksum=0x..
/// expected=0x.. identical=<0|1>`, the markers, and exits (pass iff identical).
pub fn finish(name: &str, got: &Outcome, want: [u32; 4], memory: &Memory, probe: &Measured) -> ! {
    let identical = [got.before, got.after, got.checksum, got.steps] == want;
    Line::new()
        .text("memory trained=")
        .dec(memory.trained as u32)
        .text(" workspace=")
        .dec(memory.workspace as u32)
        .text(" optimizer=")
        .dec(memory.optimizer as u32)
        .text(" buffer=")
        .dec(memory.buffer as u32)
        .text(" scratch=")
        .dec(memory.scratch as u32)
        .send();
    Line::new()
        .text("finetune: setting=")
        .text(name)
        .text(" before=")
        .dec(got.before)
        .text(" after=")
        .dec(got.after)
        .text(" of=")
        .dec(run::HELD_OUT_SAMPLES as u32)
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
