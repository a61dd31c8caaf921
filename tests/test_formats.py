"""Survey-platform readers, mappings, writers and instrument export (dyadscore.formats).

The fixtures in tests/fixtures/<platform>/ were typed in by hand from the platforms'
documentation (see tests/fixtures/make_fixtures.py for every source). All of them hold
the same four respondents, so every reader is checked against the same hand-typed
answer matrix, and every score against hand-worked means.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dyadscore as ds
from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.formats import (
    detect_source,
    load_mapping,
    mapping_yaml,
    read_raw,
    read_responses,
    suggest_mapping,
)
from dyadscore.formats.export import REDCAP_COLUMNS, export_instrument
from dyadscore.formats.writers import write_scores

FIX = Path(__file__).parent / "fixtures"
SAT = [f"sat{k}" for k in range(1, 6)]
NA = np.nan
# hand-typed from make_fixtures.py (couple, role, sat1..sat5)
ANSWERS = np.array([[4, 5, 2, 4, 5], [3, 4, 3, 3, 4], [5, 5, 1, 5, 4], [2, 3, 4, NA, 2]], float)
FOLLOW_UP = np.array([[3, 4, 2, 4, 5], [3, 3, 3, 3, 4], [4, 5, 2, 5, 4], [3, 3, 3, 2, 3]], float)
COUPLES = ["C01", "C01", "C02", "C02"]
# hand-worked: sat3 reversed as 6 - x; C02 partner_b prorated from 4 items
SCORES = [
    (4 + 5 + 4 + 4 + 5) / 5,
    (3 + 4 + 3 + 3 + 4) / 5,
    (5 + 5 + 5 + 5 + 4) / 5,
    (2 + 3 + 2 + 2) / 4,
]
FOLLOW_SCORES = [(3 + 4 + 4 + 4 + 5) / 5, 16 / 5, (4 + 5 + 4 + 5 + 4) / 5, (3 + 3 + 3 + 2 + 3) / 5]
QMAP = {
    "couple": "couple_code",
    "role": "partner",
    "roles": {"1": "partner_a", "2": "partner_b"},
    "columns": {f"Q5_{k}": f"sat{k}" for k in range(1, 6)},
}


def _items(df: pd.DataFrame) -> np.ndarray:
    return df[SAT].to_numpy(dtype=float)


def _check(df: pd.DataFrame, answers=ANSWERS, scores=SCORES) -> None:
    np.testing.assert_array_equal(_items(df), answers)
    out = ds.score(df, "relationship-satisfaction")
    np.testing.assert_allclose(out["satisfaction"], scores, rtol=0, atol=1e-12)


# --------------------------------------------------------------- detection
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("qualtrics/numeric.csv", "qualtrics"),
        ("qualtrics/choice_text.csv", "qualtrics"),
        ("qualtrics/legacy.csv", "qualtrics"),
        ("redcap/raw_longitudinal.csv", "redcap"),
        ("redcap/labels_longitudinal.csv", "redcap"),
        ("redcap/labels_headers.csv", "redcap"),
        ("redcap/raw_repeating.csv", "redcap"),
        ("limesurvey/responses.csv", "limesurvey"),
        ("surveyjs/results.json", "surveyjs"),
        ("surveyjs/results_matrix.jsonl", "surveyjs"),
        ("formr/results.csv", "formr"),
        ("spss/couples.sav", "spss"),
        ("spss/couples.dta", "stata"),
    ],
)
def test_detects_each_platform(name, expected):
    assert detect_source(FIX / name) == expected


def test_detects_own_format_and_refuses_to_guess(tmp_path):
    own = tmp_path / "own.csv"
    own.write_text("person,sat1\np1,3\n")
    assert detect_source(own) == "csv"
    unknown = tmp_path / "castor.csv"
    unknown.write_text("Participant Id;Site Abbreviation;sat1\n110001;AMC;3\n")
    with pytest.raises(InputError, match=r"cannot tell which platform.*Participant Id") as e:
        detect_source(unknown)
    assert "\n" not in str(e.value)
    assert detect_source(unknown, strict=False) == "csv"
    both = tmp_path / "both.csv"
    both.write_text("record_id,submitdate,lastpage,startlanguage\n1,,1,en\n")
    with pytest.raises(InputError, match="redcap and a limesurvey"):
        detect_source(both)


# ----------------------------------------------------------------- readers
def test_qualtrics_numeric_three_header_rows():
    raw = read_raw(FIX / "qualtrics/numeric.csv")
    assert raw.attrs["layout"] == "three-header" and raw.attrs["import_ids"]["Q5_3"] == "QID5_3"
    assert raw.attrs["labels"]["Q5_3"].endswith("I often feel let down by our relationship.")
    df = read_responses(FIX / "qualtrics/numeric.csv", mapping=QMAP)
    assert list(df.columns) == ["person", "couple", "role", *SAT]
    assert df["person"].iloc[0] == "R_3kXwP9aZ2q1bC7d" and list(df["couple"]) == COUPLES
    assert list(df["role"]) == ["partner_a", "partner_b"] * 2
    _check(df)


def test_qualtrics_choice_text_matches_numeric():
    m = {**QMAP, "roles": {"Partner A": "partner_a", "Partner B": "partner_b"}}
    df = read_responses(FIX / "qualtrics/choice_text.csv", mapping=m)
    _check(df)


def test_qualtrics_legacy_two_header_rows():
    raw = read_raw(FIX / "qualtrics/legacy.csv")
    assert raw.attrs["layout"] == "legacy" and "ResponseID" in raw.columns
    df = read_responses(FIX / "qualtrics/legacy.csv", mapping=QMAP)
    assert df["person"].tolist() == [f"R_legacy{k}" for k in range(1, 5)]
    _check(df)


def test_qualtrics_legacy_with_v_names(tmp_path):
    text = (FIX / "qualtrics/legacy.csv").read_text().splitlines()
    names = text[0].split(",")
    names[:2] = ["V1", "V2"]
    path = tmp_path / "v.csv"
    path.write_text("\n".join([",".join(names), *text[1:]]) + "\n")
    assert detect_source(path) == "qualtrics"
    _check(read_responses(path, mapping=QMAP))


def test_redcap_raw_longitudinal_waves_and_checkboxes():
    df = read_responses(FIX / "redcap/raw_longitudinal.csv")
    assert df["wave"].tolist() == ["baseline_arm_1", "followup_arm_1"] * 4
    # couple and role come from the baseline intake form for the follow-up rows too
    assert df["couple"].tolist() == [c for c in COUPLES for _ in range(2)]
    base, follow = df[df.wave == "baseline_arm_1"], df[df.wave == "followup_arm_1"]
    _check(base.reset_index(drop=True))
    _check(follow.reset_index(drop=True), FOLLOW_UP, FOLLOW_SCORES)
    np.testing.assert_array_equal(base["seek_help___1"], [1, 0, 1, 0])
    assert follow["seek_help___1"].isna().all()


def test_redcap_labels_export_equals_raw():
    raw = read_responses(FIX / "redcap/raw_longitudinal.csv")
    lab = read_responses(FIX / "redcap/labels_longitudinal.csv")
    np.testing.assert_array_equal(_items(raw), _items(lab))
    cb = [c for c in raw.columns if "___" in c]
    np.testing.assert_array_equal(raw[cb].to_numpy(float), lab[cb].to_numpy(float))
    assert lab["wave"].tolist() == ["Baseline", "Follow-up"] * 4
    m = {"waves": {"Baseline": 1, "Follow-up": 2}}
    assert (
        read_responses(FIX / "redcap/labels_longitudinal.csv", mapping=m)["wave"].tolist()
        == [1, 2] * 4
    )


def test_redcap_repeating_instrument_instances_are_waves():
    df = read_responses(FIX / "redcap/raw_repeating.csv")
    assert df["wave"].tolist() == [1, 2, 1, 2]
    assert df["couple"].tolist() == ["C01"] * 4 and df["partner_role"].tolist() == [1, 1, 2, 2]
    np.testing.assert_array_equal(_items(df), [ANSWERS[0], FOLLOW_UP[0], ANSWERS[1], FOLLOW_UP[1]])


def test_redcap_label_headers_with_suggested_mapping():
    sug = suggest_mapping(FIX / "redcap/labels_headers.csv", "relationship-satisfaction")
    assert list(sug["columns"].values()) == SAT and sug["couple"] == "Couple ID"
    assert sug["role"] == "Which partner are you?" and sug["person"] == "record_id"
    _check(read_responses(FIX / "redcap/labels_headers.csv", mapping=sug_to_mapping(sug)))


def sug_to_mapping(sug: dict) -> dict:
    return {
        k: v for k, v in sug.items() if k in ("source", "person", "couple", "role", "columns") and v
    }


def test_limesurvey_codes_and_incomplete_response():
    m = {
        "couple": "COUPLE",
        "role": "ROLE",
        "roles": {"A1": "partner_a", "A2": "partner_b"},
        "columns": {f"SAT[SQ00{k}]": f"sat{k}" for k in range(1, 6)},
    }
    df = read_responses(FIX / "limesurvey/responses.csv", mapping=m)
    assert df["person"].tolist() == ["1", "2", "3", "4", "5"]
    _check(df.iloc[:4])
    assert df.iloc[4][SAT].isna().all()
    assert ds.score(df, "relationship-satisfaction")["satisfaction_flag"].iloc[4] == "missing"


def test_limesurvey_dotted_subquestion_names(tmp_path):
    text = (FIX / "limesurvey/responses.csv").read_text()
    path = tmp_path / "api.csv"
    path.write_text(text.replace("[SQ00", ".SQ00").replace(']"', '."'))
    raw = read_raw(path)
    assert [c for c in raw.columns if c.startswith("SAT")] == [f"SAT[SQ00{k}]" for k in range(1, 6)]


def test_surveyjs_results_flat_and_matrix():
    _check(read_responses(FIX / "surveyjs/results.json"))
    m = {"columns": {f"satisfaction.sat{k}": f"sat{k}" for k in range(1, 6)}}
    df = read_responses(FIX / "surveyjs/results_matrix.jsonl", mapping=m)
    assert df["role"].tolist() == ["partner_a", "partner_b"] * 2
    _check(df)


def test_formr_reverse_suffix_is_dropped_and_checked(tmp_path):
    raw = read_raw(FIX / "formr/results.csv")
    assert raw.attrs["reversed_in_source"] == ["sat3"] and "sat3" in raw.columns
    df = read_responses(FIX / "formr/results.csv")
    assert len(df["person"].iloc[0]) == 64
    _check(df)
    # a formr R item that our key does not reverse is a mismatch to fix, not to guess
    bad = tmp_path / "results.csv"
    bad.write_text((FIX / "formr/results.csv").read_text().replace("sat2,sat3R", "sat2R,sat3"))
    with pytest.raises(InputError, match=r"'sat2R' is reverse-keyed in formr .* item 'sat2'"):
        read_responses(bad)


def test_spss_value_labels_and_user_missing():
    raw = read_raw(FIX / "spss/couples.sav")
    assert raw.attrs["missing_codes"]["sat4"] == [-99.0]
    assert raw.attrs["value_labels"]["sat1"][5.0] == "Completely true"
    assert raw.attrs["labels"]["sat3"] == "I often feel let down by our relationship."
    df = read_responses(FIX / "spss/couples.sav")
    assert df["person"].tolist() == [101, 102, 201, 202] and df["role"].tolist() == [1, 2, 1, 2]
    _check(df)


def test_stata_dta():
    _check(read_responses(FIX / "spss/couples.dta"))


def test_same_row_layout_two_partners_per_row():
    wide = pd.DataFrame({"couple": ["C01", "C02"], "wave": [1, 1]})
    for j, item in enumerate(SAT):
        wide[f"A_{item}"] = ANSWERS[[0, 2], j]
        wide[f"B_Q{j + 1}"] = ANSWERS[[1, 3], j]
    m = {
        "layout": "same_row",
        "couple": "couple",
        "partners": {
            "partner_a": {"prefix": "A_"},
            "partner_b": {"columns": {f"B_Q{j + 1}": it for j, it in enumerate(SAT)}},
        },
    }
    from dyadscore.formats import apply_mapping

    df = apply_mapping(wide, m)
    assert df["person"].tolist() == [
        "C01_partner_a",
        "C01_partner_b",
        "C02_partner_a",
        "C02_partner_b",
    ]
    assert df["role"].tolist() == ["partner_a", "partner_b"] * 2 and df["wave"].tolist() == [1] * 4
    _check(df)


# ---------------------------------------------------------------- bad input
def test_mapping_names_missing_column():
    m = {**QMAP, "columns": {**QMAP["columns"], "Q5_6": "sat5"}}
    m["columns"].pop("Q5_5")
    with pytest.raises(
        InputError,
        match=r"columns names column 'Q5_6', which is not in .*numeric.csv \(did you mean 'Q5_5'\?\)",
    ):
        read_responses(FIX / "qualtrics/numeric.csv", mapping=m)
    with pytest.raises(InputError, match="couple names column 'koppel'"):
        read_responses(FIX / "qualtrics/numeric.csv", mapping={**QMAP, "couple": "koppel"})


def test_mapping_file_errors(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("colums:\n  Q5_1: sat1\n")
    with pytest.raises(InputError, match="unknown key 'colums' \\(did you mean 'columns'\\?\\)"):
        load_mapping(bad)
    bad.write_text("columns: [Q5_1\n")
    with pytest.raises(InputError, match="map.yaml: line 2: malformed mapping file"):
        load_mapping(bad)
    with pytest.raises(InputError, match="roles has no entry for value '2'"):
        read_responses(FIX / "qualtrics/numeric.csv", mapping={**QMAP, "roles": {"1": "partner_a"}})


def test_value_labels_off_the_scale():
    with pytest.raises(
        InputError,
        match=r"column 'sat1' \(sat1\): value labels run 0-4 .* scale of 'relationship-satisfaction' is 1-5",
    ):
        read_responses(FIX / "spss/shifted_labels.sav")


def test_value_labels_reversed(tmp_path):
    import pyreadstat

    df = pd.DataFrame({"person": ["p1"], **{it: [2.0] for it in SAT}})
    rev = {5 - k + 1: t for k, t in {1: "Not at all true", 5: "Completely true"}.items()}
    path = tmp_path / "rev.sav"
    pyreadstat.write_sav(
        df, path, variable_value_labels={"sat2": {float(k): v for k, v in rev.items()}}
    )
    with pytest.raises(
        InputError, match=r"'sat2' \(sat2\): value 1 is labelled 'Completely true', which is 5"
    ):
        read_responses(path)


def test_choice_text_that_is_no_answer_label(tmp_path):
    text = (FIX / "qualtrics/choice_text.csv").read_text().replace("Mostly true", "Mostly", 1)
    path = tmp_path / "q.csv"
    path.write_text(text)
    m = {**QMAP, "roles": {"Partner A": "partner_a", "Partner B": "partner_b"}}
    with pytest.raises(
        InputError,
        match=r"row 'R_3kXwP9aZ2q1bC7d', column 'Q5_1': answer 'Mostly' .* no answer label",
    ):
        read_responses(path, mapping=m)
    m["values"] = {"Mostly": 4}
    _check(read_responses(path, mapping=m))


def test_mixed_waves_in_one_file(tmp_path):
    with pytest.raises(
        InputError,
        match=r"mixes waves \(redcap_event_name has 2 values: baseline_arm_1, followup_arm_1\)",
    ):
        read_responses(FIX / "redcap/raw_longitudinal.csv", mapping={"wave_value": 1})
    dup = tmp_path / "two.csv"
    pd.DataFrame({"person": ["p1", "p1"], "sat1": [1, 2]}).to_csv(dup, index=False)
    with pytest.raises(InputError, match=r"person 'p1' has several rows .* mixes waves"):
        read_responses(dup, mapping={"columns": {"sat1": "sat1"}})


# -------------------------------------------------------------- suggestions
def test_suggest_mapping_matches_question_text_in_english_and_dutch():
    sug = suggest_mapping(FIX / "qualtrics/numeric.csv", "relationship-satisfaction")
    assert sug["columns"] == QMAP["columns"] and sug["couple"] == "couple_code"
    assert sug["role"] == "partner" and sug["person"] == "ResponseId"
    nl = ds.load_instrument("relationship-satisfaction")
    raw = pd.DataFrame({f"V{k}": [1] for k in range(5)})
    # Dutch wording, shuffled and slightly edited (no trailing full stop, other case)
    raw.attrs["labels"] = {
        f"V{k}": nl.items[(k + 2) % 5].text["nl"].rstrip(".").upper() for k in range(5)
    }
    got = suggest_mapping(raw, nl)["columns"]
    assert got == {f"V{k}": nl.items[(k + 2) % 5].id for k in range(5)}
    yaml_text = mapping_yaml(suggest_mapping(raw, nl))
    assert load_mapping_from_text(yaml_text).columns == got


def load_mapping_from_text(text: str):
    import yaml

    return load_mapping(yaml.safe_load(text))


def test_suggest_matches_surveyjs_matrix_rows_by_item_id(tmp_path):
    sug = suggest_mapping(FIX / "surveyjs/results_matrix.jsonl", "relationship-satisfaction")
    assert sug["columns"] == {f"satisfaction.sat{k}": f"sat{k}" for k in range(1, 6)}
    path = tmp_path / "map.yaml"
    path.write_text(mapping_yaml(sug))
    _check(read_responses(FIX / "surveyjs/results_matrix.jsonl", mapping=path))


@pytest.mark.parametrize("cutoff", ["1.5", "-0.1", "nan"])
def test_map_suggest_cutoff_outside_0_1_is_refused(tmp_path, capsys, cutoff):
    out = tmp_path / "m.yaml"
    argv = ["map", "suggest", str(FIX / "qualtrics/numeric.csv"), "-i", "relationship-satisfaction"]
    assert main([*argv, "--cutoff", cutoff, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cutoff {float(cutoff)}" in err and "from 0 to 1" in err
    assert not out.exists()


def test_suggest_leaves_unrelated_columns_out():
    raw = pd.DataFrame({"Q1": [1], "Q2": [2]})
    raw.attrs["labels"] = {"Q1": "How old are you?", "Q2": "What is your postcode?"}
    sug = suggest_mapping(raw, "relationship-satisfaction")
    assert sug["columns"] == {} and sug["unmatched"] == SAT


# ----------------------------------------------------------------- writers
@pytest.fixture
def scores():
    return ds.score(
        read_responses(FIX / "qualtrics/numeric.csv", mapping=QMAP), "relationship-satisfaction"
    )


def test_write_spss_with_labels_and_codebook(tmp_path, scores):
    import pyreadstat

    paths = write_scores(scores, tmp_path / "scores.sav")
    assert [p.name for p in paths] == [
        "scores.sav",
        "scores.sav.codebook.md",
        "scores.sav.codebook.csv",
        "scores.sav.meta.json",
    ]
    back, meta = pyreadstat.read_sav(tmp_path / "scores.sav")
    np.testing.assert_allclose(back["satisfaction"], SCORES, atol=1e-12)
    assert meta.column_names_to_labels["satisfaction"] == "Relationship satisfaction"
    assert meta.variable_value_labels["satisfaction_flag"] == {
        1.0: "ok",
        2.0: "prorated",
        3.0: "missing",
    }
    assert back["satisfaction_flag"].tolist() == [1, 1, 1, 2]
    assert (
        meta.variable_measure["satisfaction"] == "scale"
        and meta.variable_measure["role"] == "nominal"
    )
    md = (tmp_path / "scores.sav.codebook.md").read_text()
    inst = ds.load_instrument("relationship-satisfaction")
    assert inst.key_hash in md and "reversed: sat3" in md and "prorate if >= 80% answered" in md
    cb = pd.read_csv(tmp_path / "scores.sav.codebook.csv")
    assert cb["variable"].tolist() == list(scores.columns)
    with pytest.raises(InputError, match="already exists"):
        write_scores(scores, tmp_path / "scores.sav")


def test_write_stata_csv_parquet(tmp_path, scores):
    import pyarrow.parquet as pq
    import pyreadstat

    long_name = scores.rename(
        columns={"satisfaction": "relationship_satisfaction_overall_score_w1"}
    )
    write_scores(long_name, tmp_path / "s.dta")
    back, meta = pyreadstat.read_dta(tmp_path / "s.dta")
    assert "relationship_satisfaction_overal" in back.columns
    assert (
        "was relationship_satisfaction_overall_score_w1"
        in (tmp_path / "s.dta.codebook.md").read_text()
    )
    assert meta.variable_value_labels["satisfaction_flag"] == {1: "ok", 2: "prorated", 3: "missing"}
    write_scores(scores.assign(role=["=cmd", None, "b", "a"]), tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text()
    assert "'=cmd" in text and "NA" not in text
    back = pd.read_csv(tmp_path / "s.csv", keep_default_na=False)
    assert back["role"].tolist() == ["'=cmd", "", "b", "a"]  # missing: an empty cell
    assert back["satisfaction"].tolist() == SCORES
    write_scores(scores, tmp_path / "s.parquet")
    meta = json.loads(pq.read_schema(tmp_path / "s.parquet").metadata[b"dyadscore"])
    assert meta["provenance"][0]["instrument"] == "relationship-satisfaction"


def test_codebook_of_a_dyadic_shape(tmp_path, scores):
    pw = ds.to_pairwise(scores, ["satisfaction"], "couple", "role")
    write_scores(pw, tmp_path / "pairwise.sav")
    import pyreadstat

    _, meta = pyreadstat.read_sav(tmp_path / "pairwise.sav")
    assert meta.column_names_to_labels["satisfaction_actor"] == "Relationship satisfaction (actor)"
    assert (
        meta.column_names_to_labels["satisfaction_partner"] == "Relationship satisfaction (partner)"
    )


# ---------------------------------------------------------- instrument export
def test_redcap_dictionary_columns_and_choices():
    rows = list(csv.reader(io.StringIO(export_instrument("relationship-satisfaction", "redcap"))))
    assert rows[0] == REDCAP_COLUMNS and all(len(r) == 18 for r in rows)
    by_name = {r[0]: r for r in rows[1:]}
    assert list(by_name)[:3] == ["record_id", "couple_id", "role"]
    assert by_name["sat1"][3] == "radio"
    assert (
        by_name["sat1"][5]
        == "1, Not at all true | 2, Slightly true | 3, Moderately true | 4, Mostly true | 5, Completely true"
    )
    assert "reverse-keyed" in by_name["sat3"][17] and "reverse" not in by_name["sat1"][17]


def test_qsf_and_surveyjs_structure():
    qsf = json.loads(export_instrument("acceptance-of-dependence", "qsf", lang="nl"))
    assert set(qsf) == {"SurveyEntry", "SurveyElements"}
    sq = [e for e in qsf["SurveyElements"] if e["Element"] == "SQ"]
    matrix = sq[-1]["Payload"]
    assert matrix["QuestionType"] == "Matrix" and matrix["Selector"] == "Likert"
    assert list(matrix["ChoiceDataExportTags"].values())[:2] == ["pa1", "pa2"]
    assert matrix["RecodeValues"] == {str(k): str(k) for k in range(1, 8)}
    assert matrix["Answers"]["1"]["Display"] == "Helemaal mee oneens"
    qc = next(e for e in qsf["SurveyElements"] if e["Element"] == "QC")
    assert qc["SecondaryAttribute"] == str(len(sq))
    js = json.loads(export_instrument("relationship-satisfaction", "surveyjs"))
    rating = js["pages"][0]["elements"][2]
    assert rating == {
        "type": "rating",
        "name": "sat1",
        "title": {
            "default": ds.load_instrument("relationship-satisfaction").items[0].text["en"],
            "nl": ds.load_instrument("relationship-satisfaction").items[0].text["nl"],
        },
        "rateMin": 1,
        "rateMax": 5,
        "minRateDescription": {"default": "Not at all true", "nl": "Klopt helemaal niet"},
        "maxRateDescription": {"default": "Completely true", "nl": "Klopt helemaal"},
    }


def test_round_trip_redcap_dictionary_to_scores(tmp_path):
    """Export to a REDCap dictionary, fill in a raw export from it, read back, score."""
    inst = ds.load_instrument("acceptance-of-dependence")
    rows = list(csv.reader(io.StringIO(export_instrument(inst, "redcap"))))
    fields = [r[0] for r in rows[1:]]
    choices = {
        r[0]: [int(c.split(",")[0]) for c in r[5].split("|")] for r in rows[1:] if r[3] == "radio"
    }
    rng = np.random.default_rng(7)
    items = [f for f in fields if f not in ("record_id", "couple_id", "role")]
    answers = rng.choice(choices[items[0]], size=(6, len(items))).astype(float)
    answers[1, 3] = np.nan  # one skipped item
    form = rows[1][1]
    header = ["record_id", *fields[1:], f"{form}_complete"]
    lines = [header]
    for k in range(6):
        cells = ["" if np.isnan(v) else str(int(v)) for v in answers[k]]
        lines.append([str(k + 1), f"D{k // 2 + 1}", str(k % 2 + 1), *cells, "2"])
    path = tmp_path / "redcap_export.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(lines)
    df = read_responses(path, mapping={"roles": {"1": "partner_a", "2": "partner_b"}})
    assert df["couple"].tolist() == ["D1", "D1", "D2", "D2", "D3", "D3"]
    out = ds.score(df, inst)
    # hand computation: reverse-keyed items 8 - x, mean over the answered items
    rev = np.array([inst.item(i).reverse for i in items])
    keyed = np.where(rev, 8 - answers, answers)
    for name, sub in inst.subscales.items():
        cols = [items.index(i) for i in sub.items]
        np.testing.assert_allclose(out[name], np.nanmean(keyed[:, cols], axis=1), atol=1e-12)


# --------------------------------------------------------------------- CLI
def test_cli_score_platform_export_to_sav(tmp_path, capsys):
    import pyreadstat
    import yaml

    mp = tmp_path / "map.yaml"
    mp.write_text(yaml.safe_dump(QMAP))
    out = tmp_path / "scores.sav"
    code = main(["score", str(FIX / "qualtrics/numeric.csv"), "--map", str(mp), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    back, _ = pyreadstat.read_sav(out)
    np.testing.assert_allclose(back["satisfaction"], SCORES, atol=1e-12)
    assert (tmp_path / "scores.sav.codebook.md").exists()
    code = main(
        [
            "reliability",
            str(FIX / "qualtrics/numeric.csv"),
            "--map",
            str(mp),
            "-i",
            "relationship-satisfaction",
        ]
    )
    assert code == 0 and "satisfaction" in capsys.readouterr().out


def test_cli_convert_and_instrument_export_and_map(tmp_path, capsys):
    src = tmp_path / "items.csv"
    pd.DataFrame({"person": ["a", "b"], **{it: [3, 4] for it in SAT}}).to_csv(src, index=False)
    assert (
        main(["score", str(src), "-i", "relationship-satisfaction", "-o", str(tmp_path / "s.json")])
        == 0
    )
    assert main(["convert", str(tmp_path / "s.json"), "-o", str(tmp_path / "s.dta")]) == 0
    md = (tmp_path / "s.dta.codebook.md").read_text()
    assert (
        "Relationship satisfaction" in md
        and ds.load_instrument("relationship-satisfaction").key_hash in md
    )
    out = tmp_path / "rs.qsf"
    assert (
        main(["instruments", "export", "relationship-satisfaction", "--to", "qsf", "-o", str(out)])
        == 0
    )
    assert json.loads(out.read_text())["SurveyEntry"]["SurveyLanguage"] == "EN"
    mp = tmp_path / "m.yaml"
    assert (
        main(
            [
                "map",
                "suggest",
                str(FIX / "qualtrics/numeric.csv"),
                "-i",
                "relationship-satisfaction",
                "-o",
                str(mp),
            ]
        )
        == 0
    )
    assert load_mapping(mp).columns == QMAP["columns"]


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["qualtrics/numeric.csv", "--source", "redcap"], r"no shipped instrument|not found"),
        (["spss/shifted_labels.sav"], r"value labels run 0-4"),
        (["redcap/raw_longitudinal.csv", "--map", "{wave_value}"], r"mixes waves"),
        (["unknown"], r"unknown.csv: row 1: no person id column among Participant Id, sat1"),
        (["qualtrics/numeric.csv", "--map", "{missing_col}"], r"names column 'Q5_9'"),
    ],
)
def test_cli_bad_input_exit_2_no_output(tmp_path, capsys, args, pattern):
    import re

    import yaml

    (tmp_path / "wv.yaml").write_text("wave_value: 1\n")
    (tmp_path / "mc.yaml").write_text(yaml.safe_dump({**QMAP, "columns": {"Q5_9": "sat1"}}))
    (tmp_path / "unknown.csv").write_text("Participant Id;sat1\n1;3\n")
    real = []
    for a in args:
        if a == "{wave_value}":
            a = str(tmp_path / "wv.yaml")
        elif a == "{missing_col}":
            a = str(tmp_path / "mc.yaml")
        elif a == "unknown":
            a = str(tmp_path / "unknown.csv")
        elif "/" in a:
            a = str(FIX / a)
        real.append(a)
    out = tmp_path / "scores.sav"
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["score", *real, "-i", "relationship-satisfaction", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("dyadscore: error: "), err
    assert re.search(pattern, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# ---------------------------------------------------------------- invariants
def test_utf8_bom_and_declared_missing_codes(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (FIX / "qualtrics/numeric.csv").read_bytes())
    assert detect_source(path) == "qualtrics"
    _check(read_responses(path, mapping=QMAP))
    own = tmp_path / "own.csv"
    pd.DataFrame({"person": ["a"], **{it: [-99 if it == "sat2" else 3] for it in SAT}}).to_csv(
        own, index=False
    )
    df = read_responses(own, mapping={"missing": [-99], "columns": {it: it for it in SAT}})
    assert np.isnan(df["sat2"].iloc[0]) and df["sat1"].iloc[0] == 3


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=5, max_size=5),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["en", "nl"]),
)
def test_choice_text_round_trips_to_the_same_numbers(tmp_path_factory, rows, lang):
    """Any answers written as answer labels (en or nl) read back as the same numbers."""
    inst = ds.load_instrument("relationship-satisfaction")
    labels = inst.response_scale.labels[lang]
    path = tmp_path_factory.mktemp("ct") / "ct.csv"
    lines = [["ResponseID", "ResponseSet", *SAT], ["ResponseID", "ResponseSet", *SAT]]
    for k, r in enumerate(rows):
        lines.append(
            [f"R_{k}", "Default Response Set", *["" if v is None else labels[v] for v in r]]
        )
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(lines)
    df = read_responses(path, source="qualtrics", instruments=inst)
    expected = np.array([[np.nan if v is None else v for v in r] for r in rows], float)
    np.testing.assert_array_equal(_items(df), expected)


# ------------------------------------------------------- issue 9: platform exports
def _rows_to_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _legacy_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO((FIX / "qualtrics/legacy.csv").read_text())))


def test_qualtrics_repeated_names_made_unique_like_r(tmp_path, capsys):
    """Legacy matrix exports repeat a name: Q5, Q5.1, ... as R's read.csv(check.names=TRUE)."""
    rows = _legacy_rows()
    rows[0] = rows[0][:13] + ["Q5"] * 5  # the legacy exporter's repeated matrix names
    path = _rows_to_csv(tmp_path / "repeated.csv", rows)
    raw = read_raw(path)
    # reference: R's make.unique(rep("Q5", 5)) gives Q5, Q5.1, ..., Q5.4
    assert list(raw.columns[13:]) == ["Q5", "Q5.1", "Q5.2", "Q5.3", "Q5.4"]
    assert raw.attrs["renamed"] == {f"Q5.{k}": "Q5" for k in range(1, 5)}
    assert raw.attrs["labels"]["Q5.2"].endswith("I often feel let down by our relationship.")
    m = {**QMAP, "columns": {"Q5": "sat1", **{f"Q5.{k}": f"sat{k + 1}" for k in range(1, 5)}}}
    df = read_responses(path, mapping=m)
    _check(df)
    assert df.attrs["renamed"]["Q5.1"] == "Q5"
    # the codebook beside a saved file lists the renamed export columns
    out = ds.score(df, "relationship-satisfaction")
    assert out.attrs["renamed"] == df.attrs["renamed"]  # score keeps the renames
    write_scores(out, tmp_path / "scores.sav")
    md = (tmp_path / "scores.sav.codebook.md").read_text()
    assert "## Export columns renamed on reading" in md and "| Q5.3 | Q5 |" in md
    # the command line: no traceback, the answers are scored
    mp = tmp_path / "map.yaml"
    import yaml

    mp.write_text(yaml.safe_dump(m))
    out = tmp_path / "s.csv"
    assert main(["score", str(path), "--map", str(mp), "-o", str(out)]) == 0, capsys.readouterr()
    np.testing.assert_allclose(pd.read_csv(out)["satisfaction"], SCORES, atol=1e-12)


def test_make_unique_matches_r():
    from dyadscore.formats._base import make_unique

    # reference: R 4.2, make.unique(c("a","a","a.1","b","a")) -> "a" "a.2" "a.1" "b" "a.3"
    assert make_unique(["a", "a", "a.1", "b", "a"])[0] == ["a", "a.2", "a.1", "b", "a.3"]


def test_qualtrics_three_header_with_response_id_keeps_real_ids(tmp_path):
    """2016-17 exports: three header rows but the legacy id name ResponseID."""
    rows = _legacy_rows()
    imports = [f'{{"ImportId":"{c}"}}' for c in rows[0]]
    imports[0] = '{"ImportId":"_recordId"}'
    rows.insert(2, imports)
    for k, r in enumerate(rows[3:]):
        r[8] = f"panel-{k + 1}"  # ExternalDataReference: the id a panel links on
    path = _rows_to_csv(tmp_path / "v2016.csv", rows)
    raw = read_raw(path)
    assert raw.attrs["layout"] == "three-header"
    df = read_responses(path, mapping=QMAP)
    assert df["person"].tolist() == [f"R_legacy{k}" for k in range(1, 5)]
    assert df["ExternalDataReference"].tolist() == [f"panel-{k}" for k in range(1, 5)]
    _check(df)
    # a mapping naming another person column keeps the platform's response id beside it
    df = read_responses(path, mapping={**QMAP, "person": "ExternalDataReference"})
    assert df["person"].tolist() == [f"panel-{k}" for k in range(1, 5)]
    assert df["ResponseID"].tolist() == [f"R_legacy{k}" for k in range(1, 5)]


def _qsf_columns(qsf: dict) -> list[str]:
    """Response-export column names Qualtrics gives a survey: a matrix statement is
    `<question export tag>_<statement export tag>`, other questions their export tag."""
    cols = []
    for e in qsf["SurveyElements"]:
        if e["Element"] != "SQ":
            continue
        p = e["Payload"]
        if p["QuestionType"] == "Matrix":
            tags = p["ChoiceDataExportTags"]
            cols += [f"{p['DataExportTag']}_{tags[str(c)]}" for c in p["ChoiceOrder"]]
        else:
            cols.append(p["DataExportTag"])
    return cols


@pytest.mark.parametrize("inst_id", ["relationship-satisfaction", "acceptance-of-dependence"])
def test_qsf_export_round_trip_scores_without_mapping(tmp_path, inst_id):
    inst = ds.load_instrument(inst_id)
    qsf = json.loads(export_instrument(inst, "qsf"))
    cols = _qsf_columns(qsf)
    tag = inst_id.replace("-", "_")
    assert cols == ["couple", "role", *[f"{tag}_{i}" for i in inst.item_ids]]
    rng = np.random.default_rng(3)
    answers = rng.integers(inst.scale_min, inst.scale_max + 1, size=(4, len(inst.items)))
    rows = [["ResponseId", *cols], ["Response ID", *cols]]
    rows.append(
        ['{"ImportId":"_recordId"}', *[f'{{"ImportId":"QID{k}"}}' for k in range(len(cols))]]
    )
    for k in range(4):
        rows.append([f"R_{k}", f"C{k // 2}", str(k % 2 + 1), *map(str, answers[k])])
    path = _rows_to_csv(tmp_path / "export.csv", rows)
    df = read_responses(path)  # no mapping
    assert list(df.columns) == ["person", "couple", "role", *inst.item_ids]
    assert main(["score", str(path), "-o", str(tmp_path / "s.csv")]) == 0  # the command too
    cli = pd.read_csv(tmp_path / "s.csv")
    out = ds.score(df, inst)
    keyed = np.where(
        [it.reverse for it in inst.items], inst.scale_min + inst.scale_max - answers, answers
    )
    for name, sub in inst.subscales.items():
        idx = [inst.item_ids.index(i) for i in sub.items]
        np.testing.assert_allclose(out[name], keyed[:, idx].mean(axis=1), atol=1e-12)
        np.testing.assert_allclose(cli[name], keyed[:, idx].mean(axis=1), atol=1e-12)


def test_spss_string_user_missing_values_are_missing(tmp_path):
    import pyreadstat

    df = pd.DataFrame(
        {
            "person": ["p1", "p2", "p3"],
            "reason": ["moved", "NA", "refused"],
            "note": ["x", "y", "z"],
            **{it: [3.0, 4.0, 2.0] for it in SAT},
        }
    )
    path = tmp_path / "strmiss.sav"
    pyreadstat.write_sav(df, path, missing_ranges={"reason": ["NA", "refused"]})
    # reference: pyreadstat's own reading without user_missing sets them to missing
    plain, _ = pyreadstat.read_sav(path)
    raw = read_raw(path)
    assert raw["reason"].isna().tolist() == plain["reason"].isna().tolist() == [False, True, True]
    assert raw.attrs["missing_codes"]["reason"] == ["NA", "refused"]
    out = read_responses(path, mapping={"keep": ["reason"], "columns": {it: it for it in SAT}})
    assert out["reason"].isna().tolist() == [False, True, True]


def test_spss_string_user_missing_written_by_r_haven():
    """A .sav written by R haven 2.5.1 (labelled_spss(..., na_values = c("NA", "refused")))."""
    raw = read_raw(FIX / "spss/haven_user_na_strings.sav")
    # reference: R 4.2.2, is.na(haven::read_sav(f)$reason) and $sat1 (user_na = FALSE)
    assert raw["reason"].isna().tolist() == [False, True, True, False]
    assert raw["sat1"].isna().tolist() == [False, True, False, False]
    assert raw["reason"].dropna().tolist() == ["moved", "x"]


def _limesurvey_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO((FIX / "limesurvey/responses.csv").read_text())))


LS_META_TEXT = {
    "id": "Response ID",
    "submitdate": "Date submitted",
    "lastpage": "Last page",
    "startlanguage": "Start language",
    "seed": "Seed",
    "startdate": "Date started",
    "datestamp": "Date last action",
}
LS_ITEM_TEXT = [
    "All in all, I am happy with how things are between my partner and me.",
    "Being in this relationship adds a lot of good to my life.",
    "I often feel let down by our relationship.",
    "If I could choose again, I would choose this relationship again.",
    "I look forward to the time my partner and I spend together.",
]


def _ls_text(code: str) -> str:
    if code in LS_META_TEXT:
        return LS_META_TEXT[code]
    if code.startswith("SAT["):
        return f"How true is each statement for you? [{LS_ITEM_TEXT[int(code[-2]) - 1]}]"
    return {"COUPLE": "Couple code", "ROLE": "Which partner are you?"}[code]


def test_limesurvey_code_and_text_headings(tmp_path):
    rows = _limesurvey_rows()
    rows[0] = [f"{c}. {_ls_text(c)}" for c in rows[0]]
    path = _rows_to_csv(tmp_path / "code_text.csv", rows)
    assert detect_source(path) == "limesurvey"
    raw = read_raw(path)
    assert list(raw.columns) == _limesurvey_rows()[0] and raw.attrs["headings"] == "code-text"
    assert raw.attrs["labels"]["SAT[SQ003]"].endswith(
        "[I often feel let down by our relationship.]"
    )
    m = {
        "couple": "COUPLE",
        "role": "ROLE",
        "roles": {"A1": "partner_a", "A2": "partner_b"},
        "columns": {f"SAT[SQ00{k}]": f"sat{k}" for k in range(1, 6)},
    }
    df = read_responses(path, mapping=m)
    assert df["person"].tolist() == ["1", "2", "3", "4", "5"]
    _check(df.iloc[:4])


def test_limesurvey_full_text_headings_and_suggested_mapping(tmp_path):
    rows = _limesurvey_rows()
    rows[0] = [_ls_text(c) for c in rows[0]]
    path = _rows_to_csv(tmp_path / "full_text.csv", rows)
    assert detect_source(path) == "limesurvey"
    raw = read_raw(path)
    assert raw.attrs["headings"] == "full-text" and "submitdate" in raw.columns
    sug = suggest_mapping(path, "relationship-satisfaction")
    assert list(sug["columns"].values()) == SAT and sug["person"] == "id"
    m = {**sug_to_mapping(sug), "couple": "Couple code", "role": "Which partner are you?"}
    m["roles"] = {"A1": "partner_a", "A2": "partner_b"}
    df = read_responses(path, mapping=m)
    _check(df.iloc[:4])


def test_redcap_labels_export_with_another_record_id_label(tmp_path):
    text = (FIX / "redcap/labels_headers.csv").read_text()
    path = tmp_path / "study_id.csv"
    path.write_text(text.replace("Record ID,Event Name", "Study ID,Event Name", 1))
    assert detect_source(path) == "redcap"
    raw = read_raw(path)
    assert raw.attrs["headers"] == "labels" and raw.attrs["labels"]["record_id"] == "Study ID"
    sug = suggest_mapping(path, "relationship-satisfaction")
    assert sug["person"] == "record_id"
    df = read_responses(path, mapping=sug_to_mapping(sug))
    assert df["person"].tolist() == ["1", "2", "3", "4"]  # record ids stay text
    _check(df)
    # only the Complete? columns mark it (no event/repeat columns, classic project)
    cols = pd.read_csv(path, dtype=str, keep_default_na=False)
    classic = tmp_path / "classic.csv"
    cols.drop(columns=["Event Name", "Repeat Instrument", "Repeat Instance"]).to_csv(
        classic, index=False
    )
    assert detect_source(classic) == "redcap"


@pytest.mark.parametrize("inst_id", ds.list_instruments())
def test_redcap_dictionary_import_round_trip(tmp_path, inst_id):
    from dyadscore.formats.export import instrument_from_redcap

    inst = ds.load_instrument(inst_id)
    path = tmp_path / "dict.csv"
    path.write_text(export_instrument(inst, "redcap"))
    back = instrument_from_redcap(path)
    assert back.key_hash == inst.key_hash and back.id == inst.id
    assert back.version == inst.version and back.item_ids == inst.item_ids
    assert [it.text["en"] for it in back.items] == [it.text["en"] for it in inst.items]
    assert back.response_scale.labels["en"] == inst.response_scale.labels["en"]
    assert back.subscales.keys() == inst.subscales.keys()
    # and out again: the same dictionary
    assert export_instrument(back, "redcap") == export_instrument(inst, "redcap")


def test_cli_instruments_import(tmp_path, capsys):
    dic = tmp_path / "dict.csv"
    argv = ["instruments", "export", "felt-dependence", "--to", "redcap", "-o", str(dic)]
    assert main(argv) == 0
    out = tmp_path / "fd.yaml"
    assert main(["instruments", "import", str(dic), "-o", str(out)]) == 0
    assert "imported felt-dependence" in capsys.readouterr().err
    inst = ds.load_instrument(out)
    assert inst.key_hash == ds.load_instrument("felt-dependence").key_hash
    assert "nl" not in inst.items[0].text  # English from the dictionary; nl is optional
    # a file that is not a dictionary: one line, exit 2, nothing written
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["instruments", "import", str(bad), "-o", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a REDCap data dictionary" in err
    assert not (tmp_path / "x.yaml").exists()


def test_error_messages_show_no_numpy_reprs(tmp_path):
    import pyreadstat

    df = pd.DataFrame(
        {"person": [101.0, 101.0], "wave": [1.0, 1.0], **{i: [3.0, 4.0] for i in SAT}}
    )
    path = tmp_path / "dup.sav"
    pyreadstat.write_sav(df, path)
    with pytest.raises(InputError) as e:
        read_responses(path)
    assert "person 101 has two rows in wave 1" in str(e.value)
    assert "np." not in str(e.value) and "float64" not in str(e.value)
    with pytest.raises(InputError) as e:
        load_mapping({"person": ["a", "b"]})
    assert "got [a, b]" in str(e.value)


def test_por_file_is_read_as_spss(tmp_path):
    por = FIX / "spss/real/pyreadstat_sample.por"
    assert detect_source(por) == "spss"
    raw = read_raw(por)
    # reference: pyreadstat's test expectations for sample.por (test_data/basic/sample.csv)
    assert raw["MYCHAR"].tolist() == ["a", "b", "c", "d", "e"]
    np.testing.assert_allclose(raw["MYNUM"], [1.1, 1.2, -1000.3, -1.4, 1000.3])
    # the command line reads it too (it used to ask for UTF-8 text or a platform)
    out = tmp_path / "por.csv"
    assert main(["convert", str(por), "-o", str(out)]) == 0
    assert pd.read_csv(out)["MYCHAR"].tolist() == ["a", "b", "c", "d", "e"]
    # a damaged .por: one line that says what to do
    bad = tmp_path / "bad.por"
    bad.write_bytes(por.read_bytes()[:300])
    with pytest.raises(InputError) as e:
        read_raw(bad)
    msg = str(e.value)
    assert "cannot read as an SPSS portable (.por) file" in msg and "save it as .sav" in msg
    assert "\n" not in msg


def test_score_and_reliability_resolve_the_same_platform(tmp_path, monkeypatch, capsys):
    """One detection: every command asks dyadscore.formats.resolve_source, as read_responses does."""
    import yaml

    import dyadscore.formats as fmt

    seen: list[tuple[str, str]] = []
    real = fmt.resolve_source

    def spy(path, source="auto", mapping=None, **kw):
        seen.append((str(path), real(path, source, mapping, need_person=False)))
        return real(path, source, mapping, **kw)

    monkeypatch.setattr(fmt, "resolve_source", spy)
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump({f"Q5_{k}": f"sat{k}" for k in range(1, 6)}))
    full = tmp_path / "full.yaml"
    full.write_text(yaml.safe_dump(QMAP))
    unknown = tmp_path / "unknown.csv"  # no platform signature, no person column
    rng = np.random.default_rng(1)
    pd.DataFrame(rng.integers(1, 6, (8, 5)), columns=[f"Q5_{k}" for k in range(1, 6)]).assign(
        code=[f"c{k}" for k in range(8)]
    ).to_csv(unknown, index=False)
    cases = [(FIX / "qualtrics/numeric.csv", full), (unknown, plain)]
    inst = ["-i", "relationship-satisfaction"]
    for data, mp in cases:
        seen.clear()
        main(
            ["score", str(data), "--map", str(mp), *inst, "-o", str(tmp_path / "s.csv"), "--force"]
        )
        score_err = capsys.readouterr().err
        main(["reliability", str(data), "--map", str(mp), *inst])
        capsys.readouterr()
        assert len(seen) >= 2 and len({s[1] for s in seen}) == 1, seen
    # the unknown file is the user's own table for both; score says what it lacks (a
    # person id), not that it cannot tell the platform
    assert seen[0][1] == "csv"
    assert "no person id column among Q5_1" in score_err and "cannot tell" not in score_err
    # a mapping that names the person column (here by renaming 'code') is enough
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(yaml.safe_dump({"code": "person", **yaml.safe_load(plain.read_text())}))
    out = tmp_path / "s2.csv"
    assert main(["score", str(unknown), "--map", str(renamed), *inst, "-o", str(out)]) == 0
    assert pd.read_csv(out)["person"].tolist() == [f"c{k}" for k in range(8)]


# ------------------------------------------- real exports (tests/fixtures/*/real/)
REAL = FIX  # files and their sources: tests/fixtures/README.md, "Real exports"


def test_real_qualtrics_current_export_qualtrics_package():
    p = REAL / "qualtrics/real/qualtRics_sample.csv"
    assert detect_source(p) == "qualtrics"
    raw = read_raw(p)
    assert (
        raw.attrs["layout"] == "three-header" and raw.attrs["labels"]["ResponseId"] == "Antwort-ID"
    )
    df = read_responses(p)
    # the response id and answers as written in the file's data row
    assert df["person"].tolist() == ["R_2YPOQ602ER1jkf1"]
    assert df["Q1"].tolist() == [2] and df["Q2"].tolist() == ["Hello World!"]
    assert "Q2 - Topics" in df.columns and "LocationLatitude" not in df.columns


def test_real_qualtrics_legacy_v_names_qualtrics_package():
    p = REAL / "qualtrics/real/qualtRics_sample_legacy.csv"
    raw = read_raw(p)
    assert raw.attrs["layout"] == "legacy" and "ResponseID" in raw.columns
    assert not any(c.startswith("column_") for c in raw.columns)  # trailing comma dropped
    df = read_responses(p)
    assert df["person"].tolist() == ["R_2YPOQ602ER1jkf1"] and df["Q1"].tolist() == [2]


def test_real_qualtrics_2017_three_headers_with_response_id():
    """Three header rows, ResponseID, single-quoted ImportIds: the real ids are kept."""
    p = REAL / "qualtrics/real/QualtricsTools_Matrix_Single_Answer_Testing.csv"
    raw = read_raw(p)
    assert raw.attrs["layout"] == "three-header"
    assert raw.attrs["import_ids"]["ResponseID"] == "responseId"
    df = read_responses(p)
    assert df["person"].tolist() == [
        "R_9zeKuQluLf9CNU1",
        "R_bHoMX1x6YTkerpH",
        "R_bf1QnzI6BNxlqUl",
        "R_8AP5X5PcEd3itWl",
        "R_6QonGDfxQ79wpJr",
    ]
    # the answers as typed in the file (first and last matrix columns)
    assert df["Q12_1"].tolist() == [1, 1, 1, 3, 2] and df["Q10_Q10_3"].tolist() == [4, 3, 4, 2, 2]
    assert "LocationAccuracy" not in df.columns and "ResponseSet" not in df.columns


def test_real_qualtrics_statement_export_tags_read_as_items():
    """A real export names a matrix statement <question tag>_<statement tag>, as the .qsf
    export assumes; with the instrument given, those columns are read as its items."""
    p = REAL / "qualtrics/real/QualtricsTools_Single_Answer_Matrix_Questions_Insights.csv"
    inst = ds.load_instrument(REAL / "qualtrics/real/matrix-question-five.yaml")
    raw = read_raw(p)
    assert raw.attrs["import_ids"]["matrix_question_five_question_one"] == "QID4-1"
    df = read_responses(p, instruments=inst)  # no mapping
    assert df["person"].iloc[0] == "R_9H2nlL82R9Yq21v"
    assert df[inst.item_ids].to_numpy().tolist()[0] == [13, 10, 12]
    out = ds.score(df, inst)
    # hand-worked from the file: (13+10+12)/3, (13+10+10)/3, (11+13+10)/3, (12+12+10)/3, (13+11+10)/3
    want = [35 / 3, 11.0, 34 / 3, 34 / 3, 34 / 3]
    np.testing.assert_allclose(out["total"], want, atol=1e-12)


def test_real_redcap_survey_project_redcapr():
    p = REAL / "redcap/real/REDCapR_survey-data.csv"
    assert detect_source(p) == "redcap"
    df = read_responses(p)
    assert df["person"].tolist() == ["1", "2"]  # participant_id: the first field, kept as text
    assert df["consent___1"].tolist() == [1, 0] and df["has_diabetes"].tolist() == [1, 0]
    # survey timestamps and form status are metadata, not answers
    assert not any(c.endswith(("_timestamp", "_complete")) for c in df.columns)


def test_real_redcap_dictionaries_import():
    from dyadscore.formats.export import instrument_from_redcap

    # REDCapR's survey project: no two fields share a choice list, so no Likert scale
    with pytest.raises(InputError, match=r"no two radio/dropdown fields share a choice list"):
        instrument_from_redcap(REAL / "redcap/real/REDCapR_survey-data-dictionary.csv")
    with pytest.raises(InputError, match=r"no form 'x' in the data dictionary; its forms: "):
        instrument_from_redcap(REAL / "redcap/real/REDCapR_survey-data-dictionary.csv", form="x")
    # an instrument's own dictionary (no record id), header cell with a mangled BOM
    inst = instrument_from_redcap(REAL / "redcap/real/rios_redcap_matrix_1.csv")
    assert inst.item_ids == ["matrixrow1", "matrixrow2", "matrixrow3"]
    assert (inst.scale_min, inst.scale_max) == (1, 3) and inst.instructions == {
        "en": "Matrix Header"
    }
    assert inst.response_scale.labels["en"] == {1: "column1", 2: "column2", 3: "column3"}


def test_real_surveyjs_results_score_with_own_instrument():
    p = REAL / "surveyjs/real/surveyjs-nodejs_product_feedback_results.json"
    assert detect_source(p) == "surveyjs"
    df = read_responses(p, mapping=REAL / "surveyjs/real/product-quality-map.yaml")
    assert df["affordable"].tolist() == [5.0, 3.0] and df["satisfaction"].tolist() == [5, 3]
    out = ds.score(df, REAL / "surveyjs/real/product-quality.yaml")
    # hand-worked: (5+5+5+5)/4 and (3+2+2+3)/4
    assert out["quality"].tolist() == [5.0, 2.5]


def test_real_surveyjs_scored_by_the_command_with_the_mappings_instrument(tmp_path, monkeypatch):
    """The mapping names the instrument (a YAML beside it); score needs nothing else."""
    monkeypatch.chdir(tmp_path)  # paths in the mapping are relative to the mapping file
    p = REAL / "surveyjs/real/surveyjs-nodejs_product_feedback_results.json"
    mp = REAL / "surveyjs/real/product-quality-map.yaml"
    assert main(["score", str(p), "--map", str(mp), "-o", "s.csv"]) == 0
    assert pd.read_csv(tmp_path / "s.csv")["quality"].tolist() == [5.0, 2.5]


def test_real_formr_results_with_empty_sessions_score():
    p = REAL / "formr/real/formr_gods_example_results.json"
    assert detect_source(p) == "formr"
    df = read_responses(p)
    # formr test sessions carry no session id: responses are numbered, and it says so
    assert df["person"].tolist()[:2] == ["response 1", "response 2"]
    assert "'session' is empty" in df.attrs["person_ids"]
    assert "religiousness_2" in df.columns and "religiousness_2R" not in df.columns
    out = ds.score(df, REAL / "formr/real/religiousness.yaml")
    raw = json.loads(p.read_text())
    # hand-worked: religiousness_2R is reverse-keyed on 1-4 (5 - x), mean of four items
    want = [
        (
            r["religiousness_1"]
            + 5
            - r["religiousness_2R"]
            + r["religiousness_3"]
            + r["religiousness_4"]
        )
        / 4
        for r in raw
    ]
    np.testing.assert_allclose(out["religiousness"], want, atol=1e-12)
    assert want[:2] == [2.75, 1.75]


@pytest.mark.parametrize(
    ("name", "cols"),
    [
        (
            "spss/real/haven_iris.sav",
            ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"],
        ),
        ("stata/real/haven_iris.dta", ["sepallength", "sepalwidth", "petallength", "petalwidth"]),
    ],
)
def test_real_spss_and_stata_files_from_haven(name, cols):
    p = REAL / name
    raw = read_raw(p)
    # reference: R 4.2, colSums(datasets::iris[, 1:4])
    np.testing.assert_allclose(raw[cols].sum().to_numpy(), [876.5, 458.6, 563.7, 179.9], atol=1e-9)
    if name.endswith(".sav"):
        assert raw.attrs["value_labels"]["Species"] == {
            1.0: "setosa",
            2.0: "versicolor",
            3.0: "virginica",
        }
    df = read_responses(p)
    assert len(df) == 150 and df.attrs["person_ids"].startswith("numbered")


# ------------------------------------------------ one reader, one mapping parser (issue 13)
def test_load_mapping_plain_and_columns_forms(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("Q1: pa1\nQ2: pa2\n")
    assert load_mapping(p).columns == {"Q1": "pa1", "Q2": "pa2"}
    p.write_text("columns:\n  Q1: pa1\n")  # the 'columns:' form of the same mapping
    assert load_mapping(p).columns == {"Q1": "pa1"}
    p.write_text("Q1: [pa1\n")
    with pytest.raises(InputError, match="malformed mapping"):
        load_mapping(p)


def test_read_for_scoring_defers_renames_of_own_tables_only(tmp_path):
    from dyadscore.formats import read_for_scoring

    own = tmp_path / "own.csv"
    pd.DataFrame({"person": ["a", "b"], "Q1": [3, 4], "extra": ["x", "y"]}).to_csv(own, index=False)
    data, renames = read_for_scoring(own, mapping={"Q1": "sat1"})
    assert list(data.columns) == ["person", "Q1", "extra"]  # every column, as read
    assert renames.columns == {"Q1": "sat1"}
    data, renames = read_for_scoring(own)
    assert renames is None and list(data.columns) == ["person", "Q1", "extra"]
    # a platform export: the mapping is applied by the reader, nothing is left to do
    data, renames = read_for_scoring(FIX / "qualtrics/numeric.csv", mapping=QMAP)
    assert renames is None
    pd.testing.assert_frame_equal(data, read_responses(FIX / "qualtrics/numeric.csv", mapping=QMAP))
    # missing codes stay with the caller only when asked
    coded = {"columns": {"Q1": "sat1"}, "missing": [-99]}
    assert read_for_scoring(own, mapping=coded, keep_missing_codes=True)[1].missing == [-99.0]


def test_reader_names_a_foreign_separator_before_detection(tmp_path):
    pipe = tmp_path / "pipe.csv"
    pipe.write_text("person|sat1|sat2\np1|3|4\n")
    with pytest.raises(InputError, match=r"pipe.csv: line 1: .*separated by '\|'"):
        read_responses(pipe)
