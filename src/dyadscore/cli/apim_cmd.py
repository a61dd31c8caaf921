"""``dyadscore apim``: Actor-Partner Interdependence Model of one outcome."""

from __future__ import annotations

import argparse

from ._input import (
    add_instrument_argument,
    add_map_argument,
    add_missing_argument,
    add_resampling_arguments,
    add_source_argument,
    read_input,
    score_named,
)


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
    p.add_argument("--dyad", required=True, help="dyad (couple) id column")
    p.add_argument("--role", help="role column (distinguishable dyads, e.g. gender)")
    p.add_argument("--person", help="person id column (checks that nobody is in two dyads)")
    p.add_argument(
        "--indistinguishable",
        action="store_true",
        help="ignore --role: one actor and one partner effect, exchangeable residuals",
    )
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
    p.add_argument("--ml", action="store_true", help="ML instead of REML (nlme conventions)")
    p.add_argument("--sem", action="store_true", help="ML with SEM/lavaan SEs and z tests")
    p.add_argument("--center", action="store_true", help="grand-mean centre the predictors")
    add_resampling_arguments(p, "the CI of k")
    p.add_argument("--plot", metavar="FILE", help="save the path diagram (PNG, PDF or SVG)")
    p.add_argument("--json", action="store_true", help="print (or save) the results as JSON")
    p.add_argument("-o", "--out", help="save the output to this file instead of printing it")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from .._apim import apim
    from ..errors import InputError
    from ._output import check_outputs, emit, save_plot

    if args.ml and args.sem:
        raise InputError("choose one of --ml and --sem")
    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    check_outputs([args.out], args.force, plot=args.plot)
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
        method="sem" if args.sem else "ML" if args.ml else "REML",
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
    as_json = args.json or (args.out or "").lower().endswith(".json")
    text = json.dumps(res.to_dict(), indent=2, ensure_ascii=False) if as_json else res.summary()
    emit(text, args.out, force=args.force)
    return 0
