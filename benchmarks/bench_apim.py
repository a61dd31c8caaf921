"""Speed of the APIM engine against statsmodels, measured on the same data in the same run.

Rows of the table:

1. distinguishable APIM (REML, full ``ds.apim`` call: pairing, fit, pattern and
   distinguishability tests) on ``--couples`` couples; target < 2 s;
2. indistinguishable APIM on the same couples;
3. statsmodels ``MixedLM`` (REML, random intercept per couple: the indistinguishable APIM
   with a positive ICC) on the same data; ratio = statsmodels time / ours (target >= 10);
4. statsmodels ``GLS`` with the estimated 2x2 block covariance as a dense ``sigma`` (the
   literal "GLS with the estimated covariance") on a ``--gls-couples`` subset, where a dense
   N x N matrix still fits in memory, against ``ds.apim`` on that subset;
5. a ``--boot``-resample couple bootstrap of k on ``--boot-couples`` couples; target < 10 s.

Run: ``.venv/bin/python benchmarks/bench_apim.py`` (about a minute, mostly statsmodels).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import dyadscore as ds  # noqa: E402


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], n)
    e = rng.multivariate_normal([0, 0], [[1, 0.35], [0.35, 1.2]], n)
    y = np.column_stack([0.5 * x[:, 0] + 0.2 * x[:, 1], 0.4 * x[:, 1] + 0.3 * x[:, 0]]) + e
    return pd.DataFrame(
        {
            "couple": np.repeat(np.arange(n), 2),
            "role": ["f", "m"] * n,
            "x": x.ravel(),
            "y": y.ravel(),
        }
    )


def timed(func, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--couples", type=int, default=100_000)
    ap.add_argument("--gls-couples", type=int, default=1_500)
    ap.add_argument("--boot", type=int, default=2_000)
    ap.add_argument("--boot-couples", type=int, default=500)
    ap.add_argument("--skip-mixedlm", action="store_true")
    args = ap.parse_args(argv)
    import statsmodels.api as sm

    rows = []
    df = simulate(args.couples)
    ds.apim(df.iloc[:2000], x="x", y="y", dyad="couple", role="role")  # warm imports
    t_dist, res = timed(lambda: ds.apim(df, x="x", y="y", dyad="couple", role="role"), 3)
    rows.append(("distinguishable APIM (REML)", args.couples, t_dist, "", "< 2 s"))
    t_ind, res_i = timed(lambda: ds.apim(df, x="x", y="y", dyad="couple"), 3)
    rows.append(("indistinguishable APIM (REML)", args.couples, t_ind, "", ""))

    if not args.skip_mixedlm:
        pw = ds.to_pairwise(df, "x", "couple", "role")
        y = df.sort_values(["couple", "role"]).y.to_numpy()
        X = np.column_stack([np.ones(len(pw)), pw.x_actor, pw.x_partner])
        t_mlm, mlm = timed(lambda: sm.MixedLM(y, X, groups=pw.couple.to_numpy()).fit(reml=True))
        diff = np.max(np.abs(mlm.fe_params - res_i.effects.estimate.to_numpy()))
        rows.append(
            (
                "statsmodels MixedLM (REML)",
                args.couples,
                t_mlm,
                f"{t_mlm / t_ind:.0f}x vs indist., {t_mlm / t_dist:.0f}x vs dist.",
                f">= 10x (max |diff b| {diff:.1e})",
            )
        )

    sub = df.iloc[: 2 * args.gls_couples]
    t_sub, r_sub = timed(lambda: ds.apim(sub, x="x", y="y", dyad="couple", role="role"), 3)
    design_cols = r_sub.effects.term.tolist()
    cov = r_sub.covariance
    s0, s1, rho = cov["sd_by_role"]["f"], cov["sd_by_role"]["m"], cov["correlation"]
    block = np.array([[s0 * s0, rho * s0 * s1], [rho * s0 * s1, s1 * s1]])

    def sm_gls():
        n = args.gls_couples
        sigma = np.kron(np.eye(n), block)  # dense N x N
        xa = sub.x.to_numpy()
        xp = xa.reshape(-1, 2)[:, ::-1].ravel()
        f = np.tile([1.0, 0.0], n)
        m = 1 - f
        X = np.column_stack([f, m, f * xa, m * xa, f * xp, m * xp])
        return sm.GLS(sub.y.to_numpy(), X, sigma=sigma).fit()

    t_gls, g = timed(sm_gls)
    diff = np.max(np.abs(g.params - r_sub.effects.estimate.to_numpy()))
    rows.append(("ds.apim, distinguishable", args.gls_couples, t_sub, "", ""))
    rows.append(
        (
            "statsmodels GLS, dense sigma",
            args.gls_couples,
            t_gls,
            f"{t_gls / t_sub:.0f}x",
            f"(max |diff b| {diff:.1e}, {len(design_cols)} coef)",
        )
    )

    boot_df = simulate(args.boot_couples, seed=2)
    t_boot, rb = timed(
        lambda: ds.apim(
            boot_df, x="x", y="y", dyad="couple", role="role", bootstrap=args.boot, seed=1
        )
    )
    rows.append((f"bootstrap of k, {args.boot} resamples", args.boot_couples, t_boot, "", "< 10 s"))
    t_boot_i, _ = timed(
        lambda: ds.apim(boot_df, x="x", y="y", dyad="couple", bootstrap=args.boot, seed=1)
    )
    rows.append((f"bootstrap of k (indist.), {args.boot}", args.boot_couples, t_boot_i, "", ""))

    print(f"{'task':<38}{'couples':>9}{'seconds':>10}  {'speed-up':<34}target/check")
    for name, n, t, ratio, note in rows:
        print(f"{name:<38}{n:>9}{t:>10.3f}  {ratio:<34}{note}")
    k = rb.k
    print(
        "k (female, male):",
        ", ".join(f"{r.k:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in k.itertuples()),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
