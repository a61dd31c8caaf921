"""``dyadscore convert``: save a score table for SPSS (.sav), Stata (.dta), R (.csv) or Parquet.

Convert a score table (or a dyadic table made from one) to SPSS .sav with variable and value
labels, Stata .dta, R-friendly CSV or Parquet, and write a codebook (<file>.codebook.md and
.csv) beside it. Labels and instrument versions come from the <input>.meta.json that 'dyadscore
score --out' writes, or from --instrument.
"""

from __future__ import annotations

import argparse
import sys

from . import _args, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "convert", __doc__, run)
    p.add_argument("data", help="score table (CSV, Excel, Parquet, JSON, .sav or .dta)")
    p.add_argument("--format", choices=["spss", "stata", "csv", "parquet"], help="output format")
    _args.add_instrument_arguments(
        p, purpose="; the instruments the scores came from, for labels (default: the .meta.json)"
    )
    p.add_argument("--no-codebook", action="store_true", help="do not write the codebook files")
    _output.add_output_arguments(
        p, out="output file: .sav, .dta, .csv or .parquet", out_required=True
    )


def run(args: argparse.Namespace) -> int:
    from ..formats import read_raw
    from ..formats.writers import load_meta, write_scores

    data = read_raw(args.data, source=_source(args.data))
    meta = load_meta(args.data)
    if args.instrument:
        from ..instruments import load_instruments
        from ..scoring import codebook

        insts = load_instruments(args.instrument)
        meta = {
            "provenance": [i.provenance_record() for i in insts],
            "codebook": codebook(insts),
        }
    data.attrs.update({k: v for k, v in meta.items() if k in ("provenance", "codebook")})
    data.attrs["file"] = args.data
    paths = write_scores(
        data, args.out, fmt=args.format, force=args.force, codebook=not args.no_codebook
    )
    print(f"wrote {len(data)} rows -> {', '.join(map(str, paths))}", file=sys.stderr)
    return 0


def _source(path: str) -> str:
    """The file type by the one detection (``dyadscore.formats.detect_source``).

    A score table is read as it is: a CSV that happens to carry a platform's columns is
    still read as a plain CSV.
    """
    from ..formats import detect_source

    found = detect_source(path, strict=False)
    return found if found in ("spss", "stata", "excel", "parquet", "json") else "csv"
