"""Package namespaces whose public names are imported on first use (PEP 562).

``import relsim`` and the command line must start at once (Ctrl-C during start-up
prints one line, ``relsim --help`` answers in a blink), and importing one command
module (``relsim.calibration.cli``) must not import its package's heavy parts.  A
package lists its public names and the modules defining them; :func:`exports` gives
the module-level ``__getattr__`` and ``__dir__`` that import each on first use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(package: str, names: dict[str, str]
            ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``names`` maps each public name to
    the module that defines it (the name there may differ: ``"load": "mod:load_x"``)."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = names[name].partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        setattr(sys.modules[package], name, value)  # found directly next time
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
