//! Heatmap of differences candidate − baseline on each task's primary metric: one row per
//! language, one column per task. Colours diverge around zero (ColorBrewer RdBu end points:
//! red worse, white unchanged, blue better) on a symmetric scale whose end is the smallest of
//! 1, 2, 5, 10, 20, 50, 100 points covering the largest |Δ|; a legend bar shows the scale.
//! Each cell also prints its Δ, so the colour is never the only channel.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, bold, colored, font, language_labels, text_width, Chart, DrawResult, FONT_SIZE, INK,
    MARGIN, TITLE_SIZE,
};
use crate::scores::ScoreTable;

#[derive(Debug, Clone, PartialEq)]
pub struct DeltaHeatmap {
    pub title: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    /// `cells[row][col]`: Δ in points, `None` when either model lacks the cell.
    pub cells: Vec<Vec<Option<f64>>>,
    /// The colour scale runs from −scale to +scale.
    pub scale: f64,
    label_w: i32,
    col_w: i32,
}

const CELL_H: i32 = 24;
const HEADER_H: i32 = 84;
const LEGEND_W: i32 = 110;

const NEG: (f64, f64, f64) = (178.0, 24.0, 43.0);
const MID: (f64, f64, f64) = (247.0, 247.0, 247.0);
const POS: (f64, f64, f64) = (33.0, 102.0, 172.0);
const MISSING_FILL: RGBColor = RGBColor(0xD9, 0xD9, 0xD9);

/// Colour of `t` in [−1, 1] on the diverging scale.
pub fn diverging(t: f64) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let (end, f) = if t < 0.0 { (NEG, -t) } else { (POS, t) };
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    RGBColor(mix(MID.0, end.0), mix(MID.1, end.1), mix(MID.2, end.2))
}

/// Smallest of 1, 2, 5, 10, 20, 50, 100 that is at least `v`.
pub fn nice_scale(v: f64) -> f64 {
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .into_iter()
        .find(|s| *s >= v)
        .unwrap_or(100.0)
}

impl DeltaHeatmap {
    /// `None` when the two models share no cell.
    pub fn new(table: &ScoreTable, base: usize, cand: usize) -> Option<DeltaHeatmap> {
        let tasks = table.tasks();
        let languages: Vec<&str> = table
            .languages()
            .into_iter()
            .filter(|l| {
                tasks.iter().any(|t| {
                    table.primary_value(base, t, l).is_some()
                        || table.primary_value(cand, t, l).is_some()
                })
            })
            .collect();
        let cells: Vec<Vec<Option<f64>>> = languages
            .iter()
            .map(|l| {
                tasks
                    .iter()
                    .map(|t| {
                        Some(table.primary_value(cand, t, l)? - table.primary_value(base, t, l)?)
                    })
                    .collect()
            })
            .collect();
        let max = cells
            .iter()
            .flatten()
            .flatten()
            .map(|d| d.abs())
            .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))))?;
        let rows = language_labels(&languages);
        let label_w = rows
            .iter()
            .map(|r| text_width(r, FONT_SIZE) as i32)
            .max()
            .unwrap_or(0);
        let col_w = tasks
            .iter()
            .map(|t| text_width(t, FONT_SIZE) as i32 + 16)
            .max()
            .unwrap_or(0)
            .max(90);
        Some(DeltaHeatmap {
            title: format!(
                "{} - {}: delta per language and task",
                table.models[cand].label, table.models[base].label
            ),
            rows,
            cols: tasks.into_iter().map(String::from).collect(),
            cells,
            scale: nice_scale(max),
            label_w,
            col_w,
        })
    }

    fn left(&self) -> i32 {
        MARGIN + self.label_w + 12
    }
}

impl Chart for DeltaHeatmap {
    fn size(&self) -> (u32, u32) {
        let grid_w = self.cols.len() as i32 * self.col_w;
        let w = (self.left() + grid_w + 30 + LEGEND_W + MARGIN)
            .max(text_width(&self.title, TITLE_SIZE) as i32 + 2 * MARGIN);
        let legend_h = 200 + HEADER_H + 2 * MARGIN;
        let h = (HEADER_H + self.rows.len() as i32 * CELL_H + 2 * MARGIN).max(legend_h);
        (w as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        area.draw(&Text::new(
            self.title.clone(),
            (MARGIN, MARGIN),
            bold(TITLE_SIZE),
        ))?;
        area.draw(&Text::new(
            "points, on each task's primary metric; blue: candidate better, red: worse",
            (MARGIN, MARGIN + 28),
            font(FONT_SIZE * 0.85),
        ))?;
        let left = self.left();
        let top = MARGIN + HEADER_H;
        for (c, col) in self.cols.iter().enumerate() {
            area.draw(&Text::new(
                col.clone(),
                (left + c as i32 * self.col_w + self.col_w / 2, top - 6),
                anchored(bold(FONT_SIZE), HPos::Center, VPos::Bottom),
            ))?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let y = top + r as i32 * CELL_H;
            area.draw(&Text::new(
                row.clone(),
                (left - 8, y + CELL_H / 2),
                anchored(font(FONT_SIZE), HPos::Right, VPos::Center),
            ))?;
            for (c, cell) in self.cells[r].iter().enumerate() {
                let x = left + c as i32 * self.col_w;
                let (fill, text, ink) = match cell {
                    Some(d) => {
                        let t = d / self.scale;
                        let ink = if t.abs() > 0.55 { WHITE } else { INK };
                        (diverging(t), format!("{d:+.1}"), ink)
                    }
                    None => (MISSING_FILL, "n/a".to_string(), INK),
                };
                area.draw(&Rectangle::new(
                    [(x, y), (x + self.col_w, y + CELL_H)],
                    fill.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x, y), (x + self.col_w, y + CELL_H)],
                    WHITE,
                ))?;
                area.draw(&Text::new(
                    text,
                    (x + self.col_w / 2, y + CELL_H / 2),
                    anchored(colored(font(FONT_SIZE), ink), HPos::Center, VPos::Center),
                ))?;
            }
        }
        // Legend: a vertical gradient from +scale (top) to −scale (bottom).
        let lx = left + self.cols.len() as i32 * self.col_w + 30;
        let (ly0, lh) = (top, 200);
        for i in 0..lh {
            let t = 1.0 - 2.0 * i as f64 / (lh - 1) as f64;
            area.draw(&Rectangle::new(
                [(lx, ly0 + i), (lx + 18, ly0 + i + 1)],
                diverging(t).filled(),
            ))?;
        }
        area.draw(&Rectangle::new([(lx, ly0), (lx + 18, ly0 + lh)], INK))?;
        for k in 0..=4 {
            let t = 1.0 - k as f64 / 2.0;
            let y = ly0 + (k * (lh - 1)) / 4;
            area.draw(&PathElement::new(vec![(lx + 18, y), (lx + 23, y)], INK))?;
            area.draw(&Text::new(
                if k == 2 {
                    "0".to_string()
                } else {
                    format!("{:+}", t * self.scale)
                },
                (lx + 26, y),
                anchored(font(FONT_SIZE * 0.85), HPos::Left, VPos::Center),
            ))?;
        }
        area.draw(&Text::new(
            "delta",
            (lx, ly0 - 6),
            anchored(bold(FONT_SIZE * 0.85), HPos::Left, VPos::Bottom),
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_diverge_around_white() {
        assert_eq!(diverging(0.0), RGBColor(247, 247, 247));
        assert_eq!(diverging(-1.0), RGBColor(178, 24, 43));
        assert_eq!(diverging(2.0), RGBColor(33, 102, 172));
        assert_eq!(nice_scale(3.2), 5.0);
        assert_eq!(nice_scale(0.0), 1.0);
    }
}
