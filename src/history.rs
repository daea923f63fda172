//! Loss history and divergence detection, without a heap: usable in firmware that trains
//! on the device as well as in host training loops.
//!
//! [`LossHistory`] takes one loss per epoch (or per any period the caller likes) and says
//! when training has gone wrong: the loss became NaN or infinite, it rose `patience` times
//! in a row, or it has grown past `growth_limit` times its best without a new best for
//! `patience` epochs (growth that zig-zags, such as ×10 then ÷5 every epoch, never rises
//! many times in a row). It keeps the last `N` losses in a small ring so the caller can
//! show what happened.
//!
//! The ring is hand-written rather than `heapless::HistoryBuf`: HistoryBuf indexes with
//! run-time checks, which leave `panic_bounds_check` paths in a release build, and this type
//! is on the no-panic path proved by `tools/nopanic` (see `docs/RELIABILITY.md`).
//!
//! ```
//! use stacknet::history::{Diverged, LossHistory};
//! let mut h = LossHistory::<4>::new(3);
//! for loss in [1.0, 0.8, 0.9, 0.7] {
//!     assert!(h.record(loss).is_ok()); // one rise is not divergence
//! }
//! assert!(h.record(0.75).is_ok() && h.record(0.8).is_ok());
//! let err = h.record(2.0).unwrap_err(); // third rise in a row
//! assert_eq!(err, Diverged::Growing { epoch: 7, rises: 3, from: 0.7, to: 2.0 });
//! assert!(h.recent().eq([0.7, 0.75, 0.8, 2.0]));
//! ```

use core::fmt;

/// Why training was judged to diverge. Epochs count from 1 (the first recorded loss).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Diverged {
    /// The loss of epoch `epoch` is NaN or infinite.
    NonFinite {
        /// The epoch whose loss was not finite.
        epoch: u32,
        /// The loss itself (NaN, `+∞` or `−∞`).
        loss: f32,
    },
    /// The loss rose in each of the last `rises` epochs, from `from` to `to`.
    Growing {
        /// The epoch at which patience ran out.
        epoch: u32,
        /// Consecutive rises (equal to the patience).
        rises: u32,
        /// The loss just before the first of these rises.
        from: f32,
        /// The latest loss.
        to: f32,
    },
    /// The loss is more than the growth limit times its best, with no new best for
    /// `patience` epochs.
    Exploded {
        /// The epoch at which it was detected.
        epoch: u32,
        /// The lowest loss recorded.
        best: f32,
        /// The latest loss.
        loss: f32,
    },
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NonFinite { epoch, loss } => {
                write!(f, "training diverged at epoch {epoch}: loss is {loss}")
            }
            Self::Growing {
                epoch,
                rises,
                from,
                to,
            } => write!(
                f,
                "training diverged at epoch {epoch}: loss rose {rises} epochs in a row, \
                 from {from} to {to}"
            ),
            Self::Exploded { epoch, best, loss } => write!(
                f,
                "training diverged at epoch {epoch}: loss {loss} is far above its best {best} \
                 and has not improved for a while"
            ),
        }
    }
}

impl core::error::Error for Diverged {}

/// The last `N` losses, the best one, and a divergence check.
///
/// `N` only sets how many recent losses are kept for display (`N ≥ 1`, checked at compile
/// time); the divergence rule uses `patience`, which may be larger than `N`.
/// Size: `4·N` bytes plus a few words.
#[derive(Debug, Clone)]
pub struct LossHistory<const N: usize> {
    /// Ring of the last `len` losses; the next one goes to `next`.
    ring: [f32; N],
    next: usize,
    len: usize,
    patience: u32,
    epochs: u32,
    rises: u32,
    rise_from: f32,
    best: f32,
    since_best: u32,
    growth_limit: f32,
}

impl<const N: usize> LossHistory<N> {
    /// An empty history that reports divergence after `patience` consecutive rises.
    /// A `patience` of 0 is taken as 1 (any rise diverges).
    pub const fn new(patience: u32) -> Self {
        const { assert!(N > 0, "LossHistory<N> needs N > 0") };
        Self {
            ring: [0.0; N],
            next: 0,
            len: 0,
            patience: if patience == 0 { 1 } else { patience },
            epochs: 0,
            rises: 0,
            rise_from: f32::NAN,
            best: f32::INFINITY,
            since_best: 0,
            growth_limit: Self::GROWTH_LIMIT,
        }
    }

    /// The default growth limit: a loss 100 times its best, with no new best for
    /// `patience` epochs, is divergence.
    pub const GROWTH_LIMIT: f32 = 100.0;

    /// The same history with another growth limit (see [`Diverged::Exploded`]); a limit
    /// that is NaN or below 1 is taken as the default.
    pub const fn with_growth_limit(mut self, limit: f32) -> Self {
        self.growth_limit = if limit >= 1.0 {
            limit
        } else {
            Self::GROWTH_LIMIT
        };
        self
    }

    /// Records the loss of the next epoch.
    ///
    /// A loss equal to the previous one breaks a run of rises, as does any fall.
    ///
    /// # Errors
    /// [`Diverged::NonFinite`] if `loss` is NaN or infinite (it is still recorded);
    /// [`Diverged::Growing`] when this is the `patience`-th rise in a row.
    pub fn record(&mut self, loss: f32) -> Result<(), Diverged> {
        let previous = self.last();
        self.push(loss);
        self.epochs = self.epochs.saturating_add(1);
        if !loss.is_finite() {
            return Err(Diverged::NonFinite {
                epoch: self.epochs,
                loss,
            });
        }
        if loss < self.best {
            self.best = loss;
            self.since_best = 0;
        } else {
            self.since_best = self.since_best.saturating_add(1);
        }
        match previous {
            Some(p) if loss > p => {
                if self.rises == 0 {
                    self.rise_from = p;
                }
                self.rises = self.rises.saturating_add(1);
            }
            _ => self.rises = 0,
        }
        if self.rises >= self.patience {
            return Err(Diverged::Growing {
                epoch: self.epochs,
                rises: self.rises,
                from: self.rise_from,
                to: loss,
            });
        }
        // A best of 0 has no meaningful ratio; `best · limit` may be ∞, which never trips.
        if self.since_best >= self.patience
            && self.best > 0.0
            && loss > self.best * self.growth_limit
        {
            return Err(Diverged::Exploded {
                epoch: self.epochs,
                best: self.best,
                loss,
            });
        }
        Ok(())
    }

    /// Losses recorded so far (saturates at `u32::MAX`).
    pub fn epochs(&self) -> u32 {
        self.epochs
    }

    fn push(&mut self, loss: f32) {
        // `get_mut`, not indexing: no bounds-check panic path (next < N anyway).
        if let Some(slot) = self.ring.get_mut(self.next) {
            *slot = loss;
        }
        // Written so that no addition can overflow even for a `next` the optimizer cannot
        // bound (tools/nopanic proves the absence of overflow, not just of indexing).
        self.next = if self.next >= N - 1 { 0 } else { self.next + 1 };
        if self.len < N {
            self.len += 1;
        }
    }

    /// The most recent loss, if any.
    pub fn last(&self) -> Option<f32> {
        if self.len == 0 {
            return None;
        }
        let i = if self.next == 0 { N - 1 } else { self.next - 1 };
        self.ring.get(i).copied()
    }

    /// The lowest finite loss recorded, if any.
    pub fn best(&self) -> Option<f32> {
        if self.best.is_finite() {
            Some(self.best)
        } else {
            None
        }
    }

    /// Consecutive rises up to the latest loss.
    pub fn rises(&self) -> u32 {
        self.rises
    }

    /// The patience (rises in a row that count as divergence).
    pub fn patience(&self) -> u32 {
        self.patience
    }

    /// The last `min(N, epochs)` losses, oldest first.
    pub fn recent(&self) -> impl Iterator<Item = f32> + '_ {
        // next < N and len <= N, so this cannot underflow.
        let start = self.next.wrapping_add(N).wrapping_sub(self.len) % N;
        (0..self.len).filter_map(move |k| self.ring.get(start.wrapping_add(k) % N).copied())
    }

    /// Forgets everything but the patience and the growth limit.
    pub fn reset(&mut self) {
        *self = Self::new(self.patience).with_growth_limit(self.growth_limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_keeps_the_last_n_in_order_across_wraps() {
        extern crate std;
        use std::vec::Vec;
        let mut h = LossHistory::<3>::new(100);
        for (k, loss) in [5.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.5].into_iter().enumerate() {
            h.record(loss).unwrap();
            let got: Vec<f32> = h.recent().collect();
            let all = [5.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.5];
            assert_eq!(got, all[(k + 1).saturating_sub(3)..=k], "after {}", k + 1);
        }
        assert_eq!(h.last(), Some(0.5));
    }

    #[test]
    fn no_explosion_from_a_best_of_zero_or_exactly_at_the_limit() {
        // A best of 0 has no ratio: nothing explodes from it.
        let mut zero = LossHistory::<4>::new(2);
        for loss in [0.0, 1.0, 0.5, 0.75] {
            assert_eq!(zero.record(loss), Ok(()), "{loss}");
        }
        // Exactly limit × best is not "more than" it.
        let mut edge = LossHistory::<4>::new(2).with_growth_limit(4.0);
        for loss in [1.0, 1.0, 4.0] {
            assert_eq!(edge.record(loss), Ok(()), "{loss}");
        }
        assert_eq!(edge.epochs(), 3);
    }

    #[test]
    fn a_custom_growth_limit_and_a_tie_with_the_best_count() {
        // Patience 2, limit 5: 1.0 is the best; a tie (1.0) is not a new best, so after it
        // 6.0 is the second epoch without one and more than 5 × the best.
        let mut h = LossHistory::<4>::new(2).with_growth_limit(5.0);
        assert_eq!(h.record(1.0), Ok(()));
        assert_eq!(h.record(1.0), Ok(()));
        assert_eq!(
            h.record(6.0),
            Err(Diverged::Exploded {
                epoch: 3,
                best: 1.0,
                loss: 6.0
            })
        );
        // The default limit (100) lets the same history pass.
        let mut d = LossHistory::<4>::new(2);
        for loss in [1.0, 1.0, 6.0] {
            assert_eq!(d.record(loss), Ok(()));
        }
    }

    #[test]
    fn non_finite_is_reported_with_its_epoch() {
        let mut h = LossHistory::<2>::new(5);
        assert_eq!(h.record(1.0), Ok(()));
        assert_eq!(
            h.record(f32::INFINITY),
            Err(Diverged::NonFinite {
                epoch: 2,
                loss: f32::INFINITY
            })
        );
        assert!(
            matches!(h.record(f32::NAN), Err(Diverged::NonFinite { epoch: 3, loss }) if loss.is_nan())
        );
        assert_eq!(h.best(), Some(1.0));
    }

    #[test]
    fn equal_or_falling_loss_resets_the_run() {
        let mut h = LossHistory::<3>::new(2);
        for l in [1.0, 2.0, 2.0, 3.0, 1.0, 1.5] {
            assert_eq!(h.record(l), Ok(()), "{l}");
        }
        assert_eq!(h.rises(), 1);
        assert_eq!(
            h.record(1.6),
            Err(Diverged::Growing {
                epoch: 7,
                rises: 2,
                from: 1.0,
                to: 1.6
            })
        );
        assert!(h.recent().eq([1.0, 1.5, 1.6]));
        h.reset();
        assert_eq!((h.epochs(), h.last(), h.best()), (0, None, None));
        assert_eq!(h.patience(), 2);
    }

    #[test]
    fn oscillating_growth_is_caught() {
        // ×10 then ÷5, every epoch: never two rises in a row, yet ×2 every two epochs.
        let mut h = LossHistory::<4>::new(3);
        let mut loss = 1.0f32;
        let mut stopped = None;
        for epoch in 1..=120u32 {
            if let Err(d) = h.record(loss) {
                stopped = Some((epoch, d));
                break;
            }
            loss = if epoch % 2 == 1 {
                loss * 10.0
            } else {
                loss / 5.0
            };
        }
        let (epoch, d) = stopped.expect("never flagged");
        assert_eq!(
            d,
            Diverged::Exploded {
                epoch,
                best: 1.0,
                loss: 160.0
            }
        );
        assert_eq!(epoch, 10);
        // A spike that recovers is not divergence, nor is a slow, noisy descent.
        let mut h = LossHistory::<4>::new(3);
        for l in [1.0, 500.0, 0.9, 0.8, 0.85, 0.7, 0.75, 0.6] {
            assert_eq!(h.record(l), Ok(()), "{l}");
        }
        let h = LossHistory::<1>::new(2).with_growth_limit(f32::NAN);
        assert_eq!(h.growth_limit, LossHistory::<1>::GROWTH_LIMIT);
    }

    #[test]
    fn zero_patience_means_one() {
        let mut h = LossHistory::<1>::new(0);
        assert!(h.record(1.0).is_ok());
        assert!(h.record(1.5).is_err());
    }
}
