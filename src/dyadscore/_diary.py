"""The daily-diary APIM: the two-intercept dyadic multilevel model (equal to ``nlme::lme``).

For person i (role r) of couple c on day t, with partner j::

    y_ict = b0_r + aW_r x_w,ict + pW_r x_w,jct + aB_r x_b,ic + pB_r x_b,jc + u_rc + e_ict

``x_w`` is the person-mean-centred daily predictor (within-person part), ``x_b`` the
grand-mean-centred person mean (between-person part); actor effects use the person's own
values, partner effects the partner's. The partners' random intercepts ``u_rc`` (optionally
with random within-person actor slopes) are correlated within the couple, the residual SD
differs by role and the two partners' residuals on the same day correlate ``rho``
(Kenny, Kashy & Cook, 2006, ch. 13; Bolger & Laurenceau, 2013, ch. 8; Lafit et al., 2022).

Preparation (done for the user and reported in ``result.centring``): the grand mean of
``x`` over all observed person-days; each person's mean over his or her observed days;
``x_b`` = person mean - grand mean; ``x_w`` = x - person mean; the partner's ``x_w`` on the
same day and the partner's ``x_b``. A person-day enters the model only when the outcome,
both ``x_w`` and both ``x_b`` are present, i.e. when **both** partners reported that day.

The fit is the block-structured engine of :mod:`dyadscore._lme` (per-couple Woodbury
identities, beta and sigma profiled out); it reproduces ``nlme::lme`` to the precision of
nlme's own optimiser (see ``tests/oracle/diary``).

Examples
--------
>>> import dyadscore as ds
>>> df = ds.simulate_diary(n_couples=40, n_days=14, seed=1)
>>> res = ds.diary_apim(df, x="x", y="y", dyad="couple", role="role", time="day")
>>> res.effects.query("effect == 'actor_within'")[["role", "estimate"]].round(1)
     role  estimate
2  female       0.3
3    male       0.3
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from ._lme import LMEFit, containment_df, fit_lme
from .catalogue import Texts, check_lang
from .dyads import _numeric, _require_columns
from .errors import InputError, _file_name_as_source, input_name
from .results import (
    Result,
    effects_lines,
    effects_table,
    format_number,
    format_p_eq,
    jsonable,
    matrix_dict,
)

__all__ = ["diary_apim", "DiaryAPIMResult", "simulate_diary", "power_diary", "diary_book_model"]

_EFFECTS = ("actor_within", "partner_within", "actor_between", "partner_between")
_COLS = {
    "actor_within": "x_w",
    "partner_within": "x_w_partner",
    "actor_between": "x_b",
    "partner_between": "x_b_partner",
}


# --------------------------------------------------------------------------------------
# preparation
# --------------------------------------------------------------------------------------


def _label(v: Any) -> str:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _reml_or_ml(method: Any) -> str:
    """``"REML"`` or ``"ML"`` (any case); anything else is one worded error."""
    method = str(method).upper()
    if method not in ("REML", "ML"):
        raise InputError(f"method {method!r}: expected REML or ML")
    return method


def _first(mask: Any) -> int:
    """Position of the first True of a boolean array or Series."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def _numbers(data: pd.DataFrame, col: str, src: str, what: str) -> pd.Series:
    """``data[col]`` as numbers; the first non-number is one worded error."""
    num = pd.to_numeric(data[col], errors="coerce")
    bad = num.isna().to_numpy()
    if bad.any():
        pos = _first(bad)
        raise InputError(
            f"{src}: row {pos + 1}, column {col!r}, value {_label(data[col].iloc[pos])!r}: "
            f"expected {what}"
        )
    return num


def _too_many(d: pd.DataFrame, by: str | list[str], col: str, limit: int) -> tuple[Any, int]:
    """The first group of ``by`` with more than ``limit`` values of ``col`` and its first
    row position, or ``(None, -1)``."""
    n = d.groupby(by, sort=False)[col].nunique()
    over = n.to_numpy() > limit
    if not over.any():
        return None, -1
    key = n.index[np.argmax(over)]
    keys = key if isinstance(by, list) else (key,)
    cols = by if isinstance(by, list) else [by]
    rows = np.logical_and.reduce([(d[c] == k).to_numpy() for c, k in zip(cols, keys, strict=True)])
    return key, _first(rows)


def prepare_diary(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    roles: Sequence[str] | None = None,
    dyad: str = "couple",
    role: str | None = "role",
    person: str | None = None,
    time: str = "day",
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Person-mean centring and partner columns exactly as ``diary/README.md`` (steps 1-9).

    Returns the prepared rows (every input row, in input order, with ``member`` 0/1,
    ``x_pm``, ``x_b``, ``x_w``, ``x_w_partner``, ``x_b_partner``, ``used``), the centring
    report and a list of warnings.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"couple": [1, 1, 1, 1], "role": ["f", "m", "f", "m"],
    ...                    "day": [1, 1, 2, 2], "x": [1.0, 2.0, 3.0, 6.0], "y": [0, 1, 2, 3]})
    >>> prep, info, _ = prepare_diary(df, x="x", y="y")
    >>> prep[["x_w", "x_w_partner", "x_b", "x_b_partner"]].to_numpy().tolist()[0]
    [-1.0, -2.0, -1.0, 1.0]
    """
    src = input_name("input")
    if role is None and person is None:
        raise InputError(
            f"{src}: indistinguishable partners (no role column) need a person column "
            "to tell the two partners apart"
        )
    cols = [dyad, time, x, y] + [c for c in (role, person) if c]
    _require_columns(data, cols)
    if x == y:
        raise InputError(f"{src}: column {x!r} is both the predictor and the outcome")
    vals = _numeric(data, [x, y])
    t_num = _numbers(data, time, src, "a number (day or occasion)")
    for col in [dyad] + [c for c in (role, person) if c]:
        miss = data[col].isna().to_numpy()
        if miss.any():
            raise InputError(f"{src}: row {_first(miss) + 1}, column {col!r}: value is empty")
    d = pd.DataFrame(
        {
            "couple": data[dyad].to_numpy(),
            "day": t_num.to_numpy(dtype=float),
            "x": vals[:, 0],
            "y": vals[:, 1],
        }
    )
    warn: list[str] = []
    if role is not None:
        d["role"] = (
            data[role].astype(str).to_numpy()
            if data[role].dtype == object
            else data[role].to_numpy()
        )
        present = sorted(pd.unique(d["role"]), key=str)
        if roles is not None:
            order = list(roles)
            extra = [r for r in present if r not in order]
            if len(order) != 2:
                raise InputError(
                    f"{src}: roles {', '.join(map(_label, order))}: expected exactly two roles"
                )
            if extra:
                pos = _first(d["role"] == extra[0])
                raise InputError(
                    f"{src}: row {pos + 1}, column {role!r}, value {_label(extra[0])!r}: "
                    f"expected one of the roles {', '.join(map(_label, order))}"
                )
        else:
            order = present
        if len(order) != 2:
            raise InputError(
                f"{src}: column {role!r} has {len(order)} different values "
                f"({', '.join(map(_label, order[:5]))}); expected exactly two roles"
            )
        d["member"] = (d["role"] == order[1]).astype(int).to_numpy()
        d["person"] = data[person].to_numpy() if person else None
        if person is None:
            d["person"] = d["couple"].astype(str) + "/" + d["role"].astype(str)
    else:
        d["person"] = data[person].to_numpy()
        order = None
    # a person belongs to one couple (and has one role); a couple has two persons (one per role)
    p0, pos = _too_many(d, "person", "couple", 1)
    if pos >= 0:
        raise InputError(
            f"{src}: row {pos + 1}, column {person!r}, value {_label(p0)!r}: "
            "expected each person in one couple only"
        )
    both_ids = role is not None and person is not None
    p0, pos = _too_many(d, "person", "role", 1) if both_ids else (None, -1)
    if pos >= 0:
        raise InputError(
            f"{src}: row {pos + 1}, column {role!r}, person {_label(p0)!r}: "
            "expected one role per person"
        )
    npc = d.groupby("couple", sort=False)["person"].nunique()
    c0, pos = _too_many(d, "couple", "person", 2)
    if pos >= 0:
        raise InputError(
            f"{src}: row {pos + 1}, column {dyad!r}, value {_label(c0)!r}: "
            f"expected two partners per couple, found {int(npc[c0])} persons"
        )
    if role is not None:
        cr, pos = _too_many(d, ["couple", "role"], "person", 1)
        if pos >= 0:
            raise InputError(
                f"{src}: row {pos + 1}, column {role!r}, value {_label(cr[1])!r}: "
                f"couple {_label(cr[0])} has two persons with this role; expected one per role"
            )
    else:
        # member 0/1 by the order of the person ids within the couple
        first = d.groupby("couple", sort=False)["person"].transform(lambda s: sorted(s, key=str)[0])
        d["member"] = (d["person"] != first).astype(int).to_numpy()
        d["role"] = np.where(d["member"] == 0, "partner 1", "partner 2")
    dup = d.duplicated(["person", "day"], keep="first").to_numpy()
    if dup.any():
        pos = _first(dup)
        raise InputError(
            f"{src}: row {pos + 1}, column {time!r}, value {_label(d['day'].iloc[pos])!r}: "
            f"person {_label(d['person'].iloc[pos])} has this day twice; expected one row "
            "per person per day"
        )
    # steps 1-6
    xobs = ~np.isnan(d["x"].to_numpy())
    if not xobs.any():
        raise InputError(f"{src}: column {x!r} has no observed values")
    x_gm = float(np.mean(d["x"].to_numpy()[xobs]))
    grp = d.groupby("person", sort=False)["x"]
    d["x_pm"] = grp.transform("mean")
    d["x_b"] = d["x_pm"] - x_gm
    d["x_w"] = d["x"] - d["x_pm"]
    key = pd.MultiIndex.from_arrays([d["couple"], d["day"], d["member"]])
    pkey = pd.MultiIndex.from_arrays([d["couple"], d["day"], 1 - d["member"]])
    xw = pd.Series(d["x_w"].to_numpy(), index=key)
    d["x_w_partner"] = xw.reindex(pkey).to_numpy()
    pers = d.drop_duplicates(["couple", "member"])[["couple", "member", "x_b"]]
    pb = pd.Series(
        pers["x_b"].to_numpy(), index=pd.MultiIndex.from_arrays([pers["couple"], pers["member"]])
    )
    d["x_b_partner"] = pb.reindex(
        pd.MultiIndex.from_arrays([d["couple"], 1 - d["member"]])
    ).to_numpy()
    need = ["y", "x_w", "x_w_partner", "x_b", "x_b_partner"]
    d["used"] = d[need].notna().all(axis=1).to_numpy()
    # reports and warnings
    n_days = d.assign(obs=xobs).groupby("person", sort=False)["obs"].sum()
    one = n_days[n_days == 1]
    if len(one):
        warn.append(
            f"{len(one)} person(s) reported x on one day only (e.g. person "
            f"{_label(one.index[0])}): their within-person deviation is 0 by construction"
        )
    single = npc[npc < 2]
    if len(single):
        warn.append(
            f"{len(single)} couple(s) with one partner only (e.g. couple "
            f"{_label(single.index[0])}) left out: the model needs both partners"
        )
    both = d.groupby("couple", sort=False)["used"].sum()
    never = both[(both == 0) & ~both.index.isin(single.index)]
    if len(never):
        warn.append(
            f"{len(never)} couple(s) whose partners never reported on the same day (e.g. "
            f"couple {_label(never.index[0])}) left out: partner effects need both partners' "
            "reports of a day"
        )
    persons = (
        d.groupby("person", sort=False)
        .agg(couple=("couple", "first"), role=("role", "first"), x_mean=("x", "mean"))
        .reset_index()
    )
    persons["n_days_x"] = n_days.to_numpy()
    persons["x_b"] = persons["x_mean"] - x_gm
    info = {
        "x": x,
        "y": y,
        "grand_mean": x_gm,
        "roles": list(order) if order is not None else None,
        "n_rows": int(len(d)),
        "n_rows_used": int(d["used"].sum()),
        "persons": persons,
        "steps": [
            f"grand mean of {x} over all observed person-days = {x_gm:.6g}",
            f"person mean of {x} over the person's observed days",
            "x_b = person mean - grand mean (between-person part, every row of the person)",
            f"x_w = {x} - person mean (within-person part)",
            "x_w_partner = the partner's x_w on the same day; x_b_partner = the partner's x_b",
            "a person-day is used when y, x_w, x_w_partner, x_b and x_b_partner are present "
            "(both partners reported that day)",
        ],
    }
    return d, info, warn


# --------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------


class _PanelAPIM:
    """What the diary and the over-time APIM results share (``effects``, ``residual``,
    ``fit``, ``vcov``, ``info``): ``conf_int``, the effects and fit lines of the summary,
    the repr and the HTML tables."""

    _repr_keys: tuple[str, ...] = ("n_couples", "n_obs", "method")
    _html_fields = ("effects",)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of the fixed effects (t on the model's df), as nlme's
        ``intervals()``.

        Examples
        --------
        >>> import dyadscore as ds
        >>> r = ds.diary_apim(ds.simulate_diary(n_couples=30, n_days=10, seed=2), x="x", y="y")
        >>> list(r.conf_int().columns)
        ['effect', 'role', 'estimate', 'ci_low', 'ci_high']
        """
        e = self.effects
        q = stats.t.ppf(0.5 + level / 2, e["df"])
        out = e[["effect", "role", "estimate"]].copy()
        se = np.sqrt(np.diag(self.vcov.to_numpy()))
        out["ci_low"] = e["estimate"] - q * se
        out["ci_high"] = e["estimate"] + q * se
        return out

    def _effect_lines(self, lang: str, names: dict[str, str]) -> list[str]:
        return effects_lines(self.effects, lang, names=names)

    def _residual_sds(self, lang: str) -> str:
        sds = self.residual["sd_by_role"].items()
        return ", ".join(f"{k} {format_number(v, 3, lang)}" for k, v in sds)

    def _ic_line(self, lang: str) -> str:
        f = self.fit
        return (
            f"logLik = {format_number(f['loglik'], 3, lang)}, AIC = "
            f"{format_number(f['aic'], 2, lang)}, BIC = {format_number(f['bic'], 2, lang)}"
        )

    def _repr_fields(self) -> dict[str, Any]:
        return {"y": self.info.get("y"), **{k: self.fit.get(k) for k in self._repr_keys}}


def _pair_residual(sigma2: float, lam: float, rho: float, roles: Sequence[str]) -> dict:
    """Residual SDs per role, their variances, correlation and covariance of a pair model."""
    sig = math.sqrt(sigma2)
    sd_role = {roles[0]: sig, roles[1]: sig * lam}
    return {
        "sd_by_role": sd_role,
        "var_by_role": {k: v**2 for k, v in sd_role.items()},
        "correlation": rho,
        "covariance": rho * sd_role[roles[0]] * sd_role[roles[1]],
    }


def _info_criteria(loglik: float, k: int, n: int, p: int, reml: bool) -> dict:
    """logLik, its df and N, AIC, BIC (nlme: N - p observations under REML) and n_obs."""
    nobs_ll = n - p if reml else n
    return {
        "loglik": loglik,
        "df_loglik": int(k),
        "nobs_loglik": int(nobs_ll),
        "aic": -2 * loglik + 2 * k,
        "bic": -2 * loglik + k * math.log(nobs_ll),
        "n_obs": int(n),
    }


@dataclass(repr=False)
class DiaryAPIMResult(_PanelAPIM, Result):
    """Result of :func:`diary_apim`.

    Attributes
    ----------
    effects : DataFrame
        effect (intercept, actor_within, partner_within, actor_between, partner_between),
        role, estimate, se, ci_low, ci_high, statistic (t), df (nlme's containment df), p,
        term (nlme's coefficient name).
    random_effects : dict
        ``sd`` (Series), ``corr`` and ``cov`` (DataFrames) of the random effects per couple.
    residual : dict
        sd_by_role, correlation (same day, between partners), covariance, sigma and the
        reference role of nlme's varIdent.
    fit : dict
        loglik, df_loglik, nobs_loglik, aic, bic, n_obs, n_couples, n_obs_by_role, method,
        random, distinguishable, converged, gradient.
    centring : dict
        grand_mean, steps (in words) and ``persons`` (person means and between parts).
    blups : DataFrame
        E(u | y) per couple (``ranef``).
    distinguishability : dict or None
        LR test (ML) of the distinguishable against the indistinguishable model.
    vcov : DataFrame
        Covariance matrix of the fixed effects.
    data : DataFrame
        The prepared rows (every input row, with the derived columns and ``used``).
    warnings : list of str

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = ds.simulate_diary(30, n_days=10, seed=2)
    >>> res = ds.diary_apim(df, x="x", y="y")
    >>> type(res).__name__, "actor_within" in set(res.effects["effect"])
    ('DiaryAPIMResult', True)
    """

    effects: pd.DataFrame
    random_effects: dict
    residual: dict
    fit: dict
    centring: dict
    blups: pd.DataFrame
    distinguishability: dict | None
    vcov: pd.DataFrame
    data: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def summary(self, lang: str = "en") -> str:
        """Readable report in English (``"en"``) or Dutch (``"nl"``)."""
        check_lang(lang)
        T = _TEXT[lang]
        f, info = self.fit, self.info
        kind = T["dist"] if f["distinguishable"] else T["indist"]
        lines = [
            T["title"].format(kind=kind, y=info.get("y"), x=info.get("x")),
            T["est"].format(
                method=f["method"],
                rand=T["rs"] if f["random"] == "slope" else T["ri"],
                nc=f["n_couples"],
                n=f["n_obs"],
                nr=self.centring.get("n_rows", f["n_obs"]),
            ),
            T["centring"].format(gm=format_number(self.centring["grand_mean"], 3, lang)),
            "",
            *self._effect_lines(lang, T["names"]),
        ]
        re = self.random_effects
        sds = ", ".join(f"{k} {format_number(v, 3, lang)}" for k, v in re["sd"].items())
        lines += ["", T["re"].format(sds=sds)]
        corr = re["corr"].to_numpy()
        names = list(re["corr"].columns)
        pairs = [
            f"{names[i]}~{names[j]} {format_number(corr[i, j], 3, lang)}"
            for i in range(len(names))
            for j in range(i + 1, len(names))
        ]
        if pairs:
            lines.append(T["recorr"].format(c="; ".join(pairs)))
        rs = self.residual
        resid = T["resid_ar1"] if "structure" in rs else T["resid"]  # the book's corAR1 model
        r = format_number(rs["correlation"], 3, lang)
        lines += [resid.format(sd=self._residual_sds(lang), r=r), self._ic_line(lang)]
        if self.distinguishability:
            dd = self.distinguishability
            lines += [
                "",
                T["distg"].format(
                    df=dd["df"], chisq=format_number(dd["chisq"], 2, lang), p=format_p_eq(dd["p"])
                ),
            ]
        lines += ["", T["note"]]
        for w in self.warnings:
            lines.append(T["warn"] + w)
        return "\n".join(lines)

    def plot(self, ax: Any = None, lang: str = "en") -> Any:
        """Within-person actor and partner slopes per role (matplotlib Axes).

        Predicted outcome against a person's (actor) or the partner's (partner) daily
        deviation from the usual level, over +-2 SD of the within-person deviations, at
        average between-person levels.
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 4))
        T = _TEXT.get(lang, _TEXT["en"])
        used = self.data[self.data["used"]]
        sd = float(used["x_w"].std()) or 1.0
        grid = np.linspace(-2 * sd, 2 * sd, 50)
        e = self.effects.set_index(["effect", self.effects["role"].fillna("all")])
        roles = list(dict.fromkeys(self.effects["role"].fillna("all")))
        colors = ["tab:red", "tab:blue", "tab:green"]
        for k, role in enumerate(roles):
            b0 = e.loc[("intercept", role), "estimate"]
            for eff, style in (("actor_within", "-"), ("partner_within", "--")):
                b = e.loc[(eff, role), "estimate"]
                lab = T["names"][eff] + ("" if role == "all" else f" ({role})")
                ax.plot(grid, b0 + b * grid, style, color=colors[k % 3], label=lab)
        ax.axvline(0, color="grey", linewidth=0.6)
        ax.set_xlabel(T["xlab"].format(x=self.info.get("x")))
        ax.set_ylabel(T["ylab"].format(y=self.info.get("y")))
        ax.set_title(T["ptitle"])
        ax.legend(fontsize=8)
        return ax

    _dict_fields = (
        "model=info",
        "effects",
        "random_effects",
        "residual",
        "fit",
        "centring",
        "blups",
        "distinguishability",
        "vcov",
        "warnings",
    )

    def to_dict(self) -> dict:
        """JSON-safe dictionary of every table and number."""
        out = super().to_dict()
        re = self.random_effects
        mats = {k: jsonable(matrix_dict(re[k])) for k in ("corr", "cov")}
        out["random_effects"] = {"sd": jsonable(re["sd"]), **mats}
        return out


_TEXT = Texts("diary")  # strings/diary.yaml


# --------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------


def _design(u: pd.DataFrame, distinguishable: bool, random: str, roles: list[str]):
    f = (u["member"] == 0).to_numpy(float)
    m = 1.0 - f
    cols, names = [], []
    if distinguishable:
        for eff in ("intercept", *_EFFECTS):
            for k, (ind, r) in enumerate(((f, roles[0]), (m, roles[1]))):
                del k
                if eff == "intercept":
                    cols.append(ind)
                    names.append(("intercept", r, f"role{r}"))
                else:
                    cols.append(ind * u[_COLS[eff]].to_numpy())
                    names.append((eff, r, f"role{r}:{_COLS[eff]}"))
    else:
        cols.append(np.ones(len(u)))
        names.append(("intercept", None, "(Intercept)"))
        for eff in _EFFECTS:
            cols.append(u[_COLS[eff]].to_numpy())
            names.append((eff, None, _COLS[eff]))
    X = np.column_stack(cols)
    zc = [f, m]
    zn = [f"role{roles[0]}", f"role{roles[1]}"]
    if random == "slope":
        zc += [f * u["x_w"].to_numpy(), m * u["x_w"].to_numpy()]
        zn += [f"role{roles[0]}:x_w", f"role{roles[1]}:x_w"]
    return X, names, np.column_stack(zc), zn


class _Fitted(NamedTuple):
    """A fitted diary model with its design, the rows it used and its options."""

    fit: LMEFit
    X: np.ndarray
    names: list  # (effect, role, nlme term) per column of X
    zn: list  # names of the random effects
    uniq: np.ndarray  # couple ids in code order
    u: pd.DataFrame  # the used rows, sorted by couple
    distinguishable: bool
    random: str
    roles: list[str]


def _fit_prepared(
    u: pd.DataFrame,
    *,
    distinguishable: bool,
    random: str,
    reml: bool,
    roles: list[str],
) -> _Fitted:
    X, names, Z, zn = _design(u, distinguishable, random, roles)
    codes, uniq = pd.factorize(u["couple"], sort=True)
    occ, _ = pd.factorize(u["day"], sort=True)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(
            f"{input_name('input')}: the fixed effects cannot all be estimated (a predictor is "
            "constant or two are identical in the used rows); need variation in the within "
            "and between parts"
        )
    pairs = {"member": u["member"].to_numpy().astype(int), "occasion": occ}
    cov = "chol" if distinguishable else "cs"
    y = u["y"].to_numpy()
    fit = fit_lme(X, y, Z, codes, reml=reml, hetero=distinguishable, cov=cov, **pairs)
    return _Fitted(fit, X, names, zn, uniq, u, distinguishable, random, roles)


@_file_name_as_source
def diary_apim(
    data: pd.DataFrame,
    x: str,
    y: str,
    dyad: str = "couple",
    role: str | None = "role",
    person: str | None = None,
    time: str = "day",
    random: str = "intercept",
    method: str = "REML",
    *,
    roles: Sequence[str] | None = None,
    distinguishable: bool | None = None,
    test_distinguishability: bool = True,
    level: float = 0.95,
) -> DiaryAPIMResult:
    """Fit the daily-diary APIM (two-intercept dyadic multilevel model) as ``nlme::lme``.

    Parameters
    ----------
    data : DataFrame
        One row per person per day (missed days may be present with empty x and y).
    x, y : str
        Daily predictor (split into within- and between-person parts for you) and outcome.
    dyad : str
        Couple id column.
    role : str or None
        Role column (distinguishable partners, e.g. gender). ``None``: indistinguishable
        partners, told apart by ``person``.
    person : str, optional
        Person id column (needed when ``role`` is None).
    time : str
        Day (or occasion) number; must be numeric.
    random : {"intercept", "slope"}
        Random intercepts per partner, or also random within-person actor slopes
        (distinguishable partners only).
    method : {"REML", "ML"}
        Estimation. nlme's conventions: with ML, ``se``, ``statistic`` and ``p`` are those
        of ``summary(lme)`` (standard errors times sqrt(N / (N - p))), while ``vcov`` and
        the confidence intervals are those of ``vcov(lme)`` and ``intervals(lme)``
        (unscaled). With REML all agree.
    roles : sequence of two str, optional
        Role order (default: sorted labels; the first is listed first).
    distinguishable : bool, optional
        Default: True when ``role`` is given. False fits the indistinguishable model
        (``pdCompSymm`` random intercepts, one residual SD) and uses ``role`` as a label.
    test_distinguishability : bool
        For distinguishable random-intercept models: refit both models by ML and report
        the likelihood-ratio test (df = 7).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DiaryAPIMResult

    Notes
    -----
    In R: ``nlme::lme(y ~ 0 + role + role:x_w + role:x_w_partner + role:x_b + role:x_b_partner,
    random = ~ 0 + role | couple, weights = varIdent(form = ~ 1 | role),
    correlation = corCompSymm(form = ~ 1 | couple/day), data = d, method = "REML")``.

    In R::

        nlme::lme(y ~ 0 + role + role:x_w + role:x_w_partner + role:x_b + role:x_b_partner,
                  random = ~ 0 + role | couple, weights = varIdent(form = ~ 1 | role),
                  correlation = corCompSymm(form = ~ 1 | couple/day), data = d_used)

    with ``random = ~ 0 + role + role:x_w | couple`` for random slopes, and for
    indistinguishable partners ``lme(y ~ x_w + x_w_partner + x_b + x_b_partner,
    random = list(couple = pdCompSymm(~ 0 + role)), correlation = corCompSymm(form = ~ 1 |
    couple/day))``.

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = ds.simulate_diary(n_couples=30, n_days=10, seed=4)
    >>> res = ds.diary_apim(df, x="x", y="y", role=None, person="person")
    >>> res.fit["df_loglik"], res.fit["distinguishable"]
    (9, False)
    """
    if random not in ("intercept", "slope"):
        raise InputError(f"random {random!r}: expected intercept or slope")
    method = _reml_or_ml(method)
    if distinguishable is None:
        distinguishable = role is not None
    if distinguishable and role is None:
        raise InputError("distinguishable partners need a role column")
    if not distinguishable and random == "slope":
        raise InputError(
            "random slopes are available for distinguishable partners only (give a role column)"
        )
    prep, cinfo, warn = prepare_diary(
        data, x=x, y=y, dyad=dyad, role=role, person=person, time=time, roles=roles
    )
    u = prep[prep["used"]].sort_values("couple", kind="stable").reset_index(drop=True)
    role_names = cinfo["roles"] or ["partner 1", "partner 2"]
    n_c = int(u["couple"].nunique())
    q = 4 if random == "slope" else 2
    n_cov = q * (q + 1) // 2 if distinguishable else 2
    src = input_name("input")
    if n_c <= n_cov:
        raise InputError(
            f"{src}: {n_c} couple(s) with days on which both partners reported; the "
            f"{'random-slope' if random == 'slope' else 'random-intercept'} model has {n_cov} "
            f"random-effect (co)variances and needs at least {n_cov + 1} couples"
        )
    reml = method == "REML"
    opts = {"random": random, "roles": role_names}
    fitted = _fit_prepared(u, distinguishable=distinguishable, reml=reml, **opts)
    fit, zn = fitted.fit, fitted.zn
    sd_rel = np.sqrt(np.maximum(np.diag(fit.M), 0.0))
    if (sd_rel < 1e-3).any():
        warn.append(
            "a random-effect SD is estimated at (nearly) zero ("
            + ", ".join(z for z, v in zip(zn, sd_rel, strict=True) if v < 1e-3)
            + "): the data show no variation between couples there (a boundary estimate)"
        )
    if abs(fit.rho) > 0.999:
        warn.append(
            f"the same-day residual correlation is at its boundary ({fit.rho:.3f}): the model "
            "is not identified by these data (too few days or couples for its structure)"
        )
    if not fit.converged:
        warn.append(
            f"the optimiser did not converge (largest gradient {fit.grad_norm:.2g}); "
            "estimates may be inaccurate"
        )
    dist_test = None
    if distinguishable and random == "intercept" and test_distinguishability:
        f_ml = _fit_prepared(u, distinguishable=True, reml=False, **opts).fit if reml else fit
        i_ml = _fit_prepared(u, distinguishable=False, reml=False, **opts).fit
        df_lr = (f_ml.p + f_ml.n_var) - (i_ml.p + i_ml.n_var)
        chisq = max(2 * (f_ml.loglik - i_ml.loglik), 0.0)
        dist_test = {
            "chisq": chisq,
            "df": int(df_lr),
            "p": float(stats.chi2.sf(chisq, df_lr)),
            "loglik_distinguishable": f_ml.loglik,
            "loglik_indistinguishable": i_ml.loglik,
        }
    res = _assemble(fitted, prep, cinfo, warn, level)
    res.distinguishability = dist_test
    for w in warn:
        warnings.warn(w, UserWarning, stacklevel=2)
    return res


def _assemble(
    fitted: _Fitted, prep: pd.DataFrame, cinfo: dict, warn: list[str], level: float
) -> DiaryAPIMResult:
    fit, X, names, zn, uniq, u, distinguishable, random, roles = fitted
    method = "REML" if fit.reml else "ML"
    codes, _ = pd.factorize(u["couple"], sort=True)
    n, p = fit.n_obs, fit.p
    # nlme: vcov() and intervals() use sigma^2 (X'V^-1X)^-1; summary() (adjustSigma = TRUE)
    # multiplies the ML standard errors by sqrt(N / (N - p)) for its t tests.
    vc = fit.vcov
    se_raw = np.sqrt(np.diag(vc))
    se = se_raw * (1.0 if fit.reml else math.sqrt(n / (n - p)))
    effect, role, terms = (list(c) for c in zip(*names, strict=True))
    eff = effects_table(
        fit.beta,
        se,
        containment_df(X, codes),
        level=level,
        ci_se=se_raw,
        labels={"effect": effect, "role": role},
        extra={"term": terms},
    )
    D = fit.D
    sd = np.sqrt(np.diag(D))
    with np.errstate(all="ignore"):
        corr = D / np.outer(sd, sd)
    re = {
        "sd": pd.Series(sd, index=zn),
        "corr": pd.DataFrame(corr, index=zn, columns=zn),
        "cov": pd.DataFrame(D, index=zn, columns=zn),
    }
    resid = _pair_residual(fit.sigma2, fit.lam, fit.rho, roles)
    ref = roles[int(u["member"].iloc[0])]
    resid.update(varIdent_reference_level=ref, sigma=resid["sd_by_role"][ref])
    nbr = u.groupby("role", sort=False).size()
    fitd = {
        **_info_criteria(fit.loglik, fit.p + fit.n_var, n, p, fit.reml),
        "n_couples": int(len(uniq)),
        "n_obs_by_role": {str(r): int(nbr.get(r, 0)) for r in roles} if distinguishable else {},
        "n_fixed": int(p),
        "method": method,
        "random": random,
        "distinguishable": bool(distinguishable),
        "converged": bool(fit.converged),
        "gradient": float(fit.grad_norm),
    }
    bl = pd.DataFrame(fit.blups, columns=zn)
    bl.insert(0, "couple", np.asarray(uniq))
    return DiaryAPIMResult(
        effects=eff,
        random_effects=re,
        residual=resid,
        fit=fitd,
        centring={k: v for k, v in cinfo.items() if k not in ("x", "y", "roles")},
        blups=bl,
        distinguishability=None,
        vcov=pd.DataFrame(vc, index=terms, columns=terms),
        data=prep,
        warnings=list(warn),
        info={"x": cinfo["x"], "y": cinfo["y"], "roles": roles},
    )


# --------------------------------------------------------------------------------------
# simulation and Monte Carlo power
# --------------------------------------------------------------------------------------

_DEFAULTS = {
    "intercept": (3.25, 3.05),
    "actor_within": (0.30, 0.28),
    "partner_within": (0.12, 0.14),
    "actor_between": (0.60, 0.35),
    "partner_between": (0.10, 0.15),
    "sd_intercept": (0.60, 0.65),
    "corr_intercept": 0.45,
    "sd_resid": (0.85, 0.95),
    "corr_resid": 0.30,
    "x_mean": 4.85,
    "sd_x_between": 0.60,
    "corr_x_between": 0.30,
    "sd_x_within": 0.90,
    "corr_x_within": 0.20,
}


def _pair(v: Any) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    return np.array([float(a), float(a)]) if a.ndim == 0 else a.reshape(2)


def _sim_arrays(rng, R: int, C: int, T: int, par: dict, p_missing: float):
    """x, y, observed mask, each (R, C, T, 2) (last axis: role 1, role 2)."""
    g = par

    def mvn(cov: np.ndarray, shape: tuple) -> np.ndarray:
        Lc = np.linalg.cholesky(cov + 1e-300 * np.eye(2)) if np.all(np.diag(cov) > 0) else None
        z = rng.standard_normal((*shape, 2))
        if Lc is None:
            return z * np.sqrt(np.diag(cov))
        return z @ Lc.T

    cb = np.array([[1, g["corr_x_between"]], [g["corr_x_between"], 1]]) * g["sd_x_between"] ** 2
    cw = np.array([[1, g["corr_x_within"]], [g["corr_x_within"], 1]]) * g["sd_x_within"] ** 2
    b = mvn(cb, (R, C))[:, :, None, :]
    w = mvn(cw, (R, C, T))
    x = g["x_mean"] + b + w
    pm = x.mean(axis=2, keepdims=True)
    xw, xb = x - pm, pm - g["x_mean"]
    sdi = _pair(g["sd_intercept"])
    ci = np.outer(sdi, sdi) * np.array([[1, g["corr_intercept"]], [g["corr_intercept"], 1]])
    u = mvn(ci, (R, C))[:, :, None, :]
    sde = _pair(g["sd_resid"])
    ce = np.outer(sde, sde) * np.array([[1, g["corr_resid"]], [g["corr_resid"], 1]])
    e = mvn(ce, (R, C, T))
    y = (
        _pair(g["intercept"])
        + _pair(g["actor_within"]) * xw
        + _pair(g["partner_within"]) * xw[..., ::-1]
        + _pair(g["actor_between"]) * xb
        + _pair(g["partner_between"]) * xb[..., ::-1]
        + u
        + e
    )
    obs = rng.random((R, C, T, 2)) >= p_missing
    return np.round(x, 2), np.round(y, 2), obs


def simulate_diary(
    n_couples: int = 100,
    n_days: int = 21,
    *,
    p_missing: float = 0.05,
    roles: Sequence[str] = ("female", "male"),
    seed: Any = None,
    keep_missing_rows: bool = True,
    **effects: Any,
) -> pd.DataFrame:
    """Simulate daily-diary data of couples from the diary APIM with known effects.

    Parameters
    ----------
    n_couples, n_days : int
        Design size.
    p_missing : float
        Probability that a person misses a day (MCAR); both x and y are then empty.
    roles : two str
        Role labels (first, second).
    seed : int, optional
        Random seed.
    keep_missing_rows : bool
        Keep missed person-days as rows with empty x and y (True) or drop them.
    **effects
        Any of ``intercept``, ``actor_within``, ``partner_within``, ``actor_between``,
        ``partner_between`` (a number or one per role), ``sd_intercept`` (per role),
        ``corr_intercept``, ``sd_resid`` (per role), ``corr_resid`` (same day),
        ``x_mean``, ``sd_x_between``, ``corr_x_between``, ``sd_x_within``,
        ``corr_x_within``. Defaults are close to the estimates of ``tests/oracle/diary``.

    Returns
    -------
    DataFrame
        couple, person (couple*10 + 1 or + 2), role, day, x, y. The effects refer to x
        centred at each person's mean over all simulated days and at ``x_mean``.

    Examples
    --------
    >>> df = simulate_diary(n_couples=3, n_days=2, seed=1)
    >>> df.shape, list(df.columns)
    ((12, 6), ['couple', 'person', 'role', 'day', 'x', 'y'])
    """
    unknown = set(effects) - set(_DEFAULTS)
    if unknown:
        raise InputError(
            f"unknown effect {sorted(unknown)[0]!r}; expected one of {', '.join(_DEFAULTS)}"
        )
    if int(n_couples) < 1 or int(n_days) < 1:
        raise InputError("n_couples and n_days must be at least 1")
    if not 0 <= p_missing < 1:
        raise InputError(f"p_missing {p_missing}: expected a probability below 1")
    par = {**_DEFAULTS, **effects}
    rng = np.random.default_rng(seed)
    C, T = int(n_couples), int(n_days)
    x, y, obs = _sim_arrays(rng, 1, C, T, par, p_missing)
    x, y, obs = x[0], y[0], obs[0]
    cc, dd, rr = np.meshgrid(np.arange(1, C + 1), np.arange(1, T + 1), [0, 1], indexing="ij")
    df = pd.DataFrame(
        {
            "couple": cc.ravel(),
            "person": cc.ravel() * 10 + rr.ravel() + 1,
            "role": np.asarray(list(roles), dtype=object)[rr.ravel()],
            "day": dd.ravel(),
            "x": np.where(obs, x, np.nan).ravel(),
            "y": np.where(obs, y, np.nan).ravel(),
        }
    )
    if not keep_missing_rows:
        df = df[obs.ravel()].reset_index(drop=True)
    return df


def _gls_batch(x, y, obs, lam, rho, M, reml: bool = True):
    """GLS of the distinguishable random-intercept diary APIM for many data sets at once,
    with the relative variance parameters (lam, rho, M) given; sigma^2 profiled.

    Arrays are (R, C, T, 2); returns beta (R, 10), se (R, 10), df (R,). Only days on
    which both partners reported enter (as in :func:`diary_apim`), so every used row is
    in a same-day pair; per couple the six compact columns [1, x_w, x_w partner, x_b,
    x_b partner, y] of each role are reduced to 6 x 6 cross products by one batched
    matrix product, then placed in the 13 x 13 Gram matrix of [X, y, Z]."""
    R, C, T, _ = x.shape
    o = obs.astype(float)
    n_o = o.sum(axis=2, keepdims=True)
    xo = np.where(obs, x, 0.0)
    with np.errstate(all="ignore"):
        pm = xo.sum(axis=2, keepdims=True) / n_o
    gm = (xo.sum(axis=(1, 2, 3)) / o.sum(axis=(1, 2, 3)))[:, None, None, None]
    used = obs[..., 0] & obs[..., 1]  # (R, C, T)
    uf = used.astype(float)
    xw = np.where(used[..., None], x - pm, 0.0)
    xb = np.nan_to_num(pm - gm)
    U = np.empty((R, C, T, 2, 6))
    U[..., 0] = 1.0
    U[..., 1] = xw
    U[..., 2] = xw[..., ::-1]
    U[..., 3] = xb
    U[..., 4] = xb[..., ::-1]
    U[..., 5] = np.where(used[..., None], y, 0.0)
    U *= uf[..., None, None]
    Pinv = np.linalg.inv(np.array([[1.0, rho * lam], [rho * lam, lam**2]]))
    U0 = U[..., 0, :].reshape(R * C, T, 6)
    U1 = U[..., 1, :].reshape(R * C, T, 6)
    Q00 = np.swapaxes(U0, 1, 2) @ U0
    Q11 = np.swapaxes(U1, 1, 2) @ U1
    Q01 = np.swapaxes(U0, 1, 2) @ U1
    d, p, q = 13, 10, 2
    idx = [np.array([0, 2, 4, 6, 8, 10]), np.array([1, 3, 5, 7, 9, 10])]
    S = np.zeros((R * C, d, d))
    for i, j, Q in ((0, 0, Q00), (1, 1, Q11), (0, 1, Q01), (1, 0, np.swapaxes(Q01, 1, 2))):
        S[:, idx[i][:, None], idx[j][None, :]] += Pinv[i, j] * Q
    # Z columns: the role intercepts (Z = the intercept columns 0 and 1 of X)
    S[:, 11:, :] = S[:, 0:2, :]
    S[:, :, 11:] = S[:, :, 0:2]
    S = S.reshape(R, C, d, d)
    L = np.linalg.cholesky(M)
    A, Bm, Cm = S[..., :11, :11].sum(axis=1), S[..., :11, 11:], S[..., 11:, 11:]
    K = np.eye(q) + L.T @ Cm @ L
    Tm = Bm @ L
    Mtot = A - (Tm @ np.linalg.solve(K, np.swapaxes(Tm, -1, -2))).sum(axis=1)
    XX, Xy = Mtot[:, :p, :p], Mtot[:, :p, p]
    inv = np.linalg.inv(XX)
    beta = np.einsum("rij,rj->ri", inv, Xy)
    rss = Mtot[:, p, p] - np.einsum("ri,ri->r", beta, Xy)
    n = 2 * uf.sum(axis=(1, 2))
    n_c = (uf.sum(axis=2) > 0).sum(axis=1)
    sigma2 = rss / (n - p if reml else n)
    se = np.sqrt(sigma2[:, None] * np.diagonal(inv, axis1=1, axis2=2))
    df = n - n_c - p + 1
    return beta, se, df


def power_diary(
    n_couples: int | Sequence[int] = (50, 75, 100, 125, 150),
    n_days: int = 21,
    *,
    n_reps: int = 1000,
    alpha: float = 0.05,
    p_missing: float = 0.05,
    seed: Any = None,
    chunk: int = 100,
    **effects: Any,
) -> pd.DataFrame:
    """Monte Carlo power of the diary APIM's within-person actor and partner effects.

    Each replication simulates a data set with :func:`simulate_diary`'s model (with
    ``p_missing`` missed days), centres x as :func:`diary_apim` does and tests the four
    within-person effects by GLS with the variance components at their true values (sigma
    re-estimated; t tests on nlme's df). All replications of a sample size are computed at
    once (numpy), so 1000 replications x 5 sample sizes of ~100 couples x 21 days take
    seconds. With the variance components estimated (``nlme::lme`` per replication, as
    PowerLAPIM does) power is very slightly lower for small samples.

    Parameters
    ----------
    n_couples : int or sequence of int
        Sample sizes (couples).
    n_days : int
        Diary days.
    n_reps : int
        Replications per sample size.
    alpha : float
        Two-sided significance level.
    p_missing : float
        Probability of a missed person-day.
    seed : int, optional
        Random seed.
    chunk : int
        Replications computed together (memory).
    **effects
        As in :func:`simulate_diary`.

    Returns
    -------
    DataFrame
        n_couples, n_days, effect, role, power, mc_se (Monte Carlo SE of the power),
        mean_estimate, true, mean_se, n_reps.

    Examples
    --------
    >>> tab = power_diary(n_couples=[30], n_days=7, n_reps=50, seed=1)
    >>> tab[["effect", "role"]].values.tolist()[0]
    ['actor_within', 'female']
    """
    if isinstance(n_couples, int | np.integer):
        n_couples = [int(n_couples)]
    if n_reps < 1:
        raise InputError(f"n_reps {n_reps}: expected at least 1")
    par = {**_DEFAULTS, **effects}
    unknown = set(effects) - set(_DEFAULTS)
    if unknown:
        raise InputError(f"unknown effect {sorted(unknown)[0]!r}")
    rng = np.random.default_rng(seed)
    sd = _pair(par["sd_resid"])
    lam, rho = sd[1] / sd[0], float(par["corr_resid"])
    si = _pair(par["sd_intercept"])
    D = np.outer(si, si) * np.array([[1, par["corr_intercept"]], [par["corr_intercept"], 1]])
    M = D / sd[0] ** 2
    rows = []
    idx = {"actor_within": (2, 3), "partner_within": (4, 5)}
    roles = ("female", "male")
    for nc in n_couples:
        if int(nc) < 4:
            raise InputError(f"n_couples {nc}: expected at least 4 couples")
        betas, ses, dfs = [], [], []
        done = 0
        while done < n_reps:
            r = min(chunk, n_reps - done)
            x, y, obs = _sim_arrays(rng, r, int(nc), int(n_days), par, p_missing)
            b, s, dfv = _gls_batch(x, y, obs, lam, rho, M)
            betas.append(b)
            ses.append(s)
            dfs.append(dfv)
            done += r
        b, s, dfv = np.vstack(betas), np.vstack(ses), np.concatenate(dfs)
        for eff, cols in idx.items():
            for k, col in enumerate(cols):
                t = b[:, col] / s[:, col]
                pv = 2 * stats.t.sf(np.abs(t), dfv)
                pw = float(np.mean(pv < alpha))
                rows.append(
                    {
                        "n_couples": int(nc),
                        "n_days": int(n_days),
                        "effect": eff,
                        "role": roles[k],
                        "power": pw,
                        "mc_se": math.sqrt(pw * (1 - pw) / len(t)),
                        "mean_estimate": float(np.mean(b[:, col])),
                        "true": float(_pair(par[eff])[k]),
                        "mean_se": float(np.mean(s[:, col])),
                        "n_reps": int(len(t)),
                    }
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Bolger & Laurenceau (2013), ch. 8: the book's R model (dmod1), for replication only
# --------------------------------------------------------------------------------------


@_file_name_as_source
def diary_book_model(
    data: pd.DataFrame,
    x: str,
    y: str,
    dyad: str = "couple",
    role: str = "role",
    person: str | None = None,
    time: str = "day",
    *,
    roles: Sequence[str] | None = None,
    level: float = 0.95,
) -> DiaryAPIMResult:
    """Replicate the R model of Bolger & Laurenceau (2013, ch. 8, ``dmod1``) exactly.

    Actor effects only (within and between), a linear time trend per role (``time7c`` =
    (day - midpoint) / 7, slope per week), random intercepts and within-person slopes per
    role (4 x 4 unstructured), one residual variance, and ``corAR1()`` residuals **by row
    position within the couple** (rows sorted by couple, first role before second, day),
    which, as the book's supplement warns, links the first role's last day with the second
    role's first day. Use :func:`diary_apim` for substantive work; this function exists to
    reproduce the book's numbers. Missed days are dropped.

    Parameters
    ----------
    data, x, y, dyad, role, person, time, roles, level
        As in :func:`diary_apim`; ``roles`` = (first role in the row order, second role);
        the columns follow the book: second role first (``male``, ``female``, ...).

    Returns
    -------
    DiaryAPIMResult
        effects ``intercept``, ``time``, ``actor_within``, ``actor_between`` per role.

    Notes
    -----
    In R: ``nlme::lme(y ~ male + female + male:time7c + female:time7c + male:x_w +
    female:x_w + male:x_b + female:x_b - 1, random = ~ male + female + male:x_w +
    female:x_w - 1 | couple, correlation = corAR1(), data = d_book)``.

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = ds.simulate_diary(n_couples=30, n_days=7, seed=5)
    >>> res = diary_book_model(df, x="x", y="y")
    >>> res.fit["df_loglik"], res.residual["structure"]
    (20, 'corAR1 (row position within couple)')
    """
    prep, cinfo, warn = prepare_diary(
        data, x=x, y=y, dyad=dyad, role=role, person=person, time=time, roles=roles
    )
    r0, r1 = cinfo["roles"]
    mid = (prep["day"].min() + prep["day"].max()) / 2
    prep["time7c"] = (prep["day"] - mid) / 7
    prep["used"] = prep[["y", "x_w", "x_b"]].notna().all(axis=1).to_numpy()
    u = prep[prep["used"]].sort_values(["couple", "member", "day"], kind="stable")
    u = u.reset_index(drop=True)
    n_c = int(u["couple"].nunique())
    if n_c <= 10:
        raise InputError(
            f"{input_name('input')}: {n_c} couple(s); the model has 10 random-effect "
            "(co)variances and needs at least 11 couples"
        )
    a = (u["member"] == 1).to_numpy(float)  # second role ("male") first, as the book
    b = 1.0 - a
    t7, xw, xb = u["time7c"].to_numpy(), u["x_w"].to_numpy(), u["x_b"].to_numpy()
    X = np.column_stack([a, b, a * t7, b * t7, a * xw, b * xw, a * xb, b * xb])
    names = [
        ("intercept", r1, r1),
        ("intercept", r0, r0),
        ("time", r1, f"{r1}:time7c"),
        ("time", r0, f"{r0}:time7c"),
        ("actor_within", r1, f"{r1}:x_w"),
        ("actor_within", r0, f"{r0}:x_w"),
        ("actor_between", r1, f"{r1}:x_b"),
        ("actor_between", r0, f"{r0}:x_b"),
    ]
    Z = np.column_stack([a, b, a * xw, b * xw])
    zn = [r1, r0, f"{r1}:x_w", f"{r0}:x_w"]
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(f"{input_name('input')}: the fixed effects cannot all be estimated")
    codes, uniq = pd.factorize(u["couple"], sort=True)
    fit = fit_lme(X, u["y"].to_numpy(), Z, codes, structure="ar1", reml=True, hetero=False)
    if not fit.converged:
        warn.append("the optimiser did not converge; estimates may be inaccurate")
    fitted = _Fitted(fit, X, names, zn, uniq, u, True, "slope", [r0, r1])
    res = _assemble(fitted, prep, cinfo, warn, level)
    sig = math.sqrt(fit.sigma2)
    res.residual = {
        "sd_by_role": {r0: sig, r1: sig},
        "var_by_role": {r0: fit.sigma2, r1: fit.sigma2},
        "correlation": fit.rho,
        "structure": "corAR1 (row position within couple)",
        "sigma": sig,
    }
    res.fit["n_obs_by_role"] = {
        r0: int((u["member"] == 0).sum()),
        r1: int((u["member"] == 1).sum()),
    }
    res.info["model"] = "Bolger & Laurenceau (2013) dmod1"
    for w in warn:
        warnings.warn(w, UserWarning, stacklevel=2)
    return res
