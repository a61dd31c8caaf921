"""`--source` / `--map` in the analysing commands (dyads, apim, paradox): survey exports are
read by the platform readers and item data are scored before the analysis (issue #6).

References: the hand-worked scores of the fixture exports (tests/fixtures/make_fixtures.py),
numpy scoring of generated items, and the public API run on the same data as pandas frames.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import dyadscore as ds
from dyadscore.cli import main
from dyadscore.simulate import simulate_items, simulate_paradox

FIX = Path(__file__).parent / "fixtures"
# hand-worked satisfaction of the four fixture respondents (make_fixtures.py)
HAND = {("C01", "partner_a"): 4.4, ("C01", "partner_b"): 3.4}
HAND |= {("C02", "partner_a"): 4.8, ("C02", "partner_b"): 2.25}
QMAP = {
    "couple": "couple_code",
    "role": "partner",
    "roles": {"1": "partner_a", "2": "partner_b"},
    "columns": {f"Q5_{k}": f"sat{k}" for k in range(1, 6)},
}
INSTS = ["acceptance-of-dependence", "relationship-satisfaction"]


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _hand_scores(items: pd.DataFrame, inst_id: str) -> dict[str, np.ndarray]:
    """Mean of the keyed items of every subscale (reverse: min + max - x), with numpy."""
    inst = ds.load_instrument(inst_id)
    out = {}
    for name, sub in inst.subscales.items():
        x = items[list(sub.items)].to_numpy(dtype=float)
        rev = np.array([inst.item(i).reverse for i in sub.items])
        x = np.where(rev, inst.scale_min + inst.scale_max - x, x)
        out[name] = x.mean(axis=1)
    return out


def _couple_items(n_dyads: int = 40, seed: int = 3) -> pd.DataFrame:
    """Person-level item answers (complete) of two instruments, one row per person."""
    lat = simulate_paradox(n_dyads, roles=("1", "2"), seed=seed)
    lat = lat[lat["wave"] == 1].drop(columns="wave").reset_index(drop=True)
    parts = [simulate_items(lat, i, seed=seed + k) for k, i in enumerate(INSTS)]
    items = pd.concat([parts[0], parts[1].drop(columns=["person", "couple", "role"])], axis=1)
    items["couple"] = "D" + items["couple"].astype(str)
    return items


def _redcap_export(items: pd.DataFrame, path: Path) -> None:
    """A classic REDCap raw export: record_id first, field names = item ids, _complete."""
    out = items.rename(columns={"person": "record_id", "couple": "couple_id"})
    out = out.rename(columns={"role": "partner_role"})
    out["relationship_satisfaction_complete"] = 2
    out.to_csv(path, index=False)


# ------------------------------------------------------------------ dyads
def test_dyads_dyad_on_qualtrics_export_with_map_gives_hand_scores(tmp_path, capsys):
    mp = tmp_path / "map.yaml"
    mp.write_text(yaml.safe_dump(QMAP))
    out = tmp_path / "dyad.csv"
    argv = ["dyads", "dyad", str(FIX / "qualtrics/numeric.csv"), "--map", str(mp)]
    code, _, err = _run(
        [*argv, "--vars", "satisfaction", "--dyad", "couple", "--role", "role", "-o", str(out)],
        capsys,
    )
    assert code == 0, err
    assert "scored satisfaction" in err and "relationship-satisfaction" in err
    got = pd.read_csv(out)
    assert got["couple"].tolist() == ["C01", "C02"]
    for role in ("partner_a", "partner_b"):
        want = [HAND[(c, role)] for c in ("C01", "C02")]
        np.testing.assert_allclose(got[f"satisfaction_{role}"], want, atol=1e-12)


def test_dyads_out_sav_is_spss_not_csv(tmp_path, capsys):
    """'-o dyad.sav' writes a real SPSS file (read back by pyreadstat) and its codebook."""
    import pyreadstat

    mp = tmp_path / "map.yaml"
    mp.write_text(yaml.safe_dump(QMAP))
    out = tmp_path / "dyad.sav"
    argv = ["dyads", "dyad", str(FIX / "qualtrics/numeric.csv"), "--map", str(mp)]
    code, _, err = _run(
        [*argv, "--vars", "satisfaction", "--dyad", "couple", "--role", "role", "-o", str(out)],
        capsys,
    )
    assert code == 0, err
    got, meta = pyreadstat.read_sav(out)
    assert got["couple"].tolist() == ["C01", "C02"] and meta.column_names_to_labels["couple"]
    for role in ("partner_a", "partner_b"):
        want = [HAND[(c, role)] for c in ("C01", "C02")]
        np.testing.assert_allclose(got[f"satisfaction_{role}"], want, atol=1e-12)
    assert (tmp_path / "dyad.sav.codebook.md").exists()


@pytest.mark.parametrize(
    ("fixture", "source"),
    [("formr/results.csv", "formr"), ("spss/couples.sav", "auto"), ("surveyjs/results.json", "")],
)
def test_dyads_pairwise_on_platform_exports(tmp_path, capsys, fixture, source):
    extra = ["--source", source] if source else []
    code, out, err = _run(
        ["dyads", "pairwise", str(FIX / fixture), *extra, "--vars", "satisfaction"]
        + ["--dyad", "couple", "--role", "role"],
        capsys,
    )
    assert code == 0, err
    got = pd.read_csv(pd.io.common.StringIO(out))
    roles = {"1": "partner_a", "2": "partner_b"}  # SPSS role codes
    role = got["role"].astype(str).map(lambda r: roles.get(r, r))
    want = [HAND[(c, r)] for c, r in zip(got["couple"], role, strict=True)]
    np.testing.assert_allclose(got["satisfaction_actor"], want, atol=1e-12)
    partner = [HAND[(c, "partner_b" if r == "partner_a" else "partner_a")] for c, r in
               zip(got["couple"], role, strict=True)]  # fmt: skip
    np.testing.assert_allclose(got["satisfaction_partner"], partner, atol=1e-12)


def test_dyads_nonindependence_on_redcap_export_with_source(tmp_path, capsys):
    items = _couple_items()
    src = tmp_path / "export.csv"
    _redcap_export(items, src)
    code, _, err = _run(
        ["dyads", "nonindependence", str(src), "--source", "redcap", "--vars", "satisfaction"]
        + ["--dyad", "couple", "--role", "partner_role", "-o", str(tmp_path / "ni.csv")],
        capsys,
    )
    assert code == 0, err
    got = pd.read_csv(tmp_path / "ni.csv")
    # reference: Pearson r of the partners' numpy-scored satisfaction (scipy-free: np.corrcoef)
    sat = _hand_scores(items, "relationship-satisfaction")["satisfaction"]
    by = pd.DataFrame({"couple": items["couple"], "role": items["role"], "s": sat})
    wide = by.pivot(index="couple", columns="role", values="s")
    r = np.corrcoef(wide["1"], wide["2"])[0, 1]
    assert got["variable"].tolist() == ["satisfaction"] and int(got["n_dyads"].iloc[0]) == 40
    assert got["r"].iloc[0] == pytest.approx(r, abs=1e-10)


# ------------------------------------------------------------------ apim
def test_apim_on_redcap_like_export_scores_items_first(tmp_path, capsys):
    items = _couple_items()
    src = tmp_path / "redcap.csv"
    _redcap_export(items, src)
    code, out, err = _run(
        ["apim", str(src), "--x", "perceived_acceptance", "--y", "satisfaction"]
        + ["--dyad", "couple", "--role", "partner_role", "--json"],
        capsys,
    )
    assert code == 0, err
    assert "scored perceived_acceptance, satisfaction" in err
    assert "acceptance-of-dependence" in err and "relationship-satisfaction" in err
    got = pd.DataFrame(json.loads(out)["effects"])
    # reference: scores computed with numpy from the items, APIM by the public API
    ref = items[["person", "couple", "role"]].copy()
    ref["perceived_acceptance"] = _hand_scores(items, INSTS[0])["perceived_acceptance"]
    ref["satisfaction"] = _hand_scores(items, INSTS[1])["satisfaction"]
    want = ds.apim(ref, x="perceived_acceptance", y="satisfaction", dyad="couple", role="role")
    np.testing.assert_allclose(got["estimate"], want.effects["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["se"], want.effects["se"], rtol=1e-10)
    assert got["predictor"].dropna().eq("perceived_acceptance").all()


def test_apim_own_item_table_is_scored_too_and_plain_map_renames(tmp_path, capsys):
    items = _couple_items(seed=5)
    src = tmp_path / "own.csv"
    items.rename(columns={"sat1": "q_sat1"}).to_csv(src, index=False)
    mp = tmp_path / "m.yaml"
    mp.write_text("q_sat1: sat1\n")
    base = ["apim", str(src), "--x", "perceived_acceptance", "--y", "satisfaction"]
    base += ["--dyad", "couple", "--role", "role", "--json"]
    code, out, err = _run([*base, "--map", str(mp)], capsys)
    assert code == 0, err
    ref = ds.score(items, INSTS, keep=["couple", "role"])
    want = ds.apim(ref, x="perceived_acceptance", y="satisfaction", dyad="couple", role="role")
    got = pd.DataFrame(json.loads(out)["effects"])
    np.testing.assert_allclose(got["estimate"], want.effects["estimate"], rtol=1e-10)
    # without the map, item sat1 is absent: one line naming it, exit 2
    code, out, err = _run(base, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "item 'sat1' of relationship-satisfaction is missing" in err


# ------------------------------------------------------------------ paradox
def test_paradox_on_redcap_longitudinal_export(tmp_path, capsys):
    lat = simulate_paradox(60, roles=None, seed=11)
    insts = ["acceptance-of-dependence", "felt-dependence", "goal-progress"]
    insts.append("independent-functioning")
    parts = [simulate_items(lat, i, seed=20 + k) for k, i in enumerate(insts)]
    ids = parts[0][["person", "couple", "wave"]]
    items = pd.concat([ids, *(p.drop(columns=["person", "couple", "wave"]) for p in parts)], axis=1)
    export = items.rename(columns={"person": "record_id", "couple": "couple_id"})
    export.insert(1, "redcap_event_name", export.pop("wave").map({1: "w1_arm_1", 2: "w2_arm_1"}))
    src = tmp_path / "export.csv"
    export.to_csv(src, index=False)
    mp = tmp_path / "map.yaml"
    mp.write_text("waves: {w1_arm_1: 1, w2_arm_1: 2}\n")
    out = tmp_path / "table.csv"
    code, _, err = _run(["paradox", str(src), "--map", str(mp), "-o", str(out)], capsys)
    assert code == 0, err
    got = pd.read_csv(out)
    want = ds.paradox.test(ds.score(items, ds.present_instruments(items))).table
    assert got["hypothesis"].tolist() == want["hypothesis"].tolist()
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["p"], want["p"], rtol=1e-8)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["dyads", "pairwise", "{formr}", "--source", "nope", "--vars", "satisfaction"],
         r"--source 'nope' is unknown; expected one of: auto, qualtrics"),
        (["dyads", "nonindependence", "{formr}", "--source", "redcap", "--vars", "satisfaction"],
         r"'satisfaction' is not a column and cannot be scored: item 'sat3'"),
        (["apim", "{formr}", "--source", "spss", "--x", "a", "--y", "satisfaction"],
         r"formr/results.csv: cannot read as an SPSS"),
        (["paradox", "{formr}", "--source", "bogus"], r"--source 'bogus' is unknown"),
        (["dyads", "dyad", "{qualtrics}", "--map", "{badmap}", "--vars", "satisfaction"],
         r"names column 'Q5_9'"),
    ],
)  # fmt: skip
def test_bad_source_or_map_exit_2_one_line_no_output(tmp_path, capsys, argv, pattern):
    import re

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**QMAP, "columns": {"Q5_9": "sat1"}}))
    subs = {
        "{formr}": str(FIX / "formr/results.csv"),
        "{qualtrics}": str(FIX / "qualtrics/numeric.csv"),
        "{badmap}": str(bad),
    }
    argv = [subs.get(a, a) for a in argv]
    if argv[0] != "paradox":
        argv += ["--dyad", "couple"]
    out = tmp_path / "out.csv"
    before = sorted(p.name for p in tmp_path.iterdir())
    code, stdout, err = _run([*argv, "-o", str(out)], capsys)
    assert code == 2 and stdout == "", err
    assert err.count("\n") == 1 and err.startswith("dyadscore: error: "), err
    assert re.search(pattern, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_own_table_without_items_is_read_as_before(tmp_path, capsys):
    df = pd.DataFrame({"couple": [1, 1, 2, 2], "role": ["a", "b", "a", "b"], "x": [1.0, 2, 3, 5]})
    src = tmp_path / "own.csv"
    df.to_csv(src, index=False)
    code, out, err = _run(
        ["dyads", "dyad", str(src), "--vars", "x", "--dyad", "couple", "--role", "role"], capsys
    )
    assert code == 0 and err == "", err
    got = pd.read_csv(pd.io.common.StringIO(out))
    assert got["x_a"].tolist() == [1.0, 3.0] and got["x_b"].tolist() == [2.0, 5.0]
