"""The model as the app runs it: a RelationshipModel built from the app's controls.

SolaraViz rebuilds the model on Reset as ``AppModel(**control_values)``; this
class turns the control values into relsim overrides (policy switches into
policy lists, :func:`relsim.app.params.split_policy_controls`), draws the
network sample the app shows and keeps the tracked customers' history.  It
adds no rule: every step is :meth:`RelationshipModel.step`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from relsim.app.history import CustomerHistory
from relsim.app.network_view import MAX_NODES, draw_sample
from relsim.app.params import split_policy_controls
from relsim.config import ModelConfig
from relsim.model import RelationshipModel
from relsim.overrides import apply_overrides


def parse_seed(seed: Any) -> int:
    """The seed typed in the app as an integer >= 0 (ValueError otherwise)."""
    text = str(seed).strip()
    if not text.isdigit():
        raise ValueError(f"seed: expected a whole number >= 0, got {text!r}")
    return int(text)


def describe_error(exc: Exception) -> str:
    """One line naming the parameter and what was expected."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return " ".join(str(exc).splitlines())


class AppModel(RelationshipModel):
    """A :class:`RelationshipModel` built from the app's control values.

    ``config`` is the base configuration (the scenario); ``seed`` the seed as
    typed; every other keyword is a control value (see
    :func:`relsim.app.params.model_controls`).  ``scenario`` is accepted and
    ignored: Mesa 3.4+'s SolaraViz passes its own (empty) scenario on Reset.
    The catch-all is named ``kwargs``, as Mesa 3.3's SolaraViz requires.

    Values the model rejects (a network too dense for the market, a bad seed)
    do not stop the app: the base configuration runs instead and
    :attr:`app_error` says in one line what was rejected.
    """

    def __init__(self, config: ModelConfig | None = None, *, seed: Any = 0,
                 scenario: Any = None, max_nodes: int = MAX_NODES, **kwargs: Any) -> None:
        base = config or ModelConfig()
        self.app_error: str | None = None
        try:
            seed_value = parse_seed(seed)
            policies, rest = split_policy_controls(base, kwargs)
            run_config = apply_overrides(base, {**rest, **policies})
        except (ValueError, KeyError) as exc:  # pydantic's ValidationError is a ValueError
            self.app_error = describe_error(exc)
            seed_value, run_config = 0, base
        super().__init__(run_config, rng=seed_value)
        self.base_config = base
        self.seed_value = seed_value
        self.sample = draw_sample(self.network, max_nodes, seed=seed_value)
        self.history = CustomerHistory(self.sample.nodes)
        self.history.record(self)

    def step(self) -> None:
        """One week of the model, then the tracked customers' history."""
        super().step()
        self.history.record(self)
