//! Shared harness of stacknet's firmware under QEMU: instruction-count markers, a tiny
//! integer printer over semihosting (no `core::fmt`, so library flash can be measured),
//! the pass/fail exit, a panic handler, and the XOR experiment shared with the host test.
#![no_std]

pub mod out;
pub mod shift;
pub mod xor;

use core::hint::black_box;
#[cfg(target_arch = "arm")]
use cortex_m_semihosting::debug;
#[cfg(target_arch = "riscv32")]
use riscv_semihosting::debug;

/// Marker: the QEMU plugin (`scripts/embedded/plugin/insncount.c`) starts counting guest
/// instructions when this function is entered. `no_mangle` keeps the name for `nm`,
/// `inline(never)` keeps the call, and `black_box` of a constant different from
/// [`bench_end`]'s keeps the body from being deleted or folded with it.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bench_begin() {
    black_box(0xB0u32);
}

/// Marker: the plugin stops counting when this function is entered.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bench_end() {
    black_box(0xE0u32);
}

/// The current stack pointer. Inlined into the caller, so it reads the caller's own frame.
#[inline(always)]
pub fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: copies the stack pointer into a register; no memory is touched.
    #[cfg(target_arch = "arm")]
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    // SAFETY: as above.
    #[cfg(target_arch = "riscv32")]
    unsafe {
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// A [`xor::Probe`] that calls the markers around every step and records the stack pointer
/// of the frame that makes the calls, so the script can tell the step's own stack (below
/// that pointer) from the frames above it.
#[derive(Debug, Default)]
pub struct Markers {
    /// Stack pointer in the calling frame at the last `begin` (0 before the first).
    pub caller_sp: usize,
    /// Number of `begin` calls.
    pub regions: u32,
}

impl Markers {
    /// No region measured yet.
    pub const fn new() -> Self {
        Self {
            caller_sp: 0,
            regions: 0,
        }
    }

    /// Prints `regions=<n> caller_sp=0x<sp>` for the script.
    pub fn report(&self) {
        out::Line::new()
            .text("markers regions=")
            .dec(self.regions)
            .text(" caller_sp=0x")
            .hex(self.caller_sp as u32)
            .send();
    }
}

impl xor::Probe for Markers {
    #[inline(always)]
    fn begin(&mut self) {
        self.caller_sp = stack_pointer();
        self.regions = self.regions.wrapping_add(1);
        bench_begin();
    }
    #[inline(always)]
    fn end(&mut self) {
        bench_end();
    }
}

/// Ends the run: semihosting exit status 0 (pass) or 1 (fail), which QEMU passes on.
pub fn exit(pass: bool) -> ! {
    out::Line::new()
        .text(if pass {
            "verdict: PASS"
        } else {
            "verdict: FAIL"
        })
        .send();
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Any panic fails the run. The message is not formatted: that would link `core::fmt`.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    out::Line::new().text("panic").send();
    exit(false)
}

/// Prints the compile-time memory figures of model type `L` (`stacknet::Footprint`).
pub fn footprint<L: stacknet::Layer>() {
    let f = stacknet::Footprint::of::<L>();
    out::Line::new()
        .text("footprint params=")
        .dec(f.params as u32)
        .text(" grads=")
        .dec(f.grads as u32)
        .text(" cache=")
        .dec(f.cache as u32)
        .text(" workspace=")
        .dec(f.workspace as u32)
        .text(" adam=")
        .dec(f.adam as u32)
        .text(" train_sgd=")
        .dec(f.train_sgd() as u32)
        .text(" train_adam=")
        .dec(f.train_adam() as u32)
        .send();
}

/// Prints a training run's result and exits: pass when training finished, every output is
/// on the right side of 0.5, the loss is below 0.01 and the weights' checksum is `expected`
/// (bit-identical with the host, `tests/determinism.rs`).
pub fn finish_training(
    name: &str,
    trained: bool,
    outputs: [f32; 4],
    checksum: u32,
    expected: u32,
    markers: &Markers,
) -> ! {
    let loss = xor::mean_loss(&outputs);
    let pass = trained && xor::classifies(&outputs) && loss < 0.01 && checksum == expected;
    let mut line = out::Line::new();
    line.text(name)
        .text(": trained=")
        .dec(u32::from(trained))
        .text(" loss_e6=")
        .fixed(loss, 1e6)
        .text(" outputs_e3=");
    for (i, y) in outputs.iter().enumerate() {
        if i > 0 {
            line.text(",");
        }
        line.fixed(*y, 1e3);
    }
    line.text(" checksum=0x")
        .hex(checksum)
        .text(" expected=0x")
        .hex(expected)
        .send();
    markers.report();
    exit(pass)
}

/// Prints an inference run's outputs and exits: pass when every output is on the right
/// side of 0.5 and bit-identical with `expected_bits` (the host's outputs).
pub fn finish_inference(
    name: &str,
    outputs: [f32; 4],
    expected_bits: [u32; 4],
    markers: &Markers,
) -> ! {
    let same = outputs
        .iter()
        .zip(&expected_bits)
        .all(|(y, bits)| y.to_bits() == *bits);
    let pass = same && xor::classifies(&outputs);
    let mut line = out::Line::new();
    line.text(name).text(": outputs_e6=");
    for (i, y) in outputs.iter().enumerate() {
        if i > 0 {
            line.text(",");
        }
        line.fixed(*y, 1e6);
    }
    line.text(" bit_identical=").dec(u32::from(same)).send();
    markers.report();
    exit(pass)
}
