"""errors.reading / input_name / where: the file name reaches messages through a context."""

from __future__ import annotations

import inspect
import threading

import pandas as pd
import pytest

import dyadscore as ds
from dyadscore import errors
from dyadscore.errors import InputError, input_name, reading, where


def test_reading_names_the_input_and_restores_it():
    assert input_name() == "input" and input_name("data") == "data"
    assert input_name(None) is None
    with reading("a.csv"):
        assert input_name("data") == "a.csv"
        assert where(None, "p1", "x") == "a.csv: row 'p1', column 'x'"
        with reading("b.csv"):
            assert where(None, None, "x") == "b.csv: column 'x'"
        with reading(None):  # no name: the outer one stays
            assert input_name() == "a.csv"
        assert input_name() == "a.csv"
    assert where(None, "p1", "x") == "row 'p1', column 'x'"
    assert where() == "input"


def test_reading_is_restored_after_an_error():
    with pytest.raises(InputError), reading("a.csv"):
        raise InputError(where(None, None, "x"))
    assert input_name(None) is None


def test_explicit_name_wins_in_where():
    with reading("a.csv"):
        assert where("b.yaml", None, "x") == "b.yaml: column 'x'"


def test_reading_does_not_leak_into_other_threads():
    seen = []
    with reading("a.csv"):
        t = threading.Thread(target=lambda: seen.append(input_name(None)))
        t.start()
        t.join()
    assert seen == [None]


def test_messages_name_the_file_set_by_reading():
    df = pd.DataFrame({"couple": [1, 1], "role": ["a", "b"], "x": [1.0, "zz"]})
    with pytest.raises(InputError) as plain:
        ds.nonindependence(df, "x", "couple", "role")
    with pytest.raises(InputError) as named, reading("couples.csv"):
        ds.nonindependence(df, "x", "couple", "role")
    assert str(plain.value).startswith("input: ")
    assert str(named.value) == "couples.csv: " + str(plain.value).removeprefix("input: ")


def test_old_source_file_name_still_works_with_a_deprecation_warning():
    df = pd.DataFrame({"couple": [1, 1], "role": ["a", "b"], "x": [1.0, "zz"]})
    with pytest.warns(DeprecationWarning, match="reading"), pytest.raises(InputError) as exc:
        ds.nonindependence(df, "x", "couple", "role", source="couples.csv")
    assert str(exc.value).startswith("couples.csv: ")
    assert input_name(None) is None


@pytest.mark.parametrize("name", sorted(ds.__all__))
def test_no_public_function_takes_a_file_name_as_source(name):
    """``source`` is a survey platform only: its default is ``"auto"`` where it exists."""
    func = getattr(ds, name)
    if not callable(func) or inspect.isclass(func):
        return
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    if "source" in params:
        assert params["source"].default == "auto", name


def test_score_names_the_path_it_reads(tmp_path):
    path = tmp_path / "resp.csv"
    path.write_text("person,sat1,sat2,sat3,sat4,sat5\np1,5,4,1,5,9\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^.*resp\.csv: row 'p1', column 'sat5'"):
        ds.score(str(path), "relationship-satisfaction")
    assert errors.input_name(None) is None
