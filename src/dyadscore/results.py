"""The one result protocol shared by every result type, and the one number formatter.

Every result of dyadscore (``APIMResult``, ``ReliabilityResult``, ``ParadoxResult``,
``InvarianceResult``, ``DiaryAPIMResult``, ``APIMeMResult``, ...) derives from
:class:`Result` and so offers the same surface:

* ``summary(lang="en")``: a readable text report (``"en"`` or ``"nl"``);
* ``to_dict()`` / ``to_json()``: every table and number, JSON-safe (NaN becomes ``null``);
* ``to_html()`` and ``_repr_html_()``: the summary and tables as HTML (Jupyter shows it);
* a short ``repr`` (one line: the type and its key numbers);
* ``plot()`` where a plot helps (otherwise it raises ``NotImplementedError``).

A subclass implements ``summary`` and either ``to_dict`` or the class attribute
``_dict_fields`` (the attributes ``to_dict`` returns, ``"key=attribute"`` to rename; square
matrices named in ``_matrix_fields`` become :func:`matrix_dict`), and may override
``_repr_fields`` (the few numbers its ``repr`` shows) and ``_html_tables`` or
``_html_fields`` (the DataFrames its HTML shows). Regression-type models build their
coefficient table with :func:`effects_table`.

Examples
--------
>>> import pandas as pd
>>> class Mean(Result):
...     def __init__(self, value):
...         self.value = value
...     def summary(self, lang="en"):
...         return ("mean" if lang == "en" else "gemiddelde") + " = " + format_number(self.value)
...     def to_dict(self):
...         return jsonable({"mean": self.value})
...     def _repr_fields(self):
...         return {"mean": self.value}
>>> r = Mean(2.5)
>>> r
<Mean mean=2.5>
>>> r.to_json()
'{"mean": 2.5}'
>>> format_p(0.0004), format_p(0.0312), format_number(0.5, lang="nl")
('< .001', '.031', '0,50')
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

__all__ = [
    "Result",
    "effects_lines",
    "effects_table",
    "format_p",
    "format_p_eq",
    "format_stars",
    "format_number",
    "jsonable",
]


def jsonable(obj: Any) -> Any:
    """Convert DataFrames, numpy scalars and arrays, NaN and NA into plain JSON values.

    Examples
    --------
    >>> import numpy as np
    >>> jsonable({"a": np.float64(1.5), "b": float("nan"), "c": np.arange(2)})
    {'a': 1.5, 'b': None, 'c': [0, 1]}
    """
    import numpy as np
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return [jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def matrix_dict(frame: Any) -> dict:
    """A square matrix (vcov, correlations) as ``{"names": [...], "matrix": [[...], ...]}``.

    Examples
    --------
    >>> import pandas as pd
    >>> jsonable(matrix_dict(pd.DataFrame([[1.0, 0.5], [0.5, 2.0]], columns=["a", "b"])))
    {'names': ['a', 'b'], 'matrix': [[1.0, 0.5], [0.5, 2.0]]}
    """
    return {"names": list(frame.columns), "matrix": frame.to_numpy()}


def effects_table(
    estimate: Any,
    se: Any,
    df: Any = None,
    *,
    level: float = 0.95,
    ci_se: Any = None,
    labels: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Any:
    """The coefficient table of a regression-type model, as scipy/statsmodels users expect.

    Columns: the ``labels`` columns (``effect``, ``role``, ...), then ``estimate, se,
    ci_low, ci_high, statistic, df, p``, then the ``extra`` columns (``beta``, ``term``,
    ...). With ``df`` (a number or one per row) the statistic is t, the p value two-sided
    on ``df`` and the interval ``estimate +- t(df) * se``; without it (None) the statistic
    is z (normal), ``df`` is NaN.

    Parameters
    ----------
    estimate, se : array-like
        Coefficients and their standard errors (for the statistic and p).
    df : float or array-like, optional
        Degrees of freedom of the t tests; None for z tests.
    level : float
        Confidence level of the intervals.
    ci_se : array-like, optional
        Standard errors for the intervals when they differ from ``se`` (nlme's ML fits:
        ``summary()`` scales the standard errors, ``intervals()`` does not).
    labels, extra : dict of column name to values, optional
        Columns placed before and after the statistics.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> tab = effects_table([0.5, -0.2], [0.1, 0.2], df=30, labels={"effect": ["a", "p"]})
    >>> list(tab.columns)
    ['effect', 'estimate', 'se', 'ci_low', 'ci_high', 'statistic', 'df', 'p']
    >>> [round(v, 4) for v in tab["p"]]
    [0.0, 0.3253]

    In R: ``cbind(coef(summary(fit)), confint(fit))`` (t) or ``lmtest::coefci`` (z).
    """
    import numpy as np
    import pandas as pd
    from scipy import stats

    est = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    stat = est / se
    if df is None:
        dfs = np.full(est.shape, np.nan)
        p = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(0.5 + level / 2)
    else:
        dfs = np.broadcast_to(np.asarray(df), est.shape).copy()
        p = 2 * stats.t.sf(np.abs(stat), dfs)
        crit = stats.t.ppf(0.5 + level / 2, dfs)
    half = crit * (se if ci_se is None else np.asarray(ci_se, dtype=float))
    return pd.DataFrame(
        {
            **(labels or {}),
            "estimate": est,
            "se": se,
            "ci_low": est - half,
            "ci_high": est + half,
            "statistic": stat,
            "df": dfs,
            "p": p,
            **(extra or {}),
        }
    )


def effects_lines(
    effects: Any, lang: str = "en", *, names: dict[str, str] | None = None
) -> list[str]:
    """An effects table (:func:`effects_table`, with ``effect`` and ``role``) as text lines.

    One header line and one line per row: effect (its readable name from ``names``), role
    (blank when missing), b, SE, the confidence interval, t(df) and p (:func:`format_p`).

    Parameters
    ----------
    effects : DataFrame
        With ``effect, role, estimate, se, ci_low, ci_high, statistic, df, p``.
    lang : {"en", "nl"}
        Language of the headers and the decimal mark.
    names : dict, optional
        Readable names of the effects.

    Returns
    -------
    list of str

    Examples
    --------
    >>> tab = effects_table([0.5], [0.1], df=30, labels={"effect": ["a"], "role": ["f"]})
    >>> print("\\n".join(effects_lines(tab, names={"a": "actor"})))
    Effect                Role                b       SE              95% CI           t(df)       p
    actor                 f               0.500    0.100      [0.296, 0.704]       5.00 (30)  < .001
    """
    names = names or {}
    from .catalogue import entry

    head = entry("figures.effect_role")[lang]
    lines = [f"{head[0]:<22}{head[1]:<12}{'b':>9}{'SE':>9}{'95% CI':>20}{'t(df)':>16}{'p':>8}"]
    for r in effects.itertuples(index=False):
        role = "" if r.role is None or r.role != r.role else str(r.role)  # None or NaN
        ci = f"[{format_number(r.ci_low, 3, lang)}, {format_number(r.ci_high, 3, lang)}]"
        st = f"{format_number(r.statistic, 2, lang)} ({r.df:.0f})"
        lines.append(
            f"{names.get(r.effect, r.effect):<22}{role:<12}"
            f"{format_number(r.estimate, 3, lang):>9}{format_number(r.se, 3, lang):>9}"
            f"{ci:>20}{st:>16}{format_p(r.p):>8}"
        )
    return lines


def format_p(p: float | None) -> str:
    """APA-style p value: ``"< .001"`` or three decimals without the leading zero.

    Empty for a missing p. This is the one p-value formatter of the package.

    Examples
    --------
    >>> format_p(0.04999), format_p(1.0), format_p(float("nan"))
    ('.050', '1.000', '')
    """
    if p is None or not isinstance(p, int | float) or not math.isfinite(p):
        return ""
    if p < 0.001:
        return "< .001"
    return f"{p:.3f}".lstrip("0")


def format_p_eq(p: float | None) -> str:
    """``"= .031"`` or ``"< .001"``, for ``"p " + format_p_eq(p)`` in running text.

    Examples
    --------
    >>> "p " + format_p_eq(0.031)
    'p = .031'
    """
    s = format_p(p)
    return s if s.startswith("<") else f"= {s}"


def format_stars(p: float | None) -> str:
    """Significance stars: ``"***"`` p < .001, ``"**"`` p < .01, ``"*"`` p < .05, else empty.

    Examples
    --------
    >>> format_stars(0.0004), format_stars(0.03), format_stars(0.2), format_stars(None)
    ('***', '*', '', '')
    """
    if p is None or not isinstance(p, int | float) or not math.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def format_number(x: float | None, digits: int = 2, lang: str = "en") -> str:
    """A number with ``digits`` decimals, a decimal comma in Dutch, ``"NA"`` when missing.

    Examples
    --------
    >>> format_number(-0.305, 2), format_number(1234.5, 1, lang="nl")
    ('-0.30', '1234,5')
    """
    if x is None or not isinstance(x, int | float) or not math.isfinite(x):
        return "NA"
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace(".", ",") if lang == "nl" else s


class Result:
    """Base class of every dyadscore result (see the module docstring)."""

    def summary(self, lang: str = "en") -> str:  # pragma: no cover - abstract
        """Readable text report in English (``"en"``) or Dutch (``"nl"``)."""
        raise NotImplementedError

    _dict_fields: tuple[str, ...] = ()
    _matrix_fields: tuple[str, ...] = ("vcov",)
    _html_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Every table and number as a JSON-safe dictionary."""
        if not self._dict_fields:  # pragma: no cover - abstract
            raise NotImplementedError
        out = {}
        for spec in self._dict_fields:
            key, _, attr = spec.partition("=")
            value = getattr(self, attr or key)
            out[key] = matrix_dict(value) if (attr or key) in self._matrix_fields else value
        return jsonable(out)

    def to_json(self, path: Any = None, **kwargs: Any) -> str:
        """``json.dumps(self.to_dict())``; written to ``path`` as well when given."""
        kwargs.setdefault("ensure_ascii", False)
        text = json.dumps(self.to_dict(), **kwargs)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Plot the result (where a plot helps); returns the matplotlib Axes."""
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    # ------------------------------------------------------------------ presentation
    def _repr_fields(self) -> dict[str, Any]:
        """The few key numbers a one-line ``repr`` shows (override in subclasses)."""
        return {}

    def _html_tables(self) -> dict[str, Any]:
        """Named DataFrames that ``to_html`` shows below the summary (override)."""
        out = {}
        for spec in self._html_fields:
            key, _, attr = spec.partition("=")
            out[key] = getattr(self, attr or key)
        return out

    def __repr__(self) -> str:
        parts = []
        for key, value in self._repr_fields().items():
            if isinstance(value, float):
                value = f"{value:.4g}"
            parts.append(f"{key}={value}")
        text = " ".join(parts)
        return f"<{type(self).__name__}{' ' + text if text else ''}>"

    def __str__(self) -> str:
        return self.summary()

    def to_html(self, lang: str = "en") -> str:
        """The summary (preformatted) and the result's tables as an HTML fragment."""
        out = [f"<div class='dyadscore-result'><pre>{html.escape(self.summary(lang=lang))}</pre>"]
        for name, table in self._html_tables().items():
            if table is None or len(table) == 0:
                continue
            out.append(f"<h4>{html.escape(name)}</h4>")
            out.append(table.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))
        out.append("</div>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()
