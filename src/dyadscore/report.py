"""Coach report: one self-contained HTML page describing a couple's answers.

The page shows each partner's score on every subscale against the scale's range, the
difference between the partners, how similar their profiles are, and, when the couple
answered at two waves, how much each score changed (reliable change when the score's
reliability and spread are known). Texts are plain language in English or Dutch and
describe rather than diagnose: the shipped instruments have no norms, so the report uses
no cut-offs; a user may supply a norm table (``subscale, mean, sd[, reliability, role]``).
Figures are embedded as base64 PNG, so the file needs no internet connection. The page is
the Jinja2 template ``templates/report.html`` (autoescaped, with ``report.css`` inline); its
text is ``strings/report.yaml`` in the string catalogue (:mod:`dyadscore.catalogue`).

This module composes library functions (``score``, ``discrepancy``,
``profile_similarity``, ``reliable_change``, ``cronbach_alpha``) and contains no statistics
of its own.

Examples
--------
>>> # html = couple_report("answers.db", "c01", lang="nl")
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .columns import RESPONSE_KEYS
from .errors import InputError
from .instruments import Instrument

#: Minimum sample (persons at the first wave) to estimate SD and alpha for reliable change
#: from the database itself when no norm table is given.
MIN_SAMPLE_RCI = 30
#: Minimum number of complete couples for a distinctive (normative-corrected) profile.
MIN_COUPLES_DISTINCTIVE = 10


def _tx(key: str, lang: str, **fmt: Any) -> str:
    """The report's text ``key`` (``strings/report.yaml``) in ``lang``."""
    from . import catalogue

    return catalogue.text(f"report.{key}", lang, **fmt)


@dataclass(frozen=True)
class SubscaleInfo:
    """A subscale with its scale range and labels."""

    instrument: Instrument
    name: str
    lo: float
    hi: float
    column: str = ""  # the score column (``<instrument>_<name>`` when two share a name)

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", self.name)

    def label(self, lang: str) -> str:
        sub = self.instrument.subscales[self.name]
        if sub.label:
            return sub.label.get(lang) or sub.label.get("en", self.name)
        if len(self.instrument.subscales) == 1:
            return self.instrument.title[lang]
        return self.name.replace("_", " ").capitalize()

    def higher_means(self, lang: str) -> str:
        """What a higher score means (``higher.<name>`` in the catalogue, else generic)."""
        try:
            return _tx(f"higher.{self.name}", lang)
        except KeyError:
            return _tx("generic_higher", lang)


def _subscales(
    instruments: list[Instrument], columns: list[str] | None = None
) -> list[SubscaleInfo]:
    """Subscales in battery order; ``columns`` are their score columns (from ``score``)."""
    pairs = [(inst, name, sub) for inst in instruments for name, sub in inst.subscales.items()]
    columns = columns or [name for _, name, _ in pairs]
    out = []
    for (inst, name, sub), col in zip(pairs, columns, strict=True):
        k = len(sub.items) if sub.method == "sum" else 1
        out.append(SubscaleInfo(inst, name, inst.scale_min * k, inst.scale_max * k, col))
    return out


def _profile_subscales(subs: list[SubscaleInfo]) -> list[SubscaleInfo]:
    """Subscales for a profile: drop totals whose items contain another subscale's items."""
    keep = []
    for s in subs:
        items = set(s.instrument.subscales[s.name].items)
        parts = [
            o for o, sub in s.instrument.subscales.items() if o != s.name and set(sub.items) < items
        ]
        if not parts:
            keep.append(s)
    return keep


@dataclass
class CoupleSummary:
    """Everything the report shows, as tables (for tests and other front ends)."""

    couple: str
    roles: list[str]
    waves: list[int]
    subscales: list[SubscaleInfo]
    scores: pd.DataFrame  # this couple: person, role, wave, <sub>, <sub>_flag, ...
    discrepancy: pd.DataFrame  # latest wave: variable, value_first, value_second, difference
    similarity: dict[str, Any]
    change: pd.DataFrame | None  # role, variable, t1, t2, diff, rci, category
    change_source: str | None
    norms: pd.DataFrame | None
    provenance: list[dict[str, Any]] = field(default_factory=list)
    change_n: int | None = None  # persons at the first wave behind sample SD and alpha
    unfinished: list[dict[str, Any]] = field(default_factory=list)  # role, answered, items


def _read_norms(norms: Any) -> pd.DataFrame | None:
    if norms is None:
        return None
    if isinstance(norms, pd.DataFrame):
        df = norms.copy()
    else:
        from .io import read_table

        df = read_table(norms)
    src = norms if isinstance(norms, str | os.PathLike) else "norm table"
    missing = [c for c in ("subscale", "mean", "sd") if c not in df.columns]
    if missing:
        raise InputError(
            f"{src}: column {missing[0]!r} is missing: a norm table needs the columns subscale, "
            f"mean and sd (optionally reliability and role); found {', '.join(map(str, df.columns))}"
        )
    for col in ("mean", "sd", "reliability"):
        if col not in df.columns:
            continue
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna()
        if col == "sd":
            bad |= num.notna() & ~(num > 0)
        if col == "reliability":
            bad |= num.notna() & ~((num >= 0) & (num < 1))
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            want = {
                "mean": "a number",
                "sd": "a number above 0",
                "reliability": "a number from 0 to below 1",
            }[col]
            raise InputError(
                f"{src}: row {k + 2}, column {col!r}, value {df[col].iloc[k]!r}: expected {want}"
            )
        df[col] = num
    return df


def _norm_row(norms: pd.DataFrame | None, sub: Any, role: str) -> pd.Series | None:
    """The norm row of a subscale (by score column, else by subscale name) for a role."""
    if norms is None:
        return None
    keys = [sub.column, sub.name] if isinstance(sub, SubscaleInfo) else [str(sub)]
    names = norms["subscale"].astype(str)
    rows = norms.iloc[0:0]
    for key in keys:
        rows = norms[names == key]
        if len(rows):
            break
    if "role" in norms.columns:
        own = rows[rows["role"].astype(str) == str(role)]
        rows = own if len(own) else rows[rows["role"].isna()]
    return None if rows.empty else rows.iloc[0]


def couple_summary(
    db: str | os.PathLike,
    couple: str,
    *,
    norms: Any = None,
) -> CoupleSummary:
    """Scores, discrepancies, profile similarity and change for one couple.

    The tables behind :func:`couple_report`, for tests and other front ends.

    Parameters
    ----------
    db : str or path-like
        The answer database of ``dyadscore administer`` or ``dyadscore serve``.
    couple : str
        The couple's code, as given when the questionnaires were started.
    norms : str, path-like, DataFrame or None
        Optional norm table with columns ``subscale, mean, sd`` and optionally
        ``reliability`` and ``role``.

    Returns
    -------
    CoupleSummary
        Roles, waves, subscales, the couple's scores and the comparisons.

    Examples
    --------
    One partner's answers: no difference or profile comparison yet.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from dyadscore.administer.store import AnswerStore
    >>> store = AnswerStore(Path(tempfile.mkdtemp()) / "answers.db")
    >>> s = store.start_session("c01", "A", battery=["relationship-satisfaction"])
    >>> store.save_answers(s.id, [("relationship-satisfaction", f"sat{k}", 4) for k in range(1, 6)])
    >>> sm = couple_summary(store.path, "c01")
    >>> sm.roles, sm.waves, sm.discrepancy.empty
    (['A'], [1], True)
    >>> float(sm.scores["satisfaction"].iloc[0])  # sat3 is reverse keyed: (4+4+2+4+4) / 5
    3.6
    """
    from .administer.export import export_answers
    from .administer.store import AnswerStore
    from .dyads import discrepancy, profile_similarity
    from .scoring import score

    store = AnswerStore(db, create=False, readonly=True)
    sessions = store.sessions(couple)
    if not sessions:
        raise InputError(f"{db}: couple {couple!r} has no answers; check the couple code")
    norms_df = _read_norms(norms)
    instruments: list[Instrument] = []
    for s in sessions:  # the definitions given (a battery of YAML paths needs no file now)
        instruments += [i for i in store.battery(s) if i.id not in {x.id for x in instruments}]
    wide = export_answers(db, "wide")
    wide = wide[
        [c for c in wide.columns if c in RESPONSE_KEYS]
        + [c for c in wide.columns if c not in RESPONSE_KEYS]
    ]
    for inst in instruments:  # items of instruments a session never reached
        for it in inst.item_ids:
            if it not in wide.columns:
                wide[it] = pd.array([pd.NA] * len(wide), dtype="Int64")
    all_scores = score(wide, instruments)
    # score() names a subscale <instrument>_<name> when two instruments share the name
    subs = _subscales(instruments, [r["variable"] for r in all_scores.attrs["codebook"]])
    names = [s.column for s in subs]
    mine = all_scores[all_scores["couple"] == couple].sort_values(["wave", "role"])
    roles = sorted(mine["role"].unique().tolist())
    waves = sorted(int(w) for w in mine["wave"].unique())
    latest = waves[-1]
    now = mine[mine["wave"] == latest]
    unfinished = []
    for s in sessions:
        if s.wave == latest and not s.is_finished:
            given = store.answers(s.id)
            n_items = sum(len(i.item_ids) for i in store.battery(s))
            unfinished.append(
                {
                    "role": s.role,
                    "answered": sum(v is not None for v in given.values()),
                    "items": n_items,
                }
            )

    disc = pd.DataFrame()
    sim: dict[str, Any] = {"raw_r": np.nan, "distinctive_r": np.nan, "n_variables": 0}
    if len(roles) == 2 and len(now) == 2:
        disc = discrepancy(now, names, "couple", "role", roles=roles)
        prof = _profile_subscales(subs)
        pomp = all_scores[all_scores["wave"] == latest].copy()
        pvars = []
        for s in prof:
            col = f"pomp_{s.column}"
            pomp[col] = (pomp[s.column] - s.lo) / (s.hi - s.lo) * 100
            pvars.append(col)
        pomp = pomp[pomp["role"].isin(roles)]
        counts = pomp.groupby("couple")["role"].transform("size")
        pomp = pomp[counts == 2]
        if len(pvars) >= 3:
            ps = profile_similarity(pomp, pvars, "couple", "role", roles=roles, normative="pooled")
            row = ps[ps["couple"] == couple].iloc[0]
            complete = pomp.dropna(subset=pvars)["couple"].value_counts()
            n_complete = int((complete == 2).sum())
            sim = {
                "raw_r": float(row["raw_r"]),
                "distinctive_r": float(row["distinctive_r"])
                if n_complete >= MIN_COUPLES_DISTINCTIVE
                else np.nan,
                "n_variables": int(row["n_variables"]),
                "n_couples": n_complete,
                "d2": float(row["d2"]),
            }

    change, source, change_n = None, None, None
    if len(waves) >= 2:
        change, source = _change(all_scores, mine, subs, waves, wide, norms_df)
        change_n = int((all_scores["wave"] == waves[0]).sum())
    prov = [store.session_instruments(s.id) for s in sessions]
    return CoupleSummary(
        couple=couple,
        roles=roles,
        waves=waves,
        subscales=subs,
        scores=mine.reset_index(drop=True),
        discrepancy=disc,
        similarity=sim,
        change=change,
        change_source=source,
        norms=norms_df,
        provenance=[r for p in prov for r in p],
        change_n=change_n,
        unfinished=unfinished,
    )


def _change(all_scores, mine, subs, waves, wide, norms):
    from .psychometrics import cronbach_alpha, reliable_change
    from .scoring import keyed_items

    w1, w2 = waves[0], waves[-1]
    first = all_scores[all_scores["wave"] == w1]
    base_items = wide[wide["wave"] == w1]
    rows = []
    source = None
    for s in subs:
        for role in sorted(mine["role"].unique()):
            sd = rel = None  # per role: a role-specific norm must not carry over to the other
            nrow = _norm_row(norms, s, role)
            if nrow is not None and pd.notna(nrow.get("sd")) and pd.notna(nrow.get("reliability")):
                sd, rel, source = float(nrow["sd"]), float(nrow["reliability"]), "norms"
            elif first[s.column].notna().sum() >= MIN_SAMPLE_RCI:
                sd = float(first[s.column].std())
                items = keyed_items(base_items, s.instrument)[s.instrument.subscales[s.name].items]
                rel = float(cronbach_alpha(items)["alpha"])
                source = source or "sample"
            a = mine[(mine["role"] == role) & (mine["wave"] == w1)][s.column]
            b = mine[(mine["role"] == role) & (mine["wave"] == w2)][s.column]
            t1 = float(a.iloc[0]) if len(a) else np.nan
            t2 = float(b.iloc[0]) if len(b) else np.nan
            rci, cat = np.nan, "na"
            if sd and rel is not None and 0 <= rel < 1 and np.isfinite(t1) and np.isfinite(t2):
                rc = reliable_change([t1], [t2], reliability=rel, sd=sd).iloc[0]
                rci = float(rc["rci"])
                cat = {"reliable improvement": "up", "reliable deterioration": "down"}.get(
                    rc["category"], "none"
                )
            rows.append(
                {
                    "role": role,
                    "variable": s.column,
                    "t1": t1,
                    "t2": t2,
                    "diff": t2 - t1,
                    "sd": sd,
                    "reliability": rel,
                    "rci": rci,
                    "category": cat,
                }
            )
    return pd.DataFrame(rows), source


# ---------------------------------------------------------------- rendering
def _fmt(x: float | None, lang: str, nd: int = 2) -> str:
    """A number for the page (decimal comma in Dutch); a dash when missing."""
    from .results import format_number

    s = format_number(None if x is None else float(x), nd, lang)
    return "–" if s == "NA" else s


def _make_figure(summary: CoupleSummary, lang: str) -> Any:
    """The score figure: one row per subscale, one scale point the same length in every row.

    A subscale with a shorter range is drawn shorter (its axis spans its own range, at the
    scale of the longest one), so a 1-5 scale is not stretched to the width of a 1-7 scale.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    subs, roles = summary.subscales, summary.roles
    sc = summary.scores
    latest, first = summary.waves[-1], summary.waves[0]
    colors, markers = ["#1f77b4", "#ff7f0e"], ["o", "s"]
    span = max(s.hi - s.lo for s in subs)
    pad = 0.2 * span / 6
    fig, axes = plt.subplots(
        len(subs), 1, figsize=(7.5, 0.42 * len(subs) + 0.6), squeeze=False, layout="constrained"
    )
    for ax, s in zip(axes[:, 0], subs, strict=True):
        ax.hlines(0, s.lo, s.hi, color="#bbbbbb", lw=3, zorder=1)
        for k, role in enumerate(roles):
            sel = sc[(sc["role"] == role)]
            now = sel[sel["wave"] == latest][s.column]
            off = 0.18 if k else -0.18
            if len(summary.waves) > 1:
                prev = sel[sel["wave"] == first][s.column]
                if len(prev) and np.isfinite(prev.iloc[0]):
                    ax.plot(prev.iloc[0], off, markers[k], mfc="white", mec=colors[k], ms=7)
            if len(now) and np.isfinite(now.iloc[0]):
                ax.plot(now.iloc[0], off, markers[k], color=colors[k], ms=8, zorder=3)
        ax.set_xlim(s.lo - pad, s.lo + span + pad)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([0], [s.label(lang)], fontsize=8.5)
        ax.set_xticks(np.arange(s.lo, s.hi + 1, max(1, (s.hi - s.lo) // 6)))
        ax.spines["bottom"].set_bounds(s.lo, s.hi)
        ax.tick_params(axis="x", labelsize=7.5, length=2)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    return fig


def _figure(summary: CoupleSummary, lang: str) -> str:
    import matplotlib.pyplot as plt

    fig = _make_figure(summary, lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def couple_report(
    db: str | os.PathLike,
    couple: str,
    *,
    lang: str = "en",
    norms: Any = None,
) -> str:
    """Render the coach report of one couple as a self-contained HTML page.

    Parameters
    ----------
    db, couple, norms
        The answer database, the couple's code and an optional norm table, as in
        :func:`couple_summary`.
    lang : {"en", "nl"}
        Language of the page.

    Returns
    -------
    str
        The HTML page (figures embedded as base64 PNG; no external resources).

    Examples
    --------
    >>> import os, re, tempfile
    >>> from dyadscore.administer.store import AnswerStore
    >>> db = os.path.join(tempfile.mkdtemp(), "answers.db")
    >>> store = AnswerStore(db)
    >>> for role, answers in [("A", [5, 4, 2, 5, 4]), ("B", [3, 4, 2, 4, 3])]:
    ...     s = store.start_session("c01", role, battery=["relationship-satisfaction"])
    ...     for k, v in enumerate(answers, 1):
    ...         store.save_answer(s.id, "relationship-satisfaction", f"sat{k}", v)
    >>> page = couple_report(db, "c01", lang="en")
    >>> re.search("<title>(.*)</title>", page).group(1)
    'Couple report: c01'
    """
    from . import __version__, catalogue

    lang = catalogue.check_lang(lang)
    sm = couple_summary(db, couple, norms=norms)

    def tx(key: str, **fmt: Any) -> str:
        return _tx(key, lang, **fmt)

    wave = tx("wave")
    latest, first = sm.waves[-1], sm.waves[0]
    partners = {r: tx("partner", r=r) for r in sm.roles}
    about = tx("about")
    if sm.norms is not None:
        src = str(norms) if isinstance(norms, str | os.PathLike) else "table"
        about += " " + tx("about_norms", src=src)
    unfinished = [
        tx(
            "unfinished",
            p=partners.get(u["role"], u["role"]),
            k=u["answered"],
            n=u["items"],
            wave=wave,
            w=latest,
        )
        for u in sm.unfinished
    ]
    roles = sm.roles + [""] * (2 - len(sm.roles))
    prev = tx("fig_prev", wave=wave, w=first) if len(sm.waves) > 1 else ""
    caption = tx(
        "fig_caption", a=partners.get(roles[0], ""), b=partners.get(roles[1], "-"), prev=prev
    )
    notes = [tx("diff_note")] if len(sm.roles) == 2 else []
    if (sm.scores.filter(like="_flag") == "prorated").any().any():
        notes.append(tx("prorated"))
    seen: dict[tuple[str, str], str] = {}
    for p in sm.provenance:
        seen.setdefault(
            (p["instrument"], p["version"]),
            f"{p['instrument']} {p['version']} (key {p['key_hash']})",
        )
    footer = tx(
        "footer", v=__version__, d=_dt.date.today().isoformat(), inst="; ".join(seen.values())
    )
    return _template("report.html").render(
        tx=tx,
        lang=lang,
        couple=couple,
        wave=wave,
        waves=sm.waves,
        partners=partners,
        about=about,
        unfinished=unfinished,
        png=_figure(sm, lang),
        caption=caption,
        show_diff=len(sm.roles) == 2,
        show_norm=sm.norms is not None,
        scores=_score_rows(sm, partners, lang),
        notes=notes,
        similarity=_similarity_text(sm.similarity, lang),
        change=_change_table(sm, partners, lang),
        footer=footer,
    )


@cache
def _environment() -> Any:
    """The Jinja2 environment of ``dyadscore/templates`` (autoescaped; no Flask needed)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("dyadscore", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _template(name: str) -> Any:
    """A template of ``dyadscore/templates``."""
    return _environment().get_template(name)


def _score_rows(sm: CoupleSummary, partners: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """One row per subscale: label, meaning, range, each partner's score, difference, norm."""
    latest = sm.waves[-1]
    now = sm.scores[sm.scores["wave"] == latest]
    disc = sm.discrepancy.set_index("variable") if len(sm.discrepancy) else None
    rows = []
    for s in sm.subscales:
        cells = []
        for r in sm.roles:
            row = now[now["role"] == r]
            flag = "missing" if row.empty else row.iloc[0][f"{s.column}_flag"]
            value = (
                _tx("missing", lang)
                if flag == "missing"
                else _fmt(row.iloc[0][s.column], lang) + ("*" if flag == "prorated" else "")
            )
            cells.append((partners[r], value))
        diff = "–"  # no difference without both partners at the latest wave
        if disc is not None:
            d = disc.loc[s.column]
            if not np.isfinite(d["difference"]):
                diff = "–"
            elif d["higher"] == "equal":
                diff = _tx("diff_equal", lang)
            else:
                diff = _tx("diff_text", lang, hi=partners[d["higher"]], d=_fmt(d["absolute"], lang))
        bits = []
        if sm.norms is not None:
            for r in sm.roles:
                nrow = _norm_row(sm.norms, s, r)
                val = now[now["role"] == r][s.column]
                if nrow is None or not len(val) or not np.isfinite(val.iloc[0]):
                    continue
                z = (float(val.iloc[0]) - float(nrow["mean"])) / float(nrow["sd"])
                side = _tx("above" if z >= 0 else "below", lang)
                bits.append(f"{r}: " + _tx("norm_sd", lang, z=_fmt(abs(z), lang, 1), dir=side))
        rows.append(
            {
                "label": s.label(lang),
                "higher": s.higher_means(lang),
                "range": f"{_fmt(s.lo, lang, 0)}–{_fmt(s.hi, lang, 0)}",
                "cells": cells,
                "diff": diff,
                "norm": "; ".join(bits) or "–",
            }
        )
    return rows


def _similarity_text(sim: dict[str, Any], lang: str) -> str:
    """The profile-similarity paragraph."""
    if not np.isfinite(sim.get("raw_r", np.nan)):
        return _tx("sim_na", lang)
    text = _tx("sim_text", lang, k=sim["n_variables"], r=_fmt(sim["raw_r"], lang))
    if np.isfinite(sim.get("distinctive_r", np.nan)):
        r = _fmt(sim["distinctive_r"], lang)
        text += _tx("sim_distinctive", lang, n=sim["n_couples"], r=r)
    return text


def _change_table(sm: CoupleSummary, partners: dict[str, str], lang: str) -> dict | None:
    """The change section (two waves or more): rows and the note on reliable change."""
    if sm.change is None:
        return None
    w1, w2 = sm.waves[0], sm.waves[-1]
    labels = {s.column: s.label(lang) for s in sm.subscales}
    rows = [
        {
            "label": labels[r["variable"]],
            "partner": partners[r["role"]],
            "t1": _fmt(r["t1"], lang),
            "t2": _fmt(r["t2"], lang),
            "diff": _fmt(r["diff"], lang),
            "category": _tx(f"rc_{r['category']}", lang),
        }
        for r in sm.change.to_dict("records")
    ]
    if sm.change_source is None:
        note = _tx("rc_missing_info", lang, n=MIN_SAMPLE_RCI)
    else:
        wave = _tx("wave", lang)
        src = (
            _tx("rc_src_norms", lang)
            if sm.change_source == "norms"
            else _tx("rc_src_sample", lang, n=sm.change_n, wave=wave, w=w1)
        )
        note = _tx("rc_note", lang, src=src)
    return {"w1": w1, "w2": w2, "rows": rows, "note": note}
