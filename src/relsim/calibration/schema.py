"""Calibration files: the YAML schema, and loading with one-line errors.

A calibration file names the base scenario, the observed data, how a simulated
run maps to the data, the periods to fit and to hold out, the parameters to
free and how to search them (``docs/calibration.md`` describes every key;
``calibration/fader_hardie_regular.yaml`` is a commented example)::

    scenario: fader_hardie_market.yaml       # relative to this file, or a mapping
    data: {path: cohorts.csv, period_column: year, value_column: regular, size: 1000}
    mapping: {firm: Focal, period: year, cohort_start: 1, cohort_end: 8}
    fit_periods: [0, 3]
    holdout_periods: [4, 7]
    parameters:
      behaviour.base_churn: {lower: 0.002, upper: 0.03, prior: log-uniform}
    method: {seed: 1, replications: 2, max_evaluations: 60}

Loading is as strict as for scenario files (:mod:`relsim.scenario`: safe YAML,
unknown keys refused, no silent coercion) and every problem is a
:class:`CalibrationError` whose message is one line,
``FILE:LINE:COLUMN: field: what was expected``.  A parameter's bounds must lie
inside the range its scenario field declares (:func:`relsim.config.parameter_table`);
the fitting and held-out periods must lie in the data and, with the simulated
cohort's acquisition weeks, inside the scenario's horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from relsim.calibration.checks import check_mapping, check_periods
from relsim.calibration.data import DataFileError, ObservedCohort, read_cohort_table
from relsim.config import ModelConfig
from relsim.fields import FieldLookupError, lookup
from relsim.inputs import InputError
from relsim.overrides import apply_overrides
from relsim.params import STEPS_PER_YEAR
from relsim.scenario import Scenario, ScenarioError, load_scenario, validate_scenario
from relsim.validation import format_validation_error
from relsim.yamlio import read_yaml

PERIOD_WEEKS = {"week": 1, "quarter": STEPS_PER_YEAR // 4, "year": STEPS_PER_YEAR}
"""Weeks (model steps) in one period of the observed data."""


class CalibrationError(ScenarioError):
    """A calibration file that cannot be used; the message is one line for the user."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSpec(_Spec):
    """The observed data: a CSV cohort retention table (relative to the calibration file)."""

    path: str = Field(description="CSV file, relative to the calibration file")
    kind: Literal["cohort_retention", "churn_rate", "market_share"] = Field(
        "cohort_retention", description="what the table holds: cohort_retention, the share of "
        "one cohort of new customers still active after each period; churn_rate, the share "
        "of the firm's customers at the start of each period who left during it; "
        "market_share, the firm's share of all customers in the market at the end of each "
        "period")
    period_column: str = Field("period", description="column of the period numbers (0, 1, ...)")
    value_column: str = Field("retention", description="column of the observed share")
    cohort_column: str | None = Field(None, description="column naming the cohort, in a table "
                                      "of several cohorts (long layout)")
    cohort: str | None = Field(None, description="which cohort of cohort_column to fit")
    size: int | None = Field(None, ge=1, description="customers in the cohort at period 0, "
                             "or (series) the customers each period's share is measured on "
                             "(when the table has no size column)")
    size_column: str | None = Field(None, description="column of the cohort size, or (series) "
                                    "of each period's number of customers measured")

    @property
    def series(self) -> bool:
        """A per-period series (churn_rate, market_share) rather than one cohort's survival."""
        return self.kind != "cohort_retention"

    @model_validator(mode="after")
    def _size_and_cohort_given(self) -> DataSpec:
        if (self.size is None) == (self.size_column is None):
            raise ValueError("size: give the cohort size as 'size' or 'size_column' (one of them)")
        if (self.cohort_column is None) != (self.cohort is None):
            raise ValueError("cohort: 'cohort_column' and 'cohort' go together")
        return self


class MappingSpec(_Spec):
    """How a simulated run maps to the data: whose cohort, which acquisition weeks."""

    firm: str | None = Field(None, description="firm whose cohort is observed (default: the "
                             "scenario's focal firm)")
    period: Literal["week", "quarter", "year"] = Field(
        "year", description="length of one period of the data (a model step is a week)")
    cohort_start: int = Field(1, ge=1, description="first week in which the simulated cohort's "
                              "customers start their first relationship with the firm")
    cohort_end: int = Field(1, ge=1, description="last such week (the cohort pools weeks "
                            "cohort_start..cohort_end; each customer's age counts from its start)")
    start_week: int = Field(1, ge=1, description="series targets (churn_rate, market_share): "
                            "the first week of period 0")

    @model_validator(mode="after")
    def _window(self) -> MappingSpec:
        if self.cohort_end < self.cohort_start:
            raise ValueError("cohort_end: must not be before cohort_start")
        return self

    @property
    def period_weeks(self) -> int:
        """Weeks in one period."""
        return PERIOD_WEEKS[self.period]


class ParameterSpec(_Spec):
    """One freed scenario field: its search bounds and its prior."""

    lower: float = Field(description="lowest value searched (inside the field's own range)")
    upper: float = Field(description="highest value searched")
    prior: Literal["uniform", "log-uniform", "normal"] = Field(
        "uniform", description="prior on [lower, upper]; log-uniform also searches on the log "
        "scale; normal (mean, sd) is truncated to the bounds")
    mean: float | None = Field(None, description="mean of a normal prior")
    sd: float | None = Field(None, gt=0, description="standard deviation of a normal prior")
    start: float | None = Field(None, description="first point of the search (default: the "
                                "middle of the bounds, on the prior's scale)")

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)):
            raise ValueError("lower: bounds must be finite numbers")
        if not self.lower < self.upper:
            raise ValueError(f"upper: must be above lower ({self.lower:g}), got {self.upper:g}")
        if self.prior == "log-uniform" and self.lower <= 0:
            raise ValueError(f"lower: a log-uniform prior needs lower > 0, got {self.lower:g}")
        if (self.prior == "normal") != (self.mean is not None and self.sd is not None):
            raise ValueError("prior: 'mean' and 'sd' are given for, and only for, a normal prior")
        if self.start is not None and not self.lower <= self.start <= self.upper:
            raise ValueError(f"start: must lie in [{self.lower:g}, {self.upper:g}], "
                             f"got {self.start:g}")
        return self


class MethodSpec(_Spec):
    """How to search: seeds, replications, optimizer and ABC budgets."""

    seed: int = Field(0, ge=0, le=2**63 - 1, description="root seed of the simulations")
    replications: int = Field(2, ge=1, le=1000, description="simulations per evaluation "
                              "(common random numbers: replication r always uses the same seed)")
    optimizer: Literal["nelder-mead", "differential-evolution"] = Field(
        "nelder-mead", description="point fit: scipy's bounded Nelder-Mead (from 'starts' "
        "points) or differential evolution")
    max_evaluations: int = Field(80, ge=1, le=1_000_000,
                                 description="most objective evaluations of the search")
    starts: int = Field(1, ge=1, le=100, description="Nelder-Mead starts (the first at 'start' "
                        "or the middle, the others a Latin hypercube)")
    hessian_step: float = Field(0.05, gt=0, le=0.25, description="step of the finite-difference "
                                "Hessian, as a share of each parameter's searched range")
    band_draws: int = Field(20, ge=0, le=10_000, description="parameter draws simulated for the "
                            "projection band of the point fit (0: no band)")
    abc_population: int = Field(100, ge=5, le=100_000, description="ABC-SMC particles per "
                                "generation")
    abc_generations: int = Field(6, ge=1, le=100, description="ABC-SMC generations (the last "
                                 "at temperature 1: the exact noise-aware posterior)")


Period = Annotated[int, Field(ge=0, le=100_000)]


class CalibrationFile(_Spec):
    """A calibration file: what to fit, to which data, and how."""

    name: str = Field("calibration", description="name used in the report")
    description: str = Field("", description="what is calibrated and why")
    scenario: str | dict[str, Any] = Field(description="base scenario: a file relative to the "
                                           "calibration file, or the scenario inline")
    data: DataSpec
    mapping: MappingSpec = MappingSpec()
    fit_periods: list[Period] = Field(min_length=2, max_length=2,
                                      description="[first, last] period used for fitting")
    holdout_periods: list[Period] | None = Field(None, min_length=2, max_length=2,
                                                 description="[first, last] period projected "
                                                 "and scored (none: no projection)")
    parameters: dict[str, ParameterSpec] = Field(min_length=1, description="scenario fields "
                                                 "to fit, by dotted path")
    method: MethodSpec = MethodSpec()

    def period_end(self, period: int) -> int:
        """The week by which ``period`` is observed: a cohort's last acquisition week plus
        ``period`` periods; a series' last week of ``period``."""
        m = self.mapping
        if self.data.series:
            return m.start_week - 1 + (period + 1) * m.period_weeks
        return m.cohort_end + period * m.period_weeks


@dataclass(frozen=True)
class FreeParameter:
    """A freed scenario field with its search bounds, prior and declared range."""

    path: str
    spec: ParameterSpec
    field_min: float | None
    field_max: float | None

    @property
    def log_scale(self) -> bool:
        """Searched on the log scale (log-uniform prior)."""
        return self.spec.prior == "log-uniform"


@dataclass(frozen=True)
class Calibration:
    """A loaded, checked calibration: the file, its base scenario and the observed data."""

    spec: CalibrationFile
    scenario: Scenario
    observed: ObservedCohort
    parameters: tuple[FreeParameter, ...]
    firm: str
    source: Path | None
    data_path: Path | None = None
    """The observed data file."""

    @property
    def scenario_path(self) -> Path | None:
        """The base scenario's file (None: inline)."""
        return self.scenario._source

    @property
    def fit_range(self) -> tuple[int, int]:
        """First and last fitted period."""
        return self.spec.fit_periods[0], self.spec.fit_periods[1]

    @property
    def last_period(self) -> int:
        """Last period simulated (fitted or held out)."""
        return max(self.spec.fit_periods[1], (self.spec.holdout_periods or [0, 0])[1])

    def horizon(self) -> int:
        """Weeks a calibration run simulates: the cohort window plus the last period, or
        (series) up to the end of the last period."""
        return self.spec.period_end(self.last_period)

    def base_config(self) -> ModelConfig:
        """The base scenario's model, run only as long as the calibration needs, without the
        logs it does not read (neither changes the simulated cohort)."""
        return apply_overrides(self.scenario.model_part(), {
            "steps": self.horizon(), "record.transactions": False, "record.customers": False})

    def config_at(self, values: dict[str, float], base: ModelConfig | None = None) -> ModelConfig:
        """The model with the freed parameters at ``values`` (path -> value)."""
        return apply_overrides(base or self.base_config(), values)


# --------------------------------------------------------------------------- loading

class _At:
    """Turns a location in the calibration file into ``FILE:LINE:COLUMN: field:``."""

    def __init__(self, source: str, positions: dict) -> None:
        self.source, self.positions = source, positions

    def error(self, loc: tuple, message: str) -> CalibrationError:
        for k in range(len(loc), -1, -1):
            if loc[:k] in self.positions:
                line, column = self.positions[loc[:k]]
                where = f"{self.source}:{line}:{column}"
                break
        else:
            where = self.source
        field = ".".join(str(p) for p in loc) or "(top level)"
        return CalibrationError(f"{where}: {field}: {message}")


def _free_parameters(spec: CalibrationFile, config: ModelConfig, at: _At
                     ) -> tuple[FreeParameter, ...]:
    """Check each freed path against the scenario's fields and their declared ranges."""
    base = config.model_dump()
    out = []
    for path, p in spec.parameters.items():
        loc = ("parameters", path)
        try:
            field = lookup(path, base)
        except FieldLookupError as exc:
            raise at.error(loc, str(exc)) from None
        if field.kind == "int":
            raise at.error(loc, "is an integer field: calibration frees real-valued fields")
        if field.kind != "float":
            raise at.error(loc, f"is not a number ({field.describe()}): calibration frees "
                           "real-valued fields")
        lo, hi = field.low, field.high
        for bound in ("lower", "upper"):
            value = getattr(p, bound)
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise at.error(loc + (bound,), f"{value:g} is outside the field's range "
                               f"[{'-inf' if lo is None else f'{lo:g}'}, "
                               f"{'inf' if hi is None else f'{hi:g}'}]")
        out.append(FreeParameter(path, p, lo, hi))
    return tuple(out)


def _base_scenario(spec: CalibrationFile, base_dir: Path, positions: dict, source: str,
                   at: _At) -> Scenario:
    """The base scenario: a file beside the calibration file, or the inline mapping."""
    if isinstance(spec.scenario, str):
        path = base_dir / spec.scenario
        if not path.is_file():
            raise at.error(("scenario",), f"scenario file not found: {path}")
        return load_scenario(path)
    inner = {k[1:]: v for k, v in positions.items() if k[:1] == ("scenario",)}
    try:
        return validate_scenario(spec.scenario, source, inner, base_dir=base_dir)
    except ScenarioError as exc:  # positions are the file's; the field path is the scenario's
        raise CalibrationError(str(exc).replace(": ", ": scenario.", 1)) from None


def validate_calibration(data: Any, source: str, positions: dict | None = None,
                         base_dir: Path | None = None) -> Calibration:
    """Validate parsed YAML as a calibration: schema, base scenario, parameters, data file
    and periods, in that order; the first problem is a one-line CalibrationError."""
    positions = positions or {}
    at = _At(source, positions)
    if not isinstance(data, dict):
        raise at.error((), f"expected a mapping of calibration settings, got "
                       f"{type(data).__name__}")
    try:
        spec = CalibrationFile.model_validate(data, strict=True)
    except ValidationError as exc:
        raise CalibrationError(format_validation_error(exc, source, positions,
                                                       CalibrationFile)) from None
    base_dir = base_dir or Path.cwd()
    scenario = _base_scenario(spec, base_dir, positions, source, at)
    firm = spec.mapping.firm or scenario.focal()
    names = [f.name for f in scenario.firms]
    if firm not in names:
        raise at.error(("mapping", "firm"), f"expected the name of a firm of the scenario "
                       f"({', '.join(names)}), got {firm!r}")
    parameters = _free_parameters(spec, scenario.model_part(), at)
    check_mapping(spec, at)
    data_file = base_dir / spec.data.path
    if not data_file.is_file():
        raise at.error(("data", "path"), f"data file not found: {data_file}")
    try:
        observed = read_cohort_table(data_file, spec.data)
    except DataFileError as exc:
        raise CalibrationError(str(exc)) from None
    check_periods(spec, scenario, observed, at)
    return Calibration(spec=spec, scenario=scenario, observed=observed, parameters=parameters,
                       firm=firm, source=None, data_path=data_file.resolve())


def load_calibration(path: str | Path) -> Calibration:
    """Read, parse and validate a calibration file (paths in it relative to its folder)."""
    try:
        data, positions = read_yaml(path, what="calibration file")
    except InputError as exc:
        raise CalibrationError(str(exc)) from None
    calibration = validate_calibration(data, str(path), positions,
                                       base_dir=Path(path).resolve().parent)
    return Calibration(**{**calibration.__dict__, "source": Path(path).resolve()})
