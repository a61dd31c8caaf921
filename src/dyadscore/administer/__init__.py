"""Administering questionnaires to couples: answer store, terminal, local web form.

Names load lazily so ``import dyadscore.administer`` stays light.

Examples
--------
>>> from dyadscore.administer import BATTERIES
>>> "intake" in BATTERIES
True
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AnswerStore": "store",
    "StoreError": "store",
    "PartnerSession": "store",
    "BATTERIES": "batteries",
    "resolve_battery": "batteries",
    "administer": "terminal",
    "export_answers": "export",
    "create_app": "web",
    "serve": "web",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'dyadscore.administer' has no attribute {name!r}")
