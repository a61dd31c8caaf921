"""``dyadscore validate``: dyadic CFA and measurement invariance between partners (lavaan/dySEM set-up).

Fits the dyadic confirmatory factor model of each instrument (one factor per subscale and
partner, correlated residuals of the same item) at the configural, loading, intercept and
residual levels, tests each level against the previous one (likelihood ratio, change in CFI and
RMSEA) and says which level holds and what it licenses (comparing partners' means needs
intercept invariance). Numbers equal lavaan's. Prints a report; --json prints everything as
JSON, --out saves it, --html writes an HTML report (atomically).
"""

from __future__ import annotations

import argparse

from . import _args, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "validate", __doc__, run)
    p.add_argument("data", help="item responses, one row per person (CSV, Excel, Parquet, ...)")
    _args.add_instrument_arguments(p)
    p.add_argument(
        "--items",
        nargs="+",
        metavar="COLUMN",
        help="plain item columns (one factor) instead of an instrument",
    )
    _args.add_id_arguments(p, "dyad", "role", role="role")
    p.add_argument("--waves", metavar="VALUE", help="the wave to analyse (default: the first)")
    _args.add_renamed(p, "--wave", "waves", "--waves")
    _args.add_choices(
        p,
        missing=("listwise|fiml", "couples with every item answered (default), or FIML"),
        scaling=("FF|MV", "fixed factor (default) or marker variable (first item)"),
        structure=("subscales|one", "one factor per subscale (default) or for all items"),
    )
    _args.add_lang_argument(p, "the report")
    _args.add_map_argument(p)
    _args.add_source_argument(p)
    _output.add_output_arguments(
        p, json="legacy", html="also write an HTML report with the loading plots to FILE"
    )


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
            **_args.from_args(args, "dyad role scaling missing structure"),
            wave=wave,
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
