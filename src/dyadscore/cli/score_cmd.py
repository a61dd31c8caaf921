"""``dyadscore score``: score questionnaire responses (CSV, Excel, Parquet, JSON).

Score every person in DATA on one or more instruments. Without --instrument, every shipped
instrument whose items are all present is scored. Without --out, prints a short summary;
'--out -' writes CSV to standard output.
"""

from __future__ import annotations

import argparse
import sys

from . import _args, _output
from ._input import check_source


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "score", __doc__, run)
    p.add_argument(
        "data", help="responses file (wide: one row per person; or long: person,item,value)"
    )
    _args.add_instrument_arguments(p, purpose="; default: all whose items are present")
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _args.add_id_arguments(p, "person")
    _output.add_output_arguments(
        p, out="output file (.csv, .json, .parquet, .sav, .dta) or '-' for stdout"
    )
    formats = ["csv", "json", "parquet", "spss", "stata"]
    p.add_argument("--format", dest="fmt", choices=formats, help="output format")
    p.add_argument(
        "--allow-between-points",
        action="store_true",
        help="accept answers between the points of the response scale (e.g. 3.5 on 1-7)",
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
    lines = [f"Scored {len(out)} rows ({out.attrs.get('file', 'data')})", ""]
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
