"""Lint findings on a diagram (`render --lint`): each finding goes to the
innermost step whose source holds it, outlined in red with the rule code.

A finding on a wait or goto, which are drawn as arrow labels, marks the
arrows through it. A finding elsewhere in a flow (its entry, exits or
settings) marks the entry; on the overview, a finding marks its flow.
Findings outside any flow (content, scores, policy) are not drawn; the
HTML page lists every finding beside the diagrams.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os

from .. import nodes as n
from ..diagnostics import Diagnostic
from ..digraph import MultiDiGraph
from ..graph import ENTRY
from ..model import Programme
from ..source import Span
from .diagram import Diagram


def lint_programme(
    programme: Programme, today: _dt.date | None = None, read: set[str] | None = None
) -> list[Diagnostic]:
    """Every finding of `nurturedsl lint` on the playbook, imports included,
    with the configuration `lint` would find for it; the config files looked
    into are added to `read`. Raises ConfigError."""
    from ..lint.config import LintConfig, find_config, load_config
    from ..lint.engine import lint
    from ..lint.registry import RULES

    found = find_config(os.path.dirname(os.path.abspath(programme.path)), read=read)
    config = load_config(found, list(RULES)) if found else LintConfig()
    # Naming every source keeps the findings in imported files, where
    # the flows of a programme file live; the root is linted once. The root
    # is spelt as its imports are (`./p.nurture` is `p.nurture`), so that
    # findings are ordered the same however the command named it.
    files = [_tidy(programme.path)] + [path for path in programme.sources if path != programme.path]
    return lint(files, lambda path: config, today or _dt.date.today()).diagnostics


def _tidy(path: str) -> str:
    tidy = os.path.normpath(path)
    # `a/link/../b` is not `a/b` when `link` is a symlink to a folder
    return tidy if os.path.realpath(tidy) == os.path.realpath(path) else path


def describe(d: Diagnostic) -> str:
    return f"{d.code} {d.severity.value}: {d.message}" + (f" [{d.name}]" if d.name else "")


_real = functools.lru_cache(maxsize=None)(os.path.realpath)


def inside(span: Span, inner: Span) -> bool:
    """Whether `inner` starts within `span`."""
    return _real(span.file) == _real(inner.file) and (span.line, span.column) <= (inner.line, inner.column) < (
        span.end_line,
        span.end_column,
    )


def _size(span: Span) -> tuple[int, int]:
    return (span.end_line - span.line, span.end_column - span.column if span.end_line == span.line else span.end_column)


def place_on_flow(diagram: Diagram, flow: n.Flow, g: MultiDiGraph[str], diagnostics: list[Diagnostic]) -> None:
    steps = [(attrs["span"], node) for node, attrs in g.nodes(data=True) if attrs["step"] is not None]
    boxes = {node.id: node for node in diagram.nodes}
    for d in diagnostics:
        if d.span is None or not inside(flow.span, d.span):
            continue
        holders = [(span, node) for span, node in steps if inside(span, d.span)]
        node_id = min(holders, key=lambda item: (_size(item[0]), item[1]))[1] if holders else ENTRY
        finding = (d.code, describe(d))
        if node_id in boxes:
            boxes[node_id].findings.append(finding)
            continue
        through = _folded_before(g, node_id, diagram.folded)
        for edge in diagram.edges:
            if edge.via in through:
                edge.findings.append(finding)


def _folded_before(g: MultiDiGraph[str], node_id: str, folded: set[str]) -> set[str]:
    """The folded node and every folded node whose arrow runs through it."""
    seen, stack = {node_id}, [node_id]
    while stack:
        for before in g.predecessors(stack.pop()):
            if before in folded and before not in seen:
                seen.add(before)
                stack.append(before)
    return seen


def place_on_overview(diagram: Diagram, programme: Programme, diagnostics: list[Diagnostic]) -> None:
    boxes = {node.id: node for node in diagram.nodes}
    for d in diagnostics:
        if d.span is None:
            continue
        for name, flow in programme.flows.items():
            if name in boxes and inside(flow.span, d.span):
                boxes[name].findings.append((d.code, describe(d)))
                break
