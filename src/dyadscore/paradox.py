"""Tests of Feeney's (2007) dependency paradox as explicit, pre-declared APIM hypotheses.

A :class:`Hypothesis` names an outcome, a predictor, which APIM path is tested (actor or
partner), control variables (entered with the person's own and the partner's value, as in
the residualised-change APIM of Cook & Kenny 2005), optional covariates (own value), the
direction (one-sided positive/negative, two-sided, non-superiority/non-inferiority against
a bound, or equivalence by TOST, with the smallest effect of interest in standardised
units; see ``docs/paradox.md``), and alpha. :func:`test` fits one
:func:`dyadscore.apim` per hypothesis and returns a :class:`ParadoxResult` with a tidy
table, the fitted APIMs and plain-language summaries in English and Dutch.

The shipped default set (``hypotheses/default.yaml``) follows SCIENCE.md section 4.2:
H1 (perceived acceptance -> own goal progress, actor, longitudinal), H2 (partner's own
report of acceptance -> goal progress, partner effect), H3 (perceived acceptance does not
increase felt dependence: one-sided test against the upper bound, H0: beta >= +.10), H3b (-> self-sufficiency),
H4/H4b (cross-sectional actor effects on self-sufficiency and goal pursuit at wave 1) and
H4c (cross-sectional partner effect: the partner's reported acceptance -> self-sufficiency;
family "secondary", so Holm corrects it apart from the primary family).

A hypothesis may also name another model (``model: diary``, ``apimem`` or ``overtime``):
``hypotheses/mediation.yaml`` ships H5 (perceived acceptance -> felt security -> goal
pursuit, as an APIM mediation model with its partner paths) and ``hypotheses/diary.yaml``
the within-person diary version; pass ``hypotheses="mediation"`` or ``"diary"``.

Examples
--------
>>> [h.id for h in load_hypotheses()]
['H1', 'H2', 'H3', 'H3b', 'H4', 'H4b', 'H4c']
>>> from dyadscore.simulate import simulate_paradox
>>> data = wide_by_wave(simulate_paradox(200, seed=1))
>>> res = test(data, hypotheses=["H3"])
>>> print(res.summary("en"))  # doctest: +ELLIPSIS
H3 (Perceived acceptance ...): supported. ... (non-superiority; H0: β ≥ +0.10): p = ...
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
from .power_analysis import decision_p
from .results import Result, format_number, format_p_eq, jsonable

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
    "DIRECTIONS",
    "decision_p",
    "ci_level",
    "wave_numbers",
    "MODEL_EFFECTS",
    "SHIPPED_HYPOTHESES",
]

DEFAULT_HYPOTHESES = Path(__file__).with_name("hypotheses") / "default.yaml"
#: Shipped hypothesis sets, by name (``--hypotheses mediation``).
SHIPPED_HYPOTHESES: dict[str, Path] = {
    p.stem: p for p in sorted(Path(__file__).with_name("hypotheses").glob("*.yaml"))
}
_ID_COLS = ("couple", "dyad", "role", "gender")


# ------------------------------------------------------------------ the spec
#: Decision rules a hypothesis can declare (see docs/paradox.md):
#: ``positive``/``negative`` one-sided test of H0 beta <= 0 / beta >= 0; ``two-sided``;
#: ``equivalence`` TOST against -sesoi and +sesoi (H0: |beta| >= sesoi);
#: ``non-superiority`` one-sided test against the upper bound (H0: beta >= +sesoi; the claim
#: "does not increase the outcome by a meaningful amount"); ``non-inferiority`` one-sided
#: test against the lower bound (H0: beta <= -sesoi; the claim "does not decrease it").
DIRECTIONS: tuple[str, ...] = (
    "positive",
    "negative",
    "two-sided",
    "equivalence",
    "non-superiority",
    "non-inferiority",
)
_BOUNDED = ("equivalence", "non-superiority", "non-inferiority")
#: Effects a hypothesis may name, per model. ``diary``: ``actor``/``partner`` are the
#: within-person effects (``actor_within``/``partner_within``); ``overtime``: the lagged
#: effects of x (``actor_lagged``/``partner_lagged``); ``apimem``: the names
#: :func:`dyadscore.apimem_decide` accepts (indirect, total-indirect and total effects, paths;
#: full labels such as ``ind_aaa1`` too).
MODEL_EFFECTS: dict[str, tuple[str, ...]] = {
    "apim": ("actor", "partner"),
    "diary": (
        "actor",
        "partner",
        "actor_within",
        "partner_within",
        "actor_between",
        "partner_between",
    ),
    "overtime": (
        "actor",
        "partner",
        "actor_lagged",
        "partner_lagged",
        "stability_actor",
        "stability_partner",
    ),
    "apimem": (
        "aaa",
        "ppa",
        "app",
        "pap",
        "totind_actor",
        "totind_partner",
        "total_actor",
        "total_partner",
        "a",
        "p",
        "b",
        "q",
        "c",
        "d",
    ),
}
_MODEL_ALIAS = {
    ("diary", "actor"): "actor_within",
    ("diary", "partner"): "partner_within",
    ("overtime", "actor"): "actor_lagged",
    ("overtime", "partner"): "partner_lagged",
}
# full apimem labels: ind_aaa1, ind_aa, totind_actor2, a1, p12, ...
_APIMEM_LABEL = re.compile(
    r"^(?:ind_(?:aaa|ppa|app|pap)[12]|ind_(?:aa|pp|ap|pa)|(?:totind|total)_(?:actor|partner)[12]"
    r"|[abc][12]|[pqd](?:12|21))$"
)
# wave suffixes in common use: _w1, _W1, _t1, _T1, _wave1, _Wave1, .1
_WAVE_SUFFIX = re.compile(r"(?:_(?:w|t|wave)|\.)(\d+)$", re.IGNORECASE)


class Hypothesis(BaseModel):
    """One pre-declared hypothesis: a single coefficient of an APIM and its decision rule.

    ``label`` needs English text (``en``); Dutch (``nl``) only when Dutch output is asked
    for. A plain string is taken as the English label. The waves of predictor and outcome
    are read from their column names (suffixes ``_w1``, ``_t1``, ``_T1``, ``_wave1``,
    ``.1``) or declared with ``waves: {predictor: 1, outcome: 2}``.

    Attributes
    ----------
    id : str
        Short id (letters, digits, ``_ . -``), unique within a file.
    label : dict of str or str
        The hypothesis in words: ``en`` required, ``nl`` only for Dutch output.
    outcome, predictor : str
        Columns of the person table; a ``_w<N>`` suffix names the wave (the outcome may not
        come before the predictor).
    effect : str
        The path tested: ``actor`` or ``partner`` (APIM; for ``diary`` the within-person
        effects, for ``overtime`` the lagged effects of the predictor), the other effects in
        :data:`MODEL_EFFECTS`, or for ``apimem`` an indirect, total-indirect or total effect
        (``aaa``, ``ppa``, ``app``, ``pap``, ``totind_actor``, ``total_partner``, ...).
    control : list of str
        Predictors entered with their actor and partner values (e.g. the outcome at wave 1).
    covariates : list of str
        Covariates entered with the person's own value only.
    direction : {"positive", "negative", "two-sided", "equivalence", "non-superiority", "non-inferiority"}
        One-sided test in the stated direction, two-sided test, TOST equivalence within
        +/- ``sesoi``, or a one-sided test against a bound: ``non-superiority``
        (H0: beta >= +sesoi, "does not increase") or ``non-inferiority`` (H0: beta <= -sesoi).
    waves : dict, optional
        ``{predictor: 1, outcome: 2}`` when the column names carry no wave suffix.
    sesoi : float
        Smallest effect size of interest (standardised beta), 0-1.
    alpha : float
        Significance level, 0-1.
    family : str
        Family for the multiplicity correction (``primary`` by default).
    model : {"apim", "diary", "apimem", "overtime"}
        The model fitted: the two-wave APIM (default), the daily-diary APIM
        (:func:`dyadscore.diary_apim`, data one row per person per day), the APIM mediation
        model (:func:`dyadscore.apimem`, needs ``mediator``; directions positive, negative or
        two-sided) or the over-time APIM (:func:`dyadscore.overtime_apim`, three or more
        waves, one row per person per wave).
    mediator : str, optional
        The mediator column (``model: apimem`` only).

    Examples
    --------
    >>> h = Hypothesis(id="H9", label="X helps Y", outcome="y_T2", predictor="x_T1",
    ...                control=["y_T1"])
    >>> h.effect, h.direction, h.alpha, h.design
    ('actor', 'positive', 0.05, 'longitudinal')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    label: dict[str, str]
    outcome: str
    predictor: str
    effect: str = "actor"
    control: list[str] = Field(default_factory=list)
    covariates: list[str] = Field(default_factory=list)
    direction: Literal[
        "positive", "negative", "two-sided", "equivalence", "non-superiority", "non-inferiority"
    ] = "positive"
    sesoi: float = Field(default=0.10, gt=0, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    family: str = "primary"
    waves: dict[str, int] | None = None
    model: Literal["apim", "diary", "apimem", "overtime"] = "apim"
    mediator: str | None = None

    @field_validator("label", mode="before")
    @classmethod
    def _english(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = {"en": v}
        if isinstance(v, Mapping):
            if not str(v.get("en", "") or "").strip():
                raise ValueError("label has no English text; expected label: {en: ...}")
            unknown = [k for k in v if k not in ("en", "nl")]
            if unknown:
                raise ValueError(f"label language {unknown[0]!r}; expected en or nl")
            return {k: str(t) for k, t in v.items() if t is not None and str(t).strip()}
        return v

    @field_validator("waves", mode="before")
    @classmethod
    def _wave_keys(cls, v: Any) -> Any:
        if v is None:
            return v
        if not isinstance(v, Mapping) or set(v) != {"predictor", "outcome"}:
            raise ValueError("expected waves: {predictor: <number>, outcome: <number>}")
        out = {}
        for k, w in v.items():
            num = _wave_value(w)
            if num is None:
                raise ValueError(f"{k} wave {w!r}: expected a number like 1 or T1")
            out[k] = num
        return out

    @model_validator(mode="after")
    def _model_fields(self) -> Hypothesis:
        m = self.model
        allowed = MODEL_EFFECTS[m]
        if self.effect not in allowed and not (m == "apimem" and _APIMEM_LABEL.match(self.effect)):
            raise ValueError(
                f"effect {self.effect!r} is not an effect of model {m}; expected one of "
                f"{', '.join(allowed)}"
            )
        if m == "apimem":
            if not self.mediator:
                raise ValueError("model apimem needs a mediator column (mediator: ...)")
            if len({self.predictor, self.mediator, self.outcome}) < 3:
                raise ValueError("predictor, mediator and outcome must be three different columns")
            if self.direction not in ("positive", "negative", "two-sided"):
                raise ValueError(
                    f"direction {self.direction!r}: a mediation (apimem) effect is tested as "
                    "positive, negative or two-sided"
                )
        elif self.mediator:
            raise ValueError(f"mediator is only used by model apimem, not by model {m}")
        if m != "apim":
            for key in ("control", "covariates"):
                if getattr(self, key):
                    raise ValueError(
                        f"{key} is not supported by model {m}; it adjusts for what it needs "
                        "(see docs/paradox.md)"
                    )
            if self.waves is not None:
                raise ValueError(f"waves is only used by model apim, not by model {m}")
            if self.predictor == self.outcome:
                raise ValueError("predictor and outcome must be different columns")
        return self

    @model_validator(mode="after")
    def _time_order(self) -> Hypothesis:
        if self.model != "apim":
            return self
        if self.waves is None:
            found = {k: _wave_of(getattr(self, k)) for k in ("predictor", "outcome")}
            missing = [k for k, w in found.items() if w is None]
            if len(missing) == 1 or any(_looks_waved(getattr(self, k)) for k in missing):
                k = missing[0]
                raise ValueError(
                    f"cannot tell the wave of {k} {getattr(self, k)!r}; expected a suffix "
                    "_w1, _t1, _wave1 or .1 on both predictor and outcome, or declare "
                    "waves: {predictor: 1, outcome: 2}"
                )
        pred, out = self.wave_of["predictor"], self.wave_of["outcome"]
        if pred is not None and out is not None and out < pred:
            raise ValueError(
                f"outcome {self.outcome!r} (wave {out}) comes before predictor "
                f"{self.predictor!r} (wave {pred})"
            )
        return self

    def text(self, lang: str) -> str:
        """The label in ``lang``; a one-line error when that language is missing."""
        if lang not in self.label:
            name = {"nl": "Dutch", "en": "English"}.get(lang, lang)
            raise InputError(
                f"hypothesis {self.id}: label has no {name} ({lang}) text; add "
                f"label: {{{lang}: ...}} or ask for English output"
            )
        return self.label[lang]

    @property
    def predictor_column(self) -> str:
        return self.predictor

    @property
    def wave_of(self) -> dict[str, int | None]:
        """Waves of predictor and outcome: declared ``waves`` or read from the column suffix.

        Examples
        --------
        >>> Hypothesis(id="H", label="a", outcome="y.2", predictor="x.1").wave_of
        {'predictor': 1, 'outcome': 2}
        """
        if self.waves is not None:
            return {"predictor": self.waves["predictor"], "outcome": self.waves["outcome"]}
        return {"predictor": _wave_of(self.predictor), "outcome": _wave_of(self.outcome)}

    @property
    def design(self) -> str:
        """``longitudinal`` (outcome at a later wave than the predictor) or ``cross-sectional``.

        ``diary`` for the diary model; ``overtime`` models are ``longitudinal`` (lagged) and
        ``apimem`` models ``cross-sectional``.
        """
        if self.model != "apim":
            return {"diary": "diary", "overtime": "longitudinal"}.get(self.model, "cross-sectional")
        pred, out = self.wave_of["predictor"], self.wave_of["outcome"]
        return (
            "longitudinal"
            if pred is not None and out is not None and out > pred
            else "cross-sectional"
        )

    @property
    def bound(self) -> float:
        """Signed SESOI the decision tests against (0 for positive/negative/two-sided)."""
        return {"non-superiority": self.sesoi, "non-inferiority": -self.sesoi}.get(
            self.direction, self.sesoi if self.direction == "equivalence" else 0.0
        )

    @property
    def columns(self) -> list[str]:
        """Data columns the hypothesis needs."""
        mediator = [self.mediator] if self.mediator else []
        return list(
            dict.fromkeys(
                [self.outcome, self.predictor, *mediator, *self.control, *self.covariates]
            )
        )

    @property
    def x(self) -> list[str]:
        """APIM predictors (each enters with its actor and partner value)."""
        return list(dict.fromkeys([self.predictor, *self.control]))


def _wave_of(column: str) -> int | None:
    """Wave number of a wave-specific column name (``goal_w2``, ``goal_T2``, ``goal.2``), else None.

    Examples
    --------
    >>> [_wave_of(c) for c in ("a_w1", "a_T2", "a_t3", "a_wave4", "a.5", "a")]
    [1, 2, 3, 4, 5, None]
    """
    match = _WAVE_SUFFIX.search(str(column))
    return int(match.group(1)) if match else None


def _looks_waved(column: str) -> bool:
    """A name ending in a digit without a recognised wave suffix (``goal2``, ``goal_time2``)."""
    return _wave_of(column) is None and bool(re.search(r"\d$", str(column)))


def _wave_value(value: Any) -> int | None:
    """A wave value as a number: 1, 1.0, "1", "T1", "t1", "w1", "wave 1", "W1" -> 1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if np.isfinite(value) and float(value).is_integer() else None
    m = re.fullmatch(r"\s*(?:t|w|wave|time)?\s*(\d+)(?:\.0+)?\s*", str(value), re.IGNORECASE)
    return int(m.group(1)) if m else None


def wave_numbers(values: pd.Series, source: str = "data", column: str = "wave") -> pd.Series:
    """Wave values (``1``, ``"T1"``, ``"w2"``, ``"wave 3"``) as integers; one-line error otherwise.

    Examples
    --------
    >>> wave_numbers(pd.Series(["T1", "T2", "t1"])).tolist()
    [1, 2, 1]
    """
    uniq = pd.unique(values.dropna())
    mapping = {v: _wave_value(v) for v in uniq}
    bad = [v for v, w in mapping.items() if w is None]
    if bad:
        pos = int(np.flatnonzero((values == bad[0]).to_numpy())[0])
        raise InputError(
            f"{source}: row {pos + 1}, column {column!r}, value {str(bad[0])!r}: expected a wave "
            "number like 1, 2 or T1, T2"
        )
    if values.isna().any():
        pos = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise InputError(
            f"{source}: row {pos + 1}, column {column!r}: empty; expected a wave number"
        )
    return values.map(mapping).astype(int)


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
        elif err["type"] == "literal_error":
            expected = str(err.get("ctx", {}).get("expected", "")).replace("'", "")
            msg = f"{err['input']}: expected {expected}"
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

    if isinstance(spec, str) and spec in SHIPPED_HYPOTHESES and not Path(spec).is_file():
        if spec not in default:
            return load_hypotheses(SHIPPED_HYPOTHESES[spec])

    def one(s: Any) -> Any:
        if isinstance(s, str) and not s.endswith((".yaml", ".yml")) and not Path(s).is_file():
            if s not in default:
                raise InputError(
                    f"hypothesis {s!r}: unknown id or shipped set; expected one of "
                    f"{', '.join(default)} or {', '.join(SHIPPED_HYPOTHESES)}"
                )
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
    waves: Sequence[Any] = (1, 2),
    *,
    person: str = "person",
    wave: str = "wave",
    columns: Sequence[str] | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Long-by-wave scores (one row per person per wave) -> one row per person, ``<col>_w<wave>``.

    Id columns (``couple``, ``dyad``, ``role``, ``gender`` when present) are carried; they
    must not change between waves. ``columns`` defaults to every other column except
    ``<sub>_n``/``<sub>_flag`` bookkeeping of :func:`dyadscore.score`. A person absent at a
    wave gets missing values there. Wave values may be numbers or labels such as ``T1``,
    ``w2`` or ``wave 3`` (the number is used). ``source`` names the file in error messages.

    Examples
    --------
    >>> long = pd.DataFrame({"person": [1, 1, 2], "couple": [1, 1, 1], "wave": ["T1", "T2", "T1"],
    ...                      "sat": [3.0, 4.0, 5.0]})
    >>> wide_by_wave(long).to_dict("list")
    {'person': [1, 2], 'couple': [1, 1], 'sat_w1': [3.0, 5.0], 'sat_w2': [4.0, nan]}
    """
    src = source or "scores"
    if not isinstance(scores, pd.DataFrame):
        raise InputError(f"{src}: expected a table with one row per person per wave")
    for col in (person, wave):
        if col not in scores.columns:
            raise InputError(f"{src}: no column {col!r}; expected one row per {person} per {wave}")
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
            raise InputError(f"{src}: no column {absent[0]!r}")
    wv = wave_numbers(scores[wave], src, wave)
    want = []
    for w in waves:
        num = _wave_value(w)
        if num is None:
            raise InputError(f"waves: {w!r} is not a wave number; expected numbers like 1, 2")
        want.append(num)
    dup = pd.Series(list(zip(scores[person], wv, strict=True))).duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        row = scores.iloc[pos]
        raise InputError(
            f"{src}: row {pos + 1}, {person} {_plain(row[person])!r} appears twice at {wave} "
            f"{_plain(row[wave])!r}; expected one row per {person} per {wave}"
        )
    keep = wv.isin(want).to_numpy()
    sub = scores[keep]
    if sub.empty:
        found = ", ".join(str(v) for v in sorted(pd.unique(wv))[:5])
        raise InputError(
            f"{src}: column {wave!r}: no rows at {wave} {', '.join(map(str, want))}; found {found}"
        )
    if ids:
        n_ids = sub.groupby(person, sort=False)[ids].nunique(dropna=False)
        bad = n_ids[(n_ids > 1).any(axis=1)]
        if len(bad):
            col = bad.columns[(bad.iloc[0] > 1).to_numpy()][0]
            raise InputError(
                f"{src}: {person} {_plain(bad.index[0])!r}, column {col!r}: different values at "
                "different waves; expected the same value at every wave"
            )
    base = sub.drop_duplicates(person)[[person, *ids]].reset_index(drop=True)
    wide = sub.assign(**{wave: wv[keep].to_numpy()}).pivot(
        index=person, columns=wave, values=list(columns)
    )
    wide = wide.reindex(columns=pd.MultiIndex.from_product([list(columns), want]))
    wide.columns = [f"{c}_w{w}" for c, w in wide.columns]
    return base.merge(wide.reset_index(), on=person, how="left")


def _plain(value: Any) -> Any:
    """numpy scalar -> Python value (so messages never show np.int64(...))."""
    return value.item() if hasattr(value, "item") and callable(value.item) else value


def prepare(
    data: pd.DataFrame,
    *,
    person: str = "person",
    wave: str = "wave",
    waves: Sequence[Any] | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Make the person-level table the hypotheses need from whatever shape ``data`` has.

    * one row per person with ``<construct>_w<wave>`` columns: returned unchanged;
    * one row per person per wave (a ``wave`` column, values ``1``/``2`` or ``T1``/``T2``)
      with subscale scores: reshaped with :func:`wide_by_wave`;
    * one row per person per wave with item responses: scored first with
      :func:`dyadscore.score` on every shipped instrument whose items are all present.

    Examples
    --------
    >>> from dyadscore.simulate import simulate_paradox
    >>> prepare(simulate_paradox(5, seed=1)).filter(like="goal_progress").columns.tolist()
    ['goal_progress_w1', 'goal_progress_w2']
    """
    src = source or "data"
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a table")
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
    waves = waves or sorted(pd.unique(wave_numbers(data[wave], src, wave)))
    return wide_by_wave(data, waves, person=person, wave=wave, source=src)


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


@dataclass(repr=False)
class ParadoxResult(Result):
    """Result of :func:`test`: ``table`` (one row per hypothesis [and role]), ``fits``, summaries.

    Every confidence interval in the summaries is printed next to the estimate it belongs
    to: the 95% CI of b next to b, the 95% CI of beta next to beta, and for one-sided,
    non-inferiority/non-superiority and equivalence decisions the (1 - 2 alpha) interval
    of beta whose position relative to the bound is what the test decides.
    """

    table: pd.DataFrame
    fits: dict[str, Any]
    hypotheses: list[Hypothesis]
    holm: bool = False
    lang: str = "en"
    covariates: list[str] = field(default_factory=list)
    moderator: str | None = None
    notes: list[str] = field(default_factory=list)
    n_singles_dropped: int = 0

    def _langs(self) -> list[str]:
        return [lang for lang in _TEXT if all(lang in h.label for h in self.hypotheses)]

    def summary(self, lang: str | None = None) -> str:
        """Plain-language paragraph per hypothesis in English (``en``) or Dutch (``nl``)."""
        lang = _check_lang(lang or self.lang)
        hyp = {h.id: h for h in self.hypotheses}
        for h in self.hypotheses:
            h.text(lang)
        paras = [
            _paragraph(
                row, hyp[row["hypothesis"]], lang, self.holm, self.covariates, self.moderator
            )
            for row in self.table.to_dict("records")
        ]
        if self.n_singles_dropped:
            key = "singles_1" if self.n_singles_dropped == 1 else "singles"
            paras.append(_TEXT[lang][key].format(n=self.n_singles_dropped))
        return "\n\n".join(paras)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: table records, summaries (each language the labels have), hypotheses."""
        tab = self.table.astype(object).where(self.table.notna(), None)
        return jsonable(
            {
                "results": tab.to_dict("records"),
                "summary": {lang: self.summary(lang) for lang in self._langs()},
                "hypotheses": [h.model_dump() for h in self.hypotheses],
                "holm": self.holm,
                "n_singles_dropped": self.n_singles_dropped,
                "notes": self.notes,
            }
        )

    def _repr_fields(self) -> dict[str, Any]:
        return {
            "hypotheses": len(self.hypotheses),
            "supported": int(self.table["supported"].sum()),
            "n_dyads": int(self.table["n_dyads"].max()) if len(self.table) else 0,
        }

    def plot(self, ax: Any = None, lang: str | None = None):
        """Forest plot of beta with the interval that matches each decision.

        See :func:`dyadscore.plotting.forest_plot`: 90% (1 - 2 alpha) intervals for one-sided,
        non-inferiority/non-superiority and equivalence tests, 95% (1 - alpha) for two-sided.
        """
        from .plotting import forest_plot

        return forest_plot(self.table, ax=ax, lang=_check_lang(lang or self.lang))

    def to_html(self, lang: str | None = None) -> str:
        """The summary, forest plot and table as an HTML fragment (``<div>``; notebooks)."""
        import base64
        import io

        from matplotlib.figure import Figure  # no pyplot: leaves the user's backend alone

        lang = _check_lang(lang or self.lang)
        fig = Figure(figsize=(6.5, 0.5 * len(self.table) + 1.8))
        self.plot(ax=fig.subplots(), lang=lang)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        img = base64.b64encode(buf.getvalue()).decode()
        table = self.table.round(4).to_html(index=False, na_rep="", escape=True)
        return (
            f"<div class='dyadscore-result'><pre>{html.escape(self.summary(lang))}</pre>"
            f'<img alt="forest plot" src="data:image/png;base64,{img}">{table}</div>'
        )

    def report_html(self, lang: str | None = None) -> str:
        """A small self-contained HTML page (``dyadscore paradox --html``): :meth:`to_html`
        with a title and a footer."""
        lang = _check_lang(lang or self.lang)
        t = _TEXT[lang]
        return (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(t['title'])}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "pre{white-space:pre-wrap;font-family:inherit}"
            "table{border-collapse:collapse;font-size:.85em}td,th{padding:.2em .5em;"
            "border-bottom:1px solid #ddd}</style></head><body>"
            f"<h1>{html.escape(t['title'])}</h1>{self.to_html(lang)}"
            f"<p><small>{html.escape(t['footer'])}</small></p></body></html>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _check_lang(lang: Any) -> str:
    if lang not in _TEXT:
        raise InputError(f"language {lang!r}: expected en or nl")
    return lang


# ------------------------------------------------------------------ testing
def _check_data(
    data: Any, hyps: list[Hypothesis], dyad: str, role: str | None, person: str, src: str
) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a table with one row per person (see wide_by_wave)")
    for col, what in [
        (dyad, "the couple id (--dyad)"),
        *([(role, "the role (--role)")] if role else []),
    ]:
        if col not in data.columns:
            raise InputError(f"{src}: no column {col!r}; expected {what}")
    for h in hyps:
        absent = [c for c in h.columns if c not in data.columns]
        if absent:
            hint = ""
            if "wave" in data.columns and absent[0].rsplit("_w", 1)[0] in data.columns:
                hint = "; data look long by wave, use paradox.wide_by_wave(data) first"
            raise InputError(f"{src}: no column {absent[0]!r}, which hypothesis {h.id} needs{hint}")
    return data


def _check_waves(data: pd.DataFrame, hyps: list[Hypothesis], wave: str, src: str) -> None:
    """Long data with more than two waves: say how to declare an over-time hypothesis."""
    waves = pd.unique(data[wave].dropna())
    if len(waves) <= 2:
        return
    for h in hyps:
        if h.outcome in data.columns and h.predictor in data.columns:
            raise InputError(
                f"{src}: hypothesis {h.id}: the data have {len(waves)} waves in long form; "
                "declare model: overtime for the lagged over-time APIM of "
                f"{h.predictor} on {h.outcome}, or name wave columns such as "
                f"{h.outcome}_w2 for a two-wave APIM"
            )


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


def _std_ratio(data: pd.DataFrame, x: str, y: str) -> float:
    """SD(x) / SD(y) over all rows with both values (beta = b * SD(x) / SD(y))."""
    sub = data[[x, y]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(sub) < 2:
        return np.nan
    return float(sub[x].std(ddof=1) / sub[y].std(ddof=1))


def _fit_other(
    h: Hypothesis,
    data: pd.DataFrame,
    *,
    dyad: str,
    role: str | None,
    person: str,
    time: str,
    wave: str,
    method: str,
    bootstrap: int,
    seed: Any,
    drop_singles: bool,
    source: str | None,
) -> Any:
    """Fit the diary, mediation or over-time model a hypothesis names."""
    src = source or "data"
    need = {"diary": [dyad, time], "overtime": [dyad, wave], "apimem": [dyad]}[h.model]
    if role:
        need.append(role)
    for col in [*need, *h.columns]:
        if col not in data.columns:
            what = {time: "the day column (time=)", wave: "the wave column"}.get(col)
            tail = f"; expected {what}" if what else f", which hypothesis {h.id} needs"
            raise InputError(f"{src}: no column {col!r}{tail}")
    if h.model == "diary":
        from ._diary import diary_apim

        pid = person if person in data.columns else None
        if role is None and pid is None:
            raise InputError(
                f"{src}: no column {person!r}; the diary model needs the person id (--person) "
                "or a role column (--role)"
            )
        return diary_apim(
            data,
            x=h.predictor,
            y=h.outcome,
            dyad=dyad,
            role=role,
            person=pid,
            time=time,
            method=method,
            test_distinguishability=False,
            source=source,
        )
    if h.model == "overtime":
        from ._overtime import overtime_apim

        rl = role or ("role" if "role" in data.columns else None)
        if rl is None:
            raise InputError(
                f"{src}: the over-time APIM needs a role column for its two partners (--role)"
            )
        return overtime_apim(
            data,
            x=h.predictor,
            y=h.outcome,
            dyad=dyad,
            role=rl,
            wave=wave,
            method=method,
            source=source,
        )
    from ._apimem import apimem

    return apimem(
        data,
        x=h.predictor,
        m=h.mediator,
        y=h.outcome,
        dyad=dyad,
        role=role,
        person=person if person in data.columns else None,
        bootstrap=bootstrap,
        seed=seed,
        drop_singles=drop_singles,
        source=source,
    )


def _other_rows(h: Hypothesis, fit: Any, data: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Table rows (one per role, or one) of a diary, mediation or over-time hypothesis."""
    base = {
        "hypothesis": h.id,
        "label": h.label.get(lang, h.label["en"]),
        "effect": h.effect,
        "predictor": h.predictor,
        "outcome": h.outcome,
        "design": h.design,
    }
    out = []
    if h.model == "apimem":
        from ._apimem import apimem_decide

        roles = fit.info["roles"] if fit.info["distinguishable"] else [None]
        short = bool(MODEL_EFFECTS["apimem"].count(h.effect))
        for rl in roles if short else [None]:
            d = apimem_decide(fit, h.effect, rl, direction=h.direction, alpha=h.alpha)
            est, se = float(d["estimate"]), float(d["se"])
            beta = float(d["beta"])
            row = {**base, "role": d.get("role") if fit.info["distinguishable"] else None}
            boot = d["method"] == "percentile bootstrap"
            p_dec = float(d["p_boot_one_sided"] if boot else d["p_one_sided"])
            if h.direction == "two-sided":
                p_dec = (
                    float(d["p"])
                    if not boot
                    else min(
                        1.0,
                        2
                        * min(
                            float((fit.bootstrap_draws[d["effect"]] <= 0).mean()),
                            float((fit.bootstrap_draws[d["effect"]] >= 0).mean()),
                        ),
                    )
                )
            row.update(
                estimate=est,
                se=se,
                df=np.inf,
                ci_low=float(d["ci_low"]),
                ci_high=float(d["ci_high"]),
                beta=beta,
                beta_ci_low=float(d["beta_ci_low"]),
                beta_ci_high=float(d["beta_ci_high"]),
                p=float(d["p"]),
                p_one_sided=np.nan if h.direction == "two-sided" else float(d["p_one_sided"]),
                direction=h.direction,
                sesoi=np.nan,
                alpha=h.alpha,
                ci_level=ci_level(h.direction, h.alpha),
                family=h.family,
                n_dyads=int(d["n_dyads"]),
                model=h.model,
                method=d["method"],
                decision_ci_low=float(d.get("decision_ci_low", np.nan)),
                decision_ci_high=float(d.get("decision_ci_high", np.nan)),
                _p_decision=p_dec,
                _supported=bool(d["supported"]),
            )
            out.append(row)
        return out
    name = _MODEL_ALIAS.get((h.model, h.effect), h.effect)
    eff = fit.effects[fit.effects["effect"] == name]
    ratio = _std_ratio(data, h.predictor, h.outcome)
    for r in eff.to_dict("records"):
        est, se = float(r["estimate"]), float(r["se"])
        df = float(r["df"])
        beta = est * ratio
        scale = ratio
        bound = h.sesoi / abs(scale) if h.direction in _BOUNDED else 0.0
        p_two = float(decision_p(est, se, df, "two-sided"))
        p_dec = float(decision_p(est, se, df, h.direction, bound))
        lo, hi = float(r["ci_low"]), float(r["ci_high"])
        b_lo, b_hi = sorted((lo * scale, hi * scale))
        role_value = r.get("role")
        row = {**base, "role": None if role_value is None or pd.isna(role_value) else role_value}
        row.update(
            estimate=est,
            se=se,
            df=df,
            ci_low=lo,
            ci_high=hi,
            beta=beta,
            beta_ci_low=b_lo,
            beta_ci_high=b_hi,
            p=p_two,
            p_one_sided=np.nan if h.direction == "two-sided" else p_dec,
            direction=h.direction,
            sesoi=h.sesoi if h.direction in _BOUNDED else np.nan,
            alpha=h.alpha,
            ci_level=ci_level(h.direction, h.alpha),
            family=h.family,
            n_dyads=int(fit.fit["n_couples"]),
            model=h.model,
            n_obs=int(fit.fit["n_obs"]),
            _p_decision=p_dec,
        )
        out.append(row)
    return out


def ci_level(direction: str, alpha: float) -> float:
    """Confidence level of the interval that matches a decision (1 - 2 alpha or 1 - alpha).

    Examples
    --------
    >>> ci_level("non-superiority", 0.05), ci_level("two-sided", 0.05)
    (0.9, 0.95)
    """
    return round(1 - alpha if direction == "two-sided" else 1 - 2 * alpha, 10)


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
    df_method: str = "residual",
    lang: str = "en",
    drop_singles: bool = False,
    source: str | None = None,
    time: str = "day",
    wave: str = "wave",
    bootstrap: int = 0,
    seed: Any = None,
) -> ParadoxResult:
    """Test dependency-paradox hypotheses, one APIM (or the model it names) per hypothesis.

    Parameters
    ----------
    data : DataFrame
        One row per person: couple id, optional role, and the wave-specific columns the
        hypotheses name (``goal_progress_w1``, ...; see :func:`wide_by_wave`); or long by
        wave (a ``wave`` column), which is reshaped with :func:`prepare`.
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
        ``center=True``; the table gains ``interaction``, ``interaction_se``,
        ``interaction_p`` (the moderator x tested path product term, two-sided).
    method : {"REML", "ML"}
    df_method : {"residual", "satterthwaite"}
        Degrees of freedom of the t tests (see :func:`dyadscore.apim`): ``"residual"``
        (N - p, as ``nlme::gls``) or ``"satterthwaite"`` (small-sample correction).
    lang : {"en", "nl"}
        Default language of :meth:`ParadoxResult.summary`; ``nl`` needs Dutch labels.
    drop_singles : bool
        Leave out persons whose partner is not in the data (otherwise an error names them);
        the number left out is ``result.n_singles_dropped``.
    source : str, optional
        File name used in error messages.
    time : str
        Day column of diary data (hypotheses with ``model: diary``).
    wave : str
        Wave column of long data (reshaped for ``apim`` hypotheses; ``model: overtime``
        hypotheses use it as is).
    bootstrap, seed
        Bootstrap resamples (0: none) and seed for ``model: apimem`` hypotheses: with
        resamples the decision uses the percentile bootstrap interval
        (:func:`dyadscore.apimem_decide`), without them the z test of the delta-method SE.

    Notes
    -----
    Hypotheses with ``model: diary`` take the data as they come (one row per person per
    day) and are fitted with :func:`dyadscore.diary_apim` (``actor``/``partner`` = the
    within-person effects); ``model: apimem`` takes one row per person with predictor,
    mediator and outcome and is fitted with :func:`dyadscore.apimem`; ``model: overtime``
    takes one row per person per wave (three or more waves) and is fitted with
    :func:`dyadscore.overtime_apim` (``actor``/``partner`` = the lagged effects of the
    predictor on the outcome, controlling for actor and partner stability). For these
    models beta is b x SD(predictor) / SD(outcome) over all rows (apimem: lavaan's
    standardised solution). The table then also has ``model`` (and ``n_obs``, ``method``,
    ``decision_ci_low``/``_high`` where they apply).

    Returns
    -------
    ParadoxResult
        ``.table``: hypothesis, label, effect, predictor, outcome, design, [role,] estimate,
        se, df, ci_low, ci_high (95%, raw units), beta (standardised), beta_ci_low,
        beta_ci_high (95% CI of beta: the CI of b times beta / b), p (two-sided), p_one_sided
        (the p value of the declared decision rule: one-sided, non-inferiority,
        non-superiority or TOST; empty for two-sided), direction, sesoi, alpha,
        ci_level (the interval that matches the decision), supported, n_dyads [, p_holm].
        ``.fits``: hypothesis id -> APIMResult.

    Examples
    --------
    >>> from dyadscore import simulate_mediation
    >>> from dyadscore.simulate import simulate_paradox
    >>> res = test(simulate_paradox(300, seed=4), hypotheses=["H3"])
    >>> res.table[["hypothesis", "direction", "supported"]].values.tolist()
    [['H3', 'non-superiority', True]]

    A pre-registered mediation hypothesis (H5: x -> m -> y, actor-actor-actor):

    >>> h5 = {"id": "H5", "label": "x -> m -> y", "model": "apimem", "predictor": "x",
    ...       "mediator": "m", "outcome": "y", "effect": "aaa"}
    >>> res = test(simulate_mediation(300, seed=4), hypotheses=[h5])
    >>> res.table[["hypothesis", "model", "supported"]].values.tolist()
    [['H5', 'apimem', True]]
    """
    from .apim_gls import apim

    lang = _check_lang(lang)
    src = source or "data"
    hyps = resolve_hypotheses(hypotheses)
    for h in hyps:
        h.text(lang)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{src}: expected a table with one row per person (see wide_by_wave)")
    raw = data
    apim_hyps = [h for h in hyps if h.model == "apim"]
    others = [h for h in hyps if h.model != "apim"]
    covariates = list(covariates or [])
    if others and (covariates or moderator):
        h = others[0]
        raise InputError(
            f"hypothesis {h.id}: covariates and moderator are only supported for model apim, "
            f"not for model {h.model}"
        )
    n_singles = 0
    if apim_hyps:
        if wave in data.columns:
            _check_waves(data, apim_hyps, wave, src)
            data = prepare(data, person=person, wave=wave, source=src)
        extra = [
            c for c in [*covariates, *([moderator] if moderator else [])] if c not in data.columns
        ]
        if extra:
            raise InputError(f"{src}: no column {extra[0]!r} (covariate or moderator)")
        data = _check_data(data, apim_hyps, dyad, role, person, src)
        if drop_singles:
            n_singles = int((data.groupby(dyad, dropna=False)[dyad].transform("size") == 1).sum())
    fits: dict[str, Any] = {}
    cache: dict[tuple, Any] = {}
    rows = []
    for h in hyps:
        if h.model != "apim":
            okey = (h.model, h.predictor, h.mediator, h.outcome)
            if okey not in cache:
                cache[okey] = _fit_other(
                    h,
                    raw,
                    dyad=dyad,
                    role=role,
                    person=person,
                    time=time,
                    wave=wave,
                    method=method,
                    bootstrap=bootstrap,
                    seed=seed,
                    drop_singles=drop_singles,
                    source=source,
                )
            fits[h.id] = cache[okey]
            rows.extend(_other_rows(h, cache[okey], raw, lang))
            continue
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
            if df_method != "residual":
                kwargs["df_method"] = df_method
            if moderator:  # centred, so main effects are effects at the mean moderator
                kwargs.update(moderator=moderator, center=True)
            cache[key] = apim(data, x=list(h.x), y=h.outcome, dyad=dyad, role=role, **kwargs)
        fit = cache[key]
        fits[h.id] = fit
        ratio = _sd_ratio(data, h)
        for r in _effect_rows(fit, h).to_dict("records"):
            est, se = float(r["estimate"]), float(r["se"])
            df = float(r["df"]) if r.get("df") is not None and np.isfinite(r["df"]) else np.inf
            beta = float(r["beta"]) if r.get("beta") is not None else np.nan
            if not np.isfinite(beta):
                beta = est / ratio
            # beta = b * scale; the SESOI is standardised, so the raw bound is sesoi / scale
            scale = beta / est if est != 0 else 1 / ratio
            bound = h.sesoi / abs(scale) if h.direction in _BOUNDED else 0.0
            p_two = float(decision_p(est, se, df, "two-sided"))
            p_dec = float(decision_p(est, se, df, h.direction, bound))
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
            lo, hi = float(r["ci_low"]), float(r["ci_high"])
            b_lo, b_hi = sorted((lo * scale, hi * scale))
            row.update(
                estimate=est,
                se=se,
                df=df,
                ci_low=lo,
                ci_high=hi,
                beta=beta,
                beta_ci_low=b_lo,
                beta_ci_high=b_hi,
                p=p_two,
                p_one_sided=np.nan if h.direction == "two-sided" else p_dec,
                direction=h.direction,
                sesoi=h.sesoi if h.direction in _BOUNDED else np.nan,
                alpha=h.alpha,
                ci_level=ci_level(h.direction, h.alpha),
                family=h.family,
                n_dyads=int(fit.fit["n_dyads"]),
                model="apim",
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
    if "_supported" in table and not holm:  # apimem: apimem_decide's (bootstrap) decision
        own = table["_supported"].notna()
        table.loc[own, "supported"] = table.loc[own, "_supported"].astype(bool)
    table["supported"] = table["supported"].astype(bool)
    table = table.drop(columns=[c for c in ("_p_decision", "_supported") if c in table])
    if not others:
        table = table.drop(columns="model")
    if not role and "role" in table and table["role"].isna().all():
        table = table.drop(columns="role")
    tail = ("supported", "n_dyads", "model", "n_obs", "method", "p_holm")
    tail += ("decision_ci_low", "decision_ci_high")
    order = [c for c in table.columns if c not in tail]
    order = [*order, "supported", "n_dyads", *(["p_holm"] if holm else [])]
    order += [
        c for c in ("model", "n_obs", "method", "decision_ci_low", "decision_ci_high") if c in table
    ]
    if moderator:
        order = [c for c in order if not c.startswith("interaction")]
        order += ["interaction", "interaction_se", "interaction_p"]
    notes = []
    if n_singles:
        notes.append(f"{n_singles} persons whose partner is not in the data were left out")
    return ParadoxResult(
        table=table[order],
        fits=fits,
        hypotheses=hyps,
        holm=holm,
        lang=lang,
        covariates=covariates,
        moderator=moderator,
        notes=notes,
        n_singles_dropped=n_singles,
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
_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "supported": "supported",
        "not_supported": "not supported",
        "actor": "The actor effect (own {x} on own {y})",
        "partner": "The partner effect (the partner's {x} on one's own {y})",
        "est": "was b = {b} ({lvl}% CI {lo} to {hi}), standardised β = {beta} ({lvl}% CI {blo} to {bhi})",
        "ci": "{lvl}% CI",
        "n": "in {n} couples",
        "control": "controlling for own and partner's {c}",
        "covs": "and for {c}",
        "covs_only": "controlling for {c}",
        "positive": "positive",
        "negative": "negative",
        "test_dir": "One-sided test of the predicted {dir} effect (H0: β {h0} 0): p {p}.",
        "test_two": "Two-sided test (H0: β = 0): p {p}.",
        "test_eq": "Equivalence test (TOST) against ±{s} (standardised; H0: |β| ≥ {s}): p {p}.",
        "test_ns": (
            "One-sided test against the upper bound +{s} (non-superiority; H0: β ≥ +{s}): p {p}."
        ),
        "test_ni": (
            "One-sided test against the lower bound -{s} (non-inferiority; H0: β ≤ -{s}): p {p}."
        ),
        "holm": " Holm-adjusted p {p}.",
        "dec_ci": " β = {beta} ({ci} {lo} to {hi}).",
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
            "The effect is reliably smaller than the smallest effect of interest, so the data "
            "show no meaningful effect in either direction at α = {a}."
        ),
        "no_eq": (
            "The data cannot rule out an effect of at least {s} in one direction, so the "
            "absence of a meaningful effect is not shown (α = {a}); a non-significant ordinary "
            "test would not show it either."
        ),
        "yes_ns": (
            "The effect is reliably below +{s}: the data show that {x} does not increase {y} "
            "by a meaningful amount (α = {a}). A negative effect (a decrease) is consistent "
            "with this claim."
        ),
        "no_ns": (
            "The data cannot rule out an increase of {s} or more, so the claim that {x} does "
            "not increase {y} is not shown (α = {a})."
        ),
        "yes_ni": (
            "The effect is reliably above -{s}: the data show that {x} does not decrease {y} "
            "by a meaningful amount (α = {a}). A positive effect (an increase) is consistent "
            "with this claim."
        ),
        "no_ni": (
            "The data cannot rule out a decrease of {s} or more, so the claim that {x} does "
            "not decrease {y} is not shown (α = {a})."
        ),
        "role": "(outcome of {r})",
        "role_x": "({x} of {r})",
        "diary": (
            "In the daily-diary APIM (within-person centred, {n} couples, {obs} person-days) "
            "the {kind} effect of daily {x} on {y} was b = {b} ({lvl}% CI {lo} to {hi}), "
            "β = {beta} ({lvl}% CI {blo} to {bhi})."
        ),
        "overtime": (
            "In the over-time APIM (lagged, controlling for actor and partner stability of "
            "{y}; {n} couples, {obs} person-waves) the {kind} effect of {x} on {y} at the next "
            "wave was b = {b} ({lvl}% CI {lo} to {hi}), β = {beta} ({lvl}% CI {blo} to {bhi})."
        ),
        "apimem": (
            "In the APIM mediation model ({n} couples) the {kind} effect of {x} on {y} "
            "through {m} was {b} ({lvl}% CI {lo} to {hi}), standardised {beta} ({lvl}% CI "
            "{blo} to {bhi})."
        ),
        "boot": " Percentile bootstrap {lvl}% CI {lo} to {hi}.",
        "kind": {
            "actor_within": "within-person actor",
            "partner_within": "within-person partner",
            "actor_between": "between-person actor",
            "partner_between": "between-person partner",
            "actor_lagged": "lagged actor",
            "partner_lagged": "lagged partner",
            "stability_actor": "actor stability",
            "stability_partner": "partner stability",
        },
        "moderation": (
            "Moderation by {m} (the effect above is at the mean of {m}): "
            "interaction b = {b}, two-sided p {p}."
        ),
        "singles_1": "1 person whose partner is not in the data was left out (--drop-singles).",
        "singles": "{n} persons whose partner is not in the data were left out (--drop-singles).",
        "axis": "Standardised effect (β)",
        "ci_note": (
            "Interval that matches each test: {lo}% CI for one-sided, non-inferiority and "
            "equivalence tests, {hi}% CI for two-sided tests"
        ),
        "title": "Dependency paradox: hypothesis tests",
        "footer": "Made with dyadscore. Estimates are APIM (GLS) coefficients; see the table for details.",
    },
    "nl": {
        "supported": "ondersteund",
        "not_supported": "niet ondersteund",
        "actor": "Het actoreffect (eigen {x} op eigen {y})",
        "partner": "Het partnereffect ({x} van de partner op de eigen {y})",
        "est": "was b = {b} ({lvl}%-BI {lo} tot {hi}), gestandaardiseerd β = {beta} ({lvl}%-BI {blo} tot {bhi})",
        "ci": "{lvl}%-BI",
        "n": "bij {n} koppels",
        "control": "gecontroleerd voor de eigen {c} en die van de partner",
        "covs": "en voor {c}",
        "covs_only": "gecontroleerd voor {c}",
        "positive": "positieve",
        "negative": "negatieve",
        "test_dir": "Eenzijdige toets van het voorspelde {dir} effect (H0: β {h0} 0): p {p}.",
        "test_two": "Tweezijdige toets (H0: β = 0): p {p}.",
        "test_eq": (
            "Equivalentietoets (TOST) tegen ±{s} (gestandaardiseerd; H0: |β| ≥ {s}): p {p}."
        ),
        "test_ns": (
            "Eenzijdige toets tegen de bovengrens +{s} (non-superioriteit; H0: β ≥ +{s}): p {p}."
        ),
        "test_ni": (
            "Eenzijdige toets tegen de ondergrens -{s} (non-inferioriteit; H0: β ≤ -{s}): p {p}."
        ),
        "holm": " Na Holm-correctie p {p}.",
        "dec_ci": " β = {beta} ({ci} {lo} tot {hi}).",
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
            "Het effect is aantoonbaar kleiner dan het kleinste relevante effect; de gegevens "
            "laten dus geen betekenisvol effect zien, in geen van beide richtingen (α = {a})."
        ),
        "no_eq": (
            "De gegevens kunnen een effect van minstens {s} in één richting niet uitsluiten; "
            "dat er geen betekenisvol effect is, is dus niet aangetoond (α = {a}). Een "
            "niet-significante gewone toets zou dat evenmin aantonen."
        ),
        "yes_ns": (
            "Het effect ligt aantoonbaar onder +{s}: de gegevens laten zien dat {x} {y} niet "
            "betekenisvol verhoogt (α = {a}). Een negatief effect (een daling) past bij deze "
            "bewering."
        ),
        "no_ns": (
            "De gegevens kunnen een stijging van {s} of meer niet uitsluiten; dat {x} {y} niet "
            "verhoogt, is dus niet aangetoond (α = {a})."
        ),
        "yes_ni": (
            "Het effect ligt aantoonbaar boven -{s}: de gegevens laten zien dat {x} {y} niet "
            "betekenisvol verlaagt (α = {a}). Een positief effect (een stijging) past bij deze "
            "bewering."
        ),
        "no_ni": (
            "De gegevens kunnen een daling van {s} of meer niet uitsluiten; dat {x} {y} niet "
            "verlaagt, is dus niet aangetoond (α = {a})."
        ),
        "role": "(uitkomst van {r})",
        "role_x": "({x} van {r})",
        "diary": (
            "In het dagboek-APIM (binnen personen gecentreerd, {n} koppels, {obs} "
            "persoonsdagen) was het {kind} van dagelijkse {x} op {y} b = {b} ({lvl}%-BI {lo} "
            "tot {hi}), β = {beta} ({lvl}%-BI {blo} tot {bhi})."
        ),
        "overtime": (
            "In het APIM over de tijd (vertraagd, gecontroleerd voor actor- en "
            "partnerstabiliteit van {y}; {n} koppels, {obs} persoonsmetingen) was het {kind} "
            "van {x} op {y} bij de volgende meting b = {b} ({lvl}%-BI {lo} tot {hi}), "
            "β = {beta} ({lvl}%-BI {blo} tot {bhi})."
        ),
        "apimem": (
            "In het APIM-mediatiemodel ({n} koppels) was het {kind} van {x} op {y} via {m} "
            "{b} ({lvl}%-BI {lo} tot {hi}), gestandaardiseerd {beta} ({lvl}%-BI {blo} tot {bhi})."
        ),
        "boot": " Percentiel-bootstrap {lvl}%-BI {lo} tot {hi}.",
        "kind": {
            "actor_within": "actoreffect binnen personen",
            "partner_within": "partnereffect binnen personen",
            "actor_between": "actoreffect tussen personen",
            "partner_between": "partnereffect tussen personen",
            "actor_lagged": "vertraagde actoreffect",
            "partner_lagged": "vertraagde partnereffect",
            "stability_actor": "actorstabiliteitseffect",
            "stability_partner": "partnerstabiliteitseffect",
        },
        "moderation": (
            "Moderatie door {m} (het effect hierboven geldt bij het gemiddelde van {m}): "
            "interactie b = {b}, tweezijdig p {p}."
        ),
        "singles_1": (
            "1 persoon van wie de partner niet in de gegevens staat, is weggelaten (--drop-singles)."
        ),
        "singles": (
            "{n} personen van wie de partner niet in de gegevens staat, zijn weggelaten "
            "(--drop-singles)."
        ),
        "axis": "Gestandaardiseerd effect (β)",
        "ci_note": (
            "Interval dat bij elke toets hoort: {lo}%-BI bij eenzijdige, non-inferioriteits- en "
            "equivalentietoetsen, {hi}%-BI bij tweezijdige toetsen"
        ),
        "title": "Afhankelijkheidsparadox: toetsing van hypothesen",
        "footer": "Gemaakt met dyadscore. Schattingen zijn APIM-coëfficiënten (GLS); zie de tabel.",
    },
}


def _num(x: float, lang: str, digits: int = 2) -> str:
    return format_number(float(x) if x is not None else None, digits, lang)


def _pval(p: float) -> str:
    return format_p_eq(float(p)) if p is not None and np.isfinite(p) else "= NA"


def _pct(level: float) -> str:
    return f"{100 * level:.10g}"


def _decision_ci(row: Mapping[str, Any], level: float) -> tuple[float, float]:
    """The ``level`` CI of beta: (b -/+ t_crit se) times beta / b."""
    df = float(row.get("df", np.inf))
    crit = float(stats.t.ppf(0.5 + level / 2, df if np.isfinite(df) else np.inf))
    b, beta = float(row["estimate"]), float(row["beta"])
    lo, hi = float(row["beta_ci_low"]), float(row["beta_ci_high"])
    half95 = (hi - lo) / 2  # the 95% (or table-level) half-width of beta
    crit95 = float(stats.t.ppf(0.975, df if np.isfinite(df) else np.inf))
    se_beta = half95 / crit95 if b != 0 else float(row["se"])
    return beta - crit * se_beta, beta + crit * se_beta


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
    rkey = "role_x" if h.model == "apimem" else "role"
    has_role = row.get("role") is not None and not pd.isna(row.get("role")) and row["role"] != ""
    who = f" {t[rkey].format(r=row['role'], x=h.predictor)}" if has_role else ""
    head = f"{h.id}{who} ({h.text(lang)}): {verdict}."
    if h.model != "apim":
        return _model_paragraph(row, h, lang, holm, head)
    eff = t[h.effect].format(x=h.predictor, y=h.outcome)
    est = t["est"].format(
        b=_num(row["estimate"], lang),
        lo=_num(row["ci_low"], lang),
        hi=_num(row["ci_high"], lang),
        beta=_num(row["beta"], lang),
        blo=_num(row["beta_ci_low"], lang),
        bhi=_num(row["beta_ci_high"], lang),
        lvl="95",
    )
    parts = [f"{eff} {est}", t["n"].format(n=row["n_dyads"])]
    if h.control:
        parts.append(t["control"].format(c=", ".join(h.control)))
    covs = [c for c in dict.fromkeys([*h.covariates, *extra]) if c not in h.x]
    if covs:
        parts.append(t["covs" if h.control else "covs_only"].format(c=", ".join(covs)))
    body = ", ".join(parts) + "."
    a = _num(h.alpha, lang)
    s = _num(h.sesoi, lang)
    d = h.direction
    ok = bool(row["supported"])
    if d in ("positive", "negative"):
        test = t["test_dir"].format(
            dir=t[d], h0="≤" if d == "positive" else "≥", p=_pval(row["p_one_sided"])
        )
        tail = t["yes_dir" if ok else "no_dir"].format(dir=t[d], a=a)
    elif d == "two-sided":
        test = t["test_two"].format(p=_pval(row["p"]))
        tail = t["yes_two" if ok else "no_two"].format(a=a)
    else:
        key = {"equivalence": "eq", "non-superiority": "ns", "non-inferiority": "ni"}[d]
        test = t[f"test_{key}"].format(s=s, p=_pval(row["p_one_sided"]))
        tail = t[f"{'yes' if ok else 'no'}_{key}"].format(s=s, a=a, x=h.predictor, y=h.outcome)
    if holm and "p_holm" in row:
        test += t["holm"].format(p=_pval(row["p_holm"]))
    if d != "two-sided":  # the interval whose position decides (1 - 2 alpha)
        level = ci_level(d, h.alpha)
        lo, hi = _decision_ci(row, level)
        test += t["dec_ci"].format(
            beta=_num(row["beta"], lang),
            ci=t["ci"].format(lvl=_pct(level)),
            lo=_num(lo, lang),
            hi=_num(hi, lang),
        )
    if moderator and np.isfinite(row.get("interaction", np.nan)):
        tail += " " + t["moderation"].format(
            m=moderator, b=_num(row["interaction"], lang), p=_pval(row["interaction_p"])
        )
    return f"{head} {body} {test} {tail}"


# full-language names of the mediation effects (apimem), for the summaries
_APIMEM_KIND = {
    "en": {
        "aaa": "actor-actor-actor indirect",
        "ppa": "partner-partner-actor indirect",
        "app": "actor-partner-partner indirect",
        "pap": "partner-actor-partner indirect",
        "totind_actor": "total indirect actor",
        "totind_partner": "total indirect partner",
        "total_actor": "total actor",
        "total_partner": "total partner",
        "aa": "actor-actor indirect",
        "pp": "partner-partner indirect",
        "ap": "actor-partner indirect",
        "pa": "partner-actor indirect",
    },
    "nl": {
        "aaa": "indirecte actor-actor-actoreffect",
        "ppa": "indirecte partner-partner-actoreffect",
        "app": "indirecte actor-partner-partnereffect",
        "pap": "indirecte partner-actor-partnereffect",
        "totind_actor": "totale indirecte actoreffect",
        "totind_partner": "totale indirecte partnereffect",
        "total_actor": "totale actoreffect",
        "total_partner": "totale partnereffect",
        "aa": "indirecte actor-actoreffect",
        "pp": "indirecte partner-partnereffect",
        "ap": "indirecte actor-partnereffect",
        "pa": "indirecte partner-actoreffect",
    },
}


def _kind(h: Hypothesis, lang: str) -> str:
    if h.model == "apimem":
        name = re.sub(r"^ind_|[12]+$", "", h.effect)
        path = {"en": "path {}", "nl": "pad {}"}[lang]
        return _APIMEM_KIND[lang].get(name, path.format(h.effect))
    name = _MODEL_ALIAS.get((h.model, h.effect), h.effect)
    return _TEXT[lang]["kind"][name]


def _model_paragraph(row: dict[str, Any], h: Hypothesis, lang: str, holm: bool, head: str) -> str:
    """The summary paragraph of a diary, mediation or over-time hypothesis."""
    t = _TEXT[lang]
    digits = 3 if h.model == "apimem" else 2
    body = t[h.model].format(
        n=row["n_dyads"],
        obs=row.get("n_obs"),
        kind=_kind(h, lang),
        x=h.predictor,
        y=h.outcome,
        m=h.mediator,
        b=_num(row["estimate"], lang, digits),
        lo=_num(row["ci_low"], lang, digits),
        hi=_num(row["ci_high"], lang, digits),
        beta=_num(row["beta"], lang, digits),
        blo=_num(row["beta_ci_low"], lang, digits),
        bhi=_num(row["beta_ci_high"], lang, digits),
        lvl="95",
    )
    a = _num(h.alpha, lang)
    s = _num(h.sesoi, lang)
    d = h.direction
    ok = bool(row["supported"])
    if d in ("positive", "negative"):
        test = t["test_dir"].format(
            dir=t[d], h0="≤" if d == "positive" else "≥", p=_pval(row["p_one_sided"])
        )
        tail = t["yes_dir" if ok else "no_dir"].format(dir=t[d], a=a)
    elif d == "two-sided":
        test = t["test_two"].format(p=_pval(row["p"]))
        tail = t["yes_two" if ok else "no_two"].format(a=a)
    else:
        key = {"equivalence": "eq", "non-superiority": "ns", "non-inferiority": "ni"}[d]
        test = t[f"test_{key}"].format(s=s, p=_pval(row["p_one_sided"]))
        tail = t[f"{'yes' if ok else 'no'}_{key}"].format(s=s, a=a, x=h.predictor, y=h.outcome)
    if holm and "p_holm" in row:
        test += t["holm"].format(p=_pval(row["p_holm"]))
    if row.get("method") == "percentile bootstrap":
        test += t["boot"].format(
            lvl=_pct(ci_level(d, h.alpha)),
            lo=_num(row["decision_ci_low"], lang, digits),
            hi=_num(row["decision_ci_high"], lang, digits),
        )
    elif d != "two-sided":
        level = ci_level(d, h.alpha)
        lo, hi = _decision_ci(row, level)
        test += t["dec_ci"].format(
            beta=_num(row["beta"], lang, digits),
            ci=t["ci"].format(lvl=_pct(level)),
            lo=_num(lo, lang, digits),
            hi=_num(hi, lang, digits),
        )
    return f"{head} {body} {test} {tail}"
