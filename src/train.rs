//! `Workspace`: the forward cache and gradient accumulator for training, kept apart from
//! the model so the model itself can stay read-only data.

use crate::error::TrainError;
use crate::layer::Layer;
use crate::loss::Loss;
use crate::math::all_finite;
use crate::optim::Optimizer;
use crate::zero::{Tensor, Zero};

/// Scratch memory for training a model of type `L`: one forward cache and one gradient
/// buffer (a zeroed model value). Its size is `size_of::<Workspace<L>>()`, known at compile
/// time; keep it on the stack, in a `static`, in a struct field, or boxed on a host.
///
/// A training step is: [`accumulate`](Self::accumulate) one or more samples, then
/// [`apply`](Self::apply) an optimizer to their average gradient. [`step`](Self::step) does
/// both for one sample.
///
/// Bad data never reaches the weights: a sample whose input, target or loss is not finite
/// is refused before it touches the gradients, and `apply` checks the summed gradients
/// before any update (discarding the batch if one is not finite).
///
/// ```
/// use stacknet::{chain, Dense, Sigmoid, Layer, Workspace, Zero, loss::Mse, optim::Sgd};
/// type Net = chain![Dense<2, 2>, Sigmoid<2>, Dense<2, 1>, Sigmoid<1>];
/// let mut net = Net::ZERO;
/// net.init(stacknet::Init::XavierUniform, &mut stacknet::rng(1));
/// let mut ws = Workspace::<Net>::new();
/// let mut opt = Sgd::new(0.5).unwrap();
/// let before = Mse.loss(&net.infer(&[1.0, 0.0]), &[1.0]);
/// for _ in 0..50 {
///     ws.step(&mut net, &mut opt, &Mse, &[1.0, 0.0], &[1.0]).unwrap();
/// }
/// # use stacknet::loss::Loss;
/// assert!(Mse.loss(&net.infer(&[1.0, 0.0]), &[1.0]) < before);
/// // A NaN input is refused and changes nothing.
/// assert!(ws.step(&mut net, &mut opt, &Mse, &[f32::NAN, 0.0], &[1.0]).is_err());
/// ```
pub struct Workspace<L: Layer> {
    cache: L::Cache,
    grads: L,
    samples: u32,
}

impl<L: Layer> Workspace<L> {
    /// An empty workspace (zero gradients, no samples). Usable in `const`/`static` items.
    pub const ZERO: Self = Self {
        cache: L::Cache::ZERO,
        grads: L::ZERO,
        samples: 0,
    };

    /// An empty workspace.
    pub const fn new() -> Self {
        Self::ZERO
    }

    /// Runs one sample forward and backward and adds its gradient to the batch.
    /// Returns the sample's loss.
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
        if !x.is_finite() {
            return Err(TrainError::NonFiniteInput);
        }
        if !target.is_finite() {
            return Err(TrainError::NonFiniteTarget);
        }
        let y = model.forward(x, &mut self.cache);
        let (value, dy) = loss.loss_and_grad(&y, target);
        if !value.is_finite() || !dy.is_finite() {
            return Err(TrainError::NonFiniteLoss);
        }
        model.backward_params(&self.cache, &dy, &mut self.grads);
        self.samples = self.samples.saturating_add(1);
        Ok(value)
    }

    /// Updates `model` with the average gradient of the accumulated samples, then clears
    /// the batch. Returns how many samples were averaged.
    ///
    /// # Errors
    /// `EmptyBatch` if nothing was accumulated; `NonFiniteGradient` if the summed gradient
    /// overflowed (the batch is discarded). The model is unchanged in both cases.
    /// `NonFiniteUpdate` if the optimizer refused to write a non-finite weight (the batch
    /// is discarded; see [`Optimizer::update`]).
    pub fn apply<O: Optimizer<L>>(
        &mut self,
        model: &mut L,
        opt: &mut O,
    ) -> Result<u32, TrainError> {
        let n = self.samples;
        if n == 0 {
            return Err(TrainError::EmptyBatch);
        }
        let finite = (0..L::PARAM_BLOCKS).all(|b| all_finite(self.grads.param_block(b)));
        if !finite {
            self.clear();
            return Err(TrainError::NonFiniteGradient);
        }
        let updated = opt.update(model, &self.grads, 1.0 / n as f32);
        self.clear();
        updated.map(|()| n)
    }

    /// One per-sample training step: [`accumulate`](Self::accumulate) then
    /// [`apply`](Self::apply). Any samples already accumulated join this update.
    ///
    /// # Errors
    /// As `accumulate` and `apply`; the model is unchanged on error.
    pub fn step<Lo: Loss<N>, O: Optimizer<L>, const N: usize>(
        &mut self,
        model: &mut L,
        opt: &mut O,
        loss: &Lo,
        x: &L::Input,
        target: &[f32; N],
    ) -> Result<f32, TrainError>
    where
        L: Layer<Output = [f32; N]>,
    {
        let value = self.accumulate(model, loss, x, target)?;
        self.apply(model, opt)?;
        Ok(value)
    }

    /// One mini-batch: accumulates every `(inputs[i], targets[i])`, then one update.
    /// Returns the batch's mean loss. Samples with non-finite data are skipped and counted
    /// in neither the mean nor the update; if all are skipped the first error is returned.
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
        for (x, t) in inputs.iter().zip(targets) {
            match self.accumulate(model, loss, x, t) {
                Ok(v) => sum += v,
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
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

    /// The summed gradients of the pending samples (a model-shaped value).
    pub fn grads(&self) -> &L {
        &self.grads
    }

    /// Drops the pending samples and zeroes the gradients.
    pub fn clear(&mut self) {
        for b in 0..L::PARAM_BLOCKS {
            self.grads.param_block_mut(b).fill(0.0);
        }
        self.samples = 0;
    }
}

impl<L: Layer> Default for Workspace<L> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<L: Layer> core::fmt::Debug for Workspace<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Workspace")
            .field("pending", &self.samples)
            .finish_non_exhaustive()
    }
}
