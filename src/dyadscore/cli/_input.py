"""Shared handling of ``--source`` and ``--map`` for subcommands that read responses."""

from __future__ import annotations

import argparse

from ..sources import OWN_FORMATS, SOURCES


def add_source_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--source`` (platform of the export; detected by default)."""
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default="auto",
        help="where the data come from (default: detect): a survey platform, SPSS/Stata, or our own table",
    )


def resolve_source(args: argparse.Namespace, *, strict: bool = True):
    """Return ``(source, parsed mapping or None, own)``; ``own`` means our own table format.

    The source comes from ``--source``, else the mapping file, else detection.
    """
    from ..formats import detect_source, load_mapping

    mapping = load_mapping(args.mapping) if args.mapping else None
    source = args.source
    if source == "auto" and mapping is not None and mapping.source:
        source = mapping.source
    if source == "auto":
        source = detect_source(args.data, strict=strict)
    own = source in OWN_FORMATS and (mapping is None or mapping.is_plain)
    return source, mapping, own
