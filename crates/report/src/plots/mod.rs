//! Plots for reports, each rendered twice from one drawing routine: SVG (inlined in
//! `index.html`) and PNG (for papers and slides).
//!
//! - [`bars::GroupedBars`]: per-language grouped horizontal bars, one bar per model, with
//!   95% whiskers (±1.96 standard errors); also used for the teacher ablation (one student,
//!   one bar per teacher).
//! - [`heatmap::DeltaHeatmap`]: candidate − baseline per language × task, diverging colours
//!   centred on zero, with a legend.
//! - [`scatter::TranslationScatter`]: chrF++ xx→en against en→xx, one point per language and
//!   model.
//!
//! Charts are drawn from plotters primitives with explicit pixel layout, so canvases grow with
//! the number of languages (one row per language; 50+ languages stay readable) and labels are
//! horizontal. Text uses a subset of DejaVu Sans shipped in `assets/fonts/` (ASCII and
//! Latin-1, see its LICENSE), registered with plotters as `sans-serif`: PNGs render the same on
//! every machine, need no system fonts, and SVGs fall back to the browser's sans-serif.
//! Language labels are `code + English name` in ASCII ([`super::language_label`]), so no
//! script coverage is needed.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::scores::ScoreTable;
use super::{language_label, slug, translation_direction, Direction};
use kakugo_core::{Error, Result};

pub mod bars;
pub mod heatmap;
pub mod scatter;

/// One rendered plot.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPlot {
    /// File stem under `plots/` (`bars_sib200`).
    pub stem: String,
    pub title: String,
    /// One sentence saying what the plot shows, for the page.
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Result of a drawing routine on backend `DB`.
pub type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that knows its canvas size and draws itself on any backend.
pub trait Chart {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

static FONT_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-subset.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold-subset.ttf");

/// Registers the shipped font once per process.
fn ensure_fonts() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // The bytes are compiled in and known to parse; a failure is a build defect.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_REGULAR)
            .unwrap_or_else(|_| panic!("shipped regular font does not parse"));
        plotters::style::register_font("sans-serif", FontStyle::Bold, FONT_BOLD)
            .unwrap_or_else(|_| panic!("shipped bold font does not parse"));
    });
}

/// Renders `chart` to SVG and PNG.
pub fn render<C: Chart>(chart: &C, stem: &str, title: &str, caption: &str) -> Result<RenderedPlot> {
    ensure_fonts();
    let size = chart.size();
    let fail = |what: &str, e: String| Error::file(format!("plots/{stem}.{what}"), e);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail("svg", e.to_string()))?;
        chart.draw(&root).map_err(|e| fail("svg", e.to_string()))?;
        root.present().map_err(|e| fail("svg", e.to_string()))?;
    }
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail("png", e.to_string()))?;
        chart.draw(&root).map_err(|e| fail("png", e.to_string()))?;
        root.present().map_err(|e| fail("png", e.to_string()))?;
    }
    let png = encode_png(&rgb, size).map_err(|e| fail("png", e.to_string()))?;
    Ok(RenderedPlot {
        stem: stem.to_string(),
        title: title.to_string(),
        caption: caption.to_string(),
        svg,
        png,
    })
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

// ---- shared style -------------------------------------------------------------------------

/// Colour of the baseline's series.
pub const BASE_COLOR: RGBColor = RGBColor(0x80, 0x80, 0x80);
/// Okabe–Ito colours (distinguishable with colour-vision deficiencies) for candidates.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
];
pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// Series `i` (0 = the baseline) of a chart.
pub fn series_color(i: usize) -> RGBColor {
    if i == 0 {
        BASE_COLOR
    } else {
        PALETTE[(i - 1) % PALETTE.len()]
    }
}

/// Outer margin and title band of every chart, in pixels.
pub const MARGIN: i32 = 20;
pub const TITLE_H: i32 = 34;

pub const FONT_SIZE: f64 = 15.0;
pub const TITLE_SIZE: f64 = 20.0;

pub fn font(size: f64) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

pub fn bold(size: f64) -> TextStyle<'static> {
    ("sans-serif", size)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
}

/// `style` in colour `c`.
pub fn colored(mut style: TextStyle<'static>, c: RGBColor) -> TextStyle<'static> {
    style.color = c.to_backend_color();
    style
}

/// Text anchored at `pos` by `(h, v)`.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Width in pixels of `text` in the shipped font at `size`.
pub fn text_width(text: &str, size: f64) -> u32 {
    ensure_fonts();
    let mut sink = String::new();
    let area = SVGBackend::with_string(&mut sink, (1, 1)).into_drawing_area();
    area.estimate_text_size(text, &font(size))
        .map(|(w, _)| w)
        .unwrap_or((text.len() as f64 * size * 0.6) as u32)
}

/// A "nice" axis maximum: the smallest of 10, 20, ..., 100 at or above `v`.
pub fn nice_max(v: f64) -> f64 {
    ((v / 10.0).ceil() * 10.0).clamp(10.0, 100.0)
}

/// Draws a legend of coloured squares and labels, wrapping within `width`; returns the height
/// used.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, RGBColor)],
    (x0, y0): (i32, i32),
    width: i32,
) -> std::result::Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let (mut x, mut y) = (x0, y0);
    for (label, color) in items {
        let w = 22 + text_width(label, FONT_SIZE) as i32 + 18;
        if x > x0 && x + w > x0 + width {
            x = x0;
            y += 22;
        }
        area.draw(&Rectangle::new(
            [(x, y + 2), (x + 14, y + 16)],
            color.filled(),
        ))?;
        area.draw(&Text::new(
            label.clone(),
            (x + 20, y + 9),
            anchored(font(FONT_SIZE), HPos::Left, VPos::Center),
        ))?;
        x += w;
    }
    Ok(y + 22 - y0)
}

/// Draws a chart's title and, below it, its legend (wrapping within `width`).
pub fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[(String, RGBColor)],
    width: i32,
) -> DrawResult<DB> {
    area.draw(&Text::new(
        title.to_string(),
        (MARGIN, MARGIN),
        bold(TITLE_SIZE),
    ))?;
    draw_legend(area, legend, (MARGIN, MARGIN + TITLE_H), width - 2 * MARGIN)?;
    Ok(())
}

/// Height a legend of `items` takes within `width` (same wrapping as [`draw_legend`]).
pub fn legend_height(items: &[(String, RGBColor)], width: i32) -> i32 {
    let mut x = 0;
    let mut lines = 1;
    for (label, _) in items {
        let w = 22 + text_width(label, FONT_SIZE) as i32 + 18;
        if x > 0 && x + w > width {
            x = 0;
            lines += 1;
        }
        x += w;
    }
    lines * 22
}

// ---- which plots a report gets ------------------------------------------------------------

/// Every plot for a report: grouped bars per task; a delta heatmap per candidate; a teacher
/// ablation per student and task when two or more candidates of one student name teachers;
/// a translation scatter per translation dataset with both directions.
pub fn render_all(table: &ScoreTable) -> Result<Vec<RenderedPlot>> {
    let mut out = Vec::new();
    let all: Vec<usize> = (0..table.models.len()).collect();
    for task in table.tasks() {
        let Some(chart) = bars::GroupedBars::for_models(table, task, &all, None) else {
            continue;
        };
        let metric = table.primary(task).unwrap_or_default();
        out.push(render(
            &chart,
            &format!("bars_{}", slug(task)),
            &chart.title,
            &format!(
                "Every model's {} per language, in points, with 95% intervals (±1.96 standard \
                 errors).",
                super::metric_label(metric)
            ),
        )?);
    }
    if !table.models.is_empty() {
        for cand in 1..table.models.len() {
            if let Some(chart) = heatmap::DeltaHeatmap::new(table, 0, cand) {
                out.push(render(
                    &chart,
                    &format!("delta_{}", slug(&table.models[cand].label)),
                    &chart.title,
                    &format!(
                        "{} minus {} on each task's primary metric, in points; blue is better, \
                         red worse, grey missing.",
                        table.models[cand].label, table.models[0].label
                    ),
                )?);
            }
        }
    }
    out.extend(teacher_ablations(table)?);
    out.extend(translation_scatters(table)?);
    Ok(out)
}

fn teacher_ablations(table: &ScoreTable) -> Result<Vec<RenderedPlot>> {
    // student → candidates naming a teacher, in model order.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, m) in table.models.iter().enumerate().skip(1) {
        if m.teacher().is_none() {
            continue;
        }
        let student = m.student().unwrap_or_else(|| table.models[0].label.clone());
        match groups.iter_mut().find(|(s, _)| *s == student) {
            Some((_, v)) => v.push(i),
            None => groups.push((student, vec![i])),
        }
    }
    let mut out = Vec::new();
    for (student, cands) in groups.into_iter().filter(|(_, c)| c.len() >= 2) {
        for task in table.tasks() {
            let mut models = vec![0];
            models.extend(&cands);
            let labels: Vec<String> = models
                .iter()
                .map(|&m| match table.models[m].teacher() {
                    Some(t) if m != 0 => format!("teacher {t} ({})", table.models[m].label),
                    _ => format!("base {}", table.models[m].label),
                })
                .collect();
            let title = format!("Teacher ablation: student {student}, {task}");
            let Some(chart) =
                bars::GroupedBars::for_models(table, task, &models, Some((title, labels)))
            else {
                continue;
            };
            out.push(render(
                &chart,
                &format!("teachers_{}_{}", slug(&student), slug(task)),
                &chart.title,
                &format!(
                    "The base model and each candidate distilled into {student} from a different \
                     teacher, per language, with 95% intervals."
                ),
            )?);
        }
    }
    Ok(out)
}

fn translation_scatters(table: &ScoreTable) -> Result<Vec<RenderedPlot>> {
    let tasks = table.tasks();
    let mut out = Vec::new();
    for into in &tasks {
        let Some((prefix, Direction::IntoEnglish)) = translation_direction(into) else {
            continue;
        };
        let from = format!("{prefix}_en_xx");
        if !tasks.contains(&from.as_str()) {
            continue;
        }
        let Some(chart) = scatter::TranslationScatter::new(table, prefix, into, &from) else {
            continue;
        };
        out.push(render(
            &chart,
            &format!("translation_{}", slug(prefix)),
            &chart.title,
            &format!(
                "{} into English (y) against from English (x), one point per language and \
                 model; above the diagonal, translating into English scores higher.",
                super::metric_label(&chart.metric)
            ),
        )?);
    }
    Ok(out)
}

/// Row labels of languages, for every chart.
pub fn language_labels(languages: &[&str]) -> Vec<String> {
    languages.iter().map(|l| language_label(l)).collect()
}
