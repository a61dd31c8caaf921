"""Actor-Partner Interdependence Model (APIM) by generalised least squares.

The model is the one of ``nlme::gls`` with ``correlation = corCompSymm(form = ~ 1 | dyad)``
(and ``weights = varIdent(form = ~ 1 | role)`` for distinguishable dyads): every dyad has a
2 x 2 residual covariance

    V = sigma^2 * [[1, rho*lam], [rho*lam, lam^2]]

(``lam`` = residual SD of the second role relative to the first; ``lam = 1`` for
indistinguishable dyads, where the model is compound symmetry and ``rho`` may be negative).

How it is computed. Whitening a dyad's two rows with the analytic Cholesky factor of its 2 x 2
block makes the GLS criterion a sum of per-dyad cross-products, so the data are reduced once
to five small Gram matrices of ``Z = [X, y]`` (first members, second members, their cross
product, and people whose partner's row is missing, by role). For any (lam, rho) the whitened
cross-product matrix is a weighted sum of those Gram matrices; its Cholesky factor gives the
GLS coefficients (beta is profiled out), the residual sum of squares (sigma^2 is profiled out)
and log det(X'V^-1 X). The remaining one or two parameters (log lam, atanh rho) are optimised
by Newton's method with finite-difference derivatives, started at the moment estimates from
the OLS residuals (``scipy.optimize`` Nelder-Mead as a fallback). No n x n matrix is ever
formed; the cost is one pass over the data. Bootstrap refits resample dyads as multinomial
weights on per-dyad Gram matrices and run the same Newton iterations for all resamples at once.

Log-likelihoods are nlme's: ML ``-N/2 (log 2 pi + 1 + log(RSS/N)) - log|R|/2`` and REML
``-(N-p)/2 (log 2 pi + 1 + log(RSS/(N-p))) - log|R|/2 - log|X'R^-1 X|/2``.
AIC/BIC count p coefficients + sigma + lam + rho; BIC uses log(N - p) for REML, as nlme.

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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .dyads import _as_list, _numeric, pair_members, replace_missing_codes
from .errors import InputError
from .results import Result, format_p, format_p_eq, jsonable, matrix_dict

__all__ = ["apim", "APIMResult"]

_LOG2PI = math.log(2 * math.pi)
_KEYS = ("aa", "bb", "ab", "s0", "s1")


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


# --------------------------------------------------------------------------------------
# building the design from individual-format data
# --------------------------------------------------------------------------------------


@dataclass
class _Term:
    effect: str
    predictor: str | None
    values_a: np.ndarray  # feature for the first member of each dyad
    values_b: np.ndarray


@dataclass
class _Design:
    terms: list[_Term]
    distinguishable: bool
    roles: tuple[str, str] | None
    Za: np.ndarray  # (m, q) first-member rows [X, y] (zeros where invalid)
    Zb: np.ndarray
    ok_a: np.ndarray
    ok_b: np.ndarray
    columns: list[tuple[str, str | None, str | None]]  # (effect, predictor, role)
    n_dropped: int
    partner_suffix: str = "_partner"
    n_singles: int = 0  # persons without a partner dropped (drop_singles=True)

    def unit_data(self) -> tuple[_Data, np.ndarray]:
        """Per-dyad Gram contributions (U, q, q) for resampling, and the sums."""
        both = self.ok_a & self.ok_b
        only_a = self.ok_a & ~self.ok_b
        only_b = self.ok_b & ~self.ok_a
        keep = self.ok_a | self.ok_b
        Za, Zb = self.Za[keep], self.Zb[keep]
        both, only_a, only_b = both[keep], only_a[keep], only_b[keep]
        outer = np.einsum("ui,uj->uij", Za, Za)
        outer_b = np.einsum("ui,uj->uij", Zb, Zb)
        w = {"aa": both, "bb": both, "ab": both, "s0": only_a, "s1": only_b}
        if not self.distinguishable:  # every single row has lam = 1: pool them as "s0"
            w["s0"], w["s1"] = only_a | only_b, np.zeros_like(only_b)
        G = {
            "aa": outer * w["aa"][:, None, None],
            "bb": outer_b * w["bb"][:, None, None],
            "ab": np.einsum("ui,uj->uij", Za, Zb) * w["ab"][:, None, None],
            "s0": (outer * only_a[:, None, None] + outer_b * (w["s0"] & only_b)[:, None, None]),
            "s1": outer_b * w["s1"][:, None, None],
        }
        counts = np.column_stack(
            [both, w["s1"], self.ok_a[keep].astype(int) + self.ok_b[keep].astype(int)]
        ).astype(float)
        return _Data(G, counts[:, 0], counts[:, 1], counts[:, 2]), counts

    def data(self) -> _Data:
        both = self.ok_a & self.ok_b
        only_a = self.ok_a & ~self.ok_b
        only_b = self.ok_b & ~self.ok_a
        Pa, Pb = self.Za[both], self.Zb[both]
        Sa, Sb = self.Za[only_a], self.Zb[only_b]
        if self.distinguishable:
            s0, s1 = Sa.T @ Sa, Sb.T @ Sb
            n_s1 = only_b.sum()
        else:
            s0, s1 = Sa.T @ Sa + Sb.T @ Sb, np.zeros((Sa.shape[1],) * 2)
            n_s1 = 0
        G = {"aa": Pa.T @ Pa, "bb": Pb.T @ Pb, "ab": Pa.T @ Pb, "s0": s0, "s1": s1}
        n_obs = int(self.ok_a.sum() + self.ok_b.sum())
        return _Data(G, np.float64(both.sum()), np.float64(n_s1), np.float64(n_obs))


def _build_design(
    data: pd.DataFrame,
    xs: list[str],
    y: str,
    dyad: str,
    role: str | None,
    *,
    person: str | None,
    roles: Sequence[str] | None,
    covariates: list[str],
    covariate_effects: str,
    moderator: str | None,
    moderator_level: str,
    center: bool,
    partner_suffix: str,
    drop_singles: bool,
    source: str | None,
) -> _Design:
    pairing = pair_members(
        data, dyad, role, person=person, roles=roles, drop_singles=drop_singles, source=source
    )
    if pairing.n_dyads == 0:
        raise InputError(f"{source or 'input'}: no complete dyads to analyse")
    names = [y, *xs, *covariates, *([moderator] if moderator else [])]
    vals = _numeric(data, names, source)
    first, second = vals[pairing.first], vals[pairing.second]
    col = {name: j for j, name in enumerate(names)}
    if center:
        both = np.vstack([first, second])
        means = np.nanmean(both, axis=0)
        means[col[y]] = 0.0
        first, second = first - means, second - means

    def own(name: str) -> tuple[np.ndarray, np.ndarray]:
        return first[:, col[name]], second[:, col[name]]

    def partner(name: str) -> tuple[np.ndarray, np.ndarray]:
        return second[:, col[name]], first[:, col[name]]

    m = pairing.n_dyads
    terms = [_Term("intercept", None, np.ones(m), np.ones(m))]
    for v in xs:
        terms.append(_Term("actor", v, *own(v)))
    for v in xs:
        terms.append(_Term("partner", v, *partner(v)))
    for c in covariates:
        if covariate_effects == "actor_partner":
            terms.append(_Term("covariate_actor", c, *own(c)))
            terms.append(_Term("covariate_partner", c, *partner(c)))
        else:
            terms.append(_Term("covariate", c, *own(c)))
    if moderator:
        ma, mb = own(moderator)
        dyad_level = bool(np.all((ma == mb) | np.isnan(ma) | np.isnan(mb)))
        if dyad_level:
            terms.append(_Term("moderator", moderator, ma, mb))
        else:
            terms.append(_Term("moderator_actor", moderator, ma, mb))
            terms.append(_Term("moderator_partner", moderator, *partner(moderator)))
        mod_a, mod_b = (ma, mb) if moderator_level == "actor" else partner(moderator)
        for v in xs:
            xa, xb = own(v)
            terms.append(_Term("actor_x_moderator", v, xa * mod_a, xb * mod_b))
        for v in xs:
            pa, pb = partner(v)
            terms.append(_Term("partner_x_moderator", v, pa * mod_a, pb * mod_b))
    Fa = np.column_stack([t.values_a for t in terms])
    Fb = np.column_stack([t.values_b for t in terms])
    ya, yb = own(y)
    ok_a = np.isfinite(Fa).all(1) & np.isfinite(ya)
    ok_b = np.isfinite(Fb).all(1) & np.isfinite(yb)
    distinguishable = pairing.roles is not None
    if distinguishable:
        zero = np.zeros_like(Fa)
        Xa = np.column_stack([np.column_stack([Fa[:, j], zero[:, j]]) for j in range(len(terms))])
        Xb = np.column_stack([np.column_stack([zero[:, j], Fb[:, j]]) for j in range(len(terms))])
        columns = [(t.effect, t.predictor, r) for t in terms for r in pairing.roles]
    else:
        Xa, Xb = Fa, Fb
        columns = [(t.effect, t.predictor, None) for t in terms]
    Za = np.where(ok_a[:, None], np.column_stack([Xa, ya]), 0.0)
    Zb = np.where(ok_b[:, None], np.column_stack([Xb, yb]), 0.0)
    n_dropped = int((~ok_a).sum() + (~ok_b).sum())
    return _Design(
        terms,
        distinguishable,
        pairing.roles,
        Za,
        Zb,
        ok_a,
        ok_b,
        columns,
        n_dropped,
        partner_suffix,
        int(pairing.singles.size),
    )


# --------------------------------------------------------------------------------------
# the result object
# --------------------------------------------------------------------------------------


@dataclass(repr=False)
class APIMResult(Result):
    """Result of :func:`apim`.

    Attributes
    ----------
    effects : DataFrame
        One row per coefficient: effect, predictor, role, estimate, se, ci_low, ci_high,
        statistic (t, or z for ``method="sem"``), df, p, beta (standardised: b·SD_term/SD_y,
        SDs of the analysed rows of that role's equation, or pooled for indistinguishable
        dyads), term (R-style coefficient name). ``effect`` is one of ``intercept``,
        ``actor``, ``partner``; ``covariate_actor`` and ``covariate_partner`` (or
        ``covariate`` with ``covariate_effects="as_is"``); with a moderator ``moderator``
        (constant within dyads) or ``moderator_actor`` and ``moderator_partner``, then
        ``actor_x_moderator`` and ``partner_x_moderator``.
    fit : dict
        loglik, aic, bic, df_loglik, n_dyads, n_complete_dyads, n_obs, n_coef, method,
        distinguishable, converged, n_rows_dropped.
    covariance : dict
        Residual SD and variance by role, residual correlation and covariance.
    nonindependence : dict
        Residual correlation (partial ICC) with the likelihood-ratio test of rho = 0.
    k : DataFrame
        Partner/actor ratio per predictor and role, delta-method SE, bootstrap percentile CI.
    pattern : DataFrame
        Kenny & Ledermann (2010) pattern per predictor and role, with its basis or reason.
    pattern_tests : DataFrame
        Likelihood-ratio tests (ML fits) of p = 0, a = p and a = -p, jointly over roles
        (role "all") and per role.
    distinguishability : dict or None
        LR test (ML) of the distinguishable model against the indistinguishable one.
    vcov : DataFrame
        Covariance matrix of the coefficients (as reported: see the module docstring).
    info : dict
        Settings of the fit (method, roles, centring, notes).
    bootstrap_draws : DataFrame or None
        The bootstrap draws of k (``bootstrap > 0``).

    Examples
    --------
    >>> from dyadscore import simulate_dyads
    >>> res = apim(simulate_dyads(100, roles=None, seed=2), x="x", y="y", dyad="couple")
    >>> res.effects.columns.tolist()[:8]
    ['effect', 'predictor', 'role', 'estimate', 'se', 'ci_low', 'ci_high', 'statistic']
    >>> res.fit["n_dyads"], res.fit["method"]
    (100, 'REML')
    """

    effects: pd.DataFrame
    fit: dict
    covariance: dict
    nonindependence: dict
    k: pd.DataFrame
    pattern: pd.DataFrame
    pattern_tests: pd.DataFrame
    distinguishability: dict | None
    vcov: pd.DataFrame
    info: dict = field(default_factory=dict)
    bootstrap_draws: pd.DataFrame | None = None

    # ------------------------------------------------------------------ presentation
    def summary(self, lang: str = "en") -> str:
        """Readable text report with an APA-style coefficient table (English only so far)."""
        f, info = self.fit, self.info
        kind = "distinguishable" if f["distinguishable"] else "indistinguishable"
        stat = "z" if f["method"] == "sem" else "t"
        lines = [
            f"APIM ({kind} dyads), outcome {info.get('y')!r}, "
            f"predictor(s) {', '.join(map(repr, info.get('x', [])))}",
            f"Estimation: {f['method']} (GLS, 2x2 within-dyad covariance); "
            f"{f['n_dyads']} dyads ({f['n_complete_dyads']} complete), {f['n_obs']} persons"
            + (
                f"; {f['n_rows_dropped']} rows dropped (missing values)"
                if f["n_rows_dropped"]
                else ""
            ),
        ]
        rows = list(self.effects.itertuples(index=False))
        names = [r.effect if _missing(r.predictor) else f"{r.effect} {r.predictor}" for r in rows]
        roles = ["" if _missing(r.role) else str(r.role) for r in rows]
        # columns as wide as the longest label (never cut a predictor's name), at least 22/12
        wn = max([21, *map(len, names)]) + 1
        wr = max([11, *map(len, roles)]) + 1
        lines += [
            "",
            f"{'Effect':<{wn}}{'Role':<{wr}}{'b':>9}{'SE':>9}{'95% CI':>20}"
            f"{stat + '(df)' if stat == 't' else 'z':>14}{'p':>8}{'beta':>8}",
        ]
        for r, name, role in zip(rows, names, roles, strict=True):
            ci = f"[{r.ci_low:.3f}, {r.ci_high:.3f}]"
            st = f"{r.statistic:.2f}" + (f" ({r.df:.0f})" if stat == "t" else "")
            beta = "" if not np.isfinite(r.beta) else f"{r.beta:.3f}"
            lines.append(
                f"{name:<{wn}}{role:<{wr}}{r.estimate:>9.3f}{r.se:>9.3f}{ci:>20}"
                f"{st:>14}{format_p(r.p):>8}{beta:>8}"
            )
        cov = self.covariance
        sds = ", ".join(f"{k} {v:.3f}" for k, v in cov["sd_by_role"].items())
        ni = self.nonindependence
        lines += [
            "",
            f"Residual SD: {sds}; residual correlation r = {cov['correlation']:.3f} "
            f"(LR chi2(1) = {ni['chisq']:.2f}, p {format_p_eq(ni['p'])})",
            f"logLik = {f['loglik']:.3f}, AIC = {f['aic']:.2f}, BIC = {f['bic']:.2f}",
        ]
        if len(self.k):
            lines += ["", "k = partner / actor effect (Kenny & Ledermann, 2010):"]
            for r in self.k.itertuples(index=False):
                role = "" if _missing(r.role) else f" ({r.role})"
                ci = (
                    f", {int(r.n_boot)}-resample bootstrap 95% CI [{r.ci_low:.2f}, {r.ci_high:.2f}]"
                    if np.isfinite(r.ci_low)
                    else ""
                )
                lines.append(
                    f"  {r.predictor}{role}: k = {r.k:.2f}{ci}"
                    + ("" if r.reported else f"  [not interpretable: {r.note}]")
                )
            for r in self.pattern.itertuples(index=False):
                role = "" if _missing(r.role) else f" ({r.role})"
                why = r.basis if r.pattern not in (None, "not reported") else r.reason
                lines.append(f"  pattern {r.predictor}{role}: {r.pattern} - {why}")
        if len(self.pattern_tests):
            lines += ["", "Pattern tests (likelihood ratio, ML):"]
            for r in self.pattern_tests.itertuples(index=False):
                lines.append(
                    f"  {r.predictor} [{r.role}] {r.hypothesis}: chi2({r.df}) = "
                    f"{r.chisq:.2f}, p {format_p_eq(r.p)}"
                )
        if self.distinguishability:
            d = self.distinguishability
            e = d["equal_effects"]
            lines += [
                "",
                f"Distinguishability (LR, ML): roles pooled chi2({d['df']}) = "
                f"{d['chisq']:.2f}, p {format_p_eq(d['p'])}; equal actor and partner effects "
                f"chi2({e['df']}) = {e['chisq']:.2f}, p {format_p_eq(e['p'])}",
            ]
        se_note = {
            "REML": "REML standard errors, t tests on N - p df (as nlme::gls).",
            "ML": "ML estimates; SEs as nlme's summary.gls (sigma^2 N/(N - p)), t on N - p df.",
            "sem": "ML estimates; SEM (lavaan) standard errors, z tests.",
        }[f["method"]]
        lines += ["", "Note. " + se_note + " beta = b * SD(term) / SD(y)."]
        return "\n".join(lines)

    def plot(self, ax: Any = None, predictor: str | None = None) -> Any:
        """APIM path diagram (matplotlib Axes); see :func:`dyadscore.plotting.apim_path_diagram`."""
        from .plotting import apim_path_diagram

        return apim_path_diagram(self, ax=ax, predictor=predictor)

    def to_dict(self) -> dict:
        """JSON-safe dictionary of every table and number (NaN -> None)."""
        out = {
            "model": self.info,
            "effects": self.effects,
            "fit": self.fit,
            "covariance": self.covariance,
            "nonindependence": self.nonindependence,
            "k": self.k,
            "pattern": self.pattern,
            "pattern_tests": self.pattern_tests,
            "distinguishability": self.distinguishability,
            "vcov": matrix_dict(self.vcov),
        }
        return jsonable(out)

    def _repr_fields(self) -> dict[str, Any]:
        return {
            "y": self.info.get("y"),
            "n_dyads": self.fit.get("n_dyads"),
            "method": self.fit.get("method"),
        }

    def _html_tables(self) -> dict[str, Any]:
        return {"effects": self.effects, "k": self.k, "pattern": self.pattern}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------------------
# assembling results
# --------------------------------------------------------------------------------------


def _term_name(
    effect: str, predictor: str | None, role: str | None, suffix: str = "_partner"
) -> str:
    base = {
        "intercept": "(Intercept)",
        "actor": f"{predictor}",
        "partner": f"{predictor}{suffix}",
    }.get(effect, f"{effect}:{predictor}")
    if role is None:
        return base
    return f"role{role}" if effect == "intercept" else f"role{role}:{base}"


def _inference(fit: _Fit, method: str) -> tuple[np.ndarray, str, float]:
    """vcov under the reporting convention, the statistic's distribution, df."""
    if method == "ML":
        vcov = fit.sigma2 * fit.n_obs / (fit.n_obs - fit.p) * fit.cov_unscaled
    else:  # REML: sigma2 = RSS/(N-p); sem: sigma2 = RSS/N
        vcov = fit.sigma2 * fit.cov_unscaled
    return vcov, ("z" if method == "sem" else "t"), float(fit.n_obs - fit.p)


def _effects_table(
    design: _Design, fit: _Fit, method: str, ci: float, betas: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    vcov, dist, df = _inference(fit, method)
    se = np.sqrt(np.diag(vcov))
    stat = fit.beta / se
    if dist == "z":
        p = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(0.5 + ci / 2)
        dfs = np.full(fit.p, np.nan)
    else:
        p = 2 * stats.t.sf(np.abs(stat), df)
        crit = stats.t.ppf(0.5 + ci / 2, df)
        dfs = np.full(fit.p, df)
    eff = pd.DataFrame(
        {
            "effect": [c[0] for c in design.columns],
            "predictor": [c[1] for c in design.columns],
            "role": [c[2] for c in design.columns],
            "estimate": fit.beta,
            "se": se,
            "ci_low": fit.beta - crit * se,
            "ci_high": fit.beta + crit * se,
            "statistic": stat,
            "df": dfs,
            "p": p,
            "beta": betas,
            "term": [_term_name(*c, design.partner_suffix) for c in design.columns],
        }
    )
    return eff, vcov


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


def _with_df(effects: pd.DataFrame, dfs: np.ndarray, ci: float) -> pd.DataFrame:
    """Effects table with per-coefficient df: t tests and CIs recomputed on those df."""
    out = effects.copy()
    out["df"] = dfs
    out["p"] = 2 * stats.t.sf(np.abs(out["statistic"]), dfs)
    crit = stats.t.ppf(0.5 + ci / 2, dfs)
    out["ci_low"] = out["estimate"] - crit * out["se"]
    out["ci_high"] = out["estimate"] + crit * out["se"]
    return out


def _standardised(design: _Design, beta: np.ndarray) -> np.ndarray:
    """beta = b * SD(term column) / SD(y) over the analysed rows of that equation."""
    q = design.Za.shape[1]
    ya, yb = design.Za[:, q - 1], design.Zb[:, q - 1]
    out = np.full(beta.shape, np.nan)
    for j, (effect, _pred, role) in enumerate(design.columns):
        if effect == "intercept":
            continue
        if role is None:
            xv = np.concatenate([design.Za[design.ok_a, j], design.Zb[design.ok_b, j]])
            yv = np.concatenate([ya[design.ok_a], yb[design.ok_b]])
        elif role == design.roles[0]:
            xv, yv = design.Za[design.ok_a, j], ya[design.ok_a]
        else:
            xv, yv = design.Zb[design.ok_b, j], yb[design.ok_b]
        if xv.size > 1:
            out[j] = beta[j] * np.std(xv, ddof=1) / np.std(yv, ddof=1)
    return out


def _indices(design: _Design, effect: str, predictor: str, role: str | None) -> int:
    return next(j for j, c in enumerate(design.columns) if c == (effect, predictor, role))


def _constraint_T(p: int, merges: list[tuple[int, int, float]], drops: list[int]) -> np.ndarray:
    """beta = T gamma: for (i, j, s) beta_j = s * beta_i; columns in drops fixed at 0."""
    T = np.eye(p)
    remove = set(drops)
    for i, j, s in merges:
        T[j, i] = s
        remove.add(j)
    keep = [c for c in range(p) if c not in remove]
    return T[:, keep]


def _lr(full: float, restricted: float, df: int) -> dict:
    chisq = max(0.0, 2 * (full - restricted))
    return {"chisq": chisq, "df": df, "p": float(stats.chi2.sf(chisq, df))}


def _pattern_tests(design: _Design, d_ml: _Data, ml_full: _Fit, xs: list[str]) -> pd.DataFrame:
    p = d_ml.p
    rows = []
    role_sets: list[tuple[str, list]] = (
        [("all", list(design.roles)), *[(r, [r]) for r in design.roles]]
        if design.distinguishable
        else [("all", [None])]
    )
    for v in xs:
        for label, rs in role_sets:
            pairs = [
                (_indices(design, "actor", v, r), _indices(design, "partner", v, r)) for r in rs
            ]
            for hyp, kind in (("p = 0", 0), ("a = p", 1), ("a = -p", -1)):
                if kind == 0:
                    T = _constraint_T(p, [], [j for _i, j in pairs])
                else:
                    T = _constraint_T(p, [(i, j, float(kind)) for i, j in pairs], [])
                restricted = _fit(
                    d_ml.transform(T), hetero=design.distinguishable, corr=True, reml=False
                )
                rows.append(
                    {
                        "predictor": v,
                        "role": label,
                        "hypothesis": hyp,
                        **_lr(ml_full.loglik, restricted.loglik, len(pairs)),
                    }
                )
    return pd.DataFrame(rows, columns=["predictor", "role", "hypothesis", "chisq", "df", "p"])


def _distinguishability(design: _Design, d_ml: _Data, ml_full: _Fit, xs: list[str]) -> dict:
    """LR tests (ML) that roles do not matter.

    Main test ("Y indistinguishability", the MLM test of Kenny): every role-specific pair of
    coefficients pooled (the sum of the two role columns) and one residual variance.
    ``equal_effects``: only the actor and the partner effects of each predictor set equal
    across roles (intercepts and variances stay role-specific; Kenny's chi2(2) "effect
    indistinguishability", lavaan's equal-actor-partner model).
    """
    p = d_ml.p
    T = np.zeros((p, p // 2))
    for j in range(p // 2):
        T[2 * j, j] = T[2 * j + 1, j] = 1.0
    restricted = _fit(d_ml.transform(T), hetero=False, corr=True, reml=False)
    df = (ml_full.p + ml_full.n_var) - (restricted.p + restricted.n_var)
    r0, r1 = design.roles
    merges = [
        (_indices(design, e, v, r0), _indices(design, e, v, r1), 1.0)
        for e in ("actor", "partner")
        for v in xs
    ]
    eq = _fit(d_ml.transform(_constraint_T(p, merges, [])), hetero=True, corr=True, reml=False)
    return {
        "test": "roles pooled: intercepts, effects, residual variances (ML)",
        "loglik_full": ml_full.loglik,
        "loglik_restricted": restricted.loglik,
        **_lr(ml_full.loglik, restricted.loglik, df),
        "equal_effects": {
            "loglik_restricted": eq.loglik,
            **_lr(ml_full.loglik, eq.loglik, len(merges)),
        },
    }


def _k_tables(
    design: _Design,
    xs: list[str],
    effects: pd.DataFrame,
    vcov: np.ndarray,
    draws: np.ndarray | None,
    ci: float,
    alpha: float,
    tests: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    roles = list(design.roles) if design.distinguishable else [None]
    krows, prows = [], []
    for v in xs:
        for r in roles:
            ia, ip = _indices(design, "actor", v, r), _indices(design, "partner", v, r)
            a, pt = effects.estimate.iloc[ia], effects.estimate.iloc[ip]
            k = pt / a if a != 0 else np.nan
            grad = np.array([-pt / a**2, 1 / a]) if a != 0 else np.full(2, np.nan)
            sub = vcov[np.ix_([ia, ip], [ia, ip])]
            se = float(np.sqrt(grad @ sub @ grad))
            lo = hi = np.nan
            n_boot = 0
            if draws is not None:
                kb = draws[:, ip] / draws[:, ia]
                kb = kb[np.isfinite(kb)]
                n_boot = kb.size
                if n_boot:
                    lo, hi = np.quantile(kb, [0.5 - ci / 2, 0.5 + ci / 2])
            p_a, p_p = effects.p.iloc[ia], effects.p.iloc[ip]
            beta_a = effects.beta.iloc[ia]
            actor_ok = p_a < alpha and (not np.isfinite(beta_a) or abs(beta_a) >= 0.10)
            note = (
                ""
                if actor_ok
                else (
                    f"actor effect near zero or not significant (p = {p_a:.3f}, "
                    f"beta = {beta_a:.2f}); k is undefined when the actor effect is zero"
                )
            )
            krows.append(
                {
                    "predictor": v,
                    "role": r,
                    "actor": a,
                    "partner": pt,
                    "k": k,
                    "se": se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_boot": n_boot,
                    "reported": bool(actor_ok),
                    "note": note,
                }
            )
            prows.append(
                {
                    "predictor": v,
                    "role": r,
                    **_classify(actor_ok, p_p < alpha, lo, hi, tests, v, r, alpha, note),
                }
            )
    kcols = [
        "predictor",
        "role",
        "actor",
        "partner",
        "k",
        "se",
        "ci_low",
        "ci_high",
        "n_boot",
        "reported",
        "note",
    ]
    return pd.DataFrame(krows, columns=kcols), pd.DataFrame(
        prows, columns=["predictor", "role", "pattern", "basis", "reason"]
    )


def _classify(
    actor_ok: bool,
    partner_sig: bool,
    lo: float,
    hi: float,
    tests: pd.DataFrame,
    v: str,
    r: str | None,
    alpha: float,
    note: str,
) -> dict:
    if not actor_ok:
        if partner_sig:
            return {
                "pattern": "partner-only",
                "basis": "actor effect not significant, partner effect significant",
                "reason": note,
            }
        return {
            "pattern": "not reported",
            "basis": "",
            "reason": note + "; the partner effect is not significant either",
        }
    names = {0.0: "actor-only", 1.0: "couple", -1.0: "contrast"}
    if np.isfinite(lo):
        inside = [val for val in names if lo <= val <= hi]
        basis, verb = f"bootstrap CI of k [{lo:.2f}, {hi:.2f}]", "is"
    else:
        role = "all" if r is None else r
        sel = tests[(tests.predictor == v) & (tests.role == role)].set_index("hypothesis").p
        hyp = {0.0: "p = 0", 1.0: "a = p", -1.0: "a = -p"}
        inside = [val for val in names if sel[hyp[val]] >= alpha]
        basis, verb = "likelihood-ratio tests of k = 0, 1, -1 (no bootstrap)", "are"
    if len(inside) == 1:
        return {
            "pattern": names[inside[0]],
            "basis": basis + f" {verb} consistent with k = {inside[0]:g} only",
            "reason": "",
        }
    if not inside:
        excludes = "excludes" if verb == "is" else "exclude"
        return {"pattern": "mixed", "basis": f"{basis} {excludes} 0, 1 and -1", "reason": ""}
    vals = ", ".join(f"{v:g}" for v in inside)
    return {
        "pattern": "undetermined",
        "basis": basis,
        "reason": f"consistent with k = {vals}; more data needed",
    }


def _check_estimable(design: _Design, d: _Data, y: str, source: str | None) -> None:
    """One-line InputError for data GLS cannot fit: too few rows, a term that is constant or a
    linear combination of others (or a role without usable rows), no residual variance."""
    src = source or "input"
    p = d.p
    if int(d.n_obs) <= p:
        raise InputError(
            f"{src}: {int(d.n_obs)} usable rows (outcome and predictors present) for {p} "
            "coefficients; need more dyads"
        )
    M = d.G["aa"] + d.G["bb"] + d.G["s0"] + d.G["s1"]
    X = M[:p, :p]
    scale = np.sqrt(np.clip(np.diag(X), 0.0, None))
    bad = next((j for j in range(p) if scale[j] == 0), None)
    if bad is None:
        C = X / np.outer(scale, scale)
        bad = next(
            (j for j in range(1, p) if np.linalg.eigvalsh(C[: j + 1, : j + 1])[0] < 1e-10), None
        )
    if bad is not None:
        effect, pred, role = design.columns[bad]
        what = (
            "intercept"
            if effect == "intercept"
            else f"{effect.replace('_', ' ')} effect of {pred!r}"
        )
        what += "" if role is None else f" (role {role!r})"
        raise InputError(
            f"{src}: cannot estimate the {what}: the term is constant, repeats another term, "
            "or its role has no usable rows"
        )
    bt = np.append(-np.linalg.solve(X, M[:p, p]), 1.0)
    parts = (
        [(design.roles[0], d.G["aa"] + d.G["s0"]), (design.roles[1], d.G["bb"] + d.G["s1"])]
        if design.distinguishable
        else [(None, M)]
    )
    for role, G in parts:
        if float(bt @ G @ bt) <= 1e-12 * float(G[p, p]):
            who = "" if role is None else f" of role {role!r}"
            raise InputError(
                f"{src}: column {y!r}: the outcome{who} is constant or predicted perfectly; "
                "no residual variance is left to estimate"
            )


def _bootstrap(design: _Design, fit: _Fit, n_boot: int, seed: Any, reml: bool) -> np.ndarray:
    units, _ = design.unit_data()
    U = units.n_obs.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, fit.p))
    chunk = int(max(1, min(500, 4_000_000 // max(U, 1))))  # W is chunk x U
    flat = {k: v.reshape(U, -1) for k, v in units.G.items()}
    q = design.Za.shape[1]
    for start in range(0, n_boot, chunk):
        B = min(chunk, n_boot - start)
        W = rng.multinomial(U, np.full(U, 1.0 / U), size=B).astype(float)
        G = {k: (W @ v).reshape(B, q, q) for k, v in flat.items()}
        d = _Data(G, W @ units.n_pairs, W @ units.n_s1, W @ units.n_obs)
        out[start : start + B] = _batch_fit(
            d,
            (fit.lam, fit.rho),
            hetero=design.distinguishable,
            corr=fit.n_var > 1,
            reml=reml,
        )
    return out


# --------------------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------------------


_PARTNER_SUFFIXES = ("_partner", "_P", "_p", "_Partner")
_ACTOR_SUFFIXES = ("", "_actor", "_A", "_a", "_Actor")


def _check_apim_input(
    data: Any,
    x: Any,
    y: Any,
    dyad: Any,
    role: Any,
    person: Any,
    covariates: Any,
    moderator: Any,
    bootstrap: Any,
    alpha: Any,
    source: str | None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Argument and input checks of :func:`apim`: one InputError line for each problem."""
    src = source or "input"
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a pandas DataFrame, got {type(data).__name__}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer):
        raise InputError(f"bootstrap {bootstrap!r}: expected a whole number of resamples (0: none)")
    if bootstrap < 0:
        raise InputError(f"bootstrap {int(bootstrap)}: expected 0 (none) or more resamples")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise InputError(f"alpha {alpha!r}: expected a significance level between 0 and 1")
    xs, covs = _as_list(x), _as_list(covariates)
    if not xs:
        raise InputError("apim: give at least one predictor x")
    named = {"y": [y], "x": xs, "dyad": [dyad], "covariates": covs}
    named.update(
        {
            k: [v]
            for k, v in (("role", role), ("person", person), ("moderator", moderator))
            if v is not None
        }
    )
    for what, cols in named.items():
        for c in cols:
            if not isinstance(c, str) or not c.strip():
                raise InputError(f"apim: {what} {c!r}: expected a column name")
    if y in [*xs, *covs, moderator]:
        raise InputError(f"apim: column {y!r} is both the outcome y and a predictor")
    needed = [y, *xs, *covs, *([moderator] if moderator else [])]
    absent = [c for c in dict.fromkeys([*needed, dyad, role, person]) if c and c not in data]
    if absent:
        have = ", ".join(map(str, list(data.columns)[:12]))
        raise InputError(
            f"{src}: column {absent[0]!r} not found (columns: {have}); if it is a questionnaire "
            "score, score the items first (dyadscore score, or ds.score) or name the "
            "instrument with --instrument"
        )
    _check_not_partner_column(data, xs, y, dyad, role, person, src)
    return data, xs, covs


def _check_not_partner_column(
    data: pd.DataFrame,
    xs: list[str],
    y: str,
    dyad: str,
    role: str | None,
    person: str | None,
    src: str,
) -> None:
    """A double-entry file's partner column (``x_P``, ``x_partner``) given as a predictor.

    :func:`apim` builds partner values itself, so ``x_P`` as ``x`` swaps the actor and
    partner effects. Detected by value: in every complete dyad, ``x_P`` of one member equals
    the own column (``x``, ``x_A`` or ``x_actor``) of the other.
    """
    for v in [*xs, y]:
        stem = next((v[: -len(s)] for s in _PARTNER_SUFFIXES if v.endswith(s)), None)
        if not stem:
            continue
        own = next((stem + s for s in _ACTOR_SUFFIXES if stem + s in data and stem + s != v), None)
        if own is None:
            continue
        try:
            pairing = pair_members(data, dyad, role, person=person, drop_singles=True, source=src)
        except InputError:
            return  # pairing problems are reported by the fit with the usual message
        a = pd.to_numeric(data[v], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        b = pd.to_numeric(data[own], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        f, s_ = pairing.first, pairing.second
        lhs = np.concatenate([a[f], a[s_]])
        rhs = np.concatenate([b[s_], b[f]])
        both = np.isfinite(lhs) & np.isfinite(rhs)
        if both.sum() >= 2 and np.allclose(lhs[both], rhs[both]):
            what = "outcome y" if v == y else "predictor x"
            raise InputError(
                f"{src}: column {v!r}: holds the partner's {own!r} (a double-entry file), "
                f"so as {what} it would swap actor and partner effects; expected each "
                f"person's own value: pass {own!r} (apim pairs partners itself)"
            )


def apim(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str,
    dyad: str,
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
    source: str | None = None,
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
    dyad, role, person : str
        Columns. ``role=None`` fits indistinguishable dyads (one actor and one partner effect,
        one intercept, compound symmetry; negative residual correlation allowed). With a role
        column, role-specific intercepts, effects and residual variances (distinguishable).
    roles : two labels, optional
        Role order; the first is the reference of the variance ratio (default sorted labels).
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
    drop_singles : bool
        Drop persons whose partner has no row instead of raising ``PairingError``.
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
    source : str, optional
        File name used in error messages.

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
    data, xs, covs = _check_apim_input(
        data, x, y, dyad, role, person, covariates, moderator, bootstrap, alpha, source
    )
    if missing_codes:
        data = replace_missing_codes(data, missing_codes)
    method = {"reml": "REML", "ml": "ML", "sem": "sem"}.get(str(method).lower(), method)
    if method not in ("REML", "ML", "sem"):
        raise InputError(f"method must be 'REML', 'ML' or 'sem', got {method!r}")
    if covariate_effects not in ("actor_partner", "as_is"):
        raise InputError(
            f"covariate_effects must be 'actor_partner' or 'as_is', got {covariate_effects!r}"
        )
    if moderator_level not in ("actor", "partner"):
        raise InputError(f"moderator_level must be 'actor' or 'partner', got {moderator_level!r}")
    if not 0 < ci < 1:
        raise InputError(f"ci must be between 0 and 1, got {ci!r}")
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
        source=source,
    )
    d = design.data()
    _check_estimable(design, d, y, source)
    hetero = design.distinguishable
    reml = method == "REML"
    fit = _fit(d, hetero=hetero, corr=True, reml=reml)
    betas = _standardised(design, fit.beta)
    effects, vcov = _effects_table(design, fit, method, ci, betas)
    if df_method not in ("residual", "satterthwaite") or (
        df_method == "satterthwaite" and method == "sem"
    ):
        raise InputError(
            f"df_method {df_method!r}: expected residual or satterthwaite (REML or ML fits)"
        )
    if df_method == "satterthwaite":
        effects = _with_df(effects, _satterthwaite_df(d, fit, hetero, method), ci)

    ml_full = fit if not reml else _fit(d, hetero=hetero, corr=True, reml=False)
    no_corr = _fit(d, hetero=hetero, corr=False, reml=reml)
    tests = _pattern_tests(design, d, ml_full, xs)
    disting = _distinguishability(design, d, ml_full, xs) if design.distinguishable else None
    draws = _bootstrap(design, fit, int(bootstrap), seed, reml) if bootstrap else None
    k, pattern = _k_tables(design, xs, effects, vcov, draws, ci, alpha, tests)

    n_par = fit.p + fit.n_var
    n_bic = fit.n_obs - fit.p if reml else fit.n_obs
    n_units = int((design.ok_a | design.ok_b).sum())
    fit_info = {
        "loglik": fit.loglik,
        "aic": -2 * fit.loglik + 2 * n_par,
        "bic": -2 * fit.loglik + math.log(n_bic) * n_par,
        "df_loglik": n_par,
        "n_dyads": n_units,
        "n_complete_dyads": int((design.ok_a & design.ok_b).sum()),
        "n_obs": fit.n_obs,
        "n_coef": fit.p,
        "method": method,
        "distinguishable": design.distinguishable,
        "converged": fit.converged,
        "n_rows_dropped": design.n_dropped,
        "n_singles_dropped": design.n_singles,
    }
    sd0 = math.sqrt(fit.sigma2)
    labels = list(design.roles) if design.distinguishable else ["all"]
    sds = [sd0, sd0 * fit.lam] if design.distinguishable else [sd0]
    covariance = {
        "sigma": sd0,
        "sd_by_role": dict(zip(labels, sds, strict=True)),
        "variance_by_role": {k_: s * s for k_, s in zip(labels, sds, strict=True)},
        "correlation": fit.rho,
        "covariance": fit.rho * sds[0] * sds[-1],
        "variance_ratio_sd": fit.lam,
    }
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
