"""Dependency-paradox hypotheses: spec, estimates == apim(), decisions, summaries, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import dyadscore as ds
from dyadscore import apim, errors
from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.paradox import (
    Hypothesis,
    holm,
    load_hypotheses,
    population_effects,
    prepare,
    resolve_hypotheses,
    wide_by_wave,
)
from dyadscore.paradox import (
    test as paradox_test,
)
from dyadscore.simulate import simulate_paradox

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
DEFAULT_IDS = ["H1", "H2", "H3", "H3b", "H4", "H4b", "H4c"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return wide_by_wave(simulate_paradox(250, seed=21, dropout=0.05))


@pytest.fixture(scope="module")
def result(data):
    return paradox_test(data)


# --------------------------------------------------------------------- spec
def test_default_hypotheses_follow_science_section_4():
    hs = {h.id: h for h in load_hypotheses()}
    assert list(hs) == DEFAULT_IDS
    assert (hs["H1"].effect, hs["H1"].direction, hs["H1"].control) == (
        "actor",
        "positive",
        ["goal_progress_w1"],
    )
    assert (hs["H2"].predictor, hs["H2"].effect) == ("acceptance_given_w1", "partner")
    assert (hs["H3"].direction, hs["H3"].sesoi, hs["H3"].outcome) == (
        "non-superiority",
        0.10,
        "felt_dependence_w2",
    )
    assert hs["H3b"].outcome == "self_sufficiency_w2"
    assert all(h.label["en"] and h.label["nl"] for h in hs.values())


def test_hypotheses_from_yaml_file_and_python(tmp_path):
    path = tmp_path / "my.yaml"
    path.write_text(
        "- id: X1\n  label: {en: a, nl: b}\n  outcome: y\n  predictor: x\n  direction: negative\n",
        encoding="utf-8",
    )
    (h,) = load_hypotheses(path)
    assert (h.id, h.direction, h.effect, h.alpha) == ("X1", "negative", "actor", 0.05)
    assert load_hypotheses([h])[0] is h
    assert [x.id for x in resolve_hypotheses("H3")] == ["H3"]


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"id": "A", "label": {"nl": "a"}, "outcome": "y", "predictor": "x"}, "no English text"),
        (
            {
                "id": "A",
                "label": {"en": "a", "nl": "a"},
                "outcome": "y",
                "predictor": "x",
                "direction": "up",
            },
            "direction",
        ),
        (
            {
                "id": "A",
                "label": {"en": "a", "nl": "a"},
                "outcome": "y",
                "predictor": "x",
                "sesoi": 2,
            },
            "sesoi",
        ),
        (
            {
                "id": "A",
                "label": {"en": "a", "nl": "a"},
                "outcome": "y",
                "predictor": "x",
                "colour": "red",
            },
            "colour",
        ),
        ({"id": "A", "label": {"en": "a", "nl": "a"}, "predictor": "x"}, "outcome"),
    ],
)
def test_invalid_hypotheses_give_one_line_errors(spec, match):
    with pytest.raises(InputError, match=match) as err:
        load_hypotheses([spec])
    assert "\n" not in str(err.value) and "'A'" in str(err.value)


def test_hypothesis_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="malformed YAML") as err:
        load_hypotheses(bad)
    assert "\n" not in str(err.value)
    dup = tmp_path / "dup.yaml"
    one = "- {id: A, label: {en: a, nl: a}, outcome: y, predictor: x}\n"
    dup.write_text(one * 2, encoding="utf-8")
    with pytest.raises(InputError, match="used twice"):
        load_hypotheses(dup)
    with pytest.raises(InputError, match="not found"):
        load_hypotheses(tmp_path / "none.yaml")
    with pytest.raises(InputError, match="unknown id"):
        resolve_hypotheses(["H1", "H7"])


# ------------------------------------------------------------ wide_by_wave
def test_wide_by_wave_hand_example():
    long = pd.DataFrame(
        {
            "person": [1, 1, 2, 2, 3],
            "couple": [1, 1, 1, 1, 2],
            "role": ["a", "a", "b", "b", "a"],
            "wave": [1, 2, 2, 1, 1],
            "sat": [3.0, 4.0, 6.0, 5.0, 2.0],
            "sat_n": [5, 5, 5, 5, 5],
        }
    )
    wide = wide_by_wave(long)
    assert wide.columns.tolist() == ["person", "couple", "role", "sat_w1", "sat_w2"]
    assert wide["sat_w1"].tolist() == [3.0, 5.0, 2.0]
    assert wide["sat_w2"].tolist()[:2] == [4.0, 6.0] and np.isnan(wide["sat_w2"].iloc[2])


def test_wide_by_wave_errors():
    long = pd.DataFrame({"person": [1, 1], "couple": [1, 2], "wave": [1, 2], "s": [1.0, 2.0]})
    with pytest.raises(InputError, match="column 'couple': different values at different waves"):
        wide_by_wave(long)
    dup = pd.DataFrame({"person": [1, 1], "wave": [1, 1], "s": [1.0, 2.0]})
    with pytest.raises(InputError, match="appears twice"):
        wide_by_wave(dup)
    with pytest.raises(InputError, match="no column 'wave'"):
        wide_by_wave(dup.drop(columns="wave"))


# --------------------------------------------------- estimates == apim()
@pytest.mark.parametrize("role", [None, "role"])
def test_estimates_equal_direct_apim_fit(data, role):
    res = paradox_test(data, role=role)
    for h in load_hypotheses():
        fit = apim(data, x=[h.predictor, *h.control], y=h.outcome, dyad="couple", role=role)
        eff = fit.effects
        ref = eff[(eff["effect"] == h.effect) & (eff["predictor"] == h.predictor)]
        got = res.table[res.table["hypothesis"] == h.id]
        assert got["estimate"].to_numpy() == pytest.approx(ref["estimate"].to_numpy(), abs=1e-12)
        assert got["se"].to_numpy() == pytest.approx(ref["se"].to_numpy(), abs=1e-12)
        assert got["p"].to_numpy() == pytest.approx(ref["p"].to_numpy(), rel=1e-9)
        assert got["beta"].to_numpy() == pytest.approx(ref["beta"].to_numpy(), abs=1e-12)
        # one-sided p in the declared direction from the t statistic (scipy)
        if h.direction == "positive":
            one = stats.t.sf(ref["statistic"].to_numpy(), ref["df"].to_numpy())
            assert got["p_one_sided"].to_numpy() == pytest.approx(one, rel=1e-9)
        assert (got["n_dyads"] == fit.fit["n_dyads"]).all()
        assert res.fits[h.id].effects["estimate"].to_numpy() == pytest.approx(
            eff["estimate"].to_numpy()
        )


def test_table_columns_and_roles(data, result):
    expect = [
        "hypothesis",
        "label",
        "effect",
        "predictor",
        "outcome",
        "design",
        "estimate",
        "se",
        "df",
        "ci_low",
        "ci_high",
        "beta",
        "beta_ci_low",
        "beta_ci_high",
        "p",
        "p_one_sided",
        "direction",
        "sesoi",
        "alpha",
        "ci_level",
        "family",
        "supported",
        "n_dyads",
    ]
    assert result.table.columns.tolist() == expect
    assert result.table["hypothesis"].tolist() == DEFAULT_IDS
    designs = dict(zip(result.table["hypothesis"], result.table["design"], strict=True))
    assert designs == {
        "H1": "longitudinal",
        "H2": "longitudinal",
        "H3": "longitudinal",
        "H3b": "longitudinal",
        "H4": "cross-sectional",
        "H4b": "cross-sectional",
        "H4c": "cross-sectional",
    }
    dist = paradox_test(data, role="role")
    assert len(dist.table) == 2 * len(DEFAULT_IDS) and set(dist.table["role"]) == {"woman", "man"}


EQ = {
    "id": "EQ",
    "label": "no change either way",
    "outcome": "felt_dependence_w2",
    "predictor": "perceived_acceptance_w1",
    "control": ["felt_dependence_w1"],
    "direction": "equivalence",
    "sesoi": 0.10,
}


@pytest.mark.parametrize("direction", ["equivalence", "non-superiority", "non-inferiority"])
def test_bounded_decisions_equal_90_percent_ci_against_bounds(data, direction):
    """Each bounded test at alpha rejects iff the (1 - 2 alpha) CI lies on the claimed side
    of its bound(s) (hand-derived duality of one-sided tests and intervals)."""
    res = paradox_test(data, [{**EQ, "direction": direction}])
    row = res.table.iloc[0]
    eff = (
        res.fits["EQ"]
        .effects.set_index(["effect", "predictor"])
        .loc[("actor", "perceived_acceptance_w1")]
    )
    bound = 0.10 * row["estimate"] / row["beta"]  # SESOI .10 in raw units (apim's scaling)
    crit = stats.t.ppf(0.95, eff["df"])
    lo, hi = row["estimate"] - crit * row["se"], row["estimate"] + crit * row["se"]
    inside = {
        "equivalence": lo > -bound and hi < bound,
        "non-superiority": hi < bound,
        "non-inferiority": lo > -bound,
    }[direction]
    assert bool(row["supported"]) == inside
    p_lo = stats.t.sf((row["estimate"] + bound) / row["se"], eff["df"])
    p_hi = stats.t.cdf((row["estimate"] - bound) / row["se"], eff["df"])
    expect = {"equivalence": max(p_lo, p_hi), "non-superiority": p_hi, "non-inferiority": p_lo}
    assert row["p_one_sided"] == pytest.approx(expect[direction])
    assert row["ci_level"] == 0.90 and row["sesoi"] == 0.10


def test_holm_matches_statsmodels():
    p = [0.01, 0.04, 0.03, 0.2, 0.001, np.nan]
    ref = multipletests(p[:5], method="holm")[1]
    got = holm(p)
    assert got[:5] == pytest.approx(ref) and np.isnan(got[5])


def test_holm_option_decides_on_adjusted_p(data):
    res = paradox_test(data, holm=True)
    tab = res.table
    # all default hypotheses are directional or TOST; Holm runs within each family
    for _family, part in tab.groupby("family"):
        expected = multipletests(part["p_one_sided"], method="holm")[1]
        assert part["p_holm"].to_numpy() == pytest.approx(expected)
    assert (tab["supported"] == (tab["p_holm"] < tab["alpha"])).all()


# --------------------------------------------------- planted effects & nulls
def test_default_hypotheses_detect_planted_effects():
    data = wide_by_wave(simulate_paradox(800, seed=22))
    res = paradox_test(data)
    assert res.table["supported"].all(), res.table[["hypothesis", "beta", "p_one_sided"]]
    pop = population_effects().set_index("hypothesis")["beta"]
    got = res.table.set_index("hypothesis")["beta"]
    # standardised estimates within about 3 SEs of the population values
    assert np.all(np.abs(got - pop) < 0.09)


def test_population_effects_match_large_sample_estimates():
    data = wide_by_wave(simulate_paradox(6000, seed=23))
    got = paradox_test(data, hypotheses=["H1", "H2"]).table.set_index("hypothesis")["beta"]
    pop = population_effects(["H1", "H2"]).set_index("hypothesis")["beta"]
    assert np.all(np.abs(got - pop) < 0.03)


def test_null_effects_not_supported_at_large_n():
    data = wide_by_wave(simulate_paradox(600, effects=0, seed=24))
    res = paradox_test(data, hypotheses=["H1", "H2", "H3b", "H4"])
    # a single draw: each has a 5% false-positive chance; all four at once ~19%, so check betas
    assert np.all(np.abs(res.table["beta"]) < 0.12)


@pytest.mark.slow
def test_false_positive_rate_near_alpha():
    """Null model, 200 replications of 150 couples: H1 rejected in about 5% (3 SE band)."""
    reps, hits = 200, 0
    rng = np.random.default_rng(25)
    for _ in range(reps):
        d = wide_by_wave(simulate_paradox(150, effects=0, seed=rng))
        hits += bool(paradox_test(d, hypotheses=["H1"]).table["supported"].iloc[0])
    se = np.sqrt(0.05 * 0.95 / reps)
    assert abs(hits / reps - 0.05) < 3 * se + 0.005


# ------------------------------------------------------------- summaries
def test_summaries_exist_for_every_hypothesis_in_both_languages(result):
    en, nl = result.summary("en"), result.summary("nl")
    for hid in DEFAULT_IDS:
        assert f"{hid} (" in en and f"{hid} (" in nl
    assert len(en.split("\n\n")) == len(nl.split("\n\n")) == len(DEFAULT_IDS)
    assert "non-superiority; H0: β ≥ +0.10" in en and "non-superioriteit; H0: β ≥ +0,10" in nl
    assert "95%-BI" in nl and "," in nl.split("b = ")[1][:5]  # Dutch decimal comma


def test_summary_says_not_supported_honestly():
    data = wide_by_wave(simulate_paradox(60, effects=0, seed=26))
    hyps = [
        {
            "id": "N1",
            "label": {"en": "null", "nl": "nul"},
            "outcome": "goal_progress_w2",
            "predictor": "perceived_acceptance_w1",
            "control": ["goal_progress_w1"],
            "direction": "negative",
            "alpha": 0.001,
        },
        {
            "id": "N2",
            "label": {"en": "eq", "nl": "eq"},
            "outcome": "felt_dependence_w2",
            "predictor": "perceived_acceptance_w1",
            "direction": "equivalence",
            "sesoi": 0.01,
        },
    ]
    res = paradox_test(data, hyps)
    assert not res.table["supported"].any()
    en, nl = res.summary("en"), res.summary("nl")
    assert en.count("not supported") == 2 and nl.count("niet ondersteund") == 2
    assert "not evidence that there is no effect" in en
    assert "cannot rule out an effect of at least 0.01" in en
    with pytest.raises(InputError):
        res.summary("de")


def test_to_dict_and_html(result):
    d = result.to_dict()
    json.dumps(d)
    assert [r["hypothesis"] for r in d["results"]] == DEFAULT_IDS
    assert set(d["summary"]) == {"en", "nl"}
    page = result.report_html("nl")
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
    assert result.to_html("nl") in page


# ----------------------------------------------------------- inputs
def test_long_by_wave_scores_are_reshaped_automatically():
    long = simulate_paradox(80, seed=27)
    a = paradox_test(long, hypotheses=["H1"]).table
    b = paradox_test(wide_by_wave(long), hypotheses=["H1"]).table
    assert a["estimate"].iloc[0] == pytest.approx(b["estimate"].iloc[0], abs=1e-12)


def test_long_data_with_other_id_names_person_is_detected_dyad_is_kept():
    long = simulate_paradox(80, seed=27)
    a = paradox_test(long, hypotheses=["H1"]).table
    renamed = long.rename(columns={"couple": "pair", "person": "respondent"})
    b = paradox_test(renamed, dyad="pair", hypotheses=["H1"]).table
    pd.testing.assert_frame_equal(a, b)
    wide = ds.wide_by_wave(renamed, keep=["pair"])  # respondent found, pair carried
    assert list(wide.columns[:3]) == ["respondent", "role", "pair"]
    assert ds.paradox.wide_by_wave is ds.wide_by_wave and ds.paradox.prepare is ds.prepare


@pytest.mark.skipif(not (SAMPLE / "couples_items.csv").exists(), reason="no sample data")
def test_sample_items_are_scored_first_then_tested():
    items = pd.read_csv(SAMPLE / "couples_items.csv")
    for call in (paradox_test, prepare):  # no statistics call scores items silently
        with pytest.raises(
            InputError, match=r"^data: item responses of .*, not scores; score"
        ) as err:
            call(items)
        assert "\n" not in str(err.value)
        assert "ds.score(data, ds.present_instruments(data))" in str(err.value)
    with pytest.raises(
        InputError, match=r"^items\.csv: item responses of"
    ):  # one wave, no wave column
        with errors.reading("items.csv"):
            paradox_test(items[items["wave"] == 1].drop(columns="wave"))
    scores = ds.score(items, ds.present_instruments(items))
    wide = prepare(scores)
    assert {"goal_progress_w1", "goal_progress_w2", "perceived_acceptance_w1"} <= set(wide.columns)
    res = paradox_test(scores)
    assert res.table["n_dyads"].min() > 350
    expected = paradox_test(wide)  # long scores are reshaped by wave, as prepare does
    pd.testing.assert_frame_equal(res.table, expected.table)


@pytest.mark.skipif(not (SAMPLE / "couples_items.csv").exists(), reason="no sample data")
def test_cli_scores_item_files_before_testing(tmp_path):
    out = tmp_path / "res.json"
    assert main(["paradox", str(SAMPLE / "couples_items.csv"), "--json", str(out)]) == 0
    got = json.loads(out.read_text())["results"]
    items = pd.read_csv(SAMPLE / "couples_items.csv")
    expected = paradox_test(ds.score(items, ds.present_instruments(items))).table
    assert [r["hypothesis"] for r in got] == expected["hypothesis"].tolist()
    assert [r["estimate"] for r in got] == pytest.approx(expected["estimate"].tolist(), rel=1e-12)


def test_missing_columns_and_bad_arguments(data):
    with pytest.raises(
        InputError, match="no column 'goal_progress_w2', which hypothesis H1 needs"
    ) as err:
        paradox_test(data.drop(columns="goal_progress_w2"))
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="no column 'pair'"):
        paradox_test(data, dyad="pair")
    with pytest.raises(InputError, match="language 'fr': expected one of en, nl"):
        paradox_test(data, lang="fr")
    with pytest.raises(InputError, match="covariate"):
        paradox_test(data, covariates=["nope"])


def test_covariates_enter_as_own_value(data):
    res = paradox_test(data, hypotheses=["H1"], covariates=["satisfaction_w1"])
    fit = apim(
        data,
        x=["perceived_acceptance_w1", "goal_progress_w1"],
        y="goal_progress_w2",
        dyad="couple",
        covariates=["satisfaction_w1"],
        covariate_effects="as_is",
    )
    eff = fit.effects.set_index(["effect", "predictor"])
    assert res.table["estimate"].iloc[0] == pytest.approx(
        eff.loc[("actor", "perceived_acceptance_w1"), "estimate"], abs=1e-12
    )
    assert "satisfaction_w1" in res.summary()


def test_hypothesis_object_api():
    h = Hypothesis(
        id="Z",
        label={"en": "z", "nl": "z"},
        outcome="y_w2",
        predictor="x_w1",
        control=["y_w1", "x_w1"],
    )
    assert h.x == ["x_w1", "y_w1"] and h.columns == ["y_w2", "x_w1", "y_w1"]


# ---------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("paradox") / "couples.csv"
    wide_by_wave(simulate_paradox(150, seed=28)).to_csv(path, index=False)
    return path


def test_cli_paradox_prints_summary(csv_path, capsys):
    assert main(["paradox", str(csv_path), "--lang", "nl", "--holm"]) == 0
    out = capsys.readouterr().out
    assert "H3b" in out and "ondersteund" in out and "p_holm" in out


def test_cli_paradox_json_html_and_errors(csv_path, tmp_path, capsys):
    js = tmp_path / "r.json"
    assert main(["paradox", str(csv_path), "--json", str(js)]) == 0
    assert [r["hypothesis"] for r in json.loads(js.read_text())["results"]] == DEFAULT_IDS
    html_path = tmp_path / "r.html"
    assert main(["paradox", str(csv_path), "--html", str(html_path), "--role", "role"]) == 0
    assert "<table" in html_path.read_text()
    assert main(["paradox", str(csv_path), "--html", str(html_path)]) == 2  # exists, no --force
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: A\n  label: {en: a}\n", encoding="utf-8")
    out = tmp_path / "never.json"
    assert main(["paradox", str(csv_path), "--hypotheses", str(bad), "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and not out.exists()


def test_moderator_centres_and_reports_interaction(data):
    res = paradox_test(data, hypotheses=["H1"], moderator="avoidance_w1")
    fit = apim(
        data,
        x=["perceived_acceptance_w1", "goal_progress_w1"],
        y="goal_progress_w2",
        dyad="couple",
        moderator="avoidance_w1",
        center=True,
    )
    eff = fit.effects.set_index(["effect", "predictor"])
    row = res.table.iloc[0]
    assert row["estimate"] == pytest.approx(
        eff.loc[("actor", "perceived_acceptance_w1"), "estimate"]
    )
    assert row["interaction"] == pytest.approx(
        eff.loc[("actor_x_moderator", "perceived_acceptance_w1"), "estimate"]
    )
    assert 0 <= row["interaction_p"] <= 1
    assert "Moderation by avoidance_w1" in res.summary("en")
    assert "Moderatie door avoidance_w1" in res.summary("nl")


def test_singles_are_an_error_naming_the_file_unless_dropped():
    import dyadscore as ds
    from dyadscore.errors import PairingError

    items = ds.read_table(Path(__file__).resolve().parents[1] / "data/sample/couples_items.csv")
    scores = ds.score(items, ds.present_instruments(items))
    wide = ds.prepare(scores).iloc[1:]  # the first person's partner is now single
    with pytest.raises(PairingError, match=r"^couples\.csv: dyad 1 has only one member"):
        with errors.reading("couples.csv"):
            ds.paradox.test(wide)
    full = ds.paradox.test(ds.prepare(scores))
    dropped = ds.paradox.test(wide, drop_singles=True)
    assert (dropped.table["n_dyads"] == full.table["n_dyads"] - 1).all()


def test_outcome_before_predictor_is_refused():
    from dyadscore.errors import InputError
    from dyadscore.paradox import load_hypotheses

    bad = [{"id": "Hx", "label": {"en": "a", "nl": "b"}, "outcome": "y_w1", "predictor": "x_w2"}]
    with pytest.raises(InputError, match=r"outcome 'y_w1' \(wave 1\) comes before predictor"):
        load_hypotheses(bad)


def test_misspelled_key_is_named():
    from dyadscore.errors import InputError
    from dyadscore.paradox import load_hypotheses

    typo = [{"id": "Hx", "label": {"en": "a", "nl": "b"}, "outcome": "y_w2", "predicter": "x_w1"}]
    with pytest.raises(
        InputError, match=r"hypothesis 'Hx': predicter: unknown key; expected one of id, label"
    ):
        load_hypotheses(typo)


# ------------------------------------------------ issue 11: H3 is non-superiority
def _h3_data(beta: float, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Own simulation (not simulate_paradox): felt dependence at two waves, perceived
    acceptance at wave 1, all standardised; the standardised actor effect of acceptance on
    later felt dependence (controlling earlier felt dependence) is ``beta``."""
    rng = np.random.default_rng(seed)
    cov = np.array(
        [[1, 0.3, -0.2, 0.0], [0.3, 1, 0.0, -0.2], [-0.2, 0.0, 1, 0.2], [0.0, -0.2, 0.2, 1]]
    )
    # columns: acceptance (m1, m2), felt dependence w1 (m1, m2)
    z = rng.multivariate_normal(np.zeros(4), cov, size=n)
    acc, fd1 = z[:, :2], z[:, 2:]
    e = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n) * 0.8
    fd2 = 0.5 * fd1 + beta * acc + e
    return pd.DataFrame(
        {
            "couple": np.repeat(np.arange(1, n + 1), 2),
            "person": np.arange(1, 2 * n + 1),
            "acc_T1": acc.ravel(),
            "dep_T1": fd1.ravel(),
            "dep_T2": fd2.ravel(),
        }
    )


H3_OWN = {
    "id": "H3",
    "label": {
        "en": "Acceptance does not increase felt dependence",
        "nl": "Acceptatie vergroot de gevoelde afhankelijkheid niet",
    },
    "outcome": "dep_T2",
    "predictor": "acc_T1",
    "control": ["dep_T1"],
    "direction": "non-superiority",
    "sesoi": 0.10,
}


@pytest.mark.parametrize(("beta", "supported"), [(-0.30, True), (0.0, True), (0.30, False)])
def test_h3_non_superiority_supported_for_negative_and_zero_not_positive(beta, supported):
    res = paradox_test(_h3_data(beta, seed=11), [H3_OWN])
    row = res.table.iloc[0]
    assert bool(row["supported"]) is supported
    assert row["design"] == "longitudinal" and row["direction"] == "non-superiority"
    # the decision is the one-sided test of H0: beta >= +.10, by hand from the table
    bound = 0.10 * row["estimate"] / row["beta"]
    p = stats.t.cdf((row["estimate"] - bound) / row["se"], row["df"])
    assert row["p_one_sided"] == pytest.approx(p)
    en, nl = res.summary("en"), res.summary("nl")
    assert "H0: β ≥ +0.10" in en and "H0: β ≥ +0,10" in nl
    if supported:
        assert en.startswith("H3 (Acceptance does not increase felt dependence): supported.")
        assert "does not increase dep_T2 by a meaningful amount" in en
        assert "A negative effect (a decrease) is consistent with this claim" in en
        assert ": ondersteund." in nl and "dep_T2 niet betekenisvol verhoogt" in nl
        assert "cannot rule out" not in en
    else:
        assert ": not supported." in en
        assert "cannot rule out an increase of 0.10 or more" in en
        assert "the claim that acc_T1 does not increase dep_T2 is not shown" in en
        assert ": niet ondersteund." in nl and "stijging van 0,10 of meer niet uitsluiten" in nl
    # the old two-sided TOST would have refused the welcome negative effect
    tost = paradox_test(_h3_data(beta, seed=11), [{**H3_OWN, "direction": "equivalence"}])
    if beta == -0.30:
        assert not tost.table["supported"].iloc[0]


def test_every_direction_is_worded_for_its_claim(data):
    base = {
        "id": "D",
        "label": {"en": "claim", "nl": "bewering"},
        "outcome": "self_sufficiency_w2",
        "predictor": "perceived_acceptance_w1",
        "control": ["self_sufficiency_w1"],
    }
    expect = {
        "positive": ("H0: β ≤ 0", "predicted positive effect", "voorspelde positieve effect"),
        "negative": ("H0: β ≥ 0", "predicted negative effect", "voorspelde negatieve effect"),
        "two-sided": ("H0: β = 0", "Two-sided test", "Tweezijdige toets"),
        "equivalence": ("H0: |β| ≥ 0.10", "Equivalence test (TOST)", "Equivalentietoets (TOST)"),
        "non-superiority": ("H0: β ≥ +0.10", "against the upper bound", "tegen de bovengrens"),
        "non-inferiority": ("H0: β ≤ -0.10", "against the lower bound", "tegen de ondergrens"),
    }
    for direction, (h0, en_word, nl_word) in expect.items():
        res = paradox_test(data, [{**base, "direction": direction}])
        en, nl = res.summary("en"), res.summary("nl")
        assert h0 in en, (direction, en)
        assert en_word in en and nl_word in nl, (direction, en, nl)


_CI = re.compile(
    r"(?:=|is) (-?\d+[.,]\d+) \((\d+(?:\.\d+)?)(?:% CI|%-BI) (-?\d+[.,]\d+) (?:to|tot) (-?\d+[.,]\d+)\)"
)


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def test_every_printed_ci_contains_the_estimate_printed_next_to_it(data):
    """Scan every summary text: each 'est (xx% CI lo to hi)' has lo <= est <= hi, and no CI
    is printed without an estimate right before it."""
    results = [
        paradox_test(data),
        paradox_test(data, ["H1", "H3", "H4c"], role="role", holm=True),
        paradox_test(data, ["H1"], moderator="avoidance_w1"),
        paradox_test(_h3_data(-0.3, seed=3), [H3_OWN]),
        paradox_test(_h3_data(0.3, seed=3), [{**H3_OWN, "direction": "equivalence"}]),
        paradox_test(_h3_data(0.0, seed=3), [{**H3_OWN, "direction": "non-inferiority"}]),
    ]
    scanned = 0
    for res in results:
        for lang in ("en", "nl"):
            text = res.summary(lang)
            n_ci = text.count("% CI") + text.count("%-BI")
            found = _CI.findall(text)
            assert len(found) == n_ci, text
            for est, _level, lo, hi in found:
                assert _num(lo) <= _num(est) <= _num(hi), (est, lo, hi)
            scanned += len(found)
    assert scanned > 60


def test_beta_ci_columns_are_the_ci_of_beta(result):
    tab = result.table
    ratio = tab["beta"] / tab["estimate"]
    assert np.allclose(tab["beta_ci_low"], tab["ci_low"] * ratio)
    assert np.allclose(tab["beta_ci_high"], tab["ci_high"] * ratio)
    assert ((tab["beta_ci_low"] <= tab["beta"]) & (tab["beta"] <= tab["beta_ci_high"])).all()


def test_forest_plot_draws_the_interval_that_matches_each_decision(data):
    import matplotlib

    matplotlib.use("Agg")
    hyps = [
        {
            **H3_OWN,
            "outcome": "felt_dependence_w2",
            "predictor": "perceived_acceptance_w1",
            "control": ["felt_dependence_w1"],
        },
        {
            **H3_OWN,
            "id": "T",
            "outcome": "felt_dependence_w2",
            "predictor": "perceived_acceptance_w1",
            "control": ["felt_dependence_w1"],
            "direction": "two-sided",
        },
    ]
    res = paradox_test(data, hyps)
    ax = res.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["H3 (90% CI)", "T (95% CI)"][::-1] or labels == ["H3 (90% CI)", "T (95% CI)"]
    segs = ax.collections[0].get_segments()  # one horizontal line per row, top row first
    row = res.table.iloc[0]
    crit = stats.t.ppf(0.95, row["df"])
    half = crit * row["se"] * row["beta"] / row["estimate"]
    (x0, _), (x1, _) = segs[0]
    assert (x0, x1) == pytest.approx((row["beta"] - half, row["beta"] + half))
    two = res.table.iloc[1]
    (y0, _), (y1, _) = segs[1]
    assert (y0, y1) == pytest.approx((two["beta_ci_low"], two["beta_ci_high"]))
    assert "90% CI for one-sided" in ax.get_xlabel()


# ------------------------------------------- issue 11: hypotheses easy to declare
def test_english_only_labels_load_and_dutch_is_asked_only_when_needed(tmp_path, data):
    f = tmp_path / "mine.yaml"
    f.write_text(
        "- id: E1\n  label: Acceptance helps goal progress\n  outcome: goal_progress_w2\n"
        "  predictor: perceived_acceptance_w1\n  control: [goal_progress_w1]\n"
        "- id: E2\n  label: {en: Another}\n  outcome: self_sufficiency_w1\n"
        "  predictor: perceived_acceptance_w1\n",
        encoding="utf-8",
    )
    hs = load_hypotheses(f)
    assert [h.label for h in hs] == [{"en": "Acceptance helps goal progress"}, {"en": "Another"}]
    res = paradox_test(data, f)
    assert "E1 (Acceptance helps goal progress): supported" in res.summary("en")
    assert list(res.to_dict()["summary"]) == ["en"]
    with pytest.raises(InputError, match=r"^hypothesis E1: label has no Dutch \(nl\) text"):
        res.summary("nl")
    with pytest.raises(InputError, match="no Dutch"):
        paradox_test(data, f, lang="nl")


@pytest.mark.parametrize(
    ("pred", "out", "waves"),
    [
        ("x_w1", "y_w2", (1, 2)),
        ("x_t1", "y_t2", (1, 2)),
        ("x_T1", "y_T3", (1, 3)),
        ("x_wave1", "y_wave2", (1, 2)),
        ("x_Wave2", "y_Wave2", (2, 2)),
        ("x.1", "y.2", (1, 2)),
    ],
)
def test_wave_suffixes_in_common_use(pred, out, waves):
    h = Hypothesis(id="W", label="w", outcome=out, predictor=pred)
    assert (h.wave_of["predictor"], h.wave_of["outcome"]) == waves
    assert h.design == ("longitudinal" if waves[1] > waves[0] else "cross-sectional")
    if waves[1] > waves[0]:  # swapped: the outcome would come before the predictor
        with pytest.raises(InputError, match=r"comes before predictor"):
            load_hypotheses([{"id": "W", "label": "w", "outcome": pred, "predictor": out}])


def test_waves_declared_explicitly_and_unknown_waves_are_errors():
    h = Hypothesis(
        id="X",
        label="x",
        outcome="goal_later",
        predictor="acc_early",
        waves={"predictor": "T1", "outcome": 2},
    )
    assert h.design == "longitudinal" and h.wave_of == {"predictor": 1, "outcome": 2}
    assert Hypothesis(id="C", label="c", outcome="y", predictor="x").design == "cross-sectional"
    for pred, out in [("x_w1", "goal_later"), ("acc2", "goal2"), ("x_time1", "y_time2")]:
        with pytest.raises(InputError, match="cannot tell the wave of") as err:
            load_hypotheses([{"id": "U", "label": "u", "outcome": out, "predictor": pred}])
        assert "\n" not in str(err.value)
    with pytest.raises(InputError, match=r"waves: .*expected waves: \{predictor"):
        load_hypotheses(
            [{"id": "U", "label": "u", "outcome": "y", "predictor": "x", "waves": {"x": 1}}]
        )


# ------------------------------------------------------- issue 9: paradox path
def test_wave_labels_t1_t2_are_understood():
    long = simulate_paradox(60, seed=5)
    labelled = long.assign(wave=long["wave"].map({1: "T1", 2: "T2"}))
    a = paradox_test(long, ["H1"]).table
    b = paradox_test(labelled, ["H1"]).table
    assert b["estimate"].iloc[0] == pytest.approx(a["estimate"].iloc[0])
    bad = long.assign(wave=long["wave"].map({1: "baseline", 2: "T2"}))
    with pytest.raises(
        InputError,
        match=r"^couples\.csv: row 1, column 'wave', value 'baseline': expected a wave number",
    ):
        with errors.reading("couples.csv"):
            paradox_test(bad, ["H1"])


def test_cli_errors_name_the_file_and_flags(tmp_path, capsys):
    long = simulate_paradox(30, seed=6)
    path = tmp_path / "mine.csv"
    long.drop(columns="goal_progress").to_csv(path, index=False)
    assert main(["paradox", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"dyadscore: error: {path}: no column"), err
    assert "data:" not in err[0] and "scores:" not in err[0]
    # --lang de: one line, not the whole usage
    long.to_csv(path, index=False)
    assert main(["paradox", str(path), "--lang", "de"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "dyadscore: error: paradox: argument --lang: invalid choice: 'de' (choose from 'en', "
        "'nl') (see 'dyadscore paradox --help')"
    ]
    # a single: the advice is the flag, and the number dropped is reported
    single = long[long["person"] != 2]
    single.to_csv(path, index=False)
    assert main(["paradox", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--drop-singles" in err and "drop_singles=True" not in err
    out = tmp_path / "res.json"
    assert main(["paradox", str(path), "--drop-singles", "--json", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"dropped 1 persons whose partner is not in {path}" in err
    assert json.loads(out.read_text())["n_singles_dropped"] == 1


def test_cli_english_only_hypotheses_file(tmp_path, capsys):
    long = simulate_paradox(60, seed=7)
    path = tmp_path / "d.csv"
    long.to_csv(path, index=False)
    hyp = tmp_path / "h.yaml"
    hyp.write_text(
        "- id: E1\n  label: {en: Only English}\n  outcome: goal_progress_w2\n"
        "  predictor: perceived_acceptance_w1\n",
        encoding="utf-8",
    )
    assert main(["paradox", str(path), "--hypotheses", str(hyp)]) == 0
    assert "E1 (Only English)" in capsys.readouterr().out
    assert main(["paradox", str(path), "--hypotheses", str(hyp), "--lang", "nl"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no Dutch (nl) text" in err[0]


# ------------------------------------------------ calibration of every direction
CALIBRATION = [
    # direction, true standardised effect at the boundary of H0
    ("positive", 0.0),
    ("negative", 0.0),
    ("two-sided", 0.0),
    ("non-superiority", 0.10),
    ("non-inferiority", -0.10),
    ("equivalence", 0.10),
    ("equivalence", -0.10),
]


@pytest.mark.slow
@pytest.mark.parametrize("distinguishable", [False, True])
@pytest.mark.parametrize(("direction", "truth"), CALIBRATION)
def test_type_one_error_at_the_bound_within_binomial_band(direction, truth, distinguishable):
    """20,000 replications with the actor effect exactly at the boundary of H0: the decision
    rule of paradox.test (decision_p on the GLS estimate, SESOI .10 turned into raw units
    with the sample SDs as paradox.test does) rejects in a share of replications inside the
    99% binomial band around alpha = .05. The closed-form estimators equal apim()
    (tests/test_power.py). 200 couples, except TOST: at one bound its size is
    P(reject at that bound and at the far bound), below alpha when the SE is not small
    next to the width of the equivalence region (at 200 couples .037-.042, i.e.
    conservative, as TOST is known to be), so it is checked where the far bound no longer
    matters (1,000 couples)."""
    from dyadscore.power_analysis import apim_dist, apim_indist, decision_p
    from dyadscore.simulate import _pair_normals

    rng = np.random.default_rng([CALIBRATION.index((direction, truth)), int(distinguishable)])
    n = 1000 if direction == "equivalence" else 200
    chunk, reps, a, p, r_x, r_e = 2500, 20_000, truth, 0.1, 0.3, 0.3
    rej = []
    for _ in range(reps // chunk):
        x = _pair_normals(rng, n, r_x, size=(chunk,))
        sd_e = np.sqrt(1 - (a**2 + p**2 + 2 * a * p * r_x))
        y = a * x + p * x[..., ::-1] + _pair_normals(rng, n, r_e, size=(chunk,)) * sd_e
        fit = (apim_dist if distinguishable else apim_indist)(x[..., None], y)
        est, se = fit["actor"][..., 0], fit["se_actor"][..., 0]
        if distinguishable:  # per role, SDs over that role's rows (apim's standardisation)
            scale = y.std(axis=1, ddof=1) / x.std(axis=1, ddof=1)
        else:
            flat = (chunk, -1)
            scale = y.reshape(flat).std(axis=1, ddof=1) / x.reshape(flat).std(axis=1, ddof=1)
        if distinguishable:  # the first role's test (the roles' estimates are correlated)
            est, se, scale = est[:, 0], se[:, 0], scale[:, 0]
        rej.append(decision_p(est, se, fit["df"], direction, 0.10 * scale) < 0.05)
    rej = np.concatenate(rej)
    m = rej.size
    lo, hi = stats.binom.ppf([0.005, 0.995], m, 0.05) / m
    assert lo <= rej.mean() <= hi, rej.mean()


# ------------------------------------------------------------ regressions from the review of the dyadic layer (robustness covariates)


@pytest.fixture(scope="module")
def review_paradox_data() -> pd.DataFrame:
    return ds.paradox.wide_by_wave(simulate_paradox(150, seed=3))


def test_robustness_covariate_already_a_control_is_not_entered_twice(
    review_paradox_data: pd.DataFrame,
) -> None:
    base = ds.paradox.test(review_paradox_data, ["H1", "H4"])
    extra = ds.paradox.test(review_paradox_data, ["H1", "H4"], covariates=["goal_progress_w1"])
    # H1 controls goal_progress_w1 already: same model, same estimate
    h1 = [t.set_index("hypothesis").loc["H1", "estimate"] for t in (base.table, extra.table)]
    assert h1[0] == pytest.approx(h1[1], rel=1e-12)
    # H4 has no control: the covariate enters, as in a direct APIM fit with it
    direct = ds.apim(
        review_paradox_data,
        x="perceived_acceptance_w1",
        y="self_sufficiency_w1",
        dyad="couple",
        covariates="goal_progress_w1",
        covariate_effects="as_is",
        person="person",
    )
    want = direct.effects.set_index("effect").loc["actor", "estimate"]
    assert extra.table.set_index("hypothesis").loc["H4", "estimate"] == pytest.approx(want)


def test_summary_names_covariates_without_a_dangling_and(review_paradox_data: pd.DataFrame) -> None:
    res = ds.paradox.test(review_paradox_data, ["H1", "H4"], covariates=["satisfaction_w1"])
    en = res.summary("en").split("\n\n")
    nl = res.summary("nl").split("\n\n")
    assert "goal_progress_w1, and for satisfaction_w1" in en[0]
    assert "couples, controlling for satisfaction_w1." in en[1]
    assert ", and for" not in en[1]
    assert "koppels, gecontroleerd voor satisfaction_w1." in nl[1]
