"""What a report shows: which variants and firms, in which colours.

A report compares the variants for the focal firm or, in a run with one variant, the firms
with each other.  Its plots and Markdown/HTML tables show at most :data:`MAX_SERIES`
variants (the baseline and those with the most value created for the focal firm) and as
many firms (the focal firm and the largest by market share), and say how many they leave
out; the CSV files hold all.  Each variant (or firm) keeps one colour of the Okabe-Ito
palette, which readers with any common colour-vision deficiency can tell apart (Okabe &
Ito 2008), in every plot.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from relsim.compare import VARIANT
from relsim.report.outcomes import categories

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000",
             "#F0E442")
"""Colours of the variants (or firms), in order: the Okabe-Ito palette, blue first, yellow
(weakest on white) last.  Beyond eight series the colours repeat with dashed lines."""
LINESTYLES = ("-", "--", ":")
"""Line styles of the 1st-8th, 9th-16th, ... series."""
MAX_SERIES = 12
"""At most this many variants (or firms) per plot and table of a report."""


@dataclass(frozen=True)
class View:
    """What a report's plots show: the variants and firms shown (in scenario order; the
    baseline and the focal firm first), the focal firm, and how many were left out.

    With more than one variant in the run the plots compare the variants for the focal
    firm (:attr:`by` is ``"variant"``); with one, they compare the firms in it.
    """

    variants: tuple[str, ...]
    firms: tuple[str, ...]
    focal: str
    hidden_variants: int = 0
    hidden_firms: int = 0

    @classmethod
    def of(cls, table: pd.DataFrame, focal: str | None = None,
           limit: int = MAX_SERIES) -> View:
        """The first ``limit`` variants and firms of a tidy table (with ``variant`` and
        ``firm`` columns), in their order; ``focal`` defaults to the first firm."""
        variants, firms = categories(table[VARIANT]), categories(table["firm"])
        focal = str(focal if focal is not None else firms[0])
        firms = [focal, *(f for f in firms if str(f) != focal)]
        return cls(tuple(map(str, variants[:limit])), tuple(map(str, firms[:limit])), focal,
                   max(0, len(variants) - limit), max(0, len(firms) - limit))

    @property
    def by(self) -> str:
        """The column the lines (or bars) are drawn by: ``variant`` or ``firm``."""
        return VARIANT if len(self.variants) + self.hidden_variants > 1 else "firm"

    @property
    def series(self) -> tuple[str, ...]:
        """The names of the lines (or bars), in order."""
        return self.variants if self.by == VARIANT else self.firms

    @property
    def hidden(self) -> int:
        """How many series were left out."""
        return self.hidden_variants if self.by == VARIANT else self.hidden_firms

    @property
    def subject(self) -> str:
        """Whom the plots are about: the focal firm, or the single variant."""
        return self.focal if self.by == VARIANT else self.variants[0]

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of a tidy table that the plots draw: the focal firm's rows of the shown
        variants, or the shown firms' rows of the single variant."""
        other = "firm" if self.by == VARIANT else VARIANT
        return frame[(frame[other].astype(str) == self.subject)
                     & frame[self.by].astype(str).isin(self.series)]

    def style(self, name: str) -> dict:
        """Colour and line style of a series: the same in every plot of the report."""
        i = self.series.index(name)
        return {"color": OKABE_ITO[i % len(OKABE_ITO)],
                "linestyle": LINESTYLES[i // len(OKABE_ITO) % len(LINESTYLES)]}

    def legend_title(self) -> str:
        """``variant`` or ``firm``, with how many are shown if some were left out."""
        total = len(self.series) + self.hidden
        return self.by + (f" ({len(self.series)} of {total} shown)" if self.hidden else "")


def choose_view(summary: pd.DataFrame, focal: str, limit: int = MAX_SERIES) -> View:
    """What a report shows: the baseline and the ``limit - 1`` other variants with the most
    value created for ``focal``; ``focal`` and the ``limit - 1`` other firms with the largest
    market share at the horizon in the first variant; each kept in scenario order."""
    variants = [str(v) for v in categories(summary[VARIANT])]
    firms = [str(f) for f in categories(summary["firm"])]
    keyed = summary.assign(**{k: summary[k].astype(str) for k in (VARIANT, "firm", "outcome")})

    def largest(names: list[str], rows: pd.DataFrame, key: str) -> set[str]:
        means = rows.set_index(key)["mean"].reindex(names)
        return set(means.sort_values(ascending=False, kind="stable",
                                     na_position="last").index[:limit - 1])

    value = keyed[(keyed["firm"] == focal) & (keyed["outcome"] == "value")]
    top_variants = largest(variants[1:], value, VARIANT)
    share = keyed[(keyed[VARIANT] == variants[0]) & (keyed["outcome"] == "market_share")]
    others = [f for f in firms if f != focal]
    top_firms = largest(others, share, "firm")
    return View(variants=(variants[0], *(v for v in variants[1:] if v in top_variants)),
                firms=(focal, *(f for f in others if f in top_firms)), focal=focal,
                hidden_variants=len(variants) - 1 - len(top_variants),
                hidden_firms=len(others) - len(top_firms))
