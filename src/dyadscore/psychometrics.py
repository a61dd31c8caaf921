"""Psychometrics: reliability of questionnaire scales and reliable change between waves.

The public namespace ``dyadscore.psychometrics`` (scipy's convention: the code lives in
private modules behind it):

* :mod:`dyadscore._reliability` -- the reliability coefficients as ``psych`` computes
  them (:func:`cronbach_alpha`, :func:`feldt_ci`, :func:`omega_total`,
  :func:`omega_cfa`, :func:`item_statistics`, :func:`alpha_if_deleted`,
  :func:`minres_one_factor`, :func:`smc`) and :func:`reliability`, which applies them to
  every subscale of an instrument and returns a :class:`ReliabilityResult`;
* :mod:`dyadscore._reliable_change` -- the standard error of measurement (:func:`sem`)
  and the reliable change index (:func:`reliable_change`,
  :func:`reliable_change_between_waves`, :func:`reliable_change_summary`).

Answers coded on a shifted scale (0-6 for a 1-7 scale) are found by one detector,
:func:`dyadscore.scoring.shift_hint`; :func:`scale_shift_warnings` words its findings for
a whole instrument.

Examples
--------
>>> import pandas as pd
>>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
>>> round(cronbach_alpha(x)["alpha"], 4)  # pingouin.cronbach_alpha: 0.953757
0.9538
>>> round(sem(10.0, 0.91), 6)
3.0
"""

from __future__ import annotations

from ._reliability import (
    ReliabilityResult,
    alpha_if_deleted,
    cronbach_alpha,
    feldt_ci,
    item_covariance,
    item_statistics,
    minres_one_factor,
    omega_cfa,
    omega_total,
    reliability,
    scale_shift_warnings,
    smc,
)
from ._reliable_change import (
    CHANGE_CATEGORIES,
    reliable_change,
    reliable_change_between_waves,
    reliable_change_summary,
    sem,
)

__all__ = [
    "CHANGE_CATEGORIES",
    "ReliabilityResult",
    "alpha_if_deleted",
    "cronbach_alpha",
    "feldt_ci",
    "item_covariance",
    "item_statistics",
    "minres_one_factor",
    "omega_cfa",
    "omega_total",
    "reliability",
    "reliable_change",
    "reliable_change_between_waves",
    "reliable_change_summary",
    "scale_shift_warnings",
    "sem",
    "smc",
]
