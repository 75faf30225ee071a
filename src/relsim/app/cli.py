"""``relsim app [SCENARIO.yaml] [--variant NAME] [--port N]``: serve the app on localhost.

The scenario is checked here first (a bad file gets relsim's one-line error
and exit status 2, before any server starts), then Solara serves
``relsim.app.app`` in a child process, which reads the scenario's path and
variant from ``RELSIM_APP_SCENARIO`` and ``RELSIM_APP_VARIANT``.  Nothing here
imports Solara, so ``relsim --help`` works without the ``app`` extra.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from relsim.config import ModelConfig
from relsim.scenario import ScenarioError, load_scenario

APP_MODULE = "relsim.app.app"
ENV_SCENARIO = "RELSIM_APP_SCENARIO"
ENV_VARIANT = "RELSIM_APP_VARIANT"
BASELINE = "baseline"
DEFAULT_PORT = 8765
APP_REQUIREMENTS = ("solara", "mesa.visualization", "ipyvuetify")
"""Modules the app needs beyond relsim's core (the ``app`` extra)."""


def _port(text: str) -> int:
    """argparse type of ``--port``: 0 (any free port) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number in [0, 65535], got {text!r}")
    return int(text)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``app`` subcommand to relsim's subparsers; returns its parser."""
    app = subparsers.add_parser(
        "app", help="interactive app in the browser (Mesa SolaraViz): sliders, network, "
        "live charts, one customer followed")
    app.add_argument("scenario", nargs="?", help="scenario YAML file (default: relsim's "
                     "default market)")
    app.add_argument("--variant", default=BASELINE,
                     help="variant of the scenario to start from (default: baseline)")
    app.add_argument("--port", type=_port, default=DEFAULT_PORT,
                     help=f"port on localhost (default {DEFAULT_PORT}; 0: any free port)")
    app.add_argument("--host", default="localhost",
                     help="interface to listen on (default localhost: this machine only)")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    return app


def load_base(path: str | None, variant: str = BASELINE) -> tuple[ModelConfig, int, str]:
    """(configuration, seed, title) the app starts from: a scenario's variant, or defaults.

    Raises :class:`relsim.scenario.ScenarioError` (one line) for a bad file or variant.
    """
    if not path:
        return ModelConfig(), 0, "default market"
    scenario = load_scenario(path)
    configs = scenario.variant_configs()
    if variant not in configs:
        raise ScenarioError(f"{path}: variant {variant!r} not found; the scenario has "
                            f"{', '.join(configs)}")
    title = scenario.name if variant == BASELINE else f"{scenario.name} ({variant})"
    return configs[variant], scenario.seed, title


def base_from_environment() -> tuple[ModelConfig, int, str]:
    """:func:`load_base` of the scenario and variant named in the environment."""
    return load_base(os.environ.get(ENV_SCENARIO) or None,
                     os.environ.get(ENV_VARIANT) or BASELINE)


def missing_requirements() -> list[str]:
    """Modules of the ``app`` extra that cannot be imported."""
    missing = []
    for module in APP_REQUIREMENTS:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(module)
    return missing


def server_command(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` command line that serves the app."""
    return [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", args.host,
            "--port", str(args.port), "--production",
            "--no-open" if args.no_browser else "--open"]


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """The server's environment: the scenario and variant, Solara's telemetry off."""
    env = dict(os.environ)
    env[ENV_SCENARIO] = str(Path(args.scenario).resolve()) if args.scenario else ""
    env[ENV_VARIANT] = args.variant
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    return env


def command_app(args: argparse.Namespace) -> int:
    """``relsim app``: check the scenario, then serve the app until Ctrl-C; returns the
    server's exit status (1 when the ``app`` extra is missing)."""
    missing = missing_requirements()
    if missing:
        print(f"error: relsim app needs the app extra (pip install 'relsim[app]'); "
              f"missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    _, _, title = load_base(args.scenario, args.variant)
    from relsim.app.assets import offline_problems

    problems = offline_problems()
    if problems:
        print(f"warning: the page will fetch Solara's JavaScript from the internet "
              f"({'; '.join(problems)})", file=sys.stderr)
    print(f"relsim app: {title} on http://{args.host}:{args.port or '<free port>'} "
          "(Ctrl-C stops it)", file=sys.stderr, flush=True)
    server = subprocess.Popen(server_command(args), env=server_environment(args))
    try:
        with _ExitOnSigterm():
            return server.wait()
    finally:  # Ctrl-C, SIGTERM or an error here: the server goes too
        stop(server)


def stop(server: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate ``server`` if it still runs, and kill it after ``timeout`` seconds."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class _ExitOnSigterm:
    """Context: SIGTERM raises SystemExit (status 143), so ``finally`` blocks run."""

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGTERM, self._exit)
        except (ValueError, AttributeError):  # not the main thread, or no SIGTERM
            self.previous = None
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)

    @staticmethod
    def _exit(signum, frame) -> None:
        raise SystemExit(128 + signum)
