"""A diagram as Graphviz DOT (with the `graphviz` package), and DOT as SVG or
PNG (with Graphviz's `dot` program).

Every text goes through `graphviz.escape` and `nohtml`: a backslash in a
content title must not become a DOT escape such as `\\N`, and a title in
angle brackets must not become an HTML-like label. Lines are then joined
with DOT's own `\\n`.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from .diagram import LINT_COLOUR, MUTED, TONES, Diagram, legend, pen, short_legend

if TYPE_CHECKING:
    # no stubs: to mypy these are Any (pyproject's [tool.mypy]), named for the reader
    import graphviz

FONT = "Helvetica,Arial,sans-serif"

SHAPES = {
    "start": {"shape": "ellipse"},
    "email": {"shape": "box", "style": "rounded,filled"},
    "sms": {"shape": "box"},
    # Graphviz's own parallelogram and trapezium grow very wide around a
    # label of several lines; a gentler polygon keeps the shape readable.
    "linkedin": {"shape": "polygon", "sides": "4", "skew": "0.25", "margin": "0.02,0.02"},
    "ads": {"shape": "polygon", "sides": "4", "distortion": "-0.25", "margin": "0.02,0.02"},
    "internal": {"shape": "polygon", "sides": "4", "distortion": "0.25", "margin": "0.02,0.02"},
    "action": {"shape": "box", "style": "dashed,filled"},
    "score": {"shape": "box", "style": "dotted,filled"},
    "webhook": {"shape": "component", "style": "filled"},
    "wait": {"shape": "box", "style": "dashed,rounded,filled"},
    "decision": {"shape": "diamond"},
    "wait_until": {"shape": "hexagon"},
    "end": {"shape": "doublecircle"},
    "exit": {"shape": "octagon"},
    "handoff": {"shape": "box", "peripheries": "2"},
    "suppress": {"shape": "cylinder"},
    "move": {"shape": "rarrow"},
    "flow": {"shape": "box", "style": "rounded,filled,bold"},
    "threshold": {"shape": "diamond"},
}
EDGE_STYLES = {"solid": None, "dashed": "dashed", "dotted": "dotted"}


class DotMissing(Exception):
    """Graphviz's `dot` program is not installed."""


def _text(lines: list[str], end: str = "\\n") -> str:
    """Lines as one DOT label: `\\n` centres each line, `\\l` left-aligns."""
    import graphviz

    text = end.join(graphviz.escape(line) for line in lines)
    label: str = graphviz.nohtml(text + end if end != "\\n" else text)  # a str marked: never an HTML-like label
    return label


def _node_attrs(shape: str, tone: str) -> dict[str, str]:
    fill, border, _ = TONES[tone]
    attrs = {"shape": "box", "style": "filled", "fillcolor": fill, "color": border}
    attrs.update(SHAPES[shape])
    return attrs


def to_dot(diagram: Diagram, legend_style: str = "compact", direction: str = "TB") -> str:
    """`legend_style`: full, compact or none; `direction`: TB or LR."""
    import graphviz

    g = graphviz.Digraph(
        name=diagram.name,
        graph_attr={
            "rankdir": direction,
            "label": _text(diagram.title, "\\l"),
            "labelloc": "t",
            "labeljust": "l",
            "fontname": FONT,
            "fontsize": "14",
            "nodesep": "0.3",
            "ranksep": "0.45",
            "pad": "0.2",
        },
        node_attr={"fontname": FONT, "fontsize": "10", "margin": "0.12,0.06", "penwidth": "1.2"},
        edge_attr={"fontname": FONT, "fontsize": "9", "color": "#546e7a", "fontcolor": "#37474f", "arrowsize": "0.7"},
    )
    for node in diagram.nodes:
        attrs = _node_attrs(node.shape, node.tone)
        lines, tooltip = list(node.lines), list(node.tooltip)
        if node.findings:
            attrs.update(color=LINT_COLOUR, penwidth="3", fontcolor="#000000")
            lines.append("lint: " + ", ".join(sorted({code for code, _ in node.findings})))
            tooltip += [text for _, text in node.findings]
        if node.id in diagram.links:
            attrs.update(URL=diagram.links[node.id], target="_top")
        g.node(node.id, label=_text(lines), tooltip=_text(tooltip or node.lines), **attrs)
    for edge in diagram.edges:
        attrs = {}
        style = EDGE_STYLES[edge.style]
        if style:
            attrs["style"] = style
        lines, tooltip = list(edge.lines), list(edge.tooltip)
        if edge.width is not None:
            attrs["penwidth"] = pen(edge.width)
        if edge.muted:
            attrs.update(color=MUTED, fontcolor="#78909c")
        if edge.findings:
            attrs.update(color=LINT_COLOUR, fontcolor=LINT_COLOUR, penwidth=pen(max(2.5, edge.width or 0)))
            lines.append("lint: " + ", ".join(sorted({code for code, _ in edge.findings})))
            tooltip += [text for _, text in edge.findings]
        if lines:
            attrs["label"] = _text(lines)
        if tooltip:
            attrs["tooltip"] = attrs["labeltooltip"] = _text(tooltip)
        g.edge(edge.source, edge.target, **attrs)
    for group in diagram.same_rank:
        if group:
            with g.subgraph() as same:
                same.attr(rank="same")
                for node_id in group:
                    same.node(node_id)
    if legend_style == "full":
        _legend(g, diagram)
    elif legend_style == "compact":
        _compact_legend(g, diagram, direction)
    source: str = g.source
    return source


def _legend(g: graphviz.Digraph, diagram: Diagram) -> None:
    with g.subgraph(name="cluster_legend") as box:
        box.attr(label="Legend", style="rounded,dashed", color="#9e9e9e", fontsize="11", fontname=FONT)
        previous = None
        for k, (shape, tone, text) in enumerate(legend(diagram)):
            node_id = f"legend.{k}"
            box.node(node_id, label=_text([text]), tooltip=_text([text]), fontsize="9", **_node_attrs(shape, tone))
            if previous is not None:
                # Chained invisibly so the legend stays one tidy column.
                box.edge(previous, node_id, style="invis")
            previous = node_id
        notes = "legend.notes"
        box.node(notes, label=_text(list(diagram.notes), "\\l"), shape="plaintext", fontsize="9")
        if previous is not None:
            box.edge(previous, notes, style="invis")


LEGEND_ROW = 2  # boxes in a row of the compact legend, top to bottom: narrower than most flows


def _compact_legend(g: graphviz.Digraph, diagram: Diagram, direction: str) -> None:
    """Small boxes of only the shapes used, a word or two each, after the
    diagram's last boxes: top to bottom, rows of LEGEND_ROW centred under
    them; left to right, one column on their right, read downwards. So the
    legend adds a few lines, not the width of a row of boxes beside it.

    Reading order comes from an invisible anchor whose arrows keep their
    order (`ordering=out`): arrows between boxes of one rank would push
    them apart, and without any, Graphviz may reverse them. Every box with
    no way on leads to the anchor, so it sits under (beside) their middle."""
    entries = short_legend(diagram)
    if not entries:
        return
    ids = [f"legend.{k}" for k in range(len(entries))]
    across = LEGEND_ROW if direction == "TB" else len(ids)
    rows = [ids[k : k + across] for k in range(0, len(ids), across)]
    anchor = "legend.anchor"
    g.node(anchor, label="", shape="point", style="invis", width="0", height="0", ordering="out")
    with g.subgraph(name="cluster_legend") as box:
        box.attr(label="", style="rounded,dashed", color="#bdbdbd", margin="4")
        for node_id, (shape, tone, text) in zip(ids, entries):
            attrs = _node_attrs(shape, tone)
            attrs.update(fontsize="8", margin="0.06,0.02", height="0.25", width="0.4")
            box.node(node_id, label=_text([text]), tooltip=_text([text]), **attrs)
        for above, below in zip(rows, rows[1:]):
            for upper, lower in zip(above, below):
                box.edge(upper, lower, style="invis")  # column under column: no crossing, so the same order
    for node_id in rows[0]:
        g.edge(anchor, node_id, style="invis")  # outside the box: the anchor takes no room in it
    leaving = {edge.source for edge in diagram.edges}
    for node in diagram.nodes:
        if node.id not in leaving:
            g.edge(node.id, anchor, style="invis")


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render(source: str, fmt: str) -> bytes:
    """DOT source as `svg` or `png` bytes; DotMissing when `dot` is not
    installed."""
    import graphviz

    if not dot_available():
        raise DotMissing()
    try:
        data: bytes = graphviz.Source(source).pipe(format=fmt, engine="dot")
        return data
    except graphviz.ExecutableNotFound as error:
        raise DotMissing() from error
