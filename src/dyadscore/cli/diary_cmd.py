"""``dyadscore diary``: the daily-diary APIM (two-intercept dyadic multilevel model)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diary",
        help="daily-diary APIM of couples (dyadic multilevel model, as nlme::lme)",
        description="Fit the daily-diary APIM to a long file (one row per person per day: "
        "couple id, role, day, daily predictor, daily outcome). The predictor is split into "
        "its within-person (person-mean-centred) and between-person parts for you; actor and "
        "partner effects of both are estimated with random intercepts per partner, residual "
        "SDs by role and a same-day residual correlation. Prints the summary; --json PATH "
        "saves everything as JSON.",
    )
    p.add_argument("data", help="long table (CSV, Excel, Parquet, JSON; '-' = stdin)")
    p.add_argument("--x", required=True, help="daily predictor")
    p.add_argument("--y", required=True, help="daily outcome")
    p.add_argument("--dyad", default="couple", help="couple id column (default: couple)")
    p.add_argument("--role", default="role", help="role column (default: role)")
    p.add_argument("--time", default="day", help="day number column (default: day)")
    p.add_argument("--person", help="person id column (needed with --indistinguishable)")
    p.add_argument(
        "--indistinguishable",
        action="store_true",
        help="indistinguishable partners: one set of effects (needs --person)",
    )
    p.add_argument(
        "--random",
        choices=["intercept", "slope"],
        default="intercept",
        help="random intercepts (default) or also random within-person actor slopes",
    )
    p.add_argument("--ml", action="store_true", help="ML instead of REML")
    p.add_argument("--lang", choices=["en", "nl"], default="en", help="summary language")
    p.add_argument("--plot", metavar="FILE", help="save the slope plot (PNG, PDF or SVG)")
    p.add_argument("--json", metavar="PATH", help="save the results as JSON ('-' = print)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json
    import warnings

    from .._diary import diary_apim
    from ..io import write_text
    from ._output import check_outputs, save_plot

    check_outputs([args.json], args.force, plot=args.plot)
    from ..io import read_table

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
            method="ML" if args.ml else "REML",
            source=args.data,
        )
    if args.plot:
        save_plot(lambda: res.plot(lang=args.lang), args.plot, force=args.force)
    if args.json:
        text = json.dumps(res.to_dict(), indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
            return 0
        write_text(text + "\n", args.json, force=args.force)
    print(res.summary(lang=args.lang))
    return 0
