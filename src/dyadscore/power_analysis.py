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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputError
from .simulate import _check_corr, _pair_normals, _rng, per_role

__all__ = ["power", "power_analytic", "n_required", "plot_power", "DEFAULT_N"]

DEFAULT_N: tuple[int, ...] = (50, 100, 150, 200, 250, 300)
_BASIC = ("actor", "partner")


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


def _reject(
    est: np.ndarray,
    se: np.ndarray,
    df: int,
    alpha: float,
    direction: str,
    bound: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Boolean rejections for each replication under the declared decision rule."""
    t = est / se
    if direction == "positive":
        p = stats.t.sf(t, df)
    elif direction == "negative":
        p = stats.t.cdf(t, df)
    elif direction == "two-sided":
        p = 2 * stats.t.sf(np.abs(t), df)
    else:  # equivalence (TOST): both one-sided tests against +/- bound
        p = np.maximum(stats.t.sf((est + bound) / se, df), stats.t.cdf((est - bound) / se, df))
    return p < alpha


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
            raise InputError(f"n_dyads={n!r}: expected whole numbers of couples, at least 10")
        out.append(int(n))
    return out


def _check_common(alpha: float, sided: str, reps: int | None = None) -> None:
    if not 0 < float(alpha) < 1:
        raise InputError(f"alpha={alpha!r}: expected a probability between 0 and 1")
    if sided not in ("one", "two"):
        raise InputError(f"sided={sided!r}: expected 'one' or 'two'")
    if reps is not None and (int(reps) != reps or reps < 10):
        raise InputError(f"reps={reps!r}: expected a whole number of at least 10")


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


# ----------------------------------------------------------------- analytic
def _se_unit(a: float, p: float, r_x: float, r_e: float, distinguishable: bool) -> float:
    """SE of the actor (= partner) estimate times sqrt(n) (SCIENCE.md 4.4)."""
    s2 = 1 - (a**2 + p**2 + 2 * a * p * r_x)
    if s2 <= 0:
        raise InputError(f"actor={a}, partner={p}, r_x={r_x}: explain all the variance of y")
    if distinguishable:
        return float(np.sqrt(s2 / (1 - r_x**2)))
    return float(np.sqrt(s2 / 4 * ((1 + r_e) / (1 + r_x) + (1 - r_e) / (1 - r_x))))


def _analytic_rows(n, effects, a, p, r_x, r_e, alpha, sided, distinguishable, roles):
    z = stats.norm.ppf(1 - alpha / (1 if sided == "one" else 2))
    rows = []
    for k in range(2 if distinguishable else 1):
        unit = _se_unit(a[k], p[k], r_x, r_e, distinguishable)
        for eff in effects:
            theta = abs((a if eff == "actor" else p)[k])
            delta = theta * np.sqrt(n) / unit
            pw = stats.norm.cdf(delta - z)
            if sided == "two":
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
    sided: str = "one",
    distinguishable: bool = False,
    effect: str | Sequence[str] = ("actor", "partner"),
    roles: Sequence[str] = ("woman", "man"),
) -> pd.DataFrame:
    """Large-sample power of APIM actor/partner effects (normal approximation, SCIENCE.md 4.4).

    Indistinguishable: ``var = sigma_e^2 / (4n) [(1 + r_e)/(1 + r_x) + (1 - r_e)/(1 - r_x)]``;
    distinguishable per role: ``var = sigma_e^2 / (n (1 - r_x^2))``, with
    ``sigma_e^2 = 1 - (a^2 + p^2 + 2 a p r_x)`` (standardised x and y).

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
    sided : {"one", "two"}
        One-sided tests are in the direction of the true effect.
    distinguishable : bool
        Per-role effects (distinguishable dyads) instead of pooled ones.
    effect : {"actor", "partner"} or both
        Effects to report.
    roles : pair of str
        Role labels (distinguishable only).

    Returns
    -------
    DataFrame
        ``n_dyads, effect, [role], power``.

    Notes
    -----
    In R: `pnorm(abs(b) / se - qnorm(1 - alpha))` (one-sided), with ``se = sqrt(var)`` above;
    this is the power of the APIM's Wald test that `nlme::gls` reports in large samples.

    Examples
    --------
    >>> tab = power_analytic((100, 300), actor=.3, partner=.1, effect="partner")
    >>> tab["power"].round(2).tolist()
    [0.44, 0.83]
    """
    sizes = _check_sizes(n_dyads)
    _check_common(alpha, sided)
    effects = _basic_effects(effect)
    if effects is None:
        raise InputError(f"effect={effect!r}: expected 'actor', 'partner' or both")
    rl = tuple(roles) if distinguishable else None
    a, p = per_role(actor, rl, "actor"), per_role(partner, rl, "partner")
    r_x, r_e = _check_corr(r_x, "r_x"), _check_corr(r_e, "r_e")
    rows = []
    for n in sizes:
        rows += _analytic_rows(n, effects, a, p, r_x, r_e, alpha, sided, distinguishable, roles)
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
    sided: str = "one",
    distinguishable: bool = False,
    effect: str = "partner",
) -> int:
    """Couples needed for ``target`` power (normal approximation, rounded up).

    Parameters
    ----------
    target : float
        Power wanted (0-1).
    actor, partner : float
        Standardised actor and partner effects.
    r_x, r_e : float
        Correlation of the partners' predictors and of their residuals.
    alpha : float
        Significance level.
    sided : {"one", "two"}
        One-sided tests are in the direction of the true effect.
    distinguishable : bool
        Per-role effects (distinguishable dyads) instead of pooled ones.
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
    """
    _check_common(alpha, sided)
    if not 0 < target < 1:
        raise InputError(f"target={target!r}: expected a power between 0 and 1")
    if effect not in _BASIC:
        raise InputError(f"effect={effect!r}: expected 'actor' or 'partner'")
    theta = abs(actor if effect == "actor" else partner)
    if theta == 0:
        raise InputError(f"{effect}=0: no number of couples gives power for a zero effect")
    unit = _se_unit(
        actor, partner, _check_corr(r_x, "r_x"), _check_corr(r_e, "r_e"), distinguishable
    )
    z = stats.norm.ppf(1 - alpha / (1 if sided == "one" else 2)) + stats.norm.ppf(target)
    return int(np.ceil((z * unit / theta) ** 2 - 1e-9))


# ------------------------------------------------------------ Monte Carlo
def _mc_basic(n, reps, rng, effects, a, p, r_x, r_e, alpha, sided, distinguishable, roles):
    sd_e = np.sqrt(1 - (a**2 + p**2 + 2 * a * p * r_x))
    x = _pair_normals(rng, n, r_x, size=(reps,))
    y = a * x + p * x[..., ::-1] + _pair_normals(rng, n, r_e, size=(reps,)) * sd_e
    fit = apim_dist(x[..., None], y) if distinguishable else apim_indist(x[..., None], y)
    rows = []
    for eff in effects:
        truth = a if eff == "actor" else p
        est, se = fit[eff][..., 0], fit[f"se_{eff}"][..., 0]
        for k in range(2 if distinguishable else 1):
            direction = (
                "two-sided" if sided == "two" else ("negative" if truth[k] < 0 else "positive")
            )
            e_k = est[:, k] if distinguishable else est
            s_k = se[:, k] if distinguishable else se
            rej = _reject(e_k, s_k, fit["df"], alpha, direction)
            row = {"n_dyads": n, "effect": eff}
            if distinguishable:
                row["role"] = roles[k]
            rows.append({**row, **_summarise(rej)})
    return rows


def _summarise(rej: np.ndarray) -> dict[str, float]:
    pw = float(rej.mean())
    return {"power": pw, "mc_se": float(np.sqrt(pw * (1 - pw) / rej.size))}


def _mc_hypothesis(n, reps, rng, h, model, distinguishable, roles):
    predictors = [h.predictor_column, *h.control]
    if h.covariates:
        raise InputError(
            f"hypothesis {h.id}: power with actor-only covariates is not supported; "
            "enter them as control (actor and partner values)"
        )
    vals = model.sample_columns([h.outcome, *predictors], n, rng, size=(reps,))  # (R, n, 2, q)
    y, regs = vals[..., 0], vals[..., 1:]
    fit = apim_dist(regs, y) if distinguishable else apim_indist(regs, y)
    est, se = fit[h.effect][..., 0], fit[f"se_{h.effect}"][..., 0]
    bound = 0.0
    if h.direction == "equivalence":  # SESOI in standardised units -> raw units of each sample
        sd_x = regs[..., 0].reshape(reps, -1).std(axis=1, ddof=1)
        sd_y = y.reshape(reps, -1).std(axis=1, ddof=1)
        bound = h.sesoi * sd_y / sd_x
        if distinguishable:
            bound = bound[:, None]
    direction = h.direction
    rej = _reject(est, se, fit["df"], h.alpha, direction, bound)
    if not distinguishable:
        return [{"n_dyads": n, "effect": h.id, **_summarise(rej)}]
    return [
        {"n_dyads": n, "effect": h.id, "role": roles[k], **_summarise(rej[:, k])} for k in (0, 1)
    ]


def power(
    n_dyads: int | Iterable[int] = DEFAULT_N,
    *,
    actor: float | Sequence[float] | Mapping[str, float] = 0.3,
    partner: float | Sequence[float] | Mapping[str, float] = 0.1,
    r_x: float = 0.3,
    r_e: float = 0.3,
    alpha: float = 0.05,
    sided: str = "one",
    distinguishable: bool = False,
    reps: int = 1000,
    seed: int | np.random.Generator | None = None,
    effect: Any = ("actor", "partner"),
    roles: Sequence[str] = ("woman", "man"),
    planted: Mapping[str, float] | float | None = None,
    analytic: bool = False,
    progress: Any = None,
) -> pd.DataFrame:
    """Monte Carlo power of APIM effects or paradox hypotheses as a function of couples.

    Parameters
    ----------
    n_dyads : int or iterable of int
        Numbers of couples.
    actor, partner, r_x, r_e : float (or per role)
        Standardised effects, correlation of partners' predictors and of residuals
        (the model of :func:`dyadscore.simulate.simulate_dyads`).
    alpha : float
    sided : {"one", "two"}
        One-sided tests are in the direction of the true effect.
    distinguishable : bool
        Estimate per role (distinguishable dyads) instead of pooling over roles.
    reps : int
        Replications per sample size.
    seed : int or numpy Generator
    effect : "actor", "partner", both, or hypotheses
        ``"actor"``/``"partner"`` (or both, the default) for the one-predictor APIM; a
        hypothesis id of the default set (``"H1"``), a :class:`~dyadscore.paradox.Hypothesis`,
        a list of those, or ``"paradox"`` for the whole default set. Hypotheses are tested
        on data of :func:`~dyadscore.simulate.simulate_paradox` (``planted`` overrides its
        planted effects) with each hypothesis's own direction, alpha and SESOI;
        ``actor``, ``partner``, ``r_x``, ``r_e`` and ``sided`` are then not used.
    roles : pair of str
        Role labels (distinguishable only).
    planted : dict or float, optional
        Planted effects for hypothesis power (see :data:`dyadscore.simulate.PLANTED`).
    analytic : bool
        Add a column ``analytic`` with :func:`power_analytic` (actor/partner effects only).
    progress : callable, optional
        Called as ``progress(done, total)`` after each sample size.

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
    sizes = _check_sizes(n_dyads)
    _check_common(alpha, sided, reps)
    reps = int(reps)
    rng = _rng(seed)
    roles = tuple(roles)
    rl = roles if distinguishable else None
    effects = _basic_effects(effect)
    rows: list[dict] = []
    if effects is not None:
        a, p = per_role(actor, rl, "actor"), per_role(partner, rl, "partner")
        r_x, r_e = _check_corr(r_x, "r_x"), _check_corr(r_e, "r_e")
        _se_unit(float(a[0]), float(p[0]), r_x, r_e, False)  # validates the variance budget
        _se_unit(float(a[1]), float(p[1]), r_x, r_e, False)
        for i, n in enumerate(sizes):
            rows += _mc_basic(
                n, reps, rng, effects, a, p, r_x, r_e, alpha, sided, distinguishable, roles
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
                rows += _mc_hypothesis(n, reps, rng, h, model, distinguishable, roles)
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
            sided=sided,
            distinguishable=distinguishable,
            effect=effects,
            roles=roles,
        )
        keys = cols[: len(cols) - 2]
        out = out.merge(ana.rename(columns={"power": "analytic"}), on=keys, how="left")
    out.attrs["settings"] = {
        "reps": reps,
        "alpha": alpha,
        "sided": sided,
        "distinguishable": distinguishable,
        "estimator": "closed-form GLS/REML (sum/difference or per-role OLS), t test",
    }
    return out


# ------------------------------------------------------------------- plot
def plot_power(df: pd.DataFrame, ax: Any = None, *, target: float = 0.80, lang: str = "en"):
    """Power curves (power against number of couples) with 95% Monte Carlo error bars.

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
    >>> ax = plot_power(power((50, 100), reps=50, seed=1))
    >>> ax.get_xlabel()
    'Number of couples'
    """
    import matplotlib.pyplot as plt

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
        ax.errorbar(g["n_dyads"], g["power"], yerr=err, marker="o", capsize=3, label=label)
    ax.axhline(target, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.02)
    nl = lang == "nl"
    ax.set_xlabel("Aantal koppels" if nl else "Number of couples")
    ax.set_ylabel("Power (onderscheidingsvermogen)" if nl else "Power")
    ax.set_title("Power per aantal koppels" if nl else "Power by number of couples")
    ax.legend(frameon=False)
    return ax
