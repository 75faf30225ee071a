"""The JSON Schemas of relsim's YAML files, shipped with the package for editors and checkers.

``scenario.schema.json``, ``experiment.schema.json`` and ``calibration.schema.json`` in
this directory are generated from the configuration classes; ``relsim schema`` (with
``--experiment`` or ``--calibration``) prints them, docs/editors.md says how to use them.
After changing a configuration class, regenerate them (a test fails until you do)::

    python -m relsim.schemas            # rewrite the files
    python -m relsim.schemas --check    # exit 1 if a file is out of date

The scenario schema is :func:`relsim.scenario.jsonschema.json_schema`; the experiment and
calibration schemas are pydantic's, made ready for editors the same way
(:func:`relsim.scenario.jsonschema.for_editors`), with an inline ``scenario:`` typed as a
scenario and, in experiments, each of the ``arms`` typed as a scenario variant.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).parent
"""Where the schema files are (inside the installed package)."""
NAMES = ("scenario", "experiment", "calibration")
"""The files that have a schema."""


def path(name: str) -> Path:
    """The shipped schema file of ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"no schema named {name!r}; expected one of {', '.join(NAMES)}")
    return DIRECTORY / f"{name}.schema.json"


def _with_inline_scenario(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """An experiment or calibration schema for editors whose ``scenario`` is a file name or
    an inline scenario (typed as one)."""
    from relsim.scenario.jsonschema import embed_scenario, for_editors

    schema = for_editors(schema, name)
    embed_scenario(schema)
    scenario = schema["properties"]["scenario"]
    scenario["anyOf"] = [{"type": "string", "description": f"scenario file, relative to the "
                          f"{name} file"}, {"$ref": "#/$defs/Scenario"}]
    return schema


def generate(name: str) -> dict[str, Any]:
    """The schema of ``name`` files, built from the configuration classes."""
    path(name)  # checks the name
    if name == "scenario":
        from relsim.scenario.jsonschema import json_schema

        return json_schema()
    if name == "experiment":
        from relsim.experiments.schema import experiment_json_schema

        schema = _with_inline_scenario(experiment_json_schema(), name)
        schema["properties"]["arms"]["additionalProperties"] = {"$ref": "#/$defs/Variant"}
        return schema
    from relsim.calibration.schema import CalibrationFile

    return _with_inline_scenario(CalibrationFile.model_json_schema(), name)


def render(name: str) -> str:
    """The text of the schema file of ``name``: :func:`generate` as indented JSON."""
    return json.dumps(generate(name), indent=2, ensure_ascii=False) + "\n"


def text(name: str) -> str:
    """The shipped schema of ``name``; generated if the package was installed without it."""
    try:
        return path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return render(name)


def stale(directory: Path = DIRECTORY) -> list[Path]:
    """The schema files in ``directory`` that are missing or differ from :func:`render`."""
    files = [directory / path(name).name for name in NAMES]
    return [f for name, f in zip(NAMES, files, strict=True)
            if not f.is_file() or f.read_text(encoding="utf-8") != render(name)]


def write(directory: Path = DIRECTORY) -> list[Path]:
    """Write every schema file into ``directory``; the files written."""
    files = []
    for name in NAMES:
        target = directory / path(name).name
        target.write_text(render(name), encoding="utf-8")
        files.append(target)
    return files


def main(argv: list[str] | None = None) -> int:
    """``python -m relsim.schemas [--check] [--out DIR]``: regenerate the schema files."""
    parser = argparse.ArgumentParser(prog="python -m relsim.schemas",
                                     description="regenerate relsim's JSON Schema files")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file is missing or out of date")
    parser.add_argument("--out", type=Path, default=DIRECTORY,
                        help=f"directory of the files (default: {DIRECTORY})")
    args = parser.parse_args(argv)
    if args.check:
        old = stale(args.out)
        for f in old:
            print(f"{f}: out of date; run python -m relsim.schemas", file=sys.stderr)
        return 1 if old else 0
    for f in write(args.out):
        print(f"wrote {f}")
    return 0
