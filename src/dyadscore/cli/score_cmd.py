"""``dyadscore score``: batch-score questionnaire responses from a file."""

from __future__ import annotations

import argparse
import sys

from ._input import add_source_argument, resolve_source


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
    p.add_argument(
        "--map",
        dest="mapping",
        help="mapping YAML: 'export column: item id', or a full mapping (see 'dyadscore map')",
    )
    add_source_argument(p)
    p.add_argument("--person", help="person id column (default: 'person')")
    p.add_argument(
        "-o", "--out", help="output file (.csv, .json, .parquet, .sav, .dta) or '-' for stdout"
    )
    p.add_argument(
        "--format", choices=["csv", "json", "parquet", "spss", "stata"], help="output format"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--allow-between-points",
        action="store_true",
        help="accept answers between the points of the response scale (e.g. 3.5 on 1-7)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..columns import present_instruments
    from ..errors import InputError
    from ..io import read_mapping, read_table, write_table
    from ..scoring import score

    args.source, parsed, own = resolve_source(args, strict=args.person is None)
    if own and _streamable(args):
        from ..batch import score_csv

        meta = score_csv(
            args.data,
            args.instrument,
            args.out,
            person=args.person,
            mapping=args.mapping,
            force=args.force,
            allow_between_points=args.allow_between_points,
        )
        print(f"scored {len(meta['codebook'])} subscales -> {args.out}", file=sys.stderr)
        return 0
    mapping = args.mapping
    if own:
        data = read_table(args.data, arrow=args.source == "csv")
        data.attrs["source"] = args.data
    else:
        from ..formats import read_responses

        data = read_responses(args.data, args.source, parsed, instruments=args.instrument)
        mapping = None
    instruments = (
        args.instrument
        or (parsed.instruments if parsed is not None else None)  # the mapping's instruments:
        or present_instruments(data, read_mapping(mapping))
    )
    if not instruments:
        raise InputError(
            f"{args.data}: no shipped instrument has all its item columns here; "
            "name one with --instrument or map the columns with --map"
        )
    out = score(
        data,
        instruments,
        person=args.person,
        mapping=mapping,
        source=args.data,
        allow_between_points=args.allow_between_points,
    )
    if args.out and (
        args.format in ("spss", "stata") or args.out.lower().endswith((".sav", ".zsav", ".dta"))
    ):
        from ..formats.writers import write_scores

        paths = write_scores(out, args.out, fmt=args.format, force=args.force)
        print(f"scored {len(out)} rows -> {', '.join(map(str, paths))}", file=sys.stderr)
        return 0
    if args.out:
        meta = {"provenance": out.attrs["provenance"], "codebook": out.attrs["codebook"]}
        if out.attrs.get("renamed"):
            meta["renamed"] = out.attrs["renamed"]
        write_table(
            out, args.out, force=args.force, fmt=args.format, meta=meta if args.out != "-" else None
        )
        if args.out != "-":
            print(
                f"scored {len(out)} rows on {len(out.attrs['codebook'])} subscales -> {args.out}",
                file=sys.stderr,
            )
        return 0
    print(summary(out))
    return 0


def _streamable(args: argparse.Namespace) -> bool:
    """CSV to CSV with named instruments: score in record batches (see dyadscore.batch)."""
    return bool(
        args.instrument
        and args.out
        and args.out != "-"
        and args.data.lower().endswith(".csv")
        and args.out.lower().endswith(".csv")
        and args.format in (None, "csv")
    )


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
