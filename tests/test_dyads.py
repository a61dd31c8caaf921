"""Shapes, pairing errors, nonindependence (R fixtures + hand example), discrepancy and
profile similarity (numpy hand computations)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import dyadscore as ds
from dyadscore import errors
from dyadscore.cli import main
from dyadscore.errors import InputError, PairingError
from dyadscore.simulate import simulate_dyads

ORACLE = Path(__file__).parent / "oracle"


def _couples(n: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "couple": np.repeat(np.arange(1, n + 1), 2),
            "person": np.arange(1, 2 * n + 1) * 10,
            "gender": ["woman", "man"] * n,
            "sat": rng.integers(1, 6, 2 * n).astype(float),
            "anx": rng.normal(size=2 * n),
        }
    )


# ------------------------------------------------------------------ the argument glossary
DYADIC = ["to_pairwise", "to_dyad", "to_individual", "nonindependence", "discrepancy"]


@pytest.mark.parametrize("name", [*DYADIC, "profile_similarity", "apim", "pair_members"])
def test_dyad_defaults_to_couple(name: str) -> None:
    import inspect

    func = getattr(ds, name, None) or getattr(ds.dyads, name)
    assert inspect.signature(func).parameters["dyad"].default == "couple"


def test_dyadic_functions_run_without_naming_the_couple_column() -> None:
    df = _couples(5)
    for name in ("to_pairwise", "to_dyad", "discrepancy"):
        func = getattr(ds, name)
        pd.testing.assert_frame_equal(
            func(df, "sat", role="gender"), func(df, "sat", "couple", "gender")
        )
    wide = ds.to_dyad(df, "sat", role="gender")
    pd.testing.assert_frame_equal(
        ds.to_individual(wide, "sat", suffixes=("_man", "_woman")),
        ds.to_individual(wide, "sat", "couple", suffixes=("_man", "_woman")),
    )


@pytest.mark.parametrize("name", [*DYADIC, "profile_similarity", "pair_members"])
def test_shared_argument_text_is_filled_in_every_docstring(name: str) -> None:
    """The glossary text of dyad/role/person/wave/source is written once (dyads._DOC_PARAMS)."""
    from dyadscore.dyads import _DOC_PARAMS

    doc = getattr(ds.dyads, name).__doc__
    assert "%(" not in doc
    lines = [ln.strip() for ln in doc.splitlines()]
    for key in ("dyad", "person", "wave", "role"):
        text = [ln.strip() for ln in _DOC_PARAMS[key].splitlines()]
        if text[0] in lines:  # the parameter line is present: so is the whole shared text
            i = lines.index(text[0])
            assert lines[i : i + len(text)] == text, (name, key)
    assert "dyad : str" in doc and "source : str" not in doc


def _reversed_members() -> pd.DataFrame:
    """Two couples whose rows list the higher person id first."""
    return pd.DataFrame(
        {"couple": [1, 1, 2, 2], "person": [12, 11, 22, 21], "x": [5.0, 1.0, 7.0, 2.0]}
    )


def test_person_column_is_detected_to_order_indistinguishable_members() -> None:
    df = _reversed_members()
    wide = ds.to_dyad(df, "x")
    # member 1 = lower person id (11, 21): by hand
    assert wide[["x_1", "x_2"]].values.tolist() == [[1.0, 5.0], [2.0, 7.0]]
    named = ds.to_dyad(df, "x", person="person")
    pd.testing.assert_frame_equal(wide, named[["couple", "x_1", "x_2"]])
    # a detected column only orders the members: it is not copied into the result
    assert list(ds.to_pairwise(df, "x").columns) == ["couple", "x_actor", "x_partner"]
    disc = ds.discrepancy(df, "x")
    assert disc["difference"].tolist() == [-4.0, -5.0]
    # without a person-id column the row order decides, as before
    plain = ds.to_dyad(df.drop(columns="person"), "x")
    assert plain[["x_1", "x_2"]].values.tolist() == [[5.0, 1.0], [7.0, 2.0]]


def test_detected_member_numbers_order_members_and_are_not_checked() -> None:
    """``person`` = 1/2 within each couple (Kenny's pairwise files): fine when detected;
    named explicitly it is checked as a person id, as before."""
    df = pd.DataFrame({"couple": [1, 1, 2, 2], "person": [2, 1, 2, 1], "x": [5.0, 1.0, 7.0, 2.0]})
    assert ds.to_dyad(df, "x")[["x_1", "x_2"]].values.tolist() == [[1.0, 5.0], [2.0, 7.0]]
    with pytest.raises(PairingError, match="two dyads"):
        ds.to_dyad(df, "x", person="person")


def test_detected_person_skips_the_named_columns() -> None:
    """A candidate name used as the dyad or as a variable is not taken as the person id."""
    df = pd.DataFrame({"id": [1, 1, 2, 2], "x": [5.0, 1.0, 7.0, 2.0]})
    assert ds.to_dyad(df, "x", "id")[["x_1", "x_2"]].values.tolist() == [[5.0, 1.0], [7.0, 2.0]]


# ------------------------------------------------------------------ shapes
def test_to_pairwise_double_entry() -> None:
    df = _couples()
    pw = ds.to_pairwise(df, ["sat", "anx"], "couple", "gender", person="person")
    assert len(pw) == 8
    assert list(pw.columns) == [
        "couple",
        "person",
        "gender",
        "sat_actor",
        "sat_partner",
        "anx_actor",
        "anx_partner",
    ]
    # role order: sorted labels, 'man' first
    assert list(pw.gender[:2]) == ["man", "woman"]
    own = df.set_index("person")
    for r in pw.itertuples():
        assert r.sat_actor == own.loc[r.person, "sat"]
        partner = df[(df.couple == r.couple) & (df.person != r.person)].iloc[0]
        assert r.sat_partner == partner.sat and r.anx_partner == partner.anx


def test_empty_input_gives_empty_frame_with_the_columns_of_a_full_one() -> None:
    # Dask builds `meta` from an empty frame: the columns and dtypes must be those of the
    # result on real data (compared with the first zero rows of that result).
    df = _couples()
    empty = df.iloc[:0]
    assert ds.dyads.pair_members(empty, "couple", "gender").n_dyads == 0
    assert ds.dyads.pair_members(empty, "couple").n_dyads == 0
    cases = [
        (ds.to_pairwise, ("couple", "gender"), {"person": "person"}),
        (ds.to_pairwise, ("couple",), {}),
        (ds.to_dyad, ("couple",), {"person": "person"}),
        (ds.to_dyad, ("couple", "gender"), {"roles": ["woman", "man"]}),
    ]
    for func, pos, kw in cases:
        got = func(empty, ["sat", "anx"], *pos, **kw)
        want = func(df, ["sat", "anx"], *pos, **kw).iloc[:0]
        pd.testing.assert_frame_equal(got, want)
        assert got.attrs["n_singles_dropped"] == 0
    # a categorical role column names the roles even without rows
    cat = df.astype({"gender": pd.CategoricalDtype(["woman", "man"])})
    got = ds.to_dyad(cat.iloc[:0], "sat", "couple", "gender")
    assert list(got.columns) == list(ds.to_dyad(cat, "sat", "couple", "gender").columns)
    # plain labels cannot be known from no rows: to_dyad says what to pass
    with pytest.raises(InputError, match="no rows.*roles="):
        ds.to_dyad(empty, "sat", "couple", "gender")


def test_to_dyad_and_back() -> None:
    df = _couples(5)
    wide = ds.to_dyad(df, ["sat", "anx"], "couple", "gender", roles=["woman", "man"])
    assert list(wide.columns) == ["couple", "sat_woman", "sat_man", "anx_woman", "anx_man"]
    assert len(wide) == 5
    back = ds.to_individual(
        wide, ["sat", "anx"], "couple", suffixes=["_woman", "_man"], role="gender"
    )
    merged = back.merge(df, on=["couple", "gender"], suffixes=("", "_orig"))
    assert len(merged) == 10
    np.testing.assert_array_equal(merged.sat, merged.sat_orig)
    np.testing.assert_array_equal(merged.anx, merged.anx_orig)


def test_to_dyad_indistinguishable_and_waves() -> None:
    df = pd.concat([_couples(3).assign(wave=1), _couples(3, seed=1).assign(wave=2)])
    wide = ds.to_dyad(df.drop(columns="gender"), "sat", "couple", wave="wave", person="person")
    assert list(wide.columns) == ["couple", "wave", "person_1", "person_2", "sat_1", "sat_2"]
    assert len(wide) == 6
    # member 1 = lower person id
    assert (wide.person_1 < wide.person_2).all()
    w2 = wide[(wide.wave == 2) & (wide.couple == 3)].iloc[0]
    src = df[(df.wave == 2) & (df.couple == 3)]
    assert w2.sat_1 == src.sat.iloc[0] and w2.sat_2 == src.sat.iloc[1]


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12), st.integers(0, 10_000))
def test_pairwise_invariant_to_row_order(n: int, seed: int) -> None:
    df = _couples(n, seed)
    shuffled = df.sample(frac=1, random_state=seed % 1000)
    a = ds.to_pairwise(df, "sat", "couple", "gender")
    b = ds.to_pairwise(shuffled, "sat", "couple", "gender")
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------ pairing errors
def test_triad_is_an_error() -> None:
    df = _couples()
    extra = df.iloc[[0]].assign(person=999)
    with pytest.raises(PairingError, match=r"dyad 1 has 3 members") as err:
        ds.to_pairwise(pd.concat([df, extra]), "sat", "couple", "gender", person="person")
    assert "\n" not in str(err.value)


def test_single_is_an_error_unless_dropped() -> None:
    df = _couples().drop(index=3)  # couple 2 loses its man
    with pytest.raises(PairingError, match=r"dyad 2 has only one member"):
        ds.to_dyad(df, "sat", "couple", "gender")
    out = ds.to_dyad(df, "sat", "couple", "gender", drop_singles=True)
    assert len(out) == 3 and out.attrs["n_singles_dropped"] == 1
    assert 2 not in set(out.couple)


def test_same_role_twice_is_an_error() -> None:
    df = _couples()
    df.loc[5, "gender"] = "woman"
    with pytest.raises(PairingError, match=r"dyad 3 has two members with role 'woman'"):
        ds.to_pairwise(df, "sat", "couple", "gender")


def test_person_in_two_dyads_is_an_error() -> None:
    df = _couples()
    df.loc[3, "person"] = 10  # person 10 is also in couple 1
    with pytest.raises(PairingError, match=r"person 10 is in two dyads"):
        ds.to_pairwise(df, "sat", "couple", "gender", person="person")


def test_person_twice_in_one_dyad_and_role_problems() -> None:
    df = _couples()
    df.loc[1, "person"] = 10
    with pytest.raises(PairingError, match=r"person 10 is listed twice in dyad 1"):
        ds.to_pairwise(df, "sat", "couple", person="person")
    df = _couples()
    df.loc[0, "gender"] = "other"
    with pytest.raises(InputError, match="exactly two roles"):
        ds.to_pairwise(df, "sat", "couple", "gender")
    df = _couples()
    df.loc[2, "couple"] = np.nan
    with pytest.raises(InputError, match=r"row 3, column 'couple'"):
        ds.to_pairwise(df, "sat", "couple", "gender")
    with pytest.raises(InputError, match="'nope' not found"):
        ds.to_pairwise(_couples(), "nope", "couple")


# ------------------------------------------------------------------ nonindependence
def test_nonindependence_distinguishable_matches_r() -> None:
    fx = json.loads((ORACLE / "nonindependence.json").read_text())["distinguishable"]
    wide = pd.read_csv(ORACLE / "apim_dist_wide.csv")
    long = ds.to_individual(wide, ["x", "y"], "dyad", suffixes=["1", "2"], roles=["female", "male"])
    out = ds.nonindependence(long, ["y", "x"], "dyad", "role").set_index("variable")
    for v in ("y", "x"):
        ref, row = fx[v], out.loc[v]
        assert row.method == "pearson" and row.n_dyads == ref["n_dyads"]
        np.testing.assert_allclose(
            [row.r, row.statistic, row.df1, row.p, row.ci_low, row.ci_high],
            [ref["r"], ref["t"], ref["df"], ref["p"], *ref["ci95"]],
            rtol=1e-9,
        )


def test_nonindependence_indistinguishable_matches_r() -> None:
    fx = json.loads((ORACLE / "nonindependence.json").read_text())["indistinguishable"]
    long = pd.read_csv(ORACLE / "apim_indist_long.csv")
    out = ds.nonindependence(long, ["y", "x_actor"], "dyad")
    for v in ("y", "x_actor"):
        ref = fx[v]
        rows = out[out.variable == v].set_index("method")
        pw, an = rows.loc["pairwise_icc"], rows.loc["anova_icc"]
        np.testing.assert_allclose(
            [pw.r, pw.statistic, pw.p],
            [ref["pairwise_r"], ref["pairwise_z"], ref["pairwise_p_two_sided"]],
            rtol=1e-9,
        )
        np.testing.assert_allclose(
            [an.r, an.statistic, an.df1, an.df2, an.p],
            [
                ref["anova_icc"],
                ref["anova_F"],
                ref["anova_df1"],
                ref["anova_df2"],
                ref["anova_p_two_sided"],
            ],
            rtol=1e-9,
        )
        # REML compound-symmetry rho equals the ANOVA ICC, ML rho the pairwise r (README)
        assert abs(an.r - ref["gls_cs_rho_reml"]) < 1e-5
        assert abs(pw.r - ref["gls_cs_rho_ml"]) < 1e-5


def test_anova_icc_hand_example() -> None:
    """SCIENCE.md §3.2: 6 dyads (8,6),(5,3),(7,2),(8,5),(8,7),(5,6)."""
    pairs = [(8, 6), (5, 3), (7, 2), (8, 5), (8, 7), (5, 6)]
    df = pd.DataFrame({"d": np.repeat(np.arange(6), 2), "x": np.ravel(pairs).astype(float)})
    out = ds.nonindependence(df, "x", "d").set_index("method")
    msb, msw = 2 * (59 / 6) / 5, 44 / 12  # sum (m - M)^2 = 9.8333 = 59/6
    assert abs(msb - 3.9333) < 1e-4 and abs(msw - 3.6667) < 1e-4
    assert abs(out.loc["anova_icc", "r"] - (msb - msw) / (msb + msw)) < 1e-9
    assert round(out.loc["anova_icc", "r"], 4) == 0.0351
    assert abs(out.loc["anova_icc", "statistic"] - msb / msw) < 1e-9
    p_upper = stats.f.sf(msb / msw, 5, 6)
    assert abs(out.loc["anova_icc", "p"] - 2 * p_upper) < 1e-12
    # pairwise r by the textbook double-entry correlation
    a = np.concatenate([np.array(pairs)[:, 0], np.array(pairs)[:, 1]])
    b = np.concatenate([np.array(pairs)[:, 1], np.array(pairs)[:, 0]])
    assert abs(out.loc["pairwise_icc", "r"] - np.corrcoef(a, b)[0, 1]) < 1e-12


def test_nonindependence_invariant_to_member_order() -> None:
    long = pd.read_csv(ORACLE / "apim_indist_long.csv")
    flipped = long.sort_values(["dyad", "person"], ascending=[False, False])
    a = ds.nonindependence(long, "y", "dyad")
    b = ds.nonindependence(flipped, "y", "dyad")
    np.testing.assert_allclose(a[["r", "statistic", "p"]], b[["r", "statistic", "p"]], rtol=1e-12)


def test_nonindependence_scipy_pearson() -> None:
    df = _couples(30, 3)
    out = ds.nonindependence(df, "anx", "couple", "gender").iloc[0]
    man, woman = df[df.gender == "man"].anx, df[df.gender == "woman"].anx
    ref = stats.pearsonr(man, woman)
    ci = ref.confidence_interval(0.95)
    np.testing.assert_allclose(
        [out.r, out.p, out.ci_low, out.ci_high],
        [ref.statistic, ref.pvalue, ci.low, ci.high],
        rtol=1e-10,
    )


# ------------------------------------------------------------------ discrepancy
def test_discrepancy_signed_and_absolute() -> None:
    df = _couples(6, 4)
    df.loc[4, "sat"] = np.nan
    out = ds.discrepancy(df, ["sat", "anx"], "couple", "gender")
    assert len(out) == 12
    sat = out[out.variable == "sat"].set_index("couple")
    man = df[df.gender == "man"].set_index("couple").sat
    woman = df[df.gender == "woman"].set_index("couple").sat
    np.testing.assert_array_equal(sat["first"], "man")
    np.testing.assert_allclose(sat.difference, man - woman)
    np.testing.assert_allclose(sat.absolute, (man - woman).abs())
    expected = np.where(man > woman, "man", np.where(man < woman, "woman", "equal"))
    known = (man - woman).notna().to_numpy()
    assert list(sat.higher[known]) == list(expected[known])
    assert sat.higher[~known].isna().all()


# ------------------------------------------------------------------ profile similarity
def test_profile_similarity_against_numpy() -> None:
    rng = np.random.default_rng(8)
    n, v = 20, 6
    cols = [f"s{i}" for i in range(v)]
    vals = rng.normal(size=(2 * n, v)) + np.arange(v)  # strong normative profile
    df = pd.DataFrame(vals, columns=cols)
    df["couple"] = np.repeat(np.arange(n), 2)
    df["role"] = ["a", "b"] * n
    out = ds.profile_similarity(df, cols, "couple", "role")
    pooled = ds.profile_similarity(df, cols, "couple", "role", normative="pooled")
    A, B = vals[0::2], vals[1::2]
    norm_a, norm_b, norm_all = A.mean(0), B.mean(0), vals.mean(0)
    for i in range(n):
        assert abs(out.raw_r[i] - np.corrcoef(A[i], B[i])[0, 1]) < 1e-12
        assert abs(out.distinctive_r[i] - np.corrcoef(A[i] - norm_a, B[i] - norm_b)[0, 1]) < 1e-12
        assert (
            abs(pooled.distinctive_r[i] - np.corrcoef(A[i] - norm_all, B[i] - norm_all)[0, 1])
            < 1e-12
        )
        assert abs(out.normativeness_a[i] - np.corrcoef(A[i], norm_a)[0, 1]) < 1e-12
        assert abs(out.normativeness_b[i] - np.corrcoef(B[i], norm_b)[0, 1]) < 1e-12
        assert abs(out.d2[i] - np.sum((A[i] - B[i]) ** 2)) < 1e-12
    # normativeness inflates raw similarity relative to distinctive similarity
    assert out.raw_r.mean() > out.distinctive_r.mean() + 0.3


def test_profile_similarity_missing_and_errors() -> None:
    df = _couples(4, 2)
    df["c"] = np.arange(8.0)
    df["d"] = np.arange(8.0)[::-1]
    df.loc[0, "c"] = np.nan
    out = ds.profile_similarity(df, ["sat", "anx", "c", "d"], "couple", "gender")
    assert out.n_variables.iloc[0] == 3 and (out.n_variables.iloc[1:] == 4).all()
    with pytest.raises(InputError, match="at least 3 variables"):
        ds.profile_similarity(df, ["sat", "anx"], "couple", "gender")


# ------------------------------------------------------------------ CLI
def test_cli_dyads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dyadscore.cli import main

    data = str(ORACLE / "apim_dist_long.csv")
    out = tmp_path / "wide.csv"
    assert (
        main(
            [
                "dyads",
                "dyad",
                data,
                "--vars",
                "y",
                "--dyad",
                "dyad",
                "--role",
                "role",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wide = pd.read_csv(out)
    ref = pd.read_csv(ORACLE / "apim_dist_wide.csv")
    np.testing.assert_allclose(wide.y_female, ref.y1)
    np.testing.assert_allclose(wide.y_male, ref.y2)
    assert (
        main(
            [
                "dyads",
                "nonindependence",
                str(ORACLE / "apim_indist_long.csv"),
                "--vars",
                "y",
                "--dyad",
                "dyad",
            ]
        )
        == 0
    )
    assert "anova_icc" in capsys.readouterr().out
    single = tmp_path / "single.csv"
    pd.read_csv(ORACLE / "apim_dist_long.csv").iloc[1:].to_csv(single, index=False)
    assert main(["dyads", "pairwise", str(single), "--vars", "y", "--dyad", "dyad"]) == 2
    assert "dyad 1 has only one member" in capsys.readouterr().err


def test_cli_discrepancy_and_similarity_equal_the_api(tmp_path, capsys):
    from dyadscore.cli import main

    rng = np.random.default_rng(3)
    n = 30
    df = pd.DataFrame(
        {
            "couple": np.repeat(np.arange(n), 2),
            "role": ["a", "b"] * n,
            **{v: rng.normal(4, 1, 2 * n) for v in ("x", "y", "z", "w")},
        }
    )
    src = tmp_path / "scores.csv"
    df.to_csv(src, index=False)
    for action, func in (("discrepancy", ds.discrepancy), ("similarity", ds.profile_similarity)):
        out = tmp_path / f"{action}.csv"
        args = ["dyads", action, str(src), "--vars", "x", "y", "z", "w", "--dyad", "couple"]
        assert main([*args, "--role", "role", "-o", str(out)]) == 0
        got = pd.read_csv(out)
        want = func(pd.read_csv(src), ["x", "y", "z", "w"], "couple", "role")
        num = want.select_dtypes("number").columns
        np.testing.assert_allclose(got[num].to_numpy(float), want[num].to_numpy(float), rtol=1e-12)
    code = main(["dyads", "similarity", str(src), "--vars", "x", "--dyad", "couple"])
    assert code == 2 and "at least 3 variables" in capsys.readouterr().err


# ------------------------------------------------------------- bad input (issue 9)
def test_role_labels_with_spaces_are_trimmed_everywhere() -> None:
    from dyadscore.dyads import pair_members, to_pairwise

    df = pd.DataFrame({"d": [1, 1, 2, 2], "r": ["w ", "m", " m", "w"], "x": [1.0, 2, 3, 4]})
    assert pair_members(df, "d", "r").roles == ("m", "w")
    out = to_pairwise(df, "x", "d", "r")
    assert out["r"].tolist() == ["m", "w", "m", "w"]
    assert out["x_partner"].tolist() == [1.0, 2.0, 4.0, 3.0]


def test_single_message_names_the_cli_option() -> None:
    from dyadscore.dyads import pair_members
    from dyadscore.errors import PairingError

    df = pd.DataFrame({"d": [1, 1, 2], "x": [1.0, 2, 3]})
    with pytest.raises(PairingError, match="--drop-singles") as err:
        with errors.reading("f.csv"):
            pair_members(df, "d")
    assert "=True" not in str(err.value)


@pytest.mark.parametrize("value", [np.inf, "-inf"])
def test_inf_is_an_error_in_analyses(value) -> None:
    from dyadscore.dyads import discrepancy
    from dyadscore.errors import InputError

    df = pd.DataFrame({"d": [1, 1, 2, 2], "x": [1.0, 2, 3, 4]}).astype({"x": object})
    df.loc[2, "x"] = value
    with pytest.raises(InputError, match=r"f.csv: row 3, column 'x': value -?inf is not a finite"):
        with errors.reading("f.csv"):
            discrepancy(df, "x", "d")


def test_dot_cells_say_how_to_declare_them() -> None:
    from dyadscore.dyads import discrepancy
    from dyadscore.errors import InputError

    df = pd.DataFrame({"d": [1, 1], "x": ["2", "."]})
    with pytest.raises(InputError, match=r"row 2, column 'x': value '\.' .*--missing-codes \."):
        with errors.reading("f.csv"):
            discrepancy(df, "x", "d")


def test_check_missing_codes_finds_far_codes_only() -> None:
    from dyadscore.dyads import check_missing_codes
    from dyadscore.errors import DataWarning

    df = pd.DataFrame(
        {
            "sat": [4.2, 5.0, -99, 3.4, -99, 999],  # two codes; -99 the most frequent
            "age": [25, 99, 60, 40, 33, 51],  # 99 is an age here, not a code
            "z": [0.1, -0.2, 0.3, np.nan, 0.0, 0.5],
        }
    )
    with pytest.warns(DataWarning, match=r"f.csv: column 'sat': 3 value\(s\) of -99"):
        with errors.reading("f.csv"):
            found = check_missing_codes(df)
    assert found == {"sat": (-99.0, 3)}
    assert check_missing_codes(pd.DataFrame({"x": [-99.0, -99.0]}), warn=False) == {}


def test_replace_missing_codes_numbers_and_text() -> None:
    from dyadscore.dyads import replace_missing_codes

    df = pd.DataFrame({"a": [1.0, -99.0, 3.0], "b": ["2", " . ", "-999"], "id": ["x", "y", "z"]})
    out = replace_missing_codes(df, [-99, -999, "."], columns=["a", "b"])
    assert out["a"].isna().tolist() == [False, True, False]
    assert out["b"].tolist()[0] == 2 and out["b"].isna().tolist() == [False, True, True]
    assert df["a"].tolist() == [1.0, -99.0, 3.0]  # input untouched


def test_reshape_warns_about_missing_codes_too() -> None:
    from dyadscore.dyads import to_dyad
    from dyadscore.errors import DataWarning

    df = pd.DataFrame({"d": [1, 1, 2, 2, 3, 3], "x": [3.1, 4.0, -999, 2.5, 3.3, 4.4]})
    with pytest.warns(DataWarning, match=r"f.csv: column 'x': 1 value\(s\) of -999"):
        with errors.reading("f.csv"):
            to_dyad(df, "x", "d")


def test_stacked_waves_get_a_hint() -> None:
    from dyadscore.dyads import pair_members
    from dyadscore.errors import PairingError

    df = pd.DataFrame({"d": [1, 1, 1, 1], "wave": [1, 1, 2, 2], "x": [1.0, 2, 3, 4]})
    with pytest.raises(PairingError, match="4 members.*'wave' column"):
        pair_members(df, "d")
    assert pair_members(df, "d", wave="wave").n_dyads == 2


# ------------------------------------------------------------ regressions from the review of the dyadic layer (constant variables)


@pytest.fixture(scope="module")
def review_couples() -> pd.DataFrame:
    return simulate_dyads(60, seed=1)


def test_nonindependence_of_a_constant_is_an_error(review_couples: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="column 'x': every score is 1"):
        ds.nonindependence(review_couples.assign(x=1.0), "x", "couple")
    d = review_couples.copy()
    d.loc[d.role == "man", "x"] = 0.0
    with pytest.raises(InputError, match="every score of role 'man' is equal"):
        ds.nonindependence(d, "x", "couple", role="role")


def test_cli_nonindependence_constant_exit_2(
    tmp_path: Path, review_couples: pd.DataFrame, capsys
) -> None:
    src = tmp_path / "c.csv"
    review_couples.assign(x=1.0).to_csv(src, index=False)
    assert main(["dyads", "nonindependence", str(src), "--vars", "x", "--dyad", "couple"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
