"""Regenerate the synthetic mediation sample ``mediation.csv`` (see README.md, "Mediation").

Run from the project root::

    PYTHONPATH=src python data/sample/make_mediation.py

One seed (``SEED``); the same dyadscore version reproduces the files exactly. Writes
``mediation.csv`` (one row per person: couple, person, role, perceived_acceptance,
felt_security, goal_pursuit) and ``mediation_truth.json`` (the planted paths and the
population indirect and total effects per role, Ledermann-Macho-Kenny names).
"""

from __future__ import annotations

import json
from pathlib import Path

import dyadscore as ds

SEED = 20110901  # Ledermann, Macho & Kenny (2011) - an arbitrary, memorable seed
N_COUPLES = 300
ROLES = ("woman", "man")  # synthetic labels; member 1 = woman in the truth below
PLANTED = {  # (woman, man): the person whose m or y is predicted
    "a": (0.40, 0.40),  # own perceived acceptance -> own felt security
    "p": (0.15, 0.10),  # partner's perceived acceptance -> own felt security
    "b": (0.35, 0.35),  # own felt security -> own goal pursuit
    "q": (0.15, 0.15),  # partner's felt security -> own goal pursuit
    "c": (0.10, 0.10),  # direct: own perceived acceptance -> own goal pursuit
    "d": (0.05, 0.05),  # direct: partner's perceived acceptance -> own goal pursuit
}
CORRELATIONS = {"r_x": 0.30, "r_m": 0.25, "r_y": 0.20}
HERE = Path(__file__).resolve().parent


def main() -> None:
    df = ds.simulate_mediation(N_COUPLES, **PLANTED, **CORRELATIONS, roles=ROLES, seed=SEED)
    truth = df.attrs["truth"]
    out = df.rename(
        columns={"x": "perceived_acceptance", "m": "felt_security", "y": "goal_pursuit"}
    )
    for col in ("perceived_acceptance", "felt_security", "goal_pursuit"):
        out[col] = (4 + out[col]).round(3)  # centred near the middle of a 1-7 scale
    out.to_csv(HERE / "mediation.csv", index=False)
    by_role = {}
    for i, role in enumerate(ROLES, start=1):
        j = 3 - i
        by_role[role] = {
            "paths (on this person)": {
                "a": truth[f"a{i}"],
                "p": truth[f"p{i}{j}"],
                "b": truth[f"b{i}"],
                "q": truth[f"q{i}{j}"],
                "c": truth[f"c{i}"],
                "d": truth[f"d{i}{j}"],
            },
            "effects of this person's x": {
                k: round(truth[f"{pre}{i}"], 6)
                for k, pre in (
                    ("aaa", "ind_aaa"),
                    ("ppa", "ind_ppa"),
                    ("app", "ind_app"),
                    ("pap", "ind_pap"),
                    ("totind_actor", "totind_actor"),
                    ("totind_partner", "totind_partner"),
                    ("total_actor", "total_actor"),
                    ("total_partner", "total_partner"),
                )
            },
        }
    meta = {
        "seed": SEED,
        "n_couples": N_COUPLES,
        "roles": list(ROLES),
        "generator": "dyadscore.simulate_mediation",
        "correlations": CORRELATIONS,
        "residual_sd": {"m": 1.0, "y": 1.0},
        "x_distribution": "standard normal per person (+ 4 in the file)",
        "truth": by_role,
    }
    (HERE / "mediation_truth.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
