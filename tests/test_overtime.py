"""The over-time APIM against nlme::gls (tests/oracle/diary/overtime_apim.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore._overtime import prepare_overtime
from dyadscore.errors import InputError

HERE = Path(__file__).parent / "oracle" / "diary"
J = json.loads((HERE / "overtime_apim.json").read_text())
RAW = pd.read_csv(HERE / "overtime_long.csv")
PREP = pd.read_csv(HERE / "overtime_prepared.csv")


def test_preparation_matches_r():
    prep, roles = prepare_overtime(RAW, x="x", y="y", dyad="couple", role="role", wave="wave")
    assert roles == ["female", "male"]
    for col in ["y_lag", "y_lag_partner", "x_lag", "x_lag_partner"]:
        np.testing.assert_allclose(prep[col], PREP[col], equal_nan=True)
    assert (prep["used"].to_numpy() == PREP["used"].to_numpy()).all()


@pytest.mark.parametrize("block", ["reml", "ml"])
def test_matches_gls(block):
    blk = J[block]
    res = ds.overtime_apim(RAW, x="x", y="y", method=block.upper())
    e = res.effects
    fx = blk["fixed_effects"]
    assert list(e["term"]) == list(fx)
    np.testing.assert_allclose(e["estimate"], [v["est"] for v in fx.values()], rtol=1e-6)
    np.testing.assert_allclose(e["se"], [v["se"] for v in fx.values()], rtol=1e-6)
    np.testing.assert_allclose(e["statistic"], [v["t"] for v in fx.values()], rtol=1e-6)
    np.testing.assert_allclose(e["p"], [v["p"] for v in fx.values()], rtol=3e-4)
    assert list(e["df"]) == [v["df"] for v in fx.values()]
    ci = blk["ci95_coef_t"]
    np.testing.assert_allclose(e["ci_low"], [v["lower"] for v in ci.values()], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        e["ci_high"], [v["upper"] for v in ci.values()], rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        res.vcov.to_numpy(), np.array(blk["vcov"]["matrix"]), rtol=1e-5, atol=1e-10
    )
    f = res.fit
    assert f["loglik"] == pytest.approx(blk["logLik"], rel=1e-6)
    assert f["df_loglik"] == blk["df_logLik"] and f["nobs_loglik"] == blk["nobs_logLik"]
    assert f["aic"] == pytest.approx(blk["AIC"], rel=1e-6)
    assert f["bic"] == pytest.approx(blk["BIC"], rel=1e-6)
    assert f["n_obs"] == blk["n_obs"] and f["n_couples"] == blk["n_couples"]
    assert f["n_obs_by_role"] == blk["n_obs_by_role"]
    r = blk["residual"]
    for role in ("female", "male"):
        assert res.residual["sd_by_role"][role] == pytest.approx(r["sd_by_role"][role], rel=1e-5)
    assert res.residual["correlation"] == pytest.approx(r["correlation"], abs=1e-5)
    assert res.residual["covariance"] == pytest.approx(r["within_occasion_covariance"], rel=1e-5)


def test_result_protocol_and_bad_input():
    res = ds.overtime_apim(RAW, x="x", y="y")
    assert "stabiliteit" in res.summary("nl")
    assert json.loads(res.to_json())["fit"]["n_waves"] == 4
    two = RAW[RAW["wave"] <= 2]
    with pytest.raises(InputError, match="at least three"):
        ds.overtime_apim(two, x="x", y="y")
    dup = pd.concat([RAW, RAW.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="twice"):
        ds.overtime_apim(dup, x="x", y="y")
    bad = RAW.astype({"wave": object})
    bad.loc[2, "wave"] = "t2"
    with pytest.raises(InputError, match=r"row 3, column 'wave', value 't2'"):
        ds.overtime_apim(bad, x="x", y="y")
