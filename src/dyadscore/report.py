"""Coach report: one self-contained HTML page describing a couple's answers.

The page shows each partner's score on every subscale against the scale's range, the
difference between the partners, how similar their profiles are, and, when the couple
answered at two waves, how much each score changed (reliable change when the score's
reliability and spread are known). Texts are plain language in English or Dutch and
describe rather than diagnose: the shipped instruments have no norms, so the report uses
no cut-offs; a user may supply a norm table (``subscale, mean, sd[, reliability, role]``).
Figures are embedded as base64 PNG, so the file needs no internet connection.

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
import html
import io
import os
from dataclasses import dataclass, field
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

HIGHER_MEANS: dict[str, dict[str, str]] = {
    "perceived_acceptance": {
        "en": "feeling that your partner accepts it when you lean on them",
        "nl": "ervaren dat uw partner het goed vindt als u op hem of haar leunt",
    },
    "acceptance_given": {
        "en": "welcoming it when your partner leans on you",
        "nl": "het verwelkomen als uw partner op u leunt",
    },
    "self_sufficiency": {
        "en": "feeling able to manage things on your own",
        "nl": "zich in staat voelen dingen zelf te regelen",
    },
    "exploration": {
        "en": "trying new things and taking on challenges",
        "nl": "nieuwe dingen proberen en uitdagingen aangaan",
    },
    "goal_pursuit": {
        "en": "actively working on your own personal goals",
        "nl": "actief werken aan uw eigen persoonlijke doelen",
    },
    "felt_dependence": {
        "en": "relying on your partner in daily life",
        "nl": "in het dagelijks leven op uw partner leunen",
    },
    "goal_progress": {
        "en": "progress on your own goals",
        "nl": "vooruitgang met uw eigen doelen",
    },
    "understanding": {
        "en": "feeling understood by your partner",
        "nl": "zich begrepen voelen door uw partner",
    },
    "validation": {
        "en": "feeling valued by your partner",
        "nl": "zich gewaardeerd voelen door uw partner",
    },
    "caring": {
        "en": "feeling cared for by your partner",
        "nl": "zich verzorgd voelen door uw partner",
    },
    "responsiveness": {
        "en": "feeling that your partner responds with understanding, appreciation and care",
        "nl": "ervaren dat uw partner reageert met begrip, waardering en zorg",
    },
    "anxiety": {
        "en": "worrying about your partner's love and availability",
        "nl": "zich zorgen maken over de liefde en beschikbaarheid van uw partner",
    },
    "avoidance": {
        "en": "preferring distance over closeness and leaning on each other",
        "nl": "liever afstand dan nabijheid en op elkaar leunen",
    },
    "satisfaction": {
        "en": "satisfaction with the relationship",
        "nl": "tevredenheid met de relatie",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Couple report", "nl": "Rapport voor het stel"},
    "partner": {"en": "Partner {r}", "nl": "Partner {r}"},
    "wave": {"en": "wave", "nl": "meting"},
    "about": {
        "en": "This report describes how each of you answered the questionnaires. It is not a "
        "diagnosis and not a test result: the questionnaires are research instruments without "
        "norms, so the report does not say whether a score is high or low for couples in "
        "general. Use it as a starting point for a conversation.",
        "nl": "Dit rapport beschrijft hoe u beiden de vragenlijsten hebt ingevuld. Het is geen "
        "diagnose en geen testuitslag: de vragenlijsten zijn onderzoeksinstrumenten zonder "
        "normen, dus het rapport zegt niet of een score hoog of laag is vergeleken met andere "
        "stellen. Gebruik het als begin van een gesprek.",
    },
    "about_norms": {
        "en": "A norm table was supplied ({src}); comparisons with it are shown as the number of "
        "standard deviations from that group's average.",
        "nl": "Er is een normtabel opgegeven ({src}); vergelijkingen daarmee staan als het aantal "
        "standaarddeviaties boven of onder het gemiddelde van die groep.",
    },
    "paradox_h": {"en": "Leaning on each other", "nl": "Op elkaar leunen"},
    "paradox": {
        "en": "Research on the 'dependency paradox' (Feeney, 2007) found that people whose "
        "partner accepts it when they need to lean on them tend to become more, not less, "
        "confident and independent in pursuing their own goals. Being able to rely on each "
        "other can be a safe base from which each of you grows.",
        "nl": "Onderzoek naar de 'afhankelijkheidsparadox' (Feeney, 2007) vond dat mensen van "
        "wie de partner het accepteert dat ze soms op hem of haar leunen, juist zelfverzekerder "
        "en zelfstandiger aan hun eigen doelen werken. Op elkaar kunnen bouwen kan een veilige "
        "basis zijn van waaruit u allebei groeit.",
    },
    "scores_h": {"en": "Your scores ({wave} {w})", "nl": "Uw scores ({wave} {w})"},
    "fig_caption": {
        "en": "Each row is one part of a questionnaire. The grey line spans the possible "
        "scores (one scale point has the same length in every row, so a shorter scale is drawn "
        "shorter); {a} is a blue circle, {b} an orange square.{prev}",
        "nl": "Elke rij is een onderdeel van een vragenlijst. De grijze lijn loopt over alle "
        "mogelijke scores (één schaalpunt is in elke rij even lang, dus een kortere schaal is "
        "korter getekend); {a} is een blauwe cirkel, {b} een oranje vierkant.{prev}",
    },
    "unfinished": {
        "en": "{p} has not finished the questionnaires of {wave} {w} yet ({k} of {n} statements "
        "answered). The scores below use the answers given so far; a part with too few answers "
        "shows no score.",
        "nl": "{p} heeft de vragenlijsten van {wave} {w} nog niet afgerond ({k} van {n} "
        "uitspraken beantwoord). De scores hieronder gebruiken de antwoorden tot nu toe; een "
        "onderdeel met te weinig antwoorden toont geen score.",
    },
    "fig_prev": {
        "en": " Open markers show {wave} {w}.",
        "nl": " Open symbolen tonen {wave} {w}.",
    },
    "col_part": {"en": "Part", "nl": "Onderdeel"},
    "col_higher": {"en": "A higher score means more", "nl": "Een hogere score betekent meer"},
    "col_range": {"en": "Range", "nl": "Bereik"},
    "col_diff": {"en": "Difference", "nl": "Verschil"},
    "col_norm": {"en": "Compared with norm group", "nl": "Vergeleken met normgroep"},
    "generic_higher": {
        "en": "agreement with the statements of this part",
        "nl": "instemming met de uitspraken van dit onderdeel",
    },
    "diff_text": {
        "en": "{hi} scored {d} points higher",
        "nl": "{hi} scoorde {d} punten hoger",
    },
    "diff_equal": {"en": "the same score", "nl": "dezelfde score"},
    "diff_note": {
        "en": "Differences are in points on the answer scale. A difference is neither good nor "
        "bad; it shows where you see things differently, which can be worth talking about.",
        "nl": "Verschillen zijn in punten op de antwoordschaal. Een verschil is niet goed of "
        "slecht; het laat zien waar u dingen anders ziet, en daar kan het goed zijn over te "
        "praten.",
    },
    "prorated": {
        "en": "* based on the answered statements only (some were skipped).",
        "nl": "* alleen gebaseerd op de beantwoorde uitspraken (sommige zijn overgeslagen).",
    },
    "missing": {"en": "not enough answers", "nl": "te weinig antwoorden"},
    "sim_h": {"en": "How similar are your profiles?", "nl": "Hoe vergelijkbaar zijn uw profielen?"},
    "sim_text": {
        "en": "Across the {k} parts, the pattern of your scores (which parts are higher and "
        "which lower, each part put on a 0-100 scale) correlates r = {r}. A value near 1 means "
        "your profiles have the same shape; near 0, unrelated shapes; below 0, opposite shapes.",
        "nl": "Over de {k} onderdelen heen hangt het patroon van uw scores (welke onderdelen "
        "hoger en welke lager zijn, elk op een schaal van 0-100) samen met r = {r}. Een waarde "
        "dicht bij 1 betekent dat uw profielen dezelfde vorm hebben; dicht bij 0 geen verband; "
        "onder 0 tegengestelde vormen.",
    },
    "sim_distinctive": {
        "en": " After removing what is typical of the {n} couples in this database, the "
        "correlation is r = {r} (distinctive similarity, Furr 2008).",
        "nl": " Na aftrek van wat typisch is voor de {n} stellen in deze database is de "
        "samenhang r = {r} (distinctieve gelijkenis, Furr 2008).",
    },
    "sim_na": {
        "en": "A profile comparison needs both partners' scores on at least three parts.",
        "nl": "Voor een profielvergelijking zijn scores van beide partners op ten minste drie "
        "onderdelen nodig.",
    },
    "change_h": {
        "en": "Change between {wave} {a} and {b}",
        "nl": "Verandering tussen {wave} {a} en {b}",
    },
    "col_change": {"en": "Change", "nl": "Verandering"},
    "col_rc": {"en": "Reliable change?", "nl": "Betrouwbare verandering?"},
    "rc_up": {"en": "reliable increase", "nl": "betrouwbare toename"},
    "rc_down": {"en": "reliable decrease", "nl": "betrouwbare afname"},
    "rc_none": {"en": "within measurement error", "nl": "binnen de meetfout"},
    "rc_na": {"en": "not available", "nl": "niet beschikbaar"},
    "rc_note": {
        "en": "A change is called reliable when it is larger than questionnaire answers "
        "usually vary by chance (reliable change index, Jacobson & Truax 1991, |RCI| > 1.96). "
        "Spread and reliability come from {src}.",
        "nl": "Een verandering heet betrouwbaar als ze groter is dan antwoorden op een "
        "vragenlijst toevallig schommelen (reliable change index, Jacobson & Truax 1991, "
        "|RCI| > 1,96). Spreiding en betrouwbaarheid komen uit {src}.",
    },
    "rc_src_norms": {"en": "the norm table", "nl": "de normtabel"},
    "rc_src_sample": {
        "en": "the {n} people in this database at {wave} {w}",
        "nl": "de {n} personen in deze database bij {wave} {w}",
    },
    "rc_missing_info": {
        "en": "Whether a change is larger than chance variation needs each score's spread and "
        "reliability: supply a norm table (columns subscale, sd, reliability) or collect "
        "answers from at least {n} people.",
        "nl": "Of een verandering groter is dan toevallige schommeling vraagt de spreiding en "
        "betrouwbaarheid van elke score: geef een normtabel op (kolommen subscale, sd, "
        "reliability) of verzamel antwoorden van ten minste {n} personen.",
    },
    "norm_sd": {"en": "{z} SD {dir} average", "nl": "{z} SD {dir} gemiddelde"},
    "above": {"en": "above", "nl": "boven"},
    "below": {"en": "below", "nl": "onder"},
    "footer": {
        "en": "Made with dyadscore {v} on {d}. Instruments: {inst}. Answers stay on this computer.",
        "nl": "Gemaakt met dyadscore {v} op {d}. Vragenlijsten: {inst}. Antwoorden blijven op "
        "deze computer.",
    },
}

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
       max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
.meta, figcaption, .note { color: #555; font-size: .9rem; }
.box { background: #eef3f7; padding: .6rem .9rem; border-radius: .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .45rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
img { max-width: 100%; height: auto; }
.warn { background: #fff4e0; border: 1px solid #d08a00; }
/* a phone: every table row becomes a card, each cell labelled; nothing wider than the screen */
@media (max-width: 40rem) {
  body { padding: .75rem; font-size: 16px; }
  table.stack, table.stack tbody, table.stack tr, table.stack th, table.stack td { display: block; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack tr { border: 1px solid #ddd; border-radius: .4rem; margin: .6rem 0; padding: .35rem .6rem; }
  table.stack th, table.stack td { border: 0; padding: .15rem 0; text-align: left; white-space: normal; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
}
@media print { body { max-width: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
"""


def _tx(key: str, lang: str, **fmt: Any) -> str:
    return TEXT[key][lang].format(**fmt)


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
        return HIGHER_MEANS.get(self.name, TEXT["generic_higher"])[lang]


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

    Parameters
    ----------
    db
        Answer database.
    couple
        Couple code.
    norms
        Optional norm table (path or DataFrame) with columns ``subscale, mean, sd`` and
        optionally ``reliability`` and ``role``.

    Returns
    -------
    CoupleSummary
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
def _fmt(x: float, lang: str, nd: int = 2) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    s = f"{x:.{nd}f}"
    return s.replace(".", ",") if lang == "nl" else s


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


def _score_cell(sc: pd.DataFrame, role: str, wave: int, name: str, lang: str, label: str) -> str:
    row = sc[(sc["role"] == role) & (sc["wave"] == wave)]
    lab = html.escape(label)
    if row.empty or row.iloc[0][f"{name}_flag"] == "missing":
        return f'<td class="num" data-label="{lab}">{_tx("missing", lang)}</td>'
    star = "*" if row.iloc[0][f"{name}_flag"] == "prorated" else ""
    return f'<td class="num" data-label="{lab}">{_fmt(float(row.iloc[0][name]), lang)}{star}</td>'


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
    db
        Answer database.
    couple
        Couple code.
    lang
        ``"en"`` or ``"nl"``.
    norms
        Optional norm table (path or DataFrame): ``subscale, mean, sd`` and optionally
        ``reliability`` and ``role``.

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
    from . import __version__
    from .administer.messages import check_lang

    lang = check_lang(lang)
    sm = couple_summary(db, couple, norms=norms)
    e = html.escape
    wave_w = _tx("wave", lang)
    latest = sm.waves[-1]
    names = {r: _tx("partner", lang, r=r) for r in sm.roles}
    parts: list[str] = []
    parts.append(f"<h1>{e(_tx('title', lang))}: {e(couple)}</h1>")
    parts.append(
        f'<p class="meta">{e(", ".join(names[r] for r in sm.roles))} · {e(wave_w)} '
        f"{e(', '.join(map(str, sm.waves)))}</p>"
    )
    about = _tx("about", lang)
    if sm.norms is not None:
        about += " " + _tx(
            "about_norms", lang, src=str(norms) if isinstance(norms, str | os.PathLike) else "table"
        )
    parts.append(f'<p class="box">{e(about)}</p>')
    for u in sm.unfinished:
        parts.append(
            f'<p class="box warn" role="note">'
            f"{e(_tx('unfinished', lang, p=names.get(u['role'], u['role']), k=u['answered'], n=u['items'], wave=wave_w, w=latest))}</p>"
        )
    parts.append(f"<h2>{e(_tx('paradox_h', lang))}</h2><p>{e(_tx('paradox', lang))}</p>")

    parts.append(f"<h2>{e(_tx('scores_h', lang, wave=wave_w, w=latest))}</h2>")
    png = _figure(sm, lang)
    roles = sm.roles + [""] * (2 - len(sm.roles))
    prev = _tx("fig_prev", lang, wave=wave_w, w=sm.waves[0]) if len(sm.waves) > 1 else ""
    caption = _tx(
        "fig_caption", lang, a=names.get(roles[0], ""), b=names.get(roles[1], "-"), prev=prev
    )
    parts.append(
        f'<figure><img src="data:image/png;base64,{png}" alt="{e(caption)}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )
    head = "".join(f'<th scope="col">{e(names[r])}</th>' for r in sm.roles)
    norm_head = f'<th scope="col">{e(_tx("col_norm", lang))}</th>' if sm.norms is not None else ""
    diff_head = f'<th scope="col">{e(_tx("col_diff", lang))}</th>' if len(sm.roles) == 2 else ""
    rows = []
    disc = sm.discrepancy.set_index("variable") if len(sm.discrepancy) else None
    for s in sm.subscales:
        cells = "".join(
            _score_cell(sm.scores, r, latest, s.column, lang, names[r]) for r in sm.roles
        )
        dtext = ""
        if disc is not None:
            d = disc.loc[s.column]
            if not np.isfinite(d["difference"]):
                dtext = "–"
            elif d["higher"] == "equal":
                dtext = _tx("diff_equal", lang)
            else:
                dtext = _tx("diff_text", lang, hi=names[d["higher"]], d=_fmt(d["absolute"], lang))
            dtext = f'<td data-label="{e(_tx("col_diff", lang))}">{e(dtext)}</td>'
        ntext = ""
        if sm.norms is not None:
            bits = []
            for r in sm.roles:
                nrow = _norm_row(sm.norms, s, r)
                val = sm.scores[(sm.scores["role"] == r) & (sm.scores["wave"] == latest)][s.column]
                if nrow is None or not len(val) or not np.isfinite(val.iloc[0]):
                    continue
                z = (float(val.iloc[0]) - float(nrow["mean"])) / float(nrow["sd"])
                bits.append(
                    f"{r}: "
                    + _tx(
                        "norm_sd",
                        lang,
                        z=_fmt(abs(z), lang, 1),
                        dir=_tx("above" if z >= 0 else "below", lang),
                    )
                )
            ntext = f'<td data-label="{e(_tx("col_norm", lang))}">{e("; ".join(bits) or "–")}</td>'
        rng = f"{_fmt(s.lo, lang, 0)}–{_fmt(s.hi, lang, 0)}"
        rows.append(
            f"<tr><th scope='row'>{e(s.label(lang))}</th>"
            f'<td data-label="{e(_tx("col_higher", lang))}">{e(s.higher_means(lang))}</td>'
            f'<td class="num" data-label="{e(_tx("col_range", lang))}">{rng}</td>'
            f"{cells}{dtext}{ntext}</tr>"
        )
    parts.append(
        f"<table class='stack'><thead><tr><th scope='col'>{e(_tx('col_part', lang))}</th>"
        f"<th scope='col'>{e(_tx('col_higher', lang))}</th>"
        f"<th scope='col'>{e(_tx('col_range', lang))}</th>{head}{diff_head}{norm_head}</tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    notes = [_tx("diff_note", lang)] if len(sm.roles) == 2 else []
    if (sm.scores.filter(like="_flag") == "prorated").any().any():
        notes.append(_tx("prorated", lang))
    parts += [f'<p class="note">{e(n)}</p>' for n in notes]

    parts.append(f"<h2>{e(_tx('sim_h', lang))}</h2>")
    sim = sm.similarity
    if np.isfinite(sim.get("raw_r", np.nan)):
        text = _tx("sim_text", lang, k=sim["n_variables"], r=_fmt(sim["raw_r"], lang))
        if np.isfinite(sim.get("distinctive_r", np.nan)):
            text += _tx(
                "sim_distinctive", lang, n=sim["n_couples"], r=_fmt(sim["distinctive_r"], lang)
            )
        parts.append(f"<p>{e(text)}</p>")
    else:
        parts.append(f"<p>{e(_tx('sim_na', lang))}</p>")

    if sm.change is not None:
        w1, w2 = sm.waves[0], sm.waves[-1]
        parts.append(f"<h2>{e(_tx('change_h', lang, wave=wave_w, a=w1, b=w2))}</h2>")
        cat_text = {k: _tx(f"rc_{k}", lang) for k in ("up", "down", "none", "na")}
        crow = []
        for _, r in sm.change.iterrows():
            label = next(s.label(lang) for s in sm.subscales if s.column == r["variable"])
            crow.append(
                f"<tr><th scope='row'>{e(label)}</th><td>{e(names[r['role']])}</td>"
                f'<td class="num" data-label="{e(wave_w)} {w1}">{_fmt(r["t1"], lang)}</td>'
                f'<td class="num" data-label="{e(wave_w)} {w2}">{_fmt(r["t2"], lang)}</td>'
                f'<td class="num" data-label="{e(_tx("col_change", lang))}">{_fmt(r["diff"], lang)}</td>'
                f'<td data-label="{e(_tx("col_rc", lang))}">{e(cat_text[r["category"]])}</td></tr>'
            )
        parts.append(
            f"<table class='stack'><thead><tr><th scope='col'>{e(_tx('col_part', lang))}</th><th scope='col'></th>"
            f"<th scope='col'>{e(wave_w)} {w1}</th><th scope='col'>{e(wave_w)} {w2}</th>"
            f"<th scope='col'>{e(_tx('col_change', lang))}</th>"
            f"<th scope='col'>{e(_tx('col_rc', lang))}</th></tr></thead>"
            f"<tbody>{''.join(crow)}</tbody></table>"
        )
        if sm.change_source is None:
            parts.append(f'<p class="note">{e(_tx("rc_missing_info", lang, n=MIN_SAMPLE_RCI))}</p>')
        else:
            src = (
                _tx("rc_src_norms", lang)
                if sm.change_source == "norms"
                else _tx("rc_src_sample", lang, n=sm.change_n, wave=wave_w, w=w1)
            )
            parts.append(f'<p class="note">{e(_tx("rc_note", lang, src=src))}</p>')

    seen, inst_txt = set(), []
    for p in sm.provenance:
        key = (p["instrument"], p["version"])
        if key not in seen:
            seen.add(key)
            inst_txt.append(f"{p['instrument']} {p['version']} (key {p['key_hash']})")
    today = _dt.date.today().isoformat()
    parts.append(
        f'<p class="meta">{e(_tx("footer", lang, v=__version__, d=today, inst="; ".join(inst_txt)))}</p>'
    )
    title = f"{_tx('title', lang)}: {couple}"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>"
        + "\n".join(parts)
        + "</main></body></html>\n"
    )
