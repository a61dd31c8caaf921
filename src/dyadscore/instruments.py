"""Questionnaire instruments as data: the model, loading, validation and linting.

An instrument is a YAML file (see ``instruments/`` and ``DESIGN.md``) holding titles and
items in English (``en``, required) and Dutch (``nl``: required in the shipped
instruments and for Dutch output, optional in a user's own file), the response scale, reverse keys, subscales, the missing-item rule,
provenance and references. :func:`load_instrument` accepts a shipped id, a path to a
user's own YAML file, or an :class:`Instrument` and returns a validated
:class:`Instrument`; every problem is an :class:`~dyadscore.errors.InstrumentError`
naming the file and, where possible, the YAML line.

Examples
--------
>>> inst = load_instrument("acceptance-of-dependence")
>>> inst.scale_min, inst.scale_max
(1, 7)
>>> sorted(inst.subscales)
['acceptance_given', 'perceived_acceptance']
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import InstrumentError, input_name

LANGUAGES: tuple[str, ...] = ("en", "nl")
_ID_RE = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_NAME_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LocatedError(ValueError):
    """A cross-field validation error that knows where in the file it is."""

    def __init__(self, msg: str, loc: tuple) -> None:
        super().__init__(msg)
        self.loc = loc


Text = dict[str, str]


class LangText(dict):
    """Text by language; a language the file lacks is an :class:`InstrumentError`.

    A user's own instrument may have English text only, so ``text["nl"]`` on it raises
    one clear line (instead of a ``KeyError``) when Dutch output is asked for.

    Examples
    --------
    >>> LangText({"en": "Close"}, "item 'c1'")["nl"]
    Traceback (most recent call last):
    ...
    dyadscore.errors.InstrumentError: item 'c1' has no text in nl; add 'nl:' texts to the instrument or ask for English output (--lang en)
    """

    def __init__(self, text: dict, what: str = "the instrument") -> None:
        super().__init__(text)
        self.what = what

    def __missing__(self, lang: str) -> str:
        raise InstrumentError(
            f"{self.what} has no text in {lang}; add '{lang}:' texts to the instrument or "
            "ask for English output (--lang en)"
        )


def _check_languages(text: Text, what: str, owner: str | None = None) -> Text:
    """English text is required in every instrument; Dutch only in shipped ones (see
    :meth:`Instrument.require_language`) and when Dutch output is asked for. ``owner`` names
    the text in later messages (default ``what``)."""
    if not str(text.get("en", "")).strip():
        raise ValueError(f"{what} has no text in en")
    bad = next((k for k, v in text.items() if k != "en" and not str(v or "").strip()), None)
    if bad is not None:
        raise ValueError(f"{what} has no text in {bad}")
    return LangText(text, owner or what)


class ResponseScale(_Strict):
    """Numeric response scale with verbal anchors per language.

    ``step`` (optional) is the distance between allowed answers counted from ``min``: by
    default answers are the whole points ``min, min + 1, ..., max``; a visual-analogue item
    read to one decimal declares ``step: 0.1``.

    Attributes
    ----------
    min, max : int
        Lowest and highest answer.
    labels : dict
        ``{language: {value: anchor text}}``.

    Examples
    --------
    >>> scale = load_instrument("relationship-satisfaction").response_scale
    >>> scale.min, scale.max, scale.label(5, "nl")
    (1, 5, 'Klopt helemaal')
    """

    min: int
    max: int
    step: float | None = Field(default=None, gt=0)
    labels: dict[str, dict[int, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid(self) -> ResponseScale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must exceed min ({self.min})")
        for lang, labels in self.labels.items():
            bad = [k for k in labels if not self.min <= k <= self.max]
            if bad:
                raise ValueError(f"labels.{lang}: anchor {bad[0]} is outside {self.min}-{self.max}")
        return self

    def label(self, value: int, lang: str = "en") -> str:
        """Verbal anchor of ``value`` in ``lang`` ('' when the point has none)."""
        return self.labels.get(lang, {}).get(value, "")


class Item(_Strict):
    """One questionnaire item.

    Attributes
    ----------
    id : str
        Item id (a column name in response files).
    text : dict of str
        Item text per language.
    reverse : bool
        Reverse-keyed (scored ``min + max - answer``).

    Examples
    --------
    >>> load_instrument("relationship-satisfaction").item("sat3").reverse
    True
    """

    id: str = Field(pattern=_NAME_RE)
    text: Text
    reverse: bool = False

    @field_validator("text")
    @classmethod
    def _bilingual(cls, v: Text, info: ValidationInfo) -> Text:
        return _check_languages(v, "item text", f"item {info.data.get('id')!r}")


class Subscale(_Strict):
    """A subscale: which items, and mean or sum scoring.

    Attributes
    ----------
    items : list of str
        Item ids.
    method : {"mean", "sum"}
        How the items are combined.
    label : dict of str, optional
        Name per language.

    Examples
    --------
    >>> load_instrument("relationship-satisfaction").subscales["satisfaction"].items[:2]
    ['sat1', 'sat2']
    """

    items: list[str] = Field(min_length=1)
    method: Literal["mean", "sum"] = "mean"
    label: Text | None = None


class MissingRule(_Strict):
    """How missing item answers affect a subscale score.

    ``prorate``: score from the answered items when at least ``min_answered`` (a share
    of the subscale's items, 0-1) are answered, else missing. A prorated sum is the
    mean of the answered items times the number of items. ``complete``: any missing
    item makes the score missing.

    Attributes
    ----------
    rule : {"prorate", "complete"}
        The rule.
    min_answered : float
        Share of a subscale's items needed for a prorated score (0-1].

    Examples
    --------
    >>> MissingRule().rule, MissingRule().min_answered
    ('prorate', 0.8)
    """

    rule: Literal["prorate", "complete"] = "prorate"
    min_answered: float = Field(default=0.8, gt=0, le=1)


class Provenance(_Strict):
    """Where an instrument comes from and under which licence it may be used.

    Attributes
    ----------
    authors, licence : str
        Who wrote the instrument, and under which licence.
    based_on : list of str
        Constructs or sources the wording draws on.
    status : str
        What the instrument is (and is not: normed, clinical).
    notes : str, optional
        Free text.

    Examples
    --------
    >>> load_instrument("felt-dependence").provenance.licence
    'CC-BY-4.0'
    """

    authors: str
    licence: str
    based_on: list[str] = Field(default_factory=list)
    status: str = "research instrument; not normed, not a clinical test"
    notes: str | None = None


# pydantic warns that the field name `construct` shadows a deprecated BaseModel method;
# the field is part of the instrument format, so keep the name and silence the warning.
warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)


class Instrument(_Strict):
    """A validated questionnaire instrument.

    The fields are the instrument file format (see the docs page "The instrument format"
    and ``dyadscore instruments schema``); build one with :func:`load_instrument` rather
    than by hand.

    Attributes
    ----------
    id : str
        Lower-case, hyphenated id (``relationship-satisfaction``); the file name of a shipped
        instrument.
    version : str
        ``MAJOR.MINOR`` or ``MAJOR.MINOR.PATCH``.
    title, instructions : dict of str
        Text per language (``en`` required; ``nl`` required for shipped instruments).
    construct : str
        The construct measured.
    response_scale : ResponseScale
        ``min``, ``max``, optional ``step`` and the answer ``labels`` per language.
    missing : MissingRule
        ``rule`` (``"prorate"`` or ``"complete"``) and ``min_answered`` (share of a subscale's
        items needed for a prorated score).
    allow_skip : bool
        Whether the web form lets a respondent skip an item.
    subscales : dict of str to Subscale
        Score name -> ``items`` (ids) and ``method`` (``"mean"`` or ``"sum"``), optional label.
    items : list of Item
        ``id``, ``reverse`` and ``text`` per language, in administration order.
    provenance : Provenance
        Author, licence, what it is based on.
    references : list of str
        Literature.

    Examples
    --------
    >>> inst = load_instrument("relationship-satisfaction")
    >>> inst.reverse_items[:1]
    ['sat3']
    """

    id: str = Field(pattern=_ID_RE)
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$")
    title: Text
    construct: str
    instructions: Text | None = None
    response_scale: ResponseScale
    missing: MissingRule = MissingRule()
    allow_skip: bool = True
    subscales: dict[str, Subscale] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    provenance: Provenance
    references: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title(cls, v: Text, info: ValidationInfo) -> Text:
        return _check_languages(v, "title", f"the title of {info.data.get('id')!r}")

    @field_validator("instructions")
    @classmethod
    def _instructions(cls, v: Text | None, info: ValidationInfo) -> Text | None:
        return None if v is None else LangText(v, f"the instructions of {info.data.get('id')!r}")

    @field_validator("subscales")
    @classmethod
    def _subscale_names(cls, v: dict[str, Subscale]) -> dict[str, Subscale]:
        for name in v:
            if not re.match(_NAME_RE, name):
                raise ValueError(f"subscale name {name!r} must be a valid identifier")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        ids = [it.id for it in self.items]
        for k, i in enumerate(ids):
            if i in ids[:k]:
                raise _LocatedError(f"duplicate item id {i!r}", ("items", k, "id"))
        known = set(ids)
        for name, sub in self.subscales.items():
            for k, i in enumerate(sub.items):
                loc = ("subscales", name, "items", k)
                if i not in known:
                    raise _LocatedError(f"subscale {name!r} names unknown item {i!r}", loc)
                if i in sub.items[:k]:
                    raise _LocatedError(f"subscale {name!r} lists item {i!r} twice", loc)
        return self

    # ----------------------------------------------------------------- helpers
    @property
    def scale_min(self) -> int:
        return self.response_scale.min

    @property
    def scale_max(self) -> int:
        return self.response_scale.max

    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    @property
    def reverse_items(self) -> list[str]:
        return [it.id for it in self.items if it.reverse]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @cached_property
    def key_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of everything that determines a score.

        The hash covers the scale range, reverse keys, subscale membership and
        method, and the missing rule, not the wording, so it identifies the scoring key.
        """
        key = {
            "scale": [self.scale_min, self.scale_max],
            **({"step": self.response_scale.step} if self.response_scale.step else {}),
            "reverse": sorted(self.reverse_items),
            "subscales": {
                n: {"items": s.items, "method": s.method} for n, s in sorted(self.subscales.items())
            },
            "missing": self.missing.model_dump(),
        }
        blob = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def missing_text(self, lang: str) -> str | None:
        """Where the instrument has no text in ``lang`` (``"item 'sat2'"``), else None.

        Parameters
        ----------
        lang : {"en", "nl"}

        Returns
        -------
        str or None
            ``"title"``, ``"instructions"`` or ``"item 'ID'"``: the first place without text.

        Examples
        --------
        >>> load_instrument("relationship-satisfaction").missing_text("nl") is None
        True
        """
        if not str(self.title.get(lang, "")).strip():
            return "title"
        if self.instructions and not str(self.instructions.get(lang, "")).strip():
            return "instructions"
        for it in self.items:
            if not str(it.text.get(lang, "")).strip():
                return f"item {it.id!r}"
        return None

    def require_language(self, lang: str, name: str | None = None) -> Instrument:
        """The instrument itself when it has text in ``lang``, else an InstrumentError.

        A user's own instrument needs English text only; Dutch is needed when Dutch
        output is asked for (``--lang nl``) and in every shipped instrument.

        Parameters
        ----------
        lang : {"en", "nl"}
        name : str, optional
            File name for the message (default: the instrument id).

        Returns
        -------
        Instrument
            ``self``.

        Raises
        ------
        InstrumentError
            Some text is missing in ``lang``: one line naming where.

        Examples
        --------
        >>> load_instrument("relationship-satisfaction").require_language("nl").id
        'relationship-satisfaction'
        """
        where_ = self.missing_text(lang)
        if where_ is not None:
            names = {"en": "English", "nl": "Dutch"}
            raise InstrumentError(
                f"{name or self.id}: {where_} has no text in {lang}; add the "
                f"{names.get(lang, lang)} text ({lang}: ...) or ask for output in a language "
                "the instrument has"
            )
        return self

    def provenance_record(self) -> dict[str, Any]:
        """What a score needs to be traced back to the key that produced it."""
        from . import __version__

        return {
            "instrument": self.id,
            "version": self.version,
            "key_hash": self.key_hash,
            "dyadscore_version": __version__,
            "missing_rule": self.missing.model_dump(),
            "licence": self.provenance.licence,
        }


# --------------------------------------------------------------------- loading
def instrument_dirs() -> list[Path]:
    """Folders searched for shipped instruments, in order.

    ``$DYADSCORE_INSTRUMENTS`` (``os.pathsep``-separated) first, then the package data
    ``dyadscore/instrument_files`` of an installed wheel (read with :mod:`importlib.resources`,
    so ``pip install --target DIR`` works too), then a source checkout's top-level
    ``instruments/`` folder (the one place the files are edited; ``pyproject.toml`` maps it
    into the wheel).

    Returns
    -------
    list of pathlib.Path
        The folders that exist, first match wins for an instrument id.

    Examples
    --------
    >>> all(d.is_dir() for d in instrument_dirs())
    True
    >>> any((d / "responsiveness.yaml").is_file() for d in instrument_dirs())
    True
    """
    from importlib.resources import files

    dirs: list[Path] = []
    env = os.environ.get("DYADSCORE_INSTRUMENTS")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    packaged = files(__package__) / "instrument_files"
    if isinstance(packaged, Path):  # a zip import has no folder to glob; not supported
        dirs.append(packaged)
    dirs.append(Path(__file__).resolve().parents[2] / "instruments")
    return [d for d in dirs if d.is_dir()]


def _shipped_paths() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in instrument_dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return found


def list_instruments() -> list[str]:
    """Ids of the shipped instruments.

    Returns
    -------
    list of str
        Sorted ids, searched in :func:`instrument_dirs` (first folder wins).

    Examples
    --------
    >>> "responsiveness" in list_instruments()
    True
    """
    return sorted(_shipped_paths())


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of each mapping key."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort YAML line number for a pydantic error location."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(part):
                    line, nxt = k.start_mark.line + 1, v
                    break
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def parse_instrument(text: str, name: str | None = None) -> Instrument:
    """Parse and validate instrument YAML text.

    Parameters
    ----------
    text : str
        The YAML text of one instrument.
    name : str, optional
        The text's name in error messages (its file name); default the name set by
        :func:`dyadscore.errors.reading`, else ``<string>``.

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        One line naming ``name``, the YAML line and what is wrong.

    Examples
    --------
    >>> text = open(instrument_dirs()[0] / "felt-dependence.yaml", encoding="utf-8").read()
    >>> parse_instrument(text, "felt-dependence.yaml").id
    'felt-dependence'
    """
    name = input_name("<string>") if name is None else name
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{name}: line {mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstrumentError(f"{where}: malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise InstrumentError(f"{name}: expected a YAML mapping with id, items, subscales, ...")
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"]) or getattr(err.get("ctx", {}).get("error"), "loc", ())
        line = _line_of(text, loc)
        where = ".".join(str(p) for p in loc) or "instrument"
        msg = err["msg"].removeprefix("Value error, ")
        at = f"{name}: line {line}" if line else name
        raise InstrumentError(f"{at}: {where}: {msg}") from None


@lru_cache(maxsize=64)
def _load_path(path: str, mtime: float) -> Instrument:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InstrumentError(f"{path}: not UTF-8 text; save the instrument as UTF-8") from None
    return parse_instrument(text, name=str(path))


def load_instrument(spec: str | os.PathLike | Instrument) -> Instrument:
    """Load a shipped instrument by id, a YAML file by path, or pass an Instrument through.

    Parameters
    ----------
    spec : str, path or Instrument
        A shipped id (see :func:`list_instruments`), a path to a ``.yaml`` file, or an
        :class:`Instrument` (returned as is).

    Returns
    -------
    Instrument
        The validated instrument (files are cached by path and modification time).

    Raises
    ------
    InstrumentError
        Unknown id, missing file or a file that fails validation (naming the YAML line).

    Examples
    --------
    >>> load_instrument("attachment-short").subscales["anxiety"].method
    'mean'
    """
    if isinstance(spec, Instrument):
        return spec
    s = str(spec)
    p = Path(s)
    if p.is_dir():
        raise InstrumentError(f"{s}: is a folder; expected an instrument .yaml file or an id")
    if s.endswith((".yaml", ".yml")) or p.is_file():
        if not p.is_file():
            raise InstrumentError(f"{s}: instrument file not found")
        return _load_path(str(p.resolve()), p.stat().st_mtime)
    shipped = _shipped_paths()
    if s not in shipped:
        raise InstrumentError(
            f"unknown instrument id {s!r}; expected one of: {', '.join(sorted(shipped))} "
            "or a path to a .yaml file"
        )
    path = shipped[s]
    inst = _load_path(str(path), path.stat().st_mtime)
    for lang in LANGUAGES:  # shipped instruments are bilingual
        inst.require_language(lang, str(path))
    return inst


def load_instruments(specs) -> list[Instrument]:
    """Load one or several instruments (a single spec or an iterable of specs).

    Parameters
    ----------
    specs : id, path, Instrument or an iterable of them
        What :func:`load_instrument` accepts, once or several times.

    Returns
    -------
    list of Instrument
        In the order given.

    Examples
    --------
    >>> [i.id for i in load_instruments(["felt-dependence", "goal-progress"])]
    ['felt-dependence', 'goal-progress']
    """
    if isinstance(specs, str | os.PathLike | Instrument):
        specs = [specs]
    return [load_instrument(s) for s in specs]


# ----------------------------------------------------------------------- lint
def lint_instrument(path: str | os.PathLike) -> list[str]:
    """Validate a YAML file and return lint warnings (empty when clean).

    Errors (the file cannot be used) raise :class:`InstrumentError`; warnings are
    things that load but look wrong: an id that does not match the file name, items
    in no subscale, untranslated text (same in en and nl), a subscale with fewer
    than three items, no reverse-keyed item, missing references.

    Parameters
    ----------
    path : path
        The instrument's YAML file.

    Returns
    -------
    list of str
        One line per warning, each starting with the file name.

    Examples
    --------
    >>> lint_instrument(instrument_dirs()[0] / "relationship-satisfaction.yaml")
    []
    """
    p = Path(path)
    inst = load_instrument(p)
    warnings: list[str] = []
    if p.stem != inst.id:
        warnings.append(f"{p}: id {inst.id!r} does not match the file name {p.stem!r}")
    in_sub = {i for s in inst.subscales.values() for i in s.items}
    for it in inst.items:
        if it.id not in in_sub:
            warnings.append(f"{p}: item {it.id!r} belongs to no subscale")
        if it.text.get("nl") and it.text["en"].strip() == it.text["nl"].strip():
            warnings.append(f"{p}: item {it.id!r} has the same text in en and nl (untranslated?)")
    for name, sub in inst.subscales.items():
        if len(sub.items) < 3:
            warnings.append(
                f"{p}: subscale {name!r} has {len(sub.items)} item(s); reliability needs 3+"
            )
    gap = inst.missing_text("nl")
    if gap is not None:
        warnings.append(f"{p}: {gap} has no Dutch text (nl); Dutch output (--lang nl) needs it")
    for lang in LANGUAGES:
        if lang not in inst.response_scale.labels:
            warnings.append(f"{p}: response_scale has no labels in {lang}")
    if not inst.references:
        warnings.append(f"{p}: no references to the construct's literature")
    return warnings


def instrument_schema() -> dict[str, Any]:
    """JSON Schema of the instrument format (generated from the model).

    Returns
    -------
    dict
        The JSON Schema (``dyadscore instruments schema`` prints it).

    Examples
    --------
    >>> sorted(instrument_schema()["required"])[:3]
    ['construct', 'id', 'items']
    """
    return Instrument.model_json_schema()
