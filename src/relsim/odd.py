"""Parameter documentation generated from the declarations in :mod:`relsim.config` and the policies.

``python -m relsim.odd > docs/parameters.md`` writes the full parameter
reference, ``python -m relsim.odd --tables > docs/tables.md`` the data dictionary; ``python -m relsim.odd --odd docs/ODD.md`` refreshes the
per-submodel tables in the ODD description, which sit between
``<!-- BEGIN parameters: PATH ... -->`` and ``<!-- END parameters -->``
markers, and the generated blocks between ``<!-- BEGIN NAME -->`` and
``<!-- END NAME -->`` for each NAME of :data:`BLOCKS` (segment presets, policy hooks).
``tests/test_docs.py`` checks that both files are up to date.

Policy parameters (one config class per kind in :mod:`relsim.policies`) are
named ``firms[].policies[KIND].FIELD``: the key FIELD of an entry of a firm's
``policies`` list whose ``kind`` is KIND.  The fields every kind shares
(``kind``, ``start``, ``stop``) are named ``firms[].policies[].FIELD``.
"""

from __future__ import annotations

import re
import sys
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from relsim.config import (
    BEHAVIOUR_SECTIONS,
    SEGMENT_PRESETS,
    STEPS_PER_YEAR,
    FirmConfig,
    ModelConfig,
    SegmentConfig,
    parameter_table,
)
from relsim.policies import POLICY_CLASSES, PolicyConfig

REGENERATE = "python -m relsim.odd > docs/parameters.md"
HEADER = ("| parameter | default | range | unit | meaning | source / rationale |\n"
          "|---|---|---|---|---|---|\n")
_BLOCK = re.compile(r"(<!-- BEGIN parameters: ([^>]*?) -->\n).*?(<!-- END parameters -->)", re.S)
_NAMED = re.compile(r"(<!-- BEGIN ([a-z ]+) -->\n).*?(<!-- END \2 -->)", re.S)
POLICY_COMMON = tuple(PolicyConfig.model_fields)
"""Fields every policy kind shares (kind, start, stop)."""


def section_title(section: type[BaseModel]) -> str:
    """The title of a behaviour section: its rules and the module that declares it, from
    the section's docstring (``The ``behaviour`` parameters that the X rules read.``)."""
    doc = (section.__doc__ or "").split("that the ", 1)[-1].split(" rules read")[0]
    return f"{doc} ({section.__module__.removeprefix('relsim.').replace('.', '/')}.py)"


def behaviour_groups() -> dict[str, str]:
    """Behaviour parameter -> the title of the rule section that declares it."""
    return {name: section_title(section) for section in BEHAVIOUR_SECTIONS
            for name in section.model_fields}


def all_parameter_tables() -> list[dict]:
    """Parameter rows for the model and the list-item sections (firms[], segments[])."""
    return (parameter_table(ModelConfig) + parameter_table(FirmConfig, "firms[].")
            + parameter_table(SegmentConfig, "segments[]."))


def _annotation(path: str) -> Any:
    """Type declared at a parameter path (``network.kind``, ``firms[].price``); None if unknown."""
    parts = path.split(".")
    model: type[BaseModel] = {"firms[]": FirmConfig, "segments[]": SegmentConfig}.get(
        parts[0], ModelConfig)
    parts = parts[1:] if parts[0] in ("firms[]", "segments[]") else parts
    for part in parts[:-1]:
        model = model.model_fields[part].annotation
    field = model.model_fields.get(parts[-1])
    return field.annotation if field else None


def _with_annotations(rows: list[dict], model: type[BaseModel]) -> list[dict]:
    """``rows`` of ``parameter_table(model, prefix)`` with each field's declared type."""
    return [{**r, "annotation": model.model_fields[r["parameter"].rsplit(".", 1)[1]].annotation}
            for r in rows]


def policy_common_rows() -> list[dict]:
    """Rows of the fields every policy shares: ``firms[].policies[].kind``, ``start``, ``stop``."""
    rows = _with_annotations(parameter_table(PolicyConfig, "firms[].policies[]."), PolicyConfig)
    for row in rows:
        if row["parameter"].endswith(".kind"):  # declared without P(): describe it here
            row.update(annotation=typing.Literal[tuple(POLICY_CLASSES)],  # type: ignore[misc]
                       doc="which policy: its parameters are those of that kind's section")
    return rows


def policy_rows(kind: str) -> list[dict]:
    """Rows of one policy kind's own parameters, ``firms[].policies[KIND].FIELD``."""
    config_class = POLICY_CLASSES[kind].config_class
    rows = parameter_table(config_class, f"firms[].policies[{kind}].")
    return [r for r in _with_annotations(rows, config_class)
            if r["parameter"].rsplit(".", 1)[1] not in POLICY_COMMON]


def policy_parameter_rows() -> list[dict]:
    """Rows of every policy parameter: the shared fields, then each kind's own."""
    return policy_common_rows() + [r for kind in POLICY_CLASSES for r in policy_rows(kind)]


def documented_rows() -> list[dict]:
    """Every parameter row the documentation knows: the model's and the policies'."""
    return all_parameter_tables() + policy_parameter_rows()


def _value(value: Any) -> str:
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, dict)) or " x " in str(value):  # lists, maps; "3 x FirmConfig"
        return str(value)
    return f"`{value}`" if value else '`""`'


def _literal(annotation: Any) -> tuple | None:
    """The choices of a Literal annotation (also inside ``Literal[...] | None``)."""
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    for member in typing.get_args(annotation) if typing.get_origin(annotation) else ():
        if typing.get_origin(member) is typing.Literal:
            return typing.get_args(member)
    return None


def _range(row: dict) -> str:
    annotation = row["annotation"] if "annotation" in row else _annotation(row["parameter"])
    choices = _literal(annotation)
    if choices:
        return "one of " + ", ".join(f"`{c}`" for c in choices)
    if row["min"] is None and row["max"] is None:
        return ""
    lo = "" if row["min"] is None else _value(row["min"])
    hi = "" if row["max"] is None else _value(row["max"])
    return f"[{lo}, {hi}]"


def table(rows: list[dict]) -> str:
    """Markdown table of parameter rows (as returned by :func:`relsim.config.parameter_table`)."""
    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    return HEADER + "".join(
        f"| `{r['parameter']}` | {cell(_value(r['default']))} | {cell(_range(r))} | "
        f"{cell(r['unit'])} | {cell(r['doc'])} | {cell(r['source'])} |\n" for r in rows)


def sections() -> list[tuple[str, list[dict]]]:
    """Parameter rows grouped: network, adoption, firms[], segments[], behaviour by rule
    module, economics, record, then the top-level settings."""
    rows, groups = all_parameter_tables(), behaviour_groups()
    out: dict[str, list[dict]] = {}
    for row in rows:
        head = row["parameter"].split(".")[0]
        if head == "behaviour":
            head = "behaviour: " + groups.get(row["parameter"].split(".")[1], "other")
        elif "." not in row["parameter"]:
            head = "top level"
        out.setdefault(head, []).append(row)
    first, last = ["network", "adoption", "firms[]", "segments[]"], ["top level"]
    order = first + [h for h in out if h not in first + last] + last  # behaviour, economics, ...
    return [(h, out[h]) for h in order if h in out]


def parameter_markdown() -> str:
    """docs/parameters.md: every parameter of relsim, grouped by section."""
    from relsim.rules.lifecycle import STAGE_PURCHASE_MULTIPLIER
    from relsim.scenario import Scenario
    from relsim.stages import STAGE_NAMES

    parts = [f"# relsim parameters\n\n<!-- generated by `{REGENERATE}`: do not edit -->\n\n"
             "Every parameter of the model, generated from its declaration in "
             "`src/relsim/config.py` (default, closed range, unit, meaning, source). Set them in "
             "a scenario YAML file (nested as the paths below; `firms[]` and `segments[]` are "
             "lists with one entry per firm or segment) or as keywords of `RelationshipModel` "
             "and `relsim.run` (a unique leaf name such as `trust_loss`, or a path with `__` "
             "such as `adoption__q_per_year` or `firms__0__price`). The model is described in "
             "[ODD.md](ODD.md).\n"]
    for title, rows in sections():
        parts.append(f"\n## {title}\n\n{table(rows)}")
        if title == "firms[]":
            parts.append(policy_markdown())
        elif title == "segments[]":
            parts.append("\n### segment presets\n\n`segments[].preset` fills in a segment "
                         "type's values (`relsim.config.SEGMENT_PRESETS`); keys given beside "
                         f"it override them.\n\n{preset_table()}")
    defaults = ModelConfig()
    for title, items in (("firms", defaults.firms), ("segments", defaults.segments)):
        names = list(type(items[0]).model_fields)
        parts.append(f"\n### default {title}\n\nThe default `{title}` list, one row per entry.\n\n"
                     f"| {' | '.join(names)} |\n|{'---|' * len(names)}\n" + "".join(
                         f"| {' | '.join(_value(getattr(i, n)) for n in names)} |\n"
                         for i in items))
    run_rows = [r for r in parameter_table(Scenario)
                if r["parameter"].split(".")[0] not in ModelConfig.model_fields]
    parts.append("\n## scenario file: run settings\n\nOnly in scenario YAML files "
                 f"(`relsim.scenario.Scenario`), not model parameters.\n\n{table(run_rows)}")
    stage_rows = "".join(f"| `{name}` | {m:g} |\n"
                         for name, m in zip(STAGE_NAMES, STAGE_PURCHASE_MULTIPLIER))
    parts.append("\n## fixed constants\n\nNot configurable; change them in the code.\n\n"
                 f"- `relsim.config.STEPS_PER_YEAR` = {STEPS_PER_YEAR}: one step is one week.\n"
                 "- `relsim.rules.lifecycle.STAGE_PURCHASE_MULTIPLIER`: weekly purchase "
                 "probability relative to `segments[].purchase_prob`, by stage.\n\n"
                 f"| stage | multiplier |\n|---|---|\n{stage_rows}")
    return "".join(parts)


def policy_markdown() -> str:
    """The policy sections of docs/parameters.md: shared fields, then one table per kind."""
    kinds = ", ".join(f"`{k}`" for k in POLICY_CLASSES)
    parts = ["\n## firms[].policies[]\n\nRetention policies a firm runs: a list of entries, "
             f"each with a `kind` ({kinds}) and that kind's parameters; "
             "`firms[].policies[KIND].FIELD` below is the key FIELD of an entry of kind KIND. "
             "Two policies of one kind may not overlap in time. Declared in "
             "`src/relsim/policies/` (one module per kind); the rules are in ODD.md, section "
             "7.15.\n\nFields of every kind:\n\n" + table(policy_common_rows())]
    for kind, cls in POLICY_CLASSES.items():
        doc = (cls.config_class.__doc__ or "").strip().splitlines()[0]
        parts.append(f"\n### policy: {kind}\n\n{doc} Declared in `{cls.__module__}."
                     f"{cls.config_class.__name__}`.\n\n{table(policy_rows(kind))}")
    return "".join(parts)


def preset_table() -> str:
    """Segment presets side by side: every segment field's value under each preset.

    Values the preset sets are in bold; the others are the SegmentConfig defaults.
    """
    presets = list(SEGMENT_PRESETS)
    configs = {p: SegmentConfig(preset=p) for p in presets}
    fields = [f for f in SegmentConfig.model_fields if f != "preset"]
    out = (f"| field | {' | '.join(f'`{p}`' for p in presets)} |\n"
           f"|---|{'---|' * len(presets)}\n")
    for name in fields:
        cells = []
        for p in presets:
            value = _value(getattr(configs[p], name))
            cells.append(f"**{value}**" if name in SEGMENT_PRESETS[p] else value)
        out += f"| `{name}` | {' | '.join(cells)} |\n"
    return out + ("\nBold: set by the preset; other values are the defaults of `segments[]`. "
                  "`trust_weight` none: the segment uses `behaviour.commitment_trust_weight`.\n")


LIFECYCLE_HOOKS = ("launch", "withdraw", "begin_week")
"""Policy hooks called by the firm (phase 1) rather than per customer by the model."""


def policy_hooks(kind: str) -> list[str]:
    """The hooks a policy kind's class defines itself (phase-1 hooks, then per-customer ones)."""
    from relsim.policies.base import HOOKS, Policy

    cls = POLICY_CLASSES[kind]
    return [h for h in LIFECYCLE_HOOKS if getattr(cls, h) is not getattr(Policy, h)] + [
        h for h in HOOKS if callable(getattr(cls, h, None))]


def hook_table() -> str:
    """Which policy kind defines which hook: one row per kind, one column per hook."""
    from relsim.policies.base import HOOKS

    hooks = [*LIFECYCLE_HOOKS, *HOOKS]
    out = (f"| kind | {' | '.join(f'`{h}`' for h in hooks)} |\n"
           f"|---|{'---|' * len(hooks)}\n")
    for kind in POLICY_CLASSES:
        defined = policy_hooks(kind)
        out += f"| `{kind}` | {' | '.join('✓' if h in defined else '' for h in hooks)} |\n"
    return out


def report_outcome_table() -> str:
    """The outcomes of the comparison report (``relsim.report.outcomes.OUTCOMES``)."""
    from relsim.report.outcomes import OUTCOMES

    out = "| outcome | column | unit | definition |\n|---|---|---|---|\n"
    for o in OUTCOMES:
        out += f"| {o.label} | `{o.name}` | {o.unit} | {o.doc} |\n"
    return out


BLOCKS = {"segment presets": preset_table, "policy hooks": hook_table,
          "report outcomes": report_outcome_table}
"""Generated blocks of ODD.md besides parameter tables, between ``<!-- BEGIN NAME -->`` and
``<!-- END NAME -->``."""


def update_odd(text: str) -> str:
    """``text`` with every marked parameter block re-rendered from the current declarations."""
    rows = {r["parameter"]: r for r in documented_rows()}

    def render(match: re.Match) -> str:
        missing = [p for p in match.group(2).split() if p not in rows]
        if missing:
            raise KeyError(f"ODD.md names unknown parameters {missing}")
        body = table([rows[p] for p in match.group(2).split()])
        return f"{match.group(1)}\n{body}\n{match.group(3)}"

    def render_named(match: re.Match) -> str:
        if match.group(2) not in BLOCKS:
            raise KeyError(f"ODD.md names an unknown generated block {match.group(2)!r}")
        return f"{match.group(1)}\n{BLOCKS[match.group(2)]()}\n{match.group(3)}"

    return _NAMED.sub(render_named, _BLOCK.sub(render, text))


def main(argv: list[str] | None = None) -> None:
    """Print docs/parameters.md, or with ``--odd PATH`` refresh the tables of an ODD file."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--odd"] and len(argv) == 2:
        with open(argv[1], encoding="utf-8") as f:
            text = f.read()
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write(update_odd(text))
    elif argv == ["--tables"]:
        from relsim.tables import dictionary_markdown

        sys.stdout.buffer.write(dictionary_markdown().encode("utf-8"))
    elif argv:
        sys.exit("usage: python -m relsim.odd [--odd docs/ODD.md | --tables]")
    else:
        sys.stdout.buffer.write(parameter_markdown().encode("utf-8"))


if __name__ == "__main__":
    main()
