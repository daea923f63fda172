//! The `Layer` trait, chaining two layers into one, and the `chain!` macro.

use crate::init::Init;
use crate::zero::{Tensor, Zero};
use rand_core::Rng;

/// One differentiable step whose input and output shapes are fixed at compile time.
///
/// A layer value holds only its parameters (weights). Everything else lives apart so a
/// trained model can sit in flash as a `static`:
/// - the **cache** (`Self::Cache`) is what `forward` remembers for `backward`;
/// - the **gradients** have the same type as the layer itself (`Self`), so a model's
///   gradient buffer is simply another, zeroed, model value;
/// - optimizer state is shaped like the parameters too (see [`crate::optim`]).
///
/// Two layers chain into `(A, B)` only when `B::Input == A::Output`; a mismatch is a
/// compile error (E0271), as this shows:
///
/// ```compile_fail,E0271
/// use stacknet::{chain, Dense, Sigmoid, Layer, Zero};
/// fn run<L: Layer>(_: &L) {}
/// // A 4-wide hidden layer fed into a 3-input layer: rejected by the compiler.
/// let bad = <chain![Dense<2, 4>, Sigmoid<4>, Dense<3, 1>]>::ZERO;
/// run(&bad);
/// ```
///
/// # Implementing `Layer`
/// - `forward` must return the same value as `infer` and may write anything into `cache`;
///   `backward` receives that same cache.
/// - `backward` **adds** this sample's parameter gradients into `grads` (never overwrites:
///   mini-batches accumulate) and returns d(loss)/d(input). It may not assume `grads` is zero.
/// - `param_block(i)` for `i < PARAM_BLOCKS` returns the i-th contiguous parameter block;
///   the same index must give the same-shaped block for every value of the type, since
///   optimizers zip model, gradient and state blocks by index.
pub trait Layer: Zero {
    /// What the layer consumes.
    type Input: Tensor;
    /// What the layer produces; the next layer's `Input` must be exactly this type.
    type Output: Tensor;
    /// What `forward` remembers for `backward` (per sample).
    type Cache: Zero;

    /// Number of trainable `f32` parameters.
    const PARAMS: usize;
    /// Number of contiguous parameter blocks (a dense layer has two: weights and bias).
    const PARAM_BLOCKS: usize;
    /// A hash of the layer kinds and sizes, so weights saved for one architecture cannot be
    /// loaded into another.
    const SIGNATURE: u64;

    /// Inference: output for `x`, with no cache. Only `&self`, so the model can be a `static`.
    fn infer(&self, x: &Self::Input) -> Self::Output;

    /// Training forward pass: like `infer` but records what `backward` needs in `cache`.
    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache) -> Self::Output;

    /// Backward pass: adds parameter gradients into `grads`, returns d(loss)/d(input).
    fn backward(&self, cache: &Self::Cache, dy: &Self::Output, grads: &mut Self) -> Self::Input;

    /// Like [`backward`](Layer::backward) but skips d(loss)/d(input): the first layer of a
    /// model has no one to hand it to, and for a wide input it costs as much as the weight
    /// gradient itself.
    fn backward_params(&self, cache: &Self::Cache, dy: &Self::Output, grads: &mut Self) {
        let _ = self.backward(cache, dy, grads);
    }

    /// The `i`-th parameter block, or an empty slice when `i >= PARAM_BLOCKS`.
    fn param_block(&self, i: usize) -> &[f32] {
        let _ = i;
        &[]
    }

    /// The `i`-th parameter block, mutable, or an empty slice when `i >= PARAM_BLOCKS`.
    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        let _ = i;
        &mut []
    }

    /// Fills the weights from `rng` with the given scheme; biases become zero.
    /// Layers without parameters do nothing.
    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        let _ = (init, rng);
    }
}

/// Two layers run one after the other. The bound `B: Layer<Input = A::Output>` is the
/// compile-time shape check. Built by [`chain!`](crate::chain) as right-nested pairs.
impl<A: Layer, B: Layer<Input = A::Output>> Layer for (A, B) {
    type Input = A::Input;
    type Output = B::Output;
    // The hidden activation is not stored here: each layer caches exactly what its own
    // backward needs (a dense layer its input, an activation its output), nothing twice.
    type Cache = (A::Cache, B::Cache);

    const PARAMS: usize = A::PARAMS + B::PARAMS;
    const PARAM_BLOCKS: usize = A::PARAM_BLOCKS + B::PARAM_BLOCKS;
    const SIGNATURE: u64 = signature::combine(A::SIGNATURE, B::SIGNATURE);

    #[inline]
    fn infer(&self, x: &Self::Input) -> Self::Output {
        self.1.infer(&self.0.infer(x))
    }

    #[inline]
    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache) -> Self::Output {
        let h = self.0.forward(x, &mut cache.0);
        self.1.forward(&h, &mut cache.1)
    }

    #[inline]
    fn backward(&self, cache: &Self::Cache, dy: &Self::Output, grads: &mut Self) -> Self::Input {
        let dh = self.1.backward(&cache.1, dy, &mut grads.1);
        self.0.backward(&cache.0, &dh, &mut grads.0)
    }

    #[inline]
    fn backward_params(&self, cache: &Self::Cache, dy: &Self::Output, grads: &mut Self) {
        if A::PARAMS == 0 {
            // Nothing upstream is trainable (say an `Unflatten` before the first conv):
            // skip the input gradient B would compute only to hand it to A.
            self.1.backward_params(&cache.1, dy, &mut grads.1);
            return;
        }
        let dh = self.1.backward(&cache.1, dy, &mut grads.1);
        self.0.backward_params(&cache.0, &dh, &mut grads.0);
    }

    fn param_block(&self, i: usize) -> &[f32] {
        if i < A::PARAM_BLOCKS {
            self.0.param_block(i)
        } else {
            self.1.param_block(i - A::PARAM_BLOCKS)
        }
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        if i < A::PARAM_BLOCKS {
            self.0.param_block_mut(i)
        } else {
            self.1.param_block_mut(i - A::PARAM_BLOCKS)
        }
    }

    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.0.init(init, rng);
        self.1.init(init, rng);
    }
}

/// Shape signatures: FNV-1a over 32-bit words, computable in `const` context.
pub mod signature {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// Hashes a layer kind tag and its sizes.
    pub const fn of(kind: u32, sizes: &[usize]) -> u64 {
        let mut h = mix(OFFSET, kind);
        let mut i = 0;
        while i < sizes.len() {
            h = mix(h, sizes[i] as u32);
            i += 1;
        }
        h
    }

    /// Hashes two signatures in order (`(a, b)` differs from `(b, a)`).
    pub const fn combine(a: u64, b: u64) -> u64 {
        let h = mix(mix(OFFSET, 0x5EC0_0001), a as u32);
        let h = mix(mix(h, (a >> 32) as u32), b as u32);
        mix(h, (b >> 32) as u32)
    }

    const fn mix(mut h: u64, word: u32) -> u64 {
        let bytes = word.to_le_bytes();
        let mut i = 0;
        while i < 4 {
            h ^= bytes[i] as u64;
            h = h.wrapping_mul(PRIME);
            i += 1;
        }
        h
    }
}

/// Builds a model **type** from layer types, read left to right like the architecture:
///
/// ```
/// use stacknet::{chain, Dense, Footprint, Sigmoid};
/// type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
/// assert_eq!(Footprint::of::<Xor>().param_count, 2 * 4 + 4 + 4 + 1);
/// ```
///
/// It expands to right-nested pairs `(A, (B, (C, D)))`, each link checked by the compiler.
#[macro_export]
macro_rules! chain {
    ($only:ty $(,)?) => { $only };
    ($first:ty, $($rest:ty),+ $(,)?) => { ($first, $crate::chain!($($rest),+)) };
}

/// Builds a model **value** from layer values, for `const`/`static` initializers:
///
/// ```
/// use stacknet::{chain, model, Dense, Layer, Sigmoid};
/// type Tiny = chain![Dense<2, 1>, Sigmoid<1>];
/// static TINY: Tiny = model![Dense::from_parts([[1.0, -1.0]], [0.5]), Sigmoid::new()];
/// assert!(TINY.infer(&[1.0, 0.0])[0] > 0.8);
/// ```
#[macro_export]
macro_rules! model {
    ($only:expr $(,)?) => { $only };
    ($first:expr, $($rest:expr),+ $(,)?) => { ($first, $crate::model!($($rest),+)) };
}
