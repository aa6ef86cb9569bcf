//! Grouped horizontal bars: one row per language, one bar per series (model), each with a 95%
//! whisker (±1.96 standard errors). Horizontal, so 200 language labels stay readable; the
//! canvas grows by one row per language.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, draw_header, font, language_labels, legend_height, nice_max, series_color,
    text_width, Chart, DrawResult, FONT_SIZE, GRID, INK, MARGIN, TITLE_H,
};
use crate::metric_label;
use crate::scores::ScoreTable;

/// One series: a label, a colour and per-row `(value, stderr)` in points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<Option<(f64, f64)>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupedBars {
    pub title: String,
    pub x_label: String,
    pub rows: Vec<String>,
    pub series: Vec<Series>,
    label_w: i32,
    legend_h: i32,
    width: i32,
    x_max: f64,
}

const GROUP_GAP: i32 = 10;
const AXIS_H: i32 = 56;
const WIDTH: i32 = 1000;

impl GroupedBars {
    pub fn new(title: String, x_label: String, rows: Vec<String>, series: Vec<Series>) -> Self {
        let label_w = rows
            .iter()
            .map(|r| text_width(r, FONT_SIZE) as i32)
            .max()
            .unwrap_or(0);
        let width = WIDTH.max(label_w + 600);
        let items: Vec<(String, RGBColor)> =
            series.iter().map(|s| (s.label.clone(), s.color)).collect();
        let legend_h = legend_height(&items, width - 2 * MARGIN);
        let hi = series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .map(|(v, se)| v + 1.96 * se)
            .fold(0.0, f64::max);
        GroupedBars {
            title,
            x_label,
            rows,
            series,
            label_w,
            legend_h,
            width,
            x_max: nice_max(hi),
        }
    }

    /// Bars of the task's primary metric per language for `models` (indices into the table;
    /// the first is drawn as the baseline). `custom` replaces the title and series labels.
    /// `None` when no model has a score for the task.
    pub fn for_models(
        table: &ScoreTable,
        task: &str,
        models: &[usize],
        custom: Option<(String, Vec<String>)>,
    ) -> Option<GroupedBars> {
        let metric = table.primary(task)?;
        let languages = table.task_languages(task);
        let (title, labels) = custom.unwrap_or_else(|| {
            (
                format!("{task}: {} per language", metric_label(metric)),
                models
                    .iter()
                    .map(|&m| table.models[m].label.clone())
                    .collect(),
            )
        });
        let series: Vec<Series> = models
            .iter()
            .zip(labels)
            .enumerate()
            .map(|(i, (&m, label))| Series {
                label,
                color: series_color(i),
                values: languages
                    .iter()
                    .map(|l| table.get(m, task, l, metric).map(|r| (r.value, r.stderr)))
                    .collect(),
            })
            .collect();
        let any = series.iter().any(|s| s.values.iter().any(Option::is_some));
        any.then(|| {
            GroupedBars::new(
                title,
                format!("{} (points; whiskers: 95% interval)", metric_label(metric)),
                language_labels(&languages),
                series,
            )
        })
    }

    fn bar_h(&self) -> i32 {
        if self.series.len() > 4 {
            8
        } else {
            12
        }
    }

    fn row_h(&self) -> i32 {
        self.series.len().max(1) as i32 * self.bar_h() + GROUP_GAP
    }

    fn top(&self) -> i32 {
        MARGIN + TITLE_H + self.legend_h + 8 + self.top_axis_h()
    }

    /// Tall charts repeat the axis labels on top.
    fn top_axis_h(&self) -> i32 {
        if self.rows.len() > 15 {
            20
        } else {
            0
        }
    }
}

impl Chart for GroupedBars {
    fn size(&self) -> (u32, u32) {
        let h = self.top() + self.rows.len() as i32 * self.row_h() + AXIS_H + MARGIN;
        (self.width as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let legend: Vec<(String, RGBColor)> = self
            .series
            .iter()
            .map(|s| (s.label.clone(), s.color))
            .collect();
        draw_header(area, &self.title, &legend, self.width)?;

        let left = MARGIN + self.label_w + 12;
        let right = self.width - MARGIN - 10;
        let top = self.top();
        let bottom = top + self.rows.len() as i32 * self.row_h();
        let x_px =
            |v: f64| left + ((v / self.x_max).clamp(0.0, 1.0) * (right - left) as f64) as i32;

        for i in (0..self.rows.len()).step_by(2) {
            let y = top + i as i32 * self.row_h();
            area.draw(&Rectangle::new(
                [(MARGIN, y), (right, y + self.row_h())],
                RGBColor(0xF5, 0xF5, 0xF5).filled(),
            ))?;
        }
        let step = if self.x_max > 30.0 { 10.0 } else { 5.0 };
        let mut tick = 0.0;
        while tick <= self.x_max + 1e-9 {
            let x = x_px(tick);
            area.draw(&PathElement::new(vec![(x, top), (x, bottom)], GRID))?;
            let label = format!("{tick}");
            area.draw(&Text::new(
                label.clone(),
                (x, bottom + 6),
                anchored(font(FONT_SIZE), HPos::Center, VPos::Top),
            ))?;
            if self.top_axis_h() > 0 {
                area.draw(&Text::new(
                    label,
                    (x, top - 4),
                    anchored(font(FONT_SIZE), HPos::Center, VPos::Bottom),
                ))?;
            }
            tick += step;
        }
        area.draw(&Text::new(
            self.x_label.clone(),
            ((left + right) / 2, bottom + 30),
            anchored(font(FONT_SIZE), HPos::Center, VPos::Top),
        ))?;

        let bar_h = self.bar_h();
        for (i, row) in self.rows.iter().enumerate() {
            let y0 = top + i as i32 * self.row_h() + GROUP_GAP / 2;
            area.draw(&Text::new(
                row.clone(),
                (left - 8, y0 + (self.row_h() - GROUP_GAP) / 2),
                anchored(font(FONT_SIZE), HPos::Right, VPos::Center),
            ))?;
            for (s, series) in self.series.iter().enumerate() {
                let y = y0 + s as i32 * bar_h;
                let mid = y + bar_h / 2;
                match series.values[i] {
                    Some((v, se)) => {
                        area.draw(&Rectangle::new(
                            [(left, y + 1), (x_px(v).max(left + 1), y + bar_h - 1)],
                            series.color.filled(),
                        ))?;
                        if se > 0.0 {
                            let (a, b) = (x_px(v - 1.96 * se), x_px(v + 1.96 * se));
                            let whisker = INK.stroke_width(1);
                            area.draw(&PathElement::new(vec![(a, mid), (b, mid)], whisker))?;
                            for x in [a, b] {
                                area.draw(&PathElement::new(
                                    vec![(x, mid - bar_h / 3), (x, mid + bar_h / 3)],
                                    whisker,
                                ))?;
                            }
                        }
                    }
                    None => {
                        area.draw(&Text::new(
                            "n/a",
                            (left + 4, mid),
                            anchored(font(FONT_SIZE * 0.7), HPos::Left, VPos::Center),
                        ))?;
                    }
                }
            }
        }
        area.draw(&PathElement::new(vec![(left, top), (left, bottom)], INK))?;
        Ok(())
    }
}
