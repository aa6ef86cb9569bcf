//! Metrics: one metric, one module; per-item sufficient statistics summed for corpus scores.
