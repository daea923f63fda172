//! Element-wise activations: Sigmoid, Tanh, Relu, LeakyRelu, Identity.
//!
//! One generic layer, [`Act<F, T>`], applies a function `F` to every element of a tensor
//! `T` (a vector, or a `C×H×W` feature map after a convolution). The aliases give the
//! usual names for vectors: `Sigmoid<4>` is `Act<SigmoidFn, [f32; 4]>`.

use crate::layer::{Layer, signature};
use crate::layers::kind;
use crate::math;
use crate::zero::{Tensor, Zero};
use core::marker::PhantomData;

/// An element-wise function whose derivative can be computed from its **output**, so the
/// layer caches only y (one tensor) for the backward pass.
pub trait Activation {
    /// Kind tag for shape signatures.
    const KIND: u32;
    /// y = f(x), exact (used in training).
    fn apply(x: f32) -> f32;
    /// y = f(x) for inference; may be approximate with the `fast-math` feature.
    fn apply_infer(x: f32) -> f32 {
        Self::apply(x)
    }
    /// f'(x) expressed through y = f(x).
    fn derivative(y: f32) -> f32;
}

/// Logistic sigmoid 1/(1+e^-x); stable for any |x| (see [`math::sigmoid`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SigmoidFn;
impl Activation for SigmoidFn {
    const KIND: u32 = kind::SIGMOID;
    fn apply(x: f32) -> f32 {
        math::sigmoid(x)
    }
    fn apply_infer(x: f32) -> f32 {
        math::sigmoid_with(x, math::exp_infer)
    }
    fn derivative(y: f32) -> f32 {
        y * (1.0 - y)
    }
}

/// Hyperbolic tangent (`libm::tanhf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TanhFn;
impl Activation for TanhFn {
    const KIND: u32 = kind::TANH;
    fn apply(x: f32) -> f32 {
        math::tanh(x)
    }
    fn derivative(y: f32) -> f32 {
        1.0 - y * y
    }
}

/// max(0, x). The derivative at 0 is taken as 0, as PyTorch does. NaN stays NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReluFn;
impl Activation for ReluFn {
    const KIND: u32 = kind::RELU;
    fn apply(x: f32) -> f32 {
        // Written so NaN propagates (f32::max would turn NaN into 0 and hide bad input).
        if x > 0.0 || x.is_nan() { x } else { 0.0 }
    }
    fn derivative(y: f32) -> f32 {
        if y > 0.0 { 1.0 } else { 0.0 }
    }
}

/// x for x > 0, `0.01·x` otherwise (PyTorch's default negative slope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeakyReluFn;
impl LeakyReluFn {
    /// The slope for negative inputs.
    pub const SLOPE: f32 = 0.01;
}
impl Activation for LeakyReluFn {
    const KIND: u32 = kind::LEAKY_RELU;
    fn apply(x: f32) -> f32 {
        if x > 0.0 { x } else { Self::SLOPE * x }
    }
    // y > 0 exactly when x > 0, because the slope is positive.
    fn derivative(y: f32) -> f32 {
        if y > 0.0 { 1.0 } else { Self::SLOPE }
    }
}

/// f(x) = x: a linear output layer, or a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdentityFn;
impl Activation for IdentityFn {
    const KIND: u32 = kind::IDENTITY;
    fn apply(x: f32) -> f32 {
        x
    }
    fn derivative(_: f32) -> f32 {
        1.0
    }
}

/// Applies activation `F` to every element of a tensor `T`. Has no parameters.
pub struct Act<F, T> {
    // fn() -> _ keeps the marker Send + Sync + Copy whatever F and T are.
    _marker: PhantomData<fn() -> (F, T)>,
}

impl<F, T> Act<F, T> {
    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        Self {
            _marker: PhantomData,
        }
    }
}

// Manual impls: derives would demand F: Clone etc. for a marker that holds no F.
impl<F, T> Clone for Act<F, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F, T> Copy for Act<F, T> {}
impl<F, T> Default for Act<F, T> {
    fn default() -> Self {
        Self::new()
    }
}
impl<F, T> PartialEq for Act<F, T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<F, T> core::fmt::Debug for Act<F, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Act<{}>", core::any::type_name::<F>())
    }
}
impl<F, T> Zero for Act<F, T> {
    const ZERO: Self = Self::new();
}

impl<F: Activation, T: Tensor> Layer for Act<F, T> {
    type Input = T;
    type Output = T;
    type Cache = T;
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(F::KIND, &[T::LEN]);

    #[inline]
    fn infer_into(&self, x: &T, y: &mut T) {
        for (o, &v) in y.flat_mut().iter_mut().zip(x.flat()) {
            *o = F::apply_infer(v);
        }
    }

    #[inline]
    fn forward(&self, x: &T, cache: &mut T, y: &mut T) {
        for ((c, o), &v) in cache.flat_mut().iter_mut().zip(y.flat_mut()).zip(x.flat()) {
            *c = F::apply(v);
            *o = *c;
        }
    }

    #[inline]
    fn backward(&self, y: &mut T, dy: &T, dx: Option<&mut T>, _: Option<&mut ()>) {
        let Some(dx) = dx else { return };
        let pairs = dx.flat_mut().iter_mut().zip(dy.flat());
        for ((d, &g), &yv) in pairs.zip(y.flat()) {
            *d = g * F::derivative(yv);
        }
    }
}

/// Sigmoid over a vector of `N` values.
pub type Sigmoid<const N: usize> = Act<SigmoidFn, [f32; N]>;
/// Tanh over a vector of `N` values.
pub type Tanh<const N: usize> = Act<TanhFn, [f32; N]>;
/// ReLU over a vector of `N` values.
pub type Relu<const N: usize> = Act<ReluFn, [f32; N]>;
/// Leaky ReLU (slope 0.01) over a vector of `N` values.
pub type LeakyRelu<const N: usize> = Act<LeakyReluFn, [f32; N]>;
/// Identity over a vector of `N` values.
pub type Identity<const N: usize> = Act<IdentityFn, [f32; N]>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_derivatives() {
        let x = [-2.0, 0.0, 3.0];
        assert_eq!(Relu::<3>::new().infer(&x), [0.0, 0.0, 3.0]);
        assert_eq!(LeakyRelu::<3>::new().infer(&x), [-0.02, 0.0, 3.0]);
        assert_eq!(Identity::<3>::new().infer(&x), x);
        let t = Tanh::<3>::new().infer(&x);
        assert!((t[2] - libm::tanhf(3.0)).abs() < 1e-7);
        let s = Sigmoid::<3>::new();
        let mut c = Zero::ZERO;
        let mut y = [0.0; 3];
        s.forward(&x, &mut c, &mut y);
        let mut dx = [0.0; 3];
        s.backward(&mut c, &[1.0; 3], Some(&mut dx), None);
        for i in 0..3 {
            assert!((dx[i] - y[i] * (1.0 - y[i])).abs() < 1e-7);
        }
    }

    #[test]
    fn extremes_are_finite() {
        let x = [1e30, -1e30, 0.5];
        for y in [Sigmoid::<3>::new().infer(&x), Tanh::<3>::new().infer(&x)] {
            assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
        }
        assert_eq!(Tanh::<1>::new().infer(&[1e30]), [1.0]);
        assert!(Relu::<1>::new().infer(&[f32::NAN])[0].is_nan());
    }

    #[test]
    fn works_on_feature_maps() {
        let x = [[[-1.0f32, 2.0]; 2]; 3];
        let y = Act::<ReluFn, [[[f32; 2]; 2]; 3]>::new().infer(&x);
        assert_eq!(y, [[[0.0, 2.0]; 2]; 3]);
    }
}
