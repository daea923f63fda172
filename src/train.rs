//! Training scratch memory, kept apart from the model so the model itself can stay
//! read-only data: [`StepWorkspace`] for per-sample steps (no gradient buffer) and
//! [`Workspace`] for mini-batches (adds one).

use crate::error::TrainError;
use crate::layer::Layer;
use crate::loss::Loss;
use crate::optim::{Optimizer, Survey};
use crate::params::Params;
use crate::zero::{Tensor, Zero};

/// Scratch memory for **per-sample** training of a model of type `L`: the forward cache
/// (which also holds every hidden activation and, after backward, its gradient) and the
/// output. No gradient buffer: each layer's gradient goes straight to the optimizer.
///
/// A [`step`](Self::step) runs forward, loss and backward (input gradients only, with the
/// old weights), then visits every trainable slice twice: once to gather the gradient's
/// statistics (finite? how large? its norm, for clipping), so the optimizer can refuse the
/// step before anything is written, then once to update. The result is the same, bit for
/// bit, as accumulating one sample into a [`Workspace`] and applying it, with one
/// exception: an optimizer that needs the gradient's global norm
/// ([`ClipNorm`](crate::clip::ClipNorm)) gets a dense layer's weight-gradient norm as
/// ‖dy‖·‖x‖ here (the outer product is never formed), which can differ from the buffered
/// path's norm in its last bit, and the clipped update with it (within a few float
/// spacings: `tests/clipped_fused_step.rs`). Each path on its own gives the same bits on
/// every target.
///
/// Its size is `size_of::<StepWorkspace<L>>()`, known at compile time; keep it on the
/// stack, in a `static`, in a struct field, or boxed on a host.
///
/// ```
/// use stacknet::{chain, Dense, Sigmoid, Layer, StepWorkspace, Zero, loss::Mse, optim::Sgd};
/// type Net = chain![Dense<2, 2>, Sigmoid<2>, Dense<2, 1>, Sigmoid<1>];
/// let mut net = Net::ZERO;
/// net.init(stacknet::Init::XavierUniform, &mut stacknet::rng(1));
/// let mut ws = StepWorkspace::<Net>::new();
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
pub struct StepWorkspace<L: Layer> {
    pub(crate) cache: L::Cache,
    pub(crate) output: L::Output,
}

impl<L: Layer> StepWorkspace<L> {
    /// An empty workspace. Usable in `const`/`static` items.
    pub const ZERO: Self = Self {
        cache: L::Cache::ZERO,
        output: L::Output::ZERO,
    };

    /// An empty workspace.
    pub const fn new() -> Self {
        Self::ZERO
    }

    /// Forward pass and loss; refuses non-finite data. Returns the loss and d(loss)/d(y).
    pub(crate) fn forward_loss<Lo: Loss<N>, const N: usize>(
        &mut self,
        model: &L,
        loss: &Lo,
        x: &L::Input,
        target: &[f32; N],
    ) -> Result<(f32, [f32; N]), TrainError>
    where
        L: Layer<Output = [f32; N]>,
    {
        if !x.is_finite() {
            return Err(TrainError::NonFiniteInput);
        }
        if !target.is_finite() {
            return Err(TrainError::NonFiniteTarget);
        }
        model.forward(x, &mut self.cache, &mut self.output);
        let (value, dy) = loss.loss_and_grad(&self.output, target);
        if !value.is_finite() || !dy.is_finite() {
            return Err(TrainError::NonFiniteLoss);
        }
        Ok((value, dy))
    }

    /// One per-sample training step; returns the sample's loss.
    ///
    /// # Errors
    /// `NonFiniteInput`, `NonFiniteTarget`, `NonFiniteLoss`, `NonFiniteGradient`, or the
    /// optimizer's refusal (`GradientTooLarge`). On every error the model and the
    /// optimizer's state are unchanged.
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
        let (value, dy) = self.forward_loss(model, loss, x, target)?;
        model.backward(&mut self.cache, &dy, None, None);
        let mut survey = Survey::new(opt.wants_norm());
        model.update::<L, Survey>(&self.cache, &dy, &mut survey, 0);
        opt.begin(&survey.stats)?;
        model.update(&self.cache, &dy, opt, 0);
        Ok(value)
    }
}

impl<L: Layer> Default for StepWorkspace<L> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<L: Layer> core::fmt::Debug for StepWorkspace<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StepWorkspace").finish_non_exhaustive()
    }
}

/// Scratch memory for training a model of type `L` with **mini-batches**: a
/// [`StepWorkspace`] plus a gradient buffer shaped like what the model trains
/// (`L::Grads`: nothing for frozen layers).
///
/// A mini-batch is: [`accumulate`](Self::accumulate) one or more samples, then
/// [`apply`](Self::apply) an optimizer to their average gradient. [`step`](Self::step)
/// with nothing pending is the fused per-sample step of [`StepWorkspace`].
///
/// Bad data never reaches the weights: a sample whose input, target or loss is not finite
/// is refused before it touches the gradients, and `apply` checks the summed gradients
/// (and lets the optimizer refuse them) before any update.
///
/// ```
/// use stacknet::{chain, Dense, Sigmoid, Layer, Workspace, Zero, loss::Mse, optim::Sgd};
/// type Net = chain![Dense<2, 2>, Sigmoid<2>, Dense<2, 1>, Sigmoid<1>];
/// let mut net = Net::ZERO;
/// net.init(stacknet::Init::XavierUniform, &mut stacknet::rng(1));
/// let mut ws = Workspace::<Net>::new();
/// let mut opt = Sgd::new(0.5).unwrap();
/// let xs = [[1.0, 0.0], [0.0, 1.0]];
/// let ts = [[1.0], [1.0]];
/// let first = ws.batch(&mut net, &mut opt, &Mse, &xs, &ts).unwrap();
/// for _ in 0..50 {
///     ws.batch(&mut net, &mut opt, &Mse, &xs, &ts).unwrap();
/// }
/// assert!(ws.batch(&mut net, &mut opt, &Mse, &xs, &ts).unwrap() < first);
/// ```
pub struct Workspace<L: Layer> {
    pass: StepWorkspace<L>,
    grads: L::Grads,
    samples: u32,
}

impl<L: Layer> Workspace<L> {
    /// An empty workspace (zero gradients, no samples). Usable in `const`/`static` items.
    pub const ZERO: Self = Self {
        pass: StepWorkspace::ZERO,
        grads: L::Grads::ZERO,
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
        let (value, dy) = self.pass.forward_loss(model, loss, x, target)?;
        model.backward(&mut self.pass.cache, &dy, None, Some(&mut self.grads));
        self.samples = self.samples.saturating_add(1);
        Ok(value)
    }

    /// Updates `model` with the average gradient of the accumulated samples, then clears
    /// the batch. Returns how many samples were averaged.
    ///
    /// # Errors
    /// `EmptyBatch` if nothing was accumulated; `NonFiniteGradient` if the summed gradient
    /// overflowed (a finite sample whose gradient overflows poisons the sum, so the whole
    /// batch is discarded); or the optimizer's refusal (`GradientTooLarge`), which also
    /// discards the batch. The model and the optimizer's state are unchanged on every error.
    pub fn apply<O: Optimizer<L>>(
        &mut self,
        model: &mut L,
        opt: &mut O,
    ) -> Result<u32, TrainError> {
        let n = self.samples;
        let applied = apply_sum(model, opt, &self.grads, n);
        self.clear();
        applied
    }

    /// One per-sample training step. With no samples pending it is the fused step of
    /// [`StepWorkspace::step`] (the gradient buffer is not touched); otherwise the sample
    /// joins the pending ones in one [`apply`](Self::apply).
    ///
    /// # Errors
    /// As `accumulate` and `apply`; the model and optimizer state are unchanged on error.
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
        if self.samples == 0 {
            return self.pass.step(model, opt, loss, x, target);
        }
        let value = self.accumulate(model, loss, x, target)?;
        self.apply(model, opt)?;
        Ok(value)
    }

    /// One mini-batch: accumulates every `(inputs[i], targets[i])`, then one update.
    /// Returns the batch's mean loss. Samples whose input, target or loss is not finite
    /// are skipped and counted in neither the mean nor the update; if all are skipped the
    /// first error is returned.
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

/// The update of a mini-batch, shared by [`Workspace::apply`] and
/// [`BatchWorkspace::apply`](crate::BatchWorkspace::apply): `model` moves along the average
/// of the `n` summed gradients in `grads` if the optimizer accepts their statistics, and
/// not at all otherwise.
pub(crate) fn apply_sum<L: Layer, O: Optimizer<L>>(
    model: &mut L,
    opt: &mut O,
    grads: &L::Grads,
    n: u32,
) -> Result<u32, TrainError> {
    if n == 0 {
        return Err(TrainError::EmptyBatch);
    }
    let scale = 1.0 / n as f32;
    let mut survey = Survey::new(opt.wants_norm());
    for b in 0..<L::Grads as Params>::BLOCKS {
        survey.add_slice(grads.block(b), scale);
    }
    opt.begin(&survey.stats)?;
    model.apply(grads, scale, opt, 0);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::Mse;
    use crate::optim::Sgd;
    use crate::{Dense, chain};

    type Net = chain![Dense<2, 1>];

    #[test]
    fn a_step_with_samples_pending_updates_with_all_of_them() {
        let start = Dense::<2, 1>::from_parts([[0.5, -0.25]], [0.125]);
        let mut opt = Sgd::new(0.1).unwrap();
        let (x0, t0, x1, t1) = ([1.0, 2.0], [1.0], [-1.0, 0.5], [0.0]);
        let mut ws = Workspace::<Net>::new();
        let (mut a, mut b) = (start, start);
        ws.accumulate(&a, &Mse, &x0, &t0).unwrap();
        assert_eq!(ws.pending(), 1);
        ws.step(&mut a, &mut opt, &Mse, &x1, &t1).unwrap();
        assert_eq!(ws.pending(), 0);
        Workspace::<Net>::new()
            .batch(&mut b, &mut opt, &Mse, &[x0, x1], &[t0, t1])
            .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn debug_names_the_workspaces() {
        extern crate std;
        let ws = Workspace::<Net>::new();
        assert_eq!(std::format!("{ws:?}"), "Workspace { pending: 0, .. }");
        let step = StepWorkspace::<Net>::new();
        assert_eq!(std::format!("{step:?}"), "StepWorkspace { .. }");
    }
}
