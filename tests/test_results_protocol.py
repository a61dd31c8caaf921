"""Every result type passes one shared protocol test (DESIGN.md, "Result protocol")."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import dyadscore as ds
from dyadscore.results import Result

ORACLE = Path(__file__).parent / "oracle"
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def _apim() -> Result:
    data = pd.read_csv(ORACLE / "apim_dist_long.csv")
    return ds.apim(data, x="x_actor", y="y", dyad="dyad", role="role")


def _reliability() -> Result:
    items = pd.read_csv(SAMPLE / "couples_items.csv")
    return ds.reliability(items[items["wave"] == 1], "felt-dependence", by="role")


def _paradox() -> Result:
    from dyadscore import paradox
    from dyadscore.simulate import simulate_paradox

    data = paradox.wide_by_wave(simulate_paradox(200, seed=1))
    return paradox.test(data, hypotheses=["H3"])


def _cfa() -> Result:
    long = pd.read_csv(ORACLE / "cfa" / "cfa_persons_long.csv")
    return ds.cfa(long, [f"item{i}" for i in range(1, 7)])


def _invariance() -> Result:
    long = pd.read_csv(ORACLE / "cfa" / "cfa_persons_long.csv")
    return ds.invariance(long, [f"item{i}" for i in range(1, 7)])


def _diary() -> Result:
    df = ds.simulate_diary(n_couples=30, n_days=10, seed=2)
    return ds.diary_apim(df, x="x", y="y", dyad="couple", role="role", time="day")


def _overtime() -> Result:
    import numpy as np

    rng = np.random.default_rng(1)
    n, waves = 60, 3
    couple = np.repeat(np.arange(n), 2 * waves)
    role = np.tile(["f", "m"], n * waves)
    wave = np.tile(np.repeat(np.arange(1, waves + 1), 2), n)
    x = rng.normal(size=n * 2 * waves)
    y = 0.4 * x + rng.normal(size=n)[couple] + rng.normal(size=x.size)
    df = pd.DataFrame({"couple": couple, "role": role, "wave": wave, "x": x, "y": y})
    return ds.overtime_apim(df, x="x", y="y")


def _apimem() -> Result:
    df = ds.simulate_mediation(300, seed=1)
    return ds.apimem(df, x="x", m="m", y="y", dyad="couple", role="role")


FACTORIES: dict[str, Callable[[], Result]] = {
    "APIMResult": _apim,
    "ReliabilityResult": _reliability,
    "ParadoxResult": _paradox,
    "CFAResult": _cfa,
    "InvarianceResult": _invariance,
    "DiaryAPIMResult": _diary,
    "OvertimeAPIMResult": _overtime,
    "APIMeMResult": _apimem,
}


def test_every_result_type_is_covered() -> None:
    """Every Result subclass defined in src/ has a factory here."""
    import ast

    src = Path(ds.__file__).parent
    names = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "(Result)" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and any(
                getattr(b, "id", getattr(b, "attr", None)) == "Result" for b in node.bases
            ):
                names.add(node.name)
    assert names <= set(FACTORIES), sorted(names - set(FACTORIES))


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def result(request: pytest.FixtureRequest) -> Result:
    return FACTORIES[request.param]()


def test_is_a_result(result: Result, request: pytest.FixtureRequest) -> None:
    assert isinstance(result, Result)
    assert type(result).__name__ == request.node.callspec.params["result"]


def test_short_repr(result: Result) -> None:
    text = repr(result)
    assert text.startswith(f"<{type(result).__name__}") and len(text) < 300
    assert "\n" not in text


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_summary_is_text(result: Result, lang: str) -> None:
    text = result.summary(lang=lang)
    assert isinstance(text, str) and len(text) > 20
    assert "np.float" not in text and "np.int" not in text


def test_to_dict_round_trips_through_json(result: Result, tmp_path: Path) -> None:
    d = result.to_dict()
    assert isinstance(d, dict) and d
    text = result.to_json()
    assert json.loads(text) == json.loads(json.dumps(d))
    assert "NaN" not in text and "Infinity" not in text
    out = tmp_path / "r.json"
    result.to_json(out)
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(text)


def test_html(result: Result) -> None:
    html = result._repr_html_()
    assert html == result.to_html()
    assert html.startswith("<div") and "<pre>" in html


def test_str_is_summary(result: Result) -> None:
    assert str(result) == result.summary()
