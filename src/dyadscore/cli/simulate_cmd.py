"""``dyadscore simulate``: simulate couples with known APIM effects (for teaching and checking).

Simulate N couples: one standardised predictor x and outcome y per person with the given actor
and partner effects (default), or, with --paradox, latent scores of all dependency-paradox
constructs at two waves. Writes one row per person (per wave) to --out (default: standard
output). The truth is printed to stderr.
"""

from __future__ import annotations

import argparse
import sys

from . import _args, _output, _power_args


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "simulate", __doc__, run)
    p.add_argument("-n", "--n", type=int, default=200, help="number of couples (default 200)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same data)")
    _args.add_effect_arguments(p)
    _args.add_roles_argument(p, ["woman", "man"])
    p.add_argument("--indistinguishable", action="store_true", help="no role column")
    p.add_argument("--n-waves", type=int, choices=[1, 2], default=1, help="number of waves")
    _args.add_renamed(p, "--waves", "n_waves", "--n-waves", type=int, choices=[1, 2])
    p.add_argument("--stability", type=float, default=0.5, help="wave-1 to wave-2 stability")
    p.add_argument(
        "--missing-share", type=float, default=0.0, help="share of outcomes missing (MCAR)"
    )
    _args.add_renamed(p, "--missing", "missing_share", "--missing-share", type=float)
    _power_args.add_measurement_arguments(p)
    p.add_argument(
        "--paradox",
        action="store_true",
        help="simulate the dependency-paradox constructs instead (two waves)",
    )
    _output.add_output_arguments(p, out_default="-", out=_args.TABLE_OUT)


def run(args: argparse.Namespace) -> int:
    import json

    from ..simulate import simulate_dyads, simulate_paradox
    from ._output import check_output_args, save_table
    from ._power_args import parse_reliability

    check_output_args(args)
    reliability = parse_reliability(args.reliability)
    roles = None if args.indistinguishable else tuple(args.roles)
    if args.paradox:
        df = simulate_paradox(
            args.n, roles=roles, seed=args.seed, reliability=reliability, dropout=args.dropout
        )
        truth = df.attrs["truth"]["planted"]
    else:
        df = simulate_dyads(
            args.n,
            **_args.from_args(args, _args.EFFECTS + " stability seed dropout"),
            waves=args.n_waves,
            roles=roles,
            missing=args.missing_share,
            reliability=reliability,
        )
        truth = df.attrs["truth"]
    save_table(df, args.out, force=args.force)
    print(f"truth: {json.dumps(truth)}", file=sys.stderr)
    return 0
