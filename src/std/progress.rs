//! A terminal progress bar for [`fit`](crate::std::fit::fit) (feature `progress`).
//!
//! One bar over every mini-batch of the run, with the last epoch's loss and accuracy as its
//! message, and one summary line per epoch printed above it. When stderr is not a terminal
//! (CI logs) the bar hides itself and only the epoch lines are printed, on stdout.

extern crate std;

use crate::std::fit::{EpochStats, Event};
use indicatif::{ProgressBar, ProgressStyle};
use std::format;
use std::println;
use std::string::String;

/// A progress bar that follows a training run. Pass [`TrainingBar::observe`] to `fit`.
///
/// ```
/// use stacknet::std::{fit::Event, progress::TrainingBar};
/// let mut bar = TrainingBar::new("demo", 2, 10);
/// // In a real run: fit(&mut model, &mut opt, &loss, &train, None, &config, |e| bar.observe(e))
/// bar.observe(Event::Batch { epoch: 1, done: 1, batches: 10 });
/// bar.finish();
/// ```
#[derive(Debug)]
pub struct TrainingBar {
    bar: ProgressBar,
    name: String,
    batches: usize,
}

impl TrainingBar {
    /// A bar for `epochs` epochs of `batches` mini-batches each, labelled `name`.
    pub fn new(name: &str, epochs: usize, batches: usize) -> Self {
        let bar = ProgressBar::new((epochs * batches) as u64);
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} batches, eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(String::from(name));
        Self {
            bar,
            name: String::from(name),
            batches,
        }
    }

    /// Updates the bar from one training event.
    pub fn observe(&mut self, event: Event<'_>) {
        match event {
            Event::Batch { epoch, done, .. } => {
                let pos = (epoch.saturating_sub(1) * self.batches + done) as u64;
                self.bar.set_position(pos);
            }
            Event::Epoch(stats) => {
                let line = epoch_line(&self.name, stats);
                self.bar.set_message(format!(
                    "loss {:.4}, train {:.2}%",
                    stats.train_loss,
                    100.0 * stats.train_accuracy
                ));
                self.bar.suspend(|| println!("{line}"));
            }
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// One human-readable line for an epoch, e.g.
/// `mnist epoch 3: loss 0.2512, train 93.10%, test 90.40% (0.8 s)`.
pub fn epoch_line(name: &str, s: &EpochStats) -> String {
    let mut line = format!(
        "{name} epoch {}: loss {:.4}, train {:.2}%",
        s.epoch,
        s.train_loss,
        100.0 * s.train_accuracy
    );
    if let Some(t) = s.test_accuracy {
        line.push_str(&format!(", test {:.2}%", 100.0 * t));
    }
    if s.skipped > 0 {
        line.push_str(&format!(", {} skipped", s.skipped));
    }
    line.push_str(&format!(" ({:.2} s)", s.elapsed.as_secs_f32()));
    line
}
