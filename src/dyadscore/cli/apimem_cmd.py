"""``dyadscore apimem``: the actor-partner interdependence mediation model (as lavaan)."""

from __future__ import annotations

import argparse

from ._args import add_id_arguments, add_indistinguishable_argument, add_lang_argument
from ._input import (
    add_map_argument,
    add_resampling_arguments,
    add_source_argument,
    read_input,
    score_named,
)
from ._output import add_output_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "apimem",
        help="dyadic mediation x -> m -> y with actor and partner paths (APIMeM, as lavaan)",
        description="Fit the actor-partner interdependence mediation model (Ledermann, Macho & "
        "Kenny, 2011) by ML as lavaan does: all eight indirect effects (aaa, ppa, app, pap for "
        "each partner), total indirect and total effects with delta-method and percentile "
        "bootstrap CIs, and the chi-square test of indistinguishability. DATA is a person-level "
        "file (one row per person with couple id, role, x, m, y) or a couple-level file (x1/x2, "
        "x_1/x_2 or x_<role> columns). Prints the summary; --json prints everything as JSON, --out saves it.",
    )
    p.add_argument("data", help="person- or couple-level table (CSV, Excel, ...; '-' = stdin)")
    p.add_argument("--x", required=True, help="predictor")
    p.add_argument("--m", required=True, help="mediator")
    p.add_argument("--y", required=True, help="outcome")
    add_id_arguments(p, "dyad", "role", "person", role="role")
    p.add_argument(
        "--roles",
        nargs=2,
        metavar=("FIRST", "SECOND"),
        help="role order (member 1 first; default: sorted labels or column suffixes)",
    )
    add_indistinguishable_argument(p)
    add_resampling_arguments(p, "percentile CIs")
    add_lang_argument(p, "the summary")
    add_map_argument(p)
    add_source_argument(p)
    add_output_arguments(p, json="legacy", plot="save the path diagram")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._apimem import apimem
    from ..errors import InputError
    from ._output import check_output_args, emit_report, save_plot

    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    check_output_args(args)
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
    emit_report(args, res, lambda: res.summary(lang=args.lang))
    return 0
