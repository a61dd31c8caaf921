"""Speed of the daily-diary APIM against ``nlme::lme`` on the same data in the same run.

Data: ``benchmarks/data/diary_speed_1000x28.csv.gz`` (1000 couples x 28 days, 56 000 rows,
copied from the team's oracle; same generating model as ``tests/oracle/diary``).

Rows of the table:

1. per model (``dist_ri_reml``, ``dist_ri_ml``, ``indist_ri_reml``, ``dist_rs_reml``): our
   fit (model fit only, as R is timed: the prepared rows are given to the engine) and the
   full ``ds.diary_apim`` call (centring, fit, BLUPs, result), median of ``--reps`` runs;
2. ``nlme::lme`` on the same prepared rows, timed inside R (the ``lme()`` call only) with
   ``Rscript`` when it is installed; ratio = R time / our fit time (target >= 10) and the
   largest absolute difference of the fixed effects and of the log-likelihood;
3. Monte Carlo power (``ds.power_diary``): 1000 replications x 5 sample sizes
   (60, 80, 100, 120, 140 couples x 21 days); target < 60 s.

Without R the anchor of ``tests/oracle/diary/diary_timing.json`` (measured on the team's
machine) is shown instead, marked as such. Run:
``.venv/bin/python benchmarks/bench_diary.py [--models dist_ri_reml] [--skip-r]``
(a few minutes with R: nlme takes ~40 s to ~3 min per model on this set).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import dyadscore as ds  # noqa: E402
from dyadscore._diary import _fit_prepared, prepare_diary  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "diary_speed_1000x28.csv.gz"
ANCHOR = ROOT / "tests" / "oracle" / "diary" / "diary_timing.json"

MODELS = {
    "dist_ri_reml": {"random": "intercept", "method": "REML"},
    "dist_ri_ml": {"random": "intercept", "method": "ML"},
    "indist_ri_reml": {"role": None, "person": "person", "method": "REML"},
    "dist_rs_reml": {"random": "slope", "method": "REML"},
}

R_CALLS = {
    "dist_ri_reml": "lme(f_dist, random = ~ 0 + role | couple, weights = varIdent(form = ~ 1 | role), "
    'correlation = corCompSymm(form = ~ 1 | couple/day), data = du, method = "REML", control = ctrl)',
    "dist_ri_ml": "lme(f_dist, random = ~ 0 + role | couple, weights = varIdent(form = ~ 1 | role), "
    'correlation = corCompSymm(form = ~ 1 | couple/day), data = du, method = "ML", control = ctrl)',
    "indist_ri_reml": "lme(y ~ x_w + x_w_partner + x_b + x_b_partner, random = list(couple = "
    "pdCompSymm(~ 0 + role)), correlation = corCompSymm(form = ~ 1 | couple/day), data = du, "
    'method = "REML", control = ctrl)',
    "dist_rs_reml": "lme(f_dist, random = ~ 0 + role + role:x_w | couple, weights = varIdent(form "
    "= ~ 1 | role), correlation = corCompSymm(form = ~ 1 | couple/day), data = du, "
    'method = "REML", control = ctrl)',
}

R_SCRIPT = r"""
suppressPackageStartupMessages({library(nlme); library(jsonlite)})
a <- commandArgs(trailingOnly = TRUE)
du <- read.csv(a[1]); du$role <- factor(du$role, levels = c("female", "male"))
ctrl <- lmeControl(maxIter = 1000, msMaxIter = 1000)
f_dist <- y ~ 0 + role + role:x_w + role:x_w_partner + role:x_b + role:x_b_partner
reps <- as.integer(a[3]); out <- list()
calls <- fromJSON(a[4])
for (m in names(calls)) {
  tt <- numeric(reps)
  for (r in seq_len(reps)) { gc(); t0 <- proc.time()[["elapsed"]]
    fit <- eval(parse(text = calls[[m]])); tt[r] <- proc.time()[["elapsed"]] - t0 }
  out[[m]] <- list(seconds = median(tt), est = unname(fixef(fit)), logLik = as.numeric(logLik(fit)))
}
write_json(out, a[2], digits = NA, auto_unbox = TRUE)
"""


def median_time(func, reps: int):
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run_r(prepared: pd.DataFrame, models: list[str], reps: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, out, script = Path(tmp, "du.csv"), Path(tmp, "out.json"), Path(tmp, "t.R")
        prepared.to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        calls = Path(tmp, "calls.json")
        calls.write_text(json.dumps({m: R_CALLS[m] for m in models}))
        subprocess.run(
            ["Rscript", str(script), str(csv), str(out), str(reps), str(calls)], check=True
        )
        return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--r-reps", type=int, default=1)
    ap.add_argument("--skip-r", action="store_true")
    ap.add_argument("--skip-power", action="store_true")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    raw = pd.read_csv(DATA)
    prep, info, _ = prepare_diary(raw, x="x", y="y", person="person")
    used = prep[prep["used"]].sort_values("couple", kind="stable").reset_index(drop=True)
    ds.diary_apim(raw.iloc[:2000], x="x", y="y", test_distinguishability=False)  # warm up
    ours = {}
    for m in args.models:
        kw = MODELS[m]
        dist = kw.get("role", "role") is not None
        t_fit, fitted = median_time(
            lambda kw=kw, dist=dist: _fit_prepared(
                used,
                distinguishable=dist,
                random=kw.get("random", "intercept"),
                reml=kw["method"] == "REML",
                roles=["female", "male"],
            ),
            args.reps,
        )
        t_full, res = median_time(
            lambda kw=kw: ds.diary_apim(raw, x="x", y="y", test_distinguishability=False, **kw),
            args.reps,
        )
        ours[m] = (t_fit, t_full, fitted[0], res)
    r = None
    if not args.skip_r:
        rdata = used[
            ["couple", "person", "role", "day", "y", "x_w", "x_w_partner", "x_b", "x_b_partner"]
        ]
        r = run_r(rdata, args.models, args.r_reps)
    anchor = json.loads(ANCHOR.read_text())["speed_1000x28"] if ANCHOR.exists() else {}
    print(f"Daily-diary APIM, {raw['couple'].nunique()} couples x 28 days, {len(used)} rows used")
    print(f"{'model':<16}{'ours fit':>10}{'ours call':>11}{'nlme':>10}{'ratio':>8}  agreement")
    for m in args.models:
        t_fit, t_full, fit, res = ours[m]
        if r is not None:
            rt, src = r[m]["seconds"], ""
            db = np.max(np.abs(np.asarray(r[m]["est"]) - fit.beta))
            dll = fit.loglik - r[m]["logLik"]
            agree = f"max |diff b| {db:.1e}, logLik ours - nlme {dll:+.1e}"
        else:
            rt, src = anchor.get(m, {}).get("seconds_median", float("nan")), " (anchor)"
            agree = "R not run: anchor from diary_timing.json"
        print(f"{m:<16}{t_fit:>9.2f}s{t_full:>10.2f}s{rt:>9.1f}s{rt / t_fit:>7.0f}x  {agree}{src}")
    if not args.skip_power:
        t0 = time.perf_counter()
        tab = ds.power_diary(n_couples=[60, 80, 100, 120, 140], n_days=21, n_reps=1000, seed=1)
        tp = time.perf_counter() - t0
        aw = tab[tab["effect"] == "partner_within"].pivot(
            index="n_couples", columns="role", values="power"
        )
        print(f"\nMonte Carlo power, 1000 reps x 5 sizes x 21 days: {tp:.1f} s (target < 60 s)")
        print("power of the within-person partner effects:")
        print(aw.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
