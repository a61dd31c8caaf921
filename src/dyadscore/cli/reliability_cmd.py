"""``dyadscore reliability``: alpha, omega and item analysis of instrument subscales."""

from __future__ import annotations

import argparse

from ._input import add_source_argument, resolve_source


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
    p.add_argument("--json", action="store_true", help="print (or save) the results as JSON")
    p.add_argument("-o", "--out", help="save the output to this file instead of printing it")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=run)


def _read(args: argparse.Namespace):
    """(data, mapping still to apply): own tables as before, platform exports via formats."""
    from ..formats import read_responses
    from ..io import read_table

    source, parsed, own = resolve_source(args, strict=False)
    if own:
        return read_table(args.data), args.mapping
    return read_responses(args.data, source, parsed, instruments=args.instrument), None


def run(args: argparse.Namespace) -> int:
    import json

    from ..io import write_text
    from ..psychometrics import reliability

    data, mapping = _read(args)
    res = reliability(
        data,
        args.instrument,
        by=args.by,
        use=args.use,
        mapping=mapping,
        source=args.data,
        ci=args.ci,
    )
    as_json = args.json or (args.out or "").lower().endswith(".json")
    text = (
        json.dumps(res.to_dict(), indent=2, ensure_ascii=False)
        if as_json
        else res.summary(items=args.items)
    )
    if args.out and args.out != "-":
        write_text(text + "\n", args.out, force=args.force)
    else:
        print(text)
    return 0
