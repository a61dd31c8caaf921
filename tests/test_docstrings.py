"""Every public name in ``dyadscore.__all__`` has a numpydoc docstring that a user can run.

Checked for every exported callable (functions and classes, including names added later):

* functions: ``Parameters`` (when the signature has any), ``Returns`` and ``Examples``;
  classes: ``Parameters`` or ``Attributes`` and ``Examples`` (a class returns nothing);
* the Examples hold at least one ``>>>`` line, none marked ``+SKIP``, and they pass when
  run here as doctests (the same flags as ``pytest --doctest-modules``);
* a statistic (the names in ``STATISTICS`` that are exported) names its equivalent R call
  as ``In R: `...```;
* numpydoc's own validator finds no malformed section (when numpydoc is installed).
"""

from __future__ import annotations

import doctest
import inspect
import re
import sys
from pathlib import Path

import pytest

import dyadscore as ds

ROOT = Path(__file__).resolve().parents[1]

#: Exported names that compute a statistic: their docstring names the R equivalent.
#: Names not (yet) exported are skipped, so a new model is covered as soon as it is exported.
STATISTICS = {
    "apim",
    "reliability",
    "reliable_change",
    "reliable_change_between_waves",
    "nonindependence",
    "profile_similarity",
    "power",
    "power_analytic",
    "n_required",
    "cfa",
    "invariance",
    "diary_apim",
    "overtime_apim",
    "apimem",
}

SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}[ \t]*$", re.M)


def _public() -> list[str]:
    return [
        n
        for n in ds.__all__
        if not n.startswith("_")
        and n not in ds._SUBMODULES
        and callable(getattr(ds, n))
        and not inspect.ismodule(getattr(ds, n))
    ]


PUBLIC = _public()


def _sections(doc: str) -> dict[str, str]:
    heads = list(SECTION.finditer(doc))
    return {
        m.group(1): doc[m.end() : heads[i + 1].start() if i + 1 < len(heads) else len(doc)]
        for i, m in enumerate(heads)
    }


def _has_parameters(obj) -> bool:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return True
    return any(p.name not in {"self", "cls"} for p in sig.parameters.values())


def test_there_are_public_callables():
    assert {"score", "apim", "reliability", "load_instrument"} <= set(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_numpydoc_sections(name):
    obj = getattr(ds, name)
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    sections = _sections(doc)
    if inspect.isclass(obj):
        assert {"Parameters", "Attributes"} & set(sections), f"{name}: no Parameters/Attributes"
    else:
        if _has_parameters(obj):
            assert "Parameters" in sections, f"{name}: no Parameters section"
        assert "Returns" in sections or "Yields" in sections, f"{name}: no Returns section"
    examples = sections.get("Examples", "")
    assert ">>>" in examples, f"{name}: no Examples section with a doctest"
    assert "+SKIP" not in doc, f"{name}: a skipped doctest"
    if name in STATISTICS:
        assert re.search(r"In R\b[^`]*:\s+``?[^`]+``?", doc), f"{name}: names no equivalent R call"


@pytest.mark.parametrize("name", PUBLIC)
def test_examples_run(name, monkeypatch):
    """The Examples pass as doctests (repo root as working directory, as pytest runs them)."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    obj = getattr(ds, name)
    module = sys.modules[obj.__module__]
    finder = doctest.DocTestFinder(recurse=False)
    tests = [
        t for t in finder.find(obj, name, module=module, globs=vars(module).copy()) if t.examples
    ]
    assert tests, f"{name}: no doctest found"
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False
    )
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} failing doctest example(s)"


@pytest.mark.parametrize("name", PUBLIC)
def test_numpydoc_validation(name):
    """No malformed numpydoc: unknown sections, parameters documented but absent (or the reverse)."""
    validate = pytest.importorskip("numpydoc.validate")
    obj = getattr(ds, name)
    res = validate.validate(f"{obj.__module__}.{obj.__qualname__}")
    # GL06 unknown section, GL07 section order, PR01 parameter not documented,
    # PR02 documented but unknown parameter, PR10 spacing around the colon (parameters are
    # checked for functions; a class documents its fields under Attributes)
    checked = {"GL06", "GL07"} if inspect.isclass(obj) else {"GL06", "GL07", "PR01", "PR02", "PR10"}
    errors = [f"{code}: {msg}" for code, msg in res["errors"] if code in checked]
    assert errors == [], f"{name}: " + "; ".join(errors)
