"""Loading experiment files: strict YAML, validation, one-line errors with file and line.

Loading is as strict as for scenario files (:mod:`relsim.scenario`): safe YAML,
unknown keys are errors, and every problem is one line ``FILE:LINE:COLUMN:
field.path: message`` (an :class:`~relsim.experiments.schema.ExperimentError`, exit
status 2 on the command line).  Beyond the types, each parameter is checked
against the scenario field it names (:mod:`relsim.experiments.fields`), every arm
is built as a variant, the analysis conditions are parsed, and the scenario is
validated at each parameter's extreme values.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from relsim.experiments.detect import is_experiment_file  # noqa: F401  (re-exported)
from relsim.experiments.schema import Experiment, ExperimentError
from relsim.experiments.spec import ParameterSpec
from relsim.fields import FieldLookupError, FieldSpec, lookup
from relsim.inputs import InputError
from relsim.scenario import Scenario, ScenarioError, load_scenario, validate_scenario
from relsim.validation import format_validation_error, position, where
from relsim.yamlio import Positions, read_yaml

# --------------------------------------------------------------------------- errors

_DESIGN_KINDS = ("grid", "lhs", "sobol", "morris")


def _clean(err: dict) -> dict:
    """A pydantic error as the user reads it: without the design's tag in the location
    (``design.sobol.N`` -> ``design.N``), and with the field a validator's message names
    (``low: ...``) moved into the location."""
    loc = tuple(p for i, p in enumerate(err["loc"])
                if not (i == 1 and err["loc"][0] == "design" and p in _DESIGN_KINDS))
    ctx = dict(err.get("ctx") or {})
    if err["type"] == "value_error":
        msg = str(ctx["error"])
        named = re.match(r"([a-z_]+): ", msg)
        if named and loc[:1] in (("parameters",), ("design",)):
            loc, msg = loc + (named.group(1),), msg[named.end():]
        ctx["error"] = ValueError(msg)
    return {"type": err["type"], "loc": loc, "input": err.get("input"), "ctx": ctx}


def _format(exc: ValidationError, source: str, positions: Positions) -> str:
    """One line for the error nearest the top of the file (relsim.scenario's format)."""
    errors = [_clean(err) for err in exc.errors()]
    first = min(errors, key=lambda e: (e["type"] == "missing",  # unknown keys first
                                       position(positions, e["loc"]) or (10**9, 0)))
    single = ValidationError.from_exception_data(exc.title, [first])
    line = format_validation_error(single, source, positions, Experiment)
    if first["type"] == "extra_forbidden" and "did you mean" not in line:
        known = _section_keys(first["loc"][:-1])
        close = difflib.get_close_matches(str(first["loc"][-1]), known, n=1)
        line += f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(known)}"
    more = len(errors) - 1
    return line + (f" [and {more} more error{'s' if more > 1 else ''}]" if more else "")


def _section_keys(loc: tuple) -> list[str]:
    """The keys the experiment section at ``loc`` accepts (for an unknown-key hint)."""
    from relsim.experiments import spec

    if not loc:
        return list(Experiment.model_fields)
    if loc[0] == "parameters":
        return list(spec.ParameterSpec.model_fields)
    if loc[0] == "analysis":
        return list(spec.AnalysisSpec.model_fields)
    if loc[0] == "design":
        return sorted({k for c in (spec.GridDesign, spec.LHSDesign, spec.SobolDesign,
                                   spec.MorrisDesign) for k in c.model_fields})
    return []


def _fail(source: str, positions: Positions, loc: tuple, message: str) -> ExperimentError:
    path = ".".join(str(p) for p in loc) or "(top level)"
    return ExperimentError(f"{where(source, positions, loc)}: {path}: {message}")


# --------------------------------------------------------------------------- loading

def _scenario_of(data: dict, source: str, positions: Positions, base_dir: Path) -> Scenario:
    """The base scenario: a file beside the experiment, or the inline mapping."""
    ref = data.get("scenario")
    if isinstance(ref, str):
        path = base_dir / ref
        if not path.is_file():
            raise _fail(source, positions, ("scenario",), f"scenario file not found: {path}")
        return load_scenario(path)
    inner = {k[1:]: v for k, v in positions.items() if k[:1] == ("scenario",)}
    try:
        return validate_scenario(ref, source, inner, base_dir=base_dir)
    except ScenarioError as exc:  # name the field as it is written: scenario.FIELD
        text = str(exc)
        head = re.match(re.escape(source) + r"(:\d+:\d+)?: ", text)
        if head is None:
            raise
        raise ExperimentError(f"{text[:head.end()]}scenario.{text[head.end():]}") from None


def _check_arms(experiment: Experiment, source: str, positions: Positions) -> None:
    """Every arm must be a valid variant of the base scenario."""
    try:
        experiment.configs({})
    except ScenarioError as exc:
        text = str(exc)
        match = re.match(r"variants\.([A-Za-z0-9_-]+)\.?(\S*): (.*)", text)
        if match is None:
            raise _fail(source, positions, ("arms",), text) from None
        arm, rest, message = match.groups()
        key = max((k for k in experiment.arms.get(arm, {}) if rest.startswith(k)), key=len,
                  default=None)
        loc = ("arms", arm) + ((key,) if key else ())
        tail = rest[len(key):].lstrip(".") if key else rest
        raise _fail(source, positions, loc, f"{tail + ': ' if tail else ''}{message}") from None


def _extremes(spec: ParameterSpec, field: FieldSpec) -> list[Any]:
    """The values at the edges of what the design can give a parameter."""
    if spec.levels is not None:
        return list(spec.levels)
    if spec.distribution in ("normal", "lognormal") and spec.low is None:
        return []  # unbounded: only allowed for unbounded fields
    values = [spec.low, spec.high]
    return [int(v) for v in values] if field.kind == "int" else values


def _check_parameter(path: str, spec: ParameterSpec, field: FieldSpec) -> str | None:
    """What is wrong with varying ``field`` as ``spec`` says (None: nothing)."""
    if spec.levels is not None:
        for level in spec.levels:
            ok = {"bool": isinstance(level, bool), "text": isinstance(level, str),
                  "choice": level in field.choices,
                  "int": isinstance(level, int) and not isinstance(level, bool),
                  "float": isinstance(level, (int, float)) and not isinstance(level, bool)
                  }[field.kind]
            if field.kind in ("int", "float") and ok:
                ok = ((field.low is None or level >= field.low)
                      and (field.high is None or level <= field.high))
            if not ok:
                return f"levels: {level!r} is not a value of {path}: expected {field.describe()}"
        return None
    if field.kind not in ("int", "float"):
        return f"{path} takes {field.describe()}: give it levels, not a range"
    if field.kind == "int":
        if spec.distribution is not None:
            return f"distribution: {path} is an integer field: give a range or levels"
        for name in ("low", "high"):
            if not float(getattr(spec, name)).is_integer():
                return f"{name}: {path} is an integer field, got {getattr(spec, name):g}"
    if spec.distribution in ("normal", "lognormal") and spec.low is None:
        unbounded = field.high is None and (
            field.low is None or (spec.distribution == "lognormal" and field.low <= 0))
        if not unbounded:
            return (f"distribution: a {spec.distribution} distribution is unbounded but {path} "
                    f"is {field.describe()}: give low and high to truncate it" if spec.distribution
                    == "normal" else f"distribution: a lognormal distribution is unbounded but "
                    f"{path} is {field.describe()}: use a range with log: true")
        return None
    for name in ("low", "high"):
        value = getattr(spec, name)
        if (field.low is not None and value < field.low) or \
                (field.high is not None and value > field.high):
            return f"{name}: {value:g} is outside the range of {path}: {field.describe()}"
    return None


def validate_experiment_data(data: Any, source: str, positions: Positions | None = None,
                             base_dir: Path | None = None) -> Experiment:
    """Validate parsed YAML as an experiment: the types, the scenario, each parameter against
    its field, the arms, the conditions, and the scenario at the parameters' extremes."""
    positions = positions or {}
    base_dir = base_dir or Path.cwd()
    if not isinstance(data, dict):
        raise _fail(source, positions, (), "expected a mapping of experiment settings, got "
                    f"{type(data).__name__}")
    try:
        experiment = Experiment.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ExperimentError(_format(exc, source, positions)) from None
    experiment._scenario = _scenario_of(data, source, positions, base_dir)
    base = experiment.base.model_dump()
    paths = list(experiment.parameters)
    for path, spec in experiment.parameters.items():
        at = ("parameters", path)
        try:
            field = lookup(path, base)
        except FieldLookupError as exc:
            raise _fail(source, positions, at, str(exc)) from None
        overlap = next((p for p in paths if p != path and p.startswith(path + ".")), None)
        if overlap:
            raise _fail(source, positions, at, f"contains the parameter {overlap!r}")
        problem = _check_parameter(path, spec, field)
        if problem:
            name, _, message = problem.partition(": ") if re.match(r"[a-z_]+: ", problem) \
                else ("", "", problem)
            raise _fail(source, positions, at + ((name,) if name else ()), message)
        experiment._fields[path] = field
    _check_arms(experiment, source, positions)
    if "policy_roi" in experiment.outcomes and len(experiment.arm_names()) < 2:
        raise _fail(source, positions, ("outcomes",), "policy_roi compares an arm with the "
                    "baseline: add arms (e.g. baseline: {} and one with the policy)")
    _check_analysis(experiment, source, positions)
    for path, spec in experiment.parameters.items():  # the scenario at each extreme value
        for value in _extremes(spec, experiment.fields[path]):
            try:
                experiment.configs({path: value})
            except (ValidationError, ScenarioError, KeyError, ValueError) as exc:
                raise _fail(source, positions, ("parameters", path), f"the scenario is "
                            f"invalid at {path} = {value!r}: {_reason(exc)}") from None
    return experiment


def _reason(exc: Exception) -> str:
    """What a failed validation says, in one line."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        loc = ".".join(map(str, err["loc"]))
        return f"{loc + ': ' if loc else ''}{msg}"
    return " ".join(str(exc).splitlines())


def _check_analysis(experiment: Experiment, source: str, positions: Positions) -> None:
    from relsim.experiments.conditions import parse_condition

    known = experiment.responses()
    for i, text in enumerate(experiment.analysis.conditions):
        try:
            parse_condition(text, known)
        except ValueError as exc:
            raise _fail(source, positions, ("analysis", "conditions", i), str(exc)) from None
    for i, pair in enumerate(experiment.analysis.heatmaps):
        if len(pair) != 2 or pair[0] == pair[1]:
            raise _fail(source, positions, ("analysis", "heatmaps", i),
                        "a heat map needs two different parameters")
        for name in pair:
            if name not in experiment.parameters:
                raise _fail(source, positions, ("analysis", "heatmaps", i),
                            f"{name!r} is not a parameter of the experiment")


def load_experiment(path: str | os.PathLike) -> Experiment:
    """Read, parse and validate an experiment file (see the module docstring)."""
    try:
        data, positions = read_yaml(path, what="experiment file")
    except InputError as exc:
        raise ExperimentError(str(exc)) from None
    experiment = validate_experiment_data(data, str(path), positions,
                                          base_dir=Path(path).resolve().parent)
    experiment._source = Path(path).resolve()
    return experiment


def validate_experiment(path: str | os.PathLike) -> str:
    """Validate an experiment file (for ``relsim validate``); return a one-line summary."""
    from relsim.experiments.designs import design_size

    experiment = load_experiment(path)
    points = design_size(experiment)
    arms, reps = experiment.arm_names(), experiment.n_replications
    return (f"{path}: ok (experiment: {len(experiment.parameters)} parameters, "
            f"{experiment.design.kind} design of {points} points x {len(arms)} arm"
            f"{'s' * (len(arms) > 1)} x {reps} replication{'s' * (reps > 1)} = "
            f"{points * len(arms) * reps} runs of {experiment.base.n_customers} customers x "
            f"{experiment.base.steps} weeks)")
