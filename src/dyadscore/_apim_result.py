"""The result of :func:`dyadscore.apim`: :class:`APIMResult` (tables, fit, summary, plot).

Examples
--------
>>> import dyadscore as ds
>>> ds.APIMResult is APIMResult
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .results import Result, format_p, format_p_eq

__all__ = ["APIMResult"]


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
    >>> from dyadscore import apim, simulate_dyads
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

    # to_dict and the HTML tables (the Result protocol; vcov becomes names + matrix)
    _dict_fields = (
        "model=info",
        "effects",
        "fit",
        "covariance",
        "nonindependence",
        "k",
        "pattern",
        "pattern_tests",
        "distinguishability",
        "vcov",
    )
    _html_fields = ("effects", "k", "pattern")

    # ------------------------------------------------------------------ presentation
    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of the coefficients at another ``level``.

        The same standard errors and df as the ``ci_low``/``ci_high`` columns (t on each
        row's df; normal where the fit has no df, ``method="sem"``), like statsmodels'
        ``conf_int(alpha)``.

        Parameters
        ----------
        level : float
            Confidence level, between 0 and 1.

        Returns
        -------
        DataFrame
            ``effect, predictor, role, estimate, ci_low, ci_high``.

        Examples
        --------
        >>> from dyadscore import apim, simulate_dyads
        >>> res = apim(simulate_dyads(100, roles=None, seed=2), x="x", y="y")
        >>> ci = res.conf_int(0.90)
        >>> bool((ci["ci_high"] - ci["ci_low"] < res.effects["ci_high"] - res.effects["ci_low"]).all())
        True

        In R: ``nlme::intervals(fit, level = 0.90, which = "coef")``.
        """
        from scipy import stats

        from .errors import InputError

        if not isinstance(level, int | float) or not 0 < level < 1:
            raise InputError(f"level {level!r}: expected a number between 0 and 1")
        e = self.effects
        df = e["df"].to_numpy(dtype=float)
        has_df = np.isfinite(df)

        def crit(lv: float) -> np.ndarray:
            t = stats.t.ppf(0.5 + lv / 2, np.where(has_df, df, 1.0))
            return np.where(has_df, t, stats.norm.ppf(0.5 + lv / 2))

        half = (e["ci_high"] - e["ci_low"]).to_numpy() / 2
        half = half / crit(float(self.info.get("ci", 0.95))) * crit(float(level))
        out = e[["effect", "predictor", "role", "estimate"]].copy()
        out["ci_low"], out["ci_high"] = e["estimate"] - half, e["estimate"] + half
        return out.reset_index(drop=True)

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

    def _repr_fields(self) -> dict[str, Any]:
        return {
            "y": self.info.get("y"),
            "n_dyads": self.fit.get("n_dyads"),
            "method": self.fit.get("method"),
        }


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
