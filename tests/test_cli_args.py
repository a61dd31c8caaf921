"""One vocabulary of command-line arguments (issue 13): the same flag means the same in every
command, the glossary page lists every shared flag, ``--json`` is a flag everywhere, and the
old spellings keep working for one release with a note on stderr."""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dyadscore.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
GLOSSARY = ROOT / "docs" / "guides" / "glossary.md"


def _flags() -> dict[str, list[tuple[str, argparse.Action]]]:
    """Every option string of every (sub)command: {flag: [(command, action), ...]}."""
    out: dict[str, list] = defaultdict(list)

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif path:
                for flag in action.option_strings:
                    if flag not in ("-h", "--help"):
                        out[flag].append((" ".join(path), action))

    walk(build_parser(), [])
    return out


FLAGS = _flags()

#: Flags whose shape (nargs, type, choices) may differ between commands, and why.
SHAPE_MAY_DIFFER = {
    "--json": "a flag; where --json PATH was the old spelling a PATH is still accepted",
    "--n": "one number of couples (simulate) or several (power)",
    "--x": "one predictor, or several in apim",
    "--roles": "two role labels; serve takes any number (or 'A,B')",
    "--couple": "a couple code; serve takes several",
    "--format": "the output formats each command writes",
    "--wave": "a column; a wave number in the answer-database commands (see the glossary)",
    "--missing": "the old simulate --missing (now --missing-share) for one release",
    "--items": "the old reliability --items (now --item-stats) for one release",
    "--waves": "the old simulate --waves (now --n-waves) for one release",
    "--partner": "a role in administer; the planted partner effect in simulate and power",
}


def _shape(action: argparse.Action):
    typ = getattr(action.type, "__name__", None)
    choices = tuple(action.choices) if action.choices else None
    nargs = 0 if isinstance(action, argparse._StoreTrueAction) else action.nargs
    return (type(action).__name__, action.dest, nargs, typ, choices)


def _shapes(flag: str) -> dict:
    shapes: dict = {}
    for command, action in FLAGS[flag]:
        shapes.setdefault(_shape(action), []).append(command)
    return shapes


SHARED = sorted(f for f, uses in FLAGS.items() if len(uses) > 1)


@pytest.mark.parametrize("flag", [f for f in SHARED if f not in SHAPE_MAY_DIFFER])
def test_a_shared_flag_has_one_shape(flag):
    shapes = _shapes(flag)
    assert len(shapes) == 1, f"{flag} differs between commands: {shapes}"


def test_the_exceptions_are_real():
    """Every flag excused above does differ (the list cannot outlive its reason)."""
    stale = [f for f in SHAPE_MAY_DIFFER if f not in SHARED or len(_shapes(f)) == 1]
    assert stale == []


def test_id_columns_default_as_in_the_api():
    """--dyad is 'couple' and --person is detected, in every command that takes them."""
    for command, action in FLAGS["--dyad"]:
        assert action.default == "couple", command
        assert not action.required, command
    for command, action in FLAGS["--person"]:
        assert action.default is None, command
    for command, action in FLAGS["--lang"]:
        assert action.default == "en" and tuple(action.choices) == ("en", "nl"), command


def test_json_is_a_flag_and_json_out_a_file_wherever_json_is():
    commands = {c for c, _ in FLAGS["--json"]}
    assert commands == {"apim", "apimem", "diary", "paradox", "reliability", "validate"}
    assert commands == {c for c, _ in FLAGS["--json-out"]}
    assert {c for c, a in FLAGS["--json"] if a.nargs == 0} == {"apim", "reliability"}


def test_glossary_page_lists_every_shared_flag_and_is_in_the_toctree():
    text = GLOSSARY.read_text(encoding="utf-8")
    listed = set(re.findall(r"(--[a-z][a-z-]*)", text))
    shared = {f for f, uses in FLAGS.items() if len(uses) > 1 and f.startswith("--")}
    assert shared - listed == set(), f"add to docs/guides/glossary.md: {shared - listed}"
    assert "guides/glossary" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


# --------------------------------------------------------------- --json and --json-out
def _couples(tmp_path) -> str:
    rng = np.random.default_rng(3)
    n = 40
    x = rng.normal(size=2 * n)
    y = 0.4 * x + rng.normal(size=2 * n)
    df = pd.DataFrame(
        {"couple": np.repeat(np.arange(n), 2), "role": ["a", "b"] * n, "x": x, "y": y}
    )
    path = tmp_path / "c.csv"
    df.to_csv(path, index=False)
    return str(path)


def test_apim_json_prints_json_and_json_out_saves_it_too(tmp_path, capsys):
    data = _couples(tmp_path)
    base = ["apim", data, "--x", "x", "--y", "y", "--role", "role"]  # --dyad: couple
    assert main([*base, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    target = tmp_path / "r.json"
    assert main([*base, "--json-out", str(target)]) == 0
    out = capsys.readouterr().out
    assert "APIM" in out and not out.lstrip().startswith("{")  # the summary still printed
    assert json.loads(target.read_text()) == printed
    # --json --out FILE: the JSON in the file, nothing on stdout
    both = tmp_path / "both.json"
    assert main([*base, "--json", "--out", str(both)]) == 0
    assert capsys.readouterr().out == "" and json.loads(both.read_text()) == printed
    # an existing --json-out without --force: one line, nothing written
    assert main([*base, "--json-out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err


def test_old_json_path_still_works_with_one_note_after_success(tmp_path, capsys):
    data = _couples(tmp_path)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    base = ["apimem", data, "--x", "x", "--m", "y", "--y", "y"]
    # an error stays one line: no deprecation note with it
    assert main([*base, "--json", str(old)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dyadscore: error: ")
    assert not old.exists()
    rng = np.random.default_rng(5)
    df = pd.read_csv(data).assign(m=lambda d: d["x"] * 0.5 + rng.normal(size=len(d)))
    df.to_csv(data, index=False)
    base = ["apimem", data, "--x", "x", "--m", "m", "--y", "y"]
    assert main([*base, "--json", str(old)]) == 0
    cap = capsys.readouterr()
    assert cap.err == (f"dyadscore: warning: --json {old} is deprecated; use --json-out {old}\n")
    assert main([*base, "--json-out", str(new)]) == 0
    assert capsys.readouterr().err == ""
    assert json.loads(old.read_text()) == json.loads(new.read_text())


def test_paradox_json_flag_prints_and_out_keeps_the_table(tmp_path, capsys):
    from dyadscore.simulate import simulate_paradox

    path = tmp_path / "p.csv"
    simulate_paradox(80, seed=2).to_csv(path, index=False)
    assert main(["paradox", str(path), "--json"]) == 0
    blob = json.loads(capsys.readouterr().out)
    table = tmp_path / "t.csv"
    assert main(["paradox", str(path), "-o", str(table)]) == 0
    got = pd.read_csv(table)
    assert list(got["hypothesis"]) == [r["hypothesis"] for r in blob["results"]]
    np.testing.assert_allclose(got["p"], [r["p"] for r in blob["results"]], rtol=1e-12)


# --------------------------------------------------------------- renamed flags
def test_power_alternative_and_the_old_sided_and_direction(capsys):
    base = ["power", "--n", "60", "--reps", "30", "--seed", "4"]
    assert main([*base, "--alternative", "two-sided"]) == 0
    two = capsys.readouterr()
    assert two.err == ""
    for flag, value in (("--sided", "two"), ("--direction", "two-sided")):
        assert main([*base, flag, value]) == 0
        old = capsys.readouterr()
        assert old.out == two.out
        assert old.err == f"dyadscore: warning: {flag} is deprecated; use --alternative\n"
    assert main(base) == 0
    one = capsys.readouterr().out
    assert one != two.out  # one-sided (default) is another test
    for flag, value in (
        ("--sided", "one"),
        ("--direction", "one-sided"),
        ("--alternative", "greater"),
    ):
        assert main([*base, flag, value]) == 0
        assert capsys.readouterr().out == one  # positive effects: the default is "greater"
    assert main([*base, "--actor=-.3", "--partner=-.1", "--alternative", "less"]) == 0
    less = capsys.readouterr().out
    assert main([*base, "--actor=-.3", "--partner=-.1"]) == 0
    assert capsys.readouterr().out == less  # negative effects: the default is "less"

    def analytic(text):
        rows = [line.split() for line in text.splitlines()[1:]]
        return np.array([float(r[4]) for r in rows])  # n_dyads, effect, power, mc_se, analytic

    # by hand: one-sided power = Phi(d - z_.95) gives d = |b|/se; two-sided at the same alpha
    # is Phi(d - z_.975) + Phi(-d - z_.975) (printed to 3 decimals)
    from scipy.stats import norm

    d = norm.ppf(analytic(one)) + norm.ppf(0.95)
    two_sided = norm.cdf(d - norm.ppf(0.975)) + norm.cdf(-d - norm.ppf(0.975))
    np.testing.assert_allclose(analytic(two.out), two_sided, atol=2e-3)


def test_simulate_renamed_flags_give_the_same_data(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    base = ["simulate", "-n", "30", "--seed", "9"]
    assert main([*base, "--n-waves", "2", "--missing-share", ".2", "-o", str(a)]) == 0
    assert capsys.readouterr().err.count("deprecated") == 0
    assert main([*base, "--waves", "2", "--missing", ".2", "-o", str(b)]) == 0
    err = capsys.readouterr().err
    assert "--waves is deprecated; use --n-waves" in err
    assert "--missing is deprecated; use --missing-share" in err
    pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b))
    assert pd.read_csv(a)["y_w2"].isna().mean() == pytest.approx(0.2, abs=0.15)


def test_argument_errors_stay_one_line(capsys):
    for argv in (
        ["apim", "x.csv", "--x", "a", "--y", "b", "--ml", "--sem"],
        ["power", "--alternative", "both"],
        ["power", "--direction", "both"],
        ["diary", "x.csv", "--x", "a", "--y", "b", "--lang", "fr"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("dyadscore: error: "), err
        assert "usage:" not in err
