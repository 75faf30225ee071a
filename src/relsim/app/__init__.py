"""relsim's interactive app on Mesa's SolaraViz (needs the ``app`` extra).

Start it with ``relsim app [SCENARIO.yaml]`` or ``solara run relsim.app.app``;
see docs/app.md.  Modules: :mod:`~relsim.app.app` (the page: controls and
components), :mod:`~relsim.app.params` (controls from the parameter
declarations), :mod:`~relsim.app.model` (the model built from the controls),
:mod:`~relsim.app.network_view`, :mod:`~relsim.app.charts`,
:mod:`~relsim.app.customer_panel`, :mod:`~relsim.app.status`,
:mod:`~relsim.app.history`, :mod:`~relsim.app.assets` (offline check) and
:mod:`~relsim.app.cli` (the ``relsim app`` command).  Importing this package
does not import Solara.
"""
