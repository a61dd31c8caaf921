"""``dyadscore dyads``: reshape couple data, test nonindependence, compare partners.

pairwise: one row per person with <v>_actor and <v>_partner; dyad: one row per couple with
<v>_<role> (or _1/_2); nonindependence: partner correlation (distinguishable) or intraclass
correlations (indistinguishable); discrepancy: per couple and variable the signed and absolute
difference between partners; similarity: per couple the raw and distinctive (Furr 2008) profile
correlation across --vars (three or more). DATA may also be a survey-platform or SPSS/Stata
export (--source, --map); variables named in --vars that are subscales of a shipped instrument
whose items are present are scored first.
"""

from __future__ import annotations

import argparse

from . import _args, _input, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "dyads", __doc__, run)
    p.add_argument(
        "action", choices=["pairwise", "dyad", "nonindependence", "discrepancy", "similarity"]
    )
    p.add_argument(
        "data", help="person-level table (CSV, Excel, Parquet, JSON; '-' = stdin) or an export"
    )
    p.add_argument("--vars", nargs="+", required=True, metavar="VAR", help="variables")
    _args.add_id_arguments(p, "dyad", "role", "person", "wave", wave=None)
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _args.add_missing_argument(p)
    _args.add_instrument_arguments(p, purpose=_args.SCORED_FIRST)
    _args.add_drop_singles_argument(p)
    _output.add_output_arguments(p, out=_args.TABLE_OUT)


def run(args: argparse.Namespace) -> int:
    import sys

    from .. import dyads
    from ._output import check_output_args, save_table

    check_output_args(args)
    data = _input.score_named(
        _input.read_input(args),
        args.vars,
        person=args.person,
        instruments=args.instrument or (),
    )
    common = {"person": args.person, "drop_singles": args.drop_singles}
    if args.action == "nonindependence":
        out = dyads.nonindependence(data, args.vars, args.dyad, args.role, **common)
    elif args.action == "discrepancy":
        out = dyads.discrepancy(data, args.vars, args.dyad, args.role, wave=args.wave, **common)
    elif args.action == "similarity":
        out = dyads.profile_similarity(
            data, args.vars, args.dyad, args.role, wave=args.wave, **common
        )
    else:
        func = dyads.to_pairwise if args.action == "pairwise" else dyads.to_dyad
        out = func(data, args.vars, args.dyad, args.role, wave=args.wave, **common)
    dropped = out.attrs.get("n_singles_dropped", 0)
    if dropped:
        print(f"dyadscore: dropped {dropped} person(s) without a partner", file=sys.stderr)
    if args.out is None and args.action == "nonindependence":
        print(out.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    else:
        save_table(out, args.out, force=args.force)
    return 0
