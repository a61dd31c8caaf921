"""Speed of Monte Carlo power (``ds.power``) against fitting ``ds.apim`` once per replication.

Rows of the table:

1. ``power()`` for actor and partner effects, indistinguishable dyads, ``--reps`` replications
   of each of six sample sizes (50 ... 300 couples); target < 60 s (issue #4), aim: seconds;
2. the same, distinguishable dyads (per-role estimates);
3. ``power(effect="paradox")``: every default hypothesis (two to four predictors each);
4. baseline measured in the same run: a loop that simulates and fits ``ds.apim`` per
   replication, timed on ``--baseline-reps`` replications per size and extrapolated to
   ``--reps``; ratio = baseline / row 1.

Run: ``.venv/bin/python benchmarks/bench_power.py`` (about half a minute, mostly baseline).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import dyadscore as ds  # noqa: E402
from dyadscore.simulate import simulate_dyads  # noqa: E402

SIZES = (50, 100, 150, 200, 250, 300)


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def baseline(reps: int, seed: int = 1) -> float:
    """Seconds per replication-set of the naive loop (all six sizes, one replication each)."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for _ in range(reps):
        for n in SIZES:
            df = simulate_dyads(n, roles=None, seed=rng)
            ds.apim(df, x="x", y="y", dyad="couple")
    return (time.perf_counter() - t0) / reps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--baseline-reps", type=int, default=10)
    args = ap.parse_args(argv)

    rows = []
    t, tab = timed(ds.power, SIZES, actor=0.3, partner=0.1, reps=args.reps, seed=1)
    rows.append(
        ("power indist, actor+partner", t, f"partner power at 300: {tab['power'].iloc[-1]:.3f}")
    )
    t_ind = t
    t, _ = timed(ds.power, SIZES, reps=args.reps, seed=2, distinguishable=True)
    rows.append(("power distinguishable", t, ""))
    t, tab = timed(ds.power, SIZES, effect="paradox", reps=args.reps, seed=3)
    h3 = tab.loc[tab["effect"] == "H3", "power"].iloc[-1]
    rows.append(("power, every paradox hypothesis", t, f"H3 power at 300: {h3:.3f}"))
    per = baseline(args.baseline_reps)
    t_base = per * args.reps
    rows.append(
        (
            f"baseline apim() loop (extrapolated from {args.baseline_reps})",
            t_base,
            f"ratio baseline / row 1 = {t_base / t_ind:.0f}x",
        )
    )

    print(f"Monte Carlo power: {args.reps} replications x {len(SIZES)} sample sizes {SIZES}")
    print(f"{'case':<52}{'seconds':>10}  note")
    for name, sec, note in rows:
        print(f"{name:<52}{sec:>10.2f}  {note}")
    ok = rows[0][1] < 60 and rows[1][1] < 60
    print("target (< 60 s for 1,000 x 6 sizes):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
