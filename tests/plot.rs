//! The PNG writers produce valid images of the requested size with something drawn in them.
#![cfg(feature = "plot")]

use stacknet::std::dataset;
use stacknet::std::fit::EpochStats;
use stacknet::std::plot::{self, PlotError, Run, Tile};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stacknet-plot-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Decodes the PNG and returns (width, height, distinct colours, fraction of non-white).
fn inspect(path: &PathBuf) -> (u32, u32, usize, f64) {
    let file = std::fs::File::open(path).unwrap();
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels = &buf[..info.buffer_size()];
    let mut colours = HashSet::new();
    let mut ink = 0usize;
    for px in pixels.chunks(channels) {
        colours.insert((px[0], px[1], px[2]));
        ink += usize::from(px[..3] != [255, 255, 255]);
    }
    let total = (info.width * info.height) as f64;
    let _ = std::fs::remove_file(path);
    (info.width, info.height, colours.len(), ink as f64 / total)
}

fn history(n: usize) -> Vec<EpochStats> {
    (1..=n)
        .map(|epoch| EpochStats {
            epoch,
            train_loss: 1.0 / epoch as f32,
            train_accuracy: 1.0 - 0.5 / epoch as f32,
            test_loss: Some(1.2 / epoch as f32),
            test_accuracy: Some(0.9 - 0.5 / epoch as f32),
            elapsed: Duration::from_millis(10),
            ..EpochStats::default()
        })
        .collect()
}

#[test]
fn decision_boundary_png() {
    let points = dataset::two_moons(200, 0.1, 3).unwrap();
    let path = out("boundary.png");
    // A vertical boundary at x = 0.5.
    plot::decision_boundary(&path, "test", &points, &["a", "b"], (640, 480), |p| {
        usize::from(p[0] > 0.5)
    })
    .unwrap();
    let (w, h, colours, ink) = inspect(&path);
    assert_eq!((w, h), (640, 480));
    assert!(colours > 20, "{colours} colours");
    assert!(ink > 0.5, "regions should cover the plot: {ink}");
    let empty = dataset::Dataset::<2, 2>::new();
    assert_eq!(
        plot::decision_boundary(out("never.png"), "x", &empty, &[], (10, 10), |_| 0),
        Err(PlotError::Empty)
    );
}

#[test]
fn training_curves_png() {
    let h = history(12);
    let path = out("curves.png");
    let runs = [
        Run {
            name: "one",
            history: &h,
        },
        Run {
            name: "two",
            history: &h[..5],
        },
    ];
    plot::training_curves(&path, "curves", &runs, (900, 400)).unwrap();
    let (w, h, colours, ink) = inspect(&path);
    assert_eq!((w, h), (900, 400));
    assert!(colours > 20 && ink > 0.01, "{colours} colours, ink {ink}");
    assert_eq!(
        plot::training_curves(out("never.png"), "x", &[], (10, 10)),
        Err(PlotError::Empty)
    );
}

#[test]
fn confusion_matrix_png() {
    let mut m = [[0usize; 10]; 10];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 40 + i;
        row[(i + 1) % 10] = 2;
    }
    let path = out("confusion.png");
    plot::confusion_matrix(&path, "confusion", &m, (600, 560)).unwrap();
    let (w, h, colours, ink) = inspect(&path);
    assert_eq!((w, h), (600, 560));
    assert!(colours > 10 && ink > 0.05, "{colours} colours, ink {ink}");
}

#[test]
fn digit_gallery_png() {
    let d = dataset::digits(dataset::DIGITS_CSV).unwrap();
    let tiles: Vec<Tile<'_>> = d
        .iter()
        .take(12)
        .map(|(x, label)| Tile {
            pixels: x,
            label,
            predicted: (label + usize::from(label == 3)) % 10,
        })
        .collect();
    let path = out("gallery.png");
    plot::digit_gallery(&path, "gallery", &tiles, 8, 6, (600, 300)).unwrap();
    let (w, h, colours, ink) = inspect(&path);
    assert_eq!((w, h), (600, 300));
    assert!(colours > 10 && ink > 0.1, "{colours} colours, ink {ink}");
    assert_eq!(
        plot::digit_gallery(out("never.png"), "x", &tiles, 8, 0, (10, 10)),
        Err(PlotError::Empty)
    );
}

#[test]
fn gallery_shows_mistakes_first() {
    let images = [[0.0f32; 4], [0.1; 4], [0.2; 4], [0.3; 4], [0.4; 4]];
    let labels = [0, 1, 2, 3, 4];
    let predictions = [0, 7, 2, 8, 4];
    let tiles = plot::mistakes_first(&images, &labels, &predictions, 1, 3);
    let picked: Vec<(usize, usize)> = tiles.iter().map(|t| (t.label, t.predicted)).collect();
    assert_eq!(picked, [(1, 7), (0, 0), (2, 2)]);
    assert_eq!(tiles[0].pixels, &[0.1; 4]);
}
