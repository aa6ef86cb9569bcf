//! The decoder: one implementation for the llama family and Gemma 3, written for scoring.
//!
//! Unlike candle-transformers' `quantized_llama` / `quantized_gemma3` (which return only the
//! last position's logits and keep their KV cache inside the model), [`Decoder::forward`]
//! returns the final hidden states of every position and takes an external [`KvCache`];
//! [`Decoder::logits`] applies the LM head only to the rows being scored. Gemma's head has
//! 262,144 rows and costs as much as the rest of the model, so skipping unscored rows matters.
//!
//! Per block (Gemma-only steps marked *):
//! `x += post_attn_norm*(attn(norm(x)))`, `x += post_ffn_norm*(mlp(ffn_norm(x)))`, where
//! attention applies q/k RMS norms*, RoPE (base per layer: Gemma's sliding layers use
//! 10,000), a causal mask with a sliding window* (a key is hidden when
//! `query_pos - key_pos >= window`, as in llama.cpp and transformers), and grouped-query heads;
//! the MLP is `down(act(gate(x)) * up(x))` with SiLU (llama) or GELU-tanh (Gemma).
//! Embeddings are scaled by sqrt(hidden)* before the first block.

use candle_core::{DType, Device, Tensor};

use super::bf16_matrix::Bf16Matrix;
use super::config::{ModelConfig, RopeLayout};
use super::int4_matrix::Int4Matrix;
use super::kernels::{matmul_xwt, softmax_rows, Int8Matrix};
use super::kv_cache::KvCache;
use super::weights::{LayerWeights, Weights};
use kakugo_core::{Error, Result};

pub struct Decoder {
    cfg: ModelConfig,
    /// 4- or 8-bit copies of the matrices for generation, built on first use.
    int8: std::sync::OnceLock<Int8Weights>,
    /// bf16 copies of the block matrices and the LM head for fast scoring, built on first use.
    bf16: std::sync::OnceLock<Bf16Weights>,
    /// How [`Decoder::forward`] multiplies: exact f32 unless the user opted into bf16.
    scoring: ScoringPrecision,

    weights: Weights,
    device: Device,
    inv_freq_global: Vec<f32>,
    inv_freq_local: Vec<f32>,
}

impl Decoder {
    pub fn new(cfg: ModelConfig, weights: Weights, device: Device) -> Decoder {
        let inv_freq = |theta: f64, factors: &[f64]| -> Vec<f32> {
            let d = cfg.head_dim;
            (0..d / 2)
                .map(|i| {
                    // transformers computes base^(2i/d) in f32; kakugo in f64 then rounds.
                    let f = 1.0 / theta.powf((2 * i) as f64 / d as f64);
                    let f = f / factors.get(i).copied().unwrap_or(1.0);
                    f as f32
                })
                .collect()
        };
        let inv_freq_global = inv_freq(cfg.rope_theta, &cfg.rope_freq_factors);
        let inv_freq_local = inv_freq(cfg.rope_theta_local, &[]);
        Decoder {
            int8: std::sync::OnceLock::new(),
            bf16: std::sync::OnceLock::new(),
            scoring: ScoringPrecision::Exact,

            cfg,
            weights,
            device,
            inv_freq_global,
            inv_freq_local,
        }
    }

    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Chooses how scoring forwards multiply (see [`ScoringPrecision`]).
    pub fn set_scoring_precision(&mut self, precision: ScoringPrecision) {
        self.scoring = precision;
    }

    pub fn scoring_precision(&self) -> ScoringPrecision {
        self.scoring
    }

    /// Runs `tokens` at positions `cache.len()..`, appending to the cache. Returns the final
    /// (normed) hidden states, `[tokens.len(), hidden]`.
    pub fn forward(&self, tokens: &[u32], cache: &mut KvCache) -> Result<Tensor> {
        let offset = cache.len();
        let positions: Vec<usize> = (offset..offset + tokens.len()).collect();
        let seqs = vec![0u32; tokens.len()];
        self.forward_packed(tokens, &positions, &seqs, cache)
    }

    /// Runs several independent continuations of the cached context in one pass.
    ///
    /// `positions[i]` is token i's position; `seqs[i]` names the continuation it belongs to,
    /// or is [`SHARED_SEQ`] for context tokens that every continuation sees (they see only
    /// each other). A token attends to every cached position, to earlier shared tokens and to
    /// the earlier tokens of its own continuation, so each continuation sees exactly what it
    /// would see alone, while the
    /// weights are read once for all of them. Masked attention weights are exactly zero, so
    /// packing changes no score (tested bit for bit in `tests/batch_invariance.rs`).
    /// The cache is extended with all packed tokens; callers fork it first.
    pub fn forward_packed(
        &self,
        tokens: &[u32],
        positions: &[usize],
        seqs: &[u32],
        cache: &mut KvCache,
    ) -> Result<Tensor> {
        let precision = match self.scoring {
            ScoringPrecision::Exact => Precision::Exact,
            ScoringPrecision::Bf16 => Precision::Bf16,
        };
        self.run(tokens, positions, seqs, cache, precision)
    }

    /// One generation step with 4- or 8-bit weights (see [`Int4Matrix`], [`Int8Matrix`]):
    /// ~3–4× faster than the f32 path, at the cost of quantisation noise (none for Q4_1
    /// tensors). Never used for scoring.
    pub fn forward_fast(&self, tokens: &[u32], cache: &mut KvCache) -> Result<Tensor> {
        let offset = cache.len();
        let positions: Vec<usize> = (offset..offset + tokens.len()).collect();
        let seqs = vec![0u32; tokens.len()];
        self.run(tokens, &positions, &seqs, cache, Precision::Int8)
    }

    /// Logits from 8-bit LM-head weights, for generation.
    pub fn logits_fast(&self, hidden: &Tensor) -> Result<Tensor> {
        let q = &self.int8_weights()?.lm_head;
        Ok(linear_with(
            hidden,
            q.rows(),
            q.cols(),
            None,
            |xs, m, out| q.matmul_xwt(xs, m, out),
        )?)
    }

    fn int8_weights(&self) -> Result<&Int8Weights> {
        if let Some(w) = self.int8.get() {
            return Ok(w);
        }
        let quant8 = |t: &Tensor| -> Result<Int8Matrix> {
            let (r, c) = t.dims2()?;
            with_f32(t, |d| Int8Matrix::quantize(d, r, c))?
                .ok_or_else(|| Error::model(format!("cannot quantise a [{r}, {c}] matrix to 8 bits (columns must be a multiple of 32)")))
        };
        // 4 bits where the file stored 4-bit blocks (nothing the file had is lost), else 8.
        let allow_4bit = std::env::var_os("KAKUGO_NO_INT4").is_none();
        let quant = |t: &Tensor, four_bit: bool| -> Result<DecodeMatrix> {
            if four_bit && allow_4bit {
                let (r, c) = t.dims2()?;
                if let Some(q) = with_f32(t, |d| Int4Matrix::quantize(d, r, c))? {
                    return Ok(DecodeMatrix::Int4(q));
                }
            }
            Ok(DecodeMatrix::Int8(quant8(t)?))
        };
        let layers = self
            .weights
            .layers
            .iter()
            .zip(&self.weights.stored_q4_1)
            .map(|(l, four)| {
                Ok([
                    quant(&l.wq, four[0])?,
                    quant(&l.wk, four[1])?,
                    quant(&l.wv, four[2])?,
                    quant(&l.wo, four[3])?,
                    quant(&l.w_gate, four[4])?,
                    quant(&l.w_up, four[5])?,
                    quant(&l.w_down, four[6])?,
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        // The LM head (tied embeddings in most small models) is stored at 6-8 bits: 8 here.
        let built = Int8Weights {
            layers,
            lm_head: quant8(&self.weights.lm_head)?,
        };
        Ok(self.int8.get_or_init(|| built))
    }

    fn bf16_weights(&self) -> Result<&Bf16Weights> {
        if let Some(w) = self.bf16.get() {
            return Ok(w);
        }
        let convert = |t: &Tensor| -> Result<Bf16Matrix> {
            let (r, c) = t.dims2()?;
            Ok(with_f32(t, |d| Bf16Matrix::new(d, r, c))?)
        };
        let layers = self
            .weights
            .layers
            .iter()
            .map(|l| {
                Ok([
                    convert(&l.wq)?,
                    convert(&l.wk)?,
                    convert(&l.wv)?,
                    convert(&l.wo)?,
                    convert(&l.w_gate)?,
                    convert(&l.w_up)?,
                    convert(&l.w_down)?,
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        let built = Bf16Weights {
            layers,
            lm_head: convert(&self.weights.lm_head)?,
        };
        Ok(self.bf16.get_or_init(|| built))
    }

    fn run(
        &self,
        tokens: &[u32],
        positions: &[usize],
        seqs: &[u32],
        cache: &mut KvCache,
        precision: Precision,
    ) -> Result<Tensor> {
        let fast = match precision {
            Precision::Int8 => Some(FastLayers::Int8(&self.int8_weights()?.layers)),
            Precision::Bf16 => Some(FastLayers::Bf16(&self.bf16_weights()?.layers)),
            Precision::Exact => None,
        };
        if tokens.is_empty() {
            return Err(Error::model("forward called with no tokens"));
        }
        let cached = cache.len();
        let n = tokens.len();
        let max_pos = positions.iter().copied().max().unwrap_or(0);
        if max_pos >= self.cfg.context_length {
            return Err(Error::model(format!(
                "position {max_pos} is beyond the model's context window of {}",
                self.cfg.context_length
            )));
        }
        if let Some(&bad) = tokens.iter().find(|&&t| t as usize >= self.cfg.vocab_size) {
            return Err(Error::model(format!(
                "token id {bad} is outside the model's vocabulary of {}",
                self.cfg.vocab_size
            )));
        }
        let ids = Tensor::new(tokens, &self.device)?;
        let mut x = self.weights.embed.index_select(&ids, 0)?;
        if self.cfg.scale_embeddings {
            // transformers multiplies by sqrt(hidden) rounded to the activation dtype (f32).
            x = (x * ((self.cfg.hidden_size as f32).sqrt() as f64))?;
        }
        let (cos_g, sin_g) = self.rope_tables(
            &self.inv_freq_global,
            positions,
            self.cfg.rope_linear_factor,
        )?;
        let (cos_l, sin_l) = self.rope_tables(&self.inv_freq_local, positions, 1.0)?;
        let mask_full = attention_mask(cached, positions, seqs, None);
        let mask_local = match self.cfg.sliding_window {
            Some(w) if max_pos >= w => attention_mask(cached, positions, seqs, Some(w)),
            _ => mask_full.clone(),
        };
        for (i, layer) in self.weights.layers.iter().enumerate() {
            let sliding = self.cfg.is_sliding(i);
            let (cos, sin, mask) = if sliding {
                (&cos_l, &sin_l, &mask_local)
            } else {
                (&cos_g, &sin_g, &mask_full)
            };
            let fast_layer = fast.map(|f| f.layer(i));
            x = self.block(i, layer, fast_layer, &x, cos, sin, mask, cache)?;
        }
        cache.advance(n);
        Ok(rms_norm(
            &x,
            &self.weights.final_norm,
            self.cfg.rms_norm_eps,
        )?)
    }

    /// Logits for the given rows of `hidden` (`[rows, vocab]`, f32), at the scoring precision.
    pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        match self.scoring {
            ScoringPrecision::Exact => Ok(linear(hidden, &self.weights.lm_head, None)?),
            ScoringPrecision::Bf16 => {
                let head = &self.bf16_weights()?.lm_head;
                Ok(linear_with(
                    hidden,
                    head.rows(),
                    head.cols(),
                    None,
                    |xs, m, out| head.matmul_xwt(xs, m, out),
                )?)
            }
        }
    }

    /// RoPE cos/sin tables (`[positions, head_dim / 2]`) for global or sliding (`local`)
    /// layers: the training forward (`kakugo_train::forward`) uses the same angles.
    pub fn rope_tables_for(&self, positions: &[usize], local: bool) -> Result<(Tensor, Tensor)> {
        if local {
            self.rope_tables(&self.inv_freq_local, positions, 1.0)
        } else {
            self.rope_tables(
                &self.inv_freq_global,
                positions,
                self.cfg.rope_linear_factor,
            )
        }
    }

    fn rope_tables(
        &self,
        inv_freq: &[f32],
        positions: &[usize],
        linear: f64,
    ) -> Result<(Tensor, Tensor)> {
        let half = inv_freq.len();
        let n = positions.len();
        let mut cos = Vec::with_capacity(n * half);
        let mut sin = Vec::with_capacity(n * half);
        for &p in positions {
            let pos = (p as f64 / linear) as f32;
            for &f in inv_freq {
                // The angle is an f32 product, as in transformers; cos/sin then in f64.
                let angle = (pos * f) as f64;
                cos.push(angle.cos() as f32);
                sin.push(angle.sin() as f32);
            }
        }
        Ok((
            Tensor::from_vec(cos, (n, half), &self.device)?,
            Tensor::from_vec(sin, (n, half), &self.device)?,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        index: usize,
        w: &LayerWeights,
        fast: Option<FastLayer>,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        mask: &[f32],
        cache: &mut KvCache,
    ) -> Result<Tensor> {
        let cfg = &self.cfg;
        let eps = cfg.rms_norm_eps;
        let (n, _) = x.dims2()?;
        let (nh, nkv, hd) = (cfg.num_heads, cfg.num_kv_heads, cfg.head_dim);

        let lin = |x: &Tensor, slot: usize, w: &Tensor, b: Option<&Tensor>| match fast {
            Some(FastLayer::Int8(q)) => {
                linear_with(x, q[slot].rows(), q[slot].cols(), b, |xs, m, out| {
                    q[slot].matmul_xwt(xs, m, out)
                })
            }
            Some(FastLayer::Bf16(q)) => {
                linear_with(x, q[slot].rows(), q[slot].cols(), b, |xs, m, out| {
                    q[slot].matmul_xwt(xs, m, out)
                })
            }
            None => linear(x, w, b),
        };
        let h = rms_norm(x, &w.attn_norm, eps)?;
        let q = lin(&h, 0, &w.wq, w.bq.as_ref())?;
        let k = lin(&h, 1, &w.wk, w.bk.as_ref())?;
        let v = lin(&h, 2, &w.wv, w.bv.as_ref())?;
        // [n, heads*hd] -> [heads, n, hd]
        let mut q = q.reshape((n, nh, hd))?.transpose(0, 1)?.contiguous()?;
        let mut k = k.reshape((n, nkv, hd))?.transpose(0, 1)?.contiguous()?;
        let v = v.reshape((n, nkv, hd))?.transpose(0, 1)?.contiguous()?;
        if let (Some(qn), Some(kn)) = (&w.q_norm, &w.k_norm) {
            q = rms_norm(&q, qn, eps)?;
            k = rms_norm(&k, kn, eps)?;
        }
        let q = rope(&q, cos, sin, cfg.rope_layout)?;
        let k = rope(&k, cos, sin, cfg.rope_layout)?;
        let (k, v) = cache.append(index, k, v)?;
        let total = k.dim(1)?;

        // Grouped-query attention without copying K/V: fold the query heads that share a KV
        // head into the row dimension. Both products go through `matmul_xwt`, so a query's
        // scores do not depend on how many other queries or masked keys travel with it.
        let group = nh / nkv;
        let rows_per_head = group * n;
        let bf16_attention = matches!(fast, Some(FastLayer::Bf16(_)));
        let q = q.reshape((nkv, rows_per_head, hd))?;
        let mut scores = vec![0f32; nkv * rows_per_head * total];
        with_f32(&q, |qs| {
            with_f32(&k, |ks| {
                for h in 0..nkv {
                    attention_product(
                        bf16_attention,
                        &qs[h * rows_per_head * hd..(h + 1) * rows_per_head * hd],
                        rows_per_head,
                        &ks[h * total * hd..(h + 1) * total * hd],
                        total,
                        hd,
                        &mut scores[h * rows_per_head * total..(h + 1) * rows_per_head * total],
                    );
                }
            })
        })??;
        let scale = cfg.attention_scale as f32;
        for (r, row) in scores.chunks_exact_mut(total).enumerate() {
            let query = r % n;
            for (s, m) in row
                .iter_mut()
                .zip(&mask[query * total..(query + 1) * total])
            {
                *s = *s * scale + m;
            }
        }
        softmax_rows(&mut scores, total);
        let probs = scores;
        let vt = v.transpose(1, 2)?.contiguous()?; // [nkv, hd, total]
        let mut attn = vec![0f32; nkv * rows_per_head * hd];
        let ps = &probs;
        {
            with_f32(&vt, |vs| {
                for h in 0..nkv {
                    attention_product(
                        bf16_attention,
                        &ps[h * rows_per_head * total..(h + 1) * rows_per_head * total],
                        rows_per_head,
                        &vs[h * hd * total..(h + 1) * hd * total],
                        hd,
                        total,
                        &mut attn[h * rows_per_head * hd..(h + 1) * rows_per_head * hd],
                    );
                }
            })?;
        }
        let attn = Tensor::from_vec(attn, (nh, n, hd), &self.device)?
            .transpose(0, 1)?
            .reshape((n, nh * hd))?;
        let mut out = lin(&attn, 3, &w.wo, None)?;
        if let Some(pn) = &w.post_attn_norm {
            out = rms_norm(&out, pn, eps)?;
        }
        let x = (x + out)?;

        let h = rms_norm(&x, &w.ffn_norm, eps)?;
        let gate = lin(&h, 4, &w.w_gate, None)?;
        let up = lin(&h, 5, &w.w_up, None)?;
        let act = if cfg.gelu_gate {
            gate.gelu()?
        } else {
            candle_nn::ops::silu(&gate)?
        };
        let mut out = lin(&(act * up)?, 6, &w.w_down, None)?;
        if let Some(pn) = &w.post_ffn_norm {
            out = rms_norm(&out, pn, eps)?;
        }
        Ok((x + out)?)
    }
}

/// `x @ w^T + b` for a 2-D `x` and a `[out, in]` weight, through [`matmul_xwt`].
fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> candle_core::Result<Tensor> {
    let (m, k) = x.dims2()?;
    let (n, wk) = w.dims2()?;
    if k != wk {
        candle_core::bail!("linear: input has {k} features, weight expects {wk}");
    }
    let x = x.contiguous()?;
    let mut out = vec![0f32; m * n];
    with_f32(&x, |xs| {
        with_f32(w, |ws| matmul_xwt(xs, m, ws, n, k, &mut out))
    })??;
    let y = Tensor::from_vec(out, (m, n), x.device())?;
    match b {
        Some(b) => y.broadcast_add(b),
        None => Ok(y),
    }
}

fn rms_norm(x: &Tensor, w: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
    candle_nn::ops::rms_norm(&x.contiguous()?, w, eps as f32)
}

/// `x @ w^T + b` for a weight held in another format (`rows` outputs × `cols` inputs), through
/// that format's own product `matmul(x, m, out)`.
fn linear_with(
    x: &Tensor,
    rows: usize,
    cols: usize,
    b: Option<&Tensor>,
    matmul: impl FnOnce(&[f32], usize, &mut [f32]),
) -> candle_core::Result<Tensor> {
    let (m, k) = x.dims2()?;
    if k != cols {
        candle_core::bail!("linear: input has {k} features, weight expects {cols}");
    }
    let mut out = vec![0f32; m * rows];
    with_f32(x, |xs| matmul(xs, m, &mut out))?;
    let y = Tensor::from_vec(out, (m, rows), x.device())?;
    match b {
        Some(b) => y.broadcast_add(b),
        None => Ok(y),
    }
}

/// `out = a · bᵀ` for one head's attention scores or weighted values: exact f32, or bf16 on
/// AMX tiles in the fast scoring mode (keys and values are packed per call; cheap next to the
/// product itself).
fn attention_product(
    bf16: bool,
    a: &[f32],
    m: usize,
    b: &[f32],
    n: usize,
    k: usize,
    out: &mut [f32],
) {
    if bf16 {
        Bf16Matrix::new(b, n, k).matmul_xwt(a, m, out);
    } else {
        matmul_xwt(a, m, b, n, k, out);
    }
}

/// How scoring forwards multiply.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum ScoringPrecision {
    /// f32 weights, batch-invariant kernels: agrees with transformers to ~1e-5 nats.
    #[default]
    #[serde(rename = "f32", alias = "exact")]
    #[value(name = "f32", alias = "exact")]
    Exact,
    /// Block matrices, attention products and the LM head in bf16 with f32 accumulation on
    /// AMX tiles
    /// ([`Bf16Matrix`]): several times faster, log-likelihoods within hundredths of a nat.
    #[serde(rename = "bf16")]
    #[value(name = "bf16")]
    Bf16,
}

impl std::str::FromStr for ScoringPrecision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "f32" | "exact" => Ok(ScoringPrecision::Exact),
            "bf16" => Ok(ScoringPrecision::Bf16),
            other => Err(format!("unknown precision {other:?}: use f32 or bf16")),
        }
    }
}

impl ScoringPrecision {
    pub fn name(self) -> &'static str {
        match self {
            ScoringPrecision::Exact => "f32",
            ScoringPrecision::Bf16 => "bf16",
        }
    }
}

/// One layer's matrices in a non-f32 format.
#[derive(Clone, Copy)]
enum FastLayer<'a> {
    Int8(&'a [DecodeMatrix; 7]),
    Bf16(&'a [Bf16Matrix; 7]),
}

#[derive(Clone, Copy)]
enum FastLayers<'a> {
    Int8(&'a [[DecodeMatrix; 7]]),
    Bf16(&'a [[Bf16Matrix; 7]]),
}

impl<'a> FastLayers<'a> {
    fn layer(self, i: usize) -> FastLayer<'a> {
        match self {
            FastLayers::Int8(l) => FastLayer::Int8(&l[i]),
            FastLayers::Bf16(l) => FastLayer::Bf16(&l[i]),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Precision {
    /// f32 weights, batch-invariant kernels: scoring.
    Exact,
    /// 4- or 8-bit weights: generation.
    Int8,
    /// bf16 weights: opt-in fast scoring.
    Bf16,
}

/// bf16 matrices per layer (q, k, v, o, gate, up, down) and the LM head.
struct Bf16Weights {
    layers: Vec<[Bf16Matrix; 7]>,
    lm_head: Bf16Matrix,
}

/// Generation's matrices per layer (q, k, v, o, gate, up, down), and the LM head in 8 bits.
struct Int8Weights {
    layers: Vec<[DecodeMatrix; 7]>,
    lm_head: Int8Matrix,
}

/// A block matrix for generation: 4-bit when the file was 4-bit, otherwise 8-bit.
enum DecodeMatrix {
    Int8(Int8Matrix),
    Int4(Int4Matrix),
}

impl DecodeMatrix {
    fn rows(&self) -> usize {
        match self {
            DecodeMatrix::Int8(m) => m.rows(),
            DecodeMatrix::Int4(m) => m.rows(),
        }
    }

    fn cols(&self) -> usize {
        match self {
            DecodeMatrix::Int8(m) => m.cols(),
            DecodeMatrix::Int4(m) => m.cols(),
        }
    }

    fn matmul_xwt(&self, x: &[f32], m: usize, out: &mut [f32]) {
        match self {
            DecodeMatrix::Int8(w) => w.matmul_xwt(x, m, out),
            DecodeMatrix::Int4(w) => w.matmul_xwt(x, m, out),
        }
    }
}

/// Runs `f` on the f32 data of a contiguous CPU tensor, without copying it.
fn with_f32<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> candle_core::Result<R> {
    let t = if t.is_contiguous() {
        t.clone()
    } else {
        t.contiguous()?
    };
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        candle_core::Storage::Cpu(cpu) => {
            let data = cpu.as_slice::<f32>()?;
            let start = layout.start_offset();
            Ok(f(&data[start..start + t.elem_count()]))
        }
        _ => candle_core::bail!("kakugo's matmul runs on CPU tensors"),
    }
}

/// Applies RoPE to `[heads, n, hd]`.
fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor, layout: RopeLayout) -> candle_core::Result<Tensor> {
    let x4 = x.unsqueeze(0)?.contiguous()?;
    let y = match layout {
        RopeLayout::Halves => candle_nn::rotary_emb::rope(&x4, cos, sin)?,
        RopeLayout::Interleaved => candle_nn::rotary_emb::rope_i(&x4, cos, sin)?,
    };
    y.squeeze(0)
}

/// The `seqs` value of packed context tokens that every continuation attends to.
pub const SHARED_SEQ: u32 = u32::MAX;

/// Additive mask `[n, cached + n]`: 0 where query i may see a key, -inf elsewhere.
///
/// Cached keys sit at positions `0..cached` and are visible to every query; new key j is
/// visible to query i when both belong to the same sequence (or j is shared) and
/// `positions[j] <= positions[i]`.
/// With a window, keys with `query_pos - key_pos >= window` are hidden (llama.cpp's rule).
fn attention_mask(
    cached: usize,
    positions: &[usize],
    seqs: &[u32],
    window: Option<usize>,
) -> Vec<f32> {
    let n = positions.len();
    let total = cached + n;
    let mut data = vec![f32::NEG_INFINITY; n * total];
    let too_far = |q: usize, k: usize| window.is_some_and(|w| q - k >= w);
    for i in 0..n {
        let q = positions[i];
        let row = &mut data[i * total..(i + 1) * total];
        for (k, slot) in row[..cached].iter_mut().enumerate() {
            if k <= q && !too_far(q, k) {
                *slot = 0.0;
            }
        }
        for j in 0..n {
            let k = positions[j];
            let visible = seqs[j] == seqs[i] || seqs[j] == SHARED_SEQ;
            if visible && k <= q && !too_far(q, k) {
                row[cached + j] = 0.0;
            }
        }
    }
    data
}

/// Log-probability of `target` under a row of logits, and whether it is the argmax.
pub fn token_logprob(logits: &[f32], target: u32) -> (f64, bool) {
    let mut argmax = 0usize;
    let mut max = f32::NEG_INFINITY;
    for (i, &l) in logits.iter().enumerate() {
        if l > max {
            max = l;
            argmax = i;
        }
    }
    let m = max as f64;
    let sum: f64 = logits.iter().map(|&l| (l as f64 - m).exp()).sum();
    let lp = logits[target as usize] as f64 - m - sum.ln();
    (lp, argmax == target as usize)
}

/// Extracts rows of a `[rows, vocab]` tensor as vectors.
pub fn rows(t: &Tensor) -> Result<Vec<Vec<f32>>> {
    Ok(t.to_dtype(DType::F32)?.to_vec2::<f32>()?)
}
