"""``dyadscore map``: suggest a mapping from an export's questions to instrument items.

Match the columns of a Qualtrics, REDCap, LimeSurvey, SurveyJS, formr, SPSS or Stata export
with the items of the named instruments by their question text (English or Dutch) or names, and
print (or save) a mapping YAML to check and pass to 'dyadscore score --map'.
"""

from __future__ import annotations

import argparse
import sys

from . import _args, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "map", __doc__, run)
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = msub.add_parser("suggest", help="propose a mapping YAML")
    s.add_argument("export", help="the platform's export file")
    _args.add_instrument_arguments(s, required=True)
    _args.add_source_argument(s)
    s.add_argument(
        "--cutoff",
        type=float,
        default=0.6,
        help="lowest text similarity to accept (0-1, default 0.6)",
    )
    _output.add_output_arguments(s, out="write the YAML to FILE instead of printing it")


def run(args: argparse.Namespace) -> int:
    from ..formats import mapping_yaml, suggest_mapping
    from ._output import emit

    if args.source == "auto":
        from ..formats import _check_separator

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
