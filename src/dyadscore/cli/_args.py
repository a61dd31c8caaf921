"""The one vocabulary of command-line arguments: every shared group is declared here, once.

A flag means the same in every command that takes it, with the same default and help text
(the glossary: ``docs/guides/glossary.md``). A command's ``register`` picks the groups it needs;
its own arguments stay in its module. Output flags (``-o/--out``, ``--json``, ``--json-out``,
``--html``, ``--plot``, ``--force``) are declared by :func:`dyadscore.cli._output.add_output_arguments`.

An old spelling kept for one release (:func:`add_renamed`) works as before and is noted on
stderr once the command has succeeded (``dyadscore: warning: --sided is deprecated; ...``), so
that an error stays one line.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_id_arguments(p, "dyad", "person", "role", role="role")
>>> vars(p.parse_args([]))
{'dyad': 'couple', 'person': None, 'role': 'role'}
>>> add_renamed(p, "--couple-column", "dyad", "--dyad")
>>> args = p.parse_args(["--couple-column", "pair"])
>>> args.dyad, args.deprecated
('pair', ['--couple-column is deprecated; use --dyad'])
"""

from __future__ import annotations

import argparse
from typing import Any

from ..catalogue import LANGS
from ..sources import SOURCES

#: Defaults of the id-column flags: the same as the API's (``dyad="couple"``, ``person``
#: detected from the :mod:`dyadscore.columns` vocabulary). A command may give ``role``,
#: ``wave`` or ``time`` another default where its data have no such column by default.
ID_DEFAULTS: dict[str, str | None] = {
    "dyad": "couple",
    "person": None,
    "role": None,
    "wave": "wave",
    "time": "day",
}

_ID_HELP = {
    "dyad": "couple (dyad) id column",
    "person": "person id column",
    "role": "partner role column of distinguishable partners",
    "wave": "wave column of data with one row per person per wave",
    "time": "day (time) column of diary data",
}
_NONE = {
    "person": "detected (person, id, ...)",
    "role": "none: indistinguishable partners",
    "wave": "none: one wave",
}


def add_id_arguments(p: argparse.ArgumentParser, *names: str, **defaults: str | None) -> None:
    """Add the id-column flags ``--dyad``, ``--person``, ``--role``, ``--wave``, ``--time``.

    Each names a column of DATA. ``defaults`` overrides :data:`ID_DEFAULTS` for a command
    whose data differ (``role="role"`` where the role column is expected).
    """
    for name in names:
        default = defaults.get(name, ID_DEFAULTS[name])
        shown = default if default is not None else _NONE[name]
        p.add_argument(
            f"--{name}",
            default=default,
            metavar="COLUMN",
            help=f"{_ID_HELP[name]} (default: {shown})",
        )


def add_indistinguishable_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--indistinguishable`` (one set of effects for both partners; ``--role`` unused)."""
    p.add_argument(
        "--indistinguishable",
        action="store_true",
        help="indistinguishable partners: one set of effects for both, --role is not used",
    )


def add_lang_argument(p: argparse.ArgumentParser, what: str = "the text") -> None:
    """Add ``--lang en|nl`` (the language of every text a user reads)."""
    p.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help=f"language of {what}: en (default) or nl",
    )


def add_instrument_arguments(
    p: argparse.ArgumentParser, *, required: bool = False, purpose: str = ""
) -> None:
    """Add ``-i/--instrument ID`` (repeatable: an instrument id or a YAML path)."""
    p.add_argument(
        "-i",
        "--instrument",
        action="append",
        required=required,
        metavar="ID",
        help=f"instrument id or YAML path (repeatable){purpose}",
    )


#: ``purpose`` of :func:`add_instrument_arguments` for commands that score named subscales.
SCORED_FIRST = (
    ": its subscales, when named, are scored from the items first (shipped instruments are "
    "found without it)"
)


def add_fit_arguments(p: argparse.ArgumentParser, *, sem: bool = False) -> None:
    """Add ``--ml`` (and ``--sem``): the fitting method of a model (default REML)."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--ml", action="store_true", help="ML instead of REML (nlme conventions)")
    if sem:
        group.add_argument("--sem", action="store_true", help="ML with SEM/lavaan SEs and z tests")


def fit_method(args: argparse.Namespace) -> str:
    """``"sem"``, ``"ML"`` or ``"REML"`` (the API's ``method``) from ``--sem``/``--ml``.

    Examples
    --------
    >>> fit_method(argparse.Namespace(ml=True))
    'ML'
    """
    if getattr(args, "sem", False):
        return "sem"
    return "ML" if args.ml else "REML"


def add_effect_arguments(p: argparse.ArgumentParser) -> None:
    """Add the planted APIM of ``simulate`` and ``power``: actor and partner effects, the
    partners' predictor and residual correlations."""
    p.add_argument("--actor", type=float, default=0.3, help="actor effect (default .3)")
    p.add_argument("--partner", type=float, default=0.1, help="partner effect (default .1)")
    p.add_argument("--r-x", type=float, default=0.3, help="partners' predictor correlation")
    p.add_argument("--r-e", type=float, default=0.3, help="partners' residual correlation")


#: The flags of :func:`add_effect_arguments` (API names), for :func:`from_args`.
EFFECTS = "actor partner r_x r_e"


def add_alternative_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--alternative greater|less|two-sided`` (scipy's ``alternative`` of one test;
    default: one-sided in the direction of the assumed effect) and its old spellings
    ``--sided one|two`` and ``--direction one-sided|two-sided``."""
    p.add_argument(
        "--alternative",
        choices=["greater", "less", "two-sided"],
        help="the test's alternative hypothesis: greater (effect > 0), less (effect < 0) or "
        "two-sided (default: one-sided in the direction of the assumed effect)",
    )
    for old, values in (
        ("--sided", {"one": None, "two": "two-sided"}),
        ("--direction", {"one-sided": None, "two-sided": "two-sided"}),
    ):
        add_renamed(p, old, "alternative", "--alternative", choices=[*values], values=values)


def add_session_arguments(p: argparse.ArgumentParser, *, couples: bool = False) -> None:
    """Add what the commands that fill an answer database share: ``--db``, ``--couple``
    (one code, or several with ``couples``), ``--wave N``, ``--battery`` and ``--lang``."""
    add_db_argument(p, create=True)
    p.add_argument(
        "--couple",
        required=True,
        nargs="+" if couples else None,
        help="couple code(s), e.g. c01" if couples else "couple code, e.g. c01",
    )
    p.add_argument("--wave", type=int, default=1, help="measurement wave number (default 1)")
    p.add_argument(
        "--battery",
        default="intake",
        help="battery name (intake, followup) or comma-separated instrument ids/YAML paths",
    )
    add_lang_argument(p, "the questions and pages")


def add_db_argument(p: argparse.ArgumentParser, *, create: bool = False) -> None:
    """Add ``--db PATH`` (the answer database)."""
    p.add_argument(
        "--db",
        required=True,
        help="answer database" + (" (created, owner-only, if missing)" if create else ""),
    )


class _Renamed(argparse.Action):
    """An old spelling kept for one release: stores into the new flag's ``dest`` (through
    ``values``, a mapping of old to new values, when given) and notes the deprecation."""

    def __init__(self, option_strings, dest, new: str, values: dict | None = None, **kw):
        self.new, self.values = new, values or {}
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, value, option_string=None):
        if self.nargs == 0:  # an old flag
            value = self.const
        setattr(namespace, self.dest, self.values.get(value, value))
        note_deprecated(namespace, f"{option_string} is deprecated; use {self.new}")


def add_renamed(p: Any, old: str, dest: str, new: str, **kw: Any) -> None:
    """Keep ``old`` working for one release as a hidden synonym of the flag ``new``
    (whose ``dest`` is ``dest``); ``kw`` as for ``add_argument`` (``choices``, ``nargs``,
    ``values`` to map old values to new ones)."""
    p.add_argument(old, dest=dest, action=_Renamed, new=new, help=argparse.SUPPRESS, **kw)
    # the new flag's default stands: the hidden synonym sets nothing unless it is given
    p._option_string_actions[old].default = argparse.SUPPRESS


def note_deprecated(namespace: argparse.Namespace, message: str) -> None:
    """Record a deprecation note; :func:`dyadscore.cli.main` prints it after a successful run."""
    notes = getattr(namespace, "deprecated", None) or []
    if message not in notes:
        notes.append(message)
    namespace.deprecated = notes


def add_drop_singles_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--drop-singles`` (leave out persons whose partner is not in the data)."""
    what = "leave out persons whose partner is not in the data (reported) instead of stopping"
    p.add_argument("--drop-singles", action="store_true", help=what)


def add_roles_argument(p: argparse.ArgumentParser, default: list[str] | None = None) -> None:
    """Add ``--roles FIRST SECOND``: the two role labels, member 1 first."""
    shown = " ".join(default) if default else "sorted labels or column suffixes"
    p.add_argument(
        "--roles",
        nargs=2,
        default=default,
        metavar=("FIRST", "SECOND"),
        help=f"the two role labels, member 1 first (default: {shown})",
    )


#: The help of ``-o/--out`` for a command whose output is a table.
TABLE_OUT = "save the table to FILE (.csv, .json, .parquet, .xlsx, .sav, .dta); default: print it"


def add_command(sub: Any, name: str, doc: str | None, run: Any = None) -> argparse.ArgumentParser:
    """Add the subcommand ``name``, done by ``run(args)``, from its module's docstring ``doc``:
    the title line ``"``dyadscore NAME``: HELP."`` gives the one-line help, the rest the
    ``--help`` text.

    Examples
    --------
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> doc = "``dyadscore x``: do x." + chr(10) * 2 + "What x does," + chr(10) + "in two lines."
    >>> p = add_command(sub, "x", doc)
    >>> p.description, sub.choices["x"] is p
    ('What x does, in two lines.', True)
    """
    title, _, body = (doc or "").partition("\n\n")
    help = title.partition(": ")[2].strip().removesuffix(".")
    p = sub.add_parser(name, help=help, description=" ".join(body.split()) or None)
    p.set_defaults(run=run)
    return p


def add_choices(p: Any, **flags: tuple[str, str]) -> None:
    """Add flags that take one of a few words: ``name=("a|b", help)`` adds ``--name`` with
    the choices ``a`` and ``b``, the first the default (``_`` in ``name`` becomes ``-``).

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_choices(p, df_method=("residual|satterthwaite", "degrees of freedom"))
    >>> p.parse_args([]).df_method
    'residual'
    """
    for name, (words, help) in flags.items():
        choices = words.split("|")
        flag = "--" + name.replace("_", "-")
        p.add_argument(flag, choices=choices, default=choices[0], help=help)


def from_args(args: argparse.Namespace, names: str, **renamed: str) -> dict[str, Any]:
    """The API's keyword arguments from the flags of the same name (``names``, separated by
    spaces) or of another name (``renamed``: API name = the flag's ``dest``), so that a
    command passes its flags on by name; ``covariates="covariate"`` passes ``--covariate``.

    Examples
    --------
    >>> ns = argparse.Namespace(dyad="couple", seed=1, covariate=["age"])
    >>> from_args(ns, "dyad seed", covariates="covariate")
    {'dyad': 'couple', 'seed': 1, 'covariates': ['age']}
    """
    out = {name: getattr(args, name) for name in names.split()}
    out.update({name: getattr(args, attr) for name, attr in renamed.items()})
    return out


# ------------------------------------------------------------ reading DATA
def add_source_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--source`` (platform of the export; detected by default)."""
    parser.add_argument(
        "--source",
        default="auto",
        metavar="SOURCE",
        help="where the data come from (default: detect): a survey platform, SPSS/Stata, or our "
        f"own table; one of {', '.join(SOURCES)}",
    )


def add_map_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--map`` (mapping YAML from an export's columns to items and id columns)."""
    parser.add_argument(
        "--map",
        dest="mapping",
        help="mapping YAML: 'export column: item id', or a full mapping (see 'dyadscore map')",
    )


def add_missing_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--missing-codes`` (cell values of a score file that mean "no answer")."""
    parser.add_argument(
        "--missing-codes",
        nargs="+",
        default=[],
        metavar="CODE",
        help="values that mean 'no answer' in the data columns, e.g. -99 -999 . "
        "(a mapping's 'missing:' list applies too)",
    )


def add_resampling_arguments(parser: argparse.ArgumentParser, ci_of: str) -> None:
    """Add ``--bootstrap N``, ``--seed`` and ``--drop-singles`` (couple-level model fits).

    ``ci_of`` completes the help text "bootstrap resamples of couples for ...".
    """
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help=f"bootstrap resamples of couples for {ci_of} (e.g. 2000)",
    )
    parser.add_argument("--seed", type=int, help="random seed of the bootstrap")
    add_drop_singles_argument(parser)
