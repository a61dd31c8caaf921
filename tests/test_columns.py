"""The one vocabulary of id columns (dyadscore.columns) and present_instruments()."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import dyadscore as ds
from dyadscore import columns
from dyadscore.instruments import load_instrument

SRC = Path(ds.__file__).parent


def test_present_instruments_wide_long_and_mapped() -> None:
    items = load_instrument("relationship-satisfaction").item_ids
    wide = pd.DataFrame([[1, *range(1, len(items) + 1)]], columns=["person", *items])
    assert "relationship-satisfaction" in columns.present_instruments(wide)
    assert "relationship-satisfaction" not in columns.present_instruments(wide.iloc[:, :-1])
    long = pd.DataFrame({"person": 1, "item": items, "value": 3})
    assert "relationship-satisfaction" in columns.present_instruments(long)
    renamed = wide.rename(columns={items[0]: "Q1"})
    assert "relationship-satisfaction" not in columns.present_instruments(renamed)
    assert "relationship-satisfaction" in columns.present_instruments(
        renamed, mapping={"Q1": items[0]}
    )
    assert "relationship-satisfaction" in columns.present_instruments(
        ["person", items[0]], partial=True
    )


def test_id_columns_are_never_items() -> None:
    for name in (*columns.PERSON_CANDIDATES, *columns.DYAD_CANDIDATES, "role", "wave", "time"):
        assert columns.is_id_column(name)
    assert not columns.is_id_column("sat1")


def test_one_list_of_person_candidates() -> None:
    """No module (other than columns.py) spells out its own list of person-id names."""
    spelled = '"person", "person_id", "id", "respondent"'
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name not in ("columns.py", "paradox.py") and spelled in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_upper_case_person_id_of_spss_and_stata_files_is_found() -> None:
    """SPSS and Stata variable names are case-insensitive: an ``ID`` column is the person id,
    the same way in scoring, the dyadic functions and the paradox test."""
    import pandas as pd

    import dyadscore as ds
    from dyadscore.columns import person_column

    items = ds.read_table(Path(__file__).parents[1] / "data/sample/couples_items.csv").head(20)
    items = items.rename(columns={"person": "ID"})
    scores = ds.score(items, "relationship-satisfaction")
    assert "ID" in scores.columns and scores["ID"].tolist() == items["ID"].tolist()
    assert person_column(["Person", "person_id"]) == "person_id"  # exact names first
    # indistinguishable members are ordered by the detected ID (member 1 = lower id)
    pair = pd.DataFrame({"couple": [1, 1], "ID": [2, 1], "x": [10.0, 20.0]})
    assert ds.to_dyad(pair, "x")[["x_1", "x_2"]].values.tolist() == [[20.0, 10.0]]
