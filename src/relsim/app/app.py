"""relsim's interactive app on Mesa's SolaraViz: ``relsim app`` or ``solara run relsim.app.app``.

This file only declares the controls and the components; the controls come
from the parameter declarations (:mod:`relsim.app.params`), the model is
:class:`relsim.app.model.AppModel` (a :class:`relsim.RelationshipModel`), and
each view lives in its own module.  The scenario is read from the environment
(``RELSIM_APP_SCENARIO``, ``RELSIM_APP_VARIANT``, set by ``relsim app``).
"""

from __future__ import annotations

import os
import warnings

import solara

from relsim.app.charts import CHARTS, Chart
from relsim.app.cli import base_from_environment
from relsim.app.customer_panel import CustomerPanel
from relsim.app.model import AppModel
from relsim.app.network_view import NetworkView
from relsim.app.params import model_controls
from relsim.app.status import StatusCard

with warnings.catch_warnings():
    # Solara's hook check flags Mesa's own ComponentsView (a state hook after an early
    # return) when Mesa is imported; it is Mesa's code, and the message alarms users.
    warnings.filterwarnings("ignore", message=r"(?s).*ComponentsView: `use_state` found")
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import update_counter

# Reacton's faster renderer (opt-in in reacton 1.11.1, read at each render): it walks the
# charts' option dictionaries far less, so a step redraws in a fraction of the time.
os.environ.setdefault("REACTON_FAST", "1")

BASE, SEED, NAME = base_from_environment()
followed = solara.reactive(None)  # the customer the panel follows (one per browser session)

# Each view is a component of its own that reads Mesa's update counter, as Mesa's
# plot components do: it redraws after every step and is not remounted on Reset.


@solara.component
def Network(model):
    update_counter.get()
    NetworkView(model=model, step=model.steps, followed=followed.value, on_follow=followed.set)


@solara.component
def Customer(model):
    update_counter.get()
    CustomerPanel(model=model, step=model.steps, followed=followed.value,
                  on_follow=followed.set)


@solara.component
def RunningWith(model):
    update_counter.get()
    StatusCard(model=model, step=model.steps)


def chart(name: str):
    """The live chart ``name`` of :data:`relsim.app.charts.CHARTS` as a page component."""
    @solara.component
    def LiveChart(model):
        update_counter.get()
        Chart(model=model, name=name, step=model.steps)
    return LiveChart


COMPONENTS = [Network, Customer, *(chart(name) for name in CHARTS), RunningWith]


@solara.component
def Page():
    model = solara.use_memo(lambda: AppModel(BASE, seed=SEED), [])
    SolaraViz(model, components=COMPONENTS, model_params=model_controls(BASE, SEED),
              name=f"relsim: {NAME}", play_interval=150)
