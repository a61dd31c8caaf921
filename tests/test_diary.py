"""The daily-diary APIM against nlme::lme (tests/oracle/diary, R 4.2.2, nlme 3.1-162)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore._diary import _gls_batch, prepare_diary
from dyadscore._lme import fit_lme
from dyadscore.errors import InputError

HERE = Path(__file__).parent / "oracle" / "diary"
J = json.loads((HERE / "diary_lapim.json").read_text())
CC = json.loads((HERE / "diary_crosscheck.json").read_text())
RAW = pd.read_csv(HERE / "diary_long.csv")
PREP = pd.read_csv(HERE / "diary_prepared.csv")

CALLS = {
    "dist_ri_reml": {"random": "intercept", "method": "REML"},
    "dist_ri_ml": {"random": "intercept", "method": "ML"},
    "dist_rs_reml": {"random": "slope", "method": "REML"},
    "indist_ri_reml": {"role": None, "person": "person", "method": "REML"},
    "indist_ri_ml": {"role": None, "person": "person", "method": "ML"},
}


@pytest.fixture(scope="module")
def fits():
    out = {}
    for name, kw in CALLS.items():
        args = {"x": "x", "y": "y", "dyad": "couple", "role": "role", "time": "day"}
        args.update(kw)
        out[name] = ds.diary_apim(RAW, test_distinguishability=False, **args)
    return out


def test_preparation_matches_r():
    prep, info, _ = prepare_diary(RAW, x="x", y="y")
    assert info["grand_mean"] == pytest.approx(J["meta"]["x_grand_mean"], abs=1e-13)
    for col in ["x_pm", "x_b", "x_w", "x_w_partner", "x_b_partner"]:
        np.testing.assert_allclose(prep[col], PREP[col], atol=1e-12, equal_nan=True)
    assert (prep["used"].to_numpy() == PREP["used_lapim"].to_numpy()).all()
    assert int(prep["used"].sum()) == J["meta"]["n_rows_used_lapim"]


def _vparams(res, indist):
    re, rs = res.random_effects, res.residual
    if indist:
        return {
            "sd_resid": next(iter(rs["sd_by_role"].values())),
            "resid_corr": rs["correlation"],
            "re_sd": re["sd"].iloc[0],
            "re_corr": re["corr"].iloc[0, 1],
        }
    out = {
        "sd_resid_female": rs["sd_by_role"]["female"],
        "sd_resid_male": rs["sd_by_role"]["male"],
        "resid_corr": rs["correlation"],
    }
    sd, corr = re["sd"].to_numpy(), re["corr"].to_numpy()
    for i, v in enumerate(sd):
        out[f"re_sd_{i + 1}"] = v
    k = 1
    for j in range(len(sd)):  # R's lower.tri order: column by column
        for i in range(j + 1, len(sd)):
            out[f"re_corr_{k}"] = corr[i, j]
            k += 1
    return out


@pytest.mark.parametrize("name", list(CALLS))
def test_block_matches_nlme(fits, name):
    res, blk = fits[name], J[name]
    e = res.effects
    assert list(e["term"]) == list(blk["fixed_effects"])
    fx = blk["fixed_effects"]
    np.testing.assert_allclose(e["estimate"], [v["est"] for v in fx.values()], atol=1e-5)
    np.testing.assert_allclose(e["se"], [v["se"] for v in fx.values()], atol=1e-5)
    np.testing.assert_allclose(e["statistic"], [v["t"] for v in fx.values()], rtol=2e-4)
    assert list(e["df"]) == [v["df"] for v in fx.values()]
    np.testing.assert_allclose(e["p"], [v["p"] for v in fx.values()], rtol=2e-3, atol=1e-300)
    ci = blk["ci95_fixed_t"]
    np.testing.assert_allclose(e["ci_low"], [v["lower"] for v in ci.values()], atol=2e-5)
    np.testing.assert_allclose(e["ci_high"], [v["upper"] for v in ci.values()], atol=2e-5)
    vc = np.array(blk["vcov_fixed"]["matrix"])
    np.testing.assert_allclose(res.vcov.to_numpy(), vc, atol=2e-6)
    f = res.fit
    assert f["loglik"] == pytest.approx(blk["logLik"], abs=1e-5)
    assert f["loglik"] >= blk["logLik"] - 1e-6
    assert f["df_loglik"] == blk["df_logLik"]
    assert f["nobs_loglik"] == blk["nobs_logLik"]
    assert f["aic"] == pytest.approx(blk["AIC"], abs=2e-5)
    assert f["bic"] == pytest.approx(blk["BIC"], abs=2e-5)
    assert f["n_obs"] == blk["n_obs"] and f["n_couples"] == blk["n_couples"]
    # variance parameters: 2e-4 vs nlme, 1e-6 vs the exact optimum
    re = res.random_effects
    np.testing.assert_allclose(re["sd"], list(blk["random_effects"]["sd"].values()), atol=2e-4)
    np.testing.assert_allclose(
        re["cov"], np.array(blk["random_effects"]["cov"]["matrix"]), atol=2e-4
    )
    rs = res.residual
    np.testing.assert_allclose(
        list(rs["sd_by_role"].values()), list(blk["residual"]["sd_by_role"].values()), atol=2e-4
    )
    assert rs["correlation"] == pytest.approx(blk["residual"]["correlation"], abs=2e-4)
    ref = CC[name]["refined"]
    mine = _vparams(res, name.startswith("indist"))
    for k, v in ref["variance_params_refined"].items():
        assert mine[k] == pytest.approx(v, abs=1e-6), k
    assert f["loglik"] == pytest.approx(ref["logLik_refined"], abs=1e-6)
    # BLUPs
    bl = pd.DataFrame(blk["ranef"])
    np.testing.assert_allclose(res.blups["couple"], bl["couple"])
    np.testing.assert_allclose(
        res.blups.iloc[:, 1:].to_numpy(), bl.iloc[:, 1:].to_numpy(), atol=2e-4
    )


def test_distinguishability_lr():
    res = ds.diary_apim(RAW, x="x", y="y", method="ML")
    t = J["distinguishability_test_ml"]
    d = res.distinguishability
    assert d["df"] == t["df"]
    assert d["chisq"] == pytest.approx(t["chisq"], abs=1e-4)
    assert d["p"] == pytest.approx(t["p"], rel=1e-3)
    assert d["loglik_indistinguishable"] == pytest.approx(t["logLik_restricted"], abs=1e-5)


def test_book_model_bolger_laurenceau():
    """Bolger & Laurenceau (2013) dmod1: corAR1 by row position within couple (engine)."""
    blk = J["book_bl2013"]
    db = PREP[PREP["used_book"]].sort_values(
        ["couple", "female", "day"], ascending=[True, False, True], kind="stable"
    )
    fe, ma = db["female"].to_numpy(float), db["male"].to_numpy(float)
    t7, xw, xb = db["time7c"].to_numpy(), db["x_w"].to_numpy(), db["x_b"].to_numpy()
    X = np.column_stack([ma, fe, ma * t7, fe * t7, ma * xw, fe * xw, ma * xb, fe * xb])
    Z = np.column_stack([ma, fe, ma * xw, fe * xw])
    codes, _ = pd.factorize(db["couple"], sort=True)
    fit = fit_lme(X, db["y"].to_numpy(), Z, codes, structure="ar1", reml=True, hetero=False)
    fx = blk["fixed_effects"]
    np.testing.assert_allclose(fit.beta, [v["est"] for v in fx.values()], atol=1e-5)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.vcov)), [v["se"] for v in fx.values()], atol=1e-5
    )
    assert fit.loglik == pytest.approx(blk["logLik"], abs=1e-5)
    assert fit.loglik == pytest.approx(CC["book_bl2013"]["refined"]["logLik_refined"], abs=1e-6)
    assert fit.p + fit.n_var == blk["df_logLik"]
    from dyadscore._lme import containment_df

    assert list(containment_df(X, codes)) == [v["df"] for v in fx.values()]
    ref = CC["book_bl2013"]["refined"]["variance_params_refined"]
    assert np.sqrt(fit.sigma2) == pytest.approx(ref["sd_resid"], abs=1e-6)
    assert fit.rho == pytest.approx(ref["phi"], abs=1e-6)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.D)), [ref[f"re_sd_{i}"] for i in range(1, 5)], atol=1e-6
    )
    np.testing.assert_allclose(fit.D, np.array(blk["random_effects"]["cov"]["matrix"]), atol=2e-4)


def test_role_labels_and_order_do_not_matter():
    """Relabelling roles / shuffling rows leaves the distinguishable fit unchanged."""
    base = ds.diary_apim(RAW, x="x", y="y", test_distinguishability=False)
    df = RAW.sample(frac=1, random_state=3).copy()
    df["role"] = df["role"].map({"female": "w", "male": "h"})
    df["couple"] = "c" + df["couple"].astype(str)
    res = ds.diary_apim(df, x="x", y="y", roles=["w", "h"], test_distinguishability=False)
    np.testing.assert_allclose(res.effects["estimate"], base.effects["estimate"], atol=1e-7)
    np.testing.assert_allclose(res.effects["se"], base.effects["se"], atol=1e-7)
    assert res.fit["loglik"] == pytest.approx(base.fit["loglik"], abs=1e-7)


def test_power_engine_equals_the_fit():
    """The vectorised GLS used for power equals diary_apim at the same variance parameters."""
    rng = np.random.default_rng(5)
    from dyadscore._diary import _DEFAULTS, _sim_arrays

    x, y, obs = _sim_arrays(rng, 1, 25, 8, _DEFAULTS, 0.15)
    C, T = 25, 8
    cc, dd, rr = np.meshgrid(np.arange(C), np.arange(T), [0, 1], indexing="ij")
    df = pd.DataFrame(
        {
            "couple": cc.ravel(),
            "role": np.array(["female", "male"])[rr.ravel()],
            "day": dd.ravel(),
            "x": np.where(obs, x, np.nan)[0].ravel(),
            "y": np.where(obs, y, np.nan)[0].ravel(),
        }
    )
    res = ds.diary_apim(df, x="x", y="y", test_distinguishability=False)
    s = res.residual["sd_by_role"]
    lam = s["male"] / s["female"]
    M = res.random_effects["cov"].to_numpy() / s["female"] ** 2
    b, se, dfv = _gls_batch(x, y, obs, lam, res.residual["correlation"], M)
    np.testing.assert_allclose(b[0], res.effects["estimate"], atol=1e-6)
    np.testing.assert_allclose(se[0], res.effects["se"], atol=1e-6)
    assert dfv[0] == res.effects["df"].iloc[0]


def test_power_recovers_effects_and_grows_with_n():
    tab = ds.power_diary(n_couples=[20, 80], n_days=14, n_reps=200, seed=2)
    aw = tab[tab["effect"] == "partner_within"]
    assert (aw.groupby("role")["power"].apply(lambda s: s.iloc[1] >= s.iloc[0])).all()
    np.testing.assert_allclose(tab["mean_estimate"], tab["true"], atol=0.02)
    # null effect: the type I error rate is close to alpha
    null = ds.power_diary(n_couples=[40], n_days=10, n_reps=600, seed=3, partner_within=0.0)
    rate = null[null["effect"] == "partner_within"]["power"]
    assert ((rate > 0.02) & (rate < 0.09)).all()


# ---------------------------------------------------------------------------- bad input
def _small():
    return ds.simulate_diary(n_couples=12, n_days=5, seed=7)


def test_duplicated_day():
    df = _small()
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(InputError, match="twice"):
        ds.diary_apim(df, x="x", y="y")


def test_time_not_numeric():
    df = _small()
    df["day"] = df["day"].astype(object)
    df.loc[5, "day"] = "monday"
    with pytest.raises(InputError, match=r"row 6, column 'day', value 'monday'"):
        ds.diary_apim(df, x="x", y="y")


def test_person_with_one_day_warns():
    df = _small()
    drop = (df["person"] == 11) & (df["day"] > 1)
    df.loc[drop, ["x", "y"]] = np.nan
    with pytest.warns(UserWarning, match="one day only"):
        res = ds.diary_apim(df, x="x", y="y", test_distinguishability=False)
    assert any("one day only" in w for w in res.warnings)


def test_partners_never_on_same_day_warns():
    df = _small()
    c1 = df["couple"] == 1
    df.loc[c1 & (df["role"] == "female") & (df["day"] % 2 == 0), ["x", "y"]] = np.nan
    df.loc[c1 & (df["role"] == "male") & (df["day"] % 2 == 1), ["x", "y"]] = np.nan
    with pytest.warns(UserWarning, match="never reported on the same day"):
        res = ds.diary_apim(df, x="x", y="y", test_distinguishability=False)
    assert res.fit["n_couples"] == 11


def test_too_few_couples():
    df = ds.simulate_diary(n_couples=3, n_days=10, seed=1)
    with pytest.raises(InputError, match="needs at least 4 couples"):
        ds.diary_apim(df, x="x", y="y")
    df = ds.simulate_diary(n_couples=8, n_days=10, seed=1)
    with pytest.raises(InputError, match="needs at least 11 couples"):
        ds.diary_apim(df, x="x", y="y", random="slope")


def test_indistinguishable_needs_person_and_bad_options():
    with pytest.raises(InputError, match="person column"):
        ds.diary_apim(_small(), x="x", y="y", role=None)
    with pytest.raises(InputError, match="expected REML or ML"):
        ds.diary_apim(_small(), x="x", y="y", method="OLS")
    with pytest.raises(InputError, match="predictor and the outcome"):
        ds.diary_apim(_small(), x="y", y="y")


def test_result_protocol():
    res = ds.diary_apim(_small(), x="x", y="y")
    assert repr(res).startswith("<DiaryAPIMResult")
    assert "Dagboek-APIM" in res.summary("nl")
    assert "<table" in res.to_html() and "actor_within" in res.to_html()
    with pytest.raises(InputError, match=r"value 'female': expected one of the roles w, m"):
        ds.diary_apim(_small(), x="x", y="y", roles=["w", "m"])
    d = json.loads(res.to_json())
    assert {"effects", "random_effects", "centring", "blups"} <= set(d)
    ci = res.conf_int(0.9)
    assert (ci["ci_low"] > res.effects["ci_low"]).all()
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert len(ax.lines) >= 4


# ---------------------------------------------------------------- short series, many missing days
EXTRA = Path(__file__).parent / "oracle" / "diary_extra"
XJ = json.loads((EXTRA / "extra_fits.json").read_text())
XCALLS = {
    "dist_ri_reml": {"random": "intercept", "method": "REML"},
    "dist_ri_ml": {"random": "intercept", "method": "ML"},
    "dist_rs_reml": {"random": "slope", "method": "REML"},
    "indist_ri_reml": {"role": None, "person": "person", "method": "REML"},
}


@pytest.mark.parametrize(
    "data_set,model",
    [(s, m) for s in sorted(k for k in XJ if k != "meta") for m in XCALLS if m in XJ[s]],
)
def test_short_series_many_missing_days_match_nlme(data_set, model):
    """Sets made by diary_extra/make_extra.py, fitted by nlme in diary_extra/fit_extra.R."""
    ref = XJ[data_set][model]
    raw = pd.read_csv(EXTRA / f"{data_set}.csv")
    res = ds.diary_apim(raw, x="x", y="y", test_distinguishability=False, **XCALLS[model])
    assert res.fit["converged"]
    assert res.fit["n_obs"] == ref["n_obs"]
    assert list(res.effects["term"]) == ref["terms"] or model.startswith("indist")
    assert list(res.effects["df"]) == ref["df"]
    # a correct optimiser reaches nlme's optimum (or a slightly higher likelihood)
    assert res.fit["loglik"] >= ref["logLik"] - 1e-6
    # our likelihood, recomputed densely (independently of the engine) at our estimates
    assert _dense_loglik(res) == pytest.approx(res.fit["loglik"], abs=1e-8)
    if res.fit["loglik"] > ref["logLik"] + 1e-4:  # nlme stopped short of the optimum
        return
    assert res.fit["loglik"] == pytest.approx(ref["logLik"], abs=1e-4)
    np.testing.assert_allclose(res.effects["estimate"], ref["est"], atol=1e-4)
    np.testing.assert_allclose(res.effects["se"], ref["se"], atol=1e-4)
    np.testing.assert_allclose(res.random_effects["cov"], np.array(ref["re_cov"]), atol=1e-3)
    np.testing.assert_allclose(
        list(res.residual["sd_by_role"].values()), ref["sd_by_role"], atol=1e-3
    )
    assert res.residual["correlation"] == pytest.approx(ref["rho"], abs=1e-3)


def _dense_loglik(res):
    """REML/ML log-likelihood with V_c = Z D Z' + R_c formed densely per couple."""
    u = res.data[res.data["used"]].sort_values("couple", kind="stable")
    terms = list(res.vcov.columns)
    roles = res.info["roles"]
    mem = u["member"].to_numpy()
    ind = [(mem == 0).astype(float), (mem == 1).astype(float)]
    cols = {
        "x_w": u["x_w"],
        "x_w_partner": u["x_w_partner"],
        "x_b": u["x_b"],
        "x_b_partner": u["x_b_partner"],
    }
    X = []
    for t in terms:
        if t == "(Intercept)":
            X.append(np.ones(len(u)))
        elif ":" in t:
            r, v = t.split(":")
            X.append(ind[roles.index(r[4:])] * cols[v].to_numpy())
        elif t.startswith("role"):
            X.append(ind[roles.index(t[4:])])
        else:
            X.append(cols[t].to_numpy())
    X = np.column_stack(X)
    Zn = list(res.random_effects["cov"].columns)
    Z = np.column_stack(
        [
            ind[k] * (u["x_w"].to_numpy() if ":" in z else 1.0)
            for k, z in zip([0, 1, 0, 1][: len(Zn)], Zn, strict=True)
        ]
    )
    D = res.random_effects["cov"].to_numpy()
    sd = np.array(list(res.residual["sd_by_role"].values()))[mem]
    rho = res.residual["correlation"]
    y = u["y"].to_numpy()
    day, cpl = u["day"].to_numpy(), u["couple"].to_numpy()
    XVX, XVy, yVy, ld = 0, 0, 0.0, 0.0
    for c in np.unique(cpl):
        i = np.flatnonzero(cpl == c)
        C = (day[i][:, None] == day[i][None, :]) * rho
        np.fill_diagonal(C, 1.0)
        V = C * np.outer(sd[i], sd[i]) + Z[i] @ D @ Z[i].T
        Vi = np.linalg.inv(V)
        XVX = XVX + X[i].T @ Vi @ X[i]
        XVy = XVy + X[i].T @ Vi @ y[i]
        yVy += y[i] @ Vi @ y[i]
        ld += np.linalg.slogdet(V)[1]
    b = np.linalg.solve(XVX, XVy)
    quad = yVy - XVy @ b
    n, p = X.shape
    if res.fit["method"] == "REML":
        return -0.5 * ((n - p) * np.log(2 * np.pi) + ld + quad + np.linalg.slogdet(XVX)[1])
    return -0.5 * (n * np.log(2 * np.pi) + ld + quad)


# ---------------------------------------------------------------------------- command line
def test_cli_diary(tmp_path, capsys):
    from dyadscore.cli import main

    out = tmp_path / "fit.json"
    rc = main(["diary", str(HERE / "diary_long.csv"), "--x", "x", "--y", "y", "--json", str(out)])
    assert rc == 0
    d = json.loads(out.read_text())
    est = [r["estimate"] for r in d["effects"]]
    np.testing.assert_allclose(
        est, [v["est"] for v in J["dist_ri_reml"]["fixed_effects"].values()], atol=1e-5
    )
    assert "Daily-diary APIM" in capsys.readouterr().out


def test_cli_diary_bad_input_one_line(tmp_path, capsys):
    from dyadscore.cli import main

    bad = tmp_path / "bad.csv"
    df = RAW.head(200).copy().astype({"day": object})
    df.loc[7, "day"] = "tuesday"
    df.to_csv(bad, index=False)
    before = bad.read_bytes()
    rc = main(["diary", str(bad), "--x", "x", "--y", "y", "--json", str(tmp_path / "o.json")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("dyadscore: error: ")
    assert "row 8, column 'day', value 'tuesday'" in err
    assert not (tmp_path / "o.json").exists() and bad.read_bytes() == before


@pytest.mark.parametrize("scale,shift,yshift", [(2.0, 5.0, 0.0), (0.5, -1.0, 3.0)])
def test_invariance_to_linear_recoding(scale, shift, yshift):
    """x -> a x + b rescales every x effect by 1/a (centring removes b); y + c moves only the
    intercepts; variance parameters and the log-likelihood of the ML fit do not change."""
    df = ds.simulate_diary(n_couples=25, n_days=6, p_missing=0.3, seed=11)
    base = ds.diary_apim(df, x="x", y="y", method="ML", test_distinguishability=False)
    df2 = df.assign(x=df["x"] * scale + shift, y=df["y"] + yshift)
    res = ds.diary_apim(df2, x="x", y="y", method="ML", test_distinguishability=False)
    slope = base.effects["effect"] != "intercept"
    np.testing.assert_allclose(
        res.effects.loc[slope, "estimate"], base.effects.loc[slope, "estimate"] / scale, atol=1e-6
    )
    np.testing.assert_allclose(
        res.effects.loc[slope, "se"], base.effects.loc[slope, "se"] / scale, atol=1e-6
    )
    np.testing.assert_allclose(
        res.effects.loc[~slope, "estimate"],
        base.effects.loc[~slope, "estimate"] + yshift,
        atol=1e-6,
    )
    np.testing.assert_allclose(res.random_effects["cov"], base.random_effects["cov"], atol=1e-6)
    assert res.residual["correlation"] == pytest.approx(base.residual["correlation"], abs=1e-6)
    assert res.fit["loglik"] == pytest.approx(base.fit["loglik"], abs=1e-6)


def test_book_model_public_function():
    """ds.diary_book_model on the raw file reproduces the book_bl2013 block."""
    blk = J["book_bl2013"]
    res = ds.diary_book_model(RAW, x="x", y="y")
    e, fx = res.effects, blk["fixed_effects"]
    assert list(e["term"]) == list(fx)
    np.testing.assert_allclose(e["estimate"], [v["est"] for v in fx.values()], atol=1e-5)
    np.testing.assert_allclose(e["se"], [v["se"] for v in fx.values()], atol=1e-5)
    assert list(e["df"]) == [v["df"] for v in fx.values()]
    f = res.fit
    assert f["loglik"] == pytest.approx(blk["logLik"], abs=1e-5)
    assert (f["df_loglik"], f["nobs_loglik"], f["n_obs"]) == (
        blk["df_logLik"],
        blk["nobs_logLik"],
        blk["n_obs"],
    )
    assert f["aic"] == pytest.approx(blk["AIC"], abs=2e-5) and f["bic"] == pytest.approx(
        blk["BIC"], abs=2e-5
    )
    np.testing.assert_allclose(
        res.random_effects["cov"], np.array(blk["random_effects"]["cov"]["matrix"]), atol=2e-4
    )
    assert res.residual["correlation"] == pytest.approx(blk["residual"]["correlation"], abs=2e-4)
    assert res.residual["sigma"] == pytest.approx(blk["residual"]["sigma"], abs=2e-4)
    bl = pd.DataFrame(blk["ranef"])
    np.testing.assert_allclose(
        res.blups.iloc[:, 1:].to_numpy(), bl.iloc[:, 1:].to_numpy(), atol=2e-4
    )


@pytest.mark.parametrize(
    "data_set,model",
    [(s, m) for s in sorted(k for k in XJ if k != "meta") for m in XCALLS if m not in XJ[s]],
)
def test_where_nlme_fails_we_fit_or_warn(data_set, model):
    """nlme stopped with an error on these (very short series, random slopes): we return a
    fit whose likelihood is verified densely, with a warning when not converged."""
    raw = pd.read_csv(EXTRA / f"{data_set}.csv")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ds.diary_apim(raw, x="x", y="y", test_distinguishability=False, **XCALLS[model])
    assert np.isfinite(res.fit["loglik"])
    if res.fit["converged"]:
        assert _dense_loglik(res) == pytest.approx(res.fit["loglik"], abs=1e-7)
    else:  # e.g. 4 days x 12 couples: random slopes not identified -> worded warning
        assert any("did not converge" in w for w in res.warnings)
