"""Reading DATA for the subcommands that read responses.

Their flags (``--source``, ``--map``, ``--missing-codes``) are declared in
:mod:`dyadscore.cli._args`, the one home of shared arguments.
"""

from __future__ import annotations

import argparse

from ..sources import SOURCES


def read_scorable(
    args: argparse.Namespace,
    *,
    strict: bool = True,
    instruments=None,
    keep_missing_codes=False,
    mapping=None,
):
    """``(data, mapping still to apply)`` of ``args.data`` for a command that scores it.

    One reader: :func:`dyadscore.formats.read_for_scoring` (``--source``, else the
    mapping's ``source:``, else the file's platform). ``strict``: the command needs person
    ids, so a file of no known platform must have a person id column. ``mapping``: the
    ``--map`` file already parsed, if the caller has it.
    """
    from ..formats import read_for_scoring

    check_source(args.source)
    return read_for_scoring(
        args.data,
        args.source,
        args.mapping if mapping is None else mapping,
        instruments=instruments,
        need_person=strict,
        keep_missing_codes=keep_missing_codes,
    )


def check_source(source: str) -> None:
    """``--source`` is checked here, not by argparse: one line, exit 2."""
    if source not in SOURCES:
        from ..errors import InputError

        raise InputError(f"--source {source!r} is unknown; expected one of: {', '.join(SOURCES)}")


def read_input(args: argparse.Namespace):
    """Read ``args.data`` for a command that analyses it (not only scores it).

    The project's own tables come back as :func:`dyadscore.io.read_table` reads them (a
    plain ``--map`` renames their columns); survey-platform and SPSS/Stata exports as
    :func:`dyadscore.formats.read_responses` makes them: ``person``, ``couple``, ``role``,
    ``wave`` and one column per item. Missing codes (``--missing-codes``, the mapping's
    ``missing:``) become empty cells.
    """
    from ..formats import load_mapping
    from ..scoring import rename_columns

    parsed = load_mapping(args.mapping)  # parsed once: read here, its codes applied below
    given = None if args.mapping is None else parsed
    data, renames = read_scorable(args, strict=False, keep_missing_codes=True, mapping=given)
    if renames is not None:
        data = rename_columns(data, renames)
    codes = [*(getattr(args, "missing_codes", None) or []), *parsed.missing]
    if codes:
        from ..dyads import replace_missing_codes

        ids = {getattr(args, k, None) for k in ("dyad", "role", "person", "wave")}
        data = replace_missing_codes(data, codes, [c for c in data.columns if c not in ids])
    return data


def score_named(
    data,
    names,
    *,
    person: str | None = None,
    instruments=(),
):
    """Score the subscales among ``names`` that are not columns but whose items are.

    For item-level data (a survey export, or our own item table): every name that is not a
    column but is a subscale of a shipped instrument whose items are all present is scored
    with :func:`dyadscore.scoring.score` (all other columns are kept), and stderr says so.
    Names that are neither are left for the analysis to report. ``instruments`` (ids or
    YAML paths, e.g. a user's own instrument) are searched before the shipped ones.
    """
    import sys

    from ..errors import InputError, input_name
    from ..instruments import list_instruments, load_instrument

    long = {"item", "value"} <= set(data.columns)
    have = set(data["item"].astype(str)) if long else set(map(str, data.columns))
    wanted = [n for n in dict.fromkeys(names) if n and n not in data.columns]
    insts = []
    candidates = {}
    for spec in [*instruments, *list_instruments()]:
        inst = load_instrument(spec)
        candidates.setdefault(inst.id, inst)
    for inst in candidates.values():
        named = [n for n in wanted if n in inst.subscales]
        if not named:
            continue
        absent = [i for i in inst.item_ids if i not in have]
        if absent and any(i in have for i in inst.item_ids):
            raise InputError(
                f"{input_name('data')}: {named[0]!r} is not a column and cannot be scored: item "
                f"{absent[0]!r} of {inst.id} is missing; map the export's columns with --map"
            )
        if not absent:
            insts.append(inst)
    if not insts:
        return data
    from ..scoring import find_person_column, score

    pid = find_person_column(data, person)
    items = {i for inst in insts for i in inst.item_ids}
    drop = {pid, "item", "value"} if long else {pid, *items}
    keep = [c for c in data.columns if c not in drop]
    out = score(data, insts, person=pid, keep=keep)
    done = [n for n in wanted if n in out.columns]
    print(
        f"dyadscore: scored {', '.join(done)} from the items of "
        f"{', '.join(f'{i.id} v{i.version}' for i in insts)}",
        file=sys.stderr,
    )
    return out
