//! `ReplayBuffer`: the last `CAP` training samples a device has seen, for on-device
//! learning from a sensor stream.

use crate::error::TrainError;
use crate::layer::Layer;
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::train::Workspace;
use crate::zero::Tensor;
use heapless::Deque;

/// A fixed-capacity ring of `(input, target)` samples: when full, a new sample evicts the
/// oldest. This is where `heapless` is the right tool: the number of samples varies at run
/// time, the capacity is a compile-time constant, and `size_of` gives the whole cost.
///
/// Samples are checked when they arrive, so a NaN from a faulty sensor is refused at
/// [`push`](Self::push) (the buffer keeps what it had) rather than failing a later epoch.
///
/// ```
/// use stacknet::{chain, Dense, Sigmoid, Init, Layer, Workspace, Zero, loss::Mse, optim::Sgd};
/// use stacknet::replay::ReplayBuffer;
/// type Net = chain![Dense<2, 3>, Sigmoid<3>, Dense<3, 1>, Sigmoid<1>];
/// let mut recent = ReplayBuffer::<[f32; 2], 1, 8>::new();
/// for i in 0..20 {
///     let x = [(i % 2) as f32, 1.0];
///     recent.push(x, [x[0]]).unwrap(); // keeps the latest 8
/// }
/// assert_eq!(recent.len(), 8);
/// assert!(recent.push([f32::NAN, 0.0], [0.0]).is_err());
///
/// let mut net = Net::ZERO;
/// net.init(Init::XavierUniform, &mut stacknet::rng(2));
/// let mut ws = Workspace::<Net>::new();
/// let mut opt = Sgd::new(1.0).unwrap();
/// let first = recent.train_epoch(&mut net, &mut ws, &mut opt, &Mse).unwrap();
/// for _ in 0..200 {
///     recent.train_epoch(&mut net, &mut ws, &mut opt, &Mse).unwrap();
/// }
/// assert!(recent.train_epoch(&mut net, &mut ws, &mut opt, &Mse).unwrap() < first);
/// ```
pub struct ReplayBuffer<X, const OUT: usize, const CAP: usize> {
    samples: Deque<(X, [f32; OUT]), CAP>,
}

impl<X: Tensor, const OUT: usize, const CAP: usize> ReplayBuffer<X, OUT, CAP> {
    /// An empty buffer. Usable in `static` items.
    pub const fn new() -> Self {
        Self {
            samples: Deque::new(),
        }
    }

    /// Stores a sample, evicting (and returning) the oldest one if the buffer is full.
    ///
    /// # Errors
    /// `NonFiniteInput` or `NonFiniteTarget` if the sample holds NaN or ±∞; the buffer is
    /// then unchanged.
    pub fn push(
        &mut self,
        x: X,
        target: [f32; OUT],
    ) -> Result<Option<(X, [f32; OUT])>, TrainError> {
        if !x.is_finite() {
            return Err(TrainError::NonFiniteInput);
        }
        if !target.is_finite() {
            return Err(TrainError::NonFiniteTarget);
        }
        let evicted = if self.samples.is_full() {
            self.samples.pop_front()
        } else {
            None
        };
        // Cannot fail: there is room now (a zero-capacity buffer stores nothing).
        let _ = self.samples.push_back((x, target));
        Ok(evicted)
    }

    /// Samples stored.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when no sample is stored.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Forgets every sample.
    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// The stored samples, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &(X, [f32; OUT])> {
        self.samples.iter()
    }

    /// One full-batch update over every stored sample; returns their mean loss.
    ///
    /// # Errors
    /// `EmptyBatch` when the buffer is empty; otherwise as [`Workspace::apply`] (stored
    /// samples are finite, so a non-finite loss means the model itself overflowed).
    pub fn train_epoch<L, O, Lo>(
        &self,
        model: &mut L,
        ws: &mut Workspace<L>,
        opt: &mut O,
        loss: &Lo,
    ) -> Result<f32, TrainError>
    where
        L: Layer<Input = X, Output = [f32; OUT]>,
        O: Optimizer<L>,
        Lo: Loss<OUT>,
    {
        let mut sum = 0.0;
        for (x, t) in self.samples.iter() {
            match ws.accumulate(model, loss, x, t) {
                Ok(v) => sum += v,
                Err(e) => {
                    ws.clear();
                    return Err(e);
                }
            }
        }
        let n = ws.apply(model, opt)?;
        Ok(sum / n as f32)
    }
}

impl<X: Tensor, const OUT: usize, const CAP: usize> Default for ReplayBuffer<X, OUT, CAP> {
    fn default() -> Self {
        Self::new()
    }
}

impl<X, const OUT: usize, const CAP: usize> core::fmt::Debug for ReplayBuffer<X, OUT, CAP> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReplayBuffer")
            .field("len", &self.samples.len())
            .field("capacity", &CAP)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_and_refuses_bad_samples() {
        let mut r = ReplayBuffer::<[f32; 1], 1, 3>::new();
        assert!(r.is_empty());
        for i in 0..3 {
            assert_eq!(r.push([i as f32], [0.0]), Ok(None));
        }
        assert_eq!(r.push([3.0], [0.0]), Ok(Some(([0.0], [0.0]))));
        assert_eq!(
            r.push([f32::INFINITY], [0.0]),
            Err(TrainError::NonFiniteInput)
        );
        assert_eq!(r.push([1.0], [f32::NAN]), Err(TrainError::NonFiniteTarget));
        let xs: [f32; 3] = core::array::from_fn(|i| r.iter().nth(i).map_or(-1.0, |s| s.0[0]));
        assert_eq!(xs, [1.0, 2.0, 3.0]);
        r.clear();
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn empty_buffer_is_an_error() {
        use crate::{Dense, Zero, loss::Mse, optim::Sgd};
        let r = ReplayBuffer::<[f32; 2], 1, 4>::new();
        let mut m = Dense::<2, 1>::ZERO;
        let mut ws = Workspace::new();
        let mut opt = Sgd::new(0.1).unwrap();
        assert_eq!(
            r.train_epoch(&mut m, &mut ws, &mut opt, &Mse),
            Err(TrainError::EmptyBatch)
        );
    }
}
