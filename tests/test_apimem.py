"""APIM mediation model against lavaan 0.6-14 (tests/oracle/apimem, see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore import _apimem as A
from dyadscore import errors
from dyadscore.errors import InputError

HERE = Path(__file__).parent / "oracle" / "apimem"
REF = json.loads((HERE / "apimem_lavaan.json").read_text())
WIDE = pd.read_csv(HERE / "apimem_wide.csv")
ROLES = ("female", "male")


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(np.abs(b), 1e-300)


@pytest.fixture(scope="module")
def fits():
    return {
        "dist": ds.apimem(WIDE, roles=ROLES),
        "indist": ds.apimem(WIDE, roles=ROLES, distinguishable=False),
    }


def _row(tab: pd.DataFrame, p: dict) -> pd.Series:
    sel = tab[
        (tab.lhs == p["lhs"]) & (tab.op == p["op"]) & (tab.rhs.str.replace(" ", "") == p["rhs"])
    ]
    assert len(sel) == 1, p
    return sel.iloc[0]


# lavaan's own precision (README "Precision"): the saturated model is within ~1e-7 of the
# closed form; the constrained model within ~1.1e-6 (estimates) of a tight refit.
EST_TOL = {"dist": 2e-7, "indist": 2e-6}


@pytest.mark.parametrize("kind", ["dist", "indist"])
def test_parameter_estimates_equal_lavaan(fits, kind):
    tab = fits[kind].parameters
    rows = REF[kind]["parameters"]
    assert len(tab) == len(rows)
    for p in rows:
        r = _row(tab, p)
        assert r["est"] == pytest.approx(p["est"], abs=EST_TOL[kind]), p
        # SEs, z, p and normal CIs: 1e-6 relative
        assert r["se"] == pytest.approx(p["se"], rel=1e-6), p
        assert r["ci_lower"] == pytest.approx(p["ci_lower"], abs=EST_TOL[kind] + 2e-6 * p["se"])
        assert r["ci_upper"] == pytest.approx(p["ci_upper"], abs=EST_TOL[kind] + 2e-6 * p["se"])
        assert r["z"] == pytest.approx(p["z"], rel=1e-5, abs=EST_TOL[kind] / p["se"] * 2)
        assert r["pvalue"] == pytest.approx(p["pvalue"], rel=1e-4, abs=1e-7), p
        assert r["std_all"] == pytest.approx(p["std_all"], abs=5 * EST_TOL[kind]), p


def test_saturated_model_is_the_closed_form_to_1e_12(fits):
    """Our dist estimates vs lavaan's own closed-form check (computed by lm() in R)."""
    cf = REF["precision_check"]["dist"]["closed_form"]
    tab = fits["dist"].parameters
    for key, val in cf.items():
        if key in set(tab.label):
            est = tab.loc[tab.label == key, "est"].iloc[0]
        else:
            lhs, op, rhs = (key[:2], key[2:4], key[4:]) if "~~" in key else (key[:2], "~1", "")
            est = tab[(tab.lhs == lhs) & (tab.op == op) & (tab.rhs == rhs)].est.iloc[0]
        assert est == pytest.approx(val, rel=1e-12, abs=1e-13), key


@pytest.mark.parametrize("kind", ["dist", "indist"])
def test_defined_effects_delta_method(fits, kind):
    eff = fits[kind].effects.set_index("effect")
    labeled = REF[kind]["labeled"]
    for name, ref in labeled.items():
        if not name.startswith(("ind_", "totind_", "total_")):
            continue
        e = eff.loc[name]
        assert e.estimate == pytest.approx(ref["est"], abs=EST_TOL[kind])
        assert e.se == pytest.approx(ref["se"], rel=1e-6)
        assert e.ci_low == pytest.approx(ref["ci_lower"], abs=EST_TOL[kind] * 2)
        assert e.ci_high == pytest.approx(ref["ci_upper"], abs=EST_TOL[kind] * 2)
        assert e.p == pytest.approx(ref["pvalue"], rel=1e-4, abs=1e-7)
        assert e.beta == pytest.approx(ref["std_all"], abs=5 * EST_TOL[kind])
    n_ind = (fits[kind].effects.kind == "indirect").sum()
    assert n_ind == (8 if kind == "dist" else 4)


@pytest.mark.parametrize("kind", ["dist", "indist"])
def test_vcov_implied_moments(fits, kind):
    res = fits[kind]
    ref = REF[kind]["vcov"]
    V = np.array(ref["matrix"])
    # lavaan lists each equality-constrained label once per row: expand ours the same way
    if kind == "dist":
        ours = res.vcov.loc[ref["names"], ref["names"]].to_numpy()
        np.testing.assert_allclose(ours, V, rtol=1e-5, atol=1e-10)
    else:
        # compare the diagonal (the rows are not uniquely ordered by name)
        lab_se = {n: np.sqrt(res.vcov.loc[n, n]) for n in res.vcov.columns}
        for n, v in zip(ref["names"], np.diag(V), strict=True):
            assert lab_se[n] == pytest.approx(np.sqrt(v), rel=1e-6), n
    tab = res.parameters[res.parameters.op != ":="]
    names = tab.label.where(tab.label != "", tab.lhs + tab.op + tab.rhs)
    est = dict(zip(names, tab.est, strict=True))
    theta = np.array([est[n] for n in res.vcov.columns])
    sigma, mu = A._spec(kind).implied(np.asarray(theta, float))
    names = REF[kind]["implied_cov"]["names"]
    order = [A.VARS.index(v) for v in names]
    np.testing.assert_allclose(
        sigma[np.ix_(order, order)], np.array(REF[kind]["implied_cov"]["matrix"]), atol=3e-6
    )
    np.testing.assert_allclose(mu[order], [REF[kind]["implied_mean"][v] for v in names], atol=3e-6)


@pytest.mark.parametrize(
    "kind,model",
    [
        ("dist", "distinguishable"),
        ("indist", "indistinguishable"),
        ("indist_paths_only", "equal_paths"),
    ],
)
def test_fit_measures(fits, kind, model):
    fm = fits["dist"].fits.set_index("model").loc[model]
    for key, val in REF[kind]["fit_measures"].items():
        ours = fm[key.replace(".", "_")]
        if val is None:
            assert np.isnan(ours), key
        elif key in ("chisq", "srmr") and kind == "dist":
            assert abs(ours) < 1e-8  # lavaan: 4e-13 and 8e-9 (its optimiser's residue)
        elif key in ("rmsea.ci.upper", "srmr"):
            assert ours == pytest.approx(val, rel=5e-7), key  # lavaan's root finder / optimiser
        else:
            assert ours == pytest.approx(val, rel=1e-6, abs=1e-9), key


def test_tests_of_indistinguishability(fits):
    for res in fits.values():
        t = res.tests.set_index("test")
        for name, ref in (
            ("indistinguishability", "test_indistinguishability"),
            ("equal_paths", "test_equal_paths_only"),
        ):
            assert t.loc[name, "chisq"] == pytest.approx(REF[ref]["chisq"], rel=1e-6)
            assert t.loc[name, "df"] == REF[ref]["df"]
            assert t.loc[name, "p"] == pytest.approx(REF[ref]["p"], rel=1e-5)


# ------------------------------------------------------------------ bootstrap
def _draws(kind):
    return pd.read_csv(HERE / f"apimem_boot_draws_{kind}.csv.gz")


@pytest.mark.parametrize("kind", ["dist", "indist"])
def test_percentile_rule_on_lavaans_draws(kind):
    """(a) our percentile/SE routine on lavaan's exported draws gives its boot_* to 1e-12."""
    dr = _draws(kind)
    labeled = REF[kind]["labeled"]
    for name, ref in labeled.items():
        col = dr[name].to_numpy()
        lo, hi = A.percentile_ci(col, 0.95)
        assert lo == pytest.approx(ref["boot_ci_lower"], rel=1e-12, abs=1e-14), name
        assert hi == pytest.approx(ref["boot_ci_upper"], rel=1e-12, abs=1e-14), name
        ddof = 1 if name.startswith(("ind_", "tot")) else 0
        assert col.std(ddof=ddof) == pytest.approx(ref["boot_se"], rel=1e-12), name


@pytest.mark.parametrize("kind", ["dist", "indist"])
def test_bootstrap_draws_from_lavaans_resamples(kind):
    """(b) refitting on lavaan's resample indices reproduces its draws (optimiser precision)."""
    idx = pd.read_csv(HERE / f"apimem_boot_indices_{kind}.csv.gz").drop(columns="rep")
    res = ds.apimem(
        WIDE, roles=ROLES, distinguishable=kind == "dist", boot_indices=idx.to_numpy() - 1
    )
    dr = _draws(kind)
    ours = res.bootstrap_draws
    spec = A._spec(kind)
    assert len(ours) == 1000
    ref_cols = list(dr.columns[1:])
    # lavaan has one column per free row (duplicated for equality-constrained labels)
    for j, row in enumerate(spec.rows):
        ref = dr.iloc[:, 1 + j].to_numpy()
        mine = ours[A._row_name(row)].to_numpy()
        # dist: lavaan ~1e-7 of the optimum; indist: nlminb stops early on some intercepts
        tol = 1e-6 if kind == "dist" else (1e-4 if row[1] == "~1" else 1e-5)
        np.testing.assert_allclose(mine, ref, atol=tol, err_msg=ref_cols[j])
    for name in spec.defined:
        np.testing.assert_allclose(ours[name], dr[name], atol=1e-6 if kind == "dist" else 1e-5)
    # and hence the CIs
    eff = res.effects.set_index("effect")
    for name, ref in REF[kind]["labeled"].items():
        if name in eff.index:
            assert eff.loc[name, "boot_ci_low"] == pytest.approx(ref["boot_ci_lower"], abs=2e-5)
            assert eff.loc[name, "boot_ci_high"] == pytest.approx(ref["boot_ci_upper"], abs=2e-5)
            assert eff.loc[name, "boot_se"] == pytest.approx(ref["boot_se"], rel=1e-4)


def test_own_bootstrap_within_monte_carlo_error_of_lavaan():
    res = ds.apimem(WIDE, roles=ROLES, bootstrap=2000, seed=11)
    eff = res.effects.set_index("effect")
    for name, ref in REF["dist"]["labeled"].items():
        if name not in eff.index:
            continue
        width = ref["boot_ci_upper"] - ref["boot_ci_lower"]
        assert abs(eff.loc[name, "boot_ci_low"] - ref["boot_ci_lower"]) < 0.15 * width, name
        assert abs(eff.loc[name, "boot_ci_high"] - ref["boot_ci_upper"]) < 0.15 * width, name


def test_bootstrap_is_reproducible_and_vectorised_fit_matches_single_fits():
    a = ds.apimem(WIDE, roles=ROLES, bootstrap=50, seed=3).bootstrap_draws
    b = ds.apimem(WIDE, roles=ROLES, bootstrap=50, seed=3).bootstrap_draws
    pd.testing.assert_frame_equal(a, b)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, len(WIDE), size=(50, len(WIDE)))
    X = WIDE[list(A.VARS)].to_numpy(float)
    single = ds.apimem(pd.DataFrame(X[idx[7]], columns=A.VARS), roles=ROLES)
    est = single.parameters.drop_duplicates("label")
    np.testing.assert_allclose(a.loc[7, "a1"], est.set_index("label").est["a1"], rtol=1e-12)


def test_fisher_scoring_reaches_the_closed_form():
    """The generic ML fitter (used for the equal-paths model) agrees with both closed forms."""
    X = WIDE[list(A.VARS)].to_numpy(float)
    mean, S = A._moments(X)
    for kind, closed in (("dist", A._fit_dist), ("indist", A._fit_indist)):
        start = closed(mean, S) * 1.05
        theta, ok, _ = A._fisher_scoring(kind, mean, S, start)
        assert ok
        np.testing.assert_allclose(theta, closed(mean, S), rtol=1e-9, atol=1e-11)


def test_batched_vcov_equals_single():
    X = WIDE[list(A.VARS)].to_numpy(float)
    mean, S = A._moments(X)
    for kind, closed in (("dist", A._fit_dist), ("indist", A._fit_indist)):
        th = closed(mean, S)
        V1 = np.linalg.inv(A._spec(kind).information(th)) / len(X)
        V2 = A._vcov_batch(kind, th[None], len(X))[0]
        np.testing.assert_allclose(V2, V1, rtol=1e-10, atol=1e-15)


# ------------------------------------------------------------------ shapes and roles
def test_long_shape_equals_wide_shape(fits):
    long = ds.to_individual(WIDE, ["x", "m", "y"], "couple", suffixes=("1", "2"), roles=ROLES)
    res = ds.apimem(long.sample(frac=1, random_state=1), x="x", m="m", y="y", role="role")
    pd.testing.assert_frame_equal(
        res.effects.drop(columns="chain"), fits["dist"].effects.drop(columns="chain")
    )
    ind = ds.apimem(long, role="role", distinguishable=False)
    np.testing.assert_allclose(ind.effects.estimate, fits["indist"].effects.estimate, rtol=1e-12)
    explicit = ds.apimem(WIDE, x=("x1", "x2"), m=("m1", "m2"), y=("y1", "y2"), roles=ROLES)
    np.testing.assert_allclose(explicit.effects.estimate, fits["dist"].effects.estimate)


def test_roles_swapped_relabels_effects(fits):
    long = ds.to_individual(WIDE, ["x", "m", "y"], "couple", suffixes=("1", "2"), roles=ROLES)
    res = ds.apimem(long, role="role", roles=("male", "female"))
    a = res.effects.set_index("effect")
    b = fits["dist"].effects.set_index("effect")
    assert a.loc["ind_aaa1", "estimate"] == pytest.approx(b.loc["ind_aaa2", "estimate"])
    assert a.loc["p12", "estimate"] == pytest.approx(b.loc["p21", "estimate"])
    assert a.loc["ind_aaa1", "role"] == "male"


def test_effect_lookup_names(fits):
    e = ds.apimem_effect(fits["dist"], "ppa", role="male")
    assert e["effect"] == "ind_ppa2"
    assert e["estimate"] == pytest.approx(REF["dist"]["labeled"]["ind_ppa2"]["est"], abs=1e-7)
    assert ds.apimem_effect(fits["dist"], "p", role="female")["effect"] == "p12"
    assert fits["indist"].effect("aaa")["effect"] == "ind_aa"
    assert fits["indist"].effect("total_partner")["effect"] == "total_partner"
    with pytest.raises(InputError, match="name the role"):
        ds.apimem_effect(fits["dist"], "aaa")
    with pytest.raises(InputError, match="not in the mediation model"):
        fits["dist"].effect("nonsense")


def test_conf_int_and_result_protocol(fits):
    ci = fits["dist"].conf_int()
    assert list(ci.columns) == ["effect", "role", "estimate", "ci_low", "ci_high"]
    with pytest.raises(InputError, match="bootstrap"):
        fits["dist"].conf_int("bootstrap")
    d = json.loads(fits["dist"].to_json())
    assert {"effects", "parameters", "fits", "tests"} <= set(d)
    assert "<APIMeMResult model=distinguishable n_couples=250" in repr(fits["dist"])
    assert "<pre>" in fits["dist"]._repr_html_()


def test_summary_en_nl_ci_next_to_number(fits):
    en = fits["dist"].summary()
    ref = REF["dist"]["labeled"]["ind_aaa1"]
    assert f"0.253 [{ref['ci_lower']:.3f}, {ref['ci_upper']:.3f}]" in en
    assert "chi2(12) = 34.70, p < .001" in en
    nl = fits["indist"].summary("nl")
    assert "niet-onderscheidbare" in nl and "0,176" in nl
    with pytest.raises(InputError):
        fits["dist"].summary("de")


def test_plot(fits):
    import matplotlib

    matplotlib.use("Agg")
    ax = fits["dist"].plot()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "a1 = 0.51***" in texts and "ind_aaa1" in texts
    fits["indist"].plot(lang="nl")


# ------------------------------------------------------------------ bad input
def _long():
    return ds.simulate_mediation(40, seed=2)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(m="y"), "the mediator is the same column as the outcome"),
        (dict(m="x"), "the mediator is the same column as the predictor"),
        (dict(y="zz"), "column 'zz' not found"),
        (dict(role="gender"), "column 'gender' not found"),
        (dict(bootstrap=-1), "bootstrap=-1"),
        (dict(ci=1.5), "ci=1.5"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = dict(x="x", m="m", y="y")
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        with errors.reading("d.csv"):
            ds.apimem(_long(), **args)


def test_bad_data():
    df = _long()
    bad = df.copy()
    bad["m"] = bad["m"].astype(object)
    bad.loc[5, "m"] = "n/a?"
    with pytest.raises(
        InputError, match=r"d.csv: row 6, column 'm': value 'n/a\?' is not a number"
    ):
        with errors.reading("d.csv"):
            ds.apimem(bad)
    const = df.copy()
    const.loc[const.role == "male", "y"] = 3.0
    with pytest.raises(InputError, match=r"column 'y\[male\]', value 3.0000: the same in every"):
        with errors.reading("d.csv"):
            ds.apimem(const)
    with pytest.raises(InputError, match="9 complete couples: expected at least 10"):
        with errors.reading("d.csv"):
            ds.apimem(df[df.couple <= 9])
    res = ds.apimem(df.assign(m=df.m.where(df.couple != 3)))
    assert any("1 couple(s) with a missing" in w for w in res.warnings)
    assert any("only 39 couples" in w for w in res.warnings)
    dup = pd.concat([WIDE, WIDE.iloc[[0]]])
    with pytest.raises(InputError, match="couple listed twice"):
        ds.apimem(dup, roles=ROLES)
    col = WIDE.assign(m2=WIDE.m1 * 2 + 1)
    with pytest.raises(InputError, match="perfectly collinear"):
        ds.apimem(col, roles=ROLES)


def test_messages_have_no_python_spellings():
    for kwargs in (dict(m="y"), dict(bootstrap=-1)):
        try:
            ds.apimem(_long(), **{"x": "x", "m": "m", "y": "y", **kwargs})
        except InputError as exc:
            msg = str(exc)
            assert "np." not in msg and "None" not in msg and "\n" not in msg


# ------------------------------------------------------------------ simulation and power
def test_simulation_recovers_planted_effects():
    df = ds.simulate_mediation(20000, a=(0.5, 0.3), p=(0.1, 0.2), b=0.4, q=(0.0, 0.2), seed=5)
    assert df.attrs["roles"] == ["female", "male"]
    res = ds.apimem(df)
    truth = df.attrs["truth"]
    eff = res.effects.set_index("effect")
    for name in ("a1", "a2", "p12", "p21", "q21", "ind_aaa1", "ind_pap1", "total_actor2"):
        assert eff.loc[name, "estimate"] == pytest.approx(truth[name], abs=4 * eff.loc[name, "se"])
    wide = ds.simulate_mediation(50, shape="dyad", seed=5)
    assert list(wide.columns[:3]) == ["couple", "x_female", "x_male"]
    assert ds.apimem(wide).info["roles"] == ["female", "male"]
    swapped = ds.simulate_mediation(50, roles=("b", "a"), seed=5)
    res = ds.apimem(swapped, roles=swapped.attrs["roles"])
    assert res.info["roles"] == ["b", "a"]


def test_power_joint_significance_matches_analytic_case():
    """With b = 0.6 (power of b ~ 1), joint-significance power of a*b = power of the z test of a."""
    from scipy.stats import norm

    n, a = 60, 0.25
    tab = ds.power_mediation(
        [n], reps=2000, effects=["ind_aaa1"], method="joint", seed=4, a=a, b=0.6, p=0.0, r_x=0.0
    )
    # SE of a1 with x standardised and residual SD 1: sqrt(1 / n) (ML, large n)
    se = 1 / np.sqrt(n)
    expected = norm.sf(1.96 - a / se) + norm.cdf(-1.96 - a / se)
    assert tab.power.iloc[0] == pytest.approx(expected, abs=4 * tab.mc_se.iloc[0] + 0.02)


def test_power_methods_and_null():
    null = ds.power_mediation([80], reps=300, effects=["ind_aaa1"], a=0.0, b=0.0, seed=2)
    assert null.power.iloc[0] < 0.02  # the product of two null paths: very conservative
    tab = ds.power_mediation([100], reps=200, method="delta", seed=1)
    assert set(tab.effect) == set(A.DEFINED["dist"])
    ind = ds.power_mediation([100], reps=100, distinguishable=False, mc_draws=500, seed=1)
    assert set(ind.effect) == set(A.DEFINED["indist"])
    with pytest.raises(InputError, match="joint significance"):
        ds.power_mediation([100], reps=100, method="joint", effects=["total_actor1"])
    with pytest.raises(InputError, match="n_dyads=5"):
        ds.power_mediation([5])


# ------------------------------------------------------------------ command line
def test_cli_summary_json_and_errors(tmp_path, capsys):
    from dyadscore.cli import main

    src = str(HERE / "apimem_wide.csv")
    out = tmp_path / "res.json"
    rc = main(
        [
            "apimem",
            src,
            "--x",
            "x",
            "--m",
            "m",
            "--y",
            "y",
            "--roles",
            "female",
            "male",
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "ind_aaa1 (actor-actor-actor): x[female] -> m[female] -> y[female] 0.253" in text
    d = json.loads(out.read_text())
    eff = {e["effect"]: e for e in d["effects"]}
    assert eff["ind_pap2"]["se"] == pytest.approx(
        REF["dist"]["labeled"]["ind_pap2"]["se"], rel=1e-6
    )
    # indistinguishable, long data, JSON on stdout
    long = ds.to_individual(WIDE, ["x", "m", "y"], "couple", suffixes=("1", "2"), roles=ROLES)
    lp = tmp_path / "long.csv"
    long.to_csv(lp, index=False)
    assert (
        main(
            ["apimem", str(lp), "--x", "x", "--m", "m", "--y", "y", "--indistinguishable", "--json"]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["model"]["model"] == "indistinguishable"
    chisq = {t["test"]: t["chisq"] for t in d["tests"]}["indistinguishability"]
    assert chisq == pytest.approx(REF["test_indistinguishability"]["chisq"], rel=1e-6)
    # bad input: one line, exit 2, nothing written
    before = sorted(p.name for p in tmp_path.iterdir())
    rc = main(
        ["apimem", str(lp), "--x", "x", "--m", "y", "--y", "y", "--json", str(tmp_path / "n.json")]
    )
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith("dyadscore: error: ")
    assert "mediator is the same column as the outcome" in err
    rc = main(["apimem", str(lp), "--x", "x", "--m", "m", "--y", "y", "--role", "sex"])
    err = capsys.readouterr().err
    assert rc == 2 and "column 'sex' not found" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_docs_mediation_example_runs():
    """The first code block of docs/mediation.md runs on the sample data as written."""
    import re

    import matplotlib

    matplotlib.use("Agg")
    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "mediation.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    block = block.replace("data/sample/", str(root / "data" / "sample") + "/")
    ns: dict = {}
    exec(compile(block.replace("print(", "str("), "docs/mediation.md", "exec"), ns)
    res = ns["res"]
    assert res.info["n_couples"] == 300 and res.info["bootstrap"] == 2000
    truth = json.loads((root / "data" / "sample" / "mediation_truth.json").read_text())
    assert truth["truth"]["woman"]["effects of this person's x"]["aaa"] == pytest.approx(0.14)
    # the planted aaa effects lie inside their bootstrap CIs in this sample
    for role in ("woman", "man"):
        e = res.effect("aaa", role=role)
        assert e["boot_ci_low"] < 0.14 < e["boot_ci_high"]


def test_decide_for_hypotheses(fits):
    boot = ds.apimem(WIDE, roles=ROLES, bootstrap=1000, seed=5)
    d = A.apimem_decide(boot, "aaa", role="female", direction="positive", alpha=0.05)
    assert d["effect"] == "ind_aaa1" and d["supported"] and d["method"] == "percentile bootstrap"
    # the one-sided decision interval is the 90% percentile interval of the draws
    lo, hi = A.percentile_ci(boot.bootstrap_draws["ind_aaa1"].to_numpy(), 0.90)
    assert d["decision_ci_low"] == lo and d["decision_ci_high"] == hi
    # ppa1 (estimate 0.0007, lavaan p = .956) is not supported in either direction
    assert not A.apimem_decide(boot, "ind_ppa1", direction="positive")["supported"]
    z = A.apimem_decide(fits["dist"], "ind_pap1", direction="two-sided")
    assert z["method"] == "z (delta method)"
    assert z["supported"] == (REF["dist"]["labeled"]["ind_pap1"]["pvalue"] < 0.05)
    with pytest.raises(InputError, match="equivalence"):
        A.apimem_decide(fits["dist"], "ind_pap1", direction="equivalence")


def test_singles_are_an_error_or_dropped():
    df = _long()
    one = df[~((df.couple == 4) & (df.role == "male"))]
    with pytest.raises(InputError, match="has only one member"):
        with errors.reading("d.csv"):
            ds.apimem(one)
    res = ds.apimem(one, drop_singles=True)
    assert res.info["n_couples"] == 39
    assert any("1 person(s) without a partner" in w for w in res.warnings)


def test_oracle_copy_is_byte_identical():
    shared = next(
        (
            p / "shared" / "oracle" / "apimem"
            for p in Path(__file__).resolve().parents
            if (p / "shared" / "oracle" / "apimem").is_dir()
        ),
        None,
    )
    if shared is None:
        pytest.skip("../shared/oracle/apimem is not beside this checkout")
    names = sorted(p.name for p in shared.iterdir() if p.is_file())
    assert names
    for name in names:
        assert (HERE / name).read_bytes() == (shared / name).read_bytes(), name
