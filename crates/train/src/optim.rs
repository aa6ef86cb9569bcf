//! AdamW (decoupled weight decay, bias-corrected moments) and the learning-rate schedule
//! (linear warm-up, then cosine decay to zero — transformers' `cosine` scheduler).
//!
//! kakugo keeps its own AdamW rather than candle-nn's because a checkpoint must carry the
//! moments and the step count so that a resumed run continues exactly; candle-nn's state is
//! private.
//!
//! ```
//! use kakugo_train::optim::lr_at;
//! // 100 steps, 10 of warm-up: half the peak at step 5, the peak at step 10, zero at the end.
//! assert!((lr_at(5, 100, 10, 2e-4) - 1e-4).abs() < 1e-15);
//! assert!((lr_at(10, 100, 10, 2e-4) - 2e-4).abs() < 1e-15);
//! assert!(lr_at(100, 100, 10, 2e-4).abs() < 1e-12);
//! ```

use candle_core::{Tensor, Var};

use kakugo_core::Result;

/// Learning rate before optimisation step `step` (0-based) of `total`.
pub fn lr_at(step: usize, total: usize, warmup: usize, peak: f64) -> f64 {
    if step < warmup {
        return peak * step as f64 / warmup.max(1) as f64;
    }
    let progress = (step - warmup) as f64 / (total.saturating_sub(warmup)).max(1) as f64;
    peak * 0.5 * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos())
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamWParams {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWParams {
    /// transformers' `TrainingArguments` defaults.
    fn default() -> Self {
        AdamWParams {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

/// AdamW state for a fixed, ordered list of parameters.
pub struct AdamW {
    pub params: AdamWParams,
    /// First moments, parallel to the parameter list.
    pub m: Vec<Tensor>,
    /// Second moments.
    pub v: Vec<Tensor>,
    /// Steps taken.
    pub t: usize,
}

impl AdamW {
    pub fn new(vars: &[&Var], params: AdamWParams) -> Result<AdamW> {
        let zeros = |v: &&Var| v.as_tensor().zeros_like();
        Ok(AdamW {
            params,
            m: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            v: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            t: 0,
        })
    }

    /// One update of every parameter with its gradient at learning rate `lr`.
    pub fn step(&mut self, vars: &[&Var], grads: &[Tensor], lr: f64) -> Result<()> {
        self.t += 1;
        let p = self.params;
        let bc1 = 1.0 - p.beta1.powi(self.t as i32);
        let bc2 = 1.0 - p.beta2.powi(self.t as i32);
        for (i, (var, g)) in vars.iter().zip(grads).enumerate() {
            let m = ((&self.m[i] * p.beta1)? + (g * (1.0 - p.beta1))?)?;
            let v = ((&self.v[i] * p.beta2)? + (g.sqr()? * (1.0 - p.beta2))?)?;
            let m_hat = (&m / bc1)?;
            let v_hat = (&v / bc2)?;
            let update = (m_hat / (v_hat.sqrt()? + p.eps)?)?;
            let theta = (var.as_tensor() * (1.0 - lr * p.weight_decay))?;
            var.set(&(theta - (update * lr)?)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }
}

/// Scales `grads` in place so their global L2 norm is at most `max_norm` (transformers'
/// `max_grad_norm`); returns the norm before clipping.
pub fn clip_grad_norm(grads: &mut [Tensor], max_norm: f64) -> Result<f64> {
    let mut sq = 0f64;
    for g in grads.iter() {
        sq += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
    }
    let norm = sq.sqrt();
    if max_norm > 0.0 && norm > max_norm {
        let s = max_norm / (norm + 1e-6);
        for g in grads.iter_mut() {
            *g = (&*g * s)?;
        }
    }
    Ok(norm)
}
