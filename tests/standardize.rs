//! `StandardizeChannels` (per-channel normalization of C×H×W inputs) travels with the model:
//! through the weight file, and into generated source, like `Standardize` (tests/tabular.rs).
#![cfg(feature = "std")]

use stacknet::layers::{Conv2d, StandardizeChannels, Unflatten};
use stacknet::std::dataset::{self, DIGITS_CSV};
use stacknet::{Dense, Flatten, Init, Layer, Relu3, Zero, chain, format};

type Cnn = chain![
    Unflatten<1, 8, 8, 64>,
    StandardizeChannels<1, 8, 8>,
    Conv2d<1, 2, 3, 8, 8, 8, 8, 1, 1>,
    Relu3<2, 8, 8>,
    Flatten<2, 8, 8, 128>,
    Dense<128, 10>,
];

#[test]
fn channel_scaler_is_saved_and_generated() {
    let digits = dataset::digits(DIGITS_CSV).unwrap();
    let images: Vec<[[[f32; 8]; 8]; 1]> = digits
        .features()
        .iter()
        .map(|x| Unflatten::<1, 8, 8, 64>::new().infer(x))
        .collect();
    let mut net = Cnn::ZERO;
    net.init(Init::HeUniform, &mut stacknet::rng(2));
    net.1.0 = StandardizeChannels::fit(&images).unwrap();
    // Standardized pixels of all digits have mean 0 and deviation 1.
    let z: Vec<f32> = images
        .iter()
        .flat_map(|x| net.1.0.infer(x).as_flattened().as_flattened().to_vec())
        .collect();
    let mean = z.iter().map(|&v| f64::from(v)).sum::<f64>() / z.len() as f64;
    let var = z
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / z.len() as f64;
    assert!(
        mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
        "{mean} {var}"
    );

    let mut image = vec![0u8; format::encoded_len::<Cnn>()];
    format::save(&net, &mut image).unwrap();
    let loaded: Cnn = format::from_bytes(&image).unwrap();
    assert_eq!(loaded.1.0, net.1.0);
    let x = &digits.features()[7];
    assert_eq!(
        loaded.infer(x).map(f32::to_bits),
        net.infer(x).map(f32::to_bits)
    );
    let source = stacknet::std::codegen::Codegen::new().source(&net);
    assert!(source.contains("stacknet::layers::StandardizeChannels<1, 8, 8>"));
    assert!(source.contains("stacknet::layers::StandardizeChannels::from_parts("));
}
