//! The decoder's reductions, written so that no result depends on batch shape: the matrix
//! product `out = x · wᵀ` ([`matmul_xwt`]) and the attention softmax ([`softmax_rows`]).
//!
//! Why not candle's matmul: its `gemm` backend picks kernels and blocking by matrix shape, so
//! the same row of `x` gives slightly different results (≈1e-6) depending on how many rows
//! travel with it. That would make a score depend on batch size, on how a context was split
//! into cached chunks, and on request order. Here every output element is computed the same
//! way whatever the shapes, tiles or threads:
//!
//! - element `k` of the dot product always goes to lane `k % 8` of an 8-lane accumulator,
//!   lanes accumulate in `k` order with fused multiply-adds, and the 8 lanes are summed in a
//!   fixed tree at the end (a partial last chunk is zero-padded, so it follows the same rule);
//! - tiles of 4 rows × 3 weight rows only reuse loads; they never reorder arithmetic;
//! - threads split the weight rows, so each element is computed by exactly one thread.
//!
//! Consequence (tested in `tests/batch_invariance.rs`): scoring is bit-identical across batch
//! sizes, thread counts, prefix reuse and request order. Zero terms (masked attention
//! weights) add exactly nothing, so a longer masked key range changes no bit either.
//!
//! AVX2+FMA is used when the CPU has it; the portable path performs the same fused
//! operations in the same order (`f32::mul_add` is always fused), so results are identical.

use rayon::prelude::*;

const LANES: usize = 8;
/// Largest register tile (rows of `x` × weight rows) of any kernel; see [`Kernel::tile`].
const MR: usize = 8;
const NR: usize = 6;
type Acc = [[f32; NR]; MR];

/// The instruction set the dot-product tiles use, chosen once per process. Every kernel
/// performs the same operations per output element (the lane rule above), so the choice
/// changes speed, never a bit of the result: a record computed on an AVX-512 machine equals
/// one computed on an AVX2 machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// 8 rows × 6 weight rows: 24 512-bit accumulators, each holding two weight rows' 8
    /// lanes side by side, so one broadcast row of `x` feeds three FMAs of 16 lanes.
    Avx512,
    /// 4 rows × 3 weight rows: 12 accumulators + 3 weight vectors + 1 row of `x` fill the 16
    /// AVX2 registers.
    Avx2,
    Portable,
}

impl Kernel {
    pub(crate) fn detect() -> Kernel {
        static KERNEL: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
        *KERNEL.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                let avx2 =
                    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
                if avx2
                    && std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512dq")
                    && std::env::var_os("KAKUGO_NO_AVX512").is_none()
                {
                    return Kernel::Avx512;
                }
                if avx2 {
                    return Kernel::Avx2;
                }
            }
            Kernel::Portable
        })
    }

    /// (rows of `x`, weight rows) per tile.
    fn tile(self) -> (usize, usize) {
        match self {
            Kernel::Avx512 => (8, 6),
            Kernel::Avx2 | Kernel::Portable => (4, 3),
        }
    }
}
/// Rows of `x` kept hot in cache while weight rows stream past.
const M_BLOCK: usize = 32;
/// Weight rows per parallel task.
const N_TASK: usize = 64;

/// `out[i * n + j] = Σ_k x[i * k_len + k] · w[j * k_len + k]` for `x: [m, k_len]`,
/// `w: [n, k_len]`, `out: [m, n]`, all row-major.
pub fn matmul_xwt(x: &[f32], m: usize, w: &[f32], n: usize, k_len: usize, out: &mut [f32]) {
    assert_eq!(x.len(), m * k_len, "x is not [m, k]");
    assert_eq!(w.len(), n * k_len, "w is not [n, k]");
    assert_eq!(out.len(), m * n, "out is not [m, n]");
    if m == 0 || n == 0 {
        return;
    }
    let out_ptr = SendPtr(out.as_mut_ptr());
    let tasks: Vec<usize> = (0..n).step_by(N_TASK).collect();
    let run = |&j0: &usize| {
        let j1 = (j0 + N_TASK).min(n);
        // SAFETY: tasks own disjoint column ranges [j0, j1) of `out`.
        unsafe { columns(x, m, w, k_len, n, j0, j1, out_ptr) };
    };
    if tasks.len() == 1 || m * n * k_len < 1 << 16 {
        tasks.iter().for_each(run);
    } else {
        tasks.par_iter().for_each(run);
    }
}

/// An output buffer shared by parallel tasks that write disjoint elements.
#[derive(Clone, Copy)]
pub(crate) struct SendPtr(pub(crate) *mut f32);
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    /// Element pointer; a method so closures capture the whole (Send) wrapper.
    pub(crate) fn at(self, i: usize) -> *mut f32 {
        // SAFETY: callers stay within the buffer the pointer came from.
        unsafe { self.0.add(i) }
    }
}

/// Computes `out[:, j0..j1]`.
#[allow(clippy::too_many_arguments)]
unsafe fn columns(
    x: &[f32],
    m: usize,
    w: &[f32],
    k_len: usize,
    n: usize,
    j0: usize,
    j1: usize,
    out: SendPtr,
) {
    let kernel = Kernel::detect();
    let (tile_m, tile_n) = kernel.tile();
    for i0 in (0..m).step_by(M_BLOCK) {
        let i1 = (i0 + M_BLOCK).min(m);
        let mut j = j0;
        while j < j1 {
            let nr = (j1 - j).min(tile_n);
            let mut i = i0;
            while i < i1 {
                let mr = (i1 - i).min(tile_m);
                let mut acc = [[0f32; NR]; MR];
                dot_tile(kernel, x, i, mr, w, j, nr, k_len, &mut acc);
                for (r, row) in acc.iter().enumerate().take(mr) {
                    for (c, v) in row.iter().enumerate().take(nr) {
                        *out.0.add((i + r) * n + j + c) = *v;
                    }
                }
                i += mr;
            }
            j += nr;
        }
    }
}

/// Dot products of `mr` rows of `x` (from row `i`) with `nr` rows of `w` (from row `j`).
#[allow(clippy::too_many_arguments)]
#[inline]
fn dot_tile(
    kernel: Kernel,
    x: &[f32],
    i: usize,
    mr: usize,
    w: &[f32],
    j: usize,
    nr: usize,
    k_len: usize,
    acc: &mut Acc,
) {
    match kernel {
        // SAFETY: `Kernel::detect` chose these only when the CPU has the features.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { avx512::dot_tile(x, i, mr, w, j, nr, k_len, acc) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { avx2::dot_tile(x, i, mr, w, j, nr, k_len, acc) },
        _ => portable::dot_tile(x, i, mr, w, j, nr, k_len, acc),
    }
}

/// Sums 8 lanes in kakugo's fixed order.
#[inline(always)]
fn reduce_lanes(l: &[f32; LANES]) -> f32 {
    ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

/// Copies a row segment into a zero-padded chunk of 8.
#[inline(always)]
fn padded(src: &[f32]) -> [f32; LANES] {
    let mut buf = [0f32; LANES];
    buf[..src.len()].copy_from_slice(src);
    buf
}

mod portable {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    pub fn dot_tile(
        x: &[f32],
        i: usize,
        mr: usize,
        w: &[f32],
        j: usize,
        nr: usize,
        k_len: usize,
        acc: &mut Acc,
    ) {
        for r in 0..mr {
            let xr = &x[(i + r) * k_len..(i + r + 1) * k_len];
            for c in 0..nr {
                let wr = &w[(j + c) * k_len..(j + c + 1) * k_len];
                let mut lanes = [0f32; LANES];
                let mut k = 0;
                while k < k_len {
                    let end = (k + LANES).min(k_len);
                    let (xv, wv) = (padded(&xr[k..end]), padded(&wr[k..end]));
                    for l in 0..LANES {
                        lanes[l] = xv[l].mul_add(wv[l], lanes[l]);
                    }
                    k += LANES;
                }
                acc[r][c] = reduce_lanes(&lanes);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;
    use std::arch::x86_64::*;

    #[inline(always)]
    unsafe fn load(row: &[f32], k: usize) -> __m256 {
        if k + LANES <= row.len() {
            _mm256_loadu_ps(row.as_ptr().add(k))
        } else {
            let buf = padded(&row[k..]);
            _mm256_loadu_ps(buf.as_ptr())
        }
    }

    #[inline(always)]
    unsafe fn finish(v: __m256) -> f32 {
        let mut l = [0f32; LANES];
        _mm256_storeu_ps(l.as_mut_ptr(), v);
        reduce_lanes(&l)
    }

    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_tile(
        x: &[f32],
        i: usize,
        mr: usize,
        w: &[f32],
        j: usize,
        nr: usize,
        k_len: usize,
        acc: &mut Acc,
    ) {
        const MR: usize = 4;
        const NR: usize = 3;
        let xr: [&[f32]; MR] = std::array::from_fn(|r| {
            let row = (i + r.min(mr - 1)) * k_len;
            &x[row..row + k_len]
        });
        // Missing rows/columns of a partial tile repeat the last one (computed, not stored).
        let wr: [&[f32]; NR] = std::array::from_fn(|c| {
            let row = (j + c.min(nr - 1)) * k_len;
            &w[row..row + k_len]
        });
        let mut a = [[_mm256_setzero_ps(); NR]; MR];
        let full = k_len - k_len % LANES;
        let mut k = 0;
        while k < full {
            let wv: [__m256; NR] = std::array::from_fn(|c| _mm256_loadu_ps(wr[c].as_ptr().add(k)));
            for r in 0..MR {
                let xv = _mm256_loadu_ps(xr[r].as_ptr().add(k));
                for c in 0..NR {
                    a[r][c] = _mm256_fmadd_ps(xv, wv[c], a[r][c]);
                }
            }
            k += LANES;
        }
        if k < k_len {
            let wv: [__m256; NR] = std::array::from_fn(|c| load(wr[c], k));
            for r in 0..MR {
                let xv = load(xr[r], k);
                for c in 0..NR {
                    a[r][c] = _mm256_fmadd_ps(xv, wv[c], a[r][c]);
                }
            }
        }
        for r in 0..mr {
            for c in 0..nr {
                acc[r][c] = finish(a[r][c]);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::*;
    use std::arch::x86_64::*;

    /// Two weight rows' 8-lane chunks at `k`, side by side in one register.
    #[inline(always)]
    unsafe fn pair(lo: &[f32], hi: &[f32], k: usize, full: bool) -> __m512 {
        let (a, b) = if full {
            (
                _mm256_loadu_ps(lo.as_ptr().add(k)),
                _mm256_loadu_ps(hi.as_ptr().add(k)),
            )
        } else {
            (
                _mm256_loadu_ps(padded(&lo[k..]).as_ptr()),
                _mm256_loadu_ps(padded(&hi[k..]).as_ptr()),
            )
        };
        _mm512_insertf32x8(_mm512_castps256_ps512(a), b, 1)
    }

    /// A row of `x`'s 8-lane chunk at `k`, in both halves.
    #[inline(always)]
    unsafe fn twice(row: &[f32], k: usize, full: bool) -> __m512 {
        let v = if full {
            _mm256_loadu_ps(row.as_ptr().add(k))
        } else {
            _mm256_loadu_ps(padded(&row[k..]).as_ptr())
        };
        _mm512_broadcast_f32x8(v)
    }

    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub unsafe fn dot_tile(
        x: &[f32],
        i: usize,
        mr: usize,
        w: &[f32],
        j: usize,
        nr: usize,
        k_len: usize,
        acc: &mut Acc,
    ) {
        const PAIRS: usize = NR / 2;
        let xr: [&[f32]; MR] = std::array::from_fn(|r| {
            let row = (i + r.min(mr - 1)) * k_len;
            &x[row..row + k_len]
        });
        let wr: [&[f32]; NR] = std::array::from_fn(|c| {
            let row = (j + c.min(nr - 1)) * k_len;
            &w[row..row + k_len]
        });
        let mut a = [[_mm512_setzero_ps(); PAIRS]; MR];
        let full = k_len - k_len % LANES;
        let mut k = 0;
        while k < k_len {
            let whole = k < full;
            let wv: [__m512; PAIRS] =
                std::array::from_fn(|p| pair(wr[2 * p], wr[2 * p + 1], k, whole));
            for r in 0..MR {
                let xv = twice(xr[r], k, whole);
                for p in 0..PAIRS {
                    a[r][p] = _mm512_fmadd_ps(xv, wv[p], a[r][p]);
                }
            }
            k += LANES;
        }
        for r in 0..mr {
            for c in 0..nr {
                let v = a[r][c / 2];
                let half = if c % 2 == 0 {
                    _mm512_castps512_ps256(v)
                } else {
                    _mm512_extractf32x8_ps(v, 1)
                };
                let mut l = [0f32; LANES];
                _mm256_storeu_ps(l.as_mut_ptr(), half);
                acc[r][c] = reduce_lanes(&l);
            }
        }
    }
}

/// A weight matrix quantised to 8 bits for fast generation: blocks of 32 values along a row
/// share one f32 scale (`max |w| / 127`), as llama.cpp's Q8_0. Decoding one token reads every
/// weight once, so it is bound by memory traffic; a quarter of f32's bytes makes it ~3–4×
/// faster. Scoring never uses this: it stays on the exact f32 path.
pub struct Int8Matrix {
    rows: usize,
    cols: usize,
    scales: Vec<f32>,
    values: Vec<i8>,
}

const QBLOCK: usize = 32;

impl Int8Matrix {
    /// Quantises a row-major `[rows, cols]` f32 matrix (`cols` a multiple of 32).
    pub fn quantize(w: &[f32], rows: usize, cols: usize) -> Option<Int8Matrix> {
        if !cols.is_multiple_of(QBLOCK) || w.len() != rows * cols {
            return None;
        }
        let mut scales = Vec::with_capacity(rows * cols / QBLOCK);
        let mut values = Vec::with_capacity(rows * cols);
        for block in w.chunks_exact(QBLOCK) {
            let max = block.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = max / 127.0;
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            scales.push(scale);
            values.extend(
                block
                    .iter()
                    .map(|v| (v * inv).round().clamp(-127.0, 127.0) as i8),
            );
        }
        Some(Int8Matrix {
            rows,
            cols,
            scales,
            values,
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
        assert_eq!(x.len(), m * self.cols);
        assert_eq!(out.len(), m * self.rows);
        let n = self.rows;
        let out_ptr = SendPtr(out.as_mut_ptr());
        let blocks = self.cols / QBLOCK;
        (0..n).into_par_iter().with_min_len(64).for_each(|j| {
            let q = &self.values[j * self.cols..(j + 1) * self.cols];
            let s = &self.scales[j * blocks..(j + 1) * blocks];
            for i in 0..m {
                let xr = &x[i * self.cols..(i + 1) * self.cols];
                let v = int8_dot(xr, q, s);
                // SAFETY: each (i, j) is written by exactly one task.
                unsafe { *out_ptr.at(i * n + j) = v };
            }
        });
    }
}

#[inline]
fn int8_dot(x: &[f32], q: &[i8], scales: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: features detected.
            return unsafe { int8_dot_avx2(x, q, scales) };
        }
    }
    let mut acc = 0f32;
    for ((xb, qb), s) in x
        .chunks_exact(QBLOCK)
        .zip(q.chunks_exact(QBLOCK))
        .zip(scales)
    {
        let block: f32 = xb.iter().zip(qb).map(|(a, &b)| a * b as f32).sum();
        acc += block * s;
    }
    acc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn int8_dot_avx2(x: &[f32], q: &[i8], scales: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    let mut acc = _mm256_setzero_ps();
    for (b, s) in scales.iter().enumerate() {
        let mut t = _mm256_setzero_ps();
        for c in 0..QBLOCK / LANES {
            let k = b * QBLOCK + c * LANES;
            let qi = _mm_loadl_epi64(q.as_ptr().add(k) as *const __m128i);
            let qf = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(qi));
            t = _mm256_fmadd_ps(_mm256_loadu_ps(x.as_ptr().add(k)), qf, t);
        }
        acc = _mm256_fmadd_ps(t, _mm256_set1_ps(*s), acc);
    }
    let mut l = [0f32; LANES];
    _mm256_storeu_ps(l.as_mut_ptr(), acc);
    reduce_lanes(&l)
}

/// In-place softmax of each row of `data` (`rows × cols`), with the same lane rule as the
/// matrix product: exponentials are summed in lane `t % 8`, lanes reduced in a fixed tree, so
/// appending masked (`-inf`, hence exactly zero) entries to a row changes no bit of it.
/// candle's softmax sums in chunks whose split depends on the row length, which does not.
pub fn softmax_rows(data: &mut [f32], cols: usize) {
    for row in data.chunks_exact_mut(cols) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut lanes = [0f32; LANES];
        for (t, v) in row.iter_mut().enumerate() {
            *v = (*v - max).exp();
            lanes[t % LANES] += *v;
        }
        let sum = reduce_lanes(&lanes);
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                (((i as u32).wrapping_mul(2654435761).wrapping_add(seed) >> 8) as f32
                    / 16_777_216.0)
                    - 0.5
            })
            .collect()
    }

    #[test]
    fn matches_f64_reference() {
        let (m, n, k) = (7, 13, 37);
        let (x, w) = (data(m * k, 1), data(n * k, 2));
        let mut out = vec![0f32; m * n];
        matmul_xwt(&x, m, &w, n, k, &mut out);
        for i in 0..m {
            for j in 0..n {
                let exact: f64 = (0..k)
                    .map(|t| x[i * k + t] as f64 * w[j * k + t] as f64)
                    .sum();
                assert!((out[i * n + j] as f64 - exact).abs() < 1e-5, "{i},{j}");
            }
        }
    }

    #[test]
    fn rows_do_not_depend_on_batch_or_tiling() {
        let (m, n, k) = (37, 150, 200);
        let (x, w) = (data(m * k, 3), data(n * k, 4));
        let mut all = vec![0f32; m * n];
        matmul_xwt(&x, m, &w, n, k, &mut all);
        for i in 0..m {
            let mut one = vec![0f32; n];
            matmul_xwt(&x[i * k..(i + 1) * k], 1, &w, n, k, &mut one);
            assert_eq!(one, all[i * n..(i + 1) * n], "row {i}");
        }
    }

    #[test]
    fn trailing_zeros_change_nothing() {
        // A masked key range: zero weights appended to both operands' rows.
        let (m, n, k) = (3, 5, 21);
        let (x, w) = (data(m * k, 5), data(n * k, 6));
        let pad = |v: &[f32], rows: usize| -> Vec<f32> {
            (0..rows)
                .flat_map(|r| v[r * k..(r + 1) * k].iter().copied().chain([0.0; 11]))
                .collect()
        };
        let (mut a, mut b) = (vec![0f32; m * n], vec![0f32; m * n]);
        matmul_xwt(&x, m, &w, n, k, &mut a);
        matmul_xwt(&pad(&x, m), m, &pad(&w, n), n, k + 11, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn softmax_ignores_appended_masked_entries() {
        let row = data(21, 9);
        let mut short = row.clone();
        let mut long: Vec<f32> = row.iter().copied().chain([f32::NEG_INFINITY; 13]).collect();
        softmax_rows(&mut short, 21);
        softmax_rows(&mut long, 34);
        assert_eq!(short[..], long[..21]);
        assert!(long[21..].iter().all(|&p| p == 0.0));
        assert!((short.iter().map(|&p| p as f64).sum::<f64>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn int8_matmul_is_close_to_f32() {
        let (m, n, k) = (2, 40, 96);
        let (x, w) = (data(m * k, 10), data(n * k, 11));
        let q = Int8Matrix::quantize(&w, n, k).unwrap();
        let (mut exact, mut approx) = (vec![0f32; m * n], vec![0f32; m * n]);
        matmul_xwt(&x, m, &w, n, k, &mut exact);
        q.matmul_xwt(&x, m, &mut approx);
        for (a, b) in exact.iter().zip(&approx) {
            assert!((a - b).abs() < 0.02, "{a} vs {b}");
        }
    }

    #[test]
    fn every_kernel_is_bit_identical_to_the_portable_one() {
        let (m, n, k) = (8, 6, 29);
        let (x, w) = (data(m * k, 7), data(n * k, 8));
        let mut kernels = vec![Kernel::detect()];
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            kernels.push(Kernel::Avx2);
        }
        for kernel in kernels {
            let (tm, tn) = kernel.tile();
            // Full and partial tiles, with and without a ragged tail of k.
            for (mr, nr, k_len) in [(tm, tn, k), (3, 2, k), (tm, tn, 24), (1, 1, 5), (2, tn, 13)] {
                let (xs, ws) = (&x[..m * k_len], &w[..n * k_len]);
                let mut fast = [[0f32; NR]; MR];
                let mut slow = [[0f32; NR]; MR];
                dot_tile(kernel, xs, 0, mr, ws, 0, nr, k_len, &mut fast);
                portable::dot_tile(xs, 0, mr, ws, 0, nr, k_len, &mut slow);
                assert_eq!(fast, slow, "{kernel:?} {mr}x{nr}, k = {k_len}");
            }
        }
    }
}
