"""dyadscore: questionnaire scoring, dyadic analysis and the dependency paradox.

The public API is re-exported here lazily, so ``import dyadscore`` stays fast and
heavy libraries (pandas, scipy, matplotlib) load only when a function needs them.

Examples
--------
>>> import dyadscore as ds
>>> callable(ds.score)
True
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Instrument": "instruments",
    "load_instrument": "instruments",
    "list_instruments": "instruments",
    "present_instruments": "columns",
    "InputError": "errors",
    "DyadscoreError": "errors",
    "score": "scoring",
    "reliability": "_reliability",
    "reliable_change": "_reliable_change",
    "reliable_change_between_waves": "_reliable_change",
    "read_table": "io",
    "write_table": "io",
    "to_dyad": "dyads",
    "to_pairwise": "dyads",
    "to_individual": "dyads",
    "nonindependence": "dyads",
    "discrepancy": "dyads",
    "profile_similarity": "dyads",
    "wide_by_wave": "dyads",
    "prepare": "dyads",
    "apim": "_apim",
    "APIMResult": "_apim_result",
    "simulate_dyads": "simulate",
    "simulate_items": "simulate",
    "simulate_paradox": "simulate",
    "power": "power_analysis",
    "power_analytic": "power_analysis",
    "n_required": "power_analysis",
    "Hypothesis": "paradox",
    "load_hypotheses": "paradox",
    "codebook": "scoring",
    "read_responses": "formats",
    "suggest_mapping": "formats",
    "write_scores": "formats.writers",
    "score_file": "batch",
    "couple_report": "report",
    "export_answers": "administer.export",
    "keyed_items": "scoring",
    "cfa": "_cfa",
    "invariance": "_cfa",
    "CFAResult": "_cfa",
    "InvarianceResult": "_cfa",
    "diary_apim": "_diary",
    "DiaryAPIMResult": "_diary",
    "simulate_diary": "_diary",
    "power_diary": "_diary",
    "diary_book_model": "_diary",
    "overtime_apim": "_overtime",
    "OvertimeAPIMResult": "_overtime",
    "apimem": "_apimem",
    "APIMeMResult": "_apimem",
    "apimem_effect": "_apimem",
    "apimem_decide": "_apimem",
    "simulate_mediation": "_apimem",
    "power_mediation": "_apimem",
    "check_missing_codes": "dyads",
    "replace_missing_codes": "dyads",
    "DataWarning": "errors",
}

# Modules are named apart from the functions they export (``ds.apim`` is the function in
# ``_apim``, scipy's convention), because importing a submodule binds its name on the package.
_SUBMODULES = {
    "paradox",
    "dyads",
    "apim_gls",
    "scoring",
    "psychometrics",
    "io",
    "simulate",
    "power_analysis",
    "plotting",
    "instruments",
    "formats",
}

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dyadscore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
