"""``dyadscore apimem``: the actor-partner interdependence mediation model (as lavaan)."""

from __future__ import annotations

import argparse

from ._input import (
    add_map_argument,
    add_resampling_arguments,
    add_source_argument,
    read_input,
    score_named,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "apimem",
        help="dyadic mediation x -> m -> y with actor and partner paths (APIMeM, as lavaan)",
        description="Fit the actor-partner interdependence mediation model (Ledermann, Macho & "
        "Kenny, 2011) by ML as lavaan does: all eight indirect effects (aaa, ppa, app, pap for "
        "each partner), total indirect and total effects with delta-method and percentile "
        "bootstrap CIs, and the chi-square test of indistinguishability. DATA is a person-level "
        "file (one row per person with couple id, role, x, m, y) or a couple-level file (x1/x2, "
        "x_1/x_2 or x_<role> columns). Prints the summary; --json prints or saves everything.",
    )
    p.add_argument("data", help="person- or couple-level table (CSV, Excel, ...; '-' = stdin)")
    p.add_argument("--x", required=True, help="predictor")
    p.add_argument("--m", required=True, help="mediator")
    p.add_argument("--y", required=True, help="outcome")
    p.add_argument("--dyad", default="couple", help="couple id column (default: couple)")
    p.add_argument(
        "--role", default="role", help="role column of person-level data (default: role)"
    )
    p.add_argument(
        "--roles",
        nargs=2,
        metavar=("FIRST", "SECOND"),
        help="role order (member 1 first; default: sorted labels or column suffixes)",
    )
    p.add_argument("--person", help="person id column (checks that nobody is in two couples)")
    p.add_argument(
        "--indistinguishable",
        action="store_true",
        help="equal paths, means and variances for both members (Olsen & Kenny)",
    )
    add_resampling_arguments(p, "percentile CIs")
    p.add_argument("--lang", default="en", help="language of the summary: en or nl")
    add_map_argument(p)
    add_source_argument(p)
    p.add_argument("--plot", metavar="FILE", help="save the path diagram (PNG, PDF or SVG)")
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="print the results as JSON, or save them to PATH",
    )
    p.add_argument("-o", "--out", help="save the summary to this file instead of printing it")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from .._apimem import apimem
    from ..errors import InputError
    from ..io import write_text
    from ._output import check_outputs, emit, save_plot

    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    if args.lang not in ("en", "nl"):
        raise InputError(f"--lang {args.lang!r}: expected en or nl")
    json_path = args.json if args.json not in (None, "-") else None
    check_outputs([args.out, json_path], args.force, plot=args.plot)
    data = score_named(
        read_input(args), [args.x, args.m, args.y], person=args.person, source=args.data
    )
    wide = not {args.x, args.m, args.y} <= set(data.columns)
    if wide:  # member columns x1/x2 ...: roles come from the column suffixes (or --roles)
        role = None if args.indistinguishable else "role"
    elif args.role in data.columns:
        role = args.role
    elif args.indistinguishable:
        role = None
    else:
        raise InputError(
            f"{args.data}: column {args.role!r} not found; name the role column with --role or "
            "pass --indistinguishable"
        )
    res = apimem(
        data,
        x=args.x,
        m=args.m,
        y=args.y,
        dyad=args.dyad,
        role=role,
        roles=args.roles,
        person=args.person,
        distinguishable=False if args.indistinguishable else None,
        bootstrap=args.bootstrap,
        seed=args.seed,
        drop_singles=args.drop_singles,
        source=args.data,
    )
    if args.plot:
        save_plot(lambda: res.plot(lang=args.lang), args.plot, force=args.force)
    text_json = json.dumps(res.to_dict(), indent=2, ensure_ascii=False)
    if json_path:
        write_text(text_json + "\n", json_path, force=args.force)
    as_json = args.json == "-" or (args.out or "").lower().endswith(".json")
    text = text_json if as_json else res.summary(lang=args.lang)
    emit(text, args.out, force=args.force)
    return 0
