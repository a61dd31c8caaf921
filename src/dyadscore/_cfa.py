"""Confirmatory factor analysis and dyadic measurement invariance (lavaan / dySEM set-up).

:func:`cfa` fits a one-factor model (or an instrument's subscales as correlated factors)
to person-level item data, optionally per group. :func:`invariance` fits the dyadic CFA
of dySEM (one factor per partner, correlated factors, correlated residuals of the same
item in both partners) at the configural, loading, intercept and residual levels, with
fixed-factor (``"FF"``) or marker-variable (``"MV"``) scaling, listwise or FIML, and the
likelihood-ratio tests between successive levels.

Every number equals lavaan 0.6 (``lavaan::cfa(..., std.lv = FALSE, auto.fix.first =
FALSE, meanstructure = TRUE, estimator = "ML", missing = "listwise" or "ml")``) at the
exact optimum: the ML engine is :mod:`dyadscore._sem`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(3)
>>> f = rng.normal(size=(300, 1))
>>> y = 4 + f * [0.9, 0.8, 0.7, 0.8] + rng.normal(scale=0.6, size=(300, 4))
>>> df = pd.DataFrame(y, columns=["y1", "y2", "y3", "y4"])
>>> res = cfa(df, ["y1", "y2", "y3", "y4"])
>>> int(res.fits.loc[0, "df"]), bool(res.fits.loc[0, "cfi"] > 0.95)
(2, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import Texts, check_lang
from .errors import InputError, _file_name_as_source, input_name, reading
from .results import Result, format_number, format_p_eq

__all__ = [
    "cfa",
    "invariance",
    "CFAResult",
    "InvarianceResult",
    "LEVELS",
    "dysem_syntax",
]

LEVELS = ("configural", "loading", "intercept", "residual")
FIT_COLUMNS = [
    "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
    "srmr", "logl", "aic", "bic", "npar", "ntotal",
]  # fmt: skip
PARAM_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "std_all"]
CRITERIA = {"alpha": 0.05, "delta_cfi": 0.01, "delta_rmsea": 0.015}


# ============================================================================ model rows
def _dysem_rows(
    factors1: dict, factors2: dict, level: str, scaling: str, release: int | None = None
) -> list:
    """Parameter table of dySEM's dyadic CFA (``scriptCor``), generalised to several factors.

    ``factors1`` / ``factors2``: ``{latent name: [item columns]}`` of partner 1 / 2, the
    same item order (item ``i`` of a factor of partner 1 pairs with item ``i`` of the
    matching factor of partner 2). Labels ``lx<k>``, ``tx<k>``, ``thx<k>`` count items
    over all factors, as dySEM does for one factor. ``release``: item number ``k`` whose
    constraint added at ``level`` is dropped (partial invariance): partner 2's parameter
    gets its own label.
    """
    from ._sem import Row

    li = LEVELS.index(level)
    eq_load, eq_int, eq_res = li >= 1, li >= 2, li >= 3
    mv = scaling == "MV"
    rows: list[Row] = []

    def lab(prefix: str, k: int, partner: int, on: bool) -> str:
        if not on:
            return ""
        own = release == k and partner == 1 and prefix == {1: "lx", 2: "tx", 3: "thx"}.get(li)
        return f"{prefix}{k}" + ("_2" if own else "")

    # loadings: partner 1's factors, then partner 2's
    for partner, factors in enumerate((factors1, factors2)):
        k = 0
        for lv, items in factors.items():
            for i, it in enumerate(items):
                k += 1
                fixed = mv and i == 0 and (partner == 0 or not eq_load)
                rows.append(Row(lv, "=~", it, lab("lx", k, partner, eq_load), not fixed, 1.0))
    for partner, factors in enumerate((factors1, factors2)):
        k = 0
        for items in factors.values():
            for i, it in enumerate(items):
                k += 1
                fixed = mv and i == 0 and (partner == 0 or not eq_int)
                rows.append(Row(it, "~1", "", lab("tx", k, partner, eq_int), not fixed, 0.0))
    for partner, factors in enumerate((factors1, factors2)):
        k = 0
        for items in factors.values():
            for it in items:
                k += 1
                rows.append(Row(it, "~~", it, lab("thx", k, partner, eq_res)))
    items1 = [it for items in factors1.values() for it in items]
    items2 = [it for items in factors2.values() for it in items]
    rows += [Row(a, "~~", b) for a, b in zip(items1, items2, strict=True)]
    lv1, lv2 = list(factors1), list(factors2)
    if mv:
        rows += [Row(a, "~~", a) for a in lv1] + [Row(b, "~~", b) for b in lv2]
    else:
        rows += [Row(a, "~~", a, free=False, value=1.0) for a in lv1]
        rows += [Row(b, "~~", b, free=eq_load, value=1.0) for b in lv2]
    lvs = lv1 + lv2
    rows += [Row(lvs[i], "~~", lvs[j]) for i in range(len(lvs)) for j in range(i + 1, len(lvs))]
    if mv:
        rows += [Row(a, "~1", "") for a in lvs]
    else:
        rows += [Row(a, "~1", "", free=False, value=0.0) for a in lv1]
        rows += [Row(b, "~1", "", free=eq_int, value=0.0) for b in lv2]
    return rows


def _single_rows(factors: dict, scaling: str) -> list:
    """Parameter table of a (multi-)factor CFA for one group (oracle conventions)."""
    from ._sem import Row

    mv = scaling == "MV"
    rows: list[Row] = []
    for lv, items in factors.items():
        rows += [Row(lv, "=~", it, "", not (mv and i == 0), 1.0) for i, it in enumerate(items)]
    for items in factors.values():
        rows += [Row(it, "~1", "", "", not (mv and i == 0), 0.0) for i, it in enumerate(items)]
    for items in factors.values():
        rows += [Row(it, "~~", it) for it in items]
    lvs = list(factors)
    rows += [Row(a, "~~", a, free=mv, value=1.0) for a in lvs]
    rows += [Row(lvs[i], "~~", lvs[j]) for i in range(len(lvs)) for j in range(i + 1, len(lvs))]
    rows += [Row(a, "~1", "", free=mv, value=0.0) for a in lvs]
    return rows


def dysem_syntax(
    items1: list[str],
    items2: list[str],
    lv1: str = "F_A",
    lv2: str = "F_B",
    level: str = "configural",
    scaling: str = "FF",
) -> str:
    """The lavaan syntax ``dySEM::scriptCor()`` writes for a one-factor dyadic model.

    Parameters
    ----------
    items1, items2 : list of str
        Item columns of partner 1 and partner 2 (same order).
    lv1, lv2 : str
        Latent variable names.
    level : {"configural", "loading", "intercept", "residual"}
    scaling : {"FF", "MV"}

    Returns
    -------
    str
        The syntax, to run the same model in R.

    Examples
    --------
    >>> print(dysem_syntax(["a1", "a2"], ["b1", "b2"]).splitlines()[3])
    F_A=~NA*a1+a2

    In R: ``dySEM::scriptCor(dvn, lvname = "F", scaleset = "FF")``.
    """
    k = len(items1)
    li = LEVELS.index(level)
    eq_load, eq_int, eq_res = li >= 1, li >= 2, li >= 3
    lab = [f"{{}}{i + 1}" for i in range(k)]

    def load_line(lv: str, items: list[str], first: str) -> str:
        if eq_load:
            return f"{lv}=~{first}*{items[0]}+" + "+".join(
                f"lx{i + 1}*{it}" for i, it in enumerate(items)
            )
        return f"{lv}=~{first}*" + "+".join(items)

    if scaling == "FF":
        l1, l2 = load_line(lv1, items1, "NA"), load_line(lv2, items2, "NA")
    else:
        l1, l2 = load_line(lv1, items1, "1"), load_line(lv2, items2, "NA" if eq_load else "1")

    def int_lines(items: list[str], partner: int) -> str:
        if eq_int:
            rhs = [f"tx{i + 1}*1" for i in range(k)]
            if scaling == "MV" and partner == 1:
                rhs[0] = "0*1 + " + rhs[0]
        else:
            rhs = ["1"] * k
            if scaling == "MV":
                rhs[0] = "0*1"
        return "\n".join(f"{it} ~ {r}" for it, r in zip(items, rhs, strict=True))

    def res_lines(items: list[str]) -> str:
        rhs = [f"thx{i + 1}*{it}" for i, it in enumerate(items)] if eq_res else items
        return "\n".join(f"{it} ~~ {r}" for it, r in zip(items, rhs, strict=True))

    del lab
    cores = "\n".join(f"{a} ~~ {b}" for a, b in zip(items1, items2, strict=True))
    if scaling == "FF":
        v1 = f"{lv1} ~~ 1*{lv1}"
        v2 = f"{lv2} ~~ NA*{lv2}" if eq_load else f"{lv2} ~~ 1*{lv2}"
        m1 = f"{lv1} ~ 0*1"
        m2 = f"{lv2} ~ NA*1" if eq_int else f"{lv2} ~ 0*1"
    else:
        v1, v2 = f"{lv1} ~~ NA*{lv1}", f"{lv2} ~~ NA*{lv2}"
        m1, m2 = f"{lv1} ~ NA*1", f"{lv2} ~ NA*1"
    cv = f"{lv1} ~~ {lv2}"
    return (
        f"#Measurement Model\n\n#Loadings\n{l1}\n{l2}\n\n#Intercepts\n{int_lines(items1, 1)}\n\n"
        f"{int_lines(items2, 2)}\n\n#Residual Variances\n{res_lines(items1)}\n\n{res_lines(items2)}"
        f"\n\n#Residual Covariances\n{cores}\n\n#Structural Model\n\n#Latent (Co)Variances\n"
        f"{v1}\n{v2}\n{cv}\n\n#Latent Means\n{m1}\n{m2}"
    )


# ============================================================================ data
def _check_choice(name: str, value: Any, allowed: tuple) -> None:
    if value not in allowed:
        raise InputError(f"{name} {value!r}: expected one of {', '.join(map(str, allowed))}")


def _item_spec(data: pd.DataFrame, instrument: Any, structure: str):
    """(keyed item frame, {factor: [items]}, instrument id or None)."""
    if isinstance(instrument, dict):
        factors = {str(k): [str(c) for c in v] for k, v in instrument.items()}
        items = [c for v in factors.values() for c in v]
        return _numeric_items(data, items), factors, None
    if isinstance(instrument, list | tuple):
        items = [str(c) for c in instrument]
        return _numeric_items(data, items), {"F": items}, None
    from .instruments import load_instrument
    from .scoring import keyed_items

    inst = load_instrument(instrument)
    missing_cols = [c for c in inst.item_ids if c not in data.columns]
    if missing_cols:
        raise InputError(
            f"{input_name('data')}: column {missing_cols[0]!r}: not found; the instrument "
            f"{inst.id!r} needs the item columns {', '.join(inst.item_ids)}"
        )
    keyed = keyed_items(data, inst)
    if structure == "one":
        factors = {inst.id.replace("-", "_"): list(inst.item_ids)}
    else:
        subs = {name: list(s.items) for name, s in inst.subscales.items()}
        # drop total scales: subscales whose items contain another subscale's items
        keep = {
            n: it
            for n, it in subs.items()
            if not any(o != n and set(oi) < set(it) for o, oi in subs.items())
        }
        factors = keep
    return keyed, factors, inst.id


def _numeric_items(data: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    src = input_name("data")
    for c in items:
        if c not in data.columns:
            raise InputError(f"{src}: column {c!r}: not found; expected an item column")
    out = pd.DataFrame(index=data.index)
    for c in items:
        col = pd.to_numeric(data[c], errors="coerce")
        bad = col.isna() & data[c].notna()
        if bad.any():
            row = bad.idxmax()
            raise InputError(
                f"{src}: row {_row(row)}, column {c!r}, value {data.loc[row, c]!r}: "
                "expected a number"
            )
        out[c] = col.astype(float)
    return out


def _row(label: Any) -> Any:
    return label.item() if hasattr(label, "item") else label


def _check_items(y: pd.DataFrame, what: str, src: str) -> None:
    """Zero-variance and empty items are one-line errors."""
    for c in y.columns:
        v = y[c].dropna()
        if len(v) == 0:
            raise InputError(f"{src}: column {c!r}{what}: no answers; every item needs answers")
        if v.nunique() < 2:
            raise InputError(
                f"{src}: column {c!r}{what}, value {_fmt_value(v.iloc[0])}: every answer is "
                "the same; a factor model needs variance in every item"
            )


def _fmt_value(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _check_sample(y: np.ndarray, names: list[str], npar: int, n_label: str, src: str, fiml: bool):
    """Too few rows for the parameters, or a sample covariance that is not positive definite."""
    from ._sem import SamplePatterns

    data = SamplePatterns(y, fiml)
    if data.n < max(npar, y.shape[1] + 1):
        raise InputError(
            f"{src}: {data.n} {n_label} with usable answers: expected at least {max(npar, y.shape[1] + 1)} "
            f"for the {npar} parameters of this model"
            + (
                ""
                if fiml
                else " (listwise: only complete rows count; FIML uses every row with an answer)"
            )
        )
    h1 = data.saturated()
    w, v = np.linalg.eigh(h1[1])
    if w[0] <= 1e-10 * max(w[-1], 1e-300):
        worst = np.argsort(-np.abs(v[:, 0]))[:2]
        pair = " and ".join(repr(names[i]) for i in sorted(worst))
        raise InputError(
            f"{src}: columns {pair}: the sample covariance matrix of the items is not positive "
            "definite (an item is a linear combination of others); drop one of them"
        )
    return data, h1


# ============================================================================ fitting
def _fit(rows, ov, lv, y, missing, data, h1):
    from ._sem import fit_model

    return fit_model(rows, ov, lv, y, missing, data=data, h1=h1)


def _params_frame(fit) -> pd.DataFrame:
    return pd.DataFrame(fit.params)[PARAM_COLUMNS]


def _fits_row(fit) -> dict:
    return {k: fit.fit_measures[k] for k in FIT_COLUMNS}


def _info(instrument: Any, factors: dict, who: dict, scaling: str, missing: str, **more) -> dict:
    """The ``info`` of a CFA or invariance result: the model asked for (and ``more``)."""
    return {"instrument": instrument, "factors": factors, **who, "scaling": scaling,
            "missing": missing, **more}  # fmt: skip


def _omega(fit, factor: str, items: list[str]) -> dict:
    """Omega total (unstandardised, McNeish 2018 formula 2) and dySEM's standardised omega."""
    p = pd.DataFrame(fit.params)
    ld = p[(p.op == "=~") & (p.lhs == factor)].set_index("rhs").loc[items]
    th = p[(p.op == "~~") & (p.lhs == p.rhs) & p.lhs.isin(items)].set_index("lhs").loc[items]
    psi = float(p[(p.op == "~~") & (p.lhs == factor) & (p.rhs == factor)]["est"].iloc[0])
    sl, st = ld["est"].sum(), th["est"].sum()
    sls, sts = ld["std_all"].sum(), th["std_all"].sum()
    return {
        "omega_total": float(sl**2 * psi / (sl**2 * psi + st)),
        "omega_std": float(sls**2 / (sls**2 + sts)),
    }


# ============================================================================ cfa()
@_file_name_as_source
def cfa(
    data: Any,
    instrument: Any,
    *,
    by: str | None = None,
    scaling: str = "FF",
    missing: str = "listwise",
    structure: str = "subscales",
) -> CFAResult:
    """Confirmatory factor analysis of an instrument's items by maximum likelihood.

    One factor per subscale (correlated factors; a subscale that is the total of others
    is left out) or one factor for all items (``structure="one"``); with ``by``, one
    model per group (e.g. per role).

    Parameters
    ----------
    data : DataFrame or path
        One row per person, one column per item (item ids of the instrument).
    instrument : id, path, Instrument, list of columns or {factor: [columns]}
        An instrument (items are range-checked and reverse-keyed first), or plain item
        columns (used as given).
    by : str, optional
        Group column: one model per group.
    scaling : {"FF", "MV"}
        Fixed factor (factor variance 1, mean 0) or marker variable (first loading 1,
        first intercept 0).
    missing : {"listwise", "fiml"}
        Complete rows only, or full-information ML on every row with an answer.
    structure : {"subscales", "one"}

    Returns
    -------
    CFAResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(400, 1))
    >>> y = 3 + f * [0.8, 0.7, 0.9] + rng.normal(scale=0.5, size=(400, 3))
    >>> res = cfa(pd.DataFrame(y, columns=["a", "b", "c"]), ["a", "b", "c"], scaling="MV")
    >>> res.params["all"].query("op == '=~'")["est"].round(2).tolist()
    [1.0, 0.97, 1.13]
    >>> round(float(res.omega.loc[0, "omega_total"]), 2)
    0.89

    In R: ``lavaan::cfa("F =~ a + b + c", data, meanstructure = TRUE, missing = "listwise")``.
    """
    _check_choice("scaling", scaling, ("FF", "MV"))
    _check_choice("missing", missing, ("listwise", "fiml"))
    _check_choice("structure", structure, ("subscales", "one"))
    df, src = _as_frame(data)
    with reading(src):
        keyed, factors, inst_id = _item_spec(df, instrument, structure)
    _check_factors(factors, single=True)
    if by is not None and by not in df.columns:
        raise InputError(f"{src}: column {by!r} (the group column): not found")
    groups = [("all", np.ones(len(df), bool))]
    if by is not None:
        groups = [(g, (df[by] == g).to_numpy()) for g in pd.unique(df[by].dropna())]
    ov = [c for v in factors.values() for c in v]
    rows = _single_rows(factors, scaling)
    fits, params, omegas, warns, fitted = [], {}, [], [], {}
    if by != "wave" and "wave" in df.columns and df["wave"].nunique() > 1:
        warns.append(
            f"{df['wave'].nunique()} waves pooled (a person counts once per wave); "
            "select one wave for a CFA of independent persons"
        )
    from ._sem import Model

    npar = Model(rows, ov, list(factors)).q
    for g, mask in groups:
        y = keyed.loc[mask, ov]
        what = "" if by is None else f" ({by} {g})"
        _check_items(y, what, src)
        data_, h1 = _check_sample(
            y.to_numpy(float), ov, npar, "persons" + what, src, missing == "fiml"
        )
        fit = _fit(rows, ov, list(factors), y.to_numpy(float), missing, data_, h1)
        fitted[g] = fit
        fits.append({"group": g, **_fits_row(fit)})
        params[g] = _params_frame(fit)
        for f, items in factors.items():
            omegas.append({"group": g, "factor": f, **_omega(fit, f, items)})
        warns += [f"{'' if by is None else f'{by} {g}: '}{w}" for w in fit.warnings]
    return CFAResult(
        fits=pd.DataFrame(fits),
        params=params,
        omega=pd.DataFrame(omegas),
        warnings=warns,
        info=_info(inst_id, factors, {"by": by}, scaling, missing),
        _fits=fitted,
    )


def _as_frame(data: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        return data, input_name("data")
    from .io import read_table

    return read_table(data), input_name(None) or str(data)


def _check_factors(factors: dict, single: bool) -> None:
    if not factors:
        raise InputError("instrument: no items to analyse")
    for f, items in factors.items():
        if len(items) < 2 or (len(items) < 3 and len(factors) == 1):
            raise InputError(
                f"instrument: factor {f!r} has {len(items)} item(s): a factor needs at least "
                f"{2 if len(factors) > 1 else 3} items"
            )


# ============================================================================ invariance()
@_file_name_as_source
def invariance(
    data: Any,
    instrument: Any,
    *,
    dyad: str = "couple",
    role: str = "role",
    levels: tuple[str, ...] | list[str] = LEVELS,
    scaling: str = "FF",
    missing: str = "listwise",
    structure: str = "subscales",
    roles: tuple[Any, Any] | None = None,
    wave: Any = None,
) -> InvarianceResult:
    """Dyadic CFA and measurement invariance between partners (dySEM set-up).

    One factor per partner (per subscale with ``structure="subscales"``), the partners'
    factors correlated, and the residuals of the same item of both partners correlated.
    Fitted at each level of ``levels``: ``configural`` (same structure), ``loading``
    (equal loadings: metric / weak), ``intercept`` (also equal intercepts: scalar /
    strong), ``residual`` (also equal residual variances: strict). Successive levels are
    compared by likelihood-ratio tests and by the change in CFI and RMSEA.

    Parameters
    ----------
    data : DataFrame or path
        One row per person: ``dyad`` and ``role`` columns and the item columns. Dyad
        format (one row per couple, ``<item>_<role>`` columns such as ``item1_A`` and
        ``item1_B``, no role column) is accepted too.
    instrument : id, path, Instrument, list of columns or {factor: [columns]}
    dyad, role : str
        Column names of the couple id and the partner's role (two distinct roles).
    levels : sequence of str
        Levels to fit, in order (a subset of the four, starting with ``configural``).
    scaling : {"FF", "MV"}
        dySEM's fixed-factor scaling (partner 1's factor has variance 1 and mean 0;
        partner 2's variance is freed at the loading level, its mean at the intercept
        level) or marker-variable scaling (first item: loading 1, intercept 0).
    missing : {"listwise", "fiml"}
        Couples with every item answered, or full-information ML on every couple.
    structure : {"subscales", "one"}
    roles : (role 1, role 2), optional
        Partner 1 (the reference under FF) and partner 2; default: order of appearance.
    wave : optional
        The wave to analyse when ``data`` has a ``wave`` column with several waves
        (default: the first).

    Returns
    -------
    InvarianceResult
        Fit and tests per level, parameters, omega, and the highest level that holds.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(7)
    >>> n = 300
    >>> f = rng.multivariate_normal([0, 0], [[1, .4], [.4, 1]], size=n)
    >>> lam = np.array([0.9, 0.8, 0.7, 0.8])
    >>> rows = []
    >>> for r, j in (("A", 0), ("B", 1)):
    ...     y = 4 + f[:, [j]] * lam + rng.normal(scale=0.6, size=(n, 4))
    ...     d = pd.DataFrame(y, columns=["i1", "i2", "i3", "i4"])
    ...     rows.append(d.assign(couple=np.arange(n), role=r))
    >>> long = pd.concat(rows, ignore_index=True)
    >>> res = invariance(long, ["i1", "i2", "i3", "i4"])
    >>> res.fits["df"].tolist()
    [15, 18, 21, 25]
    >>> res.holds
    'residual'

    In R: ``lavaan::cfa(dySEM::scriptCor(dvn, lvname = "F", constr_dy_meas = ...), data,
    std.lv = FALSE, auto.fix.first = FALSE, meanstructure = TRUE, missing = "ml")``.
    """
    _check_choice("scaling", scaling, ("FF", "MV"))
    _check_choice("missing", missing, ("listwise", "fiml"))
    _check_choice("structure", structure, ("subscales", "one"))
    levels = list(levels)
    for lev in levels:
        _check_choice("levels", lev, LEVELS)
    if levels != [lev for lev in LEVELS if lev in levels] or len(set(levels)) != len(levels):
        raise InputError(
            f"levels {', '.join(levels)}: expected levels in the order {', '.join(LEVELS)}"
        )
    df, src = _as_frame(data)
    if role not in df.columns:
        df = _wide_to_long(df, instrument, dyad, role)
    for col, what in ((dyad, "dyad"), (role, "role")):
        if col not in df.columns:
            raise InputError(f"{src}: column {col!r} (the {what} column): not found")
    warns: list[str] = []
    if "wave" in df.columns and df["wave"].nunique() > 1:
        waves = list(pd.unique(df["wave"].dropna()))
        w = waves[0] if wave is None else wave
        if w not in waves:
            raise InputError(f"{src}: column 'wave', value {w!r}: not in the data")
        if wave is None:
            warns.append(
                f"{len(waves)} waves in the data; wave {w} analysed (choose the wave to analyse)"
            )
        df = df[df["wave"] == w]
    with reading(src):
        keyed, factors, inst_id = _item_spec(df, instrument, structure)
    _check_factors(factors, single=False)
    role_values = list(pd.unique(df[role].dropna()))
    if roles is None:
        if len(role_values) != 2:
            raise InputError(
                f"{src}: column {role!r}: {len(role_values)} distinct roles "
                f"({', '.join(map(str, role_values[:5]))}); expected two (distinguishable partners)"
            )
        roles = (role_values[0], role_values[1])
    for r in roles:
        if r not in role_values:
            raise InputError(f"{src}: column {role!r}, value {r!r}: role not in the data")
    dup = df[[dyad, role]].duplicated()
    if dup.any():
        i = dup.idxmax()
        raise InputError(
            f"{src}: row {_row(i)}, column {role!r}, value {df.loc[i, role]!r}: the same role "
            f"appears twice in {dyad} {df.loc[i, dyad]!r}; expected one row per person"
        )
    items = [c for v in factors.values() for c in v]
    r1, r2 = (str(r) for r in roles)
    parts = []
    for r, rs in zip(roles, (r1, r2), strict=True):
        mask = (df[role] == r).to_numpy()
        _check_items(keyed.loc[mask, items], f" ({role} {rs})", src)
        part = keyed.loc[mask, items].copy()
        part.columns = [f"{c}_{rs}" for c in items]
        part.index = df.loc[mask, dyad].to_numpy()
        parts.append(part)
    wide = parts[0].join(parts[1], how="outer")
    wide = wide[wide.index.notna()]
    f1 = {f"{f}_{r1}": [f"{c}_{r1}" for c in v] for f, v in factors.items()}
    f2 = {f"{f}_{r2}": [f"{c}_{r2}" for c in v] for f, v in factors.items()}
    ov = [c for v in f1.values() for c in v] + [c for v in f2.values() for c in v]
    lvs = list(f1) + list(f2)
    y = wide[ov]
    _check_items(y, "", src)
    yv = y.to_numpy(float)
    from ._sem import Model

    npar = Model(_dysem_rows(f1, f2, levels[0], scaling), ov, lvs).q
    data_, h1 = _check_sample(yv, ov, npar, "couples", src, missing == "fiml")
    fits, params, fitted = [], {}, {}
    for lev in levels:
        fit = _fit(_dysem_rows(f1, f2, lev, scaling), ov, lvs, yv, missing, data_, h1)
        fitted[lev] = fit
        fits.append({"level": lev, **_fits_row(fit)})
        params[lev] = _params_frame(fit)
        warns += [f"{lev}: {w}" for w in fit.warnings]
    fits_df = pd.DataFrame(fits)
    tests = _lr_tests(fits_df)
    omegas = []
    if "configural" in fitted:
        for (f, v), f1n, f2n in zip(factors.items(), f1, f2, strict=True):
            for rr, fn in ((r1, f1n), (r2, f2n)):
                omegas.append(
                    {
                        "role": rr,
                        "factor": f,
                        **_omega(fitted["configural"], fn, [f"{c}_{rr}" for c in v]),
                    }
                )
    syntax = {
        lev: dysem_syntax(f1[lvs[0]], f2[lvs[len(f1)]], lvs[0], lvs[len(f1)], lev, scaling)
        for lev in (levels if len(factors) == 1 else ())
    }
    info = _info(inst_id, factors, {"roles": [r1, r2]}, scaling, missing, n_couples=int(data_.n))
    info.update(n_couples_in_data=int(len(wide)), syntax=syntax)
    return InvarianceResult(
        fits=fits_df,
        params=params,
        tests=tests,
        omega=pd.DataFrame(omegas),
        warnings=warns,
        info=info,
        _fits=fitted,
        _setup={"f1": f1, "f2": f2, "ov": ov, "lvs": lvs, "y": yv, "data": data_, "h1": h1},
    )


def _wide_to_long(df: pd.DataFrame, instrument: Any, dyad: str, role: str) -> pd.DataFrame:
    """Dyad-format data (``item1_A, ..., item1_B, ...``) to one row per person.

    Used when ``data`` has no role column but every item appears with the same two
    suffixes (``<item>_<role>``); anything else is returned unchanged.
    """
    if isinstance(instrument, dict):
        items = [c for v in instrument.values() for c in v]
    elif isinstance(instrument, list | tuple):
        items = list(instrument)
    else:
        from .instruments import load_instrument

        try:
            items = load_instrument(instrument).item_ids
        except InputError:
            return df
    suffixes: list[str] = []
    for c in df.columns:
        for it in items:
            if str(c).startswith(f"{it}_"):
                sfx = str(c)[len(it) + 1 :]
                if sfx not in suffixes:
                    suffixes.append(sfx)
    if len(suffixes) != 2 or any(f"{it}_{s}" not in df.columns for it in items for s in suffixes):
        return df
    if dyad not in df.columns:
        df = df.assign(**{dyad: np.arange(1, len(df) + 1)})
    parts = []
    for sfx in suffixes:
        part = df[[dyad, *(f"{it}_{sfx}" for it in items)]].copy()
        part.columns = [dyad, *items]
        parts.append(part.assign(**{role: sfx}))
    return pd.concat(parts, ignore_index=True)


def _lr_tests(fits: pd.DataFrame) -> pd.DataFrame:
    """lavTestLRT between successive levels, with the changes in CFI and RMSEA."""
    from scipy import stats

    out = []
    for a, b in zip(fits.index[:-1], fits.index[1:], strict=True):
        fa, fb = fits.loc[a], fits.loc[b]
        dchi = float(fb["chisq"] - fa["chisq"])
        ddf = int(fb["df"] - fa["df"])
        p = float(stats.chi2.sf(dchi, ddf))  # lavTestLRT: pchisq(lower.tail = FALSE)
        n = float(fb["ntotal"])
        d_cfi = float(fb["cfi"] - fa["cfi"])
        d_rmsea = float(fb["rmsea"] - fa["rmsea"])
        lr_ok = p >= CRITERIA["alpha"]
        fit_ok = (d_cfi >= -CRITERIA["delta_cfi"]) and (d_rmsea <= CRITERIA["delta_rmsea"])
        out.append(
            {
                "comparison": f"{fa['level']} vs {fb['level']}",
                "level": fb["level"],
                "delta_chisq": dchi,
                "delta_df": ddf,
                "p": p,
                "delta_cfi": d_cfi,
                "delta_rmsea": d_rmsea,
                "rmsea_diff": math.sqrt(max(0.0, (dchi - ddf) / (n * ddf))),
                "lr_ok": lr_ok,
                "fit_ok": fit_ok,
                "holds": bool(lr_ok and fit_ok),
            }
        )
    cols = [
        "comparison", "level", "delta_chisq", "delta_df", "p", "delta_cfi", "delta_rmsea",
        "rmsea_diff", "lr_ok", "fit_ok", "holds",
    ]  # fmt: skip
    return pd.DataFrame(out, columns=cols)


# ============================================================================ results
_TEXT = Texts("cfa")  # strings/cfa.yaml


def _fit_line(row: pd.Series, lang: str) -> str:
    def n(v: float, d: int = 3) -> str:
        return format_number(float(v), d, lang)

    return (
        f"chisq({int(row['df'])}) = {n(row['chisq'], 2)}, p {format_p_eq(float(row['pvalue']))}, "
        f"CFI = {n(row['cfi'])}, TLI = {n(row['tli'])}, RMSEA = {n(row['rmsea'])} "
        f"[{n(row['rmsea_ci_lower'])}, {n(row['rmsea_ci_upper'])}], SRMR = {n(row['srmr'])}"
    )


@dataclass(repr=False)
class CFAResult(Result):
    """Result of :func:`cfa`: fit measures, parameters and omega per group.

    Attributes
    ----------
    fits : DataFrame
        One row per group: ``group`` and lavaan's fit measures (``chisq, df, pvalue, cfi,
        tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, srmr, logl, aic, bic, npar, ntotal``).
    params : dict of DataFrame
        Per group: ``lhs, op, rhs, label, est, se, z, pvalue, std_all``.
    omega : DataFrame
        ``group, factor, omega_total`` (unstandardised) and ``omega_std`` (dySEM's
        omega of the standardised items).
    warnings : list of str
    info : dict

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> y = 3 + rng.normal(size=(200, 1)) * [0.8, 0.7, 0.9] + rng.normal(size=(200, 3)) * 0.5
    >>> res = cfa(pd.DataFrame(y, columns=["a", "b", "c"]), ["a", "b", "c"])
    >>> res
    <CFAResult groups=1 cfi=1>
    >>> list(res.params["all"].columns)
    ['lhs', 'op', 'rhs', 'label', 'est', 'se', 'z', 'pvalue', 'std_all']
    """

    fits: pd.DataFrame
    params: dict
    omega: pd.DataFrame
    warnings: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    _fits: dict = field(default_factory=dict)

    def summary(self, lang: str = "en") -> str:
        """Fit and omega per group, with any warnings."""
        check_lang(lang)
        i = self.info
        what = i["instrument"] or ", ".join(i["factors"])
        t = _TEXT[lang]
        missing = "FIML" if i["missing"] == "fiml" else "listwise"
        k, scaling = len(i["factors"]), i["scaling"]
        lines = [t["cfa_head"].format(what=what, k=k, scaling=scaling, missing=missing)]
        for _, row in self.fits.iterrows():
            lines.append(f"  {row['group']} (n = {int(row['ntotal'])}): {_fit_line(row, lang)}")
        for _, row in self.omega.iterrows():
            lines.append(
                f"  omega {row['factor']} [{row['group']}] = "
                f"{format_number(row['omega_total'], 3, lang)}"
            )
        for w in self.warnings:
            lines.append(t["warning"] + w)
        return "\n".join(lines)

    _dict_fields = ("info", "fits", "params", "omega", "warnings")
    _html_fields = ("fit=fits", "omega")

    def _repr_fields(self) -> dict[str, Any]:
        return {"groups": len(self.fits), "cfi": float(self.fits["cfi"].iloc[0])}

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Standardised loadings per group (bars side by side)."""
        tabs = {g: p[p.op == "=~"] for g, p in self.params.items()}
        return _loading_bars(tabs, ax=ax, title="Standardised loadings")


@dataclass(repr=False)
class InvarianceResult(Result):
    """Result of :func:`invariance`.

    Attributes
    ----------
    fits : DataFrame
        One row per level: ``level`` and lavaan's fit measures.
    params : dict of DataFrame
        Per level: ``lhs, op, rhs, label, est, se, z, pvalue, std_all``.
    tests : DataFrame
        Likelihood-ratio tests between successive levels: ``delta_chisq, delta_df, p``,
        ``delta_cfi``, ``delta_rmsea``, lavaan's ``rmsea_diff``, and whether the level
        holds by the LR test (``lr_ok``: p >= .05), by the change in fit (``fit_ok``: CFI
        drops by at most .01 and RMSEA rises by at most .015) and by both (``holds``).
    omega : DataFrame
        Omega per partner (``role, factor, omega_total, omega_std``) from the configural model.
    holds : str
        The highest level reached by successive levels that all hold.
    warnings : list of str
    info : dict

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.read_csv("tests/oracle/cfa/cfa_persons_long.csv")
    >>> res = invariance(long, [f"item{i}" for i in range(1, 7)], missing="fiml")
    >>> res
    <InvarianceResult holds=residual n_couples=300>
    >>> res.tests[["level", "delta_df", "holds"]]
           level  delta_df  holds
    0    loading         5   True
    1  intercept         5   True
    2   residual         6   True
    """

    fits: pd.DataFrame
    params: dict
    tests: pd.DataFrame
    omega: pd.DataFrame
    warnings: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    _fits: dict = field(default_factory=dict)
    _setup: dict = field(default_factory=dict)

    def locate(self, level: str | None = None) -> pd.DataFrame:
        """Which item breaks invariance: release each item's constraint at ``level`` in turn.

        For every item, the model of ``level`` is refitted with that item's newest
        constraint (its loading, intercept or residual variance equal in both partners)
        dropped (partial invariance). ``delta_chisq`` is how much the misfit falls (LR
        test, 1 df); the item with the largest drop is the likeliest culprit. ``level``
        defaults to the first level that does not hold.

        Parameters
        ----------
        level : {"loading", "intercept", "residual"}, optional

        Returns
        -------
        DataFrame
            ``item, delta_chisq, delta_df, p, est_<role 1>, est_<role 2>`` (the released
            parameter in each partner), largest ``delta_chisq`` first. Under marker-variable
            scaling the marker items cannot be released (NaN).

        Examples
        --------
        >>> import pandas as pd
        >>> from pathlib import Path
        >>> long = pd.read_csv(Path("tests/oracle/cfa/cfa_persons_long.csv"))
        >>> long.loc[long.role == "B", "item3"] += 1
        >>> res = invariance(long, [f"item{i}" for i in range(1, 7)])
        >>> res.locate()["item"].iloc[0]
        'item3'

        In R: ``lavaan::lavTestScore(fit_intercept)`` asks the same question by score tests.
        """
        from scipy import stats

        if level is None:
            failed = self.tests[~self.tests["holds"]]
            if not len(failed):
                raise InputError("locate: every level holds; name the level to examine")
            level = str(failed["level"].iloc[0])
        if level not in self._fits or level == "configural":
            raise InputError(
                f"level {level!r}: expected a fitted level above configural "
                f"({', '.join(k for k in self._fits if k != 'configural')})"
            )
        st = self._setup
        base = self._fits[level]
        items = [c for v in self.info["factors"].values() for c in v]
        r1, r2 = self.info["roles"]
        which = {"loading": "=~", "intercept": "~1", "residual": "~~"}[level]
        firsts = {v[0] for v in self.info["factors"].values()}
        rows = []
        for k, item in enumerate(items, start=1):
            rec = {"item": item}
            if self.info["scaling"] == "MV" and item in firsts and level != "residual":
                rows.append(rec)
                continue
            fit = _fit(
                _dysem_rows(st["f1"], st["f2"], level, self.info["scaling"], release=k),
                st["ov"], st["lvs"], st["y"], self.info["missing"], st["data"], st["h1"],
            )  # fmt: skip
            d = base.fit_measures["chisq"] - fit.fit_measures["chisq"]
            ddf = base.fit_measures["df"] - fit.fit_measures["df"]
            p = pd.DataFrame(fit.params)
            for rr in (r1, r2):
                col = f"{item}_{rr}"
                sel = (p.op == which) & ((p.rhs == col) if which == "=~" else (p.lhs == col))
                if which == "~~":
                    sel &= p.rhs == col
                rec[f"est_{rr}"] = float(p.loc[sel, "est"].iloc[0])
            rec.update(delta_chisq=d, delta_df=ddf, p=float(stats.chi2.sf(max(d, 0.0), ddf)))
            rows.append(rec)
        cols = ["item", "delta_chisq", "delta_df", "p", f"est_{r1}", f"est_{r2}"]
        out = pd.DataFrame(rows).reindex(columns=cols)
        return out.sort_values("delta_chisq", ascending=False, na_position="last").reset_index(
            drop=True
        )

    @property
    def holds(self) -> str:
        """The highest invariance level that holds (every lower level holding too)."""
        if len(self.fits) == 0 or self.fits["level"].iloc[0] != "configural":
            return "none"
        best = "configural"
        for _, t in self.tests.iterrows():
            if not t["holds"]:
                break
            best = t["level"]
        return best

    def summary(self, lang: str = "en") -> str:
        """Fit per level, the tests between levels, what holds and what it licenses."""
        check_lang(lang)
        i = self.info
        tx = _TEXT[lang]
        names = tx["levels"]
        what = i["instrument"] or ", ".join(i["factors"])
        r1, r2 = i["roles"]
        missing = "FIML" if i["missing"] == "fiml" else "listwise"
        lines = [
            tx["inv_title"].format(what=what, r1=r1, r2=r2),
            tx["inv_setup"].format(n=i["n_couples"], missing=missing, scaling=i["scaling"]),
            "",
        ]
        for _, row in self.fits.iterrows():
            lines.append(f"  {names[row['level']]:<22} {_fit_line(row, lang)}")
        if len(self.tests):
            lines.append("")
            lines.append(tx["tests_head"])
        for _, t in self.tests.iterrows():
            kind = (
                "holds"
                if t["holds"]
                else "rejected"
                if not (t["lr_ok"] or t["fit_ok"])
                else "contested"
            )
            verdict = tx["verdict"][kind]
            lines.append(
                f"  {names[t['level']]:<22} delta chisq({int(t['delta_df'])}) = "
                f"{format_number(t['delta_chisq'], 2, lang)}, p {format_p_eq(t['p'])}, "
                f"delta CFI = {format_number(t['delta_cfi'], 3, lang)}, "
                f"delta RMSEA = {format_number(t['delta_rmsea'], 3, lang)}: {verdict}"
            )
        lines.append("")
        best = self.holds
        lines.append(tx["highest"].format(level=names.get(best, best)))
        last = str(self.fits["level"].iloc[-1]) if len(self.fits) else "none"
        if best == last and best != "residual":
            lines.append(tx["licence"]["untested"])
            if best != "configural":
                lines.append(tx["licence"][best])
        else:
            lines.append(tx["licence"][best])
        contested = self.tests[~self.tests["holds"] & (self.tests["lr_ok"] | self.tests["fit_ok"])]
        for _, t in contested.iterrows():
            lr = tx["lr"]["pass" if t["lr_ok"] else "fail"]
            fit = tx["fit"]["pass" if t["fit_ok"] else "fail"]
            lines.append(tx["disagree"].format(level=t["level"], lr=lr, fit=fit))
        if len(self.omega):
            lines.append("")
            lines.append(
                tx["omega_head"]
                + ", ".join(
                    f"{r['factor']} [{r['role']}] {format_number(r['omega_total'], 3, lang)}"
                    for _, r in self.omega.iterrows()
                )
            )
        for w in self.warnings:
            lines.append(tx["warning"].lstrip() + w)
        lines.append(tx["not_licensed"])
        return "\n".join(lines)

    _dict_fields = ("info", "holds", "fits", "tests", "params", "omega", "warnings")
    _html_fields = ("fit per level=fits", "tests", "omega")

    def _repr_fields(self) -> dict[str, Any]:
        return {"holds": self.holds, "n_couples": self.info.get("n_couples")}

    def plot(self, ax: Any = None, level: str = "configural", **kwargs: Any) -> Any:
        """Standardised loadings of both partners side by side (``level``'s model)."""
        if level not in self.params:
            raise InputError(f"level {level!r}: not fitted; fitted are {', '.join(self.params)}")
        p = self.params[level]
        ld = p[p.op == "=~"]
        tabs = {}
        for r in self.info["roles"]:
            sub = ld[ld.rhs.str.endswith(f"_{r}")].copy()
            sub["rhs"] = sub["rhs"].str.slice(0, -(len(str(r)) + 1))
            tabs[r] = sub
        return _loading_bars(tabs, ax=ax, title=f"Standardised loadings ({level} model)")


def _loading_bars(tabs: dict, ax: Any = None, title: str = "") -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    items = list(dict.fromkeys(i for t in tabs.values() for i in t["rhs"]))
    width = 0.8 / max(len(tabs), 1)
    x = np.arange(len(items))
    for k, (g, t) in enumerate(tabs.items()):
        vals = t.set_index("rhs")["std_all"].reindex(items)
        ax.bar(x + (k - (len(tabs) - 1) / 2) * width, vals.to_numpy(float), width, label=str(g))
    ax.set_xticks(x)
    ax.set_xticklabels(items, rotation=45, ha="right")
    ax.set_ylabel("std. loading")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(frameon=False)
    return ax
