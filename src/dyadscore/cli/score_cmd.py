"""``dyadscore score``: batch-score questionnaire responses from a file."""

from __future__ import annotations

import argparse
import sys

from ._input import add_map_argument, add_source_argument, check_source


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score questionnaire responses (CSV, Excel, Parquet, JSON)",
        description="Score every person in DATA on one or more instruments. Without "
        "--instrument, every shipped instrument whose items are all present is scored. "
        "Without --out, prints a short summary; '--out -' writes CSV to standard output.",
    )
    p.add_argument(
        "data", help="responses file (wide: one row per person; or long: person,item,value)"
    )
    p.add_argument(
        "-i",
        "--instrument",
        action="append",
        help="instrument id or YAML path (repeatable; default: all whose items are present)",
    )
    add_map_argument(p)
    add_source_argument(p)
    p.add_argument("--person", help="person id column (default: 'person')")
    p.add_argument(
        "-o", "--out", help="output file (.csv, .json, .parquet, .sav, .dta) or '-' for stdout"
    )
    formats = ["csv", "json", "parquet", "spss", "stata"]
    p.add_argument("--format", dest="fmt", choices=formats, help="output format")
    for flag, text in SWITCHES:
        p.add_argument(flag, action="store_true", help=text)
    p.set_defaults(run=run)


SWITCHES = (
    ("--force", "overwrite an existing output file"),
    (
        "--allow-between-points",
        "accept answers between the points of the response scale (e.g. 3.5 on 1-7)",
    ),
)
#: the options passed on to dyadscore.score_file under their own names
OPTIONS = ("mapping", "source", "person", "fmt", "force", "allow_between_points")


def run(args: argparse.Namespace) -> int:
    from ..batch import score_file

    check_source(args.source)
    res = score_file(args.data, args.instrument, args.out, **{k: getattr(args, k) for k in OPTIONS})
    if args.out is None:
        print(summary(res))
    elif args.out != "-":
        print(
            f"scored {res['rows']} rows on {len(res['codebook'])} subscales -> {args.out} "
            f"(codebook: {args.out}.codebook.md)",
            file=sys.stderr,
        )
    return 0


def summary(out) -> str:
    """Readable per-subscale summary of a score table."""
    lines = [f"Scored {len(out)} rows ({out.attrs.get('source', 'data')})", ""]
    head = f"{'subscale':<26}{'instrument':<28}{'n':>6}{'mean':>7}{'sd':>6}{'min':>6}{'max':>6}{'prorated':>10}{'missing':>9}"
    lines.append(head)
    lines.append("-" * len(head))
    for rec in out.attrs["codebook"]:
        v = out[rec["variable"]]
        flags = out[rec["flag_column"]]
        lines.append(
            f"{rec['variable']:<26}{rec['instrument']:<28}{v.notna().sum():>6}{v.mean():>7.2f}"
            f"{v.std():>6.2f}{v.min():>6.2f}{v.max():>6.2f}{(flags == 'prorated').sum():>10}"
            f"{(flags == 'missing').sum():>9}"
        )
    prov = out.attrs["provenance"]
    lines.append("")
    lines.append(
        "Keys: " + "; ".join(f"{p['instrument']} v{p['version']} #{p['key_hash']}" for p in prov)
    )
    lines.append("Use --out scores.csv to save one row per person (with _n and _flag columns).")
    return "\n".join(lines)
