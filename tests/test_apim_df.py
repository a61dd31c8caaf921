"""Small-sample degrees of freedom of the APIM's GLS t tests (issue 11).

Reference: ``emmeans`` (1.8.4) ``mode = "satterthwaite"`` on the ``nlme::gls`` fit, made by
``tests/fixtures/satterthwaite/make_reference.R`` on data written by ``make_data.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dyadscore import apim
from dyadscore._apim import _effects_table
from dyadscore._apim_design import _build_design
from dyadscore.apim_gls import _fit, _satterthwaite_df
from dyadscore.errors import InputError
from dyadscore.simulate import simulate_dyads

REF = Path(__file__).parent / "fixtures" / "satterthwaite"


@pytest.fixture(scope="module")
def reference():
    return json.loads((REF / "reference.json").read_text())


def test_satterthwaite_df_match_emmeans_distinguishable(reference):
    ref = reference["dist"]
    data = pd.read_csv(REF / "dist_n50.csv")
    res = apim(
        data,
        x="x",
        y="y",
        dyad="couple",
        role="role",
        roles=["woman", "man"],
        df_method="satterthwaite",
    )
    eff = res.effects
    assert eff["estimate"].to_numpy() == pytest.approx(ref["estimate"], abs=1e-6)
    assert eff["se"].to_numpy() == pytest.approx(ref["se"], rel=1e-4)
    # nlme's apVar is a finite-difference Hessian (relative step ~6e-6); the df agree to
    # within 1% (second role: 1e-4), far below what changes a p value at the 3rd decimal
    assert eff["df"].to_numpy() == pytest.approx(ref["df_satterthwaite"], rel=0.01)
    plain = apim(data, x="x", y="y", dyad="couple", role="role", roles=["woman", "man"])
    assert (plain.effects["df"] == ref["df_residual"]).all()
    # t tests and CIs use the new df
    row = eff.iloc[4]
    assert row["p"] == pytest.approx(2 * stats.t.sf(abs(row["statistic"]), row["df"]))
    crit = stats.t.ppf(0.975, row["df"])
    assert row["ci_high"] == pytest.approx(row["estimate"] + crit * row["se"])


def test_satterthwaite_df_match_emmeans_indistinguishable(reference):
    ref = reference["indist"]
    data = pd.read_csv(REF / "indist_n40.csv")
    eff = apim(data, x="x", y="y", dyad="couple", df_method="satterthwaite").effects
    assert eff["estimate"].to_numpy() == pytest.approx(ref["estimate"], abs=1e-6)
    assert eff["df"].to_numpy() == pytest.approx(ref["df_satterthwaite"], rel=1e-3)


def test_satterthwaite_with_complete_balanced_data_is_per_role():
    """Complete distinguishable dyads: GLS = per-role OLS, whose exact df are n - 3."""
    data = simulate_dyads(30, r_e=0.4, seed=3)
    eff = apim(data, x="x", y="y", dyad="couple", role="role", df_method="satterthwaite")
    # Satterthwaite approximates the exact per-role df (27) from the REML information
    assert np.all(np.abs(eff.effects["df"] - 27) < 3)


def test_df_method_errors():
    data = simulate_dyads(20, seed=1)
    with pytest.raises(InputError, match="df_method 'kr'"):
        apim(data, x="x", y="y", dyad="couple", role="role", df_method="kr")
    with pytest.raises(InputError, match="satterthwaite"):
        apim(
            data, x="x", y="y", dyad="couple", role="role", method="sem", df_method="satterthwaite"
        )


def _partner_p(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Partner-effect p values of both roles, residual and Satterthwaite df (apim's own code)."""
    design = _build_design(
        data,
        ["x"],
        "y",
        "couple",
        "role",
        person=None,
        roles=None,
        covariates=[],
        covariate_effects="actor_partner",
        moderator=None,
        moderator_level="actor",
        center=False,
        partner_suffix="_partner",
        drop_singles=False,
    )
    d = design.data()
    fit = _fit(d, hetero=True, corr=True, reml=True)
    eff, _ = _effects_table(design, fit, "REML", 0.95, np.full(fit.p, np.nan))
    sel = (eff["effect"] == "partner").to_numpy()
    t = np.abs(eff["statistic"].to_numpy()[sel])
    df_s = _satterthwaite_df(d, fit, True, "REML")[sel]
    return 2 * stats.t.sf(t, fit.n_obs - fit.p), 2 * stats.t.sf(t, df_s)


@pytest.mark.slow
def test_satterthwaite_type_one_error_near_nominal_small_sample():
    """n = 50 distinguishable couples, residual correlation .5, 10% missing outcomes, no
    partner effect: 1,500 data sets x 2 roles = 3,000 tests. With Satterthwaite df the
    partner-effect type-I error is within the 99% binomial band of .05, and never above the
    residual-df (N - p) rate, which is the liberal one."""
    rng = np.random.default_rng(2026)
    reps = 1500
    p_res, p_sat = [], []
    for _ in range(reps):
        data = simulate_dyads(50, actor=0.3, partner=0.0, r_e=0.5, missing=0.10, seed=rng)
        a, b = _partner_p(data)
        p_res.append(a)
        p_sat.append(b)
    p_res, p_sat = np.concatenate(p_res), np.concatenate(p_sat)
    n = p_sat.size
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 0.05) / n
    rate_sat, rate_res = float((p_sat < 0.05).mean()), float((p_res < 0.05).mean())
    assert lo <= rate_sat <= hi, (rate_sat, rate_res)
    assert rate_sat <= rate_res
