"""Linear mixed models with one grouping level (couples) and small patterned blocks.

The engine behind :func:`dyadscore.diary_apim`. The model is nlme's ``lme`` with one
grouping factor (the couple):

    y_c = X_c beta + Z_c u_c + e_c,   u_c ~ N(0, sigma^2 M),   e_c ~ N(0, sigma^2 Lambda_c)

with ``Lambda_c`` one of two residual structures:

* ``"pairs"``: rows are grouped in occasions (days) of at most two rows, one per member;
  member 2's residual SD is ``lam`` times member 1's (``varIdent``), and the two rows of an
  occasion correlate ``rho`` (``corCompSymm(form = ~ 1 | couple/day)``).
* ``"ar1"``: one residual SD and ``phi^|k - l|`` between the k-th and l-th row of a couple
  (``corAR1()`` without a covariate: by row position).

How it is computed. ``Lambda_c^-1`` is a fixed linear combination of a few per-couple Gram
matrices of ``v = [X, y, Z]`` (same-occasion products for ``"pairs"``; all, interior and
lag-1 products for ``"ar1"``), so the data are reduced once to (couples, d, d) arrays. For
any variance parameters, the Woodbury identity with ``M = L L'`` gives every couple's
contribution to ``[X, y]' V^-1 [X, y]`` and ``log|V_c|`` from a q x q Cholesky factor
(q = number of random effects, 2 or 4); beta and sigma^2 are profiled out. The few
remaining parameters are optimised by BFGS with batched central-difference gradients and
polished by Newton steps; nothing of size n x n is ever formed.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> g = np.repeat(np.arange(30), 10)
>>> X = np.column_stack([np.ones(300), rng.normal(size=300)])
>>> y = X @ [1.0, 0.5] + rng.normal(size=30)[g] + rng.normal(size=300)
>>> Z = np.ones((300, 1))
>>> fit = fit_lme(X, y, Z, g, structure="ar1", reml=True)
>>> round(float(fit.beta[1]), 2)
0.51
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

_LOG2PI = math.log(2 * math.pi)


# --------------------------------------------------------------------------------------
# parameterisations of M = L L' (relative random-effects covariance)
# --------------------------------------------------------------------------------------


def _n_chol(q: int) -> int:
    return q * (q + 1) // 2


def _chol_from_theta(t: np.ndarray, q: int) -> np.ndarray:
    """Lower-triangular L (batch, q, q) from log-Cholesky parameters (batch, q(q+1)/2):
    the q log-diagonal elements first, then the below-diagonal elements row by row."""
    B = t.shape[0]
    L = np.zeros((B, q, q))
    idx = np.arange(q)
    L[:, idx, idx] = np.exp(t[:, :q])
    r, c = np.tril_indices(q, -1)
    L[:, r, c] = t[:, q:]
    return L


def _theta_from_cov(M: np.ndarray) -> np.ndarray:
    q = M.shape[0]
    L = np.linalg.cholesky(M)
    r, c = np.tril_indices(q, -1)
    return np.concatenate([np.log(np.diag(L)), L[r, c]])


def _cs_chol(t: np.ndarray) -> np.ndarray:
    """2 x 2 compound symmetry: t = (log s, atanh r); M = s^2 [[1, r], [r, 1]]."""
    s, r = np.exp(t[:, 0]), np.tanh(t[:, 1])
    L = np.zeros((t.shape[0], 2, 2))
    L[:, 0, 0] = s
    L[:, 1, 0] = s * r
    L[:, 1, 1] = s * np.sqrt(1 - r**2)
    return L


# --------------------------------------------------------------------------------------
# the data, reduced once
# --------------------------------------------------------------------------------------


@dataclass
class _Blocks:
    structure: str  # "pairs" or "ar1"
    G: dict[str, np.ndarray]  # per-couple Gram matrices (n_groups, d, d) of [X, y, Z]
    p: int
    q: int
    n_obs: int
    n_groups: int
    logdet_counts: dict[str, float]  # pairs: n_pairs, n_single2; ar1: sum(n_c - 1)


def _segment_sum(outer: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    d = outer.shape[1]
    out = np.zeros((n, d * d))
    if len(codes):
        np.add.at(out, codes, outer.reshape(len(codes), d * d))
    return out.reshape(n, d, d)


def _gram(V: np.ndarray, W: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Per-group sums of V_k W_k' (n, d, d), using a sort and reduceat (fast, exact)."""
    d = V.shape[1]
    out = np.zeros((n, d, d))
    if not len(codes):
        return out
    order = np.argsort(codes, kind="stable")
    c = codes[order]
    prod = np.einsum("ki,kj->kij", V[order], W[order]).reshape(len(c), d * d)
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    out.reshape(n, d * d)[c[starts]] = np.add.reduceat(prod, starts, axis=0)
    return out


def build_blocks(
    X: np.ndarray,
    y: np.ndarray,
    Z: np.ndarray,
    groups: np.ndarray,
    *,
    structure: str,
    member: np.ndarray | None = None,
    occasion: np.ndarray | None = None,
) -> _Blocks:
    """Reduce the data to per-couple Gram matrices.

    ``groups`` are integer codes 0..G-1. For ``"pairs"``, ``member`` is 0/1 (member 2 has
    the residual SD ratio ``lam``) and ``occasion`` an integer code of the occasion within
    the couple (rows sharing couple and occasion are correlated; at most one per member).
    For ``"ar1"`` the row order within each couple is the AR(1) order.
    """
    n, p = X.shape
    q = Z.shape[1]
    V = np.column_stack([X, y, Z])
    G = int(groups.max()) + 1 if n else 0
    if structure == "pairs":
        key = groups.astype(np.int64) * (int(occasion.max()) + 1) + occasion
        order = np.lexsort((member, key))
        ks, ms = key[order], member[order]
        paired_first = np.zeros(n, bool)
        paired_first[:-1] = (ks[:-1] == ks[1:]) & (ms[:-1] == 0) & (ms[1:] == 1)
        ia = order[paired_first]
        ib = order[np.r_[False, paired_first[:-1]]]
        in_pair = np.zeros(n, bool)
        in_pair[ia] = in_pair[ib] = True
        s1 = ~in_pair & (member == 0)
        s2 = ~in_pair & (member == 1)
        gram = {
            "aa": _gram(V[ia], V[ia], groups[ia], G),
            "bb": _gram(V[ib], V[ib], groups[ib], G),
            "ab": _gram(V[ia], V[ib], groups[ia], G),
            "s1": _gram(V[s1], V[s1], groups[s1], G),
            "s2": _gram(V[s2], V[s2], groups[s2], G),
        }
        counts = {"n_pairs": float(len(ia)), "n_single2": float(s2.sum())}
    elif structure == "ar1":
        order = np.argsort(groups, kind="stable")
        g = groups[order]
        Vs = V[order]
        same_next = g[:-1] == g[1:]
        first = np.r_[True, ~same_next]
        last = np.r_[~same_next, True]
        interior = ~first & ~last
        gram = {
            "all": _gram(Vs, Vs, g, G),
            "int": _gram(Vs[interior], Vs[interior], g[interior], G),
            "lag": _gram(Vs[:-1][same_next], Vs[1:][same_next], g[:-1][same_next], G),
        }
        counts = {"n_lag": float(same_next.sum())}
    else:  # pragma: no cover - internal
        raise ValueError(structure)
    zc = slice(p + 1, p + 1 + q)
    sym = {"ab", "lag"}  # cross products enter as M + M'
    comps = ["aa", "bb", "ab", "s1", "s2"] if structure == "pairs" else ["all", "int", "lag"]
    tots, zs = [], []
    for key_ in comps:
        M = gram[key_]
        full = M + np.swapaxes(M, -1, -2) if key_ in sym else M
        tots.append(full.sum(axis=0).ravel())
        zs.append(np.ascontiguousarray(full[:, :, zc]).ravel())
    d = p + 1 + q
    red = {
        "tot": np.vstack(tots),
        "z": np.vstack(zs),
        "tot_shape": (d, d),
        "z_shape": (G, d, q),
    }
    return _Blocks(structure, red, p, q, n, G, counts)


# --------------------------------------------------------------------------------------
# the profiled likelihood
# --------------------------------------------------------------------------------------


def _coefs(b: _Blocks, lam: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the component Gram matrices in v' Lambda^-1 v (T, n_comp), log|Lambda|."""
    c = b.logdet_counts
    if b.structure == "pairs":
        w = 1.0 / (1 - rho**2)
        W = np.column_stack([w, w / lam**2, -w * rho / lam, np.ones_like(lam), 1 / lam**2])
        logdet = c["n_pairs"] * (2 * np.log(lam) + np.log1p(-(rho**2))) + c[
            "n_single2"
        ] * 2 * np.log(lam)
    else:
        w = 1.0 / (1 - rho**2)
        W = np.column_stack([w, w * rho**2, -w * rho])
        logdet = c["n_lag"] * np.log1p(-(rho**2))
    return W, logdet


def _combine(
    b: _Blocks, lam: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """v' Lambda^-1 v summed over couples (T, d, d), its per-couple columns of Z
    (T, G, d, q), and log|Lambda| summed over couples (T,). One matrix product each."""
    W, logdet = _coefs(b, lam, rho)
    nT = len(lam)
    tot = (W @ b.G["tot"]).reshape(nT, *b.G["tot_shape"])
    Sz = (W @ b.G["z"]).reshape(nT, *b.G["z_shape"])
    return tot, Sz, logdet


@dataclass
class _Eval:
    loglik: np.ndarray
    Mtot: np.ndarray | None = None  # (T, p+1, p+1) [X, y]' V~^-1 [X, y]
    S: np.ndarray | None = None  # (T, G, d, q) per-couple v' Lambda^-1 Z
    K: np.ndarray | None = None


def _chol_small(K: np.ndarray) -> np.ndarray:
    """Batched Cholesky factor of small SPD matrices, elementwise over the batch (for q <= 4
    much faster than one LAPACK call per matrix). Non-SPD input gives NaN, not an error."""
    q = K.shape[-1]
    k = {(i, j): np.ascontiguousarray(K[..., i, j]) for i in range(q) for j in range(i + 1)}
    lo: dict[tuple[int, int], np.ndarray] = {}
    for j in range(q):
        s = k[j, j].copy()
        for m in range(j):
            s -= lo[j, m] ** 2
        d = np.sqrt(s)
        lo[j, j] = d
        for i in range(j + 1, q):
            t = k[i, j].copy()
            for m in range(j):
                t -= lo[i, m] * lo[j, m]
            lo[i, j] = t / d
    out = np.zeros_like(K)
    for (i, j), v in lo.items():
        out[..., i, j] = v
    return out


def _tri_inv(Lk: np.ndarray) -> np.ndarray:
    """Inverse of batched small lower-triangular matrices (forward substitution)."""
    q = Lk.shape[-1]
    lo = {(i, j): np.ascontiguousarray(Lk[..., i, j]) for i in range(q) for j in range(i + 1)}
    inv: dict[tuple[int, int], np.ndarray] = {}
    for i in range(q):
        inv[i, i] = 1.0 / lo[i, i]
        for j in range(i):
            acc = lo[i, j] * inv[j, j]
            for m in range(j + 1, i):
                acc = acc + lo[i, m] * inv[m, j]
            inv[i, j] = -acc * inv[i, i]
    out = np.zeros_like(Lk)
    for (i, j), v in inv.items():
        out[..., i, j] = v
    return out


def profiled_loglik(
    b: _Blocks, lam: np.ndarray, rho: np.ndarray, L: np.ndarray, reml: bool, keep: bool = False
) -> _Eval:
    """Profiled (beta, sigma^2) log-likelihood for a batch of parameter values (nlme's)."""
    p, q = b.p, b.q
    nT = len(lam)
    with np.errstate(all="ignore"):
        tot, Sz, logdet_lam = _combine(b, lam, rho)
        A = tot[:, : p + 1, : p + 1]
        Bm = Sz[:, :, : p + 1, :]
        C = Sz[:, :, p + 1 :, :]
        Lb = L[:, None]
        K = np.eye(q) + np.swapaxes(Lb, -1, -2) @ C @ Lb
        Lk = _chol_small(K)
        diag = np.diagonal(Lk, axis1=-2, axis2=-1)
        ldK = 2 * np.log(diag).sum(axis=(1, 2))
        F = (Bm @ Lb) @ np.swapaxes(_tri_inv(Lk), -1, -2)  # (T, G, p+1, q)
        Fm = np.swapaxes(F, 1, 2).reshape(nT, p + 1, -1)
        Mtot = A - Fm @ np.swapaxes(Fm, -1, -2)
        s_full, ld_full = np.linalg.slogdet(Mtot)
        s_x, ld_x = np.linalg.slogdet(Mtot[:, :p, :p])
        logdet_v = logdet_lam + ldK
        n_eff = b.n_obs - p if reml else b.n_obs
        log_rss = ld_full - ld_x
        ll = -0.5 * n_eff * (_LOG2PI + 1 + log_rss - math.log(n_eff)) - 0.5 * logdet_v
        if reml:
            ll = ll - 0.5 * ld_x
        bad = (s_full <= 0) | (s_x <= 0) | ~np.isfinite(ll)
        ll = np.where(bad, -np.inf, ll)
    if keep:
        return _Eval(ll, Mtot, Sz, K)
    return _Eval(ll)


# --------------------------------------------------------------------------------------
# parameter maps
# --------------------------------------------------------------------------------------


@dataclass
class _Param:
    """Maps the free parameter vector to (lam, rho, L) in batches."""

    q: int
    hetero: bool  # free lam (pairs structure)
    corr: bool  # free rho / phi
    cov: str  # "chol" (unstructured) or "cs" (2 x 2 compound symmetry)

    @property
    def k(self) -> int:
        return int(self.hetero) + int(self.corr) + (_n_chol(self.q) if self.cov == "chol" else 2)

    def unpack(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = np.atleast_2d(t)
        i = 0
        lam = np.ones(t.shape[0])
        rho = np.zeros(t.shape[0])
        if self.hetero:
            lam = np.exp(t[:, i])
            i += 1
        if self.corr:
            rho = np.tanh(t[:, i])
            i += 1
        L = _chol_from_theta(t[:, i:], self.q) if self.cov == "chol" else _cs_chol(t[:, i:])
        return lam, rho, L

    def pack(self, lam: float, rho: float, M: np.ndarray) -> np.ndarray:
        out = []
        if self.hetero:
            out.append(math.log(lam))
        if self.corr:
            out.append(math.atanh(rho))
        if self.cov == "chol":
            out.extend(_theta_from_cov(M))
        else:
            s = math.sqrt(max(M[0, 0], 1e-8))
            r = float(np.clip(M[0, 1] / s**2, -0.95, 0.95))
            out.extend([math.log(s), math.atanh(r)])
        return np.array(out)


# --------------------------------------------------------------------------------------
# optimisation
# --------------------------------------------------------------------------------------


@dataclass
class LMEFit:
    """A fitted model: estimates on the natural scale plus optimisation diagnostics."""

    beta: np.ndarray
    cov_unscaled: np.ndarray  # (X' V~^-1 X)^-1 ; vcov = sigma2 * cov_unscaled
    sigma2: float
    lam: float
    rho: float
    M: np.ndarray  # relative RE covariance, D = sigma2 * M
    loglik: float
    theta: np.ndarray
    n_obs: int
    p: int
    n_var: int  # variance parameters incl. sigma
    reml: bool
    converged: bool
    grad_norm: float
    blups: np.ndarray  # (G, q)
    messages: list[str] = field(default_factory=list)

    @property
    def vcov(self) -> np.ndarray:
        return self.sigma2 * self.cov_unscaled

    @property
    def D(self) -> np.ndarray:
        return self.sigma2 * self.M


class _Objective:
    def __init__(self, b: _Blocks, par: _Param, reml: bool, h: float = 1e-4, chunk: int = 64):
        self.b, self.par, self.reml, self.h = b, par, reml, h
        # keep the batch memory modest: T * G * d * d doubles
        d = b.p + 1 + b.q
        per = max(1, b.n_groups * d * max(b.q, 2) * 8 * 10)
        self.chunk = max(4, min(chunk, int(4e8 // per)))

    def values(self, T: np.ndarray) -> np.ndarray:
        out = np.empty(T.shape[0])
        for s in range(0, T.shape[0], self.chunk):
            lam, rho, L = self.par.unpack(T[s : s + self.chunk])
            out[s : s + self.chunk] = profiled_loglik(self.b, lam, rho, L, self.reml).loglik
        return out

    def value_grad(self, t: np.ndarray) -> tuple[float, np.ndarray]:
        k = len(t)
        E = np.eye(k) * self.h
        T = np.vstack([t[None], t + E, t - E])
        v = self.values(T)
        g = (v[1 : k + 1] - v[k + 1 :]) / (2 * self.h)
        return float(v[0]), g

    def hessian(self, t: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Value, gradient and Hessian by central differences (one batched evaluation)."""
        k, h = len(t), self.h * 10
        pts = [t]
        E = np.eye(k) * h
        for i in range(k):
            pts += [t + E[i], t - E[i]]
        pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
        for i, j in pairs:
            pts += [t + E[i] + E[j], t + E[i] - E[j], t - E[i] + E[j], t - E[i] - E[j]]
        v = self.values(np.vstack(pts))
        f0 = v[0]
        fp, fm = v[1 : 2 * k + 1 : 2], v[2 : 2 * k + 1 : 2]
        g = (fp - fm) / (2 * h)
        H = np.diag((fp - 2 * f0 + fm) / h**2)
        off = v[2 * k + 1 :].reshape(-1, 4)
        for (i, j), f in zip(pairs, off, strict=True):
            H[i, j] = H[j, i] = (f[0] - f[1] - f[2] + f[3]) / (4 * h * h)
        return float(f0), g, H


def _optimise(obj: _Objective, starts: list[np.ndarray]) -> tuple[np.ndarray, float, bool, float]:
    best = None
    for t0 in starts:
        if not np.isfinite(obj.values(t0[None])[0]):
            continue

        def fun(t: np.ndarray) -> tuple[float, np.ndarray]:
            v, g = obj.value_grad(t)
            if not np.isfinite(v):
                return 1e300, np.zeros_like(t)
            return -v, -g

        res = optimize.minimize(
            fun, t0, jac=True, method="BFGS", options={"gtol": 1e-4, "maxiter": 2000}
        )
        t = res.x
        f, g = obj.value_grad(t)
        # BFGS's own estimate of the remaining distance to the optimum
        try:
            rest = float(np.abs(np.asarray(res.hess_inv) @ g).max())
        except (TypeError, ValueError):
            rest = np.inf
        # Newton polish (finite-difference Hessian, accurate central gradient) only when
        # the optimum may still be more than ~1e-7 away on the parameter scale
        for _ in range(8 if not (np.isfinite(rest) and rest < 1e-7) else 0):
            H = obj.hessian(t)[2]
            try:
                w = np.linalg.eigvalsh(H)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(w)) or w.max() >= 0:
                break
            step = -np.linalg.solve(H, g)
            if np.abs(step).max() < 1e-10:
                break
            improved = False
            for _half in range(20):
                trial = t + step
                ft = obj.values(trial[None])[0]
                if np.isfinite(ft) and ft >= f - 1e-12:
                    t, improved = trial, True
                    break
                step = step / 2
            if not improved:
                break
            f, g = obj.value_grad(t)
            if np.abs(step).max() < 1e-7:  # converged: no need for another Hessian
                break
        f, g = obj.value_grad(t)
        gn = float(np.abs(g).max())
        if best is None or f > best[1] + 1e-9:
            best = (t, f, gn)
    if best is None:
        return starts[0], -np.inf, False, np.inf
    t, f, gn = best
    # converged: the gradient is small on the scale of the likelihood
    conv = bool(np.isfinite(f) and gn < 1e-3)
    return t, f, conv, gn


def fit_lme(
    X: np.ndarray,
    y: np.ndarray,
    Z: np.ndarray,
    groups: np.ndarray,
    *,
    structure: str = "pairs",
    member: np.ndarray | None = None,
    occasion: np.ndarray | None = None,
    reml: bool = True,
    hetero: bool = True,
    corr: bool = True,
    cov: str = "chol",
    start: dict | None = None,
    blocks: _Blocks | None = None,
) -> LMEFit:
    """Fit the model (see the module docstring) by profiled (RE)ML.

    Parameters
    ----------
    X, y, Z : arrays
        Fixed-effects design (n, p), outcome (n,), random-effects design (n, q).
    groups : array of int
        Couple codes 0..G-1.
    structure : {"pairs", "ar1"}
        Residual structure; ``member`` and ``occasion`` are needed for ``"pairs"``.
    reml : bool
        REML (True) or ML.
    hetero, corr : bool
        Free residual SD ratio of member 2 (pairs only) and free residual correlation.
    cov : {"chol", "cs"}
        Unstructured (log-Cholesky) or 2 x 2 compound-symmetric random-effects covariance.
    start : dict, optional
        Starting values ``lam``, ``rho``, ``M`` (relative RE covariance).

    Returns
    -------
    LMEFit

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(40), 6); X = np.ones((240, 1))
    >>> y = rng.normal(size=40)[g] + rng.normal(size=240)
    >>> fit = fit_lme(X, y, X, g, structure="ar1", corr=False, reml=True)
    >>> fit.converged, round(float(fit.D[0, 0]), 1)
    (True, 0.6)
    """
    if blocks is None:
        blocks = build_blocks(
            X, y, Z, groups, structure=structure, member=member, occasion=occasion
        )
    b = blocks
    hetero = hetero and structure == "pairs"
    par = _Param(Z.shape[1], hetero, corr, cov)
    obj = _Objective(b, par, reml)
    st = start or _moment_start(X, y, Z, groups, member, occasion, structure)
    starts = [par.pack(st["lam"], st["rho"] if corr else 0.0, st["M"])]
    q = Z.shape[1]
    starts.append(par.pack(1.0, 0.0, np.eye(q) * max(float(np.trace(st["M"])) / q, 0.1)))
    t, f, conv, gn = _optimise(obj, starts[:1])
    if not conv:
        t2, f2, conv2, gn2 = _optimise(obj, starts[1:])
        if f2 > f:
            t, f, conv, gn = t2, f2, conv2, gn2
    return _finish(b, par, t, reml, conv, gn)


def _finish(b: _Blocks, par: _Param, t: np.ndarray, reml: bool, conv: bool, gn: float) -> LMEFit:
    lam, rho, L = par.unpack(t)
    ev = profiled_loglik(b, lam, rho, L, reml, keep=True)
    p = b.p
    Mtot = ev.Mtot[0]
    A, r = Mtot[:p, :p], Mtot[:p, p]
    cov_unscaled = np.linalg.inv(A)
    beta = cov_unscaled @ r
    rss = float(Mtot[p, p] - r @ beta)
    sigma2 = rss / (b.n_obs - p if reml else b.n_obs)
    # BLUPs: u_c = L K^-1 L' Z' Lambda^-1 (y - X beta), on the absolute scale (D = sigma2 M)
    S = ev.S[0]
    w = np.append(-beta, 1.0)
    zr = np.einsum("gij,i->gj", S[:, : p + 1, :], w)  # Z' Lambda^-1 r   (G, q)
    Lm = L[0]
    rhs = zr @ Lm  # L' Z'Lambda^-1 r
    sol = np.linalg.solve(ev.K[0], rhs[..., None])[..., 0]
    blups = sol @ Lm.T
    return LMEFit(
        beta=beta,
        cov_unscaled=cov_unscaled,
        sigma2=sigma2,
        lam=float(lam[0]),
        rho=float(rho[0]),
        M=Lm @ Lm.T,
        loglik=float(ev.loglik[0]),
        theta=t,
        n_obs=b.n_obs,
        p=p,
        n_var=par.k + 1,  # the relative variance parameters and sigma
        reml=reml,
        converged=conv,
        grad_norm=gn,
        blups=blups,
        messages=[],
    )


# --------------------------------------------------------------------------------------
# starting values
# --------------------------------------------------------------------------------------


def _moment_start(
    X: np.ndarray,
    y: np.ndarray,
    Z: np.ndarray,
    groups: np.ndarray,
    member: np.ndarray | None,
    occasion: np.ndarray | None,
    structure: str,
) -> dict:
    """Moment estimates from the OLS residuals: within-couple residual SDs by member,
    same-occasion residual correlation, and the random-effects covariance from per-couple
    least-squares fits of the residuals on Z (minus their average sampling variance)."""
    n, q = Z.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ beta
    G = int(groups.max()) + 1
    # per-couple regression of r on Z (ridge-stabilised)
    ZZ = _gram(Z, Z, groups, G) + 1e-6 * np.eye(q)
    Zr = np.zeros((G, q))
    np.add.at(Zr, groups, Z * r[:, None])
    try:
        u = np.linalg.solve(ZZ, Zr[..., None])[..., 0]
    except np.linalg.LinAlgError:
        u = np.zeros((G, q))
    e = r - np.einsum("ij,ij->i", Z, u[groups])
    cnt = np.bincount(groups, minlength=G)
    dof = max(n - G * q, 1)
    mem = member if member is not None else np.zeros(n, int)
    s2 = []
    for m in (0, 1):
        sel = mem == m
        s2.append(float(np.sum(e[sel] ** 2)) / max(dof * sel.mean(), 1.0) if sel.any() else 1.0)
    s2 = [v if v > 1e-8 else 1.0 for v in s2]
    lam = math.sqrt(s2[1] / s2[0]) if member is not None and (mem == 1).any() else 1.0
    lam = float(np.clip(lam, 0.2, 5.0))
    rho = 0.0
    if structure == "pairs" and occasion is not None and member is not None:
        key = groups.astype(np.int64) * (int(occasion.max()) + 1) + occasion
        order = np.lexsort((mem, key))
        ks = key[order]
        ms = mem[order]
        pf = np.zeros(n, bool)
        pf[:-1] = (ks[:-1] == ks[1:]) & (ms[:-1] == 0) & (ms[1:] == 1)
        ea, eb = e[order[pf]], e[order[np.r_[False, pf[:-1]]]]
        if len(ea) > 2 and ea.std() > 0 and eb.std() > 0:
            rho = float(np.corrcoef(ea, eb)[0, 1])
    elif structure == "ar1":
        same = groups[:-1] == groups[1:]
        if same.sum() > 2:
            rho = float(np.corrcoef(e[:-1][same], e[1:][same])[0, 1])
    rho = float(np.clip(np.nan_to_num(rho), -0.8, 0.8))
    sigma2 = s2[0]
    ok = cnt > q
    if ok.sum() > q:
        U = u[ok]
        Dm = np.cov(U, rowvar=False).reshape(q, q)
        inv = np.linalg.inv(ZZ[ok])
        Dm = Dm - sigma2 * inv.mean(axis=0)
    else:
        Dm = np.eye(q) * sigma2
    # make it safely positive definite
    w, v = np.linalg.eigh((Dm + Dm.T) / 2)
    floor = 0.05 * max(float(np.abs(np.diag(Dm)).mean()), sigma2 * 0.05)
    w = np.maximum(w, floor)
    Dm = (v * w) @ v.T
    return {"lam": lam, "rho": rho, "M": Dm / sigma2}


# --------------------------------------------------------------------------------------
# nlme's containment degrees of freedom (one grouping level)
# --------------------------------------------------------------------------------------


def containment_df(X: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Denominator df of each fixed effect as ``nlme:::getFixDF`` with one grouping level.

    A column is at the inner (residual) level if it varies within at least one group,
    at the outer (group) level otherwise; an all-constant column is the intercept.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.repeat(np.arange(5), 4)
    >>> X = np.column_stack([np.ones(20), np.arange(20.0), np.repeat(np.arange(5.0), 4)])
    >>> containment_df(X, g).tolist()
    [14.0, 14.0, 3.0]
    """
    n, p = X.shape
    G = int(groups.max()) + 1
    tol = math.sqrt(np.finfo(float).eps)
    const = (X.max(axis=0) - X.min(axis=0)) < tol
    mx = np.full((G, p), -np.inf)
    mn = np.full((G, p), np.inf)
    np.maximum.at(mx, groups, X)
    np.minimum.at(mn, groups, X)
    inner = ((mx - mn) > 0).any(axis=0) & ~const
    outer = ~inner & ~const
    df_outer = G - outer.sum()
    df_inner = n - G - inner.sum()
    if const.any():
        df_outer -= 1
    else:
        df_inner += 1
    df = np.where(inner, df_inner, df_outer).astype(float)
    df[const] = max(df_inner, df_outer)
    return df
