"""Readers and writers: separators, decimal commas, BOM, Excel, Parquet, JSON, atomic writes."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest

from dyadscore import io as dio
from dyadscore.errors import InputError
from dyadscore.formats.writers import write_scores
from dyadscore.io import guard_formulas, read_table, write_table

FRAME = pd.DataFrame({"person": ["p1", "p2"], "x": [3.5, 4.0], "i": [1, 2]})


@pytest.mark.parametrize(
    "content",
    [
        b"person,x,i\np1,3.5,1\np2,4.0,2\n",
        b"\xef\xbb\xbfperson,x,i\np1,3.5,1\np2,4.0,2\n",  # UTF-8 with BOM
        b"person;x;i\np1;3,5;1\np2;4,0;2\n",  # Dutch Excel: ';' and decimal comma
        b"\xef\xbb\xbfperson;x;i\r\np1;3,5;1\r\np2;4;2\r\n",  # BOM + CRLF
        b"person\tx\ti\np1\t3.5\t1\np2\t4\t2\n",
    ],
)
def test_csv_dialects(tmp_path, content):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    df = read_table(path)
    assert df.columns.tolist() == ["person", "x", "i"]
    np.testing.assert_allclose(df["x"], [3.5, 4.0])
    assert df["person"].tolist() == ["p1", "p2"]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet", ".xlsx"])
def test_round_trip(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    write_table(FRAME, path)
    back = read_table(path)
    assert back["person"].tolist() == ["p1", "p2"]
    np.testing.assert_allclose(back["x"], FRAME["x"])
    assert back["i"].tolist() == [1, 2]


def test_parquet_and_sidecar_keep_metadata(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "s.parquet"
    frame = FRAME.copy()
    frame.attrs["provenance"] = [{"instrument": "x", "key_hash": "abc"}]
    write_scores(frame, path)  # the score writer; write_table writes no sidecar
    md = pq.read_schema(path).metadata[b"dyadscore"]
    assert json.loads(md)["provenance"][0]["key_hash"] == "abc"
    assert json.loads((tmp_path / "s.parquet.meta.json").read_text())["provenance"]


def test_no_overwrite_without_force_and_owner_only(tmp_path):
    path = tmp_path / "s.csv"
    write_table(FRAME, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(InputError, match="already exists; use --force"):
        write_table(FRAME.iloc[:1], path)
    assert path.read_bytes() == before
    write_table(FRAME.iloc[:1], path, force=True)
    assert len(read_table(path)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]  # no temp files left


def test_failed_write_leaves_nothing(tmp_path):
    class Boom:
        columns = ["a"]

    with pytest.raises(Exception):  # noqa: B017 - any failure
        write_table(Boom(), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_formula_injection_guard():
    df = pd.DataFrame(
        {"note": ["=HYPERLINK(1)", "+1", "-x", "@SUM", "fine"], "v": [-1, 2, 3, 4, 5]}
    )
    out = guard_formulas(df)
    assert out["note"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-x", "'@SUM", "fine"]
    assert out["v"].tolist() == [-1, 2, 3, 4, 5]


def test_csv_writer_guards_cells(tmp_path):
    path = tmp_path / "g.csv"
    write_table(pd.DataFrame({"person": ["=cmd|' /C calc'!A0"], "x": [1]}), path)
    assert "'=cmd" in path.read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"person,x\n", "no data rows"),
        (b"person,x\np\xe9,1\n", "is not UTF-8"),
    ],
)
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_table(path)


def test_missing_file():
    with pytest.raises(InputError, match="file not found"):
        read_table("/nonexistent/data.csv")


def test_large_csv_written_in_two_parts_reads_back_exactly(tmp_path):
    n = 200_001
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "person": np.arange(n),
            "score": rng.integers(6, 43, n) / 6,
            "flag": pd.Categorical.from_codes(rng.integers(0, 3, n), ["ok", "prorated", "missing"]),
        }
    )
    df.loc[::7, "score"] = np.nan
    path = tmp_path / "big.csv"
    write_table(df, path)
    back = pd.read_csv(path)
    assert len(back) == n and back["person"].is_monotonic_increasing
    np.testing.assert_array_equal(back["score"].to_numpy(), df["score"].to_numpy())
    assert (back["flag"] == df["flag"].astype(str)).all()


def test_text_with_commas_and_quotes_is_quoted_and_round_trips(tmp_path):
    df = pd.DataFrame({"person": ["a,b", 'say "hi"', "plain"], "x": [1.5, 2.0, None]})
    path = tmp_path / "q.csv"
    write_table(df, path)
    back = pd.read_csv(path)
    assert back["person"].tolist() == df["person"].tolist()
    assert path.read_text().splitlines()[0] == '"person","x"'


def test_simple_values_are_not_quoted(tmp_path):
    path = tmp_path / "s.csv"
    write_table(pd.DataFrame({"person": ["p1"], "flag": pd.Categorical(["ok"])}), path)
    assert path.read_text().splitlines()[1] == "p1,ok"  # pyarrow always quotes the header


def test_unknown_output_suffix_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"cannot write \.sav files here"):
        write_table(FRAME, tmp_path / "x.sav")
    assert list(tmp_path.iterdir()) == []


def test_exists_message_names_the_cli_option_not_python(tmp_path) -> None:
    import pandas as pd

    from dyadscore.errors import InputError
    from dyadscore.io import write_table

    target = tmp_path / "a.csv"
    target.write_text("x\n")
    with pytest.raises(InputError, match=r"already exists; use --force \(Python: force\)") as err:
        write_table(pd.DataFrame({"a": [1]}), target)
    assert "=True" not in str(err.value)


# ------------------------------------------------------------ regressions from the review of issue 2


def test_json_output_keeps_full_precision(tmp_path):
    df = pd.DataFrame({"person": ["p1"], "x": [1 / 3]})
    path = dio.write_table(df, tmp_path / "s.json")
    assert json.loads(path.read_text())[0]["x"] == pytest.approx(1 / 3, rel=1e-14, abs=0)
