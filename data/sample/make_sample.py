"""Regenerate the synthetic sample data in this folder (see README.md).

Run from the project root::

    PYTHONPATH=src python data/sample/make_sample.py

Everything is drawn from one seed (``SEED``), so the files are reproduced exactly by the
same dyadscore version. Files written (overwriting):

* ``couples_items.csv``  - one row per person per wave: person, couple, role, wave and the
  item responses of every shipped instrument (integers; empty = missing);
* ``couples_scores.csv`` - the scored subscales, one row per person, ``<subscale>_w1/_w2``;
* ``intake_nl.csv``      - a Dutch-Excel-style export (``;``, BOM, CRLF) of a few couples
  at one wave, for the coach-report example;
* ``truth.json``         - planted effects, the structural model and the population
  values of the default hypotheses.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import dyadscore as ds
from dyadscore.instruments import list_instruments, load_instrument
from dyadscore.paradox import population_effects, wide_by_wave
from dyadscore.simulate import simulate_items, simulate_paradox

SEED = 20070205  # Feeney (2007), JPSP 92(2) - a memorable, arbitrary seed
N_COUPLES = 400  # H3 (TOST) has power ~.85 on latent scores at 400 (power(effect="H3"))
DROPOUT = 0.06  # share of persons without a wave-2 row
ITEM_MISSING = 0.02  # share of item cells left empty (MCAR)
RELIABILITY = 0.85  # target alpha of every generating subscale
HERE = Path(__file__).resolve().parent
# One planted failure of measurement invariance, for notebook 05 and `dyadscore validate`:
# partner "man" answers relationship-satisfaction item sat2 one category higher than a woman
# with the same latent satisfaction (an intercept shift; answers already at the top stay there).
# Relationship satisfaction is used by no default hypothesis, and the shift is applied after
# every random draw, so all other columns are unchanged.
NONINVARIANT = {
    "instrument": "relationship-satisfaction",
    "item": "sat2",
    "role": "man",
    "shift": 1,
}


def make_items(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    latent = simulate_paradox(N_COUPLES, dropout=DROPOUT, seed=rng)
    ids = latent[["person", "couple", "role", "wave"]].reset_index(drop=True)
    blocks = [ids]
    for inst_id in list_instruments():
        inst = load_instrument(inst_id)
        items = simulate_items(
            latent, inst, reliability=RELIABILITY, missing=ITEM_MISSING, keep=[], seed=rng
        )
        blocks.append(items.reset_index(drop=True))
    items = pd.concat(blocks, axis=1)
    return plant_noninvariance(items), latent.attrs["truth"]


def plant_noninvariance(items: pd.DataFrame) -> pd.DataFrame:
    """Shift one item's answers up by one category for one role (an intercept difference)."""
    spec = NONINVARIANT
    top = load_instrument(spec["instrument"]).scale_max
    who = items["role"] == spec["role"]
    col = items[spec["item"]]
    items[spec["item"]] = col.where(~who, (col + spec["shift"]).clip(upper=top))
    return items


def make_intake(items: pd.DataFrame, n_couples: int = 3) -> pd.DataFrame:
    """A few couples at wave 1 as a Dutch Excel export would look (ids as text)."""
    w1 = items[(items["wave"] == 1) & (items["couple"] <= n_couples)]
    letter = np.where(w1["role"] == "woman", "A", "B")
    ids = pd.DataFrame(
        {
            "person": [f"K{c:02d}-{x}" for c, x in zip(w1["couple"], letter, strict=True)],
            "couple": [f"K{c:02d}" for c in w1["couple"]],
            "role": np.where(letter == "A", "partner_a", "partner_b"),
        }
    )
    answers = w1.drop(columns=["person", "couple", "role", "wave"]).reset_index(drop=True)
    return pd.concat([ids, answers], axis=1)


def main() -> None:
    rng = np.random.default_rng(SEED)
    items, truth = make_items(rng)
    items.to_csv(HERE / "couples_items.csv", index=False)

    scores = ds.score(items, list_instruments(), keep=["couple", "role", "wave"])
    wide = wide_by_wave(scores).round(4)
    wide.to_csv(HERE / "couples_scores.csv", index=False)

    intake = make_intake(items)
    with open(HERE / "intake_nl.csv", "w", encoding="utf-8-sig", newline="") as fh:
        intake.to_csv(fh, sep=";", index=False, lineterminator="\r\n")

    pop = population_effects()
    truth_out = {
        "seed": SEED,
        "n_couples": N_COUPLES,
        "dropout": DROPOUT,
        "item_missing": ITEM_MISSING,
        "reliability": RELIABILITY,
        "planted": truth["planted"],
        "population_values_of_default_hypotheses": dict(
            zip(pop["hypothesis"], pop["beta"].round(4), strict=True)
        ),
        "paths": truth["paths"],
        "noninvariant_item": {
            **NONINVARIANT,
            "what": "answers one category higher for this role at the same latent score "
            "(capped at the scale maximum): intercept (scalar) invariance fails for this "
            "instrument, loading (metric) invariance holds",
        },
    }
    (HERE / "truth.json").write_text(json.dumps(truth_out, indent=1) + "\n", encoding="utf-8")
    print(
        f"{len(items)} rows x {items.shape[1]} columns; {len(wide)} persons in couples_scores.csv"
    )


if __name__ == "__main__":
    main()
