"""The APIM's tests of k, the dyadic pattern and distinguishability (likelihood ratios, ML).

* :func:`_pattern_tests`: LR tests of p = 0, a = p and a = -p (Kenny & Ledermann 2010), per
  predictor, jointly over roles and per role;
* :func:`_distinguishability`: LR tests that roles do not matter (Kenny's test of
  indistinguishability, and equal actor and partner effects);
* :func:`_k_tables`: k = partner / actor with its delta-method SE and bootstrap CI, and the
  pattern each (couple, contrast, actor-only, partner-only) with its basis (:func:`_classify`).

Restricted models are refitted by the GLS engine (:mod:`dyadscore.apim_gls`) on the same
sufficient statistics, reparameterised as beta = T gamma (:func:`_constraint_T`).

Examples
--------
>>> _constraint_T(3, [(1, 2, -1.0)], []).tolist()
[[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
>>> _lr(-100.0, -103.0, 1)["chisq"]
6.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._apim_design import _Design, _indices
from .apim_gls import _Data, _Fit, _fit


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
