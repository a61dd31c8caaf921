"""score_file: its record-batch CSV road equals whole-table scoring, errors included."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore import batch
from dyadscore.errors import InputError

INSTRUMENTS = ["relationship-satisfaction", "felt-dependence"]


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(batch, "BATCH_ROWS", 128)  # many slices from a small file


def _frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"person": np.arange(n), "couple": np.arange(n) // 2, "role": ["a", "b"] * (n // 2)}
    )
    for inst_id in INSTRUMENTS:
        inst = ds.load_instrument(inst_id)
        for item in inst.item_ids:
            v = rng.integers(inst.scale_min, inst.scale_max + 1, n).astype(float)
            v[rng.random(n) < 0.05] = np.nan
            df[item] = pd.array(v, dtype="Int64")
    return df


def test_batches_equal_whole_table(tmp_path):
    df = _frame()
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    df.to_csv(src, index=False)
    res = batch.score_file(src, INSTRUMENTS, out)
    got = pd.read_csv(out)
    want = ds.score(df, INSTRUMENTS)
    assert len(got) == len(want) == 3000
    for rec in want.attrs["codebook"]:
        name = rec["variable"]
        np.testing.assert_array_equal(got[name].to_numpy(), want[name].to_numpy())
        np.testing.assert_array_equal(got[f"{name}_n"], want[f"{name}_n"])
        assert (got[f"{name}_flag"] == want[f"{name}_flag"].astype(str)).all()
    meta = {"provenance": res["provenance"], "codebook": res["codebook"]}
    assert json.loads((tmp_path / "out.csv.meta.json").read_text()) == json.loads(json.dumps(meta))
    assert res["rows"] == 3000
    # the codebook beside the file covers every slice: the same as the whole table's
    cb = pd.read_csv(tmp_path / "out.csv.codebook.csv").set_index("variable")
    for rec in want.attrs["codebook"]:
        name = rec["variable"]
        assert cb.loc[name, "n_valid"] == want[name].notna().sum()
        assert cb.loc[name, "min"] == pytest.approx(want[name].min(), rel=1e-5)
        assert cb.loc[name, "max"] == pytest.approx(want[name].max(), rel=1e-5)
    ds.write_scores(want, tmp_path / "whole.csv")
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "whole.csv.codebook.csv"), cb.reset_index()
    )


def test_duplicate_across_batches_is_an_error_and_writes_nothing(tmp_path):
    df = _frame()
    df.loc[2500, "person"] = 7
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    df.to_csv(src, index=False)
    with pytest.raises(InputError, match=r"person id 7 occurs more than once \(lines 9 and 2502\)"):
        batch.score_file(src, INSTRUMENTS, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_out_of_range_in_a_late_batch(tmp_path):
    df = _frame()
    df.loc[2900, "fd3"] = 8
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    df.to_csv(src, index=False)
    with pytest.raises(InputError, match=r"row 2900, column 'fd3': value 8 is outside"):
        batch.score_file(src, INSTRUMENTS, out)
    assert not out.exists()


def test_text_late_in_a_numeric_column_falls_back_and_is_named(tmp_path):
    df = _frame().astype({"sat2": object})
    df.loc[2950, "sat2"] = "veel"
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    df.to_csv(src, index=False)
    with pytest.raises(InputError, match=r"row 2950, column 'sat2': value 'veel' is not a number"):
        batch.score_file(src, INSTRUMENTS, out)
    assert not out.exists()


def test_refuses_to_overwrite(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _frame(50).to_csv(src, index=False)
    out.write_text("keep")
    with pytest.raises(InputError, match="--force"):
        batch.score_file(src, INSTRUMENTS, out)
    assert out.read_text() == "keep"


# ------------------------------------------------------------ regressions from the review of issue 2


SAT = ds.load_instrument("relationship-satisfaction")  # 5 items, 1-5, sat3 reversed


REVIEW_ROW = [5, 4, 1, 5, 4]  # hand-worked: (5 + 4 + (6 - 1) + 5 + 4) / 5 = 4.6


def _review_frame() -> pd.DataFrame:
    df = pd.DataFrame({"person": ["p1", "p2", "p3"], "couple": ["c1", "c1", "c2"]})
    for j, it in enumerate(SAT.item_ids):
        df[it] = [REVIEW_ROW[j], REVIEW_ROW[j], REVIEW_ROW[j]]
    return df


def test_stream_reader_falls_back_when_the_file_cannot_be_opened(tmp_path, monkeypatch):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _review_frame().to_csv(src, index=False)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(batch, "open", refuse, raising=False)  # only batch's own open
    batch.score_file(src, [SAT.id], out)
    np.testing.assert_allclose(pd.read_csv(out)["satisfaction"], 4.6)


# ------------------------------------------------------------ score_file: one path (issue 13)


def test_score_file_without_out_returns_the_scores(tmp_path):
    src = tmp_path / "in.csv"
    _review_frame().to_csv(src, index=False)
    got = batch.score_file(src)  # instruments found from the columns
    assert got["satisfaction"].tolist() == [4.6, 4.6, 4.6]  # hand-worked, see REVIEW_ROW
    assert got.attrs["provenance"][0]["key_hash"] == SAT.key_hash
    assert ds.score_file is batch.score_file


def test_score_file_names_what_to_do_when_no_instrument_is_present(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"person": ["p1"], "x": [1]}).to_csv(src, index=False)
    with pytest.raises(InputError, match=r"in.csv: no shipped instrument has all its item"):
        batch.score_file(src, out=tmp_path / "s.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet", ".xlsx", ".sav", ".dta"])
def test_every_format_gets_the_same_codebook_and_metadata(tmp_path, suffix):
    src = tmp_path / "in.csv"
    df = _review_frame()
    df.loc[2, ["sat1", "sat2", "sat3"]] = np.nan  # 2 of 5 answered: a missing score
    df.to_csv(src, index=False)
    out = tmp_path / f"scores{suffix}"
    res = batch.score_file(src, SAT.id, out)
    names = [p.name for p in res["paths"]]
    assert names == [f"scores{suffix}"] + [
        f"scores{suffix}.{tail}" for tail in ("codebook.md", "codebook.csv", "meta.json")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.csv", *names])
    meta = json.loads((tmp_path / f"scores{suffix}.meta.json").read_text())
    assert meta["provenance"][0]["key_hash"] == SAT.key_hash
    assert [r["variable"] for r in meta["codebook"]] == ["satisfaction"]
    cb = pd.read_csv(tmp_path / f"scores{suffix}.codebook.csv").set_index("variable")
    assert cb.loc["satisfaction", "n_valid"] == 2 and cb.loc["satisfaction", "max"] == 4.6
    md = (tmp_path / f"scores{suffix}.codebook.md").read_text()
    assert "reversed: sat3" in md and res["rows"] == 3


def test_csv_missing_scores_are_empty_cells_on_both_roads(tmp_path):
    df = _review_frame()
    df.loc[2, ["sat1", "sat2", "sat3"]] = np.nan
    plain, dutch = tmp_path / "plain.csv", tmp_path / "dutch.csv"
    df.to_csv(plain, index=False)
    df.to_csv(dutch, index=False, sep=";", decimal=",")  # ';' takes the whole-table road
    for src in (plain, dutch):
        out = tmp_path / f"{src.stem}-scores.csv"
        batch.score_file(src, SAT.id, out)
        line = out.read_text().splitlines()[3]  # p3: header, p1, p2, p3
        assert line.startswith("p3,c2,,2,missing"), line
    # both roads write the same table and the same codebook
    a, b = (tmp_path / "plain-scores.csv"), (tmp_path / "dutch-scores.csv")
    assert a.read_text() == b.read_text()
    assert Path(f"{a}.codebook.csv").read_text() == Path(f"{b}.codebook.csv").read_text()


def test_existing_sidecar_is_refused_before_anything_is_written(tmp_path):
    src = tmp_path / "in.csv"
    _review_frame().to_csv(src, index=False)
    out = tmp_path / "s.csv"
    (tmp_path / "s.csv.codebook.md").write_text("mine")
    with pytest.raises(InputError, match=r"s.csv.codebook.md: already exists; use --force"):
        batch.score_file(src, SAT.id, out)
    assert not out.exists() and (tmp_path / "s.csv.codebook.md").read_text() == "mine"
