"""Render a report, a list of blocks, as Markdown and as one self-contained HTML page.

A block is a tuple: ``("h1" | "h2" | "p" | "quote", text)``, ``("list", [text, ...])``,
``("table", DataFrame)`` or ``("image", file name under plots/, caption)``.  Text may use
Markdown's ``**bold**`` and ```code```; nothing else is interpreted.  The HTML page embeds
the images as base64 data, so it can be mailed or archived as one file.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd

Block = tuple

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #1f77b4; padding-bottom: .2em; }
h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f4f8; }
blockquote { color: #444; border-left: 4px solid #ccc; margin: 1em 0; padding: .2em 1em;
             white-space: pre-wrap; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; }
figcaption { font-size: .9em; color: #555; }
code { background: #f4f4f4; padding: 0 .2em; }
"""


def _cell(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _md(text: str) -> str:
    """Text for Markdown: HTML characters escaped (a name such as ``<b>A</b>`` stays text in
    every renderer) and line breaks folded (a name can never break a table)."""
    return " ".join(html.escape(text, quote=False).splitlines())


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown pipe table, its index as the first column."""
    head = [frame.index.name or "", *map(str, frame.columns)]
    rows = [[_cell(i), *map(_cell, row)] for i, row in zip(frame.index, frame.to_numpy())]

    def line(cells):
        return "| " + " | ".join(_md(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(head), "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
                      *map(line, rows)])


def to_markdown(blocks: list[Block]) -> str:
    """The report as Markdown; images are linked as ``plots/NAME``."""
    out = []
    for kind, *rest in blocks:
        if kind == "h1":
            out.append(f"# {_md(rest[0])}")
        elif kind == "h2":
            out.append(f"## {_md(rest[0])}")
        elif kind == "p":
            out.append(_md(rest[0]))
        elif kind == "quote":
            out.append("\n".join(f"> {_md(line)}".rstrip() for line in rest[0].splitlines()))
        elif kind == "list":
            out.append("\n".join(f"- {_md(item)}" for item in rest[0]))
        elif kind == "table":
            out.append(markdown_table(rest[0]))
        elif kind == "image":
            name, caption = rest
            out.append(f"![{_md(caption)}](plots/{name})\n\n*{_md(caption)}*")
        else:
            raise ValueError(f"unknown report block {kind!r}")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    """Escape for HTML, then turn ``**bold**`` and ```code``` into tags."""
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def html_table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table, its index as the first column."""
    head = "".join(f"<th>{_inline(str(c))}</th>" for c in [frame.index.name or "",
                                                            *frame.columns])
    body = "".join("<tr>" + "".join(f"<td>{_inline(_cell(c))}</td>" for c in [i, *row])
                   + "</tr>" for i, row in zip(frame.index, frame.to_numpy()))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(blocks: list[Block], plots_dir: Path, title: str) -> str:
    """The report as one HTML page with the images of ``plots_dir`` embedded."""
    out = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "p"):
            out.append(f"<{kind}>{_inline(rest[0])}</{kind}>")
        elif kind == "quote":
            out.append(f"<blockquote>{_inline(rest[0])}</blockquote>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in rest[0]) + "</ul>")
        elif kind == "table":
            out.append(html_table(rest[0]))
        elif kind == "image":
            name, caption = rest
            data = base64.b64encode((plots_dir / name).read_bytes()).decode("ascii")
            out.append(f'<figure><img alt="{html.escape(caption)}" '
                       f'src="data:image/png;base64,{data}"><figcaption>{_inline(caption)}'
                       "</figcaption></figure>")
        else:
            raise ValueError(f"unknown report block {kind!r}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(out) + "\n</body></html>\n")
