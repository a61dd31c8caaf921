"""``dyadscore map suggest``: propose a mapping file for a survey-platform export."""

from __future__ import annotations

import argparse
import sys

from ._args import add_instrument_arguments
from ._input import add_source_argument
from ._output import add_output_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "map",
        help="suggest a mapping from an export's questions to instrument items",
        description="Match the columns of a Qualtrics, REDCap, LimeSurvey, SurveyJS, formr, "
        "SPSS or Stata export with the items of the named instruments by their question "
        "text (English or Dutch) or names, and print (or save) a mapping YAML to check and "
        "pass to 'dyadscore score --map'.",
    )
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = msub.add_parser("suggest", help="propose a mapping YAML")
    s.add_argument("export", help="the platform's export file")
    add_instrument_arguments(s, required=True)
    add_source_argument(s)
    s.add_argument(
        "--cutoff",
        type=float,
        default=0.6,
        help="lowest text similarity to accept (0-1, default 0.6)",
    )
    add_output_arguments(s, out="write the YAML to FILE instead of printing it")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..formats import mapping_yaml, suggest_mapping
    from ._output import emit

    if args.source == "auto":
        from ._input import _check_separator

        _check_separator(args.export)
    suggestion = suggest_mapping(
        args.export, args.instrument, source=args.source, cutoff=args.cutoff
    )
    if emit(mapping_yaml(suggestion), args.out, force=args.force, newline=False):
        n, total = (
            len(suggestion["columns"]),
            len(suggestion["columns"]) + len(suggestion["unmatched"]),
        )
        print(f"matched {n} of {total} items -> {args.out}", file=sys.stderr)
    return 0
