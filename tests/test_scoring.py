"""Scoring: hand-worked cases, psych::scoreItems cross-check, shapes, mapping, properties."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dyadscore as ds
from dyadscore import errors
from dyadscore.errors import InputError
from dyadscore.instruments import parse_instrument
from dyadscore.scoring import keyed_items, score_matrix

ORACLE = Path(__file__).parent / "oracle"


def _six_item_instrument(rule: str = "prorate", min_answered: float = 0.8, method: str = "mean"):
    """The oracle's six-item scale (i3, i5 reverse-keyed, 1-7)."""
    items = "\n".join(
        f"  - {{id: i{k}, reverse: {str(k in (3, 5)).lower()}, text: {{en: item {k}, nl: vraag {k}}}}}"
        for k in range(1, 7)
    )
    text = textwrap.dedent(
        f"""\
        id: oracle-six
        version: 1.0.0
        title: {{en: Six items, nl: Zes vragen}}
        construct: test scale
        response_scale: {{min: 1, max: 7}}
        missing: {{rule: {rule}, min_answered: {min_answered}}}
        subscales:
          scale: {{items: [i1, i2, i3, i4, i5, i6], method: {method}}}
        provenance: {{authors: tests, licence: CC0}}
        """
    )
    return parse_instrument(text + "items:\n" + items + "\n")


# ------------------------------------------------------------------ hand-worked
def test_hand_worked_satisfaction_with_reverse_key_and_proration():
    df = pd.DataFrame(
        {
            "person": ["p1", "p2", "p3"],
            "sat1": [5, 4, None],
            "sat2": [4, None, None],
            "sat3": [1, 2, 3],  # reverse-keyed: 6 - x
            "sat4": [5, 4, 3],
            "sat5": [4, 4, 3],
        }
    )
    out = ds.score(df, "relationship-satisfaction")
    # p1: (5 + 4 + 5 + 5 + 4) / 5 = 4.6 ; p2: (4 + 4 + 4 + 4) / 4 = 4.0 (4 of 5 = 80 %: prorated)
    # p3: 3 of 5 answered = 60 % < 80 % -> missing
    assert out["satisfaction"].iloc[0] == pytest.approx(4.6)
    assert out["satisfaction"].iloc[1] == pytest.approx(4.0)
    assert np.isnan(out["satisfaction"].iloc[2])
    assert out["satisfaction_n"].tolist() == [5, 4, 3]
    assert out["satisfaction_flag"].astype(str).tolist() == ["ok", "prorated", "missing"]


def test_sum_method_prorates_by_item_count():
    inst = _six_item_instrument(method="sum", min_answered=0.5)
    row = {"id": [1], "i1": [7], "i2": [6], "i3": [2], "i4": [np.nan], "i5": [np.nan], "i6": [5]}
    out = ds.score(pd.DataFrame(row), inst)
    # keyed answered: 7, 6, 8-2=6, 5 -> mean 6.0 -> prorated sum 6 * 6 = 36
    assert out["scale"].iloc[0] == pytest.approx(36.0)
    assert out["scale_flag"].iloc[0] == "prorated"


def test_complete_rule_sets_any_missing_to_missing():
    inst = _six_item_instrument(rule="complete")
    df = pd.DataFrame({"id": [1, 2], **{f"i{k}": [4, 4 if k != 2 else None] for k in range(1, 7)}})
    out = ds.score(df, inst)
    assert out["scale"].iloc[0] == pytest.approx(4.0)
    assert np.isnan(out["scale"].iloc[1])
    assert out["scale_flag"].astype(str).tolist() == ["ok", "missing"]


# -------------------------------------------------------- psych::scoreItems
def test_mean_scores_equal_psych_scoreitems_impute_none():
    items = pd.read_csv(ORACLE / "reliability_items.csv")
    ref = pd.read_csv(ORACLE / "reliability_scores.csv")
    # impute = "none": mean of whatever keyed items were answered (any one item suffices)
    inst = _six_item_instrument(min_answered=1 / 6)
    out = ds.score(items, inst)
    np.testing.assert_allclose(out["scale"], ref["score_impute_none"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out["scale_n"], ref["n_items_answered"])


def test_keyed_items_reverse_keys_with_scale_min_plus_max():
    items = pd.read_csv(ORACLE / "reliability_items.csv")
    keyed = keyed_items(items, _six_item_instrument())
    np.testing.assert_array_equal(keyed["i3"].to_numpy(), (8 - items["i3"]).to_numpy(dtype=float))
    np.testing.assert_array_equal(keyed["i1"].to_numpy(), items["i1"].to_numpy(dtype=float))


# ------------------------------------------------------------------ shapes
def test_long_input_scores_like_wide():
    items = pd.read_csv(ORACLE / "reliability_items.csv").rename(columns={"id": "person"})
    long = items.melt(id_vars="person", var_name="item", value_name="value").dropna()
    long = long.sample(frac=1, random_state=3)
    inst = _six_item_instrument()
    a = ds.score(items, inst).set_index("person").sort_index()
    b = ds.score(long, inst).set_index("person").sort_index()
    pd.testing.assert_series_equal(a["scale"], b["scale"])


def test_several_instruments_and_provenance():
    rng = np.random.default_rng(1)
    sat = ds.load_instrument("relationship-satisfaction")
    acc = ds.load_instrument("acceptance-of-dependence")
    df = pd.DataFrame({"person": range(5), "couple": [1, 1, 2, 2, 3], "role": list("ABABA")})
    for it in sat.item_ids:
        df[it] = rng.integers(1, 6, 5)
    for it in acc.item_ids:
        df[it] = rng.integers(1, 8, 5)
    out = ds.score(df, [sat, "acceptance-of-dependence"])
    assert {"person", "couple", "role", "satisfaction", "perceived_acceptance"} <= set(out.columns)
    prov = out.attrs["provenance"]
    assert [p["instrument"] for p in prov] == [
        "relationship-satisfaction",
        "acceptance-of-dependence",
    ]
    assert all(len(p["key_hash"]) == 16 and p["dyadscore_version"] for p in prov)
    assert {c["variable"] for c in out.attrs["codebook"]} >= {"satisfaction", "acceptance_given"}


def test_key_hash_changes_with_the_key_not_the_wording():
    base = _six_item_instrument()
    reworded = base.model_copy(update={"title": {"en": "Other", "nl": "Ander"}})
    rekeyed = _six_item_instrument(min_answered=0.5)
    assert base.key_hash == reworded.key_hash
    assert base.key_hash != rekeyed.key_hash


def test_mapping_dict_and_file(tmp_path):
    items = pd.read_csv(ORACLE / "reliability_items.csv")
    renamed = items.rename(columns={f"i{k}": f"Q{k}" for k in range(1, 7)})
    inst = _six_item_instrument()
    expected = ds.score(items, inst)["scale"]
    mapping = {f"Q{k}": f"i{k}" for k in range(1, 7)}
    pd.testing.assert_series_equal(ds.score(renamed, inst, mapping=mapping)["scale"], expected)
    path = tmp_path / "map.yaml"
    path.write_text("columns:\n" + "".join(f"  Q{k}: i{k}\n" for k in range(1, 7)))
    pd.testing.assert_series_equal(ds.score(renamed, inst, mapping=path)["scale"], expected)


def test_user_instrument_from_path(tmp_path):
    src = Path(ds.instruments.__file__).resolve().parents[2] / "instruments"
    text = (src / "felt-dependence.yaml").read_text().replace("id: felt-dependence", "id: my-scale")
    path = tmp_path / "my-scale.yaml"
    path.write_text(text)
    inst = ds.load_instrument(str(path))
    df = pd.DataFrame({"person": [1], **{i: [3] for i in inst.item_ids}})
    assert ds.score(df, path)["felt_dependence"].notna().all()


# --------------------------------------------------------------- properties
SIX = _six_item_instrument(min_answered=0.5)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (8, 6), elements=st.integers(1, 7).map(float)))
def test_reverse_keying_twice_is_identity(raw):
    lo, hi = SIX.scale_min, SIX.scale_max
    assert np.array_equal((lo + hi) - ((lo + hi) - raw), raw)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (10, 6), elements=st.integers(1, 7).map(float)),
    arrays(np.bool_, (10, 6)),
)
def test_proration_never_changes_complete_rows_and_scores_stay_in_range(raw, holes):
    complete = score_matrix(raw.copy(), SIX)["scale"][0]
    with_holes = raw.copy()
    with_holes[1:][holes[1:]] = np.nan  # row 0 stays complete
    value, n, flag = score_matrix(with_holes, SIX)["scale"]
    assert value[0] == complete[0] and flag[0] == 0
    ok = ~np.isnan(value)
    assert np.all((value[ok] >= 1) & (value[ok] <= 7))
    assert np.all(np.isnan(value[n < 3]))  # fewer than 50 % answered -> missing


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (6, 6), elements=st.integers(1, 7).map(float)))
def test_scores_do_not_depend_on_row_order(raw):
    df = pd.DataFrame(raw, columns=[f"i{k}" for k in range(1, 7)])
    df.insert(0, "id", range(len(df)))
    a = ds.score(df, SIX).set_index("id")["scale"]
    b = ds.score(df.iloc[::-1], SIX).set_index("id")["scale"].sort_index()
    pd.testing.assert_series_equal(a, b)


def test_string_ids_survive_and_empty_strings_count_as_missing():
    df = pd.DataFrame({"id": ["a", "b"], **{f"i{k}": ["4", "5"] for k in range(1, 7)}})
    df.loc[1, "i2"] = " "
    out = ds.score(df, SIX)
    assert out["id"].tolist() == ["a", "b"]
    assert out["scale_n"].tolist() == [6, 5]


def test_non_numeric_text_is_an_error():
    df = pd.DataFrame({"id": ["a", "b"], **{f"i{k}": ["4", "5"] for k in range(1, 7)}})
    df.loc[1, "i4"] = "vier"
    with pytest.raises(InputError, match=r"row 'b', column 'i4': value 'vier' is not a number"):
        ds.score(df, SIX)


def test_arrow_backed_input_scores_like_numpy_input(tmp_path):
    items = pd.read_csv(ORACLE / "reliability_items.csv")
    path = tmp_path / "items.csv"
    items.to_csv(path, index=False)
    arrow = ds.read_table(path, arrow=True)
    assert isinstance(arrow["i1"].dtype, pd.ArrowDtype)
    a = ds.score(items, SIX)
    b = ds.score(arrow, SIX)
    np.testing.assert_array_equal(a["scale"].to_numpy(), b["scale"].to_numpy())
    np.testing.assert_array_equal(a["scale_n"].to_numpy(), b["scale_n"].to_numpy())


def test_multi_level_columns_get_a_hint():
    df = pd.DataFrame([[1, 4]], columns=pd.MultiIndex.from_tuples([("id", ""), ("i1", "a")]))
    with pytest.raises(InputError, match="column names have several levels"):
        ds.score(df, SIX)


# ------------------------------------------------- answers between scale points (issue 9)
def _sat(**cells) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "person": ["p1", "p2"],
            "sat1": [5, 4],
            "sat2": [4, 4],
            "sat3": [1, 2],
            "sat4": [5, 4],
            "sat5": [4, 4],
        }
    ).astype(object)
    for col, (row, value) in cells.items():
        df.loc[row, col] = value
    return df


@pytest.mark.parametrize("value,shown", [(3.5, "3.5"), ("4,5", "'4,5'"), ("2.25", "'2.25'")])
def test_answers_between_scale_points_are_errors(value, shown) -> None:
    with pytest.raises(InputError) as err:
        with errors.reading("in.csv"):
            ds.score(_sat(sat2=(1, value)), "relationship-satisfaction")
    msg = str(err.value)
    assert msg.startswith("in.csv: row 'p2', column 'sat2': value " + shown)
    assert "between the points" in msg and "--allow-between-points" in msg


def test_allow_between_points_scores_them_by_hand() -> None:
    out = ds.score(
        _sat(sat2=(1, 3.5), sat3=(0, "1,5")),
        "relationship-satisfaction",
        allow_between_points=True,
    )
    # p1: 5, 4, reverse(1.5) = 6 - 1.5 = 4.5, 5, 4 -> mean 4.5; p2: 4, 3.5, 4, 4, 4 -> 3.9
    np.testing.assert_allclose(out["satisfaction"], [4.5, 3.9])


def test_declared_step_allows_its_points_only() -> None:
    text = textwrap.dedent(
        """\
        id: vas
        version: "1.0"
        title: {en: Closeness}
        construct: closeness
        response_scale: {min: 0, max: 10, step: 0.5}
        subscales:
          close: {items: [v1, v2]}
        items:
          - {id: v1, text: {en: Close}}
          - {id: v2, text: {en: Apart}, reverse: true}
        provenance: {authors: Test, licence: CC0}
        """
    )
    inst = parse_instrument(text)
    ok = pd.DataFrame({"person": ["a"], "v1": [7.5], "v2": [2.5]})
    assert ds.score(ok, inst)["close"].tolist() == [7.5]  # (7.5 + (10 - 2.5)) / 2
    bad = pd.DataFrame({"person": ["a"], "v1": [7.25], "v2": [2.5]})
    with pytest.raises(InputError, match=r"row 'a', column 'v1': value 7.25 .*steps of 0.5"):
        ds.score(bad, inst)


def test_step_does_not_change_the_key_hash_of_instruments_without_it() -> None:
    # the hash main computed before step existed (scores stay traceable to the same key)
    assert ds.load_instrument("relationship-satisfaction").key_hash == "a9090573ef3479e6"


# ------------------------------------------------------------ regressions from the review of issue 2 (blank rows, ids, duplicate columns)


SAT = ds.load_instrument("relationship-satisfaction")  # 5 items, 1-5, sat3 reversed


REVIEW_ROW = [5, 4, 1, 5, 4]  # hand-worked: (5 + 4 + (6 - 1) + 5 + 4) / 5 = 4.6


def _review_frame() -> pd.DataFrame:
    df = pd.DataFrame({"person": ["p1", "p2", "p3"], "couple": ["c1", "c1", "c2"]})
    for j, it in enumerate(SAT.item_ids):
        df[it] = [REVIEW_ROW[j], REVIEW_ROW[j], REVIEW_ROW[j]]
    return df


def test_blank_rows_in_a_dataframe_and_a_long_table():
    wide = pd.concat([_review_frame(), pd.DataFrame([{}])], ignore_index=True)  # an all-NaN row
    assert ds.score(wide, SAT)["person"].tolist() == ["p1", "p2", "p3"]
    long = _review_frame().melt(id_vars=["person", "couple"], var_name="item", value_name="value")
    long = pd.concat([long, pd.DataFrame([{}])], ignore_index=True)
    out = ds.score(long, SAT)
    assert out["person"].tolist() == ["p1", "p2", "p3"]
    np.testing.assert_allclose(out["satisfaction"], 4.6)


def test_missing_person_id_in_python_names_the_index():
    df = _review_frame()
    df.loc[2, "person"] = "  "
    with pytest.raises(InputError, match="row at index 2 has answers but no person id"):
        ds.score(df, SAT)


def test_person_as_index_gets_a_hint():
    with pytest.raises(InputError, match=r"'person' is the index: use df.reset_index\(\)"):
        ds.score(_review_frame().set_index("person"), SAT)


def test_duplicate_columns_in_a_dataframe():
    df = pd.concat([_review_frame(), _review_frame()[["sat1"]]], axis=1)
    with pytest.raises(InputError, match="column 'sat1': the column name occurs more than once"):
        ds.score(df, SAT)
