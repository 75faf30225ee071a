"""Make the pictures and the quoted output of docs/tutorial.md from real runs.

From the repository root::

    python docs/tutorial_figures.py            # docs/tutorial/*.png, and the output quoted
                                               # in docs/tutorial.md refreshed
    python docs/tutorial_figures.py --out DIR  # the pictures in DIR, the quoted output in
                                               # DIR/quoted.md; docs/ is left alone
    python docs/tutorial_figures.py --check    # change nothing; exit 1 saying what in the
                                               # tutorial is not what the commands make

Each of the tutorial's ``relsim`` commands (:data:`COMMANDS`: ``run``, ``sweep``, ``analyze``) is
run as the tutorial shows it, through the ``relsim`` command's own entry point, one after the
other in one temporary directory.  What a command prints (warnings included), and the verdict
of a report, are quoted in the tutorial between ``<!-- output: NAME -->`` and
``<!-- /output -->`` (:data:`QUOTED`); plots of its output are copied under the names the
tutorial shows (:data:`PICTURES`).  ``tests/test_notebooks.py`` runs
this script with ``--check``, so the tutorial cannot drift from what relsim does.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from relsim.cli import main as relsim_main

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
PICTURE_DIR = ROOT / "docs" / "tutorial"

COMMANDS = {
    "example": "relsim run scenarios/example.yaml --out out/example --overwrite",
    "my-question": "relsim run my_question.yaml --out out/my-question",
    "first-sweep": "relsim sweep first_sweep.yaml --out out/first-sweep",
    "first-analysis": "relsim analyze out/first-sweep",
}
"""The tutorial's commands, by name, exactly as the tutorial shows them, in the order they run
(from the repository root; ``my_question.yaml`` is docs/tutorial/first_comparison.yaml and
``first_sweep.yaml`` docs/tutorial/first_sweep.yaml)."""

CHECKOUT = "/home/you/relsim"
"""The directory the tutorial's reader runs the commands in, as printed output shows it."""

SCENARIO_FILES = {"scenarios/example.yaml": ROOT / "scenarios" / "example.yaml",
                  "my_question.yaml": PICTURE_DIR / "first_comparison.yaml",
                  "first_sweep.yaml": PICTURE_DIR / "first_sweep.yaml"}
"""Where the scenario or experiment file each command names is in this repository (a command
whose argument is not here, ``relsim analyze DIR``, reads what an earlier command wrote)."""

PICTURES = {
    "example-stages.png": ("example", "plots/stages.png"),
    "example-market-share.png": ("example", "plots/market_share.png"),
    "my-question-retention.png": ("my-question", "plots/retention.png"),
    "my-question-value.png": ("my-question", "plots/value.png"),
    "first-sweep-heatmap.png": ("first-analysis", "analysis/plots/heatmap-value_gain-transparency-"
                                "firms.0.reliability-firms.0.policies.0.notice_prob.png"),
}
"""Each picture of the tutorial (in docs/tutorial/): the command that drew it and the file in
that command's output directory."""

QUOTED = ("example-printed", "typo-printed", "my-question-printed", "my-question-verdict",
          "first-sweep-printed", "first-analysis-printed")
"""The output blocks the tutorial quotes: NAME-printed is what command NAME prints,
NAME-verdict the verdict of its report, typo-printed what :data:`TYPO` prints."""

TYPO = ("relsim validate my_question.yaml", "reliability", "reliabilty")
"""The tutorial's example of a mistake: the command, run on my_question.yaml with the first
occurrence of a word replaced by a misspelling."""

BLOCK = re.compile(r"(<!-- output: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /output -->)", re.S)


def run_command(name: str, workdir: Path) -> tuple[str, Path]:
    """Run tutorial command ``name`` in ``workdir``; what it prints (stdout and stderr, without
    progress bars) and its output directory (its ``--out``, or the directory it reads)."""
    argv = shlex.split(COMMANDS[name])[1:]
    if argv[1] in SCENARIO_FILES:
        argv[1] = str(SCENARIO_FILES[argv[1]])
    quiet = ["--quiet"] if argv[0] in ("run", "sweep") else []
    printed = io.StringIO()
    with contextlib.chdir(workdir), contextlib.redirect_stdout(printed), \
            contextlib.redirect_stderr(printed):
        status = relsim_main([*argv, *quiet])
    if status != 0:
        raise SystemExit(f"{COMMANDS[name]} failed with exit status {status}")
    text = printed.getvalue()
    for where in {str(workdir.resolve()), str(workdir)}:  # the CLI names the absolute path
        text = text.replace(where, CHECKOUT)
    return text, workdir / (argv[argv.index("--out") + 1] if "--out" in argv else argv[1])


def run_typo(workdir: Path) -> str:
    """The tutorial's mistake (:data:`TYPO`) and what ``relsim validate`` says about it."""
    command, word, typo = TYPO
    path = shlex.split(command)[-1]
    text = SCENARIO_FILES[path].read_text(encoding="utf-8")
    (workdir / path).write_text(text.replace(word, typo, 1), encoding="utf-8")
    said = io.StringIO()
    with contextlib.chdir(workdir), contextlib.redirect_stderr(said):
        status = relsim_main(shlex.split(command)[1:])
    if status != 2:
        raise SystemExit(f"{command} with {typo!r}: expected exit status 2, got {status}")
    return f"$ {command}\n{said.getvalue().rstrip()}"


def verdict(report_md: str) -> str:
    """The verdict's list of a report.md."""
    section = report_md.split("## Verdict", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("- "))


def make(picture_dir: Path) -> dict[str, str]:
    """Run every command, copy its pictures into ``picture_dir``; the quoted blocks by name."""
    picture_dir.mkdir(parents=True, exist_ok=True)
    blocks = {}
    with tempfile.TemporaryDirectory(prefix="relsim-tutorial-") as tmp:
        blocks["typo-printed"] = run_typo(Path(tmp))
        for name in COMMANDS:
            printed, out = run_command(name, Path(tmp))
            blocks[f"{name}-printed"] = printed.rstrip("\n")
            if f"{name}-verdict" in QUOTED:
                blocks[f"{name}-verdict"] = verdict((out / "report.md").read_text(
                    encoding="utf-8"))
            for picture, (command, path) in PICTURES.items():
                if command == name:
                    shutil.copyfile(out / path, picture_dir / picture)
    return {name: blocks[name] for name in QUOTED}


def fenced(name: str, text: str) -> str:
    """A quoted block as the tutorial shows it: printed output in a text fence, a verdict as
    Markdown."""
    return text + "\n" if name.endswith("-verdict") else f"```text\n{text}\n```\n"


def quoted_blocks(markdown: str) -> dict[str, str]:
    """The quoted output blocks of the tutorial, by name."""
    return {m["name"]: m["body"] for m in BLOCK.finditer(markdown)}


def with_blocks(markdown: str, blocks: dict[str, str]) -> str:
    """``markdown`` with each quoted block replaced by the fresh one."""
    return BLOCK.sub(lambda m: m.group(1) + fenced(m["name"], blocks[m["name"]]) + m.group(4),
                     markdown)


def stale(markdown: str, blocks: dict[str, str], made: set[str]) -> list[str]:
    """What in the tutorial ``markdown`` is not what the commands make: pictures it shows that
    are not made (or not in docs/tutorial/), pictures made but not shown, and quoted blocks
    that differ from the fresh ``blocks`` or are missing."""
    shown = set(re.findall(r"!\[[^\]]*\]\(tutorial/([^)]+)\)", markdown))
    problems = [f"shows {name}, which the commands do not make" for name in shown - made]
    problems += [f"does not show {name}" for name in made - shown]
    problems += [f"docs/tutorial/{name} is missing" for name in shown
                 if not (PICTURE_DIR / name).is_file()]
    quoted = quoted_blocks(markdown)
    problems += [f"quotes no {name} block" for name in blocks if name not in quoted]
    problems += [f"its {name} block is not what the commands print now" for name, text
                 in blocks.items() if name in quoted and quoted[name] != fenced(name, text)]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, help="write here instead of docs/ (pictures and "
                       "quoted.md)")
    where.add_argument("--check", action="store_true", help="change nothing; exit 1 if the "
                       "tutorial's pictures or quoted output are not what the commands make")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory(prefix="relsim-tutorial-check-") as tmp:
            blocks = make(Path(tmp))
            made = {p.name for p in Path(tmp).glob("*.png")}
        problems = stale(TUTORIAL.read_text(encoding="utf-8"), blocks, made)
        for problem in problems:
            print(f"docs/tutorial.md: {problem}", file=sys.stderr)
        if problems:
            print("run: python docs/tutorial_figures.py", file=sys.stderr)
        return 1 if problems else 0
    blocks = make(args.out or PICTURE_DIR)
    if args.out:
        (args.out / "quoted.md").write_text(
            "".join(f"<!-- output: {n} -->\n{fenced(n, b)}<!-- /output -->\n\n"
                    for n, b in blocks.items()), encoding="utf-8")
    else:
        TUTORIAL.write_text(with_blocks(TUTORIAL.read_text(encoding="utf-8"), blocks),
                            encoding="utf-8")
    print(f"wrote {len(PICTURES)} pictures and {len(blocks)} quoted outputs "
          f"to {args.out or 'docs/'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
