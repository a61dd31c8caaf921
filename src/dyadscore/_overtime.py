"""The over-time APIM for panels of three or more waves (equal to ``nlme::gls``).

For person i (role r) of couple c at wave t, with partner j::

    y_ict = b0_r + sA_r y_ic,t-1 + sP_r y_jc,t-1 + a_r x_ic,t-1 + p_r x_jc,t-1 + e_ict

(actor and partner stability, lagged actor and partner effects of x; Kenny, Kashy & Cook,
2006, ch. 13-14). The residual SD differs by role and the two partners' residuals in the
same wave correlate ``rho``; waves are otherwise independent (no random effects). Every
couple-wave is a 2 x 2 block, so the model is fitted by the APIM engine of
:mod:`dyadscore.apim_gls` with couple-waves as its units.

Lagged columns: ``y_lag`` / ``x_lag`` are the person's own values at wave - 1,
``y_lag_partner`` / ``x_lag_partner`` the partner's; a person-wave is used when ``y`` and all
four lagged values are present.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import dyadscore as ds
>>> rng = np.random.default_rng(1)
>>> rows = []
>>> for c in range(60):
...     x = rng.normal(size=2); y = rng.normal(size=2)
...     for w in range(1, 5):
...         y = 0.5 * y + 0.2 * x + rng.normal(size=2) * 0.7
...         x = 0.6 * x + rng.normal(size=2) * 0.8
...         rows += [(c, r, w, x[k], y[k]) for k, r in enumerate(["f", "m"])]
>>> df = pd.DataFrame(rows, columns=["couple", "role", "wave", "x", "y"])
>>> res = ds.overtime_apim(df, x="x", y="y")
>>> res.fit["n_obs"], float(res.effects["df"].iloc[0])
(360, 350.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._diary import (
    _first,
    _info_criteria,
    _label,
    _numbers,
    _pair_residual,
    _PanelAPIM,
    _reml_or_ml,
)
from .apim_gls import _Data, _fit
from .catalogue import Texts, check_lang
from .dyads import _numeric, _require_columns
from .errors import InputError, _file_name_as_source, input_name
from .results import Result, effects_table, format_number

__all__ = ["overtime_apim", "OvertimeAPIMResult"]

_LAGS = (
    ("stability_actor", "y_lag"),
    ("stability_partner", "y_lag_partner"),
    ("actor_lagged", "x_lag"),
    ("partner_lagged", "x_lag_partner"),
)


def prepare_overtime(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    dyad: str,
    role: str,
    wave: str,
    roles: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Lagged own and partner columns (as ``overtime_prepared.csv``) and the role order.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"couple": [1] * 6, "role": ["f", "m"] * 3, "wave": [1, 1, 2, 2, 3, 3],
    ...                    "x": [1, 2, 3, 4, 5, 6.0], "y": [0, 1, 0, 1, 0, 1.0]})
    >>> prep, roles = prepare_overtime(df, x="x", y="y", dyad="couple", role="role", wave="wave")
    >>> prep["x_lag_partner"].tolist()
    [nan, nan, 2.0, 1.0, 4.0, 3.0]
    """
    src = input_name("input")
    _require_columns(data, [dyad, role, wave, x, y])
    if x == y:
        raise InputError(f"{src}: column {x!r} is both the predictor and the outcome")
    vals = _numeric(data, [x, y])
    w = _numbers(data, wave, src, "a wave number")
    present = sorted(pd.unique(data[role].dropna()), key=str)
    order = list(roles) if roles is not None else present
    if len(order) != 2 or any(r not in order for r in present):
        raise InputError(
            f"{src}: column {role!r} has the values {', '.join(map(_label, present[:5]))}; "
            "expected exactly two roles"
        )
    d = pd.DataFrame(
        {
            "couple": data[dyad].to_numpy(),
            "role": data[role].to_numpy(),
            "wave": w.to_numpy(dtype=float),
            "x": vals[:, 0],
            "y": vals[:, 1],
        }
    )
    d["member"] = (d["role"] == order[1]).astype(int)
    dup = d.duplicated(["couple", "member", "wave"]).to_numpy()
    if dup.any():
        pos = _first(dup)
        raise InputError(
            f"{src}: row {pos + 1}, column {wave!r}, value {_label(d['wave'].iloc[pos])!r}: "
            f"couple {_label(d['couple'].iloc[pos])} has this role at this wave twice; "
            "expected one row per person per wave"
        )
    n_waves = d["wave"].nunique()
    if n_waves < 3:
        raise InputError(
            f"{src}: column {wave!r} has {n_waves} wave(s); the over-time APIM needs at least "
            "three (for two waves use apim with the wave-1 outcome as a covariate)"
        )
    idx = pd.MultiIndex.from_arrays([d["couple"], d["member"], d["wave"]])
    own = pd.MultiIndex.from_arrays([d["couple"], d["member"], d["wave"] - 1])
    par = pd.MultiIndex.from_arrays([d["couple"], 1 - d["member"], d["wave"] - 1])
    for v in ("y", "x"):
        s = pd.Series(d[v].to_numpy(), index=idx)
        d[f"{v}_lag"] = s.reindex(own).to_numpy()
        d[f"{v}_lag_partner"] = s.reindex(par).to_numpy()
    d["used"] = d[["y", "y_lag", "y_lag_partner", "x_lag", "x_lag_partner"]].notna().all(axis=1)
    return d, order


@dataclass(repr=False)
class OvertimeAPIMResult(_PanelAPIM, Result):
    """Result of :func:`overtime_apim`.

    Attributes
    ----------
    effects : DataFrame
        effect (intercept, stability_actor, stability_partner, actor_lagged,
        partner_lagged), role, estimate, se, ci_low, ci_high, statistic (t), df (N - p),
        p, term (nlme's coefficient name).
    residual : dict
        sd_by_role, correlation (same wave), covariance.
    fit : dict
        loglik, df_loglik, nobs_loglik, aic, bic, n_obs, n_couples, n_obs_by_role, method.
    vcov : DataFrame
        As ``vcov(gls)`` (ML: times N / (N - p), as nlme).
    data : DataFrame
        Prepared rows with the lagged columns and ``used``.

    Examples
    --------
    >>> import pandas as pd
    >>> from dyadscore import overtime_apim
    >>> panel = pd.read_csv("tests/oracle/diary/overtime_long.csv")
    >>> res = overtime_apim(panel, x="x", y="y", dyad="couple", role="role", wave="wave")
    >>> type(res).__name__
    'OvertimeAPIMResult'
    """

    effects: pd.DataFrame
    residual: dict
    fit: dict
    vcov: pd.DataFrame
    data: pd.DataFrame
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    _repr_keys = ("n_couples", "method")
    _dict_fields = ("model=info", "effects", "residual", "fit", "vcov", "warnings")

    def summary(self, lang: str = "en") -> str:
        """Readable report in English (``"en"``) or Dutch (``"nl"``)."""
        check_lang(lang)
        T, f = _TEXT[lang], self.fit
        lines = [
            T["title"].format(y=self.info["y"], x=self.info["x"]),
            T["est"].format(m=f["method"], nc=f["n_couples"], n=f["n_obs"], w=f["n_waves"]),
            "",
            *self._effect_lines(lang, T["names"]),
            "",
            T["resid"].format(
                sd=self._residual_sds(lang),
                r=format_number(self.residual["correlation"], 3, lang),
            ),
            self._ic_line(lang),
            "",
            T["note"],
        ]
        return "\n".join(lines)

    def plot(self, ax: Any = None, lang: str = "en") -> Any:
        """Coefficients with 95% CIs per role (matplotlib Axes)."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 4))
        T = _TEXT.get(lang, _TEXT["en"])
        e = self.effects[self.effects["effect"] != "intercept"].reset_index(drop=True)
        pos = np.arange(len(e))[::-1]
        ax.hlines(pos, e["ci_low"], e["ci_high"], color="tab:blue")
        ax.scatter(e["estimate"], pos, color="tab:blue", zorder=3)
        ax.set_yticks(
            pos, [f"{T['names'][a]} ({b})" for a, b in zip(e["effect"], e["role"], strict=True)]
        )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(T["ptitle"])
        return ax


_TEXT = Texts("overtime")  # strings/overtime.yaml


@_file_name_as_source
def overtime_apim(
    data: pd.DataFrame,
    x: str,
    y: str,
    dyad: str = "couple",
    role: str = "role",
    wave: str = "wave",
    method: str = "REML",
    *,
    roles: Sequence[str] | None = None,
    level: float = 0.95,
) -> OvertimeAPIMResult:
    """Fit the over-time (lagged) APIM with actor and partner stability, as ``nlme::gls``.

    Each person's outcome at a wave is regressed on both partners' outcome and predictor at
    the previous wave, with intercepts, slopes and residual SDs per role (see the module
    docstring for the equation).

    Parameters
    ----------
    data : DataFrame
        One row per person per wave (couple id, role, wave number, x, y).
    x : str
        Predictor, entered lagged (the previous wave's value of both partners).
    y : str
        Outcome, and (lagged) the stability predictor.
    dyad, role, wave : str
        Couple id, role (two distinguishable roles) and wave number columns.
    method : {"REML", "ML"}
        nlme's conventions (df = N - p; ML vcov times N / (N - p)).
    roles : two str, optional
        Role order (default sorted labels).
    level : float
        Confidence level.

    Returns
    -------
    OvertimeAPIMResult

    Notes
    -----
    In R: ``nlme::gls(y ~ 0 + role + role:y_lag + role:y_lag_partner + role:x_lag +
    role:x_lag_partner, correlation = corCompSymm(form = ~ 1 | couple/wave),
    weights = varIdent(form = ~ 1 | role), method = "REML")``.

    Examples
    --------
    >>> import dyadscore as ds
    >>> df = ds.simulate_diary(50, 4, p_missing=0, seed=1).rename(columns={"day": "wave"})
    >>> res = ds.overtime_apim(df, x="x", y="y")
    >>> res.fit["n_obs"], res.fit["df_loglik"]
    (300, 13)
    """
    method = _reml_or_ml(method)
    prep, order = prepare_overtime(data, x=x, y=y, dyad=dyad, role=role, wave=wave, roles=roles)
    u = prep[prep["used"]].reset_index(drop=True)
    if len(u) == 0:
        raise InputError(f"{input_name('input')}: no person-wave has y and all lagged values")
    # units = couple-waves; first member row a, second member row b
    unit, _ = pd.factorize(pd.MultiIndex.from_arrays([u["couple"], u["wave"]]))
    m = u["member"].to_numpy()
    p = 10
    Xfull = np.zeros((len(u), p + 1))
    Xfull[np.arange(len(u)), m] = 1.0
    for k, (_, col) in enumerate(_LAGS):
        Xfull[np.arange(len(u)), 2 + 2 * k + m] = u[col].to_numpy()
    Xfull[:, p] = u["y"].to_numpy()
    n_units = int(unit.max()) + 1
    Za = np.zeros((n_units, p + 1))
    Zb = np.zeros((n_units, p + 1))
    ok_a = np.zeros(n_units, bool)
    ok_b = np.zeros(n_units, bool)
    Za[unit[m == 0]] = Xfull[m == 0]
    ok_a[unit[m == 0]] = True
    Zb[unit[m == 1]] = Xfull[m == 1]
    ok_b[unit[m == 1]] = True
    both, oa, ob = ok_a & ok_b, ok_a & ~ok_b, ok_b & ~ok_a
    G = {
        "aa": Za[both].T @ Za[both],
        "bb": Zb[both].T @ Zb[both],
        "ab": Za[both].T @ Zb[both],
        "s0": Za[oa].T @ Za[oa],
        "s1": Zb[ob].T @ Zb[ob],
    }
    d = _Data(G, np.float64(both.sum()), np.float64(ob.sum()), np.float64(len(u)))
    if np.linalg.matrix_rank(Xfull[:, :p]) < p:
        raise InputError(
            f"{input_name('input')}: the lagged effects cannot all be estimated (a lagged "
            "column is constant within a role or two are identical)"
        )
    reml = method == "REML"
    fit = _fit(d, hetero=True, corr=True, reml=reml)
    n = len(u)
    vc = fit.sigma2 * fit.cov_unscaled * (n / (n - p) if not reml else 1.0)
    names = [("intercept", r, f"role{r}") for r in order]
    for eff, col in _LAGS:
        names += [(eff, r, f"role{r}:{col}") for r in order]
    effect, role_of, terms = (list(c) for c in zip(*names, strict=True))
    eff = effects_table(
        fit.beta,
        np.sqrt(np.diag(vc)),
        float(n - p),
        level=level,
        labels={"effect": effect, "role": role_of},
        extra={"term": terms},
    )
    warn = [] if fit.converged else ["the optimiser did not converge; estimates may be inaccurate"]
    return OvertimeAPIMResult(
        effects=eff,
        residual=_pair_residual(fit.sigma2, fit.lam, fit.rho, order),
        fit={
            **_info_criteria(fit.loglik, p + fit.n_var, n, p, reml),
            "n_couples": int(u["couple"].nunique()),
            "n_waves": int(prep["wave"].nunique()),
            "n_obs_by_role": {str(r): int((u["member"] == i).sum()) for i, r in enumerate(order)},
            "method": method,
            "converged": bool(fit.converged),
        },
        vcov=pd.DataFrame(vc, index=eff["term"], columns=eff["term"]),
        data=prep,
        info={"x": x, "y": y, "roles": order},
        warnings=warn,
    )
