//! The differentiable training forward: the decoder of `kakugo_model::decoder` (same
//! configuration, same weights, same math) written with candle ops that have a backward pass,
//! plus LoRA adapters.
//!
//! Why a second forward: the scoring decoder uses kakugo's own batch-invariant kernels and
//! candle's fused `rms_norm`/`rope` kernels, none of which record gradients — candle cuts the
//! graph there silently and everything below gets no gradient (FINDINGS.md). Here RMSNorm is
//! composed (`x · rsqrt(mean(x²) + eps) · w`), RoPE is candle's `rope_slow`/`rope_i_slow`,
//! softmax is `exp / sum`, and base weights are plain (non-`Var`) f32 tensors, so only the
//! LoRA parameters get gradients and the base weights' gradients are never materialised.
//! `tests/train.rs` checks that this forward's log-probabilities equal the scoring decoder's
//! on real text for both shipped models.
//!
//! Packing: a micro-batch is one sequence of several examples ("segments"). Projections and
//! MLPs run on all tokens at once; attention runs per segment, with positions restarting at
//! zero, so no example attends to another and none pays for another's length.
//!
//! The LM head is not applied here: [`crate::loss`] applies it in chunks.

use candle_core::{Tensor, D};
use rand_chacha::ChaCha8Rng;

use super::lora::{Lora, Target};
use kakugo_core::{Error, Result};
use kakugo_model::config::RopeLayout;
use kakugo_model::decoder::Decoder;

/// Additive mask value for hidden keys: finite, so no `inf - inf` can reach a gradient, and
/// large enough that `exp` of it is exactly zero in f32.
const MASKED: f32 = -1.0e30;

/// One packed sequence: token ids and the `(start, len)` of each example in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    pub tokens: Vec<u32>,
    pub segments: Vec<(usize, usize)>,
}

impl Packed {
    /// A single example.
    pub fn single(tokens: Vec<u32>) -> Packed {
        let n = tokens.len();
        Packed {
            tokens,
            segments: vec![(0, n)],
        }
    }
}

/// Final (normed) hidden states `[tokens, hidden]` of `decoder`'s model with `lora` applied.
/// `dropout` is the seeded RNG for LoRA dropout while training (`None`: no dropout).
pub fn hidden_states(
    decoder: &Decoder,
    packed: &Packed,
    lora: Option<&Lora>,
    mut dropout: Option<&mut ChaCha8Rng>,
) -> Result<Tensor> {
    let cfg = decoder.config();
    let w = decoder.weights();
    let dev = decoder.device();
    let n = packed.tokens.len();
    if n == 0 {
        return Err(Error::model("training forward called with no tokens"));
    }
    if let Some(&bad) = packed
        .tokens
        .iter()
        .find(|&&t| t as usize >= cfg.vocab_size)
    {
        return Err(Error::model(format!(
            "token id {bad} is outside the model's vocabulary of {}",
            cfg.vocab_size
        )));
    }
    let mut positions = Vec::with_capacity(n);
    for &(_, len) in &packed.segments {
        if len > cfg.context_length {
            return Err(Error::model(format!(
                "an example of {len} tokens exceeds the model's context window of {}",
                cfg.context_length
            )));
        }
        positions.extend(0..len);
    }
    if positions.len() != n {
        return Err(Error::model("packed segments do not cover the tokens"));
    }
    let ids = Tensor::new(packed.tokens.as_slice(), dev)?;
    let mut x = w.embed.index_select(&ids, 0)?;
    if cfg.scale_embeddings {
        x = (x * ((cfg.hidden_size as f32).sqrt() as f64))?;
    }
    let rope_g = decoder.rope_tables_for(&positions, false)?;
    let rope_l = decoder.rope_tables_for(&positions, true)?;
    let masks_full = segment_masks(&packed.segments, None, dev)?;
    let masks_local = match cfg.sliding_window {
        Some(win) => segment_masks(&packed.segments, Some(win), dev)?,
        None => masks_full.clone(),
    };
    let (nh, nkv, hd) = (cfg.num_heads, cfg.num_kv_heads, cfg.head_dim);
    let eps = cfg.rms_norm_eps;
    for (i, l) in w.layers.iter().enumerate() {
        let sliding = cfg.is_sliding(i);
        let ((cos, sin), masks) = if sliding {
            (&rope_l, &masks_local)
        } else {
            (&rope_g, &masks_full)
        };
        let mut proj = |x: &Tensor, t: Target, wt: &Tensor, b: Option<&Tensor>| -> Result<Tensor> {
            let mut y = x.matmul(&wt.t()?)?;
            if let Some(b) = b {
                y = y.broadcast_add(b)?;
            }
            if let Some(lora) = lora {
                if let Some(d) = lora.delta(i, t, x, dropout.as_deref_mut())? {
                    y = (y + d)?;
                }
            }
            Ok(y)
        };
        let h = rms_norm(&x, &l.attn_norm, eps)?;
        let q = proj(&h, Target::Q, &l.wq, l.bq.as_ref())?;
        let k = proj(&h, Target::K, &l.wk, l.bk.as_ref())?;
        let v = proj(&h, Target::V, &l.wv, l.bv.as_ref())?;
        // [n, heads*hd] -> [1, heads, n, hd]
        let mut q = q.reshape((n, nh, hd))?.transpose(0, 1)?.contiguous()?;
        let mut k = k.reshape((n, nkv, hd))?.transpose(0, 1)?.contiguous()?;
        let v = v.reshape((n, nkv, hd))?.transpose(0, 1)?.contiguous()?;
        if let (Some(qn), Some(kn)) = (&l.q_norm, &l.k_norm) {
            q = rms_norm(&q, qn, eps)?;
            k = rms_norm(&k, kn, eps)?;
        }
        let q = rope(&q, cos, sin, cfg.rope_layout)?;
        let k = rope(&k, cos, sin, cfg.rope_layout)?;
        let group = nh / nkv;
        let mut outs = Vec::with_capacity(packed.segments.len());
        for (&(start, len), mask) in packed.segments.iter().zip(masks) {
            // Query heads sharing a KV head are consecutive: fold them into one batch entry.
            let qs = q
                .narrow(1, start, len)?
                .contiguous()?
                .reshape((nkv, group * len, hd))?;
            let ks = k.narrow(1, start, len)?.contiguous()?;
            let vs = v.narrow(1, start, len)?.contiguous()?;
            let scores = (qs.matmul(&ks.t()?)? * cfg.attention_scale)?
                .reshape((nkv, group, len, len))?
                .broadcast_add(mask)?;
            let probs = softmax_last(&scores)?.reshape((nkv, group * len, len))?;
            let o = probs.matmul(&vs)?.reshape((nh, len, hd))?;
            outs.push(o);
        }
        let attn = Tensor::cat(&outs, 1)?
            .transpose(0, 1)?
            .contiguous()?
            .reshape((n, nh * hd))?;
        let mut out = proj(&attn, Target::O, &l.wo, None)?;
        if let Some(pn) = &l.post_attn_norm {
            out = rms_norm(&out, pn, eps)?;
        }
        x = (x + out)?;
        let h = rms_norm(&x, &l.ffn_norm, eps)?;
        let gate = proj(&h, Target::Gate, &l.w_gate, None)?;
        let up = proj(&h, Target::Up, &l.w_up, None)?;
        // Tensor::gelu is the tanh approximation (Gemma's gelu_pytorch_tanh); both have
        // backward passes in candle.
        let act = if cfg.gelu_gate {
            gate.gelu()?
        } else {
            gate.silu()?
        };
        let mut out = proj(&(act * up)?, Target::Down, &l.w_down, None)?;
        if let Some(pn) = &l.post_ffn_norm {
            out = rms_norm(&out, pn, eps)?;
        }
        x = (x + out)?;
    }
    rms_norm(&x, &w.final_norm, eps)
}

/// RMSNorm over the last dimension from differentiable ops.
fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> Result<Tensor> {
    let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
    let r = (ms + eps)?.sqrt()?.recip()?;
    Ok(x.broadcast_mul(&r)?.broadcast_mul(w)?)
}

/// Softmax over the last dimension: `exp(x - max) / sum` (every op has a backward pass).
fn softmax_last(x: &Tensor) -> Result<Tensor> {
    let max = x.max_keepdim(D::Minus1)?.detach();
    let e = x.broadcast_sub(&max)?.exp()?;
    let s = e.sum_keepdim(D::Minus1)?;
    Ok(e.broadcast_div(&s)?)
}

/// RoPE on `[heads, n, hd]` through candle's differentiable `rope_slow`/`rope_i_slow`.
fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor, layout: RopeLayout) -> Result<Tensor> {
    let x4 = x.unsqueeze(0)?;
    let y = match layout {
        RopeLayout::Halves => candle_nn::rotary_emb::rope_slow(&x4, cos, sin)?,
        RopeLayout::Interleaved => candle_nn::rotary_emb::rope_i_slow(&x4, cos, sin)?,
    };
    Ok(y.squeeze(0)?)
}

/// Causal masks `[len, len]` per segment; with a window, keys `q - k >= window` are hidden
/// (llama.cpp's and transformers' rule, as in the scoring decoder).
fn segment_masks(
    segments: &[(usize, usize)],
    window: Option<usize>,
    dev: &candle_core::Device,
) -> Result<Vec<Tensor>> {
    segments
        .iter()
        .map(|&(_, len)| {
            let mut m = vec![MASKED; len * len];
            for q in 0..len {
                for k in 0..=q {
                    if window.is_none_or(|w| q - k < w) {
                        m[q * len + k] = 0.0;
                    }
                }
            }
            Ok(Tensor::from_vec(m, (len, len), dev)?)
        })
        .collect()
}
