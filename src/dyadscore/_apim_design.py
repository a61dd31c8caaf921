"""The APIM's design: input checks, the design matrices, term names and standardisation.

:func:`_build_design` pairs the two members of every dyad (:func:`dyadscore.dyads.pair_members`;
a person-id column, given or detected, orders indistinguishable members), builds each person's own and partner columns (actor, partner, covariate and moderator terms;
role-specific columns for distinguishable dyads) and returns a :class:`_Design`, whose
:meth:`_Design.data` reduces it to the sufficient statistics the GLS engine
(:mod:`dyadscore.apim_gls`) fits. The checks here give one :class:`~dyadscore.errors.InputError`
line for each problem, before anything is fitted.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"couple": [1, 1, 2, 2], "x": [1.0, 2.0, 3.0, 5.0],
...                    "y": [2.0, 1.0, 4.0, 4.0]})
>>> design = _build_design(df, ["x"], "y", "couple", None, person=None, roles=None,
...                        covariates=[], covariate_effects="actor_partner", moderator=None,
...                        moderator_level="actor", center=False, partner_suffix="_partner",
...                        drop_singles=False)
>>> [_term_name(*c) for c in design.columns]
['(Intercept)', 'x', 'x_partner']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .apim_gls import _Data
from .dyads import Pairing, _as_list, _numeric, _pair, replace_missing_codes
from .errors import InputError, input_name

_PARTNER_SUFFIXES = ("_partner", "_P", "_p", "_Partner")
_ACTOR_SUFFIXES = ("", "_actor", "_A", "_a", "_Actor")
_METHODS = {"reml": "REML", "ml": "ML", "sem": "sem"}


# --------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------


def _check_apim_input(
    data: Any,
    x: Any,
    y: Any,
    dyad: Any,
    role: Any,
    person: Any,
    covariates: Any,
    moderator: Any,
    options: dict[str, Any],
) -> tuple[pd.DataFrame, list[str], list[str], str]:
    """Argument and input checks of :func:`~dyadscore.apim`: one InputError line a problem.

    ``options`` holds the keyword settings checked here (bootstrap, alpha, method,
    covariate_effects, moderator_level, ci, df_method, missing_codes). Returns the data
    (missing-value codes set missing), the predictors, the covariates and the method in its
    canonical spelling.
    """
    src = input_name("input")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a pandas DataFrame, got {type(data).__name__}")
    bootstrap, alpha = options["bootstrap"], options["alpha"]
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
    if options["missing_codes"]:
        data = replace_missing_codes(data, options["missing_codes"])
    return data, xs, covs, _check_options(options)


def _check_options(options: dict[str, Any]) -> str:
    """The method (canonical spelling) after checking the model settings of :func:`apim`."""
    method = _METHODS.get(str(options["method"]).lower(), options["method"])
    if method not in ("REML", "ML", "sem"):
        raise InputError(f"method must be 'REML', 'ML' or 'sem', got {method!r}")
    covariate_effects = options["covariate_effects"]
    if covariate_effects not in ("actor_partner", "as_is"):
        raise InputError(
            f"covariate_effects must be 'actor_partner' or 'as_is', got {covariate_effects!r}"
        )
    if options["moderator_level"] not in ("actor", "partner"):
        raise InputError(
            f"moderator_level must be 'actor' or 'partner', got {options['moderator_level']!r}"
        )
    if not 0 < options["ci"] < 1:
        raise InputError(f"ci must be between 0 and 1, got {options['ci']!r}")
    df_method = options["df_method"]
    if df_method not in ("residual", "satterthwaite") or (
        df_method == "satterthwaite" and method == "sem"
    ):
        raise InputError(
            f"df_method {df_method!r}: expected residual or satterthwaite (REML or ML fits)"
        )
    return method


def _check_not_partner_column(
    data: pd.DataFrame, xs: list[str], y: str, pairing: Pairing, src: str
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


def _check_estimable(design: _Design, d: _Data, y: str) -> None:
    """One-line InputError for data GLS cannot fit: too few rows, a term that is constant or a
    linear combination of others (or a role without usable rows), no residual variance."""
    src = input_name("input")
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


# --------------------------------------------------------------------------------------
# the design matrices
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
) -> _Design:
    names = [y, *xs, *covariates, *([moderator] if moderator else [])]
    pairing = _pair(data, dyad, role, person, None, roles, drop_singles, taken=names)
    if pairing.n_dyads == 0:
        raise InputError(f"{input_name('input')}: no complete dyads to analyse")
    _check_not_partner_column(data, xs, y, pairing, input_name("input"))
    vals = _numeric(data, names)
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


def _indices(design: _Design, effect: str, predictor: str, role: str | None) -> int:
    return next(j for j, c in enumerate(design.columns) if c == (effect, predictor, role))


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
