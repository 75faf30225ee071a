"""Scenario files: YAML in, validated configuration out, errors with file, line and field.

A scenario file holds the model configuration (the layout of
:class:`~relsim.config.ModelConfig`) plus how to run it (``name``,
``description``, ``seed``, ``replications``) and the ``variants`` compared
side by side; ``scenarios/example.yaml`` is a commented example and
``relsim schema`` prints the JSON Schema.

Variants
--------
``variants`` maps a name (letters, digits, ``-``, ``_``) to overrides of the
base scenario, keyed as in :func:`~relsim.config.apply_overrides`: a dotted
path (``firms.0.policies``, ``behaviour.trust_loss``) or a unique leaf name
(``trust_loss``)::

    variants:
      baseline: {}
      loyalty-programme:
        firms.0.policies: [{kind: loyalty}]
      forgiving:
        trust_loss: 0.1

An override replaces the value at its path, except that a mapping given for
a section (``behaviour: {trust_loss: 0.1}``, ``firms.0: {price: 2.0}``) is
merged into it.  The variant named ``baseline`` is the base scenario (it may
have overrides too); without one, the base scenario is added as
``baseline``.  Variants share the run settings and the horizon (``steps``).
Every variant is validated at load time like the base, its errors pointing
at the variant's key: ``FILE:LINE:COLUMN: variants.NAME.KEY: ...``.

Loading is strict, and every problem is a :class:`ScenarioError` whose
message is one line, ``FILE:LINE:COLUMN: field.path: what was expected``:

* the text must be UTF-8 and at most :data:`MAX_BYTES` long;
* YAML is parsed with ``yaml.SafeLoader`` only, so tags such as
  ``!!python/object/apply`` are errors, never constructed objects; duplicate
  keys are errors (merge keys ``<<: *anchor`` are allowed); documents nested
  deeper than :data:`MAX_DEPTH` or with more than :data:`MAX_NODES` nodes
  (recursive or exponential aliases) are refused;
* values are validated by pydantic in strict mode: no silent coercion of
  ``"5000"`` or ``yes`` to numbers, or of ``5000.0`` to an integer;
  pydantic's error location is mapped back to the line and column of the
  offending key, and an unknown key gets a close-match suggestion;
* an edge-list file (``network.path``, relative to the scenario file) is
  parsed at load time, so a missing or malformed file is reported before any
  run starts.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
import reprlib
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from relsim.config import (
    SEGMENT_PRESETS,
    ModelConfig,
    P,
    SegmentConfig,
    parameter_table,
    resolve_key,
)
from relsim.network import NetworkFileError, read_edge_list
from relsim.policies import POLICY_CLASSES

MAX_BYTES = 16 * 2**20
"""Largest scenario file read (bytes)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted in a scenario file."""
MAX_NODES = 200_000
"""Most YAML nodes accepted in a scenario file once aliases are expanded."""

Positions = dict[tuple, tuple[int, int]]
"""Field path (keys and list indices) -> (line, column), 1-based, of its key or list item."""


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    """1-based (line, column) of a YAML mark."""
    return mark.line + 1, mark.column + 1


def _at(source: str, position: tuple[int, int]) -> str:
    return f"{source}:{position[0]}:{position[1]}"


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line for the user."""


BASELINE = "baseline"
"""Name of the base scenario among the variants (always the first variant)."""
VARIANT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a variant name may be: it names output rows and, in reports, files."""
MODEL_FIELDS = frozenset(ModelConfig.model_fields)
_DEFER_VARIANTS = "relsim.scenario: variants checked by the caller"


def _variant_name(name: str) -> str:
    if not VARIANT_NAME.fullmatch(name):
        raise ValueError(f"variant names are 1 to 64 letters, digits, '-' or '_' (got {name!r})")
    return name


def _variants_json_schema() -> dict[str, Any]:
    """JSON Schema of ``variants`` for editors: the names, and the dotted parameter paths as
    known keys of each variant (leaf names and list paths such as ``firms.0.price`` are
    accepted too)."""
    keys = {}
    for row in parameter_table(ModelConfig):
        if row["parameter"] == "steps":  # shared by all variants
            continue
        schema: dict[str, Any] = {"description": row["doc"]}
        if row["min"] is not None:
            schema["minimum"] = row["min"]
        if row["max"] is not None:
            schema["maximum"] = row["max"]
        keys[row["parameter"]] = schema
    return {"unit": "", "source": "",
            "propertyNames": {"pattern": f"^{VARIANT_NAME.pattern}$"},
            "additionalProperties": {
                "type": ["object", "null"], "additionalProperties": True, "properties": keys,
                "description": "overrides of the base scenario: dotted path (firms.0.policies) "
                               "or unique leaf name (trust_loss) -> value"}}


class Scenario(ModelConfig):
    """A scenario file: the model configuration, how to run it, and its variants."""

    name: str = P("scenario", doc="scenario name, used in reports")
    description: str = P("", doc="what question the scenario answers")
    seed: int = P(0, 0, 2**63 - 1, doc="root seed of all randomness")
    replications: int = P(1, 1, 10_000, doc="independent replications (derived seeds)")
    focal_firm: str | None = P(None, doc="the firm whose outcomes the report headlines, by "
                               "name (default: the first firm)")
    variants: dict[Annotated[str, AfterValidator(_variant_name)], dict[str, Any]] = Field(
        {}, description="named overrides of the base scenario, compared side by side with "
        "common random numbers (none: the base scenario alone, as 'baseline')",
        json_schema_extra=_variants_json_schema())

    _base_dir: Path | None = PrivateAttr(None)
    """Directory a variant's relative ``network.path`` resolves against (None: working dir)."""
    _source: Path | None = PrivateAttr(None)
    """The file the scenario was read from (None: built in Python)."""

    @field_validator("variants", mode="before")
    @classmethod
    def _no_overrides_is_empty(cls, variants: Any) -> Any:
        """``name:`` with nothing after it is a variant without overrides; ``variants:``
        with nothing after it (all commented out) means no variants."""
        if variants is None:
            return {}
        if isinstance(variants, dict):
            return {k: {} if v is None else v for k, v in variants.items()}
        return variants

    @model_validator(mode="after")
    def _variants_are_valid(self, info: ValidationInfo) -> Scenario:
        if self.variants and _DEFER_VARIANTS not in (info.context or {}):
            _, problems = _build_variants(self)
            if problems:
                loc, msg = problems[0]
                raise ValueError(f"{_dotted(loc)}: {msg}")
        return self

    def header(self) -> str:
        """The comment block at the top of the scenario's file (the question it answers, by
        convention), without the ``#`` marks; empty if there is none or no file."""
        if self._source is None:
            return ""
        try:
            lines = self._source.read_text(encoding="utf-8").splitlines()
        except OSError:
            return ""
        block = []
        for line in lines:
            if not line.lstrip().startswith("#"):
                if block or line.strip():
                    break
                continue
            text = line.lstrip()[1:]
            block.append(text[1:] if text.startswith(" ") else text)
        return "\n".join(block).strip()

    def focal(self) -> str:
        """The firm the report headlines: ``focal_firm``, or the first firm."""
        return self.focal_firm or self.firms[0].name

    def model_part(self) -> ModelConfig:
        """The model configuration of the base scenario, without the run settings."""
        data = self.model_dump(include=set(ModelConfig.model_fields))
        return ModelConfig.model_validate(data)

    def variant_names(self) -> list[str]:
        """Names of the variants, ``baseline`` first, the others in file order."""
        return [BASELINE, *(name for name in self.variants if name != BASELINE)]

    def variant_configs(self) -> dict[str, ModelConfig]:
        """The model configuration of every variant, ``baseline`` first; a relative
        ``network.path`` set by a variant resolves beside the scenario file."""
        configs, problems = _build_variants(self)
        if problems:
            loc, msg = problems[0]
            raise ScenarioError(f"{_dotted(loc)}: {msg}")
        return configs


# --------------------------------------------------------------------------- YAML with positions

class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *base' is resolved by SafeLoader; explicit keys override merged ones
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            continue  # SafeLoader reports the unhashable key
        if key in seen:
            first = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark)
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


_Entry = tuple[tuple, yaml.Mark, yaml.Node]
"""A path in a YAML document, the mark of its key (or list item) and its value node."""


def _walk(root: yaml.Node, source: str) -> list[_Entry]:
    """Every path in a composed document (paths under a duplicate key appear twice).

    Refuses documents nested deeper than MAX_DEPTH or with more than MAX_NODES
    nodes (recursive or exponentially repeated aliases).
    """
    out: list[_Entry] = []
    stack: list[_Entry] = [((), root.start_mark, root)]
    while stack:
        path, mark, node = entry = stack.pop()
        out.append(entry)
        if len(path) > MAX_DEPTH or len(out) > MAX_NODES:
            raise ScenarioError(f"{_at(source, _pos(mark))}: invalid YAML: nested deeper than "
                                f"{MAX_DEPTH} or more than {MAX_NODES} nodes (recursive or "
                                "repeated aliases?)")
        if isinstance(node, yaml.MappingNode):  # complex keys cannot be constructed: skip them
            stack.extend((path + (k.value,), k.start_mark, v) for k, v in node.value
                         if isinstance(k, yaml.ScalarNode))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((path + (i,), item.start_mark, item) for i, item in enumerate(node.value))
    return out


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What went wrong, in the user's terms."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "'\\t'" in problem:
        return "tab character: YAML is indented with spaces, never tabs"
    tag = re.match(r"could not determine a constructor for the tag '(.*)'", problem)
    if tag:
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"tag {name!r} is not allowed: scenario files hold plain data only"
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and mark:
        context += f" at line {mark.line + 1}"
    return f"{problem} ({context})" if context else problem


def _yaml_error(exc: yaml.YAMLError, source: str, entries: list[_Entry]) -> str:
    """One line for a YAML error; it names the field if the document was composed."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return f"{source}: invalid YAML: {_yaml_problem(exc)}"
    here = _pos(mark)
    at = [path for path, key, node in entries if here in (_pos(key), _pos(node.start_mark))]
    field = max(at, key=len, default=())
    return (f"{_at(source, here)}:{' ' + _dotted(field) + ':' if field else ''} "
            f"invalid YAML: {_yaml_problem(exc)}")


def parse_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse YAML safely; return the data and the positions of its keys."""
    entries: list[_Entry] = []
    try:
        root = yaml.compose(text, Loader=_UniqueKeyLoader)
        if root is None:
            return {}, {}
        entries = _walk(root, source)
        loader = _UniqueKeyLoader(text)
        try:
            data = loader.construct_document(root)
        finally:
            loader.dispose()
    except RecursionError:
        raise ScenarioError(f"{source}: invalid YAML: nested deeper than {MAX_DEPTH}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(_yaml_error(exc, source, entries)) from None
    return data, {path: _pos(mark) for path, mark, _ in reversed(entries)}


def read_yaml(path: str | os.PathLike) -> tuple[Any, Positions]:
    """Read and parse a YAML file; a missing, unreadable or non-UTF-8 file is a ScenarioError."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{path}: file larger than {MAX_BYTES} bytes: not a scenario file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                            f"offset {exc.start})") from None
    return parse_yaml(text, str(path))


# --------------------------------------------------------------------------- errors

def _sections(annotation: Any) -> list[type[BaseModel]]:
    """The model classes an annotation holds: X, list[X], X | None, a tagged union of Xs."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _sections(arg)]


def _tag(model: type[BaseModel]) -> Any:
    """The ``kind`` tag of a member of a tagged union (policies)."""
    field = model.model_fields.get("kind")
    return field.default if field else None


def _section_at(path: tuple) -> type[BaseModel] | None:
    """The configuration section at ``path`` (list indices skipped, the tag of a tagged
    union, such as a policy's kind, selecting its member), None if there is none."""
    model: type[BaseModel] | None = Scenario
    members: list[type[BaseModel]] = []
    for part in path:
        if isinstance(part, int):
            continue
        if members:  # pydantic puts the tag of a union member in the location
            model = next((m for m in members if _tag(m) == part), None)
            members = []
            if model is not None:
                continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        found = _sections(field.annotation)
        model, members = (found[0], []) if len(found) == 1 else (None, found)
    return model


def _clean_loc(loc: tuple) -> tuple:
    """A pydantic location as the user writes the path: without the tag pydantic adds after
    an item of a tagged union (``firms.0.policies.0.loyalty.x`` -> ``...policies.0.x``) and
    without the ``[key]`` marking a mapping key."""
    out: list = []
    for i, part in enumerate(loc):
        if part == "[key]":
            continue
        if (isinstance(part, str) and part in POLICY_CLASSES and i >= 2
                and isinstance(loc[i - 1], int) and loc[i - 2] == "policies"):
            continue
        out.append(part)
    return tuple(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _position(positions: Positions, loc: tuple) -> tuple[int, int] | None:
    """(line, column) of the deepest part of ``loc`` written in the file, if any (a key that
    YAML read as a number is found by its text)."""
    for k in range(len(loc), -1, -1):
        for path in (loc[:k], tuple(str(p) for p in loc[:k])):
            if path in positions:
                return positions[path]
    return None


def _where(source: str, positions: Positions, loc: tuple) -> str:
    """``FILE:LINE:COLUMN`` of ``loc`` (just ``FILE`` if it has no position)."""
    position = _position(positions, loc)
    return _at(source, position) if position else source


def _message(err: dict) -> tuple[tuple, str]:
    """The location and message of one pydantic error, in the user's terms."""
    raw = tuple(err["loc"])
    loc = _clean_loc(raw)
    if err["type"] == "extra_forbidden":
        section = _section_at(raw[:-1])
        close = difflib.get_close_matches(str(loc[-1]), list(section.model_fields), n=1) \
            if section else []
        return loc, f"unknown key{'; did you mean ' + repr(close[0]) + '?' if close else ''}"
    if err["type"] == "union_tag_invalid":  # an unknown policy kind
        ctx = err["ctx"]
        key, tag = ctx["discriminator"].strip("'"), str(ctx["tag"])
        tags = re.findall(r"'([^']*)'", ctx["expected_tags"])
        close = difflib.get_close_matches(tag, tags, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return loc + (key,), f"unknown {key} {tag!r}; {hint}expected one of: {', '.join(tags)}"
    if err["type"] == "union_tag_not_found":
        key = err["ctx"]["discriminator"].strip("'")
        return loc, f"missing {key!r}: expected one of: {', '.join(POLICY_CLASSES)}"
    msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
    named = re.match(r"[a-z_]+", msg)
    if err["type"] == "value_error" and named and len(raw) > len(loc) and raw[-1] != "[key]":
        section = _section_at(raw)  # a policy's validator: point at the field it names
        if section and named.group(0) in section.model_fields:
            loc += (named.group(0),)
    named = re.match(r"([a-z_][\w.]*):? ", msg)  # a model validator naming its field
    if not loc and named:
        path = tuple(named.group(1).split("."))
        section = _section_at(path[:-1])
        if section and path[-1] in section.model_fields:
            loc, msg = path, msg.removeprefix(named.group(1) + ": ")
    value = err.get("input")
    if err["type"] in ("missing", "value_error"):
        pass  # nothing was given, or the validator's message says what was
    elif isinstance(value, (dict, list)):
        msg += f" (got a {'mapping' if isinstance(value, dict) else 'list'})"
    else:
        msg += f" (got {reprlib.repr(value)})"
        if isinstance(value, str) and _is_number(value):
            msg += "; write numbers without quotes, exponents with a dot (1.0e6)"
    return loc, msg


def format_validation_error(exc: ValidationError, source: str, positions: Positions) -> str:
    """One line: FILE:LINE:COLUMN: field.path: message, for the error nearest the top of the
    file, with the count of the others."""
    errors = [_message(err) for err in exc.errors()]
    loc, msg = min(errors, key=lambda e: _position(positions, e[0]) or (math.inf, 0))
    more = len(errors) - 1
    tail = f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""
    return f"{_where(source, positions, loc)}: {_dotted(loc) or '(top level)'}: {msg}{tail}"


# --------------------------------------------------------------------------- variants

class _Bad(Exception):
    """A variant override that cannot be applied; the message is for the user."""


def _override_path(key: str) -> tuple[str, ...]:
    """The parameter path a variant key names (``trust_loss`` -> behaviour.trust_loss)."""
    head = re.split(r"\.|__", key, maxsplit=1)[0]
    if head in Scenario.model_fields and head not in MODEL_FIELDS:
        raise _Bad(f"{head!r} is a run setting shared by all variants: set it at the top level")
    if head == "steps":
        raise _Bad("the horizon is shared by all variants (they are compared week by week): "
                   "set 'steps' at the top level")
    try:
        path = resolve_key(key)
    except KeyError as exc:
        raise _Bad(str(exc.args[0]).replace(f"unknown parameter {key!r}", "unknown parameter")
                   ) from None
    if "" in path:
        raise _Bad("empty part in the parameter path (write e.g. firms.0.price)")
    return path


def _merged(old: Any, new: Any) -> Any:
    """``new`` merged into ``old`` where both are mappings, else ``new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for key, value in new.items():
            out[key] = _merged(old[key], value) if key in old else copy.deepcopy(value)
        return out
    return copy.deepcopy(new)


_UNSET = object()


def _explicit(model: BaseModel) -> dict:
    """The values set explicitly in a configuration section; for a segment with a preset,
    without the values its preset filled in, so that a variant may change the preset."""
    data = model.model_dump(exclude_unset=True)
    if isinstance(model, SegmentConfig) and model.preset:
        preset = SEGMENT_PRESETS[model.preset]
        data = {k: v for k, v in data.items() if k == "preset" or preset.get(k, _UNSET) != v}
    return data


def _base_data(scenario: Scenario) -> tuple[dict, dict, dict]:
    """The base scenario as data for variants: its explicitly set values, all its values,
    and its lists of sections (firms, segments) as explicitly set values."""
    include = set(MODEL_FIELDS)
    lists = {}
    for name in include:
        items = getattr(scenario, name)
        if isinstance(items, list) and items and all(isinstance(i, BaseModel) for i in items):
            lists[name] = [_explicit(item) for item in items]
    data = scenario.model_dump(include=include, exclude_unset=True)
    data.update({name: value for name, value in lists.items() if name in data})
    return data, scenario.model_dump(include=include), lists


def _assign(data: dict, full: dict, lists: dict, path: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at ``path`` in ``data`` (the explicitly set values of the base scenario),
    merging a mapping into a section; ``full`` (all values) and ``lists`` (the top-level
    lists as set values) supply the sections and lists that ``data`` leaves at their
    defaults.  An unknown last key is left for pydantic."""
    node, fallback = data, full
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        where = ".".join(path[:depth])
        if isinstance(node, list):
            size = len(node)
            if not (part.isdigit() and int(part) < size):
                entries = f"has {size} entr{'y' if size == 1 else 'ies'}" if size else "is empty"
                raise _Bad(f"{where} {entries}: no entry {part!r}")
            part = int(part)
            current = node[part]
            fallback = fallback[part] if isinstance(fallback, list) and part < len(fallback) \
                else None
        elif isinstance(node, dict):
            known = fallback if isinstance(fallback, dict) else {}
            if part not in node and part not in known and not last:
                close = difflib.get_close_matches(part, list(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise _Bad(f"unknown key {part!r}{' in ' + where if where else ''}{hint}")
            current, fallback = node.get(part, _UNSET), known.get(part)
        else:
            raise _Bad(f"{where} is a value, not a section: it has no {part!r}")
        if last:
            node[part] = copy.deepcopy(value) if current is _UNSET else _merged(current, value)
        else:
            if current is _UNSET:  # a section left at its defaults, or a default list
                current = node[part] = {} if isinstance(fallback, dict) else copy.deepcopy(
                    lists[part] if depth == 0 and part in lists else fallback)
            node = current


def _blame(at: tuple, loc: tuple, msg: str, paths: dict[str, tuple]) -> tuple[tuple, str]:
    """Where in the file (under the variant ``at``) an error at config path ``loc`` belongs:
    inside an override's value, at the override that changed something under ``loc``, or
    at the variant itself."""
    text = tuple(str(p) for p in loc)
    for key, path in paths.items():
        if text[:len(path)] == path:
            return at + (key,) + tuple(loc[len(path):]), msg
    related = [key for key, path in paths.items() if loc and path[:len(text)] == text]
    if related or len(paths) == 1:  # else the variant as a whole is to blame
        return at + ((related or list(paths))[0],), f"{_dotted(loc) or '(top level)'}: {msg}"
    return at, f"{_dotted(loc) or '(top level)'}: {msg}"


def _build_variants(scenario: Scenario, checked: dict | None = None
                    ) -> tuple[dict[str, ModelConfig], list[tuple[tuple, str]]]:
    """The configuration of every variant, and the problems as (location in the file,
    message).  With ``checked`` ({(edge-list file, n_customers): error or None}), edge-list
    files that variants use are parsed too."""
    base, full, lists = _base_data(scenario)
    base_dir = scenario._base_dir or Path.cwd()
    configs: dict[str, ModelConfig] = {}
    problems: list[tuple[tuple, str]] = []
    lower: dict[str, str] = {}
    for name in scenario.variant_names():
        at = ("variants", name)
        if lower.setdefault(name.lower(), name) != name:
            other = lower[name.lower()]
            problems.append((at, f"variant names must differ in more than case (see {other!r})"))
            continue
        data, paths, ok = copy.deepcopy(base), {}, True
        for key, value in scenario.variants.get(name, {}).items():
            try:
                path = _override_path(key)
                clash = next((k for k, p in paths.items()
                              if p[:len(path)] == path or path[:len(p)] == p), None)
                if clash is not None:
                    raise _Bad(f"sets the same parameter as {clash!r}" if paths[clash] == path
                               else f"overlaps {clash!r}: give one or the other")
                _assign(data, full, lists, path, value)
            except _Bad as exc:
                problems.append((at + (key,), str(exc)))
                ok = False
                continue
            paths[key] = path
        if not ok:
            continue
        try:
            config = ModelConfig.model_validate(data, strict=True)
        except ValidationError as exc:
            problems.extend(_blame(at, *_message(err), paths) for err in exc.errors())
            continue
        if config.network.path is not None:
            resolved = base_dir / config.network.path
            if checked is not None:
                file = (resolved, config.n_customers)
                if file not in checked:
                    try:
                        read_edge_list(resolved, config.n_customers)
                        checked[file] = None
                    except NetworkFileError as exc:
                        checked[file] = str(exc)
                if checked[file]:
                    problems.append(_blame(at, ("network", "path"), checked[file], paths))
                    continue
            config = config.model_copy(update={"network": config.network.model_copy(
                update={"path": str(resolved)})})
        configs[name] = config
    return configs, problems


# --------------------------------------------------------------------------- validation

def validate_scenario(data: Any, source: str, positions: Positions | None = None,
                      base_dir: Path | None = None) -> Scenario:
    """Validate parsed YAML as a Scenario, its variants included; a relative
    ``network.path`` resolves against ``base_dir`` (default: the working directory) and the
    edge list is parsed now."""
    positions = positions or {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{_where(source, positions, ())}: (top level): expected a mapping of "
                            f"scenario settings, got {type(data).__name__}")
    base_dir = base_dir or Path.cwd()
    try:
        scenario = Scenario.model_validate(data, strict=True, context={_DEFER_VARIANTS: True})
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, positions)) from None
    checked: dict = {}
    if scenario.network.path is not None:
        resolved = base_dir / scenario.network.path
        try:
            read_edge_list(resolved, scenario.n_customers)
        except NetworkFileError as exc:
            where = _where(source, positions, ("network", "path"))
            raise ScenarioError(f"{where}: network.path: {exc}") from None
        checked[(resolved, scenario.n_customers)] = None
        scenario = scenario.model_copy(
            update={"network": scenario.network.model_copy(update={"path": str(resolved)})})
    scenario._base_dir = base_dir
    if scenario.focal_firm is not None and scenario.focal_firm not in \
            (names := [f.name for f in scenario.firms]):
        where = _where(source, positions, ("focal_firm",))
        raise ScenarioError(f"{where}: focal_firm: expected the name of a firm "
                            f"({', '.join(names)}), got {scenario.focal_firm!r}")
    _, problems = _build_variants(scenario, checked)
    if problems:
        loc, msg = min(problems, key=lambda p: _position(positions, p[0]) or (math.inf, 0))
        more = len(problems) - 1
        tail = f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""
        raise ScenarioError(f"{_where(source, positions, loc)}: {_dotted(loc)}: {msg}{tail}")
    return scenario


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read, parse and validate a scenario file."""
    data, positions = read_yaml(path)
    scenario = validate_scenario(data, str(path), positions, base_dir=Path(path).resolve().parent)
    scenario._source = Path(path).resolve()
    return scenario


def load_model_config(path: str | os.PathLike) -> ModelConfig:
    """The model configuration of a scenario file."""
    return load_scenario(path).model_part()
