"""``dyadscore instruments``: list, show, check, export and import questionnaire instruments.

List the shipped instruments, show one in English or Dutch, check (validate and lint)
instrument YAML files, shipped or your own, export one for Qualtrics, REDCap or SurveyJS, or
import a REDCap data dictionary as a YAML. Your own instrument needs English text only; Dutch
only for Dutch output (--lang nl).
"""

from __future__ import annotations

import argparse
import json
import textwrap

from . import _args, _output


def register(sub: argparse._SubParsersAction) -> None:
    p = _args.add_command(sub, "instruments", __doc__, run)
    isub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = isub.add_parser("list", help="list shipped instruments")
    _args.add_lang_argument(ls, "the titles")
    show = isub.add_parser("show", help="display one instrument")
    show.add_argument("instrument", help="instrument id or path to a .yaml file")
    _args.add_lang_argument(show, "the items")
    check = isub.add_parser("check", help="validate and lint instrument files")
    check.add_argument("paths", nargs="*", help="YAML files (default: all shipped instruments)")
    check.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    isub.add_parser("schema", help="print the JSON Schema of the instrument format")
    exp = isub.add_parser(
        "export",
        help="export an instrument for Qualtrics (.qsf), REDCap (data dictionary) or SurveyJS",
        description="Write an instrument in a form the survey platforms import: a Qualtrics "
        "survey file (.qsf), a REDCap data dictionary (CSV) or SurveyJS survey JSON. The "
        "answer columns are named by item id (Qualtrics: <instrument>_<item id>, read back "
        "as the item id), so the platform's response export scores without a mapping.",
    )
    exp.add_argument("instrument", help="instrument id or path to a .yaml file")
    exp.add_argument("--to", required=True, choices=["qsf", "redcap", "surveyjs"])
    _args.add_lang_argument(exp, "the items")
    exp.add_argument(
        "--no-dyad", action="store_true", help="leave out the couple code and role questions"
    )
    _output.add_output_arguments(exp, out="output file, or '-' to print it", out_required=True)
    imp = isub.add_parser(
        "import",
        help="make an instrument YAML from a REDCap data dictionary CSV",
        description="Read a REDCap data dictionary (Project Setup > Data Dictionary > "
        "Download) and write an instrument YAML: its Likert items (radio/dropdown fields "
        "with numbered choices), the response scale from the choices, English text from the "
        "field labels. A dictionary made by 'instruments export --to redcap' comes back with "
        "its ids, reverse keys, subscales and missing rule. Check the YAML (reverse keys, "
        "subscales, provenance) before scoring with it.",
    )
    imp.add_argument("dictionary", help="REDCap data dictionary (CSV)")
    imp.add_argument("--id", dest="instrument_id", help="id of the new instrument")
    imp.add_argument("--form", help="take the items of this REDCap form (Form Name) only")
    _output.add_output_arguments(imp, out="output YAML file (default: print it)")


def run(args: argparse.Namespace) -> int:
    from .. import instruments as ins

    if args.action == "list":
        rows = [ins.load_instrument(i) for i in ins.list_instruments()]
        width = max(len(r.id) for r in rows)
        for r in rows:
            subs = ", ".join(r.subscales)
            print(f"{r.id:<{width}}  v{r.version}  {len(r.items):>2} items  {r.title[args.lang]}")
            print(f"{'':<{width}}  subscales: {subs}")
        return 0
    if args.action == "show":
        inst = ins.load_instrument(args.instrument).require_language(args.lang, args.instrument)
        print(render(inst, args.lang))
        return 0
    if args.action == "import":
        import sys

        from ..formats.export import instrument_from_redcap, instrument_yaml
        from ._output import emit

        inst = instrument_from_redcap(
            args.dictionary, instrument_id=args.instrument_id, form=args.form
        )
        if emit(instrument_yaml(inst), args.out, force=args.force, newline=False):
            print(
                f"imported {inst.id} ({len(inst.items)} items, scale {inst.scale_min}-"
                f"{inst.scale_max}) -> {args.out}",
                file=sys.stderr,
            )
        return 0
    if args.action == "export":
        import sys

        from ..formats.export import write_instrument_export

        path = write_instrument_export(
            args.instrument,
            args.to,
            args.out,
            lang=args.lang,
            dyad=not args.no_dyad,
            force=args.force,
        )
        if str(path) != "-":
            print(f"exported {args.instrument} for {args.to} -> {path}", file=sys.stderr)
        return 0
    if args.action == "schema":
        print(json.dumps(ins.instrument_schema(), indent=2))
        return 0
    paths = args.paths or [str(p) for p in _shipped_files()]
    n_warn = 0
    for path in paths:
        warnings = ins.lint_instrument(path)
        n_warn += len(warnings)
        print(f"{path}: OK" + (f" ({len(warnings)} warning(s))" if warnings else ""))
        for w in warnings:
            print(f"  warning: {w}")
    return 1 if (args.strict and n_warn) else 0


def _shipped_files():
    from .. import instruments as ins

    found = {}
    for d in ins.instrument_dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return list(found.values())


def render(inst, lang: str = "en") -> str:
    """Readable text of an instrument in one language."""
    inst.require_language(lang)
    from ..catalogue import Texts

    words = Texts("instruments")[lang]
    scale = inst.response_scale
    lines = [f"{inst.title[lang]}  ({inst.id} v{inst.version})", ""]
    if inst.instructions:
        lines += textwrap.wrap(inst.instructions[lang], 88) + [""]
    anchors = ", ".join(f"{k} = {v}" for k, v in sorted(scale.labels.get(lang, {}).items()))
    lines.append(f"{words['scale']} {scale.min}-{scale.max}: {anchors}")
    lines.append("")
    for n, item in enumerate(inst.items, 1):
        mark = " (R)" if item.reverse else ""
        lines.append(f"{n:>3}. [{item.id}]{mark} {item.text[lang]}")
    lines.append("")
    lines.append(f"{words['subscales']}:")
    for name, sub in inst.subscales.items():
        lines.append(f"  {name} ({sub.method}): {', '.join(sub.items)}")
    rule = inst.missing
    how = (
        words["complete"]
        if rule.rule == "complete"
        else words["prorate"].format(share=rule.min_answered)
    )
    lines.append(f"{words['missing']}: {how}")
    lines.append(words["reverse"].format(total=scale.min + scale.max))
    lines.append("")
    prov = inst.provenance
    lines.append(
        f"{words['provenance']}: {prov.authors}; {words['licence']} {prov.licence}; {prov.status}"
    )
    if prov.based_on:
        lines.append(f"{words['based_on']}: {'; '.join(prov.based_on)}")
    for ref in inst.references:
        lines += textwrap.wrap(f"- {ref}", 88, subsequent_indent="  ")
    return "\n".join(lines)
