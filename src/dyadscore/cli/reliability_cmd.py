"""``dyadscore reliability``: reliability (alpha, omega, item-total r) of instrument subscales.

Cronbach's alpha (Feldt CI), standardised alpha, McDonald's omega total, SEM and item
statistics for every subscale of the named instruments, overall and per group (--by). Warns
about likely mis-keyed items and items without variance. Prints a table; --json prints
everything as JSON; --out saves it atomically.
"""

from __future__ import annotations

import argparse

from . import _args, _input, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "reliability", __doc__, run)
    p.add_argument("data", help="item responses (CSV, Excel, Parquet, JSON; wide or long)")
    _args.add_instrument_arguments(p, required=True)
    p.add_argument("--by", help="group column, e.g. role (results per group and overall)")
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _args.add_choices(
        p, use=("pairwise|listwise", "missing answers: pairwise-complete (default) or listwise")
    )
    p.add_argument("--ci", type=float, default=0.95, help="level of the alpha CI (default 0.95)")
    p.add_argument("--item-stats", action="store_true", help="also print the item statistics")
    _args.add_renamed(p, "--items", "item_stats", "--item-stats", nargs=0, const=True)
    p.add_argument(
        "--allow-between-points",
        action="store_true",
        help="accept answers between the points of the response scale (e.g. 3.5 on 1-7)",
    )
    _args.add_lang_argument(p, "the summary")
    _output.add_output_arguments(p, json=True)
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
    _args.add_id_arguments(change, "wave", "person")
    _args.add_renamed(change, "--wave-column", "wave", "--wave")
    _args.add_choices(
        change, method=("jt|maassen", "S_diff: jt = sqrt(2) SD1 sqrt(1-alpha) (default); maassen")
    )
    change.add_argument(
        "--z", type=float, default=1.96, help="critical |RCI| (default 1.96; 1.645 one-sided)"
    )


def _read(args: argparse.Namespace):
    """(data, mapping still to apply): own tables as before, platform exports via formats."""
    return _input.read_scorable(args, strict=False, instruments=args.instrument)


def run(args: argparse.Namespace) -> int:
    from ..psychometrics import reliability
    from ._output import check_output_args, emit_report

    check_output_args(args)
    if args.change:
        return _run_change(args)
    data, mapping = _read(args)
    res = reliability(
        data,
        args.instrument,
        **_args.from_args(args, "by use ci allow_between_points"),
        mapping=mapping,
    )
    emit_report(args, res, lambda: res.summary(lang=args.lang, items=args.item_stats))
    return 0


def _run_change(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..psychometrics import reliable_change_between_waves, reliable_change_summary
    from ._output import save_table

    if args.json or args.json_out or args.item_stats:
        raise InputError("--json and --item-stats do not apply with --change; use -o FILE.json")
    data, mapping = _read(args)
    table = reliable_change_between_waves(
        data,
        args.instrument,
        **_args.from_args(args, "waves person wave by method z"),
        mapping=mapping,
    )
    if args.out:  # atomic; refuses an existing file without --force
        save_table(table, args.out, force=args.force)
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
