"""Notebooks 04 (sensitivity) and 05 (calibration) tell true stories.

As in ``test_notebooks.py`` (whose helpers this file uses), the claims of each notebook's text
are checked here, with the parameters of its first code cell.  Notebook 04 is executed by
``test_notebooks.py::test_notebook_runs_without_error``; here its Morris design and the ends
of its one-at-a-time ranges are run again with the notebook's experiment file, and every
claim is computed from those runs: the elementary effects, mu*, the noise level and the
paired one-at-a-time effects are recomputed from the design and the outcomes, not read from
``relsim.experiments.analyze``.  Notebook 05's calibration is too slow to repeat: its test
executes the notebook, reads its result tables, and checks them against an independent
simulation of the fitted market (the cohort counted from the relationships table), the
published table, and an sBG fit written here from its closed form.
"""

from __future__ import annotations

import functools
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.optimize import minimize
from scipy.special import betaln
from test_notebooks import (
    NOTEBOOKS,
    ROOT,
    execute,
    kernel_of_this_python,  # noqa: F401 (a fixture, used by name)
    markdown,
    parameters,
)

import relsim
from relsim.report.outcomes import replication_outcomes
from relsim.stats import t_interval

rx = pytest.importorskip("relsim.experiments")
pytest.importorskip("SALib")

# --------------------------------------------------------------------------- 04 sensitivity

LEVER_CLAIM = re.compile(r"- `(?P<lever>[\w.]+)`: retention \*\*(?P<retention>rises|falls|hardly "
                         r"moves)\*\*, value \*\*(?P<value>rises|falls|hardly moves)\*\*")


@functools.cache
def sensitivity() -> dict:
    """Notebook 04's experiment run again: its Morris design (point means of each outcome) and
    its one-at-a-time runs at the lowest and highest value of every lever."""
    p = parameters("04_sensitivity")
    experiment = rx.load(NOTEBOOKS / p["EXPERIMENT"])
    design = rx.sample(experiment).set_index("point")
    results = rx.run(experiment, out=None, workers=1, progress=False)
    results = results[results["firm"] == p["FIRM"]]
    runs, configs = {}, {}
    for path, spec in experiment.parameters.items():
        for end, value in (("low", spec.low), ("high", spec.high)):
            runs[(path, end)] = relsim.run(experiment.base, replications=p["OAT_REPLICATIONS"],
                                           **{path.replace(".", "__"): value})
            configs[f"{path}:{end}"] = experiment.configs({path: value})["baseline"]
    firms = pd.concat([r.firms.assign(variant=f"{k[0]}:{k[1]}") for k, r in runs.items()],
                      ignore_index=True)
    relationships = pd.concat([r.relationships.assign(variant=f"{k[0]}:{k[1]}")
                               for k, r in runs.items()], ignore_index=True)
    ends = replication_outcomes(firms, relationships, configs)
    return {"experiment": experiment, "design": design, "results": results,
            "ends": ends[ends["firm"] == p["FIRM"]].astype({"variant": str})}


def elementary_effects() -> pd.DataFrame:
    """Every elementary effect of the rerun Morris design: consecutive points of a trajectory
    differ in one lever; the change of each outcome's point mean over that step, per unit of
    the lever's range."""
    run = sensitivity()
    experiment, design = run["experiment"], run["design"]
    means = run["results"].groupby("point")[["retention", "value"]].mean()
    k = len(experiment.parameters)
    rows = []
    for a in design.index:
        if a % (k + 1) == k:  # the last point of a trajectory
            continue
        change = design.loc[a + 1] - design.loc[a]
        (lever,) = change.index[change.abs() > 1e-12]
        spec = experiment.parameters[lever]
        step = change[lever] / (spec.high - spec.low)
        rows.append({"lever": lever, "quality": design.loc[a, "firms.0.quality"],
                     **((means.loc[a + 1] - means.loc[a]) / step).to_dict()})
    return pd.DataFrame(rows)


def morris() -> dict:
    effects = elementary_effects().groupby("lever")[["retention", "value"]]
    return {"mu": effects.mean(), "mu_star": effects.agg(lambda e: e.abs().mean()),
            "sigma": effects.std(ddof=1)}


def noise() -> pd.DataFrame:
    """Per outcome: the within-point variance, the share of the point means' variance that it
    makes (means of R replications), and the mu* a lever without effect would get."""
    run = sensitivity()
    results, design = run["results"], run["experiment"].design
    by_point = results.groupby("point")[["retention", "value"]]
    replications = results["replication"].nunique()
    within = by_point.var(ddof=1).mean()
    delta = design.num_levels / (2 * (design.num_levels - 1))
    return pd.DataFrame({"noise_of_means": within / replications / by_point.mean().var(ddof=1),
                         "no_effect": np.sqrt(2 / np.pi) * np.sqrt(2 * within / replications)
                         / delta})


def test_sensitivity_one_at_a_time_effects_have_the_signs_the_text_states():
    run = sensitivity()
    claims = {m["lever"]: m.groupdict() for m in LEVER_CLAIM.finditer(markdown("04_sensitivity"))}
    assert set(claims) == set(run["experiment"].parameters)
    ends = run["ends"]

    def effect(path, outcome):
        high, low = (ends[ends["variant"] == f"{path}:{end}"].set_index("replication")[outcome]
                     for end in ("high", "low"))
        return t_interval(high - low)[:3]

    for path, claim in claims.items():
        for outcome in ("retention", "value"):
            mean, lo, hi = effect(path, outcome)
            said = claim[outcome]
            if said == "rises":
                assert lo > 0, (path, outcome, mean, lo, hi)
            elif said == "falls":
                assert hi < 0, (path, outcome, mean, lo, hi)
            else:  # "changes retention by less than 2 points over the whole range"
                assert outcome == "retention" and abs(mean) < 0.02, (path, outcome, mean)
    # "Quality moves both outcomes most"
    for outcome in ("retention", "value"):
        sizes = {path: abs(effect(path, outcome)[0]) for path in claims}
        assert max(sizes, key=sizes.get) == "firms.0.quality", (outcome, sizes)


def test_sensitivity_morris_ranking_directions_and_interaction_are_those_of_a_rerun():
    text = markdown("04_sensitivity")
    (top,) = re.findall(r"most influential lever for retention is `([\w.]+)`", text)
    (lead,) = re.findall(r"For value created, `([\w.]+)` and `([\w.]+)` lead", text)
    m = morris()
    mu_star = m["mu_star"]
    assert mu_star["retention"].idxmax() == top == "firms.0.quality"
    assert set(mu_star["value"].nlargest(2).index) == set(lead)
    # "a μ* of about 30 points for quality"; "about twice as much as price and many times more
    # than reliability or complaint recovery"
    quality = mu_star.loc["firms.0.quality"]
    assert 0.25 < quality["retention"] < 0.35
    assert 1.7 < quality["retention"] / mu_star.loc["firms.0.price", "retention"] < 2.8
    for lever in ("firms.0.reliability", "firms.0.recovery_rate"):
        assert quality["retention"] / mu_star.loc[lever, "retention"] > 5
    # "reliability's μ* is about a tenth of quality's for retention but two fifths for value"
    reliability = mu_star.loc["firms.0.reliability"] / quality
    assert 0.05 < reliability["retention"] < 0.15 and 0.3 < reliability["value"] < 0.5
    # price: every elementary effect on retention negative, its mean effect on value positive
    effects = elementary_effects()
    price = effects[effects["lever"] == "firms.0.price"]
    assert (price["retention"] < 0).all() and m["mu"].loc["firms.0.price", "value"] > 0
    # "For value, σ is about half of μ* for quality, price and reliability"
    for lever in ("firms.0.quality", "firms.0.price", "firms.0.reliability"):
        assert 0.3 < m["sigma"].loc[lever, "value"] / mu_star.loc[lever, "value"] < 0.7
    # "The price step taken where A's quality was lowest added the least value, the one where
    # it was highest the most"
    assert price.loc[price["quality"].idxmin(), "value"] == price["value"].min()
    assert price.loc[price["quality"].idxmax(), "value"] == price["value"].max()
    assert price["quality"].min() < price["quality"].max()
    assert "a price rise pays more when the service is good" in text


def test_sensitivity_noise_claims_hold_in_a_rerun():
    text = markdown("04_sensitivity")
    level = noise()
    mu_star = morris()["mu_star"]
    # "Less than 5% of the variance between design points is replication noise, for both"
    assert "Less than 5% of the variance between design points is replication noise" in text
    assert (level["noise_of_means"] < 0.05).all(), level
    # recovery rate within noise for retention; reliability "about at that level"
    no_effect = level.loc["retention", "no_effect"]
    assert mu_star.loc["firms.0.recovery_rate", "retention"] < no_effect
    assert 0.5 < mu_star.loc["firms.0.reliability", "retention"] / no_effect < 1.5


# --------------------------------------------------------------------------- 05 calibration

CALIBRATION_TABLES = """
import json
print(json.dumps({"curves": curves.to_dict("list"),
                  "parameters": result.parameters.to_dict("list"),
                  "fitted_scenario": result.fitted_scenario}))
"""
"""Run after notebook 05's cells: its calibration's curves, estimates and fitted scenario."""


def cohort_curve(relationships: pd.DataFrame, firm: str, weeks: tuple[int, int],
                 years: int) -> np.ndarray:
    """Share of the firm's new customers of ``weeks`` (first relationships) whose relationship
    lasted more than 52 t weeks, t = 0..years (all of them at t = 0)."""
    new = relationships[relationships["first"] & (relationships["firm"] == firm)
                        & relationships["start"].between(*weeks)]
    lasted = (new["end"].astype(float).fillna(np.inf) - new["start"]).to_numpy()
    return np.array([1.0] + [np.mean(lasted > 52 * t) for t in range(1, years + 1)])


def sbg_fit(shares: np.ndarray, size: int) -> tuple[float, float]:
    """The sBG model's maximum-likelihood (alpha, beta) for a cohort's shares at periods
    0..T: S(t) = B(alpha, beta + t) / B(alpha, beta), leavers multinomial, survivors at T
    censored (Fader & Hardie 2007, eq. 5)."""
    alive = np.round(np.asarray(shares) * size)
    t = np.arange(len(alive))

    def negative_log_likelihood(x):
        a, b = np.exp(x)
        s = np.exp(betaln(a, b + t) - betaln(a, b))
        return -(np.sum((alive[:-1] - alive[1:]) * np.log(s[:-1] - s[1:]))
                 + alive[-1] * np.log(s[-1]))

    best = min((minimize(negative_log_likelihood, x0, method="Nelder-Mead",
                         options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
                for x0 in ((0.0, 0.0), (1.0, 3.0))), key=lambda r: r.fun)
    return tuple(np.exp(best.x))


def sbg_survival(alpha: float, beta: float, t) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def test_calibration_notebook_runs_and_its_fit_projection_and_comparison_are_true(request):
    """Notebook 05 runs without error; its fitted curve is what the fitted market does (an
    independent run, the cohort counted here), within 2 points of the observed fitted years,
    and its statements about the projection, the sBG model and the estimates hold."""
    p = parameters("05_calibration")
    observed = pd.read_csv(ROOT / "tests" / "data" / "cohort_retention_fader_hardie_2007.csv")
    assert pd.read_csv(NOTEBOOKS / p["DATA"]).equals(observed)
    spec = yaml.safe_load((NOTEBOOKS / p["CALIBRATION"]).read_text(encoding="utf-8"))
    assert (NOTEBOOKS / spec["data"]["path"]).resolve() == (NOTEBOOKS / p["DATA"]).resolve()
    cohort = spec["data"]["value_column"]
    assert cohort == "regular"
    kernel = request.getfixturevalue("kernel_of_this_python")  # from test_notebooks.py
    _, printed = execute("05_calibration", kernel, CALIBRATION_TABLES)
    tables = json.loads(printed)
    curves = pd.DataFrame(tables["curves"]).set_index("period")
    estimates = pd.DataFrame(tables["parameters"]).set_index("parameter")["estimate"]
    text = markdown("05_calibration")
    shares = observed.set_index("year")[cohort]
    assert np.allclose(curves["observed"], shares.loc[curves.index])

    # the fitted curve is the fitted market's: run it, count its cohort from the relationships
    fitted = yaml.safe_load(tables["fitted_scenario"])
    for path, value in estimates.items():
        section, name = path.split(".")
        assert fitted[section][name] == pytest.approx(value, rel=1e-12)
    mapping, method = spec["mapping"], spec["method"]
    market = relsim.run(fitted, seed=method["seed"], replications=1)
    simulated = cohort_curve(market.relationships, mapping["firm"],
                             (mapping["cohort_start"], mapping["cohort_end"]), len(shares) - 1)
    assert np.allclose(simulated, curves["relsim"], atol=1e-12)

    # "within 2 percentage points of the observed share in every year" fitted
    first, last = spec["fit_periods"]
    fit_years = range(first + 1, last + 1)
    assert "within 2 percentage points of the observed share in every year" in text
    assert max(abs(simulated[t] - shares[t]) for t in fit_years) < 0.02
    # the estimates: "about 1.1%", "a heterogeneity of about 0.006", and the start values
    assert 0.0105 <= estimates["behaviour.base_churn"] < 0.0115
    assert 0.005 < estimates["behaviour.churn_heterogeneity"] < 0.007
    for path, value in estimates.items():
        assert value == pytest.approx(spec["parameters"][path]["start"], rel=1e-9)

    # the sBG model, fitted here, and the mean absolute errors on the held-out years
    held_out = list(range(spec["holdout_periods"][0], spec["holdout_periods"][1] + 1))
    years = np.arange(len(shares))
    projections = {name: sbg_survival(*sbg_fit(observed[name].to_numpy()[first:last + 1],
                                               spec["data"]["size"]), years)
                   for name in ("regular", "high_end")}
    assert np.allclose(curves["sbg"], projections[cohort][curves.index], atol=2e-4)
    mae = {"relsim": np.mean(np.abs(simulated[held_out] - shares[held_out])),
           "sbg": np.mean(np.abs(projections[cohort][held_out] - shares[held_out]))}
    # "its mean absolute error is under 1 point, relsim's nearly 3 points (under 3)"
    assert mae["sbg"] < 0.01 and 0.025 < mae["relsim"] < 0.03, mae
    # "relsim's projection falls below the observed share in years 5–7, by more each year"
    gaps = simulated[[5, 6, 7]] - shares[[5, 6, 7]].to_numpy()
    assert (gaps < 0).all() and (np.diff(gaps) < 0).all(), gaps
    # the high-end cohort: "ends at about 39% in year 7 where 49% were still there"
    high_end = projections["high_end"]
    assert abs(high_end[7] - 0.39) < 0.005 and abs(observed["high_end"].iloc[7] - 0.49) < 0.005
    assert np.mean(np.abs(high_end[held_out] - observed["high_end"].iloc[held_out])) > 0.05
    # the data: "63% renew in their first year and 92% in their seventh", rising every year
    rate = (shares / shares.shift(1)).iloc[1:]
    assert round(rate.iloc[0], 2) == 0.63 and round(rate.iloc[-1], 2) == 0.92
    assert (np.diff(rate) > 0).all()
