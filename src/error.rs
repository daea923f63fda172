//! The crate's few error types.

use core::fmt;

/// Why a training step was refused. In every case the model's parameters and the
/// optimizer's state are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TrainError {
    /// An input value is NaN or infinite.
    NonFiniteInput,
    /// A target value is NaN or infinite.
    NonFiniteTarget,
    /// The loss came out NaN or infinite (for example the model already holds huge values).
    NonFiniteLoss,
    /// A gradient came out NaN or infinite; the accumulated batch was discarded.
    NonFiniteGradient,
    /// An update would have written NaN or ±∞ into a weight. The built-in optimizers
    /// never return it (they refuse such steps earlier, as `GradientTooLarge`); it remains
    /// for optimizers written elsewhere.
    NonFiniteUpdate,
    /// A gradient value exceeds the bound the optimizer needs to keep every weight and
    /// every state value finite (see each optimizer's docs); nothing was changed.
    GradientTooLarge,
    /// `apply` was called with no accumulated sample.
    EmptyBatch,
    /// A class label is not below the number of classes.
    LabelOutOfRange {
        /// The label given.
        label: usize,
        /// The number of classes (model outputs).
        classes: usize,
    },
    /// Inputs and targets have different lengths, or there are none.
    DataMismatch,
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFiniteInput => f.write_str("input contains NaN or infinity"),
            Self::NonFiniteTarget => f.write_str("target contains NaN or infinity"),
            Self::NonFiniteLoss => f.write_str("loss is NaN or infinite"),
            Self::NonFiniteGradient => f.write_str("gradient is NaN or infinite"),
            Self::NonFiniteUpdate => f.write_str("update would make a weight NaN or infinite"),
            Self::GradientTooLarge => {
                f.write_str("gradient too large for the optimizer to stay finite; step refused")
            }
            Self::EmptyBatch => f.write_str("no sample accumulated before the update"),
            Self::LabelOutOfRange { label, classes } => {
                write!(f, "label {label} out of range for {classes} classes")
            }
            Self::DataMismatch => f.write_str("inputs and targets differ in length or are empty"),
        }
    }
}

impl core::error::Error for TrainError {}

/// Why an optimizer's hyper-parameters were rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// The learning rate must be finite and > 0.
    LearningRate,
    /// Momentum must be in [0, 1).
    Momentum,
    /// Adam's β1 must be in [0, 1).
    Beta1,
    /// Adam's β2 must be in [0, 1).
    Beta2,
    /// Adam's ε must be finite and > 0.
    Epsilon,
    /// Adam needs `beta1² < beta2`, or its step size has no bound.
    BetaRatio,
    /// AdamW's weight decay must be finite, ≥ 0, and at most `1 / lr`.
    WeightDecay,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LearningRate => "learning rate must be finite and greater than 0",
            Self::Momentum => "momentum must be in [0, 1)",
            Self::Beta1 => "beta1 must be in [0, 1)",
            Self::Beta2 => "beta2 must be in [0, 1)",
            Self::Epsilon => "epsilon must be finite and greater than 0",
            Self::BetaRatio => "beta1 squared must be below beta2",
            Self::WeightDecay => "weight decay must be finite, at least 0 and at most 1 / lr",
        })
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn every_config_error_says_which_setting() {
        let all = [
            (ConfigError::LearningRate, "learning rate"),
            (ConfigError::Momentum, "momentum"),
            (ConfigError::Beta1, "beta1 must"),
            (ConfigError::Beta2, "beta2 must"),
            (ConfigError::Epsilon, "epsilon"),
            (ConfigError::BetaRatio, "beta1 squared"),
            (ConfigError::WeightDecay, "weight decay"),
        ];
        for (e, words) in all {
            assert!(e.to_string().starts_with(words), "{e:?}: {e}");
        }
    }
}
