"""The numpy GLS engine of the APIM (:func:`dyadscore.apim`, :func:`dyadscore.overtime_apim`).

The engine fits one residual structure: every dyad (couple, or couple-wave) has the 2 x 2
block ``sigma^2 * [[1, rho*lam], [rho*lam, lam^2]]`` (``lam``: SD ratio of the second member
to the first, fixed at 1 when the members are indistinguishable), as ``nlme::gls`` with
``corCompSymm`` (and ``varIdent`` by role); :mod:`dyadscore._apim` states the model.

How it is computed. Whitening a dyad's two rows with the analytic Cholesky factor of its 2 x 2
block makes the GLS criterion a sum of per-dyad cross-products, so the data are reduced once
to five small Gram matrices of ``Z = [X, y]`` (first members, second members, their cross
product, and people whose partner's row is missing, by role): the :class:`_Data` this module
works on (the design, :mod:`dyadscore._apim_design`, builds it). For any (lam, rho) the
whitened cross-product matrix is a weighted sum of those Gram matrices; its Cholesky factor
gives the GLS coefficients (beta is profiled out), the residual sum of squares (sigma^2 is
profiled out) and log det(X'V^-1 X). The remaining one or two parameters (log lam, atanh rho)
are optimised by Newton's method with finite-difference derivatives, started at the moment
estimates from the OLS residuals (``scipy.optimize`` Nelder-Mead as a fallback). No n x n
matrix is ever formed; the cost is one pass over the data. Bootstrap refits resample dyads as
multinomial weights on per-dyad Gram matrices and run the same Newton iterations for all
resamples at once.

Log-likelihoods are nlme's: ML ``-N/2 (log 2 pi + 1 + log(RSS/N)) - log|R|/2`` and REML
``-(N-p)/2 (log 2 pi + 1 + log(RSS/(N-p))) - log|R|/2 - log|X'R^-1 X|/2``.

Layout of the APIM: this engine (no dyadscore imports but :mod:`dyadscore.errors`);
:mod:`dyadscore._apim_design` (input checks and the design matrices);
:mod:`dyadscore._apim_tests` (k, pattern and distinguishability tests);
:mod:`dyadscore._apim_result` (:class:`~dyadscore.APIMResult`); :mod:`dyadscore._apim`
(the public :func:`~dyadscore.apim`, which composes them).

Examples
--------
>>> import numpy as np
>>> G = {k: np.eye(2) for k in ("aa", "bb", "ab", "s0", "s1")}
>>> d = _Data(G, np.float64(10), np.float64(0), np.float64(20))
>>> d.p
1
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from .errors import InputError

_LOG2PI = math.log(2 * math.pi)


def __getattr__(name: str) -> Any:
    """Old import path: ``apim`` and ``APIMResult`` lived here before the split (lazy)."""
    if name in ("apim", "APIMResult"):
        from . import _apim

        return getattr(_apim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------------------
# the likelihood engine
# --------------------------------------------------------------------------------------


@dataclass
class _Data:
    """Sufficient statistics of one APIM data set (or a batch of resampled data sets).

    ``G[key]`` has shape (..., q, q) with q = p + 1 (design columns then y); ``n_pairs``,
    ``n_s1`` (single rows of the second role) and ``n_obs`` have the batch shape.
    """

    G: dict[str, np.ndarray]
    n_pairs: np.ndarray
    n_s1: np.ndarray
    n_obs: np.ndarray

    @property
    def p(self) -> int:
        return self.G["aa"].shape[-1] - 1

    def transform(self, T: np.ndarray) -> _Data:
        """Reparameterise beta = T gamma (constraints); y column is kept."""
        q = T.shape[0] + 1
        full = np.zeros((q, T.shape[1] + 1))
        full[:-1, :-1] = T
        full[-1, -1] = 1.0
        G = {k: full.T @ v @ full for k, v in self.G.items()}
        return _Data(G, self.n_pairs, self.n_s1, self.n_obs)


def _combine(d: _Data, lam: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Whitened cross-product matrix Z' R^-1 Z for every (lam, rho) in the batch."""
    lam = np.asarray(lam, dtype=float)[..., None, None]
    rho = np.asarray(rho, dtype=float)[..., None, None]
    G = d.G
    ab = G["ab"] + np.swapaxes(G["ab"], -1, -2)
    pair = G["aa"] + (G["bb"] / lam**2 - (rho / lam) * ab + rho**2 * G["aa"]) / (1 - rho**2)
    return pair + G["s0"] + G["s1"] / lam**2


def _loglik(d: _Data, lam: np.ndarray, rho: np.ndarray, reml: bool) -> np.ndarray:
    """Profiled (beta, sigma^2) log-likelihood, nlme's constants; batched, never raises."""
    M = _combine(d, lam, rho)
    p = d.p
    s_full, ld_full = np.linalg.slogdet(M)
    s_a, ld_a = np.linalg.slogdet(M[..., :p, :p])
    log_rss = ld_full - ld_a
    lam = np.asarray(lam, dtype=float)
    rho = np.asarray(rho, dtype=float)
    logdet_r = d.n_pairs * (2 * np.log(lam) + np.log1p(-(rho**2))) + d.n_s1 * 2 * np.log(lam)
    n_eff = d.n_obs - p if reml else d.n_obs
    ll = -0.5 * n_eff * (_LOG2PI + 1 + log_rss - np.log(n_eff)) - 0.5 * logdet_r
    if reml:
        ll = ll - 0.5 * ld_a
    bad = (s_full <= 0) | (s_a <= 0) | ~np.isfinite(ll)
    return np.where(bad, -np.inf, ll)


@dataclass
class _Fit:
    beta: np.ndarray
    cov_unscaled: np.ndarray  # (X'R^-1X)^-1
    sigma2: float  # profiled sigma^2 (ML: RSS/N, REML: RSS/(N-p))
    lam: float
    rho: float
    loglik: float
    n_obs: int
    p: int
    n_var: int  # variance parameters (sigma + free lam + free rho)
    reml: bool
    converged: bool


def _start(d: _Data, hetero: bool, corr: bool) -> tuple[float, float]:
    """Moment starting values from the OLS residuals (exact ML for balanced designs)."""
    p = d.p
    G = {k: np.asarray(v) for k, v in d.G.items()}
    M = G["aa"] + G["bb"] + G["s0"] + G["s1"]
    try:
        beta = np.linalg.solve(M[:p, :p], M[:p, p])
    except np.linalg.LinAlgError:
        return 1.0, 0.0
    bt = np.append(-beta, 1.0)
    saa, sbb, sab = (float(bt @ G[k] @ bt) for k in ("aa", "bb", "ab"))
    lam = math.sqrt(sbb / saa) if hetero and saa > 0 and sbb > 0 else 1.0
    if not corr or saa <= 0 or sbb <= 0:
        return lam, 0.0
    rho = sab / math.sqrt(saa * sbb) if hetero else 2 * sab / (saa + sbb)
    return lam, float(np.clip(rho, -0.95, 0.95))


def _newton(
    d: _Data, theta: np.ndarray, free: list[int], reml: bool, *, h: float, iters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Batched Newton ascent on (log lam, atanh rho) with finite-difference derivatives.

    ``theta`` has shape (B, 2); only the ``free`` coordinates move. Steps that do not
    improve the likelihood are halved; a non-concave Hessian falls back to gradient ascent.
    Returns (theta, converged flags).
    """
    B = theta.shape[0]
    k = len(free)
    done = np.zeros(B, bool)
    if not k:
        return theta, ~done

    def ll(th: np.ndarray) -> np.ndarray:
        return _loglik(d, np.exp(th[:, 0]), np.tanh(th[:, 1]), reml)

    cur = ll(theta)
    eye = np.eye(k)
    for _ in range(iters):
        g = np.zeros((B, k))
        H = np.zeros((B, k, k))
        for a, i in enumerate(free):
            e = np.zeros(2)
            e[i] = h
            fp, fm = ll(theta + e), ll(theta - e)
            g[:, a] = (fp - fm) / (2 * h)
            H[:, a, a] = (fp - 2 * cur + fm) / h**2
        if k == 2:
            e1, e2 = np.array([h, 0.0]), np.array([0.0, h])
            cross = (
                ll(theta + e1 + e2)
                - ll(theta + e1 - e2)
                - ll(theta - e1 + e2)
                + ll(theta - e1 - e2)
            ) / (4 * h * h)
            H[:, 0, 1] = H[:, 1, 0] = cross
        ok = np.isfinite(g).all(1) & np.isfinite(H).all((1, 2))
        Hs = np.where(ok[:, None, None], H, -eye)
        negdef = ok & (np.linalg.eigvalsh(Hs).max(1) < 0)
        Hs = np.where(negdef[:, None, None], Hs, -eye)
        step = -np.linalg.solve(Hs, np.where(ok[:, None], g, 0.0)[..., None])[..., 0]
        step = np.where(negdef[:, None], step, 0.1 * np.where(ok[:, None], g, 0.0))
        step = np.clip(step, -1.0, 1.0)
        step[done] = 0.0
        full = np.zeros((B, 2))
        full[:, free] = step
        moved = np.zeros(B, bool)
        for _half in range(12):
            trial = theta + full
            val = ll(trial)
            better = (val >= cur) & ~moved
            theta[better] = trial[better]
            cur[better] = val[better]
            moved |= better
            full[moved] = 0.0
            full = full / 2
            if moved.all():
                break
        done |= negdef & (np.abs(step).max(1) < 1e-9)
        done |= ~moved & negdef  # no improvement possible along the Newton direction
        if done.all():
            break
    return theta, done


def _fit(d: _Data, *, hetero: bool, corr: bool, reml: bool) -> _Fit:
    """Maximise the profiled likelihood over (log lam, atanh rho)."""
    n_obs, p = int(d.n_obs), d.p
    if n_obs <= p:
        raise InputError(f"APIM: {n_obs} observations for {p} coefficients; need more dyads")
    if int(d.n_pairs) == 0:
        corr = False
    free = [i for i, f in enumerate((hetero, corr)) if f]
    lam0, rho0 = _start(d, hetero, corr)
    theta = np.array([[math.log(lam0), math.atanh(rho0)]])
    theta, done = _newton(d, theta, free, reml, h=1e-5, iters=60)
    converged = bool(done[0])
    if not converged:  # robust fallback

        def negll(t: np.ndarray) -> float:
            th = theta[0].copy()
            th[free] = t
            val = float(_loglik(d, np.exp(th[0]), np.tanh(th[1]), reml))
            return -val if np.isfinite(val) else 1e300

        res = optimize.minimize(
            negll,
            theta[0, free],
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000},
        )
        theta[0, free] = res.x
        converged = bool(res.success)
    lam, rho = math.exp(theta[0, 0]), math.tanh(theta[0, 1])
    M = _combine(d, np.array(lam), np.array(rho))
    A, b = M[:p, :p], M[:p, p]
    cov_unscaled = np.linalg.inv(A)
    beta = cov_unscaled @ b
    rss = float(M[p, p] - b @ beta)
    sigma2 = rss / (n_obs - p if reml else n_obs)
    ll = float(_loglik(d, np.array(lam), np.array(rho), reml))
    if abs(rho) > 1 - 1e-8:
        converged = False
    return _Fit(beta, cov_unscaled, sigma2, lam, rho, ll, n_obs, p, 1 + len(free), reml, converged)


def _batch_fit(
    d: _Data, start: tuple[float, float], *, hetero: bool, corr: bool, reml: bool, iters: int = 30
) -> np.ndarray:
    """Refit a batch of (resampled) data sets at once; returns beta (B, p)."""
    B = d.n_obs.shape[0]
    free = [i for i, f in enumerate((hetero, corr)) if f]
    theta = np.tile(np.array([math.log(start[0]), math.atanh(start[1])]), (B, 1))
    theta, _ = _newton(d, theta, free, reml, h=1e-4, iters=iters)
    M = _combine(d, np.exp(theta[:, 0]), np.tanh(theta[:, 1]))
    p = d.p
    beta = np.full((B, p), np.nan)
    A, b = M[:, :p, :p], M[:, :p, p]
    s, _ = np.linalg.slogdet(A)
    good = s > 0
    if good.any():
        beta[good] = np.linalg.solve(A[good], b[good][..., None])[..., 0]
    return beta


def _bootstrap(
    units: _Data, fit: _Fit, n_boot: int, seed: Any, *, hetero: bool, reml: bool
) -> np.ndarray:
    """Couple bootstrap: ``n_boot`` refits on dyads resampled from the per-dyad ``units``."""
    U = units.n_obs.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, fit.p))
    chunk = int(max(1, min(500, 4_000_000 // max(U, 1))))  # W is chunk x U
    flat = {k: v.reshape(U, -1) for k, v in units.G.items()}
    q = fit.p + 1
    for start in range(0, n_boot, chunk):
        B = min(chunk, n_boot - start)
        W = rng.multinomial(U, np.full(U, 1.0 / U), size=B).astype(float)
        G = {k: (W @ v).reshape(B, q, q) for k, v in flat.items()}
        d = _Data(G, W @ units.n_pairs, W @ units.n_s1, W @ units.n_obs)
        out[start : start + B] = _batch_fit(
            d, (fit.lam, fit.rho), hetero=hetero, corr=fit.n_var > 1, reml=reml
        )
    return out


def _inference(fit: _Fit, method: str) -> tuple[np.ndarray, str, float]:
    """vcov under the reporting convention, the statistic's distribution, df."""
    if method == "ML":
        vcov = fit.sigma2 * fit.n_obs / (fit.n_obs - fit.p) * fit.cov_unscaled
    else:  # REML: sigma2 = RSS/(N-p); sem: sigma2 = RSS/N
        vcov = fit.sigma2 * fit.cov_unscaled
    return vcov, ("z" if method == "sem" else "t"), float(fit.n_obs - fit.p)


def _satterthwaite_df(d: _Data, fit: _Fit, hetero: bool, method: str) -> np.ndarray:
    """Satterthwaite degrees of freedom of each coefficient's t test (as ``emmeans`` on gls).

    With theta = (log sigma^2, log lam, atanh rho) (the free ones), phi_j(theta) = the
    variance of coefficient j under the reporting convention, A = the inverse of minus the
    Hessian of the (REML or ML) log-likelihood at the estimate, and g_j = d phi_j / d theta:
    ``df_j = 2 phi_j^2 / (g_j' A g_j)`` (Satterthwaite 1946; Giesbrecht & Burns 1985).
    This is ``emmeans``' ``mode = "satterthwaite"`` for ``nlme::gls`` (which uses
    ``apVar`` and the gradient of the coefficient covariance); the df do not depend on the
    parameterisation of theta. Derivatives are central finite differences.
    """
    p, reml = d.p, fit.reml
    n_eff = fit.n_obs - p if reml else fit.n_obs
    factor = fit.n_obs / (fit.n_obs - p) if method == "ML" else 1.0
    free = [0, *([1] if hetero else []), *([2] if int(d.n_pairs) > 0 else [])]
    th0 = np.array([math.log(fit.sigma2), math.log(fit.lam), math.atanh(fit.rho)])

    def parts(th: np.ndarray) -> tuple[float, np.ndarray]:
        s2, lam, rho = math.exp(th[0]), math.exp(th[1]), math.tanh(th[2])
        M = _combine(d, np.array(lam), np.array(rho))
        A, b = M[:p, :p], M[:p, p]
        inv = np.linalg.inv(A)
        rss = float(M[p, p] - b @ inv @ b)
        logdet_r = (
            float(d.n_pairs) * (2 * th[1] + math.log1p(-(rho**2))) + float(d.n_s1) * 2 * th[1]
        )
        ll = -0.5 * n_eff * (_LOG2PI + th[0]) - 0.5 * logdet_r - rss / (2 * s2)
        if reml:
            ll -= 0.5 * np.linalg.slogdet(A)[1]
        return ll, factor * s2 * np.diag(inv)

    h = 1e-4
    k = len(free)
    H = np.zeros((k, k))
    G = np.zeros((k, p))
    f0 = parts(th0)[0]
    for a, i in enumerate(free):
        ei = np.zeros(3)
        ei[i] = h
        (fp, vp), (fm, vm) = parts(th0 + ei), parts(th0 - ei)
        H[a, a] = (fp - 2 * f0 + fm) / h**2
        G[a] = (vp - vm) / (2 * h)
        for b_, j in enumerate(free[:a]):
            ej = np.zeros(3)
            ej[j] = h
            H[a, b_] = H[b_, a] = (
                parts(th0 + ei + ej)[0]
                - parts(th0 + ei - ej)[0]
                - parts(th0 - ei + ej)[0]
                + parts(th0 - ei - ej)[0]
            ) / (4 * h * h)
    cov_theta = np.linalg.inv(-H)
    phi = parts(th0)[1]
    var_phi = np.einsum("ap,ab,bp->p", G, cov_theta, G)
    return 2 * phi**2 / var_phi
