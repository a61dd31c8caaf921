"""Regression tests from the review of the dyadic layer (issues #3 and #4): designs GLS cannot
fit, constant variables, error messages, CLI outputs that must not be half-written, and the
plain-language summary with robustness covariates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore.cli import main
from dyadscore.errors import InputError
from dyadscore.simulate import simulate_dyads, simulate_paradox


@pytest.fixture(scope="module")
def couples() -> pd.DataFrame:
    return simulate_dyads(60, seed=1)


def _singular_cases(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame, dict, str]]:
    const = df.assign(x=1.0)
    in_role = df.copy()
    in_role.loc[in_role.role == "man", "x"] = 2.0
    no_y = df.copy()
    no_y.loc[no_y.role == "man", "y"] = np.nan
    twice = df.assign(z=2 * df["x"])
    return [
        ("constant x", const, {"x": "x"}, r"actor effect of 'x'"),
        ("x constant in one role", in_role, {"x": "x"}, r"actor effect of 'x' \(role 'man'\)"),
        ("no outcome for one role", no_y, {"x": "x"}, r"intercept \(role 'man'\)"),
        ("x given twice", df, {"x": ["x", "x"]}, r"actor effect of 'x'"),
        ("covariate = 2x", twice, {"x": "x", "covariates": "z"}, r"covariate actor effect of 'z'"),
        ("moderator = x", df, {"x": "x", "moderator": "x"}, r"moderator actor effect of 'x'"),
    ]


@pytest.mark.parametrize("idx", range(6))
def test_inestimable_terms_are_one_line_input_errors(couples: pd.DataFrame, idx: int) -> None:
    _name, data, kw, match = _singular_cases(couples)[idx]
    with pytest.raises(InputError, match=match) as err:
        ds.apim(data, y="y", dyad="couple", role="role", **kw)
    assert "\n" not in str(err.value)


def test_constant_or_perfectly_predicted_outcome(couples: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"column 'y': the outcome is constant"):
        ds.apim(couples.assign(y=3.0), x="x", y="y", dyad="couple")
    half = couples.copy()
    half.loc[half.role == "woman", "y"] = 1.0
    with pytest.raises(InputError, match=r"outcome of role 'woman' is constant"):
        ds.apim(half, x="x", y="y", dyad="couple", role="role")
    exact = couples.assign(y=0.5 * couples["x"] + 1)  # y = f(x) exactly: no residual variance
    with pytest.raises(InputError, match="predicted perfectly"):
        ds.apim(exact, x="x", y="y", dyad="couple")


def test_legitimate_fit_unchanged_by_the_checks(couples: pd.DataFrame) -> None:
    # x constant within one role is fine for indistinguishable dyads (x still varies)
    d = couples.copy()
    d.loc[d.role == "man", "x"] = 2.0
    res = ds.apim(d, x="x", y="y", dyad="couple")
    # the GLS estimate with complete dyads and indistinguishable roles: equal to OLS
    # of the couple sum on the sums and of the difference on the differences
    y = d["y"].to_numpy().reshape(-1, 2)
    x = d["x"].to_numpy().reshape(-1, 2)
    bs = np.polyfit(x.sum(1), y.sum(1), 1)[0]
    bd = np.linalg.lstsq((x[:, 0] - x[:, 1])[:, None], y[:, 0] - y[:, 1], rcond=None)[0][0]
    eff = res.effects.set_index("effect").estimate
    assert eff["actor"] == pytest.approx((bs + bd) / 2, rel=1e-6)
    assert eff["partner"] == pytest.approx((bs - bd) / 2, rel=1e-6)


def test_cli_constant_predictor_exit_2_no_output(tmp_path: Path, couples: pd.DataFrame) -> None:
    src = tmp_path / "c.csv"
    couples.assign(x=1.0).to_csv(src, index=False)
    out = tmp_path / "o.txt"
    argv = ["apim", str(src), "--x", "x", "--y", "y", "--dyad", "couple", "--role", "role"]
    assert main([*argv, "-o", str(out)]) == 2
    assert not out.exists()


def test_role_spelling_error_names_the_role_column(couples: pd.DataFrame) -> None:
    d = couples.rename(columns={"role": "gender"})
    d.loc[0, "gender"] = "Woman"
    with pytest.raises(InputError, match=r"column 'gender' has 3 values \(Woman, man, woman\)"):
        ds.apim(d, x="x", y="y", dyad="couple", role="gender")
    with pytest.raises(InputError, match="column 'gender' has 3 values"):
        ds.to_pairwise(d, "x", "couple", "gender")


def test_nonindependence_of_a_constant_is_an_error(couples: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="column 'x': every score is 1"):
        ds.nonindependence(couples.assign(x=1.0), "x", "couple")
    d = couples.copy()
    d.loc[d.role == "man", "x"] = 0.0
    with pytest.raises(InputError, match="every score of role 'man' is equal"):
        ds.nonindependence(d, "x", "couple", role="role")


def test_cli_nonindependence_constant_exit_2(tmp_path: Path, couples: pd.DataFrame, capsys) -> None:
    src = tmp_path / "c.csv"
    couples.assign(x=1.0).to_csv(src, index=False)
    assert main(["dyads", "nonindependence", str(src), "--vars", "x", "--dyad", "couple"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_apim_plot_format_and_no_half_written_outputs(
    tmp_path: Path, couples: pd.DataFrame
) -> None:
    src = tmp_path / "d.csv"
    couples.to_csv(src, index=False)
    base = ["apim", str(src), "--x", "x", "--y", "y", "--dyad", "couple"]
    bad = tmp_path / "p.xyz"
    assert main([*base, "--plot", str(bad)]) == 2  # was a matplotlib traceback
    assert not bad.exists()
    existing = tmp_path / "res.txt"
    existing.write_text("keep")
    png = tmp_path / "p.png"
    assert main([*base, "--plot", str(png), "-o", str(existing)]) == 2
    assert not png.exists() and existing.read_text() == "keep"
    assert main([*base, "--plot", str(png), "-o", str(existing), "--force"]) == 0
    assert png.stat().st_size > 1000 and "APIM" in existing.read_text()


def test_cli_power_no_half_written_outputs(tmp_path: Path) -> None:
    existing = tmp_path / "t.csv"
    existing.write_text("keep")
    png = tmp_path / "p.png"
    argv = ["power", "--n", "50", "--reps", "20", "--seed", "1", "--plot", str(png)]
    assert main([*argv, "-o", str(existing)]) == 2
    assert not png.exists() and existing.read_text() == "keep"


def test_plot_unknown_predictor_is_input_error(couples: pd.DataFrame) -> None:
    res = ds.apim(couples, x="x", y="y", dyad="couple", role="role")
    with pytest.raises(InputError, match="predictor 'nope' is not in the model"):
        res.plot(predictor="nope")


@pytest.fixture(scope="module")
def paradox_data() -> pd.DataFrame:
    return ds.paradox.wide_by_wave(simulate_paradox(150, seed=3))


def test_robustness_covariate_already_a_control_is_not_entered_twice(
    paradox_data: pd.DataFrame,
) -> None:
    base = ds.paradox.test(paradox_data, ["H1", "H4"])
    extra = ds.paradox.test(paradox_data, ["H1", "H4"], covariates=["goal_progress_w1"])
    # H1 controls goal_progress_w1 already: same model, same estimate
    h1 = [t.set_index("hypothesis").loc["H1", "estimate"] for t in (base.table, extra.table)]
    assert h1[0] == pytest.approx(h1[1], rel=1e-12)
    # H4 has no control: the covariate enters, as in a direct APIM fit with it
    direct = ds.apim(
        paradox_data,
        x="perceived_acceptance_w1",
        y="self_sufficiency_w1",
        dyad="couple",
        covariates="goal_progress_w1",
        covariate_effects="as_is",
        person="person",
    )
    want = direct.effects.set_index("effect").loc["actor", "estimate"]
    assert extra.table.set_index("hypothesis").loc["H4", "estimate"] == pytest.approx(want)


def test_summary_names_covariates_without_a_dangling_and(paradox_data: pd.DataFrame) -> None:
    res = ds.paradox.test(paradox_data, ["H1", "H4"], covariates=["satisfaction_w1"])
    en = res.summary("en").split("\n\n")
    nl = res.summary("nl").split("\n\n")
    assert "goal_progress_w1, and for satisfaction_w1" in en[0]
    assert "couples, controlling for satisfaction_w1." in en[1]
    assert ", and for" not in en[1]
    assert "koppels, gecontroleerd voor satisfaction_w1." in nl[1]
