"""The one bilingual string catalogue: every sentence dyadscore shows a partner, a coach or a
researcher in English or Dutch.

The strings are data, like the instruments: one YAML file per part of the program under
``dyadscore/strings/`` (``administer.yaml`` for the terminal and web form, ``report.yaml`` for
the couple report, ``paradox.yaml`` for the paradox summaries, ``instruments.yaml`` for
``dyadscore instruments show``, ``figures.yaml`` for plots and effect tables, and
``apimem.yaml``, ``cfa.yaml``, ``diary.yaml``, ``overtime.yaml`` and ``reliability.yaml`` for
the summaries of the models), each a mapping
``key: {en: ..., nl: ...}``. A key is looked up as ``"<file>.<key>"``. Translators edit the YAML;
code calls :func:`text`.

Examples
--------
>>> text("administer.progress", "nl", i=12, n=48)
'vraag 12 van 48'
>>> check_lang("nl")
'nl'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache

from .errors import InputError

LANGS = ("en", "nl")


@cache
def _part(name: str) -> dict[str, dict[str, str]]:
    from importlib import resources

    import yaml

    raw = resources.files("dyadscore").joinpath("strings", f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(raw) or {}


def entry(key: str) -> dict[str, str]:
    """Every language's text of ``key`` (``"<file>.<key>"``).

    Parameters
    ----------
    key : str
        ``"administer.progress"``, ``"report.title"``, ...

    Returns
    -------
    dict
        ``{"en": ..., "nl": ...}``.

    Examples
    --------
    >>> sorted(entry("administer.progress"))
    ['en', 'nl']
    """
    part, _, name = key.partition(".")
    return _part(part)[name]


class Texts(Mapping):
    """All texts of one part in one language: ``Texts("diary")["nl"]["title"]``.

    For modules that fill a whole summary from one part (the model summaries); loaded when
    first indexed. A text may itself be a mapping (the names of a model's effects).

    Parameters
    ----------
    part : str
        The YAML file under ``dyadscore/strings/`` (without ``.yaml``).

    Examples
    --------
    >>> Texts("administer")["nl"]["progress"]
    'vraag {i} van {n}'
    >>> sorted(Texts("administer"))
    ['en', 'nl']
    """

    def __init__(self, part: str) -> None:
        self.part = part

    def __getitem__(self, lang: str) -> dict:
        if lang not in LANGS:
            raise KeyError(lang)
        return {key: entry[lang] for key, entry in _part(self.part).items()}

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)


def text(key: str, lang: str = "en", /, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` with the ``{placeholders}`` filled from ``fmt``.

    Parameters
    ----------
    key : str
        ``"<file>.<key>"``, for example ``"administer.progress"``.
    lang : {"en", "nl"}
        Language of the text.
    **fmt
        Values for the placeholders.

    Returns
    -------
    str
        The filled-in text.

    Examples
    --------
    >>> text("administer.progress", "en", i=1, n=2)
    'item 1 of 2'
    """
    return entry(key)[lang].format(**fmt)


def check_lang(lang: str) -> str:
    """Validate a language code.

    Parameters
    ----------
    lang : str
        The code to check.

    Returns
    -------
    str
        ``lang`` when it is one of :data:`LANGS`.

    Examples
    --------
    >>> check_lang("en")
    'en'
    """
    if lang not in LANGS:
        raise InputError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang
