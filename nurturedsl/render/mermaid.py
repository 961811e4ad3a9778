"""A diagram as a Mermaid `flowchart LR`, which GitHub draws wherever it
appears in Markdown inside a ```mermaid block.

Mermaid has no way to quote a quote inside a label, and reads `#...;` as
an entity, `%%` as a comment, a leading backtick as Markdown and `<...>`
as HTML. So every label is a quoted string in which those characters are
written as numeric entities (`#35;` for `#`), and ids are made of letters,
digits and `_` only, always with a prefix so that none is a keyword such
as `end`.
"""

from __future__ import annotations

import re

from .diagram import LINT_COLOUR, MUTED, TONES, Diagram, legend, pen
from .words import clean, shorten

# shape -> (open, close) around the quoted label
SHAPES = {
    "start": ("([", "])"),
    "email": ("(", ")"),
    "sms": ("[", "]"),
    "linkedin": ("[/", "/]"),
    "ads": ("[/", "\\]"),
    "internal": ("[\\", "/]"),
    "action": ("[", "]"),
    "wait": ("[", "]"),
    "decision": ("{", "}"),
    "wait_until": ("{{", "}}"),
    "end": ("(((", ")))"),
    "exit": ("((", "))"),
    "handoff": ("[[", "]]"),
    "suppress": ("[(", ")]"),
    "move": (">", "]"),
    "flow": ("[", "]"),
    "threshold": ("{", "}"),
}
NOTE = ("[\\", "\\]")
ARROWS = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}
_SPECIAL = set('#"<>&%`;|\\')
_NOT_ID = re.compile(r"[^A-Za-z0-9_]")


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return "".join(f"#{ord(ch)};" if ch in _SPECIAL else ch for ch in clean(text))


def _label(lines: list[str]) -> str:
    return '"' + "<br>".join(escape(line) for line in lines) + '"'


def _ids(diagram: Diagram) -> dict[str, str]:
    """Graph node id -> Mermaid id: readable, unique, in node order."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for node in diagram.nodes:
        base = "n_" + _NOT_ID.sub("_", node.id.strip("@"))
        candidate, k = base, 2
        while candidate in taken:
            candidate, k = f"{base}_{k}", k + 1
        taken.add(candidate)
        out[node.id] = candidate
    return out


def _style(tone: str) -> str:
    fill, border, _ = TONES[tone]
    return f"fill:{fill},stroke:{border},color:#1b1b1b"


def to_mermaid(diagram: Diagram, with_legend: bool = True) -> str:
    ids = _ids(diagram)
    out = ["flowchart LR"]
    out += [f"  %% {escape(line)}" for line in diagram.title]
    by_tone: dict[str, list[str]] = {}
    styles, notes = [], []
    for node in diagram.nodes:
        opening, closing = SHAPES[node.shape]
        lines = list(node.lines)
        if node.findings:
            lines.append("lint: " + ", ".join(sorted({code for code, _ in node.findings})))
        out.append(f"  {ids[node.id]}{opening}{_label(lines)}{closing}")
        by_tone.setdefault(node.tone, []).append(ids[node.id])
        if node.findings:
            styles.append(f"  style {ids[node.id]} stroke:{LINT_COLOUR},stroke-width:3px")
            notes.append((ids[node.id], node.findings))
    red_links = []
    # `render --sim`: (stroke, width) -> the links drawn that way
    widths: dict[tuple[str, str], list[str]] = {}
    for k, edge in enumerate(diagram.edges):
        if edge.width is not None or edge.muted:
            key = (MUTED if edge.muted else "", pen(edge.width if edge.width is not None else 1))
            widths.setdefault(key, []).append(str(k))
        lines = list(edge.lines)
        if edge.findings:
            lines.append("lint: " + ", ".join(sorted({code for code, _ in edge.findings})))
            red_links.append(str(k))
        label = f"|{_label(lines)}|" if lines else ""
        out.append(f"  {ids[edge.source]} {ARROWS[edge.style]}{label} {ids[edge.target]}")
    # Mermaid flowcharts have no notes: a finding is a box of its own, tied
    # to its node by a dotted line.
    for k, (node_id, findings) in enumerate(notes, 1):
        text = [shorten(description, 90) for _, description in findings]
        out.append(f"  lint_{k}{NOTE[0]}{_label(text)}{NOTE[1]}")
        out.append(f"  {node_id} -.- lint_{k}")
        by_tone.setdefault("lint", []).append(f"lint_{k}")
    if with_legend:
        out += _legend(diagram, by_tone)
    for tone in list(TONES) + ["lint"]:
        if tone in by_tone:
            style = _style(tone) if tone != "lint" else f"fill:#fdecea,stroke:{LINT_COLOUR},color:#1b1b1b"
            # prefixed: a class called `end` would close a subgraph
            out.append(f"  classDef tone_{tone} {style}")
            out.append(f"  class {','.join(by_tone[tone])} tone_{tone}")
    out += styles
    for (stroke, width), links in widths.items():
        colour = f"stroke:{stroke}," if stroke else ""
        out.append(f"  linkStyle {','.join(links)} {colour}stroke-width:{width}px")
    if red_links:
        out.append(f"  linkStyle {','.join(red_links)} stroke:{LINT_COLOUR},stroke-width:3px,color:{LINT_COLOUR}")
    return "\n".join(out) + "\n"


def _legend(diagram: Diagram, by_tone: dict[str, list[str]]) -> list[str]:
    out = ['  subgraph legend["Legend"]']
    for k, (shape, tone, text) in enumerate(legend(diagram)):
        opening, closing = SHAPES[shape]
        out.append(f"    legend_{k}{opening}{_label([text])}{closing}")
        by_tone.setdefault(tone, []).append(f"legend_{k}")
    if diagram.notes:
        out.append(f"    legend_notes[{_label(list(diagram.notes))}]")
    out.append("  end")
    return out
