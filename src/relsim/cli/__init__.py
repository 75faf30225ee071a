"""The ``relsim`` command line.

    relsim run SCENARIO.yaml --out DIR     run every variant, write the tables and a report
    relsim validate FILE...                check scenario files without running them
    relsim schema                          the JSON Schema of scenario files
    relsim sweep EXPERIMENT.yaml --out DIR run an experiment's design (docs/experiments.md)
    relsim analyze DIR                     sensitivity indices, response plots, PRIM boxes
    relsim calibrate FILE --out DIR        fit to observed retention, beside the sBG model
    relsim export-clv RUN_DIR --out FILE   transactions in the shape CLV libraries read
    relsim app [SCENARIO.yaml]             the interactive app in the browser
    relsim --version;  python -m relsim ...

``SCENARIO.yaml`` may be ``-``: the scenario is read from standard input.  Every
command takes ``-q`` (no progress bar) and ``-v`` (a traceback on an unexpected
error).  Each command lives in its own module (:mod:`relsim.cli.scenarios`,
:mod:`relsim.clv.cli`, :mod:`relsim.app.cli`, ...), which adds its parser and sets
its handler; this module assembles them and is the one place that turns errors
into exit statuses:

* 0 done; 2 bad input -- a file, a flag, an output directory relsim must not write, a run
  that does not fit the memory (any :class:`relsim.inputs.InputError`, one line naming
  the file or flag, the field and what was expected, never a traceback; a usage error
  ends with "Try 'relsim CMD --help'"); 1 a system error (disk full, a worker process
  killed, ...; one line); 130 interrupted (Ctrl-C, SIGTERM or SIGHUP).

Only the standard library is imported with this module; the rest is imported inside
:func:`main`'s handling of Ctrl-C, so even an early Ctrl-C prints one line.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WORKERS = 1024
"""Most worker processes ``--workers`` accepts (more than the CPUs are lowered to them)."""
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

COMMANDS = (
    ("relsim.cli.scenarios", "add_parsers", None),
    ("relsim.experiments.cli", "add_parsers", None),
    ("relsim.calibration.cli", "add_parser", None),
    ("relsim.clv.cli", "add_parser", "command_export_clv"),
    ("relsim.app.cli", "add_parser", "command_app"),
)
"""Modules of the subcommands: (module, function that adds the parsers, handler or None
when the function sets each parser's ``handler`` itself)."""


class UsageError(Exception):
    """Bad command-line input; the message is one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line ending with where to find help."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}. Try '{self.prog} --help'")


def integer_in(what: str, low: int, high: int):
    """argparse type: an integer in [low, high]; else one line naming what was expected."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} in [{low}, {high}], got "
                                             f"{text!r}")
        return value

    return parse


WORKERS = integer_in("a number of worker processes", 1, MAX_WORKERS)
"""argparse type of every ``--workers``."""


def common_options() -> argparse.ArgumentParser:
    """The options every command takes: ``-q`` and ``-v``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    common.add_argument("-v", "--verbose", action="store_true",
                        help="show the traceback of an unexpected error")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``relsim`` command, every subcommand included."""
    from relsim.version import __version__

    parser = Parser(prog="relsim", description="Agent-based simulation of customer "
                    "relationships. Run 'relsim CMD --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"relsim {__version__}")
    sub = _Subcommands(parser.add_subparsers(dest="command", required=True,
                                             parser_class=Parser, metavar="CMD"))
    for module, adder, handler in COMMANDS:
        loaded = importlib.import_module(module)
        for command in sub.adding(getattr(loaded, adder)):
            if handler is not None:
                command.set_defaults(handler=getattr(loaded, handler))
    return parser


class _Subcommands:
    """The subparsers of ``relsim``, handed to each command module: every command it adds
    gets the common options (:func:`common_options`)."""

    def __init__(self, action) -> None:
        self._action = action
        self._common = common_options()
        self._added: list[argparse.ArgumentParser] = []

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        kwargs["parents"] = [*kwargs.get("parents", ()), self._common]
        command = self._action.add_parser(name, **kwargs)
        self._added.append(command)
        return command

    def adding(self, add) -> list[argparse.ArgumentParser]:
        """Call ``add(self)``; return the parsers it added."""
        start = len(self._added)
        add(self)
        return self._added[start:]


def _error(exc: BaseException) -> None:
    print("error: " + " ".join(str(exc).splitlines()), file=sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _termination_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt, like Ctrl-C (only where their action is
    the default one: ``nohup`` keeps ignoring SIGHUP)."""
    installed = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) == signal.SIG_DFL:
                installed[number] = signal.signal(number, _interrupt)
    try:
        yield
    finally:
        for number, previous in installed.items():
            signal.signal(number, previous)


def _main(argv: list[str] | None) -> int:
    from concurrent.futures.process import BrokenProcessPool

    from relsim.inputs import InputError

    args = None
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (InputError, UsageError) as exc:
        _error(exc)
        return EXIT_BAD_INPUT
    except BrokenProcessPool:
        _error(RuntimeError("a worker process died (out of memory?); finished runs are kept: "
                            "run the same command again, perhaps with fewer --workers"))
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (relsim schema | head): nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            _error(RuntimeError(f"name too long: {exc.filename}"[:300]))
        else:
            _error(exc)
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line, the traceback with -v
        if args is not None and getattr(args, "verbose", False):
            raise
        _error(RuntimeError(f"unexpected {type(exc).__name__}: {exc} (run again with -v for "
                            "the traceback, and please report it)"))
        return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``relsim`` console script; returns the exit status."""
    with _termination_interrupts():
        try:
            return _main(argv)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
