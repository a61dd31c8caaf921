"""The actor-partner interdependence mediation model (APIMeM), fitted by ML as lavaan does.

Ledermann, Macho & Kenny (2011): each partner's predictor ``x`` affects both partners'
mediators ``m`` (actor path ``a``, partner path ``p``), each mediator affects both
partners' outcomes ``y`` (actor ``b``, partner ``q``), and ``x`` has direct actor (``c``) and
partner (``d``) effects on ``y``; the two ``x`` covary, and so do the residuals of the two
``m`` and of the two ``y``. Eight indirect effects follow, named path1-path2-total: for
person 1's ``x`` (and likewise person 2's)

========  ==========================  ===========================================
name      chain                       part of
========  ==========================  ===========================================
aaa1      x1 -> m1 -> y1 = a1*b1      actor effect (x1 on y1)
ppa1      x1 -> m2 -> y1 = p21*q12    actor effect
app1      x1 -> m1 -> y2 = a1*q21     partner effect (x1 on y2)
pap1      x1 -> m2 -> y2 = p21*b2     partner effect
========  ==========================  ===========================================

``totind_actor1 = aaa1 + ppa1``, ``totind_partner1 = app1 + pap1``,
``total_actor1 = c1 + totind_actor1``, ``total_partner1 = d21 + totind_partner1``.
Two-digit suffixes ``ij`` mean "on person i from person j" (``p12``: person 2's ``x`` on
person 1's ``m``). The names (``ind_aaa1`` ...) are those of the lavaan reference
(``tests/oracle/apimem``).

Estimation (equal to ``lavaan::sem(..., estimator = "ML", meanstructure = TRUE,
fixed.x = FALSE)``):

* **Distinguishable** dyads: the model is saturated (27 parameters, 27 moments), so the ML
  estimates have a closed form: OLS of each endogenous variable on its predictors,
  residual (co)variances ``crossprod(residuals) / N``, moments of ``x`` with divisor ``N``.
* **Indistinguishable** dyads (Olsen & Kenny, 2006): the same paths for both members,
  equal means/intercepts and (residual) variances. In sums ``s = v1 + v2`` and differences
  ``d = v1 - v2`` this model splits into a saturated model of the sums and a saturated
  model of the differences with zero means, so its ML estimates are closed form too
  (OLS on the sums; OLS through the origin on the raw second moments of the differences).
  Its chi-square (df 12) is the test of indistinguishability against the saturated model;
  the "equal paths only" model (df 6) is fitted by Fisher scoring.
* Standard errors: inverse expected information at the model-implied moments, divided by
  ``N`` (lavaan's default ``information = "expected"``); defined (indirect, total) effects
  by the delta method with the exact Jacobian; z tests and normal CIs.
* Bootstrap: couples resampled with replacement, every resample refitted (all at once, by
  batched linear algebra); percentile CIs with the interpolation of the ``boot`` package
  (``norm.inter``), as ``parameterEstimates(fit, boot.ci.type = "perc")``.

Examples
--------
>>> import dyadscore as ds
>>> df = ds.simulate_mediation(300, seed=1)
>>> res = ds.apimem(df, x="x", m="m", y="y", dyad="couple", role="role")
>>> res.effect("ind_aaa1")["estimate"] > 0
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import Texts, check_lang
from .errors import InputError, _file_name_as_source, input_name
from .results import Result, format_number, format_p_eq, format_stars

__all__ = [
    "apimem",
    "APIMeMResult",
    "apimem_effect",
    "apimem_decide",
    "simulate_mediation",
    "power_mediation",
    "percentile_ci",
]

# observed variables, in the order of every matrix below
VARS: tuple[str, ...] = ("x1", "x2", "m1", "m2", "y1", "y2")
_IX = {v: i for i, v in enumerate(VARS)}
K = 6
MIN_COUPLES = 10

# ------------------------------------------------------------------ model specifications
# a row: (lhs, op, rhs, label); op "~" regression (lhs on rhs), "~~" covariance, "~1" mean
_PATHS_DIST = [
    ("m1", "~", "x1", "a1"),
    ("m1", "~", "x2", "p12"),
    ("m2", "~", "x2", "a2"),
    ("m2", "~", "x1", "p21"),
    ("y1", "~", "m1", "b1"),
    ("y1", "~", "m2", "q12"),
    ("y1", "~", "x1", "c1"),
    ("y1", "~", "x2", "d12"),
    ("y2", "~", "m2", "b2"),
    ("y2", "~", "m1", "q21"),
    ("y2", "~", "x2", "c2"),
    ("y2", "~", "x1", "d21"),
]
_FREE_TAIL = [  # lavaan's automatically added rows, in its order
    ("x1", "~~", "x2", ""),
    ("m1", "~~", "m2", ""),
    ("y1", "~~", "y2", ""),
    ("m1", "~~", "m1", ""),
    ("m2", "~~", "m2", ""),
    ("y1", "~~", "y1", ""),
    ("y2", "~~", "y2", ""),
    ("x1", "~~", "x1", ""),
    ("x2", "~~", "x2", ""),
    ("m1", "~1", "", ""),
    ("m2", "~1", "", ""),
    ("y1", "~1", "", ""),
    ("y2", "~1", "", ""),
    ("x1", "~1", "", ""),
    ("x2", "~1", "", ""),
]
_EQUAL = {  # distinguishable label -> indistinguishable label
    "a1": "a",
    "a2": "a",
    "p12": "p",
    "p21": "p",
    "b1": "b",
    "b2": "b",
    "q12": "q",
    "q21": "q",
    "c1": "c",
    "c2": "c",
    "d12": "d",
    "d21": "d",
}
ROWS = {
    "dist": _PATHS_DIST + _FREE_TAIL,
    "indist": [(lhs, op, rhs, _EQUAL[lab]) for lhs, op, rhs, lab in _PATHS_DIST]
    + [
        ("x1", "~~", "x1", "vx"),
        ("x2", "~~", "x2", "vx"),
        ("x1", "~~", "x2", ""),
        ("m1", "~~", "m1", "vm"),
        ("m2", "~~", "m2", "vm"),
        ("m1", "~~", "m2", ""),
        ("y1", "~~", "y1", "vy"),
        ("y2", "~~", "y2", "vy"),
        ("y1", "~~", "y2", ""),
        ("x1", "~1", "", "mx"),
        ("x2", "~1", "", "mx"),
        ("m1", "~1", "", "im"),
        ("m2", "~1", "", "im"),
        ("y1", "~1", "", "iy"),
        ("y2", "~1", "", "iy"),
    ],
    "paths_only": [(lhs, op, rhs, _EQUAL[lab]) for lhs, op, rhs, lab in _PATHS_DIST] + _FREE_TAIL,
}

# defined parameters: name -> list of (coefficient, path labels multiplied)
_INDIRECT = {
    "dist": {
        "ind_aaa1": ("a1", "b1"),
        "ind_aaa2": ("a2", "b2"),
        "ind_ppa1": ("p21", "q12"),
        "ind_ppa2": ("p12", "q21"),
        "ind_app1": ("a1", "q21"),
        "ind_app2": ("a2", "q12"),
        "ind_pap1": ("p21", "b2"),
        "ind_pap2": ("p12", "b1"),
    },
    "indist": {
        "ind_aa": ("a", "b"),
        "ind_pp": ("p", "q"),
        "ind_ap": ("a", "q"),
        "ind_pa": ("p", "b"),
    },
}
# the direct (actor c, partner d) effects of person 1's, person 2's (or anyone's) x
_DIRECT = {"1": ("c1", "d21"), "2": ("c2", "d12"), "": ("c", "d")}


def _defined(kind: str) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, str]]:
    """The indirect effects and their sums (Ledermann et al., 2011), with lavaan's text of the
    sums: the total indirect actor (partner) effect of a person's x is the sum of the two
    indirect effects that end at the person (the partner); the total effect adds the direct
    effect."""
    ind = _INDIRECT[kind]
    sfx, n = (("1", "2"), 3) if kind == "dist" else (("",), 2)
    ends = {"actor": ("aaa", "ppa"), "partner": ("app", "pap")}
    out = {k: [v] for k, v in ind.items()}
    rhs = {}
    for total in ("totind", "total"):
        for j, (end, chains) in enumerate(ends.items()):
            for s in sfx:
                parts = [f"ind_{c[:n]}{s}" for c in chains]
                direct = [_DIRECT[s][j]] if total == "total" else []
                out[f"{total}_{end}{s}"] = [(d,) for d in direct] + [ind[k] for k in parts]
                rhs[f"{total}_{end}{s}"] = "+".join(direct + parts)
    return out, rhs


# _DEF_RHS: lavaan's text of the dist model's sums (they name the indirect effects)
DEFINED = {"dist": _defined("dist")[0], "indist": _defined("indist")[0]}
_DEF_RHS = _defined("dist")[1]
_CHAIN_NAMES = {  # the indirect effects of Ledermann et al. (both languages)
    "aaa": "actor-actor-actor",
    "ppa": "partner-partner-actor",
    "app": "actor-partner-partner",
    "pap": "partner-actor-partner",
}
_CHAIN_NAMES.update({k[:2]: v for k, v in _CHAIN_NAMES.items()})  # aa, pp, ap, pa (indist.)
DEFINED["paths_only"] = {k: DEFINED["indist"][k] for k in ("ind_aa", "ind_pp", "ind_ap", "ind_pa")}

DESCRIPTION = {
    "a": "actor X->M",
    "p": "partner X->M",
    "b": "actor M->Y",
    "q": "partner M->Y",
    "c": "direct actor X->Y",
    "d": "direct partner X->Y",
    **_CHAIN_NAMES,
}
# LMK names of the indistinguishable model's four indirect effects
_DIST_SHORT = {"aaa", "ppa", "app", "pap", "a", "p", "b", "q", "c", "d"} | {
    f"{t}_{k}" for t in ("totind", "total") for k in ("actor", "partner")
}
_INDIST_LMK = {"aaa": "ind_aa", "ppa": "ind_pp", "app": "ind_ap", "pap": "ind_pa"}


def _row_name(row: tuple[str, str, str, str]) -> str:
    lhs, op, rhs, label = row
    return label or f"{lhs}{op}{rhs}"


@dataclass
class _Spec:
    """A RAM specification: free parameter -> entries of B (paths), Psi (covariances), alpha."""

    kind: str
    rows: list
    free: list[str]
    row_free: np.ndarray  # index of each row's free parameter
    loadB: np.ndarray  # (q, 6, 6): B = sum_k theta_k loadB[k]
    loadP: np.ndarray
    loadA: np.ndarray  # (q, 6)
    defined: dict

    @classmethod
    def build(cls, kind: str) -> _Spec:
        rows = ROWS[kind]
        free: list[str] = []
        row_free = []
        for r in rows:
            name = _row_name(r)
            if name not in free:
                free.append(name)
            row_free.append(free.index(name))
        q = len(free)
        LB, LP, LA = np.zeros((q, K, K)), np.zeros((q, K, K)), np.zeros((q, K))
        for r, k in zip(rows, row_free, strict=True):
            lhs, op, rhs, _ = r
            i = _IX[lhs]
            if op == "~":
                LB[k, i, _IX[rhs]] = 1.0
            elif op == "~~":
                j = _IX[rhs]
                LP[k, i, j] = LP[k, j, i] = 1.0
            else:
                LA[k, i] = 1.0
        return cls(kind, rows, free, np.array(row_free), LB, LP, LA, DEFINED[kind])

    # -------------------------------------------------------------- moments and derivatives
    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """B, Psi, alpha for parameters ``theta`` of shape (..., q)."""
        B = np.einsum("...k,kij->...ij", theta, self.loadB)
        P = np.einsum("...k,kij->...ij", theta, self.loadP)
        A = np.einsum("...k,ki->...i", theta, self.loadA)
        return B, P, A

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        B, P, a = self.matrices(theta)
        Ainv = np.linalg.inv(np.eye(K) - B)
        sigma = Ainv @ P @ np.swapaxes(Ainv, -1, -2)
        mu = np.einsum("...ij,...j->...i", Ainv, a)
        return sigma, mu

    def jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """d Sigma / d theta (q, 6, 6) and d mu / d theta (q, 6) at ``theta`` (one vector)."""
        B, P, a = self.matrices(theta)
        Ainv = np.linalg.inv(np.eye(K) - B)
        sigma = Ainv @ P @ Ainv.T
        mu = Ainv @ a
        t1 = Ainv @ self.loadB @ sigma  # (q, 6, 6)
        dS = t1 + np.swapaxes(t1, -1, -2) + Ainv @ self.loadP @ Ainv.T
        dmu = np.einsum("ij,kjl,l->ki", Ainv, self.loadB, mu) + self.loadA @ Ainv.T
        return dS, dmu

    def information(self, theta: np.ndarray) -> np.ndarray:
        """Expected (unit) information at the model-implied moments."""
        sigma, _ = self.implied(theta)
        dS, dmu = self.jacobian(theta)
        W = np.linalg.inv(sigma)
        WdS = W @ dS  # (q, 6, 6)
        info = 0.5 * np.einsum("kij,lji->kl", WdS, WdS)
        info += dmu @ W @ dmu.T
        return info

    def score(self, theta: np.ndarray, S: np.ndarray, mean: np.ndarray) -> np.ndarray:
        sigma, mu = self.implied(theta)
        dS, dmu = self.jacobian(theta)
        W = np.linalg.inv(sigma)
        r = mean - mu
        C = S + np.outer(r, r) - sigma
        M = W @ C @ W
        return 0.5 * np.einsum("ij,kji->k", M, dS) + dmu @ (W @ r)

    # -------------------------------------------------------------- defined parameters
    def define(
        self,
        theta: np.ndarray,
        names: Sequence[str] | None = None,
        index: dict[str, int] | None = None,
    ) -> np.ndarray:
        """Defined (indirect, total) effects for ``theta`` of shape (..., q).

        ``names`` selects effects; ``index`` maps labels to columns of ``theta`` when it
        holds only some parameters (e.g. the paths).
        """
        idx = index if index is not None else {n: i for i, n in enumerate(self.free)}
        out = []
        for name in names if names is not None else self.defined:
            val = 0.0
            for term in self.defined[name]:
                prod = 1.0
                for lab in term:
                    prod = prod * theta[..., idx[lab]]
                val = val + prod
            out.append(val)
        return np.stack(out, axis=-1)

    def define_jacobian(self, theta: np.ndarray) -> np.ndarray:
        """Exact Jacobian (..., n_defined, q) of the defined parameters at ``theta`` (..., q)."""
        idx = {n: i for i, n in enumerate(self.free)}
        J = np.zeros(theta.shape[:-1] + (len(self.defined), len(self.free)))
        for r, terms in enumerate(self.defined.values()):
            for term in terms:
                for pos, lab in enumerate(term):
                    prod = np.ones(theta.shape[:-1])
                    for i, o in enumerate(term):
                        if i != pos:
                            prod = prod * theta[..., idx[o]]
                    J[..., r, idx[lab]] += prod
        return J


_SPECS: dict[str, _Spec] = {}


def _spec(kind: str) -> _Spec:
    if kind not in _SPECS:
        _SPECS[kind] = _Spec.build(kind)
    return _SPECS[kind]


# ------------------------------------------------------------------ closed-form ML (batched)
def _moments(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means (..., 6) and divisor-N covariances (..., 6, 6) of data (..., N, 6)."""
    mean = data.mean(axis=-2)
    c = data - mean[..., None, :]
    S = np.einsum("...ni,...nj->...ij", c, c) / data.shape[-2]
    return mean, S


def _regress(T: np.ndarray, lhs: int, rhs: list[int]) -> np.ndarray:
    """Slopes of variable ``lhs`` on ``rhs`` from (batched) second-moment matrices ``T``."""
    Txx = T[..., rhs, :][..., :, rhs]
    Txy = T[..., rhs, lhs]
    return np.linalg.solve(Txx, Txy[..., None])[..., 0]


def _fit_dist(mean: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Closed-form ML of the saturated distinguishable model; theta (..., 27) in lavaan order."""
    x = [_IX["x1"], _IX["x2"]]
    m = [_IX["m1"], _IX["m2"]]
    bm1 = _regress(S, _IX["m1"], x)  # a1, p12
    bm2 = _regress(S, _IX["m2"], x[::-1])  # a2, p21
    z1 = [_IX["m1"], _IX["m2"], _IX["x1"], _IX["x2"]]
    z2 = [_IX["m2"], _IX["m1"], _IX["x2"], _IX["x1"]]
    by1 = _regress(S, _IX["y1"], z1)  # b1, q12, c1, d12
    by2 = _regress(S, _IX["y2"], z2)  # b2, q21, c2, d21
    paths = np.concatenate([bm1, bm2, by1, by2], axis=-1)
    spec = _spec("dist")
    theta = np.zeros(paths.shape[:-1] + (len(spec.free),))
    theta[..., :12] = paths
    B, _, _ = spec.matrices(theta)
    IB = np.eye(K) - B
    psi = IB @ S @ np.swapaxes(IB, -1, -2)
    alpha = np.einsum("...ij,...j->...i", IB, mean)
    del m
    pairs = [("x1", "x2"), ("m1", "m2"), ("y1", "y2"), ("m1", "m1"), ("m2", "m2")]
    pairs += [("y1", "y1"), ("y2", "y2"), ("x1", "x1"), ("x2", "x2")]
    for k, (u, v) in enumerate(pairs):
        theta[..., 12 + k] = psi[..., _IX[u], _IX[v]]
    for k, v in enumerate(("m1", "m2", "y1", "y2", "x1", "x2")):
        theta[..., 21 + k] = alpha[..., _IX[v]]
    return theta


def _fit_indist(mean: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Closed-form ML of the indistinguishable (member-exchangeable) model; theta (..., 15)."""
    # sums s = v1 + v2 and differences d = v1 - v2 of (x, m, y)
    T = np.zeros((3, K))
    D = np.zeros((3, K))
    for i, (v1, v2) in enumerate((("x1", "x2"), ("m1", "m2"), ("y1", "y2"))):
        T[i, _IX[v1]] = T[i, _IX[v2]] = 1.0
        D[i, _IX[v1]], D[i, _IX[v2]] = 1.0, -1.0
    Ss = T @ S @ T.T
    ms = mean @ T.T
    md = mean @ D.T
    Sd = D @ S @ D.T + md[..., :, None] * md[..., None, :]  # raw moments: means fixed at 0
    sm = _regress(Ss, 1, [0])[..., 0]  # a + p
    dm = _regress(Sd, 1, [0])[..., 0]  # a - p
    sy = _regress(Ss, 2, [1, 0])  # b + q, c + d
    dy = _regress(Sd, 2, [1, 0])  # b - q, c - d

    def resid(Sx: np.ndarray, gm: np.ndarray, gy: np.ndarray) -> np.ndarray:
        Bm = np.zeros(gm.shape + (3, 3))
        Bm[..., 1, 0] = gm
        Bm[..., 2, 1] = gy[..., 0]
        Bm[..., 2, 0] = gy[..., 1]
        IB = np.eye(3) - Bm
        return IB @ Sx @ np.swapaxes(IB, -1, -2), IB

    Ps, IBs = resid(Ss, sm, sy)
    Pd, _ = resid(Sd, dm, dy)
    int_s = np.einsum("...ij,...j->...i", IBs, ms)  # (2 mx, 2 im, 2 iy)
    a, p = (sm + dm) / 2, (sm - dm) / 2
    b, q = (sy[..., 0] + dy[..., 0]) / 2, (sy[..., 0] - dy[..., 0]) / 2
    c, d = (sy[..., 1] + dy[..., 1]) / 2, (sy[..., 1] - dy[..., 1]) / 2
    var = (Ps[..., [0, 1, 2], [0, 1, 2]] + Pd[..., [0, 1, 2], [0, 1, 2]]) / 4
    cov = (Ps[..., [0, 1, 2], [0, 1, 2]] - Pd[..., [0, 1, 2], [0, 1, 2]]) / 4
    cols = [a, p, b, q, c, d]
    cols += [var[..., 0], cov[..., 0], var[..., 1], cov[..., 1], var[..., 2], cov[..., 2]]
    cols += [int_s[..., 0] / 2, int_s[..., 1] / 2, int_s[..., 2] / 2]
    return np.stack(cols, axis=-1)


def _start_from(kind: str, theta_dist: np.ndarray) -> np.ndarray:
    """Starting values of a constrained model: the distinguishable estimates averaged by label."""
    spec, full = _spec(kind), _spec("dist")
    out = np.zeros(len(spec.free))
    count = np.zeros(len(spec.free))
    for r_full, r in zip(full.rows, spec.rows, strict=True):
        k = spec.free.index(_row_name(r))
        out[k] += theta_dist[full.free.index(_row_name(r_full))]
        count[k] += 1
    return out / count


def _fisher_scoring(
    kind: str, mean: np.ndarray, S: np.ndarray, start: np.ndarray, tol: float = 1e-12
) -> tuple[np.ndarray, bool, int]:
    spec = _spec(kind)
    theta = start.copy()
    for it in range(1, 201):
        g = spec.score(theta, S, mean)
        step = np.linalg.solve(spec.information(theta), g)
        theta = theta + step
        if np.max(np.abs(step)) < tol:
            return theta, True, it
    return theta, False, 200


# ------------------------------------------------------------------ fit measures
def _loglik(sigma: np.ndarray, mu: np.ndarray, S: np.ndarray, mean: np.ndarray, n: int) -> float:
    W = np.linalg.inv(sigma)
    r = mean - mu
    _, logdet = np.linalg.slogdet(sigma)
    return -n / 2 * (K * math.log(2 * math.pi) + logdet + np.trace(S @ W) + r @ W @ r)


_FIT_ORDER = (
    "npar chisq df pvalue logl unrestricted_logl aic bic bic2 cfi tli rmsea rmsea_ci_lower "
    "rmsea_ci_upper rmsea_pvalue srmr baseline_chisq baseline_df ntotal"
).split()


def _fit_measures(
    spec: _Spec, theta: np.ndarray, S: np.ndarray, mean: np.ndarray, n: int
) -> dict[str, float]:
    from ._sem import fit_indices

    sigma, mu = spec.implied(theta)
    npar = len(spec.free)
    logl = _loglik(sigma, mu, S, mean, n)
    _, logdet_s = np.linalg.slogdet(S)
    unres = -n / 2 * (K * math.log(2 * math.pi) + logdet_s + K)
    chisq = max(2 * (unres - logl), 0.0)
    df = K * (K + 3) // 2 - npar
    base = (n * (float(np.sum(np.log(np.diag(S)))) - logdet_s), K * (K - 1) // 2)
    fm = fit_indices(chisq, df, base, n, logl, npar, (mean, S), (mu, sigma))
    fm.update(npar=npar, chisq=chisq, df=df, logl=logl, unrestricted_logl=unres, ntotal=n)
    fm.update(baseline_chisq=base[0], baseline_df=base[1])
    return {k: fm[k] for k in _FIT_ORDER}


# ------------------------------------------------------------------ bootstrap helpers
def percentile_ci(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval as lavaan's ``boot.ci.type = "perc"``.

    The ``boot`` package's ``norm.inter`` rule: with the ``R`` draws sorted, the bound for
    tail ``alpha`` is draw ``k = floor((R + 1) alpha)`` when ``(R + 1) alpha`` is whole,
    otherwise interpolated between draws ``k`` and ``k + 1`` on the normal-quantile scale.
    Non-finite draws (failed resamples) are ignored, column by column.

    Parameters
    ----------
    draws : array (R,) or (R, p)
    level : float

    Returns
    -------
    (low, high) : arrays of shape (p,) (or scalars for a 1-D input)

    Examples
    --------
    >>> lo, hi = percentile_ci(np.arange(1.0, 1001.0))
    >>> round(float(lo), 4), round(float(hi), 4)
    (25.0254, 975.9746)

    In R: ``boot:::norm.inter(t, c(0.025, 0.975))``.
    """
    from scipy.special import ndtri  # the normal quantile function, fast

    arr = np.asarray(draws, dtype=float)
    one = arr.ndim == 1
    arr = arr[:, None] if one else arr
    lo = np.full(arr.shape[1], np.nan)
    hi = np.full(arr.shape[1], np.nan)
    for j in range(arr.shape[1]):
        t = np.sort(arr[np.isfinite(arr[:, j]), j])
        R = t.size
        if R < 2:
            continue
        out = []
        for alpha in ((1 - level) / 2, (1 + level) / 2):
            rk = (R + 1) * alpha
            k = int(math.floor(rk + 1e-10))
            if abs(rk - round(rk)) < 1e-10 and 1 <= round(rk) <= R:
                out.append(t[int(round(rk)) - 1])
            elif k <= 0:
                out.append(t[0])
            elif k >= R:
                out.append(t[-1])
            else:
                q = ndtri
                w = (q(alpha) - q(k / (R + 1))) / (q((k + 1) / (R + 1)) - q(k / (R + 1)))
                out.append(t[k - 1] + w * (t[k] - t[k - 1]))
        lo[j], hi[j] = out
    return (lo[0], hi[0]) if one else (lo, hi)


def _fit_moments(kind: str, mean: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Estimates (B, q) from moments; resamples that cannot be fitted are NaN."""
    diag = np.abs(np.diagonal(S, axis1=-2, axis2=-1)).max(-1)
    bad = ~(np.linalg.eigvalsh(S)[..., 0] > 1e-12 * diag)
    S = np.where(bad[..., None, None], np.eye(K), S)
    with np.errstate(all="ignore"):
        theta = _fit_dist(mean, S) if kind == "dist" else _fit_indist(mean, S)
    theta[bad] = np.nan
    theta[~np.isfinite(theta).all(-1)] = np.nan
    return theta


def _fit_batch(kind: str, X: np.ndarray) -> np.ndarray:
    """Estimates (B, q) on data (B, N, 6); rows that cannot be fitted are NaN."""
    mean, S = _moments(X)
    return _fit_moments(kind, mean, S)


def _bootstrap(
    kind: str, X: np.ndarray, n_boot: int, seed: Any, indices: np.ndarray | None, chunk: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap estimates of the free and defined parameters, all resamples at once.

    A resample's moments are weighted sums over the couples (weights = how often each
    couple was drawn), so each chunk of resamples costs two matrix products: a count matrix
    (chunk x N) times the centred data and times their cross-products.
    """
    n = X.shape[0]
    if indices is None:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        indices = rng.integers(0, n, size=(n_boot, n))
    indices = np.asarray(indices)
    spec = _spec(kind)
    center = X.mean(axis=0)
    Xc = X - center  # centring first keeps the raw-moment formula exact to rounding
    XX = (Xc[:, :, None] * Xc[:, None, :]).reshape(n, K * K)
    out = np.empty((indices.shape[0], len(spec.free)))
    for start in range(0, indices.shape[0], chunk):  # bounded memory for large n
        idx = indices[start : start + chunk]
        b = idx.shape[0]
        flat = (np.arange(b)[:, None] * n + idx).ravel()
        counts = np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)
        m = counts @ Xc / n
        S = (counts @ XX / n).reshape(b, K, K) - m[:, :, None] * m[:, None, :]
        out[start : start + b] = _fit_moments(kind, m + center, S)
    return out, spec.define(out)


# ------------------------------------------------------------------ data preparation
@dataclass
class _Prepared:
    X: np.ndarray  # (N, 6) in VARS order, complete couples only
    couples: np.ndarray
    roles: tuple[str, str]
    distinguishable: bool
    shape: str
    columns: dict[str, str]  # VARS name -> the user's column (or "column[role]")
    n_dropped: int
    n_singles: int = 0


def _as_pair(value: Any) -> tuple[str, str] | None:
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    ):
        return (value[0], value[1])
    return None


def _prepare(
    data: Any,
    x: Any,
    m: Any,
    y: Any,
    dyad: str,
    role: str | None,
    roles: Sequence[str] | None,
    person: str | None,
    distinguishable: bool | None,
    drop_singles: bool = False,
) -> _Prepared:
    from .dyads import _label, _numeric, pair_members

    src = input_name("input")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a pandas DataFrame, got {type(data).__name__}")
    names = {"x": x, "m": m, "y": y}
    for what, v in names.items():
        if not (isinstance(v, str) or _as_pair(v)):
            raise InputError(f"{src}: {what}={v!r}: expected a column name (or two, wide data)")
    keys = {k: (v if isinstance(v, str) else tuple(v)) for k, v in names.items()}
    for a, b in (("m", "y"), ("m", "x"), ("x", "y")):
        if keys[a] == keys[b]:
            full = {"x": "predictor", "m": "mediator", "y": "outcome"}
            raise InputError(
                f"{src}: column {keys[a]!r}, {a} = {b}: the {full[a]} is the same column as the "
                f"{full[b]}; expected three different variables"
            )
    cols = list(data.columns)
    long = all(isinstance(v, str) and v in cols for v in names.values())
    n_singles = 0
    if long:
        if role is not None and role not in cols:
            raise InputError(
                f"{src}: column {role!r} not found; name the role column (role=...) or pass "
                "role=None for indistinguishable dyads"
            )
        if dyad not in cols:
            raise InputError(f"{src}: column {dyad!r} (the couple id) not found")
        pairing = pair_members(
            data, dyad, role, person=person, roles=roles, drop_singles=drop_singles
        )
        n_singles = int(pairing.singles.size)
        vals = _numeric(data, [x, m, y])
        first, second = pairing.first, pairing.second
        X = np.column_stack(
            [vals[first, 0], vals[second, 0], vals[first, 1], vals[second, 1]]
            + [vals[first, 2], vals[second, 2]]
        )
        couples = data[dyad].to_numpy()[first]
        labels = pairing.roles or ("1", "2")
        dist = role is not None and distinguishable is not False
        colmap = {f"{v}{i + 1}": f"{names[v]}[{labels[i]}]" for v in "xmy" for i in range(2)}
        shape = "individual"
    else:
        pairs: dict[str, tuple[str, str]] = {}
        labels = None
        explicit = [_as_pair(v) for v in names.values()]
        if all(explicit):
            pairs = dict(zip("xmy", explicit, strict=True))
            labels = tuple(roles) if roles else ("1", "2")
        else:
            cands = []
            if roles:
                cands += [(f"_{roles[0]}", f"_{roles[1]}"), (str(roles[0]), str(roles[1]))]
            cands += [("1", "2"), ("_1", "_2")]
            sfx = [
                c[len(f"{x}_") - 1 :]
                for c in cols
                if isinstance(x, str) and str(c).startswith(f"{x}_")
            ]
            if len(sfx) == 2:
                cands.append((sfx[0], sfx[1]))
            for s1, s2 in cands:
                try_pairs = {k: (f"{v}{s1}", f"{v}{s2}") for k, v in names.items()}
                if all(c in cols for p in try_pairs.values() for c in p):
                    pairs = try_pairs
                    labels = tuple(roles) if roles else (s1.lstrip("_"), s2.lstrip("_"))
                    break
        if not pairs:
            bad = next(v for v in names.values() if not (isinstance(v, str) and v in cols))
            have = ", ".join(map(str, cols[:12]))
            raise InputError(
                f"{src}: column {bad!r} not found, nor its two members' columns "
                f"({bad}1/{bad}2 or {bad}_1/{bad}_2) (columns: {have})"
            )
        flat = [c for v in "xmy" for c in pairs[v]]
        X = _numeric(data, flat)
        couples = data[dyad].to_numpy() if dyad in cols else np.arange(1, len(data) + 1)
        if dyad in cols and data[dyad].duplicated().any():
            pos = int(np.flatnonzero(data[dyad].duplicated().to_numpy())[0])
            raise InputError(
                f"{src}: row {pos + 1}, column {dyad!r}, value {_label(data[dyad].iloc[pos])}: "
                "couple listed twice; wide data have one row per couple"
            )
        dist = role is not None and distinguishable is not False
        colmap = dict(zip(VARS, flat, strict=True))
        shape = "dyad"
    ok = np.isfinite(X).all(axis=1)
    X, couples = X[ok], couples[ok]
    n = X.shape[0]
    if n < MIN_COUPLES:
        raise InputError(
            f"{src}: {n} complete couples: expected at least {MIN_COUPLES} couples with x, m "
            "and y of both partners for the mediation model"
        )
    for j, v in enumerate(VARS):
        if np.ptp(X[:, j]) == 0:
            raise InputError(
                f"{src}: column {colmap[v]!r}, value {format_number(float(X[0, j]), 4)}: the "
                "same in every couple; expected a variable that varies"
            )
    _, S = _moments(X)
    sd = np.sqrt(np.diag(S))
    if np.linalg.eigvalsh(S / np.outer(sd, sd))[0] < 1e-10:
        raise InputError(
            f"{src}: columns {', '.join(colmap[v] for v in VARS)}: perfectly collinear (one is a "
            "linear combination of others); expected six variables with a nonsingular covariance"
        )
    n_missing = int((~ok).sum())
    return _Prepared(X, couples, tuple(map(str, labels)), dist, shape, colmap, n_missing, n_singles)


# ------------------------------------------------------------------ fitting one model
def _std_all(spec: _Spec, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's ``std.all`` per row, and of the defined parameters."""
    B, P, a = spec.matrices(theta)
    sigma, _ = spec.implied(theta)
    sd = np.sqrt(np.diag(sigma))
    out = np.empty(len(spec.rows))
    for r, (lhs, op, rhs, _) in enumerate(spec.rows):
        i = _IX[lhs]
        if op == "~":
            j = _IX[rhs]
            out[r] = B[i, j] * sd[j] / sd[i]
        elif op == "~~":
            j = _IX[rhs]
            out[r] = P[i, j] / (sigma[i, i] if i == j else math.sqrt(P[i, i] * P[j, j]))
        else:
            out[r] = a[i] / sd[i]
    first = np.array([int(np.flatnonzero(spec.row_free == k)[0]) for k in range(len(spec.free))])
    return out, spec.define(out[first])


@dataclass
class _ModelFit:
    kind: str
    theta: np.ndarray
    vcov: np.ndarray
    defined: np.ndarray
    defined_vcov: np.ndarray
    measures: dict
    std_rows: np.ndarray
    std_defined: np.ndarray
    converged: bool = True


def _fit_model(kind: str, X: np.ndarray) -> _ModelFit:
    n = X.shape[0]
    mean, S = _moments(X)
    spec = _spec(kind)
    converged = True
    if kind == "dist":
        theta = _fit_dist(mean, S)
    elif kind == "indist":
        theta = _fit_indist(mean, S)
    else:
        start = _start_from(kind, _fit_dist(mean, S))
        theta, converged, _ = _fisher_scoring(kind, mean, S, start)
    vcov = np.linalg.inv(spec.information(theta)) / n
    J = spec.define_jacobian(theta)
    std_rows, std_def = _std_all(spec, theta)
    return _ModelFit(
        kind,
        theta,
        vcov,
        spec.define(theta),
        J @ vcov @ J.T,
        _fit_measures(spec, theta, S, mean, n),
        std_rows,
        std_def,
        converged,
    )


def _z_table(est: np.ndarray, se: np.ndarray, level: float) -> dict[str, np.ndarray]:
    from scipy.stats import norm

    z = est / se
    q = norm.ppf((1 + level) / 2)
    return {
        "z": z,
        "pvalue": 2 * norm.sf(np.abs(z)),
        "ci_lower": est - q * se,
        "ci_upper": est + q * se,
    }


def _parameter_table(
    fit: _ModelFit, level: float, boot: tuple[np.ndarray, np.ndarray] | None
) -> pd.DataFrame:
    """lavaan's ``parameterEstimates()`` (plus bootstrap columns when there are draws)."""
    spec = _spec(fit.kind)
    se_free = np.sqrt(np.diag(fit.vcov))
    se_def = np.sqrt(np.diag(fit.defined_vcov))
    rows = [{"lhs": lhs, "op": op, "rhs": rhs, "label": lab} for lhs, op, rhs, lab in spec.rows]
    terms = {
        name: _DEF_RHS.get(name, "+".join("*".join(t) for t in terms))
        for name, terms in spec.defined.items()
    }
    rows += [{"lhs": k, "op": ":=", "rhs": v, "label": k} for k, v in terms.items()]
    tab = pd.DataFrame(rows)
    est = np.concatenate([fit.theta[spec.row_free], fit.defined])
    se = np.concatenate([se_free[spec.row_free], se_def])
    tab["est"] = est
    tab["se"] = se
    for key, val in _z_table(est, se, level).items():
        tab[key] = val
    tab["std_all"] = np.concatenate([fit.std_rows, fit.std_defined])
    if boot is not None:
        free_draws, def_draws = boot
        ok = np.isfinite(free_draws).all(axis=1)
        fd, dd = free_draws[ok], def_draws[ok]
        # lavaan: free parameters' SE with divisor R, defined parameters' with R - 1
        bse = np.concatenate([fd.std(axis=0, ddof=0)[spec.row_free], dd.std(axis=0, ddof=1)])
        lo_f, hi_f = percentile_ci(fd, level)
        lo_d, hi_d = percentile_ci(dd, level)
        tab["boot_se"] = bse
        tab["boot_ci_lower"] = np.concatenate([lo_f[spec.row_free], lo_d])
        tab["boot_ci_upper"] = np.concatenate([hi_f[spec.row_free], hi_d])
    return tab


# ------------------------------------------------------------------ result
_KIND_NAMES = {
    "dist": "distinguishable",
    "indist": "indistinguishable",
    "paths_only": "equal_paths",
}


def _effect_meta(name: str, dist: bool, roles: tuple[str, str]) -> tuple[str | None, str, str]:
    """(role, kind, LMK short name) of an effect label."""
    role = None
    if dist and name[-1] in "12":
        digit = int(name[-1])
        if name.startswith(("a", "b", "c")) and not name.startswith("ind"):
            role = roles[digit - 1]
        elif name[0] in "pqd" and len(name) == 3:  # p12: on person 1 from person 2
            role = roles[int(name[1]) - 1]
        else:
            role = roles[digit - 1]
    base = name.rstrip("12") if dist else name
    if base in ("a", "p", "b", "q", "c", "d", "p1", "p2", "q1", "q2", "d1", "d2"):
        return role, "path", base[0]
    if base.startswith("ind_"):
        return role, "indirect", base[4:]
    if base.startswith("totind_"):
        return role, "total_indirect", base[7:]
    return role, "total", base[6:]


def _chain(name: str, dist: bool, names: dict[str, str], roles: tuple[str, str]) -> str:
    """Readable chain of an effect, e.g. ``x[female] -> m[male] -> y[female]``."""
    if not dist:  # i = the person whose x starts the chain, j = the partner
        short = name[4:] if name.startswith("ind_") else ""
        if len(short) == 2:
            mid = "i" if short[0] == "a" else "j"
            end = "i" if short in ("aa", "pp") else "j"
            return f"{names['x']}[i] -> {names['m']}[{mid}] -> {names['y']}[{end}]"
        return ""
    if not name.startswith("ind_"):
        return ""
    short, start = name[4:7], int(name[-1]) - 1
    other = 1 - start
    mid = start if short[0] == "a" else other
    end = start if short[2] == "a" else other
    return (
        f"{names['x']}[{roles[start]}] -> {names['m']}[{roles[mid]}] -> {names['y']}[{roles[end]}]"
    )


@dataclass(repr=False)
class APIMeMResult(Result):
    """Result of :func:`apimem`.

    The paths, indirect and total effects of the APIM mediation model, the fit of the three
    models and the tests of indistinguishability.

    Attributes
    ----------
    effects : DataFrame
        One row per path and per indirect, total indirect and total effect: ``effect`` (the
        lavaan label: ``a1``, ``p12``, ``ind_aaa1``, ``totind_actor1``, ``total_partner2``;
        ``a``, ``ind_aa``, ... for indistinguishable dyads), ``role`` (for paths the person
        whose m or y is predicted; for indirect and total effects the person whose x starts
        the chain), ``estimate``, ``se`` (delta method), ``ci_low``, ``ci_high`` (normal),
        ``statistic`` (z), ``p``, ``boot_ci_low``, ``boot_ci_high`` (percentile bootstrap,
        NaN without bootstrap), ``boot_se``, ``beta`` (lavaan's ``std.all``), ``kind``
        (path, indirect, total_indirect, total), ``chain`` (readable chain of an indirect
        effect).
    paths : DataFrame
        The rows of ``effects`` that are paths.
    parameters : DataFrame
        lavaan's ``parameterEstimates()`` table of the fitted model (``lhs op rhs label est se
        z pvalue ci_lower ci_upper std_all`` [``boot_se boot_ci_lower boot_ci_upper``]);
        variables are named ``x1 x2 m1 m2 y1 y2`` (1 = ``roles[0]``).
    fits : DataFrame
        lavaan's fit measures (``npar chisq df pvalue logl ... srmr``) of the three models:
        ``distinguishable`` (saturated), ``indistinguishable`` (Olsen & Kenny), ``equal_paths``.
    tests : DataFrame
        Chi-square difference tests against the saturated model: ``indistinguishability``
        (df 12) and ``equal_paths`` (df 6).
    vcov : DataFrame
        Covariance matrix of the free parameters of the fitted model.
    bootstrap_draws : DataFrame or None
        Estimates of every free and defined parameter per bootstrap resample.
    info : dict
        Variables, roles, shape, numbers of couples and resamples, seed, CI level.
    warnings : list of str
        Worded warnings (dropped couples, small samples, failed resamples, ...).

    Examples
    --------
    >>> import dyadscore as ds
    >>> res = ds.apimem(ds.simulate_mediation(200, seed=3), x="x", m="m", y="y")
    >>> type(res).__name__, "indirect" in set(res.effects["kind"])
    ('APIMeMResult', True)
    """

    effects: pd.DataFrame
    parameters: pd.DataFrame
    fits: pd.DataFrame
    tests: pd.DataFrame
    vcov: pd.DataFrame
    info: dict
    bootstrap_draws: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def paths(self) -> pd.DataFrame:
        """The path coefficients (a, p, b, q, c, d) of :attr:`effects`."""
        return self.effects[self.effects["kind"] == "path"].reset_index(drop=True)

    @property
    def indirect(self) -> pd.DataFrame:
        """The indirect, total indirect and total effects of :attr:`effects`."""
        return self.effects[self.effects["kind"] != "path"].reset_index(drop=True)

    def effect(self, name: str, role: str | None = None) -> dict[str, Any]:
        """One effect as a dict; see :func:`apimem_effect`."""
        return apimem_effect(self, name, role)

    def conf_int(self, method: str = "delta") -> pd.DataFrame:
        """Confidence intervals of every effect: ``method="delta"`` (normal) or ``"bootstrap"``.

        Returns
        -------
        DataFrame with ``effect``, ``role``, ``estimate``, ``ci_low``, ``ci_high``.
        """
        if method not in ("delta", "bootstrap"):
            raise InputError(f"method={method!r}: expected 'delta' or 'bootstrap'")
        cols = ["ci_low", "ci_high"] if method == "delta" else ["boot_ci_low", "boot_ci_high"]
        if method == "bootstrap" and not self.info["bootstrap"]:
            raise InputError("no bootstrap CIs: fit with bootstrap=2000 (for example)")
        out = self.effects[["effect", "role", "estimate", *cols]].copy()
        out.columns = ["effect", "role", "estimate", "ci_low", "ci_high"]
        return out

    # -------------------------------------------------------------- presentation
    def summary(self, lang: str = "en") -> str:
        """Readable report in English (``"en"``) or Dutch (``"nl"``): paths, indirect and total
        effects each with its CI beside it, the test of indistinguishability, and notes."""
        check_lang(lang)
        return _summary(self, lang)

    def plot(self, ax: Any = None, lang: str = "en") -> Any:
        """Path diagram (x -> m -> y for both partners) with the indirect effects listed."""
        return _plot(self, ax=ax, lang=lang)

    _dict_fields = ("model=info", "effects", "parameters", "fits", "tests", "vcov", "warnings")
    _html_fields = ("effects", "fits", "tests")

    def _repr_fields(self) -> dict[str, Any]:
        return {k: self.info[k] for k in ("model", "n_couples", "bootstrap")}


def apimem_effect(result: APIMeMResult, effect_name: str, role: str | None = None) -> dict:
    """One effect of an APIMeM result, by name, for hypothesis tests and reports.

    Parameters
    ----------
    result : APIMeMResult
    effect_name : str
        A label of ``result.effects`` (``"ind_aaa1"``, ``"totind_partner2"``, ``"a1"``, ``"b"``),
        or a Ledermann-Macho-Kenny short name (``"aaa"``, ``"ppa"``, ``"app"``, ``"pap"``,
        ``"totind_actor"``, ``"total_partner"``, ``"a"`` ... ``"d"``) together with ``role``
        (distinguishable dyads: the person whose x starts the chain; for paths the person
        whose m or y is predicted). In indistinguishable models ``"aaa"`` is ``ind_aa``, etc.
    role : str, optional

    Returns
    -------
    dict
        ``effect, role, estimate, se, ci_low, ci_high, statistic, p, boot_ci_low,
        boot_ci_high, beta, n_dyads``; ``p_one_sided_positive`` / ``_negative`` as well.

    Examples
    --------
    >>> import dyadscore as ds
    >>> res = ds.apimem(ds.simulate_mediation(200, seed=3), x="x", m="m", y="y")
    >>> e = apimem_effect(res, "aaa", role="male")
    >>> e["effect"], e["role"]
    ('ind_aaa2', 'male')
    """
    from scipy.stats import norm

    tab = result.effects
    name = str(effect_name)
    dist = result.info["distinguishable"]
    roles = result.info["roles"]
    if name not in set(tab["effect"]):
        short = name[4:] if name.startswith("ind_") else name
        if not dist and short in _INDIST_LMK:
            name = _INDIST_LMK[short]
        elif not dist and short in ("aa", "pp", "ap", "pa"):
            name = f"ind_{short}"
        elif dist and short in _DIST_SHORT:
            if role is None:
                raise InputError(
                    f"effect {effect_name!r}: name the role too (one of {', '.join(roles)}), "
                    "or use a full label such as ind_aaa1"
                )
            if role not in roles:
                raise InputError(f"role {role!r}: expected one of {', '.join(roles)}")
            digit = str(roles.index(role) + 1)
            other = "2" if digit == "1" else "1"
            if short in ("aaa", "ppa", "app", "pap"):
                name = f"ind_{short}{digit}"
            elif short in ("totind_actor", "totind_partner", "total_actor", "total_partner"):
                name = f"{short}{digit}"
            elif short in ("a", "b", "c"):
                name = f"{short}{digit}"
            elif short in ("p", "q", "d"):
                name = f"{short}{digit}{other}"
        if name not in set(tab["effect"]):
            raise InputError(
                f"effect {effect_name!r}: not in the mediation model; expected one of "
                f"{', '.join(tab['effect'])}"
            )
    row = tab[tab["effect"] == name].iloc[0].to_dict()
    z = row["statistic"]
    keys = ["effect", "role", "estimate", "se", "ci_low", "ci_high", "statistic", "p"]
    keys += ["boot_ci_low", "boot_ci_high", "beta"]
    out = {k: row[k] for k in keys}
    out["p_one_sided_positive"] = float(norm.sf(z))
    out["p_one_sided_negative"] = float(norm.cdf(z))
    out["n_dyads"] = result.info["n_couples"]
    return out


@_file_name_as_source
def apimem(
    data: pd.DataFrame,
    x: str | Sequence[str] = "x",
    m: str | Sequence[str] = "m",
    y: str | Sequence[str] = "y",
    dyad: str = "couple",
    role: str | None = "role",
    *,
    roles: Sequence[str] | None = None,
    person: str | None = None,
    distinguishable: bool | None = None,
    bootstrap: int = 0,
    seed: Any = None,
    ci: float = 0.95,
    boot_indices: np.ndarray | None = None,
    drop_singles: bool = False,
) -> APIMeMResult:
    """Fit the actor-partner interdependence mediation model (Ledermann, Macho & Kenny, 2011).

    Parameters
    ----------
    data : DataFrame
        Individual shape (one row per person: ``dyad``, ``role``, ``x``, ``m``, ``y``) or dyad
        shape (one row per couple with the two members' columns ``x1``/``x2``, ``x_1``/``x_2``
        or ``x_<role>``; or pass ``x=("x_f", "x_m")`` etc.).
    x, m, y : str or pair of str
        Predictor, mediator and outcome (three different variables).
    dyad, role : str
        Couple id and role columns. ``role=None`` fits indistinguishable dyads (member 1 is
        the lower ``person`` id or the first row, resp. the first column in wide data).
    roles : two labels, optional
        Role order (member 1 first); default the sorted role labels (or the column suffixes).
    person : str, optional
        Person id column (checks that nobody is in two couples).
    distinguishable : bool, optional
        ``False`` fits the indistinguishable model although roles are known (the CLI's
        ``--indistinguishable``); the chi-square test of indistinguishability is reported
        either way.
    bootstrap : int
        Number of bootstrap resamples of couples (0 = none; 2000 is a good choice).
    seed : int or numpy Generator, optional
        Seed of the bootstrap.
    ci : float
        Confidence level.
    drop_singles : bool
        Drop persons whose partner has no row (individual shape) instead of stopping.
    boot_indices : array (R, N) of int, optional
        0-based resample row numbers to use instead of drawing them (e.g. lavaan's, to
        reproduce its bootstrap); rows refer to the complete couples in input order.

    Returns
    -------
    APIMeMResult

    Notes
    -----
    The estimates, SEs, z tests, fit measures and bootstrap percentile CIs equal
    lavaan 0.6's (see the module docstring and ``docs/mediation.md``). Couples with a
    missing value are dropped (listwise, lavaan's default); a warning says how many.

    In R: ``lavaan::sem(model, data = wide, estimator = "ML")``, in full::

        lavaan::sem(model, data = wide, estimator = "ML", meanstructure = TRUE,
                    fixed.x = FALSE, se = "bootstrap", bootstrap = 2000)
        lavaan::parameterEstimates(fit, boot.ci.type = "perc")

    with ``model`` the APIMeM syntax of Ledermann et al. (2011) (``tests/oracle/apimem``).

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = ds.simulate_mediation(250, seed=7)
    >>> res = ds.apimem(df, x="x", m="m", y="y", dyad="couple", role="role",
    ...                 bootstrap=200, seed=1)
    >>> res.effects.set_index("effect").loc["ind_aaa1", "role"]
    'female'
    >>> list(res.tests["test"])
    ['indistinguishability', 'equal_paths']
    """
    src = input_name("input")
    try:
        n_boot = int(bootstrap)
    except (TypeError, ValueError):
        raise InputError(f"bootstrap={bootstrap!r}: expected a whole number of resamples") from None
    if n_boot != bootstrap or n_boot < 0:
        raise InputError(f"bootstrap={bootstrap!r}: expected 0 or a positive whole number")
    if not 0 < ci < 1:
        raise InputError(f"ci={ci!r}: expected a confidence level between 0 and 1")
    prep = _prepare(data, x, m, y, dyad, role, roles, person, distinguishable, drop_singles)
    X, n = prep.X, prep.X.shape[0]
    warnings: list[str] = []
    if prep.n_dropped:
        warnings.append(
            f"{prep.n_dropped} couple(s) with a missing x, m or y dropped (listwise, as lavaan); "
            f"{n} couples analysed"
        )
    if prep.n_singles:
        warnings.append(f"{prep.n_singles} person(s) without a partner in the data dropped")
    if n < 50:
        warnings.append(
            f"only {n} couples: the normal (delta-method) CIs of indirect effects are unreliable "
            "in small samples; use the bootstrap CIs and interpret with care"
        )
    main = "dist" if prep.distinguishable else "indist"
    fits = {kind: _fit_model(kind, X) for kind in ("dist", "indist", "paths_only")}
    if not fits["paths_only"].converged:
        warnings.append("the equal-paths model did not converge; its test is not reported")
    boot = None
    if boot_indices is not None:
        boot_indices = np.asarray(boot_indices)
        if boot_indices.ndim != 2 or boot_indices.shape[1] != n:
            raise InputError(f"boot_indices: shape {boot_indices.shape}: expected (resamples, {n})")
        if boot_indices.min() < 0 or boot_indices.max() >= n:
            raise InputError(f"boot_indices: expected row numbers from 0 to {n - 1}")
        n_boot = boot_indices.shape[0]
    if n_boot:
        boot = _bootstrap(main, X, n_boot, seed, boot_indices)
        n_fail = int((~np.isfinite(boot[0]).all(axis=1)).sum())
        if n_fail:
            warnings.append(
                f"{n_fail} of {n_boot} bootstrap resamples could not be fitted (a constant or "
                "collinear resample) and were dropped, as lavaan does"
            )
        if n_boot < 1000:
            warnings.append(
                f"{n_boot} bootstrap resamples: percentile CIs need about 1000 or more to be stable"
            )
    fit = fits[main]
    params = _parameter_table(fit, ci, boot)
    effects = _effects(params, main, prep, x, m, y)
    spec = _spec(main)
    fits_df = pd.DataFrame([{"model": _KIND_NAMES[k], **f.measures} for k, f in fits.items()])
    tests = []
    sat = fits["dist"].measures
    for kind, label in (("indist", "indistinguishability"), ("paths_only", "equal_paths")):
        fm = fits[kind].measures
        from scipy.stats import chi2

        chisq = max(fm["chisq"] - sat["chisq"], 0.0)
        df = fm["df"] - sat["df"]
        ok = fits[kind].converged
        tests.append(
            {
                "test": label,
                "chisq": chisq if ok else np.nan,
                "df": df,
                "p": float(chi2.sf(chisq, df)) if ok else np.nan,
                "constraints": "equal paths, means/intercepts and (residual) variances"
                if kind == "indist"
                else "equal paths (a, p, b, q, c, d) only",
            }
        )
    draws = None
    if boot is not None:
        draws = pd.DataFrame(np.column_stack(boot), columns=[*spec.free, *spec.defined.keys()])
    names = {
        "x": x if isinstance(x, str) else "/".join(x),
        "m": m if isinstance(m, str) else "/".join(m),
        "y": y if isinstance(y, str) else "/".join(y),
    }
    info = {
        **names,
        "model": _KIND_NAMES[main],
        "distinguishable": prep.distinguishable,
        "roles": list(prep.roles),
        "member_columns": prep.columns,
        "shape": prep.shape,
        "dyad": dyad,
        "role": role,
        "n_couples": n,
        "n_dropped": prep.n_dropped,
        "bootstrap": int(n_boot),
        "bootstrap_failed": 0 if boot is None else int((~np.isfinite(boot[0]).all(1)).sum()),
        "seed": seed if isinstance(seed, int | type(None)) else str(seed),
        "ci": ci,
        "file": src,
        "estimator": "ML (lavaan conventions: divisor N, expected information)",
    }
    return APIMeMResult(
        effects=effects,
        parameters=params,
        fits=fits_df,
        tests=pd.DataFrame(tests),
        vcov=pd.DataFrame(fit.vcov, index=spec.free, columns=spec.free),
        info=info,
        bootstrap_draws=draws,
        warnings=warnings,
    )


def _effects(
    params: pd.DataFrame, kind: str, prep: _Prepared, x: Any, m: Any, y: Any
) -> pd.DataFrame:
    dist = kind == "dist"
    names = {
        "x": x if isinstance(x, str) else "x",
        "m": m if isinstance(m, str) else "m",
        "y": y if isinstance(y, str) else "y",
    }
    sel = params[(params["op"] == ":=") | (params["op"] == "~")]
    sel = sel.drop_duplicates("label")
    rows = []
    for r in sel.itertuples(index=False):
        role, what, _ = _effect_meta(r.label, dist, prep.roles)
        rows.append(
            {
                "effect": r.label,
                "role": role,
                "estimate": r.est,
                "se": r.se,
                "ci_low": r.ci_lower,
                "ci_high": r.ci_upper,
                "statistic": r.z,
                "p": r.pvalue,
                "boot_ci_low": getattr(r, "boot_ci_lower", np.nan),
                "boot_ci_high": getattr(r, "boot_ci_upper", np.nan),
                "boot_se": getattr(r, "boot_se", np.nan),
                "beta": r.std_all,
                "kind": what,
                "chain": _chain(r.label, dist, names, prep.roles)
                if what == "indirect"
                else (
                    f"{prep.columns[r.rhs]} -> {prep.columns[r.lhs]}" if what == "path" else r.rhs
                ),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ words
_TEXT = Texts("apimem")  # strings/apimem.yaml


def _ci_text(lo: float, hi: float, lang: str, digits: int = 3) -> str:
    return f"[{format_number(lo, digits, lang)}, {format_number(hi, digits, lang)}]"


def _p_text(p: float, lang: str) -> str:
    s = format_p_eq(p)
    return s.replace(".", ",") if lang == "nl" else s


def _summary(res: APIMeMResult, lang: str) -> str:
    t = _TEXT[lang]
    info = res.info
    roles = info["roles"]
    dist = info["distinguishable"]
    has_boot = bool(info["bootstrap"])
    kind = t["dist"].format(r1=roles[0], r2=roles[1]) if dist else t["indist"]
    lines = [f"{t['title']}: {kind}"]
    lines.append(t["vars"].format(x=info["x"], m=info["m"], y=info["y"], n=info["n_couples"]))
    seed = "" if info["seed"] is None else f", seed {info['seed']}"
    lines.append(t["boot"].format(b=info["bootstrap"], seed=seed) if has_boot else t["noboot"])
    num = lambda v, d=3: format_number(v, d, lang)  # noqa: E731
    lines += ["", t["paths"]]
    for r in res.paths.itertuples(index=False):
        short = r.effect.rstrip("12") if dist else r.effect
        who = f" ({t['on'].format(r=r.role)})" if dist else ""
        label = f"{t['path'][short]}{who}"
        boot = (
            f"; {t['boot_ci']} {_ci_text(r.boot_ci_low, r.boot_ci_high, lang)}" if has_boot else ""
        )
        lines.append(
            f"  {label:<34} {r.effect:<4} = {num(r.estimate)} "
            f"{_ci_text(r.ci_low, r.ci_high, lang)}{boot}, p {_p_text(r.p, lang)}, "
            f"beta = {num(r.beta)}"
        )
    lines += ["", t["ind"].format(bt=t["bt"] if has_boot else "")]
    for r in res.indirect.itertuples(index=False):
        if r.kind == "indirect":
            short = r.effect[4:7] if dist else r.effect[4:]
            head = f"{r.effect} ({t['kinds'][short]}): {r.chain}"
            lines.append("  " + head)
        else:
            if r.effect.startswith(("totind_actor", "totind_partner")) and (
                lines[-1] != t["tot"] and not any(line == t["tot"] for line in lines)
            ):
                lines += ["", t["tot"]]
            short = r.effect.rstrip("12") if dist else r.effect
            who = f" {t['from'].format(r=r.role)}" if dist else ""
            lines.append(f"  {r.effect} ({t['kinds'][short]}{who}):")
        boot = f" {_ci_text(r.boot_ci_low, r.boot_ci_high, lang)}" if has_boot else ""
        lines[-1] += (
            f" {num(r.estimate)} {_ci_text(r.ci_low, r.ci_high, lang)}{boot}, "
            f"z = {num(r.statistic, 2)}, p {_p_text(r.p, lang)}"
        )
    tests = res.tests.set_index("test")
    ti, te = tests.loc["indistinguishability"], tests.loc["equal_paths"]
    lines += [
        "",
        t["test"].format(
            df=int(ti.df),
            c=num(ti.chisq, 2),
            p=_p_text(ti.p, lang),
            df2=int(te.df),
            c2=num(te.chisq, 2),
            p2=_p_text(te.p, lang),
        ),
    ]
    if dist:
        lines.append(t["test_yes"] if ti.p < 0.05 else t["test_no"])
    else:
        f = res.fits.set_index("model").loc["indistinguishable"]
        lines.append(
            t["fit"].format(
                cfi=num(f.cfi),
                rmsea=num(f.rmsea),
                lo=num(f.rmsea_ci_lower),
                hi=num(f.rmsea_ci_upper),
                srmr=num(f.srmr),
            )
        )
    lines += ["", t["note"]]
    lines += [t["warn"].format(w=w) for w in res.warnings]
    return "\n".join(lines)


def _plot(res: APIMeMResult, ax: Any = None, lang: str = "en") -> Any:
    import matplotlib.pyplot as plt

    from .plotting import curved_arrow, path_arrow, path_box

    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 7))
    info = res.info
    dist = info["distinguishable"]
    roles = info["roles"]
    eff = res.effects.set_index("effect")
    ax.set_xlim(0, 12)
    ax.set_ylim(-4.2, 6.8)
    ax.axis("off")
    # boxes: x, m, y from left to right; partner 1 above, partner 2 below
    pos = {
        f"{v}{k}": (cx, 4.8 if k == 1 else 1.2)
        for v, cx in zip("xmy", (1.4, 6.0, 10.6), strict=True)
        for k in (1, 2)
    }
    w, h = 2.2, 1.1
    for key, center in pos.items():
        path_box(ax, center, info[key[0]], roles[int(key[1]) - 1], w=w, h=h, lw=1.0)

    def lab(label: str) -> str:
        name = label if dist else _EQUAL.get(label, label)
        r = eff.loc[name]
        return f"{name} = {r.estimate:.2f}{format_stars(r.p)}"

    thin = {"mutation_scale": 13, "lw": 1.1}
    for a, b, label, frac, dy in (
        ("x1", "m1", "a1", 0.5, 0.25),
        ("x2", "m2", "a2", 0.5, -0.25),
        ("x2", "m1", "p12", 0.2, 0.0),
        ("x1", "m2", "p21", 0.2, 0.0),
        ("m1", "y1", "b1", 0.5, 0.25),
        ("m2", "y2", "b2", 0.5, -0.25),
        ("m2", "y1", "q12", 0.2, 0.0),
        ("m1", "y2", "q21", 0.2, 0.0),
    ):
        path_arrow(ax, pos[a], pos[b], lab(label), w=w, frac=frac, dy=dy, fontsize=8, **thin)
    # direct effects: curved over the top / under the bottom
    direct = {"mutation_scale": 13, "lw": 1.0, "color": "dimgray"}
    (x0, y0), (x1, y1) = pos["x1"], pos["y1"]
    curved_arrow(ax, (x0, y0 + h / 2 + 0.05), (x1, y1 + h / 2 + 0.05), rad=-0.12, **direct)
    ax.text(6.0, 5.95, lab("c1"), ha="center", va="bottom", fontsize=8, color="dimgray")
    (x0, y0), (x1, y1) = pos["x2"], pos["y2"]
    curved_arrow(ax, (x0, y0 - h / 2 - 0.05), (x1, y1 - h / 2 - 0.05), rad=0.12, **direct)
    ax.text(
        6.0,
        -0.75,
        lab("c2") + "   (direct partner: " + lab("d12") + ", " + lab("d21") + ")",
        ha="center",
        fontsize=8,
        color="dimgray",
    )
    has_boot = bool(info["bootstrap"])
    words = Texts("figures")[check_lang(lang)]
    method = words["apimem_method"]["boot" if has_boot else "delta"]
    lines = [words["apimem_head"].format(method=method)]
    for r in res.indirect.itertuples(index=False):
        if r.kind != "indirect":
            continue
        lo, hi = (r.boot_ci_low, r.boot_ci_high) if has_boot else (r.ci_low, r.ci_high)
        sig = "*" if (lo > 0 or hi < 0) else ""
        lines.append(f"{r.effect:<9} {r.estimate:6.3f} [{lo:6.3f}, {hi:6.3f}]{sig}  {r.chain}")
    ax.text(0.1, -1.3, "\n".join(lines), ha="left", va="top", fontsize=7.5, family="monospace")
    kind = words["apimem_kind"]["dist" if dist else "indist"]
    ax.set_title(f"APIMeM ({kind}); * p < .05, ** p < .01, *** p < .001", fontsize=9)
    return ax


# ------------------------------------------------------------------ simulation and power
def _pair(value: Any, name: str) -> np.ndarray:
    from .simulate import two_values

    out = two_values(value, name)
    if not np.isfinite(out).all():
        raise InputError(f"{name} {value!r}: expected a finite number")
    return out


def _sim_params(
    a: Any,
    p: Any,
    b: Any,
    q: Any,
    c: Any,
    d: Any,
    r_x: float,
    r_m: float,
    r_y: float,
    sd_m: Any,
    sd_y: Any,
) -> dict[str, np.ndarray]:
    par = {k: _pair(v, k) for k, v in dict(a=a, p=p, b=b, q=q, c=c, d=d).items()}
    for name, r in (("r_x", r_x), ("r_m", r_m), ("r_y", r_y)):
        if not -1 < float(r) < 1:
            raise InputError(f"{name}={r!r}: expected a correlation strictly between -1 and 1")
    par["r"] = np.array([float(r_x), float(r_m), float(r_y)])
    par["sd_m"], par["sd_y"] = _pair(sd_m, "sd_m"), _pair(sd_y, "sd_y")
    if (par["sd_m"] <= 0).any() or (par["sd_y"] <= 0).any():
        raise InputError("sd_m and sd_y: expected positive residual standard deviations")
    return par


def _truth(par: dict[str, np.ndarray]) -> dict[str, float]:
    """Population paths (lavaan labels) and indirect/total effects of the simulation."""
    a, p, b, q, c, d = (par[k] for k in "apbqcd")
    # index i = person whose m or y is predicted; p[i] = partner's x on m_i
    paths = {
        "a1": a[0],
        "p12": p[0],
        "a2": a[1],
        "p21": p[1],
        "b1": b[0],
        "q12": q[0],
        "c1": c[0],
        "d12": d[0],
        "b2": b[1],
        "q21": q[1],
        "c2": c[1],
        "d21": d[1],
    }
    spec = _spec("dist")
    theta = np.zeros(len(spec.free))
    for k, v in paths.items():
        theta[spec.free.index(k)] = v
    out = {k: float(v) for k, v in paths.items()}
    out.update({k: float(v) for k, v in zip(spec.defined, spec.define(theta), strict=True)})
    return out


def _simulate_array(
    rng: np.random.Generator, n: int, reps: int, par: dict[str, np.ndarray]
) -> np.ndarray:
    """(reps, n, 6) draws of (x1, x2, m1, m2, y1, y2)."""

    def pairs(r: float, sd: np.ndarray) -> np.ndarray:
        z = rng.standard_normal((reps, n, 2))
        L = np.linalg.cholesky(np.array([[1.0, r], [r, 1.0]]))
        return (z @ L.T) * sd

    X = pairs(par["r"][0], np.ones(2))
    eM = pairs(par["r"][1], par["sd_m"])
    eY = pairs(par["r"][2], par["sd_y"])
    a, p, b, q, c, d = (par[k] for k in "apbqcd")
    M = a * X + p * X[..., ::-1] + eM
    Y = b * M + q * M[..., ::-1] + c * X + d * X[..., ::-1] + eY
    return np.concatenate([X, M, Y], axis=-1)


def simulate_mediation(
    n_dyads: int,
    *,
    a: float | Sequence[float] = 0.4,
    p: float | Sequence[float] = 0.15,
    b: float | Sequence[float] = 0.4,
    q: float | Sequence[float] = 0.1,
    c: float | Sequence[float] = 0.15,
    d: float | Sequence[float] = 0.05,
    r_x: float = 0.3,
    r_m: float = 0.2,
    r_y: float = 0.2,
    sd_m: float | Sequence[float] = 1.0,
    sd_y: float | Sequence[float] = 1.0,
    roles: Sequence[str] = ("female", "male"),
    shape: str = "individual",
    seed: Any = None,
) -> pd.DataFrame:
    """Simulate couples from the APIM mediation model with known paths.

    ``x`` of both partners is standard normal with correlation ``r_x``;
    ``m_i = a_i x_i + p_i x_j + e_i`` and ``y_i = b_i m_i + q_i m_j + c_i x_i + d_i x_j + u_i``
    with residual SDs ``sd_m``, ``sd_y`` and within-couple residual correlations ``r_m``,
    ``r_y``. Each path may be one number or two (``roles[0]``, ``roles[1]``: the person whose
    m or y is predicted, so ``p=(0.1, 0.3)`` means the male's x affects the female's m by 0.1).

    Parameters
    ----------
    n_dyads : int
        Number of couples (at least 10).
    a, p, b, q, c, d : float or two floats
        Actor x->m, partner x->m, actor m->y, partner m->y, direct actor and partner x->y.
    r_x, r_m, r_y : float
        Correlations of the partners' x and of the residuals of m and of y.
    sd_m, sd_y : float or two floats
        Residual SDs.
    roles : two labels
        Role labels; ``roles[0]`` is member 1 of ``attrs["truth"]``. :func:`apimem` orders
        roles alphabetically unless told ``roles=``, so pass ``roles=df.attrs["roles"]``
        when the labels do not sort in this order.
    shape : {"individual", "dyad"}
        One row per person (``couple, person, role, x, m, y``) or per couple
        (``couple, x_<role1>, x_<role2>, ...``).
    seed : int or Generator, optional

    Returns
    -------
    DataFrame
        ``attrs["truth"]`` holds the planted paths and indirect/total effects under the
        lavaan labels of :func:`apimem` (``a1``, ``p12``, ``ind_aaa1``, ...).

    Examples
    --------
    >>> df = simulate_mediation(100, a=0.5, b=0.4, seed=1)
    >>> df.columns.tolist()
    ['couple', 'person', 'role', 'x', 'm', 'y']
    >>> round(df.attrs["truth"]["ind_aaa1"], 2)
    0.2
    """
    if (
        isinstance(n_dyads, bool)
        or not isinstance(n_dyads, int | np.integer)
        or n_dyads < MIN_COUPLES
    ):
        raise InputError(f"n_dyads={n_dyads!r}: expected a whole number of at least {MIN_COUPLES}")
    if shape not in ("individual", "dyad"):
        raise InputError(f"shape={shape!r}: expected 'individual' or 'dyad'")
    roles = [str(r) for r in roles]
    if len(roles) != 2 or roles[0] == roles[1]:
        raise InputError(f"roles={roles!r}: expected two different labels")
    par = _sim_params(a, p, b, q, c, d, r_x, r_m, r_y, sd_m, sd_y)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    arr = _simulate_array(rng, int(n_dyads), 1, par)[0]
    n = int(n_dyads)
    if shape == "dyad":
        out = pd.DataFrame({"couple": np.arange(1, n + 1)})
        for j, v in enumerate(VARS):
            out[f"{v[0]}_{roles[int(v[1]) - 1]}"] = arr[:, j]
        out = out[["couple"] + [f"{v}_{r}" for v in "xmy" for r in roles]]
    else:
        out = pd.DataFrame(
            {
                "couple": np.repeat(np.arange(1, n + 1), 2),
                "person": np.arange(1, 2 * n + 1),
                "role": np.tile(np.array(roles, dtype=object), n),
                "x": arr[:, 0:2].reshape(-1),
                "m": arr[:, 2:4].reshape(-1),
                "y": arr[:, 4:6].reshape(-1),
            }
        )
    out.attrs["truth"] = _truth(par)
    out.attrs["roles"] = roles
    return out


def _vcov_batch(kind: str, theta: np.ndarray, n: int) -> np.ndarray:
    """Expected-information covariance matrices (R, q, q) for estimates theta (R, q)."""
    spec = _spec(kind)
    B, P, a = spec.matrices(theta)
    Ainv = np.linalg.inv(np.eye(K) - B)
    AinvT = np.swapaxes(Ainv, -1, -2)
    sigma = Ainv @ P @ AinvT
    mu = np.einsum("rij,rj->ri", Ainv, a)
    A4 = Ainv[:, None]
    t1 = A4 @ spec.loadB[None] @ sigma[:, None]  # (r, q, 6, 6)
    dS = t1 + np.swapaxes(t1, -1, -2) + A4 @ spec.loadP[None] @ AinvT[:, None]
    dmu = (A4 @ spec.loadB[None] @ mu[:, None, :, None])[..., 0] + spec.loadA[None] @ AinvT
    W = np.linalg.inv(sigma)
    WdS = (W[:, None] @ dS).reshape(dS.shape[0], dS.shape[1], K * K)
    WdST = np.swapaxes(WdS.reshape(dS.shape), -1, -2).reshape(WdS.shape)
    info = 0.5 * (WdS @ np.swapaxes(WdST, -1, -2)) + dmu @ W @ np.swapaxes(dmu, -1, -2)
    return np.linalg.inv(info) / n


def power_mediation(
    n_dyads: int | Sequence[int] = (50, 100, 150, 200, 300),
    *,
    reps: int = 1000,
    effects: Sequence[str] | None = None,
    method: str = "montecarlo",
    alpha: float = 0.05,
    distinguishable: bool = True,
    mc_draws: int = 1000,
    seed: Any = None,
    **params: Any,
) -> pd.DataFrame:
    """Monte Carlo power of indirect (and total) effects in the APIM mediation model.

    For each sample size, ``reps`` data sets are drawn from :func:`simulate_mediation`
    (``params``: ``a, p, b, q, c, d, r_x, r_m, r_y, sd_m, sd_y``), all fitted at once with the
    closed-form ML estimator of :func:`apimem` (distinguishable or indistinguishable), and
    each effect is tested by ``method``:

    * ``"montecarlo"`` (default): the Monte Carlo CI of MacKinnon, Lockwood & Williams (2004;
      Preacher & Selig, 2012): ``mc_draws`` parameter vectors from the normal distribution
      of the estimates (delta-method covariance); significant when the ``1 - alpha`` CI of
      the effect excludes 0. Behaves like the percentile bootstrap at a fraction of the cost.
    * ``"joint"``: joint significance (both paths of the chain significant at ``alpha``,
      two-sided); for single indirect effects only.
    * ``"delta"``: the z test with the delta-method SE (Sobel), known to be conservative.

    Parameters
    ----------
    n_dyads : int or sequence of int
    reps : int
        Replications per sample size.
    effects : list of str, optional
        Effect labels (default: all indirect, total indirect and total effects; in the
        indistinguishable model ``ind_aa`` ...).
    method : {"montecarlo", "joint", "delta"}
    alpha : float
    distinguishable : bool
    mc_draws : int
    seed : int or Generator, optional
    **params
        Population values passed to :func:`simulate_mediation` (``a``, ``b``, ...).

    Returns
    -------
    DataFrame
        ``n_dyads, effect, true_value, power, mc_se, method, reps``.

    Examples
    --------
    >>> tab = power_mediation([60], reps=200, effects=["ind_aaa1"], seed=1, a=0.5, b=0.5)
    >>> float(tab.power.iloc[0]) > 0.8
    True

    In R this is what ``simsem`` or a loop over ``lavaan::sem`` would estimate (far slower).
    """
    from scipy.stats import norm

    if method not in ("montecarlo", "joint", "delta"):
        raise InputError(f"method={method!r}: expected 'montecarlo', 'joint' or 'delta'")
    if not 0 < alpha < 1:
        raise InputError(f"alpha={alpha!r}: expected a number between 0 and 1")
    if int(reps) != reps or reps < 10:
        raise InputError(f"reps={reps!r}: expected a whole number of at least 10")
    sizes = [n_dyads] if isinstance(n_dyads, int | np.integer) else list(n_dyads)
    for s in sizes:
        if int(s) != s or s < MIN_COUPLES:
            raise InputError(f"n_dyads={s!r}: expected whole numbers of at least {MIN_COUPLES}")
    known = {"a", "p", "b", "q", "c", "d", "r_x", "r_m", "r_y", "sd_m", "sd_y"}
    extra = set(params) - known
    if extra:
        raise InputError(
            f"{sorted(extra)[0]}: unknown parameter; expected {', '.join(sorted(known))}"
        )
    defaults = dict(a=0.4, p=0.15, b=0.4, q=0.1, c=0.15, d=0.05, r_x=0.3, r_m=0.2, r_y=0.2)
    defaults.update(dict(sd_m=1.0, sd_y=1.0))
    defaults.update(params)
    par = _sim_params(**defaults)
    truth = _truth(par)
    kind = "dist" if distinguishable else "indist"
    spec = _spec(kind)
    if not distinguishable:
        for k in "apbqcd":
            if par[k][0] != par[k][1]:
                raise InputError(f"{k}: different values per role need distinguishable=True")
        th = np.array([truth[f] for f in ("a1", "p12", "b1", "q12", "c1", "d12")])
        t0 = np.zeros(len(spec.free))
        t0[:6] = th
        truth = {
            **dict(zip("apbqcd", th, strict=True)),
            **dict(zip(spec.defined, spec.define(t0), strict=True)),
        }
    names = list(effects) if effects is not None else list(spec.defined)
    for e in names:
        if e not in spec.defined:
            raise InputError(f"effect {e!r}: expected one of {', '.join(spec.defined)}")
    if method == "joint":
        bad = [e for e in names if len(spec.defined[e]) != 1]
        if bad:
            raise InputError(
                f"effect {bad[0]!r}: joint significance tests one product of two paths; use "
                "method='montecarlo' for total indirect and total effects"
            )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cols = [list(spec.defined).index(e) for e in names]
    free_idx = {f: i for i, f in enumerate(spec.free)}
    path_idx = [free_idx[f] for f in spec.free if f in _EQUAL or f in "apbqcd"]
    crit = norm.ppf(1 - alpha / 2)
    rows = []
    chunk = (
        max(1, int(2_000_000 // max(mc_draws * len(path_idx), 1)))
        if method == "montecarlo"
        else reps
    )
    for n in sizes:
        n = int(n)
        rej = np.zeros((0, len(names)), dtype=bool)
        done = 0
        while done < reps:
            r = min(chunk, reps - done)
            theta = _fit_batch(kind, _simulate_array(rng, n, r, par))
            ok = np.isfinite(theta).all(axis=1)
            if not ok.all():  # a degenerate draw (tiny n): fit something harmless, count as 0
                theta[~ok] = theta[ok][0] if ok.any() else np.nan
            V = _vcov_batch(kind, theta, n)
            if method == "joint":
                se = np.sqrt(np.einsum("rkk->rk", V))
                sig = np.abs(theta / se) > crit
                out = np.column_stack(
                    [
                        sig[:, free_idx[spec.defined[e][0][0]]]
                        & sig[:, free_idx[spec.defined[e][0][1]]]
                        for e in names
                    ]
                )
            elif method == "delta":
                est = spec.define(theta)[:, cols]
                J = spec.define_jacobian(theta)[:, cols]
                se = np.sqrt(np.einsum("rek,rkl,rel->re", J, V, J))
                out = np.abs(est / se) > crit
            else:
                Vp = V[:, path_idx][:, :, path_idx]
                L = np.linalg.cholesky(Vp)
                z = rng.standard_normal((r, mc_draws, len(path_idx)))
                draws = theta[:, None, path_idx] + z @ np.swapaxes(L, -1, -2)
                pos = {spec.free[k]: i for i, k in enumerate(path_idx)}
                dd = spec.define(draws, names, pos)
                lo = np.quantile(dd, alpha / 2, axis=1)
                hi = np.quantile(dd, 1 - alpha / 2, axis=1)
                out = (lo > 0) | (hi < 0)
            out &= ok[:, None]
            rej = np.vstack([rej, out])
            done += r
        pw = rej.mean(axis=0)
        for e, pv in zip(names, pw, strict=True):
            rows.append(
                {
                    "n_dyads": n,
                    "effect": e,
                    "true_value": truth[e],
                    "power": float(pv),
                    "mc_se": float(math.sqrt(pv * (1 - pv) / reps)),
                    "method": method,
                    "reps": int(reps),
                }
            )
    return pd.DataFrame(rows)


def apimem_decide(
    result: APIMeMResult,
    effect_name: str,
    role: str | None = None,
    *,
    direction: str = "positive",
    alpha: float = 0.05,
) -> dict:
    """Decision on one pre-registered APIMeM effect (for ``dyadscore.paradox.test``).

    With bootstrap draws the decision uses the percentile bootstrap (the recommended test of
    an indirect effect): ``positive`` is supported when the lower ``1 - 2 alpha`` percentile
    bound is above 0 (``negative``: the upper bound below 0; ``two-sided``: the ``1 - alpha``
    interval excludes 0). Without draws it uses the z test of the delta-method SE.
    ``p_boot_one_sided`` is the share of draws on the wrong side of 0.

    Parameters
    ----------
    result : APIMeMResult
    effect_name, role : see :func:`apimem_effect`
    direction : {"positive", "negative", "two-sided"}
    alpha : float

    Returns
    -------
    dict
        The fields of :func:`apimem_effect` plus ``p_one_sided``, ``supported``, ``method``,
        ``beta_ci_low``, ``beta_ci_high`` (the CI rescaled by beta / estimate).

    Examples
    --------
    >>> import dyadscore as ds
    >>> res = ds.apimem(ds.simulate_mediation(300, seed=4), bootstrap=500, seed=1)
    >>> d = apimem_decide(res, "aaa", role="female")
    >>> d["supported"], d["method"]
    (True, 'percentile bootstrap')
    """
    if direction not in ("positive", "negative", "two-sided"):
        raise InputError(
            f"direction {direction!r}: an APIMeM effect is tested as positive, negative or "
            "two-sided (no equivalence test yet)"
        )
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha={alpha!r}: expected a number between 0 and 0.5")
    out = apimem_effect(result, effect_name, role)
    draws = result.bootstrap_draws
    if draws is not None and out["effect"] in draws.columns:
        d = draws[out["effect"]].to_numpy()
        d = d[np.isfinite(d)]
        level = 1 - alpha if direction == "two-sided" else 1 - 2 * alpha
        lo, hi = percentile_ci(d, level)
        supported = {"positive": lo > 0, "negative": hi < 0, "two-sided": lo > 0 or hi < 0}
        p_pos = float((d <= 0).mean())
        p_neg = float((d >= 0).mean())
        out.update(
            method="percentile bootstrap",
            decision_ci_low=float(lo),
            decision_ci_high=float(hi),
            p_boot_one_sided=p_pos if direction != "negative" else p_neg,
        )
    else:
        from scipy.stats import norm

        z = out["statistic"]
        crit = norm.ppf(1 - (alpha / 2 if direction == "two-sided" else alpha))
        supported = {"positive": z > crit, "negative": z < -crit, "two-sided": abs(z) > crit}
        out.update(method="z (delta method)")
    out["supported"] = bool(supported[direction])
    out["p_one_sided"] = (
        out["p_one_sided_negative"] if direction == "negative" else out["p_one_sided_positive"]
    )
    scale = out["beta"] / out["estimate"] if out["estimate"] else 0.0
    out["beta_ci_low"], out["beta_ci_high"] = sorted(
        (out["ci_low"] * scale, out["ci_high"] * scale)
    )
    return out
