"""``dyadscore paradox``: test the dependency-paradox hypotheses (Feeney 2007) with APIMs.

Test pre-declared hypotheses (default: H1-H4 of the dependency paradox) on DATA: one row per
person with wave-specific columns (goal_progress_w1, ...), or one row per person per wave with
scores or item responses (reshaped and scored automatically; survey-platform and SPSS/Stata
exports too: --source, --map). Prints a plain-language summary and the result table.
"""

from __future__ import annotations

import argparse
import sys

from . import _args, _input, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "paradox", __doc__, run)
    p.add_argument(
        "data", help="couples file (CSV, Excel, Parquet, JSON), an export, or '-' for stdin"
    )
    p.add_argument(
        "--hypotheses",
        help="YAML file of hypotheses, or the name of a shipped set: default, mediation "
        "(H5, APIM mediation model), diary (daily-diary APIM); default: the shipped default set",
    )
    _args.add_id_arguments(p, "dyad", "role", "person", "wave", "time")
    p.add_argument("--covariate", action="append", help="robustness covariate (repeatable)")
    p.add_argument("--moderator", help="moderator column (e.g. avoidance_w1)")
    p.add_argument("--holm", action="store_true", help="Holm correction across hypotheses")
    _args.add_lang_argument(p, "the summary and the report")
    _args.add_resampling_arguments(
        p,
        "model: apimem hypotheses (decision by the percentile bootstrap interval; default 0: "
        "z test of the delta-method SE)",
    )
    _args.add_choices(
        p,
        df_method=("residual|satterthwaite", "df of the t tests: N - p (default) or small-sample"),
    )
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _output.add_output_arguments(
        p,
        out="save the result table to FILE (.csv/.json/.parquet); with --json: everything",
        json="legacy",
        html="also write an HTML report with a forest plot to FILE",
    )


def run(args: argparse.Namespace) -> int:
    from ..columns import ID_CANDIDATES
    from ..dyads import unscored_instruments
    from ..errors import PairingError
    from ..io import write_text
    from ..paradox import test
    from ..scoring import score
    from ._output import check_output_args, emit, json_text, save_table, write_json

    check_output_args(args)
    data = _input.read_input(args)
    todo = unscored_instruments(data)
    if todo:  # item responses: scored here, the statistics take scores
        keep = [c for c in dict.fromkeys((args.dyad, args.role, args.wave, *ID_CANDIDATES)) if c]
        keep = [c for c in keep if c in data.columns]
        data = score(data, todo, person=args.person, keep=keep)
    try:
        res = test(
            data,
            args.hypotheses,
            **_args.from_args(
                args,
                "dyad role person holm moderator lang drop_singles df_method time wave "
                "bootstrap seed",
                covariates="covariate",
            ),
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
    if args.html:
        write_text(res.report_html(args.lang), args.html, force=args.force)
    if args.json_out:
        write_json(res.to_dict(), args.json_out, force=args.force)
    if args.json:
        emit(json_text(res.to_dict()), args.out, force=args.force)
    elif args.out:
        save_table(res.table, args.out, force=args.force)
    else:
        print(res.summary(args.lang))
        print()
        print(res.table[_columns(res, args)].to_string(index=False, float_format=_3f))
    written = [f for f in (args.json_out, args.html, args.out) if f and f != "-"]
    if written:
        n = res.table["hypothesis"].nunique()
        print(f"tested {n} hypotheses -> {', '.join(written)}", file=sys.stderr)
    return 0


def _3f(v: float) -> str:
    return f"{v:.3f}"


def _columns(res, args: argparse.Namespace) -> list[str]:
    """The columns of the printed result table (``model``, ``role`` where the table has them,
    ``p_holm`` with ``--holm``)."""
    wanted = (
        "hypothesis model role effect direction estimate ci_low ci_high beta beta_ci_low "
        "beta_ci_high p p_one_sided p_holm supported n_dyads"
    ).split()
    optional = {"model", "role", "p_holm"}
    return [
        c for c in wanted if c not in optional or (c in res.table and (c != "p_holm" or args.holm))
    ]
