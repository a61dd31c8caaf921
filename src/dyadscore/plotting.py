"""Matplotlib figures. matplotlib is imported inside each function (Agg-safe, lazy).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> # ax = apim_path_diagram(result)   # result = dyadscore.apim(...)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .results import format_stars

__all__ = ["apim_path_diagram", "forest_plot"]


def _label(est: float, p: float) -> str:
    return f"{est:.2f}{format_stars(p)}"


def path_box(
    ax: Any, center: tuple[float, float], name: str, who: str, *, w: float, h: float, **box: Any
) -> None:
    """Draw one variable of a path diagram: a rounded box with its name and whose it is.

    Long names wrap inside the box (16 characters a line, underscores as spaces) instead
    of running over its edge; ``who`` (a role, or 1/2) goes on the last line in brackets.
    Shared by :func:`apim_path_diagram` and the APIMeM diagram.

    Parameters
    ----------
    ax : matplotlib Axes
    center : pair of float
        Centre of the box in data coordinates.
    name, who : str
        The variable and the partner it belongs to.
    w, h : float
        Width and height of the box.
    **box
        ``lw`` (line width, default 1.2) and ``fontsize`` (default 9).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> path_box(ax, (1.0, 1.0), "felt_dependence", "woman", w=2.2, h=1.2)
    >>> print(ax.texts[0].get_text())
    felt dependence
    (woman)
    """
    import textwrap

    from matplotlib.patches import FancyBboxPatch

    cx, cy = center
    style = {"boxstyle": "round,pad=0.05", "fc": "white", "ec": "black"}
    lw, fontsize = box.get("lw", 1.2), box.get("fontsize", 9)
    ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, lw=lw, **style))
    text = textwrap.fill(str(name).replace("_", " "), 16) + f"\n({who})"
    ax.text(cx, cy, text, ha="center", va="center", fontsize=fontsize)


def curved_arrow(
    ax: Any, start: tuple[float, float], end: tuple[float, float], *, rad: float = 0.0, **style: Any
) -> None:
    """Draw an arrow from ``start`` to ``end`` bent by ``rad`` (0: straight; matplotlib's arc3).

    ``style`` goes to :class:`matplotlib.patches.FancyArrowPatch` after the defaults
    ``arrowstyle="-|>"``, ``color="black"``. Used for the paths, the residual correlation
    arc of :func:`apim_path_diagram` and the direct effects of the APIMeM diagram.

    Parameters
    ----------
    ax : matplotlib Axes
    start, end : pair of float
        Tail and head in data coordinates.
    rad : float
        Curvature.
    **style
        ``lw``, ``mutation_scale`` (head size), ``arrowstyle``, ``color``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> curved_arrow(ax, (0, 0), (1, 1), rad=0.2, arrowstyle="<|-|>", lw=1.1)
    >>> ax.patches[0].get_linewidth()
    1.1
    """
    from matplotlib.patches import FancyArrowPatch

    style = {"arrowstyle": "-|>", "color": "black", **style}
    ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", **style))


def path_arrow(
    ax: Any, start: tuple[float, float], end: tuple[float, float], text: str, *, w: float,
    frac: float = 0.5, dy: float = 0.0, fontsize: float = 9, **arrow: Any,
) -> None:  # fmt: skip
    """Draw a labelled path from the right edge of one box to the left edge of another.

    The label sits on a white patch at ``frac`` of the way along the straight line,
    ``dy`` above it. Shared by :func:`apim_path_diagram` and the APIMeM diagram.

    Parameters
    ----------
    ax : matplotlib Axes
    start, end : pair of float
        Centres of the two boxes (as given to :func:`path_box`).
    text : str
        The label (an estimate with its stars).
    w : float
        Width of the boxes: the arrow runs between their edges.
    frac, dy : float
        Where the label sits along the arrow, and how far above it.
    fontsize : float
        Size of the label.
    **arrow
        Passed to :func:`curved_arrow` (``rad``, ``lw``, ``mutation_scale``); by default
        a straight arrow with ``lw=1.3``, ``mutation_scale=14``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> path_arrow(ax, (1.5, 4.6), (8.0, 4.6), "a: 0.30***", w=2.2)
    >>> ax.texts[0].get_position()
    (4.75, 4.6)
    """
    x0, y0 = start[0] + w / 2 + 0.05, start[1]
    x1, y1 = end[0] - w / 2 - 0.05, end[1]
    curved_arrow(ax, (x0, y0), (x1, y1), **{"lw": 1.3, "mutation_scale": 14, **arrow})
    bbox = {"fc": "white", "ec": "none", "pad": 1}
    tx, ty = x0 + frac * (x1 - x0), y0 + frac * (y1 - y0) + dy
    ax.text(tx, ty, text, ha="center", va="center", fontsize=fontsize, bbox=bbox)


def apim_path_diagram(result: Any, ax: Any = None, predictor: str | None = None) -> Any:
    """Draw the APIM path diagram of an :class:`~dyadscore.APIMResult`.

    X boxes (person 1 / person 2, or the two roles) on the left, Y boxes on the right;
    actor paths horizontal, partner paths crossing, each labelled with its estimate and
    significance stars (* p < .05, ** p < .01, *** p < .001); a double-headed arc joins the
    residuals of the two outcomes, labelled with the residual correlation.

    Parameters
    ----------
    result : APIMResult
    ax : matplotlib Axes, optional
        Drawn into a new figure when omitted.
    predictor : str, optional
        Which predictor to draw when the model has several (default the first).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into (``res.plot()`` calls this function).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import dyadscore as ds
    >>> res = ds.apim(ds.simulate_dyads(200, seed=1), x="x", y="y", dyad="couple")
    >>> apim_path_diagram(res).get_title()
    'APIM (indistinguishable dyads, REML); * p < .05, ** p < .01, *** p < .001'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(7, 4.2))
    info = result.info
    xname = predictor or info["x"][0]
    if xname not in info["x"]:
        from .errors import InputError

        raise InputError(f"predictor {xname!r} is not in the model; expected one of {info['x']}")
    eff = result.effects
    roles = info.get("roles") or [None, None]
    labels = [str(r) for r in roles] if roles[0] is not None else ["1", "2"]

    def row(effect: str, role: Any) -> Any:
        sel = eff[(eff.effect == effect) & (eff.predictor == xname)]
        if role is not None:
            sel = sel[sel.role == role]
        return sel.iloc[0]

    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.axis("off")
    pos = {"X1": (1.5, 4.6), "X2": (1.5, 1.4), "Y1": (8.0, 4.6), "Y2": (8.0, 1.4)}

    who = {"1": labels[0], "2": labels[1]}
    w, h = 2.2, 1.2
    for key, center in pos.items():
        name = xname if key[0] == "X" else info["y"]
        path_box(ax, center, name, who[key[1]], w=w, h=h)

    def arrow(a: str, b: str, text: str, frac: float, dy: float) -> None:
        path_arrow(ax, pos[a], pos[b], text, w=w, frac=frac, dy=dy)

    r1, r2 = (roles[0], roles[1]) if roles[0] is not None else (None, None)
    a1, a2 = row("actor", r1), row("actor", r2)
    p1, p2 = row("partner", r1), row("partner", r2)  # partner effect on Y of role r
    arrow("X1", "Y1", "a: " + _label(a1.estimate, a1.p), 0.5, 0.25)
    arrow("X2", "Y2", "a: " + _label(a2.estimate, a2.p), 0.5, -0.25)
    arrow("X2", "Y1", "p: " + _label(p1.estimate, p1.p), 0.3, 0.0)
    arrow("X1", "Y2", "p: " + _label(p2.estimate, p2.p), 0.7, 0.0)
    # residual correlation arc on the right of the outcomes
    rho = result.covariance["correlation"]
    p_rho = result.nonindependence.get("p", np.nan)
    (x1, y1), (x2, y2) = pos["Y1"], pos["Y2"]
    style = {"arrowstyle": "<|-|>", "mutation_scale": 12, "lw": 1.1, "color": "dimgray"}
    curved_arrow(ax, (x1 + w / 2 + 0.1, y1), (x2 + w / 2 + 0.1, y2), rad=-0.45, **style)
    ax.text(
        9.75,
        3.0,
        f"r = {rho:.2f}{format_stars(p_rho)}",
        ha="center",
        va="center",
        fontsize=9,
        rotation=90,
    )
    kind = "distinguishable" if result.fit["distinguishable"] else "indistinguishable"
    ax.set_title(
        f"APIM ({kind} dyads, {result.fit['method']}); * p < .05, ** p < .01, *** p < .001",
        fontsize=9,
    )
    return ax


def forest_plot(table: Any, ax: Any = None, lang: str = "en") -> Any:
    """Forest plot of standardised effects with the interval that matches each decision.

    One row per hypothesis (and role) of a :func:`dyadscore.paradox.test` table. The
    horizontal line is the confidence interval of beta whose position decides the test:
    the (1 - 2 alpha) interval (90% at alpha = .05) for one-sided, non-inferiority,
    non-superiority and equivalence (TOST) tests, the (1 - alpha) interval (95%) for
    two-sided tests; each row's tick label says which. Bounds of equivalence,
    non-inferiority and non-superiority tests are red ticks. Supported hypotheses are blue.

    Parameters
    ----------
    table : DataFrame
        ``ParadoxResult.table`` (needs hypothesis, estimate, se, df, beta, direction,
        alpha, sesoi, supported).
    ax : matplotlib Axes, optional
    lang : {"en", "nl"}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"hypothesis": ["H3"], "estimate": [0.02], "se": [0.04],
    ...     "df": [790.0], "beta": [0.02], "direction": ["non-superiority"], "alpha": [0.05],
    ...     "sesoi": [0.1], "supported": [True]})
    >>> ax = forest_plot(tab)
    >>> ax.get_yticklabels()[0].get_text()
    'H3 (90% CI)'
    """
    from scipy import stats

    from .catalogue import text
    from .paradox import ci_level

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.5, 0.5 * len(table) + 1.8))
    tab = table.reset_index(drop=True)
    est = tab["estimate"].to_numpy(float)
    beta = tab["beta"].to_numpy(float)
    scale = np.divide(beta, est, out=np.zeros_like(beta), where=est != 0)
    level = np.array([ci_level(d, a) for d, a in zip(tab["direction"], tab["alpha"], strict=True)])
    df = tab["df"].to_numpy(float) if "df" in tab else np.full(len(tab), np.inf)
    crit = stats.t.ppf(0.5 + level / 2, np.where(np.isfinite(df), df, np.inf))
    half = crit * tab["se"].to_numpy(float) * np.abs(scale)
    lo, hi = beta - half, beta + half
    y = np.arange(len(tab))[::-1]
    colors = np.where(tab["supported"].to_numpy(bool), "tab:blue", "tab:grey")
    ax.hlines(y, lo, hi, colors=colors)
    ax.scatter(beta, y, c=colors, zorder=3)
    for yi, (_, row) in zip(y, tab.iterrows(), strict=True):
        s = row.get("sesoi", np.nan)
        marks = {
            "equivalence": [-s, s],
            "non-superiority": [s],
            "non-inferiority": [-s],
        }.get(row["direction"], [])
        if marks:
            ax.plot(marks, [yi] * len(marks), "|", color="tab:red", markersize=14)
    ci_word = text("figures.ci", lang)
    labels = [
        f"{h}{f' [{r}]' if r is not None else ''} ({100 * lv:.10g}% {ci_word})"
        for h, r, lv in zip(
            tab["hypothesis"],
            tab["role"] if "role" in tab else [None] * len(tab),
            level,
            strict=True,
        )
    ]
    ax.set_yticks(y, labels)
    ax.axvline(0, color="black", linewidth=0.8)
    alpha = float(tab["alpha"].iloc[0]) if len(tab) else 0.05
    lo_pct, hi_pct = f"{100 * (1 - 2 * alpha):.10g}", f"{100 * (1 - alpha):.10g}"
    note = text("paradox.ci_note", lang, lo=lo_pct, hi=hi_pct)
    ax.set_xlabel(f"{text('paradox.axis', lang)}\n{note}", fontsize=9)
    ax.set_title(text("paradox.title", lang))
    return ax
