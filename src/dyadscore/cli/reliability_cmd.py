"""``dyadscore reliability``: alpha, omega and item analysis of instrument subscales."""

from __future__ import annotations

import argparse

from ._input import add_source_argument, read_scorable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reliability",
        help="reliability (alpha, omega, item-total r) of instrument subscales",
        description="Cronbach's alpha (Feldt CI), standardised alpha, McDonald's omega total, "
        "SEM and item statistics for every subscale of the named instruments, overall and "
        "per group (--by). Warns about likely mis-keyed items and items without variance. "
        "Prints a table; --json prints everything as JSON; --out saves it atomically.",
    )
    p.add_argument("data", help="item responses (CSV, Excel, Parquet, JSON; wide or long)")
    p.add_argument(
        "-i",
        "--instrument",
        action="append",
        required=True,
        help="instrument id or YAML path (repeatable)",
    )
    p.add_argument("--by", help="group column, e.g. role (results per group and overall)")
    p.add_argument("--map", dest="mapping", help="mapping YAML (see 'dyadscore map')")
    add_source_argument(p)
    p.add_argument(
        "--use",
        choices=["pairwise", "listwise"],
        default="pairwise",
        help="missing answers: pairwise-complete covariances (default) or complete cases",
    )
    p.add_argument("--ci", type=float, default=0.95, help="level of the alpha CI (default 0.95)")
    p.add_argument("--items", action="store_true", help="also print the item statistics")
    p.add_argument("--lang", choices=["en", "nl"], default="en", help="summary language")
    p.add_argument("--json", action="store_true", help="print (or save) the results as JSON")
    p.add_argument("-o", "--out", help="save the output to this file instead of printing it")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    change = p.add_argument_group(
        "reliable change (--change)",
        "Jacobson & Truax reliable change index between two waves of the same persons, with "
        "alpha and SD of the first wave (per group with --by). Prints counts per category; "
        "-o/--out saves the per-person table (CSV, JSON, Parquet or Excel by extension).",
    )
    change.add_argument(
        "--change", action="store_true", help="reliable change index between two waves"
    )
    change.add_argument(
        "--waves",
        nargs=2,
        default=["1", "2"],
        metavar=("FIRST", "SECOND"),
        help="the two waves (values of the wave column; default 1 2)",
    )
    change.add_argument("--wave-column", default="wave", help="wave column (default wave)")
    change.add_argument("--person", help="person id column (default: person, id, ...)")
    change.add_argument(
        "--method",
        choices=["jt", "maassen"],
        default="jt",
        help="S_diff: jt = sqrt(2) SD1 sqrt(1-alpha) (default); maassen uses SD of both waves",
    )
    change.add_argument(
        "--z", type=float, default=1.96, help="critical |RCI| (default 1.96; 1.645 one-sided)"
    )
    p.add_argument(
        "--allow-between-points",
        action="store_true",
        help="accept answers between the points of the response scale (e.g. 3.5 on 1-7)",
    )
    p.set_defaults(run=run)


def _read(args: argparse.Namespace):
    """(data, mapping still to apply): own tables as before, platform exports via formats."""
    return read_scorable(args, strict=False, instruments=args.instrument)


def run(args: argparse.Namespace) -> int:
    import json

    from ..psychometrics import reliability
    from ._output import emit

    if args.change:
        return _run_change(args)
    data, mapping = _read(args)
    res = reliability(
        data,
        args.instrument,
        by=args.by,
        use=args.use,
        mapping=mapping,
        source=args.data,
        ci=args.ci,
        allow_between_points=args.allow_between_points,
    )
    as_json = args.json or (args.out or "").lower().endswith(".json")
    text = (
        json.dumps(res.to_dict(), indent=2, ensure_ascii=False)
        if as_json
        else res.summary(lang=args.lang, items=args.items)
    )
    emit(text, args.out, force=args.force)
    return 0


def _run_change(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..io import write_table
    from ..psychometrics import reliable_change_between_waves, reliable_change_summary

    if args.json or args.items:
        raise InputError("--json and --items do not apply with --change; use -o FILE.json")
    data, mapping = _read(args)
    table = reliable_change_between_waves(
        data,
        args.instrument,
        waves=args.waves,
        person=args.person,
        wave=args.wave_column,
        by=args.by,
        method=args.method,
        z=args.z,
        mapping=mapping,
        source=args.data,
    )
    if args.out:  # atomic; refuses an existing file without --force
        write_table(table, args.out, force=args.force)
    if args.out != "-":  # "-": the per-person table (CSV) on stdout instead of the summary
        print(_change_text(table, reliable_change_summary(table), args))
    return 0


def _change_text(table, summary, args: argparse.Namespace) -> str:
    method = "Jacobson & Truax" if args.method == "jt" else "Maassen"
    per = f" per {args.by}" if args.by else ""
    lines = [
        f"Reliable change, wave {args.waves[0]} -> {args.waves[1]} ({method}; |RCI| > "
        f"{args.z:g}; alpha and SD of wave {args.waves[0]}{per})",
        summary.to_string(index=False, float_format=lambda v: f"{v:.2f}"),
    ]
    warnings = table.attrs.get("warnings", [])
    if warnings:
        lines += ["", f"Warnings ({len(warnings)}):", *[f"  - {w}" for w in warnings]]
    return "\n".join(lines)
