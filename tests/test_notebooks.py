"""The teaching notebooks run, are committed without outputs, and tell true stories; the
tutorial's pictures and quoted output are made by its script.

Every notebook in ``notebooks/`` is executed with nbclient (a kernel of this Python, the
notebooks directory as working directory, a time limit per notebook) and must finish without
an error.  Committed notebooks carry no outputs (``python notebooks/strip.py``).

Each notebook's story is checked here, not in the notebook: the tests repeat the notebook's
relsim calls with the parameters of its first code cell (read as literals, so the notebook and
its test cannot drift apart) and assert what the notebook's text says.  Notebook 03's twenty
simulations are too slow to repeat: its test runs the notebook and reads the per-replication
outcomes of the notebook's own runs, from which it computes each claim itself.  Tolerances are
z = 4 standard errors of the simulated estimate, as in ``test_facts.py``.

The tutorial's pictures and quoted output are checked against a fresh run of
``docs/tutorial_figures.py``.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_facts import discrete_bass

import relsim
from relsim.config import STEPS_PER_YEAR
from relsim.rules.adoption import bass_cumulative
from relsim.runs import collect
from relsim.stats import t_interval

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_TIMEOUT = 600
"""Seconds a notebook may run before the test gives up on it (a guard against a hung kernel,
not a speed target: each runs in under a minute on the project's 2-core machine)."""
Z = 4.0


def notebook_names() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def read(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def parameters(name: str) -> dict:
    """The notebook's parameters: the assignments of its first code cell, read as literals.
    That cell may hold nothing else (comments aside), so that this test reads all of it."""
    cell = next(c for c in read(name)["cells"] if c["cell_type"] == "code")
    values = {}
    for node in ast.parse(source(cell)).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1 \
            and isinstance(node.targets[0], ast.Name), (
                f"{name}: the first code cell must hold only NAME = literal assignments, "
                f"found {ast.unparse(node)!r}")
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def markdown(name: str) -> str:
    """All the notebook's text."""
    return "\n\n".join(source(c) for c in read(name)["cells"] if c["cell_type"] == "markdown")


def module(path: Path):
    """The Python file ``path`` imported as a module (a script beside the notebooks or docs)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


# --------------------------------------------------------------------------- every notebook

def test_there_are_teaching_notebooks():
    assert {"01_lifecycle", "02_word_of_mouth", "03_policies", "04_sensitivity",
            "05_calibration"} <= set(notebook_names())


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_opens_with_what_the_reader_will_learn_and_ends_with_exercises(name):
    cells = read(name)["cells"]
    first, last = source(cells[0]), source(cells[-1])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# ")
    assert "**What you will learn**" in first
    assert cells[-1]["cell_type"] == "markdown" and "## Questions and exercises" in last
    assert len(re.findall(r"^\d+\. ", last, flags=re.M)) >= 3


@pytest.mark.parametrize("name", notebook_names())
def test_committed_notebook_carries_no_outputs(name):
    nbformat = pytest.importorskip("nbformat")
    leftovers = module(NOTEBOOKS / "strip.py").leftovers
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert leftovers(notebook) == [], f"run `python notebooks/strip.py` before committing {name}"


def test_strip_removes_what_a_run_leaves_and_check_names_the_notebook(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    path = tmp_path / "run.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")],
                                        metadata={"language_info": {"name": "python",
                                                                    "version": "3.11.7"}})
    cell = notebook.cells[0]
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                           execution_count=1)]
    cell.execution_count = 1
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nbformat.write(notebook, path)
    strip = [sys.executable, str(NOTEBOOKS / "strip.py")]
    check = subprocess.run([*strip, "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 1 and str(path) in check.stderr
    assert subprocess.run([*strip, str(path)], capture_output=True).returncode == 0
    stripped = nbformat.read(path, as_version=4)
    assert stripped.cells[0].outputs == [] and stripped.cells[0].execution_count is None
    assert "execution" not in stripped.cells[0].metadata
    assert stripped.metadata.language_info == {"name": "python"}
    assert subprocess.run([*strip, "--check", str(path)]).returncode == 0


@pytest.fixture
def kernel_of_this_python(tmp_path, monkeypatch) -> str:
    """A Jupyter kernel spec that starts this Python (the test environment's, whatever kernels
    the machine has installed), found through JUPYTER_PATH; its name."""
    spec = tmp_path / "kernels" / "relsim-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "relsim tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "relsim-test"


def execute(name: str, kernel: str, last_cell: str | None = None):
    """Run notebook ``name`` with nbclient (cwd = notebooks/) and return it with its outputs;
    ``last_cell``, if given, runs after the notebook's own cells and its printed output is
    returned too.  A cell that raises fails the test with the cell's traceback."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if last_cell is not None:
        notebook.cells.append(nbformat.v4.new_code_cell(last_cell))
    client = nbclient.NotebookClient(notebook, kernel_name=kernel, timeout=NOTEBOOK_TIMEOUT,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    asyncio.run(asyncio.wait_for(client.async_execute(), NOTEBOOK_TIMEOUT))
    shown = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in shown), f"{name} drew no figure"
    if last_cell is None:
        return notebook, None
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs
                      if o.output_type == "stream" and o.name == "stdout")
    return notebook, printed


STORY_RUNS = {"03_policies", "05_calibration"}
"""Notebooks whose story test executes them itself and reads the notebook's own runs (their
simulations take too long to repeat here; 05's test is in test_notebooks_analysis.py); every
other notebook is executed below."""


@pytest.mark.parametrize("name", [n for n in notebook_names() if n not in STORY_RUNS])
def test_notebook_runs_without_error(name, kernel_of_this_python):
    execute(name, kernel_of_this_python)


# --------------------------------------------------------------------------- 01 lifecycle

@functools.cache
def lifecycle() -> dict:
    """Notebook 01's two runs and the customer its rule chooses (the rule restated)."""
    p = parameters("01_lifecycle")
    market = relsim.run(n_customers=p["N_CUSTOMERS"], steps=p["WEEKS"], seed=p["SEED"],
                        trace=list(range(p["N_TRACED"])))
    chosen = []
    for customer, weeks in market.trace.groupby("customer"):
        stages = set(weeks["stage"])
        if (weeks["stage"].iloc[0] == "prospect" and len(stages) > 1 and weeks["broken"].any()
                and weeks["complained"].any() and stages & {"expansion", "commitment"}
                and "dissolution" in stages):
            chosen.append(customer)
    assert chosen, "no traced customer is born, let down, complains, grows and leaves"
    life = market.trace[market.trace["customer"] == chosen[0]].set_index("step")
    names = [f.name for f in market.config.firms]
    firm = names.index(life.loc[life["stage"] != "prospect", "firm"].iloc[0])
    reliable = relsim.run(n_customers=p["N_CUSTOMERS"], steps=p["WEEKS"], seed=p["SEED"],
                          trace=[chosen[0]], **{f"firms__{firm}__reliability": p["RELIABLE"]})
    return {"market": market, "life": life, "firm": firm, "reliable": reliable,
            "other_life": reliable.trace.set_index("step")}


def test_lifecycle_trust_falls_at_every_broken_promise_of_the_chosen_customer():
    life = lifecycle()["life"]
    broken = life.index[life["broken"]]
    assert len(broken) >= 1
    for week in broken:
        assert life.loc[week, "trust"] < life.loc[week - 1, "trust"], week
    first = broken[0]  # the one the notebook prints: about a fifth of the trust is lost
    assert 0.15 <= 1 - life.loc[first, "trust"] / life.loc[first - 1, "trust"] <= 0.3


def test_lifecycle_reliable_firm_breaks_promises_only_in_weeks_the_original_broke_them():
    run = lifecycle()
    broken = set(run["life"].index[run["life"]["broken"]])
    still_broken = set(run["other_life"].index[run["other_life"]["broken"]])
    assert still_broken <= broken and len(still_broken) < len(broken)


def test_lifecycle_two_lives_are_the_same_until_the_first_promise_the_reliable_firm_keeps():
    run = lifecycle()
    life, other = run["life"], run["other_life"]
    kept_instead = min(set(life.index[life["broken"]]) - set(other.index[other["broken"]]))
    before = life.index < kept_instead
    for column in ("bought", "stage", "trust"):  # commitment also reads the firm's whole base
        assert life.loc[before, column].equals(other.loc[before, column]), column
    assert np.array_equal(life.loc[before, "experienced"], other.loc[before, "experienced"],
                          equal_nan=True)
    assert other.loc[kept_instead, "trust"] > life.loc[kept_instead, "trust"]


def test_lifecycle_reliable_firm_keeps_more_trust_across_its_customers():
    run = lifecycle()
    name = run["market"].config.firms[run["firm"]].name
    trust = [r.firms[(r.firms["firm"] == name) & (r.firms["step"] >= 1)]
             .set_index("step")["mean_trust"] for r in (run["market"], run["reliable"])]
    assert trust[1].iloc[-1] > trust[0].iloc[-1]
    assert trust[1].mean() > trust[0].mean()


# --------------------------------------------------------------------------- 02 word of mouth

@functools.cache
def drawn_market():
    """Notebook 02's drawn market."""
    p = parameters("02_word_of_mouth")
    return collect(relsim.RelationshipModel(
        n_customers=p["DRAWN_CUSTOMERS"], network__mean_degree=p["DRAWN_DEGREE"],
        firms=p["FIRMS"], steps=max(p["DRAWN_WEEKS"]), trace=list(range(p["DRAWN_CUSTOMERS"])),
        rng=p["SEED"], **p["NEW_MARKET"]).run())


def discrete_bass_from_advertising(p: float, q: float, steps: int) -> np.ndarray:
    """Mean-field share adopted through advertising in the weekly model: each week a share
    (1 - F)(1 - exp(-(p + qF)/52)) adopts, p / (p + qF) of it through advertising."""
    f, ads = discrete_bass(p, q, steps), np.zeros(steps + 1)
    for t in range(steps):
        ads[t + 1] = ads[t] + (f[t + 1] - f[t]) * p / (p + q * f[t])
    return ads


def test_word_of_mouth_drawn_market_grows_almost_only_through_friends():
    firms = drawn_market().firms
    wom, ads = firms["adoptions_wom"].sum(), firms["adoptions_advertising"].sum()
    assert wom >= 0.9 * (wom + ads)
    trace = drawn_market().trace
    assert (trace[trace["step"] == trace["step"].max()]["stage"] == "dissolution").any()


def test_word_of_mouth_adoption_on_the_complete_graph_follows_bass_and_its_split():
    p = parameters("02_word_of_mouth")
    n, reps, steps = p["BASS_CUSTOMERS"], p["BASS_REPLICATIONS"], p["BASS_YEARS"] * STEPS_PER_YEAR
    run = relsim.run(n_customers=n, steps=steps, seed=p["SEED"], replications=reps,
                     adoption__p_per_year=p["BASS_P"], adoption__q_per_year=p["BASS_Q"],
                     transactions=False, **p["ADOPTION_ONLY"])
    t = np.arange(steps + 1) / STEPS_PER_YEAR
    closed, discrete = bass_cumulative(t, p["BASS_P"], p["BASS_Q"]), discrete_bass(
        p["BASS_P"], p["BASS_Q"], steps)
    adopted = run.market.pivot(index="step", columns="replication",
                               values="ever_adopted_share").to_numpy()
    by_ads = (run.firms.groupby(["replication", "step"])["adoptions_advertising"].sum()
              .groupby("replication").cumsum().unstack("replication").to_numpy() / n)
    ads = discrete_bass_from_advertising(p["BASS_P"], p["BASS_Q"], steps)
    for curves, expected in ((adopted, discrete), (by_ads, ads)):
        sampled = curves.std(axis=1, ddof=1) / np.sqrt(reps)
        binomial = np.sqrt(expected * (1 - expected) / (n * reps))
        se = np.maximum(sampled, binomial) + 0.5 / n
        assert np.all(np.abs(curves.mean(axis=1) - expected) <= Z * se + 1.0 / n)
    # the weekly model's mean-field path and Bass's continuous curve differ by little
    assert np.abs(discrete - closed).max() < 0.01
    # advertising starts the market, word of mouth carries it
    by_wom = adopted.mean(axis=1) - by_ads.mean(axis=1)
    assert by_ads.mean(axis=1)[4] > by_wom[4] and by_wom[-1] > 3 * by_ads.mean(axis=1)[-1]


def message_totals(firms: pd.DataFrame) -> pd.DataFrame:
    totals = firms.groupby(["firm", "replication"], observed=True)[
        ["wom_positive", "wom_negative"]].sum()
    totals["negative_share"] = totals["wom_negative"] / totals.sum(axis=1)
    return totals


def test_word_of_mouth_two_networks_erratic_firm_talked_down_and_scale_free_spreads_faster():
    """The same market on a small-world and a scale-free network (notebook 02): at equal mean
    quality the erratic firm draws a far larger share of negative messages, and adoption
    spreads faster on the scale-free network."""
    p = parameters("02_word_of_mouth")
    runs = {label: relsim.run(n_customers=p["MARKET_CUSTOMERS"], steps=p["MARKET_WEEKS"],
                              seed=p["SEED"], replications=p["MARKET_REPLICATIONS"],
                              network__kind=kind, firms=p["FIRMS"], transactions=False,
                              **p["NEW_MARKET"])
            for label, kind in p["NETWORKS"].items()}
    firms = runs["small-world"].firms
    totals = message_totals(firms)
    share = totals["negative_share"].unstack("firm")
    mean, lo, hi, _ = t_interval(share["Erratic"] - share["Steady"])
    assert lo > 0.1, (mean, lo, hi)
    assert share["Steady"].mean() < 0.2  # only a small share of what Steady's talkers say
    messages = totals[["wom_positive", "wom_negative"]].sum(axis=1).unstack("firm")
    assert (messages["Steady"] > messages["Erratic"]).all()
    end = firms[firms["step"] == firms["step"].max()].groupby("firm", observed=True)["customers"]
    assert end.mean()["Steady"] > end.mean()["Erratic"]  # "Steady grows"
    adopted = {label: run.market[run.market["step"] == run.market["step"].max()][
        "ever_adopted_share"].to_numpy() for label, run in runs.items()}
    interval = stats.ttest_ind(adopted["scale-free"], adopted["small-world"],
                               equal_var=False).confidence_interval()
    assert interval.low > 0, interval


# --------------------------------------------------------------------------- 03 policies

POLICY_TABLES = """
import json
print(json.dumps({
    "outcomes": report.outcomes.astype({"variant": str, "firm": str}).to_dict("list"),
    "independent": independent_outcomes.astype({"variant": str, "firm": str}).to_dict("list"),
    "last_week": result.firms[result.firms["step"] == scenario.steps]
                 .astype({"variant": str, "firm": str}).to_dict("list"),
}))
"""
"""Run after notebook 03's cells: its per-replication outcomes (the comparison's and the
independent rerun's) and the firms' last week, as JSON, for the test to check the story."""


def test_policies_notebook_runs_and_states_the_ranking_mechanisms_and_precision_of_its_run(
        kernel_of_this_python):
    """Notebook 03 runs without error, and its text is what its own 20 simulations show: the
    ranking by value created, how the policies pay and work, and how much common random
    numbers narrow the intervals of the differences against independent seeds.  The test
    computes every claim itself from the notebook's per-replication outcomes."""
    p = parameters("03_policies")
    _, printed = execute("03_policies", kernel_of_this_python, POLICY_TABLES)
    tables = {name: pd.DataFrame(rows) for name, rows in json.loads(printed).items()}
    outcomes = tables["outcomes"][tables["outcomes"]["firm"] == p["FIRM"]]
    rerun = tables["independent"][tables["independent"]["firm"] == p["FIRM"]]
    scenario = relsim.load_scenario(NOTEBOOKS / p["SCENARIO"])
    assert set(outcomes["variant"]) == set(scenario.variant_names())
    assert len(outcomes) == len(scenario.variant_names()) * scenario.replications
    text = markdown("03_policies")

    def per_replication(frame, variant, outcome):
        return frame[frame["variant"] == variant].set_index("replication")[outcome]

    def paired(variant, outcome):
        return t_interval(per_replication(outcomes, variant, outcome)
                          - per_replication(outcomes, "baseline", outcome))

    # the ranking the notebook states
    value = outcomes.groupby("variant")["value"].mean().sort_values(ascending=False)
    ranking = " > ".join(f"**{v}**" for v in value.index)
    assert ranking in text, f"the run ranks {ranking}"
    # both pay; the loyalty programme's profit within the horizon is below the baseline's
    for variant in ("loyalty-programme", "better-service"):
        assert paired(variant, "value")[1] > 0
        assert paired(variant, "retention")[1] > 0
        # "the grey lines are nearly parallel": the replications' luck is shared
        assert np.corrcoef(per_replication(outcomes, "baseline", "value"),
                           per_replication(outcomes, variant, "value"))[0, 1] > 0.8
    assert paired("loyalty-programme", "npv_profit")[2] < 0
    assert paired("better-service", "npv_profit")[1] > 0
    # loyalty works through dependence, better service through satisfaction; trust moves little
    last = tables["last_week"]
    last = last[last["firm"] == p["FIRM"]].groupby("variant")[
        ["mean_dependence", "mean_satisfaction", "mean_trust"]].mean()
    gain = last - last.loc["baseline"]
    assert gain.loc["loyalty-programme", "mean_dependence"] > 0.1
    assert gain.loc["better-service", "mean_satisfaction"] > 0.1
    assert gain.loc["loyalty-programme", "mean_dependence"] > 3 * gain.loc[
        "better-service", "mean_dependence"]
    assert gain.loc["better-service", "mean_satisfaction"] > 3 * gain.loc[
        "loyalty-programme", "mean_satisfaction"]
    assert gain["mean_trust"].abs().max() < 0.03
    # common random numbers: narrower than the same comparison with independent seeds
    challenger = p["CHALLENGER"]
    assert (per_replication(rerun, challenger, "value")
            != per_replication(outcomes, challenger, "value")).all()  # really other seeds
    for outcome in ("value", "retention", "npv_profit", "market_share"):
        _, lo, hi, _ = paired(challenger, outcome)
        welch = stats.ttest_ind(per_replication(rerun, challenger, outcome),
                                per_replication(outcomes, "baseline", outcome),
                                equal_var=False).confidence_interval()
        assert hi - lo < welch.high - welch.low, outcome
    a, b = (per_replication(outcomes, v, "value") for v in ("baseline", challenger))
    assert np.corrcoef(a, b)[0, 1] > 0.8  # "a correlation near 0.9"
    assert np.sqrt((a.var() + b.var()) / (b - a).var()) > 2  # "makes it more than two"


# --------------------------------------------------------------------------- tutorial

TUTORIAL = ROOT / "docs" / "tutorial.md"


def test_tutorial_pictures_and_quoted_output_are_what_its_commands_make_now():
    """``docs/tutorial_figures.py --check`` reruns the tutorial's commands and compares."""
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "tutorial_figures.py"),
                           "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_tutorial_check_names_a_stale_block_and_a_picture_that_is_not_made():
    script = module(ROOT / "docs" / "tutorial_figures.py")
    text = TUTORIAL.read_text(encoding="utf-8")
    blocks = script.quoted_blocks(text)
    fresh = {name: body.removeprefix("```text\n").removesuffix("\n```\n").rstrip("\n")
             for name, body in blocks.items()}
    made = {picture for picture in script.PICTURES}
    assert script.stale(text, fresh, made) == []
    fresh["example-printed"] = fresh["example-printed"].replace("Premium", "Prem")
    problems = script.stale(text.replace("example-stages.png", "old.png"), fresh, made)
    assert any("example-printed" in p for p in problems)
    assert any("old.png" in p for p in problems) and any("example-stages" in p for p in problems)


def test_tutorial_shows_the_commands_its_script_runs_and_its_scenario_file():
    script = module(ROOT / "docs" / "tutorial_figures.py")
    text = TUTORIAL.read_text(encoding="utf-8")
    for command in [*script.COMMANDS.values(), script.TYPO[0]]:
        assert command in text, command
    scenario = script.SCENARIO_FILES["my_question.yaml"]
    assert f"```yaml\n{scenario.read_text(encoding='utf-8')}```" in text
    assert relsim.load_scenario(scenario).variant_names() == [
        "baseline", "transparency", "complaint-handling"]


def test_tutorial_python_example_uses_names_relsim_has():
    """The tutorial's Python block compiles, its imports resolve and the tables and report
    methods it names exist (running it would repeat the commands above)."""
    from relsim.report import Report

    text = TUTORIAL.read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    tree = ast.parse(block)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported = importlib.import_module(node.module)
            assert all(hasattr(imported, alias.name) for alias in node.names)
    used = {(n.value.id, n.attr) for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
    has = {"relsim": lambda name: hasattr(relsim, name),
           "result": lambda name: name in relsim.RunResult.__dataclass_fields__,
           "report": lambda name: hasattr(Report, name)}
    assert {owner for owner, _ in used} >= set(has)
    for owner, attr in used:
        if owner in has:
            assert has[owner](attr), f"{owner}.{attr}"
