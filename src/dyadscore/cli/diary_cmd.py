"""``dyadscore diary``: daily-diary APIM of couples (dyadic multilevel model, as nlme::lme).

Fit the daily-diary APIM to a long file (one row per person per day: couple id, role, day,
daily predictor, daily outcome). The predictor is split into its within-person (person-mean-
centred) and between-person parts for you; actor and partner effects of both are estimated with
random intercepts per partner, residual SDs by role and a same-day residual correlation. Prints
the summary; --json prints everything as JSON, --out saves it.
"""

from __future__ import annotations

import argparse

from . import _args, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "diary", __doc__, run)
    p.add_argument("data", help="long table (CSV, Excel, Parquet, JSON; '-' = stdin)")
    p.add_argument("--x", required=True, help="daily predictor")
    p.add_argument("--y", required=True, help="daily outcome")
    _args.add_id_arguments(p, "dyad", "role", "time", "person", role="role")
    _args.add_indistinguishable_argument(p)
    _args.add_choices(
        p, random=("intercept|slope", "random intercepts (default) or also actor slopes")
    )
    _args.add_fit_arguments(p)
    _args.add_lang_argument(p, "the summary")
    _output.add_output_arguments(p, json="legacy", plot="save the slope plot")


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
            **_args.from_args(args, "x y dyad person time random"),
            role=None if args.indistinguishable else args.role,
            method=_args.fit_method(args),
        )
    if args.plot:
        save_plot(lambda: res.plot(lang=args.lang), args.plot, force=args.force)
    emit_report(args, res, lambda: res.summary(lang=args.lang))
    return 0
