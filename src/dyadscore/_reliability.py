"""Reliability coefficients of questionnaire scales: alpha, omega, item analysis.

The public names are re-exported by :mod:`dyadscore.psychometrics` (and the package).
The core functions work on a *keyed* numeric item matrix (a DataFrame: one row per
person, one column per item, reverse-keyed items already reversed, NaN for missing).
They follow the definitions of R's ``psych`` package so that results can be checked
against it (``tests/oracle/reliability.json``):

* raw alpha from the item covariance matrix, ``k/(k-1) (1 - tr C / sum C)``; with
  ``use="pairwise"`` (psych's default) ``C`` holds pairwise-complete covariances,
  with ``use="listwise"`` persons with any missing item are dropped first;
* standardised alpha, average inter-item r and G6(smc) from ``R = cov2cor(C)``;
* corrected item-total correlation ``r_drop`` (item with the sum of the other items)
  and alpha-if-item-deleted from ``C`` and ``R``, as ``psych::alpha`` does;
* McDonald's omega total from a one-factor minres (unweighted least squares) solution
  on the pairwise correlation matrix, ``1 - sum(u2) / sum(R)`` as ``psych::omega``;
* the Feldt confidence interval of alpha.

:func:`reliability` applies these to every subscale of one or more instruments
(optionally per group, e.g. per role in distinguishable dyads) and collects
"silent error" warnings: items that correlate negatively with the rest of their scale
(mis-keyed?), answers shifted off the declared scale (0-6 for a 1-7 scale), items
without variance and subscales too short for alpha or omega.

Examples
--------
>>> import pandas as pd
>>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
>>> round(cronbach_alpha(x)["alpha"], 4)  # pingouin.cronbach_alpha: 0.953757
0.9538
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .catalogue import Texts
from .errors import InputError, _file_name_as_source, input_name, reading
from .results import Result, format_number

USES = ("pairwise", "listwise")
ALL_GROUP = "all"
_HEYWOOD_H2 = 0.995  # psych's minres bounds uniquenesses at 0.005

__all__ = [
    "ReliabilityResult",
    "alpha_if_deleted",
    "cronbach_alpha",
    "feldt_ci",
    "item_covariance",
    "item_statistics",
    "minres_one_factor",
    "omega_total",
    "omega_cfa",
    "reliability",
    "scale_shift_warnings",
    "smc",
]


# ------------------------------------------------------------------ matrices
def _item_frame(items: Any) -> pd.DataFrame:
    """Coerce an item matrix to a float DataFrame (one-line InputError otherwise)."""
    df = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items))
    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise InputError(
            f"item column {bad[0]!r}: expected numeric answers, got {df[bad[0]].dtype}"
        )
    return df.astype(float)


def _check_use(use: str) -> None:
    if use not in USES:
        raise InputError(f"use={use!r}: expected one of {', '.join(USES)}")


def _prepare(items: Any, use: str) -> pd.DataFrame:
    _check_use(use)
    df = _item_frame(items)
    return df.dropna(how="any") if use == "listwise" else df


def item_covariance(items: Any, *, use: str = "pairwise") -> pd.DataFrame:
    """Item covariance matrix (``ddof=1``) from pairwise- or listwise-complete data.

    Pairwise covariances use the means of each pair's complete observations, as R's
    ``cov(x, use = "pairwise")`` and pandas' ``DataFrame.cov`` do.

    Examples
    --------
    >>> import pandas as pd
    >>> item_covariance(pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 5]})).loc["a", "b"]
    np.float64(2.0)
    """
    return _prepare(items, use).cov()


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    with np.errstate(divide="ignore", invalid="ignore"):
        return c / np.outer(d, d)


def smc(r: Any) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^-1)``, clipped to [0, 1] like psych.

    A singular matrix gives the pseudo-inverse's values (psych falls back similarly).

    Parameters
    ----------
    r : 2-D array
        Correlation matrix.

    Returns
    -------
    numpy.ndarray
        One squared multiple correlation per variable.

    Notes
    -----
    In R: `psych::smc(r)`.

    Examples
    --------
    >>> import numpy as np
    >>> smc(np.array([[1.0, 0.5], [0.5, 1.0]])).round(4).tolist()
    [0.25, 0.25]
    """
    r = np.asarray(r, dtype=float)
    if r.shape[0] == 1:
        return np.zeros(1)
    try:
        inv = np.linalg.inv(r)
        if not np.all(np.isfinite(inv)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    with np.errstate(divide="ignore"):
        out = 1.0 - 1.0 / np.diag(inv)
    return np.clip(out, 0.0, 1.0)


def _smc_drop(r: np.ndarray) -> np.ndarray:
    """Sum of the SMCs of ``R[-i, -i]`` for every i (Schur complement of ``R^-1``)."""
    k = r.shape[0]
    try:
        p = np.linalg.inv(r)
        if not np.all(np.isfinite(p)) or np.any(np.diag(p) <= 0):
            raise np.linalg.LinAlgError
        # (R[-i,-i])^-1 = P[-i,-i] - P[-i,i] P[i,-i] / P[i,i]; we need its diagonal
        d = np.diag(p)[None, :] - p**2 / np.diag(p)[:, None]
        with np.errstate(divide="ignore"):
            s = np.clip(1.0 - 1.0 / d, 0.0, 1.0)
        s[np.arange(k), np.arange(k)] = 0.0
        return s.sum(axis=1)
    except np.linalg.LinAlgError:
        idx = np.arange(k)
        return np.array([smc(r[np.ix_(idx != i, idx != i)]).sum() for i in range(k)])


# --------------------------------------------------------------------- alpha
def _alpha_core(c: np.ndarray, r: np.ndarray) -> dict[str, float]:
    """psych's ``alpha.1``: raw and standardised alpha, G6, average r, S/N, Q."""
    k = c.shape[0]
    if k < 2 or not np.all(np.isfinite(c)):
        nan = float("nan")
        return dict(alpha=nan, std_alpha=nan, g6=nan, average_r=nan, sn=nan, q=nan, median_r=nan)
    sum_c, tr_c, sum_r = c.sum(), np.trace(c), r.sum()
    f = k / (k - 1)
    av_r = (sum_r - k) / (k * (k - 1))
    cc = c @ c
    q = (2 * k**2 / ((k - 1) ** 2 * sum_c**3)) * (
        sum_c * (np.trace(cc) + tr_c**2) - 2 * tr_c * cc.sum()
    )
    off = r[~np.eye(k, dtype=bool)]
    return dict(
        alpha=float(f * (1 - tr_c / sum_c)),
        std_alpha=float(f * (1 - k / sum_r)),
        g6=float(1 - (k - smc(r).sum()) / sum_r),
        average_r=float(av_r),
        sn=float(k * av_r / (1 - av_r)),
        q=float(q),
        median_r=float(np.median(off)),
    )


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) confidence interval for coefficient alpha.

    ``1 - (1 - alpha) F``, with F quantiles on ``n - 1`` and ``(n - 1)(k - 1)`` df;
    identical to ``psych::alpha.ci`` and ``pingouin.cronbach_alpha``.

    Parameters
    ----------
    alpha : float
        Coefficient alpha.
    n : int
        Number of persons.
    k : int
        Number of items.
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        Lower and upper limit.

    Notes
    -----
    In R: `psych::alpha.ci(alpha, n.obs = n, n.var = k, p.val = 1 - level)`.

    Examples
    --------
    >>> [round(v, 4) for v in feldt_ci(0.8, 100, 6)]
    [0.7325, 0.8551]
    """
    if not (0 < level < 1):
        raise InputError(f"ci {level!r}: expected a confidence level between 0 and 1")
    if n < 2 or k < 2 or not np.isfinite(alpha):
        return float("nan"), float("nan")
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1 - level
    low = 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)
    return float(low), float(high)


def _n_persons(df: pd.DataFrame) -> int:
    """Persons with at least one answered item (psych counts every row it is given)."""
    return int(df.notna().any(axis=1).sum())


def cronbach_alpha(items: Any, *, use: str = "pairwise", ci: float = 0.95) -> dict[str, float]:
    """Cronbach's alpha and companions for a keyed item matrix.

    Parameters
    ----------
    items : DataFrame
        Rows persons, columns items (already reverse-keyed), NaN = missing.
    use : {"pairwise", "listwise"}
        Pairwise-complete covariances (psych's default) or complete cases only.
    ci : float
        Level of the Feldt confidence interval.

    Returns
    -------
    dict
        ``alpha`` (raw), ``ci_low``, ``ci_high`` (Feldt), ``std_alpha``, ``g6``
        (Guttman's lambda 6 from SMCs), ``average_r``, ``median_r``, ``sn``
        (signal/noise), ``ase`` (psych's asymptotic SE), ``n`` (persons with any
        answer; complete cases with ``listwise``), ``k`` (items), ``mean`` and ``sd``
        of the person means of the answered items.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(x)["alpha"], 4), round(cronbach_alpha(x)["std_alpha"], 4)
    (0.9538, 0.9578)
    """
    df = _prepare(items, use)
    c = df.cov().to_numpy()
    r = _cov2cor(c)
    n, k = _n_persons(df), df.shape[1]
    out = _alpha_core(c, r)
    low, high = feldt_ci(out["alpha"], n, k, ci)
    person_mean = df.mean(axis=1)
    return dict(
        alpha=out["alpha"],
        ci_low=low,
        ci_high=high,
        std_alpha=out["std_alpha"],
        g6=out["g6"],
        average_r=out["average_r"],
        median_r=out["median_r"],
        sn=out["sn"],
        ase=float(math.sqrt(out["q"] / n)) if n > 0 and out["q"] >= 0 else float("nan"),
        n=n,
        k=k,
        mean=float(person_mean.mean()),
        sd=float(person_mean.std()),
    )


def alpha_if_deleted(items: Any, *, use: str = "pairwise") -> pd.DataFrame:
    """Alpha statistics of the scale with each item left out (psych's ``alpha.drop``).

    Vectorised: sums and traces of ``C[-i, -i]`` follow from those of ``C``; the SMCs of
    ``R[-i, -i]`` from the Schur complement of ``R^-1``.

    Parameters
    ----------
    items : DataFrame or 2-D array
        The keyed item matrix, as :func:`cronbach_alpha` takes it.
    use : {"pairwise", "listwise"}
        Which persons enter each covariance, as in :func:`cronbach_alpha`.

    Returns
    -------
    DataFrame indexed by item with ``alpha``, ``std_alpha``, ``g6``, ``average_r``, ``sn``.

    Notes
    -----
    In R: `psych::alpha(items)$alpha.drop`.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(float(alpha_if_deleted(x).loc["a", "alpha"]), 4)  # alpha of b and c alone
    0.8824
    """
    df = _prepare(items, use)
    c = df.cov().to_numpy()
    return _drop_table(c, _cov2cor(c), df.columns)


def _drop_table(c: np.ndarray, r: np.ndarray, names: Sequence) -> pd.DataFrame:
    k = c.shape[0]
    cols = ["alpha", "std_alpha", "g6", "average_r", "sn"]
    if k < 3 or not np.all(np.isfinite(c)):
        return pd.DataFrame(np.nan, index=pd.Index(names, name="item"), columns=cols)
    m = k - 1
    d_c, d_r = np.diag(c), np.diag(r)
    sum_c = c.sum() - 2 * c.sum(axis=0) + d_c
    tr_c = np.trace(c) - d_c
    sum_r = r.sum() - 2 * r.sum(axis=0) + d_r
    av_r = (sum_r - m) / (m * (m - 1))
    f = m / (m - 1)
    table = {
        "alpha": f * (1 - tr_c / sum_c),
        "std_alpha": f * (1 - m / sum_r),
        "g6": 1 - (m - _smc_drop(r)) / sum_r,
        "average_r": av_r,
        "sn": m * av_r / (1 - av_r),
    }
    return pd.DataFrame(table, index=pd.Index(names, name="item"))


def item_statistics(items: Any, *, use: str = "pairwise") -> pd.DataFrame:
    """Item analysis as in psych's ``alpha()$item.stats`` plus alpha-if-deleted.

    Parameters
    ----------
    items : DataFrame or 2-D array
        One column per item (keyed), one row per person; NaN for missing.
    use : {"pairwise", "listwise"}
        Pairwise-complete covariances (psych's default) or complete cases only.

    Returns
    -------
    DataFrame indexed by item with ``n`` (answers), ``mean``, ``sd``, ``raw_r``
    (item with the person mean of answered items), ``std_r``, ``r_cor`` (corrected
    for overlap with SMCs), ``r_drop`` (corrected item-total correlation: item with
    the sum of the other items, from the covariance matrix as psych computes it),
    ``alpha_if_deleted``, ``std_alpha_if_deleted``, ``g6_if_deleted``,
    ``average_r_if_deleted``.

    Notes
    -----
    In R: `psych::alpha(items)$item.stats` and `$alpha.drop`.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> item_statistics(x)["r_drop"].round(3).tolist()
    [0.97, 0.903, 0.87]
    """
    df = _prepare(items, use)
    c = df.cov().to_numpy()
    r = _cov2cor(c)
    k = c.shape[0]
    idx = pd.Index(df.columns, name="item")
    person_mean = df.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_r = r.sum(axis=0) / np.sqrt(r.sum())
        rc = r.copy()
        rc[np.arange(k), np.arange(k)] = smc(r) if np.all(np.isfinite(r)) else np.nan
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
        d = np.diag(c)
        v_drop = c.sum() - 2 * c.sum(axis=0) + d
        r_drop = (c.sum(axis=0) - d) / np.sqrt(d * v_drop)
    if k < 2:
        std_r = r_cor = r_drop = np.full(k, np.nan)
    out = pd.DataFrame(
        {
            "n": df.notna().sum().to_numpy(),
            "mean": df.mean().to_numpy(),
            "sd": df.std().to_numpy(),
            "raw_r": df.corrwith(person_mean).to_numpy(),
            "std_r": std_r,
            "r_cor": r_cor,
            "r_drop": r_drop,
        },
        index=idx,
    )
    drop = _drop_table(c, r, df.columns).add_suffix("_if_deleted")
    return out.join(drop)


# --------------------------------------------------------------------- omega
def minres_one_factor(r: Any) -> dict[str, Any]:
    """One-factor minimum-residual (unweighted least squares) factor analysis.

    Minimises the sum of squared off-diagonal residuals ``sum_{i<j} (r_ij - l_i l_j)^2``
    (Harman's minres; psych's ``fa(fm = "minres")`` reaches the same optimum by
    iterating on the uniquenesses). Loadings are bounded so that communalities stay
    at or below 0.995, psych's bound; loadings are signed so their sum is positive.

    Parameters
    ----------
    r : 2-D array
        Correlation matrix of the items.

    Returns
    -------
    dict
        ``loadings``, ``h2`` (communalities, ``l^2``), ``u2`` (``1 - h2``), ``heywood``
        (True when a communality reached the bound), ``converged``, ``rmsr`` (root mean
        square off-diagonal residual).

    Notes
    -----
    In R: `psych::fa(r, nfactors = 1, fm = "minres")$loadings`.

    Examples
    --------
    >>> import numpy as np
    >>> lam = np.array([0.8, 0.7, 0.6, 0.5])
    >>> r = np.outer(lam, lam); np.fill_diagonal(r, 1)
    >>> minres_one_factor(r)["loadings"].round(6).tolist()
    [0.8, 0.7, 0.6, 0.5]
    """
    r = np.asarray(r, dtype=float)
    k = r.shape[0]
    if k < 3 or not np.all(np.isfinite(r)):
        nan = np.full(k, np.nan)
        return dict(loadings=nan, h2=nan, u2=nan, heywood=False, converged=False, rmsr=np.nan)
    iu, ju = np.triu_indices(k, 1)
    target = r[iu, ju]
    # start: principal axis with SMC communalities
    start_m = r.copy()
    start_m[np.arange(k), np.arange(k)] = np.maximum(smc(r), 0.05)
    vals, vecs = np.linalg.eigh(start_m)
    x0 = vecs[:, -1] * math.sqrt(max(vals[-1], 1e-6))
    bound = math.sqrt(_HEYWOOD_H2)
    x0 = np.clip(x0, -bound + 1e-9, bound - 1e-9)
    rows = np.arange(iu.size)

    def resid(lam: np.ndarray) -> np.ndarray:
        return target - lam[iu] * lam[ju]

    def jac(lam: np.ndarray) -> np.ndarray:
        jm = np.zeros((iu.size, k))
        jm[rows, iu] = -lam[ju]
        jm[rows, ju] = -lam[iu]
        return jm

    fit = optimize.least_squares(
        resid, x0, jac=jac, bounds=(-bound, bound), xtol=1e-15, ftol=1e-15, gtol=1e-15
    )
    lam = fit.x * (1.0 if fit.x.sum() >= 0 else -1.0)
    h2 = lam**2
    return dict(
        loadings=lam,
        h2=h2,
        u2=1 - h2,
        heywood=bool(np.any(h2 >= _HEYWOOD_H2 - 1e-8)),
        converged=bool(fit.success),
        rmsr=float(np.sqrt(np.mean(fit.fun**2))),
    )


def omega_total(items: Any, *, use: str = "pairwise") -> dict[str, Any]:
    """McDonald's omega total from a one-factor minres solution (``psych::omega``, 1 factor).

    ``omega_total = 1 - sum(u2) / sum(R)`` with ``R`` the item correlation matrix
    (pairwise-complete Pearson correlations with ``use="pairwise"``, as
    ``cor(x, use = "pairwise")``), and ``u2`` the uniquenesses of the one-factor
    solution. Needs at least three items (NaN otherwise).

    Parameters
    ----------
    items : DataFrame or 2-D array
        One column per item (keyed), one row per person; NaN for missing.
    use : {"pairwise", "listwise"}
        Pairwise-complete correlations (``cor(x, use = "pairwise")``) or complete cases.

    Returns
    -------
    dict
        ``omega_total``, ``loadings`` / ``h2`` / ``u2`` (Series by item), ``heywood``,
        ``converged``, ``rmsr``, ``std_alpha`` (alpha of the correlation matrix, psych's
        ``omega()$alpha``).

    Notes
    -----
    In R: `psych::omega(items, nfactors = 1)$omega.tot`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=500)
    >>> x = pd.DataFrame({f"i{j}": f * l + rng.normal(size=500) for j, l in enumerate([1, .8, .6])})
    >>> 0 < omega_total(x)["omega_total"] < 1
    True
    """
    df = _prepare(items, use)
    r = df.corr().to_numpy()
    fit = minres_one_factor(r)
    k = r.shape[0]
    idx = pd.Index(df.columns, name="item")
    sum_r = r.sum()
    om = 1 - fit["u2"].sum() / sum_r if k >= 3 else float("nan")
    std_alpha = (1 - k / sum_r) * k / (k - 1) if k >= 2 else float("nan")
    return dict(
        omega_total=float(om),
        loadings=pd.Series(fit["loadings"], index=idx),
        h2=pd.Series(fit["h2"], index=idx),
        u2=pd.Series(fit["u2"], index=idx),
        heywood=fit["heywood"],
        converged=fit["converged"],
        rmsr=fit["rmsr"],
        std_alpha=float(std_alpha),
    )


# ---------------------------------------------------------------- shift check
def _item_shift(values: np.ndarray, lo: int, hi: int) -> float:
    """One item's answers: 0 (on the scale or none), -1 or +1 (shifted), NaN (off, unexplained).

    The shift itself is :func:`dyadscore.scoring.shift_hint`'s finding (the one detector);
    its direction is the side of the scale the answers left.
    """
    from .scoring import shift_hint

    v = values[~np.isnan(values)]
    if v.size == 0 or (v.min() >= lo and v.max() <= hi):
        return 0.0
    if shift_hint(v, lo, hi):
        return -1.0 if v.min() < lo else 1.0
    return float("nan")


def scale_shift_warnings(raw_items: pd.DataFrame, instrument: Any) -> list[str]:
    """Warn when raw answers look shifted off the declared response scale.

    Run this on the RAW values, before range validation: 0-6 answers for a 1-7 scale
    (all values within ``[min-1, max-1]`` and some equal to ``min-1``) or 2-8 answers
    (within ``[min+1, max+1]``, some equal to ``max+1``), as
    :func:`dyadscore.scoring.shift_hint` finds them. Checked over all of the instrument's
    items present in ``raw_items`` and, if that is clean, item by item.

    Parameters
    ----------
    raw_items : DataFrame
        Columns named by item id (other columns are ignored); values as entered.
    instrument : id, path or Instrument

    Returns
    -------
    list of str
        One line per finding (empty when nothing looks shifted).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"sat1": [0, 2, 4], "sat2": [1, 3, 0]})
    >>> scale_shift_warnings(raw, "relationship-satisfaction")[0][:60]
    'relationship-satisfaction: answers range 0-4 but the scale i'
    """
    from .instruments import load_instrument

    inst = load_instrument(instrument)
    cols = [c for c in inst.item_ids if c in raw_items.columns]
    vals = raw_items[cols].apply(pd.to_numeric, errors="coerce")
    vals = vals.to_numpy(dtype=float, na_value=np.nan).reshape(len(raw_items), len(cols))
    lo, hi = inst.scale_min, inst.scale_max
    scale = f"{lo}-{hi}"
    guess = {-1.0: f"{lo - 1}-{hi - 1}", 1.0: f"{lo + 1}-{hi + 1}"}
    whole = _item_shift(vals, lo, hi)
    if whole in guess:
        found = vals[~np.isnan(vals)]
        return [
            f"{inst.id}: answers range {found.min():g}-{found.max():g} but the scale is "
            f"{scale}; this looks like {guess[whole]} coding (shifted by {whole:+g}); "
            "recode before scoring"
        ]
    shifts = np.array([_item_shift(vals[:, j], lo, hi) for j in range(len(cols))])
    out = []
    for delta, coded in guess.items():
        names = [c for c, d in zip(cols, shifts, strict=True) if d == delta]
        if names:
            out.append(
                f"{inst.id}: item(s) {', '.join(map(repr, names))} look coded {coded} "
                f"instead of {scale} (shifted); recode before scoring"
            )
    return out


# ---------------------------------------------------------------- the result
_REL_TEXT = Texts("reliability")  # strings/reliability.yaml


@dataclass(repr=False)
class ReliabilityResult(Result):
    """Reliability of every subscale (and group): tables, warnings, summary.

    Attributes
    ----------
    scales : DataFrame
        One row per instrument x subscale x group: ``instrument, subscale, group, n, k,
        alpha, alpha_ci_low, alpha_ci_high, std_alpha, omega_total, omega_cfa, average_r,
        g6, mean, sd, sem`` (``omega_cfa``: from the ML CFA, :func:`omega_cfa`; ``mean``/``sd``/``sem`` on the subscale's score metric: item
        mean, or prorated sum for ``method: sum``; SEM uses raw alpha).
    items : DataFrame
        One row per item x subscale x group: ``instrument, subscale, group, item,
        reversed, n, mean, sd, r_drop, alpha_if_deleted, std_alpha_if_deleted, loading``.
    warnings : list of str
        One-line findings (mis-keyed items, shifted answers, zero variance, short scales).
    settings : dict
        ``use``, ``ci``, ``by``.
    provenance : list of dict
        Provenance records of the instruments used.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"person": list("abcde"), "sat1": [1, 2, 3, 4, 5],
    ...                   "sat2": [2, 2, 3, 5, 5], "sat3": [5, 3, 3, 2, 1],
    ...                   "sat4": [1, 3, 3, 4, 4], "sat5": [2, 2, 4, 4, 5]})
    >>> res = reliability(x, "relationship-satisfaction")
    >>> res.scales[["subscale", "group", "n", "k"]].to_dict("records")
    [{'subscale': 'satisfaction', 'group': 'all', 'n': 5, 'k': 5}]
    """

    scales: pd.DataFrame
    items: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    provenance: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, lang: str = "en", digits: int = 2, *, items: bool = False) -> str:
        """Readable text table of the scale reliabilities (and items), then the warnings.

        ``lang="nl"`` gives Dutch headings and decimal commas.
        """
        if lang not in _REL_TEXT:
            raise InputError(f"lang: {lang}: expected one of en, nl")
        t = _REL_TEXT[lang]
        s = self.scales

        def _fmt(v: float, digits: int) -> str:
            return format_number(v, digits, lang)

        lines = [
            t["title"].format(
                use=self.settings.get("use"), ci=f"{100 * self.settings.get('ci', 0.95):g}"
            )
        ]
        if s.empty:
            lines.append(t["none"])
        else:
            ci = [
                _fmt_ci(lo, hi, digits, lang)
                for lo, hi in zip(s["alpha_ci_low"], s["alpha_ci_high"], strict=True)
            ]
            table = pd.DataFrame(
                {
                    "instrument": s["instrument"],
                    "subscale": s["subscale"],
                    "group": s["group"].astype(str),
                    "n": s["n"],
                    "k": s["k"],
                    "alpha": s["alpha"].map(lambda v: _fmt(v, digits)),
                    "CI": ci,
                    "omega": s["omega_total"].map(lambda v: _fmt(v, digits)),
                    "omega CFA": s["omega_cfa"].map(lambda v: _fmt(v, digits)),
                    "std.alpha": s["std_alpha"].map(lambda v: _fmt(v, digits)),
                    "avg r": s["average_r"].map(lambda v: _fmt(v, digits)),
                    "mean": s["mean"].map(lambda v: _fmt(v, digits)),
                    "sd": s["sd"].map(lambda v: _fmt(v, digits)),
                    "SEM": s["sem"].map(lambda v: _fmt(v, digits)),
                }
            )
            if (table["group"] == ALL_GROUP).all():
                table = table.drop(columns="group")
            lines.append(table.to_string(index=False))
        if items and not self.items.empty:
            lines += ["", t["items"]]
            it = self.items
            lines.append(
                pd.DataFrame(
                    {
                        "instrument": it["instrument"],
                        "subscale": it["subscale"],
                        "group": it["group"].astype(str),
                        "item": it["item"] + np.where(it["reversed"], "-", ""),
                        "n": it["n"],
                        "mean": it["mean"].map(lambda v: _fmt(v, digits)),
                        "sd": it["sd"].map(lambda v: _fmt(v, digits)),
                        "r.drop": it["r_drop"].map(lambda v: _fmt(v, digits)),
                        "alpha if deleted": it["alpha_if_deleted"].map(lambda v: _fmt(v, digits)),
                        "loading": it["loading"].map(lambda v: _fmt(v, digits)),
                    }
                ).to_string(index=False)
            )
        if self.warnings:
            lines.append("")
            lines.append(t["warnings"].format(n=len(self.warnings)))
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_fields(self) -> dict[str, Any]:
        s = self.scales
        alpha = pd.to_numeric(s["alpha"], errors="coerce") if "alpha" in s else pd.Series()
        fields: dict[str, Any] = {"scales": len(s)}
        if len(s):
            fields["instruments"] = ",".join(dict.fromkeys(map(str, s["instrument"])))[:80]
        if alpha.notna().any():
            fields["alpha_min"] = float(alpha.min())
            fields["alpha_max"] = float(alpha.max())
        fields["warnings"] = len(self.warnings)
        return fields

    def _html_tables(self) -> dict[str, Any]:
        return {"scales": self.scales, "items": self.items}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None): scales, items, warnings, settings, provenance."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(df.to_json(orient="records", double_precision=15))

        return {
            "scales": records(self.scales),
            "items": records(self.items),
            "warnings": list(self.warnings),
            "settings": dict(self.settings),
            "provenance": list(self.provenance),
        }


def _fmt_ci(lo: float, hi: float, digits: int, lang: str = "en") -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "NA"
    sep = "; " if lang == "nl" else ", "
    return f"[{format_number(lo, digits, lang)}{sep}{format_number(hi, digits, lang)}]"


# ------------------------------------------------------------ one subscale
def _subscale_stats(
    x: pd.DataFrame,
    *,
    reversed_items: set[str],
    method: str,
    use: str,
    ci: float,
    label: str,
) -> tuple[dict[str, Any], pd.DataFrame, list[str]]:
    """Statistics of one subscale in one group: scale row, item rows, warnings."""
    warns: list[str] = []
    x = _prepare(x, use)
    k_all = x.shape[1]
    n_ans = x.notna().sum()
    sds = x.std()
    n_persons = _n_persons(x)
    if n_persons < 3:
        warns.append(f"{label}: only {n_persons} person(s) answered; reliability is NA")
        x_stats = x.iloc[:, :0]
        return _finish_subscale(x, x_stats, reversed_items, method, ci, label, warns)
    unusable = list(x.columns[(n_ans < 2) | ~(sds > 0)])
    for item in unusable:
        if n_ans[item] == 0:
            warns.append(f"{label}: item {item!r} has no answers; left out of alpha and omega")
        elif n_ans[item] == 1:
            warns.append(f"{label}: item {item!r} has only one answer; left out of alpha and omega")
        else:
            value = x[item].dropna().iloc[0]
            warns.append(
                f"{label}: item {item!r} has no variance (every answer is {value:g}); "
                "left out of alpha and omega"
            )
    usable = x.drop(columns=unusable)
    k = usable.shape[1]
    if k_all == 1:
        warns.append(f"{label}: single-item subscale; alpha and omega need 2+ and 3+ items (NA)")
    elif k == 2 and k_all >= 2:
        warns.append(f"{label}: only 2 usable items; omega needs 3+ (NA), alpha is a correlation")
    elif k < 2 <= k_all:
        warns.append(f"{label}: fewer than 2 usable items; alpha and omega are NA")
    return _finish_subscale(x, usable, reversed_items, method, ci, label, warns)


def _finish_subscale(
    x: pd.DataFrame,
    usable: pd.DataFrame,
    reversed_items: set[str],
    method: str,
    ci: float,
    label: str,
    warns: list[str],
) -> tuple[dict[str, Any], pd.DataFrame, list[str]]:
    """Scale row and item rows from the usable items (``x``: all items of the subscale)."""
    k_all, k = x.shape[1], usable.shape[1]
    a = cronbach_alpha(usable, use="pairwise", ci=ci)  # already listwise-filtered if asked
    if k >= 2 and not np.isfinite(a["alpha"]):
        warns.append(f"{label}: some item pairs were never answered together; alpha is NA")
    om = omega_total(usable) if k >= 3 else None
    if om is not None and om["heywood"]:
        warns.append(f"{label}: one-factor solution hit a Heywood case (communality >= .995)")

    person_mean = x.mean(axis=1)
    scale_score = person_mean * k_all if method == "sum" else person_mean
    sd = float(scale_score.std())
    rel = a["alpha"]
    row = dict(
        n=_n_persons(x),
        k=k,
        alpha=a["alpha"],
        alpha_ci_low=a["ci_low"],
        alpha_ci_high=a["ci_high"],
        std_alpha=a["std_alpha"],
        omega_total=om["omega_total"] if om is not None else float("nan"),
        omega_cfa=omega_cfa(usable) if k >= 3 else float("nan"),
        average_r=a["average_r"],
        g6=a["g6"],
        mean=float(scale_score.mean()),
        sd=sd,
        sem=float(sd * math.sqrt(1 - rel)) if np.isfinite(rel) and 0 <= rel <= 1 else float("nan"),
    )

    st = item_statistics(usable, use="pairwise") if k >= 1 else None
    items = pd.DataFrame(index=pd.Index(x.columns, name="item"))
    items["reversed"] = [c in reversed_items for c in x.columns]
    items["n"] = x.notna().sum().astype(int)
    items["mean"] = x.mean()
    items["sd"] = x.std()
    for col in ("r_drop", "alpha_if_deleted", "std_alpha_if_deleted"):
        items[col] = st[col] if st is not None else np.nan
    items["loading"] = om["loadings"] if om is not None else np.nan
    if k >= 3:
        warns += _keying_warnings(items, label)
    return row, items.reset_index(), warns


def _keying_warnings(items: pd.DataFrame, label: str) -> list[str]:
    """Items whose corrected item-total correlation is negative after keying."""
    neg = items[items["r_drop"] < 0]
    out = []
    for item, rev, rd in zip(neg.index, neg["reversed"], neg["r_drop"], strict=True):
        if rev:
            out.append(
                f"{label}: item {item!r} is reverse-keyed but correlates negatively with the "
                f"rest of the scale after keying (r.drop = {rd:.2f}); mis-keyed, or already "
                "reversed in the data?"
            )
        else:
            out.append(
                f"{label}: item {item!r} correlates negatively with the rest of the scale "
                f"(r.drop = {rd:.2f}); should it be reverse-keyed?"
            )
    return out


# ------------------------------------------------------------------- public
@_file_name_as_source
def reliability(
    data: pd.DataFrame | str | os.PathLike,
    instruments: Any,
    *,
    by: str | None = None,
    use: str = "pairwise",
    mapping: Any = None,
    ci: float = 0.95,
    allow_between_points: bool = False,
) -> ReliabilityResult:
    """Reliability of every subscale of one or more instruments, overall and per group.

    Items are keyed with :func:`dyadscore.scoring.keyed_items` (range-checked,
    reverse-keyed as ``min + max - x``). When every value off the scale is explained by
    a one-point shift of whole items (0-6 answers for a 1-7 scale, in some items or all),
    reliability is computed on the answers as given (alpha, omega and item-total r do
    not change when a constant is added to an item) and each shifted item is named in a
    warning; :func:`dyadscore.score` still refuses such data until they are recoded.
    Other values off the scale raise :class:`~dyadscore.errors.InputError` (with a
    shift hint from :func:`scale_shift_warnings` where one applies).

    Parameters
    ----------
    data : DataFrame or path
        Item data as :func:`dyadscore.score` takes: wide (one row per person[-wave],
        item columns named by item id or mapped) or long (``person, item, value``).
    instruments : id, path, Instrument or a list of them
    by : str, optional
        Column to group by (e.g. ``"role"`` for distinguishable dyads); results are
        given overall (group ``"all"``) and per group.
    use : {"pairwise", "listwise"}
        Pairwise-complete covariances (psych's default) or complete cases per subscale.
    mapping : dict or path, optional
        ``{export column: item id}``.
    ci : float
        Level of the Feldt interval for alpha.
    allow_between_points : bool
        Accept answers between the points of the response scale (3.5 on a 1-7 scale); by
        default they are an :class:`InputError` unless the instrument declares a step.

    Returns
    -------
    ReliabilityResult

    Notes
    -----
    ``n`` counts persons who answered at least one of the subscale's items (complete
    cases with ``use="listwise"``); the Feldt interval uses this ``n``. Longitudinal
    data are pooled unless ``by="wave"``.

    In R: `psych::alpha(items)` (alpha, std.alpha, G6, average_r, r.drop, alpha if
    deleted), `psych::alpha.ci(alpha, n.obs = n, n.var = k)` (Feldt interval) and
    `psych::omega(items, nfactors = 1)` (omega total), per group on that group's rows.

    Examples
    --------
    >>> import dyadscore as ds
    >>> latent = ds.simulate_paradox(60, seed=1).query("wave == 1")
    >>> items = ds.simulate_items(latent, "acceptance-of-dependence", seed=3)
    >>> res = ds.reliability(items, "acceptance-of-dependence", by="role")
    >>> res.scales[["subscale", "group", "n", "alpha", "omega_total"]].round(2)
                   subscale  group    n  alpha  omega_total
    0  perceived_acceptance    all  120   0.79         0.79
    1  perceived_acceptance    man   60   0.78         0.78
    2  perceived_acceptance  woman   60   0.81         0.81
    3      acceptance_given    all  120   0.78         0.78
    4      acceptance_given    man   60   0.77         0.78
    5      acceptance_given  woman   60   0.78         0.79
    """
    from .instruments import load_instruments

    _check_use(use)
    df, found = _wide_items(data, mapping=mapping, by=by)
    with reading(found):  # error messages name the file
        if by is not None and by not in df.columns:
            raise InputError(
                f"{input_name('data')}: column {by!r} (--by) not found; columns are "
                f"{', '.join(map(str, df.columns[:12]))}"
            )
        insts = load_instruments(instruments)

        warnings: list[str] = []
        if by != "wave" and "wave" in df.columns and df["wave"].nunique() > 1:
            warnings.append(
                f"{input_name('data')}: {df['wave'].nunique()} waves pooled (people count once per "
                "wave); use by='wave' (--by wave) or select one wave"
            )
        scale_rows: list[dict[str, Any]] = []
        item_frames: list[pd.DataFrame] = []
        groups = _groups(df, by)
        for inst in insts:
            keyed, shift_warns = _keyed(df, inst, allow_between_points)
            warnings += shift_warns
            rev = set(inst.reverse_items)
            for sub_name, sub in inst.subscales.items():
                for gname, mask in groups:
                    x = keyed.loc[_align(mask, keyed.index), sub.items]
                    label = f"{inst.id}/{sub_name}" + (
                        "" if gname == ALL_GROUP else f" [{by}={gname}]"
                    )
                    row, items, warns = _subscale_stats(
                        x, reversed_items=rev, method=sub.method, use=use, ci=ci, label=label
                    )
                    ids = dict(instrument=inst.id, subscale=sub_name, group=gname)
                    scale_rows.append({**ids, **row})
                    item_frames.append(items.assign(**ids))
                    warnings += warns
        scale_cols = [
            "instrument", "subscale", "group", "n", "k", "alpha", "alpha_ci_low", "alpha_ci_high",
            "std_alpha", "omega_total", "omega_cfa", "average_r", "g6", "mean", "sd", "sem",
        ]  # fmt: skip
        item_cols = [
            "instrument", "subscale", "group", "item", "reversed", "n", "mean", "sd", "r_drop",
            "alpha_if_deleted", "std_alpha_if_deleted", "loading",
        ]  # fmt: skip
        scales = pd.DataFrame(scale_rows, columns=scale_cols)
        items = (
            pd.concat(item_frames, ignore_index=True)[item_cols]
            if item_frames
            else pd.DataFrame(columns=item_cols)
        )
        return ReliabilityResult(
            scales=scales,
            items=items,
            warnings=list(dict.fromkeys(warnings)),
            settings={"use": use, "ci": ci, "by": by},
            provenance=[inst.provenance_record() for inst in insts],
        )


def _wide_items(data: Any, *, mapping: Any, by: str | None) -> tuple[pd.DataFrame, str | None]:
    """Data as a wide frame with item columns named by item id (mapping applied)."""
    from .scoring import response_table

    return response_table(data, mapping=mapping, extra_ids=[by] if by is not None else [])


def _keyed(df: pd.DataFrame, inst: Any, between: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Keyed items and shift warnings.

    Values off the scale are an error unless every one of them is explained by a one-point
    shift of a whole item (0-6 answers for a 1-7 scale): alpha, omega and item-total r do
    not change when a constant is added to an item (reverse keying ``min + max - x`` of
    shifted answers is shifted too), so such items are keyed as given and named in a
    warning. Other range errors gain a per-item shift hint when scoring gave none.
    """
    from .scoring import keyed_items

    try:
        return keyed_items(df, inst, allow_between_points=between), []
    except InputError as exc:
        shifts = _item_shifts(df, inst)
        if shifts is None:
            shift = scale_shift_warnings(df, inst)
            if shift and "shift" not in str(exc):
                raise InputError(f"{exc}; {shift[0].split(': ', 1)[1]}") from None
            raise
    recoded = df.copy(deep=False)
    for item, (delta, values, _, _) in shifts.items():
        recoded[item] = values - delta
    keyed = keyed_items(recoded, inst, allow_between_points=between)
    lo, hi = inst.scale_min, inst.scale_max
    warns = []
    for item, (delta, _, vmin, vmax) in shifts.items():
        # as given: x = recoded + delta; reversed: lo + hi - x = keyed(recoded) - delta
        keyed[item] += -delta if inst.item(item).reverse else delta
        fix = "adding 1" if delta < 0 else "subtracting 1"
        warns.append(
            f"{inst.id} item {item}: answers {vmin:g}-{vmax:g} look shifted off the {lo}-{hi} "
            f"scale (recode by {fix}); reliability computed as given, scores will be refused "
            "until recoded"
        )
    return keyed, warns


def _item_shifts(
    df: pd.DataFrame, inst: Any
) -> dict[str, tuple[int, np.ndarray, float, float]] | None:
    """``{item: (shift, values, min, max)}`` for items answered one point off the scale.

    ``shift`` is -1 for 0-6 answers to a 1-7 scale and +1 for 2-8 answers (see
    :func:`_item_shift`). None when the items are not all present and numeric, when some
    value off the scale is not explained by such a shift, or when nothing is off the scale.
    """
    from .scoring import _numeric_column

    lo, hi = inst.scale_min, inst.scale_max
    ids = pd.Series(np.arange(len(df)), index=df.index)
    out: dict[str, tuple[int, np.ndarray, float, float]] = {}
    for item in inst.item_ids:
        if item not in df.columns:
            return None
        try:
            values = _numeric_column(df[item], item, ids)
        except InputError:
            return None
        delta = _item_shift(values, lo, hi)
        if np.isnan(delta):
            return None
        if delta:
            out[item] = (int(delta), values, float(np.nanmin(values)), float(np.nanmax(values)))
    return out or None


def _groups(data: pd.DataFrame, by: str | None) -> list[tuple[str, pd.Series]]:
    """(label, boolean mask over data.index): overall first, then each group value."""
    out = [(ALL_GROUP, pd.Series(True, index=data.index))]
    if by is None:
        return out
    col = data[by]
    values = sorted(col.dropna().unique(), key=lambda v: (str(type(v)), v))
    if ALL_GROUP in [str(v) for v in values]:
        raise InputError(f"column {by!r}: group value {ALL_GROUP!r} is reserved for the total")
    out += [(str(v), col == v) for v in values]
    return out


def _align(mask: pd.Series, index: pd.Index) -> np.ndarray:
    """Boolean row selector for a frame whose index is (normally) the data's index."""
    if mask.index.equals(index):
        return mask.to_numpy()
    return mask.reindex(index, fill_value=False).to_numpy()


# ------------------------------------------------- omega from the ML CFA (issue 10)
def omega_cfa(items: Any) -> float:
    """Omega total from a one-factor ML CFA (lavaan's estimates; FIML on incomplete rows).

    ``(sum of loadings)^2 / ((sum of loadings)^2 + sum of residual variances)`` with the
    factor variance fixed at 1 (McNeish 2018, formula 2), the loadings and residual
    variances estimated by :func:`dyadscore.cfa` (maximum likelihood on every answered
    item, not psych's minres factor analysis behind ``omega_total``). NaN when fewer than
    three items vary or the model does not converge.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> f = rng.normal(size=(500, 1))
    >>> x = pd.DataFrame(f * [0.8, 0.7, 0.6, 0.7] + rng.normal(scale=0.6, size=(500, 4)))
    >>> round(omega_cfa(x), 3)
    0.855

    In R: ``semTools::compRelSEM(lavaan::cfa("F =~ x1 + x2 + x3 + x4", data, std.lv =
    TRUE, missing = "ml"))``.
    """
    from ._sem import fit_model, one_factor_rows

    x = pd.DataFrame(items).astype(float)
    x = x.loc[:, x.std() > 0].dropna(how="all")
    if x.shape[1] < 3 or len(x) <= 2 * x.shape[1]:
        return float("nan")
    names = [str(c) for c in x.columns]
    try:
        fit = fit_model(one_factor_rows(names, "F", "FF"), names, ["F"], x.to_numpy(), "fiml")
    except (np.linalg.LinAlgError, ValueError):
        return float("nan")
    if not fit.converged:
        return float("nan")
    est = pd.DataFrame(fit.params)
    sl = est.loc[est.op == "=~", "est"].sum()
    st = est.loc[(est.op == "~~") & (est.lhs != "F"), "est"].sum()
    return float(sl**2 / (sl**2 + st))
