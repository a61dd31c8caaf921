"""``dyadscore diary``: the daily-diary APIM (two-intercept dyadic multilevel model)."""

from __future__ import annotations

import argparse

from ._args import (
    add_fit_arguments,
    add_id_arguments,
    add_indistinguishable_argument,
    add_lang_argument,
    fit_method,
)
from ._output import add_output_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diary",
        help="daily-diary APIM of couples (dyadic multilevel model, as nlme::lme)",
        description="Fit the daily-diary APIM to a long file (one row per person per day: "
        "couple id, role, day, daily predictor, daily outcome). The predictor is split into "
        "its within-person (person-mean-centred) and between-person parts for you; actor and "
        "partner effects of both are estimated with random intercepts per partner, residual "
        "SDs by role and a same-day residual correlation. Prints the summary; --json prints everything as JSON, "
        "--out saves it.",
    )
    p.add_argument("data", help="long table (CSV, Excel, Parquet, JSON; '-' = stdin)")
    p.add_argument("--x", required=True, help="daily predictor")
    p.add_argument("--y", required=True, help="daily outcome")
    add_id_arguments(p, "dyad", "role", "time", "person", role="role")
    add_indistinguishable_argument(p)
    p.add_argument(
        "--random",
        choices=["intercept", "slope"],
        default="intercept",
        help="random intercepts (default) or also random within-person actor slopes",
    )
    add_fit_arguments(p)
    add_lang_argument(p, "the summary")
    add_output_arguments(p, json="legacy", plot="save the slope plot")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import warnings

    from .._diary import diary_apim
    from ..io import read_table
    from ._output import check_output_args, emit_report, save_plot

    check_output_args(args)
    data = read_table(args.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are printed with the summary
        res = diary_apim(
            data,
            x=args.x,
            y=args.y,
            dyad=args.dyad,
            role=None if args.indistinguishable else args.role,
            person=args.person,
            time=args.time,
            random=args.random,
            method=fit_method(args),
            source=args.data,
        )
    if args.plot:
        save_plot(lambda: res.plot(lang=args.lang), args.plot, force=args.force)
    emit_report(args, res, lambda: res.summary(lang=args.lang))
    return 0
