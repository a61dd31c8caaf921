"""``dyadscore apim``: actor and partner effects (APIM by GLS, as nlme::gls).

Fit an Actor-Partner Interdependence Model to a person-level file (one row per person with a
dyad id, optional role, own predictor and own outcome). Prints the APA-style summary; --json
prints everything as JSON; --out saves it atomically. DATA may also be a survey-platform or
SPSS/Stata export (--source, --map); variables that are subscales of a shipped instrument whose
items are present are scored first.
"""

from __future__ import annotations

import argparse

from . import _args, _input, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "apim", __doc__, run)
    p.add_argument(
        "data", help="person-level table (CSV, Excel, Parquet, JSON; '-' = stdin) or an export"
    )
    p.add_argument("--x", action="append", required=True, help="predictor (repeatable)")
    p.add_argument("--y", required=True, help="outcome")
    _args.add_id_arguments(p, "dyad", "role", "person")
    _args.add_indistinguishable_argument(p)
    p.add_argument("--covariate", action="append", default=[], help="control (repeatable)")
    p.add_argument(
        "--covariates-as-is",
        action="store_true",
        help="enter covariates with the own value only (default: actor and partner value)",
    )
    p.add_argument("--moderator", help="moderator of the actor and partner effects")
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _args.add_missing_argument(p)
    _args.add_instrument_arguments(p, purpose=_args.SCORED_FIRST)
    _args.add_fit_arguments(p, sem=True)
    p.add_argument("--center", action="store_true", help="grand-mean centre the predictors")
    _args.add_resampling_arguments(p, "the CI of k")
    _args.add_lang_argument(p, "the summary")
    _output.add_output_arguments(p, json=True, plot="save the path diagram")


#: The flags passed on to :func:`dyadscore.apim` by name.
_MODEL = "x y dyad person bootstrap seed drop_singles"


def run(args: argparse.Namespace) -> int:
    import sys

    from .._apim import apim
    from ..errors import InputError
    from ._output import check_output_args, emit_report, save_plot

    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or more, got {args.bootstrap}")
    check_output_args(args)
    named = [*args.x, args.y, *args.covariate, args.moderator]
    data = _input.score_named(
        _input.read_input(args),
        named,
        person=args.person,
        instruments=args.instrument or (),
    )
    res = apim(
        data,
        **_args.from_args(args, _MODEL + " moderator center"),
        role=None if args.indistinguishable else args.role,
        covariates=args.covariate or None,
        covariate_effects="as_is" if args.covariates_as_is else "actor_partner",
        method=_args.fit_method(args),
    )
    dropped = res.fit.get("n_singles_dropped", 0)
    if dropped:
        print(f"dyadscore: dropped {dropped} person(s) without a partner", file=sys.stderr)
    if args.plot:
        save_plot(lambda: res.plot(), args.plot, force=args.force)
    emit_report(args, res, lambda: res.summary(lang=args.lang))
    return 0
