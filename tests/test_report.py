"""Coach report: numbers against hand computation / numpy, self-containment, language."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dyadscore.administer.store import AnswerStore
from dyadscore.errors import InputError
from dyadscore.instruments import load_instrument
from dyadscore.report import couple_report, couple_summary

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
BATTERY = ["felt-dependence", "relationship-satisfaction", "attachment-short"]
SUBS = ["felt_dependence", "satisfaction", "anxiety", "avoidance"]

# raw answers per (role, wave): instrument -> list in item order
ANSWERS = {
    ("A", 1): {
        "felt-dependence": [5, 6, 3, 4, 7, 1],
        "relationship-satisfaction": [4, 4, 2, 5, 3],
        "attachment-short": [2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6],
    },
    ("B", 1): {
        "felt-dependence": [2, 2, 2, 6, 1, 7],
        "relationship-satisfaction": [5, 5, 1, 5, 5],
        "attachment-short": [6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1],
    },
    ("A", 2): {
        "felt-dependence": [3, 3, 3, 5, 3, 5],
        "relationship-satisfaction": [5, 5, 1, 5, 4],
        "attachment-short": [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3],
    },
    ("B", 2): {
        "felt-dependence": [2, 3, 2, 6, 1, 7],
        "relationship-satisfaction": [5, 4, 1, 5, 5],
        "attachment-short": [6, 5, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1],
    },
}


def hand_score(role: str, wave: int, sub: str) -> float:
    """Mean of the subscale's items with reverse items as min + max - x."""
    for inst_id, values in ANSWERS[(role, wave)].items():
        inst = load_instrument(inst_id)
        if sub in inst.subscales:
            given = dict(zip(inst.item_ids, values, strict=True))
            lo, hi = inst.scale_min, inst.scale_max
            keyed = [
                (lo + hi - given[i]) if i in inst.reverse_items else given[i]
                for i in inst.subscales[sub].items
            ]
            return sum(keyed) / len(keyed)
    raise KeyError(sub)


def scale_range(sub: str) -> tuple[int, int]:
    for inst_id in BATTERY:
        inst = load_instrument(inst_id)
        if sub in inst.subscales:
            return inst.scale_min, inst.scale_max
    raise KeyError(sub)


def make_db(path: Path, waves=(1, 2)) -> Path:
    store = AnswerStore(path)
    for (role, wave), per_inst in ANSWERS.items():
        if wave not in waves:
            continue
        s = store.start_session("c01", role, wave=wave, battery=BATTERY)
        rows = []
        for inst_id, values in per_inst.items():
            inst = load_instrument(inst_id)
            rows += [(inst_id, i, v) for i, v in zip(inst.item_ids, values, strict=True)]
        store.save_answers(s.id, rows)
        store.finish(s.id)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("rep") / "a.db")


def test_scores_and_discrepancies_match_hand_computation(db: Path):
    sm = couple_summary(db, "c01")
    assert sm.roles == ["A", "B"] and sm.waves == [1, 2]
    sc = sm.scores.set_index(["role", "wave"])
    for role in "AB":
        for wave in (1, 2):
            for sub in SUBS:
                assert sc.loc[(role, wave), sub] == pytest.approx(hand_score(role, wave, sub))
    d = sm.discrepancy.set_index("variable")
    for sub in SUBS:
        assert d.loc[sub, "difference"] == pytest.approx(
            hand_score("A", 2, sub) - hand_score("B", 2, sub)
        )


def test_profile_similarity_is_the_pomp_profile_correlation(db: Path):
    sm = couple_summary(db, "c01")

    def pomp(role):
        out = []
        for sub in SUBS:
            lo, hi = scale_range(sub)
            out.append((hand_score(role, 2, sub) - lo) / (hi - lo) * 100)
        return out

    expected = np.corrcoef(pomp("A"), pomp("B"))[0, 1]
    assert sm.similarity["raw_r"] == pytest.approx(expected, abs=1e-12)
    assert sm.similarity["n_variables"] == 4
    assert np.isnan(sm.similarity["distinctive_r"])  # one couple: no normative profile


def test_reliable_change_with_a_norm_table(db: Path, tmp_path: Path):
    norms = pd.DataFrame(
        {
            "subscale": ["felt_dependence", "anxiety"],
            "mean": [4.0, 3.5],
            "sd": [1.0, 0.5],
            "reliability": [0.8, 0.9],
        }
    )
    path = tmp_path / "norms.csv"
    norms.to_csv(path, index=False)
    sm = couple_summary(db, "c01", norms=path)
    ch = sm.change.set_index(["role", "variable"])
    for sub, sd, rel in [("felt_dependence", 1.0, 0.8), ("anxiety", 0.5, 0.9)]:
        for role in "AB":
            diff = hand_score(role, 2, sub) - hand_score(role, 1, sub)
            rci = diff / (np.sqrt(2) * sd * np.sqrt(1 - rel))  # Jacobson & Truax (1991)
            assert ch.loc[(role, sub), "rci"] == pytest.approx(rci)
            want = "up" if rci > 1.96 else "down" if rci < -1.96 else "none"
            assert ch.loc[(role, sub), "category"] == want
    assert ch.loc[("A", "satisfaction"), "category"] == "na"  # no norms for it
    page = couple_report(db, "c01", norms=path)
    assert "Compared with norm group" in page
    z = abs(hand_score("A", 2, "anxiety") - 3.5) / 0.5
    assert f"A: {z:.1f} SD" in page
    assert "reliable decrease" in page  # A's anxiety fell by far more than 1.96 S_diff


def test_role_specific_norm_does_not_carry_over_to_the_other_role(db: Path):
    """Norms for role A only: B has no norm (and too few persons for sample values): no RCI."""
    norms = pd.DataFrame(
        {"subscale": ["anxiety"], "mean": [3.5], "sd": [0.5], "reliability": [0.9], "role": ["A"]}
    )
    ch = couple_summary(db, "c01", norms=norms).change.set_index(["role", "variable"])
    diff = hand_score("A", 2, "anxiety") - hand_score("A", 1, "anxiety")
    assert ch.loc[("A", "anxiety"), "rci"] == pytest.approx(
        diff / (np.sqrt(2) * 0.5 * np.sqrt(1 - 0.9))
    )
    assert ch.loc[("B", "anxiety"), "category"] == "na"
    assert np.isnan(ch.loc[("B", "anxiety"), "rci"]) and pd.isna(ch.loc[("B", "anxiety"), "sd"])


def test_html_is_self_contained_and_descriptive(db: Path):
    page = couple_report(db, "c01")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page
    pngs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(pngs) == 1 and base64.b64decode(pngs[0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "dependency paradox" in page and "not a diagnosis" in page
    for word in ("clinical", "disorder", "abnormal", "at risk", "patholog"):
        assert word not in page.lower()
    assert f"{hand_score('A', 2, 'satisfaction'):.2f}" in page
    assert "Change between wave 1 and 2" in page
    assert "supply a norm table" in page  # one couple: no basis for reliable change


def test_dutch_report(db: Path):
    page = couple_report(db, "c01", lang="nl")
    assert '<html lang="nl">' in page and "afhankelijkheidsparadox" in page
    assert "geen diagnose" in page
    assert f"{hand_score('A', 2, 'satisfaction'):.2f}".replace(".", ",") in page


def test_single_wave_and_errors(tmp_path: Path):
    db = make_db(tmp_path / "one.db", waves=(1,))
    sm = couple_summary(db, "c01")
    assert sm.change is None
    assert "Change between" not in couple_report(db, "c01")
    with pytest.raises(InputError, match="couple 'zz' has no answers"):
        couple_summary(db, "zz")
    with pytest.raises(InputError, match="language 'fr'"):
        couple_report(db, "c01", lang="fr")


def test_cli_writes_owner_only_file(db: Path, tmp_path: Path):
    out = tmp_path / "report.html"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "dyadscore",
            "report",
            "c01",
            "--db",
            str(db),
            "--lang",
            "nl",
            "-o",  # as the README writes it
            str(out),
        ],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert (os.stat(out).st_mode & 0o777) == 0o600
    assert "Rapport voor het stel: c01" in out.read_text()
    r = subprocess.run(
        [sys.executable, "-m", "dyadscore", "report", "nope", "--db", str(db), "--out", "-"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "has no answers" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------- issue 9: the coach's path
TWIN = """\
id: {id}
version: 1.0.0
title: {{en: {title}, nl: {title}}}
construct: demo
response_scale: {{min: 1, max: {hi}, labels: {{en: {{1: Low, {hi}: High}}, nl: {{1: Laag, {hi}: Hoog}}}}}}
subscales:
  total: {{items: [{p}1, {p}2], method: mean}}
items:
  - {{id: {p}1, text: {{en: First, nl: Eerste}}}}
  - {{id: {p}2, text: {{en: Second, nl: Tweede}}}}
provenance: {{authors: tests, licence: CC0}}
"""


def twin_db(tmp_path: Path, finish_b: bool = True) -> Path:
    """Two user instruments that both call their subscale 'total' (scales 1-5 and 1-9)."""
    paths = []
    for inst_id, title, hi, p in (
        ("scale-one", "Scale one", 5, "u"),
        ("scale-two", "Scale two", 9, "v"),
    ):
        path = tmp_path / f"{inst_id}.yaml"
        path.write_text(TWIN.format(id=inst_id, title=title, hi=hi, p=p))
        paths.append(str(path))
    store = AnswerStore(tmp_path / "twin.db")
    values = {"A": (4, 2, 8, 6), "B": (1, 3, 2, 4)}
    for role, (u1, u2, v1, v2) in values.items():
        s = store.start_session("c01", role, battery=paths)
        rows = [("scale-one", "u1", u1), ("scale-one", "u2", u2), ("scale-two", "v1", v1)]
        if role == "A" or finish_b:
            rows.append(("scale-two", "v2", v2))
        store.save_answers(s.id, rows)
        if role == "A" or finish_b:
            store.finish(s.id)
    return store.path


def test_two_questionnaires_sharing_a_subscale_name(tmp_path: Path):
    """The report crashed with a pandas traceback when two instruments both had 'total'."""
    db = twin_db(tmp_path)
    sm = couple_summary(db, "c01")
    cols = [s.column for s in sm.subscales]
    assert cols == ["total", "scale_two_total"]  # as ds.score names them
    sc = sm.scores.set_index("role")
    assert sc.loc["A", "total"] == pytest.approx(3.0) and sc.loc["B", "total"] == pytest.approx(2.0)
    assert sc.loc["A", "scale_two_total"] == pytest.approx(7.0)
    assert sc.loc["B", "scale_two_total"] == pytest.approx(3.0)
    d = sm.discrepancy.set_index("variable")
    assert d.loc["scale_two_total", "difference"] == pytest.approx(4.0)
    page = couple_report(db, "c01")
    assert "Scale one" in page and "Scale two" in page and "4.00" in page


def test_report_says_when_a_partner_has_not_finished(tmp_path: Path):
    page = couple_report(twin_db(tmp_path, finish_b=False), "c01")
    assert "Partner B has not finished the questionnaires of wave 1 yet (3 of 4" in page
    assert "Partner A has not finished" not in page
    page = couple_report(twin_db(tmp_path, finish_b=False), "c01", lang="nl")
    assert "Partner B heeft de vragenlijsten van meting 1 nog niet afgerond" in page
    other = tmp_path / "done"
    other.mkdir()
    assert "not finished" not in couple_report(twin_db(other), "c01")


def test_scales_of_different_length_are_drawn_at_proportional_widths(tmp_path: Path):
    """A 1-5 and a 1-9 scale were drawn at the same width."""
    import matplotlib.pyplot as plt

    from dyadscore.report import _make_figure

    sm = couple_summary(twin_db(tmp_path), "c01")
    fig = _make_figure(sm, "en")
    fig.canvas.draw()
    widths = []
    for ax, s in zip(fig.axes, sm.subscales, strict=True):
        (x0, _), (x1, _) = ax.transData.transform([(s.lo, 0), (s.hi, 0)])
        widths.append(x1 - x0)
        assert (ax.transData.transform([(s.lo + 1, 0)])[0][0] - x0) > 0
    plt.close(fig)
    assert widths[0] / widths[1] == pytest.approx((5 - 1) / (9 - 1), rel=1e-6)


def test_report_fits_a_phone(db: Path):
    """The report was 756 px wide on a phone: tables become labelled cards below 40rem."""
    page = couple_report(db, "c01")
    assert "@media (max-width: 40rem)" in page and "table.stack" in page
    assert not re.search(r"(?<![\w-])width:\s*\d{3,}px", page)
    assert page.count("<table class='stack'>") == 2
    assert 'data-label="Partner A"' in page and 'data-label="Difference"' in page


def test_norm_table_without_sd_is_one_clear_line(db: Path, tmp_path: Path, capsys):
    """A norms file without an sd column gave a KeyError traceback."""
    bad = tmp_path / "norms.csv"
    bad.write_text("subscale,mean\nanxiety,3.5\n")
    with pytest.raises(InputError, match=r"norms.csv: column 'sd' is missing"):
        couple_report(db, "c01", norms=bad)
    out = tmp_path / "r.html"
    from dyadscore.cli import main

    assert main(["report", "c01", "--db", str(db), "--norms", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column 'sd' is missing" in err and not out.exists()
    bad.write_text("subscale,mean,sd\nanxiety,3.5,zero\n")
    with pytest.raises(
        InputError, match=r"row 2, column 'sd', value 'zero': expected a number above 0"
    ):
        couple_report(db, "c01", norms=bad)


HOSTILE = ROOT / "tests" / "fixtures" / "hostile.yaml"


def test_user_given_text_is_escaped(tmp_path: Path):
    """Instrument text (the user's own YAML) and norm file names appear escaped, never as HTML."""
    store = AnswerStore(tmp_path / "h.db")
    for role, values in (("A", (1, 2, 3)), ("B", (4, 2, 1))):
        s = store.start_session("c01", role, battery=[str(HOSTILE)])
        store.save_answers(s.id, [("hostile", f"h{k}", v) for k, v in enumerate(values, 1)])
        store.finish(s.id)
    folder = tmp_path / "n"
    folder.mkdir()
    norms = folder / "norms <i>&\"'.csv"
    norms.write_text("subscale,mean,sd\ntotal,2.5,1\n")
    page = couple_report(store.path, "c01", norms=str(norms))
    assert "<script" not in page and "<b>" not in page and "<i>" not in page
    assert "Sub &lt;script&gt;x&lt;/script&gt; &amp; &#39;q&#39;" in page
    assert "norms &lt;i&gt;&amp;&#34;&#39;.csv" in page
    nl = couple_report(store.path, "c01", lang="nl")
    assert "Sub &lt;i&gt;nl&lt;/i&gt;" in nl and "<i>" not in nl


def test_report_needs_no_flask(db: Path):
    """The report renders its templates with Jinja2 alone (Flask is the optional `web` extra)."""
    code = (
        "import sys; sys.modules['flask'] = None\n"
        "from dyadscore.report import couple_report\n"
        f"page = couple_report({str(db)!r}, 'c01')\n"
        "assert 'flask' not in sys.modules or sys.modules['flask'] is None\n"
        "print(page.count('<h2>'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "4"  # paradox, scores, similarity, change


@pytest.mark.parametrize("part", ["report", "administer"])
def test_strings_are_bilingual_with_the_same_placeholders(part: str):
    """Every text of the report and the administration (strings/<part>.yaml) is in English and
    Dutch, and both fill in the same {placeholders}."""
    import string
    from importlib import resources

    import yaml

    raw = resources.files("dyadscore").joinpath("strings", f"{part}.yaml").read_text("utf-8")
    entries = yaml.safe_load(raw)
    assert len(entries) > 20
    fields = string.Formatter()
    for key, texts in entries.items():
        assert sorted(texts) == ["en", "nl"], key
        names = [{f for _, f, _, _ in fields.parse(texts[lang]) if f} for lang in ("en", "nl")]
        assert names[0] == names[1], key


def test_every_row_has_a_cell_under_every_heading(tmp_path: Path):
    """Partner B answered wave 1 only: the latest wave has no difference, and the norm
    comparison stays under its own heading (it used to slide under 'Difference')."""
    store = AnswerStore(tmp_path / "half.db")
    for role, wave in (("A", 1), ("B", 1), ("A", 2)):
        s = store.start_session("c01", role, wave=wave, battery=["relationship-satisfaction"])
        store.save_answers(s.id, [("relationship-satisfaction", f"sat{k}", 4) for k in range(1, 6)])
        store.finish(s.id)
    norms = pd.DataFrame({"subscale": ["satisfaction"], "mean": [3.0], "sd": [1.0]})
    page = couple_report(store.path, "c01", norms=norms)
    table = re.search(r"<table class='stack'>.*?</table>", page, re.S).group(0)
    heads = re.findall(r"<th scope=.col.>(.*?)</th>", table)
    assert heads[3:] == ["Partner A", "Partner B", "Difference", "Compared with norm group"]
    row = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
    assert len(cells) == len(heads)
    # sat3 reverse keyed: (4 + 4 + 2 + 4 + 4) / 5 = 3.6, 0.6 SD above the norm mean of 3
    assert cells[heads.index("Difference")] == "–"
    assert cells[heads.index("Compared with norm group")] == "A: 0.6 SD above average"
