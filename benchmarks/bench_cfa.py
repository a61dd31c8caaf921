"""Speed of dyadic invariance testing against lavaan, measured on the same data in the same run.

The four dyadic levels (configural, loading, intercept, residual; dySEM set-up, FF scaling)
with full-information ML on ``--couples`` couples x 2 partners x ``--items`` items
(ordinal 1-7, 3 % of cells missing completely at random). Target: < 5 s for 10,000 couples
x 8 items, and >= 5x faster than lavaan.

Rows of the table:

1. ``ds.invariance(..., missing="fiml")``: the whole public call (pivot to couples, the
   saturated model by EM, four fits, observed-information SEs, fit measures, LR tests);
2. lavaan 0.6 (``lavaan::cfa(<dySEM syntax>, missing = "ml", std.lv = FALSE,
   auto.fix.first = FALSE, meanstructure = TRUE)``) on the same wide data, the four fits
   timed inside R (reading the CSV excluded); skipped when ``Rscript`` or lavaan is absent.

Both fits are checked to agree (largest relative difference in chisq is printed).
Run: ``.venv/bin/python benchmarks/bench_cfa.py`` (about a minute with lavaan).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import dyadscore as ds  # noqa: E402
from dyadscore._cfa import LEVELS, dysem_syntax  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
wide <- read.csv(args[1])
syn <- fromJSON(args[2])
t0 <- Sys.time()
chisq <- sapply(names(syn), function(lev) {
  fit <- lavaan::cfa(syn[[lev]], data = wide, std.lv = FALSE, auto.fix.first = FALSE,
                     meanstructure = TRUE, estimator = "ML", missing = "ml")
  fitMeasures(fit, "chisq")[[1]]
})
el <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
cat(toJSON(list(seconds = el, chisq = as.list(chisq), version = as.character(packageVersion("lavaan"))),
           auto_unbox = TRUE, digits = NA))
"""


def simulate(n: int, k: int, seed: int = 1) -> pd.DataFrame:
    """Long data: couple, role (A/B), items i1..ik (1-7, 3 % MCAR missing)."""
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0.15], [[1, 0.4], [0.4, 1.1]], size=n)
    lam = np.linspace(0.6, 1.0, k)
    tau = np.linspace(3.8, 4.6, k)
    e = rng.multivariate_normal(np.zeros(2 * k), _res_cov(k), size=n)
    parts = []
    for j, role in enumerate(("A", "B")):
        y = tau + f[:, [j]] * lam + e[:, j * k : (j + 1) * k]
        y = np.clip(np.round(y), 1, 7)
        y[rng.random(y.shape) < 0.03] = np.nan
        d = pd.DataFrame(y, columns=[f"i{i + 1}" for i in range(k)])
        parts.append(d.assign(couple=np.arange(n), role=role))
    return pd.concat(parts, ignore_index=True)


def _res_cov(k: int) -> np.ndarray:
    s = np.eye(2 * k) * 0.64
    for i in range(k):
        s[i, k + i] = s[k + i, i] = 0.2 * 0.64
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--couples", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=8)
    ap.add_argument("--no-r", action="store_true", help="skip the lavaan timing")
    args = ap.parse_args(argv)
    long = simulate(args.couples, args.items)
    items = [f"i{i + 1}" for i in range(args.items)]
    ds.invariance(long[long.couple < 300], items, missing="fiml")  # warm-up: imports

    t0 = time.perf_counter()
    res = ds.invariance(long, items, missing="fiml")
    ours = time.perf_counter() - t0
    print(
        f"dyadscore invariance, 4 levels, FIML, {args.couples:,} couples x 2 x {args.items} "
        f"items: {ours:.2f} s (target < 5 s)"
    )
    print(res.fits[["level", "chisq", "df", "cfi", "rmsea"]].to_string(index=False))

    rscript = shutil.which("Rscript")
    if args.no_r or rscript is None:
        print("lavaan: skipped (no Rscript)" if rscript is None else "lavaan: skipped")
        return 0
    wide = long.pivot(index="couple", columns="role", values=items)
    wide.columns = [f"{i}_{r}" for i, r in wide.columns]
    i1, i2 = [f"{i}_A" for i in items], [f"{i}_B" for i in items]
    wide = wide[i1 + i2]
    syn = {lev: dysem_syntax(i1, i2, "F_A", "F_B", lev, "FF") for lev in LEVELS}
    with tempfile.TemporaryDirectory() as tmp:
        csv, js, rs = Path(tmp, "wide.csv"), Path(tmp, "syn.json"), Path(tmp, "fit.R")
        wide.to_csv(csv, index=False, na_rep="NA")
        js.write_text(json.dumps(syn))
        rs.write_text(R_SCRIPT)
        out = subprocess.run(
            [rscript, str(rs), str(csv), str(js)], capture_output=True, text=True, check=False
        )
    if out.returncode != 0:
        print(f"lavaan: skipped (R failed: {out.stderr.strip().splitlines()[-1:]})")
        return 0
    r = json.loads(out.stdout)
    diff = max(
        abs(res.fits.set_index("level").loc[lev, "chisq"] / r["chisq"][lev] - 1) for lev in LEVELS
    )
    print(
        f"lavaan {r['version']} (same data, same models, fits timed in R): {r['seconds']:.2f} s; "
        f"ratio lavaan / dyadscore = {r['seconds'] / ours:.1f} (target >= 5); "
        f"largest relative chisq difference {diff:.1e}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
