"""A diagram as a Mermaid `flowchart TB` (or `LR`), which GitHub draws wherever it
appears in Markdown inside a ```mermaid block.

Mermaid has no way to quote a quote inside a label, and reads `#...;` as
an entity, `%%` as a comment, a leading backtick as Markdown, `<...>` as
HTML and a backslash before `n` as a line break. So every label is a
quoted string in which those characters are written as numeric entities
(`#35;` for `#`), with an invisible word joiner between a backslash and an
`n`, and ids are made of letters, digits and `_` only, always with a
prefix so that none is a keyword such as `end`.

Each node's colours come from exactly one class (a node with a lint
finding is in its tone's `_lint` class) and each link's from at most one
`linkStyle`, never a `style` line on top of a class: Mermaid 10 writes a
class as `!important` CSS, which beats a `style` line, while Mermaid 11
lets the `style` line win, so the two would draw different pictures.
"""

from __future__ import annotations

import re

from .diagram import LINT_COLOUR, MUTED, TONES, Diagram, legend, pen, short_legend
from .words import clean, paragraph

# shape -> (open, close) around the quoted label
SHAPES = {
    "start": ("([", "])"),
    "email": ("(", ")"),
    "sms": ("[", "]"),
    "linkedin": ("[/", "/]"),
    "ads": ("[/", "\\]"),
    "internal": ("[\\", "/]"),
    "action": ("[", "]"),
    "score": ("[", "]"),
    "webhook": ("[", "]"),
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
    out = "".join(f"#{ord(ch)};" if ch in _SPECIAL else ch for ch in clean(text))
    # In a label that has a `<br>`, Mermaid 10 and 11 decode the entities
    # and then read a backslash before `n` as a line break (`C:\new` showed
    # as `C:` over `ew`): an invisible word joiner keeps them apart.
    return out.replace("#92;n", "#92;\u2060n")


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


def to_mermaid(diagram: Diagram, legend_style: str = "none", direction: str = "TB") -> str:
    """`legend_style`: full, compact or none (the default: GitHub shows the
    chart in a page that can say what the shapes mean, and Mermaid puts a
    legend beside the flow, not under it); `direction`: TB or LR."""
    ids = _ids(diagram)
    out = [f"flowchart {direction}"]
    out += [f"  %% {escape(line)}" for line in diagram.title]
    by_class: dict[str, list[str]] = {}
    notes = []
    for node in diagram.nodes:
        opening, closing = SHAPES[node.shape]
        lines = list(node.lines)
        if node.findings:
            lines.append("lint: " + ", ".join(sorted({code for code, _ in node.findings})))
            notes.append((ids[node.id], node.findings))
        out.append(f"  {ids[node.id]}{opening}{_label(lines)}{closing}")
        by_class.setdefault(_class_name(node.tone, bool(node.findings)), []).append(ids[node.id])
    # index of the link -> its style: `render --sim` widths and mutes, lint's red
    link_styles: dict[int, str] = {}
    for k, edge in enumerate(diagram.edges):
        lines = list(edge.lines)
        if edge.findings:
            lines.append("lint: " + ", ".join(sorted({code for code, _ in edge.findings})))
            width = pen(max(3, edge.width or 0))
            link_styles[k] = f"stroke:{LINT_COLOUR},stroke-width:{width}px,color:{LINT_COLOUR}"
        elif edge.width is not None or edge.muted:
            colour = f"stroke:{MUTED}," if edge.muted else ""
            link_styles[k] = f"{colour}stroke-width:{pen(edge.width if edge.width is not None else 1)}px"
        label = f"|{_label(lines)}|" if lines else ""
        out.append(f"  {ids[edge.source]} {ARROWS[edge.style]}{label} {ids[edge.target]}")
    # Mermaid flowcharts have no notes: a finding is a box of its own, tied
    # to its node by a dotted line.
    for k, (node_id, findings) in enumerate(notes, 1):
        text = [line for _, description in findings for line in paragraph(description)]
        out.append(f"  lint_{k}{NOTE[0]}{_label(text)}{NOTE[1]}")
        out.append(f"  {node_id} -.- lint_{k}")
        by_class.setdefault("tone_lint", []).append(f"lint_{k}")
    if legend_style == "full":
        out += _legend(diagram, by_class)
    elif legend_style == "compact":
        out += _compact_legend(diagram, by_class, ids)
    for tone in list(TONES) + ["lint"]:
        for outlined in (False, True) if tone != "lint" else (False,):
            name = _class_name(tone, outlined)
            if name in by_class:
                out.append(f"  classDef {name} {_class_style(tone, outlined)}")
                out.append(f"  class {','.join(by_class[name])} {name}")
    by_style: dict[str, list[str]] = {}
    for k, style in link_styles.items():
        by_style.setdefault(style, []).append(str(k))
    for style, links in by_style.items():
        out.append(f"  linkStyle {','.join(links)} {style}")
    return "\n".join(out) + "\n"


def _class_name(tone: str, outlined: bool) -> str:
    # prefixed: a class called `end` would close a subgraph
    return f"tone_{tone}_lint" if outlined and tone != "lint" else f"tone_{tone}"


def _class_style(tone: str, outlined: bool) -> str:
    if tone == "lint":
        return f"fill:#fdecea,stroke:{LINT_COLOUR},color:#1b1b1b"
    fill, border, _ = TONES[tone]
    if outlined:  # `render --lint`: a node with a finding, outlined in red
        return f"fill:{fill},stroke:{LINT_COLOUR},stroke-width:3px,color:#1b1b1b"
    return f"fill:{fill},stroke:{border},color:#1b1b1b"


def _legend(diagram: Diagram, by_class: dict[str, list[str]]) -> list[str]:
    out = ['  subgraph legend["Legend"]']
    for k, (shape, tone, text) in enumerate(legend(diagram)):
        opening, closing = SHAPES[shape]
        out.append(f"    legend_{k}{opening}{_label([text])}{closing}")
        by_class.setdefault(_class_name(tone, False), []).append(f"legend_{k}")
    if diagram.notes:
        out.append(f"    legend_notes[{_label(list(diagram.notes))}]")
    out.append("  end")
    return out


LEGEND_ROW = 4  # boxes in a row of the compact legend


def _compact_legend(diagram: Diagram, by_class: dict[str, list[str]], ids: dict[str, str]) -> list[str]:
    """Rows of the shapes used, a word or two each, without the notes,
    under the diagram: invisible links (`~~~`) from its last boxes put the
    legend after them and keep each row's boxes side by side, in order."""
    entries = short_legend(diagram)
    if not entries:
        return []
    names = [f"legend_{k}" for k in range(len(entries))]
    rows = [names[k : k + LEGEND_ROW] for k in range(0, len(names), LEGEND_ROW)]
    out = ['  subgraph legend[" "]', "    direction TB"]
    for r, row in enumerate(rows, 1):
        out += [f'    subgraph legend_row_{r}[" "]', "      direction LR"]
        for name in row:
            shape, tone, text = entries[names.index(name)]
            opening, closing = SHAPES[shape]
            out.append(f"      {name}{opening}{_label([text])}{closing}")
            by_class.setdefault(_class_name(tone, False), []).append(name)
        if len(row) > 1:
            out.append("      " + " ~~~ ".join(row))
        out.append("    end")
    out += [f"    legend_row_{r} ~~~ legend_row_{r + 1}" for r in range(1, len(rows))]
    out.append("  end")
    out += [f"  style legend_row_{r} fill:none,stroke:none" for r in range(1, len(rows) + 1)]
    leaving = {edge.source for edge in diagram.edges}
    out += [f"  {ids[node.id]} ~~~ legend" for node in diagram.nodes if node.id not in leaving]
    return out
