"""``dyadscore apim``: Actor-Partner Interdependence Model of one outcome."""

from __future__ import annotations

import argparse

from ._args import (
    add_fit_arguments,
    add_id_arguments,
    add_indistinguishable_argument,
    add_lang_argument,
    fit_method,
)
from ._input import (
    add_instrument_argument,
    add_map_argument,
    add_missing_argument,
    add_resampling_arguments,
    add_source_argument,
    read_input,
    score_named,
)
from ._output import add_output_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "apim",
        help="actor and partner effects (APIM by GLS, as nlme::gls)",
        description="Fit an Actor-Partner Interdependence Model to a person-level file (one row "
        "per person with a dyad id, optional role, own predictor and own outcome). Prints the "
        "APA-style summary; --json prints everything as JSON; --out saves it atomically. DATA "
        "may also be a survey-platform or SPSS/Stata export (--source, --map); variables that "
        "are subscales of a shipped instrument whose items are present are scored first.",
    )
    p.add_argument(
        "data", help="person-level table (CSV, Excel, Parquet, JSON; '-' = stdin) or an export"
    )
    p.add_argument("--x", action="append", required=True, help="predictor (repeatable)")
    p.add_argument("--y", required=True, help="outcome")
    add_id_arguments(p, "dyad", "role", "person")
    add_indistinguishable_argument(p)
    p.add_argument("--covariate", action="append", default=[], help="control (repeatable)")
    p.add_argument(
        "--covariates-as-is",
        action="store_true",
        help="enter covariates with the own value only (default: actor and partner value)",
    )
    p.add_argument("--moderator", help="moderator of the actor and partner effects")
    add_map_argument(p)
    add_source_argument(p)
    add_missing_argument(p)
    add_instrument_argument(p)
    add_fit_arguments(p, sem=True)
    p.add_argument("--center", action="store_true", help="grand-mean centre the predictors")
    add_resampling_arguments(p, "the CI of k")
    add_lang_argument(p, "the summary")
    add_output_arguments(p, json=True, plot="save the path diagram")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..apim_gls import apim
    from ..errors import InputError
    from ._output import check_output_args, emit_report, save_plot

    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    check_output_args(args)
    named = [*args.x, args.y, *args.covariate, args.moderator]
    data = score_named(
        read_input(args), named, person=args.person, source=args.data, instruments=args.instrument
    )
    res = apim(
        data,
        x=args.x,
        y=args.y,
        dyad=args.dyad,
        role=None if args.indistinguishable else args.role,
        person=args.person,
        covariates=args.covariate or None,
        covariate_effects="as_is" if args.covariates_as_is else "actor_partner",
        moderator=args.moderator,
        method=fit_method(args),
        center=args.center,
        bootstrap=args.bootstrap,
        seed=args.seed,
        drop_singles=args.drop_singles,
        source=args.data,
    )
    dropped = res.fit.get("n_singles_dropped", 0)
    if dropped:
        print(f"dyadscore: dropped {dropped} person(s) without a partner", file=sys.stderr)
    if args.plot:
        save_plot(lambda: res.plot(), args.plot, force=args.force)
    emit_report(args, res, lambda: res.summary(lang=args.lang))
    return 0
