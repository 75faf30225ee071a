"""Whether Solara can serve the app's JavaScript and CSS itself, with no internet.

Solara's page loads its front end (the Vuetify app, RequireJS, Font Awesome,
the grid layout, ECharts) through ``/_solara/cdn/``, a proxy that answers from
``<prefix>/share/solara/cdn`` and fetches from a public CDN what is not there.
The ``solara-assets`` package fills that directory.  Its last release, 1.58.2,
holds ``@widgetti/solara-vuetify-app@10.1.1``, which Solara (1.58.2 to at least
1.64.1) loads when ipyvuetify is older than 3; with ipyvuetify 3 Solara loads
``@widgetti/solara-vuetify3-app``, whose version there is not the one Solara asks
for.  Hence the ``app`` extra pins ``solara-assets`` and ``ipyvuetify<3``.
"""

from __future__ import annotations

from importlib import metadata

OFFLINE_REQUIREMENTS = {"solara-assets": None, "ipyvuetify": 3}
"""Distribution -> first major version that breaks offline use (None: only needed)."""


def offline_problems() -> list[str]:
    """Reasons the page would fetch assets from a CDN (empty when it works offline)."""
    problems = []
    for name, breaking_major in OFFLINE_REQUIREMENTS.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        if breaking_major is not None and int(version.split(".")[0]) >= breaking_major:
            problems.append(f"{name} {version} is installed; offline use needs "
                            f"{name}<{breaking_major}")
    return problems
