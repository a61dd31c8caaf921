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

from .catalogue import LANGS, check_lang
from .catalogue import text as _catalogue_text
from .columns import person_column
from .dyads import _require_scores, _wave_value, prepare, wave_numbers, wide_by_wave
from .errors import InputError, _file_name_as_source, input_name
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


def _validate(item: Any, name: str, index: int) -> Hypothesis:
    if isinstance(item, Hypothesis):
        return item
    if not isinstance(item, Mapping):
        raise InputError(
            f"{name}: hypothesis {index + 1}: expected a mapping with id, outcome, predictor, ..."
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
        raise InputError(f"{name}: hypothesis {hid!r}: {loc}: {msg}") from None


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
        name = str(path)
    else:
        data = list(spec)
        name = "hypotheses"
        if not data:
            raise InputError("hypotheses: expected at least one hypothesis")
    hyps = [_validate(item, name, i) for i, item in enumerate(data)]
    ids = [h.id for h in hyps]
    dup = [i for i in ids if ids.count(i) > 1]
    if dup:
        raise InputError(f"{name}: hypothesis id {dup[0]!r} is used twice")
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
        return [lang for lang in LANGS if all(lang in h.label for h in self.hypotheses)]

    def summary(self, lang: str | None = None) -> str:
        """Plain-language paragraph per hypothesis in English (``en``) or Dutch (``nl``)."""
        lang = check_lang(lang or self.lang)
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
            paras.append(_say(key, lang, n=self.n_singles_dropped))
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

        return forest_plot(self.table, ax=ax, lang=check_lang(lang or self.lang))

    def to_html(self, lang: str | None = None) -> str:
        """The summary, forest plot and table as an HTML fragment (``<div>``; notebooks)."""
        import base64
        import io

        from matplotlib.figure import Figure  # no pyplot: leaves the user's backend alone

        lang = check_lang(lang or self.lang)
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
        lang = check_lang(lang or self.lang)
        title = html.escape(_say("title", lang))
        return (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "pre{white-space:pre-wrap;font-family:inherit}"
            "table{border-collapse:collapse;font-size:.85em}td,th{padding:.2em .5em;"
            "border-bottom:1px solid #ddd}</style></head><body>"
            f"<h1>{title}</h1>{self.to_html(lang)}"
            f"<p><small>{html.escape(_say('footer', lang))}</small></p></body></html>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


# ------------------------------------------------------------------ testing
@dataclass(frozen=True)
class _Run:
    """The columns and options one call of :func:`test` applies to every hypothesis."""

    dyad: str
    role: str | None
    person: str | None
    time: str
    wave: str
    method: str
    df_method: str
    bootstrap: int
    seed: Any
    drop_singles: bool
    covariates: list[str]
    moderator: str | None
    holm: bool
    lang: str

    @property
    def src(self) -> str:
        return input_name("data")


def _labelled_hypotheses(spec: Any, lang: str) -> list[Hypothesis]:
    """The hypotheses to test, each with a label in ``lang``."""
    hyps = resolve_hypotheses(spec)
    for h in hyps:
        h.text(lang)
    return hyps


def _resolve_data(data: Any, person: str | None) -> tuple[pd.DataFrame, Any]:
    """The data as a table, and its person id column (given, or the first usual name present)."""
    if not isinstance(data, pd.DataFrame):
        src = input_name("data")
        raise InputError(f"{src}: expected a table with one row per person (see wide_by_wave)")
    return data, person or person_column(data.columns)


def _prepare_columns(data: pd.DataFrame, hyps: list[Hypothesis], run: _Run) -> pd.DataFrame:
    """The person table the APIM hypotheses need: reshaped by wave, every column checked."""
    src = run.src
    others = [h for h in hyps if h.model != "apim"]
    if others and (run.covariates or run.moderator):
        h = others[0]
        raise InputError(
            f"hypothesis {h.id}: covariates and moderator are only supported for model apim, "
            f"not for model {h.model}"
        )
    apim_hyps = [h for h in hyps if h.model == "apim"]
    if not apim_hyps:
        return data
    if run.wave in data.columns:
        _check_waves(data, apim_hyps, run.wave, src)
        keep = [c for c in (run.dyad, run.role) if c]
        data = prepare(data, person=run.person, wave=run.wave, keep=keep)
    extra = [c for c in [*run.covariates, *filter(None, [run.moderator])] if c not in data.columns]
    if extra:
        raise InputError(f"{src}: no column {extra[0]!r} (covariate or moderator)")
    for col, what in [
        (run.dyad, "the couple id (--dyad)"),
        *([(run.role, "the role (--role)")] if run.role else []),
    ]:
        if col not in data.columns:
            raise InputError(f"{src}: no column {col!r}; expected {what}")
    for h in apim_hyps:
        absent = [c for c in h.columns if c not in data.columns]
        if absent:
            _require_scores(data, src)
            hint = ""
            if run.wave in data.columns and absent[0].rsplit("_w", 1)[0] in data.columns:
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
    """Hypotheses with the same key share one fit."""
    if h.model != "apim":
        return (h.model, h.predictor, h.mediator, h.outcome)
    # a robustness covariate that is already a predictor or control of h is controlled already
    covs = [c for c in dict.fromkeys([*h.covariates, *covariates]) if c not in h.x]
    return (h.model, h.outcome, tuple(h.x), tuple(covs))


def _fit_models(
    hyps: list[Hypothesis], raw: pd.DataFrame, wide: pd.DataFrame, run: _Run
) -> dict[str, Any]:
    """Fit the model of every hypothesis (once per distinct model): hypothesis id -> fit."""
    cache: dict[tuple, Any] = {}
    fits = {}
    for h in hyps:
        key = _fit_key(h, run.covariates)
        if key not in cache:
            if h.model == "apim":
                cache[key] = _fit_apim(h, wide, run, list(key[-1]))
            else:
                cache[key] = _fit_other(h, raw, run)
        fits[h.id] = cache[key]
    return fits


def _fit_apim(h: Hypothesis, data: pd.DataFrame, run: _Run, covariates: list[str]) -> Any:
    """The two-wave APIM of one hypothesis (:func:`dyadscore.apim`)."""
    from ._apim import apim

    kwargs: dict[str, Any] = {
        "covariates": covariates or None,
        "covariate_effects": "as_is",
        "method": run.method,
        "person": run.person if run.person in data.columns else None,
        "drop_singles": run.drop_singles,
    }
    if run.df_method != "residual":
        kwargs["df_method"] = run.df_method
    if run.moderator:  # centred, so main effects are effects at the mean moderator
        kwargs.update(moderator=run.moderator, center=True)
    return apim(data, x=list(h.x), y=h.outcome, dyad=run.dyad, role=run.role, **kwargs)


def _fit_other(h: Hypothesis, data: pd.DataFrame, run: _Run) -> Any:
    """Fit the diary, mediation or over-time model a hypothesis names."""
    src, role = run.src, run.role
    need = {"diary": [run.time], "overtime": [run.wave]}.get(h.model, [])
    for col in dict.fromkeys([run.dyad, *need, *([role] if role else []), *h.columns]):
        if col not in data.columns:
            what = {run.time: "the day column (time=)", run.wave: "the wave column"}.get(col)
            tail = f"; expected {what}" if what else f", which hypothesis {h.id} needs"
            raise InputError(f"{src}: no column {col!r}{tail}")
    pid = run.person if run.person in data.columns else None
    common = {"x": h.predictor, "y": h.outcome, "dyad": run.dyad}
    if h.model == "diary":
        from ._diary import diary_apim

        if role is None and pid is None:
            raise InputError(
                f"{src}: no column {run.person or 'person'!r}; the diary model needs the "
                "person id (--person) or a role column (--role)"
            )
        return diary_apim(
            data,
            **common,
            role=role,
            person=pid,
            time=run.time,
            method=run.method,
            test_distinguishability=False,
        )
    if h.model == "overtime":
        from ._overtime import overtime_apim

        role = role or ("role" if "role" in data.columns else None)
        if role is None:
            raise InputError(
                f"{src}: the over-time APIM needs a role column for its two partners (--role)"
            )
        return overtime_apim(data, **common, role=role, wave=run.wave, method=run.method)
    from ._apimem import apimem

    return apimem(
        data,
        **common,
        m=h.mediator,
        role=role,
        person=pid,
        bootstrap=run.bootstrap,
        seed=run.seed,
        drop_singles=run.drop_singles,
    )


def _std_ratio(data: pd.DataFrame, x: str, y: str) -> float:
    """SD(x) / SD(y) over all rows with both values (beta = b * SD(x) / SD(y))."""
    sub = data[[x, y]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(sub) < 2:
        return np.nan
    return float(sub[x].std(ddof=1) / sub[y].std(ddof=1))


def _row(h: Hypothesis, lang: str, role: Any, values: Mapping[str, Any], **extra: Any) -> dict:
    """One table row: the hypothesis, the role, the estimates (``values``) and the decision rule."""
    return {
        "hypothesis": h.id,
        "label": h.label.get(lang, h.label["en"]),
        "effect": h.effect,
        "predictor": h.predictor,
        "outcome": h.outcome,
        "design": h.design,
        "role": None if role is None or pd.isna(role) else role,
        **values,
        "p_one_sided": np.nan if h.direction == "two-sided" else values["p_one_sided"],
        "direction": h.direction,
        "sesoi": h.sesoi if h.direction in _BOUNDED else np.nan,
        "alpha": h.alpha,
        "ci_level": ci_level(h.direction, h.alpha),
        "family": h.family,
        **extra,
        "model": h.model,
    }


def _coefficient_row(
    h: Hypothesis, r: Mapping[str, Any], sd_ratio: float, lang: str, *, beta: Any = None
) -> dict:
    """The row of one model coefficient ``r``: its t tests, beta and the decision p value.

    ``beta`` is the model's standardised coefficient (APIM); without it beta is
    b x ``sd_ratio`` (SD(predictor) / SD(outcome)).
    """
    est, se = float(r["estimate"]), float(r["se"])
    df = float(r["df"]) if r.get("df") is not None and np.isfinite(r["df"]) else np.inf
    beta = float(beta) if beta is not None else np.nan
    if np.isfinite(beta):  # beta = b * scale; the SESOI is standardised: raw bound sesoi / scale
        scale = beta / est if est != 0 else sd_ratio
    else:
        beta, scale = est * sd_ratio, sd_ratio
    bound = h.sesoi / abs(scale) if h.direction in _BOUNDED else 0.0
    p_dec = float(decision_p(est, se, df, h.direction, bound))
    lo, hi = float(r["ci_low"]), float(r["ci_high"])
    b_lo, b_hi = sorted((lo * scale, hi * scale))
    values = {
        "estimate": est,
        "se": se,
        "df": df,
        "ci_low": lo,
        "ci_high": hi,
        "beta": beta,
        "beta_ci_low": b_lo,
        "beta_ci_high": b_hi,
        "p": float(decision_p(est, se, df, "two-sided")),
        "p_one_sided": p_dec,
    }
    return _row(h, lang, r.get("role"), values, _p_decision=p_dec)


def _apim_rows(h: Hypothesis, fit: Any, data: pd.DataFrame, run: _Run) -> list[dict]:
    """Table rows (one per role, or one) of a two-wave APIM hypothesis."""
    eff = fit.effects
    found = eff[(eff["effect"] == h.effect) & (eff["predictor"] == h.predictor)]
    if found.empty:
        raise InputError(f"hypothesis {h.id}: the APIM has no {h.effect} effect of {h.predictor!r}")
    ratio = _std_ratio(data, h.predictor, h.outcome)
    rows = []
    for r in found.to_dict("records"):
        row = _coefficient_row(h, r, ratio, run.lang, beta=r.get("beta"))
        row["n_dyads"] = int(fit.fit["n_dyads"])
        if run.moderator:
            row.update(_interaction(fit, h, r.get("role")))
        rows.append(row)
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


def _model_rows(h: Hypothesis, fit: Any, data: pd.DataFrame, run: _Run) -> list[dict]:
    """Table rows (one per role, or one) of a diary or over-time hypothesis."""
    name = _MODEL_ALIAS.get((h.model, h.effect), h.effect)
    eff = fit.effects[fit.effects["effect"] == name]
    ratio = _std_ratio(data, h.predictor, h.outcome)
    n = {"n_dyads": int(fit.fit["n_couples"]), "n_obs": int(fit.fit["n_obs"])}
    return [{**_coefficient_row(h, r, ratio, run.lang), **n} for r in eff.to_dict("records")]


def _apimem_rows(h: Hypothesis, fit: Any, run: _Run) -> list[dict]:
    """Table rows of a mediation (apimem) hypothesis: :func:`dyadscore.apimem_decide`'s decision."""
    from ._apimem import apimem_decide

    distinguishable = fit.info["distinguishable"]
    short = h.effect in MODEL_EFFECTS["apimem"]
    out = []
    for rl in fit.info["roles"] if distinguishable and short else [None]:
        d = apimem_decide(fit, h.effect, rl, direction=h.direction, alpha=h.alpha)
        boot = d["method"] == "percentile bootstrap"
        p_dec = float(d["p_boot_one_sided"] if boot else d["p_one_sided"])
        if h.direction == "two-sided" and boot:  # two-sided percentile-bootstrap p
            draws = fit.bootstrap_draws[d["effect"]]
            p_dec = min(1.0, 2 * min(float((draws <= 0).mean()), float((draws >= 0).mean())))
        elif h.direction == "two-sided":
            p_dec = float(d["p"])
        values = {k: float(d[k]) for k in ("estimate", "se")} | {"df": np.inf}
        values |= {k: float(d[k]) for k in ("ci_low", "ci_high", "beta", "beta_ci_low")}
        values |= {k: float(d[k]) for k in ("beta_ci_high", "p", "p_one_sided")}
        role = d.get("role") if distinguishable else None
        out.append(
            _row(
                h,
                run.lang,
                role,
                values,
                n_dyads=int(d["n_dyads"]),
                method=d["method"],
                decision_ci_low=float(d.get("decision_ci_low", np.nan)),
                decision_ci_high=float(d.get("decision_ci_high", np.nan)),
                _p_decision=p_dec,
                _supported=bool(d["supported"]),
            )
        )
    return out


def _table_rows(
    hyps: list[Hypothesis], fits: dict[str, Any], raw: pd.DataFrame, wide: pd.DataFrame, run: _Run
) -> list[dict]:
    """Every hypothesis' table rows, in hypothesis order."""
    rows: list[dict] = []
    for h in hyps:
        fit = fits[h.id]
        if h.model == "apim":
            rows += _apim_rows(h, fit, wide, run)
        elif h.model == "apimem":
            rows += _apimem_rows(h, fit, run)
        else:
            rows += _model_rows(h, fit, raw, run)
    return rows


def _decide(rows: list[dict], hyps: list[Hypothesis], run: _Run) -> pd.DataFrame:
    """The table with Holm-adjusted p values (within family) and the decisions, in column order."""
    table, holm = pd.DataFrame(rows), run.holm
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
    if all(h.model == "apim" for h in hyps):
        table = table.drop(columns="model")
    if not run.role and table["role"].isna().all():
        table = table.drop(columns="role")
    extras = ("model", "n_obs", "method", "decision_ci_low", "decision_ci_high")
    tail = ("supported", "n_dyads", "p_holm", *extras)
    order = [c for c in table.columns if c not in tail and not c.startswith("interaction")]
    order += ["supported", "n_dyads", *(["p_holm"] if holm else [])]
    order += [c for c in extras if c in table]
    if run.moderator:
        order += ["interaction", "interaction_se", "interaction_p"]
    return table[order]


def ci_level(direction: str, alpha: float) -> float:
    """Confidence level of the interval that matches a decision (1 - 2 alpha or 1 - alpha).

    Examples
    --------
    >>> ci_level("non-superiority", 0.05), ci_level("two-sided", 0.05)
    (0.9, 0.95)
    """
    return round(1 - alpha if direction == "two-sided" else 1 - 2 * alpha, 10)


@_file_name_as_source
def test(
    data: pd.DataFrame,
    hypotheses: Any = None,
    dyad: str = "couple",
    role: str | None = None,
    *,
    person: str | None = None,
    holm: bool = False,
    covariates: Sequence[str] | None = None,
    moderator: str | None = None,
    method: str = "REML",
    df_method: str = "residual",
    lang: str = "en",
    drop_singles: bool = False,
    time: str = "day",
    wave: str = "wave",
    bootstrap: int = 0,
    seed: Any = None,
) -> ParadoxResult:
    """Test dependency-paradox hypotheses, one APIM (or the model it names) per hypothesis.

    Parameters
    ----------
    data : DataFrame
        Scores, one row per person: couple id, optional role, and the wave-specific columns
        the hypotheses name (``goal_progress_w1``, ...; see :func:`wide_by_wave`); or long by
        wave (a ``wave`` column), which is reshaped with :func:`prepare`. Item responses are
        an :class:`InputError`: score them first with :func:`dyadscore.score` (the command
        ``dyadscore paradox ITEMS.csv`` does).
    hypotheses : None, path, list of dicts / Hypothesis objects, or default ids
        ``None`` tests the shipped default set (``hypotheses/default.yaml``).
    dyad, role : str
        Couple id column; role column for distinguishable dyads (``None``: indistinguishable,
        effects pooled over the two members).
    person : str, optional
        Person id column (messages, pairing checks and reshaping by wave); default the first
        of the usual names present (``person``, ``person_id``, ``id``, ...).
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
    lang = check_lang(lang)
    hyps = _labelled_hypotheses(hypotheses, lang)
    data, person = _resolve_data(data, person)
    run = _Run(
        dyad=dyad,
        role=role,
        person=person,
        time=time,
        wave=wave,
        method=method,
        df_method=df_method,
        bootstrap=bootstrap,
        seed=seed,
        drop_singles=drop_singles,
        covariates=list(covariates or []),
        moderator=moderator,
        holm=holm,
        lang=lang,
    )
    wide = _prepare_columns(data, hyps, run)
    fits = _fit_models(hyps, data, wide, run)
    rows = _table_rows(hyps, fits, data, wide, run)
    return _result(_decide(rows, hyps, run), fits, hyps, run, wide)


test.__test__ = False  # a public API name, not a pytest test


def _result(
    table: pd.DataFrame, fits: dict[str, Any], hyps: list[Hypothesis], run: _Run, wide: pd.DataFrame
) -> ParadoxResult:
    """The result: the table, the fits and the persons left out without a partner."""
    n = 0
    if run.drop_singles and any(h.model == "apim" for h in hyps):
        n = int((wide.groupby(run.dyad, dropna=False)[run.dyad].transform("size") == 1).sum())
    notes = [f"{n} persons whose partner is not in the data were left out"] if n else []
    options = {k: getattr(run, k) for k in ("holm", "lang", "covariates", "moderator")}
    return ParadoxResult(table, fits, hyps, notes=notes, n_singles_dropped=n, **options)


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
# The sentences are in the string catalogue (strings/paradox.yaml), keys "paradox.<key>".
# Mediation effects (apimem) with a name of their own in the summaries ("kind_<name>").
_APIMEM_KINDS = ("aaa", "ppa", "app", "pap", "aa", "pp", "ap", "pa")
_APIMEM_KINDS += ("totind_actor", "totind_partner", "total_actor", "total_partner")


def _say(key: str, lang: str, **fmt: Any) -> str:
    """The catalogue text ``paradox.<key>`` in ``lang``, filled in."""
    return _catalogue_text(f"paradox.{key}", lang, **fmt)


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
    """The summary paragraph of one table row: verdict, estimate, test and what it means."""
    verdict = _say("supported" if row["supported"] else "not_supported", lang)
    rkey = "role_x" if h.model == "apimem" else "role"
    has_role = row.get("role") is not None and not pd.isna(row.get("role")) and row["role"] != ""
    who = f" {_say(rkey, lang, r=row['role'], x=h.predictor)}" if has_role else ""
    head = f"{h.id}{who} ({h.text(lang)}): {verdict}."
    digits = 3 if h.model == "apimem" else 2
    body = (
        _apim_body(row, h, lang, extra) if h.model == "apim" else _model_body(row, h, lang, digits)
    )
    test, tail = _decision_text(row, h, lang, holm, digits)
    if moderator and np.isfinite(row.get("interaction", np.nan)):
        b, p = _num(row["interaction"], lang), _pval(row["interaction_p"])
        tail += " " + _say("moderation", lang, m=moderator, b=b, p=p)
    return f"{head} {body} {test} {tail}"


def _estimates(row: Mapping[str, Any], lang: str, digits: int) -> dict[str, str]:
    """b and beta with their 95% CIs, as the sentences print them."""
    cols = {"b": "estimate", "lo": "ci_low", "hi": "ci_high", "beta": "beta"}
    cols.update(blo="beta_ci_low", bhi="beta_ci_high")
    return {"lvl": "95", **{k: _num(row[c], lang, digits) for k, c in cols.items()}}


def _apim_body(row: Mapping[str, Any], h: Hypothesis, lang: str, extra: Sequence[str]) -> str:
    """The APIM sentence: the effect, its estimates, the couples and what it controls for."""
    eff = _say(h.effect, lang, x=h.predictor, y=h.outcome)
    parts = [f"{eff} {_say('est', lang, **_estimates(row, lang, 2))}"]
    parts.append(_say("n", lang, n=row["n_dyads"]))
    if h.control:
        parts.append(_say("control", lang, c=", ".join(h.control)))
    covs = [c for c in dict.fromkeys([*h.covariates, *extra]) if c not in h.x]
    if covs:
        parts.append(_say("covs" if h.control else "covs_only", lang, c=", ".join(covs)))
    return ", ".join(parts) + "."


def _model_body(row: Mapping[str, Any], h: Hypothesis, lang: str, digits: int) -> str:
    """The sentence of a diary, mediation or over-time model: its effect and estimates."""
    return _say(
        h.model,
        lang,
        n=row["n_dyads"],
        obs=row.get("n_obs"),
        kind=_kind(h, lang),
        x=h.predictor,
        y=h.outcome,
        m=h.mediator,
        **_estimates(row, lang, digits),
    )


def _kind(h: Hypothesis, lang: str) -> str:
    """The effect in words (``within-person actor``, ``actor-actor-actor indirect``, ...)."""
    if h.model == "apimem":
        name = re.sub(r"^ind_|[12]+$", "", h.effect)
        if name in _APIMEM_KINDS:
            return _say(f"kind_{name}", lang)
        return _say("kind_path", lang, effect=h.effect)
    return _say(f"kind_{_MODEL_ALIAS.get((h.model, h.effect), h.effect)}", lang)


def _decision_text(
    row: Mapping[str, Any], h: Hypothesis, lang: str, holm: bool, digits: int
) -> tuple[str, str]:
    """The test sentence (with its p value and decision interval) and the verdict sentence."""
    a, s, d = _num(h.alpha, lang), _num(h.sesoi, lang), h.direction
    ok = bool(row["supported"])
    if d in ("positive", "negative"):
        h0 = "≤" if d == "positive" else "≥"
        test = _say("test_dir", lang, dir=_say(d, lang), h0=h0, p=_pval(row["p_one_sided"]))
        tail = _say("yes_dir" if ok else "no_dir", lang, dir=_say(d, lang), a=a)
    elif d == "two-sided":
        test = _say("test_two", lang, p=_pval(row["p"]))
        tail = _say("yes_two" if ok else "no_two", lang, a=a)
    else:
        key = {"equivalence": "eq", "non-superiority": "ns", "non-inferiority": "ni"}[d]
        test = _say(f"test_{key}", lang, s=s, p=_pval(row["p_one_sided"]))
        verdict = f"{'yes' if ok else 'no'}_{key}"
        tail = _say(verdict, lang, s=s, a=a, x=h.predictor, y=h.outcome)
    if holm and "p_holm" in row:
        test += _say("holm", lang, p=_pval(row["p_holm"]))
    level = ci_level(d, h.alpha)
    if row.get("method") == "percentile bootstrap":
        lo, hi = row["decision_ci_low"], row["decision_ci_high"]
        test += _say(
            "boot", lang, lvl=_pct(level), lo=_num(lo, lang, digits), hi=_num(hi, lang, digits)
        )
    elif d != "two-sided":  # the interval whose position decides (1 - 2 alpha)
        lo, hi = _decision_ci(row, level)
        test += _say(
            "dec_ci",
            lang,
            beta=_num(row["beta"], lang, digits),
            ci=_say("ci", lang, lvl=_pct(level)),
            lo=_num(lo, lang, digits),
            hi=_num(hi, lang, digits),
        )
    return test, tail
