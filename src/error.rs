//! The crate's few error types.

use core::fmt;

/// Why a training step was refused. In every case the model's parameters are unchanged.
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
    /// An update would have written NaN or ±∞ into a weight (a huge learning rate times a
    /// large gradient); see [`Optimizer::update`](crate::optim::Optimizer::update).
    NonFiniteUpdate,
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
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LearningRate => "learning rate must be finite and greater than 0",
            Self::Momentum => "momentum must be in [0, 1)",
            Self::Beta1 => "beta1 must be in [0, 1)",
            Self::Beta2 => "beta2 must be in [0, 1)",
            Self::Epsilon => "epsilon must be finite and greater than 0",
        })
    }
}

impl core::error::Error for ConfigError {}
