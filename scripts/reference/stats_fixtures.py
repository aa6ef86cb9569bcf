#!/usr/bin/env python3
"""Reference values for the kakugo-stats crate.

Writes crates/stats/tests/fixtures/stats_reference.json: inputs and the outputs of
scipy / scikit-learn / statsmodels / krippendorff for every statistic the crate
implements; crates/stats/tests/reference.rs asserts the crate reproduces them to
1e-9. Random inputs come from numpy generators with fixed seeds, so the file is
deterministic apart from the generation date in its metadata.

Versions used for the committed fixture (pin them when regenerating):

    python        3.11.7
    numpy         2.4.6
    scipy         1.17.1
    scikit-learn  1.9.1
    statsmodels   0.15.0
    krippendorff  0.9.0

Setup (from the repository root):

    python3 -m venv .venv-stats
    .venv-stats/bin/pip install numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 \
        statsmodels==0.15.0 krippendorff==0.9.0
    .venv-stats/bin/python scripts/reference/stats_fixtures.py

A value the library returns as NaN (or an input it rejects with an exception) is written
as {"undefined": true, "reason": ...}: the crate returns an error there, and the test
checks that it does.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import math
import platform
import sys
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import scipy
import scipy.special as sp
import sklearn
import statsmodels
from scipy import optimize, stats
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import fleiss_kappa
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint

warnings.simplefilter("ignore")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "stats" / "tests" / "fixtures" / "stats_reference.json"


def num(x):
    """A float for JSON, or an 'undefined' marker for NaN / infinity."""
    x = float(x)
    if math.isnan(x):
        return {"undefined": True, "reason": "NaN"}
    if math.isinf(x):
        return {"undefined": True, "reason": "infinite"}
    return x


def guarded(fn):
    """Run fn; an exception becomes an 'undefined' marker (the crate must error too)."""
    try:
        return fn()
    except (ValueError, ZeroDivisionError, AssertionError) as e:
        return {"undefined": True, "reason": f"{type(e).__name__}: {e}"}


# ---------------------------------------------------------------- special functions
def special_cases():
    beta_args = [
        (0.5, 0.5, 0.3), (1.0, 1.0, 0.7), (2.0, 3.0, 0.4), (0.5, 10.0, 0.01),
        (10.0, 0.5, 0.99), (5.0, 5.0, 0.5), (20.0, 30.0, 0.2), (20.0, 30.0, 0.6),
        (100.0, 200.0, 0.333), (1000.0, 1000.0, 0.47), (1000.0, 1000.0, 0.52),
        (3.0, 998.0, 0.001), (3.0, 998.0, 0.02), (50.0, 1.0, 0.9), (1.0, 50.0, 0.9),
        (2500.0, 2500.0, 0.45), (7.5, 7.5, 0.999), (0.5, 0.5, 1e-8), (12.0, 4.0, 0.25),
        (40000.0, 60000.0, 0.401),
    ]
    beta = [
        {"a": a, "b": b, "x": x, "betainc": num(sp.betainc(a, b, x)),
         "betaincc": num(sp.betaincc(a, b, x))}
        for a, b, x in beta_args
    ]
    inv_args = [
        (1.0, 1.0, 0.3), (2.0, 9.0, 0.025), (9.0, 2.0, 0.975), (0.5, 0.5, 0.5),
        (1.0, 100.0, 0.005), (30.0, 71.0, 0.05), (500.0, 501.0, 0.5),
        (1.0, 20.0, 1e-12), (3.0, 3.0, 1e-6), (151.0, 50.0, 0.025),
    ]
    beta_inv = [
        {"a": a, "b": b, "p": p, "betaincinv": num(sp.betaincinv(a, b, p)),
         "betainccinv": num(sp.betainccinv(a, b, p))}
        for a, b, p in inv_args
    ]
    ps = [1e-300, 1e-100, 1e-20, 1e-12, 1e-9, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.075,
          0.1, 0.2, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.925, 0.95, 0.975, 0.99, 0.999,
          0.999999, 1 - 1e-12]
    quantile = [{"p": p, "ndtri": num(sp.ndtri(p))} for p in ps]
    zs = [-38.0, -20.0, -9.0, -7.5, -5.0, -3.0, -2.0, -1.96, -1.0, -0.5, -1e-3, 0.0,
          0.3, 0.7, 1.0, 1.5, 1.96, 2.5, 3.3, 6.0, 8.5, 12.0, 25.0]
    normal = [{"z": z, "cdf": num(sp.ndtr(z)), "sf": num(stats.norm.sf(z)),
               "erfc": num(sp.erfc(z)), "erf": num(sp.erf(z))} for z in zs]
    t_args = [(0.1, 1.0), (1.0, 1.0), (2.5, 3.0), (0.7, 10.0), (4.0, 28.0), (12.0, 98.0),
              (0.0, 5.0), (40.0, 8.0), (2.0, 1000.0), (-1.3, 7.0), (1e-6, 4.0)]
    student = [{"t": t, "df": df, "sf": num(sp.stdtr(df, -t))} for t, df in t_args]
    chi2 = [{"x": x, "sf": num(stats.chi2.sf(x, 1))}
            for x in [0.0, 1e-6, 0.1, 1.0, 3.84, 10.0, 35.0, 60.0, 200.0]]
    gl = [0.01, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 14.9, 15.0, 33.3, 171.5]
    lgamma = [{"x": x, "gammaln": num(sp.gammaln(x))} for x in gl]
    binom = []
    for k, n, p in [(0, 10, 0.5), (3, 10, 0.5), (10, 10, 0.5), (7, 20, 0.3),
                    (0, 40, 0.5), (1, 1, 0.2), (480, 1000, 0.5), (2400, 5000, 0.5),
                    (5, 1000, 0.001), (990, 1000, 0.999), (60, 200, 0.2),
                    (13, 100000, 0.0001)]:
        binom.append({"k": k, "n": n, "p": p, "pmf": num(stats.binom.pmf(k, n, p)),
                      "cdf": num(stats.binom.cdf(k, n, p)), "sf": num(stats.binom.sf(k, n, p))})
    return {"beta_inc": beta, "beta_inc_inv": beta_inv, "normal_quantile": quantile,
            "normal": normal, "student_t_sf": student, "chi2_sf_df1": chi2,
            "ln_gamma": lgamma, "binomial": binom}


# ---------------------------------------------------------------- binomial family
def binomial_cases():
    rng = np.random.default_rng(20240601)
    tests = []
    args = [(0, 1, 0.5), (1, 1, 0.5), (5, 10, 0.5), (0, 10, 0.5), (10, 10, 0.5),
            (3, 10, 0.5), (7, 10, 0.5), (0, 40, 0.5), (40, 40, 0.5), (1, 45, 0.5),
            (3, 20, 0.3), (6, 20, 0.3), (9, 20, 0.3), (0, 20, 0.3), (20, 20, 0.3),
            (682, 925, 0.75), (50, 100, 0.5), (51, 100, 0.5), (61, 100, 0.5),
            (2, 1000, 0.001), (5, 1000, 0.001), (999, 1000, 0.99), (2500, 5000, 0.5),
            (2620, 5000, 0.5), (0, 5, 0.0), (1, 5, 0.0), (5, 5, 1.0), (4, 5, 1.0),
            (3, 7, 0.1), (12, 31, 0.4), (13, 31, 0.4), (1, 200, 0.5), (5, 17, 1 / 3)]
    for _ in range(25):
        n = int(rng.integers(1, 400))
        p = float(np.round(rng.uniform(0.02, 0.98), 4))
        k = int(rng.integers(0, n + 1))
        args.append((k, n, p))
    for k, n, p in args:
        tests.append({"k": k, "n": n, "p": p, "pvalue": num(stats.binomtest(k, n, p).pvalue)})

    signs = []
    pairs = [
        ([1, 2, 3, 4, 5], [0, 1, 2, 3, 4]),
        ([1, 1, 1, 0, 0, 0.5], [0, 0, 0, 1, 1, 0.5]),
        ([0.2] * 4, [0.2] * 4),
        ([0.9], [0.1]),
    ]
    for size in (12, 60, 300):
        a = np.round(rng.uniform(0, 1, size), 1)
        b = np.round(np.clip(a + rng.normal(0.05, 0.2, size), 0, 1), 1)
        pairs.append((a.tolist(), b.tolist()))
    for a, b in pairs:
        a, b = np.asarray(a, float), np.asarray(b, float)
        wins, losses = int((a > b).sum()), int((a < b).sum())
        ties = len(a) - wins - losses
        p = 1.0 if wins + losses == 0 else stats.binomtest(wins, wins + losses, 0.5).pvalue
        signs.append({"a": a.tolist(), "b": b.tolist(), "wins": wins, "losses": losses,
                      "ties": ties, "pvalue": num(p)})

    mcn = []
    for b, c in [(0, 0), (1, 0), (0, 1), (3, 3), (5, 3), (30, 14), (14, 30), (0, 45),
                 (2, 40), (100, 70), (400, 350), (7, 1), (10, 10), (1, 2), (250, 0),
                 (1200, 1100)]:
        table = [[10, b], [c, 10]]
        ex = mcnemar(table, exact=True)
        entry = {"b": b, "c": c, "exact_statistic": num(ex.statistic),
                 "exact_pvalue": num(ex.pvalue)}
        if b + c == 0:
            entry["chi2_statistic"] = {"undefined": True, "reason": "no discordant pairs (inf)"}
            entry["chi2_pvalue"] = {"undefined": True, "reason": "no discordant pairs"}
        else:
            ch = mcnemar(table, exact=False, correction=True)
            entry["chi2_statistic"] = num(ch.statistic)
            entry["chi2_pvalue"] = num(ch.pvalue)
        mcn.append(entry)
    return {"binomtest": tests, "sign_test": signs, "mcnemar": mcn}


# ---------------------------------------------------------------- intervals
def wilson_cc(k, n, alpha):
    """Newcombe (1998) method 4, Wilson with continuity correction, written out here
    independently of the crate (statsmodels has no such method)."""
    z = stats.norm.isf(alpha / 2)
    p = k / n
    z2 = z * z
    den = 2 * (n + z2)
    if k == 0:
        lo = 0.0
    else:
        lo = (2 * n * p + z2 - 1 - z * math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / den
    if k == n:
        hi = 1.0
    else:
        hi = (2 * n * p + z2 + 1 + z * math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / den
    return max(0.0, lo), min(1.0, hi)


def interval_cases():
    out = []
    counts = [(0, 1), (1, 1), (0, 10), (10, 10), (1, 10), (5, 10), (9, 10), (3, 7),
              (151, 200), (0, 1000), (1, 1000), (500, 1000), (999, 1000), (1000, 1000),
              (37, 80), (2, 3), (12345, 20000), (1, 2)]
    for k, n in counts:
        for conf in (0.5, 0.9, 0.95, 0.99, 0.999999):
            alpha = 1 - conf
            entry = {"k": k, "n": n, "confidence": conf}
            for method, key in (("wilson", "wilson"), ("beta", "clopper_pearson"),
                                ("normal", "normal")):
                lo, hi = proportion_confint(k, n, alpha=alpha, method=method)
                entry[key] = [num(lo), num(hi)]
            lo, hi = wilson_cc(k, n, alpha)
            entry["wilson_cc"] = [num(lo), num(hi)]
            out.append(entry)
    return out


# ---------------------------------------------------------------- multiple testing
def multitest_cases():
    rng = np.random.default_rng(7)
    sets = [
        [0.01, 0.04, 0.03, 0.005],
        [0.05],
        [0.01, 0.01, 0.01, 0.01, 0.01],          # 0.05/5: Bonferroni threshold exactly
        [0.0125, 0.025, 0.0375, 0.05],           # BH thresholds i/m*alpha exactly
        [0.0125, 0.0166666666666666667, 0.025, 0.05],  # Holm thresholds alpha/(m-i)
        [0.0, 1.0, 0.5, 0.5, 1e-12],
        [0.9, 0.8, 0.7, 0.6],
        [1e-12, 3e-9, 2e-7, 0.049, 0.051],
        [0.2, 0.2, 0.01, 0.2, 0.04, 0.04],
        [0.3, 0.02],
    ]
    sets.append(rng.uniform(0, 0.2, 30).round(6).tolist())
    sets.append(np.concatenate([rng.uniform(0, 0.001, 5), rng.uniform(0, 1, 20)]).tolist())
    sets.append(rng.beta(0.3, 3, 50).tolist())
    out = []
    for pv in sets:
        for alpha in (0.05, 0.1):
            entry = {"p": [float(x) for x in pv], "alpha": alpha}
            for method, key in (("bonferroni", "bonferroni"), ("holm", "holm"),
                                ("fdr_bh", "bh")):
                rej, adj, _, _ = multipletests(pv, alpha=alpha, method=method)
                entry[key] = {"adjusted": [num(x) for x in adj],
                              "reject": [bool(r) for r in rej]}
            out.append(entry)
    return out


# ---------------------------------------------------------------- power
# statsmodels' solve_power stops its root search early (relative error up to ~1e-5 in the
# cases below), so the crate is checked against a tight brentq root of statsmodels' own
# power function; solve_power's answer is kept in the fixture for comparison.
def tight_n(nip, effect_size, alpha, power):
    return optimize.brentq(lambda n: nip.power(effect_size, n, alpha, ratio=0) - power,
                           1e-6, 1e9, xtol=1e-12, rtol=8.9e-16, maxiter=500)


def power_cases():
    nip = NormalIndPower()
    one = []
    for n, sd, alpha, power in [(100, 1.0, 0.05, 0.8), (400, 0.5, 0.05, 0.8),
                                (1000, 0.3, 0.01, 0.9), (50, 2.0, 0.1, 0.5),
                                (30, 1.0, 0.05, 0.95), (5, 1.0, 0.05, 0.8),
                                (2000, 0.45, 0.001, 0.8), (250, 0.5, 0.2, 0.3)]:
        std = nip.solve_power(effect_size=None, nobs1=n, alpha=alpha, power=power, ratio=0)

        def f(d, n=n, alpha=alpha, power=power):
            return nip.power(d, n, alpha, ratio=0) - power

        tight = optimize.brentq(f, 1e-9, 20, xtol=1e-15, rtol=8.9e-16, maxiter=500)
        mde = float(std) * sd
        nreq = nip.solve_power(effect_size=mde / sd, nobs1=None, alpha=alpha, power=power, ratio=0)
        eff = 0.8 * mde
        one.append({"n": n, "sd": sd, "alpha": alpha, "power": power,
                    "mde_statsmodels": num(mde), "mde_brentq": num(tight * sd),
                    "n_for_mde_statsmodels": num(nreq),
                    "n_for_mde_brentq": num(tight_n(nip, mde / sd, alpha, power)),
                    "effect": eff,
                    "power_at_effect": num(nip.power(eff / sd, n, alpha, ratio=0))})
    # Items for a round MDE (exact n far from an integer so ceil is unambiguous).
    sizes = []
    for mde, sd, alpha, power in [(0.05, 0.5, 0.05, 0.8), (0.02, 0.45, 0.05, 0.8),
                                  (0.1, 1.0, 0.01, 0.9), (0.3, 1.0, 0.05, 0.8)]:
        nreq = nip.solve_power(effect_size=mde / sd, nobs1=None, alpha=alpha, power=power, ratio=0)
        ntight = tight_n(nip, mde / sd, alpha, power)
        sizes.append({"mde": mde, "sd": sd, "alpha": alpha, "power": power,
                      "n_statsmodels": num(nreq), "n_brentq": num(ntight),
                      "items": int(math.ceil(ntight))})
    prop = []
    for n, p, alpha, power in [(200, 0.5, 0.05, 0.8), (1000, 0.8, 0.05, 0.8),
                               (500, 0.3, 0.01, 0.9)]:
        sd = math.sqrt(p * (1 - p))
        std = nip.solve_power(effect_size=None, nobs1=n, alpha=alpha, power=power, ratio=0)
        prop.append({"n": n, "p": p, "alpha": alpha, "power": power, "mde": num(std * sd)})

    # McNemar (Connor 1987). Power is the formula; the MDE is found by root-finding on
    # that power function and the sample size by the published formula, so neither
    # reuses the crate's closed-form solution.
    mc = []
    for n, psi, alpha, power in [(500, 0.3, 0.05, 0.8), (200, 0.2, 0.05, 0.8),
                                 (1000, 0.1, 0.01, 0.9), (100, 0.5, 0.05, 0.8),
                                 (5000, 0.05, 0.05, 0.8), (50, 0.4, 0.1, 0.6),
                                 (300, 0.25, 0.05, 0.3)]:
        za = stats.norm.isf(alpha / 2)
        zb = stats.norm.ppf(power)

        def connor_power(d, n=n, psi=psi, za=za):
            return stats.norm.cdf((d * math.sqrt(n) - za * math.sqrt(psi)) / math.sqrt(psi - d * d))

        mde = optimize.brentq(lambda d: connor_power(d) - power, 1e-12, math.sqrt(psi) * (1 - 1e-12),
                              xtol=1e-15, rtol=8.9e-16, maxiter=500)
        if mde > psi:
            mde_entry = {"undefined": True, "reason": "MDE exceeds discordance"}
        else:
            mde_entry = num(mde)
        d = min(0.6 * psi, 0.05)
        nreq = (za * math.sqrt(psi) + zb * math.sqrt(psi - d * d)) ** 2 / d ** 2
        mc.append({"n": n, "discordance": psi, "alpha": alpha, "power": power,
                   "mde": mde_entry, "effect": d, "n_for_effect": num(nreq),
                   "items_for_effect": int(math.ceil(nreq)),
                   "power_at_effect": num(connor_power(d))})
    return {"one_sample": one, "one_sample_size": sizes, "proportion": prop, "mcnemar": mc}


# ---------------------------------------------------------------- correlation
def correlation_cases():
    rng = np.random.default_rng(12345)
    pairs = []
    x = rng.normal(size=10)
    pairs.append(("normal10", x, x * 0.5 + rng.normal(size=10)))
    x = rng.normal(size=50)
    pairs.append(("normal50", x, -0.3 * x + rng.normal(size=50)))
    x = rng.normal(size=200)
    pairs.append(("normal200_weak", x, 0.05 * x + rng.normal(size=200)))
    x = rng.normal(size=100)
    pairs.append(("strong100_tiny_p", x, x + 0.2 * rng.normal(size=100)))
    xi = rng.integers(1, 6, 40).astype(float)
    pairs.append(("likert_ties40", xi, np.clip(xi + rng.integers(-1, 2, 40), 1, 5).astype(float)))
    xi = rng.integers(0, 3, 15).astype(float)
    pairs.append(("heavy_ties15", xi, rng.integers(0, 2, 15).astype(float)))
    pairs.append(("perfect_pos", np.arange(8.0), 2 * np.arange(8.0) + 1))
    pairs.append(("perfect_neg", np.arange(8.0), -np.arange(8.0) ** 3))
    pairs.append(("n3", np.array([1.0, 2.0, 3.5]), np.array([2.0, 1.0, 4.0])))
    pairs.append(("n2", np.array([1.0, 2.0]), np.array([5.0, 3.0])))
    pairs.append(("constant_x", np.array([2.0, 2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])))
    x = rng.permutation(40).astype(float)
    pairs.append(("perm40_no_ties", x, rng.permutation(40).astype(float)))
    x = rng.permutation(25).astype(float)
    pairs.append(("perm25_exact", x, x + rng.normal(0, 6, 25)))
    pairs.append(("n4_exact", np.array([1.0, 3.0, 2.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0])))
    x = rng.normal(size=60)
    pairs.append(("one_discordant60", np.arange(60.0), np.r_[np.arange(58.0), 59.0, 58.0]))
    chrf = rng.uniform(20, 60, 30).round(2)
    pairs.append(("chrf_vs_judge", chrf, np.clip(np.round((chrf - 20) / 8 + rng.normal(0, 1, 30)), 1, 5)))
    out = []
    for name, a, b in pairs:
        entry = {"name": name, "x": a.tolist(), "y": b.tolist()}
        if np.all(a == a[0]) or np.all(b == b[0]):
            und = {"undefined": True, "reason": "constant input (scipy: NaN)"}
            entry.update(pearson=und, spearman=und, kendall=und)
        else:
            r = stats.pearsonr(a, b)
            s = stats.spearmanr(a, b)
            k = stats.kendalltau(a, b)
            entry["pearson"] = [num(r.statistic), num(r.pvalue)]
            entry["spearman"] = [num(s.statistic), num(s.pvalue) if len(a) > 2 else 1.0]
            entry["spearman_scipy_pvalue_is_nan"] = bool(np.isnan(s.pvalue))
            entry["kendall"] = [num(k.statistic), num(k.pvalue)]
        entry["rankdata"] = stats.rankdata(a).tolist()
        out.append(entry)
    return out


# ---------------------------------------------------------------- agreement
def agreement_cases():
    rng = np.random.default_rng(99)
    cohen = []
    cases = [
        (list("aabbcc"), list("aabbcc"), None),
        (list("abcabc"), list("cabcab"), None),
        (list("ab") * 5, list("ba") * 5, None),            # systematic disagreement
        (["1", "2", "3", "4", "5", "3"], ["1", "3", "3", "5", "4", "3"], None),
        (["1", "2", "3"], ["1", "2", "3"], ["1", "2", "3", "4", "5"]),
        (["1", "2", "2", "3"], ["1", "3", "2", "3"], ["3", "2", "1"]),   # reversed order
        (["x", "y", "y", "x", "z"], ["x", "y", "x", "x", "q"], ["x", "y"]),  # subset
        (["neg", "pos", "neg", "neu", "pos"], ["neg", "pos", "neg", "neu", "neg"], None),
        (list("aaaa"), list("aaaa"), None),                  # undefined
        (list("aaab"), list("aaaa"), None),
    ]
    for size, k in ((50, 3), (200, 5)):
        a = rng.integers(1, k + 1, size)
        b = np.clip(a + rng.integers(-1, 2, size), 1, k)
        cases.append(([str(v) for v in a], [str(v) for v in b], [str(v) for v in range(1, k + 1)]))
    for a, b, labels in cases:
        entry = {"a": a, "b": b, "labels": labels}
        for w, key in ((None, "none"), ("linear", "linear"), ("quadratic", "quadratic")):
            entry[key] = guarded(lambda: num(cohen_kappa_score(a, b, labels=labels, weights=w)))
        cohen.append(entry)

    fleiss = []
    tables = [
        # Fleiss (1971) style example: 10 subjects, 5 categories, 14 raters (statsmodels docs).
        [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
         [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
         [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]],
        [[3, 0], [0, 3], [3, 0], [0, 3]],        # perfect
        [[1, 1], [1, 1], [1, 1]],                # worst for 2 raters
        [[2, 1, 0], [0, 1, 2], [1, 1, 1], [3, 0, 0]],
        [[3, 0], [3, 0]],                        # single category: undefined
    ]
    t = np.zeros((40, 4), dtype=int)
    for i in range(40):
        probs = rng.dirichlet(np.ones(4) * 0.7)
        t[i] = rng.multinomial(6, probs)
    tables.append(t.tolist())
    for tab in tables:
        fleiss.append({"table": tab,
                       "kappa": guarded(lambda: num(fleiss_kappa(np.asarray(tab), method="fleiss")))})

    kripp = []
    nan = np.nan
    datasets = [
        # Krippendorff (2011) "Computing Krippendorff's alpha-reliability", 4 coders x 12 units.
        ("krippendorff_2011", [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
                               [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
                               [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
                               [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]),
        ("perfect_missing", [[1, 2, 3, nan], [1, 2, 3, 4], [nan, 2, 3, 4]]),
        ("two_raters", [[1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 1, 0, 0, 1, 0, 1]]),
        ("negative", [[1, 2, 1, 2, 1, 2], [2, 1, 2, 1, 2, 1]]),
        ("float_scores", [[0.5, 1.5, 2.25, nan, 3.0], [0.5, 1.0, 2.25, 2.0, 3.5],
                          [0.75, 1.5, 2.0, 2.0, nan]]),
        ("single_value", [[2, 2, nan], [2, 2, 2]]),                   # undefined
        ("only_singletons", [[1, nan, nan], [nan, 2, nan]]),          # error
        ("one_pairable_value", [[1, 2, nan], [1, nan, 3]]),          # e = 0: undefined
    ]
    r = rng.integers(1, 6, size=(5, 30)).astype(float)
    base = rng.integers(1, 6, size=30)
    for i in range(5):
        mask = rng.uniform(size=30) < 0.6
        r[i, mask] = np.clip(base[mask] + rng.integers(-1, 2, mask.sum()), 1, 5)
    r[rng.uniform(size=r.shape) < 0.2] = nan
    datasets.append(("random_5x30_missing", r.tolist()))
    for name, data in datasets:
        arr = np.asarray(data, dtype=float)
        entry = {"name": name, "data": [[None if np.isnan(v) else float(v) for v in row] for row in arr]}
        for level in ("nominal", "ordinal", "interval", "ratio"):
            entry[level] = guarded(lambda: num(krippendorff.alpha(reliability_data=arr, level_of_measurement=level)))
        kripp.append(entry)
    return {"cohen": cohen, "fleiss": fleiss, "krippendorff": kripp}


# ---------------------------------------------------------------- classification
def classification_cases():
    rng = np.random.default_rng(2024)
    cases = [
        (list("abcab"), list("abcba"), None),
        (list("ab"), list("ab"), ["a", "b", "c"]),                  # absent class
        (list("aaaa"), list("bbbb"), None),                          # all wrong
        (list("abc"), list("abd"), ["a", "b", "c"]),                 # prediction outside labels
        (list("abcd"), list("abcd"), ["b", "a"]),                    # subset of labels
        (["eng", "swh", "yor", "swh"], ["eng", "swh", "swh", "swh"], ["eng", "swh", "yor", "hau"]),
    ]
    y = rng.integers(0, 4, 120)
    p = np.where(rng.uniform(size=120) < 0.6, y, rng.integers(0, 5, 120))
    cases.append(([str(v) for v in y], [str(v) for v in p], [str(v) for v in range(5)]))
    out = []
    for yt, yp, labels in cases:
        lab = labels if labels is not None else sorted(set(yt) | set(yp))
        pr, rc, f1, sup = precision_recall_fscore_support(yt, yp, labels=lab, zero_division=0)
        macro = f1_score(yt, yp, labels=labels, average="macro", zero_division=0)
        out.append({"y_true": yt, "y_pred": yp, "labels": labels, "label_order": lab,
                    "precision": [num(v) for v in pr], "recall": [num(v) for v in rc],
                    "f1": [num(v) for v in f1], "support": [int(v) for v in sup],
                    "macro_f1": num(macro),
                    "macro_precision": num(float(np.mean(pr))), "macro_recall": num(float(np.mean(rc))),
                    "accuracy": num(float(np.mean(np.asarray(yt) == np.asarray(yp))))})
    return out


# ---------------------------------------------------------------- win / tie / loss
def win_tie_loss_cases():
    out = []
    for w, t, l, conf in [(10, 5, 3, 0.95), (0, 0, 7, 0.95), (0, 4, 0, 0.9), (120, 60, 95, 0.95),
                          (1, 0, 0, 0.99), (44, 2, 44, 0.95), (300, 10, 0, 0.95)]:
        n = w + t + l
        entry = {"wins": w, "ties": t, "losses": l, "confidence": conf}
        for key, c in (("win", w), ("tie", t), ("loss", l)):
            entry[key] = [num(x) for x in proportion_confint(c, n, alpha=1 - conf, method="wilson")]
        entry["decisive"] = ([num(x) for x in proportion_confint(w, w + l, alpha=1 - conf, method="wilson")]
                             if w + l else None)
        entry["sign_test_p"] = num(stats.binomtest(w, w + l, 0.5).pvalue) if w + l else 1.0
        out.append(entry)
    return out


def main():
    fixture = {
        "metadata": {
            "generator": "scripts/reference/stats_fixtures.py",
            "generated": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "statsmodels": statsmodels.__version__,
            "krippendorff": importlib.metadata.version("krippendorff"),
            "tolerance": "1e-9, relative for p-values and special functions, absolute for "
                         "bounded statistics; see tests/reference.rs",
        },
        "special": special_cases(),
        "binomial": binomial_cases(),
        "intervals": interval_cases(),
        "multitest": multitest_cases(),
        "power": power_cases(),
        "correlation": correlation_cases(),
        "agreement": agreement_cases(),
        "classification": classification_cases(),
        "win_tie_loss": win_tie_loss_cases(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fixture, indent=None, separators=(",", ":"), allow_nan=False)
    OUT.write_text(text + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text) / 1024:.1f} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
