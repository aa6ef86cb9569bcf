//! Metrics: one metric, one module; per-item sufficient statistics summed for corpus scores.

pub mod chrf;

/// Corpus score, in points (0–100), of a corpus metric from its summed per-item sufficient
/// statistics (`ItemScore::stats`). `None` for a metric that is not a corpus metric.
/// Reports and `kakugo compare` resample per-item statistics and call this.
pub fn corpus_score_from_stats(metric: &str, summed_stats: &[f64]) -> Option<f64> {
    match metric {
        "chrf++" => Some(chrf::ChrF::chrf_plus_plus().score(summed_stats)),
        "chrf" => Some(chrf::ChrF::plain().score(summed_stats)),
        _ => None,
    }
}
