//! Picking the next token: greedy argmax, or seeded temperature + nucleus (top-p) sampling.
//!
//! Sampling draws from a ChaCha8 generator seeded per request, so the same seed gives the
//! same text whatever else runs beside it.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Index of the largest logit; ties go to the lowest index.
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0usize;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// Samples from `softmax(logits / temperature)` restricted to the smallest set of tokens whose
/// probability mass reaches `top_p` (ties in probability broken by token id).
pub fn sample(logits: &[f32], temperature: f64, top_p: f64, rng: &mut ChaCha8Rng) -> u32 {
    if temperature <= 0.0 {
        return argmax(logits);
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let mut probs: Vec<(f64, u32)> = logits
        .iter()
        .enumerate()
        .map(|(i, &l)| (((l as f64 - max) / temperature).exp(), i as u32))
        .collect();
    let total: f64 = probs.iter().map(|p| p.0).sum();
    probs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept = 0usize;
    let mut mass = 0.0;
    for p in &probs {
        kept += 1;
        mass += p.0 / total;
        if mass >= top_p {
            break;
        }
    }
    let kept = &probs[..kept];
    let kept_total: f64 = kept.iter().map(|p| p.0).sum();
    let mut u = rng.gen::<f64>() * kept_total;
    for p in kept {
        if u < p.0 {
            return p.1;
        }
        u -= p.0;
    }
    kept[kept.len() - 1].1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn argmax_prefers_lowest_index_on_ties() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, -1.0]), 1);
    }

    #[test]
    fn top_p_keeps_only_the_nucleus() {
        // p ≈ [0.665, 0.245, 0.090]: top_p 0.5 keeps only token 0.
        let logits = [2.0f32, 1.0, 0.0];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            assert_eq!(sample(&logits, 1.0, 0.5, &mut rng), 0);
        }
        // top_p 1.0 reaches every token, with frequencies near the softmax.
        let mut counts = [0usize; 3];
        for _ in 0..20_000 {
            counts[sample(&logits, 1.0, 1.0, &mut rng) as usize] += 1;
        }
        let freq0 = counts[0] as f64 / 20_000.0;
        assert!((freq0 - 0.6652).abs() < 0.015, "{counts:?}");
        assert!(counts[2] > 0);
    }

    #[test]
    fn same_seed_same_draws() {
        let logits: Vec<f32> = (0..50).map(|i| (i as f32 * 0.37).sin()).collect();
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..20)
                .map(|_| sample(&logits, 0.8, 0.9, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
