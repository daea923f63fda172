//! The `Layer` trait, chaining two layers into one, and the `chain!` macro.

use crate::init::Init;
use crate::optim::Optimizer;
use crate::params::Params;
use crate::zero::{Tensor, Zero};
use rand_core::Rng;

/// One differentiable step whose input and output shapes are fixed at compile time.
///
/// A layer value holds only its parameters (weights). Everything else lives apart so a
/// trained model can sit in flash as a `static`:
/// - the **cache** (`Self::Cache`) is what `forward` remembers for `backward`; a chain's
///   cache also holds the hidden activation between its two halves, so training never
///   keeps feature maps in stack frames;
/// - the **gradients** (`Self::Grads`) are shaped like what the layer *trains*: a `Dense`
///   trains all its parameters (`Grads = Dense`), a [`Frozen`](crate::Frozen) layer none
///   (`Grads = ()`, zero bytes), a [`BiasOnly`](crate::BiasOnly) layer its bias;
/// - optimizer state is shaped like `Grads` too (see [`crate::optim`]).
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
/// A layer without parameters implements three methods: `infer_into`, `forward` and
/// `backward`, with `type Grads = ()`. A layer with parameters also implements `update`
/// and `apply` (hand its trainable slices and their gradients to the optimizer),
/// `param_block(_mut)` and `init`. The rules:
/// - `forward` writes the same `y` as `infer_into` and may write anything into `cache`;
///   `backward` receives that same cache.
/// - `backward` **adds** this sample's gradients into `grads` when it is `Some` (never
///   overwrites: mini-batches accumulate) and writes d(loss)/d(input) into `dx` when that is
///   `Some`. With both `None` it has nothing to do.
/// - `update` is the fused per-sample step: it hands the optimizer each trainable slice with
///   this sample's gradient, computed from `cache` and `dy`, with no gradient buffer.
/// - Trainable blocks are numbered from `first` in the order of `Self::Grads`'s blocks.
/// - `param_block(i)` for `i < PARAM_BLOCKS` is the i-th *stored* parameter block (what the
///   weight file holds), trained or not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stacknet layer",
    note = "models are built with `chain![..]` from layers such as `Dense<IN, OUT>`; each layer's `Input` must equal the previous layer's `Output`"
)]
pub trait Layer {
    /// What the layer consumes.
    type Input: Tensor;
    /// What the layer produces; the next layer's `Input` must be exactly this type.
    type Output: Tensor;
    /// What `forward` remembers for `backward` (per sample).
    type Cache: Zero;
    /// The gradient of what the layer trains: `()` when it trains nothing.
    type Grads: Params;

    /// Number of stored `f32` parameters (trained or frozen).
    const PARAMS: usize;
    /// Number of contiguous stored parameter blocks (a dense layer has two: weights, bias).
    const PARAM_BLOCKS: usize;
    /// A hash of the layer kinds and sizes, so weights saved for one architecture cannot be
    /// loaded into another.
    const SIGNATURE: u64;
    /// The largest tensor (input, output or hidden activation) inside, in `f32`s: a scratch
    /// of `2 * LARGEST` values runs [`infer_with`](Layer::infer_with).
    const LARGEST: usize = max(<Self::Input as Tensor>::LEN, <Self::Output as Tensor>::LEN);

    /// Inference: writes the output for `x` into `y`. Only `&self`, so the model can be a
    /// `static`.
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output);

    /// Training forward pass: like `infer_into` but records what `backward` needs in `cache`.
    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output);

    /// Backward pass for output gradient `dy`: adds parameter gradients into `grads` (if
    /// `Some`) and writes d(loss)/d(input) into `dx` (if `Some`).
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        grads: Option<&mut Self::Grads>,
    );

    /// [`forward`](Layer::forward) for four samples at once, lane by lane the same bits.
    /// Mini-batch training ([`BatchWorkspace`](crate::BatchWorkspace)) calls it so a layer
    /// can read each weight once for four samples; this default simply runs four
    /// `forward`s, which is what every layer without weights keeps.
    fn forward4(
        &self,
        x: [&Self::Input; 4],
        cache: [&mut Self::Cache; 4],
        y: [&mut Self::Output; 4],
    ) {
        for ((x, cache), y) in x.into_iter().zip(cache).zip(y) {
            self.forward(x, cache, y);
        }
    }

    /// [`backward`](Layer::backward) for four samples, lane by lane the same bits: the
    /// gradients of lane 0, then 1, 2, 3 are added to each parameter's sum in that order,
    /// exactly as four `backward` calls do (this default).
    fn backward4(
        &self,
        cache: [&mut Self::Cache; 4],
        dy: [&Self::Output; 4],
        dx: Option<[&mut Self::Input; 4]>,
        mut grads: Option<&mut Self::Grads>,
    ) {
        let dx = match dx {
            Some(dx) => dx.map(Some),
            None => [None, None, None, None],
        };
        for ((cache, dy), dx) in cache.into_iter().zip(dy).zip(dx) {
            self.backward(cache, dy, dx, grads.as_deref_mut());
        }
    }

    /// Fused per-sample update: hands `opt` every trainable slice with this sample's
    /// gradient (from `cache` after `forward`/`backward`, and `dy`). Trainable block `i`
    /// of this layer is block `first + i` of the model. Layers that train nothing keep this
    /// default, which does nothing.
    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        cache: &Self::Cache,
        dy: &Self::Output,
        opt: &mut O,
        first: usize,
    ) {
        let _ = (cache, dy, opt, first);
    }

    /// Mini-batch update: hands `opt` every trainable slice with its summed gradient from
    /// `grads` (each value times `scale`). Block numbering as in [`update`](Layer::update).
    fn apply<M: Layer, O: Optimizer<M>>(
        &mut self,
        grads: &Self::Grads,
        scale: f32,
        opt: &mut O,
        first: usize,
    ) {
        let _ = (grads, scale, opt, first);
    }

    /// The `i`-th stored parameter block, or an empty slice when `i >= PARAM_BLOCKS`.
    fn param_block(&self, i: usize) -> &[f32] {
        let _ = i;
        &[]
    }

    /// The `i`-th stored parameter block, mutable, or an empty slice when
    /// `i >= PARAM_BLOCKS`.
    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        let _ = i;
        &mut []
    }

    /// Fills the weights from `rng` with the given scheme; biases become zero.
    /// Layers without parameters do nothing.
    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        let _ = (init, rng);
    }

    /// Inference returning the output by value (hidden activations live in stack frames;
    /// use [`infer_with`](Layer::infer_with) to bound that memory for big feature maps).
    #[inline]
    fn infer(&self, x: &Self::Input) -> Self::Output {
        let mut y = Self::Output::ZERO;
        self.infer_into(x, &mut y);
        y
    }

    /// Inference in a caller-given scratch of at least `2 * LARGEST` values: every layer
    /// reads one half and writes the other (ping-pong), so memory is two of the largest
    /// tensor, whatever the depth. Returns `None` (and neither computes nor writes
    /// anything) if `scratch` is shorter than `2 * LARGEST`.
    ///
    /// ```
    /// use stacknet::{chain, Dense, Layer, Relu, Zero};
    /// type Net = chain![Dense<3, 8>, Relu<8>, Dense<8, 2>];
    /// let net = Net::ZERO;
    /// let mut scratch = [0.0f32; 2 * <Net as Layer>::LARGEST];
    /// assert_eq!(net.infer_with(&[1.0; 3], &mut scratch), Some(net.infer(&[1.0; 3])));
    /// assert_eq!(net.infer_with(&[1.0; 3], &mut [0.0; 4]), None);
    /// ```
    fn infer_with(&self, x: &Self::Input, scratch: &mut [f32]) -> Option<Self::Output> {
        let half = Self::LARGEST;
        if scratch.len() < 2 * half {
            return None;
        }
        let first = scratch.get_mut(..half)?;
        Self::Input::view_mut(first)?.clone_from(x);
        let in_second = self.infer_ping_pong(scratch.get_mut(..2 * half)?, half, false);
        let (a, b) = scratch.split_at_checked(half)?;
        Self::Output::view(if in_second { b } else { a }).copied()
    }

    /// One step of [`infer_with`](Layer::infer_with): the input is in the first `half` of
    /// `buf` (the second if `in_second`); writes the output into the other half and returns
    /// where it is. Chains override it; single layers keep this default.
    fn infer_ping_pong(&self, buf: &mut [f32], half: usize, in_second: bool) -> bool {
        let Some((a, b)) = buf.split_at_mut_checked(half) else {
            return in_second;
        };
        let (src, dst) = if in_second { (b, a) } else { (a, b) };
        if let (Some(x), Some(y)) = (Self::Input::view(src), Self::Output::view_mut(dst)) {
            self.infer_into(x, y);
        }
        !in_second
    }
}

/// Checks, when the program is built, that `L` is a layer (for a chain: that every
/// layer's input is the previous layer's output). Put it right after a model's type alias,
/// so a shape mistake is reported on that line, naming both sizes, instead of at the first
/// method call:
///
/// ```compile_fail,E0271
/// use stacknet::{chain, Dense, Relu};
/// type Net = chain![Dense<4, 32>, Relu<32>, Dense<31, 2>];
/// const _: () = stacknet::layer::check::<Net>();
/// // error[E0271]: type mismatch resolving `<Dense<31, 2> as Layer>::Input == [f32; 32]`
/// ```
///
/// Reading the error: `Relu<32>` prints as `Act<ReluFn, [f32; 32]>` (the alias is not
/// kept), and the "expected"/"found" pair names the two disagreeing sizes.
pub const fn check<L: Layer>() {}

/// Four chain caches split into their parts: four of A's, four hidden activations, four of
/// B's (borrowed side by side, so each half of the chain sees its own four lanes).
#[allow(clippy::type_complexity)]
fn lanes<X, H, Y>(cache: [&mut (X, H, Y); 4]) -> ([&mut X; 4], [&mut H; 4], [&mut Y; 4]) {
    let [(a0, h0, b0), (a1, h1, b1), (a2, h2, b2), (a3, h3, b3)] = cache.map(|(a, h, b)| (a, h, b));
    ([a0, a1, a2, a3], [h0, h1, h2, h3], [b0, b1, b2, b3])
}

/// The larger of two sizes, in `const` context.
pub const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Two layers run one after the other. The bound `B: Layer<Input = A::Output>` is the
/// compile-time shape check. Built by [`chain!`](crate::chain) as right-nested pairs.
impl<A: Layer, B: Layer<Input = A::Output>> Layer for (A, B) {
    type Input = A::Input;
    type Output = B::Output;
    // The hidden activation sits between the halves' caches: `forward` writes it there and
    // `backward` overwrites it with its gradient, so no feature map lives in a stack frame.
    // Each layer caches exactly what its own backward needs (a dense layer its input, an
    // activation its output).
    type Cache = (A::Cache, A::Output, B::Cache);
    type Grads = (A::Grads, B::Grads);

    const PARAMS: usize = A::PARAMS + B::PARAMS;
    const PARAM_BLOCKS: usize = A::PARAM_BLOCKS + B::PARAM_BLOCKS;
    const SIGNATURE: u64 = signature::combine(A::SIGNATURE, B::SIGNATURE);
    const LARGEST: usize = max(A::LARGEST, B::LARGEST);

    #[inline]
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let mut h = A::Output::ZERO;
        self.0.infer_into(x, &mut h);
        self.1.infer_into(&h, y);
    }

    #[inline]
    fn infer_ping_pong(&self, buf: &mut [f32], half: usize, in_second: bool) -> bool {
        let in_second = self.0.infer_ping_pong(buf, half, in_second);
        self.1.infer_ping_pong(buf, half, in_second)
    }

    #[inline]
    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        let (ca, h, cb) = cache;
        self.0.forward(x, ca, h);
        self.1.forward(h, cb, y);
    }

    #[inline]
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        grads: Option<&mut Self::Grads>,
    ) {
        let (ca, h, cb) = cache;
        let (ga, gb) = match grads {
            Some((ga, gb)) => (Some(ga), Some(gb)),
            None => (None, None),
        };
        // A needs the hidden gradient only if it trains something or someone before it
        // wants d(loss)/d(input); otherwise B skips computing it (a frozen backbone costs
        // no backward work at all).
        if dx.is_some() || <A::Grads as Params>::LEN > 0 {
            self.1.backward(cb, dy, Some(h), gb);
            self.0.backward(ca, h, dx, ga);
        } else {
            self.1.backward(cb, dy, None, gb);
        }
    }

    #[inline]
    fn forward4(
        &self,
        x: [&Self::Input; 4],
        cache: [&mut Self::Cache; 4],
        y: [&mut Self::Output; 4],
    ) {
        let (ca, mut h, cb) = lanes(cache);
        self.0.forward4(x, ca, h.each_mut().map(|h| &mut **h));
        self.1.forward4(h.each_ref().map(|h| &**h), cb, y);
    }

    #[inline]
    fn backward4(
        &self,
        cache: [&mut Self::Cache; 4],
        dy: [&Self::Output; 4],
        dx: Option<[&mut Self::Input; 4]>,
        grads: Option<&mut Self::Grads>,
    ) {
        let (ca, mut h, cb) = lanes(cache);
        let (ga, gb) = match grads {
            Some((ga, gb)) => (Some(ga), Some(gb)),
            None => (None, None),
        };
        // As in `backward`: the hidden gradient only when A needs it.
        if dx.is_some() || <A::Grads as Params>::LEN > 0 {
            self.1
                .backward4(cb, dy, Some(h.each_mut().map(|h| &mut **h)), gb);
            self.0.backward4(ca, h.each_ref().map(|h| &**h), dx, ga);
        } else {
            self.1.backward4(cb, dy, None, gb);
        }
    }

    #[inline]
    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        cache: &Self::Cache,
        dy: &Self::Output,
        opt: &mut O,
        first: usize,
    ) {
        let (ca, dh, cb) = cache;
        self.1.update(
            cb,
            dy,
            opt,
            first.wrapping_add(<A::Grads as Params>::BLOCKS),
        );
        if <A::Grads as Params>::LEN > 0 {
            self.0.update(ca, dh, opt, first);
        }
    }

    #[inline]
    fn apply<M: Layer, O: Optimizer<M>>(
        &mut self,
        grads: &Self::Grads,
        scale: f32,
        opt: &mut O,
        first: usize,
    ) {
        self.0.apply(&grads.0, scale, opt, first);
        let next = first.wrapping_add(<A::Grads as Params>::BLOCKS);
        self.1.apply(&grads.1, scale, opt, next);
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

/// Named access to the two halves of a model built as `(body, head)`, so code that
/// fine-tunes a head never writes tuple indices like `.1.1`:
///
/// ```
/// use stacknet::{chain, Dense, Relu, Split};
/// type Body = chain![Dense<4, 8>, Relu<8>];
/// type Head = Dense<8, 2>;
/// let model: (Body, Head) = stacknet::Zero::ZERO;
/// let (body, head): (&Body, &Head) = model.split();
/// let joined = (*body, *head);
/// assert_eq!(joined.head(), model.head());
/// ```
pub trait Split {
    /// The first part.
    type Body;
    /// The second part.
    type Head;
    /// Both parts, borrowed.
    fn split(&self) -> (&Self::Body, &Self::Head);
    /// Both parts, mutably borrowed.
    fn split_mut(&mut self) -> (&mut Self::Body, &mut Self::Head);
    /// The first part.
    fn body(&self) -> &Self::Body {
        self.split().0
    }
    /// The second part.
    fn head(&self) -> &Self::Head {
        self.split().1
    }
    /// The second part, mutable.
    fn head_mut(&mut self) -> &mut Self::Head {
        self.split_mut().1
    }
}

impl<A, B> Split for (A, B) {
    type Body = A;
    type Head = B;
    fn split(&self) -> (&A, &B) {
        (&self.0, &self.1)
    }
    fn split_mut(&mut self) -> (&mut A, &mut B) {
        (&mut self.0, &mut self.1)
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
