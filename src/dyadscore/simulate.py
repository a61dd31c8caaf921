"""Simulated couples with known truth: APIM data, the dependency-paradox constructs, items.

Three generators, all vectorised and deterministic under ``seed``:

* :func:`simulate_dyads` -- one predictor ``x`` and one outcome ``y`` per person with known
  actor and partner effects (per role if wished), correlated predictors (``r_x``) and
  residuals (``r_e``), an optional second wave and MCAR missingness. Standardised: every
  ``x`` and ``y`` has variance 1, so the effects are standardised regression weights.
* :func:`simulate_paradox` -- latent standardised scores for all constructs of the
  dependency paradox (Feeney 2007) at two waves, from the linear structural model
  :data:`PARADOX_PATHS` with the planted effects :data:`PLANTED`. ``df.attrs["truth"]``
  holds the planted paths and the population values of the default hypotheses.
* :func:`simulate_items` -- integer item responses on an instrument's scale from latent
  scores (a one-factor model per subscale with a target reliability, reverse-keyed items
  reversed), so scoring the items recovers the latent ordering.

The structural model behind :func:`simulate_paradox` is a :class:`LatentModel`: each
variable is a linear function of earlier variables (the person's own and the partner's)
plus a residual whose variance makes the variable's variance exactly 1 and whose
correlation between partners is declared. Because every variable is a linear combination
of independent standard normal shocks, the population covariance is exact and
:meth:`LatentModel.implied` gives the population value of any APIM coefficient.

Examples
--------
>>> df = simulate_dyads(100, actor=0.3, partner=0.1, seed=1)
>>> df.columns.tolist()
['couple', 'person', 'role', 'x', 'y']
>>> df.attrs["truth"]["actor"]
{'woman': 0.3, 'man': 0.3}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .columns import ID_CANDIDATES, PERSON_CANDIDATES
from .errors import InputError, check_finite

__all__ = [
    "simulate_dyads",
    "simulate_paradox",
    "simulate_items",
    "LatentModel",
    "paradox_model",
    "PLANTED",
    "PARADOX_PATHS",
    "CONSTRUCTS",
]

ID_COLUMNS: tuple[str, ...] = (PERSON_CANDIDATES[0], *ID_CANDIDATES)


# ------------------------------------------------------------------ helpers
def _rng(seed: Any) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_corr(value: float, name: str) -> float:
    v = float(value)
    if not -1 < v < 1:
        raise InputError(f"{name} {value!r}: expected a correlation strictly between -1 and 1")
    return v


def _check_n(n_dyads: int, minimum: int = 3) -> int:
    try:
        n = int(n_dyads)
    except (TypeError, ValueError):
        raise InputError(f"{n_dyads!r} couples: expected a whole number of couples") from None
    if n != n_dyads or n < minimum:
        raise InputError(f"{n_dyads!r} couples: expected a whole number of at least {minimum}")
    return n


def _check_dyads_arguments(actor, partner, r_x, roles, waves, missing) -> None:
    """Checks of :func:`simulate_dyads` arguments, worded for the CLI and the API alike."""
    if roles is not None:
        labels = [str(r) for r in roles]
        if len(labels) != 2 or labels[0] == labels[1]:
            raise InputError(
                f"roles {', '.join(map(repr, labels))}: expected two different role labels"
            )
    if waves not in (1, 2):
        raise InputError(f"waves {waves!r}: expected 1 or 2")
    if not 0 <= float(missing) < 1:
        raise InputError(f"missing {float(missing):g}: expected a share from 0 up to (not) 1")
    labels = None if roles is None else tuple(str(r) for r in roles)
    a, p = per_role(actor, labels, "actor"), per_role(partner, labels, "partner")
    r = _check_corr(r_x, "r_x")
    explained = a**2 + p**2 + 2 * a * p * r
    if np.any(explained >= 1):
        k = int(np.argmax(explained))
        raise InputError(
            f"actor {a[k]:g}, partner {p[k]:g} with predictor correlation {r:g}: explain "
            f"{explained[k]:.2f} of the variance of y; expected actor^2 + partner^2 + "
            "2 actor partner r_x below 1"
        )


def two_values(value: Any, name: str) -> np.ndarray:
    """One number for both partners, or a pair (one per role), as an array of two floats.

    Parameters
    ----------
    value : number or pair of numbers
        A list, tuple or array of two, or one number for both.
    name : str
        The argument's name, for the message of an :class:`~dyadscore.errors.InputError`.

    Returns
    -------
    numpy.ndarray
        Two floats.

    Examples
    --------
    >>> two_values(0.3, "actor").tolist(), two_values((0.2, 0.4), "actor").tolist()
    ([0.3, 0.3], [0.2, 0.4])
    """
    shown = value.tolist() if isinstance(value, np.ndarray) else value
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        if len(value) != 2:
            raise InputError(f"{name} {shown!r}: expected one number or two (one per role)")
        pair = value
    else:
        pair = (value, value)
    try:
        return np.array([float(v) for v in pair])
    except (TypeError, ValueError):
        raise InputError(f"{name} {shown!r}: expected a number") from None


def per_role(value: Any, roles: Sequence[str] | None, name: str) -> np.ndarray:
    """Turn a number, a pair or a ``{role: value}`` dict into an array of two values.

    Examples
    --------
    >>> per_role({"woman": .2, "man": .3}, ("woman", "man"), "actor").tolist()
    [0.2, 0.3]
    """
    if isinstance(value, Mapping):
        if roles is None:
            raise InputError(f"{name} {dict(value)!r}: per-role values need roles")
        missing = [r for r in roles if r not in value]
        if missing or len(value) != 2:
            raise InputError(
                f"{name} {dict(value)!r}: expected one value for each role {list(roles)}"
            )
        out = np.array([float(value[r]) for r in roles])
    else:
        out = two_values(value, name)
    if roles is None and out[0] != out[1]:
        raise InputError(f"{name} {value!r}: different values per role need distinguishable roles")
    return out


def _reliability_of(reliability: Any, names: Sequence[str]) -> dict[str, float]:
    """{column: reliability} from a number, or a {construct or column: value} dict (default 1)."""
    if reliability is None:
        return dict.fromkeys(names, 1.0)
    out = {}
    for name in names:
        base = name.rsplit("_w", 1)[0]
        v = (
            reliability.get(name, reliability.get(base, 1.0))
            if isinstance(reliability, Mapping)
            else reliability
        )
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = float("nan")
        if not 0 < f <= 1:
            raise InputError(f"reliability of {name!r} = {v!r}: expected a number in (0, 1]")
        out[name] = f
    if isinstance(reliability, Mapping):
        known = {*names, *(n.rsplit("_w", 1)[0] for n in names)}
        unknown = [k for k in reliability if k not in known]
        if unknown:
            raise InputError(
                f"reliability: unknown construct {unknown[0]!r}; expected one of "
                f"{', '.join(dict.fromkeys(n.rsplit('_w', 1)[0] for n in names))}"
            )
    return out


def _add_error(values: np.ndarray, rel: float, rng: np.random.Generator) -> np.ndarray:
    """Observed = sqrt(rel) * true + sqrt(1 - rel) * independent error (variance kept at 1)."""
    if rel >= 1:
        return values
    return np.sqrt(rel) * values + np.sqrt(1 - rel) * rng.standard_normal(values.shape)


def _pair_normals(rng: np.random.Generator, n: int, r: float, size: tuple = ()) -> np.ndarray:
    """Standard normal pairs with correlation ``r``: shape ``size + (n, 2)``."""
    z = rng.standard_normal((*size, n, 2))
    chol = np.linalg.cholesky(np.array([[1.0, r], [r, 1.0]]))
    return z @ chol.T


def _to_individual(
    cols: dict[str, np.ndarray], roles: Sequence[str] | None, start: int = 1
) -> pd.DataFrame:
    """(n, 2) arrays -> one row per person (couple, person, [role], columns)."""
    n = next(iter(cols.values())).shape[0]
    couple = np.repeat(np.arange(start, start + n), 2)
    out: dict[str, Any] = {
        "couple": couple,
        "person": np.arange(2 * start - 1, 2 * (start + n) - 1),
    }
    if roles is not None:
        out["role"] = np.tile(np.asarray(roles, dtype=object), n)
    for name, arr in cols.items():
        out[name] = arr.reshape(-1)
    return pd.DataFrame(out)


# ---------------------------------------------------------- simulate_dyads
def simulate_dyads(
    n_dyads: int,
    *,
    actor: float | Sequence[float] | Mapping[str, float] = 0.3,
    partner: float | Sequence[float] | Mapping[str, float] = 0.1,
    r_x: float = 0.3,
    r_e: float = 0.3,
    roles: Sequence[str] | None = ("woman", "man"),
    waves: int = 1,
    stability: float = 0.5,
    missing: float = 0.0,
    seed: int | np.random.Generator | None = None,
    reliability: float | Mapping[str, float] | None = None,
    dropout: float = 0.0,
) -> pd.DataFrame:
    """Simulate couples for a one-predictor APIM with known actor and partner effects.

    Model (standardised; member ``i`` of a couple, partner ``j``, role ``r`` of ``i``)::

        x_i, x_j ~ N(0, 1), corr(x_i, x_j) = r_x
        y_i = actor_r * x_i + partner_r * x_j + e_i,  corr(e_i, e_j) = r_e,
        var(e_i) = 1 - (actor_r^2 + partner_r^2 + 2 actor_r partner_r r_x)   (so var(y_i) = 1)

    With ``waves=2`` the columns are ``x_w1, y_w1, x_w2, y_w2``: wave 1 as above, and the
    residualised-change model ``y_w2_i = stability * y_w1_i + actor_r * x_w1_i +
    partner_r * x_w1_j + e2_i`` (var(y_w2) = 1, corr(e2_i, e2_j) = r_e), and
    ``x_w2 = stability * x_w1 + noise`` (var 1, noise correlated ``r_x`` between partners).

    Parameters
    ----------
    n_dyads : int
        Number of couples (at least 3).
    actor, partner : float, pair or dict
        Effects on each role's outcome; a pair follows ``roles``, a dict maps role -> value.
        Per-role values need ``roles``.
    r_x, r_e : float
        Correlation between partners' predictors and between their residuals.
    roles : pair of str or None
        Role labels of distinguishable dyads; ``None`` gives indistinguishable dyads (no
        ``role`` column).
    waves : {1, 2}
    stability : float
        Wave-1 -> wave-2 stability of ``y`` (own) and ``x`` (``waves=2`` only).
    missing : float
        Share of outcome cells (``y`` columns) set missing completely at random.
    seed : int or numpy Generator
    reliability : float or {"x": float, "y": float}, optional
        Reliability of the observed scores: each returned ``x``/``y`` is
        ``sqrt(rel) * true + sqrt(1 - rel) * error`` (variance stays 1; the effects above are
        true-score effects, so the observed ones are attenuated). Default: error-free.
    dropout : float
        ``waves=2`` only: share of persons (MCAR) whose wave-2 values are missing.

    Returns
    -------
    DataFrame
        One row per person (``couple``, ``person``, [``role``], data columns);
        ``df.attrs["truth"]`` holds the parameters, residual variances and the model.

    Examples
    --------
    >>> df = simulate_dyads(50, roles=None, waves=2, seed=3)
    >>> df.columns.tolist()
    ['couple', 'person', 'x_w1', 'y_w1', 'x_w2', 'y_w2']
    >>> len(df)
    100
    """
    check_finite(
        actor=actor, partner=partner, r_x=r_x, r_e=r_e, stability=stability, missing=missing
    )
    _check_dyads_arguments(actor, partner, r_x, roles, waves, missing)
    n = _check_n(n_dyads)
    roles = None if roles is None else tuple(str(r) for r in roles)
    if roles is not None and (len(roles) != 2 or roles[0] == roles[1]):
        raise InputError(f"roles={roles!r}: expected two different role labels or None")
    a = per_role(actor, roles, "actor")
    p = per_role(partner, roles, "partner")
    r_x = _check_corr(r_x, "r_x")
    r_e = _check_corr(r_e, "r_e")
    if waves not in (1, 2):
        raise InputError(f"waves={waves!r}: expected 1 or 2")
    if not 0 <= float(missing) < 1:
        raise InputError(f"missing={missing!r}: expected a share between 0 and 1")
    if not 0 <= float(dropout) < 1:
        raise InputError(f"dropout {dropout!r}: expected a share between 0 and 1")
    if dropout and waves != 2:
        raise InputError(f"dropout {dropout!r}: dropout between waves needs two waves")
    rel = _reliability_of(reliability, ["x", "y"])
    rng = _rng(seed)

    var_sys = a**2 + p**2 + 2 * a * p * r_x
    if np.any(var_sys >= 1):
        raise InputError(
            f"actor={actor!r}, partner={partner!r}, r_x={r_x}: explain more than all the "
            "variance of y; expected actor^2 + partner^2 + 2*actor*partner*r_x < 1"
        )
    sd_e = np.sqrt(1 - var_sys)
    x = _pair_normals(rng, n, r_x)
    e = _pair_normals(rng, n, r_e) * sd_e
    y = a * x + p * x[:, ::-1] + e
    keys = list(roles) if roles is not None else ["member_1", "member_2"]
    truth: dict[str, Any] = {
        "model": "y_i = actor*x_i + partner*x_j + e_i (standardised)",
        "actor": dict(zip(keys, a.tolist(), strict=True)),
        "partner": dict(zip(keys, p.tolist(), strict=True)),
        "r_x": r_x,
        "r_e": r_e,
        "residual_var": dict(zip(keys, (sd_e**2).tolist(), strict=True)),
        "distinguishable": roles is not None,
        "seed": seed if isinstance(seed, int | None) else "generator",
    }
    if waves == 1:
        cols = {"x": x, "y": y}
    else:
        s = float(stability)
        c_own, c_par = a + p * r_x, a * r_x + p  # cov(y_w1_i, x_i), cov(y_w1_i, x_j)
        var2 = s**2 + var_sys + 2 * s * (a * c_own + p * c_par)
        if np.any(var2 >= 1):
            raise InputError(
                f"stability={stability!r}: with these effects wave-2 y would need negative "
                "residual variance; lower stability or the effects"
            )
        sd_e2 = np.sqrt(1 - var2)
        e2 = _pair_normals(rng, n, r_e) * sd_e2
        y2 = s * y + a * x + p * x[:, ::-1] + e2
        x2 = s * x + np.sqrt(1 - s**2) * _pair_normals(rng, n, r_x)
        cols = {"x_w1": x, "y_w1": y, "x_w2": x2, "y_w2": y2}
        truth.update(
            stability=s,
            model_w2="y_w2_i = stability*y_w1_i + actor*x_w1_i + partner*x_w1_j + e2_i",
            residual_var_w2=dict(zip(keys, (sd_e2**2).tolist(), strict=True)),
        )
    if reliability is not None:
        cols = {k: _add_error(v, rel[k.split("_")[0]], rng) for k, v in cols.items()}
    df = _to_individual(cols, roles)
    if missing > 0:
        for name in [c for c in cols if c.startswith("y")]:
            df.loc[rng.random(len(df)) < missing, name] = np.nan
    if dropout > 0:
        gone = rng.random(len(df)) < dropout
        df.loc[gone, ["x_w2", "y_w2"]] = np.nan
    truth["missing"] = float(missing)
    truth["reliability"] = rel
    truth["dropout"] = float(dropout)
    df.attrs["truth"] = truth
    return df


# ------------------------------------------------------------ latent model
@dataclass(frozen=True)
class Equation:
    """One structural equation: ``name = sum(own) + sum(partner's) + residual``."""

    name: str
    own: dict[str, float] = field(default_factory=dict)
    partner: dict[str, float] = field(default_factory=dict)
    r: float = 0.1  # correlation of the two partners' residuals


class LatentModel:
    """Linear structural model for couples, exactly standardised.

    Each variable of each partner is a linear combination of independent standard normal
    shocks (three per variable: one shared by the couple and one per partner, giving the
    residual correlation). ``loadings`` has one row per (variable, member) in the order
    ``[v0 member 1, v0 member 2, v1 member 1, ...]``.

    Examples
    --------
    >>> m = LatentModel([Equation("x", r=0.3), Equation("y", own={"x": 0.3}, partner={"x": 0.1}, r=0.3)])
    >>> round(float(m.cov()[2, 2]), 12)  # var(y) of member 1
    1.0
    >>> {k: round(v, 12) for k, v in m.implied("y", actor=["x"], partner=["x"]).items()}
    {'actor:x': 0.3, 'partner:x': 0.1}
    """

    def __init__(self, paths: Sequence[Equation]):
        self.paths = list(paths)
        self.names = [p.name for p in self.paths]
        if len(set(self.names)) != len(self.names):
            raise InputError("latent model: a variable is defined twice")
        self.index = {n: i for i, n in enumerate(self.names)}
        self.loadings = self._build()

    def _build(self) -> np.ndarray:
        v = len(self.paths)
        load = np.zeros((2 * v, 3 * v))
        for i, path in enumerate(self.paths):
            for parents, swap in ((path.own, 0), (path.partner, 1)):
                for parent, coef in parents.items():
                    if parent not in self.index or self.index[parent] >= i:
                        raise InputError(
                            f"latent model: {path.name!r} depends on {parent!r}, which is not "
                            "defined before it"
                        )
                    j = self.index[parent]
                    load[2 * i] += coef * load[2 * j + swap]
                    load[2 * i + 1] += coef * load[2 * j + 1 - swap]
            var_sys = float(load[2 * i] @ load[2 * i])
            if var_sys >= 1 - 1e-9:
                raise InputError(
                    f"latent model: the paths into {path.name!r} explain {var_sys:.2f} of its "
                    "variance; expected less than 1 (smaller effects)"
                )
            r = _check_corr(path.r, f"residual correlation of {path.name}")
            sd = np.sqrt(1 - var_sys)
            shared, own = np.sqrt(abs(r)), np.sqrt(1 - abs(r))
            load[2 * i, 3 * i] = sd * shared
            load[2 * i + 1, 3 * i] = sd * shared * np.sign(r)
            load[2 * i, 3 * i + 1] = sd * own
            load[2 * i + 1, 3 * i + 2] = sd * own
        return load

    def cov(self) -> np.ndarray:
        """Population covariance of all (variable, member) rows (unit diagonal)."""
        return self.loadings @ self.loadings.T

    def sample(self, n_dyads: int, rng: np.random.Generator, size: tuple = ()) -> np.ndarray:
        """Draw ``size + (n_dyads, 2, n_variables)`` values."""
        z = rng.standard_normal((*size, n_dyads, self.loadings.shape[1]))
        vals = z @ self.loadings.T  # (..., n, 2V) ordered var-major, member-minor
        return vals.reshape(*size, n_dyads, len(self.names), 2).swapaxes(-1, -2)

    def sample_columns(
        self, names: Sequence[str], n_dyads: int, rng: np.random.Generator, size: tuple = ()
    ) -> np.ndarray:
        """Draw only ``names``: ``size + (n_dyads, 2, len(names))`` (cheap for Monte Carlo)."""
        for name in names:
            if name not in self.index:
                raise InputError(
                    f"latent model: unknown variable {name!r}; expected one of {self.names}"
                )
        rows = [2 * self.index[v] + k for v in names for k in (0, 1)]
        chol = np.linalg.cholesky(self.cov()[np.ix_(rows, rows)])
        z = rng.standard_normal((*size, n_dyads, len(rows)))
        vals = z @ chol.T
        return vals.reshape(*size, n_dyads, len(names), 2).swapaxes(-1, -2)

    def implied(
        self, outcome: str, actor: Sequence[str], partner: Sequence[str] = ()
    ) -> dict[str, float]:
        """Population regression weights of ``outcome`` on own ``actor`` and partner's ``partner``.

        These are the values the indistinguishable APIM (same regressors) estimates.
        """
        for name in [outcome, *actor, *partner]:
            if name not in self.index:
                raise InputError(f"latent model: unknown variable {name!r}")
        rows = [2 * self.index[v] for v in actor] + [2 * self.index[v] + 1 for v in partner]
        cov = self.cov()
        y = 2 * self.index[outcome]
        beta = np.linalg.solve(cov[np.ix_(rows, rows)], cov[rows, y])
        keys = [f"actor:{v}" for v in actor] + [f"partner:{v}" for v in partner]
        return dict(zip(keys, beta.tolist(), strict=True))


# ------------------------------------------------------------ the paradox
#: Constructs of the dependency paradox (one latent score per person per wave).
CONSTRUCTS: tuple[str, ...] = (
    "anxiety",
    "avoidance",
    "acceptance_given",
    "perceived_acceptance",
    "responsiveness",
    "satisfaction",
    "felt_dependence",
    "self_sufficiency",
    "exploration",
    "goal_pursuit",
    "goal_progress",
)

#: The planted effects (standardised structural paths) tied to the default hypotheses.
PLANTED: dict[str, float] = {
    # H1: own perceived acceptance (w1) -> own goal progress (w2), over and above goal progress w1
    "h1_perceived_to_goal_progress": 0.20,
    # H2: partner's self-reported acceptance given (w1) -> own goal progress (w2), direct path
    "h2_partner_given_to_goal_progress": 0.15,
    # H3a: own perceived acceptance (w1) -> own felt dependence (w2): no effect (the paradox)
    "h3_perceived_to_felt_dependence": 0.0,
    # H3b: own perceived acceptance (w1) -> own self-sufficiency (w2)
    "h3_perceived_to_self_sufficiency": 0.15,
    # H4a/H4b: cross-sectional (w1) own perceived acceptance -> self-sufficiency, goal pursuit
    "h4_perceived_to_self_sufficiency": 0.30,
    "h4_perceived_to_goal_pursuit": 0.30,
}


def paradox_paths(effects: Mapping[str, float] | None = None) -> list[Equation]:
    """The structural model of :func:`simulate_paradox` with ``effects`` replacing :data:`PLANTED`."""
    e = {**PLANTED, **(effects or {})}
    unknown = sorted(set(e) - set(PLANTED))
    if unknown:
        raise InputError(
            f"effects: unknown planted effect {unknown[0]!r}; expected one of {list(PLANTED)}"
        )
    pa, ag = "perceived_acceptance_w1", "acceptance_given_w1"
    return [
        # wave 1
        Equation("anxiety_w1", r=0.15),
        Equation("avoidance_w1", own={"anxiety_w1": 0.25}, r=0.15),
        Equation(ag, own={"avoidance_w1": -0.30}, r=0.20),
        Equation(pa, own={"anxiety_w1": -0.20}, partner={ag: 0.45}, r=0.20),
        Equation("responsiveness_w1", own={pa: 0.60}, partner={ag: 0.10}, r=0.20),
        Equation(
            "satisfaction_w1", own={pa: 0.40, "avoidance_w1": -0.20}, partner={pa: 0.10}, r=0.40
        ),
        Equation("felt_dependence_w1", own={"anxiety_w1": 0.35, pa: -0.10}, r=0.10),
        Equation("self_sufficiency_w1", own={pa: e["h4_perceived_to_self_sufficiency"]}, r=0.10),
        Equation("exploration_w1", own={pa: 0.25}, r=0.10),
        Equation("goal_pursuit_w1", own={pa: e["h4_perceived_to_goal_pursuit"]}, r=0.10),
        Equation("goal_progress_w1", own={"goal_pursuit_w1": 0.30}, r=0.10),
        # wave 2
        Equation("anxiety_w2", own={"anxiety_w1": 0.70}, r=0.15),
        Equation("avoidance_w2", own={"avoidance_w1": 0.70}, r=0.15),
        Equation("acceptance_given_w2", own={ag: 0.60}, r=0.20),
        Equation(
            "perceived_acceptance_w2",
            own={pa: 0.55},
            partner={"acceptance_given_w2": 0.25},
            r=0.20,
        ),
        Equation(
            "responsiveness_w2",
            own={"responsiveness_w1": 0.40, "perceived_acceptance_w2": 0.40},
            r=0.20,
        ),
        Equation(
            "satisfaction_w2",
            own={"satisfaction_w1": 0.60, "perceived_acceptance_w2": 0.20},
            r=0.40,
        ),
        Equation(
            "felt_dependence_w2",
            own={"felt_dependence_w1": 0.50, pa: e["h3_perceived_to_felt_dependence"]},
            r=0.10,
        ),
        Equation(
            "self_sufficiency_w2",
            own={"self_sufficiency_w1": 0.50, pa: e["h3_perceived_to_self_sufficiency"]},
            r=0.10,
        ),
        Equation("exploration_w2", own={"exploration_w1": 0.50, pa: 0.10}, r=0.10),
        Equation("goal_pursuit_w2", own={"goal_pursuit_w1": 0.50, pa: 0.10}, r=0.10),
        Equation(
            "goal_progress_w2",
            own={"goal_progress_w1": 0.40, pa: e["h1_perceived_to_goal_progress"]},
            partner={ag: e["h2_partner_given_to_goal_progress"]},
            r=0.10,
        ),
    ]


#: Default structural model (documented in data/sample/README.md).
PARADOX_PATHS: list[Equation] = paradox_paths()


def paradox_model(effects: Mapping[str, float] | float | None = None) -> LatentModel:
    """The :class:`LatentModel` of :func:`simulate_paradox`.

    ``effects`` overrides entries of :data:`PLANTED`; a single number sets all of them
    (``0`` gives the null model in which no hypothesis holds except H3a's "no effect").

    Parameters
    ----------
    effects : dict or float, optional
        Overrides of :data:`PLANTED`.

    Returns
    -------
    LatentModel
        The path model, with its implied population effects.

    Examples
    --------
    >>> m = paradox_model(0)
    >>> round(m.implied("goal_progress_w2", ["perceived_acceptance_w1", "goal_progress_w1"],
    ...                 ["perceived_acceptance_w1", "goal_progress_w1"])["actor:perceived_acceptance_w1"], 12)
    0.0
    """
    if effects is not None and not isinstance(effects, Mapping):
        effects = dict.fromkeys(PLANTED, float(effects))
    return LatentModel(paradox_paths(effects))


def simulate_paradox(
    n_dyads: int,
    *,
    effects: Mapping[str, float] | float | None = None,
    roles: Sequence[str] | None = ("woman", "man"),
    dropout: float = 0.0,
    seed: int | np.random.Generator | None = None,
    reliability: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Simulate standardised scores of the dependency-paradox constructs at two waves.

    The model is :func:`paradox_paths` (see ``data/sample/README.md`` for the full list of
    paths); the planted effects tied to the default hypotheses are :data:`PLANTED`.
    Effects are the same for both roles (the roles are labels of distinguishable dyads).

    Parameters
    ----------
    n_dyads : int
    effects : dict or float, optional
        Overrides of :data:`PLANTED` (a number sets all planted effects).
    roles : pair of str or None
    dropout : float
        Share of persons whose wave-2 row is absent (missing completely at random).
    seed : int or numpy Generator
    reliability : float or {construct: float}, optional
        Reliability of the returned scale scores (default: the error-free latent scores).
        Each score becomes ``sqrt(rel) * latent + sqrt(1 - rel) * error`` with errors
        independent across persons, waves and constructs, as scale scores of instruments
        with that reliability (for item responses use :func:`simulate_items`).

    Returns
    -------
    DataFrame
        Long by wave: ``person, couple, [role], wave`` and one column per construct in
        :data:`CONSTRUCTS`. ``df.attrs["truth"]`` = ``{"planted": ..., "paths": ...}``.

    Examples
    --------
    >>> df = simulate_paradox(10, seed=1)
    >>> df.shape
    (40, 15)
    >>> df["wave"].unique().tolist()
    [1, 2]
    """
    check_finite(effects=effects, dropout=dropout)
    n = _check_n(n_dyads)
    if not 0 <= float(dropout) < 1:
        raise InputError(f"dropout={dropout!r}: expected a share between 0 and 1")
    rng = _rng(seed)
    rel = _reliability_of(reliability, list(CONSTRUCTS))
    model = paradox_model(effects)
    vals = model.sample(n, rng)  # (n, 2, V)
    if reliability is not None:
        for name, i in model.index.items():
            vals[:, :, i] = _add_error(vals[:, :, i], rel[name.rsplit("_w", 1)[0]], rng)
    frames = []
    for wave in (1, 2):
        cols = {c: vals[:, :, model.index[f"{c}_w{wave}"]] for c in CONSTRUCTS}
        df = _to_individual(cols, roles)
        df.insert(2 + (roles is not None), "wave", wave)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out = out[["person", "couple", *(["role"] if roles is not None else []), "wave", *CONSTRUCTS]]
    if dropout > 0:
        gone = out["person"].to_numpy()[(out["wave"] == 1).to_numpy()][rng.random(2 * n) < dropout]
        out = out[~((out["wave"] == 2) & out["person"].isin(gone))]
    out = out.sort_values(["couple", "person", "wave"], kind="stable").reset_index(drop=True)
    planted = {**PLANTED}
    if effects is not None:
        planted.update(
            dict.fromkeys(PLANTED, float(effects)) if not isinstance(effects, Mapping) else effects
        )
    out.attrs["truth"] = {
        "planted": planted,
        "paths": [
            {"variable": p.name, "own": dict(p.own), "partner": dict(p.partner), "r": p.r}
            for p in model.paths
        ],
        "dropout": float(dropout),
        "reliability": rel,
    }
    return out


# ------------------------------------------------------------------ items
def _item_sources(instrument, latent_cols: Sequence[str]) -> dict[str, str]:
    """Latent column of each item: the smallest subscale with a latent column holding it."""
    subs = sorted(
        ((name, s) for name, s in instrument.subscales.items() if name in latent_cols),
        key=lambda kv: len(kv[1].items),
    )
    src: dict[str, str] = {}
    for name, sub in subs:
        for item in sub.items:
            src.setdefault(item, name)
    missing = [i for i in instrument.item_ids if i not in src]
    if missing:
        holders = [n for n, s in instrument.subscales.items() if missing[0] in s.items]
        raise InputError(
            f"latent_scores: no column for item {missing[0]!r} of {instrument.id!r}; "
            f"expected a column named after one of its subscales {holders}"
        )
    return src


def _per_subscale(value: Any, names: Sequence[str], what: str) -> dict[str, float]:
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise InputError(
                f"{what}: unknown subscale {unknown[0]!r}; expected one of {list(names)}"
            )
        return {n: float(value.get(n, 0.8 if what == "reliability" else np.nan)) for n in names}
    return dict.fromkeys(names, float(value))


def simulate_items(
    latent_scores: pd.DataFrame,
    instrument: Any,
    *,
    reliability: float | Mapping[str, float] = 0.8,
    loading: float | Mapping[str, float] | None = None,
    missing: float = 0.0,
    keep: Sequence[str] | None = None,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Integer item responses on an instrument's scale generated from latent scores.

    Each item follows a one-factor model on the latent score of the (smallest) subscale
    holding it: ``y* = loading * z(theta) + sqrt(1 - loading^2) * noise``, cut into the
    response categories around an item-specific location (slightly above the scale
    midpoint); reverse-keyed items are then reversed (``min + max - x``), so scoring them
    back recovers the latent ordering. ``reliability`` is the target Cronbach's alpha of
    the subscale (parallel items), converted to a loading with a small correction for the
    coarsening into categories.

    Parameters
    ----------
    latent_scores : DataFrame
        Columns named after subscales of the instrument (e.g. ``perceived_acceptance``);
        other columns are ignored except id columns (``person, couple, dyad, role, gender,
        wave``, or ``keep``), which are carried through. Missing latent -> missing items.
    instrument : id, path or Instrument
    reliability : float or {subscale: float}
        Target alpha (0-1) of each generating subscale.
    loading : float or {subscale: float}, optional
        Standardised item loading instead of ``reliability``.
    missing : float
        Share of item cells set missing completely at random.
    keep : list of str, optional
        Columns to carry through (default: the id columns present).
    seed : int or numpy Generator

    Returns
    -------
    DataFrame
        Id columns then one nullable-integer column per item (instrument order).

    Examples
    --------
    >>> lat = pd.DataFrame({"person": [1, 2, 3], "satisfaction": [-1.0, 0.0, 1.5]})
    >>> items = simulate_items(lat, "relationship-satisfaction", seed=1)
    >>> items.columns.tolist()[:3]
    ['person', 'sat1', 'sat2']
    """
    check_finite(reliability=reliability, loading=loading, missing=missing)
    from .instruments import load_instrument

    inst = load_instrument(instrument)
    if not isinstance(latent_scores, pd.DataFrame):
        raise InputError("latent_scores: expected a DataFrame with one column per subscale")
    if not 0 <= float(missing) < 1:
        raise InputError(f"missing={missing!r}: expected a share between 0 and 1")
    rng = _rng(seed)
    src = _item_sources(inst, list(latent_scores.columns))
    used = sorted(set(src.values()))
    if loading is not None:
        lam = _per_subscale(loading, used, "loading")
        bad = {k: v for k, v in lam.items() if not 0 < v < 1}
    else:
        rel = _per_subscale(reliability, used, "reliability")
        bad = {k: v for k, v in rel.items() if not 0 < v < 1}
        lam = {}
    if bad:
        k, v = next(iter(bad.items()))
        raise InputError(
            f"{'loading' if loading is not None else 'reliability'} of {k!r} = {v}: expected 0 < value < 1"
        )
    lo, hi = inst.scale_min, inst.scale_max
    spread = (hi - lo) / 5.0  # categories per latent SD
    atten = spread**2 / (spread**2 + 1 / 12)  # item correlation lost to rounding
    if loading is None:
        for name in used:
            k = len([i for i, s in src.items() if s == name])
            a = rel[name]
            r_item = a / (k - (k - 1) * a) if k > 1 else a
            lam[name] = float(np.sqrt(min(r_item / atten, 0.95)))

    n = len(latent_scores)
    theta = {}
    for name in used:
        col = pd.to_numeric(latent_scores[name], errors="coerce").to_numpy(dtype=float)
        sd = np.nanstd(col)
        theta[name] = (col - np.nanmean(col)) / (sd if sd > 0 else 1.0)
    items = inst.item_ids
    th = np.column_stack([theta[src[i]] for i in items])  # (n, k)
    lm = np.array([lam[src[i]] for i in items])
    ystar = lm * th + np.sqrt(1 - lm**2) * rng.standard_normal((n, len(items)))
    location = (lo + hi) / 2 + spread * (0.4 + rng.uniform(-0.35, 0.35, len(items)))
    raw = np.clip(np.rint(location + spread * ystar), lo, hi)
    rev = np.array([inst.item(i).reverse for i in items])
    raw[:, rev] = lo + hi - raw[:, rev]
    if missing > 0:
        raw[rng.random(raw.shape) < missing] = np.nan
    ids = list(keep) if keep is not None else [c for c in ID_COLUMNS if c in latent_scores.columns]
    absent = [c for c in ids if c not in latent_scores.columns]
    if absent:
        raise InputError(f"keep: column {absent[0]!r} is not in latent_scores")
    out = latent_scores[ids].reset_index(drop=True).copy()
    block = pd.DataFrame(raw, columns=items).astype("Int64")
    out = pd.concat([out, block], axis=1)
    out.index = latent_scores.index
    out.attrs["simulation"] = {
        "instrument": inst.id,
        "loading": {k: round(v, 4) for k, v in lam.items()},
        "missing": float(missing),
    }
    return out
