"""One self-contained HTML page: the overview and every flow as inline SVG,
each beside its lint findings, for people who do not use git. No script,
no stylesheet or font from the network: the file works opened from a mail
attachment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic
from ..source import Span
from .dot import render, to_dot
from .overlay import describe

if TYPE_CHECKING:
    from .diagram import Diagram

# a place in the playbook as the page shows it (render.diagram.where)
Where = Callable[[Span], str]

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
header { padding: 16px 24px; background: #263238; color: #fff; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #cfd8dc; font-size: 13px; }
nav { padding: 8px 24px; background: #eceff1; font-size: 14px; }
nav a { margin-right: 14px; color: #1565c0; }
section { display: flex; gap: 20px; align-items: flex-start; padding: 16px 24px; border-bottom: 1px solid #ddd; }
.diagram { flex: 1 1 auto; min-width: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
aside { flex: 0 0 320px; font-size: 13px; }
aside h3 { margin: 0 0 8px; font-size: 14px; }
aside li { margin-bottom: 8px; }
.code { font-weight: bold; color: #d32f2f; }
.none { color: #2e7d32; }
h2 { margin: 0 0 8px; font-size: 16px; }
section.wide { flex-direction: column; align-items: stretch; }
section.wide aside { flex: none; }
"""

# a diagram wider than this (CSS px) takes the page's whole width, its
# findings under it: beside a 320 px column, the programme's overview with
# --sim (1596 px) was scaled to 0.62 at a 1400 px window, its arrow labels
# about 6 px high; across the page it is 0.85
WIDE = 900

# what `fitted` markup needs on any page that shows it (simulate --format html too)
FIT_STYLE = """
.diagram .fit svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.diagram details { margin-top: 6px; font-size: 13px; }
.diagram details .full { overflow: auto; border-top: 1px solid #eee; }
.diagram details .full svg { max-width: none; height: auto; }
"""

_ID = re.compile(r'\bid="')
_ID_VALUE = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element of a page: no XML prolog or doctype,
    its ids (and the references to them) prefixed so that two drawings'
    ids cannot collide."""
    text = svg[svg.index("<svg") :]
    text = _ID_VALUE.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    return _REF.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text)


_SIZE = re.compile(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')


def fitted(svg: str, anchor: str) -> str:
    """The diagram scaled down to the column (never up), and the full size
    one click away in a <details>. Graphviz
    gives the size in points and a viewBox, so dropping the fixed size
    lets CSS scale it; the full copy keeps it (its ids get a prefix of
    their own, as ids on a page must be unique)."""
    match = _SIZE.search(svg)
    if match is None:
        return f'<div class="fit">{svg}</div>'
    width, height = (float(x) for x in match.groups())
    # the points as CSS pixels (1pt = 4/3 px) cap the scaled copy: never larger than drawn
    scaled = svg.replace(
        match.group(0),
        f'<svg style="width: {width * 4 / 3:.0f}px; aspect-ratio: {width:g} / {height:g}"',
        1,
    )
    full = _ID.sub(f'id="{anchor}-full-', svg)
    return (
        f'<div class="fit">{scaled}</div>'
        f"<details><summary>Full size ({width * 4 / 3:.0f} × {height * 4 / 3:.0f} px)</summary>"
        f'<div class="full">{full}</div></details>'
    )


def _findings(diagnostics: list[Diagnostic], where: Where) -> str:
    if not diagnostics:
        return '<p class="none">No lint findings.</p>'
    items = []
    for d in diagnostics:
        location = html.escape(where(d.span)) if d.span else ""
        code, _, rest = describe(d).partition(" ")
        items.append(
            f'<li><span class="code">{html.escape(code)}</span> {html.escape(rest)}'
            f"{' (' + location + ')' if location else ''}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def page(
    title: str,
    subtitle: str,
    sections: list[tuple[str, str, Diagram, list[Diagnostic]]],
    where: Where,
    legend_style: str = "compact",
    direction: str = "TB",
) -> str:
    """`sections` are (anchor, heading, diagram, findings) in page order."""
    nav = " ".join(f'<a href="#{anchor}">{html.escape(heading)}</a>' for anchor, heading, _, _ in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}{FIT_STYLE}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>",
        f"<nav>{nav}</nav>",
    ]
    for anchor, heading, diagram, findings in sections:
        svg = inline_svg(render(to_dot(diagram, legend_style, direction), "svg").decode("utf-8"), anchor)
        size = _SIZE.search(svg)
        wide = ' class="wide"' if size is not None and float(size.group(1)) * 4 / 3 > WIDE else ""
        parts += [
            f'<section id="{anchor}"{wide}>',
            f'<div class="diagram"><h2>{html.escape(heading)}</h2>{fitted(svg, anchor)}</div>',
            f"<aside><h3>Lint findings ({len(findings)})</h3>{_findings(findings, where)}</aside>",
            "</section>",
        ]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
