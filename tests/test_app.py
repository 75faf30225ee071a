"""The interactive app: its controls, its model, its views, and the page in headless Chromium.

The browser tests start ``python -m relsim.app`` (what ``relsim app`` runs) on a
free localhost port and drive the page with Playwright's Python client pointed
at Debian's chromium (``.ci/setup-chromium`` installs it).  They skip only when
no Chromium can be found.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from relsim.config import ModelConfig, parameter_table
from relsim.limits import cpu_model
from relsim.overrides import apply_overrides

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "app.png"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
SERVER_START_SECONDS = 90


@pytest.fixture(scope="module")
def app():
    """The app's modules; a missing ``app`` extra is a failure, not a skip."""
    try:
        import relsim.app.app as page  # noqa: F401  (imports Solara and Mesa's SolaraViz)
        from relsim.app import charts, customer_panel, history, model, network_view, params
    except ImportError as exc:
        pytest.fail(f"the app needs the app extra (pip install -e '.[app,test]'): {exc}")
    return {"charts": charts, "customer_panel": customer_panel, "history": history,
            "model": model, "network_view": network_view, "params": params}


# --------------------------------------------------------------------------- controls

def test_every_control_starts_at_the_declared_default_inside_the_declared_range(app):
    declared = {row["parameter"]: row for row in parameter_table(ModelConfig)}
    firm_rows = {row["parameter"]: row for row in parameter_table(
        app["params"].firm_config_class())}
    controls = app["params"].model_controls(ModelConfig())
    sliders = {k: v for k, v in controls.items()
               if isinstance(v, dict) and v["type"].startswith("Slider")}
    assert len(sliders) == 5 + 3 * (5 + 5)  # market, then 5 levers and 5 policies per firm
    for key, spec in sliders.items():
        parts = key.split("__")
        if parts[0] != "firms":
            row = declared[".".join(parts)]
            default = row["default"]
        elif len(parts) == 3:
            row = firm_rows[parts[2]]
            default = getattr(ModelConfig().firms[int(parts[1])], parts[2])
        else:
            cls = app["params"].policy_config_class(parts[3])
            row = {r["parameter"]: r for r in parameter_table(cls)}[parts[4]]
            default = row["default"]
        assert spec["value"] == pytest.approx(default), key
        assert row["min"] is None or spec["min"] >= row["min"], key
        assert row["max"] is None or spec["max"] <= row["max"], key
        assert spec["min"] <= spec["value"] <= spec["max"], key
    assert controls["network__kind"]["value"] == ModelConfig().network.kind
    assert "edge_list" not in controls["network__kind"]["values"]  # it needs a file


def test_controls_start_from_a_scenarios_values_and_widen_to_show_them(app):
    base = apply_overrides(ModelConfig(), {
        "n_customers": 20_000, "firms__0__price": 20.0,
        "firms__0__policies": [{"kind": "loyalty", "points_per_currency": 5.0}]})
    controls = app["params"].model_controls(base, seed=7)
    assert controls["seed"]["value"] == "7"
    assert controls["n_customers"]["value"] == 20_000 == controls["n_customers"]["max"]
    price = controls["firms__0__price"]
    assert (price["min"], price["value"], price["max"]) == (5.0, 20.0, 60.0)
    assert controls["firms__0__policies__loyalty"]["value"] is True
    assert controls["firms__0__policies__loyalty__points_per_currency"]["value"] == 5.0
    assert controls["firms__1__policies__loyalty"]["value"] is False


def test_the_app_starts_from_a_scenario_variant(app):
    from relsim.app.cli import load_base

    base, seed, title = load_base(str(ROOT / "scenarios/loyalty_vs_service.yaml"),
                                  "loyalty-programme")
    assert (seed, title) == (11, "loyalty-vs-service (loyalty-programme)")
    assert base.n_customers == 5000 and [p.kind for p in base.firms[0].policies] == ["loyalty"]
    controls = app["params"].model_controls(base, seed)
    assert controls["firms__0__policies__loyalty"]["value"] is True
    assert load_base(None)[0] == ModelConfig()


def test_policy_switches_add_keep_and_remove_policies(app):
    base = apply_overrides(ModelConfig(), {"firms__0__policies": [
        {"kind": "transparency"}, {"kind": "loyalty", "start": 10, "points_per_currency": 5.0},
        {"kind": "referral"}]})
    overrides, rest = app["params"].split_policy_controls(base, {
        "firms__0__policies__loyalty": True,
        "firms__0__policies__loyalty__points_per_currency": 20.0,
        "firms__0__policies__transparency": False,
        "firms__0__policies__transparency__notice_prob": 0.3,
        "firms__1__policies__pricing": True,
        "firms__1__policies__pricing__new_customer_discount": 0.25,
        "firms__0__quality": 0.9})
    assert rest == {"firms__0__quality": 0.9}
    assert overrides["firms__0__policies"] == [
        {"kind": "loyalty", "start": 10, "points_per_currency": 20.0},  # keeps its start
        {"kind": "referral"}]  # a kind without a switch is kept as it is
    assert overrides["firms__1__policies"] == [
        {"kind": "pricing", "new_customer_discount": 0.25}]


# --------------------------------------------------------------------------- model

def test_app_model_runs_the_controls_with_relsims_own_rules(app):
    from relsim import RelationshipModel

    values = {"n_customers": 400, "firms__0__quality": 0.9,
              "firms__0__policies__loyalty": True,
              "firms__0__policies__loyalty__points_per_currency": 25.0}
    model = app["model"].AppModel(ModelConfig(), seed="3", **values)
    assert model.app_error is None
    assert model.config.n_customers == 400 and model.config.firms[0].quality == 0.9
    assert model.config.firms[0].policies[0].points_per_currency == 25.0
    plain = RelationshipModel(model.config, rng=3)
    for _ in range(4):
        model.step()
        plain.step()
    firms_app = model.datacollector.get_agent_vars_dataframe()
    firms_plain = plain.datacollector.get_agent_vars_dataframe()
    assert firms_app.reset_index(drop=True).equals(firms_plain.reset_index(drop=True))


@pytest.mark.parametrize(("values", "named"), [
    ({"seed": "twelve"}, "seed"),
    ({"n_customers": 30, "network__kind": "erdos_renyi", "network__mean_degree": 40},
     "network"),
])
def test_rejected_controls_are_named_in_one_line_and_the_base_runs(app, values, named):
    model = app["model"].AppModel(ModelConfig(n_customers=300), **values)
    assert named in model.app_error and "\n" not in model.app_error
    assert model.config.n_customers == 300
    model.step()
    assert model.steps == 1


def test_history_tells_what_happened_to_a_followed_customer_each_week(app):
    model = app["model"].AppModel(ModelConfig(n_customers=500), seed="1")
    for _ in range(6):
        model.step()
    docs = app["customer_panel"].event_docs(model)
    names = [f.name for f in model.firms]
    buyers = [int(i) for i in model.sample.nodes if model.events.bought[i]]
    assert buyers, "someone drawn in the network bought in week 6"
    customer = buyers[0]
    rows = model.history.of(customer)
    assert [r["step"] for r in rows] == list(range(7))
    assert rows[-1]["trust"] == model.customers.trust[customer]
    happened = app["customer_panel"].describe_events(rows[-1]["events"], docs, names)
    assert "had an encounter (purchase)" in happened
    kept = bool(model.events.kept[customer])
    assert ("promise kept" in happened) == kept
    assert ("promise broken" in happened) == bool(model.events.broken[customer])
    outsider = int(np.setdiff1d(np.arange(500), model.sample.nodes)[0])
    assert model.history.of(outsider) == []  # not drawn: no history yet
    model.history.track(outsider)  # followed by index: kept from the next week on
    model.step()
    assert [r["step"] for r in model.history.of(outsider)] == [7]


def test_network_sample_is_capped_reproducible_and_keeps_real_ties(app):
    from relsim import RelationshipModel

    view = app["network_view"]
    large = RelationshipModel(n_customers=2000, rng=4)
    sample = view.draw_sample(large.network, max_nodes=300, seed=9)
    assert len(sample.nodes) == 300
    graph = large.network.to_networkx()
    assert sample.edges and all(graph.has_edge(u, v) for u, v in sample.edges)
    assert len(sample.edges) > 300  # snowball: neighbourhoods, not scattered customers
    again = view.draw_sample(large.network, max_nodes=300, seed=9)
    assert np.array_equal(sample.nodes, again.nodes)
    assert np.array_equal(sample.positions, again.positions)
    small = RelationshipModel(n_customers=120, rng=4)
    assert len(view.draw_sample(small.network, max_nodes=300).nodes) == 120


def test_charts_draw_the_datacollectors_numbers(app):
    model = app["model"].AppModel(ModelConfig(n_customers=600), seed="2")
    for _ in range(5):
        model.step()
    charts = app["charts"]
    stages = charts.stage_option(model)
    totals = np.sum([s["data"] for s in stages["series"]], axis=0)
    assert np.allclose(totals, 600) and stages["xAxis"]["data"] == list(range(6))
    firms = model.datacollector.get_agent_vars_dataframe()
    share_a = firms[firms["firm"] == "A"]["market_share"].to_numpy() * 100
    shares = charts.share_option(model)
    assert np.allclose(shares["series"][0]["data"], share_a, atol=1e-5)
    for option in (stages, shares, charts.attitude_option(model), charts.wom_option(model)):
        assert option["title"]["text"] and option["yAxis"]["name"]
        assert option["xAxis"]["name"] == "week"


def test_the_app_extra_lets_solara_serve_its_assets_offline(app):
    from relsim.app.assets import offline_problems

    assert offline_problems() == []


def test_docs_name_every_control(app):
    controls = app["params"].model_controls(ModelConfig())
    keys = [k for k in controls if k != "config" and not k.startswith(("firms__1", "firms__2"))]
    text = (ROOT / "docs" / "app.md").read_text(encoding="utf-8")
    assert [k for k in keys if f"`{k}`" not in text] == []


# --------------------------------------------------------------------------- CLI

def _relsim_app(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "relsim.app", *args, "--no-browser"],
                          check=False, capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)


@pytest.mark.parametrize("args", [
    ("tests/bad_scenarios/duplicate_key.yaml",),
    ("scenarios/loyalty_vs_service.yaml", "--variant", "no-such-variant"),
    ("--port", "70000"),
])
def test_relsim_app_rejects_bad_input_in_one_line_with_status_2(app, args):
    result = _relsim_app(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- browser

def _find_chromium() -> str | None:
    for name in (os.environ.get("RELSIM_CHROMIUM", ""), *CHROMIUM_NAMES):
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser(app):
    chromium = _find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (run .ci/setup-chromium, which installs Debian's "
                    "chromium, or set RELSIM_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"the browser test needs playwright (pip install -e '.[app,test]'): {exc}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(*args: str, log: Path):
    """``python -m relsim.app ARGS`` on a free localhost port; yields its URL."""
    port = _free_port()
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "relsim.app", *args, "--host", "127.0.0.1",
             "--port", str(port), "--no-browser"], stdout=out, stderr=subprocess.STDOUT,
            cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"the app server exited with {server.returncode}: "
                            f"{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not listen within {SERVER_START_SECONDS} s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()  # relsim app stops its Solara server ...
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        with contextlib.suppress(ProcessLookupError):  # ... and nothing of it is left
            os.killpg(server.pid, signal.SIGKILL)
            pytest.fail("relsim app left its server running after SIGTERM")


def _state(page) -> dict:
    return json.loads(page.locator(".relsim-status").get_attribute("data-relsim-state"))


def _wait_for_state(page, condition: str, timeout: float = 30_000) -> dict:
    """Wait until ``condition`` (JS over the status ``s``) holds; return the state."""
    page.wait_for_function(
        "() => { const e = document.querySelector('.relsim-status');"
        " if (!e) return false; const s = JSON.parse(e.getAttribute('data-relsim-state'));"
        f" return {condition}; }}", timeout=timeout)
    return _state(page)


def _open(browser, url: str, height: int = 2000):
    """A page at ``url`` logging every request and failure; waits for the status card."""
    page = browser.new_page(viewport={"width": 1500, "height": height})
    log = {"requests": [], "failed": [], "errors": []}
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("requestfailed", lambda r: log["failed"].append(f"{r.url} {r.failure}"))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(".relsim-status", timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.relsim-chart canvas').length >= 4",
                           timeout=30_000)
    return page, log


def _assert_no_error_shown(page) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text and "error in step" not in text
    assert page.locator(".v-alert.error").count() == 0, text[:500]


def _charts_png(page) -> dict[str, bytes]:
    return {name: page.locator(f".relsim-chart-{name} canvas").first.screenshot()
            for name in ("stages", "shares", "attitudes", "wom")}


def _step(page, times: int) -> None:
    for _ in range(times):
        week = _state(page)["week"]
        page.get_by_role("button", name="Step").click()
        _wait_for_state(page, f"s.week > {week}")


PICK_NODE = """async () => {
  // the drawn customer farthest from any other, so the click cannot hit a neighbour
  const el = document.querySelector('.relsim-network .solara-echarts');
  const url = window.solara_cdn + '/echarts@5.4.0/dist/echarts.js';
  const echarts = await new Promise((ok, fail) => window.requirejs([url], ok, fail));
  const chart = echarts.getInstanceByDom(el);
  const nodes = chart.getOption().series[0].data;
  const px = nodes.map(n => chart.convertToPixel({seriesIndex: 0}, [n.x, n.y]));
  let best = 0, bestGap = -1;
  px.forEach((p, i) => {
    let gap = Infinity;
    px.forEach((q, j) => { if (i !== j) gap = Math.min(gap, Math.hypot(p[0]-q[0], p[1]-q[1])); });
    if (gap > bestGap) { bestGap = gap; best = i; }
  });
  const box = el.getBoundingClientRect();
  return {id: nodes[best].value, x: box.left + px[best][0], y: box.top + px[best][1]};
}"""


def test_app_in_chromium_applies_a_slider_steps_and_redraws(browser, tmp_path):
    with serve(log=tmp_path / "server.log") as url:
        page, log = _open(browser, url)
        _assert_no_error_shown(page)
        start = _state(page)
        assert (start["week"], start["n_customers"]) == (0, 1000)
        assert start["firms"][0]["policies"] == {}

        slider = page.locator(".v-input").filter(has=page.get_by_text("customers", exact=True))
        slider.locator("[role=slider]").first.focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")  # one step of 50 customers each
        page.get_by_text("A: loyalty programme", exact=True).click()
        page.get_by_role("button", name="Reset").click()
        reset = _wait_for_state(page, "s.n_customers !== 1000")
        assert reset["n_customers"] == 1200 and reset["week"] == 0
        assert reset["firms"][0]["policies"] == {"loyalty": 10.0}
        page.wait_for_timeout(500)
        before = _charts_png(page)

        _step(page, 5)
        page.wait_for_timeout(500)
        after = _charts_png(page)
        state = _state(page)
        assert (state["week"], state["n_customers"]) == (5, 1200)
        assert state["firms"][0]["policies"] == {"loyalty": 10.0}
        assert [name for name in before if before[name] == after[name]] == []
        _assert_no_error_shown(page)

        target = page.evaluate(PICK_NODE)
        page.mouse.click(target["x"], target["y"])
        panel = page.locator(".relsim-customer-now")
        panel.wait_for(timeout=10_000)
        assert panel.inner_text().startswith(f"Customer {target['id']} in week 5")
        assert page.locator(".relsim-weeks tr").count() == 1 + 6  # header, weeks 5..0
        _step(page, 1)
        assert page.locator(".relsim-weeks tr").count() == 1 + 7

        page.get_by_role("button", name="▶").click()  # run ...
        _wait_for_state(page, "s.week >= 14")
        page.get_by_role("button", name="❚❚").click()  # ... and pause
        page.get_by_role("button", name="▶").wait_for()
        page.wait_for_timeout(500)  # a step under way when pausing still completes
        paused = _state(page)["week"]
        page.wait_for_timeout(1000)
        assert _state(page)["week"] == paused
        _assert_no_error_shown(page)

        page.mouse.move(2, 2)
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / "app.png"))
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "app.png", SCREENSHOT)

        hosts = {u.split("/")[2] for u in log["requests"] if u.startswith("http")}
        assert hosts == {url.split("/")[2]}, f"assets from elsewhere: {hosts}"
        assert log["failed"] == [] and log["errors"] == []
        page.close()


STEP_AND_REDRAW = """async (week) => {
  const url = window.solara_cdn + '/echarts@5.4.0/dist/echarts.js';
  const echarts = await new Promise((ok, fail) => window.requirejs([url], ok, fail));
  const state = () => JSON.parse(
    document.querySelector('.relsim-status').getAttribute('data-relsim-state'));
  const drawn = () => [...document.querySelectorAll('.relsim-chart .solara-echarts')]
    .every(el => { const c = echarts.getInstanceByDom(el);
                   return c && c.getOption().xAxis[0].data.length === week + 2; });
  const button = [...document.querySelectorAll('button')]
    .find(b => b.textContent.trim().toLowerCase() === 'step');
  const t0 = performance.now();
  button.click();
  await new Promise(done => { const check = () => (state().week > week && drawn())
    ? done() : requestAnimationFrame(check); check(); });
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return performance.now() - t0;
}"""


def test_step_and_redraw_time_with_2000_customers(browser, tmp_path, capsys):
    """Benchmark figure, not an assertion on time: click Step until every chart shows the
    new week (server step, render, websocket, browser redraw), 2,000 customers."""
    import mesa

    scenario = tmp_path / "classroom.yaml"
    scenario.write_text("name: classroom\nn_customers: 2000\nseed: 5\n")
    with serve(str(scenario), log=tmp_path / "server.log") as url:
        page, _ = _open(browser, url)
        assert _state(page)["n_customers"] == 2000
        times = [page.evaluate(STEP_AND_REDRAW, week) for week in range(12)]
        assert _state(page)["week"] == 12
        _assert_no_error_shown(page)
        page.close()
    measured = times[2:]  # the first steps warm up caches
    figure = (f"app step+redraw, 2000 customers: median {statistics.median(measured):.0f} ms, "
              f"max {max(measured):.0f} ms over {len(measured)} steps "
              f"({cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"Mesa {mesa.__version__})")
    with capsys.disabled():
        print("\n" + figure)
    assert all(t > 0 for t in times)
