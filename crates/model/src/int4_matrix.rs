//! Weight matrices in 4 bits for generation from Q4_1 GGUF tensors.
//!
//! Why: decoding one token reads every weight once, so its speed is the memory traffic per
//! token. SmolLM2's 8-bit decode copy is 134 MB per token; llama.cpp reads the GGUF's Q4_1
//! blocks (76 MB) and decodes ~1.5× faster. Blocks of 32 values along a row with an f32 scale
//! and minimum (`w ≈ d·q + m`, `q ∈ 0..16`) are Q4_1's own format, and llama.cpp's Q4_1
//! quantiser maps each block's minimum to 0 and maximum to 15, so requantising the dequantised
//! block gives back the same `q` (and `d`, `m` up to f32 rounding): nothing the file had is
//! lost (tests/generation_fidelity.rs: SmolLM2's greedy text equals exact f32 greedy on 6/6
//! FLORES prompts). Q4_0 and Q4_K blocks do not span 0..15 by construction, and requantising
//! them changed Gemma's greedy text on 6/6 prompts, so they keep 8-bit copies. Scoring never
//! uses this: it stays on exact f32. `KAKUGO_NO_INT4=1` forces 8-bit copies (for comparisons).
//!
//! Product: `Σ_k x_k (d_b q_k + m_b) = Σ_b d_b Σ_{k∈b} x_k q_k + m_b Σ_{k∈b} x_k`, with the
//! block sums of `x` computed once per row of `x`.

use rayon::prelude::*;

use super::kernels::{Kernel, SendPtr};

const BLOCK: usize = 32;

pub struct Int4Matrix {
    rows: usize,
    cols: usize,
    scales: Vec<f32>,
    mins: Vec<f32>,
    /// 16 bytes per block: byte `i` holds value `i` in its low nibble and `i + 16` in its high.
    nibbles: Vec<u8>,
}

impl Int4Matrix {
    /// Quantises a row-major `[rows, cols]` f32 matrix (`cols` a multiple of 32).
    pub fn quantize(w: &[f32], rows: usize, cols: usize) -> Option<Int4Matrix> {
        if !cols.is_multiple_of(BLOCK) || w.len() != rows * cols {
            return None;
        }
        let blocks = rows * cols / BLOCK;
        let mut scales = Vec::with_capacity(blocks);
        let mut mins = Vec::with_capacity(blocks);
        let mut nibbles = Vec::with_capacity(blocks * BLOCK / 2);
        for block in w.chunks_exact(BLOCK) {
            let min = block.iter().copied().fold(f32::INFINITY, f32::min);
            let max = block.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let d = (max - min) / 15.0;
            let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
            let q = |v: f32| ((v - min) * inv).round().clamp(0.0, 15.0) as u8;
            scales.push(d);
            mins.push(min);
            nibbles.extend((0..BLOCK / 2).map(|i| q(block[i]) | (q(block[i + BLOCK / 2]) << 4)));
        }
        Some(Int4Matrix {
            rows,
            cols,
            scales,
            mins,
            nibbles,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `out[i * rows + j] = Σ_k x[i, k] · w[j, k]` for `m` rows of `x`.
    pub fn matmul_xwt(&self, x: &[f32], m: usize, out: &mut [f32]) {
        assert_eq!(x.len(), m * self.cols, "x is not [m, cols]");
        assert_eq!(out.len(), m * self.rows, "out is not [m, rows]");
        let blocks = self.cols / BLOCK;
        let block_sums: Vec<f32> = x.chunks_exact(BLOCK).map(|b| b.iter().sum()).collect();
        let n = self.rows;
        let out_ptr = SendPtr(out.as_mut_ptr());
        (0..n).into_par_iter().with_min_len(64).for_each(|j| {
            let q = &self.nibbles[j * blocks * BLOCK / 2..(j + 1) * blocks * BLOCK / 2];
            let d = &self.scales[j * blocks..(j + 1) * blocks];
            let mn = &self.mins[j * blocks..(j + 1) * blocks];
            for i in 0..m {
                let xr = &x[i * self.cols..(i + 1) * self.cols];
                let sums = &block_sums[i * blocks..(i + 1) * blocks];
                let v = dot(xr, sums, q, d, mn);
                // SAFETY: each (i, j) is written by exactly one task.
                unsafe { *out_ptr.at(i * n + j) = v };
            }
        });
    }
}

/// Lanes of the accumulator: value `i` of a block goes to lane `i % 16` (low nibbles) or
/// `(i - 16) % 16` (high nibbles). Every implementation performs the same per-lane operations
/// — `t = lo·x`, `t = fma(hi, x', t)`, `acc = fma(t, d, acc)` — and sums the lanes in the same
/// tree, so AVX-512, AVX2 and portable machines generate the same tokens.
const LANES: usize = 16;

#[inline]
fn dot(x: &[f32], block_sums: &[f32], q: &[u8], d: &[f32], mins: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    match Kernel::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: features detected.
        Kernel::Avx512 => unsafe { lanes_avx512(x, q, d, &mut acc) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: features detected.
        Kernel::Avx2 => unsafe { lanes_avx2(x, q, d, &mut acc) },
        _ => lanes_portable(x, q, d, &mut acc),
    }
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            acc[l] += acc[l + width];
        }
        width /= 2;
    }
    let mut min_part = 0f32;
    for (m, s) in mins.iter().zip(block_sums) {
        min_part = m.mul_add(*s, min_part);
    }
    acc[0] + min_part
}

fn lanes_portable(x: &[f32], q: &[u8], d: &[f32], acc: &mut [f32; LANES]) {
    for (b, &db) in d.iter().enumerate() {
        let qb = &q[b * BLOCK / 2..(b + 1) * BLOCK / 2];
        let xb = &x[b * BLOCK..(b + 1) * BLOCK];
        for l in 0..LANES {
            let t = (qb[l] & 15) as f32 * xb[l];
            let t = ((qb[l] >> 4) as f32).mul_add(xb[l + LANES], t);
            acc[l] = t.mul_add(db, acc[l]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn lanes_avx512(x: &[f32], q: &[u8], d: &[f32], acc: &mut [f32; LANES]) {
    use std::arch::x86_64::*;
    let mut a = _mm512_setzero_ps();
    let low = _mm_set1_epi8(15);
    for (b, &db) in d.iter().enumerate() {
        let bytes = _mm_loadu_si128(q.as_ptr().add(b * BLOCK / 2) as *const __m128i);
        let lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(bytes, low)));
        let hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(
            _mm_srli_epi16(bytes, 4),
            low,
        )));
        let xp = x.as_ptr().add(b * BLOCK);
        let t = _mm512_mul_ps(lo, _mm512_loadu_ps(xp));
        let t = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xp.add(LANES)), t);
        a = _mm512_fmadd_ps(t, _mm512_set1_ps(db), a);
    }
    _mm512_storeu_ps(acc.as_mut_ptr(), a);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn lanes_avx2(x: &[f32], q: &[u8], d: &[f32], acc: &mut [f32; LANES]) {
    use std::arch::x86_64::*;
    let mut a0 = _mm256_setzero_ps();
    let mut a1 = _mm256_setzero_ps();
    let low = _mm_set1_epi8(15);
    for (b, &db) in d.iter().enumerate() {
        let bytes = _mm_loadu_si128(q.as_ptr().add(b * BLOCK / 2) as *const __m128i);
        let lo = _mm_and_si128(bytes, low);
        let hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low);
        let xp = x.as_ptr().add(b * BLOCK);
        let ds = _mm256_set1_ps(db);
        // Lanes 0-7 and 8-15 of the AVX-512 accumulator, with the same operations.
        for (half, a) in [&mut a0, &mut a1].into_iter().enumerate() {
            let shift = |v: __m128i| if half == 0 { v } else { _mm_srli_si128(v, 8) };
            let lo = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(shift(lo)));
            let hi = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(shift(hi)));
            let t = _mm256_mul_ps(lo, _mm256_loadu_ps(xp.add(half * 8)));
            let t = _mm256_fmadd_ps(hi, _mm256_loadu_ps(xp.add(LANES + half * 8)), t);
            *a = _mm256_fmadd_ps(t, ds, *a);
        }
    }
    _mm256_storeu_ps(acc.as_mut_ptr(), a0);
    _mm256_storeu_ps(acc.as_mut_ptr().add(8), a1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn represents_4_bit_affine_blocks_exactly_and_multiplies_like_f32() {
        // A Q4_1-style matrix: every block is d·q + m with q spanning 0..=15.
        let (rows, cols) = (70, 96);
        let mut w = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for blk in 0..cols / BLOCK {
                let d = 0.01 + 0.001 * ((r * 7 + blk) % 13) as f32;
                let m = -0.08 + 0.003 * ((r + blk * 5) % 11) as f32;
                w.extend((0..BLOCK).map(|i| d * ((i * 7 + r) % 16) as f32 + m));
            }
        }
        let q = Int4Matrix::quantize(&w, rows, cols).unwrap();
        let x: Vec<f32> = (0..3 * cols)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let mut out = vec![0f32; 3 * rows];
        q.matmul_xwt(&x, 3, &mut out);
        for i in 0..3 {
            for j in 0..rows {
                let want: f64 = (0..cols)
                    .map(|k| x[i * cols + k] as f64 * w[j * cols + k] as f64)
                    .sum();
                let got = out[i * rows + j] as f64;
                assert!(
                    (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "({i},{j}): {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn every_kernel_gives_the_same_bits() {
        let (rows, cols) = (5, 256);
        let w: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 31.0)
            .collect();
        let q = Int4Matrix::quantize(&w, rows, cols).unwrap();
        let x: Vec<f32> = (0..cols)
            .map(|i| ((i * 29 % 89) as f32 - 44.0) / 17.0)
            .collect();
        let blocks = cols / BLOCK;
        for j in 0..rows {
            let (qs, d) = (
                &q.nibbles[j * blocks * 16..(j + 1) * blocks * 16],
                &q.scales[j * blocks..(j + 1) * blocks],
            );
            let mut portable = [0f32; LANES];
            lanes_portable(&x, qs, d, &mut portable);
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    let mut avx2 = [0f32; LANES];
                    unsafe { lanes_avx2(&x, qs, d, &mut avx2) };
                    assert_eq!(avx2, portable, "row {j}: AVX2");
                }
                if std::is_x86_feature_detected!("avx512f") {
                    let mut avx512 = [0f32; LANES];
                    unsafe { lanes_avx512(&x, qs, d, &mut avx512) };
                    assert_eq!(avx512, portable, "row {j}: AVX-512");
                }
            }
        }
    }

    #[test]
    fn refuses_ragged_rows() {
        assert!(Int4Matrix::quantize(&[0.0; 33], 1, 33).is_none());
    }
}
