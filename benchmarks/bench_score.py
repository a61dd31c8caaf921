"""Benchmark: `dyadscore score` on 1,000,000 people x 40 items, CSV to CSV.

Compares, in the same run, the wall time of the whole command against a Python
process that only imports pandas and reads the same CSV with the pyarrow engine, and
reports the command's peak memory (max RSS). Targets (issue #2): ratio <= 2, peak < 4 GB.

Run: ``.venv/bin/python benchmarks/bench_score.py [--people 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
INSTRUMENTS = ["acceptance-of-dependence", "independent-functioning", "responsiveness"]  # 40 items


def make_csv(n: int) -> Path:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    import dyadscore as ds

    path = DATA / f"people_{n}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(2026)
    cols = {
        "person": np.arange(n),
        "couple": np.arange(n) // 2,
        "role": np.tile(np.array(["a", "b"]), n // 2 + 1)[:n],
    }
    for inst_id in INSTRUMENTS:
        inst = ds.load_instrument(inst_id)
        for item in inst.item_ids:
            v = rng.integers(inst.scale_min, inst.scale_max + 1, n).astype("float64")
            v[rng.random(n) < 0.01] = np.nan  # 1 % missing answers
            cols[item] = pd.array(v, dtype="Int64")
    table = pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)
    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(table, str(tmp))
    tmp.rename(path)
    return path


MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command run in a fresh process."""
    res = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True
    )
    wall, kb = res.stdout.split()
    return float(wall), int(kb) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = make_csv(args.people)
    out = DATA / "scores.csv"
    exe = str(Path(sys.executable).with_name("dyadscore"))
    baseline = [
        sys.executable,
        "-c",
        f"import pandas as pd; pd.read_csv({str(path)!r}, engine='pyarrow')",
    ]
    command = [exe, "score", str(path), "-o", str(out), "--force"]
    for inst in INSTRUMENTS:
        command += ["-i", inst]
    base_runs, cmd_runs = [], []
    for _ in range(args.repeat):  # interleaved, so both see the same machine state
        base_runs.append(measure(baseline))
        cmd_runs.append(measure(command))
    base_t = min(t for t, _ in base_runs)
    cmd_t = min(t for t, _ in cmd_runs)
    peak = max(m for _, m in cmd_runs)
    help_t = min(measure([exe, "--help"])[0] for _ in range(5))
    result = {
        "people": args.people,
        "items": 40,
        "csv_mb": round(path.stat().st_size / 2**20, 1),
        "baseline_read_s": round(base_t, 3),
        "dyadscore_score_s": round(cmd_t, 3),
        "ratio": round(cmd_t / base_t, 2),
        "peak_rss_mb": round(peak, 1),
        "help_s": round(help_t, 3),
        "targets": "ratio <= 2, peak < 4096 MB, help < 0.5 s",
    }
    print(json.dumps(result, indent=2))
    for tail in ("", ".codebook.md", ".codebook.csv", ".meta.json"):  # the file and its sidecars
        Path(f"{out}{tail}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
