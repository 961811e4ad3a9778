"""One diagnostic type for parse errors, semantic errors and lint findings,
and the one place that renders it for people."""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TextIO

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

    def sort_key(self) -> tuple[str, int, int, str, str]:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


class DiagnosticError(Exception):
    """Raised by a stage that cannot go on; carries what it found."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile] | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        super().__init__("\n".join(d.message for d in self.diagnostics))


def use_colour(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return callable(isatty) and bool(isatty())


_STYLE = {
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[1;33m",
    Severity.INFO: "\033[1;36m",
}
_BOLD, _BLUE, _RESET = "\033[1m", "\033[1;34m", "\033[0m"


_UNPRINTABLE = {code: " " for code in (*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F, 0x85, 0x2028, 0x2029)}


def _frame(source: SourceFile | None, span: Span, paint: Callable[[str, str], str]) -> list[str]:
    """The source line and a caret run under the span."""
    if source is None:
        return []
    # Characters that move the cursor or end a line on a terminal would
    # break the excerpt; one space each keeps the caret under its column.
    text = source.line_text(span.line).translate(_UNPRINTABLE)
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
    lines = [
        f"{paint(_BOLD, where)}{level} {paint(_BOLD, d.message)}{name}"
        if colour
        else f"{where}{level} {d.message}{name}"
    ]
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
    """The hint naming the known name closest to `name`, if one is close."""
    match = closest_name(name, known)
    return (f"did you mean `{match}`?",) if match is not None else ()


# "Did you mean" must stay cheap however many names are unknown and however
# many are known: comparing every unknown name with every known one by
# difflib made 2,000 typos in a playbook take seconds. A short list is
# compared whole (difflib's answer exactly); a long one is indexed once by
# trigram, and only the few names sharing the most uncommon trigrams with the
# unknown one are compared. The cost per unknown name is bounded by
# TRIGRAM_POSTINGS per trigram and SHORTLIST comparisons, and each unknown
# name is looked up once per table.
COMPARED_WHOLE = 200
SHORTLIST = 24
TRIGRAM_POSTINGS = 256


def closest_name(name: str, known: Iterable[str]) -> str | None:
    import difflib

    if isinstance(known, (list, tuple, set, frozenset, dict)) and len(known) <= COMPARED_WHOLE:
        matches = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
        return matches[0] if matches else None
    return _NameIndex.of(known).closest(name)


class _NameIndex:
    """Known names by trigram, for `closest_name` over long lists."""

    # By identity and size: the tables passed (symbol tables, column lists)
    # are complete before the first lookup, and one table is asked about
    # many unknown names; a strong reference keeps the id from being reused.
    _cache: dict[tuple[int, int], tuple[object, _NameIndex]] = {}

    @classmethod
    def of(cls, known: Iterable[str]) -> _NameIndex:
        if isinstance(known, (list, tuple, set, frozenset, dict)):
            key = (id(known), len(known))
            hit = cls._cache.get(key)
            if hit is not None and hit[0] is known:
                return hit[1]
            index = cls(known)
            if len(cls._cache) >= 8:
                cls._cache.pop(next(iter(cls._cache)))
            cls._cache[key] = (known, index)
            return index
        return cls(known)

    def __init__(self, known: Iterable[str]) -> None:
        self.names = sorted(set(known))
        self.postings: dict[str, list[int]] = {}
        self.sizes: list[int] = []
        for number, name in enumerate(self.names):
            grams = _trigrams(name)
            self.sizes.append(len(grams))
            for gram in grams:
                self.postings.setdefault(gram, []).append(number)
        self.answers: dict[str, str | None] = {}

    def closest(self, name: str) -> str | None:
        if name in self.answers:
            return self.answers[name]
        import difflib

        shared: dict[int, int] = {}
        lists = sorted((self.postings[gram] for gram in _trigrams(name) if gram in self.postings), key=len)
        # A trigram most names have (`ass` in a table of `asset_*`) says
        # nothing about which is meant, and counting only part of its list
        # would favour the names that sort first: such trigrams are left out,
        # unless no trigram is rarer.
        telling = [postings for postings in lists if len(postings) <= TRIGRAM_POSTINGS] or lists[:1]
        for postings in telling:
            for number in postings[:TRIGRAM_POSTINGS]:
                shared[number] = shared.get(number, 0) + 1
        # Ranked by the share of trigrams in common (Jaccard), not the count:
        # by count, a typo of a short name (`qyd` for `yyd`, one trigram in
        # common) ties with every long name sharing one trigram, and the tie
        # went to the names that sort first.
        size = len(_trigrams(name))
        shortlist = sorted(
            shared, key=lambda number: (-shared[number] / (size + self.sizes[number] - shared[number]), number)
        )[:SHORTLIST]
        matches = difflib.get_close_matches(name, [self.names[n] for n in sorted(shortlist)], n=1, cutoff=0.6)
        answer = self.answers[name] = matches[0] if matches else None
        return answer


def _trigrams(name: str) -> set[str]:
    padded = f"  {name.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def print_all(
    diagnostics: Iterable[Diagnostic], sources: Mapping[str, SourceFile], stream: TextIO | None = None
) -> None:
    stream = stream or sys.stderr
    colour = use_colour(stream)
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        print(render_text(d, sources, colour), file=stream)
        print(file=stream)
