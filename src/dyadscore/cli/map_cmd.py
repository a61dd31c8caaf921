"""``dyadscore map suggest``: propose a mapping file for a survey-platform export."""

from __future__ import annotations

import argparse
import sys

from ._input import add_source_argument


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
    s.add_argument(
        "-i",
        "--instrument",
        action="append",
        required=True,
        help="instrument id or YAML (repeatable)",
    )
    add_source_argument(s)
    s.add_argument(
        "--cutoff",
        type=float,
        default=0.6,
        help="lowest text similarity to accept (0-1, default 0.6)",
    )
    s.add_argument("-o", "--out", help="write the YAML here instead of printing it")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..formats import mapping_yaml, suggest_mapping
    from ..io import write_text

    if args.source == "auto":
        from ..formats import _check_separator

        _check_separator(args.export)
    suggestion = suggest_mapping(
        args.export, args.instrument, source=args.source, cutoff=args.cutoff
    )
    text = mapping_yaml(suggestion)
    if args.out and args.out != "-":
        write_text(text, args.out, force=args.force)
        n, total = (
            len(suggestion["columns"]),
            len(suggestion["columns"]) + len(suggestion["unmatched"]),
        )
        print(f"matched {n} of {total} items -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
