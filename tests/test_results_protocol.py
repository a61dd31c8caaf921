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


def _apim() -> Result:
    data = pd.read_csv(ORACLE / "apim_dist_long.csv")
    return ds.apim(data, x="x_actor", y="y", dyad="dyad", role="role")


FACTORIES: dict[str, Callable[[], Result]] = {
    "APIMResult": _apim,
}


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def result(request: pytest.FixtureRequest) -> Result:
    return FACTORIES[request.param]()


def test_is_a_result(result: Result) -> None:
    assert isinstance(result, Result)


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
