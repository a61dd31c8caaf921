"""Reliability: alpha, omega, item statistics, SEM, RCI and the reliability() front end.

References: psych 2.2.9 results in tests/oracle/reliability.json (alpha, item stats,
alpha-if-dropped, Feldt CI, omega), pingouin.cronbach_alpha, numpy correlations, and
hand-worked values for SEM and the reliable change index.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dyadscore as ds
from dyadscore import psychometrics as pm
from dyadscore.cli import main
from dyadscore.errors import InputError

ORACLE = Path(__file__).parent / "oracle"
REF = json.loads((ORACLE / "reliability.json").read_text())
ITEMS = [f"i{j}" for j in range(1, 7)]
REVERSED = ["i3", "i5"]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "reliability_items.csv")


@pytest.fixture(scope="module")
def keyed(raw: pd.DataFrame) -> pd.DataFrame:
    x = raw[ITEMS].astype(float)
    x[REVERSED] = 8 - x[REVERSED]
    return x


def _ref_table(block: str, table: str) -> pd.DataFrame:
    t = pd.DataFrame(REF[block][table]).T.astype(float)
    t.index = [i.rstrip("-") for i in t.index]
    return t


# ------------------------------------------------------------------ instrument on disk
YAML = """\
id: oracle-six
version: 1.0.0
title: {{en: Oracle six, nl: Orakel zes}}
construct: test scale matching tests/oracle/reliability_items.csv
response_scale: {{min: 1, max: 7}}
subscales:
  scale: {{items: [i1, i2, i3, i4, i5, i6], method: mean}}
{extra_subscales}items:
{items}provenance: {{authors: tests, licence: CC0}}
"""


def _write_instrument(path: Path, extra: str = "", extra_items: tuple[str, ...] = ()) -> Path:
    lines = ""
    for item in [*ITEMS, *extra_items]:
        rev = "true" if item in REVERSED else "false"
        lines += f"  - {{id: {item}, reverse: {rev}, text: {{en: '{item} en', nl: '{item} nl'}}}}\n"
    p = path / "oracle-six.yaml"
    p.write_text(YAML.format(extra_subscales=extra, items=lines))
    return p


@pytest.fixture
def instrument(tmp_path: Path) -> Path:
    return _write_instrument(tmp_path)


# ============================================================ core vs psych (oracle)
@pytest.mark.parametrize(
    ("use", "block"), [("pairwise", "alpha_pairwise"), ("listwise", "alpha_complete_cases")]
)
def test_alpha_total_matches_psych(keyed, use, block):
    a = pm.cronbach_alpha(keyed, use=use)
    ref = REF[block]["total"]
    pairs = {
        "alpha": "raw_alpha",
        "std_alpha": "std.alpha",
        "g6": "G6(smc)",
        "average_r": "average_r",
        "sn": "S/N",
        "ase": "ase",
        "mean": "mean",
        "sd": "sd",
        "median_r": "median_r",
    }
    for ours, theirs in pairs.items():
        assert a[ours] == pytest.approx(ref[theirs], abs=1e-9), ours
    feldt = REF[block]["feldt_ci95"]
    assert a["ci_low"] == pytest.approx(feldt["lower.ci"], abs=1e-9)
    assert a["ci_high"] == pytest.approx(feldt["upper.ci"], abs=1e-9)
    assert a["k"] == 6
    assert a["n"] == (300 if use == "pairwise" else REF["meta"]["n_complete_cases"])


@pytest.mark.parametrize(
    ("use", "block"), [("pairwise", "alpha_pairwise"), ("listwise", "alpha_complete_cases")]
)
def test_item_statistics_match_psych(keyed, use, block):
    st_ = pm.item_statistics(keyed, use=use)
    ref = _ref_table(block, "item_stats").loc[ITEMS]
    for ours, theirs in [
        ("n", "n"),
        ("raw_r", "raw.r"),
        ("std_r", "std.r"),
        ("r_cor", "r.cor"),
        ("r_drop", "r.drop"),
        ("mean", "mean"),
        ("sd", "sd"),
    ]:
        np.testing.assert_allclose(st_[ours], ref[theirs], atol=1e-9, err_msg=ours)
    drop = _ref_table(block, "alpha_if_item_dropped").loc[ITEMS]
    for ours, theirs in [
        ("alpha_if_deleted", "raw_alpha"),
        ("std_alpha_if_deleted", "std.alpha"),
        ("g6_if_deleted", "G6(smc)"),
        ("average_r_if_deleted", "average_r"),
        ("sn_if_deleted", "S/N"),
    ]:
        np.testing.assert_allclose(st_[ours], drop[theirs], atol=1e-9, err_msg=ours)


def test_alpha_if_deleted_function_matches_psych(keyed):
    out = pm.alpha_if_deleted(keyed)
    drop = _ref_table("alpha_pairwise", "alpha_if_item_dropped").loc[ITEMS]
    np.testing.assert_allclose(out["alpha"], drop["raw_alpha"], atol=1e-9)
    np.testing.assert_allclose(out["g6"], drop["G6(smc)"], atol=1e-9)


def test_alpha_matches_pingouin(keyed):
    complete = keyed.dropna()
    ref_alpha, ref_ci = pg.cronbach_alpha(data=complete, ci=0.95)
    a = pm.cronbach_alpha(complete, use="listwise")
    assert a["alpha"] == pytest.approx(ref_alpha, abs=1e-12)
    # pingouin rounds its interval to 3 decimals
    assert a["ci_low"] == pytest.approx(ref_ci[0], abs=5e-4 + 1e-12)
    assert a["ci_high"] == pytest.approx(ref_ci[1], abs=5e-4 + 1e-12)
    # pingouin's default nan_policy is pairwise covariances too
    ref_pw, _ = pg.cronbach_alpha(data=keyed)
    assert pm.cronbach_alpha(keyed)["alpha"] == pytest.approx(ref_pw, abs=1e-12)


@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_feldt_matches_pingouin_levels(keyed, level):
    complete = keyed.dropna()
    _, ref_ci = pg.cronbach_alpha(data=complete, ci=level)
    a = pm.cronbach_alpha(complete, ci=level)
    np.testing.assert_allclose([a["ci_low"], a["ci_high"]], ref_ci, atol=5e-4 + 1e-12)


def test_omega_matches_psych(keyed):
    ref = REF["omega"]
    om = pm.omega_total(keyed)
    assert om["omega_total"] == pytest.approx(ref["omega_tot"], abs=1e-6)
    assert om["std_alpha"] == pytest.approx(ref["alpha"], abs=1e-9)
    load = om["loadings"] * np.sign(om["loadings"].sum())
    np.testing.assert_allclose(load, pd.Series(ref["g_loadings"])[ITEMS], atol=1e-5)
    np.testing.assert_allclose(om["h2"], pd.Series(ref["h2"])[ITEMS], atol=1e-5)
    np.testing.assert_allclose(om["u2"], pd.Series(ref["u2"])[ITEMS], atol=1e-5)
    assert om["converged"] and not om["heywood"]


def test_omega_uses_pairwise_correlations(keyed):
    ref = np.array(REF["omega"]["correlation_matrix_pairwise"]["matrix"])
    np.testing.assert_allclose(keyed.corr().to_numpy(), ref, atol=1e-12)
    u2 = pm.minres_one_factor(ref)["u2"]
    assert 1 - u2.sum() / ref.sum() == pytest.approx(
        REF["omega"]["check_formula_omega_tot"], abs=1e-6
    )


def test_minres_recovers_exact_one_factor_loadings():
    lam = np.array([0.9, 0.75, 0.6, 0.45, 0.3])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    fit = pm.minres_one_factor(r)
    np.testing.assert_allclose(fit["loadings"], lam, atol=1e-8)
    assert fit["rmsr"] < 1e-10
    # omega of an exact congeneric model: (sum l)^2 / ((sum l)^2 + sum(1 - l^2))
    om = pm.omega_total(pd.DataFrame(_sample_from_corr(r, 4000, seed=2)))
    expect = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert om["omega_total"] == pytest.approx(expect, abs=0.02)


def _sample_from_corr(r: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, r.shape[0])) @ np.linalg.cholesky(r).T


def test_smc_matches_regression_r2():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((200, 4)) @ rng.standard_normal((4, 4))
    r = np.corrcoef(x, rowvar=False)
    # R^2 of regressing column 0 on the others (independent route: least squares)
    z = (x - x.mean(0)) / x.std(0)
    beta, *_ = np.linalg.lstsq(z[:, 1:], z[:, 0], rcond=None)
    resid = z[:, 0] - z[:, 1:] @ beta
    assert pm.smc(r)[0] == pytest.approx(1 - resid.var() / z[:, 0].var(), abs=1e-10)


# ============================================================ SEM and reliable change
def test_sem_hand_worked():
    assert pm.sem(10.0, 0.91) == pytest.approx(3.0)
    np.testing.assert_allclose(pm.sem(np.array([2.0, 4.0]), 0.75), [1.0, 2.0])
    with pytest.raises(InputError):
        pm.sem(1.0, 1.5)


def test_reliable_change_jacobson_truax_hand_worked():
    # SD 5, r .80: S_diff = sqrt(2) * 5 * sqrt(.2) = sqrt(10) = 3.16228
    out = pm.reliable_change([20, 20, 20, 20], [30, 22, 12, None], reliability=0.8, sd=5.0)
    s_diff = math.sqrt(10)
    np.testing.assert_allclose(out["s_diff"], s_diff)
    np.testing.assert_allclose(out["diff"].iloc[:3], [10, 2, -8])
    np.testing.assert_allclose(out["rci"].iloc[:3], np.array([10, 2, -8]) / s_diff)
    assert out["category"].tolist() == [
        "reliable improvement",
        "no reliable change",
        "reliable deterioration",
        "missing",
    ]
    lower = pm.reliable_change([20, 20], [30, 12], reliability=0.8, sd=5.0, higher_is_better=False)
    assert lower["category"].tolist() == ["reliable deterioration", "reliable improvement"]


def test_reliable_change_maassen_and_z():
    # SD1 3, SD2 4, r .75: S_diff = sqrt((9 + 16) * .25) = 2.5
    out = pm.reliable_change(
        [10, 10, 10], [15, 6, 5], reliability=0.75, sd=3.0, sd_t2=4.0, method="maassen"
    )
    np.testing.assert_allclose(out["s_diff"], 2.5)
    np.testing.assert_allclose(out["rci"], [2.0, -1.6, -2.0])
    assert out["category"].tolist() == [
        "reliable improvement",
        "no reliable change",
        "reliable deterioration",
    ]
    one_sided = pm.reliable_change(
        [10], [14.5], reliability=0.75, sd=3.0, sd_t2=4.0, method="maassen", z=1.645
    )
    assert one_sided["category"].iloc[0] == "reliable improvement"  # 1.8 > 1.645


def test_reliable_change_default_sd_is_pretest_sd_and_keeps_index():
    t1 = pd.Series([10.0, 12.0, 14.0, 16.0], index=list("abcd"))
    t2 = pd.Series([11.0, 12.0, 20.0, 16.0], index=list("abcd"))
    out = pm.reliable_change(t1, t2, reliability=0.9)
    sd1 = np.std([10, 12, 14, 16], ddof=1)
    np.testing.assert_allclose(out["s_diff"], sd1 * math.sqrt(2) * math.sqrt(0.1))
    assert list(out.index) == list("abcd")
    with pytest.raises(InputError):
        pm.reliable_change(t1, t2, reliability=None)
    with pytest.raises(InputError):
        pm.reliable_change(t1, t2, reliability=0.9, method="edwards")
    with pytest.raises(InputError):
        pm.reliable_change(t1, t2.iloc[:3], reliability=0.9)


# ============================================================ reliability() front end
def test_reliability_end_to_end_matches_psych(raw, instrument):
    res = ds.reliability(raw, instrument)
    row = res.scales.iloc[0]
    ref = REF["alpha_pairwise"]
    assert row["instrument"] == "oracle-six" and row["group"] == "all"
    assert row["alpha"] == pytest.approx(ref["total"]["raw_alpha"], abs=1e-9)
    assert row["std_alpha"] == pytest.approx(ref["total"]["std.alpha"], abs=1e-9)
    assert row["alpha_ci_low"] == pytest.approx(ref["feldt_ci95"]["lower.ci"], abs=1e-9)
    assert row["alpha_ci_high"] == pytest.approx(ref["feldt_ci95"]["upper.ci"], abs=1e-9)
    assert row["omega_total"] == pytest.approx(REF["omega"]["omega_tot"], abs=1e-6)
    assert row["mean"] == pytest.approx(ref["total"]["mean"], abs=1e-9)
    assert row["sd"] == pytest.approx(ref["total"]["sd"], abs=1e-9)
    assert row["sem"] == pytest.approx(
        ref["total"]["sd"] * math.sqrt(1 - ref["total"]["raw_alpha"]), abs=1e-9
    )
    items = res.items.set_index("item")
    stats_ref = _ref_table("alpha_pairwise", "item_stats").loc[ITEMS]
    np.testing.assert_allclose(items.loc[ITEMS, "r_drop"], stats_ref["r.drop"], atol=1e-9)
    assert items.loc[REVERSED, "reversed"].all() and not items.loc["i1", "reversed"]
    assert res.warnings == []


def test_reliability_listwise_matches_psych_complete_cases(raw, instrument):
    res = ds.reliability(raw, instrument, use="listwise")
    ref = REF["alpha_complete_cases"]["total"]
    assert res.scales["alpha"].iloc[0] == pytest.approx(ref["raw_alpha"], abs=1e-9)
    assert res.scales["n"].iloc[0] == REF["meta"]["n_complete_cases"]


def test_by_group_equals_subset(raw, instrument):
    data = raw.assign(role=np.where(raw["id"] % 3 == 0, "man", "woman"))
    res = ds.reliability(data, instrument, by="role")
    assert res.scales["group"].tolist() == ["all", "man", "woman"]
    for g in ("man", "woman"):
        sub = ds.reliability(data[data["role"] == g], instrument)
        got = res.scales[res.scales["group"] == g].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, sub.scales.drop(columns="group"), check_exact=False)
        got_items = res.items[res.items["group"] == g].drop(columns="group")
        pd.testing.assert_frame_equal(
            got_items.reset_index(drop=True), sub.items.drop(columns="group"), check_exact=False
        )


def test_long_format_gives_the_same_result(raw, instrument):
    long = raw.rename(columns={"id": "person"}).melt(
        id_vars="person", var_name="item", value_name="value"
    )
    wide_res = ds.reliability(raw, instrument)
    long_res = ds.reliability(long, instrument)
    assert long_res.scales["alpha"].iloc[0] == pytest.approx(wide_res.scales["alpha"].iloc[0])


def test_mapping_renames_columns(raw, instrument):
    data = raw.rename(columns={f"i{j}": f"Q{j}" for j in range(1, 7)})
    res = ds.reliability(data, instrument, mapping={f"Q{j}": f"i{j}" for j in range(1, 7)})
    ref = REF["alpha_pairwise"]["total"]["raw_alpha"]
    assert res.scales["alpha"].iloc[0] == pytest.approx(ref, abs=1e-9)


# ---------------------------------------------------------------- silent-error checks
def test_miskeyed_reversed_item_warns(raw, instrument):
    flipped = raw.copy()
    flipped["i3"] = 8 - flipped["i3"]  # already reversed in the export
    res = ds.reliability(flipped, instrument)
    hits = [w for w in res.warnings if "'i3'" in w]
    assert len(hits) == 1 and "reverse-keyed" in hits[0]
    assert res.items.set_index("item").loc["i3", "r_drop"] < 0
    assert not [w for w in res.warnings if "'i5'" in w or "'i1'" in w]


def test_unreversed_negative_item_warns(raw, instrument):
    flipped = raw.copy()
    flipped["i2"] = 8 - flipped["i2"]
    res = ds.reliability(flipped, instrument)
    assert len(res.warnings) == 1
    assert "'i2'" in res.warnings[0] and "should it be reverse-keyed" in res.warnings[0]


def test_shift_warning_for_zero_based_answers():
    rng = np.random.default_rng(0)
    inst = ds.load_instrument("felt-dependence")
    shifted = pd.DataFrame(rng.integers(0, 7, size=(50, 6)), columns=inst.item_ids)
    warns = pm.scale_shift_warnings(shifted, inst)
    assert len(warns) == 1 and "0-6" in warns[0] and "1-7" in warns[0]
    assert pm.scale_shift_warnings(shifted + 1, inst) == []
    up = pm.scale_shift_warnings(shifted + 2, inst)
    assert len(up) == 1 and "2-8" in up[0]
    # the whole scale shifted by one: reliability computed as given, every item named
    data = shifted.assign(person=[f"p{i}" for i in range(50)])
    res = ds.reliability(data, "felt-dependence")
    named = [w for w in res.warnings if "look shifted off the 1-7 scale" in w]
    assert len(named) == 6 and all("recode by adding 1" in w for w in named)
    assert {w.split(":")[0] for w in named} == {f"felt-dependence item {i}" for i in inst.item_ids}
    recoded = ds.reliability(data.assign(**{i: shifted[i] + 1 for i in inst.item_ids}), inst)
    assert res.scales["alpha"].iloc[0] == pytest.approx(recoded.scales["alpha"].iloc[0], abs=1e-12)
    with pytest.raises(InputError, match="shift"):  # scoring still refuses it
        ds.score(data, "felt-dependence")


def test_shift_warning_names_a_single_shifted_item():
    rng = np.random.default_rng(1)
    inst = ds.load_instrument("felt-dependence")
    data = pd.DataFrame(rng.integers(1, 8, size=(60, 6)), columns=inst.item_ids)
    data["fd2"] = rng.integers(0, 7, size=60)
    data.loc[0, "fd2"] = 0
    warns = pm.scale_shift_warnings(data, inst)
    assert len(warns) == 1 and "'fd2'" in warns[0] and "'fd1'" not in warns[0]
    res = ds.reliability(data.assign(person=range(60)), inst)
    shift = [w for w in res.warnings if "shifted" in w]
    assert shift == [
        "felt-dependence item fd2: answers 0-6 look shifted off the 1-7 scale (recode by "
        "adding 1); reliability computed as given, scores will be refused until recoded"
    ]


@pytest.mark.parametrize(
    ("fd2", "shifted", "refused"),
    [
        ([0, 3, 6, 2], True, False),  # 0-6 for 1-7
        ([2, 5, 8, 4], True, False),  # 2-8 for 1-7
        ([1, 7, 3, 4], False, False),  # on the scale
        ([0, 7, 3, 4], False, True),  # off the scale at both ends: no shift explains it
        ([0.5, 6, 3, 2], False, True),  # no answer at the shifted end (0)
    ],
)
def test_one_shift_detector_for_scoring_warnings_and_reliability(fd2, shifted, refused):
    from dyadscore.scoring import shift_hint

    inst = ds.load_instrument("felt-dependence")
    data = pd.DataFrame(
        {i: [1, 4, 7, 2] if k % 2 else [2, 5, 6, 1] for k, i in enumerate(inst.item_ids)}
    ).assign(fd2=fd2, person=list("abcd"))
    assert bool(shift_hint(np.array(fd2, dtype=float), 1, 7)) is shifted
    assert bool(pm.scale_shift_warnings(data, inst)) is shifted
    if refused:
        with pytest.raises(InputError, match="outside the response scale"):
            ds.reliability(data, inst)
        return
    warned = [w for w in ds.reliability(data, inst).warnings if "look shifted" in w]
    assert warned == ([warned[0]] if shifted else [])
    if shifted:
        assert warned[0].startswith("felt-dependence item fd2: answers ")
        with pytest.raises(InputError, match="outside the response scale"):
            ds.score(data, inst)  # scoring refuses it until recoded


def test_zero_variance_and_single_item_subscale_warn_not_crash(raw, tmp_path):
    extra = "  single: {items: [i7], method: mean}\n  pair: {items: [i1, i2], method: sum}\n"
    path = _write_instrument(tmp_path, extra=extra, extra_items=("i7",))
    data = raw.assign(i4=4, i7=raw["i1"])
    res = ds.reliability(data, path)
    scales = res.scales.set_index("subscale")
    assert scales.loc["scale", "k"] == 5 and np.isfinite(scales.loc["scale", "alpha"])
    # alpha without the constant item equals alpha on the other five items
    keyed = data[ITEMS].astype(float)
    keyed[REVERSED] = 8 - keyed[REVERSED]
    five = pm.cronbach_alpha(keyed.drop(columns="i4"))["alpha"]
    assert scales.loc["scale", "alpha"] == pytest.approx(five, abs=1e-12)
    assert np.isnan(scales.loc["single", "alpha"]) and np.isnan(scales.loc["single", "omega_total"])
    assert np.isfinite(scales.loc["pair", "alpha"]) and np.isnan(scales.loc["pair", "omega_total"])
    # sum subscale: mean/sd on the prorated-sum metric (2 x person mean)
    pair_sum = keyed[["i1", "i2"]].mean(axis=1) * 2
    assert scales.loc["pair", "sd"] == pytest.approx(pair_sum.std(), abs=1e-12)
    text = "\n".join(res.warnings)
    assert "'i4' has no variance" in text
    assert "single-item subscale" in text
    assert "omega needs 3+" in text
    json.dumps(res.to_dict())  # NaN -> null, serialisable
    assert "NA" in res.summary()


def test_bad_arguments_raise_input_error(raw, instrument):
    with pytest.raises(InputError, match="role"):
        ds.reliability(raw, instrument, by="role")
    with pytest.raises(InputError, match="use="):
        ds.reliability(raw, instrument, use="everything")
    with pytest.raises(InputError, match="not a number|numeric"):
        pm.cronbach_alpha(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]}))


def test_result_to_dict_and_summary(raw, instrument):
    data = raw.assign(role=np.where(raw["id"] % 2 == 0, "a", "b"))
    res = ds.reliability(data, instrument, by="role")
    d = json.loads(json.dumps(res.to_dict()))
    assert [s["group"] for s in d["scales"]] == ["all", "a", "b"]
    assert d["settings"] == {"use": "pairwise", "ci": 0.95, "by": "role"}
    assert d["provenance"][0]["instrument"] == "oracle-six"
    assert len(d["items"]) == 18
    text = res.summary(items=True)
    assert "oracle-six" in text and "i3-" in text


# ---------------------------------------------------------------- invariants
_matrices = arrays(
    np.float64,
    st.tuples(st.integers(8, 30), st.integers(3, 6)),
    elements=st.integers(1, 7).map(float),
)


def _usable(x: np.ndarray) -> bool:
    if np.any(x.std(axis=0) == 0):
        return False
    c = np.cov(x, rowvar=False)
    return c.sum() > 0.1 * np.trace(c) and np.linalg.cond(np.corrcoef(x, rowvar=False)) < 1e8


@settings(max_examples=40, deadline=None)
@given(x=_matrices, shift=st.floats(-10, 10), scale=st.floats(0.1, 10))
def test_alpha_invariances(x, shift, scale):
    assume(_usable(x))
    df = pd.DataFrame(x)
    base = pm.cronbach_alpha(df)
    shifted = pm.cronbach_alpha(df + shift)
    assert shifted["alpha"] == pytest.approx(base["alpha"], abs=1e-8)
    rescaled = df.copy()
    rescaled[0] = rescaled[0] * scale
    assert pm.cronbach_alpha(rescaled)["std_alpha"] == pytest.approx(base["std_alpha"], abs=1e-8)


@settings(max_examples=40, deadline=None)
@given(x=_matrices)
def test_drop_statistics_equal_direct_computation(x):
    assume(_usable(x))
    df = pd.DataFrame(x, columns=[f"c{j}" for j in range(x.shape[1])])
    st_ = pm.item_statistics(df)
    for col in df.columns:
        rest = df.drop(columns=col)
        if not _usable(rest.to_numpy()):
            continue
        direct = pm.cronbach_alpha(rest)
        assert st_.loc[col, "alpha_if_deleted"] == pytest.approx(direct["alpha"], abs=1e-8)
        assert st_.loc[col, "g6_if_deleted"] == pytest.approx(direct["g6"], abs=1e-8)
        # complete data: r.drop is the Pearson r of the item with the sum of the others
        r = np.corrcoef(df[col], rest.sum(axis=1))[0, 1]
        assert st_.loc[col, "r_drop"] == pytest.approx(r, abs=1e-8)


# ---------------------------------------------------------------- CLI
def test_cli_table_json_and_out(raw, instrument, tmp_path, capsys):
    csv = tmp_path / "items.csv"
    raw.assign(role=np.where(raw["id"] % 2 == 0, "a", "b")).to_csv(csv, index=False)
    assert main(["reliability", str(csv), "--instrument", str(instrument), "--by", "role"]) == 0
    out = capsys.readouterr().out
    assert "oracle-six" in out and "0.83" in out
    assert main(["reliability", str(csv), "-i", str(instrument), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["scales"][0]["alpha"] == pytest.approx(
        REF["alpha_pairwise"]["total"]["raw_alpha"], abs=1e-12
    )
    target = tmp_path / "rel.json"
    assert main(["reliability", str(csv), "-i", str(instrument), "--out", str(target)]) == 0
    assert json.loads(target.read_text())["warnings"] == []
    # refuses to overwrite without --force
    assert main(["reliability", str(csv), "-i", str(instrument), "--out", str(target)]) == 2
    args = ["reliability", str(csv), "-i", str(instrument), "--out", str(target), "--force"]
    assert main(args) == 0


def test_cli_bad_input_exits_2(raw, instrument, tmp_path, capsys):
    csv = tmp_path / "items.csv"
    raw.to_csv(csv, index=False)
    assert main(["reliability", str(csv), "-i", str(instrument), "--by", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope" in err


def test_tiny_group_gives_na_and_one_warning(raw, instrument):
    data = raw.assign(role=np.where(raw["id"] <= 2, "tiny", "rest"))
    res = ds.reliability(data, instrument, by="role")
    tiny = res.scales.set_index("group").loc["tiny"]
    assert tiny["n"] == 2 and np.isnan(tiny["alpha"]) and np.isnan(tiny["omega_total"])
    assert [w for w in res.warnings if "tiny" in w] == [
        "oracle-six/scale [role=tiny]: only 2 person(s) answered; reliability is NA"
    ]


def test_pooled_waves_are_flagged():
    items = ds.read_table(Path(__file__).resolve().parents[1] / "data/sample/couples_items.csv")
    pooled = ds.reliability(items, "felt-dependence")
    assert any("2 waves pooled" in w for w in pooled.warnings)
    by_wave = ds.reliability(items, "felt-dependence", by="wave")
    assert not any("pooled" in w for w in by_wave.warnings)
    assert {str(g) for g in by_wave.scales["group"]} == {"all", "1", "2"}


# ---------------------------------------------------------------- shifted items in reliability()
@pytest.mark.parametrize(
    ("item", "delta", "fix"), [("i3", -1, "adding 1"), ("i1", 1, "subtracting 1")]
)
def test_single_shifted_item_is_named_and_alpha_unchanged(raw, instrument, item, delta, fix):
    complete = raw.dropna(subset=[item])
    assert complete[item].min() == 1 and complete[item].max() == 7
    data = raw.assign(**{item: raw[item] + delta})  # i3 (reverse-keyed) as 0-6, i1 as 2-8
    res = ds.reliability(data, instrument)
    ref = ds.reliability(raw, instrument)
    lo, hi = 1 + delta, 7 + delta
    assert res.warnings == [
        f"oracle-six item {item}: answers {lo}-{hi} look shifted off the 1-7 scale (recode by "
        f"{fix}); reliability computed as given, scores will be refused until recoded"
    ]
    # (the scale's mean, SD and SEM are on the given metric: not compared)
    for col in ("alpha", "std_alpha", "alpha_ci_low", "alpha_ci_high"):
        assert res.scales[col].iloc[0] == pytest.approx(ref.scales[col].iloc[0], abs=1e-12)
    omega = res.scales["omega_total"].iloc[0]  # iterative minres: to its convergence
    assert omega == pytest.approx(ref.scales["omega_total"].iloc[0], abs=1e-9)
    got, want = res.items.set_index("item"), ref.items.set_index("item")
    np.testing.assert_allclose(got["r_drop"], want["r_drop"], atol=1e-12)
    # alpha as pingouin computes it on the recoded, keyed items
    keyed = raw[ITEMS].astype(float)
    keyed[REVERSED] = 8 - keyed[REVERSED]
    assert res.scales["alpha"].iloc[0] == pytest.approx(pg.cronbach_alpha(keyed)[0], abs=1e-12)
    # keyed as given: the shifted item's mean moves by the shift (reversed: the other way)
    moved = got.loc[item, "mean"] - want.loc[item, "mean"]
    assert moved == pytest.approx(-delta if item in REVERSED else delta, abs=1e-12)
    with pytest.raises(InputError, match=f"column '{item}'.*outside the response scale 1-7"):
        ds.score(data, instrument)  # scoring still refuses it


def test_off_scale_values_not_explained_by_a_shift_still_raise(raw, instrument):
    nine = raw.copy()
    nine.loc[3, "i2"] = 9
    with pytest.raises(InputError, match=r"value 9 is outside the response scale 1-7"):
        ds.reliability(nine, instrument)
    both = raw.assign(i3=raw["i3"] - 1)  # a shifted item does not excuse a 9 elsewhere
    both.loc[3, "i2"] = 9
    with pytest.raises(InputError, match="outside the response scale"):
        ds.reliability(both, instrument)
    with pytest.raises(InputError, match="outside the response scale"):  # shifted by two
        ds.reliability(raw.assign(i1=raw["i1"] - 2), instrument)


# ---------------------------------------------------------------- reliable change between waves
def _two_waves(raw: pd.DataFrame) -> pd.DataFrame:
    """10 persons at wave 1 (complete oracle rows 0-9) and 9 of them at wave 2 (rows 10-18)."""
    complete = raw.dropna().reset_index(drop=True)
    w1 = complete.iloc[:10].assign(person=[f"p{i}" for i in range(10)], wave=1)
    w2 = complete.iloc[10:19].assign(person=[f"p{i}" for i in range(9)], wave=2)
    return pd.concat([w1, w2], ignore_index=True).drop(columns="id")


def _keyed_mean(x: pd.DataFrame) -> pd.Series:
    k = x[ITEMS].astype(float)
    k[REVERSED] = 8 - k[REVERSED]
    return k.mean(axis=1)


def test_rci_between_waves_hand_worked(raw, instrument):
    data = _two_waves(raw)
    w1, w2 = data[data["wave"] == 1], data[data["wave"] == 2]
    k1 = w1[ITEMS].astype(float)
    k1[REVERSED] = 8 - k1[REVERSED]
    alpha = pg.cronbach_alpha(k1)[0]
    t1 = _keyed_mean(w1).to_numpy()
    t2 = np.append(_keyed_mean(w2).to_numpy(), np.nan)  # p9 has no wave 2
    sd1 = np.std(t1, ddof=1)
    s_diff = sd1 * math.sqrt(2) * math.sqrt(1 - alpha)
    rci = (t2 - t1) / s_diff

    out = pm.reliable_change_between_waves(data, instrument)
    assert out["person"].tolist() == [f"p{i}" for i in range(10)]
    assert (out["subscale"] == "scale").all() and (out["instrument"] == "oracle-six").all()
    np.testing.assert_allclose(out["alpha"], alpha, atol=1e-10)
    np.testing.assert_allclose(out["sd"], sd1, atol=1e-10)
    np.testing.assert_allclose(out["score_t1"], t1, atol=1e-10)
    np.testing.assert_allclose(out["score_t2"], t2, atol=1e-10)
    np.testing.assert_allclose(out["s_diff"], s_diff, atol=1e-10)
    np.testing.assert_allclose(out["rci"], rci, atol=1e-10)
    expected = np.select(
        [np.isnan(rci), rci > 1.96, rci < -1.96],
        ["missing", "reliable increase", "reliable decrease"],
        "no reliable change",
    )
    assert out["category"].tolist() == expected.tolist()
    assert out["category"].iloc[-1] == "missing"
    assert {"reliable increase", "reliable decrease"} & set(expected)  # the data show change

    # Maassen: the SD of both waves (all second-wave persons)
    sd2 = np.std(t2[:9], ddof=1)
    m = pm.reliable_change_between_waves(data, instrument, method="maassen", z=1.645)
    np.testing.assert_allclose(m["s_diff"], math.sqrt((sd1**2 + sd2**2) * (1 - alpha)), 1e-10)
    np.testing.assert_allclose(m["sd_t2"], sd2, atol=1e-10)
    assert (np.abs(m["rci"]) > 1.645).sum() == m["category"].str.startswith("reliable").sum()

    # text waves given as text; the waves in the other order swap t1 and t2
    text = data.assign(wave=data["wave"].map({1: "T1", 2: "T2"}))
    same = pm.reliable_change_between_waves(text, instrument, waves=("T1", "T2"))
    np.testing.assert_allclose(same["rci"], out["rci"])
    back = pm.reliable_change_between_waves(data, instrument, waves=["2", "1"])
    assert back["person"].tolist() == [f"p{i}" for i in range(9)] + ["p9"]


def test_rci_between_waves_by_role_equals_each_role_alone():
    items = ds.read_table(Path(__file__).resolve().parents[1] / "data/sample/couples_items.csv")
    insts = ["felt-dependence", "relationship-satisfaction"]
    out = pm.reliable_change_between_waves(items, insts, by="role")
    assert set(out["role"]) == {"man", "woman"}
    n_people = items["person"].nunique()
    assert len(out) == 2 * n_people
    for role in ("man", "woman"):
        alone = pm.reliable_change_between_waves(items[items["role"] == role], insts)
        got = out[out["role"] == role].drop(columns="role").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone, check_exact=False, rtol=1e-12)
        # alpha per role as pingouin computes it on the role's first-wave items
        inst = ds.load_instrument("felt-dependence")
        w1 = items[(items["role"] == role) & (items["wave"] == 1)]
        keyed = ds.keyed_items(w1, inst)[inst.subscales["felt_dependence"].items]
        alpha = got.loc[got["subscale"] == "felt_dependence", "alpha"].iloc[0]
        assert alpha == pytest.approx(pg.cronbach_alpha(keyed)[0], abs=1e-10)
    women = out[out["role"] == "woman"]["alpha"].iloc[0]
    men = out[out["role"] == "man"]["alpha"].iloc[0]
    assert women != men  # each role its own alpha
    summary = pm.reliable_change_summary(out)
    assert summary["n"].sum() == len(out)
    cats = [c for c in pm.CHANGE_CATEGORIES if c in summary.columns]
    assert (summary[cats].sum(axis=1) == summary["n"]).all()
    assert set(summary["role"]) == {"man", "woman"}


def test_rci_between_waves_bad_input(raw, instrument):
    data = _two_waves(raw)
    with pytest.raises(InputError, match="column 'wave' not found"):
        pm.reliable_change_between_waves(data.drop(columns="wave"), instrument)
    with pytest.raises(InputError, match="wave 3 not found; waves present: 1, 2"):
        pm.reliable_change_between_waves(data, instrument, waves=(1, 3))
    with pytest.raises(InputError, match="two different waves"):
        pm.reliable_change_between_waves(data, instrument, waves=(1, 1))
    with pytest.raises(InputError, match="'role' not found"):
        pm.reliable_change_between_waves(data, instrument, by="role")
    with pytest.raises(InputError, match="method="):
        pm.reliable_change_between_waves(data, instrument, method="edwards")
    # a group too small for alpha: rows 'not estimable', one warning, no crash
    tiny = data.assign(role=np.where(data["person"].isin(["p0", "p1"]), "tiny", "rest"))
    out = pm.reliable_change_between_waves(tiny, instrument, by="role")
    assert set(out.loc[out["role"] == "tiny", "category"]) == {"not estimable"}
    assert len(out.attrs["warnings"]) == 1 and "[role=tiny]" in out.attrs["warnings"][0]


def test_cli_change_summary_and_table(raw, instrument, tmp_path, capsys):
    csv = tmp_path / "waves.csv"
    data = _two_waves(raw)
    data.to_csv(csv, index=False)
    target = tmp_path / "rci.csv"
    args = ["reliability", str(csv), "-i", str(instrument), "--change", "-o", str(target)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Reliable change, wave 1 -> 2" in out and "missing" in out
    table = pd.read_csv(target)
    want = pm.reliable_change_between_waves(data, instrument)
    np.testing.assert_allclose(table["rci"], want["rci"])
    assert table["category"].tolist() == want["category"].tolist()
    assert main(args) == 2  # exists: refused without --force
    assert main([*args, "--force", "--waves", "2", "1"]) == 0
    assert len(pd.read_csv(target)) == 10


@pytest.mark.parametrize(
    ("drop", "extra", "needle"),
    [("wave", [], "'wave' not found"), (None, ["--waves", "1", "3"], "wave '3' not found")],
)
def test_cli_change_bad_input_exits_2(raw, instrument, tmp_path, capsys, drop, extra, needle):
    csv = tmp_path / "waves.csv"
    data = _two_waves(raw)
    (data.drop(columns=drop) if drop else data).to_csv(csv, index=False)
    target = tmp_path / "rci.csv"
    args = ["reliability", str(csv), "-i", str(instrument), "--change", "-o", str(target)]
    assert main([*args, *extra]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and needle in captured.err
    assert captured.out == ""
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oracle-six.yaml", "waves.csv"]


def test_rci_between_waves_long_format_and_other_person_column(raw, instrument):
    data = _two_waves(raw)
    wide = pm.reliable_change_between_waves(data, instrument)
    long = data.melt(id_vars=["person", "wave"], var_name="item", value_name="value")
    got = pm.reliable_change_between_waves(long, instrument).set_index("person")
    np.testing.assert_allclose(got.loc[wide["person"], "rci"], wide["rci"], atol=1e-12)
    renamed = pm.reliable_change_between_waves(data.rename(columns={"person": "id"}), instrument)
    np.testing.assert_allclose(renamed["rci"], wide["rci"], atol=1e-12)
