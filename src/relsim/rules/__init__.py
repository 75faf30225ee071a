"""The behavioural rules of relsim, one module per theory.

Every rule is a small pure function over customer columns (numpy arrays): it
takes the current values and parameters and returns the new values, updating
all customers at once.  Docstrings state the rule in words, its equation and
its source; ``docs/ODD.md`` (section 7, Submodels) lists them in step order.
"""

from relsim.rules import (
    adoption,
    choice,
    churn,
    commitment,
    complaints,
    dependence,
    fairness,
    lifecycle,
    satisfaction,
    trust,
    word_of_mouth,
)

__all__ = [
    "adoption",
    "choice",
    "churn",
    "commitment",
    "complaints",
    "dependence",
    "fairness",
    "lifecycle",
    "satisfaction",
    "trust",
    "word_of_mouth",
]
