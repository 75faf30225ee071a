"""``python -m relsim.app [SCENARIO.yaml] [--port N]``: the same as ``relsim app``."""

from __future__ import annotations

import argparse
import sys

from relsim.app.cli import add_parser, command_app
from relsim.scenario import ScenarioError


class _OneLineParser(argparse.ArgumentParser):
    """Bad flags get one line and exit status 2, as in ``relsim``."""

    def error(self, message: str):
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` as ``relsim app`` does and serve the app; returns the exit status."""
    subparsers = _OneLineParser(prog="python -m relsim.app").add_subparsers(
        parser_class=_OneLineParser)
    args = add_parser(subparsers).parse_args(argv)
    try:
        return command_app(args)
    except ScenarioError as exc:
        print("error: " + " ".join(str(exc).splitlines()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
