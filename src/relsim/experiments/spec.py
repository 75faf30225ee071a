"""The pydantic models of an experiment file's sections: parameters, designs and analysis.

Each model forbids unknown keys and documents every field, so that
``relsim schema --experiment`` gives editors completion and a typo is an
error with its line and column (see :mod:`relsim.experiments.schema`).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = bool | int | float | str
"""One value a categorical or listed parameter takes."""


class Strict(BaseModel):
    """Base of every section: unknown keys are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(Strict):
    """How one scenario field varies: a range, a list of levels or a distribution.

    * range: ``{low: 0.1, high: 0.4}`` (uniform), ``{low: 0.5, high: 5, log: true}``
      (log-uniform);
    * levels: ``{levels: [watts_strogatz, barabasi_albert]}`` (equally likely);
    * distribution: ``{distribution: triangular, low: 0.5, high: 0.9, mode: 0.7}``,
      ``{distribution: normal, mean: 0.2, sd: 0.05, low: 0.05, high: 0.35}`` (normal,
      truncated to [low, high]; untruncated only for fields without bounds),
      ``{distribution: lognormal, mean: 0.0, sd: 0.5}`` (mean and sd of the logarithm).
    """

    low: float | None = Field(None, description="lowest value (range, triangular, truncation)")
    high: float | None = Field(None, description="highest value (range, triangular, truncation)")
    log: bool = Field(False, description="sample the range uniformly on a log scale (low > 0)")
    levels: list[Level] | None = Field(None, min_length=1, description="the values to use "
                                       "(grid) or draw from with equal probability")
    distribution: Literal["uniform", "triangular", "normal", "lognormal"] | None = Field(
        None, description="distribution of the values (SALib dists: unif, triang, truncnorm/"
        "norm, lognorm); none: the range is uniform")
    mode: float | None = Field(None, description="peak of a triangular distribution")
    mean: float | None = Field(None, description="mean of a normal distribution (lognormal: of "
                               "the logarithm)")
    sd: float | None = Field(None, gt=0, description="standard deviation of a normal "
                             "distribution (lognormal: of the logarithm)")

    @model_validator(mode="after")
    def _one_description(self) -> ParameterSpec:
        given = {k for k in ("low", "high", "mode", "mean", "sd") if getattr(self, k) is not None}
        if self.levels is not None:
            if given or self.distribution or self.log:
                raise ValueError("levels: give either levels or a range/distribution, not both")
            if len({(type(v), v) for v in self.levels}) != len(self.levels):
                raise ValueError("levels: each level once")
            return self
        needs = {None: {"low", "high"}, "uniform": {"low", "high"},
                 "triangular": {"low", "high", "mode"}, "normal": {"mean", "sd"},
                 "lognormal": {"mean", "sd"}}[self.distribution]
        allowed = needs | ({"low", "high"} if self.distribution == "normal" else set())
        missing, extra = sorted(needs - given), sorted(given - allowed)
        what = f"a {self.distribution} distribution" if self.distribution else "a range"
        if missing:
            raise ValueError(f"{missing[0]}: {what} needs {', '.join(sorted(needs))}"
                             + ("" if self.distribution else " (or give levels)"))
        if extra:
            raise ValueError(f"{extra[0]}: not used by {what}")
        if self.distribution == "normal" and (self.low is None) != (self.high is None):
            raise ValueError("low: a truncated normal distribution needs both low and high")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"high: must be above low ({self.low:g}), got {self.high:g}")
        if self.log and (self.distribution not in (None, "uniform") or self.low <= 0):
            raise ValueError("log: a log scale needs a range with low > 0")
        if self.mode is not None and not self.low <= self.mode < self.high:
            raise ValueError(f"mode: must lie in [low, high), got {self.mode:g}")
        for name in ("low", "high", "mode", "mean", "sd"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name}: must be a finite number, got {value}")
        return self


class GridDesign(Strict):
    """Full factorial grid: every combination of every parameter's levels."""

    kind: Literal["grid"] = "grid"
    levels: int = Field(5, ge=2, le=1000, description="levels of each range or distribution "
                        "parameter (parameters with a list of levels use theirs)")


class LHSDesign(Strict):
    """Latin hypercube (SALib.sample.latin): each parameter's range cut in ``size`` strata of
    equal probability, one point in each."""

    kind: Literal["lhs"] = "lhs"
    size: int = Field(..., ge=2, le=10_000_000, description="design points")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the design's own stream")


class SobolDesign(Strict):
    """Saltelli's scheme for Sobol indices (SALib.sample.sobol): N * (2D + 2) points with
    second-order indices, N * (D + 2) without."""

    kind: Literal["sobol"] = "sobol"
    N: int = Field(..., ge=2, le=2**24, description="base sample size (a power of 2)")
    second_order: bool = Field(True, description="also estimate second-order indices")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the scrambled Sobol sequence")

    @field_validator("N")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"the Sobol sequence needs N a power of 2 (e.g. {1 << n.bit_length() - 1}"
                             f" or {1 << n.bit_length()}), got {n}")
        return n


class MorrisDesign(Strict):
    """Morris elementary effects (SALib.sample.morris): N trajectories of D + 1 points on a
    grid of ``num_levels`` levels."""

    kind: Literal["morris"] = "morris"
    N: int = Field(..., ge=2, le=1_000_000, description="trajectories")
    num_levels: int = Field(4, ge=2, le=1000, description="grid levels (even)")
    optimal_trajectories: int | None = Field(None, ge=2, description="keep this many of the N "
                                             "trajectories, chosen to spread (Campolongo)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the design's own stream")

    @model_validator(mode="after")
    def _even_levels(self) -> MorrisDesign:
        if self.num_levels % 2:
            raise ValueError(f"num_levels: Morris needs an even number of levels, got "
                             f"{self.num_levels}")
        if self.optimal_trajectories is not None and self.optimal_trajectories > self.N:
            raise ValueError(f"optimal_trajectories: at most N ({self.N})")
        return self


AnyDesign = Annotated[GridDesign | LHSDesign | SobolDesign | MorrisDesign,
                      Field(discriminator="kind")]
"""A design of any kind, told apart by its ``kind``."""


class AnalysisSpec(Strict):
    """What ``relsim analyze`` does besides the indices and response plots."""

    conditions: list[str] = Field([], description="scenario discovery: PRIM boxes for each "
                                  "condition, e.g. 'policy_roi < 1', 'retention_gain < 0.02'")
    heatmaps: list[list[str]] = Field([], description="pairs of parameters for 2-D heat maps "
                                      "(grid designs; default: the first two parameters)")
    density: float = Field(0.8, gt=0, le=1, description="PRIM: the box chosen on the peeling "
                           "trajectory is the one with most coverage at this density or more")
