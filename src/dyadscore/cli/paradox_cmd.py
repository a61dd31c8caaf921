"""``dyadscore paradox``: test the dependency-paradox hypotheses on a couples file."""

from __future__ import annotations

import argparse
import sys

from ._input import add_map_argument, add_source_argument, read_input


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "paradox",
        help="test the dependency-paradox hypotheses (Feeney 2007) with APIMs",
        description="Test pre-declared hypotheses (default: H1-H4 of the dependency paradox) on "
        "DATA: one row per person with wave-specific columns (goal_progress_w1, ...), or one "
        "row per person per wave with scores or item responses (reshaped and scored "
        "automatically; survey-platform and SPSS/Stata exports too: --source, --map). "
        "Prints a plain-language summary and the result table.",
    )
    p.add_argument(
        "data", help="couples file (CSV, Excel, Parquet, JSON), an export, or '-' for stdin"
    )
    p.add_argument(
        "--hypotheses",
        help="YAML file of hypotheses, or the name of a shipped set: default, mediation "
        "(H5, APIM mediation model), diary (daily-diary APIM); default: the shipped default set",
    )
    p.add_argument("--dyad", default="couple", help="couple id column (default: couple)")
    p.add_argument("--role", help="role column for distinguishable dyads (default: pooled)")
    p.add_argument("--person", default="person", help="person id column (default: person)")
    p.add_argument("--covariate", action="append", help="robustness covariate (repeatable)")
    p.add_argument("--moderator", help="moderator column (e.g. avoidance_w1)")
    p.add_argument("--holm", action="store_true", help="Holm correction across hypotheses")
    p.add_argument(
        "--drop-singles",
        action="store_true",
        help="leave out persons whose partner is not in the file (default: error)",
    )
    p.add_argument("--lang", default="en", help="summary language: en (default) or nl")
    p.add_argument(
        "--time", default="day", help="day column for model: diary hypotheses (default: day)"
    )
    p.add_argument("--wave", default="wave", help="wave column of long data (default: wave)")
    p.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="bootstrap resamples for model: apimem hypotheses (decision by the percentile "
        "bootstrap interval; default 0: z test of the delta-method SE)",
    )
    p.add_argument("--seed", type=int, help="seed of the bootstrap")
    p.add_argument(
        "--df-method",
        default="residual",
        help="degrees of freedom of the t tests: residual (N - p, as nlme::gls; default) or "
        "satterthwaite (small-sample correction)",
    )
    add_map_argument(p)
    add_source_argument(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="write everything as JSON (default: stdout)",
    )
    out.add_argument("--html", metavar="PATH", help="write an HTML report with a forest plot")
    out.add_argument(
        "-o", "--out", metavar="PATH", help="write the result table (.csv/.json/.parquet)"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from ..columns import ID_CANDIDATES
    from ..dyads import unscored_instruments
    from ..errors import InputError, PairingError
    from ..io import write_table, write_text
    from ..paradox import test
    from ..scoring import score

    if args.lang not in ("en", "nl"):
        raise InputError(f"--lang {args.lang}: expected en or nl")
    if args.df_method not in ("residual", "satterthwaite"):
        raise InputError(f"--df-method {args.df_method}: expected residual or satterthwaite")
    data = read_input(args)
    todo = unscored_instruments(data)
    if todo:  # item responses: scored here, the statistics take scores
        keep = [c for c in dict.fromkeys((args.dyad, args.role, args.wave, *ID_CANDIDATES)) if c]
        keep = [c for c in keep if c in data.columns]
        data = score(data, todo, person=args.person, keep=keep, source=args.data)
    try:
        res = test(
            data,
            args.hypotheses,
            dyad=args.dyad,
            role=args.role,
            person=args.person,
            holm=args.holm,
            covariates=args.covariate,
            moderator=args.moderator,
            lang=args.lang,
            drop_singles=args.drop_singles,
            source=args.data,
            df_method=args.df_method,
            time=args.time,
            wave=args.wave,
            bootstrap=args.bootstrap,
            seed=args.seed,
        )
    except PairingError as exc:  # the API's advice in command-line words
        msg = str(exc).replace("pass drop_singles=True", "use --drop-singles")
        raise PairingError(msg) from None
    if res.n_singles_dropped:
        print(
            f"dropped {res.n_singles_dropped} persons whose partner is not in {args.data} "
            "(--drop-singles)",
            file=sys.stderr,
        )
    if args.json:
        write_text(json.dumps(res.to_dict(), indent=2, default=str), args.json, force=args.force)
    elif args.html:
        write_text(res.report_html(args.lang), args.html, force=args.force)
    elif args.out:
        write_table(res.table, args.out, force=args.force)
    else:
        cols = [
            "hypothesis",
            *(["model"] if "model" in res.table else []),
            *(["role"] if "role" in res.table else []),
            "effect",
            "direction",
            "estimate",
            "ci_low",
            "ci_high",
            "beta",
            "beta_ci_low",
            "beta_ci_high",
            "p",
            "p_one_sided",
            *(["p_holm"] if args.holm else []),
            "supported",
            "n_dyads",
        ]
        print(res.summary(args.lang))
        print()
        print(res.table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return 0
    if args.json != "-":
        dest = args.json or args.html or args.out
        print(f"tested {res.table['hypothesis'].nunique()} hypotheses -> {dest}", file=sys.stderr)
    return 0
