"""``dyadscore apimem``: dyadic mediation x -> m -> y with actor and partner paths (APIMeM, as lavaan).

Fit the actor-partner interdependence mediation model (Ledermann, Macho & Kenny, 2011) by ML as
lavaan does: all eight indirect effects (aaa, ppa, app, pap for each partner), total indirect
and total effects with delta-method and percentile bootstrap CIs, and the chi-square test of
indistinguishability. DATA is a person-level file (one row per person with couple id, role, x,
m, y) or a couple-level file (x1/x2, x_1/x_2 or x_<role> columns). Prints the summary; --json
prints everything as JSON, --out saves it.
"""

from __future__ import annotations

import argparse

from . import _args, _input, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "apimem", __doc__, run)
    p.add_argument("data", help="person- or couple-level table (CSV, Excel, ...; '-' = stdin)")
    p.add_argument("--x", required=True, help="predictor")
    p.add_argument("--m", required=True, help="mediator")
    p.add_argument("--y", required=True, help="outcome")
    _args.add_id_arguments(p, "dyad", "role", "person", role="role")
    _args.add_roles_argument(p)
    _args.add_indistinguishable_argument(p)
    _args.add_resampling_arguments(p, "percentile CIs")
    _args.add_lang_argument(p, "the summary")
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _output.add_output_arguments(p, json="legacy", plot="save the path diagram")


def run(args: argparse.Namespace) -> int:
    from .._apimem import apimem
    from ..errors import InputError
    from ._output import check_output_args, emit_report, save_plot

    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    check_output_args(args)
    data = _input.score_named(_input.read_input(args), [args.x, args.m, args.y], person=args.person)
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
        **_args.from_args(args, "x m y dyad roles person bootstrap seed drop_singles"),
        role=role,
        distinguishable=False if args.indistinguishable else None,
    )
    if args.plot:
        save_plot(lambda: res.plot(lang=args.lang), args.plot, force=args.force)
    emit_report(args, res, lambda: res.summary(lang=args.lang))
    return 0
