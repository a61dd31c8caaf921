"""``dyadscore power``: Monte Carlo power of APIM effects and paradox hypotheses."""

from __future__ import annotations

import argparse
import sys

from ._power_args import add_measurement_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "power",
        help="how many couples? Monte Carlo power of actor/partner effects and hypotheses",
        description="Estimate the power of APIM actor and partner effects (standardised) for "
        "each number of couples by Monte Carlo, next to the large-sample analytic value. "
        "--effect H1 H2 ... (or 'paradox') gives the power of the paradox hypotheses on data "
        "simulated with the planted effects of the sample data.",
    )
    p.add_argument(
        "--n",
        nargs="+",
        type=int,
        default=[50, 100, 150, 200, 250, 300],
        help="numbers of couples (default: 50 100 150 200 250 300)",
    )
    p.add_argument("--actor", type=float, default=0.3, help="actor effect (default .3)")
    p.add_argument("--partner", type=float, default=0.1, help="partner effect (default .1)")
    p.add_argument("--r-x", type=float, default=0.3, help="partners' predictor correlation")
    p.add_argument("--r-e", type=float, default=0.3, help="partners' residual correlation")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level")
    p.add_argument("--sided", choices=["one", "two"], default="one", help="one- or two-sided")
    p.add_argument("--distinguishable", action="store_true", help="estimate per role")
    p.add_argument(
        "--effect",
        nargs="+",
        default=["actor", "partner"],
        help="actor, partner, hypothesis ids (H1 ...) or 'paradox'",
    )
    add_measurement_arguments(p)
    p.add_argument("--reps", type=int, default=1000, help="replications (default 1000)")
    p.add_argument("--seed", type=int, help="random seed")
    p.add_argument("--plot", metavar="PATH", help="save the power curves (.png, .svg, .pdf)")
    p.add_argument("-o", "--out", metavar="PATH", help="save the table (.csv/.json/.parquet)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(run=run)


def _progress(done: int, total: int) -> None:
    print(
        f"\rpower: {done}/{total} sample sizes",
        end="\n" if done == total else "",
        file=sys.stderr,
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    from ..io import write_table
    from ..power_analysis import power
    from ._output import check_outputs
    from ._power_args import parse_reliability

    check_outputs([args.out], args.force, plot=args.plot)
    effect = args.effect[0] if args.effect == ["paradox"] else args.effect
    tab = power(
        args.n,
        actor=args.actor,
        partner=args.partner,
        r_x=args.r_x,
        r_e=args.r_e,
        alpha=args.alpha,
        sided=args.sided,
        distinguishable=args.distinguishable,
        reps=args.reps,
        seed=args.seed,
        effect=effect,
        analytic=True,
        reliability=parse_reliability(args.reliability),
        dropout=args.dropout,
        progress=_progress if sys.stderr.isatty() else None,
    )
    if args.plot:
        _save_plot(tab, args.plot, args.force)
    if args.out:
        write_table(tab, args.out, force=args.force)
    if not args.out or args.out != "-":
        print(tab.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def _save_plot(tab, path: str, force: bool) -> None:
    from ..power_analysis import plot_power
    from ._output import check_plot_path, save_plot

    check_plot_path(path)
    save_plot(lambda: plot_power(tab), path, force=force, dpi=120)
