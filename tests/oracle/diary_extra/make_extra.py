"""Generate the extra diary sets (short series, many missing days) fitted by fit_extra.R.

Run from the repository root:  python tests/oracle/diary_extra/make_extra.py
then:  Rscript tests/oracle/diary_extra/fit_extra.R tests/oracle/diary_extra
"""

from pathlib import Path

from dyadscore import simulate_diary

HERE = Path(__file__).parent
SETS = {
    # name: (couples, days, p_missing, seed)
    "short5_miss30": (40, 5, 0.30, 101),
    "short7_miss20": (60, 7, 0.20, 102),
    "few25_days10_miss40": (25, 10, 0.40, 103),
    "days3_miss50": (30, 3, 0.50, 1),
    "days4_miss40_c15": (15, 4, 0.40, 2),
    "days6_miss60": (50, 6, 0.60, 3),
}

if __name__ == "__main__":
    for name, (c, t, pm, seed) in SETS.items():
        df = simulate_diary(n_couples=c, n_days=t, p_missing=pm, seed=seed)
        df.to_csv(HERE / f"{name}.csv", index=False, na_rep="")
        print(name, len(df))
