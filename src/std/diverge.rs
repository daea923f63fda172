//! Stopping a host training loop that diverges, with a message that says what happened.
//!
//! [`run_epochs`] drives any per-epoch closure (a loop over [`Workspace::batch`] calls, a
//! call into your own data pipeline, ...) and stops as soon as the loss turns NaN or
//! infinite, grows for `patience` epochs in a row, or an epoch returns an error. The rule is
//! [`LossHistory`], which firmware can use directly without `std`.
//!
//! ```
//! use stacknet::{chain, Dense, Identity, Workspace, Zero, loss::Mse, optim::Sgd};
//! use stacknet::std::diverge::run_epochs;
//! type Line = chain![Dense<1, 1>, Identity<1>];
//! let xs = [[1.0], [2.0], [3.0]];
//! let ts = [[2.0], [4.0], [6.0]];
//! let mut net = Line::ZERO;
//! let mut ws = Workspace::<Line>::new();
//! // Far too large a learning rate: every step overshoots further.
//! let mut opt = Sgd::new(1.0).unwrap();
//! let stop = run_epochs(1000, 3, |_| ws.batch(&mut net, &mut opt, &Mse, &xs, &ts)).unwrap_err();
//! assert!(stop.to_string().contains("loss rose 3 epochs in a row"), "{stop}");
//! assert!(stop.losses.len() < 10);
//! ```
//!
//! [`Workspace::batch`]: crate::Workspace::batch

extern crate std;

use crate::error::TrainError;
use crate::history::{Diverged, LossHistory};
use core::fmt;
use std::vec::Vec;

/// Why [`run_epochs`] stopped before its last epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Reason {
    /// The loss became non-finite or kept growing.
    Diverged(Diverged),
    /// The epoch closure returned an error.
    Failed {
        /// 1-based epoch number.
        epoch: u32,
        /// The error it returned.
        error: TrainError,
    },
}

/// A run stopped early: the reason and every epoch loss up to and including the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct Stopped {
    /// Why it stopped.
    pub reason: Reason,
    /// Loss of each epoch that returned one, in order.
    pub losses: Vec<f32>,
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::Diverged(d) => write!(f, "{d}")?,
            Reason::Failed { epoch, error } => {
                write!(f, "training failed at epoch {epoch}: {error}")?;
            }
        }
        let tail = &self.losses[self.losses.len().saturating_sub(6)..];
        if !tail.is_empty() {
            f.write_str(" (last losses:")?;
            for l in tail {
                write!(f, " {l:.4e}")?;
            }
            f.write_str(")")?;
        }
        if let Reason::Diverged(_) = self.reason {
            f.write_str(
                "; try a lower learning rate, gradient clipping (stacknet::clip), \
                 or check the data for outliers",
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Stopped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            Reason::Diverged(d) => Some(d),
            Reason::Failed { error, .. } => Some(error),
        }
    }
}

/// Calls `epoch(n)` for `n = 1..=epochs`; each call trains one epoch and returns its loss.
/// Returns every epoch's loss.
///
/// # Errors
/// [`Stopped`] as soon as an epoch's loss is NaN or infinite, the loss has risen
/// `patience` epochs in a row (0 counts as 1) or grown past 100 times its best without
/// improving for `patience` epochs (see [`LossHistory`]), or `epoch` returns an error. Its `Display`
/// is a one-line explanation meant for a terminal.
pub fn run_epochs<F>(epochs: u32, patience: u32, mut epoch: F) -> Result<Vec<f32>, Stopped>
where
    F: FnMut(u32) -> Result<f32, TrainError>,
{
    let mut history = LossHistory::<1>::new(patience);
    let mut losses = Vec::new();
    for n in 1..=epochs {
        let loss = match epoch(n) {
            Ok(loss) => loss,
            Err(error) => {
                return Err(Stopped {
                    reason: Reason::Failed { epoch: n, error },
                    losses,
                });
            }
        };
        losses.push(loss);
        if let Err(d) = history.record(loss) {
            return Err(Stopped {
                reason: Reason::Diverged(d),
                losses,
            });
        }
    }
    Ok(losses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn completes_when_the_loss_falls() {
        let losses = run_epochs(5, 2, |n| Ok(1.0 / n as f32)).unwrap();
        assert_eq!(losses.len(), 5);
    }

    #[test]
    fn nan_stops_with_its_epoch() {
        let stop = run_epochs(10, 3, |n| Ok(if n == 4 { f32::NAN } else { 1.0 })).unwrap_err();
        assert_eq!(stop.losses.len(), 4);
        let msg = stop.to_string();
        assert!(
            msg.starts_with("training diverged at epoch 4: loss is NaN"),
            "{msg}"
        );
        assert!(msg.contains("lower learning rate"), "{msg}");
    }

    #[test]
    fn errors_are_passed_on() {
        let stop = run_epochs(10, 3, |n| {
            if n == 2 {
                Err(TrainError::EmptyBatch)
            } else {
                Ok(1.0)
            }
        })
        .unwrap_err();
        assert_eq!(
            stop.reason,
            Reason::Failed {
                epoch: 2,
                error: TrainError::EmptyBatch
            }
        );
        assert_eq!(
            stop.to_string(),
            "training failed at epoch 2: no sample accumulated before the update \
             (last losses: 1.0000e0)"
        );
    }
}
