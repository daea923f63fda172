//! PNG charts for training runs (feature `plot`): 2-D decision boundaries, training curves,
//! confusion matrices and digit galleries, drawn with `plotters` in pure Rust.
//!
//! Text is rendered with the DejaVu Sans font bundled in the crate (`data/fonts/`, Bitstream
//! Vera licence), so no system font or C library is needed.

extern crate std;

use crate::std::dataset::Dataset;
use crate::std::fit::EpochStats;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::sync::OnceLock;
use std::vec::Vec;

/// The bundled font (DejaVu Sans 2.37, see `data/fonts/LICENSE`).
static FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Ten distinguishable class colours (the "Tableau 10" palette), class `i` gets `PALETTE[i % 10]`.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Why a chart could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlotError {
    /// The bundled font could not be registered (should not happen).
    Font,
    /// Nothing to draw (no points, no epochs, or a zero-sized image).
    Empty,
    /// Drawing or writing the PNG failed; the message comes from `plotters`.
    Draw(String),
}

impl core::fmt::Display for PlotError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Font => f.write_str("the bundled font could not be loaded"),
            Self::Empty => f.write_str("nothing to plot"),
            Self::Draw(m) => write!(f, "drawing failed: {m}"),
        }
    }
}

impl std::error::Error for PlotError {}

fn draw_err<E: core::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

fn font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

fn class_color(class: usize) -> RGBColor {
    let (r, g, b) = PALETTE[class % PALETTE.len()];
    RGBColor(r, g, b)
}

/// `c` mixed with white: `amount` 0 keeps `c`, 1 gives white.
fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

fn canvas(
    path: &Path,
    size: (u32, u32),
) -> Result<DrawingArea<BitMapBackend<'_>, Shift>, PlotError> {
    font()?;
    if size.0 == 0 || size.1 == 0 {
        return Err(PlotError::Empty);
    }
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    Ok(root)
}

/// Draws the regions a 2-D classifier assigns to each class, its decision boundary, and
/// `points` coloured by their true label, into a PNG of `size` pixels.
///
/// `classify` maps a point to a class index (for example `argmax(&model.infer(&p))`). The
/// plotted area is the points' bounding box plus a margin. Regions are light tints of the
/// class colours, the boundary is dark grey, and the points are full colours with a white
/// edge; a legend names `class_names[i]` (or "class i").
///
/// # Errors
/// [`PlotError::Empty`] for no points or a zero size; [`PlotError::Draw`] if the file cannot
/// be written.
pub fn decision_boundary<const C: usize>(
    path: impl AsRef<Path>,
    title: &str,
    points: &Dataset<2, C>,
    class_names: &[&str],
    size: (u32, u32),
    classify: impl Fn(&[f32; 2]) -> usize,
) -> Result<(), PlotError> {
    if points.is_empty() {
        return Err(PlotError::Empty);
    }
    let root = canvas(path.as_ref(), size)?;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in points.features() {
        x0 = x0.min(f64::from(p[0]));
        x1 = x1.max(f64::from(p[0]));
        y0 = y0.min(f64::from(p[1]));
        y1 = y1.max(f64::from(p[1]));
    }
    let (mx, my) = (0.1 * (x1 - x0).max(1e-3), 0.1 * (y1 - y0).max(1e-3));
    let (x0, x1, y0, y1) = (x0 - mx, x1 + mx, y0 - my, y1 + my);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x1")
        .y_desc("x2")
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .draw()
        .map_err(draw_err)?;

    // Classify a grid of cells about 3 pixels wide; a cell whose right or upper neighbour
    // is another class is on the boundary.
    let (pw, ph) = chart.plotting_area().dim_in_pixel();
    let (nx, ny) = ((pw / 3).max(2) as usize, (ph / 3).max(2) as usize);
    let (dx, dy) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
    let mut grid = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let p = [
                (x0 + (i as f64 + 0.5) * dx) as f32,
                (y0 + (j as f64 + 0.5) * dy) as f32,
            ];
            grid.push(classify(&p));
        }
    }
    let at = |i: usize, j: usize| grid[j * nx + i];
    let boundary = RGBColor(60, 60, 60);
    chart
        .draw_series(
            (0..ny)
                .flat_map(|j| (0..nx).map(move |i| (i, j)))
                .map(|(i, j)| {
                    let class = at(i, j);
                    let edge = (i + 1 < nx && at(i + 1, j) != class)
                        || (j + 1 < ny && at(i, j + 1) != class);
                    let color = if edge {
                        boundary
                    } else {
                        tint(class_color(class), 0.72)
                    };
                    let (cx, cy) = (x0 + i as f64 * dx, y0 + j as f64 * dy);
                    Rectangle::new([(cx, cy), (cx + dx, cy + dy)], color.filled())
                }),
        )
        .map_err(draw_err)?;
    for class in 0..C {
        let color = class_color(class);
        let name = class_names
            .get(class)
            .map_or_else(|| format!("class {class}"), |s| (*s).to_string());
        chart
            .draw_series(
                points
                    .iter()
                    .filter(|(_, l)| *l == class)
                    .map(|(p, _)| (f64::from(p[0]), f64::from(p[1])))
                    .map(move |xy| {
                        EmptyElement::at(xy)
                            + Circle::new((0, 0), 4, color.filled())
                            + Circle::new((0, 0), 4, WHITE.stroke_width(1))
                    }),
            )
            .map_err(draw_err)?
            .label(name)
            .legend(move |(x, y)| Circle::new((x, y), 5, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 15))
        .draw()
        .map_err(draw_err)?;
    root.present().map_err(draw_err)
}

type Points = Vec<(f64, f64)>;

/// One run's history for [`training_curves`].
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// Legend name of the run.
    pub name: &'a str,
    /// Its per-epoch statistics, as returned by [`fit`](crate::std::fit::fit).
    pub history: &'a [EpochStats],
}

/// Draws loss (left, log scale) and accuracy (right, %) against epoch for one or more
/// runs: training as a thin line, test (when recorded) as a thick one, one colour per run,
/// with the legend in both panels.
///
/// The loss axis is labelled at 1, 2 and 5 times each power of ten in range (so a curve
/// going down to 0.02 has labels down there). The accuracy axis is zoomed on what matters:
/// it starts 5 points below (rounded down to a multiple of 5) the lowest accuracy of the
/// second half of the epochs, so a run between 85 and 100 % is not flattened into the top
/// of a 0–100 scale; earlier epochs below that start are left out of the panel (the y-axis
/// label says from where it starts). Non-finite values (epochs that were not evaluated)
/// are skipped.
///
/// # Errors
/// [`PlotError::Empty`] if no run has an epoch or the size is zero; [`PlotError::Draw`] if
/// the file cannot be written.
pub fn training_curves(
    path: impl AsRef<Path>,
    title: &str,
    runs: &[Run<'_>],
    size: (u32, u32),
) -> Result<(), PlotError> {
    let epochs = runs.iter().map(|r| r.history.len()).max().unwrap_or(0);
    if epochs == 0 {
        return Err(PlotError::Empty);
    }
    let root = canvas(path.as_ref(), size)?;
    let root = root.titled(title, (FAMILY, 22)).map_err(draw_err)?;
    let (left, right) = root.split_horizontally(size.0 / 2);

    let losses = runs.iter().flat_map(|r| {
        r.history
            .iter()
            .flat_map(|s| [Some(s.train_loss), s.test_loss])
            .flatten()
            .filter(|v| v.is_finite() && *v > 0.0)
    });
    let (lo, hi) = losses.fold((f64::MAX, f64::MIN), |(lo, hi), v| {
        (lo.min(f64::from(v)), hi.max(f64::from(v)))
    });
    let (lo, hi) = if lo <= hi {
        (lo / 1.5, hi * 1.5)
    } else {
        (1e-3, 1.0)
    };
    let acc_lo = accuracy_floor(runs);
    let x_max = epochs as f64 + 0.5;
    let x_min = 0.5;

    let mut loss_chart = ChartBuilder::on(&left)
        .caption("loss", (FAMILY, 18))
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(65)
        .build_cartesian_2d(
            x_min..x_max,
            (lo..hi).log_scale().with_key_points(log_ticks(lo, hi)),
        )
        .map_err(draw_err)?;
    loss_chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("mean loss (log scale)")
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .x_labels(epochs.min(10) + 2)
        .x_label_formatter(&whole)
        .y_label_formatter(&|v| format_loss(*v))
        .draw()
        .map_err(draw_err)?;

    let mut acc_chart = ChartBuilder::on(&right)
        .caption("accuracy", (FAMILY, 18))
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(x_min..x_max, acc_lo..100.0)
        .map_err(draw_err)?;
    let acc_desc = if acc_lo > 0.0 {
        format!("accuracy (%), axis from {acc_lo:.0}")
    } else {
        "accuracy (%)".to_string()
    };
    acc_chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(acc_desc)
        .x_labels(epochs.min(10) + 2)
        .x_label_formatter(&whole)
        .y_labels(12)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .draw()
        .map_err(draw_err)?;

    for (k, run) in runs.iter().enumerate() {
        let color = class_color(k);
        let pts = |f: &dyn Fn(&EpochStats) -> Option<f32>| -> Points {
            run.history
                .iter()
                .filter_map(|s| f(s).map(|v| (s.epoch as f64, f64::from(v))))
                .filter(|(_, v)| v.is_finite())
                .collect()
        };
        let series: [(&str, Points, Points, u32); 2] = [
            (
                "train",
                pts(&|s| Some(s.train_loss).filter(|v| *v > 0.0)),
                pts(&|s| Some(100.0 * s.train_accuracy)),
                1,
            ),
            (
                "test",
                pts(&|s| s.test_loss.filter(|v| *v > 0.0)),
                pts(&|s| s.test_accuracy.map(|a| 100.0 * a)),
                3,
            ),
        ];
        for (split, loss_pts, acc_pts, width) in series {
            if acc_pts.is_empty() && loss_pts.is_empty() {
                continue;
            }
            let style = color.stroke_width(width);
            let label = format!("{} ({split})", run.name);
            let legend = move |(x, y): (i32, i32)| {
                PathElement::new([(x, y), (x + 20, y)], color.stroke_width(width))
            };
            loss_chart
                .draw_series(LineSeries::new(loss_pts, style))
                .map_err(draw_err)?
                .label(label.clone())
                .legend(legend);
            // Only the visible stretches: a point below the axis start ends a segment.
            let mut labelled = false;
            for segment in acc_pts.split(|&(_, v)| v < acc_lo) {
                if segment.is_empty() {
                    continue;
                }
                let drawn = acc_chart
                    .draw_series(LineSeries::new(segment.iter().copied(), style))
                    .map_err(draw_err)?;
                if !labelled {
                    drawn.label(label.clone()).legend(legend);
                    labelled = true;
                }
            }
        }
    }
    loss_chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 14))
        .draw()
        .map_err(draw_err)?;
    acc_chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FAMILY, 14))
        .draw()
        .map_err(draw_err)?;
    root.present().map_err(draw_err)
}

/// Where the accuracy axis starts (see [`training_curves`]): 5 points below the lowest
/// accuracy of the second half of the epochs, rounded down to a multiple of 5, in 0..=90.
fn accuracy_floor(runs: &[Run<'_>]) -> f64 {
    let lowest = runs
        .iter()
        .flat_map(|r| {
            let late = &r.history[r.history.len() / 2..];
            late.iter()
                .flat_map(|s| [Some(s.train_accuracy), s.test_accuracy])
                .flatten()
        })
        .filter(|a| a.is_finite())
        .map(|a| 100.0 * f64::from(a))
        .fold(f64::INFINITY, f64::min);
    if lowest.is_finite() {
        (((lowest - 5.0) / 5.0).floor() * 5.0).clamp(0.0, 90.0)
    } else {
        0.0
    }
}

/// Loss-axis ticks: 1, 2 and 5 times each power of ten between `lo` and `hi`; only the
/// powers of ten when that would be more than 12 labels.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let pick = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let dense = pick(&[1.0, 2.0, 5.0]);
    if dense.len() <= 12 {
        dense
    } else {
        pick(&[1.0])
    }
}

/// A tick label for an epoch: whole numbers only.
fn whole(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// A tick label for a loss value on the 1-2-5 grid: one significant digit is exact
/// (0.02, 0.5, 1, 20), and no two labels print alike.
fn format_loss(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        let digits = (-v.log10() - 1e-9).ceil().clamp(0.0, 12.0) as usize;
        format!("{v:.digits$}")
    }
}

/// Draws a confusion matrix (`matrix[true][predicted]` counts, square: an array of arrays
/// or [`Evaluation::confusion`](crate::std::fit::Evaluation::confusion)) as a heat map with
/// the count in every cell; row 0 at the top.
///
/// Diagonal cells are shaded by the fraction of their class recognised; off-diagonal cells
/// by their count relative to the largest off-diagonal count, starting from a clearly
/// visible tint, so a single mistake stands out from an empty cell and 6 mistakes from 1.
///
/// # Errors
/// [`PlotError::Empty`] if the matrix is empty or not square, or the size is zero;
/// [`PlotError::Draw`] if the file cannot be written.
pub fn confusion_matrix<R: AsRef<[usize]>>(
    path: impl AsRef<Path>,
    title: &str,
    matrix: &[R],
    size: (u32, u32),
) -> Result<(), PlotError> {
    let matrix: Vec<&[usize]> = matrix.iter().map(AsRef::as_ref).collect();
    #[allow(non_snake_case)]
    let C = matrix.len();
    if C == 0 || matrix.iter().any(|r| r.len() != C) {
        return Err(PlotError::Empty);
    }
    let root = canvas(path.as_ref(), size)?;
    let n = C as i32;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 22))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
        .map_err(draw_err)?;
    // Row t is drawn at y = C − 1 − t so that true class 0 is the top row.
    let flip = move |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(y) | SegmentValue::Exact(y) => format!("{}", n - 1 - y),
        SegmentValue::Last => String::new(),
    };
    let plain = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(x) | SegmentValue::Exact(x) => format!("{x}"),
        SegmentValue::Last => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("predicted class")
        .y_desc("true class")
        .x_labels(C)
        .y_labels(C)
        .x_label_formatter(&plain)
        .y_label_formatter(&flip)
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .draw()
        .map_err(draw_err)?;
    let row_max: Vec<usize> = matrix
        .iter()
        .map(|r| r.iter().sum::<usize>().max(1))
        .collect();
    let off_max = (0..C)
        .flat_map(|t| (0..C).filter(move |&p| p != t).map(move |p| (t, p)))
        .map(|(t, p)| matrix[t][p])
        .max()
        .unwrap_or(0)
        .max(1);
    // How dark a cell is, in [0, 1]: diagonal by the class's recall, errors by their count
    // against the largest error count (a square root so small counts still differ).
    let shade = |t: usize, p: usize| {
        if t == p {
            matrix[t][p] as f64 / row_max[t] as f64
        } else {
            0.25 + 0.6 * (matrix[t][p] as f64 / off_max as f64).sqrt()
        }
    };
    let cells = (0..C).flat_map(|t| (0..C).map(move |p| (t, p)));
    chart
        .draw_series(cells.clone().map(|(t, p)| {
            let base = if t == p {
                class_color(0)
            } else {
                class_color(3)
            };
            let color = if matrix[t][p] == 0 {
                WHITE
            } else {
                tint(base, 0.92 - 0.82 * shade(t, p))
            };
            let (x, y) = (p as i32, n - 1 - t as i32);
            Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                color.filled(),
            )
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(cells.map(|(t, p)| {
            let dark = matrix[t][p] > 0 && shade(t, p) > 0.65;
            let color: &'static RGBColor = if dark { &WHITE } else { &BLACK };
            let style = TextStyle::from((FAMILY, 15).into_font()).color(color).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            Text::new(
                format!("{}", matrix[t][p]),
                (
                    SegmentValue::CenterOf(p as i32),
                    SegmentValue::CenterOf(n - 1 - t as i32),
                ),
                style,
            )
        }))
        .map_err(draw_err)?;
    root.present().map_err(draw_err)
}

/// One image for [`digit_gallery`]: grey levels in `[0, 1]` (row-major, `side × side`), its
/// true label and the model's prediction.
#[derive(Debug, Clone, Copy)]
pub struct Tile<'a> {
    /// Pixel values in `[0, 1]`, row-major.
    pub pixels: &'a [f32],
    /// The true class.
    pub label: usize,
    /// The predicted class.
    pub predicted: usize,
}

/// Picks gallery tiles: up to `max_wrong` misclassified images first (the interesting
/// ones), then correctly classified ones, `total` in all, in data order.
pub fn mistakes_first<'a, const D: usize>(
    images: &'a [[f32; D]],
    labels: &[usize],
    predictions: &[usize],
    max_wrong: usize,
    total: usize,
) -> Vec<Tile<'a>> {
    let tile = |((pixels, &label), &predicted): ((&'a [f32; D], &usize), &usize)| Tile {
        pixels: pixels.as_slice(),
        label,
        predicted,
    };
    let all = || images.iter().zip(labels).zip(predictions);
    let wrong = all().filter(|((_, l), p)| l != p).take(max_wrong);
    let right = all().filter(|((_, l), p)| l == p);
    wrong.chain(right).take(total).map(tile).collect()
}

/// Draws square grey-scale images (`side × side` pixels each) in a grid of `columns`, each
/// captioned "label → prediction", green when right and red when wrong.
///
/// # Errors
/// [`PlotError::Empty`] for no tiles, `side == 0` or `columns == 0`; [`PlotError::Draw`] if
/// the file cannot be written.
pub fn digit_gallery(
    path: impl AsRef<Path>,
    title: &str,
    tiles: &[Tile<'_>],
    side: usize,
    columns: usize,
    size: (u32, u32),
) -> Result<(), PlotError> {
    if tiles.is_empty() || side == 0 || columns == 0 {
        return Err(PlotError::Empty);
    }
    let root = canvas(path.as_ref(), size)?;
    let root = root.titled(title, (FAMILY, 22)).map_err(draw_err)?;
    let rows = tiles.len().div_ceil(columns);
    let areas = root.split_evenly((rows, columns));
    for (area, tile) in areas.iter().zip(tiles) {
        let ok = tile.label == tile.predicted;
        let color = if ok {
            RGBColor(20, 130, 40)
        } else {
            RGBColor(200, 30, 30)
        };
        let caption = format!("{} \u{2192} {}", tile.label, tile.predicted);
        let mut chart = ChartBuilder::on(area)
            .caption(caption, (FAMILY, 15).into_font().color(&color))
            .margin(4)
            .build_cartesian_2d(0..side as i32, 0..side as i32)
            .map_err(draw_err)?;
        chart
            .draw_series(
                tile.pixels
                    .iter()
                    .take(side * side)
                    .enumerate()
                    .map(|(k, &v)| {
                        let (r, c) = ((k / side) as i32, (k % side) as i32);
                        let g = (255.0 * (1.0 - f64::from(v).clamp(0.0, 1.0))).round() as u8;
                        let y = side as i32 - 1 - r;
                        Rectangle::new([(c, y), (c + 1, y + 1)], RGBColor(g, g, g).filled())
                    }),
            )
            .map_err(draw_err)?;
        if !ok {
            chart
                .draw_series([Rectangle::new(
                    [(0, 0), (side as i32, side as i32)],
                    color.stroke_width(2),
                )])
                .map_err(draw_err)?;
        }
    }
    root.present().map_err(draw_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_ticks_cover_small_losses_and_never_collide() {
        let ticks = log_ticks(0.013, 3.0);
        assert_eq!(ticks, [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]);
        let labels: Vec<String> = ticks.iter().map(|&v| format_loss(v)).collect();
        assert_eq!(labels, ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]);
        // A wide range keeps only the powers of ten.
        assert_eq!(log_ticks(1e-6, 10.0).len(), 8);
        assert!(log_ticks(0.0, 1.0).is_empty());
    }

    #[test]
    fn accuracy_axis_zooms_on_the_late_epochs() {
        let history: Vec<EpochStats> = [0.3, 0.8, 0.9, 0.93, 0.96, 0.97]
            .iter()
            .enumerate()
            .map(|(i, &a)| EpochStats {
                epoch: i + 1,
                train_accuracy: a,
                test_accuracy: Some(a - 0.01),
                ..EpochStats::default()
            })
            .collect();
        let run = [Run {
            name: "r",
            history: &history,
        }];
        // Lowest of the second half: 92 % → axis from 85.
        assert_eq!(accuracy_floor(&run), 85.0);
        let flat = [Run {
            name: "r",
            history: &history[..1],
        }];
        assert_eq!(accuracy_floor(&flat), 20.0); // 29 % − 5, rounded down
    }
}
