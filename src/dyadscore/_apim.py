"""The Actor-Partner Interdependence Model (APIM) by generalised least squares: :func:`apim`.

The model is the one of ``nlme::gls`` with ``correlation = corCompSymm(form = ~ 1 | dyad)``
(and ``weights = varIdent(form = ~ 1 | role)`` for distinguishable dyads): every dyad has a
2 x 2 residual covariance

    V = sigma^2 * [[1, rho*lam], [rho*lam, lam^2]]

(``lam`` = residual SD of the second role relative to the first; ``lam = 1`` for
indistinguishable dyads, where the model is compound symmetry and ``rho`` may be negative).

The fit is computed by the numpy GLS engine (:mod:`dyadscore.apim_gls`: sufficient
statistics per couple, no n x n matrix) on the design of :mod:`dyadscore._apim_design`; the k,
pattern and distinguishability tests are in :mod:`dyadscore._apim_tests` and the result class
in :mod:`dyadscore._apim_result`. Log-likelihoods, AIC and BIC are nlme's (BIC uses
log(N - p) for REML; AIC/BIC count p coefficients + sigma + lam + rho).

Inference conventions (``method``):

* ``"REML"`` (default): vcov = sigma^2 (X'R^-1 X)^-1, t tests on N - p df (nlme).
* ``"ML"``: ML estimates; standard errors as nlme's ``summary.gls`` reports them, i.e. based on
  sigma^2_ML * N/(N - p), and t tests on N - p df.
* ``"sem"``: ML estimates with the SEM (lavaan, ``estimator = "ML"``) conventions: standard
  errors from the ML information (divisor N, no N/(N - p) factor), z tests and normal-theory
  confidence intervals. With complete dyads these equal lavaan's APIM (``fixed.x`` TRUE or FALSE).

Missing data. A person whose outcome is missing is left out and the partner's row enters on
its own (a 1 x 1 block), exactly as ``gls`` does after dropping rows. A person with a missing
predictor (own or partner's value, covariate or moderator) is likewise left out, as R's
``na.omit`` does; no imputation is done.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> n = 200
>>> x = rng.normal(size=(n, 2)); e = rng.multivariate_normal([0, 0], [[1, .3], [.3, 1]], n)
>>> y = 0.5 * x + 0.2 * x[:, ::-1] + e
>>> df = pd.DataFrame({"couple": np.repeat(np.arange(n), 2), "role": ["f", "m"] * n,
...                    "x": x.ravel(), "y": y.ravel()})
>>> res = apim(df, x="x", y="y", dyad="couple", role="role")
>>> res.effects.query("effect == 'actor'")[["role", "estimate"]].round(1)
  role  estimate
2    f       0.4
3    m       0.6
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._apim_design import (
    _build_design,
    _check_apim_input,
    _check_estimable,
    _Design,
    _standardised,
    _term_name,
)
from ._apim_result import APIMResult
from ._apim_tests import _distinguishability, _k_tables, _lr, _pattern_tests
from .apim_gls import _bootstrap, _Fit, _fit, _inference, _satterthwaite_df
from .dyads import _fill_doc
from .errors import _file_name_as_source
from .results import effects_table

__all__ = ["apim", "APIMResult"]


def _effects_table(
    design: _Design, fit: _Fit, method: str, ci: float, betas: np.ndarray, dfs: Any = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The effects table and the vcov under the reporting convention of ``method``.

    ``dfs``: per-coefficient df of the t tests (Satterthwaite) instead of N - p.
    """
    vcov, dist, df = _inference(fit, method)
    labels = {
        k: [c[i] for c in design.columns] for i, k in enumerate(("effect", "predictor", "role"))
    }
    terms = [_term_name(*c, design.partner_suffix) for c in design.columns]
    eff = effects_table(
        fit.beta,
        np.sqrt(np.diag(vcov)),
        None if dist == "z" else df if dfs is None else dfs,
        level=ci,
        labels=labels,
        extra={"beta": betas, "term": terms},
    )
    return eff, vcov


def _bootstrap_draws(design: _Design, fit: _Fit, n_boot: int, seed: Any, reml: bool) -> np.ndarray:
    """Couple-bootstrap coefficient draws (n_boot, p) of the design's fit."""
    units, _ = design.unit_data()
    return _bootstrap(units, fit, n_boot, seed, hetero=design.distinguishable, reml=reml)


def _fit_info(design: _Design, fit: _Fit, method: str) -> dict[str, Any]:
    """Log-likelihood, AIC and BIC (nlme's counts) and the numbers of dyads, rows and terms."""
    n_par = fit.p + fit.n_var
    n_bic = fit.n_obs - fit.p if fit.reml else fit.n_obs
    return {
        "loglik": fit.loglik,
        "aic": -2 * fit.loglik + 2 * n_par,
        "bic": -2 * fit.loglik + math.log(n_bic) * n_par,
        "df_loglik": n_par,
        "n_dyads": int((design.ok_a | design.ok_b).sum()),
        "n_complete_dyads": int((design.ok_a & design.ok_b).sum()),
        "n_obs": fit.n_obs,
        "n_coef": fit.p,
        "method": method,
        "distinguishable": design.distinguishable,
        "converged": fit.converged,
        "n_rows_dropped": design.n_dropped,
        "n_singles_dropped": design.n_singles,
    }


def _residual_covariance(design: _Design, fit: _Fit) -> dict[str, Any]:
    """Residual SD and variance by role, their correlation and covariance."""
    sd0 = math.sqrt(fit.sigma2)
    labels = list(design.roles) if design.distinguishable else ["all"]
    sds = [sd0, sd0 * fit.lam] if design.distinguishable else [sd0]
    return {
        "sigma": sd0,
        "sd_by_role": dict(zip(labels, sds, strict=True)),
        "variance_by_role": {k: s * s for k, s in zip(labels, sds, strict=True)},
        "correlation": fit.rho,
        "covariance": fit.rho * sds[0] * sds[-1],
        "variance_ratio_sd": fit.lam,
    }


@_file_name_as_source
@_fill_doc
def apim(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str,
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    roles: Sequence[str] | None = None,
    covariates: str | Sequence[str] | None = None,
    covariate_effects: str = "actor_partner",
    method: str = "REML",
    center: bool = False,
    moderator: str | None = None,
    moderator_level: str = "actor",
    bootstrap: int = 0,
    seed: Any = None,
    ci: float = 0.95,
    alpha: float = 0.05,
    drop_singles: bool = False,
    partner_suffix: str = "_partner",
    missing_codes: Sequence[float | str] | None = None,
    df_method: str = "residual",
) -> APIMResult:
    """Fit an Actor-Partner Interdependence Model by GLS (as ``nlme::gls``).

    Parameters
    ----------
    data : DataFrame
        Individual format: one row per person, with the dyad id, optional role, own ``x``
        and own ``y``. Partner values are built by pairing within dyad.
    x : str or list of str
        Predictor(s); each gets an actor and a partner effect.
    y : str
        Outcome.
    %(dyad)s
    role : str, optional
        Role column: role-specific intercepts, effects and residual variances
        (distinguishable dyads; the first role is the reference of the variance ratio).
        ``None`` fits indistinguishable dyads (one actor and one partner effect, one
        intercept, compound symmetry; negative residual correlation allowed).
    %(person)s
    %(roles)s
    covariates : str or list, optional
        Control variables.
    covariate_effects : {"actor_partner", "as_is"}
        ``"actor_partner"`` (default) enters each covariate with its actor and partner value,
        ``"as_is"`` with the person's own value only.
    method : {"REML", "ML", "sem"}
        See the module docstring for the inference conventions.
    center : bool
        Grand-mean centre predictors, covariates and moderator (mean of all paired persons'
        non-missing values; for indistinguishable dyads this is the mean of all 2n scores).
    moderator : str, optional
        Moderator M: adds its actor and partner main effects (one effect if M is constant
        within dyads) and the products actor x M and partner x M, where M is the actor's own
        value (``moderator_level="actor"``) or the partner's (``"partner"``).
    moderator_level : {"actor", "partner"}
        Whose moderator value forms the products.
    bootstrap : int
        Number of couple-resampling bootstrap refits for the percentile CI of k (0 = none).
    seed : int or Generator, optional
        Random seed of the bootstrap.
    ci, alpha : float
        Confidence level; significance level used for the k/pattern rules.
    %(drop_singles)s
    df_method : {"residual", "satterthwaite"}
        Degrees of freedom of the t tests and CIs: ``"residual"`` = N - p (as
        ``nlme::gls``); ``"satterthwaite"`` = per-coefficient Satterthwaite df from the
        variance parameters' sampling variance (as ``emmeans(..., mode = "satterthwaite")``
        on the gls fit), which keeps the type-I error near nominal in small samples with
        missing outcomes (REML or ML only).
    missing_codes : list of numbers or text, optional
        Cell values meaning "no answer" (e.g. ``[-99, -999, "."]``), set missing before the
        fit. Undeclared values such as -99 far outside a column's other values give a
        :class:`~dyadscore.errors.DataWarning`.
    partner_suffix : str
        Suffix of partner terms in the R-style ``term`` names (``x_partner``).

    Returns
    -------
    APIMResult
        Effects table, fit, residual covariance, k and pattern tests.

    Notes
    -----
    In R: `nlme::gls(y ~ x + x_partner, correlation = corCompSymm(form = ~ 1 | dyad), data = d)`
    on pairwise data ``d`` (``x_partner`` = the partner's ``x``) for indistinguishable
    dyads; distinguishable:
    `nlme::gls(y ~ 0 + role + role:x + role:x_partner, correlation = corCompSymm(form = ~ 1 | dyad), weights = varIdent(form = ~ 1 | role), data = d)`.

    Examples
    --------
    >>> from dyadscore import simulate_dyads
    >>> df = simulate_dyads(200, actor=0.4, partner=0.1, roles=None, seed=1)
    >>> res = apim(df, x="x", y="y", dyad="couple")
    >>> res
    <APIMResult y=y n_dyads=200 method=REML>
    >>> res.effects[["effect", "estimate", "se", "p"]].round(3)
          effect  estimate     se      p
    0  intercept    -0.052  0.055  0.344
    1      actor     0.472  0.053  0.000
    2    partner     0.123  0.053  0.020
    """
    options = {
        "bootstrap": bootstrap,
        "alpha": alpha,
        "method": method,
        "covariate_effects": covariate_effects,
        "moderator_level": moderator_level,
        "ci": ci,
        "df_method": df_method,
        "missing_codes": missing_codes,
    }
    data, xs, covs, method = _check_apim_input(
        data, x, y, dyad, role, person, covariates, moderator, options
    )
    design = _build_design(
        data,
        xs,
        y,
        dyad,
        role,
        person=person,
        roles=roles,
        covariates=covs,
        covariate_effects=covariate_effects,
        moderator=moderator,
        moderator_level=moderator_level,
        center=center,
        partner_suffix=partner_suffix,
        drop_singles=drop_singles,
    )
    d = design.data()
    _check_estimable(design, d, y)
    hetero = design.distinguishable
    reml = method == "REML"
    fit = _fit(d, hetero=hetero, corr=True, reml=reml)
    betas = _standardised(design, fit.beta)
    dfs = _satterthwaite_df(d, fit, hetero, method) if df_method == "satterthwaite" else None
    effects, vcov = _effects_table(design, fit, method, ci, betas, dfs)

    ml_full = fit if not reml else _fit(d, hetero=hetero, corr=True, reml=False)
    no_corr = _fit(d, hetero=hetero, corr=False, reml=reml)
    tests = _pattern_tests(design, d, ml_full, xs)
    disting = _distinguishability(design, d, ml_full, xs) if design.distinguishable else None
    draws = _bootstrap_draws(design, fit, int(bootstrap), seed, reml) if bootstrap else None
    k, pattern = _k_tables(design, xs, effects, vcov, draws, ci, alpha, tests)

    fit_info = _fit_info(design, fit, method)
    covariance = _residual_covariance(design, fit)
    nonind = {
        "residual_correlation": fit.rho,
        **_lr(fit.loglik, no_corr.loglik, 1),
        "test": f"likelihood ratio ({method if method != 'sem' else 'ML'}) of rho = 0",
    }
    names = list(effects.term)
    boot_df = None if draws is None else pd.DataFrame(draws, columns=names)
    return APIMResult(
        effects=effects,
        fit=fit_info,
        covariance=covariance,
        nonindependence=nonind,
        k=k,
        pattern=pattern,
        pattern_tests=tests,
        distinguishability=disting,
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        info={
            "x": xs,
            "y": y,
            "dyad": dyad,
            "role": role,
            "roles": list(design.roles) if design.roles else None,
            "covariates": covs,
            "covariate_effects": covariate_effects,
            "moderator": moderator,
            "moderator_level": moderator_level,
            "center": center,
            "bootstrap": int(bootstrap),
            "ci": ci,
            "df_method": df_method,
        },
        bootstrap_draws=boot_df,
    )
