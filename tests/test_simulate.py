"""Simulation: known truth is recovered by independent estimators; deterministic under a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.instruments import list_instruments, load_instrument
from dyadscore.simulate import (
    CONSTRUCTS,
    PLANTED,
    Equation,
    LatentModel,
    paradox_model,
    simulate_dyads,
    simulate_items,
    simulate_paradox,
)

TMP_INSTRUMENT = """
id: tmp-five
version: 1.0.0
title: {en: Test scale, nl: Testschaal}
construct: test
response_scale: {min: 1, max: 5, labels: {en: {1: low, 5: high}, nl: {1: laag, 5: hoog}}}
subscales:
  warmth: {items: [w1, w2, w3, w4, w5], method: mean}
  whole: {items: [w1, w2, w3, w4, w5, c1, c2, c3], method: mean}
items:
  - {id: w1, text: {en: a, nl: a}}
  - {id: w2, text: {en: b, nl: b}, reverse: true}
  - {id: w3, text: {en: c, nl: c}}
  - {id: w4, text: {en: d, nl: d}, reverse: true}
  - {id: w5, text: {en: e, nl: e}}
  - {id: c1, text: {en: f, nl: f}}
  - {id: c2, text: {en: g, nl: g}}
  - {id: c3, text: {en: h, nl: h}, reverse: true}
provenance: {authors: tests, licence: CC0}
"""


def _wide(df: pd.DataFrame, col: str) -> np.ndarray:
    return df[col].to_numpy().reshape(-1, 2)


# ------------------------------------------------------------ simulate_dyads
def test_simulate_dyads_is_deterministic_under_seed():
    a = simulate_dyads(50, seed=11, missing=0.1)
    b = simulate_dyads(50, seed=11, missing=0.1)
    pd.testing.assert_frame_equal(a, b)
    c = simulate_dyads(50, seed=12)
    assert not np.allclose(a["x"], c["x"])


def test_simulate_dyads_shape_and_roles():
    df = simulate_dyads(20, seed=1)
    assert df.columns.tolist() == ["couple", "person", "role", "x", "y"]
    assert len(df) == 40 and df["couple"].value_counts().eq(2).all()
    assert df["role"].tolist()[:2] == ["woman", "man"]
    ind = simulate_dyads(20, roles=None, seed=1)
    assert "role" not in ind.columns


def test_simulate_dyads_recovers_truth_with_per_role_ols():
    # independent estimator: statsmodels OLS per role on a large sample
    df = simulate_dyads(20000, actor={"woman": 0.4, "man": 0.2}, partner=(0.1, 0.3), seed=3)
    x, y = _wide(df, "x"), _wide(df, "y")
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] == pytest.approx(0.3, abs=0.02)
    assert y.var(axis=0, ddof=1) == pytest.approx([1, 1], abs=0.03)
    for k, (a, p) in enumerate([(0.4, 0.1), (0.2, 0.3)]):
        fit = sm.OLS(y[:, k], sm.add_constant(np.column_stack([x[:, k], x[:, 1 - k]]))).fit()
        assert fit.params[1:] == pytest.approx([a, p], abs=0.02)
    # residual correlation of the true errors
    e = y - np.array([0.4, 0.2]) * x - np.array([0.1, 0.3]) * x[:, ::-1]
    assert np.corrcoef(e.T)[0, 1] == pytest.approx(0.3, abs=0.02)
    assert df.attrs["truth"]["partner"] == {"woman": 0.1, "man": 0.3}


def test_simulate_dyads_two_waves_residualised_change():
    df = simulate_dyads(20000, actor=0.3, partner=0.1, waves=2, stability=0.5, seed=4)
    y1, y2, x1 = _wide(df, "y_w1"), _wide(df, "y_w2"), _wide(df, "x_w1")
    X = np.column_stack([y1.ravel(), x1.ravel(), x1[:, ::-1].ravel()])
    fit = sm.OLS(y2.ravel(), sm.add_constant(X)).fit()
    assert fit.params[1:] == pytest.approx([0.5, 0.3, 0.1], abs=0.02)
    assert df[["x_w2", "y_w2"]].var().to_numpy() == pytest.approx([1, 1], abs=0.03)


def test_simulate_dyads_missing_share():
    df = simulate_dyads(5000, missing=0.2, seed=5)
    assert df["y"].isna().mean() == pytest.approx(0.2, abs=0.02)
    assert df["x"].notna().all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"r_x": 1.0},
        {"r_e": -1.5},
        {"actor": {"woman": 0.3, "man": 0.2}, "roles": None},
        {"actor": 0.9, "partner": 0.5},
        {"waves": 3},
        {"missing": 1.0},
        {"actor": (0.1, 0.2, 0.3)},
    ],
)
def test_simulate_dyads_bad_arguments_raise_one_line(kwargs):
    with pytest.raises(InputError) as err:
        simulate_dyads(10, **kwargs)
    assert "\n" not in str(err.value)


def test_simulate_dyads_needs_enough_couples():
    with pytest.raises(InputError, match="2 couples"):
        simulate_dyads(2)


# --------------------------------------------------------------- LatentModel
def test_latent_model_unit_variances_and_implied_match_regression():
    m = paradox_model()
    assert np.allclose(np.diag(m.cov()), 1.0)
    # implied coefficients against OLS on a large pooled sample (statsmodels)
    rng = np.random.default_rng(6)
    names = ["goal_progress_w2", "acceptance_given_w1", "goal_progress_w1"]
    vals = m.sample_columns(names, 40000, rng)  # (n, 2, 3)
    y = vals[:, :, 0].ravel()
    own = vals[:, :, 1:].reshape(-1, 2)
    par = vals[:, ::-1, 1:].reshape(-1, 2)
    fit = sm.OLS(y, sm.add_constant(np.column_stack([own, par]))).fit()
    imp = m.implied(names[0], names[1:], names[1:])
    expect = [imp[f"actor:{v}"] for v in names[1:]] + [imp[f"partner:{v}"] for v in names[1:]]
    assert fit.params[1:] == pytest.approx(expect, abs=0.015)


def test_latent_model_sample_matches_population_covariance():
    m = LatentModel(
        [Equation("x", r=0.3), Equation("y", own={"x": 0.5}, partner={"x": 0.2}, r=-0.2)]
    )
    vals = m.sample(50000, np.random.default_rng(7))  # (n, 2, 2)
    emp = np.cov(vals.reshape(-1, 4), rowvar=False)  # order x1, y1, x2, y2
    pop = m.cov()[np.ix_([0, 2, 1, 3], [0, 2, 1, 3])]  # x1 y1 x2 y2
    assert emp == pytest.approx(pop, abs=0.02)


def test_latent_model_rejects_bad_structures():
    with pytest.raises(InputError, match="not defined before"):
        LatentModel([Equation("y", own={"x": 0.5}), Equation("x")])
    with pytest.raises(InputError, match="explain"):
        LatentModel([Equation("x"), Equation("y", own={"x": 1.2})])


# ----------------------------------------------------------- simulate_paradox
def test_simulate_paradox_shape_determinism_and_dropout():
    a = simulate_paradox(100, seed=8, dropout=0.1)
    b = simulate_paradox(100, seed=8, dropout=0.1)
    pd.testing.assert_frame_equal(a, b)
    assert a.columns.tolist() == ["person", "couple", "role", "wave", *CONSTRUCTS]
    assert (a["wave"] == 1).sum() == 200
    assert 0 < 200 - (a["wave"] == 2).sum() < 40
    assert a.attrs["truth"]["planted"] == PLANTED


def test_simulate_paradox_null_effects():
    df = simulate_paradox(10, effects=0, seed=1)
    assert set(df.attrs["truth"]["planted"].values()) == {0.0}
    with pytest.raises(InputError, match="unknown planted effect"):
        simulate_paradox(10, effects={"h9": 0.2})


def test_simulate_paradox_latent_correlations_follow_model():
    df = simulate_paradox(20000, seed=9)
    w1 = df[df["wave"] == 1]
    m = paradox_model()
    i, j = m.index["perceived_acceptance_w1"], m.index["self_sufficiency_w1"]
    pop = m.cov()[2 * i, 2 * j]
    assert np.corrcoef(w1["perceived_acceptance"], w1["self_sufficiency"])[0, 1] == pytest.approx(
        pop, abs=0.02
    )


# ------------------------------------------------------------ simulate_items
@pytest.fixture(scope="module")
def tmp_instrument(tmp_path_factory):
    path = tmp_path_factory.mktemp("inst") / "tmp-five.yaml"
    path.write_text(TMP_INSTRUMENT, encoding="utf-8")
    return load_instrument(path)


def _keyed(items: pd.DataFrame, inst, sub: str) -> pd.DataFrame:
    cols = inst.subscales[sub].items
    X = items[cols].astype(float)
    rev = [c for c in cols if c in inst.reverse_items]
    X[rev] = inst.scale_min + inst.scale_max - X[rev]
    return X


@pytest.mark.parametrize("target", [0.7, 0.85])
def test_simulate_items_reliability_and_latent_order(tmp_instrument, target):
    rng = np.random.default_rng(10)
    lat = pd.DataFrame({"person": range(3000), "warmth": rng.standard_normal(3000)})
    lat["whole"] = 0.6 * lat["warmth"] + 0.8 * rng.standard_normal(3000)
    items = simulate_items(lat, tmp_instrument, reliability=target, seed=1)
    assert items.columns.tolist()[0] == "person"
    X = _keyed(items, tmp_instrument, "warmth")
    alpha = pg.cronbach_alpha(data=X)[0]
    assert alpha == pytest.approx(target, abs=0.05)
    assert np.corrcoef(X.mean(axis=1), lat["warmth"])[0, 1] > 0.8
    # reverse-keyed raw answers run against the latent score
    assert np.corrcoef(items["w2"].astype(float), lat["warmth"])[0, 1] < -0.3
    # items only in `whole` follow the `whole` latent, not `warmth`
    c1 = items["c1"].astype(float)
    assert np.corrcoef(c1, lat["whole"])[0, 1] > np.corrcoef(c1, lat["warmth"])[0, 1]


@pytest.mark.skipif("acceptance-of-dependence" not in list_instruments(), reason="no instrument")
def test_simulate_items_shipped_instrument_recovers_latent():
    lat = simulate_paradox(1500, seed=12).query("wave == 1")
    inst = load_instrument("acceptance-of-dependence")
    items = simulate_items(lat, inst, reliability=0.8, seed=2)
    for sub in inst.subscales:
        X = _keyed(items, inst, sub)
        assert pg.cronbach_alpha(data=X)[0] == pytest.approx(0.8, abs=0.05)
        assert np.corrcoef(X.mean(axis=1), lat[sub])[0, 1] > 0.8


def test_simulate_items_missing_and_dropout(tmp_instrument):
    lat = pd.DataFrame(
        {"person": range(2000), "warmth": np.r_[np.nan, np.zeros(1999)], "whole": np.zeros(2000)}
    )
    items = simulate_items(lat, tmp_instrument, missing=0.1, seed=3)
    assert items.iloc[0, 1:6].isna().all()  # missing latent -> missing warmth items
    share = items.iloc[1:, 1:].isna().to_numpy().mean()
    assert share == pytest.approx(0.1, abs=0.01)


def test_simulate_items_errors(tmp_instrument):
    lat = pd.DataFrame({"warmth": [0.0, 1.0]})
    with pytest.raises(InputError, match="no column for item 'c1'"):
        simulate_items(lat, tmp_instrument)
    lat["whole"] = 0.0
    with pytest.raises(InputError, match="reliability"):
        simulate_items(lat, tmp_instrument, reliability=1.2)
    with pytest.raises(InputError, match="keep"):
        simulate_items(lat, tmp_instrument, keep=["nope"])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rel=st.floats(0.3, 0.95),
    shift=st.floats(-4, 4),
)
def test_simulate_items_always_on_scale(tmp_instrument, seed, rel, shift):
    rng = np.random.default_rng(seed)
    lat = pd.DataFrame(
        {"warmth": rng.standard_normal(30) * 3 + shift, "whole": rng.standard_normal(30)}
    )
    items = simulate_items(lat, tmp_instrument, reliability=rel, seed=seed)
    vals = items.to_numpy(dtype=float)
    assert np.all((vals >= 1) & (vals <= 5)) and np.all(vals == np.round(vals))


# ---------------------------------------------------------------------- CLI
def test_cli_simulate_writes_file(tmp_path, capsys):
    out = tmp_path / "sim.csv"
    assert main(["simulate", "--n", "30", "--seed", "1", "--out", str(out)]) == 0
    df = pd.read_csv(out)
    expect = simulate_dyads(30, seed=1)
    assert np.allclose(df["y"], expect["y"])
    assert "truth" in capsys.readouterr().err
    assert main(["simulate", "--n", "30", "--seed", "1", "--out", str(out)]) == 2  # exists
    assert main(["simulate", "--n", "30", "--r-x", "2", "--out", str(tmp_path / "b.csv")]) == 2
    assert not (tmp_path / "b.csv").exists()


def test_reliability_attenuates_observed_scores_and_dropout_empties_wave_two():
    df = simulate_paradox(
        20_000, seed=31, reliability={"perceived_acceptance": 0.7, "self_sufficiency": 0.8}
    )
    w1 = df[df["wave"] == 1]
    r = np.corrcoef(w1["perceived_acceptance"], w1["self_sufficiency"])[0, 1]
    # latent r = .30 (planted path); observed = .30 * sqrt(.7 * .8)
    assert r == pytest.approx(0.30 * np.sqrt(0.7 * 0.8), abs=0.02)
    assert w1["perceived_acceptance"].var() == pytest.approx(1, abs=0.03)
    assert df.attrs["truth"]["reliability"]["goal_progress"] == 1.0
    dy = simulate_dyads(4000, waves=2, dropout=0.25, seed=32)
    assert dy["y_w2"].isna().mean() == pytest.approx(0.25, abs=0.02)
    assert dy["y_w1"].notna().all()
    with pytest.raises(InputError, match="unknown construct 'nope'"):
        simulate_paradox(10, reliability={"nope": 0.8})
    with pytest.raises(InputError, match="needs two waves"):
        simulate_dyads(10, dropout=0.1)


# ------------------------------------------------------------ one number or a pair per role
def test_two_values_is_the_one_number_or_pair_reader():
    from dyadscore.simulate import per_role, two_values

    assert two_values(0.3, "actor").tolist() == [0.3, 0.3]
    assert two_values([0.2, 0.4], "actor").tolist() == [0.2, 0.4]
    assert two_values(np.array([0.2, 0.4]), "actor").tolist() == [0.2, 0.4]
    with pytest.raises(InputError, match=r"^actor \[0.1, 0.2, 0.3\]: expected one number or two"):
        two_values(np.array([0.1, 0.2, 0.3]), "actor")  # no numpy repr in the message
    with pytest.raises(InputError, match=r"^partner \['a', 1\]: expected a number$"):
        two_values(["a", 1], "partner")
    with pytest.raises(InputError, match=r"^actor 'x': expected a number$"):
        per_role("x", None, "actor")
    assert per_role((0.2, 0.4), ("woman", "man"), "actor").tolist() == [0.2, 0.4]
    with pytest.raises(InputError, match="different values per role need distinguishable"):
        per_role((0.2, 0.4), None, "actor")
