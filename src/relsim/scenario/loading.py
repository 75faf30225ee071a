"""Loading scenario files: YAML in, a validated :class:`Scenario` out, or one line of error.

Loading is strict, and every problem is a :class:`ScenarioError` whose message
is one line, ``FILE:LINE:COLUMN: field.path: what was expected``:

* the file is read and parsed by :func:`relsim.yamlio.read_yaml` (a regular
  UTF-8 file, safe YAML with YAML 1.2 numbers, no duplicate keys, bounded
  size and depth); an empty file is an error (write ``{}`` for all defaults);
* values are validated by pydantic in strict mode: no silent coercion of
  ``"5000"`` or ``yes`` to numbers, or of ``5000.0`` to an integer;
  pydantic's error location is mapped back to the line and column of the
  offending key (:mod:`relsim.validation`), and an unknown key gets a
  close-match suggestion;
* every variant is built and validated (:mod:`relsim.scenario.variants`);
* an edge-list file (``network.path``, relative to the scenario file) is
  parsed at load time, so a missing or malformed file is reported before any
  run starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from relsim.config import ModelConfig
from relsim.inputs import InputError
from relsim.network import NetworkFileError, load_edge_list
from relsim.scenario.schema import _DEFER_VARIANTS, Scenario, ScenarioError
from relsim.scenario.variants import build_variants
from relsim.validation import first_error, format_validation_error, where
from relsim.yamlio import MAX_BYTES, Positions, decode_text, dotted, parse_yaml, read_yaml


def validate_scenario(data: Any, source: str, positions: Positions | None = None,
                      base_dir: Path | None = None) -> Scenario:
    """Validate parsed YAML as a Scenario, its variants included; a relative
    ``network.path`` resolves against ``base_dir`` (default: the working directory) and the
    edge list is parsed now."""
    positions = positions or {}
    if data is None:
        raise ScenarioError(f"{source}: the file is empty: write '{{}}' for a scenario with "
                            "every default")
    if not isinstance(data, dict):
        raise ScenarioError(f"{where(source, positions, ())}: (top level): expected a mapping "
                            f"of scenario settings, got {type(data).__name__}")
    base_dir = base_dir or Path.cwd()
    try:
        scenario = Scenario.model_validate(data, strict=True, context={_DEFER_VARIANTS: True})
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, positions, Scenario)) from None
    checked: dict = {}
    if scenario.network.path is not None:
        resolved = base_dir / scenario.network.path
        try:
            load_edge_list(resolved, scenario.n_customers)
        except NetworkFileError as exc:
            raise ScenarioError(f"{where(source, positions, ('network', 'path'))}: "
                                f"network.path: {exc}") from None
        checked[(resolved, scenario.n_customers)] = None
        scenario = scenario.model_copy(
            update={"network": scenario.network.model_copy(update={"path": str(resolved)})})
    scenario._base_dir = base_dir
    if scenario.focal_firm is not None and scenario.focal_firm not in \
            (names := [f.name for f in scenario.firms]):
        raise ScenarioError(f"{where(source, positions, ('focal_firm',))}: focal_firm: "
                            f"expected the name of a firm ({', '.join(names)}), got "
                            f"{scenario.focal_firm!r}")
    _, problems = build_variants(scenario, checked)
    if problems:
        loc, msg, tail = first_error(problems, positions)
        raise ScenarioError(f"{where(source, positions, loc)}: {dotted(loc)}: {msg}{tail}")
    return scenario


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read, parse and validate a scenario file."""
    try:
        data, positions = read_yaml(path, what="scenario file")
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    scenario = validate_scenario(data, str(path), positions, base_dir=Path(path).resolve().parent)
    scenario._source = Path(path).resolve()
    return scenario


def load_scenario_text(raw: bytes, source: str, base_dir: Path | None = None) -> Scenario:
    """Parse and validate a scenario given as bytes (standard input, say); relative paths
    resolve against ``base_dir`` (default: the working directory)."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{source}: scenario larger than {MAX_BYTES:,} bytes")
    try:
        data, positions = parse_yaml(decode_text(raw, source), source)
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    return validate_scenario(data, source, positions, base_dir=base_dir)


def load_model_config(path: str | os.PathLike) -> ModelConfig:
    """The model configuration of a scenario file."""
    return load_scenario(path).model_part()
