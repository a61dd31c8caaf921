"""The `dyadscore score` and `instruments` commands, including every bad-input case."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore import io as dio
from dyadscore.cli import main
from dyadscore.errors import InputError

SAT = ds.load_instrument("relationship-satisfaction")


def _sat_frame(n: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"person": [f"p{i}" for i in range(n)], "couple": np.repeat(range(n // 2), 2)}
    )
    for it in SAT.item_ids:
        df[it] = rng.integers(1, 6, n)
    return df


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_score_writes_csv_and_meta(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _sat_frame().to_csv(src, index=False)
    out = tmp_path / "scores.csv"
    code, _, err = _run(
        ["score", str(src), "-i", "relationship-satisfaction", "-o", str(out)], capsys
    )
    assert code == 0, err
    scores = pd.read_csv(out)
    expected = ds.score(_sat_frame(), SAT)
    np.testing.assert_allclose(scores["satisfaction"], expected["satisfaction"])
    meta = json.loads((tmp_path / "scores.csv.meta.json").read_text())
    assert meta["provenance"][0]["key_hash"] == SAT.key_hash


def test_score_dutch_excel_export_autodetects_instrument(tmp_path, capsys):
    df = _sat_frame()
    src = tmp_path / "intake.csv"
    src.write_bytes(b"\xef\xbb\xbf" + df.to_csv(index=False, sep=";").encode())
    code, out, err = _run(["score", str(src)], capsys)
    assert code == 0, err
    assert "satisfaction" in out and "relationship-satisfaction" in out


def test_score_xlsx_and_json_out(tmp_path, capsys):
    src = tmp_path / "in.xlsx"
    _sat_frame().to_excel(src, index=False)
    out = tmp_path / "s.json"
    assert (
        _run(["score", str(src), "-i", "relationship-satisfaction", "-o", str(out)], capsys)[0] == 0
    )
    assert len(json.loads(out.read_text())) == 4


def _bad_case(tmp_path, name):
    df = _sat_frame()
    path = tmp_path / "in.csv"
    if name == "out_of_range":
        df.loc[2, "sat4"] = 9
    elif name == "non_numeric":
        df["sat2"] = df["sat2"].astype(object)
        df.loc[1, "sat2"] = "veel"
    elif name == "missing_column":
        df = df.drop(columns="sat5")
    elif name == "duplicate_ids":
        df.loc[3, "person"] = "p1"
    elif name == "shifted":
        for it in SAT.item_ids:
            df[it] = df[it] - 1
        df.loc[0, "sat1"] = 0
    if name == "empty":
        path.write_bytes(b"")
    elif name == "encoding":
        path.write_bytes(df.to_csv(index=False).replace("p1", "pé1").encode("latin-1"))
    else:
        df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        ("out_of_range", r"row 'p2', column 'sat4': value 9 is outside the response scale 1-5"),
        ("non_numeric", r"row 'p1', column 'sat2': value 'veel' is not a number"),
        (
            "missing_column",
            r"column 'sat5': item column of instrument 'relationship-satisfaction' not found",
        ),
        ("duplicate_ids", r"person id 'p1' occurs more than once \(lines 3 and 5\)"),
        ("shifted", r"outside the response scale 1-5.*shifted: 0-4 given for a 1-5 scale"),
        ("empty", r"the file is empty"),
        ("encoding", r"is not UTF-8"),
    ],
)
def test_bad_input_one_line_exit_2_no_output(tmp_path, capsys, case, pattern):
    import re

    src = _bad_case(tmp_path, case)
    out = tmp_path / "scores.csv"
    code, _, err = _run(
        ["score", str(src), "-i", "relationship-satisfaction", "-o", str(out)], capsys
    )
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("dyadscore: error: ")
    assert str(src) in err
    assert re.search(pattern, err), err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_unknown_instrument(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _sat_frame().to_csv(src, index=False)
    code, _, err = _run(["score", str(src), "-i", "no-such-scale"], capsys)
    assert code == 2 and "unknown instrument id 'no-such-scale'" in err


def test_malformed_instrument_yaml_names_the_line(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _sat_frame().to_csv(src, index=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nversion: 1.0.0\ntitle: {en: x, nl: y\nitems: []\n")
    code, _, err = _run(["score", str(src), "-i", str(bad)], capsys)
    assert code == 2 and "bad.yaml: line 4: malformed YAML" in err


def test_refuses_overwrite_without_force(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _sat_frame().to_csv(src, index=False)
    out = tmp_path / "scores.csv"
    out.write_text("precious")
    code, _, err = _run(
        ["score", str(src), "-i", "relationship-satisfaction", "-o", str(out)], capsys
    )
    assert code == 2 and "--force" in err and out.read_text() == "precious"
    args = ["score", str(src), "-i", "relationship-satisfaction", "-o", str(out), "--force"]
    assert _run(args, capsys)[0] == 0


def test_instruments_commands(capsys):
    code, out, _ = _run(["instruments", "list"], capsys)
    assert code == 0 and "acceptance-of-dependence" in out
    code, out, _ = _run(["instruments", "show", "felt-dependence", "--lang", "nl"], capsys)
    assert code == 0 and "Afhankelijkheid" in out or "afhankelijk" in out.lower()
    code, out, _ = _run(["instruments", "check"], capsys)
    assert code == 0 and "warning" not in out


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys; from dyadscore.cli import build_parser; build_parser(); "
        "heavy = [m for m in ('pandas', 'numpy', 'scipy', 'matplotlib', 'pydantic') if m in sys.modules]; "
        "print(heavy)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_unreadable_input_is_one_line(tmp_path, capsys):
    import os

    src = tmp_path / "in.csv"
    _sat_frame().to_csv(src, index=False)
    os.chmod(src, 0)
    if os.access(src, os.R_OK):  # root reads anyway: simulate with a folder of that name
        src.unlink()
        src.mkdir()
    code, _, err = _run(["score", str(src), "-i", "relationship-satisfaction"], capsys)
    assert code == 2 and err.count("\n") == 1 and "in.csv" in err


def test_bom_only_file_is_reported_empty(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_bytes(b"\xef\xbb\xbf\r\n")
    code, _, err = _run(["score", str(src)], capsys)
    assert code == 2 and "the file is empty" in err


# ------------------------------------------------------------- bad input (issue 9)
@pytest.mark.parametrize(
    "argv,part",
    [
        (["power", "--n", "abc"], "power: argument --n: invalid int value: 'abc'"),
        (["paradox", "x.csv", "--lang", "de"], "argument --lang: invalid choice: 'de'"),
        (["score"], "score: the following arguments are required: data"),
        (["dyads", "melt", "x.csv", "--vars", "a", "--dyad", "d"], "invalid choice: 'melt'"),
        (["map", "suggest", "x.csv"], "map suggest: the following arguments are required"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_argument_errors_are_one_line(argv, part, capsys) -> None:
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("dyadscore: error: ") and part in err
    assert "usage:" not in err


def test_score_between_points_and_the_option(tmp_path, capsys) -> None:
    df = _sat_frame().astype({"sat2": float})
    df.loc[1, "sat2"] = 3.5
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "s.csv"
    argv = ["score", str(src), "-i", "relationship-satisfaction", "-o", str(out)]
    code, _, err = _run(argv, capsys)
    assert code == 2 and "row 'p1', column 'sat2': value 3.5" in err and not out.exists()
    code, _, err = _run([*argv, "--allow-between-points"], capsys)
    assert code == 0, err
    expected = ds.score(df, SAT, allow_between_points=True)["satisfaction"]
    np.testing.assert_allclose(pd.read_csv(out)["satisfaction"], expected)


def test_reliability_between_points_and_the_option(tmp_path, capsys) -> None:
    df = _sat_frame(12).astype({"sat4": float})
    df.loc[3, "sat4"] = 2.5
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    argv = ["reliability", str(src), "-i", "relationship-satisfaction", "--json"]
    code, _, err = _run(argv, capsys)
    assert code == 2 and "row 'p3', column 'sat4': value 2.5 lies between" in err
    code, out, err = _run([*argv, "--allow-between-points"], capsys)
    assert code == 0, err
    # alpha by hand: k/(k-1) (1 - sum item variances / variance of the sum), keyed items
    keyed = df[SAT.item_ids].astype(float)
    for it in SAT.reverse_items:
        keyed[it] = 6 - keyed[it]
    k = keyed.shape[1]
    alpha = k / (k - 1) * (1 - keyed.var(ddof=1).sum() / keyed.sum(axis=1).var(ddof=1))
    got = json.loads(out)["scales"][0]["alpha"]
    assert abs(got - alpha) < 1e-12


# ------------------------------------------------------------ regressions from the review of issue 2 (exports, mappings, outputs)


REVIEW_ROW = [5, 4, 1, 5, 4]  # hand-worked: (5 + 4 + (6 - 1) + 5 + 4) / 5 = 4.6


def _review_frame() -> pd.DataFrame:
    df = pd.DataFrame({"person": ["p1", "p2", "p3"], "couple": ["c1", "c1", "c2"]})
    for j, it in enumerate(SAT.item_ids):
        df[it] = [REVIEW_ROW[j], REVIEW_ROW[j], REVIEW_ROW[j]]
    return df


def _one_line_error(code: int, err: str) -> None:
    assert code == 2, err
    assert err.startswith("dyadscore: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def _dutch_bytes(df: pd.DataFrame, tail: bytes = b"") -> bytes:
    text = df.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return b"\xef\xbb\xbf" + text.encode() + tail


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("dutch.csv", _dutch_bytes(_review_frame(), b"\r\n;;;;;;\r\n;;;;;;\r\n\r\n")),
        ("plain.csv", _review_frame().to_csv(index=False).encode() + b",,,,,,\n,,,,,,\n\n"),
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


@pytest.mark.parametrize("sep", [",", ";"])
def test_row_with_answers_but_no_person_id(tmp_path, capsys, sep):
    df = _review_frame()
    df.loc[1, "person"] = None
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False, sep=sep)
    out = tmp_path / "scores.csv"
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    _one_line_error(code, err)
    assert f"{src}: column 'person': line 3 has answers but no person id" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


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


def test_mapping_onto_an_existing_column_is_an_error(tmp_path, capsys):
    df = _review_frame().assign(Q1=3)
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
    _review_frame().to_csv(src, index=False)
    mapping.write_text("Q9: sat1\n")
    code, _, err = _run(["score", src, "-i", SAT.id, "--map", mapping, "-o", "x.csv"], capsys)
    _one_line_error(code, err)
    assert f"{mapping}: names column 'Q9', which is not in {src}" in err


def test_unwritable_output_folder_is_one_line(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.csv"
    _review_frame().to_csv(src, index=False)

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
    _review_frame().to_csv(src, index=False)
    (tmp_path / "out").mkdir()
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", tmp_path / "out", "--force"], capsys)
    _one_line_error(code, err)
    assert "is a folder; expected an output file name" in err


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_existing_output_is_named_before_its_sidecar(tmp_path, capsys, suffix):
    src = tmp_path / "in.csv"
    _review_frame().to_csv(src, index=False)
    out = tmp_path / f"scores{suffix}"
    assert _run(["score", src, "-i", SAT.id, "-o", out], capsys)[0] == 0
    code, _, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    _one_line_error(code, err)
    assert f"{out}: already exists; use --force" in err


# ------------------------------------------------------------ one path (issue 13)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".sav"])
def test_score_writes_the_same_files_for_every_format(tmp_path, capsys, suffix):
    src = tmp_path / "in.csv"
    _review_frame().to_csv(src, index=False)
    out = tmp_path / f"scores{suffix}"
    code, stdout, err = _run(["score", src, "-i", SAT.id, "-o", out], capsys)
    assert code == 0 and stdout == "", err
    assert err == f"scored 3 rows on 1 subscales -> {out} (codebook: {out}.codebook.md)\n"
    tails = ("", ".codebook.md", ".codebook.csv", ".meta.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["in.csv", *(f"scores{suffix}{t}" for t in tails)]
    )
    meta = json.loads((tmp_path / f"scores{suffix}.meta.json").read_text())
    assert meta["provenance"][0]["key_hash"] == SAT.key_hash


def test_score_is_score_file(tmp_path, capsys, monkeypatch):
    """The command parses its arguments and calls dyadscore.score_file, nothing else."""
    from dyadscore import batch

    seen = {}

    def fake(path, instruments=None, out=None, **kw):
        seen.update(path=path, instruments=instruments, out=out, **kw)
        return {"rows": 0, "codebook": []}

    monkeypatch.setattr(batch, "score_file", fake)
    argv = ["score", "x.csv", "-i", "a", "--map", "m.yaml", "--source", "csv", "--person", "id"]
    argv += ["-o", "s.sav", "--format", "spss", "--force", "--allow-between-points"]
    code, _, err = _run(argv, capsys)
    assert code == 0, err
    assert seen == {
        "path": "x.csv",
        "instruments": ["a"],
        "out": "s.sav",
        "mapping": "m.yaml",
        "source": "csv",
        "person": "id",
        "fmt": "spss",
        "force": True,
        "allow_between_points": True,
    }
