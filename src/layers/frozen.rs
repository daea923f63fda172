//! Partial training: [`Frozen`] layers that train nothing and [`BiasOnly`] layers that
//! train only their bias (TinyTL, Cai et al., NeurIPS 2020: updating biases alone recovers
//! most of full fine-tuning's accuracy for a fraction of the memory).
//!
//! Both change only a model's *type*: the stored weights, the weight file and the shape
//! signature are those of the wrapped layer, so a model trained whole on a host loads
//! into its partly frozen variant on the device, and back — provided the variant groups its
//! layers the same way. The signature hashes the chain's nesting: `(Body, Head)` loads into
//! `(Frozen<Body>, Head)`, and `chain![A, B, C]` into `chain![Frozen<A>, B, C]`, but
//! `chain![A, B, C]` does not load into `(Frozen<chain![A, B]>, C)` (the load reports
//! `ShapeMismatch`). Define the pre-trained model as `(body, head)` when part of it will be
//! frozen as a block.

use crate::init::Init;
use crate::layer::Layer;
use crate::optim::Optimizer;
use crate::params::{Params, Slot};
use crate::zero::Zero;
use rand_core::Rng;

/// A layer (or a whole sub-model) whose parameters never change in training.
///
/// `Grads = ()`: no gradient buffer and no optimizer state (0 bytes, by `size_of`).
/// Backward still hands d(loss)/d(input) to the layers before it when one of them trains,
/// and does nothing at all when none does.
///
/// ```
/// use stacknet::{chain, Dense, Footprint, Frozen, Relu};
/// type Whole = chain![Dense<64, 32>, Relu<32>, Dense<32, 10>];
/// type HeadOnly = chain![Frozen<chain![Dense<64, 32>, Relu<32>]>, Dense<32, 10>];
/// let (whole, head) = (Footprint::of::<Whole>(), Footprint::of::<HeadOnly>());
/// assert_eq!(whole.params, head.params); // the same weights are stored
/// assert_eq!(head.grads, (32 * 10 + 10) * 4); // but only the head has gradients
/// assert_eq!(head.adam, 2 * head.grads + whole.adam - 2 * whole.grads);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Frozen<L>(pub L);

impl<L: Zero> Zero for Frozen<L> {
    const ZERO: Self = Self(L::ZERO);
}

impl<L: Layer> Layer for Frozen<L> {
    type Input = L::Input;
    type Output = L::Output;
    type Cache = L::Cache;
    type Grads = ();

    const PARAMS: usize = L::PARAMS;
    const PARAM_BLOCKS: usize = L::PARAM_BLOCKS;
    const SIGNATURE: u64 = L::SIGNATURE;
    const LARGEST: usize = L::LARGEST;

    #[inline]
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        self.0.infer_into(x, y);
    }

    #[inline]
    fn infer_ping_pong(&self, buf: &mut [f32], half: usize, in_second: bool) -> bool {
        self.0.infer_ping_pong(buf, half, in_second)
    }

    #[inline]
    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        self.0.forward(x, cache, y);
    }

    #[inline]
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        // Only the input gradient, and only when someone before asks for it.
        if dx.is_some() {
            self.0.backward(cache, dy, dx, None);
        }
    }

    fn param_block(&self, i: usize) -> &[f32] {
        self.0.param_block(i)
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        self.0.param_block_mut(i)
    }

    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.0.init(init, rng);
    }
}

/// A layer with a bias vector that can be trained on its own (implemented by
/// [`Dense`](crate::Dense) and [`Conv2d`](crate::Conv2d)).
pub trait Biased: Layer {
    /// The bias's shape (one value per output or output channel).
    type Bias: Params;
    /// Adds this sample's bias gradient (from `forward`'s cache and `dy`) into `grads`.
    fn bias_grad(&self, cache: &Self::Cache, dy: &Self::Output, grads: &mut Self::Bias);
    /// The bias values.
    fn bias_mut(&mut self) -> &mut [f32];
}

/// A [`Biased`] layer whose weights are frozen and whose bias trains (TinyTL's bias-only
/// fine-tuning). Gradient and optimizer memory only for the bias.
///
/// ```
/// use stacknet::{BiasOnly, Dense, Footprint};
/// assert_eq!(Footprint::of::<BiasOnly<Dense<128, 10>>>().grads, 10 * 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BiasOnly<L>(pub L);

impl<L: Zero> Zero for BiasOnly<L> {
    const ZERO: Self = Self(L::ZERO);
}

impl<L: Biased> Layer for BiasOnly<L> {
    type Input = L::Input;
    type Output = L::Output;
    type Cache = L::Cache;
    type Grads = L::Bias;

    const PARAMS: usize = L::PARAMS;
    const PARAM_BLOCKS: usize = L::PARAM_BLOCKS;
    const SIGNATURE: u64 = L::SIGNATURE;
    const LARGEST: usize = L::LARGEST;

    #[inline]
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        self.0.infer_into(x, y);
    }

    #[inline]
    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        self.0.forward(x, cache, y);
    }

    #[inline]
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        grads: Option<&mut Self::Grads>,
    ) {
        if let Some(g) = grads {
            self.0.bias_grad(cache, dy, g);
        }
        if dx.is_some() {
            self.0.backward(cache, dy, dx, None);
        }
    }

    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        cache: &Self::Cache,
        dy: &Self::Output,
        opt: &mut O,
        first: usize,
    ) {
        let mut g = L::Bias::ZERO;
        self.0.bias_grad(cache, dy, &mut g);
        opt.update_slice(Slot::block(first), self.0.bias_mut(), g.block(0), 1.0);
    }

    fn apply<M: Layer, O: Optimizer<M>>(
        &mut self,
        grads: &Self::Grads,
        scale: f32,
        opt: &mut O,
        first: usize,
    ) {
        opt.update_slice(Slot::block(first), self.0.bias_mut(), grads.block(0), scale);
    }

    fn param_block(&self, i: usize) -> &[f32] {
        self.0.param_block(i)
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        self.0.param_block_mut(i)
    }

    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.0.init(init, rng);
    }
}
