"""``dyadscore validate``: dyadic CFA and measurement invariance between partners."""

from __future__ import annotations

import argparse

from ._args import add_id_arguments, add_instrument_arguments, add_lang_argument, add_renamed
from ._input import add_map_argument, add_source_argument
from ._output import add_output_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="dyadic CFA and measurement invariance between partners (lavaan/dySEM set-up)",
        description="Fits the dyadic confirmatory factor model of each instrument (one factor "
        "per subscale and partner, correlated residuals of the same item) at the configural, "
        "loading, intercept and residual levels, tests each level against the previous one "
        "(likelihood ratio, change in CFI and RMSEA) and says which level holds and what it "
        "licenses (comparing partners' means needs intercept invariance). Numbers equal "
        "lavaan's. Prints a report; --json prints everything as JSON, --out saves it, --html "
        "writes an HTML report (atomically).",
    )
    p.add_argument("data", help="item responses, one row per person (CSV, Excel, Parquet, ...)")
    add_instrument_arguments(p)
    p.add_argument(
        "--items",
        nargs="+",
        metavar="COLUMN",
        help="plain item columns (one factor) instead of an instrument",
    )
    add_id_arguments(p, "dyad", "role", role="role")
    p.add_argument(
        "--waves",
        metavar="VALUE",
        help="the wave to analyse when the data hold several (a value of the wave column; "
        "default: the first)",
    )
    add_renamed(p, "--wave", "waves", "--waves")
    p.add_argument(
        "--missing",
        choices=["listwise", "fiml"],
        default="listwise",
        help="couples with every item answered (default), or full-information ML",
    )
    p.add_argument(
        "--scaling",
        choices=["FF", "MV"],
        default="FF",
        help="fixed factor (default) or marker variable (first item)",
    )
    p.add_argument(
        "--structure",
        choices=["subscales", "one"],
        default="subscales",
        help="one factor per subscale (default) or one factor for all items",
    )
    add_lang_argument(p, "the report")
    add_map_argument(p)
    add_source_argument(p)
    add_output_arguments(
        p, json="legacy", html="also write an HTML report with the loading plots to FILE"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._cfa import invariance
    from ..errors import InputError
    from ..io import write_text
    from ._input import read_input
    from ._output import check_output_args, emit_report

    check_output_args(args)
    data = read_input(args)
    wave = args.waves
    if wave is not None and "wave" in data.columns:
        values = {str(v): v for v in data["wave"].dropna().unique()}
        if wave not in values:
            raise InputError(
                f"{args.data}: column 'wave', value {wave!r}: not in the data "
                f"(waves {', '.join(sorted(values))})"
            )
        wave = values[wave]
    if not args.instrument and not args.items:
        raise InputError("validate: name an instrument (-i ID) or item columns (--items ...)")
    specs = {i: i for i in args.instrument or []}
    if args.items:
        specs["items"] = list(args.items)
    results = {}
    for name, spec in specs.items():
        results[name] = invariance(
            data,
            spec,
            dyad=args.dyad,
            role=args.role,
            scaling=args.scaling,
            missing=args.missing,
            structure=args.structure,
            wave=wave,
            source=args.data,
        )
    if args.html:
        write_text(_html(results, args.lang), args.html, force=args.force)
    emit_report(
        args, results, lambda: "\n\n".join(r.summary(lang=args.lang) for r in results.values())
    )
    return 0


def _html(results: dict, lang: str) -> str:
    import base64
    import html
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>dyadscore validate</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;font-size:90%}td,th{padding:2px 6px}</style>",
        "</head><body>",
    ]
    for name, res in results.items():
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.append(res.to_html(lang=lang))
        fig, ax = plt.subplots(figsize=(7, 3.5))
        res.plot(ax=ax)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        parts.append(f"<img alt='standardised loadings' src='data:image/png;base64,{png}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
