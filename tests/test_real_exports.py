"""The survey-platform readers on real export files (not files our own writer made).

Every file under ``tests/fixtures/<platform>/real/`` that this module reads was written by
the platform (or by the statistics package named) and comes from a package registry
(PyPI, Debian, npm) whose licence allows redistribution; ``tests/fixtures/README.md``
("Real exports") cites package, version, path inside and licence for each. Expected
values come from another reader (pyreadstat, pandas, the csv module) or were worked by
hand from the file, never from dyadscore's own output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.formats import detect_source, read_raw, read_responses

FIX = Path(__file__).parent / "fixtures"


# ----------------------------------------------------------------------------- SPSS
SAV = FIX / "spss/real/foreign_testdata.sav"
AGREE = FIX / "spss/real/foreign-agreement.yaml"


def test_real_sav_string_user_missing_values_are_missing():
    """IBM SPSS Statistics 23 file with user-missing codes on string variables."""
    import pyreadstat

    assert SAV.read_bytes()[:64].startswith(b"$FL2@(#) IBM SPSS STATISTICS")
    _, meta = pyreadstat.read_sav(str(SAV), user_missing=True, metadataonly=True)
    # the declarations as the file holds them (pyreadstat's metadata)
    assert meta.missing_ranges["string_miss"] == [{"lo": "a", "hi": "a"}, {"lo": "b", "hi": "b"}]
    assert [r["lo"] for r in meta.missing_ranges["factor_s_coded_miss"]] == ["u", "v", "w"]
    df = read_responses(SAV, source="spss")
    assert df["person"].tolist() == [f"response {k}" for k in range(1, 6)]
    # the cells as written ('a', 'c', 'b', 'g', '' and 'm', 'f', '', 'm', 'u'): a, b, u missing
    assert df["string_miss"].isna().tolist() == [True, False, True, False, False]
    assert df["string_miss"].iloc[[1, 3]].tolist() == ["c", "g"]
    assert df["factor_s_coded_miss"].isna().tolist() == [False, False, False, False, True]
    # numeric codes too: 99 (discrete) and the range 1-2 (numeric_long_label: 1, 2, 3.33333, 4)
    assert df["factor_n_coded_miss"].isna().tolist() == [False, False, True, False, True]
    assert df["numeric_long_label"].isna().tolist() == [True, True, False, False, True]
    # independent reference: pyreadstat's own reading, which sets user-missing values to NaN
    ref, _ = pyreadstat.read_sav(str(SAV))
    for col in ref.columns:
        got, want = df[col], ref[col]
        assert got.isna().tolist() == want.isna().tolist(), col
        if pd.api.types.is_numeric_dtype(want):
            np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), equal_nan=True)
        else:
            assert got[got.notna()].astype(str).tolist() == want[want.notna()].astype(str).tolist()
    raw = read_raw(SAV, source="spss")
    assert raw.attrs["missing_codes"]["string_miss"] == ["a", "b"]
    assert raw.attrs["value_labels"]["factor_s_coded_miss"]["u"] == "unknown"


def test_real_sav_scores_with_user_missing_codes_left_out(tmp_path, monkeypatch):
    """99 ('no answer') and -1 (range -1 to 0) are missing, so the 1-5 items score."""
    df = read_responses(SAV, source="spss")
    out = ds.score(df, AGREE)
    # hand-worked from the file: factor_numeric 1, 2, 3, -1(missing), missing;
    # factor_n_coded_miss 1, 2, 99(missing), 5, missing -> means of the answered items
    np.testing.assert_allclose(out["agreement"], [1.0, 2.0, 3.0, 5.0, np.nan], equal_nan=True)
    assert out["agreement_n"].tolist() == [2, 2, 1, 1, 0]
    # the codes as the file holds them (pyreadstat user_missing=True) are off the 1-5 scale
    import pyreadstat

    kept, _ = pyreadstat.read_sav(str(SAV), user_missing=True)
    kept.insert(0, "person", [f"p{k}" for k in range(5)])
    with pytest.raises(InputError, match="outside the response scale 1-5"):
        ds.score(kept[["person", "factor_numeric", "factor_n_coded_miss"]], AGREE)
    # and the command
    monkeypatch.chdir(tmp_path)
    assert main(["score", str(SAV), "-i", str(AGREE), "-o", "s.csv"]) == 0
    s = pd.read_csv(tmp_path / "s.csv")
    np.testing.assert_allclose(s["agreement"], [1.0, 2.0, 3.0, 5.0, np.nan], equal_nan=True)
    assert detect_source(SAV) == "spss"


def test_real_sav_from_spss_6_keeps_the_case_ids_a_mapping_names():
    """SPSS 6.1 for Windows file (1990s): one numeric user-missing code, a string variable."""
    import pyreadstat

    p = FIX / "spss/real/foreign_electric.sav"
    assert p.read_bytes()[:64].startswith(b"$FL2@(#) SPSS DATA FILE MS WINDOWS Release 6.1")
    kept, meta = pyreadstat.read_sav(str(p), user_missing=True)
    assert meta.missing_ranges == {"DAYOFWK": [{"lo": 9.0, "hi": 9.0}]}
    df = read_responses(p)
    assert len(df) == 240 and df.attrs["person_ids"].startswith("numbered")
    # DAYOFWK 9 ('day of death' not known) is missing: as many as the file has 9s
    assert df["DAYOFWK"].isna().sum() == (kept["DAYOFWK"] == 9).sum() == 130
    ref, _ = pyreadstat.read_sav(str(p))
    np.testing.assert_allclose(df["DAYOFWK"], ref["DAYOFWK"], equal_nan=True)
    assert df["FAMHXCVR"].tolist() == ref["FAMHXCVR"].tolist()  # 'Y'/'N' text kept
    # the case id column, when the mapping names it, gives the person ids
    byid = read_responses(p, mapping={"person": "CASEID"})
    assert [str(v) for v in byid["person"]] == [str(int(v)) for v in ref["CASEID"]]


# ---------------------------------------------------------------------------- Stata
STATA = FIX / "stata/real"


def test_real_dta_extended_missing_values_are_missing():
    """Stata 14+ (format 118) file: 27 observations coded ., .a, ..., .z (missings.do)."""
    import pyreadstat

    p = STATA / "readstata13_missings.dta"
    assert p.read_bytes().startswith(b"<stata_dta><header><release>118</release>")
    codes, _ = pyreadstat.read_dta(str(p), user_missing=True)
    # the codes as stored: system missing, then the letters a-z (pyreadstat's own reading)
    assert codes["missings"].tolist()[1:] == list("abcdefghijklmnopqrstuvwxyz")
    raw = read_raw(p)
    assert raw.attrs["platform"] == "stata" and len(raw) == 27
    assert raw["missings"].isna().all()


def test_real_dta_cars_values_labels_and_duplicate_ids():
    """statacar.do typed the rows in: id 7 twice, mileage -1 -> .a, -2 -> .b, hp '.'"""
    p = STATA / "readstata13_statacar.dta"
    raw = read_raw(p)
    assert raw["id"].tolist() == [1, 2, 3, 4, 5, 6, 7, 7]
    assert raw.attrs["labels"]["hp"] == "Horse Power"
    assert raw.attrs["value_labels"]["type"][4] == "Family car"
    # the file's own id column holds 7 twice: one line, not a renumbered table
    with pytest.raises(InputError, match=r"person 7 has several rows \(rows 7 and 8\)"):
        read_responses(p)
    df = read_responses(p, mapping={"person": "model"})
    assert df["person"].tolist() == [
        "Speed Start 2000",
        "Happy Family",
        "Susumu 1",
        "Susumu 3",
        "Lumberjack 3000",
        "E-Car 2000",
        "Maxinator",
        "Mimizer",
    ]
    assert df["id"].tolist() == [1, 2, 3, 4, 5, 6, 7, 7]  # the file's id column is kept
    np.testing.assert_allclose(
        df["mileage"].iloc[:6], [10.2, 5.6, np.nan, 6.8, 14.2, np.nan], rtol=1e-6, equal_nan=True
    )
    assert df["hp"].isna().tolist() == [False] * 5 + [True, False, False]


# ---------------------------------------------------------------------------- REDCap
RL_JSON = FIX / "redcap/real/rarelink_evaluation_cohort_records_4_6.json"


def test_real_redcap_flat_json_is_redcap_not_surveyjs():
    """The API's flat JSON (record_id first, redcap_repeat_* keys) was read as SurveyJS
    results, numbering the persons 'response 1', ... and dropping the record ids."""
    import json

    rows = json.loads(RL_JSON.read_text(encoding="utf-8"))
    assert detect_source(RL_JSON) == "redcap"
    raw = read_raw(RL_JSON)
    assert raw.attrs["platform"] == "redcap" and raw.attrs["defaults"]["person"] == ["record_id"]
    # repeating rows carry their record's non-repeating fields (the base row, instance "")
    base = {r["record_id"]: r for r in rows if r["redcap_repeat_instrument"] == ""}
    rep = [r for r in rows if r["redcap_repeat_instrument"] != ""]
    assert raw["record_id"].tolist() == [r["record_id"] for r in rep]
    assert raw["redcap_repeat_instrument"].tolist() == [r["redcap_repeat_instrument"] for r in rep]
    assert raw["redcap_repeat_instance"].tolist() == [r["redcap_repeat_instance"] for r in rep]
    # birth date (snomedct_184099003) is entered once, on the base row
    assert all(r["snomedct_184099003"] == "" for r in rep)
    want = [base[r["record_id"]]["snomedct_184099003"] for r in rep]
    assert raw["snomedct_184099003"].tolist() == want and want[0] == "2010-02-20"
    assert "rarelink_5_disease_complete" in raw.attrs["defaults"]["meta"]


def test_real_redcap_json_with_several_repeating_forms_is_one_line(tmp_path, monkeypatch, capsys):
    """Instance 1 of two repeating forms is not two answers in one wave: one line, not a
    silently renumbered table."""
    with pytest.raises(InputError, match=r"person '4' has two rows in wave 1 \(rows 1 and 2\)"):
        read_responses(RL_JSON)
    monkeypatch.chdir(tmp_path)
    assert main(["score", str(RL_JSON), "-i", "relationship-satisfaction", "-o", "s.csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "person '4' has two rows in wave 1" in err[0]
    assert not (tmp_path / "s.csv").exists()


def test_redcap_json_eav_and_non_records_are_one_line(tmp_path):
    eav = tmp_path / "eav.json"
    eav.write_text('[{"record": "1", "field_name": "sat1", "value": "4"}]', encoding="utf-8")
    with pytest.raises(InputError, match=r"'eav' export .* type=flat"):
        read_raw(eav, source="redcap")
    obj = tmp_path / "obj.json"
    obj.write_text('{"record_id": "1"}', encoding="utf-8")
    with pytest.raises(InputError, match="expected a REDCap JSON export"):
        read_raw(obj, source="redcap")
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read as JSON"):
        read_raw(bad, source="redcap")


def test_large_redcap_json_is_detected_from_its_first_record(tmp_path):
    """Detection reads the first MiB only; a larger export is told by its first record."""
    import json

    rows = json.loads(RL_JSON.read_text(encoding="utf-8"))
    big = tmp_path / "records.json"
    many = [dict(r, record_id=f"{k}-{r['record_id']}") for k in range(15) for r in rows]
    big.write_text(json.dumps(many, indent=4), encoding="utf-8")
    assert big.stat().st_size > 1 << 20
    assert detect_source(big) == "redcap"
    assert read_raw(big)["record_id"].nunique() == 30


def test_real_redcap_json_one_repeating_form_selected_by_the_mapping(tmp_path, capsys):
    """`select:` keeps the rows of one repeating form; its instances become the waves.
    Expected values come from the JSON module, not from our reader."""
    import json

    rows = json.loads(RL_JSON.read_text(encoding="utf-8"))
    form = "rarelink_6_3_measurements"
    want = [r for r in rows if r["redcap_repeat_instrument"] == form]
    mapping = tmp_path / "map.yaml"
    mapping.write_text(f"select: {{redcap_repeat_instrument: {form}}}\nkeep: [ncit_c25712]\n")
    df = read_responses(RL_JSON, mapping=mapping)
    assert df["person"].astype(str).tolist() == [r["record_id"] for r in want]
    assert df["wave"].tolist() == [int(r["redcap_repeat_instance"]) for r in want]
    assert df["ncit_c25712"].astype(str).tolist() == [r["ncit_c25712"] for r in want]
    # a value no row holds: one line that names the column, the value and what the file holds
    mapping.write_text("select: {redcap_repeat_instrument: measurements}\n")
    with pytest.raises(InputError) as err:
        read_responses(RL_JSON, mapping=mapping)
    msg = str(err.value)
    assert "column 'redcap_repeat_instrument': no row holds 'measurements'" in msg
    assert "'rarelink_6_3_measurements'" in msg and "\n" not in msg
    assert main(["score", str(RL_JSON), "--map", str(mapping), "-o", str(tmp_path / "s.csv")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "s.csv").exists()
