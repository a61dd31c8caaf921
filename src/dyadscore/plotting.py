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

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> # res.plot().figure.savefig("apim.png")
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

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

    def box_label(name: str, who: str) -> str:
        # long variable names wrap inside the box instead of running over its edge
        return textwrap.fill(str(name).replace("_", " "), 16) + f"\n({who})"

    names = {
        "X1": box_label(xname, labels[0]),
        "X2": box_label(xname, labels[1]),
        "Y1": box_label(info["y"], labels[0]),
        "Y2": box_label(info["y"], labels[1]),
    }
    w, h = 2.2, 1.2
    for key, (cx, cy) in pos.items():
        ax.add_patch(
            FancyBboxPatch(
                (cx - w / 2, cy - h / 2),
                w,
                h,
                boxstyle="round,pad=0.05",
                fc="white",
                ec="black",
                lw=1.2,
            )
        )
        ax.text(cx, cy, names[key], ha="center", va="center", fontsize=9)

    def arrow(a: str, b: str, text: str, frac: float, dy: float) -> None:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        start = (x0 + w / 2 + 0.05, y0)
        end = (x1 - w / 2 - 0.05, y1)
        ax.add_patch(
            FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, lw=1.3, color="black")
        )
        tx = start[0] + frac * (end[0] - start[0])
        ty = start[1] + frac * (end[1] - start[1]) + dy
        ax.text(
            tx,
            ty,
            text,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"fc": "white", "ec": "none", "pad": 1},
        )

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
    ax.add_patch(
        FancyArrowPatch(
            (pos["Y1"][0] + w / 2 + 0.1, pos["Y1"][1]),
            (pos["Y2"][0] + w / 2 + 0.1, pos["Y2"][1]),
            connectionstyle="arc3,rad=-0.45",
            arrowstyle="<|-|>",
            mutation_scale=12,
            lw=1.1,
            color="dimgray",
        )
    )
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

    from .paradox import _TEXT, ci_level

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
    ci_word = "CI" if lang == "en" else "BI"
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
    t = _TEXT[lang]
    alpha = float(tab["alpha"].iloc[0]) if len(tab) else 0.05
    note = t["ci_note"].format(lo=f"{100 * (1 - 2 * alpha):.10g}", hi=f"{100 * (1 - alpha):.10g}")
    ax.set_xlabel(f"{t['axis']}\n{note}", fontsize=9)
    ax.set_title(t["title"])
    return ax
