//! Properties of the seeded bootstraps. Their numbers cannot match numpy's generator, so
//! instead: determinism for a seed, the estimate inside its interval, coverage close to
//! nominal on a case with a known answer, and rank intervals that separate clearly
//! different systems but not indistinguishable ones.

use kakugo_stats::bootstrap::{bootstrap_interval, bootstrap_mean_interval, bootstrap_ranks};
use kakugo_stats::classification::macro_f1;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn bernoulli(rng: &mut ChaCha8Rng, n: usize, p: f64) -> Vec<f64> {
    (0..n)
        .map(|_| f64::from(u8::from(rng.gen::<f64>() < p)))
        .collect()
}

#[test]
fn same_seed_same_result_different_seed_different_result() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let values: Vec<f64> = (0..200).map(|_| rng.gen::<f64>()).collect();
    let a = bootstrap_mean_interval(&values, 1000, 0.95, 42).unwrap();
    let b = bootstrap_mean_interval(&values, 1000, 0.95, 42).unwrap();
    assert_eq!(a, b);
    let c = bootstrap_mean_interval(&values, 1000, 0.95, 43).unwrap();
    assert_ne!((a.lower, a.upper), (c.lower, c.upper));

    let scores = vec![values.clone(), values.iter().map(|v| v * 0.9).collect()];
    let r1 = bootstrap_ranks(&scores, true, 300, 0.95, 7).unwrap();
    let r2 = bootstrap_ranks(&scores, true, 300, 0.95, 7).unwrap();
    assert_eq!(r1, r2);
}

#[test]
fn estimate_lies_inside_interval() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for seed in 0..20 {
        let values = bernoulli(&mut rng, 150, 0.63);
        let i = bootstrap_mean_interval(&values, 500, 0.95, seed).unwrap();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert_eq!(i.estimate, mean);
        assert!(i.lower <= i.estimate && i.estimate <= i.upper, "{i:?}");
        assert!(i.lower < i.upper);
        // The bootstrap SE of a mean of 0/1 values is close to sqrt(p(1-p)/n).
        let se = (mean * (1.0 - mean) / 150.0).sqrt();
        assert!(
            (i.standard_error / se - 1.0).abs() < 0.15,
            "{} vs {se}",
            i.standard_error
        );
    }
}

#[test]
fn percentile_interval_covers_true_accuracy_near_nominal_rate() {
    // 200 simulated evaluations of a model with true accuracy 0.7 on 80 items: a 90%
    // interval should cover 0.7 in roughly 90% of them (percentile intervals run a little
    // short at this n; binomial noise over 200 trials is ±2.1 points). Seeded, so fixed.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let trials = 200;
    let mut covered = 0;
    for t in 0..trials {
        let values = bernoulli(&mut rng, 80, 0.7);
        let i = bootstrap_mean_interval(&values, 200, 0.9, 1000 + t).unwrap();
        if i.lower <= 0.7 && 0.7 <= i.upper {
            covered += 1;
        }
    }
    let rate = f64::from(covered) / f64::from(trials as u32);
    println!("coverage of the 90% percentile interval: {rate}");
    assert!((0.83..=0.96).contains(&rate), "coverage {rate}");
}

#[test]
fn interval_for_any_statistic_over_items() {
    // Macro-F1 of a classifier, bootstrapped over items.
    let truth: Vec<u8> = (0..90).map(|i| (i % 3) as u8).collect();
    let pred: Vec<u8> = truth
        .iter()
        .enumerate()
        .map(|(i, &t)| if i % 5 == 0 { (t + 1) % 3 } else { t })
        .collect();
    let labels = [0u8, 1, 2];
    let stat = |idx: &[usize]| {
        let t: Vec<u8> = idx.iter().map(|&i| truth[i]).collect();
        let p: Vec<u8> = idx.iter().map(|&i| pred[i]).collect();
        macro_f1(&t, &p, Some(&labels)).unwrap()
    };
    let i = bootstrap_interval(truth.len(), stat, 500, 0.95, 11).unwrap();
    assert!((i.estimate - macro_f1(&truth, &pred, Some(&labels)).unwrap()).abs() < 1e-15);
    assert!(i.lower <= i.estimate && i.estimate <= i.upper);
    assert!(i.upper <= 1.0 && i.lower > 0.5);
}

#[test]
fn rank_intervals_separate_clearly_different_systems() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    // Input order deliberately not the quality order.
    let scores = vec![
        bernoulli(&mut rng, 500, 0.5),
        bernoulli(&mut rng, 500, 0.9),
        bernoulli(&mut rng, 500, 0.1),
    ];
    let r = bootstrap_ranks(&scores, true, 500, 0.95, 5).unwrap();
    let order: Vec<usize> = r.systems.iter().map(|s| s.system).collect();
    assert_eq!(order, vec![1, 0, 2]);
    for (place, s) in r.systems.iter().enumerate() {
        let rank = (place + 1) as f64;
        assert_eq!(
            (s.rank, s.rank_lower, s.rank_upper, s.group),
            (rank, rank, rank, place),
            "{s:?}"
        );
    }
    assert_eq!(r.win_fraction[1][0], 1.0);
    assert_eq!(r.win_fraction[0][1], 0.0);

    // Lower is better (e.g. error rates): the order flips.
    let r = bootstrap_ranks(&scores, false, 200, 0.95, 5).unwrap();
    let order: Vec<usize> = r.systems.iter().map(|s| s.system).collect();
    assert_eq!(order, vec![2, 0, 1]);
}

#[test]
fn rank_intervals_tie_indistinguishable_systems() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let base = bernoulli(&mut rng, 300, 0.6);
    // B differs from A on 6 items, 3 each way: same mean, tiny noise.
    let mut b = base.clone();
    let mut flipped = (0, 0);
    for v in b.iter_mut() {
        if *v == 1.0 && flipped.0 < 3 {
            *v = 0.0;
            flipped.0 += 1;
        } else if *v == 0.0 && flipped.1 < 3 {
            *v = 1.0;
            flipped.1 += 1;
        }
    }
    let c = bernoulli(&mut rng, 300, 0.2);
    let r = bootstrap_ranks(&[base.clone(), b, c], true, 1000, 0.95, 9).unwrap();
    let top: Vec<_> = r.systems.iter().filter(|s| s.system != 2).collect();
    for s in &top {
        assert_eq!(
            (s.rank_lower, s.rank_upper, s.group),
            (1.0, 2.0, 0),
            "{s:?}"
        );
    }
    let worst = r.systems.iter().find(|s| s.system == 2).unwrap();
    assert_eq!(
        (worst.rank_lower, worst.rank_upper, worst.group),
        (3.0, 3.0, 1)
    );
    // Pairwise fractions are complementary.
    for i in 0..3 {
        for j in 0..3 {
            if i != j {
                assert!((r.win_fraction[i][j] + r.win_fraction[j][i] - 1.0).abs() < 1e-12);
            }
        }
    }

    // Identical systems always tie: average rank 1.5, one group.
    let r = bootstrap_ranks(&[base.clone(), base], true, 100, 0.95, 1).unwrap();
    for s in &r.systems {
        assert_eq!(
            (s.rank, s.rank_lower, s.rank_upper, s.group),
            (1.5, 1.5, 1.5, 0)
        );
    }
    assert_eq!(r.win_fraction[0][1], 0.5);
}
