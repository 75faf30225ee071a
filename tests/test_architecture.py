"""The house stays clean: no import circles, narrow layers, small modules.

The import graph is read statically from every ``import`` statement of
``src/relsim`` (function-level and type-checking imports included), so a
circle cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import relsim

SRC = Path(relsim.__file__).parent
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def imports(path: Path) -> set[str]:
    """The relsim modules a file imports (``from relsim.x import y`` is relsim.x.y when y
    is a module, else relsim.x)."""
    out = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("relsim"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if not base.startswith("relsim"):
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in MODULES else base)
    return {m for m in out if m in MODULES} - {module_name(path)}


GRAPH = {name: imports(path) for name, path in MODULES.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components with more than one module (the circles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(component)

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return circles


def test_the_source_has_no_import_circle():
    assert strongly_connected(GRAPH) == []


def test_import_graph_reader_finds_a_planted_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]
    assert "relsim.config" in GRAPH["relsim.model"] or "relsim.overrides" in GRAPH["relsim.model"]


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for m in GRAPH[todo.pop()] - seen:
            seen.add(m)
            todo.append(m)
    return seen


def test_policies_and_rules_see_neither_the_model_nor_the_configuration():
    """Rules are pure functions with their own parameter sections; policies see the model
    through their narrow Context: neither reaches the model, the schema or the runner."""
    forbidden = {"relsim.model", "relsim.config", "relsim.scenario", "relsim.runs",
                 "relsim.firms", "relsim.policyhost"}
    for package in ("relsim.policies", "relsim.rules"):
        for name in [m for m in MODULES if m == package or m.startswith(package + ".")]:
            assert not reachable(name) & forbidden, (name, reachable(name) & forbidden)


def test_importing_policies_and_rules_loads_no_model_or_configuration():
    code = ("import sys, relsim.policies, relsim.rules; "
            "print(sorted(m for m in sys.modules if m in ('relsim.model', 'relsim.config', "
            "'relsim.scenario')))")
    # a fresh interpreter without relsim/__init__ side effects: import the packages' files
    out = subprocess.run([sys.executable, "-c", code.replace(
        "import sys, relsim.policies, relsim.rules",
        "import sys, importlib; sys.modules.setdefault('relsim', type(sys)('relsim')); "
        f"sys.modules['relsim'].__path__ = [{str(SRC)!r}]; "
        "import relsim.policies, relsim.rules")],
        capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_no_source_module_is_over_400_lines():
    long = {name: n for name, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
