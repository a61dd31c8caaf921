"""Speed of the APIM mediation model's bootstrap against lavaan's, in the same run.

Rows of the table:

1. ``ds.apimem`` without bootstrap (three ML fits, SEs, delta method, fit measures) on the
   250-couple lavaan fixture (``tests/oracle/apimem/apimem_wide.csv``);
2. ``ds.apimem(..., bootstrap=2000)`` on the same data (all resamples fitted at once);
3. the same for the indistinguishable model;
4. ``ds.apimem(..., bootstrap=2000)`` on ``--couples`` simulated couples;
5. when ``Rscript`` with lavaan is on the PATH: ``lavaan::sem(..., se = "bootstrap",
   bootstrap = 2000)`` on the fixture (the distinguishable model of ``fit_apimem.R``), timed
   inside R (``system.time``, R start-up excluded); ratio = lavaan / ours. Also compares the
   two sets of percentile CIs of the indirect effects (different resamples, so they agree
   only up to Monte Carlo error).

Run: ``.venv/bin/python benchmarks/bench_apimem.py`` (about two minutes with R: lavaan's
2000-resample bootstrap dominates).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import dyadscore as ds  # noqa: E402

FIXTURE = ROOT / "tests" / "oracle" / "apimem" / "apimem_wide.csv"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
wide <- read.csv(args[1]); B <- as.integer(args[2])
model <- '
  m1 ~ a1*x1 + p12*x2
  m2 ~ a2*x2 + p21*x1
  y1 ~ b1*m1 + q12*m2 + c1*x1 + d12*x2
  y2 ~ b2*m2 + q21*m1 + c2*x2 + d21*x1
  x1 ~~ x2
  m1 ~~ m2
  y1 ~~ y2
  ind_aaa1 := a1*b1
  ind_aaa2 := a2*b2
  ind_ppa1 := p21*q12
  ind_ppa2 := p12*q21
  ind_app1 := a1*q21
  ind_app2 := a2*q12
  ind_pap1 := p21*b2
  ind_pap2 := p12*b1
'
set.seed(1)
tm <- system.time(fit <- sem(model, data = wide, estimator = "ML", meanstructure = TRUE,
                             fixed.x = FALSE, se = "bootstrap", bootstrap = B))
pe <- parameterEstimates(fit, boot.ci.type = "perc")
pe <- pe[pe$op == ":=", ]
cat(jsonlite::toJSON(list(seconds = unname(tm["elapsed"]), effect = pe$lhs,
                          lo = pe$ci.lower, hi = pe$ci.upper), digits = NA, auto_unbox = TRUE))
"""


def timed(func, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_lavaan(boot: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        proc = subprocess.run(
            ["Rscript", str(script), str(FIXTURE), str(boot)],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        print("Rscript failed:", proc.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--couples", type=int, default=5000)
    ap.add_argument("--skip-r", action="store_true")
    args = ap.parse_args(argv)

    wide = pd.read_csv(FIXTURE)
    roles = ("female", "male")
    ds.apimem(wide, roles=roles, bootstrap=10, seed=0)  # warm imports
    rows = []
    t_fit, _ = timed(lambda: ds.apimem(wide, roles=roles), 5)
    rows.append(("apimem, no bootstrap", len(wide), t_fit, ""))
    t_boot, res = timed(lambda: ds.apimem(wide, roles=roles, bootstrap=args.boot, seed=1), 3)
    rows.append((f"apimem, bootstrap {args.boot}", len(wide), t_boot, ""))
    t_ind, _ = timed(
        lambda: ds.apimem(wide, roles=roles, distinguishable=False, bootstrap=args.boot, seed=1),
        3,
    )
    rows.append((f"apimem indist., bootstrap {args.boot}", len(wide), t_ind, ""))
    big = ds.simulate_mediation(args.couples, seed=3)
    t_big, _ = timed(lambda: ds.apimem(big, bootstrap=args.boot, seed=1))
    rows.append((f"apimem, bootstrap {args.boot}", args.couples, t_big, ""))

    lav = None if args.skip_r else run_lavaan(args.boot)
    if lav is not None:
        rows.append(
            (
                f"lavaan sem(), bootstrap {args.boot}",
                len(wide),
                lav["seconds"],
                f"{lav['seconds'] / t_boot:.0f}x slower than ours",
            )
        )

    print(f"{'what':<36}{'couples':>9}{'seconds':>10}  note")
    for what, n, secs, note in rows:
        print(f"{what:<36}{n:>9}{secs:>10.3f}  {note}")
    if lav is not None:
        eff = res.effects.set_index("effect")
        print("\npercentile CIs of the indirect effects (own resamples vs lavaan's; MC error):")
        worst = 0.0
        for name, lo, hi in zip(lav["effect"], lav["lo"], lav["hi"], strict=True):
            ours = eff.loc[name]
            rel = max(abs(ours.boot_ci_low - lo), abs(ours.boot_ci_high - hi)) / (hi - lo)
            worst = max(worst, rel)
            print(
                f"  {name:<9} ours [{ours.boot_ci_low:.4f}, {ours.boot_ci_high:.4f}]  "
                f"lavaan [{lo:.4f}, {hi:.4f}]  max diff / width {rel:.3f}"
            )
        print(f"largest difference: {worst:.3f} of the CI width (Monte Carlo error)")
    else:
        print("\n(Rscript with lavaan not found or --skip-r: no lavaan timing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
