"""APIM engine against nlme::gls and lavaan fixtures, a dense-matrix GLS reference,
statsmodels, closed forms and simulation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import dyadscore as ds
from dyadscore import errors
from dyadscore._apim_design import _build_design
from dyadscore.apim_gls import _batch_fit
from dyadscore.cli import main
from dyadscore.errors import InputError, PairingError
from dyadscore.simulate import simulate_dyads

ORACLE = Path(__file__).parent / "oracle"
RTOL = 1e-6  # coefficients, SEs, statistics, log-likelihoods (issue #3)
VAR_ATOL = 1e-5  # variance parameters (nlme's optimiser accuracy)


def _load(name: str) -> dict:
    return json.loads((ORACLE / name).read_text())


@pytest.fixture(scope="module")
def dist_long() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "apim_dist_long.csv")


@pytest.fixture(scope="module")
def indist_long() -> pd.DataFrame:
    return pd.read_csv(ORACLE / "apim_indist_long.csv")


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def _check_p(ours: float, theirs: float) -> None:
    """p values compared on the log scale (README: tiny p values)."""
    assert _rel(math.log(ours), math.log(theirs)) < RTOL, (ours, theirs)


def _our_term(term: str) -> str:
    # R names x_partner; we build the partner column from x_actor -> "x_actor_partner"
    return term.replace("x_partner", "x_actor_partner")


# ------------------------------------------------------------------ nlme, distinguishable
@pytest.mark.parametrize("block", ["reml", "ml"])
def test_distinguishable_matches_nlme(dist_long: pd.DataFrame, block: str) -> None:
    fx = _load("apim_dist_gls.json")[block]
    res = ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role", method=block)
    eff = res.effects.set_index("term")
    assert res.fit["n_obs"] == fx["n_obs"] and res.fit["n_dyads"] == fx["n_dyads"]
    assert res.fit["n_coef"] == fx["n_coef"]
    for term, c in fx["coefficients"].items():
        row = eff.loc[_our_term(term)]
        assert _rel(row.estimate, c["estimate"]) < 1e-10
        assert _rel(row.se, c["se"]) < RTOL
        assert _rel(row.statistic, c["t"]) < RTOL
        assert row.df == fx["df_residual_for_t"]
        _check_p(row.p, c["p"])
        ci = fx["ci95_coef_t"][term]
        assert _rel(row.ci_low, ci["lower"]) < RTOL and _rel(row.ci_high, ci["upper"]) < RTOL
    names = [_our_term(t) for t in fx["vcov"]["names"]]
    np.testing.assert_allclose(
        res.vcov.loc[names, names].to_numpy(), fx["vcov"]["matrix"], rtol=RTOL
    )
    assert _rel(res.fit["loglik"], fx["logLik"]) < RTOL
    assert _rel(res.fit["aic"], fx["AIC"]) < RTOL
    assert _rel(res.fit["bic"], fx["BIC"]) < RTOL
    assert res.fit["df_loglik"] == fx["df_logLik"]
    for role, sd in fx["residual_sd_by_role"].items():
        assert abs(res.covariance["sd_by_role"][role] - sd) < VAR_ATOL
    assert abs(res.covariance["sigma"] - fx["sigma"]) < VAR_ATOL
    assert abs(res.covariance["variance_ratio_sd"] - fx["varIdent_ratios"]["male"]) < VAR_ATOL
    assert abs(res.covariance["correlation"] - fx["residual_correlation"]) < VAR_ATOL
    assert abs(res.covariance["covariance"] - fx["residual_covariance"]) < VAR_ATOL


@pytest.mark.parametrize("block", ["reml", "ml"])
def test_distinguishable_variance_closed_form(dist_long: pd.DataFrame, block: str) -> None:
    """Balanced SUR: the optimum is the closed form (far tighter than nlme's 1e-6)."""
    cf = _load("apim_dist_gls.json")["closed_form_check"][block]
    res = ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role", method=block)
    for role, sd in cf["residual_sd_by_role"].items():
        assert abs(res.covariance["sd_by_role"][role] - sd) < 1e-8
    assert abs(res.covariance["correlation"] - cf["residual_correlation"]) < 1e-8


def test_distinguishability_test_matches_nlme(dist_long: pd.DataFrame) -> None:
    fx = _load("apim_dist_gls.json")["distinguishability_test_ml"]
    for method in ("REML", "ML"):  # always computed from ML fits
        d = ds.apim(
            dist_long, x="x_actor", y="y", dyad="dyad", role="role", method=method
        ).distinguishability
        assert _rel(d["loglik_full"], fx["logLik_full"]) < RTOL
        assert _rel(d["loglik_restricted"], fx["logLik_restricted"]) < RTOL
        assert _rel(d["chisq"], fx["chisq"]) < RTOL
        assert d["df"] == fx["df"]
        _check_p(d["p"], fx["p"])


# ------------------------------------------------------------------ nlme, indistinguishable
@pytest.mark.parametrize("block", ["reml", "ml"])
def test_indistinguishable_matches_nlme(indist_long: pd.DataFrame, block: str) -> None:
    fx = _load("apim_indist_gls.json")[block]
    res = ds.apim(indist_long, x="x_actor", y="y", dyad="dyad", method=block)
    assert res.distinguishability is None
    eff = res.effects
    assert list(eff.effect) == ["intercept", "actor", "partner"]
    for (term, c), row in zip(fx["coefficients"].items(), eff.itertuples(), strict=True):
        assert _rel(row.estimate, c["estimate"]) < 1e-10
        assert _rel(row.se, c["se"]) < RTOL, term
        assert _rel(row.statistic, c["t"]) < RTOL
        _check_p(row.p, c["p"])
    # the small actor-partner covariance is a difference of large terms: absolute tolerance
    # scaled by the largest variance (nlme's rho is itself only accurate to ~1e-6)
    V = np.array(fx["vcov"]["matrix"])
    np.testing.assert_allclose(res.vcov.to_numpy(), V, rtol=RTOL, atol=RTOL * V.max())
    for key, ours in (("logLik", "loglik"), ("AIC", "aic"), ("BIC", "bic")):
        assert _rel(res.fit[ours], fx[key]) < RTOL
    assert abs(res.covariance["correlation"] - fx["rho"]) < VAR_ATOL
    assert abs(res.covariance["sigma"] - fx["sigma"]) < VAR_ATOL
    assert abs(res.k.k.iloc[0] - fx["k_partner_over_actor"]) < 1e-10
    cf = _load("apim_indist_gls.json")["closed_form_check"][block]
    assert abs(res.covariance["correlation"] - cf["rho"]) < 1e-8
    assert abs(res.covariance["sigma"] - cf["sigma"]) < 1e-8


# ------------------------------------------------------------------ lavaan (SEM conventions)
LAVAAN_TERMS = {
    "a1": "rolefemale:x_actor",
    "a2": "rolemale:x_actor",
    "p12": "rolefemale:x_actor_partner",
    "p21": "rolemale:x_actor_partner",
}


@pytest.mark.parametrize("block", ["main", "fixed_x_true", "observed_information"])
def test_sem_matches_lavaan(dist_long: pd.DataFrame, block: str) -> None:
    fx = _load("apim_dist_lavaan.json")[block]
    res = ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role", method="sem")
    eff = res.effects.set_index("term")
    for label, term in LAVAAN_TERMS.items():
        c, row = fx["labeled"][label], eff.loc[term]
        assert _rel(row.estimate, c["est"]) < RTOL
        assert _rel(row.se, c["se"]) < RTOL
        assert _rel(row.statistic, c["z"]) < RTOL
        _check_p(row.p, c["p"])
        par = next(p for p in fx["parameters"] if p["label"] == label)
        assert _rel(row.ci_low, par["ci.lower"]) < RTOL
        assert _rel(row.beta, par["std.all"]) < RTOL  # standardised effect = lavaan std.all
    k = res.k.set_index("role")
    for label, role in (("k1", "female"), ("k2", "male")):
        c = fx["labeled"][label]
        assert _rel(k.loc[role, "k"], c["est"]) < RTOL
        assert _rel(k.loc[role, "se"], c["se"]) < RTOL  # delta method
    if block == "fixed_x_true":
        assert _rel(res.fit["loglik"], fx["fit_measures"]["logl"]) < 1e-9


def test_equal_actor_partner_chisq_matches_lavaan(dist_long: pd.DataFrame) -> None:
    fm = _load("apim_dist_lavaan.json")["equal_actor_partner"]["fit_measures"]
    res = ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role")
    eq = res.distinguishability["equal_effects"]
    assert _rel(eq["chisq"], fm["chisq"]) < RTOL
    assert eq["df"] == fm["df"]
    assert _rel(eq["p"], fm["pvalue"]) < RTOL


# ------------------------------------------------------------------ dense reference
def _dense_reference(
    X: np.ndarray, y: np.ndarray, dyad: np.ndarray, role: np.ndarray, *, hetero: bool, reml: bool
) -> tuple[float, np.ndarray, float, float]:
    """Textbook GLS with the full N x N covariance, optimised by Nelder-Mead (slow, small N)."""
    N, p = X.shape
    same = dyad[:, None] == dyad[None, :]

    def negll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lam = math.exp(theta[0]) if hetero else 1.0
        rho = math.tanh(theta[-1])
        sd = np.where(role == 1, lam, 1.0)
        R = np.where(same, rho, 0.0) * np.outer(sd, sd)
        np.fill_diagonal(R, sd**2)
        Ri = np.linalg.inv(R)
        A = X.T @ Ri @ X
        beta = np.linalg.solve(A, X.T @ Ri @ y)
        r = y - X @ beta
        rss = r @ Ri @ r
        m = N - p if reml else N
        ll = -0.5 * m * (math.log(2 * math.pi) + 1 + math.log(rss / m))
        ll -= 0.5 * np.linalg.slogdet(R)[1]
        if reml:
            ll -= 0.5 * np.linalg.slogdet(A)[1]
        return -ll, beta

    x0 = np.zeros(2 if hetero else 1)
    opt = optimize.minimize(
        lambda t: negll(t)[0],
        x0,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
    )
    ll, beta = negll(opt.x)
    return -ll, beta, (math.exp(opt.x[0]) if hetero else 1.0), math.tanh(opt.x[-1])


def _sim(
    n: int, seed: int, *, rho: float = 0.3, lam: float = 1.3, a=(0.5, 0.4), p=(0.2, 0.3)
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal([3, 3], [[1, 0.4], [0.4, 1]], n)
    cov = np.array([[1, rho * lam], [rho * lam, lam**2]])
    e = rng.multivariate_normal([0, 0], cov, n)
    y = np.column_stack([1 + a[0] * x[:, 0] + p[0] * x[:, 1], 2 + a[1] * x[:, 1] + p[1] * x[:, 0]])
    c = rng.normal(size=(n, 2))
    return pd.DataFrame(
        {
            "couple": np.repeat(np.arange(100, 100 + n), 2),
            "gender": ["w", "m"][::-1] * n,  # 'm' row first: role order must not matter
            "x": x[:, ::-1].ravel(),
            "y": (y + e)[:, ::-1].ravel(),
            "age": c.ravel(),
            "mod": rng.normal(size=2 * n),
        }
    )


def _design_arrays(df: pd.DataFrame, role: str | None, **kw) -> tuple:
    """Stack the design of the analysed rows (first members then second) for the reference."""
    design = _build_design(
        df,
        ["x"],
        "y",
        "couple",
        role,
        person=None,
        roles=None,
        covariates=kw.get("covariates", []),
        covariate_effects=kw.get("cov_eff", "actor_partner"),
        moderator=kw.get("moderator"),
        moderator_level=kw.get("level", "actor"),
        center=kw.get("center", False),
        partner_suffix="_partner",
        drop_singles=False,
    )
    m = design.Za.shape[0]
    Z = np.vstack([design.Za[design.ok_a], design.Zb[design.ok_b]])
    dyad = np.concatenate([np.arange(m)[design.ok_a], np.arange(m)[design.ok_b]])
    role_code = np.concatenate([np.zeros(design.ok_a.sum()), np.ones(design.ok_b.sum())])
    return Z[:, :-1], Z[:, -1], dyad, role_code


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("role", ["gender", None])
def test_missing_outcome_and_covariates_match_dense_gls(method: str, role: str | None) -> None:
    df = _sim(40, 5)
    df.loc[[3, 10, 51], "y"] = np.nan  # three one-member (1 x 1) blocks
    df.loc[20, "x"] = np.nan  # drops person 20 and, via x_partner, the partner too
    res = ds.apim(
        df, x="x", y="y", dyad="couple", role=role, method=method, covariates="age", moderator="mod"
    )
    assert res.fit["n_obs"] == 80 - 3 - 2
    assert res.fit["n_complete_dyads"] == 40 - 3 - 1
    X, y, dyad, rc = _design_arrays(df, role, covariates=["age"], moderator="mod")
    ll, beta, lam, rho = _dense_reference(
        X, y, dyad, rc, hetero=role is not None, reml=method == "REML"
    )
    assert _rel(res.fit["loglik"], ll) < 1e-8
    np.testing.assert_allclose(res.effects.estimate, beta, rtol=1e-6, atol=1e-8)
    assert abs(res.covariance["correlation"] - rho) < 1e-6
    assert abs(res.covariance["variance_ratio_sd"] - lam) < 1e-6


def test_standard_errors_match_statsmodels_gls() -> None:
    sm = pytest.importorskip("statsmodels.api")
    df = _sim(60, 8)
    df.loc[[7, 30], "y"] = np.nan
    res = ds.apim(
        df, x="x", y="y", dyad="couple", role="gender", covariates="age", covariate_effects="as_is"
    )
    X, y, dyad, rc = _design_arrays(df, "gender", covariates=["age"], cov_eff="as_is")
    lam, rho = res.covariance["variance_ratio_sd"], res.covariance["correlation"]
    sd = np.where(rc == 1, lam, 1.0)
    R = np.where(dyad[:, None] == dyad[None, :], rho, 0.0) * np.outer(sd, sd)
    np.fill_diagonal(R, sd**2)
    ref = sm.GLS(y, X, sigma=R).fit()  # scale = RSS/(N - p): the REML convention
    np.testing.assert_allclose(res.effects.estimate, ref.params, rtol=1e-9)
    np.testing.assert_allclose(res.effects.se, ref.bse, rtol=1e-9)
    np.testing.assert_allclose(res.effects.p, ref.pvalues, rtol=1e-7)


# ------------------------------------------------------------------ invariance
def test_row_order_and_member_order_do_not_matter() -> None:
    df = _sim(50, 11)
    df.loc[[4, 9], "y"] = np.nan
    rng = np.random.default_rng(0)
    shuffled = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    for role in ("gender", None):
        a = ds.apim(df, x="x", y="y", dyad="couple", role=role, covariates="age")
        b = ds.apim(shuffled, x="x", y="y", dyad="couple", role=role, covariates="age")
        cols = ["estimate", "se", "statistic", "p", "beta"]
        np.testing.assert_allclose(a.effects[cols], b.effects[cols], rtol=1e-9, atol=1e-12)
        assert _rel(a.fit["loglik"], b.fit["loglik"]) < 1e-12
        assert abs(a.covariance["correlation"] - b.covariance["correlation"]) < 1e-9


def test_indistinguishable_labels_arbitrary(indist_long: pd.DataFrame) -> None:
    # without a person id, member order = row order: reverse it within every dyad (the
    # person column is dropped, else it would be detected and order the members itself)
    flipped = indist_long.sort_values(["dyad", "person"], ascending=[True, False])
    a = ds.apim(indist_long.drop(columns="person"), x="x_actor", y="y", dyad="dyad")
    b = ds.apim(flipped.drop(columns="person"), x="x_actor", y="y", dyad="dyad")
    np.testing.assert_allclose(a.effects.estimate, b.effects.estimate, rtol=1e-10)
    np.testing.assert_allclose(a.effects.se, b.effects.se, rtol=1e-9)
    # the detected person column (member numbers 1/2 here) changes nothing either
    c = ds.apim(flipped, x="x_actor", y="y", dyad="dyad")
    np.testing.assert_allclose(a.effects.estimate, c.effects.estimate, rtol=1e-10)
    np.testing.assert_allclose(a.effects.se, c.effects.se, rtol=1e-9)


def test_dyad_defaults_to_couple_and_old_import_path_works() -> None:
    from dyadscore.apim_gls import apim as old_path

    df = _sim(40, 3)
    a = ds.apim(df, x="x", y="y", role="gender")
    b = old_path(df, x="x", y="y", dyad="couple", role="gender")
    pd.testing.assert_frame_equal(a.effects, b.effects)
    assert old_path is ds.apim


def test_option_errors_come_before_the_fit(dist_long: pd.DataFrame) -> None:
    """df_method is checked with the other options (an impossible pairing is not reached)."""
    bad = dist_long.assign(dyad=1)  # one dyad of 2n members: a PairingError if fitted
    with pytest.raises(InputError, match="df_method 'satterthwaite'.*REML or ML"):
        ds.apim(bad, x="x_actor", y="y", dyad="dyad", method="sem", df_method="satterthwaite")


# ------------------------------------------------------------------ hand-worked cases
def test_indistinguishable_sum_difference_closed_form() -> None:
    """Exchangeable errors: sums and differences separate (README closed form)."""
    rng = np.random.default_rng(2)
    n = 12
    x = rng.normal(size=(n, 2))
    y = x @ np.array([[0.6, 0.1], [0.1, 0.6]]) + rng.normal(size=(n, 2))
    df = pd.DataFrame({"d": np.repeat(np.arange(n), 2), "x": x.ravel(), "y": y.ravel()})
    sx, sy, dx, dy = x.sum(1), y.sum(1), x[:, 0] - x[:, 1], y[:, 0] - y[:, 1]
    bs, rss_s = np.linalg.lstsq(np.column_stack([np.ones(n), sx]), sy, rcond=None)[:2]
    bd, rss_d = np.linalg.lstsq(dx[:, None], dy, rcond=None)[:2]
    for method, (ds_, dd) in (("ML", (n, n)), ("REML", (n - 2, n - 1))):
        res = ds.apim(df, x="x", y="y", dyad="d", method=method)
        a, p = (bs[1] + bd[0]) / 2, (bs[1] - bd[0]) / 2
        np.testing.assert_allclose(res.effects.estimate, [bs[0] / 2, a, p], rtol=1e-10)
        vs, vd = rss_s[0] / ds_, rss_d[0] / dd
        assert abs(res.covariance["sigma"] - math.sqrt((vs + vd) / 4)) < 1e-7
        assert abs(res.covariance["correlation"] - (vs - vd) / (vs + vd)) < 1e-7


def test_negative_icc_recovered() -> None:
    rng = np.random.default_rng(4)
    n = 400
    e = rng.multivariate_normal([0, 0], [[1, -0.5], [-0.5, 1]], n)
    x = rng.normal(size=(n, 2))
    df = pd.DataFrame({"d": np.repeat(np.arange(n), 2), "x": x.ravel(), "y": (0.3 * x + e).ravel()})
    res = ds.apim(df, x="x", y="y", dyad="d")
    assert -0.6 < res.covariance["correlation"] < -0.4
    assert res.nonindependence["p"] < 0.001


def test_standardised_effects_pooled_sd_indistinguishable() -> None:
    df = _sim(30, 3)
    res = ds.apim(df, x="x", y="y", dyad="couple")
    pw = ds.to_pairwise(df, "x", "couple")
    row = res.effects.set_index("effect")
    sd_y = df["y"].std(ddof=1)
    assert _rel(row.loc["actor", "beta"], row.loc["actor", "estimate"] * df.x.std() / sd_y) < 1e-12
    assert (
        _rel(row.loc["partner", "beta"], row.loc["partner", "estimate"] * pw.x_partner.std() / sd_y)
        < 1e-12
    )


def test_centering_changes_only_intercepts() -> None:
    df = _sim(30, 9)
    a = ds.apim(df, x="x", y="y", dyad="couple", role="gender")
    b = ds.apim(df, x="x", y="y", dyad="couple", role="gender", center=True)
    slopes = a.effects.effect != "intercept"
    np.testing.assert_allclose(a.effects.estimate[slopes], b.effects.estimate[slopes], rtol=1e-9)
    pred = b.effects.set_index(["effect", "role"]).estimate
    m = df.x.mean()
    expected = pred[("intercept", "w")] - m * (pred[("actor", "w")] + pred[("partner", "w")])
    assert (
        _rel(a.effects.set_index(["effect", "role"]).estimate[("intercept", "w")], expected) < 1e-8
    )


def test_moderation_terms_and_dyad_level_moderator() -> None:
    df = _sim(40, 12)
    res = ds.apim(df, x="x", y="y", dyad="couple", role="gender", moderator="mod")
    effects = set(res.effects.effect)
    assert {
        "moderator_actor",
        "moderator_partner",
        "actor_x_moderator",
        "partner_x_moderator",
    } <= effects
    df["years"] = np.repeat(np.arange(40) % 7, 2).astype(float)
    res2 = ds.apim(df, x="x", y="y", dyad="couple", moderator="years", moderator_level="partner")
    assert "moderator" in set(res2.effects.effect)
    assert "moderator_partner" not in set(res2.effects.effect)


# ------------------------------------------------------------------ k, bootstrap, patterns
def test_batch_refit_equals_weighted_per_role_ols() -> None:
    """Balanced distinguishable APIM: GLS = per-role OLS for any couple weights."""
    df = _sim(25, 6)
    design = _build_design(
        df,
        ["x"],
        "y",
        "couple",
        "gender",
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
    units, _ = design.unit_data()
    rng = np.random.default_rng(1)
    W = rng.multinomial(25, np.full(25, 1 / 25), size=3).astype(float)
    from dyadscore.apim_gls import _Data

    G = {k: np.einsum("bu,uij->bij", W, v) for k, v in units.G.items()}
    d = _Data(G, W @ units.n_pairs, W @ units.n_s1, W @ units.n_obs)
    beta = _batch_fit(d, (1.0, 0.0), hetero=True, corr=True, reml=True)
    for b in range(3):
        idx = np.repeat(np.arange(25), W[b].astype(int))
        for col, (Z, off) in enumerate(((design.Za, 0), (design.Zb, 1))):
            Xr = Z[idx][:, [off, 2 + off, 4 + off]]
            ref = np.linalg.lstsq(Xr, Z[idx][:, -1], rcond=None)[0]
            np.testing.assert_allclose(beta[b, [off, 2 + off, 4 + off]], ref, rtol=1e-8)
            assert col in (0, 1)


def test_bootstrap_k_ci_is_reproducible_and_covers_estimate() -> None:
    df = _sim(150, 21, a=(0.5, 0.5), p=(0.5, 0.5))
    r1 = ds.apim(df, x="x", y="y", dyad="couple", role="gender", bootstrap=300, seed=7)
    r2 = ds.apim(df, x="x", y="y", dyad="couple", role="gender", bootstrap=300, seed=7)
    pd.testing.assert_frame_equal(r1.k, r2.k)
    for row in r1.k.itertuples():
        assert row.n_boot == 300 and row.ci_low < row.k < row.ci_high
    assert r1.bootstrap_draws.shape == (300, 6)


def test_patterns() -> None:
    couple = ds.apim(
        _sim(600, 1, a=(0.5, 0.5), p=(0.5, 0.5)), x="x", y="y", dyad="couple", role="gender"
    )
    assert set(couple.pattern.pattern) == {"couple"}
    actor = ds.apim(
        _sim(600, 2, a=(0.5, 0.5), p=(0.0, 0.0)),
        x="x",
        y="y",
        dyad="couple",
        role="gender",
        bootstrap=200,
        seed=3,
    )
    assert set(actor.pattern.pattern) == {"actor-only"}
    assert actor.pattern.basis.str.contains("bootstrap").all()
    contrast = ds.apim(_sim(600, 3, a=(0.5, 0.5), p=(-0.5, -0.5)), x="x", y="y", dyad="couple")
    assert contrast.pattern.pattern.iloc[0] == "contrast"
    partner = ds.apim(_sim(600, 4, a=(0.0, 0.0), p=(0.5, 0.5)), x="x", y="y", dyad="couple")
    assert partner.pattern.pattern.iloc[0] == "partner-only"
    assert not partner.k.reported.iloc[0]
    assert "actor effect" in partner.k.note.iloc[0]
    tests = couple.pattern_tests
    assert set(tests.hypothesis) == {"p = 0", "a = p", "a = -p"}
    assert (tests[tests.role == "all"].df == 2).all()


# ------------------------------------------------------------------ result object
def test_summary_plot_and_json(dist_long: pd.DataFrame) -> None:
    res = ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role", bootstrap=50, seed=1)
    text = res.summary()
    assert "0.521" in text and "t(df)" in text and "k = partner / actor" in text
    blob = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert blob["fit"]["n_dyads"] == 150 and len(blob["effects"]) == 6
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "0.52***" in texts and "r = 0.31" in texts
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_summary_keeps_long_predictor_names_whole(dist_long: pd.DataFrame) -> None:
    long_name = "perceived_acceptance_of_dependence_w1"
    df = dist_long.rename(columns={"x_actor": long_name})
    lines = ds.apim(df, x=long_name, y="y", dyad="dyad", role="role").summary().splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Effect"))
    rows = lines[head + 1 : head + 7]
    assert sum(f"actor {long_name} " in r for r in rows) == 2
    assert sum(f"partner {long_name} " in r for r in rows) == 2
    # the estimate column stays aligned: every row (and the header) ends at the same place
    assert len({len(r) for r in [lines[head], *rows]}) == 1


def test_effects_columns(dist_long: pd.DataFrame) -> None:
    res = ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role")
    assert list(res.effects.columns)[:11] == [
        "effect",
        "predictor",
        "role",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "statistic",
        "df",
        "p",
        "beta",
    ]
    assert set(res.fit) >= {"loglik", "aic", "bic", "n_dyads", "n_obs", "method"}


def test_bad_input() -> None:
    df = _sim(10, 1)
    with pytest.raises(InputError, match="column 'nope'"):
        ds.apim(df, x="nope", y="y", dyad="couple")
    with pytest.raises(InputError, match="method"):
        ds.apim(df, x="x", y="y", dyad="couple", method="OLS")
    bad = df.copy()
    bad.loc[0, "gender"] = "m" if bad.loc[0, "gender"] == "w" else "w"
    with pytest.raises(PairingError, match="dyad 100"):
        ds.apim(bad, x="x", y="y", dyad="couple", role="gender")
    txt = df.astype({"x": object})
    txt.loc[3, "x"] = "high"
    with pytest.raises(InputError, match="row 4, column 'x'"):
        ds.apim(txt, x="x", y="y", dyad="couple")


# ------------------------------------------------------------------ Monte Carlo
@pytest.mark.slow
def test_coverage_monte_carlo() -> None:
    """95% CIs of actor and partner effects cover the truth at about the nominal rate."""
    reps, hits = 300, np.zeros(4)
    truth = {("actor", "w"): 0.5, ("actor", "m"): 0.4, ("partner", "w"): 0.2, ("partner", "m"): 0.3}
    for r in range(reps):
        res = ds.apim(_sim(80, 1000 + r), x="x", y="y", dyad="couple", role="gender")
        e = res.effects.set_index(["effect", "role"])
        for i, (key, val) in enumerate(truth.items()):
            hits[i] += e.loc[key, "ci_low"] <= val <= e.loc[key, "ci_high"]
    rate = hits / reps
    assert np.all((rate > 0.91) & (rate < 0.985)), rate


def test_multiple_predictors_and_covariates_layout() -> None:
    df = _sim(60, 13)
    df["z"] = df["x"] * 0.5 + np.random.default_rng(0).normal(size=len(df))
    res = ds.apim(df, x=["x", "z"], y="y", dyad="couple", role="gender", covariates="age")
    eff = res.effects
    assert len(eff) == 2 * (1 + 2 + 2 + 2)
    assert set(zip(eff.effect, eff.predictor, strict=True)) >= {
        ("actor", "z"),
        ("partner", "x"),
        ("covariate_actor", "age"),
        ("covariate_partner", "age"),
    }
    assert len(res.k) == 4 and set(res.k.predictor) == {"x", "z"}
    assert set(res.pattern_tests.predictor) == {"x", "z"}
    assert res.distinguishability["equal_effects"]["df"] == 4


# ------------------------------------------------------------------ CLI
def test_cli_apim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dyadscore.cli import main

    data = str(ORACLE / "apim_dist_long.csv")
    out = tmp_path / "apim.json"
    rc = main(
        [
            "apim",
            data,
            "--x",
            "x_actor",
            "--y",
            "y",
            "--dyad",
            "dyad",
            "--role",
            "role",
            "--ml",
            "--json",
            "--out",
            str(out),
            "--plot",
            str(tmp_path / "apim.png"),
        ]
    )
    assert rc == 0 and (tmp_path / "apim.png").stat().st_size > 1000
    blob = json.loads(out.read_text())
    fx = _load("apim_dist_gls.json")["ml"]
    assert _rel(blob["fit"]["loglik"], fx["logLik"]) < RTOL
    assert (
        main(
            [
                "apim",
                data,
                "--x",
                "x_actor",
                "--y",
                "y",
                "--dyad",
                "dyad",
                "--json",
                "--out",
                str(out),
            ]
        )
        == 2
    )  # exists, no --force
    assert "already exists" in capsys.readouterr().err
    rc = main(
        [
            "apim",
            data,
            "--x",
            "x_actor",
            "--y",
            "y",
            "--dyad",
            "dyad",
            "--role",
            "role",
            "--indistinguishable",
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0 and "indistinguishable" in text
    assert main(["apim", data, "--x", "nope", "--y", "y", "--dyad", "dyad"]) == 2
    err = capsys.readouterr().err
    assert "column 'nope' not found" in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------- bad input (issue 9)
def test_bootstrap_negative_is_an_input_error_in_the_api(dist_long: pd.DataFrame) -> None:
    for bad in (-5, 2.5, True, "100"):
        with pytest.raises(InputError, match="bootstrap") as err:
            ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", role="role", bootstrap=bad)
        assert "\n" not in str(err.value)


def test_alpha_outside_zero_one_is_an_input_error(dist_long: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="alpha 1.5"):
        ds.apim(dist_long, x="x_actor", y="y", dyad="dyad", alpha=1.5)


@pytest.mark.parametrize("value", [np.inf, -np.inf, "inf"])
def test_inf_predictor_is_an_error_not_missing(dist_long: pd.DataFrame, value) -> None:
    df = dist_long.astype({"x_actor": object})
    df.loc[6, "x_actor"] = value
    with pytest.raises(InputError, match=r"row 7, column 'x_actor': value -?inf is not a finite"):
        with errors.reading("d.csv"):
            ds.apim(df, x="x_actor", y="y", dyad="dyad", role="role")


def test_partner_column_as_x_in_double_entry_file_is_an_error(dist_long: pd.DataFrame) -> None:
    # the oracle file is double entry (x_actor, x_partner); x_partner as x would swap the
    # actor and partner effects silently
    with pytest.raises(InputError, match="'x_partner'.*partner's 'x_actor'") as err:
        with errors.reading("d.csv"):
            ds.apim(dist_long, x="x_partner", y="y", dyad="dyad", role="role")
    assert "pass 'x_actor'" in str(err.value)
    df = dist_long.rename(columns={"x_actor": "x_A", "x_partner": "x_P"})
    with pytest.raises(InputError, match="'x_P'"):
        ds.apim(df, x="x_P", y="y", dyad="dyad", role="role")
    # a column that merely ends in _partner but is not the partner's value is fine
    df = dist_long.assign(support_partner=np.arange(len(dist_long), dtype=float) % 7)
    ds.apim(df, x=["x_actor", "support_partner"], y="y", dyad="dyad", role="role")


def test_column_not_found_hints_to_score_first(dist_long: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'anxiety' not found.*score the items first"):
        with errors.reading("d.csv"):
            ds.apim(dist_long, x="anxiety", y="y", dyad="dyad")


def test_role_labels_with_spaces_are_trimmed(dist_long: pd.DataFrame) -> None:
    fx = _load("apim_dist_gls.json")["reml"]
    df = dist_long.assign(role=dist_long["role"].map({"female": "female ", "male": " male"}))
    res = ds.apim(df, x="x_actor", y="y", dyad="dyad", role="role")
    assert res.info["roles"] == ["female", "male"]
    assert _rel(res.fit["loglik"], fx["logLik"]) < RTOL


def test_missing_codes_warn_and_can_be_declared(dist_long: pd.DataFrame) -> None:
    from dyadscore.errors import DataWarning

    coded = dist_long.copy()
    coded.loc[[3, 10, 41], "y"] = -99
    with pytest.warns(DataWarning, match=r"column 'y': 3 value\(s\) of -99"):
        with errors.reading("d.csv"):
            ds.apim(coded, x="x_actor", y="y", dyad="dyad", role="role")
    blank = dist_long.copy()
    blank.loc[[3, 10, 41], "y"] = np.nan
    expected = ds.apim(blank, x="x_actor", y="y", dyad="dyad", role="role")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # declared: no warning
        got = ds.apim(coded, x="x_actor", y="y", dyad="dyad", role="role", missing_codes=[-99])
    assert got.fit["n_obs"] == expected.fit["n_obs"] == len(dist_long) - 3
    np.testing.assert_allclose(got.effects.estimate, expected.effects.estimate, rtol=1e-12)


def test_dropped_singles_are_counted_in_the_result(dist_long: pd.DataFrame) -> None:
    df = dist_long.drop(index=[0, 5])  # the partners of rows 1 and 4 remain alone
    with pytest.raises(PairingError, match="--drop-singles"):
        ds.apim(df, x="x_actor", y="y", dyad="dyad", role="role")
    res = ds.apim(df, x="x_actor", y="y", dyad="dyad", role="role", drop_singles=True)
    assert res.fit["n_singles_dropped"] == 2
    assert res.fit["n_obs"] == len(dist_long) - 4


# ------------------------------------------------------------ regressions from the review of the dyadic layer (issues 3 and 4)


@pytest.fixture(scope="module")
def review_couples() -> pd.DataFrame:
    return simulate_dyads(60, seed=1)


def _singular_cases(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame, dict, str]]:
    const = df.assign(x=1.0)
    in_role = df.copy()
    in_role.loc[in_role.role == "man", "x"] = 2.0
    no_y = df.copy()
    no_y.loc[no_y.role == "man", "y"] = np.nan
    twice = df.assign(z=2 * df["x"])
    return [
        ("constant x", const, {"x": "x"}, r"actor effect of 'x'"),
        ("x constant in one role", in_role, {"x": "x"}, r"actor effect of 'x' \(role 'man'\)"),
        ("no outcome for one role", no_y, {"x": "x"}, r"intercept \(role 'man'\)"),
        ("x given twice", df, {"x": ["x", "x"]}, r"actor effect of 'x'"),
        ("covariate = 2x", twice, {"x": "x", "covariates": "z"}, r"covariate actor effect of 'z'"),
        ("moderator = x", df, {"x": "x", "moderator": "x"}, r"moderator actor effect of 'x'"),
    ]


@pytest.mark.parametrize("idx", range(6))
def test_inestimable_terms_are_one_line_input_errors(
    review_couples: pd.DataFrame, idx: int
) -> None:
    _name, data, kw, match = _singular_cases(review_couples)[idx]
    with pytest.raises(InputError, match=match) as err:
        ds.apim(data, y="y", dyad="couple", role="role", **kw)
    assert "\n" not in str(err.value)


def test_constant_or_perfectly_predicted_outcome(review_couples: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"column 'y': the outcome is constant"):
        ds.apim(review_couples.assign(y=3.0), x="x", y="y", dyad="couple")
    half = review_couples.copy()
    half.loc[half.role == "woman", "y"] = 1.0
    with pytest.raises(InputError, match=r"outcome of role 'woman' is constant"):
        ds.apim(half, x="x", y="y", dyad="couple", role="role")
    exact = review_couples.assign(
        y=0.5 * review_couples["x"] + 1
    )  # y = f(x) exactly: no residual variance
    with pytest.raises(InputError, match="predicted perfectly"):
        ds.apim(exact, x="x", y="y", dyad="couple")


def test_legitimate_fit_unchanged_by_the_checks(review_couples: pd.DataFrame) -> None:
    # x constant within one role is fine for indistinguishable dyads (x still varies)
    d = review_couples.copy()
    d.loc[d.role == "man", "x"] = 2.0
    res = ds.apim(d, x="x", y="y", dyad="couple")
    # the GLS estimate with complete dyads and indistinguishable roles: equal to OLS
    # of the couple sum on the sums and of the difference on the differences
    y = d["y"].to_numpy().reshape(-1, 2)
    x = d["x"].to_numpy().reshape(-1, 2)
    bs = np.polyfit(x.sum(1), y.sum(1), 1)[0]
    bd = np.linalg.lstsq((x[:, 0] - x[:, 1])[:, None], y[:, 0] - y[:, 1], rcond=None)[0][0]
    eff = res.effects.set_index("effect").estimate
    assert eff["actor"] == pytest.approx((bs + bd) / 2, rel=1e-6)
    assert eff["partner"] == pytest.approx((bs - bd) / 2, rel=1e-6)


def test_cli_constant_predictor_exit_2_no_output(
    tmp_path: Path, review_couples: pd.DataFrame
) -> None:
    src = tmp_path / "c.csv"
    review_couples.assign(x=1.0).to_csv(src, index=False)
    out = tmp_path / "o.txt"
    argv = ["apim", str(src), "--x", "x", "--y", "y", "--dyad", "couple", "--role", "role"]
    assert main([*argv, "-o", str(out)]) == 2
    assert not out.exists()


def test_role_spelling_error_names_the_role_column(review_couples: pd.DataFrame) -> None:
    d = review_couples.rename(columns={"role": "gender"})
    d.loc[0, "gender"] = "Woman"
    with pytest.raises(InputError, match=r"column 'gender' has 3 values \(Woman, man, woman\)"):
        ds.apim(d, x="x", y="y", dyad="couple", role="gender")
    with pytest.raises(InputError, match="column 'gender' has 3 values"):
        ds.to_pairwise(d, "x", "couple", "gender")


def test_cli_apim_plot_format_and_no_half_written_outputs(
    tmp_path: Path, review_couples: pd.DataFrame
) -> None:
    src = tmp_path / "d.csv"
    review_couples.to_csv(src, index=False)
    base = ["apim", str(src), "--x", "x", "--y", "y", "--dyad", "couple"]
    bad = tmp_path / "p.xyz"
    assert main([*base, "--plot", str(bad)]) == 2  # was a matplotlib traceback
    assert not bad.exists()
    existing = tmp_path / "res.txt"
    existing.write_text("keep")
    png = tmp_path / "p.png"
    assert main([*base, "--plot", str(png), "-o", str(existing)]) == 2
    assert not png.exists() and existing.read_text() == "keep"
    assert main([*base, "--plot", str(png), "-o", str(existing), "--force"]) == 0
    assert png.stat().st_size > 1000 and "APIM" in existing.read_text()


def test_plot_unknown_predictor_is_input_error(review_couples: pd.DataFrame) -> None:
    res = ds.apim(review_couples, x="x", y="y", dyad="couple", role="role")
    with pytest.raises(InputError, match="predictor 'nope' is not in the model"):
        res.plot(predictor="nope")


@pytest.mark.parametrize("method", ["REML", "sem"])
def test_conf_int_at_another_level_by_hand(method):
    """conf_int(level) = estimate -+ t(level, df) * se (REML: t on the residual df), or the
    normal quantile where the fit has no df (sem); at the fit's own level it equals the
    effects table's interval."""
    from scipy import stats

    from dyadscore import simulate_dyads

    res = ds.apim(simulate_dyads(150, seed=4), x="x", y="y", role="role", method=method)
    e = res.effects
    for level in (0.80, 0.99):
        ci = res.conf_int(level)
        q = (
            stats.norm.ppf(0.5 + level / 2)
            if method == "sem"
            else stats.t.ppf(0.5 + level / 2, e["df"])
        )
        np.testing.assert_allclose(ci["ci_low"], e["estimate"] - q * e["se"], rtol=1e-10)
        np.testing.assert_allclose(ci["ci_high"], e["estimate"] + q * e["se"], rtol=1e-10)
    same = res.conf_int(0.95)
    np.testing.assert_allclose(same[["ci_low", "ci_high"]], e[["ci_low", "ci_high"]], rtol=1e-12)
    with pytest.raises(InputError, match="between 0 and 1"):
        res.conf_int(95)
