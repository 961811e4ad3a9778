"""One diagnostic type for parse errors, semantic errors and lint findings,
and the one place that renders it for people."""

from __future__ import annotations

import enum
import os
import sys
from dataclasses import dataclass
from typing import Iterable, Mapping

from .source import SourceFile, Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    severity: Severity = Severity.ERROR
    notes: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    # Secondary places worth showing, e.g. the first definition of a duplicate.
    related: tuple[tuple[Span, str], ...] = ()
    # The lint rule's kebab-case name; empty for the core's errors.
    name: str = ""

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


class DiagnosticError(Exception):
    """Raised by a stage that cannot go on; carries what it found."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile] | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        super().__init__("\n".join(d.message for d in self.diagnostics))


def use_colour(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


_STYLE = {
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[1;33m",
    Severity.INFO: "\033[1;36m",
}
_BOLD, _BLUE, _RESET = "\033[1m", "\033[1;34m", "\033[0m"


def _frame(source: SourceFile | None, span: Span, paint) -> list[str]:
    """The source line and a caret run under the span."""
    if source is None:
        return []
    text = source.line_text(span.line)
    if not text and span.line > len(source.lines):
        return []
    gutter = str(span.line)
    pad = " " * len(gutter)
    if span.end_line == span.line:
        width = max(1, span.end_column - span.column)
    else:
        width = max(1, len(text) - span.column + 1)
    # Keep tabs in the lead-in so the carets line up under tab-indented text.
    lead = "".join(ch if ch == "\t" else " " for ch in text[: span.column - 1])
    return [
        f"{paint(_BLUE, pad + ' |')}",
        f"{paint(_BLUE, gutter + ' |')} {text}",
        f"{paint(_BLUE, pad + ' |')} {lead}{paint(_STYLE[Severity.ERROR], '^' * width)}",
    ]


def render_text(
    diagnostic: Diagnostic,
    sources: Mapping[str, SourceFile],
    colour: bool = False,
) -> str:
    """`path:line:col: severity[CODE] message [rule-name]`, a code frame, then
    notes and hints."""

    def paint(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if colour else text

    d = diagnostic
    level = paint(_STYLE[d.severity], f"{d.severity.value}[{d.code}]")
    where = f"{d.span.file}:{d.span.line}:{d.span.column}: " if d.span else ""
    name = f" [{d.name}]" if d.name else ""
    lines = [f"{paint(_BOLD, where)}{level} {paint(_BOLD, d.message)}{name}" if colour
             else f"{where}{level} {d.message}{name}"]
    if d.span:
        lines += _frame(sources.get(d.span.file), d.span, paint)
    for span, message in d.related:
        lines.append(f"  {paint(_BLUE, 'note')}: {span.file}:{span.line}:{span.column}: {message}")
        lines += ["  " + line for line in _frame(sources.get(span.file), span, paint)]
    for note in d.notes:
        lines.append(f"  = {paint(_BOLD, 'note')}: {note}")
    for hint in d.hints:
        lines.append(f"  = {paint(_BOLD, 'help')}: {hint}")
    return "\n".join(lines)


def summary(diagnostics: Iterable[Diagnostic], files: int) -> str:
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if not any(counts.values()):
        return f"no problems in {plural(files, 'file')}"
    parts = [plural(counts[Severity.ERROR], "error"), plural(counts[Severity.WARNING], "warning")]
    if counts[Severity.INFO]:
        parts.append(plural(counts[Severity.INFO], "note"))
    return f"{', '.join(parts)} in {plural(files, 'file')}"


def did_you_mean(name: str, known: Iterable[str]) -> tuple[str, ...]:
    import difflib

    matches = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return (f"did you mean `{matches[0]}`?",) if matches else ()


def print_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile], stream=None) -> None:
    stream = stream or sys.stderr
    colour = use_colour(stream)
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        print(render_text(d, sources, colour), file=stream)
        print(file=stream)
