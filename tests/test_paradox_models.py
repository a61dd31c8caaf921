"""Hypotheses that name the diary, mediation (APIMeM) or over-time model (issue 12).

The rows of ``paradox.test`` must be the direct fits' effects (``ds.apimem``,
``ds.diary_apim``, ``ds.overtime_apim``, each checked against lavaan / nlme in its own test
file); beta of the diary and over-time rows is checked by hand (b x SD(x) / SD(y)); the
decisions are checked against simulated data with known paths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore import paradox
from dyadscore.cli import main
from dyadscore.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SHIPPED = ROOT / "src" / "dyadscore" / "hypotheses"

H5 = {
    "id": "H5",
    "label": {"en": "acceptance -> security -> pursuit", "nl": "acceptatie -> veiligheid"},
    "model": "apimem",
    "predictor": "x",
    "mediator": "m",
    "outcome": "y",
    "effect": "aaa",
    "direction": "positive",
}


@pytest.fixture(scope="module")
def mediation() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "mediation.csv")


@pytest.fixture(scope="module")
def diary() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "diary.csv")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return ds.simulate_diary(60, 4, p_missing=0, seed=1).rename(columns={"day": "wave"})


# ------------------------------------------------------------------ apimem
def test_apimem_rows_equal_direct_fit(mediation):
    res = paradox.test(mediation, hypotheses="mediation", role="role")
    fit = ds.apimem(mediation, x="perceived_acceptance", m="felt_security", y="goal_pursuit")
    tab = res.table
    assert tab["model"].eq("apimem").all()
    assert tab["hypothesis"].tolist() == ["H5", "H5", "H5b", "H5b"]
    for row in tab.to_dict("records"):
        direct = ds.apimem_effect(fit, row["effect"], role=row["role"])
        for key in ("estimate", "se", "ci_low", "ci_high", "p", "beta"):
            assert row[key] == pytest.approx(direct[key], rel=1e-12), key
        assert row["p_one_sided"] == pytest.approx(direct["p_one_sided_positive"], rel=1e-12)
        assert row["n_dyads"] == 300
        # the beta CI is the CI of b rescaled by beta / b
        scale = direct["beta"] / direct["estimate"]
        assert row["beta_ci_low"] == pytest.approx(direct["ci_low"] * scale, rel=1e-12)
    # the ind_aaa estimate is the product of the a and b paths (by hand, from the path table)
    eff = fit.effects.set_index("effect")["estimate"]
    man = tab[(tab["hypothesis"] == "H5") & (tab["role"] == "man")].iloc[0]
    assert man["estimate"] == pytest.approx(eff["a1"] * eff["b1"], rel=1e-10)


def test_apimem_indistinguishable_and_full_label(mediation):
    res = paradox.test(mediation, hypotheses=SHIPPED / "mediation.yaml")
    assert "role" not in res.table
    fit = ds.apimem(
        mediation, x="perceived_acceptance", m="felt_security", y="goal_pursuit", role=None
    )
    direct = ds.apimem_effect(fit, "aaa")
    row = res.table.iloc[0]
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx(
        (direct["estimate"], direct["ci_low"], direct["ci_high"]), rel=1e-12
    )
    one = paradox.test(
        mediation.rename(
            columns={"perceived_acceptance": "x", "felt_security": "m", "goal_pursuit": "y"}
        ),
        hypotheses=[{**H5, "effect": "ind_aaa2", "direction": "two-sided"}],
        role="role",
    )
    assert len(one.table) == 1 and one.table["role"].iloc[0] == "woman"
    assert np.isnan(one.table["p_one_sided"].iloc[0])


def test_apimem_bootstrap_decision(mediation):
    data = mediation.rename(
        columns={"perceived_acceptance": "x", "felt_security": "m", "goal_pursuit": "y"}
    )
    res = paradox.test(data, hypotheses=[H5], role="role", bootstrap=300, seed=2)
    fit = ds.apimem(data, bootstrap=300, seed=2)
    for row in res.table.to_dict("records"):
        d = ds.apimem_decide(fit, "aaa", row["role"], direction="positive", alpha=0.05)
        assert row["method"] == "percentile bootstrap"
        assert row["supported"] == d["supported"]
        assert row["decision_ci_low"] == pytest.approx(d["decision_ci_low"])
        # the 90% percentile interval of the draws, by numpy
        draws = fit.bootstrap_draws[d["effect"]].dropna().to_numpy()
        assert row["decision_ci_low"] == pytest.approx(np.quantile(draws, 0.05), abs=1e-3)
    assert "Percentile bootstrap 90% CI" in res.summary("en")


@pytest.mark.parametrize(("a", "expect"), [(0.4, True), (0.0, False), (-0.3, False)])
def test_apimem_decision_on_simulated_truth(a, expect):
    # aaa = a * b: 0.16 (true positive), 0 (null) or -0.12 (wrong sign); 3000 couples
    data = ds.simulate_mediation(3000, a=a, b=0.4, seed=11)
    res = paradox.test(data, hypotheses=[H5], role="role")
    assert res.table["supported"].tolist() == [expect, expect]
    truth = a * 0.4
    est, se = res.table["estimate"].to_numpy(), res.table["se"].to_numpy()
    assert np.all(np.abs(est - truth) < 4 * se)


# ------------------------------------------------------------------ diary
def test_diary_rows_equal_direct_fit(diary):
    res = paradox.test(diary, hypotheses="diary", role="role")
    fit = ds.diary_apim(
        diary, x="responsiveness", y="goal_progress", role="role", test_distinguishability=False
    )
    eff = fit.effects.set_index(["effect", "role"])
    sub = diary[["responsiveness", "goal_progress"]].dropna()
    ratio = sub["responsiveness"].std() / sub["goal_progress"].std()
    for row in res.table.to_dict("records"):
        name = {"actor": "actor_within", "partner": "partner_within"}[row["effect"]]
        direct = eff.loc[(name, row["role"])]
        for key in ("estimate", "se", "ci_low", "ci_high", "p", "df"):
            assert row[key] == pytest.approx(direct[key], rel=1e-10), key
        assert row["beta"] == pytest.approx(direct["estimate"] * ratio, rel=1e-10)
        assert row["n_dyads"] == 80 and row["n_obs"] == fit.fit["n_obs"]
    # planted within-person effects (data/sample/README.md): woman .30/.12, man .28/.14
    planted = {("actor", "woman"): 0.30, ("actor", "man"): 0.28}
    planted |= {("partner", "woman"): 0.12, ("partner", "man"): 0.14}
    for row in res.table.to_dict("records"):
        assert abs(row["estimate"] - planted[(row["effect"], row["role"])]) < 3.5 * row["se"]
    text = res.summary("nl")
    assert "within" not in text and "binnen personen" in text and "95%-BI" in text


def test_diary_time_column_and_indistinguishable(diary):
    renamed = diary.rename(columns={"day": "dag"})
    res = paradox.test(renamed, hypotheses="diary", time="dag")
    fit = ds.diary_apim(
        renamed, x="responsiveness", y="goal_progress", role=None, person="person", time="dag"
    )
    direct = fit.effects.set_index("effect").loc["actor_within"]
    assert res.table["estimate"].iloc[0] == pytest.approx(direct["estimate"], rel=1e-10)
    with pytest.raises(InputError, match="'day'.*time=") as exc:
        paradox.test(renamed, hypotheses="diary")
    assert "\n" not in str(exc.value)


# ------------------------------------------------------------------ overtime
def test_overtime_rows_equal_direct_fit(panel):
    hyp = {
        "id": "T1",
        "label": "x predicts later y",
        "model": "overtime",
        "predictor": "x",
        "outcome": "y",
        "effect": "actor",
        "direction": "two-sided",
    }
    res = paradox.test(panel, hypotheses=[hyp, {**hyp, "id": "T2", "effect": "partner"}])
    fit = ds.overtime_apim(panel, x="x", y="y")
    eff = fit.effects.set_index(["effect", "role"])
    ratio = panel["x"].std() / panel["y"].std()
    assert len(res.table) == 4 and set(res.table["role"]) == {"female", "male"}
    for row in res.table.to_dict("records"):
        name = {"actor": "actor_lagged", "partner": "partner_lagged"}[row["effect"]]
        direct = eff.loc[(name, row["role"])]
        for key in ("estimate", "se", "ci_low", "ci_high", "p", "df"):
            assert row[key] == pytest.approx(direct[key], rel=1e-10), key
        assert row["beta"] == pytest.approx(direct["estimate"] * ratio, rel=1e-10)
        assert row["design"] == "longitudinal" and row["n_dyads"] == 60
    assert "lagged actor effect of x on y at the next wave" in res.summary("en")


def test_more_than_two_waves_says_how_to_declare(panel):
    hyp = {"id": "T1", "label": "x goes with y", "predictor": "x", "outcome": "y"}
    with pytest.raises(InputError, match="4 waves in long form; declare model: overtime") as exc:
        paradox.test(panel, hypotheses=[hyp])
    assert "\n" not in str(exc.value) and "T1" in str(exc.value)


# ------------------------------------------------------------------ declarations
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mediator": None}, "model apimem needs a mediator"),
        ({"direction": "equivalence"}, "positive, negative or two-sided"),
        ({"effect": "actor"}, "effect 'actor' is not an effect of model apimem"),
        ({"mediator": "y"}, "three different columns"),
        ({"model": "diary"}, "effect 'aaa' is not an effect of model diary"),
        ({"model": "apim", "effect": "actor"}, "mediator is only used by model apimem"),
        ({"model": "diary", "effect": "actor", "mediator": None, "control": ["z"]}, "control"),
        ({"model": "mixed"}, "model: mixed: expected apim, diary, apimem or overtime"),
    ],
)
def test_bad_declarations_are_one_line(tmp_path, change, message):
    hyp = {k: v for k, v in {**H5, **change}.items() if v is not None}
    path = tmp_path / "mine.yaml"
    import yaml

    path.write_text(yaml.safe_dump([hyp]), encoding="utf-8")
    with pytest.raises(InputError, match=message) as exc:
        paradox.load_hypotheses(path)
    text = str(exc.value)
    assert "\n" not in text and str(path) in text and "'H5'" in text


def test_shipped_sets_load():
    assert [h.id for h in paradox.resolve_hypotheses("mediation")] == ["H5", "H5b"]
    assert {h.model for h in paradox.resolve_hypotheses("diary")} == {"diary"}
    assert [h.id for h in paradox.resolve_hypotheses("default")][0] == "H1"
    assert set(paradox.SHIPPED_HYPOTHESES) >= {"default", "mediation", "diary"}


def test_covariates_refused_for_other_models(mediation):
    with pytest.raises(InputError, match="only supported for model apim"):
        paradox.test(mediation, hypotheses="mediation", covariates=["felt_security"])


# ------------------------------------------------------------------ CLI
def test_cli_mediation_file_and_name(capsys, tmp_path):
    path = str(SAMPLE / "mediation.csv")
    assert main(["paradox", path, "--hypotheses", str(SHIPPED / "mediation.yaml")]) == 0
    out = capsys.readouterr().out
    assert "H5 (" in out and "apimem" in out and "95% CI" in out
    dest = tmp_path / "h5.json"
    argv = ["paradox", path, "--hypotheses", "mediation", "--role", "role", "--json", str(dest)]
    assert main([*argv, "--lang", "nl"]) == 0
    assert '"model": "apimem"' in dest.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["paradox", str(SAMPLE / "diary.csv"), "--hypotheses", "mediation"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dyadscore: error: ")
