"""Regression tests from a review of issue #2: nasty exports, mappings and output paths.

Every bad input must give one line (file, row/line, column, value), exit code 2, no
traceback and no output file; spreadsheet artefacts (blank ``;;;`` rows) are not people.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore import batch
from dyadscore import io as dio
from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.instruments import instrument_dirs

SAT = ds.load_instrument("relationship-satisfaction")  # 5 items, 1-5, sat3 reversed
ROW = [5, 4, 1, 5, 4]  # hand-worked: (5 + 4 + (6 - 1) + 5 + 4) / 5 = 4.6


def _frame() -> pd.DataFrame:
    df = pd.DataFrame({"person": ["p1", "p2", "p3"], "couple": ["c1", "c1", "c2"]})
    for j, it in enumerate(SAT.item_ids):
        df[it] = [ROW[j], ROW[j], ROW[j]]
    return df


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, err: str) -> None:
    assert code == 2, err
    assert err.startswith("dyadscore: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def _dutch_bytes(df: pd.DataFrame, tail: bytes = b"") -> bytes:
    text = df.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return b"\xef\xbb\xbf" + text.encode() + tail


# ------------------------------------------------------------------ blank rows
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("dutch.csv", _dutch_bytes(_frame(), b"\r\n;;;;;;\r\n;;;;;;\r\n\r\n")),
        ("plain.csv", _frame().to_csv(index=False).encode() + b",,,,,,\n,,,,,,\n\n"),
    ],
)
def test_blank_spreadsheet_rows_are_not_people(tmp_path, capsys, name, content):
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / "scores.csv"
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    assert code == 0, err
    scores = pd.read_csv(out)
    assert scores["person"].tolist() == ["p1", "p2", "p3"]
    np.testing.assert_allclose(scores["satisfaction"], [4.6, 4.6, 4.6])


def test_blank_rows_in_a_dataframe_and_a_long_table():
    wide = pd.concat([_frame(), pd.DataFrame([{}])], ignore_index=True)  # an all-NaN row
    assert ds.score(wide, SAT)["person"].tolist() == ["p1", "p2", "p3"]
    long = _frame().melt(id_vars=["person", "couple"], var_name="item", value_name="value")
    long = pd.concat([long, pd.DataFrame([{}])], ignore_index=True)
    out = ds.score(long, SAT)
    assert out["person"].tolist() == ["p1", "p2", "p3"]
    np.testing.assert_allclose(out["satisfaction"], 4.6)


@pytest.mark.parametrize("sep", [",", ";"])
def test_row_with_answers_but_no_person_id(tmp_path, capsys, sep):
    df = _frame()
    df.loc[1, "person"] = None
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False, sep=sep)
    out = tmp_path / "scores.csv"
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    _one_line_error(code, err)
    assert f"{src}: column 'person': line 3 has answers but no person id" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_missing_person_id_in_python_names_the_index():
    df = _frame()
    df.loc[2, "person"] = "  "
    with pytest.raises(InputError, match="row at index 2 has answers but no person id"):
        ds.score(df, SAT)


def test_person_as_index_gets_a_hint():
    with pytest.raises(InputError, match=r"'person' is the index: use df.reset_index\(\)"):
        ds.score(_frame().set_index("person"), SAT)


# ----------------------------------------------------------- duplicate columns
@pytest.mark.parametrize("sep", [",", ";"])
def test_duplicate_column_header_is_an_error(tmp_path, capsys, sep):
    header = sep.join(["person", "sat1", " sat1", *SAT.item_ids[1:]])
    src = tmp_path / "in.csv"
    src.write_text(header + "\n" + sep.join(["p1", "1", "2", "4", "1", "5", "4"]) + "\n")
    out = tmp_path / "scores.csv"
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    _one_line_error(code, err)
    assert str(src) in err and "'sat1'" in err and "more than once" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_duplicate_column_header_in_excel_is_an_error(tmp_path, capsys):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["person", "sat1", "sat1", *SAT.item_ids[1:]])
    book.active.append(["p1", 1, 5, 4, 1, 5, 4])
    src = tmp_path / "in.xlsx"
    book.save(src)
    out = tmp_path / "scores.csv"
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    _one_line_error(code, err)
    assert f"{src}: line 1, column 'sat1': the name occurs more than once" in err
    assert not out.exists()


def test_duplicate_columns_in_a_dataframe():
    df = pd.concat([_frame(), _frame()[["sat1"]]], axis=1)
    with pytest.raises(InputError, match="column 'sat1': the column name occurs more than once"):
        ds.score(df, SAT)


def test_mapping_onto_an_existing_column_is_an_error(tmp_path, capsys):
    df = _frame().assign(Q1=3)
    with pytest.raises(InputError, match="columns 'sat1' and 'Q1' .* would both become 'sat1'"):
        ds.score(df, SAT, mapping={"Q1": "sat1"})
    src, mapping = tmp_path / "in.csv", tmp_path / "map.yaml"
    df.to_csv(src, index=False)
    mapping.write_text("Q1: sat1\n")
    out = tmp_path / "scores.csv"
    code, _, err = _run(["score", src, "-i", SAT.id, "--map", mapping, "-o", out], capsys)
    _one_line_error(code, err)
    assert f"{mapping}: columns 'sat1' and 'Q1' of {src} would both become 'sat1'" in err
    assert not out.exists()


def test_mapping_with_an_absent_column_names_both_files(tmp_path, capsys):
    src, mapping = tmp_path / "in.csv", tmp_path / "map.yaml"
    _frame().to_csv(src, index=False)
    mapping.write_text("Q9: sat1\n")
    code, _, err = _run(["score", src, "-i", SAT.id, "--map", mapping, "-o", "x.csv"], capsys)
    _one_line_error(code, err)
    assert f"{mapping}: names column 'Q9', which is not in {src}" in err


# -------------------------------------------------------------- output paths
def test_unwritable_output_folder_is_one_line(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.csv"
    _frame().to_csv(src, index=False)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dio.tempfile, "mkstemp", denied)
    for out in ("scores.csv", "scores.json"):  # streamed CSV and whole-table writers
        code, _, err = _run(["score", src, "-i", SAT.id, "-o", tmp_path / out], capsys)
        _one_line_error(code, err)
        assert f"cannot write in folder {tmp_path} (Permission denied)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_output_path_that_is_a_folder(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _frame().to_csv(src, index=False)
    (tmp_path / "out").mkdir()
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", tmp_path / "out", "--force"], capsys)
    _one_line_error(code, err)
    assert "is a folder; expected an output file name" in err


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_existing_output_is_named_before_its_sidecar(tmp_path, capsys, suffix):
    src = tmp_path / "in.csv"
    _frame().to_csv(src, index=False)
    out = tmp_path / f"scores{suffix}"
    assert _run(["score", src, "-i", SAT.id, "-o", out], capsys)[0] == 0
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    _one_line_error(code, err)
    assert f"{out}: already exists; use --force" in err


def test_stream_reader_falls_back_when_the_file_cannot_be_opened(tmp_path, monkeypatch):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _frame().to_csv(src, index=False)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(batch, "open", refuse, raising=False)  # only batch's own open
    batch.score_csv(src, [SAT.id], out)
    np.testing.assert_allclose(pd.read_csv(out)["satisfaction"], 4.6)


def test_json_output_keeps_full_precision(tmp_path):
    df = pd.DataFrame({"person": ["p1"], "x": [1 / 3]})
    path = dio.write_table(df, tmp_path / "s.json")
    assert json.loads(path.read_text())[0]["x"] == pytest.approx(1 / 3, rel=1e-14, abs=0)


# ------------------------------------------------------------------ instruments
def test_scale_error_names_the_field_once(tmp_path):
    shipped = next(d for d in instrument_dirs() if (d / f"{SAT.id}.yaml").is_file())
    text = (shipped / f"{SAT.id}.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  max: 5", "  max: 1", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        ds.load_instrument(bad)
    msg = str(exc.value)
    assert msg.count("response_scale") == 1 and "max (1) must exceed min (1)" in msg
