"""Maximum-likelihood engine for confirmatory factor models (LISREL all-y notation).

The model for ``p`` observed variables and ``m`` factors::

    mu    = nu + Lambda @ alpha
    Sigma = Lambda @ Psi @ Lambda.T + Theta

A model is a parameter table (one :class:`Row` per lavaan parameter, lavaan's
``lhs, op, rhs, label``); rows sharing a label are one parameter (a label tied to a
fixed row fixes them all, as lavaan does). Fitting is by Fisher scoring with the
analytic gradient, finished by Newton steps; listwise standard errors use the expected
information, FIML standard errors the observed information (lavaan 0.6 defaults).

This module holds the numbers only; :mod:`dyadscore._cfa` builds the models users ask
for and the result objects.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(500, 1))
>>> y = f @ np.array([[0.8, 0.7, 0.6, 0.9]]) + rng.normal(scale=0.6, size=(500, 4))
>>> spec = one_factor_rows(["y1", "y2", "y3", "y4"], "F", scaling="FF")
>>> fit = fit_model(spec, ["y1", "y2", "y3", "y4"], ["F"], y)
>>> fit.fit_measures["df"], fit.fit_measures["npar"]
(2, 12)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Row", "Fit", "fit_model", "one_factor_rows", "SamplePatterns"]


@dataclass
class Row:
    """One parameter of the model, lavaan style (``op`` one of ``=~``, ``~~``, ``~1``)."""

    lhs: str
    op: str
    rhs: str
    label: str = ""
    free: bool = True
    value: float = 0.0  # the fixed value when not free


def one_factor_rows(items: list[str], lv: str, scaling: str = "FF") -> list[Row]:
    """Parameter table of a one-factor model with a mean structure (oracle conventions).

    ``FF``: loadings free, factor variance 1 and mean 0. ``MV``: first loading 1, first
    intercept 0, factor variance and mean free.

    Examples
    --------
    >>> [r.free for r in one_factor_rows(["a", "b"], "F", "MV")]
    [False, True, False, True, True, True, True, True]
    """
    mv = scaling == "MV"
    rows = [Row(lv, "=~", it, free=not (mv and i == 0), value=1.0) for i, it in enumerate(items)]
    rows += [Row(it, "~1", "", free=not (mv and i == 0), value=0.0) for i, it in enumerate(items)]
    rows += [Row(it, "~~", it) for it in items]
    rows += [Row(lv, "~~", lv, free=mv, value=1.0), Row(lv, "~1", "", free=mv, value=0.0)]
    return rows


# ---------------------------------------------------------------------------- data
class SamplePatterns:
    """Data grouped by missing-data pattern (FIML) or complete (listwise).

    Each pattern holds the observed-variable index, the row count and the pattern's mean
    and covariance (divisor n).
    """

    def __init__(self, y: np.ndarray, fiml: bool):
        y = np.asarray(y, dtype=float)
        obs = ~np.isnan(y)
        if fiml:
            keep = obs.any(axis=1)
        else:
            keep = obs.all(axis=1)
        y, obs = y[keep], obs[keep]
        self.n = int(y.shape[0])
        self.p = int(y.shape[1])
        self.fiml = fiml
        self.y = y
        self.patterns: list[tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]] = []
        if self.n == 0:
            return
        keys, inverse = np.unique(obs, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        for k in range(keys.shape[0]):
            idx = np.flatnonzero(keys[k])
            rows = y[inverse == k][:, idx]
            nk = rows.shape[0]
            mean = rows.mean(axis=0)
            dev = rows - mean
            cov = dev.T @ dev / nk
            self.patterns.append((idx, nk, mean, cov, rows))
        self.complete = len(self.patterns) == 1 and len(self.patterns[0][0]) == self.p
        # patterns with the same number of observed items, stacked for batched algebra:
        # (observed index (G, po), missing index (G, p - po), n (G,), means, covariances)
        self.groups = []
        sizes = np.array([len(pt[0]) for pt in self.patterns])
        for po in np.unique(sizes):
            sel = [pt for pt, sz in zip(self.patterns, sizes, strict=True) if sz == po]
            idx = np.array([pt[0] for pt in sel], dtype=int).reshape(len(sel), po)
            mis = np.array(
                [np.setdiff1d(np.arange(self.p), pt[0]) for pt in sel], dtype=int
            ).reshape(len(sel), self.p - po)
            nk = np.array([pt[1] for pt in sel], dtype=float)
            means = np.array([pt[2] for pt in sel]).reshape(len(sel), po)
            covs = np.array([pt[3] for pt in sel]).reshape(len(sel), po, po)
            self.groups.append((idx, mis, nk, means, covs))

    # saturated (h1) model ------------------------------------------------------
    def saturated(self, tol: float = 1e-13, max_iter: int = 20000) -> tuple[np.ndarray, np.ndarray]:
        """ML means and covariance of the saturated model (EM when data are missing)."""
        if self.complete:
            _, _, mean, cov, _ = self.patterns[0]
            return mean.copy(), cov.copy()
        p = self.p
        y = self.y
        mu = np.nanmean(y, axis=0)
        sig = np.diag(np.nanvar(y, axis=0))
        prev = -np.inf
        for _ in range(max_iter):
            s1 = np.zeros(p)
            s2 = np.zeros((p, p))
            for idx, mis, nk, means, covs in self.groups:
                G, po = idx.shape
                if po == p:
                    s1 += nk @ means
                    s2 += np.einsum("g,gij->ij", nk, covs + means[:, :, None] * means[:, None, :])
                    continue
                soo = sig[idx[:, :, None], idx[:, None, :]]
                smo = sig[mis[:, :, None], idx[:, None, :]]  # (G, pm, po)
                b = np.swapaxes(np.linalg.solve(soo, np.swapaxes(smo, 1, 2)), 1, 2)  # (G, pm, po)
                cmm = sig[mis[:, :, None], mis[:, None, :]] - b @ np.swapaxes(smo, 1, 2)
                ex_m = mu[mis] + np.einsum("gij,gj->gi", b, means - mu[idx])
                order = np.concatenate([idx, mis], axis=1)
                fm = np.concatenate([means, ex_m], axis=1)  # full means, permuted
                bc = b @ covs
                top = np.concatenate([covs, np.swapaxes(bc, 1, 2)], axis=2)
                bot = np.concatenate([bc, bc @ np.swapaxes(b, 1, 2) + cmm], axis=2)
                c = np.concatenate([top, bot], axis=1) + fm[:, :, None] * fm[:, None, :]
                full_mean = np.empty((G, p))
                full_mean[np.arange(G)[:, None], order] = fm
                full_c = np.empty((G, p, p))
                full_c[np.arange(G)[:, None, None], order[:, :, None], order[:, None, :]] = c
                s1 += nk @ full_mean
                s2 += np.einsum("g,gij->ij", nk, full_c)
            mu = s1 / self.n
            sig = s2 / self.n - np.outer(mu, mu)
            sig = (sig + sig.T) / 2
            ll = self.loglik(mu, sig)
            if ll - prev < tol * max(1.0, abs(ll)):
                break
            prev = ll
        return mu, sig

    def loglik(self, mu: np.ndarray, sig: np.ndarray) -> float:
        """Normal log-likelihood of the observed data (each row's observed items)."""
        total = 0.0
        for idx, _mis, nk, means, covs in self.groups:
            po = idx.shape[1]
            so = sig[idx[:, :, None], idx[:, None, :]]
            sign, logdet = np.linalg.slogdet(so)
            if np.any(sign <= 0):
                return -np.inf
            d = means - mu[idx]
            inv = np.linalg.inv(so)
            quad = np.einsum("gij,gij->g", inv, covs) + np.einsum("gi,gij,gj->g", d, inv, d)
            total += float(-0.5 * nk @ (po * math.log(2 * math.pi) + logdet + quad))
        return float(total)


# ---------------------------------------------------------------------------- model
class Model:
    """Compiled parameter table: matrix positions of every row and the free-parameter map."""

    def __init__(self, rows: list[Row], ov: list[str], lv: list[str]):
        self.rows = rows
        self.ov = list(ov)
        self.lv = list(lv)
        p, m = len(ov), len(lv)
        self.p, self.m = p, m
        oi = {v: i for i, v in enumerate(ov)}
        li = {v: i for i, v in enumerate(lv)}
        self.where: list[tuple[str, int, int]] = []
        for r in rows:
            if r.op == "=~":
                self.where.append(("L", oi[r.rhs], li[r.lhs]))
            elif r.op == "~1":
                if r.lhs in oi:
                    self.where.append(("nu", oi[r.lhs], 0))
                else:
                    self.where.append(("al", li[r.lhs], 0))
            elif r.op == "~~":
                if r.lhs in oi:
                    self.where.append(("Th", oi[r.lhs], oi[r.rhs]))
                else:
                    self.where.append(("Ps", li[r.lhs], li[r.rhs]))
            else:  # pragma: no cover - programming error
                raise ValueError(r.op)
        # labels: a label tied to any fixed row fixes all its rows
        fixed_label: dict[str, float] = {}
        for r in rows:
            if r.label and not r.free:
                fixed_label.setdefault(r.label, r.value)
        self.index = np.full(len(rows), -1)
        self.fixed = np.zeros(len(rows))
        label_index: dict[str, int] = {}
        q = 0
        for k, r in enumerate(rows):
            if r.label and r.label in fixed_label:
                self.fixed[k] = fixed_label[r.label]
            elif not r.free:
                self.fixed[k] = r.value
            elif r.label:
                if r.label not in label_index:
                    label_index[r.label] = q
                    q += 1
                self.index[k] = label_index[r.label]
            else:
                self.index[k] = q
                q += 1
        self.q = q
        self.free_rows = np.flatnonzero(self.index >= 0)
        # index arrays per matrix: every row (for the matrices) and the free rows (Jacobian)
        kinds = np.array([w[0] for w in self.where])
        ii = np.array([w[1] for w in self.where], dtype=int)
        jj = np.array([w[2] for w in self.where], dtype=int)
        self._rows_of = {kd: np.flatnonzero(kinds == kd) for kd in ("L", "nu", "al", "Th", "Ps")}
        self._ij = (ii, jj)
        free = self.index >= 0
        self._free_of = {
            kd: (self.index[r[free[r]]], ii[r[free[r]]], jj[r[free[r]]])
            for kd, r in self._rows_of.items()
        }
        # parameters that enter Sigma (loadings, residual and factor (co)variances)
        self.cov_params = np.unique(
            [self.index[k] for k in self.free_rows if self.where[k][0] in ("L", "Th", "Ps")]
        ).astype(int)

    def values(self, x: np.ndarray) -> np.ndarray:
        v = self.fixed.copy()
        v[self.free_rows] = x[self.index[self.free_rows]]
        return v

    def matrices(self, x: np.ndarray):
        p, m = self.p, self.m
        v = self.values(x)
        ii, jj = self._ij
        L = np.zeros((p, m))
        Th = np.zeros((p, p))
        Ps = np.zeros((m, m))
        nu = np.zeros(p)
        al = np.zeros(m)
        r = self._rows_of
        L[ii[r["L"]], jj[r["L"]]] = v[r["L"]]
        nu[ii[r["nu"]]] = v[r["nu"]]
        al[ii[r["al"]]] = v[r["al"]]
        Th[ii[r["Th"]], jj[r["Th"]]] = v[r["Th"]]
        Th[jj[r["Th"]], ii[r["Th"]]] = v[r["Th"]]
        Ps[ii[r["Ps"]], jj[r["Ps"]]] = v[r["Ps"]]
        Ps[jj[r["Ps"]], ii[r["Ps"]]] = v[r["Ps"]]
        return L, Th, Ps, nu, al

    def implied(self, x: np.ndarray):
        L, Th, Ps, nu, al = self.matrices(x)
        return nu + L @ al, L @ Ps @ L.T + Th

    def jacobian(self, x: np.ndarray):
        """Derivatives of mu (q, p) and Sigma (q, p, p) with respect to the free parameters."""
        L, Th, Ps, nu, al = self.matrices(x)
        p, q = self.p, self.q
        dmu = np.zeros((q, p))
        dS = np.zeros((q, p, p))
        B = L @ Ps
        t, i, j = self._free_of["L"]
        if len(t):
            np.add.at(dmu, (t, i), al[j])
            np.add.at(dS, (t, i), B[:, j].T)
            np.add.at(dS, (t, slice(None), i), B[:, j].T)
        t, i, _ = self._free_of["nu"]
        np.add.at(dmu, (t, i), 1.0)
        t, i, _ = self._free_of["al"]
        if len(t):
            np.add.at(dmu, t, L[:, i].T)
        t, i, j = self._free_of["Th"]
        np.add.at(dS, (t, i, j), 1.0)
        off = i != j
        np.add.at(dS, (t[off], j[off], i[off]), 1.0)
        t, i, j = self._free_of["Ps"]
        if len(t):
            o = np.einsum("pn,qn->npq", L[:, i], L[:, j])
            np.add.at(dS, t, o)
            off = i != j
            np.add.at(dS, t[off], np.swapaxes(o[off], 1, 2))
        return dmu, dS

    def second_order(self, x: np.ndarray, g_mu: np.ndarray, g_S: np.ndarray) -> np.ndarray:
        """sum_k g_k d2 theta_k / dx dx' for theta = (mu, Sigma) and a fixed gradient g.

        Only loadings pair with loadings, factor means and factor (co)variances: with
        B = g_S L, d2/dL_ij dL_kl = 2 g_S[i, k] Psi[j, l], d2/dL_ij dalpha_m = g_mu[i]
        [j = m], d2/dL_ij dPsi_mn = 2 (B[i, m] [n = j] + B[i, n] [m = j]) (m != n).
        """
        L, Th, Ps, nu, al = self.matrices(x)
        q = self.q
        out = np.zeros((q, q))
        tL, iL, jL = self._free_of["L"]
        if not len(tL):
            return out
        gl = g_S @ L
        M = 2.0 * g_S[np.ix_(iL, iL)] * Ps[np.ix_(jL, jL)]
        np.add.at(out, (tL[:, None], tL[None, :]), M)
        ta, ia, _ = self._free_of["al"]
        if len(ta):
            Ma = g_mu[iL][:, None] * (jL[:, None] == ia[None, :])
            np.add.at(out, (tL[:, None], ta[None, :]), Ma)
            np.add.at(out, (ta[:, None], tL[None, :]), Ma.T)
        tp, mp, n_p = self._free_of["Ps"]
        if len(tp):
            Mp = 2.0 * gl[iL][:, mp] * (n_p[None, :] == jL[:, None])
            off = mp != n_p
            Mp[:, off] += 2.0 * (gl[iL][:, n_p[off]] * (mp[off][None, :] == jL[:, None]))
            np.add.at(out, (tL[:, None], tp[None, :]), Mp)
            np.add.at(out, (tp[:, None], tL[None, :]), Mp.T)
        return out


# ---------------------------------------------------------------------------- objective
def _neg_loglik(
    model: Model, data: SamplePatterns, x: np.ndarray, grad: bool = True, hess: bool = False
):
    """Minus the log-likelihood, its gradient and (``hess``) its analytic Hessian.

    The gradient is None when Sigma is not positive definite. The Hessian is the
    observed information: the pattern terms in (mu, Sigma) chained through the
    Jacobian, plus the gradient in (mu, Sigma) contracted with the second derivatives of
    (mu, Sigma) in the parameters. Patterns with the same number of observed items are
    processed together (batched linear algebra).
    """
    mu, sig = model.implied(x)
    p = model.p
    f = 0.0
    g_mu = np.zeros(p)
    g_S = np.zeros((p, p))
    if grad or hess:
        dmu, dS = model.jacobian(x)
        q = dmu.shape[0]
    H = np.zeros((q, q)) if hess else None
    cp = model.cov_params
    for idx, _mis, nk, means, covs in data.groups:
        G, po = idx.shape
        ii, jj = idx[:, :, None], idx[:, None, :]
        so = sig[ii, jj]
        try:
            c = np.linalg.cholesky(so)
        except np.linalg.LinAlgError:
            return np.inf, None, None
        logdet = 2.0 * np.log(np.diagonal(c, axis1=1, axis2=2)).sum(axis=1)
        inv = np.linalg.inv(so)
        d = means - mu[idx]
        T = covs + d[:, :, None] * d[:, None, :]
        f += 0.5 * float(
            nk @ (po * math.log(2 * math.pi) + logdet + np.einsum("gij,gij->g", inv, T))
        )
        if not (grad or hess):
            continue
        B = inv @ T
        w = np.einsum("gij,gj->gi", inv, d)  # Sigma^-1 d
        np.add.at(g_mu, idx, -nk[:, None] * w)
        np.add.at(g_S, (ii, jj), 0.5 * nk[:, None, None] * (inv - B @ inv))
        if hess:
            qs = len(cp)
            dmo = dmu[:, idx]  # (q, G, po)
            dSo = dS[cp][:, ii, jj]  # (qs, G, po, po)
            At = dSo @ inv  # At_k = dSigma_k Sigma^-1 = A_k'
            Af = np.swapaxes(At, 2, 3)  # A_k = Sigma^-1 dSigma_k
            Afw = (Af * nk[None, :, None, None]).reshape(qs, -1)
            ABt = np.swapaxes(B, 1, 2)[None] @ At  # (A_l B)' = B' A_l'
            trAA = Afw @ At.reshape(qs, -1).T  # sum_g n_g tr(A_k A_l)
            trAAB = Afw @ ABt.reshape(qs, -1).T  # sum_g n_g tr(A_k A_l B)
            v = (Af @ w[None, :, :, None])[..., 0]  # A_k w: (qs, G, po)
            dmw = dmo * nk[None, :, None]
            u = np.einsum("kgi,gij->kgj", dmo, inv)
            Hk = dmw.reshape(q, -1) @ u.reshape(q, -1).T
            cross = dmw.reshape(q, -1) @ v.reshape(qs, -1).T  # dmu_k' S^-1 dS_l S^-1 d
            Hk[:, cp] += cross
            Hk[cp, :] += cross.T
            Hk[np.ix_(cp, cp)] += 0.5 * (-trAA + trAAB + trAAB.T)
            H += Hk
    if not (grad or hess):
        return f, None, None
    g = dmu @ g_mu + np.einsum("kij,ij->k", dS, g_S)
    if hess:
        H += model.second_order(x, g_mu, g_S)
        H = (H + H.T) / 2
    return f, g, H


def _expected_info(model: Model, x: np.ndarray, n: float) -> np.ndarray:
    """Fisher information of n complete rows (the scoring matrix; listwise SEs)."""
    mu, sig = model.implied(x)
    inv = np.linalg.inv(sig)
    dmu, dS = model.jacobian(x)
    A = np.matmul(inv, dS)
    q, p = dmu.shape
    Af = A.reshape(q, p * p)
    At = np.swapaxes(A, 1, 2).reshape(q, p * p)
    info = dmu @ inv @ dmu.T + 0.5 * (Af @ At.T)
    return n * (info + info.T) / 2


def _hessian(model: Model, data: SamplePatterns, x: np.ndarray) -> np.ndarray:
    """Analytic Hessian of minus the log-likelihood (observed information)."""
    H = _neg_loglik(model, data, x, grad=True, hess=True)[2]
    if H is None:
        return np.full((model.q, model.q), np.nan)
    return H


# ---------------------------------------------------------------------------- fitting
@dataclass
class Fit:
    """The fitted model: estimates, covariance of the free parameters, fit measures."""

    model: Model
    x: np.ndarray
    vcov: np.ndarray
    converged: bool
    iterations: int
    fit_measures: dict
    params: list[dict]
    mu: np.ndarray
    sigma: np.ndarray
    sample_mean: np.ndarray
    sample_cov: np.ndarray
    warnings: list[str] = field(default_factory=list)


def _start(model: Model, data: SamplePatterns, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Starting values: first principal component of each factor's items."""
    p, m = model.p, model.m
    ind: dict[int, list[int]] = {j: [] for j in range(m)}
    for mat, i, j in model.where:
        if mat == "L":
            ind[j].append(i)
    lam = np.zeros((p, m))
    psi = np.ones(m)
    for j, items in ind.items():
        if not items:
            continue
        s = cov[np.ix_(items, items)]
        if len(items) >= 2:
            w, vec = np.linalg.eigh(s)
            vec1 = vec[:, -1] * (1 if vec[:, -1].sum() >= 0 else -1)
            load = np.sqrt(max(w[-1], 1e-6)) * vec1 * 0.9
        else:
            load = np.sqrt(np.diag(s)) * 0.7
        lam[items, j] = load
    # marker scaling: a factor with a loading fixed non-zero takes its scale from it
    for k, (mat, i, j) in enumerate(model.where):
        if mat == "L" and model.index[k] < 0 and model.fixed[k] != 0 and lam[i, j] != 0:
            scale = lam[i, j] / model.fixed[k]
            lam[:, j] /= scale
            psi[j] = scale**2
    # factor means: a factor whose marker item has a fixed intercept takes the marker's mean
    al = np.zeros(m)
    for k, (mat, i, _j) in enumerate(model.where):
        if mat == "nu" and model.index[k] < 0:
            for mat2, i2, j2 in model.where:
                if mat2 == "L" and i2 == i and lam[i, j2] != 0:
                    al[j2] = (mean[i] - model.fixed[k]) / lam[i, j2]
    for k, (mat, i, _j) in enumerate(model.where):
        if mat == "al" and model.index[k] < 0:
            al[i] = model.fixed[k]
    vals = np.zeros(len(model.rows))
    for k, (mat, i, j) in enumerate(model.where):
        if mat == "L":
            vals[k] = lam[i, j]
        elif mat == "nu":
            vals[k] = mean[i] - lam[i] @ al
        elif mat == "al":
            vals[k] = al[i]
        elif mat == "Th":
            vals[k] = max(cov[i, i] - (lam[i] ** 2 * psi).sum(), 0.1 * cov[i, i]) if i == j else 0.0
        else:
            vals[k] = psi[i] if i == j else 0.0
    x = np.zeros(model.q)
    cnt = np.zeros(model.q)
    for k in model.free_rows:
        x[model.index[k]] += vals[k]
        cnt[model.index[k]] += 1
    return x / np.maximum(cnt, 1)


def optimise(model: Model, data: SamplePatterns, x0: np.ndarray, max_iter: int = 500):
    """Fisher scoring with step halving, Newton steps near the optimum.

    The scoring matrix is the complete-data Fisher information (cheap, also with missing
    data, where it still converges fast); complete data switch to Newton steps (analytic
    Hessian) once close, missing data only when scoring is slow. Returns
    ``(x, converged, iterations, hessian or None, x at which the Hessian was taken)``.
    """
    x = x0.copy()
    f, g, _ = _neg_loglik(model, data, x)
    if g is None:
        return x, False, 0, None, None
    n = data.n
    it = 0
    converged = False
    newton = False
    H = None
    xH = None
    for it in range(1, max_iter + 1):
        try:
            if newton:
                H = _hessian(model, data, x)
                xH = x.copy()
                step = np.linalg.solve(H, g)
            else:
                info = _expected_info(model, x, n)
                step = np.linalg.solve(info, g)
        except np.linalg.LinAlgError:
            step = g / max(1.0, np.abs(g).max()) * 0.1
        if not np.all(np.isfinite(step)):
            return x, False, it, None, None
        t = 1.0
        while True:
            xn = x - t * step
            fn, gn, _ = _neg_loglik(model, data, xn)
            if gn is not None and fn <= f + 1e-12 * abs(f):
                break
            t /= 2
            if t < 1e-10:
                break
        if gn is None or t < 1e-10:
            if newton:
                break
            newton = True
            continue
        dec = f - fn
        x, f, g = xn, fn, gn
        gmax = np.max(np.abs(g)) / max(n, 1)
        if gmax < 1e-11 or (dec < 1e-15 * max(1.0, abs(f)) and gmax < 1e-9):
            converged = True
            break
        if gmax < 1e-6 and (data.complete or it > 60):
            newton = True
    else:
        converged = False
    if not converged:
        gmax = np.max(np.abs(g)) / max(n, 1)
        converged = gmax < 1e-6
    return x, converged, it, H, xH


def fit_model(*args, **kwargs) -> Fit:
    """Fit the model (see :func:`_fit_model`) with BLAS on one thread.

    The matrices are small: threads only cost time, and on a busy machine OpenBLAS's
    spinning threads slow the many small products down by orders of magnitude.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return _fit_model(*args, **kwargs)
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_model(*args, **kwargs)


def _pchisq_upper(x: float, df: float) -> float:
    """1 - pchisq(x, df) computed as lavaan does (one minus the CDF)."""
    from scipy import stats

    if df <= 0:
        return float("nan")
    return float(1.0 - stats.chi2.cdf(x, df))


def rmsea_ci(chisq: float, df: float, n: int, level: float = 0.90) -> tuple[float, float]:
    """lavaan's RMSEA confidence interval (non-central chi-square roots).

    Examples
    --------
    >>> lo, up = rmsea_ci(59.7, 47, 213)
    >>> 0 <= lo < up < 0.1
    True
    """
    from scipy import optimize, stats

    if df < 1 or not np.isfinite(chisq):
        return float("nan"), float("nan")
    lo_p = 1 - (1 - level) / 2
    up_p = (1 - level) / 2

    def cdf(lam: float) -> float:
        if lam <= 0:
            return float(stats.chi2.cdf(chisq, df))
        return float(stats.ncx2.cdf(chisq, df, lam))

    def root(target: float, hi: float) -> float:
        f = lambda lam: cdf(lam) - target  # noqa: E731
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-14, rtol=1e-15, maxiter=500)

    lower = 0.0 if cdf(0.0) < lo_p else math.sqrt(root(lo_p, max(chisq, 1.0)) / (n * df))
    upper = 0.0 if cdf(0.0) < up_p else math.sqrt(root(up_p, max(n, 4 * chisq, 1.0)) / (n * df))
    return lower, upper


def fit_indices(
    chisq: float,
    df: int,
    baseline: tuple[float, int],
    n: int,
    logl: float,
    npar: int,
    sample: tuple[np.ndarray, np.ndarray],
    implied: tuple[np.ndarray, np.ndarray],
) -> dict[str, float]:
    """lavaan's fit measures of a model with ``df`` degrees of freedom and ``npar`` free
    parameters, from its chi-square, the baseline (independence) model's ``(chisq, df)``,
    the sample ``(mean, cov)`` and the model-implied ``(mu, sigma)``: ``pvalue, cfi, tli,
    rmsea, rmsea_ci_lower, rmsea_ci_upper`` (90%), ``rmsea_pvalue`` (close fit, 0.05),
    ``srmr`` (Bentler's, with means), ``aic, bic, bic2``. A saturated model (df 0) has
    TLI 1 and RMSEA 0 [0, 0], as in lavaan.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.3], [0.3, 1.0]]); m = np.zeros(2)
    >>> fi = fit_indices(8.0, 1, (20.0, 1), 200, -500.0, 4, (m, S), (m, np.eye(2)))
    >>> round(fi["cfi"], 3), round(fi["rmsea"], 3), round(fi["srmr"], 3)  # 1 - 7/19, sqrt(7/200), sqrt(.3**2/5)
    (0.632, 0.187, 0.134)
    """
    from scipy import stats

    base_chisq, base_df = baseline
    smean, scov = sample
    mu, sig = implied
    cfi_den = max(chisq - df, base_chisq - base_df, 0.0)
    out = {
        "pvalue": _pchisq_upper(chisq, df),
        "cfi": 1.0 - max(chisq - df, 0.0) / cfi_den if cfi_den > 0 else 1.0,
        "tli": 1.0,
        "rmsea": 0.0,
        "rmsea_ci_lower": 0.0,
        "rmsea_ci_upper": 0.0,
        "rmsea_pvalue": float("nan"),
    }
    if df > 0:
        out["tli"] = (base_chisq / base_df - chisq / df) / (base_chisq / base_df - 1)
        out["rmsea"] = math.sqrt(max(0.0, (chisq - df) / (n * df)))
        out["rmsea_ci_lower"], out["rmsea_ci_upper"] = rmsea_ci(chisq, df, n)
        out["rmsea_pvalue"] = float(stats.ncx2.sf(chisq, df, n * df * 0.05**2))
    p = len(smean)
    sd = np.sqrt(np.diag(scov))
    r = (scov - sig) / np.outer(sd, sd)
    mres = (smean - mu) / sd
    out["srmr"] = math.sqrt(
        (np.sum(r[np.triu_indices(p)] ** 2) + np.sum(mres**2)) / (p * (p + 3) / 2)
    )
    out["aic"] = -2 * logl + 2 * npar
    out["bic"] = -2 * logl + npar * math.log(n)
    out["bic2"] = -2 * logl + npar * math.log((n + 2) / 24)
    return out


def _std_all(model: Model, x: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """lavaan's std.all for every row (model-implied SDs; residual covariances as correlations)."""
    L, Th, Ps, nu, al = model.matrices(x)
    sd_ov = np.sqrt(np.abs(np.diag(sig)))
    sd_lv = np.sqrt(np.abs(np.diag(Ps)))
    rv = np.sqrt(np.abs(np.diag(Th)))
    out = np.empty(len(model.rows))
    vals = model.values(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, (mat, i, j) in enumerate(model.where):
            v = vals[k]
            if mat == "L":
                out[k] = v * sd_lv[j] / sd_ov[i]
            elif mat == "nu":
                out[k] = v / sd_ov[i]
            elif mat == "al":
                out[k] = v / sd_lv[i]
            elif mat == "Th":
                out[k] = v / sig[i, i] if i == j else v / (rv[i] * rv[j])
            else:
                out[k] = v / (sd_lv[i] * sd_lv[j])
    return out


def _fit_model(
    rows: list[Row],
    ov: list[str],
    lv: list[str],
    y: np.ndarray,
    missing: str = "listwise",
    data: SamplePatterns | None = None,
    h1: tuple[np.ndarray, np.ndarray] | None = None,
    start: np.ndarray | None = None,
) -> Fit:
    """Fit the model to the rows of ``y`` (columns in the order of ``ov``).

    ``data`` and ``h1`` (the saturated means and covariance) may be passed in to share
    them between models fitted to the same data.
    """
    from scipy import stats

    fiml = missing == "fiml"
    model = Model(rows, ov, lv)
    if data is None:
        data = SamplePatterns(y, fiml)
    if h1 is None:
        h1 = data.saturated()
    smean, scov = h1
    n, p = data.n, model.p
    warns: list[str] = []
    x0 = _start(model, data, smean, scov) if start is None else start
    x, converged, iters, H_last, x_H = optimise(model, data, x0)
    mu, sig = model.implied(x)
    f, _, _ = _neg_loglik(model, data, x, grad=False)
    logl = -f
    ll1 = data.loglik(smean, scov)
    chisq = max(2 * (ll1 - logl), 0.0) if np.isfinite(logl) else float("nan")
    npar = model.q
    df = p * (p + 3) // 2 - npar
    # baseline: independence model
    if data.complete:
        var0 = np.diag(scov)
        base_ll = -0.5 * n * (p * math.log(2 * math.pi) + np.sum(np.log(var0)) + p)
    else:
        yy = data.y
        m0 = np.nanmean(yy, axis=0)
        v0 = np.nanvar(yy, axis=0)
        cnt = (~np.isnan(yy)).sum(axis=0)
        base_ll = float(np.sum(-0.5 * cnt * (np.log(2 * math.pi * v0) + 1.0)))
        del m0
    base = (2 * (ll1 - base_ll), p * (p - 1) // 2)
    fm = {"npar": npar, "fmin": chisq / (2 * n), "chisq": chisq, "df": df}
    fm.update(baseline_chisq=base[0], baseline_df=base[1], logl=logl, unrestricted_logl=ll1)
    fm.update(fit_indices(chisq, df, base, n, logl, npar, (smean, scov), (mu, sig)), ntotal=n)
    # standard errors
    try:
        if fiml and not data.complete:
            same = x_H is not None and np.max(np.abs(x_H - x) / np.maximum(1, np.abs(x))) < 1e-10
            info = H_last if same else _hessian(model, data, x)
        else:
            info = _expected_info(model, x, n)
        vcov = np.linalg.inv(info)
        if not np.all(np.isfinite(vcov)) or np.any(np.diag(vcov) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        vcov = np.full((model.q, model.q), np.nan)
        warns.append("the information matrix is singular: the model is not identified")
    se_free = np.sqrt(np.abs(np.diag(vcov)))
    vals = model.values(x)
    std = _std_all(model, x, sig)
    params = []
    for k, r in enumerate(rows):
        t = model.index[k]
        est = float(vals[k])
        if t >= 0:
            se = float(se_free[t])
            z = est / se if se > 0 else float("nan")
            pv = float(2 * (1 - stats.norm.cdf(abs(z)))) if np.isfinite(z) else float("nan")
        else:
            se, z, pv = 0.0, float("nan"), float("nan")
        params.append(
            {
                "lhs": r.lhs,
                "op": r.op,
                "rhs": r.rhs,
                "label": r.label,
                "free": bool(t >= 0),
                "est": est,
                "se": se,
                "z": z,
                "pvalue": pv,
                "std_all": float(std[k]),
            }
        )
    if not converged:
        warns.append("the model did not converge: do not interpret its estimates")
    for prm in params:
        if prm["op"] == "~~" and prm["lhs"] == prm["rhs"] and prm["est"] < 0:
            warns.append(
                f"Heywood case: the variance of {prm['lhs']} is negative "
                f"({prm['est']:.3f}); the model is misspecified or the sample too small"
            )
    return Fit(
        model=model,
        x=x,
        vcov=vcov,
        converged=converged,
        iterations=iters,
        fit_measures=fm,
        params=params,
        mu=mu,
        sigma=sig,
        sample_mean=smean,
        sample_cov=scov,
        warnings=warns,
    )
