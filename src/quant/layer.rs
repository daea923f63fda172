//! `QLayer`: one integer-only inference step with compile-time shapes, and `(A, B)` chains.

/// One quantized inference step whose input and output types (int8 arrays, or `f32` at
/// the ends of a model) are fixed at compile time.
///
/// Chains are right-nested pairs exactly like the float layers, so [`chain!`](crate::chain)
/// builds quantized model types and [`model!`](crate::model) their values; a shape mismatch
/// between two layers is a compile error:
///
/// ```compile_fail,E0271
/// use stacknet::chain;
/// use stacknet::quant::{QDense, QLayer};
/// fn run<L: QLayer>(_: &L) {}
/// fn check(bad: &chain![QDense<4, 8>, QDense<6, 2>]) { run(bad) }
/// ```
pub trait QLayer {
    /// What the layer consumes.
    type Input;
    /// What the layer produces; the next layer's `Input` must be exactly this type.
    type Output;
    /// Runs the layer. Integer-only except in [`Quantize`](crate::quant::Quantize) and
    /// [`Dequantize`](crate::quant::Dequantize); never panics.
    fn infer(&self, x: &Self::Input) -> Self::Output;
}

impl<A: QLayer, B: QLayer<Input = A::Output>> QLayer for (A, B) {
    type Input = A::Input;
    type Output = B::Output;

    #[inline]
    fn infer(&self, x: &Self::Input) -> Self::Output {
        self.1.infer(&self.0.infer(x))
    }
}
