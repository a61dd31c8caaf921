"""``dyadscore power``: how many couples? Monte Carlo power of actor/partner effects and hypotheses.

Estimate the power of APIM actor and partner effects (standardised) for each number of couples
by Monte Carlo, next to the large-sample analytic value. --effect H1 H2 ... (or 'paradox')
gives the power of the paradox hypotheses on data simulated with the planted effects of the
sample data.
"""

from __future__ import annotations

import argparse
import sys

from . import _args, _output, _power_args


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "power", __doc__, run)
    p.add_argument(
        "--n",
        nargs="+",
        type=int,
        default=[50, 100, 150, 200, 250, 300],
        help="numbers of couples (default: 50 100 150 200 250 300)",
    )
    _args.add_effect_arguments(p)
    p.add_argument("--alpha", type=float, default=0.05, help="significance level")
    _args.add_alternative_argument(p)
    p.add_argument("--distinguishable", action="store_true", help="estimate per role")
    p.add_argument(
        "--effect",
        nargs="+",
        default=["actor", "partner"],
        help="actor, partner, hypothesis ids (H1 ...) or 'paradox'",
    )
    _power_args.add_measurement_arguments(p)
    p.add_argument("--reps", type=int, default=1000, help="replications (default 1000)")
    p.add_argument("--seed", type=int, help="random seed")
    _output.add_output_arguments(
        p, out="also save the table to FILE (.csv/.json/.parquet)", plot="save the power curves"
    )


def _progress(done: int, total: int) -> None:
    print(
        f"\rpower: {done}/{total} sample sizes",
        end="\n" if done == total else "",
        file=sys.stderr,
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    from ..power_analysis import plot_power, power
    from ._output import check_output_args, save_plot, save_table
    from ._power_args import parse_reliability

    check_output_args(args)
    effect = args.effect[0] if args.effect == ["paradox"] else args.effect
    tab = power(
        args.n,
        **_args.from_args(
            args, _args.EFFECTS + " alpha alternative distinguishable reps seed dropout"
        ),
        effect=effect,
        analytic=True,
        reliability=parse_reliability(args.reliability),
        progress=_progress if sys.stderr.isatty() else None,
    )
    if args.plot:
        save_plot(lambda: plot_power(tab), args.plot, force=args.force, dpi=120)
    if args.out:
        save_table(tab, args.out, force=args.force)
    if args.out != "-":
        print(tab.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0
