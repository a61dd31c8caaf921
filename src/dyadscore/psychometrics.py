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
>>> lo, hi = feldt_ci(0.8, 100, 6)  # the alpha of a 6-item scale in 100 persons
>>> round(lo, 4), round(hi, 4), round(sem(10.0, 0.8), 4)  # psych::alpha.ci; 10 sqrt(.2)
(0.7325, 0.8551, 4.4721)
"""

from __future__ import annotations

from . import _reliability, _reliable_change
from ._reliability import *  # noqa: F403  (scipy's convention: the public namespace)
from ._reliable_change import *  # noqa: F403

__all__ = [*_reliability.__all__, *_reliable_change.__all__]
