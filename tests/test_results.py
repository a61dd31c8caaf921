"""The shared helpers of results.py: the effects table and the declared to_dict/HTML fields.

References are independent of our code: statsmodels' OLS summary (t tests, confidence
intervals) and scipy's normal distribution (z tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dyadscore.results import Result, effects_lines, effects_table

COLUMNS = ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p"]


def _ols():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    X = sm.add_constant(rng.normal(size=(40, 2)))
    y = X @ [0.5, 0.3, -0.2] + rng.normal(size=40)
    return sm.OLS(y, X).fit()


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_t_table_equals_statsmodels(level):
    fit = _ols()
    tab = effects_table(fit.params, fit.bse, fit.df_resid, level=level)
    assert list(tab.columns) == COLUMNS
    ci = fit.conf_int(alpha=1 - level)
    np.testing.assert_allclose(tab["statistic"], fit.tvalues, rtol=1e-12)
    np.testing.assert_allclose(tab["p"], fit.pvalues, rtol=1e-10)
    np.testing.assert_allclose(tab["ci_low"], ci[:, 0], rtol=1e-12)
    np.testing.assert_allclose(tab["ci_high"], ci[:, 1], rtol=1e-12)
    assert (tab["df"] == fit.df_resid).all()


def test_z_table_without_df():
    est, se = np.array([1.0, -0.5, 0.0]), np.array([0.5, 0.25, 1.0])
    tab = effects_table(est, se, level=0.95)
    assert tab["df"].isna().all()
    np.testing.assert_allclose(tab["statistic"], [2.0, -2.0, 0.0])
    np.testing.assert_allclose(tab["p"], [0.0455002638963584, 0.0455002638963584, 1.0])
    np.testing.assert_allclose(tab["ci_high"] - est, stats.norm.ppf(0.975) * se)


def test_separate_interval_se_labels_and_extra_columns():
    tab = effects_table(
        [2.0],
        [1.0],
        np.array([10]),
        ci_se=[0.5],
        labels={"effect": ["actor"], "role": ["f"]},
        extra={"term": ["x"]},
    )
    assert list(tab.columns) == ["effect", "role", *COLUMNS, "term"]
    assert tab["ci_high"].iloc[0] == pytest.approx(2.0 + 0.5 * stats.t.ppf(0.975, 10))
    assert tab["p"].iloc[0] == pytest.approx(2 * stats.t.sf(2.0, 10))


def test_effects_lines_blank_role_and_readable_names():
    tab = effects_table(
        [0.5, 0.25], [0.1, 0.5], 30, labels={"effect": ["a", "b"], "role": [None, np.nan]}
    )
    lines = effects_lines(tab, "nl", names={"a": "actor"})
    assert lines[0].startswith("Effect") and "Rol" in lines[0]
    assert lines[1].startswith("actor ") and "0,500" in lines[1]
    assert lines[2].split()[:2] == ["b", "0,250"]  # no role text for None or NaN


@dataclass(repr=False)
class _Declared(Result):
    info: dict
    effects: pd.DataFrame
    vcov: pd.DataFrame

    _dict_fields = ("model=info", "effects", "vcov")
    _html_fields = ("coefficients=effects",)

    def summary(self, lang: str = "en") -> str:
        return "declared result"


def test_declared_fields_give_to_dict_and_html():
    eff = pd.DataFrame({"effect": ["a"], "estimate": [np.nan]})
    vc = pd.DataFrame([[1.0, 0.5], [0.5, 2.0]], index=["a", "b"], columns=["a", "b"])
    res = _Declared({"y": "y"}, eff, vc)
    d = res.to_dict()
    assert list(d) == ["model", "effects", "vcov"]
    assert d["effects"] == [{"effect": "a", "estimate": None}]
    assert d["vcov"] == {"names": ["a", "b"], "matrix": [[1.0, 0.5], [0.5, 2.0]]}
    assert json.loads(res.to_json()) == d
    assert "<h4>coefficients</h4>" in res.to_html()
