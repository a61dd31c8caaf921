"""Power: closed-form estimators vs R (nlme::gls) and apim(); MC vs the analytic SCIENCE.md 4.4 numbers."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from dyadscore import apim
from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.power_analysis import (
    apim_dist,
    apim_indist,
    n_required,
    plot_power,
    power,
    power_analytic,
)
from dyadscore.simulate import simulate_dyads, simulate_paradox

matplotlib.use("Agg")
ORACLE = Path(__file__).parent / "oracle"

# SCIENCE.md section 4.4: dyads needed for 80% power (alpha .05, r_x = r_e = .30):
# (a, p): indist actor 1-s, indist partner 1-s, indist partner 2-s, dist actor 1-s, dist partner 1-s
SCIENCE_TABLE = {
    (0.30, 0.10): (31, 273, 347, 67, 600),
    (0.30, 0.15): (30, 119, 151, 65, 260),
    (0.20, 0.10): (73, 290, 369, 160, 638),
    (0.20, 0.20): (70, 70, 88, 153, 153),
    (0.15, 0.10): (132, 297, 377, 290, 652),
    (0.10, 0.10): (302, 302, 383, 662, 662),
    (0.40, 0.20): (15, 59, 74, 32, 128),
}


@pytest.mark.parametrize(("ap", "expect"), list(SCIENCE_TABLE.items()))
def test_n_required_matches_science_table(ap, expect):
    a, p = ap
    got = (
        n_required(actor=a, partner=p, effect="actor"),
        n_required(actor=a, partner=p, effect="partner"),
        n_required(actor=a, partner=p, effect="partner", alternative="two-sided"),
        n_required(actor=a, partner=p, effect="actor", distinguishable=True),
        n_required(actor=a, partner=p, effect="partner", distinguishable=True),
    )
    assert got == expect


# ------------------------------------------------------- closed forms vs R / apim
def test_closed_form_indist_matches_nlme_oracle():
    dat = pd.read_csv(ORACLE / "apim_indist_long.csv").sort_values(["dyad", "person"])
    ref = json.load(open(ORACLE / "apim_indist_gls.json"))["reml"]["coefficients"]
    x = dat["x_actor"].to_numpy().reshape(1, -1, 2, 1)
    y = dat["y"].to_numpy().reshape(1, -1, 2)
    fit = apim_indist(x, y)
    assert fit["actor"][0, 0] == pytest.approx(ref["x_actor"]["estimate"], abs=1e-10)
    assert fit["partner"][0, 0] == pytest.approx(ref["x_partner"]["estimate"], abs=1e-10)
    # REML SEs: nlme estimates the variance parameters only to ~1e-6
    assert fit["se_actor"][0, 0] == pytest.approx(ref["x_actor"]["se"], rel=1e-5)
    assert fit["se_partner"][0, 0] == pytest.approx(ref["x_partner"]["se"], rel=1e-5)
    assert fit["df"] == len(dat) - 3


def test_closed_form_dist_matches_nlme_oracle():
    dat = pd.read_csv(ORACLE / "apim_dist_wide.csv")
    ref = json.load(open(ORACLE / "apim_dist_gls.json"))["reml"]["coefficients"]
    x = dat[["x1", "x2"]].to_numpy().reshape(1, -1, 2, 1)
    y = dat[["y1", "y2"]].to_numpy().reshape(1, -1, 2)
    fit = apim_dist(x, y)
    for k, role in enumerate(["female", "male"]):
        assert fit["actor"][0, k, 0] == pytest.approx(
            ref[f"role{role}:x_actor"]["estimate"], abs=1e-10
        )
        assert fit["partner"][0, k, 0] == pytest.approx(
            ref[f"role{role}:x_partner"]["estimate"], abs=1e-10
        )
        assert fit["se_actor"][0, k, 0] == pytest.approx(ref[f"role{role}:x_actor"]["se"], rel=1e-5)
        assert fit["se_partner"][0, k, 0] == pytest.approx(
            ref[f"role{role}:x_partner"]["se"], rel=1e-5
        )


@pytest.mark.parametrize("distinguishable", [False, True])
def test_closed_form_with_controls_equals_apim(distinguishable):
    """Two predictors (as in a residualised-change hypothesis): closed form == GLS/REML apim()."""
    df = simulate_paradox(120, seed=3).query("wave == 1")
    xs = ["perceived_acceptance", "goal_pursuit"]
    y = "self_sufficiency"
    regs = df[xs].to_numpy().reshape(1, -1, 2, 2)
    yy = df[y].to_numpy().reshape(1, -1, 2)
    role = "role" if distinguishable else None
    res = apim(df, x=xs, y=y, dyad="couple", role=role, roles=("woman", "man"))
    eff = res.effects.set_index(
        ["effect", "predictor", "role"] if role else ["effect", "predictor"]
    )
    fit = apim_dist(regs, yy) if distinguishable else apim_indist(regs, yy)
    for e in ("actor", "partner"):
        for j, v in enumerate(xs):
            if distinguishable:
                for k, r in enumerate(("woman", "man")):
                    row = eff.loc[(e, v, r)]
                    assert fit[e][0, k, j] == pytest.approx(row["estimate"], abs=1e-8)
                    assert fit[f"se_{e}"][0, k, j] == pytest.approx(row["se"], rel=1e-4)
            else:
                row = eff.loc[(e, v)]
                assert fit[e][0, j] == pytest.approx(row["estimate"], abs=1e-8)
                assert fit[f"se_{e}"][0, j] == pytest.approx(row["se"], rel=1e-4)
            assert fit["df"] == pytest.approx(row["df"])


# ------------------------------------------------------------- MC vs analytic
def test_mc_matches_science_monte_carlo_check():
    # SCIENCE.md 4.4: indist a = .30, p = .10, partner power .44/.56/.84/.98 at 100/150/300/600
    tab = power((100, 150, 300, 600), actor=0.3, partner=0.1, effect="partner", reps=2000, seed=1)
    expect = np.array([0.44, 0.56, 0.84, 0.98])
    assert np.all(np.abs(tab["power"] - expect) < 4 * tab["mc_se"] + 0.01)
    ana = power_analytic((100, 150, 300, 600), actor=0.3, partner=0.1, effect="partner")
    # the SCIENCE.md numbers are themselves MC (2,000 reps, SE about .011)
    assert np.abs(ana["power"].to_numpy() - expect).max() < 0.025


@pytest.mark.parametrize(
    "kwargs",
    [
        {"actor": 0.2, "partner": 0.2, "alternative": "two-sided"},
        {"actor": 0.15, "partner": 0.1, "r_e": -0.2},
        {"actor": (0.3, 0.2), "partner": (0.1, 0.15), "distinguishable": True},
    ],
)
def test_mc_agrees_with_analytic_within_mc_error(kwargs):
    sizes = (60, 150, 300)
    mc = power(sizes, reps=2000, seed=5, **kwargs)
    ana = power_analytic(sizes, **kwargs)
    merged = mc.merge(ana, on=[c for c in ana.columns if c != "power"], suffixes=("", "_a"))
    # normal approximation vs t test: allow 4 MC SEs plus .015
    assert len(merged) == len(mc)
    assert np.all(np.abs(merged["power"] - merged["power_a"]) < 4 * merged["mc_se"] + 0.015)


def test_false_positive_rate_near_alpha():
    tab = power(
        (80, 200),
        actor=0.3,
        partner=0.0,
        effect="partner",
        alternative="two-sided",
        reps=4000,
        seed=7,
    )
    assert np.all(np.abs(tab["power"] - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 4000))


def test_power_is_deterministic_and_has_contract_columns():
    a = power((50, 100), reps=100, seed=9)
    b = power((50, 100), reps=100, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert a.columns.tolist() == ["n_dyads", "effect", "power", "mc_se"]
    d = power(50, reps=50, seed=1, distinguishable=True, analytic=True)
    assert d.columns.tolist() == ["n_dyads", "effect", "role", "power", "mc_se", "analytic"]
    assert len(d) == 4


def test_hypothesis_power_null_and_planted():
    # planted null: one-sided rejection rate of H1 near alpha; H3 (equivalence) holds
    null = power((150,), effect=["H1", "H2"], planted=0, reps=3000, seed=2)
    assert np.all(np.abs(null["power"] - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 3000))
    tab = power((400,), effect="paradox", reps=400, seed=3)
    assert set(tab["effect"]) == {"H1", "H2", "H3", "H3b", "H4", "H4b", "H4c"}
    assert (tab["power"] > 0.75).all()


def test_power_matches_repeated_apim_fits_on_small_mc():
    """The vectorised MC decision equals apim() + t test, replication by replication."""
    from scipy import stats

    rng = np.random.default_rng(4)
    n, reps = 40, 5
    tab_rej = []
    for _ in range(reps):
        df = simulate_dyads(n, roles=None, seed=rng)
        res = apim(df, x="x", y="y", dyad="couple").effects.set_index("effect").loc["partner"]
        tab_rej.append(stats.t.sf(res["statistic"], res["df"]) < 0.05)
        x = df["x"].to_numpy().reshape(1, -1, 2, 1)
        y = df["y"].to_numpy().reshape(1, -1, 2)
        fit = apim_indist(x, y)
        assert fit["partner"][0, 0] == pytest.approx(res["estimate"], abs=1e-8)
        assert fit["se_partner"][0, 0] == pytest.approx(res["se"], rel=1e-4)


def test_power_input_errors():
    with pytest.raises(InputError, match="5 couples"):
        power(5)
    with pytest.raises(InputError, match="alternative 'left'"):
        power(50, alternative="left")
    with pytest.warns(DeprecationWarning), pytest.raises(InputError, match="sided 'left'"):
        power(50, sided="left")
    with pytest.raises(InputError, match="reps"):
        power(50, reps=3)
    with pytest.raises(InputError, match="unknown id"):
        power(50, effect="H99", reps=10)
    with pytest.raises(InputError, match="variance"):
        power(50, actor=0.9, partner=0.6, reps=10)


def test_plot_power_returns_axes():
    ax = plot_power(power((50, 100), reps=50, seed=1))
    assert len(ax.lines) >= 2 and ax.get_xlabel() == "Number of couples"
    with pytest.raises(InputError):
        plot_power(pd.DataFrame({"a": [1]}))


def test_cli_power(tmp_path, capsys):
    png = tmp_path / "p.png"
    rc = main(["power", "--n", "50", "100", "--reps", "100", "--seed", "1", "--plot", str(png)])
    assert rc == 0 and png.stat().st_size > 1000
    out = capsys.readouterr().out
    assert "analytic" in out and "partner" in out
    assert main(["power", "--n", "3"]) == 2
    assert main(["power", "--n", "50", "--reps", "20", "--plot", str(tmp_path / "x.txt")]) == 2
    assert not (tmp_path / "x.txt").exists()


# ------------------------------------------ issue 11: measurement error and dropout
def test_observed_effects_match_ols_on_error_laden_scores():
    """The attenuated observed-score APIM parameters equal OLS (statsmodels) on a very large
    simulated sample of error-laden scores (independent of the algebra)."""
    import statsmodels.api as sm

    from dyadscore.power_analysis import observed_effects

    df = simulate_dyads(
        200_000, actor=0.3, partner=0.1, r_x=0.3, r_e=0.3, seed=9, reliability={"x": 0.7, "y": 0.8}
    )
    x = df["x"].to_numpy().reshape(-1, 2)
    y = df["y"].to_numpy().reshape(-1, 2)
    ols = sm.OLS(y[:, 0], sm.add_constant(np.column_stack([x[:, 0], x[:, 1]]))).fit()
    got = observed_effects(0.3, 0.1, 0.3, 0.3, rel_x=0.7, rel_y=0.8)
    assert ols.params[1] == pytest.approx(got["actor"], abs=0.006)
    assert ols.params[2] == pytest.approx(got["partner"], abs=0.006)
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] == pytest.approx(got["r_x"], abs=0.006)
    res = y - np.column_stack([ols.predict(), np.zeros(len(y))])
    res[:, 1] = y[:, 1] - ols.params[0] - ols.params[1] * x[:, 1] - ols.params[2] * x[:, 0]
    assert np.corrcoef(res[:, 0], res[:, 1])[0, 1] == pytest.approx(got["r_e"], abs=0.006)
    assert got["actor"] < 0.3 and got["partner"] < 0.1


@pytest.mark.parametrize("role", [None, "role"])
def test_fgls_with_dropout_matches_apim(role):
    """apim_fgls (one feasible-GLS step, singles as 1 x 1 blocks) vs apim() (REML) on data
    with 20% of outcomes missing: estimates within 3% of an SE, SEs within 3%."""
    from dyadscore.power_analysis import apim_fgls

    df = simulate_dyads(
        300, r_e=0.4, missing=0.2, roles=("woman", "man") if role else None, seed=12
    )
    fit = apim(df, x="x", y="y", dyad="couple", role=role)
    eff = fit.effects.set_index(["effect", "role"] if role else "effect")
    x = df["x"].to_numpy().reshape(1, -1, 2, 1)
    y = df["y"].to_numpy().reshape(1, -1, 2)
    out = apim_fgls(x, y, ~np.isnan(y), distinguishable=bool(role))
    for effect in ("actor", "partner"):
        if role:
            ref = eff.loc[effect].loc[["woman", "man"]]
            got, got_se = out[effect][0, :, 0], out[f"se_{effect}"][0, :, 0]
        else:
            ref = eff.loc[[effect]]
            got, got_se = out[effect][0], out[f"se_{effect}"][0]
        se = ref["se"].to_numpy()
        assert np.all(np.abs(got - ref["estimate"].to_numpy()) < 0.03 * se)
        assert got_se == pytest.approx(se, rel=0.03)
    assert out["df"][0] == fit.fit["n_obs"] - fit.fit["n_coef"]


def test_reliability_and_dropout_lower_power_as_the_analytic_curve_says():
    plain = power((150, 300), effect="partner", reps=3000, seed=13, analytic=True)
    real = power(
        (150, 300),
        effect="partner",
        reps=3000,
        seed=13,
        analytic=True,
        reliability=0.8,
        dropout=0.15,
    )
    assert (real["power"].to_numpy() < plain["power"].to_numpy() - 0.05).all()
    # Monte Carlo (feasible GLS with singles) vs the analytic approximation
    assert np.all(np.abs(real["power"] - real["analytic"]) < 4 * real["mc_se"] + 0.02)
    assert real.attrs["settings"]["reliability"] == 0.8
    assert n_required(effect="partner", reliability=0.8, dropout=0.15) > n_required(
        effect="partner"
    )


def test_hypothesis_power_with_reliability_and_dropout_null_calibrated():
    """Under the planted null with error-laden scores and dropout, H1's one-sided test keeps
    its level (the FGLS t test with singles), and planted effects lose power."""
    null = power((150,), effect=["H1"], planted=0, reps=3000, seed=14, reliability=0.8, dropout=0.2)
    assert abs(null["power"].iloc[0] - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 3000)
    a = power((200,), effect=["H1", "H2"], reps=1000, seed=15)
    b = power((200,), effect=["H1", "H2"], reps=1000, seed=15, reliability=0.75, dropout=0.2)
    assert (b["power"].to_numpy() < a["power"].to_numpy()).all()


def test_reliability_and_dropout_errors():
    with pytest.raises(InputError, match="reliability of 'x'"):
        power(50, reliability=1.5, reps=10)
    with pytest.raises(InputError, match="no value for 'felt_dependence'"):
        power(50, effect="H3", reliability={"perceived_acceptance": 0.8}, reps=10)
    with pytest.raises(InputError, match="dropout"):
        power(50, dropout=0.95, reps=10)


def test_cli_power_reliability_dropout(capsys):
    assert (
        main(
            [
                "power",
                "--n",
                "100",
                "--reps",
                "200",
                "--seed",
                "1",
                "--effect",
                "partner",
                "--reliability",
                ".8",
                "--dropout",
                ".15",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "analytic" in out
    assert main(["power", "--n", "100", "--reliability", "x=abc"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "dyadscore: error: --reliability x=abc: expected CONSTRUCT=NUMBER "
        "(e.g. felt_dependence=.75)"
    ]


# ------------------------------------------------------------ regressions from the review of the dyadic layer (outputs)


def test_cli_power_no_half_written_outputs(tmp_path: Path) -> None:
    existing = tmp_path / "t.csv"
    existing.write_text("keep")
    png = tmp_path / "p.png"
    argv = ["power", "--n", "50", "--reps", "20", "--seed", "1", "--plot", str(png)]
    assert main([*argv, "-o", str(existing)]) == 2
    assert not png.exists() and existing.read_text() == "keep"


# ------------------------------------------- alternative (scipy) and the old sided=
def _se1(a, p, r_x, r_e):
    """SE of the indistinguishable actor/partner estimate for one couple (SCIENCE.md 4.4)."""
    s2 = 1 - (a**2 + p**2 + 2 * a * p * r_x)
    return np.sqrt(s2 / 4 * ((1 + r_e) / (1 + r_x) + (1 - r_e) / (1 - r_x)))


@pytest.mark.parametrize(("sided", "alternative"), [("one", None), ("two", "two-sided")])
@pytest.mark.parametrize(
    "effects",
    [
        {"actor": 0.3, "partner": 0.1},
        {"actor": -0.3, "partner": 0.15},  # mixed signs: one-sided follows each effect's sign
        {"actor": (0.3, -0.2), "partner": (-0.1, 0.15), "distinguishable": True},
    ],
)
def test_old_sided_gives_the_same_results_as_alternative(sided, alternative, effects):
    sizes = (60, 200)
    with pytest.warns(DeprecationWarning, match="sided= is deprecated"):
        old_mc = power(sizes, sided=sided, reps=300, seed=3, analytic=True, **effects)
    new_mc = power(sizes, alternative=alternative, reps=300, seed=3, analytic=True, **effects)
    pd.testing.assert_frame_equal(old_mc, new_mc, check_exact=True)
    with pytest.warns(DeprecationWarning):
        old_n = n_required(actor=0.3, partner=-0.1, sided=sided)
    assert old_n == n_required(actor=0.3, partner=-0.1, alternative=alternative)
    with pytest.raises(InputError, match="only alternative"), pytest.warns(DeprecationWarning):
        power_analytic(60, sided=sided, alternative="greater")


def test_one_sided_default_is_greater_or_less_by_the_effects_sign():
    pos = {"actor": 0.3, "partner": 0.1}
    neg = {"actor": -0.3, "partner": -0.1}
    for kw, side in ((pos, "greater"), (neg, "less")):
        a = power((60, 200), reps=300, seed=8, analytic=True, **kw)
        b = power((60, 200), reps=300, seed=8, analytic=True, alternative=side, **kw)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    # mirrored effects with mirrored alternatives: the same power
    np.testing.assert_array_equal(
        power_analytic((60, 200), alternative="less", **neg)["power"],
        power_analytic((60, 200), alternative="greater", **pos)["power"],
    )


def test_less_against_the_normal_formula_by_hand():
    from scipy import stats

    sizes = np.array([60, 150, 400])
    z = stats.norm.ppf(0.95)
    for a, p, side in ((-0.3, -0.1, "less"), (0.3, 0.1, "less"), (-0.3, -0.1, "greater")):
        se = _se1(a, p, 0.3, 0.3) / np.sqrt(sizes)
        tab = power_analytic(sizes, actor=a, partner=p, alternative=side, effect="partner")
        sign = -1 if side == "less" else 1
        # P(Z > z_.95) for Z ~ N(sign * b / se, 1): the level-.05 test of H1 sign * beta > 0
        want = stats.norm.sf(z, loc=sign * p / se)
        np.testing.assert_allclose(tab["power"], want, rtol=1e-12)
    # the wrong side has power below alpha; the right side's n_required reaches the target
    assert (power_analytic(sizes, actor=0.3, partner=0.1, alternative="less")["power"] < 0.05).all()
    n = n_required(actor=-0.3, partner=-0.1, alternative="less", effect="partner")
    se = _se1(-0.3, -0.1, 0.3, 0.3)
    assert stats.norm.sf(z, loc=0.1 / se * np.sqrt(n)) >= 0.8
    assert stats.norm.sf(z, loc=0.1 / se * np.sqrt(n - 1)) < 0.8
    with pytest.raises(InputError, match="alternative 'greater' with a negative partner"):
        n_required(actor=-0.3, partner=-0.1, alternative="greater")


def test_less_monte_carlo_agrees_with_t_tests_and_analytic():
    from scipy import stats

    # the MC decision of "less" is the lower-tail t test of each replication's estimate
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 80, 2, 1))
    y = -0.3 * x[..., 0] + rng.standard_normal((1, 80, 2))
    fit = apim_indist(x, y)
    t = fit["actor"][0, 0] / fit["se_actor"][0, 0]
    from dyadscore.power_analysis import decision_p

    p_less = decision_p(fit["actor"], fit["se_actor"], fit["df"], "negative")[0, 0]
    assert p_less == pytest.approx(stats.t.cdf(t, fit["df"]), rel=1e-12)
    # and the MC power of "less" for negative effects matches the normal approximation
    mc = power((80, 250), actor=-0.2, partner=-0.1, alternative="less", reps=2000, seed=6)
    ana = power_analytic((80, 250), actor=-0.2, partner=-0.1, alternative="less")
    assert np.all(np.abs(mc["power"] - ana["power"]) < 4 * mc["mc_se"] + 0.015)
    wrong = power(150, actor=0.2, partner=0.1, alternative="less", reps=2000, seed=6)
    assert (wrong["power"] < 0.05).all()
