//! Scatter of translation quality into English (y) against out of English (x): one point per
//! language and model, a language's points joined and labelled once with its FLORES code, and
//! the diagonal y = x.
//! Tasks pair by the naming convention of [`crate::translation_direction`].

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, draw_header, font, legend_height, nice_max, series_color, Chart, DrawResult,
    FONT_SIZE, GRID, INK, MARGIN, TITLE_H,
};
use crate::metric_label;
use crate::scores::ScoreTable;

/// One model's points: `(language code, en→xx score, xx→en score)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPoints {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(String, f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TranslationScatter {
    pub title: String,
    pub metric: String,
    pub models: Vec<ModelPoints>,
    max: f64,
    legend_h: i32,
}

const PLOT: i32 = 560;
const AXIS_W: i32 = 50;
const WIDTH: i32 = MARGIN + AXIS_W + PLOT + 90 + MARGIN;

impl TranslationScatter {
    /// chrF++ when both tasks report it, else the into-English task's primary metric. `None`
    /// when no model has both directions for any language.
    pub fn new(
        table: &ScoreTable,
        prefix: &str,
        into_english: &str,
        from_english: &str,
    ) -> Option<TranslationScatter> {
        let both = |m: &str| {
            table.task_metrics(into_english).contains(&m)
                && table.task_metrics(from_english).contains(&m)
        };
        let metric = if both("chrf++") {
            "chrf++"
        } else {
            table.primary(into_english).filter(|m| both(m))?
        };
        let languages = table.task_languages(into_english);
        let models: Vec<ModelPoints> = table
            .models
            .iter()
            .enumerate()
            .filter_map(|(m, entry)| {
                let points: Vec<(String, f64, f64)> = languages
                    .iter()
                    .filter_map(|l| {
                        let y = table.get(m, into_english, l, metric)?.value;
                        let x = table.get(m, from_english, l, metric)?.value;
                        Some((l.to_string(), x, y))
                    })
                    .collect();
                (!points.is_empty()).then(|| ModelPoints {
                    label: entry.label.clone(),
                    color: series_color(m),
                    points,
                })
            })
            .collect();
        if models.is_empty() {
            return None;
        }
        let hi = models
            .iter()
            .flat_map(|m| m.points.iter())
            .map(|(_, x, y)| x.max(*y))
            .fold(0.0, f64::max);
        let items: Vec<(String, RGBColor)> =
            models.iter().map(|m| (m.label.clone(), m.color)).collect();
        Some(TranslationScatter {
            title: format!(
                "{prefix}: {} into English vs from English",
                metric_label(metric)
            ),
            metric: metric.to_string(),
            legend_h: legend_height(&items, WIDTH - 2 * MARGIN),
            models,
            max: nice_max(hi + 2.0),
        })
    }

    fn top(&self) -> i32 {
        MARGIN + TITLE_H + self.legend_h + 30
    }
}

impl Chart for TranslationScatter {
    fn size(&self) -> (u32, u32) {
        (WIDTH as u32, (self.top() + PLOT + 60 + MARGIN) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let legend: Vec<(String, RGBColor)> = self
            .models
            .iter()
            .map(|m| (m.label.clone(), m.color))
            .collect();
        draw_header(area, &self.title, &legend, WIDTH)?;
        let (left, top) = (MARGIN + AXIS_W, self.top());
        let (right, bottom) = (left + PLOT, top + PLOT);
        let px = |x: f64, y: f64| {
            (
                left + (x / self.max * PLOT as f64) as i32,
                bottom - (y / self.max * PLOT as f64) as i32,
            )
        };
        let step = if self.max > 30.0 { 10.0 } else { 5.0 };
        let mut t = 0.0;
        while t <= self.max + 1e-9 {
            let (x, y) = px(t, t);
            area.draw(&PathElement::new(vec![(x, top), (x, bottom)], GRID))?;
            area.draw(&PathElement::new(vec![(left, y), (right, y)], GRID))?;
            area.draw(&Text::new(
                format!("{t}"),
                (x, bottom + 6),
                anchored(font(FONT_SIZE), HPos::Center, VPos::Top),
            ))?;
            area.draw(&Text::new(
                format!("{t}"),
                (left - 6, y),
                anchored(font(FONT_SIZE), HPos::Right, VPos::Center),
            ))?;
            t += step;
        }
        area.draw(&Rectangle::new([(left, top), (right, bottom)], INK))?;
        area.draw(&DashedPathElement::new(
            vec![px(0.0, 0.0), px(self.max, self.max)],
            6,
            4,
            RGBColor(0x99, 0x99, 0x99),
        ))?;
        area.draw(&Text::new(
            format!("{} from English (en→xx)", metric_label(&self.metric)),
            ((left + right) / 2, bottom + 30),
            anchored(font(FONT_SIZE), HPos::Center, VPos::Top),
        ))?;
        area.draw(&Text::new(
            format!("{} into English (xx→en)", metric_label(&self.metric)),
            (left, top - 8),
            anchored(font(FONT_SIZE), HPos::Left, VPos::Bottom),
        ))?;
        // One language's points (one per model, in model order) are joined by a thin line
        // and labelled once, at the last model's point, so labels do not pile up.
        let mut by_language: BTreeMap<&str, Vec<(i32, i32)>> = BTreeMap::new();
        for m in &self.models {
            for (code, x, y) in &m.points {
                by_language.entry(code).or_default().push(px(*x, *y));
            }
        }
        for points in by_language.values().filter(|p| p.len() > 1) {
            area.draw(&PathElement::new(
                points.clone(),
                RGBColor(0xAA, 0xAA, 0xAA),
            ))?;
        }
        for m in &self.models {
            for (_, x, y) in &m.points {
                let p = px(*x, *y);
                area.draw(&Circle::new(p, 5, m.color.filled()))?;
                area.draw(&Circle::new(p, 5, INK.stroke_width(1)))?;
            }
        }
        for (code, points) in &by_language {
            let p = points[points.len() - 1];
            area.draw(&Text::new(
                code.to_string(),
                (p.0 + 8, p.1),
                anchored(font(FONT_SIZE * 0.75), HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}
