"""``dyadscore simulate``: synthetic couples with known actor and partner effects."""

from __future__ import annotations

import argparse
import sys

from ._power_args import add_measurement_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate couples with known APIM effects (for teaching and checking)",
        description="Simulate N couples: one standardised predictor x and outcome y per person "
        "with the given actor and partner effects (default), or, with --paradox, latent scores "
        "of all dependency-paradox constructs at two waves. Writes one row per person "
        "(per wave) to --out (default: standard output). The truth is printed to stderr.",
    )
    p.add_argument("-n", "--n", type=int, default=200, help="number of couples (default 200)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same data)")
    p.add_argument("--actor", type=float, default=0.3, help="actor effect (default .3)")
    p.add_argument("--partner", type=float, default=0.1, help="partner effect (default .1)")
    p.add_argument("--r-x", type=float, default=0.3, help="partners' predictor correlation")
    p.add_argument("--r-e", type=float, default=0.3, help="partners' residual correlation")
    p.add_argument(
        "--roles",
        nargs=2,
        default=["woman", "man"],
        metavar=("ROLE1", "ROLE2"),
        help="role labels (default: woman man)",
    )
    p.add_argument("--indistinguishable", action="store_true", help="no role column")
    p.add_argument("--waves", type=int, choices=[1, 2], default=1, help="number of waves")
    p.add_argument("--stability", type=float, default=0.5, help="wave-1 to wave-2 stability")
    p.add_argument("--missing", type=float, default=0.0, help="share of outcomes missing (MCAR)")
    add_measurement_arguments(p)
    p.add_argument(
        "--paradox",
        action="store_true",
        help="simulate the dependency-paradox constructs instead (two waves)",
    )
    p.add_argument("-o", "--out", default="-", help="output file (.csv/.json/.parquet) or '-'")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from ..io import write_table
    from ..simulate import simulate_dyads, simulate_paradox
    from ._power_args import parse_reliability

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
            actor=args.actor,
            partner=args.partner,
            r_x=args.r_x,
            r_e=args.r_e,
            roles=roles,
            waves=args.waves,
            stability=args.stability,
            missing=args.missing,
            seed=args.seed,
            reliability=reliability,
            dropout=args.dropout,
        )
        truth = df.attrs["truth"]
    write_table(df, args.out, force=args.force)
    print(f"truth: {json.dumps(truth)}", file=sys.stderr)
    return 0
