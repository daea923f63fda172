//! [`BatchWorkspace`]: mini-batch training four samples at a time, so each weight and each
//! gradient is read once per four samples instead of once per sample.

use crate::error::TrainError;
use crate::layer::Layer;
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::params::Params;
use crate::train::{StepWorkspace, apply_sum};
use crate::zero::{Tensor, Zero};

/// Scratch memory for **mini-batch** training that runs the samples of a batch in groups
/// of four through [`Layer::forward4`] and [`Layer::backward4`]: a dense layer then reads
/// each weight row once for four samples and adds four samples' gradients to each
/// gradient row in one pass (for a 784-128-10 net the weights and gradients are 400 KB
/// each: every sample used to stream both through the cache).
///
/// The results are those of [`Workspace`](crate::Workspace), **bit for bit**: every output
/// is computed in the same order, and every gradient sum receives the samples' terms in
/// the same order (sample 0, 1, 2, 3, ...). Only memory differs: four forward caches
/// instead of one, so this is for hosts and for devices with RAM to spare; firmware that
/// counts bytes keeps `Workspace`.
///
/// Bad data is handled exactly as by `Workspace`: a sample whose input, target or loss is
/// not finite is refused before it touches the gradients (the other samples of its group
/// still count), and [`apply`](Self::apply) lets the optimizer refuse the summed gradient
/// before anything is written.
///
/// ```
/// use stacknet::{chain, BatchWorkspace, Dense, Layer, Relu, Workspace, Zero, loss::Mse, optim::Sgd};
/// type Net = chain![Dense<2, 8>, Relu<8>, Dense<8, 1>];
/// let mut a = Net::ZERO;
/// a.init(stacknet::Init::XavierUniform, &mut stacknet::rng(1));
/// let mut b = a;
/// let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]];
/// let ts = [[0.0], [1.0], [1.0], [0.0], [0.5]];
/// let mut opt = Sgd::new(0.1).unwrap();
/// Workspace::<Net>::new().batch(&mut a, &mut opt, &Mse, &xs, &ts).unwrap();
/// let mut batched = Box::new(BatchWorkspace::<Net>::new()); // four caches: keep it off the stack
/// batched.batch(&mut b, &mut opt, &Mse, &xs, &ts).unwrap();
/// assert_eq!(a.0.weights.map(|r| r.map(f32::to_bits)), b.0.weights.map(|r| r.map(f32::to_bits)));
/// ```
pub struct BatchWorkspace<L: Layer> {
    lanes: [StepWorkspace<L>; 4],
    grads: L::Grads,
    samples: u32,
}

impl<L: Layer> BatchWorkspace<L> {
    /// An empty workspace (zero gradients, no samples). Usable in `const`/`static` items.
    pub const ZERO: Self = Self {
        lanes: [StepWorkspace::ZERO; 4],
        grads: L::Grads::ZERO,
        samples: 0,
    };

    /// An empty workspace.
    pub const fn new() -> Self {
        Self::ZERO
    }

    /// Runs one sample forward and backward and adds its gradient to the batch, as
    /// [`Workspace::accumulate`](crate::Workspace::accumulate). Returns the sample's loss.
    ///
    /// # Errors
    /// `NonFiniteInput`, `NonFiniteTarget` or `NonFiniteLoss`; the batch is then unchanged.
    pub fn accumulate<Lo: Loss<N>, const N: usize>(
        &mut self,
        model: &L,
        loss: &Lo,
        x: &L::Input,
        target: &[f32; N],
    ) -> Result<f32, TrainError>
    where
        L: Layer<Output = [f32; N]>,
    {
        let [lane, ..] = &mut self.lanes;
        let (value, dy) = lane.forward_loss(model, loss, x, target)?;
        model.backward(&mut lane.cache, &dy, None, Some(&mut self.grads));
        self.samples = self.samples.saturating_add(1);
        Ok(value)
    }

    /// Four samples at once: the same as four [`accumulate`](Self::accumulate) calls in
    /// order (the same losses, errors and gradient sums, bit for bit), with each weight
    /// read once for the four.
    pub fn accumulate4<Lo: Loss<N>, const N: usize>(
        &mut self,
        model: &L,
        loss: &Lo,
        x: [&L::Input; 4],
        target: [&[f32; N]; 4],
    ) -> [Result<f32, TrainError>; 4]
    where
        L: Layer<Output = [f32; N]>,
    {
        // A bad input or target anywhere: no point sharing the pass; one sample at a time.
        if !x.iter().all(|x| x.is_finite()) || !target.iter().all(|t| t.is_finite()) {
            return core::array::from_fn(|s| self.accumulate(model, loss, x[s], target[s]));
        }
        let [l0, l1, l2, l3] = &mut self.lanes;
        model.forward4(
            x,
            [&mut l0.cache, &mut l1.cache, &mut l2.cache, &mut l3.cache],
            [
                &mut l0.output,
                &mut l1.output,
                &mut l2.output,
                &mut l3.output,
            ],
        );
        let lanes = [&mut *l0, &mut *l1, &mut *l2, &mut *l3];
        let mut dys = [[0.0f32; N]; 4];
        let results: [Result<f32, TrainError>; 4] = core::array::from_fn(|s| {
            let (value, dy) = loss.loss_and_grad(&lanes[s].output, target[s]);
            if !value.is_finite() || !dy.is_finite() {
                return Err(TrainError::NonFiniteLoss);
            }
            dys[s] = dy;
            Ok(value)
        });
        let [l0, l1, l2, l3] = lanes;
        if results.iter().all(Result::is_ok) {
            model.backward4(
                [&mut l0.cache, &mut l1.cache, &mut l2.cache, &mut l3.cache],
                dys.each_ref(),
                None,
                Some(&mut self.grads),
            );
            self.samples = self.samples.saturating_add(4);
        } else {
            // Only the good samples, in order, one at a time.
            for ((lane, dy), result) in [l0, l1, l2, l3].into_iter().zip(&dys).zip(&results) {
                if result.is_ok() {
                    model.backward(&mut lane.cache, dy, None, Some(&mut self.grads));
                    self.samples = self.samples.saturating_add(1);
                }
            }
        }
        results
    }

    /// Updates `model` with the average gradient of the accumulated samples, then clears
    /// the batch, exactly as [`Workspace::apply`](crate::Workspace::apply). Returns how
    /// many samples were averaged.
    ///
    /// # Errors
    /// `EmptyBatch`, `NonFiniteGradient` or the optimizer's refusal; the model and the
    /// optimizer's state are unchanged on every error (the batch is discarded).
    pub fn apply<O: Optimizer<L>>(
        &mut self,
        model: &mut L,
        opt: &mut O,
    ) -> Result<u32, TrainError> {
        let applied = apply_sum(model, opt, &self.grads, self.samples);
        self.clear();
        applied
    }

    /// One mini-batch, as [`Workspace::batch`](crate::Workspace::batch) (same skipping of
    /// non-finite samples, same result bit for bit), four samples at a time.
    ///
    /// # Errors
    /// `DataMismatch` if the slices differ in length or are empty; otherwise as `apply`.
    pub fn batch<Lo: Loss<N>, O: Optimizer<L>, const N: usize>(
        &mut self,
        model: &mut L,
        opt: &mut O,
        loss: &Lo,
        inputs: &[L::Input],
        targets: &[[f32; N]],
    ) -> Result<f32, TrainError>
    where
        L: Layer<Output = [f32; N]>,
    {
        if inputs.len() != targets.len() || inputs.is_empty() {
            return Err(TrainError::DataMismatch);
        }
        let mut sum = 0.0;
        let mut first_err = None;
        let mut add = |result: Result<f32, TrainError>| match result {
            Ok(v) => sum += v,
            Err(e) => {
                first_err.get_or_insert(e);
            }
        };
        let (xs4, xs_rest) = inputs.as_chunks::<4>();
        let (ts4, ts_rest) = targets.as_chunks::<4>();
        for (x, t) in xs4.iter().zip(ts4) {
            for result in self.accumulate4(model, loss, x.each_ref(), t.each_ref()) {
                add(result);
            }
        }
        for (x, t) in xs_rest.iter().zip(ts_rest) {
            add(self.accumulate(model, loss, x, t));
        }
        if self.samples == 0 {
            return Err(first_err.unwrap_or(TrainError::EmptyBatch));
        }
        let n = self.apply(model, opt)?;
        Ok(sum / n as f32)
    }

    /// Samples accumulated since the last update.
    pub fn pending(&self) -> u32 {
        self.samples
    }

    /// The summed gradients of the pending samples (shaped like what the model trains).
    pub fn grads(&self) -> &L::Grads {
        &self.grads
    }

    /// Drops the pending samples and zeroes the gradients.
    pub fn clear(&mut self) {
        self.grads.clear();
        self.samples = 0;
    }
}

impl<L: Layer> Default for BatchWorkspace<L> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<L: Layer> core::fmt::Debug for BatchWorkspace<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BatchWorkspace")
            .field("pending", &self.samples)
            .finish_non_exhaustive()
    }
}
