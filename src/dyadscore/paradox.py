"""Tests of Feeney's (2007) dependency paradox as explicit, pre-declared APIM hypotheses.

A :class:`Hypothesis` names an outcome, a predictor, which APIM path is tested (actor or
partner), control variables (entered with the person's own and the partner's value, as in
the residualised-change APIM of Cook & Kenny 2005), optional covariates (own value), the
direction (one-sided positive/negative, two-sided, or equivalence by TOST against a
smallest effect of interest in standardised units), and alpha. :func:`test` fits one
:func:`dyadscore.apim` per hypothesis and returns a :class:`ParadoxResult` with a tidy
table, the fitted APIMs and plain-language summaries in English and Dutch.

The shipped default set (``hypotheses/default.yaml``) follows SCIENCE.md section 4.2:
H1 (perceived acceptance -> own goal progress, actor, longitudinal), H2 (partner's own
report of acceptance -> goal progress, partner effect), H3 (perceived acceptance does not
increase felt dependence: equivalence, SESOI ``|beta| = .10``), H3b (-> self-sufficiency),
H4/H4b (cross-sectional actor effects on self-sufficiency and goal pursuit at wave 1) and
H4c (cross-sectional partner effect: the partner's reported acceptance -> self-sufficiency;
family "secondary", so Holm corrects it apart from the primary family).

Examples
--------
>>> [h.id for h in load_hypotheses()]
['H1', 'H2', 'H3', 'H3b', 'H4', 'H4b', 'H4c']
>>> from dyadscore.simulate import simulate_paradox
>>> data = wide_by_wave(simulate_paradox(200, seed=1))
>>> res = test(data)  # doctest: +SKIP
>>> print(res.summary("nl"))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy import stats

from .errors import InputError

__all__ = [
    "Hypothesis",
    "ParadoxResult",
    "load_hypotheses",
    "resolve_hypotheses",
    "test",
    "wide_by_wave",
    "prepare",
    "holm",
    "population_effects",
    "DEFAULT_HYPOTHESES",
]

DEFAULT_HYPOTHESES = Path(__file__).with_name("hypotheses") / "default.yaml"
_ID_COLS = ("couple", "dyad", "role", "gender")


# ------------------------------------------------------------------ the spec
class Hypothesis(BaseModel):
    """One pre-declared hypothesis: a single coefficient of an APIM and its decision rule.

    Attributes
    ----------
    id : str
        Short id (letters, digits, ``_ . -``), unique within a file.
    label : dict of str
        The hypothesis in words: ``en`` and ``nl`` both required.
    outcome, predictor : str
        Columns of the person table; a ``_w<N>`` suffix names the wave (the outcome may not
        come before the predictor).
    effect : {"actor", "partner"}
        The APIM path tested.
    control : list of str
        Predictors entered with their actor and partner values (e.g. the outcome at wave 1).
    covariates : list of str
        Covariates entered with the person's own value only.
    direction : {"positive", "negative", "two-sided", "equivalence"}
        One-sided test in the stated direction, two-sided test, or TOST equivalence within
        +/- ``sesoi``.
    sesoi : float
        Smallest effect size of interest (standardised beta), 0-1.
    alpha : float
        Significance level, 0-1.
    family : str
        Family for the multiplicity correction (``primary`` by default).

    Examples
    --------
    >>> h = Hypothesis(id="H9", label={"en": "X helps Y", "nl": "X helpt Y"},
    ...                outcome="y_w2", predictor="x_w1", control=["y_w1"])
    >>> h.effect, h.direction, h.alpha
    ('actor', 'positive', 0.05)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    label: dict[str, str]
    outcome: str
    predictor: str
    effect: Literal["actor", "partner"] = "actor"
    control: list[str] = Field(default_factory=list)
    covariates: list[str] = Field(default_factory=list)
    direction: Literal["positive", "negative", "two-sided", "equivalence"] = "positive"
    sesoi: float = Field(default=0.10, gt=0, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    family: str = "primary"

    @field_validator("label")
    @classmethod
    def _bilingual(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [lang for lang in ("en", "nl") if not str(v.get(lang, "")).strip()]
        if missing:
            raise ValueError(f"label has no text in {', '.join(missing)}")
        return v

    @model_validator(mode="after")
    def _time_order(self) -> Hypothesis:
        pred, out = self.waves["predictor"], self.waves["outcome"]
        if pred is not None and out is not None and out < pred:
            raise ValueError(
                f"outcome {self.outcome!r} (wave {out}) comes before predictor "
                f"{self.predictor!r} (wave {pred})"
            )
        return self

    @property
    def predictor_column(self) -> str:
        return self.predictor

    @property
    def waves(self) -> dict[str, int | None]:
        """Waves of predictor and outcome, read from the ``_w<N>`` suffix of their columns.

        Examples
        --------
        >>> Hypothesis(id="H", label={"en": "a", "nl": "b"}, outcome="y_w2", predictor="x_w1").waves
        {'predictor': 1, 'outcome': 2}
        """
        return {"predictor": _wave_of(self.predictor), "outcome": _wave_of(self.outcome)}

    @property
    def design(self) -> str:
        """``longitudinal`` (outcome at a later wave than the predictor) or ``cross-sectional``."""
        pred, out = self.waves["predictor"], self.waves["outcome"]
        return (
            "longitudinal"
            if pred is not None and out is not None and out > pred
            else "cross-sectional"
        )

    @property
    def columns(self) -> list[str]:
        """Data columns the hypothesis needs."""
        return list(dict.fromkeys([self.outcome, self.predictor, *self.control, *self.covariates]))

    @property
    def x(self) -> list[str]:
        """APIM predictors (each enters with its actor and partner value)."""
        return list(dict.fromkeys([self.predictor, *self.control]))


def _wave_of(column: str) -> int | None:
    """Wave number of a wave-specific column name (``goal_progress_w2`` -> 2), else None."""
    match = re.search(r"_w(\d+)$", column)
    return int(match.group(1)) if match else None


def _validate(item: Any, source: str, index: int) -> Hypothesis:
    if isinstance(item, Hypothesis):
        return item
    if not isinstance(item, Mapping):
        raise InputError(
            f"{source}: hypothesis {index + 1}: expected a mapping with id, outcome, predictor, ..."
        )
    try:
        return Hypothesis.model_validate(dict(item))
    except ValidationError as exc:
        errors = exc.errors()
        # a misspelled key shows up both as unknown and as a missing field: name the typo
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = ".".join(str(p) for p in err["loc"]) or "hypothesis"
        hid = item.get("id", index + 1)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key; expected one of {', '.join(Hypothesis.model_fields)}"
        raise InputError(f"{source}: hypothesis {hid!r}: {loc}: {msg}") from None


def load_hypotheses(spec: str | os.PathLike | Iterable[Any] | None = None) -> list[Hypothesis]:
    """Load hypotheses from a YAML file, a list of dicts/:class:`Hypothesis`, or the default set.

    Parameters
    ----------
    spec : path, list of dict or Hypothesis, optional
        A YAML file (a list of hypotheses, or a mapping with a ``hypotheses:`` list), a list
        of mappings / :class:`Hypothesis`, or ``None`` for the shipped default set.

    Returns
    -------
    list of Hypothesis
        Validated, in file order, ids unique.

    Raises
    ------
    InputError
        One line naming the file, the hypothesis and the field.

    Examples
    --------
    >>> hs = load_hypotheses([{"id": "A", "label": {"en": "a", "nl": "a"},
    ...                        "outcome": "y", "predictor": "x", "direction": "two-sided"}])
    >>> hs[0].direction
    'two-sided'
    """
    if spec is None:
        spec = DEFAULT_HYPOTHESES
    if isinstance(spec, Hypothesis | Mapping):
        spec = [spec]
    if isinstance(spec, str | os.PathLike):
        path = Path(spec)
        if not path.is_file():
            raise InputError(f"{path}: hypotheses file not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark is not None else ""
            raise InputError(
                f"{path}:{line}: malformed YAML: {getattr(exc, 'problem', exc)}"
            ) from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        if isinstance(data, Mapping) and "hypotheses" in data:
            data = data["hypotheses"]
        if not isinstance(data, list) or not data:
            raise InputError(
                f"{path}: expected a YAML list of hypotheses (- id: ..., outcome: ...)"
            )
        source = str(path)
    else:
        data = list(spec)
        source = "hypotheses"
        if not data:
            raise InputError("hypotheses: expected at least one hypothesis")
    hyps = [_validate(item, source, i) for i, item in enumerate(data)]
    ids = [h.id for h in hyps]
    dup = [i for i in ids if ids.count(i) > 1]
    if dup:
        raise InputError(f"{source}: hypothesis id {dup[0]!r} is used twice")
    return hyps


def resolve_hypotheses(spec: Any = None) -> list[Hypothesis]:
    """Like :func:`load_hypotheses`, but also accepts ids (or a list of ids) of the default set.

    Examples
    --------
    >>> [h.id for h in resolve_hypotheses(["H1", "H3"])]
    ['H1', 'H3']
    """
    default = {h.id: h for h in load_hypotheses()}

    def one(s: Any) -> Any:
        if isinstance(s, str) and not s.endswith((".yaml", ".yml")) and not Path(s).is_file():
            if s not in default:
                raise InputError(f"hypothesis {s!r}: unknown id; expected one of {list(default)}")
            return default[s]
        return s

    if isinstance(spec, str):
        return (
            load_hypotheses([one(spec)])
            if isinstance(one(spec), Hypothesis)
            else load_hypotheses(spec)
        )
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return load_hypotheses([one(s) for s in spec])
    return load_hypotheses(spec)


# ------------------------------------------------------------- reshaping
def wide_by_wave(
    scores: pd.DataFrame,
    waves: Sequence[int] = (1, 2),
    *,
    person: str = "person",
    wave: str = "wave",
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Long-by-wave scores (one row per person per wave) -> one row per person, ``<col>_w<wave>``.

    Id columns (``couple``, ``dyad``, ``role``, ``gender`` when present) are carried; they
    must not change between waves. ``columns`` defaults to every other column except
    ``<sub>_n``/``<sub>_flag`` bookkeeping of :func:`dyadscore.score`. A person absent at a
    wave gets missing values there.

    Examples
    --------
    >>> long = pd.DataFrame({"person": [1, 1, 2], "couple": [1, 1, 1], "wave": [1, 2, 1],
    ...                      "sat": [3.0, 4.0, 5.0]})
    >>> wide_by_wave(long).to_dict("list")
    {'person': [1, 2], 'couple': [1, 1], 'sat_w1': [3.0, 5.0], 'sat_w2': [4.0, nan]}
    """
    for col in (person, wave):
        if col not in scores.columns:
            raise InputError(f"scores: no column {col!r}; expected one row per {person} per {wave}")
    ids = [c for c in _ID_COLS if c in scores.columns]
    if columns is None:
        names = set(scores.columns)
        columns = [
            c
            for c in scores.columns
            if c not in (person, wave, *ids)
            and not (c.endswith("_n") and c[:-2] in names)
            and not (c.endswith("_flag") and c[:-5] in names)
        ]
    else:
        absent = [c for c in columns if c not in scores.columns]
        if absent:
            raise InputError(f"scores: no column {absent[0]!r}")
    dup = scores.duplicated([person, wave])
    if dup.any():
        row = scores.loc[dup.idxmax()]
        raise InputError(f"scores: {person} {row[person]!r} appears twice at {wave} {row[wave]!r}")
    wv = pd.to_numeric(scores[wave], errors="coerce")
    sub = scores[wv.isin(list(waves))]
    if sub.empty:
        raise InputError(
            f"scores: no rows at {wave} {list(waves)}; found {sorted(scores[wave].unique())[:5]}"
        )
    if ids:
        n_ids = sub.groupby(person, sort=False)[ids].nunique(dropna=False)
        bad = n_ids[(n_ids > 1).any(axis=1)]
        if len(bad):
            col = bad.columns[(bad.iloc[0] > 1).to_numpy()][0]
            raise InputError(
                f"scores: {person} {bad.index[0]!r} has different {col!r} at different waves"
            )
    base = sub.drop_duplicates(person)[[person, *ids]].reset_index(drop=True)
    wide = sub.assign(**{wave: wv[sub.index].astype(int)}).pivot(
        index=person, columns=wave, values=list(columns)
    )
    wide = wide.reindex(columns=pd.MultiIndex.from_product([list(columns), list(waves)]))
    wide.columns = [f"{c}_w{w}" for c, w in wide.columns]
    return base.merge(wide.reset_index(), on=person, how="left")


def prepare(
    data: pd.DataFrame,
    *,
    person: str = "person",
    wave: str = "wave",
    waves: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Make the person-level table the hypotheses need from whatever shape ``data`` has.

    * one row per person with ``<construct>_w<wave>`` columns: returned unchanged;
    * one row per person per wave (a ``wave`` column) with subscale scores: reshaped with
      :func:`wide_by_wave`;
    * one row per person per wave with item responses: scored first with
      :func:`dyadscore.score` on every shipped instrument whose items are all present.

    Examples
    --------
    >>> from dyadscore.simulate import simulate_paradox
    >>> prepare(simulate_paradox(5, seed=1)).filter(like="goal_progress").columns.tolist()
    ['goal_progress_w1', 'goal_progress_w2']
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError("data: expected a DataFrame")
    if wave not in data.columns:
        return data
    from .instruments import list_instruments, load_instrument

    cols = set(data.columns)
    subscales = {n for i in list_instruments() for n in load_instrument(i).subscales}
    if not subscales & cols:
        present = [i for i in list_instruments() if set(load_instrument(i).item_ids) <= cols]
        if present:
            from .scoring import score

            keep = [c for c in (*_ID_COLS, wave) if c in cols]
            data = score(data, present, person=person, keep=keep)
    waves = waves or sorted(
        pd.to_numeric(data[wave], errors="coerce").dropna().astype(int).unique()
    )
    return wide_by_wave(data, waves, person=person, wave=wave)


# ------------------------------------------------------------------ results
def holm(p: Sequence[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p values (NaN kept as NaN).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * q[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


_holm_adjust = holm


@dataclass
class ParadoxResult:
    """Result of :func:`test`: ``table`` (one row per hypothesis [and role]), ``fits``, summaries."""

    table: pd.DataFrame
    fits: dict[str, Any]
    hypotheses: list[Hypothesis]
    holm: bool = False
    lang: str = "en"
    covariates: list[str] = field(default_factory=list)
    moderator: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self, lang: str | None = None) -> str:
        """Plain-language paragraph per hypothesis in English (``en``) or Dutch (``nl``)."""
        lang = lang or self.lang
        if lang not in _TEXT:
            raise InputError(f"lang={lang!r}: expected 'en' or 'nl'")
        hyp = {h.id: h for h in self.hypotheses}
        paras = [
            _paragraph(
                row, hyp[row["hypothesis"]], lang, self.holm, self.covariates, self.moderator
            )
            for row in self.table.to_dict("records")
        ]
        return "\n\n".join(paras)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: table records, summaries (en and nl) and the hypotheses."""
        tab = self.table.astype(object).where(self.table.notna(), None)
        return {
            "results": tab.to_dict("records"),
            "summary": {"en": self.summary("en"), "nl": self.summary("nl")},
            "hypotheses": [h.model_dump() for h in self.hypotheses],
            "holm": self.holm,
            "notes": self.notes,
        }

    def plot(self, ax: Any = None, lang: str | None = None):
        """Forest plot of standardised effects (beta) with 95% CIs and the equivalence bounds."""
        lang = lang or self.lang
        tab = self.table.reset_index(drop=True)
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6.5, 0.5 * len(tab) + 1.5))
        scale = (tab["beta"] / tab["estimate"]).where(tab["estimate"] != 0, 0.0)
        lo, hi = tab["ci_low"] * scale, tab["ci_high"] * scale
        y = np.arange(len(tab))[::-1]
        colors = np.where(tab["supported"], "tab:blue", "tab:grey")
        ax.hlines(y, lo, hi, colors=colors)
        ax.scatter(tab["beta"], y, c=colors, zorder=3)
        for yi, (_, row) in zip(y, tab.iterrows(), strict=True):
            if row["direction"] == "equivalence":
                ax.plot(
                    [-row["sesoi"], row["sesoi"]], [yi, yi], "|", color="tab:red", markersize=14
                )
        labels = tab["hypothesis"] + (" (" + tab["role"].astype(str) + ")" if "role" in tab else "")
        ax.set_yticks(y, labels)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(_TEXT[lang]["axis"])
        ax.set_title(_TEXT[lang]["title"])
        return ax

    def to_html(self, lang: str | None = None) -> str:
        """A small self-contained HTML report: summary, table and forest plot."""
        import base64
        import io

        from matplotlib.figure import Figure  # no pyplot: leaves the user's backend alone

        lang = lang or self.lang
        fig = Figure(figsize=(6.5, 0.5 * len(self.table) + 1.5))
        self.plot(ax=fig.subplots(), lang=lang)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        img = base64.b64encode(buf.getvalue()).decode()
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in self.summary(lang).split("\n\n"))
        table = self.table.round(4).to_html(index=False, na_rep="", escape=True)
        t = _TEXT[lang]
        return (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(t['title'])}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "table{border-collapse:collapse;font-size:.85em}td,th{padding:.2em .5em;"
            "border-bottom:1px solid #ddd}</style></head><body>"
            f"<h1>{html.escape(t['title'])}</h1>{paras}"
            f'<img alt="forest plot" src="data:image/png;base64,{img}">{table}'
            f"<p><small>{html.escape(t['footer'])}</small></p></body></html>"
        )


# ------------------------------------------------------------------ testing
def _check_data(
    data: Any, hyps: list[Hypothesis], dyad: str, role: str | None, person: str
) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            "data: expected a DataFrame with one row per person (see paradox.wide_by_wave)"
        )
    for col in [dyad, *([role] if role else [])]:
        if col not in data.columns:
            raise InputError(
                f"data: no column {col!r}; expected the couple id (dyad=) and role (role=)"
            )
    for h in hyps:
        absent = [c for c in h.columns if c not in data.columns]
        if absent:
            hint = ""
            if "wave" in data.columns and absent[0].rsplit("_w", 1)[0] in data.columns:
                hint = "; data look long by wave, use paradox.wide_by_wave(data) first"
            raise InputError(
                f"data: hypothesis {h.id} needs column {absent[0]!r}, which is absent{hint}"
            )
    return data


def _fit_key(h: Hypothesis, covariates: Sequence[str]) -> tuple:
    # a robustness covariate that is already a predictor or control of h is controlled already
    covs = [c for c in dict.fromkeys([*h.covariates, *covariates]) if c not in h.x]
    return (h.outcome, tuple(h.x), tuple(covs))


def _effect_rows(fit: Any, h: Hypothesis) -> pd.DataFrame:
    eff = fit.effects
    rows = eff[(eff["effect"] == h.effect) & (eff["predictor"] == h.predictor)]
    if rows.empty:
        raise InputError(f"hypothesis {h.id}: the APIM has no {h.effect} effect of {h.predictor!r}")
    return rows


def _interaction(fit: Any, h: Hypothesis, role: Any) -> dict[str, float]:
    """The moderator x tested-path product term (two-sided p) for this hypothesis."""
    eff = fit.effects
    sel = (eff["effect"] == f"{h.effect}_x_moderator") & (eff["predictor"] == h.predictor)
    if role is not None and "role" in eff:
        sel &= eff["role"] == role
    rows = eff[sel]
    if rows.empty:
        return {"interaction": np.nan, "interaction_se": np.nan, "interaction_p": np.nan}
    r = rows.iloc[0]
    return {
        "interaction": float(r["estimate"]),
        "interaction_se": float(r["se"]),
        "interaction_p": float(r["p"]),
    }


def _sd_ratio(data: pd.DataFrame, h: Hypothesis) -> float:
    """SD(outcome) / SD(predictor) over the persons with both values (raw units per beta)."""
    sub = data[[h.outcome, h.predictor]].apply(pd.to_numeric, errors="coerce").dropna()
    return float(sub[h.outcome].std(ddof=1) / sub[h.predictor].std(ddof=1))


def _decide(est: float, se: float, df: float, h: Hypothesis, bound: float) -> tuple[float, float]:
    """(two-sided p, decision p: one-sided, TOST or two-sided) from a t (or z) statistic."""
    dist = stats.t(df) if np.isfinite(df) and df > 0 else stats.norm()
    t = est / se
    p_two = float(2 * dist.sf(abs(t)))
    if h.direction == "positive":
        return p_two, float(dist.sf(t))
    if h.direction == "negative":
        return p_two, float(dist.cdf(t))
    if h.direction == "two-sided":
        return p_two, p_two
    return p_two, float(max(dist.sf((est + bound) / se), dist.cdf((est - bound) / se)))


def test(
    data: pd.DataFrame,
    hypotheses: Any = None,
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str = "person",
    holm: bool = False,
    covariates: Sequence[str] | None = None,
    moderator: str | None = None,
    method: str = "REML",
    lang: str = "en",
    drop_singles: bool = False,
    source: str | None = None,
) -> ParadoxResult:
    """Test dependency-paradox hypotheses, one APIM per hypothesis.

    Parameters
    ----------
    data : DataFrame
        One row per person: couple id, optional role, and the wave-specific columns the
        hypotheses name (``goal_progress_w1``, ...; see :func:`wide_by_wave`).
    hypotheses : None, path, list of dicts / Hypothesis objects, or default ids
        ``None`` tests the shipped default set (``hypotheses/default.yaml``).
    dyad, role : str
        Couple id column; role column for distinguishable dyads (``None``: indistinguishable,
        effects pooled over the two members).
    person : str
        Person id column (used for messages only).
    holm : bool
        Add Holm-adjusted p values (within each hypothesis family) and decide on them.
    covariates : list of str, optional
        Robustness covariates added to every hypothesis (own value, e.g. satisfaction_w1).
    moderator : str, optional
        Moderator column (e.g. ``avoidance_w1``), passed to :func:`dyadscore.apim` with
        ``center=True`` (predictors, controls and moderator grand-mean centred), so each
        hypothesis's estimate is the effect at the mean moderator; the table gains
        ``interaction``, ``interaction_se``, ``interaction_p`` (the moderator x tested path
        product term, two-sided).
    method : {"REML", "ML"}
    lang : {"en", "nl"}
        Default language of :meth:`ParadoxResult.summary`.
    drop_singles : bool
        Leave out persons whose partner is not in the data (otherwise an error names them).
    source : str, optional
        File name used in error messages.

    Returns
    -------
    ParadoxResult
        ``.table``: hypothesis, label, effect, predictor, outcome, [role,] estimate, se,
        ci_low, ci_high (95%, raw units), beta (standardised), p (two-sided),
        p_one_sided (one-sided in the declared direction; for equivalence the TOST p, i.e.
        the larger of the two one-sided p values), direction, sesoi, alpha, supported,
        n_dyads [, p_holm]. ``.fits``: hypothesis id -> APIMResult.

    Examples
    --------
    >>> from dyadscore.simulate import simulate_paradox
    >>> res = test(wide_by_wave(simulate_paradox(300, seed=4)))  # doctest: +SKIP
    >>> res.table[["hypothesis", "beta", "supported"]]  # doctest: +SKIP
    """
    from .apim_gls import apim

    if lang not in _TEXT:
        raise InputError(f"lang={lang!r}: expected 'en' or 'nl'")
    hyps = resolve_hypotheses(hypotheses)
    if not isinstance(data, pd.DataFrame):
        raise InputError("data: expected a DataFrame with one row per person (see wide_by_wave)")
    if "wave" in data.columns:
        data = prepare(data, person=person)
    covariates = list(covariates or [])
    extra = [c for c in [*covariates, *([moderator] if moderator else [])] if c not in data.columns]
    if extra:
        raise InputError(f"data: no column {extra[0]!r} (covariate or moderator)")
    data = _check_data(data, hyps, dyad, role, person)
    fits: dict[str, Any] = {}
    cache: dict[tuple, Any] = {}
    rows = []
    for h in hyps:
        key = _fit_key(h, covariates)
        if key not in cache:
            covs = list(key[2]) or None
            kwargs: dict[str, Any] = {
                "covariates": covs,
                "covariate_effects": "as_is",
                "method": method,
                "person": person if person in data.columns else None,
                "drop_singles": drop_singles,
                "source": source,
            }
            if moderator:  # centred, so main effects are effects at the mean moderator
                kwargs.update(moderator=moderator, center=True)
            cache[key] = apim(data, x=list(h.x), y=h.outcome, dyad=dyad, role=role, **kwargs)
        fit = cache[key]
        fits[h.id] = fit
        ratio = _sd_ratio(data, h)
        for r in _effect_rows(fit, h).to_dict("records"):
            est, se = float(r["estimate"]), float(r["se"])
            df = float(r.get("df", np.nan)) if r.get("df") is not None else np.inf
            beta = float(r["beta"]) if r.get("beta") is not None else np.nan
            # SESOI is standardised: convert with apim's own standardisation (b / beta)
            scale = est / beta if np.isfinite(beta) and beta != 0 else ratio
            bound = h.sesoi * abs(scale)
            p_two, p_dec = _decide(est, se, df, h, bound)
            row = {
                "hypothesis": h.id,
                "label": h.label.get(lang, h.label["en"]),
                "effect": h.effect,
                "predictor": h.predictor,
                "outcome": h.outcome,
                "design": h.design,
            }
            if role:
                row["role"] = r.get("role")
            row.update(
                estimate=est,
                se=se,
                ci_low=float(r["ci_low"]),
                ci_high=float(r["ci_high"]),
                beta=beta if np.isfinite(beta) else est / ratio,
                p=p_two,
                p_one_sided=np.nan if h.direction == "two-sided" else p_dec,
                direction=h.direction,
                sesoi=h.sesoi if h.direction == "equivalence" else np.nan,
                alpha=h.alpha,
                family=h.family,
                n_dyads=int(fit.fit["n_dyads"]),
                _p_decision=p_dec,
            )
            if moderator:
                row.update(_interaction(fit, h, r.get("role")))
            rows.append(row)
    table = pd.DataFrame(rows)
    if holm:
        table["p_holm"] = np.nan
        for _, idx in table.groupby("family", sort=False).groups.items():
            table.loc[idx, "p_holm"] = _holm_adjust(table.loc[idx, "_p_decision"])
        decision = table["p_holm"]
    else:
        decision = table["_p_decision"]
    table["supported"] = (decision < table["alpha"]).astype(bool)
    table = table.drop(columns="_p_decision")
    order = [c for c in table.columns if c not in ("supported", "n_dyads", "p_holm")]
    order = [*order, "supported", "n_dyads", *(["p_holm"] if holm else [])]
    if moderator:
        order = [c for c in order if not c.startswith("interaction")]
        order += ["interaction", "interaction_se", "interaction_p"]
    return ParadoxResult(
        table=table[order],
        fits=fits,
        hypotheses=hyps,
        holm=holm,
        lang=lang,
        covariates=covariates,
        moderator=moderator,
    )


test.__test__ = False  # a public API name, not a pytest test


def population_effects(
    hypotheses: Any = None, effects: Mapping[str, float] | float | None = None
) -> pd.DataFrame:
    """Population values (standardised) of each hypothesis's coefficient under :func:`simulate_paradox`.

    These are what :func:`test` estimates, on average, on data simulated with the same
    ``effects`` (indistinguishable APIM; the simulated effects do not differ by role).

    Examples
    --------
    >>> pop = population_effects()
    >>> float(pop.loc[pop.hypothesis == "H3", "beta"].iloc[0])
    0.0
    """
    from .simulate import paradox_model

    model = paradox_model(effects)
    rows = []
    for h in resolve_hypotheses(hypotheses):
        if h.covariates:
            raise InputError(
                f"hypothesis {h.id}: population values with covariates are not supported"
            )
        coef = model.implied(h.outcome, h.x, h.x)
        beta = round(coef[f"{h.effect}:{h.predictor}"], 12)
        rows.append({"hypothesis": h.id, "effect": h.effect, "beta": beta})
    return pd.DataFrame(rows)


# ------------------------------------------------------------ plain language
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "supported": "supported",
        "not_supported": "not supported",
        "actor": "The actor effect (own {x} on own {y})",
        "partner": "The partner effect (the partner's {x} on one's own {y})",
        "est": "was b = {b} (standardised β = {beta}, 95% CI {lo} to {hi})",
        "p_dir": "one-sided p {p} for the predicted {dir} direction",
        "p_two": "two-sided p {p}",
        "p_holm": "Holm-adjusted p {p}",
        "n": "in {n} couples",
        "control": "controlling for own and partner's {c}",
        "covs": "and for {c}",
        "covs_only": "controlling for {c}",
        "positive": "positive",
        "negative": "negative",
        "yes_dir": "The data support the predicted {dir} effect at α = {a}.",
        "no_dir": (
            "The data do not show the predicted {dir} effect at α = {a}. This is not evidence "
            "that there is no effect; the study may have too little power to detect it."
        ),
        "yes_two": "The effect differs from zero at α = {a} (two-sided).",
        "no_two": (
            "The effect does not differ significantly from zero at α = {a}; this is not "
            "evidence of no effect."
        ),
        "yes_eq": (
            "Equivalence test (TOST) against ±{s} (standardised): p {p}. The effect is "
            "reliably smaller than the smallest effect of interest, so the data show no "
            "meaningful effect in either direction at α = {a}."
        ),
        "no_eq": (
            "Equivalence test (TOST) against ±{s} (standardised): p {p}. The data cannot rule "
            "out an effect of at least {s}, so the absence of a meaningful effect is not "
            "shown (α = {a}); a non-significant ordinary test would not show it either."
        ),
        "role": "(outcome of {r})",
        "moderation": (
            "Moderation by {m} (the effect above is at the mean of {m}): "
            "interaction b = {b}, two-sided p {p}."
        ),
        "axis": "Standardised effect (β) with 95% CI",
        "title": "Dependency paradox: hypothesis tests",
        "footer": "Made with dyadscore. Estimates are APIM (GLS) coefficients; see the table for details.",
    },
    "nl": {
        "supported": "ondersteund",
        "not_supported": "niet ondersteund",
        "actor": "Het actoreffect (eigen {x} op eigen {y})",
        "partner": "Het partnereffect ({x} van de partner op de eigen {y})",
        "est": "was b = {b} (gestandaardiseerd β = {beta}, 95%-BI {lo} tot {hi})",
        "p_dir": "eenzijdig p {p} voor de voorspelde {dir} richting",
        "p_two": "tweezijdig p {p}",
        "p_holm": "p na Holm-correctie {p}",
        "n": "bij {n} koppels",
        "control": "gecontroleerd voor de eigen {c} en die van de partner",
        "covs": "en voor {c}",
        "covs_only": "gecontroleerd voor {c}",
        "positive": "positieve",
        "negative": "negatieve",
        "yes_dir": "De gegevens ondersteunen het voorspelde {dir} effect bij α = {a}.",
        "no_dir": (
            "De gegevens laten het voorspelde {dir} effect niet zien bij α = {a}. Dat is geen "
            "bewijs dat er geen effect is; het onderzoek kan te weinig power hebben om het te vinden."
        ),
        "yes_two": "Het effect verschilt van nul bij α = {a} (tweezijdig).",
        "no_two": (
            "Het effect verschilt niet significant van nul bij α = {a}; dat is geen bewijs "
            "dat er geen effect is."
        ),
        "yes_eq": (
            "Equivalentietoets (TOST) tegen ±{s} (gestandaardiseerd): p {p}. Het effect is "
            "aantoonbaar kleiner dan het kleinste relevante effect; de gegevens laten dus geen "
            "betekenisvol effect zien, in geen van beide richtingen (α = {a})."
        ),
        "no_eq": (
            "Equivalentietoets (TOST) tegen ±{s} (gestandaardiseerd): p {p}. De gegevens "
            "kunnen een effect van minstens {s} niet uitsluiten; dat er geen betekenisvol "
            "effect is, is dus niet aangetoond (α = {a}). Een niet-significante gewone toets "
            "zou dat evenmin aantonen."
        ),
        "role": "(uitkomst van {r})",
        "moderation": (
            "Moderatie door {m} (het effect hierboven geldt bij het gemiddelde van {m}): "
            "interactie b = {b}, tweezijdig p {p}."
        ),
        "axis": "Gestandaardiseerd effect (β) met 95%-BI",
        "title": "Afhankelijkheidsparadox: toetsing van hypothesen",
        "footer": "Gemaakt met dyadscore. Schattingen zijn APIM-coëfficiënten (GLS); zie de tabel.",
    },
}


def _num(x: float, lang: str, digits: int = 2) -> str:
    s = f"{x:.{digits}f}"
    return s.replace(".", ",") if lang == "nl" else s


def _pval(p: float, lang: str) -> str:
    if not np.isfinite(p):
        return "= NA"
    if p < 0.001:
        return "< " + _num(0.001, lang, 3)
    return "= " + _num(p, lang, 3)


def _paragraph(
    row: dict[str, Any],
    h: Hypothesis,
    lang: str,
    holm: bool,
    extra: Sequence[str] = (),
    moderator: str | None = None,
) -> str:
    t = _TEXT[lang]
    verdict = t["supported"] if row["supported"] else t["not_supported"]
    who = f" {t['role'].format(r=row['role'])}" if row.get("role") not in (None, "") else ""
    head = f"{h.id}{who} ({h.label.get(lang, h.label['en'])}): {verdict}."
    eff = t[h.effect].format(x=h.predictor, y=h.outcome)
    est = t["est"].format(
        b=_num(row["estimate"], lang),
        beta=_num(row["beta"], lang),
        lo=_num(row["ci_low"], lang),
        hi=_num(row["ci_high"], lang),
    )
    parts = [f"{eff} {est}"]
    a = _num(h.alpha, lang)
    if h.direction in ("positive", "negative"):
        parts.append(t["p_dir"].format(p=_pval(row["p_one_sided"], lang), dir=t[h.direction]))
    elif h.direction == "two-sided":
        parts.append(t["p_two"].format(p=_pval(row["p"], lang)))
    if holm and "p_holm" in row:
        parts.append(t["p_holm"].format(p=_pval(row["p_holm"], lang)))
    parts.append(t["n"].format(n=row["n_dyads"]))
    if h.control:
        parts.append(t["control"].format(c=", ".join(h.control)))
    covs = [c for c in dict.fromkeys([*h.covariates, *extra]) if c not in h.x]
    if covs:
        parts.append(t["covs" if h.control else "covs_only"].format(c=", ".join(covs)))
    body = ", ".join(parts) + "."
    if h.direction in ("positive", "negative"):
        tail = t["yes_dir" if row["supported"] else "no_dir"].format(dir=t[h.direction], a=a)
    elif h.direction == "two-sided":
        tail = t["yes_two" if row["supported"] else "no_two"].format(a=a)
    else:
        p = row["p_holm"] if holm and "p_holm" in row else row["p_one_sided"]
        tail = t["yes_eq" if row["supported"] else "no_eq"].format(
            s=_num(h.sesoi, lang), p=_pval(p, lang), a=a
        )
    if moderator and np.isfinite(row.get("interaction", np.nan)):
        tail += " " + t["moderation"].format(
            m=moderator, b=_num(row["interaction"], lang), p=_pval(row["interaction_p"], lang)
        )
    return f"{head} {body} {tail}"
