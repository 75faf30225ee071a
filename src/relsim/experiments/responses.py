"""Responses: the per-run numbers an analysis reads, named from outcomes, arms and firms.

A sweep records, for every design point, arm, replication and firm, the
experiment's outcomes (:data:`relsim.report.outcomes.OUTCOMES`).  A *response*
is one number per run that an analysis reads:

* ``retention`` -- an outcome of the only arm; with several arms ``retention[loyalty]``;
* ``retention_gain[loyalty]`` -- the arm minus the baseline at the same design point and
  replication (paired: common random numbers), for every arm but the baseline;
* ``policy_roi[loyalty]`` -- the report's policy ROI, already relative to the baseline;
* with ``outcome_firms: all`` each name ends in ``@FIRM`` (``retention@B``).

A condition names a response by its full name or by a shorter one when only one
response fits (``policy_roi`` for ``policy_roi[loyalty]`` when there is one arm
besides the baseline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from relsim.scenario import BASELINE

GAIN = "_gain"
"""Suffix of a paired difference to the baseline."""
NAME = re.compile(r"(?P<base>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<arm>[A-Za-z0-9_-]+)\])?"
                  r"(?:@(?P<firm>[^\s<>=!]+))?")
"""What a response name looks like: outcome, optional [arm], optional @firm."""


@dataclass(frozen=True)
class Response:
    """One response: its name, the outcome it reads, the arm, the firm, and whether it is the
    paired difference to the baseline."""

    name: str
    outcome: str
    arm: str
    firm: str
    gain: bool = False


def responses(outcomes: list[str], arms: list[str], firms: list[str],
              all_firms: bool) -> list[Response]:
    """Every response of an experiment with these outcomes, arms (baseline first) and firms."""
    out = []
    for firm in firms:
        at = f"@{firm}" if all_firms else ""
        for outcome in outcomes:
            for arm in arms:
                tag = f"[{arm}]" if len(arms) > 1 else ""
                if outcome != "policy_roi":
                    out.append(Response(f"{outcome}{tag}{at}", outcome, arm, firm))
                if arm == BASELINE:
                    continue
                if outcome == "policy_roi":
                    out.append(Response(f"policy_roi{tag}{at}", outcome, arm, firm))
                else:
                    out.append(Response(f"{outcome}{GAIN}{tag}{at}", outcome, arm, firm, True))
    return out


def find(text: str, known: list[Response]) -> Response:
    """The response that ``text`` names: its full name, or a shorter one that fits only one
    response; a ValueError says which exist."""
    match = NAME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a response name (e.g. retention, "
                         "retention_gain[loyalty], policy_roi@A)")
    exact = [r for r in known if r.name == text]
    if exact:
        return exact[0]
    parts = match.groupdict()
    fits = [r for r in known if NAME.fullmatch(r.name)["base"] == parts["base"]
            and parts["arm"] in (None, r.arm) and parts["firm"] in (None, r.firm)]
    if len(fits) == 1:
        return fits[0]
    names = ", ".join(r.name for r in (fits or known))
    if fits:
        raise ValueError(f"{text!r} could be any of {names}: write one of them")
    raise ValueError(f"unknown response {text!r}; the experiment has {names}")


def run_values(results: pd.DataFrame, known: list[Response]) -> pd.DataFrame:
    """One row per (point, replication), one column per response (the arm's outcome, or its
    paired difference to the baseline at the same point and replication)."""
    keyed = results.set_index(["point", "replication", "arm", "firm"]).sort_index()
    columns = {}
    for response in known:
        value = keyed.xs((response.arm, response.firm), level=("arm", "firm"))[response.outcome]
        if response.gain:
            base = keyed.xs((BASELINE, response.firm), level=("arm", "firm"))[response.outcome]
            value = value - base.reindex(value.index)
        columns[response.name] = value.astype(float)
    return pd.DataFrame(columns).sort_index()


def point_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per design point and response: mean over replications, variance between them and the
    number of replications (columns point, response, mean, var, n)."""
    long = runs.reset_index().melt(id_vars=["point", "replication"], var_name="response")
    grouped = long.groupby(["point", "response"], sort=False)["value"]
    summary = grouped.agg(mean="mean", var="var", n="count").reset_index()
    summary["var"] = summary["var"].where(summary["n"] > 1, np.nan)
    return summary
