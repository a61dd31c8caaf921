# Proposed mediation cells for notebook 06_daily_diary_and_mediation.ipynb (the lead inserts
# them). Plain Python with "# %%" cell markers; "# %% [markdown]" cells are Markdown (each
# line a comment). Written to run with the notebook's folder (notebooks/) as working
# directory, like the other notebooks; tested with
#     cd notebooks && PYTHONPATH=../src python _apimem_cells.py

# %% [markdown]
# ## Mediation in couples: the APIM mediation model
#
# Does perceived acceptance raise felt security, which then frees goal pursuit, and does
# this run between partners too? The actor-partner interdependence mediation model
# (APIMeM; Ledermann, Macho & Kenny, 2011) lets each partner's **x** (perceived acceptance)
# affect both partners' **m** (felt security), each **m** affect both partners' **y**
# (goal pursuit), and keeps the direct effects of **x** on **y**. It yields eight indirect
# effects, named path 1 - path 2 - whole chain: `aaa` (x_i -> m_i -> y_i), `ppa`
# (x_i -> m_j -> y_i), `app` (x_i -> m_i -> y_j) and `pap` (x_i -> m_j -> y_j) for each
# partner.
#
# The data are **synthetic** (`data/sample/mediation.csv`, 300 couples); the planted effects
# are in `data/sample/README.md` and `mediation_truth.json`.

# %%
import json

import matplotlib.pyplot as plt

import dyadscore as ds

med = ds.read_table("../data/sample/mediation.csv")
truth = json.load(open("../data/sample/mediation_truth.json"))["truth"]
med.head()

# %% [markdown]
# One call fits the model by maximum likelihood exactly as `lavaan::sem` does, with
# delta-method standard errors and 2000 bootstrap resamples of couples for percentile CIs.

# %%
res = ds.apimem(
    med,
    x="perceived_acceptance",
    m="felt_security",
    y="goal_pursuit",
    dyad="couple",
    role="role",
    bootstrap=2000,
    seed=1,
)
print(res.summary())

# %% [markdown]
# The indirect effects as a table, next to the values planted in the simulation. Member 1
# is the man here because role labels are taken in sorted order (pass
# `roles=("woman", "man")` to make the woman member 1); `role` says whose x starts the chain.

# %%
ind = res.indirect[res.indirect.kind == "indirect"][
    ["effect", "role", "chain", "estimate", "boot_ci_low", "boot_ci_high", "p"]
].copy()
ind["planted"] = [
    truth[r]["effects of this person's x"][e[4:7]]
    for e, r in zip(ind.effect, ind.role, strict=True)
]
ind.round(3)

# %%
ax = res.plot()
plt.show()

# %% [markdown]
# **Distinguishable or not?** The chi-square test compares the model with equal paths,
# means and variances for women and men (Olsen & Kenny, 2006) with the saturated
# distinguishable model. Here the roles differ only slightly in the simulation, and the
# test does not reject, so the simpler indistinguishable model (four indirect effects) is
# tenable.

# %%
print(res.tests[["test", "chisq", "df", "p"]].round(4).to_string(index=False))
pooled = ds.apimem(
    med,
    x="perceived_acceptance",
    m="felt_security",
    y="goal_pursuit",
    role="role",
    distinguishable=False,
    bootstrap=2000,
    seed=1,
)
pooled.indirect[["effect", "estimate", "boot_ci_low", "boot_ci_high"]].round(3)

# %% [markdown]
# **Planning a study.** How many couples does it take to detect the actor-actor-actor and
# the partner-actor-partner effects? `ds.power_mediation` simulates data with known paths,
# fits all replications at once and tests each effect with a Monte Carlo CI.

# %%
power = ds.power_mediation(
    [100, 200, 300, 400],
    reps=500,
    effects=["ind_aaa1", "ind_pap1"],
    a=0.4,
    p=0.1,
    b=0.35,
    q=0.15,
    c=0.1,
    d=0.05,
    seed=2,
)
power.pivot(index="n_dyads", columns="effect", values="power")

# %% [markdown]
# **What this does not show.** An indirect effect is a causal claim: it assumes the order
# acceptance -> security -> goal pursuit and no unmeasured confounders (e.g. relationship
# satisfaction driving all three). With one wave of data, as here, the indirect effects
# describe associations, not a process; see `docs/mediation.md`.
