"""The shipped instrument files and the instrument model's error reporting.

Checks every YAML file in ``instruments/`` against the module contracts (ids, subscales,
item ids), bilingual text, reverse keys and scale labels, and checks that problems in a
user's YAML are reported as one-line :class:`InstrumentError` messages naming the line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dyadscore as ds
from dyadscore import errors
from dyadscore.errors import InputError, InstrumentError
from dyadscore.instruments import (
    LANGUAGES,
    Instrument,
    instrument_dirs,
    lint_instrument,
    list_instruments,
    load_instrument,
    parse_instrument,
)

INSTRUMENT_DIR = Path(__file__).resolve().parents[1] / "instruments"


def _ids(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{k}" for k in range(first, last + 1)]


# The contract (notes/contracts.md): instrument id -> (scale min, max, {subscale: items}).
CONTRACT: dict[str, tuple[int, int, dict[str, list[str]]]] = {
    "acceptance-of-dependence": (
        1,
        7,
        {"perceived_acceptance": _ids("pa", 1, 6), "acceptance_given": _ids("ag", 1, 6)},
    ),
    "independent-functioning": (
        1,
        7,
        {
            "self_sufficiency": _ids("ss", 1, 6),
            "exploration": _ids("ex", 1, 5),
            "goal_pursuit": _ids("gp", 1, 5),
        },
    ),
    "felt-dependence": (1, 7, {"felt_dependence": _ids("fd", 1, 6)}),
    "goal-progress": (1, 7, {"goal_progress": _ids("prg", 1, 6)}),
    "responsiveness": (
        1,
        7,
        {
            "understanding": _ids("ppr", 1, 4),
            "validation": _ids("ppr", 5, 8),
            "caring": _ids("ppr", 9, 12),
            "responsiveness": _ids("ppr", 1, 12),
        },
    ),
    "attachment-short": (1, 7, {"anxiety": _ids("anx", 1, 6), "avoidance": _ids("av", 1, 6)}),
    "relationship-satisfaction": (1, 5, {"satisfaction": _ids("sat", 1, 5)}),
}

# Reverse-keyed items as designed (every subscale has at least one).
REVERSED: dict[str, set[str]] = {
    "acceptance-of-dependence": {"pa3", "pa5", "ag3", "ag5"},
    "independent-functioning": {"ss3", "ss6", "ex3", "gp3"},
    "felt-dependence": {"fd4", "fd6"},
    "goal-progress": {"prg4"},
    "responsiveness": {"ppr3", "ppr7", "ppr11"},
    "attachment-short": {"anx5", "av4", "av6"},
    "relationship-satisfaction": {"sat3"},
}

SHIPPED = sorted(CONTRACT)


def _files() -> list[Path]:
    return sorted(INSTRUMENT_DIR.glob("*.yaml"))


# ------------------------------------------------------------------ shipped files
def test_shipped_set_matches_contract():
    assert sorted(p.stem for p in _files()) == SHIPPED
    assert set(SHIPPED) <= set(list_instruments())


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_file_loads_and_lints_clean(path: Path):
    inst = load_instrument(path)
    assert isinstance(inst, Instrument)
    assert inst.id == path.stem
    assert lint_instrument(path) == []
    # loading by id gives the same instrument as loading by path
    assert load_instrument(path.stem).key_hash == inst.key_hash


@pytest.mark.parametrize("iid", SHIPPED)
def test_subscales_and_scale_match_contract(iid: str):
    inst = load_instrument(iid)
    lo, hi, subscales = CONTRACT[iid]
    assert (inst.scale_min, inst.scale_max) == (lo, hi)
    assert {n: s.items for n, s in inst.subscales.items()} == subscales
    assert all(s.method == "mean" for s in inst.subscales.values())
    # every item is scored, and items are listed in the contract's order
    in_subscales = {i for items in subscales.values() for i in items}
    assert set(inst.item_ids) == in_subscales
    order = [i for items in subscales.values() for i in items]
    assert inst.item_ids == sorted(set(order), key=order.index)


@pytest.mark.parametrize("iid", SHIPPED)
def test_reverse_keys_as_designed(iid: str):
    inst = load_instrument(iid)
    assert set(inst.reverse_items) == REVERSED[iid]
    for name, sub in inst.subscales.items():
        rev = [i for i in sub.items if i in REVERSED[iid]]
        assert rev, f"{iid}: subscale {name} has no reverse-keyed item"
        if len(sub.items) >= 4:
            # keyed mostly in the construct's direction
            assert len(rev) < len(sub.items) / 2


def test_satisfaction_reverse_order_for_doctest():
    assert load_instrument("relationship-satisfaction").reverse_items[:1] == ["sat3"]


def test_ids_unique_across_instruments():
    items: list[str] = []
    subscales: list[str] = []
    for iid in SHIPPED:
        inst = load_instrument(iid)
        items += inst.item_ids
        subscales += list(inst.subscales)
    assert len(items) == len(set(items))
    assert len(subscales) == len(set(subscales))


def _texts(inst: Instrument) -> dict[str, dict[str, str]]:
    """Every bilingual text of an instrument, keyed by where it lives."""
    out = {"title": inst.title}
    if inst.instructions is not None:
        out["instructions"] = inst.instructions
    for it in inst.items:
        out[f"item {it.id}"] = it.text
    for name, sub in inst.subscales.items():
        assert sub.label is not None, f"{inst.id}: subscale {name} has no label"
        out[f"subscale {name}"] = sub.label
    labels = inst.response_scale.labels
    for value in labels.get("en", {}):
        out[f"anchor {value}"] = {lang: labels.get(lang, {}).get(value, "") for lang in LANGUAGES}
    return out


@pytest.mark.parametrize("iid", SHIPPED)
def test_all_text_bilingual_and_translated(iid: str):
    inst = load_instrument(iid)
    assert inst.instructions is not None
    for where, text in _texts(inst).items():
        assert set(text) == set(LANGUAGES), f"{iid}: {where}"
        en, nl = text["en"].strip(), text["nl"].strip()
        assert en and nl, f"{iid}: {where} has empty text"
        assert en != nl, f"{iid}: {where} is untranslated"


@pytest.mark.parametrize("iid", SHIPPED)
def test_item_wording_is_plain(iid: str):
    for it in load_instrument(iid).items:
        en_words = len(it.text["en"].split())
        assert 6 <= en_words <= 18, f"{it.id}: {en_words} words"
        assert it.text["en"].endswith("."), it.id
        assert it.text["nl"].endswith("."), it.id
        # first person, about the partner or the self
        assert re.search(r"\b(I|my|me|My)\b", it.text["en"]), it.id
        assert re.search(r"\b(ik|mijn|me|mij|Ik|Mijn)\b", it.text["nl"]), it.id


@pytest.mark.parametrize("iid", SHIPPED)
def test_scale_labels_within_range_and_anchored(iid: str):
    inst = load_instrument(iid)
    lo, hi = inst.scale_min, inst.scale_max
    for lang in LANGUAGES:
        labels = inst.response_scale.labels[lang]
        assert all(lo <= k <= hi for k in labels)
        mid = (lo + hi) // 2
        assert {lo, mid, hi} <= set(labels), f"{iid}/{lang}: needs end and mid anchors"
        assert len(set(labels.values())) == len(labels)
    assert inst.response_scale.label(hi, "nl") != inst.response_scale.label(hi, "en")


@pytest.mark.parametrize("iid", SHIPPED)
def test_missing_rule_and_provenance(iid: str):
    inst = load_instrument(iid)
    # responsiveness 1.1.0: four-item facets prorate from 3 of 4 items (issue 11)
    assert inst.version == ("1.1.0" if iid == "responsiveness" else "1.0.0")
    assert inst.missing.rule == "prorate"
    assert inst.missing.min_answered == pytest.approx(0.75 if iid == "responsiveness" else 0.8)
    prov = inst.provenance
    assert prov.authors == "dyadscore contributors"
    assert prov.licence == "CC-BY-4.0"
    assert prov.based_on
    assert "not validated" in prov.status and "not a clinical test" in prov.status
    assert prov.notes and "own sample" in prov.notes
    assert inst.references
    assert all(re.search(r"\((19|20)\d\d\)", ref) for ref in inst.references)
    rec = inst.provenance_record()
    assert rec["instrument"] == iid and rec["licence"] == "CC-BY-4.0"
    assert re.fullmatch(r"[0-9a-f]{16}", rec["key_hash"])


def test_key_hash_distinguishes_instruments():
    hashes = {load_instrument(i).key_hash for i in SHIPPED}
    assert len(hashes) == len(SHIPPED)


# ------------------------------------------------------------ error reporting
GOOD = """\
id: my-scale
version: 1.0.0
title: {en: My scale, nl: Mijn schaal}
construct: something
response_scale:
  min: 1
  max: 5
  labels:
    en: {1: Not at all, 5: Very much}
    nl: {1: Helemaal niet, 5: Heel erg}
subscales:
  total: {items: [q1, q2, q3]}
items:
  - id: q1
    text: {en: First item, nl: Eerste item}
  - id: q2
    reverse: true
    text: {en: Second item, nl: Tweede item}
  - id: q3
    text: {en: Third item, nl: Derde item}
provenance: {authors: Me, licence: proprietary}
references: ["Someone (2020). A paper."]
"""


def _error(text: str) -> str:
    with pytest.raises(InstrumentError) as info:
        with errors.reading("mine.yaml"):
            parse_instrument(text)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("mine.yaml")
    return msg


def test_good_text_parses():
    inst = parse_instrument(GOOD)
    assert inst.item_ids == ["q1", "q2", "q3"]
    assert inst.reverse_items == ["q2"]
    assert inst.subscales["total"].method == "mean"


def test_malformed_yaml_reports_line():
    bad = GOOD.replace("title: {en: My scale, nl: Mijn schaal}", "title: {en: My scale, nl: x")
    msg = _error(bad)
    assert "malformed YAML" in msg
    assert re.search(r"line \d+", msg)
    assert "::" not in msg


def test_bad_indentation_reports_its_line():
    lines = GOOD.splitlines()
    k = lines.index("  - id: q3")
    lines[k + 1] = "   text: {en: Third item, nl: Derde item}"  # one space off
    msg = _error("\n".join(lines) + "\n")
    assert "malformed YAML" in msg
    line = int(re.search(r"line (\d+)", msg).group(1))
    assert abs(line - (k + 2)) <= 1


def test_subscale_with_unknown_item():
    msg = _error(GOOD.replace("items: [q1, q2, q3]", "items: [q1, q2, q9]"))
    assert "unknown item 'q9'" in msg and "'total'" in msg
    assert "line 12" in msg  # the subscale's line


def test_subscale_lists_item_twice():
    msg = _error(GOOD.replace("items: [q1, q2, q3]", "items: [q1, q2, q1]"))
    assert "'q1' twice" in msg and "line 12" in msg


def test_duplicate_item_id():
    msg = _error(GOOD.replace("  - id: q3", "  - id: q2"))
    assert "duplicate item id 'q2'" in msg
    assert "line 19" in msg  # the second occurrence


def test_missing_en_text():
    msg = _error(GOOD.replace("{en: Second item, nl: Tweede item}", "{nl: Tweede item}"))
    assert "no text in en" in msg
    assert "items.1.text" in msg and "line 18" in msg


ENGLISH_ONLY = re.sub(r", nl: [^}]*}", "}", GOOD).replace(
    "    nl: {1: Helemaal niet, 5: Heel erg}\n", ""
)


def test_own_instrument_with_english_text_only_loads_and_scores(tmp_path, capsys):
    """Issue 9: a user's own instrument needs English only; Dutch only for Dutch output."""
    import pandas as pd

    import dyadscore as ds
    from dyadscore.cli import main

    assert "nl" not in ENGLISH_ONLY
    path = tmp_path / "my-scale.yaml"
    path.write_text(ENGLISH_ONLY)
    inst = load_instrument(path)
    assert inst.items[1].text == {"en": "Second item"} and inst.missing_text("nl") == "title"
    # scoring does not need Dutch: hand-worked mean of 2, 6 - 4 and 5
    out = ds.score(pd.DataFrame({"person": ["p"], "q1": [2], "q2": [4], "q3": [5]}), inst)
    assert out["total"].tolist() == [3.0]
    assert main(["instruments", "show", str(path)]) == 0
    assert "Second item" in capsys.readouterr().out
    # Dutch output is asked for: one line naming the file and what is missing, exit 2
    for argv in (
        ["instruments", "show", str(path), "--lang", "nl"],
        ["instruments", "export", str(path), "--to", "surveyjs", "--lang", "nl", "-o", "-"],
    ):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and "has no text in nl" in err, err
    with pytest.raises(InstrumentError, match=r"my-scale.yaml: title has no text in nl"):
        inst.require_language("nl", str(path))
    assert main(["instruments", "check", str(path)]) == 0
    assert "has no Dutch text (nl)" in capsys.readouterr().out


def test_shipped_instrument_without_dutch_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "shipped"
    folder.mkdir()
    (folder / "my-scale.yaml").write_text(ENGLISH_ONLY)
    monkeypatch.setenv("DYADSCORE_INSTRUMENTS", str(folder))
    with pytest.raises(InstrumentError, match=r"my-scale.yaml: title has no text in nl"):
        load_instrument("my-scale")


def test_missing_nl_title():
    msg = _error(GOOD.replace("{en: My scale, nl: Mijn schaal}", "{en: My scale, nl: ''}"))
    assert "title" in msg and "nl" in msg and "line 3" in msg


def test_missing_nl_text_loads_and_is_needed_only_for_dutch_output(tmp_path):
    # DESIGN: text in en is required; nl only for shipped instruments (issue 9)
    path = tmp_path / "my-scale.yaml"
    path.write_text(GOOD.replace("{en: Second item, nl: Tweede item}", "{en: Second item}"))
    inst = load_instrument(path)
    assert inst.missing_text("nl") == "item 'q2'"
    inst.require_language("en")
    with pytest.raises(InstrumentError, match="item 'q2' has no text in nl"):
        inst.require_language("nl")


def test_missing_en_title():
    msg = _error(GOOD.replace("{en: My scale, nl: Mijn schaal}", "{en: '', nl: Mijn schaal}"))
    assert "title" in msg and "en" in msg and "line 3" in msg


def test_unknown_key():
    msg = _error(GOOD.replace("  - id: q2\n", "  - id: q2\n    colour: red\n"))
    assert "items.1.colour" in msg and "line 17" in msg


def test_unknown_top_level_key():
    msg = _error(GOOD + "scoring: weird\n")
    assert "scoring" in msg and "line 23" in msg


def test_duplicate_key():
    msg = _error(GOOD.replace("  - id: q2\n", "  - id: q2\n    id: q4\n"))
    assert "duplicate key 'id'" in msg and "line 17" in msg


def test_label_outside_scale():
    msg = _error(GOOD.replace("5: Heel erg", "6: Heel erg"))
    assert "anchor 6 is outside 1-5" in msg


def test_scale_max_not_above_min():
    text = GOOD.replace("  max: 5", "  max: 1").replace(", 5: Very much", "")
    msg = _error(text.replace(", 5: Heel erg", ""))
    assert "must exceed min" in msg


def test_unquoted_yes_no_label_is_reported():
    # YAML 1.1 reads an unquoted No/Yes as a boolean; the error points at the line.
    msg = _error(GOOD.replace("en: {1: Not at all, 5: Very much}", "en: {1: No, 5: Yes}"))
    assert "response_scale.labels.en.1" in msg and "line 9" in msg


def test_bad_id_and_not_a_mapping():
    assert "id" in _error(GOOD.replace("id: my-scale", "id: My Scale"))
    assert "expected a YAML mapping" in _error("- just\n- a list\n")


# ------------------------------------------------------------ user instruments
def test_user_instrument_from_file(tmp_path: Path):
    path = tmp_path / "my-scale.yaml"
    path.write_text(GOOD, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.id == "my-scale"
    assert load_instrument(str(path)) is inst  # cached by path and mtime
    assert lint_instrument(path) == []
    assert inst.provenance_record()["licence"] == "proprietary"


def test_user_instrument_lint_warnings(tmp_path: Path):
    text = GOOD.replace("id: my-scale", "id: other-name").replace(
        "{en: Third item, nl: Derde item}", "{en: Third item, nl: Third item}"
    )
    text = text.replace('references: ["Someone (2020). A paper."]\n', "")
    path = tmp_path / "my-scale.yaml"
    path.write_text(text, encoding="utf-8")
    warnings = lint_instrument(path)
    assert any("does not match the file name" in w for w in warnings)
    assert any("'q3' has the same text" in w for w in warnings)
    assert any("no references" in w for w in warnings)


def test_user_instrument_errors_name_the_file(tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InstrumentError, match="not found"):
        load_instrument(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("items: [q1, q2, q3]", "items: [q1, q2, q9]"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"bad\.yaml: line 12: .*unknown item 'q9'"):
        load_instrument(bad)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(GOOD.replace("Eerste", "Eérste").encode("latin-1"))
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_instrument(latin)


def test_unknown_id_lists_shipped():
    with pytest.raises(InstrumentError, match="acceptance-of-dependence"):
        load_instrument("no-such-instrument")


# ------------------------------------------------------------ regressions from the review of issue 2


SAT = ds.load_instrument("relationship-satisfaction")  # 5 items, 1-5, sat3 reversed


def test_scale_error_names_the_field_once(tmp_path):
    shipped = next(d for d in instrument_dirs() if (d / f"{SAT.id}.yaml").is_file())
    text = (shipped / f"{SAT.id}.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  max: 5", "  max: 1", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        ds.load_instrument(bad)
    msg = str(exc.value)
    assert msg.count("response_scale") == 1 and "max (1) must exceed min (1)" in msg
