//! Predictions without a training loop: the class or the class probabilities of one input,
//! of many, and the accuracy on a labelled dataset.
//!
//! The loss a model was trained with says how to read its outputs ([`Loss::predict`],
//! [`Loss::probabilities`]): argmax and softmax for `SoftmaxCrossEntropy` logits, a
//! threshold at 0 and a sigmoid for a one-output `BinaryCrossEntropyWithLogits` model, the
//! outputs themselves for a model that ends in a sigmoid or softmax.
//!
//! ```
//! use stacknet::{chain, Dense, Zero, loss::BinaryCrossEntropyWithLogits as Bce};
//! use stacknet::std::predict::{predict, predict_proba};
//! type Net = chain![Dense<2, 1>, stacknet::Identity<1>];
//! let mut net = Net::ZERO;
//! net.0.weights = [[1.0, -1.0]];
//! assert_eq!(predict(&net, &Bce, &[2.0, 1.0]), 1); // logit 1 > 0
//! assert!((predict_proba(&net, &Bce, &[2.0, 1.0])[0] - 0.731).abs() < 1e-3);
//! ```

extern crate std;

use crate::layer::Layer;
use crate::loss::Loss;
use crate::std::dataset::Dataset;
use std::vec::Vec;

/// The class `model` predicts for `x`, read as `loss` trains it.
pub fn predict<L, Lo, const D: usize, const C: usize>(model: &L, loss: &Lo, x: &[f32; D]) -> usize
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
{
    loss.predict(&model.infer(x))
}

/// The class probabilities `model` gives `x`: softmax of logits, sigmoid of a one-output
/// logit (the probability of class 1), or the outputs as they are (see
/// [`Loss::probabilities`]).
pub fn predict_proba<L, Lo, const D: usize, const C: usize>(
    model: &L,
    loss: &Lo,
    x: &[f32; D],
) -> [f32; C]
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
{
    loss.probabilities(&model.infer(x))
}

/// [`predict`] for every input, in order.
pub fn predict_all<L, Lo, const D: usize, const C: usize>(
    model: &L,
    loss: &Lo,
    xs: &[[f32; D]],
) -> Vec<usize>
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
{
    xs.iter().map(|x| predict(model, loss, x)).collect()
}

/// The fraction of `data` whose label `model` predicts, in `[0, 1]` (0 for an empty set).
/// No loss value is computed: cheaper than [`evaluate`](crate::std::fit::evaluate).
pub fn accuracy<L, Lo, const D: usize, const C: usize>(
    model: &L,
    loss: &Lo,
    data: &Dataset<D, C>,
) -> f32
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
{
    if data.is_empty() {
        return 0.0;
    }
    let correct = data
        .iter()
        .filter(|&(x, label)| predict(model, loss, x) == label)
        .count();
    correct as f32 / data.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::SoftmaxCrossEntropy;
    use crate::{Dense, Identity, Zero, chain};

    #[test]
    fn argmax_softmax_and_accuracy() {
        type Net = chain![Dense<1, 2>, Identity<2>];
        let mut net = Net::ZERO;
        net.0.weights = [[1.0], [-1.0]];
        let loss = SoftmaxCrossEntropy;
        assert_eq!(predict(&net, &loss, &[0.5]), 0);
        assert_eq!(predict(&net, &loss, &[-0.5]), 1);
        let p = predict_proba(&net, &loss, &[0.0]);
        assert_eq!(p, [0.5, 0.5]);
        assert_eq!(predict_all(&net, &loss, &[[1.0], [-1.0]]), [0, 1]);
        let data = Dataset::<1, 2>::from_parts(vec![[1.0], [-1.0], [2.0]], vec![0, 1, 1]).unwrap();
        assert_eq!(accuracy(&net, &loss, &data), 2.0 / 3.0);
        assert_eq!(accuracy(&net, &loss, &Dataset::new()), 0.0);
    }
}
