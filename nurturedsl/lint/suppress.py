"""Inline suppressions: `# nurture: ignore[NUR201]` in a comment.

On a line, it silences the listed rules for findings on that line. On the
first line of a block (a flow, segment, content, score, playbook header, or
a branch, split, experiment, repeat or wait until), it silences them in the whole block.
Rules are named by code or by name, several separated by commas. A
suppression that silences nothing is reported (NUR099), so stale ones do
not pile up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .. import nodes as n
from ..diagnostics import Severity
from ..model import Programme
from ..nodes import iter_steps
from ..source import SourceFile, Span
from .rule import Context, Finding, Rule

_DIRECTIVE = re.compile(r"nurture\s*:\s*ignore\s*\[([^\]]*)\]", re.IGNORECASE)


@dataclass
class Suppression:
    span: Span
    rules: tuple[str, ...]  # as written
    last_line: int  # the last line it covers
    used: set[str] = field(default_factory=set)

    def covers(self, span: Span) -> bool:
        return span.file == self.span.file and self.span.line <= span.line <= self.last_line


def _comment_start(line: str) -> int:
    """Where a `#` comment starts, outside strings; -1 if none."""
    in_string = False
    escaped = False
    for index, char in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            return index
    return -1


def find(source: SourceFile, block_ends: dict[int, int]) -> Iterator[Suppression]:
    """The suppressions in one file. `block_ends` maps the first line of each
    block to its last line."""
    for number, line in enumerate(source.lines, start=1):
        if "#" not in line or not _DIRECTIVE.search(line):
            continue  # most lines: no directive anywhere, in a comment or not
        start = _comment_start(line)
        if start < 0:
            continue
        match = _DIRECTIVE.search(line, start)
        if not match:
            continue
        rules = tuple(part.strip() for part in match.group(1).split(",") if part.strip())
        span = Span(source.path, number, match.start() + 1, number, match.end() + 1)
        yield Suppression(span, rules, block_ends.get(number, number))


def block_ends(programme: Programme) -> dict[str, dict[int, int]]:
    """For each file, first line of a block -> its last line."""
    spans = [header.span for header in programme.headers.values()]
    for table in (programme.segments, programme.contents, programme.scores, programme.flows):
        spans += [node.span for node in table.values()]
    for flow in programme.flows.values():
        spans += [
            step.span
            for step in iter_steps(flow.steps)
            if isinstance(step, (n.Branch, n.Split, n.Repeat, n.WaitUntil, n.Experiment, n.WaitFor))
        ]
    ends: dict[str, dict[int, int]] = {}
    for span in spans:
        per_file = ends.setdefault(span.file, {})
        per_file[span.line] = max(per_file.get(span.line, span.line), span.end_line)
    return ends


class UnusedSuppression(Rule):
    """A `# nurture: ignore[...]` comment silences nothing.

    A suppression outlives the finding it was written for: the step was
    fixed, moved or deleted, and the comment stays, ready to hide the next
    real problem on that line. Reporting unused ones (as ruff's RUF100 does)
    keeps every suppression honest. An unknown rule in the brackets is
    reported the same way.

    Bad:
        email welcome: blog_post   # nurture: ignore[NUR201]  (nothing to silence)

    Good:
        email welcome: blog_post
    """

    code = "NUR099"
    name = "unused-suppression"
    family = "suppression"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        # The engine reports these: only it knows what was silenced.
        return iter(())
