"""Power of APIM actor and partner effects and of the paradox hypotheses, by number of couples.

:func:`power` is a Monte Carlo estimate: all replications of one sample size are drawn at
once as arrays (``reps x n x 2``) and estimated with closed forms that equal the GLS/REML
APIM estimates for complete, balanced data (see below), so 1,000 replications of six
sample sizes take a few seconds. :func:`power_analytic` and :func:`n_required` give the
large-sample (normal) approximation of SCIENCE.md section 4.4.

Estimators
----------
*Indistinguishable dyads.* When every regressor enters with its actor and its partner
value, the model for a couple's sum ``S = y_1 + y_2`` involves only ``(a + p)`` and the
intercept, the model for the difference ``D = y_1 - y_2`` only ``(a - p)``, and under
compound symmetry ``S`` and ``D`` are independent with free variances
``2 sigma^2 (1 +/- rho)``. GLS therefore equals OLS of ``S`` on the sums and of ``D`` on
the differences (no intercept), and REML variances are ``RSS / (n - k)`` of each part;
``a = (b_S + b_D) / 2``, ``p = (b_S - b_D) / 2``, ``var = (var b_S + var b_D) / 4`` and
the t test has ``2n - K`` degrees of freedom (K = number of coefficients), as ``nlme::gls``.

*Distinguishable dyads.* Both roles' equations have the same regressors (1, own and
partner's values), so GLS with role-specific variances equals per-role OLS (seemingly
unrelated regressions with identical regressors); REML standard errors are the OLS
ones and the t test has ``2n - 2k`` degrees of freedom.

Examples
--------
>>> tab = power((100, 300), actor=0.3, partner=0.1, reps=200, seed=1)
>>> tab.columns.tolist()
['n_dyads', 'effect', 'power', 'mc_se']
>>> round(float(power_analytic(273, actor=.3, partner=.1, effect="partner")["power"].iloc[0]), 2)
0.8
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputError, check_finite
from .simulate import _check_corr, _pair_normals, _rng, per_role

__all__ = [
    "power",
    "power_analytic",
    "n_required",
    "plot_power",
    "decision_p",
    "apim_fgls",
    "DEFAULT_N",
]

DEFAULT_N: tuple[int, ...] = (50, 100, 150, 200, 250, 300)
_BASIC = ("actor", "partner")
#: scipy's ``alternative``: H1 beta > 0, beta < 0, beta != 0.
ALTERNATIVES = ("greater", "less", "two-sided")


# -------------------------------------------------------------- estimators
def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Batched OLS: x (R, n, k), y (R, n) -> beta (R, k), var(beta) (R, k), df."""
    xtx = np.einsum("rni,rnj->rij", x, x)
    xty = np.einsum("rni,rn->ri", x, y)
    inv = np.linalg.inv(xtx)
    beta = np.einsum("rij,rj->ri", inv, xty)
    resid = y - np.einsum("rnk,rk->rn", x, beta)
    df = x.shape[1] - x.shape[2]
    s2 = np.einsum("rn,rn->r", resid, resid) / df
    return beta, s2[:, None] * np.diagonal(inv, axis1=1, axis2=2), df


def apim_indist(regs: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Closed-form indistinguishable APIM (GLS/REML, compound symmetry), batched.

    Parameters
    ----------
    regs : array (R, n, 2, m)
        Each member's own values of the m predictors (each enters as actor and partner).
    y : array (R, n, 2)

    Returns
    -------
    dict with ``actor``, ``partner`` (R, m), ``se_actor``, ``se_partner`` (R, m), ``df``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 50, 2, 1)); y = 0.5 * x[..., 0] + rng.standard_normal((1, 50, 2))
    >>> sorted(apim_indist(x, y))
    ['actor', 'df', 'partner', 'se_actor', 'se_partner']
    """
    r, n, _, m = regs.shape
    xs = np.concatenate([np.ones((r, n, 1)), regs[:, :, 0] + regs[:, :, 1]], axis=2)
    xd = regs[:, :, 0] - regs[:, :, 1]
    bs, vs, _ = _ols(xs, y[:, :, 0] + y[:, :, 1])
    bd, vd, _ = _ols(xd, y[:, :, 0] - y[:, :, 1])
    bs, vs = bs[:, 1:], vs[:, 1:]
    se = np.sqrt((vs + vd) / 4)
    return {
        "actor": (bs + bd) / 2,
        "partner": (bs - bd) / 2,
        "se_actor": se,
        "se_partner": se,
        "df": 2 * n - (2 * m + 1),
    }


def apim_dist(regs: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Closed-form distinguishable APIM (per-role OLS = GLS), batched.

    Returns ``actor``, ``partner``, ``se_actor``, ``se_partner`` of shape (R, 2, m)
    (axis 1 = role) and ``df`` = 2n - 2(2m + 1).
    """
    r, n, _, m = regs.shape
    out: dict[str, list] = {"actor": [], "partner": [], "se_actor": [], "se_partner": []}
    for k in (0, 1):
        x = np.concatenate([np.ones((r, n, 1)), regs[:, :, k], regs[:, :, 1 - k]], axis=2)
        b, v, _ = _ols(x, y[:, :, k])
        out["actor"].append(b[:, 1 : m + 1])
        out["partner"].append(b[:, m + 1 :])
        out["se_actor"].append(np.sqrt(v[:, 1 : m + 1]))
        out["se_partner"].append(np.sqrt(v[:, m + 1 :]))
    res: dict[str, Any] = {k: np.stack(v, axis=1) for k, v in out.items()}
    res["df"] = 2 * n - 2 * (2 * m + 1)
    return res


def decision_p(estimate: Any, se: Any, df: Any, direction: str, bound: Any = 0.0) -> np.ndarray:
    """p value of a hypothesis's decision rule ``direction`` (vectorised over replications).

    ``bound`` is the (positive) SESOI in the units of ``estimate``; ``df`` = inf gives z tests.

    * ``positive``: H0 beta <= 0, p = P(T >= t); ``negative``: H0 beta >= 0;
    * ``two-sided``: 2 P(T >= |t|);
    * ``non-superiority``: H0 beta >= +bound, p = P(T <= (b - bound) / se);
    * ``non-inferiority``: H0 beta <= -bound, p = P(T >= (b + bound) / se);
    * ``equivalence`` (TOST): the larger of the two one-sided p values.

    In R: ``pt((b - bound) / se, df)`` for non-superiority, ``pt((b + bound) / se, df,
    lower.tail = FALSE)`` for non-inferiority, and the larger of both for TOST.

    Parameters
    ----------
    estimate, se, df : float or array
    direction : str
    bound : float or array

    Returns
    -------
    ndarray of p values

    Examples
    --------
    >>> round(float(decision_p(-0.05, 0.05, 100, "non-superiority", 0.1)), 4)  # t = -3
    0.0017
    """
    est, se = np.asarray(estimate, float), np.asarray(se, float)
    df = np.asarray(df, float)
    bound = np.abs(np.asarray(bound, float))
    dist = stats.t(np.where(np.isfinite(df) & (df > 0), df, np.inf))
    t = est / se
    if direction == "positive":
        return dist.sf(t)
    if direction == "negative":
        return dist.cdf(t)
    if direction == "two-sided":
        return 2 * dist.sf(np.abs(t))
    upper = dist.cdf((est - bound) / se)  # H0: beta >= +bound
    lower = dist.sf((est + bound) / se)  # H0: beta <= -bound
    if direction == "non-superiority":
        return upper
    if direction == "non-inferiority":
        return lower
    if direction == "equivalence":
        return np.maximum(upper, lower)
    raise InputError(
        f"direction {direction!r}: expected positive, negative, two-sided, equivalence, "
        "non-superiority or non-inferiority"
    )


def _reject(
    est: np.ndarray,
    se: np.ndarray,
    df: Any,
    alpha: float,
    direction: str,
    bound: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Boolean rejections for each replication under the declared decision rule."""
    return decision_p(est, se, df, direction, bound) < alpha


def apim_fgls(
    regs: np.ndarray, y: np.ndarray, present: np.ndarray, distinguishable: bool = False
) -> dict[str, np.ndarray]:
    """Batched feasible GLS APIM when some outcomes are missing (dropout), as ``apim`` does.

    Persons whose outcome is missing are left out and the partner enters on their own
    (a 1 x 1 block), as in :func:`dyadscore.apim`. Variance parameters (residual SD per role
    or pooled, and the residual correlation) are moment estimates from OLS residuals
    (correlation from the complete couples); the coefficients are then the GLS solution at
    those values with ``sigma^2`` re-estimated as RSS / (N - p), and t tests on N - p df
    (N = persons with an outcome). One feasible-GLS step is asymptotically the REML fit;
    ``tests/test_power.py`` compares it with ``apim`` fits.

    Parameters
    ----------
    regs : array (R, n, 2, m)
    y : array (R, n, 2)
    present : bool array (R, n, 2)
        Whether each person's outcome was observed.
    distinguishable : bool

    Returns
    -------
    dict with ``actor``, ``partner``, ``se_actor``, ``se_partner`` ((R, m), or (R, 2, m)
    when distinguishable) and ``df`` (R,).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 80, 2, 1)); y = 0.5 * x[..., 0] + rng.standard_normal((1, 80, 2))
    >>> out = apim_fgls(x, y, rng.random((1, 80, 2)) > 0.1)
    >>> out["actor"].shape, bool(out["df"][0] < 160 - 3)
    ((1, 1), True)
    """
    r, n, _, m = regs.shape
    k = 2 * m + 1
    blocks = []
    for mem in (0, 1):
        own = np.concatenate([np.ones((r, n, 1)), regs[:, :, mem], regs[:, :, 1 - mem]], axis=2)
        if distinguishable:
            zero = np.zeros_like(own)
            own = np.concatenate([own, zero] if mem == 0 else [zero, own], axis=2)
        blocks.append(own)
    X = np.stack(blocks, axis=2)  # (R, n, 2, p)
    p = X.shape[-1]
    w = present.astype(float)
    Z = np.concatenate([X, np.nan_to_num(y)[..., None]], axis=-1) * w[..., None]
    # OLS start and moment estimates of the residual covariance
    M0 = np.einsum("rnki,rnkj->rij", Z, Z)
    b0 = np.linalg.solve(M0[:, :p, :p], M0[:, :p, p][..., None])[..., 0]
    e = (Z[..., p] - np.einsum("rnkp,rp->rnk", Z[..., :p], b0)) * w
    both = w[..., 0] * w[..., 1]
    n_c = np.maximum(both.sum(1), 1)
    if distinguishable:
        s1 = np.sqrt((e[..., 0] ** 2).sum(1) / np.maximum(w[..., 0].sum(1), 1))
        s2 = np.sqrt((e[..., 1] ** 2).sum(1) / np.maximum(w[..., 1].sum(1), 1))
    else:
        s1 = s2 = np.sqrt((e**2).sum((1, 2)) / w.sum((1, 2)))
    rho = np.clip((e[..., 0] * e[..., 1] * both).sum(1) / (n_c * s1 * s2), -0.95, 0.95)
    c = np.sqrt(1 - rho**2)
    s1_, s2_, rho_, c_ = (v[:, None, None] for v in (s1, s2, rho, c))
    z1, z2 = Z[:, :, 0], Z[:, :, 1]
    w1 = z1 / s1_
    w2 = np.where(both[..., None] > 0, (z2 - rho_ * s2_ / s1_ * z1) / (s2_ * c_), z2 / s2_)
    M = np.einsum("rni,rnj->rij", w1, w1) + np.einsum("rni,rnj->rij", w2, w2)
    A_inv = np.linalg.inv(M[:, :p, :p])
    beta = np.einsum("rij,rj->ri", A_inv, M[:, :p, p])
    rss = M[:, p, p] - np.einsum("ri,ri->r", M[:, :p, p], beta)
    n_obs = w.sum((1, 2))
    df = n_obs - p
    se = np.sqrt(rss / df)[:, None] * np.sqrt(np.diagonal(A_inv, axis1=1, axis2=2))
    if distinguishable:
        idx = [np.arange(j * k, (j + 1) * k) for j in (0, 1)]
        pick = lambda arr, sl: np.stack([arr[:, i[sl]] for i in idx], axis=1)  # noqa: E731
        act, par = slice(1, m + 1), slice(m + 1, k)
    else:
        pick = lambda arr, sl: arr[:, sl]  # noqa: E731
        act, par = slice(1, m + 1), slice(m + 1, k)
    return {
        "actor": pick(beta, act),
        "partner": pick(beta, par),
        "se_actor": pick(se, act),
        "se_partner": pick(se, par),
        "df": df,
    }


def _construct(column: str) -> str:
    return re.sub(r"(?:_(?:w|t|wave)|\.)\d+$", "", str(column), flags=re.IGNORECASE)


def _reliabilities(reliability: Any, names: Sequence[str]) -> np.ndarray:
    """Reliability of each observed column: a number for all, or {construct or column: value}."""
    if reliability is None:
        return np.ones(len(names))
    if isinstance(reliability, Mapping):
        out = []
        for name in names:
            construct = _construct(name)
            val = reliability.get(name, reliability.get(construct))
            if val is None:
                wanted = ", ".join(dict.fromkeys(_construct(v) for v in names))
                raise InputError(
                    "reliability: no value for " + repr(construct) + "; expected a number "
                    "for every analysed construct (" + wanted + ")"
                )
            out.append(val)
    else:
        out = [reliability] * len(names)
    rel = []
    for name, v in zip(names, out, strict=True):
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = np.nan
        if not 0 < f <= 1:
            raise InputError(f"reliability of {name!r} = {v!r}: expected a number in (0, 1]")
        rel.append(f)
    return np.array(rel)


def _observe(vals: np.ndarray, rel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Observed scores = sqrt(rel) true + sqrt(1 - rel) error (classical test theory, var 1)."""
    if np.all(rel == 1):
        return vals
    noise = rng.standard_normal(vals.shape)
    return np.sqrt(rel) * vals + np.sqrt(1 - rel) * noise


def _check_dropout(dropout: Any) -> float:
    try:
        d = float(dropout)
    except (TypeError, ValueError):
        d = np.nan
    if not 0 <= d < 0.9:
        raise InputError(f"dropout {dropout!r}: expected a share between 0 and 0.9")
    return d


# ------------------------------------------------------------------- checks
def _check_sizes(n_dyads: int | Iterable[int]) -> list[int]:
    sizes = [n_dyads] if np.isscalar(n_dyads) else list(n_dyads)
    if not sizes:
        raise InputError("n_dyads: expected at least one number of couples")
    out = []
    for n in sizes:
        try:
            ok = int(n) == n and int(n) >= 10
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"{n!r} couples: expected whole numbers of couples, at least 10")
        out.append(int(n))
    return out


def _check_common(alpha: float, reps: int | None = None) -> None:
    if not 0 < float(alpha) < 1:
        raise InputError(f"alpha {alpha!r}: expected a probability between 0 and 1")
    if reps is not None and (int(reps) != reps or reps < 10):
        raise InputError(f"reps {reps!r}: expected a whole number of at least 10")


def _alternative(alternative: str | None, sided: str | None) -> str | None:
    """The checked ``alternative``, or the one the deprecated ``sided`` spells.

    ``sided="one"`` was the one-sided test in the direction of the assumed effect, which is
    ``alternative=None`` (``"greater"`` for a positive effect, ``"less"`` for a negative
    one); ``sided="two"`` is ``"two-sided"``.
    """
    if sided is not None:
        warnings.warn(
            "sided= is deprecated and will be removed in the next release; use alternative= "
            "('two-sided' for sided='two'; leave it out for sided='one')",
            DeprecationWarning,
            stacklevel=3,
        )
        if alternative is not None:
            raise InputError("sided: the old spelling of alternative; expected only alternative")
        if sided not in ("one", "two"):
            raise InputError(f"sided {sided!r}: expected 'one' or 'two'")
        return None if sided == "one" else "two-sided"
    if alternative is not None and alternative not in ALTERNATIVES:
        raise InputError(f"alternative {alternative!r}: expected 'greater', 'less' or 'two-sided'")
    return alternative


def _rule(alternative: str | None, effect: float) -> str:
    """:func:`decision_p`'s rule for ``alternative``; ``None``: the assumed effect's sign."""
    if alternative is None:
        return "negative" if effect < 0 else "positive"
    return {"greater": "positive", "less": "negative"}.get(alternative, alternative)


def _basic_effects(effect: Any) -> list[str] | None:
    """('actor', 'partner') subsets, or None when ``effect`` names hypotheses."""
    if effect in (None, "both"):
        return list(_BASIC)
    if isinstance(effect, str) and effect in _BASIC:
        return [effect]
    if (
        isinstance(effect, Sequence)
        and not isinstance(effect, str)
        and effect
        and all(isinstance(e, str) and e in _BASIC for e in effect)
    ):
        return list(effect)
    return None


def _apim_scenario(
    actor: Any, partner: Any, r_x: float, r_e: float, distinguishable: bool, roles: Any, rel: Any
) -> tuple[np.ndarray, np.ndarray, float, float, tuple[float, float]]:
    """The one-predictor APIM checked: actor and partner per role, r_x, r_e, x/y reliability."""
    rl = tuple(roles) if distinguishable else None
    a, p = per_role(actor, rl, "actor"), per_role(partner, rl, "partner")
    r_x, r_e = _check_corr(r_x, "r_x"), _check_corr(r_e, "r_e")
    return a, p, r_x, r_e, tuple(_reliabilities(rel, ["x", "y"]))


# ----------------------------------------------------------------- analytic
def _se_unit(a: float, p: float, r_x: float, r_e: float, distinguishable: bool) -> float:
    """SE of the actor (= partner) estimate times sqrt(n) (SCIENCE.md 4.4)."""
    s2 = 1 - (a**2 + p**2 + 2 * a * p * r_x)
    if s2 <= 0:
        raise InputError(
            f"actor {a:g}, partner {p:g} with predictor correlation {r_x:g}: explain all the "
            "variance of y; expected actor^2 + partner^2 + 2 actor partner r_x below 1"
        )
    if distinguishable:
        return float(np.sqrt(s2 / (1 - r_x**2)))
    return float(np.sqrt(s2 / 4 * ((1 + r_e) / (1 + r_x) + (1 - r_e) / (1 - r_x))))


def observed_effects(
    actor: float, partner: float, r_x: float, r_e: float, rel_x: float = 1.0, rel_y: float = 1.0
) -> dict[str, float]:
    """APIM parameters of observed (error-laden, standardised) scores.

    Classical test theory: an observed score is ``sqrt(rel) * true + sqrt(1 - rel) * error``
    with errors independent of everything (also between partners). The observed actor and
    partner effects solve the normal equations of the observed covariances,
    ``[[1, rel_x r_x], [rel_x r_x, 1]] (a*, p*)' = sqrt(rel_x rel_y) (a + p r_x, a r_x + p)'``;
    the residual variance and the residual correlation follow from the implied covariance.

    Parameters
    ----------
    actor, partner, r_x, r_e : float
        True-score effects and correlations (standardised).
    rel_x, rel_y : float
        Reliabilities of the predictor and the outcome scores.

    Returns
    -------
    dict with ``actor``, ``partner``, ``r_x``, ``r_e`` (observed-score values).

    Examples
    --------
    >>> {k: round(v, 3) for k, v in observed_effects(.3, .1, .3, .3, .8, .8).items()}
    {'actor': 0.241, 'partner': 0.094, 'r_x': 0.24, 'r_e': 0.241}
    """
    s2 = 1 - (actor**2 + partner**2 + 2 * actor * partner * r_x)
    k = np.sqrt(rel_x * rel_y)
    c_own, c_par = k * (actor + partner * r_x), k * (actor * r_x + partner)
    rx = rel_x * r_x
    a_o, p_o = np.linalg.solve(np.array([[1, rx], [rx, 1]]), np.array([c_own, c_par]))
    s2_o = 1 - (a_o**2 + p_o**2 + 2 * a_o * p_o * rx)
    cov_yy = rel_y * ((actor**2 + partner**2) * r_x + 2 * actor * partner + r_e * s2)
    re_o = (cov_yy - (a_o * c_par + p_o * c_own)) / s2_o
    return {"actor": float(a_o), "partner": float(p_o), "r_x": float(rx), "r_e": float(re_o)}


def _analytic_rows(
    n, effects, a, p, r_x, r_e, alpha, alternative, distinguishable, roles, rel, dropout
):
    z = stats.norm.ppf(1 - alpha / (2 if alternative == "two-sided" else 1))
    n_eff = n * (1 - dropout)
    rows = []
    for k in range(2 if distinguishable else 1):
        obs = observed_effects(float(a[k]), float(p[k]), r_x, r_e, *rel)
        unit = _se_unit(obs["actor"], obs["partner"], obs["r_x"], obs["r_e"], distinguishable)
        for eff in effects:
            # delta: the expected z of the (observed) effect, signed as the test's H1
            delta = obs[eff] * np.sqrt(n_eff) / unit
            if _rule(alternative, obs[eff]) == "negative":
                delta = -delta
            pw = stats.norm.cdf(delta - z)
            if alternative == "two-sided":
                pw = pw + stats.norm.cdf(-delta - z)
            row = {"n_dyads": n, "effect": eff, "power": float(pw)}
            if distinguishable:
                row["role"] = roles[k]
            rows.append(row)
    return rows


def power_analytic(
    n_dyads: int | Iterable[int] = DEFAULT_N,
    *,
    actor: float | Sequence[float] | Mapping[str, float] = 0.3,
    partner: float | Sequence[float] | Mapping[str, float] = 0.1,
    r_x: float = 0.3,
    r_e: float = 0.3,
    alpha: float = 0.05,
    alternative: str | None = None,
    distinguishable: bool = False,
    effect: str | Sequence[str] = ("actor", "partner"),
    roles: Sequence[str] = ("woman", "man"),
    reliability: float | Mapping[str, float] | None = None,
    dropout: float = 0.0,
    sided: str | None = None,
) -> pd.DataFrame:
    """Large-sample power of APIM actor/partner effects (normal approximation, SCIENCE.md 4.4).

    Indistinguishable: ``var = sigma_e^2 / (4n) [(1 + r_e)/(1 + r_x) + (1 - r_e)/(1 - r_x)]``;
    distinguishable per role: ``var = sigma_e^2 / (n (1 - r_x^2))``, with
    ``sigma_e^2 = 1 - (a^2 + p^2 + 2 a p r_x)`` (standardised x and y). With
    ``reliability`` the formulas use the observed-score parameters of
    :func:`observed_effects` (attenuated effects); ``dropout`` (share of persons without an
    outcome) is approximated by ``n (1 - dropout)`` persons' worth of information.

    Parameters
    ----------
    n_dyads : int or iterable of int
        Numbers of couples.
    actor, partner : float, pair or dict
        Standardised actor and partner effects (per role: a pair following ``roles`` or a
        dict role -> value; distinguishable only).
    r_x, r_e : float
        Correlation of the partners' predictors and of their residuals.
    alpha : float
        Significance level.
    alternative : {None, "greater", "less", "two-sided"}
        The alternative hypothesis of the test, as in scipy: ``"greater"`` (beta > 0),
        ``"less"`` (beta < 0) or ``"two-sided"``. Default: one-sided in the direction of
        the assumed effect (``"greater"`` for a positive effect, ``"less"`` for a negative one).
    distinguishable : bool
        Per-role effects (distinguishable dyads) instead of pooled ones.
    effect : {"actor", "partner"} or both
        Effects to report.
    roles : pair of str
        Role labels (distinguishable only).
    reliability : float or {"x": float, "y": float}, optional
        Reliability of the predictor and outcome scores (default: error-free).
    dropout : float
        Share of persons whose outcome is missing.
    sided : {"one", "two"}, optional
        Deprecated spelling (removed in the next release): ``"one"`` is the default
        ``alternative``, ``"two"`` is ``"two-sided"``.

    Returns
    -------
    DataFrame
        ``n_dyads, effect, [role], power``.

    Notes
    -----
    In R: `pnorm(b / se - qnorm(1 - alpha))` (``"greater"``; ``"less"``: `pnorm(-b / se -
    qnorm(1 - alpha))`; default: `abs(b)`), with ``se = sqrt(var)`` above; this is the power of the APIM's Wald test that `nlme::gls` reports in large samples.

    Examples
    --------
    >>> tab = power_analytic((100, 300), actor=.3, partner=.1, effect="partner")
    >>> tab["power"].round(2).tolist()
    [0.44, 0.83]
    >>> power_analytic(300, effect="partner", reliability=.8, dropout=.15)["power"].round(2).tolist()
    [0.71]
    """
    check_finite(actor=actor, partner=partner, r_x=r_x, r_e=r_e, alpha=alpha)
    alternative = _alternative(alternative, sided)
    sizes = _check_sizes(n_dyads)
    _check_common(alpha)
    effects = _basic_effects(effect)
    if effects is None:
        raise InputError(f"effect={effect!r}: expected 'actor', 'partner' or both")
    a, p, r_x, r_e, rel = _apim_scenario(
        actor, partner, r_x, r_e, distinguishable, roles, reliability
    )
    dropout = _check_dropout(dropout)
    rows = []
    for n in sizes:
        rows += _analytic_rows(
            n, effects, a, p, r_x, r_e, alpha, alternative, distinguishable, roles, rel, dropout
        )
    cols = ["n_dyads", "effect", *(["role"] if distinguishable else []), "power"]
    return pd.DataFrame(rows)[cols]


def n_required(
    target: float = 0.80,
    *,
    actor: float = 0.3,
    partner: float = 0.1,
    r_x: float = 0.3,
    r_e: float = 0.3,
    alpha: float = 0.05,
    alternative: str | None = None,
    sided: str | None = None,
    distinguishable: bool = False,
    effect: str = "partner",
    reliability: float | Mapping[str, float] | None = None,
    dropout: float = 0.0,
) -> int:
    """Couples needed for ``target`` power (normal approximation, rounded up).

    Parameters
    ----------
    target : float
        Power wanted (0-1).
    actor, partner : float
        Standardised actor and partner effects (one value for both roles).
    r_x, r_e, alpha, alternative, sided, distinguishable, reliability, dropout
        As in :func:`power_analytic`. ``"greater"`` needs a positive (observed) effect and
        ``"less"`` a negative one: no number of couples gives power otherwise.
    effect : {"actor", "partner"}
        The effect to power.

    Returns
    -------
    int
        The smallest number of couples whose analytic power (:func:`power_analytic`) reaches
        ``target``.

    Notes
    -----
    In R: `ceiling(((qnorm(1 - alpha) + qnorm(target)) * se1 / abs(b))^2)`, with ``se1``
    the standard error of the effect for one couple.

    Examples
    --------
    >>> n_required(actor=.3, partner=.1, effect="partner")
    273
    >>> n_required(actor=.3, partner=.1, effect="partner", reliability=.8, dropout=.15)
    379
    >>> n_required(actor=-.3, partner=-.1, effect="partner", alternative="less")
    273
    """
    check_finite(target=target, actor=actor, partner=partner, r_x=r_x, r_e=r_e, alpha=alpha)
    alternative = _alternative(alternative, sided)
    _check_common(alpha)
    if not 0 < target < 1:
        raise InputError(f"target={target!r}: expected a power between 0 and 1")
    if effect not in _BASIC:
        raise InputError(f"effect={effect!r}: expected 'actor' or 'partner'")
    rel = tuple(_reliabilities(reliability, ["x", "y"]))
    dropout = _check_dropout(dropout)
    obs = observed_effects(actor, partner, _check_corr(r_x, "r_x"), _check_corr(r_e, "r_e"), *rel)
    theta = abs(obs[effect])
    if theta == 0:
        raise InputError(f"{effect}=0: no number of couples gives power for a zero effect")
    if alternative in ("greater", "less") and _rule(alternative, 0) != _rule(None, obs[effect]):
        raise InputError(
            f"alternative {alternative!r} with a {'negative' if obs[effect] < 0 else 'positive'} "
            f"{effect} effect ({obs[effect]:.3g}): no number of couples gives power; expected "
            "the effect's side or 'two-sided'"
        )
    unit = _se_unit(obs["actor"], obs["partner"], obs["r_x"], obs["r_e"], distinguishable)
    z = stats.norm.ppf(1 - alpha / (2 if alternative == "two-sided" else 1)) + stats.norm.ppf(
        target
    )
    return int(np.ceil((z * unit / theta) ** 2 / (1 - dropout) - 1e-9))


# ------------------------------------------------------------ Monte Carlo
def _fit_batch(regs, y, present, distinguishable):
    if present is None:
        return apim_dist(regs, y) if distinguishable else apim_indist(regs, y)
    return apim_fgls(regs, y, present, distinguishable)


def _dropped(rng, reps, n, dropout):
    """Persons present at the later wave: (R, n, 2) bool, or None without dropout."""
    if dropout <= 0:
        return None
    present = rng.random((reps, n, 2)) >= dropout
    # a replication needs people: keep at least one couple complete (vanishingly rare)
    present[:, 0, :] |= ~present.any(axis=(1, 2))[:, None]
    return present


def _mc_basic(
    n, reps, rng, effects, a, p, r_x, r_e, alpha, alternative, distinguishable, roles, rel, dropout
):
    sd_e = np.sqrt(1 - (a**2 + p**2 + 2 * a * p * r_x))
    x = _pair_normals(rng, n, r_x, size=(reps,))
    y = a * x + p * x[..., ::-1] + _pair_normals(rng, n, r_e, size=(reps,)) * sd_e
    x, y = _observe(x, rel[0], rng), _observe(y, rel[1], rng)
    present = _dropped(rng, reps, n, dropout)
    fit = _fit_batch(x[..., None], y, present, distinguishable)
    rows = []
    for eff in effects:
        truth = a if eff == "actor" else p
        est, se = fit[eff][..., 0], fit[f"se_{eff}"][..., 0]
        df = fit["df"]
        for k in range(2 if distinguishable else 1):
            direction = _rule(alternative, truth[k])
            e_k = est[:, k] if distinguishable else est
            s_k = se[:, k] if distinguishable else se
            rej = _reject(e_k, s_k, df, alpha, direction)
            row = {"n_dyads": n, "effect": eff}
            if distinguishable:
                row["role"] = roles[k]
            rows.append({**row, **_summarise(rej)})
    return rows


def _summarise(rej: np.ndarray) -> dict[str, float]:
    pw = float(rej.mean())
    return {"power": pw, "mc_se": float(np.sqrt(pw * (1 - pw) / rej.size))}


def _masked_sd(v: np.ndarray, present: np.ndarray | None) -> np.ndarray:
    """SD over persons (axis 1, 2) of each replication, over present persons only."""
    if present is None:
        return v.reshape(v.shape[0], -1).std(axis=1, ddof=1)
    w = present.astype(float)
    m = (v * w).sum((1, 2)) / w.sum((1, 2))
    ss = (((v - m[:, None, None]) ** 2) * w).sum((1, 2))
    return np.sqrt(ss / (w.sum((1, 2)) - 1))


def _mc_hypothesis(n, reps, rng, h, model, distinguishable, roles, reliability, dropout):
    predictors = [h.predictor_column, *h.control]
    if h.covariates:
        raise InputError(
            f"hypothesis {h.id}: power with actor-only covariates is not supported; "
            "enter them as control (actor and partner values)"
        )
    names = [h.outcome, *predictors]
    vals = model.sample_columns(names, n, rng, size=(reps,))  # (R, n, 2, q)
    vals = _observe(vals, _reliabilities(reliability, names), rng)
    y, regs = vals[..., 0], vals[..., 1:]
    waves = h.wave_of
    later = waves["outcome"] is not None and waves["outcome"] > (waves["predictor"] or 1)
    present = _dropped(rng, reps, n, dropout) if later else None
    fit = _fit_batch(regs, y, present, distinguishable)
    est, se = fit[h.effect][..., 0], fit[f"se_{h.effect}"][..., 0]
    df = fit["df"][:, None] if np.ndim(fit["df"]) and distinguishable else fit["df"]
    bound = 0.0
    if h.direction in ("equivalence", "non-superiority", "non-inferiority"):
        # SESOI in standardised units -> raw units of each sample (as paradox.test)
        sd_x = _masked_sd(regs[..., 0], present)
        sd_y = _masked_sd(y, present)
        bound = h.sesoi * sd_y / sd_x
        if distinguishable:
            bound = bound[:, None]
    rej = _reject(est, se, df, h.alpha, h.direction, bound)
    if not distinguishable:
        return [{"n_dyads": n, "effect": h.id, **_summarise(rej)}]
    return [
        {"n_dyads": n, "effect": h.id, "role": roles[k], **_summarise(rej[:, k])} for k in (0, 1)
    ]


def power(
    n_dyads: int | Iterable[int] = DEFAULT_N,
    *,
    effect: Any = ("actor", "partner"),
    actor: float | Sequence[float] | Mapping[str, float] = 0.3,
    partner: float | Sequence[float] | Mapping[str, float] = 0.1,
    r_x: float = 0.3,
    r_e: float = 0.3,
    planted: Mapping[str, float] | float | None = None,
    distinguishable: bool = False,
    roles: Sequence[str] = ("woman", "man"),
    alpha: float = 0.05,
    alternative: str | None = None,
    reliability: float | Mapping[str, float] | None = None,
    dropout: float = 0.0,
    reps: int = 1000,
    seed: int | np.random.Generator | None = None,
    analytic: bool = False,
    progress: Any = None,
    sided: str | None = None,
) -> pd.DataFrame:
    """Monte Carlo power of APIM effects or paradox hypotheses as a function of couples.

    Parameters
    ----------
    n_dyads : int or iterable of int
        Numbers of couples.
    effect : "actor", "partner", both, or hypotheses
        ``"actor"``/``"partner"`` (or both, the default) for the one-predictor APIM; a
        hypothesis id of the default set (``"H1"``), a :class:`~dyadscore.paradox.Hypothesis`,
        a list of those, or ``"paradox"`` for the whole default set. Hypotheses are tested
        on data of :func:`~dyadscore.simulate.simulate_paradox` (``planted`` overrides its
        planted effects) with each hypothesis's own direction, alpha and SESOI;
        ``actor``, ``partner``, ``r_x``, ``r_e`` and ``alternative`` are then not used.
    actor, partner, r_x, r_e : float (or per role)
        Standardised effects, correlation of partners' predictors and of residuals
        (the model of :func:`dyadscore.simulate.simulate_dyads`).
    planted : dict or float, optional
        Planted effects for hypothesis power (see :data:`dyadscore.simulate.PLANTED`).
    distinguishable : bool
        Estimate per role (distinguishable dyads) instead of pooling over roles.
    roles : pair of str
        Role labels (distinguishable only).
    alpha : float
    alternative : {None, "greater", "less", "two-sided"}
        The alternative hypothesis of the test, as in scipy: ``"greater"`` (beta > 0),
        ``"less"`` (beta < 0) or ``"two-sided"``. Default: one-sided in the direction of
        the assumed effect (``"greater"`` for a positive effect, ``"less"`` for a negative one).
    reliability : float or dict, optional
        Reliability of the analysed scale scores (default: error-free latent scores, an
        optimistic assumption). A number applies to every score; a dict maps constructs
        (``felt_dependence``) or columns (``felt_dependence_w2``; ``x``/``y`` for the
        one-predictor APIM) to reliabilities. Each simulated score becomes
        ``sqrt(rel) * true + sqrt(1 - rel) * error``, errors independent across persons,
        waves and constructs, so effects are attenuated and controls under-control as with
        real scale scores.
    dropout : float
        Share of persons (independently, MCAR) without the later wave: their outcome of a
        longitudinal hypothesis (or ``y`` of the one-predictor APIM) is missing and the
        partner enters alone, as in :func:`dyadscore.apim` (feasible GLS, :func:`apim_fgls`).
    reps : int
        Replications per sample size.
    seed : int or numpy Generator
    analytic : bool
        Add a column ``analytic`` with :func:`power_analytic` (actor/partner effects only).
    progress : callable, optional
        Called as ``progress(done, total)`` after each sample size.
    sided : {"one", "two"}, optional
        The deprecated spelling of ``alternative``, as in :func:`power_analytic`.

    Returns
    -------
    DataFrame
        ``n_dyads, effect, power, mc_se`` (plus ``role`` when distinguishable);
        ``mc_se`` is the binomial Monte Carlo standard error.

    Notes
    -----
    Each replication fits the APIM in closed form (REML GLS, indistinguishable or per role)
    and counts the tests significant at ``alpha``. In R, per replication:
    `nlme::gls(y ~ x_actor + x_partner, correlation = corCompSymm(form = ~ 1 | couple))`.

    Examples
    --------
    >>> tab = power(300, effect="partner", reps=400, seed=2)
    >>> bool(0.7 < tab["power"].iloc[0] < 0.95)
    True
    """
    check_finite(actor=actor, partner=partner, r_x=r_x, r_e=r_e, alpha=alpha, planted=planted)
    alternative = _alternative(alternative, sided)
    sizes = _check_sizes(n_dyads)
    _check_common(alpha, reps)
    reps = int(reps)
    rng = _rng(seed)
    dropout = _check_dropout(dropout)
    roles = tuple(roles)
    effects = _basic_effects(effect)
    rows: list[dict] = []
    if effects is not None:
        a, p, r_x, r_e, rel = _apim_scenario(
            actor, partner, r_x, r_e, distinguishable, roles, reliability
        )
        _se_unit(float(a[0]), float(p[0]), r_x, r_e, False)  # validates the variance budget
        _se_unit(float(a[1]), float(p[1]), r_x, r_e, False)
        for i, n in enumerate(sizes):
            rows += _mc_basic(
                n,
                reps,
                rng,
                effects,
                a,
                p,
                r_x,
                r_e,
                alpha,
                alternative,
                distinguishable,
                roles,
                rel,
                dropout,
            )
            if progress:
                progress(i + 1, len(sizes))
    else:
        from .paradox import resolve_hypotheses
        from .simulate import paradox_model

        hyps = resolve_hypotheses(None if effect == "paradox" else effect)
        model = paradox_model(planted)
        for i, n in enumerate(sizes):
            for h in hyps:
                rows += _mc_hypothesis(
                    n, reps, rng, h, model, distinguishable, roles, reliability, dropout
                )
            if progress:
                progress(i + 1, len(sizes))
    cols = ["n_dyads", "effect", *(["role"] if distinguishable else []), "power", "mc_se"]
    out = pd.DataFrame(rows)[cols]
    if analytic and effects is not None:
        ana = power_analytic(
            sizes,
            actor=actor,
            partner=partner,
            r_x=r_x,
            r_e=r_e,
            alpha=alpha,
            alternative=alternative,
            distinguishable=distinguishable,
            effect=effects,
            roles=roles,
            reliability=reliability,
            dropout=dropout,
        )
        keys = cols[: len(cols) - 2]
        out = out.merge(ana.rename(columns={"power": "analytic"}), on=keys, how="left")
    out.attrs["settings"] = {
        "reps": reps,
        "alpha": alpha,
        "alternative": alternative or "the assumed effect's side",
        "distinguishable": distinguishable,
        "reliability": reliability if reliability is not None else 1.0,
        "dropout": dropout,
        "estimator": (
            "closed-form GLS/REML (sum/difference or per-role OLS), t test"
            if dropout == 0
            else "feasible GLS with singles (apim_fgls), t test on N - p df"
        ),
    }
    return out


# ------------------------------------------------------------------- plot
def plot_power(df: pd.DataFrame, ax: Any = None, *, target: float = 0.80, lang: str = "en"):
    """Power against number of couples: Monte Carlo points with 95% error bars, and the
    analytic curve as a line when the table has an ``analytic`` column.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`power` (``n_dyads, effect, power``, optional ``mc_se`` and ``role``).
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new figure).
    target : float
        Power drawn as a dashed reference line.
    lang : {"en", "nl"}
        Language of the labels.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_power(power((50, 100), reps=50, seed=1, analytic=True))
    >>> ax.get_xlabel()
    'Number of couples'
    """
    import matplotlib.pyplot as plt

    from .catalogue import Texts, check_lang

    words = Texts("figures")[check_lang(lang)]

    need = {"n_dyads", "effect", "power"}
    if not isinstance(df, pd.DataFrame) or not need <= set(df.columns):
        raise InputError(f"plot_power: expected a table with columns {sorted(need)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    keys = ["effect", "role"] if "role" in df.columns else ["effect"]
    for key, g in df.groupby(keys, sort=False):
        label = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        g = g.sort_values("n_dyads")
        err = 1.96 * g["mc_se"] if "mc_se" in g else None
        bars = ax.errorbar(
            g["n_dyads"],
            g["power"],
            yerr=err,
            marker="o",
            capsize=3,
            linestyle="none",
            label=f"{label} (Monte Carlo)" if "analytic" in g else label,
        )
        if "analytic" in g and g["analytic"].notna().any():
            ax.plot(
                g["n_dyads"],
                g["analytic"],
                color=bars[0].get_color(),
                linewidth=1.5,
                label=f"{label} ({words['analytic']})",
            )
        else:
            ax.plot(g["n_dyads"], g["power"], color=bars[0].get_color(), linewidth=0.8)
    ax.axhline(target, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(words["n_couples"])
    ax.set_ylabel(words["power"])
    ax.set_title(words["power_title"])
    ax.legend(frameon=False)
    return ax
