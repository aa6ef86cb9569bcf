//! Weight matrices in bfloat16 for the opt-in fast scoring mode (`--precision bf16`).
//!
//! Why: exact f32 scoring runs at the f32 FMA rate of the CPU (≈ 290 tokens/s for SmolLM2 on
//! two cores), which puts SIB-200's 205 languages at ≈ 5 h. Intel's AMX tiles multiply bf16
//! matrices with f32 accumulation at an order of magnitude more FLOPs per cycle. The price is
//! precision: activations and weights are rounded to bf16 (8 significant bits) before each
//! product, which moves log-likelihoods by hundredths of a nat — fine for ranking answers,
//! not for the 1e-3-nat agreement with transformers that the exact mode is held to.
//!
//! What stays true in this mode: every output element is the same sequence of tile
//! operations (32-wide steps along `k`, in order) whatever the batch, tile or thread, so
//! scores are still independent of batch size, request order and prefix reuse. Across CPUs
//! they are not: machines without AMX compute the same rounded products with f32 FMAs
//! ([`matmul_xwt`] on bf16-rounded copies), whose summation order differs in the last bits.
//!
//! Layout: the weight `[n, k]` is stored as 16-column × 32-deep tiles in AMX's pair-interleaved
//! ("VNNI") order — tile `(t, s)` holds rows `16t..16t+16` and columns `32s..32s+32`, element
//! `(j, 2p + e)` at `p * 32 + j * 2 + e` — so a tile is one contiguous 1 KiB load.

use rayon::prelude::*;

use super::kernels::{matmul_xwt, SendPtr};

/// Rows (outputs) per tile and bf16 elements along `k` per tile step.
const TILE_N: usize = 16;
const TILE_K: usize = 32;
const TILE_M: usize = 16;

/// Rounds to the nearest bf16 (ties to even), as `vcvtneps2bf16` does; inputs are finite.
#[inline]
pub fn to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    let round = 0x7fff + ((b >> 16) & 1);
    (b.wrapping_add(round) >> 16) as u16
}

#[inline]
fn from_bf16(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}

pub struct Bf16Matrix {
    rows: usize,
    cols: usize,
    /// `cols` rounded up to a multiple of [`TILE_K`].
    k_pad: usize,
    storage: Storage,
}

enum Storage {
    /// AMX tiles, see the module comment.
    Tiles(Vec<u16>),
    /// bf16 values widened back to f32 for the FMA fallback.
    Widened(Vec<f32>),
}

impl Bf16Matrix {
    /// Rounds a row-major `[rows, cols]` f32 matrix to bf16.
    pub fn new(w: &[f32], rows: usize, cols: usize) -> Bf16Matrix {
        assert_eq!(w.len(), rows * cols, "w is not [rows, cols]");
        let k_pad = cols.div_ceil(TILE_K) * TILE_K;
        let storage = if amx::available() {
            let n_tiles = rows.div_ceil(TILE_N);
            let k_steps = k_pad / TILE_K;
            let mut tiles = vec![0u16; n_tiles * k_steps * TILE_N * TILE_K];
            for (r, row) in w.chunks_exact(cols).enumerate() {
                let (t, j) = (r / TILE_N, r % TILE_N);
                for (c, &v) in row.iter().enumerate() {
                    let (s, kk) = (c / TILE_K, c % TILE_K);
                    let tile = (t * k_steps + s) * TILE_N * TILE_K;
                    tiles[tile + (kk / 2) * 2 * TILE_N + j * 2 + kk % 2] = to_bf16(v);
                }
            }
            Storage::Tiles(tiles)
        } else {
            Storage::Widened(w.iter().map(|&v| from_bf16(to_bf16(v))).collect())
        };
        Bf16Matrix {
            rows,
            cols,
            k_pad,
            storage,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `out[i * rows + j] = Σ_k bf16(x[i, k]) · bf16(w[j, k])`, accumulated in f32.
    pub fn matmul_xwt(&self, x: &[f32], m: usize, out: &mut [f32]) {
        assert_eq!(x.len(), m * self.cols, "x is not [m, cols]");
        assert_eq!(out.len(), m * self.rows, "out is not [m, rows]");
        if m == 0 {
            return;
        }
        match &self.storage {
            Storage::Widened(w) => {
                let xr: Vec<f32> = x.iter().map(|&v| from_bf16(to_bf16(v))).collect();
                matmul_xwt(&xr, m, w, self.rows, self.cols, out);
            }
            Storage::Tiles(tiles) => {
                // x in bf16, rows padded to whole tiles, columns to whole k steps (zeros add
                // nothing to a dot product).
                let m_pad = m.div_ceil(TILE_M) * TILE_M;
                let mut xb = vec![0u16; m_pad * self.k_pad];
                for (dst, src) in xb
                    .chunks_exact_mut(self.k_pad)
                    .zip(x.chunks_exact(self.cols))
                {
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = to_bf16(s);
                    }
                }
                let n_tiles = self.rows.div_ceil(TILE_N);
                let out_ptr = SendPtr(out.as_mut_ptr());
                let job = |pair: usize| {
                    let t0 = pair * 2;
                    let tn = (n_tiles - t0).min(2);
                    // SAFETY: AMX is available (checked when the tiles were built); each task
                    // writes only the output columns of its own weight tiles.
                    unsafe {
                        amx::columns(
                            &xb,
                            m,
                            m_pad,
                            self.k_pad,
                            tiles,
                            t0,
                            tn,
                            self.rows,
                            out_ptr.at(0),
                        )
                    };
                };
                let pairs = n_tiles.div_ceil(2);
                if pairs == 1 || m * self.rows * self.cols < 1 << 16 {
                    (0..pairs).for_each(job);
                } else {
                    (0..pairs).into_par_iter().for_each(job);
                }
            }
        }
    }
}

/// Whether bf16 products run on AMX tiles here (otherwise on f32 FMAs of rounded values).
pub fn uses_amx() -> bool {
    amx::available()
}

/// The AMX tile kernel. Tile registers: 0–3 accumulate a 2×2 block of 16×16 outputs, 4–5 hold
/// two 16-row slices of `x`, 6–7 two weight tiles.
#[cfg(target_arch = "x86_64")]
mod amx {
    use super::{TILE_K, TILE_M, TILE_N};
    use std::arch::asm;

    /// Whether the CPU has AMX-BF16 and the kernel lets this process use the tile registers
    /// (Linux asks each process to request the 8 KiB tile state first).
    pub fn available() -> bool {
        static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            if std::env::var_os("KAKUGO_NO_AMX").is_some() {
                return false;
            }
            let leaf7 = std::arch::x86_64::__cpuid_count(7, 0);
            let amx_bf16 = leaf7.edx & (1 << 22) != 0;
            let amx_tile = leaf7.edx & (1 << 24) != 0;
            if !(amx_bf16 && amx_tile) {
                return false;
            }
            request_tile_permission()
        })
    }

    #[cfg(target_os = "linux")]
    fn request_tile_permission() -> bool {
        const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
        const XFEATURE_XTILEDATA: libc::c_long = 18;
        // SAFETY: a plain syscall with integer arguments.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_arch_prctl,
                ARCH_REQ_XCOMP_PERM,
                XFEATURE_XTILEDATA,
            )
        };
        rc == 0
    }

    #[cfg(not(target_os = "linux"))]
    fn request_tile_permission() -> bool {
        false
    }

    /// Palette 1, eight tiles of 16 rows × 64 bytes.
    #[repr(C, align(64))]
    struct TileConfig([u8; 64]);

    fn config() -> TileConfig {
        let mut c = [0u8; 64];
        c[0] = 1;
        for t in 0..8 {
            c[16 + 2 * t..18 + 2 * t].copy_from_slice(&64u16.to_le_bytes());
            c[48 + t] = 16;
        }
        TileConfig(c)
    }

    /// Output columns of weight tiles `t0..t0 + tn` (`tn` is 1 or 2) for all `m` rows.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn columns(
        xb: &[u16],
        m: usize,
        m_pad: usize,
        k_pad: usize,
        tiles: &[u16],
        t0: usize,
        tn: usize,
        n: usize,
        out: *mut f32,
    ) {
        let cfg = config();
        let k_steps = k_pad / TILE_K;
        let x_stride = k_pad * 2;
        let tile_elems = TILE_N * TILE_K;
        let w0 = tiles.as_ptr().add(t0 * k_steps * tile_elems);
        let w1 = w0.add(if tn == 2 { k_steps * tile_elems } else { 0 });
        let mut c = [0f32; 4 * TILE_M * TILE_N];
        asm!("ldtilecfg [{}]", in(reg) cfg.0.as_ptr(), options(nostack, readonly));
        let mut i0 = 0;
        while i0 < m_pad {
            let two_rows = i0 + TILE_M < m_pad;
            let x0 = xb.as_ptr().add(i0 * k_pad);
            let x1 = if two_rows { x0.add(TILE_M * k_pad) } else { x0 };
            asm!(
                "tilezero tmm0",
                "tilezero tmm1",
                "tilezero tmm2",
                "tilezero tmm3",
                options(nostack, nomem)
            );
            for s in 0..k_steps {
                let a0 = x0.add(s * TILE_K);
                let a1 = x1.add(s * TILE_K);
                let b0 = w0.add(s * tile_elems);
                let b1 = w1.add(s * tile_elems);
                asm!(
                    "tileloadd tmm4, [{a0} + {xs}*1]",
                    "tileloadd tmm5, [{a1} + {xs}*1]",
                    "tileloadd tmm6, [{b0} + {ws}*1]",
                    "tileloadd tmm7, [{b1} + {ws}*1]",
                    "tdpbf16ps tmm0, tmm4, tmm6",
                    "tdpbf16ps tmm1, tmm4, tmm7",
                    "tdpbf16ps tmm2, tmm5, tmm6",
                    "tdpbf16ps tmm3, tmm5, tmm7",
                    a0 = in(reg) a0,
                    a1 = in(reg) a1,
                    b0 = in(reg) b0,
                    b1 = in(reg) b1,
                    xs = in(reg) x_stride,
                    ws = in(reg) 64usize,
                    options(nostack, readonly)
                );
            }
            let cp = c.as_mut_ptr();
            let c_tile = TILE_M * TILE_N;
            asm!(
                "tilestored [{c0} + {cs}*1], tmm0",
                "tilestored [{c1} + {cs}*1], tmm1",
                "tilestored [{c2} + {cs}*1], tmm2",
                "tilestored [{c3} + {cs}*1], tmm3",
                c0 = in(reg) cp,
                c1 = in(reg) cp.add(c_tile),
                c2 = in(reg) cp.add(2 * c_tile),
                c3 = in(reg) cp.add(3 * c_tile),
                cs = in(reg) 64usize,
                options(nostack)
            );
            for (block, (row_off, tile)) in [(0, 0), (0, 1), (TILE_M, 0), (TILE_M, 1)]
                .iter()
                .enumerate()
            {
                if *tile >= tn || (*row_off > 0 && !two_rows) {
                    continue;
                }
                let col0 = (t0 + tile) * TILE_N;
                let cols = (n - col0).min(TILE_N);
                for r in 0..TILE_M {
                    let i = i0 + row_off + r;
                    if i >= m {
                        break;
                    }
                    let src = &c[block * c_tile + r * TILE_N..][..cols];
                    std::ptr::copy_nonoverlapping(src.as_ptr(), out.add(i * n + col0), cols);
                }
            }
            i0 += 2 * TILE_M;
        }
        asm!("tilerelease", options(nostack, nomem));
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod amx {
    pub fn available() -> bool {
        false
    }
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn columns(
        _: &[u16],
        _: usize,
        _: usize,
        _: usize,
        _: &[u16],
        _: usize,
        _: usize,
        _: usize,
        _: *mut f32,
    ) {
        unreachable!("no AMX tiles are built off x86-64")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 20_001) as f32 / 10_000.0 - 1.0
            })
            .collect()
    }

    /// The bf16-rounded product in f64: what either path must approximate.
    fn reference(x: &[f32], m: usize, w: &[f32], n: usize, k: usize) -> Vec<f64> {
        let r = |v: f32| from_bf16(to_bf16(v)) as f64;
        let mut out = vec![0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|t| r(x[i * k + t]) * r(w[j * k + t])).sum();
            }
        }
        out
    }

    #[test]
    fn rounds_to_nearest_even() {
        assert_eq!(to_bf16(1.0), 0x3f80);
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties go to the even mantissa.
        assert_eq!(to_bf16(1.0 + 1.0 / 256.0), 0x3f80);
        assert_eq!(to_bf16(1.0 + 3.0 / 256.0), 0x3f82);
        assert_eq!(to_bf16(-2.5), 0xc020);
    }

    #[test]
    fn matches_the_rounded_product_for_ragged_shapes() {
        for &(m, n, k) in &[
            (1, 1, 1),
            (5, 17, 33),
            (16, 16, 32),
            (37, 50, 70),
            (33, 192, 576),
        ] {
            let x = data(m * k, 1);
            let w = data(n * k, 2);
            let mut out = vec![0f32; m * n];
            Bf16Matrix::new(&w, n, k).matmul_xwt(&x, m, &mut out);
            for (got, want) in out.iter().zip(reference(&x, m, &w, n, k)) {
                assert!(
                    (*got as f64 - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "{m}x{n}x{k}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn rows_do_not_depend_on_batch() {
        let (n, k) = (80, 96);
        let w = Bf16Matrix::new(&data(n * k, 3), n, k);
        let x = data(45 * k, 4);
        let mut all = vec![0f32; 45 * n];
        w.matmul_xwt(&x, 45, &mut all);
        for i in [0, 16, 31, 44] {
            let mut one = vec![0f32; n];
            w.matmul_xwt(&x[i * k..(i + 1) * k], 1, &mut one);
            assert_eq!(one, all[i * n..(i + 1) * n], "row {i}");
        }
    }
}
